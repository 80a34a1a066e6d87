//! Field checks shared by request parsers of every domain (seller profile, payout account,
//! listings): each records a problem in the `Validator` under the field's name with a stable
//! code, and returns the parsed value when there was none.

use crate::error::Validator;
use crate::identifiers::{HsCode, IdError};

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

/// The largest quantity any request takes (MOQ, price break, RFQ, quote).
pub const MAX_QUANTITY: i64 = 1_000_000_000_000;

/// Records `required` when the field is absent.
pub fn required<T>(v: &mut Validator, field: &str, value: Option<T>) -> Option<T> {
    if value.is_none() {
        v.push(field, "required", "is required");
    }
    value
}

/// A whole quantity from 1 to `MAX_QUANTITY`.
pub fn check_quantity(v: &mut Validator, field: &str, q: i64) -> Option<i64> {
    if (1..=MAX_QUANTITY).contains(&q) {
        Some(q)
    } else {
        v.push(
            field,
            "out_of_range",
            format!("must be a whole number from 1 to {MAX_QUANTITY}"),
        );
        None
    }
}

/// Within `low..=high` (both shown in the message).
pub fn check_range<T: PartialOrd + std::fmt::Display + Copy>(
    v: &mut Validator,
    field: &str,
    value: Option<T>,
    (low, high): (T, T),
) -> Option<T> {
    let value = value?;
    if value < low || value > high {
        v.push(
            field,
            "out_of_range",
            format!("must be from {low} to {high}"),
        );
        return None;
    }
    Some(value)
}

/// 6 or 8 digits: the HS subheading or India's ITC-HS tariff line (dots and spaces ignored).
pub fn check_hs_code(v: &mut Validator, field: &str, raw: &str) -> Option<String> {
    let code = check_id(v, field, HsCode::parse(raw))?;
    if code.as_str().len() == 10 {
        v.push(
            field,
            "length",
            "must be 6 or 8 digits (the subheading or the ITC-HS tariff line)",
        );
        return None;
    }
    Some(code.as_str().to_owned())
}
