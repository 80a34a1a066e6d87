//! Authentication and authorisation: password hashing, JWT access tokens, opaque refresh
//! tokens, the `Principal` extractor and roles.

pub mod accounts;
pub mod api;
pub mod jwt;
pub mod model;
pub mod pages;
pub mod password;
pub mod principal;
pub mod routes;
pub mod service;
pub mod sessions;
pub mod users;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub use principal::Principal;
/// Email syntax, shared with the seller profile's contacts.
pub use service::parse_email;

/// The fixed id of the platform operator's organisation (created by the first migration).
pub const PLATFORM_ORGANISATION_ID: Uuid = Uuid::from_u128(0x00000000_0000_7000_8000_000000000001);

/// What a user may do. Sellers and buyers register themselves; the rest are created by an admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Seller,
    Buyer,
    VettingOfficer,
    Admin,
    Auditor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Seller => "seller",
            Role::Buyer => "buyer",
            Role::VettingOfficer => "vetting_officer",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::Seller,
            Role::Buyer,
            Role::VettingOfficer,
            Role::Admin,
            Role::Auditor,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// The organisation kind a user of this role belongs to.
    pub fn organisation_kind(self) -> OrganisationKind {
        match self {
            Role::Seller => OrganisationKind::Seller,
            Role::Buyer => OrganisationKind::Buyer,
            Role::VettingOfficer => OrganisationKind::VettingBody,
            Role::Admin | Role::Auditor => OrganisationKind::Platform,
        }
    }
}

/// Kinds of organisation on the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    Seller,
    Buyer,
    VettingBody,
    Platform,
}

impl OrganisationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::Seller => "seller",
            OrganisationKind::Buyer => "buyer",
            OrganisationKind::VettingBody => "vetting_body",
            OrganisationKind::Platform => "platform",
        }
    }

    pub fn parse(s: &str) -> Option<OrganisationKind> {
        [
            OrganisationKind::Seller,
            OrganisationKind::Buyer,
            OrganisationKind::VettingBody,
            OrganisationKind::Platform,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in [
            Role::Seller,
            Role::Buyer,
            Role::VettingOfficer,
            Role::Admin,
            Role::Auditor,
        ] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::json!(r.as_str())
            );
        }
        assert_eq!(Role::parse("root"), None);
    }
}
