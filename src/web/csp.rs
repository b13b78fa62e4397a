//! Content-Security-Policy violations (`securitypolicyviolation`), reported
//! as errors of source `csp`. A policy that blocks a new third-party script,
//! an image CDN or an API origin breaks a page without any JavaScript error:
//! the browser only logs it to the console, so without this it is invisible
//! to RUM. Both enforced and report-only policies are seen (the message says
//! which), so a policy can be tried on real traffic before it is enforced.
//!
//! The event fires on the element or the document and bubbles to window, in
//! every current browser; it carries no Error, so there is no stack, only the
//! script location the browser gives. Identical violations in one flush
//! window become one report with a count, as other errors do: a page that
//! loads a blocked image a hundred times sends one report.

#[allow(unused_imports)]
use crate::prelude::*;

use alloc::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::dedup::fingerprint;
use crate::core::event::source;
use crate::core::json::contains;

use super::bindings::{Loose, Str as _};
use super::errors::{base, is_ours, u32_of};
use super::runtime::Runtime;
use super::util::{epoch, get};

fn text(ev: &JsValue, key: &str) -> String {
    get(ev, key).str().unwrap_or_default()
}

fn on_violation(rt: &Runtime, ev: &JsValue) {
    // `blockedURI` is a URL, or a keyword for what has none: `inline`,
    // `eval`, `wasm-eval`, `trusted-types-sink`, …
    let blocked = text(ev, "blockedURI");
    let directive =
        Some(text(ev, "effectiveDirective")).filter(|d| !d.is_empty()).unwrap_or_else(|| text(ev, "violatedDirective"));
    // A page's fetch or XHR passes through our wrapper, so the browser names
    // our file as where it came from: the page's own location is unknown then.
    let file = text(ev, "sourceFile");
    let (file, line, col) = if is_ours(&file) {
        (String::new(), 0, 0)
    } else {
        (
            file,
            u32_of(get(ev, "lineNumber").as_f64().unwrap_or(0.0)),
            u32_of(get(ev, "columnNumber").as_f64().unwrap_or(0.0)),
        )
    };
    // Our own requests: a collector left out of `connect-src` must not make
    // every beacon report a violation that is then beaconed (and blocked) in
    // turn. A cross-origin redirect leaves only the origin in `blockedURI`,
    // so a prefix of our URL counts as ours too.
    if rt.own_url(&blocked) || rt.ignored_url(&blocked) || (!file.is_empty() && rt.ignored_url(&file)) {
        return;
    }
    let report_only = text(ev, "disposition") == "report";
    let blocked = if contains(&blocked, "://") { rt.scrub(&blocked) } else { blocked };
    // "'https://cdn.example/x.js' blocked by script-src-elem": what, and by which directive.
    let mut msg = String::with_capacity(blocked.len() + directive.len() + 32);
    msg.push('\'');
    msg.push_str(&blocked);
    msg.push_str("' blocked by ");
    msg.push_str(&directive);
    if report_only {
        msg.push_str(" (report only)");
    }
    if rt.ignored_error(&msg) {
        return;
    }
    let fp = fingerprint(&[source::CSP, &msg, &file], &[line, col]);
    let t = epoch(ev.unchecked_ref::<Loose>().time_stamp());
    rt.error(fp, || {
        let mut r = base(t, source::CSP, "CSPViolation", &msg);
        (r.file, r.line, r.col) = (rt.scrub(&file), line, col);
        Some(r)
    });
}

/// A violation the loader snippet caught before the agent started.
pub fn replay(rt: &Runtime, ev: &JsValue) {
    if ev.is_object() {
        on_violation(rt, ev);
    }
}

pub fn install(rt: &Rc<Runtime>) {
    let Some(w) = super::util::window() else { return };
    rt.listen(w, "securitypolicyviolation", false, on_violation);
}
