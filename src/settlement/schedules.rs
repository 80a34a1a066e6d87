//! Versioned fee schedules: uploaded by admins, validated, never edited; the one in force is
//! the newest whose `effective_from` has passed. The built-in default (from the reference
//! figures) is version 1 on a fresh database.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::defaults::default_fee_schedule;
use super::engine::{FeeSchedule, parse_fee_schedule};
use crate::db::schema::fee_schedules as fs;
use crate::error::{ApiError, ApiResult, FieldError};

/// Identifies the schedule an estimate used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScheduleRef {
    pub id: Uuid,
    pub version: i32,
    pub label: String,
    pub effective_from: DateTime<Utc>,
}

/// A fee schedule version with its document.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FeeScheduleView {
    #[serde(flatten)]
    pub reference: ScheduleRef,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    /// Whether this is the version in force now.
    pub in_force: bool,
    pub schedule: FeeSchedule,
}

/// Upload of a new version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFeeSchedule {
    #[schema(example = "2026-12 bank fee revision")]
    pub label: String,
    /// Defaults to now; may be in the future (scheduled change), not in the past.
    pub effective_from: Option<DateTime<Utc>>,
    /// The schedule document (validated as a whole; every problem is reported).
    #[schema(value_type = FeeSchedule)]
    pub schedule: serde_json::Value,
}

/// A stored version as selected: the row `view` turns into a [`FeeScheduleView`].
#[derive(Queryable, Selectable)]
#[diesel(table_name = fs, check_for_backend(diesel::pg::Pg))]
struct Row {
    id: Uuid,
    version: i32,
    label: String,
    effective_from: DateTime<Utc>,
    document: serde_json::Value,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

fn view(row: Row, in_force_id: Option<Uuid>) -> ApiResult<FeeScheduleView> {
    let Row {
        id,
        version,
        label,
        effective_from,
        document,
        created_by,
        created_at,
    } = row;
    let schedule: FeeSchedule = serde_json::from_value(document).map_err(|e| {
        ApiError::internal(format!("stored fee schedule {version} unreadable: {e}"))
    })?;
    Ok(FeeScheduleView {
        reference: ScheduleRef {
            id,
            version,
            label,
            effective_from,
        },
        created_at,
        created_by,
        in_force: in_force_id == Some(id),
        schedule,
    })
}

/// Inserts the built-in default as version 1 when no schedule exists (idempotent).
pub async fn ensure_default(conn: &mut AsyncPgConnection) -> ApiResult<()> {
    let schedule = default_fee_schedule();
    let document = serde_json::to_value(&schedule).map_err(ApiError::internal)?;
    diesel::insert_into(fs::table)
        .values((
            fs::id.eq(Uuid::now_v7()),
            fs::version.eq(1),
            fs::label.eq("Reference defaults (shared/reference/settlement.md)"),
            fs::effective_from.eq(DateTime::<Utc>::UNIX_EPOCH),
            fs::document.eq(document),
        ))
        .on_conflict(fs::version)
        .do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// The schedule in force at `at`.
pub async fn in_force(
    conn: &mut AsyncPgConnection,
    at: DateTime<Utc>,
) -> ApiResult<(ScheduleRef, FeeSchedule)> {
    let row: Option<Row> = fs::table
        .filter(fs::effective_from.le(at))
        .order((fs::effective_from.desc(), fs::version.desc()))
        .select(Row::as_select())
        .first(conn)
        .await
        .optional()?;
    let row = row.ok_or_else(|| ApiError::Unavailable("no fee schedule is in force".into()))?;
    let id = row.id;
    let v = view(row, Some(id))?;
    Ok((v.reference, v.schedule))
}

/// The version in force now, as listed.
pub async fn current(conn: &mut AsyncPgConnection) -> ApiResult<FeeScheduleView> {
    let (reference, _) = in_force(conn, Utc::now()).await?;
    get(conn, reference.version).await
}

async fn in_force_id(conn: &mut AsyncPgConnection) -> ApiResult<Option<Uuid>> {
    Ok(fs::table
        .filter(fs::effective_from.le(Utc::now()))
        .order((fs::effective_from.desc(), fs::version.desc()))
        .select(fs::id)
        .first(conn)
        .await
        .optional()?)
}

pub async fn list(conn: &mut AsyncPgConnection) -> ApiResult<Vec<FeeScheduleView>> {
    let current = in_force_id(conn).await?;
    let rows: Vec<Row> = fs::table
        .order(fs::version.desc())
        .select(Row::as_select())
        .limit(200)
        .load(conn)
        .await?;
    rows.into_iter().map(|r| view(r, current)).collect()
}

pub async fn get(conn: &mut AsyncPgConnection, version: i32) -> ApiResult<FeeScheduleView> {
    let current = in_force_id(conn).await?;
    let row: Row = fs::table
        .filter(fs::version.eq(version))
        .select(Row::as_select())
        .first(conn)
        .await?;
    view(row, current)
}

/// Validates and stores a new version (numbered under a lock so versions are gapless).
pub async fn create(
    conn: &mut AsyncPgConnection,
    created_by: Uuid,
    req: NewFeeSchedule,
) -> ApiResult<FeeScheduleView> {
    let now = Utc::now();
    let mut errors: Vec<FieldError> = Vec::new();
    let label = req.label.trim().to_owned();
    if label.is_empty() || label.chars().count() > 200 {
        errors.push(FieldError::new(
            "label",
            "invalid",
            "must be 1 to 200 characters",
        ));
    }
    let effective_from = req.effective_from.unwrap_or(now);
    if effective_from < now - chrono::Duration::minutes(5) {
        errors.push(FieldError::new(
            "effective_from",
            "in_past",
            "must not be in the past: estimates already made keep the version they used",
        ));
    }
    let schedule = match parse_fee_schedule(&req.schedule) {
        Ok(s) => Some(s),
        Err(problems) => {
            errors.extend(problems.into_iter().map(|p| {
                let field = if p.field.is_empty() {
                    "schedule".to_owned()
                } else {
                    format!("schedule.{}", p.field)
                };
                FieldError::new(field, "invalid", p.message)
            }));
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let schedule =
        schedule.ok_or_else(|| ApiError::internal("schedule missing after validation"))?;
    let document = serde_json::to_value(&schedule).map_err(ApiError::internal)?;
    let id = Uuid::now_v7();
    conn.transaction(async |conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('fee_schedules.version'))")
            .execute(conn)
            .await?;
        let max: Option<i32> = fs::table
            .select(diesel::dsl::max(fs::version))
            .first(conn)
            .await?;
        diesel::insert_into(fs::table)
            .values((
                fs::id.eq(id),
                fs::version.eq(max.unwrap_or(0) + 1),
                fs::label.eq(&label),
                fs::effective_from.eq(effective_from),
                fs::document.eq(&document),
                fs::created_by.eq(Some(created_by)),
            ))
            .execute(conn)
            .await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    let version: i32 = fs::table.find(id).select(fs::version).first(conn).await?;
    get(conn, version).await
}
