//! An application as vetting sees it: loading the seller row with its lease, who may see and
//! act on it, the other holders of its identifiers, and its view.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::bodies::{as_of_version, body_row};
use super::claims::live_claim;
use super::queue::{age_hours, sla_breached};
use crate::auth::{Principal, Role};
use crate::db::schema::sellers;
use crate::error::{ApiError, ApiResult};
use crate::sellers::api::{PublicIdentifier, SellerStatus};
use crate::sellers::model::{SellerRow, badge_of, public_id};
use crate::sellers::{can_view, named};
use crate::vetting::api::{Application, Claim, IdentifierHolder};
use crate::vetting::model::VettingBodyRow;

/// A seller row with its lease.
pub(super) struct Loaded {
    pub(super) row: SellerRow,
    pub(super) claimed_by: Option<Uuid>,
    pub(super) claim_expires_at: Option<DateTime<Utc>>,
    /// The body version the application is worked with (from its first claim since submission).
    pub(super) body_version: Option<i32>,
}

impl Loaded {
    pub(super) fn claim(&self, now: DateTime<Utc>) -> Option<Claim> {
        live_claim(self.claimed_by, self.claim_expires_at, now)
    }
}

/// The seller named by `id` (its public id, or an older profile's row id); later writes use
/// `row.id`.
pub(super) async fn load(conn: &mut AsyncPgConnection, id: Uuid, lock: bool) -> ApiResult<Loaded> {
    let query = named(id).select((
        SellerRow::as_select(),
        sellers::claimed_by,
        sellers::claim_expires_at,
        sellers::vetting_body_version,
    ));
    let (row, claimed_by, claim_expires_at, body_version) = if lock {
        query.for_update().first(conn).await?
    } else {
        query.first(conn).await?
    };
    Ok(Loaded {
        row,
        claimed_by,
        claim_expires_at,
        body_version,
    })
}

/// Who may do what with an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Officers of the seller's body (claim, checklist, decision).
    Officer,
    /// Officers of the body or admins (suspend, reinstate).
    OfficerOrAdmin,
    /// Officers of the body, admins, auditors (read the application and checklist).
    Staff,
}

/// 404 unless the caller may see the seller at all (another body's officer, another seller, a
/// buyer); 403 when it may see it but not act (the seller itself, an auditor deciding).
pub fn authorise(
    principal: &Principal,
    organisation_id: Uuid,
    vetting_body_id: Option<Uuid>,
    need: Need,
) -> ApiResult<()> {
    if !can_view(principal, organisation_id, vetting_body_id) {
        return Err(ApiError::NotFound);
    }
    let allowed: &[Role] = match need {
        Need::Officer => &[Role::VettingOfficer],
        Need::OfficerOrAdmin => &[Role::VettingOfficer, Role::Admin],
        Need::Staff => &[Role::VettingOfficer, Role::Admin, Role::Auditor],
    };
    principal.require(allowed)
}

/// The application named by `id` (locked for update when `lock`), once the caller passes
/// `need`, with the body working it — its checklist template and reason codes those of the
/// version the application is worked with; an unassigned application is not found.
pub(super) async fn loaded_for(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    need: Need,
    lock: bool,
) -> ApiResult<(Loaded, VettingBodyRow)> {
    let loaded = load(conn, id, lock).await?;
    authorise(
        principal,
        loaded.row.organisation_id,
        loaded.row.vetting_body_id,
        need,
    )?;
    let body_id = loaded.row.vetting_body_id.ok_or(ApiError::NotFound)?;
    let body = body_row(conn, body_id).await?;
    let body = as_of_version(conn, body, loaded.body_version).await?;
    Ok((loaded, body))
}

/// How many other holders of an application's identifiers are listed.
pub const MAX_SAME_IDENTIFIERS: usize = 20;

#[derive(QueryableByName)]
struct HolderRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    organisation_id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    legal_name: Option<String>,
    #[diesel(sql_type = Text)]
    status: SellerStatus,
    #[diesel(sql_type = Bool)]
    gstin: bool,
    #[diesel(sql_type = Bool)]
    iec: bool,
    #[diesel(sql_type = Bool)]
    udyam_number: bool,
}

/// Other sellers holding the application's GSTIN, IEC or Udyam number (one indexed query),
/// approved first; and whether there are more than listed.
pub(super) async fn same_identifiers(
    conn: &mut AsyncPgConnection,
    row: &SellerRow,
) -> ApiResult<(Vec<IdentifierHolder>, bool)> {
    if row.gstin.is_none() && row.iec.is_none() && row.udyam_number.is_none() {
        return Ok((Vec::new(), false));
    }
    let mut rows: Vec<HolderRow> = diesel::sql_query(
        "SELECT organisation_id, legal_name, status,
                coalesce(gstin = $2, false) AS gstin,
                coalesce(iec = $3, false) AS iec,
                coalesce(udyam_number = $4, false) AS udyam_number
         FROM sellers
         WHERE id <> $1 AND (gstin = $2 OR iec = $3 OR udyam_number = $4)
         ORDER BY status = 'approved' DESC, id
         LIMIT $5",
    )
    .bind::<diesel::sql_types::Uuid, _>(row.id)
    .bind::<Nullable<Text>, _>(&row.gstin)
    .bind::<Nullable<Text>, _>(&row.iec)
    .bind::<Nullable<Text>, _>(&row.udyam_number)
    .bind::<diesel::sql_types::BigInt, _>(MAX_SAME_IDENTIFIERS as i64 + 1)
    .load(conn)
    .await?;
    let truncated = rows.len() > MAX_SAME_IDENTIFIERS;
    rows.truncate(MAX_SAME_IDENTIFIERS);
    let holders = rows
        .into_iter()
        .map(|h| {
            let shared = [
                (h.gstin, PublicIdentifier::Gstin),
                (h.iec, PublicIdentifier::Iec),
                (h.udyam_number, PublicIdentifier::UdyamNumber),
            ]
            .into_iter()
            .filter_map(|(same, which)| same.then_some(which))
            .collect();
            Ok(IdentifierHolder {
                seller_id: h.organisation_id,
                legal_name: h.legal_name,
                status: h.status,
                shared,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok((holders, truncated))
}

/// The application as staff see it at `now`.
pub(super) fn application_view(
    loaded: &Loaded,
    body: &VettingBodyRow,
    now: DateTime<Utc>,
    (same_identifiers, same_identifiers_truncated): (Vec<IdentifierHolder>, bool),
) -> ApiResult<Application> {
    let row = &loaded.row;
    let status = row.status;
    Ok(Application {
        seller_id: public_id(row),
        vetting_body_id: body.id,
        vetting_body_version: loaded.body_version,
        status,
        trading_name: row.trading_name.clone(),
        enterprise_type: row.enterprise_type,
        msme_category: row.msme_category,
        sectors: row.sectors.clone(),
        state: row.address_state.clone(),
        submitted_at: row.submitted_at,
        age_hours: row.submitted_at.map(|at| age_hours(at, now)),
        sla_breached: row
            .submitted_at
            .is_some_and(|at| sla_breached(status, at, body.sla_hours, now)),
        decided_at: row.decided_at,
        valid_until: row.valid_until,
        badge: badge_of(row),
        claim: loaded.claim(now),
        profile_url: format!("/v1/sellers/{}", public_id(row)),
        same_identifiers,
        same_identifiers_truncated,
    })
}

/// The application with its lease and the other holders of its identifiers: for the body's
/// officers, admins and auditors.
pub async fn get_application(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Application> {
    let (loaded, body) = loaded_for(conn, principal, id, Need::Staff, false).await?;
    let same = same_identifiers(conn, &loaded.row).await?;
    application_view(&loaded, &body, Utc::now(), same)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_may_act_on_an_application() {
        let (seller_org, body, other_body) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let p = |role, organisation_id| Principal {
            user_id: Uuid::now_v7(),
            organisation_id,
            role,
            session_id: Uuid::now_v7(),
            email_verified: true,
        };
        let check = |who: &Principal, need| authorise(who, seller_org, Some(body), need);
        let status = |r: ApiResult<()>| match r {
            Ok(()) => 200,
            Err(ApiError::Forbidden(_)) => 403,
            Err(ApiError::NotFound) => 404,
            Err(other) => panic!("{other:?}"),
        };
        let officer = p(Role::VettingOfficer, body);
        let stranger = p(Role::VettingOfficer, other_body);
        let seller = p(Role::Seller, seller_org);
        let other_seller = p(Role::Seller, Uuid::now_v7());
        let buyer = p(Role::Buyer, Uuid::now_v7());
        let admin = p(Role::Admin, Uuid::now_v7());
        let auditor = p(Role::Auditor, Uuid::now_v7());
        for (who, officer_only, officer_or_admin, staff) in [
            (&officer, 200, 200, 200),
            (&stranger, 404, 404, 404),
            (&seller, 403, 403, 403),
            (&other_seller, 404, 404, 404),
            (&buyer, 404, 404, 404),
            (&admin, 403, 200, 200),
            (&auditor, 403, 403, 200),
        ] {
            assert_eq!(status(check(who, Need::Officer)), officer_only, "{who:?}");
            assert_eq!(
                status(check(who, Need::OfficerOrAdmin)),
                officer_or_admin,
                "{who:?}"
            );
            assert_eq!(status(check(who, Need::Staff)), staff, "{who:?}");
        }
        // Unassigned applications are invisible to every officer.
        assert_eq!(
            status(authorise(&officer, seller_org, None, Need::Staff)),
            404
        );
    }
}
