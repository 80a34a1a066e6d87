//! Indian states and union territories: GST state codes, 2-letter abbreviations and names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{PartialSchema, ToSchema};

use super::{IdError, enum_schema};

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
///   always returns the current code, 26. A [`Gstin`](super::Gstin) keeps its original
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifiers::test_support::{from_json, json};

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
}
