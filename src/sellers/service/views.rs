//! The API views built from stored rows — the private profile, the public storefront profile,
//! document metadata and audit entries.

use chrono::Utc;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::identifiers::IndianState;
use crate::sellers::api::*;
use crate::sellers::lifecycle::is_editable;
use crate::sellers::model::{AuditRow, DocumentRow, SellerRow, badge_of, public_id};

fn state_name(code: Option<&str>) -> Option<String> {
    code.and_then(IndianState::from_code)
        .map(|s| s.name().to_owned())
}

pub fn profile_view(row: &SellerRow) -> ApiResult<SellerProfile> {
    let status = row.status;
    let address_present = [
        &row.address_line1,
        &row.address_line2,
        &row.address_city,
        &row.address_district,
        &row.address_state,
        &row.address_postal_code,
    ]
    .iter()
    .any(|f| f.is_some());
    let payout_account = match (&row.payout_account_ref, &row.payout_last4, &row.payout_ifsc) {
        (Some(reference), Some(last4), Some(ifsc)) => Some(PayoutAccountSummary {
            reference: *reference,
            account_number_masked: format!("XXXX{last4}"),
            last4: last4.clone(),
            ifsc: ifsc.clone(),
            bank_name: row.payout_bank_name.clone(),
        }),
        _ => None,
    };
    Ok(SellerProfile {
        id: public_id(row),
        organisation_id: row.organisation_id,
        status,
        editable: is_editable(status),
        version: row.version,
        legal_name: row.legal_name.clone(),
        trading_name: row.trading_name.clone(),
        enterprise_type: row.enterprise_type,
        sectors: row.sectors.clone(),
        msme_category: row.msme_category,
        year_established: row.year_established,
        employees: row.employees,
        registered_address: address_present.then(|| Address {
            line1: row.address_line1.clone(),
            line2: row.address_line2.clone(),
            city: row.address_city.clone(),
            district: row.address_district.clone(),
            state: row.address_state.clone(),
            state_name: state_name(row.address_state.as_deref()),
            postal_code: row.address_postal_code.clone(),
        }),
        contacts: serde_json::from_value(row.contacts.clone()).map_err(ApiError::internal)?,
        export_markets: row.export_markets.clone(),
        gstin: row.gstin.clone(),
        pan: row.pan.clone(),
        iec: row.iec.clone(),
        udyam_number: row.udyam_number.clone(),
        public_identifiers: row.public_identifiers.clone(),
        payout_account,
        vetting_body_id: row.vetting_body_id,
        submitted_at: row.submitted_at,
        decided_at: row.decided_at,
        valid_until: row.valid_until,
        badge: badge_of(row),
        home_jurisdiction: row.home_jurisdiction.clone(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// What storefronts show: only approved sellers, only the public fields, and only the
/// identifiers the seller marked public. A badge shows while it is valid.
pub fn public_view(
    row: &SellerRow,
    now: chrono::DateTime<Utc>,
) -> ApiResult<Option<PublicProfile>> {
    if row.status != SellerStatus::Approved {
        return Ok(None);
    }
    let public = &row.public_identifiers;
    let shown = |which: PublicIdentifier, value: &Option<String>| {
        if public.contains(&which) {
            value.clone()
        } else {
            None
        }
    };
    Ok(Some(PublicProfile {
        id: public_id(row),
        trading_name: row.trading_name.clone(),
        state: row.address_state.clone(),
        state_name: state_name(row.address_state.as_deref()),
        sectors: row.sectors.clone(),
        enterprise_type: row.enterprise_type,
        msme_category: row.msme_category,
        year_established: row.year_established,
        badge: badge_of(row).filter(|b| b.valid_at(now)),
        identifiers: PublicIdentifiers {
            gstin: shown(PublicIdentifier::Gstin, &row.gstin),
            iec: shown(PublicIdentifier::Iec, &row.iec),
            udyam_number: shown(PublicIdentifier::UdyamNumber, &row.udyam_number),
        },
    }))
}

/// A document's metadata; `seller_id` is the seller's public id.
pub fn document_view(seller_id: Uuid, row: &DocumentRow) -> ApiResult<DocumentView> {
    Ok(DocumentView {
        id: row.id,
        seller_id,
        kind: row.kind,
        media_type: row.media_type.clone(),
        original_filename: row.original_filename.clone(),
        size_bytes: row.size_bytes,
        sha256: row.sha256.clone(),
        uploaded_by: row.uploaded_by,
        created_at: row.created_at,
        content_url: format!("/v1/sellers/{seller_id}/documents/{}/content", row.id),
    })
}

pub(super) fn audit_view(seller_id: Uuid, row: &AuditRow) -> ApiResult<AuditEntry> {
    Ok(AuditEntry {
        id: row.id,
        seller_id,
        actor_user_id: row.actor_user_id,
        actor_role: row.actor_role.clone(),
        at: row.at,
        action: row.action,
        from_status: row.from_status,
        to_status: row.to_status,
        reason_codes: row.reason_codes.clone(),
        note: row.note.clone(),
        request_id: row.request_id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sellers::service::parse_profile;
    use crate::sellers::service::test_fixtures::{YEAR, row, valid_request};

    #[test]
    fn the_public_view_shows_only_public_fields_of_approved_sellers() {
        let mut r = row(parse_profile(valid_request(), YEAR, "IN").unwrap());
        let now = Utc::now();
        assert!(public_view(&r, now).unwrap().is_none());
        r.status = SellerStatus::Approved;
        r.badge_kind = Some(BadgeKind::VerifiedMsme);
        r.badge_issued_by = Some(Uuid::now_v7());
        r.badge_issued_at = Some(now);
        r.badge_valid_until = Some(now + chrono::Duration::days(1));
        let p = public_view(&r, now).unwrap().unwrap();
        assert_eq!(p.trading_name.as_deref(), Some("Tiruppur Knits"));
        assert_eq!(p.state_name.as_deref(), Some("Tamil Nadu"));
        assert!(p.badge.is_some());
        assert_eq!(p.identifiers.gstin, r.gstin);
        assert!(p.identifiers.iec.is_none() && p.identifiers.udyam_number.is_none());
        let json = serde_json::to_string(&p).unwrap();
        for secret in ["Lakshmi", "+919876543210", "AAPFU0939F\"", "Kumaran"] {
            assert!(!json.contains(secret), "{secret} in {json}");
        }
        // An expired badge is not shown; a suspended seller is not public.
        assert!(
            public_view(&r, now + chrono::Duration::days(2))
                .unwrap()
                .unwrap()
                .badge
                .is_none()
        );
        r.status = SellerStatus::Suspended;
        assert!(public_view(&r, now).unwrap().is_none());
    }
}
