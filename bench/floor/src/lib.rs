//! The wasm floor of `cargo xtask bench`: what any WebAssembly RUM agent
//! must at least do and download. Six buffered PerformanceObservers
//! (navigation, resource, paint, LCP, layout shifts, event timing), error,
//! rejection and lifecycle listeners, one hand-written JSON line per entry,
//! one `sendBeacon` when the page is hidden. No metric logic, no config
//! checks, no batching rules, no retry: every number the bench measures
//! for it is a lower bound for an agent built this way (wasm-bindgen,
//! no_std, the agent's build pipeline), not a product.
#![no_std]
// A bench fixture, not agent code: the agent's lints do not apply.
#![allow(clippy::all)]

extern crate alloc;
use alloc::{boxed::Box, string::String, vec::Vec};
use core::cell::RefCell;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

// As in the agent: the allocator and the `Sync` static assume one thread.
#[cfg(target_feature = "atomics")]
compile_error!("the floor assumes a single thread: build without the wasm `atomics` target feature");

// SAFETY: wasm32-unknown-unknown without atomics has one thread.
#[global_allocator]
static ALLOC: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[wasm_bindgen]
extern "C" {
    type Observer;
    #[wasm_bindgen(constructor, js_class = "PerformanceObserver", catch)]
    fn new(cb: &js_sys::Function) -> Result<Observer, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn observe(this: &Observer, o: &Object) -> Result<(), JsValue>;
    type List;
    #[wasm_bindgen(method, js_name = getEntries)]
    fn entries(this: &List) -> Array;
    #[wasm_bindgen(js_namespace = navigator, js_name = sendBeacon, catch)]
    fn beacon(url: &str, body: &str) -> Result<bool, JsValue>;
}

struct State {
    url: String,
    queue: Vec<String>,
    keep: Vec<Closure<dyn FnMut(JsValue)>>,
}
struct Global(RefCell<Option<State>>);
// SAFETY: one thread (see ALLOC).
unsafe impl Sync for Global {}
static STATE: Global = Global(RefCell::new(None));

fn with(f: impl FnOnce(&mut State)) {
    if let Ok(mut g) = STATE.0.try_borrow_mut() {
        if let Some(st) = g.as_mut() {
            f(st);
        }
    }
}

fn get(o: &JsValue, k: &str) -> JsValue {
    Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
}

fn num(s: &mut String, v: f64) {
    let mut n = if v.is_finite() && v > 0.0 { v as u64 } else { 0 };
    let mut b = [0u8; 20];
    let mut i = 20;
    loop {
        i -= 1;
        b[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.push_str(core::str::from_utf8(&b[i..]).unwrap_or("0"));
}

fn string(s: &mut String, v: &str) {
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c if (c as u32) < 32 => s.push(' '),
            c => s.push(c),
        }
    }
    s.push('"');
}

fn push(line: String) {
    with(|st| {
        if st.queue.len() < 500 {
            st.queue.push(line);
        }
    });
}

fn flush() {
    with(|st| {
        if st.queue.is_empty() {
            return;
        }
        let body = ["[", &st.queue.join(","), "]"].concat();
        st.queue.clear();
        let _ = beacon(&st.url, &body);
    });
}

fn entry(e: &JsValue) {
    let mut s = String::from("{\"k\":");
    string(&mut s, &get(e, "entryType").as_string().unwrap_or_default());
    s.push_str(",\"name\":");
    string(&mut s, &get(e, "name").as_string().unwrap_or_default());
    for (key, field, scale) in [("t", "startTime", 1.0), ("dur", "duration", 1.0), ("v", "value", 1e4)] {
        s.push_str(",\"");
        s.push_str(key);
        s.push_str("\":");
        num(&mut s, get(e, field).as_f64().unwrap_or(0.0) * scale);
    }
    s.push('}');
    push(s);
}

fn error_line(kind: &str, msg: JsValue) {
    let mut s = String::from("{\"k\":\"");
    s.push_str(kind);
    s.push_str("\",\"msg\":");
    string(&mut s, &msg.as_string().unwrap_or_default());
    s.push('}');
    push(s);
}

fn keep(c: Closure<dyn FnMut(JsValue)>) {
    with(|st| st.keep.push(c));
}

#[wasm_bindgen]
pub fn start(config: JsValue) -> Result<(), JsValue> {
    let url = get(&config, "url")
        .as_string()
        .ok_or_else(|| JsValue::from(js_sys::TypeError::new("config.url must be a string")))?;
    if let Ok(mut g) = STATE.0.try_borrow_mut() {
        *g = Some(State { url, queue: Vec::new(), keep: Vec::new() });
    }
    for kind in ["navigation", "resource", "paint", "largest-contentful-paint", "layout-shift", "event"] {
        let cb = Closure::<dyn FnMut(JsValue)>::new(|list: JsValue| {
            for e in list.unchecked_into::<List>().entries().iter() {
                entry(&e);
            }
        });
        if let Ok(obs) = Observer::new(cb.as_ref().unchecked_ref()) {
            let o = Object::new();
            let _ = Reflect::set(&o, &"type".into(), &kind.into());
            let _ = Reflect::set(&o, &"buffered".into(), &JsValue::TRUE);
            let _ = obs.observe(&o);
        }
        keep(cb);
    }
    let w: web_sys::EventTarget = js_sys::global().unchecked_into();
    let listen = |kind: &str, f: Box<dyn FnMut(JsValue)>| {
        let c = Closure::wrap(f);
        let _ = w.add_event_listener_with_callback(kind, c.as_ref().unchecked_ref());
        keep(c);
    };
    listen("error", Box::new(|e| error_line("error", get(&e, "message"))));
    listen("unhandledrejection", Box::new(|e| error_line("rejection", get(&get(&e, "reason"), "message"))));
    listen(
        "visibilitychange",
        Box::new(|_| {
            let state = get(&get(&js_sys::global(), "document"), "visibilityState");
            if state.as_string().as_deref() == Some("hidden") {
                flush();
            }
        }),
    );
    listen("pagehide", Box::new(|_| flush()));
    Ok(())
}
