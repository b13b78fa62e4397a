//! Browser-edge tests, run in headless Chromium by `wasm-pack test --headless --chrome`.
//! `beforeSend` sees every event the agent would send, so it is the probe.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use rum_agent::web::start;

wasm_bindgen_test_configure!(run_in_browser);

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn base_config(extra: &[(&str, JsValue)]) -> JsValue {
    let mut pairs = vec![
        // Nothing listens there: delivery fails quietly, which is also tested.
        ("url", JsValue::from_str("http://127.0.0.1:9/collect")),
        ("app", obj(&[("name", "web-test".into()), ("version", "1.0.0".into())])),
    ];
    pairs.extend(extra.iter().cloned());
    obj(&pairs)
}

/// A beforeSend that records every event and drops it.
fn recorder() -> (Rc<RefCell<Vec<JsValue>>>, Function) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    let f = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |ev: JsValue| {
        s.borrow_mut().push(ev);
        JsValue::NULL
    });
    (seen, f.into_js_value().unchecked_into())
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(k)).unwrap()
}

#[wasm_bindgen_test]
fn invalid_config_throws_type_error_naming_the_field() {
    let cfg = obj(&[("url", "collector".into()), ("app", obj(&[("name", "x".into())]))]);
    let err = start(cfg, false, JsValue::UNDEFINED, JsValue::UNDEFINED).err().expect("must reject");
    assert!(err.is_instance_of::<js_sys::TypeError>());
    let msg = get(&err, "message").as_string().unwrap();
    assert_eq!(msg, r#"rum-agent: config.url must be an absolute http(s) URL, got "collector""#);

    let err =
        start(base_config(&[("sampleRate", JsValue::from_f64(2.0))]), false, JsValue::UNDEFINED, JsValue::UNDEFINED)
            .err()
            .unwrap();
    assert!(get(&err, "message").as_string().unwrap().contains("config.sampleRate"));
}

/// The config's RegExps are numbered across its lists: the `ignoreErrors`
/// RegExp after an `ignoreUrls` one is tested as itself, not as the first.
#[wasm_bindgen_test]
fn regexps_of_each_list_apply_to_that_list() {
    let (seen, before_send) = recorder();
    let re = |src: &str| JsValue::from(js_sys::RegExp::new(src, ""));
    let agent = start(
        base_config(&[
            ("ignoreUrls", Array::of1(&re("^https://never\\.example/")).into()),
            ("ignoreErrors", Array::of2(&"zzz".into(), &re("^ignored-\\d$")).into()),
            ("beforeSend", before_send.into()),
        ]),
        false,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    )
    .unwrap();
    for msg in ["ignored-1", "kept", "a zzz b"] {
        agent.push_error(js_sys::Error::new(msg).into(), JsValue::UNDEFINED);
    }
    agent.flush();
    let msgs: Vec<String> = seen.borrow().iter().filter_map(|e| get(e, "msg").as_string()).collect();
    assert_eq!(msgs, ["kept"]);
    agent.shutdown();
}

/// Counts addEventListener / removeEventListener calls (on every target)
/// until the returned restore function runs.
fn count_listeners() -> (Rc<RefCell<(i32, i32)>>, impl FnOnce()) {
    let counts = Rc::new(RefCell::new((0, 0)));
    let proto = get(&get(&js_sys::global(), "EventTarget"), "prototype");
    let orig_add = get(&proto, "addEventListener");
    let orig_remove = get(&proto, "removeEventListener");
    // A JS wrapper keeps `this` intact.
    let wrap = Function::new_with_args("orig, bump", "return function(...a) { bump(); return orig.apply(this, a); }");
    let c1 = counts.clone();
    let bump_add = Closure::<dyn FnMut()>::new(move || c1.borrow_mut().0 += 1).into_js_value();
    let c2 = counts.clone();
    let bump_remove = Closure::<dyn FnMut()>::new(move || c2.borrow_mut().1 += 1).into_js_value();
    let new_add = wrap.call2(&JsValue::NULL, &orig_add, &bump_add).unwrap();
    let new_remove = wrap.call2(&JsValue::NULL, &orig_remove, &bump_remove).unwrap();
    Reflect::set(&proto, &"addEventListener".into(), &new_add).unwrap();
    Reflect::set(&proto, &"removeEventListener".into(), &new_remove).unwrap();
    let restore = move || {
        Reflect::set(&proto, &"addEventListener".into(), &orig_add).unwrap();
        Reflect::set(&proto, &"removeEventListener".into(), &orig_remove).unwrap();
    };
    (counts, restore)
}

#[wasm_bindgen_test]
async fn captures_real_errors_and_leaves_no_listener_after_shutdown() {
    let (counts, restore) = count_listeners();
    let (seen, before_send) = recorder();
    let agent =
        start(base_config(&[("beforeSend", before_send.into())]), false, JsValue::UNDEFINED, JsValue::UNDEFINED)
            .unwrap();
    let added = counts.borrow().0;
    assert!(added >= 4, "error, unhandledrejection, visibilitychange, pagehide, pageshow: {added}");

    // A real uncaught error and a real unhandled rejection.
    let thrower = Function::new_no_args(
        "setTimeout(function boom() { throw new TypeError('kaboom ' + 1) }, 0); Promise.reject(new Error('nope'));",
    );
    thrower.call0(&JsValue::NULL).unwrap();
    // And a failing image (resource error, seen only in the capture phase).
    let doc = web_sys::window().unwrap().document().unwrap();
    let img = doc.create_element("img").unwrap();
    img.set_attribute("src", "/definitely-missing.png").unwrap();
    doc.body().unwrap().append_child(&img).unwrap();
    sleep(300).await;
    agent.push_error(js_sys::Error::new("manual").into(), obj(&[("step", "pay".into())]));
    agent.push_event("checkout".into(), obj(&[("items", JsValue::from_f64(3.0))]));
    agent.flush();

    let events = seen.borrow().clone();
    let kinds: Vec<String> = events.iter().map(|e| get(e, "k").as_string().unwrap()).collect();
    let find = |src: &str| events.iter().find(|e| get(e, "src").as_string().as_deref() == Some(src)).cloned();
    let js = find("js").expect("uncaught error reported");
    assert_eq!(get(&js, "type").as_string().unwrap(), "TypeError");
    assert!(get(&js, "msg").as_string().unwrap().contains("kaboom 1"));
    let frames: Array = get(&js, "frames").unchecked_into();
    assert!(frames.length() >= 1);
    assert_eq!(get(&frames.get(0), "fn").as_string().unwrap(), "boom");
    let promise = find("promise").expect("rejection reported");
    assert_eq!(get(&promise, "msg").as_string().unwrap(), "nope");
    let res = find("resource").expect("broken image reported");
    assert_eq!(get(&res, "tag").as_string().unwrap(), "img");
    assert!(get(&res, "file").as_string().unwrap().ends_with("/definitely-missing.png"));
    let api = find("api").expect("pushError reported");
    assert_eq!(get(&get(&api, "ctx"), "step").as_string().unwrap(), "pay");
    assert!(kinds.iter().any(|k| k == "event"));

    agent.shutdown();
    let (added, removed) = *counts.borrow();
    restore();
    assert_eq!(added, removed, "every listener added was removed");

    // After shutdown nothing is captured any more.
    let before = seen.borrow().len();
    Function::new_no_args("setTimeout(function () { throw new Error('after') }, 0)").call0(&JsValue::NULL).unwrap();
    sleep(100).await;
    agent.flush();
    assert_eq!(seen.borrow().len(), before);
}

#[wasm_bindgen_test]
async fn identical_errors_are_counted_not_repeated() {
    let (seen, before_send) = recorder();
    let agent =
        start(base_config(&[("beforeSend", before_send.into())]), false, JsValue::UNDEFINED, JsValue::UNDEFINED)
            .unwrap();
    Function::new_no_args("for (let i = 0; i < 200; i++) setTimeout(function storm() { throw new Error('same') }, 0)")
        .call0(&JsValue::NULL)
        .unwrap();
    sleep(300).await;
    agent.flush();
    let errors: Vec<JsValue> =
        seen.borrow().iter().filter(|e| get(e, "k").as_string().as_deref() == Some("error")).cloned().collect();
    assert_eq!(errors.len(), 1, "one report");
    assert_eq!(get(&errors[0], "count").as_f64().unwrap(), 200.0);
    agent.shutdown();
}

#[wasm_bindgen_test]
fn second_start_returns_the_running_agent() {
    let (first, before_send) = recorder();
    let a = start(base_config(&[("beforeSend", before_send.into())]), false, JsValue::UNDEFINED, JsValue::UNDEFINED)
        .unwrap();
    // Even with another config (unsampled, its own beforeSend), the running
    // agent is kept: what `b` records goes through `a`'s configuration.
    let (second, other) = recorder();
    let b = start(
        base_config(&[("sampleRate", JsValue::from_f64(0.0)), ("beforeSend", other.into())]),
        false,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    )
    .unwrap();
    b.push_event("through-b".into(), JsValue::UNDEFINED);
    b.flush();
    let names: Vec<String> = first.borrow().iter().filter_map(|e| get(e, "name").as_string()).collect();
    assert!(names.iter().any(|n| n == "through-b"), "the running agent got b's event: {names:?}");
    assert!(second.borrow().is_empty(), "the second config was not used");
    b.shutdown();
    a.shutdown();
}

/// The shim's `wrap` (js/rum.js), which the HTTP instrumentation needs.
fn shim_wrap() -> JsValue {
    Function::new_with_args("f, h", "return function (...a) { return h(this, f, a) }").into()
}

fn wasm_memory_bytes() -> f64 {
    let buffer = get(&wasm_bindgen::memory(), "buffer");
    get(&buffer, "byteLength").as_f64().unwrap()
}

/// Runs `n` requests of one kind from page code, 100 at a time.
async fn page_requests(kind: &str, n: u32) {
    let body = match kind {
        "fetch" => "const one = () => fetch('data:text/plain,ok').then(r => r.text());",
        _ => {
            "const one = () => new Promise(r => { const x = new XMLHttpRequest(); \
             x.open('GET', 'data:text/plain,ok'); x.onloadend = r; x.send(); });"
        }
    };
    let run = Function::new_with_args(
        "n",
        &[body, "return (async () => { for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: 100 }, one)); })();"]
            .concat(),
    );
    let p: js_sys::Promise = run.call1(&JsValue::NULL, &JsValue::from(n)).unwrap().unchecked_into();
    JsFuture::from(p).await.unwrap();
}

/// Every wrapped fetch and XHR frees what it allocated: 10,000 page fetches
/// (and 2,000 XHRs) after a warm-up leave the wasm memory where it was. The
/// reactions of a fetch used to be two one-shot closures, one of which never
/// ran and was never freed (~0.2 KB a call: 10,000 calls grew the memory by
/// about 2 MB); an XHR's listener was never freed either.
#[wasm_bindgen_test]
async fn ten_thousand_page_fetches_keep_wasm_memory_flat() {
    // Counts the HTTP calls the agent saw, and drops every event.
    let drop_all = Function::new_with_args(
        "e",
        "if (e.k === 'http') globalThis.__httpSeen = (globalThis.__httpSeen || 0) + 1; return null",
    );
    let agent = start(
        base_config(&[("beforeSend", drop_all.into()), ("persist", JsValue::FALSE)]),
        false,
        shim_wrap(),
        JsValue::UNDEFINED,
    )
    .unwrap();
    // Warm-up: the queue fills to its cap, the allocator reaches its working set.
    page_requests("fetch", 2_000).await;
    page_requests("xhr", 1_000).await;
    agent.flush();
    sleep(50).await;
    let before = wasm_memory_bytes();
    page_requests("fetch", 10_000).await;
    page_requests("xhr", 2_000).await;
    agent.flush();
    sleep(50).await;
    let after = wasm_memory_bytes();
    agent.shutdown();
    // The calls were seen (the wrappers were in place), not just made.
    let seen = get(&js_sys::global(), "__httpSeen").as_f64().unwrap_or(0.0);
    assert!(seen >= 100.0, "the agent saw {seen} HTTP calls");
    assert!(after - before <= 65_536.0, "wasm memory grew by {} bytes over 12,000 requests", after - before);
}
