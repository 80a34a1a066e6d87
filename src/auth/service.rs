//! Registration, login with throttling, refresh-token rotation with reuse detection, logout,
//! and staff accounts created by an admin.

use base64::Engine;
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::api::*;
use super::jwt::JwtKeys;
use super::model::{Membership, Organisation, RefreshToken, User};
use super::sessions::SessionCache;
use super::{OrganisationKind, PLATFORM_ORGANISATION_ID, Principal, Role, password};
use crate::config::Config;
use crate::db::schema::{
    login_throttle, memberships, organisations, refresh_tokens, sessions, users,
};
use crate::error::{ApiError, ApiResult, Validator};
use crate::http::Json;
use crate::idempotency::{self, Created, Idempotency};

const BAD_CREDENTIALS: &str = "the email or password is incorrect";

/// Lower-cases and checks an email address (one `@`, a dotted domain, no spaces).
pub fn parse_email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && local.len() <= 64
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(email)
    } else {
        Err("must be an email address like name@example.com".into())
    }
}

pub fn parse_name(raw: &str, max: usize) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        Err("must not be empty".into())
    } else if name.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else {
        Ok(name.to_owned())
    }
}

pub fn parse_country(raw: &str) -> Result<String, String> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err("must be an ISO 3166-1 alpha-2 country code such as IN or CN".into())
    }
}

pub(super) fn refresh_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub(super) fn new_refresh_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

pub(super) fn user_view(user: &User, membership: &Membership) -> ApiResult<UserView> {
    Ok(UserView {
        id: user.id,
        email: user.email.clone(),
        full_name: user.full_name.clone(),
        role: Role::parse(&membership.role)
            .ok_or_else(|| ApiError::internal(format!("unknown role {}", membership.role)))?,
        organisation_id: membership.organisation_id,
        disabled_at: user.disabled_at,
        email_verified_at: user.email_verified_at,
        created_at: user.created_at,
    })
}

fn organisation_view(org: &Organisation) -> ApiResult<OrganisationView> {
    Ok(OrganisationView {
        id: org.id,
        kind: OrganisationKind::parse(&org.kind)
            .ok_or_else(|| ApiError::internal(format!("unknown organisation kind {}", org.kind)))?,
        name: org.name.clone(),
        country_code: org.country_code.clone(),
        home_jurisdiction: org.home_jurisdiction.clone(),
    })
}

struct NewAccount {
    email: String,
    password: String,
    full_name: String,
}

fn check_account(v: &mut Validator, email: &str, pwd: &str, full_name: &str) -> Option<NewAccount> {
    let email = v.check("email", parse_email(email));
    let pwd_ok = v.check("password", password::check_policy(pwd));
    let full_name = v.check("full_name", parse_name(full_name, 200));
    Some(NewAccount {
        email: email?,
        password: pwd_ok.map(|_| pwd.to_owned())?,
        full_name: full_name?,
    })
}

async fn insert_user(
    conn: &mut AsyncPgConnection,
    account: NewAccount,
    password_hash: String,
    role: Role,
    org: &Organisation,
    verified: bool,
) -> ApiResult<(User, Membership)> {
    let now = Utc::now();
    let user = User {
        email_verified_at: verified.then_some(now),
        id: Uuid::now_v7(),
        email: account.email,
        password_hash,
        full_name: account.full_name,
        home_jurisdiction: org.home_jurisdiction.clone(),
        disabled_at: None,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(users::table)
        .values(&user)
        .execute(conn)
        .await
        .map_err(email_taken)?;
    let membership = Membership {
        user_id: user.id,
        organisation_id: org.id,
        role: role.as_str().to_owned(),
        home_jurisdiction: org.home_jurisdiction.clone(),
        created_at: now,
    };
    diesel::insert_into(memberships::table)
        .values(&membership)
        .execute(conn)
        .await?;
    Ok((user, membership))
}

fn email_taken(e: diesel::result::Error) -> ApiError {
    match ApiError::from(e) {
        ApiError::Conflict(_) => {
            ApiError::Conflict("this email address cannot be registered".into())
        }
        other => other,
    }
}

/// A checked registration, its password hashed.
pub struct NewRegistration {
    account: NewAccount,
    organisation_name: String,
    country: String,
    kind: SelfServiceKind,
    password_hash: String,
}

/// Checks a registration and hashes its password (before any connection is taken).
pub async fn check_registration(
    config: &Config,
    req: RegisterRequest,
) -> ApiResult<NewRegistration> {
    let mut v = Validator::new();
    let account = check_account(&mut v, &req.email, &req.password, &req.full_name);
    let org_name = v.check("organisation.name", parse_name(&req.organisation.name, 200));
    let country = v.check(
        "organisation.country_code",
        parse_country(&req.organisation.country_code),
    );
    if let (SelfServiceKind::Seller, Some(c)) = (req.organisation.kind, &country) {
        let served: Vec<String> = config.in_country_map().into_keys().collect();
        if !served.contains(c) {
            v.push(
                "organisation.country_code",
                "unsupported_jurisdiction",
                format!("sellers can register from {} only", served.join(", ")),
            );
        }
    }
    v.finish()?;
    let (Some(account), Some(organisation_name), Some(country)) = (account, org_name, country)
    else {
        return Err(ApiError::internal("validator passed with missing values"));
    };
    // Hashed whether or not the address is taken: both answers take as long.
    let password_hash = password::hash(account.password.clone()).await?;
    Ok(NewRegistration {
        account,
        organisation_name,
        country,
        kind: req.organisation.kind,
        password_hash,
    })
}

/// Creates the organisation and its first user (in the caller's transaction); `verified` for
/// accounts whose address needs no proof (the demo data).
pub async fn create_account(
    conn: &mut AsyncPgConnection,
    new: NewRegistration,
    verified: bool,
) -> ApiResult<(User, MeResponse)> {
    let (kind, role) = match new.kind {
        SelfServiceKind::Seller => (OrganisationKind::Seller, Role::Seller),
        SelfServiceKind::Buyer => (OrganisationKind::Buyer, Role::Buyer),
    };
    let now = Utc::now();
    let org = Organisation {
        id: Uuid::now_v7(),
        kind: kind.as_str().to_owned(),
        name: new.organisation_name,
        country_code: new.country.clone(),
        home_jurisdiction: new.country,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(organisations::table)
        .values(&org)
        .execute(conn)
        .await?;
    let (user, membership) =
        insert_user(conn, new.account, new.password_hash, role, &org, verified).await?;
    let me = MeResponse {
        user: user_view(&user, &membership)?,
        organisation: organisation_view(&org)?,
    };
    Ok((user, me))
}

/// Self-service registration of a seller or buyer with its organisation. The answer is the
/// same whether or not the address is taken (no enumeration): a new account gets a
/// verification mail, the owner of a taken address a "someone tried to register" mail.
pub async fn register(
    stores: &crate::db::Stores,
    config: &Config,
    client: &str,
    req: RegisterRequest,
) -> ApiResult<()> {
    // Counted before the password is hashed: requests over the limit cost no argon2. (A request
    // whose address cannot be read is refused by the checks without being counted.)
    if let Ok(email) = parse_email(&req.email) {
        let mut conn = stores.platform().await?;
        super::accounts::limit(&mut conn, config, super::accounts::REGISTER, &email, client)
            .await?;
    }
    let new = check_registration(config, req).await?;
    let mut conn = stores.platform().await?;
    let outcome = conn
        .transaction(async |conn| {
            let taken: Option<User> = users::table
                .filter(users::email.eq(&new.account.email))
                .select(User::as_select())
                .first(conn)
                .await
                .optional()?;
            if let Some(owner) = taken {
                return super::accounts::send_email_taken(conn, config, &owner).await;
            }
            let (user, _) = create_account(conn, new, false).await?;
            super::accounts::send_verification(conn, config, &user).await
        })
        .await;
    match outcome {
        // A registration of the same address committed first: it got the mail.
        Err(ApiError::Conflict(_)) => Ok(()),
        other => other,
    }
}

/// Counts an attempt (a login, before the password is checked; an account action of
/// `accounts::limit`) in one statement, so that parallel attempts cannot slip past the limit:
/// once for (key, client address) and, unless that address is already over `per_address`, once
/// for the key across addresses (`*`). Refuses when either count is over its limit.
pub(super) async fn throttle(
    conn: &mut AsyncPgConnection,
    window_secs: i64,
    email_key: &str,
    client: &str,
    per_address: i32,
    per_account: i32,
) -> ApiResult<()> {
    #[derive(QueryableByName)]
    struct Counts {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        address_attempts: i32,
        #[diesel(sql_type = diesel::sql_types::Double)]
        address_left: f64,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
        account_attempts: Option<i32>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
        account_left: Option<f64>,
    }
    // One more attempt in the row's window, or the first of a fresh window once it has ended.
    macro_rules! count_attempt {
        () => {
            "ON CONFLICT (email_key, client_key) DO UPDATE SET
               attempts = CASE WHEN t.window_started_at < now() - make_interval(secs => $3)
                               THEN 1 ELSE t.attempts + 1 END,
               window_started_at = CASE WHEN t.window_started_at < now() - make_interval(secs => $3)
                               THEN now() ELSE t.window_started_at END
             RETURNING attempts, window_started_at"
        };
    }
    let counts: Counts = diesel::sql_query(concat!(
        "WITH address AS (
           INSERT INTO login_throttle AS t (email_key, client_key, attempts, window_started_at)
           VALUES ($1, $2, 1, now()) ",
        count_attempt!(),
        "), account AS (
           INSERT INTO login_throttle AS t (email_key, client_key, attempts, window_started_at)
           SELECT $1, '*', 1, now() FROM address WHERE address.attempts <= $4 ",
        count_attempt!(),
        ")
         SELECT a.attempts AS address_attempts,
                extract(epoch FROM a.window_started_at + make_interval(secs => $3) - now())::float8
                  AS address_left,
                c.attempts AS account_attempts,
                extract(epoch FROM c.window_started_at + make_interval(secs => $3) - now())::float8
                  AS account_left
         FROM address a LEFT JOIN account c ON true",
    ))
    .bind::<diesel::sql_types::Text, _>(email_key)
    .bind::<diesel::sql_types::Text, _>(client)
    .bind::<diesel::sql_types::Double, _>(window_secs as f64)
    .bind::<diesel::sql_types::Integer, _>(per_address)
    .get_result(conn)
    .await?;
    let refused = if counts.address_attempts > per_address {
        Some(counts.address_left)
    } else if counts.account_attempts.unwrap_or(0) > per_account {
        counts.account_left
    } else {
        None
    };
    match refused {
        Some(left) => Err(ApiError::TooManyRequests {
            retry_after_secs: left.ceil().max(1.0) as u64,
        }),
        None => Ok(()),
    }
}

/// A successful login clears its address's count and takes itself off the account's count.
async fn throttle_success(
    conn: &mut AsyncPgConnection,
    email_key: &str,
    client: &str,
) -> ApiResult<()> {
    diesel::delete(login_throttle::table.find((email_key, client)))
        .execute(conn)
        .await?;
    diesel::update(login_throttle::table.find((email_key, "*")))
        .set(
            login_throttle::attempts.eq(diesel::dsl::sql::<diesel::sql_types::Integer>(
                "greatest(attempts - 1, 0)",
            )),
        )
        .execute(conn)
        .await?;
    Ok(())
}

pub(super) async fn load_account(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
) -> ApiResult<(User, Membership, Organisation)> {
    let (user, membership): (User, Membership) = users::table
        .inner_join(memberships::table)
        .filter(users::id.eq(user_id))
        .select((User::as_select(), Membership::as_select()))
        .first(conn)
        .await?;
    let org: Organisation = organisations::table
        .find(membership.organisation_id)
        .select(Organisation::as_select())
        .first(conn)
        .await?;
    Ok((user, membership, org))
}

async fn issue_tokens(
    conn: &mut AsyncPgConnection,
    keys: &JwtKeys,
    config: &Config,
    membership: &Membership,
    session_id: Uuid,
) -> ApiResult<TokenResponse> {
    let role = Role::parse(&membership.role)
        .ok_or_else(|| ApiError::internal(format!("unknown role {}", membership.role)))?;
    let refresh_token = new_refresh_token();
    let now = Utc::now();
    diesel::insert_into(refresh_tokens::table)
        .values(&RefreshToken {
            id: Uuid::now_v7(),
            family_id: session_id,
            user_id: membership.user_id,
            token_hash: refresh_hash(&refresh_token),
            issued_at: now,
            expires_at: now + Duration::seconds(config.refresh_token_ttl_secs),
            rotated_at: None,
            revoked_at: None,
        })
        .execute(conn)
        .await?;
    Ok(TokenResponse {
        access_token: keys.issue(
            membership.user_id,
            membership.organisation_id,
            role,
            session_id,
        )?,
        token_type: "Bearer".into(),
        expires_in: keys.ttl_secs(),
        refresh_token,
        refresh_expires_in: config.refresh_token_ttl_secs,
    })
}

/// Where a request came from, as a session records it.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    /// The peer address.
    pub address: String,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// The user agent, at most 512 characters.
    fn user_agent(&self) -> Option<String> {
        self.user_agent
            .as_ref()
            .map(|ua| ua.chars().take(512).collect())
    }
}

/// Logs in `from` a client, starting a new session.
pub async fn login(
    conn: &mut AsyncPgConnection,
    keys: &JwtKeys,
    config: &Config,
    req: LoginRequest,
    from: &ClientInfo,
) -> ApiResult<TokenResponse> {
    let client = from.address.as_str();
    let email_key = req.email.trim().to_lowercase();
    if email_key.is_empty() || req.password.is_empty() || email_key.len() > 254 {
        return Err(ApiError::Unauthorized(BAD_CREDENTIALS.into()));
    }
    throttle(
        conn,
        config.login_window_secs,
        &email_key,
        client,
        config.login_max_failures,
        config.login_account_max_failures,
    )
    .await?;
    let found: Option<(User, Membership)> = users::table
        .inner_join(memberships::table)
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(users.email) = ")
                .bind::<diesel::sql_types::Text, _>(&email_key),
        )
        .select((User::as_select(), Membership::as_select()))
        .first(conn)
        .await
        .optional()?;
    let stored = found
        .as_ref()
        .filter(|(u, _)| u.disabled_at.is_none())
        .map(|(u, _)| u.password_hash.clone());
    if !password::verify(req.password, stored).await? {
        return Err(ApiError::Unauthorized(BAD_CREDENTIALS.into()));
    }
    let Some((_, membership)) = found else {
        return Err(ApiError::Unauthorized(BAD_CREDENTIALS.into()));
    };
    throttle_success(conn, &email_key, client).await?;
    conn.transaction(async |conn| {
        let session_id = Uuid::now_v7();
        diesel::insert_into(sessions::table)
            .values((
                sessions::id.eq(session_id),
                sessions::user_id.eq(membership.user_id),
                sessions::user_agent.eq(from.user_agent()),
                sessions::client_address.eq(client),
            ))
            .execute(conn)
            .await?;
        issue_tokens(conn, keys, config, &membership, session_id).await
    })
    .await
}

enum RefreshOutcome {
    Issued(TokenResponse),
    Refused,
    /// Refused, and the session was revoked.
    Revoked(Uuid),
}

const REFRESH_REFUSED: &str = "the refresh token is invalid, expired or revoked; log in again";

/// Rotates a refresh token. Presenting one again within `refresh_reuse_grace_secs` of its
/// rotation is a client retrying (a lost answer, parallel refreshes) and gets a fresh pair of
/// the same session; later it means the token leaked: the whole session is revoked.
pub async fn refresh(
    conn: &mut AsyncPgConnection,
    keys: &JwtKeys,
    config: &Config,
    cache: &SessionCache,
    req: RefreshRequest,
    client: &ClientInfo,
) -> ApiResult<TokenResponse> {
    let hash = refresh_hash(req.refresh_token.trim());
    let grace = Duration::seconds(config.refresh_reuse_grace_secs);
    let outcome = conn
        .transaction(async |conn| {
            let token: Option<RefreshToken> = refresh_tokens::table
                .filter(refresh_tokens::token_hash.eq(&hash))
                .select(RefreshToken::as_select())
                .for_update()
                .first(conn)
                .await
                .optional()?;
            let Some(token) = token else {
                return Ok(RefreshOutcome::Refused);
            };
            let now = Utc::now();
            if token.revoked_at.is_some() || token.expires_at <= now {
                return Ok(RefreshOutcome::Refused);
            }
            match token.rotated_at {
                Some(rotated) if now < rotated + grace => {
                    tracing::info!(session = %token.family_id, "refresh token presented again within the grace window");
                }
                Some(_) => {
                    tracing::warn!(session = %token.family_id, user = %token.user_id, "refresh token reuse: revoking the session");
                    revoke_session(conn, token.family_id).await?;
                    return Ok(RefreshOutcome::Revoked(token.family_id));
                }
                None => {
                    diesel::update(refresh_tokens::table.find(token.id))
                        .set(refresh_tokens::rotated_at.eq(now))
                        .execute(conn)
                        .await?;
                }
            }
            let (user, membership, _) = load_account(conn, token.user_id).await?;
            if user.disabled_at.is_some() {
                revoke_session(conn, token.family_id).await?;
                return Ok(RefreshOutcome::Revoked(token.family_id));
            }
            diesel::update(sessions::table.find(token.family_id))
                .set((
                    sessions::last_used_at.eq(now),
                    sessions::client_address.eq(&client.address),
                ))
                .execute(conn)
                .await?;
            let tokens = issue_tokens(conn, keys, config, &membership, token.family_id).await?;
            Ok::<_, ApiError>(RefreshOutcome::Issued(tokens))
        })
        .await?;
    match outcome {
        RefreshOutcome::Issued(tokens) => Ok(tokens),
        RefreshOutcome::Refused => Err(ApiError::Unauthorized(REFRESH_REFUSED.into())),
        RefreshOutcome::Revoked(session) => {
            cache.forget_session(session);
            Err(ApiError::Unauthorized(REFRESH_REFUSED.into()))
        }
    }
}

/// Revokes a session and its refresh tokens; the caller forgets it in the cache after commit.
async fn revoke_session(conn: &mut AsyncPgConnection, session: Uuid) -> ApiResult<()> {
    revoke_sessions(conn, &[session]).await
}

/// Revokes every live session of a user but `keep` (the caller's own, when it stays signed
/// in), and their refresh tokens; returns the sessions it ended. The caller forgets the user in
/// the cache after commit.
pub(super) async fn revoke_user_sessions(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    keep: Option<Uuid>,
) -> ApiResult<Vec<Uuid>> {
    let live: Vec<Uuid> = sessions::table
        .filter(sessions::user_id.eq(user))
        .filter(sessions::revoked_at.is_null())
        .select(sessions::id)
        .for_update()
        .load(conn)
        .await?;
    let ended: Vec<Uuid> = live.into_iter().filter(|id| Some(*id) != keep).collect();
    revoke_sessions(conn, &ended).await?;
    Ok(ended)
}

/// Revokes the sessions `ids` and their refresh tokens (a session's id is its token family),
/// in one statement; those revoked already keep their time.
pub(super) async fn revoke_sessions(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> ApiResult<()> {
    use diesel::sql_types::{Array, Timestamptz, Uuid as SqlUuid};
    diesel::sql_query(
        "WITH revoked AS (UPDATE sessions SET revoked_at = $1
                          WHERE id = ANY($2) AND revoked_at IS NULL)
         UPDATE refresh_tokens SET revoked_at = $1
         WHERE family_id = ANY($2) AND revoked_at IS NULL",
    )
    .bind::<Timestamptz, _>(Utc::now())
    .bind::<Array<SqlUuid>, _>(ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends the session the refresh token belongs to, its access tokens included. Unknown tokens
/// are ignored.
pub async fn logout(
    conn: &mut AsyncPgConnection,
    cache: &SessionCache,
    req: RefreshRequest,
) -> ApiResult<()> {
    let session: Option<Uuid> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(refresh_hash(req.refresh_token.trim())))
        .select(refresh_tokens::family_id)
        .first(conn)
        .await
        .optional()?;
    if let Some(session) = session {
        conn.transaction(async |conn| revoke_session(conn, session).await)
            .await?;
        cache.forget_session(session);
    }
    Ok(())
}

pub async fn me(conn: &mut AsyncPgConnection, principal: &Principal) -> ApiResult<MeResponse> {
    let (user, membership, org) = load_account(conn, principal.user_id).await?;
    if user.disabled_at.is_some() {
        return Err(ApiError::Unauthorized("this account is disabled".into()));
    }
    Ok(MeResponse {
        user: user_view(&user, &membership)?,
        organisation: organisation_view(&org)?,
    })
}

/// The organisation a user of `role` joins: it must exist and be of the role's kind (reported
/// on `organisation_id`). `None` when `id` is `None` or the check failed.
pub(super) async fn organisation_for(
    conn: &mut AsyncPgConnection,
    v: &mut Validator,
    role: Role,
    id: Option<Uuid>,
) -> ApiResult<Option<Organisation>> {
    let Some(id) = id else { return Ok(None) };
    let org: Option<Organisation> = organisations::table
        .find(id)
        .select(Organisation::as_select())
        .first(conn)
        .await
        .optional()?;
    match org {
        None => {
            v.push("organisation_id", "not_found", "no such organisation");
            Ok(None)
        }
        Some(o) if o.kind != role.organisation_kind().as_str() => {
            v.push(
                "organisation_id",
                "wrong_kind",
                format!(
                    "a {} must belong to a {} organisation",
                    role.as_str(),
                    role.organisation_kind().as_str()
                ),
            );
            Ok(None)
        }
        Some(o) => Ok(Some(o)),
    }
}

/// Creates a staff account for an admin (once per `Idempotency-Key`). The request is checked
/// before the key is reserved.
pub async fn create_user(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    key: &Idempotency,
    req: Json<CreateUserRequest>,
) -> ApiResult<(Created, bool)> {
    principal.require(&[Role::Admin])?;
    let (staff, org) = check_staff_request(conn, &req).await?;
    let identity = key.identity(principal.user_id, &req.fingerprint);
    idempotency::run(conn, identity, async |conn| {
        let user = create_staff(conn, staff, req.role, &org).await?;
        Created::new(format!("/v1/admin/users/{}", user.id), &user)
    })
    .await
}

/// Checks a staff-account request; returns the account and the organisation it joins.
pub async fn check_staff_request(
    conn: &mut AsyncPgConnection,
    req: &CreateUserRequest,
) -> ApiResult<(NewStaff, Organisation)> {
    let mut v = Validator::new();
    let account = check_account(&mut v, &req.email, &req.password, &req.full_name);
    let org_id = match (req.role, req.organisation_id) {
        (Role::Seller | Role::Buyer, _) => {
            v.push(
                "role",
                "self_service",
                "sellers and buyers register themselves",
            );
            None
        }
        (Role::VettingOfficer, None) => {
            v.push(
                "organisation_id",
                "required",
                "a vetting officer belongs to a vetting body",
            );
            None
        }
        (Role::VettingOfficer, Some(id)) => Some(id),
        (Role::Admin | Role::Auditor, None) => Some(PLATFORM_ORGANISATION_ID),
        (Role::Admin | Role::Auditor, Some(id)) if id == PLATFORM_ORGANISATION_ID => Some(id),
        (Role::Admin | Role::Auditor, Some(_)) => {
            v.push(
                "organisation_id",
                "invalid",
                "admins and auditors belong to the platform organisation",
            );
            None
        }
    };
    let org = organisation_for(conn, &mut v, req.role, org_id).await?;
    v.finish()?;
    match (account, org) {
        (Some(account), Some(org)) => Ok((NewStaff(account), org)),
        _ => Err(ApiError::internal("validator passed with missing values")),
    }
}

/// A checked staff account waiting to be created.
pub struct NewStaff(NewAccount);

/// Creates a staff account (inside the caller's transaction).
pub async fn create_staff(
    conn: &mut AsyncPgConnection,
    staff: NewStaff,
    role: Role,
    org: &Organisation,
) -> ApiResult<UserView> {
    let hash = password::hash(staff.0.password.clone()).await?;
    // An admin vouches for a staff member's address.
    let (user, membership) = insert_user(conn, staff.0, hash, role, org, true).await?;
    user_view(&user, &membership)
}

/// Creates the first admin from the command line; idempotent on the email.
pub async fn bootstrap_admin(
    conn: &mut AsyncPgConnection,
    email: &str,
    password_plain: &str,
    full_name: &str,
) -> ApiResult<UserView> {
    let req = CreateUserRequest {
        email: email.to_owned(),
        password: password_plain.to_owned(),
        full_name: full_name.to_owned(),
        role: Role::Admin,
        organisation_id: None,
    };
    let (staff, org) = check_staff_request(conn, &req).await?;
    conn.transaction(async |conn| create_staff(conn, staff, Role::Admin, &org).await)
        .await
}

/// Staff and auditors may read any user; everyone else only themselves.
pub async fn get_user(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<UserView> {
    if principal.user_id != id {
        principal.require(&[Role::Admin, Role::Auditor])?;
    }
    let (user, membership, _) = load_account(conn, id).await?;
    user_view(&user, &membership)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            parse_email("  Owner@Example.COM ").unwrap(),
            "owner@example.com"
        );
        for bad in [
            "",
            "no-at",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "@c.com",
            "a@.com",
            "a@c.com.",
        ] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn countries_are_two_letters() {
        assert_eq!(parse_country("in").unwrap(), "IN");
        assert!(parse_country("IND").is_err());
        assert!(parse_country("1N").is_err());
    }
}
