//! Source maps: uploaded per release, stored in SQLite in a compact form,
//! and used when errors are *read* (so a map uploaded after the errors
//! arrived still makes them readable).
//!
//! - [`prepare`] validates one (minified file, map) pair once, at upload:
//!   a map that cannot be used (bad JSON, not version 3, mappings pointing
//!   past its sources or past a source's last line, no mappings at all) is
//!   refused with the reason. What is stored is the map as re-encoded by the
//!   `sourcemap` crate (index maps flattened, unknown fields dropped) and
//!   the minified file, both gzip-compressed.
//! - [`Cache`] keeps decoded maps in memory, bounded by an estimate of their
//!   size in bytes (least recently used first out).
//! - [`Symbolicator`] maps a frame `{file, fn, line, col}` of a release to
//!   its original file, line, column, function name and a few lines of
//!   source when the map carries `sourcesContent`.
//! - [`issues`] groups error events by message and first symbolicated
//!   in-app frame.
//!
//! Keys: (release, URL of the minified file). A stored URL that starts with
//! `/` (a path) matches that path on any origin. Debug IDs (ECMA-426: the
//! map's `debugId`, the `//# debugId=` comment of the minified file) are
//! checked to agree at upload, stored, listed, and honoured when a frame
//! carries one (`debug_id`).

pub mod api;
pub mod cli;
pub mod issues;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension};
use serde_json::{json, Value};
use sourcemap::{DecodedMap, SourceMap, SourceView};

/// Lines of original source shown before and after the frame's line.
pub const CONTEXT_LINES: u32 = 3;
/// Longest line of context returned (minified sources can have huge lines).
const MAX_CONTEXT_LINE: usize = 200;
/// Default bound of the decoded-map cache (`--sourcemap-cache`).
pub const DEFAULT_CACHE_BYTES: usize = 256 << 20;

/// A pair validated and compressed, ready to store.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub url: String,
    pub debug_id: Option<String>,
    /// The re-encoded map, gzip.
    pub map_gz: Vec<u8>,
    /// The minified file, gzip (used to find original function names).
    pub js_gz: Option<Vec<u8>>,
    pub map_bytes: usize,
    pub js_bytes: usize,
    pub sources: usize,
    pub sources_with_content: usize,
    pub tokens: usize,
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

fn gunzip(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data).read_to_end(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// The ECMA-426 `//# debugId=ID` comment of a generated file (searched in
/// its last lines, where bundlers put it next to `sourceMappingURL`).
pub fn js_debug_id(js: &str) -> Option<String> {
    js.lines().rev().take(8).find_map(|l| {
        let l = l.trim();
        let rest = l.strip_prefix("//# debugId=").or_else(|| l.strip_prefix("//@ debugId="))?;
        let id = rest.trim();
        id.parse::<debugid::DebugId>().ok().map(|d| d.to_string())
    })
}

/// Validates a map (and its minified file, if given) and turns it into what
/// is stored. Errors are for a person: what is wrong, and where.
pub fn prepare(url: &str, map: &[u8], js: Option<&[u8]>) -> Result<Prepared, String> {
    // JSON first, for an error with a position; then the version.
    let head: Value = serde_json::from_slice(map).map_err(|e| format!("not valid JSON: {e}"))?;
    let obj = head.as_object().ok_or("not a source map: expected a JSON object")?;
    match obj.get("version") {
        Some(v) if v.as_u64() == Some(3) => {}
        Some(v) => return Err(format!("unsupported source map version {v}: only version 3 (ECMA-426) is read")),
        None => return Err("not a source map: no \"version\" field".into()),
    }
    let decoded = sourcemap::decode_slice(map).map_err(|e| format!("invalid source map: {e}"))?;
    let mut sm = match decoded {
        DecodedMap::Regular(sm) => sm,
        DecodedMap::Index(idx) => idx.flatten().map_err(|e| format!("invalid index source map: {e}"))?,
        DecodedMap::Hermes(_) => return Err("React Native (Hermes) source maps are not supported".into()),
    };
    let sources = sm.get_source_count() as usize;
    if sm.get_token_count() == 0 {
        return Err("the map has no mappings: nothing could be symbolicated with it".into());
    }
    // Mappings that point past the sources' ends (where the content is known).
    let line_counts: Vec<Option<usize>> =
        (0..sm.get_source_count()).map(|i| sm.get_source_contents(i).map(|c| c.split('\n').count())).collect();
    for t in sm.tokens() {
        if !t.has_source() {
            continue;
        }
        let id = t.get_src_id() as usize;
        if id >= sources {
            return Err(format!("a mapping points to source #{id}, but the map lists {sources} sources"));
        }
        if let Some(Some(n)) = line_counts.get(id) {
            if t.get_src_line() as usize >= *n {
                return Err(format!(
                    "a mapping (generated line {}, column {}) points to line {} of {:?}, which has {} lines",
                    t.get_dst_line() + 1,
                    t.get_dst_col() + 1,
                    t.get_src_line() + 1,
                    t.get_source().unwrap_or(""),
                    n
                ));
            }
        }
    }
    let js_text = match js {
        Some(b) => Some(std::str::from_utf8(b).map_err(|e| format!("the minified file is not UTF-8: {e}"))?),
        None => None,
    };
    let map_id = sm.get_debug_id().map(|d| d.to_string());
    let js_id = js_text.and_then(js_debug_id);
    if let (Some(m), Some(j)) = (&map_id, &js_id) {
        if m != j {
            return Err(format!("debug ID mismatch: the minified file says {j}, its map says {m}: not a pair"));
        }
    }
    let debug_id = map_id.or(js_id);
    if sm.get_debug_id().is_none() {
        sm.set_debug_id(debug_id.as_deref().and_then(|d| d.parse().ok()));
    }
    let sources_with_content = (0..sm.get_source_count()).filter(|i| sm.get_source_contents(*i).is_some()).count();
    let mut encoded = Vec::with_capacity(map.len());
    sm.to_writer(&mut encoded).map_err(|e| format!("re-encoding the map failed: {e}"))?;
    Ok(Prepared {
        url: url.to_string(),
        debug_id,
        map_gz: gzip(&encoded),
        js_gz: js_text.map(|t| gzip(t.as_bytes())),
        map_bytes: encoded.len(),
        js_bytes: js_text.map_or(0, str::len),
        sources,
        sources_with_content,
        tokens: sm.get_token_count() as usize,
    })
}

/// A decoded map (and the minified file's view, for function names).
pub struct Loaded {
    pub map: SourceMap,
    pub js: Option<SourceView>,
    /// Estimated memory, counted against the cache's budget.
    pub cost: usize,
}

impl Loaded {
    pub fn decode(map_gz: &[u8], js_gz: Option<&[u8]>) -> Result<Loaded, String> {
        let raw = gunzip(map_gz)?;
        let map = SourceMap::from_slice(&raw).map_err(|e| e.to_string())?;
        let js = match js_gz {
            Some(g) => Some(String::from_utf8(gunzip(g)?).map_err(|e| e.to_string())?),
            None => None,
        };
        let contents: usize = map.source_contents().map(|c| c.map_or(0, str::len)).sum();
        let cost = map.get_token_count() as usize * std::mem::size_of::<sourcemap::RawToken>()
            + contents
            + js.as_ref().map_or(0, String::len)
            + 256;
        Ok(Loaded { map, js: js.map(SourceView::from_string), cost })
    }
}

/// Decoded maps by row id, least recently used evicted past `budget` bytes;
/// and which row serves a (release, URL), so that a page of events costs one
/// query per distinct file.
pub struct Cache {
    budget: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    maps: HashMap<i64, (Arc<Loaded>, u64)>,
    bytes: usize,
    tick: u64,
    keys: HashMap<(String, String), Option<i64>>,
    hits: u64,
    misses: u64,
}

/// Resolutions kept before the key map is cleared.
const MAX_KEYS: usize = 20_000;

impl Cache {
    pub fn new(budget: usize) -> Cache {
        Cache { budget, inner: Mutex::new(Inner::default()) }
    }

    /// After an upload or delete: everything may have changed.
    pub fn clear(&self) {
        if let Ok(mut g) = self.inner.lock() {
            let (hits, misses) = (g.hits, g.misses);
            *g = Inner { hits, misses, ..Inner::default() };
        }
    }

    /// (maps held, bytes held, hits, misses).
    pub fn stats(&self) -> (usize, usize, u64, u64) {
        self.inner.lock().map(|g| (g.maps.len(), g.bytes, g.hits, g.misses)).unwrap_or_default()
    }

    pub fn budget(&self) -> usize {
        self.budget
    }

    fn key(&self, release: &str, url: &str) -> Option<Option<i64>> {
        self.inner.lock().ok()?.keys.get(&(release.to_string(), url.to_string())).copied()
    }

    fn set_key(&self, release: &str, url: &str, id: Option<i64>) {
        if let Ok(mut g) = self.inner.lock() {
            if g.keys.len() >= MAX_KEYS {
                g.keys.clear();
            }
            g.keys.insert((release.to_string(), url.to_string()), id);
        }
    }

    pub fn get(&self, id: i64) -> Option<Arc<Loaded>> {
        let mut g = self.inner.lock().ok()?;
        g.tick += 1;
        let tick = g.tick;
        match g.maps.get_mut(&id) {
            Some((l, t)) => {
                *t = tick;
                let l = l.clone();
                g.hits += 1;
                Some(l)
            }
            None => {
                g.misses += 1;
                None
            }
        }
    }

    /// Keeps `l` (unless it alone exceeds the budget), evicting the least
    /// recently used maps until the total fits.
    pub fn put(&self, id: i64, l: Arc<Loaded>) {
        let Ok(mut g) = self.inner.lock() else { return };
        if l.cost > self.budget {
            return;
        }
        g.tick += 1;
        let tick = g.tick;
        let cost = l.cost;
        if let Some((old, _)) = g.maps.insert(id, (l, tick)) {
            g.bytes -= old.cost;
        }
        g.bytes += cost;
        while g.bytes > self.budget {
            let Some((&victim, _)) = g.maps.iter().min_by_key(|(_, (_, t))| *t) else { break };
            if let Some((old, _)) = g.maps.remove(&victim) {
                g.bytes -= old.cost;
            }
        }
    }
}

/// The URL forms a frame's file may have been uploaded under: as is,
/// without query and fragment, and its path (for path-only uploads).
fn url_candidates(file: &str) -> Vec<String> {
    let mut out = vec![file.to_string()];
    let bare = file.split(['?', '#']).next().unwrap_or(file);
    if bare != file {
        out.push(bare.to_string());
    }
    if let Some((_, after)) = bare.split_once("://") {
        if let Some(j) = after.find('/') {
            out.push(after.get(j..).unwrap_or_default().to_string());
        }
    }
    out
}

/// A minified frame, as the agent sends it (1-based line and column).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frame {
    pub file: String,
    pub function: String,
    pub line: u32,
    pub col: u32,
    pub debug_id: Option<String>,
}

impl Frame {
    pub fn from_json(v: &Value) -> Option<Frame> {
        let o = v.as_object()?;
        let num = |k: &str| o.get(k).and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
        let s = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        Some(Frame {
            file: s("file"),
            function: s("fn"),
            line: num("line"),
            col: num("col"),
            debug_id: o.get("debug_id").and_then(Value::as_str).map(str::to_string),
        })
    }
}

/// Where a frame came from in the original sources.
#[derive(Debug, Clone, PartialEq)]
pub struct Original {
    pub file: String,
    pub line: u32,
    pub col: u32,
    /// Original function name, when one could be found.
    pub function: Option<String>,
    /// The name at the frame's position (what was called or read there):
    /// the caller frame's function name, see [`Symbolicator::frames`].
    pub token_name: Option<String>,
    /// Lines `context_start..` of the original source, when the map has it.
    pub context: Option<(u32, Vec<String>)>,
}

impl Original {
    pub fn to_json(&self) -> Value {
        let mut v = json!({"file": self.file, "line": self.line, "col": self.col, "fn": self.function});
        if let (Some((start, lines)), Value::Object(o)) = (&self.context, &mut v) {
            o.insert("context".into(), json!({"start_line": start, "lines": lines}));
        }
        v
    }

    /// `fn (file:line:col)`, for a culprit line.
    pub fn culprit(&self) -> String {
        match &self.function {
            Some(f) => format!("{f} ({}:{}:{})", self.file, self.line, self.col),
            None => format!("{}:{}:{}", self.file, self.line, self.col),
        }
    }

    /// Not library code: the first such frame names an error's cause.
    pub fn in_app(&self) -> bool {
        !self.file.contains("node_modules/") && !self.file.starts_with("webpack/") && !self.file.contains("(webpack)")
    }
}

/// The last identifier-like segment of a minified function name
/// (`Object.t` → `t`, Firefox's `n/<` → `n`, `async t` → `t`).
fn minified_ident(f: &str) -> &str {
    let f = f.strip_prefix("async ").unwrap_or(f);
    let f = f.split('/').next().unwrap_or(f);
    f.rsplit('.').next().unwrap_or(f)
}

/// Looks a (release, frame) up through the cache and the database.
pub struct Symbolicator<'a> {
    pub conn: &'a Connection,
    pub cache: &'a Cache,
}

impl<'a> Symbolicator<'a> {
    pub fn new(conn: &'a Connection, cache: &'a Cache) -> Symbolicator<'a> {
        Symbolicator { conn, cache }
    }

    fn resolve(&self, release: &str, f: &Frame) -> Option<i64> {
        if let Some(d) = &f.debug_id {
            let id = self
                .conn
                .query_row("SELECT id FROM sourcemaps WHERE debug_id = ? ORDER BY uploaded_at DESC LIMIT 1", [d], |r| {
                    r.get(0)
                })
                .optional()
                .ok()
                .flatten();
            if id.is_some() {
                return id;
            }
        }
        if let Some(hit) = self.cache.key(release, &f.file) {
            return hit;
        }
        let mut found = None;
        for u in url_candidates(&f.file) {
            let id: Option<i64> = self
                .conn
                .query_row("SELECT id FROM sourcemaps WHERE release = ? AND url = ?", [release, u.as_str()], |r| {
                    r.get(0)
                })
                .optional()
                .unwrap_or(None);
            if id.is_some() {
                found = id;
                break;
            }
        }
        self.cache.set_key(release, &f.file, found);
        found
    }

    /// The decoded map of a row, from the cache or the database.
    pub fn load(&self, id: i64) -> Option<Arc<Loaded>> {
        if let Some(l) = self.cache.get(id) {
            return Some(l);
        }
        let (map, js): (Vec<u8>, Option<Vec<u8>>) = self
            .conn
            .query_row("SELECT map, js FROM sourcemaps WHERE id = ?", [id], |r| Ok((r.get(0)?, r.get(1)?)))
            .ok()?;
        match Loaded::decode(&map, js.as_deref()) {
            Ok(l) => {
                let l = Arc::new(l);
                self.cache.put(id, l.clone());
                Some(l)
            }
            Err(e) => {
                tracing::warn!(id, "stored source map unreadable: {e}");
                None
            }
        }
    }

    /// One frame, alone (its function name from the minified file's scope).
    pub fn frame(&self, release: &str, f: &Frame) -> Option<Original> {
        let id = self.resolve(release, f)?;
        let l = self.load(id)?;
        lookup(&l, f)
    }

    /// A whole stack, top frame first. A frame whose function name the scope
    /// lookup cannot find takes the name mapped at its caller's call site
    /// (the next frame's position names the function it called).
    pub fn frames(&self, release: &str, frames: &[Frame]) -> Vec<Option<Original>> {
        let mut out: Vec<Option<Original>> = frames.iter().map(|f| self.frame(release, f)).collect();
        for i in 0..out.len() {
            let caller = out.get(i + 1).and_then(|c| c.as_ref()).and_then(|c| c.token_name.clone());
            if let Some(Some(o)) = out.get_mut(i) {
                if o.function.is_none() {
                    o.function = caller;
                }
            }
        }
        out
    }

    /// Adds `original` to each covered frame of an error event's attributes
    /// (and to the event's own `file`/`line`/`col`). Returns how many frames
    /// were symbolicated.
    pub fn event(&self, release: &str, attrs: &mut Value) -> usize {
        let Some(o) = attrs.as_object_mut() else { return 0 };
        let mut n = 0;
        let mut first: Option<(Frame, Value)> = None;
        if let Some(Value::Array(list)) = o.get_mut("frames") {
            let frames: Vec<Frame> = list.iter().map(|v| Frame::from_json(v).unwrap_or_default()).collect();
            for (i, (v, orig)) in list.iter_mut().zip(self.frames(release, &frames)).enumerate() {
                if let (Some(orig), Value::Object(fo)) = (orig, v) {
                    let j = orig.to_json();
                    if i == 0 {
                        first = frames.first().cloned().map(|f| (f, j.clone()));
                    }
                    fo.insert("original".into(), j);
                    n += 1;
                }
            }
        }
        // The event's own location: usually the top frame's (then its name too).
        let top = Frame::from_json(&Value::Object(o.clone())).filter(|f| !f.file.is_empty() && f.line > 0);
        if let Some(f) = top {
            let orig = match first {
                Some((ff, j)) if ff.file == f.file && ff.line == f.line && ff.col == f.col => Some(j),
                _ => self.frame(release, &Frame { function: String::new(), ..f }).map(|o| o.to_json()),
            };
            if let Some(j) = orig {
                o.insert("original".into(), j);
            }
        }
        n
    }
}

/// A frame through one decoded map: `None` when the map has no mapping on
/// the frame's line (a frame outside the map), or it maps to no source.
pub fn lookup(l: &Loaded, f: &Frame) -> Option<Original> {
    if f.line == 0 {
        return None;
    }
    let (line, col) = (f.line - 1, f.col.saturating_sub(1));
    let tok = l.map.lookup_token(line, col)?;
    // The greatest mapping at or before the position may be on an earlier
    // line: then this line has no mapping at all.
    if tok.get_dst_line() != line {
        return None;
    }
    let file = tok.get_source()?.to_string();
    let (src_line, src_col) = (tok.get_src_line(), tok.get_src_col());
    let ident = minified_ident(&f.function);
    let function = match (&l.js, ident.is_empty()) {
        (Some(sv), false) => l
            .map
            .get_original_function_name(line, col, ident, sv)
            .or_else(|| declared_name(l, sv, line, col, ident))
            .map(str::to_string),
        _ => None,
    };
    let context = l.map.get_source_view(tok.get_src_id()).map(|sv| {
        let first = src_line.saturating_sub(CONTEXT_LINES);
        let last = src_line + CONTEXT_LINES;
        let lines: Vec<String> = (first..=last)
            .map_while(|i| sv.get_line(i))
            .map(|s| rum_agent::core::attrs::truncate(s.trim_end_matches('\r'), MAX_CONTEXT_LINE).to_string())
            .collect();
        (first + 1, lines)
    });
    Some(Original {
        file,
        line: src_line + 1,
        col: src_col + 1,
        function,
        token_name: tok.get_name().map(str::to_string),
        context,
    })
}

/// The original name of the nearest declaration of `ident` before the
/// frame on its minified line (`function IDENT(`, `async function IDENT(`,
/// `IDENT=function`), for what the token-sequence lookup misses (an
/// `async` keyword carries the mapping, not `function`).
fn declared_name<'m>(l: &'m Loaded, sv: &SourceView, line: u32, col: u32, ident: &str) -> Option<&'m str> {
    let text = sv.get_line(line)?;
    let before = text.get(..(col as usize).min(text.len())).unwrap_or(text);
    let at = [format!("function {ident}("), format!("{ident}=function"), format!("{ident}=async function")]
        .iter()
        .filter_map(|pat| {
            before.rfind(pat.as_str()).map(|i| if pat.starts_with("function ") { i + "function ".len() } else { i })
        })
        .max()?;
    let at = u32::try_from(at).ok()?;
    let tok = l.map.lookup_token(line, at)?;
    (tok.get_dst_line() == line && tok.get_dst_col() == at).then(|| tok.get_name()).flatten()
}

/// Symbolicates the error events of an `/api/events` answer in place.
pub fn symbolicate_events(conn: &Connection, cache: &Cache, answer: &mut Value) {
    let s = Symbolicator::new(conn, cache);
    let Some(Value::Array(list)) = answer.get_mut("events") else { return };
    for e in list.iter_mut() {
        if e.get("kind").and_then(Value::as_str) != Some("error") {
            continue;
        }
        let release = e.pointer("/app/version").and_then(Value::as_str).unwrap_or("").to_string();
        if let Some(attrs) = e.get_mut("attributes") {
            s.event(&release, attrs);
        }
    }
}

#[cfg(test)]
mod tests;
