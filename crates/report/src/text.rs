//! How numbers, sizes and table cells are written for people: one place for every report.

use std::fmt::Write as _;

/// Digits grouped by three with `,` (`1234567` → `1,234,567`).
pub fn group(digits: &str) -> String {
    let n = digits.len();
    let mut out = String::with_capacity(n + n / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count with grouped thousands.
pub fn count(n: u64) -> String {
    group(&n.to_string())
}

/// A float with `decimals` decimals and grouped thousands; `n/a` when not finite.
pub fn grouped_f64(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "n/a".to_owned();
    }
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let sign = if v < 0.0 && s.bytes().any(|b| matches!(b, b'1'..=b'9')) {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{}", group(int))
    } else {
        format!("{sign}{}.{frac}", group(int))
    }
}

/// A sum of money in whole units with grouped thousands (an empty sum, `-0.0`, is `0`).
pub fn money(x: f64) -> String {
    grouped_f64((x + 0.0).round().max(0.0), 0)
}

/// A size in bytes as people read it: `512 B`, `1.5 KiB`, `3.0 GiB`.
pub fn size(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// An optional date, or `-`.
pub fn date_or_dash(d: Option<netvet_model::Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
}

/// One line on the advisory data a match used: each feed and its age, and whether it is only
/// the built-in samples or stale.
pub fn advisory_data(data: &netvet_model::AdvisoryData) -> String {
    let feeds: Vec<String> = data
        .feeds
        .iter()
        .map(|f| {
            format!(
                "{} {} {} old{}",
                f.feed,
                f.age_days,
                if f.age_days == 1 { "day" } else { "days" },
                if f.stale { " (STALE)" } else { "" }
            )
        })
        .collect();
    format!(
        "advisory data: {}{}",
        if feeds.is_empty() {
            "none".to_string()
        } else {
            feeds.join(", ")
        },
        if data.samples_only {
            " — built-in samples only: absent matches mean nothing"
        } else {
            ""
        }
    )
}

/// Rows as left-aligned columns (the last column is not padded).
pub fn columns(rows: &[Vec<String>]) -> String {
    let mut widths = vec![0; rows.iter().map(Vec::len).max().unwrap_or(0)];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(c);
            } else {
                let _ = write!(line, "{c:<w$}  ", w = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A header row from column titles.
pub fn header(titles: &[&str]) -> Vec<String> {
    titles.iter().map(|s| s.to_string()).collect()
}

/// Text safe in a Markdown table cell (`|` and line breaks would break the table).
pub fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The JSON name of a serde enum value (`compressed-or-encrypted`), or empty.
pub fn json_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(count(0), "0");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(money(-0.0), "0");
        assert_eq!(money(1234.6), "1,235");
        assert_eq!(grouped_f64(-1234.5, 1), "-1,234.5");
        assert_eq!(grouped_f64(-0.01, 1), "0.0");
        assert_eq!(grouped_f64(f64::NAN, 1), "n/a");
    }

    #[test]
    fn sizes() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(3 << 30), "3.0 GiB");
    }

    #[test]
    fn columns_align_and_markdown_cells_escape() {
        let rows = vec![header(&["A", "BB"]), vec!["xyz".into(), "1".into()]];
        assert_eq!(columns(&rows), "A    BB\nxyz  1\n");
        assert_eq!(md_cell("a|b\nc"), "a\\|b c");
    }
}
