//! Unit tests of the settlement engine: the reference's worked example, the
//! GST slab boundaries, validation and request errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::fixtures::SHARED_RATES;
use super::pricing::Pricer;
use super::*;
use crate::money::{CurrencyCode, Money, MoneyError};
use crate::settlement::defaults::{UPI_REASON, default_fee_schedule, rule_32_2_b_slabs};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn usd_rates(mid: Decimal) -> Rates {
    Rates::new([(CurrencyCode::USD, mid)]).unwrap()
}

fn test_rates() -> Rates {
    Rates::new(
        SHARED_RATES
            .into_iter()
            .chain([(CurrencyCode::KWD, dec!(273.5))]),
    )
    .unwrap()
}

/// The worked example's route: SWIFT USD, one hop of USD 25, bank rate
/// mid − ₹0.50, receiving fee ₹500 + 18% GST, no FIRA fee.
fn example_route(sender_fee: Option<FixedFee>, spread: Spread) -> Route {
    Route {
        code: "example".into(),
        name: "Worked example".into(),
        rail: Rail::Swift,
        eligible: true,
        ineligibility_reason: None,
        notes: vec![],
        arrival: Some(ArrivalWindow {
            min_hours: 24,
            max_hours: 72,
        }),
        buyer_currencies: vec![CurrencyCode::USD],
        transit_currency: Some(CurrencyCode::USD),
        charge_bearer_applies: true,
        sender_fee,
        conversion_abroad: None,
        intermediaries: vec![Hop {
            name: "correspondent".into(),
            fee: FixedFee {
                amount: dec!(25),
                currency: CurrencyCode::USD,
            },
        }],
        inr_conversion: Some(InrConversion {
            spread,
            converted_by: "seller's bank".into(),
            gst_on_conversion: true,
        }),
        receiving_fee: Some(InrFee {
            amount_inr: dec!(500),
            gst: true,
        }),
        fira_fee: None,
        psp_fee: None,
        platform_fee: None,
    }
}

fn example_schedule(route: Route) -> FeeSchedule {
    FeeSchedule {
        version: "test".into(),
        gst_rate_on_fees: dec!(0.18),
        gst_rate_on_conversion: dec!(0.18),
        conversion_gst_slabs: rule_32_2_b_slabs(),
        corridors: vec![Corridor {
            buyer_country: "US".into(),
            seller_jurisdiction: "IN".into(),
            routes: vec![route],
        }],
        listing_fee: Default::default(),
    }
}

fn abs_spread() -> Spread {
    Spread::PerUnit { margin: dec!(0.50) }
}

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, CurrencyCode::USD)
}

fn price(
    schedule: &FeeSchedule,
    rates: &Rates,
    target: Target,
    bearer: ChargeBearer,
) -> RouteEstimate {
    let route = &schedule.corridors[0].routes[0];
    estimate_route(
        schedule,
        route,
        rates,
        target,
        Some(bearer),
        &EstimateLimits::default(),
    )
    .unwrap()
}

fn line(p: &Pricing, code: LineCode) -> &LineItem {
    p.lines.iter().find(|l| l.code == code).unwrap()
}

fn assert_identity(p: &Pricing) {
    let sum: i64 = p.lines.iter().map(|l| l.amount_inr.minor).sum();
    assert_eq!(p.buyer_pays_total_inr_at_mid.minor - sum, p.net_inr.minor);
}

#[test]
fn worked_example_to_the_paisa() {
    let schedule = example_schedule(example_route(None, abs_spread()));
    let est = price(
        &schedule,
        &usd_rates(dec!(84.00)),
        Target::BuyerPays(usd(1_000_000)),
        ChargeBearer::Sha,
    );
    let p = est.pricing.as_ref().unwrap();
    // Hop USD 25 deducted in flight: USD 9,975.00 reaches India.
    let hop = line(p, LineCode::IntermediaryFee);
    assert_eq!(hop.amount, usd(2_500));
    assert_eq!(hop.amount_inr, Money::inr(210_000));
    assert_eq!(hop.payer, Payer::Seller);
    assert_eq!(hop.hop, Some(1));
    // Converted at 83.50: ₹8,32,912.50, against ₹8,37,900.00 at mid.
    let fx = line(p, LineCode::FxSpread);
    assert_eq!(fx.rate_applied, Some(dec!(83.50)));
    assert_eq!(fx.amount_inr, Money::inr(83_790_000 - 83_291_250));
    // GST on conversion ₹839.62 → ₹840.
    assert_eq!(
        conversion_taxable_value(83_291_250, &schedule.conversion_gst_slabs).unwrap(),
        dec!(4664.5625)
    );
    assert_eq!(
        line(p, LineCode::GstOnConversion).amount_inr,
        Money::inr(84_000)
    );
    assert_eq!(
        line(p, LineCode::ReceivingFee).amount_inr,
        Money::inr(50_000)
    );
    assert_eq!(
        line(p, LineCode::GstOnReceivingFee).amount_inr,
        Money::inr(9_000)
    );
    assert!(p.lines.iter().all(|l| l.code != LineCode::FiraFee));
    assert_eq!(p.net_inr, Money::inr(83_148_250));
    assert_eq!(p.mid_market_equivalent_inr, Money::inr(84_000_000));
    assert_eq!(p.total_cost_inr, Money::inr(851_750));
    assert_eq!(p.seller_costs_inr, Money::inr(851_750));
    assert_eq!(p.effective_cost_pct, dec!(1.01));
    assert_eq!(p.seller_cost_pct, dec!(1.01));
    assert_eq!(p.buyer_pays_total, usd(1_000_000));
    assert_eq!(p.lines.len(), 5);
    assert_identity(p);
}

#[test]
fn worked_example_with_a_sender_fee_paid_by_the_buyer_under_sha() {
    let fee = FixedFee {
        amount: dec!(35),
        currency: CurrencyCode::USD,
    };
    let schedule = example_schedule(example_route(Some(fee), abs_spread()));
    let est = price(
        &schedule,
        &usd_rates(dec!(84)),
        Target::BuyerPays(usd(1_000_000)),
        ChargeBearer::Sha,
    );
    let p = est.pricing.unwrap();
    // The seller's side is unchanged; the buyer sees USD 35 on top.
    assert_eq!(p.net_inr, Money::inr(83_148_250));
    assert_eq!(p.seller_costs_inr, Money::inr(851_750));
    assert_eq!(p.seller_cost_pct, dec!(1.01));
    let s = line(&p, LineCode::SenderFee);
    assert_eq!((s.payer, s.amount), (Payer::Buyer, usd(3_500)));
    assert_eq!(p.buyer_pays_total, usd(1_003_500));
    assert_eq!(p.buyer_fees_inr, Money::inr(294_000));
    assert_eq!(p.total_cost_inr, Money::inr(851_750 + 294_000));
    assert_identity(&p);
}

#[test]
fn worked_example_route_under_our_and_ben() {
    let fee = FixedFee {
        amount: dec!(35),
        currency: CurrencyCode::USD,
    };
    let schedule = example_schedule(example_route(Some(fee), abs_spread()));
    let rates = usd_rates(dec!(84));
    // OUR: buyer pays 10,000 + 35 + 25; USD 10,000 arrives: ₹8,35,000.00.
    // Value 1,000 + 0.5% × 7,35,000 = 4,675; GST 841.50 → 842 (half-up).
    let our = price(
        &schedule,
        &rates,
        Target::BuyerPays(usd(1_000_000)),
        ChargeBearer::Our,
    )
    .pricing
    .unwrap();
    assert_eq!(our.buyer_pays_total, usd(1_006_000));
    assert_eq!(line(&our, LineCode::IntermediaryFee).payer, Payer::Buyer);
    assert_eq!(
        line(&our, LineCode::GstOnConversion).amount_inr,
        Money::inr(84_200)
    );
    assert_eq!(our.net_inr, Money::inr(83_500_000 - 84_200 - 59_000));
    assert_identity(&our);
    // BEN: 10,000 − 35 − 25 = 9,940 → ₹8,29,990.00; GST 836.991 → 837.
    let ben = price(
        &schedule,
        &rates,
        Target::BuyerPays(usd(1_000_000)),
        ChargeBearer::Ben,
    )
    .pricing
    .unwrap();
    assert_eq!(ben.buyer_pays_total, usd(1_000_000));
    assert_eq!(line(&ben, LineCode::SenderFee).payer, Payer::Seller);
    assert_eq!(ben.net_inr, Money::inr(82_999_000 - 83_700 - 59_000));
    assert_identity(&ben);
}

#[test]
fn percentage_spread_form() {
    // 0.60% of mid 84.00 → 83.496; USD 9,975 → ₹8,32,872.60.
    let schedule = example_schedule(example_route(
        None,
        Spread::FractionOfMid { rate: dec!(0.006) },
    ));
    let p = price(
        &schedule,
        &usd_rates(dec!(84)),
        Target::BuyerPays(usd(1_000_000)),
        ChargeBearer::Sha,
    )
    .pricing
    .unwrap();
    let fx = line(&p, LineCode::FxSpread);
    assert_eq!(fx.rate_applied, Some(dec!(83.496)));
    assert_eq!(fx.amount_inr, Money::inr(83_790_000 - 83_287_260));
    // Value 1,000 + 0.5% × 7,32,872.60 = 4,664.363; GST 839.585 → 840.
    assert_eq!(p.net_inr, Money::inr(83_287_260 - 84_000 - 59_000));
    assert_identity(&p);
    // An absolute margin equal to 0.60% of mid gives the same answer.
    let schedule2 = example_schedule(example_route(
        None,
        Spread::PerUnit {
            margin: dec!(0.504),
        },
    ));
    let p2 = price(
        &schedule2,
        &usd_rates(dec!(84)),
        Target::BuyerPays(usd(1_000_000)),
        ChargeBearer::Sha,
    )
    .pricing
    .unwrap();
    assert_eq!(p2.net_inr, p.net_inr);
}

#[test]
fn seller_receives_the_worked_example_net_exactly() {
    let schedule = example_schedule(example_route(None, abs_spread()));
    let target = Target::SellerReceives {
        net_inr: Money::inr(83_148_250),
        buyer_currency: CurrencyCode::USD,
    };
    let est = price(&schedule, &usd_rates(dec!(84)), target, ChargeBearer::Sha);
    let p = est.pricing.unwrap();
    assert_eq!(p.amount, usd(1_000_000));
    let t = p.target.unwrap();
    assert!(t.hit_exactly);
    assert_eq!(t.over_delivered_inr, Money::inr(0));
}

#[test]
fn seller_receives_flags_a_target_that_cannot_be_hit() {
    // USD 9,999.99 nets ₹8,31,481.66 and USD 10,000.00 nets ₹8,31,482.50:
    // ₹8,31,482.00 lies between.
    let schedule = example_schedule(example_route(None, abs_spread()));
    let target = Target::SellerReceives {
        net_inr: Money::inr(83_148_200),
        buyer_currency: CurrencyCode::USD,
    };
    let est = price(&schedule, &usd_rates(dec!(84)), target, ChargeBearer::Sha);
    let p = est.pricing.as_ref().unwrap();
    assert_eq!(p.amount, usd(1_000_000));
    let t = p.target.as_ref().unwrap();
    assert!(!t.hit_exactly);
    assert_eq!(t.over_delivered_inr, Money::inr(50));
    assert!(
        est.notes
            .iter()
            .any(|n| n.contains("cannot be hit exactly"))
    );
}

#[test]
fn seller_receives_beyond_the_cap_is_unreachable_not_an_error() {
    let schedule = example_schedule(example_route(None, abs_spread()));
    let limits = EstimateLimits {
        max_amount_inr: Money::inr(84_000_000), // ₹8,40,000
        max_search_steps: 200,
    };
    let route = &schedule.corridors[0].routes[0];
    let est = estimate_route(
        &schedule,
        route,
        &usd_rates(dec!(84)),
        Target::SellerReceives {
            net_inr: Money::inr(83_900_000),
            buyer_currency: CurrencyCode::USD,
        },
        Some(ChargeBearer::Sha),
        &limits,
    )
    .unwrap();
    assert!(!est.eligible);
    assert!(est.pricing.is_none());
    assert!(est.reasons[0].contains("cannot be reached"));
}

// --- GST slabs -------------------------------------------------------------

fn gst(paise: i64) -> i64 {
    gst_on_conversion(paise, &rule_32_2_b_slabs(), dec!(0.18)).unwrap()
}

fn value(paise: i64) -> Decimal {
    conversion_taxable_value(paise, &rule_32_2_b_slabs()).unwrap()
}

#[test]
fn gst_slab_one_lakh_boundary() {
    assert_eq!(value(10_000_000), dec!(1000));
    assert_eq!(gst(10_000_000), 18_000);
    assert_eq!(value(9_999_999), dec!(999.9999));
    assert_eq!(gst(9_999_999), 18_000); // 179.999982 → 180
    assert_eq!(value(10_000_001), dec!(1000.00005));
    assert_eq!(gst(10_000_001), 18_000);
}

#[test]
fn gst_slab_ten_lakh_boundary() {
    assert_eq!(value(100_000_000), dec!(5500));
    assert_eq!(gst(100_000_000), 99_000);
    assert_eq!(value(99_999_999), dec!(5499.99995));
    assert_eq!(gst(99_999_999), 99_000);
    assert_eq!(value(100_000_001), dec!(5500.00001));
    assert_eq!(gst(100_000_001), 99_000);
}

#[test]
fn gst_minimum_value() {
    // ₹25,000 → 1% = ₹250 = the minimum.
    assert_eq!(value(2_500_000), dec!(250));
    assert_eq!(gst(2_500_000), 4_500);
    assert_eq!(value(2_499_999), dec!(250));
    assert_eq!(gst(2_499_999), 4_500);
    assert_eq!(value(2_500_001), dec!(250.0001));
    assert_eq!(gst(2_500_001), 4_500);
    // Any positive conversion pays at least ₹45.
    assert_eq!(value(1), dec!(250));
    assert_eq!(gst(1), 4_500);
    assert_eq!(gst(0), 0);
    assert_eq!(gst(-5), 0);
}

#[test]
fn gst_cap() {
    // 5,500 + 0.1% × (A − 10,00,000) = 60,000 at A = ₹5,55,00,000.
    assert_eq!(value(5_550_000_000), dec!(60000));
    assert_eq!(gst(5_550_000_000), 1_080_000);
    assert_eq!(value(5_549_999_999), dec!(59999.99999));
    assert_eq!(gst(5_549_999_999), 1_080_000); // 10,799.999998 → 10,800
    assert_eq!(value(5_550_000_001), dec!(60000));
    assert_eq!(gst(5_550_000_001), 1_080_000);
    // The brief's ₹5,55,50,000 is past the cap too, and so is everything above.
    assert_eq!(value(5_555_000_000), dec!(60000));
    assert_eq!(gst(5_555_000_000), 1_080_000);
    assert_eq!(gst(1_000_000_000_000), 1_080_000);
}

#[test]
fn gst_is_rounded_half_up_to_the_rupee() {
    // CGST Act s.170: 50 paise and above go up, whatever the rupee below.
    // A = ₹1,05,000: value ₹1,025.00, GST 184.50 → 185 (the reference's tie).
    assert_eq!(value(10_500_000), dec!(1025));
    assert_eq!(gst(10_500_000), 18_500);
    // A = ₹76,25,000: value 5,500 + 0.1% × 66,25,000 = 12,125; GST 2,182.50 → 2,183.
    assert_eq!(value(762_500_000), dec!(12125));
    assert_eq!(gst(762_500_000), 218_300);
    // A = ₹8,35,000: value 4,675, GST 841.5 → 842.
    assert_eq!(gst(83_500_000), 84_200);
    // A = ₹7,45,000: value 4,225, GST 760.5 → 761 (half-even would give 760).
    assert_eq!(gst(74_500_000), 76_100);
    // A = ₹6,45,000: value 3,725, GST 670.5 → 671.
    assert_eq!(gst(64_500_000), 67_100);
    // Just below a half stays down: A = ₹1,04,999.99, value 1,024.99995, GST 184.499991.
    assert_eq!(gst(10_499_999), 18_400);
    // To the paisa, halves go up too: value 1,000.025 (A = ₹1,00,005.00) × 20% = 200.005
    // → 200.01.
    let mut paisa = rule_32_2_b_slabs();
    paisa.rounding = GstRounding::Paisa;
    assert_eq!(
        gst_on_conversion(10_000_500, &paisa, dec!(0.2)).unwrap(),
        20_001
    );
}

#[test]
fn gst_on_fees_rounds_half_up_to_the_paisa() {
    let schedule = example_schedule(example_route(None, abs_spread()));
    let rates = usd_rates(dec!(84));
    let pricer = Pricer {
        schedule: &schedule,
        route: &schedule.corridors[0].routes[0],
        rates: &rates,
        bearer: None,
    };
    // 18% of 25 paise = 4.5 paise → 5 (half-even: 4); of 75 paise = 13.5 → 14.
    assert_eq!(pricer.gst_on_fee(25).unwrap(), 5);
    assert_eq!(pricer.gst_on_fee(75).unwrap(), 14);
    assert_eq!(pricer.gst_on_fee(50_000).unwrap(), 9_000);
}

/// The USD 91,321.74 OUR from the US: converted at 84 × (1 − 0.6%) = 83.496 it is
/// ₹76,25,000.00 (9,132,174 × 83.496 = 762,500,000.304 paise), GST ₹2,182.50 → ₹2,183.
#[test]
fn usd_91_321_74_our_pays_gst_rounded_half_up() {
    let s = default_fee_schedule();
    let r = usd_rates(dec!(84));
    let mut q = request(usd(9_132_174), Direction::BuyerPays);
    q.buyer_country = "US".into();
    q.charge_bearer = BearerSelection::Our;
    let out = estimate(&s, &r, &q, &EstimateLimits::default()).unwrap();
    let our = out.iter().find(|e| e.id == "swift-usd-1hop:OUR").unwrap();
    let p = our.pricing.as_ref().unwrap();
    let fx = line(p, LineCode::FxSpread);
    assert_eq!(fx.rate_applied, Some(dec!(83.496)));
    let gst = line(p, LineCode::GstOnConversion);
    assert!(
        gst.label.contains("value INR 12125.00 of INR 7625000.00"),
        "{}",
        gst.label
    );
    assert_eq!(gst.amount_inr, Money::inr(218_300));
    // Net: 76,25,000.00 − GST 2,183 − receiving 500 + 90 − FIRA 250 + 45.
    assert_eq!(
        p.net_inr,
        Money::inr(762_500_000 - 218_300 - 50_000 - 9_000 - 25_000 - 4_500)
    );
    assert_identity(p);
}

/// USD 10.00 OUR from the US: SWIFT's costs (GST ₹45, inward fee ₹590, FIRA ₹295) exceed the
/// ₹834.96 credited (net −₹95.04). Not eligible, with the reason, unpriced, ranked after every
/// usable route; a PSP still prices it.
#[test]
fn a_route_whose_costs_reach_the_amount_is_not_eligible() {
    let s = default_fee_schedule();
    let r = usd_rates(dec!(84));
    let mut q = request(usd(1_000), Direction::BuyerPays);
    q.buyer_country = "US".into();
    q.charge_bearer = BearerSelection::Our;
    let out = estimate(&s, &r, &q, &EstimateLimits::default()).unwrap();
    let our = out.iter().find(|e| e.id == "swift-usd-1hop:OUR").unwrap();
    assert!(!our.eligible && our.pricing.is_none(), "{our:?}");
    assert_eq!(
        our.reasons,
        ["USD 10.00 does not cover the costs of this route: the seller would receive INR -95.04"]
    );
    assert!(
        out.iter()
            .filter(|e| e.eligible)
            .all(|e| e.net_inr().unwrap() > 0)
    );
    let usable: Vec<&str> = out
        .iter()
        .filter(|e| e.usable())
        .map(|e| e.id.as_str())
        .collect();
    assert!(!usable.is_empty());
    let rk = rankings(&out);
    for order in [&rk.by_net_inr, &rk.cheapest_for_buyer, &rk.fastest] {
        assert_eq!(
            &order[..usable.len()]
                .iter()
                .map(String::as_str)
                .collect::<std::collections::BTreeSet<_>>(),
            &usable.iter().copied().collect()
        );
    }
    assert_eq!(no_usable_route(&out, q.amount), None);
    // CNY 10.00 from China (the PSPs take only USD there): nothing is usable, and the answer
    // says so.
    let q = request(
        Money::from_minor(1_000, CurrencyCode::CNY),
        Direction::BuyerPays,
    );
    let out = estimate(&s, &test_rates(), &q, &EstimateLimits::default()).unwrap();
    assert!(
        out.iter().all(|e| !e.eligible && e.pricing.is_none()),
        "{out:?}"
    );
    let warning = no_usable_route(&out, q.amount).unwrap();
    assert!(
        warning.starts_with("no route can be used for CNY 10.00"),
        "{warning}"
    );
}

// --- validation ------------------------------------------------------------

fn fields(errs: &[ScheduleProblem]) -> Vec<&str> {
    errs.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn validate_catches_bad_documents() {
    let mut s = default_fee_schedule();
    let cn = &mut s.corridors[0];
    cn.routes[0].sender_fee = Some(FixedFee {
        amount: dec!(-1),
        currency: CurrencyCode::USD,
    });
    cn.routes[0].inr_conversion = Some(InrConversion {
        spread: Spread::FractionOfMid { rate: dec!(1) },
        converted_by: "bank".into(),
        gst_on_conversion: true,
    });
    cn.routes[0].intermediaries[0].fee = FixedFee {
        amount: dec!(2.5),
        currency: CurrencyCode::JPY,
    };
    cn.routes[1].code = cn.routes[0].code.clone();
    cn.routes[2].arrival = Some(ArrivalWindow {
        min_hours: 10,
        max_hours: 5,
    });
    let upi = cn.routes.iter_mut().find(|r| r.rail == Rail::Upi).unwrap();
    upi.eligible = true;
    let srva = cn.routes.iter_mut().find(|r| r.rail == Rail::Srva).unwrap();
    srva.ineligibility_reason = None;
    let dup = s.corridors[1].clone();
    s.corridors.push(dup);
    s.conversion_gst_slabs.slabs[1].from_inr = dec!(99999);
    s.gst_rate_on_fees = dec!(1.5);

    let errs = s.validate();
    let f = fields(&errs);
    for expected in [
        "corridors[0].routes[0].sender_fee.amount",
        "corridors[0].routes[0].inr_conversion.spread.rate",
        "corridors[0].routes[0].intermediaries[0].fee.amount",
        "corridors[0].routes[1].code",
        "corridors[0].routes[2].arrival.min_hours",
        "corridors[14].buyer_country",
        "conversion_gst_slabs.slabs[1].from_inr",
        "gst_rate_on_fees",
    ] {
        assert!(f.contains(&expected), "missing {expected} in {errs:#?}");
    }
    assert!(
        errs.iter()
            .any(|e| e.field.ends_with(".eligible") && e.message.contains("UPI"))
    );
    assert!(
        errs.iter()
            .any(|e| e.field.ends_with(".ineligibility_reason") && e.message.contains("required"))
    );
    let jpy = errs
        .iter()
        .find(|e| e.field == "corridors[0].routes[0].intermediaries[0].fee.amount")
        .unwrap();
    assert!(jpy.message.contains("at most 0"));
}

#[test]
fn validate_requires_conversions_where_currencies_differ() {
    let mut s = default_fee_schedule();
    s.corridors[0].routes[0].conversion_abroad = None;
    s.corridors[0].routes[1].inr_conversion = None;
    let f = s.validate();
    assert!(fields(&f).contains(&"corridors[0].routes[0].conversion_abroad"));
    assert!(fields(&f).contains(&"corridors[0].routes[1].inr_conversion"));
}

#[test]
fn parse_reports_unknown_currencies_with_their_paths() {
    let mut doc = serde_json::to_value(default_fee_schedule()).unwrap();
    doc["corridors"][0]["routes"][0]["sender_fee"]["currency"] = "XXX".into();
    doc["corridors"][2]["routes"][1]["buyer_currencies"][0] = "ABC".into();
    let errs = parse_fee_schedule(&doc).unwrap_err();
    assert_eq!(
        fields(&errs),
        vec![
            "corridors[0].routes[0].sender_fee.currency",
            "corridors[2].routes[1].buyer_currencies[0]"
        ]
    );
    assert!(errs[0].message.contains("unknown currency"));
    // Shape errors name the field and say what it must be, not the parser's words.
    let mut doc = serde_json::to_value(default_fee_schedule()).unwrap();
    doc["corridors"][0]["routes"][0]["eligible"] = "yes".into();
    let errs = parse_fee_schedule(&doc).unwrap_err();
    assert_eq!(fields(&errs), ["corridors[0].routes[0].eligible"]);
    assert_eq!(errs[0].message, "must be true or false");
    let mut doc = serde_json::to_value(default_fee_schedule()).unwrap();
    doc["gst_rate_on_fees"] = serde_json::json!([1]);
    let errs = parse_fee_schedule(&doc).unwrap_err();
    assert_eq!(fields(&errs), ["gst_rate_on_fees"]);
    assert_eq!(
        errs[0].message,
        "must be a decimal string such as \"1250.50\""
    );
}

#[test]
fn parse_refuses_over_long_lists_before_looking_at_their_items() {
    let mut doc = serde_json::to_value(default_fee_schedule()).unwrap();
    doc["corridors"][0]["routes"][0]["buyer_currencies"] = vec!["XXX"; 85_000].into();
    doc["corridors"][1]["routes"][0]["notes"] = vec![""; 21].into();
    let errs = parse_fee_schedule(&doc).unwrap_err();
    assert_eq!(
        fields(&errs),
        vec![
            "corridors[0].routes[0].buyer_currencies",
            "corridors[1].routes[0].notes"
        ]
    );
    assert!(errs[0].message.contains("at most 50 items"));
}

#[test]
fn spreads_parse_in_both_forms() {
    let a: Spread =
        serde_json::from_value(serde_json::json!({"kind": "fraction_of_mid", "rate": "0.006"}))
            .unwrap();
    let b: Spread =
        serde_json::from_value(serde_json::json!({"kind": "per_unit", "margin": "0.50"})).unwrap();
    assert_eq!(a, Spread::FractionOfMid { rate: dec!(0.006) });
    assert_eq!(b, Spread::PerUnit { margin: dec!(0.50) });
}

// --- requests --------------------------------------------------------------

fn request(amount: Money, direction: Direction) -> EstimateRequest {
    EstimateRequest {
        buyer_country: "CN".into(),
        direction,
        amount,
        buyer_currency: None,
        charge_bearer: BearerSelection::All,
    }
}

#[test]
fn request_errors() {
    let s = default_fee_schedule();
    let r = test_rates();
    let l = EstimateLimits::default();
    let cny = |minor| Money::from_minor(minor, CurrencyCode::CNY);
    // Non-positive.
    for m in [0, -100] {
        assert_eq!(
            estimate(&s, &r, &request(cny(m), Direction::BuyerPays), &l),
            Err(EstimateError::Money(MoneyError::NotPositive))
        );
    }
    // Above the cap (₹1,000 crore): CNY 100 crore × 11.6.
    let e = estimate(
        &s,
        &r,
        &request(cny(100_000_000_000), Direction::BuyerPays),
        &l,
    )
    .unwrap_err();
    assert!(matches!(
        e,
        EstimateError::Money(MoneyError::TooLarge { .. })
    ));
    assert!(e.to_string().contains("INR 10000000000.00"));
    // i64-sized amounts are "too large", not a crash.
    assert!(matches!(
        estimate(&s, &r, &request(cny(i64::MAX), Direction::BuyerPays), &l),
        Err(EstimateError::Money(MoneyError::TooLarge { .. }))
    ));
    // Unknown corridor.
    let mut q = request(cny(100), Direction::BuyerPays);
    q.buyer_country = "XX".into();
    assert!(matches!(
        estimate(&s, &r, &q, &l),
        Err(EstimateError::UnknownCorridor { .. })
    ));
    // seller_receives needs INR and a buyer currency.
    assert_eq!(
        estimate(&s, &r, &request(cny(100), Direction::SellerReceives), &l),
        Err(EstimateError::TargetNotInr(CurrencyCode::CNY))
    );
    assert_eq!(
        estimate(
            &s,
            &r,
            &request(Money::inr(100), Direction::SellerReceives),
            &l
        ),
        Err(EstimateError::BuyerCurrencyRequired)
    );
    // Missing rate names the pair.
    let no_cny = usd_rates(dec!(84));
    assert_eq!(
        estimate(&s, &no_cny, &request(cny(100), Direction::BuyerPays), &l),
        Err(EstimateError::MissingRate {
            from: CurrencyCode::CNY,
            to: CurrencyCode::INR
        })
    );
}

#[test]
fn request_json_rejects_bad_amounts_and_currencies() {
    let parse = |v: serde_json::Value| serde_json::from_value::<EstimateRequest>(v);
    let ok = parse(serde_json::json!({
        "buyer_country": "CN", "direction": "buyer_pays",
        "amount": {"currency": "KWD", "amount": "1.250"}, "charge_bearer": "SHA"
    }))
    .unwrap();
    assert_eq!(ok.amount.minor, 1250);
    for (amount, needle) in [
        (
            serde_json::json!({"currency": "JPY", "amount": "100.5"}),
            "at most 0",
        ),
        (
            serde_json::json!({"currency": "KWD", "amount": "1.2345"}),
            "at most 3",
        ),
        (
            serde_json::json!({"currency": "ABC", "amount": "1"}),
            "unknown currency",
        ),
    ] {
        let err = parse(serde_json::json!({
            "buyer_country": "CN", "direction": "buyer_pays",
            "amount": amount, "charge_bearer": "SHA"
        }))
        .unwrap_err();
        assert!(err.to_string().contains(needle), "{err}");
    }
}

#[test]
fn rates_are_consistent_and_validated() {
    let r = test_rates();
    assert_eq!(
        r.mid(CurrencyCode::USD, CurrencyCode::INR).unwrap(),
        dec!(84)
    );
    let cny_usd = r.mid(CurrencyCode::CNY, CurrencyCode::USD).unwrap();
    assert_eq!((cny_usd * dec!(84)).round_dp(20), dec!(11.6));
    assert_eq!(
        r.mid(CurrencyCode::CHF, CurrencyCode::USD),
        Err(EstimateError::MissingRate {
            from: CurrencyCode::CHF,
            to: CurrencyCode::USD
        })
    );
    assert!(Rates::new([(CurrencyCode::USD, dec!(0))]).is_err());
    assert!(Rates::new([(CurrencyCode::USD, dec!(-1))]).is_err());
}

#[test]
fn china_estimate_covers_every_route_and_ranks_them() {
    let s = default_fee_schedule();
    let r = test_rates();
    let q = request(
        Money::from_minor(7_000_000, CurrencyCode::CNY),
        Direction::BuyerPays,
    );
    let out = estimate(&s, &r, &q, &EstimateLimits::default()).unwrap();
    // 3 bearer-dependent routes × 3 bearers + SRVA + 3 PSPs + UPI.
    assert_eq!(out.len(), 3 * 3 + 1 + 3 + 1);
    let upi = out.iter().find(|e| e.rail == Rail::Upi).unwrap();
    assert!(!upi.eligible && upi.pricing.is_none());
    assert_eq!(upi.reasons, vec![UPI_REASON.to_string()]);
    // PSPs accept USD, not CNY, by default.
    let wallet = out.iter().find(|e| e.route_code == "psp-wallet").unwrap();
    assert!(!wallet.eligible && wallet.reasons[0].contains("does not accept payment in CNY"));
    // Ordered by net, ineligible last.
    let nets: Vec<Option<i64>> = out.iter().map(|e| e.net_inr()).collect();
    let first_none = nets.iter().position(|n| n.is_none()).unwrap();
    assert!(nets[first_none..].iter().all(|n| n.is_none()));
    assert!(nets[..first_none].windows(2).all(|w| w[0] >= w[1]));
    for e in &out {
        if let Some(p) = &e.pricing {
            assert_identity(p);
            // Two conversions on SWIFT/CIPS from CNY.
            assert!(p.lines.iter().any(|l| l.code == LineCode::FxSpreadAbroad));
        }
    }
    // OUR nets most, BEN least, on the same route.
    let net = |id: &str| out.iter().find(|e| e.id == id).unwrap().net_inr().unwrap();
    assert!(net("swift-usd-1hop:OUR") > net("swift-usd-1hop:SHA"));
    assert!(net("swift-usd-1hop:SHA") > net("swift-usd-1hop:BEN"));
    assert!(net("swift-usd-1hop:SHA") > net("swift-usd-2hop:SHA"));
    let rk = rankings(&out);
    assert_eq!(rk.by_net_inr[0], "swift-usd-1hop:OUR");
    assert_eq!(rk.by_net_inr.last(), rk.fastest.last());
    assert!(rk.cheapest_for_buyer[0].ends_with(":BEN"));
}

#[test]
fn srva_and_psp_pricing() {
    let s = default_fee_schedule();
    let r = test_rates();
    let mut q = request(
        Money::from_minor(1_000_000, CurrencyCode::SGD),
        Direction::BuyerPays,
    );
    q.buyer_country = "SG".into();
    q.charge_bearer = BearerSelection::Sha;
    let out = estimate(&s, &r, &q, &EstimateLimits::default()).unwrap();
    let srva = out.iter().find(|e| e.route_code == "srva-inr").unwrap();
    let p = srva.pricing.as_ref().unwrap();
    assert!(srva.charge_bearer.is_none());
    assert!(p.lines.iter().all(|l| l.code != LineCode::GstOnConversion));
    assert!(srva.notes.iter().any(|n| n.contains("no Indian GST")));
    // SGD 10,000 at 62.5 = ₹6,25,000; 0.60% spread → ₹6,21,250.00;
    // minus 500 + 90 + 250 + 45.
    assert_eq!(p.net_inr, Money::inr(62_125_000 - 88_500));
    let wallet = out.iter().find(|e| e.route_code == "psp-wallet").unwrap();
    let p = wallet.pricing.as_ref().unwrap();
    // 4.4% of SGD 10,000 = SGD 440; USD 0.30 = SGD 0.4032 → 0.40.
    assert_eq!(
        line(p, LineCode::PspFee).amount,
        Money::from_minor(44_000, CurrencyCode::SGD)
    );
    assert_eq!(
        line(p, LineCode::PspFixedFee).amount,
        Money::from_minor(40, CurrencyCode::SGD)
    );
    // GST 18% on (₹27,500 + ₹25) = ₹4,954.50.
    assert_eq!(
        line(p, LineCode::GstOnPspFee).amount_inr,
        Money::inr(495_450)
    );
    assert_identity(p);
}

#[test]
fn tiny_amounts_that_fees_swallow_are_not_eligible() {
    let s = default_fee_schedule();
    let r = test_rates();
    let mut q = request(
        Money::from_minor(1_000, CurrencyCode::USD),
        Direction::BuyerPays,
    );
    q.buyer_country = "US".into();
    q.charge_bearer = BearerSelection::Sha;
    let out = estimate(&s, &r, &q, &EstimateLimits::default()).unwrap();
    let swift = out.iter().find(|e| e.id == "swift-usd-1hop:SHA").unwrap();
    assert!(!swift.eligible);
    assert!(swift.reasons[0].contains("does not cover"));
    // The PSP still prices USD 10 (its costs leave the seller something).
    let wallet = out.iter().find(|e| e.id == "psp-wallet").unwrap();
    assert!(wallet.pricing.is_some());
}

#[test]
fn per_unit_spread_at_or_above_mid_is_an_error() {
    let schedule = example_schedule(example_route(None, Spread::PerUnit { margin: dec!(84) }));
    let route = &schedule.corridors[0].routes[0];
    let e = estimate_route(
        &schedule,
        route,
        &usd_rates(dec!(84)),
        Target::BuyerPays(usd(1_000_000)),
        Some(ChargeBearer::Sha),
        &EstimateLimits::default(),
    )
    .unwrap_err();
    assert!(matches!(e, EstimateError::SpreadExceedsRate { .. }));
}

#[test]
fn kwd_and_jpy_buyers_price_in_their_minor_units() {
    let mut route = example_route(None, abs_spread());
    route.buyer_currencies = vec![CurrencyCode::KWD, CurrencyCode::JPY];
    route.conversion_abroad = Some(Spread::FractionOfMid { rate: dec!(0.006) });
    let schedule = example_schedule(route);
    let r = test_rates();
    for m in [
        Money::from_minor(3_071_500, CurrencyCode::KWD),
        Money::from_minor(1_500_000, CurrencyCode::JPY),
    ] {
        let est = price(&schedule, &r, Target::BuyerPays(m), ChargeBearer::Our);
        let p = est.pricing.unwrap();
        let s = line(&p, LineCode::IntermediaryFee);
        assert_eq!(s.amount.currency, m.currency);
        assert_identity(&p);
    }
}

#[test]
fn schemas_are_generated() {
    use utoipa::PartialSchema;
    let json = serde_json::to_string(&RouteEstimate::schema()).unwrap();
    assert!(json.contains("net_inr") || json.contains("Pricing"));
    let money = serde_json::to_string(&Money::schema()).unwrap();
    assert!(money.contains("amount") && money.contains("currency"));
    let fs = serde_json::to_string(&FeeSchedule::schema()).unwrap();
    assert!(fs.contains("conversion_gst_slabs"));
}

#[test]
fn seller_receives_ranks_by_what_the_buyer_pays() {
    let s = default_fee_schedule();
    let r = test_rates();
    let q = EstimateRequest {
        buyer_country: "SG".into(),
        direction: Direction::SellerReceives,
        amount: Money::inr(50_000_000),
        buyer_currency: Some(CurrencyCode::USD),
        charge_bearer: BearerSelection::All,
    };
    let out = estimate(&s, &r, &q, &EstimateLimits::default()).unwrap();
    // SRVA does not take USD: one entry, not eligible, no bearer.
    let srva: Vec<_> = out.iter().filter(|e| e.route_code == "srva-inr").collect();
    assert_eq!(srva.len(), 1);
    assert!(!srva[0].eligible && srva[0].reasons[0].contains("does not accept payment in USD"));
    let paid: Vec<i64> = out
        .iter()
        .filter_map(|e| e.pricing.as_ref())
        .map(|p| p.buyer_pays_total_inr_at_mid.minor)
        .collect();
    assert_eq!(paid.len(), 2 * 3 + 3);
    assert!(paid.windows(2).all(|w| w[0] <= w[1]));
    for p in out.iter().filter_map(|e| e.pricing.as_ref()) {
        let t = p.target.as_ref().unwrap();
        assert!(p.net_inr.minor >= 50_000_000);
        assert_eq!(p.net_inr.minor - 50_000_000, t.over_delivered_inr.minor);
        assert_identity(p);
    }
    assert_eq!(rankings(&out).cheapest_for_buyer[0], out[0].id);
}
