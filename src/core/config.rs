//! Configuration: read from a plain value tree (the browser edge walks the JS
//! object into a `Value` with `Reflect`; serde-wasm-bindgen would cost 16 KB
//! brotli) and validated here, so every rule and every message is host-tested.
//!
//! Every error names the field and what was expected, e.g.
//! `rum-agent: config.url must be an absolute http(s) URL, got "collector"`.

#[allow(unused_imports)]
use crate::prelude::*;

use super::json::{write_f64, write_str};

/// A JS value as the config reader sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Undefined,
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Value>),
    Obj(Vec<(String, Value)>),
    /// A RegExp: the edge keeps the object itself and tests with it; the
    /// core only needs its source for messages.
    RegExp(String),
    Func,
    /// Anything else (symbol, bigint, class instance…), with its type name.
    Other(String),
}

impl Value {
    fn get(&self, key: &str) -> &Value {
        if let Value::Obj(fields) = self {
            if let Some((_, v)) = fields.iter().find(|(k, _)| k == key) {
                return v;
            }
        }
        &Value::Undefined
    }
}

/// `ignoreUrls` / `ignoreErrors` entries: strings match as substrings,
/// RegExps are tested by the edge (index into its list of RegExp objects).
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    Sub(String),
    Regex(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Native,
    Faro,
    Otlp,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Native => "native",
            Format::Faro => "faro",
            Format::Otlp => "otlp",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub url: String,
    pub app_name: String,
    pub app_version: String,
    pub app_environment: String,
    pub sample_rate: f64,
    pub max_events: u32,
    pub max_bytes: u32,
    pub flush_interval_ms: u32,
    pub max_queue_events: u32,
    pub ignore_urls: Vec<Pattern>,
    pub ignore_errors: Vec<Pattern>,
    /// beforeSend is a function the edge holds; the core knows only whether it is set.
    pub before_send: bool,
    pub scrub_params: Vec<String>,
    pub format: Format,
    pub report_all_changes: bool,
    /// Each soft navigation starts a page view (where the browser has the
    /// Soft Navigation API).
    pub soft_navigations: bool,
    pub max_resources: u32,
    pub max_errors: u32,
    /// Origins (or URL prefixes) whose requests get a W3C `traceparent`.
    /// Empty list = same origin only (the default; see README).
    pub trace_origins: Vec<Pattern>,
    /// HTTP statuses at or above this count as errors (500 by default; 400 to include 4xx).
    pub http_error_status: u32,
    /// Server-Timing entry that holds the server's own time (`total`, then `app`, by default).
    pub server_timing_name: String,
    pub persist: bool,
    /// User actions (clicks, activating keys, submits) are reported.
    pub actions: bool,
    /// `actionNames: 'data-only'`: actions are named only by `data-rum-name`
    /// (never by the page's text, labels or titles).
    pub action_names_data_only: bool,
}

/// Query parameter names whose values are redacted from every URL we send.
/// Matched as case-insensitive substrings: over-redacting `monkey` is a far
/// smaller harm than leaking `x-api-key`.
pub const DEFAULT_SCRUB: &[&str] = &[
    "token",
    "key",
    "password",
    "passwd",
    "pwd",
    "secret",
    "auth",
    "session",
    "code",
    "sig",
    "signature",
    "jwt",
    "credential",
    "private",
    "otp",
    "ticket",
    "email",
    "ssn",
];

impl Default for Config {
    fn default() -> Self {
        Config {
            url: String::new(),
            app_name: String::new(),
            app_version: String::new(),
            app_environment: String::new(),
            sample_rate: 1.0,
            max_events: 50,
            max_bytes: 32_000,
            flush_interval_ms: 10_000,
            max_queue_events: 500,
            ignore_urls: Vec::new(),
            ignore_errors: Vec::new(),
            before_send: false,
            scrub_params: DEFAULT_SCRUB.iter().map(|s| (*s).to_string()).collect(),
            format: Format::Native,
            report_all_changes: false,
            soft_navigations: true,
            max_resources: 150,
            max_errors: 100,
            trace_origins: Vec::new(),
            http_error_status: 500,
            server_timing_name: String::new(),
            persist: true,
            actions: true,
            action_names_data_only: false,
        }
    }
}

/// Limits the `batch.maxBytes` range: a beacon body must stay under the
/// 64 KiB keepalive quota with room for the envelope.
pub const MAX_REQUEST_BYTES: u32 = 60_000;

const KNOWN_TOP: &[&str] = &[
    "url",
    "app",
    "sampleRate",
    "batch",
    "maxQueueEvents",
    "ignoreUrls",
    "ignoreErrors",
    "beforeSend",
    "scrubParams",
    "format",
    "reportAllChanges",
    "softNavigations",
    "maxResources",
    "maxErrors",
    "tracePropagationTargets",
    "httpErrorStatus",
    "serverTimingName",
    "persist",
    "actions",
    "actionNames",
];
const KNOWN_APP: &[&str] = &["name", "version", "environment"];
const KNOWN_BATCH: &[&str] = &["maxEvents", "maxBytes", "flushIntervalMs"];

/// `format: 'faro'` on a build without the Faro encoder: which build has it.
/// Each format is its own build so the default download carries none.
pub fn format_not_built(name: &str) -> String {
    [
        "rum-agent: config.format '",
        name,
        "' is not in this build of the agent: load rum-agent/",
        name,
        " (the package's ",
        name,
        "/rum.js) instead of rum.js",
    ]
    .concat()
}

/// `actions: true` on a build without user actions: which build has them.
pub fn feature_not_built(field: &str, build: &str) -> String {
    [
        "rum-agent: config.",
        field,
        " needs the ",
        build,
        " build of the agent: load rum-agent/",
        build,
        " (the package's ",
        build,
        "/rum.js) instead of rum.js",
    ]
    .concat()
}

pub fn error_message(field: &str, expected: &str, got: &Value) -> String {
    let mut m = String::with_capacity(96);
    m.push_str("rum-agent: config.");
    m.push_str(field);
    m.push_str(" must be ");
    m.push_str(expected);
    m.push_str(", got ");
    describe(&mut m, got);
    m
}

fn describe(m: &mut String, v: &Value) {
    match v {
        Value::Undefined => m.push_str("undefined"),
        Value::Null => m.push_str("null"),
        Value::Bool(b) => m.push_str(if *b { "true" } else { "false" }),
        Value::Num(n) => write_f64(m, *n, 6),
        Value::Str(s) => write_str(m, super::attrs::truncate(s, 80)),
        Value::Arr(_) => m.push_str("an array"),
        Value::Obj(_) => m.push_str("an object"),
        Value::RegExp(s) => {
            m.push('/');
            m.push_str(super::attrs::truncate(s, 80));
            m.push('/');
        }
        Value::Func => m.push_str("a function"),
        Value::Other(t) => {
            m.push_str("a ");
            m.push_str(t);
        }
    }
}

fn check_known(obj: &Value, prefix: &str, known: &[&str]) -> Result<(), String> {
    if let Value::Obj(fields) = obj {
        for (k, _) in fields {
            if !known.contains(&k.as_str()) {
                let mut m = String::from("rum-agent: config.");
                m.push_str(prefix);
                m.push_str(k);
                m.push_str(" is not a known option (see the README's config table)");
                return Err(m);
            }
        }
    }
    Ok(())
}

/// True for `http://host…` / `https://host…` with a non-empty host.
pub fn is_absolute_http_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        s.get(8..)
    } else if lower.starts_with("http://") {
        s.get(7..)
    } else {
        None
    };
    match rest {
        Some(r) => {
            let host_end = r.find(['/', '?', '#']).unwrap_or(r.len());
            let host = r.get(..host_end).unwrap_or("");
            !host.is_empty() && !host.starts_with(':') && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn opt_str(v: &Value, field: &str) -> Result<String, String> {
    match v {
        Value::Undefined | Value::Null => Ok(String::new()),
        Value::Str(s) => Ok(s.clone()),
        other => Err(error_message(field, "a string", other)),
    }
}

fn opt_uint(v: &Value, field: &str, min: u32, max: u32, default: u32) -> Result<u32, String> {
    match v {
        Value::Undefined | Value::Null => Ok(default),
        Value::Num(n) if super::json::is_integer(*n) && *n >= f64::from(min) && *n <= f64::from(max) => {
            Ok(u32::try_from(super::json::f64_to_u64(*n)).unwrap_or(default))
        }
        other => {
            let mut exp = String::from("an integer from ");
            super::json::write_u64(&mut exp, u64::from(min));
            exp.push_str(" to ");
            super::json::write_u64(&mut exp, u64::from(max));
            Err(error_message(field, &exp, other))
        }
    }
}

fn opt_bool(v: &Value, field: &str, default: bool) -> Result<bool, String> {
    match v {
        Value::Undefined | Value::Null => Ok(default),
        Value::Bool(b) => Ok(*b),
        other => Err(error_message(field, "true or false", other)),
    }
}

/// Reads `ignoreUrls`-style lists; returns patterns (RegExps numbered in order).
fn patterns(v: &Value, field: &str) -> Result<Vec<Pattern>, String> {
    let items = match v {
        Value::Undefined | Value::Null => return Ok(Vec::new()),
        Value::Arr(items) => items,
        other => return Err(error_message(field, "an array of strings or RegExps", other)),
    };
    let mut out = Vec::with_capacity(items.len());
    let mut regex_index = 0;
    for item in items {
        match item {
            Value::Str(s) if !s.is_empty() => out.push(Pattern::Sub(s.clone())),
            Value::RegExp(_) => {
                out.push(Pattern::Regex(regex_index));
                regex_index += 1;
            }
            other => {
                let mut f = String::from(field);
                f.push_str("[]");
                return Err(error_message(&f, "a non-empty string or a RegExp", other));
            }
        }
    }
    Ok(out)
}

/// Validates a config object. `Err` carries the message for the TypeError.
pub fn parse(v: &Value) -> Result<Config, String> {
    if !matches!(v, Value::Obj(_)) {
        let mut m = String::from("rum-agent: config must be an object like { url, app: { name } }, got ");
        describe(&mut m, v);
        return Err(m);
    }
    check_known(v, "", KNOWN_TOP)?;
    let mut c = Config::default();

    match v.get("url") {
        Value::Str(s) if is_absolute_http_url(s) => c.url = s.clone(),
        other => return Err(error_message("url", "an absolute http(s) URL", other)),
    }

    let app = v.get("app");
    match app {
        Value::Obj(_) => check_known(app, "app.", KNOWN_APP)?,
        other => return Err(error_message("app", "an object with a name, like { name: 'shop' }", other)),
    }
    match app.get("name") {
        Value::Str(s) if !s.trim().is_empty() => c.app_name = s.clone(),
        other => return Err(error_message("app.name", "a non-empty string", other)),
    }
    c.app_version = opt_str(app.get("version"), "app.version")?;
    c.app_environment = opt_str(app.get("environment"), "app.environment")?;

    match v.get("sampleRate") {
        Value::Undefined | Value::Null => {}
        Value::Num(n) if (0.0..=1.0).contains(n) => c.sample_rate = *n,
        other => return Err(error_message("sampleRate", "a number from 0 to 1", other)),
    }

    let batch = v.get("batch");
    match batch {
        Value::Undefined | Value::Null => {}
        Value::Obj(_) => check_known(batch, "batch.", KNOWN_BATCH)?,
        other => return Err(error_message("batch", "an object", other)),
    }
    c.max_events = opt_uint(batch.get("maxEvents"), "batch.maxEvents", 1, 1000, c.max_events)?;
    c.max_bytes = opt_uint(batch.get("maxBytes"), "batch.maxBytes", 1000, MAX_REQUEST_BYTES, c.max_bytes)?;
    c.flush_interval_ms =
        opt_uint(batch.get("flushIntervalMs"), "batch.flushIntervalMs", 100, 600_000, c.flush_interval_ms)?;
    c.max_queue_events = opt_uint(v.get("maxQueueEvents"), "maxQueueEvents", 10, 10_000, c.max_queue_events)?;
    c.max_resources = opt_uint(v.get("maxResources"), "maxResources", 0, 1000, c.max_resources)?;
    c.max_errors = opt_uint(v.get("maxErrors"), "maxErrors", 0, 1000, c.max_errors)?;
    c.http_error_status = opt_uint(v.get("httpErrorStatus"), "httpErrorStatus", 400, 599, c.http_error_status)?;

    c.ignore_urls = patterns(v.get("ignoreUrls"), "ignoreUrls")?;
    c.ignore_errors = patterns(v.get("ignoreErrors"), "ignoreErrors")?;
    c.trace_origins = patterns(v.get("tracePropagationTargets"), "tracePropagationTargets")?;
    if !cfg!(feature = "traceparent") && !matches!(v.get("tracePropagationTargets"), Value::Undefined | Value::Null) {
        return Err(feature_not_built("tracePropagationTargets", "full"));
    }

    match v.get("beforeSend") {
        Value::Undefined | Value::Null => {}
        Value::Func => c.before_send = true,
        other => return Err(error_message("beforeSend", "a function (event) => event | null", other)),
    }

    match v.get("scrubParams") {
        Value::Undefined | Value::Null => {}
        Value::Arr(items) => {
            let mut names = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::Str(s) if !s.is_empty() => names.push(s.to_ascii_lowercase()),
                    other => return Err(error_message("scrubParams[]", "a non-empty string", other)),
                }
            }
            c.scrub_params = names;
        }
        other => return Err(error_message("scrubParams", "an array of query parameter names", other)),
    }

    match v.get("format") {
        Value::Undefined | Value::Null => {}
        Value::Str(s) if s == "native" => c.format = Format::Native,
        Value::Str(s) if s == "faro" || s == "otlp" => {
            let (f, built) = if s == "faro" {
                (Format::Faro, cfg!(feature = "faro"))
            } else {
                (Format::Otlp, cfg!(feature = "otlp"))
            };
            if !built {
                return Err(format_not_built(f.name()));
            }
            c.format = f;
        }
        other => return Err(error_message("format", "one of 'native', 'faro', 'otlp'", other)),
    }
    c.report_all_changes = opt_bool(v.get("reportAllChanges"), "reportAllChanges", false)?;
    c.soft_navigations = opt_bool(v.get("softNavigations"), "softNavigations", true)?;
    c.persist = opt_bool(v.get("persist"), "persist", true)?;
    c.server_timing_name = opt_str(v.get("serverTimingName"), "serverTimingName")?;
    c.actions = opt_bool(v.get("actions"), "actions", cfg!(feature = "actions"))?;
    if c.actions && !cfg!(feature = "actions") {
        return Err(feature_not_built("actions", "full"));
    }
    match v.get("actionNames") {
        Value::Undefined | Value::Null => {}
        Value::Str(s) if s == "auto" => {}
        Value::Str(s) if s == "data-only" => c.action_names_data_only = true,
        other => return Err(error_message("actionNames", "'auto' or 'data-only'", other)),
    }
    Ok(c)
}

/// The script tag's `data-*` attributes (as `dataset` names them) to a config
/// tree: `data-app-name` → `app.name`, `data-sample-rate="0.5"` → 0.5, …
/// `parse_num` is the edge's number parser (JS `Number`): Rust's float parser
/// would add kilobytes to the wasm for this one use.
pub fn from_dataset(pairs: &[(String, String)], parse_num: &dyn Fn(&str) -> Option<f64>) -> Value {
    let mut top: Vec<(String, Value)> = Vec::new();
    let mut app: Vec<(String, Value)> = Vec::new();
    let mut batch: Vec<(String, Value)> = Vec::new();
    for (k, raw) in pairs {
        // `data-src`: where the loader snippet finds rum.js, not a config key.
        if k == "src" {
            continue;
        }
        let num = || parse_num(raw.trim()).map_or_else(|| Value::Str(raw.clone()), Value::Num);
        match k.as_str() {
            "appName" => app.push(("name".into(), Value::Str(raw.clone()))),
            "appVersion" => app.push(("version".into(), Value::Str(raw.clone()))),
            "appEnvironment" => app.push(("environment".into(), Value::Str(raw.clone()))),
            "maxEvents" => batch.push(("maxEvents".into(), num())),
            "maxBytes" => batch.push(("maxBytes".into(), num())),
            "flushIntervalMs" => batch.push(("flushIntervalMs".into(), num())),
            "sampleRate" | "maxQueueEvents" | "maxResources" | "maxErrors" | "httpErrorStatus" => {
                top.push((k.clone(), num()))
            }
            "reportAllChanges" | "persist" | "actions" | "softNavigations" => {
                top.push((k.clone(), Value::Bool(raw != "false")))
            }
            "ignoreUrls" | "ignoreErrors" | "scrubParams" | "tracePropagationTargets" => {
                let items = raw.split(',').map(str::trim).filter(|s| !s.is_empty());
                top.push((k.clone(), Value::Arr(items.map(|s| Value::Str(s.to_string())).collect())))
            }
            _ => top.push((k.clone(), Value::Str(raw.clone()))),
        }
    }
    top.push(("app".into(), Value::Obj(app)));
    if !batch.is_empty() {
        top.push(("batch".into(), Value::Obj(batch)));
    }
    Value::Obj(top)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::Str(v.into())
    }
    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Obj(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }
    fn base(extra: &[(&str, Value)]) -> Value {
        let mut pairs = vec![
            ("url", s("https://collector.example/collect")),
            ("app", obj(&[("name", s("shop")), ("version", s("1.4.2")), ("environment", s("prod"))])),
        ];
        pairs.extend(extra.iter().cloned());
        obj(&pairs)
    }
    fn err(v: Value) -> String {
        parse(&v).unwrap_err()
    }

    #[test]
    fn valid_minimal_config_gets_defaults() {
        let c = parse(&base(&[])).unwrap();
        assert_eq!(c.url, "https://collector.example/collect");
        assert_eq!(c.app_name, "shop");
        assert_eq!(c.app_version, "1.4.2");
        assert_eq!(c.app_environment, "prod");
        assert_eq!(c.sample_rate, 1.0);
        assert_eq!(c.format, Format::Native);
        assert_eq!(c.max_events, 50);
    }

    #[test]
    fn trace_propagation_targets_need_the_traceparent_build() {
        let targets = Value::Arr(vec![s("https://api.example")]);
        let r = parse(&base(&[("tracePropagationTargets", targets)]));
        if cfg!(feature = "traceparent") {
            assert_eq!(r.unwrap().trace_origins, vec![Pattern::Sub("https://api.example".into())]);
        } else {
            assert_eq!(
                r.unwrap_err(),
                "rum-agent: config.tracePropagationTargets needs the full build of the agent: load rum-agent/full (the package's full/rum.js) instead of rum.js"
            );
        }
        // A bad value is named as such in every build.
        assert_eq!(
            err(base(&[("tracePropagationTargets", s("x"))])),
            r#"rum-agent: config.tracePropagationTargets must be an array of strings or RegExps, got "x""#
        );
    }

    #[test]
    fn actions_and_their_names() {
        let c = parse(&base(&[])).unwrap();
        assert_eq!(c.actions, cfg!(feature = "actions"), "on where built");
        assert!(!c.action_names_data_only);
        let r = parse(&base(&[("actions", Value::Bool(true))]));
        if cfg!(feature = "actions") {
            assert!(r.unwrap().actions);
        } else {
            assert_eq!(
                r.unwrap_err(),
                "rum-agent: config.actions needs the full build of the agent: load rum-agent/full (the package's full/rum.js) instead of rum.js"
            );
        }
        let c = parse(&base(&[("actions", Value::Bool(false)), ("actionNames", s("data-only"))])).unwrap();
        assert!(!c.actions && c.action_names_data_only);
        assert!(!parse(&base(&[("actionNames", s("auto"))])).unwrap().action_names_data_only);
        assert_eq!(
            err(base(&[("actionNames", s("text"))])),
            r#"rum-agent: config.actionNames must be 'auto' or 'data-only', got "text""#
        );
        assert_eq!(err(base(&[("actions", s("no"))])), r#"rum-agent: config.actions must be true or false, got "no""#);
        let v = from_dataset(&[("actions".into(), "false".into())], &|_| None);
        assert_eq!(v.get("actions"), &Value::Bool(false));
    }

    #[test]
    fn formats_need_their_build() {
        for (name, built, f) in
            [("faro", cfg!(feature = "faro"), Format::Faro), ("otlp", cfg!(feature = "otlp"), Format::Otlp)]
        {
            let r = parse(&base(&[("format", s(name))]));
            if built {
                assert_eq!(r.unwrap().format, f);
            } else {
                let e = r.unwrap_err();
                assert!(e.contains("config.format") && e.contains(&format!("rum-agent/{name}")), "{e}");
            }
        }
    }

    #[test]
    fn url_errors_name_the_field() {
        let v = obj(&[("url", s("collector")), ("app", obj(&[("name", s("x"))]))]);
        assert_eq!(err(v), r#"rum-agent: config.url must be an absolute http(s) URL, got "collector""#);
        let v = obj(&[("app", obj(&[("name", s("x"))]))]);
        assert_eq!(err(v), "rum-agent: config.url must be an absolute http(s) URL, got undefined");
        for bad in ["ftp://x/y", "https://", "http:///path", "//host/collect", "https://a b/c"] {
            let v = obj(&[("url", s(bad)), ("app", obj(&[("name", s("x"))]))]);
            assert!(err(v).starts_with("rum-agent: config.url must be"), "{bad}");
        }
        for good in ["http://127.0.0.1:8787/collect", "HTTPS://Example.com", "https://h?x=1"] {
            let v = obj(&[("url", s(good)), ("app", obj(&[("name", s("x"))]))]);
            assert!(parse(&v).is_ok(), "{good}");
        }
    }

    #[test]
    fn each_bad_field_has_its_message() {
        let cases: Vec<(Value, &str)> = vec![
            (Value::Null, "rum-agent: config must be an object like { url, app: { name } }, got null"),
            (
                obj(&[("url", s("https://c.example/"))]),
                "rum-agent: config.app must be an object with a name, like { name: 'shop' }, got undefined",
            ),
            (
                obj(&[("url", s("https://c.example/")), ("app", obj(&[("name", s(" "))]))]),
                r#"rum-agent: config.app.name must be a non-empty string, got " ""#,
            ),
            (
                obj(&[
                    ("url", s("https://c.example/")),
                    ("app", obj(&[("name", s("a")), ("version", Value::Num(2.0))])),
                ]),
                "rum-agent: config.app.version must be a string, got 2",
            ),
            (
                base(&[("sampleRate", Value::Num(1.5))]),
                "rum-agent: config.sampleRate must be a number from 0 to 1, got 1.5",
            ),
            (
                base(&[("sampleRate", s("0.5"))]),
                r#"rum-agent: config.sampleRate must be a number from 0 to 1, got "0.5""#,
            ),
            (
                base(&[("batch", obj(&[("maxEvents", Value::Num(0.0))]))]),
                "rum-agent: config.batch.maxEvents must be an integer from 1 to 1000, got 0",
            ),
            (
                base(&[("batch", obj(&[("maxBytes", Value::Num(100_000.0))]))]),
                "rum-agent: config.batch.maxBytes must be an integer from 1000 to 60000, got 100000",
            ),
            (
                base(&[("batch", obj(&[("flushIntervalMs", Value::Num(1.5))]))]),
                "rum-agent: config.batch.flushIntervalMs must be an integer from 100 to 600000, got 1.5",
            ),
            (
                base(&[("maxQueueEvents", Value::Bool(true))]),
                "rum-agent: config.maxQueueEvents must be an integer from 10 to 10000, got true",
            ),
            (
                base(&[("ignoreUrls", s("x"))]),
                r#"rum-agent: config.ignoreUrls must be an array of strings or RegExps, got "x""#,
            ),
            (
                base(&[("ignoreErrors", Value::Arr(vec![Value::Num(3.0)]))]),
                "rum-agent: config.ignoreErrors[] must be a non-empty string or a RegExp, got 3",
            ),
            (
                base(&[("beforeSend", s("fn"))]),
                r#"rum-agent: config.beforeSend must be a function (event) => event | null, got "fn""#,
            ),
            (
                base(&[("format", s("zipkin"))]),
                r#"rum-agent: config.format must be one of 'native', 'faro', 'otlp', got "zipkin""#,
            ),
            (
                base(&[("scrubParams", Value::Arr(vec![Value::Null]))]),
                "rum-agent: config.scrubParams[] must be a non-empty string, got null",
            ),
            (
                base(&[("reportAllChanges", s("yes"))]),
                r#"rum-agent: config.reportAllChanges must be true or false, got "yes""#,
            ),
            (
                base(&[("softNavigations", s("no"))]),
                r#"rum-agent: config.softNavigations must be true or false, got "no""#,
            ),
            (
                base(&[("sampelRate", Value::Num(1.0))]),
                "rum-agent: config.sampelRate is not a known option (see the README's config table)",
            ),
            (
                base(&[("batch", obj(&[("size", Value::Num(1.0))]))]),
                "rum-agent: config.batch.size is not a known option (see the README's config table)",
            ),
            (
                obj(&[("url", s("https://c.example/")), ("app", obj(&[("name", s("a")), ("release", s("1"))]))]),
                "rum-agent: config.app.release is not a known option (see the README's config table)",
            ),
        ];
        for (v, msg) in cases {
            assert_eq!(err(v), msg);
        }
    }

    #[test]
    fn patterns_keep_regex_order() {
        let c = parse(&base(&[(
            "ignoreUrls",
            Value::Arr(vec![s("/health"), Value::RegExp("^x".into()), Value::RegExp("y$".into())]),
        )]))
        .unwrap();
        assert_eq!(c.ignore_urls, vec![Pattern::Sub("/health".into()), Pattern::Regex(0), Pattern::Regex(1)]);
    }

    #[test]
    fn dataset_maps_to_config() {
        let ds: Vec<(String, String)> = [
            ("url", "http://127.0.0.1:8787/collect"),
            ("appName", "shop"),
            ("appVersion", "1.0"),
            ("sampleRate", "0.25"),
            ("flushIntervalMs", "2000"),
            ("ignoreUrls", "/a, /b"),
            ("softNavigations", "false"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let num = |s: &str| s.parse::<f64>().ok();
        let c = parse(&from_dataset(&ds, &num)).unwrap();
        assert_eq!(c.app_name, "shop");
        assert_eq!(c.sample_rate, 0.25);
        assert_eq!(c.flush_interval_ms, 2000);
        assert_eq!(c.ignore_urls, vec![Pattern::Sub("/a".into()), Pattern::Sub("/b".into())]);
        assert!(!c.soft_navigations, "data-soft-navigations=\"false\" opts out");
        assert!(parse(&from_dataset(&ds[..2], &num)).unwrap().soft_navigations, "on by default");
        let bad = from_dataset(&[("url".into(), "x".into())], &num);
        assert!(parse(&bad).unwrap_err().contains("config.url"));
    }
}
