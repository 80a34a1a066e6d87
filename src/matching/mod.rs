//! RFQ matching: which sellers are most likely to fill a request for quotation, and why. The
//! candidates come from the catalogue's indexes (text, HS heading, sector), each source bounded;
//! every candidate listing is scored by a pure, deterministic function (`score`) whose every
//! factor is returned; hard constraints exclude and are counted by reason. Weights come from
//! configuration (`EXPORTBRIDGE_MATCHING_WEIGHTS`) over documented defaults.
//!
//! Other modules use `api` and the names exported here — never `service`.

pub mod api;
pub mod score;
mod service;

pub use score::Weights;
pub use service::{
    Found, MAX_MATCHES, MatchRequest, MatchedSeller, bound_transaction, find, find_in,
};

impl Weights {
    /// The defaults, with the overrides of `EXPORTBRIDGE_MATCHING_WEIGHTS` when set.
    pub fn from_config(raw: Option<&str>) -> Result<Weights, String> {
        raw.map_or(Ok(Weights::default()), |s| {
            Weights::parse(s).map_err(|e| format!("EXPORTBRIDGE_MATCHING_WEIGHTS: {e}"))
        })
    }
}
