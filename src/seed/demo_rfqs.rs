//! A demo RFQ for `scripts/run`: the Shenzhen buyer's profile and its request for organic cotton
//! T-shirts, made through the RFQ services, so it is matched (the demo T-shirt seller gets a
//! lead) and `GET /v1/rfqs/{id}/matches` has something to explain. Idempotent: a buyer that
//! has RFQs is left alone.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use super::principal_of;
use crate::config::Config;
use crate::db::PgConn;
use crate::db::schema::rfqs;
use crate::http::{IfMatch, Json};
use crate::idempotency::Idempotency;
use crate::matching::Weights;
use crate::rfq::api::{BuyerProfileRequest, RfqRequest};
use crate::rfq::service::{buyers, rfqs as rfq_service};

const BUYER: &str = "buyer@shenzhen-trading.example";

/// The Shenzhen buyer's profile and one open RFQ.
pub async fn seed_rfqs(
    config: &Config,
    platform: &crate::db::PgPool,
    conn: &mut PgConn,
) -> Result<(), String> {
    let principal = principal_of(conn, BUYER).await?;
    let existing: i64 = rfqs::table
        .filter(rfqs::buyer_organisation_id.eq(principal.organisation_id))
        .count()
        .get_result(conn)
        .await
        .map_err(|e| e.to_string())?;
    if existing > 0 {
        return Ok(());
    }
    let profile: BuyerProfileRequest = serde_json::from_value(json!({
        "company_name": "Shenzhen Harbour Trading Co.",
        "country_code": "CN",
        "business_type": "importer",
        "website": "https://shenzhen-trading.example",
        "contact_name": "Chen Wei",
        "contact_email": BUYER,
        "contact_phone": "+8675512345678"
    }))
    .map_err(|e| e.to_string())?;
    if buyers::get(conn, &principal).await.is_err() {
        buyers::put(conn, &principal, &IfMatch::Absent, profile)
            .await
            .map_err(|e| format!("demo buyer profile: {e}"))?;
    }
    let request: RfqRequest = serde_json::from_value(json!({
        "product": "Organic cotton T-shirts, 180 GSM",
        "description": "Crew neck, garment dyed, assorted sizes S-XL. GOTS certificate needed.",
        "hs_code": "6109.10",
        "sector": "textiles",
        "quantity": 5000,
        "unit": "pieces",
        "currency": "USD",
        "target_unit_price": "3.00",
        "destination_country": "CN",
        "destination_place": "Shenzhen (Yantian)",
        "incoterm": "FOB",
        "needed_by": (Utc::now() + Duration::days(75)).date_naive(),
        "certifications": ["gots"]
    }))
    .map_err(|e| e.to_string())?;
    let data = crate::settlement::cache::PricingCache::default()
        .get(platform, None)
        .await
        .map_err(|e| e.to_string())?;
    let (rates, _) = crate::settlement::fx::derive(&data.rates, Utc::now(), config.fx_max_age_secs);
    let inputs = rfq_service::MatchingInputs {
        rates,
        weights: Weights::from_config(config.matching_weights.as_deref())?,
        timeout_ms: config.search_timeout_ms,
    };
    rfq_service::create(
        conn,
        &inputs,
        &principal,
        &Idempotency::none("/v1/rfqs"),
        Json {
            value: request,
            fingerprint: [0; 32],
        },
    )
    .await
    .map_err(|e| format!("demo RFQ: {e}"))?;
    Ok(())
}
