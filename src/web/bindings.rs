//! Bindings web-sys does not have (or has in a shape we cannot use): the
//! entry types of LCP, layout shifts, event timing and long animation frames,
//! `PerformanceObserver.observe({type, buffered})`, and a few properties read
//! structurally. Getters on a property the browser lacks read `undefined`,
//! which arrives as NaN (numbers) or None (strings): callers treat both as
//! "not measured", never as an error.
//!
//! String properties are typed `JsValue` and read with `.str()`: a
//! getter typed `Option<String>` makes wasm-bindgen emit, per property, a
//! glue function that copies the string into wasm memory (~125 B of JS) and
//! a wasm shim around it; `.str()` is that code once.
//!
//! Plain properties are not wasm-bindgen getters (one import, one glue
//! function and one wasm shim each, ninety of them) but methods over one
//! import, `prop(o, i)` (`js/props.js`), that reads the property numbered
//! `i` in `core::props::NAMES` (the number is found at compile time).

#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::props::idx;

#[wasm_bindgen]
extern "C" {
    /// Any PerformanceEntry (navigation, resource, paint, LCP, layout-shift,
    /// event, first-input, longtask, long-animation-frame), read structurally.
    #[wasm_bindgen(extends = js_sys::Object)]
    pub type Entry;

    // PerformanceResourceTiming / PerformanceNavigationTiming

    // LargestContentfulPaint

    // PerformanceSoftNavigation / InteractionContentfulPaint
    #[wasm_bindgen(method, catch, js_name = getLargestInteractionContentfulPaint)]
    pub fn largest_icp(this: &Entry) -> Result<JsValue, JsValue>;

    // LayoutShift

    // PerformanceEventTiming

    // PerformanceLongAnimationFrameTiming / PerformanceScriptTiming

    /// `PerformanceObserver`, with `observe()` taking the `{type, buffered}`
    /// dictionary that web-sys's `PerformanceObserverInit` cannot express.
    #[wasm_bindgen(js_name = PerformanceObserver)]
    pub type Observer;
    #[wasm_bindgen(constructor, js_class = PerformanceObserver, catch)]
    pub fn new(callback: &js_sys::Function) -> Result<Observer, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn observe(this: &Observer, options: &js_sys::Object) -> Result<(), JsValue>;
    #[wasm_bindgen(method)]
    pub fn disconnect(this: &Observer);
    #[wasm_bindgen(method, js_name = takeRecords)]
    pub fn take_records(this: &Observer) -> js_sys::Array;

    /// PerformanceObserverEntryList
    pub type EntryList;
    #[wasm_bindgen(method, js_name = getEntries)]
    pub fn get_entries(this: &EntryList) -> js_sys::Array;

    /// `ErrorEvent` / `PromiseRejectionEvent` / `Error`, read structurally:
    /// pages and other libraries throw anything, and web-sys's typed getters
    /// would assume shapes that user values need not have.
    #[wasm_bindgen(extends = js_sys::Object)]
    pub type Loose;

    /// `requestIdleCallback(f, opts)`, called as a global; throws (caught:
    /// `Err`) where the browser has none. Bound directly rather than looked
    /// up by name: it runs for every interaction, and a lookup by name
    /// sends the name across the JS boundary each time.
    #[wasm_bindgen(catch, js_name = requestIdleCallback)]
    pub fn request_idle_callback(f: &JsValue, opts: &JsValue) -> Result<JsValue, JsValue>;

    /// `Number(v)`: strict numeric conversion ("12px" is NaN, unlike parseFloat).
    #[wasm_bindgen(js_name = Number)]
    pub fn to_number(v: &JsValue) -> f64;

    /// `promise.then(f, f)` with plain functions (js-sys wants `Closure`s).
    pub type Thenable;
    #[wasm_bindgen(method, js_name = then)]
    pub fn then_both(this: &Thenable, ok: &js_sys::Function, err: &js_sys::Function) -> JsValue;

    /// Throws when `headers` is not a `Headers` (a mock or wrapped fetch).
    #[wasm_bindgen(method, catch, js_name = get)]
    pub fn header(this: &Loose, name: &str) -> Result<Option<String>, JsValue>;

    /// `globalThis` (read as `globalThis.globalThis`: a static getter is
    /// the one binding form that reads a global value without a
    /// thread-local). js-sys's `global()` probes `globalThis`, `self`,
    /// `window` and `global` through four imports and caches the answer in
    /// a thread-local (~0.5 KB); the agent runs where `globalThis` exists.
    /// Not in `js/props.js`: a second export there makes the bundle build
    /// that module's namespace with a `for…in` at load, which a page's
    /// enumerable `Object.prototype` property breaks.
    #[wasm_bindgen(js_name = globalThis)]
    pub type Scope;
    #[wasm_bindgen(static_method_of = Scope, js_class = globalThis, getter = globalThis)]
    pub fn scope() -> JsValue;

    /// `navigator.sendBeacon(url, data)` for a string (sent as text/plain)
    /// or an ArrayBuffer alike: one import, where web-sys has one per type.
    #[wasm_bindgen(method, catch, js_name = sendBeacon)]
    pub fn send_beacon(this: &Loose, url: &str, data: &JsValue) -> Result<bool, JsValue>;
}

#[wasm_bindgen(module = "/js/props.js")]
extern "C" {
    /// `o[NAMES[i]]`: any value.
    fn prop(o: &JsValue, i: u32) -> JsValue;
    /// The same read, as a number (JS `ToNumber`: undefined → NaN).
    #[wasm_bindgen(js_name = prop)]
    fn prop_f64(o: &JsValue, i: u32) -> f64;
}

/// An object property as `T`, or None (absent, null, not an object).
fn object<T: JsCast>(v: JsValue) -> Option<T> {
    v.is_object().then(|| v.unchecked_into())
}

impl Entry {
    pub fn name(&self) -> JsValue {
        prop(self, const { idx("name") })
    }
    pub fn start_time(&self) -> f64 {
        prop_f64(self, const { idx("startTime") })
    }
    pub fn duration(&self) -> f64 {
        prop_f64(self, const { idx("duration") })
    }
    pub fn initiator_type(&self) -> JsValue {
        prop(self, const { idx("initiatorType") })
    }
    pub fn next_hop_protocol(&self) -> JsValue {
        prop(self, const { idx("nextHopProtocol") })
    }
    pub fn render_blocking_status(&self) -> JsValue {
        prop(self, const { idx("renderBlockingStatus") })
    }
    pub fn response_status(&self) -> f64 {
        prop_f64(self, const { idx("responseStatus") })
    }
    pub fn redirect_start(&self) -> f64 {
        prop_f64(self, const { idx("redirectStart") })
    }
    pub fn redirect_end(&self) -> f64 {
        prop_f64(self, const { idx("redirectEnd") })
    }
    pub fn worker_start(&self) -> f64 {
        prop_f64(self, const { idx("workerStart") })
    }
    pub fn fetch_start(&self) -> f64 {
        prop_f64(self, const { idx("fetchStart") })
    }
    pub fn domain_lookup_start(&self) -> f64 {
        prop_f64(self, const { idx("domainLookupStart") })
    }
    pub fn domain_lookup_end(&self) -> f64 {
        prop_f64(self, const { idx("domainLookupEnd") })
    }
    pub fn connect_start(&self) -> f64 {
        prop_f64(self, const { idx("connectStart") })
    }
    pub fn secure_connection_start(&self) -> f64 {
        prop_f64(self, const { idx("secureConnectionStart") })
    }
    pub fn connect_end(&self) -> f64 {
        prop_f64(self, const { idx("connectEnd") })
    }
    pub fn request_start(&self) -> f64 {
        prop_f64(self, const { idx("requestStart") })
    }
    pub fn response_start(&self) -> f64 {
        prop_f64(self, const { idx("responseStart") })
    }
    pub fn response_end(&self) -> f64 {
        prop_f64(self, const { idx("responseEnd") })
    }
    pub fn transfer_size(&self) -> f64 {
        prop_f64(self, const { idx("transferSize") })
    }
    pub fn encoded_body_size(&self) -> f64 {
        prop_f64(self, const { idx("encodedBodySize") })
    }
    pub fn decoded_body_size(&self) -> f64 {
        prop_f64(self, const { idx("decodedBodySize") })
    }
    pub fn server_timing(&self) -> Option<js_sys::Array> {
        object(prop(self, const { idx("serverTiming") }))
    }
    pub fn nav_type(&self) -> JsValue {
        prop(self, const { idx("type") })
    }
    pub fn redirect_count(&self) -> f64 {
        prop_f64(self, const { idx("redirectCount") })
    }
    pub fn dom_interactive(&self) -> f64 {
        prop_f64(self, const { idx("domInteractive") })
    }
    pub fn dom_content_loaded_event_start(&self) -> f64 {
        prop_f64(self, const { idx("domContentLoadedEventStart") })
    }
    pub fn dom_content_loaded_event_end(&self) -> f64 {
        prop_f64(self, const { idx("domContentLoadedEventEnd") })
    }
    pub fn dom_complete(&self) -> f64 {
        prop_f64(self, const { idx("domComplete") })
    }
    pub fn load_event_start(&self) -> f64 {
        prop_f64(self, const { idx("loadEventStart") })
    }
    pub fn load_event_end(&self) -> f64 {
        prop_f64(self, const { idx("loadEventEnd") })
    }
    pub fn activation_start(&self) -> f64 {
        prop_f64(self, const { idx("activationStart") })
    }
    pub fn element(&self) -> JsValue {
        prop(self, const { idx("element") })
    }
    pub fn url(&self) -> JsValue {
        prop(self, const { idx("url") })
    }
    pub fn id(&self) -> JsValue {
        prop(self, const { idx("id") })
    }
    pub fn entry_type(&self) -> JsValue {
        prop(self, const { idx("entryType") })
    }
    pub fn navigation_id(&self) -> f64 {
        prop_f64(self, const { idx("navigationId") })
    }
    pub fn presentation_time(&self) -> f64 {
        prop_f64(self, const { idx("presentationTime") })
    }
    pub fn paint_time(&self) -> f64 {
        prop_f64(self, const { idx("paintTime") })
    }
    pub fn render_time(&self) -> f64 {
        prop_f64(self, const { idx("renderTime") })
    }
    pub fn largest_contentful_paint(&self) -> JsValue {
        prop(self, const { idx("largestContentfulPaint") })
    }
    pub fn value(&self) -> f64 {
        prop_f64(self, const { idx("value") })
    }
    pub fn had_recent_input(&self) -> bool {
        prop(self, const { idx("hadRecentInput") }).as_bool() == Some(true)
    }
    pub fn sources(&self) -> Option<js_sys::Array> {
        object(prop(self, const { idx("sources") }))
    }
    pub fn node(&self) -> JsValue {
        prop(self, const { idx("node") })
    }
    pub fn interaction_id(&self) -> f64 {
        prop_f64(self, const { idx("interactionId") })
    }
    pub fn processing_start(&self) -> f64 {
        prop_f64(self, const { idx("processingStart") })
    }
    pub fn processing_end(&self) -> f64 {
        prop_f64(self, const { idx("processingEnd") })
    }
    pub fn event_target(&self) -> JsValue {
        prop(self, const { idx("target") })
    }
    pub fn target_selector(&self) -> JsValue {
        prop(self, const { idx("targetSelector") })
    }
    pub fn scripts(&self) -> Option<js_sys::Array> {
        object(prop(self, const { idx("scripts") }))
    }
    pub fn source_url(&self) -> JsValue {
        prop(self, const { idx("sourceURL") })
    }
    pub fn source_function_name(&self) -> JsValue {
        prop(self, const { idx("sourceFunctionName") })
    }
    pub fn invoker(&self) -> JsValue {
        prop(self, const { idx("invoker") })
    }
    /// PerformanceServerTiming
    pub fn description(&self) -> JsValue {
        prop(self, const { idx("description") })
    }
}

impl Loose {
    pub fn message(&self) -> JsValue {
        prop(self, const { idx("message") })
    }
    pub fn filename(&self) -> JsValue {
        prop(self, const { idx("filename") })
    }
    pub fn lineno(&self) -> f64 {
        prop_f64(self, const { idx("lineno") })
    }
    pub fn colno(&self) -> f64 {
        prop_f64(self, const { idx("colno") })
    }
    pub fn error(&self) -> JsValue {
        prop(self, const { idx("error") })
    }
    pub fn reason(&self) -> JsValue {
        prop(self, const { idx("reason") })
    }
    pub fn stack(&self) -> JsValue {
        prop(self, const { idx("stack") })
    }
    pub fn loose_name(&self) -> JsValue {
        prop(self, const { idx("name") })
    }
    pub fn time_stamp(&self) -> f64 {
        prop_f64(self, const { idx("timeStamp") })
    }
    pub fn target(&self) -> JsValue {
        prop(self, const { idx("target") })
    }
    pub fn local_name(&self) -> JsValue {
        prop(self, const { idx("localName") })
    }
    pub fn current_src(&self) -> JsValue {
        prop(self, const { idx("currentSrc") })
    }
    pub fn src(&self) -> JsValue {
        prop(self, const { idx("src") })
    }
    pub fn href(&self) -> JsValue {
        prop(self, const { idx("href") })
    }
    pub fn origin(&self) -> JsValue {
        prop(self, const { idx("origin") })
    }
    pub fn referrer(&self) -> JsValue {
        prop(self, const { idx("referrer") })
    }
    pub fn ready_state(&self) -> JsValue {
        prop(self, const { idx("readyState") })
    }
    pub fn user_agent(&self) -> JsValue {
        prop(self, const { idx("userAgent") })
    }
    pub fn language(&self) -> JsValue {
        prop(self, const { idx("language") })
    }
    /// `performance.interactionCount` (Chromium 145+; undefined elsewhere).
    pub fn interaction_count(&self) -> JsValue {
        prop(self, const { idx("interactionCount") })
    }
    pub fn persisted(&self) -> bool {
        prop(self, const { idx("persisted") }).as_bool() == Some(true)
    }
    pub fn is_trusted(&self) -> bool {
        prop(self, const { idx("isTrusted") }).as_bool() == Some(true)
    }
    /// DOM nodes, for selectors.
    pub fn node_type(&self) -> f64 {
        prop_f64(self, const { idx("nodeType") })
    }
    pub fn node_name(&self) -> JsValue {
        prop(self, const { idx("nodeName") })
    }
    pub fn node_id(&self) -> JsValue {
        prop(self, const { idx("id") })
    }
    pub fn class_list(&self) -> JsValue {
        prop(self, const { idx("classList") })
    }
    pub fn parent_node(&self) -> JsValue {
        prop(self, const { idx("parentNode") })
    }
    /// `navigator.connection` (Chromium only).
    pub fn effective_type(&self) -> JsValue {
        prop(self, const { idx("effectiveType") })
    }
    pub fn conn_type(&self) -> JsValue {
        prop(self, const { idx("type") })
    }
    pub fn rtt(&self) -> f64 {
        prop_f64(self, const { idx("rtt") })
    }
    pub fn downlink(&self) -> f64 {
        prop_f64(self, const { idx("downlink") })
    }
    pub fn save_data(&self) -> bool {
        prop(self, const { idx("saveData") }).as_bool() == Some(true)
    }
    /// `navigator.userAgentData` (UA Client Hints, low entropy).
    pub fn brands(&self) -> Option<js_sys::Array> {
        object(prop(self, const { idx("brands") }))
    }
    pub fn brand(&self) -> JsValue {
        prop(self, const { idx("brand") })
    }
    pub fn version(&self) -> JsValue {
        prop(self, const { idx("version") })
    }
    pub fn mobile(&self) -> bool {
        prop(self, const { idx("mobile") }).as_bool() == Some(true)
    }
    pub fn platform(&self) -> JsValue {
        prop(self, const { idx("platform") })
    }
    /// Response headers (`Retry-After`) without the web-sys `Headers` type.
    pub fn status(&self) -> f64 {
        prop_f64(self, const { idx("status") })
    }
    pub fn headers(&self) -> Option<Loose> {
        object(prop(self, const { idx("headers") }))
    }
}

/// `.str()`: a string property as `Option<String>` (see the module's doc).
pub trait Str {
    fn str(self) -> Option<String>;
}

impl Str for JsValue {
    // One copy, not one per property read.
    #[inline(never)]
    fn str(self) -> Option<String> {
        self.as_string()
    }
}

/// A browser number that may be NaN (missing property) or negative: 0 instead.
pub fn nz(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v
    } else {
        0.0
    }
}
