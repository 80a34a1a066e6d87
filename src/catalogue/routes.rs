//! Thin handlers for `/v1/catalogue/*` (public, rate-limited per client address).

use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::api::*;
use super::{request, service};
use crate::AppState;
use crate::analytics::Event;
use crate::error::{ApiResult, NotFound, Problem, RateLimited};
use crate::ratelimit::PublicClient;

/// The path of a catalogue listing.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct ListingPath {
    id: Uuid,
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(search).service(get_listing);
}

/// Search the catalogue (no authentication).
///
/// Only published listings of approved sellers. `q` matches title (weighted most), keywords and
/// description; misspelt words are replaced by the closest word of the catalogue, and
/// `query` says how the text was read. Filters combine with AND. Each hit carries its seller's
/// public summary and badge; with `currency`, its price breaks converted at the latest mid
/// rate (indicative, with the rate's as-of). Facet counts come with the first page, counted
/// over at most 1,000 of the hits (`facets.exact` says whether that was all).
/// Relevance ranks at most 2,000 matches (`ranked_over_capped`).
#[utoipa::path(
    tag = "catalogue",
    params(SearchParams),
    responses(
        RateLimited,
        (status = 200, body = SearchResults),
        (status = 422, description = "Invalid parameters (including wrong types) or cursor, each named", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The search took too long", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/catalogue/search")]
async fn search(
    _client: PublicClient,
    state: web::Data<AppState>,
    params: web::Query<SearchParams>,
) -> ApiResult<web::Json<SearchResults>> {
    let request = request::parse(params.into_inner(), &state.cursor_key)?;
    let rates = service::rates(&state).await?;
    let mut conn = state.stores.platform().await?;
    let results = service::search(
        &mut conn,
        &request,
        &rates,
        &state.cursor_key,
        service::SearchLimits::of(&state.config),
    )
    .await?;
    state.analytics.record(
        results.items.iter().map(|hit| hit.seller.id),
        Event::SearchImpression,
    );
    Ok(web::Json(results))
}

/// A published listing of the catalogue with its seller's summary (no authentication); 404
/// when it is not in the catalogue (draft, paused, archived, or its seller not approved).
#[utoipa::path(
    tag = "catalogue",
    params(ListingPath),
    responses(
        NotFound,
        RateLimited,
        (status = 200, body = CatalogueListing),
    )
)]
#[get("/catalogue/listings/{id}")]
async fn get_listing(
    _client: PublicClient,
    state: web::Data<AppState>,
    path: web::Path<ListingPath>,
) -> ApiResult<web::Json<CatalogueListing>> {
    let mut conn = state.stores.platform().await?;
    let listing = service::listing(&mut conn, path.id).await?;
    state
        .analytics
        .record([listing.seller.id], Event::ListingView);
    Ok(web::Json(listing))
}
