//! Deterministic, idempotent demo data for local runs (`exportbridge seed`), and a generated
//! catalogue of any size for benchmarks (`exportbridge seed --sellers N --listings M`).

pub mod catalogue;
mod demo_listings;
mod demo_rfqs;
pub mod eval;
mod load;
pub mod vocab;

pub use load::{CatalogueSize, LoadSummary, load_catalogue};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use diesel_async::AsyncConnection;

use crate::auth::api::{CreateUserRequest, NewOrganisation, RegisterRequest, SelfServiceKind};
use crate::auth::{Principal, Role, service};
use crate::config::{Config, Mode};
use crate::db::schema::sellers as sellers_table;
use crate::db::schema::{memberships, users, vetting_bodies};
use crate::db::{self, PgConn};
use crate::http::IfMatch;
use crate::idempotency::Idempotency;
use crate::identifiers::Gstin;
use crate::sellers::api::{
    AddressInput, ContactInput, PayoutAccountRequest, ProfileRequest, SellerStatus,
};
use crate::sellers::lifecycle::{Action, Actor};
use crate::sellers::storage::{self, UploadForm};
use crate::vetting::api::{
    DecisionKind, DecisionRequest, NewVettingBody, StatusChangeRequest, TickRequest,
};
use crate::{sellers, vetting};

/// The password of every demo account (dev mode only).
pub const DEMO_PASSWORD: &str = "exportbridge-demo";

/// The demo accounts that sign up themselves: (email, person, kind, organisation, country).
const DEMO_ORGANISATIONS: [(&str, &str, SelfServiceKind, &str, &str); 4] = [
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

/// Fills a dev database with demo data; what exists already is left as it is.
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
    seed_organisations(config, &mut conn).await?;
    seed_vetting(config, &stores, &mut conn).await?;
    seed_rates(&mut conn).await?;
    crate::settlement::schedules::ensure_default(&mut conn)
        .await
        .map_err(|e| format!("seeding the fee schedule: {e}"))?;
    demo_listings::seed_listings(&mut conn).await?;
    demo_rfqs::seed_rfqs(config, &stores.platform, &mut conn).await?;
    tracing::info!(
        password = DEMO_PASSWORD,
        "demo data ready (admin@exportbridge.local and others)"
    );
    Ok(())
}

/// Registers the demo sellers and buyers of `DEMO_ORGANISATIONS`.
async fn seed_organisations(config: &Config, conn: &mut PgConn) -> Result<(), String> {
    for (email, name, kind, org, country) in DEMO_ORGANISATIONS {
        if exists(conn, email).await? {
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
        register_verified(conn, config, req)
            .await
            .map_err(|e| format!("seeding {email}: {e}"))?;
    }
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

// ---------------------------------------------------------------------------------------------
// Vetting: the SME forum, its officers, and sellers in every lifecycle state
// ---------------------------------------------------------------------------------------------

const FORUM: &str = "SME Export Promotion Forum";

/// A demo seller and the status the seed brings it to.
struct DemoSeller {
    email: &'static str,
    person: &'static str,
    trading_name: &'static str,
    legal_name: &'static str,
    state: &'static str,
    gst_code: &'static str,
    pan: &'static str,
    city: &'static str,
    postal_code: &'static str,
    sectors: &'static [&'static str],
    enterprise_type: &'static str,
    msme: Option<&'static str>,
    target: SellerStatus,
}

const DEMO_SELLERS: &[DemoSeller] = &[
    DemoSeller {
        email: "seller@ludhiana-knit-mills.example",
        person: "Harpreet Singh",
        trading_name: "Ludhiana Knit Mills",
        legal_name: "Ludhiana Knit Mills LLP",
        state: "PB",
        gst_code: "03",
        pan: "AAKFL1201M",
        city: "Ludhiana",
        postal_code: "141001",
        sectors: &["textiles"],
        enterprise_type: "manufacturer",
        msme: Some("small"),
        target: SellerStatus::Draft,
    },
    DemoSeller {
        email: "seller@jaipur-blue-pottery.example",
        person: "Meera Sharma",
        trading_name: "Jaipur Blue Pottery Works",
        legal_name: "Jaipur Blue Pottery Works",
        state: "RJ",
        gst_code: "08",
        pan: "AAJFB1202P",
        city: "Jaipur",
        postal_code: "302001",
        sectors: &["handicrafts"],
        enterprise_type: "manufacturer",
        msme: Some("micro"),
        target: SellerStatus::Submitted,
    },
    DemoSeller {
        email: "seller@bengaluru-circuits.example",
        person: "Karthik Rao",
        trading_name: "Bengaluru Circuit Components",
        legal_name: "Bengaluru Circuit Components Private Limited",
        state: "KA",
        gst_code: "29",
        pan: "AABCB1203K",
        city: "Bengaluru",
        postal_code: "560058",
        sectors: &["electronics_components"],
        enterprise_type: "manufacturer",
        msme: Some("small"),
        target: SellerStatus::UnderReview,
    },
    DemoSeller {
        email: "seller@kolkata-jute-crafts.example",
        person: "Ananya Bose",
        trading_name: "Kolkata Jute Crafts",
        legal_name: "Kolkata Jute Crafts",
        state: "WB",
        gst_code: "19",
        pan: "AAKFJ1204B",
        city: "Kolkata",
        postal_code: "700001",
        sectors: &["handicrafts", "textiles"],
        enterprise_type: "merchant_exporter",
        msme: Some("micro"),
        target: SellerStatus::ChangesRequested,
    },
    DemoSeller {
        email: "seller@tiruppur-cotton.example",
        person: "Senthil Kumar",
        trading_name: "Tiruppur Cotton Exports",
        legal_name: "Tiruppur Cotton Exports Private Limited",
        state: "TN",
        gst_code: "33",
        pan: "AABCT1205C",
        city: "Tiruppur",
        postal_code: "641601",
        sectors: &["textiles"],
        enterprise_type: "manufacturer",
        msme: Some("small"),
        target: SellerStatus::Approved,
    },
    DemoSeller {
        email: "seller@mumbai-chem-trading.example",
        person: "Rohan Mehta",
        trading_name: "Mumbai Chemicals Trading",
        legal_name: "Mumbai Chemicals Trading Private Limited",
        state: "MH",
        gst_code: "27",
        pan: "AABCM1206H",
        city: "Mumbai",
        postal_code: "400001",
        sectors: &["chemicals"],
        enterprise_type: "merchant_exporter",
        msme: None,
        target: SellerStatus::Rejected,
    },
    DemoSeller {
        email: "seller@surat-gems.example",
        person: "Nirav Patel",
        trading_name: "Surat Gems Exports",
        legal_name: "Surat Gems Exports Private Limited",
        state: "GJ",
        gst_code: "24",
        pan: "AABCS1207G",
        city: "Surat",
        postal_code: "395003",
        sectors: &["gems_jewellery"],
        enterprise_type: "manufacturer",
        msme: Some("medium"),
        target: SellerStatus::Suspended,
    },
    DemoSeller {
        email: "seller@moradabad-brassware.example",
        person: "Farhan Ali",
        trading_name: "Moradabad Brassware House",
        legal_name: "Moradabad Brassware House",
        state: "UP",
        gst_code: "09",
        pan: "AAKFM1208A",
        city: "Moradabad",
        postal_code: "244001",
        sectors: &["handicrafts"],
        enterprise_type: "manufacturer",
        msme: Some("micro"),
        target: SellerStatus::Expired,
    },
];

/// A tiny valid PDF for the demo evidence.
const DEMO_PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn err(context: &str) -> impl Fn(crate::error::ApiError) -> String + '_ {
    move |e| match e {
        crate::error::ApiError::Validation(fields) => format!(
            "{context}: {}",
            fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => format!("{context}: {other}"),
    }
}

/// The caller identity of an existing account.
async fn principal_of(conn: &mut PgConn, email: &str) -> Result<Principal, String> {
    let (user_id, organisation_id, role): (uuid::Uuid, uuid::Uuid, String) = users::table
        .inner_join(memberships::table)
        .filter(users::email.eq(email))
        .select((users::id, memberships::organisation_id, memberships::role))
        .first(conn)
        .await
        .map_err(|e| format!("{email}: {e}"))?;
    Ok(Principal {
        user_id,
        organisation_id,
        role: Role::parse(&role).ok_or_else(|| format!("{email}: unknown role {role}"))?,
        // The seed acts outside any session, as verified demo users.
        session_id: uuid::Uuid::nil(),
        email_verified: true,
    })
}

async fn ensure_forum(conn: &mut PgConn) -> Result<uuid::Uuid, String> {
    let existing: Option<uuid::Uuid> = vetting_bodies::table
        .filter(vetting_bodies::name.eq(FORUM))
        .select(vetting_bodies::id)
        .first(conn)
        .await
        .optional()
        .map_err(|e| e.to_string())?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let body = vetting::service::parse_new_body(NewVettingBody {
        name: FORUM.into(),
        jurisdiction: "IN".into(),
        priority_sectors: vec![
            "textiles".into(),
            "handicrafts".into(),
            "electronics_components".into(),
        ],
        approval_validity_months: None,
        sla_hours: None,
        checklist: None,
        reason_codes: None,
    })
    .map_err(err("the forum"))?;
    let row = conn
        .transaction(async |conn| vetting::service::insert_body(conn, &body).await)
        .await
        .map_err(err("the forum"))?;
    Ok(row.id)
}

async fn ensure_officer(
    conn: &mut PgConn,
    email: &str,
    name: &str,
    body_id: uuid::Uuid,
) -> Result<Principal, String> {
    if !exists(conn, email).await? {
        let req = CreateUserRequest {
            email: email.into(),
            password: DEMO_PASSWORD.into(),
            full_name: name.into(),
            role: Role::VettingOfficer,
            organisation_id: Some(body_id),
        };
        let (staff, org) = service::check_staff_request(conn, &req)
            .await
            .map_err(err(email))?;
        conn.transaction(async |conn| {
            service::create_staff(conn, staff, Role::VettingOfficer, &org).await
        })
        .await
        .map_err(err(email))?;
    }
    principal_of(conn, email).await
}

fn demo_profile(d: &DemoSeller) -> Result<ProfileRequest, String> {
    let gstin = Gstin::with_check_char(&format!("{}{}1Z", d.gst_code, d.pan))
        .ok_or_else(|| format!("{}: bad demo GSTIN", d.email))?;
    let draft = d.target == SellerStatus::Draft;
    Ok(ProfileRequest {
        legal_name: Some(d.legal_name.into()),
        trading_name: Some(d.trading_name.into()),
        enterprise_type: Some(d.enterprise_type.into()),
        sectors: Some(d.sectors.iter().map(|s| (*s).to_owned()).collect()),
        msme_category: d.msme.map(str::to_owned),
        year_established: Some(2008),
        employees: Some(40),
        registered_address: Some(AddressInput {
            line1: Some("12 Industrial Estate Road".into()),
            line2: None,
            city: Some(d.city.into()),
            district: Some(d.city.into()),
            state: Some(d.state.into()),
            postal_code: Some(d.postal_code.into()),
        }),
        // A draft is partly filled in.
        contacts: (!draft).then(|| {
            vec![ContactInput {
                name: Some(d.person.into()),
                designation: Some("Export manager".into()),
                email: Some(d.email.into()),
                phone: Some("+919876543210".into()),
            }]
        }),
        export_markets: Some(vec!["AE".into(), "SG".into(), "KE".into()]),
        gstin: Some(gstin),
        pan: Some(d.pan.into()),
        iec: (!draft).then(|| d.pan.into()),
        udyam_number: d
            .msme
            .map(|_| format!("UDYAM-{}-01-00{}", d.state, &d.pan[5..9].repeat(2)[..5])),
        public_identifiers: Some(vec!["gstin".into()]),
    })
}

async fn seed_vetting(
    config: &Config,
    stores: &db::Stores,
    conn: &mut PgConn,
) -> Result<(), String> {
    let body_id = ensure_forum(conn).await?;
    let officer = ensure_officer(conn, "officer1@smeforum.example", "Priya Raman", body_id).await?;
    ensure_officer(conn, "officer2@smeforum.example", "Vikram Desai", body_id).await?;
    for d in DEMO_SELLERS {
        if exists(conn, d.email).await? {
            continue;
        }
        seed_seller(config, stores, conn, d, &officer)
            .await
            .map_err(|e| format!("seeding {}: {e}", d.email))?;
    }
    Ok(())
}

/// Builds one demo seller through the services, up to its target status.
async fn seed_seller(
    config: &Config,
    stores: &db::Stores,
    conn: &mut PgConn,
    d: &DemoSeller,
    officer: &Principal,
) -> Result<(), String> {
    let seller = register_seller(config, conn, d).await?;
    let actor = Actor::new(&seller, "seed".into());
    let (profile, _) =
        sellers::service::put_profile(conn, &seller, &actor, &IfMatch::Absent, demo_profile(d)?)
            .await
            .map_err(err("profile"))?;
    if d.target == SellerStatus::Draft {
        return Ok(());
    }
    put_payout_account(stores, &seller, d).await?;
    upload_documents(config, conn, &seller, d).await?;
    vetting::service::submit(conn, &seller, &actor, &IfMatch::Absent)
        .await
        .map_err(err("submit"))?;
    if d.target == SellerStatus::Submitted {
        return Ok(());
    }
    review(config, conn, officer, profile.id, d.target).await
}

/// Registers a demo account with its address verified (demo addresses receive no mail).
async fn register_verified(
    conn: &mut PgConn,
    config: &Config,
    req: RegisterRequest,
) -> crate::error::ApiResult<crate::auth::api::MeResponse> {
    let new = service::check_registration(config, req).await?;
    let (_, me) = conn
        .transaction(async |conn| service::create_account(conn, new, true).await)
        .await?;
    Ok(me)
}

/// Registers the demo seller's account and organisation; the seller as a principal.
async fn register_seller(
    config: &Config,
    conn: &mut PgConn,
    d: &DemoSeller,
) -> Result<Principal, String> {
    let me = register_verified(
        conn,
        config,
        RegisterRequest {
            email: d.email.into(),
            password: DEMO_PASSWORD.into(),
            full_name: d.person.into(),
            organisation: NewOrganisation {
                kind: SelfServiceKind::Seller,
                name: d.trading_name.into(),
                country_code: "IN".into(),
            },
        },
    )
    .await
    .map_err(err("register"))?;
    Ok(Principal {
        user_id: me.user.id,
        organisation_id: me.organisation.id,
        role: Role::Seller,
        session_id: uuid::Uuid::nil(),
        email_verified: true,
    })
}

async fn put_payout_account(
    stores: &db::Stores,
    seller: &Principal,
    d: &DemoSeller,
) -> Result<(), String> {
    sellers::service::put_payout_account(
        stores,
        seller,
        &IfMatch::Absent,
        PayoutAccountRequest {
            account_holder_name: Some(d.legal_name.into()),
            account_number: Some(format!("5010012{}", &d.pan[5..9])),
            ifsc: Some("HDFC0001234".into()),
            bank_name: Some("HDFC Bank".into()),
        },
    )
    .await
    .map_err(err("payout account"))?;
    Ok(())
}

/// The evidence a submission needs: GSTIN certificate, address proof, and for a manufacturer
/// manufacturing evidence; each a copy of the demo PDF.
async fn upload_documents(
    config: &Config,
    conn: &mut PgConn,
    seller: &Principal,
    d: &DemoSeller,
) -> Result<(), String> {
    let mut kinds = vec!["gstin_certificate", "address_proof"];
    if d.enterprise_type == "manufacturer" {
        kinds.push("manufacturing_evidence");
    }
    for kind in kinds {
        let file = storage::from_bytes(&config.data_dir, DEMO_PDF, &format!("{kind}.pdf"))
            .await
            .map_err(err(kind))?;
        let upload = sellers::service::check_upload(UploadForm {
            kind: Some(kind.into()),
            file: Some(file),
            unexpected: Vec::new(),
        })
        .map_err(err(kind))?;
        let row = sellers::service::editable_own_seller(conn, seller)
            .await
            .map_err(err(kind))?;
        let actor = Actor::new(seller, "seed".into());
        sellers::service::store_document(
            conn,
            &config.data_dir,
            &actor,
            seller,
            &row,
            upload,
            &Idempotency::none("/v1/sellers/me/documents"),
        )
        .await
        .map_err(err(kind))?;
    }
    Ok(())
}

/// The officer claims the submitted seller `id` and takes it to `target`.
async fn review(
    config: &Config,
    conn: &mut PgConn,
    officer: &Principal,
    id: uuid::Uuid,
    target: SellerStatus,
) -> Result<(), String> {
    let by = Actor::new(officer, "seed".into());
    let lease = chrono::Duration::seconds(config.claim_lease_secs);
    vetting::service::claim(conn, officer, &by, id, lease)
        .await
        .map_err(err("claim"))?;
    let (decision, reason_codes, note, step) = match target {
        SellerStatus::UnderReview => return Ok(()),
        SellerStatus::ChangesRequested => (
            DecisionKind::RequestChanges,
            "document_illegible",
            "The address proof scan is unreadable; please upload a clearer copy.",
            "request changes",
        ),
        SellerStatus::Rejected => (
            DecisionKind::Reject,
            "ineligible_business",
            "Trading in restricted chemicals is outside the forum's remit.",
            "reject",
        ),
        _ => return approve(conn, officer, &by, id, target).await,
    };
    let req = DecisionRequest {
        decision,
        reason_codes: vec![reason_codes.to_owned()],
        note: Some(note.into()),
    };
    vetting::service::decide(conn, officer, &by, id, req)
        .await
        .map_err(err(step))?;
    Ok(())
}

/// Ticks the missing mandatory checks and approves; then suspends or expires the approval if
/// that is the `target`.
async fn approve(
    conn: &mut PgConn,
    officer: &Principal,
    by: &Actor,
    id: uuid::Uuid,
    target: SellerStatus,
) -> Result<(), String> {
    let checklist = vetting::service::get_checklist(conn, officer, id)
        .await
        .map_err(err("checklist"))?;
    for code in &checklist.missing_mandatory {
        let tick = TickRequest {
            ticked: true,
            note: Some("Verified against the original.".into()),
        };
        vetting::service::tick(conn, officer, id, code, tick)
            .await
            .map_err(err("tick"))?;
    }
    let req = DecisionRequest {
        decision: DecisionKind::Approve,
        reason_codes: Vec::new(),
        note: None,
    };
    vetting::service::decide(conn, officer, by, id, req)
        .await
        .map_err(err("approve"))?;
    match target {
        SellerStatus::Suspended => {
            let req = StatusChangeRequest {
                reason_codes: vec!["compliance_breach".into()],
                note: Some("Consignment held by customs pending an inquiry.".into()),
            };
            vetting::service::change_status(conn, officer, by, id, Action::Suspend, req)
                .await
                .map_err(err("suspend"))?;
        }
        SellerStatus::Expired => expire(conn, id).await?,
        _ => {}
    }
    Ok(())
}

/// Demo only: backdates the approval so the expiry sweep takes it, and sweeps.
async fn expire(conn: &mut PgConn, id: uuid::Uuid) -> Result<(), String> {
    let past = chrono::Utc::now() - chrono::Duration::days(1);
    diesel::update(sellers_table::table.find(id))
        .set((
            sellers_table::valid_until.eq(past),
            sellers_table::badge_valid_until.eq(past),
        ))
        .execute(conn)
        .await
        .map_err(|e| e.to_string())?;
    vetting::expire_due(conn).await.map_err(err("expire"))?;
    Ok(())
}
