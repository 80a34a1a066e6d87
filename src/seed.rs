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
    seed_rates(&mut conn).await?;
    crate::settlement::schedules::ensure_default(&mut conn)
        .await
        .map_err(|e| format!("seeding the fee schedule: {e}"))?;
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

/// Demo mid rates, only when there are none (a real deployment posts or fetches its own).
async fn seed_rates(conn: &mut PgConn) -> Result<(), String> {
    use crate::settlement::fx;
    if !fx::latest(conn)
        .await
        .map_err(|e| e.to_string())?
        .is_empty()
    {
        return Ok(());
    }
    let demo = [
        ("USD", "INR", "84.00"),
        ("USD", "CNY", "7.20"),
        ("EUR", "INR", "90.50"),
        ("GBP", "INR", "106.20"),
        ("SGD", "INR", "62.40"),
        ("AED", "INR", "22.87"),
        ("SAR", "INR", "22.40"),
        ("MYR", "INR", "18.90"),
        ("THB", "INR", "2.45"),
        ("IDR", "INR", "0.0053"),
        ("VND", "INR", "0.0033"),
        ("KES", "INR", "0.65"),
        ("NGN", "INR", "0.054"),
        ("ZAR", "INR", "4.60"),
        ("JPY", "INR", "0.56"),
    ];
    let inputs: Vec<fx::RateInput> = demo
        .iter()
        .map(|(b, q, r)| {
            Ok(fx::RateInput {
                base: (*b).into(),
                quote: (*q).into(),
                rate: r.parse().map_err(|e| format!("{e}"))?,
                as_of: None,
            })
        })
        .collect::<Result<_, String>>()?;
    let checked =
        fx::check_rates(&inputs, "rates", chrono::Utc::now()).map_err(|e| e.to_string())?;
    fx::record(conn, checked, "seed", None)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}
