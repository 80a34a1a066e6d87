//! Limits and protocol details of the HTTP layer: late bodies, HEAD, readiness and metrics
//! exposure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::sellers::{complete_profile, json_of, put_profile};
use common::{TestApp, assert_problem};
use exportbridge::auth::Role;
use exportbridge::config::{Mode, Secret};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BODY_TIMEOUT_MS: u64 = 400;

async fn with_short_body_timeout() -> TestApp {
    TestApp::spawn_with(|c| c.body_timeout_ms = BODY_TIMEOUT_MS).await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads until the server closes the connection (at most 10 s): the raw response.
async fn read_all(stream: &mut (impl AsyncReadExt + Unpin)) -> String {
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut buf))
        .await
        .expect("the server kept the connection open")
        .unwrap();
    String::from_utf8_lossy(&buf).into_owned()
}

/// The status line, the lower-cased headers and the body of a raw response.
fn parse_raw(raw: &str) -> (String, Vec<(String, String)>, String) {
    let (head, body) = raw.split_once("\r\n\r\n").expect("a complete head");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

fn assert_408_problem(raw: &str) {
    let (status, headers, body) = parse_raw(raw);
    assert!(status.starts_with("HTTP/1.1 408"), "{raw}");
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/problem+json"),
        "{raw}"
    );
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["status"], 408);
}

fn login_head(content_length: usize) -> String {
    format!(
        "POST /v1/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {content_length}\r\n\r\n"
    )
}

#[tokio::test]
async fn a_body_that_never_comes_is_408_at_the_deadline() {
    let app = with_short_body_timeout().await;
    let mut stream = connect(&app).await;
    let started = Instant::now();
    stream.write_all(login_head(100).as_bytes()).await.unwrap();
    let raw = read_all(&mut stream).await;
    let elapsed = started.elapsed();
    assert_408_problem(&raw);
    assert!(
        elapsed >= Duration::from_millis(BODY_TIMEOUT_MS) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_trickled_body_is_408_at_the_deadline() {
    let app = with_short_body_timeout().await;
    let (mut reader, mut writer) = connect(&app).await.into_split();
    writer.write_all(login_head(1000).as_bytes()).await.unwrap();
    let started = Instant::now();
    // One byte every 50 ms would take 50 s for the whole body.
    let trickle = tokio::spawn(async move {
        for _ in 0..1000 {
            if writer.write_all(b" ").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let raw = read_all(&mut reader).await;
    trickle.abort();
    assert_408_problem(&raw);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_document_upload_that_stalls_is_408() {
    let app = with_short_body_timeout().await;
    let seller = app.login_as(Role::Seller).await;
    json_of(
        put_profile(&app, &seller, &complete_profile(), None).await,
        201,
    )
    .await;
    let (mut reader, mut writer) = connect(&app).await.into_split();
    let part = "--XyZ\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ngstin_certificate\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n";
    let head = format!(
        "POST /v1/sellers/me/documents HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 100000\r\n\r\n{part}",
        seller.token
    );
    writer.write_all(head.as_bytes()).await.unwrap();
    let raw = read_all(&mut reader).await;
    drop(writer);
    assert_408_problem(&raw);
}

#[tokio::test]
async fn a_body_sent_in_time_is_answered_normally() {
    let app = TestApp::spawn_with(|c| c.body_timeout_ms = 3000).await;
    let body = json!({"email": "nobody@example.com", "password": "wrong password"}).to_string();
    let mut stream = connect(&app).await;
    stream
        .write_all(login_head(body.len()).as_bytes())
        .await
        .unwrap();
    // A pause well inside the deadline, then the body in two pieces.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (a, b) = body.split_at(10);
    stream.write_all(a.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stream.write_all(b.as_bytes()).await.unwrap();
    let mut buf = vec![0; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let raw = String::from_utf8_lossy(&buf[..n]);
    assert!(raw.starts_with("HTTP/1.1 401"), "{raw}");
    // Ordinary requests are untouched by the deadline.
    let res = app
        .post_json(
            "/v1/auth/login",
            &json!({"email": "x@example.com", "password": "p"}),
            None,
        )
        .await;
    assert_problem(res, 401).await;
}

/// Beyond `max_connections` a new connection waits (in the listen backlog) until one closes.
#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_free_slot() {
    // Two workers, one connection each.
    let app = TestApp::spawn_with(|c| {
        c.workers = 2;
        c.max_connections = 2;
        c.client_request_timeout_ms = 20_000;
    })
    .await;
    let mut idle = vec![connect(&app).await, connect(&app).await];
    // Let the server accept both.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut third = connect(&app).await;
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(700), third.read(&mut buf)).await;
    assert!(early.is_err(), "answered beyond the connection limit");
    idle.pop();
    let raw = read_all(&mut third).await;
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
}

/// `HEAD` answers what `GET` answers, without the body.
#[tokio::test]
async fn head_is_get_without_a_body() {
    let app = TestApp::spawn().await;
    let buyer = app.login_as(Role::Buyer).await;
    for (path, token) in [
        ("/healthz", None),
        ("/readyz", None),
        ("/openapi.json", None),
        ("/metrics", None),
        ("/docs/", None),
        ("/v1/me", Some(buyer.token.as_str())),
        ("/v1/me", None),
        ("/v1/nothing-here", None),
    ] {
        let get = app.request(Method::GET, path, token, None).await;
        let head = app.request(Method::HEAD, path, token, None).await;
        assert_eq!(head.status(), get.status(), "{path}");
        for name in ["content-type", "etag", "www-authenticate", "allow"] {
            assert_eq!(
                head.headers().get(name),
                get.headers().get(name),
                "{path}: {name}"
            );
        }
        assert!(head.bytes().await.unwrap().is_empty(), "{path}");
    }
    // On the wire: the GET's Content-Length, and not one byte of body.
    let get_len = app
        .get("/openapi.json", None)
        .await
        .bytes()
        .await
        .unwrap()
        .len();
    let mut stream = connect(&app).await;
    stream
        .write_all(b"HEAD /openapi.json HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let raw = read_all(&mut stream).await;
    let (status, headers, body) = parse_raw(&raw);
    assert!(status.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(
        headers.contains(&("content-length".to_owned(), get_len.to_string())),
        "{raw}"
    );
    assert_eq!(body, "");
}

#[tokio::test]
async fn allow_lists_head_beside_get() {
    let app = TestApp::spawn().await;
    let res = app.client.delete(app.url("/v1/me")).send().await.unwrap();
    let allow = res.headers()["allow"].to_str().unwrap().to_owned();
    assert_problem(res, 405).await;
    let allow: Vec<&str> = allow.split(", ").collect();
    assert!(
        allow.contains(&"GET") && allow.contains(&"HEAD"),
        "{allow:?}"
    );
    // HEAD on a resource without GET is refused like GET would be.
    let res = app
        .client
        .head(app.url("/v1/auth/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "POST");
}

#[tokio::test]
async fn readiness_names_the_failing_store_but_not_the_cause() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::spawn_with(|c| {
        c.in_country[0].url.0 = format!("postgres://postgres@127.0.0.1:{port}/exportbridge");
    })
    .await;
    let res = app.get("/readyz", None).await;
    let raw_headers = format!("{:?}", res.headers());
    let body = assert_problem(res, 503).await;
    let text = body.to_string();
    for leak in [
        "refused",
        "onnect",
        "postgres",
        "127.0.0.1",
        &port.to_string(),
    ] {
        assert!(!text.contains(leak), "{leak:?} in {text}");
        assert!(!raw_headers.contains(leak), "{leak:?} in {raw_headers}");
    }
    let checks: Vec<(String, bool)> = body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["ready"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        checks,
        [
            ("platform".to_owned(), true),
            ("in_country:IN".to_owned(), false),
            ("estimate_writer".to_owned(), true)
        ]
    );
}

const METRICS_TOKEN: &str = "metrics-token-0123456789";

#[tokio::test]
async fn metrics_require_the_configured_token() {
    let app = TestApp::spawn_with(|c| c.metrics_token = Some(Secret::new(METRICS_TOKEN))).await;
    assert_problem(app.get("/metrics", None).await, 401).await;
    assert_problem(app.get("/metrics", Some("not-the-token")).await, 401).await;
    let res = app.get("/metrics", Some(METRICS_TOKEN)).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("exportbridge_db_pool_connections")
    );
    // HEAD is guarded the same way.
    let res = app.request(Method::HEAD, "/metrics", None, None).await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn metrics_without_a_token_are_off_in_production() {
    let app = TestApp::spawn_with(|c| {
        c.mode = Mode::Production;
        c.smtp_url = Some(exportbridge::config::Secret::new("smtp://127.0.0.1:9"));
    })
    .await;
    assert_problem(app.get("/metrics", None).await, 404).await;
    // The rest of the service is unaffected.
    assert_eq!(app.get("/healthz", None).await.status(), 200);
}
