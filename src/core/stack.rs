//! Parses `Error.stack` strings into frames. Browsers disagree on the format:
//!
//! - V8 (Chrome, Edge, Node): a message line, then `    at fn (url:line:col)`,
//!   `    at url:line:col`, `    at async fn (…)`, `    at new Foo (…)`, and
//!   eval frames `at eval (eval at outer (url:l:c), <anonymous>:l:c)`.
//! - SpiderMonkey (Firefox): `fn@url:line:col`, `@url:line:col`, async
//!   markers `promise callback*fn@…`, eval `fn@url line 2 > eval:1:7`.
//! - JavaScriptCore (Safari): `fn@url:line:col`, `global code@url:l:c`,
//!   `[native code]`, bare `url:line:col`.
//!
//! Top frame first, as the browser prints them. The parser never fails: what
//! it cannot read is skipped (and the caller may keep the raw stack).

#[allow(unused_imports)]
use crate::prelude::*;

use super::attrs::truncate;
use super::event::Frame;

pub const MAX_FRAMES: usize = 40;
const MAX_FIELD: usize = 512;

/// Frames parsed, and whether some line that looked like a frame was not understood.
pub fn parse_stack(stack: &str) -> (Vec<Frame>, bool) {
    // Lines are trimmed below, so a `\r` before the `\n` goes too: `split`
    // does what `lines` would, without its own iterator in the wasm.
    let v8 = stack.split('\n').any(|l| l.trim_start().starts_with("at "));
    let mut frames = Vec::new();
    let mut unparsed = false;
    for line in stack.split('\n') {
        if frames.len() >= MAX_FRAMES {
            break;
        }
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let frame = if v8 {
            match line.strip_prefix("at ") {
                Some(rest) => v8_frame(rest),
                None => continue, // the message line(s)
            }
        } else {
            gecko_frame(line)
        };
        match frame {
            Some(f) => frames.push(f),
            None => unparsed |= !line.starts_with('['), // "[native code]" is expected noise
        }
    }
    (frames, unparsed)
}

fn v8_frame(rest: &str) -> Option<Frame> {
    let rest = rest.strip_prefix("async ").unwrap_or(rest);
    let (function, location) = match (rest.ends_with(')'), super::json::find(rest, " (")) {
        (true, Some(open)) => {
            let inner = rest.get(open + 2..rest.len() - 1).unwrap_or("");
            (rest.get(..open).unwrap_or(""), inner)
        }
        _ => ("", rest),
    };
    // `eval at outer (url:l:c), <anonymous>:l:c`: the only real location is the
    // outer one, where the eval'd code came from.
    let location = match location.strip_prefix("eval at ") {
        Some(ev) => match (ev.find('('), ev.find(')')) {
            (Some(a), Some(b)) if b > a => ev.get(a + 1..b).unwrap_or(ev),
            _ => ev,
        },
        None => location,
    };
    if location == "<anonymous>" || location == "native" || location.starts_with("index ") {
        // `at Array.map (<anonymous>)`, `at async Promise.all (index 0)`: no source.
        return Some(frame(function, location, 0, 0));
    }
    let (file, line, col) = split_location(location)?;
    Some(frame(function, file, line, col))
}

fn gecko_frame(line: &str) -> Option<Frame> {
    let (function, location) = match line.find('@') {
        Some(at) => (line.get(..at).unwrap_or(""), line.get(at + 1..).unwrap_or("")),
        // Safari sometimes prints bare `url:line:col`.
        None => ("", line),
    };
    // `promise callback*fn`, `setTimeout handler*fn`: the async cause prefix.
    let function = super::json::rsplit_once_byte(function, b'*').map_or(function, |(_, f)| f);
    let (file, line_no, col) = split_location(location)?;
    // Firefox eval: `url line 2 > eval` — the line of the eval call.
    if let Some(i) = super::json::find(file, " line ") {
        let outer = file.get(..i).unwrap_or(file);
        let tail = file.get(i + 6..).unwrap_or("");
        let n = tail.split(' ').next().and_then(parse_u32).unwrap_or(0);
        return Some(frame(function, outer, n, 0));
    }
    Some(frame(function, file, line_no, col))
}

/// `url:line:col` or `url:line` from the right (URLs contain colons).
fn split_location(loc: &str) -> Option<(&str, u32, u32)> {
    let (head, last) = super::json::rsplit_once_byte(loc, b':')?;
    let last_n = parse_u32(last)?;
    match super::json::rsplit_once_byte(head, b':') {
        Some((file, l)) => match parse_u32(l) {
            Some(line) if !file.is_empty() => Some((file, line, last_n)),
            _ => Some((head, last_n, 0)),
        },
        None => Some((head, last_n, 0)),
    }
    .filter(|(file, _, _)| !file.is_empty())
}

fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 {
        return None;
    }
    let mut n: u32 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(b - b'0');
    }
    Some(n)
}

fn frame(function: &str, file: &str, line: u32, col: u32) -> Frame {
    Frame {
        file: truncate(file, MAX_FIELD).to_string(),
        function: truncate(function, MAX_FIELD).to_string(),
        line,
        col,
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn f(function: &str, file: &str, line: u32, col: u32) -> Frame {
        frame(function, file, line, col)
    }

    #[test]
    fn chrome() {
        let stack = "TypeError: Cannot read properties of undefined (reading 'x')\n    at handler (http://127.0.0.1:8787/demo/page.html:12:15)\n    at HTMLButtonElement.<anonymous> (http://127.0.0.1:8787/app.js:3:9)\n    at http://127.0.0.1:8787/app.js:10:1\n    at async Promise.all (index 0)\n    at new Widget (http://127.0.0.1:8787/w.js:7:11)\n    at Array.map (<anonymous>)\n    at eval (eval at run (http://127.0.0.1:8787/x.js:2:3), <anonymous>:1:7)";
        let (frames, unparsed) = parse_stack(stack);
        assert!(!unparsed);
        assert_eq!(
            frames,
            vec![
                f("handler", "http://127.0.0.1:8787/demo/page.html", 12, 15),
                f("HTMLButtonElement.<anonymous>", "http://127.0.0.1:8787/app.js", 3, 9),
                f("", "http://127.0.0.1:8787/app.js", 10, 1),
                f("Promise.all", "index 0", 0, 0),
                f("new Widget", "http://127.0.0.1:8787/w.js", 7, 11),
                f("Array.map", "<anonymous>", 0, 0),
                f("eval", "http://127.0.0.1:8787/x.js", 2, 3),
            ]
        );
    }

    #[test]
    fn chrome_message_with_at_sign_is_not_a_frame() {
        let (frames, _) = parse_stack("Error: mail me@x.com:1:2\n    at go (https://a.example/a.js:1:2)");
        assert_eq!(frames, vec![f("go", "https://a.example/a.js", 1, 2)]);
    }

    #[test]
    fn firefox() {
        let stack = "handler@http://127.0.0.1:8787/demo/page.html:12:15\n@http://127.0.0.1:8787/app.js:10:1\nWidget/<@http://127.0.0.1:8787/w.js:7:11\npromise callback*load@http://127.0.0.1:8787/app.js:20:5\nrun@http://127.0.0.1:8787/x.js line 2 > eval:1:7\n";
        let (frames, unparsed) = parse_stack(stack);
        assert!(!unparsed);
        assert_eq!(
            frames,
            vec![
                f("handler", "http://127.0.0.1:8787/demo/page.html", 12, 15),
                f("", "http://127.0.0.1:8787/app.js", 10, 1),
                f("Widget/<", "http://127.0.0.1:8787/w.js", 7, 11),
                f("load", "http://127.0.0.1:8787/app.js", 20, 5),
                f("run", "http://127.0.0.1:8787/x.js", 2, 0),
            ]
        );
    }

    #[test]
    fn safari() {
        let stack = "handler@http://127.0.0.1:8787/demo/page.html:12:15\nglobal code@http://127.0.0.1:8787/demo/page.html:20:3\n[native code]\nhttp://127.0.0.1:8787/app.js:4:2";
        let (frames, unparsed) = parse_stack(stack);
        assert!(!unparsed);
        assert_eq!(
            frames,
            vec![
                f("handler", "http://127.0.0.1:8787/demo/page.html", 12, 15),
                f("global code", "http://127.0.0.1:8787/demo/page.html", 20, 3),
                f("", "http://127.0.0.1:8787/app.js", 4, 2),
            ]
        );
    }

    #[test]
    fn garbage_is_flagged_not_fatal() {
        let (frames, unparsed) = parse_stack("something odd\n@@@\n:::\n");
        assert!(frames.is_empty());
        assert!(unparsed);
        assert_eq!(parse_stack(""), (vec![], false));
    }

    #[test]
    fn frames_are_capped() {
        let stack: String = (0..500).map(|i| format!("    at f{i} (https://a/a.js:{i}:1)\n")).collect();
        assert_eq!(parse_stack(&stack).0.len(), MAX_FRAMES);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,300}") {
            let _ = parse_stack(&s);
        }
    }
}
