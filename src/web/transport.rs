//! Delivery: fetch while the page is visible (so we see the answer and can
//! retry), sendBeacon when it is being hidden or unloaded (the one API the
//! browser promises to finish after the page is gone), keepalive fetch when
//! sendBeacon is missing or refuses, and localStorage for what still could
//! not go, delivered by the next page view.
//!
//! Requests carry `view.id` + `seq`, so a request sent twice (beacon and
//! stored copy, or a retry after a lost answer) is stored once by the
//! collector: delivery is at-least-once, storage exactly-once.

#[allow(unused_imports)]
use crate::prelude::*;

use alloc::rc::Weak;
use core::cell::{Cell, RefCell};

use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::batch::{reason, Dropped};
use crate::core::json::{f64_to_u64, parse_u64, write_u64};

use super::bindings::Loose;
use super::util::{get, now, once, set, Timer};

/// Retry store bounds: memory stays flat however long the collector is down.
const RETRY_MAX_ITEMS: usize = 32;
const RETRY_MAX_BYTES: usize = 256 * 1024;
/// Stored batches: same byte bound, and older than a day is not worth sending.
const OUTBOX_KEY: &str = "rum-agent:outbox";
const OUTBOX_MAX_AGE_MS: f64 = 24.0 * 3600.0 * 1000.0;
/// The keepalive quota is 64 KiB for all in-flight keepalive requests.
const KEEPALIVE_MAX: usize = 65_536;
/// Requests handed to the browser at `last_chance` whose answer is awaited
/// (one per hide while a request was in flight: a handful at most).
const HANDED_MAX: usize = 4;
/// Hide beacons waiting for their compression (one per hide: a compression
/// that never ends must not grow memory with each tab switch).
const LEAVING_MAX: usize = 4;

struct Pending {
    channel: u8,
    body: String,
    created: f64,
    /// The drop counts written in this body. When the request itself is
    /// dropped they go back to `dropped`, to ride in a later request: while
    /// the collector is down the retry store evicts request after request,
    /// and the counts in them were lost with them (the e2e fault test saw
    /// 27 dropped requests reported of some 370).
    carried: Dropped,
}

/// Where a channel's requests go.
struct Target {
    url: String,
    /// None: text/plain (beacon-friendly); Some: sent by fetch with this type.
    content_type: Option<&'static str>,
}

pub struct Transport {
    targets: Vec<Target>,
    /// `fetch` as it was when the agent started (before any wrapping, ours or
    /// another library's), called with `window` as `this`.
    fetch: Option<Function>,
    /// Oldest first; at most RETRY_MAX_ITEMS, so a Vec (a VecDeque costs
    /// ~1 KB more wasm for a queue this short).
    retry: RefCell<Vec<Pending>>,
    retry_bytes: Cell<usize>,
    timer: RefCell<Option<Timer>>,
    /// Last request failed: at unload, store a copy in case the beacon is lost too.
    unhealthy: Cell<bool>,
    /// Failed attempts since the last success: the backoff grows with it.
    /// Kept here, not per request: while the collector is down a busy page
    /// fills the retry store, the oldest request (the one being retried) is
    /// dropped, and a per-request count restarted the backoff at 2 s for
    /// every new front (found by tests/e2e/faults.test.mjs: a retry every
    /// 2 s for as long as the outage lasted).
    failures: Cell<u32>,
    in_flight: Cell<bool>,
    /// Incremented by `last_chance`, which empties the queue: a compression
    /// still running then must not send its request afterwards, and a late
    /// answer must not act on the queue (it would be taken for a newer
    /// request's).
    generation: Cell<u32>,
    /// The front request is in flight as a keepalive fetch.
    keepalive_sent: Cell<bool>,
    /// Requests that were in flight as keepalive fetches when `last_chance`
    /// ran, by the generation they were sent in: the browser completes them
    /// without the page, as it does a beacon, so they are not sent again;
    /// if the page lives to see a failed answer, they are queued again.
    handed: RefCell<Vec<(u32, Pending)>>,
    /// The page is being unloaded (`pagehide` until `pageshow`): nothing
    /// asynchronous can finish any more.
    pub unloading: Cell<bool>,
    /// Bodies of the hide beacon being compressed, by number: sent when the
    /// compression is done, or as text by an unload that comes first.
    leaving: RefCell<Vec<(u32, u8, String)>>,
    leave_id: Cell<u32>,
    /// Request numbers (native `seq`): never reused in a page's life, so a
    /// request split after a 413 gets fresh ones.
    pub seq: Cell<u32>,
    /// Native bodies can be split after a 413; other formats cannot.
    splittable: bool,
    pub dropped: RefCell<Dropped>,
    persist: bool,
    /// The runtime that holds this transport (its promise reactions and
    /// timer reach it through the runtime: no `Rc` of its own).
    me: Weak<super::runtime::Runtime>,
}

impl Transport {
    pub fn new(
        url: &str,
        channels: &[crate::core::wire::Channel],
        persist: bool,
        splittable: bool,
        me: Weak<super::runtime::Runtime>,
    ) -> Transport {
        let fetch = super::util::window().map(|w| get(w, "fetch")).and_then(|f| f.dyn_into::<Function>().ok());
        let base = crate::core::json::trim_end_byte(url, b'/');
        let targets = channels
            .iter()
            .map(|c| Target {
                url: if c.path.is_empty() { url.to_string() } else { [base, c.path].concat() },
                content_type: c.content_type,
            })
            .collect();
        Transport {
            targets,
            fetch,
            retry: RefCell::new(Vec::new()),
            retry_bytes: Cell::new(0),
            timer: RefCell::new(None),
            unhealthy: Cell::new(false),
            failures: Cell::new(0),
            in_flight: Cell::new(false),
            generation: Cell::new(0),
            keepalive_sent: Cell::new(false),
            handed: RefCell::new(Vec::new()),
            unloading: Cell::new(false),
            leaving: RefCell::new(Vec::new()),
            leave_id: Cell::new(0),
            seq: Cell::new(0),
            splittable,
            dropped: RefCell::new(Dropped::default()),
            persist,
            me,
        }
    }

    /// Sends one request body. `last_chance`: the page is being hidden or
    /// unloaded and may never run code again.
    pub fn send(&self, channel: u8, body: String, last_chance: bool, carried: Dropped) {
        if last_chance {
            let body = match self.leave_compressed(channel, body) {
                Ok(()) => return,
                Err(body) => body,
            };
            if !self.leave(channel, &body) {
                self.store(vec![(now(), channel, body)], true);
            }
        } else {
            self.enqueue(Pending { channel, body, created: now(), carried });
            self.pump();
        }
    }

    /// Page is going away: what waits for a retry goes by beacon, and into
    /// storage too when the collector was failing.
    pub fn last_chance(&self) {
        let generation = self.generation.get();
        self.generation.set(generation.wrapping_add(1));
        self.timer.borrow_mut().take();
        let mut pending = core::mem::take(&mut *self.retry.borrow_mut()).into_iter();
        self.retry_bytes.set(0);
        self.in_flight.set(false);
        let mut keep = Vec::new();
        // Sending the request in flight again would deliver it twice where
        // the receiver cannot de-duplicate (the e2e tests saw the post-load
        // request twice when the page was left at once).
        if self.keepalive_sent.replace(false) {
            if let Some(p) = pending.next() {
                if self.unhealthy.get() {
                    keep.push((p.created, p.channel, p.body.clone()));
                }
                let mut handed = self.handed.borrow_mut();
                if handed.len() >= HANDED_MAX {
                    handed.remove(0);
                }
                handed.push((generation, p));
            }
        }
        for p in pending {
            if !self.leave(p.channel, &p.body) {
                keep.push((p.created, p.channel, p.body));
            }
        }
        self.store(keep, true);
        if self.unloading.get() {
            // Compressions still running will not finish: their bodies go as
            // text now, and their stored copies stay only if that failed.
            let waiting = core::mem::take(&mut *self.leaving.borrow_mut());
            for (_, channel, body) in waiting {
                if self.leave(channel, &body) {
                    self.unstore(&body);
                }
            }
        }
    }

    /// The hide beacon of a tab switch, gzip-compressed like the requests
    /// sent while visible (it used to go as text: half the bytes of a page
    /// view). The page still runs after `visibilitychange` → hidden, so the
    /// beacon leaves when the compression is done, a millisecond later; for
    /// the page killed in between (a mobile browser may), a copy waits in
    /// the outbox, removed once the beacon is handed over, and an unload
    /// coming first sends the text at once (`last_chance`). `Err(body)`:
    /// it must go now (an unload, another format, no CompressionStream, no
    /// storage for the copy, too many waiting).
    fn leave_compressed(&self, channel: u8, body: String) -> Result<(), String> {
        let full = self.leaving.borrow().len() >= LEAVING_MAX;
        if full || self.unloading.get() || !self.splittable || !self.persist || local_storage().is_none() {
            return Err(body);
        }
        let Some(compressed) = compress(&body) else { return Err(body) };
        if !self.store(vec![(now(), channel, body.clone())], false) {
            return Err(body);
        }
        let id = self.leave_id.get().wrapping_add(1);
        self.leave_id.set(id);
        self.leaving.borrow_mut().push((id, channel, body));
        let me = self.me.clone();
        // Freed when called (fulfilled or rejected: one of the two runs).
        let done = once(Box::new(move |bytes: JsValue| {
            let Some(rt) = me.upgrade() else { return Ok(JsValue::UNDEFINED) };
            let t = &rt.transport;
            let entry = {
                let mut leaving = t.leaving.borrow_mut();
                let i = leaving.iter().position(|(n, _, _)| *n == id);
                i.map(|i| leaving.remove(i))
            };
            // Gone: an unload sent it as text meanwhile.
            let Some((_, channel, body)) = entry else { return Ok(JsValue::UNDEFINED) };
            // Refused (quota) or a failed compression: the text, as at an
            // unload (a beacon, else a keepalive fetch).
            let sent = (bytes.is_instance_of::<js_sys::ArrayBuffer>()
                && t.beacon_target(channel).is_some_and(|(nav, url)| {
                    nav.unchecked_ref::<super::bindings::Loose>().send_beacon(url, &bytes).unwrap_or(false)
                }))
                || t.leave(channel, &body);
            if sent && !t.unhealthy.get() {
                t.unstore(&body);
            }
            Ok(JsValue::UNDEFINED)
        }));
        let f: &Function = done.unchecked_ref();
        let _ = compressed.unchecked_ref::<super::bindings::Thenable>().then_both(f, f);
        Ok(())
    }

    /// Sends `body` as the page goes away; false when a copy must be stored
    /// for the next page view.
    ///
    /// - text/plain channels: sendBeacon, else keepalive fetch. The beacon's
    ///   fate is unknown, so when the collector was failing a copy is stored
    ///   too (the collector stores a request once: view.id + seq).
    /// - channels with a content type (OTLP): keepalive fetch is the delivery
    ///   (a beacon cannot carry the type). Receivers cannot de-duplicate, so
    ///   a copy is stored only when the fetch could not be made or the
    ///   collector was failing.
    fn leave(&self, channel: u8, body: &str) -> bool {
        let typed = self.targets.get(usize::from(channel)).is_some_and(|t| t.content_type.is_some());
        if !typed && self.beacon(channel, body) {
            return !self.unhealthy.get();
        }
        // Fire and forget: the page may be gone before the answer.
        let fetched = body.len() <= KEEPALIVE_MAX && self.fetch(channel, body).is_some();
        fetched && typed && !self.unhealthy.get()
    }

    fn beacon(&self, channel: u8, body: &str) -> bool {
        // A string body is sent as text/plain: a CORS-safelisted type, no preflight.
        self.beacon_target(channel).is_some_and(|(nav, url)| {
            nav.unchecked_ref::<super::bindings::Loose>().send_beacon(url, &JsValue::from_str(body)).unwrap_or(false)
        })
    }

    /// The navigator and URL a beacon on `channel` goes with, if it can.
    fn beacon_target(&self, channel: u8) -> Option<(web_sys::Navigator, &str)> {
        let target = self.targets.get(usize::from(channel))?;
        // A beacon cannot carry a content type that needs a preflight.
        if target.content_type.is_some() {
            return None;
        }
        let nav = super::util::window()?.navigator();
        // Missing in old browsers: `typeof navigator.sendBeacon !== 'function'`.
        get(&nav, "sendBeacon").is_function().then_some((nav, target.url.as_str()))
    }

    fn fetch(&self, channel: u8, body: &str) -> Option<Promise> {
        self.fetch_body(channel, &JsValue::from_str(body), body.len())
    }

    /// `body`: a string, or the gzip bytes of one (`compress`).
    fn fetch_body(&self, channel: u8, body: &JsValue, len: usize) -> Option<Promise> {
        let f = self.fetch.as_ref()?;
        let target = self.targets.get(usize::from(channel))?;
        // No prototype: fetch reads every RequestInit member with [[Get]], so
        // a polluted `Object.prototype.headers` (or `mode`, `signal`, …)
        // became part of our request (a header that failed the CORS
        // preflight: tests/e2e/faults.test.mjs, hostile pages).
        let init = Object::create(JsValue::NULL.unchecked_ref());
        set(&init, "method", &JsValue::from_str("POST"));
        if let Some(ct) = target.content_type {
            let headers = Object::new();
            set(&headers, "content-type", &JsValue::from_str(ct));
            set(&init, "headers", &headers);
        }
        set(&init, "body", body);
        set(&init, "keepalive", &JsValue::from_bool(len <= KEEPALIVE_MAX));
        // Cookies are not ours to send.
        set(&init, "credentials", &JsValue::from_str("omit"));
        let w = super::util::window()?;
        // A synchronous throw (bad URL, quota) is just a failed send.
        f.call2(w, &JsValue::from_str(&target.url), &init).ok()?.dyn_into::<Promise>().ok()
    }

    fn enqueue(&self, p: Pending) {
        // Oldest out first, until the new one fits (`pop_front` keeps the byte count).
        while self.retry.borrow().len() >= RETRY_MAX_ITEMS || self.retry_bytes.get() + p.body.len() > RETRY_MAX_BYTES {
            let Some(old) = self.pop_front() else { break };
            self.lost(old);
        }
        self.retry_bytes.set(self.retry_bytes.get() + p.body.len());
        self.retry.borrow_mut().push(p);
    }

    /// Sends the oldest waiting request unless one is already in flight:
    /// one at a time keeps us inside the keepalive quota and in order.
    fn pump(&self) {
        if self.in_flight.get() || self.timer.borrow().is_some() {
            return;
        }
        let (channel, body) = match self.retry.borrow().first() {
            Some(p) => (p.channel, p.body.clone()),
            None => return,
        };
        // Native bodies go gzip-compressed while the page is visible (the
        // browser's native zlib, in stream tasks of its own: tens of
        // microseconds for a batch, never one long task; the collector
        // recognises gzip by its magic bytes, so the body stays a
        // CORS-safelisted text/plain request with no Content-Encoding
        // header). At unload there is no time for it: beacons go as text.
        if self.splittable {
            if let Some(compressed) = compress(&body) {
                self.in_flight.set(true);
                let me = self.me.clone();
                let generation = self.generation.get();
                let send = once(Box::new(move |bytes: JsValue| {
                    let Some(rt) = me.upgrade() else { return Ok(JsValue::UNDEFINED) };
                    let t = &rt.transport;
                    if t.generation.get() != generation {
                        return Ok(JsValue::UNDEFINED); // the page was hidden meanwhile: sent by beacon
                    }
                    let len = get(&bytes, "byteLength").as_f64().map_or(body.len(), |n| {
                        usize::try_from(crate::core::json::f64_to_u64(n)).unwrap_or(usize::MAX)
                    });
                    // Failed compression: the text itself.
                    let body = if bytes.is_instance_of::<js_sys::ArrayBuffer>() {
                        js_sys::Uint8Array::new(&bytes).into()
                    } else {
                        JsValue::from_str(&body)
                    };
                    match t.fetch_body(channel, &body, len) {
                        Some(p) => {
                            t.keepalive_sent.set(len <= KEEPALIVE_MAX);
                            t.await_answer(&p);
                        }
                        None => t.on_answer(&JsValue::UNDEFINED),
                    }
                    Ok(JsValue::UNDEFINED)
                }));
                // Freed when called (fulfilled or rejected: one of the two runs).
                let f: &Function = send.unchecked_ref();
                let _ = compressed.unchecked_ref::<super::bindings::Thenable>().then_both(f, f);
                return;
            }
        }
        let Some(promise) = self.fetch(channel, &body) else {
            // No fetch at all (very old browser): the beacon is all we have.
            if let Some(p) = self.pop_front() {
                if !self.beacon(p.channel, &p.body) {
                    self.lost(p);
                }
            }
            return self.pump();
        };
        self.in_flight.set(true);
        self.keepalive_sent.set(body.len() <= KEEPALIVE_MAX);
        self.await_answer(&promise);
    }

    fn await_answer(&self, promise: &Promise) {
        let me = self.me.clone();
        let generation = self.generation.get();
        // Called exactly once (fulfilled or rejected), which frees it; a
        // promise that never settles leaks one small closure per request.
        let done = once(Box::new(move |res: JsValue| {
            if let Some(rt) = me.upgrade() {
                let t = &rt.transport;
                if t.generation.get() == generation {
                    t.on_answer(&res);
                } else {
                    t.on_late_answer(generation, &res);
                }
            }
            Ok(JsValue::UNDEFINED)
        }));
        let done: &Function = done.unchecked_ref();
        let _ = promise.unchecked_ref::<super::bindings::Thenable>().then_both(done, done);
    }

    /// A request given up: counted, and the counts it carried kept for a later one.
    fn lost(&self, p: Pending) {
        let mut d = self.dropped.borrow_mut();
        d.merge(p.carried);
        d.add(reason::SEND, 1);
    }

    fn pop_front(&self) -> Option<Pending> {
        let mut q = self.retry.borrow_mut();
        let p = if q.is_empty() { return None } else { q.remove(0) };
        self.retry_bytes.set(self.retry_bytes.get().saturating_sub(p.body.len()));
        Some(p)
    }

    /// The answer to a request handed to the browser by `last_chance`: the
    /// page is alive again (shown after a hide). Delivered: forgotten;
    /// refused or failed: queued again (behind the request now in flight).
    fn on_late_answer(&self, generation: u32, res: &JsValue) {
        let p = {
            let mut handed = self.handed.borrow_mut();
            let i = handed.iter().position(|(g, _)| *g == generation);
            i.map(|i| handed.remove(i).1)
        };
        let Some(p) = p else { return };
        if !(200..=299).contains(&status_of(response_of(res))) {
            self.enqueue(p);
            self.pump();
        }
    }

    fn on_answer(&self, res: &JsValue) {
        self.in_flight.set(false);
        self.keepalive_sent.set(false);
        // A fulfilment is the Response; a rejection (network error, CORS,
        // keepalive quota) is an Error. Status and headers are read from the
        // Response only: `dyn_ref::<Loose>()` (an `instanceof` test against
        // a class that does not exist) was never true, so Retry-After was
        // never read, and an Error's `status` may be a polluted
        // `Object.prototype.status` (both found by tests/e2e/faults.test.mjs).
        let response = response_of(res);
        match status_of(response) {
            200..=299 => {
                self.unhealthy.set(false);
                self.failures.set(0);
                self.pop_front();
                self.pump();
            }
            // Rate limited or overloaded: back off as told.
            0 | 408 | 429 | 500..=599 => {
                self.unhealthy.set(true);
                let retry_after = response
                    .and_then(|r| r.headers())
                    .and_then(|h| h.header("retry-after").ok().flatten())
                    .and_then(|s| u32::try_from(parse_u64(&s)?).ok());
                if self.retry.borrow().is_empty() {
                    return;
                }
                let attempts = self.failures.get().saturating_add(1);
                self.failures.set(attempts);
                // 1 s, 2 s, 4 s … capped at 60 s; Retry-After (seconds) wins.
                // (The first retry came after 2 s; README says 1 s.)
                let backoff = retry_after
                    .map(|s| s.saturating_mul(1000).min(600_000))
                    .unwrap_or_else(|| 1000u32.saturating_mul(1 << attempts.saturating_sub(1).min(6)).min(60_000));
                let me = self.me.clone();
                let t = Timer::new(backoff, false, move || {
                    if let Some(rt) = me.upgrade() {
                        rt.transport.timer.borrow_mut().take();
                        rt.transport.pump();
                    }
                });
                *self.timer.borrow_mut() = t;
            }
            // Too large for this collector: send it as two halves (each with
            // a fresh seq), down to single events.
            413 if self.splittable => {
                let halves = self.pop_front().and_then(|p| {
                    let (a, b) = crate::core::wire::halve(&p.body)?;
                    let next = |body: &str| {
                        self.seq.set(self.seq.get().saturating_add(1));
                        crate::core::wire::with_seq(body, self.seq.get())
                    };
                    // Both halves have the head, drop counts included: they
                    // stay in the first only (else a split counted them twice,
                    // and again at each further split: tests/e2e/faults.test.mjs).
                    let b = without_dropped(&b).unwrap_or(b);
                    Some((p.channel, p.created, next(&a)?, next(&b)?, p.carried))
                });
                match halves {
                    Some((channel, created, a, b, carried)) => {
                        let mut q = self.retry.borrow_mut();
                        self.retry_bytes.set(self.retry_bytes.get() + a.len() + b.len());
                        q.insert(0, Pending { channel, body: b, created, carried: Dropped::default() });
                        q.insert(0, Pending { channel, body: a, created, carried });
                    }
                    None => self.dropped.borrow_mut().add(reason::OVERSIZE, 1),
                }
                self.pump();
            }
            // 4xx: the collector refuses this body; resending will not help.
            _ => {
                if let Some(p) = self.pop_front() {
                    self.lost(p);
                }
                self.pump();
            }
        }
    }

    /// Appends to the outbox (bounded, oldest dropped first); true when
    /// `items` are stored. `lost`: items that could not be stored are lost
    /// (counted), rather than a copy of something still to be sent.
    fn store(&self, items: Vec<(f64, u8, String)>, lost: bool) -> bool {
        if items.is_empty() || !self.persist {
            return items.is_empty();
        }
        let new = u64::try_from(items.len()).unwrap_or(0);
        let failed = |t: &Transport| {
            if lost {
                t.dropped.borrow_mut().add(reason::SEND, new);
            }
            false
        };
        let Some(storage) = local_storage() else { return failed(self) };
        let mut lines = parse_outbox(&storage.get_item(OUTBOX_KEY).ok().flatten().unwrap_or_default());
        lines.extend(items);
        let mut total: usize = lines.iter().map(|(_, _, b)| b.len() + 20).sum();
        let mut skip = 0;
        while total > RETRY_MAX_BYTES && skip < lines.len() {
            total -= lines.get(skip).map_or(0, |(_, _, b)| b.len() + 20);
            skip += 1;
        }
        self.dropped.borrow_mut().add(reason::SEND, u64::try_from(skip).unwrap_or(0));
        let out = outbox_text(lines.get(skip..).unwrap_or_default());
        // Quota exceeded or storage blocked: nothing more we can do (what
        // was stored before stays as it was).
        if storage.set_item(OUTBOX_KEY, &out).is_err() {
            return failed(self);
        }
        true
    }

    /// Removes the stored copy of `body` (its request was handed over).
    fn unstore(&self, body: &str) {
        let Some(storage) = local_storage() else { return };
        let mut lines = parse_outbox(&storage.get_item(OUTBOX_KEY).ok().flatten().unwrap_or_default());
        let Some(i) = lines.iter().position(|(_, _, b)| b == body) else { return };
        lines.remove(i);
        let _ = if lines.is_empty() {
            storage.remove_item(OUTBOX_KEY)
        } else {
            storage.set_item(OUTBOX_KEY, &outbox_text(&lines))
        };
    }

    /// At start: send what earlier page views could not.
    pub fn resend_stored(&self) {
        let Some(storage) = local_storage() else {
            return;
        };
        let Some(raw) = storage.get_item(OUTBOX_KEY).ok().flatten() else {
            return;
        };
        let _ = storage.remove_item(OUTBOX_KEY);
        let t = now();
        for (created, channel, body) in parse_outbox(&raw) {
            if t - created > OUTBOX_MAX_AGE_MS || usize::from(channel) >= self.targets.len() {
                self.dropped.borrow_mut().add(reason::EXPIRED, 1);
            } else {
                self.enqueue(Pending { channel, body, created, carried: Dropped::default() });
            }
        }
        self.pump();
    }
}

/// A native body without the `"dropped":{…},` of its head (`None` when it
/// has none). The counts are numbers by reason: no nested braces.
fn without_dropped(body: &str) -> Option<String> {
    use crate::core::json::find;
    let head = body.get(..find(body, "\"events\":[")?)?;
    let start = find(head, "\"dropped\":{")?;
    let close = start + find(head.get(start..)?, "}")?;
    // It is followed by the comma before `"events"`.
    let end = close + if head.get(close + 1..close + 2) == Some(",") { 2 } else { 1 };
    Some([body.get(..start)?, body.get(end..)?].concat())
}

/// The Response of a settled fetch; `None` for a rejection.
fn response_of(res: &JsValue) -> Option<&Loose> {
    (res.is_object() && !res.is_instance_of::<js_sys::Error>()).then(|| res.unchecked_ref::<Loose>())
}

/// The HTTP status, 0 for none (a network error).
fn status_of(response: Option<&Loose>) -> u64 {
    let status = response.map_or(f64::NAN, |r| r.status());
    if status.is_finite() {
        f64_to_u64(status)
    } else {
        0
    }
}

/// The gzip bytes (an ArrayBuffer) of `body`, by the browser's
/// `CompressionStream` (asynchronous: the caller's task ends at once);
/// `None` where the browser has none.
fn compress(body: &str) -> Option<Promise> {
    let g = super::util::global();
    let cs_ctor = get(&g, "CompressionStream").dyn_into::<Function>().ok()?;
    let resp_ctor = get(&g, "Response").dyn_into::<Function>().ok()?;
    let cs = js_sys::Reflect::construct(&cs_ctor, &js_sys::Array::of1(&JsValue::from_str("gzip"))).ok()?;
    let source = js_sys::Reflect::construct(&resp_ctor, &js_sys::Array::of1(&JsValue::from_str(body))).ok()?;
    let stream = get(&source, "body");
    let piped = get(&stream, "pipeThrough").dyn_into::<Function>().ok()?.call1(&stream, &cs).ok()?;
    let out = js_sys::Reflect::construct(&resp_ctor, &js_sys::Array::of1(&piped)).ok()?;
    get(&out, "arrayBuffer").dyn_into::<Function>().ok()?.call0(&out).ok()?.dyn_into::<Promise>().ok()
}

/// Outbox lines: `created<TAB>channel<TAB>body` (bodies are JSON without
/// raw tabs or newlines).
fn parse_outbox(raw: &str) -> Vec<(f64, u8, String)> {
    let mut out = Vec::new();
    for l in raw.split('\n') {
        let Some((t, rest)) = l.split_once('\t') else { continue };
        let Some((channel, body)) = rest.split_once('\t') else { continue };
        if let (Some(t), Some(channel)) = (parse_u64(t), parse_u64(channel).and_then(|c| u8::try_from(c).ok())) {
            out.push((crate::core::json::f64_from_u64(t), channel, body.to_string()));
        }
    }
    out
}

/// The outbox text of `lines` (see `parse_outbox`).
fn outbox_text(lines: &[(f64, u8, String)]) -> String {
    let mut out = String::new();
    for (t, channel, body) in lines {
        write_u64(&mut out, f64_to_u64(*t));
        out.push('\t');
        write_u64(&mut out, u64::from(*channel));
        out.push('\t');
        out.push_str(body);
        out.push('\n');
    }
    out
}

/// localStorage, or None where it is missing or blocked (it throws then).
pub fn local_storage() -> Option<web_sys::Storage> {
    super::util::window()?.local_storage().ok().flatten()
}
