//! The decoder never panics, whatever it is given: arbitrary bytes, mutated
//! valid batches, and valid batches with random subtrees replaced. Bounded
//! (a few thousand cases, seconds) so it runs in every `cargo test`; raise
//! PROPTEST_CASES for a longer hunt.
// Tests: a failing step should panic (the workspace lints hold shipped code).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

mod common;

use axum::http::StatusCode;
use common::*;
use proptest::prelude::*;
use rum_collector::decode::decode_native;
use rum_collector::enrich::{Client, Country};
use rum_collector::model::build_record;
use serde_json::Value;

fn valid_batch() -> String {
    let mut m = meta("pv-fuzz", "s-fuzz", "1.0");
    m.user.s("id", "u1");
    encode(&m, 3, &[nav(1200.0), vital("LCP", 1800.0), vital("CLS", 0.1), js_error("x\ny"), http(500, "")])
}

fn decode_all(bytes: &[u8]) {
    if let Ok(d) = decode_native(bytes) {
        let rec = build_record(&d, Client::default(), Country::default(), 1_700_000_000_000);
        assert_eq!(rec.events.len(), d.events.len());
        for e in &rec.events {
            assert!(serde_json::from_str::<Value>(&e.attributes).is_ok());
        }
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every (path, value) position in a JSON document, as pointer strings.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => m.iter().for_each(|(k, v)| pointers(v, format!("{at}/{k}"), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| pointers(v, format!("{at}/{i}"), out)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        decode_all(&bytes);
    }

    #[test]
    fn mutated_bytes(ops in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..12)) {
        let mut b = valid_batch().into_bytes();
        for (idx, byte, op) in ops {
            if b.is_empty() { break; }
            let i = idx.index(b.len());
            match op {
                0 => b[i] = byte,
                1 => b.insert(i, byte),
                2 => { b.remove(i); }
                _ => b.truncate(i),
            }
        }
        decode_all(&b);
    }

    #[test]
    fn replaced_subtrees(idx in any::<prop::sample::Index>(), replacement in arb_json()) {
        let mut doc: Value = serde_json::from_str(&valid_batch()).unwrap();
        let mut ptrs = Vec::new();
        pointers(&doc, String::new(), &mut ptrs);
        let p = &ptrs[idx.index(ptrs.len())];
        if p.is_empty() {
            doc = replacement;
        } else if let Some(slot) = doc.pointer_mut(p) {
            *slot = replacement;
        }
        let text = doc.to_string();
        decode_all(text.as_bytes());
        // A valid envelope: each event is accepted or rejected, never lost.
        if let Ok(d) = decode_native(text.as_bytes()) {
            let n = doc["events"].as_array().map_or(0, Vec::len);
            prop_assert_eq!(d.events.len() + d.rejected.len(), n);
            if p.starts_with("/events/") {
                prop_assert!(d.events.len() >= n.saturating_sub(1), "one mutated event costs at most itself");
            }
        }
    }
}

/// Through the whole HTTP path (decompression, decode, enrichment, storage):
/// mutated bodies get an answer, never a 500 or a panic.
#[test]
fn http_path_answers_every_mutation() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let t = rt.block_on(async { collector(|_| {}) });
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 300, ..ProptestConfig::default() });
    let strategy = prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6);
    runner
        .run(&strategy, |ops| {
            let mut b = valid_batch().into_bytes();
            for (idx, byte) in ops {
                let i = idx.index(b.len());
                b[i] = byte;
            }
            let r = rt.block_on(t.post(b));
            prop_assert!(
                [StatusCode::NO_CONTENT, StatusCode::OK, StatusCode::BAD_REQUEST].contains(&r.status),
                "status {} body {}",
                r.status,
                String::from_utf8_lossy(&r.body)
            );
            Ok(())
        })
        .unwrap();
}
