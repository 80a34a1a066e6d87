//! Intake: a seller submits its profile for vetting. Sellers say whether the profile may be
//! submitted; intake assigns the body, records the move and starts the checklist afresh.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::assignment::body_for_submission;
use crate::auth::{Principal, Role};
use crate::db::schema::{sellers, vetting_checklist};
use crate::error::ApiResult;
use crate::http::IfMatch;
use crate::sellers::api::SellerProfile;
use crate::sellers::lifecycle::{self, Action, Actor, Transition, TransitionColumns};
use crate::sellers::{profile_view, submittable};

/// Submits the caller's profile: only when `sellers::submittable` lets it. The application
/// goes to the body already working it or the best of the seller's jurisdiction (none yet: it
/// waits unassigned); the status change, its audit entry, the `seller.submitted` event and a
/// fresh checklist are one transaction.
pub async fn submit(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    actor: &Actor,
    if_match: &IfMatch,
) -> ApiResult<SellerProfile> {
    principal.require(&[Role::Seller])?;
    principal.require_verified()?;
    conn.transaction(async |conn| {
        let current = submittable(conn, principal, if_match).await?;
        let columns = TransitionColumns {
            submitted_at: Some(Utc::now()),
            vetting_body_id: body_for_submission(conn, &current).await?,
            ..TransitionColumns::default()
        };
        let change = Transition {
            columns,
            ..Transition::new(Action::Submit, actor)
        };
        let row = lifecycle::record(conn, &current, change).await?;
        // The next claim records the body version this application is worked with.
        diesel::update(sellers::table.find(row.id))
            .set(sellers::vetting_body_version.eq(None::<i32>))
            .execute(conn)
            .await?;
        diesel::delete(vetting_checklist::table.filter(vetting_checklist::seller_id.eq(row.id)))
            .execute(conn)
            .await?;
        profile_view(&row)
    })
    .await
}
