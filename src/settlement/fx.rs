//! FX rate snapshots: recorded by admins or pulled from a feed; the latest per pair is in use.
//! Mid rates for the engine are derived as INR per unit, directly, inverted, or crossed
//! through USD when no direct pair exists (and then shown as such).

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use bigdecimal::BigDecimal;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::api::RatesView;
use super::engine::Rates;
use crate::config::Config;
use crate::db::schema::{fx_feed_status, fx_rates};
use crate::error::{ApiError, ApiResult, Validator};
use crate::money::CurrencyCode;

/// One mid-market rate: 1 `base` = `rate` `quote`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RateInput {
    #[schema(value_type = String, example = "USD")]
    pub base: String,
    #[schema(value_type = String, example = "INR")]
    pub quote: String,
    /// Decimal string (or number), e.g. "84.00".
    #[schema(value_type = String, example = "84.00")]
    pub rate: Decimal,
    /// When the rate was observed; defaults to now for admin posts.
    pub as_of: Option<DateTime<Utc>>,
}

/// A stored snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RateSnapshot {
    #[schema(value_type = String, example = "USD")]
    pub base: CurrencyCode,
    #[schema(value_type = String, example = "INR")]
    pub quote: CurrencyCode,
    #[schema(value_type = String, example = "84.00")]
    pub rate: Decimal,
    pub as_of: DateTime<Utc>,
    /// `admin:<user id>`, `feed:<url>` or `seed`.
    pub source: String,
}

/// How an INR-per-unit mid rate was obtained for an estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RateUsed {
    #[schema(value_type = String, example = "USD")]
    pub currency: CurrencyCode,
    /// INR per one unit of `currency` at mid.
    #[schema(value_type = String, example = "84.00")]
    pub inr_per_unit: Decimal,
    /// `direct` (X/INR), `inverse` (INR/X) or `cross_via_usd` (X/USD × USD/INR).
    pub derivation: String,
    /// The pairs it was computed from, e.g. `["CNY/USD", "USD/INR"]`.
    pub pairs: Vec<String>,
    /// The oldest as-of time of those pairs.
    pub as_of: DateTime<Utc>,
    pub age_seconds: i64,
    /// Older than the configured maximum age.
    pub stale: bool,
    pub sources: Vec<String>,
}

fn to_decimal(v: &BigDecimal) -> ApiResult<Decimal> {
    Decimal::from_str(&v.to_string()).map_err(ApiError::internal)
}

fn to_bigdecimal(v: Decimal) -> ApiResult<BigDecimal> {
    BigDecimal::from_str(&v.to_string()).map_err(ApiError::internal)
}

/// Most rates one request or feed document may carry (also `max_items` in the schema).
pub const MAX_RATES: usize = 500;

/// A checked rate: base, quote, rate, as-of.
pub type CheckedRate = (CurrencyCode, CurrencyCode, Decimal, DateTime<Utc>);

/// Checks a batch of rates; field names are prefixed with `prefix` (e.g. `rates`).
pub fn check_rates(
    inputs: &[RateInput],
    prefix: &str,
    now: DateTime<Utc>,
) -> ApiResult<Vec<CheckedRate>> {
    let mut v = Validator::new();
    if inputs.is_empty() {
        v.push(prefix, "empty", "at least one rate is required");
    }
    let inputs = if inputs.len() > MAX_RATES {
        v.push(
            prefix,
            "too_many",
            format!(
                "at most {MAX_RATES} rates per request (got {})",
                inputs.len()
            ),
        );
        &[][..]
    } else {
        inputs
    };
    let mut out = Vec::new();
    for (i, r) in inputs.iter().enumerate() {
        let f = |name: &str| format!("{prefix}[{i}].{name}");
        let base = v.check(
            &f("base"),
            CurrencyCode::parse(&r.base).map_err(|e| e.to_string()),
        );
        let quote = v.check(
            &f("quote"),
            CurrencyCode::parse(&r.quote).map_err(|e| e.to_string()),
        );
        if base.is_some() && base == quote {
            v.push(&f("quote"), "same_currency", "quote must differ from base");
        }
        if r.rate <= Decimal::ZERO || r.rate > Decimal::from(10_000_000_000i64) {
            v.push(
                &f("rate"),
                "out_of_range",
                "must be a positive rate below 10^10",
            );
        }
        if r.rate.scale() > 10 {
            v.push(&f("rate"), "too_precise", "at most 10 decimal places");
        }
        let as_of = r.as_of.unwrap_or(now);
        if as_of > now + chrono::Duration::minutes(5) {
            v.push(&f("as_of"), "in_future", "must not be in the future");
        }
        if let (Some(b), Some(q)) = (base, quote) {
            out.push((b, q, r.rate, as_of));
        }
    }
    v.finish()?;
    Ok(out)
}

/// Appends snapshots in one transaction.
pub async fn record(
    conn: &mut AsyncPgConnection,
    rates: Vec<CheckedRate>,
    source: &str,
    created_by: Option<Uuid>,
) -> ApiResult<Vec<RateSnapshot>> {
    let rows = rates
        .iter()
        .map(|(b, q, r, at)| {
            Ok((
                fx_rates::id.eq(Uuid::now_v7()),
                fx_rates::base.eq(b.as_str()),
                fx_rates::quote.eq(q.as_str()),
                fx_rates::rate.eq(to_bigdecimal(*r)?),
                fx_rates::as_of.eq(*at),
                fx_rates::source.eq(source),
                fx_rates::created_by.eq(created_by),
            ))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    conn.transaction(async |conn| {
        diesel::insert_into(fx_rates::table)
            .values(&rows)
            .execute(conn)
            .await
    })
    .await?;
    Ok(rates
        .into_iter()
        .map(|(base, quote, rate, as_of)| RateSnapshot {
            base,
            quote,
            rate,
            as_of,
            source: source.to_owned(),
        })
        .collect())
}

/// The latest snapshot of every pair.
pub async fn latest(conn: &mut AsyncPgConnection) -> ApiResult<Vec<RateSnapshot>> {
    let rows: Vec<(String, String, BigDecimal, DateTime<Utc>, String)> = fx_rates::table
        .distinct_on((fx_rates::base, fx_rates::quote))
        .order((
            fx_rates::base,
            fx_rates::quote,
            fx_rates::as_of.desc(),
            fx_rates::created_at.desc(),
        ))
        .select((
            fx_rates::base,
            fx_rates::quote,
            fx_rates::rate,
            fx_rates::as_of,
            fx_rates::source,
        ))
        .load(conn)
        .await?;
    rows.into_iter()
        .filter_map(|(b, q, r, at, src)| {
            // Rows are checked on the way in; skip anything the code no longer knows.
            let (base, quote) = (CurrencyCode::parse(&b).ok()?, CurrencyCode::parse(&q).ok()?);
            Some(to_decimal(&r).map(|rate| RateSnapshot {
                base,
                quote,
                rate,
                as_of: at,
                source: src,
            }))
        })
        .collect()
}

/// What `GET /fx/rates` shows: the latest snapshot of every pair, the INR mids derived from
/// them now, and the feed's state if one is configured.
pub async fn view(conn: &mut AsyncPgConnection, config: &Config) -> ApiResult<RatesView> {
    let rates = latest(conn).await?;
    let (_, inr_mid) = derive(&rates, Utc::now(), config.fx_max_age_secs);
    let feed = match &config.fx_feed_url {
        Some(url) => feed_status(conn, url).await?,
        None => None,
    };
    Ok(RatesView {
        rates,
        inr_mid,
        feed,
    })
}

/// Derives INR-per-unit mid rates from the latest snapshots.
pub fn derive(
    snapshots: &[RateSnapshot],
    now: DateTime<Utc>,
    max_age_secs: i64,
) -> (Rates, Vec<RateUsed>) {
    let pair: BTreeMap<(CurrencyCode, CurrencyCode), &RateSnapshot> =
        snapshots.iter().map(|s| ((s.base, s.quote), s)).collect();
    let inr = CurrencyCode::INR;
    let usd = CurrencyCode::USD;
    // X in INR: direct, or inverse of INR/X.
    let to_inr = |x: CurrencyCode| -> Option<(Decimal, &'static str, Vec<&RateSnapshot>)> {
        if let Some(s) = pair.get(&(x, inr)) {
            return Some((s.rate, "direct", vec![*s]));
        }
        let s = pair.get(&(inr, x))?;
        Decimal::ONE
            .checked_div(s.rate)
            .map(|r| (r, "inverse", vec![*s]))
    };
    let to_usd = |x: CurrencyCode| -> Option<(Decimal, &RateSnapshot)> {
        if let Some(s) = pair.get(&(x, usd)) {
            return Some((s.rate, *s));
        }
        let s = pair.get(&(usd, x))?;
        Decimal::ONE.checked_div(s.rate).map(|r| (r, *s))
    };
    let mut currencies: Vec<CurrencyCode> =
        snapshots.iter().flat_map(|s| [s.base, s.quote]).collect();
    currencies.sort();
    currencies.dedup();
    let mut used = Vec::new();
    for x in currencies.into_iter().filter(|c| *c != inr) {
        let found = to_inr(x).or_else(|| {
            let (x_usd, s1) = to_usd(x)?;
            let (usd_inr, _, s2) = to_inr(usd)?;
            let mut sources = vec![s1];
            sources.extend(s2);
            x_usd
                .checked_mul(usd_inr)
                .map(|r| (r, "cross_via_usd", sources))
        });
        let Some((rate, derivation, from)) = found else {
            continue;
        };
        let as_of = from.iter().map(|s| s.as_of).min().unwrap_or(now);
        let age_seconds = (now - as_of).num_seconds().max(0);
        let mut sources: Vec<String> = from.iter().map(|s| s.source.clone()).collect();
        sources.dedup();
        used.push(RateUsed {
            currency: x,
            inr_per_unit: rate.round_dp(10),
            derivation: derivation.to_owned(),
            pairs: from
                .iter()
                .map(|s| format!("{}/{}", s.base, s.quote))
                .collect(),
            as_of,
            age_seconds,
            stale: age_seconds > max_age_secs,
            sources,
        });
    }
    // Rates::new only fails on non-positive rates, which the checks above exclude.
    let rates = Rates::new(used.iter().map(|u| (u.currency, u.inr_per_unit))).unwrap_or_default();
    (rates, used)
}

/// The JSON the feed must serve:
/// `{"as_of": "2026-11-23T09:00:00Z", "rates": [{"base": "USD", "quote": "INR", "rate": "84.00"}, …]}`.
/// `rate` may be a string or a number; each rate may carry its own `as_of`. The whole document is
/// refused if any entry is invalid, so a half-broken feed never replaces good rates.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedDocument {
    pub as_of: DateTime<Utc>,
    #[schema(max_items = 500)]
    pub rates: Vec<RateInput>,
}

/// What one fetch did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = fx_feed_status, check_for_backend(diesel::pg::Pg))]
pub struct FeedStatus {
    pub feed_url: String,
    pub last_attempt_at: DateTime<Utc>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub consecutive_failures: i32,
    pub rates_received: i32,
}

async fn download(client: &reqwest::Client, url: &str) -> Result<FeedDocument, String> {
    let res = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    if !res.status().is_success() {
        return Err(format!("feed answered HTTP {}", res.status().as_u16()));
    }
    let bytes = res
        .bytes()
        .await
        .map_err(|e| format!("reading the feed failed: {e}"))?;
    if bytes.len() > 1024 * 1024 {
        return Err("feed document larger than 1 MiB".into());
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("malformed feed document: {e}"))
}

/// Fetches the feed once: on success the rates are appended; on any failure nothing changes
/// but the feed status. Returns the status either way.
pub async fn fetch_once(
    conn: &mut AsyncPgConnection,
    client: &reqwest::Client,
    url: &str,
) -> ApiResult<FeedStatus> {
    let now = Utc::now();
    let outcome = match download(client, url).await {
        Ok(doc) => {
            let inputs: Vec<RateInput> = doc
                .rates
                .into_iter()
                .map(|r| RateInput {
                    as_of: r.as_of.or(Some(doc.as_of)),
                    ..r
                })
                .collect();
            match check_rates(&inputs, "rates", now) {
                Ok(checked) => {
                    let n = checked.len();
                    record(conn, checked, &format!("feed:{url}"), None).await?;
                    Ok(n)
                }
                Err(ApiError::Validation(errors)) => Err(format!(
                    "malformed feed document: {}",
                    errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
                Err(other) => return Err(other),
            }
        }
        Err(e) => Err(e),
    };
    if let Err(e) = &outcome {
        tracing::warn!(feed = url, error = %e, "FX feed fetch failed; keeping the last good rates");
    }
    let (ok, n, err) = match outcome {
        Ok(n) => (true, n as i32, None),
        Err(e) => (false, 0, Some(e)),
    };
    let status: FeedStatus = diesel::insert_into(fx_feed_status::table)
        .values((
            fx_feed_status::feed_url.eq(url),
            fx_feed_status::last_attempt_at.eq(now),
            fx_feed_status::last_success_at.eq(ok.then_some(now)),
            fx_feed_status::last_error.eq(&err),
            fx_feed_status::consecutive_failures.eq(if ok { 0 } else { 1 }),
            fx_feed_status::rates_received.eq(n),
        ))
        .on_conflict(fx_feed_status::feed_url)
        .do_update()
        .set((
            fx_feed_status::last_attempt_at.eq(now),
            fx_feed_status::last_success_at.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
            >(if ok {
                "excluded.last_success_at"
            } else {
                "fx_feed_status.last_success_at"
            })),
            fx_feed_status::last_error.eq(&err),
            fx_feed_status::consecutive_failures.eq(
                diesel::dsl::sql::<diesel::sql_types::Integer>(if ok {
                    "0"
                } else {
                    "fx_feed_status.consecutive_failures + 1"
                }),
            ),
            fx_feed_status::rates_received.eq(n),
        ))
        .returning(FeedStatus::as_returning())
        .get_result(conn)
        .await?;
    Ok(status)
}

pub async fn feed_status(conn: &mut AsyncPgConnection, url: &str) -> ApiResult<Option<FeedStatus>> {
    Ok(fx_feed_status::table
        .find(url)
        .select(FeedStatus::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub fn feed_client(timeout_secs: u64) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(timeout_secs))
        .connect_timeout(Duration::from_secs(timeout_secs.min(5)))
        .user_agent(concat!("exportbridge/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

/// Delay before the next fetch: the interval after success; after failures an exponential
/// backoff from 30 s, never longer than the interval.
pub fn next_delay(interval_secs: u64, consecutive_failures: u32) -> Duration {
    if consecutive_failures == 0 {
        return Duration::from_secs(interval_secs);
    }
    let backoff = 30u64.saturating_mul(1u64 << consecutive_failures.saturating_sub(1).min(16));
    Duration::from_secs(backoff.min(interval_secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(base: &str, quote: &str, rate: &str, hours_ago: i64) -> RateSnapshot {
        RateSnapshot {
            base: CurrencyCode::parse(base).unwrap(),
            quote: CurrencyCode::parse(quote).unwrap(),
            rate: rate.parse().unwrap(),
            as_of: Utc::now() - chrono::Duration::hours(hours_ago),
            source: "test".into(),
        }
    }

    #[test]
    fn direct_inverse_and_cross_rates() {
        let snaps = vec![
            snap("USD", "INR", "84", 1),
            snap("INR", "JPY", "1.8", 2),
            snap("USD", "CNY", "7.2", 30),
        ];
        let (rates, used) = derive(&snaps, Utc::now(), 24 * 3600);
        let by = |c: &str| {
            used.iter()
                .find(|u| u.currency.as_str() == c)
                .unwrap()
                .clone()
        };
        assert_eq!(by("USD").derivation, "direct");
        assert_eq!(by("JPY").derivation, "inverse");
        let cny = by("CNY");
        assert_eq!(cny.derivation, "cross_via_usd");
        assert_eq!(cny.pairs, ["USD/CNY", "USD/INR"]);
        assert!(cny.stale, "the oldest pair decides the age");
        assert!(!by("USD").stale);
        let expected =
            (Decimal::ONE / Decimal::from_str("7.2").unwrap() * Decimal::from(84)).round_dp(10);
        assert_eq!(
            rates
                .inr_per_unit(CurrencyCode::parse("CNY").unwrap())
                .unwrap(),
            expected
        );
    }

    #[test]
    fn missing_pairs_are_absent_not_guessed() {
        let (rates, used) = derive(&[snap("EUR", "GBP", "0.85", 0)], Utc::now(), 3600);
        assert!(used.is_empty());
        assert!(
            rates
                .inr_per_unit(CurrencyCode::parse("EUR").unwrap())
                .is_err()
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(next_delay(3600, 0), Duration::from_secs(3600));
        assert_eq!(next_delay(3600, 1), Duration::from_secs(30));
        assert_eq!(next_delay(3600, 2), Duration::from_secs(60));
        assert_eq!(next_delay(3600, 10), Duration::from_secs(3600));
    }

    #[test]
    fn rate_batches_are_checked_per_field() {
        let bad = vec![RateInput {
            base: "USD".into(),
            quote: "USD".into(),
            rate: Decimal::ZERO,
            as_of: None,
        }];
        match check_rates(&bad, "rates", Utc::now()) {
            Err(ApiError::Validation(errors)) => {
                let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["rates[0].quote", "rates[0].rate"]);
            }
            other => panic!("{other:?}"),
        }
    }
}
