//! Operational endpoints: liveness, readiness.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::db;
use crate::error::{ApiError, PROBLEM_JSON};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(healthz).service(readyz);
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: String,
}

/// What a readiness check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// A database: reachable and fully migrated.
    Store,
    /// A background task the requests depend on.
    Worker,
}

/// One named readiness check. Only the verdict is public; why a check failed goes to the log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadinessCheck {
    /// `platform`, `in_country:<jurisdiction>`, or a worker's name.
    pub name: String,
    pub kind: CheckKind,
    pub ready: bool,
}

/// One jurisdiction's in-country replication, as last seen by the background monitor. Reported,
/// not gating: the platform serves while a copy lags (alert on `/metrics`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReplicationReadiness {
    pub jurisdiction: String,
    pub healthy: bool,
    /// WAL not yet confirmed by the copy; absent when unknown.
    pub lag_bytes: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: String,
    pub checks: Vec<ReadinessCheck>,
    pub replication: Vec<ReplicationReadiness>,
}

/// The 503 answer: a problem document that also lists every check.
#[derive(Serialize, ToSchema)]
pub struct NotReady {
    #[serde(flatten)]
    pub problem: crate::error::Problem,
    pub checks: Vec<ReadinessCheck>,
    pub replication: Vec<ReplicationReadiness>,
}

fn replication(state: &AppState) -> Vec<ReplicationReadiness> {
    state
        .replication_gauges()
        .into_iter()
        .map(|g| ReplicationReadiness {
            jurisdiction: g.jurisdiction,
            healthy: g.healthy,
            lag_bytes: g.lag_bytes,
        })
        .collect()
}

/// Runs one check: the failure's cause is logged, the answer only says ready or not.
async fn check(
    name: String,
    kind: CheckKind,
    run: impl std::future::Future<Output = Result<(), String>>,
) -> ReadinessCheck {
    let result = run.await;
    if let Err(cause) = &result {
        tracing::warn!(check = %name, ?kind, %cause, "readiness check failed");
    }
    ReadinessCheck {
        name,
        kind,
        ready: result.is_ok(),
    }
}

/// Every readiness check, in a stable order: the stores, then the workers.
async fn readiness_checks(state: &AppState) -> Vec<ReadinessCheck> {
    let expected = db::embedded_versions();
    let stores = state.stores.all().into_iter().map(|(name, pool)| {
        let expected = &expected;
        check(name, CheckKind::Store, db::check_store(pool, expected))
    });
    let mut checks = futures_util::future::join_all(stores).await;
    let writer = state.estimates.health();
    checks.push(
        check("estimate_writer".into(), CheckKind::Worker, async {
            if writer.running {
                Ok(())
            } else {
                Err(format!("the estimate writer is not running ({writer:?})"))
            }
        })
        .await,
    );
    checks
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
async fn healthz() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".into(),
    })
}

/// Every store is reachable and fully migrated (and every background worker running).
/// Only the verdict per check is answered; the reasons are in the server log. The in-country
/// replication's health is reported beside the checks without deciding readiness.
#[utoipa::path(tag = "operations", responses(
    (status = 200, body = Readiness),
    (status = 503, description = "A check failed; `checks` says which", body = NotReady, content_type = "application/problem+json"),
))]
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let checks = readiness_checks(&state).await;
    let failing: Vec<&str> = checks
        .iter()
        .filter(|c| !c.ready)
        .map(|c| c.name.as_str())
        .collect();
    if failing.is_empty() {
        return HttpResponse::Ok().json(Readiness {
            status: "ready".into(),
            checks,
            replication: replication(&state),
        });
    }
    let problem = ApiError::Unavailable(format!("not ready: {}", failing.join(", "))).problem();
    HttpResponse::ServiceUnavailable()
        .content_type(PROBLEM_JSON)
        .json(NotReady {
            problem,
            checks,
            replication: replication(&state),
        })
}
