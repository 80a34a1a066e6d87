//! Settlement estimates: price every route of a corridor with the fee schedule in force and the
//! latest rates, persist the answer, and show it only to those it concerns.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::api::{CreateEstimate, Estimate};
use super::cache::PricingData;
use super::engine::{self, EstimateError, EstimateLimits};
use super::fx;
use super::subject::{self, Payment};
use super::writer::{self, EstimateRow};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::config::Config;
use crate::db::schema::settlement_estimates as se;
use crate::error::{ApiError, ApiResult};
use crate::http::{Direction, Json, Page, PageParams};
use crate::idempotency::{self, Created, Idempotency};
use crate::money::{CurrencyCode, Money, MoneyError};

/// Maps an engine error to the request field it concerns.
pub fn estimate_error(e: EstimateError) -> ApiError {
    let (field, code) = match &e {
        EstimateError::Money(MoneyError::UnknownCurrency(_)) => {
            ("amount.currency", "unknown_currency")
        }
        EstimateError::Money(_) => ("amount.amount", "invalid_amount"),
        EstimateError::UnknownCorridor { .. } => ("buyer_country", "no_corridor"),
        EstimateError::TargetNotInr(_) => ("amount.currency", "not_inr"),
        EstimateError::BuyerCurrencyRequired | EstimateError::BuyerCurrencyMismatch { .. } => {
            ("buyer_currency", "invalid")
        }
        EstimateError::MissingRate { .. } => ("rates", "missing_rate"),
        EstimateError::SpreadExceedsRate { .. } => ("rates", "spread_exceeds_rate"),
        EstimateError::SearchDidNotConverge { .. } => ("amount.amount", "unreachable_target"),
        EstimateError::InvalidRate { .. } | EstimateError::InvalidSchedule(_) => {
            return ApiError::internal(e);
        }
    };
    let message = match &e {
        EstimateError::MissingRate { from, to } => {
            format!("no mid rate for {from}/{to}, directly or through USD; an admin must post one")
        }
        other => other.to_string(),
    };
    ApiError::field(field, code, message)
}

fn limits(config: &Config) -> EstimateLimits {
    EstimateLimits {
        max_amount_inr: Money::inr(config.estimate_max_inr.saturating_mul(100)),
        ..EstimateLimits::default()
    }
}

/// Who may see an estimate: the organisation that asked, the seller it names, admins, auditors.
fn visible(principal: &Principal, organisation_id: Uuid, seller_id: Option<Uuid>) -> bool {
    principal.organisation_id == organisation_id
        || (principal.role == Role::Seller && seller_id == Some(principal.organisation_id))
        || matches!(principal.role, Role::Admin | Role::Auditor)
}

/// Prices the request and stores the answer; returns it (the very bytes stored) and whether it
/// was replayed for a repeated `Idempotency-Key`.
///
/// Without a key the row goes to the group-commit writer; with one, it is inserted in the
/// transaction that records the key.
pub async fn create(
    state: &AppState,
    principal: &Principal,
    key: &Idempotency,
    body: Json<CreateEstimate>,
) -> ApiResult<(Created, bool)> {
    principal.require(&[Role::Seller, Role::Buyer, Role::Admin])?;
    let Json {
        value: req,
        fingerprint,
    } = body;
    let pool = &state.stores.platform;
    // Priced before any connection is held for the key: pricing takes connections of its own
    // (the cache refresh, the named seller), and a request holding one connection while it
    // waits for another deadlocks the pool under load. A replayed key wastes this pricing;
    // replays are rare and cheap next to a stalled pool.
    let data = state
        .pricing
        .get(pool, state.config.fx_feed_url.as_deref())
        .await?;
    let payment = subject::resolve(pool, principal, &req).await?;
    let estimate = price(&state.config, &data, principal.organisation_id, payment)?;
    let location = format!("/v1/settlement/estimates/{}", estimate.id);
    let (row, bytes) = to_row(principal, &estimate)?;
    let created = Created::from_bytes(location, bytes);
    let identity = key.identity(principal.user_id, &fingerprint);
    if identity.key.0.is_none() {
        state.estimates.write(row).await?;
        return Ok((created, false));
    }
    let mut conn = pool.get().await?;
    idempotency::run(&mut conn, identity, async |conn| {
        writer::insert_rows(conn, std::slice::from_ref(&row)).await?;
        Ok(created)
    })
    .await
}

/// Prices `payment` for `organisation_id` with the cached schedule and rates; stores nothing.
pub fn price(
    config: &Config,
    data: &PricingData,
    organisation_id: Uuid,
    payment: Payment,
) -> ApiResult<Estimate> {
    let Payment {
        request,
        seller_id,
        quote_id,
        listing_id,
    } = payment;
    let now = Utc::now();
    let (rates, used) = fx::derive(&data.rates, now, config.fx_max_age_secs);
    // The engine orders routes: by net INR for buyer_pays, by what the buyer pays for
    // seller_receives (where every route nets about the target).
    let routes = engine::estimate(&data.schedule, &rates, &request, &limits(config))
        .map_err(estimate_error)?;
    let rankings = engine::rankings(&routes);

    // Report the rates this answer depends on: the amount's, the buyer's, and every line's.
    let mut currencies: Vec<CurrencyCode> = vec![request.amount.currency];
    currencies.extend(request.buyer_currency);
    for route in &routes {
        if let Some(p) = &route.pricing {
            currencies.extend(p.lines.iter().map(|l| l.amount.currency));
            currencies.push(p.buyer_pays_total.currency);
        }
    }
    let used: Vec<_> = used
        .into_iter()
        .filter(|u| currencies.contains(&u.currency))
        .collect();
    let mut warnings: Vec<String> = used
        .iter()
        .filter(|u| u.stale)
        .map(|u| {
            format!(
                "the {} mid rate is {} h old (as of {}), older than the {} h limit; figures may be off",
                u.currency,
                u.age_seconds / 3600,
                u.as_of.to_rfc3339(),
                config.fx_max_age_secs / 3600
            )
        })
        .collect();
    warnings.extend(engine::no_usable_route(&routes, request.amount));
    if let Some(status) = &data.feed
        && status.consecutive_failures > 0
    {
        warnings.push(format!(
            "the FX feed has failed {} time(s) since its last success ({}); using the last good rates",
            status.consecutive_failures,
            status.last_error.as_deref().unwrap_or_default()
        ));
    }
    Ok(Estimate {
        id: Uuid::now_v7(),
        created_at: now,
        expires_at: now + Duration::seconds(config.estimate_ttl_secs),
        organisation_id,
        seller_id,
        quote_id,
        listing_id,
        request,
        fee_schedule: data.schedule_ref.clone(),
        rates: used,
        warnings,
        routes,
        rankings,
    })
}

/// Stored answers are zstd-compressed JSON (about a tenth of the size: the insert was the
/// estimate's largest cost). Each thread keeps its compression context: making one per call
/// was a tenth of the server's time.
fn compress(json: &[u8]) -> ApiResult<Vec<u8>> {
    use std::cell::RefCell;
    thread_local! {
        static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> =
            const { RefCell::new(None) };
    }
    COMPRESSOR.with_borrow_mut(|slot| {
        let compressor = match slot {
            Some(c) => c,
            None => slot.insert(zstd::bulk::Compressor::new(1).map_err(ApiError::internal)?),
        };
        compressor.compress(json).map_err(ApiError::internal)
    })
}

/// Rows converted by the migration from jsonb are plain JSON; new ones are zstd frames.
fn decompress(stored: &[u8]) -> ApiResult<Vec<u8>> {
    const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
    if stored.starts_with(&ZSTD_MAGIC) {
        zstd::stream::decode_all(stored).map_err(ApiError::internal)
    } else {
        Ok(stored.to_vec())
    }
}

/// The row that stores an estimate, and the JSON body to send: the very bytes stored
/// (compressed), so a later read is identical.
fn to_row(principal: &Principal, estimate: &Estimate) -> ApiResult<(EstimateRow, Vec<u8>)> {
    let request = serde_json::to_value(&estimate.request).map_err(ApiError::internal)?;
    // Answers are 16-40 KB: sized once instead of grown by doubling.
    let mut body = Vec::with_capacity(48 * 1024);
    serde_json::to_writer(&mut body, estimate).map_err(ApiError::internal)?;
    let row = EstimateRow {
        id: estimate.id,
        organisation_id: principal.organisation_id,
        requested_by: principal.user_id,
        seller_id: estimate.seller_id,
        quote_id: estimate.quote_id,
        listing_id: estimate.listing_id,
        fee_schedule_id: estimate.fee_schedule.id,
        fee_schedule_version: estimate.fee_schedule.version,
        request,
        response: compress(&body)?,
        created_at: estimate.created_at,
        expires_at: estimate.expires_at,
    };
    Ok((row, body))
}

/// Stores `estimate` (asked by `principal`) in the caller's transaction.
pub async fn store(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    estimate: &Estimate,
) -> ApiResult<()> {
    let (row, _) = to_row(principal, estimate)?;
    writer::insert_rows(conn, std::slice::from_ref(&row)).await
}

/// A stored estimate exactly as it was answered; 404 unless the caller may see it.
pub async fn get(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Vec<u8>> {
    let (org, seller, stored): (Uuid, Option<Uuid>, Vec<u8>) = se::table
        .find(id)
        .select((se::organisation_id, se::seller_id, se::response))
        .first(conn)
        .await?;
    if !visible(principal, org, seller) {
        return Err(ApiError::NotFound);
    }
    decompress(&stored)
}

/// Estimates the caller may see (its organisation's, and for a seller those naming it), newest
/// first, as stored.
pub async fn list(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    page: &PageParams,
) -> ApiResult<Page<Estimate>> {
    let keyset = page.keyset(Direction::NewestFirst)?;
    let mut query = se::table.into_boxed();
    if !matches!(principal.role, Role::Admin | Role::Auditor) {
        query = query.filter(
            se::organisation_id
                .eq(principal.organisation_id)
                .or(se::seller_id.eq(principal.organisation_id)),
        );
    }
    let rows: Vec<Vec<u8>> = keyset
        .apply(query, se::id)
        .select(se::response)
        .load(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(|v| serde_json::from_slice(&decompress(&v)?).map_err(ApiError::internal))
        .collect::<ApiResult<Vec<Estimate>>>()?;
    Ok(keyset.page(items, |e| e.id))
}
