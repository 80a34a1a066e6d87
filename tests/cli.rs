//! The command line against real databases: migrate (idempotent), admin create-user, seed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::sellers::json_of;
use common::{TestApp, assert_problem};
use serde_json::Value;

fn cli(app: &TestApp) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_exportbridge"));
    cmd.env_clear()
        .env("EXPORTBRIDGE_DATABASE_URL", &app.config.database_url.0)
        .env(
            "EXPORTBRIDGE_IN_COUNTRY_DATABASE_URLS",
            format!("IN={}", app.config.in_country[0].url.0),
        )
        .env("EXPORTBRIDGE_LOG", "warn");
    cmd
}

#[tokio::test]
async fn migrate_is_idempotent_and_admin_create_user_works() {
    let app = TestApp::spawn().await;
    for _ in 0..2 {
        let out = cli(&app).arg("migrate").output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = cli(&app)
        .env("EXPORTBRIDGE_ADMIN_PASSWORD", "a long admin password")
        .args(["admin", "create-user", "--email", "Root@Example.com"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("a long admin password"));
    let res = app.login("root@example.com", "a long admin password").await;
    assert_eq!(res.status(), 200);
    let token: Value = res.json().await.unwrap();
    let me: Value = app
        .get("/v1/me", token["access_token"].as_str())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["role"], "admin");
    assert_eq!(me["organisation"]["kind"], "platform");

    // A weak password is refused with the reason; nothing is created.
    let out = cli(&app)
        .env("EXPORTBRIDGE_ADMIN_PASSWORD", "short")
        .args(["admin", "create-user", "--email", "weak@example.com"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
    assert_problem(app.login("weak@example.com", "short").await, 401).await;
}

#[tokio::test]
async fn seed_is_idempotent_and_refused_in_production() {
    let app = TestApp::spawn().await;
    for _ in 0..2 {
        let out = cli(&app).arg("seed").output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let res = app
        .login(
            "admin@exportbridge.local",
            exportbridge::seed::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(res.status(), 200);
    // The demo RFQ was matched once (the second seed left it alone): the demo T-shirt seller
    // ranks first and holds the lead.
    let token = |email: &'static str| {
        let app = &app;
        async move {
            let res = app.login(email, exportbridge::seed::DEMO_PASSWORD).await;
            json_of(res, 200).await["access_token"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let buyer = token("buyer@shenzhen-trading.example").await;
    let rfqs = json_of(app.get("/v1/rfqs", Some(&buyer)).await, 200).await;
    let items = rfqs["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let id = items[0]["id"].as_str().unwrap();
    let matches = json_of(
        app.get(&format!("/v1/rfqs/{id}/matches"), Some(&buyer))
            .await,
        200,
    )
    .await;
    assert_eq!(
        matches["matches"][0]["seller"]["trading_name"], "Tiruppur Cotton Exports",
        "{matches:#}"
    );
    let seller = token("seller@tiruppur-cotton.example").await;
    let leads = json_of(app.get("/v1/sellers/me/leads", Some(&seller)).await, 200).await;
    assert_eq!(leads["items"][0]["rfq"]["id"], id);
    let out = cli(&app)
        .env("EXPORTBRIDGE_MODE", "production")
        .env("EXPORTBRIDGE_JWT_SECRET", "x".repeat(40))
        .env("EXPORTBRIDGE_SMTP_URL", "smtp://127.0.0.1:9")
        .arg("seed")
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn production_mode_requires_a_jwt_secret() {
    let out = Command::new(env!("CARGO_BIN_EXE_exportbridge"))
        .env_clear()
        .env("EXPORTBRIDGE_MODE", "production")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("EXPORTBRIDGE_JWT_SECRET"));
}
