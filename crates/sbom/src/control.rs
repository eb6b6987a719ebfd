//! Debian-style control paragraphs (`Key: value`, continuation lines indented, paragraphs
//! separated by blank lines), as dpkg and opkg keep their databases.

/// One paragraph: fields in file order, keys as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Paragraph {
    pub fields: Vec<(String, String)>,
}

impl Paragraph {
    /// The value of field `key` (case-insensitive), first line only.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.lines().next().unwrap_or("").trim())
            .filter(|v| !v.is_empty())
    }
}

/// Most paragraphs read from one database; more are reported, not read (hostile input).
pub const MAX_PARAGRAPHS: usize = 200_000;

/// Parses control paragraphs. Lines that are neither fields nor continuations are skipped;
/// `truncated` is set when [`MAX_PARAGRAPHS`] was reached.
pub fn parse(text: &str) -> (Vec<Paragraph>, bool) {
    let mut out = Vec::new();
    let mut cur = Paragraph::default();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.fields.is_empty() {
                out.push(std::mem::take(&mut cur));
                if out.len() >= MAX_PARAGRAPHS {
                    return (out, true);
                }
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = cur.fields.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            cur.fields
                .push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    if !cur.fields.is_empty() {
        out.push(cur);
    }
    (out, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_split_on_blank_lines_and_keep_continuations() {
        let (p, truncated) = parse(
            "Package: a\nVersion: 1\nDescription: x\n more\n\n\nPackage: b\r\nStatus: install ok installed\n",
        );
        assert!(!truncated);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].get("package"), Some("a"));
        assert_eq!(p[0].fields[2].1, "x\nmore");
        assert_eq!(p[1].get("Status"), Some("install ok installed"));
        assert_eq!(p[1].get("Version"), None);
    }
}
