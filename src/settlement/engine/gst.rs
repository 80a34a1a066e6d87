//! GST on currency conversion: the Rule 32(2)(b) taxable value and the tax on it.

use rust_decimal::Decimal;

use super::estimate::EstimateError;
use super::schedule::{ConversionGstSlabs, GstRounding};
use crate::money::{MoneyError, round_half_up_i64};

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
