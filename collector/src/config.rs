//! Command-line flags (`rum-collector --help`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug, Clone)]
#[command(
    name = "rum-collector",
    version,
    about = "Receives rum-agent beacons, stores them in SQLite, serves a query API and a live dashboard.",
    after_help = "Endpoints: POST /collect, GET / (dashboard), /api/events, /api/summary, /api/timeseries, \
/api/dimensions, /api/errors, /api/stats, /api/slo, /healthz, /metrics (with --read-key: Authorization: Bearer KEY), \
/api/sourcemaps (--admin-key). See docs/collector.md."
)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port; the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,

    /// SQLite database file (created and migrated on start; WAL mode).
    #[arg(long, default_value = "rum.db")]
    pub db: PathBuf,

    /// Where collected data is stored: `sqlite:PATH` (the default, at
    /// `--db`) or `clickhouse://[USER[:PASSWORD]@]HOST:8123/DATABASE` (the
    /// HTTP interface; user and password also from RUM_CLICKHOUSE_USER and
    /// RUM_CLICKHOUSE_PASSWORD). With ClickHouse, `--db` still holds the
    /// uploaded source maps (configuration, not collected data).
    #[arg(long, env = "RUM_STORE", value_name = "URL")]
    pub store: Option<String>,

    /// Origin allowed to send beacons (repeatable). Without any, every origin
    /// is allowed (development); with some, beacons carrying another Origin
    /// header are refused with 403.
    #[arg(long = "allow-origin", value_name = "ORIGIN", value_parser = parse_origin)]
    pub allow_origin: Vec<String>,

    /// Largest request body accepted, on the wire and after decompression
    /// (bytes, or with a KiB/MiB suffix). Larger bodies get 413 unread.
    #[arg(long, default_value = "1MiB", value_parser = parse_size)]
    pub max_body: usize,

    /// Delete data older than this many days (checked hourly). Default: keep everything.
    #[arg(long, value_name = "DAYS")]
    pub retention_days: Option<u32>,

    /// Require `?key=KEY` on POST /collect (sendBeacon cannot set headers).
    /// Also read from RUM_INGEST_KEY, which keeps it out of `ps`.
    #[arg(long, env = "RUM_INGEST_KEY", hide_env_values = true)]
    pub ingest_key: Option<String>,

    /// Key for upload and delete endpoints (source maps), sent as
    /// `Authorization: Bearer KEY`; never the ingest key, which every
    /// visitor's browser holds. Also read from RUM_ADMIN_KEY. Without it
    /// those endpoints answer 403.
    #[arg(long, env = "RUM_ADMIN_KEY", hide_env_values = true)]
    pub admin_key: Option<String>,

    /// Key for reading: every `/api/*` route and `/metrics` need
    /// `Authorization: Bearer KEY` (the admin key is accepted too). Also read
    /// from RUM_READ_KEY. Without it reads are open, which is allowed on a
    /// loopback address only (see --public-read).
    #[arg(long, env = "RUM_READ_KEY", hide_env_values = true)]
    pub read_key: Option<String>,

    /// Serve `/api/*` and `/metrics` without a key on a non-loopback address,
    /// on purpose (without it, the collector refuses to start there).
    #[arg(long)]
    pub public_read: bool,

    /// Longest time range a query may cover (e.g. 31d, 90d); an older `since`
    /// (and `since=0`) starts at `until` minus this, or at the retention
    /// window when `--retention-days` is shorter.
    #[arg(long, default_value = "90d", value_parser = parse_duration_ms)]
    pub max_range: i64,

    /// Time limit of one query; past it the query is interrupted and the
    /// request answered 503 with Retry-After.
    #[arg(long, default_value = "10s", value_parser = parse_duration_ms)]
    pub query_timeout: i64,

    /// Open connections served at once; further clients wait in the
    /// listen backlog until one closes.
    #[arg(long, default_value_t = 1024)]
    pub max_connections: usize,

    /// Requests per second per client IP on `/api/*` and `/metrics` (bursts
    /// of twice that); over it they get 429 with Retry-After. 0 turns it off.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub rate_limit: u32,

    /// Serve static files from DIR, at PREFIX (e.g. `/demo=www/demo`) or at the
    /// root (repeatable). API routes and the dashboard at `/` take precedence.
    #[arg(long = "static", value_name = "[PREFIX=]DIR", value_parser = parse_static)]
    pub statics: Vec<StaticMount>,

    /// MaxMind-format (mmdb) database for country lookups by client IP.
    /// Without it the country comes from the client's time zone.
    #[arg(long, value_name = "FILE")]
    pub geoip: Option<PathBuf>,

    /// Trust X-Forwarded-For set by this many reverse proxies in front of the
    /// collector (`--trust-proxy` alone means 1). Off by default: the header
    /// is trivially forged by clients.
    #[arg(long, value_name = "HOPS", num_args = 0..=1, default_missing_value = "1")]
    pub trust_proxy: Option<usize>,

    /// Requests waiting for the database writer before new ones get 503.
    #[arg(long, default_value_t = 4096)]
    pub queue: usize,

    /// Largest source map upload (POST /api/sourcemaps body); larger gets 413.
    #[arg(long, default_value = "64MiB", value_parser = parse_size)]
    pub sourcemap_max_upload: usize,

    /// Memory for decoded source maps (estimated bytes; least recently used evicted).
    #[arg(long, default_value = "256MiB", value_parser = parse_size)]
    pub sourcemap_cache: usize,

    /// SLO definitions (YAML, see docs/collector.md); without it the
    /// default SLOs. A bad file is refused at start with its line and field.
    #[arg(long, value_name = "FILE", global = true)]
    pub slo: Option<PathBuf>,

    /// Repeatable: a route pattern pages are grouped by (`/product/:id`;
    /// `:name` matches one path segment, a final `*` the rest). Pages no
    /// pattern matches get numeric, UUID and hex segments replaced by `:id`.
    #[arg(long = "route", value_name = "PATTERN", value_parser = crate::route::parse_pattern)]
    pub routes: Vec<crate::route::Pattern>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `rum-collector COMMAND`: tools run against a collector instead of serving.
#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Source maps: `rum-collector sourcemaps upload --collector URL --release V --url-prefix P DIR`.
    Sourcemaps {
        #[command(subcommand)]
        action: crate::sourcemap::cli::Action,
    },
    /// Service level objectives: `slo rules` prints a Prometheus rule file.
    #[command(subcommand)]
    Slo(crate::slo::rules::SloCommand),
}

#[derive(Debug, Clone, PartialEq)]
pub struct StaticMount {
    /// "/" or "/prefix" (no trailing slash).
    pub prefix: String,
    pub dir: PathBuf,
}

/// `https://shop.example`, `http://127.0.0.1:8080` or `*`: what browsers send in `Origin`.
fn parse_origin(s: &str) -> Result<String, String> {
    let o = s.trim().trim_end_matches('/');
    if o == "*" {
        return Ok(o.into());
    }
    let rest = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains('/') => Ok(o.to_ascii_lowercase()),
        _ => Err(format!("{s:?} is not an origin: expected scheme://host[:port], e.g. https://shop.example")),
    }
}

fn parse_static(s: &str) -> Result<StaticMount, String> {
    let (prefix, dir) = match s.split_once('=') {
        Some((p, d)) if p.starts_with('/') => (p.trim_end_matches('/').to_string(), d),
        Some((p, _)) => return Err(format!("prefix {p:?} must start with '/' (e.g. /demo=www/demo)")),
        None => (String::new(), s),
    };
    if dir.is_empty() {
        return Err("empty directory".into());
    }
    let prefix = if prefix.is_empty() { "/".to_string() } else { prefix };
    if ["/api", "/collect", "/dashboard", "/healthz", "/metrics", "/faro"].iter().any(|r| prefix == *r) {
        return Err(format!("prefix {prefix} is reserved for the collector's own routes"));
    }
    Ok(StaticMount { prefix, dir: PathBuf::from(dir) })
}

/// `10s`, `500ms`, `90d` (or plain milliseconds): a positive duration in ms.
pub fn parse_duration_ms(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let ms = match t.parse::<i64>() {
        Ok(n) => n,
        Err(_) => humantime::parse_duration(t)
            .map_err(|e| format!("{s:?}: {e} (e.g. 10s, 500ms, 90d)"))
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))?,
    };
    if ms <= 0 {
        return Err("must be above zero".into());
    }
    Ok(ms)
}

/// `1048576`, `512KiB`, `1MiB`, `2MB` (MB/KB are read as MiB/KiB).
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: usize = num.parse().map_err(|_| format!("{s:?} is not a size (e.g. 1048576, 512KiB, 1MiB)"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (use KiB or MiB)")),
    };
    let v = n.checked_mul(mult).ok_or_else(|| format!("{s:?} is too large"))?;
    if v == 0 {
        return Err("must be above zero".into());
    }
    Ok(v)
}

impl Config {
    /// Defaults for tests and embedding: a database at `db`, port 0.
    pub fn for_db(db: impl Into<PathBuf>) -> Config {
        let mut c = Config::parse_from(["rum-collector", "--listen", "127.0.0.1:0"]);
        c.db = db.into();
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("512KiB"), Ok(512 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("1GiB").is_err());
        assert!(parse_size("x").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn statics() {
        assert_eq!(parse_static("www").unwrap(), StaticMount { prefix: "/".into(), dir: "www".into() });
        assert_eq!(parse_static("/pkg/=pkg").unwrap(), StaticMount { prefix: "/pkg".into(), dir: "pkg".into() });
        assert!(parse_static("pkg=pkg").is_err());
        assert!(parse_static("/api=x").is_err());
    }

    #[test]
    fn origins() {
        assert_eq!(parse_origin("https://Shop.example/"), Ok("https://shop.example".into()));
        assert_eq!(parse_origin("*"), Ok("*".into()));
        assert!(parse_origin("shop.example").is_err());
        assert!(parse_origin("https://shop.example/path").is_err());
    }

    #[test]
    fn trust_proxy_flag() {
        let c = Config::parse_from(["x", "--trust-proxy"]);
        assert_eq!(c.trust_proxy, Some(1));
        let c = Config::parse_from(["x", "--trust-proxy", "2"]);
        assert_eq!(c.trust_proxy, Some(2));
        let c = Config::parse_from(["x"]);
        assert_eq!(c.trust_proxy, None);
    }
}
