//! Who may read, and how much: one layer over the whole router.
//!
//! - Every path under `/api/` and `/metrics` needs the read key
//!   (`--read-key`, `Authorization: Bearer KEY`) when one is set; the admin
//!   key is accepted there too (admin routes under `/api/` then check it
//!   themselves). Ingest (`/collect`, `/faro/collect`), `/healthz`, the
//!   dashboard's assets and `--static` files are outside it.
//! - The same paths are rate-limited per client IP (`--rate-limit`, 429 with
//!   `Retry-After`): reads are what is expensive to answer. Ingest has its own
//!   backpressure (the writer queue answers 503 with `Retry-After`).
//!
//! Keys are compared in constant time (`auth::same_key`) and never logged.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::{auth, AppState};

/// Whether a path is a read route: data, stats or metrics.
pub fn is_read_path(path: &str) -> bool {
    path.starts_with("/api/") || path == "/api" || path == "/metrics"
}

/// Per-IP limiter for read routes (None: `--rate-limit 0`).
pub struct ReadLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    checks: AtomicU64,
}

impl ReadLimiter {
    /// `per_second` requests a second per IP, bursts of twice that.
    pub fn new(per_second: u32) -> Option<ReadLimiter> {
        let rate = NonZeroU32::new(per_second)?;
        let burst = NonZeroU32::new(per_second.saturating_mul(2)).unwrap_or(rate);
        Some(ReadLimiter {
            limiter: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            checks: AtomicU64::new(0),
        })
    }

    /// `Err(seconds to wait)` when `ip` is over its quota.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        // Forget idle clients now and then, so the map stays small.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }
}

/// The client's address: the peer, or `X-Forwarded-For` behind `--trust-proxy`.
fn client_ip(state: &AppState, req: &Request) -> Option<IpAddr> {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let xff = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    match (state.cfg.trust_proxy, xff) {
        (Some(hops), Some(xff)) if hops > 0 => {
            let list: Vec<&str> = xff.split(',').map(str::trim).collect();
            list.len().checked_sub(hops).and_then(|i| list.get(i)).and_then(|s| s.parse().ok()).or(peer)
        }
        _ => peer,
    }
}

fn refuse(status: StatusCode, reason: &str, error: &str) -> Response {
    let body = serde_json::json!({ "error": error, "reason": reason }).to_string();
    let mut r = (status, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// The read guard (see the module comment). Applied to the whole router so
/// that every route added under `/api/` is covered.
pub async fn read_guard(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if !is_read_path(req.uri().path()) {
        return next.run(req).await;
    }
    if let Some(key) = &state.cfg.read_key {
        let admin = state.cfg.admin_key.as_deref().is_some_and(|a| auth::has_bearer(req.headers(), a));
        if !(admin || auth::has_bearer(req.headers(), key)) {
            let mut r = refuse(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this route needs the read key: send Authorization: Bearer KEY (see --read-key)",
            );
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"rum-collector\""));
            return r;
        }
    }
    if let (Some(limiter), Some(ip)) = (&state.read_limiter, client_ip(&state, &req)) {
        if let Err(wait) = limiter.check(ip) {
            let mut r = refuse(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests from this address (see --rate-limit)",
            );
            if let Ok(v) = HeaderValue::from_str(&wait.max(1).to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return r;
        }
    }
    next.run(req).await
}

/// Refuses to serve data on a non-loopback address without a read key,
/// unless `--public-read` says it on purpose.
pub fn check_exposure(cfg: &crate::Config) -> Result<(), String> {
    if cfg.read_key.is_none() && !cfg.public_read && !cfg.listen.ip().is_loopback() {
        return Err(format!(
            "refusing to listen on {} without --read-key: anyone who can reach it could read every URL, user id and \
             session id collected. Set --read-key KEY (or RUM_READ_KEY), or pass --public-read to serve the data \
             without a key on purpose.",
            cfg.listen
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_paths() {
        for p in ["/api/events", "/api/summary", "/api/slo", "/api/sourcemaps", "/metrics", "/api"] {
            assert!(is_read_path(p), "{p}");
        }
        for p in ["/", "/healthz", "/collect", "/faro/collect", "/dashboard/app.js", "/apix", "/metricsx"] {
            assert!(!is_read_path(p), "{p}");
        }
    }

    #[test]
    fn limiter_answers_retry_after() {
        let l = ReadLimiter::new(1).unwrap();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(l.check(ip).is_ok());
        assert!(l.check(ip).is_ok());
        let wait = l.check(ip).unwrap_err();
        assert!(wait <= 1, "{wait}");
        assert!(l.check("127.0.0.2".parse().unwrap()).is_ok());
        assert!(ReadLimiter::new(0).is_none());
    }

    #[test]
    fn exposure() {
        let mut c = crate::Config::for_db("x.db");
        assert!(check_exposure(&c).is_ok());
        c.listen = "0.0.0.0:8787".parse().unwrap();
        let e = check_exposure(&c).unwrap_err();
        assert!(e.contains("--read-key") && e.contains("--public-read"), "{e}");
        c.public_read = true;
        assert!(check_exposure(&c).is_ok());
        c.public_read = false;
        c.read_key = Some("k".into());
        assert!(check_exposure(&c).is_ok());
    }
}
