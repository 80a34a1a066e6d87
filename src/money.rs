//! Money as integer minor units of an ISO 4217 currency.
//!
//! Amounts are `i64` minor units (paise, cents, fils…) tagged with a
//! [`CurrencyCode`] that knows its minor-unit exponent. Decimals only appear
//! at the edges (parsing, display) and in rates; every conversion from a
//! decimal back to minor units goes through [`round_to_minor`], which rounds
//! half-even exactly once.

use std::borrow::Cow;
use std::fmt;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::{PartialSchema, ToSchema};

/// Errors from parsing or combining money. Each variant maps to one field
/// error in the HTTP layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a known ISO 4217 code.
    #[error("unknown currency code '{0}'")]
    UnknownCurrency(String),
    /// More decimal places than the currency's minor unit allows.
    #[error("{currency} allows at most {max} decimal place(s)")]
    TooManyDecimals {
        /// The currency the amount was given in.
        currency: CurrencyCode,
        /// Decimal places the currency allows (its ISO 4217 exponent).
        max: u32,
    },
    /// Zero or negative where a positive amount is required.
    #[error("amount must be greater than zero")]
    NotPositive,
    /// Larger than the configured cap.
    #[error("amount is larger than the maximum of {cap}")]
    TooLarge {
        /// The cap, formatted for people (e.g. "INR 10000000000.00").
        cap: String,
    },
    /// Arithmetic left the range of 64-bit minor units.
    #[error("amount out of range")]
    Overflow,
    /// Two amounts in different currencies were combined.
    #[error("currency mismatch: {0} and {1}")]
    CurrencyMismatch(CurrencyCode, CurrencyCode),
}

/// A known ISO 4217 currency code (three upper-case letters), carrying its
/// minor-unit exponent. Serialised as the plain code, e.g. `"USD"`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CurrencyCode {
    code: &'static str,
    exponent: u8,
}

impl CurrencyCode {
    /// Parses a code; only codes in the platform's ISO 4217 table are accepted.
    pub fn parse(s: &str) -> Result<CurrencyCode, MoneyError> {
        CURRENCIES
            .iter()
            .find(|c| c.code == s)
            .copied()
            .ok_or_else(|| MoneyError::UnknownCurrency(s.chars().take(16).collect()))
    }

    /// The three-letter code.
    pub fn as_str(&self) -> &'static str {
        self.code
    }

    /// Number of decimal places of the minor unit (INR 2, JPY 0, KWD 3).
    pub fn exponent(&self) -> u32 {
        u32::from(self.exponent)
    }

    /// Minor units per major unit (100 for INR, 1 for JPY, 1000 for KWD).
    pub fn minor_per_major(&self) -> i64 {
        10_i64.pow(self.exponent())
    }

    /// Every code in the table, for documentation and tests.
    pub fn all() -> impl Iterator<Item = CurrencyCode> {
        CURRENCIES.iter().copied()
    }
}

macro_rules! currencies {
    ($($code:ident $exp:literal),* $(,)?) => {
        impl CurrencyCode {
            $(
                #[doc = concat!("ISO 4217 ", stringify!($code), " (", stringify!($exp), " decimals).")]
                pub const $code: CurrencyCode = CurrencyCode {
                    code: stringify!($code),
                    exponent: $exp,
                };
            )*
        }
        /// ISO 4217 codes the platform knows, sorted, with their minor-unit exponents.
        static CURRENCIES: &[CurrencyCode] = &[$(CurrencyCode::$code),*];
    };
}

currencies! {
    AED 2, AUD 2, BDT 2, BHD 3, BRL 2, BWP 2, CAD 2, CHF 2, CLP 0, CNY 2,
    CZK 2, DKK 2, EGP 2, EUR 2, GBP 2, HKD 2, HUF 2, IDR 2, ILS 2, INR 2,
    IQD 3, ISK 0, JOD 3, JPY 0, KES 2, KRW 0, KWD 3, LKR 2, LYD 3, MUR 2,
    MXN 2, MYR 2, NGN 2, NOK 2, NPR 2, NZD 2, OMR 3, PHP 2, PKR 2, PLN 2,
    QAR 2, RUB 2, SAR 2, SEK 2, SGD 2, THB 2, TND 3, TRY 2, TWD 2, TZS 2,
    UGX 0, USD 2, VND 0, XAF 0, XOF 0, ZAR 2,
}

impl fmt::Display for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl fmt::Debug for CurrencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl AsRef<str> for CurrencyCode {
    fn as_ref(&self) -> &str {
        self.code
    }
}

impl std::str::FromStr for CurrencyCode {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CurrencyCode::parse(s)
    }
}

impl Serialize for CurrencyCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for CurrencyCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(deserializer)?;
        CurrencyCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl PartialSchema for CurrencyCode {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .description(Some(
                "ISO 4217 currency code (three upper-case letters), e.g. \"USD\", \"INR\".",
            ))
            .pattern(Some("^[A-Z]{3}$"))
            .examples(["USD"])
            .into()
    }
}

impl ToSchema for CurrencyCode {}

/// Rounds a decimal amount of `currency` (in major units) to whole minor
/// units, half-even (banker's rounding). `Overflow` if it leaves `i64`.
pub fn round_to_minor(major: Decimal, currency: CurrencyCode) -> Result<i64, MoneyError> {
    let scaled = major
        .checked_mul(Decimal::from(currency.minor_per_major()))
        .ok_or(MoneyError::Overflow)?;
    round_half_even_i64(scaled)
}

/// Rounds a decimal to a whole number half-even and returns it as `i64`.
pub fn round_half_even_i64(value: Decimal) -> Result<i64, MoneyError> {
    value
        .round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven)
        .to_i64()
        .ok_or(MoneyError::Overflow)
}

/// An amount of money: integer minor units of one currency.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Money {
    /// Amount in minor units (paise for INR, yen for JPY, fils for KWD).
    pub minor: i64,
    /// The currency.
    pub currency: CurrencyCode,
}

impl Money {
    /// Money from minor units.
    pub fn from_minor(minor: i64, currency: CurrencyCode) -> Money {
        Money { minor, currency }
    }

    /// Zero of a currency.
    pub fn zero(currency: CurrencyCode) -> Money {
        Money { minor: 0, currency }
    }

    /// Rupees from paise.
    pub fn inr(paise: i64) -> Money {
        Money {
            minor: paise,
            currency: CurrencyCode::INR,
        }
    }

    /// Exact conversion of a decimal amount in major units. Rejects more
    /// decimal places than the currency has (`TooManyDecimals`, saying how
    /// many are allowed); trailing zeros are fine ("100.50" JPY is not,
    /// "100.00" JPY is).
    pub fn from_decimal(amount: Decimal, currency: CurrencyCode) -> Result<Money, MoneyError> {
        let normalized = amount.normalize();
        if normalized.scale() > currency.exponent() {
            return Err(MoneyError::TooManyDecimals {
                currency,
                max: currency.exponent(),
            });
        }
        let minor = normalized
            .checked_mul(Decimal::from(currency.minor_per_major()))
            .and_then(|d| d.to_i64())
            .ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, currency })
    }

    /// Like [`Money::from_decimal`], and also rejects zero and negative amounts.
    pub fn positive_from_decimal(
        amount: Decimal,
        currency: CurrencyCode,
    ) -> Result<Money, MoneyError> {
        let m = Money::from_decimal(amount, currency)?;
        if m.minor <= 0 {
            return Err(MoneyError::NotPositive);
        }
        Ok(m)
    }

    /// The amount in major units, with exactly the currency's decimal places.
    pub fn to_decimal(&self) -> Decimal {
        Decimal::new(self.minor, self.currency.exponent())
    }

    /// Sum, or `CurrencyMismatch` / `Overflow`.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.minor
            .checked_add(other.minor)
            .map(|minor| Money { minor, ..self })
            .ok_or(MoneyError::Overflow)
    }

    /// Difference, or `CurrencyMismatch` / `Overflow`.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        self.minor
            .checked_sub(other.minor)
            .map(|minor| Money { minor, ..self })
            .ok_or(MoneyError::Overflow)
    }

    fn same_currency(&self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }
}

impl fmt::Display for Money {
    /// `USD 9975.00`, `JPY 1500`, `KWD 1.250`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, MajorUnits(*self))
    }
}

/// The amount in major units with exactly the currency's decimals ("9975.00", "1500",
/// "-0.05"): what [`Money::to_decimal`] prints, written from the integer without a `Decimal`
/// (answers carry hundreds of amounts).
struct MajorUnits(Money);

impl fmt::Display for MajorUnits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Money { minor, currency } = self.0;
        let sign = if minor < 0 { "-" } else { "" };
        let abs = minor.unsigned_abs();
        match currency.exponent() {
            0 => write!(f, "{sign}{abs}"),
            exp => {
                let per = 10_u64.pow(exp);
                let width = exp as usize;
                write!(f, "{sign}{}.{:0width$}", abs / per, abs % per)
            }
        }
    }
}

impl Serialize for MajorUnits {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Wire form of [`Money`].
#[derive(Deserialize, ToSchema)]
#[schema(as = Money)]
struct MoneyRepr {
    /// ISO 4217 currency code.
    currency: CurrencyCode,
    /// Amount in major units as a decimal string with at most the currency's
    /// minor-unit decimals, e.g. "10000.00" USD, "1500" JPY, "1.250" KWD.
    #[schema(value_type = String, example = "10000.00")]
    amount: Decimal,
    /// Amount in integer minor units (output only; ignored on input).
    #[serde(default, skip_deserializing)]
    #[schema(read_only)]
    #[allow(dead_code)] // for the schema; `Serialize for Money` writes it
    minor: i64,
}

impl Serialize for Money {
    /// As [`MoneyRepr`], field for field.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut repr = serializer.serialize_struct("MoneyRepr", 3)?;
        repr.serialize_field("currency", &self.currency)?;
        repr.serialize_field("amount", &MajorUnits(*self))?;
        repr.serialize_field("minor", &self.minor)?;
        repr.end()
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = MoneyRepr::deserialize(deserializer)?;
        Money::from_decimal(repr.amount, repr.currency).map_err(serde::de::Error::custom)
    }
}

impl PartialSchema for Money {
    fn schema() -> RefOr<Schema> {
        MoneyRepr::schema()
    }
}

impl ToSchema for Money {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Money")
    }
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        MoneyRepr::schemas(schemas)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn major_units_print_as_the_decimal_does() {
        for code in ["INR", "JPY", "KWD"] {
            let currency = CurrencyCode::parse(code).unwrap();
            for minor in [
                0,
                1,
                -1,
                5,
                -5,
                99,
                100,
                101,
                -100,
                123_456,
                -987_654_321,
                i64::MAX,
                i64::MIN,
            ] {
                let m = Money { minor, currency };
                assert_eq!(
                    MajorUnits(m).to_string(),
                    m.to_decimal().to_string(),
                    "{code} {minor}"
                );
                let wire = serde_json::to_value(m).unwrap();
                assert_eq!(wire["amount"], m.to_decimal().to_string());
                assert_eq!(wire["minor"], minor);
                assert_eq!(wire["currency"], code);
            }
        }
    }

    use rust_decimal_macros::dec;

    fn ccy(s: &str) -> CurrencyCode {
        CurrencyCode::parse(s).unwrap()
    }

    #[test]
    fn exponents_follow_iso_4217() {
        for (code, exp) in [
            ("INR", 2),
            ("USD", 2),
            ("EUR", 2),
            ("GBP", 2),
            ("CNY", 2),
            ("SGD", 2),
            ("MYR", 2),
            ("IDR", 2),
            ("VND", 0),
            ("THB", 2),
            ("AED", 2),
            ("SAR", 2),
            ("KES", 2),
            ("NGN", 2),
            ("ZAR", 2),
            ("JPY", 0),
            ("KRW", 0),
            ("KWD", 3),
            ("BHD", 3),
            ("OMR", 3),
            ("HKD", 2),
            ("CHF", 2),
            ("CAD", 2),
            ("AUD", 2),
        ] {
            assert_eq!(ccy(code).exponent(), exp, "{code}");
        }
    }

    #[test]
    fn table_is_sorted_unique_and_well_formed() {
        let codes: Vec<_> = CurrencyCode::all().map(|c| c.as_str()).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
        );
    }

    #[test]
    fn unknown_and_malformed_codes_are_rejected() {
        for bad in ["XYZ", "usd", "US", "USDD", "", "ÜSD"] {
            assert!(
                matches!(
                    CurrencyCode::parse(bad),
                    Err(MoneyError::UnknownCurrency(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn decimals_beyond_the_minor_unit_are_rejected() {
        assert_eq!(
            Money::from_decimal(dec!(100.5), ccy("JPY")),
            Err(MoneyError::TooManyDecimals {
                currency: ccy("JPY"),
                max: 0
            })
        );
        assert_eq!(
            Money::from_decimal(dec!(1.2345), ccy("KWD")),
            Err(MoneyError::TooManyDecimals {
                currency: ccy("KWD"),
                max: 3
            })
        );
        assert_eq!(
            Money::from_decimal(dec!(0.001), ccy("INR"))
                .unwrap_err()
                .to_string(),
            "INR allows at most 2 decimal place(s)"
        );
        // Trailing zeros are not extra precision.
        assert_eq!(
            Money::from_decimal(dec!(100.000), ccy("JPY"))
                .unwrap()
                .minor,
            100
        );
        assert_eq!(
            Money::from_decimal(dec!(1.234), ccy("KWD")).unwrap().minor,
            1234
        );
        assert_eq!(
            Money::from_decimal(dec!(8.5), ccy("USD")).unwrap().minor,
            850
        );
    }

    #[test]
    fn non_positive_amounts_are_rejected() {
        assert_eq!(
            Money::positive_from_decimal(dec!(0), ccy("USD")),
            Err(MoneyError::NotPositive)
        );
        assert_eq!(
            Money::positive_from_decimal(dec!(-0.01), ccy("USD")),
            Err(MoneyError::NotPositive)
        );
        assert!(Money::positive_from_decimal(dec!(0.01), ccy("USD")).is_ok());
    }

    #[test]
    fn huge_amounts_overflow_cleanly() {
        assert_eq!(
            Money::from_decimal(Decimal::MAX, ccy("USD")),
            Err(MoneyError::Overflow)
        );
        let m = Money::from_minor(i64::MAX, ccy("USD"));
        assert_eq!(
            m.checked_add(Money::from_minor(1, ccy("USD"))),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn add_and_sub_check_currency() {
        let a = Money::from_minor(150, ccy("USD"));
        let b = Money::from_minor(50, ccy("USD"));
        assert_eq!(a.checked_sub(b).unwrap().minor, 100);
        assert_eq!(a.checked_add(b).unwrap().minor, 200);
        assert!(matches!(
            a.checked_add(Money::inr(1)),
            Err(MoneyError::CurrencyMismatch(_, _))
        ));
    }

    #[test]
    fn rounding_is_half_even_once() {
        let inr = CurrencyCode::INR;
        assert_eq!(round_to_minor(dec!(0.125), inr).unwrap(), 12);
        assert_eq!(round_to_minor(dec!(0.135), inr).unwrap(), 14);
        assert_eq!(round_to_minor(dec!(0.1251), inr).unwrap(), 13);
        assert_eq!(round_to_minor(dec!(-0.125), inr).unwrap(), -12);
        assert_eq!(round_to_minor(dec!(2.5), ccy("JPY")).unwrap(), 2);
        assert_eq!(round_to_minor(dec!(3.5), ccy("JPY")).unwrap(), 4);
        assert_eq!(round_to_minor(dec!(0.0125), ccy("KWD")).unwrap(), 12);
    }

    #[test]
    fn display_and_serde() {
        let m = Money::from_minor(997_500, ccy("USD"));
        assert_eq!(m.to_string(), "USD 9975.00");
        assert_eq!(Money::from_minor(1250, ccy("KWD")).to_string(), "KWD 1.250");
        assert_eq!(Money::from_minor(1500, ccy("JPY")).to_string(), "JPY 1500");
        let json = serde_json::to_value(m).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"currency": "USD", "amount": "9975.00", "minor": 997500})
        );
        let back: Money = serde_json::from_value(json).unwrap();
        assert_eq!(back, m);
        let bad: Result<Money, _> =
            serde_json::from_value(serde_json::json!({"currency": "JPY", "amount": "1.5"}));
        assert!(bad.unwrap_err().to_string().contains("at most 0"));
        let unknown: Result<CurrencyCode, _> = serde_json::from_value(serde_json::json!("ABC"));
        assert!(
            unknown
                .unwrap_err()
                .to_string()
                .contains("unknown currency")
        );
    }
}
