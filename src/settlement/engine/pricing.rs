//! Pricing one route for a buyer amount: the money in flight, stage by stage, as line items.

use rust_decimal::Decimal;
use rust_decimal::RoundingStrategy;

use crate::money::{CurrencyCode, Money, MoneyError, round_half_even_i64};

use super::estimate::{EstimateError, LineCode, LineItem, Payer, Pricing};
use super::rates::{Rates, mul_round};
use super::schedule::{ChargeBearer, FeeSchedule, FixedFee, Hop, Route, Spread};

/// A route priced for one amount, or why the amount does not get through.
pub(super) enum Priced {
    Viable(Box<Pricing>),
    NotViable(String),
}

/// Why pricing stopped before the end: the money in flight ran out (the route
/// is not viable for the amount), or the schedule or rates cannot price it.
enum Stop {
    NothingLeft,
    Failed(EstimateError),
}

impl From<EstimateError> for Stop {
    fn from(e: EstimateError) -> Self {
        Stop::Failed(e)
    }
}

impl From<MoneyError> for Stop {
    fn from(e: MoneyError) -> Self {
        Stop::Failed(e.into())
    }
}

/// Money in flight in one currency, with its paise-per-minor mid rate.
struct Stage {
    currency: CurrencyCode,
    ppm: Decimal,
    amount: i64,
}

impl Stage {
    /// The half-even paise value at mid of `amount` minor units of this stage's currency.
    fn mid_value(&self, amount: i64) -> Result<i64, EstimateError> {
        mul_round(Decimal::from(amount), self.ppm)
    }
}

/// One route (for one charge bearer) priced against a fee schedule and mid rates.
pub(super) struct Pricer<'a> {
    pub(super) schedule: &'a FeeSchedule,
    pub(super) route: &'a Route,
    pub(super) rates: &'a Rates,
    pub(super) bearer: Option<ChargeBearer>,
}

/// The money in flight and the lines written so far.
struct Flight {
    stage: Stage,
    lines: Vec<LineItem>,
}

/// A fee taken out of the money in flight, in the stage's minor units.
struct Fee {
    code: LineCode,
    label: String,
    payer: Payer,
    hop: Option<u32>,
    minor: i64,
}

impl Fee {
    /// A fee the seller bears, deducted from the amount on its way.
    fn seller(code: LineCode, label: String, minor: i64) -> Self {
        Fee {
            code,
            label,
            payer: Payer::Seller,
            hop: None,
            minor,
        }
    }
}

pub(super) fn pct(rate: Decimal) -> String {
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

pub(super) fn checked(v: Option<i64>) -> Result<i64, EstimateError> {
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

    /// Deducts `fee` from the money in flight; its INR value is the fall in
    /// the mid value. Stops when a seller-borne fee would leave nothing.
    fn deduct(&self, flight: &mut Flight, fee: Fee) -> Result<(), Stop> {
        if fee.minor < 0 {
            return Err(EstimateError::InvalidSchedule(format!(
                "route {}: negative fee",
                self.route.code
            ))
            .into());
        }
        let stage = &mut flight.stage;
        let after = checked(stage.amount.checked_sub(fee.minor))?;
        if after <= 0 && fee.payer == Payer::Seller {
            return Err(Stop::NothingLeft);
        }
        if fee.minor == 0 && fee.hop.is_none() {
            return Ok(());
        }
        let before_inr = stage.mid_value(stage.amount)?;
        let after_inr = stage.mid_value(after)?;
        flight.lines.push(LineItem {
            code: fee.code,
            label: fee.label,
            payer: fee.payer,
            hop: fee.hop,
            amount: Money::from_minor(fee.minor, stage.currency),
            amount_inr: Money::inr(checked(before_inr.checked_sub(after_inr))?),
            rate_applied: None,
            mid_rate: None,
        });
        stage.amount = after;
        Ok(())
    }

    /// The mid rate from `from` to `to` and the rate applied (mid less
    /// `spread`), which must stay positive.
    fn applied_rate(
        &self,
        from: CurrencyCode,
        to: CurrencyCode,
        spread: &Spread,
    ) -> Result<(Decimal, Decimal), EstimateError> {
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
        Ok((mid, applied))
    }

    /// Converts the money in flight into `to` at mid less `spread`, adding
    /// the spread line. Stops if nothing would arrive.
    fn convert(
        &self,
        flight: &mut Flight,
        to: CurrencyCode,
        spread: &Spread,
        code: LineCode,
        by: &str,
    ) -> Result<(), Stop> {
        let stage = &mut flight.stage;
        let from = stage.currency;
        let overflow = || EstimateError::Money(MoneyError::Overflow);
        let (mid, applied) = self.applied_rate(from, to, spread)?;
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
                ))
                .into());
            }
        }
        if y <= 0 {
            return Err(Stop::NothingLeft);
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
            flight.lines.push(LineItem {
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
        Ok(())
    }

    /// Prices the route for a buyer amount. `NotViable` when fees in flight
    /// would swallow the amount.
    pub(super) fn price(&self, amount: Money) -> Result<Priced, EstimateError> {
        match self.steps(amount) {
            Ok(pricing) => Ok(Priced::Viable(Box::new(pricing))),
            Err(Stop::NothingLeft) => Ok(Priced::NotViable(format!(
                "{amount} does not cover the fees deducted on the way"
            ))),
            Err(Stop::Failed(e)) => Err(e),
        }
    }

    /// The money's way from the buyer to the seller, step by step: fees on
    /// top, deductions in the buyer's currency, conversion abroad, hops in
    /// flight, conversion into INR, Indian costs, totals.
    fn steps(&self, amount: Money) -> Result<Pricing, Stop> {
        let b = amount.currency;
        let on_top = self.fees_on_top(b)?;
        let total = on_top
            .iter()
            .try_fold(amount.minor, |t, f| checked(t.checked_add(f.minor)))?;
        let mut flight = Flight {
            stage: self.stage(b, total)?,
            lines: Vec::new(),
        };
        let buyer_total_inr = flight.stage.mid_value(total)?;
        for fee in on_top {
            self.deduct(&mut flight, fee)?;
        }
        let mid_equivalent = flight.stage.mid_value(flight.stage.amount)?;
        self.deduct_in_buyer_currency(&mut flight, b)?;
        self.convert_abroad(&mut flight, b)?;
        self.deduct_hops_in_flight(&mut flight)?;
        let gst_on_conversion = self.convert_into_inr(&mut flight)?;
        let credited = flight.stage.amount;
        let inr_costs = self.indian_costs(&mut flight.lines, credited, gst_on_conversion)?;
        let net = checked(credited.checked_sub(inr_costs))?;
        Ok(totals(
            amount,
            flight.lines,
            Money::from_minor(total, b),
            buyer_total_inr,
            mid_equivalent,
            net,
        )?)
    }

    /// Step 1: the fees the buyer pays on top of the amount (the sender's
    /// fee unless deducted under BEN; every hop under OUR).
    fn fees_on_top(&self, b: CurrencyCode) -> Result<Vec<Fee>, EstimateError> {
        let mut on_top = Vec::new();
        if let Some(f) = &self.route.sender_fee
            && self.bearer != Some(ChargeBearer::Ben)
        {
            on_top.push(Fee {
                payer: Payer::Buyer,
                ..Fee::seller(
                    LineCode::SenderFee,
                    format!("Sender bank fee ({})", fixed_label(f)),
                    self.fixed_in(f, b)?,
                )
            });
        }
        if self.bearer == Some(ChargeBearer::Our) {
            for (i, h) in self.route.intermediaries.iter().enumerate() {
                on_top.push(Fee {
                    code: LineCode::IntermediaryFee,
                    label: hop_label(i, h, "paid up front under OUR"),
                    payer: Payer::Buyer,
                    hop: Some(hop_no(i)),
                    minor: self.fixed_in(&h.fee, b)?,
                });
            }
        }
        Ok(on_top)
    }

    /// Step 2: deductions in the buyer's currency: the sender's fee under
    /// BEN, then the PSP's percentage (of what is left) and fixed fee.
    fn deduct_in_buyer_currency(&self, flight: &mut Flight, b: CurrencyCode) -> Result<(), Stop> {
        if self.bearer == Some(ChargeBearer::Ben)
            && let Some(f) = &self.route.sender_fee
        {
            let label = format!("Sender bank fee ({}), deducted under BEN", fixed_label(f));
            let fee = Fee::seller(LineCode::SenderFee, label, self.fixed_in(f, b)?);
            self.deduct(flight, fee)?;
        }
        if let Some(p) = &self.route.psp_fee {
            let minor = mul_round(Decimal::from(flight.stage.amount), p.rate)?;
            let label = format!("PSP fee {} of the amount collected", pct(p.rate));
            self.deduct(flight, Fee::seller(LineCode::PspFee, label, minor))?;
            if let Some(f) = &p.fixed {
                let label = format!("PSP fixed fee ({})", fixed_label(f));
                let fee = Fee::seller(LineCode::PspFixedFee, label, self.fixed_in(f, b)?);
                self.deduct(flight, fee)?;
            }
        }
        Ok(())
    }

    /// Step 3: conversion abroad into the transit currency, when it is not
    /// the buyer's.
    fn convert_abroad(&self, flight: &mut Flight, b: CurrencyCode) -> Result<(), Stop> {
        let route = self.route;
        let transit = route.transit_currency.unwrap_or(b);
        if transit == b {
            return Ok(());
        }
        let spread = route.conversion_abroad.as_ref().ok_or_else(|| {
            EstimateError::InvalidSchedule(format!(
                "route {}: no conversion_abroad for {b}→{transit}",
                route.code
            ))
        })?;
        let (code, by) = if transit == CurrencyCode::INR {
            (LineCode::FxSpread, "by the buyer's bank")
        } else {
            (LineCode::FxSpreadAbroad, "abroad")
        };
        self.convert(flight, transit, spread, code, by)
    }

    /// Step 4: intermediary hops deducting in flight (SHA, BEN, no bearer).
    fn deduct_hops_in_flight(&self, flight: &mut Flight) -> Result<(), Stop> {
        if self.bearer == Some(ChargeBearer::Our) {
            return Ok(());
        }
        for (i, h) in self.route.intermediaries.iter().enumerate() {
            let fee = Fee {
                hop: Some(hop_no(i)),
                ..Fee::seller(
                    LineCode::IntermediaryFee,
                    hop_label(i, h, "deducted in flight"),
                    self.fixed_in(&h.fee, flight.stage.currency)?,
                )
            };
            self.deduct(flight, fee)?;
        }
        Ok(())
    }

    /// Step 5: conversion into INR in India, if the money is not INR yet.
    /// Whether GST falls on that conversion.
    fn convert_into_inr(&self, flight: &mut Flight) -> Result<bool, Stop> {
        if flight.stage.currency == CurrencyCode::INR {
            return Ok(false);
        }
        let conv = self.route.inr_conversion.as_ref().ok_or_else(|| {
            EstimateError::InvalidSchedule(format!(
                "route {}: no inr_conversion for {}",
                self.route.code, flight.stage.currency
            ))
        })?;
        let by = format!("by {}", conv.converted_by);
        self.convert(
            flight,
            CurrencyCode::INR,
            &conv.spread,
            LineCode::FxSpread,
            &by,
        )?;
        Ok(conv.gst_on_conversion)
    }
}

/// Step 7: what the buyer and the seller bear, and the answer for the amount.
fn totals(
    amount: Money,
    lines: Vec<LineItem>,
    buyer_pays_total: Money,
    buyer_total_inr: i64,
    mid_equivalent: i64,
    net: i64,
) -> Result<Pricing, EstimateError> {
    let mut buyer_fees: i64 = 0;
    let mut seller_costs: i64 = 0;
    for l in &lines {
        let slot = match l.payer {
            Payer::Buyer => &mut buyer_fees,
            Payer::Seller => &mut seller_costs,
        };
        *slot = checked(slot.checked_add(l.amount_inr.minor))?;
    }
    let total_cost = checked(buyer_fees.checked_add(seller_costs))?;
    Ok(Pricing {
        amount,
        lines,
        buyer_pays_total,
        buyer_pays_total_inr_at_mid: Money::inr(buyer_total_inr),
        mid_market_equivalent_inr: Money::inr(mid_equivalent),
        buyer_fees_inr: Money::inr(buyer_fees),
        seller_costs_inr: Money::inr(seller_costs),
        total_cost_inr: Money::inr(total_cost),
        effective_cost_pct: percent(total_cost, buyer_total_inr),
        seller_cost_pct: percent(seller_costs, mid_equivalent),
        net_inr: Money::inr(net),
        target: None,
    })
}

/// An intermediary hop's line label; `how` says who pays it and when.
fn hop_label(i: usize, h: &Hop, how: &str) -> String {
    format!(
        "Intermediary hop {}: {} ({}), {how}",
        i + 1,
        h.name,
        fixed_label(&h.fee)
    )
}

fn hop_no(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
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
