//! A recent replication status, refreshed in the background, so that `/readyz` and `/metrics`
//! answer from memory: no request opens connections to both stores or waits on replication.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{JurisdictionStatus, status};
use crate::AppState;
use crate::background::{Periodic, Stopped};

/// How long one refresh may take before it counts as failed.
const REFRESH_TIMEOUT: Duration = Duration::from_secs(10);

/// The last refresh: when, and per jurisdiction its status (or why it could not be read).
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub at: DateTime<Utc>,
    pub result: Result<Vec<JurisdictionStatus>, String>,
}

/// One jurisdiction's health as the snapshot has it: healthy, and the lag when known.
#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    pub jurisdiction: String,
    pub healthy: bool,
    pub lag_bytes: Option<i64>,
    pub lag_seconds: Option<f64>,
}

/// The latest snapshot, shared by the refresher and the readers.
#[derive(Default)]
pub struct Monitor {
    latest: RwLock<Option<Snapshot>>,
}

impl Monitor {
    pub fn store(&self, snapshot: Snapshot) {
        if let Ok(mut latest) = self.latest.write() {
            *latest = Some(snapshot);
        }
    }

    /// Health per configured jurisdiction (`configured`): unhealthy, with no lag, when the last
    /// refresh failed, has not run yet, or did not see it.
    pub fn health(&self, configured: &[String]) -> Vec<Health> {
        let latest = self.latest.read().ok().and_then(|l| l.clone());
        configured
            .iter()
            .map(|j| {
                let seen = latest
                    .as_ref()
                    .and_then(|s| s.result.as_ref().ok())
                    .and_then(|all| all.iter().find(|s| &s.jurisdiction == j));
                Health {
                    jurisdiction: j.clone(),
                    healthy: seen.is_some_and(|s| s.healthy),
                    lag_bytes: seen.and_then(|s| s.lag_bytes),
                    lag_seconds: seen.and_then(|s| s.lag_seconds),
                }
            })
            .collect()
    }
}

/// Refreshes the snapshot every `EXPORTBRIDGE_REPLICATION_MONITOR_SECS` until the server stops.
/// Each refresh opens its own two connections (not the request pools), with a time limit.
pub async fn run(state: Arc<AppState>, stopped: Stopped) {
    let every = Duration::from_secs(state.config.replication_monitor_secs);
    Periodic::new("replication monitor")
        .every(every, stopped, || {
            let state = state.clone();
            async move {
                let result =
                    match tokio::time::timeout(REFRESH_TIMEOUT, status(&state.config)).await {
                        Ok(result) => result,
                        Err(_) => Err(format!(
                            "replication status took longer than {} s",
                            REFRESH_TIMEOUT.as_secs()
                        )),
                    };
                let failed = result.as_ref().err().cloned();
                state.replication.store(Snapshot {
                    at: Utc::now(),
                    result,
                });
                match failed {
                    Some(e) => Err(e),
                    None => Ok(()),
                }
            }
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(j: &str, healthy: bool) -> JurisdictionStatus {
        JurisdictionStatus {
            jurisdiction: j.into(),
            publication: format!("seller_data_{}", j.to_lowercase()),
            publication_exists: true,
            subscription: format!("seller_data_{}", j.to_lowercase()),
            subscription_exists: true,
            subscription_enabled: healthy,
            worker_pid: healthy.then_some(42),
            tables: 7,
            tables_ready: 7,
            slot: "s".into(),
            slot_exists: true,
            slot_active: healthy,
            confirmed_flush_lsn: None,
            lag_bytes: Some(128),
            lag_seconds: Some(0.5),
            healthy,
        }
    }

    #[test]
    fn health_is_unknown_until_read_and_unhealthy_when_unread() {
        let monitor = Monitor::default();
        let configured = ["IN".to_string(), "BD".to_string()];
        assert!(monitor.health(&configured).iter().all(|h| !h.healthy));
        monitor.store(Snapshot {
            at: Utc::now(),
            result: Ok(vec![status("IN", true)]),
        });
        let health = monitor.health(&configured);
        assert!(health[0].healthy);
        assert_eq!(health[0].lag_bytes, Some(128));
        // Configured but not seen: unhealthy, lag unknown.
        assert!(!health[1].healthy && health[1].lag_bytes.is_none());
        monitor.store(Snapshot {
            at: Utc::now(),
            result: Err("down".into()),
        });
        assert!(monitor.health(&configured).iter().all(|h| !h.healthy));
    }
}
