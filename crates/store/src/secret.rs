//! Secrets: random values from the operating system, their SHA-256 (what is stored of a
//! token or session id), and argon2id password hashes.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// `bytes` random bytes from the operating system, as lowercase hex.
pub fn random_secret(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| Error::Hash(format!("no randomness: {e}")))?;
    Ok(hex::encode(buf))
}

/// The SHA-256 of `secret`, as lowercase hex: what the database keeps of a token.
pub(crate) fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// An argon2id hash of `password` (PHC string), computed off the async threads.
pub(crate) async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        argon2::Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::Hash(e.to_string()))
    })
    .await
    .map_err(|e| Error::Hash(e.to_string()))?
}

/// True when `password` matches `hash`; computed off the async threads.
pub(crate) async fn verify_password(password: String, hash: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .map_err(|e| Error::Hash(e.to_string()))
}
