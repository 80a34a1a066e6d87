//! What a ranking shows: each matched seller with its best listing, the score and every factor
//! of it, and the candidates left out, counted by reason.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub use super::score::{Exclusion, Factor, FactorName, Weights};
use crate::money::Money;
use crate::sellers::api::SellerSummary;

/// One matched seller.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SellerMatch {
    /// 1 for the best match.
    pub rank: i32,
    pub seller: SellerSummary,
    /// The seller's listing that scored best.
    pub listing_id: Uuid,
    pub listing_title: String,
    /// 0 to 1: the weighted mean of the factors that apply.
    pub score: f64,
    /// Every factor, in a fixed order; `value` is absent where the RFQ does not say (no target
    /// price, no HS code, ...), and such a factor does not count.
    pub factors: Vec<Factor>,
    /// The listing's unit price at the RFQ's quantity (its price break), in its currency.
    pub unit_price: Option<Money>,
    /// The same in the RFQ's currency, at the latest mid rate.
    pub unit_price_in_rfq_currency: Option<Money>,
}

/// Candidates left out by a hard constraint.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExclusionCount {
    pub reason: Exclusion,
    /// Candidate listings excluded for this reason (the first failing constraint counts).
    pub listings: u32,
}

/// The ranking of one RFQ.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MatchList {
    /// Candidate listings found by text, HS code and sector.
    pub candidates: u32,
    /// Distinct sellers among them.
    pub sellers_considered: u32,
    pub excluded: Vec<ExclusionCount>,
    /// Best first, one entry per seller.
    #[schema(max_items = 50)]
    pub matches: Vec<SellerMatch>,
}
