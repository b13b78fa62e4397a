//! Time to First Byte (web-vitals `onTTFB`): `responseStart` of a trusted
//! navigation entry minus `activationStart`, reported once the page has
//! loaded (read with the navigation timing). Attribution splits it into
//! waiting, cache, DNS, connection and request time. After a bfcache
//! restore TTFB is 0.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::core::attrs::Attrs;
use crate::core::event::NavTiming;
use crate::core::vitals::{ttfb_parts, Reporter};

use super::runtime::Runtime;
use super::vitals::{navigation_entry, report};

pub fn report_restore(rt: &Runtime) {
    report_zero(rt, ("", "back-forward-cache"));
}

/// TTFB 0: after a bfcache restore, and for a soft navigation's view.
pub fn report_zero(rt: &Runtime, to: (&str, &str)) {
    report(rt, &mut Reporter::default(), "TTFB", 0.0, true, to, || {
        let mut a = Attrs::new();
        for k in ["waitingDuration", "cacheDuration", "dnsDuration", "connectionDuration", "requestDuration"] {
            a.n(k, 0.0);
        }
        (a, vec![])
    });
}

/// Called by navigation.rs when it has read the navigation entry.
pub fn report_nav(rt: &Runtime, nav: &NavTiming) {
    if navigation_entry().is_none() {
        return;
    }
    let value = (nav.response_start - nav.activation_start).max(0.0);
    report(rt, &mut Reporter::default(), "TTFB", value, true, (&rt.first_view.0, &rt.first_view.1), || {
        let p = ttfb_parts(nav, value);
        let mut a = Attrs::new();
        a.n("waitingDuration", p.waiting)
            .n("cacheDuration", p.cache)
            .n("dnsDuration", p.dns)
            .n("connectionDuration", p.connection)
            .n("requestDuration", p.request);
        (a, vec![])
    });
}
