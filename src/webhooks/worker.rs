//! The delivery worker: claims due deliveries with `FOR UPDATE SKIP LOCKED` (so several
//! instances share the work), sends them outside any transaction, records the attempt and
//! schedules a retry with exponential backoff, or gives up after the configured attempts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::api::EventEnvelope;
use super::{DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature};
use crate::AppState;
use crate::config::Config;
use crate::db::schema::{outbox_events, webhook_attempts, webhook_deliveries, webhook_endpoints};
use crate::error::{ApiError, ApiResult};

/// How long a claimed delivery stays invisible to other workers while it is being sent.
const LEASE_SECS: i32 = 120;
const BATCH: i64 = 20;

/// Delay before retry number `attempts` (1-based): base, 2×base, 4×base … at most one hour.
pub fn backoff(base_secs: u64, attempts: i32) -> Duration {
    let exp = attempts.saturating_sub(1).clamp(0, 20) as u32;
    Duration::from_secs(base_secs.saturating_mul(1u64 << exp).min(3600))
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    event_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    endpoint_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    attempts: i32,
}

async fn claim(conn: &mut AsyncPgConnection) -> ApiResult<Vec<Claimed>> {
    Ok(diesel::sql_query(
        "UPDATE webhook_deliveries d
         SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $1)
         WHERE d.id IN (SELECT id FROM webhook_deliveries
                        WHERE status = 'pending' AND next_attempt_at <= now()
                        ORDER BY next_attempt_at LIMIT $2
                        FOR UPDATE SKIP LOCKED)
         RETURNING d.id, d.event_id, d.endpoint_id, d.attempts",
    )
    .bind::<diesel::sql_types::Integer, _>(LEASE_SECS)
    .bind::<diesel::sql_types::BigInt, _>(BATCH)
    .load(conn)
    .await?)
}

struct Outcome {
    status_code: Option<i32>,
    error: Option<String>,
    duration_ms: i32,
}

async fn send(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    event_type: &str,
    delivery: Uuid,
    body: Vec<u8>,
) -> Outcome {
    let timestamp = Utc::now().timestamp();
    let started = Instant::now();
    let result = client
        .post(url)
        .header("Content-Type", "application/json")
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, signature(secret, timestamp, &body))
        .header(EVENT_HEADER, event_type)
        .header(DELIVERY_HEADER, delivery.to_string())
        .body(body)
        .send()
        .await;
    let duration_ms = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
    match result {
        Ok(res) if res.status().is_success() => Outcome {
            status_code: Some(res.status().as_u16() as i32),
            error: None,
            duration_ms,
        },
        Ok(res) => Outcome {
            status_code: Some(res.status().as_u16() as i32),
            error: Some(format!("endpoint answered HTTP {}", res.status().as_u16())),
            duration_ms,
        },
        Err(e) => Outcome {
            status_code: None,
            error: Some(format!("request failed: {e}")),
            duration_ms,
        },
    }
}

async fn deliver(
    conn: &mut AsyncPgConnection,
    client: &reqwest::Client,
    config: &Config,
    c: Claimed,
) -> ApiResult<()> {
    let (url, secret, active): (String, String, bool) = webhook_endpoints::table
        .find(c.endpoint_id)
        .select((
            webhook_endpoints::url,
            webhook_endpoints::secret,
            webhook_endpoints::active,
        ))
        .first(conn)
        .await?;
    let (event_type, payload, created_at, home): (
        String,
        serde_json::Value,
        DateTime<Utc>,
        String,
    ) = outbox_events::table
        .find(c.event_id)
        .select((
            outbox_events::event_type,
            outbox_events::payload,
            outbox_events::created_at,
            outbox_events::home_jurisdiction,
        ))
        .first(conn)
        .await?;
    if !active {
        diesel::update(webhook_deliveries::table.find(c.id))
            .set((
                webhook_deliveries::status.eq("failed"),
                webhook_deliveries::last_error.eq("endpoint deleted"),
            ))
            .execute(conn)
            .await?;
        return Ok(());
    }
    let body = serde_json::to_vec(&EventEnvelope {
        id: c.event_id,
        event_type: event_type.clone(),
        created_at,
        data: payload,
    })
    .map_err(ApiError::internal)?;
    let outcome = send(client, &url, &secret, &event_type, c.id, body).await;
    let now = Utc::now();
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::id.eq(Uuid::now_v7()),
            webhook_attempts::delivery_id.eq(c.id),
            webhook_attempts::attempt.eq(c.attempts),
            webhook_attempts::attempted_at.eq(now),
            webhook_attempts::status_code.eq(outcome.status_code),
            webhook_attempts::error.eq(&outcome.error),
            webhook_attempts::duration_ms.eq(outcome.duration_ms),
            webhook_attempts::home_jurisdiction.eq(&home),
        ))
        .execute(conn)
        .await?;
    let (status, next) = match &outcome.error {
        None => ("delivered", now),
        Some(_) if c.attempts >= config.webhook_max_attempts => ("failed", now),
        Some(_) => (
            "pending",
            now + chrono::Duration::from_std(backoff(config.webhook_retry_base_secs, c.attempts))
                .unwrap_or_default(),
        ),
    };
    diesel::update(webhook_deliveries::table.find(c.id))
        .set((
            webhook_deliveries::status.eq(status),
            webhook_deliveries::next_attempt_at.eq(next),
            webhook_deliveries::last_attempt_at.eq(now),
            webhook_deliveries::last_status_code.eq(outcome.status_code),
            webhook_deliveries::last_error.eq(&outcome.error),
            webhook_deliveries::delivered_at.eq(outcome.error.is_none().then_some(now)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// One pass: claims due deliveries and works them. Returns how many it claimed.
pub async fn run_once(state: &AppState, client: &reqwest::Client) -> ApiResult<usize> {
    let mut conn = state.stores.platform().await?;
    let claimed = claim(&mut conn).await?;
    let n = claimed.len();
    for c in claimed {
        let id = c.id;
        if let Err(e) = deliver(&mut conn, client, &state.config, c).await {
            tracing::warn!(delivery = %id, error = %e, "webhook delivery could not be recorded; the lease will expire and it is retried");
        }
    }
    Ok(n)
}

/// Runs until the server stops.
pub async fn run(state: Arc<AppState>) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(state.config.webhook_timeout_secs))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("exportbridge-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the webhook client; worker not started");
            return;
        }
    };
    let idle = Duration::from_millis(state.config.webhook_poll_ms.max(10));
    loop {
        match run_once(&state, &client).await {
            Ok(n) if n as i64 >= BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "webhook worker pass failed"),
        }
        tokio::time::sleep(idle).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(30, 1), Duration::from_secs(30));
        assert_eq!(backoff(30, 2), Duration::from_secs(60));
        assert_eq!(backoff(30, 3), Duration::from_secs(120));
        assert_eq!(backoff(30, 30), Duration::from_secs(3600));
        assert_eq!(backoff(1, 1), Duration::from_secs(1));
    }
}
