//! The query API behind `/api/*`: plain SQL over the read pool, percentiles
//! and shares computed here so every number has one definition.

use std::collections::{BTreeMap, HashMap, HashSet};

use rum_agent::core::rating;
use rusqlite::types::Value as Sql;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::now_ms;

/// Metrics of the summary: the rated vitals, then page load (loadEventEnd).
pub const METRICS: [&str; 8] = ["LCP", "INP", "CLS", "FCP", "TTFB", "TTI", "TBT", "page_load"];
const METRIC_COLUMNS: [&str; 8] = ["lcp", "inp", "cls", "fcp", "coalesce(ttfb, nav_ttfb)", "tti", "tbt", "page_load"];

/// `group_by` name → page-view column expression (`pv` is `page_views`).
/// `route` groups `page` by its route pattern (mapped in Rust, see `route`);
/// `nav` splits hard navigations from soft ones.
pub const GROUP_BY: [(&str, &str); 8] = [
    ("page", "pv.page"),
    ("route", "pv.page"),
    ("nav", "CASE WHEN pv.nav_type = 'soft-navigation' THEN 'soft' ELSE 'hard' END"),
    ("browser", "pv.browser"),
    ("os", "pv.os"),
    ("device", "pv.device"),
    ("country", "pv.country"),
    ("release", "pv.app_version"),
];

/// Query-string parameters shared by the endpoints.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct Params {
    pub since: Option<String>,
    pub until: Option<String>,
    pub app: Option<String>,
    pub release: Option<String>,
    pub env: Option<String>,
    pub group_by: Option<String>,
    pub limit: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub session_id: Option<String>,
    pub page_view_id: Option<String>,
    pub before: Option<String>,
    pub step: Option<String>,
    /// `hard` (documents, bfcache restores) or `soft` (soft navigations):
    /// the page views the summary counts.
    pub nav: Option<String>,
    /// `--route` patterns (from the config, never from the query string).
    #[serde(skip)]
    pub routes: Vec<crate::route::Pattern>,
}

#[derive(Debug)]
pub struct BadParam(pub String);

/// `1700000000000` (epoch ms), an RFC 3339 time, or a duration before now
/// (`15m`, `24h`, `7d`).
pub fn parse_time(s: &str, name: &str) -> Result<i64, BadParam> {
    let t = s.trim();
    if let Ok(n) = t.parse::<i64>() {
        return Ok(n);
    }
    if let Ok(ts) = humantime::parse_rfc3339_weak(t) {
        if let Ok(d) = ts.duration_since(std::time::UNIX_EPOCH) {
            return Ok(i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        }
    }
    if let Ok(d) = humantime::parse_duration(t.trim_start_matches('-')) {
        return Ok(now_ms() - i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2));
    }
    Err(BadParam(format!("{name}={s:?}: expected epoch milliseconds, an RFC 3339 time, or a duration such as 24h")))
}

fn parse_limit(s: Option<&str>, default: usize, max: usize) -> Result<usize, BadParam> {
    match s {
        None => Ok(default),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n.min(max)),
            _ => Err(BadParam(format!("limit={v:?}: expected a positive integer"))),
        },
    }
}

/// The time range and the app/release/env filter.
#[derive(Debug, Clone, Serialize)]
pub struct Filter {
    pub since: i64,
    pub until: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
}

pub const DEFAULT_RANGE_MS: i64 = 24 * 3600 * 1000;

impl Filter {
    pub fn from_params(p: &Params) -> Result<Filter, BadParam> {
        let now = now_ms();
        let since = match &p.since {
            Some(s) if !s.is_empty() => parse_time(s, "since")?,
            _ => now - DEFAULT_RANGE_MS,
        };
        let until = match &p.until {
            Some(s) if !s.is_empty() => parse_time(s, "until")?,
            // A little ahead: clients' skew-corrected times can be in the future.
            _ => now + 60_000,
        };
        if until < since {
            return Err(BadParam("until is before since".into()));
        }
        let nonempty = |o: &Option<String>| o.as_ref().filter(|s| !s.is_empty()).cloned();
        Ok(Filter { since, until, app: nonempty(&p.app), release: nonempty(&p.release), env: nonempty(&p.env) })
    }

    /// `WHERE` clause and its parameters, for a table whose time column is `time_col`.
    fn clause(&self, time_col: &str) -> (String, Vec<Sql>) {
        let mut sql = format!("{time_col} >= ? AND {time_col} < ?");
        let mut args = vec![Sql::Integer(self.since), Sql::Integer(self.until)];
        for (col, v) in [("app_name", &self.app), ("app_version", &self.release), ("app_env", &self.env)] {
            if let Some(v) = v {
                sql.push_str(&format!(" AND {col} = ?"));
                args.push(Sql::Text(v.clone()));
            }
        }
        (sql, args)
    }
}

fn err(e: rusqlite::Error) -> String {
    e.to_string()
}

/// Nearest-rank percentile: the smallest value with at least `p` of the
/// values at or below it (a value that was actually measured).
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank - 1).copied()
}

#[derive(Debug, Default, Clone, Serialize, PartialEq)]
pub struct MetricStats {
    /// Page views with a value.
    pub count: usize,
    pub p75: Option<f64>,
    /// Shares of page views rated good / needs-improvement / poor (null for
    /// page_load, which has no standard thresholds).
    pub good: Option<f64>,
    pub needs_improvement: Option<f64>,
    pub poor: Option<f64>,
}

fn metric_stats(metric: &str, values: &mut [f64]) -> MetricStats {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let mut s = MetricStats { count: n, p75: percentile(values, 0.75), ..Default::default() };
    if n > 0 && rating::thresholds(metric).is_some() {
        let (mut g, mut ni, mut p) = (0usize, 0usize, 0usize);
        for v in values.iter() {
            match rating::rate(metric, *v) {
                rating::GOOD => g += 1,
                rating::NEEDS_IMPROVEMENT => ni += 1,
                _ => p += 1,
            }
        }
        let share = |k: usize| Some(k as f64 / n as f64);
        s.good = share(g);
        s.needs_improvement = share(ni);
        s.poor = share(p);
    }
    s
}

/// Accumulates page-view rows into the summary numbers.
#[derive(Default)]
struct Acc {
    page_views: usize,
    sessions: HashSet<String>,
    error_sessions: HashSet<String>,
    http_calls: i64,
    http_errors: i64,
    values: [Vec<f64>; 8],
}

impl Acc {
    fn add(&mut self, row: &PvRow) {
        self.page_views += 1;
        self.sessions.insert(row.session.clone());
        if row.js_errors > 0 {
            self.error_sessions.insert(row.session.clone());
        }
        self.http_calls += row.http_calls;
        self.http_errors += row.http_errors;
        for (slot, v) in self.values.iter_mut().zip(row.metrics) {
            if let Some(v) = v {
                slot.push(v);
            }
        }
    }

    fn finish(mut self) -> Value {
        let sessions = self.sessions.len();
        let vitals: serde_json::Map<String, Value> = METRICS
            .iter()
            .zip(self.values.iter_mut())
            .map(|(m, vals)| (m.to_string(), serde_json::to_value(metric_stats(m, vals)).unwrap_or(Value::Null)))
            .collect();
        json!({
            "page_views": self.page_views,
            "sessions": sessions,
            "sessions_with_js_errors": self.error_sessions.len(),
            "session_error_rate": (sessions > 0).then(|| self.error_sessions.len() as f64 / sessions as f64),
            "http_calls": self.http_calls,
            "http_errors": self.http_errors,
            "http_error_rate": (self.http_calls > 0).then(|| self.http_errors as f64 / self.http_calls as f64),
            "vitals": vitals,
        })
    }
}

struct PvRow {
    group: String,
    started_at: i64,
    session: String,
    js_errors: i64,
    http_calls: i64,
    http_errors: i64,
    metrics: [Option<f64>; 8],
}

fn page_view_rows(conn: &Connection, f: &Filter, group_col: Option<&str>, nav: &str) -> Result<Vec<PvRow>, String> {
    let (clause, args) = f.clause("started_at");
    let sql = format!(
        "SELECT {}, started_at, session_id, js_errors, http_calls, http_errors, {} FROM page_views pv WHERE {clause}{nav}",
        group_col.unwrap_or("''"),
        METRIC_COLUMNS.join(", ")
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(err)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            let mut metrics = [None; 8];
            for (i, m) in metrics.iter_mut().enumerate() {
                *m = r.get::<_, Option<f64>>(6 + i)?;
            }
            Ok(PvRow {
                group: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                started_at: r.get(1)?,
                session: r.get(2)?,
                js_errors: r.get(3)?,
                http_calls: r.get(4)?,
                http_errors: r.get(5)?,
                metrics,
            })
        })
        .map_err(err)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(err)
}

pub fn top_errors(conn: &Connection, f: &Filter, limit: usize) -> Result<Value, String> {
    let (clause, mut args) = f.clause("ts");
    args.push(Sql::Integer(i64::try_from(limit).unwrap_or(10)));
    let sql = format!(
        "SELECT name, sum(coalesce(value, 1)) AS n, count(DISTINCT session_id), min(ts), max(ts),
                max(json_extract(attributes, '$.src')), max(json_extract(attributes, '$.type')),
                max(json_extract(attributes, '$.msg'))
         FROM events WHERE kind = 'error' AND {clause}
         GROUP BY name ORDER BY n DESC, max(ts) DESC LIMIT ?"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(err)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            Ok(json!({
                "name": r.get::<_, String>(0)?,
                "count": r.get::<_, f64>(1)?,
                "sessions": r.get::<_, i64>(2)?,
                "first_seen": r.get::<_, i64>(3)?,
                "last_seen": r.get::<_, i64>(4)?,
                "src": r.get::<_, Option<String>>(5)?,
                "type": r.get::<_, Option<String>>(6)?,
                "message": r.get::<_, Option<String>>(7)?,
            }))
        })
        .map_err(err)?;
    Ok(Value::Array(rows.collect::<Result<Vec<_>, _>>().map_err(err)?))
}

/// The latency split's parts (agent event `split`), in this order.
pub const SPLIT_PARTS: [&str; 4] = ["server", "network", "frontend", "frontend_lcp"];

/// p75 (and count) of each part of the latency split — "user latency =
/// frontend + network + server" — overall and per group, so a slow page or
/// country shows whether the network, the server or the page is to blame.
fn latency_split(
    conn: &Connection,
    f: &Filter,
    group_col: Option<&str>,
    nav: &str,
    regroup: &dyn Fn(String) -> String,
) -> Result<(Value, HashMap<String, Value>), String> {
    let (clause, args) = f.clause("ts");
    let sql = format!(
        "SELECT {}, {} FROM (SELECT page_view_id, attributes FROM events WHERE kind = 'split' AND {clause}) e
         JOIN page_views pv ON pv.id = e.page_view_id WHERE 1{nav}",
        group_col.unwrap_or("''"),
        SPLIT_PARTS.map(|k| format!("json_extract(e.attributes, '$.{k}')")).join(", ")
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(err)?;
    let mut all: [Vec<f64>; 4] = Default::default();
    let mut groups: HashMap<String, [Vec<f64>; 4]> = HashMap::new();
    let mut rows = stmt.query(rusqlite::params_from_iter(args)).map_err(err)?;
    while let Some(r) = rows.next().map_err(err)? {
        let g: String = regroup(r.get::<_, Option<String>>(0).map_err(err)?.unwrap_or_default());
        for (i, slot) in all.iter_mut().enumerate() {
            if let Some(v) = r.get::<_, Option<f64>>(i + 1).map_err(err)? {
                slot.push(v);
                if group_col.is_some() {
                    groups.entry(g.clone()).or_default()[i].push(v);
                }
            }
        }
    }
    let stats = |vals: &mut [Vec<f64>; 4]| -> Value {
        let mut o = serde_json::Map::new();
        for (k, v) in SPLIT_PARTS.iter().zip(vals.iter_mut()) {
            v.sort_by(f64::total_cmp);
            o.insert(k.to_string(), json!({ "p75": percentile(v, 0.75), "count": v.len() }));
        }
        Value::Object(o)
    };
    let overall = stats(&mut all);
    let per_group = groups.into_iter().map(|(k, mut v)| (k, stats(&mut v))).collect();
    Ok((overall, per_group))
}

pub fn summary(conn: &Connection, p: &Params) -> Result<Result<Value, BadParam>, String> {
    let f = match Filter::from_params(p) {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let group = match p.group_by.as_deref().filter(|g| !g.is_empty()) {
        None => None,
        Some(g) => match GROUP_BY.iter().find(|(k, _)| *k == g) {
            Some(pair) => Some(*pair),
            None => {
                return Ok(Err(BadParam(format!(
                    "group_by={g:?}: expected one of page, route, nav, browser, os, device, country, release"
                ))))
            }
        },
    };
    let nav = match p.nav.as_deref().unwrap_or("") {
        "" => "",
        "hard" => " AND pv.nav_type <> 'soft-navigation'",
        "soft" => " AND pv.nav_type = 'soft-navigation'",
        other => return Ok(Err(BadParam(format!("nav={other:?}: expected hard or soft")))),
    };
    let limit = match parse_limit(p.limit.as_deref(), 20, 500) {
        Ok(l) => l,
        Err(e) => return Ok(Err(e)),
    };
    // `route`: each page path grouped under its route pattern.
    let by_route = group.is_some_and(|(k, _)| k == "route");
    let regroup = |g: String| if by_route { crate::route::route_of(&g, &p.routes) } else { g };
    let mut rows = page_view_rows(conn, &f, group.map(|(_, c)| c), nav)?;
    for r in &mut rows {
        r.group = regroup(std::mem::take(&mut r.group));
    }
    let mut all = Acc::default();
    let mut groups: HashMap<String, Acc> = HashMap::new();
    for r in &rows {
        all.add(r);
        if group.is_some() {
            groups.entry(r.group.clone()).or_default().add(r);
        }
    }
    let mut out = all.finish();
    let (split, mut split_groups) = latency_split(conn, &f, group.map(|(_, c)| c), nav, &regroup)?;
    if let Value::Object(o) = &mut out {
        o.insert("latency".into(), split);
        o.insert("filter".into(), serde_json::to_value(&f).unwrap_or(Value::Null));
        o.insert("top_errors".into(), top_errors(conn, &f, 10)?);
        if let Some((name, _)) = group {
            let mut gs: Vec<(String, Acc)> = groups.into_iter().collect();
            gs.sort_by(|a, b| b.1.page_views.cmp(&a.1.page_views).then_with(|| a.0.cmp(&b.0)));
            let list: Vec<Value> = gs
                .into_iter()
                .take(limit)
                .map(|(k, acc)| {
                    let mut v = acc.finish();
                    if let Value::Object(o) = &mut v {
                        o.insert("latency".into(), split_groups.remove(&k).unwrap_or(Value::Null));
                        o.insert("key".into(), Value::String(k));
                    }
                    v
                })
                .collect();
            o.insert("group_by".into(), Value::String(name.into()));
            o.insert("groups".into(), Value::Array(list));
        }
    }
    Ok(Ok(out))
}

/// A step that gives at most ~60 buckets, from a list of round sizes.
fn auto_step(range: i64) -> i64 {
    const STEPS: [i64; 12] = [
        10_000,
        30_000,
        60_000,
        300_000,
        900_000,
        1_800_000,
        3_600_000,
        10_800_000,
        21_600_000,
        43_200_000,
        86_400_000,
        604_800_000,
    ];
    STEPS.iter().copied().find(|s| range / s <= 60).unwrap_or(604_800_000)
}

pub fn timeseries(conn: &Connection, p: &Params) -> Result<Result<Value, BadParam>, String> {
    let f = match Filter::from_params(p) {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let rows = page_view_rows(conn, &f, None, "")?;
    // Without a step: buckets from the first page view in the range to now,
    // so a young database still gets a readable trend.
    let end = now_ms().min(f.until);
    let data_start = rows.iter().map(|r| r.started_at).min().unwrap_or(f.since).max(f.since);
    let step = match p.step.as_deref().filter(|s| !s.is_empty()) {
        None => auto_step((end - data_start).max(1)),
        Some(s) => match s
            .parse::<i64>()
            .ok()
            .or_else(|| humantime::parse_duration(s).ok().and_then(|d| i64::try_from(d.as_millis()).ok()))
        {
            Some(ms) if ms >= 1000 => ms,
            _ => {
                return Ok(Err(BadParam(format!(
                    "step={s:?}: expected milliseconds (≥ 1000) or a duration such as 5m"
                ))))
            }
        },
    };
    let range_start = if p.step.as_deref().is_some_and(|s| !s.is_empty()) { f.since } else { data_start };
    if (end - range_start) / step > 2000 {
        return Ok(Err(BadParam("too many buckets: use a larger step or a shorter range".into())));
    }
    let mut buckets: BTreeMap<i64, Acc> = BTreeMap::new();
    for r in &rows {
        let b = r.started_at.div_euclid(step) * step;
        buckets.entry(b).or_default().add(r);
    }
    // Every bucket of the range, empty ones as null, so charts show gaps.
    let first = range_start.div_euclid(step) * step;
    let last = rows.iter().map(|r| r.started_at).max().unwrap_or(end).min(f.until).max(end);
    let mut t = Vec::new();
    let (mut pv, mut sess, mut ser) = (Vec::new(), Vec::new(), Vec::new());
    let mut p75: Vec<Vec<Option<f64>>> = vec![Vec::new(); 4];
    let mut at = first;
    while at <= last {
        t.push(at);
        match buckets.remove(&at) {
            Some(mut acc) => {
                let sessions = acc.sessions.len();
                pv.push(Some(acc.page_views));
                sess.push(Some(sessions));
                ser.push((sessions > 0).then(|| acc.error_sessions.len() as f64 / sessions as f64));
                for (slot, i) in p75.iter_mut().zip([0usize, 1, 2, 7]) {
                    let vals = &mut acc.values[i];
                    vals.sort_by(f64::total_cmp);
                    slot.push(percentile(vals, 0.75));
                }
            }
            None => {
                pv.push(None);
                sess.push(None);
                ser.push(None);
                for slot in p75.iter_mut() {
                    slot.push(None);
                }
            }
        }
        at += step;
    }
    let [lcp, inp, cls, load]: [Vec<Option<f64>>; 4] = p75.try_into().unwrap_or_default();
    Ok(Ok(json!({
        "filter": f, "step": step, "t": t, "page_views": pv, "sessions": sess,
        "session_error_rate": ser, "lcp_p75": lcp, "inp_p75": inp, "cls_p75": cls, "page_load_p75": load,
    })))
}

pub fn events(conn: &Connection, p: &Params) -> Result<Result<Value, BadParam>, String> {
    let f = match Filter::from_params(&Params { since: p.since.clone().or(Some("0".into())), ..p.clone() }) {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let limit = match parse_limit(p.limit.as_deref(), 100, 1000) {
        Ok(l) => l,
        Err(e) => return Ok(Err(e)),
    };
    let (mut clause, mut args) = f.clause("ts");
    for (col, v) in
        [("kind", &p.kind), ("name", &p.name), ("session_id", &p.session_id), ("page_view_id", &p.page_view_id)]
    {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            clause.push_str(&format!(" AND {col} = ?"));
            args.push(Sql::Text(v.clone()));
        }
    }
    if let Some(b) = p.before.as_ref().filter(|v| !v.is_empty()) {
        // The cursor `next_before` of the previous page: `TS_ID`.
        match b.split_once('_').and_then(|(t, i)| Some((t.parse::<i64>().ok()?, i.parse::<i64>().ok()?))) {
            Some((ts, id)) => {
                clause.push_str(" AND (ts, id) < (?, ?)");
                args.push(Sql::Integer(ts));
                args.push(Sql::Integer(id));
            }
            None => return Ok(Err(BadParam(format!("before={b:?}: expected the next_before of a previous answer")))),
        }
    }
    args.push(Sql::Integer(i64::try_from(limit).unwrap_or(100)));
    let sql = format!(
        "SELECT id, ts, received_at, kind, name, value, attributes, page_view_id, session_id, app_name, app_version,
                app_env, browser, os, device, country, page_url
         FROM events WHERE {clause} ORDER BY ts DESC, id DESC LIMIT ?"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(err)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            let attrs: String = r.get(6)?;
            Ok(json!({
                "id": r.get::<_, i64>(0)?,
                "ts": r.get::<_, i64>(1)?,
                "received_at": r.get::<_, i64>(2)?,
                "kind": r.get::<_, String>(3)?,
                "name": r.get::<_, String>(4)?,
                "value": r.get::<_, Option<f64>>(5)?,
                "attributes": serde_json::from_str::<Value>(&attrs).unwrap_or(Value::String(attrs)),
                "page_view_id": r.get::<_, String>(7)?,
                "session_id": r.get::<_, String>(8)?,
                "app": {"name": r.get::<_, String>(9)?, "version": r.get::<_, String>(10)?, "env": r.get::<_, String>(11)?},
                "browser": r.get::<_, String>(12)?,
                "os": r.get::<_, String>(13)?,
                "device": r.get::<_, String>(14)?,
                "country": r.get::<_, String>(15)?,
                "page_url": r.get::<_, String>(16)?,
            }))
        })
        .map_err(err)?;
    let list = rows.collect::<Result<Vec<_>, _>>().map_err(err)?;
    let next = if list.len() == limit {
        list.last().and_then(|e| Some(Value::String(format!("{}_{}", e.get("ts")?, e.get("id")?))))
    } else {
        None
    };
    Ok(Ok(json!({ "events": list, "next_before": next })))
}

/// Distinct apps, releases and environments seen in the range, most page views first.
pub fn dimensions(conn: &Connection, p: &Params) -> Result<Result<Value, BadParam>, String> {
    let f = match Filter::from_params(&Params { since: p.since.clone().or(Some("30d".into())), ..Default::default() }) {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let mut out = serde_json::Map::new();
    for (key, col) in [("apps", "app_name"), ("releases", "app_version"), ("envs", "app_env")] {
        let sql = format!(
            "SELECT {col}, count(*) AS n FROM page_views WHERE started_at >= ?1 AND started_at < ?2
             GROUP BY {col} ORDER BY n DESC LIMIT 100"
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(err)?;
        let rows = stmt
            .query_map([f.since, f.until], |r| {
                Ok(json!({"value": r.get::<_, String>(0)?, "page_views": r.get::<_, i64>(1)?}))
            })
            .map_err(err)?;
        out.insert(key.into(), Value::Array(rows.collect::<Result<Vec<_>, _>>().map_err(err)?));
    }
    Ok(Ok(Value::Object(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        assert_eq!(percentile(&[], 0.75), None);
        assert_eq!(percentile(&[5.0], 0.75), Some(5.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 0.75), Some(3.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.75), Some(4.0));
    }

    #[test]
    fn shares() {
        let mut v = vec![1000.0, 3000.0, 5000.0, 2500.0];
        let s = metric_stats("LCP", &mut v);
        assert_eq!(s.p75, Some(3000.0));
        assert_eq!((s.good, s.needs_improvement, s.poor), (Some(0.5), Some(0.25), Some(0.25)));
        let s = metric_stats("page_load", &mut [1.0]);
        assert_eq!(s.good, None);
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("1700000000000", "since").unwrap(), 1_700_000_000_000);
        assert_eq!(parse_time("2023-11-14T22:13:20Z", "since").unwrap(), 1_700_000_000_000);
        let d = now_ms() - parse_time("1h", "since").unwrap();
        assert!((3_599_000..3_601_000).contains(&d));
        assert!(parse_time("yesterday", "since").is_err());
    }
}
