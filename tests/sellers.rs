//! Seller profiles, identifiers, documents, payout account residency, submission, the audit log
//! and the public profile, through the real server and real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::sellers::*;
use common::{TestApp, assert_problem, problem_fields};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use exportbridge::auth::Role;
use exportbridge::db::schema::{payout_accounts, seller_audit_log, seller_documents, sellers};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use uuid::Uuid;

async fn in_country_db(app: &TestApp) -> AsyncPgConnection {
    AsyncPgConnection::establish(&app.config.in_country[0].url.0)
        .await
        .unwrap()
}

/// Every file under the test's data directory.
fn stored_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&app.config.data_dir, &mut out);
    out
}

#[tokio::test]
async fn register_profile_documents_submit() {
    let app = TestApp::spawn().await;
    let s = app.login_as(Role::Seller).await;
    assert_problem(app.get("/v1/sellers/me/profile", Some(&s.token)).await, 404).await;

    // A partial draft is fine; creating answers 201 with Location and ETag.
    let res = put_profile(
        &app,
        &s,
        &json!({"legal_name": "Tiruppur Knitwear Exports Private Limited"}),
        None,
    )
    .await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let etag = etag_of(&res);
    let draft = json_of(res, 201).await;
    assert_eq!(
        location,
        format!("/v1/sellers/{}", draft["id"].as_str().unwrap())
    );
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["editable"], true);
    assert_eq!(draft["home_jurisdiction"], "IN");
    assert_eq!(draft["organisation_id"], s.organisation_id.to_string());

    // Submitting now lists everything that is missing, in one answer.
    let body = assert_problem(submit(&app, &s).await, 422).await;
    let missing = problem_fields(&body);
    for field in [
        "trading_name",
        "enterprise_type",
        "sectors",
        "registered_address.state",
        "contacts",
        "gstin",
        "pan",
        "iec",
        "payout_account",
        "documents.gstin_certificate",
        "documents.address_proof",
    ] {
        assert!(
            missing.iter().any(|f| f == field),
            "{field} not in {missing:?}"
        );
    }

    // Fill it in, then the payout account and the evidence.
    let res = put_profile(&app, &s, &complete_profile(), Some(&etag)).await;
    let profile = json_of(res, 200).await;
    assert_eq!(profile["gstin"], gstin("33AAPFU0939F1Z"));
    assert_eq!(profile["registered_address"]["state_name"], "Tamil Nadu");
    let payout = json_of(put_payout(&app, &s, &payout_body()).await, 200).await;
    assert_eq!(payout["account_number_masked"], "XXXX6789");
    assert_eq!(payout["last4"], "6789");

    let res = upload(
        &app,
        &s,
        "gstin_certificate",
        "../GST certificate.pdf",
        pdf(),
    )
    .await;
    let doc_location = res.headers()["location"].to_str().unwrap().to_owned();
    let doc = json_of(res, 201).await;
    assert_eq!(doc["media_type"], "application/pdf");
    assert_eq!(doc["original_filename"], "GST_certificate.pdf");
    assert_eq!(doc["size_bytes"], pdf().len());
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(pdf()));
    assert_eq!(doc["sha256"], sha);
    assert_eq!(
        doc_location,
        format!("{location}/documents/{}", doc["id"].as_str().unwrap())
    );
    // A PNG sent as "application/pdf" is stored as what it is.
    let png_doc = json_of(
        upload(&app, &s, "address_proof", "bill.pdf", png()).await,
        201,
    )
    .await;
    assert_eq!(png_doc["media_type"], "image/png");
    assert_eq!(png_doc["original_filename"], "bill.pdf.png");

    // Still missing: the manufacturing evidence of a manufacturer.
    let body = assert_problem(submit(&app, &s).await, 422).await;
    assert_eq!(problem_fields(&body), ["documents.manufacturing_evidence"]);
    json_of(
        upload(&app, &s, "manufacturing_evidence", "factory.jpg", jpeg()).await,
        201,
    )
    .await;

    // Metadata, list and download.
    let fetched = json_of(app.get(&doc_location, Some(&s.token)).await, 200).await;
    assert_eq!(fetched, doc);
    let list = json_of(
        app.get(&format!("{location}/documents"), Some(&s.token))
            .await,
        200,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
    assert!(list["next_cursor"].is_null());
    let res = app
        .get(doc["content_url"].as_str().unwrap(), Some(&s.token))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(disposition.contains("GST_certificate.pdf"), "{disposition}");
    let b64 = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(hex::decode(&sha).unwrap())
    };
    assert_eq!(
        res.headers()["repr-digest"].to_str().unwrap(),
        format!("sha-256=:{b64}:")
    );
    assert_eq!(
        res.headers()["digest"].to_str().unwrap(),
        format!("sha-256={b64}")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), pdf().as_slice());

    // Submit.
    let res = submit(&app, &s).await;
    let new_etag = etag_of(&res);
    let submitted = json_of(res, 200).await;
    assert_eq!(submitted["status"], "submitted");
    assert_eq!(submitted["editable"], false);
    assert!(submitted["submitted_at"].is_string());
    assert_eq!(new_etag, format!("\"{}\"", submitted["version"]));
    let me = app.get("/v1/sellers/me/profile", Some(&s.token)).await;
    assert_eq!(etag_of(&me), new_etag);
    assert_eq!(json_of(me, 200).await["status"], "submitted");

    // The audit log has the creation, the document uploads and the submission, with the
    // request id.
    let log = json_of(
        app.get(&format!("{location}/audit-log"), Some(&s.token))
            .await,
        200,
    )
    .await;
    let (uploads, items): (Vec<&Value>, Vec<&Value>) = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .partition(|e| e["action"] == "document_upload");
    assert!(!uploads.is_empty());
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["action"], "create");
    assert!(items[0]["from_status"].is_null());
    assert_eq!(items[0]["to_status"], "draft");
    assert_eq!(items[1]["action"], "submit");
    assert_eq!(items[1]["from_status"], "draft");
    assert_eq!(items[1]["to_status"], "submitted");
    assert_eq!(items[1]["actor_user_id"], s.user_id.to_string());
    assert_eq!(items[1]["actor_role"], "seller");
    assert_eq!(items[1]["request_id"], "req-submit-1");
}

#[tokio::test]
async fn malformed_identifiers_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let s = app.login_as(Role::Seller).await;
    let mut bad_checksum = gstin("33AAPFU0939F1Z");
    let last = bad_checksum.pop().unwrap();
    bad_checksum.push(if last == 'A' { 'B' } else { 'A' });
    let cases = [
        (
            "bad GSTIN checksum",
            with(complete_profile(), "gstin", json!(bad_checksum)),
            "gstin",
        ),
        (
            "GSTIN/PAN mismatch",
            with(complete_profile(), "pan", json!("AAPFV0939F")),
            "pan",
        ),
        (
            "GSTIN/state mismatch",
            with(complete_profile(), "gstin", json!(gstin("27AAPFU0939F1Z"))),
            "gstin",
        ),
        (
            "bad Udyam",
            with(
                complete_profile(),
                "udyam_number",
                json!("UDYAM-TN-29-12345"),
            ),
            "udyam_number",
        ),
        (
            "Udyam/state mismatch",
            with(
                complete_profile(),
                "udyam_number",
                json!("UDYAM-MH-29-0012345"),
            ),
            "udyam_number",
        ),
        (
            "bad IEC",
            with(complete_profile(), "iec", json!("AAPFU0939")),
            "iec",
        ),
        (
            "bad phone",
            with(
                complete_profile(),
                "contacts",
                json!([{"name": "A", "email": "a@b.example", "phone": "9876543210"}]),
            ),
            "contacts[0].phone",
        ),
        (
            "unknown sector",
            with(complete_profile(), "sectors", json!(["toys"])),
            "sectors[0]",
        ),
    ];
    for (name, body, field) in cases {
        let problem = assert_problem(put_profile(&app, &s, &body, None).await, 422).await;
        assert_eq!(problem_fields(&problem), [field], "{name}");
    }
    // Wrong JSON types are 422 too, and unknown fields are refused.
    let problem = assert_problem(
        put_profile(&app, &s, &json!({"employees": "many"}), None).await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&problem), ["employees"]);
    let problem = assert_problem(
        put_profile(&app, &s, &json!({"bank_account": "1"}), None).await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&problem), ["bank_account"]);
    // Several problems come back together.
    let body =
        json!({"gstin": bad_checksum, "pan": "12345", "udyam_number": "UDYAM-XX-01-0000001"});
    let problem = assert_problem(put_profile(&app, &s, &body, None).await, 422).await;
    assert_eq!(problem_fields(&problem), ["gstin", "pan", "udyam_number"]);
    // Nothing was created by any of these.
    assert_problem(app.get("/v1/sellers/me/profile", Some(&s.token)).await, 404).await;

    // IFSC and account number of the payout account.
    json_of(put_profile(&app, &s, &complete_profile(), None).await, 201).await;
    let bad_ifsc = with(payout_body(), "ifsc", json!("HDFC1001234"));
    let problem = assert_problem(put_payout(&app, &s, &bad_ifsc).await, 422).await;
    assert_eq!(problem_fields(&problem), ["ifsc"]);
    let bad_number = with(payout_body(), "account_number", json!("12AB5678901"));
    let problem = assert_problem(put_payout(&app, &s, &bad_number).await, 422).await;
    assert_eq!(problem_fields(&problem), ["account_number"]);
    assert!(!problem.to_string().contains("12AB5678901"));
}

#[tokio::test]
async fn documents_are_recognised_by_content_and_capped() {
    let app = TestApp::spawn().await;
    let s = app.login_as(Role::Seller).await;
    // No profile yet.
    assert_problem(upload(&app, &s, "other", "a.pdf", pdf()).await, 409).await;
    json_of(
        put_profile(&app, &s, &json!({"trading_name": "Moradabad Brass"}), None).await,
        201,
    )
    .await;

    // Claims to be a PDF, is not.
    let fake = b"<html>this is not a pdf</html>".to_vec();
    let problem = assert_problem(
        upload(&app, &s, "gstin_certificate", "gst.pdf", fake).await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&problem), ["file"]);
    assert_eq!(problem["errors"][0]["code"], "unsupported_type");

    // 11 MB: refused with 413, whether the length is declared or the body is streamed.
    let big = {
        let mut v = pdf();
        v.resize(11 * 1000 * 1000, b' ');
        v
    };
    assert_problem(
        upload(&app, &s, "gstin_certificate", "big.pdf", big.clone()).await,
        413,
    )
    .await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        big.chunks(256 * 1024).map(|c| Ok(c.to_vec())).collect();
    let streamed = Form::new().text("kind", "gstin_certificate").part(
        "file",
        Part::stream(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .file_name("big.pdf"),
    );
    let res = app
        .client
        .post(app.url("/v1/sellers/me/documents"))
        .bearer_auth(&s.token)
        .multipart(streamed)
        .send()
        .await
        .unwrap();
    assert_problem(res, 413).await;
    // An unexpected field is named; a large one (length not declared) is cut off with 413.
    let extra = upload_form("other", "a.pdf", "application/pdf", pdf()).text("comment", "hi");
    let res = app
        .client
        .post(app.url("/v1/sellers/me/documents"))
        .bearer_auth(&s.token)
        .multipart(extra)
        .send()
        .await
        .unwrap();
    assert_eq!(problem_fields(&assert_problem(res, 422).await), ["comment"]);
    let padding: Vec<Result<Vec<u8>, std::io::Error>> = vec![Ok(vec![b'x'; 1 << 20])];
    let extra = Form::new().text("kind", "other").part(
        "padding",
        Part::stream(reqwest::Body::wrap_stream(futures_util::stream::iter(
            padding,
        ))),
    );
    let res = app
        .client
        .post(app.url("/v1/sellers/me/documents"))
        .bearer_auth(&s.token)
        .multipart(extra)
        .send()
        .await
        .unwrap();
    assert_problem(res, 413).await;
    // Exactly at the limit is fine.
    let mut at_limit = pdf();
    at_limit.resize(app.config.document_limit as usize, b' ');
    json_of(upload(&app, &s, "other", "limit.pdf", at_limit).await, 201).await;

    // Missing and unknown fields; not multipart at all.
    let res = app
        .client
        .post(app.url("/v1/sellers/me/documents"))
        .bearer_auth(&s.token)
        .multipart(Form::new().part("file", Part::bytes(pdf()).file_name("a.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(problem_fields(&assert_problem(res, 422).await), ["kind"]);
    let problem = assert_problem(upload(&app, &s, "selfie", "a.pdf", pdf()).await, 422).await;
    assert_eq!(problem_fields(&problem), ["kind"]);
    let res = app
        .client
        .post(app.url("/v1/sellers/me/documents"))
        .bearer_auth(&s.token)
        .json(&json!({"kind": "other"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 415).await;

    // Only the accepted file is on disk; nothing was left in the temporary directory.
    let files = stored_files(&app);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].starts_with(app.config.data_dir.join("documents")));
    let mut conn = app.db().await;
    let rows: i64 = seller_documents::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn uploads_replay_with_an_idempotency_key() {
    let app = TestApp::spawn().await;
    let s = app.login_as(Role::Seller).await;
    json_of(
        put_profile(&app, &s, &json!({"trading_name": "Moradabad Brass"}), None).await,
        201,
    )
    .await;
    let send = |bytes: Vec<u8>| {
        app.client
            .post(app.url("/v1/sellers/me/documents"))
            .bearer_auth(&s.token)
            .header("Idempotency-Key", "upload-1")
            .multipart(upload_form("address_proof", "bill.png", "image/png", bytes))
            .send()
    };
    let first = send(png()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first_location = first.headers()["location"].clone();
    let first = first.json::<Value>().await.unwrap();
    let again = send(png()).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["location"], first_location);
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    // The same key with another file is refused.
    let problem = assert_problem(send(jpeg()).await.unwrap(), 422).await;
    assert_eq!(problem_fields(&problem), ["Idempotency-Key"]);
    assert_eq!(stored_files(&app).len(), 1);
}

#[tokio::test]
async fn updates_need_a_current_if_match() {
    let app = TestApp::spawn().await;
    let s = app.login_as(Role::Seller).await;
    let res = put_profile(&app, &s, &json!({"trading_name": "One"}), None).await;
    let v1 = etag_of(&res);
    assert_eq!(res.status(), 201);

    let problem = assert_problem(
        put_profile(&app, &s, &json!({"trading_name": "Two"}), None).await,
        428,
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("If-Match"));
    let res = put_profile(&app, &s, &json!({"trading_name": "Two"}), Some(&v1)).await;
    let v2 = etag_of(&res);
    assert_ne!(v1, v2);
    let body = json_of(res, 200).await;
    assert_eq!(body["trading_name"], "Two");
    // PUT replaces: what is not sent is cleared.
    let res = put_profile(&app, &s, &json!({"legal_name": "Three Ltd"}), Some(&v2)).await;
    let v3 = etag_of(&res);
    let body = json_of(res, 200).await;
    assert!(body["trading_name"].is_null());

    // A stale tag (or a weak one) is 412 and changes nothing.
    assert_problem(
        put_profile(&app, &s, &json!({"trading_name": "Stale"}), Some(&v1)).await,
        412,
    )
    .await;
    assert_problem(
        put_profile(
            &app,
            &s,
            &json!({"trading_name": "Weak"}),
            Some(&format!("W/{v3}")),
        )
        .await,
        412,
    )
    .await;
    let me = app.get("/v1/sellers/me/profile", Some(&s.token)).await;
    assert_eq!(etag_of(&me), v3);
    assert_eq!(json_of(me, 200).await["legal_name"], "Three Ltd");
    // One of several tags matching is enough.
    let res = put_profile(
        &app,
        &s,
        &json!({"trading_name": "Four"}),
        Some(&format!("{v1}, {v3}")),
    )
    .await;
    assert_eq!(res.status(), 200);
    // The payout account bumps the version too, and checks If-Match when sent.
    let v4 = etag_of(&res);
    let res = put_json(
        &app,
        "/v1/sellers/me/payout-account",
        Some(&s.token),
        &payout_body(),
        Some(&v1),
    )
    .await;
    assert_problem(res, 412).await;
    let res = put_json(
        &app,
        "/v1/sellers/me/payout-account",
        Some(&s.token),
        &payout_body(),
        Some(&v4),
    )
    .await;
    assert_eq!(res.status(), 200);
    let me = app.get("/v1/sellers/me/profile", Some(&s.token)).await;
    assert_ne!(etag_of(&me), v4);
}

#[tokio::test]
async fn a_submitted_profile_is_read_only() {
    let app = TestApp::spawn().await;
    let (s, _) = complete_seller(&app).await;
    let res = submit(&app, &s).await;
    let tag = etag_of(&res);
    assert_eq!(res.status(), 200);

    let problem = assert_problem(
        put_profile(&app, &s, &complete_profile(), Some(&tag)).await,
        409,
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("submitted"));
    assert_problem(put_payout(&app, &s, &payout_body()).await, 409).await;
    assert_problem(upload(&app, &s, "other", "more.pdf", pdf()).await, 409).await;
    assert_problem(submit(&app, &s).await, 409).await;
    // Invalid input is still 422, never 500; nothing changed.
    assert_problem(
        put_profile(&app, &s, &json!({"gstin": "x"}), Some(&tag)).await,
        422,
    )
    .await;
    let me = app.get("/v1/sellers/me/profile", Some(&s.token)).await;
    assert_eq!(etag_of(&me), tag);

    // Once changes are requested (the vetting slice does this) it is editable again.
    let mut conn = app.db().await;
    diesel::update(sellers::table)
        .set(sellers::status.eq("changes_requested"))
        .execute(&mut conn)
        .await
        .unwrap();
    let res = put_profile(&app, &s, &complete_profile(), Some(&tag)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(submit(&app, &s).await.status(), 200);
}

#[tokio::test]
async fn other_tenants_get_404_and_anonymous_callers_401() {
    let app = TestApp::spawn().await;
    let (owner, id) = complete_seller(&app).await;
    let list = json_of(
        app.get(&format!("/v1/sellers/{id}/documents"), Some(&owner.token))
            .await,
        200,
    )
    .await;
    let doc = list["items"][0].clone();
    let paths = [
        format!("/v1/sellers/{id}"),
        format!("/v1/sellers/{id}/documents"),
        format!("/v1/sellers/{id}/documents/{}", doc["id"].as_str().unwrap()),
        doc["content_url"].as_str().unwrap().to_owned(),
        format!("/v1/sellers/{id}/audit-log"),
    ];
    let other_seller = app.login_as(Role::Seller).await;
    let buyer = app.login_as(Role::Buyer).await;
    let officer = app.login_as(Role::VettingOfficer).await;
    for path in &paths {
        for (who, s) in [
            ("seller", &other_seller),
            ("buyer", &buyer),
            ("officer of another body", &officer),
        ] {
            let res = app.get(path, Some(&s.token)).await;
            assert_eq!(res.status(), 404, "{who} {path}");
            assert_problem(res, 404).await;
        }
        assert_problem(app.get(path, None).await, 401).await;
        assert_eq!(
            app.get(path, Some(&owner.token)).await.status(),
            200,
            "owner {path}"
        );
    }
    // Another seller's own document id under its own seller id is still not the owner's.
    let other_doc = format!(
        "/v1/sellers/{}/documents/{}",
        Uuid::now_v7(),
        doc["id"].as_str().unwrap()
    );
    assert_problem(app.get(&other_doc, Some(&owner.token)).await, 404).await;
    assert_problem(
        app.get("/v1/sellers/not-a-uuid", Some(&owner.token)).await,
        404,
    )
    .await;

    // Admins, auditors and the officers of the seller's vetting body see everything.
    let admin = app.login_as(Role::Admin).await;
    let auditor = app.login_as(Role::Auditor).await;
    let mut conn = app.db().await;
    diesel::update(sellers::table.find(id))
        .set(sellers::vetting_body_id.eq(officer.organisation_id))
        .execute(&mut conn)
        .await
        .unwrap();
    for path in &paths {
        for s in [&admin, &auditor, &officer] {
            assert_eq!(app.get(path, Some(&s.token)).await.status(), 200, "{path}");
        }
    }

    // The seller-only routes: 401 without a token, 403 for other roles.
    for (method, path) in [
        (Method::GET, "/v1/sellers/me/profile"),
        (Method::PUT, "/v1/sellers/me/profile"),
        (Method::PUT, "/v1/sellers/me/payout-account"),
        (Method::POST, "/v1/sellers/me/submit"),
    ] {
        let body = (method != Method::GET && method != Method::POST).then(|| json!({}));
        assert_problem(
            app.request(method.clone(), path, None, body.as_ref()).await,
            401,
        )
        .await;
        assert_problem(
            app.request(method.clone(), path, Some(&buyer.token), body.as_ref())
                .await,
            403,
        )
        .await;
    }
    assert_problem(upload(&app, &buyer, "other", "a.pdf", pdf()).await, 403).await;
}

#[tokio::test]
async fn the_payout_account_lives_only_in_country_and_is_masked() {
    let app = TestApp::spawn().await;
    let s = app.login_as(Role::Seller).await;
    assert_problem(put_payout(&app, &s, &payout_body()).await, 409).await;
    let id: Uuid = json_of(put_profile(&app, &s, &complete_profile(), None).await, 201).await["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let res = put_payout(&app, &s, &payout_body()).await;
    let text = res.text().await.unwrap();
    assert!(!text.contains(ACCOUNT_NUMBER), "{text}");
    let summary: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(summary["account_number_masked"], "XXXX6789");
    assert_eq!(summary["ifsc"], "HDFC0001234");
    let reference: Uuid = summary["reference"].as_str().unwrap().parse().unwrap();

    // Every view of the profile shows it masked.
    let admin = app.login_as(Role::Admin).await;
    for (path, token) in [
        ("/v1/sellers/me/profile".to_owned(), &s.token),
        (format!("/v1/sellers/{id}"), &s.token),
        (format!("/v1/sellers/{id}"), &admin.token),
    ] {
        let text = app.get(&path, Some(token)).await.text().await.unwrap();
        assert!(!text.contains(ACCOUNT_NUMBER), "{path}: {text}");
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["payout_account"]["account_number_masked"], "XXXX6789");
        assert_eq!(body["payout_account"]["reference"], reference.to_string());
    }

    // The full number is in the in-country store, keyed by the reference.
    let mut local = in_country_db(&app).await;
    let (number, seller, jurisdiction): (String, Uuid, String) = payout_accounts::table
        .find(reference)
        .select((
            payout_accounts::account_number,
            payout_accounts::seller_id,
            payout_accounts::home_jurisdiction,
        ))
        .first(&mut local)
        .await
        .unwrap();
    assert_eq!(
        (number.as_str(), seller, jurisdiction.as_str()),
        (ACCOUNT_NUMBER, id, "IN")
    );

    // The platform store has no payout_accounts row and the number nowhere in the sellers row.
    let mut platform = app.db().await;
    let rows: i64 = payout_accounts::table
        .count()
        .get_result(&mut platform)
        .await
        .unwrap();
    assert_eq!(rows, 0);
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let found: Found = diesel::sql_query(
        "SELECT count(*) AS n FROM sellers s WHERE s::text LIKE '%' || $1 || '%'",
    )
    .bind::<diesel::sql_types::Text, _>(ACCOUNT_NUMBER)
    .get_result(&mut platform)
    .await
    .unwrap();
    assert_eq!(found.n, 0);
    let last4: Option<String> = sellers::table
        .find(id)
        .select(sellers::payout_last4)
        .first(&mut platform)
        .await
        .unwrap();
    assert_eq!(last4.as_deref(), Some("6789"));

    // Replacing the account removes the old record in-country.
    let replacement = with(payout_body(), "account_number", json!("123456789012"));
    let summary = json_of(put_payout(&app, &s, &replacement).await, 200).await;
    assert_eq!(summary["last4"], "9012");
    let numbers: Vec<String> = payout_accounts::table
        .select(payout_accounts::account_number)
        .load(&mut local)
        .await
        .unwrap();
    assert_eq!(numbers, ["123456789012"]);
}

#[tokio::test]
async fn the_audit_log_is_append_only_in_the_database() {
    let app = TestApp::spawn().await;
    let s = app.login_as(Role::Seller).await;
    json_of(
        put_profile(&app, &s, &json!({"trading_name": "Audit Me"}), None).await,
        201,
    )
    .await;
    let mut conn = app.db().await;
    let rows: i64 = seller_audit_log::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(rows, 1);
    for sql in [
        "UPDATE seller_audit_log SET note = 'rewritten'",
        "UPDATE seller_audit_log SET to_status = 'approved'",
        "DELETE FROM seller_audit_log",
        "TRUNCATE seller_audit_log",
    ] {
        let err = diesel::sql_query(sql).execute(&mut conn).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    let notes: Vec<Option<String>> = seller_audit_log::table
        .select(seller_audit_log::note)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(notes, [None]);
    // Appending still works.
    diesel::sql_query(
        "INSERT INTO seller_audit_log (id, seller_id, actor_role, action, from_status, to_status, home_jurisdiction)
         SELECT gen_random_uuid(), seller_id, 'system', 'expire', 'approved', 'expired', home_jurisdiction FROM seller_audit_log",
    )
    .execute(&mut conn)
    .await
    .unwrap();
}

#[tokio::test]
async fn the_audit_log_is_cursor_paged() {
    let app = TestApp::spawn().await;
    let (s, id) = complete_seller(&app).await;
    assert_eq!(submit(&app, &s).await.status(), 200);
    let path = format!("/v1/sellers/{id}/audit-log");
    let first = json_of(
        app.get(&format!("{path}?limit=1"), Some(&s.token)).await,
        200,
    )
    .await;
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    assert_eq!(first["items"][0]["action"], "create");
    // One entry a page: the creation, the three document uploads, the submission.
    let mut actions = vec![first["items"][0]["action"].as_str().unwrap().to_owned()];
    let mut cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let last = loop {
        let page = json_of(
            app.get(&format!("{path}?limit=1&cursor={cursor}"), Some(&s.token))
                .await,
            200,
        )
        .await;
        actions.push(page["items"][0]["action"].as_str().unwrap().to_owned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break page,
        }
    };
    assert_eq!(
        actions,
        [
            "create",
            "document_upload",
            "document_upload",
            "document_upload",
            "submit"
        ]
    );
    let cursor = last["items"][0]["id"].as_str().unwrap();
    let third = json_of(
        app.get(&format!("{path}?limit=1&cursor={cursor}"), Some(&s.token))
            .await,
        200,
    )
    .await;
    assert!(third["items"].as_array().unwrap().is_empty());
    assert!(third["next_cursor"].is_null());
    for bad in ["limit=0", "limit=201", "cursor=abc", "limit=x"] {
        let res = app.get(&format!("{path}?{bad}"), Some(&s.token)).await;
        assert_problem(res, 422).await;
    }
}

#[tokio::test]
async fn the_public_profile_shows_only_approved_sellers_and_public_fields() {
    let app = TestApp::spawn().await;
    let (s, id) = complete_seller(&app).await;
    let path = format!("/v1/sellers/{id}/public");
    assert_problem(app.get(&path, None).await, 404).await;
    assert_eq!(submit(&app, &s).await.status(), 200);
    assert_problem(app.get(&path, None).await, 404).await;

    // Approval and the badge belong to the vetting slice; set them directly.
    let body_org = app.create_vetting_body_org().await;
    let mut conn = app.db().await;
    diesel::update(sellers::table.find(id))
        .set((
            sellers::status.eq("approved"),
            sellers::badge_kind.eq("verified_msme"),
            sellers::badge_issued_by.eq(body_org),
            sellers::badge_issued_at.eq(chrono::Utc::now()),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    let res = app.get(&path, None).await;
    let text = res.text().await.unwrap();
    let public: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(public["trading_name"], "Tiruppur Knits");
    assert_eq!(public["state"], "TN");
    assert_eq!(public["sectors"], json!(["textiles"]));
    assert_eq!(public["enterprise_type"], "manufacturer");
    assert_eq!(public["msme_category"], "small");
    assert_eq!(public["year_established"], 2009);
    assert_eq!(public["badge"]["kind"], "verified_msme");
    assert_eq!(
        public["identifiers"],
        json!({"gstin": gstin("33AAPFU0939F1Z")})
    );
    for secret in [
        "Lakshmi",
        "exports@tiruppur-knits.example",
        "+919876543210",
        "Kumaran Road",
        "UDYAM-TN-29-0012345",
        "XXXX",
        "HDFC",
        "legal_name",
        "documents",
        "sha256",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }

    // Suspended sellers are not public.
    diesel::update(sellers::table.find(id))
        .set(sellers::status.eq("suspended"))
        .execute(&mut conn)
        .await
        .unwrap();
    assert_problem(app.get(&path, None).await, 404).await;
}

#[tokio::test]
async fn huge_lists_are_one_error_and_many_bad_fields_are_capped() {
    let app = TestApp::spawn().await;
    let s = app.login_as(Role::Seller).await;
    // 85,000 empty sectors: one error naming the list, not one per item.
    let body = json!({"sectors": vec![""; 85_000]});
    let res = put_profile(&app, &s, &body, None).await;
    assert_eq!(res.status(), 422);
    let text = res.text().await.unwrap();
    assert!(text.len() < 1_000, "{} bytes", text.len());
    let problem: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(problem_fields(&problem), ["sectors"]);
    assert_eq!(problem["errors"][0]["code"], "too_many");
    assert!(problem.get("errors_omitted").is_none());

    // Lists within their caps but 142 bad fields: 50 listed, the rest counted.
    let bad_contact = json!({"name": "", "email": "x", "phone": "1"});
    let body = json!({
        "export_markets": vec!["ZZ"; 100],
        "contacts": vec![bad_contact; 10],
        "sectors": vec!["toys"; 9],
        "public_identifiers": vec!["pan"; 3],
    });
    let problem = assert_problem(put_profile(&app, &s, &body, None).await, 422).await;
    assert_eq!(problem_fields(&problem).len(), 50);
    assert_eq!(problem["errors_omitted"], 92);
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("142 invalid fields"), "{detail}");
    assert!(detail.contains("92 more were omitted"), "{detail}");
}

#[tokio::test]
async fn a_buyer_names_a_seller_in_an_estimate_by_its_public_profile_id() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    app.post_rates(&admin, common::DEMO_RATES).await;
    let (seller, id) = complete_seller(&app).await;
    // One id per seller: the profile answers with the organisation's id.
    assert_eq!(id, seller.organisation_id);
    let mut conn = app.db().await;
    diesel::update(sellers::table.filter(sellers::organisation_id.eq(seller.organisation_id)))
        .set(sellers::status.eq("approved"))
        .execute(&mut conn)
        .await
        .unwrap();

    let buyer = app.login_as(Role::Buyer).await;
    let public = json_of(
        app.get(&format!("/v1/sellers/{id}/public"), None).await,
        200,
    )
    .await;
    let named = public["id"].as_str().unwrap().to_owned();
    let res = app
        .post_json(
            "/v1/settlement/estimates",
            &json!({"buyer_country": "CN", "direction": "buyer_pays",
                    "amount": {"amount": "10000.00", "currency": "USD"}, "seller_id": named}),
            Some(&buyer.token),
        )
        .await;
    let estimate = json_of(res, 201).await;
    assert_eq!(estimate["seller_id"], named);
    // The same id opens the full profile, its documents and its audit log.
    let profile = json_of(
        app.get(&format!("/v1/sellers/{named}"), Some(&seller.token))
            .await,
        200,
    )
    .await;
    assert_eq!(profile["id"], named);
    let docs = json_of(
        app.get(
            &format!("/v1/sellers/{named}/documents"),
            Some(&seller.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(docs["items"][0]["seller_id"], named);
    let log = json_of(
        app.get(
            &format!("/v1/sellers/{named}/audit-log"),
            Some(&seller.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(log["items"][0]["seller_id"], named);
}

#[tokio::test]
async fn the_routes_under_sellers_me_answer_every_method_right() {
    let app = TestApp::spawn().await;
    let (s, id) = complete_seller(&app).await;
    let allow = |res: &reqwest::Response| {
        res.headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    for (method, path, allowed) in [
        (Method::GET, "/v1/sellers/me/documents", "POST"),
        (Method::DELETE, "/v1/sellers/me/documents", "POST"),
        (Method::PUT, "/v1/sellers/me/documents", "POST"),
        (Method::GET, "/v1/sellers/me/payout-account", "PUT"),
        (Method::GET, "/v1/sellers/me/submit", "POST"),
        (Method::DELETE, "/v1/sellers/me/profile", "GET, HEAD, PUT"),
    ] {
        let res = app
            .request(method.clone(), path, Some(&s.token), None)
            .await;
        assert_eq!(allow(&res).as_deref(), Some(allowed), "{method} {path}");
        assert_problem(res, 405).await;
    }
    let res = app
        .request(
            Method::DELETE,
            &format!("/v1/sellers/{id}/documents"),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(allow(&res).as_deref(), Some("GET, HEAD"));
    assert_problem(res, 405).await;
    // The documented methods still work, and a malformed id is a missing resource.
    json_of(upload(&app, &s, "other", "more.pdf", pdf()).await, 201).await;
    json_of(app.get("/v1/sellers/me/profile", Some(&s.token)).await, 200).await;
    json_of(
        app.get(&format!("/v1/sellers/{id}/documents"), Some(&s.token))
            .await,
        200,
    )
    .await;
    assert_problem(
        app.get("/v1/sellers/not-a-seller/documents", Some(&s.token))
            .await,
        404,
    )
    .await;
    assert_problem(app.get("/v1/sellers/me", Some(&s.token)).await, 404).await;
}

#[tokio::test]
async fn admins_and_auditors_list_sellers_by_filter_and_page_through_them() {
    use common::vetting::{approve, forum, submitted};
    let app = TestApp::spawn().await;
    let f = forum(&app).await;
    let (_, approved) = submitted(
        &app,
        &profile_in("33", "TN", 1, &["textiles"], "manufacturer", true),
    )
    .await;
    approve(&app, &f.officer, approved).await;
    let (_, waiting) = submitted(
        &app,
        &profile_in("27", "MH", 2, &["handicrafts"], "merchant_exporter", false),
    )
    .await;
    let draft = app.login_as(Role::Seller).await;
    let profile = profile_in("09", "UP", 3, &["handicrafts"], "manufacturer", false);
    let draft_id = json_of(put_profile(&app, &draft, &profile, None).await, 201).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (approved, waiting) = (approved.to_string(), waiting.to_string());

    let auditor = app.login_as(Role::Auditor).await;
    let ids = |query: String| {
        let app = &app;
        let token = auditor.token.clone();
        async move {
            let page = json_of(
                app.get(&format!("/v1/sellers?{query}"), Some(&token)).await,
                200,
            )
            .await;
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    // Newest first.
    assert_eq!(
        ids("".into()).await,
        [draft_id.clone(), waiting.clone(), approved.clone()]
    );
    assert_eq!(
        ids("status=approved".into()).await,
        std::slice::from_ref(&approved)
    );
    assert_eq!(ids("state=MH".into()).await, std::slice::from_ref(&waiting));
    assert_eq!(
        ids("sector=handicrafts".into()).await,
        [draft_id.clone(), waiting.clone()]
    );
    assert_eq!(
        ids("enterprise_type=manufacturer".into()).await,
        [draft_id.clone(), approved.clone()]
    );
    assert_eq!(
        ids("badge=true".into()).await,
        std::slice::from_ref(&approved)
    );
    assert_eq!(
        ids("badge=false".into()).await,
        [draft_id.clone(), waiting.clone()]
    );
    assert_eq!(
        ids(format!("vetting_body_id={}", f.body_id)).await,
        [waiting.clone(), approved.clone()]
    );
    assert_eq!(
        ids("state=MH&sector=textiles".into()).await,
        Vec::<String>::new()
    );

    // One at a time through the cursor, as an admin.
    let mut seen = Vec::new();
    let mut path = "/v1/sellers?limit=1".to_owned();
    loop {
        let page = json_of(app.get(&path, Some(&f.admin.token)).await, 200).await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/sellers?limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, [draft_id, waiting, approved]);

    // Only staff; bad filters are named.
    assert_problem(app.get("/v1/sellers", Some(&draft.token)).await, 403).await;
    let buyer = app.login_as(Role::Buyer).await;
    assert_problem(app.get("/v1/sellers", Some(&buyer.token)).await, 403).await;
    assert_problem(app.get("/v1/sellers", None).await, 401).await;
    for bad in ["status=nope", "state=XX", "badge=maybe", "limit=0"] {
        let res = app
            .get(&format!("/v1/sellers?{bad}"), Some(&auditor.token))
            .await;
        assert_problem(res, 422).await;
    }
}

#[tokio::test]
async fn documents_are_replaced_or_deleted_until_submission_then_frozen_and_every_change_audited() {
    let app = TestApp::spawn().await;
    let (s, seller_id) = complete_seller(&app).await;
    let docs = json_of(
        app.get(
            &format!("/v1/sellers/{seller_id}/documents"),
            Some(&s.token),
        )
        .await,
        200,
    )
    .await;
    let find = |kind: &str| {
        docs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["kind"] == kind)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (gst, address) = (find("gstin_certificate"), find("address_proof"));
    let replace = |id: String, kind: &'static str, bytes: Vec<u8>| {
        let app = &app;
        let token = s.token.clone();
        async move {
            app.client
                .put(app.url(&format!("/v1/sellers/me/documents/{id}")))
                .bearer_auth(token)
                .multipart(upload_form(kind, "new scan.png", "image/png", bytes))
                .send()
                .await
                .unwrap()
        }
    };
    // Replaced in place: same id and kind, the new file's name, type and bytes.
    let replaced = json_of(replace(gst.clone(), "gstin_certificate", png()).await, 200).await;
    assert_eq!(replaced["id"], gst.as_str());
    assert_eq!(replaced["media_type"], "image/png");
    assert_eq!(replaced["original_filename"], "new_scan.png");
    let content = app
        .get(
            &format!("/v1/sellers/{seller_id}/documents/{gst}/content"),
            Some(&s.token),
        )
        .await;
    assert_eq!(content.bytes().await.unwrap().to_vec(), png());
    // Another kind is refused (delete it instead); another seller's document does not exist.
    let problem = assert_problem(replace(gst.clone(), "address_proof", png()).await, 422).await;
    assert_eq!(problem_fields(&problem), ["kind"]);
    let (other, _) = complete_seller_with(
        &app,
        &profile_in("27", "MH", 7, &["textiles"], "manufacturer", false),
    )
    .await;
    let res = app
        .request(
            Method::DELETE,
            &format!("/v1/sellers/me/documents/{gst}"),
            Some(&other.token),
            None,
        )
        .await;
    assert_problem(res, 404).await;

    let res = app
        .request(
            Method::DELETE,
            &format!("/v1/sellers/me/documents/{address}"),
            Some(&s.token),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    let after = json_of(
        app.get(
            &format!("/v1/sellers/{seller_id}/documents"),
            Some(&s.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(after["items"].as_array().unwrap().len(), 2);
    json_of(
        upload(&app, &s, "address_proof", "bill.pdf", pdf()).await,
        201,
    )
    .await;

    // Submitted: frozen.
    assert_eq!(submit(&app, &s).await.status(), 200);
    assert_problem(replace(gst.clone(), "gstin_certificate", pdf()).await, 409).await;
    let res = app
        .request(
            Method::DELETE,
            &format!("/v1/sellers/me/documents/{gst}"),
            Some(&s.token),
            None,
        )
        .await;
    assert_problem(res, 409).await;

    // Every upload, the replacement and the deletion are in the audit log, in order (by kind,
    // id, type and size: file names may be personal data, and the log is append-only).
    let log = json_of(
        app.get(
            &format!("/v1/sellers/{seller_id}/audit-log?limit=200"),
            Some(&s.token),
        )
        .await,
        200,
    )
    .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "create",
            "document_upload",
            "document_upload",
            "document_upload",
            "document_replace",
            "document_delete",
            "document_upload",
            "submit"
        ]
    );
    let notes: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["note"].as_str())
        .collect();
    assert!(
        notes.iter().any(
            |n| n.starts_with(&format!("gstin_certificate ({gst}): application/pdf"))
                && n.contains("replaced by image/png")
        ),
        "{notes:?}"
    );
    assert!(!log.to_string().contains("new_scan") && !log.to_string().contains("gst.pdf"));
}
