//! The authenticated caller, extracted from `Authorization: Bearer <jwt>`.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use super::{Role, sessions};
use crate::AppState;
use crate::error::ApiError;

/// Who is calling. Handlers take it as an argument; authorisation rules live in services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: Uuid,
    pub organisation_id: Uuid,
    pub role: Role,
    /// The session of the access token.
    pub session_id: Uuid,
    /// The user proved their email address (by the mailed link).
    pub email_verified: bool,
}

impl Principal {
    /// `principal.require(&[Role::Admin])?` — 403 unless the caller has one of the roles.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this action is not available to the {} role",
                self.role.as_str()
            )))
        }
    }

    /// 403 until the caller has verified their email address: submitting a seller
    /// application, posting an RFQ and registering webhooks need it.
    pub fn require_verified(&self) -> Result<(), ApiError> {
        if self.email_verified {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "verify your email address first: open the link mailed to you, or ask for a new one with POST /v1/me/email-verification".into(),
            ))
        }
    }
}

fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("an access token is required".into()))?;
    let value = header
        .to_str()
        .map_err(|_| ApiError::Unauthorized("malformed Authorization header".into()))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(ApiError::Unauthorized(
            "expected `Authorization: Bearer <token>`".into(),
        )),
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    /// Verifies the token, then checks its session: one lookup (or a cache hit), the connection
    /// returned before the handler runs.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let checked = (|| {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| ApiError::internal("application state missing"))?;
            Ok::<_, ApiError>((state.clone(), state.jwt.verify(bearer(req)?)?))
        })();
        Box::pin(async move {
            let (state, claims) = checked?;
            let session = match state.sessions.get(claims.sid) {
                Some(s) => s,
                None => {
                    let generation = state.sessions.generation();
                    let found = {
                        let mut conn = state.stores.platform().await?;
                        sessions::lookup(&mut conn, claims.sid).await?
                    };
                    let Some(s) = found else {
                        return Err(ended());
                    };
                    state.sessions.put(claims.sid, s, generation);
                    s
                }
            };
            if !session.live || session.user_id != claims.sub {
                return Err(ended());
            }
            // The role and organisation as stored now, not as when the token was issued.
            Ok(Principal {
                user_id: session.user_id,
                organisation_id: session.organisation_id,
                role: session.role,
                session_id: claims.sid,
                email_verified: session.email_verified,
            })
        })
    }
}

fn ended() -> ApiError {
    ApiError::Unauthorized("the session has ended or the account is disabled; log in again".into())
}
