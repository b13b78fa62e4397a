//! Cumulative Layout Shift (web-vitals `onCLS`): layout shifts without
//! recent input, grouped into session windows (< 1 s apart, < 5 s long); the
//! value is the largest window. Reported when the page is hidden (queued
//! entries read first), and only once FCP was reported, as CrUX does.
//! Attribution: the largest shift's largest source (an element where there
//! is one), its time and value, taken when the shift arrived.

#[allow(unused_imports)]
use crate::prelude::*;

use alloc::rc::Rc;

use wasm_bindgen::JsCast;

use crate::core::attrs::Attrs;
use crate::core::vitals::{Cls, Shift};

use super::bindings::{Entry, Loose};
use super::runtime::{with_sig, Runtime};
use super::util::PerfObserver;
use super::vitals::{load_state, report, selector};

#[derive(Default)]
pub struct State {
    cls: Cls,
    observer: Option<PerfObserver>,
    /// The page view (id, navigation type) the value belongs to.
    view: (String, String),
}

/// web-vitals `getLargestLayoutShiftSource`: the first source whose node is
/// an element, else the first source.
fn largest_source_target(e: &Entry) -> String {
    let Some(sources) = e.sources() else { return String::new() };
    let element = sources.iter().find(|s| {
        let node = s.unchecked_ref::<Entry>().node();
        node.is_object() && node.unchecked_ref::<Loose>().node_type() == 1.0
    });
    let source = element.unwrap_or_else(|| sources.get(0));
    if !source.is_object() {
        return String::new();
    }
    let node = source.unchecked_ref::<Entry>().node();
    if node.is_object() {
        selector(&node)
    } else {
        String::new()
    }
}

fn process(rt: &Runtime, st: &mut State, entries: &[Entry]) {
    for e in entries {
        if rt.soft_navs && super::soft::is(e) {
            // web-vitals `handleSoftNavEntry`: the previous view's CLS is
            // final; the next starts with fresh session windows.
            st.cls.update();
            send(rt, st, true);
            let sn = super::soft::read(e);
            st.view = (rt.soft_view(&sn), "soft-navigation".into());
            st.cls.reset();
            continue;
        }
        let recent_input = e.had_recent_input();
        // The selector is only worth computing for shifts that count.
        let target = if recent_input || !super::vitals::ATTRIBUTION { String::new() } else { largest_source_target(e) };
        st.cls.on_entry(Shift { start_time: e.start_time(), value: e.value(), target }, recent_input);
    }
    st.cls.update();
}

fn attribution(cls: &Cls) -> Attrs {
    let mut a = Attrs::new();
    if let Some(s) = cls.largest() {
        if !s.target.is_empty() {
            a.s("largestShiftTarget", &s.target);
        }
        a.n("largestShiftTime", s.start_time).n("largestShiftValue", s.value).s("loadState", load_state(s.start_time));
    }
    a
}

fn send(rt: &Runtime, st: &mut State, force: bool) {
    // CrUX (and web-vitals) only report CLS for page views that had an FCP.
    if rt.shared.try_borrow().map(|s| s.fcp.is_none()).unwrap_or(true) && st.view.1 != "back-forward-cache" {
        return;
    }
    let value = st.cls.value;
    let cls = &mut st.cls;
    let attr = if super::vitals::ATTRIBUTION { attribution(cls) } else { Attrs::new() };
    report(rt, &mut cls.reporter, "CLS", value, force, (&st.view.0, &st.view.1), || (attr, vec![]));
}

pub fn install(rt: &Rc<Runtime>) {
    let kinds: &[&str] = if rt.soft_navs { &["layout-shift", super::soft::KIND] } else { &["layout-shift"] };
    let observer = rt.observe(kinds, &[], |rt, entries| {
        with_sig(&rt.sig.cls, |st| {
            process(rt, st, &entries);
            if rt.cfg.report_all_changes {
                send(rt, st, false);
            }
        });
    });
    // Firefox and Safari have no layout-shift entries: no CLS, no error.
    let Some(observer) = observer else { return };
    if let Ok(mut s) = rt.sig.cls.try_borrow_mut() {
        *s = Some(State { view: rt.first_view.clone(), observer: Some(observer), ..Default::default() });
    }
    rt.on_hidden_hook(|rt| {
        with_sig(&rt.sig.cls, |st| {
            let queued = st.observer.as_ref().map(PerfObserver::take_records).unwrap_or_default();
            process(rt, st, &queued);
            send(rt, st, true);
        });
    });
    rt.on_restore_hook(|rt, _| {
        let view = rt.view();
        with_sig(&rt.sig.cls, |st| {
            st.cls.reset();
            st.view = view;
        });
    });
}
