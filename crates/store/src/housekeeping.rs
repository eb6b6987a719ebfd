//! What operators watch and what a periodic task sweeps: counts of jobs and analyses by
//! state (for `/metrics`), and the pruning of expired sessions and API tokens.

use sqlx::Row;

use crate::{Result, Store, now};

/// Counts by state, sorted by state name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueCounts {
    /// Jobs by state (`queued`, `running`, `done`, `failed`).
    pub jobs: Vec<(String, i64)>,
    /// Analyses by status (`queued`, `running`, `done`, `partial`, `failed`).
    pub analyses: Vec<(String, i64)>,
}

/// What one sweep removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub sessions: u64,
    pub tokens: u64,
}

/// How long a revoked token's record stays listed for its owner after revocation, seconds.
pub const REVOKED_TOKEN_RETENTION: i64 = 30 * 24 * 3600;

impl Store {
    /// True once any user exists (false on a database this start created: the first admin
    /// and `--demo`'s data set are made only then).
    pub async fn has_users(&self) -> Result<bool> {
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        Ok(n > 0)
    }

    /// Jobs and analyses counted by state (across all tenants: for operators' metrics).
    pub async fn queue_counts(&self) -> Result<QueueCounts> {
        let count = |sql: &'static str| async move {
            let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
            rows.iter()
                .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
                .collect::<Result<Vec<_>>>()
        };
        Ok(QueueCounts {
            jobs: count("SELECT state, COUNT(*) FROM jobs GROUP BY state ORDER BY state").await?,
            analyses: count(
                "SELECT status, COUNT(*) FROM analyses GROUP BY status ORDER BY status",
            )
            .await?,
        })
    }

    /// Deletes sessions that expired, API tokens that expired, and tokens revoked more than
    /// [`REVOKED_TOKEN_RETENTION`] ago. Expired credentials already fail authentication; this
    /// keeps the tables from growing without bound.
    pub async fn prune_credentials(&self) -> Result<Pruned> {
        let t = now();
        let mut tx = self.begin_write().await?;
        let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(t)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let tokens =
            sqlx::query("DELETE FROM api_tokens WHERE expires_at <= $1 OR revoked_at <= $2")
                .bind(t)
                .bind(t.saturating_sub(REVOKED_TOKEN_RETENTION))
                .execute(&mut *tx)
                .await?
                .rows_affected();
        tx.commit().await?;
        Ok(Pruned { sessions, tokens })
    }
}
