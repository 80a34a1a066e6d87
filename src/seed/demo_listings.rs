//! Demo listings for `scripts/run`: a few published listings of the approved demo seller, made
//! through the listing services (the fee rule applies), so the catalogue and the storefront
//! have something to show. Idempotent: a seller that has listings is left alone.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use super::principal_of;
use crate::db::PgConn;
use crate::db::schema::{listings, sellers};
use crate::http::{IfMatch, Json};
use crate::idempotency::Idempotency;
use crate::listings::api::{Listing, ListingRequest};
use crate::listings::lifecycle::Action;
use crate::listings::service;

const SELLER: &str = "seller@tiruppur-cotton.example";

fn demo_requests() -> Vec<serde_json::Value> {
    vec![
        json!({
            "title": "Organic cotton crew-neck T-shirts, 180 GSM",
            "description": "Single jersey knitted and garment-dyed in Tiruppur. GOTS certified organic cotton, pre-shrunk, packed 50 to a carton.",
            "sector": "textiles", "hs_code": "6109.10.00",
            "keywords": ["t-shirt", "organic cotton", "knitwear"],
            "attributes": {"fabric": "100% organic cotton", "gsm": "180"},
            "moq": 500, "moq_unit": "pieces", "currency": "USD",
            "price_breaks": [{"min_quantity": 500, "unit_price": "3.40"}, {"min_quantity": 2000, "unit_price": "2.95"}, {"min_quantity": 10000, "unit_price": "2.60"}],
            "incoterms": [{"incoterm": "FOB", "named_place": "Chennai"}, {"incoterm": "EXW"}],
            "lead_time_days": 30, "monthly_capacity": 60000,
            "certifications": ["gots", "oeko_tex"], "origin_state": "TN", "samples_available": true
        }),
        json!({
            "title": "Combed cotton yarn 40s Ne for knitting",
            "description": "Compact combed ring-spun cotton yarn on cones, for knitting and weaving mills.",
            "sector": "textiles", "hs_code": "5205.12.00",
            "keywords": ["cotton yarn", "combed yarn"],
            "moq": 1000, "moq_unit": "kg", "currency": "INR",
            "price_breaks": [{"min_quantity": 1000, "unit_price": "265.00"}, {"min_quantity": 5000, "unit_price": "248.00"}],
            "incoterms": [{"incoterm": "CIF", "named_place": "Mombasa"}, {"incoterm": "FCA", "named_place": "Tiruppur"}],
            "lead_time_days": 15, "monthly_capacity": 40000,
            "certifications": ["iso9001"], "origin_state": "TN"
        }),
        json!({
            "title": "Terry cotton bath towels, 500 GSM",
            "description": "Two-ply terry towels with dobby border, reactive dyed in twelve colours.",
            "sector": "textiles", "hs_code": "6302.60.00",
            "keywords": ["towel", "terry"],
            "moq": 1000, "moq_unit": "pieces", "currency": "EUR",
            "price_breaks": [{"min_quantity": 1000, "unit_price": "2.10"}],
            "incoterms": [{"incoterm": "FOB", "named_place": "Tuticorin"}],
            "lead_time_days": 45, "certifications": ["oeko_tex"], "origin_state": "TN"
        }),
    ]
}

/// Creates and publishes the demo listings of the approved demo seller.
pub async fn seed_listings(conn: &mut PgConn) -> Result<(), String> {
    let principal = principal_of(conn, SELLER).await?;
    let existing: i64 = listings::table
        .inner_join(sellers::table)
        .filter(sellers::organisation_id.eq(principal.organisation_id))
        .count()
        .get_result(conn)
        .await
        .map_err(|e| e.to_string())?;
    if existing > 0 {
        return Ok(());
    }
    for body in demo_requests() {
        let request: ListingRequest = serde_json::from_value(body).map_err(|e| e.to_string())?;
        let json = Json {
            value: request,
            fingerprint: [0; 32],
        };
        let (created, _) =
            service::create(conn, &principal, &Idempotency::none("/v1/listings"), json)
                .await
                .map_err(|e| format!("demo listing: {e}"))?;
        let listing: Listing = serde_json::from_slice(&created.body).map_err(|e| e.to_string())?;
        service::move_listing(
            conn,
            &principal,
            listing.id,
            Action::Publish,
            &IfMatch::Absent,
        )
        .await
        .map_err(|e| format!("publishing a demo listing: {e}"))?;
    }
    Ok(())
}
