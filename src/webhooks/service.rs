//! Endpoints, publishing into the outbox, and the delivery log.

use std::net::IpAddr;

use base64::Engine;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::EVENT_TYPES;
use super::api::*;
use super::target::is_public;
use crate::auth::{Principal, Role};
use crate::config::{Config, Mode};
use crate::db::schema::{
    organisations, outbox_events, webhook_attempts, webhook_deliveries, webhook_endpoints,
};
use crate::error::{ApiError, ApiResult, Validator};
use crate::http::{Direction, Json, Page, PageParams};
use crate::idempotency::{self, Created, Idempotency};

const MAX_ENDPOINTS: i64 = 5;

type DeliveryRow = (
    Uuid,
    Uuid,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);
type AttemptRow = (Uuid, i32, DateTime<Utc>, Option<i32>, Option<String>, i32);

/// Checks an endpoint URL: absolute http(s), no credentials, https outside dev mode; in
/// production the host, as the HTTP client will understand it, must not be internal.
pub fn parse_url(raw: &str, mode: Mode) -> Result<String, String> {
    let raw = raw.trim();
    if raw.len() > 2000 {
        return Err("must be at most 2000 characters".into());
    }
    // `https:///x` would be read as host `x`; require the host where it is written.
    if raw
        .split_once("://")
        .is_none_or(|(_, rest)| rest.starts_with('/'))
    {
        return Err("must be an absolute http(s) URL with a host".into());
    }
    let url = url::Url::parse(raw).map_err(|_| "must be an absolute http(s) URL".to_owned())?;
    match url.scheme() {
        "https" => {}
        "http" if mode == Mode::Dev => {}
        "http" => return Err("must use https".into()),
        _ => return Err("must be an absolute http(s) URL".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials".into());
    }
    let host = url.host().ok_or_else(|| "must name a host".to_owned())?;
    if mode == Mode::Production && is_internal_host(&host) {
        return Err("must not point at a local or private address".into());
    }
    Ok(url.to_string())
}

/// `localhost`, names under `.localhost`, `.internal` or `.local`, and literal addresses that are
/// not public: refused in production at registration. Names are checked again, resolved, at
/// each delivery (see `target`), which also catches public-looking names of internal addresses.
fn is_internal_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost"
                || [".localhost", ".internal", ".local"]
                    .iter()
                    .any(|suffix| d.ends_with(suffix))
        }
        url::Host::Ipv4(ip) => !is_public(IpAddr::V4(*ip)),
        url::Host::Ipv6(ip) => !is_public(IpAddr::V6(*ip)),
    }
}

fn endpoint_view(row: (Uuid, String, Vec<String>, bool, DateTime<Utc>)) -> Endpoint {
    let (id, url, event_types, active, created_at) = row;
    Endpoint {
        id,
        url,
        event_types,
        active,
        created_at,
    }
}

fn may_manage(principal: &Principal) -> ApiResult<()> {
    principal.require(&[Role::Seller, Role::Buyer, Role::Admin])
}

/// Registers an endpoint, at most once per `Idempotency-Key`: a repeat replays the first answer,
/// secret included. The request is checked before the key is reserved.
pub async fn create(
    conn: &mut AsyncPgConnection,
    config: &Config,
    principal: &Principal,
    key: &Idempotency,
    req: Json<NewEndpoint>,
) -> ApiResult<(Created, bool)> {
    may_manage(principal)?;
    principal.require_verified()?;
    let checked = check_new_endpoint(&req, config.mode)?;
    let org = principal.organisation_id;
    let identity = key.identity(principal.user_id, &req.fingerprint);
    idempotency::run(conn, identity, async |conn| {
        let created = insert_endpoint(conn, org, &checked).await?;
        Created::new(format!("/v1/webhooks/{}", created.endpoint.id), &created)
    })
    .await
}

/// A registration request that passed validation.
struct CheckedEndpoint {
    url: String,
    event_types: Vec<String>,
}

fn check_new_endpoint(req: &NewEndpoint, mode: Mode) -> ApiResult<CheckedEndpoint> {
    let mut v = Validator::new();
    let url = v.check("url", parse_url(&req.url, mode));
    let mut types = v.cap_list("event_types", req.event_types.clone(), EVENT_TYPES.len());
    types.sort();
    types.dedup();
    for (i, t) in types.iter().enumerate() {
        if !EVENT_TYPES.contains(&t.as_str()) {
            v.push(
                &format!("event_types[{i}]"),
                "unknown_event",
                format!("one of {}", EVENT_TYPES.join(", ")),
            );
        }
    }
    v.finish()?;
    let url = url.ok_or_else(|| ApiError::internal("url missing after validation"))?;
    Ok(CheckedEndpoint {
        url,
        event_types: types,
    })
}

/// Inserts the endpoint with a fresh secret, in the caller's transaction.
async fn insert_endpoint(
    conn: &mut AsyncPgConnection,
    org: Uuid,
    req: &CheckedEndpoint,
) -> ApiResult<CreatedEndpoint> {
    let secret = format!(
        "whsec_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
    );
    // Serialise registrations of one organisation so the limit holds under concurrency.
    let home: String = organisations::table
        .find(org)
        .select(organisations::home_jurisdiction)
        .for_update()
        .first(conn)
        .await?;
    let count: i64 = webhook_endpoints::table
        .filter(webhook_endpoints::organisation_id.eq(org))
        .filter(webhook_endpoints::active)
        .count()
        .get_result(conn)
        .await?;
    if count >= MAX_ENDPOINTS {
        return Err(ApiError::Conflict(format!(
            "at most {MAX_ENDPOINTS} active endpoints per organisation"
        )));
    }
    let row = diesel::insert_into(webhook_endpoints::table)
        .values((
            webhook_endpoints::id.eq(Uuid::now_v7()),
            webhook_endpoints::organisation_id.eq(org),
            webhook_endpoints::url.eq(&req.url),
            webhook_endpoints::secret.eq(&secret),
            webhook_endpoints::event_types.eq(&req.event_types),
            webhook_endpoints::home_jurisdiction.eq(home),
        ))
        .returning((
            webhook_endpoints::id,
            webhook_endpoints::url,
            webhook_endpoints::event_types,
            webhook_endpoints::active,
            webhook_endpoints::created_at,
        ))
        .get_result(conn)
        .await?;
    Ok(CreatedEndpoint {
        endpoint: endpoint_view(row),
        secret,
    })
}

pub async fn list(conn: &mut AsyncPgConnection, principal: &Principal) -> ApiResult<Vec<Endpoint>> {
    may_manage(principal)?;
    let rows = webhook_endpoints::table
        .filter(webhook_endpoints::organisation_id.eq(principal.organisation_id))
        .filter(webhook_endpoints::active)
        .order(webhook_endpoints::id)
        .select((
            webhook_endpoints::id,
            webhook_endpoints::url,
            webhook_endpoints::event_types,
            webhook_endpoints::active,
            webhook_endpoints::created_at,
        ))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(endpoint_view).collect())
}

/// The caller's own endpoint, or 404.
async fn own_endpoint(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<()> {
    may_manage(principal)?;
    let found: Option<Uuid> = webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(id))
        .filter(webhook_endpoints::organisation_id.eq(principal.organisation_id))
        .select(webhook_endpoints::id)
        .first(conn)
        .await
        .optional()?;
    found.map(|_| ()).ok_or(ApiError::NotFound)
}

/// Deactivates an endpoint; pending deliveries to it are given up.
pub async fn delete(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<()> {
    own_endpoint(conn, principal, id).await?;
    conn.transaction(async |conn| {
        diesel::update(webhook_endpoints::table.find(id))
            .set(webhook_endpoints::active.eq(false))
            .execute(conn)
            .await?;
        diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::endpoint_id.eq(id))
                .filter(webhook_deliveries::status.eq("pending")),
        )
        .set((
            webhook_deliveries::status.eq("failed"),
            webhook_deliveries::last_error.eq("endpoint deleted"),
        ))
        .execute(conn)
        .await?;
        Ok::<_, ApiError>(())
    })
    .await
}

/// Inserts an outbox event; returns its id and the organisation's home jurisdiction.
async fn insert_event(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    event_type: &str,
    payload: serde_json::Value,
) -> ApiResult<(Uuid, String)> {
    let home: String = organisations::table
        .find(organisation_id)
        .select(organisations::home_jurisdiction)
        .first(conn)
        .await?;
    let event_id = Uuid::now_v7();
    diesel::insert_into(outbox_events::table)
        .values((
            outbox_events::id.eq(event_id),
            outbox_events::organisation_id.eq(organisation_id),
            outbox_events::event_type.eq(event_type),
            outbox_events::payload.eq(payload),
            outbox_events::home_jurisdiction.eq(&home),
        ))
        .execute(conn)
        .await?;
    Ok((event_id, home))
}

/// Pending deliveries of an event (ids generated here: v7, time-ordered for paging).
async fn insert_deliveries(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    endpoints: Vec<Uuid>,
    home: &str,
) -> ApiResult<()> {
    let rows: Vec<_> = endpoints
        .into_iter()
        .map(|endpoint| {
            (
                webhook_deliveries::id.eq(Uuid::now_v7()),
                webhook_deliveries::event_id.eq(event_id),
                webhook_deliveries::endpoint_id.eq(endpoint),
                webhook_deliveries::home_jurisdiction.eq(home),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(webhook_deliveries::table)
            .values(&rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Writes an event for an organisation and a pending delivery to each of its active endpoints
/// that wants it. Call it inside the transaction that makes the change.
pub async fn publish(
    conn: &mut AsyncPgConnection,
    organisation_id: Uuid,
    event_type: &str,
    payload: serde_json::Value,
) -> ApiResult<Uuid> {
    let (event_id, home) = insert_event(conn, organisation_id, event_type, payload).await?;
    let endpoints: Vec<Uuid> = webhook_endpoints::table
        .filter(webhook_endpoints::organisation_id.eq(organisation_id))
        .filter(webhook_endpoints::active)
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("(cardinality(event_types) = 0 OR ")
                .bind::<diesel::sql_types::Text, _>(event_type)
                .sql(" = ANY (event_types))"),
        )
        .select(webhook_endpoints::id)
        .load(conn)
        .await?;
    insert_deliveries(conn, event_id, endpoints, &home).await?;
    Ok(event_id)
}

/// Sends a `webhook.ping` event to one endpoint (only).
pub async fn ping(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Uuid> {
    own_endpoint(conn, principal, id).await?;
    let org = principal.organisation_id;
    conn.transaction(async |conn| {
        let payload = serde_json::json!({"endpoint_id": id});
        let (event_id, home) = insert_event(conn, org, "webhook.ping", payload).await?;
        insert_deliveries(conn, event_id, vec![id], &home).await?;
        Ok::<_, ApiError>(event_id)
    })
    .await
}

/// The delivery log of one endpoint, newest first, with every attempt.
pub async fn deliveries(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    endpoint_id: Uuid,
    page: &PageParams,
) -> ApiResult<Page<Delivery>> {
    own_endpoint(conn, principal, endpoint_id).await?;
    let keyset = page.keyset(Direction::NewestFirst)?;
    let query = webhook_deliveries::table
        .inner_join(outbox_events::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .into_boxed();
    let rows: Vec<DeliveryRow> = keyset
        .apply(query, webhook_deliveries::id)
        .select((
            webhook_deliveries::id,
            webhook_deliveries::event_id,
            outbox_events::event_type,
            webhook_deliveries::status,
            webhook_deliveries::next_attempt_at,
            webhook_deliveries::delivered_at,
            webhook_deliveries::created_at,
        ))
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let attempts: Vec<AttemptRow> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order((webhook_attempts::delivery_id, webhook_attempts::attempt))
        .select((
            webhook_attempts::delivery_id,
            webhook_attempts::attempt,
            webhook_attempts::attempted_at,
            webhook_attempts::status_code,
            webhook_attempts::error,
            webhook_attempts::duration_ms,
        ))
        .load(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(
            |(id, event_id, event_type, status, next, delivered_at, created_at)| Delivery {
                id,
                event_id,
                event_type,
                next_attempt_at: (status == "pending").then_some(next),
                status,
                delivered_at,
                created_at,
                attempts: attempts
                    .iter()
                    .filter(|a| a.0 == id)
                    .map(|a| Attempt {
                        attempt: a.1,
                        attempted_at: a.2,
                        status_code: a.3,
                        error: a.4.clone(),
                        duration_ms: a.5,
                    })
                    .collect(),
            },
        )
        .collect();
    Ok(keyset.page(items, |d| d.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(parse_url("https://erp.example/hooks", Mode::Production).is_ok());
        assert!(parse_url("http://127.0.0.1:9000/x", Mode::Dev).is_ok());
        assert!(parse_url("http://erp.example/hooks", Mode::Production).is_err());
        assert!(parse_url("ftp://erp.example", Mode::Dev).is_err());
        assert!(parse_url("https://user:pw@erp.example", Mode::Dev).is_err());
        assert!(parse_url("https:///path", Mode::Dev).is_err());
        for internal in [
            "https://127.0.0.1/x",
            "https://10.1.2.3:8443/x",
            "https://192.168.0.1",
            "https://169.254.169.254/latest/meta-data",
            "https://localhost:9000/x",
            "https://[::1]/x",
            "https://[fd00::1]:443/x",
            "https://2130706433/h",
            "https://0x7f.1/h",
            "https://127.0.0.1\\.example.com/h",
            "https://[::ffff:127.0.0.1]/h",
            "https://100.64.0.1/h",
            "https://198.18.0.1/h",
            "https://[::127.0.0.1]/h",
            "https://[64:ff9b::a9fe:a9fe]/h",
            "https://[fec0::1]/h",
            "https://metadata.google.internal/computeMetadata/v1/",
        ] {
            assert!(parse_url(internal, Mode::Production).is_err(), "{internal}");
            assert!(parse_url(internal, Mode::Dev).is_ok(), "{internal}");
        }
        assert!(parse_url("https://hooks.example.in:8443/x", Mode::Production).is_ok());
    }
}
