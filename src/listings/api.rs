//! Request and response types of the listing and storefront routes, and the vocabularies they
//! use. Like the seller routes, enumerated fields of requests are taken as strings and parsed by
//! the service, so one 422 names every invalid field.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::identifiers::Incoterm;
use crate::money::Money;
use crate::sellers::api::{PublicProfile, Sector};
use crate::vocabulary::text_enum;

text_enum!(
    /// Where a listing is: `draft` (only its seller sees it), `published` (in the catalogue and
    /// on the storefront while the seller is in good standing), `paused` (hidden, can be
    /// published again), `archived` (final).
    ListingStatus {
        Draft = "draft",
        Published = "published",
        Paused = "paused",
        Archived = "archived",
    }
);

text_enum!(
    /// The unit of the MOQ, of every price break's quantity and of the monthly capacity.
    MoqUnit {
        Pieces = "pieces",
        Kg = "kg",
        MetricTons = "metric_tons",
        Metres = "metres",
        SquareMetres = "square_metres",
        Litres = "litres",
        Sets = "sets",
        Pairs = "pairs",
        Dozens = "dozens",
    }
);

text_enum!(
    /// Certifications a listing's product or maker holds.
    Certification {
        Iso9001 = "iso9001",
        Iso14001 = "iso14001",
        Iso22000 = "iso22000",
        Haccp = "haccp",
        Gots = "gots",
        OekoTex = "oeko_tex",
        Bis = "bis",
        Ce = "ce",
        Rohs = "rohs",
        Reach = "reach",
        Ul = "ul",
        Fssai = "fssai",
        Organic = "organic",
        FairTrade = "fair_trade",
        Halal = "halal",
        Sa8000 = "sa8000",
    }
);

text_enum!(
    /// What happened to a listing, in its audit log.
    ListingAction {
        Create = "create",
        Update = "update",
        Publish = "publish",
        Pause = "pause",
        Archive = "archive",
    }
);

text_enum!(
    /// Why no listing fee was charged.
    FeeWaiver {
        /// The seller held a valid verified-MSME badge when it first published.
        VerifiedMsme = "verified_msme",
    }
);

/// One price break as sent: from `min_quantity` (in the MOQ unit) on, each unit costs
/// `unit_price` in the listing's currency.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PriceBreakRequest {
    #[schema(example = 500)]
    pub min_quantity: Option<i64>,
    /// A positive amount in major units with at most the currency's decimals, e.g. "3.40".
    #[schema(example = "3.40")]
    pub unit_price: Option<String>,
}

/// An incoterm offered, as sent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IncotermOfferRequest {
    #[schema(value_type = Option<Incoterm>, example = "FOB")]
    pub incoterm: Option<String>,
    /// The named place or port; required for the sea-only FAS, FOB, CFR and CIF (a port).
    #[schema(example = "Chennai")]
    pub named_place: Option<String>,
}

/// A listing as created or replaced (`PUT` replaces every field). Required: title, sector,
/// hs_code, moq, moq_unit, currency, price_breaks, incoterms, lead_time_days, origin_state.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ListingRequest {
    /// 3 to 200 characters.
    #[schema(example = "Organic cotton knitted T-shirts, 180 GSM")]
    pub title: Option<String>,
    /// Up to 5,000 characters.
    pub description: Option<String>,
    #[schema(value_type = Option<Sector>)]
    pub sector: Option<String>,
    /// 6 or 8 digits (dots and spaces ignored); chapter 01-97, not 77.
    #[schema(example = "6109.10.00")]
    pub hs_code: Option<String>,
    /// Up to 20 words or short phrases buyers search for, 2 to 50 characters each.
    #[schema(max_items = 20, example = json!(["t-shirt", "organic cotton"]))]
    pub keywords: Option<Vec<String>>,
    /// Up to 30 key/value pairs, keys up to 50 and values up to 200 characters.
    #[schema(example = json!({"fabric": "100% cotton", "gsm": "180"}))]
    pub attributes: Option<BTreeMap<String, String>>,
    /// Minimum order quantity, in `moq_unit`; at least 1.
    #[schema(example = 500)]
    pub moq: Option<i64>,
    #[schema(value_type = Option<MoqUnit>)]
    pub moq_unit: Option<String>,
    /// ISO 4217 code of every price break.
    #[schema(example = "USD")]
    pub currency: Option<String>,
    /// 1 to 10 breaks, `min_quantity` strictly ascending, the first equal to the MOQ.
    #[schema(max_items = 10)]
    pub price_breaks: Option<Vec<PriceBreakRequest>>,
    /// 1 to 11 incoterms (Incoterms 2020), each at most once.
    #[schema(max_items = 11)]
    pub incoterms: Option<Vec<IncotermOfferRequest>>,
    /// Days from order to dispatch, 1 to 365.
    #[schema(example = 30)]
    pub lead_time_days: Option<i32>,
    /// What the seller can make per month, in `moq_unit`.
    pub monthly_capacity: Option<i64>,
    #[schema(value_type = Option<Vec<Certification>>, max_items = 16)]
    pub certifications: Option<Vec<String>>,
    /// The Indian state or union territory the goods come from (2-letter code or name).
    #[schema(example = "TN")]
    pub origin_state: Option<String>,
    pub samples_available: Option<bool>,
    /// Up to 10 `https://` URLs, 2,000 characters each.
    #[schema(max_items = 10)]
    pub image_urls: Option<Vec<String>>,
}

/// One price break.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PriceBreak {
    pub min_quantity: i64,
    pub unit_price: Money,
}

/// An incoterm offered, with its named place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct IncotermOffer {
    pub incoterm: Incoterm,
    pub named_place: Option<String>,
}

/// The product as buyers see it: in the catalogue, on the storefront and (with more) to its
/// seller.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ListingDetails {
    pub title: String,
    pub description: String,
    pub sector: Sector,
    #[schema(example = "61091000")]
    pub hs_code: String,
    pub keywords: Vec<String>,
    pub attributes: BTreeMap<String, String>,
    pub moq: i64,
    pub moq_unit: MoqUnit,
    #[schema(example = "USD")]
    pub currency: String,
    pub price_breaks: Vec<PriceBreak>,
    pub incoterms: Vec<IncotermOffer>,
    pub lead_time_days: i32,
    pub monthly_capacity: Option<i64>,
    pub certifications: Vec<Certification>,
    #[schema(example = "TN")]
    pub origin_state: String,
    #[schema(example = "Tamil Nadu")]
    pub origin_state_name: String,
    pub samples_available: bool,
    pub image_urls: Vec<String>,
}

/// The listing fee applied at the first publish.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AppliedListingFee {
    /// Before GST (zero when waived).
    pub fee: Money,
    /// GST on the fee.
    pub gst: Money,
    /// The fee schedule version it came from.
    pub fee_schedule_version: i32,
    /// Why nothing was charged, when so.
    pub waived: Option<FeeWaiver>,
}

/// A listing as its seller (and admins, auditors) see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Listing {
    pub id: Uuid,
    /// The seller's public id.
    pub seller_id: Uuid,
    pub status: ListingStatus,
    /// The ETag is this version.
    pub version: i32,
    #[serde(flatten)]
    pub details: ListingDetails,
    /// Whether buyers can find it now: published, and the seller approved (not suspended or
    /// expired).
    pub visible_in_catalogue: bool,
    /// Set at the first publish.
    pub listing_fee: Option<AppliedListingFee>,
    pub first_published_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A page of the caller's listings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ListingPage {
    #[schema(max_items = 100)]
    pub items: Vec<Listing>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// A published listing as anyone sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicListing {
    pub id: Uuid,
    pub seller_id: Uuid,
    #[serde(flatten)]
    pub details: ListingDetails,
    pub published_at: DateTime<Utc>,
}

/// A seller's storefront: its public profile and a page of its published listings (newest
/// first). Never contacts, identifiers it did not make public, or bank details.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Storefront {
    #[schema(example = "kaveri-textiles-0191f2a4")]
    pub slug: String,
    pub seller: PublicProfile,
    #[schema(max_items = 100)]
    pub listings: Vec<PublicListing>,
    /// Pass as `cursor` for the next page of listings; absent on the last.
    pub next_cursor: Option<String>,
}
