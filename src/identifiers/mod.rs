//! Parsed identifier newtypes for Indian sellers and export trade.
//!
//! Every type here follows "parse, don't validate": the only way to obtain a
//! value is through `parse` (or `FromStr`/`TryFrom`/serde `Deserialize`, which
//! all call `parse`), so holding a `Gstin` proves the string is a well-formed
//! GSTIN with a correct check character.
//!
//! Input is normalised before it is checked: surrounding whitespace is
//! trimmed and ASCII letters are upper-cased for formats that are upper-case.
//! A few types also drop separators people commonly type (documented on the
//! type). Only ASCII is ever upper-cased, so normalisation never changes the
//! length of non-ASCII input in surprising ways.
//!
//! Serialisation always emits the normalised canonical string, except for
//! [`BankAccountNumber`], which deliberately does not implement `Serialize`.
//!
//! Error messages (see [`IdError`]) are written for end users and never echo
//! the submitted value or reveal an expected check character.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Why an identifier was rejected. Messages are user-facing English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    // Indian state / UT
    #[error("unknown Indian state or union territory code")]
    UnknownState,

    // PAN
    #[error("PAN must be exactly 10 characters")]
    PanLength,
    #[error("PAN must be 5 letters, then 4 digits, then 1 letter (for example ABCPE1234F)")]
    PanFormat,
    #[error("PAN 4th character must be a valid holder type (one of P, C, H, F, A, T, B, L, J, G)")]
    PanHolderType,

    // GSTIN
    #[error("GSTIN must be exactly 15 characters")]
    GstinLength,
    #[error("GSTIN must start with a valid 2-digit GST state code")]
    GstinStateCode,
    #[error("GSTIN characters 3 to 12 must be a valid PAN: {0}")]
    GstinEmbeddedPan(Box<IdError>),
    #[error("GSTIN 13th character (entity number) must be 1-9 or A-Z")]
    GstinEntityNumber,
    #[error("GSTIN 14th character must be 'Z'")]
    GstinDefaultChar,
    #[error("GSTIN check character does not match; please check the number for typos")]
    GstinChecksum,

    // IEC
    #[error("IEC must be exactly 10 characters")]
    IecLength,
    #[error("IEC must be either 10 digits or a valid PAN: {0}")]
    IecFormat(Box<IdError>),

    // Udyam
    #[error("Udyam registration number must look like UDYAM-XX-00-0000000")]
    UdyamFormat,
    #[error("Udyam registration number has an unknown state code")]
    UdyamStateCode,
    #[error("Udyam registration number district code must be between 01 and 99")]
    UdyamDistrict,

    // IFSC
    #[error("IFSC must be exactly 11 characters")]
    IfscLength,
    #[error("IFSC must start with 4 letters (the bank code)")]
    IfscBankCode,
    #[error("IFSC 5th character must be the digit 0 (zero)")]
    IfscReservedChar,
    #[error("IFSC last 6 characters (the branch code) must be letters or digits")]
    IfscBranchCode,

    // Phone
    #[error(
        "phone number must be in international format: '+' followed by digits only (for example +919876543210)"
    )]
    PhoneFormat,
    #[error("phone number must have between 8 and 15 digits after the '+'")]
    PhoneLength,
    #[error("phone number country code cannot start with 0")]
    PhoneCountryCode,

    // Bank account
    #[error("bank account number must contain digits only")]
    BankAccountFormat,
    #[error("bank account number must be between 9 and 18 digits long")]
    BankAccountLength,

    // HS code
    #[error("HS code must contain digits only (dots and spaces are allowed as separators)")]
    HsCodeFormat,
    #[error("HS code must have 6, 8 or 10 digits")]
    HsCodeLength,
    #[error("HS code chapter (first 2 digits) must be between 01 and 97, excluding reserved 77")]
    HsCodeChapter,

    // Incoterm
    #[error(
        "unknown Incoterm; expected one of EXW, FCA, CPT, CIP, DAP, DPU, DDP, FAS, FOB, CFR, CIF"
    )]
    UnknownIncoterm,

    // Country
    #[error("unknown country code; expected an ISO 3166-1 alpha-2 code such as IN or US")]
    UnknownCountry,
}

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// Trim and upper-case ASCII letters.
fn normalise_upper(input: &str) -> String {
    input.trim().to_ascii_uppercase()
}

/// Collect exactly `N` chars, or `None` if the string has a different length
/// in characters. Working on a fixed array keeps all later indexing in bounds.
fn chars_exact<const N: usize>(s: &str) -> Option<[char; N]> {
    let v: Vec<char> = s.chars().collect();
    v.try_into().ok()
}

fn string_schema(description: &str, pattern: Option<&str>, example: &str) -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
            .pattern(pattern)
            .examples([example])
            .build(),
    ))
}

fn enum_schema(description: &str, values: &[&'static str], example: &str) -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
            .enum_values(Some(values.iter().copied()))
            .examples([example])
            .build(),
    ))
}

/// `AsRef<str>`, `Display`, `FromStr`, `TryFrom<String>` and `TryFrom<&str>` for types with
/// `parse` and `as_str`.
macro_rules! str_conversions {
    ($ty:ident) => {
        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = IdError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }
    };
}

/// `as_str`, `From<T> for String` and the `str_conversions` for newtypes whose canonical
/// string lives in a field named `value`.
macro_rules! string_newtype {
    ($ty:ident) => {
        impl $ty {
            /// The normalised canonical string.
            pub fn as_str(&self) -> &str {
                &self.value
            }
        }

        impl From<$ty> for String {
            fn from(v: $ty) -> String {
                v.value
            }
        }

        str_conversions!($ty);
    };
}

/// `From<T> for String` and the `str_conversions` for `Copy` types with `parse` and
/// `as_str() -> &'static str`.
macro_rules! static_str_type {
    ($ty:ident) => {
        impl From<$ty> for String {
            fn from(v: $ty) -> String {
                v.as_str().to_owned()
            }
        }

        str_conversions!($ty);
    };
}

macro_rules! string_schema_impl {
    ($ty:ident, $description:expr, $pattern:expr, $example:expr) => {
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                string_schema($description, Some($pattern), $example)
            }
        }

        impl ToSchema for $ty {}
    };
}

// The families; declared after the macros above so that they can use them.
mod bank;
mod country;
mod pan_gstin;
mod phone;
mod states;
mod trade;

pub use bank::{BankAccountNumber, Ifsc};
pub use country::CountryCode;
pub use pan_gstin::{Gstin, Pan, PanHolderType};
pub use phone::PhoneE164;
pub use states::IndianState;
pub use trade::{HsCode, Iec, Incoterm, UdyamNumber};

/// JSON helpers shared by the unit tests of every family.
#[cfg(test)]
mod test_support {
    pub(super) fn json<T: serde::Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap()
    }

    pub(super) fn from_json<T: serde::de::DeserializeOwned>(
        s: &str,
    ) -> Result<T, serde_json::Error> {
        serde_json::from_str(s)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use utoipa::{PartialSchema, ToSchema};

    use super::test_support::{from_json, json};
    use super::*;

    fn schema_json<T: PartialSchema>() -> serde_json::Value {
        serde_json::to_value(T::schema()).unwrap()
    }

    fn schema_example<T: PartialSchema>() -> String {
        schema_json::<T>()["examples"][0]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn schema_examples_are_valid() {
        assert!(Pan::parse(&schema_example::<Pan>()).is_ok());
        assert!(Gstin::parse(&schema_example::<Gstin>()).is_ok());
        assert!(Iec::parse(&schema_example::<Iec>()).is_ok());
        assert!(UdyamNumber::parse(&schema_example::<UdyamNumber>()).is_ok());
        assert!(Ifsc::parse(&schema_example::<Ifsc>()).is_ok());
        assert!(PhoneE164::parse(&schema_example::<PhoneE164>()).is_ok());
        assert!(BankAccountNumber::parse(&schema_example::<BankAccountNumber>()).is_ok());
        assert!(HsCode::parse(&schema_example::<HsCode>()).is_ok());
        assert!(Incoterm::parse(&schema_example::<Incoterm>()).is_ok());
        assert!(CountryCode::parse(&schema_example::<CountryCode>()).is_ok());
        assert!(IndianState::parse(&schema_example::<IndianState>()).is_ok());
    }

    #[test]
    fn schemas_are_strings_with_pattern_or_enum() {
        let s = schema_json::<Gstin>();
        assert_eq!(s["type"], "string");
        assert!(s["pattern"].as_str().unwrap().starts_with('^'));
        let s = schema_json::<Incoterm>();
        assert_eq!(s["type"], "string");
        assert_eq!(s["enum"].as_array().unwrap().len(), 11);
        let s = schema_json::<IndianState>();
        assert_eq!(s["enum"].as_array().unwrap().len(), 37);
        assert_eq!(<Gstin as ToSchema>::name(), "Gstin");
        assert_eq!(<BankAccountNumber as ToSchema>::name(), "BankAccountNumber");
    }

    #[test]
    fn schemas_usable_in_derived_struct() {
        #[derive(Serialize, Deserialize, ToSchema)]
        struct Seller {
            gstin: Gstin,
            state: IndianState,
            incoterm: Incoterm,
            country: CountryCode,
        }
        let s = schema_json::<Seller>();
        assert!(s["properties"]["gstin"].is_object(), "{s}");
        let seller: Seller = from_json(
            r#"{"gstin":"27aapfu0939f1zv","state":"mh","incoterm":"fob","country":"in"}"#,
        )
        .unwrap();
        assert_eq!(
            json(&seller),
            r#"{"gstin":"27AAPFU0939F1ZV","state":"MH","incoterm":"FOB","country":"IN"}"#
        );
    }
}
