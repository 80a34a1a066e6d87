//! The append-only audit log of a seller: who acted, writing an entry in the caller's
//! transaction, and reading the log page by page.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::access::{public_id, visible_seller};
use super::views::audit_view;
use crate::auth::Principal;
use crate::db::schema::seller_audit_log;
use crate::error::ApiResult;
use crate::http::{Direction, Page, PageParams};
use crate::sellers::api::{AuditAction, AuditEntry, SellerStatus, Vocabulary};
use crate::sellers::model::{AuditRow, SellerRow};

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

/// One audit-log entry, written in the caller's transaction.
pub(super) async fn append_audit(
    conn: &mut AsyncPgConnection,
    seller: &SellerRow,
    actor: &Actor,
    action: AuditAction,
    from: Option<SellerStatus>,
    to: SellerStatus,
) -> ApiResult<()> {
    append_audit_entry(conn, seller, actor, action, from, to, &[], None).await
}

/// One audit-log entry with the reason codes and note of a decision, written in the caller's
/// transaction.
#[allow(clippy::too_many_arguments)]
pub async fn append_audit_entry(
    conn: &mut AsyncPgConnection,
    seller: &SellerRow,
    actor: &Actor,
    action: AuditAction,
    from: Option<SellerStatus>,
    to: SellerStatus,
    reason_codes: &[String],
    note: Option<&str>,
) -> ApiResult<()> {
    diesel::insert_into(seller_audit_log::table)
        .values(&AuditRow {
            id: Uuid::now_v7(),
            seller_id: seller.id,
            actor_user_id: actor.user_id,
            actor_role: actor.role.to_owned(),
            at: Utc::now(),
            action: action.as_str().to_owned(),
            from_status: from.map(|s| s.as_str().to_owned()),
            to_status: to.as_str().to_owned(),
            reason_codes: reason_codes.to_vec(),
            note: note.map(str::to_owned),
            request_id: actor.request_id.clone(),
            home_jurisdiction: seller.home_jurisdiction.clone(),
        })
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn audit_log(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    seller_id: Uuid,
    page: &PageParams,
) -> ApiResult<Page<AuditEntry>> {
    let keyset = page.keyset(Direction::OldestFirst)?;
    let seller = visible_seller(conn, principal, seller_id).await?;
    let rows: Vec<AuditRow> = keyset
        .apply(
            seller_audit_log::table
                .filter(seller_audit_log::seller_id.eq(seller.id))
                .select(AuditRow::as_select())
                .into_boxed(),
            seller_audit_log::id,
        )
        .load(conn)
        .await?;
    let items = rows
        .iter()
        .map(|r| audit_view(public_id(&seller), r))
        .collect::<ApiResult<_>>()?;
    Ok(keyset.page(items, |e: &AuditEntry| e.id))
}
