//! The impact of a catalogue change: every product assessed under both catalogues in the same
//! roles, the verdicts that change, the vendors newly excluded from a role and — with an
//! operator inventory — the elements of each operator affected. The inventory is joined by
//! distinct (vendor, product, version, role) class, never evaluated per element.

use std::collections::{BTreeMap, BTreeSet};

use netvet_model::impact::IMPACT_SCHEMA;
use netvet_model::{
    AffectedGroup, Assessment, Decision, Exclusion, ImpactReport, ImpactSummary, InventoryImpact,
    OperatorImpact, Role, UnmatchedClass, VerdictChange,
};

use crate::assess::{Evaluator, Inputs, evidence_warnings, jobs};
use crate::catalogue::Catalogue;
use crate::error::Result;
use crate::limits::Limits;
use crate::products::ProductSet;
use crate::shares::Shares;

/// An inventory's aggregates and what reading it saw.
pub struct InventoryInput<'a> {
    pub file: String,
    pub rows: u64,
    pub rejected_rows: u64,
    pub shares: &'a Shares,
}

/// Assesses every product under both catalogues and compares.
pub fn compare(
    from: &Catalogue,
    to: &Catalogue,
    inputs: &Inputs,
    inventory: Option<&InventoryInput>,
    limits: &Limits,
) -> Result<ImpactReport> {
    // Both catalogues assess the same placements: declared roles under the licences either
    // declares, so a placement is compared with itself.
    let licences = crate::assess::licences_of(&[from.licences(), to.licences()].concat());
    let jobs = jobs(inputs.products, inventory.map(|i| i.shares), &licences);
    let before = Evaluator::new(from, limits)?.run(inputs, &jobs)?;
    let after = Evaluator::new(to, limits)?.run(inputs, &jobs)?;
    Ok(report(from, to, inputs, inventory, &before, &after))
}

type Key<'a> = (&'a str, Role, crate::assess::Licences);

fn index(assessments: &[Assessment]) -> BTreeMap<Key<'_>, &Assessment> {
    assessments
        .iter()
        .map(|a| ((a.product.id.as_str(), a.role, a.licences.clone()), a))
        .collect()
}

fn report(
    from: &Catalogue,
    to: &Catalogue,
    inputs: &Inputs,
    inventory: Option<&InventoryInput>,
    before: &[Assessment],
    after: &[Assessment],
) -> ImpactReport {
    let old = index(before);
    let mut summary = ImpactSummary::default();
    let mut changes = Vec::new();
    let mut exclusions: BTreeMap<(String, Role), Exclusion> = BTreeMap::new();
    for a in after {
        let Some(b) = old.get(&(a.product.id.as_str(), a.role, a.licences.clone())) else {
            continue;
        };
        summary.assessed += 1;
        summary.from.add(b.verdict.decision);
        summary.to.add(a.verdict.decision);
        let (was, now) = (b.verdict.decision, a.verdict.decision);
        if was == now && b.verdict.deadline == a.verdict.deadline {
            continue;
        }
        summary.changed += 1;
        let old_grounds: BTreeSet<&str> = b
            .verdict
            .grounds
            .iter()
            .map(|g| g.requirement.as_str())
            .collect();
        let requirements: Vec<String> = a
            .verdict
            .grounds
            .iter()
            .filter(|g| !old_grounds.contains(g.requirement.as_str()))
            .map(|g| g.requirement.clone())
            .collect();
        if now == Decision::Prohibit && was != Decision::Prohibit {
            summary.newly_prohibited += 1;
            let e = exclusions
                .entry((a.product.vendor.clone(), a.role))
                .or_insert_with(|| Exclusion {
                    vendor: a.product.vendor.clone(),
                    vendor_name: a.product.vendor_name.clone(),
                    role: a.role,
                    products: Vec::new(),
                    deadline: a.verdict.deadline,
                    requirements: Vec::new(),
                });
            e.products.push(a.product.id.clone());
            e.deadline = match (e.deadline, a.verdict.deadline) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            };
            for r in &requirements {
                if !e.requirements.contains(r) {
                    e.requirements.push(r.clone());
                }
            }
        }
        if was == Decision::Prohibit && now != Decision::Prohibit {
            summary.no_longer_prohibited += 1;
        }
        changes.push(VerdictChange {
            product: (*a.product).clone(),
            role: a.role,
            from: was,
            to: now,
            from_deadline: b.verdict.deadline,
            to_deadline: a.verdict.deadline,
            requirements,
        });
    }
    let mut exclusions: Vec<Exclusion> = exclusions.into_values().collect();
    for e in &mut exclusions {
        e.products.sort();
        e.requirements.sort();
    }
    let inventory =
        inventory.map(|inv| inventory_impact(inputs.products, inv, &old, &index(after)));
    ImpactReport {
        schema: IMPACT_SCHEMA.to_string(),
        from: from.reference(),
        to: to.reference(),
        as_of: inputs.as_of,
        summary,
        changes,
        exclusions,
        inventory,
        warnings: evidence_warnings(inputs),
    }
}

fn inventory_impact(
    products: &ProductSet,
    inv: &InventoryInput,
    before: &BTreeMap<Key<'_>, &Assessment>,
    after: &BTreeMap<Key<'_>, &Assessment>,
) -> InventoryImpact {
    let mut operators: BTreeMap<&str, OperatorImpact> = inv
        .shares
        .operators
        .iter()
        .map(|(op, n)| {
            (
                op.as_str(),
                OperatorImpact {
                    operator: op.clone(),
                    elements: *n,
                    changed: 0,
                    newly_prohibited: 0,
                    unassessed: 0,
                    groups: Vec::new(),
                },
            )
        })
        .collect();
    let mut unmatched: netvet_model::ClassCounts = BTreeMap::new();
    for (class, per_operator) in &inv.shares.classes {
        let verdicts = inv.shares.product_of(products, class).and_then(|i| {
            let id = products.products[i].product.id.as_str();
            let licences = crate::assess::licences_of(&class.licences);
            Some((
                id,
                before.get(&(id, class.role, licences.clone()))?,
                after.get(&(id, class.role, licences))?,
            ))
        });
        let Some((id, b, a)) = verdicts else {
            let total: u64 = per_operator.values().map(|c| c.elements).sum();
            *unmatched
                .entry((
                    class.vendor.clone(),
                    class.product.clone(),
                    class.version.clone(),
                    class.role.function,
                ))
                .or_default() += total;
            for (op, c) in per_operator {
                if let Some(o) = operators.get_mut(op.as_str()) {
                    o.unassessed += c.elements;
                }
            }
            continue;
        };
        let (was, now) = (b.verdict.decision, a.verdict.decision);
        if was == now && b.verdict.deadline == a.verdict.deadline {
            continue;
        }
        for (op, c) in per_operator {
            let Some(o) = operators.get_mut(op.as_str()) else {
                continue;
            };
            o.changed += c.elements;
            if now == Decision::Prohibit && was != Decision::Prohibit {
                o.newly_prohibited += c.elements;
            }
            o.groups.push(AffectedGroup {
                vendor: a.product.vendor.clone(),
                product: id.to_string(),
                role: class.role,
                from: was,
                to: now,
                deadline: a.verdict.deadline,
                elements: c.elements,
                replacement_cost: c.cost,
                elements_without_cost: c.without_cost,
            });
        }
    }
    let mut operators: Vec<OperatorImpact> = operators.into_values().collect();
    for o in &mut operators {
        // Several inventory spellings of one product and role add up.
        let mut merged: BTreeMap<(String, String, Role), AffectedGroup> = BTreeMap::new();
        for g in o.groups.drain(..) {
            merged
                .entry((g.vendor.clone(), g.product.clone(), g.role))
                .and_modify(|m| {
                    m.elements += g.elements;
                    m.replacement_cost += g.replacement_cost;
                    m.elements_without_cost += g.elements_without_cost;
                })
                .or_insert(g);
        }
        o.groups = merged.into_values().collect();
    }
    InventoryImpact {
        file: inv.file.clone(),
        rows: inv.rows,
        rejected_rows: inv.rejected_rows,
        classes: inv.shares.classes.len() as u64,
        operators,
        unmatched: UnmatchedClass::from_counts(unmatched),
    }
}
