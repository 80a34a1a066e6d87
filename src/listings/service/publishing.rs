//! Moving a listing: publish (only an approved seller; the first publish charges the listing
//! fee from the fee schedule in force, nothing for a verified MSME), pause, archive.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::editing::{check_access, load};
use super::views::listing_view;
use crate::auth::{Principal, Role};
use crate::error::{ApiError, ApiResult};
use crate::http::{IfMatch, etag};
use crate::listings::api::{FeeWaiver, Listing};
use crate::listings::lifecycle::{Action, FeeCharge, record};
use crate::money::{CurrencyCode, Money, round_half_up_i64};
use crate::sellers::api::{Badge, BadgeKind, SellerStatus};
use crate::sellers::model::{badge_of, public_id};
use crate::settlement::engine::FeeSchedule;
use crate::settlement::schedules;

/// The fee of a first publish at `now` under `schedule` (version `version`) by a seller with
/// `badge`: the schedule's listing fee plus GST on fees, or nothing while the badge is a valid
/// verified-MSME badge.
pub fn fee_for(
    schedule: &FeeSchedule,
    version: i32,
    badge: Option<&Badge>,
    now: DateTime<Utc>,
) -> ApiResult<FeeCharge> {
    let verified_msme = badge.is_some_and(|b| b.kind == BadgeKind::VerifiedMsme && b.valid_at(now));
    let inr = CurrencyCode::INR;
    let (fee, waived) = if verified_msme {
        (Decimal::ZERO, Some(FeeWaiver::VerifiedMsme))
    } else {
        (schedule.listing_fee.amount_inr, None)
    };
    let fee_minor = Money::from_decimal(fee, inr)
        .map_err(ApiError::internal)?
        .minor;
    let gst_minor = round_half_up_i64(Decimal::from(fee_minor) * schedule.gst_rate_on_fees)
        .map_err(ApiError::internal)?;
    Ok(FeeCharge {
        fee_minor,
        gst_minor,
        currency: inr.as_str(),
        schedule_version: version,
        waived,
    })
}

/// Publishes, pauses or archives the caller's listing. `If-Match` is optional here (412 when
/// stale). Publishing needs an approved seller (409 otherwise).
pub async fn move_listing(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    action: Action,
    if_match: &IfMatch,
) -> ApiResult<Listing> {
    principal.require(&[Role::Seller])?;
    conn.transaction(async |conn| {
        let (current, seller) = load(conn, id, true).await?;
        check_access(principal, &seller, true)?;
        if_match.check_if_present(&etag(current.version))?;
        let mut fee = None;
        if action == Action::Publish {
            // The transition's own refusal (e.g. archived) comes first.
            crate::listings::lifecycle::transition(current.status, action)?;
            if seller.status != SellerStatus::Approved {
                return Err(ApiError::Conflict(format!(
                    "only an approved seller publishes listings; the seller is {}",
                    seller.status
                )));
            }
            if current.first_published_at.is_none() {
                let now = Utc::now();
                let (schedule_ref, schedule) = schedules::in_force(conn, now).await?;
                fee = Some(fee_for(
                    &schedule,
                    schedule_ref.version,
                    badge_of(&seller).as_ref(),
                    now,
                )?);
            }
        }
        let row = record(conn, &current, action, Some(principal.user_id), fee).await?;
        listing_view(&row, public_id(&seller))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settlement::defaults::default_fee_schedule;

    fn badge(kind: BadgeKind, valid_until: Option<DateTime<Utc>>) -> Option<Badge> {
        Some(Badge {
            kind,
            issued_by: Uuid::now_v7(),
            issued_at: Utc::now(),
            valid_until,
        })
    }

    #[test]
    fn verified_msmes_list_for_free_and_others_pay_the_schedules_fee_plus_gst() {
        let schedule = default_fee_schedule();
        let now = Utc::now();
        let later = Some(now + chrono::Duration::days(30));
        let free = fee_for(
            &schedule,
            3,
            badge(BadgeKind::VerifiedMsme, later).as_ref(),
            now,
        )
        .unwrap();
        assert_eq!(
            free,
            FeeCharge {
                fee_minor: 0,
                gst_minor: 0,
                currency: "INR",
                schedule_version: 3,
                waived: Some(FeeWaiver::VerifiedMsme),
            }
        );
        for other in [
            None,
            badge(BadgeKind::VerifiedExporter, later),
            badge(
                BadgeKind::VerifiedMsme,
                Some(now - chrono::Duration::days(1)),
            ),
        ] {
            let paid = fee_for(&schedule, 3, other.as_ref(), now).unwrap();
            assert_eq!(
                (paid.fee_minor, paid.gst_minor, paid.waived),
                (50_000, 9_000, None)
            );
        }
    }
}
