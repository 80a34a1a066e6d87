//! Readiness for submission: what a profile still lacks, and the profile that may be submitted
//! now (vetting's intake submits it).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::access::{no_profile_yet, own_seller};
use crate::auth::Principal;
use crate::db::schema::seller_documents;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::{IfMatch, etag};
use crate::sellers::api::{EnterpriseType, EvidenceKind};
use crate::sellers::lifecycle::{Action, transition};
use crate::sellers::model::SellerRow;

/// Everything a profile still lacks before it can be submitted, as field errors.
pub fn missing_for_submission(s: &SellerRow, documents: &[EvidenceKind]) -> Vec<FieldError> {
    let mut missing: Vec<&str> = Vec::new();
    let mut need = |field: &'static str, present: bool| {
        if !present {
            missing.push(field);
        }
    };
    need("legal_name", s.legal_name.is_some());
    need("trading_name", s.trading_name.is_some());
    need("enterprise_type", s.enterprise_type.is_some());
    need("sectors", !s.sectors.is_empty());
    // Claiming MSME status (a category or a Udyam number) needs both.
    let claims_msme = s.msme_category.is_some() || s.udyam_number.is_some();
    need("msme_category", !claims_msme || s.msme_category.is_some());
    need("year_established", s.year_established.is_some());
    need("employees", s.employees.is_some());
    need("registered_address.line1", s.address_line1.is_some());
    need("registered_address.city", s.address_city.is_some());
    need("registered_address.state", s.address_state.is_some());
    need(
        "registered_address.postal_code",
        s.address_postal_code.is_some(),
    );
    need(
        "contacts",
        s.contacts.as_array().is_some_and(|c| !c.is_empty()),
    );
    need("gstin", s.gstin.is_some());
    need("pan", s.pan.is_some());
    need("iec", s.iec.is_some());
    need("udyam_number", !claims_msme || s.udyam_number.is_some());
    need("payout_account", s.payout_account_ref.is_some());
    let has = |k: EvidenceKind| documents.contains(&k);
    need(
        "documents.gstin_certificate",
        has(EvidenceKind::GstinCertificate),
    );
    need("documents.address_proof", has(EvidenceKind::AddressProof));
    let manufacturer = s.enterprise_type == Some(EnterpriseType::Manufacturer);
    need(
        "documents.manufacturing_evidence",
        !manufacturer || has(EvidenceKind::ManufacturingEvidence),
    );
    missing
        .into_iter()
        .map(|field| {
            FieldError::new(
                field,
                "required",
                "required before the profile can be submitted",
            )
        })
        .collect()
}

/// The caller's profile, locked in the caller's transaction, once it may be submitted: it
/// exists (else 409), matches `If-Match` when one is given (else 412), its status allows a
/// submission (else 409) and nothing is missing (one 422 lists everything). Vetting's intake
/// makes the submission itself.
pub async fn submittable(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    if_match: &IfMatch,
) -> ApiResult<SellerRow> {
    let current = own_seller(conn, principal, true)
        .await?
        .ok_or_else(no_profile_yet)?;
    if_match.check_if_present(&etag(current.version))?;
    transition(current.status, Action::Submit)?;
    let kinds: Vec<EvidenceKind> = seller_documents::table
        .filter(seller_documents::seller_id.eq(current.id))
        .select(seller_documents::kind)
        .distinct()
        .load(conn)
        .await?;
    let missing = missing_for_submission(&current, &kinds);
    if !missing.is_empty() {
        return Err(ApiError::Validation(missing));
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::sellers::model::ProfileColumns;
    use crate::sellers::service::parse_profile;
    use crate::sellers::service::test_fixtures::{YEAR, row, valid_request};

    fn missing(row: &SellerRow, docs: &[EvidenceKind]) -> Vec<String> {
        missing_for_submission(row, docs)
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn an_empty_profile_lacks_everything() {
        let empty = row(ProfileColumns {
            contacts: serde_json::json!([]),
            ..Default::default()
        });
        assert_eq!(
            missing(&empty, &[]),
            [
                "legal_name",
                "trading_name",
                "enterprise_type",
                "sectors",
                "year_established",
                "employees",
                "registered_address.line1",
                "registered_address.city",
                "registered_address.state",
                "registered_address.postal_code",
                "contacts",
                "gstin",
                "pan",
                "iec",
                "payout_account",
                "documents.gstin_certificate",
                "documents.address_proof",
            ]
        );
    }

    #[test]
    fn completeness_depends_on_msme_and_manufacturing() {
        let mut complete = row(parse_profile(valid_request(), YEAR, "IN").unwrap());
        complete.payout_account_ref = Some(Uuid::now_v7());
        let all = [
            EvidenceKind::GstinCertificate,
            EvidenceKind::AddressProof,
            EvidenceKind::ManufacturingEvidence,
        ];
        assert!(missing(&complete, &all).is_empty());
        assert_eq!(
            missing(&complete, &all[..2]),
            ["documents.manufacturing_evidence"]
        );
        let mut merchant = complete.clone();
        merchant.enterprise_type = Some(EnterpriseType::MerchantExporter);
        assert!(missing(&merchant, &all[..2]).is_empty());
        let mut no_udyam = complete.clone();
        no_udyam.udyam_number = None;
        assert_eq!(missing(&no_udyam, &all), ["udyam_number"]);
        let mut no_category = complete.clone();
        no_category.msme_category = None;
        assert_eq!(missing(&no_category, &all), ["msme_category"]);
        let mut not_msme = no_udyam.clone();
        not_msme.msme_category = None;
        assert!(missing(&not_msme, &all).is_empty());
    }
}
