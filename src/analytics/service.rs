//! Counting in memory, flushing in batches, and reading a seller's figures.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use diesel::sql_types::{Array, BigInt, Date, Int8, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::api::{AnalyticsParams, Counts, DayCounts, RfqFunnel, SellerAnalytics};
use crate::AppState;
use crate::auth::Principal;
use crate::background::{Periodic, Stopped};
use crate::error::{ApiError, ApiResult};
use crate::sellers::model::public_id;
use crate::sellers::own_profile;

/// Sellers counted between two flushes at most; events of further sellers are dropped (and
/// logged at the flush) rather than growing memory without bound.
pub const MAX_PENDING_SELLERS: usize = 100_000;

/// What a buyer did that a seller's analytics count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    StorefrontView,
    SearchImpression,
    ListingView,
}

/// Adds `from` to `into`, kind by kind.
fn merge(into: &mut Counts, from: Counts) {
    add(into, Event::StorefrontView, from.storefront_views);
    add(into, Event::SearchImpression, from.search_impressions);
    add(into, Event::ListingView, from.listing_views);
}

fn add(counts: &mut Counts, event: Event, n: i64) {
    match event {
        Event::StorefrontView => counts.storefront_views += n,
        Event::SearchImpression => counts.search_impressions += n,
        Event::ListingView => counts.listing_views += n,
    }
}

/// Counts since the last flush, by seller (its public id).
#[derive(Default)]
pub struct Counters {
    pending: Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    by_seller: HashMap<Uuid, Counts>,
    dropped: u64,
}

impl Counters {
    /// Counts `event` for each seller of `sellers` (a seller once per call).
    pub fn record(&self, sellers: impl IntoIterator<Item = Uuid>, event: Event) {
        let Ok(mut pending) = self.pending.lock() else {
            return;
        };
        let mut seen = std::collections::HashSet::new();
        for seller in sellers {
            if !seen.insert(seller) {
                continue;
            }
            let full = pending.by_seller.len() >= MAX_PENDING_SELLERS;
            match pending.by_seller.get_mut(&seller) {
                Some(counts) => add(counts, event, 1),
                None if full => pending.dropped += 1,
                None => add(pending.by_seller.entry(seller).or_default(), event, 1),
            }
        }
    }

    /// Takes everything counted so far (and how many events were dropped).
    fn take(&self) -> (HashMap<Uuid, Counts>, u64) {
        match self.pending.lock() {
            Ok(mut pending) => (
                std::mem::take(&mut pending.by_seller),
                std::mem::take(&mut pending.dropped),
            ),
            Err(_) => (HashMap::new(), 0),
        }
    }

    /// Puts back counts a failed flush could not write.
    fn restore(&self, counts: HashMap<Uuid, Counts>) {
        if let Ok(mut pending) = self.pending.lock() {
            for (seller, c) in counts {
                merge(pending.by_seller.entry(seller).or_default(), c);
            }
        }
    }
}

/// Adds the pending counts to today's rows in one statement; on failure they are kept for the
/// next flush. Returns how many sellers were written.
pub async fn flush(conn: &mut AsyncPgConnection, counters: &Counters) -> ApiResult<usize> {
    let (pending, dropped) = counters.take();
    if dropped > 0 {
        tracing::warn!(
            dropped,
            "analytics: events of sellers over the pending cap were dropped"
        );
    }
    if pending.is_empty() {
        return Ok(0);
    }
    let (mut ids, mut views, mut impressions, mut listing_views) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (id, c) in &pending {
        ids.push(*id);
        views.push(c.storefront_views);
        impressions.push(c.search_impressions);
        listing_views.push(c.listing_views);
    }
    let written = diesel::sql_query(
        "INSERT INTO seller_daily_stats AS t \
             (seller_id, day, storefront_views, search_impressions, listing_views, home_jurisdiction) \
         SELECT s.id, (now() AT TIME ZONE 'UTC')::date, u.v, u.i, u.l, s.home_jurisdiction \
           FROM unnest($1::uuid[], $2::int8[], $3::int8[], $4::int8[]) AS u(public_id, v, i, l) \
           JOIN sellers s ON s.organisation_id = u.public_id \
         ON CONFLICT (seller_id, day) DO UPDATE SET \
             storefront_views = t.storefront_views + EXCLUDED.storefront_views, \
             search_impressions = t.search_impressions + EXCLUDED.search_impressions, \
             listing_views = t.listing_views + EXCLUDED.listing_views",
    )
    .bind::<Array<SqlUuid>, _>(&ids)
    .bind::<Array<Int8>, _>(&views)
    .bind::<Array<Int8>, _>(&impressions)
    .bind::<Array<Int8>, _>(&listing_views)
    .execute(conn)
    .await;
    match written {
        Ok(n) => Ok(n),
        Err(e) => {
            counters.restore(pending);
            Err(e.into())
        }
    }
}

/// Flushes every `EXPORTBRIDGE_ANALYTICS_FLUSH_SECS` until the server stops (counts of the last
/// interval before a stop are lost: at most that many seconds of views).
pub async fn run(state: Arc<AppState>, stopped: Stopped) {
    let every = Duration::from_secs(state.config.analytics_flush_secs);
    Periodic::new("analytics flush")
        .first_after(every)
        .every(every, stopped, || {
            let state = state.clone();
            async move {
                let mut conn = state.stores.platform().await?;
                flush(&mut conn, &state.analytics).await
            }
        })
        .await
}

#[derive(diesel::QueryableByName)]
struct DayRow {
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = BigInt)]
    storefront_views: i64,
    #[diesel(sql_type = BigInt)]
    search_impressions: i64,
    #[diesel(sql_type = BigInt)]
    listing_views: i64,
}

#[derive(diesel::QueryableByName)]
struct FunnelRow {
    #[diesel(sql_type = BigInt)]
    leads: i64,
    #[diesel(sql_type = BigInt)]
    quotes: i64,
    #[diesel(sql_type = BigInt)]
    won: i64,
    #[diesel(sql_type = BigInt)]
    lost: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
    median_hours: Option<f64>,
}

/// The seller's leads, quotes and wins of the UTC days `from..=to`.
async fn rfq_funnel(
    conn: &mut AsyncPgConnection,
    seller_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<RfqFunnel> {
    let row: FunnelRow = diesel::sql_query(
        "WITH q AS (
             SELECT q.status, q.created_at - l.offered_at AS delay FROM quotes q
               LEFT JOIN rfq_leads l ON l.rfq_id = q.rfq_id AND l.seller_id = q.seller_id
              WHERE q.seller_id = $1 AND q.created_at >= $2::date
                AND q.created_at < $3::date + 1)
         SELECT (SELECT count(*) FROM rfq_leads WHERE seller_id = $1 AND offered_at >= $2::date
                    AND offered_at < $3::date + 1) AS leads,
                (SELECT count(*) FROM q) AS quotes,
                (SELECT count(*) FROM q WHERE status = 'accepted') AS won,
                (SELECT count(*) FROM q WHERE status = 'declined') AS lost,
                (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM delay) / 3600.0)
                   FROM q WHERE delay IS NOT NULL) AS median_hours",
    )
    .bind::<SqlUuid, _>(seller_id)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .get_result(conn)
    .await?;
    let decided = row.won + row.lost;
    Ok(RfqFunnel {
        leads: row.leads,
        quotes: row.quotes,
        won: row.won,
        lost: row.lost,
        win_rate: (decided > 0).then(|| row.won as f64 / decided as f64),
        median_hours_to_quote: row.median_hours,
    })
}

/// The calling seller's figures over the last `days` days. Sellers only (their own).
pub async fn own_analytics(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    params: &AnalyticsParams,
    delay_seconds: u64,
) -> ApiResult<SellerAnalytics> {
    let days = params.days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(ApiError::field("days", "out_of_range", "must be 1 to 366"));
    }
    let seller = own_profile(conn, principal).await?;
    let to = Utc::now().date_naive();
    let from = to - chrono::Days::new(u64::try_from(days - 1).map_err(ApiError::internal)?);
    let rows: Vec<DayRow> = diesel::sql_query(
        "SELECT day, storefront_views, search_impressions, listing_views FROM seller_daily_stats \
          WHERE seller_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day",
    )
    .bind::<SqlUuid, _>(seller.id)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .load(conn)
    .await?;
    let mut totals = Counts::default();
    let days = rows
        .into_iter()
        .map(|r| {
            let counts = Counts {
                storefront_views: r.storefront_views,
                search_impressions: r.search_impressions,
                listing_views: r.listing_views,
            };
            merge(&mut totals, counts);
            DayCounts { day: r.day, counts }
        })
        .collect();
    let rfqs = rfq_funnel(conn, seller.id, from, to).await?;
    Ok(SellerAnalytics {
        seller_id: public_id(&seller),
        from,
        to,
        totals,
        days,
        rfqs,
        delay_seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_once_per_seller_per_event_and_stay_bounded() {
        let counters = Counters::default();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        counters.record([a, b, a], Event::SearchImpression);
        counters.record([a], Event::StorefrontView);
        counters.record([b], Event::ListingView);
        let (taken, dropped) = counters.take();
        assert_eq!(dropped, 0);
        assert_eq!(
            taken[&a],
            Counts {
                storefront_views: 1,
                search_impressions: 1,
                listing_views: 0
            }
        );
        assert_eq!(taken[&b].search_impressions, 1);
        assert_eq!(taken[&b].listing_views, 1);
        assert!(counters.take().0.is_empty(), "taken once");
        // A failed flush puts its counts back, added to what came since.
        counters.record([a], Event::StorefrontView);
        counters.restore(taken);
        assert_eq!(counters.take().0[&a].storefront_views, 2);
    }

    #[test]
    fn sellers_over_the_cap_are_dropped_and_counted_as_dropped() {
        let counters = Counters::default();
        counters.record(
            (0..MAX_PENDING_SELLERS).map(|_| Uuid::now_v7()),
            Event::SearchImpression,
        );
        let known = *counters
            .pending
            .lock()
            .unwrap()
            .by_seller
            .keys()
            .next()
            .unwrap();
        counters.record([Uuid::now_v7(), known], Event::StorefrontView);
        let (taken, dropped) = counters.take();
        assert_eq!(taken.len(), MAX_PENDING_SELLERS);
        assert_eq!(dropped, 1);
        assert_eq!(taken[&known].storefront_views, 1);
    }
}
