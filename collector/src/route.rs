//! Route patterns: single-page apps put ids in their URLs (`/product/8812`),
//! one page per product would explode every per-page table. A page's route
//! is the first configured pattern (`--route /product/:id`) that matches
//! its path, else the path with numeric, UUID and hex segments replaced by
//! `:id` (automatic).

/// A `--route` pattern: `/`-separated segments, `:name` matches any one
/// segment, `*` as the last segment matches the rest of the path.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern(pub String);

/// `--route` value: starts with `/`, no query or fragment.
pub fn parse_pattern(s: &str) -> Result<Pattern, String> {
    let p = s.trim();
    if !p.starts_with('/') || p.contains(['?', '#', ' ']) {
        return Err(format!("{s:?} is not a route pattern: expected a path such as /product/:id (':name' matches one segment, a final '*' the rest)"));
    }
    Ok(Pattern(p.trim_end_matches('/').to_string()))
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

impl Pattern {
    pub fn matches(&self, path: &str) -> bool {
        let mut want = segments(&self.0).peekable();
        let mut have = segments(path);
        loop {
            match (want.next(), have.next()) {
                (None, None) => return true,
                (Some("*"), _) if want.peek().is_none() => return true,
                (Some(w), Some(h)) if w.starts_with(':') || w == h => {}
                _ => return false,
            }
        }
    }
}

/// A segment that is an id: all digits, a UUID, or 8+ hex digits with a digit in them.
fn is_id(seg: &str) -> bool {
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    if seg.bytes().all(|b| b.is_ascii_digit()) {
        return !seg.is_empty();
    }
    let parts: Vec<&str> = seg.split('-').collect();
    if parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12] && parts.iter().all(|p| hex(p)) {
        return true;
    }
    seg.len() >= 8 && hex(seg) && seg.bytes().any(|b| b.is_ascii_digit())
}

/// The route of a page path (`page_views.page`).
pub fn route_of(path: &str, patterns: &[Pattern]) -> String {
    if let Some(p) = patterns.iter().find(|p| p.matches(path)) {
        return if p.0.is_empty() { "/".into() } else { p.0.clone() };
    }
    let mut out = String::new();
    for seg in segments(path) {
        out.push('/');
        out.push_str(if is_id(seg) { ":id" } else { seg });
    }
    if out.is_empty() || path.ends_with('/') {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_ids() {
        assert_eq!(route_of("/product/8812", &[]), "/product/:id");
        assert_eq!(route_of("/u/3f2b8c1e-9a4d-4e2f-8b1a-0c9d8e7f6a5b/orders/12", &[]), "/u/:id/orders/:id");
        assert_eq!(route_of("/commit/9fceb02d0ae598e95dc970b74767f19372d61af8", &[]), "/commit/:id");
        assert_eq!(route_of("/blog/deadbeef-cafe", &[]), "/blog/deadbeef-cafe", "words stay");
        assert_eq!(route_of("/about", &[]), "/about");
        assert_eq!(route_of("/", &[]), "/");
        assert_eq!(route_of("/docs/", &[]), "/docs/");
        assert_eq!(route_of("/facade", &[]), "/facade", "hex letters alone are a word");
    }

    #[test]
    fn configured_patterns_win() {
        let pats = vec![parse_pattern("/product/:slug").unwrap(), parse_pattern("/static/*").unwrap()];
        assert_eq!(route_of("/product/blue-vase", &pats), "/product/:slug");
        assert_eq!(route_of("/product/8812", &pats), "/product/:slug");
        assert_eq!(route_of("/product/8812/reviews", &pats), "/product/:id/reviews", "one segment only");
        assert_eq!(route_of("/static/a/b.css", &pats), "/static/*");
        assert!(parse_pattern("product/:id").is_err());
        assert!(parse_pattern("/p?x=1").is_err());
    }
}
