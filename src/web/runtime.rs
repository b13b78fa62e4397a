//! The running agent: config, batch context, the queue, the sources that feed
//! it and the transport that drains it.
//!
//! Re-entrancy: page code can call back into us while we run (a beforeSend
//! that calls `rum.pushEvent`, an error thrown inside our own callback). State
//! lives in one `RefCell` taken only with `try_borrow_mut`, never across a
//! call into page code; a call that finds it taken is counted as `busy`, never
//! a panic.

#[allow(unused_imports)]
use crate::prelude::*;

use alloc::rc::{Rc, Weak};
use core::cell::{Cell, RefCell};

use wasm_bindgen::prelude::*;

use crate::core::attrs::{truncate, Attrs};
use crate::core::batch::{reason, Dropped, Push, Queue};
use crate::core::config::{Config, MAX_REQUEST_BYTES};
use crate::core::dedup::{ErrorBook, Seen};
use crate::core::event::{ErrorReport, Event, HttpCall, Resource};
use crate::core::meta::{App, Meta, SessionRef, View};
use crate::core::scrub::{same_route, scrub_url};
use crate::core::session::Session;
use crate::core::wire;

use super::config::{matches, Hooks};
use super::transport::Transport;
use super::util::{href, now, random_id, Listener, Timer};
use web_sys::EventTarget;

/// Anything whose drop undoes an installation: listeners, observers, timers.
/// Only ever dropped, so not `dyn Any`: its vtables would carry a `type_id`.
pub trait Held {}
impl<T> Held for T {}
pub type Source = Box<dyn Held>;

pub struct State {
    pub meta: Meta,
    pub queue: Queue,
    pub errors: ErrorBook,
    /// Resources waiting for the next flush, and how many this page view sent.
    res_pending: Vec<Resource>,
    res_sent: u32,
    /// HTTP calls waiting for their Resource Timing entry (it is written
    /// when the body has arrived, after fetch's promise settles).
    http_pending: Vec<(HttpCall, f64, String)>,
    /// The latency split was sent for this page view.
    split_sent: bool,
    session: Session,
    session_mem: Option<String>,
}

/// Called when the page is hidden or left (final values are reported now).
/// Plain functions, not closures: what a hook needs is in the runtime
/// (`Signals`), so no hook has a vtable or drop glue of its own.
pub type HiddenHook = fn(&Runtime);
/// Called after a back/forward cache restore, with the `pageshow` time.
pub type RestoreHook = fn(&Runtime, f64);

/// Each metric's state, in the runtime rather than in an `Rc<RefCell<_>>`
/// of its own: hooks are plain functions that find it here, and observers'
/// closures hold the runtime only (one weak reference to upgrade, not two;
/// no drop glue per state type). `None` until the metric is installed (never,
/// where the browser lacks its entries) and again after `shutdown`, which
/// drops the observers, listeners and timers each one holds.
#[derive(Default)]
pub struct Signals {
    pub lcp: RefCell<Option<super::lcp::State>>,
    pub cls: RefCell<Option<super::cls::State>>,
    pub inp: RefCell<Option<super::inp::State>>,
    pub long: RefCell<Option<super::longtasks::State>>,
    pub tti: RefCell<Option<super::tti::State>>,
    /// FCP's reporter for a back/forward cache restore.
    pub fcp: RefCell<crate::core::vitals::Reporter>,
}

/// Runs `f` on a metric's state when it is installed and not in use.
pub fn with_sig<T, R>(cell: &RefCell<Option<T>>, f: impl FnOnce(&mut T) -> R) -> Option<R> {
    cell.try_borrow_mut().ok()?.as_mut().map(f)
}

/// Uninstalls a metric (its observers, listeners and timers go with it).
fn clear<T>(cell: &RefCell<Option<T>>) {
    let old = cell.try_borrow_mut().ok().and_then(|mut s| s.take());
    drop(old);
}

/// What one signal learns and another needs (TTI needs the long tasks and
/// the requests; INP's attribution needs the long animation frames).
#[derive(Default)]
pub struct Shared {
    /// FCP (ms since time origin) once reported; CLS waits for it.
    pub fcp: Option<f64>,
    /// The current LCP value, for the latency split.
    pub lcp: Option<f64>,
    /// Long tasks (start, end), capped.
    pub long_tasks: Vec<(f64, f64)>,
    /// Requests (start, end) from Resource Timing, capped.
    pub requests: Vec<(f64, f64)>,
    /// Recent long animation frames, for INP attribution.
    pub loafs: Vec<super::longtasks::Loaf>,
}

pub const MAX_SHARED_INTERVALS: usize = 500;
/// HTTP calls held between flushes (a page polling fast must not grow us).
const MAX_HTTP_PENDING: usize = 100;

pub struct Runtime {
    pub cfg: Config,
    pub hooks: Hooks,
    pub transport: Transport,
    st: RefCell<State>,
    sources: RefCell<Vec<Source>>,
    busy: Cell<u64>,
    /// `firstHiddenTime` of web-vitals' visibility watcher (ms since time origin).
    pub first_hidden: Cell<f64>,
    /// A visible page being left had its hide handled at `pagehide`
    /// (`visibilitychange` → hidden follows: see `lifecycle`).
    pub left_visible: Cell<bool>,
    /// (restore time, `performance.now()`) of the second frame after a
    /// back/forward cache restore, read once for every metric that reports
    /// it (see `vitals::double_raf`).
    pub restore_frame: Cell<(f64, f64)>,
    hidden_hooks: RefCell<Vec<HiddenHook>>,
    restore_hooks: RefCell<Vec<RestoreHook>>,
    pub shared: RefCell<Shared>,
    pub sig: Signals,
    /// When the agent started (performance time): earlier errors were missed.
    pub started: f64,
    /// Where our own requests go (each channel's URL, query removed): never
    /// reported as resources or HTTP calls. Not the bare configured URL: for
    /// OTLP that is an origin (`http://otel:4318`), and a prefix match on it
    /// would hide every request the page makes to that origin.
    own_urls: Vec<String>,
    /// One-shot timers not yet fired (fired ones are pruned on each insert).
    deferred: RefCell<Vec<(Rc<Cell<bool>>, Timer)>>,
    /// Soft navigations start page views (configured, and the browser has
    /// the Soft Navigation API).
    pub soft_navs: bool,
    /// The document's first page view: every metric starts measuring it
    /// (their observers read buffered entries), whatever view is current
    /// when they are installed.
    pub first_view: (String, String),
    /// Views started by soft navigations, by navigation id.
    soft: RefCell<crate::core::vitals::SoftViews>,
    /// The last views left by a soft navigation: a metric may report a
    /// final value for one after the next has started.
    past: RefCell<Vec<View>>,
    /// The view's URL before the last route change (a soft navigation's
    /// route change is seen before its entry).
    prev_url: RefCell<String>,
    pub me: Weak<Runtime>,
}

impl Runtime {
    pub fn new(cfg: Config, hooks: Hooks) -> Rc<Runtime> {
        let t0 = super::util::epoch(0.0);
        let mut session_mem = None;
        let session = super::context::session(now(), cfg.sample_rate, &mut session_mem);
        let meta = Meta {
            app: App {
                name: cfg.app_name.clone(),
                version: cfg.app_version.clone(),
                environment: cfg.app_environment.clone(),
            },
            session: SessionRef { id: session.id.clone(), start: session.start },
            view: View {
                id: random_id(8),
                url: String::new(),
                referrer: String::new(),
                nav: super::navigation::nav_type(),
                start: t0,
                name: String::new(),
                parent: String::new(),
            },
            user: Attrs::new(),
            env: super::context::env(),
        };
        let queue = Queue::new(
            usize::try_from(cfg.max_events).unwrap_or(50),
            usize::try_from(cfg.max_bytes).unwrap_or(32_000),
            usize::try_from(cfg.max_queue_events).unwrap_or(500),
        );
        let errors = ErrorBook::new(usize::try_from(cfg.max_errors).unwrap_or(100));
        let splittable = cfg.format == crate::core::config::Format::Native;
        let own_urls = {
            let base = cfg.url.split(['?', '#']).next().unwrap_or("");
            let trimmed = crate::core::json::trim_end_byte(base, b'/');
            wire::channels(cfg.format)
                .iter()
                .map(|c| if c.path.is_empty() { base.to_string() } else { [trimmed, c.path].concat() })
                .collect()
        };
        let first_view = (meta.view.id.clone(), meta.view.nav.clone());
        let soft_navs = cfg.soft_navigations && super::soft::supported();
        let rt = Rc::new_cyclic(|me| Runtime {
            soft_navs,
            first_view,
            soft: RefCell::new(Default::default()),
            past: RefCell::new(Vec::new()),
            prev_url: RefCell::new(String::new()),
            transport: Transport::new(&cfg.url, wire::channels(cfg.format), cfg.persist, splittable, me.clone()),
            cfg,
            hooks,
            st: RefCell::new(State {
                meta,
                queue,
                errors,
                res_pending: Vec::new(),
                res_sent: 0,
                http_pending: Vec::new(),
                split_sent: false,
                session,
                session_mem,
            }),
            sources: RefCell::new(Vec::new()),
            busy: Cell::new(0),
            first_hidden: Cell::new(super::vitals::initial_first_hidden()),
            left_visible: Cell::new(false),
            restore_frame: Cell::new((f64::NAN, 0.0)),
            hidden_hooks: RefCell::new(Vec::new()),
            restore_hooks: RefCell::new(Vec::new()),
            shared: RefCell::new(Shared::default()),
            sig: Signals::default(),
            started: super::util::performance().map_or(0.0, |p| p.now()),
            own_urls,
            deferred: RefCell::new(Vec::new()),
            me: me.clone(),
        });
        let (url, referrer) = page_url_and_referrer();
        rt.with(|st| {
            st.meta.view.url = rt.scrub(&url);
            st.meta.view.referrer = rt.scrub(&referrer);
        });
        rt
    }

    pub fn sampled(&self) -> bool {
        self.st.try_borrow().map(|s| s.session.sampled).unwrap_or(false)
    }

    /// Runs `f` on the state unless it is already borrowed (re-entrant call).
    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> Option<R> {
        match self.st.try_borrow_mut() {
            Ok(mut st) => Some(f(&mut st)),
            Err(_) => {
                self.busy.set(self.busy.get().saturating_add(1));
                None
            }
        }
    }

    pub fn add_source(&self, s: Option<impl Held + 'static>) {
        if let Some(s) = s {
            self.add_boxed(Box::new(s));
        }
    }

    /// A listener (removed at shutdown) that hands each event to `f` while
    /// the agent lives. One closure type for all of them: each distinct
    /// closure handed to `Listener::new` is its own copy of the glue.
    pub fn listen(&self, target: &EventTarget, kind: &'static str, capture: bool, f: fn(&Runtime, &JsValue)) {
        let me = self.me.clone();
        self.add_source(Listener::new(target, kind, capture, move |ev| {
            if let Some(rt) = me.upgrade() {
                f(&rt, &ev);
            }
        }));
    }

    /// A PerformanceObserver (see `PerfObserver::many`) that hands each
    /// delivery to `f` while the agent lives. One closure type for every
    /// metric's observer, as `listen` for listeners: each distinct closure
    /// is its own copy of the observer's glue.
    pub fn observe(
        &self,
        kinds: &[&str],
        extra: &[(&str, f64)],
        f: fn(&Runtime, Vec<super::bindings::Entry>),
    ) -> Option<super::util::PerfObserver> {
        let me = self.me.clone();
        super::util::PerfObserver::many(kinds, extra, move |entries| {
            if let Some(rt) = me.upgrade() {
                f(&rt, entries);
            }
        })
    }

    /// `add_source` without a copy per source type.
    fn add_boxed(&self, s: Source) {
        if let Ok(mut v) = self.sources.try_borrow_mut() {
            v.push(s);
        }
    }

    /// Runs `f` once after `ms` (a task of its own), unless the agent shuts down first.
    pub fn defer(&self, ms: u32, f: impl FnOnce(&Runtime) + 'static) {
        self.defer_boxed(ms, Box::new(f));
    }

    /// `defer` without a copy per caller's closure type.
    fn defer_boxed(&self, ms: u32, f: Box<dyn FnOnce(&Runtime)>) {
        let fired = Rc::new(Cell::new(false));
        let (me, flag) = (self.me.clone(), fired.clone());
        let mut f = Some(f);
        let timer = Timer::new(ms, false, move || {
            flag.set(true);
            if let (Some(rt), Some(f)) = (me.upgrade(), f.take()) {
                f(&rt);
            }
        });
        if let (Some(t), Ok(mut v)) = (timer, self.deferred.try_borrow_mut()) {
            v.retain(|(done, _)| !done.get());
            v.push((fired, t));
        }
    }

    /// True the first time it is called in a page view.
    pub fn split_once(&self) -> bool {
        self.with(|st| !core::mem::replace(&mut st.split_sent, true)).unwrap_or(false)
    }

    pub fn count_dropped(&self, why: &'static str, n: f64) {
        let n = crate::core::json::f64_to_u64(n);
        self.with(|st| st.queue.dropped.add(why, n));
    }

    pub fn on_hidden_hook(&self, f: HiddenHook) {
        if let Ok(mut v) = self.hidden_hooks.try_borrow_mut() {
            v.push(f);
        }
    }

    pub fn on_restore_hook(&self, f: RestoreHook) {
        if let Ok(mut v) = self.restore_hooks.try_borrow_mut() {
            v.push(f);
        }
    }

    /// The page is hidden or being left: final values first, then a flush
    /// by beacon.
    pub fn on_hidden(&self) {
        if let Ok(hooks) = self.hidden_hooks.try_borrow() {
            for h in hooks.iter() {
                h(self);
            }
        }
        self.flush(true);
    }

    /// A back/forward cache restore: a new page view and a new measurement
    /// period for every metric.
    pub fn on_restore(&self, t: f64) {
        self.new_page_view("back-forward-cache", super::util::epoch(t));
        if let Ok(hooks) = self.restore_hooks.try_borrow() {
            for h in hooks.iter() {
                h(self, t);
            }
        }
    }

    /// The current page view's id and navigation type.
    pub fn view(&self) -> (String, String) {
        self.st.try_borrow().map(|s| (s.meta.view.id.clone(), s.meta.view.nav.clone())).unwrap_or_default()
    }

    /// The page view a soft navigation starts (the first caller starts it:
    /// what is queued goes first, under the view it belongs to; later
    /// callers get the same view). Its start is the entry's on the epoch
    /// clock, its parent the view it came from.
    pub fn soft_view(&self, sn: &crate::core::vitals::SoftNav) -> String {
        if let Some(v) = self.soft.try_borrow().ok().and_then(|s| s.get(sn.navigation_id).map(str::to_string)) {
            return v;
        }
        let url = self.scrub(&sn.url);
        let prev_url = self.prev_url.try_borrow().map(|u| u.clone()).unwrap_or_default();
        // The route change came first (a frame before the entry) and
        // relabelled the view being left: what it still sends, its final
        // values included, goes under its own URL.
        self.with(|st| {
            if st.meta.view.url == url && !prev_url.is_empty() {
                st.meta.view.url = prev_url;
            }
        });
        self.flush(false);
        let id = random_id(8);
        let old = self.with(|st| {
            let old = st.meta.view.clone();
            let v = &mut st.meta.view;
            v.parent = core::mem::replace(&mut v.id, id.clone());
            v.nav = "soft-navigation".into();
            v.start = super::util::epoch(sn.start_time);
            v.url = url;
            st.errors.reset();
            st.res_sent = 0;
            st.split_sent = true; // the latency split is the document's
            old
        });
        if let (Some(old), Ok(mut past)) = (old, self.past.try_borrow_mut()) {
            if past.len() >= 3 {
                past.remove(0);
            }
            past.push(old);
        }
        if let Ok(mut soft) = self.soft.try_borrow_mut() {
            soft.add(sn.navigation_id, id.clone());
        }
        id
    }

    /// Pushes an event of page view `view` (a final value reported after the
    /// next view started goes in a request of its own, under its own view).
    pub fn push_to(&self, view: &str, ev: Event) {
        let old = self
            .with(|st| st.meta.view.id != view)
            .filter(|other| *other)
            .and_then(|_| self.past.try_borrow().ok()?.iter().find(|v| v.id == view).cloned());
        let Some(old) = old else { return self.push(ev) };
        let hidden = super::lifecycle::hidden();
        self.flush(hidden);
        let Some(current) = self.with(|st| core::mem::replace(&mut st.meta.view, old)) else { return };
        self.enqueue(&ev);
        self.flush(hidden);
        self.with(|st| st.meta.view = current);
    }

    pub fn scrub(&self, url: &str) -> String {
        scrub_url(url, &self.cfg.scrub_params)
    }

    /// `ignoreUrls` match, or one of our own requests.
    pub fn ignored_url(&self, url: &str) -> bool {
        self.own_urls.iter().any(|own| url.starts_with(own.as_str()))
            || matches(&self.cfg.ignore_urls, &self.hooks.regexps, url)
    }

    /// One of our own requests, or a prefix of one (an origin, as a CSP
    /// report gives it after a cross-origin redirect).
    #[cfg(feature = "csp")]
    pub fn own_url(&self, url: &str) -> bool {
        let is_url = crate::core::json::contains(url, "://");
        self.own_urls.iter().any(|own| url.starts_with(own.as_str()) || (is_url && own.starts_with(url)))
    }

    pub fn ignored_error(&self, msg: &str) -> bool {
        matches(&self.cfg.ignore_errors, &self.hooks.regexps, msg)
    }

    /// Lets `beforeSend` see (and change, or drop) an encoded event.
    fn before_send(&self, body: String) -> Option<String> {
        let Some(f) = &self.hooks.before_send else {
            return Some(body);
        };
        let Ok(obj) = js_sys::JSON::parse(&body) else {
            return Some(body);
        };
        match f.call1(&JsValue::UNDEFINED, &obj) {
            Ok(r) if r.is_null() || r.is_undefined() || r.as_bool() == Some(false) => None,
            Ok(r) if r.is_object() => js_sys::JSON::stringify(&r)
                .ok()
                .and_then(|s| s.as_string())
                .filter(|s| s.len() < 32 * 1024)
                .or(Some(body)),
            // Threw, or returned something odd: the page's bug must not cost the event.
            _ => Some(body),
        }
    }

    /// Encodes (in the configured wire format) and queues one event.
    pub fn push(&self, ev: Event) {
        if self.enqueue(&ev) {
            self.flush(false);
        }
    }

    /// Encodes, runs beforeSend and queues; true when a flush trigger was reached.
    fn enqueue(&self, ev: &Event) -> bool {
        let format = self.cfg.format;
        let items = self.with(|st| {
            let mut rid = |n: usize| random_id(n);
            wire::encode_event(format, ev, &mut wire::Ctx { meta: &st.meta, random_id: &mut rid })
        });
        let mut flush = false;
        // A held error report stands for `count` errors: if the queue drops
        // it, that many are counted as dropped.
        let weight = if let Event::Error(r) = ev { u64::from(r.count) } else { 1 };
        for mut item in items.unwrap_or_default() {
            // beforeSend is page code: called with no state borrowed.
            let Some(body) = self.before_send(item.body) else { continue };
            item.body = body;
            flush |= self.with(|st| st.queue.push_weighted(item, weight)) == Some(Push::FlushNow);
        }
        flush
    }

    /// An error with fingerprint `fp`: counted if seen in this window, else
    /// built (stack read and parsed only now) and held until the flush.
    pub fn error(&self, fp: u64, build: impl FnOnce() -> Option<ErrorReport>) {
        if self.new_error(fp) {
            if let Some(report) = build() {
                self.add_error(fp, report);
            }
        }
    }

    /// A failure found by Resource Timing (see `ErrorBook::observe_found`):
    /// reported once, whether its `error` event is also seen or not.
    pub fn error_found(&self, fp: u64, build: impl FnOnce() -> Option<ErrorReport>) {
        let seen = self.with(|st| {
            let State { errors, queue, .. } = st;
            errors.observe_found(fp, &mut queue.dropped)
        });
        if seen == Some(Seen::New) {
            if let Some(report) = build() {
                self.add_error(fp, report);
            }
        }
    }

    // The two halves of `error` that do not depend on the caller's closure:
    // one copy each, not one per caller.
    #[inline(never)]
    fn new_error(&self, fp: u64) -> bool {
        let seen = self.with(|st| {
            let State { errors, queue, .. } = st;
            errors.observe(fp, &mut queue.dropped)
        });
        seen == Some(Seen::New)
    }

    #[inline(never)]
    fn add_error(&self, fp: u64, report: ErrorReport) {
        self.with(|st| st.errors.add(fp, report));
    }

    /// A resource entry: held until the flush, where the slowest are sent
    /// first up to `maxResources` per page view.
    pub fn resource(&self, r: Resource) {
        let cap = usize::try_from(self.cfg.max_resources).unwrap_or(0);
        self.with(|st| {
            let left = cap.saturating_sub(usize::try_from(st.res_sent).unwrap_or(usize::MAX));
            st.res_pending.push(r);
            // Over the cap: the fastest goes (slowest first is what explains a slow page).
            while st.res_pending.len() > left {
                let dur = |i: &usize| st.res_pending.get(*i).map_or(0.0, |r| r.dur);
                let fastest = (0..st.res_pending.len()).min_by(|a, b| dur(a).total_cmp(&dur(b))).unwrap_or(0);
                st.res_pending.swap_remove(fastest);
                st.queue.dropped.add(reason::RESOURCES, 1);
            }
        });
    }

    /// A finished HTTP call (started at performance time `start`, to the
    /// unscrubbed `url`, which is how Resource Timing names it).
    pub fn http(&self, call: HttpCall, start: f64, url: String) {
        let full = self.with(|st| {
            if st.http_pending.len() >= MAX_HTTP_PENDING {
                st.queue.dropped.add(reason::QUEUE, 1);
                return false;
            }
            st.http_pending.push((call, start, url));
            st.http_pending.len() >= MAX_HTTP_PENDING / 2
        });
        if full == Some(true) {
            self.flush(false);
        }
    }

    /// Sends everything queued. `last_chance`: the page is being hidden or
    /// unloaded (sendBeacon, and storage for what cannot go).
    pub fn flush(&self, last_chance: bool) {
        // Errors and resources held for aggregation become events now.
        let held = self.with(|st| {
            let mut evs: Vec<Event> = st.errors.drain().into_iter().map(Event::Error).collect();
            st.res_sent = st.res_sent.saturating_add(u32::try_from(st.res_pending.len()).unwrap_or(0));
            evs.extend(st.res_pending.drain(..).map(Event::Res));
            for (mut call, start, url) in st.http_pending.drain(..) {
                // Resource Timing phases: the `http-phases` build (`full`).
                let entry = if cfg!(feature = "http-phases") { super::http::timing_for(&url, start) } else { None };
                if let Some(e) = entry {
                    let r = super::resources::timing(&e);
                    (call.dns, call.tcp, call.tls, call.wait, call.dl) = (r.dns, r.tcp, r.tls, r.wait, r.dl);
                }
                evs.push(Event::Http(call));
            }
            evs
        });
        for ev in held.unwrap_or_default() {
            self.enqueue(&ev);
        }
        let busy = self.busy.replace(0);
        let transport_dropped = self.transport.dropped.try_borrow_mut().map(|mut d| d.take()).unwrap_or_default();
        let format = self.cfg.format;
        let requests = self.with(|st| {
            let (items, mut dropped) = st.queue.drain();
            dropped.add(reason::BUSY, busy);
            dropped.merge(transport_dropped);
            if items.is_empty() && dropped.is_empty() {
                return (Vec::new(), Dropped::default());
            }
            let t = now();
            st.session.last = t;
            super::context::touch(&st.session, &mut st.session_mem);
            let limit = usize::try_from(MAX_REQUEST_BYTES).unwrap_or(60_000);
            let mut seq = self.transport.seq.get();
            // The flush's first request carries the counts (see Transport::lost).
            let carried = dropped.clone();
            let (reqs, over) = wire::requests(format, &st.meta, items, dropped, t, &mut seq, limit);
            self.transport.seq.set(seq);
            st.queue.dropped.merge(over);
            (reqs, carried)
        });
        let (requests, mut carried) = requests.unwrap_or_default();
        for req in requests {
            self.transport.send(req.channel, req.body, last_chance, core::mem::take(&mut carried));
        }
        if last_chance {
            self.transport.last_chance();
        }
    }

    /// Starts a new page view (bfcache restore, or a new user): flushes the
    /// old one first so a batch never mixes them.
    pub fn new_page_view(&self, nav: &str, start: f64) {
        self.flush(false);
        self.with(|st| {
            st.meta.view.id = random_id(8);
            st.meta.view.nav = nav.to_string();
            st.meta.view.start = start;
            st.errors.reset();
            st.res_sent = 0;
        });
    }

    pub fn set_view(&self, name: &str) {
        self.flush(false);
        let url = self.scrub(&href());
        self.with(|st| {
            st.meta.view.name = truncate(name, 256).to_string();
            st.meta.view.url = url;
        });
    }

    /// The page's URL may have changed without a new document (a
    /// single-page app's route). The URL travels once per batch, so what
    /// is queued goes now, under the route it happened on, and what follows
    /// carries the new one.
    pub fn url_changed(&self) {
        let url = self.scrub(&href());
        if self.with(|st| same_route(&st.meta.view.url, &url)) == Some(false) {
            self.flush(false);
            if let Some(prev) = self.with(|st| core::mem::replace(&mut st.meta.view.url, url)) {
                if let Ok(mut p) = self.prev_url.try_borrow_mut() {
                    *p = prev;
                }
            }
        }
    }

    pub fn set_user(&self, user: Attrs) {
        self.flush(false);
        self.with(|st| st.meta.user = user);
    }

    pub fn shutdown(&self) {
        if let Ok(mut h) = self.hidden_hooks.try_borrow_mut() {
            h.clear();
        }
        if let Ok(mut h) = self.restore_hooks.try_borrow_mut() {
            h.clear();
        }
        if let Ok(mut d) = self.deferred.try_borrow_mut() {
            d.clear();
        }
        let sig = &self.sig;
        clear(&sig.lcp);
        clear(&sig.cls);
        clear(&sig.inp);
        clear(&sig.long);
        clear(&sig.tti);
        // Dropping them removes every listener and observer and stops every timer.
        let sources = self.sources.try_borrow_mut().map(|mut v| core::mem::take(&mut *v)).unwrap_or_default();
        drop(sources);
        // The agent is gone after this: what it sends must go now.
        self.transport.unloading.set(true);
        self.flush(true);
    }

    pub fn start_timer(&self) {
        let me = self.me.clone();
        self.add_source(Timer::new(self.cfg.flush_interval_ms, true, move || {
            if let Some(rt) = me.upgrade() {
                rt.flush(false);
            }
        }));
    }
}

fn page_url_and_referrer() -> (String, String) {
    use super::bindings::{Loose, Str};
    let doc = super::util::document();
    let referrer = doc.and_then(|d| d.unchecked_ref::<Loose>().referrer().str()).unwrap_or_default();
    (href(), referrer)
}
