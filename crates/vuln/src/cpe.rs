//! CPE 2.3 formatted strings (`cpe:2.3:part:vendor:product:version:update:...`).

/// The fields of a CPE name the matcher uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cpe {
    pub part: String,
    pub vendor: String,
    pub product: String,
    /// `*` (any), `-` (not applicable) or a version.
    pub version: String,
    pub update: String,
}

/// Splits on `:` not preceded by a backslash, and unescapes each field.
fn fields(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            ':' => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Parses a CPE 2.3 formatted string; `None` if it is not one.
pub fn parse(s: &str) -> Option<Cpe> {
    if s.len() > 1024 {
        return None;
    }
    let f = fields(s);
    if f.len() < 6 || f[0] != "cpe" || f[1] != "2.3" || !matches!(f[2].as_str(), "a" | "o" | "h") {
        return None;
    }
    if f[3].is_empty() || f[4].is_empty() {
        return None;
    }
    Some(Cpe {
        part: f[2].clone(),
        vendor: f[3].to_ascii_lowercase(),
        product: f[4].to_ascii_lowercase(),
        version: f[5].clone(),
        update: f.get(6).cloned().unwrap_or_else(|| "*".to_string()),
    })
}

impl Cpe {
    /// The version with a meaningful update appended, as upstream writes it: NVD's
    /// `openssh:9.2:p1` is `9.2p1`, `openssl:1.0.1:beta1` is `1.0.1beta1`.
    pub fn full_version(&self) -> Option<String> {
        if self.version == "*" || self.version == "-" || self.version.is_empty() {
            return None;
        }
        match self.update.as_str() {
            "*" | "-" | "" => Some(self.version.clone()),
            u => Some(format!("{}{u}", self.version)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_escaped_fields_and_updates() {
        let c = parse("cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*").unwrap();
        assert_eq!(
            (c.vendor.as_str(), c.product.as_str()),
            ("openbsd", "openssh")
        );
        assert_eq!(c.full_version().as_deref(), Some("9.2p1"));
        let e = parse("cpe:2.3:a:x:y:1.0\\:2:*:*:*:*:*:*:*").unwrap();
        assert_eq!(e.version, "1.0:2");
        assert_eq!(
            parse("cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*")
                .unwrap()
                .full_version(),
            None
        );
        assert!(parse("cpe:/a:openssl:openssl:1.0.1").is_none());
        assert!(parse("cpe:2.3:x:a:b:1").is_none());
    }
}
