//! The data every estimate needs (schedule in force, latest rates, feed state), kept in memory
//! for a short time so the hot path does not read it per request. Writes in this process
//! invalidate it at once; other instances see changes within the TTL.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::Utc;

use super::engine::FeeSchedule;
use super::fx::{self, FeedStatus, RateSnapshot};
use super::schedules::{self, ScheduleRef};
use crate::db::PgPool;
use crate::error::ApiResult;

const TTL: Duration = Duration::from_secs(2);

/// Everything pricing depends on besides the request.
pub struct PricingData {
    pub schedule_ref: ScheduleRef,
    pub schedule: FeeSchedule,
    pub rates: Vec<RateSnapshot>,
    pub feed: Option<FeedStatus>,
}

#[derive(Default)]
pub struct PricingCache {
    slot: RwLock<Option<(Instant, Arc<PricingData>)>>,
}

impl PricingCache {
    /// The cached data, or fresh data read from `pool` once the cache is stale.
    pub async fn get(&self, pool: &PgPool, feed_url: Option<&str>) -> ApiResult<Arc<PricingData>> {
        if let Ok(slot) = self.slot.read()
            && let Some((loaded, data)) = slot.as_ref()
            && loaded.elapsed() < TTL
        {
            return Ok(data.clone());
        }
        let mut conn = pool.get().await?;
        let (schedule_ref, schedule) = schedules::in_force(&mut conn, Utc::now()).await?;
        let rates = fx::latest(&mut conn).await?;
        let feed = match feed_url {
            Some(url) => fx::feed_status(&mut conn, url).await?,
            None => None,
        };
        let data = Arc::new(PricingData {
            schedule_ref,
            schedule,
            rates,
            feed,
        });
        if let Ok(mut slot) = self.slot.write() {
            *slot = Some((Instant::now(), data.clone()));
        }
        Ok(data)
    }

    pub fn invalidate(&self) {
        if let Ok(mut slot) = self.slot.write() {
            *slot = None;
        }
    }
}
