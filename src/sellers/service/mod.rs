//! Seller use cases, one file each — the profile, evidence documents, the payout account,
//! submission, the audit log — with who may see what (`access`), the API views built from rows
//! (`views`) and the field checks the request parsers share (`validation`). The lifecycle rules
//! themselves live in `crate::sellers::lifecycle`.

mod access;
mod audit;
mod documents;
mod payout;
mod profile;
mod submission;
#[cfg(test)]
mod test_fixtures;
mod validation;
mod views;

pub use self::access::{NamedSeller, can_view, editable_own_seller, named, public_id};
pub use self::audit::{Actor, append_audit_entry, audit_log};
pub use self::documents::{
    CheckedUpload, check_upload, get_document, get_document_view, list_documents,
    sanitise_filename, sha256_base64, store_document,
};
pub use self::payout::{PayoutAccountInput, parse_payout_account, put_payout_account};
pub use self::profile::{
    MAX_CONTACTS, MAX_EXPORT_MARKETS, MAX_PUBLIC_IDENTIFIERS, MAX_SECTORS, get_own_profile,
    get_profile, parse_profile, public_profile, put_profile,
};
pub use self::submission::{missing_for_submission, submit};
pub(crate) use self::views::{badge_of, parse_stored, parse_stored_list, parse_stored_opt};
pub use self::views::{document_view, profile_view, public_view, status_of};
// The callers that still take the lifecycle from here (vetting, the seed).
pub use crate::sellers::lifecycle::{Action, transition};
