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

/// Background FX feed fetcher: fetches at start and then on the configured interval, backing
/// off after failures. Never exits on its own.
pub async fn run_fx_fetcher(state: Arc<AppState>) {
    let Some(url) = state.config.fx_feed_url.clone() else {
        return;
    };
    let client = match fx::feed_client(state.config.fx_feed_timeout_secs) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the FX feed client; fetcher not started");
            return;
        }
    };
    loop {
        let failures = match state.stores.platform().await {
            Ok(mut conn) => match fx::fetch_once(&mut conn, &client, &url).await {
                Ok(status) => {
                    state.pricing.invalidate();
                    status.consecutive_failures.max(0) as u32
                }
                Err(e) => {
                    tracing::warn!(error = %e, "FX feed fetch could not record its outcome");
                    1
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "FX feed fetch: no database connection");
                1
            }
        };
        tokio::time::sleep(fx::next_delay(state.config.fx_feed_interval_secs, failures)).await;
    }
}
