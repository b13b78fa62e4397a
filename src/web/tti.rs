//! Time to Interactive and Total Blocking Time, as Lighthouse and the
//! tti-polyfill define them (see `core::vitals::tti` and the README):
//! from max(FCP, DOMContentLoaded end), the first 5 s window with no long
//! task and at most two requests in flight; TTI is the end of the last long
//! task before it. TBT sums the long tasks' time beyond 50 ms between FCP
//! and TTI.
//!
//! Needs `longtask` entries (Chromium). Evaluated once a second after load
//! until the window is proven (so it is reported late: at least 5 s after
//! the page settles); never reported when the page is hidden before that.

#[allow(unused_imports)]
use crate::prelude::*;

use alloc::rc::Rc;

use crate::core::attrs::Attrs;
use crate::core::vitals::{tbt, tti, Reporter};

use super::bindings::nz;
use super::runtime::{with_sig, Runtime};
use super::util::{performance, supports, Timer};
use super::vitals::{activation_start, navigation_entry, report};

#[derive(Default)]
pub struct State {
    timer: Option<Timer>,
    done: bool,
}

fn evaluate(rt: &Runtime, st: &mut State) {
    if st.done {
        return;
    }
    let Some(nav) = navigation_entry() else { return };
    let dcl_end = nz(nav.dom_content_loaded_event_end());
    let Ok(shared) = rt.shared.try_borrow() else { return };
    let (Some(fcp), true) = (shared.fcp, dcl_end > 0.0) else { return };
    let now = performance().map_or(0.0, |p| p.now());
    let start = fcp.max(dcl_end);
    let Some(value) = tti(start, &shared.long_tasks, &shared.requests, now) else { return };
    let blocking = tbt(fcp, value, &shared.long_tasks);
    let tasks = shared.long_tasks.iter().filter(|t| t.1 > fcp && t.0 < value).count();
    drop(shared);
    st.done = true;
    st.timer = None;
    let activation = activation_start();
    // The document's first view (soft views have no TTI).
    let to = (rt.first_view.0.as_str(), rt.first_view.1.as_str());
    report(rt, &mut Reporter::default(), "TTI", (value - activation).max(0.0), true, to, || {
        let mut a = Attrs::new();
        a.n("fcp", fcp - activation).n("domContentLoaded", dcl_end - activation);
        a.n("longTasks", crate::core::json::f64_from_u64(u64::try_from(tasks).unwrap_or(0)));
        (a, vec![])
    });
    report(rt, &mut Reporter::default(), "TBT", blocking, true, to, || (Attrs::new(), vec![]));
}

pub fn install(rt: &Rc<Runtime>) {
    if !supports("longtask") {
        return; // Firefox, Safari: no long task entries, no TTI
    }
    let me = rt.me.clone();
    let timer = Timer::new(1000, true, move || {
        if let Some(rt) = me.upgrade() {
            with_sig(&rt.sig.tti, |st| evaluate(&rt, st));
        }
    });
    if let Ok(mut s) = rt.sig.tti.try_borrow_mut() {
        *s = Some(State { timer, done: false });
    }
    rt.on_hidden_hook(|rt| {
        // Hidden before it settled: a TTI measured now would be meaningless.
        with_sig(&rt.sig.tti, |st| {
            st.done = true;
            st.timer = None;
        });
    });
}
