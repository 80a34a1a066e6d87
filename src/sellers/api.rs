//! Request and response types of the seller routes, and the fixed vocabularies they use.
//!
//! Enumerated and identifier fields of requests are taken as strings and parsed by the service,
//! so one answer lists every invalid field; the OpenAPI schema still shows the enum or pattern.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::vocabulary::text_enum;

#[allow(unused_imports)] // referenced by `#[schema(value_type = …)]`
use crate::identifiers::{CountryCode, Gstin, Iec, IndianState, Pan, PhoneE164, UdyamNumber};

text_enum!(
    /// Where a seller profile is in vetting. `draft` and `changes_requested` are editable by the
    /// seller; everything else is read-only to it.
    SellerStatus {
        Draft = "draft",
        Submitted = "submitted",
        UnderReview = "under_review",
        ChangesRequested = "changes_requested",
        Approved = "approved",
        Rejected = "rejected",
        Suspended = "suspended",
        Expired = "expired",
    }
);

text_enum!(
    /// What the business does.
    EnterpriseType {
        Manufacturer = "manufacturer",
        MerchantExporter = "merchant_exporter",
        ServiceExporter = "service_exporter",
    }
);

text_enum!(
    /// The fixed list of sectors a seller can trade in.
    Sector {
        Textiles = "textiles",
        Handicrafts = "handicrafts",
        ElectronicsComponents = "electronics_components",
        AgriFood = "agri_food",
        Leather = "leather",
        GemsJewellery = "gems_jewellery",
        EngineeringGoods = "engineering_goods",
        Chemicals = "chemicals",
        Others = "others",
    }
);

text_enum!(
    /// MSME category of a Udyam-registered enterprise.
    MsmeCategory {
        Micro = "micro",
        Small = "small",
        Medium = "medium",
    }
);

text_enum!(
    /// What an uploaded evidence document proves.
    EvidenceKind {
        GstinCertificate = "gstin_certificate",
        IecCertificate = "iec_certificate",
        UdyamCertificate = "udyam_certificate",
        AddressProof = "address_proof",
        ManufacturingEvidence = "manufacturing_evidence",
        BankProof = "bank_proof",
        Other = "other",
    }
);

text_enum!(
    /// Identifiers a seller may choose to show on its public profile.
    PublicIdentifier {
        Gstin = "gstin",
        Iec = "iec",
        UdyamNumber = "udyam_number",
    }
);

text_enum!(
    /// Badge shown on the storefront of a verified seller.
    BadgeKind {
        VerifiedMsme = "verified_msme",
        VerifiedExporter = "verified_exporter",
    }
);

text_enum!(
    /// What happened, in an audit-log entry. `create` and `submit` come from the seller; the
    /// rest from vetting officers (and `expire` from the system); `erase` from the seller or an
    /// admin (personal data erased: the entry names the categories and counts, not the values).
    AuditAction {
        Create = "create",
        Submit = "submit",
        StartReview = "start_review",
        RequestChanges = "request_changes",
        Approve = "approve",
        Reject = "reject",
        Suspend = "suspend",
        Reinstate = "reinstate",
        Expire = "expire",
        Erase = "erase",
        /// An evidence document was uploaded, replaced or deleted (the note names it).
        DocumentUpload = "document_upload",
        DocumentReplace = "document_replace",
        DocumentDelete = "document_delete",
    }
);

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

text_enum!(
    /// Personal data of a seller that can be erased: `contacts` (names, designations, emails,
    /// phones of the profile) and `documents` (the evidence files and their metadata).
    ErasureCategory {
        Contacts = "contacts",
        Documents = "documents",
    }
);

text_enum!(
    /// Why personal data was erased.
    ErasureReason {
        DataPrincipalRequest = "data_principal_request",
        LegalObligation = "legal_obligation",
        AccountClosure = "account_closure",
    }
);

/// Erase personal data of a seller.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    /// Which personal data: `contacts`, `documents` (at least one).
    #[schema(example = json!(["contacts", "documents"]))]
    pub categories: Option<Vec<String>>,
    /// `data_principal_request`, `legal_obligation` or `account_closure`.
    #[schema(example = "data_principal_request")]
    pub reason: Option<String>,
}

/// The registered address; the state must match the GSTIN's and the Udyam number's state.
#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressInput {
    #[schema(example = "14 Kumaran Road")]
    pub line1: Option<String>,
    #[schema(example = "Near Old Bus Stand")]
    pub line2: Option<String>,
    #[schema(example = "Tiruppur")]
    pub city: Option<String>,
    #[schema(example = "Tiruppur")]
    pub district: Option<String>,
    /// Indian state or union territory (2-letter code).
    #[schema(value_type = Option<IndianState>, example = "TN")]
    pub state: Option<String>,
    /// 6-digit PIN code.
    #[schema(example = "641601")]
    pub postal_code: Option<String>,
}

/// A business contact (personal data: never shown publicly).
#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    #[schema(example = "Lakshmi Narayanan")]
    pub name: Option<String>,
    #[schema(example = "Export manager")]
    pub designation: Option<String>,
    #[schema(example = "exports@tiruppur-knits.example")]
    pub email: Option<String>,
    /// E.164: `+`, country code, number.
    #[schema(value_type = Option<PhoneE164>, example = "+919876543210")]
    pub phone: Option<String>,
}

/// The whole seller profile. While the profile is a draft every field is optional, but each
/// present field is validated; submitting checks that nothing required is missing. A `PUT`
/// replaces the profile: omitted fields are cleared.
#[derive(Debug, Default, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "legal_name": "Tiruppur Knitwear Exports Private Limited",
    "trading_name": "Tiruppur Knits",
    "enterprise_type": "manufacturer",
    "sectors": ["textiles"],
    "msme_category": "small",
    "year_established": 2009,
    "employees": 85,
    "registered_address": {"line1": "14 Kumaran Road", "city": "Tiruppur", "district": "Tiruppur", "state": "TN", "postal_code": "641601"},
    "contacts": [{"name": "Lakshmi Narayanan", "designation": "Export manager", "email": "exports@tiruppur-knits.example", "phone": "+919876543210"}],
    "export_markets": ["AE", "KE", "SG"],
    "gstin": "33AAPFU0939F1Z2",
    "pan": "AAPFU0939F",
    "iec": "AAPFU0939F",
    "udyam_number": "UDYAM-TN-29-0012345",
    "public_identifiers": ["gstin"]
}))]
pub struct ProfileRequest {
    /// Name as registered (GST / company registry), 1 to 200 characters.
    pub legal_name: Option<String>,
    /// Name buyers see, 1 to 200 characters.
    pub trading_name: Option<String>,
    #[schema(value_type = Option<EnterpriseType>)]
    pub enterprise_type: Option<String>,
    /// At least one to submit; at most 9.
    #[schema(value_type = Option<Vec<Sector>>, max_items = 9)]
    pub sectors: Option<Vec<String>>,
    /// Set when the enterprise is a Udyam-registered MSME (then `udyam_number` is required to submit).
    #[schema(value_type = Option<MsmeCategory>)]
    pub msme_category: Option<String>,
    #[schema(minimum = 1800, example = 2009)]
    pub year_established: Option<i32>,
    #[schema(minimum = 0, example = 85)]
    pub employees: Option<i32>,
    pub registered_address: Option<AddressInput>,
    /// At least one to submit; at most 10.
    #[schema(max_items = 10)]
    pub contacts: Option<Vec<ContactInput>>,
    /// Countries the seller exports to (ISO 3166-1 alpha-2, not `IN`), at most 100.
    #[schema(value_type = Option<Vec<CountryCode>>, max_items = 100)]
    pub export_markets: Option<Vec<String>>,
    /// Its state code must match the registered address's state.
    #[schema(value_type = Option<Gstin>)]
    pub gstin: Option<String>,
    /// Must equal the PAN inside the GSTIN.
    #[schema(value_type = Option<Pan>)]
    pub pan: Option<String>,
    /// A PAN-based IEC must equal the PAN.
    #[schema(value_type = Option<Iec>)]
    pub iec: Option<String>,
    /// `UDYAM-SS-DD-NNNNNNN`; its state must match the registered address's state.
    #[schema(value_type = Option<UdyamNumber>)]
    pub udyam_number: Option<String>,
    /// Identifiers shown on the public profile; nothing else of the identifiers is public.
    #[schema(value_type = Option<Vec<PublicIdentifier>>, max_items = 3)]
    pub public_identifiers: Option<Vec<String>>,
}

/// The payout bank account. Stored only in the seller's in-country store; responses show it
/// masked.
#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "account_holder_name": "Tiruppur Knitwear Exports Private Limited",
    "account_number": "50100123456789",
    "ifsc": "HDFC0001234",
    "bank_name": "HDFC Bank"
}))]
pub struct PayoutAccountRequest {
    pub account_holder_name: Option<String>,
    /// 9 to 18 digits.
    #[schema(example = "50100123456789")]
    pub account_number: Option<String>,
    /// `AAAA0XXXXXX`: bank code, `0`, branch code.
    #[schema(example = "HDFC0001234")]
    pub ifsc: Option<String>,
    pub bank_name: Option<String>,
}

/// Deliberately no `Debug` derive above: the account number must not reach logs.
impl std::fmt::Debug for PayoutAccountRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayoutAccountRequest")
            .field("ifsc", &self.ifsc)
            .finish_non_exhaustive()
    }
}

/// `multipart/form-data` body of a document upload.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the form; the handler streams it
pub struct DocumentUpload {
    pub kind: EvidenceKind,
    /// PDF, JPEG or PNG (recognised by content, not by name or declared type); at most
    /// `EXPORTBRIDGE_DOCUMENT_LIMIT` bytes (10 MiB by default).
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    pub file: Vec<u8>,
}

/// The raw bytes of a stored document.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // documents the download; the handler streams the file
pub struct FileContent(pub Vec<u8>);

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Address {
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    /// 2-letter code of the Indian state or union territory.
    #[schema(example = "TN")]
    pub state: Option<String>,
    #[schema(example = "Tamil Nadu")]
    pub state_name: Option<String>,
    pub postal_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    pub name: String,
    pub designation: Option<String>,
    pub email: String,
    #[schema(example = "+919876543210")]
    pub phone: String,
}

/// What the platform keeps of the payout account: a reference into the in-country store and a
/// masked summary.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PayoutAccountSummary {
    /// Opaque reference of the record in the in-country store.
    pub reference: Uuid,
    #[schema(example = "XXXX6789")]
    pub account_number_masked: String,
    #[schema(example = "6789")]
    pub last4: String,
    #[schema(example = "HDFC0001234")]
    pub ifsc: String,
    pub bank_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Badge {
    pub kind: BadgeKind,
    /// The vetting body that issued it.
    pub issued_by: Uuid,
    pub issued_at: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
}

impl Badge {
    /// Whether the badge still holds at `now` (no end, or an end after it).
    pub fn valid_at(&self, now: DateTime<Utc>) -> bool {
        self.valid_until.is_none_or(|until| until > now)
    }
}

/// The full (private) seller profile: visible to the seller, admins, auditors and officers of
/// the seller's vetting body. The payout account is masked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SellerProfile {
    /// The seller's id everywhere in the API (`/v1/sellers/{id}`, vetting, `seller_id` of
    /// estimates and webhook events): its organisation's id.
    pub id: Uuid,
    /// The same as `id`.
    pub organisation_id: Uuid,
    pub status: SellerStatus,
    /// Whether the seller may change the profile now (`draft` or `changes_requested`).
    pub editable: bool,
    /// Also the `ETag`.
    pub version: i32,
    pub legal_name: Option<String>,
    pub trading_name: Option<String>,
    pub enterprise_type: Option<EnterpriseType>,
    pub sectors: Vec<Sector>,
    pub msme_category: Option<MsmeCategory>,
    pub year_established: Option<i32>,
    pub employees: Option<i32>,
    pub registered_address: Option<Address>,
    pub contacts: Vec<Contact>,
    #[schema(example = json!(["AE", "KE"]))]
    pub export_markets: Vec<String>,
    #[schema(example = "33AAPFU0939F1Z2")]
    pub gstin: Option<String>,
    #[schema(example = "AAPFU0939F")]
    pub pan: Option<String>,
    #[schema(example = "AAPFU0939F")]
    pub iec: Option<String>,
    #[schema(example = "UDYAM-TN-29-0012345")]
    pub udyam_number: Option<String>,
    pub public_identifiers: Vec<PublicIdentifier>,
    pub payout_account: Option<PayoutAccountSummary>,
    /// The vetting body working this application (assigned by vetting).
    pub vetting_body_id: Option<Uuid>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Approval expiry.
    pub valid_until: Option<DateTime<Utc>>,
    pub badge: Option<Badge>,
    /// Jurisdiction whose in-country store keeps this seller's data.
    #[schema(example = "IN")]
    pub home_jurisdiction: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Identifiers the seller chose to publish.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct PublicIdentifiers {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gstin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iec: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udyam_number: Option<String>,
}

/// What anyone may see of an approved seller (storefronts). Never contacts, bank details,
/// documents, or identifiers the seller did not mark public.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicProfile {
    /// The seller's id everywhere in the API: name the seller with it, e.g. as `seller_id` of
    /// an estimate.
    pub id: Uuid,
    pub trading_name: Option<String>,
    #[schema(example = "TN")]
    pub state: Option<String>,
    #[schema(example = "Tamil Nadu")]
    pub state_name: Option<String>,
    pub sectors: Vec<Sector>,
    pub enterprise_type: Option<EnterpriseType>,
    pub msme_category: Option<MsmeCategory>,
    pub year_established: Option<i32>,
    /// Present while valid.
    pub badge: Option<Badge>,
    pub identifiers: PublicIdentifiers,
}

/// An evidence document's metadata.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DocumentView {
    pub id: Uuid,
    pub seller_id: Uuid,
    pub kind: EvidenceKind,
    /// Recognised from the bytes: `application/pdf`, `image/jpeg` or `image/png`.
    #[schema(example = "application/pdf")]
    pub media_type: String,
    /// The uploaded file name, reduced to safe characters.
    #[schema(example = "gst_certificate.pdf")]
    pub original_filename: String,
    pub size_bytes: i64,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    pub uploaded_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// Where to download the content.
    #[schema(
        example = "/v1/sellers/0190f5a2-7c2e-7b3d-9a41-2f1e0c9b7a10/documents/0190f5a2-8000-7000-8000-000000000001/content"
    )]
    pub content_url: String,
}

/// How much of one category an erasure removed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErasedItems {
    pub category: ErasureCategory,
    /// Contacts or documents removed (0 when there were none).
    pub items: i64,
}

/// What an erasure removed, and its audit-log entry (which names the categories and counts,
/// never the values).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErasureReport {
    pub seller_id: Uuid,
    pub reason: ErasureReason,
    pub erased: Vec<ErasedItems>,
    pub audit_entry_id: Uuid,
    pub at: DateTime<Utc>,
}

/// One append-only audit-log entry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    pub seller_id: Uuid,
    /// Absent for system actions (expiry).
    pub actor_user_id: Option<Uuid>,
    /// The actor's role, or `system`.
    #[schema(example = "seller")]
    pub actor_role: String,
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    pub from_status: Option<SellerStatus>,
    pub to_status: SellerStatus,
    pub reason_codes: Vec<String>,
    pub note: Option<String>,
    /// `X-Request-Id` of the request that made the change.
    pub request_id: Option<String>,
}

/// What buyers see of a seller next to a listing, a match or a quote: never contacts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SellerSummary {
    pub id: Uuid,
    pub trading_name: Option<String>,
    /// `/v1/storefronts/{storefront_slug}`
    pub storefront_slug: Option<String>,
    #[schema(example = "TN")]
    pub state: Option<String>,
    /// Present while valid.
    pub badge: Option<Badge>,
}
