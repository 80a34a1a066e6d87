//! Request and response types of the settlement routes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::engine::{BearerSelection, Direction, EstimateRequest, Rankings, RouteEstimate};
use super::fx::{FeedStatus, RateInput, RateSnapshot, RateUsed};
use super::schedules::ScheduleRef;
use crate::money::{CurrencyCode, Money};

/// Ask what a payment nets the seller, or what the buyer must send for a net amount; or what a
/// quote's or a listing's price costs to pay (`quote_id` / `listing_id`: the amount, its
/// currency and the seller come from it, and the estimate is linked to it).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEstimate {
    /// Buyer's country (ISO 3166-1 alpha-2): selects the payment corridor to India. With a
    /// `quote_id` it defaults to the RFQ's buyer's country.
    #[schema(example = "CN")]
    pub buyer_country: Option<String>,
    /// `buyer_pays` (the default): `amount` is what the buyer sends, in the buyer's currency.
    /// `seller_receives`: `amount` is the INR the seller must net.
    pub direction: Option<Direction>,
    /// Required unless `quote_id` or `listing_id` is given (then it must be absent).
    pub amount: Option<Money>,
    /// The currency the buyer pays in; required for `seller_receives`.
    #[schema(value_type = Option<String>, example = "CNY")]
    pub buyer_currency: Option<CurrencyCode>,
    /// OUR, SHA, BEN, or `all` (default): who bears the bank charges.
    pub charge_bearer: Option<BearerSelection>,
    /// The seller the payment is for: its id as every seller route shows it (the `id` of its
    /// public profile). Sellers may omit it (it is themselves). Absent with `quote_id` or
    /// `listing_id`.
    pub seller_id: Option<Uuid>,
    /// Price this quote's total (its unit price × quantity, in its currency). The RFQ's buyer,
    /// the quoting seller and admins may.
    pub quote_id: Option<Uuid>,
    /// Price this listing at `quantity` (its price break there × quantity, in its currency): a
    /// listing in the catalogue, or the caller's own.
    pub listing_id: Option<Uuid>,
    /// With `listing_id`: the quantity in the listing's unit (default its MOQ; at least the MOQ).
    pub quantity: Option<i64>,
}

/// A priced estimate, stored unchanged until it expires.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Estimate {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    /// After this the figures are no longer offered; the stored answer stays readable.
    pub expires_at: DateTime<Utc>,
    pub organisation_id: Uuid,
    pub seller_id: Option<Uuid>,
    /// The quote this estimate prices, if any.
    #[serde(default)]
    pub quote_id: Option<Uuid>,
    /// The listing this estimate prices, if any.
    #[serde(default)]
    pub listing_id: Option<Uuid>,
    pub request: EstimateRequest,
    /// The fee schedule version used.
    pub fee_schedule: ScheduleRef,
    /// The mid rates used, with their age.
    pub rates: Vec<RateUsed>,
    /// E.g. stale rates, a failing FX feed.
    pub warnings: Vec<String>,
    /// Every route of the corridor: for `buyer_pays` the best net INR to the seller first, for
    /// `seller_receives` the least the buyer must send first; ineligible routes last.
    pub routes: Vec<RouteEstimate>,
    /// Route ids in other useful orders.
    pub rankings: Rankings,
}

/// Post mid-market rates (admin).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostRates {
    /// 1 to 500 rates.
    #[schema(min_items = 1, max_items = 500)]
    pub rates: Vec<RateInput>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RatesView {
    /// The latest snapshot of every pair.
    pub rates: Vec<RateSnapshot>,
    /// INR per unit for every currency that can be priced, and how it was derived.
    pub inr_mid: Vec<RateUsed>,
    /// The configured feed and what its last fetch did, if a feed is configured.
    pub feed: Option<FeedStatus>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RatesCreated {
    pub rates: Vec<RateSnapshot>,
}
