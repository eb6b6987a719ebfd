//! Analyses of uploaded firmware: the artifact (by SHA-256), who uploaded it, the product it
//! belongs to (optional), its status and progress, and the `netvet.scan/1` report when done.
//! An upload records the artifact, the analysis and its job in one transaction.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::directory::check_name;
use crate::jobs::ANALYSE;
use crate::{Actor, Error, Page, Result, Store, now};

/// Where an analysis stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AnalysisStatus {
    Queued,
    Running,
    Done,
    /// Finished, but a limit stopped part of the unpacking (see the warning).
    Partial,
    Failed,
}

impl AnalysisStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AnalysisStatus::Queued => "queued",
            AnalysisStatus::Running => "running",
            AnalysisStatus::Done => "done",
            AnalysisStatus::Partial => "partial",
            AnalysisStatus::Failed => "failed",
        }
    }

    /// The status named `s`.
    pub fn parse(s: &str) -> Option<AnalysisStatus> {
        [
            AnalysisStatus::Queued,
            AnalysisStatus::Running,
            AnalysisStatus::Done,
            AnalysisStatus::Partial,
            AnalysisStatus::Failed,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// An analysis (without its report, which is fetched on its own).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Analysis {
    pub id: i64,
    pub artifact_sha256: String,
    pub size: i64,
    pub media_type: String,
    pub product_id: Option<i64>,
    pub org_id: i64,
    pub user_id: i64,
    pub file_name: String,
    pub status: AnalysisStatus,
    /// Progress as the worker last reported it (JSON object).
    pub progress: String,
    pub warning: Option<String>,
    pub error: Option<String>,
    pub has_report: bool,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

/// An upload to analyse; the bytes are already in the object store under `sha256`.
#[derive(Clone, Debug)]
pub struct NewAnalysis {
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
    pub file_name: String,
    pub product_id: Option<i64>,
}

const SELECT: &str = "SELECT a.id, a.artifact_sha256, f.size, f.media_type, a.product_id, a.org_id,
    a.user_id, a.file_name, a.status, a.progress, a.warning, a.error,
    CAST(CASE WHEN a.report IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_report,
    a.created_at, a.started_at, a.finished_at
    FROM analyses a JOIN artifacts f ON f.sha256 = a.artifact_sha256";

fn analysis_from(row: &AnyRow) -> Result<Analysis> {
    let status: String = row.try_get("status")?;
    Ok(Analysis {
        id: row.try_get("id")?,
        artifact_sha256: row.try_get("artifact_sha256")?,
        size: row.try_get("size")?,
        media_type: row.try_get("media_type")?,
        product_id: row.try_get("product_id")?,
        org_id: row.try_get("org_id")?,
        user_id: row.try_get("user_id")?,
        file_name: row.try_get("file_name")?,
        status: AnalysisStatus::parse(&status)
            .ok_or_else(|| Error::Invalid(format!("stored status {status:?} is unknown")))?,
        progress: row.try_get("progress")?,
        warning: row.try_get("warning")?,
        error: row.try_get("error")?,
        has_report: row.try_get::<i64, _>("has_report")? != 0,
        created_at: row.try_get("created_at")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Store {
    /// Fails unless the actor may upload firmware (for `product`, which it must see):
    /// checked before the bytes are stored, so a caller who may not upload cannot fill the
    /// disk.
    pub async fn check_upload(&self, actor: &Actor, product: Option<i64>) -> Result<()> {
        actor.require(actor.role.uploads(), "upload firmware")?;
        if let Some(p) = product {
            self.product(actor, p).await?;
        }
        Ok(())
    }

    /// Records an upload: the artifact (once per SHA-256), the analysis and its job, in one
    /// transaction, so a job never exists without its analysis or the other way round.
    pub async fn create_analysis(&self, actor: &Actor, new: NewAnalysis) -> Result<Analysis> {
        actor.require(actor.role.uploads(), "upload firmware")?;
        if !is_sha256(&new.sha256) {
            return Err(Error::Invalid("sha256: 64 lowercase hex digits".into()));
        }
        check_name("file name", &new.file_name)?;
        if let Some(p) = new.product_id {
            self.product(actor, p).await?;
        }
        let size = i64::try_from(new.size)
            .map_err(|_| Error::Invalid(format!("size {} is too large", new.size)))?;
        let t = now();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO artifacts (sha256, size, media_type, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&new.sha256)
        .bind(size)
        .bind(&new.media_type)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        let id: i64 = sqlx::query(
            "INSERT INTO analyses (artifact_sha256, product_id, org_id, user_id, file_name, status, progress, created_at)
             VALUES ($1, $2, $3, $4, $5, 'queued', '{}', $6) RETURNING id",
        )
        .bind(&new.sha256)
        .bind(new.product_id)
        .bind(actor.org)
        .bind(actor.user)
        .bind(&new.file_name)
        .bind(t)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        sqlx::query(
            "INSERT INTO jobs (kind, analysis_id, state, attempts, max_attempts, fencing_token, created_at)
             VALUES ($1, $2, 'queued', 0, $3, 0, $4)",
        )
        .bind(ANALYSE)
        .bind(id)
        .bind(crate::jobs::MAX_ATTEMPTS)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.analysis(actor, id).await
    }

    /// The analyses the actor may see, newest first; optionally only those of one status.
    pub async fn list_analyses(
        &self,
        actor: &Actor,
        status: Option<AnalysisStatus>,
        page: Page,
    ) -> Result<Vec<Analysis>> {
        let (all, org) = actor.scope();
        let (limit, offset) = page.bounds();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE ($1 = 1 OR a.org_id = $2) AND ($3 = '' OR a.status = $3)
             ORDER BY a.id DESC LIMIT $4 OFFSET $5"
        )))
        .bind(all)
        .bind(org)
        .bind(status.map_or("", AnalysisStatus::as_str))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(analysis_from).collect()
    }

    /// One analysis, if the actor may see it.
    pub async fn analysis(&self, actor: &Actor, id: i64) -> Result<Analysis> {
        let (all, org) = actor.scope();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE a.id = $1 AND ($2 = 1 OR a.org_id = $3)"
        )))
        .bind(id)
        .bind(all)
        .bind(org)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::NotFound)?;
        analysis_from(&row)
    }

    /// An analysis's `netvet.scan/1` report (JSON), `None` while it has none.
    pub async fn analysis_report(&self, actor: &Actor, id: i64) -> Result<Option<String>> {
        let (all, org) = actor.scope();
        let row =
            sqlx::query("SELECT report FROM analyses WHERE id = $1 AND ($2 = 1 OR org_id = $3)")
                .bind(id)
                .bind(all)
                .bind(org)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(Error::NotFound)?;
        Ok(row.try_get("report")?)
    }

    /// The newest report of each of `sha256s` among the analyses the actor may see (the
    /// evidence an assessment reads), in the order of `sha256s`.
    pub async fn reports_for(&self, actor: &Actor, sha256s: &[String]) -> Result<Vec<String>> {
        let (all, org) = actor.scope();
        let mut out = Vec::new();
        for sha in sha256s {
            let row = sqlx::query(
                "SELECT report FROM analyses
                 WHERE artifact_sha256 = $1 AND report IS NOT NULL AND ($2 = 1 OR org_id = $3)
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(sha)
            .bind(all)
            .bind(org)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(row) = row {
                out.push(row.try_get("report")?);
            }
        }
        Ok(out)
    }
}
