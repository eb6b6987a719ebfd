//! The job queue: a table in the record itself, so a job is enqueued in the transaction that
//! causes it (an upload), and no broker is needed.
//!
//! Why a small module rather than apalis, graphile_worker or underway: the queue must run on
//! SQLite and PostgreSQL from one schema, enqueue inside our own transaction, and give the
//! finishing write a fencing token; the crates cover one backend or another part of that,
//! and the whole is about two hundred lines that `tests/store.rs` pins on both backends.
//!
//! - **Claim**: on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED`, so concurrent workers on many
//!   machines skip each other's rows instead of waiting; on SQLite `BEGIN IMMEDIATE`, which
//!   takes the single write lock before reading, so two claims can never read the same row.
//! - **Lease**: a claim holds the job until `lease_expires_at` (Unix ms); progress reports
//!   extend it. An expired lease is requeued (or failed after [`MAX_ATTEMPTS`]).
//! - **Fencing**: each claim increments the job's `fencing_token`; every write of the worker
//!   (progress, finish, release) must present the token it got, so a worker that lost its
//!   lease — paused, partitioned — cannot overwrite the result of the worker that took over.

use std::time::Duration;

use serde::Serialize;
use sqlx::Row;

use crate::{Backend, Error, Result, Store, now, now_ms};

/// The kind of the jobs that analyse an uploaded image.
pub const ANALYSE: &str = "analyse";

/// Claims of one job before it is failed for good (a worker that dies mid-job, repeatedly).
pub const MAX_ATTEMPTS: i64 = 3;

/// A job held by a worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub job_id: i64,
    /// What the job does: [`ANALYSE`] or [`crate::REMATCH`].
    pub kind: String,
    pub analysis_id: i64,
    /// The image to analyse.
    pub artifact_sha256: String,
    /// What every write of this worker about the job must present.
    pub fencing_token: i64,
    /// Which claim this is (1 for the first).
    pub attempt: i64,
    /// For a re-match, the digest of the advisory index to match against.
    pub index_digest: Option<String>,
}

/// How a job ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Analysed completely; the `netvet.scan/1` report.
    Done { report: String },
    /// Analysed, but a limit stopped part of it: the report and the warning saying what.
    Partial { report: String, warning: String },
    /// No report: the error.
    Failed { error: String },
}

/// A job's state, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JobInfo {
    pub id: i64,
    pub analysis_id: i64,
    pub state: String,
    pub attempts: i64,
    pub fencing_token: i64,
    pub last_error: Option<String>,
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Store {
    /// Takes the oldest queued job for `worker`, holding it for `lease`; `None` when none is
    /// queued. Expired leases are requeued first.
    pub async fn claim_job(&self, worker: &str, lease: Duration) -> Result<Option<Claim>> {
        self.requeue_expired().await?;
        let mut tx = self.begin_write().await?;
        let pick = match self.backend {
            Backend::Postgres => {
                "SELECT j.id, j.kind, j.analysis_id, j.index_digest, a.artifact_sha256 FROM jobs j
                 JOIN analyses a ON a.id = j.analysis_id
                 WHERE j.state = 'queued' ORDER BY j.id LIMIT 1
                 FOR UPDATE OF j SKIP LOCKED"
            }
            Backend::Sqlite => {
                "SELECT j.id, j.kind, j.analysis_id, j.index_digest, a.artifact_sha256 FROM jobs j
                 JOIN analyses a ON a.id = j.analysis_id
                 WHERE j.state = 'queued' ORDER BY j.id LIMIT 1"
            }
        };
        let Some(row) = sqlx::query(pick).fetch_optional(&mut *tx).await? else {
            return Ok(None);
        };
        let job_id: i64 = row.try_get("id")?;
        let kind: String = row.try_get("kind")?;
        let index_digest: Option<String> = row.try_get("index_digest")?;
        let analysis_id: i64 = row.try_get("analysis_id")?;
        let artifact_sha256: String = row.try_get("artifact_sha256")?;
        let claimed = sqlx::query(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1,
                 fencing_token = fencing_token + 1, lease_owner = $1, lease_expires_at = $2
             WHERE id = $3 RETURNING fencing_token, attempts",
        )
        .bind(worker)
        .bind(now_ms().saturating_add(millis(lease)))
        .bind(job_id)
        .fetch_one(&mut *tx)
        .await?;
        // A re-match replaces the report of a finished analysis: its status stays.
        if kind == ANALYSE {
            sqlx::query(
                "UPDATE analyses SET status = 'running', started_at = COALESCE(started_at, $1)
                 WHERE id = $2",
            )
            .bind(now())
            .bind(analysis_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(Claim {
            job_id,
            kind,
            index_digest,
            analysis_id,
            artifact_sha256,
            fencing_token: claimed.try_get("fencing_token")?,
            attempt: claimed.try_get("attempts")?,
        }))
    }

    /// Records the worker's progress (a JSON object) and extends its lease by `lease`.
    pub async fn record_progress(
        &self,
        claim: &Claim,
        progress: &str,
        lease: Duration,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        self.fence(&mut tx, claim, Some(lease)).await?;
        sqlx::query("UPDATE analyses SET progress = $1 WHERE id = $2")
            .bind(progress)
            .bind(claim.analysis_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores how the job ended, if the claim is still current.
    pub async fn finish_job(&self, claim: &Claim, outcome: Outcome) -> Result<()> {
        let mut tx = self.begin_write().await?;
        self.fence(&mut tx, claim, None).await?;
        let (job_state, status, report, warning, error) = match outcome {
            Outcome::Done { report } => ("done", "done", Some(report), None, None),
            Outcome::Partial { report, warning } => {
                ("done", "partial", Some(report), Some(warning), None)
            }
            Outcome::Failed { error } => ("failed", "failed", None, None, Some(error)),
        };
        let t = now();
        sqlx::query(
            "UPDATE jobs SET state = $1, lease_owner = NULL, lease_expires_at = NULL,
                 last_error = $2, finished_at = $3 WHERE id = $4",
        )
        .bind(job_state)
        .bind(error.as_deref())
        .bind(t)
        .bind(claim.job_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE analyses SET status = $1, report = $2, warning = $3, error = $4, finished_at = $5
             WHERE id = $6",
        )
        .bind(status)
        .bind(report)
        .bind(warning)
        .bind(error)
        .bind(t)
        .bind(claim.analysis_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives a held job back to the queue without counting the attempt (graceful shutdown).
    pub async fn release_job(&self, claim: &Claim) -> Result<()> {
        let mut tx = self.begin_write().await?;
        self.fence(&mut tx, claim, None).await?;
        sqlx::query(
            "UPDATE jobs SET state = 'queued', attempts = attempts - 1, lease_owner = NULL,
                 lease_expires_at = NULL WHERE id = $1",
        )
        .bind(claim.job_id)
        .execute(&mut *tx)
        .await?;
        if claim.kind == ANALYSE {
            sqlx::query("UPDATE analyses SET status = 'queued', progress = '{}' WHERE id = $1")
                .bind(claim.analysis_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Requeues the running jobs whose lease expired (failing those out of attempts);
    /// returns how many it touched.
    pub async fn requeue_expired(&self) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let pick = match self.backend {
            Backend::Postgres => {
                "SELECT id, kind, analysis_id, attempts, max_attempts FROM jobs
                 WHERE state = 'running' AND lease_expires_at < $1 FOR UPDATE SKIP LOCKED"
            }
            Backend::Sqlite => {
                "SELECT id, kind, analysis_id, attempts, max_attempts FROM jobs
                 WHERE state = 'running' AND lease_expires_at < $1"
            }
        };
        let rows = sqlx::query(pick).bind(now_ms()).fetch_all(&mut *tx).await?;
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            // Only an analysis job's analysis follows its job; a re-match leaves it be.
            let kind: String = row.try_get("kind")?;
            let analysis: i64 = row.try_get("analysis_id")?;
            let follows = kind == ANALYSE;
            let attempts: i64 = row.try_get("attempts")?;
            let max: i64 = row.try_get("max_attempts")?;
            if attempts >= max {
                let error = format!("the worker's lease expired {attempts} times; given up");
                sqlx::query(
                    "UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_expires_at = NULL,
                         last_error = $1, finished_at = $2 WHERE id = $3",
                )
                .bind(&error)
                .bind(now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if follows {
                    sqlx::query(
                        "UPDATE analyses SET status = 'failed', error = $1, finished_at = $2 WHERE id = $3",
                    )
                    .bind(&error)
                    .bind(now())
                    .bind(analysis)
                    .execute(&mut *tx)
                    .await?;
                }
            } else {
                sqlx::query(
                    "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL
                     WHERE id = $1",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if follows {
                    sqlx::query("UPDATE analyses SET status = 'queued' WHERE id = $1")
                        .bind(analysis)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    /// A job's stored state (for operators and tests).
    pub async fn job(&self, id: i64) -> Result<JobInfo> {
        let row = sqlx::query(
            "SELECT id, analysis_id, state, attempts, fencing_token, last_error FROM jobs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::NotFound)?;
        Ok(JobInfo {
            id: row.try_get("id")?,
            analysis_id: row.try_get("analysis_id")?,
            state: row.try_get("state")?,
            attempts: row.try_get("attempts")?,
            fencing_token: row.try_get("fencing_token")?,
            last_error: row.try_get("last_error")?,
        })
    }

    /// Fails with [`Error::StaleLease`] unless `claim` still holds its job; optionally extends
    /// the lease.
    pub(crate) async fn fence(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        claim: &Claim,
        extend: Option<Duration>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_expires_at = COALESCE($1, lease_expires_at)
             WHERE id = $2 AND fencing_token = $3 AND state = 'running'",
        )
        .bind(extend.map(|l| now_ms().saturating_add(millis(l))))
        .bind(claim.job_id)
        .bind(claim.fencing_token)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::StaleLease {
                job: claim.job_id,
                token: claim.fencing_token,
            });
        }
        Ok(())
    }

    /// A transaction that holds the write lock from its start: `BEGIN IMMEDIATE` on SQLite
    /// (a deferred transaction that reads first can fail to upgrade), plain on PostgreSQL.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }
}
