//! Phone numbers in E.164 form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{PartialSchema, ToSchema};

use super::{IdError, string_schema};

/// Phone number in E.164 form: `+` then 8 to 15 digits, the first
/// (country code) digit non-zero.
///
/// Normalisation: trimmed; spaces, hyphens and parentheses are removed, so
/// `"+91 98765-43210"` becomes `"+919876543210"`. The country code and
/// national number length are not checked against numbering plans.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneE164 {
    value: String,
}

impl PhoneE164 {
    /// Normalise and validate `input` (rules in the type docs).
    ///
    /// # Errors
    /// An [`IdError`] naming what is wrong with the input.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let value: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        let digits = value.strip_prefix('+').ok_or(IdError::PhoneFormat)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::PhoneFormat);
        }
        if !(8..=15).contains(&digits.len()) {
            return Err(IdError::PhoneLength);
        }
        if digits.starts_with('0') {
            return Err(IdError::PhoneCountryCode);
        }
        Ok(Self { value })
    }

    /// The digits after the `+`.
    pub fn digits(&self) -> &str {
        self.value.get(1..).unwrap_or_default()
    }
}

string_newtype!(PhoneE164);
string_schema_impl!(
    PhoneE164,
    "Phone number in E.164 format: '+' followed by 8 to 15 digits.",
    "^\\+[1-9][0-9]{7,14}$",
    "+919876543210"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifiers::test_support::{from_json, json};

    #[test]
    fn phone_valid_and_normalised() {
        let p = PhoneE164::parse(" +91 98765-43210 ").unwrap();
        assert_eq!(p.as_str(), "+919876543210");
        assert_eq!(p.digits(), "919876543210");
        assert_eq!(
            PhoneE164::parse("+1 (415) 555-2671").unwrap().as_str(),
            "+14155552671"
        );
        assert!(PhoneE164::parse("+12345678").is_ok()); // 8 digits
        assert!(PhoneE164::parse("+123456789012345").is_ok()); // 15 digits
    }

    #[test]
    fn phone_errors() {
        assert_eq!(PhoneE164::parse("919876543210"), Err(IdError::PhoneFormat));
        assert_eq!(
            PhoneE164::parse("00919876543210"),
            Err(IdError::PhoneFormat)
        );
        assert_eq!(
            PhoneE164::parse("+91a9876543210"),
            Err(IdError::PhoneFormat)
        );
        assert_eq!(
            PhoneE164::parse("++919876543210"),
            Err(IdError::PhoneFormat)
        );
        assert_eq!(PhoneE164::parse(""), Err(IdError::PhoneFormat));
        assert_eq!(PhoneE164::parse("+1234567"), Err(IdError::PhoneLength));
        assert_eq!(
            PhoneE164::parse("+1234567890123456"),
            Err(IdError::PhoneLength)
        );
        assert_eq!(PhoneE164::parse("+"), Err(IdError::PhoneLength));
        assert_eq!(
            PhoneE164::parse("+0919876543210"),
            Err(IdError::PhoneCountryCode)
        );
    }

    #[test]
    fn phone_serde() {
        let p = PhoneE164::parse("+919876543210").unwrap();
        assert_eq!(json(&p), "\"+919876543210\"");
        assert_eq!(from_json::<PhoneE164>("\"+91 98765 43210\"").unwrap(), p);
        assert!(from_json::<PhoneE164>("\"9876543210\"").is_err());
    }
}
