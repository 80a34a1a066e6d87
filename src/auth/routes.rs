//! Thin handlers for `/v1/auth/*`, `/v1/me` and `/v1/admin/users`.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use uuid::Uuid;

use super::api::*;
use super::{Principal, service, users};
use crate::AppState;
use crate::error::{ApiResult, AuthErrors, JsonErrors, NotFound, Problem};
use crate::http::{Json, Page, PageParams};
use crate::idempotency::Idempotency;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(register)
        .service(login)
        .service(refresh)
        .service(logout)
        .service(me)
        .service(create_user)
        .service(list_users)
        .service(get_user)
        .service(disable_user)
        .service(enable_user)
        .service(change_role);
}

/// Register a seller or buyer organisation and its first user.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        JsonErrors,
        (status = 201, description = "Registered; log in next", body = MeResponse,
         headers(("Location" = String, description = "/v1/me"))),
        (status = 409, description = "The email cannot be used", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/register")]
async fn register(
    state: web::Data<AppState>,
    body: Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let created = service::register(&mut conn, &state.config, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", "/v1/me"))
        .json(created))
}

/// Exchange email and password for an access token and a refresh token.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        JsonErrors,
        (status = 200, body = TokenResponse),
        (status = 401, description = "Wrong email or password (the same answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts for this email from this address, or from all addresses together; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<LoginRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    // The peer address, not X-Forwarded-For: a header the client writes cannot pick the bucket.
    let client = req
        .peer_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
    let mut conn = state.stores.platform().await?;
    let tokens = service::login(
        &mut conn,
        &state.jwt,
        &state.config,
        body.into_inner(),
        &client,
    )
    .await?;
    Ok(web::Json(tokens))
}

/// Rotate a refresh token: returns new tokens of the same session. Presenting the old one again
/// within the grace window (`EXPORTBRIDGE_REFRESH_REUSE_GRACE`, 30 s) returns another fresh pair;
/// later it counts as reuse and ends the session.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        JsonErrors,
        (status = 200, body = TokenResponse),
        (status = 401, description = "Invalid, expired, revoked or reused refresh token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
async fn refresh(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let mut conn = state.stores.platform().await?;
    let tokens = service::refresh(
        &mut conn,
        &state.jwt,
        &state.config,
        &state.sessions,
        body.into_inner(),
    )
    .await?;
    Ok(web::Json(tokens))
}

/// End the session the refresh token belongs to; its access tokens stop working too.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(JsonErrors, (status = 204, description = "Logged out"))
)]
#[post("/auth/logout")]
async fn logout(state: web::Data<AppState>, body: Json<RefreshRequest>) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    service::logout(&mut conn, &state.sessions, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller and its organisation.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        AuthErrors,
        (status = 200, body = MeResponse),
    )
)]
#[get("/me")]
async fn me(state: web::Data<AppState>, principal: Principal) -> ApiResult<web::Json<MeResponse>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(service::me(&mut conn, &principal).await?))
}

/// Create a staff account: vetting officer, admin or auditor. Admins only.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        AuthErrors,
        JsonErrors,
        (status = 201, body = UserView, headers(("Location" = String))),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/users")]
async fn create_user(
    state: web::Data<AppState>,
    principal: Principal,
    key: Idempotency,
    body: Json<CreateUserRequest>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let (created, replayed) = service::create_user(&mut conn, &principal, &key, body).await?;
    Ok(created.into_response(replayed))
}

/// A user account. Admins and auditors see any; others only themselves.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        AuthErrors,
        NotFound,
        (status = 200, body = UserView),
    )
)]
#[get("/admin/users/{id}")]
async fn get_user(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<UserView>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        service::get_user(&mut conn, &principal, id.into_inner()).await?,
    ))
}

/// Users, newest first, filtered by role, organisation, status and email prefix. Admins only.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(UserFilters, PageParams),
    responses(
        AuthErrors,
        (status = 200, body = Page<UserView>),
        (status = 422, description = "Bad filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/admin/users")]
async fn list_users(
    state: web::Data<AppState>,
    principal: Principal,
    filters: web::Query<UserFilters>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<UserView>>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        users::list(&mut conn, &principal, &filters, &page).await?,
    ))
}

/// Disable a user: they cannot log in, and every session ends (access tokens included) at once.
/// Repeating it changes nothing. Admins only; not on themselves.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        AuthErrors,
        NotFound,
        (status = 200, body = UserView),
        (status = 409, description = "An admin cannot disable themselves", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/users/{id}/disable")]
async fn disable_user(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<UserView>> {
    set_disabled(&state, &principal, id.into_inner(), true).await
}

/// Enable a disabled user again; they log in anew. Repeating it changes nothing. Admins only.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        AuthErrors,
        NotFound,
        (status = 200, body = UserView),
    )
)]
#[post("/admin/users/{id}/enable")]
async fn enable_user(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<UserView>> {
    set_disabled(&state, &principal, id.into_inner(), false).await
}

async fn set_disabled(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    disabled: bool,
) -> ApiResult<web::Json<UserView>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        users::set_disabled(&mut conn, &state.sessions, principal, id, disabled).await?,
    ))
}

/// Change a user's role (and organisation); it applies from their next request. Admins only;
/// not on themselves.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    request_body = ChangeRoleRequest,
    responses(
        AuthErrors,
        JsonErrors,
        NotFound,
        (status = 200, body = UserView),
        (status = 409, description = "An admin cannot change their own role", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The organisation is missing or not of the role's kind", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/admin/users/{id}/role")]
async fn change_role(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Json<ChangeRoleRequest>,
) -> ApiResult<web::Json<UserView>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        users::change_role(
            &mut conn,
            &state.sessions,
            &principal,
            id.into_inner(),
            body.into_inner(),
        )
        .await?,
    ))
}
