//! User actions: every decision about them (README "Actions",
//! docs/protocol.md "action"). The edge (`web/actions.rs`) reports inputs
//! and what happens while an action is open (HTTP calls, errors, DOM
//! changes, long frames, Event Timing entries); this module decides what is
//! one action, when it has settled, its duration and its frustration signals.
//!
//! - **One action**: a click, an activating key (Enter, Escape; Space outside
//!   text fields) or a form submit. A click or submit that an open key press
//!   or click on the same element caused (Enter on a button fires a click;
//!   a submit button fires `submit`) within `ECHO_MS` is the same action.
//!   Clicks on the same element less than `RAGE_WINDOW_MS` after the previous
//!   one join the action (that is how five fast clicks are one rage click).
//! - **Settled**: no HTTP call of the action in flight and no activity (the
//!   input's own processing, a DOM change, an HTTP call ending, a long
//!   animation frame ending, the interaction's next paint) for `SETTLE_MS`.
//!   The duration is input → last activity, at most `MAX_DURATION_MS`.
//! - **Frustration**: rage (≥ `RAGE_CLICKS` clicks within `RAGE_WINDOW_MS`),
//!   dead (a click on an element that looks clickable, with no DOM change,
//!   no navigation, no HTTP call and no error before it settled: nothing
//!   happened at all), error (a click with an error before it settled).

#[allow(unused_imports)]
use crate::prelude::*;

use super::event::UserAction;

/// Quiet time that ends an action (Datadog's value).
pub const SETTLE_MS: f64 = 100.0;
/// Longest action: a page that never goes quiet (polling, animations) ends here.
pub const MAX_DURATION_MS: f64 = 10_000.0;
/// Rage click: this many clicks on one element within `RAGE_WINDOW_MS`.
pub const RAGE_CLICKS: usize = 3;
pub const RAGE_WINDOW_MS: f64 = 1_000.0;
/// A click or submit this soon after a key press or click on the same element is its echo.
pub const ECHO_MS: f64 = 100.0;
/// Names are cut to this many characters.
pub const MAX_NAME: usize = 100;
/// Actions per page view; the rest are counted as dropped (`actions`).
pub const MAX_PER_VIEW: u32 = 100;
/// Click times kept per action (for rage windows and Event Timing matches).
const MAX_CLICKS: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Click,
    Key,
    Submit,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Click => "click",
            Kind::Key => "key",
            Kind::Submit => "submit",
        }
    }
}

/// An input as the edge saw it. Times are performance times (ms).
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub kind: Kind,
    pub t: f64,
    pub name: String,
    pub target: String,
    /// The element looks clickable (see `looks_clickable`): a click that
    /// changes nothing is a dead click.
    pub clickable: bool,
}

/// A key press that is an action: Enter and Escape, and Space outside text
/// fields (where it types). Other keys are typing, not actions.
pub fn key_is_action(key: &str, in_text_field: bool) -> bool {
    match key {
        "Enter" | "Escape" => true,
        " " | "Spacebar" => !in_text_field,
        _ => false,
    }
}

/// Elements a click is expected to do something on. Form fields, labels
/// and editable text are not: clicking them only focuses.
pub fn looks_clickable(tag: &str, role: &str, has_href: bool, cursor_pointer: bool) -> bool {
    if matches!(tag, "input" | "textarea" | "select" | "label" | "option") {
        return false;
    }
    matches!(tag, "button" | "summary")
        || (tag == "a" && has_href)
        || matches!(role, "button" | "link" | "menuitem" | "tab" | "switch" | "option" | "checkbox" | "radio")
        || cursor_pointer
}

/// Elements an action is named after when the click landed inside them.
pub fn actionable(tag: &str, role: &str) -> bool {
    matches!(tag, "button" | "a" | "input" | "select" | "textarea" | "summary" | "label" | "option" | "form")
        || matches!(role, "button" | "link" | "menuitem" | "tab" | "switch" | "option" | "checkbox" | "radio")
}

/// Elements whose text content may name an action (a form field's text is
/// what the user typed or chose, so never).
pub fn named_by_text(tag: &str) -> bool {
    !matches!(tag, "input" | "textarea" | "select" | "option" | "form" | "body" | "html")
}

/// `<input>` types whose `value` is their visible label, written by the
/// page's author (`<input type="submit" value="Place order">`), never by
/// the user: the accessible name of such a button is its value (HTML-AAM).
/// Every other input's value is what the user typed or chose: never read.
pub fn input_labelled_by_value(input_type: &str) -> bool {
    matches!(input_type, "submit" | "button" | "reset")
}

/// Whitespace collapsed, trimmed, cut to `MAX_NAME` characters.
pub fn clean_name(raw: &str) -> String {
    let mut out = String::new();
    for (n, word) in raw.split_whitespace().enumerate() {
        if n > 0 {
            out.push(' ');
        }
        out.push_str(word);
        if out.chars().count() >= MAX_NAME {
            break;
        }
    }
    match out.char_indices().nth(MAX_NAME) {
        Some((i, _)) => out.get(..i).unwrap_or("").trim_end().to_string(),
        None => out,
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Open {
    input: Input,
    /// Input times of the clicks merged in (first is `input.t`).
    clicks: Vec<f64>,
    last_activity: f64,
    in_flight: u32,
    http: u32,
    http_fail: u32,
    errors: u32,
    long: u32,
    /// Ends of long frames already counted (a frame is reported once per check).
    long_seen: Vec<f64>,
    inp: Option<f64>,
    dom_changed: bool,
    navigated: bool,
    /// Settled (no more activity counted); waiting out the rage window.
    settled: bool,
    seq: u32,
}

/// What the edge should do after a check.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Nothing open.
    Idle,
    /// Check again in this many ms.
    Wait(f64),
    /// An action is done: report it (its `t` is a performance time; the
    /// edge makes it epoch).
    Done(UserAction),
}

/// The open action (at most one) and the per-page-view count.
#[derive(Debug, Default)]
pub struct Tracker {
    open: Option<Open>,
    seq: u32,
    view: String,
    in_view: u32,
}

impl Tracker {
    /// A new input at `input.t`. Returns the action it ends, if any.
    pub fn input(&mut self, input: Input) -> Option<UserAction> {
        if let Some(o) = &mut self.open {
            let same = o.input.target == input.target;
            let since_last = input.t - o.clicks.last().copied().unwrap_or(o.input.t);
            let echo = match (o.input.kind, input.kind) {
                (Kind::Key, Kind::Click) => same && since_last < ECHO_MS,
                (_, Kind::Submit) => since_last < ECHO_MS,
                _ => false,
            };
            if echo {
                return None;
            }
            if o.input.kind == Kind::Click && input.kind == Kind::Click && same && since_last < RAGE_WINDOW_MS {
                if o.clicks.len() < MAX_CLICKS {
                    o.clicks.push(input.t);
                }
                o.settled = false;
                o.last_activity = o.last_activity.max(input.t);
                return None;
            }
        }
        let done = self.finish();
        self.seq = self.seq.wrapping_add(1);
        self.open = Some(Open {
            clicks: vec![input.t],
            last_activity: input.t,
            input,
            in_flight: 0,
            http: 0,
            http_fail: 0,
            errors: 0,
            long: 0,
            long_seen: Vec::new(),
            inp: None,
            dom_changed: false,
            navigated: false,
            settled: false,
            seq: self.seq,
        });
        done
    }

    fn active(&mut self) -> Option<&mut Open> {
        self.open.as_mut().filter(|o| !o.settled)
    }

    /// An HTTP call started at `t`: the id of the action it belongs to (to
    /// pass to `http_end`), if one is open.
    pub fn http_start(&mut self, t: f64) -> Option<u32> {
        let o = self.active()?;
        o.in_flight = o.in_flight.saturating_add(1);
        o.http = o.http.saturating_add(1);
        o.last_activity = o.last_activity.max(t);
        Some(o.seq)
    }

    pub fn http_end(&mut self, seq: u32, t: f64, failed: bool) {
        if let Some(o) = self.open.as_mut().filter(|o| o.seq == seq) {
            o.in_flight = o.in_flight.saturating_sub(1);
            if failed {
                o.http_fail = o.http_fail.saturating_add(1);
            }
            if !o.settled {
                o.last_activity = o.last_activity.max(t);
            }
        }
    }

    pub fn error(&mut self, t: f64) {
        if let Some(o) = self.active() {
            o.errors = o.errors.saturating_add(1);
            o.last_activity = o.last_activity.max(t);
        }
    }

    /// The DOM changed at `t` (a MutationObserver record).
    pub fn dom_change(&mut self, t: f64) {
        if let Some(o) = self.active() {
            o.dom_changed = true;
            o.last_activity = o.last_activity.max(t);
        }
    }

    /// The page's URL changed (a route) or the page is being left.
    pub fn navigation(&mut self) {
        if let Some(o) = self.active() {
            o.navigated = true;
        }
    }

    /// Whether an action is collecting (the edge observes the DOM only then).
    pub fn collecting(&self) -> bool {
        self.open.as_ref().is_some_and(|o| !o.settled)
    }

    /// Long animation frames (or long tasks) as (start, end): those that
    /// overlap the open action count and extend it.
    pub fn long_frames(&mut self, frames: &[(f64, f64)]) {
        let Some(o) = self.active() else { return };
        for &(start, end) in frames {
            if end > o.input.t && start <= o.last_activity + SETTLE_MS && !o.long_seen.contains(&end) {
                if o.long_seen.len() < MAX_CLICKS {
                    o.long_seen.push(end);
                }
                o.long = o.long.saturating_add(1);
                o.last_activity = o.last_activity.max(end);
            }
        }
    }

    /// An Event Timing entry (start = the event's timeStamp) of an
    /// interaction that was an INP candidate: the open action's, when one
    /// of its inputs happened at `start`.
    pub fn event_timing(&mut self, start: f64, duration: f64) {
        let Some(o) = self.open.as_mut() else { return };
        if o.clicks.iter().chain(core::iter::once(&o.input.t)).any(|t| (t - start).abs() < 1.0) {
            o.inp = Some(o.inp.map_or(duration, |i: f64| i.max(duration)));
            if !o.settled {
                o.last_activity = o.last_activity.max(start + duration);
            }
        }
    }

    /// The input's own handlers have run (the edge's first check after it).
    pub fn processed(&mut self, t: f64) {
        if let Some(o) = self.active() {
            o.last_activity = o.last_activity.max(t);
        }
    }

    /// At `now`: report the action if it is done, else when to look again.
    pub fn check(&mut self, now: f64) -> Step {
        let Some(o) = self.open.as_mut() else { return Step::Idle };
        let start = o.input.t;
        if !o.settled {
            let quiet = now - o.last_activity;
            let capped = now - start >= MAX_DURATION_MS;
            if !capped && (o.in_flight > 0 || quiet < SETTLE_MS) {
                let until_quiet = (SETTLE_MS - quiet).max(0.0);
                let until_cap = MAX_DURATION_MS - (now - start);
                return Step::Wait(if o.in_flight > 0 { SETTLE_MS } else { until_quiet }.min(until_cap).max(16.0));
            }
            o.settled = true;
            if capped {
                o.last_activity = o.last_activity.min(start + MAX_DURATION_MS);
            }
        }
        // A click may still turn into a rage click: wait out the window.
        if o.input.kind == Kind::Click && o.clicks.len() < MAX_CLICKS {
            let last = o.clicks.last().copied().unwrap_or(start);
            let left = RAGE_WINDOW_MS - (now - last);
            if left > 0.0 {
                return Step::Wait(left.max(16.0));
            }
        }
        self.finish().map_or(Step::Idle, Step::Done)
    }

    /// Ends the open action now (a new input, the page hidden, shutdown).
    pub fn finish(&mut self) -> Option<UserAction> {
        let o = self.open.take()?;
        let start = o.input.t;
        let end = o.last_activity.min(start + MAX_DURATION_MS);
        let click = o.input.kind == Kind::Click;
        let mut frust = Vec::new();
        if click && rage(&o.clicks) {
            frust.push("rage".into());
        }
        if click && o.input.clickable && !o.dom_changed && !o.navigated && o.http == 0 && o.errors == 0 {
            frust.push("dead".into());
        }
        if click && o.errors > 0 {
            frust.push("error".into());
        }
        Some(UserAction {
            t: start,
            kind: o.input.kind.name().into(),
            name: o.input.name,
            target: o.input.target,
            dur: (end - start).max(0.0),
            http: o.http,
            http_fail: o.http_fail,
            errors: o.errors,
            long: o.long,
            inp: o.inp,
            clicks: u32::try_from(o.clicks.len()).unwrap_or(u32::MAX),
            frust,
        })
    }

    /// Counts an action against its page view's cap: false when over it.
    pub fn admit(&mut self, view: &str) -> bool {
        if self.view != view {
            self.view = view.into();
            self.in_view = 0;
        }
        self.in_view = self.in_view.saturating_add(1);
        self.in_view <= MAX_PER_VIEW
    }
}

/// `RAGE_CLICKS` clicks within `RAGE_WINDOW_MS` (times in order).
pub fn rage(clicks: &[f64]) -> bool {
    clicks.windows(RAGE_CLICKS).any(|w| match (w.first(), w.last()) {
        (Some(a), Some(b)) => b - a <= RAGE_WINDOW_MS,
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn click(t: f64, target: &str) -> Input {
        Input { kind: Kind::Click, t, name: "Add to cart".into(), target: target.into(), clickable: true }
    }

    fn settle(tr: &mut Tracker, mut now: f64) -> UserAction {
        for _ in 0..1000 {
            match tr.check(now) {
                Step::Done(a) => return a,
                Step::Wait(ms) => now += ms,
                Step::Idle => panic!("nothing open"),
            }
        }
        panic!("never settled")
    }

    #[test]
    fn names_are_collapsed_trimmed_and_capped() {
        assert_eq!(clean_name("  Add \n\t to   cart "), "Add to cart");
        assert_eq!(clean_name(""), "");
        let long = "é".repeat(300);
        assert_eq!(clean_name(&long).chars().count(), MAX_NAME);
        let words = "word ".repeat(100);
        assert!(clean_name(&words).chars().count() <= MAX_NAME);
        assert!(!clean_name(&words).ends_with(' '));
    }

    #[test]
    fn keys_and_clickable_elements() {
        assert!(key_is_action("Enter", true));
        assert!(key_is_action(" ", false));
        assert!(!key_is_action(" ", true));
        assert!(!key_is_action("a", false));
        assert!(looks_clickable("button", "", false, false));
        assert!(looks_clickable("div", "", false, true));
        assert!(looks_clickable("div", "button", false, false));
        assert!(!looks_clickable("a", "", false, false));
        assert!(!looks_clickable("input", "", false, true));
        assert!(!looks_clickable("div", "", false, false));
        assert!(!named_by_text("textarea"));
        assert!(named_by_text("button"));
        assert!(input_labelled_by_value("submit") && input_labelled_by_value("button"));
        assert!(!input_labelled_by_value("text") && !input_labelled_by_value("password"));
        assert!(!input_labelled_by_value("hidden") && !input_labelled_by_value(""));
    }

    #[test]
    fn duration_covers_the_fetch_and_the_settle_window() {
        let mut tr = Tracker::default();
        assert!(tr.input(click(1000.0, "#buy")).is_none());
        tr.processed(1002.0);
        let id = tr.http_start(1001.0).unwrap();
        assert_eq!(tr.check(1200.0), Step::Wait(SETTLE_MS));
        tr.http_end(id, 1310.0, false);
        tr.dom_change(1312.0);
        let a = settle(&mut tr, 1320.0);
        assert_eq!(a.dur, 312.0);
        assert_eq!((a.http, a.http_fail, a.clicks), (1, 0, 1));
        assert!(a.frust.is_empty(), "{:?}", a.frust);
        assert_eq!(tr.check(5000.0), Step::Idle);
    }

    #[test]
    fn settled_actions_count_nothing_more() {
        let mut tr = Tracker::default();
        tr.input(Input { kind: Kind::Key, ..click(0.0, "#q") });
        tr.processed(5.0);
        let a = settle(&mut tr, 10.0);
        assert_eq!(a.dur, 5.0);
        assert_eq!(a.kind, "key");
        assert!(a.frust.is_empty(), "keys are never dead");
        assert_eq!(tr.http_start(300.0), None);
    }

    #[test]
    fn five_fast_clicks_are_one_rage_click() {
        let mut tr = Tracker::default();
        for i in 0..5 {
            assert!(tr.input(click(f64::from(i) * 150.0, "#x")).is_none());
            tr.dom_change(f64::from(i) * 150.0 + 1.0);
        }
        let a = settle(&mut tr, 620.0);
        assert_eq!(a.clicks, 5);
        assert_eq!(a.frust, vec!["rage".to_string()]);
        // Slow clicks are separate actions, never rage.
        let mut tr = Tracker::default();
        tr.input(click(0.0, "#x"));
        tr.dom_change(1.0);
        let first = tr.input(click(1200.0, "#x")).unwrap();
        assert_eq!(first.clicks, 1);
        assert!(first.frust.is_empty());
        assert!(!rage(&[0.0, 600.0, 1200.0]));
        assert!(rage(&[0.0, 600.0, 1000.0]));
    }

    #[test]
    fn rage_click_still_merges_after_it_settled() {
        let mut tr = Tracker::default();
        tr.input(click(0.0, "#x"));
        tr.dom_change(2.0);
        assert!(matches!(tr.check(200.0), Step::Wait(_)), "waits out the rage window");
        assert!(tr.input(click(500.0, "#x")).is_none());
        assert!(tr.input(click(700.0, "#x")).is_none());
        let a = settle(&mut tr, 800.0);
        assert_eq!((a.clicks, a.dur), (3, 700.0));
        assert_eq!(a.frust, vec!["rage".to_string()]);
    }

    #[test]
    fn dead_and_error_clicks() {
        let mut tr = Tracker::default();
        tr.input(click(0.0, "div.fancy"));
        assert_eq!(settle(&mut tr, 5.0).frust, vec!["dead".to_string()]);
        // Not clickable-looking: nothing expected, not dead.
        tr.input(Input { clickable: false, ..click(0.0, "p") });
        assert!(settle(&mut tr, 5.0).frust.is_empty());
        // A request or a navigation is a reaction.
        tr.input(click(0.0, "#a"));
        tr.http_start(1.0);
        assert!(!settle(&mut tr, 5.0).frust.contains(&"dead".to_string()));
        tr.input(click(0.0, "#a"));
        tr.navigation();
        assert!(settle(&mut tr, 5.0).frust.is_empty());
        tr.input(click(0.0, "#boom"));
        tr.error(1.0);
        let a = settle(&mut tr, 5.0);
        assert_eq!(a.frust, vec!["error".to_string()], "an error is not nothing: not dead");
        assert_eq!(a.errors, 1);
    }

    #[test]
    fn echoes_are_one_action_and_new_inputs_end_the_open_one() {
        let mut tr = Tracker::default();
        tr.input(Input { kind: Kind::Key, ..click(0.0, "#send") });
        assert!(tr.input(click(3.0, "#send")).is_none(), "Enter's click");
        assert!(tr.input(Input { kind: Kind::Submit, ..click(4.0, "form") }).is_none(), "and its submit");
        tr.dom_change(10.0);
        let prev = tr.input(click(50.0, "#other")).unwrap();
        assert_eq!((prev.kind.as_str(), prev.dur), ("key", 10.0));
        let a = tr.finish().unwrap();
        assert_eq!(a.target, "#other");
    }

    #[test]
    fn long_frames_and_event_timing_extend_it_and_the_cap_ends_it() {
        let mut tr = Tracker::default();
        tr.input(click(100.0, "#b"));
        tr.long_frames(&[(50.0, 90.0), (100.0, 260.0)]);
        tr.long_frames(&[(100.0, 260.0)]);
        tr.event_timing(100.0, 180.0);
        tr.event_timing(400.0, 50.0);
        tr.dom_change(120.0);
        let a = settle(&mut tr, 300.0);
        assert_eq!((a.long, a.inp, a.dur), (1, Some(180.0), 180.0));
        // A page that never goes quiet.
        tr.input(click(0.0, "#poll"));
        let mut now = 0.0;
        loop {
            tr.dom_change(now);
            now += 50.0;
            if let Step::Done(a) = tr.check(now) {
                assert!(a.dur > MAX_DURATION_MS - SETTLE_MS && a.dur <= MAX_DURATION_MS, "{}", a.dur);
                break;
            }
            assert!(now < 20_000.0);
        }
    }

    #[test]
    fn per_view_cap() {
        let mut tr = Tracker::default();
        for _ in 0..MAX_PER_VIEW {
            assert!(tr.admit("v1"));
        }
        assert!(!tr.admit("v1"));
        assert!(tr.admit("v2"));
    }
}
