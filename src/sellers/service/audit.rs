//! Reading the append-only audit log of a seller (`lifecycle` writes it).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::access::visible_seller;
use super::views::audit_view;
use crate::auth::Principal;
use crate::db::schema::seller_audit_log;
use crate::error::ApiResult;
use crate::http::{Direction, Page, PageParams};
use crate::sellers::api::AuditEntry;
use crate::sellers::model::{AuditRow, public_id};

/// The seller's audit log, oldest first, page by page: for whoever may see the seller.
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
