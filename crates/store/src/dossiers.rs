//! Edits of vendor dossiers, kept as revisions: each holds the whole dossier after the edit
//! (JSON, validated by the caller through `netvet-pipeline` before it is stored), what
//! changed (the dossier or one fact), the previous value of that, who and when. A vendor's
//! newest revision is its dossier; revision 0 means the built-in one.
//!
//! Dossiers are public facts about vendors: every role reads them. Only the regulator's admin
//! and analyst edit them, and only the regulator's roles read the history (who changed what).

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::unique;
use crate::{Actor, Error, Page, Result, Role, Store, now};

/// Most vendors with stored dossiers read at once.
pub const MAX_STORED_DOSSIERS: i64 = 10_000;

/// What an edit changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DossierChange {
    /// The whole dossier was replaced (or created).
    Dossier,
    /// One fact was added or replaced.
    Fact,
}

impl DossierChange {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DossierChange::Dossier => "dossier",
            DossierChange::Fact => "fact",
        }
    }
}

/// One stored revision of a vendor's dossier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DossierRevision {
    pub vendor_id: String,
    /// 1 for the first edit; each edit adds one.
    pub revision: i64,
    /// The whole dossier after the edit (JSON).
    pub dossier: String,
    pub change: DossierChange,
    /// The fact changed, for a fact edit.
    pub fact_id: Option<String>,
    /// The previous value of what changed (JSON): the dossier, or the fact (`None` when the
    /// fact or dossier is new).
    pub previous: Option<String>,
    /// Who made the edit.
    pub user_id: i64,
    pub created_at: i64,
}

/// An edit to store.
#[derive(Clone, Debug)]
pub struct DossierEdit {
    pub vendor_id: String,
    pub dossier: String,
    pub change: DossierChange,
    pub fact_id: Option<String>,
    pub previous: Option<String>,
    /// Store only if the vendor's newest revision is still this one (0: the built-in dossier).
    pub expected_revision: Option<i64>,
}

const COLUMNS: &str =
    "vendor_id, revision, dossier, change, fact_id, previous, user_id, created_at";

fn revision_from(row: &AnyRow) -> Result<DossierRevision> {
    let change: String = row.try_get("change")?;
    Ok(DossierRevision {
        vendor_id: row.try_get("vendor_id")?,
        revision: row.try_get("revision")?,
        dossier: row.try_get("dossier")?,
        change: match change.as_str() {
            "dossier" => DossierChange::Dossier,
            "fact" => DossierChange::Fact,
            other => {
                return Err(Error::Invalid(format!(
                    "stored dossier change {other:?} is unknown"
                )));
            }
        },
        fact_id: row.try_get("fact_id")?,
        previous: row.try_get("previous")?,
        user_id: row.try_get("user_id")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Role {
    /// May edit vendor dossiers.
    pub fn edits_dossiers(self) -> bool {
        matches!(self, Role::Admin | Role::Analyst)
    }
}

impl Store {
    /// Fails unless the actor may edit dossiers (checked before the edit is validated).
    pub fn check_dossier_edit(&self, actor: &Actor) -> Result<()> {
        actor.require(actor.role.edits_dossiers(), "edit dossiers")
    }

    /// The newest revision of every vendor with a stored dossier, by vendor id.
    pub async fn stored_dossiers(&self, _actor: &Actor) -> Result<Vec<DossierRevision>> {
        self.dossiers_in_effect().await
    }

    /// [`Store::stored_dossiers`] for the workers, which act for no user (dossiers are
    /// readable by every role).
    pub async fn dossiers_in_effect(&self) -> Result<Vec<DossierRevision>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM dossier_revisions d
             WHERE revision = (SELECT MAX(revision) FROM dossier_revisions e WHERE e.vendor_id = d.vendor_id)
             ORDER BY vendor_id LIMIT $1"
        )))
        .bind(MAX_STORED_DOSSIERS + 1)
        .fetch_all(&self.pool)
        .await?;
        if rows.len() as i64 > MAX_STORED_DOSSIERS {
            return Err(Error::Invalid(format!(
                "more than {MAX_STORED_DOSSIERS} stored dossiers"
            )));
        }
        rows.iter().map(revision_from).collect()
    }

    /// The newest stored revision of `vendor_id`'s dossier, `None` when it has none.
    pub async fn stored_dossier(
        &self,
        _actor: &Actor,
        vendor_id: &str,
    ) -> Result<Option<DossierRevision>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM dossier_revisions WHERE vendor_id = $1
             ORDER BY revision DESC LIMIT 1"
        )))
        .bind(vendor_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(revision_from).transpose()
    }

    /// Stores an edit as the vendor's next revision, in one transaction; a conflict when
    /// `expected_revision` is stale or another edit took the revision meanwhile.
    pub async fn save_dossier(&self, actor: &Actor, edit: DossierEdit) -> Result<DossierRevision> {
        self.check_dossier_edit(actor)?;
        if edit.vendor_id.is_empty() || edit.vendor_id.len() > 100 {
            return Err(Error::Invalid("vendor id: 1 to 100 characters".into()));
        }
        let mut tx = self.begin_write().await?;
        let current: i64 = sqlx::query(
            "SELECT CAST(COALESCE(MAX(revision), 0) AS BIGINT) FROM dossier_revisions WHERE vendor_id = $1",
        )
        .bind(&edit.vendor_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        if let Some(expected) = edit.expected_revision
            && expected != current
        {
            return Err(Error::Conflict(format!(
                "the dossier of {} is at revision {current}, not {expected}",
                edit.vendor_id
            )));
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO dossier_revisions (vendor_id, revision, dossier, change, fact_id, previous, user_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
        )))
        .bind(&edit.vendor_id)
        .bind(current + 1)
        .bind(&edit.dossier)
        .bind(edit.change.as_str())
        .bind(&edit.fact_id)
        .bind(&edit.previous)
        .bind(actor.user)
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| unique(e, "that revision of the dossier"))?;
        let saved = revision_from(&row)?;
        tx.commit().await?;
        Ok(saved)
    }

    /// The revisions of `vendor_id`'s dossier, newest first (the regulator's roles only).
    pub async fn dossier_history(
        &self,
        actor: &Actor,
        vendor_id: &str,
        page: Page,
    ) -> Result<Vec<DossierRevision>> {
        actor.require(actor.role.sees_all(), "read the history of dossiers")?;
        let (limit, offset) = page.bounds();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM dossier_revisions WHERE vendor_id = $1
             ORDER BY revision DESC LIMIT $2 OFFSET $3"
        )))
        .bind(vendor_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(revision_from).collect()
    }
}
