//! Database rows of the listing tables, and the stored shapes of their jsonb columns.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::schema::{listing_audit_log, listings};
use crate::identifiers::Incoterm;
use crate::listings::api::{Certification, FeeWaiver, ListingAction, ListingStatus, MoqUnit};
use crate::sellers::api::Sector;

/// A price break as stored in `listings.price_breaks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPriceBreak {
    pub min_quantity: i64,
    pub unit_price_minor: i64,
}

/// An incoterm offer as stored in `listings.incoterms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredIncoterm {
    pub incoterm: Incoterm,
    pub named_place: Option<String>,
}

/// Declares a struct of `listings` columns that ends in the columns a seller sets, so the full
/// row and `ListingColumns` name and type them in one place (rows load through `Selectable`).
macro_rules! with_listing_columns {
    ($(#[$attr:meta])* pub struct $name:ident { $($field:tt)* }) => {
        $(#[$attr])*
        pub struct $name {
            $($field)*
            pub title: String,
            pub description: String,
            pub sector: Sector,
            pub hs_code: String,
            pub keywords: Vec<String>,
            pub attributes: serde_json::Value,
            pub moq: i64,
            pub moq_unit: MoqUnit,
            pub currency: String,
            pub price_breaks: serde_json::Value,
            /// The first break's unit price (the price at the MOQ).
            pub price_minor: i64,
            pub incoterms: serde_json::Value,
            pub incoterm_codes: Vec<String>,
            pub lead_time_days: i32,
            pub monthly_capacity: Option<i64>,
            pub certifications: Vec<Certification>,
            pub origin_state: String,
            pub samples_available: bool,
            pub image_urls: Vec<String>,
        }
    };
}

with_listing_columns! {
    /// The columns a seller sets (create and replace), checked.
    #[derive(Debug, Clone, PartialEq, Insertable, AsChangeset)]
    #[diesel(table_name = listings, treat_none_as_null = true)]
    pub struct ListingColumns {
        // Only the seller's columns.
    }
}

with_listing_columns! {
    /// A `listings` row.
    #[derive(Debug, Clone, Queryable, Selectable)]
    #[diesel(table_name = listings, check_for_backend(diesel::pg::Pg))]
    pub struct ListingRow {
        pub id: Uuid,
        pub seller_id: Uuid,
        pub status: ListingStatus,
        pub version: i32,
        pub listing_fee_minor: Option<i64>,
        pub listing_fee_gst_minor: Option<i64>,
        pub listing_fee_currency: Option<String>,
        pub fee_schedule_version: Option<i32>,
        pub fee_waived_reason: Option<FeeWaiver>,
        pub first_published_at: Option<DateTime<Utc>>,
        pub published_at: Option<DateTime<Utc>>,
        pub seller_in_good_standing: bool,
        pub seller_verified: bool,
        pub home_jurisdiction: String,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

impl ListingRow {
    /// In the catalogue and on the storefront now.
    pub fn visible(&self) -> bool {
        self.status == ListingStatus::Published && self.seller_in_good_standing
    }
}

/// A `listing_audit_log` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = listing_audit_log, check_for_backend(diesel::pg::Pg))]
pub struct ListingAuditRow {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub actor_user_id: Option<Uuid>,
    pub at: DateTime<Utc>,
    pub action: ListingAction,
    pub from_status: Option<ListingStatus>,
    pub to_status: ListingStatus,
    pub version: i32,
    pub home_jurisdiction: String,
}
