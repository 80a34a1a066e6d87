//! Request and response types of the public catalogue.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::identifiers::Incoterm;
use crate::listings::api::{Certification, PriceBreak, PublicListing};
use crate::sellers::api::{Sector, SellerSummary};
use crate::vocabulary::text_enum;

text_enum!(
    /// The order of search hits. `relevance` (the default with `q`; without `q` it is
    /// `newest`), `price_asc`/`price_desc` (the unit price at the MOQ, compared across currencies
    /// at the latest mid rates), `newest` (last published first), `lead_time` (shortest first).
    SearchSort {
        Relevance = "relevance",
        PriceAsc = "price_asc",
        PriceDesc = "price_desc",
        Newest = "newest",
        LeadTime = "lead_time",
    }
);

/// Query parameters of `GET /v1/catalogue/search`. Every parameter is optional.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Free text over title, keywords and description (up to 200 characters, 10 words).
    /// Misspelt words are corrected to the closest word of the catalogue ("cottn" → "cotton").
    #[param(max_length = 200, example = "organic cotton t-shirts")]
    pub q: Option<String>,
    #[param(value_type = Option<Sector>)]
    pub sector: Option<String>,
    /// HS code prefix, 2 to 8 digits (chapter, heading, subheading, tariff line).
    #[param(example = "6109")]
    pub hs_code: Option<String>,
    /// Origin state, as its 2-letter code.
    #[param(example = "TN")]
    pub origin_state: Option<String>,
    #[param(value_type = Option<Incoterm>)]
    pub incoterm: Option<String>,
    #[param(value_type = Option<Certification>)]
    pub certification: Option<String>,
    /// Only listings whose MOQ is at most this (in the listing's unit).
    pub max_moq: Option<i64>,
    /// Lowest unit price at the MOQ, in `currency` (required with a price bound).
    #[param(example = "2.50")]
    pub min_price: Option<String>,
    /// Highest unit price at the MOQ, in `currency`.
    #[param(example = "5.00")]
    pub max_price: Option<String>,
    /// Only listings with at most this lead time, in days.
    pub max_lead_time_days: Option<i32>,
    /// Only sellers with a valid verification badge.
    pub verified_only: Option<bool>,
    /// The buyer's currency (ISO 4217, one with an FX rate): each hit gets its price breaks
    /// converted at the latest mid rate (indicative), and price bounds are read in it.
    #[param(example = "CNY")]
    pub currency: Option<String>,
    #[param(value_type = Option<SearchSort>)]
    pub sort: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor` (valid only with the same query).
    pub cursor: Option<String>,
}

/// A listing's price breaks in the buyer's currency: indicative, at the latest mid rate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IndicativePrices {
    #[schema(example = "CNY")]
    pub currency: String,
    /// Units of `currency` per unit of the listing's currency, at mid.
    #[schema(value_type = String, example = "7.1234")]
    pub rate: rust_decimal::Decimal,
    /// When the oldest rate this conversion rests on was quoted.
    pub as_of: DateTime<Utc>,
    /// The rate is older than the platform's freshness limit.
    pub stale: bool,
    pub price_breaks: Vec<PriceBreak>,
    /// Always true: what the seller quotes is in the listing's own currency.
    pub indicative: bool,
}

/// One search hit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SearchHit {
    #[serde(flatten)]
    pub listing: PublicListing,
    pub seller: SellerSummary,
    /// Text relevance (higher is better), with `q`.
    pub relevance: Option<f32>,
    /// With `currency`.
    pub indicative_prices: Option<IndicativePrices>,
}

/// A facet value and how many of the counted hits have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub count: i64,
}

/// Counts of the hits by sector, origin state, incoterm and certification, for the current
/// query and filters (first page only).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Facets {
    /// How many hits were counted: all of them, or any `counted` of them when there are more
    /// (`exact` false).
    pub counted: i64,
    pub exact: bool,
    pub sector: Vec<FacetCount>,
    pub origin_state: Vec<FacetCount>,
    pub incoterm: Vec<FacetCount>,
    pub certification: Vec<FacetCount>,
}

/// A misspelt word and the catalogue word searched instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Correction {
    #[schema(example = "cottn")]
    pub asked: String,
    #[schema(example = "cotton")]
    pub used: String,
}

/// How the free text was read.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InterpretedQuery {
    /// The catalogue words searched for, after stemming and typo correction.
    pub terms: Vec<String>,
    /// Words replaced by the closest catalogue word.
    pub corrections: Vec<Correction>,
    /// Words ignored (too common to search, such as "the").
    pub ignored: Vec<String>,
}

/// A page of search hits.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SearchResults {
    pub sort: SearchSort,
    #[schema(max_items = 100)]
    pub items: Vec<SearchHit>,
    /// Pass as `cursor` (with the same query) for the next page; absent on the last.
    pub next_cursor: Option<String>,
    /// On the first page only.
    pub facets: Option<Facets>,
    /// With `q`.
    pub query: Option<InterpretedQuery>,
    /// With `q` and relevance order: at most this many matches are ranked (the best of them
    /// are shown); true when there were more.
    pub ranked_over_capped: Option<bool>,
}

/// A published listing of the catalogue with its seller.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CatalogueListing {
    #[serde(flatten)]
    pub listing: PublicListing,
    pub seller: SellerSummary,
}
