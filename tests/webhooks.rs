//! Webhook endpoints, signed delivery, retries and the delivery log, against a real receiver.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{
    Session, StubServer, TestApp, assert_problem, header, problem_fields, verify, wait_for,
};
use exportbridge::auth::Role;
use exportbridge::webhooks::target::TargetPolicy;
use exportbridge::webhooks::worker::{Sender, run_once};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
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

    ping(&app, &seller, &id, 1).await;
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

/// The background worker sleeps for an hour: the test drives the passes itself.
fn idle_worker(config: &mut exportbridge::config::Config) {
    config.webhook_poll_ms = 3_600_000;
}

/// Registers an endpoint at `url` for the session's organisation; returns its id.
async fn register_endpoint(app: &TestApp, session: &Session, url: &str) -> String {
    let res = app
        .post_json("/v1/webhooks", &json!({"url": url}), Some(&session.token))
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    created["id"].as_str().unwrap().to_owned()
}

/// Queues `n` ping events to the endpoint.
async fn ping(app: &TestApp, session: &Session, endpoint: &str, n: usize) {
    for _ in 0..n {
        let res = app
            .post_json(
                &format!("/v1/webhooks/{endpoint}/ping"),
                &json!({}),
                Some(&session.token),
            )
            .await;
        assert_eq!(res.status(), 202);
    }
}

async fn delivery_log(app: &TestApp, session: &Session, endpoint: &str) -> Value {
    let res = app
        .get(
            &format!("/v1/webhooks/{endpoint}/deliveries"),
            Some(&session.token),
        )
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn slow_receivers_do_not_hold_a_database_connection() {
    let receiver = StubServer::start(200, "{}").await;
    receiver.delay(Duration::from_secs(3));
    // One connection: a worker holding it while it sends would stall every request.
    let app = TestApp::spawn_with(|c| c.db_pool_size = 1).await;
    let seller = app.login_as(Role::Seller).await;
    let endpoint = register_endpoint(&app, &seller, &format!("{}/hooks", receiver.url)).await;
    ping(&app, &seller, &endpoint, 3).await;
    wait_for("deliveries in flight", || receiver.hits() >= 1).await;
    for _ in 0..5 {
        let started = Instant::now();
        let res = app.get("/v1/me", Some(&seller.token)).await;
        assert_eq!(res.status(), 200);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "GET /v1/me took {:?} while webhooks were being sent",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Every one arrives (a ping made after the worker's first claim waits for its next pass,
    // so how many travel together depends on timing: not asserted here).
    wait_for("all three deliveries", || receiver.hits() == 3).await;
}

#[tokio::test]
async fn concurrent_worker_passes_send_each_delivery_once() {
    let receiver = StubServer::start(200, "{}").await;
    receiver.delay(Duration::from_secs(1));
    let app = TestApp::spawn_with(|c| {
        idle_worker(c);
        c.db_pool_size = 2;
        c.webhook_batch = 4;
        c.webhook_concurrency = 2;
        c.webhook_timeout_secs = 3;
    })
    .await;
    let seller = app.login_as(Role::Seller).await;
    let endpoint = register_endpoint(&app, &seller, &format!("{}/hooks", receiver.url)).await;
    ping(&app, &seller, &endpoint, 6).await;
    let sender = Sender::from_config(&app.config).unwrap();
    let (a, b) = tokio::join!(run_once(&app.state, &sender), run_once(&app.state, &sender));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a + b, 6, "claimed {a} and {b}");
    assert!(a <= 4 && b <= 4, "a pass claims at most a batch");
    // Everything was recorded as delivered: nothing is due again.
    assert_eq!(run_once(&app.state, &sender).await.unwrap(), 0);
    let requests = receiver.requests.lock().unwrap().clone();
    let mut ids: Vec<&str> = requests
        .iter()
        .map(|r| header(r, "x-exportbridge-delivery"))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        (requests.len(), ids.len()),
        (6, 6),
        "each delivery sent once"
    );
    let log = delivery_log(&app, &seller, &endpoint).await;
    for delivery in log["items"].as_array().unwrap() {
        assert_eq!(delivery["status"], "delivered");
        assert_eq!(delivery["attempts"].as_array().unwrap().len(), 1);
    }
}

/// A resolver answering every name with one address, as a DNS record rebound to it would.
struct ResolvesTo(IpAddr);

impl Resolve for ResolvesTo {
    fn resolve(&self, _name: Name) -> Resolving {
        let addr = SocketAddr::new(self.0, 0);
        Box::pin(async move { Ok(Box::new(std::iter::once(addr)) as Addrs) })
    }
}

#[tokio::test]
async fn production_policy_refuses_targets_resolving_to_internal_addresses() {
    let receiver = StubServer::start(200, "{}").await;
    let app = TestApp::spawn_with(idle_worker).await;
    let seller = app.login_as(Role::Seller).await;
    let port = receiver.url.rsplit(':').next().unwrap();
    // A public-looking name that resolves to loopback, and the loopback literal itself.
    let by_name =
        register_endpoint(&app, &seller, &format!("http://hooks.erp.example:{port}/h")).await;
    let by_address = register_endpoint(&app, &seller, &format!("{}/h", receiver.url)).await;
    ping(&app, &seller, &by_name, 1).await;
    ping(&app, &seller, &by_address, 1).await;
    let loopback = Arc::new(ResolvesTo(IpAddr::from([127, 0, 0, 1])));
    let production = Sender::new(&app.config, TargetPolicy::PublicOnly, loopback.clone()).unwrap();
    assert_eq!(run_once(&app.state, &production).await.unwrap(), 2);
    assert_eq!(receiver.hits(), 0, "nothing reached the internal address");
    for endpoint in [&by_name, &by_address] {
        let log = delivery_log(&app, &seller, endpoint).await;
        let delivery = &log["items"][0];
        assert_eq!(delivery["status"], "pending", "retried later: {delivery}");
        let attempt = &delivery["attempts"][0];
        assert_eq!(
            attempt["error"],
            "refused: target resolves to a non-public address"
        );
        assert!(attempt["status_code"].is_null());
    }
    // The same targets under the dev policy reach the receiver: the refusal was the policy's.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let dev = Sender::new(&app.config, TargetPolicy::AnyAddress, loopback).unwrap();
    assert_eq!(run_once(&app.state, &dev).await.unwrap(), 2);
    assert_eq!(receiver.hits(), 2);
}

#[tokio::test]
async fn fifty_concurrent_creates_with_one_key_register_one_endpoint() {
    let app = TestApp::spawn().await;
    let seller = app.login_as(Role::Seller).await;
    let body = json!({"url": "http://127.0.0.1:9/hooks", "event_types": ["seller.approved"]});
    let answers = futures_util::future::join_all(
        (0..50).map(|_| app.post_json_with_key("/v1/webhooks", &body, &seller.token, "hook-1")),
    )
    .await;
    let mut bodies = Vec::new();
    let mut replayed = 0;
    for res in answers {
        assert_eq!(res.status(), 201);
        if let Some(v) = res.headers().get("idempotent-replayed") {
            assert_eq!(v, "true");
            replayed += 1;
        }
        bodies.push(res.json::<Value>().await.unwrap());
    }
    assert_eq!(replayed, 49);
    assert!(bodies.iter().all(|b| *b == bodies[0]), "same id and secret");
    assert!(bodies[0]["secret"].as_str().unwrap().starts_with("whsec_"));
    let listed: Value = app
        .get("/v1/webhooks", Some(&seller.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], bodies[0]["id"]);
}
