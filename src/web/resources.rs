//! Resource timing: every resource the page loads (buffered, so those before
//! the agent started count too), minus our own requests and `ignoreUrls`.
//! The observer is unaffected by a full resource timing buffer
//! (`resourcetimingbufferfull`), so we neither depend on nor clear the
//! page's buffer: it is not ours.

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::Str as _;

use alloc::rc::Rc;

use crate::core::event::Resource;

use super::bindings::{nz, Entry};
use super::runtime::Runtime;
use super::util::{epoch, PerfObserver};

fn span(a: f64, b: f64) -> f64 {
    let (a, b) = (nz(a), nz(b));
    if a > 0.0 && b >= a {
        b - a
    } else {
        0.0
    }
}

/// Network phases of a resource entry (zero where the browser hides them:
/// cross-origin without Timing-Allow-Origin).
pub struct Phases {
    pub dns: f64,
    pub tcp: f64,
    pub tls: f64,
    pub wait: f64,
    pub dl: f64,
}

pub fn phases(e: &Entry) -> Phases {
    let tls_start = nz(e.secure_connection_start());
    let (tcp, tls) = if tls_start > 0.0 {
        (span(e.connect_start(), tls_start), span(tls_start, e.connect_end()))
    } else {
        (span(e.connect_start(), e.connect_end()), 0.0)
    };
    Phases {
        dns: span(e.domain_lookup_start(), e.domain_lookup_end()),
        tcp,
        tls,
        wait: span(e.request_start(), e.response_start()),
        dl: span(e.response_start(), e.response_end()),
    }
}

pub fn from_entry(rt: &Runtime, e: &Entry) -> Option<Resource> {
    let url = e.name().str()?;
    if rt.ignored_url(&url) {
        return None;
    }
    let p = phases(e);
    Some(Resource {
        t: epoch(e.start_time()),
        url: rt.scrub(&url),
        initiator: e.initiator_type().str().unwrap_or_default(),
        start: nz(e.start_time()),
        dur: nz(e.duration()),
        dns: p.dns,
        tcp: p.tcp,
        tls: p.tls,
        wait: p.wait,
        dl: p.dl,
        size: nz(e.transfer_size()),
        enc: nz(e.encoded_body_size()),
        dec: nz(e.decoded_body_size()),
        blocking: e.render_blocking_status().str().as_deref() == Some("blocking"),
        status: u32::try_from(crate::core::json::f64_to_u64(nz(e.response_status()))).unwrap_or(0),
        proto: e.next_hop_protocol().str().unwrap_or_default(),
    })
}

pub fn install(rt: &Rc<Runtime>) {
    let me = rt.me.clone();
    rt.add_source(PerfObserver::new("resource", &[], move |entries| {
        let Some(rt) = me.upgrade() else { return };
        for e in &entries {
            // Failed before we started listening: the error event is gone,
            // the entry (and its status, in Chromium) remains.
            let tag = match e.initiator_type().str().as_deref() {
                Some("img") => "img",
                Some("script") => "script",
                Some("link") => "link",
                Some("video") => "video",
                Some("audio") => "audio",
                _ => "",
            };
            let status = nz(e.response_status());
            if !tag.is_empty() && status >= 400.0 && e.response_end() < rt.started {
                if let Some(url) = e.name().str().filter(|u| !rt.ignored_url(u)) {
                    let status = u32::try_from(crate::core::json::f64_to_u64(status)).unwrap_or(0);
                    super::errors::early_resource_failure(&rt, tag, &url, status, epoch(e.response_end()));
                }
            }
            if let Some(r) = from_entry(&rt, e) {
                // TTI's network quiet window needs every request's interval.
                if let Ok(mut sh) = rt.shared.try_borrow_mut() {
                    if sh.requests.len() < super::runtime::MAX_SHARED_INTERVALS {
                        sh.requests.push((r.start, r.start + r.dur));
                    }
                }
                rt.resource(r);
            }
        }
    }));
}
