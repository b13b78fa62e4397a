//! Largest Contentful Paint (web-vitals `onLCP`).
//!
//! - Only the last entry of each observer callback counts (the browser
//!   delivers candidates in increasing size); relative to activation.
//! - A candidate painted after the page was first hidden is ignored; a page
//!   hidden before its first paint reports no LCP.
//! - The first trusted keydown or click (the browser stops LCP on input) or
//!   the page being hidden finalizes it: the observer is disconnected and the
//!   value reported. The finalization runs in a task of its own so it adds
//!   nothing to the interaction's INP (web-vitals #383).
//! - The element's selector is taken when the entry arrives, so an element
//!   removed later keeps its value and its attribution.
//! - After a bfcache restore: the time to the restored page's next frame.

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::Str as _;

use alloc::rc::Rc;

use wasm_bindgen::JsCast;

use crate::core::attrs::Attrs;
use crate::core::vitals::{lcp_parts, Lcp, LcpEntry, Reporter};

use super::bindings::{nz, Entry, Loose};
use super::runtime::{with_sig, Runtime};
use super::util::{performance, Listener, PerfObserver};
use super::vitals::{
    activation_start, attr_url, double_raf, navigation_entry, report, selector, when_activated, when_idle_rt,
};

#[derive(Default)]
pub struct State {
    lcp: Lcp,
    /// The page view (id, navigation type) the value belongs to.
    view: (String, String),
    /// Bumped when a new measurement starts (web-vitals' `metric.id`): an
    /// input's finalization waiting for idle applies to its own.
    generation: u32,
    observer: Option<PerfObserver>,
    finalizers: Vec<Listener>,
}

fn lcp_entry(e: &Entry) -> LcpEntry {
    let el = e.element();
    let target = if el.is_object() {
        selector(&el)
    } else {
        e.id().str().filter(|id| !id.is_empty()).map(|id| ["#", &id].concat()).unwrap_or_default()
    };
    LcpEntry { start_time: e.start_time(), url: e.url().str().unwrap_or_default(), target }
}

/// web-vitals `handleSoftNavEntry`: the previous view's LCP is final (if
/// input did not already make it so), the new view starts with the largest
/// paint of its interaction so far.
fn soft_navigation(rt: &Runtime, st: &mut State, e: &Entry) {
    if !st.lcp.finalized {
        send(rt, st, true);
    }
    let sn = super::soft::read(e);
    st.view = (rt.soft_view(&sn), "soft-navigation".into());
    st.lcp = Lcp::soft(&sn);
    st.generation = st.generation.wrapping_add(1);
    // A soft navigation resets web-vitals' visibility watcher.
    rt.first_hidden.set(f64::INFINITY);
    if let Some(icp) = super::soft::largest(e) {
        st.lcp.on_icp(super::soft::icp(&icp, lcp_entry), rt.first_hidden.get());
    }
}

fn attribution(rt: &Runtime, lcp: &Lcp) -> Attrs {
    let mut a = Attrs::new();
    let Some(e) = &lcp.entry else {
        a.n("timeToFirstByte", 0.0).n("resourceLoadDelay", 0.0).n("resourceLoadDuration", 0.0);
        a.n("elementRenderDelay", lcp.value);
        return a;
    };
    // The resource of the LCP element: the last entry for its URL that
    // started before the paint (web-vitals `findLast(isLCPResource)`).
    let res = if e.url.is_empty() {
        None
    } else {
        performance().and_then(|p| {
            p.get_entries_by_type("resource").iter().rev().find_map(|r| {
                let r: Entry = r.unchecked_into();
                let start = if r.request_start() > 0.0 { r.request_start() } else { r.start_time() };
                (r.name().str().as_deref() == Some(e.url.as_str()) && start <= e.start_time)
                    .then(|| (start, nz(r.response_end())))
            })
        })
    };
    let p = if let Some((_, nav_start)) = lcp.soft {
        // A soft view: no first byte, times from the navigation's start.
        lcp_parts(lcp.value, 0.0, nav_start, res)
    } else if let Some(nav) = navigation_entry() {
        lcp_parts(lcp.value, nav.response_start(), activation_start(), res)
    } else {
        crate::core::vitals::LcpParts { render_delay: lcp.value, ..Default::default() }
    };
    if !e.target.is_empty() {
        a.s("target", &e.target);
    }
    if !e.url.is_empty() {
        a.s("url", &attr_url(rt, &e.url));
    }
    a.n("timeToFirstByte", p.ttfb)
        .n("resourceLoadDelay", p.load_delay)
        .n("resourceLoadDuration", p.load_duration)
        .n("elementRenderDelay", p.render_delay);
    a
}

/// `generation`: the measurement the input belonged to (None: now).
fn changed_value(rt: &Runtime, st: &mut State, all: bool) {
    if st.lcp.soft.is_none() {
        if let Ok(mut sh) = rt.shared.try_borrow_mut() {
            sh.lcp = Some(st.lcp.value);
        }
    }
    if all {
        send(rt, st, false);
    }
}

fn finalize(rt: &Runtime, generation: Option<u32>) {
    with_sig(&rt.sig.lcp, |st| {
        if st.lcp.finalized || generation.is_some_and(|g| g != st.generation) {
            return;
        }
        st.lcp.finalized = true;
        if !rt.soft_navs {
            // Nothing more to measure (with soft navigations, the next view's).
            st.observer = None;
            st.finalizers.clear();
        }
        send(rt, st, true);
    });
}

fn send(rt: &Runtime, st: &mut State, force: bool) {
    let lcp = &mut st.lcp;
    let mut reporter = core::mem::take(&mut lcp.reporter);
    report(rt, &mut reporter, "LCP", lcp.value, force, (&st.view.0, &st.view.1), || (attribution(rt, lcp), vec![]));
    lcp.reporter = reporter;
}

pub fn install(rt: &Rc<Runtime>) {
    when_activated(rt, start);
}

fn start(rt: &Runtime) {
    let kinds: &[&str] = if rt.soft_navs {
        &["largest-contentful-paint", "interaction-contentful-paint", super::soft::KIND]
    } else {
        &["largest-contentful-paint"]
    };
    let observer = rt.observe(kinds, &[], |rt, entries| {
        with_sig(&rt.sig.lcp, |st| on_entries(rt, st, &entries));
    });
    let Some(observer) = observer else { return };
    let mut finalizers = Vec::new();
    if let Some(w) = super::util::window() {
        for kind in ["keydown", "click"] {
            let me = rt.me.clone();
            finalizers.extend(Listener::new(w, kind, true, move |ev| {
                if !ev.unchecked_ref::<Loose>().is_trusted() {
                    return;
                }
                // In a task of its own, so it adds nothing to this input's INP.
                let Some(rt) = me.upgrade() else { return };
                let generation = rt.sig.lcp.try_borrow().ok().and_then(|s| s.as_ref().map(|s| s.generation));
                when_idle_rt(&rt, generation, finalize);
            }));
        }
    }
    if let Ok(mut s) = rt.sig.lcp.try_borrow_mut() {
        *s = Some(State {
            lcp: Lcp::new(),
            view: rt.first_view.clone(),
            observer: Some(observer),
            finalizers,
            ..Default::default()
        });
    }
    rt.on_hidden_hook(|rt| finalize(rt, None));
    rt.on_restore_hook(|rt, restored_at| {
        let view = rt.view();
        with_sig(&rt.sig.lcp, |st| {
            st.lcp = Lcp::new();
            st.lcp.finalized = true; // no new entries after a restore: the frame time is the value
            st.view = view;
            st.generation = st.generation.wrapping_add(1);
        });
        double_raf(rt, restored_at, |rt, restored_at, now| {
            with_sig(&rt.sig.lcp, |st| {
                st.lcp.value = now - restored_at;
                st.lcp.reporter = Reporter::default();
                let value = st.lcp.value;
                let view = st.view.0.clone();
                report(rt, &mut st.lcp.reporter, "LCP", value, true, (&view, "back-forward-cache"), || {
                    let mut a = Attrs::new();
                    a.n("elementRenderDelay", value);
                    (a, vec![])
                });
            });
        });
    });
}

/// One delivery of the observer.
fn on_entries(rt: &Runtime, st: &mut State, entries: &[Entry]) {
    let all = rt.cfg.report_all_changes;
    if rt.soft_navs {
        // web-vitals with `reportSoftNavs`: every entry, in order.
        for e in entries {
            let changed = match e.entry_type().str().as_deref() {
                Some(super::soft::KIND) => {
                    soft_navigation(rt, st, e);
                    true
                }
                Some("interaction-contentful-paint") => {
                    st.lcp.on_icp(super::soft::icp(e, lcp_entry), rt.first_hidden.get())
                }
                _ => st.lcp.on_entries(vec![lcp_entry(e)], activation_start(), rt.first_hidden.get(), true),
            };
            if changed {
                changed_value(rt, st, all);
            }
        }
        return;
    }
    // Selectors only for the entries that can count.
    let skip = if all { 0 } else { entries.len().saturating_sub(1) };
    let batch = entries.iter().skip(skip).map(lcp_entry).collect();
    if st.lcp.on_entries(batch, activation_start(), rt.first_hidden.get(), all) {
        changed_value(rt, st, all);
    }
}
