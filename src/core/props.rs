//! The plain properties the browser edge reads, by number: one JS import
//! (`js/props.js`, `prop(o, i)` = `o[NAMES[i]]`) instead of one generated
//! getter per property. `idx` turns a name into its number at compile time,
//! so a name missing here fails the build, and `js_list_matches` keeps
//! `js/props.js` in the same order.

/// Every name `js/props.js` knows, in its order.
pub const NAMES: &[&str] = &[
    "name",
    "startTime",
    "duration",
    "initiatorType",
    "nextHopProtocol",
    "renderBlockingStatus",
    "responseStatus",
    "redirectStart",
    "redirectEnd",
    "workerStart",
    "fetchStart",
    "domainLookupStart",
    "domainLookupEnd",
    "connectStart",
    "secureConnectionStart",
    "connectEnd",
    "requestStart",
    "responseStart",
    "responseEnd",
    "transferSize",
    "encodedBodySize",
    "decodedBodySize",
    "serverTiming",
    "type",
    "redirectCount",
    "domInteractive",
    "domContentLoadedEventStart",
    "domContentLoadedEventEnd",
    "domComplete",
    "loadEventStart",
    "loadEventEnd",
    "activationStart",
    "element",
    "url",
    "id",
    "entryType",
    "navigationId",
    "presentationTime",
    "paintTime",
    "renderTime",
    "largestContentfulPaint",
    "value",
    "hadRecentInput",
    "sources",
    "node",
    "interactionId",
    "processingStart",
    "processingEnd",
    "target",
    "targetSelector",
    "scripts",
    "sourceURL",
    "sourceFunctionName",
    "invoker",
    "description",
    "message",
    "filename",
    "lineno",
    "colno",
    "error",
    "reason",
    "stack",
    "timeStamp",
    "localName",
    "currentSrc",
    "src",
    "href",
    "origin",
    "referrer",
    "readyState",
    "userAgent",
    "language",
    "interactionCount",
    "persisted",
    "isTrusted",
    "nodeType",
    "nodeName",
    "classList",
    "parentNode",
    "effectiveType",
    "rtt",
    "downlink",
    "saveData",
    "brands",
    "brand",
    "version",
    "mobile",
    "platform",
    "status",
    "headers",
];

/// The number of `name` in `NAMES`; only ever evaluated at compile time
/// (`const { idx("startTime") }`), where a missing name is a build error.
#[allow(clippy::panic)]
pub const fn idx(name: &str) -> u32 {
    let mut rest = NAMES;
    let mut i = 0;
    while let Some((first, tail)) = rest.split_first() {
        if eq(first.as_bytes(), name.as_bytes()) {
            return i;
        }
        rest = tail;
        i += 1;
    }
    panic!("not in core::props::NAMES")
}

const fn eq(a: &[u8], b: &[u8]) -> bool {
    let (mut a, mut b) = (a, b);
    loop {
        match (a.split_first(), b.split_first()) {
            (None, None) => return true,
            (Some((x, ta)), Some((y, tb))) if *x == *y => {
                a = ta;
                b = tb;
            }
            _ => return false,
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn js_list_matches() {
        let js = include_str!("../../js/props.js");
        let list = js.split("const NAMES = '").nth(1).and_then(|r| r.split('\'').next()).unwrap();
        assert_eq!(list.split(' ').collect::<Vec<_>>(), NAMES);
    }

    #[test]
    fn numbers() {
        assert_eq!(idx(NAMES[0]), 0);
        assert_eq!(idx("startTime"), 1);
        assert_eq!(idx(NAMES[NAMES.len() - 1]) as usize, NAMES.len() - 1);
        let mut seen = NAMES.to_vec();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), NAMES.len(), "no name twice");
    }
}
