//! `rum-collector slo rules`: a Prometheus rule file from the same SLO
//! definitions as `/api/slo` — recording rules for each SLO's error ratio
//! over the windows, and the SRE workbook's multi-window, multi-burn-rate
//! alerts.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::{Slo, ALERTS, WINDOWS};

#[derive(clap::Args, Debug, Clone)]
pub struct RulesArgs {
    /// Dashboard URL put in the alerts' annotations.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8787/#slo")]
    pub dashboard_url: String,
    /// Replace every alert's `for:` duration (e.g. `0s` in tests); default:
    /// 2m (fast page), 15m (slow page), 1h (ticket).
    #[arg(long, value_name = "DURATION")]
    pub alert_for: Option<String>,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum SloCommand {
    /// Print a Prometheus rule file (recording rules and burn-rate alerts).
    Rules(RulesArgs),
}

#[derive(Serialize)]
struct File {
    groups: Vec<Group>,
}

#[derive(Serialize)]
struct Group {
    name: String,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct Rule {
    #[serde(skip_serializing_if = "Option::is_none")]
    record: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alert: Option<String>,
    expr: String,
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    for_: Option<String>,
    labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
}

/// Name of the recording rule holding an SLO's error ratio over `window`.
pub fn ratio_record(window: &str) -> String {
    format!("rum_slo:error_ratio:rate{window}")
}

fn pct(x: f64) -> String {
    let s = format!("{:.4}", x * 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// The rule file, YAML.
pub fn render(slos: &[Slo], dashboard_url: &str, alert_for: Option<&str>) -> Result<String, String> {
    let mut groups = Vec::new();
    for s in slos {
        let sel = format!("{{slo=\"{}\"}}", s.name);
        let labels = || BTreeMap::from([("slo".to_string(), s.name.clone())]);
        let mut rules = Vec::new();
        let mut windows: Vec<String> = WINDOWS.iter().map(|(w, _)| w.to_string()).collect();
        let whole = s.window_label();
        if !windows.contains(&whole) {
            windows.push(whole.clone());
        }
        for w in &windows {
            rules.push(Rule {
                record: Some(ratio_record(w)),
                alert: None,
                expr: format!(
                    "sum(rate(rum_slo_bad_events_total{sel}[{w}])) / sum(rate(rum_slo_events_total{sel}[{w}]))"
                ),
                for_: None,
                labels: labels(),
                annotations: BTreeMap::new(),
            });
        }
        rules.push(Rule {
            record: Some("rum_slo:objective:ratio".into()),
            alert: None,
            expr: format!("vector({})", s.objective),
            for_: None,
            labels: labels(),
            annotations: BTreeMap::new(),
        });
        rules.push(Rule {
            record: Some("rum_slo:error_budget_remaining:ratio".into()),
            alert: None,
            expr: format!("1 - {}{sel} / {}", ratio_record(&whole), s.budget()),
            for_: None,
            labels: labels(),
            annotations: BTreeMap::new(),
        });
        for a in ALERTS {
            let threshold = format!("({} * {})", a.burn_rate, s.budget());
            let mut l = labels();
            l.insert("severity".into(), a.severity.into());
            l.insert("long_window".into(), a.long.into());
            l.insert("short_window".into(), a.short.into());
            let mut ann = BTreeMap::new();
            ann.insert(
                "summary".into(),
                format!(
                    "SLO {} burns its error budget over {}x too fast ({} and {} windows)",
                    s.name, a.burn_rate, a.long, a.short
                ),
            );
            ann.insert(
                "description".into(),
                format!(
                    "{}: objective {} over {}, error budget {} of {}s. Error ratio over {}: \
                     {{{{ $value | humanizePercentage }}}} (burning above {}x the budget, i.e. {}).",
                    s.sli.describe(),
                    pct(s.objective),
                    whole,
                    pct(s.budget()),
                    s.sli.unit(),
                    a.long,
                    a.burn_rate,
                    a.budget_consumed
                ),
            );
            ann.insert("dashboard".into(), dashboard_url.to_string());
            rules.push(Rule {
                record: None,
                alert: Some("RumSloErrorBudgetBurn".into()),
                expr: format!(
                    "{long}{sel} > {threshold}\nand\n{short}{sel} > {threshold}",
                    long = ratio_record(a.long),
                    short = ratio_record(a.short),
                ),
                for_: Some(alert_for.unwrap_or(a.for_).to_string()),
                labels: l,
                annotations: ann,
            });
        }
        groups.push(Group { name: format!("rum-slo-{}", s.name), rules });
    }
    let head = "# Generated by `rum-collector slo rules`: recording rules for each SLO's error ratio and the\n\
                # SRE workbook's multi-window, multi-burn-rate alerts (page 14.4x over 1h and 5m, page 6x over\n\
                # 6h and 30m, ticket 1x over 3d and 6h). Regenerate rather than edit.\n";
    let body = serde_norway::to_string(&File { groups }).map_err(|e| e.to_string())?;
    Ok(format!("{head}{body}"))
}

/// `slo_file`: the global `--slo` (before or after the subcommand).
pub fn run(cmd: &SloCommand, slo_file: Option<&Path>) -> Result<String, String> {
    match cmd {
        SloCommand::Rules(a) => {
            if let Some(f) = &a.alert_for {
                humantime::parse_duration(f).map_err(|e| format!("--alert-for {f:?}: {e}"))?;
            }
            let slos = super::load(slo_file)?;
            render(&slos, &a.dashboard_url, a.alert_for.as_deref())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_cover_every_slo_window_and_alert() {
        let y = render(&super::super::defaults(), "http://x/#slo", None).unwrap();
        for s in ["js-errors", "web-vitals", "tti", "http"] {
            assert!(y.contains(&format!("name: rum-slo-{s}")), "{y}");
        }
        for w in ["5m", "30m", "1h", "6h", "1d", "3d", "28d"] {
            assert!(y.contains(&format!("record: rum_slo:error_ratio:rate{w}")), "{w}");
        }
        assert!(y.contains("rum_slo:error_ratio:rate1h{slo=\"js-errors\"} > (14.4 * 0.0001)"), "{y}");
        assert_eq!(y.matches("alert: RumSloErrorBudgetBurn").count(), 12);
        assert!(y.contains("severity: ticket") && y.contains("for: 2m"));
    }

    #[test]
    fn the_shipped_rule_file_is_the_generated_one() {
        let shipped = include_str!("../../../docs/prometheus/rum-slo.rules.yml");
        let y = render(&super::super::defaults(), "http://127.0.0.1:8787/#slo", None).unwrap();
        assert!(
            shipped == y,
            "docs/prometheus/rum-slo.rules.yml is stale: regenerate it with `rum-collector slo rules`"
        );
    }
}
