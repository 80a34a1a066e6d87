//! Idempotency-Key on create requests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{PASSWORD, TestApp, assert_problem};
use diesel_async::RunQueryDsl;
use exportbridge::auth::Role;
use serde_json::{Value, json};

async fn create(app: &TestApp, token: &str, key: &str, email: &str) -> reqwest::Response {
    app.client
        .post(app.url("/v1/admin/users"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({"email": email, "password": PASSWORD, "full_name": "Audit Person", "role": "auditor"}))
        .send()
        .await
        .unwrap()
}

async fn count_users(app: &TestApp, email: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.db().await;
    let c: Count = diesel::sql_query("SELECT count(*) AS n FROM users WHERE email = $1")
        .bind::<diesel::sql_types::Text, _>(email)
        .get_result(&mut conn)
        .await
        .unwrap();
    c.n
}

#[tokio::test]
async fn a_repeated_key_replays_the_first_response() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let first = create(&app, &admin.token, "key-1", "a1@example.com").await;
    assert_eq!(first.status(), 201);
    let location = first.headers()["location"].clone();
    let first: Value = first.json().await.unwrap();
    let again = create(&app, &admin.token, "key-1", "a1@example.com").await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["location"], location);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(count_users(&app, "a1@example.com").await, 1);

    // The same key with another body is refused; nothing is created.
    let res = create(&app, &admin.token, "key-1", "a2@example.com").await;
    assert_problem(res, 422).await;
    assert_eq!(count_users(&app, "a2@example.com").await, 0);

    // Keys are per user: another admin's same key is a fresh request.
    let other = app.login_as(Role::Admin).await;
    let res = create(&app, &other.token, "key-1", "a3@example.com").await;
    assert_eq!(res.status(), 201);
    assert!(res.headers().get("idempotent-replayed").is_none());
}

#[tokio::test]
async fn twenty_concurrent_duplicates_create_one_row() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let requests = (0..20).map(|_| create(&app, &admin.token, "concurrent-key", "c@example.com"));
    let responses = futures_util::future::join_all(requests).await;
    let mut ids = Vec::new();
    for res in responses {
        assert_eq!(res.status(), 201);
        ids.push(res.json::<Value>().await.unwrap()["id"].clone());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every response names the same user");
    assert_eq!(count_users(&app, "c@example.com").await, 1);
}

#[tokio::test]
async fn a_failed_request_does_not_burn_the_key() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    // Conflict: the email exists.
    create(&app, &admin.token, "k-a", "dup@example.com").await;
    let res = create(&app, &admin.token, "k-b", "DUP@example.com").await;
    assert_problem(res, 409).await;
    // Bad key header.
    let res = app
        .client
        .post(app.url("/v1/admin/users"))
        .bearer_auth(&admin.token)
        .header("Idempotency-Key", "")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(res.status() == 422 || res.status() == 400);
    let mut conn = app.db().await;
    diesel::sql_query("SELECT 1")
        .execute(&mut conn)
        .await
        .unwrap();
}
