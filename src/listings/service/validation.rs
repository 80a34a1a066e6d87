//! Parsing a listing request into the columns stored: every field checked, every problem named
//! in one 422. Pure: no database.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{ApiResult, Validator};
use crate::fields::{check_hs_code, check_id, check_quantity, check_range, check_text, required};
use crate::identifiers::{Incoterm, IndianState};
use crate::listings::api::{
    Certification, IncotermOfferRequest, ListingRequest, MoqUnit, PriceBreakRequest,
};
use crate::listings::model::{ListingColumns, StoredIncoterm, StoredPriceBreak};
use crate::money::{CurrencyCode, Money};
use crate::sellers::api::Sector;
use crate::vocabulary::{Vocabulary, check_vocab, check_vocab_list};

pub const MAX_KEYWORDS: usize = 20;
pub const MAX_ATTRIBUTES: usize = 30;
pub const MAX_PRICE_BREAKS: usize = 10;
pub const MAX_IMAGES: usize = 10;

fn check_title(v: &mut Validator, raw: Option<String>) -> Option<String> {
    let raw = required(v, "title", raw);
    let title = check_text(v, "title", raw, 200)?;
    if title.chars().count() < 3 {
        v.push("title", "too_short", "must be at least 3 characters");
        return None;
    }
    Some(title)
}

/// Distinct (case-insensitively), 2 to 50 characters each.
fn check_keywords(v: &mut Validator, raw: Option<Vec<String>>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let list = v.cap_list("keywords", raw.unwrap_or_default(), MAX_KEYWORDS);
    for (i, word) in list.into_iter().enumerate() {
        let field = format!("keywords[{i}]");
        let Some(word) = check_text(v, &field, Some(word), 50) else {
            continue;
        };
        if word.chars().count() < 2 {
            v.push(&field, "too_short", "must be at least 2 characters");
        } else if seen.insert(word.to_lowercase()) {
            out.push(word);
        }
    }
    out
}

fn check_attributes(
    v: &mut Validator,
    raw: Option<BTreeMap<String, String>>,
) -> serde_json::Map<String, serde_json::Value> {
    let raw = raw.unwrap_or_default();
    let mut out = serde_json::Map::new();
    if raw.len() > MAX_ATTRIBUTES {
        v.push(
            "attributes",
            "too_many",
            format!("at most {MAX_ATTRIBUTES} items (got {})", raw.len()),
        );
        return out;
    }
    for (key, value) in raw {
        let field = format!("attributes.{key}");
        let key_ok = check_text(v, "attributes", Some(key.clone()), 50);
        let value_ok = check_text(v, &field, Some(value), 200);
        if let (Some(k), Some(val)) = (key_ok, value_ok) {
            out.insert(k, serde_json::Value::String(val));
        }
    }
    out
}

/// Ascending, distinct minimum quantities, the first equal to the MOQ; positive prices with at
/// most the currency's decimals.
fn check_price_breaks(
    v: &mut Validator,
    raw: Option<Vec<PriceBreakRequest>>,
    moq: Option<i64>,
    currency: Option<CurrencyCode>,
) -> Vec<StoredPriceBreak> {
    let Some(raw) = required(v, "price_breaks", raw) else {
        return Vec::new();
    };
    let list = v.cap_list("price_breaks", raw, MAX_PRICE_BREAKS);
    if list.is_empty() && !v.is_empty() {
        return Vec::new();
    }
    if list.is_empty() {
        v.push("price_breaks", "required", "at least one price break");
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut previous: Option<i64> = None;
    for (i, b) in list.into_iter().enumerate() {
        let field = |name: &str| format!("price_breaks[{i}].{name}");
        let quantity = required(v, &field("min_quantity"), b.min_quantity)
            .and_then(|q| check_quantity(v, &field("min_quantity"), q));
        if let (Some(q), Some(p)) = (quantity, previous)
            && q <= p
        {
            v.push(
                &field("min_quantity"),
                "not_ascending",
                format!("must be greater than the previous break's {p}"),
            );
        }
        if let (0, Some(q), Some(m)) = (i, quantity, moq)
            && q != m
        {
            v.push(
                &field("min_quantity"),
                "moq_mismatch",
                format!("the first break must start at the MOQ ({m})"),
            );
        }
        previous = quantity.or(previous);
        let price = required(v, &field("unit_price"), b.unit_price).and_then(|text| {
            let currency = currency?;
            match Money::parse(text.trim(), currency) {
                Ok(m) if m.minor > 0 => Some(m.minor),
                Ok(_) => {
                    v.push(
                        &field("unit_price"),
                        "not_positive",
                        "must be more than zero",
                    );
                    None
                }
                Err(e) => {
                    v.push(&field("unit_price"), "invalid", e.to_string());
                    None
                }
            }
        });
        if let (Some(min_quantity), Some(unit_price_minor)) = (quantity, price) {
            out.push(StoredPriceBreak {
                min_quantity,
                unit_price_minor,
            });
        }
    }
    out
}

/// Each rule at most once; the sea-only four name a port.
fn check_incoterms(
    v: &mut Validator,
    raw: Option<Vec<IncotermOfferRequest>>,
) -> Vec<StoredIncoterm> {
    let Some(raw) = required(v, "incoterms", raw) else {
        return Vec::new();
    };
    let list = v.cap_list("incoterms", raw, Incoterm::ALL.len());
    if list.is_empty() && v.is_empty() {
        v.push("incoterms", "required", "at least one incoterm");
    }
    let mut out: Vec<StoredIncoterm> = Vec::new();
    for (i, offer) in list.into_iter().enumerate() {
        let field = |name: &str| format!("incoterms[{i}].{name}");
        let rule = required(v, &field("incoterm"), offer.incoterm)
            .and_then(|s| check_id(v, &field("incoterm"), Incoterm::parse(&s)));
        let place = check_text(v, &field("named_place"), offer.named_place, 100);
        let Some(rule) = rule else { continue };
        if out.iter().any(|o| o.incoterm == rule) {
            v.push(
                &field("incoterm"),
                "duplicate",
                format!("{rule} is listed twice"),
            );
            continue;
        }
        if rule.sea_only() && place.is_none() {
            v.push(
                &field("named_place"),
                "required",
                format!("{rule} is a sea-only rule: name the port"),
            );
            continue;
        }
        out.push(StoredIncoterm {
            incoterm: rule,
            named_place: place,
        });
    }
    out
}

fn check_image_urls(v: &mut Validator, raw: Option<Vec<String>>) -> Vec<String> {
    let list = v.cap_list("image_urls", raw.unwrap_or_default(), MAX_IMAGES);
    let mut out = Vec::new();
    for (i, raw) in list.into_iter().enumerate() {
        let field = format!("image_urls[{i}]");
        let Some(text) = check_text(v, &field, Some(raw), 2000) else {
            continue;
        };
        match url::Url::parse(&text) {
            Ok(u) if u.scheme() == "https" && u.host_str().is_some() && u.password().is_none() => {
                out.push(u.to_string());
            }
            _ => v.push(&field, "invalid", "must be an https:// URL"),
        }
    }
    out
}

/// A state or union territory by its 2-letter code or its name ("TN", "Tamil Nadu").
fn state_by_code_or_name(input: &str) -> Result<IndianState, crate::identifiers::IdError> {
    IndianState::parse(input).or_else(|e| {
        IndianState::ALL
            .iter()
            .copied()
            .find(|s| s.name().eq_ignore_ascii_case(input.trim()))
            .ok_or(e)
    })
}

/// Every field of a listing request, checked; all problems in one 422.
pub fn parse_listing(req: ListingRequest) -> ApiResult<ListingColumns> {
    let mut v = Validator::new();
    let title = check_title(&mut v, req.title);
    let description = check_text(&mut v, "description", req.description, 5000);
    let sector = required(&mut v, "sector", req.sector)
        .and_then(|s| check_vocab::<Sector>(&mut v, "sector", &s));
    let hs_code =
        required(&mut v, "hs_code", req.hs_code).and_then(|s| check_hs_code(&mut v, "hs_code", &s));
    let keywords = check_keywords(&mut v, req.keywords);
    let attributes = check_attributes(&mut v, req.attributes);
    let moq = required(&mut v, "moq", req.moq).and_then(|q| check_quantity(&mut v, "moq", q));
    let moq_unit = required(&mut v, "moq_unit", req.moq_unit)
        .and_then(|s| check_vocab::<MoqUnit>(&mut v, "moq_unit", &s));
    let currency = required(&mut v, "currency", req.currency).and_then(|s| {
        CurrencyCode::parse(s.trim())
            .map_err(|e| v.push("currency", "invalid", e.to_string()))
            .ok()
    });
    let price_breaks = check_price_breaks(&mut v, req.price_breaks, moq, currency);
    let incoterms = check_incoterms(&mut v, req.incoterms);
    let lead_time = required(&mut v, "lead_time_days", req.lead_time_days);
    let lead_time_days = check_range(&mut v, "lead_time_days", lead_time, (1, 365));
    let monthly_capacity = req
        .monthly_capacity
        .and_then(|q| check_quantity(&mut v, "monthly_capacity", q));
    let certifications = check_vocab_list::<Certification>(
        &mut v,
        "certifications",
        req.certifications,
        Certification::ALL.len(),
    );
    let origin_state = required(&mut v, "origin_state", req.origin_state)
        .and_then(|s| check_id(&mut v, "origin_state", state_by_code_or_name(&s)));
    let image_urls = check_image_urls(&mut v, req.image_urls);
    v.finish()?;
    let (
        Some(title),
        Some(sector),
        Some(hs_code),
        Some(moq),
        Some(moq_unit),
        Some(currency),
        Some(first),
        Some(lead_time_days),
        Some(origin_state),
    ) = (
        title,
        sector,
        hs_code,
        moq,
        moq_unit,
        currency,
        price_breaks.first().copied(),
        lead_time_days,
        origin_state,
    )
    else {
        // Unreachable: a missing value recorded an error above.
        return Err(crate::error::ApiError::internal(
            "listing parsed without a value",
        ));
    };
    Ok(ListingColumns {
        title,
        description: description.unwrap_or_default(),
        sector,
        hs_code,
        keywords,
        attributes: serde_json::Value::Object(attributes),
        moq,
        moq_unit,
        currency: currency.as_str().to_owned(),
        price_minor: first.unit_price_minor,
        price_breaks: serde_json::to_value(&price_breaks)
            .map_err(crate::error::ApiError::internal)?,
        incoterm_codes: incoterms
            .iter()
            .map(|o| o.incoterm.as_str().to_owned())
            .collect(),
        incoterms: serde_json::to_value(&incoterms).map_err(crate::error::ApiError::internal)?,
        lead_time_days,
        monthly_capacity,
        certifications,
        origin_state: origin_state.code().to_owned(),
        samples_available: req.samples_available.unwrap_or(false),
        image_urls,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;

    pub fn valid_request() -> ListingRequest {
        ListingRequest {
            title: Some("Organic cotton T-shirts, 180 GSM".into()),
            description: Some("Knitted in Tiruppur.".into()),
            sector: Some("textiles".into()),
            hs_code: Some("6109.10.00".into()),
            keywords: Some(vec![
                "t-shirt".into(),
                "organic cotton".into(),
                "T-Shirt".into(),
            ]),
            attributes: Some(BTreeMap::from([("gsm".into(), "180".into())])),
            moq: Some(500),
            moq_unit: Some("pieces".into()),
            currency: Some("USD".into()),
            price_breaks: Some(vec![
                PriceBreakRequest {
                    min_quantity: Some(500),
                    unit_price: Some("3.40".into()),
                },
                PriceBreakRequest {
                    min_quantity: Some(2000),
                    unit_price: Some("2.95".into()),
                },
            ]),
            incoterms: Some(vec![
                IncotermOfferRequest {
                    incoterm: Some("fob".into()),
                    named_place: Some("Chennai".into()),
                },
                IncotermOfferRequest {
                    incoterm: Some("EXW".into()),
                    named_place: None,
                },
            ]),
            lead_time_days: Some(30),
            monthly_capacity: Some(50_000),
            certifications: Some(vec!["gots".into(), "oeko_tex".into()]),
            origin_state: Some("Tamil Nadu".into()),
            samples_available: Some(true),
            image_urls: Some(vec!["https://cdn.example/a.jpg".into()]),
        }
    }

    fn fields_of(req: ListingRequest) -> Vec<(String, String)> {
        match parse_listing(req) {
            Err(ApiError::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_request_is_normalised() {
        let c = parse_listing(valid_request()).unwrap();
        assert_eq!(c.hs_code, "61091000");
        assert_eq!(c.keywords, ["t-shirt", "organic cotton"]);
        assert_eq!(c.price_minor, 340);
        assert_eq!(c.incoterm_codes, ["FOB", "EXW"]);
        assert_eq!(c.origin_state, "TN");
        assert_eq!(
            c.price_breaks,
            serde_json::json!([
                {"min_quantity": 500, "unit_price_minor": 340},
                {"min_quantity": 2000, "unit_price_minor": 295}
            ])
        );
    }

    #[test]
    fn an_empty_request_names_every_required_field() {
        let fields: Vec<String> = fields_of(ListingRequest::default())
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        for f in [
            "title",
            "sector",
            "hs_code",
            "moq",
            "moq_unit",
            "currency",
            "price_breaks",
            "incoterms",
            "lead_time_days",
            "origin_state",
        ] {
            assert!(
                fields.contains(&f.to_owned()),
                "{f} missing from {fields:?}"
            );
        }
    }

    #[test]
    fn price_breaks_start_at_the_moq_and_ascend() {
        let mut req = valid_request();
        req.price_breaks = Some(vec![
            PriceBreakRequest {
                min_quantity: Some(400),
                unit_price: Some("3.40".into()),
            },
            PriceBreakRequest {
                min_quantity: Some(400),
                unit_price: Some("0".into()),
            },
            PriceBreakRequest {
                min_quantity: Some(900),
                unit_price: Some("1.234".into()),
            },
        ]);
        assert_eq!(
            fields_of(req),
            [
                ("price_breaks[0].min_quantity".into(), "moq_mismatch".into()),
                (
                    "price_breaks[1].min_quantity".into(),
                    "not_ascending".into()
                ),
                ("price_breaks[1].unit_price".into(), "not_positive".into()),
                ("price_breaks[2].unit_price".into(), "invalid".into()),
            ]
        );
    }

    #[test]
    fn sea_only_incoterms_need_a_port_and_rules_appear_once() {
        let mut req = valid_request();
        req.incoterms = Some(vec![
            IncotermOfferRequest {
                incoterm: Some("CIF".into()),
                named_place: None,
            },
            IncotermOfferRequest {
                incoterm: Some("EXW".into()),
                named_place: None,
            },
            IncotermOfferRequest {
                incoterm: Some("exw".into()),
                named_place: None,
            },
            IncotermOfferRequest {
                incoterm: Some("XYZ".into()),
                named_place: None,
            },
        ]);
        assert_eq!(
            fields_of(req),
            [
                ("incoterms[0].named_place".into(), "required".into()),
                ("incoterms[2].incoterm".into(), "duplicate".into()),
                ("incoterms[3].incoterm".into(), "format".into()),
            ]
        );
    }

    #[test]
    fn hs_codes_are_six_or_eight_digits_of_a_real_chapter() {
        for (code, expected) in [
            ("6109100000", "length"),
            ("7701.10", "state_code"),
            ("12345", "length"),
        ] {
            let mut req = valid_request();
            req.hs_code = Some(code.into());
            let fields = fields_of(req);
            assert_eq!(fields.len(), 1, "{code}: {fields:?}");
            assert_eq!(fields[0].0, "hs_code");
            if expected != "state_code" {
                assert_eq!(fields[0].1, expected, "{code}");
            }
        }
    }

    #[test]
    fn images_are_https_and_lists_are_bounded() {
        let mut req = valid_request();
        req.image_urls = Some(vec![
            "http://cdn.example/a.jpg".into(),
            "javascript:x".into(),
        ]);
        req.keywords = Some(vec!["k".into(); MAX_KEYWORDS + 1]);
        assert_eq!(
            fields_of(req),
            [
                ("keywords".into(), "too_many".into()),
                ("image_urls[0]".into(), "invalid".into()),
                ("image_urls[1]".into(), "invalid".into()),
            ]
        );
    }

    #[test]
    fn amounts_follow_the_currency() {
        let mut req = valid_request();
        req.currency = Some("JPY".into());
        req.price_breaks = Some(vec![PriceBreakRequest {
            min_quantity: Some(500),
            unit_price: Some("450.5".into()),
        }]);
        assert_eq!(
            fields_of(req),
            [("price_breaks[0].unit_price".into(), "invalid".into())]
        );
        let mut req = valid_request();
        req.currency = Some("XXQ".into());
        assert!(fields_of(req).contains(&("currency".into(), "invalid".into())));
    }
}
