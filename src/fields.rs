//! Field checks shared by request parsers of every domain (seller profile, payout account,
//! listings): each records a problem in the `Validator` under the field's name with a stable
//! code, and returns the parsed value when there was none.

use crate::error::Validator;
use crate::identifiers::IdError;

/// A stable error code for an identifier problem.
fn id_code(e: &IdError) -> &'static str {
    match e {
        IdError::GstinChecksum => "checksum",
        IdError::PanLength
        | IdError::GstinLength
        | IdError::IecLength
        | IdError::IfscLength
        | IdError::PhoneLength
        | IdError::BankAccountLength
        | IdError::HsCodeLength => "length",
        IdError::UnknownState | IdError::GstinStateCode | IdError::UdyamStateCode => "state_code",
        IdError::UnknownCountry => "unknown_country",
        _ => "format",
    }
}

pub fn check_id<T>(v: &mut Validator, field: &str, parsed: Result<T, IdError>) -> Option<T> {
    match parsed {
        Ok(value) => Some(value),
        Err(e) => {
            v.push(field, id_code(&e), e.to_string());
            None
        }
    }
}

/// Trimmed, non-empty, at most `max` characters, no control characters.
pub fn check_text(
    v: &mut Validator,
    field: &str,
    raw: Option<String>,
    max: usize,
) -> Option<String> {
    let raw = raw?;
    let text = raw.trim();
    if text.is_empty() {
        v.push(field, "empty", "must not be empty (omit the field instead)");
        None
    } else if text.chars().count() > max {
        v.push(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        );
        None
    } else if text.chars().any(char::is_control) {
        v.push(field, "invalid", "must not contain control characters");
        None
    } else {
        Some(text.to_owned())
    }
}
