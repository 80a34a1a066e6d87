//! Thin handlers for `/v1/listings/*` and `/v1/storefronts/*`.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, get, post, put, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::api::*;
use super::lifecycle::Action;
use super::service;
use crate::AppState;
use crate::analytics::Event;
use crate::auth::Principal;
use crate::error::{
    ApiResult, AuthErrors, JsonErrors, NotFound, Problem, RateLimited, TokenErrors,
};
use crate::http::{IfMatch, Json, PageParams, etag, with_etag};
use crate::idempotency::Idempotency;
use crate::ratelimit::PublicClient;

/// The path of a listing.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct ListingPath {
    id: Uuid,
}

/// The path of a storefront.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct StorefrontPath {
    /// The seller's storefront slug, e.g. `kaveri-textiles-0191f2a4`
    slug: String,
}

/// Filters of the caller's listings.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct OwnListingsQuery {
    /// Only listings in this status.
    status: Option<ListingStatus>,
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_listing)
        .service(list_own)
        .service(get_listing)
        .service(replace_listing)
        .service(publish)
        .service(pause)
        .service(archive)
        .service(storefront);
}

/// Create a draft listing of the calling seller.
///
/// Every field is checked and all problems come back in one 422. A draft is seen only by its
/// seller (and admins, auditors) until it is published.
#[utoipa::path(
    tag = "listings",
    security(("bearer" = [])),
    request_body = ListingRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        AuthErrors,
        JsonErrors,
        (status = 201, description = "Created as a draft", body = Listing,
         headers(("Location" = String, description = "/v1/listings/{id}"), ("ETag" = String))),
        (status = 409, description = "No seller profile yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/listings")]
async fn create_listing(
    state: web::Data<AppState>,
    principal: Principal,
    key: Idempotency,
    body: Json<ListingRequest>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let (created, replayed) = service::create(&mut conn, &principal, &key, body).await?;
    let mut res = created.into_response(replayed);
    // A new listing is version 1.
    if let Ok(tag) = etag(1).parse() {
        res.headers_mut().insert(header::ETAG, tag);
    }
    Ok(res)
}

/// The calling seller's listings, newest first, cursor-paged; optionally of one status.
#[utoipa::path(
    tag = "listings",
    security(("bearer" = [])),
    params(OwnListingsQuery, PageParams),
    responses(
        AuthErrors,
        (status = 200, body = ListingPage),
        (status = 409, description = "No seller profile yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/listings")]
async fn list_own(
    state: web::Data<AppState>,
    principal: Principal,
    filter: web::Query<OwnListingsQuery>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<ListingPage>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        service::list_own(&mut conn, &principal, filter.status, &page).await?,
    ))
}

/// A listing in any status, as its seller (and admins, auditors) see it; 404 for anyone else.
/// Buyers read published listings through the catalogue and storefronts.
#[utoipa::path(
    tag = "listings",
    security(("bearer" = [])),
    params(ListingPath),
    responses(
        TokenErrors,
        NotFound,
        (status = 200, body = Listing, headers(("ETag" = String))),
    )
)]
#[get("/listings/{id}")]
async fn get_listing(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<ListingPath>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let listing = service::get(&mut conn, &principal, path.id).await?;
    Ok(with_etag(StatusCode::OK, listing.version, &listing))
}

/// Replace every field of a listing (not archived). `If-Match` with the current `ETag` is
/// required (missing → 428, stale → 412). A published listing stays published.
#[utoipa::path(
    tag = "listings",
    security(("bearer" = [])),
    request_body = ListingRequest,
    params(ListingPath, ("If-Match" = String, Header, description = "ETag of the listing being replaced")),
    responses(
        AuthErrors,
        JsonErrors,
        NotFound,
        (status = 200, body = Listing, headers(("ETag" = String))),
        (status = 409, description = "Archived: read-only", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/listings/{id}")]
async fn replace_listing(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<ListingPath>,
    if_match: IfMatch,
    body: Json<ListingRequest>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let listing =
        service::replace(&mut conn, &principal, path.id, &if_match, body.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, listing.version, &listing))
}

async fn move_listing(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    action: Action,
    if_match: &IfMatch,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let listing = service::move_listing(&mut conn, principal, id, action, if_match).await?;
    Ok(with_etag(StatusCode::OK, listing.version, &listing))
}

/// Publish a draft or paused listing: it enters the catalogue and the storefront.
///
/// Only an approved seller publishes (409 otherwise). The first publish charges the listing
/// fee of the fee schedule in force (nothing for a verified MSME) and records the fee and the
/// schedule version on the listing. `If-Match` is checked when sent.
#[utoipa::path(
    tag = "listings",
    security(("bearer" = [])),
    params(ListingPath, ("If-Match" = Option<String>, Header, description = "ETag of the listing; optional")),
    responses(
        AuthErrors,
        NotFound,
        (status = 200, body = Listing, headers(("ETag" = String))),
        (status = 409, description = "Not possible from the current status, or the seller is not approved", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/listings/{id}/publish")]
async fn publish(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<ListingPath>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    move_listing(&state, &principal, path.id, Action::Publish, &if_match).await
}

/// Pause a published listing: it leaves the catalogue and the storefront until published again.
#[utoipa::path(
    tag = "listings",
    security(("bearer" = [])),
    params(ListingPath, ("If-Match" = Option<String>, Header, description = "ETag of the listing; optional")),
    responses(
        AuthErrors,
        NotFound,
        (status = 200, body = Listing, headers(("ETag" = String))),
        (status = 409, description = "Not possible from the current status", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/listings/{id}/pause")]
async fn pause(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<ListingPath>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    move_listing(&state, &principal, path.id, Action::Pause, &if_match).await
}

/// Archive a listing for good: it leaves the catalogue and can no longer be changed.
#[utoipa::path(
    tag = "listings",
    security(("bearer" = [])),
    params(ListingPath, ("If-Match" = Option<String>, Header, description = "ETag of the listing; optional")),
    responses(
        AuthErrors,
        NotFound,
        (status = 200, body = Listing, headers(("ETag" = String))),
        (status = 409, description = "Already archived", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/listings/{id}/archive")]
async fn archive(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<ListingPath>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    move_listing(&state, &principal, path.id, Action::Archive, &if_match).await
}

/// A seller's storefront (no authentication): its public profile and badge, and its published
/// listings, newest first, cursor-paged. 404 unless the seller is approved.
#[utoipa::path(
    tag = "storefronts",
    params(StorefrontPath, PageParams),
    responses(
        NotFound,
        RateLimited,
        (status = 200, body = Storefront),
        (status = 422, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/storefronts/{slug}")]
async fn storefront(
    _client: PublicClient,
    state: web::Data<AppState>,
    path: web::Path<StorefrontPath>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Storefront>> {
    let mut conn = state.stores.platform().await?;
    let storefront = service::storefront(&mut conn, &path.slug, &page).await?;
    // A visit is its first page; the pages after it are the same visit.
    if page.cursor.is_none() {
        state
            .analytics
            .record([storefront.seller.id], Event::StorefrontView);
    }
    Ok(web::Json(storefront))
}
