//! `residency verify`: after the copy has caught up, per replicated table, the row count and an
//! order-independent digest (sum of a 64-bit hash of each row's text form) of the platform's
//! rows of the jurisdiction against the in-country copy's rows. Where they differ, the key space
//! is narrowed one hex digit at a time (like a Merkle tree walk) to name the key ranges.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

use super::{REPLICATED_TABLES, ReplicatedTable, connect, current_database, db_err, slot_name};
use crate::config::Config;

/// Prefix length at which a drifting range is reported as is: 13 characters of a v7 uuid are
/// its millisecond timestamp, so a range then holds the rows of one millisecond.
const MAX_PREFIX: usize = 13;
/// Drifting ranges reported per table at most (coarser ranges once reached).
const MAX_RANGES: usize = 20;

/// A key range of a table whose rows differ between the platform and the copy.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Drift {
    pub key: String,
    pub from: String,
    pub to: String,
    pub platform_rows: i64,
    pub copy_rows: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct TableCheck {
    pub table: String,
    pub platform_rows: i64,
    pub copy_rows: i64,
    pub in_sync: bool,
    pub drift: Vec<Drift>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct JurisdictionCheck {
    pub jurisdiction: String,
    pub tables: Vec<TableCheck>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct VerifyReport {
    pub jurisdictions: Vec<JurisdictionCheck>,
}

impl VerifyReport {
    /// Whether any table of any jurisdiction drifted.
    pub fn drifted(&self) -> bool {
        self.jurisdictions
            .iter()
            .flat_map(|j| &j.tables)
            .any(|t| !t.in_sync)
    }
}

/// Compares every jurisdiction's copy with the platform, after waiting up to `wait` for the copy
/// to catch up (an error if it does not: lag is not drift).
pub async fn verify(config: &Config, wait: Duration) -> Result<VerifyReport, String> {
    let mut platform = connect("platform", &config.database_url).await?;
    let platform_db = current_database(&mut platform).await?;
    let mut jurisdictions = Vec::new();
    for (jurisdiction, url) in config.in_country_map() {
        let mut copy = connect(&format!("in-country {jurisdiction}"), &url).await?;
        let slot = slot_name(&platform_db, &jurisdiction);
        let subscription = super::publication_name(&jurisdiction);
        if !super::wait_caught_up(&mut platform, &mut copy, &slot, &subscription, wait).await? {
            return Err(format!(
                "the {jurisdiction} copy did not catch up within {} s (see `residency status`); \
                 not comparing, since lag is not drift",
                wait.as_secs_f64()
            ));
        }
        let mut tables = Vec::new();
        for table in REPLICATED_TABLES {
            tables.push(check_table(&mut platform, &mut copy, table, &jurisdiction).await?);
        }
        jurisdictions.push(JurisdictionCheck {
            jurisdiction,
            tables,
        });
    }
    Ok(VerifyReport { jurisdictions })
}

#[derive(QueryableByName)]
struct Bucket {
    #[diesel(sql_type = Text)]
    bucket: String,
    #[diesel(sql_type = BigInt)]
    rows: i64,
    #[diesel(sql_type = Text)]
    digest: String,
}

/// Rows and digest per next-longer key prefix, among keys starting with `prefix`.
async fn buckets(
    conn: &mut AsyncPgConnection,
    table: &ReplicatedTable,
    jurisdiction: Option<&str>,
    prefix: &str,
) -> Result<BTreeMap<String, (i64, String)>, String> {
    let filter = jurisdiction.map_or(String::new(), |j| {
        format!("t.home_jurisdiction = '{j}' AND ")
    });
    let rows: Vec<Bucket> = sql_query(format!(
        "SELECT substr(t.{key}::text, 1, $1) AS bucket, count(*) AS rows, \
                sum(('x' || substr(md5(t::text), 1, 16))::bit(64)::bigint::numeric)::text AS digest \
           FROM {name} t \
          WHERE {filter}starts_with(t.{key}::text, $2) \
          GROUP BY 1",
        key = table.key,
        name = table.name,
    ))
    .bind::<diesel::sql_types::Integer, _>(i32::try_from(prefix.len() + 1).unwrap_or(i32::MAX))
    .bind::<Text, _>(prefix)
    .load(conn)
    .await
    .map_err(db_err(table.name))?;
    Ok(rows
        .into_iter()
        .map(|b| (b.bucket, (b.rows, b.digest)))
        .collect())
}

/// The lowest and highest uuid with the prefix.
fn key_range(prefix: &str) -> (String, String) {
    const LOW: &str = "00000000-0000-0000-0000-000000000000";
    const HIGH: &str = "ffffffff-ffff-ffff-ffff-ffffffffffff";
    let n = prefix.len().min(LOW.len());
    (
        format!("{prefix}{}", &LOW[n..]),
        format!("{prefix}{}", &HIGH[n..]),
    )
}

async fn check_table(
    platform: &mut AsyncPgConnection,
    copy: &mut AsyncPgConnection,
    table: &ReplicatedTable,
    jurisdiction: &str,
) -> Result<TableCheck, String> {
    let mut check = TableCheck {
        table: table.name.to_owned(),
        platform_rows: 0,
        copy_rows: 0,
        in_sync: true,
        drift: Vec::new(),
    };
    let mut queue = VecDeque::from([String::new()]);
    let mut first = true;
    while let Some(prefix) = queue.pop_front() {
        let here = buckets(platform, table, Some(jurisdiction), &prefix).await?;
        let there = buckets(copy, table, None, &prefix).await?;
        if first {
            check.platform_rows = here.values().map(|b| b.0).sum();
            check.copy_rows = there.values().map(|b| b.0).sum();
            first = false;
        }
        let keys: std::collections::BTreeSet<&String> = here.keys().chain(there.keys()).collect();
        for bucket in keys {
            let (a, b) = (here.get(bucket), there.get(bucket));
            if a == b {
                continue;
            }
            check.in_sync = false;
            if bucket.len() < MAX_PREFIX && check.drift.len() + queue.len() < MAX_RANGES {
                queue.push_back(bucket.clone());
            } else {
                let (from, to) = key_range(bucket);
                check.drift.push(Drift {
                    key: table.key.to_owned(),
                    from,
                    to,
                    platform_rows: a.map_or(0, |x| x.0),
                    copy_rows: b.map_or(0, |x| x.0),
                });
            }
        }
    }
    Ok(check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ranges_pad_the_prefix() {
        assert_eq!(
            key_range("0192f3a1-b"),
            (
                "0192f3a1-b000-0000-0000-000000000000".to_owned(),
                "0192f3a1-bfff-ffff-ffff-ffffffffffff".to_owned()
            )
        );
        assert_eq!(key_range("").0, "00000000-0000-0000-0000-000000000000");
    }
}
