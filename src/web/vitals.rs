//! What every Web Vital module shares: the visibility watcher's initial
//! state, activation start, the navigation entry web-vitals trusts, element
//! selectors, the load state, and building the report.

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::Str as _;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::attrs::{truncate, Attrs};
use crate::core::event::{Event, LoafScript, Vital};
use crate::core::rating::rate;
use crate::core::vitals::{load_state as core_load_state, Reporter};

use super::bindings::{nz, Entry, Loose};
use super::runtime::Runtime;
use super::util::{document, get, once, performance};

pub fn prerendering() -> bool {
    document().is_some_and(|d| get(d, "prerendering").as_bool() == Some(true))
}

/// `getVisibilityWatcher`'s first value: a `visibility-state` entry saying
/// the page was hidden (after activation), else 0 if it is hidden now (and
/// not prerendering: prerendered pages are "hidden" until activated), else ∞.
pub fn initial_first_hidden() -> f64 {
    if !prerendering() {
        let activation = activation_start();
        if let Some(p) = performance() {
            let hidden = p.get_entries_by_type("visibility-state").iter().find_map(|e| {
                let e: Entry = e.unchecked_into();
                (e.name().str().as_deref() == Some("hidden") && e.start_time() >= activation).then(|| e.start_time())
            });
            if let Some(t) = hidden {
                return t;
            }
        }
    }
    hidden_now_time()
}

/// 0 when the page is hidden (and not prerendering), ∞ otherwise.
pub fn hidden_now_time() -> f64 {
    if super::lifecycle::hidden() && !prerendering() {
        0.0
    } else {
        f64::INFINITY
    }
}

/// `getNavigationEntry`: ignores entries whose responseStart is 0, negative
/// or in the future (browser bugs and privacy clamps, web-vitals #137/#162/#275).
pub fn navigation_entry() -> Option<Entry> {
    let e = super::navigation::entry()?;
    let now = performance().map_or(0.0, |p| p.now());
    let rs = e.response_start();
    (rs > 0.0 && rs < now).then_some(e)
}

pub fn activation_start() -> f64 {
    super::navigation::entry().map_or(0.0, |e| nz(e.activation_start()))
}

/// `getLoadState(t)`.
pub fn load_state(t: f64) -> &'static str {
    let loading = super::util::ready_state() == "loading";
    match navigation_entry() {
        Some(e) => core_load_state(
            t,
            loading,
            nz(e.dom_interactive()),
            nz(e.dom_content_loaded_event_start()),
            nz(e.dom_complete()),
        ),
        None if loading => "loading",
        None => "complete",
    }
}

/// Attribution details (what to fix: targets, parts, the largest shift)
/// are in the `attribution` build (`full`); without it a vital carries its
/// value, rating and navigation type only (README "Builds").
pub const ATTRIBUTION: bool = cfg!(feature = "attribution");
/// The scripts of long animation frames (on INP and the `loaf` aggregate):
/// the `loaf-scripts` build (`full`).
pub const LOAF_SCRIPTS: bool = cfg!(feature = "loaf-scripts");

const MAX_SELECTOR: usize = 100;

/// `getSelector`: `#id`, or `tag.class1.class2` joined by `>` up to an id or
/// the document, at most 100 characters — the same strings web-vitals
/// reports, so the two can be compared.
pub fn selector(node: &JsValue) -> String {
    let mut sel = String::new();
    if !ATTRIBUTION && !cfg!(feature = "actions") {
        return sel;
    }
    let mut node = node.clone();
    for _ in 0..64 {
        if !node.is_object() {
            break;
        }
        let n: &Loose = node.unchecked_ref();
        let node_type = n.node_type();
        if node_type == 9.0 || !node_type.is_finite() {
            break;
        }
        let id = n.node_id().str().unwrap_or_default();
        let part = if !id.is_empty() {
            let mut p = String::from("#");
            p.push_str(&id);
            p
        } else {
            let raw = n.node_name().str().unwrap_or_default();
            let mut p = if node_type == 1.0 {
                raw.to_ascii_lowercase()
            } else {
                let upper = raw.to_ascii_uppercase();
                upper.strip_prefix('#').map(str::to_string).unwrap_or(upper)
            };
            let list = n.class_list();
            if list.is_object() {
                let mut classes: Vec<String> =
                    js_sys::Array::from(&list).iter().filter_map(|c| c.as_string()).collect();
                // Insertion sort (a handful of classes; core's sort costs kilobytes).
                for i in 1..classes.len() {
                    let mut j = i;
                    while j > 0 && classes.get(j - 1) > classes.get(j) {
                        classes.swap(j - 1, j);
                        j -= 1;
                    }
                }
                for c in classes {
                    p.push('.');
                    p.push_str(&c);
                }
            }
            p
        };
        if sel.len() + part.len() > MAX_SELECTOR - 1 {
            return if sel.is_empty() { part } else { sel };
        }
        sel = if sel.is_empty() {
            part
        } else {
            let mut s = part;
            s.push('>');
            s.push_str(&sel);
            s
        };
        if !id.is_empty() {
            break;
        }
        node = n.parent_node();
    }
    sel
}

/// Reports a metric of page view `to` (id, navigation type; an empty id:
/// the current view) when `Reporter` says so: `force` for a final value.
pub fn report(
    rt: &Runtime,
    reporter: &mut Reporter,
    name: &str,
    value: f64,
    force: bool,
    to: (&str, &str),
    attribution: impl FnOnce() -> (Attrs, Vec<LoafScript>),
) {
    if reporter.report(value, force, rt.cfg.report_all_changes).is_none() {
        return;
    }
    // Without the extras the closures are never called, so their code is
    // not in the build.
    let (attr, scripts) = if ATTRIBUTION || LOAF_SCRIPTS { attribution() } else { Default::default() };
    let attr = if ATTRIBUTION { attr } else { Attrs::new() };
    let scripts = if LOAF_SCRIPTS { scripts } else { Vec::new() };
    push_vital(rt, name, value, to, attr, scripts);
}

/// The part of `report` that does not depend on its closure: one copy
/// instead of one per caller (a dozen).
#[inline(never)]
fn push_vital(rt: &Runtime, name: &str, value: f64, (view, nav): (&str, &str), attr: Attrs, scripts: Vec<LoafScript>) {
    rt.push_to(
        view,
        Event::Vital(Vital {
            t: super::util::now(),
            name: name.to_string(),
            value,
            rating: rate(name, value).to_string(),
            nav: nav.to_string(),
            attr,
            scripts,
        }),
    );
}

/// Scrubbed and capped URL for attribution.
pub fn attr_url(rt: &Runtime, url: &str) -> String {
    truncate(&rt.scrub(url), 512).to_string()
}

/// web-vitals' `doubleRAF`, for bfcache LCP/FCP: `f(rt, restored_at, now)`
/// with `performance.now()` in a callback of the second frame after the
/// restore, exactly as web-vitals reads it. A plain `fn`: one pair of frame
/// callbacks for every caller.
pub fn double_raf(rt: &Runtime, restored_at: f64, f: fn(&Runtime, f64, f64)) {
    let Some(w) = super::util::window() else { return };
    let w2 = w.clone();
    let me = rt.me.clone();
    let inner = once(Box::new(move |_| {
        if let Some(rt) = me.upgrade() {
            // FCP and LCP both report "the second frame after the restore":
            // one reading for both, the first callback's. Each reading its
            // own clock made LCP later by FCP's reporting in between (and
            // by that code's first-call compilation).
            let (at, now) = rt.restore_frame.get();
            let now = if at == restored_at {
                now
            } else {
                let now = performance().map_or(0.0, |p| p.now());
                rt.restore_frame.set((restored_at, now));
                now
            };
            f(&rt, restored_at, now);
        }
        Ok(JsValue::UNDEFINED)
    }));
    // Each frame callback frees itself when it runs.
    let outer = once(Box::new(move |_| {
        let _ = w2.request_animation_frame(inner.unchecked_ref());
        Ok(JsValue::UNDEFINED)
    }));
    let _ = w.request_animation_frame(outer.unchecked_ref());
}

/// web-vitals' `whenActivated`: runs `f` now, or when a prerendered page is
/// activated (metrics of a prerendered page start at activation).
pub fn when_activated(rt: &Runtime, f: fn(&Runtime)) {
    let doc = document();
    match doc {
        Some(d) if prerendering() => {
            let me = rt.me.clone();
            let mut f = Some(f);
            rt.add_source(super::util::Listener::new(d, "prerenderingchange", true, move |_| {
                if let (Some(rt), Some(f)) = (me.upgrade(), f.take()) {
                    f(&rt);
                }
            }));
        }
        _ => f(rt),
    }
}

/// web-vitals' `whenIdleOrHidden`: runs `f` in an idle period (at most 1 s
/// later), or now if the page is hidden. Used where web-vitals uses it, so
/// that the order of processing and final reports is the same as theirs.
pub fn when_idle(f: impl FnOnce() + 'static) {
    if super::lifecycle::hidden() {
        return f();
    }
    let Some(w) = super::util::window() else { return f() };
    let cb = once(Box::new(move |_| {
        f();
        Ok(JsValue::UNDEFINED)
    }));
    // Freed when called; requestIdleCallback with a timeout always calls it.
    let opts = IDLE_OPTS.0.try_borrow_mut().ok().map(|mut o| {
        o.get_or_insert_with(|| {
            let o = js_sys::Object::new();
            super::util::set(&o, "timeout", &JsValue::from_f64(1000.0));
            o
        })
        .clone()
    });
    if opts.is_some_and(|o| super::bindings::request_idle_callback(&cb, &o).is_ok()) {
        return;
    }
    let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), 0);
}

/// `when_idle` for `f(rt, arg)` while the agent lives: one closure type
/// for every metric that waits for idle.
pub fn when_idle_rt(rt: &Runtime, arg: Option<u32>, f: fn(&Runtime, Option<u32>)) {
    let me = rt.me.clone();
    when_idle(move || {
        if let Some(rt) = me.upgrade() {
            f(&rt, arg);
        }
    });
}

/// `{ timeout: 1000 }` for `when_idle`, made once: it runs for every
/// interaction, and setting the key sends its name across each time.
struct IdleOpts(core::cell::RefCell<Option<js_sys::Object>>);
// SAFETY: wasm32-unknown-unknown (without the atomics feature) runs on one
// thread; nothing here is ever shared across threads (as `RUNNING`).
unsafe impl Sync for IdleOpts {}
static IDLE_OPTS: IdleOpts = IdleOpts(core::cell::RefCell::new(None));
