//! Evidence documents: checking an upload (its fields, its bytes, its file name), storing it
//! once per `Idempotency-Key`, and listing and reading the documents of a seller.

use std::path::Path;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::access::{ensure_editable, visible_seller};
use super::views::document_view;
use crate::auth::Principal;
use crate::db::schema::{seller_documents, sellers};
use crate::error::{ApiError, ApiResult, Validator};
use crate::http::{Direction, Page, PageParams};
use crate::idempotency::{self, Created, Idempotency};
use crate::sellers::api::{AuditAction, DocumentView, EvidenceKind};
use crate::sellers::lifecycle::{self, Actor};
use crate::sellers::model::{DocumentRow, SellerRow, public_id};
use crate::sellers::storage::{self, DocumentKind, UploadForm, UploadedFile};
use crate::vocabulary::Vocabulary;
use crate::vocabulary::check_vocab;

/// A document upload that passed every check, still in the temporary directory.
pub struct CheckedUpload {
    pub kind: EvidenceKind,
    pub media: DocumentKind,
    pub filename: String,
    pub file: UploadedFile,
}

/// Checks the fields of an upload: a known `kind`, and a non-empty `file` whose bytes are a
/// PDF, JPEG or PNG (whatever its name or declared type says). A refused file is deleted when
/// the form is dropped.
pub fn check_upload(form: UploadForm) -> ApiResult<CheckedUpload> {
    let mut v = Validator::new();
    for name in &form.unexpected {
        let field = if name.is_empty() { "body" } else { name };
        v.push(
            field,
            "unexpected",
            "the form takes exactly one `kind` and one `file` field",
        );
    }
    let kind = match &form.kind {
        Some(raw) => check_vocab::<EvidenceKind>(&mut v, "kind", raw),
        None => {
            v.push("kind", "required", "is required");
            None
        }
    };
    let media = match &form.file {
        None => {
            v.push("file", "required", "is required");
            None
        }
        Some(f) if f.size == 0 => {
            v.push("file", "empty", "the file is empty");
            None
        }
        Some(f) => {
            let media = DocumentKind::sniff(&f.head);
            if media.is_none() {
                v.push(
                    "file",
                    "unsupported_type",
                    "the content is not a PDF, JPEG or PNG file (recognised by its bytes, not its name)",
                );
            }
            media
        }
    };
    v.finish()?;
    match (kind, media, form.file) {
        (Some(kind), Some(media), Some(file)) => Ok(CheckedUpload {
            kind,
            media,
            filename: sanitise_filename(file.filename.as_deref(), media),
            file,
        }),
        _ => Err(ApiError::internal("validator passed with missing values")),
    }
}

/// Letters and digits of any script (with their combining marks), `.`, `-`, `_`; not spaces,
/// quotes, separators, controls, or the invisible and bidirectional formatting characters
/// (U+2000–U+206F, U+FEFF) used to disguise extensions.
fn filename_char_ok(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
    } else {
        !c.is_control()
            && !c.is_whitespace()
            && !('\u{2000}'..='\u{206F}').contains(&c)
            && !matches!(c, '\u{FEFF}' | '\u{FFF0}'..='\u{FFFF}')
    }
}

/// The client's file name reduced to its last path segment and safe characters (others become
/// `_`), without leading dots, at most 100 characters, ending in the extension of the
/// recognised type.
pub fn sanitise_filename(raw: Option<&str>, media: DocumentKind) -> String {
    let base = raw
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| if filename_char_ok(c) { c } else { '_' })
        .collect();
    let mut name: String = cleaned
        .trim_start_matches(['.', '_'])
        .chars()
        .take(100)
        .collect();
    if name.is_empty() {
        name = "document".into();
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let ext_ok = match media {
        DocumentKind::Jpeg => ext == "jpg" || ext == "jpeg",
        other => ext == other.extension(),
    };
    if !ext_ok {
        name.push('.');
        name.push_str(media.extension());
    }
    name
}

/// Where a document's file is kept under the data directory (a new name for every file: a
/// replacement never overwrites the file it replaces until the database says so).
fn storage_path_of(seller: &SellerRow, upload: &CheckedUpload) -> String {
    format!(
        "documents/{}/{}.{}",
        seller.id,
        Uuid::now_v7(),
        upload.media.extension()
    )
}

/// What the audit log says of a document: its kind, id, type and size — never its file name,
/// which may hold personal data an erasure must be able to remove (the log is append-only).
fn audit_note(row: &DocumentRow) -> String {
    format!("{} ({}): {}", row.kind.as_str(), row.id, file_of(row))
}

fn file_of(row: &DocumentRow) -> String {
    format!("{}, {} bytes", row.media_type, row.size_bytes)
}

/// The caller's seller row, locked, and editable (draft, changes requested, expired).
async fn lock_editable(conn: &mut AsyncPgConnection, seller_id: Uuid) -> ApiResult<SellerRow> {
    let current = sellers::table
        .find(seller_id)
        .select(SellerRow::as_select())
        .for_update()
        .first(conn)
        .await?;
    ensure_editable(current.status)?;
    Ok(current)
}

/// Moves a checked upload into place and records it (once per `Idempotency-Key`), with an
/// audit entry; the file is removed again if the record is not written or the request was a
/// replay.
pub async fn store_document(
    conn: &mut AsyncPgConnection,
    data_dir: &Path,
    actor: &Actor,
    principal: &Principal,
    seller: &SellerRow,
    upload: CheckedUpload,
    key: &Idempotency,
) -> ApiResult<(Created, bool)> {
    let id = Uuid::now_v7();
    let storage_path = storage_path_of(seller, &upload);
    let mut fingerprint = Sha256::new();
    fingerprint.update(upload.kind.as_str());
    fingerprint.update([0]);
    fingerprint.update(&upload.filename);
    fingerprint.update([0]);
    fingerprint.update(upload.file.sha256);
    let fingerprint: [u8; 32] = fingerprint.finalize().into();
    let row = DocumentRow {
        id,
        seller_id: seller.id,
        kind: upload.kind,
        media_type: upload.media.mime().to_owned(),
        original_filename: upload.filename,
        size_bytes: i64::try_from(upload.file.size).map_err(ApiError::internal)?,
        sha256: hex::encode(upload.file.sha256),
        storage_path: storage_path.clone(),
        uploaded_by: principal.user_id,
        created_at: Utc::now(),
        home_jurisdiction: seller.home_jurisdiction.clone(),
    };
    storage::persist(upload.file, data_dir, &storage_path).await?;
    let identity = key.identity(principal.user_id, &fingerprint);
    let result = idempotency::run(conn, identity, async |conn| {
        // Under the seller's row lock, so a concurrent submit sees all or nothing of it.
        let current = lock_editable(conn, row.seller_id).await?;
        let stored: DocumentRow = diesel::insert_into(seller_documents::table)
            .values(&row)
            .returning(DocumentRow::as_returning())
            .get_result(conn)
            .await?;
        lifecycle::record_document(
            conn,
            &current,
            actor,
            AuditAction::DocumentUpload,
            &audit_note(&stored),
        )
        .await?;
        let view = document_view(public_id(seller), &stored)?;
        Created::new(
            format!("/v1/sellers/{}/documents/{}", public_id(seller), row.id),
            &view,
        )
    })
    .await;
    match result {
        Ok((created, false)) => Ok((created, false)),
        Ok((created, true)) => {
            storage::remove(data_dir, &storage_path).await;
            Ok((created, true))
        }
        Err(e) => {
            storage::remove(data_dir, &storage_path).await;
            Err(e)
        }
    }
}

/// Replaces the file of one of the caller's documents while the profile is editable (same id
/// and kind; new bytes, name, type, size and digest), with an audit entry naming the old and
/// new files. The old file is removed after the commit; the new one if the change fails.
pub async fn replace_document(
    conn: &mut AsyncPgConnection,
    data_dir: &Path,
    actor: &Actor,
    seller: &SellerRow,
    document_id: Uuid,
    upload: CheckedUpload,
) -> ApiResult<DocumentView> {
    let storage_path = storage_path_of(seller, &upload);
    let size = i64::try_from(upload.file.size).map_err(ApiError::internal)?;
    let sha256 = hex::encode(upload.file.sha256);
    let (media, filename) = (upload.media, upload.filename.clone());
    storage::persist(upload.file, data_dir, &storage_path).await?;
    let result = conn
        .transaction(async |conn| {
            let current = lock_editable(conn, seller.id).await?;
            let old = document_of(conn, &current, document_id).await?;
            if old.kind != upload.kind {
                return Err(ApiError::field(
                    "kind",
                    "mismatch",
                    format!(
                        "the document is a {}: replace it with the same kind, or delete it",
                        old.kind.as_str()
                    ),
                ));
            }
            let new: DocumentRow = diesel::update(seller_documents::table.find(document_id))
                .set((
                    seller_documents::media_type.eq(media.mime()),
                    seller_documents::original_filename.eq(&filename),
                    seller_documents::size_bytes.eq(size),
                    seller_documents::sha256.eq(&sha256),
                    seller_documents::storage_path.eq(&storage_path),
                    seller_documents::uploaded_by.eq(actor.user_id.unwrap_or_default()),
                    seller_documents::created_at.eq(Utc::now()),
                ))
                .returning(DocumentRow::as_returning())
                .get_result(conn)
                .await?;
            let note = format!(
                "{} ({}): {} replaced by {}",
                new.kind.as_str(),
                new.id,
                file_of(&old),
                file_of(&new)
            );
            lifecycle::record_document(conn, &current, actor, AuditAction::DocumentReplace, &note)
                .await?;
            Ok::<_, ApiError>((new, old.storage_path))
        })
        .await;
    match result {
        Ok((new, old_path)) => {
            storage::remove(data_dir, &old_path).await;
            document_view(public_id(seller), &new)
        }
        Err(e) => {
            storage::remove(data_dir, &storage_path).await;
            Err(e)
        }
    }
}

/// Deletes one of the caller's documents while the profile is editable, with an audit entry;
/// the file is removed after the commit.
pub async fn delete_document(
    conn: &mut AsyncPgConnection,
    data_dir: &Path,
    actor: &Actor,
    seller: &SellerRow,
    document_id: Uuid,
) -> ApiResult<()> {
    let path = conn
        .transaction(async |conn| {
            let current = lock_editable(conn, seller.id).await?;
            let old = document_of(conn, &current, document_id).await?;
            diesel::delete(seller_documents::table.find(document_id))
                .execute(conn)
                .await?;
            lifecycle::record_document(
                conn,
                &current,
                actor,
                AuditAction::DocumentDelete,
                &audit_note(&old),
            )
            .await?;
            Ok::<_, ApiError>(old.storage_path)
        })
        .await?;
    storage::remove(data_dir, &path).await;
    Ok(())
}

pub async fn list_documents(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    seller_id: Uuid,
    page: &PageParams,
) -> ApiResult<Page<DocumentView>> {
    let keyset = page.keyset(Direction::OldestFirst)?;
    let seller = visible_seller(conn, principal, seller_id).await?;
    let rows: Vec<DocumentRow> = keyset
        .apply(
            seller_documents::table
                .filter(seller_documents::seller_id.eq(seller.id))
                .select(DocumentRow::as_select())
                .into_boxed(),
            seller_documents::id,
        )
        .load(conn)
        .await?;
    let items = rows
        .iter()
        .map(|r| document_view(public_id(&seller), r))
        .collect::<ApiResult<_>>()?;
    Ok(keyset.page(items, |d: &DocumentView| d.id))
}

/// A document of a seller the principal may see, else 404.
pub async fn get_document(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    seller_id: Uuid,
    document_id: Uuid,
) -> ApiResult<DocumentRow> {
    let seller = visible_seller(conn, principal, seller_id).await?;
    document_of(conn, &seller, document_id).await
}

/// The metadata of a document of a seller the principal may see, else 404.
pub async fn get_document_view(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    seller_id: Uuid,
    document_id: Uuid,
) -> ApiResult<DocumentView> {
    let seller = visible_seller(conn, principal, seller_id).await?;
    document_view(
        public_id(&seller),
        &document_of(conn, &seller, document_id).await?,
    )
}

async fn document_of(
    conn: &mut AsyncPgConnection,
    seller: &SellerRow,
    document_id: Uuid,
) -> ApiResult<DocumentRow> {
    Ok(seller_documents::table
        .filter(seller_documents::seller_id.eq(seller.id))
        .filter(seller_documents::id.eq(document_id))
        .select(DocumentRow::as_select())
        .first(conn)
        .await?)
}

/// The standard base64 of a stored hex SHA-256, for `Repr-Digest` / `Digest`.
pub fn sha256_base64(hex_digest: &str) -> ApiResult<String> {
    use base64::Engine;
    let bytes = hex::decode(hex_digest).map_err(ApiError::internal)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_sanitised() {
        let pdf = DocumentKind::Pdf;
        assert_eq!(sanitise_filename(Some("GST cert.pdf"), pdf), "GST_cert.pdf");
        assert_eq!(
            sanitise_filename(Some("../../etc/passwd"), pdf),
            "passwd.pdf"
        );
        assert_eq!(
            sanitise_filename(Some("C:\\Users\\a\\scan.PDF"), pdf),
            "scan.PDF"
        );
        assert_eq!(sanitise_filename(Some(".htaccess"), pdf), "htaccess.pdf");
        assert_eq!(sanitise_filename(None, pdf), "document.pdf");
        assert_eq!(
            sanitise_filename(Some(""), DocumentKind::Png),
            "document.png"
        );
        assert_eq!(
            sanitise_filename(Some("photo.jpeg"), DocumentKind::Jpeg),
            "photo.jpeg"
        );
        assert_eq!(
            sanitise_filename(Some("invoice.exe"), DocumentKind::Png),
            "invoice.exe.png"
        );
        assert_eq!(sanitise_filename(Some("प्रमाणपत्र.pdf"), pdf), "प्रमाणपत्र.pdf");
        assert_eq!(
            sanitise_filename(Some("a\"b;c\r\n.pdf"), pdf),
            "a_b_c__.pdf"
        );
        assert_eq!(
            sanitise_filename(Some("invoice\u{202E}fdp.exe"), pdf),
            "invoice_fdp.exe.pdf"
        );
        assert!(
            sanitise_filename(Some(&"x".repeat(500)), pdf)
                .chars()
                .count()
                <= 104
        );
    }
}
