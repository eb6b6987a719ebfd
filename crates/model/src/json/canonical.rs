//! Sorting object keys while the document is written, without building it as a
//! `serde_json::Value` first.
//!
//! [`Canonical`] wraps a value and serialises it with every object's keys in sorted order.
//! Before writing a value it asks the value for its shape alone ([`Probe`]: a struct or map
//! gives its keys, nothing below them is visited; a sequence stops the probe at once). An
//! object whose keys already come in order is written in one pass. Otherwise the object is
//! serialised once per key, in sorted order, each pass writing only that key's value ([`Pick`])
//! — a struct has a handful of fields, so this costs a few shallow passes and no memory.
//! Children are wrapped in [`Canonical`] again, so the whole document streams: memory is the
//! depth of the document, not its size. A map with many keys out of order (a `HashMap`) is the
//! one case turned into a `Value` to sort, as before, and only that map.
//!
//! The bytes are those of `serde_json::to_value` followed by sorted writing (the tests compare
//! both): `f32` is written as the `f64` it converts to, a repeated key keeps its last value,
//! and map keys are turned into strings as `serde_json` does.

use std::borrow::Cow;
use std::fmt::Display;

use serde::ser::{
    self, Impossible, Serialize, SerializeMap, SerializeSeq, SerializeStruct,
    SerializeStructVariant, SerializeTuple, SerializeTupleStruct, SerializeTupleVariant,
    Serializer,
};

use super::Sorted;

/// Unsorted maps with more keys than this are sorted through a `Value` (one pass per key
/// would cost the square of their size).
const PICK_MAX_MAP_KEYS: usize = 64;

/// A value serialised with the keys of every object, at every depth, in sorted order.
pub struct Canonical<'a, T: ?Sized>(pub &'a T);

impl<T: Serialize + ?Sized> Serialize for Canonical<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let shape = match self.0.serialize(Probe) {
            Ok(shape) => shape,
            Err(ProbeError::NotAnObject) => Shape::Other,
            Err(ProbeError::Custom(m)) => return Err(ser::Error::custom(m)),
        };
        match shape {
            Shape::Other => self.0.serialize(Forward(s)),
            Shape::Object {
                variant: None,
                keys,
                map,
            } => {
                if keys.windows(2).all(|w| w[0] < w[1]) {
                    self.0.serialize(InOrder {
                        out: s,
                        len: keys.len(),
                    })
                } else if map && keys.len() > PICK_MAX_MAP_KEYS {
                    let value = serde_json::to_value(self.0).map_err(ser::Error::custom)?;
                    Sorted(&value).serialize(s)
                } else {
                    Fields::new(self.0, keys).serialize(s)
                }
            }
            Shape::Object {
                variant: Some(variant),
                keys,
                ..
            } => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(variant, &Fields::new(self.0, keys))?;
                m.end()
            }
        }
    }
}

/// What [`Probe`] found.
enum Shape {
    /// Not an object (a scalar, a sequence, an option, a newtype): written as it comes, its
    /// children made canonical.
    Other,
    /// A struct, a map or a struct variant (`variant`: its name), with its keys in the order
    /// the value gives them.
    Object {
        variant: Option<&'static str>,
        keys: Vec<Cow<'static, str>>,
        map: bool,
    },
}

#[derive(Debug)]
enum ProbeError {
    /// A sequence or a tuple: the probe stops there, before any element is made.
    NotAnObject,
    Custom(String),
}

impl Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProbeError::NotAnObject => f.write_str("not an object"),
            ProbeError::Custom(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ProbeError {}

impl ser::Error for ProbeError {
    fn custom<M: Display>(msg: M) -> Self {
        ProbeError::Custom(msg.to_string())
    }
}

/// A map key as `serde_json` writes it: strings as they are, numbers and booleans as their
/// text, unit variants as their name.
fn key_string<K: Serialize + ?Sized>(key: &K) -> Result<String, String> {
    match serde_json::to_value(key).map_err(|e| e.to_string())? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Bool(b) => Ok(b.to_string()),
        _ => Err("key must be a string".to_string()),
    }
}

/// Finds a value's shape without visiting anything below its keys.
struct Probe;

/// The keys of an object being probed.
struct ProbeKeys {
    variant: Option<&'static str>,
    keys: Vec<Cow<'static, str>>,
    map: bool,
}

impl ProbeKeys {
    fn done(self) -> Result<Shape, ProbeError> {
        Ok(Shape::Object {
            variant: self.variant,
            keys: self.keys,
            map: self.map,
        })
    }
}

macro_rules! scalars_are {
    ($result:expr; $($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method(self, _: $ty) -> Result<Self::Ok, Self::Error> { $result })*
    };
}

impl Serializer for Probe {
    type Ok = Shape;
    type Error = ProbeError;
    type SerializeSeq = Impossible<Shape, ProbeError>;
    type SerializeTuple = Impossible<Shape, ProbeError>;
    type SerializeTupleStruct = Impossible<Shape, ProbeError>;
    type SerializeTupleVariant = Impossible<Shape, ProbeError>;
    type SerializeMap = ProbeKeys;
    type SerializeStruct = ProbeKeys;
    type SerializeStructVariant = ProbeKeys;

    scalars_are!(Ok(Shape::Other);
        serialize_bool(bool), serialize_i8(i8), serialize_i16(i16), serialize_i32(i32),
        serialize_i64(i64), serialize_i128(i128), serialize_u8(u8), serialize_u16(u16),
        serialize_u32(u32), serialize_u64(u64), serialize_u128(u128), serialize_f32(f32),
        serialize_f64(f64), serialize_char(char), serialize_str(&str), serialize_bytes(&[u8]),
        serialize_unit_struct(&'static str),
    );

    fn serialize_none(self) -> Result<Shape, ProbeError> {
        Ok(Shape::Other)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Shape, ProbeError> {
        Ok(Shape::Other)
    }
    fn serialize_unit(self) -> Result<Shape, ProbeError> {
        Ok(Shape::Other)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<Shape, ProbeError> {
        Ok(Shape::Other)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<Shape, ProbeError> {
        Ok(Shape::Other)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Shape, ProbeError> {
        Ok(Shape::Other)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, ProbeError> {
        Err(ProbeError::NotAnObject)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, ProbeError> {
        Err(ProbeError::NotAnObject)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, ProbeError> {
        Err(ProbeError::NotAnObject)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, ProbeError> {
        Err(ProbeError::NotAnObject)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<ProbeKeys, ProbeError> {
        Ok(ProbeKeys {
            variant: None,
            keys: Vec::with_capacity(len.unwrap_or(0).min(1024)),
            map: true,
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<ProbeKeys, ProbeError> {
        Ok(ProbeKeys {
            variant: None,
            keys: Vec::with_capacity(len.min(1024)),
            map: false,
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<ProbeKeys, ProbeError> {
        Ok(ProbeKeys {
            variant: Some(variant),
            keys: Vec::with_capacity(len.min(1024)),
            map: false,
        })
    }
    fn collect_str<T: Display + ?Sized>(self, _: &T) -> Result<Shape, ProbeError> {
        Ok(Shape::Other)
    }
}

impl SerializeMap for ProbeKeys {
    type Ok = Shape;
    type Error = ProbeError;
    fn serialize_key<K: Serialize + ?Sized>(&mut self, key: &K) -> Result<(), ProbeError> {
        self.keys
            .push(Cow::Owned(key_string(key).map_err(ProbeError::Custom)?));
        Ok(())
    }
    fn serialize_value<V: Serialize + ?Sized>(&mut self, _: &V) -> Result<(), ProbeError> {
        Ok(())
    }
    fn end(self) -> Result<Shape, ProbeError> {
        self.done()
    }
}

impl SerializeStruct for ProbeKeys {
    type Ok = Shape;
    type Error = ProbeError;
    fn serialize_field<V: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        _: &V,
    ) -> Result<(), ProbeError> {
        self.keys.push(Cow::Borrowed(key));
        Ok(())
    }
    fn end(self) -> Result<Shape, ProbeError> {
        self.done()
    }
}

impl SerializeStructVariant for ProbeKeys {
    type Ok = Shape;
    type Error = ProbeError;
    fn serialize_field<V: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        _: &V,
    ) -> Result<(), ProbeError> {
        self.keys.push(Cow::Borrowed(key));
        Ok(())
    }
    fn end(self) -> Result<Shape, ProbeError> {
        self.done()
    }
}

fn changed_shape<E: ser::Error>() -> E {
    E::custom("a value serialised differently when written again")
}

/// An object's keys in sorted order, each with the occurrence to write (the last one, as a
/// `Value` keeps it), written one pass of the value per key.
struct Fields<'a, T: ?Sized> {
    value: &'a T,
    keys: Vec<(Cow<'static, str>, usize)>,
}

impl<'a, T: Serialize + ?Sized> Fields<'a, T> {
    fn new(value: &'a T, keys: Vec<Cow<'static, str>>) -> Fields<'a, T> {
        let mut keys: Vec<(Cow<'static, str>, usize)> =
            keys.into_iter().enumerate().map(|(i, k)| (k, i)).collect();
        keys.sort();
        let mut out: Vec<(Cow<'static, str>, usize)> = Vec::with_capacity(keys.len());
        for (k, _) in keys {
            match out.last_mut() {
                Some((last, n)) if *last == k => *n += 1,
                _ => out.push((k, 0)),
            }
        }
        Fields { value, keys: out }
    }
}

impl<T: Serialize + ?Sized> Serialize for Fields<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.keys.len()))?;
        for (key, occurrence) in &self.keys {
            m.serialize_entry(
                key.as_ref(),
                &PickOf {
                    value: self.value,
                    key,
                    occurrence: *occurrence,
                },
            )?;
        }
        m.end()
    }
}

/// One key's value of an object, written canonically.
struct PickOf<'a, T: ?Sized> {
    value: &'a T,
    key: &'a str,
    occurrence: usize,
}

impl<T: Serialize + ?Sized> Serialize for PickOf<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(Pick {
            out: s,
            key: self.key,
            occurrence: self.occurrence,
        })
    }
}

/// Serialises only the value of one key of an object (the object itself is not written).
struct Pick<'k, S> {
    out: S,
    key: &'k str,
    occurrence: usize,
}

/// The object of a [`Pick`] pass, waiting for its key.
struct Picking<'k, S: Serializer> {
    out: Option<S>,
    key: &'k str,
    /// Occurrences of the key still to skip.
    skip: usize,
    /// The key just given to `serialize_key` is the one (maps).
    this: bool,
    written: Option<S::Ok>,
}

impl<S: Serializer> Picking<'_, S> {
    fn field<V: Serialize + ?Sized>(&mut self, key: &str, value: &V) -> Result<(), S::Error> {
        if key == self.key {
            self.write_if_due(value)?;
        }
        Ok(())
    }

    fn write_if_due<V: Serialize + ?Sized>(&mut self, value: &V) -> Result<(), S::Error> {
        if self.skip > 0 {
            self.skip -= 1;
        } else if let Some(out) = self.out.take() {
            self.written = Some(Canonical(value).serialize(out)?);
        }
        Ok(())
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.written.ok_or_else(changed_shape)
    }
}

macro_rules! not_an_object {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method(self, _: $ty) -> Result<Self::Ok, Self::Error> { Err(changed_shape()) })*
    };
}

impl<'k, S: Serializer> Serializer for Pick<'k, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = Picking<'k, S>;
    type SerializeStruct = Picking<'k, S>;
    type SerializeStructVariant = Picking<'k, S>;

    not_an_object!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_unit_struct(&'static str),
    );

    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        Err(changed_shape())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<S::Ok, S::Error> {
        Err(changed_shape())
    }
    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        Err(changed_shape())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<S::Ok, S::Error> {
        Err(changed_shape())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(changed_shape())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(changed_shape())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Err(changed_shape())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, S::Error> {
        Err(changed_shape())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        Err(changed_shape())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Err(changed_shape())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Picking<'k, S>, S::Error> {
        Ok(self.picking())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Picking<'k, S>, S::Error> {
        Ok(self.picking())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Picking<'k, S>, S::Error> {
        Ok(self.picking())
    }
}

impl<'k, S: Serializer> Pick<'k, S> {
    fn picking(self) -> Picking<'k, S> {
        Picking {
            out: Some(self.out),
            key: self.key,
            skip: self.occurrence,
            this: false,
            written: None,
        }
    }
}

impl<S: Serializer> SerializeMap for Picking<'_, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    fn serialize_key<K: Serialize + ?Sized>(&mut self, key: &K) -> Result<(), S::Error> {
        self.this = key_string(key).map_err(ser::Error::custom)? == self.key;
        Ok(())
    }
    fn serialize_value<V: Serialize + ?Sized>(&mut self, value: &V) -> Result<(), S::Error> {
        if std::mem::take(&mut self.this) {
            self.write_if_due(value)?;
        }
        Ok(())
    }
    fn end(self) -> Result<S::Ok, S::Error> {
        Picking::end(self)
    }
}

impl<S: Serializer> SerializeStruct for Picking<'_, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    fn serialize_field<V: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &V,
    ) -> Result<(), S::Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<S::Ok, S::Error> {
        Picking::end(self)
    }
}

impl<S: Serializer> SerializeStructVariant for Picking<'_, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    fn serialize_field<V: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &V,
    ) -> Result<(), S::Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<S::Ok, S::Error> {
        Picking::end(self)
    }
}

/// Writes an object whose keys already come sorted (and once each), in one pass.
struct InOrder<S> {
    out: S,
    len: usize,
}

impl<S: Serializer> Serializer for InOrder<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = InOrderMap<S::SerializeMap>;
    type SerializeStruct = InOrderMap<S::SerializeMap>;
    type SerializeStructVariant = Impossible<S::Ok, S::Error>;

    not_an_object!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_unit_struct(&'static str),
    );

    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        Err(changed_shape())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<S::Ok, S::Error> {
        Err(changed_shape())
    }
    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        Err(changed_shape())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<S::Ok, S::Error> {
        Err(changed_shape())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(changed_shape())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(changed_shape())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Err(changed_shape())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, S::Error> {
        Err(changed_shape())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        Err(changed_shape())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Err(changed_shape())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        Ok(InOrderMap(self.out.serialize_map(Some(self.len))?))
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Ok(InOrderMap(self.out.serialize_map(Some(self.len))?))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Err(changed_shape())
    }
}

/// The entries of an [`InOrder`] object, each value written canonically.
struct InOrderMap<M>(M);

impl<M: SerializeMap> SerializeMap for InOrderMap<M> {
    type Ok = M::Ok;
    type Error = M::Error;
    fn serialize_key<K: Serialize + ?Sized>(&mut self, key: &K) -> Result<(), M::Error> {
        self.0
            .serialize_key(&key_string(key).map_err(ser::Error::custom)?)
    }
    fn serialize_value<V: Serialize + ?Sized>(&mut self, value: &V) -> Result<(), M::Error> {
        self.0.serialize_value(&Canonical(value))
    }
    fn end(self) -> Result<M::Ok, M::Error> {
        self.0.end()
    }
}

impl<M: SerializeMap> SerializeStruct for InOrderMap<M> {
    type Ok = M::Ok;
    type Error = M::Error;
    fn serialize_field<V: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &V,
    ) -> Result<(), M::Error> {
        self.0.serialize_entry(key, &Canonical(value))
    }
    fn end(self) -> Result<M::Ok, M::Error> {
        self.0.end()
    }
}

/// Writes a value that is not an object as it comes, with its children made canonical.
struct Forward<S>(S);

macro_rules! forward {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<S::Ok, S::Error> { self.0.$method(v) })*
    };
}

impl<S: Serializer> Serializer for Forward<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Elements<S::SerializeSeq>;
    type SerializeTuple = Elements<S::SerializeTuple>;
    type SerializeTupleStruct = Elements<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Elements<S::SerializeTupleVariant>;
    type SerializeMap = Impossible<S::Ok, S::Error>;
    type SerializeStruct = Impossible<S::Ok, S::Error>;
    type SerializeStructVariant = Impossible<S::Ok, S::Error>;

    forward!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_unit_struct(&'static str),
    );

    /// A `Value` holds an `f32` as the `f64` it converts to.
    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        self.0.serialize_f64(f64::from(v))
    }
    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_none()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&Canonical(v))
    }
    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_variant(name, index, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        // A `Value` keeps only the inner value, whatever shape it has.
        Canonical(v).serialize(self.0)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &Canonical(v))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Ok(Elements(self.0.serialize_seq(len)?))
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        Ok(Elements(self.0.serialize_tuple(len)?))
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        Ok(Elements(self.0.serialize_tuple_struct(name, len)?))
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Ok(Elements(
            self.0.serialize_tuple_variant(name, index, variant, len)?,
        ))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        Err(changed_shape())
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Err(changed_shape())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Err(changed_shape())
    }
    fn collect_str<T: Display + ?Sized>(self, v: &T) -> Result<S::Ok, S::Error> {
        self.0.collect_str(v)
    }
}

/// The elements of a sequence or tuple, each written canonically.
struct Elements<C>(C);

impl<C: SerializeSeq> SerializeSeq for Elements<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), C::Error> {
        self.0.serialize_element(&Canonical(v))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: SerializeTuple> SerializeTuple for Elements<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), C::Error> {
        self.0.serialize_element(&Canonical(v))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: SerializeTupleStruct> SerializeTupleStruct for Elements<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), C::Error> {
        self.0.serialize_field(&Canonical(v))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

impl<C: SerializeTupleVariant> SerializeTupleVariant for Elements<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), C::Error> {
        self.0.serialize_field(&Canonical(v))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}
