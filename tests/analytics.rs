//! Seller analytics: storefront views, search impressions and listing views reach the seller's
//! own figures (counted in memory, added in batches); nobody else sees them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::residency::publish_listing;
use common::sellers::json_of;
use common::vetting::approved_seller;
use common::{TestApp, assert_problem};
use exportbridge::auth::Role;
use serde_json::{Value, json};

fn listing_body() -> Value {
    json!({
        "title": "Organic cotton polo shirts",
        "description": "Pique knit, GOTS certified cotton.",
        "sector": "textiles",
        "hs_code": "6105.10.00",
        "keywords": ["polo"],
        "moq": 300,
        "moq_unit": "pieces",
        "currency": "USD",
        "price_breaks": [{"min_quantity": 300, "unit_price": "4.10"}],
        "incoterms": [{"incoterm": "FOB", "named_place": "Chennai"}],
        "lead_time_days": 25,
        "origin_state": "TN"
    })
}

#[tokio::test]
async fn a_seller_sees_how_buyers_saw_it_and_nobody_else_does() {
    let app = TestApp::spawn_with(|c| c.analytics_flush_secs = 1).await;
    let (seller, _, _) = approved_seller(&app).await;
    let id = publish_listing(&app, &seller, &listing_body()).await;

    // Buyers (anonymous) search twice, open the listing once, visit the storefront once (and
    // page through it: the same visit).
    for _ in 0..2 {
        let page = json_of(app.get("/v1/catalogue/search?q=polo", None).await, 200).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
    }
    let listing = json_of(
        app.get(&format!("/v1/catalogue/listings/{id}"), None).await,
        200,
    )
    .await;
    let slug = listing["seller"]["storefront_slug"]
        .as_str()
        .unwrap()
        .to_owned();
    json_of(app.get(&format!("/v1/storefronts/{slug}"), None).await, 200).await;
    let first = json_of(
        app.get(&format!("/v1/storefronts/{slug}?limit=1"), None)
            .await,
        200,
    )
    .await;
    assert_eq!(first["listings"].as_array().unwrap().len(), 1);

    let want = json!({"storefront_views": 2, "search_impressions": 2, "listing_views": 1});
    let start = Instant::now();
    let figures = loop {
        let figures = json_of(
            app.get("/v1/sellers/me/analytics?days=7", Some(&seller.token))
                .await,
            200,
        )
        .await;
        if figures["totals"] == want {
            break figures;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{figures}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(figures["days"].as_array().unwrap().len(), 1);
    assert_eq!(figures["days"][0]["search_impressions"], 2);
    assert_eq!(figures["delay_seconds"], 1);
    assert_eq!(figures["seller_id"], listing["seller"]["id"]);

    // Only that seller: the route names no seller (it is always the caller's own); a seller
    // without a profile has none (409), other roles get 403.
    let other = app.login_as(Role::Seller).await;
    assert_problem(
        app.get("/v1/sellers/me/analytics", Some(&other.token))
            .await,
        409,
    )
    .await;
    for role in [Role::Buyer, Role::Admin, Role::Auditor] {
        let session = app.login_as(role).await;
        assert_problem(
            app.get("/v1/sellers/me/analytics", Some(&session.token))
                .await,
            403,
        )
        .await;
    }
    assert_problem(app.get("/v1/sellers/me/analytics", None).await, 401).await;
    let problem = assert_problem(
        app.get("/v1/sellers/me/analytics?days=0", Some(&seller.token))
            .await,
        422,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "days");
}
