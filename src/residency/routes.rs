//! `/v1/residency/*`: replication status and the drift check, for auditors and admins. Each
//! call opens its own connections to both stores (never the request pools) with a time limit.

use std::time::Duration;

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::record::{InCountryRecord, in_country_record};
use super::{JurisdictionCheck, JurisdictionStatus};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult, AuthErrors, NotFound, Problem};

const READERS: &[Role] = &[Role::Auditor, Role::Admin];
const STATUS_TIMEOUT: Duration = Duration::from_secs(10);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(status).service(verify).service(seller_record);
}

/// Replication status per jurisdiction: publication, subscription, apply worker, slot, lag in
/// bytes and seconds, and whether it is healthy. Auditors and admins.
#[utoipa::path(
    tag = "residency",
    security(("bearer" = [])),
    responses(
        AuthErrors,
        (status = 200, body = Vec<JurisdictionStatus>),
        (status = 503, description = "A store could not be read in time", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/residency/status")]
async fn status(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<web::Json<Vec<JurisdictionStatus>>> {
    principal.require(READERS)?;
    let statuses = tokio::time::timeout(STATUS_TIMEOUT, super::status(&state.config))
        .await
        .map_err(|_| ApiError::Unavailable("replication status took too long".into()))?
        .map_err(unavailable)?;
    Ok(web::Json(statuses))
}

/// Query of the drift check.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct VerifyParams {
    /// How long to wait for the copies to catch up before comparing, 1 to 60 seconds
    /// (default 10).
    #[param(minimum = 1, maximum = 60, default = 10)]
    wait_seconds: Option<u64>,
}

/// The drift check's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyAnswer {
    /// Whether any table of any jurisdiction differs.
    pub drifted: bool,
    pub jurisdictions: Vec<JurisdictionCheck>,
}

/// Compares every in-country copy with the platform store, after waiting for it to catch up:
/// per table, row counts and an order-independent digest; each drifting key range named.
/// Auditors and admins. 503 when a copy does not catch up in time (lag is not drift).
#[utoipa::path(
    tag = "residency",
    security(("bearer" = [])),
    params(VerifyParams),
    responses(
        AuthErrors,
        (status = 200, body = VerifyAnswer),
        (status = 422, description = "`wait_seconds` out of range", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "A copy did not catch up in time, or a store is down", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/residency/verify")]
async fn verify(
    state: web::Data<AppState>,
    principal: Principal,
    params: web::Query<VerifyParams>,
) -> ApiResult<web::Json<VerifyAnswer>> {
    principal.require(READERS)?;
    let wait = params.wait_seconds.unwrap_or(10);
    if !(1..=60).contains(&wait) {
        return Err(ApiError::field(
            "wait_seconds",
            "out_of_range",
            "must be 1 to 60",
        ));
    }
    let wait = Duration::from_secs(wait);
    // The wait, then the comparison (bounded by the statements' own cost).
    let report = tokio::time::timeout(
        wait + STATUS_TIMEOUT * 3,
        super::verify(&state.config, wait),
    )
    .await
    .map_err(|_| ApiError::Unavailable("the drift check took too long".into()))?
    .map_err(unavailable)?;
    Ok(web::Json(VerifyAnswer {
        drifted: report.drifted(),
        jurisdictions: report.jurisdictions,
    }))
}

fn unavailable(cause: String) -> ApiError {
    tracing::warn!(%cause, "residency check failed");
    ApiError::Unavailable(
        "a store could not be read, or a copy is behind; see the server log".into(),
    )
}

/// The path of a seller.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct SellerPath {
    /// The seller's id.
    id: uuid::Uuid,
}

/// A seller's record as the in-country store holds it, read from that store (not the
/// platform): the replicated profile and the localised payout account (number masked).
/// Auditors and admins; 404 when no in-country store holds the seller.
#[utoipa::path(
    tag = "residency",
    security(("bearer" = [])),
    params(SellerPath),
    responses(
        AuthErrors,
        NotFound,
        (status = 200, body = InCountryRecord),
    )
)]
#[get("/residency/sellers/{id}")]
async fn seller_record(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<SellerPath>,
) -> ApiResult<web::Json<InCountryRecord>> {
    Ok(web::Json(
        in_country_record(&state.stores, &principal, id.id).await?,
    ))
}
