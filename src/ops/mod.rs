//! Operational endpoints: liveness, readiness.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::db;
use crate::error::{ApiError, ApiResult};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(healthz).service(readyz);
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct StoreStatus {
    /// `platform` or `in_country:<jurisdiction>`.
    pub store: String,
    pub ready: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    pub status: String,
    pub stores: Vec<StoreStatus>,
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
async fn healthz() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".into(),
    })
}

/// Every store is reachable and fully migrated.
#[utoipa::path(tag = "operations", responses(
    (status = 200, body = Readiness),
    (status = 503, description = "A store is unreachable or not migrated", body = crate::error::Problem, content_type = "application/problem+json"),
))]
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let expected = db::embedded_versions();
    let checks = state.stores.all().into_iter().map(|(name, pool)| {
        let expected = &expected;
        async move {
            let result = db::check_store(pool, expected).await;
            StoreStatus {
                store: name,
                ready: result.is_ok(),
                detail: result.err(),
            }
        }
    });
    let stores = futures_util::future::join_all(checks).await;
    let failing: Vec<String> = stores
        .iter()
        .filter(|s| !s.ready)
        .map(|s| {
            format!(
                "{}: {}",
                s.store,
                s.detail.as_deref().unwrap_or("not ready")
            )
        })
        .collect();
    if failing.is_empty() {
        Ok(HttpResponse::Ok().json(Readiness {
            status: "ready".into(),
            stores,
        }))
    } else {
        Err(ApiError::Unavailable(failing.join("; ")))
    }
}
