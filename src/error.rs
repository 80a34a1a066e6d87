//! One error type for the whole API, mapped once to `application/problem+json` (RFC 9457).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";
const PROBLEM_BASE: &str = "https://exportbridge.dev/problems/";
/// At most this many field errors are listed in one answer; the rest are counted in
/// `errors_omitted`, so a hostile body cannot make the answer larger than the request.
pub const MAX_FIELD_ERRORS: usize = 50;

/// One invalid field in a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// JSON path of the field, e.g. `organisation.name`.
    pub field: String,
    /// Stable machine-readable code, e.g. `too_short`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// An `application/problem+json` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Present on validation problems: at most 50 field errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 50)]
    pub errors: Vec<FieldError>,
    /// How many further field errors were left out of `errors` (absent when none were).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub errors_omitted: Option<usize>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// A 409 of its own problem type: another seller already holds the identifier.
    #[error("{0}")]
    DuplicateIdentifier(String),
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("{0}")]
    RequestTimeout(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    #[error("too many attempts; retry later")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("{0}")]
    Unavailable(String),
    /// The cause is logged, never sent to the client.
    #[error("internal error")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ApiError::Internal(cause.to_string())
    }

    /// A validation error on one field.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, code, message)])
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("malformed-request", "Malformed request"),
            ApiError::Validation(_) => ("validation-error", "Validation failed"),
            ApiError::Unauthorized(_) => ("unauthorized", "Authentication required"),
            ApiError::Forbidden(_) => ("forbidden", "Forbidden"),
            ApiError::NotFound => ("not-found", "Not found"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::DuplicateIdentifier(_) => (
                "duplicate-identifier",
                "An identifier is held by another approved seller",
            ),
            ApiError::PreconditionFailed(_) => ("precondition-failed", "Precondition failed"),
            ApiError::PreconditionRequired(_) => ("precondition-required", "Precondition required"),
            ApiError::RequestTimeout(_) => ("request-timeout", "Request timeout"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            ApiError::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            ApiError::Unavailable(_) => ("unavailable", "Service unavailable"),
            ApiError::Internal(_) => ("internal-error", "Internal server error"),
        }
    }

    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let detail = match self {
            ApiError::Validation(errors) if errors.len() == 1 => {
                format!("{}: {}", errors[0].field, errors[0].message)
            }
            ApiError::Validation(errors) if errors.len() > MAX_FIELD_ERRORS => format!(
                "the request has {} invalid fields; the first {MAX_FIELD_ERRORS} are listed, \
                 {} more were omitted",
                errors.len(),
                errors.len() - MAX_FIELD_ERRORS
            ),
            ApiError::NotFound => "no such resource, or it is not visible to you".to_owned(),
            ApiError::MethodNotAllowed { allow } => {
                format!("this resource allows {}", allow.join(", "))
            }
            other => other.to_string(),
        };
        Problem {
            kind: format!("{PROBLEM_BASE}{slug}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail,
            errors: match self {
                ApiError::Validation(errors) => {
                    errors.iter().take(MAX_FIELD_ERRORS).cloned().collect()
                }
                _ => Vec::new(),
            },
            errors_omitted: match self {
                ApiError::Validation(errors) if errors.len() > MAX_FIELD_ERRORS => {
                    Some(errors.len() - MAX_FIELD_ERRORS)
                }
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::DuplicateIdentifier(_) => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) | ApiError::Unavailable(cause) = self {
            tracing::error!(%cause, "request failed");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            ApiError::Unauthorized(_) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::TooManyRequests { retry_after_secs } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::MethodNotAllowed { allow } => {
                res.insert_header((header::ALLOW, allow.join(", ")));
            }
            _ => {}
        }
        res.body(serde_json::to_vec(&self.problem()).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => ApiError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                tracing::info!(constraint = ?info.constraint_name(), "unique violation");
                ApiError::Conflict("a resource with these values already exists".into())
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::Conflict("a concurrent change won; retry the request".into())
            }
            // Input that slipped past validation but breaks a database rule is still the
            // client's problem, not a 500; the constraint name is logged, not sent.
            Error::DatabaseError(
                kind @ (DatabaseErrorKind::CheckViolation
                | DatabaseErrorKind::NotNullViolation
                | DatabaseErrorKind::ForeignKeyViolation),
                info,
            ) => {
                tracing::info!(constraint = ?info.constraint_name(), ?kind, "constraint violation");
                let message = match kind {
                    DatabaseErrorKind::ForeignKeyViolation => {
                        "refers to something that does not exist (or is still referenced)"
                    }
                    _ => "a value is missing or out of range",
                };
                ApiError::field("body", "constraint", message)
            }
            // A statement timeout (SET LOCAL statement_timeout) cancelled the query.
            Error::DatabaseError(_, info)
                if info
                    .message()
                    .contains("canceling statement due to statement timeout") =>
            {
                ApiError::Unavailable("the query took too long; narrow it and retry".into())
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<crate::db::PoolError> for ApiError {
    fn from(e: crate::db::PoolError) -> Self {
        ApiError::Unavailable(format!("database pool: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problem_lists_fields() {
        let e = ApiError::field("email", "invalid", "not an email address");
        let p = e.problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.kind, "https://exportbridge.dev/problems/validation-error");
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.detail, "email: not an email address");
    }

    #[test]
    fn field_errors_are_capped_and_the_rest_counted() {
        let errors = (0..200)
            .map(|i| FieldError::new(format!("f{i}"), "invalid", "bad"))
            .collect();
        let p = ApiError::Validation(errors).problem();
        assert_eq!(p.errors.len(), MAX_FIELD_ERRORS);
        assert_eq!(p.errors[0].field, "f0");
        assert_eq!(p.errors_omitted, Some(150));
        assert!(p.detail.contains("150 more were omitted"), "{}", p.detail);
        let small = ApiError::field("a", "invalid", "bad").problem();
        assert_eq!(small.errors_omitted, None);
        let json = serde_json::to_value(&small).unwrap();
        assert!(json.get("errors_omitted").is_none());
    }

    #[test]
    fn internal_cause_is_not_sent() {
        let p = ApiError::internal("password=secret in a query").problem();
        assert!(!p.detail.contains("secret"));
        assert_eq!(p.status, 500);
    }
}

/// Collects every field error of a request before answering, so the client sees them all.
#[derive(Debug, Default)]
pub struct Validator(Vec<FieldError>);

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the parsed value, or records the message against the field.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, String>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(message) => {
                self.0.push(FieldError::new(field, "invalid", message));
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    /// The list when it has at most `max` items; else one `too_many` error on the field and an
    /// empty list. Lengths are checked before items, so a huge list costs one error, not one
    /// per item.
    pub fn cap_list<T>(&mut self, field: &str, list: Vec<T>, max: usize) -> Vec<T> {
        if list.len() > max {
            self.push(
                field,
                "too_many",
                format!("at most {max} items (got {})", list.len()),
            );
            Vec::new()
        } else {
            list
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn finish(self) -> ApiResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

/// Declares a set of problem+json answers for the OpenAPI document (`responses(AuthErrors, …)`):
/// one variant per status, its doc line doubling as the description.
macro_rules! problem_responses {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $status:literal : $description:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(utoipa::IntoResponses)]
        #[allow(dead_code)]
        pub enum $name {
            $(
                #[doc = $description]
                #[response(status = $status, description = $description, content_type = "application/problem+json")]
                $variant(Problem),
            )+
        }
    };
}

problem_responses! {
    /// Error answers of every operation that needs an access token (for the OpenAPI document).
    AuthErrors {
        Unauthorized = 401: "Missing, malformed, expired or forged access token",
        Forbidden = 403: "The caller's role may not do this",
    }
}

problem_responses! {
    /// The error answer of an operation that needs an access token but no particular role: a
    /// caller who may not see the resource gets 404, never 403 (for the OpenAPI document).
    TokenErrors {
        Unauthorized = 401: "Missing, malformed, expired or forged access token",
    }
}

problem_responses! {
    /// The 404 of an operation on one resource (for the OpenAPI document). Operations whose 404
    /// says more list their own after it.
    NotFound {
        NotFound = 404: "No such resource, or it is not visible to you",
    }
}

problem_responses! {
    /// Error answers of every operation that takes a JSON body (for the OpenAPI document).
    JsonErrors {
        Malformed = 400: "The body is not valid JSON",
        TooLarge = 413: "The body is larger than the configured limit",
        UnsupportedMediaType = 415: "The body is not application/json",
        Invalid = 422: "Invalid fields, listed in errors",
    }
}

/// The 429 of a public route limited per client address (`ratelimit::PublicClient`), for the
/// OpenAPI document.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum RateLimited {
    #[response(
        status = 429,
        description = "Too many requests from this client address; retry after Retry-After seconds",
        content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "Whole seconds to wait before retrying (at least 1)"))
    )]
    TooManyRequests(Problem),
}
