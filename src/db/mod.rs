//! Connection pools for the platform store and the in-country stores, and migrations.

pub mod schema;

use std::collections::BTreeMap;
use std::time::Duration;

use diesel::prelude::*;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::{Config, DatabaseUrl};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type PgPool = Pool<AsyncPgConnection>;
pub type PgConn = Object<AsyncPgConnection>;
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

/// All configured stores. The platform store is the system of record; each in-country store
/// holds the localised data and the replicated copy for one jurisdiction.
#[derive(Clone)]
pub struct Stores {
    pub platform: PgPool,
    pub in_country: BTreeMap<String, PgPool>,
}

impl Stores {
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let platform = pool(&config.database_url, config.db_pool_size)?;
        let in_country = config
            .in_country_map()
            .into_iter()
            .map(|(code, url)| Ok((code, pool(&url, config.db_pool_size)?)))
            .collect::<Result<_, String>>()?;
        Ok(Stores {
            platform,
            in_country,
        })
    }

    /// A connection to the platform store.
    pub async fn platform(&self) -> Result<PgConn, PoolError> {
        self.platform.get().await
    }

    /// Every store with its name, platform first.
    pub fn all(&self) -> Vec<(String, &PgPool)> {
        std::iter::once(("platform".to_owned(), &self.platform))
            .chain(
                self.in_country
                    .iter()
                    .map(|(code, p)| (format!("in_country:{code}"), p)),
            )
            .collect()
    }
}

fn pool(url: &DatabaseUrl, size: usize) -> Result<PgPool, String> {
    // `Fast` recycling: a connection handed out again is not pinged with `SELECT 1` first
    // (the default costs a round trip on every checkout). One broken by a server restart
    // fails the request that finds it and is then discarded (diesel marks it broken).
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url.0.clone(), config);
    Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(Duration::from_secs(10)))
        .create_timeout(Some(Duration::from_secs(5)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| format!("cannot build pool for {url}: {e}"))
}

/// Applies the embedded migrations to one database; returns the versions applied now.
pub async fn migrate(url: &DatabaseUrl) -> Result<Vec<String>, String> {
    let url = url.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url.0)
            .map_err(|e| format!("cannot connect to {url}: {e}"))?;
        conn.run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect())
            .map_err(|e| format!("migrating {url} failed: {e}"))
    })
    .await
    .map_err(|e| format!("migration task failed: {e}"))?
}

/// Versions of every embedded migration, oldest first.
pub fn embedded_versions() -> Vec<String> {
    use diesel::migration::MigrationSource;
    use diesel::pg::Pg;
    let mut versions: Vec<String> = MigrationSource::<Pg>::migrations(&MIGRATIONS)
        .map(|ms| ms.iter().map(|m| m.name().version().to_string()).collect())
        .unwrap_or_default();
    versions.sort();
    versions
}

/// Whether the store answers and has every embedded migration applied.
pub async fn check_store(pool: &PgPool, expected: &[String]) -> Result<(), String> {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    let mut conn = pool.get().await.map_err(|e| format!("unreachable: {e}"))?;
    let applied: Vec<Version> = diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
        .load(&mut conn)
        .await
        .map_err(|e| format!("not migrated: {e}"))?;
    let applied: std::collections::HashSet<String> =
        applied.into_iter().map(|v| v.version).collect();
    let missing: Vec<&String> = expected.iter().filter(|v| !applied.contains(*v)).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("pending migrations: {missing:?}"))
    }
}

/// An async closure whose future can be named, so bounds like `Fut: Send` can be written
/// (the same trick diesel-async uses internally for `transaction`).
pub trait AsyncFunc<T, R>:
    AsyncFnOnce(T) -> R + FnOnce(T) -> <Self as AsyncFunc<T, R>>::Fut
{
    type Fut: Future<Output = R>;
}

impl<F, T, Fut, R> AsyncFunc<T, R> for F
where
    F: AsyncFnOnce(T) -> R + FnOnce(T) -> Fut,
    Fut: Future<Output = R>,
{
    type Fut = Fut;
}
