//! Leases on applications: who holds one, claiming (the first claim starts the review) and
//! releasing.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::application::{Need, application_view, loaded_for, same_identifiers};
use super::queue::is_open;
use crate::auth::Principal;
use crate::db::schema::sellers;
use crate::error::{ApiError, ApiResult};
use crate::sellers::api::SellerStatus;
use crate::sellers::lifecycle::{self, Action, Actor, Transition, TransitionColumns};
use crate::sellers::model::SellerRow;
use crate::vetting::api::{Application, Claim};

/// The lease, if someone holds it now.
pub fn live_claim(
    claimed_by: Option<Uuid>,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<Claim> {
    match (claimed_by, expires_at) {
        (Some(by), Some(at)) if at > now => Some(Claim {
            claimed_by: by,
            expires_at: at,
        }),
        _ => None,
    }
}

/// An officer may claim when nobody holds a live lease or they hold it (a renewal).
pub fn may_claim(current: Option<&Claim>, officer: Uuid) -> ApiResult<()> {
    match current {
        Some(c) if c.claimed_by != officer => Err(ApiError::Conflict(format!(
            "another officer holds this application until {}",
            c.expires_at.to_rfc3339()
        ))),
        _ => Ok(()),
    }
}

/// Checklist work and decisions need the caller's own live lease.
pub fn ensure_holder(current: Option<&Claim>, officer: Uuid) -> ApiResult<()> {
    match current {
        Some(c) if c.claimed_by == officer => Ok(()),
        Some(_) => Err(ApiError::Conflict(
            "another officer holds this application".into(),
        )),
        None => Err(ApiError::Conflict(
            "claim the application first (POST …/claim)".into(),
        )),
    }
}

/// Claims (or renews) the lease; the first claim starts the review (a lifecycle move, in the
/// same statement as the lease).
pub async fn claim(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    actor: &Actor,
    id: Uuid,
    lease: Duration,
) -> ApiResult<Application> {
    conn.transaction(async |conn| {
        let (mut loaded, body) = loaded_for(conn, principal, id, Need::Officer, true).await?;
        let now = Utc::now();
        let from = loaded.row.status;
        if !is_open(from) {
            return Err(ApiError::Conflict(format!(
                "an application that is {from} cannot be claimed: only submitted applications \
                 and those under review are worked"
            )));
        }
        may_claim(loaded.claim(now).as_ref(), principal.user_id)?;
        let expires = now + lease;
        loaded.row = if from == SellerStatus::Submitted {
            let columns = TransitionColumns {
                claimed_by: Some(Some(principal.user_id)),
                claim_expires_at: Some(Some(expires)),
                ..TransitionColumns::default()
            };
            let change = Transition {
                columns,
                ..Transition::new(Action::StartReview, actor)
            };
            let row = lifecycle::record(conn, &loaded.row, change).await?;
            // The review works the body's checklist and reason codes as they are now.
            diesel::update(sellers::table.find(row.id))
                .set(sellers::vetting_body_version.eq(body.version))
                .execute(conn)
                .await?;
            loaded.body_version = Some(body.version);
            row
        } else {
            renew(conn, loaded.row.id, principal.user_id, expires).await?
        };
        loaded.claimed_by = Some(principal.user_id);
        loaded.claim_expires_at = Some(expires);
        let same = same_identifiers(conn, &loaded.row).await?;
        application_view(&loaded, &body, now, same)
    })
    .await
}

/// Renews (or takes over a lapsed) lease on an application already under review: no new
/// version, no audit entry.
async fn renew(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    officer: Uuid,
    expires: DateTime<Utc>,
) -> ApiResult<SellerRow> {
    Ok(diesel::update(sellers::table.find(id))
        .set((
            sellers::claimed_by.eq(officer),
            sellers::claim_expires_at.eq(expires),
            sellers::updated_at.eq(Utc::now()),
        ))
        .returning(SellerRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Releases the caller's lease (nothing to release is fine); another officer's → 409.
pub async fn release(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<()> {
    conn.transaction(async |conn| {
        let (loaded, _) = loaded_for(conn, principal, id, Need::Officer, true).await?;
        let id = loaded.row.id;
        let now = Utc::now();
        match loaded.claim(now) {
            None => {}
            Some(c) if c.claimed_by == principal.user_id => {}
            Some(_) => {
                return Err(ApiError::Conflict(
                    "another officer holds this application".into(),
                ));
            }
        }
        diesel::update(sellers::table.find(id))
            .set((
                sellers::claimed_by.eq(None::<Uuid>),
                sellers::claim_expires_at.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)
            .await?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vetting::service::testing::t;

    #[test]
    fn leases() {
        let (me, other, now) = (Uuid::now_v7(), Uuid::now_v7(), t(0));
        assert!(live_claim(Some(me), Some(t(-1)), now).is_none());
        assert!(live_claim(None, None, now).is_none());
        let mine = live_claim(Some(me), Some(t(60)), now);
        assert!(mine.is_some());
        assert!(may_claim(None, me).is_ok());
        assert!(may_claim(mine.as_ref(), me).is_ok());
        assert!(matches!(
            may_claim(mine.as_ref(), other),
            Err(ApiError::Conflict(_))
        ));
        assert!(ensure_holder(mine.as_ref(), me).is_ok());
        assert!(matches!(
            ensure_holder(mine.as_ref(), other),
            Err(ApiError::Conflict(_))
        ));
        assert!(matches!(
            ensure_holder(None, me),
            Err(ApiError::Conflict(_))
        ));
    }
}
