//! The query API behind `/api/*`: plain SQL over the read pool, percentiles
//! and shares computed here so every number has one definition.

use std::collections::{BTreeMap, HashMap};

use rum_agent::core::rating;
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::now_ms;

/// Metrics of the summary: the rated vitals, then page load (loadEventEnd).
pub const METRICS: [&str; 8] = ["LCP", "INP", "CLS", "FCP", "TTFB", "TTI", "TBT", "page_load"];
pub(crate) const METRIC_COLUMNS: [&str; 8] =
    ["lcp", "inp", "cls", "fcp", "coalesce(ttfb, nav_ttfb)", "tti", "tbt", "page_load"];

/// `group_by` name → expression over a `page_views` row. `route` groups
/// `page` by its route pattern (`rum_route`, the Rust function
/// `crate::route::route_of` registered on the connection by `summary`);
/// `nav` splits hard navigations from soft ones.
pub const GROUP_BY: [(&str, &str); 8] = [
    ("page", "page"),
    ("route", "rum_route(page)"),
    ("nav", "CASE WHEN nav_type = 'soft-navigation' THEN 'soft' ELSE 'hard' END"),
    ("browser", "browser"),
    ("os", "os"),
    ("device", "device"),
    ("country", "country"),
    ("release", "app_version"),
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
    /// Longest range a query may cover (ms): set by the server from
    /// `--max-range` and `--retention-days`, never from the query string.
    #[serde(skip)]
    pub max_range_ms: Option<i64>,
    /// `hard` (documents, bfcache restores) or `soft` (soft navigations):
    /// the page views the summary counts.
    pub nav: Option<String>,
    /// `--route` patterns (from the config, never from the query string).
    #[serde(skip)]
    pub routes: Vec<crate::route::Pattern>,
}

/// The range cap when none is configured (the `--max-range` default).
pub const DEFAULT_MAX_RANGE_MS: i64 = 90 * 24 * 3600 * 1000;
/// Largest `limit` of `/api/events` (larger ones are clamped).
pub const MAX_EVENTS_LIMIT: usize = 1000;
/// Largest `limit` of grouped `/api/summary` (groups).
pub const MAX_GROUPS_LIMIT: usize = 500;
/// Values listed per dimension by `/api/dimensions`.
pub const DIMENSIONS_LIMIT: usize = 100;

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

pub(crate) fn parse_limit(s: Option<&str>, default: usize, max: usize) -> Result<usize, BadParam> {
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
    /// Set when the requested `since` was older than the range cap and
    /// moved up to it (`since=0` always is).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub clamped: bool,
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
        // `since=0` (or any older start) means the range cap: a query never
        // covers more than `--max-range` (or the retention window).
        let oldest = until.saturating_sub(p.max_range_ms.unwrap_or(DEFAULT_MAX_RANGE_MS));
        let clamped = since < oldest;
        let since = since.max(oldest);
        let nonempty = |o: &Option<String>| o.as_ref().filter(|s| !s.is_empty()).cloned();
        Ok(Filter {
            since,
            until,
            app: nonempty(&p.app),
            release: nonempty(&p.release),
            env: nonempty(&p.env),
            clamped,
        })
    }

    /// `WHERE` clause and its parameters, for a table whose time column is `time_col`.
    pub(crate) fn clause(&self, time_col: &str) -> (String, Vec<Sql>) {
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

/// Everything here is computed by SQLite (aggregates, and percentiles by a
/// window over the sorted values), which sorts out of memory when it has to:
/// a query holds a bounded amount of memory whatever the range (no rows are
/// loaded into Rust).
///
/// Nearest-rank 75th percentile's rank among `n` values, `ceil(0.75 n)`.
pub(crate) fn p75_rank(n: usize) -> usize {
    (3 * n).div_ceil(4).max(1)
}

/// p75 (nearest rank) of `expr` per `group_expr`, over `from` (a FROM clause
/// with its WHERE, whose parameters are `args`), given each group's count
/// of non-null values. Overall (`group_expr` = `''`): one `ORDER BY … LIMIT 1
/// OFFSET rank-1`. Per group: one sorted pass numbering the values of each
/// group, streamed, keeping only the value at each group's rank.
fn p75_by_group(
    conn: &Connection,
    group_expr: &str,
    expr: &str,
    from: &str,
    args: &[Sql],
    counts: &HashMap<String, usize>,
) -> Result<HashMap<String, Option<f64>>, String> {
    let mut out = HashMap::new();
    if group_expr == "''" {
        let n = counts.get("").copied().unwrap_or(0);
        if n == 0 {
            return Ok(out);
        }
        let sql = format!("SELECT v FROM (SELECT {expr} AS v {from}) WHERE v IS NOT NULL ORDER BY v LIMIT 1 OFFSET ?");
        let mut a = args.to_vec();
        a.push(Sql::Integer(i64::try_from(p75_rank(n) - 1).unwrap_or(0)));
        let v: Option<f64> = conn
            .prepare_cached(&sql)
            .and_then(|mut st| st.query_row(rusqlite::params_from_iter(a), |r| r.get(0)))
            .optional()
            .map_err(err)?
            .flatten();
        out.insert(String::new(), v);
        return Ok(out);
    }
    let sql = format!(
        "SELECT g, v, row_number() OVER (PARTITION BY g ORDER BY v) FROM
         (SELECT coalesce({group_expr}, '') AS g, {expr} AS v {from}) WHERE v IS NOT NULL"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(err)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(args)).map_err(err)?;
    while let Some(r) = rows.next().map_err(err)? {
        let rn = usize::try_from(r.get::<_, i64>(2).map_err(err)?).unwrap_or(0);
        let g = r.get_ref(0).map_err(err)?;
        let g = g.as_str().unwrap_or("");
        if counts.get(g).is_some_and(|n| p75_rank(*n) == rn) {
            out.insert(g.to_string(), r.get::<_, Option<f64>>(1).map_err(err)?);
        }
    }
    Ok(out)
}

/// One group's aggregates (the p75s are filled in afterwards).
pub(crate) struct Agg {
    pub(crate) page_views: i64,
    pub(crate) sessions: i64,
    pub(crate) error_sessions: i64,
    pub(crate) http_calls: i64,
    pub(crate) http_errors: i64,
    pub(crate) vitals: [MetricStats; 8],
    pub(crate) latency: Value,
}

impl Agg {
    pub(crate) fn to_json(&self) -> Value {
        let vitals: serde_json::Map<String, Value> = METRICS
            .iter()
            .zip(self.vitals.iter())
            .map(|(m, s)| (m.to_string(), serde_json::to_value(s).unwrap_or(Value::Null)))
            .collect();
        let rate = |a: i64, b: i64| (b > 0).then(|| a as f64 / b as f64);
        json!({
            "page_views": self.page_views,
            "sessions": self.sessions,
            "sessions_with_js_errors": self.error_sessions,
            "session_error_rate": rate(self.error_sessions, self.sessions),
            "http_calls": self.http_calls,
            "http_errors": self.http_errors,
            "http_error_rate": rate(self.http_errors, self.http_calls),
            "vitals": vitals,
            "latency": self.latency,
        })
    }
}

/// Page-view aggregates per group (`group_expr` is `''` for one overall
/// group), the `limit` largest groups, then their p75s.
fn page_view_aggs(
    conn: &Connection,
    f: &Filter,
    nav: &str,
    group_expr: &str,
    limit: usize,
) -> Result<Vec<(String, Agg)>, String> {
    let (mut clause, args) = f.clause("started_at");
    clause.push_str(nav);
    let mut cols = vec![
        "count(*)".to_string(),
        "count(DISTINCT session_id)".into(),
        "count(DISTINCT CASE WHEN js_errors > 0 THEN session_id END)".into(),
        "coalesce(sum(http_calls), 0)".into(),
        "coalesce(sum(http_errors), 0)".into(),
    ];
    for (m, c) in METRICS.iter().zip(METRIC_COLUMNS) {
        cols.push(format!("count({c})"));
        let (good, poor) = rating::thresholds(m).unwrap_or((f64::INFINITY, f64::INFINITY));
        if good.is_finite() {
            cols.push(format!("coalesce(sum(({c}) <= {good:?}), 0)"));
            cols.push(format!("coalesce(sum(({c}) > {good:?} AND ({c}) <= {poor:?}), 0)"));
            cols.push(format!("coalesce(sum(({c}) > {poor:?}), 0)"));
        }
    }
    let mut qargs = args.clone();
    qargs.push(Sql::Integer(i64::try_from(limit).unwrap_or(500)));
    let sql = format!(
        "SELECT {group_expr} AS g, {} FROM page_views WHERE {clause}
         GROUP BY g ORDER BY count(*) DESC, g LIMIT ?",
        cols.join(", ")
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(err)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(qargs)).map_err(err)?;
    let mut out: Vec<(String, Agg)> = Vec::new();
    while let Some(r) = rows.next().map_err(err)? {
        let mut i = 0usize;
        let mut next = || -> Result<i64, String> {
            i += 1;
            r.get::<_, i64>(i).map_err(err)
        };
        let page_views = next()?;
        let sessions = next()?;
        let error_sessions = next()?;
        let http_calls = next()?;
        let http_errors = next()?;
        let mut vitals: [MetricStats; 8] = Default::default();
        for (m, s) in METRICS.iter().zip(vitals.iter_mut()) {
            let n = next()?;
            s.count = usize::try_from(n).unwrap_or(0);
            if rating::thresholds(m).is_some() {
                let share = |k: i64| (n > 0).then(|| k as f64 / n as f64);
                s.good = share(next()?);
                s.needs_improvement = share(next()?);
                s.poor = share(next()?);
            }
        }
        let g = r.get::<_, Option<String>>(0).map_err(err)?.unwrap_or_default();
        let agg = Agg { page_views, sessions, error_sessions, http_calls, http_errors, vitals, latency: Value::Null };
        out.push((g, agg));
    }
    if page_views_empty(&out) {
        return Ok(out);
    }
    // p75s, only for the groups kept. When the range holds much of the
    // table, a plain scan beats walking the time index row by row.
    let in_range: i64 = out.iter().map(|(_, a)| a.page_views).sum();
    // (The nav condition stays: without it the p75s of `nav=hard|soft`
    // were those of every page view when the range held much of the table.)
    let clause = if in_range > table_rows(conn)? / 4 { f.clause("+started_at").0 + nav } else { clause };
    let (restrict, rargs) = group_restriction(group_expr, &out);
    let mut pargs = args;
    pargs.extend(rargs);
    let from = format!("FROM page_views WHERE {clause}{restrict}");
    for (i, c) in METRIC_COLUMNS.iter().enumerate() {
        let counts = out.iter().map(|(g, a)| (g.clone(), a.vitals.get(i).map_or(0, |s| s.count))).collect();
        let p75s = p75_by_group(conn, group_expr, c, &from, &pargs, &counts)?;
        for (g, agg) in out.iter_mut() {
            if let Some(s) = agg.vitals.get_mut(i) {
                s.p75 = p75s.get(g).copied().flatten();
            }
        }
    }
    Ok(out)
}

/// Page views in the table (an upper bound: the largest rowid, O(log n)).
fn table_rows(conn: &Connection) -> Result<i64, String> {
    conn.query_row("SELECT coalesce(max(rowid), 0) FROM page_views", [], |r| r.get(0)).map_err(err)
}

fn page_views_empty(out: &[(String, Agg)]) -> bool {
    out.iter().all(|(_, a)| a.page_views == 0)
}

/// ` AND group IN (…)` for a grouped query (nothing for the overall one).
fn group_restriction(group_expr: &str, groups: &[(String, Agg)]) -> (String, Vec<Sql>) {
    if group_expr == "''" {
        return (String::new(), Vec::new());
    }
    let marks = vec!["?"; groups.len()].join(", ");
    (
        format!(" AND coalesce({group_expr}, '') IN ({marks})"),
        groups.iter().map(|(g, _)| Sql::Text(g.clone())).collect(),
    )
}

/// The latency split's parts (agent event `split`), in this order.
pub const SPLIT_PARTS: [&str; 4] = ["server", "network", "frontend", "frontend_lcp"];

/// p75 (and count) of each part of the latency split — "user latency =
/// frontend + network + server" — per group (`''` overall), so a slow page or
/// country shows whether the network, the server or the page is to blame.
fn latency_split(conn: &Connection, f: &Filter, nav: &str, group_expr: &str) -> Result<HashMap<String, Value>, String> {
    let (clause, args) = f.clause("ts");
    let part = |k: &str| format!("json_extract(attributes, '$.{k}')");
    let parts = SPLIT_PARTS.iter().enumerate().map(|(i, k)| format!("{} AS p{i}", part(k))).collect::<Vec<_>>();
    // The split events once (joined to their page view only when grouped by
    // one of its columns), then every part's p75 per group in one sorted
    // pass: the value at rank ceil(0.75 n) of each (part, group).
    let source = if group_expr == "''" && nav.is_empty() {
        format!("SELECT '' AS g, {} FROM events WHERE kind = 'split' AND {clause}", parts.join(", "))
    } else {
        format!(
            "SELECT coalesce({group_expr}, '') AS g, {} FROM
             (SELECT page_view_id, attributes FROM events WHERE kind = 'split' AND {clause}) e
             CROSS JOIN page_views pv ON pv.id = e.page_view_id WHERE 1{nav}",
            parts.join(", ")
        )
    };
    let union = (0..SPLIT_PARTS.len())
        .map(|i| format!("SELECT {i} AS k, g, p{i} AS v FROM s WHERE p{i} IS NOT NULL"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let sql = format!(
        "WITH s AS MATERIALIZED ({source})
         SELECT k, g, v, n FROM (
            SELECT k, g, v, row_number() OVER w AS rn, count(*) OVER (PARTITION BY k, g) AS n
            FROM ({union}) WINDOW w AS (PARTITION BY k, g ORDER BY v)
         ) WHERE rn = (3 * n + 3) / 4"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(err)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(args.iter())).map_err(err)?;
    let mut out: HashMap<String, serde_json::Map<String, Value>> = HashMap::new();
    while let Some(r) = rows.next().map_err(err)? {
        let k = usize::try_from(r.get::<_, i64>(0).map_err(err)?).unwrap_or(0);
        let g: String = r.get(1).map_err(err)?;
        let v: Option<f64> = r.get(2).map_err(err)?;
        let n: i64 = r.get(3).map_err(err)?;
        if let Some(name) = SPLIT_PARTS.get(k) {
            out.entry(g).or_default().insert(name.to_string(), json!({ "p75": v, "count": n }));
        }
    }
    Ok(out
        .into_iter()
        .map(|(g, mut o)| {
            for k in SPLIT_PARTS {
                o.entry(k.to_string()).or_insert_with(|| json!({ "p75": null, "count": 0 }));
            }
            (g, Value::Object(o))
        })
        .collect())
}

pub(crate) fn empty_split() -> Value {
    Value::Object(SPLIT_PARTS.iter().map(|k| (k.to_string(), json!({ "p75": null, "count": 0 }))).collect())
}

/// What `/api/summary` was asked: the filter, the grouping (name, SQLite
/// expression), the nav condition on `page_views` and the group limit.
pub(crate) type SummaryArgs = (Filter, Option<(&'static str, &'static str)>, &'static str, usize);

pub(crate) fn summary_args(p: &Params) -> Result<SummaryArgs, BadParam> {
    let f = Filter::from_params(p)?;
    let group = match p.group_by.as_deref().filter(|g| !g.is_empty()) {
        None => None,
        Some(g) => match GROUP_BY.iter().find(|(k, _)| *k == g) {
            Some(pair) => Some(*pair),
            None => {
                return Err(BadParam(format!(
                    "group_by={g:?}: expected one of page, route, nav, browser, os, device, country, release"
                )))
            }
        },
    };
    // `nav`: only hard navigations (documents, bfcache restores) or only
    // soft ones (a condition on page_views columns).
    let nav = match p.nav.as_deref().unwrap_or("") {
        "" => "",
        "hard" => " AND nav_type <> 'soft-navigation'",
        "soft" => " AND nav_type = 'soft-navigation'",
        other => return Err(BadParam(format!("nav={other:?}: expected hard or soft"))),
    };
    let limit = parse_limit(p.limit.as_deref(), 20, MAX_GROUPS_LIMIT)?;
    Ok((f, group, nav, limit))
}

pub fn summary(conn: &Connection, p: &Params) -> Result<Result<Value, BadParam>, String> {
    let (f, group, nav, limit) = match summary_args(p) {
        Ok(a) => a,
        Err(e) => return Ok(Err(e)),
    };
    if group.is_some_and(|(k, _)| k == "route") {
        // Each page path grouped under its route pattern (`--route`, else
        // numeric, UUID and hex segments become `:id`), inside SQLite.
        let routes = p.routes.clone();
        conn.create_scalar_function(
            "rum_route",
            1,
            rusqlite::functions::FunctionFlags::SQLITE_UTF8 | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
            move |ctx| Ok(crate::route::route_of(&ctx.get::<String>(0).unwrap_or_default(), &routes)),
        )
        .map_err(err)?;
    }
    let overall = page_view_aggs(conn, &f, nav, "''", 1)?;
    let split = latency_split(conn, &f, nav, "''")?;
    let mut out = match overall.into_iter().next() {
        Some((_, mut agg)) => {
            agg.latency = split.get("").cloned().unwrap_or_else(empty_split);
            agg.to_json()
        }
        None => Agg {
            page_views: 0,
            sessions: 0,
            error_sessions: 0,
            http_calls: 0,
            http_errors: 0,
            vitals: Default::default(),
            latency: empty_split(),
        }
        .to_json(),
    };
    if let Value::Object(o) = &mut out {
        o.insert("filter".into(), serde_json::to_value(&f).unwrap_or(Value::Null));
        // `top_errors` (grouped by cause, symbolicated) is added by the
        // route: crate::sourcemap::issues.
        o.insert("top_actions".into(), crate::actions::top_actions(conn, &f, 10)?);
        if let Some((name, col)) = group {
            let groups = page_view_aggs(conn, &f, nav, col, limit)?;
            let mut split_groups = latency_split(conn, &f, nav, col)?;
            let list: Vec<Value> = groups
                .into_iter()
                .map(|(k, mut agg)| {
                    agg.latency = split_groups.remove(&k).unwrap_or_else(empty_split);
                    let mut v = agg.to_json();
                    if let Value::Object(o) = &mut v {
                        o.insert("key".into(), Value::String(k));
                    }
                    v
                })
                .collect();
            o.insert("group_by".into(), Value::String(name.into()));
            o.insert("groups".into(), Value::Array(list));
            o.insert("limit".into(), json!(limit));
        }
    }
    Ok(Ok(out))
}

/// A step that gives at most ~60 buckets, from a list of round sizes.
pub(crate) fn auto_step(range: i64) -> i64 {
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
    let (clause, args) = f.clause("started_at");
    let (min_t, max_t): (Option<i64>, Option<i64>) = conn
        .prepare_cached(&format!("SELECT min(started_at), max(started_at) FROM page_views WHERE {clause}"))
        .and_then(|mut st| st.query_row(rusqlite::params_from_iter(args.iter()), |r| Ok((r.get(0)?, r.get(1)?))))
        .map_err(err)?;
    // Without a step: buckets from the first page view in the range to now,
    // so a young database still gets a readable trend.
    let end = now_ms().min(f.until);
    let data_start = min_t.unwrap_or(f.since).max(f.since);
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
    // Per-bucket aggregates and p75s, all in SQL.
    let bucket = format!("((started_at / {step}) * {step})");
    let sql = format!(
        "SELECT {bucket} AS b, count(*), count(DISTINCT session_id),
                count(DISTINCT CASE WHEN js_errors > 0 THEN session_id END),
                count(lcp), count(inp), count(cls), count(page_load)
         FROM page_views WHERE {clause} GROUP BY b"
    );
    let mut buckets: BTreeMap<i64, (i64, i64, i64)> = BTreeMap::new();
    let mut counts: Vec<HashMap<String, usize>> = vec![HashMap::new(); 4];
    {
        let mut stmt = conn.prepare_cached(&sql).map_err(err)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args.iter())).map_err(err)?;
        while let Some(r) = rows.next().map_err(err)? {
            let b: i64 = r.get(0).map_err(err)?;
            buckets.insert(b, (r.get(1).map_err(err)?, r.get(2).map_err(err)?, r.get(3).map_err(err)?));
            for (i, c) in counts.iter_mut().enumerate() {
                c.insert(b.to_string(), usize::try_from(r.get::<_, i64>(4 + i).map_err(err)?).unwrap_or(0));
            }
        }
    }
    let from = format!("FROM page_views WHERE {clause}");
    let mut p75s: Vec<HashMap<String, Option<f64>>> = Vec::new();
    for (i, c) in [0usize, 1, 2, 7].into_iter().zip(&counts) {
        let col = METRIC_COLUMNS.get(i).copied().unwrap_or("lcp");
        p75s.push(p75_by_group(conn, &format!("CAST({bucket} AS TEXT)"), col, &from, &args, c)?);
    }
    // Every bucket of the range, empty ones as null, so charts show gaps.
    let first = range_start.div_euclid(step) * step;
    let last = max_t.unwrap_or(end).min(f.until).max(end);
    let mut t = Vec::new();
    let (mut pv, mut sess, mut ser) = (Vec::new(), Vec::new(), Vec::new());
    let mut p75: Vec<Vec<Option<f64>>> = vec![Vec::new(); 4];
    let mut at = first;
    while at <= last {
        t.push(at);
        match buckets.remove(&at) {
            Some((views, sessions, error_sessions)) => {
                pv.push(Some(views));
                sess.push(Some(sessions));
                ser.push((sessions > 0).then(|| error_sessions as f64 / sessions as f64));
                let key = at.to_string();
                for (slot, m) in p75.iter_mut().zip(&p75s) {
                    slot.push(m.get(&key).copied().flatten());
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
    let limit = match parse_limit(p.limit.as_deref(), 100, MAX_EVENTS_LIMIT) {
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
    Ok(Ok(json!({ "events": list, "next_before": next, "limit": limit, "filter": f })))
}

/// Distinct apps, releases and environments seen in the range, most page views first.
pub fn dimensions(conn: &Connection, p: &Params) -> Result<Result<Value, BadParam>, String> {
    let f = match Filter::from_params(&Params {
        since: p.since.clone().or(Some("30d".into())),
        max_range_ms: p.max_range_ms,
        ..Default::default()
    }) {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let mut out = serde_json::Map::new();
    for (key, col) in [("apps", "app_name"), ("releases", "app_version"), ("envs", "app_env")] {
        let sql = format!(
            "SELECT {col}, count(*) AS n FROM page_views WHERE started_at >= ?1 AND started_at < ?2
             GROUP BY {col} ORDER BY n DESC LIMIT {DIMENSIONS_LIMIT}"
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
        // ceil(0.75 n), at least 1: of [1, 2, 3, 4] the 3rd, of five the 4th.
        assert_eq!(p75_rank(0), 1);
        assert_eq!(p75_rank(1), 1);
        assert_eq!(p75_rank(4), 3);
        assert_eq!(p75_rank(5), 4);
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
