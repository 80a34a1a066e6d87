//! Decisions on applications (approve, reject, request changes) and status changes of approved
//! sellers (suspend, reinstate): their reason codes and notes, the approval preconditions and
//! the badge. Each is one transaction: the seller row (locked), its audit entry and the event.

use chrono::{DateTime, Months, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::application::{Need, loaded_for};
use super::bodies::{reasons_of, template_of};
use super::checklist::{missing_mandatory, ticked_codes, ticks_of};
use super::claims::ensure_holder;
use crate::auth::Principal;
use crate::db::schema::sellers;
use crate::error::{ApiError, ApiResult, FieldError, Validator};
use crate::sellers::api::{BadgeKind, MsmeCategory, SellerStatus};
use crate::sellers::lifecycle::{self, Action, Actor, Transition, TransitionColumns, transition};
use crate::sellers::model::{SellerRow, badge_of, public_id};
use crate::vetting::api::*;
use crate::vetting::model::VettingBodyRow;

pub const MAX_DECISION_REASONS: usize = 20;

/// The longest note on a decision or status change, in characters.
const MAX_NOTE: usize = 4000;

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
    msme_category: Option<MsmeCategory>,
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
        .filter(sellers::status.eq(SellerStatus::Approved))
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

/// The lifecycle action of a decision.
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
        let now = Utc::now();
        // The status first: deciding an application that is already decided says so, rather
        // than asking for a claim that could not help.
        transition(loaded.row.status, action)?;
        ensure_holder(loaded.claim(now).as_ref(), principal.user_id)?;
        let known = reasons_of(&body)?;
        let (codes, note) = check_reasons(action, &req.reason_codes, req.note.as_deref(), &known)?;
        let mut columns = TransitionColumns {
            decided_at: Some(now),
            claimed_by: Some(None),
            claim_expires_at: Some(None),
            ..TransitionColumns::default()
        };
        if action == Action::Approve {
            let (kind, until) = approval_badge(conn, &loaded.row, &body, now).await?;
            columns.valid_until = Some(until);
            columns.badge_kind = Some(kind);
            columns.badge_issued_by = Some(body.id);
            columns.badge_issued_at = Some(now);
            columns.badge_valid_until = Some(until);
        }
        let change = Transition {
            reason_codes: &codes,
            note: note.as_deref(),
            columns,
            ..Transition::new(action, actor)
        };
        let row = lifecycle::record(conn, &loaded.row, change).await?;
        Ok(outcome(&row, action, loaded.row.status, codes, note))
    })
    .await
}

/// What a decision or status change answers: the seller after it, where it came from and why.
fn outcome(
    row: &SellerRow,
    action: Action,
    from: SellerStatus,
    reason_codes: Vec<String>,
    note: Option<String>,
) -> DecisionOutcome {
    DecisionOutcome {
        seller_id: public_id(row),
        action: action.audit_action(),
        from_status: from,
        status: row.status,
        reason_codes,
        note,
        badge: badge_of(row),
        valid_until: row.valid_until,
    }
}

/// What an approval needs — no other approved seller with the GSTIN, every applicable
/// mandatory checklist item ticked — and the badge it then grants.
async fn approval_badge(
    conn: &mut AsyncPgConnection,
    row: &SellerRow,
    body: &VettingBodyRow,
    now: DateTime<Utc>,
) -> ApiResult<(BadgeKind, DateTime<Utc>)> {
    ensure_gstin_unclaimed(conn, row).await?;
    let ticks = ticks_of(conn, row.id).await?;
    let missing = missing_mandatory(
        &template_of(body)?,
        row.enterprise_type,
        row.msme_category.is_some(),
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
    badge_for(row.msme_category, now, body.approval_validity_months)
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
        transition(loaded.row.status, action)?;
        if action == Action::Reinstate {
            still_valid(loaded.row.valid_until, Utc::now())?;
            // Reinstating approves again: not while another seller holds the GSTIN approved.
            ensure_gstin_unclaimed(conn, &loaded.row).await?;
        }
        let known = reasons_of(&body)?;
        let (codes, note) = check_reasons(action, &req.reason_codes, req.note.as_deref(), &known)?;
        let change = Transition {
            reason_codes: &codes,
            note: note.as_deref(),
            ..Transition::new(action, actor)
        };
        let row = lifecycle::record(conn, &loaded.row, change).await?;
        Ok(outcome(&row, action, loaded.row.status, codes, note))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vetting::service::default_reason_codes;
    use crate::vetting::service::testing::s;

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
    fn the_badge_depends_on_msme_status() {
        let now = DateTime::parse_from_rfc3339("2026-01-31T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (kind, until) = badge_for(Some(MsmeCategory::Small), now, 12).unwrap();
        assert_eq!(kind, BadgeKind::VerifiedMsme);
        assert_eq!(until.to_rfc3339(), "2027-01-31T10:00:00+00:00");
        let (kind, until) = badge_for(None, now, 1).unwrap();
        assert_eq!(kind, BadgeKind::VerifiedExporter);
        assert_eq!(until.to_rfc3339(), "2026-02-28T10:00:00+00:00");
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
}
