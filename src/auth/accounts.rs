//! Self-service account care: email verification, password reset and change, and a user's own
//! sessions. A token mailed to a user is 256 random bits of which only the SHA-256 is stored;
//! it works once, before it expires, and a newer token of the same purpose replaces it. Every
//! action is rate-limited per account and per (account, client address) in the login throttle
//! table (`throttle`), on top of the per-address limit of the public routes.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::model::User;
use super::service::{
    new_refresh_token, parse_email, refresh_hash, revoke_sessions, revoke_user_sessions, throttle,
};
use super::sessions::SessionCache;
use super::{Principal, password};
use crate::config::Config;
use crate::db::Stores;
use crate::db::schema::{account_tokens, sessions, users};
use crate::error::{ApiError, ApiResult, FieldError, Validator};
use crate::mail::{self, Template};

/// The page a verification link opens.
pub const VERIFY_PATH: &str = "/account/verify-email";
/// The page a reset link opens (without a token: the form that asks for one).
pub const RESET_PATH: &str = "/account/reset-password";
/// The most sessions a user's list shows (newest first).
pub const MAX_SESSIONS: i64 = 100;

/// How many times an action may be taken in the throttle window (`EXPORTBRIDGE_LOGIN_WINDOW`):
/// from one client address for one account, and for one account from all addresses.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub action: &'static str,
    pub per_address: i32,
    pub per_account: i32,
}

pub const REGISTER: Limit = Limit {
    action: "register",
    per_address: 3,
    per_account: 5,
};
pub const RESET_REQUEST: Limit = Limit {
    action: "reset",
    per_address: 3,
    per_account: 5,
};
pub const VERIFY_RESEND: Limit = Limit {
    action: "verify",
    per_address: 3,
    per_account: 5,
};
pub const PASSWORD_CHANGE: Limit = Limit {
    action: "password",
    per_address: 5,
    per_account: 10,
};
pub const SESSIONS: Limit = Limit {
    action: "sessions",
    per_address: 60,
    per_account: 120,
};

/// Counts one `limit.action` for `account` from `client`; 429 with Retry-After when over.
/// (The key holds a space, which no email address or id has: no clash with login's keys.)
pub async fn limit(
    conn: &mut AsyncPgConnection,
    config: &Config,
    limit: Limit,
    account: &str,
    client: &str,
) -> ApiResult<()> {
    throttle(
        conn,
        config.login_window_secs,
        &format!("{} {account}", limit.action),
        client,
        limit.per_address,
        limit.per_account,
    )
    .await
}

/// `limit` of an action of the signed-in caller, counted against their account.
async fn limit_caller(
    conn: &mut AsyncPgConnection,
    config: &Config,
    action: Limit,
    principal: &Principal,
    client: &str,
) -> ApiResult<()> {
    limit(conn, config, action, &principal.user_id.to_string(), client).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
        }
    }
}

/// A new token for `user` (earlier unused ones of the purpose stop working); returns it.
async fn issue_token(
    conn: &mut AsyncPgConnection,
    user: &User,
    purpose: Purpose,
    ttl: Duration,
) -> ApiResult<String> {
    let now = Utc::now();
    diesel::update(
        account_tokens::table
            .filter(account_tokens::user_id.eq(user.id))
            .filter(account_tokens::purpose.eq(purpose.as_str()))
            .filter(account_tokens::used_at.is_null()),
    )
    .set(account_tokens::used_at.eq(now))
    .execute(conn)
    .await?;
    let token = new_refresh_token();
    diesel::insert_into(account_tokens::table)
        .values((
            account_tokens::token_hash.eq(refresh_hash(&token)),
            account_tokens::user_id.eq(user.id),
            account_tokens::purpose.eq(purpose.as_str()),
            account_tokens::email.eq(&user.email),
            account_tokens::created_at.eq(now),
            account_tokens::expires_at.eq(now + ttl),
        ))
        .execute(conn)
        .await?;
    Ok(token)
}

/// Uses a token once: its user, if it is of the purpose, unused, unexpired, and mailed to the
/// address the user still has. Otherwise a 422 on `token` that does not say which.
async fn consume_token(
    conn: &mut AsyncPgConnection,
    token: &str,
    purpose: Purpose,
) -> ApiResult<User> {
    let used: Option<(Uuid, String)> = diesel::update(
        account_tokens::table
            .filter(account_tokens::token_hash.eq(refresh_hash(token.trim())))
            .filter(account_tokens::purpose.eq(purpose.as_str()))
            .filter(account_tokens::used_at.is_null())
            .filter(account_tokens::expires_at.gt(diesel::dsl::now)),
    )
    .set(account_tokens::used_at.eq(diesel::dsl::now))
    .returning((account_tokens::user_id, account_tokens::email))
    .get_result(conn)
    .await
    .optional()?;
    let user: Option<User> = match used {
        Some((id, email)) => users::table
            .find(id)
            .filter(users::email.eq(email))
            .filter(users::disabled_at.is_null())
            .select(User::as_select())
            .first(conn)
            .await
            .optional()?,
        None => None,
    };
    user.ok_or_else(|| {
        ApiError::Validation(vec![FieldError::new(
            "token",
            "invalid",
            "the link is invalid, has expired or was used already; ask for a new one",
        )])
    })
}

/// Mails `user` the `template`, filled with their name, address and `vars` (in the caller's
/// transaction).
async fn mail_user(
    conn: &mut AsyncPgConnection,
    config: &Config,
    user: &User,
    template: Template,
    vars: &[(&str, &str)],
) -> ApiResult<()> {
    let mut all = vec![
        ("name", user.full_name.as_str()),
        ("email", user.email.as_str()),
    ];
    all.extend_from_slice(vars);
    mail::enqueue(conn, config, &user.email, template, &all).await?;
    Ok(())
}

/// Mails `user` a verification link (in the caller's transaction).
pub async fn send_verification(
    conn: &mut AsyncPgConnection,
    config: &Config,
    user: &User,
) -> ApiResult<()> {
    let hours = config.verification_ttl_hours;
    let token = issue_token(conn, user, Purpose::VerifyEmail, Duration::hours(hours)).await?;
    let link = mail::link(config, &format!("{VERIFY_PATH}?token={token}"));
    mail_user(
        conn,
        config,
        user,
        Template::VerifyEmail,
        &[("link", &link), ("hours", &hours.to_string())],
    )
    .await?;
    Ok(())
}

/// Tells the owner of an address that someone tried to register with it (in the caller's
/// transaction).
pub async fn send_email_taken(
    conn: &mut AsyncPgConnection,
    config: &Config,
    user: &User,
) -> ApiResult<()> {
    let link = mail::link(config, RESET_PATH);
    mail_user(conn, config, user, Template::EmailTaken, &[("link", &link)]).await?;
    Ok(())
}

/// Confirms the address a verification token was mailed to.
pub async fn verify_email(
    conn: &mut AsyncPgConnection,
    cache: &SessionCache,
    token: &str,
) -> ApiResult<()> {
    let user = conn
        .transaction(async |conn| {
            let user = consume_token(conn, token, Purpose::VerifyEmail).await?;
            diesel::update(users::table.find(user.id))
                .filter(users::email_verified_at.is_null())
                .set(users::email_verified_at.eq(diesel::dsl::now))
                .execute(conn)
                .await?;
            ApiResult::Ok(user)
        })
        .await?;
    // Sessions carry whether the address is verified.
    cache.forget_user(user.id);
    Ok(())
}

/// Mails the caller a new verification link; 409 when the address is verified already.
pub async fn resend_verification(
    conn: &mut AsyncPgConnection,
    config: &Config,
    principal: &Principal,
    client: &str,
) -> ApiResult<()> {
    limit_caller(conn, config, VERIFY_RESEND, principal, client).await?;
    conn.transaction(async |conn| {
        let user: User = users::table
            .find(principal.user_id)
            .select(User::as_select())
            .for_update()
            .first(conn)
            .await?;
        if user.email_verified_at.is_some() {
            return Err(ApiError::Conflict(
                "this email address is verified already".into(),
            ));
        }
        send_verification(conn, config, &user).await
    })
    .await
}

/// Mails a reset link when `email` belongs to an enabled account; answers the same either way.
pub async fn request_reset(
    conn: &mut AsyncPgConnection,
    config: &Config,
    email: &str,
    client: &str,
) -> ApiResult<()> {
    let mut v = Validator::new();
    let email = v.check("email", parse_email(email));
    v.finish()?;
    let Some(email) = email else {
        return Err(ApiError::internal("validator passed with missing values"));
    };
    limit(conn, config, RESET_REQUEST, &email, client).await?;
    conn.transaction(async |conn| {
        let user: Option<User> = users::table
            .filter(users::email.eq(&email))
            .filter(users::disabled_at.is_null())
            .select(User::as_select())
            .first(conn)
            .await
            .optional()?;
        let Some(user) = user else { return Ok(()) };
        let minutes = config.reset_ttl_minutes;
        let token = issue_token(
            conn,
            &user,
            Purpose::ResetPassword,
            Duration::minutes(minutes),
        )
        .await?;
        let link = mail::link(config, &format!("{RESET_PATH}?token={token}"));
        mail_user(
            conn,
            config,
            &user,
            Template::PasswordReset,
            &[("link", &link), ("minutes", &minutes.to_string())],
        )
        .await?;
        Ok(())
    })
    .await
}

/// Sets a new password with a reset token; every session of the account ends, and the mail
/// that carried the token proved the address.
pub async fn reset_password(
    stores: &Stores,
    config: &Config,
    cache: &SessionCache,
    token: &str,
    new_password: &str,
) -> ApiResult<()> {
    let mut v = Validator::new();
    v.check("new_password", password::check_policy(new_password));
    v.finish()?;
    // Hashed before a connection is taken: argon2 takes a while.
    let hash = password::hash(new_password.to_owned()).await?;
    let mut conn = stores.platform().await?;
    let user = conn
        .transaction(async |conn| {
            let user = consume_token(conn, token, Purpose::ResetPassword).await?;
            diesel::update(users::table.find(user.id))
                .set((
                    users::password_hash.eq(&hash),
                    users::updated_at.eq(diesel::dsl::now),
                    users::email_verified_at.eq(user.email_verified_at.unwrap_or_else(Utc::now)),
                ))
                .execute(conn)
                .await?;
            revoke_user_sessions(conn, user.id, None).await?;
            password_changed_mail(
                conn,
                config,
                &user,
                "reset with a link mailed to you",
                "Every session was signed out.",
            )
            .await?;
            ApiResult::Ok(user)
        })
        .await?;
    cache.forget_user(user.id);
    Ok(())
}

async fn password_changed_mail(
    conn: &mut AsyncPgConnection,
    config: &Config,
    user: &User,
    how: &str,
    ended: &str,
) -> ApiResult<()> {
    let link = mail::link(config, RESET_PATH);
    mail_user(
        conn,
        config,
        user,
        Template::PasswordChanged,
        &[("how", how), ("ended", ended), ("link", &link)],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    /// 12 to 128 characters, not a common password.
    #[schema(min_length = 12, max_length = 128)]
    pub new_password: String,
}

/// Changes the caller's password given the current one; the caller's other sessions end.
pub async fn change_password(
    stores: &Stores,
    config: &Config,
    cache: &SessionCache,
    principal: &Principal,
    client: &str,
    req: ChangePasswordRequest,
) -> ApiResult<()> {
    let stored: String = {
        let mut conn = stores.platform().await?;
        limit_caller(&mut conn, config, PASSWORD_CHANGE, principal, client).await?;
        users::table
            .find(principal.user_id)
            .select(users::password_hash)
            .first(&mut conn)
            .await?
    };
    let mut v = Validator::new();
    if !password::verify(req.current_password.clone(), Some(stored.clone())).await? {
        v.push(
            "current_password",
            "incorrect",
            "is not the account's password",
        );
    }
    if v.check("new_password", password::check_policy(&req.new_password))
        .is_some()
        && req.new_password == req.current_password
    {
        v.push(
            "new_password",
            "unchanged",
            "must differ from the current password",
        );
    }
    v.finish()?;
    let hash = password::hash(req.new_password).await?;
    let mut conn = stores.platform().await?;
    conn.transaction(async |conn| {
        // Only over the hash that was checked: a concurrent change wins, this one is refused.
        let changed = diesel::update(users::table.find(principal.user_id))
            .filter(users::password_hash.eq(&stored))
            .set((
                users::password_hash.eq(&hash),
                users::updated_at.eq(diesel::dsl::now),
            ))
            .returning(User::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        let Some(user) = changed else {
            return Err(ApiError::Conflict(
                "the password was changed meanwhile; sign in again".into(),
            ));
        };
        revoke_user_sessions(conn, user.id, Some(principal.session_id)).await?;
        password_changed_mail(
            conn,
            config,
            &user,
            "changed",
            "Your other sessions were signed out.",
        )
        .await
    })
    .await?;
    cache.forget_user(principal.user_id);
    Ok(())
}

/// One of the caller's sessions.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    /// The last sign-in or token refresh of the session.
    pub last_used_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    /// The client address of the last sign-in or refresh.
    pub client_address: Option<String>,
    /// The session of this request.
    pub current: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SessionList {
    /// Sessions not ended, newest first (at most 100).
    pub items: Vec<SessionView>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
struct SessionRow {
    id: Uuid,
    created_at: DateTime<Utc>,
    last_used_at: DateTime<Utc>,
    user_agent: Option<String>,
    client_address: Option<String>,
}

/// The caller's live sessions, newest first.
pub async fn list_sessions(
    conn: &mut AsyncPgConnection,
    config: &Config,
    principal: &Principal,
    client: &str,
) -> ApiResult<SessionList> {
    limit_caller(conn, config, SESSIONS, principal, client).await?;
    let rows: Vec<SessionRow> = sessions::table
        .filter(sessions::user_id.eq(principal.user_id))
        .filter(sessions::revoked_at.is_null())
        .order((sessions::created_at.desc(), sessions::id.desc()))
        .limit(MAX_SESSIONS)
        .select(SessionRow::as_select())
        .load(conn)
        .await?;
    Ok(SessionList {
        items: rows
            .into_iter()
            .map(|r| SessionView {
                current: r.id == principal.session_id,
                id: r.id,
                created_at: r.created_at,
                last_used_at: r.last_used_at,
                user_agent: r.user_agent,
                client_address: r.client_address,
            })
            .collect(),
    })
}

/// Ends one of the caller's sessions (the current one too: that is signing out); 404 for a
/// session of someone else or one already ended.
pub async fn revoke_session(
    conn: &mut AsyncPgConnection,
    config: &Config,
    cache: &SessionCache,
    principal: &Principal,
    client: &str,
    id: Uuid,
) -> ApiResult<()> {
    limit_caller(conn, config, SESSIONS, principal, client).await?;
    let live: Option<Uuid> = sessions::table
        .filter(sessions::id.eq(id))
        .filter(sessions::user_id.eq(principal.user_id))
        .filter(sessions::revoked_at.is_null())
        .select(sessions::id)
        .first(conn)
        .await
        .optional()?;
    let id = live.ok_or(ApiError::NotFound)?;
    conn.transaction(async |conn| revoke_sessions(conn, &[id]).await)
        .await?;
    cache.forget_session(id);
    Ok(())
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RevokedSessions {
    /// How many sessions ended.
    pub revoked: usize,
}

/// Ends every session of the caller but the current one.
pub async fn revoke_other_sessions(
    conn: &mut AsyncPgConnection,
    config: &Config,
    cache: &SessionCache,
    principal: &Principal,
    client: &str,
) -> ApiResult<RevokedSessions> {
    limit_caller(conn, config, SESSIONS, principal, client).await?;
    let others = conn
        .transaction(async |conn| {
            revoke_user_sessions(conn, principal.user_id, Some(principal.session_id)).await
        })
        .await?;
    for id in &others {
        cache.forget_session(*id);
    }
    Ok(RevokedSessions {
        revoked: others.len(),
    })
}
