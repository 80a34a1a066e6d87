//! A search request as parsed from its query parameters, and its signed keyset cursor. Pure.
//!
//! The cursor carries the last hit's sort key and id, and an HMAC over them and the query they
//! belong to: a cursor that was altered, or is used with another query, is refused (422).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::api::{SearchParams, SearchSort};
use crate::error::{ApiError, ApiResult, Validator};
use crate::fields::check_id;
use crate::identifiers::{Incoterm, IndianState};
use crate::listings::api::Certification;
use crate::money::{CurrencyCode, Money};
use crate::sellers::api::Sector;
use crate::vocabulary::check_vocab;

pub const MAX_QUERY_CHARS: usize = 200;
pub const MAX_WORDS: usize = 10;
const MAX_WORD_CHARS: usize = 40;
pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// Price bounds in the buyer's currency, minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PriceBounds {
    pub min_minor: Option<i64>,
    pub max_minor: Option<i64>,
}

/// Where the previous page ended: its last hit's sort key and id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum After {
    Rank(f32, Uuid),
    Price(Decimal, Uuid),
    Published(DateTime<Utc>, Uuid),
    LeadTime(i32, Uuid),
}

/// A checked search request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchRequest {
    /// Words of `q`, lower-cased, distinct, in order.
    pub words: Vec<String>,
    pub sector: Option<Sector>,
    pub hs_prefix: Option<String>,
    pub origin_state: Option<String>,
    pub incoterm: Option<Incoterm>,
    pub certification: Option<Certification>,
    pub max_moq: Option<i64>,
    pub price: Option<PriceBounds>,
    pub max_lead_time_days: Option<i32>,
    pub verified_only: bool,
    pub currency: Option<CurrencyCode>,
    pub sort: SearchSort,
    #[serde(skip)]
    pub limit: i64,
    #[serde(skip)]
    pub after: Option<After>,
}

/// The words of a free-text query: letters and digits, lower-cased, distinct, in order.
pub fn words_of(q: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_lowercase();
        if word.chars().count() <= MAX_WORD_CHARS && !out.contains(&word) {
            out.push(word);
        }
    }
    out
}

fn check_words(v: &mut Validator, q: Option<String>) -> Vec<String> {
    let Some(q) = q else { return Vec::new() };
    if q.chars().count() > MAX_QUERY_CHARS {
        v.push(
            "q",
            "too_long",
            format!("must be at most {MAX_QUERY_CHARS} characters"),
        );
        return Vec::new();
    }
    let words = words_of(&q);
    if words.len() > MAX_WORDS {
        v.push("q", "too_many", format!("at most {MAX_WORDS} words"));
        return Vec::new();
    }
    words
}

fn check_hs_prefix(v: &mut Validator, raw: Option<String>) -> Option<String> {
    let prefix: String = raw?.chars().filter(|c| !matches!(c, '.' | ' ')).collect();
    let chapter_ok = prefix
        .get(..2)
        .and_then(|c| c.parse::<u8>().ok())
        .is_some_and(|c| (1..=97).contains(&c) && c != 77);
    if !(2..=8).contains(&prefix.len())
        || !prefix.bytes().all(|b| b.is_ascii_digit())
        || !chapter_ok
    {
        v.push(
            "hs_code",
            "invalid",
            "must be 2 to 8 digits starting with a chapter 01-97 (not 77)",
        );
        return None;
    }
    Some(prefix)
}

fn check_positive<T: PartialOrd + Default + Copy>(
    v: &mut Validator,
    field: &str,
    value: Option<T>,
) -> Option<T> {
    let value = value?;
    if value <= T::default() {
        v.push(field, "out_of_range", "must be more than zero");
        return None;
    }
    Some(value)
}

fn check_price(
    v: &mut Validator,
    field: &str,
    raw: Option<String>,
    currency: Option<CurrencyCode>,
) -> Option<i64> {
    let raw = raw?;
    let Some(currency) = currency else {
        v.push(
            field,
            "currency_required",
            "send `currency` with a price bound",
        );
        return None;
    };
    match Money::parse(raw.trim(), currency) {
        Ok(m) if m.minor >= 0 => Some(m.minor),
        Ok(_) => {
            v.push(field, "out_of_range", "must not be negative");
            None
        }
        Err(e) => {
            v.push(field, "invalid", e.to_string());
            None
        }
    }
}

fn check_limit(v: &mut Validator, limit: Option<i64>) -> i64 {
    match limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            v.push("limit", "out_of_range", format!("must be 1 to {MAX_LIMIT}"));
            DEFAULT_LIMIT
        }
    }
}

/// Checks every parameter (all problems in one 422) and the cursor against `key`.
pub fn parse(params: SearchParams, key: &[u8]) -> ApiResult<SearchRequest> {
    let mut v = Validator::new();
    let words = check_words(&mut v, params.q);
    let sector = params
        .sector
        .and_then(|s| check_vocab::<Sector>(&mut v, "sector", &s));
    let hs_prefix = check_hs_prefix(&mut v, params.hs_code);
    let origin_state = params.origin_state.and_then(|s| {
        check_id(&mut v, "origin_state", IndianState::parse(&s)).map(|s| s.code().to_owned())
    });
    let incoterm = params
        .incoterm
        .and_then(|s| check_id(&mut v, "incoterm", Incoterm::parse(&s)));
    let certification = params
        .certification
        .and_then(|s| check_vocab::<Certification>(&mut v, "certification", &s));
    let max_moq = check_positive(&mut v, "max_moq", params.max_moq);
    let max_lead_time_days =
        check_positive(&mut v, "max_lead_time_days", params.max_lead_time_days);
    let currency = params.currency.and_then(|c| {
        CurrencyCode::parse(c.trim())
            .map_err(|e| v.push("currency", "invalid", e.to_string()))
            .ok()
    });
    let min = check_price(&mut v, "min_price", params.min_price, currency);
    let max = check_price(&mut v, "max_price", params.max_price, currency);
    if let (Some(lo), Some(hi)) = (min, max)
        && lo > hi
    {
        v.push("max_price", "out_of_range", "must not be below min_price");
    }
    let sort = match params.sort {
        Some(s) => check_vocab::<SearchSort>(&mut v, "sort", &s),
        None if words.is_empty() => Some(SearchSort::Newest),
        None => Some(SearchSort::Relevance),
    };
    if sort == Some(SearchSort::Relevance) && words.is_empty() && v.is_empty() {
        v.push("sort", "needs_q", "relevance needs a free-text `q`");
    }
    let limit = check_limit(&mut v, params.limit);
    v.finish()?;
    let mut request = SearchRequest {
        words,
        sector,
        hs_prefix,
        origin_state,
        incoterm,
        certification,
        max_moq,
        price: (min.is_some() || max.is_some()).then_some(PriceBounds {
            min_minor: min,
            max_minor: max,
        }),
        max_lead_time_days,
        verified_only: params.verified_only.unwrap_or(false),
        currency,
        sort: sort.unwrap_or(SearchSort::Newest),
        limit,
        after: None,
    };
    if let Some(cursor) = params.cursor {
        request.after = Some(decode_cursor(&cursor, &request, key)?);
    }
    Ok(request)
}

/// What a cursor is signed over besides its position: the request without paging.
fn fingerprint(request: &SearchRequest) -> [u8; 32] {
    let canonical = serde_json::to_vec(request).unwrap_or_default();
    Sha256::digest(canonical).into()
}

fn mac(key: &[u8], request: &SearchRequest, position: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(&fingerprint(request));
    mac.update(position);
    Some(mac)
}

/// The cursor of a page that ended at `after`.
pub fn encode_cursor(after: &After, request: &SearchRequest, key: &[u8]) -> ApiResult<String> {
    let position = serde_json::to_vec(after).map_err(ApiError::internal)?;
    let tag = mac(key, request, &position)
        .ok_or_else(|| ApiError::internal("cursor key"))?
        .finalize()
        .into_bytes();
    let mut bytes = position;
    bytes.extend_from_slice(&tag[..16]);
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn bad_cursor() -> ApiError {
    ApiError::field(
        "cursor",
        "invalid",
        "not a cursor of this query (pass `next_cursor` unchanged, with the same parameters)",
    )
}

fn decode_cursor(cursor: &str, request: &SearchRequest, key: &[u8]) -> ApiResult<After> {
    if cursor.len() > 512 {
        return Err(bad_cursor());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad_cursor())?;
    if bytes.len() <= 16 {
        return Err(bad_cursor());
    }
    let (position, tag) = bytes.split_at(bytes.len() - 16);
    mac(key, request, position)
        .ok_or_else(bad_cursor)?
        .verify_truncated_left(tag)
        .map_err(|_| bad_cursor())?;
    let after: After = serde_json::from_slice(position).map_err(|_| bad_cursor())?;
    let fits = matches!(
        (&after, request.sort),
        (After::Rank(..), SearchSort::Relevance)
            | (
                After::Price(..),
                SearchSort::PriceAsc | SearchSort::PriceDesc
            )
            | (After::Published(..), SearchSort::Newest)
            | (After::LeadTime(..), SearchSort::LeadTime)
    );
    if fits { Ok(after) } else { Err(bad_cursor()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a key of at least thirty-two bytes!!";

    fn params(pairs: &[(&str, &str)]) -> SearchParams {
        let query: String = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
            .collect::<Vec<_>>()
            .join("&");
        actix_web::web::Query::<SearchParams>::from_query(&query)
            .unwrap()
            .into_inner()
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<String> {
        match parse(params(pairs), KEY) {
            Err(ApiError::Validation(e)) => e.into_iter().map(|f| f.field).collect(),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn words_are_letters_and_digits_lower_cased_and_distinct() {
        assert_eq!(
            words_of("Organic COTTON t-shirts, 180gsm; cotton!"),
            ["organic", "cotton", "t", "shirts", "180gsm"]
        );
        assert_eq!(words_of("  "), Vec::<String>::new());
    }

    #[test]
    fn defaults_follow_the_query() {
        let r = parse(params(&[("q", "cottn yarn")]), KEY).unwrap();
        assert_eq!((r.sort, r.limit), (SearchSort::Relevance, DEFAULT_LIMIT));
        let r = parse(params(&[]), KEY).unwrap();
        assert_eq!(r.sort, SearchSort::Newest);
    }

    #[test]
    fn bad_parameters_are_named() {
        assert_eq!(fields(&[("sort", "cheapest")]), ["sort"]);
        assert_eq!(fields(&[("limit", "0")]), ["limit"]);
        assert_eq!(fields(&[("limit", "1000")]), ["limit"]);
        assert_eq!(fields(&[("q", &"x".repeat(2048))]), ["q"]);
        assert_eq!(fields(&[("currency", "XYZ")]), ["currency"]);
        assert_eq!(fields(&[("min_price", "2")]), ["min_price"]);
        assert_eq!(fields(&[("hs_code", "77")]), ["hs_code"]);
        assert_eq!(fields(&[("hs_code", "610910001")]), ["hs_code"]);
        assert_eq!(fields(&[("sort", "relevance")]), ["sort"]);
        assert_eq!(
            fields(&[("currency", "USD"), ("min_price", "5"), ("max_price", "2")]),
            ["max_price"]
        );
    }

    #[test]
    fn cursors_round_trip_and_refuse_tampering_or_another_query() {
        let request = parse(params(&[("q", "cotton"), ("sector", "textiles")]), KEY).unwrap();
        let after = After::Rank(0.25, Uuid::now_v7());
        let cursor = encode_cursor(&after, &request, KEY).unwrap();
        let again = parse(
            params(&[("q", "cotton"), ("sector", "textiles"), ("cursor", &cursor)]),
            KEY,
        )
        .unwrap();
        assert_eq!(again.after, Some(after));
        // Another query, another key, an altered byte, garbage: all refused.
        assert_eq!(fields(&[("q", "cotton"), ("cursor", &cursor)]), ["cursor"]);
        assert!(
            parse(
                params(&[("q", "cotton"), ("sector", "textiles"), ("cursor", &cursor)]),
                b"another key of thirty-two bytes!!!"
            )
            .is_err()
        );
        let mut bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap();
        bytes[3] ^= 1;
        let tampered = URL_SAFE_NO_PAD.encode(bytes);
        assert_eq!(
            fields(&[
                ("q", "cotton"),
                ("sector", "textiles"),
                ("cursor", &tampered)
            ]),
            ["cursor"]
        );
        assert_eq!(fields(&[("cursor", "not-a-cursor")]), ["cursor"]);
    }
}
