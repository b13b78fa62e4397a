//! User actions, the browser side: listeners for `click`, `keydown` and
//! `submit` (capture phase, trusted events only), the element's name and
//! selector, a MutationObserver (connected only while an action is open),
//! Event Timing entries of INP candidates, and the hooks HTTP calls and
//! errors report to. Every decision is `core::action`'s.
//!
//! Names never come from what the user typed or chose: not an input's
//! `value`, not a field's text; `data-rum-name` first, then `aria-label`,
//! `aria-labelledby`, a field's `<label>`, the element's text (buttons,
//! links), `alt`, `title`. With `actionNames: 'data-only'`, only
//! `data-rum-name`.

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::Str as _;

use alloc::rc::{Rc, Weak};
use core::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::action::{self, Input, Kind, Step, Tracker};
use crate::core::batch::reason;
use crate::core::event::Event;

use super::bindings::{nz, Loose};
use super::runtime::Runtime;
use super::util::{closure, epoch, href, performance, PerfObserver};

#[wasm_bindgen]
extern "C" {
    /// An element, read structurally (web-sys's Element/Node need features
    /// whose glue the agent does not otherwise carry).
    #[wasm_bindgen(extends = js_sys::Object)]
    type El;
    #[wasm_bindgen(method, js_name = getAttribute)]
    fn attr(this: &El, name: &str) -> JsValue;
    #[wasm_bindgen(method, js_name = hasAttribute)]
    fn has_attr(this: &El, name: &str) -> bool;
    #[wasm_bindgen(method, catch)]
    fn closest(this: &El, selector: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, js_name = textContent)]
    fn text_content(this: &El) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn labels(this: &El) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = isContentEditable)]
    fn editable(this: &El) -> bool;
    #[wasm_bindgen(method, getter, js_name = type)]
    fn input_type(this: &El) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn key(this: &El) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn cursor(this: &El) -> JsValue;

    #[wasm_bindgen(js_name = MutationObserver)]
    type MutObserver;
    #[wasm_bindgen(constructor, js_class = MutationObserver, catch)]
    fn new(cb: &js_sys::Function) -> Result<MutObserver, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn observe(this: &MutObserver, target: &JsValue, opts: &js_sys::Object) -> Result<(), JsValue>;
    #[wasm_bindgen(method)]
    fn disconnect(this: &MutObserver);

    #[wasm_bindgen(catch, js_name = getComputedStyle)]
    fn computed_style(el: &JsValue) -> Result<El, JsValue>;
}

/// The DOM observer, disconnected on drop.
struct Mutations {
    obs: MutObserver,
    _cb: Closure<dyn FnMut(JsValue)>,
    on: bool,
}

impl Drop for Mutations {
    fn drop(&mut self) {
        self.obs.disconnect();
    }
}

struct State {
    tracker: Tracker,
    mutations: Option<Mutations>,
    _timing: Option<PerfObserver>,
    /// The page URL when the open action started (a route change is a reaction).
    url: String,
    /// Checks scheduled for an older input are stale.
    gen: u32,
    data_only: bool,
}

/// The running agent's actions state, for the HTTP and error hooks.
struct Current(RefCell<Weak<RefCell<State>>>);
// SAFETY: wasm32-unknown-unknown (without the atomics feature) runs on one
// thread; nothing here is ever shared across threads (as `RUNNING`).
unsafe impl Sync for Current {}
static CURRENT: Current = Current(RefCell::new(Weak::new()));

fn with<R>(f: impl FnOnce(&mut State) -> R) -> Option<R> {
    let state = CURRENT.0.try_borrow().ok()?.upgrade()?;
    let mut st = state.try_borrow_mut().ok()?;
    Some(f(&mut st))
}

fn now_perf() -> f64 {
    performance().map_or(0.0, |p| p.now())
}

/// An HTTP call started (performance time): the action it belongs to.
pub fn http_start(t: f64) -> Option<u32> {
    with(|st| st.tracker.http_start(t)).flatten()
}

/// An HTTP call of action `act` ended.
pub fn http_end(act: Option<u32>, failed: bool) {
    if let Some(seq) = act {
        with(|st| st.tracker.http_end(seq, now_perf(), failed));
    }
}

/// An uncaught error or unhandled rejection at `t` (performance time).
pub fn error(t: f64) {
    with(|st| st.tracker.error(t));
}

fn str_attr(el: &El, name: &str) -> String {
    el.attr(name).str().unwrap_or_default()
}

fn tag_of(el: &El) -> String {
    el.unchecked_ref::<Loose>().local_name().str().unwrap_or_default()
}

fn text_of(v: &JsValue) -> String {
    if v.is_object() {
        action::clean_name(&v.unchecked_ref::<El>().text_content().str().unwrap_or_default())
    } else {
        String::new()
    }
}

/// The accessible name (see the module doc); empty when there is none.
fn accessible_name(el: &El, tag: &str) -> String {
    let aria = action::clean_name(&str_attr(el, "aria-label"));
    if !aria.is_empty() {
        return aria;
    }
    let ids = str_attr(el, "aria-labelledby");
    if !ids.is_empty() {
        let doc = super::util::document();
        let parts: Vec<String> = ids
            .split_whitespace()
            .take(4)
            .filter_map(|id| doc.and_then(|d| d.get_element_by_id(id)))
            .map(|e| text_of(&e))
            .collect();
        let name = action::clean_name(&parts.join(" "));
        if !name.is_empty() {
            return name;
        }
    }
    let labels = el.labels();
    if labels.is_object() {
        let first = js_sys::Reflect::get(&labels, &JsValue::from_f64(0.0)).unwrap_or(JsValue::UNDEFINED);
        let name = text_of(&first);
        if !name.is_empty() {
            return name;
        }
    }
    if action::named_by_text(tag) {
        let name = text_of(el);
        if !name.is_empty() {
            return name;
        }
    }
    if tag == "input" && action::input_labelled_by_value(&el.input_type().str().unwrap_or_default()) {
        // A button's label, set by the page (see `input_labelled_by_value`).
        let name = action::clean_name(&super::util::get(el, "value").as_string().unwrap_or_default());
        if !name.is_empty() {
            return name;
        }
    }
    for a in ["alt", "title"] {
        let name = action::clean_name(&str_attr(el, a));
        if !name.is_empty() {
            return name;
        }
    }
    String::new()
}

/// The element an action is about: the nearest actionable ancestor of the
/// event's target (or the target), its name and whether it looks clickable.
fn describe(target: &JsValue, data_only: bool, kind: Kind) -> Option<(JsValue, String, bool)> {
    if !is_element(target) {
        return None; // only elements have the methods below (no throw into the page)
    }
    let named = target.unchecked_ref::<El>().closest("[data-rum-name]").ok().filter(JsValue::is_object);
    let mut el = target.clone();
    let mut node = target.clone();
    for _ in 0..8 {
        if !is_element(&node) {
            break;
        }
        let e: &El = node.unchecked_ref();
        if action::actionable(&tag_of(e), &str_attr(e, "role")) {
            el = node.clone();
            break;
        }
        node = node.unchecked_ref::<Loose>().parent_node();
    }
    let e: &El = el.unchecked_ref();
    let tag = tag_of(e);
    let role = str_attr(e, "role");
    let name = match &named {
        Some(n) => action::clean_name(&str_attr(n.unchecked_ref(), "data-rum-name")),
        None if data_only => String::new(),
        None => accessible_name(e, &tag),
    };
    let clickable = kind == Kind::Click && {
        let pointer = || computed_style(&el).ok().and_then(|s| s.cursor().str()).is_some_and(|c| c == "pointer");
        action::looks_clickable(&tag, &role, e.has_attr("href"), false) || pointer()
    };
    let clickable = clickable && !matches!(tag.as_str(), "input" | "textarea" | "select" | "label" | "option");
    Some((el, name, clickable))
}

fn is_element(v: &JsValue) -> bool {
    v.is_object() && v.unchecked_ref::<Loose>().node_type() == 1.0
}

fn in_text_field(target: &JsValue) -> bool {
    if !is_element(target) {
        return false;
    }
    let e: &El = target.unchecked_ref();
    if e.editable() {
        return true;
    }
    match tag_of(e).as_str() {
        "textarea" => true,
        "input" => !matches!(
            e.input_type().str().unwrap_or_default().as_str(),
            "button" | "submit" | "reset" | "checkbox" | "radio" | "image" | "file" | "color" | "range"
        ),
        _ => false,
    }
}

fn on_input(rt: &Runtime, ev: &JsValue) {
    let e: &Loose = ev.unchecked_ref();
    if !e.is_trusted() {
        return;
    }
    let target = e.target();
    let kind = match get_type(ev).as_str() {
        "click" => Kind::Click,
        "submit" => Kind::Submit,
        _ => {
            let key = ev.unchecked_ref::<El>().key().str().unwrap_or_default();
            if !action::key_is_action(&key, in_text_field(&target)) {
                return;
            }
            Kind::Key
        }
    };
    let Some(data_only) = with(|st| st.data_only) else { return };
    let Some((el, name, clickable)) = describe(&target, data_only, kind) else { return };
    let input = Input { kind, t: e.time_stamp(), name, target: super::vitals::selector(&el), clickable };
    let url = href();
    let step = with(|st| {
        let was_open = st.tracker.collecting();
        let done = st.tracker.input(input);
        if done.is_some() || !was_open {
            st.url = url;
        }
        if let Some(m) = st.mutations.as_mut().filter(|m| !m.on) {
            let opts = js_sys::Object::new();
            for k in ["childList", "subtree", "attributes", "characterData"] {
                super::util::set(&opts, k, &JsValue::TRUE);
            }
            let doc: Option<&JsValue> = super::util::document().map(AsRef::as_ref);
            m.on = doc.is_some_and(|d| m.obs.observe(d, &opts).is_ok());
        }
        st.gen = st.gen.wrapping_add(1);
        (done, st.gen)
    });
    let Some((done, gen)) = step else { return };
    if let Some(a) = done {
        emit(rt, a);
    }
    // The first check runs after the input's handlers: their end is activity.
    schedule(rt, 0, gen, true);
}

fn get_type(ev: &JsValue) -> String {
    ev.unchecked_ref::<web_sys::Event>().type_()
}

fn schedule(rt: &Runtime, ms: u32, gen: u32, first: bool) {
    rt.defer(ms, move |rt| check(rt, gen, first));
}

fn check(rt: &Runtime, gen: u32, first: bool) {
    let now = now_perf();
    let mut frames: Vec<(f64, f64)> = Vec::new();
    if let Ok(sh) = rt.shared.try_borrow() {
        if sh.loafs.is_empty() {
            frames.extend(sh.long_tasks.iter().rev().take(20).copied());
        } else {
            frames.extend(sh.loafs.iter().map(|l| (l.start, l.start + nz(l.duration))));
        }
    }
    let url = href();
    let step = with(|st| {
        if st.gen != gen {
            return Step::Idle; // a newer input has its own checks
        }
        if first {
            st.tracker.processed(now);
        }
        st.tracker.long_frames(&frames);
        if url != st.url {
            st.tracker.navigation();
        }
        let step = st.tracker.check(now);
        if !st.tracker.collecting() {
            if let Some(m) = st.mutations.as_mut().filter(|m| m.on) {
                m.obs.disconnect();
                m.on = false;
            }
        }
        step
    });
    match step {
        Some(Step::Wait(ms)) => {
            schedule(rt, u32::try_from(crate::core::json::f64_to_u64(ms)).unwrap_or(100), gen, false)
        }
        Some(Step::Done(a)) => emit(rt, a),
        _ => {}
    }
}

fn emit(rt: &Runtime, mut a: crate::core::event::UserAction) {
    let view = rt.with(|st| st.meta.view.id.clone()).unwrap_or_default();
    if with(|st| st.tracker.admit(&view)) != Some(true) {
        rt.count_dropped(reason::ACTIONS, 1.0);
        return;
    }
    a.t = epoch(a.t);
    rt.push(Event::Action(a));
}

pub fn install(rt: &Rc<Runtime>) {
    if !rt.cfg.actions {
        return;
    }
    let Some(w) = super::util::window() else { return };
    let state = Rc::new(RefCell::new(State {
        tracker: Tracker::default(),
        mutations: None,
        _timing: None,
        url: String::new(),
        gen: 0,
        data_only: rt.cfg.action_names_data_only,
    }));
    let weak = Rc::downgrade(&state);
    let cb = closure(Box::new(move |_| {
        if let Some(state) = weak.upgrade() {
            if let Ok(mut st) = state.try_borrow_mut() {
                st.tracker.dom_change(now_perf());
            }
        }
    }));
    let mutations = MutObserver::new(cb.as_ref().unchecked_ref()).ok().map(|obs| Mutations { obs, _cb: cb, on: false });
    // Event Timing entries of INP candidates (≥ 40 ms, as INP observes).
    let weak = Rc::downgrade(&state);
    let timing = PerfObserver::new("event", &[("durationThreshold", 40.0)], move |entries| {
        let Some(state) = weak.upgrade() else { return };
        let Ok(mut st) = state.try_borrow_mut() else { return };
        for e in entries {
            if nz(e.interaction_id()) > 0.0 {
                st.tracker.event_timing(e.start_time(), nz(e.duration()));
            }
        }
    });
    if let Ok(mut st) = state.try_borrow_mut() {
        st.mutations = mutations;
        st._timing = timing;
    }
    if let Ok(mut c) = CURRENT.0.try_borrow_mut() {
        *c = Rc::downgrade(&state);
    }
    for kind in ["click", "keydown", "submit"] {
        rt.listen(w, kind, true, on_input);
    }
    // Hidden or left: the open action ends now (and is not dead: the page moved on).
    rt.on_hidden_hook(|rt| {
        let done = with(|st| {
            st.tracker.navigation();
            st.tracker.finish()
        });
        if let Some(a) = done.flatten() {
            emit(rt, a);
        }
    });
    rt.add_source(Some(state));
}
