//! Soft navigations (the Soft Navigation API, Chromium 151+): a
//! `soft-navigation` entry is a route change made by a user interaction that
//! changed the page; each starts a page view of its own with its own Web
//! Vitals, as web-vitals 6 reports them with `reportSoftNavs: true`. Every
//! metric module sees these entries in its own observer's stream (as each
//! of web-vitals' observers does) and the first to see one starts the view
//! (`Runtime::soft_view`). Here: reading the entries; the decisions are in
//! `core::vitals`.

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::Str as _;

use wasm_bindgen::JsCast;

use crate::core::json::f64_to_u64;
use crate::core::vitals::{IcpEntry, LcpEntry, SoftNav};

use super::bindings::{nz, Entry};
use super::util::get;

pub const KIND: &str = "soft-navigation";

/// web-vitals' `checkSoftNavsEnabled` (without the option): the entry type
/// is observable and `getLargestInteractionContentfulPaint` is a method
/// (older implementations had an attribute; only the launched form counts).
pub fn supported() -> bool {
    if !super::util::supports(KIND) {
        return false;
    }
    let proto = get(&get(&super::util::global(), "PerformanceSoftNavigation"), "prototype");
    proto.is_object() && get(&proto, "getLargestInteractionContentfulPaint").is_function()
}

/// The entry is a `soft-navigation` one.
pub fn is(e: &Entry) -> bool {
    e.entry_type().str().as_deref() == Some(KIND)
}

pub fn read(e: &Entry) -> SoftNav {
    let start_time = e.start_time();
    let presentation = nz(e.presentation_time());
    SoftNav {
        navigation_id: f64_to_u64(nz(e.navigation_id())),
        interaction_id: f64_to_u64(nz(e.interaction_id())),
        start_time,
        end: start_time + nz(e.duration()),
        paint: if presentation > 0.0 { presentation } else { nz(e.paint_time()) },
        url: e.name().str().unwrap_or_default(),
    }
}

/// An `interaction-contentful-paint` entry, with its largest paint as an
/// LCP entry (selector taken now: the element may go later).
pub fn icp(e: &Entry, lcp: impl Fn(&Entry) -> LcpEntry) -> IcpEntry {
    let paint = e.largest_contentful_paint();
    let inner = paint.is_object().then(|| paint.unchecked_into::<Entry>());
    IcpEntry {
        interaction_id: f64_to_u64(nz(e.interaction_id())),
        start_time: e.start_time(),
        render_time: inner.as_ref().map_or(0.0, |p| nz(p.render_time())),
        lcp: inner.as_ref().map(lcp),
    }
}

/// The soft navigation's largest interaction-contentful paint so far.
pub fn largest(e: &Entry) -> Option<Entry> {
    e.largest_icp().ok().filter(|v| v.is_object()).map(JsCast::unchecked_into)
}
