//! The Faro payload as Grafana Alloy's `faro.receiver` decodes it: a Rust
//! mirror of the Go types in `internal/component/faro/receiver/internal/payload`
//! (`payload.go`), field names and JSON types one for one, with Go's
//! `encoding/json` rules:
//!
//! - `string` takes only a JSON string, `int` only an integer literal
//!   (`19.0` and `1e2` are errors), `float64` any number, `bool` only a bool;
//! - `time.Time` takes only an RFC 3339 string (`Time` below);
//! - `map[string]string` takes only string values, `map[string]float64`
//!   only numbers;
//! - `null` anywhere leaves the zero value (no error);
//! - a missing field is the zero value.
//!
//! Two variants of the same types: `lenient` ignores unknown fields, as Go
//! does (what a Faro SDK sends beyond the Go types is dropped by Alloy, and
//! by us); `strict` refuses them, which is how the golden-fixture test proves
//! that everything our encoder writes is something Alloy reads. Go's decoder
//! also matches keys case-insensitively; these types do not (a stricter
//! check, never a looser one).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

/// Go `time.Time` from JSON: an RFC 3339 string, in epoch milliseconds.
/// `None`: absent or `null` (Go's zero time).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Time(pub Option<f64>);

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(Time(None)),
            Some(s) => parse_rfc3339(&s)
                .map(|ms| Time(Some(ms)))
                .ok_or_else(|| serde::de::Error::custom(format!("parsing time {s:?} as RFC 3339 failed"))),
        }
    }
}

/// `null` → the zero value, as Go's decoder does.
pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `map[string]string`: string values only (`null` → "").
pub fn string_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let m = Option::<BTreeMap<String, Option<String>>>::deserialize(d)?.unwrap_or_default();
    Ok(m.into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect())
}

/// `map[string]float64`: numbers only (`null` → 0).
pub fn float_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, f64>, D::Error> {
    let m = Option::<BTreeMap<String, Option<f64>>>::deserialize(d)?.unwrap_or_default();
    Ok(m.into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect())
}

/// Go's RFC 3339 (`time.RFC3339Nano` parsing): `YYYY-MM-DDTHH:MM:SS`, an
/// optional fraction, then `Z` or `±hh:mm`. Epoch milliseconds.
pub fn parse_rfc3339(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        part.iter().try_fold(0i64, |acc, d| acc.checked_mul(10)?.checked_add(i64::from(d - b'0')))
    };
    let sep = |at: usize, c: u8| b.get(at) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, mi, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let mut i = 19;
    let mut frac_ms = 0.0;
    if sep(i, b'.') {
        let start = i + 1;
        let mut end = start;
        while b.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        if end == start {
            return None;
        }
        let digits = std::str::from_utf8(b.get(start..end)?).ok()?;
        frac_ms = format!("0.{digits}").parse::<f64>().ok()? * 1000.0;
        i = end;
    }
    let offset_min = match b.get(i) {
        Some(b'Z') if b.len() == i + 1 => 0,
        Some(&c @ (b'+' | b'-')) if b.len() == i + 6 && sep(i + 3, b':') => {
            let (oh, om) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let m = oh * 60 + om;
            if c == b'-' {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    Some(secs as f64 * 1000.0 + frac_ms)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// (year, month, day) → days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The Go types, once per variant. `$attr`: `#[serde(deny_unknown_fields)]` or nothing.
macro_rules! payload_types {
    ($(#[$attr:meta])*) => {
        use std::collections::BTreeMap;
        use serde::Deserialize;
        use super::{float_map, nullable, string_map, Time};

        /// `Payload`: the request body.
        #[derive(Debug, Clone, Default, Deserialize)]
        $(#[$attr])*
        pub struct Payload {
            #[serde(default, deserialize_with = "nullable")]
            pub exceptions: Vec<Exception>,
            #[serde(default, deserialize_with = "nullable")]
            pub logs: Vec<Log>,
            #[serde(default, deserialize_with = "nullable")]
            pub measurements: Vec<Measurement>,
            #[serde(default, deserialize_with = "nullable")]
            pub events: Vec<Event>,
            #[serde(default, deserialize_with = "nullable")]
            pub meta: Meta,
            /// `*Traces`: OTLP JSON, decoded by the OpenTelemetry collector's
            /// pdata in Go; kept as is here.
            #[serde(default)]
            pub traces: Option<serde_json::Value>,
        }

        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        $(#[$attr])*
        pub struct Frame {
            #[serde(default, deserialize_with = "nullable")]
            pub function: String,
            #[serde(default, deserialize_with = "nullable")]
            pub module: String,
            #[serde(default, deserialize_with = "nullable")]
            pub filename: String,
            #[serde(default, deserialize_with = "nullable")]
            pub lineno: i64,
            #[serde(default, deserialize_with = "nullable")]
            pub colno: i64,
        }

        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        $(#[$attr])*
        pub struct Stacktrace {
            #[serde(default, deserialize_with = "nullable")]
            pub frames: Vec<Frame>,
        }

        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        $(#[$attr])*
        pub struct Exception {
            #[serde(default, rename = "type", deserialize_with = "nullable")]
            pub kind: String,
            #[serde(default, deserialize_with = "nullable")]
            pub value: String,
            #[serde(default)]
            pub stacktrace: Option<Stacktrace>,
            #[serde(default)]
            pub timestamp: Time,
            #[serde(default, deserialize_with = "nullable")]
            pub trace: TraceContext,
            #[serde(default, deserialize_with = "string_map")]
            pub context: BTreeMap<String, String>,
        }

        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        $(#[$attr])*
        pub struct TraceContext {
            #[serde(default, deserialize_with = "nullable")]
            pub trace_id: String,
            #[serde(default, deserialize_with = "nullable")]
            pub span_id: String,
        }

        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        $(#[$attr])*
        pub struct Log {
            #[serde(default, deserialize_with = "nullable")]
            pub message: String,
            /// `LogLevel` (a string type: trace, debug, info, warning, error).
            #[serde(default, deserialize_with = "nullable")]
            pub level: String,
            #[serde(default, deserialize_with = "string_map")]
            pub context: BTreeMap<String, String>,
            #[serde(default)]
            pub timestamp: Time,
            #[serde(default, deserialize_with = "nullable")]
            pub trace: TraceContext,
        }

        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        $(#[$attr])*
        pub struct Measurement {
            #[serde(default, rename = "type", deserialize_with = "nullable")]
            pub kind: String,
            #[serde(default, deserialize_with = "float_map")]
            pub values: BTreeMap<String, f64>,
            #[serde(default)]
            pub timestamp: Time,
            #[serde(default, deserialize_with = "nullable")]
            pub trace: TraceContext,
            #[serde(default, deserialize_with = "string_map")]
            pub context: BTreeMap<String, String>,
        }

        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        $(#[$attr])*
        pub struct Sdk {
            #[serde(default, deserialize_with = "nullable")]
            pub name: String,
            #[serde(default, deserialize_with = "nullable")]
            pub version: String,
            #[serde(default, deserialize_with = "nullable")]
            pub integrations: Vec<SdkIntegration>,
        }

        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        $(#[$attr])*
        pub struct SdkIntegration {
            #[serde(default, deserialize_with = "nullable")]
            pub name: String,
            #[serde(default, deserialize_with = "nullable")]
            pub version: String,
        }

        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        $(#[$attr])*
        pub struct User {
            #[serde(default, deserialize_with = "nullable")]
            pub email: String,
            #[serde(default, deserialize_with = "nullable")]
            pub id: String,
            #[serde(default, deserialize_with = "nullable")]
            pub username: String,
            #[serde(default, deserialize_with = "string_map")]
            pub attributes: BTreeMap<String, String>,
        }

        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        $(#[$attr])*
        pub struct Meta {
            #[serde(default, deserialize_with = "nullable")]
            pub sdk: Sdk,
            #[serde(default, deserialize_with = "nullable")]
            pub app: App,
            #[serde(default, deserialize_with = "nullable")]
            pub user: User,
            #[serde(default, deserialize_with = "nullable")]
            pub session: Session,
            #[serde(default, deserialize_with = "nullable")]
            pub page: Page,
            #[serde(default, deserialize_with = "nullable")]
            pub browser: Browser,
            #[serde(default, deserialize_with = "nullable")]
            pub view: View,
        }

        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        $(#[$attr])*
        pub struct Session {
            #[serde(default, deserialize_with = "nullable")]
            pub id: String,
            #[serde(default, deserialize_with = "string_map")]
            pub attributes: BTreeMap<String, String>,
        }

        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        $(#[$attr])*
        pub struct Page {
            #[serde(default, deserialize_with = "nullable")]
            pub id: String,
            #[serde(default, deserialize_with = "nullable")]
            pub url: String,
            #[serde(default, deserialize_with = "string_map")]
            pub attributes: BTreeMap<String, String>,
        }

        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        $(#[$attr])*
        pub struct App {
            #[serde(default, deserialize_with = "nullable")]
            pub name: String,
            #[serde(default, deserialize_with = "nullable")]
            pub namespace: String,
            #[serde(default, deserialize_with = "nullable")]
            pub release: String,
            #[serde(default, deserialize_with = "nullable")]
            pub version: String,
            #[serde(default, deserialize_with = "nullable")]
            pub environment: String,
        }

        /// `Event`: a RUM event (`name` has no `omitempty` in Go, but a
        /// missing name is still only the zero value).
        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        $(#[$attr])*
        pub struct Event {
            #[serde(default, deserialize_with = "nullable")]
            pub name: String,
            #[serde(default, deserialize_with = "nullable")]
            pub domain: String,
            #[serde(default, deserialize_with = "string_map")]
            pub attributes: BTreeMap<String, String>,
            #[serde(default)]
            pub timestamp: Time,
            #[serde(default, deserialize_with = "nullable")]
            pub trace: TraceContext,
        }

        /// `Browser` (Go leaves `brands` out: "TODO: properly serialize brands").
        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        $(#[$attr])*
        pub struct Browser {
            #[serde(default, deserialize_with = "nullable")]
            pub name: String,
            #[serde(default, deserialize_with = "nullable")]
            pub version: String,
            #[serde(default, deserialize_with = "nullable")]
            pub os: String,
            #[serde(default, deserialize_with = "nullable")]
            pub mobile: bool,
            #[serde(default, rename = "userAgent", deserialize_with = "nullable")]
            pub user_agent: String,
            #[serde(default, deserialize_with = "nullable")]
            pub language: String,
            #[serde(default, rename = "viewportWidth", deserialize_with = "nullable")]
            pub viewport_width: String,
            #[serde(default, rename = "viewportHeight", deserialize_with = "nullable")]
            pub viewport_height: String,
        }

        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        $(#[$attr])*
        pub struct View {
            #[serde(default, deserialize_with = "nullable")]
            pub name: String,
        }
    };
}

/// Unknown fields ignored: exactly what Alloy accepts.
pub mod lenient {
    payload_types!();
}

/// Unknown fields refused: what our encoder must stay within.
pub mod strict {
    payload_types!(#[serde(deny_unknown_fields)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_like_go() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_rfc3339("2021-09-30T10:46:17.680Z"), Some(1_632_998_777_680.0));
        assert_eq!(parse_rfc3339("2021-09-30T12:46:17.68+02:00"), Some(1_632_998_777_680.0));
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00.000000001Z"), Some(1_709_164_800_000.000001));
        for bad in [
            "2021-09-30 10:46:17Z",
            "2021-09-30T10:46:17",
            "2021-02-30T10:46:17Z",
            "2021-09-30T24:00:00Z",
            "2021-09-30T10:46:17.Z",
            "2021-09-30T10:46:17z",
            "1632998777680",
            "2021-9-30T10:46:17Z",
            "2021-09-30T10:46:17+0200",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn go_json_types() {
        let ok: lenient::Measurement = serde_json::from_str(
            r#"{"type":"web-vitals","values":{"lcp":1200,"x":null},"context":null,"timestamp":null}"#,
        )
        .unwrap();
        assert_eq!(ok.values.get("lcp"), Some(&1200.0));
        assert_eq!(ok.timestamp, Time(None));
        for bad in [
            r#"{"values":{"lcp":"1200"}}"#,
            r#"{"context":{"a":1}}"#,
            r#"{"timestamp":1632998777680}"#,
            r#"{"timestamp":"yesterday"}"#,
            r#"{"type":7}"#,
        ] {
            assert!(serde_json::from_str::<lenient::Measurement>(bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<lenient::Frame>(r#"{"lineno":19.0}"#).is_err());
        assert!(serde_json::from_str::<lenient::Frame>(r#"{"lineno":19,"in_app":true}"#).is_ok());
        assert!(serde_json::from_str::<strict::Frame>(r#"{"lineno":19,"in_app":true}"#).is_err());
        assert!(serde_json::from_str::<lenient::Browser>(r#"{"mobile":"false"}"#).is_err());
        assert!(serde_json::from_str::<lenient::Browser>(r#"{"viewportWidth":1280}"#).is_err());
    }
}
