//! `exportbridge seed --sellers N --listings M`: the generated catalogue loads next to the demo
//! data, every listing is published and visible, and a second run adds nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::TestApp;
use diesel::sql_types::{BigInt, Bool};
use diesel_async::RunQueryDsl;
use exportbridge::seed::{CatalogueSize, LoadSummary, catalogue::DEFAULT_SEED, load_catalogue};

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.db().await;
    diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

#[tokio::test]
async fn generated_catalogue_loads_once_next_to_the_demo_data() {
    let app = TestApp::spawn().await;
    exportbridge::seed::run(&app.config).await.unwrap();
    let size = CatalogueSize {
        sellers: 20,
        listings: 500,
        seed: DEFAULT_SEED,
    };
    let summary = load_catalogue(&app.config, size).await.unwrap();
    assert_eq!(
        summary,
        LoadSummary {
            sellers_inserted: 20,
            listings_inserted: 500,
            listings_present: 0
        }
    );

    // The demo seed published 3 listings of its own.
    let visible = "SELECT count(*) AS n FROM listings \
                   WHERE status = 'published' AND seller_in_good_standing";
    assert_eq!(count(&app, visible).await, 503);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM listings").await, 503);
    // Standing and fees as the trigger and a first publish would set them.
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM listings l JOIN sellers s ON s.id = l.seller_id \
              WHERE s.status <> 'approved' OR l.seller_verified <> (s.badge_kind IS NOT NULL) \
                 OR (l.fee_waived_reason IS NOT NULL) <> l.seller_verified \
                 OR l.listing_fee_minor IS NULL OR l.published_at IS NULL \
                 OR l.first_published_at > l.published_at \
                 OR l.price_minor <> (l.price_breaks -> 0 ->> 'unit_price_minor')::bigint \
                 OR l.moq <> (l.price_breaks -> 0 ->> 'min_quantity')::bigint \
                 OR cardinality(l.incoterm_codes) <> jsonb_array_length(l.incoterms)"
        )
        .await,
        0
    );
    assert!(
        count(
            &app,
            "SELECT count(*) AS n FROM listings WHERE seller_verified"
        )
        .await
            > 0
    );
    // Every word of the catalogue is known for typo correction, as the trigger would have it.
    let words = "SELECT count(DISTINCT w) AS n FROM listings, \
                 unnest(tsvector_to_array(search_vector)) AS w WHERE length(w) BETWEEN 3 AND 40";
    let terms = count(&app, "SELECT count(*) AS n FROM catalogue_terms").await;
    assert!(terms > 100, "{terms} terms");
    assert_eq!(terms, count(&app, words).await);
    // Approved sellers with storefronts, vetted by the demo forum (one body, not two).
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM sellers WHERE status = 'approved' \
               AND storefront_slug IS NOT NULL AND valid_until > now() AND vetting_body_id IS NOT NULL \
               AND gstin IS NOT NULL AND address_state IS NOT NULL"
        )
        .await,
        20 + 1 // and the demo's approved seller
    );
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM vetting_bodies").await,
        1
    );
    // Text search finds the common words.
    let mut conn = app.db().await;
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = Bool)]
        found: bool,
    }
    let found = diesel::sql_query(
        "SELECT exists(SELECT FROM listings WHERE search_vector @@ plainto_tsquery('english', 'cotton')) AS found",
    )
    .get_result::<Found>(&mut conn)
    .await
    .unwrap();
    assert!(found.found);

    // The demo accounts still work.
    let res = app
        .login(
            "admin@exportbridge.local",
            exportbridge::seed::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(res.status(), 200);

    // Again through the command line: nothing new.
    let out = Command::new(env!("CARGO_BIN_EXE_exportbridge"))
        .env_clear()
        .env("EXPORTBRIDGE_DATABASE_URL", &app.config.database_url.0)
        .env(
            "EXPORTBRIDGE_IN_COUNTRY_DATABASE_URLS",
            format!("IN={}", app.config.in_country[0].url.0),
        )
        .env("EXPORTBRIDGE_LOG", "warn")
        .args(["seed", "--sellers", "20", "--listings", "500"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("0 listings inserted (500 already present)"),
        "{stderr}"
    );
    assert_eq!(count(&app, visible).await, 503);
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM sellers").await,
        20 + 8
    );

    // --sellers without --listings is refused.
    let out = Command::new(env!("CARGO_BIN_EXE_exportbridge"))
        .env_clear()
        .args(["seed", "--sellers", "20"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
