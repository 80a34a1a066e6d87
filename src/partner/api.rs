//! Request and response types of `/v1/partner/*`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One cell of a breakdown: a category value and its count, or the count withheld.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Cell {
    /// A sector code, a two-letter Indian state code, or a buyer's country (ISO 3166-1).
    #[schema(example = "textiles")]
    pub value: String,
    /// Absent when withheld.
    pub count: Option<i64>,
    /// True when the count is withheld: below the threshold, or withheld too so that it cannot
    /// be worked out by subtraction from another breakdown of the same total.
    pub suppressed: bool,
}

/// Counts by sector and by state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Breakdown {
    pub by_sector: Vec<Cell>,
    pub by_state: Vec<Cell>,
}

/// Aggregates that may leave the country. Every answer is recorded in the egress log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Aggregates {
    pub generated_at: DateTime<Utc>,
    /// Counts below this are withheld.
    #[schema(example = 5)]
    pub suppressed_below: i64,
    /// Approved sellers: by each sector they name, and by the state of their address.
    pub sellers: Breakdown,
    /// Listings in the catalogue (published, seller approved): by sector and origin state.
    pub listings: Breakdown,
    /// RFQs ever posted, by the buyer's country.
    pub rfqs: RfqBreakdown,
    /// The egress log entry of this answer.
    pub egress_id: Uuid,
}

/// Counts of RFQs by the buyer's country.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RfqBreakdown {
    pub by_buyer_country: Vec<Cell>,
}

/// One answer that left: who asked, when, what.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EgressRecord {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_user_id: Uuid,
    #[schema(example = "auditor")]
    pub actor_role: String,
    #[schema(example = "GET /v1/partner/aggregates")]
    pub endpoint: String,
    #[schema(example = json!(["sellers_by_sector", "sellers_by_state"]))]
    pub categories: Vec<String>,
    pub published_cells: i32,
    pub suppressed_cells: i32,
    pub threshold: i32,
}
