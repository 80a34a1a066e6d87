//! The fee-schedule document: corridors, routes and every fee figure the estimator uses, as data.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::money::CurrencyCode;

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
    /// The fee for publishing a listing (absent in schedules older than listings: the default).
    #[serde(default)]
    pub listing_fee: ListingFee,
}

fn default_gst_rate() -> Decimal {
    Decimal::new(18, 2)
}

/// What a seller pays to publish a listing: charged once, at its first publish, plus GST at
/// `gst_rate_on_fees`. Verified MSMEs (a valid `verified_msme` badge) list for free.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ListingFee {
    /// The fee per listing before GST, INR (0 makes listing free for everyone).
    #[schema(value_type = String, example = "500")]
    pub amount_inr: Decimal,
}

impl Default for ListingFee {
    /// ₹500 per listing: the platform's own figure (the reference sets none).
    fn default() -> Self {
        ListingFee {
            amount_inr: Decimal::new(500, 0),
        }
    }
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

impl FeeSchedule {
    /// The corridor for a buyer country into India.
    pub fn corridor(&self, buyer_country: &str) -> Option<&Corridor> {
        self.corridors
            .iter()
            .find(|c| c.buyer_country == buyer_country && c.seller_jurisdiction == "IN")
    }
}
