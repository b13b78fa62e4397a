//! The browser edge: turns browser entries and events into core events, and
//! core requests into network calls. One module per signal; nothing here
//! decides anything the core could decide.

#[cfg(feature = "actions")]
mod actions;
/// Without the `actions` feature: the hooks other sources call do nothing.
#[cfg(not(feature = "actions"))]
mod actions {
    pub fn http_start(_: f64) -> Option<u32> {
        None
    }
    pub fn http_end(_: Option<u32>, _: bool) {}
    pub fn error(_: f64) {}
    pub fn install(_: &alloc::rc::Rc<super::runtime::Runtime>) {}
}
mod bindings;
mod cls;
mod config;
mod context;
#[cfg(feature = "csp")]
mod csp;
/// Without the `csp` feature (the `full` build has it): no listener, and the
/// violations the loader snippet queued are dropped.
#[cfg(not(feature = "csp"))]
mod csp {
    pub fn install(_: &alloc::rc::Rc<super::runtime::Runtime>) {}
    pub fn replay(_: &super::runtime::Runtime, _: &wasm_bindgen::JsValue) {}
}
mod errors;
mod fcp;
mod http;
mod inp;
mod lcp;
mod lifecycle;
mod longtasks;
mod navigation;
mod resources;
mod route;
mod runtime;
mod soft;
mod transport;
mod ttfb;
mod tti;
mod util;
mod vitals;

#[allow(unused_imports)]
use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::attrs::{truncate, Attrs};
use crate::core::event::{Custom, Event, Measure};

use runtime::Runtime;
use util::{now, read_attrs, to_string};

/// The one running agent. Held here, not by the JS handle, so that a page
/// that drops the handle (or loads the script twice) keeps one agent.
struct Running(RefCell<Option<Rc<Runtime>>>);
// SAFETY: wasm32-unknown-unknown (without the atomics feature) runs on one
// thread; nothing here is ever shared across threads.
unsafe impl Sync for Running {}
static RUNNING: Running = Running(RefCell::new(None));

fn running() -> Option<Rc<Runtime>> {
    RUNNING.0.try_borrow().ok().and_then(|r| r.clone())
}

/// Start-up's steps between `init()`'s tasks: a checked config, then the
/// agent's state built from it, waiting for `start`.
enum Next {
    Checked(crate::core::config::Config, config::Hooks),
    Built(Rc<Runtime>),
}

/// What `configure` left for the next step.
struct Pending(RefCell<Option<Next>>);
// SAFETY: as `Running`.
unsafe impl Sync for Pending {}
static PENDING: Pending = Pending(RefCell::new(None));

/// Start-up before `start`, one step per task of the shim's `init()`. Each
/// wasm function is compiled on the main thread when first called, so each
/// step's first calls are a slice of their own (issue 22's bench, lazy
/// compilations per task: checking the config 82, building the state 77,
/// `start`'s installs 29, where one task held the last two).
/// - `configure(config, from_tag, wrap)`: reads and checks the config;
///   throws a TypeError naming the field when it is invalid. `wrap`: the
///   shim's `wrap(original, hook)` (the HTTP instrumentation's).
/// - `configure(undefined)`: builds the agent's state from it (session,
///   page context, queue, transport), installing nothing.
#[wasm_bindgen]
pub fn configure(config: JsValue, from_tag: bool, wrap: JsValue) -> Result<(), JsValue> {
    let Ok(mut p) = PENDING.0.try_borrow_mut() else { return Ok(()) };
    if config.is_undefined() {
        if let Some(Next::Checked(cfg, hooks)) = p.take() {
            *p = Some(Next::Built(Runtime::new(cfg, hooks)));
        }
        return Ok(());
    }
    let (cfg, mut hooks) = config::load(&config, from_tag).map_err(|m| JsValue::from(js_sys::TypeError::new(&m)))?;
    hooks.wrap = wrap.dyn_into().ok();
    *p = Some(Next::Checked(cfg, hooks));
    Ok(())
}

/// Starts the agent (called by the JS shim's `init()`) with `config`, or
/// with what `configure` left when `config` is undefined. `from_tag`:
/// the config is a script tag's `dataset`; `task(f)`: runs `f` in a task of
/// its own, soon. Throws a TypeError naming the field when the config is invalid.
#[wasm_bindgen]
pub fn start(config: JsValue, from_tag: bool, wrap: JsValue, task: JsValue) -> Result<Agent, JsValue> {
    if running().is_some() {
        return Ok(Agent { _private: () });
    }
    if !config.is_undefined() {
        configure(config, from_tag, wrap)?;
    }
    let rt = match PENDING.0.try_borrow_mut().ok().and_then(|mut p| p.take()) {
        Some(Next::Built(rt)) => rt,
        Some(Next::Checked(cfg, hooks)) => Runtime::new(cfg, hooks),
        None => return Err(js_sys::TypeError::new("rum-agent: init() needs a config object").into()),
    };
    if rt.sampled() {
        // What can miss something if it starts late goes now: error and
        // lifecycle listeners, and what the page expects in place once
        // `init()` has resolved: the fetch/XHR wrappers, route changes. The
        // observers follow in tasks of their own (see `STAGES`), so `init()`
        // does not hold the page's main thread for the whole start-up: V8
        // compiles each wasm function on its first call, on the main thread.
        errors::install(&rt);
        csp::install(&rt);
        lifecycle::install(&rt);
        http::install(&rt);
        route::install(&rt);
        next_stage(&rt, task.dyn_into().ok(), 0);
    }
    if let Ok(mut r) = RUNNING.0.try_borrow_mut() {
        *r = Some(rt);
    }
    Ok(Agent { _private: () })
}

/// Start-up after `start`'s own task, one stage per task. The shim's `task`
/// posts a message (timers in a hidden tab wait for the next 1-second
/// wake-up, messages do not). The observers read buffered entries, so they
/// lose nothing by starting a task or two later; each observer's buffered
/// entries are delivered in a task after the one that installed it, so the
/// first calls of the code that reads them spread over tasks too.
const STAGES: [fn(&Rc<Runtime>); 2] = [
    |rt| {
        navigation::install(rt);
        resources::install(rt);
        fcp::install(rt);
        lcp::install(rt);
    },
    |rt| {
        cls::install(rt);
        inp::install(rt);
        longtasks::install(rt);
        tti::install(rt);
        actions::install(rt);
        rest(rt);
    },
];

/// Runs stage `i` and those after it: each in a task of its own through the
/// shim's `task`, or all at once without one (Rust callers, tests/web.rs).
/// A stage runs only for the agent still running: a `shutdown()` in between
/// leaves nothing installed.
fn next_stage(rt: &Rc<Runtime>, task: Option<js_sys::Function>, i: usize) {
    let Some(stage) = STAGES.get(i) else { return };
    if let Some(f) = &task {
        let (me, t) = (rt.me.clone(), task.clone());
        // Freed when called; the shim's `task` always calls it.
        let run = util::once(Box::new(move |_| {
            if let Some(rt) = me.upgrade().filter(|rt| running().is_some_and(|r| Rc::ptr_eq(&r, rt))) {
                stage(&rt);
                next_stage(&rt, t, i + 1);
            }
            Ok(JsValue::UNDEFINED)
        }));
        if f.call1(&JsValue::UNDEFINED, &run).is_ok() {
            return;
        }
    }
    for stage in STAGES.iter().skip(i) {
        stage(rt);
    }
}

/// The last of start-up: the flush timer, the time zone, stored batches.
fn rest(rt: &Rc<Runtime>) {
    rt.start_timer();
    if let Some(tz) = context::time_zone_now() {
        rt.with(|st| st.meta.env.tz = tz);
    } else {
        let me = rt.me.clone();
        vitals::when_idle(move || {
            if let Some(rt) = me.upgrade() {
                let tz = context::time_zone();
                rt.with(|st| st.meta.env.tz = tz);
            }
        });
    }
    rt.transport.resend_stored();
}

// Not inlined: the methods and the snippet's replay share one copy.
#[inline(never)]
fn push_event_at(rt: &Runtime, name: &JsValue, attributes: &JsValue, t: f64) {
    let mut attrs = Attrs::new();
    read_attrs(attributes, &mut attrs);
    let name = truncate(&to_string(name), 256).to_string();
    rt.push(Event::Custom(Custom { t, name, attrs }));
}

#[inline(never)]
fn push_measurement_at(rt: &Runtime, name: &JsValue, value: &JsValue, attributes: &JsValue, t: f64) {
    let Some(value) = value.as_f64().filter(|v| v.is_finite()) else { return };
    let mut attrs = Attrs::new();
    read_attrs(attributes, &mut attrs);
    let name = truncate(&to_string(name), 256).to_string();
    rt.push(Event::Measure(Measure { t, name, value, attrs }));
}

/// The handle `init()` resolves to. Every method is safe to call with any
/// arguments, at any time, including after `shutdown()` (then a no-op).
#[wasm_bindgen]
pub struct Agent {
    _private: (),
}

#[wasm_bindgen]
impl Agent {
    /// `pushError(error, context?)`: an Error (or any thrown value) with
    /// optional string/number context.
    #[wasm_bindgen(js_name = pushError)]
    pub fn push_error(&self, error: JsValue, context: JsValue) {
        if let Some(rt) = running().filter(|rt| rt.sampled()) {
            errors::push_at(&rt, &error, &context, now());
        }
    }

    /// `pushEvent(name, attributes?)`: a named business or UX event.
    #[wasm_bindgen(js_name = pushEvent)]
    pub fn push_event(&self, name: JsValue, attributes: JsValue) {
        if let Some(rt) = running().filter(|rt| rt.sampled()) {
            push_event_at(&rt, &name, &attributes, now());
        }
    }

    /// `pushMeasurement(name, value, attributes?)`: a custom number.
    #[wasm_bindgen(js_name = pushMeasurement)]
    pub fn push_measurement(&self, name: JsValue, value: JsValue, attributes: JsValue) {
        if let Some(rt) = running().filter(|rt| rt.sampled()) {
            push_measurement_at(&rt, &name, &value, &attributes, now());
        }
    }

    /// `setUser({ id, … })`, or `setUser(null)` to forget the user.
    #[wasm_bindgen(js_name = setUser)]
    pub fn set_user(&self, user: JsValue) {
        let Some(rt) = running() else { return };
        let mut attrs = Attrs::new();
        read_attrs(&user, &mut attrs);
        rt.set_user(attrs);
    }

    /// `setView(name)`: the SPA route the following events belong to.
    #[wasm_bindgen(js_name = setView)]
    pub fn set_view(&self, name: JsValue) {
        if let Some(rt) = running() {
            rt.set_view(&to_string(&name));
        }
    }

    /// Replays one item queued by the loader snippet before the agent was
    /// ready: `['e', ErrorEvent|Event]`, `['r', PromiseRejectionEvent]`,
    /// `['c', SecurityPolicyViolationEvent]`,
    /// `[method, args, performance.now()]`, or `['d', dropped]`. Original
    /// events keep their own timestamps; API calls get the time they were made.
    #[wasm_bindgen(js_name = __replay)]
    pub fn replay(&self, item: JsValue) {
        let Some(rt) = running().filter(|rt| rt.sampled()) else { return };
        if !js_sys::Array::is_array(&item) {
            return;
        }
        let item: js_sys::Array = item.unchecked_into();
        let kind = item.get(0).as_string().unwrap_or_default();
        let args: js_sys::Array = js_sys::Array::from(&item.get(1));
        let t = item.get(2).as_f64().map(util::epoch).unwrap_or_else(now);
        let arg = |i: u32| if js_sys::Array::is_array(&item.get(1)) { args.get(i) } else { JsValue::UNDEFINED };
        match kind.as_str() {
            "e" => errors::replay_error(&rt, &item.get(1)),
            "r" => errors::replay_rejection(&rt, &item.get(1)),
            "c" => csp::replay(&rt, &item.get(1)),
            "d" => rt.count_dropped(crate::core::batch::reason::SNIPPET, item.get(1).as_f64().unwrap_or(0.0)),
            "pushError" => errors::push_at(&rt, &arg(0), &arg(1), t),
            "pushEvent" => push_event_at(&rt, &arg(0), &arg(1), t),
            "pushMeasurement" => push_measurement_at(&rt, &arg(0), &arg(1), &arg(2), t),
            "setUser" => self.set_user(arg(0)),
            "setView" => self.set_view(arg(0)),
            _ => {}
        }
    }

    /// Sends what is queued now.
    pub fn flush(&self) {
        if let Some(rt) = running() {
            rt.flush(false);
        }
    }

    /// Removes every listener and observer, stops the timers, sends what is
    /// queued. A later `init()` starts a new agent.
    pub fn shutdown(&self) {
        let rt = RUNNING.0.try_borrow_mut().ok().and_then(|mut r| r.take());
        if let Some(rt) = rt {
            rt.shutdown();
        }
    }
}
