//! Quotes: an approved seller answers an open RFQ it was matched to (one quote per seller per
//! RFQ), revises it (`If-Match`; every revision kept) or withdraws it; the buyer compares the
//! quotes of its RFQ, each with its total in the RFQ's currency and the best payment route.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::rfqs::{Viewer, ensure_open, load, viewer};
use super::validation::parse_quote;
use super::views::{currency, revision_view, terms_view};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::db::schema::{quote_revisions, quotes, rfq_leads, sellers};
use crate::error::{ApiError, ApiResult};
use crate::http::{IfMatch, Json, etag};
use crate::idempotency::{self, Created, Idempotency};
use crate::rfq::api::{
    Quote, QuoteComparison, QuoteList, QuoteRequest, QuoteSettlement, QuoteStatus,
};
use crate::rfq::model::{QuoteRevisionRow, QuoteRow, QuoteTermsColumns, RfqRow};
use crate::sellers::api::SellerStatus;
use crate::sellers::model::{SellerRow, seller_summary};
use crate::sellers::own_profile;
use crate::settlement::engine::{BearerSelection, Direction, EstimateRequest};
use crate::settlement::{Payment, api::Estimate};

/// The most quotes an RFQ lists (one per seller; sellers quote only on their leads).
pub const MAX_QUOTES: i64 = 100;
/// The most revisions a quote may have (every one is kept and shown).
pub const MAX_REVISIONS: i32 = 50;

/// A quote, its seller and its revisions (oldest first).
pub(super) async fn load_quote(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    lock: bool,
) -> ApiResult<(QuoteRow, SellerRow)> {
    let query = quotes::table.find(id).select(QuoteRow::as_select());
    let row = if lock {
        query.for_update().first(conn).await?
    } else {
        query.first(conn).await?
    };
    let seller = sellers::table
        .find(row.seller_id)
        .select(SellerRow::as_select())
        .first(conn)
        .await?;
    Ok((row, seller))
}

async fn revisions(
    conn: &mut AsyncPgConnection,
    quote_ids: &[Uuid],
) -> ApiResult<Vec<QuoteRevisionRow>> {
    Ok(quote_revisions::table
        .filter(quote_revisions::quote_id.eq_any(quote_ids))
        .order((quote_revisions::quote_id, quote_revisions::revision))
        .select(QuoteRevisionRow::as_select())
        .load(conn)
        .await?)
}

pub(super) fn quote_view(
    row: &QuoteRow,
    seller: &SellerRow,
    history: &[QuoteRevisionRow],
) -> ApiResult<Quote> {
    Ok(Quote {
        id: row.id,
        rfq_id: row.rfq_id,
        seller: seller_summary(seller),
        status: row.status,
        revision: row.revision,
        terms: terms_view(&row.terms)?,
        revisions: history
            .iter()
            .filter(|r| r.quote_id == row.id)
            .map(revision_view)
            .collect::<ApiResult<_>>()?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn revision_row(
    quote: &QuoteRow,
    terms: &QuoteTermsColumns,
    principal: &Principal,
) -> QuoteRevisionRow {
    QuoteRevisionRow {
        id: Uuid::now_v7(),
        quote_id: quote.id,
        revision: quote.revision,
        unit_price_minor: terms.unit_price_minor,
        currency: terms.currency.clone(),
        quantity: terms.quantity,
        incoterm: terms.incoterm.clone(),
        named_place: terms.named_place.clone(),
        lead_time_days: terms.lead_time_days,
        valid_until: terms.valid_until,
        notes: terms.notes.clone(),
        submitted_by: principal.user_id,
        created_at: quote.updated_at,
        home_jurisdiction: quote.home_jurisdiction.clone(),
    }
}

/// The calling seller may quote on `rfq`: approved, matched to it, the RFQ open.
async fn ensure_may_quote(
    conn: &mut AsyncPgConnection,
    seller: &SellerRow,
    rfq: &RfqRow,
) -> ApiResult<()> {
    let lead: i64 = rfq_leads::table
        .filter(rfq_leads::rfq_id.eq(rfq.id))
        .filter(rfq_leads::seller_id.eq(seller.id))
        .count()
        .get_result(conn)
        .await?;
    if lead == 0 {
        // An RFQ the seller was not matched to does not exist for it.
        return Err(ApiError::NotFound);
    }
    if seller.status != SellerStatus::Approved {
        return Err(ApiError::Conflict(format!(
            "the seller is {} and may not quote",
            seller.status
        )));
    }
    ensure_open(rfq)
}

/// Submits the calling seller's quote on an RFQ it was matched to (once per
/// `Idempotency-Key`); the buyer is told (`quote.submitted`).
pub async fn submit(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    rfq_id: Uuid,
    key: &Idempotency,
    req: Json<QuoteRequest>,
) -> ApiResult<(Created, bool)> {
    principal.require(&[Role::Seller])?;
    let Json { value, fingerprint } = req;
    let terms = parse_quote(value, Utc::now())?;
    let identity = key.identity(principal.user_id, &fingerprint);
    idempotency::run(conn, identity, async |conn| {
        let seller = own_profile(conn, principal).await?;
        let (rfq, _) = load(conn, rfq_id, true).await?;
        ensure_may_quote(conn, &seller, &rfq).await?;
        let existing: Option<Uuid> = quotes::table
            .filter(quotes::rfq_id.eq(rfq_id))
            .filter(quotes::seller_id.eq(seller.id))
            .select(quotes::id)
            .first(conn)
            .await
            .optional()?;
        if let Some(id) = existing {
            return Err(ApiError::Conflict(format!(
                "the seller has a quote on this RFQ already: revise it with PUT /v1/quotes/{id}"
            )));
        }
        let row: QuoteRow = diesel::insert_into(quotes::table)
            .values((
                quotes::id.eq(Uuid::now_v7()),
                quotes::rfq_id.eq(rfq_id),
                quotes::seller_id.eq(seller.id),
                quotes::submitted_by.eq(principal.user_id),
                quotes::home_jurisdiction.eq(&seller.home_jurisdiction),
                &terms,
            ))
            .returning(QuoteRow::as_returning())
            .get_result(conn)
            .await?;
        let revision = revision_row(&row, &terms, principal);
        diesel::insert_into(quote_revisions::table)
            .values(&revision)
            .execute(conn)
            .await?;
        crate::webhooks::publish(
            conn,
            rfq.buyer_organisation_id,
            "quote.submitted",
            json!({ "rfq_id": rfq_id, "quote_id": row.id, "revision": 1 }),
        )
        .await?;
        let view = quote_view(&row, &seller, std::slice::from_ref(&revision))?;
        Created::new(format!("/v1/quotes/{}", row.id), &view)
    })
    .await
}

/// Who may see a quote: its seller, the RFQ's buyer, admins and auditors; 404 for anyone else.
async fn quote_viewer(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    quote: &QuoteRow,
    seller: &SellerRow,
    lock_rfq: bool,
) -> ApiResult<(Viewer, RfqRow)> {
    let (rfq, _) = load(conn, quote.rfq_id, lock_rfq).await?;
    let own = principal.role == Role::Seller && principal.organisation_id == seller.organisation_id;
    let viewer = match principal.role {
        Role::Seller if own => Viewer::Seller {
            seller_id: seller.id,
            accepted: quote.status == QuoteStatus::Accepted,
        },
        Role::Seller => return Err(ApiError::NotFound),
        _ => viewer(conn, principal, &rfq).await?,
    };
    Ok((viewer, rfq))
}

/// Locks the quote's RFQ, then the quote (the order every writer of both takes, so that an
/// accept and a revision never wait on each other in a cycle), after checking who may see it.
async fn lock_rfq_then_quote(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<(QuoteRow, SellerRow, RfqRow)> {
    let (quote, seller) = load_quote(conn, id, false).await?;
    let (_, rfq) = quote_viewer(conn, principal, &quote, &seller, true).await?;
    let (current, seller) = load_quote(conn, id, true).await?;
    Ok((current, seller, rfq))
}

/// A quote with its revisions.
pub async fn get(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Quote> {
    let (row, seller) = load_quote(conn, id, false).await?;
    quote_viewer(conn, principal, &row, &seller, false).await?;
    let history = revisions(conn, &[row.id]).await?;
    quote_view(&row, &seller, &history)
}

/// Revises the calling seller's quote (`If-Match` with its revision): a new revision with every
/// field replaced; a withdrawn quote becomes live again. The RFQ must still be open.
pub async fn revise(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    req: QuoteRequest,
) -> ApiResult<Quote> {
    principal.require(&[Role::Seller])?;
    let terms = parse_quote(req, Utc::now())?;
    conn.transaction(async |conn| {
        let (current, seller, rfq) = lock_rfq_then_quote(conn, principal, id).await?;
        if_match.require(&etag(current.revision))?;
        ensure_may_quote(conn, &seller, &rfq).await?;
        if !matches!(
            current.status,
            QuoteStatus::Submitted | QuoteStatus::Withdrawn
        ) {
            return Err(ApiError::Conflict(format!(
                "the quote is {} and cannot be revised",
                current.status
            )));
        }
        if current.revision >= MAX_REVISIONS {
            return Err(ApiError::Conflict(format!(
                "the quote has {MAX_REVISIONS} revisions, the most it may have"
            )));
        }
        let row: QuoteRow = diesel::update(quotes::table.find(id))
            .set((
                &terms,
                quotes::status.eq(QuoteStatus::Submitted),
                quotes::revision.eq(current.revision + 1),
                quotes::submitted_by.eq(principal.user_id),
                quotes::updated_at.eq(Utc::now()),
            ))
            .returning(QuoteRow::as_returning())
            .get_result(conn)
            .await?;
        diesel::insert_into(quote_revisions::table)
            .values(revision_row(&row, &terms, principal))
            .execute(conn)
            .await?;
        crate::webhooks::publish(
            conn,
            rfq.buyer_organisation_id,
            "quote.revised",
            json!({ "rfq_id": rfq.id, "quote_id": id, "revision": row.revision }),
        )
        .await?;
        let history = revisions(conn, &[id]).await?;
        quote_view(&row, &seller, &history)
    })
    .await
}

/// Withdraws the calling seller's live quote (`If-Match` when given).
pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<Quote> {
    principal.require(&[Role::Seller])?;
    conn.transaction(async |conn| {
        let (current, seller, rfq) = lock_rfq_then_quote(conn, principal, id).await?;
        if_match.check_if_present(&etag(current.revision))?;
        if current.status != QuoteStatus::Submitted {
            return Err(ApiError::Conflict(format!(
                "the quote is {} and cannot be withdrawn",
                current.status
            )));
        }
        let row: QuoteRow = diesel::update(quotes::table.find(id))
            .set((
                quotes::status.eq(QuoteStatus::Withdrawn),
                quotes::updated_at.eq(Utc::now()),
            ))
            .returning(QuoteRow::as_returning())
            .get_result(conn)
            .await?;
        crate::webhooks::publish(
            conn,
            rfq.buyer_organisation_id,
            "quote.withdrawn",
            json!({ "rfq_id": rfq.id, "quote_id": id }),
        )
        .await?;
        let history = revisions(conn, &[id]).await?;
        quote_view(&row, &seller, &history)
    })
    .await
}

/// The best usable route of `estimate`, as a quote shows it.
pub(super) fn best_route(estimate: &Estimate, stored: bool) -> Option<QuoteSettlement> {
    let route = estimate.routes.iter().find(|r| r.usable())?;
    let pricing = route.pricing.as_ref()?;
    Some(QuoteSettlement {
        estimate_id: stored.then_some(estimate.id),
        route_id: route.id.clone(),
        route_name: route.route_name.clone(),
        buyer_pays: pricing.buyer_pays_total,
        seller_nets: pricing.net_inr,
        warnings: estimate.warnings.clone(),
    })
}

/// What paying `quote` costs by every route, priced for the buyer (not stored).
pub(super) fn price_quote(
    state: &AppState,
    data: &crate::settlement::cache::PricingData,
    quote: &QuoteRow,
    seller: &SellerRow,
    rfq: &RfqRow,
    buyer_country: &str,
) -> ApiResult<Estimate> {
    let total = terms_view(&quote.terms)?.total;
    crate::settlement::price(
        &state.config,
        data,
        rfq.buyer_organisation_id,
        Payment {
            request: EstimateRequest {
                buyer_country: buyer_country.to_owned(),
                direction: Direction::BuyerPays,
                amount: total,
                buyer_currency: None,
                charge_bearer: BearerSelection::All,
            },
            seller_id: Some(seller.organisation_id),
            quote_id: Some(quote.id),
            listing_id: None,
        },
    )
}

/// The quotes of an RFQ: for its buyer (and admins, auditors) all of them, for a seller its own;
/// each with its total in the RFQ's currency and the best payment route, cheapest total first.
pub async fn list_for_rfq(
    state: &AppState,
    principal: &Principal,
    rfq_id: Uuid,
) -> ApiResult<QuoteList> {
    let data = state
        .pricing
        .get(&state.stores.platform, state.config.fx_feed_url.as_deref())
        .await?;
    let (rates, _) =
        crate::settlement::fx::derive(&data.rates, Utc::now(), state.config.fx_max_age_secs);
    // Read everything, then give the connection back before pricing.
    let (rfq, buyer, rows, history) = {
        let mut conn = state.stores.platform().await?;
        let (rfq, buyer) = load(&mut conn, rfq_id, false).await?;
        let viewer = viewer(&mut conn, principal, &rfq).await?;
        let mut query = quotes::table
            .inner_join(sellers::table)
            .filter(quotes::rfq_id.eq(rfq_id))
            .select((QuoteRow::as_select(), SellerRow::as_select()))
            .order(quotes::id)
            .limit(MAX_QUOTES)
            .into_boxed();
        if let Viewer::Seller { seller_id, .. } = viewer {
            query = query.filter(quotes::seller_id.eq(seller_id));
        }
        let rows: Vec<(QuoteRow, SellerRow)> = query.load(&mut conn).await?;
        let ids: Vec<Uuid> = rows.iter().map(|(q, _)| q.id).collect();
        let history = revisions(&mut conn, &ids).await?;
        (rfq, buyer, rows, history)
    };
    let rfq_currency = currency(&rfq.columns.currency)?;
    let mut items = rows
        .iter()
        .map(|(quote, seller)| {
            let view = quote_view(quote, seller, &history)?;
            let total_in_rfq_currency = rates.convert(view.terms.total, rfq_currency).ok();
            let (settlement, settlement_error) =
                match price_quote(state, &data, quote, seller, &rfq, &buyer.country_code) {
                    Ok(estimate) => match best_route(&estimate, false) {
                        Some(best) => (Some(best), None),
                        None => (None, Some("no route can carry this payment".to_owned())),
                    },
                    Err(e) => (None, Some(e.problem().detail)),
                };
            Ok(QuoteComparison {
                quote: view,
                total_in_rfq_currency,
                settlement,
                settlement_error,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    items.sort_by_key(|c| {
        (
            c.total_in_rfq_currency.map(|m| m.minor).unwrap_or(i64::MAX),
            c.quote.id,
        )
    });
    Ok(QuoteList { items })
}
