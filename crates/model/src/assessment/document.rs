//! The JSON form of an [`AssessmentReport`] (schema `netvet.assessment/2`): every distinct
//! product, requirement result and verdict is written once, in a table, and each product-role
//! assessment refers to them.
//!
//! A product's roles mostly share their results, and a vendor's products share the results
//! decided from the vendor's dossier; written in full for every role, 5,000 products came to
//! 199 MB. The document grows with the distinct results instead:
//!
//! ```json
//! {
//!   "assessments": [
//!     {"critical": true, "product": "acme-gnb-4.2", "requirements": [0, 1, 2],
//!      "role": "RAN:gNB", "verdict": 0}
//!   ],
//!   "products": [{"id": "acme-gnb-4.2", ...}],
//!   "results": [{"id": "DE.2024.CORE", "status": "not-applicable", ...}, ...],
//!   "verdicts": [{"decision": "prohibit", ...}],
//!   ...
//! }
//! ```
//!
//! `product` is the id of an entry of `products`; `requirements` and `verdict` are positions
//! in `results` and `verdicts` (the requirement results in the catalogue's order). Tables are
//! in the order of first use, so the same report gives the same bytes.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{
    ASSESSMENT_SCHEMA, Assessment, AssessmentReport, CatalogueRef, ProductRef, RequirementResult,
    Verdict, VerdictCounts,
};
use crate::date::Date;
use crate::network::Role;

/// The document as written; its fields, in sorted order, are [`FIELDS`].
struct Document<'a> {
    as_of: Date,
    assessments: Vec<Row<'a>>,
    catalogue: &'a CatalogueRef,
    products: Vec<&'a ProductRef>,
    results: Vec<&'a RequirementResult>,
    schema: &'a str,
    summary: &'a VerdictCounts,
    verdicts: Vec<&'a Verdict>,
    warnings: &'a [String],
}

/// One product in one role, by reference.
#[derive(Serialize)]
struct Row<'a> {
    critical: bool,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    licences: &'a [String],
    product: &'a str,
    requirements: Vec<u32>,
    role: Role,
    verdict: u32,
}

/// Distinct values in order of first use, and where each one is. Values are hashed whole (a
/// result with its reasons and evidence), so with a fast hasher (std's SipHash took a fifth
/// of writing the document); it is seeded per process, and the report it indexes was already
/// built within the evaluation's bounds.
struct Table<'a, T> {
    items: Vec<&'a T>,
    at: HashMap<&'a T, u32, foldhash::fast::RandomState>,
}

impl<'a, T: Eq + std::hash::Hash> Table<'a, T> {
    fn new() -> Self {
        Table {
            items: Vec::new(),
            at: HashMap::default(),
        }
    }

    fn position(&mut self, item: &'a T) -> Result<u32, String> {
        match self.at.entry(item) {
            Entry::Occupied(e) => Ok(*e.get()),
            Entry::Vacant(e) => {
                let n = u32::try_from(self.items.len())
                    .map_err(|_| "more than 2^32 distinct entries".to_string())?;
                self.items.push(item);
                e.insert(n);
                Ok(n)
            }
        }
    }
}

impl<'a> Document<'a> {
    fn new(report: &'a AssessmentReport) -> Result<Document<'a>, String> {
        let mut products: Vec<&'a ProductRef> = Vec::new();
        let mut product_at: HashMap<&'a str, &'a ProductRef> = HashMap::new();
        let mut results = Table::new();
        let mut verdicts = Table::new();
        // A product's roles share one list of results (an `Arc`): its positions are looked up
        // once per list, not once per role.
        let mut lists: HashMap<*const RequirementResult, Vec<u32>> = HashMap::new();
        // Likewise a verdict is shared (an `Arc`) by every product and role it was composed
        // for: hashed once per allocation, not once per role.
        let mut verdict_at: HashMap<*const Verdict, u32> = HashMap::new();
        let mut rows = Vec::with_capacity(report.assessments.len());
        for a in &report.assessments {
            let p: &ProductRef = &a.product;
            match product_at.entry(p.id.as_str()) {
                Entry::Vacant(e) => {
                    e.insert(p);
                    products.push(p);
                }
                Entry::Occupied(e) if *e.get() != p => {
                    return Err(format!(
                        "two different products have the id {:?}; an assessment cannot say which",
                        p.id
                    ));
                }
                Entry::Occupied(_) => {}
            }
            let requirements = match lists.entry(a.requirements.as_ptr()) {
                Entry::Occupied(e) => e.get().clone(),
                Entry::Vacant(e) => {
                    let positions = a
                        .requirements
                        .iter()
                        .map(|r| results.position(r))
                        .collect::<Result<Vec<u32>, String>>()?;
                    e.insert(positions).clone()
                }
            };
            rows.push(Row {
                critical: a.critical,
                licences: &a.licences,
                product: &p.id,
                requirements,
                role: a.role,
                verdict: match verdict_at.entry(Arc::as_ptr(&a.verdict)) {
                    Entry::Occupied(e) => *e.get(),
                    Entry::Vacant(e) => *e.insert(verdicts.position(&*a.verdict)?),
                },
            });
        }
        Ok(Document {
            as_of: report.as_of,
            assessments: rows,
            catalogue: &report.catalogue,
            products,
            results: results.items,
            schema: &report.schema,
            summary: &report.summary,
            verdicts: verdicts.items,
            warnings: &report.warnings,
        })
    }
}

/// The document's fields in sorted order, so the canonical writer writes it in one pass.
const FIELDS: [&str; 9] = [
    "as_of",
    "assessments",
    "catalogue",
    "products",
    "results",
    "schema",
    "summary",
    "verdicts",
    "warnings",
];

impl Serialize for AssessmentReport {
    /// The tables are built when the first field's value is written, once: a writer that
    /// asks only for the field names (the canonical writer looks at an object's keys before
    /// writing it) builds nothing.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let doc = std::cell::OnceCell::new();
        let mut st = s.serialize_struct("AssessmentReport", FIELDS.len())?;
        for name in FIELDS {
            st.serialize_field(
                name,
                &Field {
                    doc: &doc,
                    report: self,
                    name,
                },
            )?;
        }
        st.end()
    }
}

/// One field of the document of `report`, built in `doc` by whichever field is written first.
struct Field<'d, 'a> {
    doc: &'d std::cell::OnceCell<Result<Document<'a>, String>>,
    report: &'a AssessmentReport,
    name: &'static str,
}

impl Serialize for Field<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let doc = self
            .doc
            .get_or_init(|| Document::new(self.report))
            .as_ref()
            .map_err(S::Error::custom)?;
        match self.name {
            "as_of" => doc.as_of.serialize(s),
            "assessments" => doc.assessments.serialize(s),
            "catalogue" => doc.catalogue.serialize(s),
            "products" => doc.products.serialize(s),
            "results" => doc.results.serialize(s),
            "schema" => doc.schema.serialize(s),
            "summary" => doc.summary.serialize(s),
            "verdicts" => doc.verdicts.serialize(s),
            "warnings" => doc.warnings.serialize(s),
            other => Err(S::Error::custom(format!("no document field {other}"))),
        }
    }
}

// The document as read, and what its JSON Schema is generated from.
/// `netvet assess` output (schema `netvet.assessment/2`): each distinct product, requirement
/// result and verdict written once, in tables the assessments refer to by id and position.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AssessmentReport")]
struct OwnedDocument {
    /// Always `netvet.assessment/2`.
    #[schemars(extend("const" = ASSESSMENT_SCHEMA))]
    schema: String,
    catalogue: CatalogueRef,
    /// The date certificates and deadlines were judged against.
    as_of: Date,
    /// Each product in each role, by reference into the tables below; sorted by product id,
    /// then role.
    assessments: Vec<OwnedRow>,
    /// Every product assessed, once.
    products: Vec<ProductRef>,
    /// Every distinct requirement result, once.
    results: Vec<RequirementResult>,
    /// Every distinct verdict, once.
    verdicts: Vec<Verdict>,
    summary: VerdictCounts,
    /// Inputs that were read but not used (scan reports matching no product…).
    warnings: Vec<String>,
}

/// One product in one role.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct OwnedRow {
    /// The id of an entry of `products`.
    product: String,
    role: Role,
    /// The licences the product was assessed as used under, when any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    licences: Vec<String>,
    /// Whether the catalogue counts the role as critical.
    critical: bool,
    /// Position in `verdicts`.
    verdict: usize,
    /// Positions in `results`, in the catalogue's order.
    requirements: Vec<usize>,
}

impl JsonSchema for AssessmentReport {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        OwnedDocument::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        OwnedDocument::json_schema(generator)
    }
}

impl OwnedDocument {
    /// The report, with the references resolved (and shared again); an unknown product or a
    /// position past a table's end is an error naming the assessment.
    fn resolve(self) -> Result<AssessmentReport, String> {
        if self.schema != ASSESSMENT_SCHEMA {
            return Err(format!(
                "schema {:?} is not {ASSESSMENT_SCHEMA:?}",
                self.schema
            ));
        }
        let mut products: HashMap<String, Arc<ProductRef>> = HashMap::new();
        for p in self.products {
            let id = p.id.clone();
            if products.insert(id.clone(), Arc::new(p)).is_some() {
                return Err(format!("product {id:?} is listed twice"));
            }
        }
        let verdicts: Vec<Arc<Verdict>> = self.verdicts.into_iter().map(Arc::new).collect();
        let mut lists: HashMap<Vec<usize>, Arc<[RequirementResult]>> = HashMap::new();
        let mut assessments = Vec::with_capacity(self.assessments.len());
        for (n, row) in self.assessments.into_iter().enumerate() {
            let product = products
                .get(&row.product)
                .ok_or_else(|| format!("assessment {n}: no product {:?} in products", row.product))?
                .clone();
            let verdict = verdicts
                .get(row.verdict)
                .ok_or_else(|| {
                    format!(
                        "assessment {n}: verdict {} is past the {} verdicts",
                        row.verdict,
                        verdicts.len()
                    )
                })?
                .clone();
            let requirements = match lists.entry(row.requirements) {
                Entry::Occupied(e) => e.get().clone(),
                Entry::Vacant(e) => {
                    let list = e
                        .key()
                        .iter()
                        .map(|&i| {
                            self.results.get(i).cloned().ok_or_else(|| {
                                format!(
                                    "assessment {n}: result {i} is past the {} results",
                                    self.results.len()
                                )
                            })
                        })
                        .collect::<Result<Arc<[RequirementResult]>, String>>()?;
                    e.insert(list).clone()
                }
            };
            assessments.push(Assessment {
                product,
                role: row.role,
                licences: row.licences.into(),
                critical: row.critical,
                verdict,
                requirements,
            });
        }
        Ok(AssessmentReport {
            schema: self.schema,
            catalogue: self.catalogue,
            as_of: self.as_of,
            assessments,
            summary: self.summary,
            warnings: self.warnings,
        })
    }
}

impl<'de> Deserialize<'de> for AssessmentReport {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AssessmentReport, D::Error> {
        OwnedDocument::deserialize(d)?
            .resolve()
            .map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::{Decision, Reason, Status};
    use crate::catalogue::Consequence;

    fn result(id: &str, evidence: &str) -> RequirementResult {
        RequirementResult {
            id: id.to_string(),
            status: Status::Unknown,
            consequence: Consequence::Prohibit,
            reasons: vec![Reason {
                message: format!("no evidence for {id}"),
                evidence: vec![evidence.to_string()],
            }],
        }
    }

    fn product(id: &str) -> Arc<ProductRef> {
        Arc::new(ProductRef {
            id: id.to_string(),
            vendor: "acme".to_string(),
            vendor_name: "Acme".to_string(),
            name: format!("Acme {id}"),
            version: "1.0".to_string(),
            fictional: true,
        })
    }

    fn verdict(decision: Decision) -> Arc<Verdict> {
        Arc::new(Verdict {
            decision,
            deadline: None,
            legal_basis: vec!["§1".to_string()],
            grounds: Vec::new(),
            conditions: Vec::new(),
            evidence_needed: Vec::new(),
            advisories: Vec::new(),
        })
    }

    /// Two products in two roles each: the vendor's result is shared by both products, each
    /// product's own result by its roles.
    fn report() -> AssessmentReport {
        let mut assessments = Vec::new();
        for id in ["p1", "p2"] {
            let p = product(id);
            let list: Arc<[RequirementResult]> = Arc::from(vec![
                result("VENDOR", "dossier:acme"),
                result("PRODUCT", &format!("product:{id}")),
            ]);
            for (role, decision) in [("RAN:gNB", Decision::Prohibit), ("RAN:CU", Decision::Allow)] {
                assessments.push(Assessment {
                    product: p.clone(),
                    role: role.parse().expect("role"),
                    licences: Arc::from([]),
                    critical: decision == Decision::Prohibit,
                    // A verdict equal to another one but not shared is written once too.
                    verdict: verdict(decision),
                    requirements: list.clone(),
                });
            }
        }
        AssessmentReport {
            schema: ASSESSMENT_SCHEMA.to_string(),
            catalogue: CatalogueRef {
                id: "test".to_string(),
                version: "1".to_string(),
                title: "Test".to_string(),
                jurisdiction: "DE".to_string(),
                effective: "2024-01-01".parse().expect("date"),
                layers: vec!["test".to_string()],
            },
            as_of: "2025-06-30".parse().expect("date"),
            assessments,
            summary: VerdictCounts {
                allow: 2,
                allow_with_conditions: 0,
                prohibit: 2,
            },
            warnings: Vec::new(),
        }
    }

    #[test]
    fn each_distinct_result_verdict_and_product_is_written_once() {
        let doc: serde_json::Value =
            serde_json::from_str(&crate::json::to_canonical_string(&report()).expect("written"))
                .expect("json");
        assert_eq!(doc["schema"], ASSESSMENT_SCHEMA);
        let ids = |table: &str, field: &str| -> Vec<String> {
            doc[table]
                .as_array()
                .expect("table")
                .iter()
                .map(|x| x[field].to_string())
                .collect()
        };
        assert_eq!(ids("products", "id"), ["\"p1\"", "\"p2\""]);
        assert_eq!(
            ids("results", "reasons"),
            [
                r#"[{"evidence":["dossier:acme"],"message":"no evidence for VENDOR"}]"#,
                r#"[{"evidence":["product:p1"],"message":"no evidence for PRODUCT"}]"#,
                r#"[{"evidence":["product:p2"],"message":"no evidence for PRODUCT"}]"#,
            ]
        );
        assert_eq!(ids("verdicts", "decision"), ["\"prohibit\"", "\"allow\""]);
        let rows: Vec<String> = doc["assessments"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r.to_string())
            .collect();
        assert_eq!(
            rows,
            [
                r#"{"critical":true,"product":"p1","requirements":[0,1],"role":"RAN:gNB","verdict":0}"#,
                r#"{"critical":false,"product":"p1","requirements":[0,1],"role":"RAN:CU","verdict":1}"#,
                r#"{"critical":true,"product":"p2","requirements":[0,2],"role":"RAN:gNB","verdict":0}"#,
                r#"{"critical":false,"product":"p2","requirements":[0,2],"role":"RAN:CU","verdict":1}"#,
            ]
        );
    }

    #[test]
    fn reading_the_document_gives_the_report_back() {
        let original = report();
        let text = crate::json::to_canonical_string(&original).expect("written");
        let read: AssessmentReport = serde_json::from_str(&text).expect("read");
        assert_eq!(read, original);
        // Shared again: the roles of a product hold one list.
        assert!(Arc::ptr_eq(
            &read.assessments[0].requirements,
            &read.assessments[1].requirements
        ));
    }

    #[test]
    fn references_past_a_table_or_to_no_product_are_errors_naming_the_assessment() {
        let text = crate::json::to_canonical_string(&report()).expect("written");
        let mut doc: serde_json::Value = serde_json::from_str(&text).expect("json");
        doc["assessments"][3]["requirements"][1] = 7.into();
        let err = serde_json::from_value::<AssessmentReport>(doc.clone()).expect_err("bad index");
        assert_eq!(
            err.to_string(),
            "assessment 3: result 7 is past the 3 results"
        );
        doc["assessments"][3]["requirements"][1] = 2.into();
        doc["assessments"][2]["verdict"] = 2.into();
        let err = serde_json::from_value::<AssessmentReport>(doc.clone()).expect_err("bad index");
        assert_eq!(
            err.to_string(),
            "assessment 2: verdict 2 is past the 2 verdicts"
        );
        doc["assessments"][2]["verdict"] = 0.into();
        doc["assessments"][0]["product"] = "p9".into();
        let err = serde_json::from_value::<AssessmentReport>(doc).expect_err("no product");
        assert_eq!(
            err.to_string(),
            "assessment 0: no product \"p9\" in products"
        );
    }

    #[test]
    fn two_different_products_with_one_id_cannot_be_written() {
        let mut r = report();
        let mut other = (*r.assessments[3].product).clone();
        other.id = "p1".to_string();
        r.assessments[3].product = Arc::new(other);
        let err = crate::json::to_canonical_string(&r).expect_err("ambiguous");
        assert!(
            err.to_string()
                .contains("two different products have the id \"p1\""),
            "{err}"
        );
    }
}
