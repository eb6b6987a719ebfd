//! Deterministic JSON: the same value always gives the same bytes.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

use serde_json::Value;

mod canonical;

pub use canonical::Canonical;

/// Serialises `value` as pretty JSON with object keys sorted, followed by a newline.
///
/// Keys are sorted explicitly: whether `serde_json::Map` keeps keys sorted or in insertion
/// order depends on its `preserve_order` feature, which any crate in the build (yara-x does)
/// can switch on; struct field order must never leak into the output. Objects are sorted as
/// they are written ([`Canonical`]), so a large report is not built again as a
/// `serde_json::Value` to sort it.
pub fn to_canonical_string<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = serde_json::to_vec_pretty(&Canonical(value))?;
    out.push(b'\n');
    String::from_utf8(out).map_err(serde::ser::Error::custom)
}

/// Writes `value` as [`to_canonical_string`] does, straight to `out` as it is serialised: a
/// report of hundreds of megabytes is held neither as a `Value` nor as one string. `out`
/// should be buffered.
pub fn write_canonical<W: std::io::Write, T: Serialize + ?Sized>(
    mut out: W,
    value: &T,
) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(&mut out, &Canonical(value))?;
    out.write_all(b"\n").map_err(serde_json::Error::io)?;
    out.flush().map_err(serde_json::Error::io)
}

/// Serialises a JSON value with the keys of every object, at every depth, in sorted order.
pub struct Sorted<'a>(pub &'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    m.serialize_entry(k, &Sorted(v))?;
                }
                m.end()
            }
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    seq.serialize_element(&Sorted(v))?;
                }
                seq.end()
            }
            other => other.serialize(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Unsorted {
        zeta: u8,
        alpha: u8,
    }

    #[test]
    fn nested_keys_are_sorted_whatever_the_insertion_order() {
        let v: Value = serde_json::json!({"b": [{"y": 1, "x": 2}], "a": {"d": 1, "c": 2}});
        let text = to_canonical_string(&v).expect("valid");
        let a = text.find("\"a\"").expect("a");
        let b = text.find("\"b\"").expect("b");
        assert!(a < b, "{text}");
        assert!(text.find("\"c\"") < text.find("\"d\""), "{text}");
        assert!(text.find("\"x\"") < text.find("\"y\""), "{text}");
    }

    #[test]
    fn keys_are_sorted_whatever_the_field_order() {
        let text = to_canonical_string(&Unsorted { zeta: 1, alpha: 2 }).expect("valid");
        assert_eq!(text, "{\n  \"alpha\": 2,\n  \"zeta\": 1\n}\n");
    }

    /// What the writer gave before it streamed: the whole value as a `Value`, then sorted.
    fn through_value<T: Serialize + ?Sized>(value: &T) -> String {
        let v = serde_json::to_value(value).expect("value");
        let mut out = serde_json::to_string_pretty(&Sorted(&v)).expect("written");
        out.push('\n');
        out
    }

    fn same_as_through_value<T: Serialize + ?Sized>(value: &T) {
        assert_eq!(
            to_canonical_string(value).expect("valid"),
            through_value(value)
        );
    }

    #[derive(Serialize)]
    struct Inner {
        zulu: Vec<u8>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        alpha: Option<String>,
        mid: f32,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "kebab-case")]
    enum Kind {
        Unit,
        Newtype(Inner),
        Tuple(u8, String),
        Struct { z: u8, a: Vec<Inner> },
    }

    #[derive(Serialize)]
    #[serde(tag = "type")]
    enum Tagged {
        Point { y: i64, x: i64 },
    }

    #[derive(Serialize)]
    struct Wrapper(Inner);

    #[derive(Serialize)]
    struct Pair(u8, &'static str);

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct Empty {}

    #[derive(Serialize)]
    struct Flattened {
        b: u8,
        a: u8,
        #[serde(flatten)]
        rest: std::collections::BTreeMap<String, u8>,
    }

    #[derive(Serialize)]
    struct Everything {
        x_kinds: Vec<Kind>,
        tagged: Tagged,
        wrapper: Wrapper,
        pair: Pair,
        unit: Unit,
        empty: Empty,
        empty_list: Vec<u8>,
        empty_map: std::collections::HashMap<String, u8>,
        flattened: Flattened,
        shared: std::sync::Arc<Inner>,
        numbers: (u128, i128, f64, f64, f32, char, bool),
        by_number: std::collections::BTreeMap<u32, &'static str>,
        small_hash: std::collections::HashMap<String, Inner>,
        big_hash: std::collections::HashMap<String, u32>,
        big_sorted: std::collections::BTreeMap<String, u32>,
        value: Value,
    }

    fn inner(n: u8) -> Inner {
        Inner {
            zulu: vec![n, 2],
            skipped: n.is_multiple_of(2).then_some(n),
            alpha: n.is_multiple_of(3).then(|| format!("a\"{n}\u{e9}\n")),
            mid: f32::from(n) / 10.0,
        }
    }

    #[test]
    fn streaming_gives_the_bytes_of_sorting_a_value() {
        let doc = Everything {
            x_kinds: vec![
                Kind::Unit,
                Kind::Newtype(inner(1)),
                Kind::Tuple(3, "t".to_string()),
                Kind::Struct {
                    z: 1,
                    a: vec![inner(2), inner(3)],
                },
            ],
            tagged: Tagged::Point { y: -1, x: 2 },
            wrapper: Wrapper(inner(4)),
            pair: Pair(5, "five"),
            unit: Unit,
            empty: Empty {},
            empty_list: Vec::new(),
            empty_map: std::collections::HashMap::new(),
            flattened: Flattened {
                b: 1,
                a: 2,
                // "a" again: the later value wins, as in a `Value`.
                rest: [("a".to_string(), 9), ("0".to_string(), 0)].into(),
            },
            shared: std::sync::Arc::new(inner(6)),
            numbers: (u128::from(u64::MAX), -7, f64::NAN, 0.1, 0.1, 'c', true),
            by_number: [(9, "nine"), (10, "ten"), (100, "hundred")].into(),
            small_hash: (0..5).map(|i| (format!("k{i}"), inner(i))).collect(),
            big_hash: (0..500).map(|i| (format!("h{i}"), i)).collect(),
            big_sorted: (0..500).map(|i| (format!("s{i:04}"), i)).collect(),
            value: serde_json::json!({"z": [{"b": 1, "a": null}], "y": {"d": [], "c": {}}}),
        };
        same_as_through_value(&doc);
        same_as_through_value(&Kind::Struct {
            z: 0,
            a: Vec::new(),
        });
        same_as_through_value(&[1u8, 2, 3][..]);
        same_as_through_value("just a string");
        same_as_through_value(&Option::<Inner>::None);
    }

    /// A sequence that counts how often its elements are made.
    struct Counted<'a>(&'a std::cell::Cell<u32>);

    impl Serialize for Counted<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(None)?;
            for i in 0..3 {
                self.0.set(self.0.get() + 1);
                seq.serialize_element(&Inner {
                    zulu: vec![i],
                    skipped: None,
                    alpha: None,
                    mid: 0.0,
                })?;
            }
            seq.end()
        }
    }

    #[derive(Serialize)]
    struct Holder<'a> {
        zz: Counted<'a>,
        aa: u8,
    }

    #[test]
    fn elements_of_a_sequence_are_made_once_while_writing() {
        let made = std::cell::Cell::new(0);
        let text = to_canonical_string(&Holder {
            zz: Counted(&made),
            aa: 1,
        })
        .expect("valid");
        assert_eq!(made.get(), 3, "{text}");
        assert!(text.starts_with("{\n  \"aa\": 1,\n  \"zz\": [\n    {\n      \"alpha\": null,"));
    }

    #[test]
    fn writing_gives_the_same_bytes_as_the_string() {
        let v: Value = serde_json::json!({"b": [1, {"z": null, "a": "x"}], "a": 1.5});
        let mut out = Vec::new();
        write_canonical(&mut out, &v).expect("written");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            to_canonical_string(&v).expect("valid")
        );
    }
}
