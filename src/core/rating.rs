//! SLI classification: the standard good / needs-improvement / poor
//! thresholds (web.dev for the Core Web Vitals, Lighthouse for TTI/TBT),
//! shared by the agent (each report's `rating`) and the collector (shares).

#[allow(unused_imports)]
use crate::prelude::*;

pub const GOOD: &str = "good";
pub const NEEDS_IMPROVEMENT: &str = "needs-improvement";
pub const POOR: &str = "poor";

/// (good ≤ a, poor > b) per metric; `None` for metrics without a standard.
pub fn thresholds(metric: &str) -> Option<(f64, f64)> {
    Some(match metric {
        "LCP" => (2500.0, 4000.0),
        "INP" => (200.0, 500.0),
        "CLS" => (0.1, 0.25),
        "FCP" => (1800.0, 3000.0),
        "TTFB" => (800.0, 1800.0),
        // Lighthouse's mobile scoring breakpoints.
        "TTI" => (3800.0, 7300.0),
        "TBT" => (200.0, 600.0),
        _ => return None,
    })
}

pub fn rate(metric: &str, value: f64) -> &'static str {
    match thresholds(metric) {
        Some((good, _)) if value <= good => GOOD,
        Some((_, poor)) if value <= poor => NEEDS_IMPROVEMENT,
        Some(_) => POOR,
        None => "",
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn boundaries_are_inclusive_like_web_vitals() {
        assert_eq!(rate("LCP", 2500.0), GOOD);
        assert_eq!(rate("LCP", 2500.1), NEEDS_IMPROVEMENT);
        assert_eq!(rate("LCP", 4000.0), NEEDS_IMPROVEMENT);
        assert_eq!(rate("LCP", 4000.1), POOR);
        assert_eq!(rate("CLS", 0.1), GOOD);
        assert_eq!(rate("CLS", 0.26), POOR);
        assert_eq!(rate("INP", 201.0), NEEDS_IMPROVEMENT);
        assert_eq!(rate("nope", 1.0), "");
    }
}
