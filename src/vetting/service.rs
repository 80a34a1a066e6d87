//! Vetting rules — the queue ordering key and its cursor, SLA and age, the lease, checklist
//! applicability, approval preconditions, reason codes, the badge, body assignment — as pure
//! functions, and the database work around them. Every decision is one transaction: the seller
//! row (locked), its audit entry and the webhook event.

use base64::Engine;
use chrono::{DateTime, Duration, Months, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::api::*;
use super::model::*;
use crate::auth::{OrganisationKind, Principal, Role};
use crate::db::schema::{organisations, sellers, vetting_bodies, vetting_checklist};
use crate::error::{ApiError, ApiResult, FieldError, Validator};
use crate::http::IdempotencyKey;
use crate::idempotency::{self, Created, RequestIdentity};
use crate::identifiers::{CountryCode, IndianState};
use crate::sellers::api::{
    AuditAction, BadgeKind, EnterpriseType, PublicIdentifier, Sector, SellerStatus, Vocabulary,
};
use crate::sellers::model::SellerRow;
use crate::sellers::service::{
    Action, Actor, append_audit_entry, badge_of, can_view, named, parse_stored, parse_stored_list,
    parse_stored_opt, public_id, status_of, transition,
};

/// How long a claim lasts; claiming again renews it.
pub const DEFAULT_VALIDITY_MONTHS: i32 = 12;
pub const DEFAULT_SLA_HOURS: i32 = 72;
/// Caps on the lists of requests (also `max_items` in the schema), checked before their items.
pub const MAX_TEMPLATE_ITEMS: usize = 50;
pub const MAX_PRIORITY_SECTORS: usize = 9;
pub const MAX_APPLIES_TO: usize = 3;
pub const MAX_DECISION_REASONS: usize = 20;
const MAX_NOTE: usize = 4000;
const MAX_TICK_NOTE: usize = 2000;

// ---------------------------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------------------------

fn item(code: &str, label: &str, mandatory: bool) -> ChecklistItemTemplate {
    ChecklistItemTemplate {
        code: code.into(),
        label: label.into(),
        mandatory,
        applies_to: None,
        msme_only: false,
    }
}

/// The checklist a body gets unless it brings its own.
pub fn default_checklist() -> Vec<ChecklistItemTemplate> {
    vec![
        item("gstin_verified", "GSTIN verified on the GST portal", true),
        item("iec_verified", "IEC verified with DGFT", true),
        ChecklistItemTemplate {
            msme_only: true,
            ..item("udyam_verified", "Udyam registration verified", true)
        },
        item("address_proof", "Registered address proof checked", true),
        ChecklistItemTemplate {
            applies_to: Some(vec![EnterpriseType::Manufacturer]),
            ..item(
                "manufacturing_evidence",
                "Manufacturing evidence checked (factory licence, photos)",
                true,
            )
        },
        item(
            "bank_account_verified",
            "Payout bank account verified",
            false,
        ),
    ]
}

fn reason(code: &str, label: &str, kind: ReasonKind) -> ReasonCode {
    ReasonCode {
        code: code.into(),
        label: label.into(),
        kind,
    }
}

/// The reason codes a body gets unless it brings its own.
pub fn default_reason_codes() -> Vec<ReasonCode> {
    use ReasonKind::*;
    vec![
        reason(
            "ineligible_business",
            "The business is not eligible",
            Rejection,
        ),
        reason(
            "identifiers_invalid",
            "Identifiers could not be verified",
            Rejection,
        ),
        reason("fraudulent_documents", "Documents appear forged", Rejection),
        reason("document_illegible", "A document cannot be read", Changes),
        reason(
            "document_missing",
            "A required document is missing",
            Changes,
        ),
        reason(
            "identifier_mismatch",
            "Identifiers do not match the documents",
            Changes,
        ),
        reason(
            "address_mismatch",
            "The address does not match the proof",
            Changes,
        ),
        reason("compliance_breach", "Export compliance breach", Suspension),
        reason(
            "buyer_complaints",
            "Repeated substantiated buyer complaints",
            Suspension,
        ),
        reason(
            "registration_cancelled",
            "GST or IEC registration cancelled",
            Suspension,
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Bodies: parsing
// ---------------------------------------------------------------------------------------------

/// A checked `NewVettingBody`.
#[derive(Debug, Clone)]
pub struct CheckedBody {
    pub name: String,
    pub jurisdiction: String,
    pub priority_sectors: Vec<String>,
    pub approval_validity_months: i32,
    pub sla_hours: i32,
    pub checklist: Vec<ChecklistItemTemplate>,
    pub reason_codes: Vec<ReasonCode>,
}

fn code_ok(code: &str) -> bool {
    let mut chars = code.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && code.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn label_ok(label: &str) -> bool {
    let t = label.trim();
    !t.is_empty() && t.chars().count() <= 200 && !t.chars().any(char::is_control)
}

/// Checks a template list (checklist items or reason codes): its length, and per entry a
/// valid, unique code and a label.
fn check_entries<'a>(
    v: &mut Validator,
    field: &str,
    unit: &str,
    entries: impl ExactSizeIterator<Item = (&'a str, &'a str)>,
) {
    if entries.len() > MAX_TEMPLATE_ITEMS {
        v.push(
            field,
            "too_many",
            format!(
                "at most {MAX_TEMPLATE_ITEMS} {unit} (got {})",
                entries.len()
            ),
        );
        return;
    }
    if entries.len() == 0 {
        v.push(field, "length", format!("1 to {MAX_TEMPLATE_ITEMS} {unit}"));
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, (code, label)) in entries.enumerate() {
        if !code_ok(code) {
            v.push(
                &format!("{field}[{i}].code"),
                "invalid",
                "lower-case letters, digits and _, starting with a letter, at most 64",
            );
        } else if seen.contains(&code) {
            v.push(
                &format!("{field}[{i}].code"),
                "duplicate",
                "codes are unique",
            );
        }
        seen.push(code);
        if !label_ok(label) {
            v.push(
                &format!("{field}[{i}].label"),
                "invalid",
                "1 to 200 characters",
            );
        }
    }
}

/// Checks a new body; every problem is reported at once.
pub fn parse_new_body(req: NewVettingBody) -> ApiResult<CheckedBody> {
    let mut v = Validator::new();
    let name = req.name.trim().to_owned();
    if !label_ok(&name) {
        v.push(
            "name",
            "invalid",
            "1 to 200 characters, no control characters",
        );
    }
    let jurisdiction = match CountryCode::parse(&req.jurisdiction) {
        Ok(c) => c.as_str().to_owned(),
        Err(e) => {
            v.push("jurisdiction", "invalid", e.to_string());
            String::new()
        }
    };
    let mut priority_sectors: Vec<String> = Vec::new();
    let sectors_in = v.cap_list(
        "priority_sectors",
        req.priority_sectors,
        MAX_PRIORITY_SECTORS,
    );
    for (i, raw) in sectors_in.iter().enumerate() {
        match Sector::parse(&raw.trim().to_ascii_lowercase()) {
            Some(s) if !priority_sectors.iter().any(|p| p == s.as_str()) => {
                priority_sectors.push(s.as_str().to_owned())
            }
            Some(_) => {}
            None => v.push(
                &format!("priority_sectors[{i}]"),
                "invalid",
                format!("must be one of: {}", Sector::expected()),
            ),
        }
    }
    let months = req
        .approval_validity_months
        .unwrap_or(DEFAULT_VALIDITY_MONTHS);
    if !(1..=60).contains(&months) {
        v.push("approval_validity_months", "out_of_range", "1 to 60");
    }
    let sla_hours = req.sla_hours.unwrap_or(DEFAULT_SLA_HOURS);
    if !(1..=2160).contains(&sla_hours) {
        v.push("sla_hours", "out_of_range", "1 to 2160");
    }
    let checklist = req.checklist.unwrap_or_else(default_checklist);
    check_entries(
        &mut v,
        "checklist",
        "items",
        checklist
            .iter()
            .map(|it| (it.code.as_str(), it.label.as_str())),
    );
    if checklist.len() <= MAX_TEMPLATE_ITEMS {
        for (i, it) in checklist.iter().enumerate() {
            if it
                .applies_to
                .as_ref()
                .is_some_and(|a| a.len() > MAX_APPLIES_TO)
            {
                v.push(
                    &format!("checklist[{i}].applies_to"),
                    "too_many",
                    format!("at most {MAX_APPLIES_TO} items"),
                );
            }
        }
    }
    let reason_codes = req.reason_codes.unwrap_or_else(default_reason_codes);
    check_entries(
        &mut v,
        "reason_codes",
        "codes",
        reason_codes
            .iter()
            .map(|r| (r.code.as_str(), r.label.as_str())),
    );
    v.finish()?;
    Ok(CheckedBody {
        name,
        jurisdiction,
        priority_sectors,
        approval_validity_months: months,
        sla_hours,
        checklist: checklist
            .into_iter()
            .map(|it| ChecklistItemTemplate {
                label: it.label.trim().to_owned(),
                applies_to: it.applies_to.filter(|a| !a.is_empty()),
                ..it
            })
            .collect(),
        reason_codes: reason_codes
            .into_iter()
            .map(|r| ReasonCode {
                label: r.label.trim().to_owned(),
                ..r
            })
            .collect(),
    })
}

pub fn body_view(row: &VettingBodyRow) -> ApiResult<VettingBody> {
    Ok(VettingBody {
        id: row.id,
        name: row.name.clone(),
        jurisdiction: row.jurisdiction.clone(),
        priority_sectors: parse_stored_list("sector", &row.priority_sectors)?,
        approval_validity_months: row.approval_validity_months,
        sla_hours: row.sla_hours,
        checklist: template_of(row)?,
        reason_codes: reasons_of(row)?,
        created_at: row.created_at,
    })
}

fn template_of(row: &VettingBodyRow) -> ApiResult<Vec<ChecklistItemTemplate>> {
    serde_json::from_value(row.checklist.clone()).map_err(ApiError::internal)
}

fn reasons_of(row: &VettingBodyRow) -> ApiResult<Vec<ReasonCode>> {
    serde_json::from_value(row.reason_codes.clone()).map_err(ApiError::internal)
}

// ---------------------------------------------------------------------------------------------
// Assignment
// ---------------------------------------------------------------------------------------------

/// A candidate body for a seller: id, creation time, priority sectors.
pub type Candidate = (Uuid, DateTime<Utc>, Vec<String>);

/// The body whose priority sectors overlap the seller's most; ties go to the oldest body.
pub fn pick_body(candidates: &[Candidate], seller_sectors: &[String]) -> Option<Uuid> {
    candidates
        .iter()
        .min_by_key(|(id, created_at, priority)| {
            let overlap = seller_sectors
                .iter()
                .filter(|s| priority.contains(s))
                .count();
            (std::cmp::Reverse(overlap), *created_at, *id)
        })
        .map(|(id, _, _)| *id)
}

// ---------------------------------------------------------------------------------------------
// Queue: ordering key, cursor, SLA
// ---------------------------------------------------------------------------------------------

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
pub fn kind_rank(enterprise_type: Option<&str>) -> i32 {
    if enterprise_type == Some(EnterpriseType::Manufacturer.as_str()) {
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

// ---------------------------------------------------------------------------------------------
// Lease
// ---------------------------------------------------------------------------------------------

/// The lease, if someone holds it now.
pub fn live_claim(
    claimed_by: Option<Uuid>,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<Claim> {
    match (claimed_by, expires_at) {
        (Some(by), Some(at)) if at > now => Some(Claim {
            claimed_by: by,
            expires_at: at,
        }),
        _ => None,
    }
}

/// An officer may claim when nobody holds a live lease or they hold it (a renewal).
pub fn may_claim(current: Option<&Claim>, officer: Uuid) -> ApiResult<()> {
    match current {
        Some(c) if c.claimed_by != officer => Err(ApiError::Conflict(format!(
            "another officer holds this application until {}",
            c.expires_at.to_rfc3339()
        ))),
        _ => Ok(()),
    }
}

/// Checklist work and decisions need the caller's own live lease.
pub fn ensure_holder(current: Option<&Claim>, officer: Uuid) -> ApiResult<()> {
    match current {
        Some(c) if c.claimed_by == officer => Ok(()),
        Some(_) => Err(ApiError::Conflict(
            "another officer holds this application".into(),
        )),
        None => Err(ApiError::Conflict(
            "claim the application first (POST …/claim)".into(),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Checklist and decisions
// ---------------------------------------------------------------------------------------------

/// Whether a template item applies to a seller of this enterprise type and MSME status.
pub fn applies(item: &ChecklistItemTemplate, enterprise_type: Option<&str>, msme: bool) -> bool {
    let type_ok = match &item.applies_to {
        None => true,
        Some(types) if types.is_empty() => true,
        Some(types) => enterprise_type.is_some_and(|t| types.iter().any(|x| x.as_str() == t)),
    };
    type_ok && (!item.msme_only || msme)
}

/// Applicable mandatory items not ticked: what stands between the application and approval.
pub fn missing_mandatory(
    template: &[ChecklistItemTemplate],
    enterprise_type: Option<&str>,
    msme: bool,
    ticked: &[String],
) -> Vec<String> {
    template
        .iter()
        .filter(|it| it.mandatory && applies(it, enterprise_type, msme))
        .filter(|it| !ticked.contains(&it.code))
        .map(|it| it.code.clone())
        .collect()
}

/// The reason-code kind a decision or status change needs, if any.
pub fn reason_kind_for(action: Action) -> Option<ReasonKind> {
    match action {
        Action::Reject => Some(ReasonKind::Rejection),
        Action::RequestChanges => Some(ReasonKind::Changes),
        Action::Suspend => Some(ReasonKind::Suspension),
        _ => None,
    }
}

/// Checks reason codes and the note of an action; returns the codes deduplicated and the
/// trimmed note. Rejections, change requests and suspensions need at least one code of their
/// kind; rejections, change requests and reinstatements need a note.
pub fn check_reasons(
    action: Action,
    codes: &[String],
    note: Option<&str>,
    known: &[ReasonCode],
) -> ApiResult<(Vec<String>, Option<String>)> {
    let mut v = Validator::new();
    let wanted = reason_kind_for(action);
    let mut out: Vec<String> = Vec::new();
    if codes.len() > MAX_DECISION_REASONS {
        v.push(
            "reason_codes",
            "too_many",
            format!("at most {MAX_DECISION_REASONS} items (got {})", codes.len()),
        );
    }
    let checked = if codes.len() > MAX_DECISION_REASONS {
        &[][..]
    } else {
        codes
    };
    for (i, code) in checked.iter().enumerate() {
        let field = format!("reason_codes[{i}]");
        match (known.iter().find(|r| &r.code == code), wanted) {
            (None, _) => v.push(&field, "unknown", "not a reason code of this vetting body"),
            (Some(r), Some(kind)) if r.kind != kind => v.push(
                &field,
                "wrong_kind",
                format!("a {} code is needed here", kind.as_str()),
            ),
            (Some(_), None) if action == Action::Approve => {
                v.push(&field, "not_allowed", "an approval takes no reason codes")
            }
            _ => {
                if !out.contains(code) {
                    out.push(code.clone());
                }
            }
        }
    }
    if let Some(kind) = wanted
        && codes.is_empty()
    {
        v.push(
            "reason_codes",
            "required",
            format!("at least one {} reason code", kind.as_str()),
        );
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if let Some(n) = note
        && n.chars().count() > MAX_NOTE
    {
        v.push("note", "too_long", format!("at most {MAX_NOTE} characters"));
    }
    let needs_note = matches!(
        action,
        Action::Reject | Action::RequestChanges | Action::Reinstate
    );
    if needs_note && note.is_none() {
        v.push("note", "required", "explain the decision to the seller");
    }
    v.finish()?;
    Ok((out, note.map(str::to_owned)))
}

/// The badge an approval grants: verified MSME for sellers with an MSME category, verified
/// exporter otherwise; valid for the body's validity period.
pub fn badge_for(
    msme_category: Option<&str>,
    now: DateTime<Utc>,
    validity_months: i32,
) -> ApiResult<(BadgeKind, DateTime<Utc>)> {
    let kind = if msme_category.is_some() {
        BadgeKind::VerifiedMsme
    } else {
        BadgeKind::VerifiedExporter
    };
    let months = u32::try_from(validity_months).map_err(ApiError::internal)?;
    let until = now
        .checked_add_months(Months::new(months))
        .ok_or_else(|| ApiError::internal("validity out of range"))?;
    Ok((kind, until))
}

fn event_type(action: Action) -> Option<&'static str> {
    match action {
        Action::Submit => Some("seller.submitted"),
        Action::RequestChanges => Some("seller.changes_requested"),
        Action::Approve => Some("seller.approved"),
        Action::Reject => Some("seller.rejected"),
        Action::Suspend => Some("seller.suspended"),
        Action::Reinstate => Some("seller.reinstated"),
        Action::Expire => Some("seller.expired"),
        Action::StartReview => None,
    }
}

fn event_payload(
    row: &SellerRow,
    from: SellerStatus,
    reason_codes: &[String],
    note: Option<&str>,
) -> ApiResult<serde_json::Value> {
    Ok(serde_json::json!({
        "seller_id": public_id(row),
        "organisation_id": row.organisation_id,
        "vetting_body_id": row.vetting_body_id,
        "from_status": from,
        "status": status_of(row)?,
        "reason_codes": reason_codes,
        "note": note,
        "badge": badge_of(row)?,
        "valid_until": row.valid_until,
    }))
}

/// Publishes the seller's event for an action, in the caller's transaction.
async fn publish(
    conn: &mut AsyncPgConnection,
    row: &SellerRow,
    action: Action,
    from: SellerStatus,
    reason_codes: &[String],
    note: Option<&str>,
) -> ApiResult<()> {
    if let Some(event) = event_type(action) {
        let payload = event_payload(row, from, reason_codes, note)?;
        crate::webhooks::publish(conn, row.organisation_id, event, payload).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Database work: bodies
// ---------------------------------------------------------------------------------------------

/// Creates a body and its organisation (once per `Idempotency-Key`); sellers of its
/// jurisdiction that submitted while no body served it are assigned to it.
pub async fn create_body(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    key: &IdempotencyKey,
    path: &str,
    fingerprint: &[u8; 32],
    req: NewVettingBody,
) -> ApiResult<(Created, bool)> {
    principal.require(&[Role::Admin])?;
    let body = parse_new_body(req)?;
    let identity = RequestIdentity::post(principal.user_id, key, path, fingerprint);
    idempotency::run(conn, identity, async |conn| {
        let row = insert_body(conn, &body).await?;
        let view = body_view(&row)?;
        Created::new(format!("/v1/vetting-bodies/{}", row.id), &view)
    })
    .await
}

/// Inserts a body and its organisation and assigns waiting sellers, in the caller's transaction.
pub async fn insert_body(
    conn: &mut AsyncPgConnection,
    body: &CheckedBody,
) -> ApiResult<VettingBodyRow> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    diesel::insert_into(organisations::table)
        .values((
            organisations::id.eq(id),
            organisations::kind.eq(OrganisationKind::VettingBody.as_str()),
            organisations::name.eq(&body.name),
            organisations::country_code.eq(&body.jurisdiction),
            organisations::home_jurisdiction.eq(&body.jurisdiction),
        ))
        .execute(conn)
        .await?;
    let row = VettingBodyRow {
        id,
        name: body.name.clone(),
        jurisdiction: body.jurisdiction.clone(),
        priority_sectors: body.priority_sectors.clone(),
        approval_validity_months: body.approval_validity_months,
        sla_hours: body.sla_hours,
        checklist: serde_json::to_value(&body.checklist).map_err(ApiError::internal)?,
        reason_codes: serde_json::to_value(&body.reason_codes).map_err(ApiError::internal)?,
        created_at: now,
        home_jurisdiction: body.jurisdiction.clone(),
    };
    diesel::insert_into(vetting_bodies::table)
        .values(&row)
        .execute(conn)
        .await?;
    diesel::update(
        sellers::table
            .filter(sellers::vetting_body_id.is_null())
            .filter(sellers::status.eq(SellerStatus::Submitted.as_str()))
            .filter(sellers::home_jurisdiction.eq(&body.jurisdiction)),
    )
    .set(sellers::vetting_body_id.eq(id))
    .execute(conn)
    .await?;
    Ok(row)
}

fn may_read_bodies(principal: &Principal) -> ApiResult<()> {
    principal.require(&[Role::Admin, Role::Auditor, Role::VettingOfficer])
}

/// Admins and auditors see every body; officers their own.
pub async fn list_bodies(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    page: &crate::http::PageParams,
) -> ApiResult<VettingBodyPage> {
    may_read_bodies(principal)?;
    let limit = page.limit()?;
    let mut query = vetting_bodies::table
        .select(VettingBodyRow::as_select())
        .order(vetting_bodies::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if principal.role == Role::VettingOfficer {
        query = query.filter(vetting_bodies::id.eq(principal.organisation_id));
    }
    if let Some(after) = page.cursor()? {
        query = query.filter(vetting_bodies::id.gt(after));
    }
    let rows: Vec<VettingBodyRow> = query.load(conn).await?;
    let items = rows.iter().map(body_view).collect::<ApiResult<Vec<_>>>()?;
    let page = crate::http::Page::from_rows(items, limit, |b| b.id);
    Ok(VettingBodyPage {
        items: page.items,
        next_cursor: page.next_cursor,
    })
}

pub async fn get_body(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<VettingBody> {
    if may_read_bodies(principal).is_err()
        || (principal.role == Role::VettingOfficer && principal.organisation_id != id)
    {
        return Err(ApiError::NotFound);
    }
    body_view(&body_row(conn, id).await?)
}

async fn body_row(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<VettingBodyRow> {
    Ok(vetting_bodies::table
        .find(id)
        .select(VettingBodyRow::as_select())
        .first(conn)
        .await?)
}

/// The body a submission goes to: the one already working it, else the best of the seller's
/// jurisdiction, else none (it waits, and is assigned when a body is created).
pub async fn body_for_submission(
    conn: &mut AsyncPgConnection,
    seller: &SellerRow,
) -> ApiResult<Option<Uuid>> {
    if seller.vetting_body_id.is_some() {
        return Ok(seller.vetting_body_id);
    }
    let candidates: Vec<Candidate> = vetting_bodies::table
        .filter(vetting_bodies::jurisdiction.eq(&seller.home_jurisdiction))
        .select((
            vetting_bodies::id,
            vetting_bodies::created_at,
            vetting_bodies::priority_sectors,
        ))
        .load(conn)
        .await?;
    Ok(pick_body(&candidates, &seller.sectors))
}

/// After a submission (same transaction): a fresh checklist and the `seller.submitted` event.
pub async fn on_submitted(
    conn: &mut AsyncPgConnection,
    row: &SellerRow,
    from: SellerStatus,
) -> ApiResult<()> {
    diesel::delete(vetting_checklist::table.filter(vetting_checklist::seller_id.eq(row.id)))
        .execute(conn)
        .await?;
    publish(conn, row, Action::Submit, from, &[], None).await
}

// ---------------------------------------------------------------------------------------------
// Database work: applications
// ---------------------------------------------------------------------------------------------

/// A seller row with its lease.
struct Loaded {
    row: SellerRow,
    claimed_by: Option<Uuid>,
    claim_expires_at: Option<DateTime<Utc>>,
}

impl Loaded {
    fn claim(&self, now: DateTime<Utc>) -> Option<Claim> {
        live_claim(self.claimed_by, self.claim_expires_at, now)
    }
}

/// The seller named by `id` (its public id, or an older profile's row id); later writes use
/// `row.id`.
async fn load(conn: &mut AsyncPgConnection, id: Uuid, lock: bool) -> ApiResult<Loaded> {
    let query = named(id).select((
        SellerRow::as_select(),
        sellers::claimed_by,
        sellers::claim_expires_at,
    ));
    let (row, claimed_by, claim_expires_at) = if lock {
        query.for_update().first(conn).await?
    } else {
        query.first(conn).await?
    };
    Ok(Loaded {
        row,
        claimed_by,
        claim_expires_at,
    })
}

/// Who may do what with an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Officers of the seller's body (claim, checklist, decision).
    Officer,
    /// Officers of the body or admins (suspend, reinstate).
    OfficerOrAdmin,
    /// Officers of the body, admins, auditors (read the application and checklist).
    Staff,
}

/// 404 unless the caller may see the seller at all (another body's officer, another seller, a
/// buyer); 403 when it may see it but not act (the seller itself, an auditor deciding).
pub fn authorise(
    principal: &Principal,
    organisation_id: Uuid,
    vetting_body_id: Option<Uuid>,
    need: Need,
) -> ApiResult<()> {
    if !can_view(principal, organisation_id, vetting_body_id) {
        return Err(ApiError::NotFound);
    }
    let allowed: &[Role] = match need {
        Need::Officer => &[Role::VettingOfficer],
        Need::OfficerOrAdmin => &[Role::VettingOfficer, Role::Admin],
        Need::Staff => &[Role::VettingOfficer, Role::Admin, Role::Auditor],
    };
    principal.require(allowed)
}

async fn loaded_for(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    need: Need,
    lock: bool,
) -> ApiResult<(Loaded, VettingBodyRow)> {
    let loaded = load(conn, id, lock).await?;
    authorise(
        principal,
        loaded.row.organisation_id,
        loaded.row.vetting_body_id,
        need,
    )?;
    let body_id = loaded.row.vetting_body_id.ok_or(ApiError::NotFound)?;
    let body = body_row(conn, body_id).await?;
    Ok((loaded, body))
}

/// How many other holders of an application's identifiers are listed.
pub const MAX_SAME_IDENTIFIERS: usize = 20;

#[derive(QueryableByName)]
struct HolderRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    organisation_id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    legal_name: Option<String>,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Bool)]
    gstin: bool,
    #[diesel(sql_type = Bool)]
    iec: bool,
    #[diesel(sql_type = Bool)]
    udyam_number: bool,
}

/// Other sellers holding the application's GSTIN, IEC or Udyam number (one indexed query),
/// approved first; and whether there are more than listed.
async fn same_identifiers(
    conn: &mut AsyncPgConnection,
    row: &SellerRow,
) -> ApiResult<(Vec<IdentifierHolder>, bool)> {
    if row.gstin.is_none() && row.iec.is_none() && row.udyam_number.is_none() {
        return Ok((Vec::new(), false));
    }
    let mut rows: Vec<HolderRow> = diesel::sql_query(
        "SELECT organisation_id, legal_name, status,
                coalesce(gstin = $2, false) AS gstin,
                coalesce(iec = $3, false) AS iec,
                coalesce(udyam_number = $4, false) AS udyam_number
         FROM sellers
         WHERE id <> $1 AND (gstin = $2 OR iec = $3 OR udyam_number = $4)
         ORDER BY status = 'approved' DESC, id
         LIMIT $5",
    )
    .bind::<diesel::sql_types::Uuid, _>(row.id)
    .bind::<Nullable<Text>, _>(&row.gstin)
    .bind::<Nullable<Text>, _>(&row.iec)
    .bind::<Nullable<Text>, _>(&row.udyam_number)
    .bind::<diesel::sql_types::BigInt, _>(MAX_SAME_IDENTIFIERS as i64 + 1)
    .load(conn)
    .await?;
    let truncated = rows.len() > MAX_SAME_IDENTIFIERS;
    rows.truncate(MAX_SAME_IDENTIFIERS);
    let holders = rows
        .into_iter()
        .map(|h| {
            let shared = [
                (h.gstin, PublicIdentifier::Gstin),
                (h.iec, PublicIdentifier::Iec),
                (h.udyam_number, PublicIdentifier::UdyamNumber),
            ]
            .into_iter()
            .filter_map(|(same, which)| same.then_some(which))
            .collect();
            Ok(IdentifierHolder {
                seller_id: h.organisation_id,
                legal_name: h.legal_name,
                status: parse_stored("status", &h.status)?,
                shared,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok((holders, truncated))
}

/// An approval is refused while another approved seller holds the same GSTIN. Serialised per
/// GSTIN (a transaction-scoped advisory lock), so two concurrent approvals cannot both pass.
async fn ensure_gstin_unclaimed(conn: &mut AsyncPgConnection, row: &SellerRow) -> ApiResult<()> {
    let Some(gstin) = &row.gstin else {
        return Ok(());
    };
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('sellers.gstin:' || $1))")
        .bind::<Text, _>(gstin)
        .execute(conn)
        .await?;
    let holder: Option<(Uuid, Option<String>)> = sellers::table
        .filter(sellers::gstin.eq(gstin))
        .filter(sellers::status.eq(SellerStatus::Approved.as_str()))
        .filter(sellers::id.ne(row.id))
        .select((sellers::organisation_id, sellers::legal_name))
        .first(conn)
        .await
        .optional()?;
    match holder {
        None => Ok(()),
        Some((other, name)) => Err(ApiError::DuplicateIdentifier(format!(
            "GSTIN {gstin} is held by approved seller {other} ({}); reject this application, \
             or suspend the other seller, before approving",
            name.as_deref().unwrap_or("no legal name")
        ))),
    }
}

fn application_view(
    loaded: &Loaded,
    body: &VettingBodyRow,
    now: DateTime<Utc>,
    (same_identifiers, same_identifiers_truncated): (Vec<IdentifierHolder>, bool),
) -> ApiResult<Application> {
    let row = &loaded.row;
    let status = status_of(row)?;
    Ok(Application {
        seller_id: public_id(row),
        vetting_body_id: body.id,
        status,
        trading_name: row.trading_name.clone(),
        enterprise_type: parse_stored_opt("enterprise_type", row.enterprise_type.as_deref())?,
        msme_category: parse_stored_opt("msme_category", row.msme_category.as_deref())?,
        sectors: parse_stored_list("sector", &row.sectors)?,
        state: row.address_state.clone(),
        submitted_at: row.submitted_at,
        age_hours: row.submitted_at.map(|at| age_hours(at, now)),
        sla_breached: row
            .submitted_at
            .is_some_and(|at| sla_breached(status, at, body.sla_hours, now)),
        decided_at: row.decided_at,
        valid_until: row.valid_until,
        badge: badge_of(row)?,
        claim: loaded.claim(now),
        profile_url: format!("/v1/sellers/{}", public_id(row)),
        same_identifiers,
        same_identifiers_truncated,
    })
}

pub async fn get_application(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Application> {
    let (loaded, body) = loaded_for(conn, principal, id, Need::Staff, false).await?;
    let same = same_identifiers(conn, &loaded.row).await?;
    application_view(&loaded, &body, Utc::now(), same)
}

/// Claims (or renews) the lease; the first claim starts the review.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    actor: &Actor,
    id: Uuid,
    lease: Duration,
) -> ApiResult<Application> {
    conn.transaction(async |conn| {
        let (mut loaded, body) = loaded_for(conn, principal, id, Need::Officer, true).await?;
        let id = loaded.row.id;
        let now = Utc::now();
        let from = status_of(&loaded.row)?;
        if !is_open(from) {
            return Err(ApiError::Conflict(format!(
                "an application that is {from} cannot be claimed: only submitted applications \
                 and those under review are worked"
            )));
        }
        may_claim(loaded.claim(now).as_ref(), principal.user_id)?;
        let expires = now + lease;
        let to = if from == SellerStatus::Submitted {
            transition(from, Action::StartReview)?
        } else {
            from
        };
        let version_bump = i32::from(to != from);
        let row: SellerRow = diesel::update(sellers::table.find(id))
            .set((
                sellers::claimed_by.eq(principal.user_id),
                sellers::claim_expires_at.eq(expires),
                sellers::status.eq(to.as_str()),
                sellers::version.eq(sellers::version + version_bump),
                sellers::updated_at.eq(now),
            ))
            .returning(SellerRow::as_returning())
            .get_result(conn)
            .await?;
        if to != from {
            append_audit_entry(
                conn,
                &row,
                actor,
                AuditAction::StartReview,
                Some(from),
                to,
                &[],
                None,
            )
            .await?;
        }
        loaded.row = row;
        loaded.claimed_by = Some(principal.user_id);
        loaded.claim_expires_at = Some(expires);
        let same = same_identifiers(conn, &loaded.row).await?;
        application_view(&loaded, &body, now, same)
    })
    .await
}

/// Releases the caller's lease (nothing to release is fine); another officer's → 409.
pub async fn release(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<()> {
    conn.transaction(async |conn| {
        let (loaded, _) = loaded_for(conn, principal, id, Need::Officer, true).await?;
        let id = loaded.row.id;
        let now = Utc::now();
        match loaded.claim(now) {
            None => {}
            Some(c) if c.claimed_by == principal.user_id => {}
            Some(_) => {
                return Err(ApiError::Conflict(
                    "another officer holds this application".into(),
                ));
            }
        }
        diesel::update(sellers::table.find(id))
            .set((
                sellers::claimed_by.eq(None::<Uuid>),
                sellers::claim_expires_at.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)
            .await?;
        Ok(())
    })
    .await
}

fn checklist_view(
    row: &SellerRow,
    template: &[ChecklistItemTemplate],
    ticks: &[ChecklistRow],
) -> Checklist {
    let msme = row.msme_category.is_some();
    let enterprise_type = row.enterprise_type.as_deref();
    let items = template
        .iter()
        .map(|it| {
            let tick = ticks.iter().find(|t| t.item_code == it.code);
            ChecklistEntry {
                code: it.code.clone(),
                label: it.label.clone(),
                mandatory: it.mandatory,
                applicable: applies(it, enterprise_type, msme),
                ticked: tick.is_some_and(|t| t.ticked),
                note: tick.and_then(|t| t.note.clone()),
                ticked_by: tick.map(|t| t.ticked_by),
                ticked_at: tick.map(|t| t.ticked_at),
            }
        })
        .collect();
    Checklist {
        seller_id: public_id(row),
        items,
        missing_mandatory: missing_mandatory(template, enterprise_type, msme, &ticked_codes(ticks)),
    }
}

fn ticked_codes(ticks: &[ChecklistRow]) -> Vec<String> {
    ticks
        .iter()
        .filter(|t| t.ticked)
        .map(|t| t.item_code.clone())
        .collect()
}

async fn ticks_of(conn: &mut AsyncPgConnection, seller_id: Uuid) -> ApiResult<Vec<ChecklistRow>> {
    Ok(vetting_checklist::table
        .filter(vetting_checklist::seller_id.eq(seller_id))
        .select(ChecklistRow::as_select())
        .load(conn)
        .await?)
}

pub async fn get_checklist(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Checklist> {
    let (loaded, body) = loaded_for(conn, principal, id, Need::Staff, false).await?;
    let id = loaded.row.id;
    let ticks = ticks_of(conn, id).await?;
    Ok(checklist_view(&loaded.row, &template_of(&body)?, &ticks))
}

/// Ticks or unticks an item: the lease holder only, while the application is under review.
pub async fn tick(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    item_code: &str,
    req: TickRequest,
) -> ApiResult<Checklist> {
    let note = req
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if let Some(n) = &note
        && n.chars().count() > MAX_TICK_NOTE
    {
        return Err(ApiError::field(
            "note",
            "too_long",
            format!("at most {MAX_TICK_NOTE} characters"),
        ));
    }
    conn.transaction(async |conn| {
        let (loaded, body) = loaded_for(conn, principal, id, Need::Officer, true).await?;
        let id = loaded.row.id;
        let template = template_of(&body)?;
        if !template.iter().any(|it| it.code == item_code) {
            return Err(ApiError::NotFound);
        }
        let now = Utc::now();
        let status = status_of(&loaded.row)?;
        if status != SellerStatus::UnderReview {
            return Err(ApiError::Conflict(format!(
                "the checklist is read-only while the application is {status}; it changes only \
                 while the application is under review"
            )));
        }
        ensure_holder(loaded.claim(now).as_ref(), principal.user_id)?;
        let row = ChecklistRow {
            seller_id: id,
            item_code: item_code.to_owned(),
            ticked: req.ticked,
            note,
            ticked_by: principal.user_id,
            ticked_at: now,
            home_jurisdiction: loaded.row.home_jurisdiction.clone(),
        };
        diesel::insert_into(vetting_checklist::table)
            .values(&row)
            .on_conflict((vetting_checklist::seller_id, vetting_checklist::item_code))
            .do_update()
            .set((
                vetting_checklist::ticked.eq(row.ticked),
                vetting_checklist::note.eq(&row.note),
                vetting_checklist::ticked_by.eq(row.ticked_by),
                vetting_checklist::ticked_at.eq(row.ticked_at),
            ))
            .execute(conn)
            .await?;
        let ticks = ticks_of(conn, id).await?;
        Ok(checklist_view(&loaded.row, &template, &ticks))
    })
    .await
}

fn decision_action(kind: DecisionKind) -> Action {
    match kind {
        DecisionKind::Approve => Action::Approve,
        DecisionKind::Reject => Action::Reject,
        DecisionKind::RequestChanges => Action::RequestChanges,
    }
}

/// Approve, reject or request changes: the lease holder only. Status, audit entry and event in
/// one transaction; the lease ends.
pub async fn decide(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    actor: &Actor,
    id: Uuid,
    req: DecisionRequest,
) -> ApiResult<DecisionOutcome> {
    let action = decision_action(req.decision);
    conn.transaction(async |conn| {
        let (loaded, body) = loaded_for(conn, principal, id, Need::Officer, true).await?;
        let id = loaded.row.id;
        let now = Utc::now();
        // The status first: deciding an application that is already decided says so, rather
        // than asking for a claim that could not help.
        let from = status_of(&loaded.row)?;
        let to = transition(from, action)?;
        ensure_holder(loaded.claim(now).as_ref(), principal.user_id)?;
        let (codes, note) = check_reasons(
            action,
            &req.reason_codes,
            req.note.as_deref(),
            &reasons_of(&body)?,
        )?;
        let mut badge = None;
        if action == Action::Approve {
            ensure_gstin_unclaimed(conn, &loaded.row).await?;
            let ticks = ticks_of(conn, id).await?;
            let missing = missing_mandatory(
                &template_of(&body)?,
                loaded.row.enterprise_type.as_deref(),
                loaded.row.msme_category.is_some(),
                &ticked_codes(&ticks),
            );
            if !missing.is_empty() {
                return Err(ApiError::Validation(
                    missing
                        .into_iter()
                        .map(|code| {
                            FieldError::new(
                                format!("checklist.{code}"),
                                "not_ticked",
                                "a mandatory checklist item is not ticked",
                            )
                        })
                        .collect(),
                ));
            }
            badge = Some(badge_for(
                loaded.row.msme_category.as_deref(),
                now,
                body.approval_validity_months,
            )?);
        }
        let mut update = diesel::update(sellers::table.find(id))
            .set((
                sellers::status.eq(to.as_str()),
                sellers::decided_at.eq(now),
                sellers::claimed_by.eq(None::<Uuid>),
                sellers::claim_expires_at.eq(None::<DateTime<Utc>>),
                sellers::version.eq(sellers::version + 1),
                sellers::updated_at.eq(now),
            ))
            .returning(SellerRow::as_returning())
            .get_result::<SellerRow>(conn)
            .await?;
        if let Some((kind, until)) = badge {
            update = diesel::update(sellers::table.find(id))
                .set((
                    sellers::valid_until.eq(until),
                    sellers::badge_kind.eq(kind.as_str()),
                    sellers::badge_issued_by.eq(body.id),
                    sellers::badge_issued_at.eq(now),
                    sellers::badge_valid_until.eq(until),
                ))
                .returning(SellerRow::as_returning())
                .get_result(conn)
                .await?;
        }
        finish(conn, &update, actor, action, from, to, codes, note).await
    })
    .await
}

/// Audit entry and event of a status change, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
async fn finish(
    conn: &mut AsyncPgConnection,
    row: &SellerRow,
    actor: &Actor,
    action: Action,
    from: SellerStatus,
    to: SellerStatus,
    codes: Vec<String>,
    note: Option<String>,
) -> ApiResult<DecisionOutcome> {
    append_audit_entry(
        conn,
        row,
        actor,
        action.audit_action(),
        Some(from),
        to,
        &codes,
        note.as_deref(),
    )
    .await?;
    publish(conn, row, action, from, &codes, note.as_deref()).await?;
    tracing::info!(seller = %row.id, action = %action.audit_action(), %from, %to, "vetting transition");
    Ok(DecisionOutcome {
        seller_id: public_id(row),
        action: action.audit_action(),
        from_status: from,
        status: to,
        reason_codes: codes,
        note,
        badge: badge_of(row)?,
        valid_until: row.valid_until,
    })
}

/// Suspends an approved seller or reinstates a suspended one: an officer of its body or an
/// admin.
pub async fn change_status(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    actor: &Actor,
    id: Uuid,
    action: Action,
    req: StatusChangeRequest,
) -> ApiResult<DecisionOutcome> {
    conn.transaction(async |conn| {
        let (loaded, body) = loaded_for(conn, principal, id, Need::OfficerOrAdmin, true).await?;
        let id = loaded.row.id;
        let from = status_of(&loaded.row)?;
        let to = transition(from, action)?;
        if action == Action::Reinstate {
            still_valid(loaded.row.valid_until, Utc::now())?;
            // Reinstating approves again: not while another seller holds the GSTIN approved.
            ensure_gstin_unclaimed(conn, &loaded.row).await?;
        }
        let (codes, note) = check_reasons(
            action,
            &req.reason_codes,
            req.note.as_deref(),
            &reasons_of(&body)?,
        )?;
        let row: SellerRow = diesel::update(sellers::table.find(id))
            .set((
                sellers::status.eq(to.as_str()),
                sellers::version.eq(sellers::version + 1),
                sellers::updated_at.eq(Utc::now()),
            ))
            .returning(SellerRow::as_returning())
            .get_result(conn)
            .await?;
        finish(conn, &row, actor, action, from, to, codes, note).await
    })
    .await
}

/// A suspended seller whose approval lapsed meanwhile is not reinstated: it must renew.
pub fn still_valid(valid_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> ApiResult<()> {
    match valid_until {
        Some(until) if until <= now => Err(ApiError::Conflict(format!(
            "the approval lapsed on {}; the seller must renew (submit again) instead",
            until.date_naive()
        ))),
        _ => Ok(()),
    }
}

/// Moves approved sellers whose approval has passed to `expired` (audit entry by the system,
/// `seller.expired` event), each in its own transaction. Returns how many expired.
pub async fn expire_due(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    let due: Vec<Uuid> = sellers::table
        .filter(sellers::status.eq(SellerStatus::Approved.as_str()))
        .filter(sellers::valid_until.lt(Utc::now()))
        .select(sellers::id)
        .order(sellers::id)
        .limit(1000)
        .load(conn)
        .await?;
    let mut expired = 0;
    for id in due {
        let done = conn
            .transaction(async |conn| {
                // Re-checked under the lock: a concurrent run or a suspension may have won.
                let row: Option<SellerRow> = sellers::table
                    .find(id)
                    .filter(sellers::status.eq(SellerStatus::Approved.as_str()))
                    .filter(sellers::valid_until.lt(Utc::now()))
                    .select(SellerRow::as_select())
                    .for_update()
                    .skip_locked()
                    .first(conn)
                    .await
                    .optional()?;
                let Some(row) = row else {
                    return Ok::<_, ApiError>(false);
                };
                let from = status_of(&row)?;
                let to = transition(from, Action::Expire)?;
                let row: SellerRow = diesel::update(sellers::table.find(id))
                    .set((
                        sellers::status.eq(to.as_str()),
                        sellers::version.eq(sellers::version + 1),
                        sellers::updated_at.eq(Utc::now()),
                    ))
                    .returning(SellerRow::as_returning())
                    .get_result(conn)
                    .await?;
                finish(
                    conn,
                    &row,
                    &Actor::system(),
                    Action::Expire,
                    from,
                    to,
                    Vec::new(),
                    None,
                )
                .await?;
                Ok(true)
            })
            .await?;
        expired += usize::from(done);
    }
    Ok(expired)
}

/// Admins run the hourly sweep now: expiry, then assignment of waiting applications.
pub async fn expire_now(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
) -> ApiResult<ExpiryRun> {
    principal.require(&[Role::Admin])?;
    Ok(ExpiryRun {
        expired: expire_due(conn).await?,
        assigned: assign_waiting(conn).await?,
    })
}

/// Assigns submitted applications still without a body (a body created while they were being
/// submitted may have missed them) to the best body of their jurisdiction (`pick_body`).
/// Set-based: one transaction of three statements for up to 1000 applications — lock the
/// waiting rows, read the candidate bodies, write every assignment at once.
pub async fn assign_waiting(conn: &mut AsyncPgConnection) -> ApiResult<usize> {
    conn.transaction(async |conn| {
        let waiting: Vec<(Uuid, String, Vec<String>)> = sellers::table
            .filter(sellers::vetting_body_id.is_null())
            .filter(sellers::status.eq(SellerStatus::Submitted.as_str()))
            .select((sellers::id, sellers::home_jurisdiction, sellers::sectors))
            .order(sellers::id)
            .limit(1000)
            .for_update()
            .skip_locked()
            .load(conn)
            .await?;
        if waiting.is_empty() {
            return Ok(0);
        }
        let mut jurisdictions: Vec<String> = waiting.iter().map(|(_, j, _)| j.clone()).collect();
        jurisdictions.sort_unstable();
        jurisdictions.dedup();
        let bodies: Vec<(String, Uuid, DateTime<Utc>, Vec<String>)> = vetting_bodies::table
            .filter(vetting_bodies::jurisdiction.eq_any(&jurisdictions))
            .select((
                vetting_bodies::jurisdiction,
                vetting_bodies::id,
                vetting_bodies::created_at,
                vetting_bodies::priority_sectors,
            ))
            .load(conn)
            .await?;
        let (ids, picked): (Vec<Uuid>, Vec<Uuid>) = waiting
            .iter()
            .filter_map(|(id, jurisdiction, sectors)| {
                let candidates: Vec<Candidate> = bodies
                    .iter()
                    .filter(|(j, ..)| j == jurisdiction)
                    .map(|(_, body, created_at, priority)| (*body, *created_at, priority.clone()))
                    .collect();
                pick_body(&candidates, sectors).map(|body| (*id, body))
            })
            .unzip();
        if ids.is_empty() {
            return Ok(0);
        }
        let assigned = diesel::sql_query(
            "UPDATE sellers SET vetting_body_id = a.body
             FROM unnest($1::uuid[], $2::uuid[]) AS a(id, body)
             WHERE sellers.id = a.id",
        )
        .bind::<Array<diesel::sql_types::Uuid>, _>(&ids)
        .bind::<Array<diesel::sql_types::Uuid>, _>(&picked)
        .execute(conn)
        .await?;
        Ok::<_, ApiError>(assigned)
    })
    .await
}

/// At start-up and hourly, until the server stops: expire lapsed approvals, assign waiting
/// applications.
pub async fn run_expiry(state: std::sync::Arc<crate::AppState>) {
    loop {
        match state.stores.platform().await {
            Ok(mut conn) => {
                match expire_due(&mut conn).await {
                    Ok(n) if n > 0 => tracing::info!(expired = n, "approvals expired"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "approval expiry failed"),
                }
                match assign_waiting(&mut conn).await {
                    Ok(n) if n > 0 => tracing::info!(assigned = n, "waiting applications assigned"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "assigning waiting applications failed"),
                }
            }
            Err(e) => tracing::warn!(error = %e, "approval expiry: no database connection"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Database work: the queue
// ---------------------------------------------------------------------------------------------

#[derive(QueryableByName)]
struct QueueRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    trading_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    legal_name: Option<String>,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Text>)]
    enterprise_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    msme_category: Option<String>,
    #[diesel(sql_type = Array<Text>)]
    sectors: Vec<String>,
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
    statuses: Vec<String>,
    sector: Option<String>,
    state: Option<String>,
    claimed_by_me: bool,
    sla_breached: Option<bool>,
    limit: i64,
    after: Option<QueueKey>,
}

fn parse_queue_query(q: &QueueQuery) -> ApiResult<QueueFilter> {
    let mut v = Validator::new();
    let statuses = match &q.status {
        None => vec![
            SellerStatus::Submitted.as_str().to_owned(),
            SellerStatus::UnderReview.as_str().to_owned(),
        ],
        Some(raw) => match SellerStatus::parse(raw) {
            Some(s) => vec![s.as_str().to_owned()],
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
            Some(s) => Some(s.as_str().to_owned()),
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
    let mut query = diesel::sql_query(
        "SELECT s.id, s.trading_name, s.legal_name, s.status, s.enterprise_type, s.msme_category,
                s.sectors, s.address_state, s.submitted_at, s.claimed_by, s.claim_expires_at,
                k.priority_rank, k.kind_rank
         FROM sellers s
         CROSS JOIN LATERAL (SELECT
             COALESCE((SELECT min(array_position($1::text[], x)) - 1 FROM unnest(s.sectors) x),
                      cardinality($1::text[]))::int4 AS priority_rank,
             (CASE WHEN s.enterprise_type = 'manufacturer' THEN 0 ELSE 1 END)::int4 AS kind_rank
         ) k
         WHERE s.vetting_body_id = $2 AND s.submitted_at IS NOT NULL AND s.status = ANY($3::text[])",
    )
    .into_boxed::<diesel::pg::Pg>()
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
    if let Some(state) = f.state {
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
            .bind::<diesel::sql_types::Uuid, _>(principal.user_id);
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
    query = query
        .sql(format!(
            " ORDER BY k.priority_rank, k.kind_rank, s.submitted_at, s.id LIMIT ${limit_at}"
        ))
        .bind::<diesel::sql_types::BigInt, _>(f.limit + 1);
    let mut rows: Vec<QueueRow> = query.load(conn).await?;
    let more = rows.len() as i64 > f.limit;
    rows.truncate(usize::try_from(f.limit).unwrap_or(0));
    let next_cursor = if more {
        rows.last().map(|r| {
            QueueKey {
                priority_rank: r.priority_rank,
                kind_rank: r.kind_rank,
                submitted_at: r.submitted_at,
                id: r.id,
            }
            .encode()
        })
    } else {
        None
    };
    let n_priority = body.priority_sectors.len() as i32;
    let items = rows
        .into_iter()
        .map(|r| {
            let status: SellerStatus = parse_stored("status", &r.status)?;
            Ok(QueueItem {
                seller_id: r.id,
                trading_name: r.trading_name,
                legal_name: r.legal_name,
                status,
                enterprise_type: parse_stored_opt("enterprise_type", r.enterprise_type.as_deref())?,
                msme_category: parse_stored_opt("msme_category", r.msme_category.as_deref())?,
                sectors: parse_stored_list("sector", &r.sectors)?,
                state: r.address_state,
                submitted_at: r.submitted_at,
                age_hours: age_hours(r.submitted_at, now),
                sla_breached: sla_breached(status, r.submitted_at, body.sla_hours, now),
                priority_sector: r.priority_rank < n_priority,
                claim: live_claim(r.claimed_by, r.claim_expires_at, now),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(QueuePage { items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn a_lapsed_approval_is_not_reinstated() {
        let now = Utc::now();
        assert!(still_valid(Some(now + chrono::Duration::days(1)), now).is_ok());
        assert!(matches!(
            still_valid(Some(now - chrono::Duration::seconds(1)), now),
            Err(ApiError::Conflict(_))
        ));
        assert!(still_valid(None, now).is_ok());
    }

    #[test]
    fn queue_order_is_priority_sector_then_manufacturer_then_oldest() {
        let priority = s(&["textiles", "handicrafts"]);
        let key = |sectors: &[&str], kind: &str, at: i64, id: u128| QueueKey {
            priority_rank: priority_rank(&priority, &s(sectors)),
            kind_rank: kind_rank(Some(kind)),
            submitted_at: t(at),
            id: Uuid::from_u128(id),
        };
        let mut keys = [
            key(&["leather"], "manufacturer", 0, 1),
            key(&["handicrafts"], "merchant_exporter", 5, 2),
            key(&["handicrafts"], "manufacturer", 9, 3),
            key(&["leather", "textiles"], "merchant_exporter", 7, 4),
            key(&["textiles"], "merchant_exporter", 3, 5),
            key(&["textiles"], "manufacturer", 8, 6),
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

    #[test]
    fn leases() {
        let (me, other, now) = (Uuid::now_v7(), Uuid::now_v7(), t(0));
        assert!(live_claim(Some(me), Some(t(-1)), now).is_none());
        assert!(live_claim(None, None, now).is_none());
        let mine = live_claim(Some(me), Some(t(60)), now);
        assert!(mine.is_some());
        assert!(may_claim(None, me).is_ok());
        assert!(may_claim(mine.as_ref(), me).is_ok());
        assert!(matches!(
            may_claim(mine.as_ref(), other),
            Err(ApiError::Conflict(_))
        ));
        assert!(ensure_holder(mine.as_ref(), me).is_ok());
        assert!(matches!(
            ensure_holder(mine.as_ref(), other),
            Err(ApiError::Conflict(_))
        ));
        assert!(matches!(
            ensure_holder(None, me),
            Err(ApiError::Conflict(_))
        ));
    }

    #[test]
    fn approval_needs_applicable_mandatory_items() {
        let template = default_checklist();
        let all = s(&[
            "gstin_verified",
            "iec_verified",
            "udyam_verified",
            "address_proof",
            "manufacturing_evidence",
        ]);
        assert!(missing_mandatory(&template, Some("manufacturer"), true, &all).is_empty());
        assert_eq!(
            missing_mandatory(&template, Some("manufacturer"), true, &all[..4]),
            ["manufacturing_evidence"]
        );
        // A trader needs no manufacturing evidence; a non-MSME no Udyam check.
        assert!(
            missing_mandatory(&template, Some("merchant_exporter"), true, &all[..4]).is_empty()
        );
        assert!(
            missing_mandatory(
                &template,
                Some("merchant_exporter"),
                false,
                &s(&["gstin_verified", "iec_verified", "address_proof"])
            )
            .is_empty()
        );
        assert_eq!(
            missing_mandatory(&template, Some("manufacturer"), false, &[]),
            [
                "gstin_verified",
                "iec_verified",
                "address_proof",
                "manufacturing_evidence"
            ]
        );
    }

    #[test]
    fn reason_codes_are_checked_by_kind() {
        let known = default_reason_codes();
        let fields = |r: ApiResult<(Vec<String>, Option<String>)>| match r {
            Err(ApiError::Validation(e)) => e.into_iter().map(|f| f.field).collect::<Vec<_>>(),
            other => panic!("expected validation, got {other:?}"),
        };
        assert_eq!(
            fields(check_reasons(Action::Reject, &[], Some("no"), &known)),
            ["reason_codes"]
        );
        assert_eq!(
            fields(check_reasons(
                Action::Reject,
                &s(&["document_illegible"]),
                Some("x"),
                &known
            )),
            ["reason_codes[0]"]
        );
        assert_eq!(
            fields(check_reasons(
                Action::RequestChanges,
                &s(&["nope"]),
                None,
                &known
            )),
            ["reason_codes[0]", "note"]
        );
        let (codes, note) = check_reasons(
            Action::RequestChanges,
            &s(&["document_illegible", "document_illegible"]),
            Some("  blurry  "),
            &known,
        )
        .unwrap();
        assert_eq!(codes, ["document_illegible"]);
        assert_eq!(note.as_deref(), Some("blurry"));
        assert!(check_reasons(Action::Approve, &[], None, &known).is_ok());
        assert!(check_reasons(Action::Suspend, &s(&["compliance_breach"]), None, &known).is_ok());
        assert_eq!(
            fields(check_reasons(Action::Reinstate, &[], None, &known)),
            ["note"]
        );
    }

    #[test]
    fn who_may_act_on_an_application() {
        let (seller_org, body, other_body) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let p = |role, organisation_id| Principal {
            user_id: Uuid::now_v7(),
            organisation_id,
            role,
        };
        let check = |who: &Principal, need| authorise(who, seller_org, Some(body), need);
        let status = |r: ApiResult<()>| match r {
            Ok(()) => 200,
            Err(ApiError::Forbidden(_)) => 403,
            Err(ApiError::NotFound) => 404,
            Err(other) => panic!("{other:?}"),
        };
        let officer = p(Role::VettingOfficer, body);
        let stranger = p(Role::VettingOfficer, other_body);
        let seller = p(Role::Seller, seller_org);
        let other_seller = p(Role::Seller, Uuid::now_v7());
        let buyer = p(Role::Buyer, Uuid::now_v7());
        let admin = p(Role::Admin, Uuid::now_v7());
        let auditor = p(Role::Auditor, Uuid::now_v7());
        for (who, officer_only, officer_or_admin, staff) in [
            (&officer, 200, 200, 200),
            (&stranger, 404, 404, 404),
            (&seller, 403, 403, 403),
            (&other_seller, 404, 404, 404),
            (&buyer, 404, 404, 404),
            (&admin, 403, 200, 200),
            (&auditor, 403, 403, 200),
        ] {
            assert_eq!(status(check(who, Need::Officer)), officer_only, "{who:?}");
            assert_eq!(
                status(check(who, Need::OfficerOrAdmin)),
                officer_or_admin,
                "{who:?}"
            );
            assert_eq!(status(check(who, Need::Staff)), staff, "{who:?}");
        }
        // Unassigned applications are invisible to every officer.
        assert_eq!(
            status(authorise(&officer, seller_org, None, Need::Staff)),
            404
        );
    }

    #[test]
    fn the_badge_depends_on_msme_status() {
        let now = DateTime::parse_from_rfc3339("2026-01-31T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (kind, until) = badge_for(Some("small"), now, 12).unwrap();
        assert_eq!(kind, BadgeKind::VerifiedMsme);
        assert_eq!(until.to_rfc3339(), "2027-01-31T10:00:00+00:00");
        let (kind, until) = badge_for(None, now, 1).unwrap();
        assert_eq!(kind, BadgeKind::VerifiedExporter);
        assert_eq!(until.to_rfc3339(), "2026-02-28T10:00:00+00:00");
    }

    #[test]
    fn assignment_prefers_overlap_then_the_oldest_body() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let bodies = vec![
            (a, t(0), s(&["leather"])),
            (b, t(10), s(&["textiles", "handicrafts"])),
            (c, t(5), s(&["textiles"])),
        ];
        assert_eq!(
            pick_body(&bodies, &s(&["textiles", "handicrafts"])),
            Some(b)
        );
        assert_eq!(pick_body(&bodies, &s(&["textiles"])), Some(c));
        assert_eq!(pick_body(&bodies, &s(&["chemicals"])), Some(a));
        assert_eq!(pick_body(&[], &s(&["textiles"])), None);
    }

    #[test]
    fn bodies_are_validated() {
        let req = NewVettingBody {
            name: " ".into(),
            jurisdiction: "XX1".into(),
            priority_sectors: s(&["textiles", "toys"]),
            approval_validity_months: Some(0),
            sla_hours: None,
            checklist: Some(vec![
                item("ok", "Fine", true),
                item("ok", "", true),
                item("Bad", "x", false),
            ]),
            reason_codes: Some(vec![]),
        };
        let Err(ApiError::Validation(errors)) = parse_new_body(req) else {
            panic!("expected validation")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "jurisdiction",
                "priority_sectors[1]",
                "approval_validity_months",
                "checklist[1].code",
                "checklist[1].label",
                "checklist[2].code",
                "reason_codes",
            ]
        );
        let ok = parse_new_body(NewVettingBody {
            name: "SME Export Promotion Forum".into(),
            jurisdiction: "in".into(),
            priority_sectors: s(&["Textiles"]),
            approval_validity_months: None,
            sla_hours: None,
            checklist: None,
            reason_codes: None,
        })
        .unwrap();
        assert_eq!(ok.jurisdiction, "IN");
        assert_eq!(ok.priority_sectors, ["textiles"]);
        assert_eq!(ok.approval_validity_months, 12);
        assert_eq!(ok.sla_hours, 72);
        assert_eq!(ok.checklist, default_checklist());
    }
}
