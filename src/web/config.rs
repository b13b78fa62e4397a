//! Reads the JS config object into the core's `Value` tree (validation is the
//! core's job) and keeps what only JS can hold: the beforeSend function and
//! the RegExps of `ignoreUrls` / `ignoreErrors` / `tracePropagationTargets`.

#[allow(unused_imports)]
use crate::prelude::*;

use js_sys::{Array, Function, Object, Reflect, RegExp};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::config::{self, Config, Pattern, Value};

use super::util::get;

/// JS objects the config refers to.
#[derive(Default)]
pub struct Hooks {
    pub before_send: Option<Function>,
    /// Every RegExp of the config, in the order read: `Pattern::Regex(i)`
    /// (in `ignoreUrls`, `ignoreErrors`, `tracePropagationTargets`) is `regexps[i]`.
    pub regexps: Vec<RegExp>,
    /// The shim's `wrap(original, hook)`: makes a function that passes its
    /// `this` to a Rust hook (HTTP instrumentation needs it).
    pub wrap: Option<Function>,
}

const MAX_DEPTH: u32 = 4;

/// The JS value as a `Value` tree; each RegExp goes to `regexps`, its
/// number in the tree.
fn read(v: &JsValue, depth: u32, regexps: &mut Vec<RegExp>) -> Value {
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
        let i = regexps.len();
        regexps.push(re.clone());
        return Value::RegExp(re.source().into(), i);
    }
    if depth >= MAX_DEPTH {
        return Value::Other("deeply nested value");
    }
    if Array::is_array(v) {
        let arr: &Array = v.unchecked_ref();
        let mut items = Vec::new();
        for i in 0..arr.length().min(1000) {
            items.push(read(&arr.get(i), depth + 1, regexps));
        }
        return Value::Arr(items);
    }
    if v.is_object() {
        let keys = Object::keys(v.unchecked_ref::<Object>());
        let mut fields = Vec::new();
        for i in 0..keys.length().min(100) {
            // The key as JS gave it: no string back into JS to look it up.
            let key = keys.get(i);
            if let Some(k) = key.as_string() {
                let val = read(&Reflect::get(v, &key).unwrap_or(JsValue::UNDEFINED), depth + 1, regexps);
                fields.push((k, val));
            }
        }
        return Value::Obj(fields);
    }
    // What is left: a symbol or a bigint (no `typeof` import for a message).
    Value::Other("symbol or bigint")
}

/// Validates the config given to `init()` (`from_tag`: the script tag's
/// `dataset`). `Err` is the TypeError message.
pub fn load(js: &JsValue, from_tag: bool) -> Result<(Config, Hooks), String> {
    let mut hooks = Hooks::default();
    let mut tree = read(js, 0, &mut hooks.regexps);
    if from_tag {
        let mut pairs: Vec<(String, String)> = Vec::new();
        if let Value::Obj(fields) = tree {
            for (k, v) in fields {
                if let Value::Str(s) = v {
                    pairs.push((k, s));
                }
            }
        }
        let num = |s: &str| {
            let n = super::bindings::to_number(&JsValue::from_str(s));
            (!s.is_empty() && n.is_finite()).then_some(n)
        };
        tree = config::from_dataset(&pairs, &num);
    } else {
        hooks.before_send = get(js, "beforeSend").dyn_into::<Function>().ok();
    }
    Ok((config::parse(&tree)?, hooks))
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
