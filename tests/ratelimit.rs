//! Rate limits of the public routes, per client address.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::vetting::approved_seller;
use common::{TestApp, assert_problem, client_from};

#[tokio::test]
async fn the_public_profile_is_limited_per_client_address_with_retry_after() {
    // One request a second, three at once: the wait after a refusal stays about a second.
    let app = TestApp::spawn_with(|c| {
        c.public_rate_per_minute = 60;
        c.public_burst = 3;
    })
    .await;
    let (_, id, _) = approved_seller(&app).await;
    let url = app.url(&format!("/v1/sellers/{id}/public"));
    let first = client_from("127.0.0.7");

    let mut admitted = 0;
    let refused = loop {
        let res = first.get(&url).send().await.unwrap();
        if res.status() == 429 {
            break res;
        }
        assert_eq!(res.status(), 200);
        admitted += 1;
        assert!(admitted <= 10, "never limited");
    };
    assert!(admitted >= 3, "the burst passes first ({admitted} did)");
    let retry_after: u64 = refused
        .headers()
        .get("retry-after")
        .expect("Retry-After on a 429")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in whole seconds");
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after}");
    assert_problem(refused, 429).await;

    // Another address has its own bucket; routes that do not opt in are not limited.
    let second = client_from("127.0.0.8");
    assert_eq!(second.get(&url).send().await.unwrap().status(), 200);
    let health = first.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);

    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    assert_eq!(first.get(&url).send().await.unwrap().status(), 200);
}
