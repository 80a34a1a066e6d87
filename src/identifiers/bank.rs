//! Indian bank identifiers: IFSC and bank account number.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{PartialSchema, ToSchema};

use super::{IdError, chars_exact, normalise_upper, string_schema};

// ---------------------------------------------------------------------------
// IFSC
// ---------------------------------------------------------------------------

/// Indian Financial System Code: 4-letter bank code, `0`, 6-character
/// alphanumeric branch code (11 characters). Normalisation: trimmed,
/// upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ifsc {
    value: String,
}

impl Ifsc {
    /// Normalise and validate `input` (rules in the type docs).
    ///
    /// # Errors
    /// An [`IdError`] naming what is wrong with the input.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let value = normalise_upper(input);
        let c: [char; 11] = chars_exact(&value).ok_or(IdError::IfscLength)?;
        if !c[..4].iter().all(char::is_ascii_uppercase) {
            return Err(IdError::IfscBankCode);
        }
        if c[4] != '0' {
            return Err(IdError::IfscReservedChar);
        }
        if !c[5..]
            .iter()
            .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit())
        {
            return Err(IdError::IfscBranchCode);
        }
        Ok(Self { value })
    }

    /// The 4-letter bank code, e.g. `"SBIN"`.
    pub fn bank_code(&self) -> &str {
        self.value.get(..4).unwrap_or_default()
    }

    /// The 6-character branch code.
    pub fn branch_code(&self) -> &str {
        self.value.get(5..).unwrap_or_default()
    }
}

string_newtype!(Ifsc);
string_schema_impl!(
    Ifsc,
    "Indian Financial System Code: 4-letter bank code, '0', 6-character branch code.",
    "^[A-Z]{4}0[A-Z0-9]{6}$",
    "SBIN0000300"
);

// ---------------------------------------------------------------------------
// Bank account number
// ---------------------------------------------------------------------------

/// Indian bank account number: 9 to 18 digits.
///
/// Sensitive: `Debug` and `Display` print only the masked form
/// (`XXXXXXXX1234`), there is no `AsRef<str>`, no `From<_> for String` and
/// **no `Serialize`** — send [`BankAccountNumber::masked`] in responses.
/// `Deserialize` goes through [`BankAccountNumber::parse`]. Use
/// [`BankAccountNumber::as_str`] only where the full number is genuinely
/// needed (storage, payout API).
///
/// Normalisation: trimmed; spaces are removed.
#[derive(Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct BankAccountNumber {
    value: String,
}

impl BankAccountNumber {
    /// Normalise and validate `input` (rules in the type docs).
    ///
    /// # Errors
    /// An [`IdError`] naming what is wrong with the input.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let value: String = input.trim().chars().filter(|&c| c != ' ').collect();
        if !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::BankAccountFormat);
        }
        if !(9..=18).contains(&value.len()) {
            return Err(IdError::BankAccountLength);
        }
        Ok(Self { value })
    }

    /// The full account number. Handle with care: never log it.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// Last four digits.
    pub fn last4(&self) -> &str {
        let start = self.value.len().saturating_sub(4);
        self.value.get(start..).unwrap_or_default()
    }

    /// All but the last four digits replaced by `X`, e.g. `XXXXXXXX1234`.
    pub fn masked(&self) -> String {
        let hidden = self.value.len().saturating_sub(4);
        let mut out = "X".repeat(hidden);
        out.push_str(self.last4());
        out
    }
}

impl fmt::Debug for BankAccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BankAccountNumber")
            .field(&self.masked())
            .finish()
    }
}

impl fmt::Display for BankAccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl FromStr for BankAccountNumber {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for BankAccountNumber {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl TryFrom<&str> for BankAccountNumber {
    type Error = IdError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

string_schema_impl!(
    BankAccountNumber,
    "Bank account number, 9 to 18 digits. Write-only: responses carry only a masked form.",
    "^[0-9]{9,18}$",
    "123456789012"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifiers::test_support::{from_json, json};

    // ----- IFSC -----

    #[test]
    fn ifsc_valid() {
        let i = Ifsc::parse(" sbin0000300 ").unwrap();
        assert_eq!(i.as_str(), "SBIN0000300");
        assert_eq!(i.bank_code(), "SBIN");
        assert_eq!(i.branch_code(), "000300");
        assert_eq!(Ifsc::parse("HDFC0CAGSBK").unwrap().bank_code(), "HDFC");
    }

    #[test]
    fn ifsc_errors() {
        assert_eq!(Ifsc::parse("SBIN000030"), Err(IdError::IfscLength));
        assert_eq!(Ifsc::parse("SBIN00003000"), Err(IdError::IfscLength));
        assert_eq!(Ifsc::parse("SB1N0000300"), Err(IdError::IfscBankCode));
        assert_eq!(Ifsc::parse("SBINO000300"), Err(IdError::IfscReservedChar));
        assert_eq!(Ifsc::parse("SBIN1000300"), Err(IdError::IfscReservedChar));
        assert_eq!(Ifsc::parse("SBIN000030-"), Err(IdError::IfscBranchCode));
    }

    #[test]
    fn ifsc_serde() {
        let i = Ifsc::parse("SBIN0000300").unwrap();
        assert_eq!(json(&i), "\"SBIN0000300\"");
        assert_eq!(from_json::<Ifsc>("\"sbin0000300\"").unwrap(), i);
        assert!(from_json::<Ifsc>("\"SBINO000300\"").is_err());
    }

    // ----- Bank account -----

    #[test]
    fn bank_account_valid_and_masked() {
        let a = BankAccountNumber::parse(" 1234 5678 9012 ").unwrap();
        assert_eq!(a.as_str(), "123456789012");
        assert_eq!(a.last4(), "9012");
        assert_eq!(a.masked(), "XXXXXXXX9012");
        assert_eq!(
            BankAccountNumber::parse("123456789").unwrap().masked(),
            "XXXXX6789"
        );
        assert_eq!(
            BankAccountNumber::parse("123456789012345678")
                .unwrap()
                .masked(),
            "XXXXXXXXXXXXXX5678"
        );
    }

    #[test]
    fn bank_account_never_printed_in_full() {
        let full = "50100123456789";
        let a = BankAccountNumber::parse(full).unwrap();
        let debug = format!("{a:?}");
        let pretty = format!("{a:#?}");
        let display = a.to_string();
        for s in [&debug, &pretty, &display] {
            assert!(!s.contains(full), "{s}");
            assert!(!s.contains("501001"), "{s}");
            assert!(s.contains("XXXXXXXXXX6789"), "{s}");
        }
        assert_eq!(display, "XXXXXXXXXX6789");
        // Nested Debug (e.g. inside a struct or Result) stays masked too.
        let nested = format!("{:?}", Some(a.clone()));
        assert!(!nested.contains(full), "{nested}");
        // Errors never echo the input.
        let err = BankAccountNumber::parse("5010012345678912345").unwrap_err();
        assert!(!err.to_string().contains("501001"));
    }

    #[test]
    fn bank_account_errors() {
        assert_eq!(
            BankAccountNumber::parse("12345678"),
            Err(IdError::BankAccountLength)
        );
        assert_eq!(
            BankAccountNumber::parse("1234567890123456789"),
            Err(IdError::BankAccountLength)
        );
        assert_eq!(
            BankAccountNumber::parse(""),
            Err(IdError::BankAccountLength)
        );
        assert_eq!(
            BankAccountNumber::parse("12345678A"),
            Err(IdError::BankAccountFormat)
        );
        assert_eq!(
            BankAccountNumber::parse("1234-5678-9"),
            Err(IdError::BankAccountFormat)
        );
    }

    #[test]
    fn bank_account_deserialize_only() {
        let a: BankAccountNumber = from_json("\"123456789012\"").unwrap();
        assert_eq!(a.as_str(), "123456789012");
        let err = from_json::<BankAccountNumber>("\"12AB\"").unwrap_err();
        assert!(err.to_string().contains("digits only"), "{err}");
        // Responses carry the masked form.
        assert_eq!(json(&a.masked()), "\"XXXXXXXX9012\"");
    }
}
