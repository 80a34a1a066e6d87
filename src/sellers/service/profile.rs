//! The seller's business profile: parsing and cross-checking a profile request, creating or
//! replacing the caller's profile, and reading it (the private view or the public one).

use chrono::{Datelike, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::access::{ensure_editable, own_seller, seller_by_id, visible_seller};
use super::views::{profile_view, public_view};
use crate::auth::{Principal, Role, parse_email};
use crate::db::schema::{organisations, sellers};
use crate::error::{ApiError, ApiResult, Validator};
use crate::fields::{check_id, check_text};
use crate::http::{IfMatch, etag};
use crate::identifiers::{CountryCode, Gstin, Iec, IndianState, Pan, PhoneE164, UdyamNumber};
use crate::sellers::api::*;
use crate::sellers::lifecycle::{Actor, record_created};
use crate::sellers::model::{NewSeller, ProfileColumns, SellerRow};
use crate::vocabulary::{check_vocab, check_vocab_list};

pub const MAX_CONTACTS: usize = 10;
/// Caps on the lists of a profile (also `max_items` in the schema): the sectors and public
/// identifiers there are, and a generous number of export markets.
pub const MAX_SECTORS: usize = 9;
pub const MAX_EXPORT_MARKETS: usize = 100;
pub const MAX_PUBLIC_IDENTIFIERS: usize = 3;

fn parse_postal_code(raw: &str) -> Result<String, String> {
    let code: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) && !code.starts_with('0') {
        Ok(code)
    } else {
        Err("must be a 6-digit PIN code".into())
    }
}

fn state_label(state: IndianState) -> String {
    format!("{} ({})", state.name(), state.code())
}

/// Parses and cross-checks a profile request into the columns to store. Every present field is
/// validated and every problem reported at once, in the order of the request's fields; absent
/// fields are fine in a draft.
pub fn parse_profile(
    mut req: ProfileRequest,
    current_year: i32,
    home_jurisdiction: &str,
) -> ApiResult<ProfileColumns> {
    let mut v = Validator::new();
    let business = check_business(&mut v, &mut req, current_year);
    let address = check_address(&mut v, req.registered_address.take());
    let contacts = check_contacts(&mut v, req.contacts.take());
    let export_markets = check_export_markets(&mut v, req.export_markets.take(), home_jurisdiction);
    let ids = check_identifiers(&mut v, &mut req);
    cross_check(&mut v, &ids, address.state);
    v.finish()?;

    Ok(ProfileColumns {
        legal_name: business.legal_name,
        trading_name: business.trading_name,
        enterprise_type: business.enterprise_type,
        sectors: business.sectors,
        msme_category: business.msme_category,
        year_established: req.year_established,
        employees: req.employees,
        address_line1: address.line1,
        address_line2: address.line2,
        address_city: address.city,
        address_district: address.district,
        address_state: address.state.map(|s| s.code().to_owned()),
        address_postal_code: address.postal_code,
        contacts: serde_json::to_value(&contacts).map_err(ApiError::internal)?,
        export_markets,
        gstin: ids.gstin.map(String::from),
        pan: ids.pan.map(String::from),
        iec: ids.iec.map(String::from),
        udyam_number: ids.udyam.map(String::from),
        public_identifiers: ids.public,
    })
}

/// The checked facts about the business itself.
struct Business {
    legal_name: Option<String>,
    trading_name: Option<String>,
    enterprise_type: Option<EnterpriseType>,
    sectors: Vec<Sector>,
    msme_category: Option<MsmeCategory>,
}

/// Names, enterprise type, sectors and MSME category (taken out of the request), and the ranges
/// of the founding year and the head count (left in it).
fn check_business(v: &mut Validator, req: &mut ProfileRequest, current_year: i32) -> Business {
    let legal_name = check_text(v, "legal_name", req.legal_name.take(), 200);
    let trading_name = check_text(v, "trading_name", req.trading_name.take(), 200);
    let enterprise_type = req
        .enterprise_type
        .take()
        .and_then(|s| check_vocab::<EnterpriseType>(v, "enterprise_type", &s));
    let sectors = check_vocab_list::<Sector>(v, "sectors", req.sectors.take(), MAX_SECTORS);
    let msme_category = req
        .msme_category
        .take()
        .and_then(|s| check_vocab::<MsmeCategory>(v, "msme_category", &s));
    if let Some(year) = req.year_established
        && !(1800..=current_year).contains(&year)
    {
        v.push(
            "year_established",
            "out_of_range",
            format!("must be between 1800 and {current_year}"),
        );
    }
    if let Some(n) = req.employees
        && !(0..=10_000_000).contains(&n)
    {
        v.push(
            "employees",
            "out_of_range",
            "must be between 0 and 10000000",
        );
    }
    Business {
        legal_name,
        trading_name,
        enterprise_type,
        sectors,
        msme_category,
    }
}

/// The checked registered address; the state stays parsed for the cross-checks.
struct CheckedAddress {
    line1: Option<String>,
    line2: Option<String>,
    city: Option<String>,
    district: Option<String>,
    state: Option<IndianState>,
    postal_code: Option<String>,
}

fn check_address(v: &mut Validator, address: Option<AddressInput>) -> CheckedAddress {
    let address = address.unwrap_or_default();
    // Fields are checked in the order they are written here, so problems are reported in it.
    CheckedAddress {
        line1: check_text(v, "registered_address.line1", address.line1, 200),
        line2: check_text(v, "registered_address.line2", address.line2, 200),
        city: check_text(v, "registered_address.city", address.city, 100),
        district: check_text(v, "registered_address.district", address.district, 100),
        state: address
            .state
            .and_then(|s| check_id(v, "registered_address.state", IndianState::parse(&s))),
        postal_code: address
            .postal_code
            .and_then(|s| v.check("registered_address.postal_code", parse_postal_code(&s))),
    }
}

/// At most `MAX_CONTACTS` contacts, each with a name, email and phone.
fn check_contacts(v: &mut Validator, raw: Option<Vec<ContactInput>>) -> Vec<Contact> {
    let contacts_in = v.cap_list("contacts", raw.unwrap_or_default(), MAX_CONTACTS);
    let mut contacts = Vec::new();
    for (i, c) in contacts_in.into_iter().enumerate() {
        contacts.extend(check_contact(v, i, c));
    }
    contacts
}

fn check_contact(v: &mut Validator, i: usize, c: ContactInput) -> Option<Contact> {
    let field = |name: &str| format!("contacts[{i}].{name}");
    for (name, present) in [
        ("name", c.name.is_some()),
        ("email", c.email.is_some()),
        ("phone", c.phone.is_some()),
    ] {
        if !present {
            v.push(
                &field(name),
                "required",
                "every contact needs a name, email and phone",
            );
        }
    }
    let name = check_text(v, &field("name"), c.name, 200);
    let designation = check_text(v, &field("designation"), c.designation, 100);
    let email = c
        .email
        .and_then(|e| v.check(&field("email"), parse_email(&e)));
    let phone = c
        .phone
        .and_then(|p| check_id(v, &field("phone"), PhoneE164::parse(&p)));
    Some(Contact {
        name: name?,
        designation,
        email: email?,
        phone: phone?.as_str().to_owned(),
    })
}

/// Countries other than the seller's own, each once, at most `MAX_EXPORT_MARKETS`.
fn check_export_markets(
    v: &mut Validator,
    raw: Option<Vec<String>>,
    home_jurisdiction: &str,
) -> Vec<String> {
    let mut export_markets: Vec<String> = Vec::new();
    let markets_in = v.cap_list(
        "export_markets",
        raw.unwrap_or_default(),
        MAX_EXPORT_MARKETS,
    );
    for (i, raw) in markets_in.iter().enumerate() {
        let field = format!("export_markets[{i}]");
        if let Some(country) = check_id(v, &field, CountryCode::parse(raw)) {
            if country.as_str() == home_jurisdiction {
                v.push(
                    &field,
                    "home_country",
                    "an export market is a country other than the seller's own",
                );
            } else if !export_markets.iter().any(|m| m == country.as_str()) {
                export_markets.push(country.as_str().to_owned());
            }
        }
    }
    export_markets
}

/// The checked identifiers of a profile and which of them the seller shows publicly.
struct Identifiers {
    gstin: Option<Gstin>,
    pan: Option<Pan>,
    iec: Option<Iec>,
    udyam: Option<UdyamNumber>,
    public: Vec<PublicIdentifier>,
}

fn check_identifiers(v: &mut Validator, req: &mut ProfileRequest) -> Identifiers {
    Identifiers {
        gstin: req
            .gstin
            .take()
            .and_then(|s| check_id(v, "gstin", Gstin::parse(&s))),
        pan: req
            .pan
            .take()
            .and_then(|s| check_id(v, "pan", Pan::parse(&s))),
        iec: req
            .iec
            .take()
            .and_then(|s| check_id(v, "iec", Iec::parse(&s))),
        udyam: req
            .udyam_number
            .take()
            .and_then(|s| check_id(v, "udyam_number", UdyamNumber::parse(&s))),
        public: check_vocab_list::<PublicIdentifier>(
            v,
            "public_identifiers",
            req.public_identifiers.take(),
            MAX_PUBLIC_IDENTIFIERS,
        ),
    }
}

/// The identifiers must agree with each other and with the registered address: the GSTIN's
/// state and PAN, a PAN-based IEC, the Udyam number's state.
fn cross_check(v: &mut Validator, ids: &Identifiers, state: Option<IndianState>) {
    if let (Some(g), Some(s)) = (&ids.gstin, state)
        && g.state() != s
    {
        v.push(
            "gstin",
            "state_mismatch",
            format!(
                "the GSTIN is registered in {} but the registered address is in {}",
                state_label(g.state()),
                state_label(s)
            ),
        );
    }
    if let (Some(g), Some(p)) = (&ids.gstin, &ids.pan)
        && g.pan() != p
    {
        v.push(
            "pan",
            "pan_mismatch",
            "must equal the PAN inside the GSTIN (its characters 3 to 12)",
        );
    }
    // The GSTIN's PAN is checksum-protected, so it is the reference when both are given.
    let business_pan = ids.gstin.as_ref().map(Gstin::pan).or(ids.pan.as_ref());
    if let (Some(iec_pan), Some(p)) = (ids.iec.as_ref().and_then(Iec::as_pan), business_pan)
        && iec_pan != p
    {
        v.push(
            "iec",
            "pan_mismatch",
            "a PAN-based IEC must equal the business's PAN",
        );
    }
    let reference_state = state.or(ids.gstin.as_ref().map(Gstin::state));
    if let (Some(u), Some(s)) = (&ids.udyam, reference_state)
        && u.state() != s
    {
        v.push(
            "udyam_number",
            "state_mismatch",
            format!(
                "the Udyam number is from {} but the business is registered in {}",
                state_label(u.state()),
                state_label(s)
            ),
        );
    }
}

/// Creates (`true`) or replaces the calling seller's profile. Replacing needs a current
/// `If-Match` and an editable status.
pub async fn put_profile(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    actor: &Actor,
    if_match: &IfMatch,
    req: ProfileRequest,
) -> ApiResult<(SellerProfile, bool)> {
    principal.require(&[Role::Seller])?;
    let home_jurisdiction: String = organisations::table
        .find(principal.organisation_id)
        .select(organisations::home_jurisdiction)
        .first(conn)
        .await?;
    let columns = parse_profile(req, Utc::now().year(), &home_jurisdiction)?;
    conn.transaction(async |conn| {
        let now = Utc::now();
        let Some(current) = own_seller(conn, principal, true).await? else {
            if *if_match != IfMatch::Absent {
                return Err(ApiError::PreconditionFailed(
                    "there is no profile yet; create it without If-Match".into(),
                ));
            }
            let row: SellerRow = diesel::insert_into(sellers::table)
                .values(&NewSeller {
                    // One id per seller: the profile is stored under its organisation's id.
                    id: principal.organisation_id,
                    organisation_id: principal.organisation_id,
                    status: SellerStatus::Draft,
                    version: 1,
                    profile: columns,
                    home_jurisdiction,
                    created_at: now,
                    updated_at: now,
                })
                .returning(SellerRow::as_returning())
                .get_result(conn)
                .await?;
            record_created(conn, &row, actor).await?;
            return Ok((profile_view(&row)?, true));
        };
        if_match.require(&etag(current.version))?;
        ensure_editable(current.status)?;
        let row: SellerRow = diesel::update(sellers::table.find(current.id))
            .set((
                &columns,
                sellers::version.eq(current.version + 1),
                sellers::updated_at.eq(now),
            ))
            .returning(SellerRow::as_returning())
            .get_result(conn)
            .await?;
        Ok((profile_view(&row)?, false))
    })
    .await
}

pub async fn get_own_profile(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
) -> ApiResult<SellerProfile> {
    principal.require(&[Role::Seller])?;
    let row = own_seller(conn, principal, false)
        .await?
        .ok_or(ApiError::NotFound)?;
    profile_view(&row)
}

pub async fn get_profile(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<SellerProfile> {
    profile_view(&visible_seller(conn, principal, id).await?)
}

pub async fn public_profile(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<PublicProfile> {
    public_view(&seller_by_id(conn, id).await?, Utc::now())?.ok_or(ApiError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sellers::service::test_fixtures::{YEAR, gstin, valid_request};
    use crate::vocabulary::Vocabulary;

    fn fields(result: ApiResult<ProfileColumns>) -> Vec<(String, String)> {
        match result {
            Err(ApiError::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            Err(other) => panic!("expected a validation error, got {other:?}"),
            Ok(_) => panic!("expected a validation error, got Ok"),
        }
    }

    fn field_names(result: ApiResult<ProfileColumns>) -> Vec<String> {
        fields(result).into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn a_valid_profile_is_normalised() {
        let c = parse_profile(valid_request(), YEAR, "IN").unwrap();
        assert_eq!(
            c.legal_name.as_deref(),
            Some("Tiruppur Knitwear Exports Private Limited")
        );
        assert_eq!(c.enterprise_type, Some(EnterpriseType::Manufacturer));
        assert_eq!(c.sectors, [Sector::Textiles, Sector::Leather]);
        assert_eq!(c.address_state.as_deref(), Some("TN"));
        assert_eq!(c.address_postal_code.as_deref(), Some("641601"));
        assert_eq!(c.export_markets, ["AE", "KE"]);
        assert_eq!(c.gstin.as_deref(), Some(gstin("33AAPFU0939F1Z").as_str()));
        assert_eq!(c.pan.as_deref(), Some("AAPFU0939F"));
        assert_eq!(c.udyam_number.as_deref(), Some("UDYAM-TN-29-0012345"));
        assert_eq!(c.contacts[0]["email"], "exports@tiruppur.example");
        assert_eq!(c.contacts[0]["phone"], "+919876543210");
        assert_eq!(c.public_identifiers, [PublicIdentifier::Gstin]);
    }

    #[test]
    fn an_empty_draft_is_fine() {
        let c = parse_profile(ProfileRequest::default(), YEAR, "IN").unwrap();
        assert_eq!(
            c,
            ProfileColumns {
                contacts: serde_json::json!([]),
                ..Default::default()
            }
        );
    }

    #[test]
    fn each_malformed_identifier_names_its_field() {
        let mut bad_checksum = gstin("33AAPFU0939F1Z");
        let last = bad_checksum.pop().unwrap();
        bad_checksum.push(if last == 'A' { 'B' } else { 'A' });
        let cases: Vec<(ProfileRequest, &str, &str)> = vec![
            (
                ProfileRequest {
                    gstin: Some(bad_checksum),
                    ..valid_request()
                },
                "gstin",
                "checksum",
            ),
            (
                ProfileRequest {
                    pan: Some("AAPFV0939F".into()),
                    ..valid_request()
                },
                "pan",
                "pan_mismatch",
            ),
            (
                ProfileRequest {
                    gstin: Some(gstin("27AAPFU0939F1Z")),
                    ..valid_request()
                },
                "gstin",
                "state_mismatch",
            ),
            (
                ProfileRequest {
                    udyam_number: Some("UDYAM-TN-00-0012345".into()),
                    ..valid_request()
                },
                "udyam_number",
                "format",
            ),
            (
                ProfileRequest {
                    udyam_number: Some("UDYAM-MH-29-0012345".into()),
                    ..valid_request()
                },
                "udyam_number",
                "state_mismatch",
            ),
            (
                ProfileRequest {
                    iec: Some("AAPFV0939F".into()),
                    ..valid_request()
                },
                "iec",
                "pan_mismatch",
            ),
            (
                ProfileRequest {
                    iec: Some("12345".into()),
                    ..valid_request()
                },
                "iec",
                "length",
            ),
        ];
        for (req, field, code) in cases {
            assert_eq!(
                fields(parse_profile(req, YEAR, "IN")),
                [(field.to_owned(), code.to_owned())],
                "{field} {code}"
            );
        }
        // A legacy all-digit IEC is not compared with the PAN.
        assert!(
            parse_profile(
                ProfileRequest {
                    iec: Some("0123456789".into()),
                    ..valid_request()
                },
                YEAR,
                "IN"
            )
            .is_ok()
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let req = ProfileRequest {
            legal_name: Some("  ".into()),
            enterprise_type: Some("trader".into()),
            sectors: Some(vec!["textiles".into(), "toys".into()]),
            year_established: Some(YEAR + 1),
            employees: Some(-1),
            registered_address: Some(AddressInput {
                state: Some("XX".into()),
                postal_code: Some("012345".into()),
                ..Default::default()
            }),
            contacts: Some(vec![ContactInput {
                name: Some("A".into()),
                email: Some("not-an-email".into()),
                ..Default::default()
            }]),
            export_markets: Some(vec!["IN".into(), "UK".into()]),
            pan: Some("ABC".into()),
            public_identifiers: Some(vec!["pan".into()]),
            ..Default::default()
        };
        assert_eq!(
            field_names(parse_profile(req, YEAR, "IN")),
            [
                "legal_name",
                "enterprise_type",
                "sectors[1]",
                "year_established",
                "employees",
                "registered_address.state",
                "registered_address.postal_code",
                "contacts[0].phone",
                "contacts[0].email",
                "export_markets[0]",
                "export_markets[1]",
                "pan",
                "public_identifiers[0]",
            ]
        );
    }

    #[test]
    fn udyam_is_checked_against_the_gstin_state_without_an_address() {
        let req = ProfileRequest {
            registered_address: None,
            udyam_number: Some("UDYAM-KA-03-0001234".into()),
            ..valid_request()
        };
        assert_eq!(
            fields(parse_profile(req, YEAR, "IN")),
            [("udyam_number".to_owned(), "state_mismatch".to_owned())]
        );
    }

    #[test]
    fn too_many_contacts() {
        let contact = valid_request().contacts.unwrap().remove(0);
        let req = ProfileRequest {
            contacts: Some(vec![contact; MAX_CONTACTS + 1]),
            ..valid_request()
        };
        assert_eq!(field_names(parse_profile(req, YEAR, "IN")), ["contacts"]);
    }

    #[test]
    fn list_lengths_are_checked_before_their_items() {
        let req = ProfileRequest {
            sectors: Some(vec![String::new(); 85_000]),
            export_markets: Some(vec!["XX".into(); MAX_EXPORT_MARKETS + 1]),
            public_identifiers: Some(vec!["pan".into(); 4]),
            ..valid_request()
        };
        assert_eq!(
            fields(parse_profile(req, YEAR, "IN")),
            [
                ("sectors".to_owned(), "too_many".to_owned()),
                ("export_markets".to_owned(), "too_many".to_owned()),
                ("public_identifiers".to_owned(), "too_many".to_owned()),
            ]
        );
        assert_eq!(Sector::ALL.len(), MAX_SECTORS);
        assert_eq!(PublicIdentifier::ALL.len(), MAX_PUBLIC_IDENTIFIERS);
    }
}
