//! Storefronts: an approved seller's public profile and its published listings, newest first.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::views::public_listing;
use crate::db::schema::{listings, sellers};
use crate::error::{ApiError, ApiResult};
use crate::listings::api::{ListingStatus, Storefront};
use crate::listings::model::ListingRow;
use crate::paging::{Direction, PageParams};
use crate::sellers::model::SellerRow;
use crate::sellers::public_view;

/// The storefront at `slug`; 404 unless the seller is approved (a suspended or expired seller's
/// storefront is gone until it is reinstated or renewed).
pub async fn storefront(
    conn: &mut AsyncPgConnection,
    slug: &str,
    page: &PageParams,
) -> ApiResult<Storefront> {
    let keyset = page.keyset(Direction::NewestFirst)?;
    let seller: SellerRow = sellers::table
        .filter(sellers::storefront_slug.eq(slug))
        .select(SellerRow::as_select())
        .first(conn)
        .await?;
    let profile = public_view(&seller, Utc::now())?.ok_or(ApiError::NotFound)?;
    let query = listings::table
        .filter(listings::seller_id.eq(seller.id))
        .filter(listings::status.eq(ListingStatus::Published))
        .filter(listings::seller_in_good_standing)
        .select(ListingRow::as_select())
        .into_boxed();
    let rows: Vec<ListingRow> = keyset.apply(query, listings::id).load(conn).await?;
    let items = rows
        .iter()
        .map(|r| public_listing(r, profile.id))
        .collect::<ApiResult<Vec<_>>>()?;
    let page = keyset.page(items, |l| l.id);
    Ok(Storefront {
        slug: slug.to_owned(),
        seller: profile,
        listings: page.items,
        next_cursor: page.next_cursor,
    })
}
