//! The generated Prometheus rules against the real thing (Debian's
//! `prometheus` package, installed by `cargo xtask test`):
//! - `promtool check rules` on the default rule file;
//! - `promtool test rules`: a fast burn, a slow burn, a blip only the long
//!   window sees and a healthy service, each alert firing or not;
//! - a real Prometheus scraping a running collector fed with traffic and a
//!   burst of JS errors: the page alert goes pending/firing and its numbers
//!   agree with `/api/slo`.
//!
//! Without promtool/prometheus these tests fail (set RUM_SKIP_PROMETHEUS=1
//! to skip them on a machine without them).
// Tests: a failing step should panic (the workspace lints hold shipped code).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_rum-collector");

fn tools_present() -> bool {
    let ok = ["promtool", "prometheus"]
        .iter()
        .all(|b| Command::new(b).arg("--version").output().is_ok_and(|o| o.status.success()));
    if !ok && std::env::var_os("RUM_SKIP_PROMETHEUS").is_none() {
        panic!("promtool and prometheus are needed (Debian package `prometheus`; `cargo xtask test` installs it)");
    }
    ok
}

fn rules(args: &[&str]) -> String {
    let out = Command::new(BIN).args(["slo", "rules"]).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn promtool(args: &[&str], dir: &Path) -> String {
    let out = Command::new("promtool").args(args).current_dir(dir).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "promtool {args:?}:\n{text}");
    text
}

#[test]
fn promtool_checks_the_default_rules() {
    if !tools_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.yaml"), rules(&[])).unwrap();
    let out = promtool(&["check", "rules", "rules.yaml"], dir.path());
    // 4 SLOs × (7 ratios + objective + budget left + 3 alerts).
    assert!(out.contains("SUCCESS: 48 rules found"), "{out}");
    // A file given with --slo drives the rules too.
    let slo = dir.path().join("slo.yaml");
    std::fs::write(&slo, "slos:\n  - {name: checkout, objective: 0.99, window: 7d, sli: {kind: http_success}, filters: {route: \"/checkout/*\"}}\n").unwrap();
    let y = rules(&["--slo", slo.to_str().unwrap()]);
    assert!(y.contains("rum_slo:error_ratio:rate7d{slo=\"checkout\"} / 0.01"), "{y}");
    std::fs::write(dir.path().join("custom.yaml"), y).unwrap();
    let out = promtool(&["check", "rules", "custom.yaml"], dir.path());
    assert!(out.contains("SUCCESS: 12 rules found"), "{out}");
    // A bad file: the line and the field, exit status 1.
    std::fs::write(&slo, "slos:\n  - name: x\n    objective: 99.9\n    sli: {kind: http_success}\n").unwrap();
    let out = Command::new(BIN).args(["slo", "rules", "--slo", slo.to_str().unwrap()]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("slo.yaml:3: slos[0].objective"), "{err}");
}

/// The annotations the rule file gives an alert, `$value` rendered as `value`.
fn annotations(rules: &Value, slo: &str, long: &str, value: &str) -> Value {
    let rule = rules["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap())
        .find(|r| r["alert"].is_string() && r["labels"]["slo"] == slo && r["labels"]["long_window"] == long)
        .unwrap();
    let mut a = rule["annotations"].clone();
    let d = a["description"].as_str().unwrap().replace("{{ $value | humanizePercentage }}", value);
    a["description"] = Value::String(d);
    a
}

fn alert(rules: &Value, slo: &str, severity: &str, long: &str, short: &str, value: &str) -> Value {
    serde_json::json!({
        "exp_labels": {"slo": slo, "severity": severity, "long_window": long, "short_window": short},
        "exp_annotations": annotations(rules, slo, long, value),
    })
}

#[test]
fn promtool_unit_tests_fire_and_hold_the_alerts() {
    if !tools_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let text = rules(&["--dashboard-url", "https://rum.example/#slo"]);
    std::fs::write(dir.path().join("rules.yaml"), &text).unwrap();
    let r: Value = serde_norway::from_str(&text).unwrap();
    // The `http` SLO: objective 0.999, budget 0.001; 1000 calls a minute.
    let series = |bad: &str| {
        serde_json::json!([
            {"series": "rum_slo_events_total{slo=\"http\",app=\"shop\",env=\"prod\"}", "values": "0+1000x400"},
            {"series": "rum_slo_bad_events_total{slo=\"http\",app=\"shop\",env=\"prod\"}", "values": bad},
        ])
    };
    let page = |long, short, v| alert(&r, "http", "page", long, short, v);
    let ticket = |v| alert(&r, "http", "ticket", "3d", "6h", v);
    let tests = serde_json::json!({
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                // Fast burn: 2 % errors = 20x. The fast page fires after its
                // `for: 2m`; the slow page after 15m; the ticket after 1h.
                "interval": "1m",
                "input_series": series("0+20x400"),
                "promql_expr_test": [
                    {"expr": "rum_slo:error_ratio:rate5m{slo=\"http\"}", "eval_time": "10m",
                     "exp_samples": [{"labels": "rum_slo:error_ratio:rate5m{slo=\"http\"}", "value": 0.02}]},
                    {"expr": "round(rum_slo:error_budget_remaining:ratio{slo=\"http\"}, 0.001)", "eval_time": "10m",
                     "exp_samples": [{"labels": "{slo=\"http\"}", "value": -19}]},
                ],
                "alert_rule_test": [
                    {"eval_time": "1m", "alertname": "RumSloErrorBudgetBurn", "exp_alerts": []},
                    {"eval_time": "10m", "alertname": "RumSloErrorBudgetBurn", "exp_alerts": [page("1h", "5m", "2%")]},
                    {"eval_time": "30m", "alertname": "RumSloErrorBudgetBurn",
                     "exp_alerts": [page("1h", "5m", "2%"), page("6h", "30m", "2%")]},
                    {"eval_time": "90m", "alertname": "RumSloErrorBudgetBurn",
                     "exp_alerts": [page("1h", "5m", "2%"), page("6h", "30m", "2%"), ticket("2%")]},
                ],
            },
            {
                // Slow burn: 0.8 % = 8x: never the fast page (14.4x), the
                // slow page once `for: 15m` has passed, later the ticket.
                "interval": "1m",
                "input_series": series("0+8x400"),
                "alert_rule_test": [
                    {"eval_time": "10m", "alertname": "RumSloErrorBudgetBurn", "exp_alerts": []},
                    {"eval_time": "30m", "alertname": "RumSloErrorBudgetBurn", "exp_alerts": [page("6h", "30m", "0.8%")]},
                    {"eval_time": "90m", "alertname": "RumSloErrorBudgetBurn",
                     "exp_alerts": [page("6h", "30m", "0.8%"), ticket("0.8%")]},
                ],
            },
            {
                // A blip: 30 % errors for 10 minutes, then none. It pages
                // while it lasts; 40 minutes later only the long windows
                // still see it, the short ones stop the pages.
                "interval": "1m",
                "input_series": series("0+300x10 3000+0x390"),
                "alert_rule_test": [
                    {"eval_time": "8m", "alertname": "RumSloErrorBudgetBurn", "exp_alerts": [page("1h", "5m", "30%")]},
                    {"eval_time": "50m", "alertname": "RumSloErrorBudgetBurn", "exp_alerts": []},
                ],
                "promql_expr_test": [
                    {"expr": "rum_slo:error_ratio:rate1h{slo=\"http\"} > 14.4 * 0.001", "eval_time": "50m",
                     "exp_samples": [{"labels": "rum_slo:error_ratio:rate1h{slo=\"http\"}", "value": 0.06}]},
                ],
            },
            {
                // Healthy: 0.05 % = half the budget. Nothing, ever.
                "interval": "1m",
                "input_series": series("0+0.5x400"),
                "alert_rule_test": [
                    {"eval_time": "5m", "alertname": "RumSloErrorBudgetBurn", "exp_alerts": []},
                    {"eval_time": "6h", "alertname": "RumSloErrorBudgetBurn", "exp_alerts": []},
                ],
            },
        ],
    });
    std::fs::write(dir.path().join("tests.yaml"), serde_norway::to_string(&tests).unwrap()).unwrap();
    let out = promtool(&["test", "rules", "tests.yaml"], dir.path());
    println!("{out}");
    assert!(out.contains("SUCCESS"), "{out}");
}

// ---- a real Prometheus scraping a real collector ----

struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn try_http(addr: &str, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nUser-Agent: {CHROME_UA}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    let status = out.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

fn req(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    try_http(addr, method, path, body).unwrap()
}

fn get_json(addr: &str, path: &str) -> Value {
    let (status, body) = req(addr, "GET", path, "");
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_collector(db: &Path) -> (Proc, String) {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--db", db.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while out.read(&mut b).unwrap() == 1 && b[0] != b'\n' {
        line.push(b[0]);
    }
    let line = String::from_utf8(line).unwrap();
    let addr = line.strip_prefix("listening on http://").unwrap_or_else(|| panic!("{line}")).to_string();
    (Proc(child), addr)
}

fn urlencode(q: &str) -> String {
    q.bytes().map(|c| if c.is_ascii_alphanumeric() { (c as char).to_string() } else { format!("%{c:02X}") }).collect()
}

fn query(prom: &str, q: &str) -> Option<f64> {
    let v = get_json(prom, &format!("/api/v1/query?query={}", urlencode(q)));
    v["data"]["result"][0]["value"][1].as_str().and_then(|s| s.parse().ok())
}

#[test]
fn prometheus_pages_on_a_burst_of_js_errors_and_agrees_with_api_slo() {
    if !tools_present() {
        return;
    }
    let t0 = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let (_collector, addr) = start_collector(&dir.path().join("rum.db"));
    // The rule file as shipped, except `for:` shortened to 5s (this test's
    // only change: the default 2m would outlast it).
    std::fs::write(dir.path().join("rules.yaml"), rules(&["--alert-for", "5s"])).unwrap();
    std::fs::write(
        dir.path().join("prometheus.yml"),
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [rules.yaml]\n\
             scrape_configs:\n  - job_name: rum\n    static_configs:\n      - targets: ['{addr}']\n"
        ),
    )
    .unwrap();
    let port = free_port();
    let prom = format!("127.0.0.1:{port}");
    let _prometheus = Proc(
        Command::new("prometheus")
            .current_dir(dir.path())
            .args(["--config.file=prometheus.yml", "--storage.tsdb.path=data", &format!("--web.listen-address={prom}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // Traffic like the demo's: 200 sessions with vitals and API calls, then
    // a burst of JS errors in 20 of them.
    for i in 0..200 {
        let m = meta(&format!("v{i}"), &format!("s{i}"), "2.0.0");
        let lcp = 1200.0 + f64::from(i % 7) * 400.0;
        let body = encode(&m, 1, &[nav(900.0), vital("LCP", lcp), vital("CLS", 0.02), http(200, "")]);
        assert_eq!(req(&addr, "POST", "/collect", &body).0, 204);
    }
    for i in 0..20 {
        let m = meta(&format!("v{i}"), &format!("s{i}"), "2.0.0");
        let body = encode(&m, 2, &[js_error("Cannot read properties of undefined")]);
        assert_eq!(req(&addr, "POST", "/collect", &body).0, 204);
    }
    // Wait for the page alert (the counters trail by ~20 s, see slo::prom::LAG_MS).
    let mut seen = Vec::new();
    let alert = loop {
        assert!(t0.elapsed() < Duration::from_secs(85), "no page alert; states seen: {seen:?}");
        std::thread::sleep(Duration::from_secs(1));
        // Prometheus may still be starting.
        let Ok((200, body)) = try_http(&prom, "GET", "/api/v1/alerts", "") else { continue };
        let v: Value = serde_json::from_str(&body).unwrap();
        let page = v["data"]["alerts"].as_array().into_iter().flatten().find(|a| {
            a["labels"]["slo"] == "js-errors" && a["labels"]["severity"] == "page" && a["labels"]["long_window"] == "1h"
        });
        if let Some(a) = page {
            let state = a["state"].as_str().unwrap_or("").to_string();
            if seen.last() != Some(&state) {
                seen.push(state.clone());
            }
            if state == "firing" {
                break a.clone();
            }
        }
    };
    println!("alert states seen: {seen:?} after {:?}", t0.elapsed());
    assert_eq!(alert["annotations"]["dashboard"], "http://127.0.0.1:8787/#slo");
    // The errors may have reached the counters a tick after the sessions:
    // wait until Prometheus has scraped them all, and a rule evaluation more.
    let sums = || {
        (
            query(&prom, "sum(rum_slo_events_total{slo=\"js-errors\"})"),
            query(&prom, "sum(rum_slo_bad_events_total{slo=\"js-errors\"})"),
        )
    };
    while sums() != (Some(200.0), Some(20.0)) {
        assert!(t0.elapsed() < Duration::from_secs(88), "Prometheus sums {:?}", sums());
        std::thread::sleep(Duration::from_millis(500));
    }
    std::thread::sleep(Duration::from_secs(2));
    let alerts = get_json(&prom, "/api/v1/alerts");
    let alert = alerts["data"]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["labels"]["slo"] == "js-errors" && a["labels"]["long_window"] == "1h")
        .unwrap()
        .clone();
    println!("{alert:#}");
    // The same data through /api/slo and through Prometheus.
    let api = get_json(&addr, "/api/slo");
    let js = api["slos"].as_array().unwrap().iter().find(|s| s["name"] == "js-errors").unwrap();
    let h1 = js["windows"].as_array().unwrap().iter().find(|w| w["window"] == "1h").unwrap();
    assert_eq!((h1["total"].as_i64(), h1["bad"].as_i64()), (Some(200), Some(20)), "{js}");
    assert_eq!(js["state"], "page");
    let ratio = query(&prom, "rum_slo:error_ratio:rate1h{slo=\"js-errors\"}").unwrap();
    let api_ratio = h1["error_ratio"].as_f64().unwrap();
    assert!((ratio - api_ratio).abs() < 1e-9, "Prometheus {ratio} vs /api/slo {api_ratio}");
    let burn = api_ratio / 0.0001;
    let alert_value: f64 = alert["value"].as_str().unwrap().parse().unwrap();
    assert!((alert_value / 0.0001 - burn).abs() < 1e-6, "alert value {alert_value} vs burn {burn}");
    println!(
        "api/slo 1h: total {} bad {} burn {burn:.1}; Prometheus ratio {ratio}; {:?}",
        h1["total"],
        h1["bad"],
        t0.elapsed()
    );
    // Every query of the Grafana dashboard (docs/grafana/) is valid PromQL
    // over these metrics and rules, with its variables set to "all".
    let dash: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/grafana/rum-collector.json"))
            .unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for p in dash["panels"].as_array().unwrap() {
        for t in p["targets"].as_array().into_iter().flatten() {
            let mut e = t["expr"].as_str().unwrap().to_string();
            for (var, val) in [("$__rate_interval", "1m"), ("$__range", "5m")] {
                e = e.replace(var, val);
            }
            for var in ["$app", "$env", "$route", "$device", "$slo"] {
                e = e.replace(var, ".*");
            }
            let v = get_json(&prom, &format!("/api/v1/query?query={}", urlencode(&e)));
            assert_eq!(v["status"], "success", "{} {e}: {v}", p["title"]);
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked}");
    let budget = query(&prom, "rum_slo:error_budget_remaining:ratio{slo=\"js-errors\"}").unwrap();
    assert!((budget - js["error_budget_remaining"].as_f64().unwrap()).abs() < 1e-6, "budget {budget} vs {js}");
    // The Web Vitals histograms reached Prometheus too.
    let lcp = query(&prom, "sum(rum_lcp_seconds_count)").unwrap();
    assert_eq!(lcp, 200.0);
}
