//! Request and response types of the buyer-profile, RFQ, lead, quote and trade routes, and the
//! vocabularies they use. Like the listing routes, enumerated request fields are strings parsed
//! by the service, so one 422 names every invalid field.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::identifiers::Incoterm;
use crate::listings::api::{Certification, MoqUnit};
use crate::matching::api::{Factor, MatchList};
use crate::money::Money;
use crate::sellers::api::{Sector, SellerSummary};
use crate::vocabulary::text_enum;

text_enum!(
    /// What a buyer organisation does with the goods.
    BusinessType {
        Importer = "importer",
        Distributor = "distributor",
        Wholesaler = "wholesaler",
        Retailer = "retailer",
        Brand = "brand",
        Manufacturer = "manufacturer",
        SourcingAgent = "sourcing_agent",
        Other = "other",
    }
);

text_enum!(
    /// Where an RFQ is: `open` (matched sellers see it and quote), `awarded` (the buyer accepted
    /// a quote), `closed` (the buyer withdrew it), `expired` (`valid_until` passed while open).
    RfqStatus {
        Open = "open",
        Awarded = "awarded",
        Closed = "closed",
        Expired = "expired",
    }
);

text_enum!(
    /// Where a quote is: `submitted` (live; the seller may revise or withdraw it), `withdrawn`,
    /// `declined` (the buyer accepted another), `accepted`.
    QuoteStatus {
        Submitted = "submitted",
        Withdrawn = "withdrawn",
        Declined = "declined",
        Accepted = "accepted",
    }
);

/// The buyer organisation's profile, as sent (`PUT` replaces every field). Required:
/// company_name, country_code, business_type, contact_name, contact_email.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct BuyerProfileRequest {
    #[schema(example = "Guangzhou Hengda Trading Co.")]
    pub company_name: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[schema(example = "CN")]
    pub country_code: Option<String>,
    #[schema(value_type = Option<BusinessType>)]
    pub business_type: Option<String>,
    /// An `https://` URL.
    pub website: Option<String>,
    #[schema(example = "Li Wei")]
    pub contact_name: Option<String>,
    #[schema(example = "li.wei@hengda.example")]
    pub contact_email: Option<String>,
    /// E.164, e.g. `+862012345678`.
    pub contact_phone: Option<String>,
}

/// How to reach a buyer: private until the buyer accepts a seller's quote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BuyerContact {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
}

/// A buyer organisation's profile as its members (and admins, auditors) see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BuyerProfile {
    pub organisation_id: Uuid,
    /// The ETag is this version.
    pub version: i32,
    pub company_name: String,
    #[schema(example = "CN")]
    pub country_code: String,
    pub business_type: BusinessType,
    pub website: Option<String>,
    pub contact: BuyerContact,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The buyer of an RFQ as a seller sees it: company and country; the contact only once the
/// buyer has accepted that seller's quote.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RfqBuyer {
    pub company_name: String,
    #[schema(example = "CN")]
    pub country_code: String,
    pub business_type: BusinessType,
    pub contact: Option<BuyerContact>,
}

/// A request for quotation as created or replaced (`PUT` replaces every field). Required:
/// product, quantity, unit, currency, destination_country, destination_place.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct RfqRequest {
    /// What is wanted, 3 to 200 characters; matched against listings' text.
    #[schema(example = "Organic cotton T-shirts, 180 GSM")]
    pub product: Option<String>,
    /// Up to 5,000 characters; also matched.
    pub description: Option<String>,
    /// 6 or 8 digits (dots and spaces ignored).
    #[schema(example = "6109.10")]
    pub hs_code: Option<String>,
    #[schema(value_type = Option<Sector>)]
    pub sector: Option<String>,
    #[schema(example = 5000)]
    pub quantity: Option<i64>,
    #[schema(value_type = Option<MoqUnit>)]
    pub unit: Option<String>,
    /// ISO 4217: the currency the buyer pays in; quotes are compared in it.
    #[schema(example = "USD")]
    pub currency: Option<String>,
    /// The unit price the buyer hopes for, in `currency` (major units, e.g. "3.20").
    #[schema(example = "3.20")]
    pub target_unit_price: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[schema(example = "CN")]
    pub destination_country: Option<String>,
    /// The port or city of delivery.
    #[schema(example = "Shanghai")]
    pub destination_place: Option<String>,
    #[schema(value_type = Option<Incoterm>, example = "CIF")]
    pub incoterm: Option<String>,
    /// The date the goods are needed by (today or later).
    pub needed_by: Option<NaiveDate>,
    /// Certifications a seller must hold (a hard requirement of matching).
    #[schema(value_type = Option<Vec<Certification>>, max_items = 16)]
    pub certifications: Option<Vec<String>>,
    /// When the RFQ stops taking quotes: in the future, at most 180 days ahead (default 30
    /// days).
    pub valid_until: Option<DateTime<Utc>>,
}

/// An RFQ as its buyer, its matched sellers, admins and auditors see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Rfq {
    pub id: Uuid,
    pub status: RfqStatus,
    /// The ETag is this version.
    pub version: i32,
    pub product: String,
    pub description: String,
    pub hs_code: Option<String>,
    pub sector: Option<Sector>,
    pub quantity: i64,
    pub unit: MoqUnit,
    #[schema(example = "USD")]
    pub currency: String,
    pub target_unit_price: Option<Money>,
    pub destination_country: String,
    pub destination_place: String,
    pub incoterm: Option<Incoterm>,
    pub needed_by: Option<NaiveDate>,
    pub certifications: Vec<Certification>,
    pub valid_until: DateTime<Utc>,
    pub buyer: RfqBuyer,
    pub awarded_quote_id: Option<Uuid>,
    pub closed_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A page of RFQs.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RfqPage {
    #[schema(max_items = 100)]
    pub items: Vec<Rfq>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Close an open RFQ without awarding it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CloseRfqRequest {
    /// Up to 500 characters, shown to the sellers that quoted.
    pub reason: Option<String>,
}

/// An RFQ's ranked sellers, with every factor of every score and the exclusions counted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RfqMatches {
    pub rfq_id: Uuid,
    pub evaluated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub ranking: MatchList,
}

/// An open RFQ that matched the calling seller, with the explanation of its score.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Lead {
    pub rfq: Rfq,
    /// The seller's listing that matched best.
    pub listing_id: Uuid,
    /// The seller's place among the RFQ's matches when it was last ranked.
    pub rank: i32,
    pub score: f64,
    pub factors: Vec<Factor>,
    pub offered_at: DateTime<Utc>,
    /// The seller's quote on this RFQ, if any.
    pub quote_id: Option<Uuid>,
}

/// A page of leads, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LeadPage {
    #[schema(max_items = 100)]
    pub items: Vec<Lead>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// A quote as sent (a new quote, or a revision with `PUT`, which replaces every field).
/// Required: unit_price, currency, quantity, incoterm, named_place, lead_time_days.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct QuoteRequest {
    /// Major units with at most the currency's decimals, e.g. "3.10".
    #[schema(example = "3.10")]
    pub unit_price: Option<String>,
    /// ISO 4217.
    #[schema(example = "USD")]
    pub currency: Option<String>,
    /// In the RFQ's unit.
    #[schema(example = 5000)]
    pub quantity: Option<i64>,
    #[schema(value_type = Option<Incoterm>, example = "FOB")]
    pub incoterm: Option<String>,
    /// The port or place the incoterm names.
    #[schema(example = "Chennai")]
    pub named_place: Option<String>,
    /// Days from order to dispatch, 1 to 365.
    #[schema(example = 30)]
    pub lead_time_days: Option<i32>,
    /// In the future, at most 90 days ahead (default 14 days).
    pub valid_until: Option<DateTime<Utc>>,
    /// Up to 2,000 characters.
    pub notes: Option<String>,
}

/// One revision of a quote's terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuoteTerms {
    pub unit_price: Money,
    pub quantity: i64,
    /// `unit_price × quantity`.
    pub total: Money,
    pub incoterm: Incoterm,
    pub named_place: String,
    pub lead_time_days: i32,
    pub valid_until: DateTime<Utc>,
    pub notes: String,
}

/// A revision as kept in the quote's history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuoteRevision {
    pub revision: i32,
    #[serde(flatten)]
    pub terms: QuoteTerms,
    pub created_at: DateTime<Utc>,
}

/// A seller's quote on an RFQ.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Quote {
    pub id: Uuid,
    pub rfq_id: Uuid,
    pub seller: SellerSummary,
    pub status: QuoteStatus,
    /// The current revision; the ETag is this number.
    pub revision: i32,
    #[serde(flatten)]
    pub terms: QuoteTerms,
    /// Every revision, oldest first (the last is the current terms); at most 50.
    #[schema(max_items = 50)]
    pub revisions: Vec<QuoteRevision>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The best payment route for a quote's total: what the buyer sends and what the seller nets.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuoteSettlement {
    /// The stored estimate (`GET /v1/settlement/estimates/{id}` shows every route); present
    /// once stored (at acceptance, or asked with `POST /v1/settlement/estimates` and `quote_id`).
    pub estimate_id: Option<Uuid>,
    #[schema(example = "swift_sha")]
    pub route_id: String,
    pub route_name: String,
    /// What the buyer sends, in the currency it pays in.
    pub buyer_pays: Money,
    /// The rupees that reach the seller.
    pub seller_nets: Money,
    pub warnings: Vec<String>,
}

/// A quote as the buyer compares it: the total for the quantity in the quote's and the RFQ's
/// currency, and the settlement of the best route.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuoteComparison {
    pub quote: Quote,
    /// The total in the RFQ's currency at mid (equal to the quote's total when the currencies
    /// agree); absent when no rate is known.
    pub total_in_rfq_currency: Option<Money>,
    /// Absent when the quote's currency and the buyer's country have no priced route.
    pub settlement: Option<QuoteSettlement>,
    /// Why `settlement` is absent, when it is.
    pub settlement_error: Option<String>,
}

/// The quotes of an RFQ.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuoteList {
    #[schema(max_items = 100)]
    pub items: Vec<QuoteComparison>,
}

/// A trade: the buyer accepted a quote. Its terms and settlement live in the seller's
/// in-country store.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Trade {
    pub id: Uuid,
    pub rfq_id: Uuid,
    pub quote_id: Uuid,
    pub buyer_organisation_id: Uuid,
    pub seller: SellerSummary,
    pub estimate_id: Option<Uuid>,
    /// Where the trade's record is kept (`IN`: the in-country store).
    #[schema(example = "IN")]
    pub home_jurisdiction: String,
    pub record: TradeRecord,
    pub created_at: DateTime<Utc>,
}

/// A trade's terms, read from the in-country store.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TradeRecord {
    pub product: String,
    pub quantity: i64,
    pub unit: MoqUnit,
    pub quote_revision: i32,
    pub unit_price: Money,
    pub total: Money,
    pub incoterm: Incoterm,
    pub named_place: String,
    pub buyer_company_name: String,
    pub buyer_country_code: String,
    /// The best route at acceptance, if one could be priced.
    pub settlement: Option<QuoteSettlement>,
}
