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

#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Any PerformanceEntry (navigation, resource, paint, LCP, layout-shift,
    /// event, first-input, longtask, long-animation-frame), read structurally.
    #[wasm_bindgen(extends = js_sys::Object)]
    pub type Entry;

    #[wasm_bindgen(method, getter)]
    pub fn name(this: &Entry) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = startTime)]
    pub fn start_time(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter)]
    pub fn duration(this: &Entry) -> f64;

    // PerformanceResourceTiming / PerformanceNavigationTiming
    #[wasm_bindgen(method, getter, js_name = initiatorType)]
    pub fn initiator_type(this: &Entry) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = nextHopProtocol)]
    pub fn next_hop_protocol(this: &Entry) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = renderBlockingStatus)]
    pub fn render_blocking_status(this: &Entry) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = responseStatus)]
    pub fn response_status(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = redirectStart)]
    pub fn redirect_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = redirectEnd)]
    pub fn redirect_end(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = workerStart)]
    pub fn worker_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = fetchStart)]
    pub fn fetch_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = domainLookupStart)]
    pub fn domain_lookup_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = domainLookupEnd)]
    pub fn domain_lookup_end(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = connectStart)]
    pub fn connect_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = secureConnectionStart)]
    pub fn secure_connection_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = connectEnd)]
    pub fn connect_end(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = requestStart)]
    pub fn request_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = responseStart)]
    pub fn response_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = responseEnd)]
    pub fn response_end(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = transferSize)]
    pub fn transfer_size(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = encodedBodySize)]
    pub fn encoded_body_size(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = decodedBodySize)]
    pub fn decoded_body_size(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = serverTiming)]
    pub fn server_timing(this: &Entry) -> Option<js_sys::Array>;

    #[wasm_bindgen(method, getter, js_name = type)]
    pub fn nav_type(this: &Entry) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = redirectCount)]
    pub fn redirect_count(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = domInteractive)]
    pub fn dom_interactive(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = domContentLoadedEventStart)]
    pub fn dom_content_loaded_event_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = domContentLoadedEventEnd)]
    pub fn dom_content_loaded_event_end(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = domComplete)]
    pub fn dom_complete(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = loadEventStart)]
    pub fn load_event_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = loadEventEnd)]
    pub fn load_event_end(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = activationStart)]
    pub fn activation_start(this: &Entry) -> f64;

    // LargestContentfulPaint
    #[wasm_bindgen(method, getter)]
    pub fn element(this: &Entry) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn url(this: &Entry) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn id(this: &Entry) -> JsValue;

    // PerformanceSoftNavigation / InteractionContentfulPaint
    #[wasm_bindgen(method, getter, js_name = entryType)]
    pub fn entry_type(this: &Entry) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = navigationId)]
    pub fn navigation_id(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = presentationTime)]
    pub fn presentation_time(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = paintTime)]
    pub fn paint_time(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = renderTime)]
    pub fn render_time(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = largestContentfulPaint)]
    pub fn largest_contentful_paint(this: &Entry) -> JsValue;
    #[wasm_bindgen(method, catch, js_name = getLargestInteractionContentfulPaint)]
    pub fn largest_icp(this: &Entry) -> Result<JsValue, JsValue>;

    // LayoutShift
    #[wasm_bindgen(method, getter)]
    pub fn value(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = hadRecentInput)]
    pub fn had_recent_input(this: &Entry) -> bool;
    #[wasm_bindgen(method, getter)]
    pub fn sources(this: &Entry) -> Option<js_sys::Array>;
    #[wasm_bindgen(method, getter)]
    pub fn node(this: &Entry) -> JsValue;

    // PerformanceEventTiming
    #[wasm_bindgen(method, getter, js_name = interactionId)]
    pub fn interaction_id(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = processingStart)]
    pub fn processing_start(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = processingEnd)]
    pub fn processing_end(this: &Entry) -> f64;
    #[wasm_bindgen(method, getter, js_name = target)]
    pub fn event_target(this: &Entry) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = targetSelector)]
    pub fn target_selector(this: &Entry) -> JsValue;

    // PerformanceLongAnimationFrameTiming / PerformanceScriptTiming
    #[wasm_bindgen(method, getter)]
    pub fn scripts(this: &Entry) -> Option<js_sys::Array>;
    #[wasm_bindgen(method, getter, js_name = sourceURL)]
    pub fn source_url(this: &Entry) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = sourceFunctionName)]
    pub fn source_function_name(this: &Entry) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn invoker(this: &Entry) -> JsValue;

    /// PerformanceServerTiming
    #[wasm_bindgen(method, getter)]
    pub fn description(this: &Entry) -> JsValue;

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
    #[wasm_bindgen(method, getter)]
    pub fn message(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn filename(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn lineno(this: &Loose) -> f64;
    #[wasm_bindgen(method, getter)]
    pub fn colno(this: &Loose) -> f64;
    #[wasm_bindgen(method, getter)]
    pub fn error(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn reason(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn stack(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = name)]
    pub fn loose_name(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = timeStamp)]
    pub fn time_stamp(this: &Loose) -> f64;
    #[wasm_bindgen(method, getter)]
    pub fn target(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = localName)]
    pub fn local_name(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = currentSrc)]
    pub fn current_src(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn src(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn href(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn origin(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn referrer(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = readyState)]
    pub fn ready_state(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = userAgent)]
    pub fn user_agent(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn language(this: &Loose) -> JsValue;
    /// `performance.interactionCount` (Chromium 145+; undefined elsewhere).
    #[wasm_bindgen(method, getter, js_name = interactionCount)]
    pub fn interaction_count(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn persisted(this: &Loose) -> bool;
    #[wasm_bindgen(method, getter, js_name = isTrusted)]
    pub fn is_trusted(this: &Loose) -> bool;

    /// DOM nodes, for selectors.
    #[wasm_bindgen(method, getter, js_name = nodeType)]
    pub fn node_type(this: &Loose) -> f64;
    #[wasm_bindgen(method, getter, js_name = nodeName)]
    pub fn node_name(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = id)]
    pub fn node_id(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = classList)]
    pub fn class_list(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = parentNode)]
    pub fn parent_node(this: &Loose) -> JsValue;

    /// `navigator.connection` (Chromium only).
    #[wasm_bindgen(method, getter, js_name = effectiveType)]
    pub fn effective_type(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = type)]
    pub fn conn_type(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn rtt(this: &Loose) -> f64;
    #[wasm_bindgen(method, getter)]
    pub fn downlink(this: &Loose) -> f64;
    #[wasm_bindgen(method, getter, js_name = saveData)]
    pub fn save_data(this: &Loose) -> bool;

    /// `navigator.userAgentData` (UA Client Hints, low entropy).
    #[wasm_bindgen(method, getter)]
    pub fn brands(this: &Loose) -> Option<js_sys::Array>;
    #[wasm_bindgen(method, getter)]
    pub fn brand(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn version(this: &Loose) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn mobile(this: &Loose) -> bool;
    #[wasm_bindgen(method, getter)]
    pub fn platform(this: &Loose) -> JsValue;

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

    /// Response headers (`Retry-After`) without the web-sys `Headers` type.
    #[wasm_bindgen(method, getter)]
    pub fn status(this: &Loose) -> f64;
    #[wasm_bindgen(method, getter)]
    pub fn headers(this: &Loose) -> Option<Loose>;
    /// Throws when `headers` is not a `Headers` (a mock or wrapped fetch).
    #[wasm_bindgen(method, catch, js_name = get)]
    pub fn header(this: &Loose, name: &str) -> Result<Option<String>, JsValue>;
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
