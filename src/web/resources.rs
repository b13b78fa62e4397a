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
use super::util::epoch;

fn span(a: f64, b: f64) -> f64 {
    let (a, b) = (nz(a), nz(b));
    if a > 0.0 && b >= a {
        b - a
    } else {
        0.0
    }
}

/// A resource entry's timing and sizes (NaN where the browser has none).
pub struct Timing {
    pub start: f64,
    pub dur: f64,
    pub response_end: f64,
    pub size: f64,
    pub enc: f64,
    pub dec: f64,
    pub status: f64,
    /// Network phases (zero where the browser hides them: cross-origin
    /// without Timing-Allow-Origin).
    pub dns: f64,
    pub tcp: f64,
    pub tls: f64,
    pub wait: f64,
    pub dl: f64,
}

pub fn timing(e: &Entry) -> Timing {
    let (res_start, res_end, tcp_start, tls_start, tcp_end) =
        (e.response_start(), e.response_end(), e.connect_start(), e.secure_connection_start(), e.connect_end());
    let (tcp, tls) = if nz(tls_start) > 0.0 {
        (span(tcp_start, tls_start), span(tls_start, tcp_end))
    } else {
        (span(tcp_start, tcp_end), 0.0)
    };
    Timing {
        start: e.start_time(),
        dur: e.duration(),
        response_end: res_end,
        size: e.transfer_size(),
        enc: e.encoded_body_size(),
        dec: e.decoded_body_size(),
        status: e.response_status(),
        dns: span(e.domain_lookup_start(), e.domain_lookup_end()),
        tcp,
        tls,
        wait: span(e.request_start(), res_start),
        dl: span(res_start, res_end),
    }
}

fn from_entry(rt: &Runtime, e: &Entry, url: String, initiator: String, t: &Timing) -> Option<Resource> {
    if rt.ignored_url(&url) {
        return None;
    }
    Some(Resource {
        t: epoch(t.start),
        url: rt.scrub(&url),
        initiator,
        start: nz(t.start),
        dur: nz(t.dur),
        dns: t.dns,
        tcp: t.tcp,
        tls: t.tls,
        wait: t.wait,
        dl: t.dl,
        size: nz(t.size),
        enc: nz(t.enc),
        dec: nz(t.dec),
        blocking: e.render_blocking_status().str().as_deref() == Some("blocking"),
        status: u32::try_from(crate::core::json::f64_to_u64(nz(t.status))).unwrap_or(0),
        proto: e.next_hop_protocol().str().unwrap_or_default(),
    })
}

pub fn install(rt: &Rc<Runtime>) {
    rt.add_source(rt.observe(&["resource"], &[], |rt, entries| {
        for e in &entries {
            let Some(url) = e.name().str() else { continue };
            let initiator = e.initiator_type().str().unwrap_or_default();
            let t = timing(e);
            // Failed before we started listening: the error event is gone,
            // the entry (and its status, in Chromium) remains.
            let tag = match initiator.as_str() {
                "img" => "img",
                "script" => "script",
                "link" => "link",
                "video" => "video",
                "audio" => "audio",
                _ => "",
            };
            let status = nz(t.status);
            if !tag.is_empty() && status >= 400.0 && t.response_end < rt.started && !rt.ignored_url(&url) {
                let status = u32::try_from(crate::core::json::f64_to_u64(status)).unwrap_or(0);
                super::errors::early_resource_failure(rt, tag, &url, status, epoch(t.response_end));
            }
            if let Some(r) = from_entry(rt, e, url, initiator, &t) {
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
