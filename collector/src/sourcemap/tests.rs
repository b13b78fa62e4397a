//! Lookup, validation and cache tests on a small hand-made bundle whose
//! mappings are known exactly.

use super::*;
use sourcemap::SourceMapBuilder;

const SRC: &str = "// cart
export function computeTotal(items) {
  let total = 0;
  for (const item of items) total += item.price;
  if (total > 100) throw new Error('too much');
  return total;
}
export const checkout = (items) => computeTotal(items);
";

const MIN: &str =
    "function n(t){let e=0;for(const o of t)e+=o.price;if(e>100)throw new Error(\"too much\");return e}const c=t=>n(t);
//# sourceMappingURL=cart.js.map
";

fn col(needle: &str) -> u32 {
    u32::try_from(MIN.find(needle).unwrap_or_else(|| panic!("{needle} not in MIN"))).unwrap_or(0)
}

fn src_col(line: usize, needle: &str) -> u32 {
    let l = SRC.lines().nth(line).unwrap_or("");
    u32::try_from(l.find(needle).unwrap_or_else(|| panic!("{needle} not on line {line}"))).unwrap_or(0)
}

/// The map of MIN → SRC (0-based positions), with or without sourcesContent.
fn map_json(content: bool, debug_id: Option<&str>) -> Vec<u8> {
    let mut b = SourceMapBuilder::new(Some("cart.js"));
    let s = Some("src/cart.js");
    let t: &[(u32, u32, u32, Option<&str>)] = &[
        (0, 1, src_col(1, "function"), None),
        (col("n(t){"), 1, src_col(1, "computeTotal"), Some("computeTotal")),
        (col("t){"), 1, src_col(1, "items"), Some("items")),
        (col("let"), 2, src_col(2, "let"), None),
        (col("e=0"), 2, src_col(2, "total"), Some("total")),
        (col("for("), 3, src_col(3, "for"), None),
        (col("o.price"), 3, src_col(3, "item.price"), Some("item")),
        (col("if("), 4, src_col(4, "if"), None),
        (col("throw"), 4, src_col(4, "throw"), None),
        (col("new Error"), 4, src_col(4, "new Error"), None),
        (col("Error("), 4, src_col(4, "Error("), Some("Error")),
        (col("return"), 5, src_col(5, "return"), None),
        (col("c=t"), 7, src_col(7, "checkout"), Some("checkout")),
        (col("n(t);"), 7, src_col(7, "computeTotal(items)"), Some("computeTotal")),
    ];
    for (dc, sl, sc, name) in t {
        b.add(0, *dc, *sl, *sc, s, *name, false);
    }
    if content {
        b.set_source_contents(0, Some(SRC));
    }
    b.set_debug_id(debug_id.and_then(|d| d.parse().ok()));
    let mut out = Vec::new();
    b.into_sourcemap().to_writer(&mut out).unwrap_or_else(|e| panic!("{e}"));
    out
}

fn loaded(content: bool, js: bool) -> Loaded {
    let p = prepare("https://shop.example/assets/cart.js", &map_json(content, None), js.then_some(MIN.as_bytes()))
        .unwrap_or_else(|e| panic!("{e}"));
    Loaded::decode(&p.map_gz, p.js_gz.as_deref()).unwrap_or_else(|e| panic!("{e}"))
}

fn frame(f: &str, line: u32, col: u32) -> Frame {
    Frame { file: "https://shop.example/assets/cart.js".into(), function: f.into(), line, col, debug_id: None }
}

#[test]
fn a_frame_maps_to_its_original_line_column_and_function() {
    let l = loaded(true, true);
    // V8 and SpiderMonkey point at `throw` (1-based column).
    let o = lookup(&l, &frame("n", 1, col("throw") + 1)).unwrap_or_else(|| panic!("not found"));
    assert_eq!((o.file.as_str(), o.line, o.col), ("src/cart.js", 5, src_col(4, "throw") + 1));
    assert_eq!(o.function.as_deref(), Some("computeTotal"), "function name from the minified file's scope");
    // Firefox's names (`n/<`) and V8's `Object.n` resolve the same way.
    let o2 = lookup(&l, &frame("Object.n", 1, col("throw") + 3)).unwrap_or_else(|| panic!("not found"));
    assert_eq!((o2.line, o2.col, o2.function.as_deref()), (5, o.col, Some("computeTotal")), "inside a token");
    // Context: three lines either side of line 5, when sourcesContent is there.
    let (start, lines) = o.context.clone().unwrap_or_else(|| panic!("no context"));
    assert_eq!(start, 2);
    assert_eq!(lines.get(3).map(String::as_str), Some("  if (total > 100) throw new Error('too much');"));
    assert_eq!(lines.len(), 7);
    let j = o.to_json();
    assert_eq!(j["fn"], "computeTotal");
    assert_eq!(j["context"]["start_line"], 2);
}

#[test]
fn first_and_last_column_of_a_line() {
    let l = loaded(false, false);
    let first = lookup(&l, &frame("", 1, 1)).unwrap_or_else(|| panic!("first"));
    assert_eq!((first.line, first.col), (2, src_col(1, "function") + 1));
    assert_eq!(first.context, None, "no sourcesContent, no context");
    // The last column (`;` after the arrow's call) belongs to the last mapping.
    let last_col = u32::try_from(MIN.lines().next().unwrap_or("").len()).unwrap_or(0);
    let last = lookup(&l, &frame("", 1, last_col)).unwrap_or_else(|| panic!("last"));
    assert_eq!((last.line, last.col), (8, src_col(7, "computeTotal(items)") + 1));
    assert_eq!(last.token_name.as_deref(), Some("computeTotal"));
    // Column 0 (unknown) reads as the first column.
    assert_eq!(lookup(&l, &frame("", 1, 0)).map(|o| o.line), Some(2));
}

#[test]
fn frames_outside_the_map_are_left_alone() {
    let l = loaded(true, true);
    assert_eq!(lookup(&l, &frame("", 2, 5)), None, "the sourceMappingURL line has no mapping");
    assert_eq!(lookup(&l, &frame("", 40, 1)), None, "past the last generated line");
    assert_eq!(lookup(&l, &frame("", 0, 0)), None, "no line at all");
}

#[test]
fn names_come_from_the_caller_when_the_scope_has_none() {
    // Without the minified file the scope cannot be read: the caller's call
    // site (`n(t)` in `checkout`) names the function the top frame is in.
    let l = loaded(true, false);
    let o = lookup(&l, &frame("n", 1, col("throw") + 1)).unwrap_or_else(|| panic!("top"));
    assert_eq!(o.function, None);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let db = dir.path().join("t.db");
    let mut conn = crate::store::open_writer(&db).unwrap_or_else(|e| panic!("{e}"));
    let p = prepare("/assets/cart.js", &map_json(true, None), None).unwrap_or_else(|e| panic!("{e}"));
    api::store(&mut conn, "1.0", &[p]).unwrap_or_else(|e| panic!("{e}"));
    let cache = Cache::new(1 << 20);
    let s = Symbolicator::new(&conn, &cache);
    let frames = [
        Frame { function: "HTMLButtonElement.<anonymous>".into(), ..frame("", 1, col("throw") + 1) },
        frame("c", 1, col("n(t);") + 1),
    ];
    let out = s.frames("1.0", &frames);
    let names: Vec<_> = out.iter().map(|o| o.as_ref().and_then(|o| o.function.clone())).collect();
    assert_eq!(names, vec![Some("computeTotal".to_string()), None]);
    // A path-only upload matches any origin, with or without a query string.
    let q = Frame { file: "http://127.0.0.1:9/assets/cart.js?v=3".into(), ..frame("n", 1, col("throw") + 1) };
    assert_eq!(s.frame("1.0", &q).map(|o| o.line), Some(5));
    // Another release has no map.
    assert_eq!(s.frame("2.0", &q), None);
}

#[test]
fn bad_maps_are_refused_with_the_reason() {
    let good = map_json(true, None);
    let truncated = good.get(..good.len() / 2).unwrap_or(&[]);
    let e = prepare("/a.js", truncated, None).err().unwrap_or_default();
    assert!(e.starts_with("not valid JSON"), "{e}");
    let v2 = String::from_utf8_lossy(&good).replace("\"version\":3", "\"version\":2");
    let e = prepare("/a.js", v2.as_bytes(), None).err().unwrap_or_default();
    assert!(e.contains("unsupported source map version 2"), "{e}");
    let e = prepare("/a.js", b"[1,2]", None).err().unwrap_or_default();
    assert!(e.contains("expected a JSON object"), "{e}");
    // Source #5 of a map with one source (`K` = 5 in VLQ).
    let past_sources = br#"{"version":3,"sources":["a.js"],"names":[],"mappings":"AKAA"}"#;
    let e = prepare("/a.js", past_sources, None).err().unwrap_or_default();
    assert!(e.contains("invalid source map") && e.contains('5'), "{e}");
    // Line 11 of a two-line source (`U` = 10).
    let past_lines = br#"{"version":3,"sources":["a.js"],"sourcesContent":["a\nb"],"names":[],"mappings":"AAUA"}"#;
    let e = prepare("/a.js", past_lines, None).err().unwrap_or_default();
    assert!(e.contains("points to line 11 of \"a.js\", which has 2 lines"), "{e}");
    let bad_vlq = br#"{"version":3,"sources":["a.js"],"names":[],"mappings":"A!AA"}"#;
    assert!(prepare("/a.js", bad_vlq, None).is_err());
    let empty = br#"{"version":3,"sources":[],"names":[],"mappings":""}"#;
    let e = prepare("/a.js", empty, None).err().unwrap_or_default();
    assert!(e.contains("no mappings"), "{e}");
}

#[test]
fn debug_ids_are_read_and_must_agree() {
    let id = "85314830-023f-4cf1-a267-535f4e37bb17";
    let js = format!("{MIN}//# debugId={id}\n");
    assert_eq!(js_debug_id(&js).as_deref(), Some(id));
    assert_eq!(js_debug_id(MIN), None);
    let p = prepare("/a.js", &map_json(false, None), Some(js.as_bytes())).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.debug_id.as_deref(), Some(id), "from the file's comment");
    let p = prepare("/a.js", &map_json(false, Some(id)), Some(MIN.as_bytes())).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.debug_id.as_deref(), Some(id), "from the map's debugId");
    let other = "00000000-023f-4cf1-a267-535f4e37bb17";
    let e = prepare("/a.js", &map_json(false, Some(other)), Some(js.as_bytes())).err().unwrap_or_default();
    assert!(e.contains("debug ID mismatch"), "{e}");
}

#[test]
fn the_cache_stays_within_its_budget() {
    let one = loaded(true, true);
    let cost = one.cost;
    assert!(cost > 0);
    let cache = Cache::new(cost * 2 + cost / 2);
    let mk = || Arc::new(loaded(true, true));
    cache.put(1, mk());
    cache.put(2, mk());
    assert!(cache.get(1).is_some(), "1 is now the most recently used");
    cache.put(3, mk());
    let (maps, bytes, _, _) = cache.stats();
    assert_eq!(maps, 2);
    assert!(bytes <= cache.budget(), "{bytes} > {}", cache.budget());
    assert!(cache.get(2).is_none(), "the least recently used went");
    assert!(cache.get(1).is_some() && cache.get(3).is_some());
    // A map larger than the whole budget is used but not kept.
    let small = Cache::new(cost / 2);
    small.put(1, mk());
    assert_eq!(small.stats().0, 0);
    cache.clear();
    assert_eq!(cache.stats().0, 0);
}

#[test]
fn async_function_names_are_found_from_their_declaration() {
    // esbuild maps `async function l(` at `async`, so the token before `l`
    // is not `function`: the declaration is found in the minified line.
    let min = "async function l(t){await 0;throw new TypeError(t)}\n";
    let at = |n: &str| u32::try_from(min.find(n).unwrap_or(0)).unwrap_or(0);
    let mut b = SourceMapBuilder::new(None);
    b.add(0, 0, 1, 7, Some("src/prices.js"), None, false);
    b.add(0, at("l("), 1, 22, Some("src/prices.js"), Some("loadPrices"), false);
    b.add(0, at("throw"), 3, 2, Some("src/prices.js"), None, false);
    let mut out = Vec::new();
    b.into_sourcemap().to_writer(&mut out).unwrap_or_else(|e| panic!("{e}"));
    let p = prepare("/p.js", &out, Some(min.as_bytes())).unwrap_or_else(|e| panic!("{e}"));
    let l = Loaded::decode(&p.map_gz, p.js_gz.as_deref()).unwrap_or_else(|e| panic!("{e}"));
    let o = lookup(&l, &frame("l", 1, at("throw") + 1)).unwrap_or_else(|| panic!("not found"));
    assert_eq!((o.line, o.function.as_deref()), (4, Some("loadPrices")));
}
