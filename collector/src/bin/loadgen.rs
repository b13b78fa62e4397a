//! Load generator for `cargo xtask bench-collector`: concurrent keep-alive
//! clients posting realistic 20-event native batches (encoded by the
//! agent's own encoder) to a collector on loopback for a fixed time, then
//! printing accepted events/s and request latency percentiles.
//!
//! `rum-loadgen --url http://127.0.0.1:PORT/collect --concurrency 16 --duration 10s`
//!
//! With `--query-base http://127.0.0.1:PORT`, dashboard queries run at the
//! same time (one client, in a loop: summaries, grouped summaries, time
//! series, events), and their latency is printed too. `--fill-db PATH
//! --fill-events N` writes a synthetic database instead, and exits; with
//! `--copy-to clickhouse://127.0.0.1:PORT/DB` it then copies that data into
//! ClickHouse (the same rows on both backends, for the bench).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rum_agent::core::attrs::Attrs;
use rum_agent::core::event::*;
use rum_agent::core::json::Json;
use rum_agent::core::meta::*;

#[derive(Parser)]
#[command(about = "POST realistic rum-agent batches to a collector on loopback and report throughput and latency")]
struct Args {
    /// Collector ingest URL (loopback only).
    #[arg(long)]
    url: String,
    /// Concurrent clients (each its own keep-alive connection).
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// How long to send.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// Events per batch.
    #[arg(long, default_value_t = 20)]
    events: usize,
    /// Run dashboard queries against this collector (loopback) meanwhile.
    #[arg(long)]
    query_base: Option<String>,
    /// Read key for the queries (also RUM_READ_KEY).
    #[arg(long, env = "RUM_READ_KEY", hide_env_values = true)]
    read_key: Option<String>,
    /// Write a synthetic database of `--fill-events` events here, then exit.
    #[arg(long)]
    fill_db: Option<std::path::PathBuf>,
    #[arg(long, default_value_t = 1_000_000)]
    fill_events: usize,
    /// With `--fill-db`: then copy its events and page views into this
    /// ClickHouse store (`clickhouse://127.0.0.1:PORT/DATABASE`, loopback).
    #[arg(long)]
    copy_to: Option<String>,
}

/// What the dashboard asks, over its ranges (`since=0`: the whole range cap).
const QUERIES: [&str; 7] = [
    "/api/summary?since=24h",
    "/api/summary?since=24h&group_by=page",
    "/api/timeseries?since=24h",
    "/api/summary?since=0",
    "/api/summary?since=0&group_by=country",
    "/api/timeseries?since=0",
    "/api/events?since=0&limit=100",
];

const VIEW: &str = "VIEW_ID_PLACEHOLDER";

/// A page view's batch as the agent encodes it: nav, resources, vitals, an
/// error, an HTTP call, long tasks (cycled to `n` events).
fn template(n: usize) -> String {
    let t = rum_collector::now_ms() as f64;
    let meta = Meta {
        app: App { name: "shop".into(), version: "2.3.1".into(), environment: "prod".into() },
        session: SessionRef { id: "SESSION".into(), start: t - 60_000.0 },
        view: View {
            id: VIEW.into(),
            name: String::new(),
            url: "https://shop.example/products/ceramic-vase?ref=home".into(),
            referrer: "https://shop.example/".into(),
            nav: "navigate".into(),
            start: t - 5_000.0,
            parent: String::new(),
        },
        user: Attrs::new(),
        env: Env {
            ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36".into(),
            uach: Some(ClientHints { brands: vec!["Chromium/124".into(), "Google Chrome/124".into()], mobile: false, platform: "Windows".into() }),
            vw: 1536, vh: 730, sw: 1536, sh: 864, dpr: 1.25,
            conn: Some(Connection { ect: "4g".into(), kind: String::new(), rtt: 50.0, down: 10.0, save: false }),
            mem: 8.0, cores: 8, tz: "Europe/Berlin".into(), lang: "de-DE".into(),
        },
    };
    let mut pool: Vec<Event> = vec![Event::Nav(NavTiming {
        t: t - 4_000.0,
        nav_type: "navigate".into(),
        fetch_start: 3.2,
        domain_lookup_start: 5.0,
        domain_lookup_end: 25.1,
        connect_start: 25.1,
        secure_connection_start: 40.0,
        connect_end: 70.3,
        request_start: 70.9,
        response_start: 180.4,
        response_end: 210.0,
        dom_interactive: 640.2,
        dom_content_loaded_event_start: 650.0,
        dom_content_loaded_event_end: 655.5,
        dom_complete: 1410.0,
        load_event_start: 1410.2,
        load_event_end: 1412.8,
        duration: 1412.8,
        transfer_size: 14_300.0,
        encoded_body_size: 14_000.0,
        decoded_body_size: 52_000.0,
        next_hop_protocol: "h2".into(),
        ..Default::default()
    })];
    for i in 0..12 {
        pool.push(Event::Res(Resource {
            t: t - 3_900.0 + f64::from(i),
            url: format!("https://cdn.shop.example/assets/chunk-{i}.a1b2c3.js"),
            initiator: if i % 3 == 0 { "img".into() } else { "script".into() },
            start: 220.0 + f64::from(i) * 10.0,
            dur: 40.0 + f64::from(i) * 7.5,
            wait: 20.0,
            dl: 15.0,
            size: 8_000.0 + f64::from(i) * 300.0,
            enc: 7_700.0,
            dec: 24_000.0,
            status: 200,
            proto: "h2".into(),
            ..Default::default()
        }));
    }
    for (name, value) in [("LCP", 1840.0), ("FCP", 720.0), ("TTFB", 180.4), ("CLS", 0.042)] {
        let mut attr = Attrs::new();
        attr.s("target", "main>img.hero");
        pool.push(Event::Vital(Vital {
            t: t - 1_000.0,
            name: name.into(),
            value,
            rating: rum_agent::core::rating::rate(name, value).into(),
            nav: "navigate".into(),
            attr,
            ..Default::default()
        }));
    }
    pool.push(Event::Error(ErrorReport {
        t: t - 800.0,
        src: source::JS.into(),
        error_type: "TypeError".into(),
        msg: "Cannot read properties of undefined (reading 'price')".into(),
        file: "https://cdn.shop.example/assets/app.js".into(),
        line: 1,
        col: 48_213,
        frames: vec![Frame {
            file: "https://cdn.shop.example/assets/app.js".into(),
            function: "renderCart".into(),
            line: 1,
            col: 48_213,
        }],
        count: 1,
        ..Default::default()
    }));
    pool.push(Event::Http(HttpCall {
        t: t - 500.0,
        api: "fetch".into(),
        method: "GET".into(),
        url: "https://shop.example/api/cart".into(),
        status: 200,
        dur: 95.3,
        res_size: 1_200.0,
        ..Default::default()
    }));
    pool.push(Event::LongTasks(LongTasks {
        t: t - 100.0,
        src: "longtask".into(),
        count: 3,
        total: 260.0,
        max: 140.0,
        scripts: vec![],
    }));
    let mut j = Json::new();
    meta.encode_head(&mut j, t, &Attrs::new());
    let mut s = j.finish();
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        if let Some(e) = pool.get(i % pool.len()) {
            s.push_str(&e.to_json());
        }
    }
    s.push_str("]}");
    s.replacen("{\"v\":1,", "{\"v\":1,\"seq\":1,", 1)
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if let Some(db) = &args.fill_db {
        let t0 = Instant::now();
        if let Err(e) = rum_collector::synth::fill(db, args.fill_events, rum_collector::now_ms(), 30) {
            eprintln!("rum-loadgen: {e}");
            return std::process::ExitCode::FAILURE;
        }
        println!("filled            {} events in {:.1} s (SQLite)", args.fill_events, t0.elapsed().as_secs_f64());
        let Some(store) = &args.copy_to else { return std::process::ExitCode::SUCCESS };
        if !store.starts_with("clickhouse://127.0.0.1:") && !store.starts_with("clickhouse://localhost:") {
            eprintln!("rum-loadgen: --copy-to must be a clickhouse://127.0.0.1:PORT/DATABASE loopback URL");
            return std::process::ExitCode::FAILURE;
        }
        let t0 = Instant::now();
        return match rum_collector::synth::copy_to_clickhouse(db, store) {
            Ok((events, views)) => {
                println!(
                    "copied            {events} events, {views} page views in {:.1} s (SQLite to ClickHouse)",
                    t0.elapsed().as_secs_f64()
                );
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("rum-loadgen: copying to ClickHouse: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let loopback = |u: &str| {
        u.parse::<hyper::Uri>().is_ok_and(|u| matches!(u.host(), Some("127.0.0.1") | Some("localhost") | Some("[::1]")))
    };
    if args.query_base.as_deref().is_some_and(|q| !loopback(q)) {
        eprintln!("rum-loadgen: --query-base must be a loopback URL");
        return std::process::ExitCode::FAILURE;
    }
    match args.url.parse::<hyper::Uri>() {
        Ok(u) if matches!(u.host(), Some("127.0.0.1") | Some("localhost") | Some("[::1]")) => {}
        _ => {
            eprintln!("rum-loadgen: --url must be an http://127.0.0.1:PORT/… loopback URL");
            return std::process::ExitCode::FAILURE;
        }
    }
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rum-loadgen: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    rt.block_on(run(args))
}

async fn run(args: Args) -> std::process::ExitCode {
    let template = Arc::new(template(args.events));
    let client: Client<_, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).pool_max_idle_per_host(args.concurrency).build_http();
    let latencies = Arc::new(Mutex::new(Vec::<u32>::with_capacity(200_000)));
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + args.duration;
    let run_id = rum_collector::now_ms();
    let queries = args.query_base.clone().map(|base| {
        let client = client.clone();
        let key = args.read_key.clone();
        tokio::spawn(async move {
            let mut lat: Vec<(usize, u32)> = Vec::new();
            let mut failed = 0u64;
            let mut i = 0usize;
            while Instant::now() < deadline {
                let q = i % QUERIES.len();
                i += 1;
                let mut req = hyper::Request::get(format!("{base}{}", QUERIES.get(q).copied().unwrap_or("/healthz")));
                if let Some(k) = &key {
                    req = req.header("authorization", format!("Bearer {k}"));
                }
                let Ok(req) = req.body(Full::new(Bytes::new())) else { break };
                let t0 = Instant::now();
                match client.request(req).await {
                    Ok(resp) if resp.status().is_success() => {
                        let _ = resp.into_body().collect().await;
                        lat.push((q, u32::try_from(t0.elapsed().as_micros()).unwrap_or(u32::MAX)));
                    }
                    _ => failed += 1,
                }
            }
            (lat, failed)
        })
    });
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (client, template, latencies, ok, failed, counter, url) = (
            client.clone(),
            template.clone(),
            latencies.clone(),
            ok.clone(),
            failed.clone(),
            counter.clone(),
            args.url.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut local = Vec::with_capacity(20_000);
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let body = template.replacen(VIEW, &format!("bench-{run_id}-{n}"), 1).replacen(
                    "SESSION",
                    &format!("s-{run_id}-{}", n / 5),
                    1,
                );
                let req = match hyper::Request::post(url.as_str())
                    .header("content-type", "text/plain;charset=UTF-8")
                    .body(Full::new(Bytes::from(body)))
                {
                    Ok(r) => r,
                    Err(_) => break,
                };
                let t0 = Instant::now();
                match client.request(req).await {
                    Ok(resp) => {
                        let status = resp.status();
                        let _ = resp.into_body().collect().await;
                        local.push(u32::try_from(t0.elapsed().as_micros()).unwrap_or(u32::MAX));
                        if status.as_u16() == 204 {
                            ok.fetch_add(1, Ordering::Relaxed);
                        } else {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(_) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            if let Ok(mut l) = latencies.lock() {
                l.extend(local);
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut lat = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let rank = usize::try_from(rum_collector::sat_u64((p * lat.len() as f64).ceil())).unwrap_or(usize::MAX);
        lat.get(rank.clamp(1, lat.len()) - 1).map_or(0.0, |v| f64::from(*v) / 1000.0)
    };
    let ok = ok.load(Ordering::Relaxed);
    let failed = failed.load(Ordering::Relaxed);
    let events = ok * args.events as u64;
    println!(
        "requests          {} accepted (204), {} failed, in {:.1} s, {} clients",
        ok, failed, elapsed, args.concurrency
    );
    println!(
        "events/s          {:.0} accepted ({} events per batch, {} bytes per batch)",
        events as f64 / elapsed,
        args.events,
        template.len()
    );
    println!(
        "latency           p50 {:.2} ms   p90 {:.2} ms   p99 {:.2} ms   max {:.2} ms",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
    if let Some(q) = queries {
        let (lat, qfailed) = q.await.unwrap_or_default();
        let mut all: Vec<u32> = lat.iter().map(|(_, l)| *l).collect();
        all.sort_unstable();
        let p = |v: &[u32], p: f64| -> f64 {
            let rank = usize::try_from(rum_collector::sat_u64((p * v.len() as f64).ceil())).unwrap_or(usize::MAX);
            v.get(rank.clamp(1, v.len().max(1)) - 1).map_or(0.0, |x| f64::from(*x) / 1000.0)
        };
        println!(
            "queries           {} answered, {} failed, meanwhile: p50 {:.0} ms   p99 {:.0} ms   max {:.0} ms",
            all.len(),
            qfailed,
            p(&all, 0.5),
            p(&all, 0.99),
            p(&all, 1.0)
        );
        for (i, path) in QUERIES.iter().enumerate() {
            let mut v: Vec<u32> = lat.iter().filter(|(q, _)| *q == i).map(|(_, l)| *l).collect();
            v.sort_unstable();
            if !v.is_empty() {
                println!("  {path:<40} n={:<3} p50 {:>6.0} ms   max {:>6.0} ms", v.len(), p(&v, 0.5), p(&v, 1.0));
            }
        }
    }
    println!("accepted_events   {events}");
    if ok == 0 {
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
