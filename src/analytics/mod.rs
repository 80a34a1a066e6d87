//! Seller analytics: how often buyers saw a seller (storefront views, search impressions,
//! listing views), counted in memory on the public read paths and added to `seller_daily_stats`
//! in batches by a background flush, so that no public read waits on a write. Visible to that
//! seller only.
//!
//! Other modules use `Counters`, `Event` and `api` — never `service`.

pub mod api;
pub mod routes;
pub mod service;

pub use service::{Counters, Event};
