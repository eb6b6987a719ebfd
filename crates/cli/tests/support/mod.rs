//! Checks netvet's JSON documents against the schemas published in `schemas/netvet/`
//! (generated from the types by `tests/schemas.rs`). Each test binary uses part of it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The published schema of the document schema `id` (`netvet.scan/1` →
/// `schemas/netvet/scan-1.schema.json`); None for an id not of that form.
pub fn schema_file(id: &str) -> Option<PathBuf> {
    let (name, version) = id.strip_prefix("netvet.")?.split_once('/')?;
    let valid = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    (valid(name) && version.bytes().all(|b| b.is_ascii_digit()) && !version.is_empty()).then(|| {
        repo_root()
            .join("schemas/netvet")
            .join(format!("{name}-{version}.schema.json"))
    })
}

/// Checks `doc` against the schema its `schema` field names: Ok, or every violation with
/// where in the document it is.
pub fn check_document(doc: &Value) -> Result<(), String> {
    let id = doc
        .get("schema")
        .and_then(Value::as_str)
        .ok_or("the document has no \"schema\" string")?;
    let file = schema_file(id).ok_or_else(|| format!("{id:?} is not a netvet schema id"))?;
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("{id}: cannot read {}: {e}", file.display()))?;
    let schema: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{id}: {} is not JSON: {e}", file.display()))?;
    let validator = jsonschema::validator_for(&schema)
        .map_err(|e| format!("{id}: {} is not a valid schema: {e}", file.display()))?;
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .take(20)
        .map(|e| format!("  at {:?}: {e}", e.instance_path().as_str()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "not valid against {}:\n{}",
            file.display(),
            errors.join("\n")
        ))
    }
}

/// Panics unless `text` is a netvet JSON document valid against its schema; `what` names the
/// output in the message.
pub fn assert_valid(what: &str, text: &str) {
    let doc: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("{what}: the output is not JSON: {e}\n{text}"));
    if let Err(e) = check_document(&doc) {
        panic!("{what}: {e}");
    }
}

/// Validates `text` when it is a netvet JSON document (an object with a `netvet.` schema
/// id); other output (tables, CycloneDX, SARIF) is left alone.
pub fn validate_if_document(what: &str, text: &str) {
    let Ok(doc) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let is_ours = doc
        .get("schema")
        .and_then(Value::as_str)
        .is_some_and(|s| s.starts_with("netvet."));
    if is_ours && let Err(e) = check_document(&doc) {
        panic!("{what}: {e}");
    }
}
