//! Page lifecycle: the moments after which the page may never run code again.
//!
//! - `visibilitychange` → hidden is the last event reliably delivered on
//!   mobile (tab switch, app switch, then the OS kills the tab);
//! - `pagehide` covers desktop navigations that skip it, and is the only
//!   end event compatible with the back/forward cache (`unload` disables it,
//!   so we never listen to `unload`); a visible page being left gets its
//!   final values there, one beacon for both events;
//! - `pageshow` with `persisted` is a restore from the back/forward cache:
//!   a new page view, as web-vitals counts it.

#[allow(unused_imports)]
use crate::prelude::*;

use alloc::rc::Rc;

use super::bindings::Loose;
use super::runtime::Runtime;
use wasm_bindgen::JsCast;

pub fn hidden() -> bool {
    super::util::document().is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden)
}

pub fn install(rt: &Rc<Runtime>) {
    let Some(w) = super::util::window() else { return };
    if let Some(doc) = super::util::document() {
        rt.listen(doc, "visibilitychange", true, |rt, ev| {
            if !hidden() {
                return;
            }
            // web-vitals' visibility watcher: the first time the page was hidden.
            if !rt.first_hidden.get().is_finite() {
                rt.first_hidden.set(ev.unchecked_ref::<Loose>().time_stamp());
            }
            if !rt.left_visible.replace(false) {
                rt.on_hidden();
            }
        });
    }
    rt.listen(w, "pagehide", true, |rt, _| {
        // Unloading: no time left to compress the beacon.
        rt.transport.unloading.set(true);
        if hidden() {
            // A hidden tab navigated or closed: its hide was handled.
            rt.flush(true);
        } else {
            // A visible page being left (a link, a reload, a closed tab):
            // `visibilitychange` → hidden follows in the same unload steps
            // (HTML "unload a document"), with no entry delivered between the
            // two, so the final values are the ones web-vitals reports then.
            // Taken now, they leave in this beacon, not a second one a moment
            // later (two requests per page view left by a link, before).
            rt.left_visible.set(true);
            rt.on_hidden();
        }
    });
    rt.listen(w, "pageshow", true, |rt, ev| {
        let e: &Loose = ev.unchecked_ref();
        rt.left_visible.set(false);
        rt.transport.unloading.set(false);
        if e.persisted() {
            rt.on_restore(e.time_stamp());
            // The page may still report "hidden" for a moment after a restore
            // (Chromium bug 1133363): read the state in a task of its own.
            rt.defer(0, |rt| rt.first_hidden.set(super::vitals::hidden_now_time()));
        }
    });
}
