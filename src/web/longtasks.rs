//! Long tasks (`longtask`, every browser task over 50 ms) and long animation
//! frames (`long-animation-frame`, Chromium: frames over 50 ms with the
//! scripts that ran in them): count, total and longest per page view,
//! reported when the page is hidden. The intervals feed TTI/TBT; recent
//! frames feed INP's attribution.

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::Str as _;

use alloc::rc::Rc;

use wasm_bindgen::JsCast;

use crate::core::event::{Event, LoafScript, LongTasks};

use super::bindings::{nz, Entry};
use super::runtime::{with_sig, Runtime, MAX_SHARED_INTERVALS};
use super::util::{now, PerfObserver};

/// A script that ran in a long animation frame.
#[derive(Debug, Clone, Default)]
pub struct ScriptTiming {
    pub start: f64,
    pub dur: f64,
    pub url: String,
    pub function: String,
    pub invoker: String,
}

#[derive(Debug, Clone, Default)]
pub struct Loaf {
    pub start: f64,
    pub duration: f64,
    pub scripts: Vec<ScriptTiming>,
}

/// Frames kept for INP attribution, scripts per frame, scripts per report.
const RECENT_LOAFS: usize = 20;
const SCRIPTS_PER_FRAME: usize = 10;
const TOP_SCRIPTS: usize = 5;

#[derive(Default)]
struct Totals {
    agg: LongTasks,
    reported_count: u32,
}

impl Totals {
    fn add(&mut self, dur: f64) {
        self.agg.count = self.agg.count.saturating_add(1);
        self.agg.total += dur;
        self.agg.max = self.agg.max.max(dur);
    }

    /// Keeps the `TOP_SCRIPTS` longest scripts of the page view.
    fn add_script(&mut self, s: LoafScript) {
        if self.agg.scripts.len() < TOP_SCRIPTS {
            self.agg.scripts.push(s);
            return;
        }
        let shortest = (0..self.agg.scripts.len()).min_by(|a, b| {
            let d = |i: &usize| self.agg.scripts.get(*i).map_or(0.0, |s| s.dur);
            d(a).total_cmp(&d(b))
        });
        if let Some(slot) = shortest.and_then(|i| self.agg.scripts.get_mut(i)) {
            if s.dur > slot.dur {
                *slot = s;
            }
        }
    }

    fn report(&mut self, rt: &Runtime, src: &str) {
        if self.agg.count == self.reported_count {
            return;
        }
        self.reported_count = self.agg.count;
        let mut ev = self.agg.clone();
        ev.t = now();
        ev.src = src.to_string();
        rt.push(Event::LongTasks(ev));
    }
}

#[derive(Default)]
pub struct State {
    tasks: Totals,
    frames: Totals,
    _observers: Vec<PerfObserver>,
}

fn on_longtasks(rt: &Runtime, st: &mut State, entries: &[Entry]) {
    let mut shared = rt.shared.try_borrow_mut().ok();
    for e in entries {
        let (start, dur) = (e.start_time(), nz(e.duration()));
        st.tasks.add(dur);
        if let Some(sh) = shared.as_mut() {
            if sh.long_tasks.len() < MAX_SHARED_INTERVALS {
                sh.long_tasks.push((start, start + dur));
            }
        }
    }
}

fn on_loafs(rt: &Runtime, st: &mut State, entries: &[Entry]) {
    let mut shared = rt.shared.try_borrow_mut().ok();
    for e in entries {
        let dur = nz(e.duration());
        st.frames.add(dur);
        let scripts: Vec<ScriptTiming> = if !super::vitals::LOAF_SCRIPTS {
            Vec::new()
        } else {
            e.scripts()
                .map(|arr| {
                    arr.iter()
                        .take(SCRIPTS_PER_FRAME)
                        .map(|s| {
                            let s: Entry = s.unchecked_into();
                            ScriptTiming {
                                start: s.start_time(),
                                dur: nz(s.duration()),
                                url: rt.scrub(&s.source_url().str().unwrap_or_default()),
                                function: s.source_function_name().str().unwrap_or_default(),
                                invoker: s.invoker().str().unwrap_or_default(),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        for s in &scripts {
            st.frames.add_script(LoafScript {
                url: s.url.clone(),
                function: s.function.clone(),
                invoker: s.invoker.clone(),
                dur: s.dur,
            });
        }
        if let Some(sh) = shared.as_mut() {
            if sh.loafs.len() >= RECENT_LOAFS {
                sh.loafs.remove(0);
            }
            sh.loafs.push(Loaf { start: e.start_time(), duration: dur, scripts });
        }
    }
}

pub fn install(rt: &Rc<Runtime>) {
    let mut observers = Vec::new();
    observers.extend(rt.observe(&["longtask"], &[], |rt, entries| {
        with_sig(&rt.sig.long, |st| on_longtasks(rt, st, &entries));
    }));
    observers.extend(rt.observe(&["long-animation-frame"], &[], |rt, entries| {
        with_sig(&rt.sig.long, |st| on_loafs(rt, st, &entries));
    }));
    if observers.is_empty() {
        return;
    }
    if let Ok(mut s) = rt.sig.long.try_borrow_mut() {
        *s = Some(State { _observers: observers, ..Default::default() });
    }
    rt.on_hidden_hook(|rt| {
        with_sig(&rt.sig.long, |st| {
            st.tasks.report(rt, "longtask");
            st.frames.report(rt, "loaf");
        });
    });
    rt.on_restore_hook(|rt, _| {
        with_sig(&rt.sig.long, |st| {
            st.tasks = Totals::default();
            st.frames = Totals::default();
        });
    });
}
