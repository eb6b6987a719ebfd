//! Catalogue overlays: requirements catalogues the regulator uploads, each extending a built-in
//! catalogue, stored once by the digest of their files (validated by the caller through
//! `netvet-pipeline` first). Catalogues are published rules: every role reads them; admin and
//! analyst upload them.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::unique;
use crate::{Actor, Error, Page, Product, Result, Role, Store, now};

/// A stored overlay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Overlay {
    pub id: i64,
    /// SHA-256 of its files (hex), its identity.
    pub digest: String,
    /// The catalogue's own id (from its `catalogue.toml`).
    pub catalogue_id: String,
    /// The built-in catalogue it extends.
    pub extends: String,
    /// Its files: a JSON object of relative path → text.
    pub files: String,
    /// Its summary as `netvet catalogue check` gives it (JSON).
    pub summary: String,
    /// Who uploaded it first.
    pub user_id: i64,
    pub created_at: i64,
}

/// An overlay to store, already validated.
#[derive(Clone, Debug)]
pub struct NewOverlay {
    pub digest: String,
    pub catalogue_id: String,
    pub extends: String,
    pub files: String,
    pub summary: String,
}

const COLUMNS: &str = "id, digest, catalogue_id, extends, files, summary, user_id, created_at";

fn overlay_from(row: &AnyRow) -> Result<Overlay> {
    Ok(Overlay {
        id: row.try_get("id")?,
        digest: row.try_get("digest")?,
        catalogue_id: row.try_get("catalogue_id")?,
        extends: row.try_get("extends")?,
        files: row.try_get("files")?,
        summary: row.try_get("summary")?,
        user_id: row.try_get("user_id")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Role {
    /// May upload catalogue overlays.
    pub fn writes_catalogues(self) -> bool {
        matches!(self, Role::Admin | Role::Analyst)
    }
}

impl Store {
    /// Fails unless the actor may upload catalogue overlays (checked before validation).
    pub fn check_overlay_upload(&self, actor: &Actor) -> Result<()> {
        actor.require(actor.role.writes_catalogues(), "upload catalogues")
    }

    /// Stores an overlay unless one with its digest is stored; returns the stored one and
    /// whether this call stored it.
    pub async fn create_overlay(&self, actor: &Actor, new: NewOverlay) -> Result<(Overlay, bool)> {
        self.check_overlay_upload(actor)?;
        if new.digest.len() != 64 || !new.digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::Invalid("digest: 64 hex digits".into()));
        }
        let inserted = sqlx::query(
            "INSERT INTO catalogue_overlays (digest, catalogue_id, extends, files, summary, user_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (digest) DO NOTHING",
        )
        .bind(&new.digest)
        .bind(&new.catalogue_id)
        .bind(&new.extends)
        .bind(&new.files)
        .bind(&new.summary)
        .bind(actor.user)
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(|e| unique(e, "that overlay"))?
        .rows_affected()
            > 0;
        Ok((self.overlay(actor, &new.digest).await?, inserted))
    }

    /// The stored overlays, oldest first.
    pub async fn list_overlays(&self, _actor: &Actor, page: Page) -> Result<Vec<Overlay>> {
        let (limit, offset) = page.bounds();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM catalogue_overlays ORDER BY id LIMIT $1 OFFSET $2"
        )))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(overlay_from).collect()
    }

    /// The overlay of `digest`.
    pub async fn overlay(&self, _actor: &Actor, digest: &str) -> Result<Overlay> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM catalogue_overlays WHERE digest = $1"
        )))
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::NotFound)?;
        overlay_from(&row)
    }

    /// Every product record the actor may see (the products an impact judges without an
    /// inventory), by id; refused beyond [`crate::MAX_NETWORK_PRODUCTS`].
    pub async fn visible_products(&self, actor: &Actor) -> Result<Vec<Product>> {
        let (all, org) = actor.scope();
        let max = crate::MAX_NETWORK_PRODUCTS;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM products WHERE ($1 = 1 OR org_id = $2) ORDER BY id LIMIT $3",
            crate::products::COLUMNS
        )))
        .bind(all)
        .bind(org)
        .bind(max + 1)
        .fetch_all(&self.pool)
        .await?;
        if rows.len() as i64 > max {
            return Err(Error::Invalid(format!(
                "more than {max} product records: too many for one impact report"
            )));
        }
        rows.iter().map(crate::products::product_from).collect()
    }
}
