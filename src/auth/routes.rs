//! Thin handlers for `/v1/auth/*`, `/v1/me` and `/v1/admin/users`.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use uuid::Uuid;

use super::accounts::{self, ChangePasswordRequest, RevokedSessions, SessionList};
use super::api::*;
use super::service::ClientInfo;
use super::{Principal, service, users};
use crate::AppState;
use crate::error::{ApiResult, AuthErrors, JsonErrors, NotFound, Problem};
use crate::http::{Json, Page, PageParams};
use crate::idempotency::Idempotency;
use crate::ratelimit::PublicClient;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(register)
        .service(verify_email)
        .service(request_password_reset)
        .service(complete_password_reset)
        .service(resend_verification)
        .service(change_password)
        .service(list_sessions)
        .service(revoke_session)
        .service(revoke_other_sessions)
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

/// The peer address (not X-Forwarded-For: a header the client writes cannot pick a rate-limit
/// bucket) and the user agent.
pub fn client_info(req: &HttpRequest) -> ClientInfo {
    ClientInfo {
        address: req
            .peer_addr()
            .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string()),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

fn accepted() -> HttpResponse {
    HttpResponse::Accepted().json(Accepted {
        detail: "check your email".into(),
    })
}

/// Register a seller or buyer organisation and its first user. The answer is the same whether
/// or not the email address has an account (202: check your email): a new account gets a
/// verification link, the owner of a taken address a mail saying someone tried. An unverified
/// account can log in, but cannot submit a seller application, post an RFQ or register
/// webhooks.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        JsonErrors,
        (status = 202, description = "Check your email", body = Accepted),
        (status = 429, description = "Too many registrations for this address, from this client or in all; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/register")]
async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    _client: PublicClient,
    body: Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let client = client_info(&req);
    service::register(
        &state.stores,
        &state.config,
        &client.address,
        body.into_inner(),
    )
    .await?;
    Ok(accepted())
}

/// Confirm an email address with the token of the mailed link (single use, valid 48 hours by default).
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        JsonErrors,
        (status = 204, description = "The address is verified"),
        (status = 422, description = "The token is invalid, expired or used", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/email-verification")]
async fn verify_email(
    state: web::Data<AppState>,
    _client: PublicClient,
    body: Json<TokenRequest>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    accounts::verify_email(&mut conn, &state.sessions, &body.token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Mail the caller a new verification link (earlier links stop working).
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        AuthErrors,
        (status = 202, description = "Check your email", body = Accepted),
        (status = 409, description = "The address is verified already", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/email-verification")]
async fn resend_verification(
    state: web::Data<AppState>,
    req: HttpRequest,
    principal: Principal,
) -> ApiResult<HttpResponse> {
    let client = client_info(&req);
    let mut conn = state.stores.platform().await?;
    accounts::resend_verification(&mut conn, &state.config, &principal, &client.address).await?;
    Ok(accepted())
}

/// Ask for a password reset link (single use, valid 30 minutes by default). The answer is the same whether
/// or not the address has an account.
#[utoipa::path(
    tag = "auth",
    request_body = ResetRequest,
    responses(
        JsonErrors,
        (status = 202, description = "Check your email", body = Accepted),
        (status = 429, description = "Too many requests for this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset")]
async fn request_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    _client: PublicClient,
    body: Json<ResetRequest>,
) -> ApiResult<HttpResponse> {
    let client = client_info(&req);
    let mut conn = state.stores.platform().await?;
    accounts::request_reset(&mut conn, &state.config, &body.email, &client.address).await?;
    Ok(accepted())
}

/// Set a new password with the token of a reset link. Every session of the account ends.
#[utoipa::path(
    tag = "auth",
    request_body = NewPasswordRequest,
    responses(
        JsonErrors,
        (status = 204, description = "The password is changed; log in again"),
        (status = 422, description = "The token is invalid, expired or used, or the password is too short or common", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset/complete")]
async fn complete_password_reset(
    state: web::Data<AppState>,
    _client: PublicClient,
    body: Json<NewPasswordRequest>,
) -> ApiResult<HttpResponse> {
    accounts::reset_password(
        &state.stores,
        &state.config,
        &state.sessions,
        &body.token,
        &body.new_password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change the caller's password, given the current one. The caller's other sessions end.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        AuthErrors,
        JsonErrors,
        (status = 204, description = "Changed"),
        (status = 422, description = "The current password is wrong, or the new one too short or common", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/me/password")]
async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    principal: Principal,
    body: Json<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let client = client_info(&req);
    accounts::change_password(
        &state.stores,
        &state.config,
        &state.sessions,
        &principal,
        &client.address,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's sessions not ended, newest first: when each began and was last used (sign-in or
/// refresh), from which client address and user agent; `current` marks this request's.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        AuthErrors,
        (status = 200, body = SessionList),
        (status = 429, description = "Too many requests; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/sessions")]
async fn list_sessions(
    state: web::Data<AppState>,
    req: HttpRequest,
    principal: Principal,
) -> ApiResult<web::Json<SessionList>> {
    let client = client_info(&req);
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        accounts::list_sessions(&mut conn, &state.config, &principal, &client.address).await?,
    ))
}

/// End one of the caller's sessions (its tokens stop working at once); ending the current one
/// signs out.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        AuthErrors,
        NotFound,
        (status = 204, description = "Ended"),
        (status = 429, description = "Too many requests; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/me/sessions/{id}")]
async fn revoke_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let client = client_info(&req);
    let mut conn = state.stores.platform().await?;
    accounts::revoke_session(
        &mut conn,
        &state.config,
        &state.sessions,
        &principal,
        &client.address,
        id.into_inner(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// End every session of the caller but this one ("sign out everywhere else").
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        AuthErrors,
        (status = 200, body = RevokedSessions),
        (status = 429, description = "Too many requests; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/sessions/revoke-others")]
async fn revoke_other_sessions(
    state: web::Data<AppState>,
    req: HttpRequest,
    principal: Principal,
) -> ApiResult<web::Json<RevokedSessions>> {
    let client = client_info(&req);
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        accounts::revoke_other_sessions(
            &mut conn,
            &state.config,
            &state.sessions,
            &principal,
            &client.address,
        )
        .await?,
    ))
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
    let client = client_info(&req);
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
    req: HttpRequest,
    body: Json<RefreshRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let client = client_info(&req);
    let mut conn = state.stores.platform().await?;
    let tokens = service::refresh(
        &mut conn,
        &state.jwt,
        &state.config,
        &state.sessions,
        body.into_inner(),
        &client,
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
