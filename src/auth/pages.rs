//! The pages the links in mail open: small HTML forms that post to the same services as the
//! JSON API, so that a person with only the mail (and a browser) can verify an address or choose
//! a new password. Opening a link changes nothing (mail scanners fetch links); the button does.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;

use super::accounts::{self, RESET_PATH, VERIFY_PATH};
use super::routes::client_info;
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::mail::escape_html;
use crate::ratelimit::PublicClient;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(verify_page)
        .service(verify_submit)
        .service(reset_page)
        .service(reset_submit)
        .service(reset_request_submit);
}

/// The token of a link (absent when the page is opened without one).
#[derive(Debug, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
pub struct TokenQuery {
    pub token: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenForm {
    #[serde(default)]
    pub token: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResetForm {
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub new_password: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ResetRequestForm {
    #[serde(default)]
    pub email: String,
}

/// A whole page: the platform's name, a heading and `body` (already HTML).
fn page(state: &AppState, status: u16, heading: &str, body: &str) -> HttpResponse {
    let platform = escape_html(&state.config.platform_name);
    let heading = escape_html(heading);
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{heading} - {platform}</title>\
         <style>body{{font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}}\
         input,button{{font-size:1rem;padding:.4rem;margin:.3rem 0}}</style></head>\
         <body><p><strong>{platform}</strong></p><h1>{heading}</h1>{body}</body></html>"
    );
    let status =
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
        ))
        .body(html)
}

/// The page of a failed action: the field errors in words, or the problem's detail.
fn failure(
    state: &AppState,
    heading: &str,
    error: ApiError,
    retry: &str,
) -> ApiResult<HttpResponse> {
    let status = error.problem().status;
    let detail = match &error {
        ApiError::Validation(fields) => fields
            .iter()
            .map(|f| {
                format!(
                    "<li>{}: {}</li>",
                    escape_html(&f.field.replace('_', " ")),
                    escape_html(&f.message)
                )
            })
            .collect::<String>(),
        ApiError::TooManyRequests { .. } => {
            "<li>Too many attempts; wait a few minutes.</li>".into()
        }
        // Anything else (a store down, a bug) answers as the API would.
        _ => return Err(error),
    };
    Ok(page(
        state,
        status,
        heading,
        &format!("<ul>{detail}</ul>{retry}"),
    ))
}

fn hidden_token(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"token\" value=\"{}\">",
        escape_html(token)
    )
}

/// The page of a verification link: a button that confirms the address.
#[utoipa::path(
    tag = "account pages",
    params(TokenQuery),
    responses((status = 200, description = "An HTML page", content_type = "text/html", body = String))
)]
#[get("/account/verify-email")]
async fn verify_page(state: web::Data<AppState>, query: web::Query<TokenQuery>) -> HttpResponse {
    let token = query.token.clone().unwrap_or_default();
    page(
        &state,
        200,
        "Confirm your email address",
        &format!(
            "<form method=\"post\" action=\"{VERIFY_PATH}\">{}\
             <button type=\"submit\">Confirm my email address</button></form>",
            hidden_token(&token)
        ),
    )
}

/// Confirms the address of the posted token.
#[utoipa::path(
    tag = "account pages",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Confirmed (HTML)", content_type = "text/html", body = String),
        (status = 422, description = "The link is invalid, expired or used (HTML)", content_type = "text/html", body = String),
    )
)]
#[post("/account/verify-email")]
async fn verify_submit(
    state: web::Data<AppState>,
    _client: PublicClient,
    form: web::Form<TokenForm>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    match accounts::verify_email(&mut conn, &state.sessions, &form.token).await {
        Ok(()) => Ok(page(
            &state,
            200,
            "Your email address is confirmed",
            "<p>You can now submit a seller application, post requests for quotation and \
             register webhooks.</p>",
        )),
        Err(e) => failure(
            &state,
            "This link does not work",
            e,
            "<p>Sign in and ask for a new link (<code>POST /v1/me/email-verification</code>).</p>",
        ),
    }
}

fn reset_request_form() -> String {
    format!(
        "<form method=\"post\" action=\"{RESET_PATH}/request\">\
         <label>Your account's email address<br><input type=\"email\" name=\"email\" required \
         autocomplete=\"email\"></label><br><button type=\"submit\">Mail me a reset link</button></form>"
    )
}

/// The page of a reset link: a new password field; without a token, a form that asks for a link.
#[utoipa::path(
    tag = "account pages",
    params(TokenQuery),
    responses((status = 200, description = "An HTML page", content_type = "text/html", body = String))
)]
#[get("/account/reset-password")]
async fn reset_page(state: web::Data<AppState>, query: web::Query<TokenQuery>) -> HttpResponse {
    match query.token.as_deref().filter(|t| !t.is_empty()) {
        Some(token) => page(
            &state,
            200,
            "Choose a new password",
            &format!(
                "<form method=\"post\" action=\"{RESET_PATH}\">{}\
                 <label>New password (12 to 128 characters)<br><input type=\"password\" \
                 name=\"new_password\" minlength=\"12\" maxlength=\"128\" required \
                 autocomplete=\"new-password\"></label><br>\
                 <button type=\"submit\">Set the new password</button></form>\
                 <p>Every session of the account is signed out.</p>",
                hidden_token(token)
            ),
        ),
        None => page(&state, 200, "Reset your password", &reset_request_form()),
    }
}

/// Sets the new password of the posted reset token.
#[utoipa::path(
    tag = "account pages",
    request_body(content = ResetForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Changed (HTML)", content_type = "text/html", body = String),
        (status = 422, description = "The link is invalid, expired or used, or the password too short or common (HTML)", content_type = "text/html", body = String),
    )
)]
#[post("/account/reset-password")]
async fn reset_submit(
    state: web::Data<AppState>,
    _client: PublicClient,
    form: web::Form<ResetForm>,
) -> ApiResult<HttpResponse> {
    let outcome = accounts::reset_password(
        &state.stores,
        &state.config,
        &state.sessions,
        &form.token,
        &form.new_password,
    )
    .await;
    match outcome {
        Ok(()) => Ok(page(
            &state,
            200,
            "Your password is changed",
            "<p>Every session was signed out: sign in with the new password.</p>",
        )),
        Err(e) => {
            let retry = format!(
                "<p><a href=\"{RESET_PATH}?token={}\">Try again</a>, or ask for a new link:</p>{}",
                escape_html(&form.token),
                reset_request_form()
            );
            failure(&state, "The password was not changed", e, &retry)
        }
    }
}

/// Mails a reset link (the same answer whether or not the address has an account).
#[utoipa::path(
    tag = "account pages",
    request_body(content = ResetRequestForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Check your email (HTML)", content_type = "text/html", body = String),
        (status = 422, description = "Not an email address (HTML)", content_type = "text/html", body = String),
    )
)]
#[post("/account/reset-password/request")]
async fn reset_request_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    _client: PublicClient,
    form: web::Form<ResetRequestForm>,
) -> ApiResult<HttpResponse> {
    let client = client_info(&req);
    let mut conn = state.stores.platform().await?;
    match accounts::request_reset(&mut conn, &state.config, &form.email, &client.address).await {
        Ok(()) => Ok(page(
            &state,
            200,
            "Check your email",
            &format!(
                "<p>If the address has an account, a reset link is on its way. It works once, \
                 within {} minutes.</p>",
                state.config.reset_ttl_minutes
            ),
        )),
        Err(e) => failure(&state, "No link was sent", e, &reset_request_form()),
    }
}
