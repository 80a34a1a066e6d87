//! Thin handler for `/v1/sellers/me/analytics`.

use actix_web::{get, web};

use super::api::{AnalyticsParams, SellerAnalytics};
use super::service;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiResult, AuthErrors, Problem};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(own_analytics);
}

/// The calling seller's analytics: storefront views, search impressions and listing views per
/// day, and their totals, over the last `days` days. Only the seller itself sees them (403 for
/// other roles). Counts arrive within `delay_seconds` (they are added in batches).
#[utoipa::path(
    tag = "sellers",
    security(("bearer" = [])),
    params(AnalyticsParams),
    responses(
        AuthErrors,
        (status = 200, body = SellerAnalytics),
        (status = 409, description = "No seller profile yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`days` out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sellers/me/analytics")]
async fn own_analytics(
    state: web::Data<AppState>,
    principal: Principal,
    params: web::Query<AnalyticsParams>,
) -> ApiResult<web::Json<SellerAnalytics>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        service::own_analytics(
            &mut conn,
            &principal,
            &params,
            state.config.analytics_flush_secs,
        )
        .await?,
    ))
}
