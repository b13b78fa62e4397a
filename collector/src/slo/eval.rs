//! Evaluating SLOs with SQL aggregation (no row is loaded into memory):
//! each SLI kind is one subquery yielding one row per unit, dated by the
//! receive time that puts it in the total or in bad (see the module docs
//! of `slo`), and the windows are `sum(t >= start)` over it.

use rusqlite::types::Value as Sql;
use rusqlite::Connection;
use serde_json::{json, Value};

use super::{Filters, Metric, Sli, Slo, ALERTS, WINDOWS};

/// Which side of the ratio a subquery counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Side {
    Total,
    Bad,
}

/// Filters as SQL on `alias` (an `events` or `page_views` row).
fn filters_sql(f: &Filters, alias: &str, table_is_events: bool, sql: &mut String, params: &mut Vec<Sql>) {
    let mut eq = |col: &str, v: &Option<String>| {
        if let Some(v) = v {
            sql.push_str(&format!(" AND {alias}.{col} = ?"));
            params.push(Sql::Text(v.clone()));
        }
    };
    eq("app_name", &f.app);
    eq("app_env", &f.env);
    eq("app_version", &f.release);
    eq("device", &f.device);
    eq("country", &f.country);
    if let Some(r) = &f.route {
        if table_is_events {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM page_views rp WHERE rp.id = {alias}.page_view_id AND rp.page GLOB ?)"
            ));
        } else {
            sql.push_str(&format!(" AND {alias}.page GLOB ?"));
        }
        params.push(Sql::Text(r.clone()));
    }
}

/// `(kind = ? AND name = ? [AND value > ?]) OR …` on `alias`.
fn metric_sql(th: &[(Metric, f64)], side: Side, alias: &str, sql: &mut String, params: &mut Vec<Sql>) {
    sql.push_str(" AND (");
    for (i, (m, v)) in th.iter().enumerate() {
        if i > 0 {
            sql.push_str(" OR ");
        }
        let (kind, name) = m.event();
        sql.push_str(&format!("({alias}.kind = ? AND {alias}.name = ? AND {alias}.value IS NOT NULL"));
        params.push(Sql::Text(kind.into()));
        params.push(Sql::Text(name.into()));
        if side == Side::Bad {
            sql.push_str(&format!(" AND {alias}.value > ?"));
            params.push(Sql::Real(*v));
        }
        sql.push(')');
    }
    sql.push(')');
}

const JS_ERROR: &str = "kind = 'error' AND json_extract(ATTR, '$.src') IN ('js', 'promise')";
const HTTP_BAD: &str =
    "(coalesce(json_extract(e.attributes, '$.status'), 0) >= 500 OR coalesce(json_extract(e.attributes, '$.fail'), '') <> '')";

/// An action failed: an HTTP call it started failed, or an error happened in it.
const ACTION_FAILED: &str =
    "(coalesce(json_extract(e.attributes, '$.http_fail'), 0) > 0 OR coalesce(json_extract(e.attributes, '$.errors'), 0) > 0)";

/// A subquery with columns `t` (epoch ms), `app`, `env`: one row per unit of
/// `slo` entering `side` at `t`, for `lo <= t < hi`.
pub fn unit_rows(slo: &Slo, side: Side, lo: i64, hi: i64) -> (String, Vec<Sql>) {
    let mut s = String::new();
    let mut p: Vec<Sql> = Vec::new();
    let f = &slo.filters;
    // The first event of `key` (page_view_id or session_id) matching the
    // same conditions: ties on the receive time broken by row id.
    let events_first = |key: &str,
                        cond: &dyn Fn(&str, &mut String, &mut Vec<Sql>),
                        s: &mut String,
                        p: &mut Vec<Sql>| {
        s.push_str("SELECT e.received_at AS t, e.app_name AS app, e.app_env AS env FROM events e WHERE e.received_at >= ? AND e.received_at < ?");
        p.push(Sql::Integer(lo));
        p.push(Sql::Integer(hi));
        cond("e", s, p);
        filters_sql(f, "e", true, s, p);
        // INDEXED BY: left alone, the planner walks (kind, received_at) for
        // this correlated look-up, which is quadratic in the window's events.
        let index = if key == "page_view_id" { "events_page_view" } else { "events_session_kind" };
        s.push_str(&format!(" AND NOT EXISTS (SELECT 1 FROM events x INDEXED BY {index} WHERE x.{key} = e.{key}"));
        cond("x", s, p);
        filters_sql(f, "x", true, s, p);
        s.push_str(" AND (x.received_at < e.received_at OR (x.received_at = e.received_at AND x.id < e.id)))");
    };
    match (&slo.sli, side) {
        (Sli::PageViewThreshold { thresholds }, side) => {
            events_first("page_view_id", &|a, s, p| metric_sql(thresholds, side, a, s, p), &mut s, &mut p)
        }
        (Sli::SessionAllGood { thresholds }, side) => {
            events_first("session_id", &|a, s, p| metric_sql(thresholds, side, a, s, p), &mut s, &mut p)
        }
        (Sli::ErrorFreeSessions, Side::Bad) => events_first(
            "session_id",
            &|a, s, _p| {
                s.push_str(" AND ");
                s.push_str(&JS_ERROR.replace("kind", &format!("{a}.kind")).replace("ATTR", &format!("{a}.attributes")));
            },
            &mut s,
            &mut p,
        ),
        (Sli::ErrorFreeSessions, Side::Total) => {
            // The session's first page view (among those the filters keep).
            s.push_str("SELECT v.first_seen AS t, v.app_name AS app, v.app_env AS env FROM page_views v WHERE v.first_seen >= ? AND v.first_seen < ?");
            p.push(Sql::Integer(lo));
            p.push(Sql::Integer(hi));
            filters_sql(f, "v", false, &mut s, &mut p);
            s.push_str(" AND NOT EXISTS (SELECT 1 FROM page_views w INDEXED BY page_views_session WHERE w.session_id = v.session_id");
            filters_sql(f, "w", false, &mut s, &mut p);
            s.push_str(" AND (w.first_seen < v.first_seen OR (w.first_seen = v.first_seen AND w.id < v.id)))");
        }
        (Sli::ActionDuration { action, threshold }, side) => {
            s.push_str("SELECT e.received_at AS t, e.app_name AS app, e.app_env AS env FROM events e WHERE e.kind = 'action' AND e.received_at >= ? AND e.received_at < ?");
            p.push(Sql::Integer(lo));
            p.push(Sql::Integer(hi));
            if let Some(name) = action {
                s.push_str(" AND e.name = ?");
                p.push(Sql::Text(name.clone()));
            }
            if side == Side::Bad {
                s.push_str(" AND (coalesce(e.value, 0) > ? OR ");
                s.push_str(ACTION_FAILED);
                s.push(')');
                p.push(Sql::Real(*threshold));
            }
            filters_sql(f, "e", true, &mut s, &mut p);
        }
        (Sli::HttpSuccess, side) => {
            s.push_str("SELECT e.received_at AS t, e.app_name AS app, e.app_env AS env FROM events e WHERE e.kind = 'http' AND e.received_at >= ? AND e.received_at < ?");
            p.push(Sql::Integer(lo));
            p.push(Sql::Integer(hi));
            if side == Side::Bad {
                s.push_str(" AND ");
                s.push_str(HTTP_BAD);
            }
            filters_sql(f, "e", true, &mut s, &mut p);
        }
    }
    (s, p)
}

/// Units entering `side` in each of `[now - w, now)`, for each `w` (ms).
pub fn count_windows(
    conn: &Connection,
    slo: &Slo,
    side: Side,
    now: i64,
    windows_ms: &[i64],
) -> Result<Vec<i64>, String> {
    let longest = windows_ms.iter().copied().max().unwrap_or(0);
    let (sub, mut params) = unit_rows(slo, side, now - longest, now);
    let sums: Vec<String> = windows_ms.iter().map(|_| "coalesce(sum(t >= ?), 0)".to_string()).collect();
    let sql = format!("SELECT {} FROM ({sub})", sums.join(", "));
    let mut all: Vec<Sql> = windows_ms.iter().map(|w| Sql::Integer(now - w)).collect();
    all.append(&mut params);
    let mut st = conn.prepare_cached(&sql).map_err(|e| format!("slo {}: {e}", slo.name))?;
    st.query_row(rusqlite::params_from_iter(all), |r| (0..windows_ms.len()).map(|i| r.get::<_, i64>(i)).collect())
        .map_err(|e| format!("slo {}: {e}", slo.name))
}

/// Units entering `side` in `[lo, hi)`, by (app, env): what the counters add.
pub fn count_by_app_env(
    conn: &Connection,
    slo: &Slo,
    side: Side,
    lo: i64,
    hi: i64,
) -> Result<Vec<(String, String, u64)>, String> {
    let (sub, params) = unit_rows(slo, side, lo, hi);
    let sql = format!("SELECT app, env, count(*) FROM ({sub}) GROUP BY app, env");
    let mut st = conn.prepare_cached(&sql).map_err(|e| format!("slo {}: {e}", slo.name))?;
    let rows = st
        .query_map(rusqlite::params_from_iter(params), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0)))
        })
        .map_err(|e| e.to_string())?;
    rows.collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())
}

/// Error ratio and burn rate of one window.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowStat {
    pub window: String,
    pub total: i64,
    pub bad: i64,
    /// bad / total; `None` without events.
    pub error_ratio: Option<f64>,
    /// error ratio / error budget (1 = spending exactly the budget).
    pub burn_rate: Option<f64>,
}

/// Counts units entering a side in each window (`count_windows` of one backend).
pub type CountWindows<'a> = &'a dyn Fn(&Slo, Side, i64, &[i64]) -> Result<Vec<i64>, String>;

/// One SLO evaluated at `now`.
pub fn evaluate_one(conn: &Connection, slo: &Slo, now: i64) -> Result<Value, String> {
    evaluate_one_with(&|s, side, now, ms| count_windows(conn, s, side, now, ms), slo, now)
}

/// One SLO evaluated at `now`, counting with `count` (SQLite or ClickHouse).
pub fn evaluate_one_with(count: CountWindows, slo: &Slo, now: i64) -> Result<Value, String> {
    let slo_window_ms = i64::try_from(slo.window.as_millis()).unwrap_or(i64::MAX / 2);
    let mut names: Vec<String> = WINDOWS.iter().map(|(n, _)| n.to_string()).collect();
    let mut ms: Vec<i64> = WINDOWS.iter().map(|(_, s)| i64::try_from(*s).unwrap_or(0) * 1000).collect();
    names.push(slo.window_label());
    ms.push(slo_window_ms);
    let total = count(slo, Side::Total, now, &ms)?;
    let bad = count(slo, Side::Bad, now, &ms)?;
    let budget = slo.budget();
    let stats: Vec<WindowStat> = names
        .into_iter()
        .zip(total.iter().zip(&bad))
        .map(|(window, (&t, &b))| {
            let error_ratio = (t > 0).then(|| b as f64 / t as f64);
            WindowStat { window, total: t, bad: b, error_ratio, burn_rate: error_ratio.map(|r| r / budget) }
        })
        .collect();
    let by_name = |n: &str| stats.iter().find(|s| s.window == n);
    let burn = |n: &str| by_name(n).and_then(|s| s.burn_rate);
    let mut alerts = Vec::new();
    let mut state = "ok";
    for a in ALERTS {
        let (long, short) = (burn(a.long), burn(a.short));
        let firing = matches!((long, short), (Some(l), Some(s)) if l > a.burn_rate && s > a.burn_rate);
        if firing {
            state = match (state, a.severity) {
                (_, "page") => "page",
                ("ok", s) => s,
                (s, _) => s,
            };
        }
        alerts.push(json!({
            "name": a.name, "severity": a.severity, "long_window": a.long, "short_window": a.short,
            "threshold": a.burn_rate, "long_burn_rate": long, "short_burn_rate": short, "firing": firing,
        }));
    }
    let whole = stats.last();
    let sli_of = |s: Option<&WindowStat>| s.and_then(|s| s.error_ratio).map(|r| 1.0 - r);
    if whole.is_none_or(|w| w.total == 0) {
        state = "no_data";
    }
    let f = &slo.filters;
    Ok(json!({
        "name": slo.name,
        "description": slo.description,
        "sli": { "kind": slo.sli.kind(), "unit": slo.sli.unit(), "definition": slo.sli.describe() },
        "objective": slo.objective,
        "window": slo.window_label(),
        "filters": { "app": f.app, "env": f.env, "release": f.release, "route": f.route, "device": f.device, "country": f.country },
        "error_budget": budget,
        "sli_now": sli_of(by_name("1h")),
        "sli_window": sli_of(whole),
        "total": whole.map(|w| w.total),
        "bad": whole.map(|w| w.bad),
        "error_budget_remaining": whole.and_then(|w| w.burn_rate).map(|b| 1.0 - b),
        "windows": stats.iter().map(|s| json!({
            "window": s.window, "total": s.total, "bad": s.bad, "error_ratio": s.error_ratio, "burn_rate": s.burn_rate,
        })).collect::<Vec<_>>(),
        "alerts": alerts,
        "state": state,
    }))
}

/// The body of `GET /api/slo`.
pub fn evaluate(conn: &Connection, slos: &[Slo], now: i64) -> Result<Value, String> {
    evaluate_with(&|s, side, now, ms| count_windows(conn, s, side, now, ms), slos, now)
}

/// The body of `GET /api/slo`, counting with `count` (SQLite or ClickHouse).
pub fn evaluate_with(count: CountWindows, slos: &[Slo], now: i64) -> Result<Value, String> {
    let list = slos.iter().map(|s| evaluate_one_with(count, s, now)).collect::<Result<Vec<_>, _>>()?;
    let firing: Vec<Value> = list
        .iter()
        .flat_map(|s| {
            let name = s["name"].clone();
            s["alerts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|a| a["firing"] == true)
                .map(move |a| json!({"slo": name, "alert": a["name"], "severity": a["severity"]}))
                .collect::<Vec<_>>()
        })
        .collect();
    Ok(json!({ "at": now, "slos": list, "firing": firing }))
}
