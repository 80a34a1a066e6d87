//! Pricing one route for a buyer amount: the money in flight, stage by stage, as line items.

use rust_decimal::Decimal;
use rust_decimal::RoundingStrategy;

use crate::money::{CurrencyCode, Money, MoneyError, round_half_even_i64, round_half_up_i64};

use super::estimate::{EstimateError, EstimateLimits, LineCode, LineItem, Payer, Pricing};
use super::gst::{conversion_taxable_value, gst_on_conversion};
use super::rates::Rates;
use super::rates::mul_round;
use super::schedule::{ChargeBearer, FeeSchedule, FixedFee, Route, Spread};

pub(super) enum Priced {
    Viable(Box<Pricing>),
    NotViable(String),
}

/// Money in flight in one currency, with its paise-per-minor mid rate.
struct Stage {
    currency: CurrencyCode,
    ppm: Decimal,
    amount: i64,
}

pub(super) struct Pricer<'a> {
    pub(super) schedule: &'a FeeSchedule,
    pub(super) route: &'a Route,
    pub(super) rates: &'a Rates,
    pub(super) bearer: Option<ChargeBearer>,
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
    pub(super) fn gst_on_fee(&self, fee_paise: i64) -> Result<i64, EstimateError> {
        let gst = Decimal::from(fee_paise)
            .checked_mul(self.schedule.gst_rate_on_fees)
            .ok_or(EstimateError::Money(MoneyError::Overflow))?;
        Ok(round_half_up_i64(gst)?)
    }

    /// Prices the route for a buyer amount. `NotViable` when fees in flight
    /// would swallow the amount.
    pub(super) fn price(&self, amount: Money) -> Result<Priced, EstimateError> {
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
    pub(super) fn net_for(
        &self,
        minor: i64,
        b: CurrencyCode,
    ) -> Result<Option<Pricing>, EstimateError> {
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
    pub(super) fn search(
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
