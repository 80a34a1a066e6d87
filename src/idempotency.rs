//! `Idempotency-Key` for create requests: the first request with a key runs the creation and its
//! response is saved in the same transaction; a repeat replays the saved response; a repeat
//! with a different body is refused with 422. Concurrent duplicates serialise on the key's
//! primary key, so exactly one creation happens.
//!
//! Every create handler extracts an [`Idempotency`] and hands it to its service, which builds
//! the [`RequestIdentity`] (caller and body fingerprint added) and runs the creation in [`run`].

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::AsyncFunc;
use crate::db::schema::idempotency_keys as ik;
use crate::error::{ApiError, ApiResult};

/// A create response as saved for replay.
#[derive(Debug, Clone)]
pub struct Created {
    pub status: StatusCode,
    pub location: Option<String>,
    /// The JSON body exactly as sent.
    pub body: Vec<u8>,
}

impl Created {
    /// 201 with a `Location` header.
    pub fn new(location: String, body: &impl serde::Serialize) -> ApiResult<Self> {
        Ok(Created::from_bytes(
            location,
            serde_json::to_vec(body).map_err(ApiError::internal)?,
        ))
    }

    /// 201 with already serialised JSON.
    pub fn from_bytes(location: String, body: Vec<u8>) -> Self {
        Created {
            status: StatusCode::CREATED,
            location: Some(location),
            body,
        }
    }

    pub fn into_response(self, replayed: bool) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if let Some(location) = self.location {
            res.insert_header((header::LOCATION, location));
        }
        if replayed {
            res.insert_header(("Idempotent-Replayed", "true"));
        }
        res.content_type("application/json").body(self.body)
    }
}

/// The optional `Idempotency-Key` request header of a create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
pub const IDEMPOTENCY_KEY_MAX_LEN: usize = 255;
/// Visible ASCII (`!` to `~`), as the OpenAPI document states it.
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]+$";

impl IdempotencyKey {
    /// The request's header, if any: 1 to 255 visible ASCII characters, else a 422.
    fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let Some(value) = req.headers().get(IDEMPOTENCY_KEY_HEADER) else {
            return Ok(IdempotencyKey(None));
        };
        match value.to_str() {
            Ok(s)
                if !s.is_empty()
                    && s.len() <= IDEMPOTENCY_KEY_MAX_LEN
                    && s.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                Ok(IdempotencyKey(Some(s.to_owned())))
            }
            _ => Err(ApiError::field(
                IDEMPOTENCY_KEY_HEADER,
                "invalid",
                "must be 1 to 255 visible ASCII characters",
            )),
        }
    }
}

/// The extractor of every create request: its optional `Idempotency-Key` header and the path it
/// was sent to. A bad header is refused (422) before the handler runs.
#[derive(Debug, Clone)]
pub struct Idempotency {
    key: IdempotencyKey,
    path: String,
}

impl FromRequest for Idempotency {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(IdempotencyKey::of(req).map(|key| Idempotency {
            key,
            path: req.path().to_owned(),
        }))
    }
}

impl Idempotency {
    /// The request as [`run`] knows it: a `POST` by `user_id` whose body hashes to
    /// `fingerprint`.
    pub fn identity<'a>(&'a self, user_id: Uuid, fingerprint: &'a [u8; 32]) -> RequestIdentity<'a> {
        RequestIdentity::post(user_id, &self.key, &self.path, fingerprint)
    }

    /// A request to `path` without a key, for callers that are not HTTP requests (the demo
    /// seed): it runs every time.
    pub fn none(path: &str) -> Self {
        Idempotency {
            key: IdempotencyKey(None),
            path: path.to_owned(),
        }
    }
}

/// What identifies a request for replay purposes.
pub struct RequestIdentity<'a> {
    pub user_id: Uuid,
    pub key: &'a IdempotencyKey,
    pub method: &'a str,
    pub path: &'a str,
    pub fingerprint: &'a [u8; 32],
}

impl<'a> RequestIdentity<'a> {
    /// A `POST` (every create is one) by `user_id` to `path`; built only by
    /// [`Idempotency::identity`], so every create names its request the same way.
    fn post(
        user_id: Uuid,
        key: &'a IdempotencyKey,
        path: &'a str,
        fingerprint: &'a [u8; 32],
    ) -> Self {
        RequestIdentity {
            user_id,
            key,
            method: "POST",
            path,
            fingerprint,
        }
    }
}

/// Runs `create` in a transaction, at most once per (user, key). Returns the response and
/// whether it was replayed.
pub async fn run<F>(
    conn: &mut AsyncPgConnection,
    id: RequestIdentity<'_>,
    create: F,
) -> ApiResult<(Created, bool)>
where
    F: for<'c> AsyncFunc<&'c mut AsyncPgConnection, ApiResult<Created>, Fut: Send> + Send,
{
    let Some(key) = id.key.0.as_deref() else {
        let created = conn.transaction(async |conn| create(conn).await).await?;
        return Ok((created, false));
    };
    conn.transaction(async |conn| {
        // Reserve the key; a concurrent holder makes this wait until it commits or rolls back.
        let reserved = diesel::insert_into(ik::table)
            .values((
                ik::user_id.eq(id.user_id),
                ik::idempotency_key.eq(key),
                ik::request_method.eq(id.method),
                ik::request_path.eq(id.path),
                ik::request_hash.eq(id.fingerprint.as_slice()),
                ik::response_status.eq(0i16),
                ik::response_body.eq(Vec::<u8>::new()),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        if reserved == 0 {
            return replay(conn, &id, key).await;
        }
        let created = create(conn).await?;
        diesel::update(ik::table.find((id.user_id, key)))
            .set((
                ik::response_status.eq(created.status.as_u16() as i16),
                ik::response_location.eq(created.location.as_deref()),
                ik::response_body.eq(&created.body),
            ))
            .execute(conn)
            .await?;
        Ok((created, false))
    })
    .await
}

async fn replay(
    conn: &mut AsyncPgConnection,
    id: &RequestIdentity<'_>,
    key: &str,
) -> ApiResult<(Created, bool)> {
    let (method, path, hash, status, location, body): (
        String,
        String,
        Vec<u8>,
        i16,
        Option<String>,
        Vec<u8>,
    ) = ik::table
        .find((id.user_id, key))
        .select((
            ik::request_method,
            ik::request_path,
            ik::request_hash,
            ik::response_status,
            ik::response_location,
            ik::response_body,
        ))
        .first(conn)
        .await?;
    if method != id.method || path != id.path || hash.as_slice() != id.fingerprint.as_slice() {
        return Err(ApiError::field(
            "Idempotency-Key",
            "reused",
            "this key was already used with a different request; use a new key",
        ));
    }
    let status = StatusCode::from_u16(status as u16)
        .map_err(|_| ApiError::internal("saved idempotent response has no status"))?;
    Ok((
        Created {
            status,
            location,
            body,
        },
        true,
    ))
}
