//! Settlement estimation: what reaches an Indian seller when a buyer abroad
//! pays, route by route, as line items against the mid-market rate.
//!
//! Pure computation: a [`FeeSchedule`] (versioned data), [`Rates`] (mid
//! rates as INR per unit) and an [`EstimateRequest`] go in; ranked
//! [`RouteEstimate`]s come out. No I/O.
//!
//! # How the numbers are kept honest
//!
//! * Money is integer minor units; every decimal result is rounded half-even
//!   exactly once, per line, except tax: GST rounds half-up (50 paise and
//!   above go up, CGST Act s.170).
//! * INR values "at mid" of money in a foreign currency are taken as the fall
//!   in the mid value of the money in flight: a line deducting `f` from `x`
//!   is worth `V(x) − V(x − f)`, where `V` is the half-even paise value at
//!   mid. These telescope, so `buyer_pays_total_inr_at_mid − Σ lines ==
//!   net_inr` holds exactly by construction (each line is within one paisa
//!   of its fee valued on its own).
//! * Cross rates are derived from INR-per-unit mids, so all mid valuations
//!   agree with each other. A conversion never delivers more than the mid
//!   value (it is trimmed by a minor unit if half-even rounding would), so a
//!   spread line is never negative.
//! * In-flight deductions (SHA/BEN hops, BEN sender fee, PSP fees) must leave
//!   something, and so must all costs together: a route whose costs reach the
//!   amount (net ≤ 0) is returned as not eligible for that amount, with the
//!   reason, rather than priced as a payout the seller would pay for.

mod estimate;
mod gst;
mod inr_costs;
mod pricing;
mod ranking;
mod rates;
mod schedule;
mod search;
mod validation;

pub use estimate::*;
pub use gst::*;
pub use ranking::*;
pub use rates::*;
pub use schedule::*;
pub use validation::*;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
