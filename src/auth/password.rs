//! Argon2id password hashing, off the async executor.

use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::error::ApiError;

pub const MIN_PASSWORD_LEN: usize = 12;
pub const MAX_PASSWORD_LEN: usize = 128;

/// The most common passwords, lower case (a file of one per line, `#` comments).
fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Whether a password is too easy to guess: on the common list, or a common password with
/// digits or symbols added at its end ("password2024!"), or one character repeated.
fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let list = common_passwords();
    let mut chars = lower.chars();
    let first = chars.next();
    list.contains(lower.as_str())
        || (stem.chars().count() >= 4 && list.contains(stem))
        || chars.all(|c| Some(c) == first)
}

/// Checks the length rules and the list of common passwords; the message never echoes the
/// password.
pub fn check_policy(password: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(format!(
            "must be at least {MIN_PASSWORD_LEN} characters long"
        ));
    }
    if len > MAX_PASSWORD_LEN {
        return Err(format!(
            "must be at most {MAX_PASSWORD_LEN} characters long"
        ));
    }
    if is_common(password) {
        return Err("is too common or too easy to guess; choose another".into());
    }
    Ok(())
}

pub async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)?
}

/// Verifies a password. With no stored hash (unknown user) it verifies against a dummy hash so
/// that the time taken does not reveal whether the account exists, and answers false.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = match stored {
            Some(s) => s,
            None => dummy_hash()?,
        };
        let parsed = PasswordHash::new(&stored).map_err(ApiError::internal)?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && known)
    })
    .await
    .map_err(ApiError::internal)?
}

fn dummy_hash() -> Result<String, ApiError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h.clone());
    }
    let h = Argon2::default()
        .hash_password(b"exportbridge-dummy-password-for-timing")
        .map(|h| h.to_string())
        .map_err(ApiError::internal)?;
    Ok(DUMMY.get_or_init(|| h).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            verify("correct horse battery".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse battery".into(), Some(h)).await.unwrap());
        assert!(!verify("anything at all".into(), None).await.unwrap());
    }

    #[test]
    fn policy_counts_characters() {
        assert!(check_policy("short").is_err());
        assert!(check_policy("tiruppur knits").is_ok());
        assert!(check_policy(&"xy".repeat(6)).is_ok());
        assert!(check_policy(&"xy".repeat(65)).is_err());
    }

    #[test]
    fn policy_refuses_common_passwords() {
        for weak in [
            "qwerty123456",
            "1qaz2wsx3edc",
            "Password2024!",
            "iloveyou12345",
            "aaaaaaaaaaaa",
            "FINALFANTASY",
        ] {
            assert!(check_policy(weak).is_err(), "{weak}");
        }
        assert!(check_policy("correct horse battery staple").is_ok());
    }
}
