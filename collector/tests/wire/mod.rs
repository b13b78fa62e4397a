//! Checks of Faro and OTLP request bodies against the receivers' own
//! decoders, shared by `tests/formats.rs` (golden fixtures) and
//! `examples/wire_check.rs` (bodies captured in the end-to-end tests).
//!
//! - Faro: Alloy's Go payload types (`rum_collector::faro::payload`),
//!   `strict` (an unknown field is an error: what we send must all be read)
//!   or `lenient` (Go's own behaviour, for payloads of the Faro web SDK).
//! - OTLP: the `opentelemetry-proto` crate's serde types (the protobuf JSON
//!   mapping with hex ids); since they skip unknown fields, every field of
//!   the body must also come back when the decoded message is encoded again.
#![allow(dead_code)]

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use rum_collector::faro::payload::{lenient, strict};
use serde_json::Value;

/// Decodes a Faro body with the Go types; `strict`: unknown fields refused.
pub fn faro(body: &str, strict_fields: bool) -> Result<lenient::Payload, String> {
    if strict_fields {
        serde_json::from_str::<strict::Payload>(body).map_err(|e| format!("Faro (strict Go types): {e}"))?;
    }
    serde_json::from_str::<lenient::Payload>(body).map_err(|e| format!("Faro (Go types): {e}"))
}

/// Which OTLP endpoint a body is for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Otlp {
    Logs,
    Traces,
}

/// Decodes an OTLP/HTTP JSON body with a real OTLP implementation and checks
/// what it cannot: no unknown field, ids as lowercase hex of the right length,
/// 64-bit times as decimal strings, enums as integers. Returns the number
/// of log records or spans.
pub fn otlp(body: &str, kind: Otlp) -> Result<usize, String> {
    let sent: Value = serde_json::from_str(body).map_err(|e| format!("OTLP: not JSON: {e}"))?;
    let (back, count) = match kind {
        Otlp::Logs => {
            let req: ExportLogsServiceRequest =
                serde_json::from_str(body).map_err(|e| format!("OTLP logs decoder: {e}"))?;
            let n = req.resource_logs.iter().flat_map(|r| &r.scope_logs).map(|s| s.log_records.len()).sum();
            for r in req.resource_logs.iter().flat_map(|r| &r.scope_logs).flat_map(|s| &s.log_records) {
                if !(r.trace_id.is_empty() || r.trace_id.len() == 16) || !(r.span_id.is_empty() || r.span_id.len() == 8)
                {
                    return Err("log record ids of the wrong length".into());
                }
            }
            (serde_json::to_value(&req).map_err(|e| e.to_string())?, n)
        }
        Otlp::Traces => {
            let req: ExportTraceServiceRequest =
                serde_json::from_str(body).map_err(|e| format!("OTLP traces decoder: {e}"))?;
            let spans: Vec<_> = req.resource_spans.iter().flat_map(|r| &r.scope_spans).flat_map(|s| &s.spans).collect();
            for s in &spans {
                if s.trace_id.len() != 16 || s.span_id.len() != 8 {
                    return Err(format!(
                        "span {:?}: trace id {} bytes, span id {} bytes",
                        s.name,
                        s.trace_id.len(),
                        s.span_id.len()
                    ));
                }
                if !(s.parent_span_id.is_empty() || s.parent_span_id.len() == 8) {
                    return Err(format!("span {:?}: parent span id of {} bytes", s.name, s.parent_span_id.len()));
                }
            }
            (serde_json::to_value(&req).map_err(|e| e.to_string())?, spans.len())
        }
    };
    subset(&sent, &back, "")?;
    lexical(&sent, "")?;
    Ok(count)
}

/// Every field of `sent` is in `back` with the same value: a field the
/// decoder did not know would be missing.
fn subset(sent: &Value, back: &Value, path: &str) -> Result<(), String> {
    match (sent, back) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                let p = format!("{path}.{k}");
                let Some(w) = b.get(k) else {
                    return Err(format!("OTLP: {p} is not a field the decoder knows (it was dropped)"));
                };
                subset(v, w, &p)?;
            }
            Ok(())
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            a.iter().zip(b).enumerate().try_for_each(|(i, (v, w))| subset(v, w, &format!("{path}[{i}]")))
        }
        // int64 written as a string may come back as a number, and the reverse.
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) if s == &n.to_string() => Ok(()),
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => Ok(()),
        (a, b) if a == b => Ok(()),
        (a, b) => Err(format!("OTLP: {path} was {a} and decodes as {b}")),
    }
}

/// What the JSON mapping prescribes for the fields the decoder is lenient about.
fn lexical(v: &Value, path: &str) -> Result<(), String> {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let p = format!("{path}.{k}");
                match (k.as_str(), v) {
                    ("traceId", Value::String(s)) => hex(s, 32, &p)?,
                    ("spanId" | "parentSpanId", Value::String(s)) => hex(s, 16, &p)?,
                    ("traceId" | "spanId" | "parentSpanId", _) => return Err(format!("{p}: ids are hex strings")),
                    (
                        "timeUnixNano" | "startTimeUnixNano" | "endTimeUnixNano" | "observedTimeUnixNano" | "intValue",
                        x,
                    ) => {
                        if !x.as_str().is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())) {
                            return Err(format!("{p}: 64-bit integers are decimal strings, got {x}"));
                        }
                    }
                    ("severityNumber" | "kind" | "code", x) => {
                        if !x.is_u64() {
                            return Err(format!("{p}: enums are integers, got {x}"));
                        }
                    }
                    _ => lexical(v, &p)?,
                }
            }
            Ok(())
        }
        Value::Array(a) => a.iter().enumerate().try_for_each(|(i, v)| lexical(v, &format!("{path}[{i}]"))),
        _ => Ok(()),
    }
}

fn hex(s: &str, len: usize, path: &str) -> Result<(), String> {
    if s.len() == len
        && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && s.bytes().any(|b| b != b'0')
    {
        Ok(())
    } else {
        Err(format!("{path}: {s:?} is not {len} lowercase hex characters"))
    }
}
