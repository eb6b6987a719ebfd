//! The data netvet decides with: requirements catalogues (list, validate, test) and vendor
//! dossiers (validate, summarise).

use std::collections::BTreeMap;
use std::path::Path;

use netvet_model::summaries::{
    CATALOGUE_CHECK_SCHEMA, CATALOGUE_LIST_SCHEMA, CATALOGUE_TESTS_SCHEMA, DOSSIER_CHECK_SCHEMA,
};
use netvet_model::{
    CatalogueCheck, CatalogueList, CatalogueSummary, CatalogueTests, DossierCheck, LayerTests,
    RequirementSummary, TestResult, VendorSummary,
};
use netvet_policy::files::FileSet;
use netvet_policy::{Catalogue, DossierSet, Limits, run_tests};

/// A catalogue and its requirements.
pub fn summarise(c: &Catalogue) -> CatalogueSummary {
    CatalogueSummary {
        reference: c.reference(),
        legal_basis: c.info.legal_basis.clone(),
        licences: c.info.licences.clone(),
        requirements: c
            .requirements
            .values()
            .map(|r| RequirementSummary {
                id: r.requirement.id.clone(),
                title: r.requirement.title.clone(),
                consequence: r.requirement.consequence,
                deadline: r.requirement.deadline,
                layer: r.layer.clone(),
                file: r.file.clone(),
                decided_per: if netvet_policy::assess::per_vendor(r) {
                    "vendor"
                } else {
                    "product"
                }
                .to_string(),
                input_reads: r.input_reads.as_ref().map(|s| s.iter().cloned().collect()),
                licences: r.requirement.scope.licences.clone(),
            })
            .collect(),
    }
}

/// The built-in catalogues.
pub fn list(limits: &Limits) -> crate::Result<CatalogueList> {
    let catalogues = Catalogue::builtin_ids()
        .iter()
        .map(|id| Catalogue::load(id, limits).map(|c| summarise(&c)))
        .collect::<Result<_, _>>()?;
    Ok(CatalogueList {
        schema: CATALOGUE_LIST_SCHEMA.to_string(),
        catalogues,
    })
}

/// Loads and validates a catalogue (and the ones it extends); compiling runs every rule
/// once, so runtime errors surface here too.
pub fn check(spec: &str, limits: &Limits) -> crate::Result<CatalogueCheck> {
    checked(Catalogue::load(spec, limits)?, limits)
}

/// [`check`] of a catalogue held in memory (an overlay uploaded to the service; it extends
/// built-in catalogues only).
pub fn check_files(files: FileSet, limits: &Limits) -> crate::Result<CatalogueCheck> {
    checked(Catalogue::load_files(files, limits)?, limits)
}

fn checked(c: Catalogue, limits: &Limits) -> crate::Result<CatalogueCheck> {
    netvet_policy::Evaluator::new(&c, limits)?;
    Ok(CatalogueCheck {
        schema: CATALOGUE_CHECK_SCHEMA.to_string(),
        summary: summarise(&c),
    })
}

/// Runs the Rego tests of a catalogue and of each catalogue it extends.
pub fn test(spec: &str, limits: &Limits) -> crate::Result<CatalogueTests> {
    tested(Catalogue::load_layers(spec, limits)?, limits)
}

/// [`test`] of a catalogue held in memory.
pub fn test_files(files: FileSet, limits: &Limits) -> crate::Result<CatalogueTests> {
    tested(Catalogue::load_layers_files(files, limits)?, limits)
}

fn tested(layers: Vec<Catalogue>, limits: &Limits) -> crate::Result<CatalogueTests> {
    let mut doc = CatalogueTests {
        schema: CATALOGUE_TESTS_SCHEMA.to_string(),
        catalogues: Vec::new(),
        passed: true,
    };
    for layer in layers {
        let report = run_tests(&layer, limits)?;
        doc.passed &= report.passed();
        doc.catalogues.push(LayerTests {
            catalogue: report.catalogue.clone(),
            untested_requirements: report.untested.clone(),
            tests: report
                .outcomes
                .into_iter()
                .map(|o| TestResult {
                    passed: o.failure.is_none(),
                    rule: o.rule,
                    file: o.file,
                    line: o.line,
                    failure: o.failure,
                })
                .collect(),
        });
    }
    Ok(doc)
}

/// Validates the dossiers in `dir` (default: the built-in ones) and summarises how well each
/// vendor's facts are sourced.
pub fn check_dossiers(dir: Option<&Path>, limits: &Limits) -> crate::Result<DossierCheck> {
    Ok(summarise_dossiers(&DossierSet::load(dir, limits)?))
}

/// Validates a set of dossier files held in memory (the service's stored dossiers) exactly as
/// [`check_dossiers`] validates a directory, and summarises them.
pub fn check_dossier_files(files: &FileSet) -> crate::Result<(DossierSet, DossierCheck)> {
    let set = DossierSet::from_files(files)?;
    let summary = summarise_dossiers(&set);
    Ok((set, summary))
}

fn summarise_dossiers(set: &DossierSet) -> DossierCheck {
    DossierCheck {
        schema: DOSSIER_CHECK_SCHEMA.to_string(),
        root: set.root.clone(),
        vendors: set
            .vendors
            .values()
            .map(|d| {
                let mut by_status = BTreeMap::new();
                for f in &d.dossier.facts {
                    *by_status.entry(f.status).or_insert(0) += 1;
                }
                let v = &d.dossier.vendor;
                VendorSummary {
                    id: v.id.clone(),
                    name: v.name.clone(),
                    jurisdiction: v.jurisdiction.clone(),
                    fictional: v.fictional,
                    facts: d.dossier.facts.len(),
                    by_status,
                    file: d.file.clone(),
                }
            })
            .collect(),
        jurisdictions: set.jurisdictions.keys().cloned().collect(),
    }
}
