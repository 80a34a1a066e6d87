//! The rules of what may leave: small-cell suppression (pure) and the aggregates, recorded in the
//! egress log in the same transaction that reads them.

use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::api::{Aggregates, Breakdown, Cell, EgressRecord, RfqBreakdown};
use crate::auth::Role;
use crate::auth::principal::Principal;
use crate::db::schema::egress_log;
use crate::error::{ApiError, ApiResult};
use crate::paging::{Direction, Page, PageParams};

/// Counts below this are withheld (`../shared/reference/residency.md`: cells < 5).
pub const THRESHOLD: i64 = 5;

/// Who may take aggregates abroad and read the egress log.
const READERS: &[Role] = &[Role::Admin, Role::Auditor];

const ENDPOINT: &str = "GET /v1/partner/aggregates";

/// The cells of one breakdown, sorted by value. A count below `threshold` is withheld; then,
/// while the withheld cells are a single one or add up to less than `threshold` (a reader who
/// knows the total from another breakdown could work them out by subtraction), the smallest
/// published cell is withheld too.
pub fn suppress(mut cells: Vec<(String, i64)>, threshold: i64) -> Vec<Cell> {
    cells.sort_by(|a, b| a.0.cmp(&b.0));
    let mut hidden: Vec<bool> = cells.iter().map(|c| c.1 < threshold).collect();
    loop {
        let withheld = hidden.iter().filter(|h| **h).count();
        let sum: i64 = cells
            .iter()
            .zip(&hidden)
            .filter(|(_, h)| **h)
            .map(|(c, _)| c.1)
            .sum();
        if withheld == 0 || withheld == cells.len() || (withheld >= 2 && sum >= threshold) {
            break;
        }
        let smallest = cells
            .iter()
            .enumerate()
            .filter(|(i, _)| !hidden[*i])
            .min_by(|a, b| a.1.1.cmp(&b.1.1).then_with(|| a.1.0.cmp(&b.1.0)))
            .map(|(i, _)| i);
        match smallest {
            Some(i) => hidden[i] = true,
            None => break,
        }
    }
    cells
        .into_iter()
        .zip(hidden)
        .map(|((value, count), suppressed)| Cell {
            value,
            count: (!suppressed).then_some(count),
            suppressed,
        })
        .collect()
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Text)]
    value: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The breakdowns, by name (the egress log's categories), and their SQL.
const BREAKDOWNS: [(&str, &str); 5] = [
    (
        "sellers_by_sector",
        "SELECT unnest(sectors) AS value, count(*) AS n FROM sellers \
         WHERE status = 'approved' GROUP BY 1",
    ),
    (
        "sellers_by_state",
        "SELECT address_state AS value, count(*) AS n FROM sellers \
         WHERE status = 'approved' AND address_state IS NOT NULL GROUP BY 1",
    ),
    (
        "listings_by_sector",
        "SELECT sector AS value, count(*) AS n FROM listings \
         WHERE status = 'published' AND seller_in_good_standing GROUP BY 1",
    ),
    (
        "listings_by_state",
        "SELECT origin_state AS value, count(*) AS n FROM listings \
         WHERE status = 'published' AND seller_in_good_standing GROUP BY 1",
    ),
    (
        "rfqs_by_buyer_country",
        "SELECT b.country_code AS value, count(*) AS n FROM rfqs r \
         JOIN buyer_profiles b ON b.organisation_id = r.buyer_organisation_id GROUP BY 1",
    ),
];

/// The aggregates, with small cells withheld, recorded in the egress log in the same
/// transaction (no answer leaves unrecorded). Admins and auditors.
pub async fn aggregates(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
) -> ApiResult<Aggregates> {
    principal.require(READERS)?;
    conn.transaction(async |conn| {
        let mut cells: Vec<Vec<Cell>> = Vec::with_capacity(BREAKDOWNS.len());
        for (_, sql) in BREAKDOWNS {
            let counts: Vec<Count> = diesel::sql_query(sql).load(conn).await?;
            cells.push(suppress(
                counts.into_iter().map(|c| (c.value, c.n)).collect(),
                THRESHOLD,
            ));
        }
        let all = cells.iter().flatten();
        let withheld = all.clone().filter(|c| c.suppressed).count();
        let published = all.count() - withheld;
        let id = Uuid::now_v7();
        let count = |n: usize| i32::try_from(n).map_err(ApiError::internal);
        diesel::insert_into(egress_log::table)
            .values((
                egress_log::id.eq(id),
                egress_log::actor_user_id.eq(principal.user_id),
                egress_log::actor_role.eq(principal.role.as_str()),
                egress_log::endpoint.eq(ENDPOINT),
                egress_log::categories.eq(BREAKDOWNS.map(|(name, _)| name).to_vec()),
                egress_log::published_cells.eq(count(published)?),
                egress_log::suppressed_cells.eq(count(withheld)?),
                egress_log::threshold.eq(THRESHOLD as i32),
            ))
            .execute(conn)
            .await?;
        let mut cells = cells.into_iter();
        let mut next = || cells.next().unwrap_or_default();
        Ok(Aggregates {
            generated_at: Utc::now(),
            suppressed_below: THRESHOLD,
            sellers: Breakdown {
                by_sector: next(),
                by_state: next(),
            },
            listings: Breakdown {
                by_sector: next(),
                by_state: next(),
            },
            rfqs: RfqBreakdown {
                by_buyer_country: next(),
            },
            egress_id: id,
        })
    })
    .await
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = egress_log)]
struct EgressRow {
    id: Uuid,
    at: chrono::DateTime<Utc>,
    actor_user_id: Uuid,
    actor_role: String,
    endpoint: String,
    categories: Vec<String>,
    published_cells: i32,
    suppressed_cells: i32,
    threshold: i32,
}

/// The egress log, newest first. Admins and auditors.
pub async fn egress_log(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    page: &PageParams,
) -> ApiResult<Page<EgressRecord>> {
    principal.require(READERS)?;
    let keyset = page.keyset(Direction::NewestFirst)?;
    let rows: Vec<EgressRow> = keyset
        .apply(
            egress_log::table
                .select(EgressRow::as_select())
                .into_boxed(),
            egress_log::id,
        )
        .load(conn)
        .await?;
    let records = rows
        .into_iter()
        .map(|r| EgressRecord {
            id: r.id,
            at: r.at,
            actor_user_id: r.actor_user_id,
            actor_role: r.actor_role,
            endpoint: r.endpoint,
            categories: r.categories,
            published_cells: r.published_cells,
            suppressed_cells: r.suppressed_cells,
            threshold: r.threshold,
        })
        .collect();
    Ok(keyset.page(records, |r| r.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(v: &[(&str, i64)]) -> Vec<(String, i64)> {
        v.iter().map(|(s, n)| (s.to_string(), *n)).collect()
    }

    fn shown(out: &[Cell]) -> Vec<(&str, Option<i64>)> {
        out.iter().map(|c| (c.value.as_str(), c.count)).collect()
    }

    #[test]
    fn small_cells_are_withheld_and_never_alone() {
        // Nothing small: all published, sorted by value.
        let out = suppress(cells(&[("UP", 9), ("TN", 12)]), 5);
        assert_eq!(shown(&out), [("TN", Some(12)), ("UP", Some(9))]);
        // One small cell: the smallest other cell goes with it.
        let out = suppress(cells(&[("TN", 12), ("UP", 3), ("WB", 7), ("GJ", 40)]), 5);
        assert_eq!(
            shown(&out),
            [
                ("GJ", Some(40)),
                ("TN", Some(12)),
                ("UP", None),
                ("WB", None)
            ]
        );
        // Two small cells adding up to less than the threshold: a third goes too.
        let out = suppress(cells(&[("a", 1), ("b", 2), ("c", 6), ("d", 8)]), 5);
        assert_eq!(
            shown(&out),
            [("a", None), ("b", None), ("c", None), ("d", Some(8))]
        );
        // Everything small: everything withheld.
        let out = suppress(cells(&[("a", 1), ("b", 2)]), 5);
        assert!(out.iter().all(|c| c.suppressed && c.count.is_none()));
        assert!(suppress(Vec::new(), 5).is_empty());
    }

    proptest::proptest! {
        #[test]
        fn no_small_count_is_published_or_derivable(
            counts in proptest::collection::vec(1i64..40, 0..12),
        ) {
            let input: Vec<(String, i64)> =
                counts.iter().enumerate().map(|(i, n)| (format!("v{i:02}"), *n)).collect();
            let out = suppress(input, THRESHOLD);
            proptest::prop_assert_eq!(out.len(), counts.len());
            let withheld: Vec<i64> = out
                .iter()
                .zip(&counts)
                .filter(|(c, _)| c.suppressed)
                .map(|(_, n)| *n)
                .collect();
            for (c, n) in out.iter().zip(&counts) {
                // Published counts are the true ones and never small.
                proptest::prop_assert_eq!(c.suppressed, c.count.is_none());
                if let Some(shown) = c.count {
                    proptest::prop_assert_eq!(shown, *n);
                    proptest::prop_assert!(shown >= THRESHOLD);
                }
            }
            // The withheld cells are none, all, or at least two adding up to the threshold.
            let all = withheld.len() == counts.len();
            proptest::prop_assert!(
                withheld.is_empty()
                    || all
                    || (withheld.len() >= 2 && withheld.iter().sum::<i64>() >= THRESHOLD)
            );
        }
    }
}
