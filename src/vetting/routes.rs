//! Thin handlers for `/v1/sellers/me/submit` (the intake; tagged with the seller routes),
//! `/v1/vetting-bodies`, `/v1/admin/vetting-bodies`, `/v1/vetting/*`.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::api::*;
use super::service;
use crate::AppState;
use crate::auth::Principal;
use crate::error::{ApiResult, AuthErrors, JsonErrors, NotFound, Problem, TokenErrors};
use crate::http::{IfMatch, Json, PageParams, etag, with_etag};
use crate::idempotency::Idempotency;
use crate::observability::RequestId;
use crate::sellers::api::SellerProfile;
use crate::sellers::lifecycle::{Action, Actor};

/// The path of an application: the seller it is about.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct ApplicationPath {
    /// The seller's id: its organisation's id, as every seller id in the API
    seller_id: Uuid,
}

/// The path of an item of an application's checklist.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct ChecklistItemPath {
    /// The seller's id: its organisation's id, as every seller id in the API
    seller_id: Uuid,
    item_code: String,
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(submit)
        .service(create_body)
        .service(update_body)
        .service(expire_due)
        .service(list_bodies)
        .service(get_body)
        .service(queue)
        .service(get_application)
        .service(claim)
        .service(release)
        .service(get_checklist)
        .service(tick)
        .service(decide)
        .service(suspend)
        .service(reinstate);
}

/// Submit the calling seller's profile for vetting.
///
/// Only from `draft` or `changes_requested` (else 409), and only when complete: one 422 lists
/// every missing field (`documents.<kind>` for missing evidence). Recorded in the audit log and
/// published as `seller.submitted`. The application goes to the vetting body already working
/// it, else to the body of the seller's jurisdiction whose priority sectors overlap the seller's
/// most (the oldest on a tie); while no body serves the jurisdiction it waits unassigned and is
/// assigned when one is created. A resubmission starts the checklist afresh.
#[utoipa::path(
    tag = "sellers",
    security(("bearer" = [])),
    params(("If-Match" = Option<String>, Header, description = "ETag of the profile; optional")),
    responses(
        AuthErrors,
        (status = 200, description = "Submitted", body = SellerProfile, headers(("ETag" = String))),
        (status = 403, description = "Not a seller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No profile yet, or not in a status that can be submitted", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Incomplete: every missing field is listed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sellers/me/submit")]
async fn submit(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let actor = Actor::new(&principal, request_id.0);
    let profile = service::submit(&mut conn, &principal, &actor, &if_match).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(profile.version)))
        .json(profile))
}

/// Create a vetting body and its organisation. Admins only.
///
/// Officers are then created with `POST /v1/admin/users` (`role: vetting_officer`,
/// `organisation_id`: the body's id). Sellers of the jurisdiction that submitted while no body
/// served it are assigned to the new body.
#[utoipa::path(
    tag = "vetting",
    security(("bearer" = [])),
    request_body = NewVettingBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        AuthErrors,
        JsonErrors,
        (status = 201, body = VettingBody, headers(("Location" = String, description = "/v1/vetting-bodies/{id}"))),
    )
)]
#[post("/admin/vetting-bodies")]
async fn create_body(
    state: web::Data<AppState>,
    principal: Principal,
    key: Idempotency,
    body: Json<NewVettingBody>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let (created, replayed) = service::create_body(&mut conn, &principal, &key, body).await?;
    Ok(created.into_response(replayed))
}

/// Edit a vetting body: name, priority sectors, SLA, approval validity, checklist template and
/// reason codes (the whole of them; the jurisdiction stays). `If-Match` with the body's `ETag`
/// is required (missing → 428, stale → 412). The edit is a new version: applications claimed
/// from now on are worked with its checklist and reason codes; applications already in review
/// keep the version they started with (`vetting_body_version` of the application). Admins only.
#[utoipa::path(
    tag = "vetting",
    security(("bearer" = [])),
    request_body = VettingBodyUpdate,
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "ETag of the body being edited")),
    responses(
        AuthErrors,
        JsonErrors,
        NotFound,
        (status = 200, body = VettingBody, headers(("ETag" = String))),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/admin/vetting-bodies/{id}")]
async fn update_body(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<VettingBodyUpdate>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let updated = service::update_body(
        &mut conn,
        &principal,
        id.into_inner(),
        &if_match,
        body.into_inner(),
    )
    .await?;
    Ok(with_etag(
        actix_web::http::StatusCode::OK,
        updated.version,
        &updated,
    ))
}

/// Run the vetting sweep now (it also runs at start-up and hourly): expire lapsed approvals,
/// assign submitted applications still waiting for a body. Admins only.
#[utoipa::path(
    tag = "vetting",
    security(("bearer" = [])),
    responses(
        AuthErrors,
        (status = 200, body = ExpiryRun),
    )
)]
#[post("/admin/vetting/expire-due")]
async fn expire_due(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<web::Json<ExpiryRun>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(service::expire_now(&mut conn, &principal).await?))
}

/// Vetting bodies, oldest first: all for admins and auditors, their own for officers.
#[utoipa::path(
    tag = "vetting",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        AuthErrors,
        (status = 200, body = VettingBodyPage),
        (status = 422, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/vetting-bodies")]
async fn list_bodies(
    state: web::Data<AppState>,
    principal: Principal,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<VettingBodyPage>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        service::list_bodies(&mut conn, &principal, &page).await?,
    ))
}

/// A vetting body: for admins, auditors and its own officers (404 for everyone else).
#[utoipa::path(
    tag = "vetting",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        TokenErrors,
        NotFound,
        (status = 200, body = VettingBody, headers(("ETag" = String))),
    )
)]
#[get("/vetting-bodies/{id}")]
async fn get_body(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let body = service::get_body(&mut conn, &principal, id.into_inner()).await?;
    Ok(with_etag(
        actix_web::http::StatusCode::OK,
        body.version,
        &body,
    ))
}

/// The calling officer's body's queue.
///
/// Ordered by priority sector (the body's first priority first, sellers in no priority sector
/// last), then manufacturers before traders, then oldest submission first. Each item shows its
/// age and whether the body's SLA is breached. Cursor-paged; the cursor is opaque.
#[utoipa::path(
    tag = "vetting",
    security(("bearer" = [])),
    params(QueueQuery),
    responses(
        AuthErrors,
        (status = 200, body = QueuePage),
        (status = 403, description = "Not a vetting officer", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/vetting/queue")]
async fn queue(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<QueueQuery>,
) -> ApiResult<web::Json<QueuePage>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(service::queue(&mut conn, &principal, &q).await?))
}

/// An application: for officers of the seller's body, admins and auditors; 404 for everyone
/// else, 403 for the seller itself (it reads `/v1/sellers/{id}`). `same_identifiers` lists
/// other sellers holding its GSTIN, IEC or Udyam number.
#[utoipa::path(
    tag = "vetting",
    security(("bearer" = [])),
    params(ApplicationPath),
    responses(
        AuthErrors,
        NotFound,
        (status = 200, body = Application),
    )
)]
#[get("/vetting/applications/{seller_id}")]
async fn get_application(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<ApplicationPath>,
) -> ApiResult<web::Json<Application>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        service::get_application(&mut conn, &principal, id.seller_id).await?,
    ))
}

/// Claim an application for a lease (`EXPORTBRIDGE_CLAIM_LEASE`, 30 minutes by default), or
/// renew your own lease.
///
/// The first claim moves a `submitted` application to `under_review` (audit-logged). While
/// another officer holds a live lease: 409. Of concurrent claims exactly one wins.
#[utoipa::path(
    tag = "vetting",
    security(("bearer" = [])),
    params(ApplicationPath),
    responses(
        AuthErrors,
        NotFound,
        (status = 200, body = Application),
        (status = 403, description = "Not a vetting officer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Leased by another officer, or not open", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/vetting/applications/{seller_id}/claim")]
async fn claim(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<ApplicationPath>,
) -> ApiResult<web::Json<Application>> {
    let mut conn = state.stores.platform().await?;
    let actor = Actor::new(&principal, request_id.0);
    Ok(web::Json(
        service::claim(
            &mut conn,
            &principal,
            &actor,
            id.seller_id,
            chrono::Duration::seconds(state.config.claim_lease_secs),
        )
        .await?,
    ))
}

/// Release your lease (204 also when nobody holds one).
#[utoipa::path(
    tag = "vetting",
    security(("bearer" = [])),
    params(ApplicationPath),
    responses(
        AuthErrors,
        NotFound,
        (status = 204, description = "Released"),
        (status = 409, description = "Another officer holds the lease", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/vetting/applications/{seller_id}/claim")]
async fn release(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<ApplicationPath>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    service::release(&mut conn, &principal, id.seller_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The application's checklist: the body's template with what is ticked and what approval
/// still needs.
#[utoipa::path(
    tag = "vetting",
    security(("bearer" = [])),
    params(ApplicationPath),
    responses(
        AuthErrors,
        NotFound,
        (status = 200, body = Checklist),
    )
)]
#[get("/vetting/applications/{seller_id}/checklist")]
async fn get_checklist(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<ApplicationPath>,
) -> ApiResult<web::Json<Checklist>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        service::get_checklist(&mut conn, &principal, id.seller_id).await?,
    ))
}

/// Tick or untick a checklist item, with a note. The lease holder only (else 409).
#[utoipa::path(
    tag = "vetting",
    security(("bearer" = [])),
    params(ChecklistItemPath),
    request_body = TickRequest,
    responses(
        AuthErrors,
        JsonErrors,
        (status = 200, body = Checklist),
        (status = 404, description = "No such application or item", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not the lease holder, or not under review", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/vetting/applications/{seller_id}/checklist/{item_code}")]
async fn tick(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<ChecklistItemPath>,
    body: Json<TickRequest>,
) -> ApiResult<web::Json<Checklist>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        service::tick(
            &mut conn,
            &principal,
            path.seller_id,
            &path.item_code,
            body.into_inner(),
        )
        .await?,
    ))
}

/// Decide: approve, reject or request changes. The lease holder only.
///
/// Approval needs every applicable mandatory checklist item ticked (else 422 naming each as
/// `checklist.<code>`) and grants the badge ("verified_msme" for MSMEs, else
/// "verified_exporter") valid for the body's validity period. Rejection and change requests
/// need at least one reason code of their kind and a note. The audit entry and the webhook
/// event (`seller.approved`, `seller.rejected`, `seller.changes_requested`) are written in the
/// same transaction; the lease ends. An approval is refused (409, type `duplicate-identifier`)
/// while another approved seller holds the same GSTIN. Deciding an application that is no
/// longer under review is 409 naming its status and what is possible.
#[utoipa::path(
    tag = "vetting",
    security(("bearer" = [])),
    params(ApplicationPath),
    request_body = DecisionRequest,
    responses(
        AuthErrors,
        JsonErrors,
        NotFound,
        (status = 200, body = DecisionOutcome),
        (status = 403, description = "Not a vetting officer (e.g. the seller itself)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not the lease holder, not under review, or (type duplicate-identifier) another approved seller holds the GSTIN", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Mandatory items unticked, or bad reason codes / note", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/vetting/applications/{seller_id}/decision")]
async fn decide(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<ApplicationPath>,
    body: Json<DecisionRequest>,
) -> ApiResult<web::Json<DecisionOutcome>> {
    let mut conn = state.stores.platform().await?;
    let actor = Actor::new(&principal, request_id.0);
    Ok(web::Json(
        service::decide(
            &mut conn,
            &principal,
            &actor,
            id.seller_id,
            body.into_inner(),
        )
        .await?,
    ))
}

/// Suspend an approved seller: an officer of its body or an admin, with at least one
/// `suspension` reason code. Publishes `seller.suspended`.
#[utoipa::path(
    tag = "vetting",
    security(("bearer" = [])),
    params(ApplicationPath),
    request_body = StatusChangeRequest,
    responses(
        AuthErrors,
        JsonErrors,
        NotFound,
        (status = 200, body = DecisionOutcome),
        (status = 409, description = "Not approved", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/vetting/applications/{seller_id}/suspend")]
async fn suspend(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<ApplicationPath>,
    body: Json<StatusChangeRequest>,
) -> ApiResult<web::Json<DecisionOutcome>> {
    change_status(state, principal, request_id, id, body, Action::Suspend).await
}

/// Reinstate a suspended seller: an officer of its body or an admin, with a note. Publishes
/// `seller.reinstated`. Refused (409, type `duplicate-identifier`) while another approved
/// seller holds the same GSTIN.
#[utoipa::path(
    tag = "vetting",
    security(("bearer" = [])),
    params(ApplicationPath),
    request_body = StatusChangeRequest,
    responses(
        AuthErrors,
        JsonErrors,
        NotFound,
        (status = 200, body = DecisionOutcome),
        (status = 409, description = "Not suspended, or (type duplicate-identifier) another approved seller holds the GSTIN", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/vetting/applications/{seller_id}/reinstate")]
async fn reinstate(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<ApplicationPath>,
    body: Json<StatusChangeRequest>,
) -> ApiResult<web::Json<DecisionOutcome>> {
    change_status(state, principal, request_id, id, body, Action::Reinstate).await
}

async fn change_status(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<ApplicationPath>,
    body: Json<StatusChangeRequest>,
    action: Action,
) -> ApiResult<web::Json<DecisionOutcome>> {
    let mut conn = state.stores.platform().await?;
    let actor = Actor::new(&principal, request_id.0);
    Ok(web::Json(
        service::change_status(
            &mut conn,
            &principal,
            &actor,
            id.seller_id,
            action,
            body.into_inner(),
        )
        .await?,
    ))
}
