//! RFQs: buyer organisations' profiles, requests for quotation and their lifecycle
//! open → awarded | closed | expired, the sellers matched to each (stored as the sellers' leads,
//! with the explanation of every score), sellers' quotes with their revisions, the buyer's
//! comparison of quotes by what they cost to pay, and accepting one into a trade whose record
//! lives in the seller's in-country store.
//!
//! Other modules use `api`, `model` and the names exported here — never `service`.

pub mod api;
pub mod model;
pub mod routes;
pub mod service;
