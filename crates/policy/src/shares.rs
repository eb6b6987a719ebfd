//! Joining an operator inventory with the dossiers and product records: element counts per
//! distinct (vendor, product, version, role) class and operator, and each vendor's share of
//! every operator's domains and functions (the evidence of diversity and share-cap rules).
//! Built in one pass over the rows; nothing per element is kept.

use std::collections::{BTreeMap, HashMap};

use netvet_model::{DeploymentClass, Domain, InventoryElement, NetworkFunction};
use serde_json::json;

use crate::dossiers::DossierSet;
use crate::products::ProductSet;

/// Elements of one class at one operator.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClassCount {
    pub elements: u64,
    pub cost: f64,
    pub without_cost: u64,
}

/// Aggregates of one inventory.
#[derive(Debug, Default)]
pub struct Shares {
    /// Class → operator → count.
    pub classes: BTreeMap<DeploymentClass, BTreeMap<String, ClassCount>>,
    /// Operator → valid elements.
    pub operators: BTreeMap<String, u64>,
    domain_totals: HashMap<(String, Domain), u64>,
    function_totals: HashMap<(String, NetworkFunction), u64>,
    /// (vendor id, operator, domain) → elements; only vendors with a dossier.
    vendor_domain: BTreeMap<(String, String, Domain), u64>,
    vendor_function: BTreeMap<(String, String, NetworkFunction), u64>,
    /// Vendor text (lowercase) → dossier id, memoised.
    vendor_ids: HashMap<String, Option<String>>,
}

impl Shares {
    /// Adds one element.
    pub fn add(&mut self, e: InventoryElement, dossiers: &DossierSet) {
        let role = e.role();
        let count = ClassCount {
            elements: 1,
            cost: e.replacement_cost.unwrap_or(0.0),
            without_cost: u64::from(e.replacement_cost.is_none()),
        };
        let class = DeploymentClass {
            vendor: e.vendor,
            product: e.product,
            version: e.version,
            role,
            licences: e.licences,
        };
        self.add_count(&e.operator, class, &count, dossiers);
    }

    /// Adds `count` elements of one class at one operator.
    pub fn add_count(
        &mut self,
        operator: &str,
        class: DeploymentClass,
        count: &ClassCount,
        dossiers: &DossierSet,
    ) {
        let n = count.elements;
        let role = class.role;
        *self.operators.entry(operator.to_string()).or_default() += n;
        *self
            .domain_totals
            .entry((operator.to_string(), role.domain))
            .or_default() += n;
        *self
            .function_totals
            .entry((operator.to_string(), role.function))
            .or_default() += n;
        let lower = class.vendor.to_lowercase();
        let id = self
            .vendor_ids
            .entry(lower)
            .or_insert_with(|| {
                dossiers
                    .find_vendor(&class.vendor)
                    .map(|d| d.dossier.vendor.id.clone())
            })
            .clone();
        if let Some(id) = id {
            *self
                .vendor_domain
                .entry((id.clone(), operator.to_string(), role.domain))
                .or_default() += n;
            *self
                .vendor_function
                .entry((id, operator.to_string(), role.function))
                .or_default() += n;
        }
        let c = self
            .classes
            .entry(class)
            .or_default()
            .entry(operator.to_string())
            .or_default();
        c.elements += n;
        c.cost += count.cost;
        c.without_cost += count.without_cost;
    }

    /// The dossier id the inventory's vendor text matched, if any.
    pub fn vendor_id(&self, vendor: &str) -> Option<&str> {
        self.vendor_ids.get(&vendor.to_lowercase())?.as_deref()
    }

    /// The index of the product record an inventory class refers to: same vendor (by dossier),
    /// same product (by id, name or alias) and a record covering the version (an exact version
    /// before `*`).
    pub fn product_of(&self, products: &ProductSet, class: &DeploymentClass) -> Option<usize> {
        let vendor = self.vendor_id(&class.vendor)?;
        let name = class.product.trim();
        let mut best: Option<(usize, bool)> = None;
        for (i, p) in products.products.iter().enumerate() {
            let p = &p.product;
            let named = p.id.eq_ignore_ascii_case(name)
                || p.name.eq_ignore_ascii_case(name)
                || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(name));
            if p.vendor != vendor || !named || !p.covers_version(&class.version) {
                continue;
            }
            let exact = p.version == class.version;
            if best.is_none_or(|(_, e)| exact && !e) {
                best = Some((i, exact));
            }
        }
        best.map(|(i, _)| i)
    }

    /// `input.network` for a vendor's products: per operator where the vendor has elements,
    /// its element counts and shares (percent, one decimal) by domain and by function.
    pub fn vendor_json(&self, vendor: &str) -> serde_json::Value {
        let mut operators: BTreeMap<&str, serde_json::Map<String, serde_json::Value>> =
            BTreeMap::new();
        let pct = |n: u64, total: u64| ((n as f64) * 1000.0 / (total.max(1) as f64)).round() / 10.0;
        for ((v, op, d), n) in &self.vendor_domain {
            if v != vendor {
                continue;
            }
            let total = self
                .domain_totals
                .get(&(op.clone(), *d))
                .copied()
                .unwrap_or(0);
            let entry = operators.entry(op).or_default();
            entry
                .entry("domains")
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .map(|m| {
                    m.insert(
                        d.as_str().to_string(),
                        json!({"elements": n, "total": total, "share_percent": pct(*n, total)}),
                    )
                });
        }
        for ((v, op, f), n) in &self.vendor_function {
            if v != vendor {
                continue;
            }
            let total = self
                .function_totals
                .get(&(op.clone(), *f))
                .copied()
                .unwrap_or(0);
            let entry = operators.entry(op).or_default();
            entry
                .entry("functions")
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .map(|m| {
                    m.insert(
                        f.as_str().to_string(),
                        json!({"elements": n, "total": total, "share_percent": pct(*n, total)}),
                    )
                });
        }
        let ops: serde_json::Map<String, serde_json::Value> = operators
            .into_iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::Object(v)))
            .collect();
        json!({"operators": ops})
    }
}
