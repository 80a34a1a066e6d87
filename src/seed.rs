//! Deterministic, idempotent demo data for local runs (`exportbridge seed`).

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::auth::api::{CreateUserRequest, NewOrganisation, RegisterRequest, SelfServiceKind};
use crate::auth::{Role, service};
use crate::config::{Config, Mode};
use crate::db::schema::users;
use crate::db::{self, PgConn};

/// The password of every demo account (dev mode only).
pub const DEMO_PASSWORD: &str = "exportbridge-demo";

pub async fn run(config: &Config) -> Result<(), String> {
    if config.mode == Mode::Production {
        return Err("demo data is for dev mode only".into());
    }
    let stores = db::Stores::from_config(config)?;
    let mut conn = stores.platform().await.map_err(|e| e.to_string())?;
    seed_staff(
        &mut conn,
        "admin@exportbridge.local",
        "Asha Admin",
        Role::Admin,
    )
    .await?;
    seed_staff(
        &mut conn,
        "auditor@exportbridge.local",
        "Arun Auditor",
        Role::Auditor,
    )
    .await?;
    let orgs = [
        (
            "seller@tiruppur-knits.example",
            "Lakshmi Narayanan",
            SelfServiceKind::Seller,
            "Tiruppur Knitwear Exports",
            "IN",
        ),
        (
            "seller@moradabad-brass.example",
            "Imran Qureshi",
            SelfServiceKind::Seller,
            "Moradabad Brass Handicrafts",
            "IN",
        ),
        (
            "buyer@shenzhen-trading.example",
            "Chen Wei",
            SelfServiceKind::Buyer,
            "Shenzhen Harbour Trading Co.",
            "CN",
        ),
        (
            "buyer@nairobi-imports.example",
            "Wanjiru Kamau",
            SelfServiceKind::Buyer,
            "Nairobi Home Imports",
            "KE",
        ),
    ];
    for (email, name, kind, org, country) in orgs {
        if exists(&mut conn, email).await? {
            continue;
        }
        let req = RegisterRequest {
            email: email.into(),
            password: DEMO_PASSWORD.into(),
            full_name: name.into(),
            organisation: NewOrganisation {
                kind,
                name: org.into(),
                country_code: country.into(),
            },
        };
        service::register(&mut conn, config, req)
            .await
            .map_err(|e| format!("seeding {email}: {e}"))?;
    }
    tracing::info!(
        password = DEMO_PASSWORD,
        "demo data ready (admin@exportbridge.local and others)"
    );
    Ok(())
}

async fn exists(conn: &mut PgConn, email: &str) -> Result<bool, String> {
    diesel::select(diesel::dsl::exists(
        users::table.filter(users::email.eq(email)),
    ))
    .get_result(conn)
    .await
    .map_err(|e| e.to_string())
}

async fn seed_staff(conn: &mut PgConn, email: &str, name: &str, role: Role) -> Result<(), String> {
    if exists(conn, email).await? {
        return Ok(());
    }
    let req = CreateUserRequest {
        email: email.into(),
        password: DEMO_PASSWORD.into(),
        full_name: name.into(),
        role,
        organisation_id: None,
    };
    let (staff, org) = service::check_staff_request(conn, &req)
        .await
        .map_err(|e| format!("seeding {email}: {e}"))?;
    service::create_staff(conn, staff, role, &org)
        .await
        .map_err(|e| format!("seeding {email}: {e}"))?;
    Ok(())
}
