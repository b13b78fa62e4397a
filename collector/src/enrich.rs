//! Enrichment at ingest: browser, OS and device from the user agent and UA
//! Client Hints (uap-core rules via the `ua-parser` crate, compiled in, no
//! network), country from an optional MaxMind-format database with the
//! client's time zone as fallback.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Mutex;

use rum_agent::core::meta::ClientHints;

/// uap-core 0.18.0 `regexes.yaml`, converted to JSON (see data/README.md).
static UAP_REGEXES: &str = include_str!("../data/uap-regexes.json");
/// IANA time zone → ISO country (tzdata zone.tab + backward links).
static TZ_COUNTRY: &str = include_str!("../data/tz-country.tsv");

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Client {
    pub browser: String,
    pub browser_version: String,
    pub os: String,
    pub os_version: String,
    /// desktop | mobile | tablet | bot | other
    pub device: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Country {
    /// ISO 3166-1 alpha-2, empty when unknown.
    pub code: String,
    /// geoip | tz | "" (unknown)
    pub source: &'static str,
}

/// Client Hints from the request headers (the beacon request carries the
/// low-entropy ones on secure contexts and localhost).
#[derive(Debug, Clone, Default)]
pub struct HeaderHints {
    pub sec_ch_ua: Option<String>,
    pub mobile: Option<bool>,
    pub platform: Option<String>,
}

impl HeaderHints {
    pub fn into_client_hints(self) -> Option<ClientHints> {
        let brands = parse_sec_ch_ua(self.sec_ch_ua.as_deref()?);
        Some(ClientHints {
            brands,
            mobile: self.mobile.unwrap_or(false),
            platform: self.platform.map(|p| p.trim_matches('"').to_string()).unwrap_or_default(),
        })
    }
}

/// `"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"` →
/// `["Chromium/124", "Google Chrome/124", …]` (the agent's `uach.brands` form).
pub fn parse_sec_ch_ua(h: &str) -> Vec<String> {
    h.split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let name = parts.next()?.trim().trim_matches('"');
            let version = parts.find_map(|p| p.trim().strip_prefix("v=")).map(|v| v.trim_matches('"')).unwrap_or("");
            (!name.is_empty()).then(|| format!("{name}/{version}"))
        })
        .collect()
}

pub struct Enricher {
    ua: ua_parser::Extractor<'static>,
    cache: Mutex<HashMap<String, Client>>,
    geo: Option<maxminddb::Reader<Vec<u8>>>,
    tz: HashMap<&'static str, &'static str>,
}

const CACHE_MAX: usize = 4096;

#[derive(serde::Deserialize)]
struct GeoRecord {
    /// GeoIP2/GeoLite2 layout.
    country: Option<GeoCountry>,
    /// ip-location-db layout (`country_code`).
    country_code: Option<String>,
}

#[derive(serde::Deserialize)]
struct GeoCountry {
    iso_code: Option<String>,
}

impl Enricher {
    pub fn new(geoip: Option<&Path>) -> Result<Enricher, String> {
        let regexes: ua_parser::Regexes<'static> =
            serde_json::from_str(UAP_REGEXES).map_err(|e| format!("built-in uap-core rules: {e}"))?;
        let ua = ua_parser::Extractor::try_from(regexes).map_err(|e| format!("built-in uap-core rules: {e}"))?;
        let geo = match geoip {
            Some(p) => Some(
                maxminddb::Reader::open_readfile(p)
                    .map_err(|e| format!("--geoip {}: cannot read a MaxMind-format database: {e}", p.display()))?,
            ),
            None => None,
        };
        let tz = TZ_COUNTRY.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split_once('\t')).collect();
        Ok(Enricher { ua, cache: Mutex::new(HashMap::new()), geo, tz })
    }

    pub fn has_geoip(&self) -> bool {
        self.geo.is_some()
    }

    /// Browser, OS and device. UA-CH fills what the UA string cannot say
    /// (reduced UAs, unknown families); the uap-core rules do the rest.
    pub fn client(&self, ua: &str, hints: Option<&ClientHints>) -> Client {
        let key = match hints {
            Some(h) => format!("{ua}\u{1}{}\u{1}{}\u{1}{}", h.brands.join(","), h.mobile, h.platform),
            None => ua.to_string(),
        };
        if let Ok(cache) = self.cache.lock() {
            if let Some(c) = cache.get(&key) {
                return c.clone();
            }
        }
        let c = self.parse(ua, hints);
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
            cache.insert(key, c.clone());
        }
        c
    }

    fn parse(&self, ua: &str, hints: Option<&ClientHints>) -> Client {
        let (b, o, d) = self.ua.extract(ua);
        let mut c = Client::default();
        if let Some(b) = b {
            c.browser = b.family.to_string();
            c.browser_version = b.major.unwrap_or("").to_string();
        }
        if let Some(o) = &o {
            c.os = o.os.to_string();
            c.os_version = [&o.major, &o.minor].iter().filter_map(|p| p.as_deref()).collect::<Vec<_>>().join(".");
        }
        let device_family = d.map(|d| d.device.to_string()).unwrap_or_default();
        if let Some(h) = hints {
            if c.browser.is_empty() || c.browser == "Other" {
                if let Some((name, ver)) = brand_of(&h.brands) {
                    c.browser = name;
                    c.browser_version = ver;
                }
            }
            if (c.os.is_empty() || c.os == "Other") && !h.platform.is_empty() {
                c.os = platform_os(&h.platform).to_string();
            }
        }
        if c.browser.is_empty() {
            c.browser = "Other".into();
        }
        if c.os.is_empty() {
            c.os = "Other".into();
        }
        c.device = device_type(&c.os, &device_family, ua, hints.map(|h| h.mobile)).to_string();
        c
    }

    /// The client address: the peer, or behind `--trust-proxy HOPS`, the
    /// address HOPS entries from the right of X-Forwarded-For.
    pub fn client_ip(peer: Option<IpAddr>, xff: Option<&str>, trust_proxy: Option<usize>) -> Option<IpAddr> {
        if let (Some(hops), Some(xff)) = (trust_proxy, xff) {
            let list: Vec<&str> = xff.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
            if hops >= 1 && list.len() >= hops {
                if let Some(ip) = list.get(list.len() - hops).and_then(|s| parse_ip(s)) {
                    return Some(ip);
                }
            }
        }
        peer
    }

    pub fn country(&self, ip: Option<IpAddr>, tz: &str) -> Country {
        if let (Some(geo), Some(ip)) = (&self.geo, ip) {
            if let Some(code) = geo_lookup(geo, ip) {
                return Country { code, source: "geoip" };
            }
        }
        match self.tz.get(tz) {
            Some(cc) => Country { code: (*cc).to_string(), source: "tz" },
            None => Country::default(),
        }
    }
}

fn geo_lookup(geo: &maxminddb::Reader<Vec<u8>>, ip: IpAddr) -> Option<String> {
    let rec: GeoRecord = geo.lookup(ip).ok()?.decode().ok()??;
    let code = rec.country.and_then(|c| c.iso_code).or(rec.country_code)?;
    (code.len() == 2).then(|| code.to_ascii_uppercase())
}

/// "1.2.3.4", "1.2.3.4:5678", "[::1]:80", "::1".
fn parse_ip(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<std::net::SocketAddr>() {
        return Some(sa.ip());
    }
    s.trim_start_matches('[').split(']').next().and_then(|x| x.parse().ok())
}

/// The most specific brand: not "Chromium" when a product brand is there.
fn brand_of(brands: &[String]) -> Option<(String, String)> {
    let parsed: Vec<(&str, &str)> = brands
        .iter()
        .filter_map(|b| b.rsplit_once('/'))
        .filter(|(n, _)| !n.to_ascii_lowercase().contains("not") || n.chars().all(|c| c.is_alphanumeric() || c == ' '))
        .collect();
    let pick = parsed.iter().find(|(n, _)| *n != "Chromium").or_else(|| parsed.first())?;
    let name = match pick.0 {
        "Google Chrome" => "Chrome",
        "Microsoft Edge" => "Edge",
        other => other,
    };
    Some((name.to_string(), pick.1.to_string()))
}

fn platform_os(p: &str) -> &str {
    match p {
        "macOS" => "Mac OS X",
        "Chrome OS" | "Chromium OS" => "Chrome OS",
        other => other,
    }
}

fn device_type(os: &str, device_family: &str, ua: &str, mobile_hint: Option<bool>) -> &'static str {
    if device_family == "Spider" {
        return "bot";
    }
    if mobile_hint == Some(true) {
        return "mobile";
    }
    match os {
        "iOS" | "iPadOS" => {
            if device_family.starts_with("iPad") {
                "tablet"
            } else {
                "mobile"
            }
        }
        // Google's convention: Android tablets leave "Mobile" out of the UA.
        "Android" => {
            if ua.contains("Mobile") {
                "mobile"
            } else {
                "tablet"
            }
        }
        "Windows" | "Mac OS X" | "Linux" | "Ubuntu" | "Fedora" | "Chrome OS" | "FreeBSD" | "OpenBSD" | "Debian" => {
            "desktop"
        }
        _ if mobile_hint == Some(false) => "desktop",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e() -> Enricher {
        Enricher::new(None).unwrap()
    }

    #[test]
    fn parses_common_agents() {
        let en = e();
        let c = en.client(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            None,
        );
        assert_eq!(
            (c.browser.as_str(), c.browser_version.as_str(), c.os.as_str(), c.device.as_str()),
            ("Chrome", "124", "Linux", "desktop")
        );
        let c = en.client("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", None);
        assert_eq!((c.browser.as_str(), c.os.as_str(), c.device.as_str()), ("Mobile Safari", "iOS", "mobile"));
        let c = en.client("Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1", None);
        assert_eq!(c.device, "tablet");
        let c = en.client("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0", None);
        assert_eq!((c.browser.as_str(), c.os.as_str(), c.device.as_str()), ("Firefox", "Windows", "desktop"));
        let c = en.client("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36", None);
        assert_eq!((c.browser.as_str(), c.os.as_str(), c.device.as_str()), ("Chrome Mobile", "Android", "mobile"));
        let c = en.client("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", None);
        assert_eq!(c.device, "bot");
        let c = en.client("", None);
        assert_eq!((c.browser.as_str(), c.os.as_str()), ("Other", "Other"));
    }

    #[test]
    fn client_hints_fill_gaps() {
        let en = e();
        let h = ClientHints {
            brands: vec!["Chromium/130".into(), "Google Chrome/130".into()],
            mobile: true,
            platform: "Android".into(),
        };
        let c = en.client("SomethingUnknown/1.0", Some(&h));
        assert_eq!(
            (c.browser.as_str(), c.browser_version.as_str(), c.os.as_str(), c.device.as_str()),
            ("Chrome", "130", "Android", "mobile")
        );
    }

    #[test]
    fn sec_ch_ua_header() {
        assert_eq!(
            parse_sec_ch_ua(r#""Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99""#),
            vec!["Chromium/124", "Google Chrome/124", "Not-A.Brand/99"]
        );
        assert_eq!(
            brand_of(&parse_sec_ch_ua(r#""Not-A.Brand";v="99", "Chromium";v="124""#)),
            Some(("Chromium".into(), "124".into()))
        );
    }

    #[test]
    fn forwarded_for_needs_trust() {
        let peer = Some("127.0.0.1".parse().unwrap());
        assert_eq!(Enricher::client_ip(peer, Some("8.8.8.8"), None), peer);
        assert_eq!(Enricher::client_ip(peer, Some("8.8.8.8"), Some(1)), Some("8.8.8.8".parse().unwrap()));
        assert_eq!(Enricher::client_ip(peer, Some("1.1.1.1, 8.8.8.8"), Some(1)), Some("8.8.8.8".parse().unwrap()));
        assert_eq!(Enricher::client_ip(peer, Some("1.1.1.1, 8.8.8.8"), Some(2)), Some("1.1.1.1".parse().unwrap()));
        assert_eq!(Enricher::client_ip(peer, Some("garbage"), Some(1)), peer);
        assert_eq!(Enricher::client_ip(peer, Some("8.8.8.8"), Some(3)), peer);
    }

    #[test]
    fn tz_fallback() {
        let en = e();
        assert_eq!(en.country(None, "Europe/Paris"), Country { code: "FR".into(), source: "tz" });
        assert_eq!(en.country(None, "Asia/Calcutta").code, "IN");
        assert_eq!(en.country(None, "Mars/Olympus"), Country::default());
    }
}
