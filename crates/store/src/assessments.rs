//! Assessments as records: each assessment of a product that the service computes is kept
//! with the digest of its catalogue, the digest of its inputs and its as-of date, and one row
//! per role (its decision and criticality) for filtering.
//!
//! An assessment reads the scan reports its caller may see, so it is kept in the caller's
//! *scope*: the regulator's roles compute from every analysis (scope 0), any other role from
//! its own organisation's. A caller reads the assessments of its own scope only (the
//! regulator's roles read all), of products it may see: no stored assessment shows a party
//! evidence it could not read itself. Within a scope, equal inputs are kept once.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Actor, Error, Page, Result, Store, now};

/// An assessment to keep: what it was computed from, and the document.
#[derive(Clone, Debug)]
pub struct NewAssessment {
    pub product_id: i64,
    /// The product record's revision the assessment read.
    pub product_revision: i64,
    /// The catalogue as asked for: a built-in id, or an overlay's digest.
    pub catalogue_id: String,
    /// SHA-256 (hex) of the composed catalogue (netvet's modules and every layer's files).
    pub catalogue_digest: String,
    /// SHA-256 (hex) of everything the assessment was computed from.
    pub input_digest: String,
    /// `YYYY-MM-DD`.
    pub as_of: String,
    /// Each role the product was assessed in (the decision counts are counted from them).
    pub roles: Vec<RoleDecision>,
    /// The `netvet.assessment/2` document.
    pub report: String,
}

/// How many roles got each decision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DecisionCounts {
    pub allow: i64,
    pub allow_with_conditions: i64,
    pub prohibit: i64,
}

/// One role's decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleDecision {
    /// `RAN:gNB`.
    pub role: String,
    pub critical: bool,
    /// `allow`, `allow-with-conditions` or `prohibit`.
    pub decision: String,
}

/// A kept assessment, without its document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredAssessment {
    pub id: i64,
    pub product_id: i64,
    /// The product's vendor organisation.
    pub org_id: i64,
    pub product_revision: i64,
    pub catalogue_id: String,
    pub catalogue_digest: String,
    pub input_digest: String,
    pub as_of: String,
    pub counts: DecisionCounts,
    pub roles: Vec<RoleDecision>,
    /// Who computed it first.
    pub user_id: i64,
    pub created_at: i64,
}

/// Which kept assessments to list (every field optional).
#[derive(Clone, Debug, Default)]
pub struct AssessmentFilter {
    pub product_id: Option<i64>,
    /// A built-in catalogue id or an overlay digest, as asked for.
    pub catalogue_id: Option<String>,
    /// Assessments with at least one role of this decision.
    pub decision: Option<String>,
}

/// The decisions a verdict can take.
pub const DECISIONS: [&str; 3] = ["allow", "allow-with-conditions", "prohibit"];

const COLUMNS: &str = "a.id, a.product_id, a.org_id, a.product_revision, a.catalogue_id, \
     a.catalogue_digest, a.input_digest, a.as_of, a.allow, a.allow_with_conditions, a.prohibit, \
     a.user_id, a.created_at";

/// The tenancy filter of kept assessments: the caller's scope, and products it may see
/// (binds `$1` sees-all, `$2` the caller's organisation).
const VISIBLE: &str = "($1 = 1 OR (a.scope_org = $2 AND a.org_id = $2))";

fn assessment_from(row: &AnyRow) -> Result<StoredAssessment> {
    Ok(StoredAssessment {
        id: row.try_get("id")?,
        product_id: row.try_get("product_id")?,
        org_id: row.try_get("org_id")?,
        product_revision: row.try_get("product_revision")?,
        catalogue_id: row.try_get("catalogue_id")?,
        catalogue_digest: row.try_get("catalogue_digest")?,
        input_digest: row.try_get("input_digest")?,
        as_of: row.try_get("as_of")?,
        counts: DecisionCounts {
            allow: row.try_get("allow")?,
            allow_with_conditions: row.try_get("allow_with_conditions")?,
            prohibit: row.try_get("prohibit")?,
        },
        roles: Vec::new(),
        user_id: row.try_get("user_id")?,
        created_at: row.try_get("created_at")?,
    })
}

impl DecisionCounts {
    /// How many of `roles` got each decision.
    fn of(roles: &[RoleDecision]) -> DecisionCounts {
        let mut c = DecisionCounts::default();
        for r in roles {
            match r.decision.as_str() {
                "allow" => c.allow += 1,
                "allow-with-conditions" => c.allow_with_conditions += 1,
                _ => c.prohibit += 1,
            }
        }
        c
    }
}

impl Actor {
    /// The scope an assessment computed for this actor is kept in: 0 for the regulator's
    /// roles, else the actor's organisation.
    pub fn assessment_scope(&self) -> i64 {
        if self.role.sees_all() { 0 } else { self.org }
    }
}

impl Store {
    /// The kept assessment of `product_id` computed from inputs of `input_digest` in the
    /// actor's scope, with its document; `None` when there is none (the product itself must
    /// be visible to the actor, else `NotFound`).
    pub async fn assessment_by_input(
        &self,
        actor: &Actor,
        product_id: i64,
        input_digest: &str,
    ) -> Result<Option<(i64, String)>> {
        let product = self.product(actor, product_id).await?;
        let row = sqlx::query(
            "SELECT id, report FROM assessments
             WHERE product_id = $1 AND scope_org = $2 AND input_digest = $3",
        )
        .bind(product.id)
        .bind(actor.assessment_scope())
        .bind(input_digest)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Some((r.try_get("id")?, r.try_get("report")?)),
            None => None,
        })
    }

    /// Keeps an assessment in the actor's scope, with its roles, in one transaction; when one
    /// with the same inputs is kept already (computed at the same time by another request),
    /// that one's id. The product must be visible to the actor and still at the revision the
    /// assessment read (else a conflict: the record changed while it was assessed).
    pub async fn keep_assessment(&self, actor: &Actor, new: &NewAssessment) -> Result<i64> {
        for (what, digest) in [
            ("catalogue_digest", &new.catalogue_digest),
            ("input_digest", &new.input_digest),
        ] {
            if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Error::Invalid(format!("{what}: 64 hex digits")));
            }
        }
        if let Some(r) = new
            .roles
            .iter()
            .find(|r| !DECISIONS.contains(&r.decision.as_str()))
        {
            return Err(Error::Invalid(format!(
                "role {}: unknown decision {:?}",
                r.role, r.decision
            )));
        }
        let product = self.product(actor, new.product_id).await?;
        if product.revision != new.product_revision {
            return Err(Error::Conflict(format!(
                "product {} changed while it was assessed (revision {} is now {})",
                product.id, new.product_revision, product.revision
            )));
        }
        let scope = actor.assessment_scope();
        let counts = DecisionCounts::of(&new.roles);
        let mut tx = self.begin_write().await?;
        // Two requests with the same inputs may finish evaluating at once: the second insert
        // does nothing, and both get the kept one.
        let inserted = sqlx::query(
            "INSERT INTO assessments (product_id, org_id, product_revision, scope_org, catalogue_id,
                 catalogue_digest, input_digest, as_of, allow, allow_with_conditions, prohibit,
                 report, user_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (product_id, scope_org, input_digest) DO NOTHING RETURNING id",
        )
        .bind(product.id)
        .bind(product.org_id)
        .bind(new.product_revision)
        .bind(scope)
        .bind(&new.catalogue_id)
        .bind(&new.catalogue_digest)
        .bind(&new.input_digest)
        .bind(&new.as_of)
        .bind(counts.allow)
        .bind(counts.allow_with_conditions)
        .bind(counts.prohibit)
        .bind(&new.report)
        .bind(actor.user)
        .bind(now())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = inserted else {
            let row = sqlx::query(
                "SELECT id FROM assessments
                 WHERE product_id = $1 AND scope_org = $2 AND input_digest = $3",
            )
            .bind(product.id)
            .bind(scope)
            .bind(&new.input_digest)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(row.try_get("id")?);
        };
        let id: i64 = row.try_get("id")?;
        for r in &new.roles {
            sqlx::query(
                "INSERT INTO assessment_roles (assessment_id, role, critical, decision)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(&r.role)
            .bind(i64::from(r.critical))
            .bind(&r.decision)
            .execute(&mut *tx)
            .await
            .map_err(|e| crate::error::unique(e, &format!("role {} of the assessment", r.role)))?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The kept assessments the actor may read, newest first, without their documents.
    pub async fn list_assessments(
        &self,
        actor: &Actor,
        filter: &AssessmentFilter,
        page: Page,
    ) -> Result<Vec<StoredAssessment>> {
        if let Some(d) = &filter.decision
            && !DECISIONS.contains(&d.as_str())
        {
            return Err(Error::Invalid(format!(
                "decision {d:?}: one of {}",
                DECISIONS.join(", ")
            )));
        }
        let (all, org) = actor.scope();
        let (limit, offset) = page.bounds();
        // Every filter is bound; an absent one binds NULL and matches everything.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM assessments a WHERE {VISIBLE}
                 AND ($3 IS NULL OR a.product_id = $3)
                 AND ($4 IS NULL OR a.catalogue_id = $4)
                 AND ($5 IS NULL OR EXISTS (SELECT 1 FROM assessment_roles r
                      WHERE r.assessment_id = a.id AND r.decision = $5))
             ORDER BY a.id DESC LIMIT $6 OFFSET $7"
        )))
        .bind(all)
        .bind(org)
        .bind(filter.product_id)
        .bind(filter.catalogue_id.as_deref())
        .bind(filter.decision.as_deref())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let mut out = rows
            .iter()
            .map(assessment_from)
            .collect::<Result<Vec<_>>>()?;
        // The page's roles in one query: every role row in the page's id range, kept for the
        // page's assessments.
        if let (Some(lo), Some(hi)) = (
            out.iter().map(|a| a.id).min(),
            out.iter().map(|a| a.id).max(),
        ) {
            let mut roles = self.roles_between(lo, hi).await?;
            for a in &mut out {
                a.roles = roles.remove(&a.id).unwrap_or_default();
            }
        }
        Ok(out)
    }

    /// A kept assessment the actor may read, with its document.
    pub async fn assessment(&self, actor: &Actor, id: i64) -> Result<(StoredAssessment, String)> {
        let (all, org) = actor.scope();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS}, a.report FROM assessments a WHERE a.id = $3 AND {VISIBLE}"
        )))
        .bind(all)
        .bind(org)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::NotFound)?;
        let mut a = assessment_from(&row)?;
        a.roles = self
            .roles_between(id, id)
            .await?
            .remove(&id)
            .unwrap_or_default();
        Ok((a, row.try_get("report")?))
    }

    /// The role rows of the assessments with ids `lo..=hi`, by assessment, each in role order.
    async fn roles_between(&self, lo: i64, hi: i64) -> Result<HashMap<i64, Vec<RoleDecision>>> {
        let rows = sqlx::query(
            "SELECT assessment_id, role, critical, decision FROM assessment_roles
             WHERE assessment_id BETWEEN $1 AND $2 ORDER BY assessment_id, role",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(&self.pool)
        .await?;
        let mut out: HashMap<i64, Vec<RoleDecision>> = HashMap::new();
        for r in &rows {
            out.entry(r.try_get("assessment_id")?)
                .or_default()
                .push(RoleDecision {
                    role: r.try_get("role")?,
                    critical: r.try_get::<i64, _>("critical")? != 0,
                    decision: r.try_get("decision")?,
                });
        }
        Ok(out)
    }
}
