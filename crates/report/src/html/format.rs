//! Formatting for the page: escaping of every untrusted string ([`Esc`]), slugs, numbers, and
//! the `data-key`/`data-value` cells tests check against the JSON.

use super::*;

/// Text escaped for HTML text and double-quoted attribute values (and SVG inside HTML).
/// Control characters and bidirectional overrides, which can hide or reorder what a reader
/// sees, are shown as U+FFFD.
pub(crate) struct Esc<'a>(pub(crate) &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut last = 0;
        for (i, c) in s.char_indices() {
            let replacement = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\n' | '\t' | '\r' => continue,
                c if c.is_control() || is_bidi_control(c) => "\u{FFFD}",
                _ => continue,
            };
            f.write_str(&s[last..i])?;
            f.write_str(replacement)?;
            last = i + c.len_utf8();
        }
        f.write_str(&s[last..])
    }
}

pub(super) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// A lowercase ASCII slug for ids: letters and digits, `-` for everything else.
pub(super) fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-');
    if trimmed.is_empty() {
        "x".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// At most `max` characters, with `…` when cut (before escaping, so no entity is cut).
pub(super) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

pub(super) fn join<T>(
    o: &mut String,
    items: &[T],
    sep: &str,
    mut each: impl FnMut(&mut String, &T) -> fmt::Result,
) -> fmt::Result {
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            o.push_str(sep);
        }
        each(o, item)?;
    }
    Ok(())
}

/// An integer with thousands separators.
pub(super) struct Int(pub(super) u64);

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&group(&self.0.to_string()))
    }
}

/// A float as the data attribute holds it: Rust's shortest round-trip form, no exponent.
pub(super) fn plain_f64(v: f64) -> String {
    format!("{v}")
}

/// A number as shown: how it reads to a person, and its plain form for `data-value`.
#[derive(Clone, Copy)]
pub(super) enum Shown {
    Count(u64),
    /// One decimal and `%`.
    Percent(f64),
    /// Whole units with grouped thousands (the currency is said by the caller).
    Money(f64),
    /// HHI: whole numbers.
    Index(f64),
    /// As precise as it is, up to two decimals.
    Factor(f64),
}

impl Shown {
    pub(super) fn plain(self) -> String {
        match self {
            Shown::Count(n) => n.to_string(),
            Shown::Percent(f) | Shown::Money(f) | Shown::Index(f) | Shown::Factor(f) => {
                plain_f64(f)
            }
        }
    }

    pub(super) fn text(self) -> String {
        match self {
            Shown::Count(n) => Int(n).to_string(),
            Shown::Percent(f) => format!("{}%", grouped_f64(f, 1)),
            // Whole units: cents in a replacement budget are noise.
            Shown::Money(f) => crate::text::money(f),
            Shown::Index(f) => grouped_f64(f, 0),
            Shown::Factor(f) if f.fract() == 0.0 => grouped_f64(f, 0),
            Shown::Factor(f) => {
                let s = grouped_f64(f, 2);
                s.trim_end_matches('0').trim_end_matches('.').to_owned()
            }
        }
    }
}

/// An element carrying a key number: `<td class="num" data-key=… data-value=…>1,234</td>`.
pub(super) fn keyed(tag: &str, key: &str, v: Shown, suffix: &str) -> String {
    let class = if tag == "td" { " class=\"num\"" } else { "" };
    format!(
        "<{tag}{class} data-key=\"{}\" data-value=\"{}\">{}{suffix}</{tag}>",
        Esc(key),
        v.plain(),
        v.text()
    )
}
