//! Re-matching stored reports when the advisory index changes: an admin's import enqueues one
//! `rematch` job per analysis that has a report (in one transaction, with the new index's
//! digest); a worker re-matches the report's components, stores the updated report and the
//! assessment verdicts that changed, fenced like every job write. The analysis keeps its
//! status throughout: its report is replaced, not redone.
//!
//! A verdict change belongs to the product's vendor organisation: the vendor sees its own, the
//! regulator's roles all, operators and labs none.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::jobs::MAX_ATTEMPTS;
use crate::products::{COLUMNS as PRODUCT_COLUMNS, product_from};
use crate::{Actor, Claim, Page, Product, Result, Role, Store, now};

/// The kind of the jobs that re-match a stored report.
pub const REMATCH: &str = "rematch";

/// A recorded change of an assessment verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerdictChange {
    pub id: i64,
    pub product_id: i64,
    /// The product's vendor organisation.
    pub org_id: i64,
    /// The analysis whose re-matched report caused it.
    pub analysis_id: i64,
    pub catalogue_id: String,
    /// The role the product was assessed in (`ran:gNB`).
    pub role: String,
    pub decision_before: String,
    pub decision_after: String,
    /// SHA-256 of the advisory index matched against.
    pub index_digest: String,
    pub created_at: i64,
}

/// A verdict change to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewVerdictChange {
    pub product_id: i64,
    pub org_id: i64,
    pub catalogue_id: String,
    pub role: String,
    pub decision_before: String,
    pub decision_after: String,
}

const COLUMNS: &str = "id, product_id, org_id, analysis_id, catalogue_id, role, decision_before, decision_after, index_digest, created_at";

fn change_from(row: &AnyRow) -> Result<VerdictChange> {
    Ok(VerdictChange {
        id: row.try_get("id")?,
        product_id: row.try_get("product_id")?,
        org_id: row.try_get("org_id")?,
        analysis_id: row.try_get("analysis_id")?,
        catalogue_id: row.try_get("catalogue_id")?,
        role: row.try_get("role")?,
        decision_before: row.try_get("decision_before")?,
        decision_after: row.try_get("decision_after")?,
        index_digest: row.try_get("index_digest")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    /// Fails unless the actor may change the advisory index (admin only).
    pub fn check_advisory_import(&self, actor: &Actor) -> Result<()> {
        actor.require(actor.role == Role::Admin, "import advisories")
    }

    /// Enqueues a re-match against the index of `index_digest` for every analysis with a
    /// report (skipping those already queued for that digest); returns how many.
    pub async fn enqueue_rematch(&self, actor: &Actor, index_digest: &str) -> Result<u64> {
        self.check_advisory_import(actor)?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "INSERT INTO jobs (kind, analysis_id, state, attempts, max_attempts, fencing_token, created_at, index_digest)
             SELECT $1, a.id, 'queued', 0, $2, 0, $3, $4 FROM analyses a
             WHERE a.report IS NOT NULL AND NOT EXISTS (
                 SELECT 1 FROM jobs j WHERE j.analysis_id = a.id AND j.kind = $1
                     AND j.state = 'queued' AND j.index_digest = $4)",
        )
        .bind(REMATCH)
        .bind(MAX_ATTEMPTS)
        .bind(now())
        .bind(index_digest)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// The stored report a re-match claim works on (`None`: the analysis has none).
    pub async fn claimed_report(&self, claim: &Claim) -> Result<Option<String>> {
        let row = sqlx::query("SELECT report FROM analyses WHERE id = $1")
            .bind(claim.analysis_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => r.try_get("report")?,
            None => None,
        })
    }

    /// Every product record whose text names `sha256` (the worker verifies each names it as
    /// firmware): the products a re-matched report is evidence for, of every tenant.
    pub async fn products_naming(&self, sha256: &str) -> Result<Vec<Product>> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PRODUCT_COLUMNS} FROM products WHERE record LIKE $1 ORDER BY id LIMIT $2"
        )))
        .bind(format!("%{sha256}%"))
        .bind(crate::MAX_NETWORK_PRODUCTS)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(product_from).collect()
    }

    /// Ends a re-match job, if the claim is still current: the updated report (when it
    /// changed) and the verdict changes, in one transaction.
    pub async fn finish_rematch(
        &self,
        claim: &Claim,
        report: Option<String>,
        changes: &[NewVerdictChange],
    ) -> Result<()> {
        let digest = claim.index_digest.clone().unwrap_or_default();
        let mut tx = self.begin_write().await?;
        self.fence(&mut tx, claim, None).await?;
        let t = now();
        sqlx::query(
            "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_expires_at = NULL,
                 last_error = NULL, finished_at = $1 WHERE id = $2",
        )
        .bind(t)
        .bind(claim.job_id)
        .execute(&mut *tx)
        .await?;
        if let Some(report) = report {
            sqlx::query("UPDATE analyses SET report = $1 WHERE id = $2")
                .bind(report)
                .bind(claim.analysis_id)
                .execute(&mut *tx)
                .await?;
        }
        for c in changes {
            sqlx::query(
                "INSERT INTO verdict_changes (product_id, org_id, analysis_id, catalogue_id, role,
                     decision_before, decision_after, index_digest, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(c.product_id)
            .bind(c.org_id)
            .bind(claim.analysis_id)
            .bind(&c.catalogue_id)
            .bind(&c.role)
            .bind(&c.decision_before)
            .bind(&c.decision_after)
            .bind(&digest)
            .bind(t)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Fails a re-match job, if the claim is still current; the analysis keeps its report.
    pub async fn fail_rematch(&self, claim: &Claim, error: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        self.fence(&mut tx, claim, None).await?;
        sqlx::query(
            "UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_expires_at = NULL,
                 last_error = $1, finished_at = $2 WHERE id = $3",
        )
        .bind(error)
        .bind(now())
        .bind(claim.job_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The verdict changes the actor may see, newest first.
    pub async fn list_verdict_changes(
        &self,
        actor: &Actor,
        page: Page,
    ) -> Result<Vec<VerdictChange>> {
        let (all, org) = actor.scope();
        let (limit, offset) = page.bounds();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM verdict_changes WHERE ($1 = 1 OR org_id = $2)
             ORDER BY id DESC LIMIT $3 OFFSET $4"
        )))
        .bind(all)
        .bind(org)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(change_from).collect()
    }
}
