//! Deterministic JSON: the same value always gives the same bytes.

use serde::Serialize;

/// Serialises `value` as pretty JSON with object keys sorted, followed by a newline.
///
/// Keys are sorted by going through `serde_json::Value`, whose maps are ordered; struct field
/// order therefore never leaks into the output.
pub fn to_canonical_string<T: Serialize>(value: &T) -> serde_json::Result<String> {
    let value = serde_json::to_value(value)?;
    let mut out = serde_json::to_string_pretty(&value)?;
    out.push('\n');
    Ok(out)
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
    fn keys_are_sorted_whatever_the_field_order() {
        let text = to_canonical_string(&Unsorted { zeta: 1, alpha: 2 }).expect("valid");
        assert_eq!(text, "{\n  \"alpha\": 2,\n  \"zeta\": 1\n}\n");
    }
}
