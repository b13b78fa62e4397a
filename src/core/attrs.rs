//! Small ordered string → (string | number) maps: user attributes, error
//! context, vitals attribution. A `Vec` of pairs rather than a map because
//! they hold a handful of entries, keep insertion order on the wire, and cost
//! far fewer wasm bytes than `BTreeMap`.

#[allow(unused_imports)]
use crate::prelude::*;

use super::json::Json;

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    S(String),
    N(f64),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Attrs(pub Vec<(String, Val)>);

/// Bounds on what one attribute map may carry: attributes come from page
/// code, which may pass anything, and every byte is paid for in the beacon.
pub const MAX_ATTRS: usize = 32;
pub const MAX_KEY: usize = 64;
pub const MAX_VALUE: usize = 1024;

impl Attrs {
    pub fn new() -> Self {
        Attrs(Vec::new())
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Inserts or replaces; silently ignores entries beyond `MAX_ATTRS`.
    pub fn set(&mut self, k: &str, v: Val) {
        let k = truncate(k, MAX_KEY);
        let v = match v {
            Val::S(s) => Val::S(truncate(&s, MAX_VALUE).to_string()),
            n => n,
        };
        if let Some(slot) = self.0.iter_mut().find(|(key, _)| key == k) {
            slot.1 = v;
        } else if self.0.len() < MAX_ATTRS {
            self.0.push((k.to_string(), v));
        }
    }
    pub fn s(&mut self, k: &str, v: &str) -> &mut Self {
        self.set(k, Val::S(v.to_string()));
        self
    }
    pub fn n(&mut self, k: &str, v: f64) -> &mut Self {
        self.set(k, Val::N(v));
        self
    }
    pub fn get(&self, k: &str) -> Option<&Val> {
        self.0.iter().find(|(key, _)| key == k).map(|(_, v)| v)
    }
    pub fn get_str(&self, k: &str) -> Option<&str> {
        match self.get(k) {
            Some(Val::S(s)) => Some(s),
            _ => None,
        }
    }
    pub fn get_num(&self, k: &str) -> Option<f64> {
        match self.get(k) {
            Some(Val::N(n)) => Some(*n),
            _ => None,
        }
    }

    pub fn encode(&self, j: &mut Json) {
        j.obj();
        for (k, v) in &self.0 {
            j.key(k);
            match v {
                Val::S(s) => j.str(s),
                Val::N(n) => j.num(*n, 4),
            };
        }
        j.end_obj();
    }

    /// Writes `"key":{...}` only when there is something to write.
    pub fn encode_opt(&self, j: &mut Json, key: &str) {
        if !self.is_empty() {
            j.key(key);
            self.encode(j);
        }
    }
}

/// Cuts a string at a char boundary at or below `max` bytes.
pub fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::{Attrs, Val};
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    impl Serialize for Val {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self {
                Val::S(v) => s.serialize_str(v),
                Val::N(n) => s.serialize_f64(*n),
            }
        }
    }

    impl<'de> Deserialize<'de> for Val {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = Val;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a string or a number")
                }
                fn visit_str<E>(self, v: &str) -> Result<Val, E> {
                    Ok(Val::S(v.to_string()))
                }
                fn visit_string<E>(self, v: String) -> Result<Val, E> {
                    Ok(Val::S(v))
                }
                fn visit_f64<E>(self, v: f64) -> Result<Val, E> {
                    Ok(Val::N(v))
                }
                fn visit_i64<E>(self, v: i64) -> Result<Val, E> {
                    Ok(Val::N(v as f64))
                }
                fn visit_u64<E>(self, v: u64) -> Result<Val, E> {
                    Ok(Val::N(v as f64))
                }
                fn visit_bool<E>(self, v: bool) -> Result<Val, E> {
                    Ok(Val::S(if v { "true" } else { "false" }.to_string()))
                }
            }
            d.deserialize_any(V)
        }
    }

    impl Serialize for Attrs {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(self.0.len()))?;
            for (k, v) in &self.0 {
                m.serialize_entry(k, v)?;
            }
            m.end()
        }
    }

    impl<'de> Deserialize<'de> for Attrs {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Attrs;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object of string or number values")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Attrs, A::Error> {
                    let mut out = Vec::new();
                    while let Some((k, v)) = map.next_entry::<String, Val>()? {
                        out.push((k, v));
                    }
                    Ok(Attrs(out))
                }
            }
            d.deserialize_map(V)
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn truncates_on_char_boundary() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("héllo", 3), "hé");
        assert_eq!(truncate("abc", 10), "abc");
    }

    #[test]
    fn set_replaces_and_caps() {
        let mut a = Attrs::new();
        a.s("k", "1").s("k", "2");
        assert_eq!(a.get_str("k"), Some("2"));
        for i in 0..100 {
            a.n(&i.to_string(), 1.0);
        }
        assert_eq!(a.len(), MAX_ATTRS);
    }
}
