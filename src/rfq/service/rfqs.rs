//! RFQs: create (once per `Idempotency-Key`; matched at once, the matched sellers told), read,
//! list, replace (`If-Match`; matched again), close, and the ranking on demand. Buyers write
//! their own; a seller reads an RFQ it was matched to or quoted on (never the buyer's contact
//! before acceptance); admins and auditors read all; everyone else gets 404.

use std::collections::HashSet;

use chrono::Utc;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::buyers;
use super::validation::parse_rfq;
use super::views::{currency, incoterm, rfq_view};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::db::schema::{buyer_profiles, quotes, rfq_leads, rfqs, sellers};
use crate::error::{ApiError, ApiResult};
use crate::http::{IfMatch, Json, etag};
use crate::idempotency::{self, Created, Idempotency};
use crate::matching::{self, Found, MatchRequest, Weights};
use crate::money::Money;
use crate::paging::{Direction, PageParams};
use crate::rfq::api::{
    CloseRfqRequest, QuoteStatus, Rfq, RfqMatches, RfqPage, RfqRequest, RfqStatus,
};
use crate::rfq::model::{BuyerProfileRow, LeadRow, RfqColumns, RfqRow};
use crate::settlement::engine::Rates;
use crate::vocabulary::Vocabulary;

/// Sellers stored as leads of an RFQ (and told of it) when it is created or changed.
pub const LEADS_PER_RFQ: usize = 20;

/// What matching needs besides the RFQ: the latest rates and the configured weights (read
/// before a connection is taken) and the statement timeout.
pub struct MatchingInputs {
    pub rates: Rates,
    pub weights: Weights,
    pub timeout_ms: u64,
}

impl MatchingInputs {
    /// Reads the rates (the shared cache may take a connection of its own): before the caller
    /// takes one.
    pub async fn load(state: &AppState) -> ApiResult<Self> {
        let (rates, _) = crate::settlement::latest_rates(state).await?;
        Ok(Self {
            rates,
            weights: state.matching_weights,
            timeout_ms: state.config.search_timeout_ms,
        })
    }
}

/// How the caller relates to an RFQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Viewer {
    /// A member of the buyer organisation that posted it.
    Owner,
    /// A seller matched to it or that quoted on it; `accepted` once its quote was accepted.
    Seller { seller_id: Uuid, accepted: bool },
    /// Admins and auditors.
    Staff,
}

impl Viewer {
    fn sees_contact(self) -> bool {
        match self {
            Viewer::Owner | Viewer::Staff => true,
            Viewer::Seller { accepted, .. } => accepted,
        }
    }
}

/// An RFQ and its buyer's profile, the RFQ locked for update when asked.
pub(super) async fn load(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    lock: bool,
) -> ApiResult<(RfqRow, BuyerProfileRow)> {
    let query = rfqs::table.find(id).select(RfqRow::as_select());
    let row = if lock {
        query.for_update().first(conn).await?
    } else {
        query.first(conn).await?
    };
    let buyer = buyer_profiles::table
        .find(row.buyer_organisation_id)
        .select(BuyerProfileRow::as_select())
        .first(conn)
        .await?;
    Ok((row, buyer))
}

/// The caller's relation to `rfq`; 404 when it has none.
pub(super) async fn viewer(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    rfq: &RfqRow,
) -> ApiResult<Viewer> {
    match principal.role {
        Role::Buyer if principal.organisation_id == rfq.buyer_organisation_id => Ok(Viewer::Owner),
        Role::Admin | Role::Auditor => Ok(Viewer::Staff),
        Role::Seller => {
            let seller_id: Option<Uuid> = sellers::table
                .filter(sellers::organisation_id.eq(principal.organisation_id))
                .select(sellers::id)
                .first(conn)
                .await
                .optional()?;
            let Some(seller_id) = seller_id else {
                return Err(ApiError::NotFound);
            };
            let lead: i64 = rfq_leads::table
                .filter(rfq_leads::rfq_id.eq(rfq.id))
                .filter(rfq_leads::seller_id.eq(seller_id))
                .count()
                .get_result(conn)
                .await?;
            let quote: Option<QuoteStatus> = quotes::table
                .filter(quotes::rfq_id.eq(rfq.id))
                .filter(quotes::seller_id.eq(seller_id))
                .select(quotes::status)
                .first(conn)
                .await
                .optional()?;
            if lead == 0 && quote.is_none() {
                return Err(ApiError::NotFound);
            }
            Ok(Viewer::Seller {
                seller_id,
                accepted: quote == Some(QuoteStatus::Accepted),
            })
        }
        _ => Err(ApiError::NotFound),
    }
}

/// What matching reads of an RFQ.
pub(super) fn match_request(rfq_id: Option<Uuid>, c: &RfqColumns) -> ApiResult<MatchRequest> {
    let ccy = currency(&c.currency)?;
    Ok(MatchRequest {
        rfq_id,
        product: c.product.clone(),
        description: c.description.clone(),
        hs_code: c.hs_code.clone(),
        sector: c.sector,
        quantity: c.quantity,
        unit: c.unit,
        target_unit_price: c.target_unit_price_minor.map(|m| Money::from_minor(m, ccy)),
        incoterm: c.incoterm.as_deref().map(incoterm).transpose()?,
        needed_by: c.needed_by,
        certifications: c.certifications.clone(),
    })
}

/// Matches `rfq` and stores its leads in the caller's transaction: the new ranking's sellers
/// become current leads (keeping when each was first offered), earlier ones stop being current;
/// sellers matched for the first time are told (`rfq.matched`).
async fn match_and_store(
    conn: &mut AsyncPgConnection,
    rfq: &RfqRow,
    inputs: &MatchingInputs,
) -> ApiResult<()> {
    matching::bound_transaction(conn, inputs.timeout_ms).await?;
    let request = match_request(Some(rfq.id), &rfq.columns)?;
    let Found { list, sellers } = matching::find_in(
        conn,
        &request,
        &inputs.rates,
        &inputs.weights,
        LEADS_PER_RFQ,
    )
    .await?;
    let known: HashSet<Uuid> = rfq_leads::table
        .filter(rfq_leads::rfq_id.eq(rfq.id))
        .select(rfq_leads::seller_id)
        .load::<Uuid>(conn)
        .await?
        .into_iter()
        .collect();
    diesel::update(rfq_leads::table.filter(rfq_leads::rfq_id.eq(rfq.id)))
        .set(rfq_leads::current.eq(false))
        .execute(conn)
        .await?;
    let now = Utc::now();
    let rows = list
        .matches
        .iter()
        .zip(&sellers)
        .map(|(m, s)| {
            Ok(LeadRow {
                id: Uuid::now_v7(),
                rfq_id: rfq.id,
                seller_id: s.seller_id,
                listing_id: m.listing_id,
                rank: m.rank,
                score: m.score,
                factors: serde_json::to_value(&m.factors).map_err(ApiError::internal)?,
                offered_at: now,
                current: true,
                home_jurisdiction: s.home_jurisdiction.clone(),
                updated_at: now,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(rfq_leads::table)
        .values(&rows)
        .on_conflict((rfq_leads::rfq_id, rfq_leads::seller_id))
        .do_update()
        .set((
            rfq_leads::listing_id.eq(excluded(rfq_leads::listing_id)),
            rfq_leads::rank.eq(excluded(rfq_leads::rank)),
            rfq_leads::score.eq(excluded(rfq_leads::score)),
            rfq_leads::factors.eq(excluded(rfq_leads::factors)),
            rfq_leads::current.eq(true),
            rfq_leads::updated_at.eq(now),
        ))
        .execute(conn)
        .await?;
    for (m, s) in list.matches.iter().zip(&sellers) {
        if known.contains(&s.seller_id) {
            continue;
        }
        crate::webhooks::publish(
            conn,
            m.seller.id,
            "rfq.matched",
            json!({
                "rfq_id": rfq.id,
                "product": rfq.columns.product,
                "quantity": rfq.columns.quantity,
                "unit": rfq.columns.unit,
                "destination_country": rfq.columns.destination_country,
                "valid_until": rfq.columns.valid_until,
                "rank": m.rank,
                "score": m.score,
            }),
        )
        .await?;
    }
    Ok(())
}

/// Creates an open RFQ of the caller's buyer organisation and matches it (`inputs` read before
/// `conn` was taken).
pub async fn create(
    conn: &mut AsyncPgConnection,
    inputs: &MatchingInputs,
    principal: &Principal,
    key: &Idempotency,
    req: Json<RfqRequest>,
) -> ApiResult<(Created, bool)> {
    principal.require(&[Role::Buyer])?;
    principal.require_verified()?;
    let Json { value, fingerprint } = req;
    let columns = parse_rfq(value, Utc::now())?;
    let identity = key.identity(principal.user_id, &fingerprint);
    idempotency::run(conn, identity, async |conn| {
        let buyer = buyers::own(conn, principal).await?;
        let row: RfqRow = diesel::insert_into(rfqs::table)
            .values((
                rfqs::id.eq(Uuid::now_v7()),
                rfqs::buyer_organisation_id.eq(principal.organisation_id),
                rfqs::created_by.eq(principal.user_id),
                &columns,
            ))
            .returning(RfqRow::as_returning())
            .get_result(conn)
            .await?;
        match_and_store(conn, &row, inputs).await?;
        let view = rfq_view(&row, &buyer, true)?;
        Created::new(format!("/v1/rfqs/{}", row.id), &view)
    })
    .await
}

/// An RFQ as the caller may see it; 404 for anyone it does not concern.
pub async fn get(conn: &mut AsyncPgConnection, principal: &Principal, id: Uuid) -> ApiResult<Rfq> {
    let (row, buyer) = load(conn, id, false).await?;
    let viewer = viewer(conn, principal, &row).await?;
    rfq_view(&row, &buyer, viewer.sees_contact())
}

/// RFQs of the caller's buyer organisation (admins and auditors: all), newest first, optionally
/// of one status.
pub async fn list(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    status: Option<RfqStatus>,
    page: &PageParams,
) -> ApiResult<RfqPage> {
    principal.require(&[Role::Buyer, Role::Admin, Role::Auditor])?;
    let keyset = page.keyset(Direction::NewestFirst)?;
    let mut query = rfqs::table
        .inner_join(buyer_profiles::table)
        .select((RfqRow::as_select(), BuyerProfileRow::as_select()))
        .into_boxed();
    if principal.role == Role::Buyer {
        query = query.filter(rfqs::buyer_organisation_id.eq(principal.organisation_id));
    }
    let now = Utc::now();
    query = match status {
        // An open RFQ past its validity reads as expired until the sweep marks it.
        Some(RfqStatus::Open) => query
            .filter(rfqs::status.eq(RfqStatus::Open))
            .filter(rfqs::valid_until.gt(now)),
        Some(RfqStatus::Expired) => query.filter(
            rfqs::status.eq(RfqStatus::Expired).or(rfqs::status
                .eq(RfqStatus::Open)
                .and(rfqs::valid_until.le(now))),
        ),
        Some(other) => query.filter(rfqs::status.eq(other)),
        None => query,
    };
    let rows: Vec<(RfqRow, BuyerProfileRow)> = keyset.apply(query, rfqs::id).load(conn).await?;
    let items = rows
        .iter()
        .map(|(r, b)| rfq_view(r, b, true))
        .collect::<ApiResult<Vec<_>>>()?;
    let page = keyset.page(items, |r| r.id);
    Ok(RfqPage {
        items: page.items,
        next_cursor: page.next_cursor,
    })
}

/// Replaces every field of an open RFQ (`If-Match` required) and matches it again.
pub async fn replace(
    conn: &mut AsyncPgConnection,
    inputs: &MatchingInputs,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    req: RfqRequest,
) -> ApiResult<Rfq> {
    principal.require(&[Role::Buyer])?;
    let columns = parse_rfq(req, Utc::now())?;
    conn.transaction(async |conn| {
        let (current, buyer) = load(conn, id, true).await?;
        if viewer(conn, principal, &current).await? != Viewer::Owner {
            return Err(ApiError::NotFound);
        }
        if_match.require(&etag(current.version))?;
        ensure_open(&current)?;
        let row: RfqRow = diesel::update(rfqs::table.find(id))
            .set((
                &columns,
                rfqs::version.eq(rfqs::version + 1),
                rfqs::updated_at.eq(Utc::now()),
            ))
            .returning(RfqRow::as_returning())
            .get_result(conn)
            .await?;
        match_and_store(conn, &row, inputs).await?;
        rfq_view(&row, &buyer, true)
    })
    .await
}

/// 409 unless the RFQ takes quotes now.
pub(super) fn ensure_open(rfq: &RfqRow) -> ApiResult<()> {
    let status = rfq.status_at(Utc::now());
    if status == RfqStatus::Open {
        Ok(())
    } else {
        Err(ApiError::Conflict(format!(
            "the RFQ is {} and takes no more changes or quotes",
            status.as_str()
        )))
    }
}

/// Closes an open RFQ without an award (`If-Match` when given): its live quotes are declined
/// and their sellers told (`rfq.closed`).
pub async fn close(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    req: CloseRfqRequest,
) -> ApiResult<Rfq> {
    principal.require(&[Role::Buyer])?;
    let mut v = crate::error::Validator::new();
    let reason = crate::fields::check_text(&mut v, "reason", req.reason, 500);
    v.finish()?;
    conn.transaction(async |conn| {
        let (current, buyer) = load(conn, id, true).await?;
        if viewer(conn, principal, &current).await? != Viewer::Owner {
            return Err(ApiError::NotFound);
        }
        if_match.check_if_present(&etag(current.version))?;
        ensure_open(&current)?;
        let now = Utc::now();
        let row: RfqRow = diesel::update(rfqs::table.find(id))
            .set((
                rfqs::status.eq(RfqStatus::Closed),
                rfqs::closed_reason.eq(&reason),
                rfqs::version.eq(rfqs::version + 1),
                rfqs::updated_at.eq(now),
            ))
            .returning(RfqRow::as_returning())
            .get_result(conn)
            .await?;
        decline_live_quotes(
            conn,
            id,
            "rfq.closed",
            json!({ "rfq_id": id, "reason": reason }),
        )
        .await?;
        rfq_view(&row, &buyer, true)
    })
    .await
}

/// Declines the RFQ's live quotes and tells each of their sellers (`event`, `payload`), in the
/// caller's transaction (which holds the RFQ's row lock).
pub(super) async fn decline_live_quotes(
    conn: &mut AsyncPgConnection,
    rfq_id: Uuid,
    event: &str,
    payload: serde_json::Value,
) -> ApiResult<()> {
    let declined: Vec<Uuid> = diesel::update(
        quotes::table
            .filter(quotes::rfq_id.eq(rfq_id))
            .filter(quotes::status.eq(QuoteStatus::Submitted)),
    )
    .set((
        quotes::status.eq(QuoteStatus::Declined),
        quotes::updated_at.eq(Utc::now()),
    ))
    .returning(quotes::seller_id)
    .get_results(conn)
    .await?;
    let organisations: Vec<Uuid> = sellers::table
        .filter(sellers::id.eq_any(&declined))
        .select(sellers::organisation_id)
        .load(conn)
        .await?;
    for organisation in organisations {
        crate::webhooks::publish(conn, organisation, event, payload.clone()).await?;
    }
    Ok(())
}

/// The RFQ's ranking now, with every factor (its buyer, admins, auditors).
pub async fn matches(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    limit: Option<i64>,
) -> ApiResult<RfqMatches> {
    let limit = match limit {
        None => LEADS_PER_RFQ,
        Some(n) if (1..=matching::MAX_MATCHES as i64).contains(&n) => n as usize,
        Some(_) => {
            return Err(ApiError::field(
                "limit",
                "out_of_range",
                format!("must be from 1 to {}", matching::MAX_MATCHES),
            ));
        }
    };
    let inputs = MatchingInputs::load(state).await?;
    let mut conn = state.stores.platform().await?;
    let (row, _) = load(&mut conn, id, false).await?;
    if !matches!(
        viewer(&mut conn, principal, &row).await?,
        Viewer::Owner | Viewer::Staff
    ) {
        return Err(ApiError::NotFound);
    }
    let request = match_request(Some(row.id), &row.columns)?;
    let found = matching::find(
        &mut conn,
        &request,
        &inputs.rates,
        &inputs.weights,
        limit,
        inputs.timeout_ms,
    )
    .await?;
    Ok(RfqMatches {
        rfq_id: row.id,
        evaluated_at: Utc::now(),
        ranking: found.list,
    })
}
