//! `POST /api/sourcemaps` (upload), `GET /api/sourcemaps` (list),
//! `DELETE /api/sourcemaps` (delete): all behind the admin key
//! (`Authorization: Bearer KEY`, `--admin-key`). See docs/collector.md.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, Limited};
use rusqlite::Connection;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{prepare, Prepared};
use crate::{auth, now_ms, AppState};

/// Files in one upload.
pub const MAX_FILES: usize = 1000;
/// Longest release and URL accepted.
const MAX_RELEASE: usize = 128;
const MAX_URL: usize = 2048;

fn answer(status: StatusCode, body: Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn refuse(status: StatusCode, reason: &str, error: impl Into<String>) -> Response {
    answer(status, json!({"reason": reason, "error": error.into()}))
}

/// `None` when the request may go on; else the answer (403 without an admin
/// key configured, 401 with a missing or wrong one).
pub fn check_admin(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    let Some(key) = &state.cfg.admin_key else {
        return Some(refuse(
            StatusCode::FORBIDDEN,
            "admin_key_not_configured",
            "source map endpoints are disabled: start the collector with --admin-key KEY (or RUM_ADMIN_KEY)",
        ));
    };
    match auth::bearer(headers) {
        None => Some(refuse(StatusCode::UNAUTHORIZED, "unauthorized", "missing admin key (Authorization: Bearer KEY)")),
        Some(t) if !auth::same_key(t, key) => Some(refuse(StatusCode::UNAUTHORIZED, "unauthorized", "wrong admin key")),
        Some(_) => None,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Upload {
    release: String,
    files: Vec<UploadFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadFile {
    /// URL the browser loads the minified file from (or a path: `/assets/x.js`).
    url: String,
    /// The map: its text, or the JSON object itself.
    map: Value,
    /// The minified file's text (optional; used for function names and debug IDs).
    #[serde(default)]
    js: Option<String>,
}

/// The write connection of an upload or delete (the ingest writer keeps its
/// own; SQLite serialises the two, each waiting up to 10 s).
fn open_rw(state: &AppState) -> Result<Connection, String> {
    let c = Connection::open(&state.cfg.db).map_err(|e| e.to_string())?;
    c.busy_timeout(Duration::from_secs(10)).map_err(|e| e.to_string())?;
    Ok(c)
}

/// Stores the pairs of one release in one transaction (a re-upload of a URL
/// replaces it). Returns, per file, whether it replaced one.
pub fn store(conn: &mut Connection, release: &str, files: &[Prepared]) -> Result<Vec<bool>, String> {
    let tx = conn.transaction().map_err(|e| e.to_string())?;
    let mut replaced = Vec::with_capacity(files.len());
    {
        let mut del = tx.prepare("DELETE FROM sourcemaps WHERE release = ? AND url = ?").map_err(|e| e.to_string())?;
        let mut ins = tx
            .prepare(
                "INSERT INTO sourcemaps (release, url, debug_id, map, js, map_bytes, js_bytes, sources,
                                         sources_with_content, tokens, uploaded_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .map_err(|e| e.to_string())?;
        let now = now_ms();
        for p in files {
            let n = del.execute([release, p.url.as_str()]).map_err(|e| e.to_string())?;
            replaced.push(n > 0);
            ins.execute(rusqlite::params![
                release,
                p.url,
                p.debug_id,
                p.map_gz,
                p.js_gz,
                i64::try_from(p.map_bytes).unwrap_or(i64::MAX),
                i64::try_from(p.js_bytes).unwrap_or(i64::MAX),
                i64::try_from(p.sources).unwrap_or(i64::MAX),
                i64::try_from(p.sources_with_content).unwrap_or(i64::MAX),
                i64::try_from(p.tokens).unwrap_or(i64::MAX),
                now
            ])
            .map_err(|e| e.to_string())?;
        }
    }
    tx.commit().map_err(|e| e.to_string())?;
    Ok(replaced)
}

pub async fn upload(State(state): State<Arc<AppState>>, req: Request) -> Response {
    if let Some(r) = check_admin(&state, req.headers()) {
        return r;
    }
    let max = state.cfg.sourcemap_max_upload;
    let too_large = || {
        let mut r = refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("upload larger than --sourcemap-max-upload ({max} bytes): upload fewer files per request"),
        );
        r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        r
    };
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return too_large();
    }
    let body = match tokio::time::timeout(Duration::from_secs(120), Limited::new(req.into_body(), max).collect()).await
    {
        Err(_) => return refuse(StatusCode::REQUEST_TIMEOUT, "body_read_failed", "body not received in 120 s"),
        Ok(Err(e)) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => return too_large(),
        Ok(Err(e)) => return refuse(StatusCode::BAD_REQUEST, "body_read_failed", format!("reading the body: {e}")),
        Ok(Ok(c)) => c.to_bytes(),
    };
    let de = &mut serde_json::Deserializer::from_slice(&body);
    let up: Upload = match serde_path_to_error::deserialize(de) {
        Ok(u) => u,
        Err(e) => {
            return answer(
                StatusCode::BAD_REQUEST,
                json!({"reason": "bad_upload", "path": e.path().to_string(),
                       "error": format!("expected {{\"release\": \"…\", \"files\": [{{\"url\", \"map\", \"js\"}}]}}: {}", e.inner())}),
            )
        }
    };
    let release = up.release.trim().to_string();
    if release.is_empty() || release.len() > MAX_RELEASE {
        return refuse(StatusCode::BAD_REQUEST, "bad_upload", format!("release must be 1 to {MAX_RELEASE} bytes"));
    }
    if up.files.is_empty() {
        return refuse(StatusCode::BAD_REQUEST, "bad_upload", "files is empty: nothing to upload");
    }
    if up.files.len() > MAX_FILES {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_files",
            format!("{} files in one upload: at most {MAX_FILES} per request", up.files.len()),
        );
    }
    let mut seen = HashSet::new();
    for (i, f) in up.files.iter().enumerate() {
        if f.url.is_empty() || f.url.len() > MAX_URL {
            return refuse(
                StatusCode::BAD_REQUEST,
                "bad_upload",
                format!("files[{i}].url must be 1 to {MAX_URL} bytes"),
            );
        }
        if !seen.insert(f.url.as_str()) {
            return refuse(StatusCode::BAD_REQUEST, "bad_upload", format!("files[{i}].url {:?} appears twice", f.url));
        }
    }
    let st = state.clone();
    let done = tokio::task::spawn_blocking(move || -> Result<Value, (StatusCode, Value)> {
        let mut prepared = Vec::with_capacity(up.files.len());
        for (i, f) in up.files.iter().enumerate() {
            let map = match &f.map {
                Value::String(s) => s.clone().into_bytes(),
                other => other.to_string().into_bytes(),
            };
            match prepare(&f.url, &map, f.js.as_deref().map(str::as_bytes)) {
                Ok(p) => prepared.push(p),
                Err(e) => {
                    return Err((
                        StatusCode::BAD_REQUEST,
                        json!({"reason": "invalid_sourcemap", "index": i, "url": f.url,
                               "error": format!("files[{i}] ({}): {e}; nothing was stored", f.url)}),
                    ))
                }
            }
        }
        let unavailable = |e: String| {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"reason": "storage_error", "error": format!("storing failed: {e}")}),
            )
        };
        let mut conn = open_rw(&st).map_err(unavailable)?;
        let replaced = store(&mut conn, &release, &prepared).map_err(unavailable)?;
        st.sourcemaps.clear();
        let files: Vec<Value> = prepared
            .iter()
            .zip(replaced)
            .map(|(p, r)| {
                json!({"url": p.url, "debug_id": p.debug_id, "sources": p.sources,
                       "sources_with_content": p.sources_with_content, "map_bytes": p.map_bytes,
                       "js_bytes": p.js_bytes, "stored_bytes": p.map_gz.len() + p.js_gz.as_ref().map_or(0, Vec::len),
                       "replaced": r})
            })
            .collect();
        tracing::info!(release, files = files.len(), "source maps uploaded");
        Ok(json!({"release": release, "files": files}))
    })
    .await;
    match done {
        Ok(Ok(v)) => answer(StatusCode::OK, v),
        Ok(Err((status, body))) => answer(status, body),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "upload_failed", e.to_string()),
    }
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    pub release: Option<String>,
    pub url: Option<String>,
}

pub async fn list(State(state): State<Arc<AppState>>, headers: HeaderMap, Query(p): Query<ListParams>) -> Response {
    if let Some(r) = check_admin(&state, &headers) {
        return r;
    }
    let out = state
        .reads
        .run(move |c| {
            let mut stmt = c
                .prepare(
                    "SELECT id, release, url, debug_id, map_bytes, js_bytes, sources, sources_with_content, tokens,
                            uploaded_at, length(map) + coalesce(length(js), 0)
                     FROM sourcemaps WHERE (?1 IS NULL OR release = ?1) ORDER BY release, url LIMIT 10000",
                )
                .map_err(|e| e.to_string())?;
            let rows = stmt
                .query_map([p.release.filter(|r| !r.is_empty())], |r| {
                    Ok(json!({
                        "id": r.get::<_, i64>(0)?, "release": r.get::<_, String>(1)?, "url": r.get::<_, String>(2)?,
                        "debug_id": r.get::<_, Option<String>>(3)?, "map_bytes": r.get::<_, i64>(4)?,
                        "js_bytes": r.get::<_, i64>(5)?, "sources": r.get::<_, i64>(6)?,
                        "sources_with_content": r.get::<_, i64>(7)?, "tokens": r.get::<_, i64>(8)?,
                        "uploaded_at": r.get::<_, i64>(9)?, "stored_bytes": r.get::<_, i64>(10)?,
                    }))
                })
                .map_err(|e| e.to_string())?;
            rows.collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())
        })
        .await;
    match out {
        Ok(list) => {
            let (maps, bytes, hits, misses) = state.sourcemaps.stats();
            answer(
                StatusCode::OK,
                json!({"sourcemaps": list, "cache": {"maps": maps, "bytes": bytes, "budget": state.sourcemaps.budget(),
                       "hits": hits, "misses": misses}}),
            )
        }
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "query_failed", e),
    }
}

async fn delete_where(state: Arc<AppState>, sql: &'static str, args: Vec<String>) -> Response {
    let st = state.clone();
    let done = tokio::task::spawn_blocking(move || -> Result<usize, String> {
        let conn = open_rw(&st)?;
        let n = conn.execute(sql, rusqlite::params_from_iter(args)).map_err(|e| e.to_string())?;
        st.sourcemaps.clear();
        Ok(n)
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    match done {
        Ok(n) => answer(StatusCode::OK, json!({"deleted": n})),
        Err(e) => refuse(StatusCode::SERVICE_UNAVAILABLE, "storage_error", e),
    }
}

/// `DELETE /api/sourcemaps?release=R[&url=U]`: a release's maps, or one.
pub async fn delete(State(state): State<Arc<AppState>>, headers: HeaderMap, Query(p): Query<ListParams>) -> Response {
    if let Some(r) = check_admin(&state, &headers) {
        return r;
    }
    match (p.release.filter(|r| !r.is_empty()), p.url.filter(|u| !u.is_empty())) {
        (Some(r), Some(u)) => {
            delete_where(state, "DELETE FROM sourcemaps WHERE release = ? AND url = ?", vec![r, u]).await
        }
        (Some(r), None) => delete_where(state, "DELETE FROM sourcemaps WHERE release = ?", vec![r]).await,
        _ => refuse(
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            "name what to delete: ?release=R (all its maps) or ?release=R&url=U, or DELETE /api/sourcemaps/{id}",
        ),
    }
}

/// `DELETE /api/sourcemaps/{id}` (the `id` of the list).
pub async fn delete_one(State(state): State<Arc<AppState>>, headers: HeaderMap, Path(id): Path<i64>) -> Response {
    if let Some(r) = check_admin(&state, &headers) {
        return r;
    }
    delete_where(state, "DELETE FROM sourcemaps WHERE id = ?", vec![id.to_string()]).await
}
