//! The JSON Schemas of netvet's documents (`schemas/netvet/<name>-<version>.schema.json`),
//! generated from the types that serialise them. A test fails when a committed schema differs
//! from what the types give; `NETVET_BLESS=1 cargo test -p netvet --test schemas` rewrites
//! them after a reviewed change.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use netvet_model as m;
use netvet_vuln::report as v;
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

/// Schema ids in the sources that name no document netvet writes: records it reads, which
/// carry no `schema` field.
const INPUT_RECORDS: [&str; 2] = [m::product::PRODUCT_SCHEMA, m::dossier::DOSSIER_SCHEMA];

/// Every document netvet writes: its schema id and its schema.
fn documents() -> Vec<(&'static str, Value)> {
    vec![
        (m::image::IMAGE_REPORT_SCHEMA, schema::<m::ImageReport>()),
        (m::layers::IDENTIFY_SCHEMA, schema::<m::IdentifyDocument>()),
        (m::layers::UNPACK_SCHEMA, schema::<m::UnpackDocument>()),
        (m::scan::SCAN_REPORT_SCHEMA, schema::<m::ScanReport>()),
        (m::scan::SCAN_SET_SCHEMA, schema::<m::ScanSet>()),
        (m::software::SBOM_SCHEMA, schema::<m::SbomReport>()),
        (v::VULNS_SCHEMA, schema::<v::VulnsReport>()),
        (v::DB_IMPORT_SCHEMA, schema::<v::DbImportReport>()),
        (v::DB_UPDATE_SCHEMA, schema::<v::DbUpdateReport>()),
        (v::DB_STATUS_SCHEMA, schema::<v::DbStatusReport>()),
        (
            m::summaries::CATALOGUE_LIST_SCHEMA,
            schema::<m::CatalogueList>(),
        ),
        (
            m::summaries::CATALOGUE_CHECK_SCHEMA,
            schema::<m::CatalogueCheck>(),
        ),
        (
            m::summaries::CATALOGUE_TESTS_SCHEMA,
            schema::<m::CatalogueTests>(),
        ),
        (
            m::summaries::DOSSIER_CHECK_SCHEMA,
            schema::<m::DossierCheck>(),
        ),
        (
            m::assessment::ASSESSMENT_SCHEMA,
            schema::<m::AssessmentReport>(),
        ),
        (m::explain::EXPLANATION_SCHEMA, schema::<m::Explanation>()),
        (m::impact::IMPACT_SCHEMA, schema::<m::ImpactReport>()),
        (m::exposure::NETWORK_SCHEMA, schema::<m::NetworkReport>()),
        (m::diff::DIFF_SCHEMA, schema::<m::diff::DiffReport>()),
        (
            m::diff::EQUIVALENCE_SCHEMA,
            schema::<m::diff::EquivalenceReport>(),
        ),
    ]
}

/// The schema of `T` as it serialises (draft 2020-12), every struct closed.
fn schema<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let mut value = generator.into_root_schema_for::<T>().to_value();
    tighten_objects(&mut value);
    value
}

/// Makes every object schema that lists its properties say what serde emits:
/// - `"additionalProperties": false` where nothing is said of other properties: netvet's
///   documents are structs, which serialise exactly their fields (maps have no `properties`
///   and keep their `additionalProperties` schema);
/// - no `null` for an optional property: in a schema of what serialises, a property is
///   optional only when `skip_serializing_if` leaves it out, and every such `Option` field
///   is left out when it is `None` (a `null` is never written).
fn tighten_objects(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("properties")
                && !map.contains_key("additionalProperties")
                && !map.contains_key("unevaluatedProperties")
            {
                map.insert("additionalProperties".to_string(), Value::Bool(false));
            }
            let required: BTreeSet<String> = map
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                for (name, property) in properties.iter_mut() {
                    if !required.contains(name) {
                        drop_null(property);
                    }
                }
            }
            for (key, v) in map.iter_mut() {
                // Under `properties` and `$defs` the keys are names, not keywords.
                if key == "properties" || key == "$defs" {
                    if let Value::Object(named) = v {
                        named.values_mut().for_each(tighten_objects);
                    }
                } else {
                    tighten_objects(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(tighten_objects),
        _ => {}
    }
}

/// Removes `null` from what `schema` accepts: from a `type` list, or the `{"type": "null"}`
/// alternative of an `anyOf` (the one left takes its place).
fn drop_null(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            map.insert("type".to_string(), only);
        }
    }
    let null = serde_json::json!({"type": "null"});
    if let Some(Value::Array(alternatives)) = map.get_mut("anyOf") {
        alternatives.retain(|a| *a != null);
        if alternatives.len() == 1
            && let Value::Object(only) = alternatives.remove(0)
        {
            map.remove("anyOf");
            for (k, v) in only {
                map.entry(k).or_insert(v);
            }
        }
    }
}

/// The file of schema `id`, with `$id` set (`urn:netvet:schema:netvet.scan/1`), as written.
fn file_text(id: &str, schema: &Value) -> String {
    let mut schema = schema.clone();
    if let Value::Object(map) = &mut schema {
        map.insert(
            "$id".to_string(),
            Value::String(format!("urn:netvet:schema:{id}")),
        );
    }
    netvet_model::json::to_canonical_string(&schema).unwrap()
}

#[test]
fn published_schemas_match_the_types() {
    let bless = std::env::var_os("NETVET_BLESS").is_some();
    let mut failures = Vec::new();
    let mut expected_files = BTreeSet::new();
    for (id, schema) in documents() {
        let path = support::schema_file(id).unwrap();
        expected_files.insert(path.file_name().unwrap().to_owned());
        let text = file_text(id, &schema);
        if bless {
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(committed) if committed == text => {}
            Ok(_) => failures.push(format!("{} differs from the types", path.display())),
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    let dir = support::repo_root().join("schemas/netvet");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name();
        if !expected_files.contains(&name) {
            let path = dir.join(&name);
            if bless {
                std::fs::remove_file(&path).unwrap();
            } else {
                failures.push(format!("{}: no document has this schema", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "NETVET_BLESS=1 cargo test -p netvet --test schemas rewrites them:\n{}",
        failures.join("\n")
    );
}

#[test]
fn published_schemas_are_valid_draft_2020_12_schemas() {
    for (id, schema) in documents() {
        let text = file_text(id, &schema);
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{id}"
        );
        if let Err(e) = jsonschema::meta::validate(&value) {
            panic!("{id}: not a valid schema: {e}");
        }
        jsonschema::validator_for(&value).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
}

/// Every `netvet.<name>/<n>` id the sources define: the string constants of `crates/*/src`.
fn schema_ids_in_sources() -> BTreeSet<String> {
    fn walk(dir: &Path, ids: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, ids);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for line in text.lines() {
                    let line = line.trim();
                    if !(line.starts_with("pub const ") || line.starts_with("const ")) {
                        continue;
                    }
                    if let Some(id) = line.split('"').nth(1)
                        && support::schema_file(id).is_some()
                    {
                        ids.insert(id.to_string());
                    }
                }
            }
        }
    }
    let mut ids = BTreeSet::new();
    for entry in std::fs::read_dir(support::repo_root().join("crates")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() {
            walk(&src, &mut ids);
        }
    }
    ids
}

#[test]
fn every_schema_id_in_the_sources_has_a_published_schema() {
    let published: BTreeSet<String> = documents().iter().map(|(id, _)| id.to_string()).collect();
    let defined = schema_ids_in_sources();
    assert!(defined.len() >= published.len(), "{defined:?}");
    let missing: Vec<&String> = defined
        .iter()
        .filter(|id| !published.contains(*id) && !INPUT_RECORDS.contains(&id.as_str()))
        .collect();
    assert!(missing.is_empty(), "no schema published for {missing:?}");
}

/// A document with the fields of `netvet.catalogue-tests/1`.
fn catalogue_tests() -> Value {
    serde_json::json!({
        "schema": "netvet.catalogue-tests/1",
        "passed": false,
        "catalogues": [{
            "catalogue": "uk-2022",
            "untested_requirements": [],
            "tests": [{"rule": "test_x", "file": "x_test.rego", "line": 3, "passed": false,
                       "failure": "expected allow"}]
        }]
    })
}

#[test]
fn schemas_reject_drift_from_the_types() {
    let doc = catalogue_tests();
    support::check_document(&doc).unwrap();

    let mut extra = doc.clone();
    extra["catalogues"][0]["tests"][0]["duration"] = Value::from(3);
    let err = support::check_document(&extra).unwrap_err();
    assert!(err.contains("/catalogues/0/tests/0"), "{err}");

    let mut missing = doc.clone();
    missing.as_object_mut().unwrap().remove("passed");
    assert!(support::check_document(&missing).is_err());

    let mut wrong_type = doc.clone();
    wrong_type["catalogues"][0]["tests"][0]["line"] = Value::from("3");
    assert!(support::check_document(&wrong_type).is_err());

    let mut other_id = doc;
    other_id["schema"] = Value::from("netvet.catalogue/1");
    assert!(support::check_document(&other_id).is_err());
}

#[test]
fn hand_written_schemas_follow_the_serialised_forms() {
    let role = schema::<m::Role>();
    let roles: Vec<&str> = role["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        roles.contains(&"core:AMF") && roles.contains(&"RAN:gNB"),
        "{roles:?}"
    );
    assert!(!roles.contains(&"RAN:AMF"));

    let validates = |schema: &Value, instance: Value| {
        jsonschema::validator_for(schema)
            .unwrap()
            .is_valid(&instance)
    };
    let date = schema::<m::Date>();
    let day: m::Date = "2026-12-01".parse().unwrap();
    assert!(validates(&date, serde_json::to_value(day).unwrap()));
    assert!(!validates(&date, Value::from("1 December 2026")));

    let quarter = schema::<m::Quarter>();
    let q: m::Quarter = "2027-Q3".parse().unwrap();
    assert!(validates(&quarter, serde_json::to_value(q).unwrap()));
    assert!(!validates(&quarter, Value::from("2027-Q5")));

    let fact_date = schema::<m::FactDate>();
    for text in ["2020", "2020-08", "2020-08-25", "undated"] {
        let d: m::FactDate = text.parse().unwrap();
        assert!(
            validates(&fact_date, serde_json::to_value(d).unwrap()),
            "{text}"
        );
    }
    assert!(!validates(&fact_date, Value::from("around 2020")));

    let pattern = schema::<m::RolePattern>();
    for text in [
        "core:*",
        "*:router",
        "RAN:gNB",
        "management:SDN-controller",
        "*:*",
    ] {
        let p: m::RolePattern = text.parse().unwrap();
        assert!(
            validates(&pattern, serde_json::to_value(p).unwrap()),
            "{text}"
        );
    }
    assert!(!validates(&pattern, Value::from("core:AMFX")));

    let status = schema::<m::SourceStatus>();
    for s in m::SourceStatus::ALL {
        assert!(validates(&status, serde_json::to_value(s).unwrap()), "{s}");
    }
    let kind = schema::<m::FactKind>();
    for k in m::FactKind::ALL {
        assert!(
            validates(&kind, serde_json::to_value(k).unwrap()),
            "{}",
            k.as_str()
        );
    }
    let function = schema::<m::NetworkFunction>();
    for f in m::NetworkFunction::ALL {
        assert!(
            validates(&function, serde_json::to_value(f).unwrap()),
            "{f}"
        );
    }
}

/// The sample products' evidence (real scans of their firmware recipes) is valid `netvet.scan/1`.
#[test]
fn the_sample_evidence_is_valid_against_the_scan_schema() {
    let dir = support::repo_root().join("examples/evidence");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            support::assert_valid(
                &path.display().to_string(),
                &std::fs::read_to_string(&path).unwrap(),
            );
            n += 1;
        }
    }
    assert!(n >= 5, "only {n} evidence files in {}", dir.display());
}
