//! Settlement estimation: what a cross-border payment costs between the buyer's currency and
//! the rupees that reach the seller, route by route. Figures are data (fee schedules, rates).

pub mod admin;
pub mod api;
pub mod cache;
pub mod defaults;
pub mod engine;
pub mod fx;
pub mod routes;
pub mod schedules;
pub mod service;
pub mod subject;
pub mod writer;

/// Pricing a payment without storing it, and storing an estimate in the caller's transaction
/// (RFQs price quotes and store the estimate a trade is made with).
pub use service::{price, store};
pub use subject::Payment;

use std::sync::Arc;

use crate::AppState;
use crate::background::{Periodic, Stopped};
use crate::error::ApiResult;

/// The latest mid rates (from the shared pricing cache) and how each was obtained. Read them
/// before taking a connection: a cache refresh takes one of its own.
pub async fn latest_rates(state: &AppState) -> ApiResult<(engine::Rates, Vec<fx::RateUsed>)> {
    let data = state
        .pricing
        .get(&state.stores.platform, state.config.fx_feed_url.as_deref())
        .await?;
    Ok(fx::derive(
        &data.rates,
        chrono::Utc::now(),
        state.config.fx_max_age_secs,
    ))
}

/// Background FX feed fetcher: fetches at start and then on the configured interval, backing
/// off after failures, until the server stops.
pub async fn run_fx_fetcher(state: Arc<AppState>, stopped: Stopped) {
    let Some(url) = state.config.fx_feed_url.clone().map(Arc::<str>::from) else {
        return;
    };
    let client = match fx::feed_client(state.config.fx_feed_timeout_secs) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the FX feed client; fetcher not started");
            return;
        }
    };
    let interval = state.config.fx_feed_interval_secs;
    Periodic::new("FX feed fetch")
        .run(
            stopped,
            || {
                let (state, client, url) = (state.clone(), client.clone(), url.clone());
                async move {
                    let mut conn = state.stores.platform().await?;
                    let status = fx::fetch_once(&mut conn, &client, &url).await?;
                    state.pricing.invalidate();
                    ApiResult::Ok(status.consecutive_failures.max(0) as u32)
                }
            },
            // A run that could not record its outcome counts as one failure.
            |outcome| fx::next_delay(interval, *outcome.as_ref().unwrap_or(&1)),
        )
        .await
}
