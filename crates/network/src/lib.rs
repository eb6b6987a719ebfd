//! Operator inventories: the network elements each operator runs.
//!
//! [`read_inventory`] streams a CSV or JSON inventory, validates every row against the
//! documented schema (see `docs/inventory.md`) and hands each valid element to a callback, so
//! a million rows never sit in memory. A bad row is reported with its file, line and field and
//! does not stop the others unless the read is strict.

mod error;
pub mod exposure;
mod json;
pub mod plan;
pub mod report;
mod row;
pub mod sample;

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

pub use error::{Error, RowError};
use netvet_model::InventoryElement;
pub use row::{COLUMNS, Column};

/// How to read an inventory.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Stop at the first bad row.
    pub strict: bool,
    /// How many row errors to keep (the rest are counted).
    pub max_errors_kept: usize,
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            strict: false,
            max_errors_kept: 1000,
        }
    }
}

/// What a read saw.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadSummary {
    /// Data rows read (valid or not).
    pub rows: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// The first `max_errors_kept` row errors, in file order.
    pub errors: Vec<RowError>,
}

/// Reads the inventory at `path` (`.csv`, or `.json`/`.jsonl`/`.ndjson`: an array of objects or
/// one object per line), calling `on_element` for each valid row in file order.
pub fn read_inventory(
    path: &Path,
    options: &ReadOptions,
    on_element: impl FnMut(InventoryElement),
) -> Result<ReadSummary, Error> {
    let name = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let Some(format) = InventoryFormat::from_extension(&ext) else {
        return Err(Error::UnknownFormat { file: name });
    };
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let reader = BufReader::with_capacity(1 << 16, file);
    read_inventory_from(&name, format, reader, options, on_element)
}

/// The encodings of an inventory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InventoryFormat {
    /// Comma-, semicolon- or tab-separated values with a header row.
    Csv,
    /// A JSON array of objects, or one object per line (JSON Lines).
    Json,
}

impl InventoryFormat {
    /// The format a file extension names (lowercase, without the dot).
    pub fn from_extension(ext: &str) -> Option<InventoryFormat> {
        match ext {
            "csv" => Some(InventoryFormat::Csv),
            "json" | "jsonl" | "ndjson" => Some(InventoryFormat::Json),
            _ => None,
        }
    }

    /// The format's name (`csv`, `json`).
    pub fn as_str(self) -> &'static str {
        match self {
            InventoryFormat::Csv => "csv",
            InventoryFormat::Json => "json",
        }
    }
}

/// Reads an inventory in `format` from `reader` (the service's uploads), naming it `name` in
/// errors; otherwise exactly as [`read_inventory`].
pub fn read_inventory_from(
    name: &str,
    format: InventoryFormat,
    reader: impl Read + Seek,
    options: &ReadOptions,
    on_element: impl FnMut(InventoryElement),
) -> Result<ReadSummary, Error> {
    let mut sink = Sink::new(name, options, on_element);
    match format {
        InventoryFormat::Csv => row::read_csv(name, reader, &mut sink)?,
        InventoryFormat::Json => json::read_json(name, reader, &mut sink)?,
    }
    Ok(sink.summary)
}

/// Collects results, enforces uniqueness of (operator, element id) and strictness.
pub(crate) struct Sink<'a, F: FnMut(InventoryElement)> {
    file: &'a str,
    options: &'a ReadOptions,
    on_element: F,
    seen: HashSet<u128>,
    pub(crate) summary: ReadSummary,
}

impl<'a, F: FnMut(InventoryElement)> Sink<'a, F> {
    fn new(file: &'a str, options: &'a ReadOptions, on_element: F) -> Self {
        Sink {
            file,
            options,
            on_element,
            seen: HashSet::new(),
            summary: ReadSummary::default(),
        }
    }

    /// Takes one row's outcome; an error in strict mode ends the read.
    pub(crate) fn take(
        &mut self,
        line: u64,
        row: Result<InventoryElement, (Option<Column>, String)>,
    ) -> Result<(), Error> {
        self.summary.rows += 1;
        let row = row.and_then(|e| {
            if self.seen.insert(key(&e.operator, &e.element_id)) {
                Ok(e)
            } else {
                Err((
                    Some(Column::ElementId),
                    format!(
                        "duplicate element id {:?} of operator {:?}",
                        e.element_id, e.operator
                    ),
                ))
            }
        });
        match row {
            Ok(e) => {
                self.summary.accepted += 1;
                (self.on_element)(e);
                Ok(())
            }
            Err((field, message)) => self.reject(RowError {
                file: self.file.to_string(),
                line,
                field: field.map(|c| c.name().to_string()),
                message,
            }),
        }
    }

    pub(crate) fn reject(&mut self, e: RowError) -> Result<(), Error> {
        if self.options.strict {
            return Err(Error::Row(e));
        }
        self.summary.rejected += 1;
        if self.summary.errors.len() < self.options.max_errors_kept {
            self.summary.errors.push(e);
        }
        Ok(())
    }
}

/// A 128-bit FNV-1a key of (operator, element id): collisions are negligible and the set
/// stays at 16 bytes per row for a million rows.
fn key(operator: &str, element: &str) -> u128 {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for b in operator.bytes().chain([0xff]).chain(element.bytes()) {
        h ^= b as u128;
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    h
}
