//! Accepting a quote makes a trade. A trade is payment data: its record (parties, terms, the
//! settlement of the best route, where the rupees go) is written to the seller's in-country
//! store only, the platform keeping an opaque reference — the way payout accounts are kept.
//!
//! One request, two stores, nothing half-written: the in-country record is written first (no
//! store for the jurisdiction, or the store down: 503, nothing written); then one platform
//! transaction awards the RFQ under its row lock, accepts the quote, declines the others,
//! stores the estimate and the trade and queues the webhooks. If that transaction fails (or
//! loses a race with another accept) the in-country record is deleted again.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::quotes::{best_route, load_quote, price_quote};
use super::rfqs::{Viewer, decline_live_quotes, ensure_open, load, viewer};
use super::views::{currency, incoterm, terms_view};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::db::schema::{quotes, rfqs, sellers, trade_records, trades};
use crate::db::{PgPool, Stores};
use crate::error::{ApiError, ApiResult};
use crate::idempotency::{self, Created, Idempotency};
use crate::money::Money;
use crate::paging::{Direction, PageParams};
use crate::rfq::api::{QuoteSettlement, QuoteStatus, RfqStatus, Trade, TradeRecord};
use crate::rfq::model::{TradeRecordRow, TradeRow};
use crate::sellers::in_country_store;
use crate::sellers::model::{SellerRow, seller_summary};

fn record_view(r: &TradeRecordRow) -> ApiResult<TradeRecord> {
    let ccy = currency(&r.currency)?;
    Ok(TradeRecord {
        product: r.product.clone(),
        quantity: r.quantity,
        unit: r.unit,
        quote_revision: r.quote_revision,
        unit_price: Money::from_minor(r.unit_price_minor, ccy),
        total: Money::from_minor(r.total_minor, ccy),
        incoterm: incoterm(&r.incoterm)?,
        named_place: r.named_place.clone(),
        buyer_company_name: r.buyer_company_name.clone(),
        buyer_country_code: r.buyer_country_code.clone(),
        settlement: serde_json::from_value::<Option<QuoteSettlement>>(
            r.settlement["best_route"].clone(),
        )
        .map_err(ApiError::internal)?,
    })
}

fn trade_view(t: &TradeRow, seller: &SellerRow, record: &TradeRecordRow) -> ApiResult<Trade> {
    Ok(Trade {
        id: t.id,
        rfq_id: t.rfq_id,
        quote_id: t.quote_id,
        buyer_organisation_id: t.buyer_organisation_id,
        seller: seller_summary(seller),
        estimate_id: t.estimate_id,
        home_jurisdiction: t.home_jurisdiction.clone(),
        record: record_view(record)?,
        created_at: t.created_at,
    })
}

async fn delete_record(pool: &PgPool, id: Uuid) {
    let deleted = match pool.get().await {
        Ok(mut conn) => diesel::delete(trade_records::table.find(id))
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = deleted {
        // Left for a reconciliation sweep: a record no trade points at.
        tracing::error!(error = %e, trade_record = %id, "could not delete an unreferenced trade record");
    }
}

/// Accepts a quote of the caller's open RFQ (once per `Idempotency-Key`): the RFQ is awarded,
/// the other live quotes declined, the sellers and the buyer told, and a trade made.
pub async fn accept(
    state: &AppState,
    principal: &Principal,
    quote_id: Uuid,
    key: &Idempotency,
) -> ApiResult<(Created, bool)> {
    principal.require(&[Role::Buyer])?;
    let data = state
        .pricing
        .get(&state.stores.platform, state.config.fx_feed_url.as_deref())
        .await?;
    // Read and check with one platform connection, given back before the in-country store is
    // written.
    let (quote, seller, rfq, buyer) = {
        let mut conn = state.stores.platform().await?;
        let (quote, seller) = load_quote(&mut conn, quote_id, false).await?;
        let (rfq, buyer) = load(&mut conn, quote.rfq_id, false).await?;
        if viewer(&mut conn, principal, &rfq).await? != Viewer::Owner {
            return Err(ApiError::NotFound);
        }
        (quote, seller, rfq, buyer)
    };
    // The request has no body: every accept of this quote with the key is the same request.
    let identity = key.identity(principal.user_id, &[0; 32]);
    if identity.key.0.is_none() {
        // Without a key a repeated accept is a conflict; with one it replays (below).
        check_acceptable(&rfq, quote.status, quote.terms.valid_until)?;
    }
    let estimate = price_quote(state, &data, &quote, &seller, &rfq, &buyer.country_code).ok();
    let best = estimate.as_ref().and_then(|e| best_route(e, true));
    let terms = terms_view(&quote.terms)?;
    let now = Utc::now();
    let trade_id = Uuid::now_v7();
    let record = TradeRecordRow {
        id: Uuid::now_v7(),
        trade_id,
        rfq_id: rfq.id,
        quote_id: quote.id,
        quote_revision: quote.revision,
        buyer_organisation_id: rfq.buyer_organisation_id,
        buyer_company_name: buyer.company_name.clone(),
        buyer_country_code: buyer.country_code.clone(),
        seller_id: seller.id,
        product: rfq.columns.product.clone(),
        quantity: quote.terms.quantity,
        unit: rfq.columns.unit,
        unit_price_minor: quote.terms.unit_price_minor,
        total_minor: terms.total.minor,
        currency: quote.terms.currency.clone(),
        incoterm: quote.terms.incoterm.clone(),
        named_place: quote.terms.named_place.clone(),
        estimate_id: best.as_ref().and(estimate.as_ref()).map(|e| e.id),
        settlement: json!({ "best_route": best }),
        payout_account_ref: seller.payout_account_ref,
        created_at: now,
        home_jurisdiction: seller.home_jurisdiction.clone(),
    };
    let local = in_country_store(&state.stores, &seller.home_jurisdiction)?;
    diesel::insert_into(trade_records::table)
        .values(&record)
        .execute(&mut *local.get().await?)
        .await?;

    let platform = async {
        let mut conn = state.stores.platform().await?;
        idempotency::run(&mut conn, identity, async |conn| {
            award(
                conn,
                principal,
                &quote,
                &seller,
                &record,
                estimate.as_ref(),
                best.is_some(),
            )
            .await
        })
        .await
    }
    .await;
    match platform {
        Ok((created, false)) => Ok((created, false)),
        Ok((replayed, true)) => {
            // The key's first request made the trade; this record is not it.
            delete_record(local, record.id).await;
            Ok((replayed, true))
        }
        Err(e) => {
            delete_record(local, record.id).await;
            Err(e)
        }
    }
}

fn check_acceptable(
    rfq: &crate::rfq::model::RfqRow,
    status: QuoteStatus,
    valid_until: chrono::DateTime<Utc>,
) -> ApiResult<()> {
    ensure_open(rfq)?;
    if status != QuoteStatus::Submitted {
        return Err(ApiError::Conflict(format!(
            "the quote is {status} and cannot be accepted"
        )));
    }
    if valid_until <= Utc::now() {
        return Err(ApiError::Conflict(
            "the quote has expired: ask the seller to revise it".into(),
        ));
    }
    Ok(())
}

/// The platform's part, under the RFQ's row lock: checks again (another accept may have won),
/// awards, declines, stores the estimate and the trade, queues the webhooks.
async fn award(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    quote: &crate::rfq::model::QuoteRow,
    seller: &SellerRow,
    record: &TradeRecordRow,
    estimate: Option<&crate::settlement::api::Estimate>,
    store_estimate: bool,
) -> ApiResult<Created> {
    let (rfq, _) = load(conn, quote.rfq_id, true).await?;
    let (current, _) = load_quote(conn, quote.id, true).await?;
    check_acceptable(&rfq, current.status, current.terms.valid_until)?;
    if current.revision != quote.revision {
        return Err(ApiError::Conflict(
            "the quote was revised while it was being accepted: look at it again".into(),
        ));
    }
    let now = Utc::now();
    diesel::update(rfqs::table.find(rfq.id))
        .set((
            rfqs::status.eq(RfqStatus::Awarded),
            rfqs::awarded_quote_id.eq(quote.id),
            rfqs::version.eq(rfqs::version + 1),
            rfqs::updated_at.eq(now),
        ))
        .execute(conn)
        .await?;
    diesel::update(quotes::table.find(quote.id))
        .set((
            quotes::status.eq(QuoteStatus::Accepted),
            quotes::updated_at.eq(now),
        ))
        .execute(conn)
        .await?;
    let estimate_id = match estimate {
        Some(e) if store_estimate => {
            crate::settlement::store(conn, principal, e).await?;
            Some(e.id)
        }
        _ => None,
    };
    let trade: TradeRow = diesel::insert_into(trades::table)
        .values(&TradeRow {
            id: record.trade_id,
            rfq_id: rfq.id,
            quote_id: quote.id,
            buyer_organisation_id: rfq.buyer_organisation_id,
            seller_id: seller.id,
            estimate_id,
            accepted_by: principal.user_id,
            record_ref: record.id,
            home_jurisdiction: record.home_jurisdiction.clone(),
            created_at: now,
        })
        .returning(TradeRow::as_returning())
        .get_result(conn)
        .await?;
    let event = json!({ "rfq_id": rfq.id, "quote_id": quote.id, "trade_id": trade.id });
    crate::webhooks::publish(
        conn,
        seller.organisation_id,
        "quote.accepted",
        event.clone(),
    )
    .await?;
    crate::webhooks::publish(conn, rfq.buyer_organisation_id, "rfq.awarded", event).await?;
    // The quote accepted above is no longer live: the others are.
    decline_live_quotes(conn, rfq.id, "quote.declined", json!({ "rfq_id": rfq.id })).await?;
    Created::new(
        format!("/v1/trades/{}", trade.id),
        &trade_view(&trade, seller, record)?,
    )
}

/// Who may see a trade: the buyer organisation, the seller, admins and auditors.
fn may_see(principal: &Principal, trade: &TradeRow, seller: &SellerRow) -> bool {
    match principal.role {
        Role::Buyer => principal.organisation_id == trade.buyer_organisation_id,
        Role::Seller => principal.organisation_id == seller.organisation_id,
        Role::Admin | Role::Auditor => true,
        _ => false,
    }
}

/// The records of `trades`, read from their in-country stores (one query per store).
async fn records(
    stores: &Stores,
    rows: &[(TradeRow, SellerRow)],
) -> ApiResult<std::collections::HashMap<Uuid, TradeRecordRow>> {
    let mut by_store: std::collections::BTreeMap<&str, Vec<Uuid>> = Default::default();
    for (t, _) in rows {
        by_store
            .entry(&t.home_jurisdiction)
            .or_default()
            .push(t.record_ref);
    }
    let mut out = std::collections::HashMap::new();
    for (jurisdiction, refs) in by_store {
        let pool = in_country_store(stores, jurisdiction)?;
        let found: Vec<TradeRecordRow> = trade_records::table
            .filter(trade_records::id.eq_any(&refs))
            .select(TradeRecordRow::as_select())
            .load(&mut *pool.get().await?)
            .await?;
        out.extend(found.into_iter().map(|r| (r.id, r)));
    }
    Ok(out)
}

fn views(
    rows: &[(TradeRow, SellerRow)],
    records: &std::collections::HashMap<Uuid, TradeRecordRow>,
) -> ApiResult<Vec<Trade>> {
    rows.iter()
        .map(|(t, s)| {
            let record = records.get(&t.record_ref).ok_or_else(|| {
                ApiError::internal(format!("trade {} has no in-country record", t.id))
            })?;
            trade_view(t, s, record)
        })
        .collect()
}

/// A trade with its record from the in-country store; 404 for anyone it does not concern.
pub async fn get(stores: &Stores, principal: &Principal, id: Uuid) -> ApiResult<Trade> {
    let row: (TradeRow, SellerRow) = trades::table
        .inner_join(sellers::table)
        .filter(trades::id.eq(id))
        .select((TradeRow::as_select(), SellerRow::as_select()))
        .first(&mut *stores.platform().await?)
        .await?;
    if !may_see(principal, &row.0, &row.1) {
        return Err(ApiError::NotFound);
    }
    let rows = [row];
    let records = records(stores, &rows).await?;
    views(&rows, &records)?
        .pop()
        .ok_or_else(|| ApiError::internal("one trade in, none out"))
}

/// The caller's trades (a buyer's organisation's, a seller's own; admins and auditors all),
/// newest first.
pub async fn list(
    stores: &Stores,
    principal: &Principal,
    page: &PageParams,
) -> ApiResult<crate::http::Page<Trade>> {
    let keyset = page.keyset(Direction::NewestFirst)?;
    let rows: Vec<(TradeRow, SellerRow)> = {
        let mut conn = stores.platform().await?;
        let mut query = trades::table
            .inner_join(sellers::table)
            .select((TradeRow::as_select(), SellerRow::as_select()))
            .into_boxed();
        query = match principal.role {
            Role::Buyer => {
                query.filter(trades::buyer_organisation_id.eq(principal.organisation_id))
            }
            Role::Seller => query.filter(sellers::organisation_id.eq(principal.organisation_id)),
            Role::Admin | Role::Auditor => query,
            _ => {
                return Err(ApiError::Forbidden(
                    "trades are for buyers, sellers and staff".into(),
                ));
            }
        };
        keyset.apply(query, trades::id).load(&mut conn).await?
    };
    let records = records(stores, &rows).await?;
    Ok(keyset.page(views(&rows, &records)?, |t| t.id))
}
