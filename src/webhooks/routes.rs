//! Thin handlers for `/v1/webhooks`.

use actix_web::{HttpResponse, delete, get, post, web};
use uuid::Uuid;

use super::api::*;
use super::service;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiResult, AuthErrors, JsonErrors, NotFound, Problem};
use crate::http::{Json, Page, PageParams};
use crate::idempotency::Idempotency;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_endpoint)
        .service(list_endpoints)
        .service(delete_endpoint)
        .service(ping_endpoint)
        .service(list_deliveries);
}

/// Register an endpoint for your organisation's events. The signing secret is returned once.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = NewEndpoint,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        AuthErrors,
        JsonErrors,
        (status = 201, body = CreatedEndpoint, headers(("Location" = String))),
        (status = 409, description = "Too many endpoints", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
async fn create_endpoint(
    state: web::Data<AppState>,
    principal: Principal,
    key: Idempotency,
    body: Json<NewEndpoint>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let (created, replayed) =
        service::create(&mut conn, &state.config, &principal, &key, body).await?;
    Ok(created.into_response(replayed))
}

/// Your organisation's active endpoints.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    responses(AuthErrors, (status = 200, body = Vec<Endpoint>))
)]
#[get("/webhooks")]
async fn list_endpoints(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<web::Json<Vec<Endpoint>>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(service::list(&mut conn, &principal).await?))
}

/// Remove an endpoint; its pending deliveries are given up.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        AuthErrors,
        NotFound,
        (status = 204),
    )
)]
#[delete("/webhooks/{id}")]
async fn delete_endpoint(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    service::delete(&mut conn, &principal, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a `webhook.ping` event to the endpoint, to test the receiver and its signature check.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        AuthErrors,
        NotFound,
        (status = 202, description = "Queued"),
    )
)]
#[post("/webhooks/{id}/ping")]
async fn ping_endpoint(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let event_id = service::ping(&mut conn, &principal, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({"event_id": event_id})))
}

/// The delivery log of an endpoint: every event, its status and each attempt, newest first.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), PageParams),
    responses(
        AuthErrors,
        NotFound,
        (status = 200, body = Page<Delivery>),
        (status = 422, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhooks/{id}/deliveries")]
async fn list_deliveries(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Delivery>>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        service::deliveries(&mut conn, &principal, id.into_inner(), &page).await?,
    ))
}
