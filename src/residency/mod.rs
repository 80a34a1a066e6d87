//! Data residency: PostgreSQL logical replication of seller data from the platform store to the
//! in-country store of the seller's home jurisdiction (one row-filtered publication per
//! jurisdiction on the platform, one subscription on the in-country store), its status, and a
//! drift check. Library functions free of printing: the CLI prints them; `routes` serves them
//! to auditors; `monitor` keeps a recent status for `/readyz` and `/metrics`.

pub mod monitor;
pub mod record;
pub mod routes;
mod sql;
mod verify;

pub use monitor::Monitor;
pub use verify::{Drift, JurisdictionCheck, TableCheck, VerifyReport, verify};

use std::time::Duration;

use diesel::sql_types::{BigInt, Bool, Double, Integer, Nullable, Text};
use diesel::{OptionalExtension, QueryableByName, sql_query};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use serde::Serialize;

use crate::config::{Config, DatabaseUrl};

/// A table of seller data copied to the in-country store: every row carries
/// `home_jurisdiction`, and `(key, home_jurisdiction)` is its replica identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplicatedTable {
    pub name: &'static str,
    /// A uuid column that identifies the row (or its seller): drift is reported as ranges of it.
    pub key: &'static str,
}

/// What crosses to the in-country store, parents before children. Seller organisations carry
/// the company name; an organisation's `home_jurisdiction` is its registration country, so the
/// filter also copies Indian buyers', vetting bodies' and the platform's own organisation rows.
pub const REPLICATED_TABLES: &[ReplicatedTable] = &[
    ReplicatedTable {
        name: "organisations",
        key: "id",
    },
    // Profile, addresses, identifiers, contacts (jsonb), masked payout summary.
    ReplicatedTable {
        name: "sellers",
        key: "id",
    },
    // Metadata only: the file bytes are in the data directory, not in the table.
    ReplicatedTable {
        name: "seller_documents",
        key: "id",
    },
    // Every transition and vetting decision with its reasons.
    ReplicatedTable {
        name: "seller_audit_log",
        key: "id",
    },
    ReplicatedTable {
        name: "vetting_checklist",
        key: "seller_id",
    },
    ReplicatedTable {
        name: "listings",
        key: "id",
    },
    ReplicatedTable {
        name: "listing_audit_log",
        key: "id",
    },
    // Seller analytics: views and impressions per seller and day.
    ReplicatedTable {
        name: "seller_daily_stats",
        key: "seller_id",
    },
    // RFQs a seller was matched to (with the explanation of its score), its quotes and every
    // revision of them. (Its trades are payment data: written in-country only, never published.)
    ReplicatedTable {
        name: "rfq_leads",
        key: "id",
    },
    ReplicatedTable {
        name: "quotes",
        key: "id",
    },
    ReplicatedTable {
        name: "quote_revisions",
        key: "id",
    },
];

/// Localised tables: an Indian seller's rows live only in the in-country store, never published.
pub const LOCALISED_TABLES: &[&str] = &["payout_accounts"];

/// Publication on the platform store and subscription on the in-country store: `seller_data_in`.
pub fn publication_name(jurisdiction: &str) -> String {
    format!("seller_data_{}", jurisdiction.to_ascii_lowercase())
}

/// The replication slot on the platform cluster. Slot names are unique per cluster while
/// subscription names are per database, so the slot carries the platform database's name too
/// (many test databases share one cluster). At most 63 characters, `[a-z0-9_]` only.
pub fn slot_name(platform_database: &str, jurisdiction: &str) -> String {
    use sha2::{Digest, Sha256};
    let clean: String = platform_database
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = format!("{}_{clean}", publication_name(jurisdiction));
    if name.len() <= 63 && clean == platform_database {
        return name;
    }
    // Too long, or changed by cleaning (two names could then clash): keep a prefix and a hash.
    let hash = hex::encode(Sha256::digest(platform_database.as_bytes()));
    let mut short: String = name.chars().take(50).collect();
    short.push('_');
    short.push_str(&hash[..12]);
    short
}

/// The row filter of a jurisdiction's publication.
pub fn row_filter(jurisdiction: &str) -> String {
    format!("(home_jurisdiction = '{jurisdiction}'::text)")
}

/// `CREATE PUBLICATION`'s (and `ALTER PUBLICATION … SET`'s) table list.
pub fn publication_tables_sql(jurisdiction: &str) -> String {
    REPLICATED_TABLES
        .iter()
        .map(|t| format!("{} WHERE (home_jurisdiction = '{jurisdiction}')", t.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A SQL string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The jurisdictions to replicate: every configured in-country store.
fn targets(config: &Config) -> Vec<(String, DatabaseUrl)> {
    config.in_country_map().into_iter().collect()
}

async fn connect(what: &str, url: &DatabaseUrl) -> Result<AsyncPgConnection, String> {
    AsyncPgConnection::establish(&url.0)
        .await
        .map_err(|e| format!("cannot connect to the {what} store {url}: {e}"))
}

fn db_err(context: &str) -> impl FnOnce(diesel::result::Error) -> String + '_ {
    move |e| format!("{context}: {e}")
}

#[derive(QueryableByName)]
struct OneText {
    #[diesel(sql_type = Text)]
    value: String,
}

async fn current_database(conn: &mut AsyncPgConnection) -> Result<String, String> {
    let row: OneText = sql_query("SELECT current_database()::text AS value")
        .get_result(conn)
        .await
        .map_err(db_err("current_database"))?;
    Ok(row.value)
}

/// What `setup` did for one jurisdiction (empty `changes`: nothing needed doing).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SetupOutcome {
    pub jurisdiction: String,
    pub publication: String,
    pub subscription: String,
    pub slot: String,
    pub changes: Vec<String>,
}

/// Creates or corrects, per configured jurisdiction, the publication on the platform store and
/// the subscription on the in-country store. Idempotent: a second run changes nothing.
pub async fn setup(config: &Config) -> Result<Vec<SetupOutcome>, String> {
    let source = config
        .replication_source_url
        .clone()
        .unwrap_or_else(|| config.database_url.clone());
    let mut platform = connect("platform", &config.database_url).await?;
    let platform_db = current_database(&mut platform).await?;
    let mut out = Vec::new();
    for (jurisdiction, url) in targets(config) {
        let mut copy = connect(&format!("in-country {jurisdiction}"), &url).await?;
        let mut outcome = SetupOutcome {
            publication: publication_name(&jurisdiction),
            subscription: publication_name(&jurisdiction),
            slot: slot_name(&platform_db, &jurisdiction),
            jurisdiction,
            changes: Vec::new(),
        };
        sql::ensure_publication(&mut platform, &mut outcome).await?;
        sql::ensure_subscription(&mut platform, &mut copy, &source, &mut outcome).await?;
        out.push(outcome);
    }
    Ok(out)
}

/// Replication health of one jurisdiction.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct JurisdictionStatus {
    pub jurisdiction: String,
    pub publication: String,
    pub publication_exists: bool,
    pub subscription: String,
    pub subscription_exists: bool,
    pub subscription_enabled: bool,
    /// The apply worker's process id on the in-country server; none when it is not running.
    pub worker_pid: Option<i32>,
    /// Tables of the subscription, and how many finished their initial copy (state ready).
    pub tables: i64,
    pub tables_ready: i64,
    pub slot: String,
    pub slot_exists: bool,
    pub slot_active: bool,
    pub confirmed_flush_lsn: Option<String>,
    /// WAL the subscriber has not confirmed yet: `pg_current_wal_lsn() - confirmed_flush_lsn`.
    pub lag_bytes: Option<i64>,
    /// Since the worker last heard from the platform (data or keepalive).
    pub lag_seconds: Option<f64>,
    /// Subscription enabled, worker running, slot active, every table ready.
    pub healthy: bool,
}

/// Replication status of every configured jurisdiction.
pub async fn status(config: &Config) -> Result<Vec<JurisdictionStatus>, String> {
    let mut platform = connect("platform", &config.database_url).await?;
    let platform_db = current_database(&mut platform).await?;
    let mut out = Vec::new();
    for (jurisdiction, url) in targets(config) {
        let mut copy = connect(&format!("in-country {jurisdiction}"), &url).await?;
        out.push(jurisdiction_status(&mut platform, &mut copy, &platform_db, &jurisdiction).await?);
    }
    Ok(out)
}

#[derive(QueryableByName)]
struct SubscriptionRow {
    #[diesel(sql_type = Bool)]
    enabled: bool,
    #[diesel(sql_type = Nullable<Integer>)]
    pid: Option<i32>,
    #[diesel(sql_type = Nullable<Double>)]
    lag_seconds: Option<f64>,
    #[diesel(sql_type = BigInt)]
    tables: i64,
    #[diesel(sql_type = BigInt)]
    tables_ready: i64,
}

#[derive(QueryableByName)]
struct SlotRow {
    #[diesel(sql_type = Bool)]
    active: bool,
    #[diesel(sql_type = Nullable<Text>)]
    confirmed_flush_lsn: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    lag_bytes: Option<i64>,
}

async fn jurisdiction_status(
    platform: &mut AsyncPgConnection,
    copy: &mut AsyncPgConnection,
    platform_db: &str,
    jurisdiction: &str,
) -> Result<JurisdictionStatus, String> {
    let name = publication_name(jurisdiction);
    let slot = slot_name(platform_db, jurisdiction);
    let publication_exists = sql::publication_exists(platform, &name).await?;
    let sub: Option<SubscriptionRow> = sql_query(
        "SELECT s.subenabled AS enabled, w.pid, \
                extract(epoch FROM now() - coalesce(w.last_msg_receipt_time, w.latest_end_time))::float8 AS lag_seconds, \
                (SELECT count(*) FROM pg_subscription_rel r WHERE r.srsubid = s.oid) AS tables, \
                (SELECT count(*) FROM pg_subscription_rel r WHERE r.srsubid = s.oid AND r.srsubstate = 'r') AS tables_ready \
           FROM pg_subscription s \
           LEFT JOIN pg_stat_subscription w ON w.subid = s.oid AND w.relid IS NULL \
          WHERE s.subname = $1 \
            AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .bind::<Text, _>(&name)
    .get_result(copy)
    .await
    .optional()
    .map_err(|e| format!("reading the subscription {name}: {e}"))?;
    let slot_row: Option<SlotRow> = sql_query(
        "SELECT active, confirmed_flush_lsn::text AS confirmed_flush_lsn, \
                (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint AS lag_bytes \
           FROM pg_replication_slots WHERE slot_name = $1",
    )
    .bind::<Text, _>(&slot)
    .get_result(platform)
    .await
    .optional()
    .map_err(|e| format!("reading the slot {slot}: {e}"))?;
    let status = JurisdictionStatus {
        jurisdiction: jurisdiction.to_owned(),
        publication: name.clone(),
        publication_exists,
        subscription: name,
        subscription_exists: sub.is_some(),
        subscription_enabled: sub.as_ref().is_some_and(|s| s.enabled),
        worker_pid: sub.as_ref().and_then(|s| s.pid),
        tables: sub.as_ref().map_or(0, |s| s.tables),
        tables_ready: sub.as_ref().map_or(0, |s| s.tables_ready),
        slot,
        slot_exists: slot_row.is_some(),
        slot_active: slot_row.as_ref().is_some_and(|s| s.active),
        confirmed_flush_lsn: slot_row
            .as_ref()
            .and_then(|s| s.confirmed_flush_lsn.clone()),
        lag_bytes: slot_row.as_ref().and_then(|s| s.lag_bytes),
        lag_seconds: sub.as_ref().and_then(|s| s.lag_seconds),
        healthy: false,
    };
    Ok(JurisdictionStatus {
        healthy: status.publication_exists
            && status.subscription_enabled
            && status.worker_pid.is_some()
            && status.slot_active
            && status.tables > 0
            && status.tables == status.tables_ready,
        ..status
    })
}

/// Waits until the in-country copy has applied everything the platform had written when the
/// wait began (the slot's confirmed position passes the platform's current WAL position) and
/// every table finished its initial copy. False when `timeout` passes first.
pub async fn wait_caught_up(
    platform: &mut AsyncPgConnection,
    copy: &mut AsyncPgConnection,
    slot: &str,
    subscription: &str,
    timeout: Duration,
) -> Result<bool, String> {
    let target: OneText = sql_query("SELECT pg_current_wal_lsn()::text AS value")
        .get_result(platform)
        .await
        .map_err(db_err("pg_current_wal_lsn"))?;
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        #[derive(QueryableByName)]
        struct Flag {
            #[diesel(sql_type = Bool)]
            ok: bool,
        }
        let flushed: Option<Flag> = sql_query(
            "SELECT coalesce(confirmed_flush_lsn >= $1::pg_lsn, false) AS ok \
               FROM pg_replication_slots WHERE slot_name = $2",
        )
        .bind::<Text, _>(&target.value)
        .bind::<Text, _>(slot)
        .get_result(platform)
        .await
        .optional()
        .map_err(|e| format!("reading the slot {slot}: {e}"))?;
        let ready: Flag = sql_query(
            "SELECT EXISTS (SELECT 1 FROM pg_subscription s \
                             WHERE s.subname = $1 \
                               AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())) \
                AND NOT EXISTS (SELECT 1 FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid \
                                 WHERE s.subname = $1 AND r.srsubstate <> 'r' \
                                   AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())) AS ok",
        )
        .bind::<Text, _>(subscription)
        .get_result(copy)
        .await
        .map_err(db_err("reading the subscription's tables"))?;
        if flushed.is_some_and(|f| f.ok) && ready.ok {
            return Ok(true);
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs one statement outside any transaction block (CREATE/ALTER SUBSCRIPTION … REFRESH need
/// that): the simple query protocol with a single statement.
async fn run_alone(conn: &mut AsyncPgConnection, statement: &str) -> Result<(), String> {
    conn.batch_execute(statement)
        .await
        .map_err(|e| format!("{statement}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_names_are_unique_per_database_and_fit() {
        assert_eq!(
            slot_name("exportbridge", "IN"),
            "seller_data_in_exportbridge"
        );
        let a = slot_name("eb_test_0123456789abcdef0123456789abcdef", "IN");
        assert_eq!(a, "seller_data_in_eb_test_0123456789abcdef0123456789abcdef");
        let long = "x".repeat(63);
        let s = slot_name(&long, "IN");
        assert!(s.len() <= 63, "{s}");
        assert_ne!(s, slot_name(&"x".repeat(62), "IN"));
        // Names that clean to the same text still differ.
        assert_ne!(slot_name("Shop-A", "IN"), slot_name("shop_a", "IN"));
        for s in [s, slot_name("Shop-A", "IN")] {
            assert!(
                s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
        }
    }

    #[test]
    fn the_publication_filters_every_table_and_leaves_localised_ones_out() {
        let sql = publication_tables_sql("IN");
        for t in REPLICATED_TABLES {
            assert!(sql.contains(&format!("{} WHERE (home_jurisdiction = 'IN')", t.name)));
        }
        for t in LOCALISED_TABLES {
            assert!(!sql.contains(t));
        }
        assert_eq!(literal("a'b"), "'a''b'");
    }
}
