//! Errors grouped by their real cause: the message (the event's `name`:
//! type and first line) and the first symbolicated in-app frame — so the
//! same bug from two builds of a release, or from two bundles, is one issue.
//! Errors with no frame a map covers are grouped by message alone.

use std::collections::{BTreeSet, HashMap, HashSet};

use rusqlite::types::Value as Sql;
use rusqlite::Connection;
use serde_json::{json, Value};

use super::{Cache, Frame, Symbolicator};
use crate::query::Filter;

/// Most recent error events read per query (a bound on the work; the answer
/// says when it was reached).
pub const MAX_SCANNED: usize = 20_000;
/// Releases and browsers listed per issue.
const MAX_LISTED: usize = 20;

#[derive(Default)]
struct Issue {
    name: String,
    kind: Option<String>,
    message: Option<String>,
    src: Option<String>,
    count: f64,
    sessions: HashSet<String>,
    first_seen: i64,
    last_seen: i64,
    releases: BTreeSet<String>,
    browsers: BTreeSet<String>,
    frame: Option<Value>,
    culprit: Option<String>,
    minified: Option<Value>,
}

/// One error event as the grouping reads it (from either backend).
pub struct ErrorRow {
    pub ts: i64,
    pub name: String,
    pub value: Option<f64>,
    pub attributes: String,
    pub release: String,
    pub browser: String,
    pub session_id: String,
}

/// The issues of the range, most frequent first.
pub fn issues(conn: &Connection, cache: &Cache, f: &Filter, limit: usize) -> Result<Value, String> {
    let (clause, mut args) = f.clause("ts");
    args.push(Sql::Integer(i64::try_from(MAX_SCANNED).unwrap_or(i64::MAX)));
    let sql = format!(
        "SELECT ts, name, value, attributes, app_version, browser, session_id
         FROM events WHERE kind = 'error' AND {clause} ORDER BY ts DESC LIMIT ?"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            let get = |i: usize| r.get::<_, Option<String>>(i).ok().flatten().unwrap_or_default();
            Ok(ErrorRow {
                ts: r.get(0)?,
                name: get(1),
                value: r.get::<_, Option<f64>>(2).ok().flatten(),
                attributes: get(3),
                release: get(4),
                browser: get(5),
                session_id: get(6),
            })
        })
        .map_err(|e| e.to_string())?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    group(conn, cache, rows, limit)
}

/// Groups error rows (most recent first, at most `MAX_SCANNED`) into issues;
/// `conn` is the store of the source maps.
pub fn group(conn: &Connection, cache: &Cache, rows: Vec<ErrorRow>, limit: usize) -> Result<Value, String> {
    let sym = Symbolicator::new(conn, cache);
    let mut groups: HashMap<String, Issue> = HashMap::new();
    let mut scanned = 0usize;
    for r in rows {
        scanned += 1;
        let ts = r.ts;
        let name = r.name;
        let count = r.value.unwrap_or(1.0);
        let attrs: Value = serde_json::from_str(&r.attributes).unwrap_or(Value::Null);
        let release = r.release;
        let frames: Vec<Frame> = attrs
            .get("frames")
            .and_then(Value::as_array)
            .map(|l| l.iter().filter_map(Frame::from_json).collect())
            .unwrap_or_default();
        let originals = if frames.is_empty() { Vec::new() } else { sym.frames(&release, &frames) };
        let first = originals.iter().enumerate().find_map(|(i, o)| o.as_ref().filter(|o| o.in_app()).map(|o| (i, o)));
        let key = match first {
            Some((_, o)) => format!("{name}\u{0}{}:{}:{}", o.file, o.line, o.function.as_deref().unwrap_or("")),
            None => name.clone(),
        };
        let is = groups.entry(key).or_insert_with(|| Issue {
            name: name.clone(),
            first_seen: ts,
            last_seen: ts,
            kind: attrs.get("type").and_then(Value::as_str).map(str::to_string),
            message: attrs.get("msg").and_then(Value::as_str).map(str::to_string),
            src: attrs.get("src").and_then(Value::as_str).map(str::to_string),
            frame: first.map(|(_, o)| o.to_json()),
            culprit: first.map(|(_, o)| o.culprit()),
            minified: first.and_then(|(i, _)| attrs.get("frames")?.get(i).cloned()),
            ..Issue::default()
        });
        is.count += count;
        is.first_seen = is.first_seen.min(ts);
        is.last_seen = is.last_seen.max(ts);
        is.sessions.insert(r.session_id);
        if is.releases.len() < MAX_LISTED {
            is.releases.insert(release);
        }
        let browser = r.browser;
        if is.browsers.len() < MAX_LISTED && !browser.is_empty() {
            is.browsers.insert(browser);
        }
    }
    let mut list: Vec<Issue> = groups.into_values().collect();
    list.sort_by(|a, b| b.count.total_cmp(&a.count).then(b.last_seen.cmp(&a.last_seen)).then(a.name.cmp(&b.name)));
    let out: Vec<Value> = list
        .into_iter()
        .take(limit)
        .map(|i| {
            json!({
                "name": i.name, "type": i.kind, "message": i.message, "src": i.src,
                "count": i.count, "sessions": i.sessions.len(),
                "first_seen": i.first_seen, "last_seen": i.last_seen,
                "releases": i.releases, "browsers": i.browsers,
                "culprit": i.culprit, "frame": i.frame, "minified_frame": i.minified,
            })
        })
        .collect();
    if scanned >= MAX_SCANNED {
        tracing::debug!("issues: scanned the {MAX_SCANNED} most recent error events only");
    }
    Ok(Value::Array(out))
}
