//! Export trade identifiers: Importer-Exporter Code (IEC), Udyam (MSME) registration number,
//! Harmonized System (HS) code and Incoterm.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{PartialSchema, ToSchema};

use super::pan_gstin::Pan;
use super::states::IndianState;
use super::{IdError, enum_schema, normalise_upper, string_schema};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifiers::test_support::{from_json, json};

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
}
