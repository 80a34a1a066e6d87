//! Permanent Account Number (PAN) and GST Identification Number (GSTIN).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{PartialSchema, ToSchema};

use super::states::IndianState;
use super::{IdError, chars_exact, normalise_upper, string_schema};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifiers::test_support::{from_json, json};

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
}
