//! The data every estimate needs (schedule in force, latest rates, feed state), kept in memory
//! for a short time so the hot path does not read it per request. Writes in this process
//! invalidate it at once; other instances see changes within the TTL.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel_async::AsyncPgConnection;

use super::engine::FeeSchedule;
use super::fx::{self, FeedStatus, RateSnapshot};
use super::schedules::{self, ScheduleRef};
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
    pub async fn get(
        &self,
        conn: &mut AsyncPgConnection,
        feed_url: Option<&str>,
    ) -> ApiResult<Arc<PricingData>> {
        if let Ok(slot) = self.slot.read()
            && let Some((loaded, data)) = slot.as_ref()
            && loaded.elapsed() < TTL
        {
            return Ok(data.clone());
        }
        let (schedule_ref, schedule) = schedules::in_force(conn, Utc::now()).await?;
        let rates = fx::latest(conn).await?;
        let feed = match feed_url {
            Some(url) => fx::feed_status(conn, url).await?,
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
