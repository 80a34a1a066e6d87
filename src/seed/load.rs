//! `exportbridge seed --sellers N --listings M`: loads the generated catalogue (`catalogue`) into
//! the platform store for benchmarks and scaling measurements.
//!
//! Unlike the demo seed, rows are written straight to the tables, not through the services: a
//! million listings through `publish` would take hours. Each batch of listings is one
//! `INSERT … SELECT … FROM unnest($1::uuid[], …)` (diesel-async has no COPY), generated on a
//! thread while the previous batch is written. Rows have deterministic ids and are inserted with
//! `ON CONFLICT DO NOTHING`; a batch whose rows all exist is skipped, so a second run with the
//! same sizes adds nothing, and a larger run adds only the missing rows.
//!
//! Triggers. As superuser the listing batches run with `session_replication_role = replica`,
//! which skips the per-row triggers of `listings` (measured: see docs/scaling.md). What they do
//! is done here instead, in bulk:
//! - `listings_take_standing` (BEFORE INSERT): the INSERT joins `sellers` and sets
//!   `seller_in_good_standing` / `seller_verified` with the trigger's own expressions;
//! - `listings_collect_terms` (AFTER INSERT): `catalogue_terms` is filled once at the end from
//!   every listing's search vector, with the trigger's length filter;
//! - the foreign key to `sellers` (also a trigger): the join drops a row without a seller, and
//!   the inserted count is checked.
//!
//! Without superuser rights the triggers run as usual (slower, same rows).
//!
//! A load of 100,000 or more new listings (as superuser) also drops the catalogue's indexes
//! (`listings_catalogue_*`: the GIN text index and the partial btrees of filters and sorts) and
//! builds them again at the end from their own `pg_get_indexdef`, so they are recreated
//! exactly as the migrations defined them. That load is one transaction (a failure undoes the
//! drop too) and holds an exclusive lock on `listings` until it commits: for scratch and
//! benchmark databases, not a store in use.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Int4, Int8, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::catalogue::{self, ListingSeed, SellerSeed};
use crate::config::{Config, Mode};
use crate::db::schema::{listings, sellers};
use crate::db::{self, PgConn};
use crate::money::{self, CurrencyCode};
use crate::settlement::schedules;
use crate::vocabulary::Vocabulary;

/// Rows per INSERT statement (and per transaction).
const BATCH: u64 = 5_000;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct CatalogueSize {
    pub sellers: u64,
    pub listings: u64,
    /// The generator's seed: the same seed and sizes give the same rows.
    pub seed: u64,
}

/// What a load did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadSummary {
    pub sellers_inserted: u64,
    pub listings_inserted: u64,
    pub listings_present: u64,
}

/// The listing fee of the schedule in force, as charged at a first publish.
#[derive(Debug, Clone, Copy)]
struct FeeTerms {
    version: i32,
    fee_minor: i64,
    gst_minor: i64,
}

/// A failure inside a transaction: a message, or the database error that rolled it back.
struct Failed(String);

impl From<diesel::result::Error> for Failed {
    fn from(err: diesel::result::Error) -> Self {
        Failed(err.to_string())
    }
}

fn e(context: &'static str) -> impl Fn(diesel::result::Error) -> String {
    move |err| format!("{context}: {err}")
}

/// Loads `size` sellers and listings (dev mode only), with progress on stderr.
pub async fn load_catalogue(config: &Config, size: CatalogueSize) -> Result<LoadSummary, String> {
    if config.mode == Mode::Production {
        return Err("the generated catalogue is for dev mode only".into());
    }
    if size.listings > 0 && size.sellers == 0 {
        return Err("listings need at least one seller (--sellers)".into());
    }
    let started = Instant::now();
    let stores = db::Stores::from_config(config)?;
    let mut conn = stores.platform().await.map_err(|e| e.to_string())?;
    // The same vetting body and fee schedule as the demo seed: either seed may run first.
    let forum = super::ensure_forum(&mut conn).await?;
    let fee = fee_terms(&mut conn).await?;

    let sellers: Vec<SellerSeed> = (0..size.sellers)
        .map(|j| catalogue::seller(size.seed, j))
        .collect();
    let sellers_inserted = insert_sellers(&mut conn, &sellers, forum).await?;
    eprintln!(
        "seed: {} sellers ({sellers_inserted} new) in {:.1} s",
        sellers.len(),
        started.elapsed().as_secs_f64()
    );

    let bypass_triggers: bool = diesel::select(diesel::dsl::sql::<Bool>(
        "current_setting('is_superuser') = 'on'",
    ))
    .get_result(&mut conn)
    .await
    .map_err(e("checking for superuser"))?;
    let loading = Instant::now();
    // At most this many rows can be new (fewer when other listings exist): a re-run does not
    // rebuild the index for nothing.
    let table_rows: i64 = listings::table
        .count()
        .get_result(&mut conn)
        .await
        .map_err(e("counting listings"))?;
    let may_insert = size.listings.saturating_sub(table_rows.max(0) as u64);
    let (inserted, present) = if bypass_triggers && may_insert >= REBUILD_INDEXES_FROM {
        // One transaction: if the load fails, the index drops are undone with it.
        conn.transaction(async |conn| {
            let definitions = drop_catalogue_indexes(conn).await.map_err(Failed)?;
            let counts = insert_listings(conn, sellers, size, fee, bypass_triggers)
                .await
                .map_err(Failed)?;
            let t = Instant::now();
            diesel::sql_query("SET LOCAL maintenance_work_mem = '256MB'")
                .execute(conn)
                .await
                .map_err(|err| Failed(format!("maintenance_work_mem: {err}")))?;
            for index in &definitions {
                diesel::sql_query(&index.def)
                    .execute(conn)
                    .await
                    .map_err(|err| Failed(format!("recreating {}: {err}", index.name)))?;
            }
            eprintln!(
                "seed: {} catalogue indexes rebuilt in {:.1} s",
                definitions.len(),
                t.elapsed().as_secs_f64()
            );
            collect_terms(conn).await.map_err(Failed)?;
            Ok::<_, Failed>(counts)
        })
        .await
        .map_err(|Failed(message)| message)?
    } else {
        let counts = insert_listings(&mut conn, sellers, size, fee, bypass_triggers).await?;
        if bypass_triggers {
            collect_terms(&mut conn).await?;
        }
        counts
    };
    let load_secs = loading.elapsed().as_secs_f64();
    let t = Instant::now();
    diesel::sql_query("ANALYZE organisations, sellers, listings, catalogue_terms")
        .execute(&mut conn)
        .await
        .map_err(e("analyze"))?;
    eprintln!("seed: analyze in {:.1} s", t.elapsed().as_secs_f64());
    eprintln!(
        "seed: done: {inserted} listings inserted ({present} already present) in {load_secs:.1} s \
         with indexes and terms ({:.0} rows/s); {:.1} s in all",
        inserted as f64 / load_secs.max(0.001),
        started.elapsed().as_secs_f64()
    );
    Ok(LoadSummary {
        sellers_inserted,
        listings_inserted: inserted,
        listings_present: present,
    })
}

/// The catalogue's indexes: maintaining them row by row was most of the insert time (the GIN
/// text index alone a third, measured on 20,000 rows); a load this large drops them and builds
/// each once at the end.
const CATALOGUE_INDEXES: &str = "listings_catalogue_%";
const REBUILD_INDEXES_FROM: u64 = 100_000;

#[derive(diesel::QueryableByName)]
struct IndexDef {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
}

/// Drops the catalogue's indexes (in the caller's transaction); returns their exact
/// definitions, as the migrations made them, to recreate them.
async fn drop_catalogue_indexes(conn: &mut PgConn) -> Result<Vec<IndexDef>, String> {
    let defs: Vec<IndexDef> = diesel::sql_query(
        "SELECT c.relname::text AS name, pg_get_indexdef(c.oid) AS def FROM pg_index i \
           JOIN pg_class c ON c.oid = i.indexrelid \
          WHERE i.indrelid = 'listings'::regclass AND c.relname LIKE $1 ORDER BY c.relname",
    )
    .bind::<Text, _>(CATALOGUE_INDEXES)
    .load(conn)
    .await
    .map_err(e("reading the catalogue index definitions"))?;
    for index in &defs {
        diesel::sql_query(format!(
            "DROP INDEX \"{}\"",
            index.name.replace('"', "\"\"")
        ))
        .execute(conn)
        .await
        .map_err(e("dropping a catalogue index"))?;
    }
    Ok(defs)
}

/// What `listings_collect_terms` would have added for every listing, in one statement.
async fn collect_terms(conn: &mut PgConn) -> Result<(), String> {
    let t = Instant::now();
    diesel::sql_query(
        "INSERT INTO catalogue_terms (word) \
         SELECT DISTINCT w FROM listings, unnest(tsvector_to_array(search_vector)) AS w \
          WHERE length(w) BETWEEN 3 AND 40 \
         ON CONFLICT DO NOTHING",
    )
    .execute(conn)
    .await
    .map_err(e("collecting catalogue terms"))?;
    eprintln!(
        "seed: catalogue terms in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Inserts a few hundred `sellers` and `listings` as a load does, but with the listings'
/// triggers running (standing, terms): the planted rows of `exportbridge eval-matching`.
/// Rows that exist already are kept.
pub(super) async fn insert_rows(
    conn: &mut PgConn,
    sellers: &[SellerSeed],
    rows: &[ListingSeed],
) -> Result<(), String> {
    let forum = super::ensure_forum(conn).await?;
    let fee = fee_terms(conn).await?;
    insert_sellers(conn, sellers, forum).await?;
    for chunk in rows.chunks(BATCH as usize) {
        let mut batch = ListingBatch::default();
        for l in chunk {
            batch.push(l.clone());
        }
        insert_batch(conn, &batch, fee, false)
            .await
            .map_err(e("inserting listings"))?;
    }
    let ids: Vec<Uuid> = rows.iter().map(|l| l.id).collect();
    let present: i64 = listings::table
        .filter(listings::id.eq_any(&ids))
        .count()
        .get_result(conn)
        .await
        .map_err(e("counting listings"))?;
    if present != rows.len() as i64 {
        return Err(format!(
            "{present} of {} listings are in the database",
            rows.len()
        ));
    }
    Ok(())
}

async fn fee_terms(conn: &mut PgConn) -> Result<FeeTerms, String> {
    schedules::ensure_default(conn)
        .await
        .map_err(|e| format!("fee schedule: {e}"))?;
    let (reference, schedule) = schedules::in_force(conn, Utc::now())
        .await
        .map_err(|e| format!("fee schedule: {e}"))?;
    let fee_minor = money::round_to_minor(schedule.listing_fee.amount_inr, CurrencyCode::INR)
        .map_err(|e| e.to_string())?;
    let gst_minor = money::round_half_up_i64(Decimal::from(fee_minor) * schedule.gst_rate_on_fees)
        .map_err(|e| e.to_string())?;
    Ok(FeeTerms {
        version: reference.version,
        fee_minor,
        gst_minor,
    })
}

/// A PostgreSQL array literal of `items` (cast to `text[]` in SQL): arrays of arrays cannot
/// go through `unnest`.
fn pg_array<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = items
        .into_iter()
        .map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("{{{}}}", quoted.join(","))
}

/// Organisations and approved sellers; returns how many were new. Fails when a seller is
/// missing afterwards (a conflict on another unique column).
async fn insert_sellers(
    conn: &mut PgConn,
    sellers: &[SellerSeed],
    forum: Uuid,
) -> Result<u64, String> {
    // Approvals are renewed: valid for two more years from the load, so the expiry sweep of a
    // running server does not empty the catalogue.
    let valid_until = Utc::now() + Duration::days(730);
    let mut inserted = 0;
    for chunk in sellers.chunks(BATCH as usize) {
        let col = |f: fn(&SellerSeed) -> String| chunk.iter().map(f).collect::<Vec<_>>();
        let ids: Vec<Uuid> = chunk.iter().map(|s| s.id).collect();
        let org_ids: Vec<Uuid> = chunk.iter().map(|s| s.organisation_id).collect();
        let created: Vec<DateTime<Utc>> = chunk.iter().map(|s| s.created_at).collect();
        let trading = col(|s| s.trading_name.clone());
        inserted += conn
            .transaction(async |conn| {
                diesel::sql_query(
                    "INSERT INTO organisations (id, kind, name, country_code, home_jurisdiction, \
                                                created_at, updated_at) \
                     SELECT id, 'seller', name, 'IN', 'IN', at, at \
                       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS t(id, name, at) \
                     ON CONFLICT DO NOTHING",
                )
                .bind::<Array<SqlUuid>, _>(&org_ids)
                .bind::<Array<Text>, _>(&trading)
                .bind::<Array<Timestamptz>, _>(&created)
                .execute(conn)
                .await?;
                diesel::sql_query(
                    "INSERT INTO sellers (id, organisation_id, status, version, legal_name, \
                         trading_name, enterprise_type, sectors, msme_category, year_established, \
                         employees, address_line1, address_city, address_district, address_state, \
                         address_postal_code, export_markets, gstin, pan, iec, udyam_number, \
                         public_identifiers, vetting_body_id, submitted_at, decided_at, \
                         valid_until, badge_kind, badge_issued_by, badge_issued_at, \
                         badge_valid_until, home_jurisdiction, created_at, updated_at) \
                     SELECT id, org, 'approved', 3, legal, trading, etype, sectors::text[], msme, \
                            year, employees, line1, city, city, state, pin, markets::text[], \
                            gstin, pan, pan, udyam, '{gstin}', $19, submitted, decided, $20, \
                            CASE WHEN verified THEN 'verified_msme' END, \
                            CASE WHEN verified THEN $19::uuid END, \
                            CASE WHEN verified THEN decided END, \
                            CASE WHEN verified THEN $20 END, \
                            'IN', created, decided \
                       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], \
                                   $6::text[], $7::text[], $8::int4[], $9::int4[], $10::text[], \
                                   $11::text[], $12::text[], $13::text[], $14::text[], \
                                   $15::text[], $16::text[], $17::bool[], $18::timestamptz[], \
                                   $21::timestamptz[], $22::timestamptz[], $23::text[]) \
                         AS t(id, org, legal, trading, etype, sectors, msme, year, employees, \
                              line1, city, state, pin, markets, gstin, pan, verified, created, \
                              submitted, decided, udyam) \
                     ON CONFLICT DO NOTHING",
                )
                .bind::<Array<SqlUuid>, _>(&ids)
                .bind::<Array<SqlUuid>, _>(&org_ids)
                .bind::<Array<Text>, _>(col(|s| s.legal_name.clone()))
                .bind::<Array<Text>, _>(&trading)
                .bind::<Array<Text>, _>(col(|s| s.enterprise_type.to_owned()))
                .bind::<Array<Text>, _>(col(|s| pg_array(s.sectors.iter().map(|x| x.as_str()))))
                .bind::<Array<Nullable<Text>>, _>(
                    chunk
                        .iter()
                        .map(|s| s.msme_category.map(str::to_owned))
                        .collect::<Vec<_>>(),
                )
                .bind::<Array<Int4>, _>(
                    chunk.iter().map(|s| s.year_established).collect::<Vec<_>>(),
                )
                .bind::<Array<Int4>, _>(chunk.iter().map(|s| s.employees).collect::<Vec<_>>())
                .bind::<Array<Text>, _>(col(|s| s.address_line1.clone()))
                .bind::<Array<Text>, _>(col(|s| s.city.to_owned()))
                .bind::<Array<Text>, _>(col(|s| s.state.code().to_owned()))
                .bind::<Array<Text>, _>(col(|s| s.pin.to_owned()))
                .bind::<Array<Text>, _>(col(|s| {
                    pg_array(s.export_markets.iter().map(String::as_str))
                }))
                .bind::<Array<Text>, _>(col(|s| s.gstin.clone()))
                .bind::<Array<Text>, _>(col(|s| s.pan.clone()))
                .bind::<Array<Bool>, _>(chunk.iter().map(|s| s.verified).collect::<Vec<_>>())
                .bind::<Array<Timestamptz>, _>(&created)
                .bind::<SqlUuid, _>(forum)
                .bind::<Timestamptz, _>(valid_until)
                .bind::<Array<Timestamptz>, _>(
                    chunk.iter().map(|s| s.submitted_at).collect::<Vec<_>>(),
                )
                .bind::<Array<Timestamptz>, _>(
                    chunk.iter().map(|s| s.decided_at).collect::<Vec<_>>(),
                )
                .bind::<Array<Nullable<Text>>, _>(
                    chunk
                        .iter()
                        .map(|s| s.udyam_number.clone())
                        .collect::<Vec<_>>(),
                )
                .execute(conn)
                .await
            })
            .await
            .map_err(e("inserting sellers"))? as u64;
    }
    let ids: Vec<Uuid> = sellers.iter().map(|s| s.id).collect();
    let present: i64 = sellers::table
        .filter(sellers::id.eq_any(&ids))
        .count()
        .get_result(conn)
        .await
        .map_err(e("counting sellers"))?;
    if present != sellers.len() as i64 {
        return Err(format!(
            "{} of {} generated sellers are in the database: another row holds one of their \
             ids or storefront slugs",
            present,
            sellers.len()
        ));
    }
    Ok(inserted)
}

/// The columns of one batch of listings, as bound to the INSERT.
#[derive(Default)]
struct ListingBatch {
    first: u64,
    ids: Vec<Uuid>,
    seller_ids: Vec<Uuid>,
    versions: Vec<i32>,
    titles: Vec<String>,
    descriptions: Vec<String>,
    sectors: Vec<String>,
    hs_codes: Vec<String>,
    keywords: Vec<String>,
    attributes: Vec<String>,
    moqs: Vec<i64>,
    moq_units: Vec<String>,
    currencies: Vec<String>,
    price_breaks: Vec<String>,
    price_minors: Vec<i64>,
    incoterms: Vec<String>,
    incoterm_codes: Vec<String>,
    lead_times: Vec<i32>,
    capacities: Vec<Option<i64>>,
    certifications: Vec<String>,
    origin_states: Vec<String>,
    samples: Vec<bool>,
    image_urls: Vec<String>,
    created: Vec<DateTime<Utc>>,
    first_published: Vec<DateTime<Utc>>,
    published: Vec<DateTime<Utc>>,
}

impl ListingBatch {
    fn push(&mut self, l: ListingSeed) {
        self.ids.push(l.id);
        self.seller_ids.push(l.seller_id);
        self.versions.push(l.version);
        self.price_minors.push(l.price_minor());
        // Serialising these plain structs cannot fail; an empty string would fail the cast
        // loudly.
        self.price_breaks
            .push(serde_json::to_string(&l.price_breaks).unwrap_or_default());
        self.incoterms
            .push(serde_json::to_string(&l.incoterms).unwrap_or_default());
        self.attributes
            .push(serde_json::to_string(&l.attributes).unwrap_or_default());
        self.incoterm_codes
            .push(pg_array(l.incoterms.iter().map(|o| o.incoterm.as_str())));
        self.keywords
            .push(pg_array(l.keywords.iter().map(String::as_str)));
        self.certifications
            .push(pg_array(l.certifications.iter().map(|c| c.as_str())));
        self.image_urls
            .push(pg_array(l.image_urls.iter().map(String::as_str)));
        self.titles.push(l.title);
        self.descriptions.push(l.description);
        self.sectors.push(l.sector.as_str().to_owned());
        self.hs_codes.push(l.hs_code.to_owned());
        self.moqs.push(l.moq);
        self.moq_units.push(l.moq_unit.as_str().to_owned());
        self.currencies.push(l.currency.as_str().to_owned());
        self.lead_times.push(l.lead_time_days);
        self.capacities.push(l.monthly_capacity);
        self.origin_states.push(l.origin_state.code().to_owned());
        self.samples.push(l.samples_available);
        self.created.push(l.created_at);
        self.first_published.push(l.first_published_at);
        self.published.push(l.published_at);
    }
}

/// The listing fee columns follow the seller's badge as `publish` would: none for a verified
/// MSME (waived), the schedule's fee and GST for the others.
const INSERT_LISTINGS: &str = "\
INSERT INTO listings (id, seller_id, status, version, title, description, sector, hs_code, \
    keywords, attributes, moq, moq_unit, currency, price_breaks, price_minor, incoterms, \
    incoterm_codes, lead_time_days, monthly_capacity, certifications, origin_state, \
    samples_available, image_urls, listing_fee_minor, listing_fee_gst_minor, \
    listing_fee_currency, fee_schedule_version, fee_waived_reason, first_published_at, \
    published_at, seller_in_good_standing, seller_verified, home_jurisdiction, created_at, \
    updated_at) \
SELECT t.id, t.seller_id, 'published', t.version, t.title, t.description, t.sector, t.hs_code, \
    t.keywords::text[], t.attributes::jsonb, t.moq, t.moq_unit, t.currency, \
    t.price_breaks::jsonb, t.price_minor, t.incoterms::jsonb, t.incoterm_codes::text[], \
    t.lead_time, t.capacity, t.certifications::text[], t.origin_state, t.samples, \
    t.image_urls::text[], \
    CASE WHEN waived THEN 0 ELSE $26 END, CASE WHEN waived THEN 0 ELSE $27 END, 'INR', $28, \
    CASE WHEN waived THEN 'verified_msme' END, t.first_published, t.published, \
    s.status = 'approved', s.status = 'approved' AND s.badge_kind IS NOT NULL, 'IN', \
    t.created, t.published \
  FROM unnest($1::uuid[], $2::uuid[], $3::int4[], $4::text[], $5::text[], $6::text[], \
              $7::text[], $8::text[], $9::text[], $10::int8[], $11::text[], $12::text[], \
              $13::text[], $14::int8[], $15::text[], $16::text[], $17::int4[], $18::int8[], \
              $19::text[], $20::text[], $21::bool[], $22::text[], $23::timestamptz[], \
              $24::timestamptz[], $25::timestamptz[]) \
    AS t(id, seller_id, version, title, description, sector, hs_code, keywords, attributes, \
         moq, moq_unit, currency, price_breaks, price_minor, incoterms, incoterm_codes, \
         lead_time, capacity, certifications, origin_state, samples, image_urls, created, \
         first_published, published) \
  JOIN sellers s ON s.id = t.seller_id \
 CROSS JOIN LATERAL (SELECT s.badge_kind = 'verified_msme' \
                            AND s.badge_valid_until > t.first_published AS waived) AS w \
ON CONFLICT DO NOTHING";

async fn insert_batch(
    conn: &mut PgConn,
    b: &ListingBatch,
    fee: FeeTerms,
    bypass_triggers: bool,
) -> Result<usize, diesel::result::Error> {
    conn.transaction(async |conn| {
        if bypass_triggers {
            diesel::sql_query("SET LOCAL session_replication_role = replica")
                .execute(conn)
                .await?;
        }
        diesel::sql_query(INSERT_LISTINGS)
            .bind::<Array<SqlUuid>, _>(&b.ids)
            .bind::<Array<SqlUuid>, _>(&b.seller_ids)
            .bind::<Array<Int4>, _>(&b.versions)
            .bind::<Array<Text>, _>(&b.titles)
            .bind::<Array<Text>, _>(&b.descriptions)
            .bind::<Array<Text>, _>(&b.sectors)
            .bind::<Array<Text>, _>(&b.hs_codes)
            .bind::<Array<Text>, _>(&b.keywords)
            .bind::<Array<Text>, _>(&b.attributes)
            .bind::<Array<Int8>, _>(&b.moqs)
            .bind::<Array<Text>, _>(&b.moq_units)
            .bind::<Array<Text>, _>(&b.currencies)
            .bind::<Array<Text>, _>(&b.price_breaks)
            .bind::<Array<Int8>, _>(&b.price_minors)
            .bind::<Array<Text>, _>(&b.incoterms)
            .bind::<Array<Text>, _>(&b.incoterm_codes)
            .bind::<Array<Int4>, _>(&b.lead_times)
            .bind::<Array<Nullable<Int8>>, _>(&b.capacities)
            .bind::<Array<Text>, _>(&b.certifications)
            .bind::<Array<Text>, _>(&b.origin_states)
            .bind::<Array<Bool>, _>(&b.samples)
            .bind::<Array<Text>, _>(&b.image_urls)
            .bind::<Array<Timestamptz>, _>(&b.created)
            .bind::<Array<Timestamptz>, _>(&b.first_published)
            .bind::<Array<Timestamptz>, _>(&b.published)
            .bind::<Int8, _>(fee.fee_minor)
            .bind::<Int8, _>(fee.gst_minor)
            .bind::<Int4, _>(fee.version)
            .execute(conn)
            .await
    })
    .await
}

/// Generates batches on a thread and inserts them as they come; returns (inserted, already
/// present).
async fn insert_listings(
    conn: &mut PgConn,
    sellers: Vec<SellerSeed>,
    size: CatalogueSize,
    fee: FeeTerms,
    bypass_triggers: bool,
) -> Result<(u64, u64), String> {
    let total = size.listings;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<ListingBatch>(2);
    let producer = std::thread::spawn(move || {
        let mut first = 0;
        while first < total {
            let end = (first + BATCH).min(total);
            let mut batch = ListingBatch {
                first,
                ..ListingBatch::default()
            };
            for i in first..end {
                batch.push(catalogue::listing(size.seed, i, &sellers));
            }
            if tx.blocking_send(batch).is_err() {
                return;
            }
            first = end;
        }
    });
    let started = Instant::now();
    let (mut inserted, mut present, mut reported) = (0u64, 0u64, 0u64);
    let report_every = (total / 20).max(BATCH);
    while let Some(batch) = rx.recv().await {
        let n = batch.ids.len() as u64;
        let existing: i64 = listings::table
            .filter(listings::id.eq_any(&batch.ids))
            .count()
            .get_result(conn)
            .await
            .map_err(e("counting listings"))?;
        let existing = existing as u64;
        if existing < n {
            let added = insert_batch(conn, &batch, fee, bypass_triggers)
                .await
                .map_err(e("inserting listings"))? as u64;
            if added + existing != n {
                return Err(format!(
                    "listings {}..{}: {added} inserted and {existing} present of {n}; is a \
                     seller missing?",
                    batch.first,
                    batch.first + n
                ));
            }
            inserted += added;
        }
        present += existing;
        let done = batch.first + n;
        if done - reported >= report_every || done == total {
            reported = done;
            let secs = started.elapsed().as_secs_f64().max(0.001);
            eprintln!(
                "seed: listings {done}/{total} ({:.0}%), {inserted} new, {:.0} rows/s, {secs:.0} s",
                done as f64 * 100.0 / total as f64,
                done as f64 / secs
            );
        }
    }
    producer
        .join()
        .map_err(|_| "the listing generator panicked".to_owned())?;
    Ok((inserted, present))
}
