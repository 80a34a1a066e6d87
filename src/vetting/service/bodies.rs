//! Vetting bodies: their defaults (checklist, reason codes, validity, SLA), checking a new body,
//! creating one (with its organisation), and reading them.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::auth::{OrganisationKind, Principal, Role};
use crate::db::schema::{organisations, sellers, vetting_bodies, vetting_body_versions};
use crate::error::{ApiError, ApiResult, Validator};
use crate::http::{Direction, IfMatch, Json, PageParams, etag};
use crate::idempotency::{self, Created, Idempotency};
use crate::identifiers::CountryCode;
use crate::sellers::api::{EnterpriseType, Sector, SellerStatus};
use crate::vetting::api::*;
use crate::vetting::model::VettingBodyRow;
use crate::vocabulary::Vocabulary;

/// How long a claim lasts; claiming again renews it.
pub const DEFAULT_VALIDITY_MONTHS: i32 = 12;

pub const DEFAULT_SLA_HOURS: i32 = 72;

/// Caps on the lists of requests (also `max_items` in the schema), checked before their items.
pub const MAX_TEMPLATE_ITEMS: usize = 50;

pub const MAX_PRIORITY_SECTORS: usize = 9;

pub const MAX_APPLIES_TO: usize = 3;

/// A template item for every seller, before the overrides.
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

/// A reason code of the defaults.
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

/// A checked `NewVettingBody`.
#[derive(Debug, Clone)]
pub struct CheckedBody {
    pub name: String,
    pub jurisdiction: String,
    pub priority_sectors: Vec<Sector>,
    pub approval_validity_months: i32,
    pub sla_hours: i32,
    pub checklist: Vec<ChecklistItemTemplate>,
    pub reason_codes: Vec<ReasonCode>,
}

/// A code: lower-case letters, digits and `_`, starting with a letter, at most 64.
fn code_ok(code: &str) -> bool {
    let mut chars = code.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && code.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A label: 1 to 200 characters once trimmed, no control characters.
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
    let priority_sectors = check_sectors(&mut v, req.priority_sectors);
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
    check_checklist(&mut v, &checklist);
    let reason_codes = req.reason_codes.unwrap_or_else(default_reason_codes);
    let entries = reason_codes
        .iter()
        .map(|r| (r.code.as_str(), r.label.as_str()));
    check_entries(&mut v, "reason_codes", "codes", entries);
    v.finish()?;
    Ok(CheckedBody {
        name,
        jurisdiction,
        priority_sectors,
        approval_validity_months: months,
        sla_hours,
        checklist: checklist.into_iter().map(trim_item).collect(),
        reason_codes: reason_codes.into_iter().map(trim_reason).collect(),
    })
}

/// The priority sectors, capped, each a known sector (lower-cased), without repeats.
fn check_sectors(v: &mut Validator, raw: Vec<String>) -> Vec<Sector> {
    let mut sectors: Vec<Sector> = Vec::new();
    let sectors_in = v.cap_list("priority_sectors", raw, MAX_PRIORITY_SECTORS);
    for (i, raw) in sectors_in.iter().enumerate() {
        match Sector::parse(&raw.trim().to_ascii_lowercase()) {
            Some(s) if !sectors.contains(&s) => sectors.push(s),
            Some(_) => {}
            None => v.push(
                &format!("priority_sectors[{i}]"),
                "invalid",
                format!("must be one of: {}", Sector::expected()),
            ),
        }
    }
    sectors
}

/// The checklist's entries, then (within the cap) each item's `applies_to` list.
fn check_checklist(v: &mut Validator, checklist: &[ChecklistItemTemplate]) {
    let entries = checklist
        .iter()
        .map(|it| (it.code.as_str(), it.label.as_str()));
    check_entries(v, "checklist", "items", entries);
    if checklist.len() > MAX_TEMPLATE_ITEMS {
        return;
    }
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

/// A checked item as stored: its label trimmed, an empty `applies_to` as none.
fn trim_item(it: ChecklistItemTemplate) -> ChecklistItemTemplate {
    ChecklistItemTemplate {
        label: it.label.trim().to_owned(),
        applies_to: it.applies_to.filter(|a| !a.is_empty()),
        ..it
    }
}

/// A checked reason code as stored: its label trimmed.
fn trim_reason(r: ReasonCode) -> ReasonCode {
    ReasonCode {
        label: r.label.trim().to_owned(),
        ..r
    }
}

/// A stored body as the API shows it.
pub fn body_view(row: &VettingBodyRow) -> ApiResult<VettingBody> {
    Ok(VettingBody {
        id: row.id,
        name: row.name.clone(),
        jurisdiction: row.jurisdiction.clone(),
        priority_sectors: row.priority_sectors.clone(),
        approval_validity_months: row.approval_validity_months,
        sla_hours: row.sla_hours,
        checklist: template_of(row)?,
        reason_codes: reasons_of(row)?,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The body's checklist template.
pub(super) fn template_of(row: &VettingBodyRow) -> ApiResult<Vec<ChecklistItemTemplate>> {
    serde_json::from_value(row.checklist.clone()).map_err(ApiError::internal)
}

/// The body's reason codes.
pub(super) fn reasons_of(row: &VettingBodyRow) -> ApiResult<Vec<ReasonCode>> {
    serde_json::from_value(row.reason_codes.clone()).map_err(ApiError::internal)
}

/// Creates a body and its organisation (once per `Idempotency-Key`); sellers of its
/// jurisdiction that submitted while no body served it are assigned to it.
pub async fn create_body(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    key: &Idempotency,
    req: Json<NewVettingBody>,
) -> ApiResult<(Created, bool)> {
    principal.require(&[Role::Admin])?;
    let Json { value, fingerprint } = req;
    let body = parse_new_body(value)?;
    let identity = key.identity(principal.user_id, &fingerprint);
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
        version: 1,
        updated_at: None,
    };
    diesel::insert_into(vetting_bodies::table)
        .values(&row)
        .execute(conn)
        .await?;
    insert_version(conn, &row, None).await?;
    diesel::update(
        sellers::table
            .filter(sellers::vetting_body_id.is_null())
            .filter(sellers::status.eq(SellerStatus::Submitted))
            .filter(sellers::home_jurisdiction.eq(&body.jurisdiction)),
    )
    .set(sellers::vetting_body_id.eq(id))
    .execute(conn)
    .await?;
    Ok(row)
}

/// Keeps the checklist template and reason codes of `row`'s version.
async fn insert_version(
    conn: &mut AsyncPgConnection,
    row: &VettingBodyRow,
    by: Option<Uuid>,
) -> ApiResult<()> {
    diesel::insert_into(vetting_body_versions::table)
        .values((
            vetting_body_versions::body_id.eq(row.id),
            vetting_body_versions::version.eq(row.version),
            vetting_body_versions::checklist.eq(&row.checklist),
            vetting_body_versions::reason_codes.eq(&row.reason_codes),
            vetting_body_versions::created_by.eq(by),
            vetting_body_versions::home_jurisdiction.eq(&row.home_jurisdiction),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// `row` with the checklist template and reason codes of `version` (an application's), when it
/// is given and not the current one.
pub(super) async fn as_of_version(
    conn: &mut AsyncPgConnection,
    row: VettingBodyRow,
    version: Option<i32>,
) -> ApiResult<VettingBodyRow> {
    let Some(version) = version.filter(|v| *v != row.version) else {
        return Ok(row);
    };
    let (checklist, reason_codes): (serde_json::Value, serde_json::Value) =
        vetting_body_versions::table
            .find((row.id, version))
            .select((
                vetting_body_versions::checklist,
                vetting_body_versions::reason_codes,
            ))
            .first(conn)
            .await?;
    Ok(VettingBodyRow {
        checklist,
        reason_codes,
        version,
        ..row
    })
}

/// An admin's edit of a body, conditional on `If-Match` (its `version`): a new version whose
/// checklist and reason codes apply to applications claimed from now on. Returns the body.
pub async fn update_body(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    req: VettingBodyUpdate,
) -> ApiResult<VettingBody> {
    principal.require(&[Role::Admin])?;
    conn.transaction(async |conn| {
        let current: VettingBodyRow = vetting_bodies::table
            .find(id)
            .select(VettingBodyRow::as_select())
            .for_update()
            .first(conn)
            .await?;
        if_match.require(&etag(current.version))?;
        let checked = parse_new_body(NewVettingBody {
            name: req.name,
            jurisdiction: current.jurisdiction.clone(),
            priority_sectors: req.priority_sectors,
            approval_validity_months: Some(req.approval_validity_months),
            sla_hours: Some(req.sla_hours),
            checklist: Some(req.checklist),
            reason_codes: Some(req.reason_codes),
        })?;
        let row = VettingBodyRow {
            name: checked.name,
            priority_sectors: checked.priority_sectors,
            approval_validity_months: checked.approval_validity_months,
            sla_hours: checked.sla_hours,
            checklist: serde_json::to_value(&checked.checklist).map_err(ApiError::internal)?,
            reason_codes: serde_json::to_value(&checked.reason_codes)
                .map_err(ApiError::internal)?,
            version: current.version + 1,
            updated_at: Some(Utc::now()),
            ..current
        };
        diesel::update(vetting_bodies::table.find(id))
            .set((
                vetting_bodies::name.eq(&row.name),
                vetting_bodies::priority_sectors.eq(&row.priority_sectors),
                vetting_bodies::approval_validity_months.eq(row.approval_validity_months),
                vetting_bodies::sla_hours.eq(row.sla_hours),
                vetting_bodies::checklist.eq(&row.checklist),
                vetting_bodies::reason_codes.eq(&row.reason_codes),
                vetting_bodies::version.eq(row.version),
                vetting_bodies::updated_at.eq(row.updated_at),
            ))
            .execute(conn)
            .await?;
        diesel::update(organisations::table.find(id))
            .set((
                organisations::name.eq(&row.name),
                organisations::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        insert_version(conn, &row, Some(principal.user_id)).await?;
        body_view(&row)
    })
    .await
}

/// Admins, auditors and vetting officers read bodies.
fn may_read_bodies(principal: &Principal) -> ApiResult<()> {
    principal.require(&[Role::Admin, Role::Auditor, Role::VettingOfficer])
}

/// Admins and auditors see every body; officers their own.
pub async fn list_bodies(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    page: &PageParams,
) -> ApiResult<VettingBodyPage> {
    may_read_bodies(principal)?;
    let keyset = page.keyset(Direction::OldestFirst)?;
    let mut query = keyset.apply(
        vetting_bodies::table
            .select(VettingBodyRow::as_select())
            .into_boxed(),
        vetting_bodies::id,
    );
    if principal.role == Role::VettingOfficer {
        query = query.filter(vetting_bodies::id.eq(principal.organisation_id));
    }
    let rows: Vec<VettingBodyRow> = query.load(conn).await?;
    let items = rows.iter().map(body_view).collect::<ApiResult<Vec<_>>>()?;
    let page = keyset.page(items, |b| b.id);
    Ok(VettingBodyPage {
        items: page.items,
        next_cursor: page.next_cursor,
    })
}

/// One body: admins and auditors any, officers their own (another body is not found).
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

/// The stored body `id`.
pub(super) async fn body_row(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<VettingBodyRow> {
    Ok(vetting_bodies::table
        .find(id)
        .select(VettingBodyRow::as_select())
        .first(conn)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vetting::service::testing::s;

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
        assert_eq!(ok.priority_sectors, [Sector::Textiles]);
        assert_eq!(ok.approval_validity_months, 12);
        assert_eq!(ok.sla_hours, 72);
        assert_eq!(ok.checklist, default_checklist());
    }
}
