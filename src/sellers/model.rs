//! Database rows of the seller tables.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{payout_accounts, seller_audit_log, seller_documents, sellers};
use crate::sellers::api::{
    AuditAction, Badge, BadgeKind, EnterpriseType, EvidenceKind, MsmeCategory, PublicIdentifier,
    Sector, SellerStatus, SellerSummary,
};

/// Declares a struct of `sellers` columns that ends in the profile columns a seller sets, so
/// the full row and `ProfileColumns` name and type them in one place. Rows are loaded through
/// `Selectable`, so the field order need not follow the table's.
macro_rules! with_profile_columns {
    ($(#[$attr:meta])* pub struct $name:ident { $($field:tt)* }) => {
        $(#[$attr])*
        pub struct $name {
            $($field)*
            pub legal_name: Option<String>,
            pub trading_name: Option<String>,
            pub enterprise_type: Option<EnterpriseType>,
            pub sectors: Vec<Sector>,
            pub msme_category: Option<MsmeCategory>,
            pub year_established: Option<i32>,
            pub employees: Option<i32>,
            pub address_line1: Option<String>,
            pub address_line2: Option<String>,
            pub address_city: Option<String>,
            pub address_district: Option<String>,
            pub address_state: Option<String>,
            pub address_postal_code: Option<String>,
            pub contacts: serde_json::Value,
            pub export_markets: Vec<String>,
            pub gstin: Option<String>,
            pub pan: Option<String>,
            pub iec: Option<String>,
            pub udyam_number: Option<String>,
            pub public_identifiers: Vec<PublicIdentifier>,
        }
    };
}

with_profile_columns! {
    /// A `sellers` row.
    #[derive(Debug, Clone, Queryable, Selectable)]
    #[diesel(table_name = sellers, check_for_backend(diesel::pg::Pg))]
    pub struct SellerRow {
        pub id: Uuid,
        pub organisation_id: Uuid,
        pub status: SellerStatus,
        pub version: i32,
        pub payout_account_ref: Option<Uuid>,
        pub payout_last4: Option<String>,
        pub payout_ifsc: Option<String>,
        pub payout_bank_name: Option<String>,
        pub vetting_body_id: Option<Uuid>,
        pub submitted_at: Option<DateTime<Utc>>,
        pub decided_at: Option<DateTime<Utc>>,
        pub valid_until: Option<DateTime<Utc>>,
        pub badge_kind: Option<BadgeKind>,
        pub badge_issued_by: Option<Uuid>,
        pub badge_issued_at: Option<DateTime<Utc>>,
        pub badge_valid_until: Option<DateTime<Utc>>,
        /// Given by the database once the seller has a name (`/v1/storefronts/{slug}`).
        pub storefront_slug: Option<String>,
        pub home_jurisdiction: String,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

/// The one id that names a seller everywhere in the API: its organisation's id (what estimates,
/// webhooks and the seller's own token carry). Profiles created since are stored under that id
/// too; a route given an older profile's row id still finds it (`named`).
pub fn public_id(row: &SellerRow) -> Uuid {
    row.organisation_id
}

/// The badge on the row, when an approval granted one (it may have lapsed since).
pub fn badge_of(row: &SellerRow) -> Option<Badge> {
    match (row.badge_kind, row.badge_issued_by, row.badge_issued_at) {
        (Some(kind), Some(issued_by), Some(issued_at)) => Some(Badge {
            kind,
            issued_by,
            issued_at,
            valid_until: row.badge_valid_until,
        }),
        _ => None,
    }
}

with_profile_columns! {
    /// The columns a seller sets with `PUT /v1/sellers/me/profile` (all replaced together).
    #[derive(Debug, Clone, Default, PartialEq, Insertable, AsChangeset)]
    #[diesel(table_name = sellers, treat_none_as_null = true)]
    pub struct ProfileColumns {
        // Only the profile columns.
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sellers)]
pub struct NewSeller {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub status: SellerStatus,
    pub version: i32,
    #[diesel(embed)]
    pub profile: ProfileColumns,
    pub home_jurisdiction: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = seller_documents, check_for_backend(diesel::pg::Pg))]
pub struct DocumentRow {
    pub id: Uuid,
    pub seller_id: Uuid,
    pub kind: EvidenceKind,
    pub media_type: String,
    pub original_filename: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_path: String,
    pub uploaded_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub home_jurisdiction: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = seller_audit_log, check_for_backend(diesel::pg::Pg))]
pub struct AuditRow {
    pub id: Uuid,
    pub seller_id: Uuid,
    pub actor_user_id: Option<Uuid>,
    pub actor_role: String,
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    pub from_status: Option<SellerStatus>,
    pub to_status: SellerStatus,
    pub reason_codes: Vec<String>,
    pub note: Option<String>,
    pub request_id: Option<String>,
    pub home_jurisdiction: String,
}

/// A localised `payout_accounts` row (in-country store only for Indian sellers). No `Debug`:
/// the account number must not reach logs.
#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = payout_accounts, check_for_backend(diesel::pg::Pg))]
pub struct PayoutAccountRow {
    pub id: Uuid,
    pub seller_id: Uuid,
    pub account_holder_name: String,
    pub account_number: String,
    pub ifsc: String,
    pub bank_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub home_jurisdiction: String,
}

/// What buyers see of a seller (`SellerSummary`): the badge only while valid.
pub fn seller_summary(seller: &SellerRow) -> SellerSummary {
    let now = Utc::now();
    SellerSummary {
        id: public_id(seller),
        trading_name: seller.trading_name.clone(),
        storefront_slug: seller.storefront_slug.clone(),
        state: seller.address_state.clone(),
        badge: badge_of(seller).filter(|b| b.valid_at(now)),
    }
}
