//! Erasure of a seller's personal data on request: contacts and evidence documents, removed
//! from the platform store in one transaction (the in-country copy follows by replication),
//! the document files after the commit, and an `erase` entry in the audit log that names the
//! categories and counts, never the values.

use std::path::Path;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use super::access::visible_seller;
use crate::auth::{Principal, Role};
use crate::db::schema::{seller_documents, sellers};
use crate::error::{ApiError, ApiResult, Validator};
use crate::sellers::api::{
    ErasedItems, ErasureCategory, ErasureReason, ErasureReport, ErasureRequest,
};
use crate::sellers::lifecycle::{self, Actor};
use crate::sellers::model::{SellerRow, public_id};
use crate::sellers::storage;
use crate::vocabulary::{Vocabulary, check_vocab, check_vocab_list};

/// A checked erasure request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    pub categories: Vec<ErasureCategory>,
    pub reason: ErasureReason,
}

/// Checks the request: at least one known category, a known reason; every bad field named.
pub fn parse_erasure(req: ErasureRequest) -> ApiResult<Erasure> {
    let mut v = Validator::new();
    // Repeats are ignored (up to a short list).
    let categories: Vec<ErasureCategory> =
        check_vocab_list(&mut v, "categories", req.categories.clone(), 10);
    if req.categories.as_ref().is_none_or(Vec::is_empty) {
        v.push(
            "categories",
            "required",
            "name at least one of: contacts, documents",
        );
    }
    let reason = match req.reason.as_deref() {
        Some(raw) => check_vocab::<ErasureReason>(&mut v, "reason", raw),
        None => {
            v.push(
                "reason",
                "required",
                format!("one of: {}", ErasureReason::expected()),
            );
            None
        }
    };
    v.finish()?;
    let reason = reason.ok_or_else(|| ApiError::internal("validated without a reason"))?;
    Ok(Erasure { categories, reason })
}

/// Only the seller itself and admins erase; others who may see the seller get 403, everyone
/// else 404 (`visible_seller`).
fn may_erase(principal: &Principal, seller: &SellerRow) -> ApiResult<()> {
    match principal.role {
        Role::Admin => Ok(()),
        Role::Seller if principal.organisation_id == seller.organisation_id => Ok(()),
        _ => Err(ApiError::Forbidden(
            "only the seller itself or an admin erases its personal data".into(),
        )),
    }
}

/// The audit note of an erasure: categories and counts only.
fn summary(erased: &[ErasedItems]) -> String {
    let parts: Vec<String> = erased
        .iter()
        .map(|e| format!("{} ({})", e.category.as_str(), e.items))
        .collect();
    format!("personal data erased: {}", parts.join(", "))
}

/// Erases the categories asked for, records it, then removes the document files.
pub async fn erase_personal_data(
    conn: &mut AsyncPgConnection,
    data_dir: &Path,
    principal: &Principal,
    actor: &Actor,
    seller_id: uuid::Uuid,
    erasure: Erasure,
) -> ApiResult<ErasureReport> {
    let seller = visible_seller(conn, principal, seller_id).await?;
    may_erase(principal, &seller)?;
    let (report, files) = conn
        .transaction(async |conn| {
            let current: SellerRow = sellers::table
                .find(seller.id)
                .select(SellerRow::as_select())
                .for_update()
                .first(conn)
                .await?;
            let mut erased = Vec::new();
            let mut files = Vec::new();
            for category in &erasure.categories {
                let items = match category {
                    ErasureCategory::Contacts => {
                        let n = current.contacts.as_array().map_or(0, Vec::len);
                        if n > 0 {
                            diesel::update(sellers::table.find(current.id))
                                .set((
                                    sellers::contacts.eq(json!([])),
                                    sellers::version.eq(sellers::version + 1),
                                    sellers::updated_at.eq(Utc::now()),
                                ))
                                .execute(conn)
                                .await?;
                        }
                        n
                    }
                    ErasureCategory::Documents => {
                        let paths: Vec<String> = diesel::delete(
                            seller_documents::table
                                .filter(seller_documents::seller_id.eq(current.id)),
                        )
                        .returning(seller_documents::storage_path)
                        .get_results(conn)
                        .await?;
                        let n = paths.len();
                        files.extend(paths);
                        n
                    }
                };
                erased.push(ErasedItems {
                    category: *category,
                    items: i64::try_from(items).map_err(ApiError::internal)?,
                });
            }
            let entry = lifecycle::record_erasure(
                conn,
                &current,
                actor,
                erasure.reason.as_str(),
                &summary(&erased),
            )
            .await?;
            let report = ErasureReport {
                seller_id: public_id(&current),
                reason: erasure.reason,
                erased,
                audit_entry_id: entry,
                at: Utc::now(),
            };
            Ok::<_, ApiError>((report, files))
        })
        .await?;
    for path in &files {
        storage::remove(data_dir, path).await;
    }
    tracing::info!(seller = %seller.id, reason = %erasure.reason.as_str(), "personal data erased");
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(categories: Option<&[&str]>, reason: Option<&str>) -> ErasureRequest {
        ErasureRequest {
            categories: categories.map(|c| c.iter().map(|s| s.to_string()).collect()),
            reason: reason.map(str::to_owned),
        }
    }

    fn fields(err: ApiError) -> Vec<String> {
        match err {
            ApiError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn erasure_requests_are_checked_field_by_field() {
        let ok = parse_erasure(request(
            Some(&["documents", "contacts", "documents"]),
            Some("data_principal_request"),
        ))
        .unwrap();
        assert_eq!(
            ok.categories,
            [ErasureCategory::Documents, ErasureCategory::Contacts]
        );
        assert_eq!(ok.reason, ErasureReason::DataPrincipalRequest);
        assert_eq!(
            fields(parse_erasure(request(None, None)).unwrap_err()),
            ["categories", "reason"]
        );
        assert_eq!(
            fields(parse_erasure(request(Some(&[]), Some("because"))).unwrap_err()),
            ["categories", "reason"]
        );
        assert_eq!(
            fields(parse_erasure(request(Some(&["bank"]), Some("legal_obligation"))).unwrap_err()),
            ["categories[0]"]
        );
    }

    #[test]
    fn the_audit_note_holds_counts_only() {
        let erased = [
            ErasedItems {
                category: ErasureCategory::Contacts,
                items: 2,
            },
            ErasedItems {
                category: ErasureCategory::Documents,
                items: 0,
            },
        ];
        assert_eq!(
            summary(&erased),
            "personal data erased: contacts (2), documents (0)"
        );
    }
}
