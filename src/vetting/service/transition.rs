//! What a vetting status change writes, in the caller's transaction: the new status on the
//! seller row, the audit entry and the webhook event.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::sellers;
use crate::error::ApiResult;
use crate::sellers::api::{SellerStatus, Vocabulary};
use crate::sellers::model::SellerRow;
use crate::sellers::service::{Action, Actor, append_audit_entry, badge_of, public_id, status_of};
use crate::vetting::api::DecisionOutcome;

/// Moves the seller row `id` to `to` (a new version); returns the row.
pub(super) async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    to: SellerStatus,
) -> ApiResult<SellerRow> {
    Ok(diesel::update(sellers::table.find(id))
        .set((
            sellers::status.eq(to.as_str()),
            sellers::version.eq(sellers::version + 1),
            sellers::updated_at.eq(Utc::now()),
        ))
        .returning(SellerRow::as_returning())
        .get_result(conn)
        .await?)
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
) -> ApiResult<serde_json::Value> {
    Ok(serde_json::json!({
        "seller_id": public_id(row),
        "organisation_id": row.organisation_id,
        "vetting_body_id": row.vetting_body_id,
        "from_status": from,
        "status": status_of(row)?,
        "reason_codes": reason_codes,
        "note": note,
        "badge": badge_of(row)?,
        "valid_until": row.valid_until,
    }))
}

/// Publishes the seller's event for an action, in the caller's transaction.
pub(super) async fn publish(
    conn: &mut AsyncPgConnection,
    row: &SellerRow,
    action: Action,
    from: SellerStatus,
    reason_codes: &[String],
    note: Option<&str>,
) -> ApiResult<()> {
    if let Some(event) = event_type(action) {
        let payload = event_payload(row, from, reason_codes, note)?;
        crate::webhooks::publish(conn, row.organisation_id, event, payload).await?;
    }
    Ok(())
}

/// Audit entry and event of a status change, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(super) async fn finish(
    conn: &mut AsyncPgConnection,
    row: &SellerRow,
    actor: &Actor,
    action: Action,
    from: SellerStatus,
    to: SellerStatus,
    codes: Vec<String>,
    note: Option<String>,
) -> ApiResult<DecisionOutcome> {
    append_audit_entry(
        conn,
        row,
        actor,
        action.audit_action(),
        Some(from),
        to,
        &codes,
        note.as_deref(),
    )
    .await?;
    publish(conn, row, action, from, &codes, note.as_deref()).await?;
    tracing::info!(seller = %row.id, action = %action.audit_action(), %from, %to, "vetting transition");
    Ok(DecisionOutcome {
        seller_id: public_id(row),
        action: action.audit_action(),
        from_status: from,
        status: to,
        reason_codes: codes,
        note,
        badge: badge_of(row)?,
        valid_until: row.valid_until,
    })
}
