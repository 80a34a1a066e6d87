//! The mail worker. A pass claims due messages with `FOR UPDATE SKIP LOCKED` and a lease in one
//! short checkout, gives the connection back, sends them (a few at a time) holding no
//! connection, and records each result with its own short checkout. A failure is retried with
//! exponential backoff; a permanent one (the server refused for good, an address that cannot
//! be written) or the last attempt gives the message up. Either way the bodies are dropped.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;
use uuid::Uuid;

use super::transport::{Outgoing, SendError, Transport};
use crate::AppState;
use crate::background::{Periodic, Stopped, backoff, lease};
use crate::db::schema::mail_outbox;
use crate::error::ApiResult;

/// Messages one pass claims.
const BATCH: i64 = 20;
/// Messages sent at the same time.
const CONCURRENCY: usize = 4;

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    recipient: String,
    #[diesel(sql_type = sql_types::Text)]
    subject: String,
    #[diesel(sql_type = sql_types::Text)]
    text_body: String,
    #[diesel(sql_type = sql_types::Text)]
    html_body: String,
    #[diesel(sql_type = sql_types::Integer)]
    attempts: i32,
}

/// Claims up to `BATCH` due messages for `lease`.
async fn claim(conn: &mut AsyncPgConnection, lease: Duration) -> ApiResult<Vec<Claimed>> {
    Ok(diesel::sql_query(
        "UPDATE mail_outbox m
            SET attempts = m.attempts + 1, next_attempt_at = now() + make_interval(secs => $1)
          WHERE m.id IN (SELECT id FROM mail_outbox
                          WHERE status = 'pending' AND next_attempt_at <= now()
                          ORDER BY next_attempt_at LIMIT $2
                          FOR UPDATE SKIP LOCKED)
      RETURNING m.id, m.recipient, m.subject, m.text_body, m.html_body, m.attempts",
    )
    .bind::<sql_types::Double, _>(lease.as_secs_f64())
    .bind::<sql_types::BigInt, _>(BATCH)
    .load(conn)
    .await?)
}

/// Records a send: sent, retried later, or given up.
async fn record(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    attempts: i32,
    outcome: Result<(), SendError>,
    max_attempts: i32,
    retry_base_secs: u64,
) -> ApiResult<()> {
    let target = mail_outbox::table
        .find(id)
        .filter(mail_outbox::status.eq("pending"));
    let no_body: Option<String> = None;
    match outcome {
        Ok(()) => {
            diesel::update(target)
                .set((
                    mail_outbox::status.eq("sent"),
                    mail_outbox::sent_at.eq(diesel::dsl::now),
                    mail_outbox::text_body.eq(&no_body),
                    mail_outbox::html_body.eq(&no_body),
                    mail_outbox::last_error.eq(&no_body),
                ))
                .execute(conn)
                .await?;
        }
        Err(e) if e.permanent || attempts >= max_attempts => {
            tracing::warn!(mail = %id, error = %e.message, "mail given up");
            diesel::update(target)
                .set((
                    mail_outbox::status.eq("failed"),
                    mail_outbox::text_body.eq(&no_body),
                    mail_outbox::html_body.eq(&no_body),
                    mail_outbox::last_error.eq(&e.message),
                ))
                .execute(conn)
                .await?;
        }
        Err(e) => {
            let wait = backoff(retry_base_secs, attempts);
            diesel::update(target)
                .set((
                    mail_outbox::next_attempt_at
                        .eq(Utc::now() + TimeDelta::seconds(wait.as_secs() as i64)),
                    mail_outbox::last_error.eq(&e.message),
                ))
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// One pass: claim, send, record. Returns how many messages it claimed.
pub async fn run_once(state: &AppState, transport: &Transport) -> ApiResult<usize> {
    let config = &state.config;
    let timeout = Duration::from_secs(config.mail_timeout_secs);
    let lease = lease(BATCH as u32, CONCURRENCY as u32, config.mail_timeout_secs);
    let claimed = claim(&mut *state.stores.platform().await?, lease).await?;
    let count = claimed.len();
    let results: Vec<ApiResult<()>> = futures_util::stream::iter(claimed)
        .map(|c| async move {
            let mail = Outgoing {
                id: c.id,
                recipient: c.recipient,
                subject: c.subject,
                text: c.text_body,
                html: c.html_body,
            };
            let outcome =
                match tokio::time::timeout(timeout, transport.send(&config.mail_from, &mail)).await
                {
                    Ok(outcome) => outcome,
                    Err(_) => Err(SendError {
                        message: format!("no answer within {} s", timeout.as_secs()),
                        permanent: false,
                    }),
                };
            let mut conn = state.stores.platform().await?;
            record(
                &mut conn,
                c.id,
                c.attempts,
                outcome,
                config.mail_max_attempts,
                config.mail_retry_base_secs,
            )
            .await
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    results.into_iter().collect::<ApiResult<Vec<()>>>()?;
    Ok(count)
}

/// Until the server stops: a pass whenever the last one found a full batch, else after the
/// poll interval.
pub async fn run(state: Arc<AppState>, stopped: Stopped) {
    let transport = match Transport::from_config(&state.config) {
        Ok(t) => Arc::new(t),
        Err(e) => {
            tracing::error!(error = %e, "mail worker not started");
            return;
        }
    };
    tracing::info!(to = %transport.describe(), "mail worker started");
    let idle = Duration::from_millis(state.config.mail_poll_ms.max(10));
    Periodic::new("mail worker pass")
        .first_after(idle)
        .run(
            stopped,
            || {
                let (state, transport) = (state.clone(), transport.clone());
                async move { run_once(&state, &transport).await }
            },
            |outcome| match outcome {
                Ok(n) if *n as i64 >= BATCH => Duration::ZERO,
                _ => idle,
            },
        )
        .await
}
