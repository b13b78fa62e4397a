//! Reads the JS config object into the core's `Value` tree (validation is the
//! core's job) and keeps what only JS can hold: the beforeSend function and
//! the RegExps of `ignoreUrls` / `ignoreErrors` / `tracePropagationTargets`.

#[allow(unused_imports)]
use crate::prelude::*;

use js_sys::{Array, Function, Object, RegExp};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::config::{self, Config, Pattern, Value};

use super::util::get;

/// JS objects the config refers to.
#[derive(Default)]
pub struct Hooks {
    pub before_send: Option<Function>,
    pub ignore_urls: Vec<RegExp>,
    pub ignore_errors: Vec<RegExp>,
    pub trace_origins: Vec<RegExp>,
    /// The shim's `wrap(original, hook)`: makes a function that passes its
    /// `this` to a Rust hook (HTTP instrumentation needs it).
    pub wrap: Option<Function>,
}

const MAX_DEPTH: u32 = 4;

fn read(v: &JsValue, depth: u32) -> Value {
    if v.is_undefined() {
        return Value::Undefined;
    }
    if v.is_null() {
        return Value::Null;
    }
    if let Some(b) = v.as_bool() {
        return Value::Bool(b);
    }
    if let Some(n) = v.as_f64() {
        return Value::Num(n);
    }
    if let Some(s) = v.as_string() {
        return Value::Str(s);
    }
    if v.is_function() {
        return Value::Func;
    }
    if let Some(re) = v.dyn_ref::<RegExp>() {
        return Value::RegExp(re.source().into());
    }
    if depth >= MAX_DEPTH {
        return Value::Other("deeply nested value".into());
    }
    if Array::is_array(v) {
        let arr: &Array = v.unchecked_ref();
        return Value::Arr(arr.iter().take(1000).map(|x| read(&x, depth + 1)).collect());
    }
    if v.is_object() {
        let keys = Object::keys(v.unchecked_ref::<Object>());
        let fields = keys
            .iter()
            .take(100)
            .filter_map(|k| k.as_string())
            .map(|k| {
                let val = read(&get(v, &k), depth + 1);
                (k, val)
            })
            .collect();
        return Value::Obj(fields);
    }
    Value::Other(v.js_typeof().as_string().unwrap_or_default())
}

fn regexps(v: &JsValue) -> Vec<RegExp> {
    if !Array::is_array(v) {
        return Vec::new();
    }
    v.unchecked_ref::<Array>().iter().filter_map(|x| x.dyn_into::<RegExp>().ok()).collect()
}

/// Validates the config given to `init()` (`from_tag`: the script tag's
/// `dataset`). `Err` is the TypeError message.
pub fn load(js: &JsValue, from_tag: bool) -> Result<(Config, Hooks), String> {
    let tree = if from_tag {
        let pairs: Vec<(String, String)> = match read(js, 0) {
            Value::Obj(fields) => fields
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::Str(s) => Some((k, s)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let num = |s: &str| {
            let n = super::bindings::to_number(&JsValue::from_str(s));
            (!s.is_empty() && n.is_finite()).then_some(n)
        };
        config::from_dataset(&pairs, &num)
    } else {
        read(js, 0)
    };
    let cfg = config::parse(&tree)?;
    let hooks = if from_tag {
        Hooks::default()
    } else {
        Hooks {
            before_send: get(js, "beforeSend").dyn_into::<Function>().ok(),
            ignore_urls: regexps(&get(js, "ignoreUrls")),
            ignore_errors: regexps(&get(js, "ignoreErrors")),
            trace_origins: regexps(&get(js, "tracePropagationTargets")),
            wrap: None,
        }
    };
    Ok((cfg, hooks))
}

/// True when `s` matches one of the patterns (strings: substring; RegExps: `test`).
pub fn matches(patterns: &[Pattern], regexps: &[RegExp], s: &str) -> bool {
    patterns.iter().any(|p| match p {
        Pattern::Sub(sub) => crate::core::json::contains(s, sub),
        Pattern::Regex(i) => regexps.get(*i).is_some_and(|re| {
            // A global/sticky RegExp keeps lastIndex between calls: reset it so
            // the same URL gives the same answer every time.
            re.set_last_index(0);
            re.test(s)
        }),
    })
}
