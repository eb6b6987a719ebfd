//! netvet's default verdict composition (`rego/verdict.rego`) done natively, for catalogues
//! that do not replace it.
//!
//! The Rego module stays the definition: the interpreter composes with it (`run_interpreted`,
//! catalogue tests), and `tests/engines.rs` and the tests below compare the two on every
//! built-in catalogue and on random results. This copy exists for speed: a composition in
//! regorus' VM took about 80 µs, a fifth of an assessment's CPU time, for work that is a few
//! set operations. To give exactly what the module gives, it builds the verdict as regorus
//! values from the catalogue data the policies see (`data.netvet.catalogue`) and orders them
//! with regorus' own ordering, as the module's `sort` and `min` do.

use std::collections::{BTreeSet, HashMap};

use netvet_model::Status;
use regorus::Value;

use crate::assess::object;

/// One requirement's metadata as `verdict.rego` reads it from `data.netvet.catalogue`.
struct Meta {
    consequence: String,
    title: String,
    legal_basis: Value,
    effective: Value,
    deadline: Value,
    licences: Value,
}

/// The default composition over one catalogue's data.
pub(crate) struct DefaultVerdict {
    requirements: HashMap<String, Meta>,
    /// `sort(cat.legal_basis)`: the basis of an `allow`.
    allow_legal_basis: Value,
}

fn key(s: &str) -> Value {
    Value::from(s)
}

fn text(v: &Value) -> String {
    v.as_string().map(|s| s.to_string()).unwrap_or_default()
}

impl DefaultVerdict {
    /// From `data.netvet.catalogue` (the value the policies are given).
    pub(crate) fn new(catalogue: &Value) -> DefaultVerdict {
        let mut requirements = HashMap::new();
        if let Ok(reqs) = catalogue[&key("requirements")].as_object() {
            for (id, r) in reqs.iter() {
                let Ok(id) = id.as_string() else { continue };
                requirements.insert(
                    id.to_string(),
                    Meta {
                        consequence: text(&r[&key("consequence")]),
                        title: text(&r[&key("title")]),
                        legal_basis: r[&key("legal_basis")].clone(),
                        effective: r[&key("effective")].clone(),
                        deadline: r[&key("deadline")].clone(),
                        licences: r[&key("licences")].clone(),
                    },
                );
            }
        }
        let mut basis: Vec<Value> = catalogue[&key("legal_basis")]
            .as_array()
            .map(|a| a.iter().cloned().collect())
            .unwrap_or_default();
        basis.sort();
        DefaultVerdict {
            requirements,
            allow_legal_basis: Value::from(basis),
        }
    }

    /// `verdict(results)` for results given as (requirement, status, reason messages).
    pub(crate) fn compose(&self, results: &[(String, Status, Vec<String>)]) -> Value {
        // Results of requirements the catalogue does not have are skipped, as the module's
        // `reqs[id]` is then undefined.
        let known: Vec<(&str, Status, &[String], &Meta)> = results
            .iter()
            .filter_map(|(id, status, messages)| {
                let m = self.requirements.get(id)?;
                Some((id.as_str(), *status, messages.as_slice(), m))
            })
            .collect();
        let prohibit: Vec<_> = known
            .iter()
            .filter(|(_, s, _, m)| *s == Status::Fail && m.consequence == "prohibit")
            .collect();
        let conditional: Vec<_> = known
            .iter()
            .filter(|(_, s, _, m)| match m.consequence.as_str() {
                "prohibit" => *s == Status::Unknown,
                "condition" => matches!(s, Status::Unknown | Status::Fail),
                _ => false,
            })
            .collect();
        let advisories = {
            let mut ids: Vec<Value> = known
                .iter()
                .filter(|(_, s, _, m)| *s == Status::Fail && m.consequence == "advisory")
                .map(|(id, ..)| key(id))
                .collect();
            ids.sort();
            Value::from(ids)
        };
        let on = if prohibit.is_empty() {
            &conditional
        } else {
            &prohibit
        };
        if on.is_empty() {
            return object([
                ("decision", key("allow")),
                ("legal_basis", self.allow_legal_basis.clone()),
                ("grounds", Value::new_array()),
                ("conditions", Value::new_array()),
                ("evidence_needed", Value::new_array()),
                ("advisories", advisories),
            ]);
        }
        let mut grounds: Vec<Value> = on
            .iter()
            .map(|(id, s, _, m)| {
                object([
                    ("requirement", key(id)),
                    ("status", key(s.as_str())),
                    ("legal_basis", m.legal_basis.clone()),
                    ("effective", m.effective.clone()),
                    ("licences", m.licences.clone()),
                ])
            })
            .collect();
        grounds.sort();
        let legal_basis: BTreeSet<Value> = on.iter().map(|(.., m)| m.legal_basis.clone()).collect();
        let listed = |want: &dyn Fn(Status, &str) -> bool, lead: &str| -> Value {
            let mut out: Vec<Value> = known
                .iter()
                .filter(|(_, s, _, m)| want(*s, &m.consequence))
                .map(|(id, _, messages, m)| {
                    let t = format!("{lead}{}: {}", m.title, messages.join("; "));
                    object([
                        ("requirement", key(id)),
                        ("text", Value::from(t)),
                        ("deadline", m.deadline.clone()),
                    ])
                })
                .collect();
            out.sort();
            Value::from(out)
        };
        let conditions = listed(&|s, c| s == Status::Fail && c == "condition", "");
        let needed = listed(
            &|s, c| s == Status::Unknown && matches!(c, "prohibit" | "condition"),
            "evidence needed for ",
        );
        let legal_basis = Value::from(legal_basis.into_iter().collect::<Vec<_>>());
        let grounds = Value::from(grounds);
        if prohibit.is_empty() {
            object([
                ("decision", key("allow-with-conditions")),
                ("legal_basis", legal_basis),
                ("grounds", grounds),
                ("conditions", conditions),
                ("evidence_needed", needed),
                ("advisories", advisories),
            ])
        } else {
            let deadline = on
                .iter()
                .map(|(.., m)| &m.effective)
                .min()
                .cloned()
                .unwrap_or(Value::Undefined);
            object([
                ("decision", key("prohibit")),
                ("deadline", deadline),
                ("legal_basis", legal_basis),
                ("grounds", grounds),
                ("conditions", conditions),
                ("evidence_needed", needed),
                ("advisories", advisories),
            ])
        }
    }
}
