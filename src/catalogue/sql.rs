//! The SQL of a search, built from a checked request: the page of hit ids with their sort keys,
//! and the facet counts. Pure: text and binds, run by the service.
//!
//! Every query reads only the catalogue (`status = 'published' AND seller_in_good_standing`,
//! the predicate of every catalogue index) and is bounded: relevance ranks at most
//! `RANK_CAP` matches, facets count at most `FACET_CAP` hits (any of them: a sample when there
//! are more), pages are keyset-paged.
//! Prices of different currencies compare as paise at the latest mid rates: per currency a
//! factor (paise per minor unit). A price sort with free text sorts the text matches once
//! when there are at most `Search::price_text_cap` of them (`text_by_price`); otherwise, and without
//! text, it merges one index-ordered scan per currency (`hits`).
//! Facet counts are counted in SQL into one jsonb (`facets` column): with the page itself when
//! the page's plan has the matches at hand (relevance, text by price), else by `facet_sample`.

use std::collections::BTreeMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Array, Float4, Int4, Int8, Text, Timestamptz};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::api::SearchSort;
use super::request::{After, SearchRequest};
use crate::money::CurrencyCode;
use crate::vocabulary::Vocabulary;

/// At most this many text matches are ranked for the relevance order.
pub const RANK_CAP: i64 = 2000;
/// Facets count at most this many hits.
pub const FACET_CAP: i64 = 1000;

/// Paise per minor unit of each currency with a rate (INR included).
pub type PriceFactors = BTreeMap<CurrencyCode, Decimal>;

/// A bind value.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Texts(Vec<String>),
    Int8(i64),
    Int4(i32),
    Float4(f32),
    Time(DateTime<Utc>),
    Uuid(Uuid),
}

/// SQL text with numbered binds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sql {
    pub text: String,
    pub binds: Vec<Bind>,
}

impl Sql {
    fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a placeholder for `b` (with `cast`, e.g. `::numeric`).
    fn arg(&mut self, b: Bind, cast: &str) -> &mut Self {
        self.binds.push(b);
        let _ = write!(self.text, "${}{cast}", self.binds.len());
        self
    }

    /// The query diesel runs.
    pub fn into_query(self) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
        let mut q = diesel::sql_query(self.text).into_boxed::<Pg>();
        for b in self.binds {
            q = match b {
                Bind::Text(v) => q.bind::<Text, _>(v),
                Bind::Texts(v) => q.bind::<Array<Text>, _>(v),
                Bind::Int8(v) => q.bind::<Int8, _>(v),
                Bind::Int4(v) => q.bind::<Int4, _>(v),
                Bind::Float4(v) => q.bind::<Float4, _>(v),
                Bind::Time(v) => q.bind::<Timestamptz, _>(v),
                Bind::Uuid(v) => q.bind::<diesel::sql_types::Uuid, _>(v),
            };
        }
        q
    }
}

/// The columns every page query returns (`KeyRow` in the service).
const KEY_COLUMNS_NONE: &str = "NULL::float4 AS rank, NULL::text AS price_key, \
     NULL::timestamptz AS published_at, NULL::int4 AS lead_time_days, NULL::int8 AS matched, \
     NULL::jsonb AS facets";

/// The columns facets are counted over.
const FACET_COLUMNS: &str = "l.sector, l.origin_state, l.incoterm_codes, l.certifications";

/// One jsonb of facet counts over the rows of the CTE `f` (facet columns, at most
/// `FACET_CAP` rows): `{"counted": n, "sector": {value: count}, "origin_state": …,
/// "incoterm": …, "certification": …}`.
fn facet_json() -> String {
    let count = |name: &str, from: &str| {
        format!(
            "'{name}', (SELECT coalesce(jsonb_object_agg(x.v, x.n), '{{}}') \
             FROM (SELECT v, count(*) AS n FROM {from} GROUP BY v) x)"
        )
    };
    format!(
        "(SELECT jsonb_build_object('counted', (SELECT count(*) FROM f), {}, {}, {}, {}))",
        count("sector", "(SELECT f.sector AS v FROM f) s"),
        count("origin_state", "(SELECT f.origin_state AS v FROM f) s"),
        count(
            "incoterm",
            "f CROSS JOIN LATERAL unnest(f.incoterm_codes) AS u(v)"
        ),
        count(
            "certification",
            "f CROSS JOIN LATERAL unnest(f.certifications) AS u(v)"
        ),
    )
}

/// The `facets` column of a page whose matches are the CTE `m` (with the facet columns):
/// counted on a first page only.
fn facets_column(first_page: bool) -> String {
    if first_page {
        format!("{} AS facets", facet_json())
    } else {
        "NULL::jsonb AS facets".into()
    }
}

/// How the search reads: the request, its text query (lexemes joined by `&`) and the factors.
pub struct Search<'a> {
    pub request: &'a SearchRequest,
    /// A `tsquery` in its text form, built only from catalogue lexemes.
    pub tsquery: Option<&'a str>,
    pub factors: &'a PriceFactors,
    /// A price sort with free text sorts at most this many matches (`text_by_price`).
    pub price_text_cap: i64,
}

fn decimal(sql: &mut Sql, d: Decimal) {
    sql.arg(Bind::Text(d.normalize().to_string()), "::numeric");
}

/// Paise bounds of the price filter (buyer currency → paise), when one is asked for and the
/// buyer's currency has a rate.
fn paise_bounds(s: &Search<'_>) -> Option<(Option<Decimal>, Option<Decimal>)> {
    let bounds = s.request.price?;
    let factor = *s.factors.get(&s.request.currency?)?;
    Some((
        bounds.min_minor.map(|m| Decimal::from(m) * factor),
        bounds.max_minor.map(|m| Decimal::from(m) * factor),
    ))
}

/// The least native price (minor units at factor `f` paise each) worth at least `lo` paise:
/// exact, whatever the rounding of the division.
pub fn native_at_least(lo: Decimal, f: Decimal) -> i64 {
    let mut n: i64 = (lo / f).ceil().try_into().unwrap_or(i64::MAX);
    while n > i64::MIN && Decimal::from(n - 1) * f >= lo {
        n -= 1;
    }
    while n < i64::MAX && Decimal::from(n) * f < lo {
        n += 1;
    }
    n
}

/// The greatest native price worth at most `hi` paise: exact.
pub fn native_at_most(hi: Decimal, f: Decimal) -> i64 {
    let mut n: i64 = (hi / f).floor().try_into().unwrap_or(i64::MAX);
    while n < i64::MAX && Decimal::from(n + 1) * f <= hi {
        n += 1;
    }
    while n > i64::MIN && Decimal::from(n) * f > hi {
        n -= 1;
    }
    n
}

/// The price condition for listings in `currency` (its factor `f`): a range of native prices,
/// exactly the prices worth `lo` to `hi` paise, so that the index range is the whole test
/// (and the planner estimates it from the column's statistics).
fn price_condition(
    sql: &mut Sql,
    currency: CurrencyCode,
    f: Decimal,
    lo: Option<Decimal>,
    hi: Option<Decimal>,
) {
    sql.push("(l.currency = ")
        .arg(Bind::Text(currency.as_str().into()), "");
    if let Some(lo) = lo {
        sql.push(" AND l.price_minor >= ")
            .arg(Bind::Int8(native_at_least(lo, f)), "");
    }
    if let Some(hi) = hi {
        sql.push(" AND l.price_minor <= ")
            .arg(Bind::Int8(native_at_most(hi, f)), "");
    }
    sql.push(")");
}

/// `WHERE` conditions of the catalogue and the request's filters (not the price filter).
fn filters(sql: &mut Sql, s: &Search<'_>) {
    let r = s.request;
    sql.push(" WHERE l.status = 'published' AND l.seller_in_good_standing");
    if let Some(q) = s.tsquery {
        sql.push(" AND l.search_vector @@ ")
            .arg(Bind::Text(q.into()), "::tsquery");
    }
    if let Some(sector) = r.sector {
        sql.push(" AND l.sector = ")
            .arg(Bind::Text(sector.as_str().into()), "");
    }
    if let Some(prefix) = &r.hs_prefix {
        // Digits only (checked), inlined so the planner sees the prefix (text_pattern_ops).
        let digits: String = prefix.chars().filter(char::is_ascii_digit).collect();
        let _ = write!(sql.text, " AND l.hs_code LIKE '{digits}%'");
    }
    if let Some(state) = &r.origin_state {
        sql.push(" AND l.origin_state = ")
            .arg(Bind::Text(state.clone()), "");
    }
    if let Some(incoterm) = r.incoterm {
        sql.push(" AND ")
            .arg(Bind::Text(incoterm.as_str().into()), "")
            .push(" = ANY (l.incoterm_codes)");
    }
    if let Some(c) = r.certification {
        sql.push(" AND ")
            .arg(Bind::Text(c.as_str().into()), "")
            .push(" = ANY (l.certifications)");
    }
    if let Some(moq) = r.max_moq {
        sql.push(" AND l.moq <= ").arg(Bind::Int8(moq), "");
    }
    if let Some(days) = r.max_lead_time_days {
        sql.push(" AND l.lead_time_days <= ")
            .arg(Bind::Int4(days), "");
    }
    if r.verified_only {
        sql.push(" AND l.seller_verified");
    }
}

/// The price filter over every currency with a rate (a listing in a currency without one
/// never passes a price filter).
fn price_filter_any(sql: &mut Sql, s: &Search<'_>) {
    if s.request.price.is_none() {
        return;
    }
    let Some((lo, hi)) = paise_bounds(s) else {
        sql.push(" AND false");
        return;
    };
    sql.push(" AND (");
    for (i, (currency, f)) in s.factors.iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        price_condition(sql, *currency, *f, lo, hi);
    }
    sql.push(")");
}

/// `FROM listings l WHERE` the catalogue, the request's filters and its price filter.
fn from_catalogue(sql: &mut Sql, s: &Search<'_>) {
    sql.push("FROM listings l");
    filters(sql, s);
    price_filter_any(sql, s);
}

/// The page of hits: ids and sort keys, `limit + 1` rows (`limit` = the page size, or the
/// facet cap with `after` ignored).
fn page_query(s: &Search<'_>, limit: i64, after: Option<&After>) -> Sql {
    match s.request.sort {
        SearchSort::Relevance => relevance(s, limit, after),
        SearchSort::PriceAsc | SearchSort::PriceDesc => by_price(s, limit, after),
        SearchSort::Newest | SearchSort::LeadTime => by_column(s, limit, after),
    }
}

fn relevance(s: &Search<'_>, limit: i64, after: Option<&After>) -> Sql {
    let mut sql = Sql::default();
    sql.push("WITH m AS MATERIALIZED (SELECT l.id, ")
        .push(FACET_COLUMNS)
        .push(", ts_rank_cd(l.search_vector, ")
        .arg(
            Bind::Text(s.tsquery.unwrap_or_default().into()),
            "::tsquery",
        )
        .push(") AS rank ");
    from_catalogue(&mut sql, s);
    let _ = write!(
        sql.text,
        " LIMIT {}), f AS (SELECT * FROM m LIMIT {FACET_CAP}) ",
        RANK_CAP + 1
    );
    // One row even when the page is empty: the count and the facets come with it.
    let _ = write!(
        sql.text,
        "SELECT p.id, p.rank, NULL::text AS price_key, NULL::timestamptz AS published_at, \
              NULL::int4 AS lead_time_days, c.matched, {} \
         FROM (SELECT count(*) AS matched FROM m) c LEFT JOIN LATERAL (SELECT m.id, m.rank FROM m",
        facets_column(after.is_none())
    );
    if let Some(After::Rank(rank, id)) = after {
        sql.push(" WHERE m.rank < ")
            .arg(Bind::Float4(*rank), "")
            .push(" OR (m.rank = ")
            .arg(Bind::Float4(*rank), "")
            .push(" AND m.id > ")
            .arg(Bind::Uuid(*id), "")
            .push(")");
    }
    let _ = write!(
        sql.text,
        " ORDER BY m.rank DESC, m.id LIMIT {}) p ON true ORDER BY p.rank DESC, p.id",
        limit + 1
    );
    sql
}

/// A price sort with free text: the text matches (at most `price_text_cap + 1`) sorted by
/// their price in paise. `matched` above `price_text_cap` means the page is not to be used
/// (the merge of `hits` is): the matches were cut.
pub fn text_by_price(s: &Search<'_>) -> Sql {
    let mut sql = Sql::default();
    let desc = s.request.sort == SearchSort::PriceDesc;
    let dir = if desc { "DESC" } else { "ASC" };
    let after = s.request.after.as_ref();
    sql.push("WITH m AS MATERIALIZED (SELECT l.id, l.currency, l.price_minor, ")
        .push(FACET_COLUMNS)
        .push(" ");
    from_catalogue(&mut sql, s);
    let _ = write!(
        sql.text,
        " LIMIT {}), f AS (SELECT * FROM m LIMIT {FACET_CAP}), r(currency, factor) AS (VALUES ",
        s.price_text_cap + 1
    );
    for (i, (currency, f)) in s.factors.iter().enumerate() {
        sql.push(if i > 0 { ", (" } else { "(" })
            .arg(Bind::Text(currency.as_str().into()), "::text")
            .push(", ");
        decimal(&mut sql, *f);
        sql.push(")");
    }
    let _ = write!(
        sql.text,
        ") SELECT p.id, NULL::float4 AS rank, p.key::text AS price_key, \
              NULL::timestamptz AS published_at, NULL::int4 AS lead_time_days, c.matched, {} \
         FROM (SELECT count(*) AS matched FROM m) c LEFT JOIN LATERAL (SELECT m.id, \
              m.price_minor * r.factor AS key FROM m JOIN r USING (currency)",
        facets_column(after.is_none())
    );
    if let Some(After::Price(key, id)) = after {
        sql.push(" WHERE (m.price_minor * r.factor, m.id) ")
            .push(if desc { "<" } else { ">" })
            .push(" (");
        decimal(&mut sql, *key);
        sql.push(", ").arg(Bind::Uuid(*id), "").push(")");
    }
    let _ = write!(
        sql.text,
        " ORDER BY key {dir}, m.id {dir} LIMIT {}) p ON true ORDER BY p.key {dir}, p.id {dir}",
        s.request.limit + 1
    );
    sql
}

fn by_column(s: &Search<'_>, limit: i64, after: Option<&After>) -> Sql {
    let mut sql = Sql::default();
    let newest = s.request.sort == SearchSort::Newest;
    if newest {
        sql.push(
            "SELECT l.id, NULL::float4 AS rank, NULL::text AS price_key, l.published_at, \
             NULL::int4 AS lead_time_days, NULL::int8 AS matched, NULL::jsonb AS facets",
        );
    } else {
        sql.push(
            "SELECT l.id, NULL::float4 AS rank, NULL::text AS price_key, \
             NULL::timestamptz AS published_at, l.lead_time_days, NULL::int8 AS matched, \
             NULL::jsonb AS facets",
        );
    }
    sql.push(" ");
    from_catalogue(&mut sql, s);
    match after {
        Some(After::Published(at, id)) => {
            sql.push(" AND (l.published_at, l.id) < (")
                .arg(Bind::Time(*at), "")
                .push(", ")
                .arg(Bind::Uuid(*id), "")
                .push(")");
        }
        Some(After::LeadTime(days, id)) => {
            sql.push(" AND (l.lead_time_days, l.id) > (")
                .arg(Bind::Int4(*days), "")
                .push(", ")
                .arg(Bind::Uuid(*id), "")
                .push(")");
        }
        _ => {}
    }
    let order = if newest {
        "l.published_at DESC, l.id DESC"
    } else {
        "l.lead_time_days, l.id"
    };
    let _ = write!(sql.text, " ORDER BY {order} LIMIT {}", limit + 1);
    sql
}

/// One index-ordered scan per currency with a rate, merged: within a currency the paise order
/// is the native order.
fn by_price(s: &Search<'_>, limit: i64, after: Option<&After>) -> Sql {
    let mut sql = Sql::default();
    let desc = s.request.sort == SearchSort::PriceDesc;
    let bounds = if s.request.price.is_some() {
        match paise_bounds(s) {
            Some(b) => Some(b),
            None => {
                // A price filter in a currency without a rate matches nothing.
                sql.push("SELECT NULL::uuid AS id, ")
                    .push(KEY_COLUMNS_NONE)
                    .push(" WHERE false");
                return sql;
            }
        }
    } else {
        None
    };
    sql.push("SELECT x.id, NULL::float4 AS rank, x.key::text AS price_key, \
              NULL::timestamptz AS published_at, NULL::int4 AS lead_time_days, NULL::int8 AS matched, \
              NULL::jsonb AS facets FROM (");
    for (i, (currency, f)) in s.factors.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("(SELECT l.id, l.price_minor * ");
        decimal(&mut sql, *f);
        sql.push(" AS key FROM listings l");
        filters(&mut sql, s);
        sql.push(" AND ");
        let (lo, hi) = bounds.unwrap_or((None, None));
        price_condition(&mut sql, *currency, *f, lo, hi);
        if let Some(After::Price(key, id)) = after {
            // The index range first, then the exact position.
            let native = (*key / *f).floor();
            let native: i64 = native.try_into().unwrap_or(i64::MAX);
            if desc {
                sql.push(" AND l.price_minor <= ")
                    .arg(Bind::Int8(native.saturating_add(1)), "");
            } else {
                sql.push(" AND l.price_minor >= ")
                    .arg(Bind::Int8(native), "");
            }
            sql.push(" AND (l.price_minor * ");
            decimal(&mut sql, *f);
            sql.push(", l.id) ")
                .push(if desc { "<" } else { ">" })
                .push(" (");
            decimal(&mut sql, *key);
            sql.push(", ").arg(Bind::Uuid(*id), "").push(")");
        }
        let dir = if desc { "DESC" } else { "ASC" };
        let _ = write!(
            sql.text,
            " ORDER BY l.price_minor {dir}, l.id {dir} LIMIT {})",
            limit + 1
        );
    }
    let dir = if desc { "DESC" } else { "ASC" };
    let _ = write!(
        sql.text,
        ") x ORDER BY x.key {dir}, x.id {dir} LIMIT {}",
        limit + 1
    );
    sql
}

/// The page of hits after `request.after`.
pub fn hits(s: &Search<'_>) -> Sql {
    page_query(s, s.request.limit, s.request.after.as_ref())
}

/// The facet counts (one row, column `facets`) over at most `FACET_CAP` hits, any of them
/// (all of them when there are no more).
pub fn facet_sample(s: &Search<'_>) -> Sql {
    let mut sql = Sql::default();
    sql.push("WITH f AS MATERIALIZED (SELECT ")
        .push(FACET_COLUMNS)
        .push(" ");
    from_catalogue(&mut sql, s);
    let _ = write!(
        sql.text,
        " LIMIT {FACET_CAP}) SELECT {} AS facets",
        facet_json()
    );
    sql
}

/// Typo correction: for each word (in order) its lexeme, whether the catalogue has it, and the
/// closest catalogue word by trigram similarity when it does not (words of 4+ letters).
pub fn corrections(words: &[String]) -> Sql {
    let mut sql = Sql::default();
    sql.push("SELECT u.word, l.lex, \
              l.lex IS NOT NULL AND EXISTS (SELECT 1 FROM catalogue_terms t WHERE t.word = l.lex) AS known, \
              CASE WHEN length(l.lex) >= 4 AND l.lex ~ '[a-z]' AND NOT EXISTS \
                   (SELECT 1 FROM catalogue_terms t WHERE t.word = l.lex) THEN \
              (SELECT t.word FROM catalogue_terms t WHERE t.word % l.lex \
               ORDER BY similarity(t.word, l.lex) DESC, t.word LIMIT 1) END AS suggestion \
              FROM unnest(")
        .arg(Bind::Texts(words.to_vec()), "::text[]")
        .push(") WITH ORDINALITY AS u(word, i) \
               LEFT JOIN LATERAL (SELECT (tsvector_to_array(to_tsvector('english', u.word)))[1] AS lex) l ON true \
               ORDER BY u.i");
    sql
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::request::PriceBounds;

    fn request(sort: SearchSort) -> SearchRequest {
        SearchRequest {
            words: vec!["cotton".into()],
            sector: None,
            hs_prefix: Some("6109".into()),
            origin_state: None,
            incoterm: None,
            certification: None,
            max_moq: None,
            price: None,
            max_lead_time_days: None,
            verified_only: true,
            currency: Some(CurrencyCode::USD),
            sort,
            limit: 20,
            after: None,
        }
    }

    fn factors() -> PriceFactors {
        PriceFactors::from([
            (CurrencyCode::INR, Decimal::ONE),
            (CurrencyCode::USD, Decimal::new(8350, 2)),
        ])
    }

    #[test]
    fn every_query_reads_only_the_catalogue_and_is_bounded() {
        let f = factors();
        for sort in SearchSort::ALL {
            let r = request(*sort);
            let s = Search {
                request: &r,
                tsquery: Some("'cotton'"),
                factors: &f,
                price_text_cap: 5000,
            };
            for sql in [hits(&s), facet_sample(&s), text_by_price(&s)] {
                assert!(
                    sql.text
                        .contains("l.status = 'published' AND l.seller_in_good_standing"),
                    "{}",
                    sql.text
                );
                assert!(sql.text.contains("LIMIT"), "{}", sql.text);
                assert!(sql.text.contains("l.hs_code LIKE '6109%'"));
                let placeholders =
                    (1..=sql.binds.len()).all(|n| sql.text.contains(&format!("${n}")));
                assert!(placeholders, "{}", sql.text);
            }
        }
    }

    #[test]
    fn a_price_sort_merges_one_scan_per_currency() {
        let f = factors();
        let mut r = request(SearchSort::PriceAsc);
        r.price = Some(PriceBounds {
            min_minor: Some(100),
            max_minor: Some(500),
        });
        r.after = Some(After::Price(Decimal::new(25050, 0), Uuid::nil()));
        let s = Search {
            request: &r,
            tsquery: None,
            factors: &f,
            price_text_cap: 5000,
        };
        let sql = hits(&s);
        assert_eq!(sql.text.matches("UNION ALL").count(), 1);
        assert_eq!(
            sql.text
                .matches("ORDER BY l.price_minor ASC, l.id ASC")
                .count(),
            2
        );
        // USD 1.00 to 5.00 is 8,350 to 41,750 paise; a USD listing's native range is 100-500.
        assert!(sql.binds.contains(&Bind::Int8(100)) && sql.binds.contains(&Bind::Int8(500)));
        // INR listings: the paise themselves.
        assert!(sql.binds.contains(&Bind::Int8(8350)) && sql.binds.contains(&Bind::Int8(41750)));
        // After 25,050 paise: USD from 300 cents (25,050 / 83.50), INR from 25,050 paise.
        assert!(sql.binds.contains(&Bind::Int8(300)) && sql.binds.contains(&Bind::Int8(25050)));
    }

    #[test]
    fn a_price_sort_with_text_sorts_one_capped_set_of_matches() {
        let f = factors();
        let mut r = request(SearchSort::PriceDesc);
        r.after = Some(After::Price(Decimal::new(25050, 0), Uuid::nil()));
        let s = Search {
            request: &r,
            tsquery: Some("'cotton'"),
            factors: &f,
            price_text_cap: 5000,
        };
        let sql = text_by_price(&s);
        assert_eq!(
            sql.text.matches("FROM listings l").count(),
            1,
            "{}",
            sql.text
        );
        assert!(sql.text.contains("LIMIT 5001"));
        assert!(sql.text.contains("(m.price_minor * r.factor, m.id) < ("));
        assert!(sql.text.contains("ORDER BY key DESC, m.id DESC LIMIT 21"));
        // USD's factor: 83.50 paise per cent.
        assert!(sql.binds.contains(&Bind::Text("USD".into())));
        assert!(sql.binds.contains(&Bind::Text("83.5".into())));
        assert!(sql.binds.contains(&Bind::Text("25050".into())));
        // Not a first page: no facets.
        assert!(sql.text.contains("NULL::jsonb AS facets"));
    }

    proptest::proptest! {
        #[test]
        fn native_bounds_are_exactly_the_prices_in_range(
            lo in 1i64..10_000_000,
            span in 0i64..10_000_000,
            factor_milli in 1i64..1_000_000,
        ) {
            let f = Decimal::new(factor_milli, 3);
            let (lo, hi) = (Decimal::from(lo), Decimal::from(lo + span));
            let (a, b) = (native_at_least(lo, f), native_at_most(hi, f));
            proptest::prop_assert!(Decimal::from(a) * f >= lo && Decimal::from(a - 1) * f < lo);
            proptest::prop_assert!(Decimal::from(b) * f <= hi && Decimal::from(b + 1) * f > hi);
        }
    }
}
