//! Navigation timing: the document's own `PerformanceNavigationTiming`, read
//! once after `load` has finished (`loadEventEnd` is only set after every
//! load listener returned, hence the 0 ms timeout).

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::Str as _;

use alloc::rc::Rc;

use wasm_bindgen::JsCast;

use crate::core::event::{Event, LatencySplit, NavTiming, ServerTiming, MARK_NAMES};

use super::bindings::{nz, Entry};
use super::runtime::Runtime;
use super::util::{epoch, get, performance};

/// The navigation entry, if the browser has one. The same object for the
/// life of the document (its fields fill in as the load goes on), so it is
/// looked up once: TTI's timer and every vital ask for it.
pub fn entry() -> Option<Entry> {
    let cached = &super::util::page().nav;
    if let Some(e) = cached.get() {
        return Some(wasm_bindgen::JsValue::clone(e).unchecked_into());
    }
    let e = performance()?.get_entries_by_type("navigation").get(0);
    if e.is_undefined() {
        return None;
    }
    let _ = cached.set(e.clone().unchecked_into());
    Some(e.unchecked_into())
}

/// Navigation type as web-vitals names it: `back-forward` (not the spec's
/// `back_forward`), and `prerender` when the page was activated from a
/// prerender.
pub fn nav_type() -> String {
    let Some(e) = entry() else {
        return "navigate".into();
    };
    if nz(e.activation_start()) > 0.0 {
        return "prerender".into();
    }
    if super::vitals::prerendering() {
        return "prerender".into();
    }
    e.nav_type().str().map_or_else(|| "navigate".into(), |t| t.replace('_', "-"))
}

pub fn read() -> Option<NavTiming> {
    let e = entry()?;
    let server_timing = e
        .server_timing()
        .map(|arr| {
            arr.iter()
                .take(16)
                .map(|st| {
                    let st: Entry = st.unchecked_into();
                    ServerTiming {
                        name: st.name().str().unwrap_or_default(),
                        duration: nz(st.duration()),
                        description: st.description().str().unwrap_or_default(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let mut nav = NavTiming {
        t: epoch(0.0),
        nav_type: e.nav_type().str().unwrap_or_default(),
        redirect_count: u32::try_from(crate::core::json::f64_to_u64(e.redirect_count())).unwrap_or(0),
        next_hop_protocol: e.next_hop_protocol().str().unwrap_or_default(),
        server_timing,
        ..NavTiming::default()
    };
    // By name, from one table: a getter binding per mark costs wasm and glue
    // bytes, and this runs once per page view.
    for (slot, name) in nav.marks_mut().into_iter().zip(MARK_NAMES) {
        *slot = nz(get(&e, name).as_f64().unwrap_or(0.0));
    }
    Some(nav)
}

fn report(rt: &Runtime) {
    if let Some(nav) = read() {
        super::ttfb::report_nav(rt, &nav);
        rt.push(Event::Nav(nav));
        // What the load produced (navigation, resources, FCP, TTFB) goes now,
        // while the page is visible: by fetch, compressed, in an idle moment,
        // rather than uncompressed in the page's last beacon.
        super::vitals::when_idle_rt(rt, None, |rt, _| rt.flush(false));
        // The latency split waits for the page to be hidden: its LCP part
        // is final only then.
        rt.on_hidden_hook(|rt| {
            let Some(nav) = read() else { return };
            let lcp = rt.shared.try_borrow().ok().and_then(|s| s.lcp);
            let split = LatencySplit::compute(&nav, &rt.cfg.server_timing_name, lcp);
            if rt.split_once() {
                rt.push(Event::Split(split));
            }
        });
    }
}

pub fn install(rt: &Rc<Runtime>) {
    rt.on_restore_hook(|rt, _| super::ttfb::report_restore(rt));
    // A prerendered page's timings are final (activationStart known) only
    // once it is shown.
    super::vitals::when_activated(rt, after_activation);
}

fn after_activation(rt: &Runtime) {
    let Some(w) = super::util::window() else { return };
    let complete = super::util::ready_state() == "complete";
    if complete {
        rt.defer(0, report);
    } else {
        rt.listen(w, "load", false, |rt, _| rt.defer(0, report));
    }
}
