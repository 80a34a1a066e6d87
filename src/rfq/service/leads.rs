//! A seller's leads: the open RFQs it is currently matched to, with the explanation of its score,
//! the buyer's company and country (never the contact: that comes with an accepted quote).

use std::collections::HashMap;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::views::rfq_view;
use crate::auth::Principal;
use crate::db::schema::{buyer_profiles, quotes, rfq_leads, rfqs};
use crate::error::{ApiError, ApiResult};
use crate::paging::{Direction, PageParams};
use crate::rfq::api::{Lead, LeadPage, RfqStatus};
use crate::rfq::model::{BuyerProfileRow, LeadRow, RfqRow};
use crate::sellers::own_profile;

/// The calling seller's leads on open RFQs, newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    page: &PageParams,
) -> ApiResult<LeadPage> {
    let seller = own_profile(conn, principal).await?;
    let keyset = page.keyset(Direction::NewestFirst)?;
    let query = rfq_leads::table
        .inner_join(rfqs::table.inner_join(buyer_profiles::table))
        .filter(rfq_leads::seller_id.eq(seller.id))
        .filter(rfq_leads::current)
        .filter(rfqs::status.eq(RfqStatus::Open))
        .filter(rfqs::valid_until.gt(Utc::now()))
        .select((
            LeadRow::as_select(),
            RfqRow::as_select(),
            BuyerProfileRow::as_select(),
        ))
        .into_boxed();
    let rows: Vec<(LeadRow, RfqRow, BuyerProfileRow)> =
        keyset.apply(query, rfq_leads::id).load(conn).await?;
    let rfq_ids: Vec<Uuid> = rows.iter().map(|(l, _, _)| l.rfq_id).collect();
    let quoted: HashMap<Uuid, Uuid> = quotes::table
        .filter(quotes::seller_id.eq(seller.id))
        .filter(quotes::rfq_id.eq_any(&rfq_ids))
        .select((quotes::rfq_id, quotes::id))
        .load::<(Uuid, Uuid)>(conn)
        .await?
        .into_iter()
        .collect();
    let items = rows
        .iter()
        .map(|(lead, rfq, buyer)| {
            Ok(Lead {
                rfq: rfq_view(rfq, buyer, false)?,
                listing_id: lead.listing_id,
                rank: lead.rank,
                score: lead.score,
                factors: serde_json::from_value(lead.factors.clone())
                    .map_err(ApiError::internal)?,
                offered_at: lead.offered_at,
                quote_id: quoted.get(&lead.rfq_id).copied(),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    // The cursor is the lead's id: map each item back to it.
    let ids: HashMap<Uuid, Uuid> = rows.iter().map(|(l, _, _)| (l.rfq_id, l.id)).collect();
    let page = keyset.page(items, |l| ids.get(&l.rfq.id).copied().unwrap_or_default());
    Ok(LeadPage {
        items: page.items,
        next_cursor: page.next_cursor,
    })
}
