//! An Indian seller's record as the in-country store holds it (the replicated profile and the
//! localised payout account), read from that store, never from the platform: for auditors.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{Principal, Role};
use crate::db::Stores;
use crate::db::schema::payout_accounts;
use crate::error::{ApiError, ApiResult};
use crate::identifiers::BankAccountNumber;
use crate::sellers::api::SellerProfile;
use crate::sellers::model::{PayoutAccountRow, SellerRow};
use crate::sellers::{named, profile_view};

/// The localised payout account as the in-country store holds it (the number masked).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InCountryPayoutAccount {
    pub reference: Uuid,
    pub account_holder_name: String,
    #[schema(example = "XXXX6789")]
    pub account_number_masked: String,
    pub ifsc: String,
    pub bank_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A seller's record read from an in-country store.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InCountryRecord {
    #[schema(example = "IN")]
    pub jurisdiction: String,
    /// The store it was read from.
    #[schema(example = "in_country:IN")]
    pub store: String,
    pub read_at: DateTime<Utc>,
    /// The replicated profile, as the copy has it (it may lag the platform by the replication
    /// lag).
    pub profile: SellerProfile,
    /// The localised payout account, which exists only in this store.
    pub payout_account: Option<InCountryPayoutAccount>,
}

/// The account as the auditor sees it: the number masked like the platform's summary of it.
fn payout_view(p: PayoutAccountRow) -> ApiResult<InCountryPayoutAccount> {
    let number = BankAccountNumber::parse(&p.account_number).map_err(ApiError::internal)?;
    Ok(InCountryPayoutAccount {
        reference: p.id,
        account_number_masked: format!("XXXX{}", number.last4()),
        account_holder_name: p.account_holder_name,
        ifsc: p.ifsc,
        bank_name: p.bank_name,
        created_at: p.created_at,
    })
}

/// The seller named by `id` as the first in-country store that holds it has it; 404 when none
/// does. One pooled connection at a time (never two held together). Auditors and admins.
pub async fn in_country_record(
    stores: &Stores,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<InCountryRecord> {
    principal.require(&[Role::Auditor, Role::Admin])?;
    for (jurisdiction, pool) in &stores.in_country {
        let mut conn = pool.get().await?;
        let Some(row) = named(id)
            .select(SellerRow::as_select())
            .first(&mut conn)
            .await
            .optional()?
        else {
            continue;
        };
        let payout: Option<PayoutAccountRow> = match row.payout_account_ref {
            Some(reference) => payout_accounts::table
                .find(reference)
                .select(PayoutAccountRow::as_select())
                .first(&mut conn)
                .await
                .optional()?,
            None => None,
        };
        return Ok(InCountryRecord {
            jurisdiction: jurisdiction.clone(),
            store: format!("in_country:{jurisdiction}"),
            read_at: Utc::now(),
            profile: profile_view(&row)?,
            payout_account: payout.map(payout_view).transpose()?,
        });
    }
    Err(ApiError::NotFound)
}
