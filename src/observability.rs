//! Tracing set-up, request ids and Prometheus metrics.

use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use prometheus::{GaugeVec, IntGaugeVec, Opts};
use sha2::{Digest, Sha256};
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::AppState;
use crate::config::{Mode, Secret};
use crate::db::Stores;
use crate::error::ApiError;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, also in every log line of it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl actix_web::FromRequest for RequestId {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    /// The id set by the `request_id` middleware (a fresh one if it did not run).
    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let id = req
            .extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(|| RequestId(uuid::Uuid::now_v7().to_string()));
        std::future::ready(Ok(id))
    }
}

pub fn init_tracing(filter: &str, format: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = if format == "json" {
        builder.json().with_current_span(true).try_init()
    } else {
        builder.try_init()
    };
    // A second initialisation (tests) keeps the first subscriber.
    let _ = result;
}

/// Accepts a sane incoming `X-Request-Id` or makes one; wraps the request in a span carrying it
/// and returns it on the response.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.path());
    let started = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    let status = res.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            status,
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request finished"
        );
    });
    Ok(res)
}

/// The estimate writer's state as `/metrics` exports it. The crate root reads it from the
/// writer (`AppState::writer_gauges`), so this module names no domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterGauges {
    pub running: bool,
    /// Rows handed over and not yet taken into a batch.
    pub queued: u64,
    /// Batches whose writing panicked.
    pub panicked_batches: u64,
}

/// One jurisdiction's replication as `/metrics` exports it (from the crate root's monitor, so
/// this module names no domain). Lags are absent when unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicationGauge {
    pub jurisdiction: String,
    pub healthy: bool,
    pub lag_bytes: Option<i64>,
    pub lag_seconds: Option<f64>,
}

/// Request count and latency per route pattern and status, plus pool, writer and replication
/// gauges.
pub struct Metrics {
    pub http: PrometheusMetrics,
    pool_gauges: IntGaugeVec,
    writer_gauges: IntGaugeVec,
    replication_healthy: IntGaugeVec,
    replication_lag_bytes: IntGaugeVec,
    replication_lag_seconds: GaugeVec,
}

impl Metrics {
    pub fn new() -> Result<Self, String> {
        let http = PrometheusMetricsBuilder::new("exportbridge")
            .endpoint(METRICS_PATH)
            .mask_unmatched_patterns("UNMATCHED")
            .build()
            .map_err(|e| format!("metrics: {e}"))?;
        let pool_gauges = IntGaugeVec::new(
            Opts::new(
                "exportbridge_db_pool_connections",
                "Database pool connections by store and state",
            ),
            &["store", "state"],
        )
        .map_err(|e| format!("metrics: {e}"))?;
        let writer_gauges = IntGaugeVec::new(
            Opts::new(
                "exportbridge_estimate_writer",
                "The estimate group-commit writer: running (1/0), queued rows, panicked batches",
            ),
            &["state"],
        )
        .map_err(|e| format!("metrics: {e}"))?;
        let by_jurisdiction = |name: &str, help: &str| {
            IntGaugeVec::new(Opts::new(name, help), &["jurisdiction"])
                .map_err(|e| format!("metrics: {e}"))
        };
        let replication_healthy = by_jurisdiction(
            "exportbridge_replication_healthy",
            "In-country replication per jurisdiction: 1 when the subscription is enabled, its worker running, its slot active and every table copied",
        )?;
        let replication_lag_bytes = by_jurisdiction(
            "exportbridge_replication_lag_bytes",
            "WAL of the platform store the in-country copy has not confirmed, per jurisdiction",
        )?;
        let replication_lag_seconds = GaugeVec::new(
            Opts::new(
                "exportbridge_replication_lag_seconds",
                "Seconds since the in-country apply worker last heard from the platform, per jurisdiction",
            ),
            &["jurisdiction"],
        )
        .map_err(|e| format!("metrics: {e}"))?;
        for collector in [
            pool_gauges.clone(),
            writer_gauges.clone(),
            replication_healthy.clone(),
            replication_lag_bytes.clone(),
        ] {
            http.registry
                .register(Box::new(collector))
                .map_err(|e| format!("metrics: {e}"))?;
        }
        http.registry
            .register(Box::new(replication_lag_seconds.clone()))
            .map_err(|e| format!("metrics: {e}"))?;
        Ok(Metrics {
            http,
            pool_gauges,
            writer_gauges,
            replication_healthy,
            replication_lag_bytes,
            replication_lag_seconds,
        })
    }

    /// Refreshes the replication gauges (called just before each scrape); an unknown lag is
    /// left out rather than exported as a number.
    pub fn observe_replication(&self, gauges: &[ReplicationGauge]) {
        for g in gauges {
            let labels = [g.jurisdiction.as_str()];
            self.replication_healthy
                .with_label_values(&labels)
                .set(i64::from(g.healthy));
            match g.lag_bytes {
                Some(v) => self.replication_lag_bytes.with_label_values(&labels).set(v),
                None => {
                    let _ = self.replication_lag_bytes.remove_label_values(&labels);
                }
            }
            match g.lag_seconds {
                Some(v) => self
                    .replication_lag_seconds
                    .with_label_values(&labels)
                    .set(v),
                None => {
                    let _ = self.replication_lag_seconds.remove_label_values(&labels);
                }
            }
        }
    }

    /// Exports the estimate writer's batch-size histogram (the writer observes it itself).
    pub fn register_writer(&self, batch_rows: &prometheus::Histogram) -> Result<(), String> {
        self.http
            .registry
            .register(Box::new(batch_rows.clone()))
            .map_err(|e| format!("metrics: {e}"))
    }

    /// Refreshes the writer gauges (called just before each scrape).
    pub fn observe_writer(&self, writer: WriterGauges) {
        let set = |state: &str, v: u64| {
            self.writer_gauges
                .with_label_values(&[state])
                .set(i64::try_from(v).unwrap_or(i64::MAX))
        };
        set("running", u64::from(writer.running));
        set("queued", writer.queued);
        set("panicked_batches", writer.panicked_batches);
    }

    /// Refreshes the pool gauges (called just before each scrape).
    pub fn observe_pools(&self, stores: &Stores) {
        for (name, pool) in stores.all() {
            let status = pool.status();
            let idle = status.available as i64;
            let set = |state: &str, v: i64| {
                self.pool_gauges
                    .with_label_values(&[name.as_str(), state])
                    .set(v)
            };
            set("size", status.size as i64);
            set("idle", idle);
            set("in_use", status.size as i64 - idle);
            set("max", status.max_size as i64);
            set("waiting", status.waiting as i64);
        }
    }
}

/// Path of the Prometheus scrape endpoint.
pub const METRICS_PATH: &str = "/metrics";

/// Who may read `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsAccess {
    Allowed,
    /// 401: a token is configured and the request lacks it.
    Unauthorized,
    /// 404: no token is configured and the client may not see metrics without one.
    Hidden,
}

/// With `EXPORTBRIDGE_METRICS_TOKEN` set, the scrape must carry `Authorization: Bearer <token>`.
/// Without it, metrics are served only in dev mode and only to loopback clients; a production
/// server without a token does not serve them at all.
pub fn metrics_access(
    mode: Mode,
    token: Option<&Secret>,
    authorization: Option<&str>,
    peer_is_loopback: bool,
) -> MetricsAccess {
    match token {
        Some(token) => {
            let offered = authorization
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .unwrap_or_default();
            // Digests compared, so the comparison time says nothing about the token.
            if Sha256::digest(offered.as_bytes()) == Sha256::digest(token.expose().as_bytes()) {
                MetricsAccess::Allowed
            } else {
                MetricsAccess::Unauthorized
            }
        }
        None if mode == Mode::Dev && peer_is_loopback => MetricsAccess::Allowed,
        None => MetricsAccess::Hidden,
    }
}

/// Guards `/metrics` (see `metrics_access`) and refreshes the pool and writer gauges before a
/// scrape.
pub async fn metrics_gate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if req.path() != METRICS_PATH {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let (Some(state), Some(metrics)) = (
        req.app_data::<web::Data<AppState>>(),
        req.app_data::<web::Data<Metrics>>(),
    ) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let access = metrics_access(
        state.config.mode,
        state.config.metrics_token.as_ref(),
        req.headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
        req.peer_addr().is_some_and(|a| a.ip().is_loopback()),
    );
    let refusal = match access {
        MetricsAccess::Allowed => {
            metrics.observe_pools(&state.stores);
            metrics.observe_writer(state.writer_gauges());
            metrics.observe_replication(&state.replication_gauges());
            return Ok(next.call(req).await?.map_into_left_body());
        }
        MetricsAccess::Unauthorized => {
            ApiError::Unauthorized("send the metrics token as a bearer token".into())
        }
        MetricsAccess::Hidden => ApiError::NotFound,
    };
    let response = refusal.error_response();
    Ok(req.into_response(response).map_into_right_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_need_the_token_when_one_is_set() {
        let token = Secret::new("0123456789abcdef");
        let access =
            |auth: Option<&str>| metrics_access(Mode::Production, Some(&token), auth, true);
        assert_eq!(
            access(Some("Bearer 0123456789abcdef")),
            MetricsAccess::Allowed
        );
        assert_eq!(access(None), MetricsAccess::Unauthorized);
        assert_eq!(access(Some("Bearer nope")), MetricsAccess::Unauthorized);
        assert_eq!(
            access(Some("Basic 0123456789abcdef")),
            MetricsAccess::Unauthorized
        );
    }

    #[test]
    fn without_a_token_metrics_are_for_local_development_only() {
        assert_eq!(
            metrics_access(Mode::Dev, None, None, true),
            MetricsAccess::Allowed
        );
        assert_eq!(
            metrics_access(Mode::Dev, None, None, false),
            MetricsAccess::Hidden
        );
        assert_eq!(
            metrics_access(Mode::Production, None, None, true),
            MetricsAccess::Hidden
        );
    }
}
