//! How well a listing answers an RFQ: hard constraints that exclude it, ten weighted factors
//! in `[0, 1]` that score it, and a ranking that keeps each seller's best listing.
//!
//! Pure and deterministic: no database, no clock (`today` is an input), no hashing order.
//! The factor values are `f64`; they are combined as decimals (`rust_decimal`, each weight and
//! value taken as the shortest decimal of its `f64`), so `0.25 × 0.875 + …` is summed exactly
//! and ties round the way they read. The score and each contribution are rounded half-even to
//! 4 decimal places, and the contributions are apportioned so that they add up to the score
//! exactly (see [`Factor::contribution`]).

use std::cmp::Ordering;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::identifiers::Incoterm;
use crate::listings::api::{Certification, MoqUnit};
use crate::listings::model::StoredPriceBreak;
use crate::money::{CurrencyCode, Money, round_half_even_i64};
use crate::sellers::api::Sector;
use crate::settlement::engine::{EstimateError, Rates};

/// Scores and contributions are whole multiples of this (4 decimal places).
const UNITS_PER_ONE: i64 = 10_000;

/// A weight above this counts as this, so that sums of decimals cannot overflow.
const MAX_WEIGHT: f64 = 1e12;

/// The largest weight [`Weights::parse`] accepts (weights are relative; this is plenty).
const MAX_PARSED_WEIGHT: f64 = 1000.0;

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

/// What the RFQ asks for.
#[derive(Debug, Clone, Copy)]
pub struct Want<'a> {
    /// Quantity wanted, in `unit`.
    pub quantity: i64,
    /// Unit of `quantity`; a listing sold in another unit is excluded.
    pub unit: MoqUnit,
    /// HS code of the product, 6 or 8 digits.
    pub hs_code: Option<&'a str>,
    /// Sector of the product.
    pub sector: Option<Sector>,
    /// The most the buyer wants to pay per unit, in the RFQ currency.
    pub target_unit_price: Option<Money>,
    /// The delivery term wanted.
    pub incoterm: Option<Incoterm>,
    /// The date the goods are needed by.
    pub needed_by: Option<NaiveDate>,
    /// Certifications a listing must hold (else it is excluded).
    pub certifications: &'a [Certification],
    /// Today, for the days left until `needed_by`.
    pub today: NaiveDate,
}

/// How the RFQ's words were found in a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextMatch {
    /// Distinct words of the RFQ.
    pub words: u32,
    /// Of those, the words found in the listing's title or keywords.
    pub strong: u32,
    /// Of those, the words found only in the listing's description.
    pub weak: u32,
}

/// How a seller has answered the leads it was sent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Responsiveness {
    /// Leads sent to the seller.
    pub leads: i64,
    /// Leads the seller answered with a quote.
    pub answered: i64,
    /// Median hours from lead to quote; `None` when it has never quoted.
    pub median_hours_to_quote: Option<f64>,
}

/// One candidate listing, with what is known of its seller.
#[derive(Debug, Clone)]
pub struct Offer {
    /// The listing.
    pub listing_id: Uuid,
    /// Its seller.
    pub seller_id: Uuid,
    /// How the RFQ's words were found in it.
    pub text: TextMatch,
    /// Its HS code (6, 8 or 10 digits).
    pub hs_code: String,
    /// Its sector.
    pub sector: Sector,
    /// Minimum order quantity, in `moq_unit`.
    pub moq: i64,
    /// Unit of the MOQ, of the price breaks and of the capacity.
    pub moq_unit: MoqUnit,
    /// Currency of the price breaks.
    pub currency: CurrencyCode,
    /// Price breaks, ascending `min_quantity`; the first is at the MOQ.
    pub price_breaks: Vec<StoredPriceBreak>,
    /// Days from order to dispatch.
    pub lead_time_days: i32,
    /// How much the seller can make a month, in `moq_unit`.
    pub monthly_capacity: Option<i64>,
    /// Delivery terms offered.
    pub incoterms: Vec<Incoterm>,
    /// Certifications held.
    pub certifications: Vec<Certification>,
    /// Whether the seller may trade (approved, not suspended).
    pub in_good_standing: bool,
    /// Whether the seller holds a valid verification badge.
    pub verified: bool,
    /// How the seller has answered leads.
    pub responsiveness: Responsiveness,
}

// ---------------------------------------------------------------------------
// Weights
// ---------------------------------------------------------------------------

/// How much each factor counts. Only the ratios matter: the score divides by the sum of the
/// weights of the factors that apply. The defaults sum to 1.0.
///
/// Weights that are negative, NaN or infinite count as zero, and one above 10^12 as 10^12
/// (only reachable by building `Weights` in code: [`Weights::parse`] refuses them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// RFQ words found in the listing. Default 0.25, the largest: the buyer's own words are
    /// the best evidence of what is wanted.
    pub text: f64,
    /// HS code proximity (subheading, heading, chapter). Default 0.15: the customs
    /// classification says what the product is.
    pub hs: f64,
    /// Same sector. Default 0.05: coarse, mostly implied by the HS code.
    pub sector: f64,
    /// MOQ and capacity fit. Default 0.05: a listing below the quantity is already excluded;
    /// this only flags capacity that may not suffice.
    pub moq: f64,
    /// Unit price at the quantity against the target. Default 0.15: price decides most RFQs.
    pub price: f64,
    /// Lead time against the date needed. Default 0.10.
    pub lead_time: f64,
    /// The delivery term wanted is offered. Default 0.10: a different term changes who pays
    /// freight and insurance.
    pub incoterm: f64,
    /// Required certifications held. Default 0.05: a listing missing one is already excluded.
    pub certifications: f64,
    /// Verified seller. Default 0.05.
    pub verified: f64,
    /// How the seller answers leads. Default 0.05.
    pub responsiveness: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            text: 0.25,
            hs: 0.15,
            sector: 0.05,
            moq: 0.05,
            price: 0.15,
            lead_time: 0.10,
            incoterm: 0.10,
            certifications: 0.05,
            verified: 0.05,
            responsiveness: 0.05,
        }
    }
}

impl Weights {
    /// The defaults with overrides such as `"text=0.3, price=0.2"`: comma-separated
    /// `name=value` pairs, names as the fields (`hs_code` is accepted for `hs`), values
    /// between 0 and 1000. An empty string is the defaults.
    ///
    /// # Errors
    /// A sentence naming the problem: an item that is not `name=value`, an unknown or
    /// repeated name, a value that is not a number or is negative or above 1000, or weights
    /// that are all zero.
    pub fn parse(s: &str) -> Result<Weights, String> {
        let mut weights = Weights::default();
        let mut seen = Vec::new();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let Some((name, value)) = item.split_once('=') else {
                return Err(format!(
                    "weight '{}' is not name=value, e.g. \"text=0.3\"",
                    clip(item)
                ));
            };
            let (name, value) = (name.trim(), value.trim());
            let factor = FactorName::from_weight_name(name).ok_or_else(|| {
                format!(
                    "unknown weight '{}': expected one of {}",
                    clip(name),
                    WEIGHT_NAMES.join(", ")
                )
            })?;
            if seen.contains(&factor) {
                return Err(format!("weight '{name}' is given more than once"));
            }
            seen.push(factor);
            let w: f64 = value
                .parse()
                .map_err(|_| format!("weight '{name}' must be a number, not '{}'", clip(value)))?;
            if !(0.0..=MAX_PARSED_WEIGHT).contains(&w) {
                return Err(format!(
                    "weight '{name}' must be between 0 and {MAX_PARSED_WEIGHT}, not '{}'",
                    clip(value)
                ));
            }
            *weights.slot(factor) = w;
        }
        if FactorName::ALL.iter().all(|f| weights.of(*f) <= 0.0) {
            return Err("at least one weight must be greater than zero".to_owned());
        }
        Ok(weights)
    }

    /// The weight of `factor`.
    pub fn of(&self, factor: FactorName) -> f64 {
        match factor {
            FactorName::Text => self.text,
            FactorName::HsCode => self.hs,
            FactorName::Sector => self.sector,
            FactorName::Moq => self.moq,
            FactorName::Price => self.price,
            FactorName::LeadTime => self.lead_time,
            FactorName::Incoterm => self.incoterm,
            FactorName::Certifications => self.certifications,
            FactorName::Verified => self.verified,
            FactorName::Responsiveness => self.responsiveness,
        }
    }

    fn slot(&mut self, factor: FactorName) -> &mut f64 {
        match factor {
            FactorName::Text => &mut self.text,
            FactorName::HsCode => &mut self.hs,
            FactorName::Sector => &mut self.sector,
            FactorName::Moq => &mut self.moq,
            FactorName::Price => &mut self.price,
            FactorName::LeadTime => &mut self.lead_time,
            FactorName::Incoterm => &mut self.incoterm,
            FactorName::Certifications => &mut self.certifications,
            FactorName::Verified => &mut self.verified,
            FactorName::Responsiveness => &mut self.responsiveness,
        }
    }
}

/// The names [`Weights::parse`] reads, in factor order.
const WEIGHT_NAMES: [&str; 10] = [
    "text",
    "hs",
    "sector",
    "moq",
    "price",
    "lead_time",
    "incoterm",
    "certifications",
    "verified",
    "responsiveness",
];

/// At most 40 characters of untrusted text, for an error message.
fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

/// Why a listing cannot answer the RFQ. Checked in this order; the first that applies is
/// the reason.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    /// The seller is not approved, or is suspended.
    SellerNotInGoodStanding,
    /// The listing is sold in another unit than the RFQ's.
    UnitMismatch,
    /// The quantity wanted is below the listing's MOQ.
    BelowMoq,
    /// The listing lacks a certification the RFQ requires.
    MissingCertification,
}

/// The ten factors, in the order they are reported.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FactorName {
    /// RFQ words found in the title or keywords (full) or only the description (half).
    Text,
    /// Common prefix of the HS codes: subheading 1.0, heading 0.6, chapter 0.3.
    HsCode,
    /// Same sector.
    Sector,
    /// MOQ fit; halved when the monthly capacity may not make the quantity in time.
    Moq,
    /// Unit price at the quantity against the target, at mid.
    Price,
    /// Lead time against the days until the date needed.
    LeadTime,
    /// The delivery term wanted is offered.
    Incoterm,
    /// The required certifications are held.
    Certifications,
    /// Verified seller.
    Verified,
    /// Share of leads answered and median time to quote.
    Responsiveness,
}

impl FactorName {
    /// Every factor, in report order.
    pub const ALL: [FactorName; 10] = [
        FactorName::Text,
        FactorName::HsCode,
        FactorName::Sector,
        FactorName::Moq,
        FactorName::Price,
        FactorName::LeadTime,
        FactorName::Incoterm,
        FactorName::Certifications,
        FactorName::Verified,
        FactorName::Responsiveness,
    ];

    /// The factor a [`Weights::parse`] name stands for.
    fn from_weight_name(name: &str) -> Option<FactorName> {
        if name == "hs_code" {
            return Some(FactorName::HsCode);
        }
        WEIGHT_NAMES
            .iter()
            .position(|n| *n == name)
            .and_then(|i| FactorName::ALL.get(i).copied())
    }
}

/// One factor of a score, explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Factor {
    /// Which factor.
    pub name: FactorName,
    /// How well the listing does on it, 0 to 1; `null` when it does not apply (the RFQ does
    /// not ask, or it cannot be judged), and then it does not count.
    pub value: Option<f64>,
    /// The configured weight.
    pub weight: f64,
    /// What it adds to the score: weight × value / (sum of the weights of the factors that
    /// count), to 4 decimal places; 0 when it does not count. The contributions add up to
    /// the score exactly: each is rounded half-even unless that would break the sum, and
    /// then it is the one with the nearest remainder that moves (largest remainder), so each
    /// stays within 0.0001 of its exact value.
    pub contribution: f64,
    /// Why, in a sentence.
    pub detail: String,
}

/// A listing that can answer the RFQ, scored.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Scored {
    /// The listing.
    pub listing_id: Uuid,
    /// Its seller.
    pub seller_id: Uuid,
    /// 0 to 1, 4 decimal places: the weighted mean of the factors that count.
    pub score: f64,
    /// All ten factors, in [`FactorName::ALL`] order.
    pub factors: Vec<Factor>,
    /// The unit price at the quantity wanted, in the listing's currency.
    pub unit_price: Option<Money>,
    /// `unit_price` in the target price's currency at mid (absent without a target or rate).
    pub unit_price_converted: Option<Money>,
}

/// The sellers that best answer an RFQ, one listing each.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Ranking {
    /// Each seller's best listing, best first, at most the limit asked for.
    pub matches: Vec<Scored>,
    /// Listings excluded, counted by reason.
    #[schema(value_type = BTreeMap<String, u32>)]
    pub excluded: BTreeMap<Exclusion, u32>,
    /// Listings considered.
    pub candidates: u32,
    /// Distinct sellers among the listings considered.
    pub sellers_considered: u32,
}

// ---------------------------------------------------------------------------
// Scoring
// ---------------------------------------------------------------------------

/// Scores `offer` against `want`, or says why it is excluded.
///
/// # Errors
/// The first [`Exclusion`] that applies, in the enum's order.
pub fn score(
    want: &Want,
    offer: &Offer,
    rates: &Rates,
    weights: &Weights,
) -> Result<Scored, Exclusion> {
    if let Some(reason) = exclusion(want, offer) {
        return Err(reason);
    }
    let priced = price(want, offer, rates);
    let assessed = [
        text(offer.text),
        hs_code(want, offer),
        sector(want, offer),
        moq(want, offer),
        priced.assessed,
        lead_time(want, offer),
        incoterm(want, offer),
        certifications(want),
        verified(offer),
        responsiveness(&offer.responsiveness),
    ];
    let (score, factors) = combine(assessed, weights);
    Ok(Scored {
        listing_id: offer.listing_id,
        seller_id: offer.seller_id,
        score,
        factors,
        unit_price: priced.unit_price,
        unit_price_converted: priced.converted,
    })
}

/// Scores every offer and keeps each seller's best listing (highest score; on a tie the
/// smaller listing id). Sellers are ordered by score, then verified first, then seller id;
/// at most `limit` are returned. The answer does not depend on the order of `offers`.
pub fn rank(
    want: &Want,
    offers: &[Offer],
    rates: &Rates,
    weights: &Weights,
    limit: usize,
) -> Ranking {
    let mut excluded = BTreeMap::new();
    let mut best: BTreeMap<Uuid, (Scored, bool)> = BTreeMap::new();
    for offer in offers {
        match score(want, offer, rates, weights) {
            Err(reason) => {
                let n: &mut u32 = excluded.entry(reason).or_default();
                *n = n.saturating_add(1);
            }
            Ok(scored) => match best.entry(offer.seller_id) {
                Entry::Vacant(e) => {
                    e.insert((scored, offer.verified));
                }
                Entry::Occupied(mut e) => {
                    if better_listing(&scored, &e.get().0) == Ordering::Less {
                        e.insert((scored, offer.verified));
                    }
                }
            },
        }
    }
    let mut matches: Vec<(Scored, bool)> = best.into_values().collect();
    matches.sort_by(|(a, a_verified), (b, b_verified)| {
        b.score
            .total_cmp(&a.score)
            .then(b_verified.cmp(a_verified))
            .then(a.seller_id.cmp(&b.seller_id))
    });
    matches.truncate(limit);
    let sellers: BTreeSet<Uuid> = offers.iter().map(|o| o.seller_id).collect();
    Ranking {
        matches: matches.into_iter().map(|(s, _)| s).collect(),
        excluded,
        candidates: saturating_u32(offers.len()),
        sellers_considered: saturating_u32(sellers.len()),
    }
}

/// `Less` when `a` is the better of one seller's two listings.
fn better_listing(a: &Scored, b: &Scored) -> Ordering {
    b.score
        .total_cmp(&a.score)
        .then(a.listing_id.cmp(&b.listing_id))
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The first hard constraint `offer` fails, in [`Exclusion`] order.
fn exclusion(want: &Want, offer: &Offer) -> Option<Exclusion> {
    if !offer.in_good_standing {
        Some(Exclusion::SellerNotInGoodStanding)
    } else if offer.moq_unit != want.unit {
        Some(Exclusion::UnitMismatch)
    } else if want.quantity < offer.moq {
        Some(Exclusion::BelowMoq)
    } else if want
        .certifications
        .iter()
        .any(|c| !offer.certifications.contains(c))
    {
        Some(Exclusion::MissingCertification)
    } else {
        None
    }
}

/// A factor's value and explanation, before weighting.
struct Assessed {
    name: FactorName,
    value: Option<f64>,
    detail: String,
}

impl Assessed {
    fn new(name: FactorName, value: Option<f64>, detail: String) -> Assessed {
        // Clamped here once so that every factor is in [0, 1] whatever its inputs.
        let value = value.map(|v| if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) });
        Assessed {
            name,
            value,
            detail,
        }
    }
}

/// Weights the assessed factors: the score (4 dp) and the ten factors with contributions
/// that add up to it.
fn combine(assessed: [Assessed; 10], weights: &Weights) -> (f64, Vec<Factor>) {
    // w·v of each factor that counts, as exact decimals.
    let counted: Vec<Option<(Decimal, Decimal)>> = assessed
        .iter()
        .map(|a| {
            let w = weight_decimal(weights.of(a.name));
            let v = a.value.and_then(Decimal::from_f64)?;
            (w > Decimal::ZERO).then_some((w, v))
        })
        .collect();
    let total_weight: Decimal = counted.iter().flatten().map(|(w, _)| *w).sum();
    let exact: Vec<Decimal> = counted
        .iter()
        .map(|c| match c {
            Some((w, v)) if total_weight > Decimal::ZERO => *w * *v / total_weight,
            _ => Decimal::ZERO,
        })
        .collect();
    let score_units = if total_weight > Decimal::ZERO {
        let weighted: Decimal = counted.iter().flatten().map(|(w, v)| *w * *v).sum();
        units(weighted / total_weight)
    } else {
        0
    };
    let contributions = apportion(&exact, score_units);
    let factors = assessed
        .into_iter()
        .zip(contributions)
        .map(|(a, units)| Factor {
            name: a.name,
            value: a.value,
            weight: weights.of(a.name),
            contribution: from_units(units),
            detail: a.detail,
        })
        .collect();
    (from_units(score_units), factors)
}

/// A weight as a decimal: zero unless finite and positive, at most [`MAX_WEIGHT`].
fn weight_decimal(w: f64) -> Decimal {
    if w.is_finite() && w > 0.0 {
        Decimal::from_f64(w.min(MAX_WEIGHT)).unwrap_or(Decimal::ZERO)
    } else {
        Decimal::ZERO
    }
}

/// `x` in ten-thousandths, rounded half-even.
fn units(x: Decimal) -> i64 {
    x.checked_mul(Decimal::from(UNITS_PER_ONE))
        .and_then(|u| round_half_even_i64(u).ok())
        .unwrap_or(0)
}

fn from_units(units: i64) -> f64 {
    // Integer / 10^4 is the correctly rounded f64 of the 4-dp decimal (0.2188, not 0.21879…).
    units as f64 / UNITS_PER_ONE as f64
}

/// Splits `total` ten-thousandths over the `exact` contributions (largest remainder): each
/// gets its whole ten-thousandths, and the units left go to the largest remainders (the
/// earlier factor on a tie). This is each one rounded half-even, except where the rounded
/// values would not add up to `total`.
fn apportion(exact: &[Decimal], total: i64) -> Vec<i64> {
    let scale = Decimal::from(UNITS_PER_ONE);
    let split: Vec<(i64, Decimal)> = exact
        .iter()
        .map(|c| {
            let scaled = c.checked_mul(scale).unwrap_or(Decimal::ZERO);
            let whole = scaled.floor();
            (whole.to_i64().unwrap_or(0), scaled - whole)
        })
        .collect();
    let mut units: Vec<i64> = split.iter().map(|(u, _)| *u).collect();
    let left = total - units.iter().sum::<i64>();
    let mut by_remainder: Vec<usize> = (0..split.len())
        .filter(|i| split[*i].1 > Decimal::ZERO)
        .collect();
    by_remainder.sort_by(|a, b| split[*b].1.cmp(&split[*a].1).then(a.cmp(b)));
    for i in by_remainder
        .into_iter()
        .take(usize::try_from(left).unwrap_or(0))
    {
        units[i] += 1;
    }
    units
}

// ---------------------------------------------------------------------------
// The factors
// ---------------------------------------------------------------------------

fn text(t: TextMatch) -> Assessed {
    let (value, detail) = if t.words == 0 {
        (None, "the RFQ has no words to match".to_owned())
    } else {
        (
            Some((f64::from(t.strong) + 0.5 * f64::from(t.weak)) / f64::from(t.words)),
            format!(
                "{} of {} words in title or keywords, {} in description",
                t.strong, t.words, t.weak
            ),
        )
    };
    Assessed::new(FactorName::Text, value, detail)
}

fn hs_code(want: &Want, offer: &Offer) -> Assessed {
    let Some(wanted) = want.hs_code else {
        return Assessed::new(FactorName::HsCode, None, "the RFQ names no HS code".into());
    };
    let common = wanted
        .bytes()
        .zip(offer.hs_code.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let (value, level) = match common {
        6.. => (1.0, "same subheading"),
        4 | 5 => (0.6, "same heading"),
        2 | 3 => (0.3, "same chapter"),
        _ => (0.0, "different chapter"),
    };
    Assessed::new(
        FactorName::HsCode,
        Some(value),
        format!("{level}: listing {} for RFQ {wanted}", offer.hs_code),
    )
}

fn sector(want: &Want, offer: &Offer) -> Assessed {
    let (value, detail) = match want.sector {
        None => (None, "the RFQ names no sector".to_owned()),
        Some(s) if s == offer.sector => (Some(1.0), format!("same sector ({s})")),
        Some(s) => (
            Some(0.0),
            format!("listing is in {}, the RFQ in {s}", offer.sector),
        ),
    };
    Assessed::new(FactorName::Sector, value, detail)
}

fn moq(want: &Want, offer: &Offer) -> Assessed {
    let unit = unit_text(offer.moq_unit);
    let fits = format!("MOQ {} {unit} ≤ {} requested", offer.moq, want.quantity);
    if let (Some(capacity), Some(needed_by)) = (offer.monthly_capacity, want.needed_by) {
        let days = (needed_by - want.today).num_days();
        // ceil(days / 30), at least one month.
        let months = ((days + 29) / 30).max(1);
        let makes = capacity.saturating_mul(months);
        if want.quantity > makes {
            return Assessed::new(
                FactorName::Moq,
                Some(0.5),
                format!(
                    "{fits}, but capacity may not suffice: {capacity} {unit} a month makes \
                     {makes} in {months} month(s) before the date needed"
                ),
            );
        }
    }
    Assessed::new(FactorName::Moq, Some(1.0), fits)
}

/// The price factor and the unit prices it compared.
struct Priced {
    assessed: Assessed,
    unit_price: Option<Money>,
    converted: Option<Money>,
}

fn price(want: &Want, offer: &Offer, rates: &Rates) -> Priced {
    let unit_price = offer
        .price_breaks
        .iter()
        .filter(|b| b.min_quantity <= want.quantity)
        .max_by_key(|b| b.min_quantity)
        .map(|b| Money::from_minor(b.unit_price_minor, offer.currency));
    let unit = unit_text(offer.moq_unit);
    let not_judged = |detail: String| Priced {
        assessed: Assessed::new(FactorName::Price, None, detail),
        unit_price,
        converted: None,
    };
    let Some(target) = want.target_unit_price else {
        return not_judged("the RFQ gives no target price".into());
    };
    let Some(listed) = unit_price else {
        return not_judged(format!("no price break covers {} {unit}", want.quantity));
    };
    if target.minor <= 0 {
        return not_judged("the target price is not positive".into());
    }
    let converted = match rates.convert(listed, target.currency).map_err(|e| match e {
        EstimateError::MissingRate { from, to } => format!("no {from}→{to} rate"),
        _ => format!(
            "{}→{} conversion out of range",
            listed.currency, target.currency
        ),
    }) {
        Ok(c) => c,
        Err(why) => return not_judged(format!("{why}: {listed} not compared")),
    };
    let at_mid = if converted.currency == listed.currency {
        String::new()
    } else {
        format!(" ({converted} at mid)")
    };
    let (value, detail) = if converted.minor <= target.minor {
        (
            Decimal::ONE,
            format!(
                "{listed} a unit at {} {unit}{at_mid} is within the target {target}",
                want.quantity
            ),
        )
    } else {
        // 1 − 2 × (converted / target − 1): 10% over the target scores 0.8, 50% over 0.
        let ratio = Decimal::from(converted.minor) / Decimal::from(target.minor);
        let over = ratio - Decimal::ONE;
        (
            (Decimal::ONE - Decimal::TWO * over).max(Decimal::ZERO),
            format!(
                "{listed} a unit at {} {unit}{at_mid} is {}% above the target {target}",
                want.quantity,
                (over * Decimal::ONE_HUNDRED).round_dp(1)
            ),
        )
    };
    Priced {
        assessed: Assessed::new(FactorName::Price, value.to_f64(), detail),
        unit_price,
        converted: Some(converted),
    }
}

fn lead_time(want: &Want, offer: &Offer) -> Assessed {
    let Some(needed_by) = want.needed_by else {
        return Assessed::new(
            FactorName::LeadTime,
            None,
            "the RFQ gives no date needed by".into(),
        );
    };
    let days = (needed_by - want.today).num_days();
    let lead = i64::from(offer.lead_time_days);
    let (value, detail) = if lead <= days {
        (1.0, format!("ships in {lead} days, {days} available"))
    } else if days <= 0 {
        (
            0.0,
            format!("needed by {needed_by}: no days left for a {lead}-day lead time"),
        )
    } else {
        (
            days as f64 / lead as f64,
            format!("ships in {lead} days, only {days} available"),
        )
    };
    Assessed::new(FactorName::LeadTime, Some(value), detail)
}

fn incoterm(want: &Want, offer: &Offer) -> Assessed {
    let (value, detail) = match want.incoterm {
        None => (None, "the RFQ names no incoterm".to_owned()),
        Some(t) if offer.incoterms.contains(&t) => (Some(1.0), format!("{} offered", t.as_str())),
        Some(t) => (Some(0.0), format!("{} not offered", t.as_str())),
    };
    Assessed::new(FactorName::Incoterm, value, detail)
}

/// Only reached when every required certification is held (else the listing is excluded).
fn certifications(want: &Want) -> Assessed {
    let (value, detail) = if want.certifications.is_empty() {
        (None, "the RFQ requires no certification".to_owned())
    } else {
        let names: Vec<String> = want.certifications.iter().map(|c| c.to_string()).collect();
        (
            Some(1.0),
            format!("holds every certification required: {}", names.join(", ")),
        )
    };
    Assessed::new(FactorName::Certifications, value, detail)
}

fn verified(offer: &Offer) -> Assessed {
    let (value, detail) = if offer.verified {
        (1.0, "verified seller")
    } else {
        (0.0, "seller not verified")
    };
    Assessed::new(FactorName::Verified, Some(value), detail.into())
}

/// Hours to quote that count fully, and from which they count nothing (two weeks).
const QUOTE_FAST_HOURS: f64 = 24.0;
const QUOTE_SLOW_HOURS: f64 = 336.0;

fn responsiveness(r: &Responsiveness) -> Assessed {
    if r.leads <= 0 {
        return Assessed::new(FactorName::Responsiveness, Some(0.5), "no leads yet".into());
    }
    let answered = (r.answered as f64 / r.leads as f64).clamp(0.0, 1.0);
    let (speed, timing) = match r.median_hours_to_quote {
        Some(h) if h <= QUOTE_FAST_HOURS => (1.0, format!("median {h:.0} h to quote")),
        Some(h) if h < QUOTE_SLOW_HOURS => (
            (QUOTE_SLOW_HOURS - h) / (QUOTE_SLOW_HOURS - QUOTE_FAST_HOURS),
            format!("median {h:.0} h to quote"),
        ),
        Some(h) if h >= QUOTE_SLOW_HOURS => (0.0, format!("median {h:.0} h to quote")),
        _ => (0.0, "no quote timed".to_owned()),
    };
    Assessed::new(
        FactorName::Responsiveness,
        Some(0.5 * answered + 0.5 * speed),
        format!("answered {} of {} leads, {timing}", r.answered, r.leads),
    )
}

/// A unit as people write it ("metric tons").
fn unit_text(unit: MoqUnit) -> String {
    unit.to_string().replace('_', " ")
}

#[cfg(test)]
mod tests {
    use chrono::Days;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    use super::*;

    const TODAY: NaiveDate = NaiveDate::from_ymd_opt(2026, 3, 1).expect("a date");

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    /// USD 85, EUR 100 (INR per unit): USD→EUR 0.85, INR→EUR 0.01; no JPY.
    fn rates() -> Rates {
        Rates::new([
            (CurrencyCode::USD, dec!(85)),
            (CurrencyCode::EUR, dec!(100)),
        ])
        .unwrap()
    }

    /// 2000 pieces of HS 6109.10 (cotton T-shirts), GOTS, FOB, EUR 8.00, 60 days from today.
    fn want() -> Want<'static> {
        Want {
            quantity: 2000,
            unit: MoqUnit::Pieces,
            hs_code: Some("61091000"),
            sector: Some(Sector::Textiles),
            target_unit_price: Some(Money::from_minor(800, CurrencyCode::EUR)),
            incoterm: Some(Incoterm::Fob),
            needed_by: Some(NaiveDate::from_ymd_opt(2026, 4, 30).unwrap()),
            certifications: &[Certification::Gots],
            today: TODAY,
        }
    }

    fn breaks(list: &[(i64, i64)]) -> Vec<StoredPriceBreak> {
        list.iter()
            .map(|(q, p)| StoredPriceBreak {
                min_quantity: *q,
                unit_price_minor: *p,
            })
            .collect()
    }

    /// Listing A: same subheading, USD tiered prices (2000 lands on the second break, USD
    /// 9.70 → EUR 8.245 → 8.24 half-even, 3% over target), everything else fits.
    fn offer_a() -> Offer {
        Offer {
            listing_id: id(0xA1),
            seller_id: id(1),
            text: TextMatch {
                words: 4,
                strong: 3,
                weak: 1,
            },
            hs_code: "61091000".into(),
            sector: Sector::Textiles,
            moq: 500,
            moq_unit: MoqUnit::Pieces,
            currency: CurrencyCode::USD,
            price_breaks: breaks(&[(500, 1000), (2000, 970), (5000, 900)]),
            lead_time_days: 30,
            monthly_capacity: None,
            incoterms: vec![Incoterm::Fob, Incoterm::Cif],
            certifications: vec![Certification::Gots, Certification::OekoTex],
            in_good_standing: true,
            verified: true,
            responsiveness: Responsiveness {
                leads: 10,
                answered: 8,
                median_hours_to_quote: Some(12.0),
            },
        }
    }

    /// Seller 1's second listing: A in another chapter.
    fn offer_a2() -> Offer {
        Offer {
            listing_id: id(0xA2),
            hs_code: "42021200".into(),
            ..offer_a()
        }
    }

    /// Listing B: same heading, INR price within target, lead time too long, capacity short,
    /// EXW only, unverified, no leads.
    fn offer_b() -> Offer {
        Offer {
            listing_id: id(0xB1),
            seller_id: id(2),
            text: TextMatch {
                words: 4,
                strong: 2,
                weak: 0,
            },
            hs_code: "61099000".into(),
            moq: 1000,
            currency: CurrencyCode::INR,
            price_breaks: breaks(&[(1000, 70_000)]),
            lead_time_days: 90,
            monthly_capacity: Some(900),
            incoterms: vec![Incoterm::Exw],
            certifications: vec![Certification::Gots],
            verified: false,
            responsiveness: Responsiveness {
                leads: 0,
                answered: 0,
                median_hours_to_quote: None,
            },
            ..offer_a()
        }
    }

    /// Listing C: same chapter only, EUR price at the target, slow quotes.
    fn offer_c() -> Offer {
        Offer {
            listing_id: id(0xC1),
            seller_id: id(3),
            text: TextMatch {
                words: 4,
                strong: 0,
                weak: 2,
            },
            hs_code: "61059000".into(),
            moq: 100,
            currency: CurrencyCode::EUR,
            price_breaks: breaks(&[(100, 800)]),
            lead_time_days: 60,
            monthly_capacity: Some(5000),
            incoterms: vec![Incoterm::Fob],
            certifications: vec![Certification::Gots],
            responsiveness: Responsiveness {
                leads: 4,
                answered: 2,
                median_hours_to_quote: Some(180.0),
            },
            ..offer_a()
        }
    }

    /// Excluded listings: (offer, reason).
    fn excluded_offers() -> Vec<(Offer, Exclusion)> {
        vec![
            (
                // Suspended and the wrong unit: standing is checked first.
                Offer {
                    listing_id: id(0xD1),
                    seller_id: id(4),
                    in_good_standing: false,
                    moq_unit: MoqUnit::Kg,
                    ..offer_a()
                },
                Exclusion::SellerNotInGoodStanding,
            ),
            (
                Offer {
                    listing_id: id(0xE1),
                    seller_id: id(5),
                    moq_unit: MoqUnit::Kg,
                    ..offer_a()
                },
                Exclusion::UnitMismatch,
            ),
            (
                Offer {
                    listing_id: id(0xF1),
                    seller_id: id(6),
                    moq: 5000,
                    price_breaks: breaks(&[(5000, 900)]),
                    ..offer_a()
                },
                Exclusion::BelowMoq,
            ),
            (
                Offer {
                    listing_id: id(0xF2),
                    seller_id: id(7),
                    certifications: vec![Certification::OekoTex],
                    ..offer_a()
                },
                Exclusion::MissingCertification,
            ),
            (
                // Wrong unit, below MOQ and no certification: the unit is checked first.
                Offer {
                    listing_id: id(0xF3),
                    seller_id: id(8),
                    moq_unit: MoqUnit::Kg,
                    moq: 5000,
                    certifications: vec![],
                    ..offer_a()
                },
                Exclusion::UnitMismatch,
            ),
        ]
    }

    fn values(s: &Scored) -> Vec<Option<f64>> {
        s.factors.iter().map(|f| f.value).collect()
    }

    fn contributions(s: &Scored) -> Vec<f64> {
        s.factors.iter().map(|f| f.contribution).collect()
    }

    fn scored(offer: &Offer) -> Scored {
        score(&want(), offer, &rates(), &Weights::default()).unwrap()
    }

    #[test]
    fn tiered_usd_price_is_converted_to_the_eur_target_at_mid() {
        let a = scored(&offer_a());
        assert_eq!(
            a.unit_price,
            Some(Money::from_minor(970, CurrencyCode::USD))
        );
        // 970 × 0.85 = 824.5 → 824 (half-even); 824 / 800 = 1.03 → 1 − 2 × 0.03.
        assert_eq!(
            a.unit_price_converted,
            Some(Money::from_minor(824, CurrencyCode::EUR))
        );
        let price = &a.factors[4];
        assert_eq!(price.name, FactorName::Price);
        assert_eq!(price.value, Some(0.94));
        assert_eq!(
            price.detail,
            "USD 9.70 a unit at 2000 pieces (EUR 8.24 at mid) is 3.0% above the target EUR 8.00"
        );
    }

    #[test]
    fn listing_a_scores_exactly() {
        let a = scored(&offer_a());
        let names: Vec<FactorName> = a.factors.iter().map(|f| f.name).collect();
        assert_eq!(names, FactorName::ALL);
        assert_eq!(
            values(&a),
            [
                Some(0.875),
                Some(1.0),
                Some(1.0),
                Some(1.0),
                Some(0.94),
                Some(1.0),
                Some(1.0),
                Some(1.0),
                Some(1.0),
                Some(0.9)
            ]
        );
        // 0.21875 + 0.15 + 0.05 + 0.05 + 0.141 + 0.1 + 0.1 + 0.05 + 0.05 + 0.045 = 0.95475,
        // half-even 0.9548; the text's 0.21875 takes the half unit.
        assert_eq!(a.score, 0.9548);
        assert_eq!(
            contributions(&a),
            [0.2188, 0.15, 0.05, 0.05, 0.141, 0.1, 0.1, 0.05, 0.05, 0.045]
        );
        let weights: Vec<f64> = a.factors.iter().map(|f| f.weight).collect();
        assert_eq!(
            weights,
            [0.25, 0.15, 0.05, 0.05, 0.15, 0.10, 0.10, 0.05, 0.05, 0.05]
        );
        let details: Vec<&str> = a.factors.iter().map(|f| f.detail.as_str()).collect();
        assert_eq!(
            details[0],
            "3 of 4 words in title or keywords, 1 in description"
        );
        assert_eq!(
            details[1],
            "same subheading: listing 61091000 for RFQ 61091000"
        );
        assert_eq!(details[3], "MOQ 500 pieces ≤ 2000 requested");
        assert_eq!(details[5], "ships in 30 days, 60 available");
        assert_eq!(details[6], "FOB offered");
        assert_eq!(details[7], "holds every certification required: gots");
        assert_eq!(details[9], "answered 8 of 10 leads, median 12 h to quote");
    }

    #[test]
    fn listing_b_scores_exactly() {
        let b = scored(&offer_b());
        // INR 700.00 × 0.01 = EUR 7.00, within the target.
        assert_eq!(b.unit_price, Some(Money::inr(70_000)));
        assert_eq!(
            b.unit_price_converted,
            Some(Money::from_minor(700, CurrencyCode::EUR))
        );
        assert_eq!(
            values(&b),
            [
                Some(0.5),
                Some(0.6),
                Some(1.0),
                Some(0.5),
                Some(1.0),
                Some(60.0 / 90.0),
                Some(0.0),
                Some(1.0),
                Some(0.0),
                Some(0.5)
            ]
        );
        // 0.58166… → 0.5817: the lead time's 0.06666… takes the unit left over.
        assert_eq!(b.score, 0.5817);
        assert_eq!(
            contributions(&b),
            [
                0.125, 0.09, 0.05, 0.025, 0.15, 0.0667, 0.0, 0.05, 0.0, 0.025
            ]
        );
        assert_eq!(
            b.factors[3].detail,
            "MOQ 1000 pieces ≤ 2000 requested, but capacity may not suffice: 900 pieces a \
             month makes 1800 in 2 month(s) before the date needed"
        );
        assert_eq!(
            b.factors[1].detail,
            "same heading: listing 61099000 for RFQ 61091000"
        );
        assert_eq!(b.factors[6].detail, "FOB not offered");
        assert_eq!(b.factors[9].detail, "no leads yet");
    }

    #[test]
    fn listing_c_scores_exactly() {
        let c = scored(&offer_c());
        assert_eq!(
            c.unit_price_converted,
            Some(Money::from_minor(800, CurrencyCode::EUR))
        );
        assert_eq!(
            values(&c),
            [
                Some(0.25),
                Some(0.3),
                Some(1.0),
                Some(1.0),
                Some(1.0),
                Some(1.0),
                Some(1.0),
                Some(1.0),
                Some(1.0),
                Some(0.5)
            ]
        );
        assert_eq!(c.score, 0.6825);
        assert_eq!(
            contributions(&c),
            [0.0625, 0.045, 0.05, 0.05, 0.15, 0.1, 0.1, 0.05, 0.05, 0.025]
        );
        assert_eq!(
            c.factors[4].detail,
            "EUR 8.00 a unit at 2000 pieces is within the target EUR 8.00"
        );
        assert_eq!(
            c.factors[9].detail,
            "answered 2 of 4 leads, median 180 h to quote"
        );
    }

    #[test]
    fn exclusions_are_the_first_failing_constraint() {
        for (offer, reason) in excluded_offers() {
            assert_eq!(
                score(&want(), &offer, &rates(), &Weights::default()),
                Err(reason),
                "{}",
                offer.listing_id
            );
        }
    }

    #[test]
    fn ranking_keeps_each_sellers_best_listing_and_counts_exclusions() {
        let mut offers = vec![offer_b(), offer_a2(), offer_c(), offer_a()];
        offers.extend(excluded_offers().into_iter().map(|(o, _)| o));
        let ranking = rank(&want(), &offers, &rates(), &Weights::default(), 10);
        let order: Vec<(Uuid, f64)> = ranking
            .matches
            .iter()
            .map(|s| (s.listing_id, s.score))
            .collect();
        assert_eq!(
            order,
            [(id(0xA1), 0.9548), (id(0xC1), 0.6825), (id(0xB1), 0.5817)]
        );
        assert_eq!(
            ranking.excluded,
            BTreeMap::from([
                (Exclusion::SellerNotInGoodStanding, 1),
                (Exclusion::UnitMismatch, 2),
                (Exclusion::BelowMoq, 1),
                (Exclusion::MissingCertification, 1),
            ])
        );
        assert_eq!(ranking.candidates, 9);
        assert_eq!(ranking.sellers_considered, 8);
        // A2 loses to A within seller 1: 0.80475 → 0.8048.
        assert_eq!(scored(&offer_a2()).score, 0.8048);

        let top = rank(&want(), &offers, &rates(), &Weights::default(), 2);
        assert_eq!(top.matches.len(), 2);
        assert_eq!(top.matches[1].listing_id, id(0xC1));
        assert_eq!(top.candidates, 9);

        let json = serde_json::to_value(&ranking).unwrap();
        assert_eq!(json["excluded"]["unit_mismatch"], 2);
        assert_eq!(json["matches"][0]["factors"][1]["name"], "hs_code");
        assert_eq!(json["matches"][0]["factors"][5]["name"], "lead_time");
        assert_eq!(json["matches"][0]["unit_price_converted"]["amount"], "8.24");
    }

    #[test]
    fn ties_go_to_the_smaller_listing_then_verified_then_smaller_seller() {
        // Without the verified factor, these all score the same.
        let weights = Weights::parse("verified=0").unwrap();
        let offers = vec![
            Offer {
                listing_id: id(0x20),
                seller_id: id(9),
                verified: false,
                ..offer_a()
            },
            Offer {
                listing_id: id(0x12),
                seller_id: id(8),
                verified: true,
                ..offer_a()
            },
            Offer {
                listing_id: id(0x11),
                seller_id: id(8),
                verified: true,
                ..offer_a()
            },
            Offer {
                listing_id: id(0x30),
                seller_id: id(10),
                verified: true,
                ..offer_a()
            },
        ];
        let ranking = rank(&want(), &offers, &rates(), &weights, 10);
        let order: Vec<Uuid> = ranking.matches.iter().map(|s| s.listing_id).collect();
        assert_eq!(order, [id(0x11), id(0x30), id(0x20)]);
        assert_eq!(ranking.matches[0].factors[8].weight, 0.0);
        assert_eq!(ranking.matches[0].factors[8].contribution, 0.0);
    }

    #[test]
    fn a_missing_rate_leaves_the_price_out() {
        let offer = Offer {
            currency: CurrencyCode::JPY,
            price_breaks: breaks(&[(500, 1500)]),
            ..offer_a()
        };
        let s = scored(&offer);
        assert_eq!(s.factors[4].value, None);
        assert_eq!(s.factors[4].contribution, 0.0);
        assert_eq!(
            s.factors[4].detail,
            "no JPY→EUR rate: JPY 1500 not compared"
        );
        assert_eq!(
            s.unit_price,
            Some(Money::from_minor(1500, CurrencyCode::JPY))
        );
        assert_eq!(s.unit_price_converted, None);
        // The other nine over 0.85: 0.81375 / 0.85 = 0.957352…
        assert_eq!(s.score, 0.9574);
    }

    #[test]
    fn factors_that_do_not_apply_are_left_out() {
        let want = Want {
            hs_code: None,
            sector: None,
            target_unit_price: None,
            incoterm: None,
            needed_by: None,
            certifications: &[],
            ..want()
        };
        let s = score(&want, &offer_a(), &rates(), &Weights::default()).unwrap();
        assert_eq!(
            values(&s),
            [
                Some(0.875),
                None,
                None,
                Some(1.0),
                None,
                None,
                None,
                None,
                Some(1.0),
                Some(0.9)
            ]
        );
        // (0.21875 + 0.05 + 0.05 + 0.045) / 0.4 = 0.909375 → 0.9094.
        assert_eq!(s.score, 0.9094);
        assert_eq!(
            s.unit_price,
            Some(Money::from_minor(970, CurrencyCode::USD))
        );
        assert_eq!(s.unit_price_converted, None);
        let total: f64 = contributions(&s).iter().sum();
        assert!((total - s.score).abs() < 1e-9);
    }

    #[test]
    fn hs_codes_compare_at_chapter_heading_and_subheading() {
        for (listing, value) in [
            ("61091000", 1.0),
            ("61091090", 1.0),
            ("6109100", 1.0),
            ("61092000", 0.6),
            ("61099000", 0.6),
            ("61051000", 0.3),
            ("62091000", 0.0),
            ("91091000", 0.0),
        ] {
            let offer = Offer {
                hs_code: listing.into(),
                ..offer_a()
            };
            assert_eq!(scored(&offer).factors[1].value, Some(value), "{listing}");
        }
    }

    #[test]
    fn lead_time_and_responsiveness_scale_linearly() {
        let late = Want {
            needed_by: Some(TODAY - Days::new(1)),
            ..want()
        };
        let s = score(&late, &offer_a(), &rates(), &Weights::default()).unwrap();
        assert_eq!(s.factors[5].value, Some(0.0));
        let short = Want {
            needed_by: Some(TODAY + Days::new(15)),
            ..want()
        };
        let s = score(&short, &offer_a(), &rates(), &Weights::default()).unwrap();
        assert_eq!(s.factors[5].value, Some(0.5));
        assert_eq!(s.factors[5].detail, "ships in 30 days, only 15 available");

        for (median, value) in [
            (Some(24.0), 1.0),
            (Some(0.5), 1.0),
            (Some(336.0), 0.5),
            (Some(1000.0), 0.5),
            (None, 0.5),
        ] {
            let offer = Offer {
                responsiveness: Responsiveness {
                    leads: 5,
                    answered: 5,
                    median_hours_to_quote: median,
                },
                ..offer_a()
            };
            assert_eq!(scored(&offer).factors[9].value, Some(value), "{median:?}");
        }
    }

    #[test]
    fn price_far_over_target_scores_zero() {
        let offer = Offer {
            currency: CurrencyCode::EUR,
            price_breaks: breaks(&[(500, 1200)]),
            ..offer_a()
        };
        let s = scored(&offer);
        assert_eq!(s.factors[4].value, Some(0.0));
        let offer = Offer {
            currency: CurrencyCode::EUR,
            price_breaks: breaks(&[(500, 880)]),
            ..offer_a()
        };
        assert_eq!(scored(&offer).factors[4].value, Some(0.8));
    }

    #[test]
    fn weights_parse_overrides_of_the_defaults() {
        assert_eq!(Weights::parse(""), Ok(Weights::default()));
        assert_eq!(
            Weights::parse("text=0.3, price=0.2"),
            Ok(Weights {
                text: 0.3,
                price: 0.2,
                ..Weights::default()
            })
        );
        assert_eq!(
            Weights::parse(" hs_code = 0.5 ,lead_time=0,"),
            Ok(Weights {
                hs: 0.5,
                lead_time: 0.0,
                ..Weights::default()
            })
        );
        assert_eq!(Weights::parse("hs=1").map(|w| w.hs), Ok(1.0));
        let default_sum: f64 = FactorName::ALL
            .iter()
            .map(|f| Weights::default().of(*f))
            .sum();
        assert!((default_sum - 1.0).abs() < 1e-12);

        for (input, message) in [
            (
                "colour=1",
                "unknown weight 'colour': expected one of text, hs, sector, moq, price, \
                 lead_time, incoterm, certifications, verified, responsiveness",
            ),
            (
                "text=-0.1",
                "weight 'text' must be between 0 and 1000, not '-0.1'",
            ),
            ("text=abc", "weight 'text' must be a number, not 'abc'"),
            (
                "text=NaN",
                "weight 'text' must be between 0 and 1000, not 'NaN'",
            ),
            (
                "text=inf",
                "weight 'text' must be between 0 and 1000, not 'inf'",
            ),
            (
                "text=1e4",
                "weight 'text' must be between 0 and 1000, not '1e4'",
            ),
            ("text", "weight 'text' is not name=value, e.g. \"text=0.3\""),
            ("text=1, text=2", "weight 'text' is given more than once"),
            (
                "text=0,hs=0,sector=0,moq=0,price=0,lead_time=0,incoterm=0,\
                 certifications=0,verified=0,responsiveness=0",
                "at least one weight must be greater than zero",
            ),
        ] {
            assert_eq!(Weights::parse(input), Err(message.to_owned()), "{input}");
        }
    }

    #[test]
    fn contributions_are_apportioned_to_add_up_to_the_score() {
        // Three contributions of 0.00004 each: rounded one by one they are all 0, but they
        // add up to 0.00012 → 0.0001, so the first (on equal remainders) takes the unit.
        assert_eq!(apportion(&[dec!(0.00004); 3], 1), [1, 0, 0]);
        // Rounding alone adds up: it is kept (0.00006 → 1, 0.00004 → 0).
        assert_eq!(apportion(&[dec!(0.00004), dec!(0.00006)], 1), [0, 1]);
        assert_eq!(
            apportion(&[dec!(0.21875), dec!(0.73625)], 9550),
            [2188, 7362]
        );
        assert_eq!(units(dec!(0.95475)), 9548);
        assert_eq!(units(dec!(0.95465)), 9546);
    }

    #[test]
    fn all_zero_weights_built_in_code_score_zero() {
        let zero = Weights {
            text: 0.0,
            hs: 0.0,
            sector: 0.0,
            moq: 0.0,
            price: 0.0,
            lead_time: 0.0,
            incoterm: 0.0,
            certifications: 0.0,
            verified: 0.0,
            responsiveness: -1.0,
        };
        let s = score(&want(), &offer_a(), &rates(), &zero).unwrap();
        assert_eq!(s.score, 0.0);
        assert!(s.factors.iter().all(|f| f.contribution == 0.0));
    }

    // -----------------------------------------------------------------------
    // Properties
    // -----------------------------------------------------------------------

    fn config() -> ProptestConfig {
        let cases = std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256);
        ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::with_cases(cases)
        }
    }

    /// An RFQ with owned parts, for [`Want`] to borrow.
    #[derive(Debug, Clone)]
    struct WantSpec {
        quantity: i64,
        unit: MoqUnit,
        hs_code: Option<&'static str>,
        sector: Option<Sector>,
        target: Option<Money>,
        incoterm: Option<Incoterm>,
        days: Option<u64>,
        certifications: Vec<Certification>,
    }

    impl WantSpec {
        fn want(&self) -> Want<'_> {
            Want {
                quantity: self.quantity,
                unit: self.unit,
                hs_code: self.hs_code,
                sector: self.sector,
                target_unit_price: self.target,
                incoterm: self.incoterm,
                // Up to 30 days in the past to 200 ahead.
                needed_by: self.days.map(|d| TODAY - Days::new(30) + Days::new(d)),
                certifications: &self.certifications,
                today: TODAY,
            }
        }
    }

    const HS: [&str; 6] = [
        "61091000", "61099000", "61059000", "42021200", "610910", "6109",
    ];

    fn unit() -> impl Strategy<Value = MoqUnit> {
        prop::sample::select(vec![MoqUnit::Pieces, MoqUnit::Pieces, MoqUnit::Kg])
    }
    fn sector() -> impl Strategy<Value = Sector> {
        prop::sample::select(vec![Sector::Textiles, Sector::Leather])
    }
    fn cert() -> impl Strategy<Value = Certification> {
        prop::sample::select(vec![Certification::Gots, Certification::OekoTex])
    }
    fn incoterm() -> impl Strategy<Value = Incoterm> {
        prop::sample::select(vec![Incoterm::Fob, Incoterm::Cif, Incoterm::Exw])
    }
    /// JPY has no rate in [`rates`].
    fn currency() -> impl Strategy<Value = CurrencyCode> {
        prop::sample::select(vec![
            CurrencyCode::USD,
            CurrencyCode::EUR,
            CurrencyCode::INR,
            CurrencyCode::JPY,
        ])
    }

    fn want_spec() -> impl Strategy<Value = WantSpec> {
        (
            1i64..6000,
            unit(),
            prop::option::of(prop::sample::select(HS.to_vec())),
            prop::option::of(sector()),
            prop::option::of((1i64..200_000, currency())),
            prop::option::of(incoterm()),
            prop::option::of(0u64..230),
            prop::collection::vec(cert(), 0..2),
        )
            .prop_map(
                |(quantity, unit, hs_code, sector, target, incoterm, days, certifications)| {
                    WantSpec {
                        quantity,
                        unit,
                        hs_code,
                        sector,
                        target: target.map(|(m, c)| Money::from_minor(m, c)),
                        incoterm,
                        days,
                        certifications,
                    }
                },
            )
    }

    /// An offer; ids are given afterwards (listing ids unique, sellers 1–5).
    fn offer() -> impl Strategy<Value = Offer> {
        (
            (0u32..6, 0u32..6, 0u32..6),
            prop::sample::select(HS.to_vec()),
            (sector(), 1i64..3000, unit(), currency()),
            (
                1i64..1_000_000,
                prop::collection::vec((1i64..3000, 1i64..1_000_000), 0..3),
            ),
            (0i32..120, prop::option::of(1i64..5000)),
            prop::collection::vec(incoterm(), 0..3),
            prop::collection::vec(cert(), 0..3),
            (prop::bool::weighted(0.9), any::<bool>()),
            (0i64..20, 0i64..20, prop::option::of(0.0f64..500.0)),
        )
            .prop_map(
                |(
                    (words, strong, weak),
                    hs,
                    (sector, moq, moq_unit, currency),
                    (first_price, more),
                    (lead_time_days, monthly_capacity),
                    incoterms,
                    certifications,
                    (in_good_standing, verified),
                    (leads, answered, median),
                )| {
                    let strong = strong.min(words);
                    let mut price_breaks = vec![StoredPriceBreak {
                        min_quantity: moq,
                        unit_price_minor: first_price,
                    }];
                    let mut q = moq;
                    for (step, p) in more {
                        q += step;
                        price_breaks.push(StoredPriceBreak {
                            min_quantity: q,
                            unit_price_minor: p,
                        });
                    }
                    Offer {
                        listing_id: Uuid::nil(),
                        seller_id: Uuid::nil(),
                        text: TextMatch {
                            words,
                            strong,
                            weak: weak.min(words - strong),
                        },
                        hs_code: hs.into(),
                        sector,
                        moq,
                        moq_unit,
                        currency,
                        price_breaks,
                        lead_time_days,
                        monthly_capacity,
                        incoterms,
                        certifications,
                        in_good_standing,
                        verified,
                        responsiveness: Responsiveness {
                            leads,
                            answered: answered.min(leads),
                            median_hours_to_quote: median,
                        },
                    }
                },
            )
    }

    /// Offers with ids, and the same offers shuffled.
    fn offers() -> impl Strategy<Value = (Vec<Offer>, Vec<Offer>)> {
        prop::collection::vec((offer(), 1u128..=5), 0..12)
            .prop_map(|list| {
                list.into_iter()
                    .enumerate()
                    .map(|(i, (o, seller))| Offer {
                        listing_id: id(1000 + i as u128),
                        seller_id: id(seller),
                        ..o
                    })
                    .collect::<Vec<_>>()
            })
            .prop_flat_map(|list| (Just(list.clone()), Just(list).prop_shuffle()))
    }

    /// The defaults, or ten weights of 0–1 drawn at random (all zero: the defaults).
    fn weights() -> impl Strategy<Value = Weights> {
        prop_oneof![
            Just(Weights::default()),
            prop::collection::vec(
                prop::sample::select(vec![0.0, 0.05, 0.1, 0.3, 0.7, 1.0]),
                10
            )
            .prop_map(|w| {
                let mut weights = Weights::default();
                for (f, v) in FactorName::ALL.iter().zip(&w) {
                    *weights.slot(*f) = *v;
                }
                if w.iter().all(|v| *v == 0.0) {
                    Weights::default()
                } else {
                    weights
                }
            }),
            prop::collection::vec(0.0f64..1.0, 10).prop_map(|w| {
                let mut weights = Weights::default();
                for (f, v) in FactorName::ALL.iter().zip(w) {
                    *weights.slot(*f) = v;
                }
                weights
            }),
        ]
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn scores_are_bounded_explained_and_ranked_deterministically(
            spec in want_spec(),
            (offers, shuffled) in offers(),
            weights in weights(),
        ) {
            let want = spec.want();
            let rates = rates();
            for offer in &offers {
                let Ok(s) = score(&want, offer, &rates, &weights) else { continue };
                prop_assert!((0.0..=1.0).contains(&s.score), "{}", s.score);
                let names: Vec<FactorName> = s.factors.iter().map(|f| f.name).collect();
                prop_assert_eq!(names, FactorName::ALL.to_vec());
                for f in &s.factors {
                    prop_assert!(f.value.is_none_or(|v| (0.0..=1.0).contains(&v)), "{:?}", f);
                    prop_assert!((0.0..=1.0).contains(&f.contribution), "{:?}", f);
                }
                let total: f64 = s.factors.iter().map(|f| f.contribution).sum();
                prop_assert!((total - s.score).abs() <= 0.0002, "{} vs {}", total, s.score);
            }
            let ranked = rank(&want, &offers, &rates, &weights, 3);
            prop_assert_eq!(&ranked, &rank(&want, &shuffled, &rates, &weights, 3));
            prop_assert!(ranked.matches.len() <= 3);
            let excluded: u32 = ranked.excluded.values().sum();
            prop_assert!(excluded as usize <= offers.len());
            prop_assert_eq!(ranked.candidates as usize, offers.len());
        }
    }
}
