//! Seller use cases, one file each — the profile, evidence documents, the payout account,
//! readiness for submission, the audit log, erasure of personal data, the staff's directory — with who may see what (`access`), the API views
//! built from rows (`views`). The field checks the request parsers share are the foundation's
//! `crate::fields`. The lifecycle itself (statuses, moves, recording them) lives in `crate::sellers::lifecycle`.

mod access;
mod audit;
mod directory;
mod documents;
mod erasure;
mod payout;
mod profile;
mod submission;
#[cfg(test)]
mod test_fixtures;
mod views;

pub use self::access::{NamedSeller, can_view, editable_own_seller, named, own_profile};
pub use self::audit::audit_log;
pub use self::directory::{SellerFilters, list as list_sellers};
pub use self::documents::{
    CheckedUpload, check_upload, delete_document, get_document, get_document_view, list_documents,
    replace_document, sanitise_filename, sha256_base64, store_document,
};
pub use self::erasure::{Erasure, erase_personal_data, parse_erasure};
pub use self::payout::{
    PayoutAccountInput, in_country_store, parse_payout_account, put_payout_account,
};
pub use self::profile::{
    MAX_CONTACTS, MAX_EXPORT_MARKETS, MAX_PUBLIC_IDENTIFIERS, MAX_SECTORS, get_own_profile,
    get_profile, parse_profile, public_profile, put_profile,
};
pub use self::submission::{missing_for_submission, submittable};
pub use self::views::{document_view, profile_view, public_view};
