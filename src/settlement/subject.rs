//! What an estimate prices: an amount the caller gives, or the price of a quote or a listing.
//! A quote's or listing's amount, currency, seller (and for a quote the buyer's country) are
//! read from their tables here: listings and RFQs use settlement, so settlement names neither
//! module, only the columns it needs.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::api::CreateEstimate;
use super::engine::{BearerSelection, Direction, EstimateRequest};
use crate::auth::{OrganisationKind, Principal, Role};
use crate::db::PgPool;
use crate::db::schema::{buyer_profiles, listings, organisations, quotes, rfqs, sellers};
use crate::error::{ApiError, ApiResult, Validator};
use crate::money::{CurrencyCode, Money};

/// A checked estimate request: what to price, for which seller, linked to what.
#[derive(Debug, Clone)]
pub struct Payment {
    pub request: EstimateRequest,
    pub seller_id: Option<Uuid>,
    pub quote_id: Option<Uuid>,
    pub listing_id: Option<Uuid>,
}

/// A stored price break (`listings.price_breaks`).
#[derive(serde::Deserialize)]
struct PriceBreak {
    min_quantity: i64,
    unit_price_minor: i64,
}

fn no_such(field: &str, what: &str) -> ApiError {
    ApiError::field(field, "not_found", format!("no such {what}"))
}

fn parse_currency(code: &str) -> ApiResult<CurrencyCode> {
    CurrencyCode::parse(code).map_err(ApiError::internal)
}

/// Checks the request's shape: an amount, or exactly one of `quote_id` / `listing_id` (and then
/// no amount, direction `buyer_pays`, no seller).
fn check_shape(req: &CreateEstimate) -> ApiResult<()> {
    let mut v = Validator::new();
    let subject = req.quote_id.is_some() || req.listing_id.is_some();
    if req.quote_id.is_some() && req.listing_id.is_some() {
        v.push(
            "listing_id",
            "conflict",
            "give a quote_id or a listing_id, not both",
        );
    }
    if subject {
        if req.amount.is_some() {
            v.push(
                "amount",
                "conflict",
                "the amount comes from the quote or listing",
            );
        }
        if req.seller_id.is_some() {
            v.push(
                "seller_id",
                "conflict",
                "the seller comes from the quote or listing",
            );
        }
        if req.direction == Some(Direction::SellerReceives) {
            v.push(
                "direction",
                "conflict",
                "a quote or listing is priced as what the buyer pays",
            );
        }
    } else if req.amount.is_none() {
        v.push(
            "amount",
            "required",
            "is required (or give a quote_id or listing_id)",
        );
    }
    if req.quantity.is_some() && req.listing_id.is_none() {
        v.push("quantity", "conflict", "only a listing takes a quantity");
    }
    if req.quote_id.is_none() && req.buyer_country.is_none() {
        v.push("buyer_country", "required", "is required");
    }
    v.finish()
}

fn request(req: &CreateEstimate, buyer_country: String, amount: Money) -> EstimateRequest {
    EstimateRequest {
        buyer_country: buyer_country.trim().to_ascii_uppercase(),
        direction: req.direction.unwrap_or(Direction::BuyerPays),
        amount,
        buyer_currency: req.buyer_currency,
        charge_bearer: req.charge_bearer.unwrap_or(BearerSelection::All),
    }
}

/// Resolves what `req` prices, reading the quote or listing (or a named seller).
/// A connection is taken only when something must be read, and given back before returning.
pub async fn resolve(
    pool: &PgPool,
    principal: &Principal,
    req: &CreateEstimate,
) -> ApiResult<Payment> {
    check_shape(req)?;
    if let Some(quote_id) = req.quote_id {
        return quote(&mut *pool.get().await?, principal, req, quote_id).await;
    }
    if let Some(listing_id) = req.listing_id {
        return listing(&mut *pool.get().await?, principal, req, listing_id).await;
    }
    let seller_id = resolve_seller(pool, principal, req.seller_id).await?;
    let amount = req
        .amount
        .ok_or_else(|| ApiError::internal("checked above"))?;
    Ok(Payment {
        request: request(req, req.buyer_country.clone().unwrap_or_default(), amount),
        seller_id,
        quote_id: None,
        listing_id: None,
    })
}

async fn resolve_seller(
    pool: &PgPool,
    principal: &Principal,
    seller_id: Option<Uuid>,
) -> ApiResult<Option<Uuid>> {
    match (principal.role, seller_id) {
        (Role::Seller, None) => Ok(Some(principal.organisation_id)),
        (Role::Seller, Some(id)) if id != principal.organisation_id => Err(ApiError::field(
            "seller_id",
            "not_yours",
            "sellers estimate payments to themselves",
        )),
        (_, None) => Ok(None),
        (_, Some(id)) => {
            let kind: Option<String> = organisations::table
                .find(id)
                .select(organisations::kind)
                .first(&mut *pool.get().await?)
                .await
                .optional()?;
            match kind {
                Some(k) if k == OrganisationKind::Seller.as_str() => Ok(Some(id)),
                _ => Err(ApiError::field("seller_id", "not_found", "no such seller")),
            }
        }
    }
}

/// A quote's total: its RFQ's buyer, the quoting seller and admins may price it; to anyone else
/// it does not exist.
async fn quote(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    req: &CreateEstimate,
    quote_id: Uuid,
) -> ApiResult<Payment> {
    let row: Option<(i64, i64, String, Uuid, Uuid, String)> = quotes::table
        .inner_join(sellers::table)
        .inner_join(rfqs::table.inner_join(buyer_profiles::table))
        .filter(quotes::id.eq(quote_id))
        .select((
            quotes::unit_price_minor,
            quotes::quantity,
            quotes::currency,
            sellers::organisation_id,
            rfqs::buyer_organisation_id,
            buyer_profiles::country_code,
        ))
        .first(conn)
        .await
        .optional()?;
    let Some((price, quantity, currency, seller_org, buyer_org, country)) = row else {
        return Err(no_such("quote_id", "quote"));
    };
    let allowed = principal.role == Role::Admin
        || (principal.role == Role::Buyer && principal.organisation_id == buyer_org)
        || (principal.role == Role::Seller && principal.organisation_id == seller_org);
    if !allowed {
        return Err(no_such("quote_id", "quote"));
    }
    let total = price
        .checked_mul(quantity)
        .ok_or_else(|| ApiError::internal("quote total overflows"))?;
    let amount = Money::from_minor(total, parse_currency(&currency)?);
    Ok(Payment {
        request: request(req, req.buyer_country.clone().unwrap_or(country), amount),
        seller_id: Some(seller_org),
        quote_id: Some(quote_id),
        listing_id: None,
    })
}

/// A listing's price at a quantity: a listing in the catalogue, or the caller's own.
async fn listing(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    req: &CreateEstimate,
    listing_id: Uuid,
) -> ApiResult<Payment> {
    let row: Option<(serde_json::Value, i64, String, Uuid, bool, String)> = listings::table
        .inner_join(sellers::table)
        .filter(listings::id.eq(listing_id))
        .select((
            listings::price_breaks,
            listings::moq,
            listings::currency,
            sellers::organisation_id,
            listings::seller_in_good_standing,
            listings::status,
        ))
        .first(conn)
        .await
        .optional()?;
    let Some((breaks, moq, currency, seller_org, good_standing, status)) = row else {
        return Err(no_such("listing_id", "listing"));
    };
    let in_catalogue = good_standing && status == "published";
    let own = principal.role == Role::Seller && principal.organisation_id == seller_org;
    if !(in_catalogue || own || principal.role == Role::Admin) {
        return Err(no_such("listing_id", "listing"));
    }
    let quantity = req.quantity.unwrap_or(moq);
    if quantity < moq || quantity > crate::fields::MAX_QUANTITY {
        return Err(ApiError::field(
            "quantity",
            "below_moq",
            format!(
                "must be from the listing's MOQ ({moq}) to {}",
                crate::fields::MAX_QUANTITY
            ),
        ));
    }
    let breaks: Vec<PriceBreak> = serde_json::from_value(breaks).map_err(ApiError::internal)?;
    let unit = breaks
        .iter()
        .filter(|b| b.min_quantity <= quantity)
        .max_by_key(|b| b.min_quantity)
        .map(|b| b.unit_price_minor)
        .ok_or_else(|| ApiError::internal("a listing without a price break at its MOQ"))?;
    let total = unit.checked_mul(quantity).ok_or_else(|| {
        ApiError::field(
            "quantity",
            "too_large",
            "the price for this quantity is too large",
        )
    })?;
    let amount = Money::from_minor(total, parse_currency(&currency)?);
    Ok(Payment {
        request: request(req, req.buyer_country.clone().unwrap_or_default(), amount),
        seller_id: Some(seller_org),
        quote_id: None,
        listing_id: Some(listing_id),
    })
}
