//! Sellers: the business profile of a seller organisation with parsed Indian identifiers,
//! evidence documents, the localised payout account, readiness for vetting, the lifecycle
//! (`lifecycle`: statuses, moves, and recording them), the append-only audit log, and the public
//! profile storefronts show.
//!
//! Other domains use `api`, `model`, `lifecycle` and the names exported here — never `service`.

pub mod api;
pub mod lifecycle;
pub mod model;
pub mod routes;
pub mod service;
pub mod storage;

/// What vetting needs of a seller: who may see it, finding it by either id, whether it may be
/// submitted now, and its private view; what storefronts and the catalogue show of it; the
/// calling seller's own profile (listings are made under it); the in-country store of a
/// jurisdiction (payout accounts, trade records).
pub use service::{
    NamedSeller, can_view, in_country_store, named, own_profile, profile_view, public_view,
    submittable,
};
