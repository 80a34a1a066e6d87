//! Thin handlers for `/v1/sellers/*`.

use actix_web::http::StatusCode;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::api::*;
use super::{service, storage};
use crate::AppState;
use crate::auth::Principal;
use crate::error::{
    ApiResult, AuthErrors, JsonErrors, NotFound, Problem, RateLimited, TokenErrors,
};
use crate::http::{IfMatch, Json, Page, PageParams, with_etag};
use crate::idempotency::Idempotency;
use crate::identifiers::IndianState;
use crate::observability::RequestId;
use crate::ratelimit::PublicClient;
use crate::sellers::lifecycle::Actor;

/// The path of a seller.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct SellerPath {
    /// The seller's id: its organisation's id, as every seller id in the API
    id: Uuid,
}

/// The path of an evidence document of a seller.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct DocumentPath {
    /// The seller's id: its organisation's id, as every seller id in the API
    id: Uuid,
    document_id: Uuid,
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    // `{id}` takes only UUID characters, so `/sellers/me/…` never reaches a `/sellers/{id}/…`
    // handler (a GET of `/sellers/me/documents` is then 405, not a failed id).
    cfg.service(list_sellers)
        .service(put_profile)
        .service(get_own_profile)
        .service(put_payout_account)
        .service(upload_document)
        .service(replace_document)
        .service(delete_document)
        .service(get_profile)
        .service(public_profile)
        .service(list_documents)
        .service(get_document)
        .service(document_content)
        .service(audit_log)
        .service(erase_personal_data);
}

/// Filters of the seller directory; all given must hold.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SellerListQuery {
    status: Option<SellerStatus>,
    /// The state or union territory of the registered address (2-letter code).
    #[param(value_type = Option<String>, example = "TN")]
    state: Option<IndianState>,
    /// Sellers naming this sector.
    sector: Option<Sector>,
    /// Sellers assigned to this vetting body.
    vetting_body_id: Option<Uuid>,
    enterprise_type: Option<EnterpriseType>,
    /// `true`: approved with a badge valid now; `false`: all others.
    badge: Option<bool>,
}

/// The seller directory (admins and auditors): every seller profile, newest first, filtered by
/// status, state, sector, vetting body, enterprise type and badge; cursor-paged.
#[utoipa::path(
    tag = "sellers",
    security(("bearer" = [])),
    params(SellerListQuery, PageParams),
    responses(
        AuthErrors,
        (status = 200, body = Page<SellerProfile>),
        (status = 422, description = "Bad filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sellers")]
async fn list_sellers(
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<SellerListQuery>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<SellerProfile>>> {
    let q = query.into_inner();
    let filters = service::SellerFilters {
        status: q.status,
        state: q.state.map(|s| s.code().to_owned()),
        sector: q.sector,
        vetting_body_id: q.vetting_body_id,
        enterprise_type: q.enterprise_type,
        badge: q.badge,
    };
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        service::list_sellers(&mut conn, &principal, &filters, &page).await?,
    ))
}

/// Create or replace the calling seller's profile.
///
/// The first call creates a draft (201). Later calls replace the whole profile and need
/// `If-Match` with the current `ETag` (missing → 428, stale → 412); they are refused (409) once
/// the profile is submitted, until changes are requested. Every present field is validated and
/// all problems come back in one 422.
#[utoipa::path(
    tag = "sellers",
    security(("bearer" = [])),
    request_body = ProfileRequest,
    params(("If-Match" = Option<String>, Header, description = "ETag of the profile being replaced; required once it exists")),
    responses(
        AuthErrors,
        JsonErrors,
        (status = 200, description = "Replaced", body = SellerProfile, headers(("ETag" = String))),
        (status = 201, description = "Created as a draft", body = SellerProfile,
         headers(("Location" = String, description = "/v1/sellers/{id}"), ("ETag" = String))),
        (status = 403, description = "Not a seller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Read-only in the current status", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/sellers/me/profile")]
async fn put_profile(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    if_match: IfMatch,
    body: Json<ProfileRequest>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let actor = Actor::new(&principal, request_id.0);
    let (profile, created) =
        service::put_profile(&mut conn, &principal, &actor, &if_match, body.into_inner()).await?;
    if created {
        let mut res = with_etag(StatusCode::CREATED, profile.version, &profile);
        if let Ok(location) = format!("/v1/sellers/{}", profile.id).parse() {
            res.headers_mut().insert(header::LOCATION, location);
        }
        Ok(res)
    } else {
        Ok(with_etag(StatusCode::OK, profile.version, &profile))
    }
}

/// The calling seller's profile (payout account masked).
#[utoipa::path(
    tag = "sellers",
    security(("bearer" = [])),
    responses(
        AuthErrors,
        (status = 200, body = SellerProfile, headers(("ETag" = String))),
        (status = 403, description = "Not a seller", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No profile yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sellers/me/profile")]
async fn get_own_profile(
    state: web::Data<AppState>,
    principal: Principal,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let profile = service::get_own_profile(&mut conn, &principal).await?;
    Ok(with_etag(StatusCode::OK, profile.version, &profile))
}

/// Set the payout bank account.
///
/// Stored only in the seller's in-country store; the platform keeps a reference and the last
/// four digits, and every response shows the account masked. Editable while the profile is.
/// Changes the profile's version; `If-Match` is checked when sent.
#[utoipa::path(
    tag = "sellers",
    security(("bearer" = [])),
    request_body = PayoutAccountRequest,
    params(("If-Match" = Option<String>, Header, description = "ETag of the profile; optional")),
    responses(
        AuthErrors,
        JsonErrors,
        (status = 200, body = PayoutAccountSummary),
        (status = 403, description = "Not a seller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No profile yet, or read-only in the current status", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The in-country store is unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/sellers/me/payout-account")]
async fn put_payout_account(
    state: web::Data<AppState>,
    principal: Principal,
    if_match: IfMatch,
    body: Json<PayoutAccountRequest>,
) -> ApiResult<web::Json<PayoutAccountSummary>> {
    let summary =
        service::put_payout_account(&state.stores, &principal, &if_match, body.into_inner())
            .await?;
    Ok(web::Json(summary))
}

/// Upload an evidence document (`multipart/form-data` with `kind` and `file`).
///
/// The type is recognised from the bytes (PDF, JPEG or PNG; anything else → 422 on `file`),
/// at most `EXPORTBRIDGE_DOCUMENT_LIMIT` bytes (10 MiB by default; larger → 413). Stored with
/// its SHA-256 and size. Only while the profile is editable.
#[utoipa::path(
    tag = "sellers",
    security(("bearer" = [])),
    request_body(content = inline(DocumentUpload), content_type = "multipart/form-data"),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for a repeated key")),
    responses(
        AuthErrors,
        (status = 201, body = DocumentView,
         headers(("Location" = String, description = "/v1/sellers/{id}/documents/{document_id}"))),
        (status = 400, description = "Malformed multipart body", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a seller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No profile yet, or read-only in the current status", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart/form-data", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or unknown kind, or not a PDF/JPEG/PNG", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sellers/me/documents")]
async fn upload_document(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    key: Idempotency,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let data_dir = &state.config.data_dir;
    let (seller, upload) = receive_upload(&state, &principal, &req, payload).await?;
    let mut conn = state.stores.platform().await?;
    let actor = Actor::new(&principal, request_id.0);
    let (created, replayed) = service::store_document(
        &mut conn, data_dir, &actor, &principal, &seller, upload, &key,
    )
    .await?;
    Ok(created.into_response(replayed))
}

/// The caller's editable profile (checked before the body is read; no connection is held while
/// it streams in) and the checked upload of the request.
async fn receive_upload(
    state: &AppState,
    principal: &Principal,
    req: &HttpRequest,
    payload: web::Payload,
) -> ApiResult<(crate::sellers::model::SellerRow, service::CheckedUpload)> {
    let seller = {
        let mut conn = state.stores.platform().await?;
        service::editable_own_seller(&mut conn, principal).await?
    };
    let form = storage::receive(
        req.headers(),
        payload,
        &state.config.data_dir,
        state.config.document_limit,
    )
    .await?;
    Ok((seller, service::check_upload(form)?))
}

/// The path of one of the caller's documents.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct OwnDocumentPath {
    document_id: Uuid,
}

/// Replace the file of one of the caller's evidence documents (`multipart/form-data` with the
/// same `kind` and a new `file`; the checks of an upload). Only while the profile is editable
/// (draft, changes requested, expired): after submission documents are frozen (409). The audit
/// log records the replacement; the old file is deleted.
#[utoipa::path(
    tag = "sellers",
    security(("bearer" = [])),
    request_body(content = inline(DocumentUpload), content_type = "multipart/form-data"),
    params(OwnDocumentPath),
    responses(
        AuthErrors,
        NotFound,
        (status = 200, body = DocumentView),
        (status = 400, description = "Malformed multipart body", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No profile yet, or frozen in the current status", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The file is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart/form-data", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Another kind, or not a PDF/JPEG/PNG", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/sellers/me/documents/{document_id}")]
async fn replace_document(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<OwnDocumentPath>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<web::Json<DocumentView>> {
    let data_dir = &state.config.data_dir;
    let (seller, upload) = receive_upload(&state, &principal, &req, payload).await?;
    let actor = Actor::new(&principal, request_id.0);
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        service::replace_document(
            &mut conn,
            data_dir,
            &actor,
            &seller,
            path.document_id,
            upload,
        )
        .await?,
    ))
}

/// Delete one of the caller's evidence documents (metadata and file), only while the profile is
/// editable (draft, changes requested, expired): after submission documents are frozen (409).
/// The audit log records the deletion.
#[utoipa::path(
    tag = "sellers",
    security(("bearer" = [])),
    params(OwnDocumentPath),
    responses(
        AuthErrors,
        NotFound,
        (status = 204, description = "Deleted"),
        (status = 409, description = "No profile yet, or frozen in the current status", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/sellers/me/documents/{document_id}")]
async fn delete_document(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    path: web::Path<OwnDocumentPath>,
) -> ApiResult<HttpResponse> {
    let actor = Actor::new(&principal, request_id.0);
    let mut conn = state.stores.platform().await?;
    let seller = service::editable_own_seller(&mut conn, &principal).await?;
    service::delete_document(
        &mut conn,
        &state.config.data_dir,
        &actor,
        &seller,
        path.document_id,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A seller's full profile: for the seller itself, admins, auditors and officers of its
/// vetting body; 404 for everyone else.
#[utoipa::path(
    tag = "sellers",
    security(("bearer" = [])),
    params(SellerPath),
    responses(
        TokenErrors,
        NotFound,
        (status = 200, body = SellerProfile, headers(("ETag" = String))),
    )
)]
#[get("/sellers/{id:[0-9a-fA-F-]+}")]
async fn get_profile(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<SellerPath>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.stores.platform().await?;
    let profile = service::get_profile(&mut conn, &principal, id.id).await?;
    Ok(with_etag(StatusCode::OK, profile.version, &profile))
}

/// The public profile of an approved seller (no authentication): trading name, state, sectors,
/// enterprise type, MSME category, year established, badge, and the identifiers the seller
/// marked public. 404 unless approved.
#[utoipa::path(
    tag = "sellers",
    params(SellerPath),
    responses(
        NotFound,
        RateLimited,
        (status = 200, body = PublicProfile),
    )
)]
#[get("/sellers/{id:[0-9a-fA-F-]+}/public")]
async fn public_profile(
    _client: PublicClient,
    state: web::Data<AppState>,
    id: web::Path<SellerPath>,
) -> ApiResult<web::Json<PublicProfile>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(service::public_profile(&mut conn, id.id).await?))
}

/// A seller's evidence documents, oldest first, cursor-paged.
#[utoipa::path(
    tag = "sellers",
    security(("bearer" = [])),
    params(SellerPath, PageParams),
    responses(
        TokenErrors,
        NotFound,
        (status = 200, body = Page<DocumentView>),
        (status = 422, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sellers/{id:[0-9a-fA-F-]+}/documents")]
async fn list_documents(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<SellerPath>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<DocumentView>>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        service::list_documents(&mut conn, &principal, id.id, &page).await?,
    ))
}

/// An evidence document's metadata.
#[utoipa::path(
    tag = "sellers",
    security(("bearer" = [])),
    params(DocumentPath),
    responses(
        TokenErrors,
        NotFound,
        (status = 200, body = DocumentView),
    )
)]
#[get("/sellers/{id:[0-9a-fA-F-]+}/documents/{document_id}")]
async fn get_document(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<DocumentPath>,
) -> ApiResult<web::Json<DocumentView>> {
    let DocumentPath { id, document_id } = path.into_inner();
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        service::get_document_view(&mut conn, &principal, id, document_id).await?,
    ))
}

/// Download an evidence document, as an attachment with its recognised media type and its
/// SHA-256 in `Repr-Digest` (RFC 9530) and `Digest`.
#[utoipa::path(
    tag = "sellers",
    security(("bearer" = [])),
    params(DocumentPath),
    responses(
        TokenErrors,
        NotFound,
        (status = 200, description = "The stored bytes",
         content(
            (FileContent = "application/pdf"),
            (FileContent = "image/jpeg"),
            (FileContent = "image/png"),
         ),
         headers(
            ("Content-Disposition" = String, description = "attachment with the sanitised file name"),
            ("Repr-Digest" = String, description = "sha-256=:<base64>:"),
            ("Digest" = String, description = "sha-256=<base64> (legacy)"),
         )),
    )
)]
#[get("/sellers/{id:[0-9a-fA-F-]+}/documents/{document_id}/content")]
async fn document_content(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<DocumentPath>,
) -> ApiResult<HttpResponse> {
    let DocumentPath { id, document_id } = path.into_inner();
    let row = {
        let mut conn = state.stores.platform().await?;
        service::get_document(&mut conn, &principal, id, document_id).await?
    };
    let digest = service::sha256_base64(&row.sha256)?;
    let body = storage::open(&state.config.data_dir, &row.storage_path).await?;
    Ok(HttpResponse::Ok()
        .content_type(row.media_type.as_str())
        .insert_header(attachment(&row.original_filename))
        .insert_header(("Repr-Digest", format!("sha-256=:{digest}:")))
        .insert_header(("Digest", format!("sha-256={digest}")))
        .insert_header((header::ETAG, format!("\"{}\"", row.sha256)))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .no_chunking(u64::try_from(row.size_bytes).unwrap_or_default())
        .streaming(body))
}

/// `attachment; filename="…"` with an ASCII fallback and the UTF-8 name when it differs.
fn attachment(filename: &str) -> ContentDisposition {
    let ascii: String = filename
        .chars()
        .map(|c| if c.is_ascii() { c } else { '_' })
        .collect();
    let mut parameters = vec![DispositionParam::Filename(ascii.clone())];
    if ascii != filename {
        parameters.push(DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: filename.as_bytes().to_vec(),
        }));
    }
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters,
    }
}

/// A seller's audit log, oldest first, cursor-paged: for the seller itself, admins, auditors
/// and officers of its vetting body.
#[utoipa::path(
    tag = "sellers",
    security(("bearer" = [])),
    params(SellerPath, PageParams),
    responses(
        TokenErrors,
        NotFound,
        (status = 200, body = Page<AuditEntry>),
        (status = 422, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sellers/{id:[0-9a-fA-F-]+}/audit-log")]
async fn audit_log(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<SellerPath>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<AuditEntry>>> {
    let mut conn = state.stores.platform().await?;
    Ok(web::Json(
        service::audit_log(&mut conn, &principal, id.id, &page).await?,
    ))
}

/// Erase personal data of a seller on request: its contacts and/or its evidence documents
/// (metadata and files). The deletes reach the in-country copy by replication. The audit log
/// gets an `erase` entry naming the categories and counts, never the values. The seller itself
/// or an admin; others who may see the seller get 403.
#[utoipa::path(
    tag = "sellers",
    security(("bearer" = [])),
    params(SellerPath),
    request_body = ErasureRequest,
    responses(
        AuthErrors,
        NotFound,
        JsonErrors,
        (status = 200, description = "Erased", body = ErasureReport),
    )
)]
#[post("/sellers/{id:[0-9a-fA-F-]+}/erasure")]
async fn erase_personal_data(
    state: web::Data<AppState>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<SellerPath>,
    body: Json<ErasureRequest>,
) -> ApiResult<web::Json<ErasureReport>> {
    let erasure = service::parse_erasure(body.into_inner())?;
    let mut conn = state.stores.platform().await?;
    let actor = Actor::new(&principal, request_id.0);
    Ok(web::Json(
        service::erase_personal_data(
            &mut conn,
            &state.config.data_dir,
            &principal,
            &actor,
            id.id,
            erasure,
        )
        .await?,
    ))
}
