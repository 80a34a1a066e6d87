//! Registration, login, tokens, refresh rotation and role checks, through the real server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{JWT_SECRET, PASSWORD, TestApp, assert_problem, client_from, problem_fields};
use exportbridge::auth::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test]
async fn register_login_me() {
    let app = TestApp::spawn().await;
    let res = app
        .register("seller", "Owner@Tiruppur-Knits.example", "in")
        .await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["detail"], "check your email");

    // Login is case-insensitive on the email.
    let res = app.login("OWNER@tiruppur-knits.example", PASSWORD).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    let me: Value = app
        .get("/v1/me", tokens["access_token"].as_str())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["email"], "owner@tiruppur-knits.example");
    assert_eq!(me["user"]["role"], "seller");
    // Not verified yet: it may sign in, the gated actions wait (tests/accounts.rs).
    assert_eq!(me["user"]["email_verified_at"], Value::Null);
    assert_eq!(me["organisation"]["kind"], "seller");
    assert_eq!(me["organisation"]["home_jurisdiction"], "IN");
    assert!(me["user"].get("password_hash").is_none());
}

#[tokio::test]
async fn registration_validates_every_field() {
    let app = TestApp::spawn().await;
    let res = app
        .post_json(
            "/v1/auth/register",
            &json!({"email": "not-an-email", "password": "short", "full_name": " ",
                    "organisation": {"kind": "seller", "name": "", "country_code": "CN"}}),
            None,
        )
        .await;
    let body = assert_problem(res, 422).await;
    let mut fields = problem_fields(&body);
    fields.sort();
    assert_eq!(
        fields,
        [
            "email",
            "full_name",
            "organisation.country_code",
            "organisation.name",
            "password"
        ]
    );
    // The password is never echoed back.
    assert!(!body.to_string().contains("short\""));

    // Unknown organisation kind and unknown fields are shape errors naming the field.
    let res = app
        .post_json(
            "/v1/auth/register",
            &json!({"email": "a@b.co", "password": PASSWORD, "full_name": "A",
                    "organisation": {"kind": "admin", "name": "X", "country_code": "IN"}}),
            None,
        )
        .await;
    assert_eq!(
        problem_fields(&assert_problem(res, 422).await),
        ["organisation.kind"]
    );
    // Nothing was written.
    assert_eq!(app.login("a@b.co", PASSWORD).await.status(), 401);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.register("buyer", "known@example.com", "SG").await;
    let a = assert_problem(
        app.login("known@example.com", "wrong password!!").await,
        401,
    )
    .await;
    let b = assert_problem(
        app.login("unknown@example.com", "wrong password!!").await,
        401,
    )
    .await;
    assert_eq!(a["detail"], b["detail"]);
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled() {
    let app = TestApp::spawn().await;
    app.register("buyer", "victim@example.com", "SG").await;
    for _ in 0..5 {
        assert_eq!(
            app.login("victim@example.com", "guess guess guess")
                .await
                .status(),
            401
        );
    }
    // Locked now, even with the right password.
    let res = app.login("victim@example.com", PASSWORD).await;
    assert!(res.headers().get("retry-after").is_some());
    assert_problem(res, 429).await;
    // Other accounts are unaffected.
    app.register("buyer", "other@example.com", "SG").await;
    assert_eq!(app.login("other@example.com", PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    // No grace window: any second use of a rotated token is reuse.
    let app = TestApp::spawn_with(|c| c.refresh_reuse_grace_secs = 0).await;
    let session = app.login_as(Role::Buyer).await;
    let res = app.refresh(&session.refresh_token).await;
    assert_eq!(res.status(), 200);
    let second: Value = res.json().await.unwrap();
    let second_refresh = second["refresh_token"].as_str().unwrap().to_owned();
    let second_access = second["access_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, session.refresh_token);
    assert_eq!(app.get("/v1/me", Some(&second_access)).await.status(), 200);

    // Reusing the rotated token is refused and revokes the family…
    assert_problem(app.refresh(&session.refresh_token).await, 401).await;
    // …so the newest token of that family is dead too, and so are its access tokens.
    assert_problem(app.refresh(&second_refresh).await, 401).await;
    assert_problem(app.get("/v1/me", Some(&second_access)).await, 401).await;
    assert_problem(app.get("/v1/me", Some(&session.token)).await, 401).await;

    // A separate login is a separate family and still works.
    let other = app.session(&session.email).await;
    assert_eq!(app.refresh(&other.refresh_token).await.status(), 200);
    assert_problem(app.refresh("garbage").await, 401).await;
}

#[tokio::test]
async fn parallel_wrong_logins_check_at_most_the_limit() {
    let app = TestApp::spawn().await;
    app.register("buyer", "burst@example.com", "SG").await;
    let answers = futures_util::future::join_all(
        (0..40).map(|_| app.login("burst@example.com", "guess guess guess")),
    )
    .await;
    let count = |code: u16| answers.iter().filter(|r| r.status() == code).count();
    let limit = app.config.login_max_failures as usize;
    assert_eq!(
        (count(401), count(429)),
        (limit, 40 - limit),
        "only {limit} passwords may be checked per window"
    );
}

#[tokio::test]
async fn an_attacker_elsewhere_cannot_lock_the_owner_out() {
    let app = TestApp::spawn().await;
    app.register("buyer", "owner@example.com", "SG").await;
    let attacker = client_from("127.0.0.2");
    for _ in 0..app.config.login_max_failures {
        let res = app
            .login_from(&attacker, "owner@example.com", "guess guess guess")
            .await;
        assert_eq!(res.status(), 401);
    }
    let res = app
        .login_from(&attacker, "owner@example.com", PASSWORD)
        .await;
    assert_problem(res, 429).await;
    // The owner, from their own address, is not locked out.
    assert_eq!(app.login("owner@example.com", PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn the_account_ceiling_bites_across_addresses() {
    let app = TestApp::spawn_with(|c| {
        c.login_max_failures = 3;
        c.login_account_max_failures = 5;
    })
    .await;
    app.register("buyer", "target@example.com", "SG").await;
    let guess = async |ip: &str, n: usize| {
        let client = client_from(ip);
        for _ in 0..n {
            let res = app
                .login_from(&client, "target@example.com", "guess guess guess")
                .await;
            assert_eq!(res.status(), 401, "{ip}");
        }
    };
    guess("127.0.0.2", 3).await;
    guess("127.0.0.3", 2).await;
    // Five failures from all addresses together: every address is refused now.
    let res = app
        .login_from(&client_from("127.0.0.4"), "target@example.com", PASSWORD)
        .await;
    assert!(res.headers().get("retry-after").is_some());
    assert_problem(res, 429).await;
    assert_problem(app.login("target@example.com", PASSWORD).await, 429).await;
}

#[tokio::test]
async fn parallel_refreshes_of_one_token_keep_the_session() {
    let app = TestApp::spawn().await;
    let session = app.login_as(Role::Buyer).await;
    let answers =
        futures_util::future::join_all((0..10).map(|_| app.refresh(&session.refresh_token))).await;
    let mut pairs = Vec::new();
    for res in answers {
        assert_eq!(res.status(), 200, "every retry of the refresh gets tokens");
        pairs.push(res.json::<Value>().await.unwrap());
    }
    // Every access token works, and the session goes on with any of the new refresh tokens.
    for pair in &pairs {
        assert_eq!(
            app.get("/v1/me", pair["access_token"].as_str())
                .await
                .status(),
            200
        );
    }
    let next = app
        .refresh(pairs[0]["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(next.status(), 200);
    let next: Value = next.json().await.unwrap();
    assert_eq!(
        app.get("/v1/me", next["access_token"].as_str())
            .await
            .status(),
        200
    );
    assert_eq!(app.get("/v1/me", Some(&session.token)).await.status(), 200);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = TestApp::spawn().await;
    let session = app.login_as(Role::Seller).await;
    let other = app.session(&session.email).await;
    assert_eq!(app.get("/v1/me", Some(&session.token)).await.status(), 200);
    let res = app
        .post_json(
            "/v1/auth/logout",
            &json!({"refresh_token": session.refresh_token}),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_problem(app.refresh(&session.refresh_token).await, 401).await;
    // The session's access token stops working at once; another session of the user does not.
    assert_problem(app.get("/v1/me", Some(&session.token)).await, 401).await;
    assert_eq!(app.get("/v1/me", Some(&other.token)).await.status(), 200);
}

fn forge(claims: Value, secret: &str, alg: Algorithm) -> String {
    encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn claims(overrides: Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut c = json!({
        "sub": Uuid::now_v7(), "org": Uuid::now_v7(), "role": "admin",
        "iss": "exportbridge", "aud": "exportbridge-api",
        "iat": now, "exp": now + 600, "jti": Uuid::now_v7(),
    });
    for (k, v) in overrides.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    c
}

#[tokio::test]
async fn bad_tokens_are_401() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    let unsigned = {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
            b64.encode(claims(json!({})).to_string())
        )
    };
    let cases = [
        (
            "expired",
            forge(
                claims(json!({"iat": now - 3600, "exp": now - 1800})),
                JWT_SECRET,
                Algorithm::HS256,
            ),
        ),
        (
            "forged signature",
            forge(
                claims(json!({})),
                "another-secret-another-secret-0000",
                Algorithm::HS256,
            ),
        ),
        ("alg none", unsigned),
        (
            "HS512",
            forge(claims(json!({})), JWT_SECRET, Algorithm::HS512),
        ),
        (
            "wrong audience",
            forge(
                claims(json!({"aud": "someone-else"})),
                JWT_SECRET,
                Algorithm::HS256,
            ),
        ),
        (
            "wrong issuer",
            forge(claims(json!({"iss": "evil"})), JWT_SECRET, Algorithm::HS256),
        ),
        (
            "no exp",
            forge(claims(json!({"exp": null})), JWT_SECRET, Algorithm::HS256),
        ),
        (
            "no iat",
            forge(claims(json!({"iat": null})), JWT_SECRET, Algorithm::HS256),
        ),
        (
            "no sub",
            forge(claims(json!({"sub": null})), JWT_SECRET, Algorithm::HS256),
        ),
        ("garbage", "abc.def.ghi".to_owned()),
        (
            "no such session",
            forge(
                claims(json!({"sid": Uuid::now_v7()})),
                JWT_SECRET,
                Algorithm::HS256,
            ),
        ),
    ];
    for (name, token) in cases {
        let res = app.get("/v1/me", Some(&token)).await;
        assert_eq!(res.status(), 401, "{name}");
        assert_eq!(res.headers()["www-authenticate"], "Bearer", "{name}");
        assert_problem(res, 401).await;
    }
    // No header, and a non-bearer scheme.
    assert_problem(app.get("/v1/me", None).await, 401).await;
    let res = app
        .client
        .get(app.url("/v1/me"))
        .header("Authorization", "Basic YTpi")
        .send()
        .await
        .unwrap();
    assert_problem(res, 401).await;
    // A well-formed token for the same user still works, proving the cases above failed for
    // the reason they name.
    let session = app.login_as(Role::Buyer).await;
    assert_eq!(app.get("/v1/me", Some(&session.token)).await.status(), 200);
}

#[tokio::test]
async fn staff_accounts_are_created_by_admins_only() {
    let app = TestApp::spawn().await;
    let buyer = app.login_as(Role::Buyer).await;
    let body = json!({"email": "officer@forum.example", "password": PASSWORD, "full_name": "O", "role": "auditor"});
    assert_problem(
        app.post_json("/v1/admin/users", &body, Some(&buyer.token))
            .await,
        403,
    )
    .await;
    assert_problem(app.post_json("/v1/admin/users", &body, None).await, 401).await;

    let admin = app.login_as(Role::Admin).await;
    let res = app
        .post_json("/v1/admin/users", &body, Some(&admin.token))
        .await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["role"], "auditor");
    let fetched: Value = app
        .get(&location, Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["id"], created["id"]);
    // A buyer reading another user is refused.
    assert_problem(app.get(&location, Some(&buyer.token)).await, 403).await;

    // A vetting officer needs a vetting body; sellers are self-service.
    let res = app
        .post_json("/v1/admin/users", &json!({"email": "o2@forum.example", "password": PASSWORD, "full_name": "O", "role": "vetting_officer"}), Some(&admin.token))
        .await;
    assert_eq!(
        problem_fields(&assert_problem(res, 422).await),
        ["organisation_id"]
    );
    let res = app
        .post_json("/v1/admin/users", &json!({"email": "o3@forum.example", "password": PASSWORD, "full_name": "O", "role": "seller"}), Some(&admin.token))
        .await;
    assert_eq!(problem_fields(&assert_problem(res, 422).await), ["role"]);
    let officer = app.login_as(Role::VettingOfficer).await;
    let me: Value = app
        .get("/v1/me", Some(&officer.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["organisation"]["kind"], "vetting_body");
}
