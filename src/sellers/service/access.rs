//! Who may see and change a seller, and finding it: the one public id, lookups by either id or
//! by the caller's organisation, and the guard that a profile is editable.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::auth::{Principal, Role};
use crate::db::schema::sellers;
use crate::error::{ApiError, ApiResult};
use crate::sellers::api::SellerStatus;
use crate::sellers::lifecycle::is_editable;
use crate::sellers::model::SellerRow;

/// The private profile, its documents and audit log: the owner, admins, auditors, and officers
/// of the seller's vetting body. Everyone else gets 404.
pub fn can_view(
    principal: &Principal,
    organisation_id: Uuid,
    vetting_body_id: Option<Uuid>,
) -> bool {
    match principal.role {
        Role::Admin | Role::Auditor => true,
        Role::Seller => principal.organisation_id == organisation_id,
        Role::VettingOfficer => vetting_body_id == Some(principal.organisation_id),
        Role::Buyer => false,
    }
}

fn visible(principal: &Principal, row: &SellerRow) -> ApiResult<()> {
    if can_view(principal, row.organisation_id, row.vetting_body_id) {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

/// `sellers` filtered to one seller by either of its ids.
pub type NamedSeller = diesel::dsl::Filter<
    sellers::table,
    diesel::dsl::Or<
        diesel::dsl::Eq<sellers::id, Uuid>,
        diesel::dsl::Eq<sellers::organisation_id, Uuid>,
    >,
>;

/// Rows of the seller named by `id`: its public (organisation) id, or an older profile's row id.
pub fn named(id: Uuid) -> NamedSeller {
    sellers::table.filter(sellers::id.eq(id).or(sellers::organisation_id.eq(id)))
}

/// A change by the seller is refused (409) unless its status lets it edit.
pub(super) fn ensure_editable(status: SellerStatus) -> ApiResult<()> {
    if is_editable(status) {
        Ok(())
    } else {
        Err(ApiError::Conflict(format!(
            "the profile is {status} and read-only until changes are requested"
        )))
    }
}

pub(super) async fn own_seller(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    lock: bool,
) -> ApiResult<Option<SellerRow>> {
    let query = sellers::table
        .filter(sellers::organisation_id.eq(principal.organisation_id))
        .select(SellerRow::as_select());
    let row = if lock {
        query.for_update().first(conn).await.optional()?
    } else {
        query.first(conn).await.optional()?
    };
    Ok(row)
}

pub(super) fn no_profile_yet() -> ApiError {
    ApiError::Conflict("create the seller profile first (PUT /v1/sellers/me/profile)".into())
}

pub(super) async fn seller_by_id(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<SellerRow> {
    Ok(named(id).select(SellerRow::as_select()).first(conn).await?)
}

/// A seller the principal may see, else 404.
pub(super) async fn visible_seller(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<SellerRow> {
    let row = seller_by_id(conn, id).await?;
    visible(principal, &row)?;
    Ok(row)
}

/// The calling seller's profile: 403 for other roles, 409 when it has none yet.
pub async fn own_profile(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
) -> ApiResult<SellerRow> {
    principal.require(&[Role::Seller])?;
    own_seller(conn, principal, false)
        .await?
        .ok_or_else(no_profile_yet)
}

/// The caller's profile, which must exist and be editable (checked before an upload is read).
pub async fn editable_own_seller(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
) -> ApiResult<SellerRow> {
    let seller = own_profile(conn, principal).await?;
    ensure_editable(seller.status)?;
    Ok(seller)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_may_view_a_seller() {
        let (org, body, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let p = |role, organisation_id| Principal {
            user_id: Uuid::now_v7(),
            organisation_id,
            role,
            session_id: Uuid::now_v7(),
            email_verified: true,
        };
        assert!(can_view(&p(Role::Seller, org), org, None));
        assert!(!can_view(&p(Role::Seller, other), org, None));
        assert!(!can_view(&p(Role::Buyer, org), org, None));
        assert!(can_view(&p(Role::Admin, other), org, None));
        assert!(can_view(&p(Role::Auditor, other), org, None));
        assert!(can_view(&p(Role::VettingOfficer, body), org, Some(body)));
        assert!(!can_view(&p(Role::VettingOfficer, other), org, Some(body)));
        assert!(!can_view(&p(Role::VettingOfficer, body), org, None));
    }
}
