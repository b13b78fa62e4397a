//! HTTP calls: `fetch` and `XMLHttpRequest`, instrumented so the page cannot
//! tell. The wrappers call the originals with the same `this` and
//! arguments, return what they return (fetch: a promise that settles with the
//! same Response or the same rejection), never read or tee a body, skip our
//! own requests and `ignoreUrls`, and add a W3C `traceparent` only to URLs
//! the config allows (same origin by default: a new header on a cross-origin
//! request triggers a CORS preflight, which breaks sites).
//!
//! The wrappers are made by the shim's `wrap(original, hook)` (one line of
//! JS): a Rust closure cannot see `this`, and XHR methods need it.
//! `shutdown()` puts the originals back only where nobody wrapped them after
//! us; otherwise our wrapper stays, as a pass-through.

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::Str as _;

use alloc::rc::{Rc, Weak};
use core::cell::RefCell;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::event::HttpCall;
use crate::core::ids::{hex, valid_trace_bytes};
use crate::core::json::f64_to_u64;

use super::bindings::{nz, Entry, Loose};
use super::config::matches;
use super::runtime::Runtime;
use super::util::{closure, epoch, get, once, performance, random_bytes, set, to_string};

type Hook = Closure<dyn FnMut(JsValue, JsValue, Array) -> Result<JsValue, JsValue>>;

/// One replaced function: where it lives, the original, our wrapper.
struct Patch {
    target: JsValue,
    name: &'static str,
    original: JsValue,
    wrapper: JsValue,
    hook: Option<Hook>,
}

impl Drop for Patch {
    fn drop(&mut self) {
        let current = get(&self.target, self.name);
        if current == self.wrapper {
            let _ = Reflect::set(&self.target, &JsValue::from_str(self.name), &self.original);
        } else if let Some(hook) = self.hook.take() {
            // Someone wrapped it after us and calls our wrapper, so it must
            // keep working (as a pass-through: the agent is gone,
            // `Weak::upgrade` fails, the original is called).
            // Closure::forget on purpose: the page still holds our wrapper.
            hook.forget();
        }
    }
}

struct State {
    patches: Vec<Patch>,
    /// XHR → (method, url, start) between open() and send().
    xhr_info: js_sys::WeakMap,
}

fn now_perf() -> f64 {
    performance().map_or(0.0, |p| p.now())
}

fn apply(f: &JsValue, this: &JsValue, args: &Array) -> Result<JsValue, JsValue> {
    Reflect::apply(f.unchecked_ref::<Function>(), this, args)
}

/// Absolute URL of whatever fetch/open was given (string, URL, Request).
fn absolute(input: &JsValue) -> String {
    let raw = if input.is_object() && get(input, "url").is_string() {
        to_string(&get(input, "url"))
    } else {
        to_string(input)
    };
    web_sys::Url::new_with_base(&raw, &super::util::href())
        .ok()
        .and_then(|u| u.unchecked_into::<super::bindings::Loose>().href().str())
        .unwrap_or(raw)
}

fn same_origin(url: &str) -> bool {
    let origin = super::util::location().and_then(|l| l.origin().str()).unwrap_or_default();
    !origin.is_empty()
        && url.starts_with(&origin)
        && url.get(origin.len()..origin.len() + 1).is_none_or(|c| c == "/" || c == "?" || c == "#")
}

/// A traceparent for `url` if the config allows propagation to it.
fn traceparent(rt: &Runtime, url: &str) -> Option<(String, String, String)> {
    // The `traceparent` build (`full`); `tracePropagationTargets` elsewhere
    // rejects `init()` naming it (core::config).
    if !cfg!(feature = "traceparent") {
        return None;
    }
    let allowed = if rt.cfg.trace_origins.is_empty() {
        same_origin(url)
    } else {
        matches(&rt.cfg.trace_origins, &rt.hooks.regexps, url)
    };
    if !allowed {
        return None;
    }
    let (trace, span) = (random_bytes(16), random_bytes(8));
    if !valid_trace_bytes(&trace) || !valid_trace_bytes(&span) {
        return None;
    }
    let (trace, span) = (hex(&trace), hex(&span));
    Some((["00-", &trace, "-", &span, "-01"].concat(), trace, span))
}

fn body_size(body: &JsValue) -> f64 {
    if let Some(s) = body.as_string() {
        return crate::core::json::f64_from_u64(u64::try_from(s.len()).unwrap_or(0));
    }
    if body.is_object() {
        for k in ["size", "byteLength"] {
            if let Some(n) = get(body, k).as_f64() {
                return nz(n);
            }
        }
    }
    0.0
}

fn record(rt: &Runtime, mut call: HttpCall, start: f64, url: String, act: Option<u32>) {
    call.dur = (now_perf() - start).max(0.0);
    if call.fail.is_empty() && call.status >= rt.cfg.http_error_status {
        // Counted as an HTTP error (5xx by default, 4xx too with httpErrorStatus: 400).
        call.fail = "http".into();
    }
    // The user action it belongs to (if any) learns it ended.
    super::actions::http_end(act, !call.fail.is_empty());
    rt.http(call, start, url);
}

fn base_call(rt: &Runtime, api: &str, method: &str, url: &str, start: f64) -> HttpCall {
    HttpCall {
        t: epoch(start),
        api: api.into(),
        method: method.to_ascii_uppercase(),
        url: rt.scrub(url),
        ..Default::default()
    }
}

// ------------------------------------------------------------------ fetch

fn fetch_hook(rt: &Runtime, this: &JsValue, orig: &JsValue, args: &Array) -> Result<JsValue, JsValue> {
    let input = args.get(0);
    let init = args.get(1);
    let url = absolute(&input);
    if rt.ignored_url(&url) {
        return apply(orig, this, args);
    }
    let method = [get(&init, "method"), get(&input, "method")]
        .iter()
        .find_map(|m| m.as_string())
        .unwrap_or_else(|| "GET".into());
    let start = now_perf();
    let act = super::actions::http_start(start);
    let mut call = base_call(rt, "fetch", &method, &url, start);
    call.req_size = body_size(&get(&init, "body"));
    let mut call_args = args.clone();
    if let Some((tp, trace, span)) = traceparent(rt, &url) {
        // A new init with the page's headers plus ours: the page's objects
        // are not touched.
        let headers_src = if init.is_object() && !get(&init, "headers").is_undefined() {
            get(&init, "headers")
        } else if input.is_object() {
            get(&input, "headers")
        } else {
            JsValue::UNDEFINED
        };
        if let Some(headers) = copy_headers(&headers_src) {
            if headers.set("traceparent", &tp).is_ok() {
                let page_init: Object = if init.is_object() { init.clone().unchecked_into() } else { Object::new() };
                let new_init = Object::assign(&Object::new(), &page_init);
                set(&new_init, "headers", &headers);
                call_args = Array::of2(&input, &new_init);
                call.trace_id = trace;
                call.span_id = span;
            }
        }
    }
    // A synchronous throw (bad URL, bad init) is the page's own: rethrown as is.
    let promise = match apply(orig, this, &call_args) {
        Ok(p) => p,
        Err(e) => {
            call.fail = "network".into();
            record(rt, call, start, url, act);
            return Err(e);
        }
    };
    let Some(thenable) = promise.dyn_ref::<js_sys::Promise>() else { return Ok(promise) };
    let me = rt.me.clone();
    // One reaction for both outcomes, registered before the page gets the
    // promise (so it runs before the page's own): exactly one of the two
    // runs, and `once` frees it when it does. Two one-shot closures (one for
    // each outcome) leaked the one never called, on every fetch.
    let seen = once(Box::new(move |v: JsValue| {
        if let Some(rt) = me.upgrade() {
            settled(&rt, call, start, url, act, &v);
        }
        Ok(JsValue::UNDEFINED)
    }));
    let f: &Function = seen.unchecked_ref();
    // Our reaction's own promise always fulfils (it returns undefined), so it
    // never adds an unhandled rejection; the page gets the original promise
    // itself, which settles exactly as it would without us.
    let _ = thenable.unchecked_ref::<super::bindings::Thenable>().then_both(f, f);
    Ok(promise)
}

/// A fetch settled with `v`: a Response, or the reason it was rejected.
fn settled(rt: &Runtime, mut call: HttpCall, start: f64, url: String, act: Option<u32>, v: &JsValue) {
    if v.is_instance_of::<web_sys::Response>()
        || (v.is_object() && !get(v, "status").is_undefined() && !v.is_instance_of::<js_sys::Error>())
    {
        let r: &Loose = v.unchecked_ref();
        call.status = u32::try_from(f64_to_u64(nz(r.status()))).unwrap_or(0);
        if get(v, "type").as_string().as_deref() == Some("opaque") {
            call.fail = "opaque".into();
        }
        call.res_size = r
            .headers()
            .and_then(|h| h.header("content-length").ok().flatten())
            .and_then(|s| crate::core::json::parse_u64(&s))
            .map_or(0.0, crate::core::json::f64_from_u64);
    } else {
        let name = get(v, "name").as_string().unwrap_or_default();
        call.fail = match name.as_str() {
            "AbortError" => "abort",
            "TimeoutError" => "timeout",
            // A CORS refusal and a network failure look the same to a page.
            _ => "network",
        }
        .into();
    }
    record(rt, call, start, url, act);
}

/// `new Headers(src)` for whatever the page gave (Headers, object, pairs).
fn copy_headers(src: &JsValue) -> Option<web_sys::Headers> {
    if src.is_undefined() || src.is_null() {
        return web_sys::Headers::new().ok();
    }
    let ctor = get(&super::util::global(), "Headers");
    let ctor: &Function = ctor.dyn_ref()?;
    Reflect::construct(ctor, &Array::of1(src)).ok()?.dyn_into().ok()
}

// ------------------------------------------------------------------ XHR

fn open_hook(rt: &Runtime, st: &State, this: &JsValue, orig: &JsValue, args: &Array) -> Result<JsValue, JsValue> {
    let info = Object::new();
    set(&info, "m", &args.get(0));
    set(&info, "u", &JsValue::from_str(&absolute(&args.get(1))));
    st.xhr_info.set(this.unchecked_ref(), &info);
    let _ = rt;
    apply(orig, this, args)
}

fn send_hook(rt: &Runtime, st: &State, this: &JsValue, orig: &JsValue, args: &Array) -> Result<JsValue, JsValue> {
    let info = st.xhr_info.get(this.unchecked_ref());
    let url = get(&info, "u").as_string().unwrap_or_default();
    if !info.is_object() || rt.ignored_url(&url) {
        return apply(orig, this, args);
    }
    let method = get(&info, "m").as_string().unwrap_or_else(|| "GET".into());
    let start = now_perf();
    let act = super::actions::http_start(start);
    let mut call = base_call(rt, "xhr", &method, &url, start);
    call.req_size = body_size(&args.get(0));
    if let Some((tp, trace, span)) = traceparent(rt, &url) {
        let set_header = get(this, "setRequestHeader");
        if let Some(f) = set_header.dyn_ref::<Function>() {
            if f.call2(this, &JsValue::from_str("traceparent"), &JsValue::from_str(&tp)).is_ok() {
                call.trace_id = trace;
                call.span_id = span;
            }
        }
    }
    // Exactly one of load / error / abort / timeout ends a request. The
    // listener then unregisters itself from all four and drops its own
    // closure (wasm-bindgen's glue frees a closure dropped while it runs
    // when it returns): an XHR object reused for another request gets
    // fresh listeners, and nothing stays behind per request.
    let me = rt.me.clone();
    let xhr = this.clone();
    let slot: Rc<RefCell<Option<Listening>>> = Rc::new(RefCell::new(None));
    let own = slot.clone();
    let mut pending = Some((call, url));
    let done = closure(Box::new(move |ev: JsValue| {
        // Taken out first: the cycle (closure → slot → closure) ends here.
        let this_cb = own.try_borrow_mut().ok().and_then(|mut s| s.take());
        if let Some(cb) = &this_cb {
            let target: &web_sys::EventTarget = xhr.unchecked_ref();
            for kind in XHR_END {
                // The `_and_bool` forms, as `Listener`: one import each, not two.
                let _ = target.remove_event_listener_with_callback_and_bool(kind, cb.as_ref().unchecked_ref(), false);
            }
        }
        let (Some((mut call, url)), Some(rt)) = (pending.take(), me.upgrade()) else { return };
        let kind = get(&ev, "type").as_string().unwrap_or_default();
        call.status = u32::try_from(f64_to_u64(nz(get(&xhr, "status").as_f64().unwrap_or(0.0)))).unwrap_or(0);
        call.fail = match kind.as_str() {
            "load" => "",
            "abort" => "abort",
            "timeout" => "timeout",
            _ => "network",
        }
        .into();
        let get_header = get(&xhr, "getResponseHeader");
        if let Some(f) = get_header.dyn_ref::<Function>() {
            if let Ok(v) = f.call1(&xhr, &JsValue::from_str("content-length")) {
                call.res_size = v
                    .as_string()
                    .and_then(|s| crate::core::json::parse_u64(&s))
                    .map_or(0.0, crate::core::json::f64_from_u64);
            }
        }
        record(&rt, call, start, url, act);
        drop(this_cb);
    }));
    let target: &web_sys::EventTarget = this.unchecked_ref();
    for kind in XHR_END {
        let _ = target.add_event_listener_with_callback_and_bool(kind, done.as_ref().unchecked_ref(), false);
    }
    if let Ok(mut s) = slot.try_borrow_mut() {
        *s = Some(done);
    }
    apply(orig, this, args)
}

/// An XHR's end listener, held until it runs.
type Listening = Closure<dyn FnMut(JsValue)>;

/// The events that end an XHR request: exactly one of them fires.
const XHR_END: [&str; 4] = ["load", "error", "abort", "timeout"];

// ------------------------------------------------------------------ install

fn patch(
    target: &JsValue,
    name: &'static str,
    wrap: &Function,
    state: &Weak<RefCell<State>>,
    rt: &Runtime,
    f: fn(&Runtime, &State, &JsValue, &JsValue, &Array) -> Result<JsValue, JsValue>,
) -> Option<Patch> {
    let original = get(target, name);
    if !original.is_function() {
        return None;
    }
    let (me, st) = (rt.me.clone(), state.clone());
    let hook: Hook = Closure::new(move |this: JsValue, orig: JsValue, args: Array| {
        // Agent gone, or busy (re-entered from our own code): pass through.
        let (Some(rt), Some(state)) = (me.upgrade(), st.upgrade()) else { return apply(&orig, &this, &args) };
        let Ok(s) = state.try_borrow() else { return apply(&orig, &this, &args) };
        f(&rt, &s, &this, &orig, &args)
    });
    let wrapper = wrap.call2(&JsValue::NULL, &original, hook.as_ref()).ok()?;
    Reflect::set(target, &JsValue::from_str(name), &wrapper).ok()?;
    Some(Patch { target: target.clone(), name, original, wrapper, hook: Some(hook) })
}

pub fn install(rt: &Rc<Runtime>) {
    let Some(wrap) = rt.hooks.wrap.clone() else { return };
    let Some(w) = super::util::window() else { return };
    let state = Rc::new(RefCell::new(State { patches: Vec::new(), xhr_info: js_sys::WeakMap::new() }));
    let weak = Rc::downgrade(&state);
    let mut patches = Vec::new();
    patches.extend(patch(w, "fetch", &wrap, &weak, rt, |rt, _, this, orig, args| fetch_hook(rt, this, orig, args)));
    let proto = get(&get(w, "XMLHttpRequest"), "prototype");
    if proto.is_object() {
        patches.extend(patch(&proto, "open", &wrap, &weak, rt, open_hook));
        patches.extend(patch(&proto, "send", &wrap, &weak, rt, send_hook));
    }
    if let Ok(mut st) = state.try_borrow_mut() {
        st.patches = patches;
    }
    rt.add_source(Some(state));
}

/// The Resource Timing entry of a finished call, for its phases.
pub fn timing_for(url: &str, start: f64) -> Option<Entry> {
    let list = performance()?.get_entries_by_name_with_entry_type(url, "resource");
    list.iter().rev().map(JsCast::unchecked_into::<Entry>).find(|e| e.start_time() >= start - 1.0)
}
