//! Database rows of the vetting tables.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{vetting_bodies, vetting_checklist};
use crate::sellers::api::Sector;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = vetting_bodies, check_for_backend(diesel::pg::Pg))]
pub struct VettingBodyRow {
    pub id: Uuid,
    pub name: String,
    pub jurisdiction: String,
    pub priority_sectors: Vec<Sector>,
    pub approval_validity_months: i32,
    pub sla_hours: i32,
    pub checklist: serde_json::Value,
    pub reason_codes: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub home_jurisdiction: String,
    pub version: i32,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = vetting_checklist, check_for_backend(diesel::pg::Pg))]
pub struct ChecklistRow {
    pub seller_id: Uuid,
    pub item_code: String,
    pub ticked: bool,
    pub note: Option<String>,
    pub ticked_by: Uuid,
    pub ticked_at: DateTime<Utc>,
    pub home_jurisdiction: String,
}
