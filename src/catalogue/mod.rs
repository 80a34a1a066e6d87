//! The public catalogue: full-text search over published listings of sellers in good standing
//! (a stored weighted `tsvector` with a GIN index, typo correction against the catalogue's own
//! words by trigram similarity), filters, sorts, facet counts, signed keyset cursors, and
//! prices converted into the buyer's currency at the latest mid rates.
//!
//! Other modules use `api` — never `service`.

pub mod api;
pub mod request;
pub mod routes;
pub mod service;
pub mod sql;

use sha2::{Digest, Sha256};

/// The key cursors are signed with: derived from the token secret, so every instance sharing
/// that secret accepts the others' cursors.
pub fn cursor_key(secret: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"exportbridge catalogue cursor v1\0");
    h.update(secret);
    h.finalize().into()
}
