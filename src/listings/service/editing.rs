//! Writing listings: create (once per `Idempotency-Key`), read, replace (`If-Match`), and the
//! seller's own list. Only the owning seller writes; the owner, admins and auditors read any
//! status; everyone else gets 404 (public reads go through the catalogue and storefronts).

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::validation::parse_listing;
use super::views::listing_view;
use crate::auth::{Principal, Role};
use crate::db::schema::{listings, sellers};
use crate::error::{ApiError, ApiResult};
use crate::http::{IfMatch, Json, etag};
use crate::idempotency::{self, Created, Idempotency};
use crate::listings::api::{Listing, ListingAction, ListingPage, ListingRequest, ListingStatus};
use crate::listings::lifecycle::{audit, is_editable};
use crate::listings::model::{ListingColumns, ListingRow};
use crate::paging::{Direction, PageParams};
use crate::sellers::model::{SellerRow, public_id};
use crate::sellers::own_profile;

/// A listing and its seller, the listing locked for update when asked.
pub(super) async fn load(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    lock: bool,
) -> ApiResult<(ListingRow, SellerRow)> {
    let query = listings::table.find(id).select(ListingRow::as_select());
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

/// 404 unless the caller owns the listing (or, for reads, is an admin or auditor).
pub(super) fn check_access(
    principal: &Principal,
    seller: &SellerRow,
    write: bool,
) -> ApiResult<()> {
    let owner =
        principal.role == Role::Seller && principal.organisation_id == seller.organisation_id;
    let staff = !write && matches!(principal.role, Role::Admin | Role::Auditor);
    if owner || staff {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

/// Creates a draft listing of the caller's seller profile.
pub async fn create(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    key: &Idempotency,
    req: Json<ListingRequest>,
) -> ApiResult<(Created, bool)> {
    principal.require(&[Role::Seller])?;
    let Json { value, fingerprint } = req;
    let columns = parse_listing(value)?;
    let identity = key.identity(principal.user_id, &fingerprint);
    idempotency::run(conn, identity, async |conn| {
        let seller = own_profile(conn, principal).await?;
        let row = insert(conn, &seller, &columns).await?;
        audit(
            conn,
            &row,
            ListingAction::Create,
            None,
            Some(principal.user_id),
        )
        .await?;
        let view = listing_view(&row, public_id(&seller))?;
        Created::new(format!("/v1/listings/{}", row.id), &view)
    })
    .await
}

/// Inserts a draft of `seller` in the caller's transaction.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    seller: &SellerRow,
    columns: &ListingColumns,
) -> ApiResult<ListingRow> {
    Ok(diesel::insert_into(listings::table)
        .values((
            listings::id.eq(Uuid::now_v7()),
            listings::seller_id.eq(seller.id),
            listings::home_jurisdiction.eq(&seller.home_jurisdiction),
            columns,
        ))
        .returning(ListingRow::as_returning())
        .get_result(conn)
        .await?)
}

/// A listing as its owner, an admin or an auditor sees it; 404 for anyone else.
pub async fn get(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Listing> {
    let (row, seller) = load(conn, id, false).await?;
    check_access(principal, &seller, false)?;
    listing_view(&row, public_id(&seller))
}

/// Replaces every field of the caller's listing; `If-Match` is required. A published listing
/// stays published (buyers see the change at once); an archived one is read-only.
pub async fn replace(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    req: ListingRequest,
) -> ApiResult<Listing> {
    principal.require(&[Role::Seller])?;
    let columns = parse_listing(req)?;
    conn.transaction(async |conn| {
        let (current, seller) = load(conn, id, true).await?;
        check_access(principal, &seller, true)?;
        if_match.require(&etag(current.version))?;
        if !is_editable(current.status) {
            return Err(ApiError::Conflict(
                "the listing is archived and read-only".into(),
            ));
        }
        let row: ListingRow = diesel::update(listings::table.find(id))
            .set((
                &columns,
                listings::version.eq(listings::version + 1),
                listings::updated_at.eq(Utc::now()),
            ))
            .returning(ListingRow::as_returning())
            .get_result(conn)
            .await?;
        audit(
            conn,
            &row,
            ListingAction::Update,
            Some(current.status),
            Some(principal.user_id),
        )
        .await?;
        listing_view(&row, public_id(&seller))
    })
    .await
}

/// The caller's listings, newest first, optionally of one status.
pub async fn list_own(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    status: Option<ListingStatus>,
    page: &PageParams,
) -> ApiResult<ListingPage> {
    let keyset = page.keyset(Direction::NewestFirst)?;
    let seller = own_profile(conn, principal).await?;
    let mut query = listings::table
        .filter(listings::seller_id.eq(seller.id))
        .select(ListingRow::as_select())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(listings::status.eq(status));
    }
    let rows: Vec<ListingRow> = keyset.apply(query, listings::id).load(conn).await?;
    let id = public_id(&seller);
    let items = rows
        .iter()
        .map(|r| listing_view(r, id))
        .collect::<ApiResult<Vec<_>>>()?;
    let page = keyset.page(items, |l| l.id);
    Ok(ListingPage {
        items: page.items,
        next_cursor: page.next_cursor,
    })
}
