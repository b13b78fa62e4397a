//! Decoding the native protocol (`docs/protocol.md`): bytes → envelope →
//! events, one event at a time so that one bad event costs only itself.
//!
//! Never panics, whatever the input (see the proptests in `tests/fuzz.rs`):
//! serde_json bounds recursion, and everything else here is plain matching.

use rum_agent::core::event::{
    Custom, ErrorReport, Event, HttpCall, LatencySplit, LongTasks, Measure, NavTiming, Resource, UserAction, Vital,
    PROTOCOL_VERSION,
};
use rum_agent::core::meta::Batch;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// Longest id (session, page view) accepted.
pub const MAX_ID: usize = 128;

/// Why a request was refused as a whole (400).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestError {
    /// Stable, machine-readable reason; also the `reason` label in /metrics.
    pub reason: &'static str,
    /// What was wrong, for a person.
    pub error: String,
    /// Where: a JSON path such as `events[3].value` (`.` for the whole body).
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

/// An event refused inside an otherwise good batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    /// Position in the batch's `events` array.
    pub index: usize,
    pub reason: &'static str,
    pub error: String,
    pub path: String,
}

pub struct GoodEvent {
    pub index: usize,
    pub event: Event,
    /// The event as sent, for the `attributes` column (fields this collector
    /// does not know yet are kept, not lost).
    pub raw: Map<String, Value>,
}

pub struct Decoded {
    /// The envelope; its `events` is emptied (they are in `events`/`rejected`).
    pub batch: Batch<Value>,
    pub events: Vec<GoodEvent>,
    pub rejected: Vec<Rejection>,
}

pub mod reason {
    pub const MALFORMED_JSON: &str = "malformed_json";
    pub const UNSUPPORTED_VERSION: &str = "unsupported_version";
    pub const INVALID_ENVELOPE: &str = "invalid_envelope";
    // Per event:
    pub const NOT_AN_OBJECT: &str = "not_an_object";
    pub const MISSING_KIND: &str = "missing_kind";
    pub const UNKNOWN_KIND: &str = "unknown_kind";
    pub const INVALID_FIELD: &str = "invalid_field";
    pub const INVALID_VALUE: &str = "invalid_value";
    pub const EVENT_REASONS: [&str; 5] = [NOT_AN_OBJECT, MISSING_KIND, UNKNOWN_KIND, INVALID_FIELD, INVALID_VALUE];
}

pub fn path_string(p: &serde_path_to_error::Path) -> String {
    // `?` marks a position not yet known (e.g. a key that failed to parse).
    let s = p.to_string();
    let s = s.strip_suffix(".?").unwrap_or(&s);
    if s == "?" || s.is_empty() {
        ".".into()
    } else {
        s.to_string()
    }
}

pub fn join(prefix: &str, inner: &str) -> String {
    if inner == "." || inner.is_empty() {
        prefix.to_string()
    } else if inner.starts_with('[') {
        format!("{prefix}{inner}")
    } else {
        format!("{prefix}.{inner}")
    }
}

fn malformed(e: serde_json::Error, path: String) -> RequestError {
    RequestError {
        reason: reason::MALFORMED_JSON,
        error: format!("malformed JSON: {e}"),
        path,
        line: Some(e.line()),
        column: Some(e.column()),
    }
}

pub fn envelope_error(error: impl Into<String>, path: impl Into<String>) -> RequestError {
    RequestError { reason: reason::INVALID_ENVELOPE, error: error.into(), path: path.into(), line: None, column: None }
}

/// JSON syntax, with the path of the first error (`malformed_json`).
pub fn parse_json(body: &[u8]) -> Result<Value, RequestError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: Value = match serde_path_to_error::deserialize(&mut de) {
        Ok(v) => v,
        Err(e) => {
            let path = path_string(e.path());
            let inner = e.into_inner();
            return Err(malformed(inner, path));
        }
    };
    if let Err(e) = de.end() {
        return Err(malformed(e, ".".into()));
    }
    Ok(value)
}

/// Decodes one native batch (already decompressed).
pub fn decode_native(body: &[u8]) -> Result<Decoded, RequestError> {
    // 1. Syntax, with the path of the first error.
    let value = parse_json(body)?;

    // 2. The protocol version, before the shape (another version may have another shape).
    let Value::Object(obj) = &value else {
        return Err(envelope_error(format!("expected a JSON object (a batch), got {}", kind_of(&value)), "."));
    };
    match obj.get("v") {
        None => return Err(envelope_error("missing field `v` (the protocol version)", "v")),
        Some(Value::Number(n)) if n.as_u64() == Some(u64::from(PROTOCOL_VERSION)) => {}
        Some(other) => {
            return Err(RequestError {
                reason: reason::UNSUPPORTED_VERSION,
                error: format!("unsupported protocol version {other}: this collector reads version {PROTOCOL_VERSION}"),
                path: "v".into(),
                line: None,
                column: None,
            })
        }
    }

    // 3. The envelope, events kept as raw values.
    let mut batch: Batch<Value> = match serde_path_to_error::deserialize(value) {
        Ok(b) => b,
        Err(e) => {
            let path = path_string(e.path());
            return Err(envelope_error(format!("invalid batch: {}", e.into_inner()), path));
        }
    };
    for (path, id) in [("session.id", &batch.session.id), ("view.id", &batch.view.id)] {
        if id.is_empty() {
            return Err(envelope_error(format!("{path} must not be empty"), path));
        }
        if id.len() > MAX_ID {
            return Err(envelope_error(format!("{path} is longer than {MAX_ID} bytes"), path));
        }
    }
    if batch.app.name.trim().is_empty() {
        return Err(envelope_error("app.name must not be empty", "app.name"));
    }
    if !batch.sent.is_finite() || batch.sent < 0.0 {
        return Err(envelope_error("sent must be an epoch time in ms", "sent"));
    }

    // 4. Each event on its own.
    let raw_events = std::mem::take(&mut batch.events);
    let mut events = Vec::with_capacity(raw_events.len());
    let mut rejected = Vec::new();
    for (index, raw) in raw_events.into_iter().enumerate() {
        match decode_event(index, raw, batch.view.start) {
            Ok(good) => events.push(good),
            Err(r) => rejected.push(r),
        }
    }
    Ok(Decoded { batch, events, rejected })
}

pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn decode_event(index: usize, raw: Value, view_start: f64) -> Result<GoodEvent, Rejection> {
    let at = format!("events[{index}]");
    let reject = |reason: &'static str, error: String, path: String| Rejection { index, reason, error, path };
    let Value::Object(map) = raw else {
        return Err(reject(reason::NOT_AN_OBJECT, format!("expected an event object, got {}", kind_of(&raw)), at));
    };
    let kind = match map.get("k") {
        None => {
            return Err(reject(reason::MISSING_KIND, "missing field `k` (the event kind)".into(), format!("{at}.k")))
        }
        Some(Value::String(k)) => k.clone(),
        Some(other) => {
            return Err(reject(
                reason::INVALID_FIELD,
                format!("`k` must be a string, got {}", kind_of(other)),
                format!("{at}.k"),
            ))
        }
    };
    let value = Value::Object(map);
    // Each kind decoded as its own struct: the same result as the tagged
    // enum, with the path of the first bad field.
    fn typed<T: DeserializeOwned>(v: &Value, at: &str) -> Result<T, (String, String)> {
        serde_path_to_error::deserialize::<_, T>(v)
            .map_err(|e| (join(at, &path_string(e.path())), e.into_inner().to_string()))
    }
    let decoded = match kind.as_str() {
        "nav" => typed::<NavTiming>(&value, &at).map(Event::Nav),
        "res" => typed::<Resource>(&value, &at).map(Event::Res),
        "error" => typed::<ErrorReport>(&value, &at).map(Event::Error),
        "event" => typed::<Custom>(&value, &at).map(Event::Custom),
        "measure" => typed::<Measure>(&value, &at).map(Event::Measure),
        "vital" => typed::<Vital>(&value, &at).map(Event::Vital),
        "long" => typed::<LongTasks>(&value, &at).map(Event::LongTasks),
        "http" => typed::<HttpCall>(&value, &at).map(Event::Http),
        "split" => typed::<LatencySplit>(&value, &at).map(Event::Split),
        "action" => typed::<UserAction>(&value, &at).map(Event::Action),
        other => {
            let shown: String = other.chars().take(40).collect();
            return Err(reject(
                reason::UNKNOWN_KIND,
                format!("unknown event kind {shown:?} (expected nav, res, error, event, measure, vital, long, http, split or action)"),
                format!("{at}.k"),
            ));
        }
    };
    let mut event = decoded.map_err(|(path, error)| reject(reason::INVALID_FIELD, error, path))?;
    // A resource's `t` is left out when it is the view's start + `start`.
    event.restore_implied(view_start);
    if let Err((field, error)) = check(&event) {
        return Err(reject(reason::INVALID_VALUE, error, format!("{at}.{field}")));
    }
    let Value::Object(raw) = value else {
        return Err(reject(reason::NOT_AN_OBJECT, "expected an event object".into(), at));
    };
    Ok(GoodEvent { index, event, raw })
}

/// Values that decode but cannot be true.
pub fn check(e: &Event) -> Result<(), (&'static str, String)> {
    let nonneg = |field: &'static str, v: f64| {
        if v.is_finite() && v >= 0.0 {
            Ok(())
        } else {
            Err((field, format!("{field} must be a non-negative number, got {v}")))
        }
    };
    let named = |name: &str| {
        if name.trim().is_empty() {
            Err(("name", "name must not be empty".to_string()))
        } else {
            Ok(())
        }
    };
    nonneg("t", e.time())?;
    match e {
        Event::Nav(n) => nonneg("loadEventEnd", n.load_event_end),
        Event::Res(r) => {
            if r.url.is_empty() {
                return Err(("url", "url must not be empty".into()));
            }
            nonneg("dur", r.dur)
        }
        Event::Error(_) => Ok(()),
        Event::Custom(c) => named(&c.name),
        Event::Measure(m) => named(&m.name),
        Event::Vital(v) => {
            named(&v.name)?;
            nonneg("value", v.value)
        }
        Event::LongTasks(l) => nonneg("total", l.total),
        Event::Http(h) => nonneg("dur", h.dur),
        Event::Split(s) => {
            nonneg("network", s.network)?;
            nonneg("frontend", s.frontend)
        }
        Event::Action(a) => {
            if a.kind.is_empty() {
                return Err(("type", "type must not be empty".into()));
            }
            nonneg("dur", a.dur)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(events: &str) -> String {
        format!(
            r#"{{"v":1,"seq":1,"app":{{"name":"shop"}},"session":{{"id":"s1","start":1}},"view":{{"id":"pv1","url":"https://x/"}},"sent":1700000000000,"events":{events}}}"#
        )
    }

    #[test]
    fn good_batch() {
        let d = decode_native(
            batch(r#"[{"k":"vital","t":1,"name":"LCP","value":1200},{"k":"event","t":2,"name":"go","extra":1}]"#)
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(d.events.len(), 2);
        assert!(d.rejected.is_empty());
        assert_eq!(d.events[1].raw.get("extra"), Some(&Value::from(1)));
    }

    #[test]
    fn malformed_json_has_path_and_position() {
        let e = decode_native(b"{\"v\":1,\n\"events\":[{\"k\":\"vital\",\"value\":tru}]}").err().unwrap();
        assert_eq!(e.reason, reason::MALFORMED_JSON);
        assert_eq!(e.path, "events[0].value");
        assert_eq!((e.line, e.column), (Some(2), Some(35)));
        let e = decode_native(br#"{"v":1,"events":[{"k":"vital","value":12,}]}"#).err().unwrap();
        assert_eq!(e.path, "events[0]");
        let e = decode_native(b"").err().unwrap();
        assert_eq!(e.reason, reason::MALFORMED_JSON);
        let e = decode_native(b"{} x").err().unwrap();
        assert_eq!(e.reason, reason::MALFORMED_JSON);
    }

    #[test]
    fn version_checked_first() {
        let e = decode_native(br#"{"v":2,"whatever":true}"#).err().unwrap();
        assert_eq!(e.reason, reason::UNSUPPORTED_VERSION);
        assert_eq!(e.path, "v");
        let e = decode_native(br#"{"events":[]}"#).err().unwrap();
        assert_eq!(e.reason, reason::INVALID_ENVELOPE);
        let e = decode_native(br#"[1]"#).err().unwrap();
        assert_eq!(e.reason, reason::INVALID_ENVELOPE);
    }

    #[test]
    fn envelope_errors_name_the_field() {
        let e = decode_native(br#"{"v":1,"app":{"name":"a"},"session":{"id":"s"},"view":{"id":7},"events":[]}"#)
            .err()
            .unwrap();
        assert_eq!(e.reason, reason::INVALID_ENVELOPE);
        assert_eq!(e.path, "view.id");
        let e = decode_native(br#"{"v":1,"app":{"name":"a"},"session":{"id":""},"view":{"id":"p"},"events":[]}"#)
            .err()
            .unwrap();
        assert_eq!(e.path, "session.id");
    }

    #[test]
    fn bad_events_are_rejected_alone() {
        let d = decode_native(
            batch(
                r#"[{"k":"vital","t":1,"name":"LCP","value":"slow"},3,{"t":1},{"k":"zzz"},{"k":"vital","t":1,"name":"INP","value":-5},{"k":"event","t":5,"name":"ok"}]"#,
            )
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(d.events.len(), 1);
        assert_eq!(d.events[0].index, 5);
        let got: Vec<(usize, &str, &str)> = d.rejected.iter().map(|r| (r.index, r.reason, r.path.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (0, reason::INVALID_FIELD, "events[0].value"),
                (1, reason::NOT_AN_OBJECT, "events[1]"),
                (2, reason::MISSING_KIND, "events[2].k"),
                (3, reason::UNKNOWN_KIND, "events[3].k"),
                (4, reason::INVALID_VALUE, "events[4].value"),
            ]
        );
    }

    #[test]
    fn resource_time_implied_by_the_view_start() {
        let body = r#"{"v":1,"seq":1,"app":{"name":"shop"},"session":{"id":"s1","start":1},"view":{"id":"pv1","url":"https://x/","start":1700000000000.5},"sent":1700000001000,"events":[{"k":"res","url":"https://x/a.js","start":120.2,"dur":3},{"k":"res","t":1700000000900,"url":"https://x/b.js","start":50,"dur":3}]}"#;
        let d = decode_native(body.as_bytes()).unwrap();
        let times: Vec<f64> = d.events.iter().map(|g| g.event.time()).collect();
        assert_eq!(times, vec![1_700_000_000_120.7, 1_700_000_000_900.0]);
    }
}
