//! JSON inventories: an array of objects, or one object per line (JSON Lines). Objects are
//! cut out of the byte stream one at a time, with the line each starts on, and parsed alone —
//! so memory stays bounded and every error names its line.

use std::io::Read;

use netvet_model::InventoryElement;

use crate::Sink;
use crate::error::{Error, RowError};
use crate::row::{COLUMNS, Column, columns, element};

/// Rows larger than this are rejected without being kept in memory.
const MAX_OBJECT_BYTES: usize = 1 << 20;

pub(crate) fn read_json<F: FnMut(InventoryElement)>(
    file: &str,
    mut reader: impl Read,
    sink: &mut Sink<'_, F>,
) -> Result<(), Error> {
    let mut chunk = vec![0u8; 1 << 16];
    let mut obj: Vec<u8> = Vec::with_capacity(512);
    let (mut line, mut start_line) = (1u64, 1u64);
    let (mut depth, mut in_obj, mut in_str, mut escape, mut oversized) =
        (0usize, false, false, false, false);
    let mut stray: Option<u64> = None;
    loop {
        let n = reader.read(&mut chunk).map_err(|source| Error::Io {
            path: file.into(),
            source,
        })?;
        if n == 0 {
            break;
        }
        for &b in &chunk[..n] {
            if !in_obj {
                match b {
                    b'{' => {
                        if let Some(l) = stray.take() {
                            stray_error(file, l, sink)?;
                        }
                        in_obj = true;
                        depth = 1;
                        start_line = line;
                        obj.clear();
                        obj.push(b);
                        oversized = false;
                    }
                    b'\n' => line += 1,
                    b'[' | b']' | b',' | b' ' | b'\t' | b'\r' => {}
                    _ => {
                        stray.get_or_insert(line);
                    }
                }
                continue;
            }
            if b == b'\n' {
                line += 1;
            }
            if obj.len() < MAX_OBJECT_BYTES {
                obj.push(b);
            } else {
                oversized = true;
            }
            if in_str {
                if escape {
                    escape = false;
                } else if b == b'\\' {
                    escape = true;
                } else if b == b'"' {
                    in_str = false;
                }
                continue;
            }
            match b {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        in_obj = false;
                        let row = if oversized {
                            Err((None, format!("row larger than {MAX_OBJECT_BYTES} bytes")))
                        } else {
                            parse_row(&obj)
                        };
                        sink.take(start_line, row)?;
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(l) = stray {
        stray_error(file, l, sink)?;
    }
    if in_obj {
        sink.summary.rows += 1;
        sink.reject(RowError {
            file: file.to_string(),
            line: start_line,
            field: None,
            message: "the file ends inside this object".to_string(),
        })?;
    }
    Ok(())
}

fn stray_error<F: FnMut(InventoryElement)>(
    file: &str,
    line: u64,
    sink: &mut Sink<'_, F>,
) -> Result<(), Error> {
    sink.summary.rows += 1;
    sink.reject(RowError {
        file: file.to_string(),
        line,
        field: None,
        message: "expected an object ({…}) for each element".to_string(),
    })
}

/// One row object. Keys name columns as CSV headers do (`element_id`, `elementId`,
/// `Element ID`, or an alias); values are strings or numbers, `null` is a missing value.
fn parse_row(bytes: &[u8]) -> Result<InventoryElement, (Option<Column>, String)> {
    let row: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(bytes)
        .map_err(|e| (None, format!("not a valid row object: {e}")))?;
    let index = columns(row.keys().map(String::as_str)).map_err(|e| (None, e))?;
    let values: Vec<&serde_json::Value> = row.values().collect();
    let mut text: [Option<String>; COLUMNS.len()] = Default::default();
    for c in COLUMNS {
        let Some(i) = index[c as usize] else { continue };
        text[c as usize] = match values[i] {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            // A list of licences, as well as one string of them.
            serde_json::Value::Array(items) if c == Column::Licences => {
                let mut ids = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        serde_json::Value::String(s) => ids.push(s.as_str()),
                        other => {
                            return Err((Some(c), format!("{other} is not a licence id")));
                        }
                    }
                }
                Some(ids.join(";"))
            }
            other => {
                return Err((Some(c), format!("{other} is not a string or a number")));
            }
        };
    }
    element(|c| text[c as usize].as_deref())
}
