//! Listings and storefronts through the real server and real PostgreSQL: the lifecycle and who
//! may move it, the listing fee, ETag/If-Match, a seller's standing reaching its listings, and
//! storefronts that never show personal data.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sellers::*;
use common::vetting::*;
use common::{Session, TestApp, assert_problem, problem_fields};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use exportbridge::auth::Role;
use exportbridge::db::schema::{listing_audit_log, sellers};
use reqwest::Response;
use serde_json::{Value, json};
use uuid::Uuid;

fn listing_body(title: &str) -> Value {
    json!({
        "title": title,
        "description": "Single jersey, reactive dyed, pre-shrunk. Packed 50 to a carton.",
        "sector": "textiles",
        "hs_code": "6109.10.00",
        "keywords": ["t-shirt", "organic cotton"],
        "attributes": {"gsm": "180", "fabric": "100% organic cotton"},
        "moq": 500,
        "moq_unit": "pieces",
        "currency": "USD",
        "price_breaks": [
            {"min_quantity": 500, "unit_price": "3.40"},
            {"min_quantity": 2000, "unit_price": "2.95"}
        ],
        "incoterms": [{"incoterm": "FOB", "named_place": "Chennai"}, {"incoterm": "EXW"}],
        "lead_time_days": 30,
        "monthly_capacity": 50000,
        "certifications": ["gots", "oeko_tex"],
        "origin_state": "TN",
        "samples_available": true,
        "image_urls": ["https://cdn.example/tee.jpg"]
    })
}

async fn create(app: &TestApp, s: &Session, body: &Value) -> Response {
    app.post_json("/v1/listings", body, Some(&s.token)).await
}

async fn created(app: &TestApp, s: &Session, title: &str) -> Value {
    json_of(create(app, s, &listing_body(title)).await, 201).await
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn act(app: &TestApp, s: &Session, id: &str, action: &str) -> Response {
    app.post_json(
        &format!("/v1/listings/{id}/{action}"),
        &json!({}),
        Some(&s.token),
    )
    .await
}

async fn put_listing(
    app: &TestApp,
    s: &Session,
    id: &str,
    body: &Value,
    if_match: Option<&str>,
) -> Response {
    let mut req = app
        .client
        .put(app.url(&format!("/v1/listings/{id}")))
        .bearer_auth(&s.token)
        .json(body);
    if let Some(tag) = if_match {
        req = req.header("If-Match", tag);
    }
    req.send().await.unwrap()
}

async fn slug_of(app: &TestApp, seller_id: Uuid) -> String {
    let mut conn = app.db().await;
    sellers::table
        .filter(sellers::organisation_id.eq(seller_id))
        .select(sellers::storefront_slug)
        .first::<Option<String>>(&mut conn)
        .await
        .unwrap()
        .unwrap()
}

async fn storefront_ids(app: &TestApp, slug: &str) -> Option<Vec<String>> {
    let res = app.get(&format!("/v1/storefronts/{slug}"), None).await;
    if res.status() == 404 {
        return None;
    }
    let page = json_of(res, 200).await;
    Some(
        page["listings"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect(),
    )
}

#[tokio::test]
async fn the_lifecycle_and_who_may_move_it() {
    let app = TestApp::spawn().await;
    let (seller, seller_id, _) = approved_seller(&app).await;

    let res = create(&app, &seller, &listing_body("Organic cotton T-shirts")).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["etag"], "\"1\"");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let draft: Value = res.json().await.unwrap();
    let id = id_of(&draft);
    assert_eq!(location, format!("/v1/listings/{id}"));
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["seller_id"], seller_id.to_string());
    assert_eq!(draft["hs_code"], "61091000");
    assert_eq!(draft["price_breaks"][1]["unit_price"]["amount"], "2.95");
    assert_eq!(draft["origin_state_name"], "Tamil Nadu");
    assert_eq!(draft["visible_in_catalogue"], false);
    assert!(draft["listing_fee"].is_null());

    // Nobody else sees the draft: another seller, a buyer, the public storefront.
    let other = app.login_as(Role::Seller).await;
    let buyer = app.login_as(Role::Buyer).await;
    for (who, acting) in [(&other, 404), (&buyer, 403)] {
        assert_problem(app.get(&location, Some(&who.token)).await, 404).await;
        assert_problem(act(&app, who, &id, "publish").await, acting).await;
    }
    assert_problem(app.get(&location, None).await, 401).await;
    assert_problem(app.get(&location, Some("not.a.token")).await, 401).await;
    let slug = slug_of(&app, seller_id).await;
    assert_eq!(
        storefront_ids(&app, &slug).await.unwrap(),
        Vec::<String>::new()
    );
    let auditor = app.login_as(Role::Auditor).await;
    json_of(app.get(&location, Some(&auditor.token)).await, 200).await;

    // Publish, pause, publish again, archive.
    let published = json_of(act(&app, &seller, &id, "publish").await, 200).await;
    assert_eq!(published["status"], "published");
    assert_eq!(published["visible_in_catalogue"], true);
    assert_eq!(
        storefront_ids(&app, &slug).await.unwrap(),
        std::slice::from_ref(&id)
    );
    let problem = assert_problem(act(&app, &seller, &id, "publish").await, 409).await;
    assert_eq!(
        problem["detail"],
        "cannot publish: the listing is published (possible now: pause, archive)"
    );
    let paused = json_of(act(&app, &seller, &id, "pause").await, 200).await;
    assert_eq!(paused["status"], "paused");
    assert_eq!(
        storefront_ids(&app, &slug).await.unwrap(),
        Vec::<String>::new()
    );
    let again = json_of(act(&app, &seller, &id, "publish").await, 200).await;
    assert_eq!(again["first_published_at"], published["first_published_at"]);
    assert_eq!(
        again["listing_fee"], published["listing_fee"],
        "charged once"
    );
    let archived = json_of(act(&app, &seller, &id, "archive").await, 200).await;
    assert_eq!(archived["status"], "archived");
    assert_eq!(archived["version"], 5);
    assert_problem(act(&app, &seller, &id, "publish").await, 409).await;
    let tag = format!("\"{}\"", archived["version"]);
    assert_problem(
        put_listing(&app, &seller, &id, &listing_body("Changed"), Some(&tag)).await,
        409,
    )
    .await;

    // Each move is in the append-only audit log.
    let mut conn = app.db().await;
    let actions: Vec<String> = listing_audit_log::table
        .filter(listing_audit_log::listing_id.eq(id.parse::<Uuid>().unwrap()))
        .order(listing_audit_log::id)
        .select(listing_audit_log::action)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        actions,
        ["create", "publish", "pause", "publish", "archive"]
    );
    let err = diesel::delete(listing_audit_log::table)
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[tokio::test]
async fn only_an_approved_seller_publishes() {
    let app = TestApp::spawn().await;
    let (seller, _) = complete_seller(&app).await;
    let id = id_of(&created(&app, &seller, "Terry towels").await);
    let problem = assert_problem(act(&app, &seller, &id, "publish").await, 409).await;
    assert_eq!(
        problem["detail"],
        "only an approved seller publishes listings; the seller is draft"
    );
    // Without a profile there is nothing to list under.
    let newcomer = app.login_as(Role::Seller).await;
    assert_problem(create(&app, &newcomer, &listing_body("Towels")).await, 409).await;
}

#[tokio::test]
async fn verified_msmes_list_free_and_others_pay_the_schedule_in_force() {
    let app = TestApp::spawn().await;
    let (msme, _, forum) = approved_seller(&app).await;
    let id = id_of(&created(&app, &msme, "Organic cotton T-shirts").await);
    let fee = json_of(act(&app, &msme, &id, "publish").await, 200).await["listing_fee"].clone();
    assert_eq!(
        fee,
        json!({
            "fee": {"currency": "INR", "amount": "0.00", "minor": 0},
            "gst": {"currency": "INR", "amount": "0.00", "minor": 0},
            "fee_schedule_version": 1,
            "waived": "verified_msme"
        })
    );

    // A new schedule version with a dearer listing fee applies to the next first publish.
    let schedule = json_of(
        app.get(
            "/v1/settlement/fee-schedules/current",
            Some(&forum.admin.token),
        )
        .await,
        200,
    )
    .await["schedule"]
        .clone();
    assert_eq!(schedule["listing_fee"]["amount_inr"], "500");
    let mut dearer = schedule.clone();
    dearer["listing_fee"]["amount_inr"] = json!("750");
    let res = app
        .post_json(
            "/v1/settlement/fee-schedules",
            &json!({"label": "listing fee 750", "schedule": dearer}),
            Some(&forum.admin.token),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());

    let profile = profile_in("27", "MH", 7, &["textiles"], "merchant_exporter", false);
    let (exporter, exporter_id) = submitted(&app, &profile).await;
    approve(&app, &forum.officer, exporter_id).await;
    let id = id_of(&created(&app, &exporter, "Cotton yarn 40s combed").await);
    let fee = json_of(act(&app, &exporter, &id, "publish").await, 200).await["listing_fee"].clone();
    assert_eq!(
        fee,
        json!({
            "fee": {"currency": "INR", "amount": "750.00", "minor": 75000},
            "gst": {"currency": "INR", "amount": "135.00", "minor": 13500},
            "fee_schedule_version": 2,
            "waived": null
        })
    );
}

#[tokio::test]
async fn replacing_needs_a_current_if_match() {
    let app = TestApp::spawn().await;
    let (seller, _, _) = approved_seller(&app).await;
    let id = id_of(&created(&app, &seller, "Brass diyas").await);
    let mut body = listing_body("Brass diyas, hand-polished");
    assert_problem(put_listing(&app, &seller, &id, &body, None).await, 428).await;
    assert_problem(
        put_listing(&app, &seller, &id, &body, Some("\"7\"")).await,
        412,
    )
    .await;
    let res = put_listing(&app, &seller, &id, &body, Some("\"1\"")).await;
    assert_eq!(res.headers()["etag"], "\"2\"");
    let updated = json_of(res, 200).await;
    assert_eq!(updated["title"], "Brass diyas, hand-polished");
    assert_problem(
        put_listing(&app, &seller, &id, &body, Some("\"1\"")).await,
        412,
    )
    .await;

    // Bad fields: one 422 naming each, nothing written.
    body["price_breaks"][0]["min_quantity"] = json!(100);
    body["incoterms"] = json!([{"incoterm": "CIF"}]);
    body["image_urls"] = json!(["http://cdn.example/x.jpg"]);
    body["hs_code"] = json!("7701.10");
    let problem = assert_problem(
        put_listing(&app, &seller, &id, &body, Some("\"2\"")).await,
        422,
    )
    .await;
    assert_eq!(
        problem_fields(&problem),
        [
            "hs_code",
            "price_breaks[0].min_quantity",
            "incoterms[0].named_place",
            "image_urls[0]"
        ]
    );
    let stored = json_of(
        app.get(&format!("/v1/listings/{id}"), Some(&seller.token))
            .await,
        200,
    )
    .await;
    assert_eq!(stored["version"], 2);

    // Another seller cannot replace it, even with the right tag.
    let other = app.login_as(Role::Seller).await;
    assert_problem(
        put_listing(&app, &other, &id, &listing_body("Mine"), Some("\"2\"")).await,
        404,
    )
    .await;
}

#[tokio::test]
async fn creates_replay_with_an_idempotency_key() {
    let app = TestApp::spawn().await;
    let (seller, _, _) = approved_seller(&app).await;
    let body = listing_body("Kalamkari cushion covers");
    let first = app
        .post_json_with_key("/v1/listings", &body, &seller.token, "listing-1")
        .await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = app
        .post_json_with_key("/v1/listings", &body, &seller.token, "listing-1")
        .await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    let mine = json_of(app.get("/v1/listings", Some(&seller.token)).await, 200).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_suspended_or_expired_sellers_listings_leave_and_come_back() {
    let app = TestApp::spawn().await;
    let (seller, seller_id, forum) = approved_seller(&app).await;
    let slug = slug_of(&app, seller_id).await;
    let id = id_of(&created(&app, &seller, "Organic cotton T-shirts").await);
    json_of(act(&app, &seller, &id, "publish").await, 200).await;
    assert_eq!(
        storefront_ids(&app, &slug).await.unwrap(),
        std::slice::from_ref(&id)
    );

    let suspend = format!("/v1/vetting/applications/{seller_id}/suspend");
    json_of(
        app.post_json(
            &suspend,
            &json!({"reason_codes": ["compliance_breach"]}),
            Some(&forum.officer.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(storefront_ids(&app, &slug).await, None, "storefront gone");
    let own = json_of(
        app.get(&format!("/v1/listings/{id}"), Some(&seller.token))
            .await,
        200,
    )
    .await;
    assert_eq!(
        (
            own["status"].as_str(),
            own["visible_in_catalogue"].as_bool()
        ),
        (Some("published"), Some(false))
    );

    let reinstate = format!("/v1/vetting/applications/{seller_id}/reinstate");
    json_of(
        app.post_json(
            &reinstate,
            &json!({"note": "Cleared."}),
            Some(&forum.admin.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        storefront_ids(&app, &slug).await.unwrap(),
        std::slice::from_ref(&id),
        "back without the seller doing anything"
    );

    // Expiry, then renewal (submit again, approved again).
    let mut conn = app.db().await;
    diesel::update(sellers::table.filter(sellers::organisation_id.eq(seller_id)))
        .set(sellers::valid_until.eq(chrono::Utc::now() - chrono::Duration::minutes(1)))
        .execute(&mut conn)
        .await
        .unwrap();
    let expired = json_of(
        app.post_json(
            "/v1/admin/vetting/expire-due",
            &json!({}),
            Some(&forum.admin.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(expired["expired"], 1);
    assert_eq!(storefront_ids(&app, &slug).await, None);
    json_of(submit(&app, &seller).await, 200).await;
    approve(&app, &forum.officer, seller_id).await;
    assert_eq!(storefront_ids(&app, &slug).await.unwrap(), [id]);
}

#[tokio::test]
async fn storefronts_page_the_listings_and_show_no_personal_data() {
    let app = TestApp::spawn().await;
    let profile = complete_profile();
    let (seller, seller_id, _) = approved_seller_with(&app, &profile).await;
    let slug = slug_of(&app, seller_id).await;
    assert!(slug.starts_with("tiruppur-knits-"), "{slug}");
    let mut ids = Vec::new();
    for n in 0..5 {
        let id = id_of(&created(&app, &seller, &format!("Knitted polo shirts style {n}")).await);
        json_of(act(&app, &seller, &id, "publish").await, 200).await;
        ids.push(id);
    }
    ids.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/storefronts/{slug}?limit=2&cursor={c}"),
            None => format!("/v1/storefronts/{slug}?limit=2"),
        };
        let page = json_of(app.get(&path, None).await, 200).await;
        assert_no_personal_data(&page, &profile);
        assert_eq!(page["seller"]["trading_name"], "Tiruppur Knits");
        assert_eq!(page["seller"]["badge"]["kind"], "verified_msme");
        seen.extend(page["listings"].as_array().unwrap().iter().map(id_of));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ids, "newest first, no duplicates or gaps");
    assert_problem(app.get("/v1/storefronts/no-such-seller", None).await, 404).await;
    for (query, field) in [("limit=0", "limit"), ("cursor=zzz", "cursor")] {
        let res = app
            .get(&format!("/v1/storefronts/{slug}?{query}"), None)
            .await;
        assert_eq!(problem_fields(&assert_problem(res, 422).await), [field]);
    }
}
