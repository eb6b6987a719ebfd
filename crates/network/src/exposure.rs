//! Exposure of operator networks: each inventory row lands in a group of identical elements
//! (operator, region, role, vendor, product, version), the caller says once per group what the
//! catalogue decided for its class, and the metrics — shares of prohibited and conditional
//! elements, vendor shares, Herfindahl–Hirschman index, single-vendor dependencies, deadlines —
//! are computed over the groups, never per element.

use std::collections::{BTreeMap, HashMap};

use netvet_model::exposure::percent;
use netvet_model::{
    Date, Decision, DeploymentClass, Dimension, Exposure, InventoryElement, OperatorExposure, Role,
    Slice, VendorShare,
};

use crate::plan::{Demand, Kept};

/// Elements that are alike for every metric: same operator, region, role and class.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKey {
    pub operator: String,
    pub region: String,
    /// The vendor, product and version as the inventory writes them, and the role.
    pub class: DeploymentClass,
}

/// Elements of one group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupCount {
    pub elements: u64,
    /// Summed stated replacement costs.
    pub cost: f64,
    /// Elements without a stated cost.
    pub without_cost: u64,
}

/// An inventory folded into groups.
#[derive(Debug, Default)]
pub struct Groups {
    groups: HashMap<GroupKey, GroupCount>,
}

impl Groups {
    /// Adds one element.
    pub fn add(&mut self, e: InventoryElement) {
        let role = e.role();
        let count = self
            .groups
            .entry(GroupKey {
                operator: e.operator,
                region: e.region,
                class: DeploymentClass {
                    vendor: e.vendor,
                    product: e.product,
                    version: e.version,
                    role,
                    licences: e.licences,
                },
            })
            .or_default();
        count.elements += 1;
        match e.replacement_cost {
            Some(c) => count.cost += c,
            None => count.without_cost += 1,
        }
    }

    /// The groups in key order.
    pub fn sorted(&self) -> Vec<(&GroupKey, &GroupCount)> {
        let mut v: Vec<_> = self.groups.iter().collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// What the catalogue says of a group's class, as the caller resolved it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassStatus {
    /// Dossier id, or the inventory's spelling in lowercase when no dossier matched.
    pub vendor: String,
    pub vendor_name: String,
    pub known_vendor: bool,
    /// `None`: no product record matched (unassessed).
    pub decision: Option<Decision>,
    /// For a prohibition: the date it applies from.
    pub deadline: Option<Date>,
}

/// When elements count as near their deadline, and the day everything is judged on.
#[derive(Clone, Copy, Debug)]
pub struct Horizon {
    pub as_of: Date,
    pub near_days: u32,
}

impl Horizon {
    fn near_limit(&self) -> Date {
        Date::from_unix_days(self.as_of.unix_days() + i64::from(self.near_days))
    }
}

#[derive(Default)]
struct Counter {
    exposure: Exposure,
    vendors: BTreeMap<String, (String, bool, VendorTally)>,
}

#[derive(Default)]
struct VendorTally {
    elements: u64,
    prohibited: u64,
    conditional: u64,
}

impl Counter {
    fn add(&mut self, n: u64, s: &ClassStatus, horizon: &Horizon) {
        add_to(&mut self.exposure, n, s, horizon);
        let v = self.vendors.entry(s.vendor.clone()).or_insert_with(|| {
            (
                s.vendor_name.clone(),
                s.known_vendor,
                VendorTally::default(),
            )
        });
        v.2.elements += n;
        match s.decision {
            Some(Decision::Prohibit) => v.2.prohibited += n,
            Some(Decision::AllowWithConditions) => v.2.conditional += n,
            _ => {}
        }
    }

    fn slice(self, dimension: Dimension, key: String) -> Slice {
        let total = self.exposure.elements;
        let mut vendors: Vec<VendorShare> = self
            .vendors
            .into_iter()
            .map(|(vendor, (vendor_name, known, t))| VendorShare {
                vendor,
                vendor_name,
                known,
                elements: t.elements,
                share_percent: percent(t.elements, total),
                prohibited: t.prohibited,
                conditional: t.conditional,
            })
            .collect();
        vendors.sort_by(|a, b| b.elements.cmp(&a.elements).then(a.vendor.cmp(&b.vendor)));
        let single_vendor = (vendors.len() == 1 && total >= 2).then(|| vendors[0].vendor.clone());
        Slice {
            dimension,
            key,
            exposure: finish(self.exposure),
            hhi: hhi(vendors.iter().map(|v| v.elements), total),
            vendors,
            single_vendor,
        }
    }
}

fn add_to(x: &mut Exposure, n: u64, s: &ClassStatus, horizon: &Horizon) {
    x.elements += n;
    match s.decision {
        None => x.unassessed += n,
        Some(Decision::Allow) => x.allowed += n,
        Some(Decision::AllowWithConditions) => x.conditional += n,
        Some(Decision::Prohibit) => {
            x.prohibited += n;
            match s.deadline {
                // A prohibition without a date applies now.
                None => x.past_deadline += n,
                Some(d) if d <= horizon.as_of => x.past_deadline += n,
                Some(d) if d <= horizon.near_limit() => x.near_deadline += n,
                Some(_) => {}
            }
        }
    }
}

fn finish(mut x: Exposure) -> Exposure {
    x.prohibited_percent = percent(x.prohibited, x.elements);
    x.conditional_percent = percent(x.conditional, x.elements);
    x
}

/// Herfindahl–Hirschman index of the shares `counts / total`, in percent squared (0–10 000),
/// rounded to a whole number.
pub fn hhi(counts: impl Iterator<Item = u64>, total: u64) -> f64 {
    if total == 0 {
        return 0.0;
    }
    let sum: f64 = counts
        .map(|c| {
            let s = c as f64 * 100.0 / total as f64;
            s * s
        })
        .sum();
    sum.round()
}

/// The metrics of every operator and of the whole inventory. `status` is called once per
/// distinct (vendor, product, version, role) class.
pub fn measure(
    groups: &Groups,
    mut status: impl FnMut(&GroupKey) -> ClassStatus,
    horizon: &Horizon,
) -> (Exposure, Vec<OperatorExposure>, Resolved) {
    let mut totals = Exposure::default();
    let mut operators: BTreeMap<&str, OperatorCounters> = BTreeMap::new();
    let mut memo: HashMap<&DeploymentClass, ClassStatus> = HashMap::new();
    let mut resolved = Vec::with_capacity(groups.len());
    for (k, c) in groups.sorted() {
        let s = memo.entry(&k.class).or_insert_with(|| status(k)).clone();
        add_to(&mut totals, c.elements, &s, horizon);
        let o = operators.entry(&k.operator).or_default();
        o.exposure.add(c.elements, &s, horizon);
        if s.decision == Some(Decision::Prohibit) {
            o.prohibited_cost += c.cost;
            o.prohibited_without_cost += c.without_cost;
        }
        o.domains
            .entry(k.class.role.domain.to_string())
            .or_default()
            .add(c.elements, &s, horizon);
        o.functions
            .entry(k.class.role.to_string())
            .or_default()
            .add(c.elements, &s, horizon);
        o.regions
            .entry(k.region.clone())
            .or_default()
            .add(c.elements, &s, horizon);
        resolved.push((k.clone(), c.clone(), s));
    }
    let operators = operators
        .into_iter()
        .map(|(name, o)| {
            let mut slices = Vec::new();
            for (dim, map) in [
                (Dimension::Domain, o.domains),
                (Dimension::Function, o.functions),
                (Dimension::Region, o.regions),
            ] {
                slices.extend(map.into_iter().map(|(key, c)| c.slice(dim, key)));
            }
            OperatorExposure {
                operator: name.to_string(),
                exposure: finish(o.exposure.exposure),
                prohibited_cost: (o.prohibited_cost * 100.0).round() / 100.0,
                prohibited_without_cost: o.prohibited_without_cost,
                slices,
            }
        })
        .collect();
    (finish(totals), operators, Resolved { groups: resolved })
}

#[derive(Default)]
struct OperatorCounters {
    exposure: Counter,
    prohibited_cost: f64,
    prohibited_without_cost: u64,
    domains: BTreeMap<String, Counter>,
    functions: BTreeMap<String, Counter>,
    regions: BTreeMap<String, Counter>,
}

/// Every group with its class status, in key order: what the plan is built from.
#[derive(Debug, Default)]
pub struct Resolved {
    pub groups: Vec<(GroupKey, GroupCount, ClassStatus)>,
}

impl Resolved {
    /// The prohibited elements as demands — one per (operator, role, vendor, deadline) — with
    /// their cost (stated, else `default_cost` of the function), and the elements that stay,
    /// per (operator, domain, vendor). A prohibition without a date is due at `as_of`.
    pub fn demands(
        &self,
        as_of: Date,
        default_cost: impl Fn(netvet_model::NetworkFunction) -> f64,
    ) -> (Vec<Demand>, Vec<Kept>) {
        let mut demands: BTreeMap<(String, Role, String, Date), (u64, f64)> = BTreeMap::new();
        let mut kept: BTreeMap<(String, netvet_model::Domain, String), u64> = BTreeMap::new();
        for (k, c, s) in &self.groups {
            if s.decision == Some(Decision::Prohibit) {
                let deadline = s.deadline.unwrap_or(as_of);
                let d = demands
                    .entry((k.operator.clone(), k.class.role, s.vendor.clone(), deadline))
                    .or_default();
                d.0 += c.elements;
                d.1 += c.cost + c.without_cost as f64 * default_cost(k.class.role.function);
            } else {
                *kept
                    .entry((k.operator.clone(), k.class.role.domain, s.vendor.clone()))
                    .or_default() += c.elements;
            }
        }
        (
            demands
                .into_iter()
                .map(
                    |((operator, role, from_vendor, deadline), (elements, cost))| Demand {
                        operator,
                        role,
                        from_vendor,
                        elements,
                        cost,
                        deadline,
                    },
                )
                .collect(),
            kept.into_iter()
                .map(|((operator, domain, vendor), elements)| Kept {
                    operator,
                    domain,
                    vendor,
                    elements,
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netvet_model::{Domain, NetworkFunction};

    fn element(
        op: &str,
        id: &str,
        region: &str,
        f: NetworkFunction,
        vendor: &str,
    ) -> InventoryElement {
        InventoryElement {
            operator: op.into(),
            element_id: id.into(),
            site: "s".into(),
            region: region.into(),
            domain: f.domains()[0],
            function: f,
            vendor: vendor.into(),
            product: format!("{vendor}-p"),
            version: "1".into(),
            installation_date: Date::new(2020, 1, 1).expect("date"),
            replacement_cost: Some(10.0),
            licences: vec![],
        }
    }

    fn status(k: &GroupKey) -> ClassStatus {
        let (decision, deadline) = match k.class.vendor.as_str() {
            "H" => (Some(Decision::Prohibit), Date::new(2027, 6, 30)),
            "Z" => (Some(Decision::Prohibit), Date::new(2026, 1, 1)),
            "C" => (Some(Decision::AllowWithConditions), None),
            "U" => (None, None),
            _ => (Some(Decision::Allow), None),
        };
        ClassStatus {
            vendor: k.class.vendor.to_lowercase(),
            vendor_name: k.class.vendor.clone(),
            known_vendor: decision.is_some(),
            decision,
            deadline,
        }
    }

    #[test]
    fn measures_shares_hhi_deadlines_and_single_vendors() {
        let mut g = Groups::default();
        let rows = [
            ("A", "North", NetworkFunction::Gnb, "H", 6),
            ("A", "North", NetworkFunction::Gnb, "E", 2),
            ("A", "South", NetworkFunction::Gnb, "E", 2),
            ("A", "South", NetworkFunction::Amf, "Z", 3),
            ("A", "South", NetworkFunction::Ems, "C", 1),
            ("A", "South", NetworkFunction::Router, "U", 2),
        ];
        let mut n = 0;
        for (op, region, f, vendor, count) in rows {
            for _ in 0..count {
                n += 1;
                g.add(element(op, &n.to_string(), region, f, vendor));
            }
        }
        let horizon = Horizon {
            as_of: Date::new(2026, 12, 2).expect("date"),
            near_days: 365,
        };
        let (totals, ops, resolved) = measure(&g, status, &horizon);
        assert_eq!(totals.elements, 16);
        assert_eq!(totals.prohibited, 9);
        assert_eq!(totals.past_deadline, 3, "Z's deadline passed");
        assert_eq!(totals.near_deadline, 6, "H's deadline is within a year");
        assert_eq!(totals.conditional, 1);
        assert_eq!(totals.unassessed, 2);
        assert_eq!(totals.allowed, 4);
        assert_eq!(totals.prohibited_percent, 56.3);
        let a = &ops[0];
        assert_eq!(a.prohibited_cost, 90.0);
        let ran = a
            .slices
            .iter()
            .find(|s| s.dimension == Dimension::Domain && s.key == "RAN")
            .expect("RAN slice");
        assert_eq!(ran.exposure.elements, 10);
        assert_eq!(ran.vendors[0].vendor, "h");
        assert_eq!(ran.vendors[0].share_percent, 60.0);
        // 60² + 40²
        assert_eq!(ran.hhi, 5200.0);
        assert_eq!(ran.single_vendor, None);
        let amf = a
            .slices
            .iter()
            .find(|s| s.key == "core:AMF")
            .expect("AMF slice");
        assert_eq!(amf.single_vendor.as_deref(), Some("z"));
        assert_eq!(amf.hhi, 10_000.0);
        let regions: Vec<&str> = a
            .slices
            .iter()
            .filter(|s| s.dimension == Dimension::Region)
            .map(|s| s.key.as_str())
            .collect();
        assert_eq!(regions, ["North", "South"]);

        let (demands, kept) = resolved.demands(horizon.as_of, |_| 99.0);
        assert_eq!(demands.len(), 2);
        assert_eq!(demands[0].role.function, NetworkFunction::Gnb);
        assert_eq!(demands[0].elements, 6);
        assert_eq!(demands[0].cost, 60.0);
        let kept_ran: u64 = kept
            .iter()
            .filter(|k| k.domain == Domain::Ran)
            .map(|k| k.elements)
            .sum();
        assert_eq!(kept_ran, 4);
    }

    #[test]
    fn day_numbers_round_trip() {
        for d in [(1970, 1, 1), (2000, 2, 29), (2026, 12, 31), (2100, 3, 1)] {
            let date = Date::new(d.0, d.1, d.2).expect("date");
            assert_eq!(Date::from_unix_days(date.unix_days()), date);
        }
        assert_eq!(Date::new(1970, 1, 2).expect("date").unix_days(), 1);
    }

    #[test]
    fn hhi_of_equal_shares() {
        assert_eq!(hhi([1u64, 1, 1, 1].into_iter(), 4), 2500.0);
        assert_eq!(hhi(std::iter::empty(), 0), 0.0);
    }
}
