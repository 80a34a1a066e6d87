//! Thin handlers for `/v1/settlement/*` and `/v1/fx/*`.

use actix_web::{HttpResponse, get, post, web};
use uuid::Uuid;

use super::admin;
use super::api::*;
use super::fx::{self, FeedStatus};
use super::schedules::{self, FeeScheduleView, NewFeeSchedule};
use super::service;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiResult, AuthErrors, JsonErrors, NotFound, Problem};
use crate::http::{Json, Page, PageParams};
use crate::idempotency::Idempotency;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_estimate)
        .service(list_estimates)
        .service(get_estimate)
        .service(list_fee_schedules)
        .service(current_fee_schedule)
        .service(get_fee_schedule)
        .service(create_fee_schedule)
        .service(get_rates)
        .service(post_rates)
        .service(refresh_feed);
}

/// Price every payment route from the buyer's currency to the rupees the seller receives.
///
/// Each route (and, where it matters, each charge bearer) comes with its line items — who pays
/// each, in which currency and in INR — the mid-market equivalent, total and effective cost,
/// net INR, what the buyer pays in total and the arrival window. The answer is stored and can be
/// fetched again unchanged until it expires.
#[utoipa::path(
    tag = "settlement",
    security(("bearer" = [])),
    request_body = CreateEstimate,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        AuthErrors,
        JsonErrors,
        (status = 201, body = Estimate, headers(("Location" = String))),
        (status = 422, description = "Invalid amount, currency, corridor, or no rate for a pair", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/settlement/estimates")]
async fn create_estimate(
    state: web::Data<AppState>,
    principal: Principal,
    key: Idempotency,
    body: Json<CreateEstimate>,
) -> ApiResult<HttpResponse> {
    let (created, replayed) = service::create(&state, &principal, &key, body).await?;
    Ok(created.into_response(replayed))
}

/// Estimates you may see, newest first: your organisation's, and (for a seller) those naming
/// you. Cursor paged.
#[utoipa::path(
    tag = "settlement",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        AuthErrors,
        (status = 200, body = Page<Estimate>),
        (status = 422, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/settlement/estimates")]
async fn list_estimates(
    state: web::Data<AppState>,
    principal: Principal,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Estimate>>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        service::list(&mut conn, &principal, &page).await?,
    ))
}

/// A stored estimate, exactly as first answered. Visible to the organisation that asked, the
/// seller it names, admins and auditors.
#[utoipa::path(
    tag = "settlement",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        AuthErrors,
        NotFound,
        (status = 200, body = Estimate),
    )
)]
#[get("/settlement/estimates/{id}")]
async fn get_estimate(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let estimate = service::get(&mut conn, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(estimate))
}

/// Every fee schedule version, newest first.
#[utoipa::path(
    tag = "settlement",
    security(("bearer" = [])),
    responses(AuthErrors, (status = 200, body = Vec<FeeScheduleView>))
)]
#[get("/settlement/fee-schedules")]
async fn list_fee_schedules(
    state: web::Data<AppState>,
    _principal: Principal,
) -> ApiResult<web::Json<Vec<FeeScheduleView>>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(schedules::list(&mut conn).await?))
}

/// The fee schedule in force now.
#[utoipa::path(
    tag = "settlement",
    security(("bearer" = [])),
    responses(AuthErrors, (status = 200, body = FeeScheduleView))
)]
#[get("/settlement/fee-schedules/current")]
async fn current_fee_schedule(
    state: web::Data<AppState>,
    _principal: Principal,
) -> ApiResult<web::Json<FeeScheduleView>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(schedules::current(&mut conn).await?))
}

/// One fee schedule version.
#[utoipa::path(
    tag = "settlement",
    security(("bearer" = [])),
    params(("version" = i32, Path)),
    responses(
        AuthErrors,
        NotFound,
        (status = 200, body = FeeScheduleView),
    )
)]
#[get("/settlement/fee-schedules/{version}")]
async fn get_fee_schedule(
    state: web::Data<AppState>,
    _principal: Principal,
    version: web::Path<i32>,
) -> ApiResult<web::Json<FeeScheduleView>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        schedules::get(&mut conn, version.into_inner()).await?,
    ))
}

/// Upload a new fee schedule version (admins). It is validated as a whole; estimates made
/// before it keep the version they used.
#[utoipa::path(
    tag = "settlement",
    security(("bearer" = [])),
    request_body = NewFeeSchedule,
    responses(
        AuthErrors,
        JsonErrors,
        (status = 201, body = FeeScheduleView, headers(("Location" = String))),
    )
)]
#[post("/settlement/fee-schedules")]
async fn create_fee_schedule(
    state: web::Data<AppState>,
    principal: Principal,
    body: Json<NewFeeSchedule>,
) -> ApiResult<HttpResponse> {
    let created = admin::create_fee_schedule(&state, &principal, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/v1/settlement/fee-schedules/{}", created.reference.version),
        ))
        .json(created))
}

/// The latest mid-market rates, the INR rates derived from them, and the feed's state.
#[utoipa::path(
    tag = "fx",
    security(("bearer" = [])),
    responses(AuthErrors, (status = 200, body = RatesView))
)]
#[get("/fx/rates")]
async fn get_rates(
    state: web::Data<AppState>,
    _principal: Principal,
) -> ApiResult<web::Json<RatesView>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(fx::view(&mut conn, &state.config).await?))
}

/// Record mid-market rate snapshots (admins).
#[utoipa::path(
    tag = "fx",
    security(("bearer" = [])),
    request_body = PostRates,
    responses(
        AuthErrors,
        JsonErrors,
        (status = 201, body = RatesCreated, headers(("Location" = String))),
    )
)]
#[post("/fx/rates")]
async fn post_rates(
    state: web::Data<AppState>,
    principal: Principal,
    body: Json<PostRates>,
) -> ApiResult<HttpResponse> {
    let rates = admin::post_rates(&state, &principal, &body).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", "/v1/fx/rates"))
        .json(RatesCreated { rates }))
}

/// Fetch the configured FX feed now (admins). A failing or malformed feed changes no rate.
#[utoipa::path(
    tag = "fx",
    security(("bearer" = [])),
    responses(
        AuthErrors,
        (status = 200, description = "The fetch ran; see last_error for its outcome", body = FeedStatus),
        (status = 409, description = "No feed is configured", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/fx/feed/refresh")]
async fn refresh_feed(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<web::Json<FeedStatus>> {
    let status = admin::refresh_feed(&state, &principal).await?;
    Ok(web::Json(status))
}
