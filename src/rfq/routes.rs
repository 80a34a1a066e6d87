//! Thin handlers for `/v1/buyers/me/profile`, `/v1/rfqs/*`, `/v1/sellers/me/leads`,
//! `/v1/quotes/*` and `/v1/trades/*`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, put, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::api::*;
use super::service::{buyers, leads, quotes, rfqs, trades};
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiResult, AuthErrors, JsonErrors, NotFound, Problem, TokenErrors};
use crate::http::{IfMatch, Json, Page, PageParams, with_etag};
use crate::idempotency::Idempotency;

/// The path of an RFQ.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct RfqPath {
    id: Uuid,
}

/// The path of a quote.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct QuotePath {
    id: Uuid,
}

/// The path of a trade.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct TradePath {
    id: Uuid,
}

/// Filters of a list of RFQs.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct RfqListQuery {
    /// Only RFQs in this status.
    status: Option<RfqStatus>,
}

/// How many matches to return.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct MatchesQuery {
    /// 1 to 50 (default 20).
    #[param(minimum = 1, maximum = 50, default = 20)]
    limit: Option<i64>,
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_buyer_profile)
        .service(put_buyer_profile)
        .service(create_rfq)
        .service(list_rfqs)
        .service(get_rfq)
        .service(replace_rfq)
        .service(close_rfq)
        .service(rfq_matches)
        .service(list_leads)
        .service(submit_quote)
        .service(list_quotes)
        .service(get_quote)
        .service(revise_quote)
        .service(withdraw_quote)
        .service(accept_quote)
        .service(list_trades)
        .service(get_trade);
}

/// The calling buyer organisation's profile; 404 until it has one.
#[utoipa::path(
    tag = "buyers",
    security(("bearer" = [])),
    responses(AuthErrors, NotFound, (status = 200, body = BuyerProfile, headers(("ETag" = String))))
)]
#[get("/buyers/me/profile")]
async fn get_buyer_profile(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let profile = buyers::get(&mut conn, &principal).await?;
    Ok(with_etag(StatusCode::OK, profile.version, &profile))
}

/// Create or replace the calling buyer organisation's profile: company, country, business type
/// and the private contact (shown to a seller only once its quote is accepted). Replacing needs
/// `If-Match`.
#[utoipa::path(
    tag = "buyers",
    security(("bearer" = [])),
    request_body = BuyerProfileRequest,
    params(("If-Match" = Option<String>, Header, description = "ETag of the profile; required to replace one")),
    responses(
        AuthErrors,
        JsonErrors,
        (status = 200, description = "Replaced", body = BuyerProfile, headers(("ETag" = String))),
        (status = 201, description = "Created", body = BuyerProfile, headers(("ETag" = String))),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/buyers/me/profile")]
async fn put_buyer_profile(
    state: web::Data<AppState>,
    principal: Principal,
    if_match: IfMatch,
    body: Json<BuyerProfileRequest>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let (profile, created) =
        buyers::put(&mut conn, &principal, &if_match, body.into_inner()).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(with_etag(status, profile.version, &profile))
}

/// Post an RFQ. It is matched at once: the best sellers become its leads (and are told by the
/// `rfq.matched` webhook); `GET /v1/rfqs/{id}/matches` shows the ranking and why.
#[utoipa::path(
    tag = "rfqs",
    security(("bearer" = [])),
    request_body = RfqRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        AuthErrors,
        JsonErrors,
        (status = 201, description = "Created and matched", body = Rfq,
         headers(("Location" = String, description = "/v1/rfqs/{id}"))),
        (status = 409, description = "No buyer profile yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/rfqs")]
async fn create_rfq(
    state: web::Data<AppState>,
    principal: Principal,
    key: Idempotency,
    body: Json<RfqRequest>,
) -> ApiResult<HttpResponse> {
    let inputs = rfqs::MatchingInputs::load(&state).await?;
    let mut conn = state.stores.platform().await?;
    let (created, replayed) = rfqs::create(&mut conn, &inputs, &principal, &key, body).await?;
    Ok(created.into_response(replayed))
}

/// RFQs of the calling buyer organisation (admins and auditors: all), newest first.
#[utoipa::path(
    tag = "rfqs",
    security(("bearer" = [])),
    params(RfqListQuery, PageParams),
    responses(AuthErrors, (status = 200, body = RfqPage))
)]
#[get("/rfqs")]
async fn list_rfqs(
    state: web::Data<AppState>,
    principal: Principal,
    filter: web::Query<RfqListQuery>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<RfqPage>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        rfqs::list(&mut conn, &principal, filter.status, &page).await?,
    ))
}

/// An RFQ: for its buyer, admins and auditors; for a seller matched to it or that quoted on it
/// (without the buyer's contact until the seller's quote is accepted). 404 for anyone else.
#[utoipa::path(
    tag = "rfqs",
    security(("bearer" = [])),
    params(RfqPath),
    responses(TokenErrors, NotFound, (status = 200, body = Rfq, headers(("ETag" = String))))
)]
#[get("/rfqs/{id}")]
async fn get_rfq(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<RfqPath>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let rfq = rfqs::get(&mut conn, &principal, path.id).await?;
    Ok(with_etag(StatusCode::OK, rfq.version, &rfq))
}

/// Replace every field of an open RFQ (`If-Match` required); it is matched again.
#[utoipa::path(
    tag = "rfqs",
    security(("bearer" = [])),
    request_body = RfqRequest,
    params(RfqPath, ("If-Match" = String, Header, description = "ETag of the RFQ")),
    responses(
        AuthErrors,
        JsonErrors,
        NotFound,
        (status = 200, body = Rfq, headers(("ETag" = String))),
        (status = 409, description = "Not open", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/rfqs/{id}")]
async fn replace_rfq(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<RfqPath>,
    if_match: IfMatch,
    body: Json<RfqRequest>,
) -> ApiResult<HttpResponse> {
    let inputs = rfqs::MatchingInputs::load(&state).await?;
    let mut conn = state.stores.platform().await?;
    let rfq = rfqs::replace(
        &mut conn,
        &inputs,
        &principal,
        path.id,
        &if_match,
        body.into_inner(),
    )
    .await?;
    Ok(with_etag(StatusCode::OK, rfq.version, &rfq))
}

/// Close an open RFQ without awarding it; its live quotes are declined (`rfq.closed` to their
/// sellers). `If-Match` is checked when sent.
#[utoipa::path(
    tag = "rfqs",
    security(("bearer" = [])),
    request_body = CloseRfqRequest,
    params(RfqPath, ("If-Match" = Option<String>, Header, description = "ETag of the RFQ; optional")),
    responses(
        AuthErrors,
        JsonErrors,
        NotFound,
        (status = 200, body = Rfq, headers(("ETag" = String))),
        (status = 409, description = "Not open", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/rfqs/{id}/close")]
async fn close_rfq(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<RfqPath>,
    if_match: IfMatch,
    body: Json<CloseRfqRequest>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let rfq = rfqs::close(&mut conn, &principal, path.id, &if_match, body.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, rfq.version, &rfq))
}

/// The sellers that best match an RFQ now, best first: each seller's best listing with its score
/// and every factor of it (value, weight, contribution, and a sentence), and the candidates
/// left out by a hard constraint (below the MOQ, a missing required certification, another
/// unit, a seller not in good standing), counted by reason. For the RFQ's buyer, admins,
/// auditors.
#[utoipa::path(
    tag = "rfqs",
    security(("bearer" = [])),
    params(RfqPath, MatchesQuery),
    responses(
        TokenErrors,
        NotFound,
        (status = 200, body = RfqMatches),
        (status = 422, description = "Bad limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rfqs/{id}/matches")]
async fn rfq_matches(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<RfqPath>,
    query: web::Query<MatchesQuery>,
) -> ApiResult<web::Json<RfqMatches>> {
    Ok(web::Json(
        rfqs::matches(&state, &principal, path.id, query.limit).await?,
    ))
}

/// The calling seller's leads: open RFQs it is matched to, newest first, with the explanation
/// of its score and the buyer's company and country (the contact comes with an accepted quote).
#[utoipa::path(
    tag = "rfqs",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        AuthErrors,
        (status = 200, body = LeadPage),
        (status = 409, description = "No seller profile yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sellers/me/leads")]
async fn list_leads(
    state: web::Data<AppState>,
    principal: Principal,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<LeadPage>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(leads::list(&mut conn, &principal, &page).await?))
}

/// Quote on an open RFQ the calling (approved) seller was matched to: one quote per seller per
/// RFQ (revise it with `PUT /v1/quotes/{id}`). The buyer is told (`quote.submitted`).
#[utoipa::path(
    tag = "quotes",
    security(("bearer" = [])),
    request_body = QuoteRequest,
    params(RfqPath, ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        AuthErrors,
        JsonErrors,
        NotFound,
        (status = 201, description = "Submitted", body = Quote,
         headers(("Location" = String, description = "/v1/quotes/{id}"))),
        (status = 409, description = "RFQ not open, seller not approved, or a quote exists", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/rfqs/{id}/quotes")]
async fn submit_quote(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<RfqPath>,
    key: Idempotency,
    body: Json<QuoteRequest>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let (created, replayed) = quotes::submit(&mut conn, &principal, path.id, &key, body).await?;
    Ok(created.into_response(replayed))
}

/// The quotes of an RFQ, cheapest total (in the RFQ's currency) first, each with the best
/// payment route: what the buyer sends and what the seller nets in rupees. The buyer sees all;
/// a seller its own.
#[utoipa::path(
    tag = "quotes",
    security(("bearer" = [])),
    params(RfqPath),
    responses(TokenErrors, NotFound, (status = 200, body = QuoteList))
)]
#[get("/rfqs/{id}/quotes")]
async fn list_quotes(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<RfqPath>,
) -> ApiResult<web::Json<QuoteList>> {
    Ok(web::Json(
        quotes::list_for_rfq(&state, &principal, path.id).await?,
    ))
}

/// A quote with every revision: for its seller, the RFQ's buyer, admins and auditors.
#[utoipa::path(
    tag = "quotes",
    security(("bearer" = [])),
    params(QuotePath),
    responses(TokenErrors, NotFound, (status = 200, body = Quote, headers(("ETag" = String))))
)]
#[get("/quotes/{id}")]
async fn get_quote(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<QuotePath>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let quote = quotes::get(&mut conn, &principal, path.id).await?;
    Ok(with_etag(StatusCode::OK, quote.revision, &quote))
}

/// Revise a quote: a new revision replacing every term (`If-Match` with the current revision's
/// ETag). A withdrawn quote becomes live again. The buyer is told (`quote.revised`).
#[utoipa::path(
    tag = "quotes",
    security(("bearer" = [])),
    request_body = QuoteRequest,
    params(QuotePath, ("If-Match" = String, Header, description = "ETag of the quote")),
    responses(
        AuthErrors,
        JsonErrors,
        NotFound,
        (status = 200, body = Quote, headers(("ETag" = String))),
        (status = 409, description = "RFQ not open, or the quote accepted or declined", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/quotes/{id}")]
async fn revise_quote(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<QuotePath>,
    if_match: IfMatch,
    body: Json<QuoteRequest>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let quote =
        quotes::revise(&mut conn, &principal, path.id, &if_match, body.into_inner()).await?;
    Ok(with_etag(StatusCode::OK, quote.revision, &quote))
}

/// Withdraw a live quote (the seller may revise it back while the RFQ is open).
#[utoipa::path(
    tag = "quotes",
    security(("bearer" = [])),
    params(QuotePath, ("If-Match" = Option<String>, Header, description = "ETag of the quote; optional")),
    responses(
        AuthErrors,
        NotFound,
        (status = 200, body = Quote, headers(("ETag" = String))),
        (status = 409, description = "Not live", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/quotes/{id}/withdraw")]
async fn withdraw_quote(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<QuotePath>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let quote = quotes::withdraw(&mut conn, &principal, path.id, &if_match).await?;
    Ok(with_etag(StatusCode::OK, quote.revision, &quote))
}

/// Accept a quote of the caller's open RFQ: the RFQ is awarded, the other quotes declined, both
/// sides told (`quote.accepted`, `rfq.awarded`, `quote.declined`), and a trade made with the
/// settlement estimate of the best route. The trade's record is written to the seller's
/// in-country store in the same request: 503 and nothing written when that store is down.
#[utoipa::path(
    tag = "quotes",
    security(("bearer" = [])),
    params(QuotePath, ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        AuthErrors,
        NotFound,
        (status = 201, description = "Accepted: the trade", body = Trade,
         headers(("Location" = String, description = "/v1/trades/{id}"))),
        (status = 409, description = "RFQ not open, or the quote not live or expired", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The seller's in-country store is unavailable; nothing was written", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/quotes/{id}/accept")]
async fn accept_quote(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<QuotePath>,
    key: Idempotency,
) -> ApiResult<HttpResponse> {
    let (created, replayed) = trades::accept(&state, &principal, path.id, &key).await?;
    Ok(created.into_response(replayed))
}

/// The caller's trades (a buyer organisation's, a seller's; admins and auditors all), newest
/// first, each with its record from the in-country store.
#[utoipa::path(
    tag = "trades",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        AuthErrors,
        (status = 200, body = Page<Trade>),
        (status = 503, description = "An in-country store is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/trades")]
async fn list_trades(
    state: web::Data<AppState>,
    principal: Principal,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<Trade>>> {
    Ok(web::Json(
        trades::list(&state.stores, &principal, &page).await?,
    ))
}

/// A trade with its record from the seller's in-country store: for the buyer, the seller,
/// admins and auditors.
#[utoipa::path(
    tag = "trades",
    security(("bearer" = [])),
    params(TradePath),
    responses(
        TokenErrors,
        NotFound,
        (status = 200, body = Trade),
        (status = 503, description = "The in-country store is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/trades/{id}")]
async fn get_trade(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<TradePath>,
) -> ApiResult<web::Json<Trade>> {
    Ok(web::Json(
        trades::get(&state.stores, &principal, path.id).await?,
    ))
}
