//! Request and response types of the webhook routes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// Where events are POSTed (https in production).
    #[schema(example = "https://erp.tiruppur-knits.example/hooks/exportbridge")]
    pub url: String,
    /// Event types to receive; empty or absent means all. At most 8.
    #[serde(default)]
    #[schema(max_items = 8)]
    pub event_types: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Endpoint {
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// Answer to registration: the signing secret is shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedEndpoint {
    #[serde(flatten)]
    pub endpoint: Endpoint,
    /// HMAC-SHA256 key. Verify `X-Exportbridge-Signature: v1=<hex>` as
    /// HMAC(secret, "<X-Exportbridge-Timestamp>.<raw body>") and reject old timestamps.
    pub secret: String,
}

/// One attempt to deliver an event.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Attempt {
    pub attempt: i32,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
}

/// An event's delivery to one endpoint, with every attempt.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    pub id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    /// `pending`, `delivered` or `failed` (gave up).
    pub status: String,
    pub attempts: Vec<Attempt>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// The JSON body POSTed to an endpoint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventEnvelope {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub event_type: String,
    pub created_at: DateTime<Utc>,
    pub data: serde_json::Value,
}
