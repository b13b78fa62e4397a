//! rum-collector: receives rum-agent beacons, enriches and stores them in
//! SQLite through one batching writer, and serves a query API and a live
//! dashboard. See `docs/collector.md`.
//!
//! Request path: `http` (limits, key, CORS, decompression) → `decode`
//! (envelope, then each event alone) → `enrich` (UA, Client Hints, country)
//! → `model` (rows and roll-ups) → `store` (writer thread, group commit) →
//! answer once committed. Queries: `query` over read-only connections.

pub mod config;
pub mod dashboard;
pub mod decode;
pub mod enrich;
pub mod http;
pub mod metrics;
pub mod model;
pub mod query;
pub mod store;

use std::future::Future;
use std::net::SocketAddr;
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

pub struct AppState {
    pub cfg: Config,
    pub enricher: enrich::Enricher,
    pub writer: store::Writer,
    pub reads: store::ReadPool,
    pub metrics: Arc<metrics::Metrics>,
    pub started: Instant,
    /// (prefix, dir), longest prefix first.
    pub statics: Vec<(String, std::path::PathBuf)>,
}

/// A collector ready to serve: its router, and the writer to shut down.
pub struct Collector {
    pub state: Arc<AppState>,
    pub router: axum::Router,
    pub writer_thread: store::WriterThread,
}

/// Opens the database (migrating it), starts the writer. Call inside a Tokio runtime.
pub fn build(cfg: Config) -> Result<Collector, String> {
    for m in &cfg.statics {
        if !m.dir.is_dir() {
            return Err(format!("--static {}={}: not a directory", m.prefix, m.dir.display()));
        }
    }
    let enricher = enrich::Enricher::new(cfg.geoip.as_deref())?;
    let conn = store::open_writer(&cfg.db)?;
    let metrics = Arc::new(metrics::Metrics::new());
    let (writer, writer_thread) = store::start_writer(conn, cfg.queue, cfg.retention_days, metrics.clone());
    let mut statics: Vec<(String, std::path::PathBuf)> =
        cfg.statics.iter().map(|m| (m.prefix.clone(), m.dir.clone())).collect();
    statics.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    let state = Arc::new(AppState {
        reads: store::ReadPool::new(&cfg.db),
        cfg,
        enricher,
        writer,
        metrics,
        started: Instant::now(),
        statics,
    });
    let router = http::router(state.clone());
    Ok(Collector { state, router, writer_thread })
}

/// Binds, prints `listening on http://ADDR` on stdout, serves until
/// `shutdown` resolves, then lets in-flight requests finish and commits
/// everything accepted before returning.
pub async fn run(cfg: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), String> {
    let listen = cfg.listen;
    let geoip = cfg.geoip.clone();
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
    let served = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await;
    drop(state);
    tracing::info!("shutting down: committing pending inserts");
    writer_thread.shutdown().await;
    served.map_err(|e| format!("server error: {e}"))
}
