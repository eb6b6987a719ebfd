//! The network report: an inventory's groups joined with the assessments of their classes
//! (which the caller computes once per distinct product and role), the exposure metrics, and
//! the replacement plan for what is prohibited.

use std::collections::{BTreeMap, BTreeSet};

use netvet_model::exposure::NETWORK_SCHEMA;
use netvet_model::{
    Assessment, CatalogueRef, ClassVerdict, Decision, DeploymentClass, InventoryRead,
    NetworkReport, Quarter, ReplacementOption, Role, ShareRule, Status, UnmatchedClass,
};

use crate::error::Error;
use crate::exposure::{ClassStatus, GroupKey, Groups, Horizon, measure};
use crate::plan::{PlanConfig, PlanInput, plan};

/// Who a group's vendor and product are, as the caller's dossiers and product records say.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolution {
    /// Dossier id, or the inventory's spelling in lowercase when no dossier matched.
    pub vendor: String,
    pub vendor_name: String,
    pub known_vendor: bool,
    /// The product record's id, when one matched.
    pub product: Option<String>,
}

/// A requirement whose rule reads the inventory's shares.
#[derive(Clone, Debug)]
pub struct ShareRequirement {
    pub id: String,
    pub title: String,
}

/// What to plan, when a plan is wanted.
#[derive(Clone, Debug)]
pub struct PlanSettings {
    pub config: PlanConfig,
    /// The first quarter work can be scheduled in (the config's `start` wins).
    pub start: Quarter,
}

/// Everything the report is built from.
pub struct ReportInput<'a> {
    pub catalogue: CatalogueRef,
    pub horizon: Horizon,
    pub inventory: InventoryRead,
    pub groups: &'a Groups,
    /// Assessments of the products the inventory uses (and of replacement candidates).
    pub assessments: &'a [Assessment],
    pub share_requirements: &'a [ShareRequirement],
    pub plan: Option<PlanSettings>,
    pub warnings: Vec<String>,
}

/// Builds the report; `resolve` is called once per distinct (vendor, product, version, role).
pub fn build(
    input: ReportInput<'_>,
    mut resolve: impl FnMut(&GroupKey) -> Resolution,
) -> Result<NetworkReport, Error> {
    // A class is assessed in its role under the licences its elements are used under.
    let by_key: BTreeMap<(&str, Role, &[String]), &Assessment> = input
        .assessments
        .iter()
        .map(|a| ((a.product.id.as_str(), a.role, &*a.licences), a))
        .collect();
    // Each class's product record, when it matched one and that product was assessed in the role.
    let mut products: BTreeMap<DeploymentClass, Option<String>> = BTreeMap::new();
    let (totals, operators, resolved) = measure(
        input.groups,
        |k| {
            let r = resolve(k);
            let assessment = r.product.as_deref().and_then(|p| {
                by_key
                    .get(&(p, k.class.role, &k.class.licences[..]))
                    .copied()
            });
            products.insert(k.class.clone(), assessment.map(|a| a.product.id.clone()));
            ClassStatus {
                vendor: r.vendor,
                vendor_name: r.vendor_name,
                known_vendor: r.known_vendor,
                decision: assessment.map(|a| a.verdict.decision),
                deadline: assessment.and_then(|a| a.verdict.deadline),
            }
        },
        &input.horizon,
    );
    // (product id, role, licences) → elements, for the verdict table; classes without a
    // product, counted.
    let mut used: BTreeMap<(String, Role, Vec<String>), u64> = BTreeMap::new();
    let mut unmatched: netvet_model::ClassCounts = BTreeMap::new();
    for (k, c, _) in &resolved.groups {
        let class = &k.class;
        match products.get(class).cloned().flatten() {
            Some(p) => {
                *used
                    .entry((p, class.role, class.licences.clone()))
                    .or_default() += c.elements
            }
            None => {
                *unmatched
                    .entry((
                        class.vendor.clone(),
                        class.product.clone(),
                        class.version.clone(),
                        class.role.function,
                    ))
                    .or_default() += c.elements
            }
        }
    }
    let verdicts = used
        .iter()
        .filter_map(|((p, role, licences), n)| {
            let a = by_key.get(&(p.as_str(), *role, &licences[..]))?;
            Some(verdict(a, *n))
        })
        .collect();
    let share_rules = share_rules(
        input.share_requirements,
        used.keys().filter_map(|(p, role, licences)| {
            by_key.get(&(p.as_str(), *role, &licences[..])).copied()
        }),
    );
    let plan = match input.plan {
        Some(settings) => {
            let (demands, kept) =
                resolved.demands(input.horizon.as_of, |f| settings.config.default_cost(f));
            let replacements = replacements(&settings.config, input.assessments, &demands);
            Some(plan(&PlanInput {
                start: settings.config.start.unwrap_or(settings.start),
                demands,
                kept,
                capacities: settings
                    .config
                    .capacities(operators.iter().map(|o| o.operator.as_str())),
                replacements,
                max_vendor_share_percent: settings.config.max_vendor_share_percent,
                default_costs: settings.config.default_costs(),
            })?)
        }
        None => None,
    };
    Ok(NetworkReport {
        schema: NETWORK_SCHEMA.to_string(),
        catalogue: input.catalogue,
        as_of: input.horizon.as_of,
        near_days: input.horizon.near_days,
        inventory: InventoryRead {
            classes: products.len() as u64,
            ..input.inventory
        },
        totals,
        operators,
        verdicts,
        share_rules,
        unassessed: UnmatchedClass::from_counts(unmatched),
        plan,
        warnings: input.warnings,
    })
}

fn verdict(a: &Assessment, elements: u64) -> ClassVerdict {
    let grounds: BTreeSet<&str> = a
        .verdict
        .grounds
        .iter()
        .map(|g| g.requirement.as_str())
        .chain(a.verdict.conditions.iter().map(|c| c.requirement.as_str()))
        .chain(
            a.verdict
                .evidence_needed
                .iter()
                .map(|c| c.requirement.as_str()),
        )
        .collect();
    let reasons = a
        .requirements
        .iter()
        .filter(|r| grounds.contains(r.id.as_str()))
        .flat_map(|r| r.reasons.iter().cloned())
        .collect();
    ClassVerdict {
        product: (*a.product).clone(),
        role: a.role,
        licences: a.licences.to_vec(),
        decision: a.verdict.decision,
        deadline: a.verdict.deadline,
        legal_basis: a.verdict.legal_basis.clone(),
        grounds: a.verdict.grounds.clone(),
        conditions: a.verdict.conditions.clone(),
        evidence_needed: a.verdict.evidence_needed.clone(),
        reasons,
        elements,
    }
}

fn share_rules<'a>(
    requirements: &[ShareRequirement],
    assessments: impl Iterator<Item = &'a Assessment>,
) -> Vec<ShareRule> {
    let mut out = Vec::new();
    for a in assessments {
        for r in a.requirements.iter() {
            let Some(req) = requirements.iter().find(|q| q.id == r.id) else {
                continue;
            };
            if matches!(r.status, Status::Pass | Status::NotApplicable) {
                continue;
            }
            out.push(ShareRule {
                requirement: r.id.clone(),
                title: req.title.clone(),
                product: a.product.id.clone(),
                vendor: a.product.vendor.clone(),
                role: a.role,
                status: r.status,
                reasons: r.reasons.clone(),
            });
        }
    }
    out
}

/// The vendors that may replace each role that has demands. Without a configured list: every
/// vendor with a product the catalogue does not prohibit in the role (allowed, or allowed with
/// conditions). With one: its vendors, in the roles they name (or, naming none, where the
/// catalogue allows them); a vendor whose assessed products are all prohibited in a role is
/// never used there, and one with no product assessed in a role it names is taken at the
/// operator's word.
fn replacements(
    config: &PlanConfig,
    assessments: &[Assessment],
    demands: &[crate::plan::Demand],
) -> Vec<ReplacementOption> {
    let roles: BTreeSet<Role> = demands.iter().map(|d| d.role).collect();
    let mut allowed: BTreeMap<Role, BTreeSet<&str>> = BTreeMap::new();
    let mut assessed: BTreeSet<(Role, &str)> = BTreeSet::new();
    for a in assessments {
        assessed.insert((a.role, a.product.vendor.as_str()));
        if a.verdict.decision != Decision::Prohibit {
            allowed
                .entry(a.role)
                .or_default()
                .insert(a.product.vendor.as_str());
        }
    }
    let mut out = Vec::new();
    for role in roles {
        let vendors = allowed.get(&role);
        let is_allowed = |v: &str| vendors.is_some_and(|vs| vs.contains(v));
        if config.replacement.is_empty() {
            out.extend(vendors.into_iter().flatten().map(|v| ReplacementOption {
                role,
                vendor: v.to_string(),
                price_factor: 1.0,
            }));
            continue;
        }
        // An entry naming the role wins over one for every role.
        let mut chosen: BTreeMap<&str, (bool, f64)> = BTreeMap::new();
        for r in &config.replacement {
            let (usable, named) = match &r.roles {
                None => (is_allowed(&r.vendor), false),
                Some(rs) => (
                    rs.contains(&role)
                        && (is_allowed(&r.vendor)
                            || !assessed.contains(&(role, r.vendor.as_str()))),
                    true,
                ),
            };
            if usable
                && chosen
                    .get(r.vendor.as_str())
                    .is_none_or(|(n, _)| named && !n)
            {
                chosen.insert(r.vendor.as_str(), (named, r.price_factor));
            }
        }
        out.extend(
            chosen
                .into_iter()
                .map(|(v, (_, price_factor))| ReplacementOption {
                    role,
                    vendor: v.to_string(),
                    price_factor,
                }),
        );
    }
    out
}
