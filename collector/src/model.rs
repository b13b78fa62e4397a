//! From a decoded, enriched batch to the rows the writer stores: one
//! `events` row per event, plus the page-view and session roll-ups that the
//! summary reads.

use rum_agent::core::attrs::Val;
use rum_agent::core::event::{source, Event};
use serde_json::{Map, Value};

use crate::decode::Decoded;
use crate::enrich::{Client, Country};

/// Roll-up columns of `page_views` fed by vitals, in schema order.
pub const VITALS: [&str; 7] = ["LCP", "INP", "CLS", "FCP", "TTFB", "TTI", "TBT"];
/// Longest `name` stored (URLs and error messages can be long).
pub const MAX_NAME: usize = 1024;

#[derive(Debug, Clone, Default)]
pub struct PageViewRow {
    pub id: String,
    pub session_id: String,
    pub app_name: String,
    pub app_version: String,
    pub app_env: String,
    pub started_at: i64,
    pub url: String,
    pub page: String,
    pub view_name: String,
    pub referrer: String,
    pub nav_type: String,
    /// A soft navigation's view: the page view it came from ('' otherwise).
    pub parent_id: String,
    pub client: Client,
    pub country: Country,
    pub tz: String,
    pub lang: String,
    pub ua: String,
    pub sdk: String,
    pub viewport: String,
    pub conn: String,
    pub clock_skew_ms: Option<i64>,
    pub user_id: String,
    /// Largest value seen per `VITALS` entry (LCP, CLS and INP only grow
    /// within a page view; the others are reported once).
    pub vitals: [Option<f64>; 7],
    /// loadEventEnd of the navigation entry.
    pub page_load: Option<f64>,
    /// TTFB from the navigation entry, for page views without a TTFB vital.
    pub nav_ttfb: Option<f64>,
    pub js_errors: i64,
    pub errors: i64,
    pub http_calls: i64,
    pub http_errors: i64,
    pub events: i64,
    pub agent_dropped: i64,
}

#[derive(Debug, Clone)]
pub struct EventRow {
    pub ts: i64,
    pub kind: &'static str,
    pub name: String,
    pub value: Option<f64>,
    pub attributes: String,
}

#[derive(Debug, Clone)]
pub struct Record {
    pub view_id: String,
    /// 0: the sender did not number its requests (no de-duplication).
    pub seq: u32,
    pub received_at: i64,
    pub session_started_at: i64,
    pub page_view: PageViewRow,
    pub events: Vec<EventRow>,
    /// Kinds of the stored events, for metrics.
    pub kinds: Vec<&'static str>,
}

fn ms(v: f64) -> i64 {
    if v.is_finite() {
        // Saturating float → int conversion; epoch ms fit comfortably.
        crate::sat_i64(v)
    } else {
        0
    }
}

fn cut(s: &str, max: usize) -> String {
    rum_agent::core::attrs::truncate(s, max).to_string()
}

/// Path of a URL, without scheme, host, query or fragment: the page.
pub fn page_of(url: &str) -> String {
    let rest = match url.find("://") {
        Some(i) => {
            let after = url.get(i + 3..).unwrap_or("");
            match after.find('/') {
                Some(j) => after.get(j..).unwrap_or("/"),
                None => "/",
            }
        }
        None => url,
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let p = rest.get(..end).unwrap_or("");
    if p.is_empty() {
        "/".into()
    } else {
        cut(p, 512)
    }
}

/// `TypeError: x is not a function`: the type, then the message's first
/// line, without the `Uncaught ` (and repeated type) Chrome puts in
/// `ErrorEvent.message`.
pub fn error_name(error_type: &str, msg: &str) -> String {
    let first = msg.lines().next().unwrap_or("").trim();
    let first = first.strip_prefix("Uncaught ").unwrap_or(first);
    if error_type.is_empty() || first.starts_with(error_type) {
        if first.is_empty() {
            error_type.to_string()
        } else {
            first.to_string()
        }
    } else if first.is_empty() {
        error_type.to_string()
    } else {
        format!("{error_type}: {first}")
    }
}

pub fn build_record(d: &Decoded, client: Client, country: Country, received_at: i64) -> Record {
    let b = &d.batch;
    // Clock skew: how far the client's clock is behind the server's
    // (receive − sent; includes the transit time, small next to real skew).
    let skew = (b.sent > 0.0).then(|| received_at - ms(b.sent));
    let to_server = |t: f64| if t > 0.0 { ms(t) + skew.unwrap_or(0) } else { received_at };
    let env = &b.env;
    let user_id = b.user.get("id").map(|v| match v {
        Val::S(s) => s.clone(),
        Val::N(n) => n.to_string(),
    });
    let mut pv = PageViewRow {
        id: b.view.id.clone(),
        session_id: b.session.id.clone(),
        app_name: cut(&b.app.name, 128),
        app_version: cut(&b.app.version, 128),
        app_env: cut(&b.app.environment, 64),
        started_at: to_server(b.view.start),
        url: cut(&b.view.url, 2048),
        page: page_of(&b.view.url),
        view_name: cut(&b.view.name, 256),
        referrer: cut(&b.view.referrer, 2048),
        nav_type: cut(&b.view.nav, 32),
        parent_id: cut(&b.view.parent, 64),
        client,
        country,
        tz: cut(&env.tz, 64),
        lang: cut(&env.lang, 35),
        ua: cut(&env.ua, 512),
        sdk: format!("{}/{}", cut(&b.sdk.name, 64), cut(&b.sdk.version, 32)),
        viewport: if env.vw > 0 { format!("{}x{}", env.vw, env.vh) } else { String::new() },
        conn: env.conn.as_ref().map(|c| cut(&c.ect, 16)).unwrap_or_default(),
        clock_skew_ms: skew,
        user_id: user_id.map(|u| cut(&u, 256)).unwrap_or_default(),
        agent_dropped: b.dropped.0.iter().map(|(_, v)| if let Val::N(n) = v { ms(*n).max(0) } else { 0 }).sum(),
        ..Default::default()
    };

    let mut events = Vec::with_capacity(d.events.len());
    let mut kinds = Vec::with_capacity(d.events.len());
    for good in &d.events {
        let e = &good.event;
        let mut attrs: Map<String, Value> = good.raw.clone();
        attrs.remove("k");
        attrs.remove("t");
        let (name, value): (String, Option<f64>) = match e {
            Event::Nav(n) => {
                let ph = n.phases();
                attrs.insert(
                    "phases".into(),
                    serde_json::json!({
                        "redirect": ph.redirect, "dns": ph.dns, "tcp": ph.tcp, "tls": ph.tls,
                        "request": ph.request, "download": ph.download,
                        "dom_processing": ph.dom_processing, "ttfb": ph.ttfb,
                    }),
                );
                if n.load_event_end > 0.0 {
                    pv.page_load = Some(pv.page_load.map_or(n.load_event_end, |p| p.max(n.load_event_end)));
                }
                if n.response_start > 0.0 {
                    pv.nav_ttfb = Some(ph.ttfb);
                }
                ("page_load".into(), (n.load_event_end > 0.0).then_some(n.load_event_end))
            }
            Event::Res(r) => {
                attrs.remove("url");
                attrs.remove("dur");
                (r.url.clone(), Some(r.dur))
            }
            Event::Error(er) => {
                let count = er.count.max(1);
                pv.errors += i64::from(count);
                if er.src == source::JS || er.src == source::PROMISE {
                    pv.js_errors += i64::from(count);
                }
                attrs.remove("count");
                let name = error_name(&er.error_type, &er.msg);
                (name, Some(f64::from(count)))
            }
            Event::Custom(c) => {
                attrs.remove("name");
                (c.name.clone(), None)
            }
            Event::Measure(m) => {
                attrs.remove("name");
                attrs.remove("value");
                (m.name.clone(), Some(m.value))
            }
            Event::Vital(v) => {
                attrs.remove("name");
                attrs.remove("value");
                if let Some(i) = VITALS.iter().position(|n| *n == v.name) {
                    if let Some(slot) = pv.vitals.get_mut(i) {
                        *slot = Some(slot.map_or(v.value, |old| old.max(v.value)));
                    }
                }
                (v.name.clone(), Some(v.value))
            }
            Event::LongTasks(l) => {
                attrs.remove("total");
                (l.src.clone(), Some(l.total))
            }
            Event::Http(h) => {
                pv.http_calls += 1;
                if h.status >= 500 || !h.fail.is_empty() {
                    pv.http_errors += 1;
                }
                attrs.remove("dur");
                (format!("{} {}", h.method, h.url), Some(h.dur))
            }
            // Where the page view's time went; the parts stay in attributes
            // (server, network, frontend, frontend_lcp), the value is their sum.
            Event::Split(sp) => ("latency_split".into(), Some(sp.server.unwrap_or(0.0) + sp.network + sp.frontend)),
            // A user action: named by its name (else its target), valued by its duration.
            Event::Action(a) => {
                attrs.remove("dur");
                let name = if a.name.is_empty() { a.target.clone() } else { a.name.clone() };
                (name, Some(a.dur))
            }
        };
        kinds.push(e.kind());
        events.push(EventRow {
            ts: to_server(e.time()),
            kind: e.kind(),
            name: cut(&name, MAX_NAME),
            value: value.filter(|v| v.is_finite()),
            attributes: Value::Object(attrs).to_string(),
        });
    }
    pv.events = i64::try_from(events.len()).unwrap_or(i64::MAX);
    Record {
        view_id: b.view.id.clone(),
        seq: b.seq,
        received_at,
        session_started_at: to_server(b.session.start),
        page_view: pv,
        events,
        kinds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages() {
        assert_eq!(page_of("https://shop.example/p/1?x=1#y"), "/p/1");
        assert_eq!(page_of("https://shop.example"), "/");
        assert_eq!(page_of("http://127.0.0.1:8787/demo/"), "/demo/");
        assert_eq!(page_of(""), "/");
    }

    #[test]
    fn error_names() {
        assert_eq!(error_name("TypeError", "Uncaught TypeError: x is null\nat f"), "TypeError: x is null");
        assert_eq!(error_name("TypeError", "x is null"), "TypeError: x is null");
        assert_eq!(error_name("", "Script error."), "Script error.");
        assert_eq!(error_name("ResourceError", ""), "ResourceError");
        assert_eq!(error_name("Error", "Uncaught (in promise) boom"), "Error: (in promise) boom");
    }
}
