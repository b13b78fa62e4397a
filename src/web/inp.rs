//! Interaction to Next Paint (web-vitals `onINP`).
//!
//! Event Timing entries (`event` with a 40 ms duration threshold, plus
//! `first-input`) are grouped by `interactionId`; the value is the longest
//! interaction, skipping one per 50 interactions (a p98 estimate over the
//! 10 longest kept). The interaction count is `performance.interactionCount`
//! where the browser has it, else estimated from interaction ids as
//! web-vitals does. Reported when the page is hidden (entries waiting for
//! their idle callback and queued ones processed first: see the hide hook);
//! nothing when there was no interaction. After a bfcache restore a
//! new period starts (8 ms if there were interactions but none long enough).
//!
//! Attribution: the target's selector, the interaction type, input delay,
//! processing duration and presentation delay (from the frame the events
//! were presented in), and the scripts of the long animation frames that
//! overlapped it.

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::Str as _;

use alloc::rc::Rc;
use wasm_bindgen::JsCast;

use crate::core::attrs::Attrs;
use crate::core::event::LoafScript;
use crate::core::json::f64_to_u64;
use crate::core::vitals::{buffered_order, count_at, inp_parts, EventEntry, Inp, InteractionCount};

use super::bindings::{nz, Entry, Loose};
use super::runtime::{with_sig, Runtime};
use super::util::{get, performance, PerfObserver};
use super::vitals::{attr_url, load_state, report, selector, when_activated, when_idle_rt};

#[derive(Default)]
pub struct State {
    inp: Inp,
    /// Entries delivered but not processed yet: like web-vitals, processing
    /// waits for an idle period, off the interaction's own frame.
    pending: Vec<Entry>,
    count: InteractionCount,
    observers: Vec<PerfObserver>,
    _count_observer: Option<PerfObserver>,
    /// The page view (id, navigation type) the value belongs to.
    view: (String, String),
    /// The largest interaction id seen.
    latest_id: u64,
}

const MAX_SCRIPTS: usize = 5;

/// `performance.interactionCount`, or the estimate from interaction ids.
fn interaction_count(st: &State) -> f64 {
    let native = performance().and_then(|p| p.unchecked_ref::<Loose>().interaction_count().as_f64());
    native.unwrap_or_else(|| st.count.estimate())
}

fn supported() -> bool {
    let pet = get(&super::util::global(), "PerformanceEventTiming");
    let proto = get(&pet, "prototype");
    proto.is_object() && js_sys::Reflect::has(&proto, &"interactionId".into()).unwrap_or(false)
}

fn process(rt: &Runtime, st: &mut State, entries: &[Entry]) {
    // Each field crosses into JS once: this runs for every input event.
    // In delivery order: the observer sorts each delivery by end time, as
    // web-vitals' does (queued records read at hide are not sorted, there
    // either).
    let read: Vec<(&Entry, f64, f64, u64, bool)> = entries
        .iter()
        .map(|e| {
            (e, e.start_time(), e.duration(), f64_to_u64(nz(e.interaction_id())), rt.soft_navs && super::soft::is(e))
        })
        .collect();
    st.latest_id = read.iter().fold(st.latest_id, |m, r| m.max(r.3));
    // Soft navigations from before the agent started: see `buffered_order`.
    let buffered: Vec<(bool, u64)> = read.iter().map(|r| (r.4 && r.1 < rt.started, r.3)).collect();
    let order = if buffered.iter().any(|b| b.0) { buffered_order(&buffered) } else { (0..read.len()).collect() };
    for i in order {
        let Some(&(e, start, dur, id, is_soft)) = read.get(i) else { continue };
        if is_soft {
            // web-vitals `handleSoftNavEntry`: the previous view's INP is
            // final; the next counts only the interactions after this.
            let sn = super::soft::read(e);
            let count = count_at(interaction_count(st), st.latest_id, sn.interaction_id);
            st.inp.update(count, &st.view.1);
            send(rt, st, true);
            st.view = (rt.soft_view(&sn), "soft-navigation".into());
            st.inp.reset(count);
            continue;
        }
        st.count.on_id(id);
        st.inp.on_entry(EventEntry {
            name: e.name().str().unwrap_or_default(),
            start_time: start,
            duration: dur,
            processing_start: e.processing_start(),
            processing_end: e.processing_end(),
            interaction_id: id,
            target: String::new(),
        });
        // web-vitals `saveInteractionTarget`: the first of the interaction's
        // own entries that has a target (or a targetSelector) names it; the
        // selector is computed only for candidates. Only attribution reports
        // it (the `attribution` build).
        if super::vitals::ATTRIBUTION && id != 0 {
            if let Some(i) = st.inp.list.iter_mut().find(|i| i.id == id && i.target.is_empty()) {
                if i.entries.iter().any(|x| x.start_time == start && x.duration == dur) {
                    let node = e.event_target();
                    i.target =
                        if node.is_object() { selector(&node) } else { e.target_selector().str().unwrap_or_default() };
                }
            }
        }
    }
}

fn attribution(rt: &Runtime, st: &State) -> (Attrs, Vec<LoafScript>) {
    let mut a = Attrs::new();
    let Some(i) = st.inp.current_interaction() else {
        a.n("inputDelay", 0.0).n("processingDuration", 0.0).n("presentationDelay", st.inp.value);
        return (a, Vec::new());
    };
    let Some(p) = st.inp.group(i.group).and_then(|g| inp_parts(i, g)) else { return (a, Vec::new()) };
    if !i.target.is_empty() {
        a.s("interactionTarget", &i.target);
    }
    let kind = if i.entries.first().is_some_and(|e| e.name.starts_with("key")) { "keyboard" } else { "pointer" };
    a.s("interactionType", kind)
        .n("interactionTime", p.interaction_time)
        .n("nextPaintTime", p.next_paint)
        .n("inputDelay", p.input_delay)
        .n("processingDuration", p.processing)
        .n("presentationDelay", p.presentation_delay)
        .s("loadState", load_state(p.interaction_time));
    // Scripts of the long animation frames between the input and the end of
    // processing, that ran (at least partly) after the input.
    let processing_end = p.interaction_time + p.input_delay + p.processing;
    let mut scripts: Vec<LoafScript> = Vec::new();
    if let Ok(shared) = rt.shared.try_borrow() {
        for loaf in &shared.loafs {
            if loaf.start + loaf.duration < p.interaction_time || loaf.start > processing_end {
                continue;
            }
            for s in &loaf.scripts {
                if s.start + s.dur >= p.interaction_time {
                    scripts.push(LoafScript {
                        url: attr_url(rt, &s.url),
                        function: s.function.clone(),
                        invoker: s.invoker.clone(),
                        dur: s.dur,
                    });
                }
            }
        }
    }
    // Longest first, a few (selection: lists are short).
    let mut top = Vec::new();
    while top.len() < MAX_SCRIPTS && !scripts.is_empty() {
        let longest = (0..scripts.len())
            .max_by(|a, b| {
                let d = |i: &usize| scripts.get(*i).map_or(0.0, |s| s.dur);
                d(a).total_cmp(&d(b))
            })
            .unwrap_or(0);
        top.push(scripts.swap_remove(longest));
    }
    (a, top)
}

fn process_pending(rt: &Runtime, st: &mut State) {
    let pending = core::mem::take(&mut st.pending);
    process(rt, st, &pending);
    let count = interaction_count(st);
    if st.inp.update(count, &st.view.1) && rt.cfg.report_all_changes {
        send(rt, st, false);
    }
}

fn send(rt: &Runtime, st: &mut State, force: bool) {
    let value = st.inp.value;
    let mut reporter = core::mem::take(&mut st.inp.reporter);
    let view = st.view.clone();
    report(rt, &mut reporter, "INP", value, force, (&view.0, &view.1), || attribution(rt, st));
    st.inp.reporter = reporter;
}

pub fn install(rt: &Rc<Runtime>) {
    if !supported() {
        return; // Safari, Firefox < 144: no Event Timing interactions, no INP
    }
    when_activated(rt, start);
}

fn start(rt: &Runtime) {
    let mut observers = Vec::new();
    // One observer for every type, as web-vitals' (the `durationThreshold`
    // applies to `event` entries only): each delivery is one batch in
    // end-time order, soft navigations in it where they happened.
    let kinds: &[&str] =
        if rt.soft_navs { &["event", "first-input", super::soft::KIND] } else { &["event", "first-input"] };
    let extra: &[(&str, f64)] = &[("durationThreshold", 40.0)];
    observers.extend(rt.observe(kinds, extra, |rt, entries| {
        with_sig(&rt.sig.inp, |st| {
            let first = st.pending.is_empty();
            st.pending.extend(entries);
            if !first {
                return; // an idle callback is already waiting
            }
            // Asked with the state in use: in a hidden page (`f` runs at
            // once) the entries wait for the hide hook, as they always have.
            when_idle_rt(rt, None, |rt, _| {
                with_sig(&rt.sig.inp, |st| process_pending(rt, st));
            });
        });
    }));
    // Where `performance.interactionCount` is missing, every interaction's id
    // is needed for the count, not only the slow ones.
    let native = performance().is_some_and(|p| js_sys::Reflect::has(p, &"interactionCount".into()).unwrap_or(false));
    let count_observer = if native {
        None
    } else {
        rt.observe(&["event"], &[("durationThreshold", 0.0)], |rt, entries| {
            with_sig(&rt.sig.inp, |st| {
                for e in &entries {
                    st.count.on_id(f64_to_u64(nz(e.interaction_id())));
                }
            });
        })
    };
    if let Ok(mut s) = rt.sig.inp.try_borrow_mut() {
        *s = Some(State {
            inp: Inp::new(),
            view: rt.first_view.clone(),
            observers,
            _count_observer: count_observer,
            ..Default::default()
        });
    }
    rt.on_hidden_hook(|rt| {
        with_sig(&rt.sig.inp, |st| {
            // Everything the page saw counts before the report: first the entries
            // delivered but still waiting for their idle callback, then the queued
            // records. web-vitals reports before processing the waiting ones (its
            // per-delivery `visibilitychange` listeners run after its reporter's),
            // so an interaction delivered shortly before the page is hidden is
            // missing from its value; where no idle period comes (headless
            // Chromium runs such callbacks only on their 1 s timeout) that is every
            // interaction of the last second, and a route's INP falls back to 8 ms.
            let mut entries = core::mem::take(&mut st.pending);
            entries.extend(st.observers.iter().flat_map(PerfObserver::take_records));
            process(rt, st, &entries);
            let count = interaction_count(st);
            let nav = st.view.1.clone();
            st.inp.update(count, &nav);
            send(rt, st, true);
        });
    });
    rt.on_restore_hook(|rt, _| {
        let view = rt.view();
        with_sig(&rt.sig.inp, |st| {
            let count = interaction_count(st);
            st.inp.reset(count);
            st.view = view;
        });
    });
}
