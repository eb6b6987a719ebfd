//! Deterministic JSON: the same value always gives the same bytes.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

use serde_json::Value;

/// Serialises `value` as pretty JSON with object keys sorted, followed by a newline.
///
/// Keys are sorted explicitly: whether `serde_json::Map` keeps keys sorted or in insertion
/// order depends on its `preserve_order` feature, which any crate in the build (yara-x does)
/// can switch on; struct field order must never leak into the output. The value is built
/// once and written through [`Sorted`], which orders each object's keys as it goes, so a
/// large report is not copied again to sort it.
pub fn to_canonical_string<T: Serialize>(value: &T) -> serde_json::Result<String> {
    let value = serde_json::to_value(value)?;
    let mut out = serde_json::to_string_pretty(&Sorted(&value))?;
    out.push('\n');
    Ok(out)
}

/// Writes `value` as [`to_canonical_string`] does, straight to `out` (a report of hundreds of
/// megabytes is not held again as one string). `out` should be buffered.
pub fn write_canonical<W: std::io::Write, T: Serialize>(
    mut out: W,
    value: &T,
) -> serde_json::Result<()> {
    let value = serde_json::to_value(value)?;
    serde_json::to_writer_pretty(&mut out, &Sorted(&value))?;
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
