//! User actions (agent event `action`) in the summary: the top actions (by
//! name and type: a click on "Search" and Enter in it are two) by count, each with its p75 duration, failure rate (an HTTP call of the
//! action failed, or an error happened during it) and frustration rate
//! (rage, dead or error click), filtered like the rest of the summary.

use rusqlite::types::Value as Sql;
use rusqlite::Connection;
use serde_json::{json, Value};

use crate::query::Filter;

fn err(e: rusqlite::Error) -> String {
    e.to_string()
}

/// The `limit` most frequent actions (by name, else target) in the filter's window.
pub fn top_actions(conn: &Connection, f: &Filter, limit: usize) -> Result<Value, String> {
    let (clause, mut args) = f.clause("ts");
    let filter_args = args.clone();
    args.push(Sql::Integer(i64::try_from(limit).unwrap_or(10)));
    let has = |k: &str| format!("coalesce(json_extract(attributes, '$.{k}'), 0) > 0");
    let frust = |s: &str| format!("instr(coalesce(json_extract(attributes, '$.frust'), ''), '\"{s}\"') > 0");
    let sql = format!(
        "SELECT name, count(*) AS n, count(DISTINCT session_id), coalesce(json_extract(attributes, '$.type'), '') AS ty,
                max(coalesce(json_extract(attributes, '$.target'), '')),
                sum({} OR {}), sum(json_array_length(coalesce(json_extract(attributes, '$.frust'), '[]')) > 0),
                sum({}), sum({}), sum({}), count(value)
         FROM events WHERE kind = 'action' AND {clause}
         GROUP BY name, ty ORDER BY n DESC, max(ts) DESC LIMIT ?",
        has("http_fail"),
        has("errors"),
        frust("rage"),
        frust("dead"),
        frust("error"),
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(err)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                [
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, i64>(7)?,
                    r.get::<_, i64>(8)?,
                    r.get::<_, i64>(9)?,
                ],
                r.get::<_, i64>(10)?,
            ))
        })
        .map_err(err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    // p75 by nearest rank, read with one bounded query per listed action.
    let mut p75_stmt = conn
        .prepare_cached(&format!(
            "SELECT value FROM events WHERE kind = 'action' AND name = ?
               AND coalesce(json_extract(attributes, '$.type'), '') = ? AND value IS NOT NULL AND {clause}
             ORDER BY value LIMIT 1 OFFSET ?"
        ))
        .map_err(err)?;
    let mut out = Vec::with_capacity(rows.len());
    for (name, n, sessions, kind, target, [failed, frustrated, rage, dead, error], with_value) in rows {
        let p75 = if with_value > 0 {
            let rank = i64::try_from(crate::query::p75_rank(usize::try_from(with_value).unwrap_or(0))).unwrap_or(1);
            let mut b = vec![Sql::Text(name.clone()), Sql::Text(kind.clone())];
            b.extend(filter_args.iter().cloned());
            b.push(Sql::Integer(rank - 1));
            p75_stmt.query_row(rusqlite::params_from_iter(b), |r| r.get::<_, f64>(0)).ok()
        } else {
            None
        };
        let rate = |k: i64| if n > 0 { k as f64 / n as f64 } else { 0.0 };
        out.push(json!({
            "name": name,
            "type": kind,
            "target": target,
            "count": n,
            "sessions": sessions,
            "p75_duration": p75,
            "failure_rate": rate(failed),
            "frustration_rate": rate(frustrated),
            "rage": rage,
            "dead": dead,
            "error_clicks": error,
        }));
    }
    Ok(Value::Array(out))
}
