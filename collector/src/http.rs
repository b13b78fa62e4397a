//! HTTP routes: ingest, query API, health, metrics, dashboard, static files.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use serde_json::json;
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::decode::{self, RequestError};
use crate::enrich::{Enricher, HeaderHints};
use crate::metrics::request_reason as rr;
use crate::query::{self, BadParam, Params};
use crate::store::{Outcome, SubmitError};
use crate::{auth, dashboard, model, now_ms, AppState};

/// How long a client may take to send its body.
const BODY_TIMEOUT: Duration = Duration::from_secs(15);

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/collect", post(collect).options(preflight))
        .route("/faro/collect", post(faro_collect).options(faro_preflight))
        .route("/api/events", get(api_events))
        .route("/api/summary", get(api_summary))
        .route("/api/timeseries", get(api_timeseries))
        .route("/api/dimensions", get(api_dimensions))
        .route("/api/stats", get(api_stats))
        .route("/api/errors", get(api_errors))
        .route(
            "/api/sourcemaps",
            post(crate::sourcemap::api::upload).get(crate::sourcemap::api::list).delete(crate::sourcemap::api::delete),
        )
        .route("/api/sourcemaps/{id}", axum::routing::delete(crate::sourcemap::api::delete_one))
        .route("/api/slo", get(api_slo))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/", get(dashboard::index))
        .route("/dashboard/{file}", get(dashboard::asset))
        .fallback(static_or_404)
        .with_state(state)
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn error_response(status: StatusCode, reason: &str, error: &str) -> Response {
    json_response(status, json!({ "error": error, "reason": reason }))
}

/// `Access-Control-Allow-Origin` for an allowed origin (`*` when every origin is).
fn cors(state: &AppState, headers: &HeaderMap, resp: &mut Response) {
    let h = resp.headers_mut();
    // A cross-origin page cannot read Retry-After (on 503) unless exposed.
    h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("retry-after"));
    if state.cfg.allow_origin.is_empty() {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    } else if let Some(origin) = headers.get(header::ORIGIN) {
        if origin_allowed(state, Some(origin)) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        }
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

fn origin_allowed(state: &AppState, origin: Option<&HeaderValue>) -> bool {
    let list = &state.cfg.allow_origin;
    if list.is_empty() || list.iter().any(|o| o == "*") {
        return true;
    }
    match origin.and_then(|o| o.to_str().ok()) {
        // Not from a browser page (curl, a server-side sender): CORS does not apply.
        None => true,
        Some(o) => list.iter().any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(o)),
    }
}

async fn preflight(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if !origin_allowed(&state, headers.get(header::ORIGIN)) {
        return error_response(
            StatusCode::FORBIDDEN,
            rr::ORIGIN_NOT_ALLOWED,
            "origin not allowed (see --allow-origin)",
        );
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    cors(&state, &headers, &mut r);
    let h = r.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST, OPTIONS"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type, content-encoding"));
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    r
}

fn query_param(uri: &axum::http::Uri, name: &str) -> Option<String> {
    let Query(mut q) = Query::<std::collections::HashMap<String, String>>::try_from_uri(uri).ok()?;
    q.remove(name)
}

struct Reject {
    status: StatusCode,
    reason: &'static str,
    body: serde_json::Value,
}

impl Reject {
    fn new(status: StatusCode, reason: &'static str, error: impl Into<String>) -> Reject {
        Reject { status, reason, body: json!({ "error": error.into(), "reason": reason }) }
    }
    fn decode(e: RequestError) -> Reject {
        Reject {
            status: StatusCode::BAD_REQUEST,
            reason: e.reason,
            body: serde_json::to_value(&e).unwrap_or_else(|_| json!({"error": e.error})),
        }
    }
}

/// How a route reads a body: the native protocol, or a Faro payload.
type Decoder = fn(&[u8]) -> Result<decode::Decoded, RequestError>;

async fn collect(State(state): State<Arc<AppState>>, req: Request) -> Response {
    collect_with(&state, req, decode::decode_native).await
}

/// Grafana Faro payloads (docs/formats.md): the same checks, rows and answers.
async fn faro_collect(State(state): State<Arc<AppState>>, req: Request) -> Response {
    collect_with(&state, req, crate::faro::decode_faro).await
}

/// The Faro SDK's fetch transport sends its own headers (as Alloy allows them).
async fn faro_preflight(state: State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let mut r = preflight(state, headers).await;
    if r.status() == StatusCode::NO_CONTENT {
        r.headers_mut().insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type, content-encoding, traceparent, x-api-key, x-faro-session-id"),
        );
    }
    r
}

async fn collect_with(state: &AppState, req: Request, decoder: Decoder) -> Response {
    let started = Instant::now();
    let headers = req.headers().clone();
    let result = ingest(state, req, decoder).await;
    let mut resp = match result {
        Ok(r) => r,
        Err(rej) => {
            tracing::debug!(reason = rej.reason, status = rej.status.as_u16(), "request rejected");
            state.metrics.rejected_request(rej.reason);
            let mut r = json_response(rej.status, rej.body);
            if rej.status == StatusCode::PAYLOAD_TOO_LARGE {
                // The rest of the body was not read: the connection cannot be reused.
                r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            if rej.status == StatusCode::SERVICE_UNAVAILABLE {
                r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            r
        }
    };
    cors(state, &headers, &mut resp);
    state.metrics.ingest_latency(started.elapsed().as_secs_f64());
    resp
}

async fn ingest(state: &AppState, req: Request, decoder: Decoder) -> Result<Response, Reject> {
    let cfg = &state.cfg;
    let received_at = now_ms();
    if let Some(key) = &cfg.ingest_key {
        // `?key=` (a beacon cannot set headers), or Faro's `x-api-key` header.
        let header_key = req.headers().get("x-api-key").and_then(|v| v.to_str().ok()).map(str::to_string);
        match query_param(req.uri(), "key").or(header_key) {
            Some(k) if auth::same_key(&k, key) => {}
            Some(_) => return Err(Reject::new(StatusCode::UNAUTHORIZED, rr::UNAUTHORIZED, "wrong ingest key")),
            None => return Err(Reject::new(StatusCode::UNAUTHORIZED, rr::UNAUTHORIZED, "missing ingest key (?key=)")),
        }
    }
    let headers = req.headers();
    if !origin_allowed(state, headers.get(header::ORIGIN)) {
        return Err(Reject::new(
            StatusCode::FORBIDDEN,
            rr::ORIGIN_NOT_ALLOWED,
            "origin not allowed (see --allow-origin)",
        ));
    }
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if !(ct.is_empty() || ct == "text/plain" || ct == "application/json") {
            return Err(Reject::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                rr::UNSUPPORTED_MEDIA_TYPE,
                format!("content type {ct:?} is not accepted: send text/plain or application/json"),
            ));
        }
    }
    let max = cfg.max_body;
    let too_large = || {
        Reject::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            rr::BODY_TOO_LARGE,
            format!("body larger than --max-body ({max} bytes)"),
        )
    };
    if let Some(len) = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok()) {
        if len > max as u64 {
            return Err(too_large());
        }
    }
    let encoding =
        headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()).map(|s| s.trim().to_ascii_lowercase());
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let xff = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()).map(str::to_string);
    let ua_header = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let hints = HeaderHints {
        sec_ch_ua: headers.get("sec-ch-ua").and_then(|v| v.to_str().ok()).map(str::to_string),
        mobile: headers.get("sec-ch-ua-mobile").and_then(|v| v.to_str().ok()).map(|v| v.trim() == "?1"),
        platform: headers.get("sec-ch-ua-platform").and_then(|v| v.to_str().ok()).map(str::to_string),
    };

    let body = match tokio::time::timeout(BODY_TIMEOUT, Limited::new(req.into_body(), max).collect()).await {
        Err(_) => {
            return Err(Reject::new(StatusCode::REQUEST_TIMEOUT, rr::BODY_READ_FAILED, "body not received in time"))
        }
        Ok(Err(e)) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => return Err(too_large()),
        Ok(Err(e)) => {
            return Err(Reject::new(StatusCode::BAD_REQUEST, rr::BODY_READ_FAILED, format!("reading the body: {e}")))
        }
        Ok(Ok(c)) => c.to_bytes(),
    };
    state.metrics.body_bytes(body.len());
    let body = decompress(body, encoding.as_deref(), max)?;
    let mut decoded = decoder(&body).map_err(Reject::decode)?;
    // The agent leaves the user agent to the User-Agent header (so does any
    // sender that omits `env.ua`): stored as if the body had it.
    if decoded.batch.env.ua.is_empty() {
        decoded.batch.env.ua = ua_header.chars().take(512).collect();
    }

    for r in &decoded.rejected {
        state.metrics.rejected_event(r.reason);
    }
    for (reason, v) in &decoded.batch.dropped.0 {
        if let rum_agent::core::attrs::Val::N(n) = v {
            if n.is_finite() && *n > 0.0 {
                state.metrics.agent_dropped(reason, crate::sat_u64(*n));
            }
        }
    }

    // Enrichment: UA + Client Hints (payload first, then headers), country.
    let env = &decoded.batch.env;
    let ua = env.ua.as_str();
    let header_hints = hints.into_client_hints();
    let client = state.enricher.client(ua, env.uach.as_ref().or(header_hints.as_ref()));
    let ip = Enricher::client_ip(peer, xff.as_deref(), cfg.trust_proxy);
    let country = state.enricher.country(ip, &env.tz);
    let record = model::build_record(&decoded, client, country, received_at);
    let kinds = record.kinds.clone();
    // For the SLO/Web Vitals metrics once stored (the record moves to the writer).
    let observed = crate::slo::prom::Observed::of(&record);

    let rx = match state.writer.submit(record) {
        Ok(rx) => rx,
        Err(SubmitError::Overloaded) => {
            return Err(Reject::new(StatusCode::SERVICE_UNAVAILABLE, rr::OVERLOADED, "collector busy, retry later"))
        }
        Err(SubmitError::Closed) => {
            return Err(Reject::new(StatusCode::SERVICE_UNAVAILABLE, rr::STORAGE_ERROR, "collector is shutting down"))
        }
    };
    match rx.await {
        Ok(Outcome::Stored { .. }) => {
            for k in &kinds {
                state.metrics.stored_event(k);
            }
            state.slo.observe(&observed);
            if decoded.rejected.is_empty() {
                state.metrics.outcome("stored");
                Ok(StatusCode::NO_CONTENT.into_response())
            } else {
                state.metrics.outcome("partial");
                Ok(json_response(
                    StatusCode::OK,
                    json!({
                        "accepted": decoded.events.len(),
                        "rejected": decoded.rejected,
                    }),
                ))
            }
        }
        Ok(Outcome::Duplicate) => {
            state.metrics.rejected_request(rr::DUPLICATE);
            state.metrics.outcome("duplicate");
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Ok(Outcome::Failed(e)) => {
            Err(Reject::new(StatusCode::SERVICE_UNAVAILABLE, rr::STORAGE_ERROR, format!("storing failed: {e}")))
        }
        Err(_) => Err(Reject::new(StatusCode::SERVICE_UNAVAILABLE, rr::STORAGE_ERROR, "the writer stopped")),
    }
}

/// gzip / deflate by Content-Encoding, or detected by magic bytes (a beacon
/// cannot set Content-Encoding). The output is bounded by `max` too.
fn decompress(body: Bytes, encoding: Option<&str>, max: usize) -> Result<Bytes, Reject> {
    let bad = |what: &str, e: std::io::Error| {
        Reject::new(StatusCode::BAD_REQUEST, rr::BAD_ENCODING, format!("could not decompress {what} body: {e}"))
    };
    let read_limited = |mut r: Box<dyn Read + '_>, what: &str| -> Result<Bytes, Reject> {
        let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(max));
        let n = (&mut r).take(max as u64 + 1).read_to_end(&mut out).map_err(|e| bad(what, e))?;
        if n > max {
            return Err(Reject::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                rr::BODY_TOO_LARGE,
                format!("decompressed body larger than --max-body ({max} bytes)"),
            ));
        }
        Ok(Bytes::from(out))
    };
    let gzip_magic = body.starts_with(&[0x1f, 0x8b]);
    let zlib_magic = body.len() >= 2
        && matches!(body.get(..2), Some(&[b0, b1]) if b0 & 0x0f == 8 && (u16::from(b0) << 8 | u16::from(b1)) % 31 == 0);
    match encoding {
        Some("gzip") | Some("x-gzip") => read_limited(Box::new(flate2::read::MultiGzDecoder::new(&body[..])), "gzip"),
        Some("deflate") => {
            if zlib_magic {
                read_limited(Box::new(flate2::read::ZlibDecoder::new(&body[..])), "deflate")
            } else {
                read_limited(Box::new(flate2::read::DeflateDecoder::new(&body[..])), "deflate")
            }
        }
        None | Some("identity") | Some("") => {
            if gzip_magic {
                read_limited(Box::new(flate2::read::MultiGzDecoder::new(&body[..])), "gzip")
            } else if zlib_magic {
                read_limited(Box::new(flate2::read::ZlibDecoder::new(&body[..])), "deflate")
            } else {
                Ok(body)
            }
        }
        Some(other) => Err(Reject::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            rr::BAD_ENCODING,
            format!("content encoding {other:?} is not supported (gzip, deflate or none)"),
        )),
    }
}

fn bad_param(e: BadParam) -> Response {
    error_response(StatusCode::BAD_REQUEST, "bad_parameter", &e.0)
}

type QueryFn = fn(&rusqlite::Connection, &Params) -> Result<Result<serde_json::Value, BadParam>, String>;
/// The same query on ClickHouse (`--store clickhouse://…`).
type ChQueryFn = fn(&crate::clickhouse::Client, &Params) -> Result<Result<serde_json::Value, BadParam>, String>;

async fn run_query(state: &Arc<AppState>, p: Params, f: QueryFn, chf: ChQueryFn) -> Response {
    run_then(state, p, f, chf, |_, _, _, _| Ok(())).await
}

/// The issues (errors grouped by cause) from the backend in use; source
/// maps are always read from the local SQLite `c`.
fn issues_of(
    c: &rusqlite::Connection,
    st: &AppState,
    f: &query::Filter,
    limit: usize,
) -> Result<serde_json::Value, String> {
    match &st.ch {
        Some(ch) => {
            let rows = crate::clickhouse::query::error_rows(ch, f, crate::sourcemap::issues::MAX_SCANNED)?;
            crate::sourcemap::issues::group(c, &st.sourcemaps, rows, limit)
        }
        None => crate::sourcemap::issues::issues(c, &st.sourcemaps, f, limit),
    }
}

// ---- Error events are symbolicated when read (crate::sourcemap): the
// events' frames get `original`, top errors are grouped by cause.

/// A query, then `finish` on its answer with the same read connection.
async fn run_then(
    state: &Arc<AppState>,
    mut p: Params,
    f: QueryFn,
    chf: ChQueryFn,
    finish: fn(&rusqlite::Connection, &AppState, &Params, &mut serde_json::Value) -> Result<(), String>,
) -> Response {
    p.max_range_ms = Some(max_range_ms(&state.cfg));
    let st = state.clone();
    match state
        .reads
        .run(move |c| {
            let answer = match &st.ch {
                Some(ch) => chf(ch, &p)?,
                None => f(c, &p)?,
            };
            let mut v = match answer {
                Ok(v) => v,
                Err(e) => return Ok(Err(e)),
            };
            finish(c, &st, &p, &mut v)?;
            Ok(Ok(v))
        })
        .await
    {
        Ok(Ok(v)) => json_response(StatusCode::OK, v),
        Ok(Err(e)) => bad_param(e),
        Err(e) => query_error(&e),
    }
}

/// The range cap: `--max-range`, or the retention window when shorter.
pub fn max_range_ms(cfg: &crate::Config) -> i64 {
    let retention = cfg.retention_days.map(|d| i64::from(d) * 24 * 3600 * 1000);
    retention.map_or(cfg.max_range, |r| r.min(cfg.max_range))
}

/// A failed query: 503 with Retry-After when it ran past `--query-timeout`.
pub fn query_error(e: &str) -> Response {
    if e == crate::store::QUERY_TIMEOUT {
        tracing::warn!("query stopped after --query-timeout");
        let mut r = error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "query_timeout",
            "the query ran past --query-timeout: narrow the time range or the filter",
        );
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return r;
    }
    tracing::error!("query failed: {e}");
    error_response(StatusCode::INTERNAL_SERVER_ERROR, "query_failed", e)
}

async fn api_events(State(s): State<Arc<AppState>>, Query(p): Query<Params>) -> Response {
    run_then(&s, p, query::events, crate::clickhouse::query::events, |c, st, _, v| {
        crate::sourcemap::symbolicate_events(c, &st.sourcemaps, v);
        Ok(())
    })
    .await
}
async fn api_summary(State(s): State<Arc<AppState>>, Query(mut p): Query<Params>) -> Response {
    p.routes.clone_from(&s.cfg.routes);
    run_then(&s, p, query::summary, crate::clickhouse::query::summary, |c, st, p, v| {
        let f = query::Filter::from_params(p).map_err(|e| e.0)?;
        let top = issues_of(c, st, &f, 10)?;
        if let serde_json::Value::Object(o) = v {
            o.insert("top_errors".into(), top);
        }
        Ok(())
    })
    .await
}
/// `GET /api/errors?since=&until=&app=&release=&env=&limit=`: the issues.
async fn api_errors(State(s): State<Arc<AppState>>, Query(p): Query<Params>) -> Response {
    fn check(p: &Params) -> Result<serde_json::Value, BadParam> {
        match (query::Filter::from_params(p), p.limit.as_deref().map(str::parse::<usize>)) {
            (Err(e), _) => Err(e),
            (_, Some(Err(_))) | (_, Some(Ok(0))) => Err(BadParam("limit: expected a positive integer".into())),
            (Ok(f), _) => Ok(serde_json::json!({"filter": f})),
        }
    }
    run_then(
        &s,
        p,
        |_, p| Ok(check(p)),
        |_, p| Ok(check(p)),
        |c, st, p, v| {
            let f = query::Filter::from_params(p).map_err(|e| e.0)?;
            let limit = p.limit.as_deref().and_then(|l| l.parse::<usize>().ok()).unwrap_or(50).min(500);
            let list = issues_of(c, st, &f, limit)?;
            if let serde_json::Value::Object(o) = v {
                o.insert("errors".into(), list);
            }
            Ok(())
        },
    )
    .await
}
async fn api_timeseries(State(s): State<Arc<AppState>>, Query(p): Query<Params>) -> Response {
    run_query(&s, p, query::timeseries, crate::clickhouse::query::timeseries).await
}
async fn api_dimensions(State(s): State<Arc<AppState>>, Query(p): Query<Params>) -> Response {
    run_query(&s, p, query::dimensions, crate::clickhouse::query::dimensions).await
}

async fn api_stats(State(s): State<Arc<AppState>>) -> Response {
    let ch = s.ch.clone();
    let counts = s
        .reads
        .run(move |c| match &ch {
            Some(ch) => crate::clickhouse::query::counts(ch),
            None => crate::store::counts(c),
        })
        .await;
    let mut v = s.metrics.snapshot();
    if let (serde_json::Value::Object(o), Ok((e, p, se))) = (&mut v, counts) {
        o.insert("database".into(), json!({"events": e, "page_views": p, "sessions": se}));
    }
    json_response(StatusCode::OK, v)
}

async fn healthz(State(s): State<Arc<AppState>>) -> Response {
    // Not held hostage by the query slots: when every slot is busy with a
    // dashboard query the database is working, so a liveness probe must not
    // fail (and restart the collector) for it. Only an error is unhealthy.
    let ch = s.ch.clone();
    let probe = s.reads.run(move |c| match &ch {
        Some(ch) => ch.ping().map(|_| 1),
        None => c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).map_err(|e| e.to_string()),
    });
    let (db_ok, db_busy) = match tokio::time::timeout(Duration::from_millis(500), probe).await {
        Ok(Ok(_)) => (Ok(()), false),
        Ok(Err(e)) if e == crate::store::QUERY_TIMEOUT => (Ok(()), true),
        Ok(Err(e)) => (Err(e), false),
        Err(_) => (Ok(()), true),
    };
    let writer = s.writer.is_running();
    let ok = writer && db_ok.is_ok();
    json_response(
        if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE },
        json!({
            "status": if ok { "ok" } else { "unavailable" },
            "version": env!("CARGO_PKG_VERSION"),
            "schema_version": crate::store::schema_version(),
            "db": s.cfg.db.display().to_string(),
            "store": s.ch.as_ref().map_or_else(|| "sqlite".to_string(), |c| format!("{c:?}")),
            "db_error": db_ok.err(),
            "db_busy": db_busy,
            "writer": if writer { "running" } else { "stopped" },
            "queue_depth": s.writer.queue_depth(),
            "geoip": s.enricher.has_geoip(),
            "uptime_s": s.started.elapsed().as_secs(),
        }),
    )
}

// ---- SLOs (collector/src/slo/) ----

#[derive(serde::Deserialize, Default)]
struct SloParams {
    /// Evaluate at this time instead of now (epoch ms, RFC 3339 or a duration ago).
    at: Option<String>,
}

/// `GET /api/slo`: every SLO's objective, SLI, budget left, burn rates and alert state.
async fn api_slo(State(s): State<Arc<AppState>>, Query(p): Query<SloParams>) -> Response {
    let now = match p.at.as_deref().map(|a| query::parse_time(a, "at")).transpose() {
        // Windows are [at - w, at): "now" includes what was received in
        // this very millisecond (a beacon answered just before this query).
        Ok(t) => t.unwrap_or_else(|| now_ms() + 1),
        Err(e) => return bad_param(e),
    };
    let slos = s.slo.slos.clone();
    let ch = s.ch.clone();
    let eval = move |conn: &rusqlite::Connection| match &ch {
        Some(ch) => crate::slo::eval::evaluate_with(
            &|slo, side, now, ms| crate::clickhouse::query::count_windows(ch, slo, side, now, ms),
            &slos,
            now,
        ),
        None => crate::slo::eval::evaluate(conn, &slos, now),
    };
    match s.reads.run(eval).await {
        Ok(v) => json_response(StatusCode::OK, v),
        Err(e) => query_error(&e),
    }
}

// ---- end SLOs ----

/// The collector's metrics, then the users' (SLO counters, Web Vitals):
/// OpenMetrics when asked for (Prometheus does), else text format 0.0.4.
async fn metrics(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let mut body = s.metrics.render(s.writer.queue_depth(), s.writer.is_running());
    body.push_str(&s.slo.render());
    let openmetrics = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/openmetrics-text"));
    let ct = if openmetrics {
        body.push_str("# EOF\n");
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    } else {
        "text/plain; version=0.0.4; charset=utf-8"
    };
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r
}

/// `--static [PREFIX=]DIR` mounts; the longest matching prefix wins.
async fn static_or_404(State(s): State<Arc<AppState>>, req: Request) -> Response {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        let path = req.uri().path().to_string();
        for (prefix, dir) in &s.statics {
            let rest = if prefix == "/" {
                Some(path.as_str())
            } else if path == *prefix {
                // `/demo` → `/demo/` so that relative links resolve inside the mount.
                let mut r = StatusCode::PERMANENT_REDIRECT.into_response();
                let loc = match req.uri().query() {
                    Some(q) => format!("{prefix}/?{q}"),
                    None => format!("{prefix}/"),
                };
                if let Ok(v) = HeaderValue::from_str(&loc) {
                    r.headers_mut().insert(header::LOCATION, v);
                }
                return r;
            } else {
                path.strip_prefix(prefix.as_str()).filter(|r| r.starts_with('/'))
            };
            let Some(rest) = rest else { continue };
            let uri = match req.uri().query() {
                Some(q) => format!("{rest}?{q}"),
                None => rest.to_string(),
            };
            let Ok(uri) = uri.parse::<axum::http::Uri>() else { continue };
            let mut sub = Request::new(Body::empty());
            *sub.method_mut() = req.method().clone();
            *sub.uri_mut() = uri;
            *sub.headers_mut() = req.headers().clone();
            let served = ServeDir::new(dir).oneshot(sub).await;
            return match served {
                Ok(r) if r.status() == StatusCode::NOT_FOUND && prefix == "/" => not_found(&path),
                Ok(mut r) => {
                    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                    r.map(Body::new)
                }
                Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, "static", &e.to_string()),
            };
        }
    }
    not_found(req.uri().path())
}

fn not_found(path: &str) -> Response {
    error_response(StatusCode::NOT_FOUND, "not_found", &format!("no route for {path}"))
}
