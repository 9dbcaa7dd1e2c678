//! The [`Value`] model of Python objects found in session cookies.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, SerializeTuple};

use compact_str::CompactString;

use super::{Error, Int, Limits, Map};

/// A Python value as it appears in JSON session data.
///
/// The first seven kinds are what `json.loads` produces. The last five are
/// Python types that Flask's tagged JSON can carry (see `crate::tagged`);
/// plain JSON never produces them.
///
/// ```
/// use signed_cookie::json::{from_str, Limits, Value};
/// let v = from_str(r#"{"n": 1, "s": "x", "l": [true, null, 1.5]}"#, &Limits::default())?;
/// assert_eq!(v.get("n").and_then(Value::as_i64), Some(1));
/// assert_eq!(v.get("s").and_then(Value::as_str), Some("x"));
/// assert_eq!(v.to_string(), r#"{"n":1,"s":"x","l":[true,null,1.5]}"#);
/// # Ok::<(), signed_cookie::json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `None` / `null`.
    #[default]
    Null,
    /// `True` / `False`.
    Bool(bool),
    /// An arbitrary-precision `int`.
    Int(Int),
    /// A `float`, including NaN and the infinities.
    Float(f64),
    /// A `str` (up to 24 bytes held inline).
    Str(CompactString),
    /// A `list`.
    List(Vec<Value>),
    /// A `dict`.
    Dict(Map),
    /// A `tuple` (written as a JSON array by plain JSON).
    Tuple(Vec<Value>),
    /// A `bytes` object (not representable in plain JSON).
    Bytes(Vec<u8>),
    /// A `markupsafe.Markup` string (written as a string by plain JSON).
    Markup(CompactString),
    /// A `uuid.UUID` (not representable in plain JSON).
    Uuid(u128),
    /// An aware `datetime`, as Unix seconds in UTC (not representable in
    /// plain JSON; Flask's `http_date` drops microseconds and the offset).
    DateTime(i64),
}

impl Value {
    /// The text of a `Str` or `Markup`.
    ///
    /// ```
    /// use signed_cookie::json::Value;
    /// assert_eq!(Value::from("hi").as_str(), Some("hi"));
    /// assert_eq!(Value::Null.as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Markup(s) => Some(s),
            _ => None,
        }
    }

    /// An `Int` that fits in `i64`.
    ///
    /// ```
    /// use signed_cookie::json::Value;
    /// assert_eq!(Value::from(-3i64).as_i64(), Some(-3));
    /// assert_eq!(Value::from(1.0).as_i64(), None);
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => i.as_i64(),
            _ => None,
        }
    }

    /// An `Int` that fits in `u64`.
    ///
    /// ```
    /// use signed_cookie::json::Value;
    /// assert_eq!(Value::from(u64::MAX).as_u64(), Some(u64::MAX));
    /// ```
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Int(i) => i.as_u64(),
            _ => None,
        }
    }

    /// A `Float`, or an `Int` converted to `f64`.
    ///
    /// ```
    /// use signed_cookie::json::Value;
    /// assert_eq!(Value::from(1.5).as_f64(), Some(1.5));
    /// assert_eq!(Value::from(2i64).as_f64(), Some(2.0));
    /// ```
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            Value::Int(i) => Some(i.to_f64()),
            _ => None,
        }
    }

    /// A `Bool`.
    ///
    /// ```
    /// use signed_cookie::json::Value;
    /// assert_eq!(Value::from(true).as_bool(), Some(true));
    /// ```
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The items of a `List` or `Tuple`.
    ///
    /// ```
    /// use signed_cookie::json::Value;
    /// let v = Value::Tuple(vec![Value::Null]);
    /// assert_eq!(v.as_list().map(|l| l.len()), Some(1));
    /// ```
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) | Value::Tuple(l) => Some(l),
            _ => None,
        }
    }

    /// A `Dict`.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// assert!(Value::Dict(Map::new()).as_dict().is_some());
    /// ```
    pub fn as_dict(&self) -> Option<&Map> {
        match self {
            Value::Dict(m) => Some(m),
            _ => None,
        }
    }

    /// A mutable `Dict`.
    ///
    /// ```
    /// use signed_cookie::json::{Map, Value};
    /// let mut v = Value::Dict(Map::new());
    /// if let Some(m) = v.as_dict_mut() { m.insert("k".into(), Value::Null); }
    /// assert_eq!(v.get("k"), Some(&Value::Null));
    /// ```
    pub fn as_dict_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Dict(m) => Some(m),
            _ => None,
        }
    }

    /// Looks up `key` in a `Dict`.
    ///
    /// ```
    /// use signed_cookie::json::{from_str, Limits, Value};
    /// let v = from_str(r#"{"a": 1}"#, &Limits::default())?;
    /// assert_eq!(v.get("a"), Some(&Value::from(1i64)));
    /// assert_eq!(v.get("b"), None);
    /// # Ok::<(), signed_cookie::json::Error>(())
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_dict().and_then(|m| m.get(key))
    }

    /// Whether this is `Null`.
    ///
    /// ```
    /// use signed_cookie::json::Value;
    /// assert!(Value::Null.is_null());
    /// ```
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The Python type name of this value (`"dict"`, `"bytes"`, ...).
    ///
    /// ```
    /// use signed_cookie::json::Value;
    /// assert_eq!(Value::Bytes(vec![]).type_name(), "bytes");
    /// ```
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
            Value::Tuple(_) => "tuple",
            Value::Bytes(_) => "bytes",
            Value::Markup(_) => "Markup",
            Value::Uuid(_) => "UUID",
            Value::DateTime(_) => "datetime",
        }
    }
}

macro_rules! value_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::Int(Int::from(v))
            }
        }
    )*};
}
value_from_int!(i8, i16, i32, i64, u8, u16, u32, u64, i128, u128, usize, isize);

impl From<Int> for Value {
    fn from(v: Int) -> Value {
        Value::Int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Float(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Str(v.into())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Str(v.into())
    }
}

impl From<CompactString> for Value {
    fn from(v: CompactString) -> Value {
        Value::Str(v)
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Value {
        Value::List(v)
    }
}

impl From<Map> for Value {
    fn from(v: Map) -> Value {
        Value::Dict(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl fmt::Display for Value {
    /// Compact ASCII JSON in insertion order (Django's style). Kinds plain
    /// JSON cannot hold are shown in their Flask tag form (`{" b":"..."}`),
    /// and nesting beyond [`super::MAX_WRITE_DEPTH`] is shown as `...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::new();
        super::write::write_display(self, &mut out);
        f.write_str(&String::from_utf8_lossy(&out))
    }
}

impl FromStr for Value {
    type Err = Error;

    /// Parses with `json.loads` rules and default [`Limits`].
    fn from_str(s: &str) -> Result<Value, Error> {
        super::from_str(s, &Limits::default())
    }
}

impl serde::Serialize for Value {
    /// Integers go out as `i64`/`u64`, or `i128`/`u128` when larger (beyond
    /// that: error); tuples as tuples, bytes as bytes, markup as a string,
    /// a UUID as its 32-digit hex string, a datetime as Unix seconds.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => {
                if let Some(v) = i.as_i64() {
                    s.serialize_i64(v)
                } else if let Some(v) = i.as_u64() {
                    s.serialize_u64(v)
                } else if let Some(v) = i.as_i128() {
                    s.serialize_i128(v)
                } else if let Some(v) = i.as_u128() {
                    s.serialize_u128(v)
                } else {
                    Err(serde::ser::Error::custom(format!(
                        "integer {i} is too large to serialize"
                    )))
                }
            }
            Value::Float(f) => s.serialize_f64(*f),
            Value::Str(v) | Value::Markup(v) => s.serialize_str(v),
            Value::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Tuple(items) => {
                let mut seq = s.serialize_tuple(items.len())?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Dict(m) => m.serialize(s),
            Value::Bytes(b) => s.serialize_bytes(b),
            Value::Uuid(u) => s.serialize_str(&format!("{u:032x}")),
            Value::DateTime(t) => s.serialize_i64(*t),
        }
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON-like value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v.into()))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Bytes(v))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        de::Deserialize::deserialize(d)
    }
    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        de::Deserialize::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Value, A::Error> {
        super::map::collect_map(access).map(Value::Dict)
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    /// Accepts any self-describing input; sequences become lists, maps must
    /// have string keys, bytes become [`Value::Bytes`].
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_json_interop() {
        let v: Value = serde_json::from_str(r#"{"a":[1,-2,1.5,"x",null,true]}"#).unwrap();
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(text, r#"{"a":[1,-2,1.5,"x",null,true]}"#);
        let big = Value::from(u128::MAX);
        assert_eq!(serde_json::to_string(&big).unwrap(), u128::MAX.to_string());
    }

    #[test]
    fn display_tagged_kinds() {
        let v = Value::List(vec![
            Value::Bytes(vec![0, 255]),
            Value::Uuid(1),
            Value::DateTime(0),
            Value::Tuple(vec![Value::Markup("<b>".into())]),
        ]);
        assert_eq!(
            v.to_string(),
            r#"[{" b":"AP8="},{" u":"00000000000000000000000000000001"},{" d":"Thu, 01 Jan 1970 00:00:00 GMT"},["<b>"]]"#
        );
    }
}
