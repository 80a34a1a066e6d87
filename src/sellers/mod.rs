//! Sellers: the business profile of a seller organisation with parsed Indian identifiers,
//! evidence documents, the localised payout account, the lifecycle up to submission, the
//! append-only audit log, and the public profile storefronts show.

pub mod api;
pub mod lifecycle;
pub mod model;
pub mod routes;
pub mod service;
pub mod storage;
