//! Test harness: the real server on a random port, against fresh databases cloned from a
//! migrated template on both local clusters (platform and in-country).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod mail;
pub mod residency;
pub mod rfq;
pub mod sellers;
pub mod vetting;

use std::sync::OnceLock;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use exportbridge::auth::Role;
use exportbridge::config::{Config, DatabaseUrl, InCountryStore, Secret};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const PASSWORD: &str = "correct horse battery staple";

/// Replaces the database name of a URL.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("database url has a path");
    format!("{base}/{db}")
}

fn base_urls() -> (String, String) {
    let defaults = Config::local_defaults();
    let platform = std::env::var("EXPORTBRIDGE_DATABASE_URL").unwrap_or(defaults.database_url.0);
    let in_country = std::env::var("EXPORTBRIDGE_IN_COUNTRY_DATABASE_URLS")
        .ok()
        .and_then(|v| v.split(',').find_map(|s| s.parse::<InCountryStore>().ok()))
        .map(|s| s.url.0)
        .unwrap_or_else(|| defaults.in_country[0].url.0.clone());
    (platform, in_country)
}

/// Name of the template for the current migrations (their contents hashed).
fn template_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let mut hasher = Sha256::new();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut entries: Vec<_> = walk(&dir);
        entries.sort();
        for path in entries {
            hasher.update(path.to_string_lossy().as_bytes());
            hasher.update(std::fs::read(&path).unwrap());
        }
        format!("eb_tpl_{}", &hex::encode(hasher.finalize())[..16])
    })
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

async fn admin_conn(server_url: &str) -> AsyncPgConnection {
    AsyncPgConnection::establish(&with_database(server_url, "postgres"))
        .await
        .unwrap_or_else(|e| {
            panic!("cannot reach PostgreSQL at {server_url} (run scripts/pg start): {e}")
        })
}

async fn exec(conn: &mut AsyncPgConnection, sql: &str) {
    diesel::sql_query(sql)
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Creates a fresh database from the migrated template on one cluster (building the template
/// once, under an advisory lock, so parallel test processes agree).
async fn fresh_database(server_url: &str) -> String {
    let template = template_name();
    let mut conn = admin_conn(server_url).await;
    exec(&mut conn, "SELECT pg_advisory_lock(4242)").await;
    #[derive(QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let exists: Exists = diesel::sql_query(format!(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{template}') AS exists"
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    if !exists.exists {
        let building = format!("{template}_building");
        exec(
            &mut conn,
            &format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
        )
        .await;
        exec(&mut conn, &format!("CREATE DATABASE {building}")).await;
        exportbridge::db::migrate(&DatabaseUrl(with_database(server_url, &building)))
            .await
            .unwrap();
        exec(
            &mut conn,
            &format!("ALTER DATABASE {building} RENAME TO {template}"),
        )
        .await;
        exec(
            &mut conn,
            &format!("ALTER DATABASE {template} IS_TEMPLATE true"),
        )
        .await;
    }
    exec(&mut conn, "SELECT pg_advisory_unlock(4242)").await;
    let name = format!("eb_test_{}", Uuid::new_v4().simple());
    exec(
        &mut conn,
        &format!("CREATE DATABASE {name} TEMPLATE {template}"),
    )
    .await;
    with_database(server_url, &name)
}

fn drop_databases(urls: Vec<String>) {
    // Drop runs outside async code: use a thread with its own runtime.
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            // A database with a subscription cannot be dropped, and a publisher database's
            // replication slot outlives it (holding WAL): subscriptions first, then slots.
            for url in &urls {
                drop_subscriptions(url).await;
            }
            for url in urls {
                let (server, db) = url.rsplit_once('/').unwrap();
                let server = format!("{server}/postgres");
                if let Ok(mut conn) = AsyncPgConnection::establish(&server).await {
                    drop_slots(&mut conn, db).await;
                    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            }
        });
    })
    .join();
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Drops the subscriptions of one database without touching its publisher (whose slot is
/// dropped by [`drop_slots`]): disable, detach the slot, drop.
async fn drop_subscriptions(url: &str) {
    let Ok(mut conn) = AsyncPgConnection::establish(url).await else {
        return;
    };
    let subs: Vec<Name> = diesel::sql_query(
        "SELECT subname::text AS name FROM pg_subscription \
          WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .load(&mut conn)
    .await
    .unwrap_or_default();
    for sub in subs {
        for sql in [
            format!("ALTER SUBSCRIPTION {} DISABLE", sub.name),
            format!("ALTER SUBSCRIPTION {} SET (slot_name = NONE)", sub.name),
            format!("DROP SUBSCRIPTION {}", sub.name),
        ] {
            let _ = diesel_async::SimpleAsyncConnection::batch_execute(&mut conn, &sql).await;
        }
    }
}

/// Drops the replication slots of database `db` (an active one once its sender has gone).
async fn drop_slots(conn: &mut AsyncPgConnection, db: &str) {
    for _ in 0..100 {
        let left: Vec<Name> = diesel::sql_query(format!(
            "SELECT slot_name::text AS name FROM pg_replication_slots WHERE database = '{db}'"
        ))
        .load(conn)
        .await
        .unwrap_or_default();
        if left.is_empty() {
            return;
        }
        let _ = diesel::sql_query(format!(
            "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots \
              WHERE database = '{db}' AND active_pid IS NOT NULL"
        ))
        .execute(conn)
        .await;
        let _ = diesel::sql_query(format!(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots \
              WHERE database = '{db}' AND NOT active"
        ))
        .execute(conn)
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A logged-in user of a given role.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub refresh_token: String,
    pub user_id: Uuid,
    pub organisation_id: Uuid,
    pub email: String,
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub config: Config,
    /// The server's state, for driving background work (e.g. a webhook worker pass) directly.
    pub state: actix_web::web::Data<exportbridge::AppState>,
    handle: actix_web::dev::ServerHandle,
    databases: Vec<String>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with mail going to a test SMTP server, which it returns.
    pub async fn spawn_with_mail(tweak: impl FnOnce(&mut Config)) -> (TestApp, mail::SmtpServer) {
        let smtp = mail::SmtpServer::start().await;
        let url = smtp.url();
        let app = Self::spawn_with(|c| {
            c.smtp_url = Some(Secret::new(url));
            c.mail_poll_ms = 50;
            c.mail_retry_base_secs = 1;
            tweak(c);
        })
        .await;
        (app, smtp)
    }

    /// Spawns with a configuration tweak (e.g. a smaller body limit).
    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let (platform_server, in_country_server) = base_urls();
        let (platform, in_country) = tokio::join!(
            fresh_database(&platform_server),
            fresh_database(&in_country_server)
        );
        let mut config = Config::local_defaults();
        config.bind = "127.0.0.1:0".parse().unwrap();
        config.database_url = DatabaseUrl(platform.clone());
        config.in_country = vec![InCountryStore {
            jurisdiction: "IN".into(),
            url: DatabaseUrl(in_country.clone()),
        }];
        // Subscriptions reach this test's own platform database.
        config.replication_source_url = None;
        config.jwt_secret = Some(Secret::new(JWT_SECRET));
        config.db_pool_size = 8;
        config.workers = 2;
        config.data_dir =
            std::env::temp_dir().join(format!("eb_files_{}", Uuid::new_v4().simple()));
        config.log = std::env::var("TEST_LOG").unwrap_or_else(|_| "off".into());
        config.webhook_poll_ms = 50;
        config.webhook_retry_base_secs = 1;
        tweak(&mut config);
        exportbridge::observability::init_tracing(&config.log, "text");
        let app = exportbridge::Application::build(config.clone())
            .await
            .unwrap();
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        let state = app.state();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            config,
            state,
            handle,
            databases: vec![platform, in_country],
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A connection to this test's platform database.
    pub async fn db(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.config.database_url.0)
            .await
            .unwrap()
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.unwrap()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post_json(
        &self,
        path: &str,
        body: &Value,
        token: Option<&str>,
    ) -> reqwest::Response {
        self.request(Method::POST, path, token, Some(body)).await
    }

    /// `POST` a JSON body with an `Idempotency-Key`.
    pub async fn post_json_with_key(
        &self,
        path: &str,
        body: &Value,
        token: &str,
        key: &str,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn register(&self, kind: &str, email: &str, country: &str) -> reqwest::Response {
        self.post_json(
            "/v1/auth/register",
            &json!({
                "email": email,
                "password": PASSWORD,
                "full_name": "Test Person",
                "organisation": {"kind": kind, "name": format!("{kind} org of {email}"), "country_code": country}
            }),
            None,
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.login_from(&self.client, email, password).await
    }

    /// Logs in through another client, e.g. one from `client_from`.
    pub async fn login_from(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(self.url("/v1/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap()
    }

    /// `POST /v1/auth/refresh`.
    pub async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        self.post_json(
            "/v1/auth/refresh",
            &json!({"refresh_token": refresh_token}),
            None,
        )
        .await
    }

    /// Logs in as an existing user with `PASSWORD`: a new session.
    pub async fn session(&self, email: &str) -> Session {
        let res = self.login(email, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::OK, "login as {email}");
        let tokens: Value = res.json().await.unwrap();
        let token = tokens["access_token"].as_str().unwrap().to_owned();
        let me: Value = self.get("/v1/me", Some(&token)).await.json().await.unwrap();
        Session {
            token,
            refresh_token: tokens["refresh_token"].as_str().unwrap().to_owned(),
            user_id: me["user"]["id"].as_str().unwrap().parse().unwrap(),
            organisation_id: me["organisation"]["id"].as_str().unwrap().parse().unwrap(),
            email: email.to_owned(),
        }
    }

    /// Marks a user's address verified in the database (tests of other features do not read
    /// the verification mail; tests/accounts.rs does).
    pub async fn mark_verified(&self, email: &str) {
        let mut conn = self.db().await;
        let n =
            diesel::sql_query("UPDATE users SET email_verified_at = now() WHERE email = lower($1)")
                .bind::<diesel::sql_types::Text, _>(email)
                .execute(&mut conn)
                .await
                .unwrap();
        assert_eq!(n, 1, "no user {email}");
    }

    /// Registers (or creates, for staff) a fresh user of the role, verified, and logs in.
    pub async fn login_as(&self, role: Role) -> Session {
        let email = format!("{}-{}@example.com", role.as_str(), Uuid::new_v4().simple());
        match role {
            Role::Seller | Role::Buyer => {
                let (kind, country) = if role == Role::Seller {
                    ("seller", "IN")
                } else {
                    ("buyer", "CN")
                };
                assert_eq!(
                    self.register(kind, &email, country).await.status(),
                    StatusCode::ACCEPTED
                );
                self.mark_verified(&email).await;
            }
            Role::Admin => {
                let mut conn = self.db().await;
                exportbridge::auth::service::bootstrap_admin(
                    &mut conn,
                    &email,
                    PASSWORD,
                    "Test Admin",
                )
                .await
                .unwrap();
            }
            Role::Auditor | Role::VettingOfficer => {
                let admin = Box::pin(self.login_as(Role::Admin)).await;
                let organisation_id = if role == Role::VettingOfficer {
                    Some(self.create_vetting_body_org().await)
                } else {
                    None
                };
                let res = self
                    .post_json(
                        "/v1/admin/users",
                        &json!({"email": email, "password": PASSWORD, "full_name": "Staff", "role": role, "organisation_id": organisation_id}),
                        Some(&admin.token),
                    )
                    .await;
                assert_eq!(res.status(), StatusCode::CREATED);
            }
        }
        self.session(&email).await
    }

    /// A vetting body created through the API (jurisdiction IN, default checklist and reason
    /// codes); returns its id (also its organisation's id).
    pub async fn create_vetting_body_org(&self) -> Uuid {
        let admin = Box::pin(self.login_as(Role::Admin)).await;
        let body = self
            .create_vetting_body(
                &admin,
                &json!({"name": "Test SME Export Forum", "jurisdiction": "IN"}),
            )
            .await;
        body["id"].as_str().unwrap().parse().unwrap()
    }

    /// `POST /v1/admin/vetting-bodies` as the admin; asserts 201.
    pub async fn create_vetting_body(&self, admin: &Session, body: &Value) -> Value {
        let res = self
            .post_json("/v1/admin/vetting-bodies", body, Some(&admin.token))
            .await;
        let status = res.status();
        let text = res.text().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{text}");
        serde_json::from_str(&text).unwrap()
    }

    /// A fresh officer of an existing vetting body, logged in.
    pub async fn officer_of(&self, admin: &Session, body_id: Uuid) -> Session {
        let email = format!("officer-{}@example.com", Uuid::new_v4().simple());
        let res = self
            .post_json(
                "/v1/admin/users",
                &json!({"email": email, "password": PASSWORD, "full_name": "Officer", "role": "vetting_officer", "organisation_id": body_id}),
                Some(&admin.token),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        self.session(&email).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        // Stop accepting; the databases are dropped with FORCE, closing pooled connections.
        drop(handle.stop(false));
        drop_databases(std::mem::take(&mut self.databases));
    }
}

/// A client whose connections come from another loopback address (on Linux every 127.0.0.0/8
/// address reaches a server bound to 127.0.0.1), to test what is keyed on the client address.
pub fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// Asserts a problem+json answer with the status; returns the body.
pub async fn assert_problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(
        ct.as_deref(),
        Some("application/problem+json"),
        "content type"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .starts_with("https://exportbridge.dev/problems/")
    );
    assert!(body["title"].is_string());
    body
}

/// The field names of a validation problem.
pub fn problem_fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A small real HTTP server on 127.0.0.1 standing in for an outside party (FX feed, webhook
/// receiver): answers every request with the configured status and body, and records requests.
pub struct StubServer {
    pub url: String,
    response: std::sync::Arc<std::sync::Mutex<(u16, String)>>,
    delay: std::sync::Arc<std::sync::Mutex<std::time::Duration>>,
    pub requests: std::sync::Arc<std::sync::Mutex<Vec<StubRequest>>>,
    handle: actix_web::dev::ServerHandle,
}

#[derive(Debug, Clone)]
pub struct StubRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl StubServer {
    pub async fn start(status: u16, body: &str) -> StubServer {
        use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
        let response = std::sync::Arc::new(std::sync::Mutex::new((status, body.to_owned())));
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let delay = std::sync::Arc::new(std::sync::Mutex::new(std::time::Duration::ZERO));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (resp, reqs, wait) = (response.clone(), requests.clone(), delay.clone());
        let server = HttpServer::new(move || {
            let (resp, reqs, wait) = (resp.clone(), reqs.clone(), wait.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (resp, reqs, wait) = (resp.clone(), reqs.clone(), wait.clone());
                async move {
                    reqs.lock().unwrap().push(StubRequest {
                        method: req.method().to_string(),
                        path: req.uri().to_string(),
                        headers: req
                            .headers()
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
                            .collect(),
                        body: body.to_vec(),
                    });
                    let wait = *wait.lock().unwrap();
                    tokio::time::sleep(wait).await;
                    let (status, body) = resp.lock().unwrap().clone();
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                        .content_type("application/json")
                        .body(body)
                }
            }))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        StubServer {
            url: format!("http://127.0.0.1:{port}"),
            response,
            delay,
            requests,
            handle,
        }
    }

    pub fn respond(&self, status: u16, body: &str) {
        *self.response.lock().unwrap() = (status, body.to_owned());
    }

    /// Answers each request only after `delay` (a slow receiver); requests are recorded at once.
    pub fn delay(&self, delay: std::time::Duration) {
        *self.delay.lock().unwrap() = delay;
    }

    pub fn hits(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

impl Drop for StubServer {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

impl TestApp {
    /// Posts mid rates as an admin: `[("USD", "INR", "84.00"), …]`, as of now.
    pub async fn post_rates(&self, admin: &Session, rates: &[(&str, &str, &str)]) {
        let rates: Vec<Value> = rates
            .iter()
            .map(|(b, q, r)| json!({"base": b, "quote": q, "rate": r}))
            .collect();
        let res = self
            .post_json("/v1/fx/rates", &json!({"rates": rates}), Some(&admin.token))
            .await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
    }
}

/// Typical mid rates for the default schedule's currencies.
pub const DEMO_RATES: &[(&str, &str, &str)] = &[
    ("USD", "INR", "84.00"),
    ("USD", "CNY", "7.20"),
    ("EUR", "INR", "90.50"),
    ("GBP", "INR", "106.20"),
    ("SGD", "INR", "62.40"),
    ("AED", "INR", "22.87"),
    ("JPY", "INR", "0.56"),
    ("KWD", "INR", "273.40"),
];

/// A header of a recorded request (panics when absent).
pub fn header<'a>(req: &'a StubRequest, name: &str) -> &'a str {
    req.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .unwrap()
}

/// What a webhook receiver does: recompute HMAC-SHA256(secret, "<timestamp>.<body>").
pub fn verify(secret: &str, req: &StubRequest) -> bool {
    use hmac::{Hmac, Mac};
    let ts = header(req, "x-exportbridge-timestamp");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(&req.body);
    let expected = format!("v1={}", hex::encode(mac.finalize().into_bytes()));
    header(req, "x-exportbridge-signature") == expected
}

/// Polls `check` every 50 ms for up to 15 s.
pub async fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..300 {
        if check() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}
