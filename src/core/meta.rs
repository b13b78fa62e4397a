//! Batch context: who, where and on what. Sent once per batch (never per
//! event), which is most of why our beacons are smaller than peers'.

#[allow(unused_imports)]
use crate::prelude::*;

use super::attrs::Attrs;
use super::event::PROTOCOL_VERSION;
use super::json::Json;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

pub const SDK_NAME: &str = "rum-agent";
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Sdk {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct App {
    pub name: String,
    #[cfg_attr(feature = "serde", serde(default))]
    pub version: String,
    #[cfg_attr(feature = "serde", serde(default, rename = "env"))]
    pub environment: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct SessionRef {
    pub id: String,
    /// Session start, epoch ms.
    #[cfg_attr(feature = "serde", serde(default))]
    pub start: f64,
}

/// The page view the batch's events belong to. A batch never mixes page
/// views: the agent flushes before it starts a new one.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct View {
    pub id: String,
    /// Set by `setView(name)` (SPA route name); empty otherwise.
    pub name: String,
    /// Scrubbed page URL.
    pub url: String,
    #[cfg_attr(feature = "serde", serde(rename = "ref"))]
    pub referrer: String,
    /// navigate | reload | back-forward | back-forward-cache | prerender | restore
    pub nav: String,
    /// Page view start, epoch ms.
    pub start: f64,
    /// The page view this one came from (a soft navigation's previous view);
    /// empty for a document's first view.
    pub parent: String,
}

/// UA Client Hints (low entropy only: asking for high-entropy hints is async
/// and shows up in privacy audits).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct ClientHints {
    /// "Brand/major" pairs, GREASE brands removed.
    pub brands: Vec<String>,
    pub mobile: bool,
    pub platform: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Connection {
    /// effectiveType: slow-2g | 2g | 3g | 4g
    pub ect: String,
    /// type: wifi | cellular | ethernet | … (rarely exposed)
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub kind: String,
    pub rtt: f64,
    pub down: f64,
    pub save: bool,
}

/// Browser, device and network of the page view.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct Env {
    pub ua: String,
    pub uach: Option<ClientHints>,
    /// Viewport and screen, CSS pixels.
    pub vw: u32,
    pub vh: u32,
    pub sw: u32,
    pub sh: u32,
    pub dpr: f64,
    pub conn: Option<Connection>,
    /// navigator.deviceMemory (GiB, coarse) and hardwareConcurrency.
    pub mem: f64,
    pub cores: u32,
    /// IANA time zone (country fallback at the collector) and language.
    pub tz: String,
    pub lang: String,
}

/// Everything a batch says about its events' context.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Meta {
    pub app: App,
    pub session: SessionRef,
    pub view: View,
    /// `setUser({id, …})`: `id` plus whatever else the page gave.
    pub user: Attrs,
    pub env: Env,
}

impl Meta {
    /// Writes the batch envelope up to and including `"events":[`. The caller
    /// appends encoded events and closes with `]}`.
    pub fn encode_head(&self, j: &mut Json, sent: f64, dropped: &Attrs) {
        j.obj();
        self.encode_fields(j, sent);
        dropped.encode_opt(j, "dropped");
        j.key("events").arr();
    }

    /// The envelope's fields from `v` to `sent`, into an open object (the
    /// agent writes `seq` before them and the drop counts after).
    pub fn encode_fields(&self, j: &mut Json, sent: f64) {
        j.kuint("v", u64::from(PROTOCOL_VERSION));
        j.key("sdk").obj().kstr("name", SDK_NAME).kstr("version", SDK_VERSION).end_obj();
        j.key("app").obj().kstr("name", &self.app.name);
        j.kstr_opt("version", &self.app.version).kstr_opt("env", &self.app.environment).end_obj();
        j.key("session").obj().kstr("id", &self.session.id).kms("start", self.session.start).end_obj();
        let v = &self.view;
        j.key("view").obj().kstr("id", &v.id).kstr_opt("name", &v.name).kstr("url", &v.url);
        j.kstr_opt("ref", &v.referrer).kstr_opt("nav", &v.nav).kms("start", v.start);
        j.kstr_opt("parent", &v.parent).end_obj();
        self.user.encode_opt(j, "user");
        self.env.encode(j);
        j.kms("sent", sent);
    }
}

impl Env {
    fn encode(&self, j: &mut Json) {
        // No `ua`: every request carries the browser's User-Agent header,
        // so the body need not repeat it (about 90 bytes gzip-compressed, per
        // request; collectors read the header when `env.ua` is absent).
        j.key("env").obj();
        if let Some(ch) = &self.uach {
            j.key("uach").obj().key("brands").arr();
            for b in &ch.brands {
                j.str(b);
            }
            j.end_arr().kbool("mobile", ch.mobile).kstr_opt("platform", &ch.platform).end_obj();
        }
        for (k, v) in [("vw", self.vw), ("vh", self.vh), ("sw", self.sw), ("sh", self.sh)] {
            if v != 0 {
                j.kuint(k, u64::from(v));
            }
        }
        if self.dpr != 0.0 {
            j.knum("dpr", self.dpr, 2);
        }
        if let Some(c) = &self.conn {
            j.key("conn").obj().kstr_opt("ect", &c.ect).kstr_opt("type", &c.kind);
            j.knum("rtt", c.rtt, 0).knum("down", c.down, 2);
            if c.save {
                j.kbool("save", true);
            }
            j.end_obj();
        }
        if self.mem != 0.0 {
            j.knum("mem", self.mem, 2);
        }
        if self.cores != 0 {
            j.kuint("cores", u64::from(self.cores));
        }
        j.kstr_opt("tz", &self.tz).kstr_opt("lang", &self.lang).end_obj();
    }
}

/// The decoded form of a native batch, for the collector. `E` is the event
/// type: the collector decodes events one by one so that one bad event does
/// not cost the good ones around it.
#[cfg(feature = "serde")]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Batch<E> {
    pub v: u32,
    /// Request number within the page view (from 1): `view.id` + `seq`
    /// identifies a request, so a resent one can be stored once.
    #[serde(default)]
    pub seq: u32,
    #[serde(default)]
    pub sdk: Sdk,
    pub app: App,
    pub session: SessionRef,
    pub view: View,
    #[serde(default)]
    pub user: Attrs,
    #[serde(default)]
    pub env: Env,
    #[serde(default)]
    pub sent: f64,
    #[serde(default)]
    pub dropped: Attrs,
    pub events: Vec<E>,
}
