//! The payout account: checking it, storing it in the seller's in-country store, and pointing
//! the platform row at it with a masked summary.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::access::{ensure_editable, no_profile_yet, own_seller};
use crate::auth::{Principal, Role};
use crate::db::schema::{payout_accounts, sellers};
use crate::db::{PgPool, Stores};
use crate::error::{ApiError, ApiResult, Validator};
use crate::fields::{check_id, check_text};
use crate::http::{IfMatch, etag};
use crate::identifiers::{BankAccountNumber, Ifsc};
use crate::sellers::api::{PayoutAccountRequest, PayoutAccountSummary};
use crate::sellers::model::{PayoutAccountRow, SellerRow};

/// A checked payout account. No `Debug`: it holds the full account number.
pub struct PayoutAccountInput {
    pub account_holder_name: String,
    pub account_number: BankAccountNumber,
    pub ifsc: Ifsc,
    pub bank_name: Option<String>,
}

pub fn parse_payout_account(req: PayoutAccountRequest) -> ApiResult<PayoutAccountInput> {
    let mut v = Validator::new();
    for (field, present) in [
        ("account_holder_name", req.account_holder_name.is_some()),
        ("account_number", req.account_number.is_some()),
        ("ifsc", req.ifsc.is_some()),
    ] {
        if !present {
            v.push(field, "required", "is required");
        }
    }
    let holder = check_text(&mut v, "account_holder_name", req.account_holder_name, 200);
    let number = req
        .account_number
        .and_then(|s| check_id(&mut v, "account_number", BankAccountNumber::parse(&s)));
    let ifsc = req
        .ifsc
        .and_then(|s| check_id(&mut v, "ifsc", Ifsc::parse(&s)));
    let bank_name = check_text(&mut v, "bank_name", req.bank_name, 100);
    v.finish()?;
    match (holder, number, ifsc) {
        (Some(account_holder_name), Some(account_number), Some(ifsc)) => Ok(PayoutAccountInput {
            account_holder_name,
            account_number,
            ifsc,
            bank_name,
        }),
        _ => Err(ApiError::internal("validator passed with missing values")),
    }
}

/// Stores the payout account in the seller's in-country store (never the platform store), then
/// points the platform row at it with a masked summary. If the platform update fails the new
/// in-country row is deleted; the replaced one is deleted after the platform commits.
pub async fn put_payout_account(
    stores: &Stores,
    principal: &Principal,
    if_match: &IfMatch,
    req: PayoutAccountRequest,
) -> ApiResult<PayoutAccountSummary> {
    principal.require(&[Role::Seller])?;
    let account = parse_payout_account(req)?;
    // One connection at a time, each given back before the next is taken: a request holding
    // one while it waits for another (here, of the other store) can stall both pools.
    let seller = own_seller(&mut *stores.platform().await?, principal, false)
        .await?
        .ok_or_else(no_profile_yet)?;
    if_match.check_if_present(&etag(seller.version))?;
    ensure_editable(seller.status)?;
    let local_pool = in_country_store(stores, &seller.home_jurisdiction)?;
    let summary = insert_payout_row(local_pool, &seller, account).await?;
    // No platform connection counts as a failed link too: the new row must not be left behind.
    let linked = async {
        link_payout_account(&mut *stores.platform().await?, &seller, if_match, &summary).await
    }
    .await;
    let stale = match linked {
        Ok(previous) => previous,
        Err(e) => {
            // The platform does not point at the new row: remove it again.
            delete_payout_row(local_pool, summary.reference).await;
            return Err(e);
        }
    };
    if let Some(previous) = stale {
        delete_payout_row(local_pool, previous).await;
    }
    Ok(summary)
}

/// The in-country store of `jurisdiction`. Fail closed: localised data (payout accounts, trade
/// records) never falls back to the platform store.
pub fn in_country_store<'a>(stores: &'a Stores, jurisdiction: &str) -> ApiResult<&'a PgPool> {
    stores.in_country.get(jurisdiction).ok_or_else(|| {
        ApiError::Unavailable(format!(
            "no in-country store is configured for {jurisdiction}"
        ))
    })
}

/// Writes the account to the in-country store and returns its masked summary.
async fn insert_payout_row(
    local_pool: &PgPool,
    seller: &SellerRow,
    account: PayoutAccountInput,
) -> ApiResult<PayoutAccountSummary> {
    let row = PayoutAccountRow {
        id: Uuid::now_v7(),
        seller_id: seller.id,
        account_holder_name: account.account_holder_name,
        account_number: account.account_number.as_str().to_owned(),
        ifsc: account.ifsc.as_str().to_owned(),
        bank_name: account.bank_name,
        created_at: Utc::now(),
        home_jurisdiction: seller.home_jurisdiction.clone(),
    };
    diesel::insert_into(payout_accounts::table)
        .values(&row)
        .execute(&mut *local_pool.get().await?)
        .await?;
    Ok(PayoutAccountSummary {
        reference: row.id,
        account_number_masked: format!("XXXX{}", account.account_number.last4()),
        last4: account.account_number.last4().to_owned(),
        ifsc: row.ifsc,
        bank_name: row.bank_name,
    })
}

/// Points the platform row at the new account, again under the `If-Match` and editable checks
/// (now under the row lock), and returns the account it replaced.
async fn link_payout_account(
    platform: &mut AsyncPgConnection,
    seller: &SellerRow,
    if_match: &IfMatch,
    summary: &PayoutAccountSummary,
) -> ApiResult<Option<Uuid>> {
    platform
        .transaction(async |conn| {
            let current = sellers::table
                .find(seller.id)
                .select(SellerRow::as_select())
                .for_update()
                .first(conn)
                .await?;
            if_match.check_if_present(&etag(current.version))?;
            ensure_editable(current.status)?;
            diesel::update(sellers::table.find(seller.id))
                .set((
                    sellers::payout_account_ref.eq(summary.reference),
                    sellers::payout_last4.eq(&summary.last4),
                    sellers::payout_ifsc.eq(&summary.ifsc),
                    sellers::payout_bank_name.eq(&summary.bank_name),
                    sellers::version.eq(current.version + 1),
                    sellers::updated_at.eq(Utc::now()),
                ))
                .execute(conn)
                .await?;
            Ok::<_, ApiError>(current.payout_account_ref)
        })
        .await
}

async fn delete_payout_row(pool: &PgPool, id: Uuid) {
    let deleted = match pool.get().await {
        Ok(mut conn) => diesel::delete(payout_accounts::table.find(id))
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = deleted {
        // Left for a reconciliation sweep: a row no seller points at.
        tracing::error!(error = %e, payout_account = %id, "could not delete an unreferenced payout account");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payout_accounts_are_checked() {
        let ok = parse_payout_account(PayoutAccountRequest {
            account_holder_name: Some("Tiruppur Knits".into()),
            account_number: Some("5010 0123 456789".into()),
            ifsc: Some("hdfc0001234".into()),
            bank_name: None,
        })
        .unwrap();
        assert_eq!(ok.account_number.as_str(), "50100123456789");
        assert_eq!(ok.ifsc.as_str(), "HDFC0001234");
        let err = parse_payout_account(PayoutAccountRequest {
            account_holder_name: None,
            account_number: Some("12AB".into()),
            ifsc: Some("HDFCO001234".into()),
            bank_name: None,
        })
        .err()
        .unwrap();
        let ApiError::Validation(errors) = err else {
            panic!("expected validation")
        };
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["account_holder_name", "account_number", "ifsc"]);
        assert!(errors.iter().all(|e| !e.message.contains("12AB")));
    }
}
