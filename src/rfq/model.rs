//! Database rows of the buyer-profile, RFQ, lead, quote and trade tables.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::api::{BusinessType, QuoteStatus, RfqStatus};
use crate::db::schema::{
    buyer_profiles, quote_revisions, quotes, rfq_leads, rfqs, trade_records, trades,
};
use crate::listings::api::{Certification, MoqUnit};
use crate::sellers::api::Sector;

/// The columns a buyer sets on its profile.
#[derive(Debug, Clone, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = buyer_profiles, treat_none_as_null = true)]
pub struct BuyerProfileColumns {
    pub company_name: String,
    pub country_code: String,
    pub business_type: BusinessType,
    pub website: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
}

/// A `buyer_profiles` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = buyer_profiles, check_for_backend(diesel::pg::Pg))]
pub struct BuyerProfileRow {
    pub organisation_id: Uuid,
    pub version: i32,
    pub company_name: String,
    pub country_code: String,
    pub business_type: BusinessType,
    pub website: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The columns a buyer sets on an RFQ (create and replace), checked.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = rfqs, treat_none_as_null = true, check_for_backend(diesel::pg::Pg))]
pub struct RfqColumns {
    pub product: String,
    pub description: String,
    pub hs_code: Option<String>,
    pub sector: Option<Sector>,
    pub quantity: i64,
    pub unit: MoqUnit,
    pub currency: String,
    pub target_unit_price_minor: Option<i64>,
    pub destination_country: String,
    pub destination_place: String,
    pub incoterm: Option<String>,
    pub needed_by: Option<NaiveDate>,
    pub certifications: Vec<Certification>,
    pub valid_until: DateTime<Utc>,
}

/// An `rfqs` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rfqs, check_for_backend(diesel::pg::Pg))]
pub struct RfqRow {
    pub id: Uuid,
    pub buyer_organisation_id: Uuid,
    pub created_by: Uuid,
    pub status: RfqStatus,
    pub version: i32,
    #[diesel(embed)]
    pub columns: RfqColumns,
    pub awarded_quote_id: Option<Uuid>,
    pub closed_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl RfqRow {
    /// Open and not past `valid_until` (the sweep marks it expired a little later).
    pub fn accepting_quotes(&self, now: DateTime<Utc>) -> bool {
        self.status == RfqStatus::Open && self.columns.valid_until > now
    }

    /// The status as of `now`: an open RFQ past `valid_until` reads as expired before the
    /// sweep gets to it.
    pub fn status_at(&self, now: DateTime<Utc>) -> RfqStatus {
        if self.status == RfqStatus::Open && self.columns.valid_until <= now {
            RfqStatus::Expired
        } else {
            self.status
        }
    }
}

/// An `rfq_leads` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rfq_leads, check_for_backend(diesel::pg::Pg))]
pub struct LeadRow {
    pub id: Uuid,
    pub rfq_id: Uuid,
    pub seller_id: Uuid,
    pub listing_id: Uuid,
    pub rank: i32,
    pub score: f64,
    pub factors: serde_json::Value,
    pub offered_at: DateTime<Utc>,
    pub current: bool,
    pub home_jurisdiction: String,
    pub updated_at: DateTime<Utc>,
}

/// The terms of a quote (the current ones on `quotes`, each revision on `quote_revisions`).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = quotes, check_for_backend(diesel::pg::Pg))]
pub struct QuoteTermsColumns {
    pub unit_price_minor: i64,
    pub currency: String,
    pub quantity: i64,
    pub incoterm: String,
    pub named_place: String,
    pub lead_time_days: i32,
    pub valid_until: DateTime<Utc>,
    pub notes: String,
}

/// A `quotes` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = quotes, check_for_backend(diesel::pg::Pg))]
pub struct QuoteRow {
    pub id: Uuid,
    pub rfq_id: Uuid,
    pub seller_id: Uuid,
    pub submitted_by: Uuid,
    pub status: QuoteStatus,
    pub revision: i32,
    #[diesel(embed)]
    pub terms: QuoteTermsColumns,
    pub home_jurisdiction: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A `quote_revisions` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = quote_revisions, check_for_backend(diesel::pg::Pg))]
pub struct QuoteRevisionRow {
    pub id: Uuid,
    pub quote_id: Uuid,
    pub revision: i32,
    pub unit_price_minor: i64,
    pub currency: String,
    pub quantity: i64,
    pub incoterm: String,
    pub named_place: String,
    pub lead_time_days: i32,
    pub valid_until: DateTime<Utc>,
    pub notes: String,
    pub submitted_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub home_jurisdiction: String,
}

/// A `trades` row (the platform's part of a trade).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = trades, check_for_backend(diesel::pg::Pg))]
pub struct TradeRow {
    pub id: Uuid,
    pub rfq_id: Uuid,
    pub quote_id: Uuid,
    pub buyer_organisation_id: Uuid,
    pub seller_id: Uuid,
    pub estimate_id: Option<Uuid>,
    pub accepted_by: Uuid,
    pub record_ref: Uuid,
    pub home_jurisdiction: String,
    pub created_at: DateTime<Utc>,
}

/// A `trade_records` row: the trade's terms, in the seller's in-country store only.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = trade_records, check_for_backend(diesel::pg::Pg))]
pub struct TradeRecordRow {
    pub id: Uuid,
    pub trade_id: Uuid,
    pub rfq_id: Uuid,
    pub quote_id: Uuid,
    pub quote_revision: i32,
    pub buyer_organisation_id: Uuid,
    pub buyer_company_name: String,
    pub buyer_country_code: String,
    pub seller_id: Uuid,
    pub product: String,
    pub quantity: i64,
    pub unit: MoqUnit,
    pub unit_price_minor: i64,
    pub total_minor: i64,
    pub currency: String,
    pub incoterm: String,
    pub named_place: String,
    pub estimate_id: Option<Uuid>,
    pub settlement: serde_json::Value,
    pub payout_account_ref: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub home_jurisdiction: String,
}
