//! Vetting rules and the database work around them, one file per use case: bodies, intake of
//! submissions, assignment of applications to bodies, the queue, claims (leases), checklists,
//! decisions and expiry. The rules are pure functions; `application` loads and authorises an
//! application for the use cases. Every status change is recorded by `sellers::lifecycle`.

mod application;
mod assignment;
mod bodies;
mod checklist;
mod claims;
mod decisions;
mod expiry;
mod intake;
mod queue;

pub use application::{MAX_SAME_IDENTIFIERS, Need, authorise, get_application};
pub use assignment::{Candidate, assign_waiting, body_for_submission, pick_body};
pub use bodies::{
    CheckedBody, DEFAULT_SLA_HOURS, DEFAULT_VALIDITY_MONTHS, MAX_APPLIES_TO, MAX_PRIORITY_SECTORS,
    MAX_TEMPLATE_ITEMS, body_view, create_body, default_checklist, default_reason_codes, get_body,
    insert_body, list_bodies, parse_new_body, update_body,
};
pub use checklist::{applies, get_checklist, missing_mandatory, tick};
pub use claims::{claim, ensure_holder, live_claim, may_claim, release};
pub use decisions::{
    MAX_DECISION_REASONS, badge_for, change_status, check_reasons, decide, reason_kind_for,
    still_valid,
};
pub use expiry::{expire_due, expire_now, run_expiry};
pub use intake::submit;
pub use queue::{QueueKey, age_hours, is_open, kind_rank, priority_rank, queue, sla_breached};

/// Shorthands of the unit tests.
#[cfg(test)]
mod testing {
    use chrono::{DateTime, Utc};

    pub fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    pub fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }
}
