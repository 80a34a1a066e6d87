//! Response types of `/v1/sellers/me/analytics`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// How often buyers saw the seller.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Counts {
    /// Views of the seller's storefront.
    pub storefront_views: i64,
    /// Times one of its listings was among the hits of a catalogue search page.
    pub search_impressions: i64,
    /// Views of one of its listings in the catalogue.
    pub listing_views: i64,
}

/// One day's counts (UTC days; days without any are left out).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DayCounts {
    pub day: NaiveDate,
    #[serde(flatten)]
    pub counts: Counts,
}

/// The seller's analytics over the last `days` days, today included.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SellerAnalytics {
    pub seller_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub totals: Counts,
    pub days: Vec<DayCounts>,
    /// RFQs in the period: leads, quotes and wins.
    pub rfqs: RfqFunnel,
    /// Counts reach the figures here within this many seconds (they are added in batches).
    pub delay_seconds: u64,
}

/// The seller's RFQs in the period: matched (leads offered in it), quoted (quotes first
/// submitted in it), and of those quotes, won and lost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct RfqFunnel {
    pub leads: i64,
    pub quotes: i64,
    /// Quotes accepted by the buyer.
    pub won: i64,
    /// Quotes declined (another seller's was accepted, or the RFQ was closed).
    pub lost: i64,
    /// won / (won + lost); absent until a quote is decided.
    pub win_rate: Option<f64>,
    /// Median hours from being matched to quoting, over the quotes of the period.
    pub median_hours_to_quote: Option<f64>,
}

/// The period asked for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsParams {
    /// The last N days, today included: 1 to 366 (default 30).
    #[param(minimum = 1, maximum = 366, default = 30)]
    pub days: Option<i64>,
}
