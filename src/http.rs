//! HTTP plumbing shared by every route: the JSON extractor with field-level errors, the
//! `Idempotency-Key` header, ETags, and the fallback that answers 404 / 405.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, FieldError};

/// A JSON body: `application/json`, size-capped, with serde failures turned into 400 (not JSON)
/// or 422 (JSON of the wrong shape, naming the field). Keeps a fingerprint of the exact bytes
/// for idempotency checks.
pub struct Json<T> {
    pub value: T,
    pub fingerprint: [u8; 32],
}

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Reads the whole body, refusing more than `limit` bytes with 413.
pub async fn read_body(payload: &mut Payload, limit: usize) -> Result<web::BytesMut, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("cannot read body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(format!(
                "the body exceeds the limit of {limit} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Whether a JSON text contains an escaped NUL character (`\u0000`) in a string: PostgreSQL
/// text cannot hold it, so it is refused up front rather than failing at the database.
fn has_escaped_nul(bytes: &[u8]) -> bool {
    bytes.windows(6).enumerate().any(|(i, w)| {
        if !w.eq_ignore_ascii_case(b"\\u0000") {
            return false;
        }
        // The backslash starts an escape only if an even number of backslashes precede it.
        let preceding = bytes[..i].iter().rev().take_while(|b| **b == b'\\').count();
        preceding % 2 == 0
    })
}

/// Parses JSON bytes into `T`, mapping syntax errors to 400 and shape errors to 422.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if has_escaped_nul(bytes) {
        return Err(ApiError::field(
            "body",
            "nul_character",
            "text must not contain the NUL character (\\u0000)",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        use serde_json::error::Category;
        match inner.classify() {
            Category::Syntax | Category::Eof | Category::Io => {
                ApiError::BadRequest(format!("the body is not valid JSON: {inner}"))
            }
            Category::Data => {
                let message = strip_position(&inner.to_string());
                // A missing field is reported at its parent; name it.
                let field = match (message.strip_prefix("missing field `"), path.as_str()) {
                    (Some(rest), ".") => rest.trim_end_matches('`').to_owned(),
                    (Some(rest), parent) => format!("{parent}.{}", rest.trim_end_matches('`')),
                    (None, ".") => "body".to_owned(),
                    (None, p) => p.to_owned(),
                };
                ApiError::Validation(vec![FieldError::new(field, "invalid", message)])
            }
        }
    })
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.config.json_limit)
            .unwrap_or(256 * 1024);
        let declared_too_large = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|len| len > limit);
        let mut payload = payload.take();
        Box::pin(async move {
            if declared_too_large {
                return Err(ApiError::PayloadTooLarge(format!(
                    "the body exceeds the limit of {limit} bytes"
                )));
            }
            if !json {
                return Err(ApiError::UnsupportedMediaType(
                    "send the body as application/json".into(),
                ));
            }
            let body = read_body(&mut payload, limit).await?;
            Ok(Json {
                value: parse_json(&body)?,
                fingerprint: Sha256::digest(&body).into(),
            })
        })
    }
}

/// The optional `Idempotency-Key` request header of a create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
pub const IDEMPOTENCY_KEY_MAX_LEN: usize = 255;
/// Visible ASCII (`!` to `~`), as the OpenAPI document states it.
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]+$";

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = match req.headers().get(IDEMPOTENCY_KEY_HEADER) {
            None => Ok(IdempotencyKey(None)),
            Some(v) => match v.to_str() {
                Ok(s)
                    if !s.is_empty()
                        && s.len() <= IDEMPOTENCY_KEY_MAX_LEN
                        && s.bytes().all(|b| b.is_ascii_graphic()) =>
                {
                    Ok(IdempotencyKey(Some(s.to_owned())))
                }
                _ => Err(ApiError::field(
                    "Idempotency-Key",
                    "invalid",
                    "must be 1 to 255 visible ASCII characters",
                )),
            },
        };
        std::future::ready(key)
    }
}

/// The `If-Match` request header of an update: absent, `*`, or a list of entity tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    Absent,
    Any,
    Tags(Vec<String>),
}

impl IfMatch {
    /// Parses the header value (comma-separated entity tags, or `*`).
    pub fn parse(value: &str) -> IfMatch {
        let value = value.trim();
        if value == "*" {
            return IfMatch::Any;
        }
        IfMatch::Tags(
            value
                .split(',')
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect(),
        )
    }

    /// Whether the precondition holds for the current strong ETag. Weak tags never match
    /// (If-Match uses the strong comparison).
    pub fn matches(&self, current: &str) -> bool {
        match self {
            IfMatch::Absent => false,
            IfMatch::Any => true,
            IfMatch::Tags(tags) => tags.iter().any(|t| t == current),
        }
    }

    /// For updates that must be conditional: 428 without the header, 412 when it is stale.
    pub fn require(&self, current: &str) -> Result<(), ApiError> {
        match self {
            IfMatch::Absent => Err(ApiError::PreconditionRequired(
                "send If-Match with the ETag of the version you are changing".into(),
            )),
            _ => self.check_if_present(current),
        }
    }

    /// For updates where the header is optional: 412 only when present and stale.
    pub fn check_if_present(&self, current: &str) -> Result<(), ApiError> {
        if matches!(self, IfMatch::Absent) || self.matches(current) {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed(
                "the resource has changed since you read it; fetch it again".into(),
            ))
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let mut values = req.headers().get_all(header::IF_MATCH).peekable();
        if values.peek().is_none() {
            return std::future::ready(Ok(IfMatch::Absent));
        }
        let mut tags = Vec::new();
        for value in values {
            match value.to_str().map(IfMatch::parse) {
                Ok(IfMatch::Any) => return std::future::ready(Ok(IfMatch::Any)),
                Ok(IfMatch::Tags(t)) => tags.extend(t),
                Ok(IfMatch::Absent) => {}
                Err(_) => {
                    return std::future::ready(Err(ApiError::BadRequest(
                        "If-Match must be visible ASCII".into(),
                    )));
                }
            }
        }
        std::future::ready(Ok(IfMatch::Tags(tags)))
    }
}

/// Known route patterns and their methods, taken from the OpenAPI document, so that the
/// fallback can tell "no such resource" (404) from "wrong method" (405).
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<String>)>,
}

impl RouteTable {
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods: Vec<String> = Vec::new();
                let ops = [
                    ("GET", &item.get),
                    ("POST", &item.post),
                    ("PUT", &item.put),
                    ("PATCH", &item.patch),
                    ("DELETE", &item.delete),
                ];
                for (name, op) in ops {
                    if op.is_some() {
                        methods.push(name.to_owned());
                    }
                }
                // Every GET route answers HEAD too (`head_as_get`).
                if item.get.is_some() {
                    methods.push("HEAD".to_owned());
                }
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        RouteTable { routes }
    }

    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let mut allow: Vec<String> = self
            .routes
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .flat_map(|(_, m)| m.iter().cloned())
            .collect();
        if allow.is_empty() {
            return None;
        }
        allow.sort();
        allow.dedup();
        Some(allow)
    }
}

/// Fallback for every request no route took.
pub async fn fallback(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    match table.allowed(req.path()) {
        Some(allow) => Err(ApiError::MethodNotAllowed { allow }),
        None => Err(ApiError::NotFound),
    }
}

/// Bad path parameters (e.g. a malformed id) mean the resource does not exist.
pub fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    tracing::debug!(error = %err, "bad path parameter");
    ApiError::NotFound.into()
}

pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::field("query", "invalid", strip_position(&err.to_string())).into()
}

/// Cursor paging parameters shared by every list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
}

pub const MAX_PAGE_SIZE: i64 = 200;

impl PageParams {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(50),
            Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::field(
                "limit",
                "out_of_range",
                format!("must be 1 to {MAX_PAGE_SIZE}"),
            )),
        }
    }

    /// The cursor is the last id of the previous page (ids are time-ordered UUID v7).
    pub fn cursor(&self) -> Result<Option<uuid::Uuid>, ApiError> {
        self.cursor
            .as_deref()
            .map(|c| {
                c.parse()
                    .map_err(|_| ApiError::field("cursor", "invalid", "not a cursor from this API"))
            })
            .transpose()
    }
}

/// One page of a list; `next_cursor` is absent on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched newest first.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> uuid::Uuid) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| id(r).to_string())
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

/// A strong ETag for a resource version.
pub fn etag(version: impl std::fmt::Display) -> String {
    format!("\"{version}\"")
}

/// Answers `HEAD` like `GET` (RFC 9110 §9.3.2) on every route: the request is routed as a GET,
/// and actix's HTTP/1 encoder, which saw the original method, sends the headers (with the
/// GET's `Content-Length`) and no body.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// Gives the client `body_timeout_ms` from the end of its headers to deliver the whole body:
/// the payload stream fails at the deadline, whoever reads it (JSON extractor, multipart
/// upload), and the answer is then 408 with the connection closed.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let timeout = req
        .app_data::<web::Data<AppState>>()
        .map(|s| Duration::from_millis(s.config.body_timeout_ms));
    let (Some(timeout), false) = (timeout, matches!(req.parts().1, Payload::None)) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let expired = Rc::new(Cell::new(false));
    let stream = DeadlinePayload {
        inner: req.parts_mut().1.take(),
        at: tokio::time::Instant::now() + timeout,
        sleep: None,
        expired: expired.clone(),
    };
    req.set_payload(Payload::Stream {
        payload: Box::pin(stream),
    });
    let res = next.call(req).await?;
    if !expired.get() {
        return Ok(res.map_into_boxed_body());
    }
    let (req, _) = res.into_parts();
    let mut answer = actix_web::ResponseError::error_response(&ApiError::RequestTimeout(format!(
        "the request body did not arrive within {} ms",
        timeout.as_millis()
    )));
    answer
        .head_mut()
        .set_connection_type(actix_web::http::ConnectionType::Close);
    Ok(ServiceResponse::new(req, answer))
}

/// A request payload that fails once its deadline has passed.
struct DeadlinePayload {
    inner: Payload,
    at: tokio::time::Instant,
    /// Created on the first wait only: bodies that are already buffered cost no timer.
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    expired: Rc<Cell<bool>>,
}

impl futures_util::Stream for DeadlinePayload {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.expired.get() {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = this.inner.poll_next_unpin(cx) {
            return Poll::Ready(item);
        }
        let at = this.at;
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        match sleep.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => {
                this.expired.set(true);
                Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "request body deadline passed",
                )))))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        count: u32,
        inner: Inner,
    }

    fn field_of(e: ApiError) -> String {
        match e {
            ApiError::Validation(errors) => errors[0].field.clone(),
            other => panic!("expected validation, got {other:?}"),
        }
    }

    #[test]
    fn if_match_compares_strongly() {
        let current = etag(3);
        assert!(IfMatch::parse("\"3\"").matches(&current));
        assert!(IfMatch::parse("\"1\", \"3\"").matches(&current));
        assert!(IfMatch::parse("*").matches(&current));
        assert!(!IfMatch::parse("W/\"3\"").matches(&current));
        assert!(!IfMatch::parse("\"2\"").matches(&current));
        assert!(matches!(
            IfMatch::Absent.require(&current),
            Err(ApiError::PreconditionRequired(_))
        ));
        assert!(matches!(
            IfMatch::parse("\"2\"").require(&current),
            Err(ApiError::PreconditionFailed(_))
        ));
        assert!(IfMatch::Absent.check_if_present(&current).is_ok());
    }

    #[test]
    fn pages_are_bounded_and_cursors_checked() {
        let q = |limit: Option<i64>, cursor: Option<&str>| PageParams {
            limit,
            cursor: cursor.map(str::to_owned),
        };
        assert_eq!(q(None, None).limit().unwrap(), 50);
        assert_eq!(q(Some(200), None).limit().unwrap(), 200);
        assert!(q(Some(0), None).limit().is_err());
        assert!(q(Some(201), None).limit().is_err());
        assert!(q(None, Some("nope")).cursor().is_err());
        let id = uuid::Uuid::now_v7();
        assert_eq!(q(None, Some(&id.to_string())).cursor().unwrap(), Some(id));
    }

    #[test]
    fn a_page_trims_the_probe_row_and_points_past_the_last_item() {
        #[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
        struct Item {
            id: uuid::Uuid,
        }
        let items: Vec<Item> = (1..=3)
            .map(|n| Item {
                id: uuid::Uuid::from_u128(n),
            })
            .collect();
        let page = Page::from_rows(items.clone(), 2, |i| i.id);
        assert_eq!(page.items, items[..2]);
        assert_eq!(page.next_cursor, Some(items[1].id.to_string()));
        let last = Page::from_rows(items[..2].to_vec(), 2, |i| i.id);
        assert_eq!(last.next_cursor, None);
    }

    #[test]
    fn escaped_nul_characters_are_refused() {
        assert!(has_escaped_nul(br#"{"a": "x\u0000y"}"#));
        assert!(has_escaped_nul(br#"{"a": "\\\u0000"}"#));
        assert!(
            !has_escaped_nul(br#"{"a": "\\u0000"}"#),
            "an escaped backslash, then text"
        );
        assert!(!has_escaped_nul(br#"{"a": "u0000"}"#));
        assert!(matches!(
            parse_json::<serde_json::Value>(br#"{"email": "a\u0000@b.com"}"#),
            Err(ApiError::Validation(_))
        ));
    }

    #[test]
    fn syntax_errors_are_400() {
        assert!(matches!(
            parse_json::<Outer>(b"{\"count\": "),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn shape_errors_name_the_field() {
        assert_eq!(
            field_of(
                parse_json::<Outer>(br#"{"count": "x", "inner": {"name": "a"}}"#).unwrap_err()
            ),
            "count"
        );
        assert_eq!(
            field_of(parse_json::<Outer>(br#"{"count": 1, "inner": {}}"#).unwrap_err()),
            "inner.name"
        );
        assert_eq!(
            field_of(parse_json::<Outer>(br#"{"inner": {"name": "a"}}"#).unwrap_err()),
            "count"
        );
    }
}
