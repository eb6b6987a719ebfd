//! What every view of a network report says first, in the same words: the headline counts with
//! "conditional" split into missing evidence and conditions, what is overdue, what the plan
//! can still meet, and money with its currency in whole units.

use netvet_model::{Decision, NetworkReport, Plan};

use crate::terminal::counted;
use crate::text::{count, money};

/// The currency when none is configured.
pub const DEFAULT_CURRENCY: &str = "EUR";

/// A sum of money in whole units with grouped thousands and its currency (`15,974,754 EUR`).
pub fn money_in(x: f64, currency: &str) -> String {
    format!("{} {currency}", money(x))
}

/// What a plan is short of, for people: a budget shortfall with its sums in `currency`
/// (the plan computes in the inventory's units and does not know their currency); other
/// shortfalls as the plan words them.
pub fn shortfall(s: &netvet_model::exposure::Shortfall, currency: &str) -> String {
    if s.resource != "budget" {
        return s.message.clone();
    }
    let by = s.by.map(|q| format!(" by {q}")).unwrap_or_default();
    format!(
        "{}: replacements due{by} cost at least {}, the budget allows {} (short by {})",
        s.operator,
        money_in(s.needed, currency),
        money_in(s.available, currency),
        money_in((s.needed - s.available).max(0.0), currency)
    )
}

/// Conditional elements by what keeps them conditional.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConditionalSplit {
    /// Elements of classes whose verdict waits for evidence (requirements undecided for lack
    /// of it), with or without conditions besides.
    pub missing_evidence: u64,
    /// Elements of classes allowed under conditions only (nothing to supply, something to do).
    pub conditions_only: u64,
}

/// How the report's conditional elements split (from the verdicts of their classes).
pub fn conditional_split(r: &NetworkReport) -> ConditionalSplit {
    let mut split = ConditionalSplit::default();
    for v in r
        .verdicts
        .iter()
        .filter(|v| v.decision == Decision::AllowWithConditions)
    {
        if v.evidence_needed.is_empty() {
            split.conditions_only += v.elements;
        } else {
            split.missing_evidence += v.elements;
        }
    }
    split
}

/// "conditional N (P %): E missing evidence, C under conditions only".
pub fn conditional_sentence(r: &NetworkReport) -> String {
    let t = &r.totals;
    let s = conditional_split(r);
    format!(
        "conditional {} ({} %): {} missing evidence, {} under conditions only",
        count(t.conditional),
        t.conditional_percent,
        count(s.missing_evidence),
        count(s.conditions_only)
    )
}

/// "prohibited N (P %): D past their deadline, K due within N days".
pub fn prohibited_sentence(r: &NetworkReport) -> String {
    let t = &r.totals;
    format!(
        "prohibited {} ({} %): {} past their deadline, {} due within {}",
        count(t.prohibited),
        t.prohibited_percent,
        count(t.past_deadline),
        count(t.near_deadline),
        counted(r.near_days as usize, "day", "days")
    )
}

/// What the plan achieves, never claiming every deadline is met when some have passed:
/// "feasible: all 126 elements replaced by their deadlines", or "feasible for what can still
/// be met: 7 elements already overdue (…), the other 119 by their deadlines", or why not.
pub fn plan_sentence(p: &Plan) -> String {
    let overdue = p.overdue.min(p.elements);
    let rest = p.elements - overdue;
    let late = if overdue > 0 {
        format!(
            "{} already overdue (deadline passed before {}; scheduled first, in {})",
            counted(overdue as usize, "element is", "elements are"),
            p.start,
            p.start
        )
    } else {
        String::new()
    };
    match (p.feasible, overdue > 0) {
        (true, false) => format!(
            "feasible: {} replaced by {} deadline{}",
            if p.elements == 1 {
                "the 1 element".to_string()
            } else {
                format!("all {} elements", count(p.elements))
            },
            if p.elements == 1 { "its" } else { "their" },
            if p.elements == 1 { "" } else { "s" }
        ),
        (true, true) if rest == 0 => format!(
            "no deadline can be met any more: {} overdue (deadline passed before {}); the plan replaces {} first, in {}",
            if overdue == 1 {
                "the 1 element is".to_string()
            } else {
                format!("all {} elements are", count(overdue))
            },
            p.start,
            if overdue == 1 { "it" } else { "them" },
            p.start
        ),
        (true, true) => format!(
            "{late}; the other {} can still be replaced by their deadlines",
            count(rest)
        ),
        (false, false) => format!(
            "not feasible: the {} cannot all be replaced by their deadlines with the capacities given ({})",
            counted(p.elements as usize, "element", "elements"),
            counted(p.shortfalls.len(), "shortfall", "shortfalls")
        ),
        (false, true) if rest == 0 => format!(
            "not feasible: {late}, and they cannot all be replaced in {} with the capacities given ({})",
            p.start,
            counted(p.shortfalls.len(), "shortfall", "shortfalls")
        ),
        (false, true) => format!(
            "not feasible: {late}, and the other {} cannot all be replaced by their deadlines with the capacities given ({})",
            count(rest),
            counted(p.shortfalls.len(), "shortfall", "shortfalls")
        ),
    }
}

/// The cost of the plan with its currency, or why there is none.
pub fn plan_cost(p: &Plan, currency: &str) -> String {
    if p.feasible {
        let optimal = p.total_cost == p.lower_bound;
        format!(
            "cost {}{}",
            money_in(p.total_cost, currency),
            if optimal {
                " (optimal)".to_string()
            } else {
                format!(" (lower bound {})", money_in(p.lower_bound, currency))
            }
        )
    } else {
        "no cost: there is no feasible schedule".to_string()
    }
}

/// `text` with its first letter capitalised, for a sentence standing alone.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The summary every view starts with, one sentence a line (plain text; escape for markup).
pub fn headline(r: &NetworkReport, currency: &str) -> Vec<String> {
    let t = &r.totals;
    let mut lines = vec![
        format!(
            "{} of {} under {} ({} {}), as of {}",
            counted(t.elements as usize, "element", "elements"),
            counted(r.operators.len(), "operator", "operators"),
            r.catalogue.id,
            r.catalogue.jurisdiction,
            r.catalogue.version,
            r.as_of
        ),
        format!(
            "{}; {}; allowed {}; unassessed {}",
            prohibited_sentence(r),
            conditional_sentence(r),
            count(t.allowed),
            count(t.unassessed)
        ),
    ];
    let cost: f64 = r.operators.iter().map(|o| o.prohibited_cost).sum();
    let without: u64 = r.operators.iter().map(|o| o.prohibited_without_cost).sum();
    if t.prohibited > 0 {
        lines.push(format!(
            "replacing the prohibited elements costs {}{}",
            money_in(cost, currency),
            if without > 0 {
                format!(" (+{} without a stated cost)", count(without))
            } else {
                String::new()
            }
        ));
    }
    if let Some(p) = &r.plan {
        lines.push(format!(
            "replacement plan {} – {}: {}; {}",
            p.start,
            p.end,
            plan_sentence(p),
            plan_cost(p, currency)
        ));
    }
    lines
}

/// A class's role, and the licences its elements are used under when it names any
/// (`RAN:gNB under se-pts-3.5ghz-2021`): the licences' conditions bind it.
pub fn role_under_licences(v: &netvet_model::ClassVerdict) -> String {
    if v.licences.is_empty() {
        v.role.to_string()
    } else {
        format!("{} under {}", v.role, v.licences.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(feasible: bool, elements: u64, overdue: u64) -> Plan {
        serde_json::from_value(serde_json::json!({
            "feasible": feasible, "start": "2027-Q1", "end": "2029-Q4",
            "elements": elements, "total_cost": 1234567.89, "lower_bound": 1234567.89,
            "overdue": overdue, "steps": [], "quarters": [], "shortfalls": [],
            "assumptions": {"default_costs": [], "capacities": [], "replacements": [],
                            "max_vendor_share_percent": null}
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_plan_with_overdue_elements_never_claims_every_deadline() {
        assert_eq!(
            plan_sentence(&plan(true, 126, 0)),
            "feasible: all 126 elements replaced by their deadlines"
        );
        let s = plan_sentence(&plan(true, 126, 7));
        assert_eq!(
            s,
            "7 elements are already overdue (deadline passed before 2027-Q1; scheduled first, in 2027-Q1); the other 119 can still be replaced by their deadlines"
        );
        assert_eq!(
            plan_sentence(&plan(true, 7, 7)),
            "no deadline can be met any more: all 7 elements are overdue (deadline passed before 2027-Q1); the plan replaces them first, in 2027-Q1"
        );
        assert!(
            plan_sentence(&plan(false, 7199, 7199))
                .starts_with("not feasible: 7,199 elements are already overdue")
        );
        assert_eq!(
            plan_sentence(&plan(true, 1, 0)),
            "feasible: the 1 element replaced by its deadline"
        );
    }

    #[test]
    fn money_has_its_currency_and_no_cents() {
        assert_eq!(money_in(15_974_753.71, "EUR"), "15,974,754 EUR");
        assert_eq!(
            plan_cost(&plan(true, 1, 0), "USD"),
            "cost 1,234,568 USD (optimal)"
        );
        assert_eq!(
            plan_cost(&plan(false, 1, 0), "EUR"),
            "no cost: there is no feasible schedule"
        );
    }

    #[test]
    fn budget_shortfalls_carry_the_currency() {
        let s: netvet_model::exposure::Shortfall = serde_json::from_value(serde_json::json!({
            "operator": "Op A", "resource": "budget", "by": "2027-Q4",
            "needed": 1250000.4, "available": 1000000.0,
            "message": "Op A: replacements due by 2027-Q4 cost at least 1,250,000"
        }))
        .unwrap();
        assert_eq!(
            shortfall(&s, "GBP"),
            "Op A: replacements due by 2027-Q4 cost at least 1,250,000 GBP, the budget allows \
             1,000,000 GBP (short by 250,000 GBP)"
        );
        let crews = netvet_model::exposure::Shortfall {
            resource: "crews".into(),
            message: "Op A: 40 elements a quarter".into(),
            ..s
        };
        assert_eq!(shortfall(&crews, "GBP"), "Op A: 40 elements a quarter");
    }
}
