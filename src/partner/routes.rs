//! Thin handlers for `/v1/partner/*`.

use actix_web::{get, web};

use super::api::*;
use super::service;
use crate::AppState;
use crate::auth::principal::Principal;
use crate::error::{ApiResult, AuthErrors, Problem};
use crate::paging::{Page, PageParams};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(aggregates).service(egress_log);
}

/// Counts of approved sellers and of catalogue listings by sector and by state, for partners
/// abroad: counts below 5 are withheld (and others with them where a withheld count could be
/// worked out by subtraction). Every answer is recorded in the egress log first. Admins and
/// auditors.
#[utoipa::path(
    tag = "partner",
    security(("bearer" = [])),
    responses(
        AuthErrors,
        (status = 200, body = Aggregates),
    )
)]
#[get("/partner/aggregates")]
async fn aggregates(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<web::Json<Aggregates>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(service::aggregates(&mut conn, &principal).await?))
}

/// The egress log: every answer that may have left the country, newest first. Admins and
/// auditors.
#[utoipa::path(
    tag = "partner",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        AuthErrors,
        (status = 200, body = Page<EgressRecord>),
        (status = 422, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partner/egress-log")]
async fn egress_log(
    state: web::Data<AppState>,
    principal: Principal,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<EgressRecord>>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        service::egress_log(&mut conn, &principal, &page).await?,
    ))
}
