//! The queue officers work: its ordering key and cursor, SLA and age, the filters, and the
//! query that lists a body's applications in that order.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Array, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::bodies::body_row;
use super::claims::live_claim;
use crate::auth::{Principal, Role};
use crate::error::{ApiResult, Validator};
use crate::identifiers::IndianState;
use crate::sellers::api::{EnterpriseType, MsmeCategory, Sector, SellerStatus};
use crate::vetting::api::*;
use crate::vetting::model::VettingBodyRow;
use crate::vocabulary::Vocabulary;

/// Position of the seller's best sector in the body's priority list; sellers in no priority
/// sector come after all that are (rank = number of priority sectors).
pub fn priority_rank(priority_sectors: &[String], seller_sectors: &[String]) -> i32 {
    seller_sectors
        .iter()
        .filter_map(|s| priority_sectors.iter().position(|p| p == s))
        .min()
        .unwrap_or(priority_sectors.len()) as i32
}

/// Manufacturers before traders and service exporters.
pub fn kind_rank(enterprise_type: Option<EnterpriseType>) -> i32 {
    if enterprise_type == Some(EnterpriseType::Manufacturer) {
        0
    } else {
        1
    }
}

/// The whole ordering key of the queue: priority sector, manufacturer, oldest submission, id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct QueueKey {
    pub priority_rank: i32,
    pub kind_rank: i32,
    pub submitted_at: DateTime<Utc>,
    pub id: Uuid,
}

impl QueueKey {
    /// Opaque cursor: URL-safe base64 of `rank.rank.micros.id`.
    pub fn encode(&self) -> String {
        let raw = format!(
            "{}.{}.{}.{}",
            self.priority_rank,
            self.kind_rank,
            self.submitted_at.timestamp_micros(),
            self.id.simple()
        );
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    pub fn decode(cursor: &str) -> Option<QueueKey> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()?;
        let raw = String::from_utf8(bytes).ok()?;
        let mut parts = raw.split('.');
        let key = QueueKey {
            priority_rank: parts.next()?.parse().ok()?,
            kind_rank: parts.next()?.parse().ok()?,
            submitted_at: DateTime::from_timestamp_micros(parts.next()?.parse().ok()?)?,
            id: Uuid::parse_str(parts.next()?).ok()?,
        };
        parts.next().is_none().then_some(key)
    }
}

/// Still waiting for a decision.
pub fn is_open(status: SellerStatus) -> bool {
    matches!(status, SellerStatus::Submitted | SellerStatus::UnderReview)
}

/// Whole hours since submission.
pub fn age_hours(submitted_at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (now - submitted_at).num_hours().max(0)
}

/// An open application older than the body's SLA.
pub fn sla_breached(
    status: SellerStatus,
    submitted_at: DateTime<Utc>,
    sla_hours: i32,
    now: DateTime<Utc>,
) -> bool {
    is_open(status) && now - submitted_at > Duration::hours(i64::from(sla_hours))
}

#[derive(QueryableByName)]
struct QueueRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    trading_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    legal_name: Option<String>,
    #[diesel(sql_type = Text)]
    status: SellerStatus,
    #[diesel(sql_type = Nullable<Text>)]
    enterprise_type: Option<EnterpriseType>,
    #[diesel(sql_type = Nullable<Text>)]
    msme_category: Option<MsmeCategory>,
    #[diesel(sql_type = Array<Text>)]
    sectors: Vec<Sector>,
    #[diesel(sql_type = Nullable<Text>)]
    address_state: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    submitted_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    claimed_by: Option<Uuid>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    claim_expires_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Integer)]
    priority_rank: i32,
    #[diesel(sql_type = Integer)]
    kind_rank: i32,
}

/// Parsed queue filters.
struct QueueFilter {
    statuses: Vec<SellerStatus>,
    sector: Option<Sector>,
    state: Option<String>,
    claimed_by_me: bool,
    sla_breached: Option<bool>,
    limit: i64,
    after: Option<QueueKey>,
}

/// Checks the queue filters; every problem is reported at once.
fn parse_queue_query(q: &QueueQuery) -> ApiResult<QueueFilter> {
    let mut v = Validator::new();
    let statuses = match &q.status {
        None => vec![SellerStatus::Submitted, SellerStatus::UnderReview],
        Some(raw) => match SellerStatus::parse(raw) {
            Some(s) => vec![s],
            None => {
                v.push(
                    "status",
                    "invalid",
                    format!("must be one of: {}", SellerStatus::expected()),
                );
                Vec::new()
            }
        },
    };
    let sector = q
        .sector
        .as_deref()
        .and_then(|raw| match Sector::parse(raw) {
            Some(s) => Some(s),
            None => {
                v.push(
                    "sector",
                    "invalid",
                    format!("must be one of: {}", Sector::expected()),
                );
                None
            }
        });
    let state = q
        .state
        .as_deref()
        .and_then(|raw| match IndianState::parse(raw) {
            Ok(s) => Some(s.code().to_owned()),
            Err(e) => {
                v.push("state", "invalid", e.to_string());
                None
            }
        });
    let limit = q.limit.unwrap_or(50);
    if !(1..=crate::http::MAX_PAGE_SIZE).contains(&limit) {
        v.push(
            "limit",
            "out_of_range",
            format!("must be 1 to {}", crate::http::MAX_PAGE_SIZE),
        );
    }
    let after = q.cursor.as_deref().and_then(|c| {
        let key = QueueKey::decode(c);
        if key.is_none() {
            v.push("cursor", "invalid", "not a cursor from this API");
        }
        key
    });
    v.finish()?;
    Ok(QueueFilter {
        statuses,
        sector,
        state,
        claimed_by_me: q.claimed_by_me.unwrap_or(false),
        sla_breached: q.sla_breached,
        limit,
        after,
    })
}

/// The caller's body's queue, in the order officers should work it.
pub async fn queue(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    q: &QueueQuery,
) -> ApiResult<QueuePage> {
    principal.require(&[Role::VettingOfficer])?;
    let f = parse_queue_query(q)?;
    let body = body_row(conn, principal.organisation_id).await?;
    let now = Utc::now();
    let query = queue_sql(&body, &f, principal.user_id);
    let mut rows: Vec<QueueRow> = query.load(conn).await?;
    let more = rows.len() as i64 > f.limit;
    rows.truncate(usize::try_from(f.limit).unwrap_or(0));
    let next_cursor = if more {
        rows.last().map(|r| r.key().encode())
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(|r| queue_item(r, &body, now))
        .collect();
    Ok(QueuePage { items, next_cursor })
}

/// The body's applications in the chosen statuses, each with its ordering key (the SQL of
/// [`priority_rank`] and [`kind_rank`]). Binds $1 priority sectors, $2 body, $3 statuses.
const QUEUE_SELECT: &str = "SELECT s.id, s.trading_name, s.legal_name, s.status, s.enterprise_type, s.msme_category,
                s.sectors, s.address_state, s.submitted_at, s.claimed_by, s.claim_expires_at,
                k.priority_rank, k.kind_rank
         FROM sellers s
         CROSS JOIN LATERAL (SELECT
             COALESCE((SELECT min(array_position($1::text[], x)) - 1 FROM unnest(s.sectors) x),
                      cardinality($1::text[]))::int4 AS priority_rank,
             (CASE WHEN s.enterprise_type = 'manufacturer' THEN 0 ELSE 1 END)::int4 AS kind_rank
         ) k
         WHERE s.vetting_body_id = $2 AND s.submitted_at IS NOT NULL AND s.status = ANY($3::text[])";

/// The queue's query: the body's applications, the filters, then one page after the cursor in
/// queue order (one row more than the page, to tell whether another follows).
fn queue_sql(
    body: &VettingBodyRow,
    f: &QueueFilter,
    officer: Uuid,
) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
    let mut query = diesel::sql_query(QUEUE_SELECT)
        .into_boxed::<Pg>()
        .bind::<Array<Text>, _>(body.priority_sectors.clone())
        .bind::<diesel::sql_types::Uuid, _>(body.id)
        .bind::<Array<Text>, _>(f.statuses.clone());
    let mut n = 3;
    let mut next = || {
        n += 1;
        n
    };
    if let Some(sector) = f.sector {
        query = query
            .sql(format!(" AND ${} = ANY(s.sectors)", next()))
            .bind::<Text, _>(sector);
    }
    if let Some(state) = f.state.clone() {
        query = query
            .sql(format!(" AND s.address_state = ${}", next()))
            .bind::<Text, _>(state);
    }
    if f.claimed_by_me {
        query = query
            .sql(format!(
                " AND s.claimed_by = ${} AND s.claim_expires_at > now()",
                next()
            ))
            .bind::<diesel::sql_types::Uuid, _>(officer);
    }
    if let Some(breached) = f.sla_breached {
        let not = if breached { "" } else { "NOT " };
        query = query
            .sql(format!(
                " AND {not}(s.status IN ('submitted', 'under_review') AND s.submitted_at < now() - make_interval(hours => ${}))",
                next()
            ))
            .bind::<Integer, _>(body.sla_hours);
    }
    if let Some(k) = f.after {
        let (a, b, c, d) = (next(), next(), next(), next());
        query = query
            .sql(format!(
                " AND (k.priority_rank, k.kind_rank, s.submitted_at, s.id) > (${a}, ${b}, ${c}, ${d})"
            ))
            .bind::<Integer, _>(k.priority_rank)
            .bind::<Integer, _>(k.kind_rank)
            .bind::<Timestamptz, _>(k.submitted_at)
            .bind::<diesel::sql_types::Uuid, _>(k.id);
    }
    let limit_at = next();
    query
        .sql(format!(
            " ORDER BY k.priority_rank, k.kind_rank, s.submitted_at, s.id LIMIT ${limit_at}"
        ))
        .bind::<diesel::sql_types::BigInt, _>(f.limit + 1)
}

impl QueueRow {
    fn key(&self) -> QueueKey {
        QueueKey {
            priority_rank: self.priority_rank,
            kind_rank: self.kind_rank,
            submitted_at: self.submitted_at,
            id: self.id,
        }
    }
}

/// A queue row as officers see it, at `now`.
fn queue_item(r: QueueRow, body: &VettingBodyRow, now: DateTime<Utc>) -> QueueItem {
    let status = r.status;
    QueueItem {
        seller_id: r.id,
        trading_name: r.trading_name,
        legal_name: r.legal_name,
        status,
        enterprise_type: r.enterprise_type,
        msme_category: r.msme_category,
        sectors: r.sectors,
        state: r.address_state,
        submitted_at: r.submitted_at,
        age_hours: age_hours(r.submitted_at, now),
        sla_breached: sla_breached(status, r.submitted_at, body.sla_hours, now),
        priority_sector: r.priority_rank < body.priority_sectors.len() as i32,
        claim: live_claim(r.claimed_by, r.claim_expires_at, now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vetting::service::testing::{s, t};

    #[test]
    fn queue_order_is_priority_sector_then_manufacturer_then_oldest() {
        let priority = s(&["textiles", "handicrafts"]);
        let key = |sectors: &[&str], kind: EnterpriseType, at: i64, id: u128| QueueKey {
            priority_rank: priority_rank(&priority, &s(sectors)),
            kind_rank: kind_rank(Some(kind)),
            submitted_at: t(at),
            id: Uuid::from_u128(id),
        };
        let mut keys = [
            key(&["leather"], EnterpriseType::Manufacturer, 0, 1),
            key(&["handicrafts"], EnterpriseType::MerchantExporter, 5, 2),
            key(&["handicrafts"], EnterpriseType::Manufacturer, 9, 3),
            key(
                &["leather", "textiles"],
                EnterpriseType::MerchantExporter,
                7,
                4,
            ),
            key(&["textiles"], EnterpriseType::MerchantExporter, 3, 5),
            key(&["textiles"], EnterpriseType::Manufacturer, 8, 6),
        ];
        keys.sort();
        let order: Vec<u128> = keys.iter().map(|k| k.id.as_u128()).collect();
        assert_eq!(order, [6, 5, 4, 3, 2, 1]);
        assert_eq!(priority_rank(&priority, &s(&[])), 2);
        assert_eq!(priority_rank(&[], &s(&["textiles"])), 0);
        assert_eq!(kind_rank(None), 1);
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let k = QueueKey {
            priority_rank: 2,
            kind_rank: 1,
            submitted_at: DateTime::from_timestamp_micros(1_800_000_000_123_456).unwrap(),
            id: Uuid::now_v7(),
        };
        assert_eq!(QueueKey::decode(&k.encode()), Some(k));
        for bad in ["", "abc", "MS4xLjI", &Uuid::now_v7().to_string()] {
            assert_eq!(QueueKey::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn sla_and_age() {
        let now = t(100 * 3600);
        assert_eq!(age_hours(t(0), now), 100);
        assert_eq!(age_hours(now + Duration::hours(1), now), 0);
        assert!(sla_breached(SellerStatus::Submitted, t(0), 72, now));
        assert!(sla_breached(SellerStatus::UnderReview, t(0), 72, now));
        assert!(!sla_breached(SellerStatus::Submitted, t(0), 101, now));
        assert!(!sla_breached(SellerStatus::Approved, t(0), 72, now));
        assert!(!sla_breached(SellerStatus::ChangesRequested, t(0), 72, now));
    }
}
