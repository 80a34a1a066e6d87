//! Which body works an application: the best of its jurisdiction by priority-sector overlap,
//! chosen at submission or, for applications that waited without one, by the hourly sweep.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Array;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{sellers, vetting_bodies};
use crate::error::{ApiError, ApiResult};
use crate::sellers::api::{Sector, SellerStatus};
use crate::sellers::model::SellerRow;

/// A candidate body for a seller: id, creation time, priority sectors.
pub type Candidate<S> = (Uuid, DateTime<Utc>, Vec<S>);

/// The body whose priority sectors overlap the seller's most; ties go to the oldest body.
pub fn pick_body<S: PartialEq>(candidates: &[Candidate<S>], seller_sectors: &[S]) -> Option<Uuid> {
    candidates
        .iter()
        .min_by_key(|(id, created_at, priority)| {
            let overlap = seller_sectors
                .iter()
                .filter(|s| priority.contains(s))
                .count();
            (std::cmp::Reverse(overlap), *created_at, *id)
        })
        .map(|(id, _, _)| *id)
}

/// The body a submission goes to: the one already working it, else the best of the seller's
/// jurisdiction, else none (it waits, and is assigned when a body is created).
pub async fn body_for_submission(
    conn: &mut AsyncPgConnection,
    seller: &SellerRow,
) -> ApiResult<Option<Uuid>> {
    if seller.vetting_body_id.is_some() {
        return Ok(seller.vetting_body_id);
    }
    let candidates: Vec<Candidate<Sector>> = vetting_bodies::table
        .filter(vetting_bodies::jurisdiction.eq(&seller.home_jurisdiction))
        .select((
            vetting_bodies::id,
            vetting_bodies::created_at,
            vetting_bodies::priority_sectors,
        ))
        .load(conn)
        .await?;
    Ok(pick_body(&candidates, &seller.sectors))
}

/// Assigns submitted applications still without a body (a body created while they were being
/// submitted may have missed them) to the best body of their jurisdiction (`pick_body`).
/// Set-based: one transaction of three statements for up to 1000 applications — lock the
/// waiting rows, read the candidate bodies, write every assignment at once.
pub async fn assign_waiting(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    conn.transaction(async |conn| {
        let waiting: Vec<(Uuid, String, Vec<Sector>)> = sellers::table
            .filter(sellers::vetting_body_id.is_null())
            .filter(sellers::status.eq(SellerStatus::Submitted))
            .select((sellers::id, sellers::home_jurisdiction, sellers::sectors))
            .order(sellers::id)
            .limit(1000)
            .for_update()
            .skip_locked()
            .load(conn)
            .await?;
        if waiting.is_empty() {
            return Ok(0);
        }
        let mut jurisdictions: Vec<String> = waiting.iter().map(|(_, j, _)| j.clone()).collect();
        jurisdictions.sort_unstable();
        jurisdictions.dedup();
        let bodies: Vec<(String, Uuid, DateTime<Utc>, Vec<Sector>)> = vetting_bodies::table
            .filter(vetting_bodies::jurisdiction.eq_any(&jurisdictions))
            .select((
                vetting_bodies::jurisdiction,
                vetting_bodies::id,
                vetting_bodies::created_at,
                vetting_bodies::priority_sectors,
            ))
            .load(conn)
            .await?;
        let (ids, picked): (Vec<Uuid>, Vec<Uuid>) = waiting
            .iter()
            .filter_map(|(id, jurisdiction, sectors)| {
                let candidates: Vec<Candidate<Sector>> = bodies
                    .iter()
                    .filter(|(j, ..)| j == jurisdiction)
                    .map(|(_, body, created_at, priority)| (*body, *created_at, priority.clone()))
                    .collect();
                pick_body(&candidates, sectors).map(|body| (*id, body))
            })
            .unzip();
        if ids.is_empty() {
            return Ok(0);
        }
        let assigned = diesel::sql_query(
            "UPDATE sellers SET vetting_body_id = a.body
             FROM unnest($1::uuid[], $2::uuid[]) AS a(id, body)
             WHERE sellers.id = a.id",
        )
        .bind::<Array<diesel::sql_types::Uuid>, _>(&ids)
        .bind::<Array<diesel::sql_types::Uuid>, _>(&picked)
        .execute(conn)
        .await?;
        Ok::<_, ApiError>(assigned)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vetting::service::testing::{s, t};

    #[test]
    fn assignment_prefers_overlap_then_the_oldest_body() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let bodies = vec![
            (a, t(0), s(&["leather"])),
            (b, t(10), s(&["textiles", "handicrafts"])),
            (c, t(5), s(&["textiles"])),
        ];
        assert_eq!(
            pick_body(&bodies, &s(&["textiles", "handicrafts"])),
            Some(b)
        );
        assert_eq!(pick_body(&bodies, &s(&["textiles"])), Some(c));
        assert_eq!(pick_body(&bodies, &s(&["chemicals"])), Some(a));
        assert_eq!(pick_body(&[], &s(&["textiles"])), None);
    }
}
