//! Periodic housekeeping: forget idempotency keys after a day, expired refresh tokens after a
//! week, finished login-throttle windows, expired account tokens, mail sent a month ago; mark open RFQs past their validity expired (reads
//! already show them so) and decline their live quotes.

use std::sync::Arc;
use std::time::Duration;

use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::AppState;
use crate::background::{Periodic, Stopped};
use crate::error::ApiResult;

const STATEMENTS: &[&str] = &[
    "DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'",
    "DELETE FROM refresh_tokens WHERE expires_at < now() - interval '7 days'",
    "DELETE FROM login_throttle WHERE window_started_at < now() - interval '1 day'",
    "DELETE FROM account_tokens WHERE expires_at < now() - interval '1 day'",
    // Sent and given-up mail (its bodies are gone already) is kept a month for support.
    "DELETE FROM mail_outbox WHERE status <> 'pending' AND created_at < now() - interval '30 days'",
    // A session whose refresh tokens have all been cleaned up is over.
    "DELETE FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = s.id) AND s.created_at < now() - interval '1 day'",
    "UPDATE rfqs SET status = 'expired', version = version + 1, updated_at = now() WHERE status = 'open' AND valid_until <= now()",
    "UPDATE quotes q SET status = 'declined', updated_at = now() FROM rfqs r WHERE r.id = q.rfq_id AND r.status = 'expired' AND q.status = 'submitted'",
];

/// Runs every clean-up once; returns the rows removed or changed.
pub async fn run_once(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let mut removed = 0;
    for sql in STATEMENTS {
        removed += diesel::sql_query(*sql).execute(conn).await?;
    }
    Ok(removed)
}

/// Hourly, until the server stops.
pub async fn run(state: Arc<AppState>, stopped: Stopped) {
    Periodic::new("housekeeping")
        .every(Duration::from_secs(3600), stopped, || {
            let state = state.clone();
            async move {
                let removed = run_once(&mut *state.stores.platform().await?).await?;
                if removed > 0 {
                    tracing::info!(removed, "housekeeping");
                }
                ApiResult::Ok(())
            }
        })
        .await
}
