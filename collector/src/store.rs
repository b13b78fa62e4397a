//! SQLite storage: versioned migrations, the one writer thread that batches
//! inserts, read connections for queries, and retention pruning.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use tokio::sync::{mpsc, oneshot};

use crate::metrics::Metrics;
use crate::model::Record;

/// Schema migrations, applied in order; `PRAGMA user_version` is the number
/// applied. Never edit a released one: add another.
pub const MIGRATIONS: &[&str] = &[
    // 1: sessions, page views (with roll-ups for the summary), events, and
    //    the (view id, seq) request register used for de-duplication.
    r#"
    CREATE TABLE sessions (
        id          TEXT PRIMARY KEY,
        app_name    TEXT NOT NULL,
        started_at  INTEGER NOT NULL,      -- session start, server clock, epoch ms
        first_seen  INTEGER NOT NULL,      -- receive time of its first request
        last_seen   INTEGER NOT NULL,
        page_views  INTEGER NOT NULL DEFAULT 0,
        js_errors   INTEGER NOT NULL DEFAULT 0,
        errors      INTEGER NOT NULL DEFAULT 0,
        user_id     TEXT,
        browser     TEXT NOT NULL, os TEXT NOT NULL, device TEXT NOT NULL, country TEXT NOT NULL
    );
    CREATE INDEX sessions_last_seen ON sessions(last_seen);

    CREATE TABLE page_views (
        id              TEXT PRIMARY KEY,
        session_id      TEXT NOT NULL,
        app_name        TEXT NOT NULL,
        app_version     TEXT NOT NULL,
        app_env         TEXT NOT NULL,
        started_at      INTEGER NOT NULL,  -- page view start, server clock, epoch ms
        first_seen      INTEGER NOT NULL,
        last_seen       INTEGER NOT NULL,
        url             TEXT NOT NULL,
        page            TEXT NOT NULL,     -- path of url
        view_name       TEXT NOT NULL,
        referrer        TEXT NOT NULL,
        nav_type        TEXT NOT NULL,
        browser         TEXT NOT NULL,
        browser_version TEXT NOT NULL,
        os              TEXT NOT NULL,
        os_version      TEXT NOT NULL,
        device          TEXT NOT NULL,
        country         TEXT NOT NULL,
        country_source  TEXT NOT NULL,     -- geoip | tz | ''
        tz              TEXT NOT NULL,
        lang            TEXT NOT NULL,
        ua              TEXT NOT NULL,
        sdk             TEXT NOT NULL,
        viewport        TEXT NOT NULL,
        conn            TEXT NOT NULL,
        clock_skew_ms   INTEGER,           -- receive − sent of the latest request
        user_id         TEXT,
        lcp REAL, inp REAL, cls REAL, fcp REAL, ttfb REAL, tti REAL, tbt REAL,
        page_load       REAL,              -- loadEventEnd
        nav_ttfb        REAL,              -- TTFB from the navigation entry
        js_errors       INTEGER NOT NULL DEFAULT 0,
        errors          INTEGER NOT NULL DEFAULT 0,
        http_calls      INTEGER NOT NULL DEFAULT 0,
        http_errors     INTEGER NOT NULL DEFAULT 0,
        events          INTEGER NOT NULL DEFAULT 0,
        agent_dropped   INTEGER NOT NULL DEFAULT 0,
        requests        INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX page_views_started ON page_views(started_at);
    CREATE INDEX page_views_app_started ON page_views(app_name, started_at);
    CREATE INDEX page_views_session ON page_views(session_id);
    CREATE INDEX page_views_last_seen ON page_views(last_seen);

    CREATE TABLE events (
        id           INTEGER PRIMARY KEY,
        ts           INTEGER NOT NULL,     -- event time, server clock (client t + skew), epoch ms
        received_at  INTEGER NOT NULL,
        kind         TEXT NOT NULL,        -- nav res error event measure vital long http
        name         TEXT NOT NULL,
        value        REAL,
        attributes   TEXT NOT NULL,        -- JSON: the rest of the event
        page_view_id TEXT NOT NULL,
        session_id   TEXT NOT NULL,
        app_name     TEXT NOT NULL,
        app_version  TEXT NOT NULL,
        app_env      TEXT NOT NULL,
        browser      TEXT NOT NULL,
        os           TEXT NOT NULL,
        device       TEXT NOT NULL,
        country      TEXT NOT NULL,
        page_url     TEXT NOT NULL
    );
    CREATE INDEX events_ts ON events(ts);
    CREATE INDEX events_kind_ts ON events(kind, ts);
    CREATE INDEX events_page_view ON events(page_view_id);

    CREATE TABLE requests (
        view_id     TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        events      INTEGER NOT NULL,
        PRIMARY KEY (view_id, seq)
    ) WITHOUT ROWID;
    CREATE INDEX requests_received ON requests(received_at);
    "#,
    // 2: source maps (collector/src/sourcemap): one row per (release, URL of the
    // minified file); the map re-encoded and the minified file, gzip.
    r#"
    CREATE TABLE sourcemaps (
        id                   INTEGER PRIMARY KEY,
        release              TEXT NOT NULL,
        url                  TEXT NOT NULL,   -- URL of the minified file, or a path (/assets/x.js)
        debug_id             TEXT,            -- ECMA-426 debug ID, when the map or file has one
        map                  BLOB NOT NULL,   -- the map as re-encoded at upload, gzip
        js                   BLOB,            -- the minified file, gzip (function names)
        map_bytes            INTEGER NOT NULL,
        js_bytes             INTEGER NOT NULL,
        sources              INTEGER NOT NULL,
        sources_with_content INTEGER NOT NULL,
        tokens               INTEGER NOT NULL,
        uploaded_at          INTEGER NOT NULL,
        UNIQUE (release, url)
    );
    CREATE INDEX sourcemaps_debug_id ON sourcemaps(debug_id);
    "#,
    // 3: SLO evaluation (collector/src/slo/eval.rs) dates units by receive
    //    time: window scans by (kind, received_at), "first of this session"
    //    look-ups by (session_id, kind), sessions' first page views by first_seen.
    r#"
    CREATE INDEX events_kind_received ON events(kind, received_at);
    CREATE INDEX events_session_kind ON events(session_id, kind);
    CREATE INDEX page_views_first_seen ON page_views(first_seen);
    "#,
    // 4: soft navigations: the page view a soft-navigation view came from.
    r#"
    ALTER TABLE page_views ADD COLUMN parent_id TEXT NOT NULL DEFAULT '';
    "#,
];

pub fn schema_version() -> u32 {
    u32::try_from(MIGRATIONS.len()).unwrap_or(u32::MAX)
}

fn pragmas(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -32_000)?;
    Ok(())
}

/// Read connections: sorts and window buffers spill to temporary files
/// (not memory) past a bounded page cache, so one query's memory does not
/// grow with the range it covers.
fn read_pragmas(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "temp_store", "FILE")?;
    conn.pragma_update(None, "cache_size", -16_000)?;
    Ok(())
}

/// Opens (creating and migrating) the database for writing.
pub fn open_writer(path: &Path) -> Result<Connection, String> {
    let conn = Connection::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let ctx = |e: rusqlite::Error| format!("{}: {e}", path.display());
    pragmas(&conn).map_err(ctx)?;
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)).map_err(ctx)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(format!("{}: could not switch to WAL mode (got {mode})", path.display()));
    }
    // WAL + NORMAL: a commit survives a killed process (not a power loss
    // within the last checkpoint interval), at a fraction of FULL's cost.
    conn.pragma_update(None, "synchronous", "NORMAL").map_err(ctx)?;
    migrate(&conn).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(conn)
}

pub fn migrate(conn: &Connection) -> Result<(), String> {
    let have: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| e.to_string())?;
    let want = schema_version();
    if have > want {
        return Err(format!(
            "database schema version {have} is newer than this collector understands ({want}); use a newer rum-collector"
        ));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(have as usize) {
        let version = i + 1;
        let tx = conn.unchecked_transaction().map_err(|e| e.to_string())?;
        tx.execute_batch(sql).map_err(|e| format!("migration {version}: {e}"))?;
        tx.pragma_update(None, "user_version", version).map_err(|e| e.to_string())?;
        tx.commit().map_err(|e| format!("migration {version}: {e}"))?;
        tracing::info!(version, "applied schema migration");
    }
    Ok(())
}

/// Read-only connections for queries (WAL readers never block the writer).
#[derive(Clone)]
pub struct ReadPool {
    path: PathBuf,
    idle: Arc<Mutex<Vec<Connection>>>,
    timeout: Duration,
    /// Queries running at once (each holds a connection and its cache).
    running: Arc<tokio::sync::Semaphore>,
}

/// Queries run at once; more wait (up to the time limit, then 503).
pub const MAX_CONCURRENT_QUERIES: usize = 4;

/// The error of a query stopped by the pool's time limit (`--query-timeout`):
/// the HTTP layer answers it with 503.
pub const QUERY_TIMEOUT: &str = "query time limit exceeded";

impl ReadPool {
    pub fn new(path: &Path) -> ReadPool {
        ReadPool {
            path: path.to_path_buf(),
            idle: Arc::new(Mutex::new(Vec::new())),
            timeout: Duration::from_secs(10),
            running: Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT_QUERIES)),
        }
    }

    /// Each query is interrupted after `timeout` (its result: `QUERY_TIMEOUT`).
    pub fn with_timeout(mut self, timeout: Duration) -> ReadPool {
        self.timeout = timeout;
        self
    }

    /// Runs `f` with a read connection on the blocking pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, String>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, String> + Send + 'static,
    {
        let pool = self.clone();
        let permit = match tokio::time::timeout(self.timeout, self.running.clone().acquire_owned()).await {
            Ok(Ok(p)) => p,
            _ => return Err(QUERY_TIMEOUT.to_string()),
        };
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = match pool.idle.lock().ok().and_then(|mut v| v.pop()) {
                Some(c) => c,
                None => {
                    let c = Connection::open_with_flags(
                        &pool.path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
                    )
                    .map_err(|e| format!("open {}: {e}", pool.path.display()))?;
                    read_pragmas(&c).map_err(|e| e.to_string())?;
                    c
                }
            };
            // SQLite calls this every 1000 virtual-machine steps; returning
            // true interrupts the statement (SQLITE_INTERRUPT).
            let deadline = Instant::now() + pool.timeout;
            let expired = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let flag = expired.clone();
            conn.progress_handler(
                1000,
                Some(move || {
                    let late = Instant::now() >= deadline;
                    if late {
                        flag.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                    late
                }),
            );
            let out = f(&conn);
            conn.progress_handler(0, None::<fn() -> bool>);
            let out = match out {
                Err(_) if expired.load(std::sync::atomic::Ordering::Relaxed) => Err(QUERY_TIMEOUT.to_string()),
                o => o,
            };
            if let Ok(mut idle) = pool.idle.lock() {
                if idle.len() < MAX_CONCURRENT_QUERIES {
                    idle.push(conn);
                }
            }
            out
        })
        .await
        .map_err(|e| format!("query task failed: {e}"))?
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Stored { events: usize },
    Duplicate,
    Failed(String),
}

pub struct Job {
    pub record: Record,
    pub reply: oneshot::Sender<Outcome>,
}

pub(crate) enum Msg {
    Job(Box<Job>),
    /// Retention: delete what is older than this many days.
    Prune(u32),
    Shutdown,
}

/// The handle request handlers use to reach the writer thread.
#[derive(Clone)]
pub struct Writer {
    pub(crate) tx: mpsc::Sender<Msg>,
    pub(crate) depth: Arc<AtomicI64>,
}

pub enum SubmitError {
    /// The queue is full: answer 503, the client retries later.
    Overloaded,
    /// The writer has stopped (shutting down, or the database failed).
    Closed,
}

impl Writer {
    pub fn submit(&self, record: Record) -> Result<oneshot::Receiver<Outcome>, SubmitError> {
        let (reply, rx) = oneshot::channel();
        match self.tx.try_send(Msg::Job(Box::new(Job { record, reply }))) {
            Ok(()) => {
                self.depth.fetch_add(1, Ordering::Relaxed);
                Ok(rx)
            }
            Err(mpsc::error::TrySendError::Full(_)) => Err(SubmitError::Overloaded),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(SubmitError::Closed),
        }
    }

    pub fn queue_depth(&self) -> i64 {
        self.depth.load(Ordering::Relaxed)
    }

    pub fn is_running(&self) -> bool {
        !self.tx.is_closed()
    }
}

/// Joins the writer thread after asking it to finish what is queued.
pub struct WriterThread {
    pub(crate) tx: mpsc::Sender<Msg>,
    pub(crate) handle: Option<std::thread::JoinHandle<()>>,
}

impl WriterThread {
    /// Everything queued before this call is committed before it returns.
    pub async fn shutdown(mut self) {
        let _ = self.tx.send(Msg::Shutdown).await;
        if let Some(h) = self.handle.take() {
            let _ = tokio::task::spawn_blocking(move || h.join()).await;
        }
    }
}

/// Most requests (and events) one transaction carries.
pub(crate) const MAX_BATCH_JOBS: usize = 512;
pub(crate) const MAX_BATCH_EVENTS: usize = 20_000;
pub(crate) const RETENTION_EVERY: Duration = Duration::from_secs(3600);

pub fn start_writer(
    conn: Connection,
    queue: usize,
    retention_days: Option<u32>,
    metrics: Arc<Metrics>,
) -> (Writer, WriterThread) {
    let (tx, rx) = mpsc::channel(queue.max(1));
    let depth = Arc::new(AtomicI64::new(0));
    let d = depth.clone();
    let handle =
        std::thread::Builder::new().name("rum-writer".into()).spawn(move || writer_loop(conn, rx, d, metrics)).ok();
    if let Some(days) = retention_days {
        // Prune at start, then hourly; ends when the writer is gone.
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(RETENTION_EVERY);
            loop {
                tick.tick().await;
                if tx.send(Msg::Prune(days)).await.is_err() {
                    break;
                }
            }
        });
    }
    if handle.is_none() {
        tracing::error!("could not start the writer thread");
    }
    (Writer { tx: tx.clone(), depth }, WriterThread { tx, handle })
}

fn writer_loop(mut conn: Connection, mut rx: mpsc::Receiver<Msg>, depth: Arc<AtomicI64>, metrics: Arc<Metrics>) {
    let mut shutting_down = false;
    while !shutting_down {
        let Some(first) = rx.blocking_recv() else { break };
        let mut jobs = Vec::new();
        let mut events = 0usize;
        match first {
            Msg::Job(j) => {
                events += j.record.events.len();
                jobs.push(j);
            }
            Msg::Prune(days) => {
                match prune(&conn, days) {
                    Ok(n) if n > 0 => tracing::info!(rows = n, days, "retention: deleted old rows"),
                    Ok(_) => {}
                    Err(e) => tracing::error!("retention: {e}"),
                }
                continue;
            }
            Msg::Shutdown => shutting_down = true,
        }
        // Group commit: take whatever else is already waiting.
        while !shutting_down && jobs.len() < MAX_BATCH_JOBS && events < MAX_BATCH_EVENTS {
            match rx.try_recv() {
                Ok(Msg::Job(j)) => {
                    events += j.record.events.len();
                    jobs.push(j);
                }
                Ok(Msg::Prune(_)) => {}
                Ok(Msg::Shutdown) => shutting_down = true,
                Err(_) => break,
            }
        }
        if jobs.is_empty() {
            continue;
        }
        depth.fetch_sub(i64::try_from(jobs.len()).unwrap_or(0), Ordering::Relaxed);
        let started = Instant::now();
        let outcomes = write_batch(&mut conn, &jobs);
        metrics.observe_write(started.elapsed().as_secs_f64(), jobs.len());
        for (job, outcome) in jobs.into_iter().zip(outcomes) {
            let _ = job.reply.send(outcome);
        }
    }
    // Anything still queued was accepted: store it too.
    rx.close();
    let mut rest = Vec::new();
    while let Ok(m) = rx.try_recv() {
        if let Msg::Job(j) = m {
            rest.push(j);
        }
    }
    if !rest.is_empty() {
        let outcomes = write_batch(&mut conn, &rest);
        for (job, outcome) in rest.into_iter().zip(outcomes) {
            let _ = job.reply.send(outcome);
        }
    }
    if let Err(e) = conn.pragma_update(None, "wal_checkpoint", "TRUNCATE") {
        tracing::warn!("final WAL checkpoint: {e}");
    }
    tracing::info!("writer stopped; all accepted requests are committed");
}

/// One transaction for the whole group; a savepoint per request so that one
/// failing request does not cost the others.
fn write_batch(conn: &mut Connection, jobs: &[Box<Job>]) -> Vec<Outcome> {
    let tx = match conn.transaction() {
        Ok(t) => t,
        Err(e) => return jobs.iter().map(|_| Outcome::Failed(format!("begin: {e}"))).collect(),
    };
    let mut outcomes = Vec::with_capacity(jobs.len());
    for job in jobs {
        let outcome = match tx.execute_batch("SAVEPOINT req") {
            Err(e) => Outcome::Failed(e.to_string()),
            Ok(()) => match write_one(&tx, &job.record) {
                Ok(o) => {
                    let _ = tx.execute_batch("RELEASE req");
                    o
                }
                Err(e) => {
                    let _ = tx.execute_batch("ROLLBACK TO req; RELEASE req");
                    tracing::error!(view = %job.record.view_id, "storing a request failed: {e}");
                    Outcome::Failed(e.to_string())
                }
            },
        };
        outcomes.push(outcome);
    }
    if let Err(e) = tx.commit() {
        tracing::error!("commit failed: {e}");
        return jobs.iter().map(|_| Outcome::Failed(format!("commit: {e}"))).collect();
    }
    outcomes
}

fn write_one(tx: &rusqlite::Transaction, r: &Record) -> rusqlite::Result<Outcome> {
    let pv = &r.page_view;
    if r.seq > 0 {
        let fresh = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO requests (view_id, seq, received_at, events) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![r.view_id, r.seq, r.received_at, r.events.len()])?;
        if fresh == 0 {
            return Ok(Outcome::Duplicate);
        }
    }
    let c = &pv.client;
    let new_view = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO page_views (id, session_id, app_name, app_version, app_env, started_at,
                first_seen, last_seen, url, page, view_name, referrer, nav_type, browser, browser_version,
                os, os_version, device, country, country_source, tz, lang, ua, sdk, viewport, conn, user_id, parent_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
                ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)",
        )?
        .execute(params![
            pv.id,
            pv.session_id,
            pv.app_name,
            pv.app_version,
            pv.app_env,
            pv.started_at,
            r.received_at,
            pv.url,
            pv.page,
            pv.view_name,
            pv.referrer,
            pv.nav_type,
            c.browser,
            c.browser_version,
            c.os,
            c.os_version,
            c.device,
            pv.country.code,
            pv.country.source,
            pv.tz,
            pv.lang,
            pv.ua,
            pv.sdk,
            pv.viewport,
            pv.conn,
            (!pv.user_id.is_empty()).then_some(&pv.user_id),
            pv.parent_id,
        ])?;
    let v = &pv.vitals;
    tx.prepare_cached(
        "UPDATE page_views SET
            last_seen = max(last_seen, ?2),
            clock_skew_ms = coalesce(?3, clock_skew_ms),
            user_id = coalesce(?4, user_id),
            lcp  = coalesce(max(lcp, ?5), lcp, ?5),
            inp  = coalesce(max(inp, ?6), inp, ?6),
            cls  = coalesce(max(cls, ?7), cls, ?7),
            fcp  = coalesce(max(fcp, ?8), fcp, ?8),
            ttfb = coalesce(max(ttfb, ?9), ttfb, ?9),
            tti  = coalesce(max(tti, ?10), tti, ?10),
            tbt  = coalesce(max(tbt, ?11), tbt, ?11),
            page_load = coalesce(max(page_load, ?12), page_load, ?12),
            nav_ttfb = coalesce(?13, nav_ttfb),
            js_errors = js_errors + ?14,
            errors = errors + ?15,
            http_calls = http_calls + ?16,
            http_errors = http_errors + ?17,
            events = events + ?18,
            agent_dropped = agent_dropped + ?19,
            requests = requests + 1
         WHERE id = ?1",
    )?
    .execute(params![
        pv.id,
        r.received_at,
        pv.clock_skew_ms,
        (!pv.user_id.is_empty()).then_some(&pv.user_id),
        v[0],
        v[1],
        v[2],
        v[3],
        v[4],
        v[5],
        v[6],
        pv.page_load,
        pv.nav_ttfb,
        pv.js_errors,
        pv.errors,
        pv.http_calls,
        pv.http_errors,
        pv.events,
        pv.agent_dropped,
    ])?;
    tx.prepare_cached(
        "INSERT INTO sessions (id, app_name, started_at, first_seen, last_seen, page_views, js_errors, errors,
            user_id, browser, os, device, country)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT(id) DO UPDATE SET
            last_seen = max(last_seen, excluded.last_seen),
            page_views = page_views + excluded.page_views,
            js_errors = js_errors + excluded.js_errors,
            errors = errors + excluded.errors,
            user_id = coalesce(excluded.user_id, user_id)",
    )?
    .execute(params![
        pv.session_id,
        pv.app_name,
        r.session_started_at,
        r.received_at,
        new_view,
        pv.js_errors,
        pv.errors,
        (!pv.user_id.is_empty()).then_some(&pv.user_id),
        c.browser,
        c.os,
        c.device,
        pv.country.code,
    ])?;
    let mut ins = tx.prepare_cached(
        "INSERT INTO events (ts, received_at, kind, name, value, attributes, page_view_id, session_id,
            app_name, app_version, app_env, browser, os, device, country, page_url)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?;
    for e in &r.events {
        ins.execute(params![
            e.ts,
            r.received_at,
            e.kind,
            e.name,
            e.value,
            e.attributes,
            pv.id,
            pv.session_id,
            pv.app_name,
            pv.app_version,
            pv.app_env,
            c.browser,
            c.os,
            c.device,
            pv.country.code,
            pv.url,
        ])?;
    }
    Ok(Outcome::Stored { events: r.events.len() })
}

/// Deletes what is older than `days`, in slices so the writer never holds
/// the database for long. Returns the rows deleted.
pub fn prune(conn: &Connection, days: u32) -> Result<usize, String> {
    let cutoff = crate::now_ms() - i64::from(days) * 86_400_000;
    let mut total = 0;
    for sql in [
        "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE ts < ?1 LIMIT 5000)",
        "DELETE FROM page_views WHERE id IN (SELECT id FROM page_views WHERE last_seen < ?1 LIMIT 5000)",
        "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE last_seen < ?1 LIMIT 5000)",
        "DELETE FROM requests WHERE (view_id, seq) IN (SELECT view_id, seq FROM requests WHERE received_at < ?1 LIMIT 5000)",
    ] {
        loop {
            let n = conn.execute(sql, params![cutoff]).map_err(|e| e.to_string())?;
            total += n;
            if n < 5000 {
                break;
            }
        }
    }
    Ok(total)
}

/// Rows per table, for /healthz and the tests.
pub fn counts(conn: &Connection) -> Result<(i64, i64, i64), String> {
    let one = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).optional().map(|v| v.unwrap_or(0));
    let e = one("SELECT count(*) FROM events").map_err(|e| e.to_string())?;
    let p = one("SELECT count(*) FROM page_views").map_err(|e| e.to_string())?;
    let s = one("SELECT count(*) FROM sessions").map_err(|e| e.to_string())?;
    Ok((e, p, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_writer(&dir.path().join("t.db")).unwrap();
        (dir, conn)
    }

    #[test]
    fn migrations_are_idempotent_and_refuse_newer_schemas() {
        let (dir, conn) = db();
        migrate(&conn).unwrap();
        let v: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(v, schema_version());
        conn.pragma_update(None, "user_version", schema_version() + 1).unwrap();
        drop(conn);
        let err = open_writer(&dir.path().join("t.db")).err().unwrap();
        assert!(err.contains("newer than this collector"), "{err}");
    }

    #[test]
    fn retention_prunes_only_old_rows() {
        let (_dir, conn) = db();
        let now = crate::now_ms();
        let old = now - 10 * 86_400_000;
        for (i, ts) in [old, old, now].iter().enumerate() {
            conn.execute(
                "INSERT INTO events (ts, received_at, kind, name, attributes, page_view_id, session_id, app_name,
                    app_version, app_env, browser, os, device, country, page_url)
                 VALUES (?1, ?1, 'vital', 'LCP', '{}', ?2, 's', 'a', '', '', '', '', '', '', '')",
                params![ts, format!("pv{i}")],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO requests (view_id, seq, received_at, events) VALUES (?1, 1, ?2, 1)",
                params![format!("pv{i}"), ts],
            )
            .unwrap();
        }
        assert_eq!(prune(&conn, 30).unwrap(), 0);
        assert_eq!(prune(&conn, 7).unwrap(), 4);
        let left: i64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
        assert_eq!(left, 1);
        let left: i64 = conn.query_row("SELECT count(*) FROM requests", [], |r| r.get(0)).unwrap();
        assert_eq!(left, 1);
    }
}
