//! The seller lifecycle: the actions that move a profile between statuses, which moves are
//! allowed, why a move is refused, in which statuses the seller may edit — and `record`, the one
//! function that makes a move: the seller row, its audit entry and its `seller.*` webhook event,
//! all in the caller's transaction. Every status change of every use case goes through it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::api::{AuditAction, BadgeKind, SellerStatus};
use super::model::{AuditRow, SellerRow, badge_of, public_id};
use crate::auth::Principal;
use crate::db::schema::{seller_audit_log, sellers};
use crate::error::{ApiError, ApiResult};
use crate::vocabulary::Vocabulary;

/// Something that moves a seller profile through its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Submit,
    StartReview,
    RequestChanges,
    Approve,
    Reject,
    Suspend,
    Reinstate,
    Expire,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::Submit,
        Action::StartReview,
        Action::RequestChanges,
        Action::Approve,
        Action::Reject,
        Action::Suspend,
        Action::Reinstate,
        Action::Expire,
    ];

    /// How the action is recorded in the audit log.
    pub fn audit_action(self) -> AuditAction {
        match self {
            Action::Submit => AuditAction::Submit,
            Action::StartReview => AuditAction::StartReview,
            Action::RequestChanges => AuditAction::RequestChanges,
            Action::Approve => AuditAction::Approve,
            Action::Reject => AuditAction::Reject,
            Action::Suspend => AuditAction::Suspend,
            Action::Reinstate => AuditAction::Reinstate,
            Action::Expire => AuditAction::Expire,
        }
    }
}

/// An action that is not allowed from the current status. The message says the current status
/// and what is possible from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct TransitionError {
    pub from: SellerStatus,
    pub action: Action,
}

fn action_words(action: Action) -> String {
    action.audit_action().as_str().replace('_', " ")
}

fn status_words(status: SellerStatus) -> String {
    status.as_str().replace('_', " ")
}

impl TransitionError {
    fn message(&self) -> String {
        let (from, action) = (self.from, self.action);
        let doing = action_words(action);
        let now = match Action::ALL
            .iter()
            .copied()
            .filter(|a| transition(from, *a).is_ok())
            .map(action_words)
            .collect::<Vec<_>>()
        {
            possible if possible.is_empty() => "no further change is possible".to_owned(),
            possible => format!("possible now: {}", possible.join(", ")),
        };
        let already = SellerStatus::ALL
            .iter()
            .any(|s| transition(*s, action) == Ok(from));
        if already {
            return format!(
                "cannot {doing}: the seller is already {} ({now})",
                status_words(from)
            );
        }
        let sources: Vec<String> = SellerStatus::ALL
            .iter()
            .copied()
            .filter(|s| transition(*s, action).is_ok())
            .map(status_words)
            .collect();
        format!(
            "cannot {doing}: the seller is {}, and {doing} is possible only when it is {} ({now})",
            status_words(from),
            sources.join(" or "),
        )
    }
}

impl From<TransitionError> for ApiError {
    fn from(e: TransitionError) -> Self {
        ApiError::Conflict(e.to_string())
    }
}

/// The whole lifecycle: draft → submitted → under_review → changes_requested → submitted … →
/// approved | rejected; approved → suspended → approved; approved → expired.
pub fn transition(from: SellerStatus, action: Action) -> Result<SellerStatus, TransitionError> {
    use Action as A;
    use SellerStatus as S;
    match (from, action) {
        // An expired seller renews by submitting again.
        (S::Draft | S::ChangesRequested | S::Expired, A::Submit) => Ok(S::Submitted),
        (S::Submitted, A::StartReview) => Ok(S::UnderReview),
        (S::UnderReview, A::RequestChanges) => Ok(S::ChangesRequested),
        (S::UnderReview, A::Approve) => Ok(S::Approved),
        (S::UnderReview, A::Reject) => Ok(S::Rejected),
        (S::Approved, A::Suspend) => Ok(S::Suspended),
        (S::Suspended, A::Reinstate) => Ok(S::Approved),
        (S::Approved, A::Expire) => Ok(S::Expired),
        _ => Err(TransitionError { from, action }),
    }
}

/// The seller may change its profile, payout account and documents only in these states
/// (an expired seller updates its evidence before renewing).
pub fn is_editable(status: SellerStatus) -> bool {
    matches!(
        status,
        SellerStatus::Draft | SellerStatus::ChangesRequested | SellerStatus::Expired
    )
}

/// Who made a change, for the audit log.
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub role: &'static str,
    pub request_id: Option<String>,
}

impl Actor {
    /// Background work such as expiry.
    pub fn system() -> Self {
        Actor {
            user_id: None,
            role: "system",
            request_id: None,
        }
    }

    pub fn new(principal: &Principal, request_id: String) -> Self {
        Actor {
            user_id: Some(principal.user_id),
            role: principal.role.as_str(),
            request_id: Some(request_id),
        }
    }
}

/// The columns a move sets besides the status, the version and `updated_at`, as the use case
/// needs them; `None` leaves a column as it is (`Some(None)` clears a lease column).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = sellers)]
pub struct TransitionColumns {
    pub submitted_at: Option<DateTime<Utc>>,
    pub vetting_body_id: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub claimed_by: Option<Option<Uuid>>,
    pub claim_expires_at: Option<Option<DateTime<Utc>>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub badge_kind: Option<BadgeKind>,
    pub badge_issued_by: Option<Uuid>,
    pub badge_issued_at: Option<DateTime<Utc>>,
    pub badge_valid_until: Option<DateTime<Utc>>,
}

/// One move through the lifecycle: the action, who made it, why (reason codes and a note, for
/// the audit entry and the event) and what else the seller row gets.
pub struct Transition<'a> {
    pub action: Action,
    pub actor: &'a Actor,
    pub reason_codes: &'a [String],
    pub note: Option<&'a str>,
    pub columns: TransitionColumns,
}

impl<'a> Transition<'a> {
    /// A move with no reasons and no other columns.
    pub fn new(action: Action, actor: &'a Actor) -> Self {
        Transition {
            action,
            actor,
            reason_codes: &[],
            note: None,
            columns: TransitionColumns::default(),
        }
    }
}

/// Makes a move in the caller's transaction, from the seller row `current` (read under lock):
/// refused (409) unless the lifecycle allows it; else the row gets the new status, a new
/// version and the move's columns, the audit log an entry and the outbox the seller's event.
/// Returns the updated row.
pub async fn record(
    conn: &mut AsyncPgConnection,
    current: &SellerRow,
    t: Transition<'_>,
) -> ApiResult<SellerRow> {
    let from = current.status;
    let to = transition(from, t.action)?;
    let row: SellerRow = diesel::update(sellers::table.find(current.id))
        .set((
            sellers::status.eq(to),
            sellers::version.eq(sellers::version + 1),
            sellers::updated_at.eq(Utc::now()),
            &t.columns,
        ))
        .returning(SellerRow::as_returning())
        .get_result(conn)
        .await?;
    let entry = Entry {
        action: t.action.audit_action(),
        from: Some(from),
        reason_codes: t.reason_codes,
        note: t.note,
    };
    write_audit(conn, &row, t.actor, entry).await?;
    if let Some(event) = event_type(t.action) {
        let payload = event_payload(&row, from, t.reason_codes, t.note);
        crate::webhooks::publish(conn, row.organisation_id, event, payload).await?;
    }
    tracing::info!(seller = %row.id, action = %t.action.audit_action(), %from, %to, "seller transition");
    Ok(row)
}

/// The lifecycle starts: a new profile is a draft (its `create` audit entry, in the caller's
/// transaction; no event).
pub async fn record_created(
    conn: &mut AsyncPgConnection,
    row: &SellerRow,
    actor: &Actor,
) -> ApiResult<()> {
    let entry = Entry {
        action: AuditAction::Create,
        from: None,
        reason_codes: &[],
        note: None,
    };
    write_audit(conn, row, actor, entry).await.map(|_| ())
}

/// What an audit entry says besides who acted and the status the row now has.
struct Entry<'a> {
    action: AuditAction,
    from: Option<SellerStatus>,
    reason_codes: &'a [String],
    note: Option<&'a str>,
}

/// An erasure of the seller's personal data, in the caller's transaction: an `erase` entry
/// (the status unchanged) whose reason code is the erasure's reason and whose note names the
/// categories and counts, never the values. Returns the entry's id.
pub async fn record_erasure(
    conn: &mut AsyncPgConnection,
    row: &SellerRow,
    actor: &Actor,
    reason: &str,
    summary: &str,
) -> ApiResult<Uuid> {
    let reasons = [reason.to_owned()];
    let entry = Entry {
        action: AuditAction::Erase,
        from: Some(row.status),
        reason_codes: &reasons,
        note: Some(summary),
    };
    write_audit(conn, row, actor, entry).await
}

/// An evidence document uploaded, replaced or deleted, in the caller's transaction: an entry of
/// `action` (the status unchanged) whose note names the document.
pub async fn record_document(
    conn: &mut AsyncPgConnection,
    row: &SellerRow,
    actor: &Actor,
    action: AuditAction,
    note: &str,
) -> ApiResult<Uuid> {
    let entry = Entry {
        action,
        from: Some(row.status),
        reason_codes: &[],
        note: Some(note),
    };
    write_audit(conn, row, actor, entry).await
}

/// One audit-log entry for `row` (after the change), in the caller's transaction; its id.
async fn write_audit(
    conn: &mut AsyncPgConnection,
    row: &SellerRow,
    actor: &Actor,
    entry: Entry<'_>,
) -> ApiResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(seller_audit_log::table)
        .values(&AuditRow {
            id,
            seller_id: row.id,
            actor_user_id: actor.user_id,
            actor_role: actor.role.to_owned(),
            at: Utc::now(),
            action: entry.action,
            from_status: entry.from,
            to_status: row.status,
            reason_codes: entry.reason_codes.to_vec(),
            note: entry.note.map(str::to_owned),
            request_id: actor.request_id.clone(),
            home_jurisdiction: row.home_jurisdiction.clone(),
        })
        .execute(conn)
        .await?;
    Ok(id)
}

/// The webhook event of an action; starting a review publishes none.
fn event_type(action: Action) -> Option<&'static str> {
    match action {
        Action::Submit => Some("seller.submitted"),
        Action::RequestChanges => Some("seller.changes_requested"),
        Action::Approve => Some("seller.approved"),
        Action::Reject => Some("seller.rejected"),
        Action::Suspend => Some("seller.suspended"),
        Action::Reinstate => Some("seller.reinstated"),
        Action::Expire => Some("seller.expired"),
        Action::StartReview => None,
    }
}

/// The payload of a seller event: the seller after the change, where it came from and why.
fn event_payload(
    row: &SellerRow,
    from: SellerStatus,
    reason_codes: &[String],
    note: Option<&str>,
) -> serde_json::Value {
    serde_json::json!({
        "seller_id": public_id(row),
        "organisation_id": row.organisation_id,
        "vetting_body_id": row.vetting_body_id,
        "from_status": from,
        "status": row.status,
        "reason_codes": reason_codes,
        "note": note,
        "badge": badge_of(row),
        "valid_until": row.valid_until,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_allows_exactly_these_transitions() {
        use Action as A;
        use SellerStatus as S;
        let allowed = [
            (S::Draft, A::Submit, S::Submitted),
            (S::ChangesRequested, A::Submit, S::Submitted),
            (S::Expired, A::Submit, S::Submitted),
            (S::Submitted, A::StartReview, S::UnderReview),
            (S::UnderReview, A::RequestChanges, S::ChangesRequested),
            (S::UnderReview, A::Approve, S::Approved),
            (S::UnderReview, A::Reject, S::Rejected),
            (S::Approved, A::Suspend, S::Suspended),
            (S::Suspended, A::Reinstate, S::Approved),
            (S::Approved, A::Expire, S::Expired),
        ];
        for &from in SellerStatus::ALL {
            for action in Action::ALL {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                match (transition(from, action), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from} {action:?}"),
                    (Err(e), None) => assert_eq!(e, TransitionError { from, action }),
                    (got, want) => panic!("{from} {action:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn a_full_lifecycle_walk() {
        use Action::*;
        let mut s = SellerStatus::Draft;
        for action in [
            Submit,
            StartReview,
            RequestChanges,
            Submit,
            StartReview,
            Approve,
            Suspend,
            Reinstate,
            Expire,
        ] {
            s = transition(s, action).unwrap();
        }
        assert_eq!(s, SellerStatus::Expired);
        let e = transition(SellerStatus::Submitted, Submit).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot submit: the seller is already submitted (possible now: start review)"
        );
        assert!(matches!(ApiError::from(e), ApiError::Conflict(_)));
        assert_eq!(
            transition(SellerStatus::Approved, Approve)
                .unwrap_err()
                .to_string(),
            "cannot approve: the seller is already approved (possible now: suspend, expire)"
        );
        assert_eq!(
            transition(SellerStatus::Approved, Reject)
                .unwrap_err()
                .to_string(),
            "cannot reject: the seller is approved, and reject is possible only when it is \
             under review (possible now: suspend, expire)"
        );
        assert_eq!(
            transition(SellerStatus::Rejected, Suspend)
                .unwrap_err()
                .to_string(),
            "cannot suspend: the seller is rejected, and suspend is possible only when it is \
             approved (no further change is possible)"
        );
    }

    #[test]
    fn only_draft_changes_requested_and_expired_are_editable() {
        let editable: Vec<SellerStatus> = SellerStatus::ALL
            .iter()
            .copied()
            .filter(|s| is_editable(*s))
            .collect();
        assert_eq!(
            editable,
            [
                SellerStatus::Draft,
                SellerStatus::ChangesRequested,
                SellerStatus::Expired
            ]
        );
    }
}
