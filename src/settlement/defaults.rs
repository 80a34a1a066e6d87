//! The default fee schedule, built from `reference/settlement.md`.
//!
//! Every figure here is data: an admin replaces it with a new schedule
//! version. Where the reference gives a range, the mid value is used; where
//! it gives none, the choice is stated next to the figure.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::money::CurrencyCode;
use crate::settlement::engine::{
    ArrivalWindow, ConversionGstSlabs, Corridor, FeeSchedule, FixedFee, GstRounding, GstSlab, Hop,
    InrConversion, InrFee, ListingFee, PspFee, Rail, Route, Spread,
};

/// Version label of [`default_fee_schedule`].
pub const DEFAULT_SCHEDULE_VERSION: &str = "reference-defaults-1";

/// Reason shown with every UPI route.
pub const UPI_REASON: &str = "UPI international links are person-to-person only; not permitted for B2B export receipts and not connected to CIPS";

/// Sender bank fee (reference: USD 35, range 20–75).
const SENDER_FEE_USD: Decimal = dec!(35);
/// Each intermediary / correspondent hop (reference: USD 25, range 10–55).
const HOP_FEE_USD: Decimal = dec!(25);
/// Receiving bank inward fee (reference: INR 500, range 200–1,000).
const RECEIVING_FEE_INR: Decimal = dec!(500);
/// FIRA / FIRC fee (reference: INR 250, range 0–500).
const FIRA_FEE_INR: Decimal = dec!(250);
/// Bank FX spread per conversion (reference: 0.60%, range 0.25%–2%).
const BANK_SPREAD: Decimal = dec!(0.006);

/// The Rule 32(2)(b) table as data.
pub fn rule_32_2_b_slabs() -> ConversionGstSlabs {
    ConversionGstSlabs {
        slabs: vec![
            GstSlab {
                from_inr: dec!(0),
                up_to_inr: Some(dec!(100000)),
                base_value_inr: dec!(0),
                rate: dec!(0.01),
            },
            GstSlab {
                from_inr: dec!(100000),
                up_to_inr: Some(dec!(1000000)),
                base_value_inr: dec!(1000),
                rate: dec!(0.005),
            },
            GstSlab {
                from_inr: dec!(1000000),
                up_to_inr: None,
                base_value_inr: dec!(5500),
                rate: dec!(0.001),
            },
        ],
        minimum_value_inr: dec!(250),
        maximum_value_inr: dec!(60000),
        rounding: GstRounding::WholeRupee,
    }
}

fn usd(amount: Decimal) -> FixedFee {
    FixedFee {
        amount,
        currency: CurrencyCode::USD,
    }
}

fn bank_spread() -> Spread {
    Spread::FractionOfMid { rate: BANK_SPREAD }
}

fn indian_bank_conversion() -> Option<InrConversion> {
    Some(InrConversion {
        spread: bank_spread(),
        converted_by: "seller's AD Category-I bank".into(),
        gst_on_conversion: true,
    })
}

fn receiving_fee() -> Option<InrFee> {
    Some(InrFee {
        amount_inr: RECEIVING_FEE_INR,
        gst: true,
    })
}

fn fira_fee() -> Option<InrFee> {
    Some(InrFee {
        amount_inr: FIRA_FEE_INR,
        gst: true,
    })
}

const SWIFT_WINDOW: ArrivalWindow = ArrivalWindow {
    min_hours: 24,
    max_hours: 72,
};

fn hop(name: &str) -> Hop {
    Hop {
        name: name.into(),
        fee: usd(HOP_FEE_USD),
    }
}

/// What a corridor's buyer pays in, and what is available there.
struct CorridorFacts {
    country: &'static str,
    local: CurrencyCode,
    /// `Ok(note)`: a buyer-side bank may hold an SRVA; `Err(reason)`: none known.
    srva: Result<&'static str, &'static str>,
    /// SWIFT routes in the buyer's own currency besides USD (EUR, GBP).
    swift_local: bool,
}

const NO_SRVA: &str = "No bank in this country is known to hold a Special Rupee Vostro Account with an Indian bank; add the route to the schedule when one does.";
const SRVA_NOTE: &str = "Only where the buyer's bank holds a Special Rupee Vostro Account (SRVA) with an Indian bank: check with the buyer's bank.";

const CN_NO_SRVA: &str = "No Chinese bank is known to hold a Special Rupee Vostro Account; China→India trade settles through USD (SWIFT, or a CIPS leg then SWIFT).";
const AE_SRVA_NOTE: &str = "Only where the buyer's bank holds a Special Rupee Vostro Account or settles under the India–UAE local-currency (INR–AED) framework: check with the buyer's bank.";

/// The corridors of the default schedule, one row each: country, local
/// currency, SRVA availability, SWIFT in the local currency.
#[rustfmt::skip]
const CORRIDORS: [CorridorFacts; 14] = [
    corridor("CN", CurrencyCode::CNY, Err(CN_NO_SRVA), false),
    corridor("SG", CurrencyCode::SGD, Ok(SRVA_NOTE), false),
    corridor("MY", CurrencyCode::MYR, Ok(SRVA_NOTE), false),
    corridor("ID", CurrencyCode::IDR, Err(NO_SRVA), false),
    corridor("VN", CurrencyCode::VND, Err(NO_SRVA), false),
    corridor("TH", CurrencyCode::THB, Err(NO_SRVA), false),
    corridor("AE", CurrencyCode::AED, Ok(AE_SRVA_NOTE), false),
    corridor("SA", CurrencyCode::SAR, Err(NO_SRVA), false),
    corridor("KE", CurrencyCode::KES, Ok(SRVA_NOTE), false),
    corridor("NG", CurrencyCode::NGN, Err(NO_SRVA), false),
    corridor("ZA", CurrencyCode::ZAR, Err(NO_SRVA), false),
    corridor("US", CurrencyCode::USD, Err(NO_SRVA), false),
    corridor("GB", CurrencyCode::GBP, Ok(SRVA_NOTE), true),
    corridor("DE", CurrencyCode::EUR, Ok(SRVA_NOTE), true),
];

/// One row of [`CORRIDORS`].
const fn corridor(
    country: &'static str,
    local: CurrencyCode,
    srva: Result<&'static str, &'static str>,
    swift_local: bool,
) -> CorridorFacts {
    CorridorFacts {
        country,
        local,
        srva,
        swift_local,
    }
}

/// Currencies the default PSP routes accept besides USD (assumption: the
/// major currencies these providers publish collection accounts or card
/// settlement for).
fn psp_accepts(local: CurrencyCode) -> Vec<CurrencyCode> {
    let majors = [
        CurrencyCode::EUR,
        CurrencyCode::GBP,
        CurrencyCode::SGD,
        CurrencyCode::AED,
        CurrencyCode::JPY,
        CurrencyCode::HKD,
        CurrencyCode::AUD,
        CurrencyCode::CAD,
    ];
    let mut v = vec![CurrencyCode::USD];
    if majors.contains(&local) {
        v.push(local);
    }
    v
}

fn buyer_currencies_usd_route(local: CurrencyCode) -> Vec<CurrencyCode> {
    if local == CurrencyCode::USD {
        vec![CurrencyCode::USD]
    } else {
        vec![local, CurrencyCode::USD]
    }
}

fn swift_usd(local: CurrencyCode, hops: usize) -> Route {
    let names = [
        "USD correspondent (New York)",
        "Second intermediary (regional USD clearer)",
    ];
    let mut notes = vec![
        "About half of SWIFT gpi payments arrive in under 30 minutes; T+1 to T+3 is the typical window.".to_string(),
        "The receiving bank's fee and FIRA fee are the seller's under every charge bearer.".to_string(),
    ];
    if local != CurrencyCode::USD {
        notes.push(format!(
            "{local} is converted to USD abroad, then USD to INR in India: two conversions."
        ));
    }
    Route {
        code: format!("swift-usd-{hops}hop"),
        name: format!(
            "SWIFT in USD, {hops} intermediary hop{}",
            if hops == 1 { "" } else { "s" }
        ),
        rail: Rail::Swift,
        eligible: true,
        ineligibility_reason: None,
        notes,
        arrival: Some(SWIFT_WINDOW),
        buyer_currencies: buyer_currencies_usd_route(local),
        transit_currency: Some(CurrencyCode::USD),
        charge_bearer_applies: true,
        sender_fee: Some(usd(SENDER_FEE_USD)),
        conversion_abroad: (local != CurrencyCode::USD).then(bank_spread),
        intermediaries: names.iter().take(hops).map(|n| hop(n)).collect(),
        inr_conversion: indian_bank_conversion(),
        receiving_fee: receiving_fee(),
        fira_fee: fira_fee(),
        psp_fee: None,
        platform_fee: None,
    }
}

fn swift_local(local: CurrencyCode) -> Route {
    Route {
        code: format!("swift-{}-1hop", local.as_str().to_ascii_lowercase()),
        name: format!("SWIFT in {local}, 1 intermediary hop"),
        rail: Rail::Swift,
        eligible: true,
        ineligibility_reason: None,
        notes: vec![
            format!("One conversion, {local} to INR in India."),
            format!("Hop fee quoted as USD {HOP_FEE_USD}, charged in {local} at mid."),
            "The receiving bank's fee and FIRA fee are the seller's under every charge bearer."
                .into(),
        ],
        arrival: Some(SWIFT_WINDOW),
        buyer_currencies: vec![local],
        transit_currency: Some(local),
        charge_bearer_applies: true,
        sender_fee: Some(usd(SENDER_FEE_USD)),
        conversion_abroad: None,
        intermediaries: vec![hop(&format!("{local} correspondent"))],
        inr_conversion: indian_bank_conversion(),
        receiving_fee: receiving_fee(),
        fira_fee: fira_fee(),
        psp_fee: None,
        platform_fee: None,
    }
}

fn cips_usd() -> Route {
    Route {
        code: "cips-usd".into(),
        name: "CIPS leg in CNY, then SWIFT in USD".into(),
        rail: Rail::Cips,
        eligible: true,
        ineligibility_reason: None,
        notes: vec![
            "The buyer pays CNY over CIPS to a CIPS participant, which converts to USD and forwards it over SWIFT: the participant is the intermediary that adds cost.".into(),
            "CIPS and UPI do not connect.".into(),
            "Two conversions: CNY to USD at the participant, USD to INR in India.".into(),
        ],
        arrival: Some(SWIFT_WINDOW),
        buyer_currencies: vec![CurrencyCode::CNY],
        transit_currency: Some(CurrencyCode::USD),
        charge_bearer_applies: true,
        sender_fee: Some(usd(SENDER_FEE_USD)),
        conversion_abroad: Some(bank_spread()),
        intermediaries: vec![
            hop("CIPS participant bank (conversion and forwarding)"),
            hop("USD correspondent (New York)"),
        ],
        inr_conversion: indian_bank_conversion(),
        receiving_fee: receiving_fee(),
        fira_fee: fira_fee(),
        psp_fee: None,
        platform_fee: None,
    }
}

fn srva(local: CurrencyCode, availability: Result<&str, &str>) -> Route {
    let (eligible, reason, mut notes) = match availability {
        Ok(note) => (true, None, vec![note.to_string()]),
        Err(reason) => (false, Some(reason.to_string()), Vec::new()),
    };
    notes.extend([
        "Trade invoiced in INR: one conversion, on the buyer's side, so no Indian GST on currency conversion.".to_string(),
        "Charge bearer does not apply: the buyer's bank credits the seller's bank from its vostro account in India.".to_string(),
        "Any fee the buyer's bank charges the buyer is not in this schedule.".to_string(),
    ]);
    let mut buyer_currencies = vec![local];
    if local != CurrencyCode::INR {
        buyer_currencies.push(CurrencyCode::INR);
    }
    Route {
        code: "srva-inr".into(),
        name: "Rupee vostro (SRVA), invoiced in INR".into(),
        rail: Rail::Srva,
        eligible,
        ineligibility_reason: reason,
        notes,
        arrival: Some(ArrivalWindow {
            min_hours: 0,
            max_hours: 48,
        }),
        buyer_currencies,
        transit_currency: Some(CurrencyCode::INR),
        charge_bearer_applies: false,
        sender_fee: None,
        conversion_abroad: Some(bank_spread()),
        intermediaries: Vec::new(),
        inr_conversion: None,
        receiving_fee: receiving_fee(),
        fira_fee: fira_fee(),
        psp_fee: None,
        platform_fee: None,
    }
}

const PSP_WINDOW: ArrivalWindow = ArrivalWindow {
    min_hours: 24,
    max_hours: 48,
};

fn psp_route(
    code: &str,
    name: &str,
    fee: PspFee,
    fx: Decimal,
    local: CurrencyCode,
    note: &str,
) -> Route {
    Route {
        code: code.into(),
        name: name.into(),
        rail: Rail::Psp,
        eligible: true,
        ineligibility_reason: None,
        notes: vec![
            note.to_string(),
            "Charge bearer does not apply: the provider deducts its fees from what it collects."
                .into(),
            "The provider converts with its own margin and pays out INR in India; no bank inward or FIRA fee is assumed (the provider issues the remittance advice).".into(),
        ],
        arrival: Some(PSP_WINDOW),
        buyer_currencies: psp_accepts(local),
        transit_currency: None,
        charge_bearer_applies: false,
        sender_fee: None,
        conversion_abroad: None,
        intermediaries: Vec::new(),
        inr_conversion: Some(InrConversion {
            spread: Spread::FractionOfMid { rate: fx },
            converted_by: "the payment service provider".into(),
            gst_on_conversion: false,
        }),
        receiving_fee: None,
        fira_fee: None,
        psp_fee: Some(fee),
        platform_fee: None,
    }
}

fn psp_routes(local: CurrencyCode) -> Vec<Route> {
    vec![
        psp_route(
            "psp-wallet",
            "PSP: global wallet (PayPal-type pricing)",
            PspFee {
                rate: dec!(0.044),
                fixed: Some(usd(dec!(0.30))),
                gst: true,
            },
            // Reference: 3–4% FX margin; mid value.
            dec!(0.035),
            local,
            "Reference pricing: about 4.4% + USD 0.30 plus a 3–4% FX margin (3.5% used).",
        ),
        psp_route(
            "psp-collection-account",
            "PSP: collection account (Payoneer-type pricing)",
            PspFee {
                rate: dec!(0.02),
                fixed: None,
                gst: true,
            },
            // The reference gives no FX figure for this provider; 0.5% is an assumption.
            dec!(0.005),
            local,
            "Reference pricing: about 2%; the 0.5% FX margin is this schedule's assumption.",
        ),
        psp_route(
            "psp-card-gateway",
            "PSP: card payment gateway",
            PspFee {
                rate: dec!(0.043),
                fixed: None,
                gst: true,
            },
            dec!(0.02),
            local,
            "Reference pricing: about 4.3% plus a 2% FX margin.",
        ),
    ]
}

fn upi(country: &str) -> Route {
    let mut notes = Vec::new();
    if country == "SG" {
        notes.push("The UPI–PayNow link serves person-to-person remittances only.".to_string());
    }
    Route {
        code: "upi-international".into(),
        name: "UPI international".into(),
        rail: Rail::Upi,
        eligible: false,
        ineligibility_reason: Some(UPI_REASON.into()),
        notes,
        arrival: None,
        buyer_currencies: Vec::new(),
        transit_currency: None,
        charge_bearer_applies: false,
        sender_fee: None,
        conversion_abroad: None,
        intermediaries: Vec::new(),
        inr_conversion: None,
        receiving_fee: None,
        fira_fee: None,
        psp_fee: None,
        platform_fee: None,
    }
}

/// The default schedule: corridors CN, SG, MY, ID, VN, TH, AE, SA, KE, NG,
/// ZA, US, GB, DE → IN, each with SWIFT USD (1 and 2 hops), SWIFT in the
/// buyer's currency for GB/DE, a CIPS leg for CN, SRVA (eligible only where a
/// buyer-side bank may hold one), three PSPs and UPI (not eligible). No
/// platform fee: the reference gives no figure for it.
pub fn default_fee_schedule() -> FeeSchedule {
    let corridors = CORRIDORS
        .into_iter()
        .map(|f| {
            let mut routes = vec![swift_usd(f.local, 1), swift_usd(f.local, 2)];
            if f.swift_local {
                routes.push(swift_local(f.local));
            }
            if f.country == "CN" {
                routes.push(cips_usd());
            }
            routes.push(srva(f.local, f.srva));
            routes.extend(psp_routes(f.local));
            routes.push(upi(f.country));
            Corridor {
                buyer_country: f.country.into(),
                seller_jurisdiction: "IN".into(),
                routes,
            }
        })
        .collect();
    FeeSchedule {
        version: DEFAULT_SCHEDULE_VERSION.into(),
        gst_rate_on_fees: dec!(0.18),
        gst_rate_on_conversion: dec!(0.18),
        conversion_gst_slabs: rule_32_2_b_slabs(),
        corridors,
        listing_fee: ListingFee::default(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::settlement::engine::parse_fee_schedule;

    #[test]
    fn default_schedule_is_valid() {
        let s = default_fee_schedule();
        assert_eq!(s.validate(), vec![]);
    }

    #[test]
    fn default_schedule_round_trips_through_json_and_parse() {
        let s = default_fee_schedule();
        let json = serde_json::to_value(&s).unwrap();
        let back = parse_fee_schedule(&json).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn every_required_corridor_is_there_with_upi_ineligible() {
        let s = default_fee_schedule();
        for c in [
            "CN", "SG", "MY", "ID", "VN", "TH", "AE", "SA", "KE", "NG", "ZA", "US", "GB", "DE",
        ] {
            let corridor = s.corridor(c).unwrap();
            let upi = corridor
                .routes
                .iter()
                .find(|r| r.rail == Rail::Upi)
                .unwrap();
            assert!(!upi.eligible);
            assert_eq!(upi.ineligibility_reason.as_deref(), Some(UPI_REASON));
            assert!(
                corridor
                    .routes
                    .iter()
                    .any(|r| r.code == "swift-usd-1hop" && r.eligible)
            );
        }
        let cn: Vec<_> = s
            .corridor("CN")
            .unwrap()
            .routes
            .iter()
            .map(|r| r.code.as_str())
            .collect();
        for code in [
            "swift-usd-1hop",
            "swift-usd-2hop",
            "cips-usd",
            "srva-inr",
            "psp-wallet",
            "psp-collection-account",
            "psp-card-gateway",
            "upi-international",
        ] {
            assert!(cn.contains(&code), "{code}");
        }
    }
}
