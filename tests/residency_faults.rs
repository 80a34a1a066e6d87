//! Fault tests of residency on a dedicated pair of clusters: the in-country (IN) cluster is
//! stopped, 1,000 changes of IN seller data are made on the platform, and it is started again;
//! every change arrives and `residency verify` finds no drift (five cycles). While it is down a
//! localised write (a payout account; accepting a quote, whose trade record is written
//! in-country) answers 503 and writes nothing anywhere, and the rest of the API keeps working.
//!
//! These tests stop a cluster, so they run only when `EXPORTBRIDGE_FAULT_CLUSTERS=1` is set (by
//! the "fault tests on their own clusters" step of `scripts/test`, which points the store URLs at
//! their own pair and sets `EXPORTBRIDGE_FAULT_IN_DIR`, `EXPORTBRIDGE_PG_BIN` and the
//! `scripts/pg` variables of that pair); otherwise they skip.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use common::residency::*;
use common::sellers::*;
use common::vetting::*;
use common::{Session, TestApp};
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use serde_json::json;
use uuid::Uuid;

const DEADLINE: Duration = Duration::from_secs(60);
const CYCLES: usize = 5;
/// Row changes per cycle: 600 inserts, 300 updates, 100 deletes.
const CHANGES: i64 = 1_000;

/// Whether this run may stop clusters (else the reason to skip).
fn fault_clusters() -> Result<(String, PathBuf), String> {
    if std::env::var("EXPORTBRIDGE_FAULT_CLUSTERS").as_deref() != Ok("1") {
        return Err(
            "EXPORTBRIDGE_FAULT_CLUSTERS=1 is not set (scripts/test sets it in its fault \
                    step, on a dedicated pair of clusters)"
                .into(),
        );
    }
    let bin = std::env::var("EXPORTBRIDGE_PG_BIN")
        .map_err(|_| "EXPORTBRIDGE_PG_BIN is not set".to_owned())?;
    let dir = std::env::var("EXPORTBRIDGE_FAULT_IN_DIR")
        .map_err(|_| "EXPORTBRIDGE_FAULT_IN_DIR is not set".to_owned())?;
    Ok((bin, PathBuf::from(dir)))
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Stops the in-country cluster of the fault pair (fast shutdown: open sessions are cut).
fn stop_in(bin: &str, dir: &std::path::Path) {
    let pg_ctl = format!("{bin}/pg_ctl");
    let args = [
        "-D",
        dir.to_str().unwrap(),
        "-m",
        "fast",
        "-w",
        "-t",
        "120",
        "stop",
    ];
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &pg_ctl]).args(args);
        c
    } else {
        let mut c = Command::new(&pg_ctl);
        c.args(args);
        c
    };
    run(cmd.current_dir("/"));
}

/// Starts IN again if a test fails while it is down, so that a failure does not leave the pair
/// half stopped.
struct RestartOnPanic;

impl Drop for RestartOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            start_in();
        }
    }
}

/// Starts it again with the options of `scripts/pg` (which starts only what is down).
fn start_in() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg");
    run(Command::new(script).args(["start", "--fast"]));
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// One change set of `CHANGES` row changes of the seller's listings, made with SQL on the
/// platform: 600 inserts (copies of `template` with new ids and titles), 300 updates of those
/// copies and 100 deletes of them.
async fn thousand_changes(platform: &mut AsyncPgConnection, template: &str, cycle: usize) {
    let sql = format!(
        r#"DO $$
DECLARE cols text;
BEGIN
  SELECT string_agg(quote_ident(column_name), ', ') INTO cols
    FROM information_schema.columns
   WHERE table_schema = 'public' AND table_name = 'listings'
     AND column_name NOT IN ('id', 'title') AND is_generated = 'NEVER';
  EXECUTE format(
    'INSERT INTO listings (id, title, %1$s) SELECT gen_random_uuid(), %2$L || g, %1$s
       FROM listings, generate_series(1, 600) g WHERE id = %3$L',
    cols, 'Fault cycle {cycle} copy ', '{template}');
END $$;
UPDATE listings SET title = title || ' (updated)', version = version + 1, updated_at = now()
 WHERE id IN (SELECT id FROM listings WHERE title LIKE 'Fault cycle {cycle} copy %'
              ORDER BY id LIMIT 300);
DELETE FROM listings
 WHERE id IN (SELECT id FROM listings WHERE title LIKE 'Fault cycle {cycle} copy %'
                AND title NOT LIKE '%(updated)' ORDER BY id LIMIT 100);"#
    );
    platform.batch_execute(&sql).await.unwrap();
    // 600 inserts - 100 deletes; 300 of them updated.
    assert_eq!(
        count(
            platform,
            &format!("SELECT 1 FROM listings WHERE title LIKE 'Fault cycle {cycle} copy %'")
        )
        .await,
        500
    );
    assert_eq!(
        count(
            platform,
            &format!(
                "SELECT 1 FROM listings WHERE title LIKE 'Fault cycle {cycle} copy %(updated)'"
            )
        )
        .await,
        300
    );
}

/// A hash of the listings of a seller, to compare both sides row for row.
async fn listings_digest(conn: &mut AsyncPgConnection, seller: Uuid) -> (i64, String) {
    let where_ = format!("seller_id = '{seller}'");
    let n = count(conn, &format!("SELECT 1 FROM listings WHERE {where_}")).await;
    let digest = text(
        conn,
        &format!(
            "SELECT md5(coalesce(string_agg(id::text || '|' || title || '|' || version, ',' \
               ORDER BY id), '')) AS t FROM listings WHERE {where_}"
        ),
    )
    .await
    .unwrap();
    (n, digest)
}

/// The platform's masked payout summary of a seller.
async fn payout_summary(platform: &mut AsyncPgConnection, seller: Uuid) -> String {
    text(
        platform,
        &format!(
            "SELECT concat_ws('|', payout_account_ref::text, payout_last4, payout_ifsc, \
               payout_bank_name, version::text) AS t FROM sellers WHERE id = '{seller}'"
        ),
    )
    .await
    .unwrap()
}

/// A quote waiting for its buyer: (buyer, quote id).
struct Pending {
    buyer: Session,
    quote_id: String,
}

/// An RFQ matched to `seller` (one published listing) and the seller's quote on it.
async fn pending_quote(app: &TestApp, seller: &Session) -> Pending {
    use common::rfq::{TSHIRTS, buyer, post_rfq, publish, quote, quote_body, rfq_body};
    publish(app, seller, &TSHIRTS).await;
    let buyer = buyer(app).await;
    let rfq = post_rfq(app, &buyer, &rfq_body()).await;
    let q = quote(
        app,
        seller,
        rfq["id"].as_str().unwrap(),
        &quote_body("3.25", 2000),
    )
    .await;
    Pending {
        buyer,
        quote_id: q["id"].as_str().unwrap().to_owned(),
    }
}

async fn accept(app: &TestApp, p: &Pending) -> reqwest::Response {
    app.post_json(
        &format!("/v1/quotes/{}/accept", p.quote_id),
        &json!({}),
        Some(&p.buyer.token),
    )
    .await
}

/// While IN is down: a localised write answers 503 and leaves no trace; the rest works.
async fn while_down(
    app: &TestApp,
    listing_seller: &Session,
    payee: &Session,
    payee_id: Uuid,
    pending: &Pending,
) {
    let mut platform = app.db().await;
    let before = payout_summary(&mut platform, payee_id).await;
    let body = json!({"account_holder_name": "Tiruppur Knitwear Exports Private Limited",
        "account_number": "987654321012", "ifsc": "ICIC0004321", "bank_name": "ICICI Bank"});
    let res = put_payout(app, payee, &body).await;
    common::assert_problem(res, 503).await;
    assert_eq!(payout_summary(&mut platform, payee_id).await, before);
    assert_eq!(
        count(&mut platform, "SELECT 1 FROM payout_accounts").await,
        0
    );
    // Accepting a quote needs the trade's in-country record: 503, the RFQ still open, the
    // quote still live, no trade.
    common::assert_problem(accept(app, pending).await, 503).await;
    for (sql, n) in [
        ("SELECT 1 FROM trades", 0),
        ("SELECT 1 FROM trade_records", 0),
        ("SELECT 1 FROM rfqs WHERE status = 'open'", 1),
        ("SELECT 1 FROM quotes WHERE status = 'submitted'", 1),
        (
            "SELECT 1 FROM settlement_estimates WHERE quote_id IS NOT NULL",
            0,
        ),
    ] {
        assert_eq!(count(&mut platform, sql).await, n, "{sql}");
    }
    // Reads and non-localised writes go on.
    let me = app.get("/v1/sellers/me/profile", Some(&payee.token)).await;
    assert_eq!(me.status().as_u16(), 200, "{}", me.text().await.unwrap());
    create_listing(app, listing_seller, "Made while the copy is down").await;
}

#[tokio::test]
async fn the_copy_catches_up_after_in_country_outages_and_localised_writes_fail_closed() {
    let (bin, dir) = match fault_clusters() {
        Ok(v) => v,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let app = TestApp::spawn().await;
    exportbridge::residency::setup(&app.config).await.unwrap();
    let (seller, seller_id, f) = approved_seller(&app).await;
    app.post_rates(
        &f.admin,
        &[("USD", "INR", "84.00"), ("EUR", "INR", "90.00")],
    )
    .await;
    let pending = pending_quote(&app, &seller).await;
    let template = create_listing(&app, &seller, "Organic cotton tees").await;
    let (payee, payee_id) = complete_seller(&app).await;
    let mut platform = app.db().await;
    // The payee's account is in the copy; the platform keeps only the masked summary.
    {
        let mut c = copy(&app).await;
        assert_eq!(
            count(
                &mut c,
                &format!("SELECT 1 FROM payout_accounts WHERE seller_id = '{payee_id}'")
            )
            .await,
            1
        );
    }
    let payout_before = payout_summary(&mut platform, payee_id).await;
    assert!(
        !exportbridge::residency::verify(&app.config, DEADLINE)
            .await
            .unwrap()
            .drifted()
    );

    for cycle in 1..=CYCLES {
        let started = Instant::now();
        let guard = RestartOnPanic;
        stop_in(&bin, &dir);
        let stopped = started.elapsed();
        if cycle == 1 {
            while_down(&app, &seller, &payee, payee_id, &pending).await;
        }
        thousand_changes(&mut platform, &template, cycle).await;
        let changed = started.elapsed();
        start_in();
        std::mem::forget(guard);
        let restarted = started.elapsed();
        let report = exportbridge::residency::verify(&app.config, DEADLINE)
            .await
            .unwrap();
        assert!(!report.drifted(), "cycle {cycle}: {report:?}");
        let mut c = copy(&app).await;
        let here = listings_digest(&mut platform, seller_id).await;
        let there = listings_digest(&mut c, seller_id).await;
        assert_eq!(here, there, "cycle {cycle}: listings differ");
        // The template, the one made while down, the published one quoted on.
        let expected = 1 + 1 + 1 + 500 * cycle as i64;
        assert_eq!(here.0, expected, "cycle {cycle}");
        eprintln!(
            "cycle {cycle}: {CHANGES} changes, {} listings both sides; stop {:.1?}, changes \
             {:.1?}, start {:.1?}, caught up and verified {:.1?} (total {:.1?})",
            here.0,
            stopped,
            changed - stopped,
            restarted - changed,
            started.elapsed() - restarted,
            started.elapsed()
        );
    }

    // The refused payout write left nothing in either store.
    let mut c = copy(&app).await;
    assert_eq!(
        count(
            &mut c,
            &format!("SELECT 1 FROM payout_accounts WHERE seller_id = '{payee_id}'")
        )
        .await,
        1
    );
    assert_eq!(
        count(&mut platform, "SELECT 1 FROM payout_accounts").await,
        0
    );
    assert_eq!(payout_summary(&mut platform, payee_id).await, payout_before);
    assert_eq!(count(&mut c, "SELECT 1 FROM trade_records").await, 0);
    // And localised writes work again once the store is back.
    json_of(put_payout(&app, &payee, &payout_body()).await, 200).await;
    json_of(accept(&app, &pending).await, 201).await;
    assert_eq!(count(&mut c, "SELECT 1 FROM trade_records").await, 1);
    assert_eq!(count(&mut platform, "SELECT 1 FROM trade_records").await, 0);
}
