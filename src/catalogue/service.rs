//! Running a search: rates first (from the shared pricing cache, before a connection is taken),
//! then in one read-only transaction with a statement timeout and no sequential scans: typo
//! correction, the page of hits, facet counts (first page), and the hits' listings and sellers.

use std::collections::HashMap;

use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Float4, Int4, Int8, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::api::*;
use super::request::{After, SearchRequest};
use super::sql::{self, FACET_CAP, PriceFactors, RANK_CAP, Search};
use crate::db::schema::{listings, sellers};
use crate::error::{ApiError, ApiResult};
use crate::listings::api::PriceBreak;
use crate::listings::model::ListingRow;
use crate::listings::public_listing;
use crate::money::CurrencyCode;
use crate::sellers::model::{SellerRow, public_id, seller_summary};
use crate::settlement::engine::Rates;
use crate::settlement::fx::RateUsed;

/// The rates of the shared pricing cache (read before the caller takes a connection).
pub async fn rates(state: &crate::AppState) -> ApiResult<CatalogueRates> {
    let (rates, used) = crate::settlement::latest_rates(state).await?;
    Ok(CatalogueRates { rates, used })
}

/// The latest mid rates the catalogue converts with, and how each was obtained (as-of, stale).
pub struct CatalogueRates {
    pub rates: Rates,
    pub used: Vec<RateUsed>,
}

impl CatalogueRates {
    fn used(&self, c: CurrencyCode) -> Option<&RateUsed> {
        self.used.iter().find(|u| u.currency == c)
    }

    /// Paise per minor unit of every currency with a rate.
    pub fn factors(&self) -> PriceFactors {
        self.rates
            .currencies()
            .filter_map(|c| Some((c, self.rates.paise_per_minor(c).ok()?)))
            .collect()
    }
}

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Float4>)]
    rank: Option<f32>,
    #[diesel(sql_type = Nullable<Text>)]
    price_key: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    published_at: Option<chrono::DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Int4>)]
    lead_time_days: Option<i32>,
    #[diesel(sql_type = Nullable<Int8>)]
    matched: Option<i64>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    facets: Option<serde_json::Value>,
}

#[derive(QueryableByName)]
struct FacetRow {
    #[diesel(sql_type = Jsonb)]
    facets: serde_json::Value,
}

#[derive(QueryableByName)]
struct WordRow {
    #[diesel(sql_type = Text)]
    word: String,
    #[diesel(sql_type = Nullable<Text>)]
    lex: Option<String>,
    #[diesel(sql_type = Bool)]
    known: bool,
    #[diesel(sql_type = Nullable<Text>)]
    suggestion: Option<String>,
}

/// Reads the words against the catalogue's vocabulary: the `tsquery` text (lexemes joined by
/// `&`) and how the query was read. `None` when every word was ignored.
async fn interpret(
    conn: &mut AsyncPgConnection,
    words: &[String],
) -> ApiResult<(Option<String>, InterpretedQuery)> {
    let rows: Vec<WordRow> = sql::corrections(words).into_query().load(conn).await?;
    let mut read = InterpretedQuery {
        terms: Vec::new(),
        corrections: Vec::new(),
        ignored: Vec::new(),
    };
    for row in rows {
        let Some(lex) = row.lex else {
            read.ignored.push(row.word);
            continue;
        };
        let term = match row.suggestion {
            Some(better) if !row.known => {
                read.corrections.push(Correction {
                    asked: row.word,
                    used: better.clone(),
                });
                better
            }
            _ => lex,
        };
        // Lexemes of split words are letters and digits; anything else is left out of the
        // query text rather than quoted.
        if term.chars().all(char::is_alphanumeric) && !read.terms.contains(&term) {
            read.terms.push(term);
        }
    }
    let tsquery = (!read.terms.is_empty()).then(|| {
        read.terms
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(" & ")
    });
    Ok((tsquery, read))
}

/// Facet counts of a first page from the jsonb the SQL counted (`sql::facet_json`).
fn facets_of(counted: &serde_json::Value) -> ApiResult<Facets> {
    let list = |name: &str| -> ApiResult<Vec<FacetCount>> {
        let counts = counted[name]
            .as_object()
            .ok_or_else(|| ApiError::internal(format!("facet counts without {name}")))?;
        let mut list = counts
            .iter()
            .map(|(value, n)| {
                Ok(FacetCount {
                    value: value.clone(),
                    count: n
                        .as_i64()
                        .ok_or_else(|| ApiError::internal("a facet count"))?,
                })
            })
            .collect::<ApiResult<Vec<_>>>()?;
        list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        Ok(list)
    };
    let counted_hits = counted["counted"]
        .as_i64()
        .ok_or_else(|| ApiError::internal("facet counts without counted"))?;
    Ok(Facets {
        counted: counted_hits,
        exact: counted_hits < FACET_CAP,
        sector: list("sector")?,
        origin_state: list("origin_state")?,
        incoterm: list("incoterm")?,
        certification: list("certification")?,
    })
}

/// The page of hits (sort keys, `limit + 1` rows) and, on a first page, the facet counts.
async fn page(
    conn: &mut AsyncPgConnection,
    search: &Search<'_>,
) -> ApiResult<(Vec<KeyRow>, Option<Facets>)> {
    let price_sort = matches!(
        search.request.sort,
        SearchSort::PriceAsc | SearchSort::PriceDesc
    );
    let mut rows: Vec<KeyRow> = Vec::new();
    if price_sort && search.tsquery.is_some() {
        rows = sql::text_by_price(search).into_query().load(conn).await?;
        let cut = <[KeyRow]>::first(&rows)
            .and_then(|r| r.matched)
            .is_none_or(|n| n > search.price_text_cap);
        if cut {
            rows.clear();
        }
    }
    if rows.is_empty() {
        rows = sql::hits(search).into_query().load(conn).await?;
    }
    if search.request.after.is_some() {
        return Ok((rows, None));
    }
    let counted = match <[KeyRow]>::first(&rows).and_then(|r| r.facets.clone()) {
        Some(counted) => counted,
        None => {
            let row: FacetRow = sql::facet_sample(search)
                .into_query()
                .get_result(conn)
                .await?;
            row.facets
        }
    };
    Ok((rows, Some(facets_of(&counted)?)))
}

fn after_of(row: &KeyRow, id: Uuid, sort: SearchSort) -> ApiResult<After> {
    let missing = || ApiError::internal("a hit without its sort key");
    Ok(match sort {
        SearchSort::Relevance => After::Rank(row.rank.ok_or_else(missing)?, id),
        SearchSort::PriceAsc | SearchSort::PriceDesc => {
            let key = row.price_key.as_deref().ok_or_else(missing)?;
            After::Price(key.parse().map_err(ApiError::internal)?, id)
        }
        SearchSort::Newest => After::Published(row.published_at.ok_or_else(missing)?, id),
        SearchSort::LeadTime => After::LeadTime(row.lead_time_days.ok_or_else(missing)?, id),
    })
}

/// The price breaks of `row` in `to`, at mid.
fn indicative(
    row: &ListingRow,
    breaks: &[PriceBreak],
    to: CurrencyCode,
    rates: &CatalogueRates,
) -> Option<IndicativePrices> {
    let from = CurrencyCode::parse(&row.currency).ok()?;
    let rate = rates.rates.mid(from, to).ok()?;
    let used: Vec<&RateUsed> = [rates.used(from), rates.used(to)]
        .into_iter()
        .flatten()
        .collect();
    let as_of = used.iter().map(|u| u.as_of).min().unwrap_or_else(Utc::now);
    let converted = breaks
        .iter()
        .map(|b| {
            Some(PriceBreak {
                min_quantity: b.min_quantity,
                unit_price: rates.rates.convert(b.unit_price, to).ok()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(IndicativePrices {
        currency: to.as_str().to_owned(),
        rate: rate.round_dp(8),
        as_of,
        stale: used.iter().any(|u| u.stale),
        price_breaks: converted,
        indicative: true,
    })
}

/// Loads the listings and sellers of `ids`, in that order.
async fn load_hits(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> ApiResult<Vec<(ListingRow, SellerRow)>> {
    let rows: Vec<(ListingRow, SellerRow)> = listings::table
        .inner_join(sellers::table)
        .filter(listings::id.eq_any(ids))
        .select((ListingRow::as_select(), SellerRow::as_select()))
        .load(conn)
        .await?;
    let mut by_id: HashMap<Uuid, (ListingRow, SellerRow)> =
        rows.into_iter().map(|r| (r.0.id, r)).collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// How far a search may go (from configuration).
#[derive(Debug, Clone, Copy)]
pub struct SearchLimits {
    /// The statement timeout of the search's transaction.
    pub timeout_ms: u64,
    /// See `Search::price_text_cap`.
    pub price_text_cap: i64,
}

impl SearchLimits {
    pub fn of(config: &crate::config::Config) -> Self {
        Self {
            timeout_ms: config.search_timeout_ms,
            price_text_cap: config.search_price_text_cap,
        }
    }
}

/// One page of search results.
pub async fn search(
    conn: &mut AsyncPgConnection,
    request: &SearchRequest,
    rates: &CatalogueRates,
    cursor_key: &[u8],
    limits: SearchLimits,
) -> ApiResult<SearchResults> {
    let timeout_ms = limits.timeout_ms;
    if let Some(c) = request.currency
        && rates.rates.inr_per_unit(c).is_err()
    {
        return Err(ApiError::field(
            "currency",
            "no_rate",
            format!("no exchange rate for {c}; use a currency the platform has a rate for"),
        ));
    }
    let factors = rates.factors();
    let (rows, facets, query, hits) = conn
        .build_transaction()
        .read_only()
        .run(async |conn| {
            // Bounded queries with LIMIT tempt the planner into scanning the whole table
            // (cheap to start, ruinous when the matches are rare): searches use the
            // catalogue's indexes only. Short queries of many concurrent clients: no JIT
            // (compiling cost up to 100 ms a query at 1M listings) and no parallel workers
            // (they take the cores other searches wait for); bitmaps of common words stay
            // exact (not lossy) in a larger work_mem.
            diesel::sql_query(format!(
                "SELECT set_config('statement_timeout', '{timeout_ms}', true), \
                        set_config('enable_seqscan', 'off', true), \
                        set_config('jit', 'off', true), \
                        set_config('max_parallel_workers_per_gather', '0', true), \
                        set_config('work_mem', '16MB', true)"
            ))
            .execute(conn)
            .await?;
            let (tsquery, query) = if request.words.is_empty() {
                (None, None)
            } else {
                let (tsquery, read) = interpret(conn, &request.words).await?;
                (tsquery, Some(read))
            };
            if query.is_some() && tsquery.is_none() {
                // Every word was ignored: nothing to match.
                return Ok((Vec::new(), None, query, Vec::new()));
            }
            let search = Search {
                request,
                tsquery: tsquery.as_deref(),
                factors: &factors,
                price_text_cap: limits.price_text_cap,
            };
            let (rows, facets) = page(conn, &search).await?;
            let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.id).collect();
            let hits = load_hits(conn, &ids).await?;
            Ok::<_, ApiError>((rows, facets, query, hits))
        })
        .await?;
    let limit = usize::try_from(request.limit).unwrap_or(0);
    let capped = <[KeyRow]>::first(&rows)
        .and_then(|r| r.matched)
        .map(|n| n > RANK_CAP);
    let next_cursor = match (rows.len() > limit, rows.get(limit.saturating_sub(1))) {
        (true, Some(last)) => {
            let id = last
                .id
                .ok_or_else(|| ApiError::internal("a hit without an id"))?;
            Some(super::request::encode_cursor(
                &after_of(last, id, request.sort)?,
                request,
                cursor_key,
            )?)
        }
        _ => None,
    };
    let ranks: HashMap<Uuid, f32> = rows.iter().filter_map(|r| Some((r.id?, r.rank?))).collect();
    let mut items = Vec::new();
    for (listing, seller) in hits.iter().take(limit) {
        if !listing.visible() {
            continue;
        }
        let public = public_listing(listing, public_id(seller))?;
        let indicative_prices = request
            .currency
            .and_then(|c| indicative(listing, &public.details.price_breaks, c, rates));
        items.push(SearchHit {
            listing: public,
            seller: seller_summary(seller),
            relevance: ranks.get(&listing.id).copied(),
            indicative_prices,
        });
    }
    Ok(SearchResults {
        sort: request.sort,
        items,
        next_cursor,
        facets,
        query,
        ranked_over_capped: if request.sort == SearchSort::Relevance {
            capped
        } else {
            None
        },
    })
}

/// A published listing of the catalogue with its seller; 404 unless it is in the catalogue.
pub async fn listing(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<CatalogueListing> {
    let (row, seller): (ListingRow, SellerRow) = listings::table
        .inner_join(sellers::table)
        .filter(listings::id.eq(id))
        .select((ListingRow::as_select(), SellerRow::as_select()))
        .first(conn)
        .await?;
    if !row.visible() {
        return Err(ApiError::NotFound);
    }
    Ok(CatalogueListing {
        listing: public_listing(&row, public_id(&seller))?,
        seller: seller_summary(&seller),
    })
}
