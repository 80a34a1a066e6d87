//! HS256 access tokens with every registered claim required on validation.

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Role;
use crate::config::{Config, Mode};
use crate::error::ApiError;

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: Uuid,
    /// The caller's organisation.
    pub org: Uuid,
    pub role: Role,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
    /// The session (refresh-token family) the token belongs to: checked on every request, so a
    /// revoked session, a disabled user or a changed role take effect at once.
    pub sid: Uuid,
}

/// Keys and rules for access tokens.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: i64,
}

impl JwtKeys {
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let secret: Vec<u8> = match (&config.jwt_secret, config.mode) {
            (Some(s), _) => s.expose().as_bytes().to_vec(),
            (None, Mode::Dev) => {
                tracing::warn!(
                    "no EXPORTBRIDGE_JWT_SECRET set: using a key generated for this process"
                );
                rand::random::<[u8; 32]>().to_vec()
            }
            (None, Mode::Production) => {
                return Err("EXPORTBRIDGE_JWT_SECRET is required in production mode".into());
            }
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        validation.validate_exp = true;
        Ok(JwtKeys {
            encoding: EncodingKey::from_secret(&secret),
            decoding: DecodingKey::from_secret(&secret),
            validation,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            ttl_secs: config.access_token_ttl_secs,
        })
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    pub fn issue(
        &self,
        user: Uuid,
        organisation: Uuid,
        role: Role,
        session: Uuid,
    ) -> Result<String, ApiError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user,
            org: organisation,
            role,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + self.ttl_secs,
            jti: Uuid::now_v7(),
            sid: session,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(ApiError::internal)
    }

    /// Validates signature, algorithm, expiry, issuer and audience; a token issued in the
    /// future is refused too.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
            tracing::debug!(error = %e, "access token rejected");
            ApiError::Unauthorized("the access token is invalid or expired".into())
        })?;
        if data.claims.iat > Utc::now().timestamp() + self.validation.leeway as i64 {
            return Err(ApiError::Unauthorized(
                "the access token is invalid or expired".into(),
            ));
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn keys() -> JwtKeys {
        let mut c = Config::local_defaults();
        c.jwt_secret = Some(Secret::new("k".repeat(32)));
        JwtKeys::from_config(&c).unwrap()
    }

    #[test]
    fn issued_tokens_verify() {
        let k = keys();
        let (u, o) = (Uuid::now_v7(), Uuid::now_v7());
        let s = Uuid::now_v7();
        let t = k.issue(u, o, Role::Buyer, s).unwrap();
        let c = k.verify(&t).unwrap();
        assert_eq!((c.sub, c.org, c.role, c.sid), (u, o, Role::Buyer, s));
        assert_eq!(c.exp - c.iat, 900);
    }

    #[test]
    fn tampered_tokens_fail() {
        let k = keys();
        let t = k
            .issue(Uuid::now_v7(), Uuid::now_v7(), Role::Buyer, Uuid::now_v7())
            .unwrap();
        let mut bad = t.clone();
        bad.pop();
        bad.push(if t.ends_with('A') { 'B' } else { 'A' });
        assert!(k.verify(&bad).is_err());
        assert!(k.verify("not.a.token").is_err());
    }
}
