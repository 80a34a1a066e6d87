//! Property tests of the settlement engine over every route of the default
//! schedule (all corridors) and every charge bearer.
//!
//! Case count: `PROPTEST_CASES` (CI sets 10000), default 256.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use proptest::prelude::*;
use rust_decimal_macros::dec;

use super::fixtures::SHARED_RATES;
use super::pricing::Pricer;
use super::*;
use crate::money::{CurrencyCode, Money, round_half_even_i64};
use crate::settlement::defaults::default_fee_schedule;
use rust_decimal::Decimal;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // Shrinking a failure is cheap here; keep proptest from writing
        // regression files into the source tree of the main crate.
        failure_persistence: None,
        ..ProptestConfig::with_cases(cases())
    }
}

/// Mid rates around which each case draws its own (INR per unit).
fn base_rates() -> Vec<(CurrencyCode, Decimal)> {
    SHARED_RATES
        .into_iter()
        .chain([
            (CurrencyCode::HKD, dec!(10.8)),
            (CurrencyCode::AUD, dec!(55)),
            (CurrencyCode::CAD, dec!(61)),
        ])
        .collect()
}

/// Rates within ±12% of the base, per currency independently, to 6 places
/// (USD/INR 73.92–94.08: plausible, and a US cent stays under ₹1).
fn rates_strategy() -> impl Strategy<Value = Rates> {
    let base = base_rates();
    prop::collection::vec(880u32..=1120, base.len()).prop_map(move |f| {
        Rates::new(
            base.iter()
                .zip(f)
                .map(|((c, r), f)| (*c, (r * Decimal::new(f.into(), 3)).round_dp(6))),
        )
        .unwrap()
    })
}

fn schedule() -> &'static FeeSchedule {
    static S: OnceLock<FeeSchedule> = OnceLock::new();
    S.get_or_init(default_fee_schedule)
}

/// Every eligible route of the default schedule, across all corridors.
fn routes() -> &'static [&'static Route] {
    static R: OnceLock<Vec<&'static Route>> = OnceLock::new();
    R.get_or_init(|| {
        schedule()
            .corridors
            .iter()
            .flat_map(|c| c.routes.iter())
            .filter(|r| r.eligible)
            .collect()
    })
}

fn limits() -> EstimateLimits {
    EstimateLimits::default()
}

fn pricer<'a>(
    schedule: &'a FeeSchedule,
    route: &'a Route,
    rates: &'a Rates,
    bearer: ChargeBearer,
) -> Pricer<'a> {
    Pricer {
        schedule,
        route,
        rates,
        bearer: route.charge_bearer_applies.then_some(bearer),
    }
}

fn price(p: &Pricer<'_>, minor: i64, c: CurrencyCode) -> Option<Pricing> {
    p.net_for(minor, c).unwrap()
}

/// Largest buyer amount (minor units) within the INR cap.
fn cap_minor(rates: &Rates, c: CurrencyCode) -> i64 {
    let ppm = rates.paise_per_minor(c).unwrap();
    round_half_even_i64((Decimal::from(limits().max_amount_inr.minor) / ppm).floor()).unwrap()
}

/// Log-uniform-ish amount in [1, cap] from u ∈ [0, 1].
fn log_amount(u: f64, cap: i64) -> i64 {
    let v = ((cap as f64).ln() * u).exp().round() as i64;
    v.clamp(1, cap)
}

/// Paise value of one minor unit at mid, rounded up.
fn unit_paise(rates: &Rates, c: CurrencyCode) -> i64 {
    round_half_even_i64(rates.paise_per_minor(c).unwrap().ceil()).unwrap()
}

fn check_pricing(p: &Pricing) -> Result<(), TestCaseError> {
    let sum: i64 = p.lines.iter().map(|l| l.amount_inr.minor).sum();
    // The identity, exactly.
    prop_assert_eq!(p.buyer_pays_total_inr_at_mid.minor - sum, p.net_inr.minor);
    prop_assert_eq!(p.total_cost_inr.minor, sum);
    prop_assert_eq!(
        p.buyer_fees_inr.minor + p.seller_costs_inr.minor,
        p.total_cost_inr.minor
    );
    prop_assert_eq!(
        p.mid_market_equivalent_inr.minor - p.seller_costs_inr.minor,
        p.net_inr.minor
    );
    for l in &p.lines {
        prop_assert!(l.amount.minor >= 0, "negative line {:?}", l);
        prop_assert!(l.amount_inr.minor >= 0, "negative line {:?}", l);
    }
    // Net never exceeds the mid-market equivalent of the amount.
    prop_assert!(p.net_inr.minor <= p.mid_market_equivalent_inr.minor);
    prop_assert!(p.mid_market_equivalent_inr.minor <= p.buyer_pays_total_inr_at_mid.minor);
    prop_assert!(p.buyer_pays_total.minor >= p.amount.minor);
    Ok(())
}

fn with_platform_fee(route: &Route, fee: Option<(u32, u32, bool)>) -> Route {
    let mut r = route.clone();
    r.platform_fee = fee.map(|(bp, fixed, gst)| PlatformFee {
        rate: Decimal::new(bp.into(), 4),
        fixed_inr: Decimal::from(fixed),
        gst,
    });
    r
}

/// A variant of `route` with the given hop fees (USD cents).
fn with_hops(route: &Route, cents: &[u32]) -> Route {
    let mut r = route.clone();
    r.intermediaries = cents
        .iter()
        .enumerate()
        .map(|(i, c)| Hop {
            name: format!("hop {i}"),
            fee: FixedFee {
                amount: Decimal::new((*c).into(), 2),
                currency: CurrencyCode::USD,
            },
        })
        .collect();
    r
}

proptest! {
    #![proptest_config(config())]

    /// buyer pays − every deduction == net, to the paisa; no negative line;
    /// net ≤ mid-market equivalent. Every route of the chosen corridor,
    /// every bearer, with and without a platform fee.
    #[test]
    fn identity_and_no_negative_lines(
        corridor in 0usize..14,
        ccy_pick in any::<prop::sample::Index>(),
        u in 0.0f64..=1.0,
        rates in rates_strategy(),
        platform in prop::option::of((0u32..200, 0u32..500, any::<bool>())),
    ) {
        let s = schedule();
        let c = &s.corridors[corridor];
        for route in c.routes.iter().filter(|r| r.eligible) {
            let route = with_platform_fee(route, platform);
            let ccy = *ccy_pick.get(&route.buyer_currencies);
            let amount = log_amount(u, cap_minor(&rates, ccy));
            for bearer in ChargeBearer::ALL {
                if let Some(p) = price(&pricer(s, &route, &rates, bearer), amount, ccy) {
                    check_pricing(&p)?;
                }
            }
        }
    }

    /// The net is non-decreasing in the amount except by at most ₹1 (a GST
    /// rounding step), both for neighbouring amounts and for far-apart ones;
    /// an amount that prices never stops pricing when it grows.
    #[test]
    fn net_grows_with_the_amount(
        route_ix in any::<prop::sample::Index>(),
        bearer_ix in 0usize..3,
        ccy_pick in any::<prop::sample::Index>(),
        u in 0.0f64..=1.0,
        v in 0.0f64..=1.0,
        rates in rates_strategy(),
    ) {
        let route = *route_ix.get(routes());
        let bearer = ChargeBearer::ALL[bearer_ix];
        let ccy = *ccy_pick.get(&route.buyer_currencies);
        let cap = cap_minor(&rates, ccy);
        let a = log_amount(u, cap - 1);
        let far = (a + log_amount(v, cap - a)).min(cap);
        let p = pricer(schedule(), route, &rates, bearer);
        let base = price(&p, a, ccy);
        for b in [a + 1, far] {
            let next = price(&p, b, ccy);
            match (&base, &next) {
                (Some(x), Some(y)) => prop_assert!(
                    y.net_inr.minor >= x.net_inr.minor - 100,
                    "{} {:?}: net({a}) = {} but net({b}) = {}",
                    route.code, bearer, x.net_inr, y.net_inr
                ),
                (Some(_), None) => prop_assert!(false, "{} stops pricing at {b}", route.code),
                _ => {}
            }
        }
    }

    /// One more hop never costs less: the buyer pays at least as much, the
    /// seller nets no more, the total cost is no lower.
    #[test]
    fn more_hops_never_cost_less(
        route_ix in any::<prop::sample::Index>(),
        bearer_ix in 0usize..3,
        ccy_pick in any::<prop::sample::Index>(),
        u in 0.0f64..=1.0,
        hop_cents in prop::collection::vec(1_000u32..=5_500, 1..=4),
        rates in rates_strategy(),
    ) {
        let route = *route_ix.get(routes());
        let bearer = ChargeBearer::ALL[bearer_ix];
        let ccy = *ccy_pick.get(&route.buyer_currencies);
        let amount = log_amount(u, cap_minor(&rates, ccy));
        let n = hop_cents.len() - 1;
        let fewer = with_hops(route, &hop_cents[..n]);
        let more = with_hops(route, &hop_cents);
        let s = schedule();
        let pf = price(&pricer(s, &fewer, &rates, bearer), amount, ccy);
        let pm = price(&pricer(s, &more, &rates, bearer), amount, ccy);
        match (pf, pm) {
            (Some(f), Some(m)) => {
                prop_assert!(m.net_inr.minor <= f.net_inr.minor);
                prop_assert!(m.total_cost_inr.minor >= f.total_cost_inr.minor);
                prop_assert!(m.buyer_pays_total.minor >= f.buyer_pays_total.minor);
            }
            (None, Some(_)) => prop_assert!(false, "{n} hops fail where {} price", n + 1),
            _ => {}
        }
    }

    /// seller_receives then buyer_pays with the answer: net ≥ target;
    /// net − target ≤ one buyer minor unit at mid + ₹1 (and the tighter
    /// bound: + one transit minor unit when converted abroad, + 1 paisa);
    /// one buyer minor unit less nets below the target.
    #[test]
    fn seller_receives_round_trips(
        route_ix in any::<prop::sample::Index>(),
        bearer_ix in 0usize..3,
        ccy_pick in any::<prop::sample::Index>(),
        u in 0.0f64..=1.0,
        rates in rates_strategy(),
    ) {
        let route = *route_ix.get(routes());
        let bearer = ChargeBearer::ALL[bearer_ix];
        let ccy = *ccy_pick.get(&route.buyer_currencies);
        let s = schedule();
        let l = limits();
        let target = Money::inr(log_amount(u, l.max_amount_inr.minor));
        let est = estimate_route(
            s,
            route,
            &rates,
            Target::SellerReceives { net_inr: target, buyer_currency: ccy },
            Some(bearer),
            &l,
        )
        .unwrap();
        let p = pricer(s, route, &rates, bearer);
        match &est.pricing {
            Some(found) => {
                check_pricing(found)?;
                let a = found.amount.minor;
                let net = found.net_inr.minor;
                prop_assert!(net >= target.minor);
                let over = net - target.minor;
                let unit = unit_paise(&rates, ccy);
                prop_assert!(over <= unit + 100, "over by {over} paise, unit {unit}");
                let transit = route.transit_currency.unwrap_or(ccy);
                let transit_unit = if transit != ccy { unit_paise(&rates, transit) } else { 0 };
                prop_assert!(over <= unit + transit_unit + 1, "over by {over} paise");
                let t = found.target.as_ref().unwrap();
                prop_assert_eq!(t.hit_exactly, over == 0);
                prop_assert_eq!(t.over_delivered_inr.minor, over);
                // Forward with the answer gives the same net.
                let fwd = price(&p, a, ccy).unwrap();
                prop_assert_eq!(fwd.net_inr, found.net_inr);
                prop_assert_eq!(fwd.buyer_pays_total, found.buyer_pays_total);
                // Minimal: one minor unit less falls short (or does not price).
                if let Some(less) = price(&p, a - 1, ccy) {
                    prop_assert!(less.net_inr.minor < target.minor);
                }
            }
            None => {
                // Unreachable only if even the cap falls short.
                prop_assert!(!est.eligible);
                let at_cap = price(&p, cap_minor(&rates, ccy), ccy);
                prop_assert!(at_cap.is_none_or(|x| x.net_inr.minor < target.minor));
            }
        }
    }
}
