//! The checklist of an application: which template items apply, what is missing for approval,
//! reading it, and ticking items.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::application::{Need, loaded_for};
use super::bodies::template_of;
use super::claims::ensure_holder;
use crate::auth::Principal;
use crate::db::schema::vetting_checklist;
use crate::error::{ApiError, ApiResult};
use crate::sellers::api::{EnterpriseType, SellerStatus};
use crate::sellers::model::{SellerRow, public_id};
use crate::vetting::api::*;
use crate::vetting::model::ChecklistRow;

/// The longest note on a tick, in characters.
const MAX_TICK_NOTE: usize = 2000;

/// Whether a template item applies to a seller of this enterprise type and MSME status.
pub fn applies(
    item: &ChecklistItemTemplate,
    enterprise_type: Option<EnterpriseType>,
    msme: bool,
) -> bool {
    let type_ok = match &item.applies_to {
        None => true,
        Some(types) if types.is_empty() => true,
        Some(types) => enterprise_type.is_some_and(|t| types.contains(&t)),
    };
    type_ok && (!item.msme_only || msme)
}

/// Applicable mandatory items not ticked: what stands between the application and approval.
pub fn missing_mandatory(
    template: &[ChecklistItemTemplate],
    enterprise_type: Option<EnterpriseType>,
    msme: bool,
    ticked: &[String],
) -> Vec<String> {
    template
        .iter()
        .filter(|it| it.mandatory && applies(it, enterprise_type, msme))
        .filter(|it| !ticked.contains(&it.code))
        .map(|it| it.code.clone())
        .collect()
}

/// The checklist of a seller: every template item with its applicability and tick, and the
/// mandatory items still missing.
fn checklist_view(
    row: &SellerRow,
    template: &[ChecklistItemTemplate],
    ticks: &[ChecklistRow],
) -> Checklist {
    let msme = row.msme_category.is_some();
    let enterprise_type = row.enterprise_type;
    let items = template
        .iter()
        .map(|it| {
            let tick = ticks.iter().find(|t| t.item_code == it.code);
            ChecklistEntry {
                code: it.code.clone(),
                label: it.label.clone(),
                mandatory: it.mandatory,
                applicable: applies(it, enterprise_type, msme),
                ticked: tick.is_some_and(|t| t.ticked),
                note: tick.and_then(|t| t.note.clone()),
                ticked_by: tick.map(|t| t.ticked_by),
                ticked_at: tick.map(|t| t.ticked_at),
            }
        })
        .collect();
    Checklist {
        seller_id: public_id(row),
        items,
        missing_mandatory: missing_mandatory(template, enterprise_type, msme, &ticked_codes(ticks)),
    }
}

/// The codes of the items ticked (an unticked row records that an item was unticked).
pub(super) fn ticked_codes(ticks: &[ChecklistRow]) -> Vec<String> {
    ticks
        .iter()
        .filter(|t| t.ticked)
        .map(|t| t.item_code.clone())
        .collect()
}

/// The ticks recorded on seller row `seller_id`.
pub(super) async fn ticks_of(
    conn: &mut AsyncPgConnection,
    seller_id: Uuid,
) -> ApiResult<Vec<ChecklistRow>> {
    Ok(vetting_checklist::table
        .filter(vetting_checklist::seller_id.eq(seller_id))
        .select(ChecklistRow::as_select())
        .load(conn)
        .await?)
}

/// The application's checklist as its body's template has it, with the ticks so far: for the
/// body's officers, admins and auditors.
pub async fn get_checklist(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Checklist> {
    let (loaded, body) = loaded_for(conn, principal, id, Need::Staff, false).await?;
    let ticks = ticks_of(conn, loaded.row.id).await?;
    Ok(checklist_view(&loaded.row, &template_of(&body)?, &ticks))
}

/// Ticks or unticks an item: the lease holder only, while the application is under review.
pub async fn tick(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    item_code: &str,
    req: TickRequest,
) -> ApiResult<Checklist> {
    let note = req
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if let Some(n) = &note
        && n.chars().count() > MAX_TICK_NOTE
    {
        return Err(ApiError::field(
            "note",
            "too_long",
            format!("at most {MAX_TICK_NOTE} characters"),
        ));
    }
    conn.transaction(async |conn| {
        let (loaded, body) = loaded_for(conn, principal, id, Need::Officer, true).await?;
        let id = loaded.row.id;
        let template = template_of(&body)?;
        if !template.iter().any(|it| it.code == item_code) {
            return Err(ApiError::NotFound);
        }
        let now = Utc::now();
        let status = loaded.row.status;
        if status != SellerStatus::UnderReview {
            return Err(ApiError::Conflict(format!(
                "the checklist is read-only while the application is {status}; it changes only \
                 while the application is under review"
            )));
        }
        ensure_holder(loaded.claim(now).as_ref(), principal.user_id)?;
        let row = ChecklistRow {
            seller_id: id,
            item_code: item_code.to_owned(),
            ticked: req.ticked,
            note,
            ticked_by: principal.user_id,
            ticked_at: now,
            home_jurisdiction: loaded.row.home_jurisdiction.clone(),
        };
        diesel::insert_into(vetting_checklist::table)
            .values(&row)
            .on_conflict((vetting_checklist::seller_id, vetting_checklist::item_code))
            .do_update()
            .set((
                vetting_checklist::ticked.eq(row.ticked),
                vetting_checklist::note.eq(&row.note),
                vetting_checklist::ticked_by.eq(row.ticked_by),
                vetting_checklist::ticked_at.eq(row.ticked_at),
            ))
            .execute(conn)
            .await?;
        let ticks = ticks_of(conn, id).await?;
        Ok(checklist_view(&loaded.row, &template, &ticks))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vetting::service::default_checklist;
    use crate::vetting::service::testing::s;

    #[test]
    fn approval_needs_applicable_mandatory_items() {
        let template = default_checklist();
        let all = s(&[
            "gstin_verified",
            "iec_verified",
            "udyam_verified",
            "address_proof",
            "manufacturing_evidence",
        ]);
        assert!(
            missing_mandatory(&template, Some(EnterpriseType::Manufacturer), true, &all).is_empty()
        );
        assert_eq!(
            missing_mandatory(
                &template,
                Some(EnterpriseType::Manufacturer),
                true,
                &all[..4]
            ),
            ["manufacturing_evidence"]
        );
        // A trader needs no manufacturing evidence; a non-MSME no Udyam check.
        assert!(
            missing_mandatory(
                &template,
                Some(EnterpriseType::MerchantExporter),
                true,
                &all[..4]
            )
            .is_empty()
        );
        assert!(
            missing_mandatory(
                &template,
                Some(EnterpriseType::MerchantExporter),
                false,
                &s(&["gstin_verified", "iec_verified", "address_proof"])
            )
            .is_empty()
        );
        assert_eq!(
            missing_mandatory(&template, Some(EnterpriseType::Manufacturer), false, &[]),
            [
                "gstin_verified",
                "iec_verified",
                "address_proof",
                "manufacturing_evidence"
            ]
        );
    }
}
