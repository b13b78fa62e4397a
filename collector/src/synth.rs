//! A synthetic database of realistic shape, written straight into SQLite in
//! one transaction (a million events in seconds): for the load test and
//! `cargo xtask bench-collector`, which need a large database quickly.
//!
//! Ten events per page view (4 vitals, 3 resources, an HTTP call, a latency
//! split, and on every fifth view a JS error), 200 pages, 5 browsers,
//! 20 countries, 3 releases, spread over the `days` before `now`.

use std::path::Path;

use rusqlite::params;

/// Events per page view in the synthetic database.
pub const EVENTS_PER_VIEW: usize = 10;

/// A positive value spread around `median` (skewed like real timings:
/// 0.3× to ~2.3×), from SQLite's `random()`.
fn around(median: f64) -> String {
    format!("({median:?} * (0.3 + ((abs(random()) % 1000) / 1000.0) * ((abs(random()) % 1000) / 500.0)))")
}

/// Writes `events` events (and `events / 10` page views) into the database
/// at `path` (created and migrated if needed), timed over `days` days before
/// `now`. SQLite makes the rows itself (a recursive CTE, one transaction),
/// so a million events take seconds.
pub fn fill(path: &Path, events: usize, now: i64, days: i64) -> Result<(), String> {
    let mut conn = crate::store::open_writer(path)?;
    let e = |e: rusqlite::Error| e.to_string();
    conn.pragma_update(None, "synchronous", "OFF").map_err(e)?;
    let views = i64::try_from(events / EVENTS_PER_VIEW).unwrap_or(0);
    let span = days.max(1) * 86_400_000;
    let tx = conn.transaction().map_err(e)?;
    // Indexes are built once at the end (faster than row by row): the
    // schema's own definitions, read back from sqlite_master.
    let indexes: Vec<(String, String)> = tx
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
             AND tbl_name IN ('events', 'page_views')",
        )
        .and_then(|mut st| st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .map_err(e)?;
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{name}\"")).map_err(e)?;
    }
    // The drawn values are materialized first: SQLite would otherwise
    // flatten the subquery and draw `random()` again for each use of a
    // column (`t` as started_at, first_seen and last_seen; `page` in url
    // and page; `js` as js_errors and errors), and a page view's times and
    // path would disagree with each other.
    let page_views = format!(
        "WITH RECURSIVE n(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM n WHERE v < ?1 - 1),
         r AS MATERIALIZED (SELECT 'pv-' || v AS id, 's-' || (v / 4) AS session_id, ?2 - abs(random()) % ?3 AS t,
             '/products/' || (abs(random()) % 200) AS page,
             '2.' || (3 + abs(random()) % 2) || '.' || (abs(random()) % 2) AS release,
             CASE abs(random()) % 5 WHEN 0 THEN 'Chrome' WHEN 1 THEN 'Safari' WHEN 2 THEN 'Firefox'
                 WHEN 3 THEN 'Edge' ELSE 'Samsung Internet' END AS browser,
             CASE abs(random()) % 5 WHEN 0 THEN 'Windows' WHEN 1 THEN 'macOS' WHEN 2 THEN 'Android'
                 WHEN 3 THEN 'iOS' ELSE 'Linux' END AS os,
             CASE abs(random()) % 3 WHEN 0 THEN 'desktop' WHEN 1 THEN 'mobile' ELSE 'tablet' END AS device,
             'C' || (abs(random()) % 20) AS country, {ttfb} AS ttfb, (v % 5 = 0) AS js
             FROM n)
         INSERT INTO page_views (id, session_id, app_name, app_version, app_env, started_at, first_seen,
             last_seen, url, page, view_name, referrer, nav_type, browser, browser_version, os, os_version,
             device, country, country_source, tz, lang, ua, sdk, viewport, conn, lcp, inp, cls, fcp, ttfb,
             page_load, nav_ttfb, js_errors, errors, http_calls, http_errors, events)
         SELECT id, session_id, 'shop', release, 'prod', t, t, t, 'https://shop.example' || page, page, '', '',
             'navigate', browser, '124', os, '10', device, country, 'tz', 'Europe/Berlin', 'de-DE', '',
             'rum-agent', '1536x730', '4g', {lcp}, {inp}, {cls}, {fcp}, ttfb, {load}, ttfb, js, js, 1,
             (abs(random()) % 20 = 0), 10
         FROM r",
        lcp = around(2000.0),
        inp = around(150.0),
        cls = around(0.05),
        fcp = around(1200.0),
        ttfb = around(300.0),
        load = around(2500.0),
    );
    tx.execute(&page_views, params![views, now, span]).map_err(e)?;
    // Ten events per page view: 4 vitals, 3 resources, an HTTP call, a
    // latency split, and a JS error on every fifth view (a TTFB vital otherwise).
    let events = format!(
        r#"INSERT INTO events (ts, received_at, kind, name, value, attributes, page_view_id, session_id,
             app_name, app_version, app_env, browser, os, device, country, page_url)
         SELECT pv.started_at + k.dt, pv.started_at + k.dt,
             CASE WHEN k.i = 9 AND pv.js_errors > 0 THEN 'error' ELSE k.kind END,
             CASE WHEN k.i = 9 AND pv.js_errors > 0
                 THEN 'TypeError: Cannot read properties of undefined (p' || (abs(random()) % 50) || ')'
                 ELSE k.name END,
             CASE k.i WHEN 0 THEN pv.lcp WHEN 1 THEN pv.inp WHEN 2 THEN pv.cls WHEN 3 THEN pv.fcp
                 WHEN 9 THEN CASE WHEN pv.js_errors > 0 THEN 1 ELSE pv.ttfb END
                 WHEN 8 THEN NULL ELSE {res} END,
             CASE WHEN k.i = 8 THEN json_object('server', {server}, 'network', {network},
                     'frontend', {frontend}, 'frontend_lcp', {frontend_lcp})
                 WHEN k.i = 9 AND pv.js_errors > 0
                     THEN '{{"src":"js","type":"TypeError","msg":"Cannot read properties of undefined"}}'
                 ELSE k.attrs END,
             pv.id, pv.session_id, 'shop', pv.app_version, 'prod', pv.browser, pv.os, pv.device, pv.country, pv.url
         FROM page_views pv CROSS JOIN (
             SELECT 0 AS i, 100 AS dt, 'vital' AS kind, 'LCP' AS name, '{{"nav":"navigate"}}' AS attrs
             UNION ALL SELECT 1, 101, 'vital', 'INP', '{{"nav":"navigate"}}'
             UNION ALL SELECT 2, 102, 'vital', 'CLS', '{{"nav":"navigate"}}'
             UNION ALL SELECT 3, 103, 'vital', 'FCP', '{{"nav":"navigate"}}'
             UNION ALL SELECT 4, 50, 'res', 'https://cdn.shop.example/assets/chunk-0.js', '{{"status":200}}'
             UNION ALL SELECT 5, 51, 'res', 'https://cdn.shop.example/assets/chunk-1.js', '{{"status":200}}'
             UNION ALL SELECT 6, 52, 'res', 'https://cdn.shop.example/assets/chunk-2.js', '{{"status":200}}'
             UNION ALL SELECT 7, 500, 'http', 'GET https://shop.example/api/cart', '{{"status":200}}'
             UNION ALL SELECT 8, 2000, 'split', 'split', '{{}}'
             UNION ALL SELECT 9, 700, 'vital', 'TTFB', '{{"nav":"navigate"}}'
         ) k"#,
        res = around(80.0),
        server = around(150.0),
        network = around(120.0),
        frontend = around(900.0),
        frontend_lcp = around(1500.0),
    );
    tx.execute(&events, []).map_err(e)?;
    for (_, sql) in &indexes {
        tx.execute_batch(sql).map_err(e)?;
    }
    tx.commit().map_err(e)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).map_err(e)?;
    Ok(())
}

/// A stable 62-bit `copy` id for a page view copied from SQLite (the
/// FNV-1a hash of its id): its events, page-view part and register row
/// carry the same one, so read-time de-duplication (`clickhouse::WINNERS`)
/// counts each copied page view once.
fn copy_of(view_id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in view_id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h >> 2
}

/// One TabSeparated field: ClickHouse's escapes, `\N` for NULL.
fn tsv(out: &mut Vec<u8>, v: rusqlite::types::ValueRef<'_>) {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => out.extend_from_slice(b"\\N"),
        ValueRef::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        ValueRef::Real(f) if f.is_finite() => out.extend_from_slice(f.to_string().as_bytes()),
        ValueRef::Real(_) => out.extend_from_slice(b"\\N"),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            for &b in t {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    0 => out.extend_from_slice(b"\\0"),
                    b => out.push(b),
                }
            }
        }
    }
}

/// A `Read` over chunks sent by a producer thread (so SQLite is read on
/// one thread while ClickHouse parses on another).
struct Chunks {
    rx: std::sync::mpsc::Receiver<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
}

impl std::io::Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.cur.len() {
            match self.rx.recv() {
                Ok(c) => {
                    self.cur = c;
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let rest = self.cur.get(self.pos..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }
}

/// Streams the rows of `sql` (run on the SQLite file at `path`) as
/// TabSeparated into the ClickHouse `table`: the first `shown` columns as
/// they are, then what `tail` writes from the row (it may read the columns
/// after `shown`). Returns the rows sent.
fn stream_table(
    path: &Path,
    ch: &crate::clickhouse::Client,
    table: &str,
    sql: &'static str,
    shown: usize,
    tail: fn(&rusqlite::Row<'_>, &mut Vec<u8>) -> rusqlite::Result<()>,
) -> Result<u64, String> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(8);
    let path = path.to_path_buf();
    let producer = std::thread::spawn(move || -> Result<u64, String> {
        let conn = rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| e.to_string())?;
        let mut st = conn.prepare(sql).map_err(|e| e.to_string())?;
        let mut rows = st.query([]).map_err(|e| e.to_string())?;
        let mut buf = Vec::with_capacity(1 << 20);
        let mut n = 0u64;
        while let Some(r) = rows.next().map_err(|e| e.to_string())? {
            for i in 0..shown {
                if i > 0 {
                    buf.push(b'\t');
                }
                tsv(&mut buf, r.get_ref(i).map_err(|e| e.to_string())?);
            }
            tail(r, &mut buf).map_err(|e| e.to_string())?;
            buf.push(b'\n');
            n += 1;
            if buf.len() >= 1 << 20 {
                // The consumer gone (the insert failed): its error is reported.
                if tx.send(std::mem::replace(&mut buf, Vec::with_capacity(1 << 20))).is_err() {
                    return Ok(n);
                }
            }
        }
        let _ = tx.send(buf);
        Ok(n)
    });
    let inserted = ch.insert_stream(table, "TabSeparated", Chunks { rx, cur: Vec::new(), pos: 0 });
    let produced = producer.join().map_err(|_| "the SQLite reader thread panicked".to_string())?;
    inserted?;
    produced
}

/// Copies the collected data of the SQLite database at `path` (its
/// `events` and `page_views`) into the ClickHouse database of `store`
/// (`clickhouse://…`, tables created if needed): the same rows, so both
/// backends are measured on the same data (`cargo xtask bench-collector
/// --store both`). Each page view becomes one stored request (`seq` 1):
/// a page-view part with its roll-ups, its events, a register row.
/// Streamed as TabSeparated over the HTTP interface. Returns (events,
/// page views) copied.
pub fn copy_to_clickhouse(path: &Path, store: &str) -> Result<(u64, u64), String> {
    let ch = crate::clickhouse::Client::parse(store)?;
    ch.migrate()?;
    // Columns in the order of clickhouse::SCHEMA; `copy` (and an event's
    // `id`: receive time · 65536 + the low bits of its SQLite id) from the tail.
    let events = stream_table(
        path,
        &ch,
        "events",
        "SELECT app_name, ts, kind, name, value, attributes, received_at, page_view_id, session_id, app_version,
             app_env, browser, os, device, country, page_url, page_view_id, 1, id FROM events",
        18,
        |r, out| {
            let view: String = r.get(7)?;
            let received: i64 = r.get(6)?;
            let id: i64 = r.get(18)?;
            let id = received.saturating_mul(65_536) + (id & 0xffff);
            out.extend_from_slice(format!("\t{}\t{id}", copy_of(&view)).as_bytes());
            Ok(())
        },
    )?;
    let views = stream_table(
        path,
        &ch,
        "page_view_parts",
        "SELECT app_name, started_at, id, session_id, app_version, app_env, first_seen, url, page, view_name,
             referrer, nav_type, coalesce(parent_id, ''), browser, browser_version, os, os_version, device, country,
             country_source, tz, lang, ua, sdk, viewport, conn, clock_skew_ms, coalesce(user_id, ''),
             lcp, inp, cls, fcp, ttfb, tti, tbt, page_load, nav_ttfb,
             js_errors, errors, http_calls, http_errors, events, agent_dropped, id, 1 FROM page_views",
        45,
        |r, out| {
            let view: String = r.get(2)?;
            out.extend_from_slice(format!("\t{}", copy_of(&view)).as_bytes());
            Ok(())
        },
    )?;
    stream_table(path, &ch, "requests", "SELECT id, 1, first_seen, events FROM page_views", 2, |r, out| {
        let view: String = r.get(0)?;
        let (received, events): (i64, i64) = (r.get(2)?, r.get(3)?);
        out.extend_from_slice(format!("\t{}\t{received}\t{events}", copy_of(&view)).as_bytes());
        Ok(())
    })?;
    Ok((events, views))
}
