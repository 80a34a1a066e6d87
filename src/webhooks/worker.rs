//! The delivery worker. A pass claims due deliveries with `FOR UPDATE SKIP LOCKED` (so several
//! instances share the work) and a lease, reading what to send in the same short checkout, and
//! gives the connection back; it then sends them with bounded concurrency holding no
//! connection, and records each result with its own short checkout. The lease outlasts the
//! pass, so no other worker sends the same delivery meanwhile; a failure is retried with
//! exponential backoff, or given up after the configured attempts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;
use uuid::Uuid;

use super::api::EventEnvelope;
use super::target::{self, Guarded, SystemResolver, TargetPolicy};
use super::{DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature};
use crate::AppState;
use crate::background::{LEASE_MARGIN_SECS, Periodic, Stopped, backoff, lease};
use crate::config::Config;
use crate::db::schema::{webhook_attempts, webhook_deliveries};
use crate::error::{ApiError, ApiResult};

/// Sends webhook requests: the HTTP client (no redirects, no proxy, the policy's resolver) and
/// the policy it was built with, which literal addresses are checked against.
pub struct Sender {
    client: reqwest::Client,
    policy: TargetPolicy,
    timeout: Duration,
}

impl Sender {
    /// The production sender: the system resolver, the policy of the configured mode.
    pub fn from_config(config: &Config) -> Result<Self, String> {
        Self::new(
            config,
            TargetPolicy::for_mode(config.mode),
            Arc::new(SystemResolver),
        )
    }

    /// A sender resolving names with `resolver` and connecting only where `policy` allows.
    pub fn new(
        config: &Config,
        policy: TargetPolicy,
        resolver: Arc<dyn reqwest::dns::Resolve>,
    ) -> Result<Self, String> {
        let timeout = Duration::from_secs(config.webhook_timeout_secs);
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve the name itself, out of the policy's reach.
            .no_proxy()
            .dns_resolver(Arc::new(Guarded::new(resolver, policy)))
            .user_agent(concat!("exportbridge-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the webhook client: {e}"))?;
        Ok(Sender {
            client,
            policy,
            timeout,
        })
    }
}

/// A claimed delivery with everything needed to send it.
#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    event_id: Uuid,
    #[diesel(sql_type = sql_types::Integer)]
    attempts: i32,
    #[diesel(sql_type = sql_types::Text)]
    url: String,
    #[diesel(sql_type = sql_types::Text)]
    secret: String,
    #[diesel(sql_type = sql_types::Bool)]
    active: bool,
    #[diesel(sql_type = sql_types::Text)]
    event_type: String,
    #[diesel(sql_type = sql_types::Jsonb)]
    payload: serde_json::Value,
    #[diesel(sql_type = sql_types::Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = sql_types::Text)]
    home_jurisdiction: String,
}

/// Claims up to `batch` due deliveries for `lease`, and gives up those whose endpoint was
/// deleted; returns the ones to send.
async fn claim(
    conn: &mut AsyncPgConnection,
    batch: u32,
    lease: Duration,
) -> ApiResult<Vec<Claimed>> {
    conn.transaction(async |conn| {
        let claimed: Vec<Claimed> = diesel::sql_query(
            "WITH claimed AS (
                 UPDATE webhook_deliveries d
                 SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $1)
                 WHERE d.id IN (SELECT id FROM webhook_deliveries
                                WHERE status = 'pending' AND next_attempt_at <= now()
                                ORDER BY next_attempt_at LIMIT $2
                                FOR UPDATE SKIP LOCKED)
                 RETURNING d.id, d.event_id, d.endpoint_id, d.attempts)
             SELECT c.id, c.event_id, c.attempts, e.url, e.secret, e.active,
                    o.event_type, o.payload, o.created_at, o.home_jurisdiction
             FROM claimed c
             JOIN webhook_endpoints e ON e.id = c.endpoint_id
             JOIN outbox_events o ON o.id = c.event_id",
        )
        .bind::<sql_types::Double, _>(lease.as_secs_f64())
        .bind::<sql_types::BigInt, _>(i64::from(batch))
        .load(conn)
        .await?;
        let (to_send, deleted): (Vec<_>, Vec<_>) = claimed.into_iter().partition(|c| c.active);
        if !deleted.is_empty() {
            diesel::update(
                webhook_deliveries::table
                    .filter(webhook_deliveries::id.eq_any(deleted.iter().map(|c| c.id))),
            )
            .set((
                webhook_deliveries::status.eq("failed"),
                webhook_deliveries::last_error.eq("endpoint deleted"),
            ))
            .execute(conn)
            .await?;
        }
        Ok(to_send)
    })
    .await
}

/// What became of one claimed delivery.
enum Outcome {
    /// A request was made, or refused by the policy before any was.
    Attempted {
        status_code: Option<i32>,
        error: Option<String>,
        duration_ms: i32,
    },
    /// Not started: it could not have finished within the lease. Handed back as it was.
    NotSent,
}

async fn send(sender: &Sender, c: &Claimed) -> Outcome {
    let started = Instant::now();
    let attempted = |status_code: Option<i32>, error: Option<String>| Outcome::Attempted {
        status_code,
        error,
        duration_ms: started.elapsed().as_millis().min(i32::MAX as u128) as i32,
    };
    if sender.policy.refuses_literal(&c.url) {
        return attempted(None, Some(target::REFUSED.to_owned()));
    }
    let body = match serde_json::to_vec(&EventEnvelope {
        id: c.event_id,
        event_type: c.event_type.clone(),
        created_at: c.created_at,
        data: c.payload.clone(),
    }) {
        Ok(body) => body,
        Err(e) => return attempted(None, Some(format!("event could not be encoded: {e}"))),
    };
    let timestamp = Utc::now().timestamp();
    let request = sender
        .client
        .post(&c.url)
        .header("Content-Type", "application/json")
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, signature(&c.secret, timestamp, &body))
        .header(EVENT_HEADER, &c.event_type)
        .header(DELIVERY_HEADER, c.id.to_string())
        .body(body)
        .send();
    // The client's own timeout covers the same span; this one bounds the lease arithmetic.
    match tokio::time::timeout(sender.timeout, request).await {
        Ok(Ok(res)) if res.status().is_success() => {
            attempted(Some(i32::from(res.status().as_u16())), None)
        }
        Ok(Ok(res)) => {
            let status = res.status().as_u16();
            attempted(
                Some(i32::from(status)),
                Some(format!("endpoint answered HTTP {status}")),
            )
        }
        Ok(Err(e)) if target::is_refusal(&e) => attempted(None, Some(target::REFUSED.to_owned())),
        Ok(Err(e)) => attempted(None, Some(format!("request failed: {}", e.without_url()))),
        Err(_) => attempted(None, Some("request failed: timed out".to_owned())),
    }
}

/// Writes the attempt and the delivery's next state, if this pass still holds its lease (the
/// claim's attempt count) and it is still pending (not given up by a deletion meanwhile).
async fn record(state: &AppState, c: &Claimed, outcome: Outcome) -> ApiResult<()> {
    let mut conn = state.stores.platform().await?;
    let ours = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(c.id))
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::attempts.eq(c.attempts));
    let Outcome::Attempted {
        status_code,
        error,
        duration_ms,
    } = outcome
    else {
        diesel::update(ours)
            .set((
                webhook_deliveries::attempts.eq(c.attempts - 1),
                webhook_deliveries::next_attempt_at.eq(Utc::now()),
            ))
            .execute(&mut conn)
            .await?;
        return Ok(());
    };
    let config = &state.config;
    let now = Utc::now();
    let (status, next) = match &error {
        None => ("delivered", now),
        Some(_) if c.attempts >= config.webhook_max_attempts => ("failed", now),
        Some(_) => (
            "pending",
            now + chrono::Duration::from_std(backoff(config.webhook_retry_base_secs, c.attempts))
                .unwrap_or_default(),
        ),
    };
    conn.transaction(async |conn| {
        diesel::insert_into(webhook_attempts::table)
            .values((
                webhook_attempts::id.eq(Uuid::now_v7()),
                webhook_attempts::delivery_id.eq(c.id),
                webhook_attempts::attempt.eq(c.attempts),
                webhook_attempts::attempted_at.eq(now),
                webhook_attempts::status_code.eq(status_code),
                webhook_attempts::error.eq(&error),
                webhook_attempts::duration_ms.eq(duration_ms),
                webhook_attempts::home_jurisdiction.eq(&c.home_jurisdiction),
            ))
            .execute(conn)
            .await?;
        diesel::update(ours)
            .set((
                webhook_deliveries::status.eq(status),
                webhook_deliveries::next_attempt_at.eq(next),
                webhook_deliveries::last_attempt_at.eq(now),
                webhook_deliveries::last_status_code.eq(status_code),
                webhook_deliveries::last_error.eq(&error),
                webhook_deliveries::delivered_at.eq(error.is_none().then_some(now)),
            ))
            .execute(conn)
            .await?;
        Ok::<_, ApiError>(())
    })
    .await
}

/// One pass: claims due deliveries and works them. Returns how many it claimed.
pub async fn run_once(state: &AppState, sender: &Sender) -> ApiResult<usize> {
    let config = &state.config;
    let lease = lease(
        config.webhook_batch,
        config.webhook_concurrency,
        config.webhook_timeout_secs,
    );
    // Measured before the claim: the database's lease ends no earlier than this deadline.
    let claimed_at = Instant::now();
    let claimed = {
        let mut conn = state.stores.platform().await?;
        claim(&mut conn, config.webhook_batch, lease).await?
    };
    let n = claimed.len();
    // A send starts only if it ends (timeout) in time to be recorded within the lease.
    let send_by = claimed_at + lease - Duration::from_secs(LEASE_MARGIN_SECS / 2);
    let (results, mut recorded) = tokio::sync::mpsc::unbounded_channel();
    let sending = async move {
        let mut sends = futures_util::stream::iter(claimed)
            .map(|c| async move {
                let outcome = if Instant::now() + sender.timeout > send_by {
                    Outcome::NotSent
                } else {
                    send(sender, &c).await
                };
                (c, outcome)
            })
            .buffer_unordered(config.webhook_concurrency.max(1) as usize);
        while let Some(result) = sends.next().await {
            // The receiving end lives until this sender is dropped, below.
            let _ = results.send(result);
        }
        drop(results);
    };
    // Results are recorded one at a time as they arrive, while the other sends go on.
    let recording = async {
        while let Some((c, outcome)) = recorded.recv().await {
            if let Err(e) = record(state, &c, outcome).await {
                tracing::warn!(delivery = %c.id, error = %e, "webhook delivery could not be recorded; the lease will expire and it is retried");
            }
        }
    };
    tokio::join!(sending, recording);
    Ok(n)
}

/// Runs until the server stops: a pass every poll interval, at once again after a full batch.
pub async fn run(state: Arc<AppState>, stopped: Stopped) {
    let sender = match Sender::from_config(&state.config) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            tracing::error!(error = %e, "webhook worker not started");
            return;
        }
    };
    let idle = Duration::from_millis(state.config.webhook_poll_ms.max(10));
    let full = u64::from(state.config.webhook_batch);
    Periodic::new("webhook worker pass")
        .first_after(idle)
        .run(
            stopped,
            || {
                let (state, sender) = (state.clone(), sender.clone());
                async move { run_once(&state, &sender).await }
            },
            |outcome| match outcome {
                Ok(n) if *n as u64 >= full => Duration::ZERO,
                _ => idle,
            },
        )
        .await
}
