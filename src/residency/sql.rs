//! The statements `setup` runs: publications on the platform store, subscriptions on the
//! in-country store, each only when what exists differs from what should.

use std::collections::BTreeSet;

use diesel::sql_types::{Array, Bool, Nullable, Text};
use diesel::{OptionalExtension, QueryableByName, sql_query};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::{
    REPLICATED_TABLES, SetupOutcome, db_err, literal, publication_tables_sql, row_filter, run_alone,
};
use crate::config::DatabaseUrl;

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    exists: bool,
}

pub(super) async fn publication_exists(
    platform: &mut AsyncPgConnection,
    name: &str,
) -> Result<bool, String> {
    let row: Exists =
        sql_query("SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1) AS exists")
            .bind::<Text, _>(name)
            .get_result(platform)
            .await
            .map_err(db_err("reading pg_publication"))?;
    Ok(row.exists)
}

/// The (table, row filter) pairs the publication should have.
fn wanted_tables(jurisdiction: &str) -> BTreeSet<(String, Option<String>)> {
    REPLICATED_TABLES
        .iter()
        .map(|t| (t.name.to_owned(), Some(row_filter(jurisdiction))))
        .collect()
}

pub(super) async fn ensure_publication(
    platform: &mut AsyncPgConnection,
    outcome: &mut SetupOutcome,
) -> Result<(), String> {
    let name = &outcome.publication;
    let tables = publication_tables_sql(&outcome.jurisdiction);
    if !publication_exists(platform, name).await? {
        run_alone(
            platform,
            &format!("CREATE PUBLICATION {name} FOR TABLE {tables}"),
        )
        .await?;
        outcome.changes.push(format!("created publication {name}"));
        return Ok(());
    }
    #[derive(QueryableByName)]
    struct Published {
        #[diesel(sql_type = Text)]
        tablename: String,
        #[diesel(sql_type = Nullable<Text>)]
        rowfilter: Option<String>,
    }
    let have: Vec<Published> = sql_query(
        "SELECT tablename::text AS tablename, rowfilter FROM pg_publication_tables \
          WHERE pubname = $1 AND schemaname = 'public'",
    )
    .bind::<Text, _>(name)
    .load(platform)
    .await
    .map_err(db_err("reading pg_publication_tables"))?;
    let have: BTreeSet<(String, Option<String>)> = have
        .into_iter()
        .map(|p| (p.tablename, p.rowfilter))
        .collect();
    if have != wanted_tables(&outcome.jurisdiction) {
        run_alone(
            platform,
            &format!("ALTER PUBLICATION {name} SET TABLE {tables}"),
        )
        .await?;
        outcome.changes.push(format!(
            "set the tables and row filters of publication {name}"
        ));
    }
    Ok(())
}

#[derive(QueryableByName)]
struct Subscription {
    #[diesel(sql_type = Bool)]
    enabled: bool,
    #[diesel(sql_type = Array<Text>)]
    publications: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    slot: Option<String>,
    #[diesel(sql_type = Text)]
    conninfo: String,
}

pub(super) async fn ensure_subscription(
    platform: &mut AsyncPgConnection,
    copy: &mut AsyncPgConnection,
    source: &DatabaseUrl,
    outcome: &mut SetupOutcome,
) -> Result<(), String> {
    let name = outcome.subscription.clone();
    let existing: Option<Subscription> = sql_query(
        "SELECT subenabled AS enabled, subpublications::text[] AS publications, \
                subslotname::text AS slot, subconninfo AS conninfo \
           FROM pg_subscription \
          WHERE subname = $1 \
            AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .bind::<Text, _>(&name)
    .get_result(copy)
    .await
    .optional()
    .map_err(|e| format!("reading pg_subscription: {e}"))?;
    let Some(sub) = existing else {
        return create_subscription(platform, copy, source, outcome).await;
    };
    if sub.slot.as_deref() != Some(outcome.slot.as_str()) {
        return Err(format!(
            "subscription {name} uses slot {:?}, not {}: drop it (ALTER SUBSCRIPTION {name} DISABLE; \
             ALTER SUBSCRIPTION {name} SET (slot_name = NONE); DROP SUBSCRIPTION {name}) and run setup again",
            sub.slot, outcome.slot
        ));
    }
    if sub.conninfo != source.0 {
        run_alone(
            copy,
            &format!(
                "ALTER SUBSCRIPTION {name} CONNECTION {}",
                literal(&source.0)
            ),
        )
        .await?;
        outcome
            .changes
            .push(format!("pointed subscription {name} at {source}"));
    }
    if !sub.enabled {
        run_alone(copy, &format!("ALTER SUBSCRIPTION {name} ENABLE")).await?;
        outcome.changes.push(format!("enabled subscription {name}"));
    }
    if sub.publications != [outcome.publication.clone()] {
        // Refreshes the table list as well.
        run_alone(
            copy,
            &format!(
                "ALTER SUBSCRIPTION {name} SET PUBLICATION {}",
                outcome.publication
            ),
        )
        .await?;
        outcome.changes.push(format!(
            "set the publication of subscription {name} to {}",
            outcome.publication
        ));
    } else if subscribed_tables(copy, &name).await? != wanted_names() {
        run_alone(
            copy,
            &format!("ALTER SUBSCRIPTION {name} REFRESH PUBLICATION"),
        )
        .await?;
        outcome
            .changes
            .push(format!("refreshed the tables of subscription {name}"));
    }
    Ok(())
}

fn wanted_names() -> BTreeSet<String> {
    REPLICATED_TABLES
        .iter()
        .map(|t| t.name.to_owned())
        .collect()
}

async fn subscribed_tables(
    copy: &mut AsyncPgConnection,
    name: &str,
) -> Result<BTreeSet<String>, String> {
    #[derive(QueryableByName)]
    struct Rel {
        #[diesel(sql_type = Text)]
        relname: String,
    }
    let rels: Vec<Rel> = sql_query(
        "SELECT c.relname::text AS relname \
           FROM pg_subscription_rel r \
           JOIN pg_subscription s ON s.oid = r.srsubid \
           JOIN pg_class c ON c.oid = r.srrelid \
          WHERE s.subname = $1 \
            AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .bind::<Text, _>(name)
    .load(copy)
    .await
    .map_err(db_err("reading pg_subscription_rel"))?;
    Ok(rels.into_iter().map(|r| r.relname).collect())
}

async fn create_subscription(
    platform: &mut AsyncPgConnection,
    copy: &mut AsyncPgConnection,
    source: &DatabaseUrl,
    outcome: &mut SetupOutcome,
) -> Result<(), String> {
    let name = outcome.subscription.clone();
    let slot = outcome.slot.clone();
    // A slot of that name without a subscription is left over from a subscription dropped with
    // slot_name = NONE: the new subscription copies everything afresh, so it goes.
    #[derive(QueryableByName)]
    struct Slot {
        #[diesel(sql_type = Bool)]
        active: bool,
    }
    let leftover: Option<Slot> =
        sql_query("SELECT active FROM pg_replication_slots WHERE slot_name = $1")
            .bind::<Text, _>(&slot)
            .get_result(platform)
            .await
            .optional()
            .map_err(|e| format!("reading pg_replication_slots: {e}"))?;
    match leftover {
        Some(Slot { active: true }) => {
            return Err(format!(
                "replication slot {slot} is in use by another subscriber; not taking it over"
            ));
        }
        Some(Slot { active: false }) => {
            sql_query("SELECT pg_drop_replication_slot($1)::text")
                .bind::<Text, _>(&slot)
                .execute(platform)
                .await
                .map_err(db_err("dropping a leftover slot"))?;
            outcome
                .changes
                .push(format!("dropped leftover replication slot {slot}"));
        }
        None => {}
    }
    // The initial copy fills the replicated tables from the platform; rows already there (the
    // migrations' platform organisation, or a copy from an earlier subscription) would make it
    // fail on their keys, so the copy starts empty. Replica mode: no triggers (the audit logs
    // refuse deletes) and no foreign-key checks, as when replication applies changes.
    let emptied: i64 = copy
        .transaction(async |conn| {
            sql_query("SET LOCAL session_replication_role = replica")
                .execute(conn)
                .await?;
            let mut n = 0i64;
            for table in REPLICATED_TABLES.iter().rev() {
                n += i64::try_from(
                    sql_query(format!("DELETE FROM {}", table.name))
                        .execute(conn)
                        .await?,
                )
                .unwrap_or(i64::MAX);
            }
            Ok::<_, diesel::result::Error>(n)
        })
        .await
        .map_err(db_err("emptying the in-country copy"))?;
    if emptied > 0 {
        outcome.changes.push(format!(
            "emptied {emptied} row(s) from the in-country copy before its initial copy"
        ));
    }
    run_alone(
        copy,
        &format!(
            "CREATE SUBSCRIPTION {name} CONNECTION {} PUBLICATION {} WITH (slot_name = {})",
            literal(&source.0),
            outcome.publication,
            literal(&slot)
        ),
    )
    .await?;
    outcome.changes.push(format!(
        "created subscription {name} (slot {slot} on the platform)"
    ));
    Ok(())
}
