//! Mid-market rates (INR per unit) and the one half-even rounding of a product into minor units.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::estimate::EstimateError;
use crate::money::{CurrencyCode, Money, MoneyError, round_half_even_i64};

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

    /// `money` in `to` at mid, rounded half-even to `to`'s minor units (what indicative prices,
    /// matching and quote comparisons show).
    pub fn convert(&self, money: Money, to: CurrencyCode) -> Result<Money, EstimateError> {
        if money.currency == to {
            return Ok(money);
        }
        let overflow = || EstimateError::Money(MoneyError::Overflow);
        let rate = self.mid(money.currency, to)?;
        let scale =
            Decimal::from(to.minor_per_major()) / Decimal::from(money.currency.minor_per_major());
        let minor = Decimal::from(money.minor)
            .checked_mul(rate)
            .ok_or_else(overflow)?
            .checked_mul(scale)
            .ok_or_else(overflow)?;
        Ok(Money::from_minor(round_half_even_i64(minor)?, to))
    }

    /// Every currency with a rate, INR included.
    pub fn currencies(&self) -> impl Iterator<Item = CurrencyCode> + '_ {
        self.inr_per_unit.keys().copied()
    }

    /// Paise per minor unit of `currency` at mid.
    pub fn paise_per_minor(&self, currency: CurrencyCode) -> Result<Decimal, EstimateError> {
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

pub(super) fn mul_round(a: Decimal, b: Decimal) -> Result<i64, EstimateError> {
    let p = a
        .checked_mul(b)
        .ok_or(EstimateError::Money(MoneyError::Overflow))?;
    Ok(round_half_even_i64(p)?)
}
