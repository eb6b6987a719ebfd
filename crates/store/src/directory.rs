//! Organisations and users. Only an admin creates them; the regulator's roles list all,
//! everyone else sees their own organisation and themselves.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::unique;
use crate::secret::hash_password;
use crate::{Actor, Error, OrgKind, Page, Result, Role, Store, now};

/// An organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
    pub created_at: i64,
}

/// A user (never their password hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub role: Role,
    pub created_at: i64,
}

/// A user to create.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub org_id: i64,
    pub name: String,
    pub role: Role,
    pub password: String,
}

/// Shortest password accepted.
const MIN_PASSWORD: usize = 12;

fn org_from(row: &AnyRow) -> Result<Organisation> {
    let kind: String = row.try_get("kind")?;
    Ok(Organisation {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: OrgKind::parse(&kind)
            .ok_or_else(|| Error::Invalid(format!("stored kind {kind:?} is unknown")))?,
        created_at: row.try_get("created_at")?,
    })
}

fn user_from(row: &AnyRow) -> Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        org_id: row.try_get("org_id")?,
        name: row.try_get("name")?,
        role: Role::parse(&role)
            .ok_or_else(|| Error::Invalid(format!("stored role {role:?} is unknown")))?,
        created_at: row.try_get("created_at")?,
    })
}

/// A display name: 1 to 100 characters, no control characters.
pub(crate) fn check_name(what: &str, name: &str) -> Result<()> {
    if name.trim().is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "{what}: 1 to 100 characters, no control characters"
        )));
    }
    Ok(())
}

impl Store {
    /// Creates an organisation (admin only).
    pub async fn create_organisation(
        &self,
        actor: &Actor,
        name: &str,
        kind: OrgKind,
    ) -> Result<Organisation> {
        actor.require(actor.role == Role::Admin, "create organisations")?;
        check_name("organisation name", name)?;
        let row = sqlx::query(
            "INSERT INTO organisations (name, kind, created_at) VALUES ($1, $2, $3)
             RETURNING id, name, kind, created_at",
        )
        .bind(name)
        .bind(kind.as_str())
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| unique(e, "an organisation of that name"))?;
        org_from(&row)
    }

    /// The organisations the actor may see, by id.
    pub async fn list_organisations(&self, actor: &Actor, page: Page) -> Result<Vec<Organisation>> {
        let (all, org) = actor.scope();
        let (limit, offset) = page.bounds();
        let rows = sqlx::query(
            "SELECT id, name, kind, created_at FROM organisations
             WHERE ($1 = 1 OR id = $2) ORDER BY id LIMIT $3 OFFSET $4",
        )
        .bind(all)
        .bind(org)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(org_from).collect()
    }

    /// One organisation, if the actor may see it.
    pub async fn organisation(&self, actor: &Actor, id: i64) -> Result<Organisation> {
        let (all, org) = actor.scope();
        let row = sqlx::query(
            "SELECT id, name, kind, created_at FROM organisations WHERE id = $1 AND ($2 = 1 OR id = $3)",
        )
        .bind(id)
        .bind(all)
        .bind(org)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::NotFound)?;
        org_from(&row)
    }

    /// Creates a user (admin only); the role must fit the organisation's kind.
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<User> {
        actor.require(actor.role == Role::Admin, "create users")?;
        check_name("user name", &new.name)?;
        if new.password.chars().count() < MIN_PASSWORD || new.password.len() > 1024 {
            return Err(Error::Invalid(format!(
                "a password has {MIN_PASSWORD} to 1024 characters"
            )));
        }
        let org = self.organisation(actor, new.org_id).await?;
        if new.role.org_kind() != org.kind {
            return Err(Error::Invalid(format!(
                "the {} role belongs to a {} organisation, and {} is a {}",
                new.role.as_str(),
                new.role.org_kind().as_str(),
                org.name,
                org.kind.as_str()
            )));
        }
        let hash = hash_password(new.password).await?;
        let row = sqlx::query(
            "INSERT INTO users (org_id, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)
             RETURNING id, org_id, name, role, created_at",
        )
        .bind(org.id)
        .bind(&new.name)
        .bind(new.role.as_str())
        .bind(hash)
        .bind(now())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| unique(e, "a user of that name"))?;
        user_from(&row)
    }

    /// The users the actor may see: all for the regulator's roles, else only themselves.
    pub async fn list_users(&self, actor: &Actor, page: Page) -> Result<Vec<User>> {
        let (limit, offset) = page.bounds();
        let rows = sqlx::query(
            "SELECT id, org_id, name, role, created_at FROM users
             WHERE ($1 = 1 OR id = $2) ORDER BY id LIMIT $3 OFFSET $4",
        )
        .bind(i64::from(actor.role.sees_all()))
        .bind(actor.user)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from).collect()
    }

    /// One user, if the actor may see them.
    pub async fn user(&self, actor: &Actor, id: i64) -> Result<User> {
        let row = sqlx::query(
            "SELECT id, org_id, name, role, created_at FROM users WHERE id = $1 AND ($2 = 1 OR id = $3)",
        )
        .bind(id)
        .bind(i64::from(actor.role.sees_all()))
        .bind(actor.user)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::NotFound)?;
        user_from(&row)
    }
}
