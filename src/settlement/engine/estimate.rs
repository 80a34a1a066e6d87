//! Estimate requests, answers and errors, and the entry points that price a corridor route by route.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::money::{CurrencyCode, Money, MoneyError};

use super::pricing::{Priced, Pricer};
use super::ranking::{by_net, cheapest_for_buyer};
use super::rates::Rates;
use super::schedule::{ArrivalWindow, ChargeBearer, FeeSchedule, Rail, Route};

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
    let mut est = unpriced(route, bearer);
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
        } => price_to_target(&pricer, net_inr, buyer_currency, limits, &mut est.notes)?,
    };
    settle(&mut est, priced, route, buyer_currency);
    Ok(est)
}

/// The route's estimate before pricing: its identity, notes and arrival, no pricing yet.
fn unpriced(route: &Route, bearer: Option<ChargeBearer>) -> RouteEstimate {
    RouteEstimate {
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
    }
}

/// Prices the smallest buyer amount that nets `net_inr`, saying (in `notes`) by how much it
/// overshoots when the target cannot be hit exactly.
fn price_to_target(
    pricer: &Pricer<'_>,
    net_inr: Money,
    buyer_currency: CurrencyCode,
    limits: &EstimateLimits,
    notes: &mut Vec<String>,
) -> Result<Priced, EstimateError> {
    let Some(mut p) = pricer.search(net_inr, buyer_currency, limits)? else {
        return Ok(Priced::NotViable(format!(
            "{net_inr} net cannot be reached with a buyer amount within the cap of {}",
            limits.max_amount_inr
        )));
    };
    let over = p.net_inr.minor - net_inr.minor;
    if over != 0 {
        notes.push(format!(
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
    Ok(Priced::Viable(Box::new(p)))
}

/// Records the pricing on the estimate, or why the route is not offered for the amount.
fn settle(est: &mut RouteEstimate, priced: Priced, route: &Route, buyer_currency: CurrencyCode) {
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
}
