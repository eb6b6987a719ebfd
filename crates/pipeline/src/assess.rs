//! The assessment jobs: products against a catalogue, one requirement explained, the impact of
//! a catalogue change, and an operator network (inventory → deployment classes → assessments
//! → exposure and plan).

use netvet_model::explain::EXPLANATION_SCHEMA;
use netvet_model::{
    AssessmentReport, EvidenceKind, ExplainedResult, Explanation, ImpactReport, NetworkReport,
    Quarter, RuleFile,
};
use netvet_network::exposure::Horizon;
use netvet_network::plan::PlanConfig;
use netvet_network::report::{PlanSettings, ReportInput, Resolution, ShareRequirement, build};
use netvet_policy::impact::{InventoryInput, compare};
use netvet_policy::{Catalogue, Evaluator, Job, Licences, Limits, ProductSet, jobs, licences_of};

use crate::error::Error;
use crate::inputs::{Inventory, PolicyData};

/// The catalogue to assess under: the one named (a built-in id or a directory), or the
/// binding built-in catalogue of `jurisdiction` in force on `as_of`.
pub fn catalogue(
    spec: Option<&str>,
    jurisdiction: Option<&str>,
    as_of: netvet_model::Date,
    limits: &Limits,
) -> crate::Result<Catalogue> {
    let id = match (spec, jurisdiction) {
        (Some(spec), _) => spec.to_string(),
        (None, Some(j)) => Catalogue::in_force(j, as_of, limits)?.ok_or_else(|| {
            Error::Usage(format!(
                "no binding built-in catalogue of jurisdiction {j:?} is in force on {as_of}"
            ))
        })?,
        (None, None) => {
            return Err(Error::Usage(
                "name a catalogue (--catalogue) or a jurisdiction (--jurisdiction)".into(),
            ));
        }
    };
    Ok(Catalogue::load(&id, limits)?)
}

/// Which products to assess (empty lists: all).
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Product ids.
    pub products: Vec<String>,
    /// Vendor (dossier) ids.
    pub vendors: Vec<String>,
    /// The licences to assess products as used under (ids the catalogue declares); `None`:
    /// every licence the catalogue declares.
    pub licences: Option<Vec<String>>,
}

impl Selection {
    /// The licences to assess under: those selected, each one the catalogue declares, or
    /// every licence it declares.
    fn licences(&self, catalogue: &Catalogue) -> crate::Result<Licences> {
        let declared = catalogue.licences();
        let Some(chosen) = &self.licences else {
            return Ok(declared);
        };
        let chosen = licences_of(chosen);
        for id in chosen.iter() {
            if declared.binary_search(id).is_err() {
                return Err(Error::Usage(format!(
                    "catalogue {} declares no licence {id:?} (declared: {})",
                    catalogue.info.id,
                    if declared.is_empty() {
                        "none".to_string()
                    } else {
                        declared.join(", ")
                    }
                )));
            }
        }
        Ok(chosen)
    }

    /// Keeps only the jobs of the products selected; an unknown product id is an error.
    fn apply(&self, products: &ProductSet, jobs: &mut Vec<Job>) -> crate::Result<()> {
        for id in &self.products {
            if !products.products.iter().any(|p| &p.product.id == id) {
                return Err(Error::Usage(format!(
                    "no product {id:?} in {}",
                    products.root
                )));
            }
        }
        jobs.retain(|j| {
            let p = &products.products[j.product].product;
            (self.products.is_empty() || self.products.contains(&p.id))
                && (self.vendors.is_empty() || self.vendors.contains(&p.vendor))
        });
        Ok(())
    }
}

/// Assesses every selected product in every role it can take (and, with an inventory, the
/// roles it is deployed in).
pub fn assess(
    catalogue: &Catalogue,
    data: &PolicyData,
    inventory: Option<&Inventory>,
    selection: &Selection,
    limits: &Limits,
) -> crate::Result<AssessmentReport> {
    let inputs = data.inputs(inventory);
    let mut jobs = jobs(
        &data.products,
        inputs.shares,
        &selection.licences(catalogue)?,
    );
    selection.apply(&data.products, &mut jobs)?;
    let assessments = Evaluator::new(catalogue, limits)?.run(&inputs, &jobs)?;
    Ok(netvet_policy::assess::report(
        catalogue,
        &inputs,
        assessments,
    ))
}

/// One requirement of `catalogue`: its definition, its rule and its results in `report`.
pub fn explain(
    catalogue: &Catalogue,
    report: &AssessmentReport,
    id: &str,
) -> crate::Result<Explanation> {
    let Some(req) = catalogue.requirements.get(id) else {
        let known: Vec<&str> = catalogue.requirements.keys().map(String::as_str).collect();
        return Err(Error::Usage(format!(
            "no requirement {id:?} in catalogue {} (known: {})",
            catalogue.info.id,
            known.join(", ")
        )));
    };
    let rule = catalogue
        .policies
        .iter()
        .filter(|m| m.package == req.package)
        .map(|m| RuleFile {
            file: m.file.clone(),
            package: m.package.clone(),
            text: m.text.clone(),
        })
        .collect();
    let results = report
        .assessments
        .iter()
        .filter_map(|a| {
            let r = a.requirements.iter().find(|r| r.id == id)?;
            Some(ExplainedResult {
                product: a.product.id.clone(),
                vendor: a.product.vendor.clone(),
                role: a.role,
                critical: a.critical,
                status: r.status,
                reasons: r.reasons.clone(),
            })
        })
        .collect();
    Ok(Explanation {
        schema: EXPLANATION_SCHEMA.to_string(),
        catalogue: report.catalogue.clone(),
        as_of: report.as_of,
        requirement: req.requirement.clone(),
        defined_in: req.file.clone(),
        layer: req.layer.clone(),
        rule,
        results,
    })
}

/// What moving from catalogue `from` to `to` changes: verdicts, exclusions and, with an
/// inventory, the elements affected.
pub fn impact(
    from: &Catalogue,
    to: &Catalogue,
    data: &PolicyData,
    inventory: Option<&Inventory>,
    limits: &Limits,
) -> crate::Result<ImpactReport> {
    let inputs = data.inputs(inventory);
    let inv = inventory.map(|i| InventoryInput {
        file: i.file.clone(),
        rows: i.rows,
        rejected_rows: i.rejected,
        shares: &i.shares,
    });
    Ok(compare(from, to, &inputs, inv.as_ref(), limits)?)
}

/// Assesses every product the inventory uses (and the candidates that could replace them)
/// once per deployment class, then measures exposure and plans the replacements.
pub fn network(
    catalogue: &Catalogue,
    data: &PolicyData,
    inventory: &Inventory,
    plan: Option<PlanConfig>,
    near_days: u32,
    limits: &Limits,
) -> crate::Result<NetworkReport> {
    let inputs = data.inputs(Some(inventory));
    let jobs = jobs(
        &data.products,
        Some(&inventory.shares),
        &catalogue.licences(),
    );
    let assessments = Evaluator::new(catalogue, limits)?.run(&inputs, &jobs)?;
    let share_requirements: Vec<ShareRequirement> = catalogue
        .requirements
        .values()
        .filter(|r| {
            r.requirement
                .evidence
                .contains(&EvidenceKind::InventoryShares)
        })
        .map(|r| ShareRequirement {
            id: r.requirement.id.clone(),
            title: r.requirement.title.clone(),
        })
        .collect();
    let mut warnings = netvet_policy::assess::evidence_warnings(&inputs);
    warnings.extend(licence_warnings(catalogue, inventory));
    if inventory.rejected > 0 {
        warnings.push(format!(
            "{}: {} of {} rows rejected (see the warnings above)",
            inventory.file, inventory.rejected, inventory.rows
        ));
    }
    let input = ReportInput {
        catalogue: catalogue.reference(),
        horizon: Horizon {
            as_of: data.as_of,
            near_days,
        },
        inventory: netvet_model::InventoryRead {
            file: inventory.file.clone(),
            rows: inventory.rows,
            accepted: inventory.accepted,
            rejected: inventory.rejected,
            classes: 0,
        },
        groups: &inventory.groups,
        assessments: &assessments,
        share_requirements: &share_requirements,
        plan: plan.map(|config| PlanSettings {
            config,
            start: Quarter::of(data.as_of),
        }),
        warnings,
    };
    let shares = &inventory.shares;
    let report = build(input, |k| {
        let class = &k.class;
        let dossier = shares
            .vendor_id(&class.vendor)
            .and_then(|id| data.dossiers.find_vendor(id));
        Resolution {
            vendor: dossier
                .map(|d| d.dossier.vendor.id.clone())
                .unwrap_or_else(|| class.vendor.trim().to_lowercase()),
            vendor_name: dossier
                .map(|d| d.dossier.vendor.name.clone())
                .unwrap_or_else(|| class.vendor.clone()),
            known_vendor: dossier.is_some(),
            product: shares
                .product_of(&data.products, class)
                .map(|i| data.products.products[i].product.id.clone()),
        }
    })?;
    Ok(report)
}

/// What an inventory says of the catalogue's licences: licences it names that the catalogue
/// does not declare (their elements are judged as under no licence), and licence conditions
/// that bind no element because no row names their licence.
fn licence_warnings(catalogue: &Catalogue, inventory: &Inventory) -> Vec<String> {
    let declared = catalogue.licences();
    let mut named: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for (class, per_operator) in &inventory.shares.classes {
        let n: u64 = per_operator.values().map(|c| c.elements).sum();
        for l in &class.licences {
            *named.entry(l.as_str()).or_default() += n;
        }
    }
    let mut out = Vec::new();
    for (l, n) in &named {
        if declared.binary_search_by(|d| d.as_str().cmp(l)).is_err() {
            out.push(format!(
                "{}: {n} elements name licence {l:?}, which catalogue {} does not declare (declared: {}); its conditions are not judged",
                inventory.file,
                catalogue.info.id,
                if declared.is_empty() { "none".to_string() } else { declared.join(", ") }
            ));
        }
    }
    // A licence condition binds nothing when no element names any of its licences.
    let unbound: Vec<&str> = catalogue
        .requirements
        .values()
        .filter(|r| {
            let ls = &r.requirement.scope.licences;
            !ls.is_empty() && !ls.iter().any(|l| named.contains_key(l.as_str()))
        })
        .map(|r| r.requirement.id.as_str())
        .collect();
    if !unbound.is_empty() {
        out.push(format!(
            "{}: no element names a licence of the licence conditions {} (column `licences`), so they bind none",
            inventory.file,
            unbound.join(", ")
        ));
    }
    out
}
