//! Errors: uncaught exceptions (`error` on window), failed resource loads
//! (`error` events do not bubble, so a capture-phase listener on window is
//! the only place to see an `<img>` or `<script>` fail), unhandled promise
//! rejections, and `pushError`.
//!
//! The cheap fields (message, file, line, column) are fingerprinted first;
//! only an error not already counted in this flush window has its stack read
//! and parsed. That keeps an error storm cheap.

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::Str as _;

use alloc::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::attrs::{truncate, Attrs};
use crate::core::dedup::fingerprint;
use crate::core::event::{source, ErrorReport};
use crate::core::json::contains;
use crate::core::stack::parse_stack;

use super::bindings::{nz, Loose};
use super::runtime::Runtime;
use super::util::{epoch, to_string};

const MAX_MSG: usize = 1000;
const MAX_RAW_STACK: usize = 4000;

/// Our own files: an error there must never feed back into us.
pub(super) fn is_ours(file: &str) -> bool {
    contains(file, "rum_agent") || file.ends_with("/rum.js")
}

pub(super) fn u32_of(v: f64) -> u32 {
    u32::try_from(crate::core::json::f64_to_u64(nz(v))).unwrap_or(0)
}

/// Type, message and stack of a thrown value (an Error, or anything else).
fn describe(value: &JsValue, default_type: &str) -> (String, String, String) {
    if value.is_object() {
        let o: &Loose = value.unchecked_ref();
        let stack = o.stack().as_string().unwrap_or_default();
        let name = o.loose_name().as_string();
        let msg = o.message().as_string();
        if name.is_some() || msg.is_some() || !stack.is_empty() {
            return (name.unwrap_or_else(|| "Error".into()), msg.unwrap_or_default(), stack);
        }
    }
    (default_type.to_string(), to_string(value), String::new())
}

/// The start of a report: where and what; `finish` adds the stack.
pub(super) fn base(t: f64, src: &str, error_type: &str, msg: &str) -> ErrorReport {
    ErrorReport {
        t,
        src: src.to_string(),
        error_type: truncate(error_type, 128).to_string(),
        msg: truncate(msg, MAX_MSG).to_string(),
        count: 1,
        ..Default::default()
    }
}

/// Parses the stack into frames and scrubs every URL.
fn finish(rt: &Runtime, mut r: ErrorReport, stack: &str) -> ErrorReport {
    let (frames, unparsed) = parse_stack(stack);
    r.frames = frames
        .into_iter()
        .map(|mut f| {
            if contains(&f.file, "://") {
                f.file = rt.scrub(&f.file);
            }
            f
        })
        .collect();
    // Keep the raw stack only when it held something we could not parse.
    if unparsed && r.frames.is_empty() {
        r.stack = truncate(stack, MAX_RAW_STACK).to_string();
    }
    // Without a location from the event, the top frame is the best we have.
    if r.file.is_empty() {
        if let Some(f) = r.frames.first() {
            (r.file, r.line, r.col) = (f.file.clone(), f.line, f.col);
        }
    } else {
        r.file = rt.scrub(&r.file);
    }
    r
}

fn on_error(rt: &Runtime, ev: &JsValue) {
    let e: &Loose = ev.unchecked_ref();
    let t = epoch(e.time_stamp());
    if ev.dyn_ref::<web_sys::ErrorEvent>().is_none() {
        return on_resource_error(rt, e, t);
    }
    let msg = to_string(&e.message());
    let file = e.filename().str().unwrap_or_default();
    let (line, col) = (u32_of(e.lineno()), u32_of(e.colno()));
    if is_ours(&file) || rt.ignored_error(&msg) || (!file.is_empty() && rt.ignored_url(&file)) {
        return;
    }
    super::actions::error(e.time_stamp());
    let fp = fingerprint(&[source::JS, &msg, &file], &[line, col]);
    rt.error(fp, || {
        // `error` is null for cross-origin scripts without CORS ("Script error.").
        let (ty, err_msg, stack) = describe(&e.error(), "Error");
        if is_ours(&stack) {
            return None;
        }
        // The Error's own message: the event's adds Chrome's "Uncaught TypeError: ".
        let msg = if e.error().is_object() && !err_msg.is_empty() { err_msg } else { msg.clone() };
        let mut r = base(t, source::JS, &ty, &msg);
        (r.file, r.line, r.col) = (file.clone(), line, col);
        Some(finish(rt, r, &stack))
    });
}

fn on_resource_error(rt: &Runtime, e: &Loose, t: f64) {
    let target = e.target();
    if !target.is_object() {
        return;
    }
    let el: &Loose = target.unchecked_ref();
    let Some(tag) = el.local_name().str() else { return }; // not an element
    let url = el
        .current_src()
        .str()
        .filter(|s| !s.is_empty())
        .or_else(|| el.src().str().filter(|s| !s.is_empty()))
        .or_else(|| el.href().str().filter(|s| !s.is_empty()))
        .unwrap_or_default();
    if url.is_empty() || rt.ignored_url(&url) {
        return;
    }
    let fp = fingerprint(&[source::RESOURCE, &tag, &url], &[]);
    rt.error(fp, || {
        let url = rt.scrub(&url);
        let mut msg = String::with_capacity(url.len() + 24);
        msg.push_str(&tag);
        msg.push_str(" failed to load: ");
        msg.push_str(&url);
        let mut r = base(t, source::RESOURCE, "ResourceError", &msg);
        r.file = url;
        r.tag = tag;
        Some(r)
    });
}

fn on_rejection(rt: &Runtime, ev: &JsValue) {
    let e: &Loose = ev.unchecked_ref();
    let t = epoch(e.time_stamp());
    let (ty, msg, stack) = describe(&e.reason(), "UnhandledRejection");
    if rt.ignored_error(&msg) || is_ours(&stack) {
        return;
    }
    super::actions::error(e.time_stamp());
    let fp = fingerprint(&[source::PROMISE, &ty, &msg, truncate(&stack, 300)], &[]);
    rt.error(fp, || Some(finish(rt, base(t, source::PROMISE, &ty, &msg), &stack)));
}

/// Events the loader snippet caught before the agent started.
pub fn replay_error(rt: &Runtime, ev: &JsValue) {
    if ev.is_object() {
        on_error(rt, ev);
    }
}

pub fn replay_rejection(rt: &Runtime, ev: &JsValue) {
    if ev.is_object() {
        on_rejection(rt, ev);
    }
}

/// `rum.pushError(error, context?)`, made at `t`.
pub fn push_at(rt: &Runtime, error: &JsValue, context: &JsValue, t: f64) {
    let (ty, msg, stack) = describe(error, "Error");
    if rt.ignored_error(&msg) {
        return;
    }
    let mut ctx = Attrs::new();
    super::util::read_attrs(context, &mut ctx);
    let fp = fingerprint(&[source::API, &ty, &msg, truncate(&stack, 300)], &[]);
    rt.error(fp, || {
        let mut r = base(t, source::API, &ty, &msg);
        r.ctx = ctx;
        Some(finish(rt, r, &stack))
    });
}

/// A resource that failed before the agent started (its `error` event came
/// too early for our listener): Resource Timing still tells, by its status.
pub fn early_resource_failure(rt: &Runtime, tag: &str, url: &str, status: u32, t: f64) {
    let fp = fingerprint(&[source::RESOURCE, tag, url], &[]);
    rt.error_found(fp, || {
        let url = rt.scrub(url);
        let mut msg = String::with_capacity(url.len() + 40);
        msg.push_str(tag);
        msg.push_str(" failed to load: ");
        msg.push_str(&url);
        msg.push_str(" (HTTP ");
        crate::core::json::write_u64(&mut msg, u64::from(status));
        msg.push(')');
        let mut r = base(t, source::RESOURCE, "ResourceError", &msg);
        r.file = url;
        r.tag = tag.to_string();
        Some(r)
    });
}

pub fn install(rt: &Rc<Runtime>) {
    let Some(w) = super::util::window() else { return };
    rt.listen(w, "error", true, on_error);
    rt.listen(w, "unhandledrejection", false, on_rejection);
}
