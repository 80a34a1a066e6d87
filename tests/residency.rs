//! Logical replication of seller data to the in-country store, on the real clusters: writes of
//! an IN seller arrive (updates and deletes too) and a non-IN seller's do not; `residency setup`
//! twice is harmless; a disabled and re-enabled subscription loses nothing; `residency verify`
//! finds no drift after catching up and names the table and key range of drift made on purpose;
//! localised payout accounts never reach the platform store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::TestApp;
use common::residency::*;
use common::sellers::*;
use common::vetting::*;
use diesel_async::SimpleAsyncConnection;
use serde_json::{Value, json};
use uuid::Uuid;

const DEADLINE: Duration = Duration::from_secs(20);

/// Polls the copy until `sql` returns `want` rows, for up to [`DEADLINE`].
async fn until_copy_has(app: &TestApp, sql: &str, want: i64) {
    let mut conn = copy(app).await;
    let start = Instant::now();
    loop {
        let n = count(&mut conn, sql).await;
        if n == want {
            return;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the copy still has {n} row(s), not {want}, of: {sql}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn setup(app: &TestApp) -> Vec<exportbridge::residency::SetupOutcome> {
    exportbridge::residency::setup(&app.config).await.unwrap()
}

/// Waits for the copy to catch up, then compares (panics if it does not catch up in time).
async fn verify(app: &TestApp) -> exportbridge::residency::VerifyReport {
    exportbridge::residency::verify(&app.config, DEADLINE)
        .await
        .unwrap()
}

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

fn run(cmd: &mut Command) -> (i32, String) {
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.code().is_some(),
        "killed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let code = out.status.code().unwrap();
    if code != 0 && code != 3 {
        panic!(
            "exit {code}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    (code, stdout)
}

#[tokio::test]
async fn an_in_sellers_writes_reach_the_copy_and_a_foreign_sellers_do_not() {
    let app = TestApp::spawn().await;
    let created = setup(&app).await;
    assert!(
        created[0]
            .changes
            .iter()
            .any(|c| c.contains("created subscription")),
        "{created:?}"
    );
    let (seller, seller_id, _) = approved_seller(&app).await;
    let listing = create_listing(&app, &seller, "Organic cotton tees").await;

    until_copy_has(
        &app,
        &format!(
            "SELECT 1 FROM sellers WHERE id = '{seller_id}' AND status = 'approved' \
               AND legal_name IS NOT NULL AND contacts <> '[]'"
        ),
        1,
    )
    .await;
    until_copy_has(
        &app,
        &format!("SELECT 1 FROM listings WHERE id = '{listing}' AND title = 'Organic cotton tees'"),
        1,
    )
    .await;
    until_copy_has(
        &app,
        &format!("SELECT 1 FROM seller_documents WHERE seller_id = '{seller_id}'"),
        3,
    )
    .await;
    until_copy_has(
        &app,
        &format!(
            "SELECT 1 FROM seller_audit_log WHERE seller_id = '{seller_id}' AND action = 'approve'"
        ),
        1,
    )
    .await;
    until_copy_has(
        &app,
        &format!("SELECT 1 FROM listing_audit_log WHERE listing_id = '{listing}'"),
        1,
    )
    .await;
    until_copy_has(
        &app,
        &format!(
            "SELECT 1 FROM organisations WHERE id = '{}'",
            seller.organisation_id
        ),
        1,
    )
    .await;
    // The search document is computed on the copy from the replicated columns.
    let mut c = copy(&app).await;
    assert!(
        text(
            &mut c,
            &format!("SELECT search_vector::text AS t FROM listings WHERE id = '{listing}'")
        )
        .await
        .unwrap()
        .contains("cotton")
    );

    // Sellers register from served jurisdictions only (IN today), so a foreign seller is
    // written with SQL: a US organisation and its seller.
    let org = Uuid::now_v7();
    let foreign = Uuid::now_v7();
    let mut platform = app.db().await;
    platform
        .batch_execute(&format!(
            "INSERT INTO organisations (id, kind, name, country_code, home_jurisdiction) \
                  VALUES ('{org}', 'seller', 'Acme Export Inc', 'US', 'US'); \
             INSERT INTO sellers (id, organisation_id, legal_name, home_jurisdiction) \
                  VALUES ('{foreign}', '{org}', 'Acme Export Inc', 'US');"
        ))
        .await
        .unwrap();
    // verify waits until the copy has applied everything written so far.
    let report = verify(&app).await;
    assert!(!report.drifted(), "{report:?}");
    assert_eq!(
        count(
            &mut c,
            &format!("SELECT 1 FROM sellers WHERE id = '{foreign}'")
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &mut c,
            &format!("SELECT 1 FROM organisations WHERE id = '{org}'")
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT 1 FROM sellers WHERE home_jurisdiction <> 'IN'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn updates_and_deletes_follow() {
    let app = TestApp::spawn().await;
    setup(&app).await;
    let (seller, seller_id, _) = approved_seller(&app).await;
    let listing = create_listing(&app, &seller, "Brass diyas").await;
    until_copy_has(
        &app,
        &format!("SELECT 1 FROM listings WHERE id = '{listing}'"),
        1,
    )
    .await;

    // An update through the API.
    let res = app
        .client
        .put(app.url(&format!("/v1/listings/{listing}")))
        .bearer_auth(&seller.token)
        .header("If-Match", "\"1\"")
        .json(&listing_body("Brass diyas, hand-polished"))
        .send()
        .await
        .unwrap();
    json_of(res, 200).await;
    until_copy_has(
        &app,
        &format!(
            "SELECT 1 FROM listings WHERE id = '{listing}' \
               AND title = 'Brass diyas, hand-polished' AND version = 2"
        ),
        1,
    )
    .await;

    // A delete on the platform (an erased document's metadata).
    let mut c = copy(&app).await;
    let doc = text(
        &mut c,
        &format!("SELECT id::text AS t FROM seller_documents WHERE seller_id = '{seller_id}' ORDER BY id LIMIT 1"),
    )
    .await
    .unwrap();
    app.db()
        .await
        .batch_execute(&format!("DELETE FROM seller_documents WHERE id = '{doc}'"))
        .await
        .unwrap();
    until_copy_has(
        &app,
        &format!("SELECT 1 FROM seller_documents WHERE id = '{doc}'"),
        0,
    )
    .await;
    until_copy_has(
        &app,
        &format!("SELECT 1 FROM seller_documents WHERE seller_id = '{seller_id}'"),
        2,
    )
    .await;

    // A row that leaves the jurisdiction leaves the copy (the filter turns the update into a
    // delete there).
    let mut platform = app.db().await;
    platform
        .batch_execute(&format!(
            "UPDATE seller_documents SET home_jurisdiction = 'US' \
              WHERE id = (SELECT id FROM seller_documents WHERE seller_id = '{seller_id}' ORDER BY id LIMIT 1)"
        ))
        .await
        .unwrap();
    until_copy_has(
        &app,
        &format!("SELECT 1 FROM seller_documents WHERE seller_id = '{seller_id}'"),
        1,
    )
    .await;
    assert!(!verify(&app).await.drifted());
}

#[tokio::test]
async fn setup_twice_is_harmless() {
    let app = TestApp::spawn().await;
    let (first_code, first) = run(cli(&app).args(["residency", "setup"]));
    assert_eq!(first_code, 0);
    assert!(
        first.contains("created publication seller_data_in"),
        "{first}"
    );
    assert!(
        first.contains("created subscription seller_data_in"),
        "{first}"
    );
    let (code, again) = run(cli(&app).args(["residency", "setup", "--json"]));
    assert_eq!(code, 0);
    let again: Value = serde_json::from_str(&again).unwrap();
    assert_eq!(again[0]["changes"], json!([]), "{again}");
    // The library agrees, and one publication, one subscription and one slot exist.
    assert!(setup(&app).await[0].changes.is_empty());
    let mut c = copy(&app).await;
    assert_eq!(
        count(
            &mut c,
            "SELECT 1 FROM pg_subscription WHERE subdbid = \
               (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        .await,
        1
    );
    let mut platform = app.db().await;
    assert_eq!(
        count(&mut platform, "SELECT 1 FROM pg_publication").await,
        1
    );
    assert_eq!(
        count(
            &mut platform,
            "SELECT 1 FROM pg_replication_slots WHERE database = current_database()"
        )
        .await,
        1
    );

    // Still replicating, and healthy.
    let (seller, _, _) = approved_seller(&app).await;
    let listing = create_listing(&app, &seller, "Jute bags").await;
    until_copy_has(
        &app,
        &format!("SELECT 1 FROM listings WHERE id = '{listing}'"),
        1,
    )
    .await;
    // Healthy once every table has finished its initial copy (table-sync workers are shared
    // by every subscription of the cluster, so a table may still be copying; polled, no sleep).
    let start = Instant::now();
    let status = loop {
        let (_, status) = run(cli(&app).args(["residency", "status", "--json"]));
        let status: Value = serde_json::from_str(&status).unwrap();
        if status[0]["healthy"] == true {
            break status;
        }
        assert!(start.elapsed() < DEADLINE, "not healthy: {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(status[0]["tables_ready"], status[0]["tables"]);
    assert_eq!(status[0]["subscription_enabled"], true);
    assert!(status[0]["worker_pid"].is_number());
    assert!(status[0]["lag_bytes"].is_number());
    let (_, table) = run(cli(&app).args(["residency", "status"]));
    assert!(table.contains("seller_data_in_eb_test_"), "{table}");
}

#[tokio::test]
async fn a_disabled_and_re_enabled_subscription_loses_nothing() {
    let app = TestApp::spawn().await;
    setup(&app).await;
    let (seller, _, _) = approved_seller(&app).await;
    let first = create_listing(&app, &seller, "Coir mats").await;
    until_copy_has(
        &app,
        &format!("SELECT 1 FROM listings WHERE id = '{first}'"),
        1,
    )
    .await;

    let mut c = copy(&app).await;
    c.batch_execute("ALTER SUBSCRIPTION seller_data_in DISABLE")
        .await
        .unwrap();
    // The worker stops; the slot keeps the WAL meanwhile.
    until_copy_has(
        &app,
        // pg_stat_subscription is cluster-wide: every test database has a seller_data_in.
        "SELECT 1 FROM pg_stat_subscription w JOIN pg_subscription s ON s.oid = w.subid \
          WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
            AND w.pid IS NOT NULL",
        0,
    )
    .await;
    let status = exportbridge::residency::status(&app.config).await.unwrap();
    assert!(!status[0].healthy && !status[0].subscription_enabled);

    let mut made = Vec::new();
    for i in 0..20 {
        made.push(create_listing(&app, &seller, &format!("Coir mats, batch {i}")).await);
    }
    let list = made
        .iter()
        .map(|id| format!("'{id}'"))
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(
        count(
            &mut c,
            &format!("SELECT 1 FROM listings WHERE id IN ({list})")
        )
        .await,
        0,
        "nothing arrives while disabled"
    );

    // Setup puts it right: enabled again, everything made meanwhile arrives.
    let outcome = setup(&app).await;
    assert!(
        outcome[0].changes.iter().any(|c| c.contains("enabled")),
        "{outcome:?}"
    );
    until_copy_has(
        &app,
        &format!("SELECT 1 FROM listings WHERE id IN ({list})"),
        20,
    )
    .await;
    assert!(!verify(&app).await.drifted());
}

#[tokio::test]
async fn verify_finds_no_drift_after_catching_up_and_names_drift_made_on_purpose() {
    let app = TestApp::spawn().await;
    setup(&app).await;
    let (seller, seller_id, _) = approved_seller(&app).await;
    for i in 0..3 {
        create_listing(&app, &seller, &format!("Handloom scarves {i}")).await;
    }
    // No polling first: verify itself waits for the copy.
    let (code, out) = run(cli(&app).args(["residency", "verify", "--wait", "20s"]));
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("DRIFT"), "{out}");

    // Drift: a row deleted from the copy behind replication's back.
    let mut c = copy(&app).await;
    let doc = text(
        &mut c,
        &format!("SELECT id::text AS t FROM seller_documents WHERE seller_id = '{seller_id}' ORDER BY id LIMIT 1"),
    )
    .await
    .unwrap();
    c.batch_execute(&format!("DELETE FROM seller_documents WHERE id = '{doc}'"))
        .await
        .unwrap();
    let (code, out) = run(cli(&app).args(["residency", "verify", "--json"]));
    assert_eq!(code, 3, "{out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let tables = report["jurisdictions"][0]["tables"].as_array().unwrap();
    let drifting: Vec<&Value> = tables.iter().filter(|t| t["in_sync"] == false).collect();
    assert_eq!(drifting.len(), 1, "{out}");
    assert_eq!(drifting[0]["table"], "seller_documents");
    assert_eq!(
        drifting[0]["platform_rows"].as_i64().unwrap(),
        drifting[0]["copy_rows"].as_i64().unwrap() + 1
    );
    let ranges = drifting[0]["drift"].as_array().unwrap();
    assert_eq!(ranges.len(), 1, "{out}");
    let (from, to) = (
        ranges[0]["from"].as_str().unwrap(),
        ranges[0]["to"].as_str().unwrap(),
    );
    assert!(
        from <= doc.as_str() && doc.as_str() <= to,
        "{doc} in {from}..{to}"
    );
    assert_eq!(ranges[0]["platform_rows"], 1);
    assert_eq!(ranges[0]["copy_rows"], 0);
    // The readable form names the table and the range too.
    let (code, out) = run(cli(&app).args(["residency", "verify"]));
    assert_eq!(code, 3);
    assert!(
        out.contains("seller_documents") && out.contains(from),
        "{out}"
    );
}

#[tokio::test]
async fn payout_accounts_stay_in_the_country() {
    let app = TestApp::spawn().await;
    setup(&app).await;
    // approved_seller gives the seller a payout account through the API.
    let (_, seller_id, _) = approved_seller(&app).await;
    let mut platform = app.db().await;
    assert_eq!(
        count(&mut platform, "SELECT 1 FROM payout_accounts").await,
        0
    );
    let mut c = copy(&app).await;
    assert_eq!(
        count(
            &mut c,
            &format!("SELECT 1 FROM payout_accounts WHERE seller_id = '{seller_id}'")
        )
        .await,
        1
    );
    // The platform keeps the masked summary, which is replicated like the rest of the profile.
    until_copy_has(
        &app,
        &format!("SELECT 1 FROM sellers WHERE id = '{seller_id}' AND payout_last4 IS NOT NULL"),
        1,
    )
    .await;
    assert_eq!(
        count(
            &mut platform,
            "SELECT 1 FROM pg_publication_tables WHERE tablename = 'payout_accounts'"
        )
        .await,
        0
    );
    assert!(!verify(&app).await.drifted());
    // Replication did not remove the copy's localised rows either.
    assert_eq!(count(&mut c, "SELECT 1 FROM payout_accounts").await, 1);
}

#[tokio::test]
async fn an_erasure_reaches_the_copy() {
    let app = TestApp::spawn().await;
    setup(&app).await;
    let (seller, seller_id, _) = approved_seller(&app).await;
    let of_seller = format!("(id = '{seller_id}' OR organisation_id = '{seller_id}')");
    until_copy_has(
        &app,
        &format!("SELECT 1 FROM sellers WHERE {of_seller} AND jsonb_array_length(contacts) = 1"),
        1,
    )
    .await;
    until_copy_has(
        &app,
        &format!("SELECT 1 FROM seller_documents WHERE seller_id IN (SELECT id FROM sellers WHERE {of_seller})"),
        3,
    )
    .await;

    let res = app
        .post_json(
            &format!("/v1/sellers/{seller_id}/erasure"),
            &json!({"categories": ["contacts", "documents"], "reason": "data_principal_request"}),
            Some(&seller.token),
        )
        .await;
    json_of(res, 200).await;

    // The copy loses the contacts and the documents' metadata, and gains the audit entry.
    until_copy_has(
        &app,
        &format!("SELECT 1 FROM sellers WHERE {of_seller} AND contacts = '[]'::jsonb"),
        1,
    )
    .await;
    until_copy_has(
        &app,
        &format!("SELECT 1 FROM seller_documents WHERE seller_id IN (SELECT id FROM sellers WHERE {of_seller})"),
        0,
    )
    .await;
    until_copy_has(
        &app,
        &format!(
            "SELECT 1 FROM seller_audit_log WHERE action = 'erase' \
               AND seller_id IN (SELECT id FROM sellers WHERE {of_seller})"
        ),
        1,
    )
    .await;
    assert!(!verify(&app).await.drifted());
}

/// Polls `path` (as `token`) until `done` holds for its body, for up to [`DEADLINE`].
async fn until_body(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    done: impl Fn(&str) -> bool,
) -> String {
    let start = Instant::now();
    loop {
        let body = app.get(path, token).await.text().await.unwrap();
        if done(&body) {
            return body;
        }
        assert!(start.elapsed() < DEADLINE, "{path} still answers {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn auditors_read_status_and_drift_and_readyz_and_metrics_report_replication() {
    let app = TestApp::spawn_with(|c| c.replication_monitor_secs = 1).await;
    let auditor = app.login_as(exportbridge::auth::Role::Auditor).await;
    // Before setup: reported unhealthy, and readiness does not depend on it.
    let ready = json_of(app.get("/readyz", None).await, 200).await;
    assert_eq!(ready["replication"][0]["jurisdiction"], "IN");
    assert_eq!(ready["replication"][0]["healthy"], false);

    setup(&app).await;
    let (_seller, _, _) = approved_seller(&app).await;
    let status = until_body(&app, "/v1/residency/status", Some(&auditor.token), |b| {
        b.contains("\"healthy\":true")
    })
    .await;
    let status: Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status[0]["jurisdiction"], "IN");
    assert_eq!(status[0]["subscription_enabled"], true);
    assert!(status[0]["lag_bytes"].is_i64());

    let answer = json_of(
        app.get("/v1/residency/verify?wait_seconds=20", Some(&auditor.token))
            .await,
        200,
    )
    .await;
    assert_eq!(answer["drifted"], false);
    let tables = answer["jurisdictions"][0]["tables"].as_array().unwrap();
    assert!(
        tables
            .iter()
            .any(|t| t["table"] == "sellers" && t["copy_rows"].as_i64() >= Some(1))
    );

    // The monitor's view reaches /readyz and /metrics.
    until_body(&app, "/readyz", None, |b| b.contains("\"healthy\":true")).await;
    let metrics = until_body(&app, "/metrics", None, |b| {
        b.contains("exportbridge_replication_healthy{jurisdiction=\"IN\"} 1")
    })
    .await;
    assert!(metrics.contains("exportbridge_replication_lag_bytes{jurisdiction=\"IN\"}"));
    assert!(metrics.contains("exportbridge_replication_lag_seconds{jurisdiction=\"IN\"}"));

    // Who may ask, and a bad wait.
    for path in ["/v1/residency/status", "/v1/residency/verify"] {
        common::assert_problem(app.get(path, None).await, 401).await;
        let seller = app.login_as(exportbridge::auth::Role::Seller).await;
        common::assert_problem(app.get(path, Some(&seller.token)).await, 403).await;
    }
    let problem = common::assert_problem(
        app.get("/v1/residency/verify?wait_seconds=0", Some(&auditor.token))
            .await,
        422,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "wait_seconds");
}

#[tokio::test]
async fn auditors_read_an_indian_sellers_record_from_the_in_country_store() {
    let app = TestApp::spawn().await;
    setup(&app).await;
    let (_seller, seller_id, _) = approved_seller(&app).await;
    let auditor = app.login_as(exportbridge::auth::Role::Auditor).await;
    let path = format!("/v1/residency/sellers/{seller_id}");
    let record = until_body(&app, &path, Some(&auditor.token), |b| {
        b.contains("\"store\":\"in_country:IN\"")
    })
    .await;
    let record: Value = serde_json::from_str(&record).unwrap();
    assert_eq!(record["jurisdiction"], "IN");
    assert_eq!(record["profile"]["trading_name"], "Tiruppur Knits");
    // The payout account exists only in the country; it is read there (number masked).
    let payout = &record["payout_account"];
    assert_eq!(
        payout["account_number_masked"],
        format!("XXXX{}", &ACCOUNT_NUMBER[10..])
    );
    assert_eq!(payout["ifsc"], "HDFC0001234");
    assert!(!record.to_string().contains(ACCOUNT_NUMBER));

    // Read from the copy, not the platform: a value only the copy has (drift made on purpose)
    // is what the auditor sees, while the platform still answers its own.
    copy(&app)
        .await
        .batch_execute(&format!(
            "UPDATE sellers SET trading_name = 'Copy-only name' \
              WHERE id = '{seller_id}' OR organisation_id = '{seller_id}'"
        ))
        .await
        .unwrap();
    let record = json_of(app.get(&path, Some(&auditor.token)).await, 200).await;
    assert_eq!(record["profile"]["trading_name"], "Copy-only name");
    let platform = json_of(
        app.get(&format!("/v1/sellers/{seller_id}"), Some(&auditor.token))
            .await,
        200,
    )
    .await;
    assert_eq!(platform["trading_name"], "Tiruppur Knits");

    // Who may read it; an unknown seller.
    common::assert_problem(app.get(&path, None).await, 401).await;
    for role in [
        exportbridge::auth::Role::Seller,
        exportbridge::auth::Role::Buyer,
    ] {
        let other = app.login_as(role).await;
        common::assert_problem(app.get(&path, Some(&other.token)).await, 403).await;
    }
    common::assert_problem(
        app.get(
            &format!("/v1/residency/sellers/{}", Uuid::now_v7()),
            Some(&auditor.token),
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn leads_and_quotes_reach_the_copy_and_trades_stay_in_the_country() {
    use common::rfq::*;
    let app = TestApp::spawn().await;
    setup(&app).await;
    let f = forum(&app).await;
    app.post_rates(
        &f.admin,
        &[("USD", "INR", "84.00"), ("EUR", "INR", "90.00")],
    )
    .await;
    let (s, seller_id) = seller(&app, &f, 1, true).await;
    publish(&app, &s, &TSHIRTS).await;
    let b = buyer(&app).await;
    let rfq = post_rfq(&app, &b, &rfq_body()).await;
    let q = quote(
        &app,
        &s,
        rfq["id"].as_str().unwrap(),
        &quote_body("3.25", 2000),
    )
    .await;
    let quote_id = q["id"].as_str().unwrap();
    json_of(
        app.post_json(
            &format!("/v1/quotes/{quote_id}/accept"),
            &json!({}),
            Some(&b.token),
        )
        .await,
        201,
    )
    .await;

    for sql in [
        format!("SELECT 1 FROM rfq_leads WHERE seller_id = '{seller_id}'"),
        format!("SELECT 1 FROM quotes WHERE id = '{quote_id}' AND status = 'accepted'"),
        format!("SELECT 1 FROM quote_revisions WHERE quote_id = '{quote_id}'"),
    ] {
        until_copy_has(&app, &sql, 1).await;
    }
    // The trade's record: in the in-country store only, and never published.
    let mut platform = app.db().await;
    assert_eq!(count(&mut platform, "SELECT 1 FROM trade_records").await, 0);
    assert_eq!(count(&mut platform, "SELECT 1 FROM trades").await, 1);
    assert_eq!(
        count(
            &mut platform,
            "SELECT 1 FROM pg_publication_tables WHERE tablename IN ('trade_records', 'rfqs', 'buyer_profiles')"
        )
        .await,
        0,
        "buyers' data and trade records are not published"
    );
    let mut c = copy(&app).await;
    assert_eq!(
        count(
            &mut c,
            &format!("SELECT 1 FROM trade_records WHERE quote_id = '{quote_id}'")
        )
        .await,
        1
    );
    assert!(!verify(&app).await.drifted());
}
