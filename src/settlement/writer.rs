//! Group commit for stored estimates.
//!
//! An estimate is answered only once its row is committed, but committing each row on its own
//! costs a transaction (and a WAL flush) per request: measured, the database was half of an
//! estimate's cost. Requests hand their row to a writer task instead; it takes every
//! row waiting (up to a batch limit), inserts them with one statement — one commit for the
//! batch — and then releases each request. Under light load a batch is one row and nothing
//! waits; under heavy load rows gather while the previous batch commits.
//!
//! A batch that fails is retried row by row, so one bad row (say, its organisation deleted
//! meanwhile) fails only its own request.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::db::PgPool;
use crate::error::{ApiError, ApiResult};

/// Rows a writer inserts in one statement at most.
const MAX_BATCH: usize = 256;
/// Rows waiting for a writer before requests wait to hand theirs over.
const QUEUE: usize = 4096;

/// One `settlement_estimates` row, the answer already compressed.
#[derive(Debug)]
pub struct EstimateRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub requested_by: Uuid,
    pub seller_id: Option<Uuid>,
    pub quote_id: Option<Uuid>,
    pub listing_id: Option<Uuid>,
    pub fee_schedule_id: Uuid,
    pub fee_schedule_version: i32,
    pub request: serde_json::Value,
    pub response: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Inserts `rows` in one statement (atomic on its own, or part of the caller's transaction).
/// `home_jurisdiction` is the organisation's; a row whose organisation is gone fails the
/// statement (NOT NULL), so a batch is stored whole or not at all.
pub async fn insert_rows(conn: &mut AsyncPgConnection, rows: &[EstimateRow]) -> ApiResult<()> {
    InsertEstimates::new(rows).execute(conn).await?;
    Ok(())
}

/// The insert as a statement of its own type, so diesel prepares it once per connection
/// (`sql_query` is parsed and planned on every call): one array per column, whatever the
/// number of rows.
struct InsertEstimates<'a> {
    id: Vec<Uuid>,
    organisation_id: Vec<Uuid>,
    requested_by: Vec<Uuid>,
    seller_id: Vec<Option<Uuid>>,
    quote_id: Vec<Option<Uuid>>,
    listing_id: Vec<Option<Uuid>>,
    fee_schedule_id: Vec<Uuid>,
    fee_schedule_version: Vec<i32>,
    request: Vec<&'a serde_json::Value>,
    response: Vec<&'a [u8]>,
    created_at: Vec<DateTime<Utc>>,
    expires_at: Vec<DateTime<Utc>>,
}

impl<'a> InsertEstimates<'a> {
    fn new(rows: &'a [EstimateRow]) -> Self {
        fn col<'a, T>(rows: &'a [EstimateRow], f: impl Fn(&'a EstimateRow) -> T) -> Vec<T> {
            rows.iter().map(f).collect()
        }
        InsertEstimates {
            id: col(rows, |r| r.id),
            organisation_id: col(rows, |r| r.organisation_id),
            requested_by: col(rows, |r| r.requested_by),
            seller_id: col(rows, |r| r.seller_id),
            quote_id: col(rows, |r| r.quote_id),
            listing_id: col(rows, |r| r.listing_id),
            fee_schedule_id: col(rows, |r| r.fee_schedule_id),
            fee_schedule_version: col(rows, |r| r.fee_schedule_version),
            request: col(rows, |r| &r.request),
            response: col(rows, |r| r.response.as_slice()),
            created_at: col(rows, |r| r.created_at),
            expires_at: col(rows, |r| r.expires_at),
        }
    }
}

impl QueryId for InsertEstimates<'_> {
    type QueryId = InsertEstimates<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl QueryFragment<Pg> for InsertEstimates<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        use diesel::sql_types::{Array, Binary, Int4, Jsonb, Nullable, Timestamptz, Uuid as U};
        out.push_sql(
            "INSERT INTO settlement_estimates (id, organisation_id, requested_by, seller_id, \
             quote_id, listing_id, fee_schedule_id, fee_schedule_version, request, response, \
             created_at, expires_at, home_jurisdiction) \
             SELECT r.id, r.organisation_id, r.requested_by, r.seller_id, r.quote_id, \
             r.listing_id, r.fee_schedule_id, r.fee_schedule_version, r.request, r.response, \
             r.created_at, r.expires_at, o.home_jurisdiction FROM unnest(",
        );
        out.push_bind_param::<Array<U>, _>(&self.id)?;
        out.push_sql("::uuid[], ");
        out.push_bind_param::<Array<U>, _>(&self.organisation_id)?;
        out.push_sql("::uuid[], ");
        out.push_bind_param::<Array<U>, _>(&self.requested_by)?;
        out.push_sql("::uuid[], ");
        out.push_bind_param::<Array<Nullable<U>>, _>(&self.seller_id)?;
        out.push_sql("::uuid[], ");
        out.push_bind_param::<Array<Nullable<U>>, _>(&self.quote_id)?;
        out.push_sql("::uuid[], ");
        out.push_bind_param::<Array<Nullable<U>>, _>(&self.listing_id)?;
        out.push_sql("::uuid[], ");
        out.push_bind_param::<Array<U>, _>(&self.fee_schedule_id)?;
        out.push_sql("::uuid[], ");
        out.push_bind_param::<Array<Int4>, _>(&self.fee_schedule_version)?;
        out.push_sql("::int4[], ");
        out.push_bind_param::<Array<Jsonb>, _>(&self.request)?;
        out.push_sql("::jsonb[], ");
        out.push_bind_param::<Array<Binary>, _>(&self.response)?;
        out.push_sql("::bytea[], ");
        out.push_bind_param::<Array<Timestamptz>, _>(&self.created_at)?;
        out.push_sql("::timestamptz[], ");
        out.push_bind_param::<Array<Timestamptz>, _>(&self.expires_at)?;
        out.push_sql(
            "::timestamptz[]) AS r (id, organisation_id, requested_by, seller_id, quote_id, \
             listing_id, fee_schedule_id, fee_schedule_version, request, response, created_at, expires_at) \
             LEFT JOIN organisations o ON o.id = r.organisation_id",
        );
        Ok(())
    }
}

type Job = (EstimateRow, oneshot::Sender<ApiResult<()>>);

/// Hands rows to the writer task and waits until they are committed.
pub struct EstimateWriter {
    tx: mpsc::Sender<Job>,
    /// Until the task is spawned.
    rx: Mutex<Option<mpsc::Receiver<Job>>>,
    stats: Arc<WriterStats>,
}

/// What `/readyz` and `/metrics` report about the writer.
pub struct WriterStats {
    running: AtomicBool,
    panics: AtomicU64,
    /// Rows per batch, exported as `exportbridge_estimate_writer_batch_rows`.
    pub batch_rows: prometheus::Histogram,
}

impl Default for WriterStats {
    fn default() -> Self {
        let opts = prometheus::HistogramOpts::new(
            "exportbridge_estimate_writer_batch_rows",
            "Estimates committed per batch by the group-commit writer",
        )
        .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]);
        WriterStats {
            running: AtomicBool::new(false),
            panics: AtomicU64::new(0),
            // The options are constant and valid; a failure would be a programming error
            // caught by every test.
            batch_rows: prometheus::Histogram::with_opts(opts)
                .unwrap_or_else(|e| unreachable!("histogram options: {e}")),
        }
    }
}

/// A snapshot of the writer's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterHealth {
    pub running: bool,
    /// Rows handed over and not yet taken into a batch.
    pub queued: u64,
    pub batches: u64,
    pub rows: u64,
    /// Batches whose writing panicked (their requests failed; the writer went on).
    pub panics: u64,
}

impl Default for EstimateWriter {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        EstimateWriter {
            tx,
            rx: Mutex::new(Some(rx)),
            stats: Arc::default(),
        }
    }
}

impl EstimateWriter {
    /// Stores the row; returns once it is committed.
    pub async fn write(&self, row: EstimateRow) -> ApiResult<()> {
        let (done, wait) = oneshot::channel();
        self.tx.send((row, done)).await.map_err(|_| {
            ApiError::Unavailable("the estimate writer has stopped; try again shortly".into())
        })?;
        // A dropped answer means the batch's writing panicked (logged by the writer).
        wait.await.map_err(|_| {
            ApiError::Unavailable("the estimate could not be stored; try again".into())
        })?
    }

    /// The writer task (once; `None` if it was spawned already). It runs until the server
    /// stops. One writer: the next batch gathers while this one commits, so batches grow with
    /// the load by themselves.
    pub fn spawn(&self, pool: PgPool) -> Option<tokio::task::JoinHandle<()>> {
        let rx = self.rx.lock().ok()?.take()?;
        let stats = self.stats.clone();
        Some(tokio::spawn(async move {
            run(rx, &stats, |batch| write_batch(&pool, batch)).await
        }))
    }

    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    pub fn health(&self) -> WriterHealth {
        // Spelled out: diesel's `RunQueryDsl::load` is in scope too.
        let stats = &self.stats;
        WriterHealth {
            running: AtomicBool::load(&stats.running, Ordering::Relaxed),
            queued: (self.tx.max_capacity() - self.tx.capacity()) as u64,
            batches: stats.batch_rows.get_sample_count(),
            rows: stats.batch_rows.get_sample_sum() as u64,
            panics: AtomicU64::load(&stats.panics, Ordering::Relaxed),
        }
    }
}

/// Marks the writer stopped however its task ends (return, panic or abort).
struct Running<'a>(&'a AtomicBool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Relaxed);
    }
}

/// Takes every waiting job (up to a batch) and writes them, until every sender is gone. A
/// batch whose writing panics fails only its own requests (their answers are dropped); the
/// loop goes on with the next, so a panic cannot leave estimates failing until a restart.
async fn run<F, Fut>(mut rx: mpsc::Receiver<Job>, stats: &WriterStats, mut write: F)
where
    F: FnMut(Vec<Job>) -> Fut,
    Fut: Future<Output = ()>,
{
    stats.running.store(true, Ordering::Relaxed);
    let _running = Running(&stats.running);
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let size = batch.len();
        stats.batch_rows.observe(size as f64);
        let jobs = std::mem::replace(&mut batch, Vec::with_capacity(MAX_BATCH));
        if AssertUnwindSafe(write(jobs)).catch_unwind().await.is_err() {
            stats.panics.fetch_add(1, Ordering::Relaxed);
            tracing::error!(
                rows = size,
                "writing a batch of estimates panicked; its requests failed, the writer goes on"
            );
        }
    }
}

/// Inserts the batch and answers every job in it.
async fn write_batch(pool: &PgPool, batch: Vec<Job>) {
    let (rows, dones): (Vec<EstimateRow>, Vec<_>) = batch.into_iter().unzip();
    let results: Vec<ApiResult<()>> = match pool.get().await {
        Err(e) => {
            let error = ApiError::from(e);
            rows.iter().map(|_| Err(error.clone())).collect()
        }
        Ok(mut conn) => match insert_rows(&mut conn, &rows).await {
            Ok(()) => rows.iter().map(|_| Ok(())).collect(),
            Err(e) if rows.len() == 1 => vec![Err(e)],
            Err(_) => {
                let mut results = Vec::with_capacity(rows.len());
                for row in &rows {
                    results.push(insert_rows(&mut conn, std::slice::from_ref(row)).await);
                }
                results
            }
        },
    };
    for (done, result) in dones.into_iter().zip(results) {
        let _ = done.send(result); // the request may have gone away meanwhile
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> EstimateRow {
        EstimateRow {
            id: Uuid::now_v7(),
            organisation_id: Uuid::now_v7(),
            requested_by: Uuid::now_v7(),
            seller_id: None,
            quote_id: None,
            listing_id: None,
            fee_schedule_id: Uuid::now_v7(),
            fee_schedule_version: 1,
            request: serde_json::Value::Null,
            response: Vec::new(),
            created_at: Utc::now(),
            expires_at: Utc::now(),
        }
    }

    /// A batch that panics fails its own request; the next estimate is stored, and the
    /// writer reports the panic and that it still runs.
    #[tokio::test]
    async fn a_panicking_batch_fails_alone_and_the_writer_goes_on() {
        let writer = EstimateWriter::default();
        let rx = writer.rx.lock().unwrap().take().unwrap();
        let stats = writer.stats.clone();
        let mut calls = 0;
        let task = tokio::spawn(async move {
            run(rx, &stats, move |batch: Vec<Job>| {
                calls += 1;
                let first = calls == 1;
                async move {
                    assert!(!first, "a bug while writing the first batch");
                    for (_, done) in batch {
                        let _ = done.send(Ok(()));
                    }
                }
            })
            .await
        });
        let failed = writer.write(row()).await.unwrap_err();
        assert!(matches!(failed, ApiError::Unavailable(_)), "{failed:?}");
        writer.write(row()).await.unwrap();
        let health = writer.health();
        assert!(health.running);
        assert_eq!((health.batches, health.rows, health.panics), (2, 2, 1));
        drop(writer);
        task.await.unwrap();
    }
}
