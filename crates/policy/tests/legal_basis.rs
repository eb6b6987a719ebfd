//! `docs/legal-basis.md` lists every requirement of every built-in catalogue with the date netvet
//! applies it from; catalogues carry validity periods, and the catalogue in force on a date can
//! be picked per jurisdiction.

use std::collections::BTreeMap;
use std::path::Path;

use netvet_model::Date;
use netvet_policy::{Catalogue, Limits};

/// A row of the requirements table: provision, applies from, binds, source.
struct Row {
    provision: String,
    applies_from: String,
    binds: String,
    source: String,
}

/// The rows of the `## Requirements` table, by (catalogue, requirement).
fn table() -> BTreeMap<(String, String), Row> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/legal-basis.md");
    let text = std::fs::read_to_string(&path).expect("docs/legal-basis.md");
    let section = text
        .split("\n## Requirements\n")
        .nth(1)
        .expect("a ## Requirements section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut rows = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if cells.first() == Some(&"Catalogue") || cells.iter().all(|c| c.starts_with("---")) {
            continue;
        }
        assert_eq!(cells.len(), 6, "a row needs six cells: {line}");
        let key = (cells[0].to_string(), cells[1].to_string());
        let row = Row {
            provision: cells[2].to_string(),
            applies_from: cells[3].to_string(),
            binds: cells[4].to_string(),
            source: cells[5].to_string(),
        };
        assert!(
            rows.insert(key.clone(), row).is_none(),
            "row {key:?} appears twice"
        );
    }
    rows
}

#[test]
fn legal_basis_lists_every_requirement_with_the_date_netvet_applies() {
    let limits = Limits::default();
    let rows = table();
    let mut expected = BTreeMap::new();
    for id in Catalogue::builtin_ids() {
        let c = Catalogue::load(&id, &limits).unwrap_or_else(|e| panic!("{id}: {e}"));
        for r in c.requirements.values() {
            let from = r.requirement.deadline.unwrap_or(c.info.effective);
            expected.insert((id.clone(), r.requirement.id.clone()), from);
        }
    }
    let missing: Vec<_> = expected.keys().filter(|k| !rows.contains_key(*k)).collect();
    let extra: Vec<_> = rows.keys().filter(|k| !expected.contains_key(*k)).collect();
    assert!(
        missing.is_empty(),
        "requirements missing from docs/legal-basis.md: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "rows of docs/legal-basis.md naming no requirement: {extra:?}"
    );
    for (key, from) in &expected {
        let row = &rows[key];
        let first = row.applies_from.split_whitespace().next().unwrap_or("");
        assert_eq!(
            first.parse::<Date>().ok(),
            Some(*from),
            "{key:?}: the table says {:?}, netvet applies it from {from}",
            row.applies_from
        );
        for (name, cell) in [
            ("provision", &row.provision),
            ("binds", &row.binds),
            ("source", &row.source),
        ] {
            assert!(!cell.is_empty(), "{key:?}: empty {name}");
        }
        assert!(
            ["https://", "repo:", "doc:"]
                .iter()
                .any(|p| row.source.contains(p)),
            "{key:?}: the source names no address"
        );
    }
}

fn date(s: &str) -> Date {
    s.parse().expect("a valid date")
}

#[test]
fn every_builtin_catalogue_has_a_validity_period() {
    let limits = Limits::default();
    let mut periods = BTreeMap::new();
    for id in Catalogue::builtin_ids() {
        let c = Catalogue::load(&id, &limits).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(c.info.valid_from.is_some(), "{id}: no valid_from");
        periods.insert(
            id,
            (c.info.valid_from(), c.info.valid_until, c.info.binding),
        );
    }
    assert_eq!(
        periods["de-2019"],
        (date("2019-10-09"), Some(date("2020-08-10")), false)
    );
    assert_eq!(
        periods["de-2024"],
        (date("2024-07-11"), Some(date("2025-12-05")), true)
    );
    assert_eq!(periods["de-2025"], (date("2025-12-06"), None, true));
    assert_eq!(periods["se-2020"], (date("2021-01-19"), None, true));
    assert_eq!(periods["uk-2022"], (date("2022-10-13"), None, true));
}

#[test]
fn picks_the_catalogue_in_force_on_a_date() {
    let limits = Limits::default();
    let pick = |j: &str, d: &str| Catalogue::in_force(j, date(d), &limits).expect("loads");
    assert_eq!(pick("DE", "2025-06-30").as_deref(), Some("de-2024"));
    assert_eq!(pick("DE", "2025-12-05").as_deref(), Some("de-2024"));
    assert_eq!(pick("DE", "2025-12-06").as_deref(), Some("de-2025"));
    assert_eq!(pick("de", "2026-06-01").as_deref(), Some("de-2025"));
    // The 2019 draft binds no one, and nothing built in covers 2020 - mid-2024.
    assert_eq!(pick("DE", "2019-12-01"), None);
    assert_eq!(pick("DE", "2023-01-01"), None);
    assert_eq!(pick("GB", "2024-01-01").as_deref(), Some("uk-2022"));
    assert_eq!(pick("GB", "2022-10-12"), None);
    assert_eq!(pick("FR", "2024-01-01"), None);
    assert_eq!(pick("SE", "2024-01-01").as_deref(), Some("se-2020"));
    assert_eq!(pick("SE", "2021-01-18"), None);
}

#[test]
fn warns_when_the_as_of_date_is_outside_the_validity_or_the_catalogue_binds_no_one() {
    let limits = Limits::default();
    let de2024 = Catalogue::load("de-2024", &limits).expect("loads");
    assert_eq!(de2024.info.validity_warning(date("2025-06-30")), None);
    assert_eq!(
        de2024.info.validity_warning(date("2026-01-15")).as_deref(),
        Some(
            "the as-of date 2026-01-15 is after catalogue de-2024 ceased to be valid (2025-12-05): the law it encodes was replaced"
        )
    );
    assert_eq!(
        de2024.info.validity_warning(date("2024-01-01")).as_deref(),
        Some("the as-of date 2024-01-01 is before catalogue de-2024 is valid (from 2024-07-11)")
    );
    let draft = Catalogue::load("de-2019", &limits).expect("loads");
    let w = draft
        .info
        .validity_warning(date("2019-12-01"))
        .expect("a draft always warns");
    assert!(w.starts_with("catalogue de-2019 is not binding"), "{w}");
}
