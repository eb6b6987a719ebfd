//! Product records: the vendor organisation that owns each, and the record itself (the JSON
//! form of `netvet_model::Product`, validated by the caller before it is stored).

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::directory::check_name;
use crate::error::unique;
use crate::{Actor, Error, OrgKind, Page, Result, Role, Store, now};

/// A stored product record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Product {
    pub id: i64,
    /// The vendor organisation that owns it.
    pub org_id: i64,
    /// The record's own id (`acme-gnb-4.2`), unique across the store.
    pub record_id: String,
    pub name: String,
    /// The record, JSON.
    pub record: String,
    /// Starts at 1; each update adds one (the ETag of the record).
    pub revision: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A product record to store.
#[derive(Clone, Debug)]
pub struct NewProduct {
    /// The vendor organisation; a vendor's own organisation when `None`.
    pub org_id: Option<i64>,
    pub record_id: String,
    pub name: String,
    pub record: String,
}

pub(crate) const COLUMNS: &str =
    "id, org_id, record_id, name, record, revision, created_at, updated_at";

pub(crate) fn product_from(row: &AnyRow) -> Result<Product> {
    Ok(Product {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        record_id: row.try_get("record_id")?,
        name: row.try_get("name")?,
        record: row.try_get("record")?,
        revision: row.try_get("revision")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// Stores a new product record: a vendor's under its own organisation, an admin's or
    /// analyst's under the vendor organisation named.
    pub async fn create_product(&self, actor: &Actor, new: NewProduct) -> Result<Product> {
        actor.require(actor.role.writes_products(), "create product records")?;
        check_name("product name", &new.name)?;
        let org_id = match (actor.role, new.org_id) {
            (Role::Vendor, None) => actor.org,
            (Role::Vendor, Some(o)) if o == actor.org => actor.org,
            (Role::Vendor, Some(_)) => return Err(Error::NotFound),
            (_, None) => {
                return Err(Error::Invalid(
                    "name the vendor organisation (org_id) that owns the product".into(),
                ));
            }
            (_, Some(o)) => o,
        };
        let org = self.organisation(actor, org_id).await?;
        if org.kind != OrgKind::Vendor {
            return Err(Error::Invalid(format!(
                "{} is a {}, not a vendor: only vendors own product records",
                org.name,
                org.kind.as_str()
            )));
        }
        let t = now();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO products (org_id, record_id, name, record, revision, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING {COLUMNS}"
        )))
        .bind(org_id)
        .bind(&new.record_id)
        .bind(&new.name)
        .bind(&new.record)
        .bind(t)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| unique(e, "a product record with that id"))?;
        product_from(&row)
    }

    /// The product records the actor may see, by id.
    pub async fn list_products(&self, actor: &Actor, page: Page) -> Result<Vec<Product>> {
        let (all, org) = actor.scope();
        let (limit, offset) = page.bounds();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM products WHERE ($1 = 1 OR org_id = $2)
             ORDER BY id LIMIT $3 OFFSET $4"
        )))
        .bind(all)
        .bind(org)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(product_from).collect()
    }

    /// One product record, if the actor may see it.
    pub async fn product(&self, actor: &Actor, id: i64) -> Result<Product> {
        let (all, org) = actor.scope();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM products WHERE id = $1 AND ($2 = 1 OR org_id = $3)"
        )))
        .bind(id)
        .bind(all)
        .bind(org)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::NotFound)?;
        product_from(&row)
    }

    /// Replaces a product record's content. With `expected_revision`, the update happens only
    /// if the stored revision is still that one (else a conflict: someone changed it since).
    pub async fn update_product(
        &self,
        actor: &Actor,
        id: i64,
        name: &str,
        record: &str,
        expected_revision: Option<i64>,
    ) -> Result<Product> {
        // Visibility first, so another tenant's id is NotFound whatever the role.
        let current = self.product(actor, id).await?;
        actor.require(actor.role.writes_products(), "change product records")?;
        check_name("product name", name)?;
        if expected_revision.is_some_and(|r| r != current.revision) {
            return Err(Error::Conflict(format!(
                "the product record is at revision {}, not {}",
                current.revision,
                expected_revision.unwrap_or_default()
            )));
        }
        let (all, org) = actor.scope();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE products SET name = $1, record = $2, revision = revision + 1, updated_at = $3
             WHERE id = $4 AND revision = $5 AND ($6 = 1 OR org_id = $7) RETURNING {COLUMNS}"
        )))
        .bind(name)
        .bind(record)
        .bind(now())
        .bind(id)
        .bind(current.revision)
        .bind(all)
        .bind(org)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| Error::Conflict("the product record changed meanwhile".into()))?;
        product_from(&row)
    }
}
