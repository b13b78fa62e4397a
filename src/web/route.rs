//! Single-page-app routes: the page's URL changing without a new document
//! (`history.pushState` / `replaceState`, back and forward between such
//! entries, a hash router). Every event is reported under the URL it
//! happened on, as Faro and Datadog do, not under the URL the app was
//! loaded with; the page view (its id and its Web Vitals) stays the
//! document's, as web-vitals counts it.
//!
//! The Navigation API's `currententrychange` sees every one of these
//! (Chromium 102, Firefox 147, Safari 26.2), with no need to wrap
//! `history` methods the app and its router also wrap. Without it,
//! `popstate` and `hashchange` catch back/forward and fragment changes;
//! a `pushState` alone then goes unseen until the next of those.

#[allow(unused_imports)]
use crate::prelude::*;

use alloc::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::EventTarget;

use super::runtime::Runtime;
use super::util::get;

pub fn install(rt: &Rc<Runtime>) {
    let Some(w) = super::util::window() else { return };
    let navigation = get(w, "navigation").dyn_into::<EventTarget>().ok();
    let watch: &[(&EventTarget, &'static str)] = match &navigation {
        Some(n) => &[(n, "currententrychange")],
        None => &[(w, "popstate"), (w, "hashchange")],
    };
    for (target, kind) in watch {
        rt.listen(target, kind, false, |rt, _| rt.url_changed());
    }
}
