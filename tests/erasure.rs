//! Erasure of a seller's personal data: contacts and documents go (rows and files), the audit
//! log records the erasure without the erased values and stays append-only, and no foreign key
//! of the log stands in the way of erasing the acting account. Who may erase.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sellers::*;
use common::{TestApp, assert_problem, problem_fields};
use diesel_async::RunQueryDsl;
use exportbridge::auth::Role;
use serde_json::{Value, json};

const FILENAMES: [&str; 3] = ["gst.pdf", "electricity bill.png", "factory.jpg"];

async fn erase(app: &TestApp, token: &str, id: uuid::Uuid, body: &Value) -> reqwest::Response {
    app.post_json(&format!("/v1/sellers/{id}/erasure"), body, Some(token))
        .await
}

/// Files under the data directory (document files are kept there by relative path).
fn files_under(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let path = e.path();
            if path.is_dir() { files_under(&path) } else { 1 }
        })
        .sum()
}

#[tokio::test]
async fn erasure_removes_contacts_and_documents_and_the_log_keeps_only_counts() {
    let app = TestApp::spawn().await;
    let profile = complete_profile();
    let (seller, id) = complete_seller_with(&app, &profile).await;
    let docs_dir = app.config.data_dir.join("documents");
    assert_eq!(files_under(&docs_dir), 3);
    let documents = json_of(
        app.get(&format!("/v1/sellers/{id}/documents"), Some(&seller.token))
            .await,
        200,
    )
    .await;
    let document_id = documents["items"][0]["id"].as_str().unwrap().to_owned();

    let body = json!({"categories": ["contacts", "documents"], "reason": "data_principal_request"});
    let report = json_of(erase(&app, &seller.token, id, &body).await, 200).await;
    assert_eq!(report["seller_id"], id.to_string());
    assert_eq!(
        report["erased"],
        json!([{"category": "contacts", "items": 1}, {"category": "documents", "items": 3}])
    );

    // Gone: the contacts, the document rows and their files.
    let own = json_of(
        app.get("/v1/sellers/me/profile", Some(&seller.token)).await,
        200,
    )
    .await;
    assert_eq!(own["contacts"], json!([]));
    let documents = json_of(
        app.get(&format!("/v1/sellers/{id}/documents"), Some(&seller.token))
            .await,
        200,
    )
    .await;
    assert_eq!(documents["items"], json!([]));
    assert_problem(
        app.get(
            &format!("/v1/sellers/{id}/documents/{document_id}"),
            Some(&seller.token),
        )
        .await,
        404,
    )
    .await;
    assert_eq!(files_under(&docs_dir), 0);

    // The log says who erased what and why, with counts, never the values.
    let admin = app.login_as(Role::Admin).await;
    let log = json_of(
        app.get(&format!("/v1/sellers/{id}/audit-log"), Some(&admin.token))
            .await,
        200,
    )
    .await;
    let last = log["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["id"], report["audit_entry_id"]);
    assert_eq!(last["action"], "erase");
    assert_eq!(last["from_status"], "draft");
    assert_eq!(last["to_status"], "draft");
    assert_eq!(last["reason_codes"], json!(["data_principal_request"]));
    assert_eq!(
        last["note"],
        "personal data erased: contacts (1), documents (3)"
    );
    assert_no_personal_data(&log, &profile);
    for name in FILENAMES {
        assert!(!log.to_string().contains(name), "{name} in the audit log");
    }

    // An admin may erase too; nothing left is nothing erased, and that is recorded as well.
    let again = json!({"categories": ["documents", "contacts"], "reason": "legal_obligation"});
    let report = json_of(erase(&app, &admin.token, id, &again).await, 200).await;
    assert_eq!(
        report["erased"],
        json!([{"category": "documents", "items": 0}, {"category": "contacts", "items": 0}])
    );

    // The log is still append-only, and it no longer pins the acting account: the seller's
    // user can be deleted (account erasure) and the log keeps its entries by id.
    let mut conn = app.db().await;
    for sql in [
        "DELETE FROM seller_audit_log",
        "UPDATE seller_audit_log SET note = NULL",
    ] {
        assert!(
            diesel::sql_query(sql).execute(&mut conn).await.is_err(),
            "{sql}"
        );
    }
    diesel::sql_query(format!("DELETE FROM users WHERE id = '{}'", seller.user_id))
        .execute(&mut conn)
        .await
        .unwrap();
    let log = json_of(
        app.get(&format!("/v1/sellers/{id}/audit-log"), Some(&admin.token))
            .await,
        200,
    )
    .await;
    let by_seller = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor_user_id"] == seller.user_id.to_string())
        .count();
    assert!(by_seller >= 2, "{log}");
}

#[tokio::test]
async fn only_the_seller_and_admins_erase_and_bad_requests_are_named() {
    let app = TestApp::spawn().await;
    let (seller, id) = complete_seller(&app).await;
    let body = json!({"categories": ["contacts"], "reason": "data_principal_request"});
    let path = format!("/v1/sellers/{id}/erasure");
    assert_problem(app.post_json(&path, &body, None).await, 401).await;
    assert_problem(
        app.post_json(&path, &body, Some("forged.token.value"))
            .await,
        401,
    )
    .await;
    // Who cannot see the seller: 404; who can see it but not erase: 403.
    for role in [Role::Seller, Role::Buyer, Role::VettingOfficer] {
        let other = app.login_as(role).await;
        assert_problem(erase(&app, &other.token, id, &body).await, 404).await;
    }
    let auditor = app.login_as(Role::Auditor).await;
    assert_problem(erase(&app, &auditor.token, id, &body).await, 403).await;

    let problem = assert_problem(
        erase(
            &app,
            &seller.token,
            id,
            &json!({"categories": ["bank"], "reason": "why"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&problem), ["categories[0]", "reason"]);
    let problem = assert_problem(erase(&app, &seller.token, id, &json!({})).await, 422).await;
    assert_eq!(problem_fields(&problem), ["categories", "reason"]);
    assert_problem(
        erase(
            &app,
            &seller.token,
            id,
            &json!({"categories": ["contacts"], "reason": "legal_obligation", "extra": 1}),
        )
        .await,
        422,
    )
    .await;

    // Nothing was erased by any of those.
    let own = json_of(
        app.get("/v1/sellers/me/profile", Some(&seller.token)).await,
        200,
    )
    .await;
    assert_eq!(own["contacts"].as_array().unwrap().len(), 1);
}
