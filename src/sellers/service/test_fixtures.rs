//! Shared fixtures of the service's unit tests: a valid profile request and a row built from
//! parsed columns.

use chrono::Utc;
use uuid::Uuid;

use crate::identifiers::Gstin;
use crate::sellers::api::{AddressInput, ContactInput, ProfileRequest, SellerStatus};
use crate::sellers::model::{ProfileColumns, SellerRow};

pub const YEAR: i32 = 2026;

pub fn gstin(first14: &str) -> String {
    Gstin::with_check_char(first14).unwrap()
}

pub fn valid_request() -> ProfileRequest {
    ProfileRequest {
        legal_name: Some(" Tiruppur Knitwear Exports Private Limited ".into()),
        trading_name: Some("Tiruppur Knits".into()),
        enterprise_type: Some("Manufacturer".into()),
        sectors: Some(vec!["textiles".into(), "textiles".into(), "leather".into()]),
        msme_category: Some("small".into()),
        year_established: Some(2009),
        employees: Some(85),
        registered_address: Some(AddressInput {
            line1: Some("14 Kumaran Road".into()),
            city: Some("Tiruppur".into()),
            state: Some("tn".into()),
            postal_code: Some("641 601".into()),
            ..Default::default()
        }),
        contacts: Some(vec![ContactInput {
            name: Some("Lakshmi".into()),
            designation: None,
            email: Some("Exports@Tiruppur.example".into()),
            phone: Some("+91 98765 43210".into()),
        }]),
        export_markets: Some(vec!["ae".into(), "KE".into(), "AE".into()]),
        gstin: Some(gstin("33aapfu0939f1z")),
        pan: Some("aapfu0939f".into()),
        iec: Some("AAPFU0939F".into()),
        udyam_number: Some("udyam-tn-29-0012345".into()),
        public_identifiers: Some(vec!["gstin".into()]),
    }
}

pub fn row(columns: ProfileColumns) -> SellerRow {
    let now = Utc::now();
    SellerRow {
        id: Uuid::now_v7(),
        organisation_id: Uuid::now_v7(),
        status: SellerStatus::Draft,
        version: 1,
        legal_name: columns.legal_name,
        trading_name: columns.trading_name,
        enterprise_type: columns.enterprise_type,
        sectors: columns.sectors,
        msme_category: columns.msme_category,
        year_established: columns.year_established,
        employees: columns.employees,
        address_line1: columns.address_line1,
        address_line2: columns.address_line2,
        address_city: columns.address_city,
        address_district: columns.address_district,
        address_state: columns.address_state,
        address_postal_code: columns.address_postal_code,
        contacts: columns.contacts,
        export_markets: columns.export_markets,
        gstin: columns.gstin,
        pan: columns.pan,
        iec: columns.iec,
        udyam_number: columns.udyam_number,
        public_identifiers: columns.public_identifiers,
        payout_account_ref: None,
        payout_last4: None,
        payout_ifsc: None,
        payout_bank_name: None,
        vetting_body_id: None,
        submitted_at: None,
        decided_at: None,
        valid_until: None,
        badge_kind: None,
        badge_issued_by: None,
        badge_issued_at: None,
        badge_valid_until: None,
        storefront_slug: None,
        home_jurisdiction: "IN".into(),
        created_at: now,
        updated_at: now,
    }
}
