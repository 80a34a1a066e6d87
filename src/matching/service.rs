//! Finding and scoring the candidates of an RFQ: candidate listings from the catalogue's indexes
//! (all the RFQ's product words, else any of them; the HS heading; the sector), each bounded;
//! the same sources over published listings of sellers not in good standing (so that the
//! exclusion is counted); their rows with their text agreement, their sellers and the sellers'
//! responsiveness in three more statements; then the pure `score::rank`.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Double, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::vocabulary::Vocabulary;
use uuid::Uuid;

use super::api::{ExclusionCount, MatchList, SellerMatch};
use super::score::{self, Offer, Responsiveness, TextMatch, Want, Weights};
use crate::db::schema::{listings, sellers};
use crate::error::{ApiError, ApiResult};
use crate::identifiers::Incoterm;
use crate::listings::api::{Certification, ListingStatus, MoqUnit};
use crate::listings::model::{StoredIncoterm, StoredPriceBreak};
use crate::money::{CurrencyCode, Money};
use crate::sellers::api::Sector;
use crate::sellers::model::{SellerRow, seller_summary};
use crate::settlement::engine::Rates;

/// At most this many words of the RFQ are matched (the product's first, then the description's).
pub const MAX_WORDS: usize = 16;
/// Each candidate source yields at most this many listings.
pub const PER_SOURCE: i64 = 100;
/// Text matches ranked per source before the best `PER_SOURCE` are kept.
pub const TEXT_RANK_CAP: i64 = 300;
/// A text query that the planner's statistics say matches at least this share of the listings
/// takes the newest `TEXT_RANK_CAP` matches (an ordered index scan that stops early) instead of
/// the first met (a bitmap of every match: 60 ms for a word of 18 % of 1M listings).
pub const COMMON_SHARE: f64 = 0.05;
/// Fewer text matches of all product words than this, and listings matching any word join.
pub const MIN_ALL_WORDS: usize = 50;
/// The most sellers a ranking returns.
pub const MAX_MATCHES: usize = 50;
/// Responsiveness counts the leads of this many days.
pub const RESPONSIVENESS_DAYS: i32 = 180;

/// What an RFQ asks for, as matching reads it.
#[derive(Debug, Clone)]
pub struct MatchRequest {
    /// The RFQ being matched: its own leads do not count towards responsiveness.
    pub rfq_id: Option<Uuid>,
    pub product: String,
    pub description: String,
    pub hs_code: Option<String>,
    pub sector: Option<Sector>,
    pub quantity: i64,
    pub unit: MoqUnit,
    pub target_unit_price: Option<Money>,
    pub incoterm: Option<Incoterm>,
    pub needed_by: Option<NaiveDate>,
    pub certifications: Vec<Certification>,
}

/// A matched seller's row id and jurisdiction, in the order of `MatchList::matches` (what a
/// lead is stored under).
#[derive(Debug, Clone)]
pub struct MatchedSeller {
    pub seller_id: Uuid,
    pub home_jurisdiction: String,
}

/// A ranking and the sellers behind it.
#[derive(Debug, Clone)]
pub struct Found {
    pub list: MatchList,
    pub sellers: Vec<MatchedSeller>,
}

#[derive(QueryableByName)]
struct WordsRow {
    #[diesel(sql_type = Array<Text>)]
    product: Vec<String>,
    #[diesel(sql_type = Array<Text>)]
    description: Vec<String>,
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    source: String,
}

#[derive(QueryableByName)]
struct ResponsivenessRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    seller_id: Uuid,
    #[diesel(sql_type = BigInt)]
    leads: i64,
    #[diesel(sql_type = BigInt)]
    answered: i64,
    #[diesel(sql_type = Nullable<Double>)]
    median_hours: Option<f64>,
}

/// The RFQ's words as the catalogue's lexemes: the product's first, then the description's,
/// distinct, letters and digits only (so they can be quoted into a `tsquery`), at most
/// `MAX_WORDS`.
fn words_of(row: WordsRow) -> (Vec<String>, Vec<String>) {
    let usable = |w: &String| !w.is_empty() && w.chars().all(char::is_alphanumeric);
    let product: Vec<String> = row.product.into_iter().filter(usable).collect();
    let mut all = product.clone();
    for w in row.description.into_iter().filter(usable) {
        if !all.contains(&w) {
            all.push(w);
        }
    }
    all.truncate(MAX_WORDS);
    let product = product.into_iter().filter(|w| all.contains(w)).collect();
    (product, all)
}

fn tsquery(words: &[String], op: &str) -> Option<String> {
    (!words.is_empty()).then(|| {
        words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(op)
    })
}

/// One candidate source over the listings of `predicate` (a partial-index predicate, written
/// out so the planner can use those indexes). Binds: $1 the text query (or NULL), $2 the HS
/// heading (or NULL), $3 the sector (or NULL), $4 the per-source cap. The HS source is ordered
/// by `~<~`, the order of its `text_pattern_ops` index, so the first `$4` come straight from the
/// index (ordered by the collation's `<`, every listing of the heading was read and sorted).
fn sources(predicate: &str, standing: &str, text: Option<TextScan>) -> String {
    let text_source = match text {
        Some(scan) => {
            let order = match scan {
                TextScan::FirstMet => "",
                TextScan::Newest => "ORDER BY l.published_at DESC, l.id DESC",
            };
            format!(
                "(SELECT id, '{standing}-text' AS source FROM (
                     SELECT m.id, m.search_vector FROM (
                         SELECT l.id, l.search_vector FROM listings l
                          WHERE {predicate} AND l.search_vector @@ $1::tsquery
                          {order} LIMIT {TEXT_RANK_CAP}) m
                     ORDER BY ts_rank_cd(m.search_vector, $1::tsquery) DESC, m.id LIMIT $4) t)
                 UNION "
            )
        }
        None => String::new(),
    };
    format!(
        "{text_source}
         (SELECT l.id, '{standing}' FROM listings l
           WHERE $2::text IS NOT NULL AND {predicate} AND l.hs_code LIKE $2 || '%'
           ORDER BY l.hs_code USING ~<~ LIMIT $4)
         UNION
         (SELECT l.id, '{standing}' FROM listings l
           WHERE $3::text IS NOT NULL AND {predicate} AND l.sector = $3 LIMIT $4)"
    )
}

const IN_CATALOGUE: &str = "l.status = 'published' AND l.seller_in_good_standing";
const OUT_OF_STANDING: &str = "l.status = 'published' AND NOT l.seller_in_good_standing";

/// How the text source reads the listings that match its query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextScan {
    /// The first `TEXT_RANK_CAP` a bitmap of all matches meets (in the heap's order).
    FirstMet,
    /// The newest `TEXT_RANK_CAP` (the catalogue's newest-first index, read until enough match).
    Newest,
}

/// A text query and how to read it.
struct TextQuery {
    query: String,
    scan: TextScan,
}

impl TextQuery {
    /// `words` joined by `op` (`&` or `|`), read newest first when the share of listings it
    /// matches, estimated from `shares` (independent words), is at least `COMMON_SHARE`.
    fn new(words: &[String], all: bool, shares: &HashMap<String, f64>) -> Option<TextQuery> {
        let query = tsquery(words, if all { " & " } else { " | " })?;
        let share = |w: &String| shares.get(w).copied().unwrap_or(0.0);
        let estimate = if all {
            words.iter().map(share).product::<f64>()
        } else {
            1.0 - words.iter().map(|w| 1.0 - share(w)).product::<f64>()
        };
        let scan = if estimate >= COMMON_SHARE {
            TextScan::Newest
        } else {
            TextScan::FirstMet
        };
        Some(TextQuery { query, scan })
    }
}

#[derive(QueryableByName)]
struct ShareRow {
    #[diesel(sql_type = Text)]
    word: String,
    #[diesel(sql_type = diesel::sql_types::Float4)]
    share: f32,
}

/// The share of listings having each of `words`, for the words among the most common of the
/// listings' search documents in the planner's statistics (`ANALYZE`); the others are rare.
async fn word_shares(
    conn: &mut AsyncPgConnection,
    words: &[String],
) -> ApiResult<HashMap<String, f64>> {
    if words.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<ShareRow> = diesel::sql_query(
        "SELECT e.word, e.share
           FROM pg_stats s,
                unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(word, share)
          WHERE s.schemaname = current_schema() AND s.tablename = 'listings'
            AND s.attname = 'search_vector' AND e.word = ANY($1)",
    )
    .bind::<Array<Text>, _>(words)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.word, f64::from(r.share)))
        .collect())
}

async fn candidate_ids(
    conn: &mut AsyncPgConnection,
    text: Option<&TextQuery>,
    heading: Option<&str>,
    sector: Option<Sector>,
    cap: i64,
) -> ApiResult<Vec<IdRow>> {
    let scan = text.map(|t| t.scan);
    let sql = format!(
        "{} UNION {}",
        sources(IN_CATALOGUE, "good", scan),
        sources(OUT_OF_STANDING, "out", scan)
    );
    Ok(diesel::sql_query(sql)
        .bind::<Nullable<Text>, _>(text.map(|t| t.query.as_str()))
        .bind::<Nullable<Text>, _>(heading)
        .bind::<Nullable<Text>, _>(sector.map(|s| s.as_str()))
        .bind::<BigInt, _>(cap)
        .load(conn)
        .await?)
}

/// The settings of the caller's transaction for a matching run: a statement timeout; index
/// scans only (a sequential scan under a `LIMIT` returns whichever rows it meets first, and
/// synchronised scans start anywhere: the candidates, and so the ranking, would change from one
/// run to the next); no JIT (it cost up to 100 ms a query at 1M listings) and no parallel
/// workers (short queries of many clients).
pub async fn bound_transaction(conn: &mut AsyncPgConnection, timeout_ms: u64) -> ApiResult<()> {
    diesel::sql_query(format!(
        "SELECT set_config('statement_timeout', '{timeout_ms}', true), \
                set_config('enable_seqscan', 'off', true), \
                set_config('jit', 'off', true), \
                set_config('max_parallel_workers_per_gather', '0', true)"
    ))
    .execute(conn)
    .await?;
    Ok(())
}

/// Ranks the sellers for `request` (at most `limit`, capped at `MAX_MATCHES`) in one read-only
/// transaction with a statement timeout.
pub async fn find(
    conn: &mut AsyncPgConnection,
    request: &MatchRequest,
    rates: &Rates,
    weights: &Weights,
    limit: usize,
    timeout_ms: u64,
) -> ApiResult<Found> {
    conn.build_transaction()
        .read_only()
        .run(async |conn| {
            bound_transaction(conn, timeout_ms).await?;
            find_in(conn, request, rates, weights, limit.min(MAX_MATCHES)).await
        })
        .await
}

/// `find` in the caller's transaction (RFQ writes store their leads in theirs; call
/// `bound_transaction` first).
pub async fn find_in(
    conn: &mut AsyncPgConnection,
    request: &MatchRequest,
    rates: &Rates,
    weights: &Weights,
    limit: usize,
) -> ApiResult<Found> {
    let words: WordsRow = diesel::sql_query(
        "SELECT tsvector_to_array(to_tsvector('english', $1)) AS product, \
                tsvector_to_array(to_tsvector('english', $2)) AS description",
    )
    .bind::<Text, _>(&request.product)
    .bind::<Text, _>(&request.description)
    .get_result(conn)
    .await?;
    let (product_words, words) = words_of(words);
    let shares = word_shares(conn, &words).await?;
    let heading = request.hs_code.as_deref().map(|c| &c[..4.min(c.len())]);
    let mut ids = candidate_ids(
        conn,
        TextQuery::new(&product_words, true, &shares).as_ref(),
        heading,
        request.sector,
        PER_SOURCE,
    )
    .await?;
    let all_words_found = ids.iter().filter(|r| r.source == "good-text").count();
    if all_words_found < MIN_ALL_WORDS && words.len() > 1 {
        // Few listings have every product word: any word of the RFQ will do (text relevance
        // then tells them apart). Only the text source: the others ran already.
        let more = candidate_ids(
            conn,
            TextQuery::new(&words, false, &shares).as_ref(),
            None,
            None,
            PER_SOURCE,
        )
        .await?;
        ids.extend(more);
    }
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<Uuid> = ids
        .into_iter()
        .filter_map(|r| seen.insert(r.id).then_some(r.id))
        .collect();
    if ids.is_empty() {
        return Ok(Found {
            list: MatchList {
                candidates: 0,
                sellers_considered: 0,
                excluded: Vec::new(),
                matches: Vec::new(),
            },
            sellers: Vec::new(),
        });
    }

    // The columns scoring reads (not the descriptions, attributes or images) with the RFQ's
    // words each has, and each seller once.
    let rows = candidate_rows(conn, &ids, &words).await?;
    let seller_ids: Vec<Uuid> = {
        let mut s: Vec<Uuid> = rows.iter().map(|r| r.seller_id).collect();
        s.sort();
        s.dedup();
        s
    };
    let seller_rows: HashMap<Uuid, SellerRow> = sellers::table
        .filter(sellers::id.eq_any(&seller_ids))
        .select(SellerRow::as_select())
        .load::<SellerRow>(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let responsiveness = responsiveness(conn, &seller_ids, request.rfq_id).await?;

    let now = Utc::now();
    let mut offers = Vec::with_capacity(rows.len());
    let mut by_listing: HashMap<Uuid, (&CandidateRow, &SellerRow)> = HashMap::new();
    for listing in &rows {
        let seller = seller_rows
            .get(&listing.seller_id)
            .ok_or_else(|| ApiError::internal("a candidate without its seller"))?;
        let summary = seller_summary(seller);
        offers.push(offer(
            listing,
            seller,
            TextMatch {
                words: words.len() as u32,
                strong: listing.strong as u32,
                weak: listing.any.saturating_sub(listing.strong) as u32,
            },
            responsiveness
                .get(&seller.id)
                .copied()
                .unwrap_or(Responsiveness {
                    leads: 0,
                    answered: 0,
                    median_hours_to_quote: None,
                }),
            summary.badge.is_some(),
        )?);
        by_listing.insert(listing.id, (listing, seller));
    }
    let want = Want {
        quantity: request.quantity,
        unit: request.unit,
        hs_code: request.hs_code.as_deref(),
        sector: request.sector,
        target_unit_price: request.target_unit_price,
        incoterm: request.incoterm,
        needed_by: request.needed_by,
        certifications: &request.certifications,
        today: now.date_naive(),
    };
    let ranking = score::rank(&want, &offers, rates, weights, limit);
    let mut matches = Vec::with_capacity(ranking.matches.len());
    let mut sellers_out = Vec::with_capacity(ranking.matches.len());
    for (i, scored) in ranking.matches.into_iter().enumerate() {
        let (listing, seller) = by_listing
            .get(&scored.listing_id)
            .copied()
            .ok_or_else(|| ApiError::internal("a scored listing that was not loaded"))?;
        sellers_out.push(MatchedSeller {
            seller_id: seller.id,
            home_jurisdiction: seller.home_jurisdiction.clone(),
        });
        matches.push(SellerMatch {
            rank: i as i32 + 1,
            seller: seller_summary(seller),
            listing_id: listing.id,
            listing_title: listing.title.clone(),
            score: scored.score,
            factors: scored.factors,
            unit_price: scored.unit_price,
            unit_price_in_rfq_currency: scored.unit_price_converted,
        });
    }
    Ok(Found {
        list: MatchList {
            candidates: ranking.candidates,
            sellers_considered: ranking.sellers_considered,
            excluded: exclusion_counts(ranking.excluded),
            matches,
        },
        sellers: sellers_out,
    })
}

fn exclusion_counts(excluded: BTreeMap<score::Exclusion, u32>) -> Vec<ExclusionCount> {
    excluded
        .into_iter()
        .map(|(reason, listings)| ExclusionCount { reason, listings })
        .collect()
}

/// The candidates' rows, each with how many of the RFQ's `words` it has in its title or
/// keywords (weights A, B: `strong`) and anywhere (`any`): one single-word `tsquery` per word and
/// kind, parsed once for the statement, each a binary search of the row's search document.
async fn candidate_rows(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    words: &[String],
) -> ApiResult<Vec<CandidateRow>> {
    let strong: Vec<String> = words.iter().map(|w| format!("'{w}':AB")).collect();
    let any: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    Ok(diesel::sql_query(
        "SELECT l.id, l.seller_id, l.status, l.seller_in_good_standing, l.title, l.sector,
                l.hs_code, l.moq, l.moq_unit, l.currency, l.price_breaks, l.incoterms,
                l.lead_time_days, l.monthly_capacity, l.certifications,
                (SELECT count(*) FROM unnest(q.strong) w WHERE l.search_vector @@ w) AS strong,
                (SELECT count(*) FROM unnest(q.any) w WHERE l.search_vector @@ w) AS any
           FROM (SELECT $2::text[]::tsquery[] AS strong, $3::text[]::tsquery[] AS any) q,
                listings l
          WHERE l.id = ANY($1)",
    )
    .bind::<Array<diesel::sql_types::Uuid>, _>(ids)
    .bind::<Array<Text>, _>(&strong)
    .bind::<Array<Text>, _>(&any)
    .load(conn)
    .await?)
}

/// Per seller, over the leads of the last `RESPONSIVENESS_DAYS` days (except `skip`'s): how many,
/// how many it quoted on, and the median hours from lead to quote.
async fn responsiveness(
    conn: &mut AsyncPgConnection,
    seller_ids: &[Uuid],
    skip: Option<Uuid>,
) -> ApiResult<HashMap<Uuid, Responsiveness>> {
    let rows: Vec<ResponsivenessRow> = diesel::sql_query(format!(
        "SELECT rl.seller_id, count(*) AS leads, count(q.id) AS answered,
                percentile_cont(0.5) WITHIN GROUP (
                    ORDER BY extract(epoch FROM q.created_at - rl.offered_at) / 3600.0
                ) FILTER (WHERE q.id IS NOT NULL) AS median_hours
           FROM rfq_leads rl
           LEFT JOIN quotes q ON q.rfq_id = rl.rfq_id AND q.seller_id = rl.seller_id
          WHERE rl.seller_id = ANY($1)
            AND rl.offered_at > now() - interval '{RESPONSIVENESS_DAYS} days'
            AND rl.rfq_id IS DISTINCT FROM $2
          GROUP BY rl.seller_id"
    ))
    .bind::<Array<diesel::sql_types::Uuid>, _>(seller_ids)
    .bind::<Nullable<diesel::sql_types::Uuid>, _>(skip)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.seller_id,
                Responsiveness {
                    leads: r.leads,
                    answered: r.answered,
                    median_hours_to_quote: r.median_hours,
                },
            )
        })
        .collect())
}

/// What scoring reads of a candidate listing.
#[derive(QueryableByName)]
#[diesel(table_name = listings, check_for_backend(diesel::pg::Pg))]
struct CandidateRow {
    id: Uuid,
    seller_id: Uuid,
    status: ListingStatus,
    seller_in_good_standing: bool,
    title: String,
    sector: Sector,
    hs_code: String,
    moq: i64,
    moq_unit: MoqUnit,
    currency: String,
    price_breaks: serde_json::Value,
    incoterms: serde_json::Value,
    lead_time_days: i32,
    monthly_capacity: Option<i64>,
    certifications: Vec<Certification>,
    /// The RFQ's words in the title or keywords.
    #[diesel(sql_type = BigInt)]
    strong: i64,
    /// The RFQ's words anywhere in the listing.
    #[diesel(sql_type = BigInt)]
    any: i64,
}

/// A candidate listing as scoring takes it.
fn offer(
    listing: &CandidateRow,
    seller: &SellerRow,
    text: TextMatch,
    responsiveness: Responsiveness,
    verified: bool,
) -> ApiResult<Offer> {
    let price_breaks: Vec<StoredPriceBreak> =
        serde_json::from_value(listing.price_breaks.clone()).map_err(ApiError::internal)?;
    let incoterms: Vec<StoredIncoterm> =
        serde_json::from_value(listing.incoterms.clone()).map_err(ApiError::internal)?;
    Ok(Offer {
        listing_id: listing.id,
        seller_id: seller.organisation_id,
        text,
        hs_code: listing.hs_code.clone(),
        sector: listing.sector,
        moq: listing.moq,
        moq_unit: listing.moq_unit,
        currency: CurrencyCode::parse(&listing.currency).map_err(ApiError::internal)?,
        price_breaks,
        lead_time_days: listing.lead_time_days,
        monthly_capacity: listing.monthly_capacity,
        incoterms: incoterms.into_iter().map(|i| i.incoterm).collect(),
        certifications: listing.certifications.clone(),
        in_good_standing: listing.status == ListingStatus::Published
            && listing.seller_in_good_standing,
        verified,
        responsiveness,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_the_product_first_and_drop_what_cannot_be_quoted() {
        let (product, all) = words_of(WordsRow {
            product: vec!["cotton".into(), "t-shirt".into(), "shirt".into()],
            description: vec!["180".into(), "cotton".into(), "o'neil".into(), "gsm".into()],
        });
        assert_eq!(product, ["cotton", "shirt"]);
        assert_eq!(all, ["cotton", "shirt", "180", "gsm"]);
        assert_eq!(
            tsquery(&product, " & ").as_deref(),
            Some("'cotton' & 'shirt'")
        );
        assert_eq!(tsquery(&[], " | "), None);
    }

    #[test]
    fn words_are_capped() {
        let (product, all) = words_of(WordsRow {
            product: (0..10).map(|i| format!("p{i}")).collect(),
            description: (0..20).map(|i| format!("d{i}")).collect(),
        });
        assert_eq!(product.len(), 10);
        assert_eq!(all.len(), MAX_WORDS);
        assert_eq!(all[10], "d0");
    }
}
