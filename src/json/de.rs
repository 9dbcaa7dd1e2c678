//! [`Value`] as a `serde::Deserializer` (behind `json::from_value`).

use serde::de::{
    self, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};
use serde::forward_to_deserialize_any;

use compact_str::CompactString;

use super::{Error, Int, Map, Value};

fn out_of_range(i: &Int) -> Error {
    Error::IntOutOfRange {
        value: i.to_string(),
    }
}

fn visit_int<'de, V: Visitor<'de>>(i: Int, visitor: V) -> Result<V::Value, Error> {
    if let Some(v) = i.as_u64() {
        visitor.visit_u64(v)
    } else if let Some(v) = i.as_i64() {
        visitor.visit_i64(v)
    } else {
        Err(out_of_range(&i))
    }
}

fn visit_list<'de, V: Visitor<'de>>(items: Vec<Value>, visitor: V) -> Result<V::Value, Error> {
    let len = items.len();
    let mut seq = SeqDeserializer {
        iter: items.into_iter(),
    };
    let out = visitor.visit_seq(&mut seq)?;
    if seq.iter.len() == 0 {
        Ok(out)
    } else {
        Err(de::Error::invalid_length(
            len,
            &"fewer elements in sequence",
        ))
    }
}

/// Hands over a string: by value when it owns a heap buffer, else by reference (no new
/// allocation unless the visitor wants an owned `String`).
fn visit_text<'de, V: Visitor<'de>>(s: CompactString, visitor: V) -> Result<V::Value, Error> {
    if s.is_heap_allocated() {
        visitor.visit_string(s.into_string())
    } else {
        visitor.visit_str(&s)
    }
}

fn visit_dict<'de, V: Visitor<'de>>(map: Map, visitor: V) -> Result<V::Value, Error> {
    let len = map.len();
    let mut access = MapDeserializer {
        iter: map.into_iter(),
        value: None,
    };
    let out = visitor.visit_map(&mut access)?;
    if access.iter.len() == 0 {
        Ok(out)
    } else {
        Err(de::Error::invalid_length(len, &"fewer elements in map"))
    }
}

impl<'de> de::Deserializer<'de> for Value {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Int(i) => visit_int(i, visitor),
            Value::Float(f) => visitor.visit_f64(f),
            Value::Str(s) | Value::Markup(s) => visit_text(s, visitor),
            Value::List(items) | Value::Tuple(items) => visit_list(items, visitor),
            Value::Dict(m) => visit_dict(m, visitor),
            Value::Bytes(b) => visitor.visit_byte_buf(b),
            Value::Uuid(u) => visitor.visit_string(format!("{u:032x}")),
            Value::DateTime(t) => visitor.visit_i64(t),
        }
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Int(i) => match i.as_i128() {
                Some(v) => visitor.visit_i128(v),
                None => Err(out_of_range(&i)),
            },
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Int(i) => match i.as_u128() {
                Some(v) => visitor.visit_u128(v),
                None => Err(out_of_range(&i)),
            },
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Null => visitor.visit_unit(),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Bytes(b) => visitor.visit_byte_buf(b),
            Value::Str(s) | Value::Markup(s) => visit_text(s, visitor),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Value::Str(s) | Value::Markup(s) => visitor.visit_enum(EnumDeserializer {
                variant: s,
                value: None,
            }),
            Value::Dict(m) => {
                let mut iter = m.into_iter();
                match (iter.next(), iter.next()) {
                    (Some((variant, value)), None) => visitor.visit_enum(EnumDeserializer {
                        variant,
                        value: Some(value),
                    }),
                    _ => Err(de::Error::invalid_value(
                        de::Unexpected::Map,
                        &"a map with a single key",
                    )),
                }
            }
            other => Err(de::Error::invalid_type(
                unexpected(&other),
                &"a string or a single-key map",
            )),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            // `Vec<u8>` asks for a sequence; give it the bytes as ints.
            Value::Bytes(b) => visit_list(b.into_iter().map(Value::from).collect(), visitor),
            other => other.deserialize_any(visitor),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 char str string
        unit_struct tuple tuple_struct map struct identifier
    }
}

fn unexpected(v: &Value) -> de::Unexpected<'_> {
    match v {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Int(i) => match i.as_i64() {
            Some(n) => de::Unexpected::Signed(n),
            None => de::Unexpected::Other("big integer"),
        },
        Value::Float(f) => de::Unexpected::Float(*f),
        Value::Str(s) | Value::Markup(s) => de::Unexpected::Str(s),
        Value::List(_) | Value::Tuple(_) => de::Unexpected::Seq,
        Value::Dict(_) => de::Unexpected::Map,
        Value::Bytes(b) => de::Unexpected::Bytes(b),
        Value::Uuid(_) => de::Unexpected::Other("UUID"),
        Value::DateTime(_) => de::Unexpected::Other("datetime"),
    }
}

struct SeqDeserializer {
    iter: std::vec::IntoIter<Value>,
}

impl<'de> SeqAccess<'de> for SeqDeserializer {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.iter.next() {
            Some(v) => seed.deserialize(v).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct MapDeserializer {
    iter: super::map::IntoIter,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for MapDeserializer {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(KeyDeserializer(k)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(v),
            None => Err(Error::Custom("map value requested before key".into())),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// A dict key; like serde_json, numeric and bool targets parse the text.
struct KeyDeserializer(CompactString);

macro_rules! key_parse {
    ($($method:ident => $visit:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0.parse() {
                Ok(v) => visitor.$visit(v),
                Err(_) => visit_text(self.0, visitor),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for KeyDeserializer {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visit_text(self.0, visitor)
    }

    key_parse! {
        deserialize_bool => visit_bool,
        deserialize_i8 => visit_i8, deserialize_i16 => visit_i16,
        deserialize_i32 => visit_i32, deserialize_i64 => visit_i64,
        deserialize_i128 => visit_i128,
        deserialize_u8 => visit_u8, deserialize_u16 => visit_u16,
        deserialize_u32 => visit_u32, deserialize_u64 => visit_u64,
        deserialize_u128 => visit_u128,
        deserialize_f32 => visit_f32, deserialize_f64 => visit_f64,
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self.0.into_string().into_deserializer())
    }

    forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

struct EnumDeserializer {
    variant: CompactString,
    value: Option<Value>,
}

impl<'de> EnumAccess<'de> for EnumDeserializer {
    type Error = Error;
    type Variant = VariantDeserializer;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, VariantDeserializer), Error> {
        let variant = seed.deserialize(KeyDeserializer(self.variant))?;
        Ok((variant, VariantDeserializer { value: self.value }))
    }
}

struct VariantDeserializer {
    value: Option<Value>,
}

impl<'de> VariantAccess<'de> for VariantDeserializer {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.value {
            None | Some(Value::Null) => Ok(()),
            Some(other) => Err(de::Error::invalid_type(unexpected(&other), &"unit variant")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        match self.value {
            Some(v) => seed.deserialize(v),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Some(Value::List(items) | Value::Tuple(items)) => visit_list(items, visitor),
            Some(other) => Err(de::Error::invalid_type(
                unexpected(&other),
                &"tuple variant",
            )),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Some(Value::Dict(m)) => visit_dict(m, visitor),
            Some(other) => Err(de::Error::invalid_type(
                unexpected(&other),
                &"struct variant",
            )),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use crate::json::{from_str, from_value, to_string, to_value, JsonStyle, Limits, Value};

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum Role {
        Admin,
        Guest(String),
        Pair(u8, u8),
        Named { level: u32 },
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Session {
        user_id: u64,
        name: String,
        ratio: f64,
        tags: Vec<String>,
        point: (i32, i32),
        maybe: Option<bool>,
        roles: Vec<Role>,
        counts: BTreeMap<u32, i64>,
        big: i128,
    }

    fn sample() -> Session {
        let mut counts = BTreeMap::new();
        counts.insert(3, -1);
        Session {
            user_id: u64::MAX,
            name: "Zoë".into(),
            ratio: 0.5,
            tags: vec!["a".into()],
            point: (1, -2),
            maybe: None,
            roles: vec![
                Role::Admin,
                Role::Guest("g".into()),
                Role::Pair(1, 2),
                Role::Named { level: 9 },
            ],
            counts,
            big: -(1i128 << 100),
        }
    }

    #[test]
    fn struct_round_trip() {
        let s = sample();
        let v = to_value(&s).unwrap();
        assert_eq!(
            v.get("point"),
            Some(&Value::Tuple(vec![1i64.into(), (-2i64).into()]))
        );
        let text = to_string(&v, &JsonStyle::FLASK).unwrap();
        let parsed = from_str(&text, &Limits::default()).unwrap();
        let back: Session = from_value(parsed).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn big_int_needs_i128() {
        let v = from_str("1267650600228229401496703205376", &Limits::default()).unwrap();
        assert!(from_value::<u64>(v.clone()).is_err());
        assert!(from_value::<f64>(v.clone()).is_err());
        assert_eq!(from_value::<u128>(v.clone()).unwrap(), 1u128 << 100);
        assert_eq!(from_value::<i128>(v).unwrap(), 1i128 << 100);
        assert!(from_value::<u8>(Value::from(256i64)).is_err());
        assert_eq!(from_value::<i8>(Value::from(-5i64)).unwrap(), -5);
    }

    #[test]
    fn tagged_kinds() {
        assert_eq!(
            from_value::<String>(Value::Uuid(0xab)).unwrap(),
            "000000000000000000000000000000ab"
        );
        assert_eq!(from_value::<i64>(Value::DateTime(42)).unwrap(), 42);
        assert_eq!(
            from_value::<String>(Value::Markup("<b>".into())).unwrap(),
            "<b>"
        );
        assert_eq!(
            from_value::<(i32, String)>(Value::Tuple(vec![1i64.into(), "x".into()])).unwrap(),
            (1, "x".to_owned())
        );
        assert_eq!(
            from_value::<Vec<u8>>(Value::Bytes(vec![1, 2])).unwrap(),
            vec![1, 2]
        );
        let v: Value = from_value(Value::Bytes(vec![1, 2])).unwrap();
        assert_eq!(v, Value::Bytes(vec![1, 2]));
        assert!(from_value::<(i32,)>(Value::List(vec![1i64.into(), 2i64.into()])).is_err());
    }
}
