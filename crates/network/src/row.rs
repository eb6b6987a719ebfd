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
}

/// Every column in the documented order.
pub const COLUMNS: [Column; 11] = [
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
        }
    }

    /// Only the replacement cost may be left out.
    pub fn required(self) -> bool {
        self != Column::ReplacementCost
    }

    /// The column a header names: case and separators do not matter (`Element ID`,
    /// `element-id` and `element_id` are the same column).
    pub fn from_header(h: &str) -> Option<Column> {
        let norm: String = h
            .trim()
            .trim_start_matches('\u{feff}')
            .chars()
            .map(|c| {
                if c == ' ' || c == '-' {
                    '_'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        COLUMNS.into_iter().find(|c| c.name() == norm)
    }
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
    let installation_date: Date = text(Column::InstallationDate)?
        .parse()
        .map_err(|e: String| (Some(Column::InstallationDate), e))?;
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
    })
}

/// Reads a CSV inventory with a header row.
pub(crate) fn read_csv<F: FnMut(InventoryElement)>(
    file: &str,
    reader: impl Read + Seek,
    sink: &mut Sink<'_, F>,
) -> Result<(), Error> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
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
    let mut index: [Option<usize>; COLUMNS.len()] = [None; COLUMNS.len()];
    for (i, h) in headers.iter().enumerate() {
        if let Some(c) = Column::from_header(h) {
            let slot = &mut index[c as usize];
            if slot.is_some() {
                return Err(header_error(format!("column {} appears twice", c.name())));
            }
            *slot = Some(i);
        }
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .filter(|c| c.required() && index[**c as usize].is_none())
        .map(|c| c.name())
        .collect();
    if !missing.is_empty() {
        return Err(header_error(format!(
            "missing column(s): {} (header: {})",
            missing.join(", "),
            headers.iter().collect::<Vec<_>>().join(",")
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
