//! Parsing buyer-profile, RFQ and quote requests into the columns stored: every field checked,
//! every problem named in one 422. Pure: the clock is a parameter.

use chrono::{DateTime, Duration, Utc};

use crate::auth::parse_email;
use crate::error::{ApiError, ApiResult, Validator};
use crate::fields::{check_hs_code, check_id, check_quantity, check_range, check_text, required};
use crate::identifiers::{CountryCode, Incoterm, PhoneE164};
use crate::listings::api::{Certification, MoqUnit};
use crate::money::{CurrencyCode, Money};
use crate::rfq::api::{BusinessType, BuyerProfileRequest, QuoteRequest, RfqRequest};
use crate::rfq::model::{BuyerProfileColumns, QuoteTermsColumns, RfqColumns};
use crate::sellers::api::Sector;
use crate::vocabulary::{Vocabulary, check_vocab, check_vocab_list};

/// An RFQ takes quotes for at most this long.
pub const MAX_RFQ_DAYS: i64 = 180;
/// ... and for this long when the buyer does not say.
pub const DEFAULT_RFQ_DAYS: i64 = 30;
/// A quote is valid for at most this long.
pub const MAX_QUOTE_DAYS: i64 = 90;
/// ... and for this long when the seller does not say.
pub const DEFAULT_QUOTE_DAYS: i64 = 14;

fn bad_state() -> ApiError {
    ApiError::internal("validator passed with missing values")
}

fn check_country(v: &mut Validator, field: &str, raw: Option<String>) -> Option<String> {
    required(v, field, raw)
        .and_then(|s| check_id(v, field, CountryCode::parse(&s)))
        .map(|c| c.as_str().to_owned())
}

fn check_currency(v: &mut Validator, field: &str, raw: Option<String>) -> Option<CurrencyCode> {
    required(v, field, raw).and_then(|s| {
        CurrencyCode::parse(s.trim())
            .map_err(|e| v.push(field, "invalid", e.to_string()))
            .ok()
    })
}

/// A positive amount in `currency` with at most its decimals.
fn check_price(
    v: &mut Validator,
    field: &str,
    raw: Option<String>,
    currency: Option<CurrencyCode>,
) -> Option<i64> {
    let text = raw?;
    let currency = currency?;
    match Money::parse(text.trim(), currency) {
        Ok(m) if m.minor > 0 => Some(m.minor),
        Ok(_) => {
            v.push(field, "not_positive", "must be more than zero");
            None
        }
        Err(e) => {
            v.push(field, "invalid", e.to_string());
            None
        }
    }
}

/// In the future and at most `max_days` ahead; `default_days` from now when absent.
fn check_deadline(
    v: &mut Validator,
    field: &str,
    raw: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    (default_days, max_days): (i64, i64),
) -> Option<DateTime<Utc>> {
    let at = raw.unwrap_or(now + Duration::days(default_days));
    if at <= now {
        v.push(field, "in_the_past", "must be in the future");
        None
    } else if at > now + Duration::days(max_days) {
        v.push(
            field,
            "too_far",
            format!("must be at most {max_days} days ahead"),
        );
        None
    } else {
        Some(at)
    }
}

fn check_incoterm(v: &mut Validator, field: &str, raw: Option<String>) -> Option<Incoterm> {
    raw.and_then(|s| check_id(v, field, Incoterm::parse(&s)))
}

/// Every field of a buyer profile, checked.
pub fn parse_buyer_profile(req: BuyerProfileRequest) -> ApiResult<BuyerProfileColumns> {
    let mut v = Validator::new();
    let company = required(&mut v, "company_name", req.company_name);
    let company = check_text(&mut v, "company_name", company, 200);
    let country = check_country(&mut v, "country_code", req.country_code);
    let business_type = required(&mut v, "business_type", req.business_type)
        .and_then(|s| check_vocab::<BusinessType>(&mut v, "business_type", &s));
    let website = check_text(&mut v, "website", req.website, 2000).and_then(|text| {
        match url::Url::parse(&text) {
            Ok(u) if u.scheme() == "https" && u.host_str().is_some() && u.password().is_none() => {
                Some(u.to_string())
            }
            _ => {
                v.push("website", "invalid", "must be an https:// URL");
                None
            }
        }
    });
    let contact = required(&mut v, "contact_name", req.contact_name);
    let contact = check_text(&mut v, "contact_name", contact, 200);
    let email = required(&mut v, "contact_email", req.contact_email)
        .and_then(|s| v.check("contact_email", parse_email(&s)));
    let phone = req
        .contact_phone
        .and_then(|p| check_id(&mut v, "contact_phone", PhoneE164::parse(&p)))
        .map(|p| p.as_str().to_owned());
    v.finish()?;
    let (
        Some(company_name),
        Some(country_code),
        Some(business_type),
        Some(contact_name),
        Some(contact_email),
    ) = (company, country, business_type, contact, email)
    else {
        return Err(bad_state());
    };
    Ok(BuyerProfileColumns {
        company_name,
        country_code,
        business_type,
        website,
        contact_name,
        contact_email,
        contact_phone: phone,
    })
}

/// Every field of an RFQ, checked against `now`.
pub fn parse_rfq(req: RfqRequest, now: DateTime<Utc>) -> ApiResult<RfqColumns> {
    let mut v = Validator::new();
    let product = required(&mut v, "product", req.product);
    let product = check_text(&mut v, "product", product, 200).filter(|p| {
        let long_enough = p.chars().count() >= 3;
        if !long_enough {
            v.push("product", "too_short", "must be at least 3 characters");
        }
        long_enough
    });
    let description = check_text(&mut v, "description", req.description, 5000);
    let hs_code = req
        .hs_code
        .and_then(|s| check_hs_code(&mut v, "hs_code", &s));
    let sector = req
        .sector
        .and_then(|s| check_vocab::<Sector>(&mut v, "sector", &s));
    let quantity = required(&mut v, "quantity", req.quantity)
        .and_then(|q| check_quantity(&mut v, "quantity", q));
    let unit =
        required(&mut v, "unit", req.unit).and_then(|s| check_vocab::<MoqUnit>(&mut v, "unit", &s));
    let currency = check_currency(&mut v, "currency", req.currency);
    let target = check_price(&mut v, "target_unit_price", req.target_unit_price, currency);
    let destination_country = check_country(&mut v, "destination_country", req.destination_country);
    let place = required(&mut v, "destination_place", req.destination_place);
    let destination_place = check_text(&mut v, "destination_place", place, 200);
    let incoterm = check_incoterm(&mut v, "incoterm", req.incoterm);
    if let Some(date) = req.needed_by
        && date < now.date_naive()
    {
        v.push("needed_by", "in_the_past", "must be today or later");
    }
    let certifications = check_vocab_list::<Certification>(
        &mut v,
        "certifications",
        req.certifications,
        Certification::ALL.len(),
    );
    let valid_until = check_deadline(
        &mut v,
        "valid_until",
        req.valid_until,
        now,
        (DEFAULT_RFQ_DAYS, MAX_RFQ_DAYS),
    );
    v.finish()?;
    let (
        Some(product),
        Some(quantity),
        Some(unit),
        Some(currency),
        Some(destination_country),
        Some(destination_place),
        Some(valid_until),
    ) = (
        product,
        quantity,
        unit,
        currency,
        destination_country,
        destination_place,
        valid_until,
    )
    else {
        return Err(bad_state());
    };
    Ok(RfqColumns {
        product,
        description: description.unwrap_or_default(),
        hs_code,
        sector,
        quantity,
        unit,
        currency: currency.as_str().to_owned(),
        target_unit_price_minor: target,
        destination_country,
        destination_place,
        incoterm: incoterm.map(|i| i.as_str().to_owned()),
        needed_by: req.needed_by,
        certifications,
        valid_until,
    })
}

/// Every field of a quote, checked against `now`.
pub fn parse_quote(req: QuoteRequest, now: DateTime<Utc>) -> ApiResult<QuoteTermsColumns> {
    let mut v = Validator::new();
    let currency = check_currency(&mut v, "currency", req.currency);
    let price = required(&mut v, "unit_price", req.unit_price);
    let unit_price = check_price(&mut v, "unit_price", price, currency);
    let quantity = required(&mut v, "quantity", req.quantity)
        .and_then(|q| check_quantity(&mut v, "quantity", q));
    let incoterm = required(&mut v, "incoterm", req.incoterm);
    let incoterm = check_incoterm(&mut v, "incoterm", incoterm);
    let place = required(&mut v, "named_place", req.named_place);
    let named_place = check_text(&mut v, "named_place", place, 200);
    let lead_time = required(&mut v, "lead_time_days", req.lead_time_days);
    let lead_time_days = check_range(&mut v, "lead_time_days", lead_time, (1, 365));
    let valid_until = check_deadline(
        &mut v,
        "valid_until",
        req.valid_until,
        now,
        (DEFAULT_QUOTE_DAYS, MAX_QUOTE_DAYS),
    );
    let notes = check_text(&mut v, "notes", req.notes, 2000);
    if let (Some(price), Some(q)) = (unit_price, quantity)
        && price.checked_mul(q).is_none()
    {
        v.push(
            "quantity",
            "too_large",
            "unit_price × quantity is too large",
        );
    }
    v.finish()?;
    let (
        Some(unit_price_minor),
        Some(currency),
        Some(quantity),
        Some(incoterm),
        Some(named_place),
        Some(lead_time_days),
        Some(valid_until),
    ) = (
        unit_price,
        currency,
        quantity,
        incoterm,
        named_place,
        lead_time_days,
        valid_until,
    )
    else {
        return Err(bad_state());
    };
    Ok(QuoteTermsColumns {
        unit_price_minor,
        currency: currency.as_str().to_owned(),
        quantity,
        incoterm: incoterm.as_str().to_owned(),
        named_place,
        lead_time_days,
        valid_until,
        notes: notes.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_codes(e: ApiError) -> Vec<(String, String)> {
        let ApiError::Validation(errors) = e else {
            panic!("expected validation, got {e:?}")
        };
        errors.into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn an_rfq_names_every_problem() {
        let now = Utc::now();
        let err = parse_rfq(
            RfqRequest {
                product: Some("ab".into()),
                hs_code: Some("61".into()),
                quantity: Some(0),
                unit: Some("barrels".into()),
                currency: Some("USD".into()),
                target_unit_price: Some("0".into()),
                destination_country: Some("XX".into()),
                needed_by: Some(now.date_naive() - Duration::days(1)),
                certifications: Some(vec!["gots".into(), "nope".into()]),
                valid_until: Some(now + Duration::days(400)),
                ..RfqRequest::default()
            },
            now,
        )
        .err()
        .unwrap();
        let fields: Vec<String> = field_codes(err).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "product",
                "hs_code",
                "quantity",
                "unit",
                "target_unit_price",
                "destination_country",
                "destination_place",
                "needed_by",
                "certifications[1]",
                "valid_until"
            ]
        );
    }

    #[test]
    fn an_rfq_parses_with_defaults() {
        let now = Utc::now();
        let rfq = parse_rfq(
            RfqRequest {
                product: Some(" Organic cotton T-shirts ".into()),
                hs_code: Some("6109.10".into()),
                quantity: Some(5000),
                unit: Some("Pieces".into()),
                currency: Some("usd".into()),
                target_unit_price: Some("3.20".into()),
                destination_country: Some("cn".into()),
                destination_place: Some("Shanghai".into()),
                incoterm: Some("cif".into()),
                ..RfqRequest::default()
            },
            now,
        )
        .unwrap();
        assert_eq!(rfq.product, "Organic cotton T-shirts");
        assert_eq!(rfq.hs_code.as_deref(), Some("610910"));
        assert_eq!(rfq.currency, "USD");
        assert_eq!(rfq.target_unit_price_minor, Some(320));
        assert_eq!(rfq.destination_country, "CN");
        assert_eq!(rfq.incoterm.as_deref(), Some("CIF"));
        assert_eq!(rfq.valid_until, now + Duration::days(DEFAULT_RFQ_DAYS));
    }

    #[test]
    fn a_quote_names_every_problem() {
        let now = Utc::now();
        let err = parse_quote(
            QuoteRequest {
                unit_price: Some("1.234".into()),
                currency: Some("USD".into()),
                quantity: Some(-1),
                incoterm: Some("XYZ".into()),
                lead_time_days: Some(400),
                valid_until: Some(now - Duration::hours(1)),
                ..QuoteRequest::default()
            },
            now,
        )
        .err()
        .unwrap();
        let fields: Vec<String> = field_codes(err).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "unit_price",
                "quantity",
                "incoterm",
                "named_place",
                "lead_time_days",
                "valid_until"
            ]
        );
    }

    #[test]
    fn a_buyer_profile_checks_contact_details() {
        let err = parse_buyer_profile(BuyerProfileRequest {
            company_name: Some("Hengda".into()),
            country_code: Some("CN".into()),
            business_type: Some("importer".into()),
            website: Some("http://hengda.example".into()),
            contact_name: Some("Li Wei".into()),
            contact_email: Some("not-an-email".into()),
            contact_phone: Some("12".into()),
        })
        .err()
        .unwrap();
        let fields: Vec<String> = field_codes(err).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["website", "contact_email", "contact_phone"]);
    }
}
