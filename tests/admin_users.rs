//! User management by admins (list, disable, enable, change role), and that a disabled user, a
//! changed role or a revoked session take effect on the very next request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{PASSWORD, Session, TestApp, assert_problem, problem_fields};
use exportbridge::auth::{PLATFORM_ORGANISATION_ID, Role};
use reqwest::Method;
use serde_json::{Value, json};

async fn admin_action(app: &TestApp, admin: &Session, user: &Session, action: &str) -> Value {
    let res = app
        .post_json(
            &format!("/v1/admin/users/{}/{action}", user.user_id),
            &json!({}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(res.status(), 200, "{action}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_disabled_user_is_out_at_once_and_can_come_back() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let buyer = app.login_as(Role::Buyer).await;
    assert_eq!(app.get("/v1/me", Some(&buyer.token)).await.status(), 200);

    let view = admin_action(&app, &admin, &buyer, "disable").await;
    assert!(view["disabled_at"].is_string());
    // The access token issued before is refused on the next request, and so is the refresh.
    assert_problem(app.get("/v1/me", Some(&buyer.token)).await, 401).await;
    assert_problem(app.refresh(&buyer.refresh_token).await, 401).await;
    assert_problem(app.login(&buyer.email, PASSWORD).await, 401).await;

    let view = admin_action(&app, &admin, &buyer, "enable").await;
    assert!(view["disabled_at"].is_null());
    // The old session stays ended; a new login works.
    assert_problem(app.get("/v1/me", Some(&buyer.token)).await, 401).await;
    let res = app.login(&buyer.email, PASSWORD).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    assert_eq!(
        app.get("/v1/me", tokens["access_token"].as_str())
            .await
            .status(),
        200
    );

    // An admin cannot disable themselves.
    let res = app
        .post_json(
            &format!("/v1/admin/users/{}/disable", admin.user_id),
            &json!({}),
            Some(&admin.token),
        )
        .await;
    assert_problem(res, 409).await;
}

#[tokio::test]
async fn a_role_change_applies_to_the_next_request() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let buyer = app.login_as(Role::Buyer).await;
    let other = format!("/v1/admin/users/{}", admin.user_id);
    assert_problem(app.get(&other, Some(&buyer.token)).await, 403).await;

    let res = app
        .request(
            Method::PUT,
            &format!("/v1/admin/users/{}/role", buyer.user_id),
            Some(&admin.token),
            Some(&json!({"role": "auditor"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let view: Value = res.json().await.unwrap();
    assert_eq!(view["role"], "auditor");
    assert_eq!(
        view["organisation_id"],
        PLATFORM_ORGANISATION_ID.to_string()
    );

    // Same access token, new role.
    assert_eq!(app.get(&other, Some(&buyer.token)).await.status(), 200);
    let me: Value = app
        .get("/v1/me", Some(&buyer.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["role"], "auditor");

    // A role needs an organisation of its kind.
    let res = app
        .request(
            Method::PUT,
            &format!("/v1/admin/users/{}/role", buyer.user_id),
            Some(&admin.token),
            Some(&json!({"role": "vetting_officer"})),
        )
        .await;
    assert_eq!(
        problem_fields(&assert_problem(res, 422).await),
        ["organisation_id"]
    );
    // Admins cannot change their own role.
    let res = app
        .request(
            Method::PUT,
            &format!("/v1/admin/users/{}/role", admin.user_id),
            Some(&admin.token),
            Some(&json!({"role": "auditor"})),
        )
        .await;
    assert_problem(res, 409).await;
}

#[tokio::test]
async fn user_management_is_for_admins_only() {
    let app = TestApp::spawn().await;
    let buyer = app.login_as(Role::Buyer).await;
    let auditor = app.login_as(Role::Auditor).await;
    let disable = format!("/v1/admin/users/{}/disable", buyer.user_id);
    let role = format!("/v1/admin/users/{}/role", buyer.user_id);
    for who in [&buyer, &auditor] {
        assert_problem(app.get("/v1/admin/users", Some(&who.token)).await, 403).await;
        assert_problem(
            app.post_json(&disable, &json!({}), Some(&who.token)).await,
            403,
        )
        .await;
        let res = app
            .request(
                Method::PUT,
                &role,
                Some(&who.token),
                Some(&json!({"role": "admin"})),
            )
            .await;
        assert_problem(res, 403).await;
    }
    assert_problem(app.get("/v1/admin/users", None).await, 401).await;
    assert_problem(app.post_json(&disable, &json!({}), None).await, 401).await;
    assert_problem(
        app.get("/v1/admin/users", Some("forged.token.here")).await,
        401,
    )
    .await;
    // Nothing changed.
    assert_eq!(app.get("/v1/me", Some(&buyer.token)).await.status(), 200);
}

#[tokio::test]
async fn users_are_listed_by_page_and_filter() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let b1 = app.login_as(Role::Buyer).await;
    let b2 = app.login_as(Role::Buyer).await;
    let seller = app.login_as(Role::Seller).await;
    admin_action(&app, &admin, &b1, "disable").await;
    let list = |query: &str| {
        let app = &app;
        let token = admin.token.clone();
        let path = format!("/v1/admin/users{query}");
        async move {
            let res = app.get(&path, Some(&token)).await;
            assert_eq!(res.status(), 200, "{path}");
            res.json::<Value>().await.unwrap()
        }
    };
    let ids = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect()
    };

    // Buyers newest first, one per page.
    let first = list("?role=buyer&limit=1").await;
    assert_eq!(ids(&first), [b2.user_id.to_string()]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = list(&format!("?role=buyer&limit=1&cursor={cursor}")).await;
    assert_eq!(ids(&second), [b1.user_id.to_string()]);
    assert!(second["next_cursor"].is_null());

    assert_eq!(
        ids(&list("?status=disabled").await),
        [b1.user_id.to_string()]
    );
    assert_eq!(
        ids(&list("?role=buyer&status=active").await),
        [b2.user_id.to_string()]
    );
    assert_eq!(
        ids(&list(&format!("?organisation_id={}", seller.organisation_id)).await),
        [seller.user_id.to_string()]
    );
    let prefix = &b2.email[..b2.email.find('@').unwrap()].to_uppercase();
    assert_eq!(
        ids(&list(&format!("?email_prefix={prefix}")).await),
        [b2.user_id.to_string()]
    );
    // `_` and `%` are literal in the prefix.
    assert_eq!(ids(&list("?email_prefix=%25").await).len(), 0);

    for (query, field) in [
        ("?limit=0", "limit"),
        ("?cursor=nope", "cursor"),
        ("?role=root", "query"),
    ] {
        let res = app
            .get(&format!("/v1/admin/users{query}"), Some(&admin.token))
            .await;
        assert_eq!(
            problem_fields(&assert_problem(res, 422).await),
            [field],
            "{query}"
        );
    }
}
