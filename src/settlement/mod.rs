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
pub mod writer;

use std::sync::Arc;

use crate::AppState;
use crate::background::{Periodic, Stopped};
use crate::error::ApiResult;

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
