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
use sha2::{Digest, Sha256};

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

/// Parses JSON bytes into `T`, mapping syntax errors to 400 and shape errors to 422 (one field
/// error, at the path of the value to change, in words: see [`plain_message`]).
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
            Category::Syntax | Category::Eof | Category::Io => ApiError::BadRequest(format!(
                "the body is not valid JSON: {} (line {}, column {})",
                strip_position(&inner.to_string()),
                inner.line(),
                inner.column()
            )),
            Category::Data => {
                ApiError::Validation(vec![data_error(&path, &strip_position(&inner.to_string()))])
            }
        }
    })
}

/// Lets a `Deserialize` impl report a problem with one of its own fields that shows only once
/// the whole object is read (too many decimals for the currency): `child_error("amount", m)`
/// from the value at `x` is reported under `x.amount`.
pub fn child_error<E: serde::de::Error>(child: &str, message: impl std::fmt::Display) -> E {
    E::custom(format_args!("{CHILD_MARK}{child}{CHILD_MARK}{message}"))
}

const CHILD_MARK: char = '\u{1f}';

/// The field error for a serde data error `message` at `path` (serde_path_to_error's form,
/// "." for the root, which is named `body`).
pub fn data_error(path: &str, message: &str) -> FieldError {
    let join = |child: &str| match path {
        "." | "" => child.to_owned(),
        parent => format!("{parent}.{child}"),
    };
    let at_path = || match path {
        "." | "" => "body".to_owned(),
        p => p.to_owned(),
    };
    if let Some(rest) = message.strip_prefix(CHILD_MARK)
        && let Some((child, message)) = rest.split_once(CHILD_MARK)
    {
        return FieldError::new(join(child), "invalid", plain_message(message));
    }
    // A missing field is reported at its parent; name it.
    if let Some(rest) = message.strip_prefix("missing field `") {
        return FieldError::new(join(rest.trim_end_matches('`')), "required", "is required");
    }
    // An unknown field is reported at its own path.
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let allowed = rest
            .split_once(", expected ")
            .map(|(_, names)| format!("; the fields here are {}", names.replace("one of ", "")))
            .unwrap_or_default();
        return FieldError::new(
            at_path(),
            "unknown_field",
            format!("is not a field of this object{allowed}").replace('`', "\""),
        );
    }
    FieldError::new(at_path(), "invalid", plain_message(message))
}

/// What a decimal, a UUID and a date-time must look like, in the words of `plain_message`.
const DECIMAL: &str = "must be a decimal string such as \"1250.50\"";
const UUID: &str = "must be a UUID such as \"0190a5c2-7f3e-7b1a-9c4d-2e8f6a1b3c5d\"";
const DATE_TIME: &str = "must be an RFC 3339 date-time such as \"2026-12-03T10:00:00Z\"";

/// Says what a value must be, in words a client can act on, instead of the parser's text
/// (Rust type names, "invalid type", crate-specific wording). Messages of the platform's own
/// types (already plain) pass through.
pub fn plain_message(message: &str) -> String {
    const CHRONO: [&str; 7] = [
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "input is out of range",
        "no possible date and time matching input",
        "input is not enough for unique date and time",
        "bad or unsupported format string",
    ];
    let expected = |message: &str| {
        message
            .split_once(", expected ")
            .map(|(_, e)| e.to_owned())
            .unwrap_or_default()
    };
    if message.starts_with("UUID parsing failed") {
        return UUID.into();
    }
    if message.starts_with("Invalid decimal")
        || message.contains("Decimal")
        || message.starts_with("Number exceeds")
        || message.starts_with("Number less than")
        || message.starts_with("Number has a high precision")
        || message.starts_with("Scale exceeds")
    {
        return DECIMAL.into();
    }
    if CHRONO.contains(&message) {
        return DATE_TIME.into();
    }
    if message.starts_with("invalid type:") || message.starts_with("invalid value:") {
        return wanted_type(&expected(message));
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let allowed = expected(rest)
            .replace("one of ", "")
            .replace(" or ", ", ")
            .replace('`', "\"");
        return if allowed.is_empty() {
            "is not one of the allowed values".into()
        } else {
            format!("must be one of {allowed}")
        };
    }
    if message.starts_with("invalid length") {
        // serde reads an object from a list too; a list there means an object was wanted.
        return if expected(message).starts_with("struct ") {
            "must be an object".into()
        } else {
            "has the wrong number of items".into()
        };
    }
    if message.starts_with("duplicate field") {
        return "is given more than once".into();
    }
    message.to_owned()
}

/// What a value must be, from the type serde `expected` in an "invalid type" or "invalid
/// value" message.
fn wanted_type(expected: &str) -> String {
    match expected {
        e if e.contains("UUID") => UUID.into(),
        e if e.contains("ecimal") => DECIMAL.into(),
        e if e.contains("date and time") => DATE_TIME.into(),
        "a string" | "a borrowed string" | "string" => "must be a string".into(),
        "a boolean" => "must be true or false".into(),
        "u8" => "must be a whole number from 0 to 255".into(),
        "u16" => "must be a whole number from 0 to 65535".into(),
        "u32" => "must be a whole number from 0 to 4294967295".into(),
        "u64" | "u128" | "usize" => "must be a whole number, 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "must be a whole number".into(),
        "f32" | "f64" => "must be a number".into(),
        "a sequence" => "must be a list".into(),
        "a map" => "must be an object".into(),
        e if e.starts_with("struct ") => "must be an object".into(),
        e if e.starts_with("enum ") => "is not one of the allowed values".into(),
        "unit" => "must be null".into(),
        "a character" => "must be a single character".into(),
        e if e.starts_with("a ") || e.starts_with("an ") => format!("must be {e}"),
        _ => "has the wrong type for this field".into(),
    }
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
        // As OpenAPI matches: a concrete path before a templated one, so only the most specific
        // patterns count (`/v1/sellers/me/documents` over `/v1/sellers/{id}/documents`).
        let matching: Vec<&(ResourceDef, Vec<String>)> = self
            .routes
            .iter()
            .filter(|(def, _)| def.is_match(path))
            .collect();
        let most = matching.iter().map(|(def, _)| static_segments(def)).max()?;
        let mut allow: Vec<String> = matching
            .into_iter()
            .filter(|(def, _)| static_segments(def) == most)
            .flat_map(|(_, m)| m.iter().cloned())
            .collect();
        allow.sort();
        allow.dedup();
        Some(allow)
    }
}

/// Path segments of a pattern without a parameter.
fn static_segments(def: &ResourceDef) -> usize {
    def.pattern()
        .unwrap_or_default()
        .split('/')
        .filter(|s| !s.is_empty() && !s.contains('{'))
        .count()
}

/// Fallback for every request no route took. A method the path's pattern allows means the
/// resource itself does not exist (e.g. a malformed id): 404, not 405.
pub async fn fallback(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    match table.allowed(req.path()) {
        Some(allow) if !allow.iter().any(|m| m == req.method().as_str()) => {
            Err(ApiError::MethodNotAllowed { allow })
        }
        _ => Err(ApiError::NotFound),
    }
}

/// Bad path parameters (e.g. a malformed id) mean the resource does not exist.
pub fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    tracing::debug!(error = %err, "bad path parameter");
    ApiError::NotFound.into()
}

/// A query string of the wrong shape: one field error naming the parameter, in words.
/// `serde_urlencoded` does not say which parameter failed to parse, so it is the one whose
/// value cannot be read as what the message says was wanted (`query` if that is ambiguous).
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    req: &HttpRequest,
) -> actix_web::Error {
    use actix_web::error::QueryPayloadError;
    let message = match &err {
        QueryPayloadError::Deserialize(e) => e.to_string(),
        other => other.to_string(),
    };
    tracing::debug!(error = %message, "bad query string");
    let documented = req
        .match_pattern()
        .map(|pattern| documented_query_types(&pattern))
        .unwrap_or_default();
    ApiError::Validation(vec![query_field_error(
        req.query_string(),
        &message,
        &documented,
    )])
    .into()
}

/// The query parameters the OpenAPI document gives for a route pattern, with their JSON types
/// (`integer`, `boolean`, …), so that a parse failure can be pinned on the right one.
fn documented_query_types(pattern: &str) -> Vec<(String, String)> {
    static DOCUMENT: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    let document =
        DOCUMENT.get_or_init(|| serde_json::to_value(crate::openapi()).unwrap_or_default());
    let Some(item) = document["paths"][pattern].as_object() else {
        return Vec::new();
    };
    let type_of = |schema: &serde_json::Value| match &schema["type"] {
        serde_json::Value::String(t) => t.clone(),
        serde_json::Value::Array(ts) => ts
            .iter()
            .filter_map(|t| t.as_str())
            .find(|t| *t != "null")
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    };
    item.values()
        .filter_map(|op| op["parameters"].as_array())
        .flatten()
        .filter(|p| p["in"] == "query")
        .filter_map(|p| Some((p["name"].as_str()?.to_owned(), type_of(&p["schema"]))))
        .collect()
}

fn query_field_error(query: &str, message: &str, documented: &[(String, String)]) -> FieldError {
    let named = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    if let Some(name) = named("unknown field `") {
        return FieldError::new(
            name,
            "unknown_field",
            plain_message(message)
                .split_once(", expected ")
                .map(|(_, allowed)| {
                    format!(
                        "is not a parameter here; the parameters are {}",
                        allowed.replace("one of ", "")
                    )
                })
                .unwrap_or_else(|| "is not a parameter here".into())
                .replace('`', "\""),
        );
    }
    if let Some(name) = named("duplicate field `") {
        return FieldError::new(name, "invalid", "is given more than once");
    }
    if let Some(name) = named("missing field `") {
        return FieldError::new(name, "required", "is required");
    }
    let whole_number = |v: &str| v.parse::<i64>().is_ok();
    let boolean = |v: &str| v == "true" || v == "false";
    let number = |v: &str| v.parse::<f64>().is_ok();
    type Check<'a> = &'a dyn Fn(&str) -> bool;
    let (wanted, kind, ok): (&str, &str, Check) = match message {
        m if m.contains("integer")
            || m.contains("invalid digit")
            || m.contains("fit in target type") =>
        {
            ("must be a whole number", "integer", &whole_number)
        }
        m if m.contains("`true` or `false`") => ("must be true or false", "boolean", &boolean),
        m if m.contains("float") => ("must be a number", "number", &number),
        m => return FieldError::new("query", "invalid", plain_message(m)),
    };
    let mut suspects: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(_, v)| !ok(v))
        .map(|(k, _)| k.into_owned())
        .collect();
    let of_kind = |name: &String| documented.iter().any(|(n, t)| n == name && t == kind);
    if suspects.iter().any(of_kind) {
        suspects.retain(of_kind);
    }
    suspects.dedup();
    match suspects.as_slice() {
        [one] => FieldError::new(one.clone(), "invalid", wanted),
        _ => FieldError::new(
            "query",
            "invalid",
            format!("a parameter ({}) {wanted}", suspects.join(", ")),
        ),
    }
}

pub use crate::paging::{Direction, Keyset, MAX_PAGE_SIZE, Page, PageParams};

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

/// A JSON response with `ETag: "<version>"`.
pub fn with_etag(
    status: actix_web::http::StatusCode,
    version: impl std::fmt::Display,
    body: &impl serde::Serialize,
) -> actix_web::HttpResponse {
    actix_web::HttpResponse::build(status)
        .insert_header((actix_web::http::header::ETAG, etag(version)))
        .json(body)
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

    fn message_of(e: ApiError) -> String {
        match e {
            ApiError::Validation(errors) => errors[0].message.clone(),
            other => panic!("expected validation, got {other:?}"),
        }
    }

    #[test]
    fn shape_errors_say_what_to_send() {
        let e = parse_json::<Outer>(br#"{"count": "x", "inner": {"name": "a"}}"#).unwrap_err();
        assert_eq!(message_of(e), "must be a whole number from 0 to 4294967295");
        let e = parse_json::<Outer>(br#"{"count": 1, "inner": {"name": 5}}"#).unwrap_err();
        assert_eq!(message_of(e), "must be a string");
        let e = parse_json::<Outer>(br#"{"count": 1, "inner": []}"#).unwrap_err();
        assert_eq!(message_of(e), "must be an object");
        let e = parse_json::<Outer>(br#"{"count": 1}"#).unwrap_err();
        assert_eq!(message_of(e), "is required");
        let e = parse_json::<uuid::Uuid>(br#""0190""#).unwrap_err();
        assert!(message_of(e).starts_with("must be a UUID such as"));
        let e = parse_json::<rust_decimal::Decimal>(br#""abc""#).unwrap_err();
        assert_eq!(
            message_of(e),
            "must be a decimal string such as \"1250.50\""
        );
        let e = parse_json::<chrono::DateTime<chrono::Utc>>(br#""yesterday""#).unwrap_err();
        assert!(message_of(e).starts_with("must be an RFC 3339 date-time"));
        // Syntax errors keep their position, in words.
        match parse_json::<Outer>(b"{\"count\": ") {
            Err(ApiError::BadRequest(m)) => assert!(m.contains("(line 1, column"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn query_errors_name_the_parameter() {
        let documented = [
            ("limit".to_owned(), "integer".to_owned()),
            ("cursor".to_owned(), "string".to_owned()),
        ];
        let e = query_field_error(
            "cursor=abc&limit=ten",
            "invalid digit found in string",
            &documented,
        );
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("limit", "must be a whole number")
        );
        let e = query_field_error("a=x&b=y", "invalid digit found in string", &[]);
        assert_eq!(e.field, "query");
        let e = query_field_error(
            "claimed_by_me=yes",
            "provided string was not `true` or `false`",
            &[],
        );
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("claimed_by_me", "must be true or false")
        );
        let e = query_field_error(
            "colour=blue",
            "unknown field `colour`, expected `cursor` or `limit`",
            &[],
        );
        assert_eq!(e.field, "colour");
        assert!(!e.message.contains('`'), "{}", e.message);
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
