//! URL scrubbing: every URL the agent sends (page, referrer, resources,
//! errors' files, HTTP calls) passes through here first.
//!
//! - credentials in the authority (`https://user:pass@host`) are removed;
//! - query and fragment parameters whose *name* contains one of the scrub
//!   markers get the value `REDACTED` (the fragment too: OAuth implicit flow
//!   puts `#access_token=…` there);
//! - the result is capped at `MAX_URL` bytes.

#[allow(unused_imports)]
use crate::prelude::*;

use super::attrs::truncate;

pub const REDACTED: &str = "REDACTED";
pub const MAX_URL: usize = 1024;

pub fn scrub_url(url: &str, markers: &[String]) -> String {
    let mut out = String::with_capacity(url.len().min(MAX_URL));
    // Split off the fragment, then the query.
    let (before_hash, fragment) = match url.find('#') {
        Some(i) => (url.get(..i).unwrap_or(url), url.get(i + 1..)),
        None => (url, None),
    };
    let (base, query) = match before_hash.find('?') {
        Some(i) => (before_hash.get(..i).unwrap_or(before_hash), before_hash.get(i + 1..)),
        None => (before_hash, None),
    };
    out.push_str(&strip_credentials(base));
    if let Some(q) = query {
        out.push('?');
        scrub_params(&mut out, q, markers);
    }
    if let Some(f) = fragment {
        out.push('#');
        if f.contains('=') {
            scrub_params(&mut out, f, markers);
        } else {
            out.push_str(f);
        }
    }
    if out.len() > MAX_URL {
        let cut = truncate(&out, MAX_URL).len();
        out.truncate(cut);
    }
    out
}

/// Whether two page URLs name the same route of a single-page app: equal
/// once a plain fragment is dropped. A fragment is part of the route only
/// when a hash router writes it (`#/cart`, `#!/cart`); an in-page anchor
/// (`#reviews`, or a scroll-spy rewriting it as the user scrolls) is not a
/// new route, and must not cost a flush each time.
pub fn same_route(a: &str, b: &str) -> bool {
    fn route(u: &str) -> &str {
        let b = u.as_bytes();
        match b.iter().position(|&c| c == b'#') {
            Some(i) if !matches!(b.get(i + 1), Some(b'/' | b'!')) => u.get(..i).unwrap_or(u),
            _ => u,
        }
    }
    route(a) == route(b)
}

fn strip_credentials(base: &str) -> String {
    if let Some(scheme_end) = super::json::find(base, "://") {
        let after = base.get(scheme_end + 3..).unwrap_or("");
        let authority_end = after.find('/').unwrap_or(after.len());
        let authority = after.get(..authority_end).unwrap_or("");
        if let Some(at) = authority.bytes().rposition(|b| b == b'@') {
            let mut s = String::with_capacity(base.len());
            s.push_str(base.get(..scheme_end + 3).unwrap_or(""));
            s.push_str(after.get(at + 1..).unwrap_or(""));
            return s;
        }
    }
    base.to_string()
}

fn scrub_params(out: &mut String, params: &str, markers: &[String]) {
    for (i, pair) in params.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match pair.find('=') {
            Some(eq) => {
                let name = pair.get(..eq).unwrap_or("");
                out.push_str(name);
                out.push('=');
                if is_secret(name, markers) {
                    out.push_str(REDACTED);
                } else {
                    out.push_str(pair.get(eq + 1..).unwrap_or(""));
                }
            }
            None => out.push_str(pair),
        }
    }
}

fn is_secret(name: &str, markers: &[String]) -> bool {
    if markers.is_empty() {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    markers.iter().any(|m| super::json::contains(&lower, m))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::config::DEFAULT_SCRUB;

    fn d(url: &str) -> String {
        let m: Vec<String> = DEFAULT_SCRUB.iter().map(|s| s.to_string()).collect();
        scrub_url(url, &m)
    }

    #[test]
    fn redacts_secret_params() {
        assert_eq!(
            d("https://shop.example/cb?code=abc&state=xyz&api_key=K&page=2"),
            "https://shop.example/cb?code=REDACTED&state=xyz&api_key=REDACTED&page=2"
        );
        assert_eq!(d("https://a.example/?Access_Token=t"), "https://a.example/?Access_Token=REDACTED");
        assert_eq!(d("https://a.example/?sessionid=1&q=shoes"), "https://a.example/?sessionid=REDACTED&q=shoes");
        assert_eq!(d("https://a.example/p?password="), "https://a.example/p?password=REDACTED");
    }

    #[test]
    fn keeps_plain_urls_and_flags() {
        assert_eq!(d("https://a.example/p/1"), "https://a.example/p/1");
        assert_eq!(d("https://a.example/p?flag&x=1"), "https://a.example/p?flag&x=1");
        assert_eq!(d("/relative?token=1"), "/relative?token=REDACTED");
    }

    #[test]
    fn fragment_tokens_and_routes() {
        assert_eq!(d("https://a.example/#/cart"), "https://a.example/#/cart");
        assert_eq!(
            d("https://a.example/cb#access_token=x&expires_in=3600"),
            "https://a.example/cb#access_token=REDACTED&expires_in=3600"
        );
    }

    #[test]
    fn strips_credentials() {
        assert_eq!(d("https://user:pw@a.example/x?y=1"), "https://a.example/x?y=1");
        assert_eq!(d("https://a.example/x@y"), "https://a.example/x@y");
    }

    #[test]
    fn custom_list_and_empty_list() {
        assert_eq!(scrub_url("https://a/?token=1&q=2", &["q".to_string()]), "https://a/?token=1&q=REDACTED");
        assert_eq!(scrub_url("https://a/?token=1", &[]), "https://a/?token=1");
    }

    #[test]
    fn caps_length() {
        let long = format!("https://a.example/{}", "é".repeat(2000));
        let s = d(&long);
        assert!(s.len() <= MAX_URL);
        assert!(s.starts_with("https://a.example/é"));
    }

    #[test]
    fn routes_ignore_plain_fragments_but_not_hash_routes() {
        let base = "https://shop.example/p/1?x=2";
        assert!(same_route(base, "https://shop.example/p/1?x=2#reviews"));
        assert!(same_route("https://shop.example/p/1?x=2#a", "https://shop.example/p/1?x=2#b"));
        assert!(!same_route(base, "https://shop.example/p/2?x=2"));
        assert!(!same_route(base, "https://shop.example/p/1?x=3"));
        assert!(!same_route("https://shop.example/#/cart", "https://shop.example/#/checkout"));
        assert!(!same_route("https://shop.example/#!/cart", "https://shop.example/"));
        assert!(same_route("https://shop.example/#", "https://shop.example/"));
    }
}
