//! The seller directory of admins and auditors: every seller profile, newest first, filtered by
//! status, state, sector, vetting body, enterprise type and badge, cursor-paged.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::views::profile_view;
use crate::auth::{Principal, Role};
use crate::db::schema::sellers;
use crate::error::ApiResult;
use crate::paging::{Direction, Page, PageParams};
use crate::sellers::api::{EnterpriseType, Sector, SellerProfile, SellerStatus};
use crate::sellers::model::SellerRow;

/// The filters of the directory, each optional; all given must hold.
#[derive(Debug, Clone, Default)]
pub struct SellerFilters {
    pub status: Option<SellerStatus>,
    /// A two-letter state code (of the registered address).
    pub state: Option<String>,
    pub sector: Option<Sector>,
    pub vetting_body_id: Option<Uuid>,
    pub enterprise_type: Option<EnterpriseType>,
    /// `true`: approved with a badge valid now; `false`: every other seller.
    pub badge: Option<bool>,
}

/// Sellers matching `filters`, newest first. Admins and auditors only.
pub async fn list(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    filters: &SellerFilters,
    page: &PageParams,
) -> ApiResult<Page<SellerProfile>> {
    principal.require(&[Role::Admin, Role::Auditor])?;
    let keyset = page.keyset(Direction::NewestFirst)?;
    let mut query = sellers::table.select(SellerRow::as_select()).into_boxed();
    if let Some(status) = filters.status {
        query = query.filter(sellers::status.eq(status));
    }
    if let Some(state) = &filters.state {
        query = query.filter(sellers::address_state.eq(state));
    }
    if let Some(sector) = filters.sector {
        query = query.filter(sellers::sectors.contains(vec![sector]));
    }
    if let Some(body) = filters.vetting_body_id {
        query = query.filter(sellers::vetting_body_id.eq(body));
    }
    if let Some(kind) = filters.enterprise_type {
        query = query.filter(sellers::enterprise_type.eq(kind));
    }
    if let Some(badge) = filters.badge {
        let valid = sellers::status
            .eq(SellerStatus::Approved)
            .and(sellers::badge_kind.is_not_null())
            .and(
                sellers::badge_valid_until
                    .is_null()
                    .or(sellers::badge_valid_until.gt(Utc::now())),
            );
        query = if badge {
            query.filter(valid)
        } else {
            query.filter(diesel::dsl::not(valid.assume_not_null()))
        };
    }
    // Keyed by the organisation id: the id every seller route shows (and unique).
    let rows: Vec<SellerRow> = keyset
        .apply(query, sellers::organisation_id)
        .load(conn)
        .await?;
    let items = rows
        .iter()
        .map(profile_view)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(keyset.page(items, |p| p.id))
}
