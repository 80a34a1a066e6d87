//! Step 6 of pricing: the Indian taxes and fees on the INR credited (GST on the conversion and
//! on fees, the receiving bank's inward fee, the FIRA fee, the platform fee), all borne by the
//! seller.

use rust_decimal::Decimal;

use crate::money::{CurrencyCode, Money, MoneyError, round_half_up_i64};

use super::estimate::{EstimateError, LineCode, LineItem, Payer};
use super::gst::{conversion_taxable_value, gst_on_conversion};
use super::pricing::{Pricer, checked, pct};
use super::rates::mul_round;
use super::schedule::InrFee;

/// INR costs after the money is credited, added up as their lines are written.
struct InrCosts<'a> {
    lines: &'a mut Vec<LineItem>,
    total: i64,
}

impl InrCosts<'_> {
    /// Adds a seller-borne INR line (none when zero) and counts it.
    fn add(&mut self, code: LineCode, label: String, paise: i64) -> Result<(), EstimateError> {
        if paise != 0 {
            self.lines.push(LineItem {
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
        self.total = checked(self.total.checked_add(paise))?;
        Ok(())
    }
}

impl Pricer<'_> {
    /// GST on a fee, to the paisa, half-up like all tax.
    pub(super) fn gst_on_fee(&self, fee_paise: i64) -> Result<i64, EstimateError> {
        let gst = Decimal::from(fee_paise)
            .checked_mul(self.schedule.gst_rate_on_fees)
            .ok_or(EstimateError::Money(MoneyError::Overflow))?;
        Ok(round_half_up_i64(gst)?)
    }

    /// Step 6: Indian taxes and fees, in INR, borne by the seller; their sum.
    pub(super) fn indian_costs(
        &self,
        lines: &mut Vec<LineItem>,
        credited: i64,
        gst_on_conversion: bool,
    ) -> Result<i64, EstimateError> {
        let mut costs = InrCosts { lines, total: 0 };
        if gst_on_conversion {
            self.conversion_gst(&mut costs, credited)?;
        }
        if let Some(p) = &self.route.psp_fee
            && p.gst
        {
            let fees: i64 = costs
                .lines
                .iter()
                .filter(|l| matches!(l.code, LineCode::PspFee | LineCode::PspFixedFee))
                .map(|l| l.amount_inr.minor)
                .sum();
            let label = format!("GST {} on PSP fees", pct(self.schedule.gst_rate_on_fees));
            costs.add(LineCode::GstOnPspFee, label, self.gst_on_fee(fees)?)?;
        }
        let receiving_side = [
            (
                &self.route.receiving_fee,
                LineCode::ReceivingFee,
                LineCode::GstOnReceivingFee,
                "receiving bank inward fee",
            ),
            (
                &self.route.fira_fee,
                LineCode::FiraFee,
                LineCode::GstOnFiraFee,
                "FIRA fee",
            ),
        ];
        for (fee, code, gst_code, what) in receiving_side {
            if let Some(f) = fee {
                self.inr_fee(&mut costs, f, (code, gst_code), what)?;
            }
        }
        self.platform_fee(&mut costs, credited)?;
        Ok(costs.total)
    }

    /// GST on the currency conversion, on the Rule 32(2)(b) value of the INR credited.
    fn conversion_gst(&self, costs: &mut InrCosts, credited: i64) -> Result<(), EstimateError> {
        let slabs = &self.schedule.conversion_gst_slabs;
        let rate = self.schedule.gst_rate_on_conversion;
        let value = conversion_taxable_value(credited, slabs)?;
        let label = format!(
            "GST {} on currency conversion (Rule 32(2)(b) value INR {} of INR {})",
            pct(rate),
            value.round_dp(2),
            Money::inr(credited).to_decimal()
        );
        costs.add(
            LineCode::GstOnConversion,
            label,
            gst_on_conversion(credited, slabs, rate)?,
        )
    }

    /// A fixed INR fee of the receiving side (inward fee, FIRA), with its GST.
    fn inr_fee(
        &self,
        costs: &mut InrCosts,
        f: &InrFee,
        (code, gst_code): (LineCode, LineCode),
        what: &str,
    ) -> Result<(), EstimateError> {
        let paise = inr_minor(f.amount_inr)?;
        costs.add(code, capitalise(what), paise)?;
        if f.gst {
            let label = format!("GST {} on {what}", pct(self.schedule.gst_rate_on_fees));
            costs.add(gst_code, label, self.gst_on_fee(paise)?)?;
        }
        Ok(())
    }

    /// The platform's fee (a share of the INR credited plus a fixed part), with its GST.
    fn platform_fee(&self, costs: &mut InrCosts, credited: i64) -> Result<(), EstimateError> {
        let Some(p) = &self.route.platform_fee else {
            return Ok(());
        };
        let fixed = inr_minor(p.fixed_inr)?;
        let fee = checked(mul_round(Decimal::from(credited), p.rate)?.checked_add(fixed))?;
        let label = format!(
            "Platform fee {} of INR credited + INR {}",
            pct(p.rate),
            p.fixed_inr
        );
        costs.add(LineCode::PlatformFee, label, fee)?;
        if p.gst {
            let label = format!(
                "GST {} on platform fee",
                pct(self.schedule.gst_rate_on_fees)
            );
            costs.add(LineCode::GstOnPlatformFee, label, self.gst_on_fee(fee)?)?;
        }
        Ok(())
    }
}

/// A fixed INR amount of the schedule in paise.
fn inr_minor(amount: Decimal) -> Result<i64, EstimateError> {
    Money::from_decimal(amount, CurrencyCode::INR)
        .map(|m| m.minor)
        .map_err(|e| EstimateError::InvalidSchedule(e.to_string()))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
