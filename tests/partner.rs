//! Partner aggregates: counts of sellers and listings by sector and state with small cells
//! withheld, every answer recorded in the append-only egress log; who may call.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::sellers::json_of;
use common::{TestApp, assert_problem};
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use exportbridge::auth::Role;
use exportbridge::seed::{CatalogueSize, catalogue::DEFAULT_SEED, load_catalogue};
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::Value;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = Text)]
    value: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The true counts of a breakdown, straight from the tables.
async fn truth(app: &TestApp, sql: &str) -> BTreeMap<String, i64> {
    let mut conn = app.db().await;
    let rows: Vec<Count> = diesel::sql_query(sql).load(&mut conn).await.unwrap();
    rows.into_iter().map(|c| (c.value, c.n)).collect()
}

/// Checks one breakdown against the truth: every value present, published counts true and
/// never below 5, every count below 5 withheld. Returns (published, withheld).
fn check(cells: &Value, truth: &BTreeMap<String, i64>, name: &str) -> (usize, usize) {
    let cells = cells.as_array().unwrap();
    assert_eq!(cells.len(), truth.len(), "{name}");
    let mut withheld = 0;
    for cell in cells {
        let value = cell["value"].as_str().unwrap();
        let n = truth[value];
        if cell["suppressed"] == true {
            assert!(cell["count"].is_null(), "{name} {value}");
            withheld += 1;
        } else {
            assert_eq!(cell["count"], n, "{name} {value}");
            assert!(n >= 5, "{name} {value}: {n} published");
        }
        if n < 5 {
            assert_eq!(cell["suppressed"], true, "{name} {value}: {n} not withheld");
        }
    }
    (cells.len() - withheld, withheld)
}

/// `token` with its signature made by another key.
fn forged(token: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(b"not-the-platform-secret-not-the-platform"),
    )
    .unwrap()
}

#[tokio::test]
async fn aggregates_withhold_small_cells_and_every_answer_is_logged() {
    let app = TestApp::spawn().await;
    let size = CatalogueSize {
        sellers: 12,
        listings: 150,
        seed: DEFAULT_SEED,
    };
    load_catalogue(&app.config, size).await.unwrap();
    // RFQs: six from Chinese buyers (published), two from a Vietnamese one (withheld).
    diesel::sql_query(
        "WITH b AS (
             INSERT INTO organisations (id, kind, name, country_code, home_jurisdiction)
             VALUES (gen_random_uuid(), 'buyer', 'Hengda', 'CN', 'CN'),
                    (gen_random_uuid(), 'buyer', 'Saigon Imports', 'VN', 'VN')
             RETURNING id, country_code),
         p AS (
             INSERT INTO buyer_profiles (organisation_id, company_name, country_code, business_type,
                                         contact_name, contact_email)
             SELECT id, 'Buyer ' || country_code, country_code, 'importer', 'Contact', 'c@example.com'
               FROM b RETURNING organisation_id, country_code)
         INSERT INTO rfqs (id, buyer_organisation_id, created_by, product, quantity, unit, currency,
                           destination_country, destination_place, valid_until)
         SELECT gen_random_uuid(), p.organisation_id, gen_random_uuid(), 'Cotton towels', 1000,
                'pieces', 'USD', p.country_code, 'Port', now() + interval '30 days'
           FROM p, generate_series(1, CASE p.country_code WHEN 'CN' THEN 6 ELSE 2 END)",
    )
    .execute(&mut app.db().await)
    .await
    .unwrap();
    let auditor = app.login_as(Role::Auditor).await;

    let answer = json_of(
        app.get("/v1/partner/aggregates", Some(&auditor.token))
            .await,
        200,
    )
    .await;
    assert_eq!(answer["suppressed_below"], 5);
    let mut published = 0;
    let mut withheld = 0;
    for (path, sql) in [
        (
            ("sellers", "by_sector"),
            "SELECT unnest(sectors) AS value, count(*) AS n FROM sellers WHERE status = 'approved' GROUP BY 1",
        ),
        (
            ("sellers", "by_state"),
            "SELECT address_state AS value, count(*) AS n FROM sellers WHERE status = 'approved' AND address_state IS NOT NULL GROUP BY 1",
        ),
        (
            ("listings", "by_sector"),
            "SELECT sector AS value, count(*) AS n FROM listings WHERE status = 'published' AND seller_in_good_standing GROUP BY 1",
        ),
        (
            ("listings", "by_state"),
            "SELECT origin_state AS value, count(*) AS n FROM listings WHERE status = 'published' AND seller_in_good_standing GROUP BY 1",
        ),
        (
            ("rfqs", "by_buyer_country"),
            "SELECT b.country_code AS value, count(*) AS n FROM rfqs r JOIN buyer_profiles b ON b.organisation_id = r.buyer_organisation_id GROUP BY 1",
        ),
    ] {
        let truth = truth(&app, sql).await;
        let (p, w) = check(&answer[path.0][path.1], &truth, &format!("{path:?}"));
        published += p;
        withheld += w;
    }
    // The generated catalogue has both kinds of cells, so both rules were exercised.
    assert!(
        published > 0 && withheld > 0,
        "{published} published, {withheld} withheld"
    );

    // Recorded: who, what, how many cells; a second answer is a second record.
    let admin = app.login_as(Role::Admin).await;
    json_of(
        app.get("/v1/partner/aggregates", Some(&admin.token)).await,
        200,
    )
    .await;
    let log = json_of(
        app.get("/v1/partner/egress-log?limit=1", Some(&auditor.token))
            .await,
        200,
    )
    .await;
    assert_eq!(log["items"][0]["actor_role"], "admin");
    let cursor = log["next_cursor"].as_str().unwrap();
    let older = json_of(
        app.get(
            &format!("/v1/partner/egress-log?limit=1&cursor={cursor}"),
            Some(&admin.token),
        )
        .await,
        200,
    )
    .await;
    let first = &older["items"][0];
    assert_eq!(first["id"], answer["egress_id"]);
    assert_eq!(first["actor_user_id"], auditor.user_id.to_string());
    assert_eq!(first["actor_role"], "auditor");
    assert_eq!(first["endpoint"], "GET /v1/partner/aggregates");
    assert_eq!(
        first["categories"],
        serde_json::json!([
            "sellers_by_sector",
            "sellers_by_state",
            "listings_by_sector",
            "listings_by_state",
            "rfqs_by_buyer_country"
        ])
    );
    assert_eq!(first["published_cells"], published);
    assert_eq!(first["suppressed_cells"], withheld);
    assert_eq!(first["threshold"], 5);
    assert!(older["next_cursor"].is_null());

    // The log is append-only, even for the database owner.
    let mut conn = app.db().await;
    for sql in [
        "DELETE FROM egress_log",
        "UPDATE egress_log SET published_cells = 0",
        "TRUNCATE egress_log",
    ] {
        assert!(
            diesel::sql_query(sql).execute(&mut conn).await.is_err(),
            "{sql}"
        );
    }
}

#[tokio::test]
async fn only_admins_and_auditors_take_aggregates_and_read_the_log() {
    let app = TestApp::spawn().await;
    let auditor = app.login_as(Role::Auditor).await;
    for path in ["/v1/partner/aggregates", "/v1/partner/egress-log"] {
        assert_problem(app.get(path, None).await, 401).await;
        assert_problem(app.get(path, Some(&forged(&auditor.token))).await, 401).await;
        for role in [Role::Seller, Role::Buyer, Role::VettingOfficer] {
            let session = app.login_as(role).await;
            assert_problem(app.get(path, Some(&session.token)).await, 403).await;
        }
    }
    // Refused calls leave nothing in the log; a bad page is a named 422.
    let problem = assert_problem(
        app.get("/v1/partner/egress-log?limit=0", Some(&auditor.token))
            .await,
        422,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "limit");
    let log = json_of(
        app.get("/v1/partner/egress-log", Some(&auditor.token))
            .await,
        200,
    )
    .await;
    assert_eq!(log["items"], serde_json::json!([]));
}
