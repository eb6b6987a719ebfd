//! Operator inventories: the network elements an operator runs, stored as uploaded (CSV or
//! JSON text, validated by the caller through `netvet-pipeline` before it is stored), owned by
//! an operator organisation.
//!
//! An operator sees and uploads its own; admin and analyst upload for any operator and, with
//! the decider and the auditor, see all; vendors and labs see none.
//!
//! A network report on an inventory judges the products its elements run, so whoever may see
//! the inventory may have it judged against every stored product record and the newest scan
//! report of each record's firmware ([`Store::network_inputs`]): the records and reports
//! themselves are not handed out, only the verdicts the catalogue gives on them.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::directory::check_name;
use crate::products::product_from;
use crate::{Actor, Error, OrgKind, Page, Product, Result, Role, Store, now};

/// Largest inventory text stored, bytes.
pub const MAX_INVENTORY_BYTES: usize = 16 << 20;

/// Most product records a network report reads (beyond: the report is refused).
pub const MAX_NETWORK_PRODUCTS: i64 = 10_000;

/// A stored inventory (without its content, which is fetched on its own).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Inventory {
    pub id: i64,
    /// The operator organisation that owns it.
    pub org_id: i64,
    /// Who uploaded it.
    pub user_id: i64,
    pub name: String,
    /// `csv` or `json`.
    pub format: String,
    /// SHA-256 of the content (hex).
    pub sha256: String,
    /// Bytes of the content.
    pub size: i64,
    /// Network elements it holds.
    pub elements: i64,
    pub created_at: i64,
}

/// An inventory to store, already validated.
#[derive(Clone, Debug)]
pub struct NewInventory {
    /// The operator organisation; an operator's own when `None`.
    pub org_id: Option<i64>,
    pub name: String,
    /// `csv` or `json`.
    pub format: String,
    pub content: String,
    /// Network elements it holds.
    pub elements: u64,
}

/// What a network report on an inventory reads.
#[derive(Clone, Debug)]
pub struct NetworkInputs {
    pub inventory: Inventory,
    pub content: String,
    /// Every stored product record, by id.
    pub products: Vec<Product>,
}

const COLUMNS: &str = "id, org_id, user_id, name, format, sha256, size, elements, created_at";

fn inventory_from(row: &AnyRow) -> Result<Inventory> {
    Ok(Inventory {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        format: row.try_get("format")?,
        sha256: row.try_get("sha256")?,
        size: row.try_get("size")?,
        elements: row.try_get("elements")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Role {
    /// May upload operator inventories (an operator its own; admin and analyst any
    /// operator's).
    pub fn writes_inventories(self) -> bool {
        matches!(self, Role::Admin | Role::Analyst | Role::Operator)
    }
}

impl Store {
    /// Fails unless the actor may upload an inventory for `org_id` (checked before the body is
    /// read and parsed); returns the owning organisation.
    pub async fn check_inventory_upload(&self, actor: &Actor, org_id: Option<i64>) -> Result<i64> {
        actor.require(actor.role.writes_inventories(), "upload inventories")?;
        let org_id = match (actor.role, org_id) {
            (Role::Operator, None) => actor.org,
            (Role::Operator, Some(o)) if o == actor.org => actor.org,
            (Role::Operator, Some(_)) => return Err(Error::NotFound),
            (_, None) => {
                return Err(Error::Invalid(
                    "name the operator organisation (org_id) that owns the inventory".into(),
                ));
            }
            (_, Some(o)) => o,
        };
        let org = self.organisation(actor, org_id).await?;
        if org.kind != OrgKind::Operator {
            return Err(Error::Invalid(format!(
                "{} is a {}, not an operator: only operators own inventories",
                org.name,
                org.kind.as_str()
            )));
        }
        Ok(org.id)
    }

    /// Stores an inventory.
    pub async fn create_inventory(&self, actor: &Actor, new: NewInventory) -> Result<Inventory> {
        let org_id = self.check_inventory_upload(actor, new.org_id).await?;
        check_name("inventory name", &new.name)?;
        if !matches!(new.format.as_str(), "csv" | "json") {
            return Err(Error::Invalid(format!(
                "inventory format {:?}: csv or json",
                new.format
            )));
        }
        if new.content.len() > MAX_INVENTORY_BYTES {
            return Err(Error::Invalid(format!(
                "an inventory holds at most {MAX_INVENTORY_BYTES} bytes"
            )));
        }
        let size = i64::try_from(new.content.len()).unwrap_or(i64::MAX);
        let elements = i64::try_from(new.elements).unwrap_or(i64::MAX);
        let sha256 = hex::encode(Sha256::digest(new.content.as_bytes()));
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO inventories (org_id, user_id, name, format, content, sha256, size, elements, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {COLUMNS}"
        )))
        .bind(org_id)
        .bind(actor.user)
        .bind(&new.name)
        .bind(&new.format)
        .bind(&new.content)
        .bind(&sha256)
        .bind(size)
        .bind(elements)
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        inventory_from(&row)
    }

    /// The inventories the actor may see, by id.
    pub async fn list_inventories(&self, actor: &Actor, page: Page) -> Result<Vec<Inventory>> {
        let (all, org) = actor.scope();
        let (limit, offset) = page.bounds();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM inventories WHERE ($1 = 1 OR org_id = $2)
             ORDER BY id LIMIT $3 OFFSET $4"
        )))
        .bind(all)
        .bind(org)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(inventory_from).collect()
    }

    /// One inventory, if the actor may see it.
    pub async fn inventory(&self, actor: &Actor, id: i64) -> Result<Inventory> {
        Ok(self.inventory_with_content(actor, id).await?.0)
    }

    async fn inventory_with_content(&self, actor: &Actor, id: i64) -> Result<(Inventory, String)> {
        let (all, org) = actor.scope();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS}, content FROM inventories WHERE id = $1 AND ($2 = 1 OR org_id = $3)"
        )))
        .bind(id)
        .bind(all)
        .bind(org)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::NotFound)?;
        Ok((inventory_from(&row)?, row.try_get("content")?))
    }

    /// What a network report on inventory `id` reads: the inventory, its content and every
    /// stored product record (see the module's note on why these are not filtered by tenant).
    pub async fn network_inputs(&self, actor: &Actor, id: i64) -> Result<NetworkInputs> {
        let (inventory, content) = self.inventory_with_content(actor, id).await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM products ORDER BY id LIMIT $1",
            crate::products::COLUMNS
        )))
        .bind(MAX_NETWORK_PRODUCTS + 1)
        .fetch_all(&self.pool)
        .await?;
        if rows.len() as i64 > MAX_NETWORK_PRODUCTS {
            return Err(Error::Invalid(format!(
                "more than {MAX_NETWORK_PRODUCTS} product records: too many for one network report"
            )));
        }
        let products = rows.iter().map(product_from).collect::<Result<_>>()?;
        Ok(NetworkInputs {
            inventory,
            content,
            products,
        })
    }

    /// The newest scan report of each of `sha256s` (any tenant's), for a network report on
    /// inventory `id`, which the actor must see; in the order of `sha256s`.
    pub async fn network_reports(
        &self,
        actor: &Actor,
        id: i64,
        sha256s: &[String],
    ) -> Result<Vec<String>> {
        self.inventory(actor, id).await?;
        let mut out = Vec::new();
        for sha in sha256s {
            let row = sqlx::query(
                "SELECT report FROM analyses WHERE artifact_sha256 = $1 AND report IS NOT NULL
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(sha)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(row) = row {
                out.push(row.try_get("report")?);
            }
        }
        Ok(out)
    }
}
