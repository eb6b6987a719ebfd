//! Reading policy output straight from regorus values with serde, without a round trip through
//! JSON (which cost as much as evaluating the verdicts).

use std::fmt;

use regorus::Value;
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

/// Why a policy's output does not have the expected shape.
#[derive(Debug)]
pub struct ShapeError(String);

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ShapeError {}

impl de::Error for ShapeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ShapeError(msg.to_string())
    }
}

/// Deserialises `T` from a regorus value (sets read as arrays, in sorted order).
pub fn from_value<T: DeserializeOwned>(v: &Value) -> Result<T, ShapeError> {
    T::deserialize(ValueDe(v))
}

struct ValueDe<'a>(&'a Value);

impl<'de> de::Deserializer<'de> for ValueDe<'_> {
    type Error = ShapeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match self.0 {
            Value::Null | Value::Undefined => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(_) => {
                if let Ok(u) = self.0.as_u64() {
                    visitor.visit_u64(u)
                } else if let Ok(i) = self.0.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    let f = self.0.as_f64().map_err(|e| ShapeError(e.to_string()))?;
                    visitor.visit_f64(f)
                }
            }
            Value::String(s) => visitor.visit_str(s),
            Value::Array(a) => {
                visitor.visit_seq(de::value::SeqDeserializer::new(a.iter().map(ValueDe)))
            }
            Value::Set(s) => visitor.visit_seq(de::value::SeqDeserializer::new(
                s.iter_sorted().map(ValueDe),
            )),
            Value::Object(o) => visitor.visit_map(de::value::MapDeserializer::new(
                o.iter_sorted().map(|(k, v)| (ValueDe(k), ValueDe(v))),
            )),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match self.0 {
            Value::Null | Value::Undefined => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        match self.0 {
            // Unit variants are strings (`"pass"`, `"prohibit"`).
            Value::String(s) => visitor.visit_enum(s.as_ref().into_deserializer()),
            other => Err(ShapeError(format!("expected a string, found {other}"))),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

impl<'de, 'a> IntoDeserializer<'de, ShapeError> for ValueDe<'a> {
    type Deserializer = ValueDe<'a>;
    fn into_deserializer(self) -> ValueDe<'a> {
        self
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn reads_objects_sets_and_options() {
        let v =
            Value::from_json_str(r#"{"a": [1, 2], "b": null, "c": "x"}"#).unwrap_or(Value::Null);
        let m: BTreeMap<String, Option<serde_json::Value>> = from_value(&v).unwrap_or_default();
        assert_eq!(m["a"], Some(serde_json::json!([1, 2])));
        assert_eq!(m["b"], None);
        assert_eq!(m["c"], Some(serde_json::json!("x")));
    }
}
