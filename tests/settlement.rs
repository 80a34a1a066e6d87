//! Settlement estimates, fee schedules and FX rates through the real server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{DEMO_RATES, Session, StubServer, TestApp, assert_problem, problem_fields};
use exportbridge::auth::Role;
use serde_json::{Value, json};

async fn estimate(app: &TestApp, who: &Session, body: Value) -> reqwest::Response {
    app.post_json("/v1/settlement/estimates", &body, Some(&who.token))
        .await
}

/// The entry for `currency` in a list of rates (`rates` of an estimate, `inr_mid` of /fx/rates).
fn rate_of<'a>(list: &'a Value, currency: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|r| r["currency"] == currency)
        .unwrap()
}

fn usd_10k() -> Value {
    json!({"buyer_country": "CN", "direction": "buyer_pays",
           "amount": {"amount": "10000.00", "currency": "USD"}, "charge_bearer": "SHA"})
}

async fn ready(app: &TestApp) -> (Session, Session) {
    let admin = app.login_as(Role::Admin).await;
    app.post_rates(&admin, DEMO_RATES).await;
    (admin, app.login_as(Role::Seller).await)
}

#[tokio::test]
async fn an_estimate_prices_every_route_and_can_be_fetched_unchanged() {
    let app = TestApp::spawn().await;
    let (_, seller) = ready(&app).await;
    let res = estimate(&app, &seller, usd_10k()).await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["fee_schedule"]["version"], 1);
    assert_eq!(body["seller_id"], seller.organisation_id.to_string());
    let routes = body["routes"].as_array().unwrap();
    assert!(routes.len() >= 5, "{routes:?}");
    // Ranked by net INR, eligible first; every priced route satisfies the identity.
    let mut last_net = i64::MAX;
    let mut seen_ineligible = false;
    for r in routes {
        if r["eligible"] == true {
            assert!(!seen_ineligible, "eligible after ineligible");
            let p = &r["pricing"];
            let net = p["net_inr"]["minor"].as_i64().unwrap();
            assert!(net <= last_net, "not ranked by net");
            last_net = net;
            let lines: i64 = p["lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["amount_inr"]["minor"].as_i64().unwrap())
                .sum();
            assert_eq!(
                p["buyer_pays_total_inr_at_mid"]["minor"].as_i64().unwrap() - lines,
                net
            );
            assert!(net <= p["mid_market_equivalent_inr"]["minor"].as_i64().unwrap());
        } else {
            seen_ineligible = true;
        }
    }
    // UPI appears only as ineligible, with its reason, unpriced.
    let upi: Vec<&Value> = routes.iter().filter(|r| r["rail"] == "upi").collect();
    assert_eq!(upi.len(), 1);
    assert_eq!(upi[0]["eligible"], false);
    assert!(upi[0]["pricing"].is_null());
    assert!(upi[0]["reasons"][0].as_str().unwrap().contains("B2B"));
    // The rates used, with their age.
    let usd = rate_of(&body["rates"], "USD");
    assert_eq!(usd["inr_per_unit"], "84.00");
    assert_eq!(usd["stale"], false);
    assert!(body["warnings"].as_array().unwrap().is_empty());
    assert!(body["rankings"]["fastest"].as_array().unwrap().len() == routes.len());

    let again: Value = app
        .get(&location, Some(&seller.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, body);
}

#[tokio::test]
async fn cny_goes_through_usd_and_all_bearers_are_priced() {
    let app = TestApp::spawn().await;
    let (_, seller) = ready(&app).await;
    let res = estimate(
        &app,
        &seller,
        json!({"buyer_country": "CN", "direction": "buyer_pays", "amount": {"amount": "72000.00", "currency": "CNY"}}),
    )
    .await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    let cny = rate_of(&body["rates"], "CNY");
    assert_eq!(cny["derivation"], "cross_via_usd");
    let bearers: std::collections::BTreeSet<String> = body["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["charge_bearer"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        bearers.into_iter().collect::<Vec<_>>(),
        ["BEN", "OUR", "SHA"]
    );
}

#[tokio::test]
async fn seller_receives_finds_the_buyer_amount() {
    let app = TestApp::spawn().await;
    let (_, seller) = ready(&app).await;
    let res = estimate(
        &app,
        &seller,
        json!({"buyer_country": "AE", "direction": "seller_receives", "buyer_currency": "USD",
               "amount": {"amount": "500000.00", "currency": "INR"}, "charge_bearer": "BEN"}),
    )
    .await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    for r in body["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["eligible"] == true)
    {
        let p = &r["pricing"];
        let net = p["net_inr"]["minor"].as_i64().unwrap();
        assert!(net >= 50_000_000, "{}: {net}", r["id"]);
        assert!(
            net - 50_000_000 <= 100 + 84 + 1,
            "{}: over by {}",
            r["id"],
            net - 50_000_000
        );
        assert!(p["target"]["hit_exactly"].is_boolean());
    }
}

#[tokio::test]
async fn bad_inputs_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let (_, seller) = ready(&app).await;
    let amount = |a: &str, c: &str| json!({"buyer_country": "CN", "direction": "buyer_pays", "amount": {"amount": a, "currency": c}});
    let cases = [
        (amount("0", "USD"), "amount.amount"),
        (amount("-5.00", "USD"), "amount.amount"),
        (amount("100000000000000.00", "USD"), "amount.amount"),
        (amount("10.00", "XYZ"), "amount.currency"),
        (amount("1500.5", "JPY"), "amount.amount"),
        (amount("1.2345", "KWD"), "amount.amount"),
        (
            json!({"buyer_country": "ZZ", "direction": "buyer_pays", "amount": {"amount": "10.00", "currency": "USD"}}),
            "buyer_country",
        ),
        (
            json!({"buyer_country": "CN", "direction": "seller_receives", "amount": {"amount": "10.00", "currency": "USD"}, "buyer_currency": "USD"}),
            "amount.currency",
        ),
        (
            json!({"buyer_country": "CN", "direction": "seller_receives", "amount": {"amount": "10.00", "currency": "INR"}}),
            "buyer_currency",
        ),
        (
            json!({"buyer_country": "CN", "direction": "sideways", "amount": {"amount": "10.00", "currency": "USD"}}),
            "direction",
        ),
    ];
    for (body, field) in cases {
        let res = estimate(&app, &seller, body.clone()).await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(problem_fields(&problem), [field], "{body}");
    }
    // No rate for a pair: named, never guessed.
    let res = estimate(&app, &seller, amount("1000.00", "THB")).await;
    let problem = assert_problem(res, 422).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("THB/INR"),
        "{problem}"
    );
    // Nothing was stored.
    let mut conn = app.db().await;
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query("SELECT count(*) AS n FROM settlement_estimates")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n.n, 0);
}

#[tokio::test]
async fn estimates_are_private_to_those_they_concern() {
    let app = TestApp::spawn().await;
    let (_, seller) = ready(&app).await;
    let buyer = app.login_as(Role::Buyer).await;
    let other_seller = app.login_as(Role::Seller).await;
    let other_buyer = app.login_as(Role::Buyer).await;
    let mut body = usd_10k();
    body["seller_id"] = json!(seller.organisation_id);
    let res = estimate(&app, &buyer, body).await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(app.get(&location, Some(&buyer.token)).await.status(), 200);
    assert_eq!(
        app.get(&location, Some(&seller.token)).await.status(),
        200,
        "the named seller sees it"
    );
    assert_problem(app.get(&location, Some(&other_seller.token)).await, 404).await;
    assert_problem(app.get(&location, Some(&other_buyer.token)).await, 404).await;
    assert_problem(app.get(&location, None).await, 401).await;
    // A seller cannot file an estimate under another seller; a buyer must name a real seller.
    let mut body = usd_10k();
    body["seller_id"] = json!(other_seller.organisation_id);
    assert_problem(estimate(&app, &seller, body).await, 422).await;
    let mut body = usd_10k();
    body["seller_id"] = json!(buyer.organisation_id);
    assert_problem(estimate(&app, &buyer, body).await, 422).await;
    // Vetting officers do not price payments.
    let officer = app.login_as(Role::VettingOfficer).await;
    assert_problem(estimate(&app, &officer, usd_10k()).await, 403).await;
}

#[tokio::test]
async fn a_new_fee_schedule_changes_new_estimates_not_stored_ones() {
    let app = TestApp::spawn().await;
    let (admin, seller) = ready(&app).await;
    let first: Value = estimate(&app, &seller, usd_10k())
        .await
        .json()
        .await
        .unwrap();

    let current: Value = app
        .get("/v1/settlement/fee-schedules/current", Some(&seller.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(current["version"], 1);
    assert_eq!(current["in_force"], true);
    let mut schedule = current["schedule"].clone();
    // Double every receiving bank fee.
    fn bump(v: &mut Value) {
        match v {
            Value::Object(map) => {
                if let Some(amount) = map
                    .get_mut("receiving_fee")
                    .and_then(|f| f.pointer_mut("/amount_inr"))
                {
                    *amount = json!("1000.00");
                }
                map.values_mut().for_each(bump);
            }
            Value::Array(items) => items.iter_mut().for_each(bump),
            _ => {}
        }
    }
    bump(&mut schedule);
    let res = app
        .post_json(
            "/v1/settlement/fee-schedules",
            &json!({"label": "dearer inward fees", "schedule": schedule}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let second: Value = estimate(&app, &seller, usd_10k())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["fee_schedule"]["version"], 2);
    let best = |e: &Value| {
        e["routes"][0]["pricing"]["net_inr"]["minor"]
            .as_i64()
            .unwrap()
    };
    assert!(best(&second) < best(&first), "dearer fees, smaller net");
    // The stored first estimate is unchanged.
    let stored: Value = app
        .get(
            &format!("/v1/settlement/estimates/{}", first["id"].as_str().unwrap()),
            Some(&seller.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored, first);
    assert_eq!(stored["fee_schedule"]["version"], 1);

    // Sellers may read schedules, not upload them; invalid schedules list their problems.
    let res = app
        .post_json(
            "/v1/settlement/fee-schedules",
            &json!({"label": "x", "schedule": current["schedule"]}),
            Some(&seller.token),
        )
        .await;
    assert_problem(res, 403).await;
    let mut broken = current["schedule"].clone();
    broken["corridors"][0]["routes"][0]["sender_fee"]["currency"] = json!("XXX");
    let res = app
        .post_json(
            "/v1/settlement/fee-schedules",
            &json!({"label": "broken", "schedule": broken}),
            Some(&admin.token),
        )
        .await;
    let problem = assert_problem(res, 422).await;
    assert!(
        problem_fields(&problem)
            .iter()
            .all(|f| f.starts_with("schedule")),
        "{problem}"
    );
    let list: Value = app
        .get("/v1/settlement/fee-schedules", Some(&seller.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn idempotent_estimate_creation() {
    let app = TestApp::spawn().await;
    let (_, seller) = ready(&app).await;
    let send = || {
        app.client
            .post(app.url("/v1/settlement/estimates"))
            .bearer_auth(&seller.token)
            .header("Idempotency-Key", "est-1")
            .json(&usd_10k())
            .send()
    };
    let a: Value = send().await.unwrap().json().await.unwrap();
    let res = send().await.unwrap();
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    assert_eq!(res.json::<Value>().await.unwrap(), a);
}

fn feed(as_of: chrono::DateTime<chrono::Utc>, usd_inr: &str) -> String {
    json!({"as_of": as_of, "rates": [
        {"base": "USD", "quote": "INR", "rate": usd_inr},
        {"base": "USD", "quote": "CNY", "rate": 7.2}
    ]})
    .to_string()
}

#[tokio::test]
async fn the_fx_feed_is_fetched_and_failures_keep_the_last_good_rates() {
    let stub = StubServer::start(200, &feed(chrono::Utc::now(), "83.75")).await;
    let url = format!("{}/rates.json", stub.url);
    let app = TestApp::spawn_with(|c| c.fx_feed_url = Some(url.clone())).await;
    let admin = app.login_as(Role::Admin).await;
    let seller = app.login_as(Role::Seller).await;

    // The background fetcher runs at start-up.
    let mut rates = Value::Null;
    for _ in 0..50 {
        rates = app
            .get("/v1/fx/rates", Some(&admin.token))
            .await
            .json()
            .await
            .unwrap();
        if !rates["rates"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(stub.hits() >= 1);
    let usd = rate_of(&rates["inr_mid"], "USD");
    assert_eq!(usd["inr_per_unit"], "83.75");
    assert!(usd["sources"][0].as_str().unwrap().starts_with("feed:"));
    let good: Value = estimate(&app, &seller, usd_10k())
        .await
        .json()
        .await
        .unwrap();
    assert!(
        good["warnings"].as_array().unwrap().is_empty(),
        "{}",
        good["warnings"]
    );

    // Failing feed: the fetch records the error; the old rates stay, and estimates say so.
    stub.respond(500, "{\"error\": \"upstream down\"}");
    let status: Value = app
        .post_json("/v1/fx/feed/refresh", &json!({}), Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        status["last_error"].as_str().unwrap().contains("500"),
        "{status}"
    );
    assert!(status["consecutive_failures"].as_i64().unwrap() >= 1);
    let during: Value = estimate(&app, &seller, usd_10k())
        .await
        .json()
        .await
        .unwrap();
    let inr_per_usd = |e: &Value| rate_of(&e["rates"], "USD")["inr_per_unit"].clone();
    assert_eq!(inr_per_usd(&during), inr_per_usd(&good));
    assert_eq!(
        during["routes"][0]["pricing"]["net_inr"],
        good["routes"][0]["pricing"]["net_inr"]
    );
    let warnings = during["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("FX feed has failed")),
        "{warnings:?}"
    );

    // Malformed feed: refused as a whole, old rates kept.
    stub.respond(200, &json!({"as_of": chrono::Utc::now(), "rates": [{"base": "USD", "quote": "INR", "rate": "-1"}]}).to_string());
    let status: Value = app
        .post_json("/v1/fx/feed/refresh", &json!({}), Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        status["last_error"].as_str().unwrap().contains("malformed"),
        "{status}"
    );
    stub.respond(200, "not json at all");
    let status: Value = app
        .post_json("/v1/fx/feed/refresh", &json!({}), Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        status["last_error"].as_str().unwrap().contains("malformed"),
        "{status}"
    );
    let rates: Value = app
        .get("/v1/fx/rates", Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    let usd = rate_of(&rates["inr_mid"], "USD");
    assert_eq!(usd["inr_per_unit"], "83.75");

    // Recovery: a good feed clears the failure count and new rates apply.
    stub.respond(200, &feed(chrono::Utc::now(), "84.10"));
    let status: Value = app
        .post_json("/v1/fx/feed/refresh", &json!({}), Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["consecutive_failures"], 0);
    assert!(status["last_error"].is_null());
    let after: Value = estimate(&app, &seller, usd_10k())
        .await
        .json()
        .await
        .unwrap();
    assert!(after["warnings"].as_array().unwrap().is_empty());
    let usd = rate_of(&after["rates"], "USD");
    assert_eq!(usd["inr_per_unit"], "84.10");
}

#[tokio::test]
async fn old_rates_carry_a_staleness_warning() {
    let app = TestApp::spawn_with(|c| c.fx_max_age_secs = 3600).await;
    let admin = app.login_as(Role::Admin).await;
    let seller = app.login_as(Role::Seller).await;
    let two_hours_ago = chrono::Utc::now() - chrono::Duration::hours(2);
    let res = app
        .post_json(
            "/v1/fx/rates",
            &json!({"rates": [{"base": "USD", "quote": "INR", "rate": "84.00", "as_of": two_hours_ago}]}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(res.status(), 201);
    let body: Value = estimate(&app, &seller, usd_10k())
        .await
        .json()
        .await
        .unwrap();
    let usd = rate_of(&body["rates"], "USD");
    assert_eq!(usd["stale"], true);
    assert!(usd["age_seconds"].as_i64().unwrap() >= 7200);
    let warnings = body["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("USD mid rate is 2 h old")),
        "{warnings:?}"
    );
}

#[tokio::test]
async fn rate_posts_are_admin_only_and_validated() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let buyer = app.login_as(Role::Buyer).await;
    let body = json!({"rates": [{"base": "USD", "quote": "INR", "rate": "84"}]});
    assert_problem(
        app.post_json("/v1/fx/rates", &body, Some(&buyer.token))
            .await,
        403,
    )
    .await;
    let bad = json!({"rates": [{"base": "USD", "quote": "QQQ", "rate": "0"}]});
    let problem = assert_problem(
        app.post_json("/v1/fx/rates", &bad, Some(&admin.token))
            .await,
        422,
    )
    .await;
    assert_eq!(
        problem_fields(&problem),
        ["rates[0].quote", "rates[0].rate"]
    );
    // Refresh without a configured feed is a conflict, not a crash.
    assert_problem(
        app.post_json("/v1/fx/feed/refresh", &json!({}), Some(&admin.token))
            .await,
        409,
    )
    .await;
}

#[tokio::test]
async fn estimates_are_listed_with_cursor_paging() {
    let app = TestApp::spawn().await;
    let (_, seller) = ready(&app).await;
    let other = app.login_as(Role::Seller).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let e: Value = estimate(&app, &seller, usd_10k())
            .await
            .json()
            .await
            .unwrap();
        ids.push(e["id"].as_str().unwrap().to_owned());
    }
    let first: Value = app
        .get("/v1/settlement/estimates?limit=2", Some(&seller.token))
        .await
        .json()
        .await
        .unwrap();
    let page_ids: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(page_ids, [ids[2].as_str(), ids[1].as_str()], "newest first");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .get(
            &format!("/v1/settlement/estimates?limit=2&cursor={cursor}"),
            Some(&seller.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0]["id"], ids[0].as_str());
    assert!(second["next_cursor"].is_null());
    let theirs: Value = app
        .get("/v1/settlement/estimates", Some(&other.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());
    assert_problem(
        app.get("/v1/settlement/estimates?limit=500", Some(&seller.token))
            .await,
        422,
    )
    .await;
    assert_problem(
        app.get("/v1/settlement/estimates?cursor=nope", Some(&seller.token))
            .await,
        422,
    )
    .await;
}

/// Estimates posted at once are committed together (group commit): every one is answered 201
/// only once stored, reads back byte for byte, and stays with its own seller.
#[tokio::test]
async fn concurrent_estimates_are_all_stored_and_read_back_unchanged() {
    let app = TestApp::spawn().await;
    let (_, seller) = ready(&app).await;
    let other = app.login_as(Role::Seller).await;
    let post = |who: &Session, i: u32| {
        let body = json!({"buyer_country": "CN", "direction": "buyer_pays",
            "amount": {"amount": format!("{}.00", 5_000 + i), "currency": "USD"},
            "charge_bearer": "SHA"});
        app.client
            .post(app.url("/v1/settlement/estimates"))
            .bearer_auth(&who.token)
            .json(&body)
            .send()
    };
    let sent = futures_util::future::join_all(
        (0..40).map(|i| post(if i % 2 == 0 { &seller } else { &other }, i)),
    )
    .await;
    for (i, res) in sent.into_iter().enumerate() {
        let res = res.unwrap();
        assert_eq!(res.status(), 201);
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        let answered = res.bytes().await.unwrap();
        let (owner, stranger) = if i % 2 == 0 {
            (&seller, &other)
        } else {
            (&other, &seller)
        };
        let read = app.get(&location, Some(&owner.token)).await;
        assert_eq!(read.status(), 200);
        assert_eq!(
            read.bytes().await.unwrap(),
            answered,
            "estimate {i} changed"
        );
        assert_eq!(
            app.get(&location, Some(&stranger.token)).await.status(),
            404
        );
    }
    let mine: Value = app
        .get("/v1/settlement/estimates?limit=100", Some(&seller.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 20);
}

/// The writer commits a batch in one statement; a row that cannot be stored (its organisation
/// is gone) fails alone, and the rest of its batch is stored.
#[tokio::test]
async fn a_bad_row_fails_alone_in_its_batch() {
    use exportbridge::settlement::writer::{EstimateRow, EstimateWriter};
    let app = TestApp::spawn().await;
    let (_, seller) = ready(&app).await;
    let created: Value = estimate(&app, &seller, usd_10k())
        .await
        .json()
        .await
        .unwrap();
    let schedule_id: uuid::Uuid = created["fee_schedule"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let row = |organisation_id: uuid::Uuid| EstimateRow {
        id: uuid::Uuid::now_v7(),
        organisation_id,
        requested_by: seller.user_id,
        seller_id: Some(seller.organisation_id),
        quote_id: None,
        listing_id: None,
        fee_schedule_id: schedule_id,
        fee_schedule_version: 1,
        request: json!({"test": true}),
        response: b"{}".to_vec(),
        created_at: chrono::Utc::now(),
        expires_at: chrono::Utc::now(),
    };
    let rows: Vec<EstimateRow> = (0..6)
        .map(|i| {
            row(if i == 3 {
                uuid::Uuid::now_v7()
            } else {
                seller.organisation_id
            })
        })
        .collect();
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
    let writer = std::sync::Arc::new(EstimateWriter::default());
    // Queue every row before the writer starts, so they form one batch.
    let waiting: Vec<_> = rows
        .into_iter()
        .map(|r| {
            let writer = writer.clone();
            tokio::spawn(async move { writer.write(r).await })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let pool = exportbridge::db::Stores::from_config(&app.config)
        .unwrap()
        .platform;
    let task = writer.spawn(pool).unwrap();
    assert!(
        writer
            .spawn(
                exportbridge::db::Stores::from_config(&app.config)
                    .unwrap()
                    .platform
            )
            .is_none()
    );
    let mut results = Vec::new();
    for w in waiting {
        results.push(w.await.unwrap());
    }
    task.abort();
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r.is_ok(), i != 3, "row {i}: {r:?}");
    }
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use exportbridge::db::schema::settlement_estimates as se;
    let stored: i64 = se::table
        .filter(se::id.eq_any(&ids))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(stored, 5);
}

/// Idempotent estimates naming a seller, four times as many at once as the pool has
/// connections: none may hold its connection for the key while it waits for another (the
/// seller lookup, the pricing cache), or the pool deadlocks and every request of every user
/// waits for it.
#[tokio::test]
async fn idempotent_estimates_beyond_the_pool_size_do_not_deadlock_it() {
    let app = TestApp::spawn_with(|c| c.db_pool_size = 2).await;
    // No estimate has been made yet, so the burst also fills the pricing cache.
    let (_, seller) = ready(&app).await;
    let buyer = app.login_as(Role::Buyer).await;
    let mut body = usd_10k();
    body["seller_id"] = json!(seller.organisation_id);
    let post = |i: usize| {
        app.client
            .post(app.url("/v1/settlement/estimates"))
            .bearer_auth(&buyer.token)
            .header("Idempotency-Key", format!("burst-{i}"))
            .json(&body)
            .send()
    };
    let started = std::time::Instant::now();
    let (sent, me) = tokio::join!(
        futures_util::future::join_all((0..4 * app.config.db_pool_size).map(post)),
        app.get("/v1/me", Some(&buyer.token))
    );
    for res in sent {
        let res = res.unwrap();
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
    }
    assert_eq!(me.status(), 200);
    // The pool's wait timeout is 10 s: a deadlock shows as 503s after it, not as slowness.
    assert!(started.elapsed() < std::time::Duration::from_secs(9));
}

/// The USD 91,321.74 OUR from the US at USD/INR 84.00 (the demo rates): the bank's
/// 0.60% spread gives 83.496, so USD 91,321.74 is ₹76,25,000.00 exactly; the Rule 32(2)(b)
/// value ₹12,125 × 18% = ₹2,182.50, which the law rounds up to ₹2,183 (half-even said ₹2,182).
#[tokio::test]
async fn gst_on_conversion_rounds_fifty_paise_up() {
    let app = TestApp::spawn().await;
    let (_, seller) = ready(&app).await;
    let res = estimate(
        &app,
        &seller,
        json!({"buyer_country": "US", "direction": "buyer_pays", "charge_bearer": "OUR",
               "amount": {"amount": "91321.74", "currency": "USD"}}),
    )
    .await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    let route = body["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "swift-usd-1hop:OUR")
        .unwrap();
    let lines = route["pricing"]["lines"].as_array().unwrap();
    let line = |code: &str| lines.iter().find(|l| l["code"] == code).unwrap();
    assert_eq!(line("fx_spread")["rate_applied"], "83.496");
    let gst = line("gst_on_conversion");
    assert!(
        gst["label"]
            .as_str()
            .unwrap()
            .contains("value INR 12125.00 of INR 7625000.00"),
        "{gst}"
    );
    assert_eq!(gst["amount_inr"]["amount"], "2183.00");
    assert_eq!(
        route["pricing"]["net_inr"]["amount"], "7621932.00",
        "76,25,000.00 - 2,183 - (500 + 90) - (250 + 45)"
    );
}

/// USD 10.00 OUR from the US: SWIFT's costs exceed what arrives (net -₹95.04). It is not
/// offered: not eligible with the reason, unpriced, ranked after every usable route. When no
/// route is usable (CNY 10.00 from China), the answer says so.
#[tokio::test]
async fn routes_whose_costs_reach_the_amount_are_not_offered() {
    let app = TestApp::spawn().await;
    let (_, seller) = ready(&app).await;
    let body: Value = estimate(
        &app,
        &seller,
        json!({"buyer_country": "US", "direction": "buyer_pays", "charge_bearer": "OUR",
               "amount": {"amount": "10.00", "currency": "USD"}}),
    )
    .await
    .json()
    .await
    .unwrap();
    let routes = body["routes"].as_array().unwrap();
    let our = routes
        .iter()
        .find(|r| r["id"] == "swift-usd-1hop:OUR")
        .unwrap();
    assert_eq!(our["eligible"], false, "{our}");
    assert!(our["pricing"].is_null());
    assert_eq!(
        our["reasons"],
        json!([
            "USD 10.00 does not cover the costs of this route: the seller would receive INR -95.04"
        ])
    );
    for r in routes.iter().filter(|r| r["eligible"] == true) {
        let net = r["pricing"]["net_inr"]["minor"].as_i64().unwrap();
        assert!(net > 0, "{}: {net}", r["id"]);
    }
    let usable: std::collections::BTreeSet<&str> = routes
        .iter()
        .filter(|r| r["eligible"] == true)
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(!usable.is_empty());
    for order in ["by_net_inr", "cheapest_for_buyer", "fastest"] {
        let ids: Vec<&str> = body["rankings"][order]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| id.as_str().unwrap())
            .collect();
        let head: std::collections::BTreeSet<&str> = ids[..usable.len()].iter().copied().collect();
        assert_eq!(head, usable, "{order}: {ids:?}");
    }
    assert!(body["warnings"].as_array().unwrap().is_empty());

    let body: Value = estimate(
        &app,
        &seller,
        json!({"buyer_country": "CN", "direction": "buyer_pays",
               "amount": {"amount": "10.00", "currency": "CNY"}}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        body["routes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["eligible"] == false && r["pricing"].is_null()),
        "{}",
        body["routes"]
    );
    let warnings = body["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap()
            .starts_with("no route can be used for CNY 10.00")),
        "{warnings:?}"
    );
}

/// Amounts are plain decimal strings: an exponent, a sign, a bare point or a JSON number is
/// refused under `amount.amount`, saying what to send; plain forms (and lower-case currency
/// codes) are priced.
#[tokio::test]
async fn amounts_are_plain_decimal_strings() {
    let app = TestApp::spawn().await;
    let (_, seller) = ready(&app).await;
    let body = |amount: Value, currency: &str| {
        json!({"buyer_country": "CN", "direction": "buyer_pays", "charge_bearer": "SHA",
               "amount": {"amount": amount, "currency": currency}})
    };
    for bad in [
        json!("1e5"),
        json!("1E-2"),
        json!("+100"),
        json!(".5"),
        json!("100."),
        json!(" 100"),
        json!("1,000.00"),
        json!(100000),
        json!(1.5),
    ] {
        let problem =
            assert_problem(estimate(&app, &seller, body(bad.clone(), "USD")).await, 422).await;
        assert_eq!(problem_fields(&problem), ["amount.amount"], "{bad}");
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("decimal string such as \"1250.50\""),
            "{bad}: {message}"
        );
    }
    for (good, currency, minor) in [
        ("100000", "USD", 10_000_000),
        ("100000.00", "USD", 10_000_000),
        ("10000.5", "usd", 1_000_050),
        ("1500", "JPY", 1_500),
        ("1.250", "KWD", 1_250),
    ] {
        let res = estimate(&app, &seller, body(json!(good), currency)).await;
        assert_eq!(res.status(), 201, "{good} {currency}");
        let answer: Value = res.json().await.unwrap();
        assert_eq!(answer["request"]["amount"]["minor"], minor, "{good}");
        assert_eq!(
            answer["request"]["amount"]["currency"],
            currency.to_ascii_uppercase()
        );
    }
}

/// The group-commit writer is reported: running in `/readyz`, its batches in `/metrics`.
#[tokio::test]
async fn the_estimate_writer_is_reported_in_readiness_and_metrics() {
    let token = "metrics-token-for-the-writer-test";
    let app =
        TestApp::spawn_with(|c| c.metrics_token = Some(exportbridge::config::Secret::new(token)))
            .await;
    let (_, seller) = ready(&app).await;
    assert_eq!(estimate(&app, &seller, usd_10k()).await.status(), 201);
    let readiness: Value = app.get("/readyz", None).await.json().await.unwrap();
    assert!(
        readiness["checks"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "estimate_writer", "kind": "worker", "ready": true})),
        "{readiness}"
    );
    let metrics = app.get("/metrics", Some(token)).await.text().await.unwrap();
    for line in [
        "exportbridge_estimate_writer{state=\"running\"} 1",
        "exportbridge_estimate_writer{state=\"panicked_batches\"} 0",
        "exportbridge_estimate_writer_batch_rows_count 1",
    ] {
        assert!(metrics.contains(line), "{line} missing from\n{metrics}");
    }
}

/// Rates an admin posts price the very next estimate of this instance (the pricing cache is
/// dropped on the write, not left to its TTL).
#[tokio::test]
async fn posted_rates_price_the_next_estimate_at_once() {
    let app = TestApp::spawn().await;
    let (admin, seller) = ready(&app).await;
    let inr_per_usd = |e: &Value| rate_of(&e["rates"], "USD")["inr_per_unit"].clone();
    let before: Value = estimate(&app, &seller, usd_10k())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inr_per_usd(&before), "84.00");
    app.post_rates(&admin, &[("USD", "INR", "85.25")]).await;
    let after: Value = estimate(&app, &seller, usd_10k())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inr_per_usd(&after), "85.25");
}
