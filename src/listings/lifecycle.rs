//! The listing lifecycle: draft → published → paused → archived, which moves are allowed, why a
//! move is refused, when the seller may edit — and `record`, the one function that changes a
//! listing's status: the row and its audit entry, in the caller's transaction.
//!
//! Whether the listing is *visible* also depends on its seller's standing, which the database
//! keeps on the row (`seller_in_good_standing`); the lifecycle only moves the listing's own
//! status.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::api::{FeeWaiver, ListingAction, ListingStatus};
use super::model::{ListingAuditRow, ListingRow};
use crate::db::schema::{listing_audit_log, listings};
use crate::error::{ApiError, ApiResult};
use crate::vocabulary::Vocabulary;

/// Something that moves a listing between statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Publish,
    Pause,
    Archive,
}

impl Action {
    pub const ALL: [Action; 3] = [Action::Publish, Action::Pause, Action::Archive];

    pub fn audit_action(self) -> ListingAction {
        match self {
            Action::Publish => ListingAction::Publish,
            Action::Pause => ListingAction::Pause,
            Action::Archive => ListingAction::Archive,
        }
    }
}

/// The status an action leads to from `from`, or why it is refused.
pub fn transition(from: ListingStatus, action: Action) -> Result<ListingStatus, TransitionError> {
    use Action as A;
    use ListingStatus as S;
    match (from, action) {
        (S::Draft | S::Paused, A::Publish) => Ok(S::Published),
        (S::Published, A::Pause) => Ok(S::Paused),
        (S::Draft | S::Published | S::Paused, A::Archive) => Ok(S::Archived),
        _ => Err(TransitionError { from, action }),
    }
}

/// The seller may change the fields of a listing until it is archived.
pub fn is_editable(status: ListingStatus) -> bool {
    status != ListingStatus::Archived
}

/// An action that is not allowed from the current status (409), saying what is possible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct TransitionError {
    pub from: ListingStatus,
    pub action: Action,
}

impl TransitionError {
    fn message(&self) -> String {
        let doing = self.action.audit_action().as_str();
        let possible: Vec<&str> = Action::ALL
            .iter()
            .filter(|a| transition(self.from, **a).is_ok())
            .map(|a| a.audit_action().as_str())
            .collect();
        let now = if possible.is_empty() {
            "no further change is possible".to_owned()
        } else {
            format!("possible now: {}", possible.join(", "))
        };
        format!(
            "cannot {doing}: the listing is {} ({now})",
            self.from.as_str()
        )
    }
}

impl From<TransitionError> for ApiError {
    fn from(e: TransitionError) -> Self {
        ApiError::Conflict(e.to_string())
    }
}

/// The fee applied at a first publish, recorded on the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeCharge {
    pub fee_minor: i64,
    pub gst_minor: i64,
    pub currency: &'static str,
    pub schedule_version: i32,
    pub waived: Option<FeeWaiver>,
}

/// Columns a move sets besides status and version.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = listings)]
struct MoveColumns {
    published_at: Option<DateTime<Utc>>,
    first_published_at: Option<DateTime<Utc>>,
    listing_fee_minor: Option<i64>,
    listing_fee_gst_minor: Option<i64>,
    listing_fee_currency: Option<&'static str>,
    fee_schedule_version: Option<i32>,
    fee_waived_reason: Option<FeeWaiver>,
}

/// Moves `current` by `action` (the caller has checked who may, and holds the row locked): one
/// UPDATE (status, version + 1, publish time, the fee of a first publish) and the audit entry.
pub async fn record(
    conn: &mut AsyncPgConnection,
    current: &ListingRow,
    action: Action,
    actor: Option<Uuid>,
    fee: Option<FeeCharge>,
) -> ApiResult<ListingRow> {
    let to = transition(current.status, action)?;
    let now = Utc::now();
    let mut columns = MoveColumns::default();
    if to == ListingStatus::Published {
        columns.published_at = Some(now);
        if current.first_published_at.is_none() {
            columns.first_published_at = Some(now);
        }
    }
    if let Some(fee) = fee {
        columns.listing_fee_minor = Some(fee.fee_minor);
        columns.listing_fee_gst_minor = Some(fee.gst_minor);
        columns.listing_fee_currency = Some(fee.currency);
        columns.fee_schedule_version = Some(fee.schedule_version);
        columns.fee_waived_reason = fee.waived;
    }
    let row: ListingRow = diesel::update(listings::table.find(current.id))
        .set((
            listings::status.eq(to),
            listings::version.eq(listings::version + 1),
            listings::updated_at.eq(now),
            &columns,
        ))
        .returning(ListingRow::as_returning())
        .get_result(conn)
        .await?;
    audit(
        conn,
        &row,
        action.audit_action(),
        Some(current.status),
        actor,
    )
    .await?;
    tracing::info!(listing = %row.id, action = %action.audit_action(), from = %current.status, %to, "listing transition");
    Ok(row)
}

/// Appends the audit entry of a change to `row` (its status and version after the change).
pub async fn audit(
    conn: &mut AsyncPgConnection,
    row: &ListingRow,
    action: ListingAction,
    from: Option<ListingStatus>,
    actor: Option<Uuid>,
) -> ApiResult<()> {
    diesel::insert_into(listing_audit_log::table)
        .values(&ListingAuditRow {
            id: Uuid::now_v7(),
            listing_id: row.id,
            actor_user_id: actor,
            at: Utc::now(),
            action,
            from_status: from,
            to_status: row.status,
            version: row.version,
            home_jurisdiction: row.home_jurisdiction.clone(),
        })
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_allows_exactly_these_moves() {
        use Action as A;
        use ListingStatus as S;
        let allowed = [
            (S::Draft, A::Publish, S::Published),
            (S::Paused, A::Publish, S::Published),
            (S::Published, A::Pause, S::Paused),
            (S::Draft, A::Archive, S::Archived),
            (S::Published, A::Archive, S::Archived),
            (S::Paused, A::Archive, S::Archived),
        ];
        for &from in S::ALL {
            for action in A::ALL {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                assert_eq!(transition(from, action).ok(), expected, "{from} {action:?}");
            }
        }
    }

    #[test]
    fn refusals_say_what_is_possible() {
        let e = transition(ListingStatus::Archived, Action::Publish).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot publish: the listing is archived (no further change is possible)"
        );
        let e = transition(ListingStatus::Draft, Action::Pause).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot pause: the listing is draft (possible now: publish, archive)"
        );
    }

    #[test]
    fn only_archived_listings_are_read_only() {
        assert!(is_editable(ListingStatus::Draft));
        assert!(is_editable(ListingStatus::Published));
        assert!(is_editable(ListingStatus::Paused));
        assert!(!is_editable(ListingStatus::Archived));
    }
}
