//! rum-collector: receives rum-agent beacons, enriches and stores them in
//! SQLite through one batching writer, and serves a query API and a live
//! dashboard. See `docs/collector.md`.
//!
//! Request path: `http` (limits, key, CORS, decompression) → `decode`
//! (envelope, then each event alone) → `enrich` (UA, Client Hints, country)
//! → `model` (rows and roll-ups) → `store` (writer thread, group commit) →
//! answer once committed. Queries: `query` over read-only connections.

#![recursion_limit = "256"]

pub mod actions;
pub mod auth;
pub mod clickhouse;
pub mod config;
pub mod dashboard;
pub mod decode;
pub mod enrich;
pub mod faro;
pub mod guard;
pub mod http;
pub mod metrics;
pub mod model;
pub mod query;
pub mod route;
pub mod slo;
pub mod sourcemap;
pub mod store;
pub mod synth;

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

pub use config::Config;

/// Now, epoch milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Float to integer, saturating (NaN is 0): what `as` does, named so the
/// lossy casts are in one audited place.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn sat_u64(v: f64) -> u64 {
    v as u64
}

/// Float to integer, rounded and saturating (NaN is 0).
#[allow(clippy::cast_possible_truncation)]
pub fn sat_i64(v: f64) -> i64 {
    v.round() as i64
}

pub struct AppState {
    pub cfg: Config,
    pub enricher: enrich::Enricher,
    pub writer: store::Writer,
    pub reads: store::ReadPool,
    /// `--store clickhouse://…`: collected data is read from ClickHouse
    /// (`reads` then only serves the source maps of the local `--db`).
    pub ch: Option<clickhouse::Client>,
    pub metrics: Arc<metrics::Metrics>,
    /// SLO definitions (`--slo` or the defaults) and their Prometheus metrics.
    pub slo: Arc<slo::prom::SloMetrics>,
    pub started: Instant,
    /// (prefix, dir), longest prefix first.
    pub statics: Vec<(String, std::path::PathBuf)>,
    /// Decoded source maps (bounded by --sourcemap-cache).
    pub sourcemaps: sourcemap::Cache,
    /// Per-IP rate limit of the read routes (`--rate-limit`; None when 0).
    pub read_limiter: Option<guard::ReadLimiter>,
}

/// A collector ready to serve: its router, and the writer to shut down.
pub struct Collector {
    pub state: Arc<AppState>,
    pub router: axum::Router,
    pub writer_thread: store::WriterThread,
}

/// Opens the database (migrating it), starts the writer. Call inside a Tokio runtime.
pub fn build(mut cfg: Config) -> Result<Collector, String> {
    let query_timeout = std::time::Duration::from_millis(u64::try_from(cfg.query_timeout).unwrap_or(10_000));
    let ch = match cfg.store.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) if s.starts_with("sqlite:") => {
            cfg.db = std::path::PathBuf::from(s.trim_start_matches("sqlite:").trim_start_matches("//"));
            None
        }
        Some(s) if clickhouse::is_url(s) => {
            let c = clickhouse::Client::parse(s)?.with_timeout(query_timeout);
            c.migrate().map_err(|e| format!("--store {}: {e}", c.database))?;
            Some(c)
        }
        Some(s) => return Err(format!("--store {s:?}: expected sqlite:PATH or clickhouse://HOST:8123/DATABASE")),
    };
    for m in &cfg.statics {
        if !m.dir.is_dir() {
            return Err(format!("--static {}={}: not a directory", m.prefix, m.dir.display()));
        }
    }
    let enricher = enrich::Enricher::new(cfg.geoip.as_deref())?;
    let slos = slo::load(cfg.slo.as_deref())?;
    let conn = store::open_writer(&cfg.db)?;
    let metrics = Arc::new(metrics::Metrics::new());
    let (writer, writer_thread) = match &ch {
        Some(c) => {
            drop(conn);
            clickhouse::writer::start_writer(c.clone(), cfg.queue, cfg.retention_days, metrics.clone())
        }
        None => store::start_writer(conn, cfg.queue, cfg.retention_days, metrics.clone()),
    };
    let mut statics: Vec<(String, std::path::PathBuf)> =
        cfg.statics.iter().map(|m| (m.prefix.clone(), m.dir.clone())).collect();
    statics.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    let cfg_cache = cfg.sourcemap_cache;
    let reads = store::ReadPool::new(&cfg.db).with_timeout(query_timeout);
    let slo_metrics = Arc::new(slo::prom::SloMetrics::new(Arc::new(slos)));
    slo::prom::spawn_ticker(slo_metrics.clone(), reads.clone(), ch.clone());
    let state = Arc::new(AppState {
        reads,
        ch,
        slo: slo_metrics,
        read_limiter: guard::ReadLimiter::new(cfg.rate_limit),
        cfg,
        enricher,
        writer,
        metrics,
        started: Instant::now(),
        statics,
        sourcemaps: sourcemap::Cache::new(cfg_cache),
    });
    // One layer over everything, so every route under /api/ (and /metrics)
    // needs the read key, whichever module adds it.
    let router =
        http::router(state.clone()).layer(axum::middleware::from_fn_with_state(state.clone(), guard::read_guard));
    Ok(Collector { state, router, writer_thread })
}

/// Binds, prints `listening on http://ADDR` on stdout, serves until
/// `shutdown` resolves, then lets in-flight requests finish and commits
/// everything accepted before returning.
pub async fn run(cfg: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), String> {
    guard::check_exposure(&cfg)?;
    let listen = cfg.listen;
    let geoip = cfg.geoip.clone();
    let max_connections = cfg.max_connections;
    let c = build(cfg)?;
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on http://{addr}");
        let _ = out.flush();
    }
    tracing::info!(%addr, db = %c.state.cfg.db.display(), charts = dashboard::has_charts(), "rum-collector started; dashboard at http://{addr}/");
    if geoip.is_none() {
        tracing::info!("no --geoip database: countries come from the client's time zone (pass --geoip FILE.mmdb for IP-based countries)");
    }
    for (prefix, dir) in &c.state.statics {
        tracing::info!("serving {} at http://{addr}{prefix}", dir.display());
    }
    let Collector { state, router, writer_thread } = c;
    serve(listener, router, max_connections, shutdown).await;
    drop(state);
    tracing::info!("shutting down: committing pending inserts");
    writer_thread.shutdown().await;
    Ok(())
}

/// How long a client may take to send a request's headers (also how long an
/// idle keep-alive connection is kept): slow-loris connections are closed.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// How long shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// HTTP/1.1 accept loop (hyper, with a header read timeout), each request
/// carrying the peer address; on `shutdown`, stops accepting and waits
/// (up to `SHUTDOWN_GRACE`) for the requests in flight.
async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    max_connections: usize,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    // `--max-connections`: past it, new clients wait in the listen backlog.
    let slots = Arc::new(tokio::sync::Semaphore::new(max_connections.max(1)));
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT).keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            router.clone().oneshot(req.map(axum::body::Body::new))
        });
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), svc));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, "connection: {e}");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still in flight after {SHUTDOWN_GRACE:?}: closing them");
    }
}
