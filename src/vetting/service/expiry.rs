//! Approval expiry: the sweep that moves lapsed approvals to `expired` and assigns waiting
//! applications, run hourly in the background or by an admin on demand.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::assignment::assign_waiting;
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::background::{Periodic, Stopped};
use crate::db::schema::sellers;
use crate::error::ApiResult;
use crate::sellers::api::SellerStatus;
use crate::sellers::lifecycle::{self, Action, Actor, Transition};
use crate::sellers::model::SellerRow;
use crate::vetting::api::ExpiryRun;

/// Moves approved sellers whose approval has passed to `expired` (audit entry by the system,
/// `seller.expired` event), each in its own transaction. Returns how many expired.
pub async fn expire_due(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let due: Vec<Uuid> = sellers::table
        .filter(sellers::status.eq(SellerStatus::Approved))
        .filter(sellers::valid_until.lt(Utc::now()))
        .select(sellers::id)
        .order(sellers::id)
        .limit(1000)
        .load(conn)
        .await?;
    let mut expired = 0;
    for id in due {
        expired += usize::from(expire_one(conn, id).await?);
    }
    Ok(expired)
}

/// Expires one seller in its own transaction, unless it is no longer due (re-checked under the
/// lock: a concurrent run or a suspension may have won).
async fn expire_one(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<bool> {
    conn.transaction(async |conn| {
        let row: Option<SellerRow> = sellers::table
            .find(id)
            .filter(sellers::status.eq(SellerStatus::Approved))
            .filter(sellers::valid_until.lt(Utc::now()))
            .select(SellerRow::as_select())
            .for_update()
            .skip_locked()
            .first(conn)
            .await
            .optional()?;
        let Some(row) = row else {
            return Ok(false);
        };
        let system = Actor::system();
        lifecycle::record(conn, &row, Transition::new(Action::Expire, &system)).await?;
        Ok(true)
    })
    .await
}

/// Admins run the hourly sweep now: expiry, then assignment of waiting applications.
pub async fn expire_now(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
) -> ApiResult<ExpiryRun> {
    principal.require(&[Role::Admin])?;
    Ok(ExpiryRun {
        expired: expire_due(conn).await?,
        assigned: assign_waiting(conn).await?,
    })
}

/// At start-up and hourly, until the server stops: expire lapsed approvals, then assign waiting
/// applications (also when the expiry failed); a failed run is logged by `Periodic`.
pub async fn run_expiry(state: Arc<AppState>, stopped: Stopped) {
    Periodic::new("approval expiry")
        .every(Duration::from_secs(3600), stopped, || {
            let state = state.clone();
            async move {
                let mut conn = state.stores.platform().await?;
                let expired = expire_due(&mut conn).await.inspect(|&n| {
                    if n > 0 {
                        tracing::info!(expired = n, "approvals expired");
                    }
                });
                let assigned = assign_waiting(&mut conn).await.inspect(|&n| {
                    if n > 0 {
                        tracing::info!(assigned = n, "waiting applications assigned");
                    }
                });
                expired.and(assigned).map(drop)
            }
        })
        .await
}
