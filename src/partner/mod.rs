//! What may leave the country: aggregates for partners abroad (counts of sellers and listings by
//! sector and state, cells below the threshold withheld) and the egress log that records every
//! such answer (who, when, which categories, how many cells).
//!
//! Other modules use `api` — never `service`.

pub mod api;
pub mod routes;
pub mod service;
