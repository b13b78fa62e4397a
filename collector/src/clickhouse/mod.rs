//! The ClickHouse backend (`--store clickhouse://HOST:8123/DATABASE`): an
//! HTTP client, the schema, the batching writer (`writer`) and every query
//! of the API, the dashboard, `/api/slo` and the SLO counters (`query`).
//!
//! SQL rule: what ClickHouse 18.16 (Debian's `clickhouse-server`) and
//! current releases both accept — no `LowCardinality`, `DateTime64`, `Map`,
//! `JSONExtract*` (attributes are read with `visitParamExtract*`), no
//! window functions, no correlated subqueries, no table `TTL` (19.6+:
//! retention is an hourly `ALTER TABLE … DELETE`), no query parameters
//! (string literals are escaped by `lit`).
//!
//! Collected data (events, page-view parts, the request register) lives
//! in ClickHouse; page views and sessions are computed from it at read
//! time, so any number of collectors can write to one database. Source
//! maps (uploaded artifacts, like configuration) stay in the local SQLite
//! file (`--db`).

pub mod query;
pub mod writer;

use std::io::Read;
use std::time::Duration;

use serde_json::Value;

/// `clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE` (HTTP interface).
/// USER and PASSWORD may come from `RUM_CLICKHOUSE_USER` and
/// `RUM_CLICKHOUSE_PASSWORD` instead.
#[derive(Clone)]
pub struct Client {
    base: String,
    /// With `?cluster=NAME`: every shard's HTTP base (`base` first), where
    /// the local tables are created and pruned.
    shards: Vec<String>,
    /// `?cluster=NAME`: the tables are `Distributed` over the cluster's shards.
    pub cluster: Option<String>,
    pub database: String,
    user: Option<String>,
    password: Option<String>,
    agent: ureq::Agent,
    /// Per-query time limit (ClickHouse's `max_execution_time`, seconds).
    pub max_execution_time: u64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "clickhouse {}{}", self.base, self.database)
    }
}

/// Is `--store` a ClickHouse URL?
pub fn is_url(store: &str) -> bool {
    store.starts_with("clickhouse://")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b.get(i), b.get(i + 1..i + 3)) {
            (Some(b'%'), Some(h))
                if std::str::from_utf8(h).ok().and_then(|h| u8::from_str_radix(h, 16).ok()).is_some() =>
            {
                if let Some(v) = std::str::from_utf8(h).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    out.push(v);
                }
                i += 3;
            }
            (Some(c), _) => {
                out.push(*c);
                i += 1;
            }
            (None, _) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// URL query-string encoding of a statement.
fn enc(s: &str) -> String {
    let mut o = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            o.push(char::from(b));
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// A ClickHouse string literal.
pub fn lit(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('\'');
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\'' => o.push_str("\\'"),
            '\0' => o.push_str("\\0"),
            c => o.push(c),
        }
    }
    o.push('\'');
    o
}

impl Client {
    pub fn parse(url: &str) -> Result<Client, String> {
        let bad =
            |why: &str| format!("--store {url:?}: {why} (expected clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE)");
        let rest = url.strip_prefix("clickhouse://").ok_or_else(|| bad("not a clickhouse:// URL"))?;
        let (auth, rest) = match rest.rsplit_once('@') {
            Some((a, r)) => (Some(a), r),
            None => (None, rest),
        };
        let (hostport, db) = rest.split_once('/').ok_or_else(|| bad("no database"))?;
        let (db, cluster) = match db.split_once('?') {
            Some((d, q)) => match q.strip_prefix("cluster=") {
                Some(c) if !c.is_empty() && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
                    (d, Some(c.to_string()))
                }
                _ => return Err(bad("the only option is ?cluster=NAME (letters, digits and _)")),
            },
            None => (db, None),
        };
        let db = db.trim_end_matches('/');
        if db.is_empty() || !db.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(bad("the database name must be letters, digits and _"));
        }
        if hostport.is_empty() || hostport.contains(['?', '#', ' ']) {
            return Err(bad("no host"));
        }
        // HOST:PORT[,HOST:PORT…]: the first is queried; with a cluster, the
        // tables are created on each.
        let shards: Vec<String> = hostport
            .split(',')
            .filter(|h| !h.is_empty())
            .map(|h| if h.contains(':') { format!("http://{h}/") } else { format!("http://{h}:8123/") })
            .collect();
        if shards.len() > 1 && cluster.is_none() {
            return Err(bad("several hosts need ?cluster=NAME"));
        }
        let base = shards.first().cloned().ok_or_else(|| bad("no host"))?;
        let (mut user, mut password) = match auth {
            Some(a) => match a.split_once(':') {
                Some((u, p)) => (Some(percent_decode(u)), Some(percent_decode(p))),
                None => (Some(percent_decode(a)), None),
            },
            None => (None, None),
        };
        if user.is_none() {
            user = std::env::var("RUM_CLICKHOUSE_USER").ok().filter(|s| !s.is_empty());
        }
        if password.is_none() {
            password = std::env::var("RUM_CLICKHOUSE_PASSWORD").ok().filter(|s| !s.is_empty());
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Ok(Client { base, shards, cluster, database: db.to_string(), user, password, agent, max_execution_time: 10 })
    }

    pub fn with_timeout(mut self, d: Duration) -> Client {
        self.max_execution_time = d.as_secs().max(1);
        self
    }

    /// POST `body` with `query` (already encoded, may be empty) in the URL.
    fn post(&self, query: &str, body: impl ureq::AsSendBody, with_db: bool) -> Result<String, String> {
        self.post_to(&self.base, query, body, with_db)
    }

    fn post_to(&self, base: &str, query: &str, body: impl ureq::AsSendBody, with_db: bool) -> Result<String, String> {
        let mut url =
            format!("{base}?output_format_json_quote_64bit_integers=0&max_execution_time={}", self.max_execution_time);
        if self.cluster.is_some() {
            // An insert is acknowledged once on its shard; a subquery over
            // the Distributed tables runs once on the initiator (GLOBAL IN).
            url.push_str("&insert_distributed_sync=1&distributed_product_mode=global");
        }
        if with_db {
            url.push_str("&database=");
            url.push_str(&self.database);
        }
        if !query.is_empty() {
            url.push_str("&query=");
            url.push_str(query);
        }
        let mut req = self.agent.post(&url);
        if let Some(u) = &self.user {
            req = req.header("X-ClickHouse-User", u);
        }
        if let Some(p) = &self.password {
            req = req.header("X-ClickHouse-Key", p);
        }
        let mut resp = req.send(body).map_err(|e| format!("clickhouse {}: {e}", self.base))?;
        let status = resp.status();
        let mut text = String::new();
        resp.body_mut()
            .with_config()
            .limit(256 << 20)
            .reader()
            .read_to_string(&mut text)
            .map_err(|e| format!("clickhouse: reading the answer: {e}"))?;
        if !status.is_success() {
            return Err(format!("clickhouse ({status}): {}", text.trim()));
        }
        Ok(text)
    }

    /// Runs a statement (DDL, ALTER) with no result.
    pub fn exec(&self, sql: &str) -> Result<(), String> {
        self.post("", sql.as_bytes().to_vec(), true).map(|_| ())
    }

    /// Runs a statement without a current database (CREATE DATABASE).
    fn exec_no_db(&self, sql: &str) -> Result<(), String> {
        self.post("", sql.as_bytes().to_vec(), false).map(|_| ())
    }

    /// Runs a SELECT; each row as a list of JSON values (JSONCompact).
    pub fn rows(&self, sql: &str) -> Result<Vec<Vec<Value>>, String> {
        let text = self.post("", format!("{sql}\nFORMAT JSONCompact").into_bytes(), true)?;
        let v: Value = serde_json::from_str(&text).map_err(|e| format!("clickhouse answer: {e}"))?;
        match v.get("data") {
            Some(Value::Array(rows)) => Ok(rows
                .iter()
                .map(|r| match r {
                    Value::Array(cols) => cols.clone(),
                    _ => Vec::new(),
                })
                .collect()),
            _ => Err("clickhouse answer without data".into()),
        }
    }

    /// `INSERT INTO table FORMAT JSONEachRow` with `body` (one object a line).
    pub fn insert(&self, table: &str, body: Vec<u8>) -> Result<(), String> {
        self.post(&enc(&format!("INSERT INTO {table} FORMAT JSONEachRow")), body, true).map(|_| ())
    }

    /// `INSERT INTO table FORMAT format` with a body streamed from `body`
    /// (chunked, any length): bulk loads such as the bench's prefill
    /// (`synth::copy_to_clickhouse`). Not bounded by the client's 60 s
    /// time limit.
    pub fn insert_stream(&self, table: &str, format: &str, body: impl Read + 'static) -> Result<(), String> {
        let bulk = Client {
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(6 * 3600)))
                .build()
                .into(),
            max_execution_time: 6 * 3600,
            ..self.clone()
        };
        let query = enc(&format!("INSERT INTO {table} FORMAT {format}"));
        bulk.post(&query, ureq::SendBody::from_owned_reader(body), true).map(|_| ())
    }

    pub fn ping(&self) -> Result<(), String> {
        self.rows("SELECT 1").map(|_| ())
    }

    /// Creates the database and the tables (idempotent). With a cluster:
    /// on every shard listed, the tables as `TABLE_local` and a `Distributed`
    /// table of the same name over them, sharded by `cityHash64(view_id)`
    /// (all copies of a request, and all parts of a page view, on one shard).
    pub fn migrate(&self) -> Result<(), String> {
        let Some(cluster) = &self.cluster else {
            self.exec_no_db(&format!("CREATE DATABASE IF NOT EXISTS {}", self.database))?;
            for sql in SCHEMA {
                self.exec(sql)?;
            }
            return Ok(());
        };
        for shard in &self.shards {
            let run = |sql: &str, db: bool| self.post_to(shard, "", sql.as_bytes().to_vec(), db).map(|_| ());
            run(&format!("CREATE DATABASE IF NOT EXISTS {}", self.database), false)?;
            for (t, sql) in TABLES.iter().zip(SCHEMA) {
                run(&sql.replacen(&format!("EXISTS {t} ("), &format!("EXISTS {t}_local ("), 1), true)?;
                run(
                    &format!(
                        "CREATE TABLE IF NOT EXISTS {t} AS {t}_local ENGINE = Distributed({cluster}, {}, {t}_local, cityHash64(view_id))",
                        self.database
                    ),
                    true,
                )?;
            }
        }
        Ok(())
    }

    /// Retention: deletes rows received more than `days` ago (mutations;
    /// on each shard's local tables with a cluster).
    pub fn prune(&self, days: u32) -> Result<(), String> {
        let cutoff = crate::now_ms() - i64::from(days) * 86_400_000;
        for t in TABLES {
            match &self.cluster {
                None => self.exec(&format!("ALTER TABLE {t} DELETE WHERE received_at < {cutoff}"))?,
                Some(_) => {
                    for shard in &self.shards {
                        let sql = format!("ALTER TABLE {t}_local DELETE WHERE received_at < {cutoff}");
                        self.post_to(shard, "", sql.into_bytes(), true)?;
                    }
                }
            }
        }
        Ok(())
    }
}

pub const TABLES: [&str; 3] = ["events", "page_view_parts", "requests"];

/// The tables, each partitioned by the receive month (the server's clock:
/// a client's wrong clock cannot spread one insert over many partitions). `copy` identifies one stored copy of a request (random per
/// write): copies of the same `(view_id, seq)` beyond the first are
/// excluded at read time (`WINNERS`).
pub const SCHEMA: [&str; 3] = [
    "CREATE TABLE IF NOT EXISTS events (
        app_name String, ts Int64, kind String, name String, value Nullable(Float64), attributes String,
        received_at Int64, page_view_id String, session_id String, app_version String, app_env String,
        browser String, os String, device String, country String, page_url String,
        view_id String, seq UInt32, copy UInt64, id Int64
    ) ENGINE = MergeTree() PARTITION BY toYYYYMM(toDate(intDiv(received_at, 1000))) ORDER BY (app_name, ts, kind)",
    "CREATE TABLE IF NOT EXISTS page_view_parts (
        app_name String, started_at Int64, id String, session_id String, app_version String, app_env String,
        received_at Int64, url String, page String, view_name String, referrer String, nav_type String,
        parent_id String, browser String, browser_version String, os String, os_version String, device String,
        country String, country_source String, tz String, lang String, ua String, sdk String, viewport String,
        conn String, clock_skew_ms Nullable(Int64), user_id String,
        lcp Nullable(Float64), inp Nullable(Float64), cls Nullable(Float64), fcp Nullable(Float64),
        ttfb Nullable(Float64), tti Nullable(Float64), tbt Nullable(Float64), page_load Nullable(Float64),
        nav_ttfb Nullable(Float64),
        js_errors Int64, errors Int64, http_calls Int64, http_errors Int64, events Int64, agent_dropped Int64,
        view_id String, seq UInt32, copy UInt64
    ) ENGINE = MergeTree() PARTITION BY toYYYYMM(toDate(intDiv(received_at, 1000))) ORDER BY (app_name, started_at, id)",
    "CREATE TABLE IF NOT EXISTS requests (
        view_id String, seq UInt32, copy UInt64, received_at Int64, events UInt32
    ) ENGINE = MergeTree() PARTITION BY toYYYYMM(toDate(intDiv(received_at, 1000))) ORDER BY (view_id, seq)",
];

/// Read-time de-duplication: the one copy counted of each stored request,
/// the smallest `copy` registered for its `(view_id, seq)` (each unnumbered
/// request, `seq` 0, is its own). Rows of copies never registered (a
/// collector killed between its inserts, a failed attempt) are left out too.
pub const WINNERS: &str = "(SELECT min(copy) FROM requests WHERE received_at >= LO
    GROUP BY view_id, seq, if(seq = 0, copy, 0))";

pub fn as_i64(v: Option<&Value>) -> i64 {
    match v {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(crate::sat_i64)).unwrap_or(0),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

pub fn as_f64(v: Option<&Value>) -> Option<f64> {
    match v {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
}

pub fn as_str(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(o) => o.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let c = Client::parse("clickhouse://u:p%40ss@127.0.0.1:9123/rum").unwrap();
        assert_eq!(c.base, "http://127.0.0.1:9123/");
        assert_eq!(c.database, "rum");
        assert_eq!(c.user.as_deref(), Some("u"));
        assert_eq!(c.password.as_deref(), Some("p@ss"));
        let c = Client::parse("clickhouse://db.internal/rum").unwrap();
        assert_eq!(c.base, "http://db.internal:8123/");
        assert!(Client::parse("clickhouse://h:1/").is_err());
        assert!(Client::parse("clickhouse://h:1/a-b").is_err());
        assert!(Client::parse("http://h:1/a").is_err());
        let c = Client::parse("clickhouse://a:1,b:2/rum?cluster=rum_2").unwrap();
        assert_eq!(c.shards, ["http://a:1/", "http://b:2/"]);
        assert_eq!(c.cluster.as_deref(), Some("rum_2"));
        assert!(Client::parse("clickhouse://a:1,b:2/rum").is_err());
        assert!(Client::parse("clickhouse://a:1/rum?x=1").is_err());
    }

    #[test]
    fn literals() {
        assert_eq!(lit("a'b\\c"), "'a\\'b\\\\c'");
        assert_eq!(enc("INSERT INTO x"), "INSERT%20INTO%20x");
    }
}
