//! The ClickHouse writer: `WRITERS` threads that take the same jobs as the
//! SQLite writer (`store::Writer`, so the ingest path is unchanged), batch
//! them by size (`store::MAX_BATCH_JOBS` requests / `MAX_BATCH_EVENTS`
//! events) and time (`FLUSH_AFTER`), drop requests already stored (a
//! `(view_id, seq)` in `requests`), and inserts JSONEachRow into `events`, then
//! `page_view_parts`, then `requests`, retrying with backoff. A request is
//! acknowledged only once all three inserts succeeded; while ClickHouse is
//! down the queue fills and agents get 503 with Retry-After.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::mpsc;

use super::{as_i64, as_str, lit, Client};
use crate::metrics::Metrics;
use crate::model::Record;
use crate::store::{Job, Msg, Outcome, Writer, WriterThread, MAX_BATCH_EVENTS, MAX_BATCH_JOBS, RETENTION_EVERY};

/// Longest a request waits for others to share its insert.
pub const FLUSH_AFTER: Duration = Duration::from_millis(100);
/// Batches being inserted at once (each on its own thread).
pub const WRITERS: usize = 1;
/// Waits between attempts of one insert (then the requests fail with 503).
const BACKOFF: [Duration; 4] =
    [Duration::from_millis(100), Duration::from_millis(300), Duration::from_millis(900), Duration::from_millis(2700)];

/// A random 62-bit id for one stored copy of a request.
fn copy_id() -> u64 {
    static N: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(N.fetch_add(1, Ordering::Relaxed));
    h.write_i64(crate::now_ms());
    h.write_u32(std::process::id());
    h.finish() >> 2
}

pub fn start_writer(
    client: Client,
    queue: usize,
    retention_days: Option<u32>,
    metrics: Arc<Metrics>,
) -> (Writer, WriterThread) {
    let (tx, rx) = mpsc::channel(queue.max(1));
    let depth = Arc::new(AtomicI64::new(0));
    let d = depth.clone();
    let handle = std::thread::Builder::new()
        .name("rum-ch-writer".into())
        .spawn(move || writer_loop(client, rx, d, metrics))
        .ok();
    if let Some(days) = retention_days {
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
        tracing::error!("could not start the ClickHouse writer thread");
    }
    (Writer { tx: tx.clone(), depth }, WriterThread { tx, handle })
}

/// Runs `WRITERS` workers over the one queue and waits for them.
fn writer_loop(client: Client, rx: mpsc::Receiver<Msg>, depth: Arc<AtomicI64>, metrics: Arc<Metrics>) {
    let rx = Arc::new(Mutex::new(rx));
    let workers: Vec<_> = (0..WRITERS)
        .filter_map(|i| {
            let (client, rx, depth, metrics) = (client.clone(), rx.clone(), depth.clone(), metrics.clone());
            std::thread::Builder::new()
                .name(format!("rum-ch-writer-{i}"))
                .spawn(move || worker(&client, &rx, &depth, &metrics))
                .ok()
        })
        .collect();
    if workers.is_empty() {
        tracing::error!("could not start the ClickHouse writer threads");
    }
    for w in workers {
        let _ = w.join();
    }
    tracing::info!("ClickHouse writer stopped; all accepted requests are stored");
}

/// One writer: takes a batch (holding the queue while it gathers, so the
/// others insert meanwhile), stores it, answers. On `Shutdown` the queue is
/// closed: what is still in it is stored, then every worker ends.
fn worker(client: &Client, rx: &Mutex<mpsc::Receiver<Msg>>, depth: &AtomicI64, metrics: &Metrics) {
    loop {
        let mut jobs = Vec::new();
        let mut prune = None;
        {
            let Ok(mut rx) = rx.lock() else { return };
            let mut events = 0usize;
            match rx.blocking_recv() {
                None => return,
                Some(Msg::Job(j)) => {
                    events += j.record.events.len();
                    jobs.push(j);
                }
                Some(Msg::Prune(days)) => prune = Some(days),
                Some(Msg::Shutdown) => rx.close(),
            }
            // Batch: what arrives within FLUSH_AFTER, up to the size bounds.
            let deadline = Instant::now() + FLUSH_AFTER;
            while !jobs.is_empty() && jobs.len() < MAX_BATCH_JOBS && events < MAX_BATCH_EVENTS {
                match rx.try_recv() {
                    Ok(Msg::Job(j)) => {
                        events += j.record.events.len();
                        jobs.push(j);
                    }
                    Ok(Msg::Prune(_)) => {}
                    Ok(Msg::Shutdown) => rx.close(),
                    Err(mpsc::error::TryRecvError::Empty) => {
                        if Instant::now() >= deadline {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    Err(mpsc::error::TryRecvError::Disconnected) => break,
                }
            }
        }
        if let Some(days) = prune {
            if let Err(e) = client.prune(days) {
                tracing::error!("retention: {e}");
            }
        }
        if jobs.is_empty() {
            continue;
        }
        depth.fetch_sub(i64::try_from(jobs.len()).unwrap_or(0), Ordering::Relaxed);
        let started = Instant::now();
        let outcomes = write_batch(client, &jobs);
        metrics.observe_write(started.elapsed().as_secs_f64(), jobs.len());
        for (job, outcome) in jobs.into_iter().zip(outcomes) {
            let _ = job.reply.send(outcome);
        }
    }
}

/// `(view_id, seq)` of the numbered requests among `jobs` already stored.
fn stored_before<'a>(
    client: &Client,
    jobs: impl Iterator<Item = &'a Box<Job>>,
) -> Result<HashSet<(String, u32)>, String> {
    let keys: Vec<String> =
        jobs.filter(|j| j.record.seq > 0).map(|j| format!("({}, {})", lit(&j.record.view_id), j.record.seq)).collect();
    let mut out = HashSet::new();
    for chunk in keys.chunks(500) {
        let sql = format!("SELECT view_id, seq FROM requests WHERE (view_id, seq) IN ({})", chunk.join(", "));
        for r in client.rows(&sql)? {
            out.insert((as_str(r.first()), u32::try_from(as_i64(r.get(1))).unwrap_or(0)));
        }
    }
    Ok(out)
}

/// Stores a batch, answering each request. Each attempt checks the register
/// again and writes what is still unstored under fresh `copy` ids: the rows
/// of a failed attempt (a partial insert, e.g. one shard down) have no
/// register row, or a register row of their own, and reads count one copy
/// per `(view_id, seq)` (`WINNERS`), so a retry never counts twice.
fn write_batch(client: &Client, jobs: &[Box<Job>]) -> Vec<Outcome> {
    let mut outcomes: Vec<Option<Outcome>> = vec![None; jobs.len()];
    let mut tried: HashSet<(String, u32)> = HashSet::new();
    let mut last = String::new();
    for (i, wait) in std::iter::once(Duration::ZERO).chain(BACKOFF).enumerate() {
        std::thread::sleep(wait);
        match attempt(client, jobs, &mut outcomes, &mut tried) {
            Ok(()) => break,
            Err(e) => {
                tracing::warn!(attempt = i + 1, "storing a batch in ClickHouse: {e}");
                last = e;
            }
        }
    }
    if outcomes.iter().any(Option::is_none) {
        tracing::error!("storing a batch in ClickHouse failed: {last}");
    }
    outcomes.into_iter().map(|o| o.unwrap_or_else(|| Outcome::Failed(last.clone()))).collect()
}

fn attempt(
    client: &Client,
    jobs: &[Box<Job>],
    outcomes: &mut [Option<Outcome>],
    tried: &mut HashSet<(String, u32)>,
) -> Result<(), String> {
    let open: Vec<usize> = (0..jobs.len()).filter(|i| outcomes.get(*i).is_some_and(Option::is_none)).collect();
    let seen = stored_before(client, open.iter().filter_map(|i| jobs.get(*i)))?;
    let mut in_batch: HashSet<(String, u32)> = HashSet::new();
    let (mut ev, mut pv, mut rq) = (Vec::new(), Vec::new(), Vec::new());
    let mut writing = Vec::new();
    for i in open {
        let (Some(job), Some(slot)) = (jobs.get(i), outcomes.get_mut(i)) else { continue };
        let r = &job.record;
        let key = (r.view_id.clone(), r.seq);
        if r.seq > 0 && seen.contains(&key) {
            // Registered: by an earlier attempt of ours (complete: the
            // register row is written last), or by another collector.
            *slot = Some(if tried.contains(&key) {
                Outcome::Stored { events: r.events.len() }
            } else {
                Outcome::Duplicate
            });
            continue;
        }
        if r.seq > 0 && !in_batch.insert(key.clone()) {
            *slot = Some(Outcome::Duplicate);
            continue;
        }
        tried.insert(key);
        rows(r, copy_id(), &mut ev, &mut pv, &mut rq);
        writing.push(i);
    }
    for (table, body) in [("events", ev), ("page_view_parts", pv), ("requests", rq)] {
        if !body.is_empty() {
            client.insert(table, body)?;
        }
    }
    for i in writing {
        if let (Some(job), Some(slot)) = (jobs.get(i), outcomes.get_mut(i)) {
            *slot = Some(Outcome::Stored { events: job.record.events.len() });
        }
    }
    Ok(())
}

fn line(out: &mut Vec<u8>, v: &serde_json::Value) {
    let _ = serde_json::to_writer(&mut *out, v);
    out.push(b'\n');
}

/// The rows of one request: its events, its page-view part, its register row.
fn rows(r: &Record, copy: u64, ev: &mut Vec<u8>, pv: &mut Vec<u8>, rq: &mut Vec<u8>) {
    let p = &r.page_view;
    let c = &p.client;
    for (i, e) in r.events.iter().enumerate() {
        let idx = i64::try_from(i).unwrap_or(0) & 0xffff;
        line(
            ev,
            &json!({
                "app_name": p.app_name, "ts": e.ts, "kind": e.kind, "name": e.name, "value": e.value,
                "attributes": e.attributes, "received_at": r.received_at, "page_view_id": p.id,
                "session_id": p.session_id, "app_version": p.app_version, "app_env": p.app_env,
                "browser": c.browser, "os": c.os, "device": c.device, "country": p.country.code,
                "page_url": p.url, "view_id": r.view_id, "seq": r.seq, "copy": copy,
                "id": r.received_at.saturating_mul(65_536) + idx,
            }),
        );
    }
    let v = &p.vitals;
    line(
        pv,
        &json!({
            "app_name": p.app_name, "started_at": p.started_at, "id": p.id, "session_id": p.session_id,
            "app_version": p.app_version, "app_env": p.app_env, "received_at": r.received_at,
            "url": p.url, "page": p.page, "view_name": p.view_name, "referrer": p.referrer,
            "nav_type": p.nav_type, "parent_id": p.parent_id, "browser": c.browser,
            "browser_version": c.browser_version, "os": c.os, "os_version": c.os_version, "device": c.device,
            "country": p.country.code, "country_source": p.country.source, "tz": p.tz, "lang": p.lang,
            "ua": p.ua, "sdk": p.sdk, "viewport": p.viewport, "conn": p.conn, "clock_skew_ms": p.clock_skew_ms,
            "user_id": p.user_id,
            "lcp": v[0], "inp": v[1], "cls": v[2], "fcp": v[3], "ttfb": v[4], "tti": v[5], "tbt": v[6],
            "page_load": p.page_load, "nav_ttfb": p.nav_ttfb,
            "js_errors": p.js_errors, "errors": p.errors, "http_calls": p.http_calls,
            "http_errors": p.http_errors, "events": p.events, "agent_dropped": p.agent_dropped,
            "view_id": r.view_id, "seq": r.seq, "copy": copy,
        }),
    );
    line(
        rq,
        &json!({"view_id": r.view_id, "seq": r.seq, "copy": copy, "received_at": r.received_at, "events": r.events.len()}),
    );
}
