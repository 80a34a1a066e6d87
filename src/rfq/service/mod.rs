//! RFQ use cases, one file each: the buyer's profile (`buyers`), RFQs and their matching
//! (`rfqs`), a seller's leads (`leads`), quotes (`quotes`), accepting one into a trade
//! (`trades`); the views built from rows (`views`) and the request parsers (`validation`).

pub mod buyers;
pub mod leads;
pub mod quotes;
pub mod rfqs;
pub mod trades;
mod validation;
mod views;

pub use self::validation::{parse_quote, parse_rfq};
