//! Every query of the API on ClickHouse, with the same definitions as the
//! SQLite ones (`crate::query`, `crate::actions`, `crate::slo::eval`,
//! `crate::sourcemap::issues`), so both backends give the same numbers:
//! the p75 is the nearest rank `ceil(0.75 n)` (`P75`: the sorted values'
//! element at `intDiv(3n + 3, 4)`, never `quantile()`, which interpolates);
//! rating shares count values against the same thresholds; page views and
//! sessions are rolled up from `page_view_parts` at read time (`pv`).

use std::collections::{BTreeMap, HashMap};

use rum_agent::core::rating;
use serde_json::{json, Value};

use super::{as_f64, as_i64, as_str, lit, Client, WINNERS};
use crate::query::{
    auto_step, empty_split, parse_limit, summary_args, Agg, BadParam, Filter, MetricStats, Params, METRICS,
    METRIC_COLUMNS, SPLIT_PARTS,
};
use crate::slo::eval::Side;
use crate::slo::{Filters, Metric, Sli, Slo};

/// Page-view parts within this much of a range are read, the roll-up then
/// filtered exactly (a page view's parts differ by the clients' skew only).
const SLACK_MS: i64 = 3_600_000;

/// Nearest-rank p75 of the non-null values of `x` (null without values).
fn p75(x: &str) -> String {
    format!(
        "if(count({x}) = 0, NULL, arrayElement(arraySort(groupArray({x})), toUInt64(intDiv(3 * count({x}) + 3, 4))))"
    )
}

/// ` AND copy IN (the counted copies of the requests received since lo)`:
/// read-time de-duplication.
fn dedup(lo: i64) -> String {
    format!(" AND copy IN {}", WINNERS.replace("LO", &(lo - SLACK_MS).to_string()))
}

/// The time range and app/release/env filter as a ClickHouse condition.
fn clause(f: &Filter, time_col: &str) -> String {
    let mut s = format!("{time_col} >= {} AND {time_col} < {}", f.since, f.until);
    for (col, v) in [("app_name", &f.app), ("app_version", &f.release), ("app_env", &f.env)] {
        if let Some(v) = v {
            s.push_str(&format!(" AND {col} = {}", lit(v)));
        }
    }
    s
}

/// Page views rolled up from their parts (`where` on the parts), with the
/// SQLite `page_views` columns: first-request fields by `(received_at,
/// seq)`, vitals the largest, counters summed.
pub fn pv(where_parts: &str, lo: i64) -> String {
    let first = [
        "started_at",
        "url",
        "page",
        "view_name",
        "referrer",
        "nav_type",
        "parent_id",
        "browser",
        "browser_version",
        "os",
        "os_version",
        "device",
        "country",
        "country_source",
    ];
    let mut inner: Vec<String> = vec!["id".into()];
    let mut outer: Vec<String> = vec!["id".into()];
    for c in ["session_id", "app_name", "app_version", "app_env"] {
        inner.push(format!("any({c}) AS x_{c}"));
        outer.push(format!("x_{c} AS {c}"));
    }
    for c in first {
        inner.push(format!("argMin({c}, (received_at, seq)) AS x_{c}"));
        outer.push(format!("x_{c} AS {c}"));
    }
    inner.push("min(received_at) AS x_first_seen".into());
    outer.push("x_first_seen AS first_seen".into());
    inner.push("max(received_at) AS x_last_seen".into());
    outer.push("x_last_seen AS last_seen".into());
    for c in ["lcp", "inp", "cls", "fcp", "ttfb", "tti", "tbt", "page_load"] {
        inner.push(format!("max({c}) AS x_{c}"));
        outer.push(format!("x_{c} AS {c}"));
    }
    inner.push("argMaxIf(nav_ttfb, (received_at, seq), isNotNull(nav_ttfb)) AS x_nav_ttfb".into());
    outer.push("x_nav_ttfb AS nav_ttfb".into());
    for c in ["js_errors", "errors", "http_calls", "http_errors", "events", "agent_dropped"] {
        inner.push(format!("sum({c}) AS x_{c}"));
        outer.push(format!("x_{c} AS {c}"));
    }
    format!(
        "(SELECT {} FROM (SELECT {} FROM page_view_parts WHERE {where_parts}{} GROUP BY id))",
        outer.join(", "),
        inner.join(", "),
        dedup(lo)
    )
}

/// The page views started in the filter's range (exact), nav-filtered.
fn pv_in_range(f: &Filter, nav: &str) -> String {
    let mut parts = format!("started_at >= {} AND started_at < {}", f.since - SLACK_MS, f.until + SLACK_MS);
    for (col, v) in [("app_name", &f.app), ("app_version", &f.release), ("app_env", &f.env)] {
        if let Some(v) = v {
            parts.push_str(&format!(" AND {col} = {}", lit(v)));
        }
    }
    format!(
        "(SELECT * FROM {} WHERE started_at >= {} AND started_at < {}{nav})",
        pv(&parts, f.since - SLACK_MS),
        f.since,
        f.until
    )
}

/// The events of the filter's range (`time_col` `ts` or `received_at`), de-duplicated.
fn ev(cond: &str, lo: i64) -> String {
    format!("(SELECT * FROM events WHERE {cond}{})", dedup(lo))
}

/// A SQLite `GROUP_BY` expression in ClickHouse (`route` is mapped by
/// `transform` from the range's distinct pages, computed in Rust).
fn group_expr(ch: &Client, name: &str, from: &str, routes: &[crate::route::Pattern]) -> Result<String, String> {
    Ok(match name {
        "page" => "page".into(),
        "route" => {
            let pages: Vec<String> =
                ch.rows(&format!("SELECT DISTINCT page FROM {from}"))?.iter().map(|r| as_str(r.first())).collect();
            if pages.is_empty() {
                "page".into()
            } else {
                let to: Vec<String> = pages.iter().map(|p| lit(&crate::route::route_of(p, routes))).collect();
                let from: Vec<String> = pages.iter().map(|p| lit(p)).collect();
                format!("transform(page, [{}], [{}], page)", from.join(", "), to.join(", "))
            }
        }
        "nav" => "if(nav_type = 'soft-navigation', 'soft', 'hard')".into(),
        "release" => "app_version".into(),
        other => other.into(),
    })
}

fn ch_col(c: &str) -> &str {
    c
}

/// Page-view aggregates and p75s per group, the `limit` largest.
fn page_view_aggs(ch: &Client, from: &str, g: &str, limit: usize) -> Result<Vec<(String, Agg)>, String> {
    let mut cols = vec![
        "count()".to_string(),
        "uniqExact(session_id)".into(),
        "uniqExactIf(session_id, js_errors > 0)".into(),
        "sum(http_calls)".into(),
        "sum(http_errors)".into(),
    ];
    for (m, c) in METRICS.iter().zip(METRIC_COLUMNS) {
        let c = ch_col(c);
        cols.push(format!("count({c})"));
        let (good, poor) = rating::thresholds(m).unwrap_or((f64::INFINITY, f64::INFINITY));
        if good.is_finite() {
            cols.push(format!("countIf(({c}) <= {good:?})"));
            cols.push(format!("countIf(({c}) > {good:?} AND ({c}) <= {poor:?})"));
            cols.push(format!("countIf(({c}) > {poor:?})"));
        }
        cols.push(p75(c));
    }
    let sql =
        format!("SELECT {g} AS g, {} FROM {from} GROUP BY g ORDER BY count() DESC, g LIMIT {limit}", cols.join(", "));
    let mut out = Vec::new();
    for r in ch.rows(&sql)? {
        let mut it = r.iter();
        let key = as_str(it.next());
        let mut next = || as_i64(it.next());
        let page_views = next();
        let sessions = next();
        let error_sessions = next();
        let http_calls = next();
        let http_errors = next();
        let mut vitals: [MetricStats; 8] = Default::default();
        let mut it = r.iter().skip(6);
        for (m, s) in METRICS.iter().zip(vitals.iter_mut()) {
            let n = as_i64(it.next());
            s.count = usize::try_from(n).unwrap_or(0);
            if rating::thresholds(m).is_some() {
                let share = |k: i64| (n > 0).then(|| k as f64 / n as f64);
                s.good = share(as_i64(it.next()));
                s.needs_improvement = share(as_i64(it.next()));
                s.poor = share(as_i64(it.next()));
            }
            s.p75 = as_f64(it.next());
        }
        out.push((
            key,
            Agg { page_views, sessions, error_sessions, http_calls, http_errors, vitals, latency: Value::Null },
        ));
    }
    Ok(out)
}

/// The latency split's p75 and count per part, per group.
fn latency_split(ch: &Client, f: &Filter, nav: &str, g: &str) -> Result<HashMap<String, Value>, String> {
    let parts: Vec<String> = SPLIT_PARTS
        .iter()
        .enumerate()
        .map(|(i, k)| {
            format!("if(visitParamHas(attributes, '{k}'), visitParamExtractFloat(attributes, '{k}'), NULL) AS p{i}")
        })
        .collect();
    let cond = format!("kind = 'split' AND {}", clause(f, "ts"));
    let splits = format!("SELECT page_view_id AS id, {} FROM {}", parts.join(", "), ev(&cond, f.since));
    let source = if g == "''" && nav.is_empty() {
        format!("SELECT '' AS g, p0, p1, p2, p3 FROM ({splits})")
    } else {
        let views = pv(&format!("id IN (SELECT page_view_id FROM {})", ev(&cond, f.since)), f.since - 30 * 86_400_000);
        format!("SELECT {g} AS g, p0, p1, p2, p3 FROM ({splits}) ANY INNER JOIN {views} USING id WHERE 1{nav}")
    };
    let cols: Vec<String> = (0..SPLIT_PARTS.len()).map(|i| format!("count(p{i}), {}", p75(&format!("p{i}")))).collect();
    let sql = format!("SELECT g, {} FROM ({source}) GROUP BY g", cols.join(", "));
    let mut out = HashMap::new();
    for r in ch.rows(&sql)? {
        let mut it = r.iter();
        let key = as_str(it.next());
        let mut o = serde_json::Map::new();
        for k in SPLIT_PARTS {
            let n = as_i64(it.next());
            let v = as_f64(it.next());
            o.insert(k.to_string(), json!({ "p75": if n > 0 { v } else { None }, "count": n }));
        }
        out.insert(key, Value::Object(o));
    }
    Ok(out)
}

pub fn summary(ch: &Client, p: &Params) -> Result<Result<Value, BadParam>, String> {
    let (f, group, nav, limit) = match summary_args(p) {
        Ok(a) => a,
        Err(e) => return Ok(Err(e)),
    };
    let from = pv_in_range(&f, nav);
    let overall = page_view_aggs(ch, &from, "''", 1)?;
    let split = latency_split(ch, &f, nav, "''")?;
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
        o.insert("top_actions".into(), top_actions(ch, &f, 10)?);
        if let Some((name, _)) = group {
            let g = group_expr(ch, name, &from, &p.routes)?;
            let groups = page_view_aggs(ch, &from, &g, limit)?;
            let mut split_groups = latency_split(ch, &f, nav, &g)?;
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

/// `crate::actions::top_actions` on ClickHouse.
pub fn top_actions(ch: &Client, f: &Filter, limit: usize) -> Result<Value, String> {
    let has = |k: &str| format!("visitParamExtractFloat(attributes, '{k}') > 0");
    let frust = |s: &str| format!("position(visitParamExtractRaw(attributes, 'frust'), '\"{s}\"') > 0");
    let sql = format!(
        "SELECT name, count() AS n, uniqExact(session_id), visitParamExtractString(attributes, 'type') AS ty,
                max(visitParamExtractString(attributes, 'target')),
                countIf({} OR {}), countIf(visitParamExtractRaw(attributes, 'frust') NOT IN ('', '[]')),
                countIf({}), countIf({}), countIf({}), count(value), {}
         FROM {} GROUP BY name, ty ORDER BY n DESC, max(ts) DESC LIMIT {limit}",
        has("http_fail"),
        has("errors"),
        frust("rage"),
        frust("dead"),
        frust("error"),
        p75("value"),
        ev(&format!("kind = 'action' AND {}", clause(f, "ts")), f.since),
    );
    let mut out = Vec::new();
    for r in ch.rows(&sql)? {
        let g = |i: usize| as_i64(r.get(i));
        let n = g(1);
        let rate = |k: i64| if n > 0 { k as f64 / n as f64 } else { 0.0 };
        out.push(json!({
            "name": as_str(r.first()),
            "type": as_str(r.get(3)),
            "target": as_str(r.get(4)),
            "count": n,
            "sessions": g(2),
            "p75_duration": if g(10) > 0 { as_f64(r.get(11)) } else { None },
            "failure_rate": rate(g(5)),
            "frustration_rate": rate(g(6)),
            "rage": g(7),
            "dead": g(8),
            "error_clicks": g(9),
        }));
    }
    Ok(Value::Array(out))
}

pub fn timeseries(ch: &Client, p: &Params) -> Result<Result<Value, BadParam>, String> {
    let f = match Filter::from_params(p) {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let from = pv_in_range(&f, "");
    let mm = ch.rows(&format!("SELECT min(started_at), max(started_at), count() FROM {from}"))?;
    let row = mm.first();
    let has = row.is_some_and(|r| as_i64(r.get(2)) > 0);
    let min_t = has.then(|| as_i64(row.and_then(|r| r.first())));
    let max_t = has.then(|| as_i64(row.and_then(|r| r.get(1))));
    let end = crate::now_ms().min(f.until);
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
    let sql = format!(
        "SELECT intDiv(started_at, {step}) * {step} AS b, count(), uniqExact(session_id),
                uniqExactIf(session_id, js_errors > 0), {}, {}, {}, {}
         FROM {from} GROUP BY b",
        p75("lcp"),
        p75("inp"),
        p75("cls"),
        p75("page_load")
    );
    type Bucket = (i64, i64, i64, [Option<f64>; 4]);
    let mut buckets: BTreeMap<i64, Bucket> = BTreeMap::new();
    for r in ch.rows(&sql)? {
        let g = |i: usize| as_i64(r.get(i));
        let v = |i: usize| as_f64(r.get(i));
        buckets.insert(g(0), (g(1), g(2), g(3), [v(4), v(5), v(6), v(7)]));
    }
    let first = range_start.div_euclid(step) * step;
    let last = max_t.unwrap_or(end).min(f.until).max(end);
    let mut t = Vec::new();
    let (mut pv, mut sess, mut ser) = (Vec::new(), Vec::new(), Vec::new());
    let mut p75s: [Vec<Option<f64>>; 4] = Default::default();
    let mut at = first;
    while at <= last {
        t.push(at);
        match buckets.remove(&at) {
            Some((views, sessions, error_sessions, vals)) => {
                pv.push(Some(views));
                sess.push(Some(sessions));
                ser.push((sessions > 0).then(|| error_sessions as f64 / sessions as f64));
                for (slot, v) in p75s.iter_mut().zip(vals) {
                    slot.push(v);
                }
            }
            None => {
                pv.push(None);
                sess.push(None);
                ser.push(None);
                for slot in p75s.iter_mut() {
                    slot.push(None);
                }
            }
        }
        at += step;
    }
    let [lcp, inp, cls, load] = p75s;
    Ok(Ok(json!({
        "filter": f, "step": step, "t": t, "page_views": pv, "sessions": sess,
        "session_error_rate": ser, "lcp_p75": lcp, "inp_p75": inp, "cls_p75": cls, "page_load_p75": load,
    })))
}

pub fn events(ch: &Client, p: &Params) -> Result<Result<Value, BadParam>, String> {
    let f = match Filter::from_params(&Params { since: p.since.clone().or(Some("0".into())), ..p.clone() }) {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let limit = match parse_limit(p.limit.as_deref(), 100, crate::query::MAX_EVENTS_LIMIT) {
        Ok(l) => l,
        Err(e) => return Ok(Err(e)),
    };
    let mut cond = clause(&f, "ts");
    for (col, v) in
        [("kind", &p.kind), ("name", &p.name), ("session_id", &p.session_id), ("page_view_id", &p.page_view_id)]
    {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            cond.push_str(&format!(" AND {col} = {}", lit(v)));
        }
    }
    if let Some(b) = p.before.as_ref().filter(|v| !v.is_empty()) {
        match b.split_once('_').and_then(|(t, i)| Some((t.parse::<i64>().ok()?, i.parse::<i64>().ok()?))) {
            Some((ts, id)) => cond.push_str(&format!(" AND (ts < {ts} OR (ts = {ts} AND id < {id}))")),
            None => return Ok(Err(BadParam(format!("before={b:?}: expected the next_before of a previous answer")))),
        }
    }
    let sql = format!(
        "SELECT id, ts, received_at, kind, name, value, attributes, page_view_id, session_id, app_name, app_version,
                app_env, browser, os, device, country, page_url
         FROM {} ORDER BY ts DESC, id DESC LIMIT {limit}",
        ev(&cond, f.since)
    );
    let list: Vec<Value> = ch
        .rows(&sql)?
        .into_iter()
        .map(|r| {
            let s = |i: usize| as_str(r.get(i));
            let attrs = s(6);
            json!({
                "id": as_i64(r.first()),
                "ts": as_i64(r.get(1)),
                "received_at": as_i64(r.get(2)),
                "kind": s(3),
                "name": s(4),
                "value": as_f64(r.get(5)),
                "attributes": serde_json::from_str::<Value>(&attrs).unwrap_or(Value::String(attrs)),
                "page_view_id": s(7),
                "session_id": s(8),
                "app": {"name": s(9), "version": s(10), "env": s(11)},
                "browser": s(12),
                "os": s(13),
                "device": s(14),
                "country": s(15),
                "page_url": s(16),
            })
        })
        .collect();
    let next = if list.len() == limit {
        list.last().and_then(|e| Some(Value::String(format!("{}_{}", e.get("ts")?, e.get("id")?))))
    } else {
        None
    };
    Ok(Ok(json!({ "events": list, "next_before": next, "limit": limit, "filter": f })))
}

pub fn dimensions(ch: &Client, p: &Params) -> Result<Result<Value, BadParam>, String> {
    let f = match Filter::from_params(&Params {
        since: p.since.clone().or(Some("30d".into())),
        max_range_ms: p.max_range_ms,
        ..Default::default()
    }) {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let from = pv_in_range(&f, "");
    let mut out = serde_json::Map::new();
    for (key, col) in [("apps", "app_name"), ("releases", "app_version"), ("envs", "app_env")] {
        let sql = format!(
            "SELECT {col}, count() AS n FROM {from} GROUP BY {col} ORDER BY n DESC, {col} LIMIT {}",
            crate::query::DIMENSIONS_LIMIT
        );
        let list: Vec<Value> = ch
            .rows(&sql)?
            .iter()
            .map(|r| json!({"value": as_str(r.first()), "page_views": as_i64(r.get(1))}))
            .collect();
        out.insert(key.into(), Value::Array(list));
    }
    Ok(Ok(Value::Object(out)))
}

/// Events, page views and sessions stored (de-duplicated), for `/api/stats`.
pub fn counts(ch: &Client) -> Result<(i64, i64, i64), String> {
    let r = ch.rows(&format!(
        "SELECT (SELECT count() FROM {}), (SELECT uniqExact(id) FROM page_view_parts WHERE 1{d}),
                (SELECT uniqExact(session_id) FROM page_view_parts WHERE 1{d})",
        ev("1", 0),
        d = dedup(0)
    ))?;
    let r = r.first();
    Ok((as_i64(r.and_then(|r| r.first())), as_i64(r.and_then(|r| r.get(1))), as_i64(r.and_then(|r| r.get(2)))))
}

/// The error events `crate::sourcemap::issues` groups, most recent first.
pub fn error_rows(ch: &Client, f: &Filter, max: usize) -> Result<Vec<crate::sourcemap::issues::ErrorRow>, String> {
    let sql = format!(
        "SELECT ts, name, value, attributes, app_version, browser, session_id FROM {} ORDER BY ts DESC LIMIT {max}",
        ev(&format!("kind = 'error' AND {}", clause(f, "ts")), f.since)
    );
    Ok(ch
        .rows(&sql)?
        .into_iter()
        .map(|r| crate::sourcemap::issues::ErrorRow {
            ts: as_i64(r.first()),
            name: as_str(r.get(1)),
            value: as_f64(r.get(2)),
            attributes: as_str(r.get(3)),
            release: as_str(r.get(4)),
            browser: as_str(r.get(5)),
            session_id: as_str(r.get(6)),
        })
        .collect())
}

// ---- SLOs: `crate::slo::eval::unit_rows` on ClickHouse ----

/// A GLOB pattern (`/checkout*`) as a regular expression for `match`.
fn glob_regex(g: &str) -> String {
    let mut o = String::from("^");
    for c in g.chars() {
        match c {
            '*' => o.push_str(".*"),
            '?' => o.push('.'),
            '[' | ']' => o.push(c),
            c if c.is_ascii_alphanumeric() || c == '/' || c == '-' || c == '_' || c == ':' => o.push(c),
            c => {
                o.push('\\');
                o.push(c);
            }
        }
    }
    o.push('$');
    o
}

fn filters_sql(f: &Filters, table_is_events: bool) -> String {
    let mut s = String::new();
    for (col, v) in [
        ("app_name", &f.app),
        ("app_env", &f.env),
        ("app_version", &f.release),
        ("device", &f.device),
        ("country", &f.country),
    ] {
        if let Some(v) = v {
            s.push_str(&format!(" AND {col} = {}", lit(v)));
        }
    }
    if let Some(r) = &f.route {
        let m = format!("match(page, {})", lit(&glob_regex(r)));
        if table_is_events {
            s.push_str(&format!(" AND page_view_id IN (SELECT id FROM page_view_parts WHERE {m})"));
        } else {
            s.push_str(&format!(" AND {m}"));
        }
    }
    s
}

fn metric_sql(th: &[(Metric, f64)], side: Side) -> String {
    let list: Vec<String> = th
        .iter()
        .map(|(m, v)| {
            let (kind, name) = m.event();
            let bad = if side == Side::Bad { format!(" AND value > {v:?}") } else { String::new() };
            format!("(kind = {} AND name = {} AND isNotNull(value){bad})", lit(kind), lit(name))
        })
        .collect();
    format!(" AND ({})", list.join(" OR "))
}

const JS_ERROR: &str = " AND kind = 'error' AND visitParamExtractString(attributes, 'src') IN ('js', 'promise')";
const HTTP_BAD: &str =
    " AND (visitParamExtractFloat(attributes, 'status') >= 500 OR visitParamExtractString(attributes, 'fail') != '')";
const ACTION_FAILED: &str =
    "(visitParamExtractFloat(attributes, 'http_fail') > 0 OR visitParamExtractFloat(attributes, 'errors') > 0)";

/// Columns `t`, `app`, `env`: one row per unit of `slo` entering `side` at
/// `t`, for `lo <= t < hi` (the first matching event of a page view or
/// session: its minimum receive time over all time).
pub fn unit_rows(slo: &Slo, side: Side, lo: i64, hi: i64) -> String {
    let f = &slo.filters;
    let events_first = |key: &str, cond: &str| {
        let c = format!("{cond}{}", filters_sql(f, true));
        format!(
            "SELECT min(received_at) AS t, any(app_name) AS app, any(app_env) AS env FROM {}
             WHERE {key} IN (SELECT {key} FROM {}) GROUP BY {key} HAVING t >= {lo} AND t < {hi}",
            ev(&format!("1{c}"), 0),
            ev(&format!("received_at >= {lo} AND received_at < {hi}{c}"), lo),
        )
    };
    match (&slo.sli, side) {
        (Sli::PageViewThreshold { thresholds }, side) => events_first("page_view_id", &metric_sql(thresholds, side)),
        (Sli::SessionAllGood { thresholds }, side) => events_first("session_id", &metric_sql(thresholds, side)),
        (Sli::ErrorFreeSessions, Side::Bad) => events_first("session_id", JS_ERROR),
        (Sli::ErrorFreeSessions, Side::Total) => {
            let c = filters_sql(f, false);
            format!(
                "SELECT min(first_seen) AS t, any(app_name) AS app, any(app_env) AS env FROM {}
                 WHERE session_id IN (SELECT session_id FROM page_view_parts WHERE received_at >= {lo} AND received_at < {hi})
                   {c} GROUP BY session_id HAVING t >= {lo} AND t < {hi}",
                pv("1", 0)
            )
        }
        (Sli::ActionDuration { action, threshold }, side) => {
            let mut c = String::from("kind = 'action'");
            if let Some(name) = action {
                c.push_str(&format!(" AND name = {}", lit(name)));
            }
            if side == Side::Bad {
                c.push_str(&format!(" AND (ifNull(value, 0) > {threshold:?} OR {ACTION_FAILED})"));
            }
            c.push_str(&filters_sql(f, true));
            format!(
                "SELECT received_at AS t, app_name AS app, app_env AS env FROM {}",
                ev(&format!("received_at >= {lo} AND received_at < {hi} AND {c}"), lo)
            )
        }
        (Sli::HttpSuccess, side) => {
            let mut c = String::from("kind = 'http'");
            if side == Side::Bad {
                c.push_str(HTTP_BAD);
            }
            c.push_str(&filters_sql(f, true));
            format!(
                "SELECT received_at AS t, app_name AS app, app_env AS env FROM {}",
                ev(&format!("received_at >= {lo} AND received_at < {hi} AND {c}"), lo)
            )
        }
    }
}

/// `crate::slo::eval::count_windows` on ClickHouse.
pub fn count_windows(ch: &Client, slo: &Slo, side: Side, now: i64, windows_ms: &[i64]) -> Result<Vec<i64>, String> {
    let longest = windows_ms.iter().copied().max().unwrap_or(0);
    let sub = unit_rows(slo, side, now - longest, now);
    let sums: Vec<String> = windows_ms.iter().map(|w| format!("countIf(t >= {})", now - w)).collect();
    let rows =
        ch.rows(&format!("SELECT {} FROM ({sub})", sums.join(", "))).map_err(|e| format!("slo {}: {e}", slo.name))?;
    let r = rows.first();
    Ok((0..windows_ms.len()).map(|i| as_i64(r.and_then(|r| r.get(i)))).collect())
}

/// `crate::slo::eval::count_by_app_env` on ClickHouse.
pub fn count_by_app_env(
    ch: &Client,
    slo: &Slo,
    side: Side,
    lo: i64,
    hi: i64,
) -> Result<Vec<(String, String, u64)>, String> {
    let sub = unit_rows(slo, side, lo, hi);
    let rows = ch
        .rows(&format!("SELECT app, env, count() FROM ({sub}) GROUP BY app, env"))
        .map_err(|e| format!("slo {}: {e}", slo.name))?;
    Ok(rows
        .iter()
        .map(|r| (as_str(r.first()), as_str(r.get(1)), u64::try_from(as_i64(r.get(2))).unwrap_or(0)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert_eq!(glob_regex("/checkout*"), "^/checkout.*$");
        assert_eq!(glob_regex("/p/?.html"), "^/p/.\\.html$");
    }
}
