//! First Contentful Paint (web-vitals `onFCP`): the `first-contentful-paint`
//! paint entry, relative to activation for prerendered pages, not reported
//! when the page was hidden before it. After a bfcache restore: the time to
//! the restored page's next frame.

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::Str as _;

use alloc::rc::Rc;

use crate::core::attrs::Attrs;
use crate::core::vitals::Reporter;

use super::runtime::Runtime;
use super::vitals::{activation_start, double_raf, load_state, navigation_entry, report};

fn attribution(value: f64, start_time: f64) -> Attrs {
    let mut a = Attrs::new();
    let ttfb = navigation_entry().map_or(0.0, |e| (e.response_start() - activation_start()).max(0.0));
    a.n("timeToFirstByte", ttfb).n("firstByteToFCP", value - ttfb).s("loadState", load_state(start_time));
    a
}

/// FCP's attribution where the first byte is at 0 (bfcache, soft views).
fn zero_ttfb_attribution(value: f64) -> Attrs {
    let mut a = Attrs::new();
    a.n("timeToFirstByte", 0.0).n("firstByteToFCP", value).s("loadState", "complete");
    a
}

pub fn install(rt: &Rc<Runtime>) {
    let obs = rt.observe(&["paint"], &[], |rt, entries| {
        for e in entries {
            if e.name().str().as_deref() != Some("first-contentful-paint") || e.start_time() >= rt.first_hidden.get() {
                continue;
            }
            let value = (e.start_time() - activation_start()).max(0.0);
            if let Ok(mut shared) = rt.shared.try_borrow_mut() {
                shared.fcp = Some(e.start_time());
            }
            if let Ok(mut rep) = rt.sig.fcp.try_borrow_mut() {
                let to = (rt.first_view.0.as_str(), rt.first_view.1.as_str());
                report(rt, &mut rep, "FCP", value, true, to, || (attribution(value, e.start_time()), vec![]));
            }
        }
    });
    if obs.is_none() {
        return;
    }
    rt.add_source(obs);
    rt.on_restore_hook(|rt, restored_at| {
        double_raf(rt, restored_at, |rt, restored_at, now| {
            let Ok(mut rep) = rt.sig.fcp.try_borrow_mut() else { return };
            *rep = Reporter::default();
            report(rt, &mut rep, "FCP", now - restored_at, true, ("", "back-forward-cache"), || {
                (zero_ttfb_attribution(now - restored_at), vec![])
            });
        });
    });
    if rt.soft_navs {
        rt.add_source(rt.observe(&[super::soft::KIND], &[], soft_fcp_and_ttfb));
    }
}

/// web-vitals `onFCP` and `onTTFB` with `reportSoftNavs`: each soft
/// navigation's view gets its first paint after the navigation as FCP and a
/// TTFB of 0 (the latter only where the document's TTFB is known).
fn soft_fcp_and_ttfb(rt: &Runtime, entries: Vec<super::bindings::Entry>) {
    for e in entries {
        let sn = super::soft::read(&e);
        let view = rt.soft_view(&sn);
        let to = (view.as_str(), "soft-navigation");
        let value = sn.fcp();
        report(rt, &mut Reporter::default(), "FCP", value, true, to, || (zero_ttfb_attribution(value), vec![]));
        if sn.navigation_id != 0 && navigation_entry().is_some() {
            super::ttfb::report_zero(rt, to);
        }
    }
}
