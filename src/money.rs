//! Money as integer minor units of an ISO 4217 currency.
//!
//! Amounts are `i64` minor units (paise, cents, fils…) tagged with a
//! [`CurrencyCode`] that knows its minor-unit exponent. Decimals only appear
//! at the edges (parsing, display) and in rates; every conversion from a
//! decimal back to minor units goes through [`round_to_minor`], which rounds
//! half-even exactly once. Tax is the exception: GST rounds half-up
//! ([`round_half_up_i64`], CGST Act s.170).
//!
//! On the wire an amount is a plain decimal string (`^[0-9]+(\.[0-9]+)?$`):
//! no exponent, sign, leading or trailing point, and never a JSON number, so
//! that what a client sends is exactly what is priced.

use std::borrow::Cow;
use std::fmt;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::{PartialSchema, ToSchema};

/// Errors from parsing or combining money. Each variant maps to one field
/// error in the HTTP layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a known ISO 4217 code.
    #[error("unknown currency code '{0}': use an ISO 4217 code such as \"USD\"")]
    UnknownCurrency(String),
    /// Not a plain decimal string.
    #[error(
        "must be a decimal string such as \"1250.50\": digits, optionally a point and more digits (no exponent, sign or spaces)"
    )]
    Malformed,
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
    /// Parses a code in any letter case ("usd" is USD); only codes in the platform's ISO 4217
    /// table are accepted.
    pub fn parse(s: &str) -> Result<CurrencyCode, MoneyError> {
        CURRENCIES
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(s))
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
        struct Code;
        impl Visitor<'_> for Code {
            type Value = CurrencyCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO 4217 currency code such as \"USD\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<CurrencyCode, E> {
                CurrencyCode::parse(s).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Code)
    }
}

impl PartialSchema for CurrencyCode {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .description(Some(
                "ISO 4217 currency code, e.g. \"USD\", \"INR\"; accepted in any letter case, \
                 answered in upper case.",
            ))
            .pattern(Some("^[A-Za-z]{3}$"))
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

/// Rounds a decimal to a whole number, halves away from zero (half-up for the non-negative
/// amounts it is used on): how tax is rounded (CGST Act s.170: 50 paise and above go up).
pub fn round_half_up_i64(value: Decimal) -> Result<i64, MoneyError> {
    value
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .ok_or(MoneyError::Overflow)
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

    /// Parses an amount as sent: a plain decimal string ([`is_plain_decimal`]; a leading `-`
    /// is read too, so that answers read back as written) with at most the currency's
    /// decimals. Trailing zeros are not extra precision ("100.00" JPY is 100).
    pub fn parse(text: &str, currency: CurrencyCode) -> Result<Money, MoneyError> {
        let unsigned = text.strip_prefix('-').unwrap_or(text);
        if !is_plain_decimal(unsigned) {
            return Err(MoneyError::Malformed);
        }
        let significant = match unsigned.split_once('.') {
            Some((whole, fraction)) => {
                let fraction = fraction.trim_end_matches('0');
                if fraction.len() > currency.exponent() as usize {
                    return Err(MoneyError::TooManyDecimals {
                        currency,
                        max: currency.exponent(),
                    });
                }
                let sign = if unsigned.len() == text.len() {
                    ""
                } else {
                    "-"
                };
                if fraction.is_empty() {
                    Cow::Owned(format!("{sign}{whole}"))
                } else {
                    Cow::Owned(format!("{sign}{whole}.{fraction}"))
                }
            }
            None => Cow::Borrowed(text),
        };
        let amount = Decimal::from_str_exact(&significant).map_err(|_| MoneyError::Overflow)?;
        Money::from_decimal(amount, currency)
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

/// The pattern of an amount on the wire, as the OpenAPI document states it.
pub const AMOUNT_PATTERN: &str = r"^[0-9]+(\.[0-9]+)?$";

/// Whether `s` matches [`AMOUNT_PATTERN`]: digits, optionally a point and more digits. No
/// exponent ("1e5"), sign ("+100"), bare point (".5", "100."), spaces or separators.
pub fn is_plain_decimal(s: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(s),
    }
}

/// Wire form of [`Money`].
// Only the schema: `Serialize`/`Deserialize for Money` write and read this shape.
#[derive(ToSchema)]
#[schema(as = Money)]
#[allow(dead_code)] // only for the schema
struct MoneyRepr {
    /// ISO 4217 currency code.
    currency: CurrencyCode,
    /// Amount in major units as a decimal string with at most the currency's
    /// minor-unit decimals, e.g. "10000.00" USD, "1500" JPY, "1.250" KWD. No exponent,
    /// sign or JSON number.
    #[schema(value_type = String, example = "10000.00", pattern = r"^[0-9]+(\.[0-9]+)?$")]
    amount: Decimal,
    /// Amount in integer minor units (output only; ignored on input).
    #[schema(read_only, required = false)]
    minor: i64,
}

/// An amount as sent, checked against [`AMOUNT_PATTERN`] where it stands (so a bad one is
/// reported under `amount.amount`), priced once the currency is known.
struct AmountText(String);

impl<'de> Deserialize<'de> for AmountText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl Visitor<'_> for Text {
            type Value = AmountText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal string such as \"1250.50\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<AmountText, E> {
                let unsigned = s.strip_prefix('-').unwrap_or(s);
                if is_plain_decimal(unsigned) {
                    Ok(AmountText(s.to_owned()))
                } else {
                    Err(E::custom(MoneyError::Malformed))
                }
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<AmountText, E> {
                Err(E::custom(NOT_A_NUMBER))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<AmountText, E> {
                Err(E::custom(NOT_A_NUMBER))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<AmountText, E> {
                Err(E::custom(NOT_A_NUMBER))
            }
        }
        deserializer.deserialize_any(Text)
    }
}

const NOT_A_NUMBER: &str =
    "must be a decimal string such as \"1250.50\", in quotes: a JSON number is not exact";

/// What `Deserialize for Money` reads; other fields (such as `minor`) are ignored.
#[derive(Deserialize)]
struct MoneyInput {
    currency: CurrencyCode,
    amount: AmountText,
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
    /// Too many decimals for the currency is only known once both fields are read; it is
    /// still reported under `amount` (the amount is what must change).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let input = MoneyInput::deserialize(deserializer)?;
        Money::parse(&input.amount.0, input.currency)
            .map_err(|e| crate::http::child_error("amount", e))
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
        for bad in ["XYZ", "US", "USDD", "", "ÜSD", " USD"] {
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
    fn codes_are_read_in_any_case_and_answered_in_upper_case() {
        for code in ["usd", "Usd", "USD"] {
            assert_eq!(CurrencyCode::parse(code).unwrap(), CurrencyCode::USD);
        }
        let m: Money =
            serde_json::from_value(serde_json::json!({"currency": "inr", "amount": "1.50"}))
                .unwrap();
        assert_eq!(serde_json::to_value(m).unwrap()["currency"], "INR");
    }

    #[test]
    fn amounts_are_plain_decimal_strings() {
        let usd = CurrencyCode::USD;
        for (text, minor) in [
            ("100", 10_000),
            ("100.5", 10_050),
            ("0.01", 1),
            ("100.000", 10_000),
            ("007.10", 710),
            ("-95.04", -9_504),
        ] {
            assert_eq!(Money::parse(text, usd).unwrap().minor, minor, "{text}");
        }
        for bad in [
            "1e5", "1E-2", "+100", ".5", "100.", "", " 1", "1 ", "1,000", "0x10", "--1", "-",
            "1.2.3", "NaN", "inf", "١٢",
        ] {
            assert_eq!(Money::parse(bad, usd), Err(MoneyError::Malformed), "{bad}");
        }
        assert_eq!(
            Money::parse("1.001", usd),
            Err(MoneyError::TooManyDecimals {
                currency: usd,
                max: 2
            })
        );
        assert_eq!(
            Money::parse("1.5", ccy("JPY")).unwrap_err().to_string(),
            "JPY allows at most 0 decimal place(s)"
        );
        assert_eq!(
            Money::parse(&"9".repeat(40), usd),
            Err(MoneyError::Overflow)
        );
        // Many trailing zeros are still just the number.
        assert_eq!(
            Money::parse(&format!("1.{}", "0".repeat(40)), usd)
                .unwrap()
                .minor,
            100
        );
        // On the wire: a JSON number or a bad string is refused.
        for amount in [
            serde_json::json!(100),
            serde_json::json!(1.5),
            serde_json::json!("1e5"),
        ] {
            let r: Result<Money, _> =
                serde_json::from_value(serde_json::json!({"currency": "USD", "amount": amount}));
            assert!(r.unwrap_err().to_string().contains("1250.50"), "{amount}");
        }
    }

    #[test]
    fn the_schema_states_the_amount_pattern() {
        let schema = serde_json::to_value(Money::schema()).unwrap();
        assert_eq!(schema["properties"]["amount"]["pattern"], AMOUNT_PATTERN);
        let code = serde_json::to_value(CurrencyCode::schema()).unwrap();
        assert_eq!(code["pattern"], "^[A-Za-z]{3}$");
    }

    #[test]
    fn rounding_half_up_is_for_tax() {
        assert_eq!(round_half_up_i64(dec!(184.50)).unwrap(), 185);
        assert_eq!(round_half_up_i64(dec!(184.49)).unwrap(), 184);
        assert_eq!(round_half_up_i64(dec!(2182.5)).unwrap(), 2183);
        assert_eq!(round_half_even_i64(dec!(2182.5)).unwrap(), 2182);
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
