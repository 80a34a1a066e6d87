//! Vetting: bodies with their checklists, reason codes, SLA and approval validity; the queue
//! officers work; leases on applications; checklists; decisions with reason codes; the badge;
//! suspension and reinstatement; approval expiry.

pub mod api;
pub mod model;
pub mod routes;
pub mod service;

pub use service::expire_due;
