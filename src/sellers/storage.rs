//! Evidence files on disk: a multipart upload streamed into a temporary file under the data
//! directory (hashed and counted on the way, refused past the size limit), moved into place
//! once accepted, and streamed back on download; the kinds of document accepted, recognised by
//! their first bytes.

use std::path::{Path, PathBuf};

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::http::header::{self, HeaderMap};
use actix_web::web;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// Bytes kept from the start of an uploaded file, for recognising its type.
const HEAD_LEN: usize = 16;
/// Room for the multipart framing and the small text fields around the file.
const FORM_OVERHEAD: u64 = 64 * 1024;
/// Largest accepted text field (`kind`).
const TEXT_FIELD_LIMIT: usize = 256;

/// Kinds of uploaded document accepted, recognised by magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    Pdf,
    Jpeg,
    Png,
}

impl DocumentKind {
    const PDF_MAGIC: &'static [u8] = b"%PDF-";
    const JPEG_MAGIC: &'static [u8] = &[0xFF, 0xD8, 0xFF];
    const PNG_MAGIC: &'static [u8] = &[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// Identify a document from its first bytes. The signature must be at
    /// offset 0 (PDFs with leading garbage are not recognised). This says
    /// nothing about whether the rest of the file is well formed.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(Self::PDF_MAGIC) {
            Some(Self::Pdf)
        } else if bytes.starts_with(Self::JPEG_MAGIC) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(Self::PNG_MAGIC) {
            Some(Self::Png)
        } else {
            None
        }
    }

    /// MIME type, e.g. `"application/pdf"`.
    pub const fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }

    /// File extension without the dot: `pdf`, `jpg`, `png`.
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
        }
    }
}

/// Same as [`DocumentKind::sniff`].
pub fn sniff(bytes: &[u8]) -> Option<DocumentKind> {
    DocumentKind::sniff(bytes)
}

/// A file being received. Removed from disk when dropped unless it was moved into place, so
/// every early return (413, 422, a client that disconnects) cleans up.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A received file, still in the temporary directory.
pub struct UploadedFile {
    temp: TempFile,
    pub size: u64,
    pub sha256: [u8; 32],
    /// The first bytes, for recognising the type.
    pub head: Vec<u8>,
    /// The file name the client sent, unchecked.
    pub filename: Option<String>,
}

/// The fields of a document upload as received.
#[derive(Default)]
pub struct UploadForm {
    pub kind: Option<String>,
    pub file: Option<UploadedFile>,
    /// Names of fields that are not part of the form (or repeated).
    pub unexpected: Vec<String>,
}

fn multipart_error(e: MultipartError) -> ApiError {
    match e {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible => {
            ApiError::UnsupportedMediaType("send the document as multipart/form-data".into())
        }
        other => ApiError::BadRequest(format!("malformed multipart body: {other}")),
    }
}

fn io_error(e: std::io::Error) -> ApiError {
    ApiError::internal(format!("document storage: {e}"))
}

/// Reads a `multipart/form-data` upload with the fields `kind` and `file`, streaming the file
/// to disk. More than `limit` bytes of file → 413.
pub async fn receive(
    headers: &HeaderMap,
    payload: web::Payload,
    data_dir: &Path,
    limit: u64,
) -> ApiResult<UploadForm> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit.saturating_add(FORM_OVERHEAD)) {
        return Err(too_large(limit));
    }
    let mut multipart = Multipart::new(headers, payload);
    let mut form = UploadForm::default();
    // Bytes of fields other than the file that may still be read (and discarded).
    let mut spare = FORM_OVERHEAD;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" if form.file.is_none() => {
                form.file = Some(stream_to_temp(&mut field, data_dir, limit).await?);
            }
            "kind" if form.kind.is_none() => {
                form.kind = Some(read_text(&mut field, &name).await?);
            }
            _ => {
                spare = drain(&mut field, spare)
                    .await?
                    .ok_or_else(|| too_large(limit))?;
                form.unexpected.push(name);
            }
        }
    }
    Ok(form)
}

fn too_large(limit: u64) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "a document may be at most {limit} bytes ({} MiB)",
        limit / (1024 * 1024)
    ))
}

async fn stream_to_temp(field: &mut Field, data_dir: &Path, limit: u64) -> ApiResult<UploadedFile> {
    let filename = field
        .content_disposition()
        .and_then(|cd| cd.get_filename())
        .map(str::to_owned);
    let dir = data_dir.join("tmp");
    tokio::fs::create_dir_all(&dir).await.map_err(io_error)?;
    let temp = TempFile {
        path: dir.join(format!("{}.part", Uuid::now_v7())),
        keep: false,
    };
    let mut file = tokio::fs::File::create(&temp.path)
        .await
        .map_err(io_error)?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut head = Vec::with_capacity(HEAD_LEN);
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(multipart_error)?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(too_large(limit));
        }
        let wanted = HEAD_LEN.saturating_sub(head.len()).min(chunk.len());
        head.extend_from_slice(&chunk[..wanted]);
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(io_error)?;
    }
    file.flush().await.map_err(io_error)?;
    file.sync_all().await.map_err(io_error)?;
    Ok(UploadedFile {
        temp,
        size,
        sha256: hasher.finalize().into(),
        head,
        filename,
    })
}

/// An upload from bytes already in memory (demo data), written to the temporary directory like a
/// received file.
pub async fn from_bytes(data_dir: &Path, bytes: &[u8], filename: &str) -> ApiResult<UploadedFile> {
    let dir = data_dir.join("tmp");
    tokio::fs::create_dir_all(&dir).await.map_err(io_error)?;
    let temp = TempFile {
        path: dir.join(format!("{}.part", Uuid::now_v7())),
        keep: false,
    };
    tokio::fs::write(&temp.path, bytes)
        .await
        .map_err(io_error)?;
    Ok(UploadedFile {
        temp,
        size: bytes.len() as u64,
        sha256: Sha256::digest(bytes).into(),
        head: bytes.iter().take(HEAD_LEN).copied().collect(),
        filename: Some(filename.to_owned()),
    })
}

async fn read_text(field: &mut Field, name: &str) -> ApiResult<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(multipart_error)?;
        if bytes.len() + chunk.len() > TEXT_FIELD_LIMIT {
            return Err(ApiError::field(name, "too_long", "this field is too long"));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| ApiError::field(name, "invalid", "must be UTF-8 text"))
}

/// Reads and discards a field; `None` once more than `budget` bytes were read.
async fn drain(field: &mut Field, mut budget: u64) -> ApiResult<Option<u64>> {
    while let Some(chunk) = field.next().await {
        let len = chunk.map_err(multipart_error)?.len() as u64;
        match budget.checked_sub(len) {
            Some(left) => budget = left,
            None => return Ok(None),
        }
    }
    Ok(Some(budget))
}

/// Moves an accepted upload to `relative` under the data directory.
pub async fn persist(mut file: UploadedFile, data_dir: &Path, relative: &str) -> ApiResult<()> {
    let target = data_dir.join(relative);
    if let Some(parent) = target.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(io_error)?;
    }
    tokio::fs::rename(&file.temp.path, &target)
        .await
        .map_err(io_error)?;
    file.temp.keep = true;
    Ok(())
}

/// Deletes a stored file; a failure is logged (the file is orphaned, not exposed).
pub async fn remove(data_dir: &Path, relative: &str) {
    if let Err(e) = tokio::fs::remove_file(data_dir.join(relative)).await {
        tracing::warn!(error = %e, path = relative, "could not remove a document file");
    }
}

/// Streams a stored file in 64 KiB chunks.
pub async fn open(
    data_dir: &Path,
    relative: &str,
) -> ApiResult<impl Stream<Item = Result<web::Bytes, std::io::Error>> + use<>> {
    let file = tokio::fs::File::open(data_dir.join(relative))
        .await
        .map_err(io_error)?;
    Ok(futures_util::stream::try_unfold(
        file,
        |mut file| async move {
            let mut buf = vec![0u8; 64 * 1024];
            let n = file.read(&mut buf).await?;
            if n == 0 {
                return Ok(None);
            }
            buf.truncate(n);
            Ok(Some((web::Bytes::from(buf), file)))
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_sniffing() {
        assert_eq!(sniff(b"%PDF-1.7\n%\xE2\xE3"), Some(DocumentKind::Pdf));
        assert_eq!(
            DocumentKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]),
            Some(DocumentKind::Jpeg)
        );
        assert_eq!(
            sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0x00]),
            Some(DocumentKind::Png)
        );
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"%PDF"), None);
        assert_eq!(sniff(&[0xFF, 0xD8]), None);
        assert_eq!(sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A]), None);
        assert_eq!(sniff(b" %PDF-1.4"), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"PK\x03\x04"), None);

        assert_eq!(DocumentKind::Pdf.mime(), "application/pdf");
        assert_eq!(DocumentKind::Jpeg.mime(), "image/jpeg");
        assert_eq!(DocumentKind::Png.mime(), "image/png");
        assert_eq!(DocumentKind::Pdf.extension(), "pdf");
        assert_eq!(DocumentKind::Jpeg.extension(), "jpg");
        assert_eq!(DocumentKind::Png.extension(), "png");
    }
}
