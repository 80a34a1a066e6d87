//! Helpers of the RFQ tests: buyers with a profile, RFQs, listings to match, quotes.

use chrono::{Duration, Utc};
use exportbridge::auth::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use super::residency::publish_listing;
use super::sellers::{json_of, profile_in};
use super::vetting::{Forum, approve, submitted};
use super::{Session, TestApp};

pub fn buyer_profile_body() -> Value {
    json!({
        "company_name": "Guangzhou Hengda Trading Co.",
        "country_code": "CN",
        "business_type": "importer",
        "website": "https://hengda.example",
        "contact_name": "Li Wei",
        "contact_email": "li.wei@hengda.example",
        "contact_phone": "+862012345678"
    })
}

/// A buyer whose organisation has a profile.
pub async fn buyer(app: &TestApp) -> Session {
    let b = app.login_as(Role::Buyer).await;
    let res = app
        .request(
            reqwest::Method::PUT,
            "/v1/buyers/me/profile",
            Some(&b.token),
            Some(&buyer_profile_body()),
        )
        .await;
    json_of(res, 201).await;
    b
}

/// The RFQ the matching tests rank: 2,000 organic cotton T-shirts (HS 6109.10) in EUR at 3.00
/// at most, FOB, GOTS required, needed in 60 days.
pub fn rfq_body() -> Value {
    json!({
        "product": "Organic cotton T-shirts",
        "hs_code": "6109.10",
        "sector": "textiles",
        "quantity": 2000,
        "unit": "pieces",
        "currency": "EUR",
        "target_unit_price": "3.00",
        "destination_country": "CN",
        "destination_place": "Shanghai",
        "incoterm": "FOB",
        "needed_by": (Utc::now() + Duration::days(60)).date_naive(),
        "certifications": ["gots"]
    })
}

pub async fn post_rfq(app: &TestApp, buyer: &Session, body: &Value) -> Value {
    json_of(
        app.post_json("/v1/rfqs", body, Some(&buyer.token)).await,
        201,
    )
    .await
}

/// A listing: `(title, description, hs, moq, unit, breaks [(qty, price)], lead, certs)`.
pub struct L<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub hs: &'a str,
    pub moq: i64,
    pub unit: &'a str,
    pub currency: &'a str,
    pub breaks: &'a [(i64, &'a str)],
    pub lead: i32,
    pub certs: &'a [&'a str],
}

/// One published T-shirt listing that the RFQ of `rfq_body` matches.
pub const TSHIRTS: L<'static> = L {
    title: "Organic cotton T-shirts",
    description: "Single jersey.",
    hs: "6109.10.00",
    moq: 500,
    unit: "pieces",
    currency: "USD",
    breaks: &[(500, "3.40")],
    lead: 30,
    certs: &["gots"],
};

pub fn listing(l: &L) -> Value {
    let mut body = json!({
        "title": l.title,
        "description": l.description,
        "sector": "textiles",
        "hs_code": l.hs,
        "moq": l.moq,
        "moq_unit": l.unit,
        "currency": l.currency,
        "price_breaks": l.breaks.iter().map(|(q, p)| json!({"min_quantity": q, "unit_price": p})).collect::<Vec<_>>(),
        "incoterms": [{"incoterm": "FOB", "named_place": "Chennai"}],
        "lead_time_days": l.lead,
        "certifications": l.certs,
        "origin_state": "TN"
    });
    if l.description.is_empty() {
        body.as_object_mut().unwrap().remove("description");
    }
    body
}

/// Creates and publishes a listing; returns its id.
pub async fn publish(app: &TestApp, seller: &Session, l: &L<'_>) -> Uuid {
    publish_listing(app, seller, &listing(l))
        .await
        .parse()
        .unwrap()
}

/// An approved seller (a verified MSME when `msme`) vetted by `forum`; `n` makes its
/// identifiers unique.
pub async fn seller(app: &TestApp, forum: &Forum, n: u32, msme: bool) -> (Session, Uuid) {
    let profile = profile_in("33", "TN", n, &["textiles"], "manufacturer", msme);
    let (s, id) = submitted(app, &profile).await;
    approve(app, &forum.officer, id).await;
    (s, id)
}

pub fn quote_body(price: &str, quantity: i64) -> Value {
    json!({
        "unit_price": price,
        "currency": "USD",
        "quantity": quantity,
        "incoterm": "FOB",
        "named_place": "Chennai",
        "lead_time_days": 30,
        "notes": "GOTS certified, 180 GSM"
    })
}

pub async fn quote(app: &TestApp, seller: &Session, rfq: &str, body: &Value) -> Value {
    json_of(
        app.post_json(&format!("/v1/rfqs/{rfq}/quotes"), body, Some(&seller.token))
            .await,
        201,
    )
    .await
}
