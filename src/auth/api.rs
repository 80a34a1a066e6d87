//! Request and response types of the auth and user routes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{OrganisationKind, Role};

/// Kinds of organisation that register themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SelfServiceKind {
    Seller,
    Buyer,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    pub kind: SelfServiceKind,
    /// Legal or trading name.
    #[schema(example = "Tiruppur Knitwear Exports")]
    pub name: String,
    /// ISO 3166-1 alpha-2 country of the organisation. Sellers must be in a jurisdiction the
    /// platform serves (`IN`).
    #[schema(example = "IN")]
    pub country_code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(example = "owner@tiruppur-knits.example")]
    pub email: String,
    /// 12 to 128 characters.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
    #[schema(example = "Lakshmi Narayanan")]
    pub full_name: String,
    pub organisation: NewOrganisation,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The opaque refresh token from the last login or refresh.
    pub refresh_token: String,
}

/// A fresh access token (JWT) and its rotating refresh token.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Single use: each refresh returns a new one; reusing an old one revokes the session.
    pub refresh_token: String,
    pub refresh_expires_in: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub organisation_id: Uuid,
    /// When an admin disabled the account; `null` while it is active.
    pub disabled_at: Option<DateTime<Utc>>,
    /// When the user confirmed their email address; `null` until then (an unverified account
    /// cannot submit a seller application, post an RFQ or register webhooks).
    pub email_verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrganisationView {
    pub id: Uuid,
    pub kind: OrganisationKind,
    pub name: String,
    pub country_code: String,
    /// Jurisdiction whose in-country store keeps a copy of this organisation's data.
    pub home_jurisdiction: String,
}

/// The caller and its organisation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeResponse {
    pub user: UserView,
    pub organisation: OrganisationView,
}

/// An admin creates staff accounts: vetting officers (of a vetting body), admins and auditors.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub email: String,
    /// 12 to 128 characters.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
    pub full_name: String,
    /// `vetting_officer`, `admin` or `auditor`.
    pub role: Role,
    /// Required for vetting officers: the vetting body's organisation.
    pub organisation_id: Option<Uuid>,
}

/// Whether a user may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    Disabled,
}

/// Filters of the user list; all optional, combined with AND.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilters {
    pub role: Option<Role>,
    pub organisation_id: Option<Uuid>,
    pub status: Option<UserStatus>,
    /// Users whose email starts with this (case-insensitive), at most 254 characters.
    pub email_prefix: Option<String>,
}

/// A new role for a user. The user moves to `organisation_id` when given; otherwise admins and
/// auditors move to the platform organisation and other roles stay in their organisation, which
/// must be of the role's kind.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRoleRequest {
    pub role: Role,
    pub organisation_id: Option<Uuid>,
}

/// The answer of a request whose outcome arrives by mail.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Accepted {
    #[schema(example = "check your email")]
    pub detail: String,
}

/// A token from a mailed link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    #[schema(example = "owner@tiruppur-knits.example")]
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPasswordRequest {
    /// The token of the reset link.
    pub token: String,
    /// 12 to 128 characters, not a common password.
    #[schema(min_length = 12, max_length = 128)]
    pub new_password: String,
}
