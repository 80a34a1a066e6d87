//! The API views of a listing row.

use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::identifiers::IndianState;
use crate::listings::api::{
    AppliedListingFee, IncotermOffer, Listing, ListingDetails, PriceBreak, PublicListing,
};
use crate::listings::model::{ListingRow, StoredIncoterm, StoredPriceBreak};
use crate::money::{CurrencyCode, Money};

fn currency_of(code: &str) -> ApiResult<CurrencyCode> {
    CurrencyCode::parse(code).map_err(ApiError::internal)
}

/// What buyers see of the product.
pub fn details(row: &ListingRow) -> ApiResult<ListingDetails> {
    let currency = currency_of(&row.currency)?;
    let breaks: Vec<StoredPriceBreak> =
        serde_json::from_value(row.price_breaks.clone()).map_err(ApiError::internal)?;
    let incoterms: Vec<StoredIncoterm> =
        serde_json::from_value(row.incoterms.clone()).map_err(ApiError::internal)?;
    let attributes = serde_json::from_value(row.attributes.clone()).map_err(ApiError::internal)?;
    Ok(ListingDetails {
        title: row.title.clone(),
        description: row.description.clone(),
        sector: row.sector,
        hs_code: row.hs_code.clone(),
        keywords: row.keywords.clone(),
        attributes,
        moq: row.moq,
        moq_unit: row.moq_unit,
        currency: row.currency.clone(),
        price_breaks: breaks
            .into_iter()
            .map(|b| PriceBreak {
                min_quantity: b.min_quantity,
                unit_price: Money::from_minor(b.unit_price_minor, currency),
            })
            .collect(),
        incoterms: incoterms
            .into_iter()
            .map(|o| IncotermOffer {
                incoterm: o.incoterm,
                named_place: o.named_place,
            })
            .collect(),
        lead_time_days: row.lead_time_days,
        monthly_capacity: row.monthly_capacity,
        certifications: row.certifications.clone(),
        origin_state: row.origin_state.clone(),
        origin_state_name: IndianState::from_code(&row.origin_state)
            .map(|s| s.name().to_owned())
            .unwrap_or_default(),
        samples_available: row.samples_available,
        image_urls: row.image_urls.clone(),
    })
}

fn applied_fee(row: &ListingRow) -> ApiResult<Option<AppliedListingFee>> {
    let (Some(fee), Some(version)) = (row.listing_fee_minor, row.fee_schedule_version) else {
        return Ok(None);
    };
    let currency = currency_of(row.listing_fee_currency.as_deref().unwrap_or("INR"))?;
    Ok(Some(AppliedListingFee {
        fee: Money::from_minor(fee, currency),
        gst: Money::from_minor(row.listing_fee_gst_minor.unwrap_or(0), currency),
        fee_schedule_version: version,
        waived: row.fee_waived_reason,
    }))
}

/// The seller's view; `seller_id` is the seller's public id.
pub fn listing_view(row: &ListingRow, seller_id: Uuid) -> ApiResult<Listing> {
    Ok(Listing {
        id: row.id,
        seller_id,
        status: row.status,
        version: row.version,
        details: details(row)?,
        visible_in_catalogue: row.visible(),
        listing_fee: applied_fee(row)?,
        first_published_at: row.first_published_at,
        published_at: row.published_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Anyone's view of a published listing.
pub fn public_listing(row: &ListingRow, seller_id: Uuid) -> ApiResult<PublicListing> {
    Ok(PublicListing {
        id: row.id,
        seller_id,
        details: details(row)?,
        published_at: row
            .published_at
            .ok_or_else(|| ApiError::internal("a published listing without published_at"))?,
    })
}
