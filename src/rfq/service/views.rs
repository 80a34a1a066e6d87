//! Views built from rows: what each caller sees of a buyer profile, an RFQ, a quote.

use crate::error::{ApiError, ApiResult};
use crate::identifiers::Incoterm;
use crate::money::{CurrencyCode, Money};
use crate::rfq::api::{BuyerContact, BuyerProfile, QuoteRevision, QuoteTerms, Rfq, RfqBuyer};
use crate::rfq::model::{BuyerProfileRow, QuoteRevisionRow, QuoteTermsColumns, RfqRow};

pub fn currency(code: &str) -> ApiResult<CurrencyCode> {
    CurrencyCode::parse(code).map_err(ApiError::internal)
}

pub fn incoterm(code: &str) -> ApiResult<Incoterm> {
    Incoterm::parse(code).map_err(ApiError::internal)
}

fn contact(row: &BuyerProfileRow) -> BuyerContact {
    BuyerContact {
        name: row.contact_name.clone(),
        email: row.contact_email.clone(),
        phone: row.contact_phone.clone(),
    }
}

pub fn buyer_profile_view(row: &BuyerProfileRow) -> BuyerProfile {
    BuyerProfile {
        organisation_id: row.organisation_id,
        version: row.version,
        company_name: row.company_name.clone(),
        country_code: row.country_code.clone(),
        business_type: row.business_type,
        website: row.website.clone(),
        contact: contact(row),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// An RFQ with its buyer; the buyer's contact only when `show_contact`.
pub fn rfq_view(row: &RfqRow, buyer: &BuyerProfileRow, show_contact: bool) -> ApiResult<Rfq> {
    let ccy = currency(&row.columns.currency)?;
    Ok(Rfq {
        id: row.id,
        status: row.status_at(chrono::Utc::now()),
        version: row.version,
        product: row.columns.product.clone(),
        description: row.columns.description.clone(),
        hs_code: row.columns.hs_code.clone(),
        sector: row.columns.sector,
        quantity: row.columns.quantity,
        unit: row.columns.unit,
        currency: row.columns.currency.clone(),
        target_unit_price: row
            .columns
            .target_unit_price_minor
            .map(|m| Money::from_minor(m, ccy)),
        destination_country: row.columns.destination_country.clone(),
        destination_place: row.columns.destination_place.clone(),
        incoterm: row.columns.incoterm.as_deref().map(incoterm).transpose()?,
        needed_by: row.columns.needed_by,
        certifications: row.columns.certifications.clone(),
        valid_until: row.columns.valid_until,
        buyer: RfqBuyer {
            company_name: buyer.company_name.clone(),
            country_code: buyer.country_code.clone(),
            business_type: buyer.business_type,
            contact: show_contact.then(|| contact(buyer)),
        },
        awarded_quote_id: row.awarded_quote_id,
        closed_reason: row.closed_reason.clone(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// A quote's terms with their total.
pub fn terms_view(t: &QuoteTermsColumns) -> ApiResult<QuoteTerms> {
    let ccy = currency(&t.currency)?;
    let total = t
        .unit_price_minor
        .checked_mul(t.quantity)
        .ok_or_else(|| ApiError::internal("quote total overflows"))?;
    Ok(QuoteTerms {
        unit_price: Money::from_minor(t.unit_price_minor, ccy),
        quantity: t.quantity,
        total: Money::from_minor(total, ccy),
        incoterm: incoterm(&t.incoterm)?,
        named_place: t.named_place.clone(),
        lead_time_days: t.lead_time_days,
        valid_until: t.valid_until,
        notes: t.notes.clone(),
    })
}

pub fn revision_view(r: &QuoteRevisionRow) -> ApiResult<QuoteRevision> {
    Ok(QuoteRevision {
        revision: r.revision,
        terms: terms_view(&QuoteTermsColumns {
            unit_price_minor: r.unit_price_minor,
            currency: r.currency.clone(),
            quantity: r.quantity,
            incoterm: r.incoterm.clone(),
            named_place: r.named_place.clone(),
            lead_time_days: r.lead_time_days,
            valid_until: r.valid_until,
            notes: r.notes.clone(),
        })?,
        created_at: r.created_at,
    })
}
