//! Helpers of the residency tests: a listing to create, the in-country copy of a test's
//! databases, and small SQL reads.

use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::{Value, json};

use super::sellers::json_of;
use super::{Session, TestApp};

pub fn listing_body(title: &str) -> Value {
    json!({
        "title": title,
        "description": "Single jersey, reactive dyed, pre-shrunk.",
        "sector": "textiles",
        "hs_code": "6109.10.00",
        "keywords": ["t-shirt"],
        "attributes": {"gsm": "180"},
        "moq": 500,
        "moq_unit": "pieces",
        "currency": "USD",
        "price_breaks": [{"min_quantity": 500, "unit_price": "3.40"}],
        "incoterms": [{"incoterm": "FOB", "named_place": "Chennai"}],
        "lead_time_days": 30,
        "origin_state": "TN"
    })
}

pub async fn create_listing(app: &TestApp, s: &Session, title: &str) -> String {
    let res = app
        .post_json("/v1/listings", &listing_body(title), Some(&s.token))
        .await;
    json_of(res, 201).await["id"].as_str().unwrap().to_owned()
}

/// Creates a listing of `s` from `body` and publishes it; returns its id.
pub async fn publish_listing(app: &TestApp, s: &Session, body: &Value) -> String {
    let created = json_of(
        app.post_json("/v1/listings", body, Some(&s.token)).await,
        201,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    json_of(
        app.post_json(
            &format!("/v1/listings/{id}/publish"),
            &json!({}),
            Some(&s.token),
        )
        .await,
        200,
    )
    .await;
    id
}

/// The in-country copy of this test.
pub async fn copy(app: &TestApp) -> AsyncPgConnection {
    AsyncPgConnection::establish(&app.config.in_country[0].url.0)
        .await
        .unwrap()
}

pub async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    sql_query(format!("SELECT count(*) AS n FROM ({sql}) q"))
        .get_result::<N>(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

pub async fn text(conn: &mut AsyncPgConnection, sql: &str) -> Option<String> {
    #[derive(QueryableByName)]
    struct T {
        #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
        t: Option<String>,
    }
    sql_query(sql)
        .load::<T>(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .next()
        .and_then(|r| r.t)
}
