//! Outbound webhooks: organisations register endpoints; changes publish events into an outbox
//! in the same transaction; a background worker delivers them signed with HMAC-SHA256, retries
//! with exponential backoff, and keeps a delivery log the organisation can read.

pub mod api;
pub mod routes;
pub mod service;
pub mod target;
pub mod worker;

pub use service::publish;

/// Event types an endpoint can subscribe to.
pub const EVENT_TYPES: &[&str] = &[
    "seller.submitted",
    "seller.changes_requested",
    "seller.approved",
    "seller.rejected",
    "seller.suspended",
    "seller.reinstated",
    "seller.expired",
    "rfq.matched",
    "rfq.awarded",
    "rfq.closed",
    "quote.submitted",
    "quote.revised",
    "quote.withdrawn",
    "quote.accepted",
    "quote.declined",
    "webhook.ping",
];

/// Header names of a delivery.
pub const SIGNATURE_HEADER: &str = "X-Exportbridge-Signature";
pub const TIMESTAMP_HEADER: &str = "X-Exportbridge-Timestamp";
pub const EVENT_HEADER: &str = "X-Exportbridge-Event";
pub const DELIVERY_HEADER: &str = "X-Exportbridge-Delivery";

/// `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`: what receivers recompute to verify.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        // HMAC accepts keys of any length; this branch cannot be taken.
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_over_timestamp_and_body() {
        // Computed independently: python3 hmac.new(b"k", b"1.{}", hashlib.sha256).hexdigest()
        assert_eq!(
            signature("k", 1, b"{}"),
            "v1=3dd49b2593d0f9a349e9e71c4bde3e2b862c2be4003fe9b4ba81332029310158"
        );
        assert_ne!(signature("k", 1, b"{}"), signature("k", 2, b"{}"));
    }
}
