//! Listings: the wholesale products a seller offers (HS code, MOQ, price breaks, incoterms,
//! certifications), their lifecycle draft → published → paused → archived (`lifecycle`), the
//! listing fee charged at the first publish, and storefronts (a seller's public profile and its
//! published listings). A listing is in the catalogue while it is published and its seller is
//! approved: the database keeps `seller_in_good_standing` in step with the seller's status.
//!
//! Other modules use `api`, `model` and the names exported here — never `service`.

pub mod api;
pub mod lifecycle;
pub mod model;
pub mod routes;
pub mod service;

/// What the catalogue shows of a published listing.
pub use service::public_listing;
