//! Credentials: password login, sessions (hashed id + CSRF token) and API tokens (stored as the
//! SHA-256 of a secret shown once; named, scoped, expiring, revocable).

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::secret::{digest, hash_password, random_secret, verify_password};
use crate::{Actor, Error, Result, Role, Store, now};

/// What an API token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    /// Safe requests (GET) only.
    Read,
    /// State-changing requests too.
    Write,
}

impl TokenScope {
    /// The scope named `s`.
    pub fn parse(s: &str) -> Option<TokenScope> {
        match s {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            _ => None,
        }
    }

    /// Its stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }
}

/// An API token as listed (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub scopes: Vec<TokenScope>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A token just created: its record and the secret, shown this once.
#[derive(Clone, Debug)]
pub struct NewToken {
    pub token: ApiToken,
    pub secret: String,
}

/// A session just created: the secret for the cookie and the CSRF token.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub secret: String,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// A live session, looked up by its secret.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub actor: Actor,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// The prefix of every API token secret (so leaked tokens are recognisable by scanners).
const TOKEN_PREFIX: &str = "nvt_";

fn parse_scopes(s: &str) -> Vec<TokenScope> {
    s.split(',').filter_map(TokenScope::parse).collect()
}

fn token_from(row: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        scopes: parse_scopes(&row.try_get::<String, _>("scopes")?),
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

/// The actor of a joined `users` row (`user_id`, `org_id`, `role`).
pub(crate) fn actor_from(row: &AnyRow) -> Result<Actor> {
    let role: String = row.try_get("role")?;
    Ok(Actor {
        user: row.try_get("user_id")?,
        org: row.try_get("org_id")?,
        role: Role::parse(&role)
            .ok_or_else(|| Error::Invalid(format!("stored role {role:?} is unknown")))?,
    })
}

impl Store {
    /// Creates the regulator organisation and its first admin when there are no users yet.
    /// Returns the admin's password when one was generated (to be shown once), `None` when
    /// `password` was given or users already exist.
    pub async fn bootstrap_admin(&self, password: Option<String>) -> Result<Option<String>> {
        let users: i64 = sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        if users > 0 {
            return Ok(None);
        }
        let generated = password.is_none();
        let password = match password {
            Some(p) => p,
            None => random_secret(16)?,
        };
        let hash = hash_password(password.clone()).await?;
        let mut tx = self.pool.begin().await?;
        let t = now();
        let org: i64 = sqlx::query(
            "INSERT INTO organisations (name, kind, created_at) VALUES ($1, 'regulator', $2) RETURNING id",
        )
        .bind("Regulator")
        .bind(t)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        sqlx::query(
            "INSERT INTO users (org_id, name, role, password_hash, created_at) VALUES ($1, 'admin', 'admin', $2, $3)",
        )
        .bind(org)
        .bind(hash)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(generated.then_some(password))
    }

    /// The user named `name` if `password` is theirs.
    pub async fn login(&self, name: &str, password: &str) -> Result<Actor> {
        let row = sqlx::query(
            "SELECT id AS user_id, org_id, role, password_hash FROM users WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            // Spend the time a verification takes, so timing does not tell which names exist.
            hash_password(password.to_string()).await?;
            return Err(Error::Unauthenticated);
        };
        let hash: String = row.try_get("password_hash")?;
        if verify_password(password.to_string(), hash).await? {
            actor_from(&row)
        } else {
            Err(Error::Unauthenticated)
        }
    }

    /// Starts a session for `actor` lasting `ttl_secs`.
    pub async fn create_session(&self, actor: &Actor, ttl_secs: i64) -> Result<NewSession> {
        let secret = random_secret(32)?;
        let csrf_token = random_secret(32)?;
        let t = now();
        let expires_at = t.saturating_add(ttl_secs);
        sqlx::query(
            "INSERT INTO sessions (user_id, secret_sha256, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(actor.user)
        .bind(digest(&secret))
        .bind(&csrf_token)
        .bind(t)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(NewSession {
            secret,
            csrf_token,
            expires_at,
        })
    }

    /// The live session whose secret is `secret`.
    pub async fn session(&self, secret: &str) -> Result<SessionInfo> {
        let row = sqlx::query(
            "SELECT s.user_id, u.org_id, u.role, s.csrf_token, s.expires_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.secret_sha256 = $1 AND s.expires_at > $2",
        )
        .bind(digest(secret))
        .bind(now())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::Unauthenticated)?;
        Ok(SessionInfo {
            actor: actor_from(&row)?,
            csrf_token: row.try_get("csrf_token")?,
            expires_at: row.try_get("expires_at")?,
        })
    }

    /// Ends the session whose secret is `secret` (and any expired ones).
    pub async fn end_session(&self, secret: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE secret_sha256 = $1 OR expires_at <= $2")
            .bind(digest(secret))
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Creates an API token for `actor` itself. An auditor reads only, so its tokens may
    /// only read.
    pub async fn create_token(
        &self,
        actor: &Actor,
        name: &str,
        scopes: &[TokenScope],
        expires_at: Option<i64>,
    ) -> Result<NewToken> {
        let name = name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(Error::Invalid(
                "a token's name has 1 to 100 characters".into(),
            ));
        }
        if scopes.is_empty() {
            return Err(Error::Invalid("a token needs at least one scope".into()));
        }
        if actor.role == Role::Auditor && scopes.contains(&TokenScope::Write) {
            return Err(Error::Forbidden(
                "the auditor role reads only: its tokens may not have the write scope".into(),
            ));
        }
        let t = now();
        if expires_at.is_some_and(|e| e <= t) {
            return Err(Error::Invalid("the expiry is in the past".into()));
        }
        let mut scopes = scopes.to_vec();
        scopes.sort_by_key(|s| s.as_str());
        scopes.dedup();
        let stored: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        let secret = format!("{TOKEN_PREFIX}{}", random_secret(32)?);
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, secret_sha256, scopes, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING id, user_id, name, scopes, created_at, expires_at, revoked_at",
        )
        .bind(actor.user)
        .bind(name)
        .bind(digest(&secret))
        .bind(stored.join(","))
        .bind(t)
        .bind(expires_at)
        .fetch_one(&self.pool)
        .await?;
        Ok(NewToken {
            token: token_from(&row)?,
            secret,
        })
    }

    /// The actor's own tokens, newest first.
    pub async fn list_tokens(&self, actor: &Actor) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, user_id, name, scopes, created_at, expires_at, revoked_at
             FROM api_tokens WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(actor.user)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token_from).collect()
    }

    /// Revokes one of the actor's own tokens (an admin may revoke anyone's).
    pub async fn revoke_token(&self, actor: &Actor, id: i64) -> Result<ApiToken> {
        let row = sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1)
             WHERE id = $2 AND (user_id = $3 OR $4 = 1)
             RETURNING id, user_id, name, scopes, created_at, expires_at, revoked_at",
        )
        .bind(now())
        .bind(id)
        .bind(actor.user)
        .bind(i64::from(actor.role == Role::Admin))
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::NotFound)?;
        token_from(&row)
    }

    /// The actor and scopes of a live (not revoked, not expired) token secret.
    pub async fn token(&self, secret: &str) -> Result<(Actor, Vec<TokenScope>)> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Err(Error::Unauthenticated);
        }
        let row = sqlx::query(
            "SELECT t.user_id, u.org_id, u.role, t.scopes
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.secret_sha256 = $1 AND t.revoked_at IS NULL
               AND (t.expires_at IS NULL OR t.expires_at > $2)",
        )
        .bind(digest(secret))
        .bind(now())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(Error::Unauthenticated)?;
        Ok((
            actor_from(&row)?,
            parse_scopes(&row.try_get::<String, _>("scopes")?),
        ))
    }
}
