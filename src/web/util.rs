//! RAII handles (listeners, observers, timers: dropping one undoes it, as
//! gloo does) and the few browser primitives every source needs.

#[allow(unused_imports)]
use crate::prelude::*;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::EventTarget;

use super::bindings::{Entry, EntryList, Observer};

/// A callback the browser calls many times (a listener, an observer, a
/// timer). Not `dyn FnMut`: a `FnMut` trait object's vtable also carries a
/// `call_once` shim (~120 B of wasm per closure type, never called); this
/// one carries only `run`.
pub trait Callback {
    fn run(&mut self, v: JsValue);
}

impl<F: FnMut(JsValue)> Callback for F {
    fn run(&mut self, v: JsValue) {
        self(v);
    }
}

/// The JS function for a callback. One closure type for the whole agent, so
/// wasm-bindgen's shims for it exist once.
pub fn closure(mut cb: Box<dyn Callback>) -> Closure<dyn FnMut(JsValue)> {
    Closure::new(move |v: JsValue| cb.run(v))
}

/// An event listener, removed on drop.
pub struct Listener {
    target: EventTarget,
    kind: &'static str,
    capture: bool,
    cb: Closure<dyn FnMut(JsValue)>,
}

impl Listener {
    /// `None` when the target refuses the listener (it never throws into the page).
    pub fn new(
        target: &EventTarget,
        kind: &'static str,
        capture: bool,
        f: impl FnMut(JsValue) + 'static,
    ) -> Option<Listener> {
        // Generic only in boxing the closure; the rest is one shared function
        // (each instantiation of a generic body costs wasm bytes).
        Self::boxed(target, kind, capture, closure(Box::new(f)))
    }

    fn boxed(
        target: &EventTarget,
        kind: &'static str,
        capture: bool,
        cb: Closure<dyn FnMut(JsValue)>,
    ) -> Option<Listener> {
        target.add_event_listener_with_callback_and_bool(kind, cb.as_ref().unchecked_ref(), capture).ok()?;
        Some(Listener { target: target.clone(), kind, capture, cb })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback_and_bool(
            self.kind,
            self.cb.as_ref().unchecked_ref(),
            self.capture,
        );
    }
}

/// A PerformanceObserver for one entry type, disconnected on drop.
pub struct PerfObserver {
    obs: Observer,
    _cb: Closure<dyn FnMut(JsValue)>,
}

impl PerfObserver {
    /// Entries queued but not yet delivered (read them before reporting a
    /// final value, as web-vitals does for CLS and INP).
    pub fn take_records(&self) -> Vec<Entry> {
        self.obs.take_records().iter().map(JsCast::unchecked_into).collect()
    }
}

impl PerfObserver {
    /// Observes `kind` with `buffered: true` (so entries from before the agent
    /// loaded are delivered too). `None` when the browser lacks
    /// PerformanceObserver or this entry type: the signal is simply absent.
    /// (The metrics observe through `Runtime::observe`.)
    #[cfg(feature = "actions")]
    pub fn new(kind: &str, extra: &[(&str, f64)], f: impl FnMut(Vec<Entry>) + 'static) -> Option<PerfObserver> {
        Self::many(&[kind], extra, f)
    }

    /// One observer for several entry types (those the browser has; `None`
    /// when it has none): as web-vitals' `observe`, each delivery of more
    /// than one type is sorted by end time (`startTime + duration`), since
    /// entries of different types can arrive out of order.
    pub fn many(
        kinds: &[&str],
        extra: &[(&str, f64)],
        mut f: impl FnMut(Vec<Entry>) + 'static,
    ) -> Option<PerfObserver> {
        // Browsers ignore unknown types with a console warning rather than
        // throwing; check first so we add no console noise.
        let kinds: Vec<&str> = kinds.iter().copied().filter(|k| supports(k)).collect();
        if kinds.is_empty() {
            return None;
        }
        let sort = kinds.len() > 1;
        Self::boxed(&kinds, extra, closure(Box::new(move |list: JsValue| f(entries_of(list, sort)))))
    }

    fn boxed(kinds: &[&str], extra: &[(&str, f64)], cb: Closure<dyn FnMut(JsValue)>) -> Option<PerfObserver> {
        let obs = Observer::new(cb.as_ref().unchecked_ref()).ok()?;
        for kind in kinds {
            let opts = Object::new();
            set(&opts, "type", &JsValue::from_str(kind));
            set(&opts, "buffered", &JsValue::TRUE);
            for (k, v) in extra {
                set(&opts, k, &JsValue::from_f64(*v));
            }
            obs.observe(&opts).ok()?;
        }
        Some(PerfObserver { obs, _cb: cb })
    }
}

fn entries_of(list: JsValue, sort: bool) -> Vec<Entry> {
    let entries: Array = list.unchecked_into::<EntryList>().get_entries();
    let entries: Vec<Entry> = entries.iter().map(JsCast::unchecked_into).collect();
    if !sort {
        return entries;
    }
    let ends: Vec<f64> = entries.iter().map(|e| e.start_time() + e.duration()).collect();
    let mut slots: Vec<Option<Entry>> = entries.into_iter().map(Some).collect();
    crate::core::vitals::order_by_end(&ends)
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

impl Drop for PerfObserver {
    fn drop(&mut self) {
        self.obs.disconnect();
    }
}

/// A one-shot callback: `f` gets the call's first argument; its `Ok` is the
/// call's result and its `Err` is thrown.
pub type Once = Box<dyn FnOnce(JsValue) -> Result<JsValue, JsValue>>;

/// The JS function for a one-shot callback (a promise reaction, an idle or
/// frame callback): it frees itself when called. Every one-shot callback of
/// the agent goes through this one non-generic function, because each
/// closure type handed to `Closure::once_into_js` adds its own ~0.7 KB of
/// wasm-bindgen shims (13 of them cost ~7 KB of raw wasm), all compiled on the
/// page's main thread the first time they run.
pub fn once(f: Once) -> JsValue {
    Closure::once_into_js(move |v: JsValue| f(v))
}

/// `PerformanceObserver.supportedEntryTypes` includes `kind`.
pub fn supports(kind: &str) -> bool {
    let po = get(&global(), "PerformanceObserver");
    let types = get(&po, "supportedEntryTypes");
    Array::is_array(&types) && types.unchecked_into::<Array>().includes(&JsValue::from_str(kind), 0)
}

/// `setInterval` / `setTimeout`, cleared on drop.
pub struct Timer {
    handle: i32,
    repeat: bool,
    _cb: Closure<dyn FnMut(JsValue)>,
}

impl Timer {
    pub fn new(ms: u32, repeat: bool, mut f: impl FnMut() + 'static) -> Option<Timer> {
        Self::boxed(ms, repeat, closure(Box::new(move |_| f())))
    }

    fn boxed(ms: u32, repeat: bool, cb: Closure<dyn FnMut(JsValue)>) -> Option<Timer> {
        let w = window()?;
        let ms = i32::try_from(ms).unwrap_or(i32::MAX);
        let f: &Function = cb.as_ref().unchecked_ref();
        let handle = if repeat {
            w.set_interval_with_callback_and_timeout_and_arguments_0(f, ms)
        } else {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(f, ms)
        }
        .ok()?;
        Some(Timer { handle, repeat, _cb: cb })
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(w) = window() {
            if self.repeat {
                w.clear_interval_with_handle(self.handle);
            } else {
                w.clear_timeout_with_handle(self.handle);
            }
        }
    }
}

pub fn get(target: &JsValue, key: &str) -> JsValue {
    if target.is_object() || target.is_function() {
        Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

pub fn set(target: &Object, key: &str, v: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), v);
}

/// `window`, `document`, `performance`, `performance.timeOrigin` and the
/// navigation entry, looked up once. `web_sys::window()` is an `instanceof
/// Window` call into JS and each getter another crossing that allocates a
/// reference slot; every timestamp, interaction and layout shift asked again
/// (in a 1,000-interaction profile the `instanceof` alone was ~1 ms). All of
/// them are fixed for the life of the page: a bfcache restore or a prerender
/// activation keeps the same window, document, time origin and entry.
pub struct Page {
    window: Option<web_sys::Window>,
    document: Option<web_sys::Document>,
    perf: Option<web_sys::Performance>,
    /// `performance.timeOrigin`, or NaN without `performance`.
    origin: f64,
    /// The navigation entry (`navigation::entry`), once there is one.
    pub nav: core::cell::OnceCell<Entry>,
}

struct PageCell(core::cell::Cell<Option<&'static Page>>);
// SAFETY: wasm32-unknown-unknown (without the atomics feature) runs on one
// thread; nothing here is ever shared across threads (as `RUNNING`).
unsafe impl Sync for PageCell {}
static PAGE: PageCell = PageCell(core::cell::Cell::new(None));

pub fn page() -> &'static Page {
    if let Some(p) = PAGE.0.get() {
        return p;
    }
    let window = global().dyn_into::<web_sys::Window>().ok();
    let document = window.as_ref().and_then(web_sys::Window::document);
    let perf = window.as_ref().and_then(web_sys::Window::performance);
    let origin = perf.as_ref().map_or(f64::NAN, web_sys::Performance::time_origin);
    // Leaked on purpose, once per page: four handles that live as long as
    // the page does, shared by every agent it starts.
    let p: &'static Page =
        Box::leak(Box::new(Page { window, document, perf, origin, nav: core::cell::OnceCell::new() }));
    PAGE.0.set(Some(p));
    p
}

/// The page's global object (`globalThis`): one import, where js-sys's
/// `global()` probes four.
pub fn global() -> JsValue {
    super::bindings::Scope::scope()
}

pub fn window() -> Option<&'static web_sys::Window> {
    page().window.as_ref()
}

pub fn document() -> Option<&'static web_sys::Document> {
    page().document.as_ref()
}

pub fn performance() -> Option<&'static web_sys::Performance> {
    page().perf.as_ref()
}

/// `location`, read structurally (see bindings: string properties).
pub fn location() -> Option<super::bindings::Loose> {
    Some(window()?.location().unchecked_into())
}

/// `location.href`.
pub fn href() -> String {
    use super::bindings::Str;
    location().and_then(|l| l.href().str()).unwrap_or_default()
}

/// `document.readyState`.
pub fn ready_state() -> String {
    use super::bindings::Str;
    document().and_then(|d| d.unchecked_ref::<super::bindings::Loose>().ready_state().str()).unwrap_or_default()
}

/// Epoch milliseconds of a performance timestamp. `timeOrigin + now()` is
/// monotonic within the page: a laptop that sleeps, or a clock that is
/// corrected mid-session, does not make events travel in time.
pub fn epoch(perf_time: f64) -> f64 {
    let origin = page().origin;
    if origin.is_nan() {
        js_sys::Date::now()
    } else {
        origin + perf_time
    }
}

pub fn now() -> f64 {
    let p = page();
    match &p.perf {
        Some(perf) if !p.origin.is_nan() => p.origin + perf.now(),
        _ => js_sys::Date::now(),
    }
}

/// `n` random bytes from `crypto.getRandomValues`, else `Math.random`.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    let ok =
        window().and_then(|w| w.crypto().ok()).is_some_and(|c| c.get_random_values_with_u8_array(&mut buf).is_ok());
    if !ok {
        for b in &mut buf {
            *b = u8::try_from(crate::core::json::f64_to_u64(js_sys::Math::random() * 256.0) & 0xff).unwrap_or(0);
        }
    }
    buf
}

pub fn random_id(bytes: usize) -> String {
    crate::core::ids::hex(&random_bytes(bytes))
}

/// A string from any JS value, without throwing (`String(v)` may throw for
/// objects with hostile `toString`, and symbols).
pub fn to_string(v: &JsValue) -> String {
    if let Some(s) = v.as_string() {
        return s;
    }
    if v.is_undefined() || v.is_null() || v.is_symbol() {
        return String::new();
    }
    if let Some(n) = v.as_f64() {
        let mut s = String::new();
        crate::core::json::write_f64(&mut s, n, 6);
        return s;
    }
    if let Some(b) = v.as_bool() {
        return if b { "true" } else { "false" }.into();
    }
    js_sys::JSON::stringify(v).ok().and_then(|s| s.as_string()).unwrap_or_else(|| "[object]".into())
}

/// A string or a number from a JS value, for attribute maps.
pub fn to_val(v: &JsValue) -> Option<crate::core::attrs::Val> {
    use crate::core::attrs::Val;
    if let Some(n) = v.as_f64() {
        return Some(Val::N(n));
    }
    if v.is_undefined() || v.is_null() || v.is_function() {
        return None;
    }
    Some(Val::S(to_string(v)))
}

/// Reads a plain object's own enumerable string/number properties.
pub fn read_attrs(v: &JsValue, into: &mut crate::core::attrs::Attrs) {
    if !v.is_object() {
        return;
    }
    let keys = Object::keys(v.unchecked_ref::<Object>());
    for k in keys.iter().take(crate::core::attrs::MAX_ATTRS) {
        if let Some(key) = k.as_string() {
            if let Some(val) = to_val(&get(v, &key)) {
                into.set(&key, val);
            }
        }
    }
}
