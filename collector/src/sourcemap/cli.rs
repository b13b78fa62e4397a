//! `rum-collector sourcemaps upload`: sends every `*.js.map` under a build
//! directory with its `*.js`, as `datadog-ci sourcemaps upload` does: the
//! URL of each file is `--url-prefix` + its path relative to the directory.
//! Every map is validated locally first (the collector's own checks): one
//! bad map and nothing is sent.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::{json, Value};

#[derive(Subcommand, Debug, Clone)]
pub enum Action {
    /// Upload the source maps of a build directory for a release.
    Upload(UploadArgs),
}

#[derive(Args, Debug, Clone)]
pub struct UploadArgs {
    /// The collector's base URL, e.g. http://rum.internal:8787.
    #[arg(long)]
    pub collector: String,
    /// The release: the `app.version` the agent reports for this build.
    #[arg(long)]
    pub release: String,
    /// Prefix of the files' URLs: `https://shop.example/assets/`, or a path
    /// (`/assets/`) to match the files on any origin.
    #[arg(long)]
    pub url_prefix: String,
    /// Admin key of the collector (--admin-key); also read from RUM_ADMIN_KEY.
    #[arg(long, env = "RUM_ADMIN_KEY", hide_env_values = true)]
    pub key: Option<String>,
    /// Largest request sent; more files go in further requests.
    #[arg(long, default_value = "16MiB", value_parser = crate::config::parse_size)]
    pub max_request: usize,
    /// Validate and list what would be sent, send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The build output directory (searched recursively).
    pub dir: PathBuf,
}

/// One (minified file, map) pair found on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub url: String,
    pub map: PathBuf,
    pub js: Option<PathBuf>,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let ft = e.file_type()?;
        if ft.is_dir() {
            walk(&p, out)?;
        } else if ft.is_file() {
            out.push(p);
        }
    }
    Ok(())
}

/// `prefix` + `rel` with exactly one `/` between them.
pub fn join_url(prefix: &str, rel: &str) -> String {
    format!("{}/{}", prefix.trim_end_matches('/'), rel.trim_start_matches('/'))
}

/// Every `*.js.map` (`.mjs.map`, `.cjs.map`) under `dir`, with its minified file.
pub fn find_pairs(dir: &Path, prefix: &str) -> Result<Vec<Pair>, String> {
    let mut files = Vec::new();
    walk(dir, &mut files).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut out = Vec::new();
    for map in files {
        let name = map.to_string_lossy();
        let Some(js_name) = name.strip_suffix(".map") else { continue };
        if ![".js", ".mjs", ".cjs"].iter().any(|x| js_name.ends_with(x)) {
            continue;
        }
        let js = PathBuf::from(js_name);
        let rel = js.strip_prefix(dir).map_err(|e| e.to_string())?;
        let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        out.push(Pair { url: join_url(prefix, &rel.join("/")), js: js.is_file().then_some(js), map });
    }
    Ok(out)
}

async fn post(base: &str, key: &str, body: Vec<u8>) -> Result<(u16, String), String> {
    let url = format!("{}/api/sourcemaps", base.trim_end_matches('/'));
    let key = key.to_string();
    // ureq: HTTP and HTTPS (rustls, with the Mozilla root store of
    // webpki-roots), blocking, so on a thread of its own.
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            // A 4xx/5xx is an answer to report (with its reason), not an error.
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(300)))
            .build()
            .into();
        let mut resp = agent
            .post(&url)
            .header("content-type", "application/json")
            .header("authorization", &format!("Bearer {key}"))
            .send(&body[..])
            .map_err(|e| format!("{url}: {e}"))?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().with_config().limit(1 << 20).read_to_string().unwrap_or_default();
        Ok((status, text))
    })
    .await
    .map_err(|e| format!("{e}"))?
}

/// Runs the command; the error is printed by `main` (exit status 1).
pub async fn run(action: Action) -> Result<(), String> {
    let Action::Upload(a) = action;
    let key = match (&a.key, a.dry_run) {
        (Some(k), _) if !k.is_empty() => k.clone(),
        (_, true) => String::new(),
        _ => return Err("no admin key: pass --key KEY or set RUM_ADMIN_KEY".into()),
    };
    if !a.dir.is_dir() {
        return Err(format!("{}: not a directory", a.dir.display()));
    }
    let pairs = find_pairs(&a.dir, &a.url_prefix)?;
    if pairs.is_empty() {
        return Err(format!("no *.js.map files under {}: build with source maps on", a.dir.display()));
    }
    // Read and validate everything before sending anything.
    let mut files = Vec::with_capacity(pairs.len());
    let mut bad = Vec::new();
    for p in &pairs {
        let map = std::fs::read(&p.map).map_err(|e| format!("{}: {e}", p.map.display()))?;
        let js = match &p.js {
            Some(j) => Some(std::fs::read(j).map_err(|e| format!("{}: {e}", j.display()))?),
            None => None,
        };
        match super::prepare(&p.url, &map, js.as_deref()) {
            Ok(prep) => {
                println!(
                    "  {} -> {}{}{}",
                    p.map.display(),
                    p.url,
                    prep.debug_id.as_ref().map(|d| format!(" (debug ID {d})")).unwrap_or_default(),
                    if p.js.is_none() { " (no minified file next to it)" } else { "" }
                );
                let js = js.map(|b| String::from_utf8_lossy(&b).into_owned());
                files.push(json!({"url": p.url, "map": String::from_utf8_lossy(&map), "js": js}));
            }
            Err(e) => bad.push(format!("{}: {e}", p.map.display())),
        }
    }
    if !bad.is_empty() {
        return Err(format!("{} invalid source map(s), nothing sent:\n  {}", bad.len(), bad.join("\n  ")));
    }
    if a.dry_run {
        println!("dry run: {} file(s) valid, nothing sent", files.len());
        return Ok(());
    }
    // Requests of at most --max-request bytes (a file larger than that goes alone).
    let mut batches: Vec<Vec<Value>> = vec![Vec::new()];
    let mut size = 0usize;
    for f in files {
        let n = f.to_string().len();
        if size + n > a.max_request && batches.last().is_some_and(|b| !b.is_empty()) {
            batches.push(Vec::new());
            size = 0;
        }
        size += n;
        if let Some(b) = batches.last_mut() {
            b.push(f);
        }
    }
    let mut sent = 0;
    for b in batches {
        let n = b.len();
        let body = json!({"release": a.release, "files": b}).to_string().into_bytes();
        let (status, text) = post(&a.collector, &key, body).await?;
        if status != 200 {
            let why = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string))
                .unwrap_or(text);
            return Err(format!("the collector answered {status}: {why} ({sent} file(s) uploaded before)"));
        }
        sent += n;
    }
    println!("uploaded {sent} source map(s) for release {}", a.release);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_like_datadog_ci() {
        assert_eq!(
            join_url("https://shop.example/assets/", "index-4f2a.js"),
            "https://shop.example/assets/index-4f2a.js"
        );
        assert_eq!(join_url("https://shop.example/assets", "a/b.js"), "https://shop.example/assets/a/b.js");
        assert_eq!(join_url("/static/", "/x.js"), "/static/x.js");
    }

    #[test]
    fn pairs_are_found_recursively() {
        let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let w = |p: &str| {
            let p = d.path().join(p);
            std::fs::create_dir_all(p.parent().unwrap_or(d.path())).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(p, "x").unwrap_or_else(|e| panic!("{e}"));
        };
        w("a.js");
        w("a.js.map");
        w("sub/b.mjs.map");
        w("style.css.map");
        let pairs = find_pairs(d.path(), "/assets/").unwrap_or_else(|e| panic!("{e}"));
        let urls: Vec<_> = pairs.iter().map(|p| (p.url.as_str(), p.js.is_some())).collect();
        assert_eq!(urls, vec![("/assets/a.js", true), ("/assets/sub/b.mjs", false)]);
    }
}
