//! Catalogue search through the real server and real PostgreSQL, on a small fixed catalogue
//! with exact expected hits: typo tolerance, each filter, sort and facet, prices in the buyer's
//! currency, stable cursor paging while listings are published, a seller's standing, no
//! personal data, rate limiting and bad parameters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::residency::publish_listing;
use common::sellers::*;
use common::vetting::*;
use common::{Session, TestApp, assert_problem, problem_fields};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use exportbridge::auth::Role;
use exportbridge::db::schema::sellers;
use serde_json::{Value, json};

struct Catalogue {
    tiruppur: Session,
    moradabad_id: uuid::Uuid,
    forum: Forum,
    profile: Value,
    /// Listing ids by their number in `LISTINGS` (1-based).
    ids: Vec<String>,
}

/// (seller, title, sector, hs code, currency, price, moq, unit, incoterms, lead days,
/// certifications, origin state, keywords)
type Row = (
    usize,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static str,
    &'static [(&'static str, &'static str)],
    i32,
    &'static [&'static str],
    &'static str,
    &'static [&'static str],
);

const LISTINGS: [Row; 5] = [
    (
        0,
        "Organic cotton T-shirts",
        "textiles",
        "61091000",
        "USD",
        "3.40",
        500,
        "pieces",
        &[("FOB", "Chennai"), ("EXW", "")],
        30,
        &["gots", "oeko_tex"],
        "TN",
        &["t-shirt", "knitwear"],
    ),
    (
        0,
        "Combed cotton yarn 40s",
        "textiles",
        "52051100",
        "INR",
        "250.00",
        1000,
        "kg",
        &[("CIF", "Chennai")],
        15,
        &["iso9001"],
        "TN",
        &["yarn"],
    ),
    (
        0,
        "Terry bath towels",
        "textiles",
        "63026000",
        "USD",
        "2.10",
        1000,
        "pieces",
        &[("FOB", "Tuticorin")],
        45,
        &[],
        "TN",
        &["towel"],
    ),
    (
        1,
        "Brass handicraft diya set",
        "handicrafts",
        "74199990",
        "EUR",
        "4.00",
        100,
        "sets",
        &[("EXW", "")],
        20,
        &[],
        "UP",
        &["diya", "brass"],
    ),
    (
        1,
        "Wooden handicraft elephant carving",
        "handicrafts",
        "44201900",
        "USD",
        "12.00",
        50,
        "pieces",
        &[("DAP", "Hamburg")],
        60,
        &[],
        "UP",
        &["elephant"],
    ),
];

fn body(row: &Row) -> Value {
    let (_, title, sector, hs, currency, price, moq, unit, incoterms, lead, certs, state, keywords) =
        *row;
    let incoterms: Vec<Value> = incoterms
        .iter()
        .map(|(rule, place)| {
            if place.is_empty() {
                json!({"incoterm": rule})
            } else {
                json!({"incoterm": rule, "named_place": place})
            }
        })
        .collect();
    json!({
        "title": title, "sector": sector, "hs_code": hs, "currency": currency,
        "description": format!("{title}, made for export."),
        "price_breaks": [{"min_quantity": moq, "unit_price": price}],
        "moq": moq, "moq_unit": unit, "incoterms": incoterms, "lead_time_days": lead,
        "certifications": certs, "origin_state": state, "keywords": keywords
    })
}

async fn catalogue(app: &TestApp) -> Catalogue {
    let profile = complete_profile();
    let (tiruppur, _, forum) = approved_seller_with(app, &profile).await;
    let (moradabad, moradabad_id) = submitted(
        app,
        &profile_in("09", "UP", 3, &["handicrafts"], "manufacturer", false),
    )
    .await;
    approve(app, &forum.officer, moradabad_id).await;
    app.post_rates(
        &forum.admin,
        &[
            ("USD", "INR", "83.50"),
            ("EUR", "INR", "90.00"),
            ("CNY", "INR", "11.50"),
        ],
    )
    .await;
    let mut ids = Vec::new();
    for row in &LISTINGS {
        let seller = if row.0 == 0 { &tiruppur } else { &moradabad };
        ids.push(publish_listing(app, seller, &body(row)).await);
    }
    Catalogue {
        tiruppur,
        moradabad_id,
        forum,
        profile,
        ids,
    }
}

async fn search(app: &TestApp, query: &str) -> Value {
    json_of(
        app.get(&format!("/v1/catalogue/search?{query}"), None)
            .await,
        200,
    )
    .await
}

/// The hits as listing numbers (1-based, as in `LISTINGS`; 0 for a listing not there).
fn numbers(c: &Catalogue, page: &Value) -> Vec<usize> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let id = h["id"].as_str().unwrap();
            c.ids.iter().position(|i| i == id).map_or(0, |p| p + 1)
        })
        .collect()
}

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v
}

#[tokio::test]
async fn filters_sorts_facets_typos_and_currencies_on_a_fixed_catalogue() {
    let app = TestApp::spawn().await;
    let c = catalogue(&app).await;

    // Typo tolerance: each misspelt word is replaced by the closest catalogue word.
    let page = search(&app, "q=handicrfat").await;
    assert_eq!(sorted(numbers(&c, &page)), [4, 5]);
    assert_eq!(
        page["query"]["corrections"],
        json!([{"asked": "handicrfat", "used": "handicraft"}])
    );
    let page = search(&app, "q=cottn+yarn").await;
    assert_eq!(numbers(&c, &page), [2]);
    assert_eq!(page["query"]["terms"], json!(["cotton", "yarn"]));
    // Relevance: a title match outranks keywords and description only.
    let page = search(&app, "q=cotton").await;
    assert_eq!(sorted(numbers(&c, &page)), [1, 2]);
    assert!(page["items"][0]["relevance"].as_f64().unwrap() > 0.0);
    assert_eq!(page["ranked_over_capped"], false);
    assert_eq!(search(&app, "q=the").await["items"], json!([]));

    // Each filter.
    for (query, expected) in [
        ("sector=handicrafts", vec![4, 5]),
        ("hs_code=6109", vec![1]),
        ("hs_code=52", vec![2]),
        ("origin_state=UP", vec![4, 5]),
        ("incoterm=CIF", vec![2]),
        ("incoterm=exw", vec![1, 4]),
        ("certification=gots", vec![1]),
        ("max_moq=500", vec![1, 4, 5]),
        ("max_lead_time_days=30", vec![1, 2, 4]),
        // USD 3.00-5.00: 3.40 USD, 4.00 EUR (4.31 USD); not INR 250 (2.99 USD).
        ("currency=USD&min_price=3&max_price=5", vec![1, 4]),
        ("currency=INR&max_price=250", vec![2, 3]),
        ("q=cotton&certification=iso9001", vec![2]),
        ("sector=textiles&max_lead_time_days=30", vec![1, 2]),
    ] {
        assert_eq!(
            sorted(numbers(&c, &search(&app, query).await)),
            expected,
            "{query}"
        );
    }

    // Each sort.
    for (query, expected) in [
        // 2.10 USD = ₹175.35, ₹250, 3.40 USD = ₹283.90, 4 EUR = ₹360, 12 USD = ₹1,002.
        ("sort=price_asc", vec![3, 2, 1, 4, 5]),
        ("sort=price_desc", vec![5, 4, 1, 2, 3]),
        ("sort=lead_time", vec![2, 4, 1, 3, 5]),
        ("sort=newest", vec![5, 4, 3, 2, 1]),
        ("", vec![5, 4, 3, 2, 1]),
        ("q=cotton&sort=price_asc", vec![2, 1]),
    ] {
        assert_eq!(numbers(&c, &search(&app, query).await), expected, "{query}");
    }

    // Facets for the query.
    let page = search(&app, "q=cotton").await;
    let facets = &page["facets"];
    assert_eq!(facets["counted"], 2);
    assert_eq!(facets["exact"], true);
    assert_eq!(facets["sector"], json!([{"value": "textiles", "count": 2}]));
    assert_eq!(facets["origin_state"], json!([{"value": "TN", "count": 2}]));
    assert_eq!(
        facets["incoterm"],
        json!([{"value": "CIF", "count": 1}, {"value": "EXW", "count": 1}, {"value": "FOB", "count": 1}])
    );
    assert_eq!(
        facets["certification"],
        json!([{"value": "gots", "count": 1}, {"value": "iso9001", "count": 1}, {"value": "oeko_tex", "count": 1}])
    );
    let facets = search(&app, "").await["facets"].clone();
    assert_eq!(
        facets["sector"],
        json!([{"value": "textiles", "count": 3}, {"value": "handicrafts", "count": 2}])
    );

    // Prices in the buyer's currency, indicative, with the rate's as-of.
    let page = search(&app, "hs_code=6109&currency=CNY").await;
    let hit = &page["items"][0];
    let prices = &hit["indicative_prices"];
    assert_eq!(prices["currency"], "CNY");
    assert_eq!(prices["indicative"], true);
    assert_eq!(prices["stale"], false);
    assert!(prices["as_of"].is_string());
    // 3.40 USD × (83.50 / 11.50) = 24.6869… CNY.
    assert_eq!(prices["rate"], "7.26086957");
    assert_eq!(prices["price_breaks"][0]["unit_price"]["amount"], "24.69");
    assert_eq!(hit["price_breaks"][0]["unit_price"]["amount"], "3.40");
    assert_eq!(hit["seller"]["trading_name"], "Tiruppur Knits");
    assert_eq!(hit["seller"]["badge"]["kind"], "verified_msme");
    assert!(
        hit["seller"]["storefront_slug"]
            .as_str()
            .unwrap()
            .starts_with("tiruppur-knits-")
    );

    // No personal data anywhere in public answers.
    for query in ["q=cotton", "currency=CNY", "sort=price_asc&limit=100"] {
        assert_no_personal_data(&search(&app, query).await, &c.profile);
    }
    let one = json_of(
        app.get(&format!("/v1/catalogue/listings/{}", c.ids[0]), None)
            .await,
        200,
    )
    .await;
    assert_no_personal_data(&one, &c.profile);
    assert_eq!(one["title"], "Organic cotton T-shirts");
}

#[tokio::test]
async fn paging_is_stable_while_listings_are_published_and_standing_hides_a_seller() {
    let app = TestApp::spawn().await;
    let c = catalogue(&app).await;
    for (sort, expected) in [
        ("newest", vec![5, 4, 3, 2, 1]),
        ("price_asc", vec![3, 2, 1, 4, 5]),
        ("lead_time", vec![2, 4, 1, 3, 5]),
    ] {
        let mut seen = Vec::new();
        let mut query = format!("sort={sort}&limit=2");
        let mut n = 0;
        loop {
            let page = search(&app, &query).await;
            seen.extend(numbers(&c, &page));
            // A new listing is published between pages: no duplicates, no gaps.
            n += 1;
            let mut extra = body(&LISTINGS[0]);
            extra["title"] = json!(format!("Cotton polo shirts batch {sort} {n}"));
            extra["lead_time_days"] = json!(90);
            extra["price_breaks"][0]["unit_price"] = json!("99.00");
            publish_listing(&app, &c.tiruppur, &extra).await;
            match page["next_cursor"].as_str() {
                Some(cursor) => query = format!("sort={sort}&limit=2&cursor={cursor}"),
                None => break,
            }
        }
        let original: Vec<usize> = seen.iter().copied().filter(|n| *n != 0).collect();
        assert_eq!(original, expected, "{sort}");
    }
    // Relevance pages too.
    let first = search(&app, "q=cotton&limit=1").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = search(&app, &format!("q=cotton&limit=1&cursor={cursor}")).await;
    assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);
    assert!(
        second["facets"].is_null(),
        "facets come with the first page only"
    );

    // A suspended seller's listings vanish at once and return on reinstatement.
    let path = format!("/v1/vetting/applications/{}", c.moradabad_id);
    json_of(
        app.post_json(
            &format!("{path}/suspend"),
            &json!({"reason_codes": ["compliance_breach"]}),
            Some(&c.forum.officer.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(search(&app, "sector=handicrafts").await["items"], json!([]));
    assert_problem(
        app.get(&format!("/v1/catalogue/listings/{}", c.ids[3]), None)
            .await,
        404,
    )
    .await;
    json_of(
        app.post_json(
            &format!("{path}/reinstate"),
            &json!({"note": "Cleared."}),
            Some(&c.forum.admin.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        sorted(numbers(&c, &search(&app, "sector=handicrafts").await)),
        [4, 5]
    );
    // A seller without a valid badge (an approval from before badges) is not "verified".
    let mut conn = app.db().await;
    diesel::update(sellers::table.filter(sellers::organisation_id.eq(c.moradabad_id)))
        .set((
            sellers::badge_kind.eq(None::<String>),
            sellers::badge_issued_by.eq(None::<uuid::Uuid>),
            sellers::badge_issued_at.eq(None::<chrono::DateTime<chrono::Utc>>),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    let verified = numbers(&c, &search(&app, "verified_only=true&limit=100").await);
    // The listings published while paging above are Tiruppur's too (numbered 0).
    assert_eq!(
        sorted(verified.into_iter().filter(|n| *n != 0).collect()),
        [1, 2, 3]
    );
    assert_eq!(
        sorted(numbers(
            &c,
            &search(&app, "verified_only=false&sector=handicrafts").await
        )),
        [4, 5]
    );
    // A paused listing leaves at once.
    json_of(
        app.post_json(
            &format!("/v1/listings/{}/pause", c.ids[0]),
            &json!({}),
            Some(&c.tiruppur.token),
        )
        .await,
        200,
    )
    .await;
    assert!(!numbers(&c, &search(&app, "q=cotton").await).contains(&1));
}

/// Every page of `query` (one hit a page): the listing numbers, and the first page's facets.
async fn walk(app: &TestApp, c: &Catalogue, query: &str) -> (Vec<usize>, Value) {
    let first = search(app, &format!("{query}&limit=1")).await;
    let facets = first["facets"].clone();
    let mut seen = numbers(c, &first);
    let mut page = first;
    while let Some(cursor) = page["next_cursor"].as_str() {
        page = search(app, &format!("{query}&limit=1&cursor={cursor}")).await;
        assert!(page["facets"].is_null(), "{query}");
        seen.extend(numbers(c, &page));
    }
    (seen, facets)
}

#[tokio::test]
async fn price_sorts_with_text_agree_whichever_plan_sorts_them() {
    // The default sorts the few text matches in memory; a cap of 1 sends every such search to
    // the per-currency index walk instead. Same pages, same facets.
    let in_memory = TestApp::spawn().await;
    let walked = TestApp::spawn_with(|config| config.search_price_text_cap = 1).await;
    let (a, b) = (catalogue(&in_memory).await, catalogue(&walked).await);
    for (query, expected) in [
        // ₹250 (2), 3.40 USD = ₹283.90 (1).
        ("q=cotton&sort=price_asc", vec![2, 1]),
        ("q=cotton&sort=price_desc", vec![1, 2]),
        ("q=cotton&sort=price_asc&currency=USD&min_price=3", vec![1]),
        ("q=cotton+yarn&sort=price_desc&currency=CNY", vec![2]),
        ("q=handicraft&sort=price_desc&origin_state=UP", vec![5, 4]),
    ] {
        let (seen_a, facets_a) = walk(&in_memory, &a, query).await;
        let (seen_b, facets_b) = walk(&walked, &b, query).await;
        assert_eq!(seen_a, expected, "{query}");
        assert_eq!(seen_b, expected, "{query}");
        assert_eq!(facets_a, facets_b, "{query}");
        assert_eq!(facets_a["counted"], json!(expected.len()), "{query}");
    }
}

#[tokio::test]
async fn bad_parameters_are_named_and_never_500() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    app.post_rates(&admin, &[("USD", "INR", "83.50")]).await;
    let long_q = "cotton ".repeat(300);
    let cursor = "eyJSYW5rIjpbMC41LCIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAiXX0AAAAAAAAAAAAAAAAAAAAA";
    for (query, field) in [
        ("sort=cheapest", "sort"),
        ("sort=relevance", "sort"),
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("cursor=garbage", "cursor"),
        (&format!("cursor={cursor}") as &str, "cursor"),
        (&format!("q={long_q}"), "q"),
        ("currency=XYZ", "currency"),
        ("currency=JPY", "currency"),
        ("min_price=3", "min_price"),
        ("currency=USD&min_price=-1", "min_price"),
        ("hs_code=7701", "hs_code"),
        ("sector=toys", "sector"),
        ("incoterm=FOO", "incoterm"),
        ("max_moq=0", "max_moq"),
    ] {
        let res = app
            .get(&format!("/v1/catalogue/search?{query}"), None)
            .await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(problem_fields(&problem), [field], "{query}");
    }
    for query in ["max_moq=ten", "verified_only=maybe", "limit=1e9"] {
        let res = app
            .get(&format!("/v1/catalogue/search?{query}"), None)
            .await;
        let problem = assert_problem(res, 422).await;
        assert_eq!(problem_fields(&problem).len(), 1, "{query}: {problem}");
    }
}

#[tokio::test]
async fn the_catalogue_is_rate_limited_per_client_address() {
    let app = TestApp::spawn_with(|c| {
        c.public_rate_per_minute = 60;
        c.public_burst = 2;
    })
    .await;
    let a = common::client_from("127.0.0.21");
    let url = app.url("/v1/catalogue/search");
    for _ in 0..2 {
        assert_eq!(a.get(&url).send().await.unwrap().status(), 200);
    }
    let limited = a.get(&url).send().await.unwrap();
    assert_eq!(limited.status(), 429);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    let b = common::client_from("127.0.0.22");
    assert_eq!(b.get(&url).send().await.unwrap().status(), 200);
}
