//! Vetting helpers shared by test files: a vetting body with an officer, submitting, claiming,
//! ticking the checklist and deciding.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use exportbridge::auth::Role;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use uuid::Uuid;

use super::sellers::{complete_profile, complete_seller_with, json_of, submit};
use super::{Session, TestApp};

pub struct Forum {
    pub admin: Session,
    pub body_id: Uuid,
    pub officer: Session,
}

/// An admin, the SME forum (priority: textiles, then handicrafts) and one of its officers.
pub async fn forum(app: &TestApp) -> Forum {
    let admin = app.login_as(Role::Admin).await;
    let body = app
        .create_vetting_body(
            &admin,
            &json!({"name": "SME Export Promotion Forum", "jurisdiction": "IN", "priority_sectors": ["textiles", "handicrafts"]}),
        )
        .await;
    let body_id: Uuid = body["id"].as_str().unwrap().parse().unwrap();
    let officer = app.officer_of(&admin, body_id).await;
    Forum {
        admin,
        body_id,
        officer,
    }
}

pub async fn submitted(app: &TestApp, profile: &Value) -> (Session, Uuid) {
    let (s, id) = complete_seller_with(app, profile).await;
    json_of(submit(app, &s).await, 200).await;
    (s, id)
}

pub fn app_path(id: Uuid, rest: &str) -> String {
    format!("/v1/vetting/applications/{id}{rest}")
}

pub async fn claim(app: &TestApp, officer: &Session, id: Uuid) -> Response {
    app.post_json(&app_path(id, "/claim"), &json!({}), Some(&officer.token))
        .await
}

pub async fn tick(
    app: &TestApp,
    officer: &Session,
    id: Uuid,
    code: &str,
    ticked: bool,
) -> Response {
    app.request(
        Method::PUT,
        &app_path(id, &format!("/checklist/{code}")),
        Some(&officer.token),
        Some(&json!({"ticked": ticked, "note": format!("checked {code}")})),
    )
    .await
}

pub async fn decide(app: &TestApp, who: &Session, id: Uuid, body: Value) -> Response {
    app.client
        .post(app.url(&app_path(id, "/decision")))
        .bearer_auth(&who.token)
        .header("X-Request-Id", "req-decision-1")
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Ticks every applicable mandatory item.
pub async fn tick_mandatory(app: &TestApp, officer: &Session, id: Uuid) {
    let list = json_of(
        app.get(&app_path(id, "/checklist"), Some(&officer.token))
            .await,
        200,
    )
    .await;
    for code in list["missing_mandatory"].as_array().unwrap() {
        json_of(
            tick(app, officer, id, code.as_str().unwrap(), true).await,
            200,
        )
        .await;
    }
}

pub async fn approve(app: &TestApp, officer: &Session, id: Uuid) -> Value {
    json_of(claim(app, officer, id).await, 200).await;
    tick_mandatory(app, officer, id).await;
    json_of(
        decide(app, officer, id, json!({"decision": "approve"})).await,
        200,
    )
    .await
}

/// A seller approved by a fresh vetting body: its session, its id, and the body.
pub async fn approved_seller_with(app: &TestApp, profile: &Value) -> (Session, Uuid, Forum) {
    let f = forum(app).await;
    let (seller, id) = submitted(app, profile).await;
    approve(app, &f.officer, id).await;
    (seller, id, f)
}

/// [`approved_seller_with`] the complete demo profile.
pub async fn approved_seller(app: &TestApp) -> (Session, Uuid, Forum) {
    approved_seller_with(app, &complete_profile()).await
}
