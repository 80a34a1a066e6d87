//! The buyer organisation's profile: what RFQs show of the buyer (company, country, business
//! type) and its private contact. Buyers only, their own organisation.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::validation::parse_buyer_profile;
use super::views::buyer_profile_view;
use crate::auth::{Principal, Role};
use crate::db::schema::buyer_profiles;
use crate::error::{ApiError, ApiResult};
use crate::http::{IfMatch, etag};
use crate::rfq::api::{BuyerProfile, BuyerProfileRequest};
use crate::rfq::model::BuyerProfileRow;

/// The caller's buyer profile, if it has one.
pub(super) async fn find(
    conn: &mut AsyncPgConnection,
    organisation_id: uuid::Uuid,
) -> ApiResult<Option<BuyerProfileRow>> {
    Ok(buyer_profiles::table
        .find(organisation_id)
        .select(BuyerProfileRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The calling buyer's profile; 409 until it has one (RFQs need it).
pub(super) async fn own(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
) -> ApiResult<BuyerProfileRow> {
    principal.require(&[Role::Buyer])?;
    find(conn, principal.organisation_id).await?.ok_or_else(|| {
        ApiError::Conflict("no buyer profile yet: PUT /v1/buyers/me/profile first".into())
    })
}

/// The calling buyer's profile; 404 until it has one.
pub async fn get(conn: &mut AsyncPgConnection, principal: &Principal) -> ApiResult<BuyerProfile> {
    principal.require(&[Role::Buyer])?;
    let row = find(conn, principal.organisation_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(buyer_profile_view(&row))
}

/// Creates or replaces the calling buyer's profile. Replacing needs `If-Match`; the first
/// `PUT` does not. Returns the profile and whether it was created.
pub async fn put(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    if_match: &IfMatch,
    req: BuyerProfileRequest,
) -> ApiResult<(BuyerProfile, bool)> {
    principal.require(&[Role::Buyer])?;
    let columns = parse_buyer_profile(req)?;
    conn.transaction(async |conn| {
        let current: Option<BuyerProfileRow> = buyer_profiles::table
            .find(principal.organisation_id)
            .select(BuyerProfileRow::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let (row, created) = match current {
            None => {
                let row = diesel::insert_into(buyer_profiles::table)
                    .values((
                        buyer_profiles::organisation_id.eq(principal.organisation_id),
                        &columns,
                    ))
                    .on_conflict_do_nothing()
                    .returning(BuyerProfileRow::as_returning())
                    .get_result(conn)
                    .await
                    .optional()?
                    // Created by a concurrent request since the read: replacing it needs If-Match.
                    .ok_or_else(|| {
                        ApiError::Conflict(
                            "the profile was just created: retry with If-Match".into(),
                        )
                    })?;
                (row, true)
            }
            Some(current) => {
                if_match.require(&etag(current.version))?;
                let row = diesel::update(buyer_profiles::table.find(principal.organisation_id))
                    .set((
                        &columns,
                        buyer_profiles::version.eq(current.version + 1),
                        buyer_profiles::updated_at.eq(Utc::now()),
                    ))
                    .returning(BuyerProfileRow::as_returning())
                    .get_result(conn)
                    .await?;
                (row, false)
            }
        };
        Ok((buyer_profile_view(&row), created))
    })
    .await
}
