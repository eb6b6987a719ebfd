//! The inventory schema: its columns, validation of one row, and the CSV reader.

use std::io::{Read, Seek, SeekFrom};

use netvet_model::{Date, Domain, InventoryElement, NetworkFunction, Role};

use crate::Sink;
use crate::error::Error;

/// A column of the inventory schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Operator,
    ElementId,
    Site,
    Region,
    Domain,
    Function,
    Vendor,
    Product,
    Version,
    InstallationDate,
    ReplacementCost,
    Licences,
}

/// Every column in the documented order.
pub const COLUMNS: [Column; 12] = [
    Column::Operator,
    Column::ElementId,
    Column::Site,
    Column::Region,
    Column::Domain,
    Column::Function,
    Column::Vendor,
    Column::Product,
    Column::Version,
    Column::InstallationDate,
    Column::ReplacementCost,
    Column::Licences,
];

impl Column {
    /// The column's name in CSV headers and JSON keys.
    pub fn name(self) -> &'static str {
        match self {
            Column::Operator => "operator",
            Column::ElementId => "element_id",
            Column::Site => "site",
            Column::Region => "region",
            Column::Domain => "domain",
            Column::Function => "function",
            Column::Vendor => "vendor",
            Column::Product => "product",
            Column::Version => "version",
            Column::InstallationDate => "installation_date",
            Column::ReplacementCost => "replacement_cost",
            Column::Licences => "licences",
        }
    }

    /// Only the replacement cost and the licences may be left out.
    pub fn required(self) -> bool {
        !matches!(self, Column::ReplacementCost | Column::Licences)
    }

    /// Other names operators' exports give the column (normalised as [`normalise`] does).
    /// A header with the column's own name wins over an alias.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Operator => &["operator_name", "network_operator", "mno"],
            Column::ElementId => &[
                "element",
                "element_name",
                "network_element",
                "ne",
                "ne_id",
                "ne_name",
                "node_id",
                "node_name",
            ],
            Column::Site => &["site_id", "site_name"],
            Column::Region => &["area"],
            Column::Domain => &["network_domain"],
            Column::Function => &[
                "network_function",
                "nf",
                "nf_type",
                "ne_type",
                "node_type",
                "element_type",
            ],
            Column::Vendor => &["manufacturer", "supplier"],
            Column::Product => &["model", "product_name", "product_id"],
            Column::Version => &[
                "software_version",
                "sw_version",
                "firmware_version",
                "release",
            ],
            Column::InstallationDate => &[
                "installed",
                "installed_on",
                "install_date",
                "installation",
                "commissioning_date",
                "in_service_date",
                "deployment_date",
            ],
            Column::ReplacementCost => &["cost"],
            Column::Licences => &["licence", "license", "licenses", "spectrum_licence"],
        }
    }

    /// The column a header (a CSV header or a JSON key) names, and whether by an alias. Case,
    /// spaces, hyphens, dots and camelCase do not matter (`Element ID`, `element-id`,
    /// `elementId` and `element_id` are the same column).
    pub fn from_header(h: &str) -> Option<(Column, bool)> {
        let norm = normalise(h);
        if let Some(c) = COLUMNS.into_iter().find(|c| c.name() == norm) {
            return Some((c, false));
        }
        COLUMNS
            .into_iter()
            .find(|c| c.aliases().contains(&norm.as_str()))
            .map(|c| (c, true))
    }
}

/// `Element ID`, `element-id`, `elementId`, `ELEMENT_ID` → `element_id`.
fn normalise(h: &str) -> String {
    let mut out = String::with_capacity(h.len());
    let mut prev: Option<char> = None;
    for c in h.trim().trim_start_matches('\u{feff}').chars() {
        let sep = matches!(c, ' ' | '-' | '.' | '_' | '/');
        if sep {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
        } else {
            // camelCase: a capital after a lower-case letter or digit starts a word.
            if c.is_uppercase()
                && prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                && !out.ends_with('_')
            {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        }
        prev = Some(c);
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// Which field of a row holds each column: from the header row of a CSV file or the keys of
/// a JSON object. A column's own name wins over an alias; the same column twice is an error.
pub(crate) fn columns<'h>(
    headers: impl Iterator<Item = &'h str>,
) -> Result<[Option<usize>; COLUMNS.len()], String> {
    let mut index: [Option<(usize, bool)>; COLUMNS.len()] = [None; COLUMNS.len()];
    let mut names: Vec<&str> = Vec::new();
    for (i, h) in headers.enumerate() {
        names.push(h);
        let Some((c, alias)) = Column::from_header(h) else {
            continue;
        };
        let slot = &mut index[c as usize];
        match *slot {
            // The column's own name beats an alias seen before it.
            Some((_, true)) if !alias => *slot = Some((i, false)),
            Some((_, false)) if alias => {}
            Some((j, _)) => {
                return Err(format!(
                    "column {} appears twice ({:?} and {:?})",
                    c.name(),
                    names[j],
                    h
                ));
            }
            None => *slot = Some((i, alias)),
        }
    }
    Ok(index.map(|s| s.map(|(i, _)| i)))
}

/// An installation date: `YYYY-MM-DD`, an ISO date-time that starts with one
/// (`2021-03-15T08:00:00Z`, `2021-03-15 08:00`), or `DD.MM.YYYY` as German exports write it.
fn installation_date(s: &str) -> Result<Date, String> {
    let plain = s.parse::<Date>();
    if plain.is_ok() {
        return plain;
    }
    if let (Some(day), Some(rest)) = (s.get(..10), s.get(10..))
        && rest.starts_with(['T', ' '])
    {
        return day.parse().map_err(|e: String| format!("{s:?}: {e}"));
    }
    let parts: Vec<&str> = s.split('.').collect();
    if let [d, m, y] = parts[..]
        && d.len() <= 2
        && m.len() <= 2
        && y.len() == 4
        && let (Ok(d), Ok(m), Ok(y)) = (d.parse::<u8>(), m.parse::<u8>(), y.parse::<u16>())
    {
        return Date::new(y, m, d).ok_or_else(|| format!("{s:?} is not a date: no such day"));
    }
    plain
}

type FieldError = (Option<Column>, String);

/// Validates one row given a getter for each column's text.
pub(crate) fn element<'r>(
    get: impl Fn(Column) -> Option<&'r str>,
) -> Result<InventoryElement, FieldError> {
    let text = |c: Column| -> Result<String, FieldError> {
        match get(c).map(str::trim) {
            Some(v) if !v.is_empty() => Ok(v.to_string()),
            _ => Err((Some(c), "missing value".to_string())),
        }
    };
    let domain: Domain = text(Column::Domain)?
        .parse()
        .map_err(|e: String| (Some(Column::Domain), e))?;
    let function: NetworkFunction = text(Column::Function)?
        .parse()
        .map_err(|e: String| (Some(Column::Function), e))?;
    if Role::new(domain, function).is_none() {
        return Err((
            Some(Column::Function),
            format!("{function} is not deployed in the {domain} domain"),
        ));
    }
    let installation_date = installation_date(&text(Column::InstallationDate)?)
        .map_err(|e| (Some(Column::InstallationDate), e))?;
    let replacement_cost = match get(Column::ReplacementCost).map(str::trim) {
        None | Some("") => None,
        Some(v) => match v.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Some(x),
            _ => {
                return Err((
                    Some(Column::ReplacementCost),
                    format!("{v:?} is not a non-negative number"),
                ));
            }
        },
    };
    let licences = match get(Column::Licences) {
        None => Vec::new(),
        Some(v) => licences(v).map_err(|e| (Some(Column::Licences), e))?,
    };
    Ok(InventoryElement {
        operator: text(Column::Operator)?,
        element_id: text(Column::ElementId)?,
        site: text(Column::Site)?,
        region: text(Column::Region)?,
        domain,
        function,
        vendor: text(Column::Vendor)?,
        product: text(Column::Product)?,
        version: text(Column::Version)?,
        installation_date,
        replacement_cost,
        licences,
    })
}

/// The licence ids of a `licences` value: separated by `;`, `,` or white space, lower case,
/// sorted, each once. An id is letters, digits, `-` and `.` (as catalogues declare them).
fn licences(v: &str) -> Result<Vec<String>, String> {
    let mut out = std::collections::BTreeSet::new();
    for id in v.split(|c: char| c == ';' || c == ',' || c.is_whitespace()) {
        if id.is_empty() {
            continue;
        }
        if !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.'))
        {
            return Err(format!(
                "{id:?} is not a licence id (letters, digits, - and .)"
            ));
        }
        out.insert(id.to_ascii_lowercase());
    }
    Ok(out.into_iter().collect())
}

/// Delimiters an inventory export may use: comma, semicolon (spreadsheets in locales with a
/// decimal comma), tab and pipe.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The delimiter that splits the header row into the most known columns (comma on a tie).
fn sniff_delimiter(reader: &mut (impl Read + Seek)) -> std::io::Result<u8> {
    let mut head = Vec::new();
    reader.by_ref().take(64 << 10).read_to_end(&mut head)?;
    reader.seek(SeekFrom::Start(0))?;
    let line = match head.iter().position(|&b| b == b'\n') {
        Some(i) => &head[..i],
        None => &head[..],
    };
    let known = |delimiter: u8| -> usize {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(delimiter)
            .from_reader(line);
        r.records()
            .next()
            .and_then(|rec| rec.ok())
            .map(|rec| {
                rec.iter()
                    .filter(|h| Column::from_header(h).is_some())
                    .count()
            })
            .unwrap_or(0)
    };
    let mut best = (known(DELIMITERS[0]), DELIMITERS[0]);
    for d in &DELIMITERS[1..] {
        let n = known(*d);
        if n > best.0 {
            best = (n, *d);
        }
    }
    Ok(best.1)
}

/// Reads a CSV inventory with a header row.
pub(crate) fn read_csv<F: FnMut(InventoryElement)>(
    file: &str,
    mut reader: impl Read + Seek,
    sink: &mut Sink<'_, F>,
) -> Result<(), Error> {
    let delimiter = sniff_delimiter(&mut reader).map_err(|source| Error::Io {
        path: file.into(),
        source,
    })?;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(reader);
    let header_error = |message: String| Error::Format {
        file: file.to_string(),
        line: 1,
        message,
    };
    let headers = csv
        .headers()
        .map_err(|e| header_error(format!("cannot read the header row: {e}")))?
        .clone();
    let index = columns(headers.iter()).map_err(header_error)?;
    let missing: Vec<&str> = COLUMNS
        .iter()
        .filter(|c| c.required() && index[**c as usize].is_none())
        .map(|c| c.name())
        .collect();
    if !missing.is_empty() {
        let separator = char::from(delimiter);
        return Err(header_error(format!(
            "missing column(s): {} (header: {})",
            missing.join(", "),
            headers
                .iter()
                .collect::<Vec<_>>()
                .join(&separator.to_string())
        )));
    }
    let mut record = csv::StringRecord::new();
    loop {
        let start = csv.position().clone();
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let at = record.position().cloned().unwrap_or(start);
                let row = element(|c| index[c as usize].and_then(|i| record.get(i)));
                // A bad row that spans lines is most likely an unterminated quote that
                // swallowed the rows after it: reject it and read on from its next line.
                let spans = csv.position().line() > at.line() + 1;
                match row {
                    Err((field, message)) if spans => {
                        let until = csv.position().line() - 1;
                        sink.summary.rows += 1;
                        sink.reject(crate::RowError {
                            file: file.to_string(),
                            line: at.line(),
                            field: field.map(|c| c.name().to_string()),
                            message: format!(
                                "{message}; the row runs over lines {}-{until} (an unterminated \
                                 quote?): reading resumes at line {}",
                                at.line(),
                                at.line() + 1
                            ),
                        })?;
                        resume_after_line(&mut csv, &at).map_err(|source| Error::Io {
                            path: file.into(),
                            source,
                        })?;
                    }
                    row => sink.take(at.line(), row)?,
                }
            }
            Err(e) => {
                let at = e.position().cloned().unwrap_or(start);
                sink.summary.rows += 1;
                sink.reject(crate::RowError {
                    file: file.to_string(),
                    line: at.line(),
                    field: None,
                    message: format!("unreadable row: {e}"),
                })?;
                // Bad UTF-8 spoils one row; after anything else the parser starts afresh at
                // the next line.
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    resume_after_line(&mut csv, &at).map_err(|source| Error::Io {
                        path: file.into(),
                        source,
                    })?;
                }
            }
        }
    }
    Ok(())
}

/// Moves the parser to the start of the line after the one `at` begins on.
fn resume_after_line<R: Read + Seek>(
    csv: &mut csv::Reader<R>,
    at: &csv::Position,
) -> std::io::Result<()> {
    let inner = csv.get_mut();
    inner.seek(SeekFrom::Start(at.byte()))?;
    let mut offset = at.byte();
    let mut buf = [0u8; 8192];
    let found = loop {
        let n = inner.read(&mut buf)?;
        if n == 0 {
            break false;
        }
        if let Some(i) = buf[..n].iter().position(|&b| b == b'\n') {
            offset += i as u64 + 1;
            break true;
        }
        offset += n as u64;
    };
    let mut pos = csv::Position::new();
    pos.set_byte(offset)
        .set_line(at.line() + u64::from(found))
        .set_record(at.record() + 1);
    csv.seek(pos).map_err(std::io::Error::other)
}

#[cfg(test)]
mod licence_tests {
    use super::licences;

    #[test]
    fn licence_ids_are_split_lowered_sorted_and_checked() {
        assert_eq!(
            licences("SE-PTS-3.5GHZ-2021; se-pts-2.3ghz-2021,se-pts-3.5ghz-2021  ").unwrap(),
            ["se-pts-2.3ghz-2021", "se-pts-3.5ghz-2021"]
        );
        assert!(licences("").unwrap().is_empty());
        let e = licences("se-pts/3.5").unwrap_err();
        assert!(e.contains("\"se-pts/3.5\" is not a licence id"), "{e}");
    }
}
