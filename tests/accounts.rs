//! Accounts people run themselves, with mail read from a test SMTP server: verification that
//! gates three actions, registration without enumeration, password reset and change, sessions,
//! and their rate limits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::rfq::{buyer_profile_body, rfq_body};
use common::sellers::{complete_seller, json_of, submit};
use common::{PASSWORD, Session, StubServer, TestApp, assert_problem, client_from, problem_fields};
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};

const VERIFY: &str = "/account/verify-email";
const RESET: &str = "/account/reset-password";

async fn register(app: &TestApp, kind: &str, email: &str) -> Value {
    let res = app
        .register(kind, email, if kind == "seller" { "IN" } else { "CN" })
        .await;
    json_of(res, 202).await
}

async fn execute(app: &TestApp, sql: &str) -> usize {
    let mut conn = app.db().await;
    diesel::sql_query(sql).execute(&mut conn).await.unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.db().await;
    let row: N = diesel::sql_query(sql).get_result(&mut conn).await.unwrap();
    row.n
}

async fn post_rfq(app: &TestApp, s: &Session) -> reqwest::Response {
    app.post_json("/v1/rfqs", &rfq_body(), Some(&s.token)).await
}

async fn post_webhook(app: &TestApp, s: &Session, receiver: &StubServer) -> reqwest::Response {
    app.post_json(
        "/v1/webhooks",
        &json!({"url": format!("{}/hooks", receiver.url)}),
        Some(&s.token),
    )
    .await
}

fn forbidden_until_verified(body: &Value) {
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("verify your email address"),
        "{body}"
    );
}

#[tokio::test]
async fn verification_gates_rfqs_webhooks_and_seller_applications() {
    let (app, smtp) = TestApp::spawn_with_mail(|_| {}).await;
    let receiver = StubServer::start(200, "").await;

    // A buyer registers, signs in unverified, and may do everything but the gated actions.
    register(&app, "buyer", "Buyer@Shenzhen-Imports.example").await;
    let mail = &smtp.wait_for("buyer@shenzhen-imports.example", 1).await[0];
    assert!(
        mail.subject().contains("Confirm your email address"),
        "{}",
        mail.subject()
    );
    assert!(mail.data.contains("exportbridge"));
    let token = mail.token(VERIFY).unwrap();
    assert_eq!(token.len(), 43);
    let buyer = app.session("buyer@shenzhen-imports.example").await;
    let me = json_of(app.get("/v1/me", Some(&buyer.token)).await, 200).await;
    assert_eq!(me["user"]["email_verified_at"], Value::Null);
    let profile = app
        .request(
            Method::PUT,
            "/v1/buyers/me/profile",
            Some(&buyer.token),
            Some(&buyer_profile_body()),
        )
        .await;
    json_of(profile, 201).await;
    forbidden_until_verified(&assert_problem(post_rfq(&app, &buyer).await, 403).await);
    forbidden_until_verified(
        &assert_problem(post_webhook(&app, &buyer, &receiver).await, 403).await,
    );
    assert_eq!(count(&app, "SELECT count(*) AS n FROM rfqs").await, 0);

    // The link opens a page that changes nothing by itself; its button confirms.
    let page = app.get(&format!("{VERIFY}?token={token}"), None).await;
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("<form method=\"post\"") && html.contains(&token));
    assert_eq!(count(&app, "SELECT count(*) AS n FROM users WHERE email_verified_at IS NOT NULL AND email LIKE 'buyer@%'").await, 0);
    let done = app
        .client
        .post(app.url(VERIFY))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    assert!(
        done.text()
            .await
            .unwrap()
            .contains("Your email address is confirmed")
    );
    // The same session may now post RFQs and register webhooks.
    json_of(post_rfq(&app, &buyer).await, 201).await;
    json_of(post_webhook(&app, &buyer, &receiver).await, 201).await;
    let me = json_of(app.get("/v1/me", Some(&buyer.token)).await, 200).await;
    assert!(me["user"]["email_verified_at"].is_string());
    // A used token does not work again (API and page alike).
    let again = app
        .post_json(
            "/v1/auth/email-verification",
            &json!({"token": token}),
            None,
        )
        .await;
    assert_eq!(problem_fields(&assert_problem(again, 422).await), ["token"]);

    // A seller with a complete application but an unverified address cannot submit it.
    let (seller, _) = complete_seller(&app).await;
    execute(
        &app,
        &format!(
            "UPDATE users SET email_verified_at = NULL WHERE email = '{}'",
            seller.email
        ),
    )
    .await;
    let seller = app.session(&seller.email).await;
    forbidden_until_verified(&assert_problem(submit(&app, &seller).await, 403).await);
    // It asks for a new link (API), and confirms with the JSON API.
    let res = app
        .request(
            Method::POST,
            "/v1/me/email-verification",
            Some(&seller.token),
            None,
        )
        .await;
    json_of(res, 202).await;
    // (Its first link, from registering, was replaced by this one.)
    let mail = &smtp.wait_for(&seller.email, 2).await[1];
    let res = app
        .post_json(
            "/v1/auth/email-verification",
            &json!({"token": mail.token(VERIFY).unwrap()}),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_eq!(submit(&app, &seller).await.status(), 200);
    // Verified already: nothing more to send.
    let res = app
        .request(
            Method::POST,
            "/v1/me/email-verification",
            Some(&seller.token),
            None,
        )
        .await;
    assert_problem(res, 409).await;
    // Without a session, no resend.
    assert_problem(
        app.request(Method::POST, "/v1/me/email-verification", None, None)
            .await,
        401,
    )
    .await;
}

#[tokio::test]
async fn a_taken_email_answers_like_a_new_one_and_mails_the_owner() {
    let (app, smtp) = TestApp::spawn_with_mail(|_| {}).await;
    let first = register(&app, "buyer", "owner@lagos-traders.example").await;
    smtp.wait_for("owner@lagos-traders.example", 1).await;
    // Another registration with the same address (any case): the very same answer.
    let second = register(&app, "seller", "OWNER@Lagos-Traders.example").await;
    assert_eq!(first, second);
    let mails = smtp.wait_for("owner@lagos-traders.example", 2).await;
    assert!(
        mails[1].subject().contains("Someone tried to register"),
        "{}",
        mails[1].subject()
    );
    assert!(mails[1].token(VERIFY).is_none());
    assert!(mails[1].data.contains(RESET));
    // No second account or organisation.
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM users WHERE email = 'owner@lagos-traders.example'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM organisations WHERE kind = 'seller'"
        )
        .await,
        0
    );
    // A common password is refused, with the field named.
    let res = app
        .post_json(
            "/v1/auth/register",
            &json!({"email": "new@example.com", "password": "Password2024!", "full_name": "N",
                    "organisation": {"kind": "buyer", "name": "N", "country_code": "KE"}}),
            None,
        )
        .await;
    assert_eq!(
        problem_fields(&assert_problem(res, 422).await),
        ["password"]
    );
}

#[tokio::test]
async fn reset_tokens_are_single_use_expire_and_end_every_session() {
    let (app, smtp) = TestApp::spawn_with_mail(|_| {}).await;
    let s = app.login_as(exportbridge::auth::Role::Buyer).await;
    let other = app.session(&s.email).await;
    // (Registering mailed a verification link first.)
    smtp.wait_for(&s.email, 1).await;

    // Unknown address: the same answer, no mail.
    let res = app
        .post_json(
            "/v1/auth/password-reset",
            &json!({"email": "nobody@example.com"}),
            None,
        )
        .await;
    let unknown = json_of(res, 202).await;
    let res = app
        .post_json("/v1/auth/password-reset", &json!({"email": s.email}), None)
        .await;
    assert_eq!(json_of(res, 202).await, unknown);
    let mail = &smtp.wait_for(&s.email, 2).await[1];
    assert!(mail.subject().contains("Reset your"), "{}", mail.subject());
    assert!(smtp.to("nobody@example.com").is_empty());
    let token = mail.token(RESET).unwrap();
    // Stored hashed (its SHA-256), never as sent. (Bytes compared as bytes: a hash may hold 0x00,
    // which no text conversion accepts.)
    assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM account_tokens WHERE position(convert_to('{token}', 'UTF8') IN token_hash) > 0")).await, 0);
    assert_eq!(count(&app, &format!("SELECT count(*) AS n FROM account_tokens WHERE token_hash = sha256(convert_to('{token}', 'UTF8')) AND purpose = 'reset_password'")).await, 1);

    // A common password is refused and the token still works afterwards.
    let weak = app
        .post_json(
            "/v1/auth/password-reset/complete",
            &json!({"token": token, "new_password": "qwerty123456"}),
            None,
        )
        .await;
    assert_eq!(
        problem_fields(&assert_problem(weak, 422).await),
        ["new_password"]
    );
    let new_password = "a new and long passphrase";
    let res = app
        .post_json(
            "/v1/auth/password-reset/complete",
            &json!({"token": token, "new_password": new_password}),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    // Every session ended: access and refresh tokens alike.
    for session in [&s, &other] {
        assert_problem(app.get("/v1/me", Some(&session.token)).await, 401).await;
        assert_problem(app.refresh(&session.refresh_token).await, 401).await;
    }
    assert_eq!(app.login(&s.email, PASSWORD).await.status(), 401);
    assert_eq!(app.login(&s.email, new_password).await.status(), 200);
    // Single use.
    let res = app
        .post_json(
            "/v1/auth/password-reset/complete",
            &json!({"token": token, "new_password": "yet another passphrase"}),
            None,
        )
        .await;
    assert_eq!(problem_fields(&assert_problem(res, 422).await), ["token"]);
    // The owner is told.
    let mails = smtp.wait_for(&s.email, 3).await;
    assert!(
        mails[2].subject().contains("password was changed"),
        "{}",
        mails[2].subject()
    );

    // An expired token does not work; asking again replaces the older token.
    let res = app
        .post_json("/v1/auth/password-reset", &json!({"email": s.email}), None)
        .await;
    json_of(res, 202).await;
    let older = smtp.wait_for(&s.email, 4).await[3].token(RESET).unwrap();
    let res = app
        .post_json("/v1/auth/password-reset", &json!({"email": s.email}), None)
        .await;
    json_of(res, 202).await;
    let newer = smtp.wait_for(&s.email, 5).await[4].token(RESET).unwrap();
    let res = app
        .post_json(
            "/v1/auth/password-reset/complete",
            &json!({"token": older, "new_password": "yet another passphrase"}),
            None,
        )
        .await;
    assert_eq!(problem_fields(&assert_problem(res, 422).await), ["token"]);
    execute(&app, "UPDATE account_tokens SET created_at = now() - interval '31 minutes', expires_at = now() - interval '1 minute' WHERE used_at IS NULL").await;
    let res = app
        .post_json(
            "/v1/auth/password-reset/complete",
            &json!({"token": newer, "new_password": "yet another passphrase"}),
            None,
        )
        .await;
    assert_eq!(problem_fields(&assert_problem(res, 422).await), ["token"]);
    assert_eq!(app.login(&s.email, new_password).await.status(), 200);

    // The page of a reset link: a form with a password field, which sets it. (A fourth request
    // from this client address would be over its limit: another address asks.)
    let res = client_from("127.0.0.3")
        .post(app.url("/v1/auth/password-reset"))
        .json(&json!({"email": s.email}))
        .send()
        .await
        .unwrap();
    json_of(res, 202).await;
    let token = smtp.wait_for(&s.email, 6).await[5].token(RESET).unwrap();
    let html = app
        .get(&format!("{RESET}?token={token}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("name=\"new_password\""));
    let res = app
        .client
        .post(app.url(RESET))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}&new_password=set.from.the.page.form"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.login(&s.email, "set.from.the.page.form").await.status(),
        200
    );
}

#[tokio::test]
async fn password_change_ends_the_other_sessions() {
    let (app, smtp) = TestApp::spawn_with_mail(|_| {}).await;
    let s = app.login_as(exportbridge::auth::Role::Seller).await;
    let other = app.session(&s.email).await;
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let res = app
        .request(
            Method::PUT,
            "/v1/me/password",
            Some(&s.token),
            Some(&change("not my password", "a brand new passphrase")),
        )
        .await;
    assert_eq!(
        problem_fields(&assert_problem(res, 422).await),
        ["current_password"]
    );
    let res = app
        .request(
            Method::PUT,
            "/v1/me/password",
            Some(&s.token),
            Some(&change(PASSWORD, PASSWORD)),
        )
        .await;
    assert_eq!(
        problem_fields(&assert_problem(res, 422).await),
        ["new_password"]
    );
    assert_problem(
        app.request(
            Method::PUT,
            "/v1/me/password",
            None,
            Some(&change(PASSWORD, "a brand new passphrase")),
        )
        .await,
        401,
    )
    .await;

    let res = app
        .request(
            Method::PUT,
            "/v1/me/password",
            Some(&s.token),
            Some(&change(PASSWORD, "a brand new passphrase")),
        )
        .await;
    assert_eq!(res.status(), 204);
    // This session goes on; the other one ended.
    assert_eq!(app.get("/v1/me", Some(&s.token)).await.status(), 200);
    assert_problem(app.get("/v1/me", Some(&other.token)).await, 401).await;
    assert_problem(app.refresh(&other.refresh_token).await, 401).await;
    assert_eq!(app.login(&s.email, PASSWORD).await.status(), 401);
    assert_eq!(
        app.login(&s.email, "a brand new passphrase").await.status(),
        200
    );
    let mail = &smtp.wait_for(&s.email, 2).await[1];
    assert!(
        mail.subject().contains("password was changed"),
        "{}",
        mail.subject()
    );
}

#[tokio::test]
async fn sessions_are_listed_and_revoked() {
    let app = TestApp::spawn().await;
    let s = app.login_as(exportbridge::auth::Role::Buyer).await;
    let phone = reqwest::Client::builder()
        .user_agent("ExportPhone/2.1")
        .build()
        .unwrap();
    let res = app.login_from(&phone, &s.email, PASSWORD).await;
    let phone_tokens = json_of(res, 200).await;
    let phone_token = phone_tokens["access_token"].as_str().unwrap().to_owned();
    let third = app.session(&s.email).await;

    let list = json_of(app.get("/v1/me/sessions", Some(&s.token)).await, 200).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items.iter().filter(|i| i["current"] == true).count(), 1);
    let phone_session = items
        .iter()
        .find(|i| i["user_agent"] == "ExportPhone/2.1")
        .unwrap();
    assert_eq!(phone_session["client_address"], "127.0.0.1");
    assert!(phone_session["created_at"].is_string() && phone_session["last_used_at"].is_string());
    let phone_id = phone_session["id"].as_str().unwrap().to_owned();

    // Someone else cannot see or end them.
    let stranger = app.login_as(exportbridge::auth::Role::Buyer).await;
    let theirs = json_of(app.get("/v1/me/sessions", Some(&stranger.token)).await, 200).await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
    let res = app
        .request(
            Method::DELETE,
            &format!("/v1/me/sessions/{phone_id}"),
            Some(&stranger.token),
            None,
        )
        .await;
    assert_problem(res, 404).await;
    assert_eq!(app.get("/v1/me", Some(&phone_token)).await.status(), 200);
    assert_problem(app.get("/v1/me/sessions", None).await, 401).await;
    assert_problem(
        app.get("/v1/me/sessions", Some("forged.token.value")).await,
        401,
    )
    .await;

    // End the phone's session.
    let res = app
        .request(
            Method::DELETE,
            &format!("/v1/me/sessions/{phone_id}"),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_problem(app.get("/v1/me", Some(&phone_token)).await, 401).await;
    let res = app
        .request(
            Method::DELETE,
            &format!("/v1/me/sessions/{phone_id}"),
            Some(&s.token),
            None,
        )
        .await;
    assert_problem(res, 404).await;

    // Sign out everywhere else.
    let res = app
        .request(
            Method::POST,
            "/v1/me/sessions/revoke-others",
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(json_of(res, 200).await["revoked"], 1);
    assert_problem(app.get("/v1/me", Some(&third.token)).await, 401).await;
    let list = json_of(app.get("/v1/me/sessions", Some(&s.token)).await, 200).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["current"], true);
}

#[tokio::test]
async fn account_actions_are_rate_limited_per_account_and_address() {
    let (app, smtp) = TestApp::spawn_with_mail(|_| {}).await;
    let s = app.login_as(exportbridge::auth::Role::Buyer).await;
    // Three reset requests for one address from one client, then 429 with Retry-After.
    for _ in 0..3 {
        let res = app
            .post_json("/v1/auth/password-reset", &json!({"email": s.email}), None)
            .await;
        assert_eq!(res.status(), 202);
    }
    let res = app
        .post_json("/v1/auth/password-reset", &json!({"email": s.email}), None)
        .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().get("retry-after").is_some());
    // Another client address may still ask twice more, then the account's limit holds for all.
    let elsewhere = client_from("127.0.0.2");
    for expected in [202, 202, 429] {
        let res = elsewhere
            .post(app.url("/v1/auth/password-reset"))
            .json(&json!({"email": s.email}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expected);
    }
    // Unknown addresses count the same (429 does not tell which exist).
    for expected in [202, 202, 202, 429] {
        let res = app
            .post_json(
                "/v1/auth/password-reset",
                &json!({"email": "ghost@example.com"}),
                None,
            )
            .await;
        assert_eq!(res.status(), expected);
    }
    // Five reset links, after the verification link of registering.
    assert_eq!(smtp.wait_for(&s.email, 6).await.len(), 6);
    // Wrong current passwords are limited too.
    let body =
        json!({"current_password": "not my password", "new_password": "a brand new passphrase"});
    for _ in 0..5 {
        let res = app
            .request(Method::PUT, "/v1/me/password", Some(&s.token), Some(&body))
            .await;
        assert_eq!(res.status(), 422);
    }
    let res = app
        .request(Method::PUT, "/v1/me/password", Some(&s.token), Some(&body))
        .await;
    assert_eq!(res.status(), 429);
    // Registrations with one address (one already, by login_as): the owner is not flooded.
    for expected in [202, 202, 429] {
        let res = app.register("buyer", &s.email, "CN").await;
        assert_eq!(res.status(), expected);
    }
}

#[tokio::test]
async fn mail_that_fails_is_retried_and_never_keeps_its_token_after() {
    // No SMTP server listening: the worker retries, then gives the message up.
    let closed = format!("smtp://127.0.0.1:{}", {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    });
    let app = TestApp::spawn_with(|c| {
        c.smtp_url = Some(exportbridge::config::Secret::new(closed));
        c.mail_poll_ms = 50;
        c.mail_retry_base_secs = 1;
        c.mail_max_attempts = 2;
    })
    .await;
    register(&app, "buyer", "retry@example.com").await;
    let given_up = "SELECT count(*) AS n FROM mail_outbox WHERE status = 'failed' AND attempts = 2 \
                    AND text_body IS NULL AND html_body IS NULL AND last_error IS NOT NULL";
    for _ in 0..200 {
        if count(&app, given_up).await == 1 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the mail was not retried and given up");
}
