//! Request and response types of the vetting routes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::sellers::api::{
    AuditAction, Badge, EnterpriseType, MsmeCategory, PublicIdentifier, Sector, SellerStatus,
};

/// What a reason code may justify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// A rejection.
    Rejection,
    /// A request for changes.
    Changes,
    /// A suspension.
    Suspension,
}

impl ReasonKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonKind::Rejection => "rejection",
            ReasonKind::Changes => "changes",
            ReasonKind::Suspension => "suspension",
        }
    }
}

/// One item of a body's checklist template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItemTemplate {
    /// Stable code, `[a-z][a-z0-9_]*`, at most 64 characters.
    #[schema(example = "gstin_verified")]
    pub code: String,
    #[schema(example = "GSTIN verified on the GST portal")]
    pub label: String,
    /// Must be ticked before an approval.
    pub mandatory: bool,
    /// Enterprise types the item applies to; absent or empty: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 3)]
    pub applies_to: Option<Vec<EnterpriseType>>,
    /// Applies only to sellers claiming MSME status (an MSME category).
    #[serde(default)]
    pub msme_only: bool,
}

/// A reason code a body's officers cite in decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonCode {
    /// Stable code, `[a-z][a-z0-9_]*`, at most 64 characters.
    #[schema(example = "document_illegible")]
    pub code: String,
    #[schema(example = "A document cannot be read")]
    pub label: String,
    pub kind: ReasonKind,
}

/// A new vetting body. Its organisation (kind `vetting_body`) is created with it; officers are
/// then created with `POST /v1/admin/users` and its id as `organisation_id`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "SME Export Promotion Forum",
    "jurisdiction": "IN",
    "priority_sectors": ["textiles", "handicrafts"],
    "approval_validity_months": 12,
    "sla_hours": 72
}))]
pub struct NewVettingBody {
    /// 1 to 200 characters.
    pub name: String,
    /// ISO 3166-1 alpha-2: sellers of this jurisdiction are assigned to the body.
    #[schema(example = "IN")]
    pub jurisdiction: String,
    /// In order: the first is worked first; at most 9.
    #[serde(default)]
    #[schema(value_type = Vec<Sector>, max_items = 9)]
    pub priority_sectors: Vec<String>,
    /// How long an approval is valid, 1 to 60 months (default 12).
    pub approval_validity_months: Option<i32>,
    /// Service level: an open application older than this is breached, 1 to 2160 hours (default 72).
    pub sla_hours: Option<i32>,
    /// Default: GSTIN, IEC, Udyam (MSMEs), address proof, manufacturing evidence
    /// (manufacturers) mandatory; bank account optional. 1 to 50 items.
    #[schema(min_items = 1, max_items = 50)]
    pub checklist: Option<Vec<ChecklistItemTemplate>>,
    /// Default: a standard set of rejection, changes and suspension reasons. 1 to 50 codes.
    #[schema(min_items = 1, max_items = 50)]
    pub reason_codes: Option<Vec<ReasonCode>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VettingBody {
    /// Also the id of its organisation (the `organisation_id` of its officers).
    pub id: Uuid,
    pub name: String,
    #[schema(example = "IN")]
    pub jurisdiction: String,
    pub priority_sectors: Vec<Sector>,
    pub approval_validity_months: i32,
    pub sla_hours: i32,
    pub checklist: Vec<ChecklistItemTemplate>,
    pub reason_codes: Vec<ReasonCode>,
    /// Starts at 1; every edit adds one (also the ETag).
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// An admin's edit of a vetting body: the whole of what may change (the jurisdiction may not).
/// Checklist and reason-code changes apply to applications claimed afterwards; applications
/// already in review keep the version they started with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VettingBodyUpdate {
    /// 1 to 200 characters.
    pub name: String,
    /// In order: the first is worked first; at most 9.
    #[schema(value_type = Vec<Sector>, max_items = 9)]
    pub priority_sectors: Vec<String>,
    /// 1 to 60 months.
    pub approval_validity_months: i32,
    /// 1 to 2160 hours.
    pub sla_hours: i32,
    #[schema(min_items = 1, max_items = 50)]
    pub checklist: Vec<ChecklistItemTemplate>,
    #[schema(min_items = 1, max_items = 50)]
    pub reason_codes: Vec<ReasonCode>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VettingBodyPage {
    pub items: Vec<VettingBody>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Filters and paging of the queue.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// Default: the open applications (`submitted` and `under_review`).
    #[param(value_type = Option<SellerStatus>)]
    pub status: Option<String>,
    /// Sellers trading in this sector.
    #[param(value_type = Option<Sector>)]
    pub sector: Option<String>,
    /// Indian state code of the registered address, e.g. `TN`.
    pub state: Option<String>,
    /// Only applications claimed (live lease) by the caller.
    pub claimed_by_me: Option<bool>,
    /// Only applications past (true) or within (false) the body's SLA.
    pub sla_breached: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (opaque).
    pub cursor: Option<String>,
}

/// A live lease on an application.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Claim {
    pub claimed_by: Uuid,
    pub expires_at: DateTime<Utc>,
}

/// One application in a body's queue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QueueItem {
    pub seller_id: Uuid,
    pub trading_name: Option<String>,
    pub legal_name: Option<String>,
    pub status: SellerStatus,
    pub enterprise_type: Option<EnterpriseType>,
    pub msme_category: Option<MsmeCategory>,
    pub sectors: Vec<Sector>,
    /// State code of the registered address.
    pub state: Option<String>,
    pub submitted_at: DateTime<Utc>,
    /// Hours since submission (whole hours).
    pub age_hours: i64,
    /// Open and older than the body's SLA.
    pub sla_breached: bool,
    /// Whether a sector of the seller is one of the body's priority sectors.
    pub priority_sector: bool,
    /// Absent when nobody holds a live lease.
    pub claim: Option<Claim>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// An item of an application's checklist, with its state.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChecklistEntry {
    pub code: String,
    pub label: String,
    pub mandatory: bool,
    /// Whether it applies to this seller (enterprise type, MSME status).
    pub applicable: bool,
    pub ticked: bool,
    pub note: Option<String>,
    pub ticked_by: Option<Uuid>,
    pub ticked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Checklist {
    pub seller_id: Uuid,
    pub items: Vec<ChecklistEntry>,
    /// Applicable mandatory items not ticked yet: approval needs this empty.
    pub missing_mandatory: Vec<String>,
}

/// Tick or untick a checklist item.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TickRequest {
    pub ticked: bool,
    /// What was checked, at most 2000 characters.
    pub note: Option<String>,
}

/// What an officer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Approve,
    Reject,
    RequestChanges,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "request_changes", "reason_codes": ["document_illegible"], "note": "The address proof scan is unreadable."}))]
pub struct DecisionRequest {
    pub decision: DecisionKind,
    /// Reject: at least one `rejection` code; request changes: at least one `changes` code.
    /// At most 20.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub reason_codes: Vec<String>,
    /// Free text for the seller, at most 4000 characters; required to reject or request changes.
    pub note: Option<String>,
}

/// Suspend or reinstate an approved seller.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChangeRequest {
    /// Suspend: at least one `suspension` code of the seller's body. At most 20.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub reason_codes: Vec<String>,
    /// Why, at most 4000 characters; required to reinstate.
    pub note: Option<String>,
}

/// Another seller holding the GSTIN, IEC or Udyam number of an application.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IdentifierHolder {
    pub seller_id: Uuid,
    pub legal_name: Option<String>,
    pub status: SellerStatus,
    /// The identifiers it shares with the application.
    pub shared: Vec<PublicIdentifier>,
}

/// An application as the vetting body sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Application {
    pub seller_id: Uuid,
    pub vetting_body_id: Uuid,
    /// The version of the body's checklist template and reason codes this application is
    /// worked with: the one in force when it was first claimed after its submission (later edits
    /// of the body do not change it); absent until then.
    pub vetting_body_version: Option<i32>,
    pub status: SellerStatus,
    pub trading_name: Option<String>,
    pub enterprise_type: Option<EnterpriseType>,
    pub msme_category: Option<MsmeCategory>,
    pub sectors: Vec<Sector>,
    pub state: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Hours since submission (whole hours).
    pub age_hours: Option<i64>,
    /// Open and older than the body's SLA.
    pub sla_breached: bool,
    pub decided_at: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub badge: Option<Badge>,
    pub claim: Option<Claim>,
    /// `/v1/sellers/{id}`: the full profile and documents.
    pub profile_url: String,
    /// Other sellers holding the same GSTIN, IEC or Udyam number, approved ones first; at
    /// most 20. An approval is refused (409) while an approved one holds the same GSTIN.
    #[schema(max_items = 20)]
    pub same_identifiers: Vec<IdentifierHolder>,
    /// More sellers share an identifier than `same_identifiers` lists.
    pub same_identifiers_truncated: bool,
}

/// What a decision or status change did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DecisionOutcome {
    pub seller_id: Uuid,
    pub action: AuditAction,
    pub from_status: SellerStatus,
    pub status: SellerStatus,
    pub reason_codes: Vec<String>,
    pub note: Option<String>,
    pub badge: Option<Badge>,
    pub valid_until: Option<DateTime<Utc>>,
}

/// Result of running the expiry sweep.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExpiryRun {
    /// Approvals moved to `expired`.
    pub expired: usize,
    /// Submitted applications without a body that were assigned one.
    pub assigned: usize,
}
