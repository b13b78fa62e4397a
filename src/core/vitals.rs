//! Web Vitals decision logic, with web-vitals v6 semantics (the browser edge
//! feeds entries in; everything that decides a value lives here, host-tested).
//!
//! Each piece names the web-vitals source it mirrors so a reviewer can diff
//! behaviour: `bindReporter`, `LayoutShiftManager`, `InteractionManager`,
//! the LCP/INP/TTFB attribution breakdowns, `getLoadState`. TTI and TBT follow
//! Lighthouse's definitions (web-vitals has neither).

#[allow(unused_imports)]
use crate::prelude::*;

/// `bindReporter`: decides when a metric is reported and with which delta.
#[derive(Debug, Default, Clone)]
pub struct Reporter {
    prev: Option<f64>,
}

impl Reporter {
    /// Some(delta) when the metric must be reported now: a value ≥ 0, forced
    /// (final) or `reportAllChanges`, and either changed or never reported
    /// (a 0 must still be reported once: web-vitals issue #14).
    pub fn report(&mut self, value: f64, force: bool, all_changes: bool) -> Option<f64> {
        if value < 0.0 || !(force || all_changes) {
            return None;
        }
        let delta = value - self.prev.unwrap_or(0.0);
        if delta != 0.0 || self.prev.is_none() {
            self.prev = Some(value);
            Some(delta)
        } else {
            None
        }
    }
}

/// `getLoadState`: where the page was in its load when `t` happened.
pub fn load_state(
    t: f64,
    ready_state_loading: bool,
    dom_interactive: f64,
    dcl_start: f64,
    dom_complete: f64,
) -> &'static str {
    if ready_state_loading || t < dom_interactive {
        "loading"
    } else if dcl_start == 0.0 || t < dcl_start {
        "dom-interactive"
    } else if dom_complete == 0.0 || t < dom_complete {
        "dom-content-loaded"
    } else {
        "complete"
    }
}

// ---------------------------------------------------------------- LCP

/// `largest-contentful-paint` entry, reduced to what LCP and its attribution need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LcpEntry {
    pub start_time: f64,
    pub url: String,
    /// Selector of the element, computed when the entry arrived (the element
    /// may be removed from the DOM later; its LCP value stays).
    pub target: String,
}

#[derive(Debug, Default)]
pub struct Lcp {
    /// -1 until a candidate is seen (web-vitals' initial value).
    pub value: f64,
    pub entry: Option<LcpEntry>,
    pub finalized: bool,
    pub reporter: Reporter,
    /// A soft navigation's view: the interaction that started it (only its
    /// `interaction-contentful-paint` entries count) and its start time.
    pub soft: Option<(u64, f64)>,
}

impl Lcp {
    pub fn new() -> Self {
        Lcp { value: -1.0, ..Default::default() }
    }

    /// The LCP of the view a soft navigation starts (web-vitals
    /// `initNewLCPMetric('soft-navigation', …)`).
    pub fn soft(nav: &SoftNav) -> Self {
        Lcp { value: -1.0, soft: Some((nav.interaction_id, nav.start_time)), ..Default::default() }
    }

    /// An `interaction-contentful-paint` entry (or the soft navigation's
    /// largest one): counts only for a soft view, and only when it belongs to
    /// the interaction that started it; the value is its largest paint's
    /// render time minus the entry's start, never below 0. Ignored once the
    /// view's LCP is final (web-vitals no longer reports it). Returns true
    /// when the value changed.
    pub fn on_icp(&mut self, e: IcpEntry, first_hidden: f64) -> bool {
        match self.soft {
            Some((id, _)) if id == e.interaction_id && !self.finalized => {}
            _ => return false,
        }
        if e.render_time >= first_hidden {
            return false;
        }
        self.value = (e.render_time - e.start_time).max(0.0);
        self.entry = e.lcp;
        true
    }

    /// A batch of entries from one observer callback. Without
    /// `reportAllChanges` only the last one counts (web-vitals `slice(-1)`);
    /// an entry painted after the page was first hidden is ignored.
    /// Returns true when the value changed.
    pub fn on_entries(
        &mut self,
        mut batch: Vec<LcpEntry>,
        activation_start: f64,
        first_hidden: f64,
        all: bool,
    ) -> bool {
        if self.finalized {
            return false;
        }
        if !all && batch.len() > 1 {
            batch.drain(..batch.len() - 1);
        }
        let mut changed = false;
        for e in batch {
            if e.start_time < first_hidden {
                self.value = (e.start_time - activation_start).max(0.0);
                self.entry = Some(e);
                changed = true;
            }
        }
        changed
    }
}

// ---------------------------------------------------------------- soft navigations

/// A `soft-navigation` entry (the Soft Navigation API, Chromium 151+),
/// reduced to what web-vitals' `reportSoftNavs` reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SoftNav {
    pub navigation_id: u64,
    pub interaction_id: u64,
    pub start_time: f64,
    /// `startTime + duration`: where it sorts among other entries.
    pub end: f64,
    /// `presentationTime || paintTime || 0`.
    pub paint: f64,
    pub url: String,
}

impl SoftNav {
    /// FCP of the soft view (web-vitals `onFCP` with `reportSoftNavs`): its
    /// first paint after the navigation's start, never below 0.
    pub fn fcp(&self) -> f64 {
        (self.paint - self.start_time).max(0.0)
    }
}

/// An `interaction-contentful-paint` entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IcpEntry {
    pub interaction_id: u64,
    pub start_time: f64,
    /// Its `largestContentfulPaint.renderTime` (0 without one).
    pub render_time: f64,
    /// Its `largestContentfulPaint`, as an LCP entry.
    pub lcp: Option<LcpEntry>,
}

/// The page views soft navigations started, by navigation id: every
/// metric sees a `soft-navigation` entry in its own stream (as web-vitals'
/// observers do), and the first to see it starts the view; the others find
/// it here. Keeps the last few (a metric is at most one navigation behind).
#[derive(Debug, Default)]
pub struct SoftViews {
    views: Vec<(u64, String)>,
}

const MAX_SOFT_VIEWS: usize = 4;

impl SoftViews {
    pub fn get(&self, navigation_id: u64) -> Option<&str> {
        self.views.iter().find(|(n, _)| *n == navigation_id).map(|(_, v)| v.as_str())
    }

    pub fn add(&mut self, navigation_id: u64, view: String) {
        if self.views.len() >= MAX_SOFT_VIEWS {
            self.views.remove(0);
        }
        self.views.push((navigation_id, view));
    }
}

/// The LCP breakdown (web-vitals `attribution/onLCP`): the four parts sum to
/// the LCP value.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LcpParts {
    pub ttfb: f64,
    pub load_delay: f64,
    pub load_duration: f64,
    pub render_delay: f64,
}

/// `res`: the matching resource's (requestStart or startTime, responseEnd),
/// when the LCP element has a resource.
pub fn lcp_parts(value: f64, response_start: f64, activation_start: f64, res: Option<(f64, f64)>) -> LcpParts {
    let ttfb = (response_start - activation_start).max(0.0);
    let request_start = ttfb.max(res.map_or(0.0, |(rs, _)| rs - activation_start));
    let response_end = value.min(request_start.max(res.map_or(0.0, |(_, re)| re - activation_start)));
    LcpParts {
        ttfb,
        load_delay: request_start - ttfb,
        load_duration: response_end - request_start,
        render_delay: value - response_end,
    }
}

// ---------------------------------------------------------------- CLS

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shift {
    pub start_time: f64,
    pub value: f64,
    /// Selector of the largest source's node, computed on arrival.
    pub target: String,
}

/// `LayoutShiftManager` + onCLS: session windows (gap < 1 s, span < 5 s);
/// the metric is the largest window seen.
#[derive(Debug, Default)]
pub struct Cls {
    session_value: f64,
    session: Vec<Shift>,
    pub value: f64,
    pub entries: Vec<Shift>,
    pub reporter: Reporter,
}

/// Shifts kept per window: bounded memory on pathological pages; the sum
/// keeps counting beyond it.
const MAX_WINDOW_ENTRIES: usize = 200;

impl Cls {
    /// One entry; `had_recent_input` shifts are ignored.
    pub fn on_entry(&mut self, s: Shift, had_recent_input: bool) {
        if had_recent_input {
            return;
        }
        let same_window = self.session_value != 0.0
            && match (self.session.first(), self.session.last()) {
                (Some(first), Some(last)) => {
                    s.start_time - last.start_time < 1000.0 && s.start_time - first.start_time < 5000.0
                }
                _ => false,
            };
        if same_window {
            self.session_value += s.value;
            if self.session.len() < MAX_WINDOW_ENTRIES {
                self.session.push(s);
            }
        } else {
            self.session_value = s.value;
            self.session.clear();
            self.session.push(s);
        }
    }

    /// After a batch: the metric takes the current window if it is larger.
    pub fn update(&mut self) {
        if self.session_value > self.value {
            self.value = self.session_value;
            self.entries.clone_from(&self.session);
        }
    }

    /// The largest shift of the reported window (attribution).
    pub fn largest(&self) -> Option<&Shift> {
        self.entries.iter().fold(None, |best: Option<&Shift>, s| match best {
            Some(b) if b.value >= s.value => Some(b),
            _ => Some(s),
        })
    }

    pub fn reset(&mut self) {
        *self = Cls::default();
    }
}

// ---------------------------------------------------------------- INP

/// An Event Timing entry (`event` or `first-input`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventEntry {
    pub name: String,
    pub start_time: f64,
    pub duration: f64,
    pub processing_start: f64,
    pub processing_end: f64,
    pub interaction_id: u64,
    pub target: String,
}

/// Entries presented in one animation frame (render times within 8 ms),
/// web-vitals' `pendingEntriesGroup`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FrameGroup {
    pub id: u32,
    pub start_time: f64,
    pub processing_start: f64,
    pub processing_end: f64,
    pub render_time: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Interaction {
    pub id: u64,
    pub latency: f64,
    pub entries: Vec<EventEntry>,
    /// The frame group of its first entry (for the attribution); the group
    /// keeps growing as later entries of the same frame arrive.
    pub group: u32,
    pub target: String,
}

const MAX_INTERACTIONS: usize = 10;
const MAX_GROUPS: usize = 10;

/// `InteractionManager` + onINP.
#[derive(Debug, Default)]
pub struct Inp {
    /// Longest first, at most 10.
    pub list: Vec<Interaction>,
    prev_count: f64,
    groups: Vec<FrameGroup>,
    next_group: u32,
    pub value: f64,
    /// Id of the interaction the value comes from (-1 in web-vitals: the
    /// synthetic 8 ms after a restore); 0 when none.
    pub current: u64,
    pub reporter: Reporter,
}

impl Inp {
    pub fn new() -> Self {
        Inp { value: -1.0, ..Default::default() }
    }

    fn group_for(&mut self, e: &EventEntry) -> u32 {
        let render_time = e.start_time + e.duration;
        for g in self.groups.iter_mut().rev() {
            if (render_time - g.render_time).abs() <= 8.0 {
                g.start_time = g.start_time.min(e.start_time);
                g.processing_start = g.processing_start.min(e.processing_start);
                g.processing_end = g.processing_end.max(e.processing_end);
                return g.id;
            }
        }
        self.next_group = self.next_group.wrapping_add(1);
        let id = self.next_group;
        self.groups.push(FrameGroup {
            id,
            start_time: e.start_time,
            processing_start: e.processing_start,
            processing_end: e.processing_end,
            render_time,
        });
        // Keep the last frames and those of the longest interactions
        // (web-vitals `cleanupEntries`).
        if self.groups.len() > MAX_GROUPS {
            let keep_from = self.groups.len() - MAX_GROUPS;
            let list = &self.list;
            let mut i = 0;
            self.groups.retain(|g| {
                i += 1;
                i > keep_from || list.iter().any(|x| x.group == g.id)
            });
        }
        id
    }

    pub fn group(&self, id: u32) -> Option<&FrameGroup> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// `_processEntry`.
    pub fn on_entry(&mut self, e: EventEntry) {
        let group = self.group_for(&e);
        if e.interaction_id == 0 {
            return;
        }
        let min_latency = self.list.last().map_or(0.0, |i| i.latency);
        let existing = self.list.iter().position(|i| i.id == e.interaction_id);
        if existing.is_none() && self.list.len() >= MAX_INTERACTIONS && e.duration <= min_latency {
            return;
        }
        match existing.and_then(|i| self.list.get_mut(i)) {
            Some(i) => {
                if e.duration > i.latency {
                    i.latency = e.duration;
                    i.group = group;
                    if i.target.is_empty() {
                        i.target.clone_from(&e.target);
                    }
                    i.entries = vec![e];
                } else if e.duration == i.latency && i.entries.first().is_some_and(|f| f.start_time == e.start_time) {
                    if i.target.is_empty() {
                        i.target.clone_from(&e.target);
                    }
                    i.entries.push(e);
                }
            }
            None => {
                let target = e.target.clone();
                self.list.push(Interaction {
                    id: e.interaction_id,
                    latency: e.duration,
                    entries: vec![e],
                    group,
                    target,
                });
            }
        }
        // Stable insertion sort, longest first (lists of ≤ 11).
        let mut i = self.list.len();
        while i > 1 {
            i -= 1;
            let (a, b) = (self.list.get(i - 1).map(|x| x.latency), self.list.get(i).map(|x| x.latency));
            if let (Some(a), Some(b)) = (a, b) {
                if b > a {
                    self.list.swap(i - 1, i);
                }
            }
        }
        self.list.truncate(MAX_INTERACTIONS);
    }

    /// `_estimateP98LongestInteraction`: skip one of the longest per 50
    /// interactions. `count` is the interaction count of the page so far.
    pub fn estimate(&self, count: f64, nav: &str) -> Option<(f64, Option<&Interaction>)> {
        let n = (count - self.prev_count).max(0.0);
        let idx = crate::core::json::f64_to_u64(n / 50.0);
        let idx = usize::try_from(idx).unwrap_or(usize::MAX);
        if self.list.is_empty() {
            if n > 0.0 && (nav == "soft-navigation" || nav == "back-forward-cache") {
                return Some((8.0, None));
            }
            return None;
        }
        let idx = idx.min(self.list.len() - 1);
        self.list.get(idx).map(|i| (i.latency, Some(i)))
    }

    /// After a batch: returns true when the value changed.
    pub fn update(&mut self, count: f64, nav: &str) -> bool {
        match self.estimate(count, nav) {
            Some((latency, i)) if latency != self.value => {
                self.current = i.map_or(0, |i| i.id);
                self.value = latency;
                true
            }
            _ => false,
        }
    }

    /// A new measurement period (bfcache restore): interactions before it no longer count.
    pub fn reset(&mut self, count: f64) {
        *self = Inp { prev_count: count, ..Inp::new() };
    }

    pub fn current_interaction(&self) -> Option<&Interaction> {
        self.list.iter().find(|i| i.id == self.current)
    }
}

/// The INP breakdown (web-vitals `attribution/onINP`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct InpParts {
    pub interaction_time: f64,
    pub input_delay: f64,
    pub processing: f64,
    pub presentation_delay: f64,
    pub next_paint: f64,
}

pub fn inp_parts(i: &Interaction, group: &FrameGroup) -> Option<InpParts> {
    let first = i.entries.first()?;
    let processing_start = group.processing_start.max(first.start_time);
    let next_paint = (first.start_time + first.duration).max(processing_start);
    let processing_end = group.processing_end.min(next_paint);
    Some(InpParts {
        interaction_time: first.start_time,
        input_delay: processing_start - first.start_time,
        processing: processing_end - processing_start,
        presentation_delay: next_paint - processing_end,
        next_paint,
    })
}

/// The page's interaction count when the interaction `id` (a soft
/// navigation's) happened, from the count `now` and the largest interaction
/// id seen: interaction ids grow by 7 per interaction. web-vitals reads the
/// count when it processes the soft navigation, a moment after it; for
/// entries read from the browser's buffer (an agent started later) that
/// moment is long past.
pub fn count_at(now: f64, latest_id: u64, id: u64) -> f64 {
    if id == 0 {
        return now;
    }
    let after = crate::core::json::f64_from_u64(latest_id.saturating_sub(id) / 7);
    (now - after).max(0.0)
}

/// The order to process a delivery of INP's observer in, given per entry
/// (a soft navigation read from the browser's buffer, its interaction id).
/// Live, web-vitals sees an interaction's event entries before the soft
/// navigation it caused (a frame apart); from the buffer (an agent started
/// after them) everything comes in one delivery sorted by end time, where a
/// soft navigation can end before its own click's entries. So the entries of
/// an interaction up to a buffered soft navigation's own go before it.
pub fn buffered_order(entries: &[(bool, u64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    let get = |i: usize| entries.get(i).copied().unwrap_or((false, 0));
    let mut i = 0;
    while i < order.len() {
        let (soft, sid) = order.get(i).map_or((false, 0), |x| get(*x));
        if soft && sid != 0 {
            let mut k = i + 1;
            while k < order.len() {
                let j = order.get(k).copied().unwrap_or(0);
                let (other_soft, id) = get(j);
                if !other_soft && id != 0 && id <= sid {
                    order.remove(k);
                    order.insert(i, j);
                    i += 1;
                }
                k += 1;
            }
        }
        i += 1;
    }
    order
}

/// The interaction count web-vitals falls back to where
/// `performance.interactionCount` is missing: interaction ids grow by 7.
#[derive(Debug, Default)]
pub struct InteractionCount {
    min: u64,
    max: u64,
}

impl InteractionCount {
    pub fn on_id(&mut self, id: u64) {
        if id == 0 {
            return;
        }
        self.min = if self.min == 0 { id } else { self.min.min(id) };
        self.max = self.max.max(id);
    }
    pub fn estimate(&self) -> f64 {
        if self.max == 0 {
            0.0
        } else {
            crate::core::json::f64_from_u64(self.max - self.min) / 7.0 + 1.0
        }
    }
}

// ---------------------------------------------------------------- TTFB

/// TTFB attribution (web-vitals `attribution/onTTFB`), from the navigation
/// entry's marks: the five parts sum to TTFB.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TtfbParts {
    pub waiting: f64,
    pub cache: f64,
    pub dns: f64,
    pub connection: f64,
    pub request: f64,
}

pub fn ttfb_parts(nav: &super::event::NavTiming, ttfb: f64) -> TtfbParts {
    let a = nav.activation_start;
    let wait_start = if nav.worker_start > 0.0 { nav.worker_start } else { nav.fetch_start };
    let wait_end = (wait_start - a).max(0.0);
    let dns_start = (nav.domain_lookup_start - a).max(0.0);
    let connect_start = (nav.connect_start - a).max(0.0);
    let connect_end = (nav.connect_end - a).max(0.0);
    TtfbParts {
        waiting: wait_end,
        cache: dns_start - wait_end,
        dns: connect_start - dns_start,
        connection: connect_end - connect_start,
        request: ttfb - connect_end,
    }
}

// ---------------------------------------------------------------- TTI / TBT

/// Lighthouse's quiet window: 5 s with no long task and at most 2 requests in flight.
pub const QUIET_WINDOW_MS: f64 = 5000.0;
pub const MAX_QUIET_REQUESTS: usize = 2;

/// Time to Interactive, as Lighthouse and the tti-polyfill define it: from
/// `start` (FCP; the polyfill also waits for DOMContentLoaded end, so pass
/// `max(FCP, domContentLoadedEventEnd)`), find the first 5 s window that has
/// no long task and never more than 2 requests in flight; TTI is the end of
/// the last long task before that window, or `start` when there is none.
/// `None` until `now` proves such a window exists.
///
/// `long_tasks` and `requests` are (start, end) intervals; a request still
/// in flight has end = +∞.
pub fn tti(start: f64, long_tasks: &[(f64, f64)], requests: &[(f64, f64)], now: f64) -> Option<f64> {
    // Candidate window starts: `start` and every long task or request end after it.
    let mut candidates: Vec<f64> = vec![start];
    candidates.extend(long_tasks.iter().map(|t| t.1).filter(|e| *e > start));
    candidates.extend(requests.iter().map(|r| r.1).filter(|e| *e > start && e.is_finite()));
    sort_f64(&mut candidates);
    for &t in &candidates {
        let end = t + QUIET_WINDOW_MS;
        if end > now {
            return None; // not enough quiet observed yet
        }
        if long_tasks.iter().any(|&(s, e)| s < end && e > t) {
            continue;
        }
        if max_in_flight(requests, t, end) > MAX_QUIET_REQUESTS {
            continue;
        }
        let last_task_end = long_tasks.iter().map(|x| x.1).filter(|e| *e <= t).fold(start, f64::max);
        return Some(last_task_end.max(start));
    }
    None
}

/// The order to process Event Timing entries in: by end time
/// (`startTime + duration`), ties in delivery order. web-vitals sorts each
/// batch this way because entries of several types arrive out of order; it
/// matters beyond the value: an interaction's target is taken from the first
/// of its entries processed that has one, and `first-input` (the pointerdown,
/// which has no target in some input paths) may end later than the click.
pub fn order_by_end(ends: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..ends.len()).collect();
    let end = |i: Option<&usize>| i.and_then(|i| ends.get(*i)).copied().unwrap_or(0.0);
    // Stable insertion sort: batches are a few entries per frame.
    for i in 1..order.len() {
        let mut j = i;
        while j > 0 && end(order.get(j - 1)) > end(order.get(j)) {
            order.swap(j - 1, j);
            j -= 1;
        }
    }
    order
}

/// Shell sort: a few lines instead of core's sort (kilobytes of wasm), and
/// fast enough for the ≤ 1000 intervals we keep.
pub fn sort_f64(v: &mut [f64]) {
    let mut gap = v.len() / 2;
    while gap > 0 {
        for i in gap..v.len() {
            let mut j = i;
            while j >= gap {
                match (v.get(j - gap).copied(), v.get(j).copied()) {
                    (Some(a), Some(b)) if a.total_cmp(&b).is_gt() => v.swap(j - gap, j),
                    _ => break,
                }
                j -= gap;
            }
        }
        gap /= 2;
    }
}

/// Most requests in flight at any instant of [from, to).
fn max_in_flight(requests: &[(f64, f64)], from: f64, to: f64) -> usize {
    // In-flight count only rises at a request start, so check `from` and
    // every start inside the window.
    let at = |x: f64| requests.iter().filter(|&&(s, e)| s <= x && e > x).count();
    let mut best = at(from);
    for &(s, _) in requests {
        if s > from && s < to {
            best = best.max(at(s));
        }
    }
    best
}

/// Total Blocking Time between FCP and TTI (Lighthouse): for each long task,
/// its part inside [fcp, tti] beyond 50 ms.
pub fn tbt(fcp: f64, tti: f64, long_tasks: &[(f64, f64)]) -> f64 {
    if tti <= fcp {
        return 0.0;
    }
    long_tasks
        .iter()
        .map(|&(s, e)| {
            let clipped = e.min(tti) - s.max(fcp);
            if clipped > 50.0 {
                clipped - 50.0
            } else {
                0.0
            }
        })
        .sum()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn reporter_like_bind_reporter() {
        let mut r = Reporter::default();
        assert_eq!(r.report(-1.0, true, false), None, "no value yet");
        assert_eq!(r.report(100.0, false, false), None, "not final");
        assert_eq!(r.report(100.0, true, false), Some(100.0));
        assert_eq!(r.report(100.0, true, false), None, "unchanged");
        assert_eq!(r.report(150.0, true, false), Some(50.0));
        let mut r = Reporter::default();
        assert_eq!(r.report(0.0, true, false), Some(0.0), "a zero CLS is reported once");
        assert_eq!(r.report(0.0, true, false), None);
        let mut r = Reporter::default();
        assert_eq!(r.report(5.0, false, true), Some(5.0), "reportAllChanges");
    }

    #[test]
    fn lcp_takes_last_entry_before_hidden() {
        let e = |t: f64, u: &str| LcpEntry { start_time: t, url: u.into(), target: "img".into() };
        let mut l = Lcp::new();
        assert!(l.on_entries(vec![e(100.0, "a"), e(300.0, "b")], 0.0, f64::INFINITY, false));
        assert_eq!((l.value, l.entry.as_ref().unwrap().url.as_str()), (300.0, "b"));
        // Painted after the page was hidden: ignored.
        assert!(!l.on_entries(vec![e(900.0, "c")], 0.0, 800.0, false));
        assert_eq!(l.value, 300.0);
        // Prerendered: relative to activation, clamped at 0.
        let mut l = Lcp::new();
        l.on_entries(vec![e(100.0, "a")], 250.0, f64::INFINITY, false);
        assert_eq!(l.value, 0.0);
        l.finalized = true;
        assert!(!l.on_entries(vec![e(500.0, "z")], 0.0, f64::INFINITY, false));
    }

    fn soft(nav: u64, interaction: u64, start: f64) -> SoftNav {
        SoftNav {
            navigation_id: nav,
            interaction_id: interaction,
            start_time: start,
            end: start + 30.0,
            paint: 0.0,
            url: "/p2".into(),
        }
    }

    #[test]
    fn soft_navigation_lcp_counts_only_its_interactions_paints() {
        let icp = |id: u64, start: f64, render: f64| IcpEntry {
            interaction_id: id,
            start_time: start,
            render_time: render,
            lcp: Some(LcpEntry { start_time: render, url: String::new(), target: "#hero".into() }),
        };
        // The document's view never counts interaction paints.
        let mut hard = Lcp::new();
        assert!(!hard.on_icp(icp(7, 1000.0, 1200.0), f64::INFINITY));
        let mut l = Lcp::soft(&soft(2, 7, 1000.0));
        assert!(!l.on_icp(icp(6, 900.0, 1100.0), f64::INFINITY), "another interaction's paint");
        assert!(l.on_icp(icp(7, 1000.0, 1250.0), f64::INFINITY));
        assert_eq!(l.value, 250.0, "relative to the entry's start");
        assert!(!l.on_icp(icp(7, 1000.0, 1400.0), 1300.0), "painted after the page was hidden");
        assert!(l.on_icp(icp(7, 1000.0, 990.0), f64::INFINITY));
        assert_eq!(l.value, 0.0, "never below 0");
        l.finalized = true;
        assert!(!l.on_icp(icp(7, 1000.0, 1500.0), f64::INFINITY), "final after input");
    }

    #[test]
    fn soft_navigation_fcp_and_views() {
        let mut sn = soft(2, 7, 1000.0);
        sn.paint = 1038.0;
        assert_eq!(sn.fcp(), 38.0);
        sn.paint = 0.0;
        assert_eq!(sn.fcp(), 0.0, "no paint time: clamped at 0");
        let mut v = SoftViews::default();
        assert_eq!(v.get(2), None);
        for n in 2..8u64 {
            v.add(n, format!("view{n}"));
        }
        assert_eq!(v.get(7), Some("view7"));
        assert_eq!(v.get(2), None, "only the last few are kept");
        assert_eq!(v.get(4), Some("view4"));
    }

    #[test]
    fn buffered_soft_navigation_comes_after_its_own_interaction() {
        // click of interaction 14 ends after the soft navigation it caused.
        let batch = [(false, 7), (true, 14), (false, 14), (false, 0), (false, 21)];
        assert_eq!(buffered_order(&batch), vec![0, 2, 1, 3, 4]);
        // A live (not buffered) soft navigation is marked false: order kept.
        let live = [(false, 7), (false, 14), (false, 21)];
        assert_eq!(buffered_order(&live), vec![0, 1, 2]);
        // Two buffered soft navigations.
        let two = [(true, 7), (false, 7), (true, 21), (false, 14), (false, 21), (false, 28)];
        assert_eq!(buffered_order(&two), vec![1, 0, 3, 4, 2, 5]);
    }

    #[test]
    fn interaction_count_at_a_soft_navigation() {
        assert_eq!(count_at(5.0, 3035, 3035), 5.0, "the latest interaction: now");
        assert_eq!(count_at(5.0, 3035, 3021), 3.0, "two interactions after it");
        assert_eq!(count_at(5.0, 3035, 0), 5.0, "no id: now");
        assert_eq!(count_at(1.0, 9000, 7), 0.0, "never below 0");
    }

    #[test]
    fn soft_view_inp_counts_interactions_after_the_navigation() {
        let mut inp = Inp::new();
        inp.on_entry(ev(1, 100.0, 300.0));
        assert!(inp.update(1.0, "navigate"));
        assert_eq!(inp.value, 300.0);
        // A soft navigation: the next view counts from the 2nd interaction.
        inp.reset(1.0);
        assert_eq!(inp.estimate(1.0, "soft-navigation"), None, "no interaction yet: nothing");
        assert_eq!(inp.estimate(2.0, "soft-navigation").unwrap().0, 8.0, "fast ones only: 8 ms");
        inp.on_entry(ev(9, 2000.0, 64.0));
        assert_eq!(inp.estimate(2.0, "soft-navigation").unwrap().0, 64.0);
    }

    #[test]
    fn lcp_parts_sum_to_value() {
        let p = lcp_parts(2000.0, 300.0, 0.0, Some((500.0, 1500.0)));
        assert_eq!(p, LcpParts { ttfb: 300.0, load_delay: 200.0, load_duration: 1000.0, render_delay: 500.0 });
        let p = lcp_parts(800.0, 300.0, 0.0, None);
        assert_eq!(p, LcpParts { ttfb: 300.0, load_delay: 0.0, load_duration: 0.0, render_delay: 500.0 });
        let p = lcp_parts(1000.0, 300.0, 0.0, Some((400.0, 5000.0)));
        assert_eq!(p.ttfb + p.load_delay + p.load_duration + p.render_delay, 1000.0);
        assert_eq!(p.render_delay, 0.0, "response end clamped at the LCP");
    }

    fn shift(t: f64, v: f64) -> Shift {
        Shift { start_time: t, value: v, target: String::new() }
    }

    #[test]
    fn cls_session_windows() {
        let mut c = Cls::default();
        // Window 1: 0.1 + 0.1 (gap < 1 s).
        c.on_entry(shift(100.0, 0.1), false);
        c.on_entry(shift(600.0, 0.1), false);
        c.update();
        assert!((c.value - 0.2).abs() < 1e-9);
        // Gap ≥ 1 s: new window 0.15, smaller: value stays.
        c.on_entry(shift(1700.0, 0.15), false);
        c.update();
        assert!((c.value - 0.2).abs() < 1e-9);
        // Continues the window to 0.3: now the largest.
        c.on_entry(shift(2500.0, 0.15), false);
        c.update();
        assert!((c.value - 0.3).abs() < 1e-9);
        // Shifts after input do not count.
        c.on_entry(shift(2600.0, 5.0), true);
        c.update();
        assert!((c.value - 0.3).abs() < 1e-9);
        assert_eq!(c.largest().unwrap().start_time, 1700.0);
    }

    #[test]
    fn cls_window_capped_at_five_seconds() {
        let mut c = Cls::default();
        for i in 0..12 {
            c.on_entry(shift(f64::from(i) * 900.0, 0.01), false);
        }
        c.update();
        // 0, 900, … 4500 (6 shifts < 5 s from the first), then a new window.
        assert!((c.value - 0.06).abs() < 1e-9, "{}", c.value);
    }

    fn ev(id: u64, start: f64, dur: f64) -> EventEntry {
        EventEntry {
            name: "pointerup".into(),
            start_time: start,
            duration: dur,
            processing_start: start + 5.0,
            processing_end: start + dur - 10.0,
            interaction_id: id,
            target: "button#buy".into(),
        }
    }

    #[test]
    fn inp_p98_skips_one_per_fifty() {
        let mut inp = Inp::new();
        assert_eq!(inp.estimate(0.0, "navigate"), None, "no interaction: nothing");
        for i in 0..120u64 {
            inp.on_entry(ev(
                i + 1,
                f64::from(u32::try_from(i).unwrap()) * 100.0,
                40.0 + f64::from(u32::try_from(i).unwrap()),
            ));
        }
        assert_eq!(inp.list.len(), 10);
        assert_eq!(inp.list[0].latency, 159.0);
        // 120 interactions → skip 2.
        assert_eq!(inp.estimate(120.0, "navigate").unwrap().0, 157.0);
        assert_eq!(inp.estimate(10.0, "navigate").unwrap().0, 159.0);
        assert!(inp.update(120.0, "navigate"));
        assert!(!inp.update(120.0, "navigate"));
    }

    #[test]
    fn inp_merges_entries_of_one_interaction() {
        let mut inp = Inp::new();
        inp.on_entry(ev(7, 100.0, 48.0));
        inp.on_entry(ev(7, 100.0, 120.0)); // the click of the same tap, longer
        inp.on_entry(ev(0, 100.0, 300.0)); // no interactionId (e.g. mousemove)
        assert_eq!(inp.list.len(), 1);
        assert_eq!(inp.list[0].latency, 120.0);
        let p = inp_parts(&inp.list[0], inp.group(inp.list[0].group).unwrap()).unwrap();
        assert_eq!(p.input_delay + p.processing + p.presentation_delay, 120.0);
    }

    #[test]
    fn inp_processing_spans_every_event_of_the_frame() {
        // pointerdown (no handler) is the interaction's entry; the click in
        // the same frame ran the slow handler: processing covers it.
        let mut inp = Inp::new();
        let down = EventEntry {
            name: "pointerdown".into(),
            start_time: 100.0,
            duration: 312.0,
            processing_start: 102.0,
            processing_end: 103.0,
            interaction_id: 9,
            target: String::new(),
        };
        let click = EventEntry {
            name: "click".into(),
            start_time: 110.0,
            duration: 304.0,
            processing_start: 111.0,
            processing_end: 405.0,
            interaction_id: 9,
            target: String::new(),
        };
        inp.on_entry(down);
        inp.on_entry(click);
        let i = &inp.list[0];
        assert_eq!(i.entries[0].name, "pointerdown");
        let p = inp_parts(i, inp.group(i.group).unwrap()).unwrap();
        assert_eq!((p.input_delay, p.processing, p.presentation_delay), (2.0, 303.0, 7.0));
    }

    #[test]
    fn inp_after_restore_without_interactions_is_8ms() {
        let mut inp = Inp::new();
        inp.reset(4.0);
        assert_eq!(inp.estimate(4.0, "back-forward-cache"), None);
        assert_eq!(inp.estimate(5.0, "back-forward-cache").unwrap().0, 8.0);
        assert_eq!(inp.estimate(5.0, "navigate"), None);
    }

    #[test]
    fn interaction_count_polyfill() {
        let mut c = InteractionCount::default();
        assert_eq!(c.estimate(), 0.0);
        for id in [3000u64, 3007, 3014, 0] {
            c.on_id(id);
        }
        assert_eq!(c.estimate(), 3.0);
    }

    #[test]
    fn tti_quiet_window() {
        // FCP 1000; long tasks end at 1500 and 3000; quiet from 3000 on.
        let tasks = [(1400.0, 1500.0), (2900.0, 3000.0)];
        assert_eq!(tti(1000.0, &tasks, &[], 7999.0), None, "5 s of quiet not yet observed");
        assert_eq!(tti(1000.0, &tasks, &[], 8000.0), Some(3000.0));
        // No long tasks at all: FCP.
        assert_eq!(tti(1000.0, &[], &[], 6000.0), Some(1000.0));
        // Three requests in flight until 4000 keep the network busy.
        let reqs = [(900.0, 4000.0), (950.0, 4000.0), (990.0, 4000.0)];
        assert_eq!(tti(1000.0, &[(1400.0, 1500.0)], &reqs, 9000.0), Some(1500.0));
        // A long task inside the first candidate window pushes TTI to its end.
        assert_eq!(tti(1000.0, &[(5000.0, 5100.0)], &[], 20_000.0), Some(5100.0));
        // A request still in flight never ends.
        let open = [(0.0, f64::INFINITY), (0.0, f64::INFINITY), (0.0, f64::INFINITY)];
        assert_eq!(tti(1000.0, &[], &open, 60_000.0), None);
    }

    proptest::proptest! {
        #[test]
        fn shell_sort_sorts(mut v in proptest::collection::vec(-1e6f64..1e6, 0..300)) {
            let mut expected = v.clone();
            expected.sort_by(f64::total_cmp);
            sort_f64(&mut v);
            proptest::prop_assert_eq!(v, expected);
        }
    }

    proptest::proptest! {
        #[test]
        fn order_by_end_is_a_stable_sort(v in proptest::collection::vec(0u8..20, 0..200)) {
            let ends: Vec<f64> = v.iter().map(|x| f64::from(*x)).collect();
            let mut expected: Vec<usize> = (0..ends.len()).collect();
            expected.sort_by(|a, b| ends[*a].total_cmp(&ends[*b]));
            proptest::prop_assert_eq!(order_by_end(&ends), expected);
        }
    }

    /// What headless Chromium delivers for one slow click (recorded): the
    /// pointerdown (as `first-input` and as `event`) has no target and ends
    /// 8 ms after the pointerup and click. In end-time order the click names
    /// the interaction before the longer pointerdown replaces its entries,
    /// as in web-vitals; in delivery order nothing would.
    #[test]
    fn slow_click_target_in_end_time_order() {
        let e = |name: &str, start: f64, duration: f64, target: &str| EventEntry {
            name: name.into(),
            start_time: start,
            duration,
            processing_start: start + 1.0,
            processing_end: start + 300.0,
            interaction_id: 6111,
            target: target.into(),
        };
        let delivered = [
            e("pointerdown", 99.0, 312.0, ""),
            e("pointerdown", 99.0, 312.0, ""),
            e("pointerup", 102.0, 304.0, ""),
            e("click", 102.0, 304.0, "#slow"),
        ];
        let ends: Vec<f64> = delivered.iter().map(|x| x.start_time + x.duration).collect();
        let mut inp = Inp::new();
        for i in order_by_end(&ends) {
            inp.on_entry(delivered[i].clone());
        }
        let i = &inp.list[0];
        assert_eq!((i.latency, i.target.as_str(), i.entries[0].name.as_str()), (312.0, "#slow", "pointerdown"));
        let mut in_delivery_order = Inp::new();
        for x in delivered {
            in_delivery_order.on_entry(x);
        }
        assert_eq!(in_delivery_order.list[0].target, "");
    }

    #[test]
    fn tbt_clips_to_fcp_and_tti() {
        let tasks = [(500.0, 700.0), (1000.0, 1100.0), (2000.0, 2030.0), (2950.0, 3100.0)];
        // 500–700 clipped to 600–700 = 100 → 50; 1000–1100 → 50; 30 ms → 0; 2950–3000 = 50 → 0.
        assert_eq!(tbt(600.0, 3000.0, &tasks), 100.0);
        assert_eq!(tbt(3000.0, 3000.0, &tasks), 0.0);
    }

    #[test]
    fn load_states() {
        assert_eq!(load_state(10.0, true, 0.0, 0.0, 0.0), "loading");
        assert_eq!(load_state(10.0, false, 100.0, 200.0, 300.0), "loading");
        assert_eq!(load_state(150.0, false, 100.0, 200.0, 300.0), "dom-interactive");
        assert_eq!(load_state(250.0, false, 100.0, 200.0, 300.0), "dom-content-loaded");
        assert_eq!(load_state(350.0, false, 100.0, 200.0, 300.0), "complete");
    }
}
