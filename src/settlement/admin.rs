//! Admin writes to the data estimates are priced from: fee schedule versions, rate snapshots
//! and a feed refresh on demand. Each checks the caller is an admin before anything else.

use super::api::PostRates;
use super::fx::{self, FeedStatus, RateSnapshot};
use super::schedules::{self, FeeScheduleView, NewFeeSchedule};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult};

/// Validates and stores a new fee schedule version; estimates priced in this process use it
/// at once (if it is in force).
pub async fn create_fee_schedule(
    state: &AppState,
    principal: &Principal,
    req: NewFeeSchedule,
) -> ApiResult<FeeScheduleView> {
    principal.require(&[Role::Admin])?;
    let mut conn = state.stores.platform().await?;
    let created = schedules::create(&mut conn, principal.user_id, req).await?;
    state.pricing.invalidate();
    Ok(created)
}

/// Records a batch of mid-market rates posted by an admin (source `admin:<user id>`); estimates
/// priced in this process use them at once.
pub async fn post_rates(
    state: &AppState,
    principal: &Principal,
    req: &PostRates,
) -> ApiResult<Vec<RateSnapshot>> {
    principal.require(&[Role::Admin])?;
    let checked = fx::check_rates(&req.rates, "rates", chrono::Utc::now())?;
    let mut conn = state.stores.platform().await?;
    let recorded = fx::record(
        &mut conn,
        checked,
        &format!("admin:{}", principal.user_id),
        Some(principal.user_id),
    )
    .await?;
    state.pricing.invalidate();
    Ok(recorded)
}

/// Fetches the configured FX feed now; a failing feed is recorded in the status it returns.
/// A conflict when no feed is configured.
pub async fn refresh_feed(state: &AppState, principal: &Principal) -> ApiResult<FeedStatus> {
    principal.require(&[Role::Admin])?;
    let url = state.config.fx_feed_url.clone().ok_or_else(|| {
        ApiError::Conflict("no FX feed is configured (EXPORTBRIDGE_FX_FEED_URL)".into())
    })?;
    let client = fx::feed_client(state.config.fx_feed_timeout_secs).map_err(ApiError::internal)?;
    let mut conn = state.stores.platform().await?;
    let status = fx::fetch_once(&mut conn, &client, &url).await?;
    state.pricing.invalidate();
    Ok(status)
}
