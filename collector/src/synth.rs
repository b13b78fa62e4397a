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
    let page_views = format!(
        "WITH RECURSIVE n(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM n WHERE v < ?1 - 1)
         INSERT INTO page_views (id, session_id, app_name, app_version, app_env, started_at, first_seen,
             last_seen, url, page, view_name, referrer, nav_type, browser, browser_version, os, os_version,
             device, country, country_source, tz, lang, ua, sdk, viewport, conn, lcp, inp, cls, fcp, ttfb,
             page_load, nav_ttfb, js_errors, errors, http_calls, http_errors, events)
         SELECT id, session_id, 'shop', release, 'prod', t, t, t, 'https://shop.example' || page, page, '', '',
             'navigate', browser, '124', os, '10', device, country, 'tz', 'Europe/Berlin', 'de-DE', '',
             'rum-agent', '1536x730', '4g', {lcp}, {inp}, {cls}, {fcp}, ttfb, {load}, ttfb, js, js, 1,
             (abs(random()) % 20 = 0), 10
         FROM (SELECT 'pv-' || v AS id, 's-' || (v / 4) AS session_id, ?2 - abs(random()) % ?3 AS t,
             '/products/' || (abs(random()) % 200) AS page,
             '2.' || (3 + abs(random()) % 2) || '.' || (abs(random()) % 2) AS release,
             CASE abs(random()) % 5 WHEN 0 THEN 'Chrome' WHEN 1 THEN 'Safari' WHEN 2 THEN 'Firefox'
                 WHEN 3 THEN 'Edge' ELSE 'Samsung Internet' END AS browser,
             CASE abs(random()) % 5 WHEN 0 THEN 'Windows' WHEN 1 THEN 'macOS' WHEN 2 THEN 'Android'
                 WHEN 3 THEN 'iOS' ELSE 'Linux' END AS os,
             CASE abs(random()) % 3 WHEN 0 THEN 'desktop' WHEN 1 THEN 'mobile' ELSE 'tablet' END AS device,
             'C' || (abs(random()) % 20) AS country, {ttfb} AS ttfb, (v % 5 = 0) AS js
             FROM n)",
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
