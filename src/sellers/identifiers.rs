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

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

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

/// `as_str`, `AsRef<str>`, `Display`, `FromStr`, `TryFrom<String>`,
/// `TryFrom<&str>` and `From<T> for String` for newtypes whose canonical
/// string lives in a field named `value`.
macro_rules! string_newtype {
    ($ty:ident) => {
        impl $ty {
            /// The normalised canonical string.
            pub fn as_str(&self) -> &str {
                &self.value
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.value
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.value)
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

        impl From<$ty> for String {
            fn from(v: $ty) -> String {
                v.value
            }
        }
    };
}

/// `FromStr`, `TryFrom<String>`, `TryFrom<&str>`, `Display` and
/// `From<T> for String` for `Copy` types with `parse` and `as_str() -> &'static str`.
macro_rules! static_str_type {
    ($ty:ident) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
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

        impl From<$ty> for String {
            fn from(v: $ty) -> String {
                v.as_str().to_owned()
            }
        }
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

// ---------------------------------------------------------------------------
// IndianState
// ---------------------------------------------------------------------------

/// Indian states and union territories, with their GST state codes and
/// 2-letter abbreviations (the vehicle-registration style codes used in
/// Udyam registration numbers).
///
/// | GST | Code | Name |
/// |-----|------|------|
/// | 01 | JK | Jammu and Kashmir |
/// | 02 | HP | Himachal Pradesh |
/// | 03 | PB | Punjab |
/// | 04 | CH | Chandigarh |
/// | 05 | UK | Uttarakhand |
/// | 06 | HR | Haryana |
/// | 07 | DL | Delhi |
/// | 08 | RJ | Rajasthan |
/// | 09 | UP | Uttar Pradesh |
/// | 10 | BR | Bihar |
/// | 11 | SK | Sikkim |
/// | 12 | AR | Arunachal Pradesh |
/// | 13 | NL | Nagaland |
/// | 14 | MN | Manipur |
/// | 15 | MZ | Mizoram |
/// | 16 | TR | Tripura |
/// | 17 | ML | Meghalaya |
/// | 18 | AS | Assam |
/// | 19 | WB | West Bengal |
/// | 20 | JH | Jharkhand |
/// | 21 | OD | Odisha |
/// | 22 | CG | Chhattisgarh |
/// | 23 | MP | Madhya Pradesh |
/// | 24 | GJ | Gujarat |
/// | 26 (and legacy 25) | DD | Dadra and Nagar Haveli and Daman and Diu |
/// | 27 | MH | Maharashtra |
/// | 29 | KA | Karnataka |
/// | 30 | GA | Goa |
/// | 31 | LD | Lakshadweep |
/// | 32 | KL | Kerala |
/// | 33 | TN | Tamil Nadu |
/// | 34 | PY | Puducherry |
/// | 35 | AN | Andaman and Nicobar Islands |
/// | 36 | TS | Telangana |
/// | 37 | AP | Andhra Pradesh |
/// | 38 | LA | Ladakh |
/// | 97 | OT | Other Territory |
///
/// Notes:
/// * GST code 25 (Daman and Diu before the January 2020 merger) is accepted
///   by [`IndianState::from_gst_code`] and maps to the merged UT, because
///   GSTINs issued before the merger keep their `25` prefix. `gst_code()`
///   always returns the current code, 26. A [`Gstin`] keeps its original
///   digits in its string form.
/// * GST code 28 (undivided Andhra Pradesh, pre-2014) and 99 (Centre
///   jurisdiction) are not accepted.
/// * [`IndianState::from_code`] also accepts these older/alternative
///   abbreviations as aliases: `UT` (Uttarakhand), `OR` (Odisha), `CT`
///   (Chhattisgarh), `TG` (Telangana), `DN` (Dadra and Nagar Haveli). Output
///   always uses the canonical code in the table.
///
/// Serialised as the canonical 2-letter code, e.g. `"MH"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum IndianState {
    JammuAndKashmir,
    HimachalPradesh,
    Punjab,
    Chandigarh,
    Uttarakhand,
    Haryana,
    Delhi,
    Rajasthan,
    UttarPradesh,
    Bihar,
    Sikkim,
    ArunachalPradesh,
    Nagaland,
    Manipur,
    Mizoram,
    Tripura,
    Meghalaya,
    Assam,
    WestBengal,
    Jharkhand,
    Odisha,
    Chhattisgarh,
    MadhyaPradesh,
    Gujarat,
    DadraAndNagarHaveliAndDamanAndDiu,
    Maharashtra,
    Karnataka,
    Goa,
    Lakshadweep,
    Kerala,
    TamilNadu,
    Puducherry,
    AndamanAndNicobarIslands,
    Telangana,
    AndhraPradesh,
    Ladakh,
    OtherTerritory,
}

impl IndianState {
    /// Every state and UT, in GST code order.
    pub const ALL: [IndianState; 37] = [
        Self::JammuAndKashmir,
        Self::HimachalPradesh,
        Self::Punjab,
        Self::Chandigarh,
        Self::Uttarakhand,
        Self::Haryana,
        Self::Delhi,
        Self::Rajasthan,
        Self::UttarPradesh,
        Self::Bihar,
        Self::Sikkim,
        Self::ArunachalPradesh,
        Self::Nagaland,
        Self::Manipur,
        Self::Mizoram,
        Self::Tripura,
        Self::Meghalaya,
        Self::Assam,
        Self::WestBengal,
        Self::Jharkhand,
        Self::Odisha,
        Self::Chhattisgarh,
        Self::MadhyaPradesh,
        Self::Gujarat,
        Self::DadraAndNagarHaveliAndDamanAndDiu,
        Self::Maharashtra,
        Self::Karnataka,
        Self::Goa,
        Self::Lakshadweep,
        Self::Kerala,
        Self::TamilNadu,
        Self::Puducherry,
        Self::AndamanAndNicobarIslands,
        Self::Telangana,
        Self::AndhraPradesh,
        Self::Ladakh,
        Self::OtherTerritory,
    ];

    /// Legacy / alternative abbreviations accepted on input.
    const ALIASES: [(&'static str, IndianState); 5] = [
        ("UT", Self::Uttarakhand),
        ("OR", Self::Odisha),
        ("CT", Self::Chhattisgarh),
        ("TG", Self::Telangana),
        ("DN", Self::DadraAndNagarHaveliAndDamanAndDiu),
    ];

    /// Legacy GST state code for Daman and Diu before its 2020 merger.
    pub const LEGACY_DAMAN_AND_DIU_GST_CODE: u8 = 25;

    /// All states and UTs (same as [`IndianState::ALL`]).
    pub fn all() -> &'static [IndianState] {
        &Self::ALL
    }

    /// Current GST state code, e.g. 27 for Maharashtra.
    pub const fn gst_code(self) -> u8 {
        match self {
            Self::JammuAndKashmir => 1,
            Self::HimachalPradesh => 2,
            Self::Punjab => 3,
            Self::Chandigarh => 4,
            Self::Uttarakhand => 5,
            Self::Haryana => 6,
            Self::Delhi => 7,
            Self::Rajasthan => 8,
            Self::UttarPradesh => 9,
            Self::Bihar => 10,
            Self::Sikkim => 11,
            Self::ArunachalPradesh => 12,
            Self::Nagaland => 13,
            Self::Manipur => 14,
            Self::Mizoram => 15,
            Self::Tripura => 16,
            Self::Meghalaya => 17,
            Self::Assam => 18,
            Self::WestBengal => 19,
            Self::Jharkhand => 20,
            Self::Odisha => 21,
            Self::Chhattisgarh => 22,
            Self::MadhyaPradesh => 23,
            Self::Gujarat => 24,
            Self::DadraAndNagarHaveliAndDamanAndDiu => 26,
            Self::Maharashtra => 27,
            Self::Karnataka => 29,
            Self::Goa => 30,
            Self::Lakshadweep => 31,
            Self::Kerala => 32,
            Self::TamilNadu => 33,
            Self::Puducherry => 34,
            Self::AndamanAndNicobarIslands => 35,
            Self::Telangana => 36,
            Self::AndhraPradesh => 37,
            Self::Ladakh => 38,
            Self::OtherTerritory => 97,
        }
    }

    /// Canonical 2-letter abbreviation, e.g. `"MH"`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::JammuAndKashmir => "JK",
            Self::HimachalPradesh => "HP",
            Self::Punjab => "PB",
            Self::Chandigarh => "CH",
            Self::Uttarakhand => "UK",
            Self::Haryana => "HR",
            Self::Delhi => "DL",
            Self::Rajasthan => "RJ",
            Self::UttarPradesh => "UP",
            Self::Bihar => "BR",
            Self::Sikkim => "SK",
            Self::ArunachalPradesh => "AR",
            Self::Nagaland => "NL",
            Self::Manipur => "MN",
            Self::Mizoram => "MZ",
            Self::Tripura => "TR",
            Self::Meghalaya => "ML",
            Self::Assam => "AS",
            Self::WestBengal => "WB",
            Self::Jharkhand => "JH",
            Self::Odisha => "OD",
            Self::Chhattisgarh => "CG",
            Self::MadhyaPradesh => "MP",
            Self::Gujarat => "GJ",
            Self::DadraAndNagarHaveliAndDamanAndDiu => "DD",
            Self::Maharashtra => "MH",
            Self::Karnataka => "KA",
            Self::Goa => "GA",
            Self::Lakshadweep => "LD",
            Self::Kerala => "KL",
            Self::TamilNadu => "TN",
            Self::Puducherry => "PY",
            Self::AndamanAndNicobarIslands => "AN",
            Self::Telangana => "TS",
            Self::AndhraPradesh => "AP",
            Self::Ladakh => "LA",
            Self::OtherTerritory => "OT",
        }
    }

    /// Same as [`IndianState::code`].
    pub const fn as_str(self) -> &'static str {
        self.code()
    }

    /// English name, e.g. `"Maharashtra"`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::JammuAndKashmir => "Jammu and Kashmir",
            Self::HimachalPradesh => "Himachal Pradesh",
            Self::Punjab => "Punjab",
            Self::Chandigarh => "Chandigarh",
            Self::Uttarakhand => "Uttarakhand",
            Self::Haryana => "Haryana",
            Self::Delhi => "Delhi",
            Self::Rajasthan => "Rajasthan",
            Self::UttarPradesh => "Uttar Pradesh",
            Self::Bihar => "Bihar",
            Self::Sikkim => "Sikkim",
            Self::ArunachalPradesh => "Arunachal Pradesh",
            Self::Nagaland => "Nagaland",
            Self::Manipur => "Manipur",
            Self::Mizoram => "Mizoram",
            Self::Tripura => "Tripura",
            Self::Meghalaya => "Meghalaya",
            Self::Assam => "Assam",
            Self::WestBengal => "West Bengal",
            Self::Jharkhand => "Jharkhand",
            Self::Odisha => "Odisha",
            Self::Chhattisgarh => "Chhattisgarh",
            Self::MadhyaPradesh => "Madhya Pradesh",
            Self::Gujarat => "Gujarat",
            Self::DadraAndNagarHaveliAndDamanAndDiu => "Dadra and Nagar Haveli and Daman and Diu",
            Self::Maharashtra => "Maharashtra",
            Self::Karnataka => "Karnataka",
            Self::Goa => "Goa",
            Self::Lakshadweep => "Lakshadweep",
            Self::Kerala => "Kerala",
            Self::TamilNadu => "Tamil Nadu",
            Self::Puducherry => "Puducherry",
            Self::AndamanAndNicobarIslands => "Andaman and Nicobar Islands",
            Self::Telangana => "Telangana",
            Self::AndhraPradesh => "Andhra Pradesh",
            Self::Ladakh => "Ladakh",
            Self::OtherTerritory => "Other Territory",
        }
    }

    /// `true` for union territories (and "Other Territory").
    pub const fn is_union_territory(self) -> bool {
        matches!(
            self,
            Self::JammuAndKashmir
                | Self::Chandigarh
                | Self::Delhi
                | Self::DadraAndNagarHaveliAndDamanAndDiu
                | Self::Lakshadweep
                | Self::Puducherry
                | Self::AndamanAndNicobarIslands
                | Self::Ladakh
                | Self::OtherTerritory
        )
    }

    /// Look up by 2-letter abbreviation (case-insensitive, trimmed),
    /// including the aliases listed on the type.
    pub fn from_code(code: &str) -> Option<Self> {
        let code = code.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|s| s.code().eq_ignore_ascii_case(code))
            .or_else(|| {
                Self::ALIASES
                    .iter()
                    .find(|(alias, _)| alias.eq_ignore_ascii_case(code))
                    .map(|&(_, s)| s)
            })
    }

    /// Look up by numeric GST state code. Accepts legacy 25 (see type docs).
    pub fn from_gst_code(code: u8) -> Option<Self> {
        if code == Self::LEGACY_DAMAN_AND_DIU_GST_CODE {
            return Some(Self::DadraAndNagarHaveliAndDamanAndDiu);
        }
        Self::ALL.iter().copied().find(|s| s.gst_code() == code)
    }

    /// Parse a 2-letter abbreviation; used by `Deserialize`.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        Self::from_code(input).ok_or(IdError::UnknownState)
    }
}

static_str_type!(IndianState);

impl PartialSchema for IndianState {
    fn schema() -> RefOr<Schema> {
        let codes: Vec<&'static str> = Self::ALL.iter().map(|s| s.code()).collect();
        enum_schema(
            "Indian state or union territory as its 2-letter code (e.g. MH = Maharashtra, KA = Karnataka, DL = Delhi).",
            &codes,
            "MH",
        )
    }
}

impl ToSchema for IndianState {}

// ---------------------------------------------------------------------------
// PAN
// ---------------------------------------------------------------------------

/// Kind of holder, from the 4th character of a PAN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PanHolderType {
    /// `P`
    Individual,
    /// `C`
    Company,
    /// `H` (Hindu Undivided Family)
    HinduUndividedFamily,
    /// `F` (partnership firm or LLP)
    Firm,
    /// `A`
    AssociationOfPersons,
    /// `T`
    Trust,
    /// `B`
    BodyOfIndividuals,
    /// `L`
    LocalAuthority,
    /// `J`
    ArtificialJuridicalPerson,
    /// `G`
    Government,
}

impl PanHolderType {
    /// Map the PAN 4th character to a holder type.
    pub const fn from_char(c: char) -> Option<Self> {
        Some(match c {
            'P' => Self::Individual,
            'C' => Self::Company,
            'H' => Self::HinduUndividedFamily,
            'F' => Self::Firm,
            'A' => Self::AssociationOfPersons,
            'T' => Self::Trust,
            'B' => Self::BodyOfIndividuals,
            'L' => Self::LocalAuthority,
            'J' => Self::ArtificialJuridicalPerson,
            'G' => Self::Government,
            _ => return None,
        })
    }

    /// The PAN character for this holder type.
    pub const fn code(self) -> char {
        match self {
            Self::Individual => 'P',
            Self::Company => 'C',
            Self::HinduUndividedFamily => 'H',
            Self::Firm => 'F',
            Self::AssociationOfPersons => 'A',
            Self::Trust => 'T',
            Self::BodyOfIndividuals => 'B',
            Self::LocalAuthority => 'L',
            Self::ArtificialJuridicalPerson => 'J',
            Self::Government => 'G',
        }
    }

    /// English description.
    pub const fn description(self) -> &'static str {
        match self {
            Self::Individual => "Individual",
            Self::Company => "Company",
            Self::HinduUndividedFamily => "Hindu Undivided Family",
            Self::Firm => "Firm / LLP",
            Self::AssociationOfPersons => "Association of Persons",
            Self::Trust => "Trust",
            Self::BodyOfIndividuals => "Body of Individuals",
            Self::LocalAuthority => "Local Authority",
            Self::ArtificialJuridicalPerson => "Artificial Juridical Person",
            Self::Government => "Government",
        }
    }
}

/// Permanent Account Number: 5 letters, 4 digits, 1 letter; the 4th
/// character is the holder type (P, C, H, F, A, T, B, L, J, G).
///
/// Normalisation: trimmed, upper-cased. There is no public check-digit
/// algorithm for PAN, so the last letter is not verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Pan {
    value: String,
    holder_type: PanHolderType,
}

impl Pan {
    /// Normalise and validate `input` (rules in the type docs).
    ///
    /// # Errors
    /// An [`IdError`] naming what is wrong with the input.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let value = normalise_upper(input);
        let holder_type = Self::check(&value)?;
        Ok(Self { value, holder_type })
    }

    /// Validate an already-normalised PAN.
    fn check(s: &str) -> Result<PanHolderType, IdError> {
        let c: [char; 10] = chars_exact(s).ok_or(IdError::PanLength)?;
        let shape_ok = c[..5].iter().all(char::is_ascii_uppercase)
            && c[5..9].iter().all(char::is_ascii_digit)
            && c[9].is_ascii_uppercase();
        if !shape_ok {
            return Err(IdError::PanFormat);
        }
        PanHolderType::from_char(c[3]).ok_or(IdError::PanHolderType)
    }

    /// Holder type from the 4th character.
    pub fn holder_type(&self) -> PanHolderType {
        self.holder_type
    }
}

string_newtype!(Pan);
string_schema_impl!(
    Pan,
    "Indian Permanent Account Number (PAN): 5 letters, 4 digits, 1 letter; 4th letter is the holder type.",
    "^[A-Z]{3}[PCHFATBLJG][A-Z][0-9]{4}[A-Z]$",
    "AAPFU0939F"
);

// ---------------------------------------------------------------------------
// GSTIN
// ---------------------------------------------------------------------------

const GSTIN_CHARSET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn gstin_char_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        'A'..='Z' => Some(c as u32 - 'A' as u32 + 10),
        _ => None,
    }
}

/// GSTIN mod-36 check character over exactly 14 characters.
fn gstin_check_char(first14: &[char]) -> Option<char> {
    if first14.len() != 14 {
        return None;
    }
    let mut sum: u32 = 0;
    for (i, &c) in first14.iter().enumerate() {
        let factor = if i % 2 == 0 { 1 } else { 2 };
        let product = gstin_char_value(c)? * factor;
        sum += product / 36 + product % 36;
    }
    let check = (36 - sum % 36) % 36;
    GSTIN_CHARSET
        .get(usize::try_from(check).ok()?)
        .map(|&b| char::from(b))
}

/// GST Identification Number, 15 characters:
///
/// | positions | meaning |
/// |---|---|
/// | 1-2 | GST state code (see [`IndianState`]; legacy 25 accepted) |
/// | 3-12 | PAN of the holder (must be a valid [`Pan`]) |
/// | 13 | entity number for that PAN in the state: 1-9, then A-Z |
/// | 14 | `Z` (default character; nothing else is accepted) |
/// | 15 | check character (mod-36 Luhn-style) |
///
/// Normalisation: trimmed, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Gstin {
    value: String,
    state: IndianState,
    pan: Pan,
    entity_number: char,
}

impl Gstin {
    /// Normalise and validate `input` (rules in the type docs).
    ///
    /// # Errors
    /// An [`IdError`] naming what is wrong with the input.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let value = normalise_upper(input);
        let c: [char; 15] = chars_exact(&value).ok_or(IdError::GstinLength)?;

        let state = match (c[0].to_digit(10), c[1].to_digit(10)) {
            (Some(tens), Some(units)) => u8::try_from(tens * 10 + units)
                .ok()
                .and_then(IndianState::from_gst_code),
            _ => None,
        }
        .ok_or(IdError::GstinStateCode)?;

        let pan_str: String = c[2..12].iter().collect();
        let pan = Pan::parse(&pan_str).map_err(|e| IdError::GstinEmbeddedPan(Box::new(e)))?;

        let entity_number = c[12];
        if !matches!(entity_number, '1'..='9' | 'A'..='Z') {
            return Err(IdError::GstinEntityNumber);
        }
        if c[13] != 'Z' {
            return Err(IdError::GstinDefaultChar);
        }
        if gstin_check_char(&c[..14]) != Some(c[14]) {
            return Err(IdError::GstinChecksum);
        }

        Ok(Self {
            value,
            state,
            pan,
            entity_number,
        })
    }

    /// Compute the check character for the first 14 characters of a GSTIN
    /// (trimmed and upper-cased first) and return the full 15-character
    /// string. Only the length and character set are checked, not the
    /// structure, so tests can also build checksum-valid but otherwise
    /// invalid GSTINs. Returns `None` unless the input is exactly 14
    /// characters from `0-9A-Z`.
    pub fn with_check_char(first14: &str) -> Option<String> {
        let normalised = normalise_upper(first14);
        let c: [char; 14] = chars_exact(&normalised)?;
        let check = gstin_check_char(&c)?;
        let mut out = normalised;
        out.push(check);
        Some(out)
    }

    /// State of registration (from the first two digits).
    pub fn state(&self) -> IndianState {
        self.state
    }

    /// Embedded PAN (characters 3-12).
    pub fn pan(&self) -> &Pan {
        &self.pan
    }

    /// Entity number (13th character): `1`-`9`, then `A`-`Z`.
    pub fn entity_number(&self) -> char {
        self.entity_number
    }
}

string_newtype!(Gstin);
string_schema_impl!(
    Gstin,
    "GST Identification Number (15 characters): state code, PAN, entity number, 'Z', check character.",
    "^[0-9]{2}[A-Z]{3}[PCHFATBLJG][A-Z][0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$",
    "27AAPFU0939F1ZV"
);

// ---------------------------------------------------------------------------
// IEC
// ---------------------------------------------------------------------------

/// Importer-Exporter Code issued by DGFT.
///
/// Rule: exactly 10 characters after trimming and upper-casing, and either
/// * all 10 are digits (legacy IEC issued before the 2018 PAN migration), or
/// * the 10 characters form a valid [`Pan`] (since 2018 the IEC of most
///   businesses is their PAN).
///
/// Anything else is rejected; a 10-character value containing letters is
/// reported with the PAN problem.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iec {
    value: String,
    pan: Option<Pan>,
}

impl Iec {
    /// Normalise and validate `input` (rules in the type docs).
    ///
    /// # Errors
    /// An [`IdError`] naming what is wrong with the input.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let value = normalise_upper(input);
        if value.chars().count() != 10 {
            return Err(IdError::IecLength);
        }
        if value.chars().all(|c| c.is_ascii_digit()) {
            return Ok(Self { value, pan: None });
        }
        let pan = Pan::parse(&value).map_err(|e| IdError::IecFormat(Box::new(e)))?;
        Ok(Self {
            value,
            pan: Some(pan),
        })
    }

    /// `true` for a legacy all-digit IEC.
    pub fn is_legacy(&self) -> bool {
        self.pan.is_none()
    }

    /// The PAN, when the IEC is PAN-based.
    pub fn as_pan(&self) -> Option<&Pan> {
        self.pan.as_ref()
    }
}

string_newtype!(Iec);
string_schema_impl!(
    Iec,
    "Importer-Exporter Code: the holder's 10-character PAN, or a legacy 10-digit IEC.",
    "^([0-9]{10}|[A-Z]{3}[PCHFATBLJG][A-Z][0-9]{4}[A-Z])$",
    "AAPFU0939F"
);

// ---------------------------------------------------------------------------
// Udyam
// ---------------------------------------------------------------------------

/// Udyam (MSME) registration number: `UDYAM-SS-DD-NNNNNNN`.
///
/// * `SS`: state abbreviation accepted by [`IndianState::from_code`]
///   (aliases included; the original letters are kept in the string),
/// * `DD`: 2-digit district code, `01`-`99`,
/// * `NNNNNNN`: 7 digits.
///
/// Normalisation: trimmed, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UdyamNumber {
    value: String,
    state: IndianState,
}

impl UdyamNumber {
    /// Normalise and validate `input` (rules in the type docs).
    ///
    /// # Errors
    /// An [`IdError`] naming what is wrong with the input.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let value = normalise_upper(input);
        let rest = value.strip_prefix("UDYAM-").ok_or(IdError::UdyamFormat)?;
        let mut parts = rest.split('-');
        let (Some(ss), Some(dd), Some(serial), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(IdError::UdyamFormat);
        };
        let all =
            |s: &str, len: usize, f: fn(&u8) -> bool| s.len() == len && s.bytes().all(|b| f(&b));
        if !all(ss, 2, u8::is_ascii_uppercase)
            || !all(dd, 2, u8::is_ascii_digit)
            || !all(serial, 7, u8::is_ascii_digit)
        {
            return Err(IdError::UdyamFormat);
        }
        let state = IndianState::from_code(ss).ok_or(IdError::UdyamStateCode)?;
        if dd == "00" {
            return Err(IdError::UdyamDistrict);
        }
        Ok(Self { value, state })
    }

    /// State from the `SS` part.
    pub fn state(&self) -> IndianState {
        self.state
    }

    /// The 2-digit district code (`DD`).
    pub fn district_code(&self) -> &str {
        self.value.get(9..11).unwrap_or_default()
    }
}

string_newtype!(UdyamNumber);
string_schema_impl!(
    UdyamNumber,
    "Udyam (MSME) registration number: UDYAM-<state>-<district>-<7 digits>.",
    "^UDYAM-[A-Z]{2}-(0[1-9]|[1-9][0-9])-[0-9]{7}$",
    "UDYAM-MH-26-0012345"
);

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
// Phone (E.164)
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// HS code
// ---------------------------------------------------------------------------

/// Harmonized System code: 6 digits (international subheading), 8 digits
/// (India ITC-HS tariff item) or 10 digits.
///
/// Normalisation: trimmed; dots and spaces are removed, so `"6109.10.00"`
/// becomes `"61091000"`. The chapter (first two digits) must be 01-97, and
/// 77 (reserved in the HS) is rejected; India-specific chapters 98/99 are
/// not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HsCode {
    value: String,
}

impl HsCode {
    /// Normalise and validate `input` (rules in the type docs).
    ///
    /// # Errors
    /// An [`IdError`] naming what is wrong with the input.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let value: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, '.' | ' '))
            .collect();
        if !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::HsCodeFormat);
        }
        if !matches!(value.len(), 6 | 8 | 10) {
            return Err(IdError::HsCodeLength);
        }
        let chapter: u8 = value
            .get(..2)
            .and_then(|c| c.parse().ok())
            .ok_or(IdError::HsCodeFormat)?;
        if !(1..=97).contains(&chapter) || chapter == 77 {
            return Err(IdError::HsCodeChapter);
        }
        Ok(Self { value })
    }

    /// First 2 digits.
    pub fn chapter(&self) -> &str {
        self.value.get(..2).unwrap_or_default()
    }

    /// First 4 digits.
    pub fn heading(&self) -> &str {
        self.value.get(..4).unwrap_or_default()
    }

    /// First 6 digits (the internationally harmonised level).
    pub fn subheading(&self) -> &str {
        self.value.get(..6).unwrap_or_default()
    }

    /// Number of digits: 6, 8 or 10.
    pub fn depth(&self) -> u8 {
        u8::try_from(self.value.len()).unwrap_or(u8::MAX)
    }
}

string_newtype!(HsCode);
string_schema_impl!(
    HsCode,
    "Harmonized System code as 6, 8 (India ITC-HS) or 10 digits; dots are accepted on input and removed.",
    "^([0-9]{6}|[0-9]{8}|[0-9]{10})$",
    "61091000"
);

// ---------------------------------------------------------------------------
// Incoterm
// ---------------------------------------------------------------------------

/// Incoterms 2020 rules. Serialised as the upper-case 3-letter code;
/// parsing trims and upper-cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Incoterm {
    Exw,
    Fca,
    Cpt,
    Cip,
    Dap,
    Dpu,
    Ddp,
    Fas,
    Fob,
    Cfr,
    Cif,
}

impl Incoterm {
    /// All eleven rules, any-mode rules first.
    pub const ALL: [Incoterm; 11] = [
        Self::Exw,
        Self::Fca,
        Self::Cpt,
        Self::Cip,
        Self::Dap,
        Self::Dpu,
        Self::Ddp,
        Self::Fas,
        Self::Fob,
        Self::Cfr,
        Self::Cif,
    ];

    /// Normalise and validate `input` (rules in the type docs).
    ///
    /// # Errors
    /// An [`IdError`] naming what is wrong with the input.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let code = input.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.as_str().eq_ignore_ascii_case(code))
            .ok_or(IdError::UnknownIncoterm)
    }

    /// 3-letter code, e.g. `"FOB"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Exw => "EXW",
            Self::Fca => "FCA",
            Self::Cpt => "CPT",
            Self::Cip => "CIP",
            Self::Dap => "DAP",
            Self::Dpu => "DPU",
            Self::Ddp => "DDP",
            Self::Fas => "FAS",
            Self::Fob => "FOB",
            Self::Cfr => "CFR",
            Self::Cif => "CIF",
        }
    }

    /// Full name, e.g. `"Free On Board"`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Exw => "Ex Works",
            Self::Fca => "Free Carrier",
            Self::Cpt => "Carriage Paid To",
            Self::Cip => "Carriage and Insurance Paid To",
            Self::Dap => "Delivered at Place",
            Self::Dpu => "Delivered at Place Unloaded",
            Self::Ddp => "Delivered Duty Paid",
            Self::Fas => "Free Alongside Ship",
            Self::Fob => "Free On Board",
            Self::Cfr => "Cost and Freight",
            Self::Cif => "Cost, Insurance and Freight",
        }
    }

    /// `true` for the sea and inland waterway rules (FAS, FOB, CFR, CIF).
    pub const fn sea_only(self) -> bool {
        matches!(self, Self::Fas | Self::Fob | Self::Cfr | Self::Cif)
    }
}

static_str_type!(Incoterm);

impl PartialSchema for Incoterm {
    fn schema() -> RefOr<Schema> {
        let codes: Vec<&'static str> = Self::ALL.iter().map(|t| t.as_str()).collect();
        enum_schema("Incoterms 2020 rule.", &codes, "FOB")
    }
}

impl ToSchema for Incoterm {}

// ---------------------------------------------------------------------------
// Country code
// ---------------------------------------------------------------------------

/// ISO 3166-1 alpha-2 country code, checked against the full list of 249
/// officially assigned codes (no user-assigned codes such as `XK`).
/// Normalisation: trimmed, upper-cased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct CountryCode {
    code: &'static str,
    name: &'static str,
}

impl CountryCode {
    /// India.
    pub const IN: CountryCode = CountryCode {
        code: "IN",
        name: "India",
    };

    /// Normalise and validate `input` (rules in the type docs).
    ///
    /// # Errors
    /// An [`IdError`] naming what is wrong with the input.
    pub fn parse(input: &str) -> Result<Self, IdError> {
        let code = normalise_upper(input);
        COUNTRIES
            .binary_search_by(|(c, _)| (*c).cmp(code.as_str()))
            .ok()
            .and_then(|i| COUNTRIES.get(i))
            .map(|&(code, name)| Self { code, name })
            .ok_or(IdError::UnknownCountry)
    }

    /// The 2-letter code, e.g. `"IN"`.
    pub const fn as_str(self) -> &'static str {
        self.code
    }

    /// ISO short name in English, e.g. `"India"`.
    pub const fn name(self) -> &'static str {
        self.name
    }

    /// All 249 assigned codes, in alphabetical order.
    pub fn all() -> impl Iterator<Item = CountryCode> {
        COUNTRIES
            .iter()
            .map(|&(code, name)| CountryCode { code, name })
    }
}

static_str_type!(CountryCode);

// Manual impl: a derived one would tie `'de` to the `&'static str` fields.
impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl PartialSchema for CountryCode {
    fn schema() -> RefOr<Schema> {
        string_schema(
            "ISO 3166-1 alpha-2 country code (officially assigned codes only).",
            Some("^[A-Z]{2}$"),
            "US",
        )
    }
}

impl ToSchema for CountryCode {}

/// ISO 3166-1 alpha-2 codes with English short names, sorted by code
/// (generated from Debian iso-codes 4.15.0).
static COUNTRIES: [(&str, &str); 249] = [
    ("AD", "Andorra"),
    ("AE", "United Arab Emirates"),
    ("AF", "Afghanistan"),
    ("AG", "Antigua and Barbuda"),
    ("AI", "Anguilla"),
    ("AL", "Albania"),
    ("AM", "Armenia"),
    ("AO", "Angola"),
    ("AQ", "Antarctica"),
    ("AR", "Argentina"),
    ("AS", "American Samoa"),
    ("AT", "Austria"),
    ("AU", "Australia"),
    ("AW", "Aruba"),
    ("AX", "Åland Islands"),
    ("AZ", "Azerbaijan"),
    ("BA", "Bosnia and Herzegovina"),
    ("BB", "Barbados"),
    ("BD", "Bangladesh"),
    ("BE", "Belgium"),
    ("BF", "Burkina Faso"),
    ("BG", "Bulgaria"),
    ("BH", "Bahrain"),
    ("BI", "Burundi"),
    ("BJ", "Benin"),
    ("BL", "Saint Barthélemy"),
    ("BM", "Bermuda"),
    ("BN", "Brunei Darussalam"),
    ("BO", "Bolivia, Plurinational State of"),
    ("BQ", "Bonaire, Sint Eustatius and Saba"),
    ("BR", "Brazil"),
    ("BS", "Bahamas"),
    ("BT", "Bhutan"),
    ("BV", "Bouvet Island"),
    ("BW", "Botswana"),
    ("BY", "Belarus"),
    ("BZ", "Belize"),
    ("CA", "Canada"),
    ("CC", "Cocos (Keeling) Islands"),
    ("CD", "Congo, The Democratic Republic of the"),
    ("CF", "Central African Republic"),
    ("CG", "Congo"),
    ("CH", "Switzerland"),
    ("CI", "Côte d'Ivoire"),
    ("CK", "Cook Islands"),
    ("CL", "Chile"),
    ("CM", "Cameroon"),
    ("CN", "China"),
    ("CO", "Colombia"),
    ("CR", "Costa Rica"),
    ("CU", "Cuba"),
    ("CV", "Cabo Verde"),
    ("CW", "Curaçao"),
    ("CX", "Christmas Island"),
    ("CY", "Cyprus"),
    ("CZ", "Czechia"),
    ("DE", "Germany"),
    ("DJ", "Djibouti"),
    ("DK", "Denmark"),
    ("DM", "Dominica"),
    ("DO", "Dominican Republic"),
    ("DZ", "Algeria"),
    ("EC", "Ecuador"),
    ("EE", "Estonia"),
    ("EG", "Egypt"),
    ("EH", "Western Sahara"),
    ("ER", "Eritrea"),
    ("ES", "Spain"),
    ("ET", "Ethiopia"),
    ("FI", "Finland"),
    ("FJ", "Fiji"),
    ("FK", "Falkland Islands (Malvinas)"),
    ("FM", "Micronesia, Federated States of"),
    ("FO", "Faroe Islands"),
    ("FR", "France"),
    ("GA", "Gabon"),
    ("GB", "United Kingdom"),
    ("GD", "Grenada"),
    ("GE", "Georgia"),
    ("GF", "French Guiana"),
    ("GG", "Guernsey"),
    ("GH", "Ghana"),
    ("GI", "Gibraltar"),
    ("GL", "Greenland"),
    ("GM", "Gambia"),
    ("GN", "Guinea"),
    ("GP", "Guadeloupe"),
    ("GQ", "Equatorial Guinea"),
    ("GR", "Greece"),
    ("GS", "South Georgia and the South Sandwich Islands"),
    ("GT", "Guatemala"),
    ("GU", "Guam"),
    ("GW", "Guinea-Bissau"),
    ("GY", "Guyana"),
    ("HK", "Hong Kong"),
    ("HM", "Heard Island and McDonald Islands"),
    ("HN", "Honduras"),
    ("HR", "Croatia"),
    ("HT", "Haiti"),
    ("HU", "Hungary"),
    ("ID", "Indonesia"),
    ("IE", "Ireland"),
    ("IL", "Israel"),
    ("IM", "Isle of Man"),
    ("IN", "India"),
    ("IO", "British Indian Ocean Territory"),
    ("IQ", "Iraq"),
    ("IR", "Iran, Islamic Republic of"),
    ("IS", "Iceland"),
    ("IT", "Italy"),
    ("JE", "Jersey"),
    ("JM", "Jamaica"),
    ("JO", "Jordan"),
    ("JP", "Japan"),
    ("KE", "Kenya"),
    ("KG", "Kyrgyzstan"),
    ("KH", "Cambodia"),
    ("KI", "Kiribati"),
    ("KM", "Comoros"),
    ("KN", "Saint Kitts and Nevis"),
    ("KP", "Korea, Democratic People's Republic of"),
    ("KR", "Korea, Republic of"),
    ("KW", "Kuwait"),
    ("KY", "Cayman Islands"),
    ("KZ", "Kazakhstan"),
    ("LA", "Lao People's Democratic Republic"),
    ("LB", "Lebanon"),
    ("LC", "Saint Lucia"),
    ("LI", "Liechtenstein"),
    ("LK", "Sri Lanka"),
    ("LR", "Liberia"),
    ("LS", "Lesotho"),
    ("LT", "Lithuania"),
    ("LU", "Luxembourg"),
    ("LV", "Latvia"),
    ("LY", "Libya"),
    ("MA", "Morocco"),
    ("MC", "Monaco"),
    ("MD", "Moldova, Republic of"),
    ("ME", "Montenegro"),
    ("MF", "Saint Martin (French part)"),
    ("MG", "Madagascar"),
    ("MH", "Marshall Islands"),
    ("MK", "North Macedonia"),
    ("ML", "Mali"),
    ("MM", "Myanmar"),
    ("MN", "Mongolia"),
    ("MO", "Macao"),
    ("MP", "Northern Mariana Islands"),
    ("MQ", "Martinique"),
    ("MR", "Mauritania"),
    ("MS", "Montserrat"),
    ("MT", "Malta"),
    ("MU", "Mauritius"),
    ("MV", "Maldives"),
    ("MW", "Malawi"),
    ("MX", "Mexico"),
    ("MY", "Malaysia"),
    ("MZ", "Mozambique"),
    ("NA", "Namibia"),
    ("NC", "New Caledonia"),
    ("NE", "Niger"),
    ("NF", "Norfolk Island"),
    ("NG", "Nigeria"),
    ("NI", "Nicaragua"),
    ("NL", "Netherlands"),
    ("NO", "Norway"),
    ("NP", "Nepal"),
    ("NR", "Nauru"),
    ("NU", "Niue"),
    ("NZ", "New Zealand"),
    ("OM", "Oman"),
    ("PA", "Panama"),
    ("PE", "Peru"),
    ("PF", "French Polynesia"),
    ("PG", "Papua New Guinea"),
    ("PH", "Philippines"),
    ("PK", "Pakistan"),
    ("PL", "Poland"),
    ("PM", "Saint Pierre and Miquelon"),
    ("PN", "Pitcairn"),
    ("PR", "Puerto Rico"),
    ("PS", "Palestine, State of"),
    ("PT", "Portugal"),
    ("PW", "Palau"),
    ("PY", "Paraguay"),
    ("QA", "Qatar"),
    ("RE", "Réunion"),
    ("RO", "Romania"),
    ("RS", "Serbia"),
    ("RU", "Russian Federation"),
    ("RW", "Rwanda"),
    ("SA", "Saudi Arabia"),
    ("SB", "Solomon Islands"),
    ("SC", "Seychelles"),
    ("SD", "Sudan"),
    ("SE", "Sweden"),
    ("SG", "Singapore"),
    ("SH", "Saint Helena, Ascension and Tristan da Cunha"),
    ("SI", "Slovenia"),
    ("SJ", "Svalbard and Jan Mayen"),
    ("SK", "Slovakia"),
    ("SL", "Sierra Leone"),
    ("SM", "San Marino"),
    ("SN", "Senegal"),
    ("SO", "Somalia"),
    ("SR", "Suriname"),
    ("SS", "South Sudan"),
    ("ST", "Sao Tome and Principe"),
    ("SV", "El Salvador"),
    ("SX", "Sint Maarten (Dutch part)"),
    ("SY", "Syrian Arab Republic"),
    ("SZ", "Eswatini"),
    ("TC", "Turks and Caicos Islands"),
    ("TD", "Chad"),
    ("TF", "French Southern Territories"),
    ("TG", "Togo"),
    ("TH", "Thailand"),
    ("TJ", "Tajikistan"),
    ("TK", "Tokelau"),
    ("TL", "Timor-Leste"),
    ("TM", "Turkmenistan"),
    ("TN", "Tunisia"),
    ("TO", "Tonga"),
    ("TR", "Türkiye"),
    ("TT", "Trinidad and Tobago"),
    ("TV", "Tuvalu"),
    ("TW", "Taiwan, Province of China"),
    ("TZ", "Tanzania, United Republic of"),
    ("UA", "Ukraine"),
    ("UG", "Uganda"),
    ("UM", "United States Minor Outlying Islands"),
    ("US", "United States"),
    ("UY", "Uruguay"),
    ("UZ", "Uzbekistan"),
    ("VA", "Holy See (Vatican City State)"),
    ("VC", "Saint Vincent and the Grenadines"),
    ("VE", "Venezuela, Bolivarian Republic of"),
    ("VG", "Virgin Islands, British"),
    ("VI", "Virgin Islands, U.S."),
    ("VN", "Viet Nam"),
    ("VU", "Vanuatu"),
    ("WF", "Wallis and Futuna"),
    ("WS", "Samoa"),
    ("YE", "Yemen"),
    ("YT", "Mayotte"),
    ("ZA", "South Africa"),
    ("ZM", "Zambia"),
    ("ZW", "Zimbabwe"),
];

// ---------------------------------------------------------------------------
// Document sniffing
// ---------------------------------------------------------------------------

/// Kinds of uploaded document accepted, recognised by magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    Pdf,
    Jpeg,
    Png,
}

impl DocumentKind {
    const PDF_MAGIC: &'static [u8] = b"%PDF-";
    const JPEG_MAGIC: &'static [u8] = &[0xFF, 0xD8, 0xFF];
    const PNG_MAGIC: &'static [u8] = &[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// Identify a document from its first bytes. The signature must be at
    /// offset 0 (PDFs with leading garbage are not recognised). This says
    /// nothing about whether the rest of the file is well formed.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(Self::PDF_MAGIC) {
            Some(Self::Pdf)
        } else if bytes.starts_with(Self::JPEG_MAGIC) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(Self::PNG_MAGIC) {
            Some(Self::Png)
        } else {
            None
        }
    }

    /// MIME type, e.g. `"application/pdf"`.
    pub const fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }

    /// File extension without the dot: `pdf`, `jpg`, `png`.
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
        }
    }
}

/// Same as [`DocumentKind::sniff`].
pub fn sniff(bytes: &[u8]) -> Option<DocumentKind> {
    DocumentKind::sniff(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json<T: Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap()
    }

    fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, serde_json::Error> {
        serde_json::from_str(s)
    }

    fn schema_json<T: PartialSchema>() -> serde_json::Value {
        serde_json::to_value(T::schema()).unwrap()
    }

    fn schema_example<T: PartialSchema>() -> String {
        schema_json::<T>()["examples"][0]
            .as_str()
            .unwrap()
            .to_owned()
    }

    // ----- IndianState -----

    #[test]
    fn state_table_is_consistent() {
        assert_eq!(IndianState::all().len(), 37);
        for s in IndianState::ALL {
            assert_eq!(IndianState::from_code(s.code()), Some(s));
            assert_eq!(IndianState::from_gst_code(s.gst_code()), Some(s));
            assert_eq!(s.code().len(), 2);
            assert!(!s.name().is_empty());
        }
        let mut codes: Vec<_> = IndianState::ALL.iter().map(|s| s.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 37, "duplicate abbreviation");
        let mut gst: Vec<_> = IndianState::ALL.iter().map(|s| s.gst_code()).collect();
        gst.dedup();
        assert_eq!(gst.len(), 37, "duplicate or unsorted GST code");
        assert!(gst.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn state_lookups() {
        assert_eq!(IndianState::from_code("MH"), Some(IndianState::Maharashtra));
        assert_eq!(IndianState::from_code(" ka "), Some(IndianState::Karnataka));
        assert_eq!(IndianState::Maharashtra.gst_code(), 27);
        assert_eq!(IndianState::Maharashtra.name(), "Maharashtra");
        assert_eq!(
            IndianState::from_gst_code(1),
            Some(IndianState::JammuAndKashmir)
        );
        assert_eq!(IndianState::from_gst_code(38), Some(IndianState::Ladakh));
        assert_eq!(
            IndianState::from_gst_code(97),
            Some(IndianState::OtherTerritory)
        );
        assert_eq!(
            IndianState::from_gst_code(37),
            Some(IndianState::AndhraPradesh)
        );
        assert_eq!(IndianState::from_gst_code(36), Some(IndianState::Telangana));
        // Legacy Daman and Diu maps to the merged UT.
        assert_eq!(
            IndianState::from_gst_code(25),
            Some(IndianState::DadraAndNagarHaveliAndDamanAndDiu)
        );
        assert_eq!(
            IndianState::DadraAndNagarHaveliAndDamanAndDiu.gst_code(),
            26
        );
        for bad in [0, 28, 39, 96, 98, 99] {
            assert_eq!(IndianState::from_gst_code(bad), None, "{bad}");
        }
        // Aliases.
        assert_eq!(IndianState::from_code("UT"), Some(IndianState::Uttarakhand));
        assert_eq!(IndianState::from_code("OR"), Some(IndianState::Odisha));
        assert_eq!(IndianState::from_code("TG"), Some(IndianState::Telangana));
        assert_eq!(IndianState::parse("XX"), Err(IdError::UnknownState));
        assert_eq!(IndianState::parse(""), Err(IdError::UnknownState));
        assert!(IndianState::Delhi.is_union_territory());
        assert!(!IndianState::Gujarat.is_union_territory());
    }

    #[test]
    fn state_serde() {
        assert_eq!(json(&IndianState::Maharashtra), "\"MH\"");
        assert_eq!(
            from_json::<IndianState>("\"mh\"").unwrap(),
            IndianState::Maharashtra
        );
        // An alias deserialises but serialises canonically.
        let s: IndianState = from_json("\"UT\"").unwrap();
        assert_eq!(json(&s), "\"UK\"");
        let err = from_json::<IndianState>("\"ZZ\"").unwrap_err();
        assert!(err.to_string().contains("unknown Indian state"), "{err}");
        assert_eq!(IndianState::Karnataka.to_string(), "KA");
        assert_eq!("tn".parse::<IndianState>(), Ok(IndianState::TamilNadu));
    }

    // ----- PAN -----

    #[test]
    fn pan_valid_and_normalised() {
        let pan = Pan::parse("  aapfu0939f ").unwrap();
        assert_eq!(pan.as_str(), "AAPFU0939F");
        assert_eq!(pan.as_ref(), "AAPFU0939F");
        assert_eq!(pan.to_string(), "AAPFU0939F");
        assert_eq!(pan.holder_type(), PanHolderType::Firm);
        assert_eq!(
            Pan::parse("ABCPE1234F").unwrap().holder_type(),
            PanHolderType::Individual
        );
        assert_eq!(
            Pan::parse("AAGCB7383J").unwrap().holder_type(),
            PanHolderType::Company
        );
        for (c, t) in [
            ('P', PanHolderType::Individual),
            ('C', PanHolderType::Company),
            ('H', PanHolderType::HinduUndividedFamily),
            ('F', PanHolderType::Firm),
            ('A', PanHolderType::AssociationOfPersons),
            ('T', PanHolderType::Trust),
            ('B', PanHolderType::BodyOfIndividuals),
            ('L', PanHolderType::LocalAuthority),
            ('J', PanHolderType::ArtificialJuridicalPerson),
            ('G', PanHolderType::Government),
        ] {
            let pan = Pan::parse(&format!("ABC{c}D1234E")).unwrap();
            assert_eq!(pan.holder_type(), t);
            assert_eq!(t.code(), c);
        }
    }

    #[test]
    fn pan_errors() {
        assert_eq!(Pan::parse("ABCPE1234"), Err(IdError::PanLength));
        assert_eq!(Pan::parse("ABCPE1234FG"), Err(IdError::PanLength));
        assert_eq!(Pan::parse(""), Err(IdError::PanLength));
        assert_eq!(Pan::parse("ABCPE12345"), Err(IdError::PanFormat));
        assert_eq!(Pan::parse("1BCPE1234F"), Err(IdError::PanFormat));
        assert_eq!(Pan::parse("ABCPEX234F"), Err(IdError::PanFormat));
        assert_eq!(Pan::parse("ABCPE 234F"), Err(IdError::PanFormat));
        assert_eq!(Pan::parse("ABCPÉ1234F"), Err(IdError::PanFormat));
        assert_eq!(Pan::parse("ABCXE1234F"), Err(IdError::PanHolderType));
        assert_eq!(Pan::parse("ABCDE1234F"), Err(IdError::PanHolderType));
    }

    #[test]
    fn pan_serde() {
        let pan = Pan::parse("AAPFU0939F").unwrap();
        assert_eq!(json(&pan), "\"AAPFU0939F\"");
        assert_eq!(from_json::<Pan>("\"aapfu0939f\"").unwrap(), pan);
        let err = from_json::<Pan>("\"AAPXU0939F\"").unwrap_err();
        assert!(err.to_string().contains("holder type"), "{err}");
    }

    // ----- GSTIN -----

    #[test]
    fn gstin_known_real_values() {
        let g = Gstin::parse("27AAPFU0939F1ZV").unwrap();
        assert_eq!(g.state(), IndianState::Maharashtra);
        assert_eq!(g.pan().as_str(), "AAPFU0939F");
        assert_eq!(g.pan().holder_type(), PanHolderType::Firm);
        assert_eq!(g.entity_number(), '1');

        let g = Gstin::parse("29AAGCB7383J1Z4").unwrap();
        assert_eq!(g.state(), IndianState::Karnataka);
        assert_eq!(g.pan().holder_type(), PanHolderType::Company);
    }

    #[test]
    fn gstin_one_char_change_fails_checksum() {
        // Changing any single character of the body (to another char that
        // keeps the structure valid) must be caught by the check character.
        assert_eq!(Gstin::parse("27AAPFU0939F1ZW"), Err(IdError::GstinChecksum));
        assert_eq!(Gstin::parse("29AAGCB7383J1Z5"), Err(IdError::GstinChecksum));
        assert_eq!(Gstin::parse("27AAPFU0938F1ZV"), Err(IdError::GstinChecksum));
        assert_eq!(Gstin::parse("29AAGCB7383J2Z4"), Err(IdError::GstinChecksum));
        assert_eq!(Gstin::parse("24AAPFU0939F1ZV"), Err(IdError::GstinChecksum));
        // Transposition of adjacent digits.
        assert_eq!(Gstin::parse("27AAPFU0993F1ZV"), Err(IdError::GstinChecksum));
        // Every possible wrong check character.
        let valid = "27AAPFU0939F1ZV";
        for c in GSTIN_CHARSET.iter().map(|&b| char::from(b)) {
            let candidate = format!("{}{c}", &valid[..14]);
            let res = Gstin::parse(&candidate);
            if c == 'V' {
                assert!(res.is_ok());
            } else {
                assert_eq!(res, Err(IdError::GstinChecksum), "{candidate}");
            }
        }
    }

    #[test]
    fn gstin_with_check_char() {
        assert_eq!(
            Gstin::with_check_char("27AAPFU0939F1Z").as_deref(),
            Some("27AAPFU0939F1ZV")
        );
        assert_eq!(
            Gstin::with_check_char("29aagcb7383j1z").as_deref(),
            Some("29AAGCB7383J1Z4")
        );
        // Derived values round-trip through parse.
        for first14 in [
            "07ABCPE1234F1Z",
            "33AAACH7409R2Z",
            "37ABCTD1234E9Z",
            "97AAAGG0000AAZ",
            "25AAAFD1234BZZ",
            "36AAAAA0000A1Z",
        ] {
            let full = Gstin::with_check_char(first14).unwrap();
            let g = Gstin::parse(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
            assert_eq!(g.as_str(), full);
        }
        // Legacy 25 prefix keeps its digits but maps to the merged UT.
        let g = Gstin::parse(&Gstin::with_check_char("25AAAFD1234B1Z").unwrap()).unwrap();
        assert_eq!(g.state(), IndianState::DadraAndNagarHaveliAndDamanAndDiu);
        assert!(g.as_str().starts_with("25"));
        // Bad helper input.
        assert_eq!(Gstin::with_check_char("27AAPFU0939F1"), None);
        assert_eq!(Gstin::with_check_char("27AAPFU0939F1ZV"), None);
        assert_eq!(Gstin::with_check_char("27AAPFU0939F1-"), None);
    }

    #[test]
    fn gstin_errors() {
        let make = |first14: &str| Gstin::with_check_char(first14).unwrap();
        assert_eq!(Gstin::parse("27AAPFU0939F1Z"), Err(IdError::GstinLength));
        assert_eq!(Gstin::parse("27AAPFU0939F1ZVX"), Err(IdError::GstinLength));
        assert_eq!(Gstin::parse(""), Err(IdError::GstinLength));
        assert_eq!(
            Gstin::parse(&make("00AAPFU0939F1Z")),
            Err(IdError::GstinStateCode)
        );
        assert_eq!(
            Gstin::parse(&make("28AAPFU0939F1Z")),
            Err(IdError::GstinStateCode)
        );
        assert_eq!(
            Gstin::parse(&make("99AAPFU0939F1Z")),
            Err(IdError::GstinStateCode)
        );
        assert_eq!(
            Gstin::parse(&make("A7AAPFU0939F1Z")),
            Err(IdError::GstinStateCode)
        );
        // Embedded PAN malformed (checksum otherwise correct).
        assert_eq!(
            Gstin::parse(&make("27AAPXU0939F1Z")),
            Err(IdError::GstinEmbeddedPan(Box::new(IdError::PanHolderType)))
        );
        assert_eq!(
            Gstin::parse(&make("27AAPF10939F1Z")),
            Err(IdError::GstinEmbeddedPan(Box::new(IdError::PanFormat)))
        );
        assert_eq!(
            Gstin::parse(&make("27AAPFU0939F0Z")),
            Err(IdError::GstinEntityNumber)
        );
        assert_eq!(
            Gstin::parse("27AAPFU0939F-ZV"),
            Err(IdError::GstinEntityNumber)
        );
        assert_eq!(
            Gstin::parse(&make("27AAPFU0939F1Y")),
            Err(IdError::GstinDefaultChar)
        );
        assert_eq!(
            Gstin::parse(&make("27AAPFU0939F11")),
            Err(IdError::GstinDefaultChar)
        );
        assert_eq!(Gstin::parse("27AAPFU0939F1Z#"), Err(IdError::GstinChecksum));
        // Non-ASCII input never panics.
        assert!(Gstin::parse("27AAPFU0939F1Zé").is_err());
        assert!(Gstin::parse("२७AAPFU0939F1ZV").is_err());
    }

    #[test]
    fn gstin_error_messages_do_not_reveal_check_char() {
        let msg = Gstin::parse("27AAPFU0939F1ZW").unwrap_err().to_string();
        assert!(msg.contains("check character"), "{msg}");
        assert!(!msg.contains('V'), "{msg}");
        let msg = Gstin::parse(&Gstin::with_check_char("27AAPXU0939F1Z").unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("valid PAN") && msg.contains("holder type"),
            "{msg}"
        );
    }

    #[test]
    fn gstin_normalisation_and_serde() {
        let g = Gstin::parse("\t27aapfu0939f1zv\n").unwrap();
        assert_eq!(g.as_str(), "27AAPFU0939F1ZV");
        assert_eq!(json(&g), "\"27AAPFU0939F1ZV\"");
        let back: Gstin = from_json(&json(&g)).unwrap();
        assert_eq!(back, g);
        let err = from_json::<Gstin>("\"27AAPFU0939F1ZW\"").unwrap_err();
        assert!(err.to_string().contains("check character"), "{err}");
        assert!(from_json::<Gstin>("42").is_err());
        assert_eq!(
            "29AAGCB7383J1Z4".parse::<Gstin>().unwrap().to_string(),
            "29AAGCB7383J1Z4"
        );
        assert_eq!(String::from(g), "27AAPFU0939F1ZV");
    }

    // ----- IEC -----

    #[test]
    fn iec_valid() {
        let pan_iec = Iec::parse(" aapfu0939f ").unwrap();
        assert_eq!(pan_iec.as_str(), "AAPFU0939F");
        assert!(!pan_iec.is_legacy());
        assert_eq!(pan_iec.as_pan().map(Pan::as_str), Some("AAPFU0939F"));

        let legacy = Iec::parse("0388012345").unwrap();
        assert!(legacy.is_legacy());
        assert_eq!(legacy.as_pan(), None);
    }

    #[test]
    fn iec_errors() {
        assert_eq!(Iec::parse("038801234"), Err(IdError::IecLength));
        assert_eq!(Iec::parse("AAPFU0939FX"), Err(IdError::IecLength));
        assert_eq!(
            Iec::parse("AAPXU0939F"),
            Err(IdError::IecFormat(Box::new(IdError::PanHolderType)))
        );
        assert_eq!(
            Iec::parse("038801234A"),
            Err(IdError::IecFormat(Box::new(IdError::PanFormat)))
        );
        assert_eq!(
            Iec::parse("03880-2345"),
            Err(IdError::IecFormat(Box::new(IdError::PanFormat)))
        );
    }

    #[test]
    fn iec_serde() {
        let iec = Iec::parse("0388012345").unwrap();
        assert_eq!(json(&iec), "\"0388012345\"");
        assert_eq!(from_json::<Iec>("\"0388012345\"").unwrap(), iec);
        assert!(from_json::<Iec>("\"12345\"").is_err());
    }

    // ----- Udyam -----

    #[test]
    fn udyam_valid() {
        let u = UdyamNumber::parse(" udyam-mh-26-0012345 ").unwrap();
        assert_eq!(u.as_str(), "UDYAM-MH-26-0012345");
        assert_eq!(u.state(), IndianState::Maharashtra);
        assert_eq!(u.district_code(), "26");
        assert_eq!(
            UdyamNumber::parse("UDYAM-TS-99-1234567").unwrap().state(),
            IndianState::Telangana
        );
        assert_eq!(
            UdyamNumber::parse("UDYAM-DL-01-0000001").unwrap().state(),
            IndianState::Delhi
        );
    }

    #[test]
    fn udyam_errors() {
        for bad in [
            "",
            "UDYAM",
            "UDYAM-MH-26-001234",
            "UDYAM-MH-26-00123456",
            "UDYAM-MH-2-0012345",
            "UDYAM-M-26-0012345",
            "UDYAM-MH-26-0012345-1",
            "UDYAM-MH-2A-0012345",
            "UDYAM-M1-26-0012345",
            "UDYAM MH 26 0012345",
            "UDYAMMH260012345",
            "UDYOG-MH-26-0012345",
            "UDYAM-MH-26-001234X",
        ] {
            assert_eq!(
                UdyamNumber::parse(bad),
                Err(IdError::UdyamFormat),
                "{bad:?}"
            );
        }
        assert_eq!(
            UdyamNumber::parse("UDYAM-XX-26-0012345"),
            Err(IdError::UdyamStateCode)
        );
        assert_eq!(
            UdyamNumber::parse("UDYAM-MH-00-0012345"),
            Err(IdError::UdyamDistrict)
        );
    }

    #[test]
    fn udyam_serde() {
        let u = UdyamNumber::parse("UDYAM-KA-03-0001234").unwrap();
        assert_eq!(json(&u), "\"UDYAM-KA-03-0001234\"");
        assert_eq!(from_json::<UdyamNumber>(&json(&u)).unwrap(), u);
        let err = from_json::<UdyamNumber>("\"UDYAM-KA-00-0001234\"").unwrap_err();
        assert!(err.to_string().contains("district"), "{err}");
    }

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

    // ----- Phone -----

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

    // ----- HS code -----

    #[test]
    fn hs_code_valid_and_normalised() {
        let h = HsCode::parse(" 6109.10.00 ").unwrap();
        assert_eq!(h.as_str(), "61091000");
        assert_eq!(h.chapter(), "61");
        assert_eq!(h.heading(), "6109");
        assert_eq!(h.subheading(), "610910");
        assert_eq!(h.depth(), 8);
        assert_eq!(HsCode::parse("610910").unwrap().depth(), 6);
        assert_eq!(HsCode::parse("6109 10 00 10").unwrap().depth(), 10);
        assert_eq!(HsCode::parse("010121").unwrap().chapter(), "01");
        assert_eq!(HsCode::parse("970110").unwrap().chapter(), "97");
    }

    #[test]
    fn hs_code_errors() {
        assert_eq!(HsCode::parse("6109-10-00"), Err(IdError::HsCodeFormat));
        assert_eq!(HsCode::parse("61O910"), Err(IdError::HsCodeFormat));
        assert_eq!(HsCode::parse(""), Err(IdError::HsCodeLength));
        assert_eq!(HsCode::parse("6109"), Err(IdError::HsCodeLength));
        assert_eq!(HsCode::parse("6109100"), Err(IdError::HsCodeLength));
        assert_eq!(HsCode::parse("610910001"), Err(IdError::HsCodeLength));
        assert_eq!(HsCode::parse("61091000123"), Err(IdError::HsCodeLength));
        assert_eq!(HsCode::parse("000000"), Err(IdError::HsCodeChapter));
        assert_eq!(HsCode::parse("770100"), Err(IdError::HsCodeChapter));
        assert_eq!(HsCode::parse("980100"), Err(IdError::HsCodeChapter));
        assert_eq!(HsCode::parse("99831100"), Err(IdError::HsCodeChapter));
    }

    #[test]
    fn hs_code_serde() {
        let h = HsCode::parse("6109.10.00").unwrap();
        assert_eq!(json(&h), "\"61091000\"");
        assert_eq!(from_json::<HsCode>("\"6109.10.00\"").unwrap(), h);
        assert!(from_json::<HsCode>("\"7701.10\"").is_err());
    }

    // ----- Incoterm -----

    #[test]
    fn incoterm_basics() {
        assert_eq!(Incoterm::ALL.len(), 11);
        for t in Incoterm::ALL {
            assert_eq!(Incoterm::parse(t.as_str()), Ok(t));
            assert_eq!(Incoterm::parse(&t.as_str().to_lowercase()), Ok(t));
            assert!(!t.name().is_empty());
        }
        let sea: Vec<_> = Incoterm::ALL
            .iter()
            .filter(|t| t.sea_only())
            .copied()
            .collect();
        assert_eq!(
            sea,
            [Incoterm::Fas, Incoterm::Fob, Incoterm::Cfr, Incoterm::Cif]
        );
        assert_eq!(Incoterm::parse(" fob "), Ok(Incoterm::Fob));
        assert_eq!(Incoterm::Fob.name(), "Free On Board");
        assert_eq!(Incoterm::parse("DAT"), Err(IdError::UnknownIncoterm)); // Incoterms 2010 only
        assert_eq!(Incoterm::parse(""), Err(IdError::UnknownIncoterm));
    }

    #[test]
    fn incoterm_serde() {
        assert_eq!(json(&Incoterm::Cif), "\"CIF\"");
        assert_eq!(json(&Incoterm::Dpu), "\"DPU\"");
        assert_eq!(from_json::<Incoterm>("\"cif\"").unwrap(), Incoterm::Cif);
        for t in Incoterm::ALL {
            assert_eq!(from_json::<Incoterm>(&json(&t)).unwrap(), t);
        }
        let err = from_json::<Incoterm>("\"DAT\"").unwrap_err();
        assert!(err.to_string().contains("unknown Incoterm"), "{err}");
    }

    // ----- Country -----

    #[test]
    fn country_list() {
        assert_eq!(COUNTRIES.len(), 249);
        assert!(
            COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0),
            "must be sorted"
        );
        assert!(
            COUNTRIES
                .iter()
                .all(|(c, _)| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
        );
        assert_eq!(CountryCode::all().count(), 249);
        for c in CountryCode::all() {
            assert_eq!(CountryCode::parse(c.as_str()), Ok(c));
        }
    }

    #[test]
    fn country_parse() {
        assert_eq!(CountryCode::parse(" in "), Ok(CountryCode::IN));
        assert_eq!(CountryCode::IN.name(), "India");
        assert_eq!(CountryCode::parse("US").unwrap().name(), "United States");
        assert_eq!(CountryCode::parse("AE").unwrap().as_str(), "AE");
        assert!(CountryCode::parse("GB").is_ok());
        assert!(CountryCode::parse("SS").is_ok()); // South Sudan
        assert!(CountryCode::parse("BQ").is_ok());
        for bad in ["UK", "XK", "EU", "ZZ", "IND", "I", "", "1N"] {
            assert_eq!(
                CountryCode::parse(bad),
                Err(IdError::UnknownCountry),
                "{bad}"
            );
        }
    }

    #[test]
    fn country_serde() {
        assert_eq!(json(&CountryCode::IN), "\"IN\"");
        assert_eq!(from_json::<CountryCode>("\"de\"").unwrap().as_str(), "DE");
        assert!(from_json::<CountryCode>("\"UK\"").is_err());
    }

    // ----- Document sniffing -----

    #[test]
    fn document_sniffing() {
        assert_eq!(sniff(b"%PDF-1.7\n%\xE2\xE3"), Some(DocumentKind::Pdf));
        assert_eq!(
            DocumentKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]),
            Some(DocumentKind::Jpeg)
        );
        assert_eq!(
            sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0x00]),
            Some(DocumentKind::Png)
        );
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"%PDF"), None);
        assert_eq!(sniff(&[0xFF, 0xD8]), None);
        assert_eq!(sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A]), None);
        assert_eq!(sniff(b" %PDF-1.4"), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"PK\x03\x04"), None);

        assert_eq!(DocumentKind::Pdf.mime(), "application/pdf");
        assert_eq!(DocumentKind::Jpeg.mime(), "image/jpeg");
        assert_eq!(DocumentKind::Png.mime(), "image/png");
        assert_eq!(DocumentKind::Pdf.extension(), "pdf");
        assert_eq!(DocumentKind::Jpeg.extension(), "jpg");
        assert_eq!(DocumentKind::Png.extension(), "png");
    }

    // ----- OpenAPI schemas -----

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
