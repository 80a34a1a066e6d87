//! Vetting through the real server and real PostgreSQL: bodies, the queue, claims, checklists,
//! decisions, badges, suspension, expiry and the webhook events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::sellers::*;
use common::vetting::*;
use common::{
    Session, StubServer, TestApp, assert_problem, header, problem_fields, verify, wait_for,
};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use exportbridge::auth::Role;
use exportbridge::db::schema::{outbox_events, seller_audit_log, sellers};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

const MANDATORY: [&str; 5] = [
    "gstin_verified",
    "iec_verified",
    "udyam_verified",
    "address_proof",
    "manufacturing_evidence",
];

/// The lifecycle entries of a seller's audit log (document uploads left out).
async fn audit(app: &TestApp, who: &Session, id: Uuid) -> Vec<Value> {
    json_of(
        app.get(&format!("/v1/sellers/{id}/audit-log"), Some(&who.token))
            .await,
        200,
    )
    .await["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["action"].as_str().unwrap().starts_with("document_"))
        .cloned()
        .collect()
}

async fn queue(app: &TestApp, officer: &Session, query: &str) -> Value {
    json_of(
        app.get(&format!("/v1/vetting/queue?{query}"), Some(&officer.token))
            .await,
        200,
    )
    .await
}

fn ids(page: &Value) -> Vec<Uuid> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["seller_id"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn register_submit_claim_checklist_approve_badge() {
    let app = TestApp::spawn().await;
    let f = forum(&app).await;
    let (seller, id) = submitted(&app, &complete_profile()).await;
    let profile = json_of(
        app.get("/v1/sellers/me/profile", Some(&seller.token)).await,
        200,
    )
    .await;
    assert_eq!(profile["vetting_body_id"], f.body_id.to_string());

    // In the queue, unclaimed and within the SLA.
    let q = queue(&app, &f.officer, "").await;
    assert_eq!(ids(&q), [id]);
    let item = &q["items"][0];
    assert_eq!(item["status"], "submitted");
    assert_eq!(item["sla_breached"], false);
    assert_eq!(item["age_hours"], 0);
    assert_eq!(item["priority_sector"], true);
    assert!(item["claim"].is_null());

    // Claim: under review, leased to the officer.
    let claimed = json_of(claim(&app, &f.officer, id).await, 200).await;
    assert_eq!(claimed["status"], "under_review");
    assert_eq!(
        claimed["claim"]["claimed_by"],
        f.officer.user_id.to_string()
    );

    // The checklist lists what approval needs.
    let list = json_of(
        app.get(&app_path(id, "/checklist"), Some(&f.officer.token))
            .await,
        200,
    )
    .await;
    assert_eq!(list["missing_mandatory"], json!(MANDATORY));
    let after = json_of(
        tick(&app, &f.officer, id, "gstin_verified", true).await,
        200,
    )
    .await;
    let gst = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "gstin_verified")
        .unwrap();
    assert_eq!(gst["ticked"], true);
    assert_eq!(gst["note"], "checked gstin_verified");
    assert_eq!(gst["ticked_by"], f.officer.user_id.to_string());
    tick_mandatory(&app, &f.officer, id).await;

    let outcome = json_of(
        decide(&app, &f.officer, id, json!({"decision": "approve"})).await,
        200,
    )
    .await;
    assert_eq!(outcome["status"], "approved");
    assert_eq!(outcome["badge"]["kind"], "verified_msme");
    assert_eq!(outcome["badge"]["issued_by"], f.body_id.to_string());

    // The badge is on the public profile, valid for 12 months.
    let public = json_of(
        app.get(&format!("/v1/sellers/{id}/public"), None).await,
        200,
    )
    .await;
    assert_eq!(public["badge"]["kind"], "verified_msme");
    assert_eq!(public["badge"]["issued_by"], f.body_id.to_string());
    let issued: chrono::DateTime<chrono::Utc> = public["badge"]["issued_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let until: chrono::DateTime<chrono::Utc> = public["badge"]["valid_until"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let days = (until - issued).num_days();
    assert!((365..=366).contains(&days), "{days}");

    // The lease ended; the application left the open queue.
    assert!(ids(&queue(&app, &f.officer, "").await).is_empty());
    assert_eq!(ids(&queue(&app, &f.officer, "status=approved").await), [id]);

    // Every step is in the audit log, readable by the seller and by auditors.
    let auditor = app.login_as(Role::Auditor).await;
    for reader in [&seller, &auditor, &f.officer] {
        let log = audit(&app, reader, id).await;
        let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["create", "submit", "start_review", "approve"]);
        let approval = &log[3];
        assert_eq!(approval["from_status"], "under_review");
        assert_eq!(approval["to_status"], "approved");
        assert_eq!(approval["actor_user_id"], f.officer.user_id.to_string());
        assert_eq!(approval["actor_role"], "vetting_officer");
        assert_eq!(approval["request_id"], "req-decision-1");
    }
}

#[tokio::test]
async fn request_changes_resubmit_approve() {
    let app = TestApp::spawn().await;
    let f = forum(&app).await;
    let (seller, id) = submitted(&app, &complete_profile()).await;
    json_of(claim(&app, &f.officer, id).await, 200).await;
    json_of(
        tick(&app, &f.officer, id, "gstin_verified", true).await,
        200,
    )
    .await;
    let outcome = json_of(
        decide(
            &app,
            &f.officer,
            id,
            json!({"decision": "request_changes", "reason_codes": ["document_illegible"], "note": "The address proof is unreadable."}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(outcome["status"], "changes_requested");

    // The seller edits and resubmits; the checklist starts again.
    let res = app.get("/v1/sellers/me/profile", Some(&seller.token)).await;
    let tag = etag_of(&res);
    let profile = json_of(res, 200).await;
    assert_eq!(profile["editable"], true);
    json_of(
        put_profile(
            &app,
            &seller,
            &with(complete_profile(), "employees", json!(90)),
            Some(&tag),
        )
        .await,
        200,
    )
    .await;
    json_of(
        upload(&app, &seller, "address_proof", "clear.pdf", pdf()).await,
        201,
    )
    .await;
    json_of(submit(&app, &seller).await, 200).await;
    let checklist = json_of(
        app.get(&app_path(id, "/checklist"), Some(&f.officer.token))
            .await,
        200,
    )
    .await;
    assert_eq!(checklist["missing_mandatory"], json!(MANDATORY));
    assert!(
        checklist["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["ticked"] == false)
    );
    // The same body works it again.
    assert_eq!(ids(&queue(&app, &f.officer, "").await), [id]);
    let approved = approve(&app, &f.officer, id).await;
    assert_eq!(approved["status"], "approved");

    let log = audit(&app, &seller, id).await;
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "create",
            "submit",
            "start_review",
            "request_changes",
            "submit",
            "start_review",
            "approve"
        ]
    );
    assert_eq!(log[3]["reason_codes"], json!(["document_illegible"]));
    assert_eq!(log[3]["note"], "The address proof is unreadable.");
    assert_eq!(log[3]["request_id"], "req-decision-1");
}

#[tokio::test]
async fn only_the_bodys_officers_see_or_act_on_an_application() {
    let app = TestApp::spawn().await;
    let f = forum(&app).await;
    // Another body of the same jurisdiction, with no priority overlap: not assigned.
    let other_body = app
        .create_vetting_body(
            &f.admin,
            &json!({"name": "Leather Export Council", "jurisdiction": "IN", "priority_sectors": ["leather"]}),
        )
        .await;
    let stranger = app
        .officer_of(
            &f.admin,
            other_body["id"].as_str().unwrap().parse().unwrap(),
        )
        .await;
    let (seller, id) = submitted(&app, &complete_profile()).await;
    let docs = json_of(
        app.get(&format!("/v1/sellers/{id}/documents"), Some(&seller.token))
            .await,
        200,
    )
    .await;
    let doc = docs["items"][0]["id"].as_str().unwrap().to_owned();
    let other_seller = app.login_as(Role::Seller).await;
    let buyer = app.login_as(Role::Buyer).await;

    let reads = [
        app_path(id, ""),
        app_path(id, "/checklist"),
        format!("/v1/sellers/{id}"),
        format!("/v1/sellers/{id}/documents"),
        format!("/v1/sellers/{id}/documents/{doc}"),
        format!("/v1/sellers/{id}/documents/{doc}/content"),
        format!("/v1/sellers/{id}/audit-log"),
    ];
    for who in [&stranger, &other_seller, &buyer] {
        for path in &reads {
            assert_problem(app.get(path, Some(&who.token)).await, 404).await;
        }
        assert_problem(claim(&app, who, id).await, 404).await;
        assert_problem(tick(&app, who, id, "gstin_verified", true).await, 404).await;
        assert_problem(
            decide(&app, who, id, json!({"decision": "approve"})).await,
            404,
        )
        .await;
    }
    // The stranger's queue does not show it.
    assert!(ids(&queue(&app, &stranger, "").await).is_empty());

    // The seller cannot claim or decide its own application.
    assert_problem(claim(&app, &seller, id).await, 403).await;
    json_of(claim(&app, &f.officer, id).await, 200).await;
    tick_mandatory(&app, &f.officer, id).await;
    assert_problem(
        decide(&app, &seller, id, json!({"decision": "approve"})).await,
        403,
    )
    .await;
    assert_problem(app.get(&app_path(id, ""), Some(&seller.token)).await, 403).await;
    // Auditors read but do not decide; queues are for officers.
    let auditor = app.login_as(Role::Auditor).await;
    json_of(app.get(&app_path(id, ""), Some(&auditor.token)).await, 200).await;
    assert_problem(
        decide(&app, &auditor, id, json!({"decision": "approve"})).await,
        403,
    )
    .await;
    assert_problem(app.get("/v1/vetting/queue", Some(&seller.token)).await, 403).await;
    assert_problem(app.get("/v1/vetting/queue", None).await, 401).await;
    let status = json_of(
        app.get("/v1/sellers/me/profile", Some(&seller.token)).await,
        200,
    )
    .await;
    assert_eq!(status["status"], "under_review");
    assert_problem(
        app.get(&app_path(Uuid::now_v7(), ""), Some(&f.officer.token))
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn of_two_concurrent_claims_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let f = forum(&app).await;
    let second = app.officer_of(&f.admin, f.body_id).await;
    for _ in 0..3 {
        let (_, id) = submitted(
            &app,
            &profile_in("27", "MH", rand_n(), &["textiles"], "manufacturer", true),
        )
        .await;
        let (a, b) = tokio::join!(claim(&app, &f.officer, id), claim(&app, &second, id));
        let mut codes = [a.status().as_u16(), b.status().as_u16()];
        codes.sort();
        assert_eq!(codes, [200, 409]);
        // One start_review in the audit log.
        let log = audit(&app, &f.admin, id).await;
        assert_eq!(
            log.iter().filter(|e| e["action"] == "start_review").count(),
            1
        );
    }
}

fn rand_n() -> u32 {
    (Uuid::new_v4().as_u128() % 9_000_000) as u32
}

#[tokio::test]
async fn leases_are_exclusive_renewable_releasable_and_expire() {
    let app = TestApp::spawn().await;
    let f = forum(&app).await;
    let other = app.officer_of(&f.admin, f.body_id).await;
    let (_, id) = submitted(&app, &complete_profile()).await;

    // Checklist work and decisions need a claim.
    assert_problem(
        tick(&app, &f.officer, id, "gstin_verified", true).await,
        409,
    )
    .await;
    assert_problem(
        decide(&app, &f.officer, id, json!({"decision": "approve"})).await,
        409,
    )
    .await;

    let first = json_of(claim(&app, &f.officer, id).await, 200).await;
    let expires = |v: &Value| -> chrono::DateTime<chrono::Utc> {
        v["claim"]["expires_at"].as_str().unwrap().parse().unwrap()
    };
    assert_problem(claim(&app, &other, id).await, 409).await;
    assert_problem(tick(&app, &other, id, "gstin_verified", true).await, 409).await;
    assert_problem(
        decide(
            &app,
            &other,
            id,
            json!({"decision": "reject", "reason_codes": ["ineligible_business"], "note": "no"}),
        )
        .await,
        409,
    )
    .await;
    let res = app
        .request(
            Method::DELETE,
            &app_path(id, "/claim"),
            Some(&other.token),
            None,
        )
        .await;
    assert_problem(res, 409).await;
    // An unknown checklist item is 404.
    assert_problem(tick(&app, &f.officer, id, "not_an_item", true).await, 404).await;

    // Renewal extends the lease.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let renewed = json_of(claim(&app, &f.officer, id).await, 200).await;
    assert!(expires(&renewed) > expires(&first));
    assert_eq!(
        ids(&queue(&app, &f.officer, "claimed_by_me=true").await),
        [id]
    );
    assert!(ids(&queue(&app, &other, "claimed_by_me=true").await).is_empty());

    // Release; the other officer may claim.
    let res = app
        .request(
            Method::DELETE,
            &app_path(id, "/claim"),
            Some(&f.officer.token),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    json_of(claim(&app, &other, id).await, 200).await;

    // An expired lease lets the first officer take it back.
    let mut conn = app.db().await;
    diesel::update(sellers::table.find(id))
        .set(sellers::claim_expires_at.eq(chrono::Utc::now() - chrono::Duration::minutes(1)))
        .execute(&mut conn)
        .await
        .unwrap();
    let taken = json_of(claim(&app, &f.officer, id).await, 200).await;
    assert_eq!(taken["claim"]["claimed_by"], f.officer.user_id.to_string());
    assert_problem(tick(&app, &other, id, "gstin_verified", true).await, 409).await;
}

#[tokio::test]
async fn decisions_check_the_checklist_and_reason_codes() {
    let app = TestApp::spawn().await;
    let f = forum(&app).await;
    let (_, id) = submitted(&app, &complete_profile()).await;
    json_of(claim(&app, &f.officer, id).await, 200).await;
    for code in &MANDATORY[..4] {
        json_of(tick(&app, &f.officer, id, code, true).await, 200).await;
    }
    // Ticked then unticked does not count.
    json_of(
        tick(&app, &f.officer, id, "manufacturing_evidence", true).await,
        200,
    )
    .await;
    json_of(
        tick(&app, &f.officer, id, "manufacturing_evidence", false).await,
        200,
    )
    .await;
    let problem = assert_problem(
        decide(&app, &f.officer, id, json!({"decision": "approve"})).await,
        422,
    )
    .await;
    assert_eq!(
        problem_fields(&problem),
        ["checklist.manufacturing_evidence"]
    );

    for (body, fields) in [
        (
            json!({"decision": "reject", "note": "x"}),
            vec!["reason_codes"],
        ),
        (
            json!({"decision": "reject", "reason_codes": ["document_illegible"], "note": "x"}),
            vec!["reason_codes[0]"],
        ),
        (
            json!({"decision": "request_changes", "reason_codes": ["no_such_code"]}),
            vec!["reason_codes[0]", "note"],
        ),
        (
            json!({"decision": "approve", "reason_codes": ["document_illegible"]}),
            vec!["reason_codes[0]"],
        ),
        (json!({"decision": "maybe"}), vec!["decision"]),
    ] {
        let problem = assert_problem(decide(&app, &f.officer, id, body.clone()).await, 422).await;
        assert_eq!(problem_fields(&problem), fields, "{body}");
    }
    // Nothing changed.
    let application = json_of(
        app.get(&app_path(id, ""), Some(&f.officer.token)).await,
        200,
    )
    .await;
    assert_eq!(application["status"], "under_review");

    let rejected = json_of(
        decide(
            &app,
            &f.officer,
            id,
            json!({"decision": "reject", "reason_codes": ["ineligible_business"], "note": "Not an exporter."}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(rejected["status"], "rejected");
    assert!(rejected["badge"].is_null());
    // A decided application cannot be claimed again.
    assert_problem(claim(&app, &f.officer, id).await, 409).await;

    // A trader that is not an MSME needs neither Udyam nor manufacturing checks, and gets the
    // exporter badge.
    let (_, trader) = submitted(
        &app,
        &profile_in("24", "GJ", 7, &["handicrafts"], "merchant_exporter", false),
    )
    .await;
    json_of(claim(&app, &f.officer, trader).await, 200).await;
    let list = json_of(
        app.get(&app_path(trader, "/checklist"), Some(&f.officer.token))
            .await,
        200,
    )
    .await;
    assert_eq!(
        list["missing_mandatory"],
        json!(["gstin_verified", "iec_verified", "address_proof"])
    );
    tick_mandatory(&app, &f.officer, trader).await;
    let approved = json_of(
        decide(&app, &f.officer, trader, json!({"decision": "approve"})).await,
        200,
    )
    .await;
    assert_eq!(approved["badge"]["kind"], "verified_exporter");
}

#[tokio::test]
async fn suspension_and_reinstatement() {
    let app = TestApp::spawn().await;
    let f = forum(&app).await;
    let (seller, id) = submitted(&app, &complete_profile()).await;
    approve(&app, &f.officer, id).await;
    let suspend = |who: Session, body: Value| {
        let app = &app;
        async move {
            app.post_json(&app_path(id, "/suspend"), &body, Some(&who.token))
                .await
        }
    };
    let problem = assert_problem(suspend(f.officer.clone(), json!({"note": "x"})).await, 422).await;
    assert_eq!(problem_fields(&problem), ["reason_codes"]);
    assert_problem(
        suspend(
            seller.clone(),
            json!({"reason_codes": ["compliance_breach"]}),
        )
        .await,
        403,
    )
    .await;
    let buyer = app.login_as(Role::Buyer).await;
    assert_problem(
        suspend(buyer, json!({"reason_codes": ["compliance_breach"]})).await,
        404,
    )
    .await;
    let out = json_of(
        suspend(
            f.officer.clone(),
            json!({"reason_codes": ["compliance_breach"], "note": "Shipment held by customs."}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(out["status"], "suspended");
    assert_problem(
        app.get(&format!("/v1/sellers/{id}/public"), None).await,
        404,
    )
    .await;
    assert_problem(
        suspend(
            f.officer.clone(),
            json!({"reason_codes": ["compliance_breach"]}),
        )
        .await,
        409,
    )
    .await;

    // An admin reinstates, with a reason.
    let reinstate = app_path(id, "/reinstate");
    let problem = assert_problem(
        app.post_json(&reinstate, &json!({}), Some(&f.admin.token))
            .await,
        422,
    )
    .await;
    assert_eq!(problem_fields(&problem), ["note"]);
    let out = json_of(
        app.post_json(
            &reinstate,
            &json!({"note": "Customs released the shipment."}),
            Some(&f.admin.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(out["status"], "approved");
    json_of(
        app.get(&format!("/v1/sellers/{id}/public"), None).await,
        200,
    )
    .await;

    let log = audit(&app, &seller, id).await;
    let tail: Vec<(&str, &str)> = log[log.len() - 2..]
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["actor_role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tail,
        [("suspend", "vetting_officer"), ("reinstate", "admin")]
    );
    assert_eq!(
        log[log.len() - 2]["reason_codes"],
        json!(["compliance_breach"])
    );

    let mut conn = app.db().await;
    let events: Vec<String> = outbox_events::table
        .filter(outbox_events::organisation_id.eq(seller.organisation_id))
        .order(outbox_events::id)
        .select(outbox_events::event_type)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        events,
        [
            "seller.submitted",
            "seller.approved",
            "seller.suspended",
            "seller.reinstated"
        ]
    );
}

#[tokio::test]
async fn the_queue_is_ordered_filtered_and_paged() {
    let app = TestApp::spawn().await;
    let f = forum(&app).await;
    // Submitted in this order; expected queue order below.
    let (_, leather_mfr_mh) = submitted(
        &app,
        &profile_in("27", "MH", 1, &["leather"], "manufacturer", true),
    )
    .await;
    let (_, handi_trader_up) = submitted(
        &app,
        &profile_in("09", "UP", 2, &["handicrafts"], "merchant_exporter", true),
    )
    .await;
    let (_, handi_mfr_up) = submitted(
        &app,
        &profile_in("09", "UP", 3, &["handicrafts"], "manufacturer", true),
    )
    .await;
    let (_, tex_trader_tn) = submitted(
        &app,
        &profile_in(
            "33",
            "TN",
            4,
            &["textiles", "leather"],
            "merchant_exporter",
            true,
        ),
    )
    .await;
    let (_, tex_mfr_gj) = submitted(
        &app,
        &profile_in("24", "GJ", 5, &["textiles"], "manufacturer", true),
    )
    .await;
    let (_, tex_mfr_tn_older) = submitted(
        &app,
        &profile_in("33", "TN", 6, &["textiles"], "manufacturer", true),
    )
    .await;
    let mut conn = app.db().await;
    let now = chrono::Utc::now();
    for (id, hours) in [(tex_mfr_tn_older, 5), (leather_mfr_mh, 100)] {
        diesel::update(sellers::table.find(id))
            .set(sellers::submitted_at.eq(now - chrono::Duration::hours(hours)))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let expected = vec![
        tex_mfr_tn_older,
        tex_mfr_gj,
        tex_trader_tn,
        handi_mfr_up,
        handi_trader_up,
        leather_mfr_mh,
    ];
    let all = queue(&app, &f.officer, "").await;
    assert_eq!(ids(&all), expected);
    assert!(all["next_cursor"].is_null());
    let items = all["items"].as_array().unwrap();
    assert_eq!(items[5]["sla_breached"], true);
    assert!(items[5]["age_hours"].as_i64().unwrap() >= 100);
    assert_eq!(items[5]["priority_sector"], false);
    assert_eq!(items[0]["age_hours"], 5);
    let application = json_of(
        app.get(&app_path(leather_mfr_mh, ""), Some(&f.officer.token))
            .await,
        200,
    )
    .await;
    assert_eq!(application["sla_breached"], true);
    assert!(application["age_hours"].as_i64().unwrap() >= 100);
    assert!(items[..5].iter().all(|i| i["sla_breached"] == false));

    // Pages of two follow the same order across the composite key.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = match &cursor {
            Some(c) => format!("limit=2&cursor={c}"),
            None => "limit=2".into(),
        };
        let page = queue(&app, &f.officer, &q).await;
        paged.extend(ids(&page));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, expected);
    assert_eq!(pages, 3);

    // Filters.
    assert_eq!(
        ids(&queue(&app, &f.officer, "sector=handicrafts").await),
        [handi_mfr_up, handi_trader_up]
    );
    assert_eq!(
        ids(&queue(&app, &f.officer, "sector=leather").await),
        [tex_trader_tn, leather_mfr_mh]
    );
    assert_eq!(
        ids(&queue(&app, &f.officer, "state=TN").await),
        [tex_mfr_tn_older, tex_trader_tn]
    );
    assert_eq!(
        ids(&queue(&app, &f.officer, "sla_breached=true").await),
        [leather_mfr_mh]
    );
    assert_eq!(
        ids(&queue(&app, &f.officer, "sla_breached=false").await).len(),
        5
    );
    json_of(claim(&app, &f.officer, handi_trader_up).await, 200).await;
    assert_eq!(
        ids(&queue(&app, &f.officer, "claimed_by_me=true").await),
        [handi_trader_up]
    );
    assert_eq!(
        ids(&queue(&app, &f.officer, "status=under_review").await),
        [handi_trader_up]
    );
    assert_eq!(
        ids(&queue(&app, &f.officer, "status=submitted&state=UP").await),
        [handi_mfr_up]
    );
    for bad in [
        "limit=0",
        "limit=201",
        "cursor=nope",
        "status=pending",
        "sector=toys",
        "state=XX",
        "sla_breached=maybe",
    ] {
        let res = app
            .get(&format!("/v1/vetting/queue?{bad}"), Some(&f.officer.token))
            .await;
        assert_problem(res, 422).await;
    }
}

#[tokio::test]
async fn a_webhook_receiver_gets_the_signed_approval_again_after_a_500() {
    let receiver = StubServer::start(500, "{}").await;
    let app = TestApp::spawn().await;
    let f = forum(&app).await;
    let (seller, id) = complete_seller(&app).await;
    let endpoint = json_of(
        app.post_json(
            "/v1/webhooks",
            &json!({"url": format!("{}/hooks", receiver.url), "event_types": ["seller.approved"]}),
            Some(&seller.token),
        )
        .await,
        201,
    )
    .await;
    let secret = endpoint["secret"].as_str().unwrap().to_owned();
    json_of(submit(&app, &seller).await, 200).await;
    approve(&app, &f.officer, id).await;

    wait_for("first attempt", || receiver.hits() >= 1).await;
    receiver.respond(200, "{}");
    wait_for("retry", || receiver.hits() >= 2).await;
    let requests = receiver.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 2, "only the subscribed event, twice");
    assert_eq!(requests[0].body, requests[1].body);
    for req in &requests {
        assert!(verify(&secret, req), "the signature verifies");
        assert!(!verify("whsec_wrong", req));
        assert_eq!(header(req, "x-exportbridge-event"), "seller.approved");
    }
    let event: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(event["type"], "seller.approved");
    assert_eq!(event["data"]["seller_id"], id.to_string());
    assert_eq!(event["data"]["status"], "approved");
    assert_eq!(event["data"]["from_status"], "under_review");
    assert_eq!(event["data"]["badge"]["kind"], "verified_msme");
    assert_eq!(event["data"]["vetting_body_id"], f.body_id.to_string());
}

#[tokio::test]
async fn approvals_expire_with_an_audit_entry_and_an_event() {
    let app = TestApp::spawn().await;
    let f = forum(&app).await;
    let (seller, id) = submitted(&app, &complete_profile()).await;
    approve(&app, &f.officer, id).await;
    let run = |who: Session| {
        let app = &app;
        async move {
            app.post_json("/v1/admin/vetting/expire-due", &json!({}), Some(&who.token))
                .await
        }
    };
    assert_eq!(json_of(run(f.admin.clone()).await, 200).await["expired"], 0);
    assert_problem(run(f.officer.clone()).await, 403).await;

    let mut conn = app.db().await;
    diesel::update(sellers::table.find(id))
        .set(sellers::valid_until.eq(chrono::Utc::now() - chrono::Duration::minutes(1)))
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(json_of(run(f.admin.clone()).await, 200).await["expired"], 1);
    assert_eq!(json_of(run(f.admin.clone()).await, 200).await["expired"], 0);
    let profile = json_of(
        app.get("/v1/sellers/me/profile", Some(&seller.token)).await,
        200,
    )
    .await;
    assert_eq!(profile["status"], "expired");
    assert_problem(
        app.get(&format!("/v1/sellers/{id}/public"), None).await,
        404,
    )
    .await;

    let log = audit(&app, &seller, id).await;
    let last = log.last().unwrap();
    assert_eq!(last["action"], "expire");
    assert_eq!(last["from_status"], "approved");
    assert_eq!(last["to_status"], "expired");
    assert_eq!(last["actor_role"], "system");
    assert!(last["actor_user_id"].is_null());
    let (event_type, payload): (String, Value) = outbox_events::table
        .filter(outbox_events::organisation_id.eq(seller.organisation_id))
        .order(outbox_events::id.desc())
        .select((outbox_events::event_type, outbox_events::payload))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(event_type, "seller.expired");
    assert_eq!(payload["seller_id"], id.to_string());
    let audit_rows: i64 = seller_audit_log::table
        .filter(seller_audit_log::seller_id.eq(id))
        .filter(seller_audit_log::action.eq("expire"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(audit_rows, 1);

    // An expired seller renews: it may edit again and submit; it goes back to the queue.
    let res = submit(&app, &seller).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let log = audit(&app, &seller, id).await;
    let last = log.last().unwrap();
    assert_eq!(last["from_status"], "expired");
    assert_eq!(last["to_status"], "submitted");
}

#[tokio::test]
async fn vetting_bodies_are_created_by_admins_and_seen_by_their_officers() {
    let app = TestApp::spawn().await;
    // A seller submitting before any body serves its jurisdiction waits unassigned.
    let (early, early_id) = complete_seller(&app).await;
    json_of(submit(&app, &early).await, 200).await;
    let profile = json_of(
        app.get("/v1/sellers/me/profile", Some(&early.token)).await,
        200,
    )
    .await;
    assert!(profile["vetting_body_id"].is_null());

    let admin = app.login_as(Role::Admin).await;
    let new_body = json!({"name": "SME Export Promotion Forum", "jurisdiction": "in", "priority_sectors": ["textiles"], "sla_hours": 48});
    let send = |key: &'static str, body: Value| {
        let app = &app;
        let token = admin.token.clone();
        async move {
            app.client
                .post(app.url("/v1/admin/vetting-bodies"))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let res = send("body-1", new_body.clone()).await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created = json_of(res, 201).await;
    let body_id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/v1/vetting-bodies/{body_id}"));
    assert_eq!(created["jurisdiction"], "IN");
    assert_eq!(created["approval_validity_months"], 12);
    assert_eq!(created["sla_hours"], 48);
    assert!(created["checklist"].as_array().unwrap().len() >= 5);
    let replay = send("body-1", new_body.clone()).await;
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(json_of(replay, 201).await, created);
    assert_problem(
        send("body-1", json!({"name": "Other", "jurisdiction": "IN"})).await,
        422,
    )
    .await;
    let problem = assert_problem(
        send(
            "body-2",
            json!({"name": "", "jurisdiction": "India", "priority_sectors": ["toys"]}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        problem_fields(&problem),
        ["name", "jurisdiction", "priority_sectors[0]"]
    );

    // The waiting seller was assigned to the new body.
    let profile = json_of(
        app.get("/v1/sellers/me/profile", Some(&early.token)).await,
        200,
    )
    .await;
    assert_eq!(profile["vetting_body_id"], body_id);
    // One that slipped through (as if it submitted while the body was being created) is
    // picked up by the sweep.
    let (late, late_id) = complete_seller(&app).await;
    json_of(submit(&app, &late).await, 200).await;
    let mut conn = app.db().await;
    diesel::update(sellers::table.find(late_id))
        .set(sellers::vetting_body_id.eq(None::<Uuid>))
        .execute(&mut conn)
        .await
        .unwrap();
    let run = json_of(
        app.post_json(
            "/v1/admin/vetting/expire-due",
            &json!({}),
            Some(&admin.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(run, json!({"expired": 0, "assigned": 1}));
    let profile = json_of(
        app.get("/v1/sellers/me/profile", Some(&late.token)).await,
        200,
    )
    .await;
    assert_eq!(profile["vetting_body_id"], body_id);
    let officer = app.officer_of(&admin, body_id.parse().unwrap()).await;
    assert_eq!(ids(&queue(&app, &officer, "").await), [early_id, late_id]);

    // Only admins create; admins and auditors list all, officers their own.
    let seller = app.login_as(Role::Seller).await;
    assert_problem(
        app.post_json("/v1/admin/vetting-bodies", &new_body, Some(&officer.token))
            .await,
        403,
    )
    .await;
    let other = app
        .create_vetting_body(&admin, &json!({"name": "Gulf Desk", "jurisdiction": "IN"}))
        .await;
    let auditor = app.login_as(Role::Auditor).await;
    for who in [&admin, &auditor] {
        let list = json_of(app.get("/v1/vetting-bodies", Some(&who.token)).await, 200).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 2);
    }
    let own = json_of(
        app.get("/v1/vetting-bodies", Some(&officer.token)).await,
        200,
    )
    .await;
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
    assert_eq!(own["items"][0]["id"], body_id);
    json_of(app.get(&location, Some(&officer.token)).await, 200).await;
    let other_path = format!("/v1/vetting-bodies/{}", other["id"].as_str().unwrap());
    assert_problem(app.get(&other_path, Some(&officer.token)).await, 404).await;
    assert_problem(app.get(&other_path, Some(&seller.token)).await, 404).await;
    assert_problem(
        app.get("/v1/vetting-bodies", Some(&seller.token)).await,
        403,
    )
    .await;
    let paged = json_of(
        app.get("/v1/vetting-bodies?limit=1", Some(&admin.token))
            .await,
        200,
    )
    .await;
    assert_eq!(paged["items"].as_array().unwrap().len(), 1);
    assert!(paged["next_cursor"].is_string());
}

#[tokio::test]
async fn the_demo_seed_covers_every_lifecycle_state_and_is_idempotent() {
    let app = TestApp::spawn().await;
    exportbridge::seed::run(&app.config).await.unwrap();
    exportbridge::seed::run(&app.config).await.unwrap();
    let mut conn = app.db().await;
    let mut statuses: Vec<(String, Option<String>)> = sellers::table
        .select((sellers::status, sellers::address_state))
        .load(&mut conn)
        .await
        .unwrap();
    statuses.sort();
    let names: Vec<&str> = statuses.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "approved",
            "changes_requested",
            "draft",
            "expired",
            "rejected",
            "submitted",
            "suspended",
            "under_review"
        ]
    );
    let mut states: Vec<String> = statuses.into_iter().filter_map(|(_, s)| s).collect();
    states.dedup();
    assert_eq!(states.len(), 8);

    // The README's demo-account list names sellers' states: each must be what the seed made.
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut named = 0;
    for (at, _) in readme.match_indices("`seller@") {
        let rest = &readme[at + 1..];
        let email = &rest[..rest.find('`').unwrap()];
        let Some(note) = rest[email.len() + 1..].trim_start().strip_prefix('(') else {
            continue;
        };
        let said = note
            .split([',', ')'])
            .next()
            .unwrap()
            .trim()
            .replace(' ', "_");
        let tokens = json_of(app.login(email, "exportbridge-demo").await, 200).await;
        let token = tokens["access_token"].as_str().unwrap();
        let profile = json_of(app.get("/v1/sellers/me/profile", Some(token)).await, 200).await;
        assert_eq!(profile["status"], said, "the README on {email}");
        named += 1;
    }
    assert_eq!(named, 2);

    // The approved demo seller's listings are in the catalogue (once, after two runs).
    let found = json_of(app.get("/v1/catalogue/search?q=cotton", None).await, 200).await;
    let titles: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 3, "{titles:?}");
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["seller"]["trading_name"] == "Tiruppur Cotton Exports")
    );

    // The officers log in with the demo password and see the forum's queue.
    let res = app
        .login("officer1@smeforum.example", "exportbridge-demo")
        .await;
    let token = json_of(res, 200).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let q = json_of(app.get("/v1/vetting/queue", Some(&token)).await, 200).await;
    let open: Vec<&str> = q["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    // Handicrafts (the forum's second priority) before electronics components (its third).
    assert_eq!(open, ["submitted", "under_review"]);
    assert_eq!(
        json_of(
            app.login("officer2@smeforum.example", "exportbridge-demo")
                .await,
            200
        )
        .await["token_type"],
        "Bearer"
    );
}

#[tokio::test]
async fn deciding_a_decided_application_says_its_status_and_what_is_possible() {
    let app = TestApp::spawn().await;
    let f = forum(&app).await;
    let (_, id) = submitted(&app, &complete_profile()).await;
    approve(&app, &f.officer, id).await;
    let again = assert_problem(
        decide(&app, &f.officer, id, json!({"decision": "approve"})).await,
        409,
    )
    .await;
    let detail = again["detail"].as_str().unwrap();
    assert!(detail.contains("already approved"), "{detail}");
    assert!(detail.contains("possible now: suspend"), "{detail}");
    assert!(!detail.contains("claim"), "{detail}");
    let reject = assert_problem(
        decide(
            &app,
            &f.officer,
            id,
            json!({"decision": "reject", "reason_codes": ["ineligible_business"], "note": "x"}),
        )
        .await,
        409,
    )
    .await;
    let detail = reject["detail"].as_str().unwrap();
    assert!(
        detail.contains("the seller is approved")
            && detail.contains("only when it is under review"),
        "{detail}"
    );
    let tick = assert_problem(
        tick(&app, &f.officer, id, "gstin_verified", true).await,
        409,
    )
    .await;
    let detail = tick["detail"].as_str().unwrap();
    assert!(
        detail.contains("approved") && !detail.contains("claim"),
        "{detail}"
    );
}

#[tokio::test]
async fn officers_see_other_holders_of_an_identifier_and_a_gstin_is_approved_once() {
    let app = TestApp::spawn().await;
    let f = forum(&app).await;
    let (first_seller, first) = submitted(&app, &complete_profile()).await;
    approve(&app, &f.officer, first).await;
    // A second business submits the same GSTIN, IEC and Udyam number.
    let (_, copy) = submitted(&app, &complete_profile()).await;
    let (_, other) = submitted(
        &app,
        &profile_in("24", "GJ", 7, &["handicrafts"], "merchant_exporter", false),
    )
    .await;

    let application = json_of(claim(&app, &f.officer, copy).await, 200).await;
    assert_eq!(
        application["same_identifiers"],
        json!([{
            "seller_id": first_seller.organisation_id,
            "legal_name": "Tiruppur Knitwear Exports Private Limited",
            "status": "approved",
            "shared": ["gstin", "iec", "udyam_number"],
        }])
    );
    assert_eq!(application["same_identifiers_truncated"], false);
    let read = json_of(
        app.get(&app_path(copy, ""), Some(&f.officer.token)).await,
        200,
    )
    .await;
    assert_eq!(read["same_identifiers"], application["same_identifiers"]);
    let unrelated = json_of(
        app.get(&app_path(other, ""), Some(&f.officer.token)).await,
        200,
    )
    .await;
    assert_eq!(unrelated["same_identifiers"], json!([]));

    // The approval is refused while the first seller holds the GSTIN, with a stable type.
    tick_mandatory(&app, &f.officer, copy).await;
    let problem = assert_problem(
        decide(&app, &f.officer, copy, json!({"decision": "approve"})).await,
        409,
    )
    .await;
    assert_eq!(
        problem["type"],
        "https://exportbridge.dev/problems/duplicate-identifier"
    );
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains(&first_seller.organisation_id.to_string()),
        "{detail}"
    );
    let still = json_of(
        app.get(&app_path(copy, ""), Some(&f.officer.token)).await,
        200,
    )
    .await;
    assert_eq!(still["status"], "under_review");

    // Once the first seller is suspended, the approval goes through.
    json_of(
        app.post_json(
            &app_path(first, "/suspend"),
            &json!({"reason_codes": ["registration_cancelled"], "note": "GSTIN transferred"}),
            Some(&f.officer.token),
        )
        .await,
        200,
    )
    .await;
    let approved = json_of(
        decide(&app, &f.officer, copy, json!({"decision": "approve"})).await,
        200,
    )
    .await;
    assert_eq!(approved["status"], "approved");
    // Reinstating the first seller would approve the GSTIN twice: refused the same way.
    let problem = assert_problem(
        app.post_json(
            &app_path(first, "/reinstate"),
            &json!({"note": "Inquiry closed"}),
            Some(&f.officer.token),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(
        problem["type"],
        "https://exportbridge.dev/problems/duplicate-identifier"
    );
}

#[tokio::test]
async fn the_sweep_assigns_several_waiting_applications_at_once() {
    let app = TestApp::spawn().await;
    let f = forum(&app).await;
    let electronics = app
        .create_vetting_body(
            &f.admin,
            &json!({"name": "Electronics Desk", "jurisdiction": "IN", "priority_sectors": ["electronics_components"]}),
        )
        .await;
    let electronics: Uuid = electronics["id"].as_str().unwrap().parse().unwrap();
    let mut expected = Vec::new();
    for (n, sector, body) in [
        (1, "textiles", f.body_id),
        (2, "electronics_components", electronics),
        (3, "chemicals", f.body_id),
        (4, "electronics_components", electronics),
        (5, "handicrafts", f.body_id),
    ] {
        let (_, id) = submitted(
            &app,
            &profile_in("27", "MH", n, &[sector], "merchant_exporter", false),
        )
        .await;
        expected.push((id, body));
    }
    let mut conn = app.db().await;
    diesel::update(sellers::table)
        .set(sellers::vetting_body_id.eq(None::<Uuid>))
        .execute(&mut conn)
        .await
        .unwrap();
    let run = json_of(
        app.post_json(
            "/v1/admin/vetting/expire-due",
            &json!({}),
            Some(&f.admin.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(run, json!({"expired": 0, "assigned": 5}));
    for (id, body) in expected {
        let assigned: Option<Uuid> = sellers::table
            .find(id)
            .select(sellers::vetting_body_id)
            .first(&mut conn)
            .await
            .unwrap();
        assert_eq!(assigned, Some(body), "{id}");
    }
    // Nothing is left to assign.
    let again = json_of(
        app.post_json(
            "/v1/admin/vetting/expire-due",
            &json!({}),
            Some(&f.admin.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(again["assigned"], 0);
}

#[tokio::test]
async fn a_body_with_200_bad_fields_gets_50_and_the_count_of_the_rest() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let checklist: Vec<Value> = (0..50)
        .map(|_| json!({"code": "Bad Code", "label": "", "mandatory": true}))
        .collect();
    let reasons: Vec<Value> = (0..50)
        .map(|_| json!({"code": "Bad Code", "label": "", "kind": "rejection"}))
        .collect();
    let body = json!({"name": "Forum", "jurisdiction": "IN", "checklist": checklist, "reason_codes": reasons});
    let res = app
        .post_json("/v1/admin/vetting-bodies", &body, Some(&admin.token))
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(problem_fields(&problem).len(), 50);
    assert_eq!(problem["errors_omitted"], 150);

    // An over-long list is one error, whatever its items.
    let checklist: Vec<Value> = (0..51)
        .map(|_| json!({"code": "Bad Code", "label": "", "mandatory": true}))
        .collect();
    let res = app
        .post_json(
            "/v1/admin/vetting-bodies",
            &json!({"name": "Forum", "jurisdiction": "IN", "checklist": checklist, "priority_sectors": vec!["x"; 10]}),
            Some(&admin.token),
        )
        .await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(problem_fields(&problem), ["priority_sectors", "checklist"]);
}

#[tokio::test]
async fn body_edits_need_if_match_and_applications_in_review_keep_their_version() {
    let app = TestApp::spawn().await;
    let f = forum(&app).await;
    let path = format!("/v1/admin/vetting-bodies/{}", f.body_id);
    let res = app
        .get(
            &format!("/v1/vetting-bodies/{}", f.body_id),
            Some(&f.admin.token),
        )
        .await;
    let tag = etag_of(&res);
    let before = json_of(res, 200).await;
    assert_eq!(before["version"], 1);
    assert_eq!(tag, "\"1\"");

    // An application claimed before the edit, one submitted but not yet claimed.
    let (_, early) = submitted(&app, &complete_profile()).await;
    let claimed = json_of(claim(&app, &f.officer, early).await, 200).await;
    assert_eq!(claimed["vetting_body_version"], 1);
    let (_, late) = submitted(
        &app,
        &profile_in("27", "MH", 7, &["textiles"], "manufacturer", true),
    )
    .await;

    // The edit: a new mandatory item, a reason code replaced, other settings.
    let mut checklist = before["checklist"].as_array().unwrap().clone();
    checklist.push(
        json!({"code": "export_licence", "label": "Export licence checked", "mandatory": true}),
    );
    let reasons = json!([
        {"code": "ineligible_business", "label": "The business is not eligible", "kind": "rejection"},
        {"code": "document_expired", "label": "A document has expired", "kind": "changes"},
        {"code": "compliance_breach", "label": "Export compliance breach", "kind": "suspension"}
    ]);
    let edit = json!({
        "name": "SME Export Promotion Council", "priority_sectors": ["handicrafts", "textiles"],
        "approval_validity_months": 24, "sla_hours": 48,
        "checklist": checklist, "reason_codes": reasons
    });
    let put = |token: &str, if_match: Option<&str>, body: &Value| {
        let mut req = app.client.put(app.url(&path)).bearer_auth(token).json(body);
        if let Some(tag) = if_match {
            req = req.header("If-Match", tag);
        }
        req.send()
    };
    // Who may: admins only; without or with a stale If-Match nothing changes.
    assert_problem(put(&f.officer.token, Some(&tag), &edit).await.unwrap(), 403).await;
    let auditor = app.login_as(Role::Auditor).await;
    assert_problem(put(&auditor.token, Some(&tag), &edit).await.unwrap(), 403).await;
    assert_problem(
        app.request(Method::PUT, &path, None, Some(&edit)).await,
        401,
    )
    .await;
    assert_problem(put(&f.admin.token, None, &edit).await.unwrap(), 428).await;
    assert_problem(
        put(&f.admin.token, Some("\"7\""), &edit).await.unwrap(),
        412,
    )
    .await;
    let other = format!("/v1/admin/vetting-bodies/{}", Uuid::now_v7());
    let res = app
        .client
        .put(app.url(&other))
        .bearer_auth(&f.admin.token)
        .header("If-Match", "\"1\"")
        .json(&edit)
        .send()
        .await
        .unwrap();
    assert_problem(res, 404).await;
    // Bad fields are all reported; the jurisdiction cannot be changed.
    let bad = json!({"name": "", "priority_sectors": ["toys"], "approval_validity_months": 0,
                     "sla_hours": 48, "checklist": [], "reason_codes": reasons});
    let fields = problem_fields(
        &assert_problem(put(&f.admin.token, Some(&tag), &bad).await.unwrap(), 422).await,
    );
    assert_eq!(
        fields,
        [
            "name",
            "priority_sectors[0]",
            "approval_validity_months",
            "checklist"
        ]
    );
    let mut moved = edit.clone();
    moved["jurisdiction"] = json!("BD");
    assert_problem(put(&f.admin.token, Some(&tag), &moved).await.unwrap(), 422).await;

    let res = put(&f.admin.token, Some(&tag), &edit).await.unwrap();
    assert_eq!(etag_of(&res), "\"2\"");
    let after = json_of(res, 200).await;
    assert_eq!(after["version"], 2);
    assert_eq!(after["name"], "SME Export Promotion Council");
    assert_eq!(after["sla_hours"], 48);
    assert_eq!(after["jurisdiction"], "IN");
    assert!(after["updated_at"].is_string());
    // The same If-Match again is stale now.
    assert_problem(put(&f.admin.token, Some(&tag), &edit).await.unwrap(), 412).await;

    // The application in review keeps version 1: its checklist and reason codes.
    let codes = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let early_list = json_of(
        app.get(&app_path(early, "/checklist"), Some(&f.officer.token))
            .await,
        200,
    )
    .await;
    assert!(!codes(&early_list).contains(&"export_licence".to_owned()));
    let app_view = json_of(
        app.get(&app_path(early, ""), Some(&f.officer.token)).await,
        200,
    )
    .await;
    assert_eq!(app_view["vetting_body_version"], 1);
    let res = decide(
        &app,
        &f.officer,
        early,
        json!({"decision": "request_changes", "reason_codes": ["document_expired"], "note": "x"}),
    )
    .await;
    assert_eq!(
        problem_fields(&assert_problem(res, 422).await),
        ["reason_codes[0]"]
    );
    json_of(
        decide(
            &app,
            &f.officer,
            early,
            json!({"decision": "request_changes", "reason_codes": ["document_illegible"], "note": "x"}),
        )
        .await,
        200,
    )
    .await;

    // The one claimed after the edit works version 2.
    let claimed = json_of(claim(&app, &f.officer, late).await, 200).await;
    assert_eq!(claimed["vetting_body_version"], 2);
    let late_list = json_of(
        app.get(&app_path(late, "/checklist"), Some(&f.officer.token))
            .await,
        200,
    )
    .await;
    assert!(codes(&late_list).contains(&"export_licence".to_owned()));
    assert!(
        late_list["missing_mandatory"]
            .as_array()
            .unwrap()
            .contains(&json!("export_licence"))
    );
    let res = decide(
        &app,
        &f.officer,
        late,
        json!({"decision": "request_changes", "reason_codes": ["document_illegible"], "note": "x"}),
    )
    .await;
    assert_eq!(
        problem_fields(&assert_problem(res, 422).await),
        ["reason_codes[0]"]
    );
    json_of(
        decide(
            &app,
            &f.officer,
            late,
            json!({"decision": "request_changes", "reason_codes": ["document_expired"], "note": "x"}),
        )
        .await,
        200,
    )
    .await;
}
