//! RFQs, matching, leads, quotes and trades through the HTTP API against real PostgreSQL (both
//! stores).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::residency::{copy, count};
use common::rfq::*;
use common::sellers::json_of;
use common::vetting::{Forum, forum};
use common::{Session, TestApp, assert_problem, problem_fields};
use exportbridge::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// The fixed catalogue of the matching tests and the RFQ posted against it.
struct Market {
    forum: Forum,
    buyer: Session,
    /// Verified MSME: "Organic cotton T-shirts", and a weaker second listing.
    a: Session,
    a_listing: Uuid,
    /// Not a verified MSME: dearer, slower, same heading only.
    b: Session,
    b_listing: Uuid,
    /// Only listings a hard constraint excludes (MOQ above the quantity; kilograms).
    d: Session,
    rfq: Value,
}

fn rfq_id(m: &Market) -> &str {
    m.rfq["id"].as_str().unwrap()
}

async fn market(app: &TestApp) -> Market {
    let forum = forum(app).await;
    app.post_rates(
        &forum.admin,
        &[("USD", "INR", "84.00"), ("EUR", "INR", "90.00")],
    )
    .await;
    let (a, _) = seller(app, &forum, 1, true).await;
    let (b, _) = seller(app, &forum, 2, false).await;
    let (d, _) = seller(app, &forum, 3, false).await;
    let (e, e_id) = seller(app, &forum, 4, false).await;
    let a_listing = publish(
        app,
        &a,
        &L {
            title: "Organic cotton T-shirts",
            description: "Single jersey, 180 GSM.",
            hs: "6109.10.00",
            moq: 500,
            unit: "pieces",
            currency: "USD",
            breaks: &[(500, "3.40"), (2000, "3.20")],
            lead: 30,
            certs: &["gots"],
        },
    )
    .await;
    // A weaker listing of the same seller: only its best listing ranks.
    publish(
        app,
        &a,
        &L {
            title: "Plain T-shirts",
            description: "Organic cotton.",
            hs: "6109.90.00",
            moq: 500,
            unit: "pieces",
            currency: "USD",
            breaks: &[(500, "3.00")],
            lead: 30,
            certs: &["gots"],
        },
    )
    .await;
    let b_listing = publish(
        app,
        &b,
        &L {
            title: "Cotton T-shirts",
            description: "Heavy jersey.",
            hs: "6109.90.00",
            moq: 1000,
            unit: "pieces",
            currency: "USD",
            breaks: &[(1000, "3.60")],
            lead: 75,
            certs: &["gots"],
        },
    )
    .await;
    // Excluded: no GOTS.
    publish(
        app,
        &b,
        &L {
            title: "Cotton T-shirts economy",
            description: "",
            hs: "6109.10.00",
            moq: 1000,
            unit: "pieces",
            currency: "USD",
            breaks: &[(1000, "2.10")],
            lead: 20,
            certs: &[],
        },
    )
    .await;
    // Excluded: MOQ 5,000 > 2,000.
    publish(
        app,
        &d,
        &L {
            title: "Organic cotton T-shirts bulk",
            description: "",
            hs: "6109.10.00",
            moq: 5000,
            unit: "pieces",
            currency: "USD",
            breaks: &[(5000, "2.50")],
            lead: 30,
            certs: &["gots"],
        },
    )
    .await;
    // Excluded: sold by the kilogram.
    publish(
        app,
        &d,
        &L {
            title: "Organic cotton T-shirts by weight",
            description: "",
            hs: "6109.10.00",
            moq: 100,
            unit: "kg",
            currency: "USD",
            breaks: &[(100, "12.00")],
            lead: 30,
            certs: &["gots"],
        },
    )
    .await;
    // Excluded: its seller is suspended.
    publish(
        app,
        &e,
        &L {
            title: "Organic cotton T-shirts premium",
            description: "",
            hs: "6109.10.00",
            moq: 500,
            unit: "pieces",
            currency: "USD",
            breaks: &[(500, "2.90")],
            lead: 30,
            certs: &["gots"],
        },
    )
    .await;
    json_of(
        app.post_json(
            &format!("/v1/vetting/applications/{e_id}/suspend"),
            &json!({"reason_codes": ["compliance_breach"]}),
            Some(&forum.officer.token),
        )
        .await,
        200,
    )
    .await;
    let buyer = buyer(app).await;
    let rfq = post_rfq(app, &buyer, &rfq_body()).await;
    Market {
        forum,
        buyer,
        a,
        a_listing,
        b,
        b_listing,
        d,
        rfq,
    }
}

/// A money value as (amount, currency).
fn money(v: &Value) -> (&str, &str) {
    (
        v["amount"].as_str().unwrap_or_default(),
        v["currency"].as_str().unwrap_or_default(),
    )
}

fn factor<'a>(m: &'a Value, name: &str) -> &'a Value {
    m["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no factor {name} in {m}"))
}

fn values(m: &Value) -> Vec<(String, Value)> {
    m["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap().to_owned(), f["value"].clone()))
        .collect()
}

#[tokio::test]
async fn a_fixed_catalogue_ranks_exactly_with_every_factor_and_counts_exclusions() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    let res = app
        .get(
            &format!("/v1/rfqs/{}/matches", rfq_id(&m)),
            Some(&m.buyer.token),
        )
        .await;
    let ranking = json_of(res, 200).await;
    let matches = ranking["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 2, "{ranking:#}");

    // The RFQ's words are cotton, organic, shirt ("t" is an English stop word; "t-shirt" is not
    // a plain word).
    // A: every word in the title, same subheading, 3.20 USD at 2,000 (the second break) is
    // 2.99 EUR at mid (84/90), within the 3.00 target; verified; no leads yet (0.5).
    let a = &matches[0];
    assert_eq!(a["rank"], 1);
    assert_eq!(a["listing_id"], m.a_listing.to_string());
    assert_eq!(a["score"], 0.975);
    assert_eq!(
        values(a),
        [
            ("text".into(), json!(1.0)),
            ("hs_code".into(), json!(1.0)),
            ("sector".into(), json!(1.0)),
            ("moq".into(), json!(1.0)),
            ("price".into(), json!(1.0)),
            ("lead_time".into(), json!(1.0)),
            ("incoterm".into(), json!(1.0)),
            ("certifications".into(), json!(1.0)),
            ("verified".into(), json!(1.0)),
            ("responsiveness".into(), json!(0.5)),
        ]
    );
    assert_eq!(money(&a["unit_price"]), ("3.20", "USD"));
    assert_eq!(money(&a["unit_price_in_rfq_currency"]), ("2.99", "EUR"));
    assert_eq!(factor(a, "text")["weight"], 0.25);
    assert_eq!(factor(a, "text")["contribution"], 0.25);
    assert!(a["seller"]["badge"].is_object(), "{a:#}");

    // B: 2 of the 3 words (not organic), same heading (0.6), 3.60 USD = 3.36 EUR, 12 % over
    // the target (1 - 2 x 0.12 = 0.76), 75 days for 60 (0.8); approved sellers hold a badge.
    let b = &matches[1];
    assert_eq!(b["rank"], 2);
    assert_eq!(b["listing_id"], m.b_listing.to_string());
    assert_eq!(
        values(b),
        [
            ("text".into(), json!(2.0 / 3.0)),
            ("hs_code".into(), json!(0.6)),
            ("sector".into(), json!(1.0)),
            ("moq".into(), json!(1.0)),
            ("price".into(), json!(0.76)),
            ("lead_time".into(), json!(0.8)),
            ("incoterm".into(), json!(1.0)),
            ("certifications".into(), json!(1.0)),
            ("verified".into(), json!(1.0)),
            ("responsiveness".into(), json!(0.5)),
        ]
    );
    assert_eq!(b["score"], 0.7757);
    assert_eq!(money(&b["unit_price_in_rfq_currency"]), ("3.36", "EUR"));
    let sum: f64 = b["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["contribution"].as_f64().unwrap())
        .sum();
    assert!(
        (sum - 0.7757).abs() < 1e-9,
        "contributions sum to the score"
    );

    // Every hard constraint excluded its listing, counted by reason.
    let excluded: Vec<(String, u64)> = ranking["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["reason"].as_str().unwrap().to_owned(),
                e["listings"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        excluded,
        [
            ("seller_not_in_good_standing".into(), 1),
            ("unit_mismatch".into(), 1),
            ("below_moq".into(), 1),
            ("missing_certification".into(), 1),
        ]
    );
    assert_eq!(ranking["candidates"], 7);
    assert_eq!(ranking["sellers_considered"], 4);
}

#[tokio::test]
async fn matched_sellers_get_leads_without_the_buyers_contact_until_their_quote_is_accepted() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    let rfq = rfq_id(&m);

    let leads = json_of(app.get("/v1/sellers/me/leads", Some(&m.b.token)).await, 200).await;
    let items = leads["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let lead = &items[0];
    assert_eq!(lead["rfq"]["id"], rfq);
    assert_eq!(lead["rank"], 2);
    assert_eq!(lead["score"], 0.7757);
    assert_eq!(factor(lead, "price")["value"], 0.76);
    assert_eq!(
        lead["rfq"]["buyer"]["company_name"],
        "Guangzhou Hengda Trading Co."
    );
    assert_eq!(lead["rfq"]["buyer"]["country_code"], "CN");
    assert!(lead["rfq"]["buyer"]["contact"].is_null(), "{lead:#}");
    let text = leads.to_string();
    assert!(!text.contains("li.wei@hengda.example") && !text.contains("+862012345678"));
    // An excluded seller has no lead and does not see the RFQ.
    let none = json_of(app.get("/v1/sellers/me/leads", Some(&m.d.token)).await, 200).await;
    assert_eq!(none["items"], json!([]));
    assert_problem(
        app.get(&format!("/v1/rfqs/{rfq}"), Some(&m.d.token)).await,
        404,
    )
    .await;

    let seen = json_of(
        app.get(&format!("/v1/rfqs/{rfq}"), Some(&m.b.token)).await,
        200,
    )
    .await;
    assert!(seen["buyer"]["contact"].is_null());
    let q_b = quote(&app, &m.b, rfq, &quote_body("3.30", 2000)).await;
    let q_a = quote(&app, &m.a, rfq, &quote_body("3.25", 2000)).await;
    let res = app
        .post_json(
            &format!("/v1/quotes/{}/accept", q_b["id"].as_str().unwrap()),
            &json!({}),
            Some(&m.buyer.token),
        )
        .await;
    json_of(res, 201).await;

    let seen = json_of(
        app.get(&format!("/v1/rfqs/{rfq}"), Some(&m.b.token)).await,
        200,
    )
    .await;
    assert_eq!(seen["status"], "awarded");
    assert_eq!(seen["buyer"]["contact"]["email"], "li.wei@hengda.example");
    let other = json_of(
        app.get(&format!("/v1/rfqs/{rfq}"), Some(&m.a.token)).await,
        200,
    )
    .await;
    assert!(other["buyer"]["contact"].is_null(), "the declined seller");
    let declined = json_of(
        app.get(
            &format!("/v1/quotes/{}", q_a["id"].as_str().unwrap()),
            Some(&m.a.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(declined["status"], "declined");
    // Awarded RFQs are no longer leads.
    let leads = json_of(app.get("/v1/sellers/me/leads", Some(&m.a.token)).await, 200).await;
    assert_eq!(leads["items"], json!([]));
}

#[tokio::test]
async fn quotes_are_private_to_their_seller_and_the_rfqs_buyer() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    let rfq = rfq_id(&m);
    let q_a = quote(&app, &m.a, rfq, &quote_body("3.25", 2000)).await;
    let q_b = quote(&app, &m.b, rfq, &quote_body("3.30", 2000)).await;
    let a_id = q_a["id"].as_str().unwrap();

    // A seller sees only its own quote; another seller's quote does not exist for it.
    let own = json_of(
        app.get(&format!("/v1/rfqs/{rfq}/quotes"), Some(&m.b.token))
            .await,
        200,
    )
    .await;
    let ids: Vec<&str> = own["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["quote"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [q_b["id"].as_str().unwrap()]);
    assert_problem(
        app.get(&format!("/v1/quotes/{a_id}"), Some(&m.b.token))
            .await,
        404,
    )
    .await;
    let revise = app
        .request(
            Method::PUT,
            &format!("/v1/quotes/{a_id}"),
            Some(&m.b.token),
            Some(&quote_body("1.00", 2000)),
        )
        .await;
    assert_problem(revise, 404).await;
    // A seller not matched to the RFQ can neither see it nor quote on it.
    for res in [
        app.get(&format!("/v1/rfqs/{rfq}/quotes"), Some(&m.d.token))
            .await,
        app.post_json(
            &format!("/v1/rfqs/{rfq}/quotes"),
            &quote_body("2.00", 2000),
            Some(&m.d.token),
        )
        .await,
    ] {
        assert_problem(res, 404).await;
    }

    // Another buyer: 404 on the RFQ, its quotes, its matches, a quote, accepting one.
    let other = buyer(&app).await;
    for path in [
        format!("/v1/rfqs/{rfq}"),
        format!("/v1/rfqs/{rfq}/quotes"),
        format!("/v1/rfqs/{rfq}/matches"),
        format!("/v1/quotes/{a_id}"),
    ] {
        assert_problem(app.get(&path, Some(&other.token)).await, 404).await;
    }
    let res = app
        .post_json(
            &format!("/v1/quotes/{a_id}/accept"),
            &json!({}),
            Some(&other.token),
        )
        .await;
    assert_problem(res, 404).await;
    let closing = app
        .post_json(
            &format!("/v1/rfqs/{rfq}/close"),
            &json!({}),
            Some(&other.token),
        )
        .await;
    assert_problem(closing, 404).await;
    let listed = json_of(app.get("/v1/rfqs", Some(&other.token)).await, 200).await;
    assert_eq!(listed["items"], json!([]));

    // No token, or a forged one: 401.
    for token in [None, Some("eyJhbGciOiJIUzI1NiJ9.e30.forged")] {
        for path in [
            format!("/v1/rfqs/{rfq}"),
            format!("/v1/rfqs/{rfq}/quotes"),
            "/v1/sellers/me/leads".into(),
        ] {
            assert_problem(app.get(&path, token).await, 401).await;
        }
    }

    // The buyer compares both, cheapest first, each with its best payment route.
    let list = json_of(
        app.get(&format!("/v1/rfqs/{rfq}/quotes"), Some(&m.buyer.token))
            .await,
        200,
    )
    .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["quote"]["id"], a_id);
    assert_eq!(money(&items[0]["quote"]["total"]), ("6500.00", "USD"));
    // 6,500 USD at 84/90 EUR per USD.
    assert_eq!(
        money(&items[0]["total_in_rfq_currency"]),
        ("6066.67", "EUR")
    );
    let best = &items[0]["settlement"];
    assert_eq!(best["seller_nets"]["currency"], "INR", "{list:#}");
    assert_eq!(best["buyer_pays"]["currency"], "USD");
    assert!(best["estimate_id"].is_null(), "not stored until acceptance");
    let nets: f64 = best["seller_nets"]["amount"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(nets > 0.0 && nets < 6500.0 * 84.0, "costs come off: {nets}");
}

#[tokio::test]
async fn quotes_are_revised_with_history_and_if_match() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    let rfq = rfq_id(&m);
    let q = quote(&app, &m.a, rfq, &quote_body("3.25", 2000)).await;
    let id = q["id"].as_str().unwrap();
    assert_eq!(q["revision"], 1);
    // One live quote per seller per RFQ.
    let again = app
        .post_json(
            &format!("/v1/rfqs/{rfq}/quotes"),
            &quote_body("3.20", 2000),
            Some(&m.a.token),
        )
        .await;
    let problem = assert_problem(again, 409).await;
    assert!(problem["detail"].as_str().unwrap().contains(id));

    let put = |if_match: Option<&'static str>, body: Value| {
        let app = &app;
        let token = m.a.token.clone();
        async move {
            let mut req = app
                .client
                .put(app.url(&format!("/v1/quotes/{id}")))
                .bearer_auth(token)
                .json(&body);
            if let Some(tag) = if_match {
                req = req.header("If-Match", tag);
            }
            req.send().await.unwrap()
        }
    };
    assert_problem(put(None, quote_body("3.10", 2000)).await, 428).await;
    assert_problem(put(Some("\"7\""), quote_body("3.10", 2000)).await, 412).await;
    let bad = assert_problem(
        put(
            Some("\"1\""),
            json!({"unit_price": "-1", "currency": "USD"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        problem_fields(&bad),
        [
            "unit_price",
            "quantity",
            "incoterm",
            "named_place",
            "lead_time_days"
        ]
    );
    let revised = json_of(put(Some("\"1\""), quote_body("3.10", 2000)).await, 200).await;
    assert_eq!(revised["revision"], 2);
    assert_eq!(revised["unit_price"]["amount"], "3.10");
    let history: Vec<&str> = revised["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["unit_price"]["amount"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["3.25", "3.10"]);

    // Withdrawn, then revised back to live.
    let res = app
        .post_json(
            &format!("/v1/quotes/{id}/withdraw"),
            &json!({}),
            Some(&m.a.token),
        )
        .await;
    assert_eq!(json_of(res, 200).await["status"], "withdrawn");
    let back = json_of(put(Some("\"2\""), quote_body("3.05", 2000)).await, 200).await;
    assert_eq!(
        (back["status"].as_str(), back["revision"].as_i64()),
        (Some("submitted"), Some(3))
    );
    // Revisions are capped (every one is kept and shown).
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(format!("UPDATE quotes SET revision = 50 WHERE id = '{id}'")),
        &mut app.db().await,
    )
    .await
    .unwrap();
    let problem = assert_problem(put(Some("\"50\""), quote_body("3.00", 2000)).await, 409).await;
    assert!(problem["detail"].as_str().unwrap().contains("50 revisions"));
}

#[tokio::test]
async fn rfqs_are_checked_changed_with_if_match_and_closed() {
    let app = TestApp::spawn().await;
    let buyer_without_profile = app.login_as(Role::Buyer).await;
    let res = app
        .post_json("/v1/rfqs", &rfq_body(), Some(&buyer_without_profile.token))
        .await;
    assert_problem(res, 409).await;
    let seller = app.login_as(Role::Seller).await;
    assert_problem(
        app.post_json("/v1/rfqs", &rfq_body(), Some(&seller.token))
            .await,
        403,
    )
    .await;

    let b = buyer(&app).await;
    let res = app
        .post_json(
            "/v1/rfqs",
            &json!({"product": "x", "quantity": 0, "unit": "barrels", "currency": "usd", "target_unit_price": "1.234", "destination_country": "ZZ", "certifications": ["nope"]}),
            Some(&b.token),
        )
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(
        problem_fields(&problem),
        [
            "product",
            "quantity",
            "unit",
            "target_unit_price",
            "destination_country",
            "destination_place",
            "certifications[0]"
        ]
    );
    assert_eq!(
        count(&mut app.db().await, "SELECT 1 FROM rfqs").await,
        0,
        "nothing written"
    );

    let created = app.post_json("/v1/rfqs", &rfq_body(), Some(&b.token)).await;
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let rfq = created.json::<Value>().await.unwrap();
    assert_eq!(
        location,
        format!("/v1/rfqs/{}", rfq["id"].as_str().unwrap())
    );
    assert_eq!(rfq["status"], "open");
    assert_eq!(
        rfq["buyer"]["contact"]["name"], "Li Wei",
        "the buyer sees its own contact"
    );

    let put = |if_match: Option<&'static str>, body: Value| {
        let app = &app;
        let token = b.token.clone();
        let path = location.clone();
        async move {
            let mut req = app
                .client
                .put(app.url(&path))
                .bearer_auth(token)
                .json(&body);
            if let Some(tag) = if_match {
                req = req.header("If-Match", tag);
            }
            req.send().await.unwrap()
        }
    };
    let mut changed = rfq_body();
    changed["quantity"] = json!(3000);
    assert_problem(put(None, changed.clone()).await, 428).await;
    assert_problem(put(Some("\"9\""), changed.clone()).await, 412).await;
    let updated = json_of(put(Some("\"1\""), changed.clone()).await, 200).await;
    assert_eq!(
        (updated["quantity"].as_i64(), updated["version"].as_i64()),
        (Some(3000), Some(2))
    );

    let closed = app
        .post_json(
            &format!("{location}/close"),
            &json!({"reason": "bought locally"}),
            Some(&b.token),
        )
        .await;
    let closed = json_of(closed, 200).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["closed_reason"], "bought locally");
    assert_problem(put(Some("\"3\""), changed).await, 409).await;
    let open = json_of(app.get("/v1/rfqs?status=open", Some(&b.token)).await, 200).await;
    assert_eq!(open["items"], json!([]));
    let all = json_of(app.get("/v1/rfqs", Some(&b.token)).await, 200).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_accepts_of_two_quotes_award_exactly_one_and_the_trade_lives_in_country() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    let rfq = rfq_id(&m);
    let q_a = quote(&app, &m.a, rfq, &quote_body("3.25", 2000)).await;
    let q_b = quote(&app, &m.b, rfq, &quote_body("3.30", 2000)).await;
    let accept = |id: String| {
        let app = &app;
        let token = m.buyer.token.clone();
        async move {
            app.post_json(&format!("/v1/quotes/{id}/accept"), &json!({}), Some(&token))
                .await
        }
    };
    let (ra, rb) = tokio::join!(
        accept(q_a["id"].as_str().unwrap().to_owned()),
        accept(q_b["id"].as_str().unwrap().to_owned())
    );
    let statuses = [ra.status().as_u16(), rb.status().as_u16()];
    assert!(
        statuses == [201, 409] || statuses == [409, 201],
        "exactly one accept wins: {statuses:?}"
    );
    let (won, lost) = if statuses[0] == 201 {
        (ra, rb)
    } else {
        (rb, ra)
    };
    assert_problem(lost, 409).await;
    let trade = json_of(won, 201).await;
    let winner = trade["quote_id"].as_str().unwrap().to_owned();

    let rfq_now = json_of(
        app.get(&format!("/v1/rfqs/{rfq}"), Some(&m.buyer.token))
            .await,
        200,
    )
    .await;
    assert_eq!(rfq_now["status"], "awarded");
    assert_eq!(rfq_now["awarded_quote_id"], winner.as_str());
    let mut platform = app.db().await;
    assert_eq!(count(&mut platform, "SELECT 1 FROM trades").await, 1);
    assert_eq!(
        count(
            &mut platform,
            "SELECT 1 FROM quotes WHERE status = 'accepted'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &mut platform,
            "SELECT 1 FROM quotes WHERE status = 'declined'"
        )
        .await,
        1
    );
    // The trade's terms are payment data: only in the in-country store (the loser's record
    // was deleted again), the platform keeping the reference.
    assert_eq!(count(&mut platform, "SELECT 1 FROM trade_records").await, 0);
    let mut local = copy(&app).await;
    assert_eq!(count(&mut local, "SELECT 1 FROM trade_records").await, 1);
    assert_eq!(
        count(
            &mut platform,
            &format!(
                "SELECT 1 FROM trades t JOIN settlement_estimates e ON e.id = t.estimate_id \
                  WHERE e.quote_id = '{winner}'"
            )
        )
        .await,
        1,
        "the trade links the stored estimate of its quote"
    );

    // Both sides read the trade with its record; nobody else does.
    let id = trade["id"].as_str().unwrap();
    for s in [&m.buyer, if winner == q_a["id"] { &m.a } else { &m.b }] {
        let t = json_of(
            app.get(&format!("/v1/trades/{id}"), Some(&s.token)).await,
            200,
        )
        .await;
        assert_eq!(t["record"]["total"]["currency"], "USD");
        assert_eq!(t["record"]["buyer_country_code"], "CN");
        assert_eq!(t["record"]["settlement"]["seller_nets"]["currency"], "INR");
        assert!(t["record"]["settlement"]["estimate_id"].is_string());
    }
    assert_problem(
        app.get(&format!("/v1/trades/{id}"), Some(&m.d.token)).await,
        404,
    )
    .await;
    let other = buyer(&app).await;
    assert_problem(
        app.get(&format!("/v1/trades/{id}"), Some(&other.token))
            .await,
        404,
    )
    .await;
    let mine = json_of(app.get("/v1/trades", Some(&m.buyer.token)).await, 200).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);

    // A second accept, of either quote, is refused.
    let again = accept(winner.clone()).await;
    assert_problem(again, 409).await;

    // Each seller's analytics count its lead, its quote, and the win or the loss.
    let (winner_s, loser_s) = if winner == q_a["id"] {
        (&m.a, &m.b)
    } else {
        (&m.b, &m.a)
    };
    for (s, won, lost, rate) in [(winner_s, 1, 0, 1.0), (loser_s, 0, 1, 0.0)] {
        let a = json_of(
            app.get("/v1/sellers/me/analytics", Some(&s.token)).await,
            200,
        )
        .await;
        let f = &a["rfqs"];
        assert_eq!(
            (f["leads"].as_i64(), f["quotes"].as_i64()),
            (Some(1), Some(1)),
            "{a:#}"
        );
        assert_eq!(
            (f["won"].as_i64(), f["lost"].as_i64()),
            (Some(won), Some(lost))
        );
        assert_eq!(f["win_rate"], rate);
        assert!(f["median_hours_to_quote"].as_f64().unwrap() >= 0.0);
    }
}

#[tokio::test]
async fn estimates_price_a_quote_or_a_listing_and_are_linked_to_it() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    let rfq = rfq_id(&m);
    let q = quote(&app, &m.a, rfq, &quote_body("3.25", 2000)).await;
    let quote_id = q["id"].as_str().unwrap();

    let est = json_of(
        app.post_json(
            "/v1/settlement/estimates",
            &json!({"quote_id": quote_id}),
            Some(&m.buyer.token),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(est["quote_id"], quote_id);
    assert_eq!(money(&est["request"]["amount"]), ("6500.00", "USD"));
    assert_eq!(
        est["request"]["buyer_country"], "CN",
        "the RFQ buyer's country"
    );
    assert!(est["seller_id"].is_string());

    // 1,200 pieces of B's listing: its 1,000 break at 3.60.
    let est = json_of(
        app.post_json(
            "/v1/settlement/estimates",
            &json!({"listing_id": m.b_listing, "quantity": 1200, "buyer_country": "CN"}),
            Some(&m.buyer.token),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(est["listing_id"], m.b_listing.to_string());
    assert_eq!(money(&est["request"]["amount"]), ("4320.00", "USD"));

    let res = app
        .post_json(
            "/v1/settlement/estimates",
            &json!({"listing_id": m.b_listing, "quantity": 10, "buyer_country": "CN", "amount": {"amount": "1.00", "currency": "USD"}}),
            Some(&m.buyer.token),
        )
        .await;
    assert_eq!(problem_fields(&assert_problem(res, 422).await), ["amount"]);
    let res = app
        .post_json(
            "/v1/settlement/estimates",
            &json!({"listing_id": m.b_listing, "quantity": 10, "buyer_country": "CN"}),
            Some(&m.buyer.token),
        )
        .await;
    assert_eq!(
        problem_fields(&assert_problem(res, 422).await),
        ["quantity"]
    );
    // Another buyer may not price this quote: to it the quote does not exist.
    let other = buyer(&app).await;
    let res = app
        .post_json(
            "/v1/settlement/estimates",
            &json!({"quote_id": quote_id}),
            Some(&other.token),
        )
        .await;
    assert_eq!(
        problem_fields(&assert_problem(res, 422).await),
        ["quote_id"]
    );
    drop(m.forum);
}

#[tokio::test]
async fn an_rfq_past_its_validity_reads_expired_takes_no_quotes_and_is_swept() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    let rfq = rfq_id(&m);
    quote(&app, &m.a, rfq, &quote_body("3.25", 2000)).await;
    let mut db = app.db().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "UPDATE rfqs SET valid_until = now() - interval '1 second' WHERE id = '{rfq}'"
        )),
        &mut db,
    )
    .await
    .unwrap();
    let seen = json_of(
        app.get(&format!("/v1/rfqs/{rfq}"), Some(&m.buyer.token))
            .await,
        200,
    )
    .await;
    assert_eq!(seen["status"], "expired");
    let res = app
        .post_json(
            &format!("/v1/rfqs/{rfq}/quotes"),
            &quote_body("3.30", 2000),
            Some(&m.b.token),
        )
        .await;
    assert_problem(res, 409).await;
    let leads = json_of(app.get("/v1/sellers/me/leads", Some(&m.b.token)).await, 200).await;
    assert_eq!(leads["items"], json!([]));
    let expired = json_of(
        app.get("/v1/rfqs?status=expired", Some(&m.buyer.token))
            .await,
        200,
    )
    .await;
    assert_eq!(expired["items"].as_array().unwrap().len(), 1);

    exportbridge::maintenance::run_once(&mut db).await.unwrap();
    assert_eq!(
        count(
            &mut db,
            &format!("SELECT 1 FROM rfqs WHERE id = '{rfq}' AND status = 'expired'")
        )
        .await,
        1
    );
    assert_eq!(
        count(&mut db, "SELECT 1 FROM quotes WHERE status = 'declined'").await,
        1
    );
}

#[tokio::test]
async fn an_accept_racing_a_revision_of_the_same_quote_ends_with_exactly_one_of_them() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    let rfq = rfq_id(&m);
    for round in 0..3 {
        let q = if round == 0 {
            quote(&app, &m.a, rfq, &quote_body("3.25", 2000)).await
        } else {
            // The earlier round's revision won: the quote is live at a newer revision.
            json_of(
                app.get(
                    &format!("/v1/quotes/{}", quote_id(&app, &m).await),
                    Some(&m.a.token),
                )
                .await,
                200,
            )
            .await
        };
        let id = q["id"].as_str().unwrap().to_owned();
        let tag = format!("\"{}\"", q["revision"]);
        let (path, empty) = (format!("/v1/quotes/{id}/accept"), json!({}));
        let accept = app.post_json(&path, &empty, Some(&m.buyer.token));
        let revise = async {
            app.client
                .put(app.url(&format!("/v1/quotes/{id}")))
                .bearer_auth(&m.a.token)
                .header("If-Match", &tag)
                .json(&quote_body("3.20", 2000))
                .send()
                .await
                .unwrap()
        };
        let (accepted, revised) = tokio::join!(accept, revise);
        let statuses = (accepted.status().as_u16(), revised.status().as_u16());
        match statuses {
            (201, 409) => return,   // accepted first: the revision is refused
            (409, 200) => continue, // revised first: the accept saw a stale quote
            other => panic!(
                "round {round}: {other:?}: {}",
                accepted.text().await.unwrap()
            ),
        }
    }
}

async fn quote_id(app: &TestApp, m: &Market) -> String {
    let list = json_of(
        app.get(
            &format!("/v1/rfqs/{}/quotes", rfq_id(m)),
            Some(&m.buyer.token),
        )
        .await,
        200,
    )
    .await;
    list["items"][0]["quote"]["id"].as_str().unwrap().to_owned()
}
