//! Wire formats: how events and their context become request bodies.
//!
//! The format only changes the encoder (this module and `faro.rs`,
//! `otlp.rs`); the queue, splitting, delivery and retries are shared.
//!
//! A format has one or more *channels* (a URL and a content type: OTLP sends
//! logs and traces to different paths); each channel has JSON *sections*
//! (`"events":[…]` for native; `measurements`, `exceptions`, `events`,
//! `logs` for Faro). An encoded event is an `Item` whose `section` is a
//! global index over the format's sections, channel by channel.

#[allow(unused_imports)]
use crate::prelude::*;

use super::batch::{split, Dropped, Envelope, Item};
use super::config::Format;
use super::event::Event;
use super::json::{write_u64, Json};
use super::meta::Meta;

pub struct Channel {
    /// Appended to the configured URL (`/v1/logs` for OTLP); empty: the URL as is.
    pub path: &'static str,
    /// `None`: `text/plain` (CORS-safelisted, beacon-friendly). `Some`: a type
    /// that needs a CORS preflight, so keepalive `fetch` with that header.
    pub content_type: Option<&'static str>,
    /// (open, close) of each JSON section, e.g. (`"events":[`, `]`).
    pub sections: &'static [(&'static str, &'static str)],
}

const NATIVE: &[Channel] = &[Channel { path: "", content_type: None, sections: &[("\"events\":[", "]")] }];

/// A format whose encoder is not in this build (the `faro` / `otlp` cargo
/// features) never gets here: `config::parse` refuses it. Should it anyway,
/// it falls back to native rather than send nothing.
pub fn channels(f: Format) -> &'static [Channel] {
    match f {
        #[cfg(feature = "faro")]
        Format::Faro => super::faro::CHANNELS,
        #[cfg(feature = "otlp")]
        Format::Otlp => super::otlp::CHANNELS,
        _ => NATIVE,
    }
}

/// Channel index and section index within it, of a global section index.
pub fn locate(f: Format, section: u8) -> Option<(usize, usize)> {
    let mut s = usize::from(section);
    for (i, c) in channels(f).iter().enumerate() {
        if s < c.sections.len() {
            return Some((i, s));
        }
        s -= c.sections.len();
    }
    None
}

/// Everything an encoder may need besides the event itself.
pub struct Ctx<'a> {
    pub meta: &'a Meta,
    /// Random ids for formats that need them (OTLP span ids), supplied by
    /// the edge: the core has no randomness.
    pub random_id: &'a mut dyn FnMut(usize) -> String,
}

/// Encodes one event into zero or more items.
pub fn encode_event(f: Format, ev: &Event, ctx: &mut Ctx) -> Vec<Item> {
    match f {
        #[cfg(feature = "faro")]
        Format::Faro => super::faro::encode_event(ev, ctx),
        #[cfg(feature = "otlp")]
        Format::Otlp => super::otlp::encode_event(ev, ctx),
        _ => vec![Item { section: 0, body: ev.to_json_in(ctx.meta.view.start) }],
    }
}

/// The formats whose envelope carries `seq` (and `dropped`); the others
/// send the drop counts as an item of their own (`dropped_item`).
fn native(f: Format) -> bool {
    match f {
        #[cfg(feature = "faro")]
        Format::Faro => false,
        #[cfg(feature = "otlp")]
        Format::Otlp => false,
        _ => true,
    }
}

/// The drop counts of a flush as an item of the first channel, for formats
/// without a place for them in the envelope.
fn dropped_item(f: Format, counts: &Dropped, sent: f64, meta: &Meta) -> Option<Item> {
    let _ = (counts, sent, meta);
    match f {
        #[cfg(feature = "faro")]
        Format::Faro => Some(super::faro::dropped_item(&counts.to_attrs(), sent)),
        #[cfg(feature = "otlp")]
        Format::Otlp => Some(super::otlp::dropped_item(&counts.to_attrs(), sent, meta)),
        _ => None,
    }
}

/// The head and tail around a channel's sections. A native head is the
/// envelope's fields from `v` to `sent` (`requests` writes `{"seq":N,`
/// before them and the drop counts after).
pub fn envelope(f: Format, channel: usize, meta: &Meta, sent: f64) -> (String, String) {
    let _ = (channel, sent);
    match f {
        #[cfg(feature = "faro")]
        Format::Faro => super::faro::envelope(meta),
        #[cfg(feature = "otlp")]
        Format::Otlp => super::otlp::envelope(channel, meta),
        _ => {
            let mut j = Json::with_capacity(1024);
            meta.encode_fields(&mut j, sent);
            j.buf.push(',');
            (j.finish(), "}".into())
        }
    }
}

/// `"dropped":{"queue":3,…},` (empty without counts): the native first
/// request's part of the head after `sent`.
fn dropped_json(dropped: &Dropped) -> String {
    let mut j = Json::new();
    if !dropped.is_empty() {
        j.key("dropped").obj();
        for (k, n) in &dropped.0 {
            j.kuint(k, *n);
        }
        j.end_obj().buf.push(',');
    }
    j.finish()
}

/// One request: which channel, and its body.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub channel: u8,
    pub body: String,
}

/// `{"seq":` + at most 10 digits + `,`: what a native head adds to `envelope`'s.
const SEQ_LEN: usize = 18;

/// Splits a flush's items into requests of at most `limit` bytes, channel by
/// channel, numbering them from `*seq + 1`.
pub fn requests(
    f: Format,
    meta: &Meta,
    items: Vec<Item>,
    dropped: Dropped,
    sent: f64,
    seq: &mut u32,
    limit: usize,
) -> (Vec<Request>, Dropped) {
    let mut out = Vec::new();
    let mut over = Dropped::default();
    let native = native(f);
    let mut rest = items;
    for (ci, channel) in channels(f).iter().enumerate() {
        let n = u8::try_from(channel.sections.len()).unwrap_or(0);
        let first = ci == 0;
        let mut mine: Vec<Item> = Vec::new();
        if !native && first && !dropped.is_empty() {
            // First, so it lands in the flush's first request.
            mine.extend(dropped_item(f, &dropped, sent, meta));
        }
        let mut later = Vec::new();
        for mut it in rest {
            if it.section < n {
                mine.push(it);
            } else {
                it.section -= n;
                later.push(it);
            }
        }
        rest = later;
        // Native drop counts ride in the head of the flush's first request;
        // with no events they still go (alone) so they are not lost.
        let counts = if native && first { dropped_json(&dropped) } else { String::new() };
        if mine.is_empty() && counts.is_empty() {
            continue;
        }
        let (head, tail) = envelope(f, ci, meta, sent);
        let seq_len = if native { SEQ_LEN } else { 0 };
        let env = Envelope {
            first_head: seq_len + head.len() + counts.len(),
            head: seq_len + head.len(),
            tail: tail.len(),
            sections: channel.sections,
        };
        let chunks =
            if mine.is_empty() { vec!["\"events\":[]".to_string()] } else { split(&env, &mine, limit, &mut over) };
        for (i, middle) in chunks.iter().enumerate() {
            *seq = seq.saturating_add(1);
            let mut body = String::with_capacity(env.first_head + middle.len() + tail.len());
            if native {
                // `seq` first: requests are identified by view.id + seq.
                body.push_str("{\"seq\":");
                write_u64(&mut body, u64::from(*seq));
                body.push(',');
            }
            body.push_str(&head);
            if i == 0 {
                body.push_str(&counts);
            }
            body.push_str(middle);
            body.push_str(&tail);
            out.push(Request { channel: u8::try_from(ci).unwrap_or(0), body });
        }
    }
    (out, over)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::attrs::Attrs;
    use crate::core::event::{Custom, Event};

    fn meta() -> Meta {
        let mut m = Meta::default();
        m.app.name = "shop".into();
        m.view.id = "pv1".into();
        m.session.id = "s1".into();
        m
    }

    #[test]
    fn native_requests_are_numbered_and_carry_drops_once() {
        let items: Vec<Item> = (0..300)
            .map(|i| {
                let ev =
                    Event::Custom(Custom { t: 1.0, name: format!("e{i:04}{}", "x".repeat(200)), attrs: Attrs::new() });
                Item { section: 0, body: ev.to_json() }
            })
            .collect();
        let mut d = Dropped::default();
        d.add("queue", 3);
        let mut seq = 0;
        let (reqs, over) = requests(Format::Native, &meta(), items, d, 5.0, &mut seq, 20_000);
        assert!(over.is_empty());
        assert!(reqs.len() >= 4);
        assert_eq!(seq as usize, reqs.len());
        let mut names = Vec::new();
        for (i, r) in reqs.iter().enumerate() {
            assert!(r.body.len() <= 20_000);
            let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            assert_eq!(v["seq"], i + 1, "request {i}");
            assert_eq!(v["dropped"]["queue"].as_f64().is_some(), i == 0);
            for e in v["events"].as_array().unwrap() {
                names.push(e["name"].as_str().unwrap().to_string());
            }
        }
        assert_eq!(names.len(), 300);
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 300, "every event once");
    }

    #[test]
    fn drop_counts_go_even_without_events() {
        let mut d = Dropped::default();
        d.add("send", 1);
        let mut seq = 7;
        let (reqs, _) = requests(Format::Native, &meta(), Vec::new(), d, 5.0, &mut seq, 60_000);
        assert_eq!(reqs.len(), 1);
        let v: serde_json::Value = serde_json::from_str(&reqs[0].body).unwrap();
        assert_eq!((v["seq"].as_u64(), v["dropped"]["send"].as_f64()), (Some(8), Some(1.0)));
    }
}

/// Splits a native request body in two (for a collector that answered 413):
/// the events array is cut in half at a top-level comma. `None` when it holds
/// a single event (nothing smaller can be sent) or is not a native body.
pub fn halve(body: &str) -> Option<(String, String)> {
    const KEY: &str = "\"events\":[";
    let open = super::json::find(body, KEY)? + KEY.len();
    let inner_end = body.len().checked_sub(2)?; // `]}`
    let head = body.get(..open)?;
    let inner = body.get(open..inner_end)?;
    // Top-level element boundaries (commas outside strings and nesting).
    let mut cuts = Vec::new();
    let (mut depth, mut in_str, mut esc) = (0i32, false, false);
    for (i, b) in inner.bytes().enumerate() {
        if in_str {
            match b {
                _ if esc => esc = false,
                b'\\' => esc = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth -= 1,
            b',' if depth == 0 => cuts.push(i),
            _ => {}
        }
    }
    let cut = *cuts.get(cuts.len() / 2)?;
    let (a, b) = (inner.get(..cut)?, inner.get(cut + 1..)?);
    Some(([head, a, "]}"].concat(), [head, b, "]}"].concat()))
}

/// Gives a native body a new `seq` (its first field).
pub fn with_seq(body: &str, seq: u32) -> Option<String> {
    let rest = body.strip_prefix("{\"seq\":")?;
    let comma = rest.find(',')?;
    let mut out = String::with_capacity(body.len() + 4);
    out.push_str("{\"seq\":");
    write_u64(&mut out, u64::from(seq));
    out.push_str(rest.get(comma..)?);
    Some(out)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod halve_tests {
    use super::*;

    #[test]
    fn halves_keep_every_event_once_and_stay_valid() {
        let body = r#"{"seq":3,"v":1,"user":{"events":"x,[y]"},"events":[{"k":"event","name":"a,]}"},{"k":"event","attrs":{"q":"\"}"}},{"k":"e","x":[1,2]},{"k":"z"}]}"#;
        let (a, b) = halve(body).unwrap();
        let va: serde_json::Value = serde_json::from_str(&a).unwrap();
        let vb: serde_json::Value = serde_json::from_str(&b).unwrap();
        assert_eq!(va["events"].as_array().unwrap().len() + vb["events"].as_array().unwrap().len(), 4);
        assert_eq!(va["user"]["events"], "x,[y]");
        let one = r#"{"seq":1,"events":[{"k":"a"}]}"#;
        assert_eq!(halve(one), None);
        assert_eq!(with_seq(&a, 17).unwrap()[..9].to_string(), r#"{"seq":17"#);
        assert!(serde_json::from_str::<serde_json::Value>(&with_seq(&b, 18).unwrap()).is_ok());
    }
}
