//! Every error status is application/problem+json; request ids; operations endpoints.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{DEMO_RATES, TestApp, assert_problem, problem_fields};
use exportbridge::auth::Role;
use serde_json::json;

#[tokio::test]
async fn malformed_json_is_400_and_wrong_shape_is_422() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400).await;
    let res = app
        .post_json(
            "/v1/auth/login",
            &json!({"email": 5, "password": "x"}),
            None,
        )
        .await;
    assert_eq!(problem_fields(&assert_problem(res, 422).await), ["email"]);
    let res = app
        .post_json("/v1/auth/login", &json!({"password": "x"}), None)
        .await;
    assert_eq!(problem_fields(&assert_problem(res, 422).await), ["email"]);
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/v1/auth/login"))
        .body("email=a")
        .send()
        .await
        .unwrap();
    assert_problem(res, 415).await;
}

#[tokio::test]
async fn unknown_route_is_404_and_wrong_method_is_405() {
    let app = TestApp::spawn().await;
    assert_problem(app.get("/v1/nothing-here", None).await, 404).await;
    let res = app.get("/v1/auth/login", None).await;
    assert_eq!(res.headers()["allow"], "POST");
    assert_problem(res, 405).await;
    let res = app.client.delete(app.url("/v1/me")).send().await.unwrap();
    assert_problem(res, 405).await;
    // A malformed id in a path is simply not found.
    let admin = app.login_as(exportbridge::auth::Role::Admin).await;
    assert_problem(
        app.get("/v1/admin/users/not-a-uuid", Some(&admin.token))
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let app = TestApp::spawn_with(|c| c.json_limit = 1024).await;
    let big = json!({"email": "a@b.co", "password": "x".repeat(2000)});
    assert_problem(app.post_json("/v1/auth/login", &big, None).await, 413).await;
    // Also when streamed without a Content-Length.
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(vec![
        Ok::<_, std::io::Error>(format!("{{\"email\": \"{}\"", "a".repeat(2000))),
        Ok("}".to_owned()),
    ]));
    let res = app
        .client
        .post(app.url("/v1/auth/login"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_problem(res, 413).await;
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let res = app.get("/v1/nothing", None).await;
    let generated = res.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(generated.len(), 36);
    // A hostile id is replaced, not reflected.
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "a\"b<script>")
        .send()
        .await
        .unwrap();
    assert_ne!(res.headers()["x-request-id"], "a\"b<script>");
}

#[tokio::test]
async fn operations_endpoints() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz", None).await.status(), 200);
    let res = app.get("/readyz", None).await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    let stores: Vec<_> = body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "store")
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stores, ["platform", "in_country:IN"]);

    // Metrics count requests by route pattern and expose the pools.
    app.get("/v1/me", None).await;
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains("exportbridge_http_requests_total"),
        "{metrics}"
    );
    assert!(metrics.contains("endpoint=\"/v1/me\""), "{metrics}");
    assert!(
        metrics.contains("exportbridge_db_pool_connections{state=\"max\",store=\"platform\"} 8"),
        "{metrics}"
    );

    let res = app.get("/docs", None).await;
    assert_eq!(res.status(), 308);
    let res = app.get("/docs/", None).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("swagger"));
    let spec: serde_json::Value = app.get("/openapi.json", None).await.json().await.unwrap();
    assert!(spec["paths"]["/v1/auth/login"]["post"].is_object());
}

#[tokio::test]
async fn readyz_fails_when_a_store_is_missing() {
    let app = TestApp::spawn_with(|c| {
        c.in_country[0].url.0 =
            common::with_database(&c.in_country[0].url.0, "eb_no_such_database");
    })
    .await;
    let body = assert_problem(app.get("/readyz", None).await, 503).await;
    assert!(body["detail"].as_str().unwrap().contains("in_country:IN"));
}

#[tokio::test]
async fn housekeeping_forgets_old_idempotency_keys() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let admin = app.login_as(exportbridge::auth::Role::Admin).await;
    let mut conn = app.db().await;
    for (key, age) in [("old", "25 hours"), ("new", "1 hour")] {
        diesel::sql_query(format!(
            "INSERT INTO idempotency_keys (user_id, idempotency_key, request_method, request_path, request_hash, response_status, response_body, created_at)
             VALUES ('{}', '{key}', 'POST', '/x', '\\x00', 201, 'null', now() - interval '{age}')",
            admin.user_id
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let removed = exportbridge::maintenance::run_once(&mut conn)
        .await
        .unwrap();
    assert!(removed >= 1);
    #[derive(diesel::QueryableByName)]
    struct K {
        #[diesel(sql_type = diesel::sql_types::Text)]
        idempotency_key: String,
    }
    let left: Vec<K> = diesel::sql_query("SELECT idempotency_key FROM idempotency_keys")
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        left.into_iter()
            .map(|k| k.idempotency_key)
            .collect::<Vec<_>>(),
        ["new"]
    );
}

#[tokio::test]
async fn nul_characters_are_refused_not_a_500() {
    let app = TestApp::spawn().await;
    for (path, body) in [
        (
            "/v1/auth/login",
            r#"{"email": "a\u0000@b.com", "password": "x"}"#,
        ),
        (
            "/v1/auth/register",
            r#"{"email": "a@b.com", "password": "a long password!", "full_name": "A\u0000",
                "organisation": {"kind": "buyer", "name": "B", "country_code": "CN"}}"#,
        ),
    ] {
        let res = app
            .client
            .post(app.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem_fields(&assert_problem(res, 422).await),
            ["body"],
            "{path}"
        );
    }
}

/// Parser wording that must never reach a client: type names, serde's phrasing, positions.
const PARSER_WORDS: [&str; 9] = [
    "Decimal",
    "UUID parsing",
    "invalid type",
    "invalid value",
    "at line",
    "expected",
    "struct ",
    "u32",
    "`",
];

/// The single field error of a 422, checked for parser wording; returns (field, message).
async fn one_field_error(res: reqwest::Response) -> (String, String) {
    let problem = assert_problem(res, 422).await;
    let errors = problem["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{problem}");
    let message = errors[0]["message"].as_str().unwrap().to_owned();
    for text in [
        &message,
        &problem["detail"].as_str().unwrap_or("").to_owned(),
    ] {
        for word in PARSER_WORDS {
            assert!(!text.contains(word), "{word:?} in {text:?}");
        }
    }
    (errors[0]["field"].as_str().unwrap().to_owned(), message)
}

/// Shape errors say what to change, at the path of the value to change, in plain words.
#[tokio::test]
async fn shape_errors_say_what_to_send_at_the_right_field() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    app.post_rates(&admin, DEMO_RATES).await;
    let buyer = app.login_as(Role::Buyer).await;
    let base = json!({"buyer_country": "cn", "direction": "buyer_pays",
                      "amount": {"amount": "100.00", "currency": "USD"}});
    let with = |pointer: &str, value: serde_json::Value| {
        let mut body = base.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        body
    };
    let post = |body: serde_json::Value| {
        let token = buyer.token.clone();
        let app = &app;
        async move {
            app.post_json("/v1/settlement/estimates", &body, Some(&token))
                .await
        }
    };
    let mut seller_id = base.clone();
    seller_id["seller_id"] = json!("not-a-uuid");
    let mut unknown = base.clone();
    unknown["colour"] = json!("blue");
    let mut missing = base.clone();
    missing["amount"]
        .as_object_mut()
        .unwrap()
        .remove("currency");
    let cases = [
        (seller_id, "seller_id", "must be a UUID such as"),
        (
            with("/amount/amount", json!("1e5")),
            "amount.amount",
            "decimal string such as",
        ),
        (
            with("/amount/amount", json!(100)),
            "amount.amount",
            "decimal string such as",
        ),
        (
            with("/amount/amount", json!("1.001")),
            "amount.amount",
            "USD allows at most 2",
        ),
        (
            with("/amount/amount", json!(null)),
            "amount.amount",
            "decimal string such as",
        ),
        (
            with("/amount/currency", json!("XYZ")),
            "amount.currency",
            "ISO 4217",
        ),
        (
            with("/amount/currency", json!(840)),
            "amount.currency",
            "currency code such as",
        ),
        (
            with("/amount", json!("100.00")),
            "amount",
            "must be an object",
        ),
        (missing, "amount.currency", "is required"),
        (
            with("/direction", json!("sideways")),
            "direction",
            "must be one of \"buyer_pays\", \"seller_receives\"",
        ),
        (
            with("/buyer_country", json!(7)),
            "buyer_country",
            "must be a string",
        ),
        (unknown, "colour", "is not a field of this object"),
    ];
    for (body, field, needle) in cases {
        let (got, message) = one_field_error(post(body.clone()).await).await;
        assert_eq!(got, field, "{body}");
        assert!(message.contains(needle), "{body}: {message}");
    }
    // Currency codes are read in any case, like countries.
    let mut lower = with("/amount/currency", json!("usd"));
    lower["buyer_currency"] = json!("usd");
    let res = post(lower).await;
    assert_eq!(res.status(), 201);
    let answer: serde_json::Value = res.json().await.unwrap();
    assert_eq!(answer["request"]["amount"]["currency"], "USD");
    assert_eq!(answer["request"]["buyer_currency"], "USD");
    assert_eq!(answer["request"]["buyer_country"], "CN");
}

/// Query strings likewise: the parameter is named, the message says what it must be.
#[tokio::test]
async fn query_errors_name_the_parameter() {
    let app = TestApp::spawn().await;
    let seller = app.login_as(Role::Seller).await;
    let cursor = uuid::Uuid::now_v7();
    for (query, field, needle) in [
        ("limit=abc".to_owned(), "limit", "must be a whole number"),
        (
            format!("cursor={cursor}&limit=ten"),
            "limit",
            "must be a whole number",
        ),
        (
            "limit=99999999999999999999".to_owned(),
            "limit",
            "must be a whole number",
        ),
    ] {
        let res = app
            .get(
                &format!("/v1/settlement/estimates?{query}"),
                Some(&seller.token),
            )
            .await;
        let (got, message) = one_field_error(res).await;
        assert_eq!(got, field, "{query}");
        assert!(message.contains(needle), "{query}: {message}");
    }
}
