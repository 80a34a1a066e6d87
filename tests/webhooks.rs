//! Webhook endpoints, signed delivery, retries and the delivery log, against a real receiver.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{StubServer, TestApp, assert_problem, header, problem_fields, verify, wait_for};
use exportbridge::auth::Role;
use serde_json::{Value, json};

#[tokio::test]
async fn signed_delivery_is_retried_after_a_failure() {
    let receiver = StubServer::start(500, "{}").await;
    let app = TestApp::spawn().await;
    let seller = app.login_as(Role::Seller).await;
    let res = app
        .post_json("/v1/webhooks", &json!({"url": format!("{}/hooks", receiver.url), "event_types": ["webhook.ping", "seller.approved"]}), Some(&seller.token))
        .await;
    assert_eq!(res.status(), 201);
    let endpoint: Value = res.json().await.unwrap();
    let secret = endpoint["secret"].as_str().unwrap().to_owned();
    let id = endpoint["id"].as_str().unwrap().to_owned();

    let res = app
        .post_json(
            &format!("/v1/webhooks/{id}/ping"),
            &json!({}),
            Some(&seller.token),
        )
        .await;
    assert_eq!(res.status(), 202);
    // First attempt: the receiver answers 500.
    wait_for("first attempt", || receiver.hits() >= 1).await;
    receiver.respond(200, "{}");
    // Retried (base 1 s in tests) and delivered.
    wait_for("retry", || receiver.hits() >= 2).await;
    let requests = receiver.requests.lock().unwrap().clone();
    assert_eq!(
        requests[0].body, requests[1].body,
        "the same event is re-sent"
    );
    for req in &requests {
        assert_eq!(req.method, "POST");
        assert_eq!(req.path, "/hooks");
        assert!(verify(&secret, req), "signature verifies");
        assert!(!verify("whsec_wrong", req));
        assert_eq!(header(req, "x-exportbridge-event"), "webhook.ping");
    }
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body["type"], "webhook.ping");
    assert_eq!(body["data"]["endpoint_id"], id);

    // The delivery log shows both attempts.
    let mut log = Value::Null;
    for _ in 0..100 {
        log = app
            .get(
                &format!("/v1/webhooks/{id}/deliveries"),
                Some(&seller.token),
            )
            .await
            .json()
            .await
            .unwrap();
        if log["items"][0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let delivery = &log["items"][0];
    assert_eq!(delivery["status"], "delivered");
    let attempts = delivery["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["status_code"], 500);
    assert_eq!(attempts[1]["status_code"], 200);
    assert!(log["next_cursor"].is_null());
}

#[tokio::test]
async fn endpoints_belong_to_their_organisation() {
    let app = TestApp::spawn().await;
    let seller = app.login_as(Role::Seller).await;
    let other = app.login_as(Role::Seller).await;
    let created: Value = app
        .post_json(
            "/v1/webhooks",
            &json!({"url": "http://127.0.0.1:9/hooks"}),
            Some(&seller.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    assert_problem(
        app.get(&format!("/v1/webhooks/{id}/deliveries"), Some(&other.token))
            .await,
        404,
    )
    .await;
    assert_problem(
        app.post_json(
            &format!("/v1/webhooks/{id}/ping"),
            &json!({}),
            Some(&other.token),
        )
        .await,
        404,
    )
    .await;
    let res = app
        .request(
            reqwest::Method::DELETE,
            &format!("/v1/webhooks/{id}"),
            Some(&other.token),
            None,
        )
        .await;
    assert_problem(res, 404).await;
    assert_problem(app.get("/v1/webhooks", None).await, 401).await;
    let listed: Value = app
        .get("/v1/webhooks", Some(&other.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(listed.as_array().unwrap().is_empty());
    let listed: Value = app
        .get("/v1/webhooks", Some(&seller.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(
        listed[0].get("secret").is_none(),
        "the secret is shown only once"
    );
    let res = app
        .request(
            reqwest::Method::DELETE,
            &format!("/v1/webhooks/{id}"),
            Some(&seller.token),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    let listed: Value = app
        .get("/v1/webhooks", Some(&seller.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(listed.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn endpoint_registration_is_validated() {
    let app = TestApp::spawn().await;
    let seller = app.login_as(Role::Seller).await;
    let res = app
        .post_json(
            "/v1/webhooks",
            &json!({"url": "ftp://x", "event_types": ["seller.approved", "seller.exploded"]}),
            Some(&seller.token),
        )
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(problem_fields(&problem), ["url", "event_types[1]"]);
    for i in 0..5 {
        let res = app
            .post_json(
                "/v1/webhooks",
                &json!({"url": format!("http://127.0.0.1:9/{i}")}),
                Some(&seller.token),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let res = app
        .post_json(
            "/v1/webhooks",
            &json!({"url": "http://127.0.0.1:9/6"}),
            Some(&seller.token),
        )
        .await;
    assert_problem(res, 409).await;
}

#[tokio::test]
async fn the_endpoint_limit_holds_under_concurrency() {
    let app = TestApp::spawn().await;
    let buyer = app.login_as(Role::Buyer).await;
    let bodies: Vec<Value> = (0..10)
        .map(|i| json!({"url": format!("http://127.0.0.1:9/{i}")}))
        .collect();
    let requests = bodies
        .iter()
        .map(|body| app.post_json("/v1/webhooks", body, Some(&buyer.token)));
    let statuses: Vec<u16> = futures_util::future::join_all(requests)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        5,
        "{statuses:?}"
    );
    let listed: Value = app
        .get("/v1/webhooks", Some(&buyer.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 5);
}
