//! Settlement estimation: what reaches an Indian seller when a buyer abroad
//! pays, route by route, as line items against the mid-market rate.
//!
//! Pure computation: a [`FeeSchedule`] (versioned data), [`Rates`] (mid
//! rates as INR per unit) and an [`EstimateRequest`] go in; ranked
//! [`RouteEstimate`]s come out. No I/O.
//!
//! # How the numbers are kept honest
//!
//! * Money is integer minor units; every decimal result is rounded half-even
//!   exactly once, per line, except tax: GST rounds half-up (50 paise and
//!   above go up, CGST Act s.170).
//! * INR values "at mid" of money in a foreign currency are taken as the fall
//!   in the mid value of the money in flight: a line deducting `f` from `x`
//!   is worth `V(x) − V(x − f)`, where `V` is the half-even paise value at
//!   mid. These telescope, so `buyer_pays_total_inr_at_mid − Σ lines ==
//!   net_inr` holds exactly by construction (each line is within one paisa
//!   of its fee valued on its own).
//! * Cross rates are derived from INR-per-unit mids, so all mid valuations
//!   agree with each other. A conversion never delivers more than the mid
//!   value (it is trimmed by a minor unit if half-even rounding would), so a
//!   spread line is never negative.
//! * In-flight deductions (SHA/BEN hops, BEN sender fee, PSP fees) must leave
//!   something, and so must all costs together: a route whose costs reach the
//!   amount (net ≤ 0) is returned as not eligible for that amount, with the
//!   reason, rather than priced as a payout the seller would pay for.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use rust_decimal::Decimal;
use rust_decimal::RoundingStrategy;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::money::{CurrencyCode, Money, MoneyError, round_half_even_i64, round_half_up_i64};

// ---------------------------------------------------------------------------
// Fee-schedule document
// ---------------------------------------------------------------------------

/// A versioned fee schedule: every figure the estimator uses, as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FeeSchedule {
    /// Version label of this schedule, shown with every estimate.
    pub version: String,
    /// GST rate on Indian bank and platform fees, as a fraction (0.18 = 18%).
    #[schema(value_type = String, example = "0.18")]
    #[serde(default = "default_gst_rate")]
    pub gst_rate_on_fees: Decimal,
    /// GST rate applied to the taxable value of a currency conversion, as a
    /// fraction (0.18 = 18%).
    #[schema(value_type = String, example = "0.18")]
    #[serde(default = "default_gst_rate")]
    pub gst_rate_on_conversion: Decimal,
    /// Taxable value of a currency conversion (CGST Rules, Rule 32(2)(b)).
    pub conversion_gst_slabs: ConversionGstSlabs,
    /// Corridors (buyer country → seller jurisdiction) and their routes; at most 250.
    #[schema(max_items = 250)]
    pub corridors: Vec<Corridor>,
}

fn default_gst_rate() -> Decimal {
    Decimal::new(18, 2)
}

/// The Rule 32(2)(b) table: the taxable value of converting a gross amount A
/// (INR) is `base_value_inr + rate × (A − from_inr)` in the slab holding A,
/// then raised to `minimum_value_inr` and capped at `maximum_value_inr`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConversionGstSlabs {
    /// Contiguous slabs, the first from 0, the last without an upper bound; at most 50.
    #[schema(max_items = 50)]
    pub slabs: Vec<GstSlab>,
    /// Smallest taxable value of any conversion, INR (₹250).
    #[schema(value_type = String, example = "250")]
    pub minimum_value_inr: Decimal,
    /// Largest taxable value of any conversion, INR (₹60,000).
    #[schema(value_type = String, example = "60000")]
    pub maximum_value_inr: Decimal,
    /// Where the GST amount is rounded to; halves go up (CGST Act s.170).
    pub rounding: GstRounding,
}

/// One slab of the conversion-value table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GstSlab {
    /// Lower bound of A (exclusive, except 0), INR.
    #[schema(value_type = String, example = "100000")]
    pub from_inr: Decimal,
    /// Upper bound of A (inclusive), INR; absent for the last slab.
    #[schema(value_type = Option<String>, example = "1000000")]
    pub up_to_inr: Option<Decimal>,
    /// Taxable value at `from_inr`, INR.
    #[schema(value_type = String, example = "1000")]
    pub base_value_inr: Decimal,
    /// Fraction of (A − from_inr) added to the base (0.005 = 0.5%).
    #[schema(value_type = String, example = "0.005")]
    pub rate: Decimal,
}

/// Rounding of a GST amount: to the nearest whole rupee (or paisa), 50 paise (half a paisa)
/// and above going up, as CGST Act s.170 rounds tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GstRounding {
    /// To the whole rupee (the reference: ₹839.62 → ₹840, ₹184.50 → ₹185).
    WholeRupee,
    /// To the paisa.
    Paisa,
}

/// Payments from one buyer country to sellers in one jurisdiction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Corridor {
    /// Buyer's country, ISO 3166-1 alpha-2 (e.g. "CN").
    #[schema(example = "CN")]
    pub buyer_country: String,
    /// Seller's jurisdiction, ISO 3166-1 alpha-2; only "IN" is supported.
    #[schema(example = "IN")]
    pub seller_jurisdiction: String,
    /// Every way of paying, including ones shown only as not eligible; at most 50.
    #[schema(max_items = 50)]
    pub routes: Vec<Route>,
}

/// Payment rail of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rail {
    /// SWIFT correspondent banking.
    Swift,
    /// China's Cross-border Interbank Payment System leg, then SWIFT.
    Cips,
    /// Special Rupee Vostro Account (trade invoiced in INR).
    Srva,
    /// Payment service provider collection account.
    Psp,
    /// UPI international (person-to-person; not for B2B).
    Upi,
}

/// SWIFT field 71A charge bearer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
pub enum ChargeBearer {
    /// The buyer pays all bank fees on top; the seller bears only
    /// receiving-side fees.
    #[serde(rename = "OUR")]
    Our,
    /// Each side pays its own bank; intermediaries deduct in flight.
    #[serde(rename = "SHA")]
    Sha,
    /// Every fee is deducted from the amount.
    #[serde(rename = "BEN")]
    Ben,
}

impl ChargeBearer {
    /// All three codes.
    pub const ALL: [ChargeBearer; 3] = [ChargeBearer::Our, ChargeBearer::Sha, ChargeBearer::Ben];
}

impl fmt::Display for ChargeBearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChargeBearer::Our => "OUR",
            ChargeBearer::Sha => "SHA",
            ChargeBearer::Ben => "BEN",
        })
    }
}

/// Expected time from the buyer's instruction to the seller's credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ArrivalWindow {
    /// Fastest typical arrival, hours.
    pub min_hours: u32,
    /// Slowest typical arrival, hours.
    pub max_hours: u32,
}

/// A fixed fee quoted in a currency. Charged in the currency of the money it
/// applies to, converted at mid when that differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FixedFee {
    /// Amount in major units, e.g. "25.00".
    #[schema(value_type = String, example = "25.00")]
    pub amount: Decimal,
    /// Currency of the quote.
    pub currency: CurrencyCode,
}

/// How far a conversion rate sits from mid-market. Applied rate is
/// `mid × (1 − rate)` or `mid − margin` (target units per source unit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Spread {
    /// A fraction of mid (0.006 = 0.60%).
    FractionOfMid {
        /// Fraction of the mid rate, 0 ≤ rate < 1.
        #[schema(value_type = String, example = "0.006")]
        rate: Decimal,
    },
    /// An absolute margin in target-currency units per source unit (e.g.
    /// INR 0.50 per USD).
    PerUnit {
        /// Margin per unit of the source currency, ≥ 0.
        #[schema(value_type = String, example = "0.50")]
        margin: Decimal,
    },
}

/// A correspondent or intermediary bank on the way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Hop {
    /// Who it is, e.g. "USD correspondent (New York)".
    pub name: String,
    /// Its charge.
    pub fee: FixedFee,
}

/// The conversion into INR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InrConversion {
    /// Spread applied by whoever converts.
    pub spread: Spread,
    /// Who converts, e.g. "seller's AD Category-I bank".
    pub converted_by: String,
    /// Whether Indian GST on currency conversion (Rule 32(2)(b)) applies.
    pub gst_on_conversion: bool,
}

/// A fee in INR charged in India to the seller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InrFee {
    /// Amount in rupees.
    #[schema(value_type = String, example = "500.00")]
    pub amount_inr: Decimal,
    /// Whether GST at `gst_rate_on_fees` is added.
    pub gst: bool,
}

/// A payment service provider's fee, deducted from the amount it collects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PspFee {
    /// Fraction of the collected amount (0.044 = 4.4%).
    #[schema(value_type = String, example = "0.044")]
    pub rate: Decimal,
    /// Fixed fee per payment.
    pub fixed: Option<FixedFee>,
    /// Whether GST at `gst_rate_on_fees` is charged on the fee.
    pub gst: bool,
}

/// The marketplace's own fee, charged to the seller in INR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlatformFee {
    /// Fraction of the gross INR credited by the conversion.
    #[schema(value_type = String, example = "0.0025")]
    pub rate: Decimal,
    /// Fixed part, rupees.
    #[schema(value_type = String, example = "0")]
    pub fixed_inr: Decimal,
    /// Whether GST at `gst_rate_on_fees` is added.
    pub gst: bool,
}

/// One way of getting money from the buyer to the seller, with all its fees.
///
/// The flow it describes: the buyer pays in one of `buyer_currencies` →
/// sender bank fee → conversion abroad into `transit_currency` (if it
/// differs) → each intermediary hop → conversion into INR (unless the
/// transit currency is INR) → Indian fees → seller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Route {
    /// Slug, unique within the corridor, e.g. "swift-usd-1hop".
    #[schema(example = "swift-usd-1hop")]
    pub code: String,
    /// Name shown to people.
    pub name: String,
    /// Rail.
    pub rail: Rail,
    /// Whether the route may be used for B2B export receipts at all.
    pub eligible: bool,
    /// Required when not eligible: why.
    #[serde(default)]
    pub ineligibility_reason: Option<String>,
    /// Notes shown with every estimate of this route; at most 20.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub notes: Vec<String>,
    /// Typical arrival; required for eligible routes.
    #[serde(default)]
    pub arrival: Option<ArrivalWindow>,
    /// Currencies the buyer may pay in; at most 50.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub buyer_currencies: Vec<CurrencyCode>,
    /// Currency that crosses the border (USD for SWIFT USD, INR for SRVA).
    /// Absent: the money stays in the buyer's currency until converted to
    /// INR (PSPs).
    #[serde(default)]
    pub transit_currency: Option<CurrencyCode>,
    /// Whether OUR/SHA/BEN applies (SWIFT, CIPS). When false, fees fall as
    /// described here whatever the bearer.
    pub charge_bearer_applies: bool,
    /// Buyer's bank fee.
    #[serde(default)]
    pub sender_fee: Option<FixedFee>,
    /// Spread of the conversion abroad from the buyer's currency into the
    /// transit currency (e.g. CNY→USD), when they differ.
    #[serde(default)]
    pub conversion_abroad: Option<Spread>,
    /// Intermediary / correspondent hops, in order; at most 10.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub intermediaries: Vec<Hop>,
    /// Conversion into INR (absent when the transit currency is INR).
    #[serde(default)]
    pub inr_conversion: Option<InrConversion>,
    /// Receiving bank's inward-remittance fee.
    #[serde(default)]
    pub receiving_fee: Option<InrFee>,
    /// FIRA / FIRC (inward remittance certificate) fee.
    #[serde(default)]
    pub fira_fee: Option<InrFee>,
    /// PSP fee, deducted in the buyer's currency.
    #[serde(default)]
    pub psp_fee: Option<PspFee>,
    /// Platform fee.
    #[serde(default)]
    pub platform_fee: Option<PlatformFee>,
}

/// A validation problem in a fee-schedule document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScheduleProblem {
    /// JSON-path-like location, e.g. `corridors[0].routes[2].sender_fee.amount`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

// ---------------------------------------------------------------------------
// Rates
// ---------------------------------------------------------------------------

/// Mid-market rates as INR per one unit of each currency. Every cross rate
/// is derived from these, so all mid valuations are mutually consistent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rates {
    inr_per_unit: BTreeMap<CurrencyCode, Decimal>,
}

impl Rates {
    /// Builds a rate table; every rate must be positive. INR is always 1.
    pub fn new(
        inr_per_unit: impl IntoIterator<Item = (CurrencyCode, Decimal)>,
    ) -> Result<Rates, EstimateError> {
        let mut map = BTreeMap::new();
        for (currency, rate) in inr_per_unit {
            if rate <= Decimal::ZERO || (currency == CurrencyCode::INR && rate != Decimal::ONE) {
                return Err(EstimateError::InvalidRate { currency });
            }
            map.insert(currency, rate);
        }
        map.insert(CurrencyCode::INR, Decimal::ONE);
        Ok(Rates { inr_per_unit: map })
    }

    /// INR per one unit of `currency` at mid.
    pub fn inr_per_unit(&self, currency: CurrencyCode) -> Result<Decimal, EstimateError> {
        self.inr_per_unit
            .get(&currency)
            .copied()
            .ok_or(EstimateError::MissingRate {
                from: currency,
                to: CurrencyCode::INR,
            })
    }

    /// Mid rate: units of `to` per unit of `from`.
    pub fn mid(&self, from: CurrencyCode, to: CurrencyCode) -> Result<Decimal, EstimateError> {
        let missing = || EstimateError::MissingRate { from, to };
        let f = self.inr_per_unit.get(&from).ok_or_else(missing)?;
        let t = self.inr_per_unit.get(&to).ok_or_else(missing)?;
        f.checked_div(*t)
            .ok_or(EstimateError::Money(MoneyError::Overflow))
    }

    /// Paise per minor unit of `currency` at mid.
    fn paise_per_minor(&self, currency: CurrencyCode) -> Result<Decimal, EstimateError> {
        let r = self.inr_per_unit(currency)?;
        let scale = Decimal::ONE_HUNDRED / Decimal::from(currency.minor_per_major());
        r.checked_mul(scale)
            .ok_or(EstimateError::Money(MoneyError::Overflow))
    }

    /// Value of `minor` units of `currency` in paise at mid, half-even.
    pub fn value_in_paise(&self, money: Money) -> Result<i64, EstimateError> {
        let ppm = self.paise_per_minor(money.currency)?;
        mul_round(Decimal::from(money.minor), ppm)
    }
}

fn mul_round(a: Decimal, b: Decimal) -> Result<i64, EstimateError> {
    let p = a
        .checked_mul(b)
        .ok_or(EstimateError::Money(MoneyError::Overflow))?;
    Ok(round_half_even_i64(p)?)
}

// ---------------------------------------------------------------------------
// Requests, answers, errors
// ---------------------------------------------------------------------------

/// Which amount the request fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The buyer pays `amount` (in the buyer's currency).
    BuyerPays,
    /// The seller must receive `amount` rupees net.
    SellerReceives,
}

/// Charge bearer asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum BearerSelection {
    /// OUR only.
    #[serde(rename = "OUR")]
    Our,
    /// SHA only.
    #[serde(rename = "SHA")]
    Sha,
    /// BEN only.
    #[serde(rename = "BEN")]
    Ben,
    /// Every bearer: bearer-dependent routes appear once per bearer.
    #[serde(rename = "all")]
    All,
}

impl BearerSelection {
    fn bearers(self) -> Vec<ChargeBearer> {
        match self {
            BearerSelection::Our => vec![ChargeBearer::Our],
            BearerSelection::Sha => vec![ChargeBearer::Sha],
            BearerSelection::Ben => vec![ChargeBearer::Ben],
            BearerSelection::All => ChargeBearer::ALL.to_vec(),
        }
    }
}

/// An estimate request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EstimateRequest {
    /// Buyer's country, ISO 3166-1 alpha-2.
    #[schema(example = "CN")]
    pub buyer_country: String,
    /// `buyer_pays`: `amount` is what the buyer sends, in the buyer's
    /// currency. `seller_receives`: `amount` is the INR net to reach.
    pub direction: Direction,
    /// The amount (see `direction`).
    pub amount: Money,
    /// Currency the buyer pays in. Required for `seller_receives`; for
    /// `buyer_pays` it must equal the amount's currency when given.
    #[serde(default)]
    pub buyer_currency: Option<CurrencyCode>,
    /// OUR, SHA, BEN or all.
    pub charge_bearer: BearerSelection,
}

/// Limits on what an estimate accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EstimateLimits {
    /// Largest amount at mid in INR (buyer amount or net target).
    pub max_amount_inr: Money,
    /// Most route evaluations one reverse (`seller_receives`) search may make.
    pub max_search_steps: u32,
}

impl Default for EstimateLimits {
    /// ₹1,000 crore and 200 steps.
    fn default() -> Self {
        EstimateLimits {
            max_amount_inr: Money::inr(1_000_000_000_000),
            max_search_steps: 200,
        }
    }
}

/// Who bears a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Payer {
    /// Paid by the buyer on top of the amount.
    Buyer,
    /// Deducted from what the seller gets.
    Seller,
}

/// Kind of a line item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineCode {
    /// Buyer's bank fee.
    SenderFee,
    /// One intermediary / correspondent hop.
    IntermediaryFee,
    /// FX spread of a conversion abroad (e.g. CNY→USD).
    FxSpreadAbroad,
    /// FX spread of the conversion into INR.
    FxSpread,
    /// GST on currency conversion (Rule 32(2)(b)).
    GstOnConversion,
    /// PSP percentage fee.
    PspFee,
    /// PSP fixed fee.
    PspFixedFee,
    /// GST on PSP fees.
    GstOnPspFee,
    /// Receiving bank inward fee.
    ReceivingFee,
    /// GST on the receiving fee.
    GstOnReceivingFee,
    /// FIRA / FIRC fee.
    FiraFee,
    /// GST on the FIRA fee.
    GstOnFiraFee,
    /// Platform fee.
    PlatformFee,
    /// GST on the platform fee.
    GstOnPlatformFee,
}

/// One cost on the way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LineItem {
    /// Kind of line.
    pub code: LineCode,
    /// Human description with the figure it comes from.
    pub label: String,
    /// Who bears it.
    pub payer: Payer,
    /// 1-based hop number for intermediary fees.
    pub hop: Option<u32>,
    /// Amount in the currency it is charged in.
    pub amount: Money,
    /// Its INR value at mid (paise). Spread lines: mid value minus what the
    /// conversion delivered.
    pub amount_inr: Money,
    /// Rate applied by the conversion (spread lines only).
    #[schema(value_type = Option<String>)]
    pub rate_applied: Option<Decimal>,
    /// Mid rate of the conversion (spread lines only).
    #[schema(value_type = Option<String>)]
    pub mid_rate: Option<Decimal>,
}

/// How a `seller_receives` target was met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TargetOutcome {
    /// The net asked for.
    pub target_inr: Money,
    /// Whether the net equals it to the paisa.
    pub hit_exactly: bool,
    /// Net minus target (zero when hit exactly).
    pub over_delivered_inr: Money,
}

/// The priced part of a route estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Pricing {
    /// Amount the buyer instructs (invoice amount), in the buyer's currency.
    pub amount: Money,
    /// Every cost, buyer's and seller's.
    pub lines: Vec<LineItem>,
    /// What the buyer pays in total (amount plus fees on top).
    pub buyer_pays_total: Money,
    /// `buyer_pays_total` at mid, INR.
    pub buyer_pays_total_inr_at_mid: Money,
    /// `amount` at mid, INR: what the seller would get with no costs.
    pub mid_market_equivalent_inr: Money,
    /// Σ of buyer-paid lines, INR at mid.
    pub buyer_fees_inr: Money,
    /// Σ of seller-borne lines, INR (= mid-market equivalent − net).
    pub seller_costs_inr: Money,
    /// Σ of all lines (= buyer_pays_total_inr_at_mid − net).
    pub total_cost_inr: Money,
    /// total_cost_inr / buyer_pays_total_inr_at_mid, percent, 2 dp.
    #[schema(value_type = String, example = "1.01")]
    pub effective_cost_pct: Decimal,
    /// seller_costs_inr / mid_market_equivalent_inr, percent, 2 dp.
    #[schema(value_type = String, example = "1.01")]
    pub seller_cost_pct: Decimal,
    /// Net INR credited to the seller.
    pub net_inr: Money,
    /// For `seller_receives`: how the target was met.
    pub target: Option<TargetOutcome>,
}

/// One route (and bearer) priced for a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RouteEstimate {
    /// `code`, or `code:BEARER` for bearer-dependent routes.
    pub id: String,
    /// Route code from the schedule.
    pub route_code: String,
    /// Route name.
    pub route_name: String,
    /// Rail.
    pub rail: Rail,
    /// Bearer priced, when the route depends on it.
    pub charge_bearer: Option<ChargeBearer>,
    /// Whether this route can be used for this request.
    pub eligible: bool,
    /// Why not, when not eligible.
    pub reasons: Vec<String>,
    /// Notes from the schedule and the computation.
    pub notes: Vec<String>,
    /// Typical arrival.
    pub arrival: Option<ArrivalWindow>,
    /// Prices; absent when not eligible.
    pub pricing: Option<Pricing>,
}

impl RouteEstimate {
    /// Net INR, if priced.
    pub fn net_inr(&self) -> Option<i64> {
        self.pricing.as_ref().map(|p| p.net_inr.minor)
    }
    /// Eligible and priced: a route the payment can take.
    pub fn usable(&self) -> bool {
        self.eligible && self.pricing.is_some()
    }
}

/// The warning for an answer in which no route can be used, if so.
pub fn no_usable_route(routes: &[RouteEstimate], amount: Money) -> Option<String> {
    (!routes.iter().any(RouteEstimate::usable)).then(|| {
        format!(
            "no route can be used for {amount}: every route is either not eligible or costs as \
             much as the payment; see each route's reasons"
        )
    })
}

/// Route ids in three orders. Routes that are not eligible always come last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Rankings {
    /// Most net INR to the seller first.
    pub by_net_inr: Vec<String>,
    /// Least paid by the buyer (INR at mid) first, then least total cost.
    pub cheapest_for_buyer: Vec<String>,
    /// Shortest worst-case arrival first, then shortest best case.
    pub fastest: Vec<String>,
}

/// Why an estimate could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EstimateError {
    /// A money problem with the amount (map to the `amount` field).
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// No corridor for this buyer country.
    #[error("no payment corridor from '{buyer_country}' to India")]
    UnknownCorridor {
        /// Country asked for.
        buyer_country: String,
    },
    /// `seller_receives` needs an INR amount.
    #[error("for seller_receives the amount must be in INR, not {0}")]
    TargetNotInr(CurrencyCode),
    /// `seller_receives` needs the buyer's currency.
    #[error("buyer_currency is required for seller_receives")]
    BuyerCurrencyRequired,
    /// `buyer_currency` disagrees with the amount's currency.
    #[error("buyer_currency {buyer_currency} differs from the amount's currency {amount}")]
    BuyerCurrencyMismatch {
        /// Given buyer currency.
        buyer_currency: CurrencyCode,
        /// Currency of the amount.
        amount: CurrencyCode,
    },
    /// No mid rate for a pair.
    #[error("no mid rate for {from}/{to}")]
    MissingRate {
        /// From currency.
        from: CurrencyCode,
        /// To currency.
        to: CurrencyCode,
    },
    /// A rate that is zero or negative (or INR ≠ 1).
    #[error("invalid mid rate for {currency}")]
    InvalidRate {
        /// Currency.
        currency: CurrencyCode,
    },
    /// A per-unit spread at least as large as the mid rate.
    #[error("route {route}: spread on {from}→{to} is not below the mid rate")]
    SpreadExceedsRate {
        /// Route code.
        route: String,
        /// From currency.
        from: CurrencyCode,
        /// To currency.
        to: CurrencyCode,
    },
    /// The schedule is inconsistent (should have failed `validate`).
    #[error("fee schedule problem: {0}")]
    InvalidSchedule(String),
    /// The reverse search hit its step limit.
    #[error("route {route}: search for the buyer amount did not converge")]
    SearchDidNotConverge {
        /// Route code.
        route: String,
    },
}

// ---------------------------------------------------------------------------
// GST on currency conversion
// ---------------------------------------------------------------------------

/// Taxable value (INR, unrounded) of converting `gross_inr_minor` paise under
/// Rule 32(2)(b). Zero for a non-positive amount.
pub fn conversion_taxable_value(
    gross_inr_minor: i64,
    slabs: &ConversionGstSlabs,
) -> Result<Decimal, EstimateError> {
    if gross_inr_minor <= 0 {
        return Ok(Decimal::ZERO);
    }
    let a = Decimal::new(gross_inr_minor, 2);
    let slab = slabs
        .slabs
        .iter()
        .find(|s| a > s.from_inr && s.up_to_inr.is_none_or(|up| a <= up))
        .ok_or_else(|| EstimateError::InvalidSchedule("no GST slab covers the amount".into()))?;
    let over = a
        .checked_sub(slab.from_inr)
        .ok_or(EstimateError::Money(MoneyError::Overflow))?;
    let value = slab
        .rate
        .checked_mul(over)
        .and_then(|v| v.checked_add(slab.base_value_inr))
        .ok_or(EstimateError::Money(MoneyError::Overflow))?;
    Ok(value
        .max(slabs.minimum_value_inr)
        .min(slabs.maximum_value_inr))
}

/// GST in paise on converting `gross_inr_minor` paise: `gst_rate` × the
/// Rule 32(2)(b) value, rounded half-up to the whole rupee (or paisa, as
/// the slabs say; CGST Act s.170: ₹184.50 → ₹185). The taxable value itself is not rounded first, so there
/// is one rounding only (₹4,664.5625 × 18% = ₹839.62125 → ₹840).
pub fn gst_on_conversion(
    gross_inr_minor: i64,
    slabs: &ConversionGstSlabs,
    gst_rate: Decimal,
) -> Result<i64, EstimateError> {
    if gross_inr_minor <= 0 {
        return Ok(0);
    }
    let value = conversion_taxable_value(gross_inr_minor, slabs)?;
    let gst = value
        .checked_mul(gst_rate)
        .ok_or(EstimateError::Money(MoneyError::Overflow))?;
    Ok(match slabs.rounding {
        GstRounding::WholeRupee => round_half_up_i64(gst)?
            .checked_mul(100)
            .ok_or(MoneyError::Overflow)?,
        GstRounding::Paisa => round_half_up_i64(
            gst.checked_mul(Decimal::ONE_HUNDRED)
                .ok_or(MoneyError::Overflow)?,
        )?,
    })
}

// ---------------------------------------------------------------------------
// Estimation
// ---------------------------------------------------------------------------

impl FeeSchedule {
    /// The corridor for a buyer country into India.
    pub fn corridor(&self, buyer_country: &str) -> Option<&Corridor> {
        self.corridors
            .iter()
            .find(|c| c.buyer_country == buyer_country && c.seller_jurisdiction == "IN")
    }
}

/// Prices every route of the buyer's corridor for the request, best first:
/// for `buyer_pays` by net INR to the seller, for `seller_receives` (where
/// every route nets the target) by what the buyer pays; ineligible routes
/// last. [`rankings`] gives all three orders. With
/// [`BearerSelection::All`], routes where the bearer matters appear once per
/// bearer.
pub fn estimate(
    schedule: &FeeSchedule,
    rates: &Rates,
    request: &EstimateRequest,
    limits: &EstimateLimits,
) -> Result<Vec<RouteEstimate>, EstimateError> {
    let corridor = schedule.corridor(&request.buyer_country).ok_or_else(|| {
        EstimateError::UnknownCorridor {
            buyer_country: request.buyer_country.chars().take(8).collect(),
        }
    })?;
    let target = Target::from_request(request)?;
    check_amount(rates, target, limits)?;
    let mut out = Vec::new();
    let buyer_currency = target.buyer_currency();
    for route in &corridor.routes {
        let per_bearer = route.charge_bearer_applies
            && route.eligible
            && route.buyer_currencies.contains(&buyer_currency);
        if per_bearer {
            for bearer in request.charge_bearer.bearers() {
                out.push(estimate_route(
                    schedule,
                    route,
                    rates,
                    target,
                    Some(bearer),
                    limits,
                )?);
            }
        } else {
            out.push(estimate_route(
                schedule, route, rates, target, None, limits,
            )?);
        }
    }
    match target {
        Target::BuyerPays(_) => out.sort_by(by_net),
        // Every route nets (about) the target: the cheapest for the buyer is best.
        Target::SellerReceives { .. } => out.sort_by(cheapest_for_buyer),
    }
    Ok(out)
}

/// What a request fixes, after validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The buyer sends this amount.
    BuyerPays(Money),
    /// The seller must net at least this (INR), the buyer paying in `buyer_currency`.
    SellerReceives {
        /// Net INR to reach.
        net_inr: Money,
        /// Currency the buyer pays in.
        buyer_currency: CurrencyCode,
    },
}

impl Target {
    /// Checks the request's direction, currencies and sign.
    pub fn from_request(request: &EstimateRequest) -> Result<Target, EstimateError> {
        if request.amount.minor <= 0 {
            return Err(MoneyError::NotPositive.into());
        }
        match request.direction {
            Direction::BuyerPays => {
                if let Some(b) = request.buyer_currency
                    && b != request.amount.currency
                {
                    return Err(EstimateError::BuyerCurrencyMismatch {
                        buyer_currency: b,
                        amount: request.amount.currency,
                    });
                }
                Ok(Target::BuyerPays(request.amount))
            }
            Direction::SellerReceives => {
                if request.amount.currency != CurrencyCode::INR {
                    return Err(EstimateError::TargetNotInr(request.amount.currency));
                }
                let buyer_currency = request
                    .buyer_currency
                    .ok_or(EstimateError::BuyerCurrencyRequired)?;
                Ok(Target::SellerReceives {
                    net_inr: request.amount,
                    buyer_currency,
                })
            }
        }
    }

    fn buyer_currency(&self) -> CurrencyCode {
        match self {
            Target::BuyerPays(m) => m.currency,
            Target::SellerReceives { buyer_currency, .. } => *buyer_currency,
        }
    }
}

/// Rejects non-positive amounts and amounts above the cap (valued at mid).
pub fn check_amount(
    rates: &Rates,
    target: Target,
    limits: &EstimateLimits,
) -> Result<(), EstimateError> {
    let amount = match target {
        Target::BuyerPays(m) => m,
        Target::SellerReceives { net_inr, .. } => net_inr,
    };
    if amount.minor <= 0 {
        return Err(MoneyError::NotPositive.into());
    }
    let too_large = || MoneyError::TooLarge {
        cap: limits.max_amount_inr.to_string(),
    };
    // Value at mid; a value beyond i64 is certainly too large.
    let inr = rates.value_in_paise(amount).map_err(|e| match e {
        EstimateError::Money(MoneyError::Overflow) => EstimateError::Money(too_large()),
        other => other,
    })?;
    if inr > limits.max_amount_inr.minor {
        return Err(too_large().into());
    }
    Ok(())
}

/// Prices one route for one bearer (`None` when the bearer does not apply).
pub fn estimate_route(
    schedule: &FeeSchedule,
    route: &Route,
    rates: &Rates,
    target: Target,
    bearer: Option<ChargeBearer>,
    limits: &EstimateLimits,
) -> Result<RouteEstimate, EstimateError> {
    let bearer = if route.charge_bearer_applies {
        bearer
    } else {
        None
    };
    let mut est = RouteEstimate {
        id: match bearer {
            Some(b) => format!("{}:{b}", route.code),
            None => route.code.clone(),
        },
        route_code: route.code.clone(),
        route_name: route.name.clone(),
        rail: route.rail,
        charge_bearer: bearer,
        eligible: route.eligible,
        reasons: Vec::new(),
        notes: route.notes.clone(),
        arrival: route.arrival,
        pricing: None,
    };
    if !route.eligible {
        est.reasons.push(
            route
                .ineligibility_reason
                .clone()
                .unwrap_or_else(|| "not eligible".into()),
        );
        return Ok(est);
    }
    let buyer_currency = target.buyer_currency();
    if !route.buyer_currencies.contains(&buyer_currency) {
        est.eligible = false;
        let accepted: Vec<&str> = route.buyer_currencies.iter().map(|c| c.as_str()).collect();
        est.reasons.push(format!(
            "does not accept payment in {buyer_currency}; accepts {}",
            accepted.join(", ")
        ));
        return Ok(est);
    }
    if !route.charge_bearer_applies {
        est.notes
            .push("Charge bearer (OUR/SHA/BEN) does not apply to this route.".into());
    }
    let pricer = Pricer {
        schedule,
        route,
        rates,
        bearer,
    };
    let priced = match target {
        Target::BuyerPays(amount) => pricer.price(amount)?,
        Target::SellerReceives {
            net_inr,
            buyer_currency,
        } => match pricer.search(net_inr, buyer_currency, limits)? {
            Some(mut p) => {
                let over = p.net_inr.minor - net_inr.minor;
                if over != 0 {
                    est.notes.push(format!(
                        "The target {net_inr} cannot be hit exactly: one {} less nets below it; \
                         this amount delivers INR {} more.",
                        Money::from_minor(1, buyer_currency),
                        Money::inr(over).to_decimal()
                    ));
                }
                p.target = Some(TargetOutcome {
                    target_inr: net_inr,
                    hit_exactly: over == 0,
                    over_delivered_inr: Money::inr(over),
                });
                Priced::Viable(Box::new(p))
            }
            None => Priced::NotViable(format!(
                "{net_inr} net cannot be reached with a buyer amount within the cap of {}",
                limits.max_amount_inr
            )),
        },
    };
    match priced {
        // Costs that reach the amount leave the seller nothing (or out of pocket): not a
        // payout to offer, whatever the bearer.
        Priced::Viable(p) if p.net_inr.minor <= 0 => {
            est.eligible = false;
            est.reasons.push(format!(
                "{} does not cover the costs of this route: the seller would receive INR {}",
                p.amount,
                p.net_inr.to_decimal()
            ));
        }
        Priced::Viable(p) => {
            if route.inr_conversion.is_none()
                && route.transit_currency == Some(CurrencyCode::INR)
                && buyer_currency != CurrencyCode::INR
            {
                est.notes.push(
                    "Converted to INR on the buyer's side: no Indian GST on currency conversion."
                        .into(),
                );
            }
            est.pricing = Some(*p);
        }
        Priced::NotViable(reason) => {
            est.eligible = false;
            est.reasons.push(reason);
        }
    }
    Ok(est)
}

enum Priced {
    Viable(Box<Pricing>),
    NotViable(String),
}

/// Money in flight in one currency, with its paise-per-minor mid rate.
struct Stage {
    currency: CurrencyCode,
    ppm: Decimal,
    amount: i64,
}

struct Pricer<'a> {
    schedule: &'a FeeSchedule,
    route: &'a Route,
    rates: &'a Rates,
    bearer: Option<ChargeBearer>,
}

struct Lines {
    items: Vec<LineItem>,
}

impl Lines {
    fn push_inr(&mut self, code: LineCode, label: String, paise: i64) {
        if paise != 0 {
            self.items.push(LineItem {
                code,
                label,
                payer: Payer::Seller,
                hop: None,
                amount: Money::inr(paise),
                amount_inr: Money::inr(paise),
                rate_applied: None,
                mid_rate: None,
            });
        }
    }
}

fn pct(rate: Decimal) -> String {
    match rate.checked_mul(Decimal::ONE_HUNDRED) {
        Some(p) => format!("{}%", p.normalize()),
        None => format!("{rate} (fraction)"),
    }
}

fn fixed_label(f: &FixedFee) -> String {
    match Money::from_decimal(f.amount, f.currency) {
        Ok(m) => m.to_string(),
        Err(_) => format!("{} {}", f.currency, f.amount),
    }
}

/// Rates in answers: 10 decimal places are plenty for people and clients.
fn shown_rate(r: Decimal) -> Decimal {
    r.round_dp_with_strategy(10, RoundingStrategy::MidpointNearestEven)
        .normalize()
}

fn spread_label(s: &Spread) -> String {
    match s {
        Spread::FractionOfMid { rate } => format!("{} of mid", pct(*rate)),
        Spread::PerUnit { margin } => format!("{} per unit below mid", margin.normalize()),
    }
}

fn checked(v: Option<i64>) -> Result<i64, EstimateError> {
    v.ok_or(EstimateError::Money(MoneyError::Overflow))
}

impl Pricer<'_> {
    fn stage(&self, currency: CurrencyCode, amount: i64) -> Result<Stage, EstimateError> {
        Ok(Stage {
            currency,
            ppm: self.rates.paise_per_minor(currency)?,
            amount,
        })
    }

    /// A fixed fee in `currency` minor units (converted at mid if quoted in
    /// another currency, rounded half-even).
    fn fixed_in(&self, fee: &FixedFee, currency: CurrencyCode) -> Result<i64, EstimateError> {
        if fee.currency == currency {
            return Money::from_decimal(fee.amount, currency)
                .map(|m| m.minor)
                .map_err(|e| {
                    EstimateError::InvalidSchedule(format!("route {}: {e}", self.route.code))
                });
        }
        let mid = self.rates.mid(fee.currency, currency)?;
        let major = fee
            .amount
            .checked_mul(mid)
            .ok_or(EstimateError::Money(MoneyError::Overflow))?;
        Ok(crate::money::round_to_minor(major, currency)?)
    }

    /// Deducts `fee` minor units from the money in flight; its INR value is
    /// the fall in the mid value. `false` if the fee would leave nothing.
    #[allow(clippy::too_many_arguments)]
    fn deduct(
        &self,
        lines: &mut Lines,
        stage: &mut Stage,
        fee: i64,
        code: LineCode,
        label: String,
        payer: Payer,
        hop: Option<u32>,
    ) -> Result<bool, EstimateError> {
        if fee < 0 {
            return Err(EstimateError::InvalidSchedule(format!(
                "route {}: negative fee",
                self.route.code
            )));
        }
        let after = checked(stage.amount.checked_sub(fee))?;
        if after <= 0 && payer == Payer::Seller {
            return Ok(false);
        }
        if fee == 0 && hop.is_none() {
            return Ok(true);
        }
        let before_inr = mul_round(Decimal::from(stage.amount), stage.ppm)?;
        let after_inr = mul_round(Decimal::from(after), stage.ppm)?;
        lines.items.push(LineItem {
            code,
            label,
            payer,
            hop,
            amount: Money::from_minor(fee, stage.currency),
            amount_inr: Money::inr(checked(before_inr.checked_sub(after_inr))?),
            rate_applied: None,
            mid_rate: None,
        });
        stage.amount = after;
        Ok(true)
    }

    /// Converts the money in flight into `to` at mid less `spread`, adding
    /// the spread line. `false` if nothing would arrive.
    fn convert(
        &self,
        lines: &mut Lines,
        stage: &mut Stage,
        to: CurrencyCode,
        spread: &Spread,
        code: LineCode,
        by: &str,
    ) -> Result<bool, EstimateError> {
        let from = stage.currency;
        let overflow = || EstimateError::Money(MoneyError::Overflow);
        let mid = self.rates.mid(from, to)?;
        let applied = match spread {
            Spread::FractionOfMid { rate } => Decimal::ONE
                .checked_sub(*rate)
                .and_then(|f| mid.checked_mul(f))
                .ok_or_else(overflow)?,
            Spread::PerUnit { margin } => mid.checked_sub(*margin).ok_or_else(overflow)?,
        };
        if applied <= Decimal::ZERO {
            return Err(EstimateError::SpreadExceedsRate {
                route: self.route.code.clone(),
                from,
                to,
            });
        }
        let to_ppm = self.rates.paise_per_minor(to)?;
        let x = Decimal::from(stage.amount);
        // minor(to) per minor(from) at the applied rate
        let unit_ratio =
            Decimal::from(to.minor_per_major()) / Decimal::from(from.minor_per_major());
        let mut y = mul_round(x.checked_mul(applied).ok_or_else(overflow)?, unit_ratio)?;
        // Never deliver more than the mid value (half-even could round up).
        let x_paise_exact = x.checked_mul(stage.ppm).ok_or_else(overflow)?;
        let mut guard = 0;
        while y > 0 && Decimal::from(y).checked_mul(to_ppm).ok_or_else(overflow)? > x_paise_exact {
            y -= 1;
            guard += 1;
            if guard > 3 {
                return Err(EstimateError::InvalidSchedule(format!(
                    "route {}: conversion {from}→{to} does not settle",
                    self.route.code
                )));
            }
        }
        if y <= 0 {
            return Ok(false);
        }
        let mid_in_to =
            round_half_even_i64(x_paise_exact.checked_div(to_ppm).ok_or_else(overflow)?)?.max(y);
        let before_inr = mul_round(x, stage.ppm)?;
        let after_inr = mul_round(Decimal::from(y), to_ppm)?;
        let label = format!(
            "FX spread {from}→{to} {by}: {} applied vs mid {} ({})",
            applied.round_dp(6).normalize(),
            mid.round_dp(6).normalize(),
            spread_label(spread)
        );
        let spread_to = mid_in_to - y;
        if spread_to > 0 || before_inr != after_inr {
            lines.items.push(LineItem {
                code,
                label,
                payer: Payer::Seller,
                hop: None,
                amount: Money::from_minor(spread_to, to),
                amount_inr: Money::inr(checked(before_inr.checked_sub(after_inr))?),
                rate_applied: Some(shown_rate(applied)),
                mid_rate: Some(shown_rate(mid)),
            });
        }
        *stage = Stage {
            currency: to,
            ppm: to_ppm,
            amount: y,
        };
        Ok(true)
    }

    /// GST on a fee, to the paisa, half-up like all tax.
    fn gst_on_fee(&self, fee_paise: i64) -> Result<i64, EstimateError> {
        let gst = Decimal::from(fee_paise)
            .checked_mul(self.schedule.gst_rate_on_fees)
            .ok_or(EstimateError::Money(MoneyError::Overflow))?;
        Ok(round_half_up_i64(gst)?)
    }

    /// Prices the route for a buyer amount. `NotViable` when fees in flight
    /// would swallow the amount.
    fn price(&self, amount: Money) -> Result<Priced, EstimateError> {
        let route = self.route;
        let b = amount.currency;
        let not_viable = || {
            Ok(Priced::NotViable(format!(
                "{amount} does not cover the fees deducted on the way"
            )))
        };
        let mut lines = Lines { items: Vec::new() };

        // 1. Fees the buyer pays on top of the amount.
        let hops_on_top = self.bearer == Some(ChargeBearer::Our);
        let sender_deducted = self.bearer == Some(ChargeBearer::Ben);
        let mut on_top: Vec<(LineCode, String, Option<u32>, i64)> = Vec::new();
        if let Some(f) = &route.sender_fee
            && !sender_deducted
        {
            on_top.push((
                LineCode::SenderFee,
                format!("Sender bank fee ({})", fixed_label(f)),
                None,
                self.fixed_in(f, b)?,
            ));
        }
        if hops_on_top {
            for (i, h) in route.intermediaries.iter().enumerate() {
                on_top.push((
                    LineCode::IntermediaryFee,
                    format!(
                        "Intermediary hop {}: {} ({}), paid up front under OUR",
                        i + 1,
                        h.name,
                        fixed_label(&h.fee)
                    ),
                    Some(hop_no(i)),
                    self.fixed_in(&h.fee, b)?,
                ));
            }
        }
        let mut total = amount.minor;
        for (.., fee) in &on_top {
            total = checked(total.checked_add(*fee))?;
        }
        let mut stage = self.stage(b, total)?;
        let buyer_total_inr = mul_round(Decimal::from(total), stage.ppm)?;
        for (code, label, hop, fee) in on_top {
            self.deduct(&mut lines, &mut stage, fee, code, label, Payer::Buyer, hop)?;
        }
        let mid_equivalent = mul_round(Decimal::from(stage.amount), stage.ppm)?;

        // 2. Deductions in the buyer's currency.
        if sender_deducted && let Some(f) = &route.sender_fee {
            let fee = self.fixed_in(f, b)?;
            let label = format!("Sender bank fee ({}), deducted under BEN", fixed_label(f));
            if !self.deduct(
                &mut lines,
                &mut stage,
                fee,
                LineCode::SenderFee,
                label,
                Payer::Seller,
                None,
            )? {
                return not_viable();
            }
        }
        if let Some(p) = &route.psp_fee {
            let base = Decimal::from(stage.amount);
            let fee = mul_round(base, p.rate)?;
            let label = format!("PSP fee {} of the amount collected", pct(p.rate));
            if !self.deduct(
                &mut lines,
                &mut stage,
                fee,
                LineCode::PspFee,
                label,
                Payer::Seller,
                None,
            )? {
                return not_viable();
            }
            if let Some(f) = &p.fixed {
                let fee = self.fixed_in(f, b)?;
                let label = format!("PSP fixed fee ({})", fixed_label(f));
                if !self.deduct(
                    &mut lines,
                    &mut stage,
                    fee,
                    LineCode::PspFixedFee,
                    label,
                    Payer::Seller,
                    None,
                )? {
                    return not_viable();
                }
            }
        }

        // 3. Conversion abroad into the transit currency.
        let transit = route.transit_currency.unwrap_or(b);
        if transit != b {
            let spread = route.conversion_abroad.as_ref().ok_or_else(|| {
                EstimateError::InvalidSchedule(format!(
                    "route {}: no conversion_abroad for {b}→{transit}",
                    route.code
                ))
            })?;
            let code = if transit == CurrencyCode::INR {
                LineCode::FxSpread
            } else {
                LineCode::FxSpreadAbroad
            };
            let by = if transit == CurrencyCode::INR {
                "by the buyer's bank"
            } else {
                "abroad"
            };
            if !self.convert(&mut lines, &mut stage, transit, spread, code, by)? {
                return not_viable();
            }
        }

        // 4. Intermediary hops deducting in flight (SHA, BEN, no bearer).
        if !hops_on_top {
            for (i, h) in route.intermediaries.iter().enumerate() {
                let fee = self.fixed_in(&h.fee, stage.currency)?;
                let label = format!(
                    "Intermediary hop {}: {} ({}), deducted in flight",
                    i + 1,
                    h.name,
                    fixed_label(&h.fee)
                );
                if !self.deduct(
                    &mut lines,
                    &mut stage,
                    fee,
                    LineCode::IntermediaryFee,
                    label,
                    Payer::Seller,
                    Some(hop_no(i)),
                )? {
                    return not_viable();
                }
            }
        }

        // 5. Conversion into INR in India.
        let mut gst_conversion = false;
        if stage.currency != CurrencyCode::INR {
            let conv = route.inr_conversion.as_ref().ok_or_else(|| {
                EstimateError::InvalidSchedule(format!(
                    "route {}: no inr_conversion for {}",
                    route.code, stage.currency
                ))
            })?;
            if !self.convert(
                &mut lines,
                &mut stage,
                CurrencyCode::INR,
                &conv.spread,
                LineCode::FxSpread,
                &format!("by {}", conv.converted_by),
            )? {
                return not_viable();
            }
            gst_conversion = conv.gst_on_conversion;
        }
        let credited = stage.amount;

        // 6. Indian taxes and fees, in INR, borne by the seller.
        let mut inr_costs: i64 = 0;
        let mut add = |lines: &mut Lines, code, label, paise: i64| -> Result<(), EstimateError> {
            lines.push_inr(code, label, paise);
            inr_costs = checked(inr_costs.checked_add(paise))?;
            Ok(())
        };
        if gst_conversion {
            let slabs = &self.schedule.conversion_gst_slabs;
            let value = conversion_taxable_value(credited, slabs)?;
            let gst = gst_on_conversion(credited, slabs, self.schedule.gst_rate_on_conversion)?;
            add(
                &mut lines,
                LineCode::GstOnConversion,
                format!(
                    "GST {} on currency conversion (Rule 32(2)(b) value INR {} of INR {})",
                    pct(self.schedule.gst_rate_on_conversion),
                    value.round_dp(2),
                    Money::inr(credited).to_decimal()
                ),
                gst,
            )?;
        }
        if let Some(p) = &route.psp_fee
            && p.gst
        {
            let fees: i64 = lines
                .items
                .iter()
                .filter(|l| matches!(l.code, LineCode::PspFee | LineCode::PspFixedFee))
                .map(|l| l.amount_inr.minor)
                .sum();
            add(
                &mut lines,
                LineCode::GstOnPspFee,
                format!("GST {} on PSP fees", pct(self.schedule.gst_rate_on_fees)),
                self.gst_on_fee(fees)?,
            )?;
        }
        let gst_rate = pct(self.schedule.gst_rate_on_fees);
        for (fee, code, gst_code, what) in [
            (
                &route.receiving_fee,
                LineCode::ReceivingFee,
                LineCode::GstOnReceivingFee,
                "receiving bank inward fee",
            ),
            (
                &route.fira_fee,
                LineCode::FiraFee,
                LineCode::GstOnFiraFee,
                "FIRA fee",
            ),
        ] {
            if let Some(f) = fee {
                let paise = Money::from_decimal(f.amount_inr, CurrencyCode::INR)
                    .map_err(|e| EstimateError::InvalidSchedule(e.to_string()))?
                    .minor;
                add(&mut lines, code, capitalise(what), paise)?;
                if f.gst {
                    add(
                        &mut lines,
                        gst_code,
                        format!("GST {gst_rate} on {what}"),
                        self.gst_on_fee(paise)?,
                    )?;
                }
            }
        }
        if let Some(p) = &route.platform_fee {
            let fixed = Money::from_decimal(p.fixed_inr, CurrencyCode::INR)
                .map_err(|e| EstimateError::InvalidSchedule(e.to_string()))?
                .minor;
            let fee = checked(mul_round(Decimal::from(credited), p.rate)?.checked_add(fixed))?;
            add(
                &mut lines,
                LineCode::PlatformFee,
                format!(
                    "Platform fee {} of INR credited + INR {}",
                    pct(p.rate),
                    p.fixed_inr
                ),
                fee,
            )?;
            if p.gst {
                add(
                    &mut lines,
                    LineCode::GstOnPlatformFee,
                    format!("GST {gst_rate} on platform fee"),
                    self.gst_on_fee(fee)?,
                )?;
            }
        }
        let net = checked(credited.checked_sub(inr_costs))?;

        // 7. Totals.
        let mut buyer_fees: i64 = 0;
        let mut seller_costs: i64 = 0;
        for l in &lines.items {
            let slot = match l.payer {
                Payer::Buyer => &mut buyer_fees,
                Payer::Seller => &mut seller_costs,
            };
            *slot = checked(slot.checked_add(l.amount_inr.minor))?;
        }
        let total_cost = checked(buyer_fees.checked_add(seller_costs))?;
        Ok(Priced::Viable(Box::new(Pricing {
            amount,
            lines: lines.items,
            buyer_pays_total: Money::from_minor(total, b),
            buyer_pays_total_inr_at_mid: Money::inr(buyer_total_inr),
            mid_market_equivalent_inr: Money::inr(mid_equivalent),
            buyer_fees_inr: Money::inr(buyer_fees),
            seller_costs_inr: Money::inr(seller_costs),
            total_cost_inr: Money::inr(total_cost),
            effective_cost_pct: percent(total_cost, buyer_total_inr),
            seller_cost_pct: percent(seller_costs, mid_equivalent),
            net_inr: Money::inr(net),
            target: None,
        })))
    }

    /// Net paise for a buyer amount of `minor` units, `None` if not viable.
    fn net_for(&self, minor: i64, b: CurrencyCode) -> Result<Option<Pricing>, EstimateError> {
        if minor <= 0 {
            return Ok(None);
        }
        Ok(match self.price(Money::from_minor(minor, b))? {
            Priced::Viable(p) => Some(*p),
            Priced::NotViable(_) => None,
        })
    }

    /// Smallest buyer amount (minor units) whose net reaches `target`, such
    /// that one minor unit less nets below it. `None` if the amount would
    /// exceed the cap.
    ///
    /// An analytic guess (target at mid, corrected by the cost seen at the
    /// guess), then a bracket that grows geometrically from one minor unit
    /// (the corrected guess is usually a few units off), then bisection over
    /// minor units. The invariant `net(lo) < target ≤ net(hi)` makes the
    /// answer locally minimal even where GST rounding makes the net dip.
    fn search(
        &self,
        target: Money,
        b: CurrencyCode,
        limits: &EstimateLimits,
    ) -> Result<Option<Pricing>, EstimateError> {
        let overflow = || EstimateError::Money(MoneyError::Overflow);
        let ppm = self.rates.paise_per_minor(b)?;
        let max_minor = {
            let m = Decimal::from(limits.max_amount_inr.minor)
                .checked_div(ppm)
                .ok_or_else(overflow)?
                .floor();
            round_half_even_i64(m)?
        };
        if max_minor <= 0 {
            return Ok(None);
        }
        let mut steps: u32 = 0;
        let mut eval = |minor: i64| -> Result<Option<Pricing>, EstimateError> {
            steps += 1;
            if steps > limits.max_search_steps {
                return Err(EstimateError::SearchDidNotConverge {
                    route: self.route.code.clone(),
                });
            }
            self.net_for(minor, b)
        };
        let reaches =
            |p: &Option<Pricing>| p.as_ref().is_some_and(|p| p.net_inr.minor >= target.minor);

        // Analytic guess: the target at mid, then one correction by the
        // shortfall seen there (fixed fees and the proportional costs).
        let tgt = Decimal::from(target.minor);
        let mut guess = round_half_even_i64(tgt.checked_div(ppm).ok_or_else(overflow)?.ceil())?
            .clamp(1, max_minor);
        let mut g = eval(guess)?;
        if let Some(p) = &g {
            let short = target.minor - p.net_inr.minor;
            // Share of the mid value that reaches the seller at the guess.
            let ratio = Decimal::from(p.net_inr.minor.max(1))
                .checked_div(Decimal::from(p.mid_market_equivalent_inr.minor.max(1)))
                .unwrap_or(Decimal::ONE);
            if short > 0 && ratio > Decimal::ZERO {
                let extra = Decimal::from(short)
                    .checked_div(ratio)
                    .and_then(|x| x.checked_div(ppm))
                    .ok_or_else(overflow)?
                    .ceil();
                guess = guess
                    .saturating_add(round_half_even_i64(extra.min(Decimal::from(max_minor)))?)
                    .clamp(1, max_minor);
                g = eval(guess)?;
            }
        }

        let (mut lo, mut hi, mut hi_p);
        if reaches(&g) {
            hi = guess;
            hi_p = g;
            // Walk down until the net falls below the target (0 = sentinel).
            let mut step: i64 = 1;
            loop {
                let cand = hi.saturating_sub(step).max(0);
                let p = if cand == 0 { None } else { eval(cand)? };
                if reaches(&p) {
                    hi = cand;
                    hi_p = p;
                    step = step.saturating_mul(2);
                } else {
                    lo = cand;
                    break;
                }
            }
        } else {
            lo = guess;
            let mut step: i64 = 1;
            loop {
                if lo >= max_minor {
                    return Ok(None);
                }
                let cand = lo.saturating_add(step).min(max_minor);
                let p = eval(cand)?;
                if reaches(&p) {
                    hi = cand;
                    hi_p = p;
                    break;
                }
                lo = cand;
                step = step.saturating_mul(2);
            }
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            let p = eval(mid)?;
            if reaches(&p) {
                hi = mid;
                hi_p = p;
            } else {
                lo = mid;
            }
        }
        Ok(hi_p)
    }
}

fn hop_no(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn percent(part: i64, whole: i64) -> Decimal {
    if whole == 0 {
        return Decimal::ZERO;
    }
    Decimal::from(part)
        .checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|x| x.checked_div(Decimal::from(whole)))
        .unwrap_or(Decimal::ZERO)
        .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
}

// ---------------------------------------------------------------------------
// Ranking
// ---------------------------------------------------------------------------

fn ineligible_last(a: &RouteEstimate, b: &RouteEstimate) -> std::cmp::Ordering {
    b.usable().cmp(&a.usable())
}

/// By net INR, highest first; ties by lower total cost, then id.
/// Ineligible routes last (by id).
pub fn by_net(a: &RouteEstimate, b: &RouteEstimate) -> std::cmp::Ordering {
    ineligible_last(a, b)
        .then_with(|| match (&a.pricing, &b.pricing) {
            (Some(pa), Some(pb)) => pb
                .net_inr
                .minor
                .cmp(&pa.net_inr.minor)
                .then(pa.total_cost_inr.minor.cmp(&pb.total_cost_inr.minor)),
            _ => std::cmp::Ordering::Equal,
        })
        .then_with(|| a.id.cmp(&b.id))
}

/// By what the buyer pays (INR at mid), lowest first; ties by lower
/// total cost, then higher net. Ineligible routes last.
pub fn cheapest_for_buyer(a: &RouteEstimate, b: &RouteEstimate) -> std::cmp::Ordering {
    ineligible_last(a, b)
        .then_with(|| match (&a.pricing, &b.pricing) {
            (Some(pa), Some(pb)) => pa
                .buyer_pays_total_inr_at_mid
                .minor
                .cmp(&pb.buyer_pays_total_inr_at_mid.minor)
                .then(pa.total_cost_inr.minor.cmp(&pb.total_cost_inr.minor))
                .then(pb.net_inr.minor.cmp(&pa.net_inr.minor)),
            _ => std::cmp::Ordering::Equal,
        })
        .then_with(|| a.id.cmp(&b.id))
}

/// By worst-case then best-case arrival, then higher net. Ineligible
/// routes (and routes without a window) last.
pub fn fastest(a: &RouteEstimate, b: &RouteEstimate) -> std::cmp::Ordering {
    let key = |r: &RouteEstimate| r.arrival.map(|w| (w.max_hours, w.min_hours));
    ineligible_last(a, b)
        .then_with(|| match (key(a), key(b)) {
            (Some(ka), Some(kb)) => ka.cmp(&kb),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        })
        .then_with(|| b.net_inr().cmp(&a.net_inr()))
        .then_with(|| a.id.cmp(&b.id))
}

type RouteOrder = fn(&RouteEstimate, &RouteEstimate) -> std::cmp::Ordering;

/// The three orders as lists of route ids (routes are compared in place, not copied).
pub fn rankings(routes: &[RouteEstimate]) -> Rankings {
    let ids = |order: RouteOrder| {
        let mut v: Vec<&RouteEstimate> = routes.iter().collect();
        v.sort_by(|a, b| order(a, b));
        v.into_iter().map(|r| r.id.clone()).collect()
    };
    Rankings {
        by_net_inr: ids(by_net),
        cheapest_for_buyer: ids(cheapest_for_buyer),
        fastest: ids(fastest),
    }
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

struct Errs(Vec<ScheduleProblem>);

impl Errs {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(ScheduleProblem {
            field: field.into(),
            message: message.into(),
        });
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn is_country(s: &str) -> bool {
    s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase())
}

fn check_fraction(e: &mut Errs, path: &str, rate: Decimal, allow_one: bool) {
    let too_big = if allow_one {
        rate > Decimal::ONE
    } else {
        rate >= Decimal::ONE
    };
    if rate < Decimal::ZERO || too_big {
        e.add(
            path,
            if allow_one {
                "must be a fraction from 0 to 1"
            } else {
                "must be a fraction from 0 up to (not including) 1"
            },
        );
    }
}

fn check_amount_field(e: &mut Errs, path: &str, amount: Decimal, currency: CurrencyCode) {
    if amount < Decimal::ZERO {
        e.add(path, "must not be negative");
    } else if let Err(err) = Money::from_decimal(amount, currency) {
        e.add(path, err.to_string());
    }
}

fn check_fixed(e: &mut Errs, path: &str, fee: &FixedFee) {
    check_amount_field(e, &format!("{path}.amount"), fee.amount, fee.currency);
}

fn check_spread(e: &mut Errs, path: &str, s: &Spread) {
    match s {
        Spread::FractionOfMid { rate } => check_fraction(e, &format!("{path}.rate"), *rate, false),
        Spread::PerUnit { margin } => {
            if *margin < Decimal::ZERO {
                e.add(format!("{path}.margin"), "must not be negative");
            }
        }
    }
}

impl FeeSchedule {
    /// Checks the document; an empty list means it can be used.
    pub fn validate(&self) -> Vec<ScheduleProblem> {
        let mut e = Errs(Vec::new());
        if self.version.trim().is_empty() {
            e.add("version", "must not be empty");
        }
        check_fraction(&mut e, "gst_rate_on_fees", self.gst_rate_on_fees, true);
        check_fraction(
            &mut e,
            "gst_rate_on_conversion",
            self.gst_rate_on_conversion,
            true,
        );
        self.validate_slabs(&mut e);
        if self.corridors.is_empty() {
            e.add("corridors", "at least one corridor is required");
        }
        let mut seen = BTreeSet::new();
        for (ci, c) in self.corridors.iter().enumerate() {
            let p = format!("corridors[{ci}]");
            if !is_country(&c.buyer_country) {
                e.add(
                    format!("{p}.buyer_country"),
                    "must be an ISO 3166-1 alpha-2 code (two upper-case letters)",
                );
            }
            if c.seller_jurisdiction != "IN" {
                e.add(
                    format!("{p}.seller_jurisdiction"),
                    "only \"IN\" (India) is supported",
                );
            }
            if !seen.insert((c.buyer_country.clone(), c.seller_jurisdiction.clone())) {
                e.add(
                    format!("{p}.buyer_country"),
                    format!(
                        "duplicate corridor {} → {}",
                        c.buyer_country, c.seller_jurisdiction
                    ),
                );
            }
            if c.routes.is_empty() {
                e.add(format!("{p}.routes"), "at least one route is required");
            }
            let mut codes = BTreeSet::new();
            for (ri, r) in c.routes.iter().enumerate() {
                let rp = format!("{p}.routes[{ri}]");
                if !codes.insert(r.code.as_str()) {
                    e.add(
                        format!("{rp}.code"),
                        format!("duplicate route code '{}' in this corridor", r.code),
                    );
                }
                validate_route(&mut e, &rp, r);
            }
        }
        e.0
    }

    fn validate_slabs(&self, e: &mut Errs) {
        let s = &self.conversion_gst_slabs;
        let p = "conversion_gst_slabs";
        if s.slabs.is_empty() {
            e.add(format!("{p}.slabs"), "at least one slab is required");
        }
        let mut prev_up: Option<Decimal> = Some(Decimal::ZERO);
        for (i, slab) in s.slabs.iter().enumerate() {
            let sp = format!("{p}.slabs[{i}]");
            match prev_up {
                Some(up) if up == slab.from_inr => {}
                Some(up) => e.add(
                    format!("{sp}.from_inr"),
                    format!("must equal the previous slab's upper bound ({up})"),
                ),
                None => e.add(sp.as_str(), "comes after an unbounded slab"),
            }
            if let Some(up) = slab.up_to_inr
                && up <= slab.from_inr
            {
                e.add(format!("{sp}.up_to_inr"), "must be above from_inr");
            }
            if slab.base_value_inr < Decimal::ZERO {
                e.add(format!("{sp}.base_value_inr"), "must not be negative");
            }
            check_fraction(e, &format!("{sp}.rate"), slab.rate, true);
            prev_up = slab.up_to_inr;
        }
        if prev_up.is_some() && !s.slabs.is_empty() {
            e.add(
                format!("{p}.slabs[{}].up_to_inr", s.slabs.len() - 1),
                "the last slab must have no upper bound",
            );
        }
        if s.minimum_value_inr < Decimal::ZERO {
            e.add(format!("{p}.minimum_value_inr"), "must not be negative");
        }
        if s.maximum_value_inr < s.minimum_value_inr {
            e.add(
                format!("{p}.maximum_value_inr"),
                "must not be below minimum_value_inr",
            );
        }
    }
}

fn validate_route(e: &mut Errs, rp: &str, r: &Route) {
    if !is_slug(&r.code) {
        e.add(
            format!("{rp}.code"),
            "must be a slug: lower-case letters and digits separated by single hyphens",
        );
    }
    if r.name.trim().is_empty() {
        e.add(format!("{rp}.name"), "must not be empty");
    }
    let reason_given = r
        .ineligibility_reason
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty());
    if !r.eligible && !reason_given {
        e.add(
            format!("{rp}.ineligibility_reason"),
            "required when the route is not eligible",
        );
    }
    if r.eligible && r.ineligibility_reason.is_some() {
        e.add(
            format!("{rp}.ineligibility_reason"),
            "only for routes that are not eligible",
        );
    }
    if r.rail == Rail::Upi && r.eligible {
        e.add(
            format!("{rp}.eligible"),
            "UPI cannot be eligible: UPI international is person-to-person only, not for B2B export receipts",
        );
    }
    if let Some(w) = r.arrival
        && w.min_hours > w.max_hours
    {
        e.add(
            format!("{rp}.arrival.min_hours"),
            "must not exceed max_hours",
        );
    }
    let mut seen = BTreeSet::new();
    for (i, c) in r.buyer_currencies.iter().enumerate() {
        if !seen.insert(*c) {
            e.add(
                format!("{rp}.buyer_currencies[{i}]"),
                format!("duplicate currency {c}"),
            );
        }
    }
    if r.eligible {
        if r.arrival.is_none() {
            e.add(format!("{rp}.arrival"), "required for an eligible route");
        }
        if r.buyer_currencies.is_empty() {
            e.add(
                format!("{rp}.buyer_currencies"),
                "an eligible route must accept at least one currency",
            );
        }
        if let Some(t) = r.transit_currency
            && r.conversion_abroad.is_none()
            && let Some(c) = r.buyer_currencies.iter().find(|c| **c != t)
        {
            e.add(
                format!("{rp}.conversion_abroad"),
                format!("required: the route accepts {c} but carries {t}"),
            );
        }
        let reaches_india_foreign = match r.transit_currency {
            Some(t) => t != CurrencyCode::INR,
            None => r.buyer_currencies.iter().any(|c| *c != CurrencyCode::INR),
        };
        if reaches_india_foreign && r.inr_conversion.is_none() {
            e.add(
                format!("{rp}.inr_conversion"),
                "required: foreign currency reaches India and must be converted",
            );
        }
    }
    if r.transit_currency == Some(CurrencyCode::INR) && r.inr_conversion.is_some() {
        e.add(
            format!("{rp}.inr_conversion"),
            "not used: the route carries INR (put the spread in conversion_abroad)",
        );
    }
    if let Some(f) = &r.sender_fee {
        check_fixed(e, &format!("{rp}.sender_fee"), f);
    }
    if let Some(s) = &r.conversion_abroad {
        check_spread(e, &format!("{rp}.conversion_abroad"), s);
    }
    for (i, h) in r.intermediaries.iter().enumerate() {
        let hp = format!("{rp}.intermediaries[{i}]");
        if h.name.trim().is_empty() {
            e.add(format!("{hp}.name"), "must not be empty");
        }
        check_fixed(e, &format!("{hp}.fee"), &h.fee);
    }
    if let Some(c) = &r.inr_conversion {
        check_spread(e, &format!("{rp}.inr_conversion.spread"), &c.spread);
        if c.converted_by.trim().is_empty() {
            e.add(
                format!("{rp}.inr_conversion.converted_by"),
                "must not be empty",
            );
        }
    }
    for (name, fee) in [
        ("receiving_fee", &r.receiving_fee),
        ("fira_fee", &r.fira_fee),
    ] {
        if let Some(f) = fee {
            check_amount_field(
                e,
                &format!("{rp}.{name}.amount_inr"),
                f.amount_inr,
                CurrencyCode::INR,
            );
        }
    }
    if let Some(p) = &r.psp_fee {
        check_fraction(e, &format!("{rp}.psp_fee.rate"), p.rate, false);
        if let Some(f) = &p.fixed {
            check_fixed(e, &format!("{rp}.psp_fee.fixed"), f);
        }
    }
    if let Some(p) = &r.platform_fee {
        check_fraction(e, &format!("{rp}.platform_fee.rate"), p.rate, false);
        check_amount_field(
            e,
            &format!("{rp}.platform_fee.fixed_inr"),
            p.fixed_inr,
            CurrencyCode::INR,
        );
    }
}

/// Parses a fee-schedule JSON document, reporting every problem as a field
/// error: unknown currency codes (with their paths), shape errors, then
/// [`FeeSchedule::validate`].
pub fn parse_fee_schedule(doc: &serde_json::Value) -> Result<FeeSchedule, Vec<ScheduleProblem>> {
    let mut errs = Vec::new();
    // List lengths first: an over-long list is one problem, and its items are not looked at.
    find_long_lists(doc, "", &mut errs);
    if !errs.is_empty() {
        return Err(errs);
    }
    find_unknown_currencies(doc, "", &mut errs);
    if !errs.is_empty() {
        return Err(errs);
    }
    let schedule: FeeSchedule = serde_path_to_error::deserialize(doc).map_err(|err| {
        let path = err.path().to_string();
        let error = crate::http::data_error(&path, &err.into_inner().to_string());
        vec![ScheduleProblem {
            field: if path == "." {
                String::new()
            } else {
                error.field
            },
            message: error.message,
        }]
    })?;
    let problems = schedule.validate();
    if problems.is_empty() {
        Ok(schedule)
    } else {
        Err(problems)
    }
}

/// Most items of each list of a schedule document (the schema's `max_items`); any other list
/// is capped at [`MAX_OTHER_LIST`].
const LIST_CAPS: &[(&str, usize)] = &[
    ("corridors", 250),
    ("routes", 50),
    ("slabs", 50),
    ("notes", 20),
    ("buyer_currencies", 50),
    ("intermediaries", 10),
];
const MAX_OTHER_LIST: usize = 100;

/// The path of a key of the object at `path`.
fn key_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn find_long_lists(v: &serde_json::Value, path: &str, errs: &mut Vec<ScheduleProblem>) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = key_path(path, k);
                if let Value::Array(items) = child {
                    let max = LIST_CAPS
                        .iter()
                        .find(|(key, _)| key == k)
                        .map_or(MAX_OTHER_LIST, |(_, max)| *max);
                    if items.len() > max {
                        errs.push(ScheduleProblem {
                            field: p,
                            message: format!("at most {max} items (got {})", items.len()),
                        });
                        continue;
                    }
                }
                find_long_lists(child, &p, errs);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                find_long_lists(item, &format!("{path}[{i}]"), errs);
            }
        }
        _ => {}
    }
}

fn find_unknown_currencies(v: &serde_json::Value, path: &str, errs: &mut Vec<ScheduleProblem>) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = key_path(path, k);
                let is_ccy_key = k == "currency" || k.ends_with("_currency");
                let is_ccy_list = k == "currencies" || k.ends_with("_currencies");
                match child {
                    Value::String(s) if is_ccy_key => check_code(s, &p, errs),
                    Value::Array(items) if is_ccy_list => {
                        for (i, item) in items.iter().enumerate() {
                            if let Value::String(s) = item {
                                check_code(s, &format!("{p}[{i}]"), errs);
                            }
                        }
                    }
                    _ => find_unknown_currencies(child, &p, errs),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                find_unknown_currencies(item, &format!("{path}[{i}]"), errs);
            }
        }
        _ => {}
    }
}

fn check_code(s: &str, path: &str, errs: &mut Vec<ScheduleProblem>) {
    if let Err(e) = CurrencyCode::parse(s) {
        errs.push(ScheduleProblem {
            field: path.to_string(),
            message: e.to_string(),
        });
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "engine_props.rs"]
mod props;
