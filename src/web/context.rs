//! What a batch says about where it comes from: the browser, device and
//! network (read once per page view), and the session (localStorage, or
//! memory when storage is blocked).

#[allow(unused_imports)]
use crate::prelude::*;

use super::bindings::Str as _;

use wasm_bindgen::JsCast;

use crate::core::json::contains;
use crate::core::meta::{ClientHints, Connection, Env};
use crate::core::session::{self, Session};

use super::bindings::{nz, Loose};
use super::transport::local_storage;
use super::util::{get, random_id, to_string};

const SESSION_KEY: &str = "rum-agent:session";

fn px(v: f64) -> u32 {
    u32::try_from(crate::core::json::f64_to_u64(crate::core::json::round(v))).unwrap_or(0)
}

pub fn env() -> Env {
    let mut e = Env::default();
    let Some(w) = super::util::window() else { return e };
    let nav = w.navigator();
    let n: &Loose = nav.unchecked_ref();
    e.ua = n.user_agent().str().unwrap_or_default();
    e.lang = n.language().str().unwrap_or_default();
    e.cores = px(nav.hardware_concurrency());
    e.mem = nz(get(&nav, "deviceMemory").as_f64().unwrap_or(0.0));
    e.vw = px(w.inner_width().ok().and_then(|v| v.as_f64()).unwrap_or(0.0));
    e.vh = px(w.inner_height().ok().and_then(|v| v.as_f64()).unwrap_or(0.0));
    if let Ok(s) = w.screen() {
        e.sw = px(f64::from(s.width().unwrap_or(0)));
        e.sh = px(f64::from(s.height().unwrap_or(0)));
    }
    e.dpr = nz(w.device_pixel_ratio());

    let conn = get(&nav, "connection");
    if conn.is_object() {
        let c: &Loose = conn.unchecked_ref();
        e.conn = Some(Connection {
            ect: c.effective_type().str().unwrap_or_default(),
            kind: c.conn_type().str().unwrap_or_default(),
            rtt: nz(c.rtt()),
            down: nz(c.downlink()),
            save: c.save_data(),
        });
    }

    let uad = get(&nav, "userAgentData");
    if uad.is_object() {
        let u: &Loose = uad.unchecked_ref();
        let brands = u
            .brands()
            .map(|arr| {
                arr.iter()
                    .filter_map(|b| {
                        let b: &Loose = b.unchecked_ref();
                        let name = b.brand().str()?;
                        // GREASE entries ("Not A;Brand") exist to be ignored.
                        if contains(&name, "Not") && (contains(&name, "Brand") || contains(&name, "brand")) {
                            return None;
                        }
                        let mut s = name;
                        s.push('/');
                        s.push_str(&b.version().str().unwrap_or_default());
                        Some(s)
                    })
                    .collect()
            })
            .unwrap_or_default();
        e.uach = Some(ClientHints { brands, mobile: u.mobile(), platform: u.platform().str().unwrap_or_default() });
    }

    e
}

/// The IANA time zone from `Temporal.Now.timeZoneId()` (Chromium 144+,
/// Firefox 139+): 0.2–0.4 ms, against 15–19 ms for a page's first
/// `Intl.DateTimeFormat` (measured in headless Chromium 156), so it can be
/// read at start. `None` where there is no Temporal.
pub fn time_zone_now() -> Option<String> {
    let now = get(&get(&super::util::global(), "Temporal"), "Now");
    let f = get(&now, "timeZoneId").dyn_into::<js_sys::Function>().ok()?;
    f.call0(&now).ok()?.as_string().filter(|s| !s.is_empty())
}

/// The IANA time zone: `Intl.DateTimeFormat().resolvedOptions().timeZone`.
/// The first `Intl.DateTimeFormat` of a page loads ICU data: 10–50 ms on
/// the main thread. So without Temporal it is read in an idle callback after
/// start-up, never on the page's critical path (batches sent before then
/// carry no `tz`).
pub fn time_zone() -> String {
    let intl = get(&super::util::global(), "Intl");
    let dtf = get(&intl, "DateTimeFormat");
    let Ok(ctor) = dtf.dyn_into::<js_sys::Function>() else { return String::new() };
    let Ok(fmt) = js_sys::Reflect::construct(&ctor, &js_sys::Array::new()) else { return String::new() };
    let Ok(f) = get(&fmt, "resolvedOptions").dyn_into::<js_sys::Function>() else { return String::new() };
    f.call0(&fmt).map(|opts| to_string(&get(&opts, "timeZone"))).unwrap_or_default()
}

/// The session for this page view, persisted for the next one.
pub fn session(now: f64, sample_rate: f64, memory: &mut Option<String>) -> Session {
    let storage = local_storage();
    let stored = storage.as_ref().and_then(|s| s.get_item(SESSION_KEY).ok().flatten()).or_else(|| memory.clone());
    let s = session::resolve(stored.as_deref(), now, || random_id(8), js_sys::Math::random(), sample_rate);
    touch(&s, memory);
    s
}

/// Records activity so the session outlives the page view.
pub fn touch(s: &Session, memory: &mut Option<String>) {
    let v = s.serialize();
    if let Some(st) = local_storage() {
        let _ = st.set_item(SESSION_KEY, &v);
    }
    *memory = Some(v);
}
