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
    /// A RegExp: the edge keeps the object itself and tests with it (its
    /// number among the config's RegExps); the core needs the source only
    /// for messages.
    RegExp(String, usize),
    Func,
    /// Anything else (a symbol, a bigint, an object nested too deep), as
    /// the message names it.
    Other(&'static str),
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
/// RegExps are tested by the edge (`Value::RegExp`'s number: the index into
/// its list of the config's RegExp objects).
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

/// Limits the `batch.maxBytes` range: a beacon body must stay under the
/// 64 KiB keepalive quota with room for the envelope.
pub const MAX_REQUEST_BYTES: u32 = 60_000;

/// Every config field, one a line: its path (`batch.maxEvents`), a space,
/// its kind (one letter) and the kind's arguments, then `:` and the
/// message's words for what it must be:
/// - `U` required absolute http(s) URL, `N` required string with more than
///   spaces, `S` string, `B` true or false, `F` function;
/// - `I<min> <max>` integer, `R<min> <max>` number;
/// - `E<name> <name>…` one of these strings;
/// - `L` array of non-empty strings or RegExps, `l` of non-empty strings;
/// - `O` required object, `o` object: holding the fields `<its path>.<key>`.
///
/// Every field but `U`, `N`, `O` is optional (`undefined` or `null` reads
/// as its default). The one validation loop in `parse` reads this table;
/// it is also the list of known keys, and says how a script tag's `data-*`
/// value converts. Text, not a table of structs: no pointers or float
/// constants in the data, which brotli packs far better (`cargo xtask size`).
const FIELDS: &str = concat!(
    "url U:an absolute http(s) URL\n",
    "app O:an object with a name, like { name: 'shop' }\n",
    "app.name N:a non-empty string\n",
    "app.version S:a string\n",
    "app.environment S:a string\n",
    "sampleRate R0 1:a number from 0 to 1\n",
    "batch o:an object\n",
    "batch.maxEvents I1 1000:an integer from 1 to 1000\n",
    "batch.maxBytes I1000 60000:an integer from 1000 to 60000\n",
    "batch.flushIntervalMs I100 600000:an integer from 100 to 600000\n",
    "maxQueueEvents I10 10000:an integer from 10 to 10000\n",
    "maxResources I0 1000:an integer from 0 to 1000\n",
    "maxErrors I0 1000:an integer from 0 to 1000\n",
    "httpErrorStatus I400 599:an integer from 400 to 599\n",
    "ignoreUrls L:an array of strings or RegExps\n",
    "ignoreErrors L:an array of strings or RegExps\n",
    "tracePropagationTargets L:an array of strings or RegExps\n",
    "beforeSend F:a function (event) => event | null\n",
    "scrubParams l:an array of query parameter names\n",
    "format Enative faro otlp:one of 'native', 'faro', 'otlp'\n",
    "reportAllChanges B:true or false\n",
    "softNavigations B:true or false\n",
    "persist B:true or false\n",
    "serverTimingName S:a string\n",
    "actions B:true or false\n",
    "actionNames Eauto data-only:'auto' or 'data-only'",
);

/// One line of `FIELDS`.
struct Field<'a> {
    path: &'a str,
    kind: u8,
    args: &'a str,
    words: &'a str,
}

fn fields() -> impl Iterator<Item = Field<'static>> {
    FIELDS.split('\n').filter_map(|line| {
        let (path, rest) = line.split_once(' ')?;
        let (args, words) = rest.get(1..)?.split_once(':')?;
        Some(Field { path, kind: *rest.as_bytes().first()?, args, words })
    })
}

/// `"600000"` → 600000.0 (the table's own digits only).
fn number(digits: &str) -> f64 {
    digits.bytes().fold(0.0, |n, b| n * 10.0 + f64::from(b.wrapping_sub(b'0')))
}

/// `format: 'faro'`, `actions: true`… on a build without them: which
/// build has them (each format is its own build, so the default download
/// carries none; the extras are in `full`).
fn not_built(field: &str, build: &str) -> String {
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

/// `rum-agent: config.<path><suffix> must be <expected>, got <got>` (the
/// root, path "", is `config`); `expected`: these words, else the field's.
fn error(f: &Field, suffix: &str, expected: &str, got: &Value) -> String {
    let mut m = String::from("rum-agent: config");
    if !f.path.is_empty() {
        m.push('.');
    }
    m.push_str(f.path);
    m.push_str(suffix);
    m.push_str(" must be ");
    m.push_str(if expected.is_empty() { f.words } else { expected });
    m.push_str(", got ");
    match got {
        Value::Undefined => m.push_str("undefined"),
        Value::Null => m.push_str("null"),
        Value::Bool(b) => m.push_str(if *b { "true" } else { "false" }),
        Value::Num(n) => write_f64(&mut m, *n, 6),
        Value::Str(s) => write_str(&mut m, super::attrs::truncate(s, 80)),
        Value::Arr(_) => m.push_str("an array"),
        Value::Obj(_) => m.push_str("an object"),
        Value::RegExp(s, _) => {
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
    m
}

/// True for `http://host…` / `https://host…` with a non-empty host.
pub fn is_absolute_http_url(s: &str) -> bool {
    // Byte tests: a `char`-set `find` and a lowercased copy are code of their own.
    let scheme = |p: &str| s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    let rest = if scheme("https://") {
        s.get(8..)
    } else if scheme("http://") {
        s.get(7..)
    } else {
        None
    };
    let Some(r) = rest else { return false };
    let host_end = r.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(r.len());
    let host = r.get(..host_end).unwrap_or("");
    !host.is_empty() && !host.starts_with(':') && !s.chars().any(char::is_whitespace)
}

/// The value at `path` (`url`, `batch.maxEvents`), `Undefined` when absent.
fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    match path.bytes().position(|b| b == b'.') {
        Some(i) => v.get(path.get(..i).unwrap_or("")).get(path.get(i + 1..).unwrap_or("")),
        None => v.get(path),
    }
}

/// Every key of `obj` (the object at `path`) is a field of the table.
fn check_known(obj: &Value, path: &str) -> Result<(), String> {
    if let Value::Obj(fields) = obj {
        for (k, _) in fields {
            let known = self::fields().any(|f| {
                let rest = if path.is_empty() {
                    Some(f.path)
                } else {
                    f.path.strip_prefix(path).and_then(|r| r.strip_prefix("."))
                };
                rest == Some(k.as_str())
            });
            if !known {
                let mut m = String::from("rum-agent: config.");
                if !path.is_empty() {
                    m.push_str(path);
                    m.push('.');
                }
                m.push_str(k);
                m.push_str(" is not a known option (see the README's config table)");
                return Err(m);
            }
        }
    }
    Ok(())
}

/// Checks one field of the table.
fn check(v: &Value, f: &Field) -> Result<(), String> {
    let got = at(v, f.path);
    let ok = match got {
        Value::Undefined | Value::Null => !matches!(f.kind, b'U' | b'N' | b'O'),
        Value::Str(s) => match f.kind {
            b'U' => is_absolute_http_url(s),
            b'N' => !s.trim().is_empty(),
            b'S' => true,
            b'E' => f.args.split(' ').any(|name| name == s),
            _ => false,
        },
        Value::Bool(_) => f.kind == b'B',
        Value::Num(n) => {
            let (lo, hi) = f.args.split_once(' ').unwrap_or_default();
            matches!(f.kind, b'I' | b'R')
                && *n >= number(lo)
                && *n <= number(hi)
                && (f.kind == b'R' || super::json::is_integer(*n))
        }
        Value::Func => f.kind == b'F',
        Value::Obj(_) if matches!(f.kind, b'O' | b'o') => {
            check_known(got, f.path)?;
            true
        }
        Value::Arr(items) if matches!(f.kind, b'L' | b'l') => {
            let regex = f.kind == b'L';
            for item in items {
                match item {
                    Value::Str(s) if !s.is_empty() => {}
                    Value::RegExp(..) if regex => {}
                    other => {
                        let expected = if regex { "a non-empty string or a RegExp" } else { "a non-empty string" };
                        return Err(error(f, "[]", expected, other));
                    }
                }
            }
            true
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(error(f, "", "", got))
    }
}

fn string(v: &Value, path: &str) -> String {
    match at(v, path) {
        Value::Str(s) => s.clone(),
        _ => String::new(),
    }
}

fn uint(v: &Value, path: &str, default: u32) -> u32 {
    match at(v, path) {
        Value::Num(n) => u32::try_from(super::json::f64_to_u64(*n)).unwrap_or(default),
        _ => default,
    }
}

fn flag(v: &Value, path: &str, default: bool) -> bool {
    match at(v, path) {
        Value::Bool(b) => *b,
        _ => default,
    }
}

fn is(v: &Value, path: &str, s: &str) -> bool {
    matches!(at(v, path), Value::Str(x) if x == s)
}

/// `ignoreUrls`-style lists (checked: strings and RegExps only).
fn patterns(v: &Value, path: &str) -> Vec<Pattern> {
    let mut out = Vec::new();
    if let Value::Arr(items) = at(v, path) {
        for item in items {
            out.push(match item {
                Value::RegExp(_, i) => Pattern::Regex(*i),
                Value::Str(s) => Pattern::Sub(s.clone()),
                _ => Pattern::Sub(String::new()),
            });
        }
    }
    out
}

/// Validates a config object. `Err` carries the message for the TypeError.
pub fn parse(v: &Value) -> Result<Config, String> {
    if !matches!(v, Value::Obj(_)) {
        let root = Field { path: "", kind: b'O', args: "", words: "an object like { url, app: { name } }" };
        return Err(error(&root, "", "", v));
    }
    check_known(v, "")?;
    for f in fields() {
        check(v, &f)?;
    }
    for (missing, field, build) in [
        (!cfg!(feature = "faro") && is(v, "format", "faro"), "format 'faro'", "faro"),
        (!cfg!(feature = "otlp") && is(v, "format", "otlp"), "format 'otlp'", "otlp"),
        (
            !cfg!(feature = "traceparent") && matches!(at(v, "tracePropagationTargets"), Value::Arr(_)),
            "tracePropagationTargets",
            "full",
        ),
        (!cfg!(feature = "actions") && flag(v, "actions", false), "actions", "full"),
    ] {
        if missing {
            return Err(not_built(field, build));
        }
    }
    // Loops, not `map(…).collect()`: each collect is code of its own.
    let mut scrub_params = Vec::new();
    if let Value::Arr(items) = at(v, "scrubParams") {
        for item in items {
            if let Value::Str(s) = item {
                scrub_params.push(s.to_ascii_lowercase());
            }
        }
    } else {
        for s in DEFAULT_SCRUB {
            scrub_params.push((*s).to_string());
        }
    }
    Ok(Config {
        url: string(v, "url"),
        app_name: string(v, "app.name"),
        app_version: string(v, "app.version"),
        app_environment: string(v, "app.environment"),
        sample_rate: if let Value::Num(n) = at(v, "sampleRate") { *n } else { 1.0 },
        max_events: uint(v, "batch.maxEvents", 50),
        max_bytes: uint(v, "batch.maxBytes", 32_000),
        flush_interval_ms: uint(v, "batch.flushIntervalMs", 10_000),
        max_queue_events: uint(v, "maxQueueEvents", 500),
        ignore_urls: patterns(v, "ignoreUrls"),
        ignore_errors: patterns(v, "ignoreErrors"),
        before_send: matches!(at(v, "beforeSend"), Value::Func),
        scrub_params,
        format: if is(v, "format", "faro") {
            Format::Faro
        } else if is(v, "format", "otlp") {
            Format::Otlp
        } else {
            Format::Native
        },
        report_all_changes: flag(v, "reportAllChanges", false),
        soft_navigations: flag(v, "softNavigations", true),
        max_resources: uint(v, "maxResources", 150),
        max_errors: uint(v, "maxErrors", 100),
        trace_origins: patterns(v, "tracePropagationTargets"),
        http_error_status: uint(v, "httpErrorStatus", 500),
        server_timing_name: string(v, "serverTimingName"),
        persist: flag(v, "persist", true),
        actions: flag(v, "actions", cfg!(feature = "actions")),
        action_names_data_only: is(v, "actionNames", "data-only"),
    })
}

/// The script tag's `data-*` attributes (as `dataset` names them) to a config
/// tree: `data-app-name` → `app.name`, `data-max-events` → `batch.maxEvents`,
/// `data-sample-rate="0.5"` → 0.5 (the field's kind says how to convert).
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
        // `appName` is app.name, `maxEvents` batch.maxEvents, the rest as named.
        let (mut to, mut key, mut kind) = (&mut top, k.as_str(), b'S');
        for f in fields() {
            let (obj, name) = f.path.split_once('.').unwrap_or(("", f.path));
            let hit = if obj == "app" {
                k.strip_prefix("app").is_some_and(|r| r.eq_ignore_ascii_case(name))
            } else {
                name == k
            };
            if hit {
                to = match obj {
                    "app" => &mut app,
                    "batch" => &mut batch,
                    _ => &mut top,
                };
                (key, kind) = (name, f.kind);
                break;
            }
        }
        let value = match kind {
            b'I' | b'R' => parse_num(raw.trim()).map_or_else(|| Value::Str(raw.clone()), Value::Num),
            b'B' => Value::Bool(raw != "false"),
            b'L' | b'l' => {
                let mut items = Vec::new();
                for item in raw.split(',') {
                    let item = item.trim();
                    if !item.is_empty() {
                        items.push(Value::Str(item.to_string()));
                    }
                }
                Value::Arr(items)
            }
            _ => Value::Str(raw.clone()),
        };
        to.push((key.to_string(), value));
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
                assert_eq!(
                    r.unwrap_err(),
                    format!(
                        "rum-agent: config.format '{name}' needs the {name} build of the agent: load rum-agent/{name} (the package's {name}/rum.js) instead of rum.js"
                    )
                );
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
    fn every_default_and_null_as_absent() {
        let expected = Config {
            url: "https://collector.example/collect".into(),
            app_name: "shop".into(),
            app_version: "1.4.2".into(),
            app_environment: "prod".into(),
            sample_rate: 1.0,
            max_events: 50,
            max_bytes: 32_000,
            flush_interval_ms: 10_000,
            max_queue_events: 500,
            ignore_urls: Vec::new(),
            ignore_errors: Vec::new(),
            before_send: false,
            scrub_params: DEFAULT_SCRUB.iter().map(|s| s.to_string()).collect(),
            format: Format::Native,
            report_all_changes: false,
            soft_navigations: true,
            max_resources: 150,
            max_errors: 100,
            trace_origins: Vec::new(),
            http_error_status: 500,
            server_timing_name: String::new(),
            persist: true,
            actions: cfg!(feature = "actions"),
            action_names_data_only: false,
        };
        assert_eq!(parse(&base(&[])).unwrap(), expected);
        // `null` is as good as absent for every optional field.
        let nulls: Vec<(&str, Value)> = fields()
            .filter(|f| !f.path.contains('.') && !matches!(f.kind, b'U' | b'O'))
            .map(|f| (f.path, Value::Null))
            .collect();
        assert_eq!(nulls.len(), 18, "every optional top-level field");
        assert_eq!(parse(&base(&nulls)).unwrap(), expected);
        let batch = obj(&[("maxEvents", Value::Null), ("maxBytes", Value::Null), ("flushIntervalMs", Value::Null)]);
        assert_eq!(parse(&base(&[("batch", batch)])).unwrap(), expected);
    }

    #[test]
    fn the_table_reads_as_written() {
        let all: Vec<Field> = fields().collect();
        assert_eq!(all.len(), FIELDS.lines().count(), "no line lost");
        for f in &all {
            assert!(b"UNSBFIRELlOo".contains(&f.kind), "{}: kind {}", f.path, f.kind as char);
            assert!(!f.words.is_empty(), "{}", f.path);
            if matches!(f.kind, b'I' | b'R') {
                let (lo, hi) = f.args.split_once(' ').unwrap();
                assert_eq!((number(lo), number(hi)), (lo.parse().unwrap(), hi.parse().unwrap()), "{}", f.path);
            }
        }
        let max_bytes = all.iter().find(|f| f.path == "batch.maxBytes").unwrap();
        assert_eq!(max_bytes.args.split_once(' ').unwrap().1, MAX_REQUEST_BYTES.to_string());
    }

    #[test]
    fn every_field_is_read() {
        let f = |x: f64| Value::Num(x);
        let c = parse(&base(&[
            ("sampleRate", f(0.5)),
            ("batch", obj(&[("maxEvents", f(1.0)), ("maxBytes", f(60_000.0)), ("flushIntervalMs", f(600_000.0))])),
            ("maxQueueEvents", f(10.0)),
            ("maxResources", f(0.0)),
            ("maxErrors", f(1000.0)),
            ("httpErrorStatus", f(400.0)),
            ("ignoreErrors", Value::Arr(vec![Value::RegExp("x".into(), 0), s("y")])),
            ("beforeSend", Value::Func),
            ("scrubParams", Value::Arr(vec![s("Sid")])),
            ("reportAllChanges", Value::Bool(true)),
            ("softNavigations", Value::Bool(false)),
            ("persist", Value::Bool(false)),
            ("serverTimingName", s("edge")),
            ("actions", Value::Bool(false)),
        ]))
        .unwrap();
        assert_eq!(
            (c.sample_rate, c.max_events, c.max_bytes, c.flush_interval_ms),
            (0.5, 1, MAX_REQUEST_BYTES, 600_000)
        );
        assert_eq!((c.max_queue_events, c.max_resources, c.max_errors, c.http_error_status), (10, 0, 1000, 400));
        assert_eq!(c.ignore_errors, vec![Pattern::Regex(0), Pattern::Sub("y".into())]);
        assert!(c.before_send && c.report_all_changes && !c.soft_navigations && !c.persist && !c.actions);
        assert_eq!((c.scrub_params, c.server_timing_name.as_str()), (vec!["sid".to_string()], "edge"));
        // One past each bound is refused, naming the bound.
        assert_eq!(
            err(base(&[("batch", obj(&[("maxBytes", f(f64::from(MAX_REQUEST_BYTES) + 1.0))]))])),
            "rum-agent: config.batch.maxBytes must be an integer from 1000 to 60000, got 60001"
        );
        assert_eq!(
            err(base(&[("httpErrorStatus", f(600.0))])),
            "rum-agent: config.httpErrorStatus must be an integer from 400 to 599, got 600"
        );
        assert_eq!(
            err(base(&[("maxResources", f(f64::NAN))])),
            "rum-agent: config.maxResources must be an integer from 0 to 1000, got null"
        );
        assert_eq!(
            err(base(&[("scrubParams", Value::Arr(vec![Value::RegExp("sid".into(), 0)]))])),
            "rum-agent: config.scrubParams[] must be a non-empty string, got /sid/"
        );
        assert_eq!(
            err(base(&[("serverTimingName", Value::Other("symbol or bigint"))])),
            "rum-agent: config.serverTimingName must be a string, got a symbol or bigint"
        );
    }

    #[test]
    fn patterns_keep_the_regexps_numbers() {
        let c = parse(&base(&[
            (
                "ignoreUrls",
                Value::Arr(vec![s("/health"), Value::RegExp("^x".into(), 0), Value::RegExp("y$".into(), 1)]),
            ),
            ("ignoreErrors", Value::Arr(vec![Value::RegExp("z".into(), 2)])),
        ]))
        .unwrap();
        assert_eq!(c.ignore_urls, vec![Pattern::Sub("/health".into()), Pattern::Regex(0), Pattern::Regex(1)]);
        assert_eq!(c.ignore_errors, vec![Pattern::Regex(2)]);
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
        // Batch keys go under `batch`, app keys under `app`, each converted by its kind.
        let more: Vec<(String, String)> = [
            ("appEnvironment", "prod"),
            ("maxEvents", "7"),
            ("maxBytes", "2000"),
            ("persist", "false"),
            ("actions", "false"),
            ("scrubParams", "sid,, Token "),
            ("maxErrors", "lots"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let v = from_dataset(&[&ds[..2], &more[..6]].concat(), &num);
        let c = parse(&v).unwrap();
        assert_eq!((c.app_environment.as_str(), c.max_events, c.max_bytes, c.persist), ("prod", 7, 2000, false));
        assert_eq!(c.scrub_params, vec!["sid".to_string(), "token".to_string()]);
        assert_eq!(
            parse(&from_dataset(&[&ds[..2], &more[6..]].concat(), &num)).unwrap_err(),
            r#"rum-agent: config.maxErrors must be an integer from 0 to 1000, got "lots""#
        );
        // A name that is no field (`data-name`, not `data-app-name`) is refused as such.
        let v = from_dataset(&[&ds[..2], &[("name".to_string(), "x".to_string())]].concat(), &num);
        assert_eq!(
            parse(&v).unwrap_err(),
            "rum-agent: config.name is not a known option (see the README's config table)"
        );
    }
}
