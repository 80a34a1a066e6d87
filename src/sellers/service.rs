//! Seller rules — profile parsing and cross-checks, completeness for submission, the lifecycle,
//! who may see what — as pure functions, and the database work around them.

use std::path::Path;

use chrono::{Datelike, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::api::*;
use super::model::*;
use super::storage::{self, DocumentKind, UploadForm, UploadedFile};
use crate::auth::service::parse_email;
use crate::auth::{Principal, Role};
use crate::db::schema::{
    organisations, payout_accounts, seller_audit_log, seller_documents, sellers,
};
use crate::db::{PgPool, Stores};
use crate::error::{ApiError, ApiResult, FieldError, Validator};
use crate::http::{IdempotencyKey, IfMatch, Page, PageParams, etag};
use crate::idempotency::{self, Created, RequestIdentity};
use crate::identifiers::{
    BankAccountNumber, CountryCode, Gstin, IdError, Iec, Ifsc, IndianState, Pan, PhoneE164,
    UdyamNumber,
};

pub const MAX_CONTACTS: usize = 10;
/// Caps on the lists of a profile (also `max_items` in the schema): the sectors and public
/// identifiers there are, and a generous number of export markets.
pub const MAX_SECTORS: usize = 9;
pub const MAX_EXPORT_MARKETS: usize = 100;
pub const MAX_PUBLIC_IDENTIFIERS: usize = 3;

// ---------------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------------

/// Something that moves a seller profile through its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Submit,
    StartReview,
    RequestChanges,
    Approve,
    Reject,
    Suspend,
    Reinstate,
    Expire,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::Submit,
        Action::StartReview,
        Action::RequestChanges,
        Action::Approve,
        Action::Reject,
        Action::Suspend,
        Action::Reinstate,
        Action::Expire,
    ];

    /// How the action is recorded in the audit log.
    pub fn audit_action(self) -> AuditAction {
        match self {
            Action::Submit => AuditAction::Submit,
            Action::StartReview => AuditAction::StartReview,
            Action::RequestChanges => AuditAction::RequestChanges,
            Action::Approve => AuditAction::Approve,
            Action::Reject => AuditAction::Reject,
            Action::Suspend => AuditAction::Suspend,
            Action::Reinstate => AuditAction::Reinstate,
            Action::Expire => AuditAction::Expire,
        }
    }
}

/// An action that is not allowed from the current status. The message says the current status
/// and what is possible from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct TransitionError {
    pub from: SellerStatus,
    pub action: Action,
}

fn action_words(action: Action) -> String {
    action.audit_action().as_str().replace('_', " ")
}

fn status_words(status: SellerStatus) -> String {
    status.as_str().replace('_', " ")
}

impl TransitionError {
    fn message(&self) -> String {
        let (from, action) = (self.from, self.action);
        let doing = action_words(action);
        let now = match Action::ALL
            .iter()
            .copied()
            .filter(|a| transition(from, *a).is_ok())
            .map(action_words)
            .collect::<Vec<_>>()
        {
            possible if possible.is_empty() => "no further change is possible".to_owned(),
            possible => format!("possible now: {}", possible.join(", ")),
        };
        let already = SellerStatus::ALL
            .iter()
            .any(|s| transition(*s, action) == Ok(from));
        if already {
            return format!(
                "cannot {doing}: the seller is already {} ({now})",
                status_words(from)
            );
        }
        let sources: Vec<String> = SellerStatus::ALL
            .iter()
            .copied()
            .filter(|s| transition(*s, action).is_ok())
            .map(status_words)
            .collect();
        format!(
            "cannot {doing}: the seller is {}, and {doing} is possible only when it is {} ({now})",
            status_words(from),
            sources.join(" or "),
        )
    }
}

impl From<TransitionError> for ApiError {
    fn from(e: TransitionError) -> Self {
        ApiError::Conflict(e.to_string())
    }
}

/// The whole lifecycle: draft → submitted → under_review → changes_requested → submitted … →
/// approved | rejected; approved → suspended → approved; approved → expired.
pub fn transition(from: SellerStatus, action: Action) -> Result<SellerStatus, TransitionError> {
    use Action as A;
    use SellerStatus as S;
    match (from, action) {
        // An expired seller renews by submitting again.
        (S::Draft | S::ChangesRequested | S::Expired, A::Submit) => Ok(S::Submitted),
        (S::Submitted, A::StartReview) => Ok(S::UnderReview),
        (S::UnderReview, A::RequestChanges) => Ok(S::ChangesRequested),
        (S::UnderReview, A::Approve) => Ok(S::Approved),
        (S::UnderReview, A::Reject) => Ok(S::Rejected),
        (S::Approved, A::Suspend) => Ok(S::Suspended),
        (S::Suspended, A::Reinstate) => Ok(S::Approved),
        (S::Approved, A::Expire) => Ok(S::Expired),
        _ => Err(TransitionError { from, action }),
    }
}

/// The seller may change its profile, payout account and documents only in these states
/// (an expired seller updates its evidence before renewing).
pub fn is_editable(status: SellerStatus) -> bool {
    matches!(
        status,
        SellerStatus::Draft | SellerStatus::ChangesRequested | SellerStatus::Expired
    )
}

fn ensure_editable(status: SellerStatus) -> ApiResult<()> {
    if is_editable(status) {
        Ok(())
    } else {
        Err(ApiError::Conflict(format!(
            "the profile is {status} and read-only until changes are requested"
        )))
    }
}

// ---------------------------------------------------------------------------------------------
// Who may see what
// ---------------------------------------------------------------------------------------------

/// The private profile, its documents and audit log: the owner, admins, auditors, and officers
/// of the seller's vetting body. Everyone else gets 404.
pub fn can_view(
    principal: &Principal,
    organisation_id: Uuid,
    vetting_body_id: Option<Uuid>,
) -> bool {
    match principal.role {
        Role::Admin | Role::Auditor => true,
        Role::Seller => principal.organisation_id == organisation_id,
        Role::VettingOfficer => vetting_body_id == Some(principal.organisation_id),
        Role::Buyer => false,
    }
}

fn visible(principal: &Principal, row: &SellerRow) -> ApiResult<()> {
    if can_view(principal, row.organisation_id, row.vetting_body_id) {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing requests
// ---------------------------------------------------------------------------------------------

/// A stable error code for an identifier problem.
fn id_code(e: &IdError) -> &'static str {
    match e {
        IdError::GstinChecksum => "checksum",
        IdError::PanLength
        | IdError::GstinLength
        | IdError::IecLength
        | IdError::IfscLength
        | IdError::PhoneLength
        | IdError::BankAccountLength
        | IdError::HsCodeLength => "length",
        IdError::UnknownState | IdError::GstinStateCode | IdError::UdyamStateCode => "state_code",
        IdError::UnknownCountry => "unknown_country",
        _ => "format",
    }
}

fn check_id<T>(v: &mut Validator, field: &str, parsed: Result<T, IdError>) -> Option<T> {
    match parsed {
        Ok(value) => Some(value),
        Err(e) => {
            v.push(field, id_code(&e), e.to_string());
            None
        }
    }
}

/// Trimmed, non-empty, at most `max` characters, no control characters.
fn check_text(v: &mut Validator, field: &str, raw: Option<String>, max: usize) -> Option<String> {
    let raw = raw?;
    let text = raw.trim();
    if text.is_empty() {
        v.push(field, "empty", "must not be empty (omit the field instead)");
        None
    } else if text.chars().count() > max {
        v.push(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        );
        None
    } else if text.chars().any(char::is_control) {
        v.push(field, "invalid", "must not contain control characters");
        None
    } else {
        Some(text.to_owned())
    }
}

fn check_vocab<T: Vocabulary>(v: &mut Validator, field: &str, raw: &str) -> Option<T> {
    let parsed = T::parse(&raw.trim().to_ascii_lowercase());
    if parsed.is_none() {
        v.push(
            field,
            "invalid",
            format!("must be one of: {}", T::expected()),
        );
    }
    parsed
}

fn check_vocab_list<T: Vocabulary + Ord>(
    v: &mut Validator,
    field: &str,
    raw: Option<Vec<String>>,
    max: usize,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for (i, item) in v
        .cap_list(field, raw.unwrap_or_default(), max)
        .iter()
        .enumerate()
    {
        if let Some(value) = check_vocab::<T>(v, &format!("{field}[{i}]"), item)
            && !out.contains(&value)
        {
            out.push(value);
        }
    }
    out
}

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
/// validated and every problem reported at once; absent fields are fine in a draft.
pub fn parse_profile(
    req: ProfileRequest,
    current_year: i32,
    home_jurisdiction: &str,
) -> ApiResult<ProfileColumns> {
    let mut v = Validator::new();
    let legal_name = check_text(&mut v, "legal_name", req.legal_name, 200);
    let trading_name = check_text(&mut v, "trading_name", req.trading_name, 200);
    let enterprise_type = req
        .enterprise_type
        .and_then(|s| check_vocab::<EnterpriseType>(&mut v, "enterprise_type", &s));
    let sectors = check_vocab_list::<Sector>(&mut v, "sectors", req.sectors, MAX_SECTORS);
    let msme_category = req
        .msme_category
        .and_then(|s| check_vocab::<MsmeCategory>(&mut v, "msme_category", &s));
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

    let address = req.registered_address.unwrap_or_default();
    let line1 = check_text(&mut v, "registered_address.line1", address.line1, 200);
    let line2 = check_text(&mut v, "registered_address.line2", address.line2, 200);
    let city = check_text(&mut v, "registered_address.city", address.city, 100);
    let district = check_text(&mut v, "registered_address.district", address.district, 100);
    let state = address
        .state
        .and_then(|s| check_id(&mut v, "registered_address.state", IndianState::parse(&s)));
    let postal_code = address
        .postal_code
        .and_then(|s| v.check("registered_address.postal_code", parse_postal_code(&s)));

    let contacts_in = v.cap_list("contacts", req.contacts.unwrap_or_default(), MAX_CONTACTS);
    let mut contacts = Vec::new();
    for (i, c) in contacts_in.into_iter().enumerate() {
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
        let name = check_text(&mut v, &field("name"), c.name, 200);
        let designation = check_text(&mut v, &field("designation"), c.designation, 100);
        let email = c
            .email
            .and_then(|e| v.check(&field("email"), parse_email(&e)));
        let phone = c
            .phone
            .and_then(|p| check_id(&mut v, &field("phone"), PhoneE164::parse(&p)));
        if let (Some(name), Some(email), Some(phone)) = (name, email, phone) {
            contacts.push(Contact {
                name,
                designation,
                email,
                phone: phone.as_str().to_owned(),
            });
        }
    }

    let mut export_markets: Vec<String> = Vec::new();
    let markets_in = v.cap_list(
        "export_markets",
        req.export_markets.unwrap_or_default(),
        MAX_EXPORT_MARKETS,
    );
    for (i, raw) in markets_in.iter().enumerate() {
        let field = format!("export_markets[{i}]");
        if let Some(country) = check_id(&mut v, &field, CountryCode::parse(raw)) {
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

    let gstin = req
        .gstin
        .and_then(|s| check_id(&mut v, "gstin", Gstin::parse(&s)));
    let pan = req
        .pan
        .and_then(|s| check_id(&mut v, "pan", Pan::parse(&s)));
    let iec = req
        .iec
        .and_then(|s| check_id(&mut v, "iec", Iec::parse(&s)));
    let udyam = req
        .udyam_number
        .and_then(|s| check_id(&mut v, "udyam_number", UdyamNumber::parse(&s)));
    let public_identifiers = check_vocab_list::<PublicIdentifier>(
        &mut v,
        "public_identifiers",
        req.public_identifiers,
        MAX_PUBLIC_IDENTIFIERS,
    );

    // Cross-checks between identifiers and the address.
    if let (Some(g), Some(s)) = (&gstin, state)
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
    if let (Some(g), Some(p)) = (&gstin, &pan)
        && g.pan() != p
    {
        v.push(
            "pan",
            "pan_mismatch",
            "must equal the PAN inside the GSTIN (its characters 3 to 12)",
        );
    }
    // The GSTIN's PAN is checksum-protected, so it is the reference when both are given.
    let business_pan = gstin.as_ref().map(Gstin::pan).or(pan.as_ref());
    if let (Some(iec_pan), Some(p)) = (iec.as_ref().and_then(Iec::as_pan), business_pan)
        && iec_pan != p
    {
        v.push(
            "iec",
            "pan_mismatch",
            "a PAN-based IEC must equal the business's PAN",
        );
    }
    let reference_state = state.or(gstin.as_ref().map(Gstin::state));
    if let (Some(u), Some(s)) = (&udyam, reference_state)
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
    v.finish()?;

    Ok(ProfileColumns {
        legal_name,
        trading_name,
        enterprise_type: enterprise_type.map(|e| e.as_str().to_owned()),
        sectors: sectors.iter().map(|s| s.as_str().to_owned()).collect(),
        msme_category: msme_category.map(|m| m.as_str().to_owned()),
        year_established: req.year_established,
        employees: req.employees,
        address_line1: line1,
        address_line2: line2,
        address_city: city,
        address_district: district,
        address_state: state.map(|s| s.code().to_owned()),
        address_postal_code: postal_code,
        contacts: serde_json::to_value(&contacts).map_err(ApiError::internal)?,
        export_markets,
        gstin: gstin.map(String::from),
        pan: pan.map(String::from),
        iec: iec.map(String::from),
        udyam_number: udyam.map(String::from),
        public_identifiers: public_identifiers
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect(),
    })
}

/// A checked payout account. No `Debug`: it holds the full account number.
pub struct PayoutAccountInput {
    pub account_holder_name: String,
    pub account_number: BankAccountNumber,
    pub ifsc: Ifsc,
    pub bank_name: Option<String>,
}

pub fn parse_payout_account(req: PayoutAccountRequest) -> ApiResult<PayoutAccountInput> {
    let mut v = Validator::new();
    for (field, present) in [
        ("account_holder_name", req.account_holder_name.is_some()),
        ("account_number", req.account_number.is_some()),
        ("ifsc", req.ifsc.is_some()),
    ] {
        if !present {
            v.push(field, "required", "is required");
        }
    }
    let holder = check_text(&mut v, "account_holder_name", req.account_holder_name, 200);
    let number = req
        .account_number
        .and_then(|s| check_id(&mut v, "account_number", BankAccountNumber::parse(&s)));
    let ifsc = req
        .ifsc
        .and_then(|s| check_id(&mut v, "ifsc", Ifsc::parse(&s)));
    let bank_name = check_text(&mut v, "bank_name", req.bank_name, 100);
    v.finish()?;
    match (holder, number, ifsc) {
        (Some(account_holder_name), Some(account_number), Some(ifsc)) => Ok(PayoutAccountInput {
            account_holder_name,
            account_number,
            ifsc,
            bank_name,
        }),
        _ => Err(ApiError::internal("validator passed with missing values")),
    }
}

/// A document upload that passed every check, still in the temporary directory.
pub struct CheckedUpload {
    pub kind: EvidenceKind,
    pub media: DocumentKind,
    pub filename: String,
    pub file: UploadedFile,
}

/// Checks the fields of an upload: a known `kind`, and a non-empty `file` whose bytes are a
/// PDF, JPEG or PNG (whatever its name or declared type says). A refused file is deleted when
/// the form is dropped.
pub fn check_upload(form: UploadForm) -> ApiResult<CheckedUpload> {
    let mut v = Validator::new();
    for name in &form.unexpected {
        let field = if name.is_empty() { "body" } else { name };
        v.push(
            field,
            "unexpected",
            "the form takes exactly one `kind` and one `file` field",
        );
    }
    let kind = match &form.kind {
        Some(raw) => check_vocab::<EvidenceKind>(&mut v, "kind", raw),
        None => {
            v.push("kind", "required", "is required");
            None
        }
    };
    let media = match &form.file {
        None => {
            v.push("file", "required", "is required");
            None
        }
        Some(f) if f.size == 0 => {
            v.push("file", "empty", "the file is empty");
            None
        }
        Some(f) => {
            let media = DocumentKind::sniff(&f.head);
            if media.is_none() {
                v.push(
                    "file",
                    "unsupported_type",
                    "the content is not a PDF, JPEG or PNG file (recognised by its bytes, not its name)",
                );
            }
            media
        }
    };
    v.finish()?;
    match (kind, media, form.file) {
        (Some(kind), Some(media), Some(file)) => Ok(CheckedUpload {
            kind,
            media,
            filename: sanitise_filename(file.filename.as_deref(), media),
            file,
        }),
        _ => Err(ApiError::internal("validator passed with missing values")),
    }
}

/// Letters and digits of any script (with their combining marks), `.`, `-`, `_`; not spaces,
/// quotes, separators, controls, or the invisible and bidirectional formatting characters
/// (U+2000–U+206F, U+FEFF) used to disguise extensions.
fn filename_char_ok(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
    } else {
        !c.is_control()
            && !c.is_whitespace()
            && !('\u{2000}'..='\u{206F}').contains(&c)
            && !matches!(c, '\u{FEFF}' | '\u{FFF0}'..='\u{FFFF}')
    }
}

/// The client's file name reduced to its last path segment and safe characters (others become
/// `_`), without leading dots, at most 100 characters, ending in the extension of the
/// recognised type.
pub fn sanitise_filename(raw: Option<&str>, media: DocumentKind) -> String {
    let base = raw
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = base
        .chars()
        .map(|c| if filename_char_ok(c) { c } else { '_' })
        .collect();
    let mut name: String = cleaned
        .trim_start_matches(['.', '_'])
        .chars()
        .take(100)
        .collect();
    if name.is_empty() {
        name = "document".into();
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let ext_ok = match media {
        DocumentKind::Jpeg => ext == "jpg" || ext == "jpeg",
        other => ext == other.extension(),
    };
    if !ext_ok {
        name.push('.');
        name.push_str(media.extension());
    }
    name
}

// ---------------------------------------------------------------------------------------------
// Completeness
// ---------------------------------------------------------------------------------------------

/// Everything a profile still lacks before it can be submitted, as field errors.
pub fn missing_for_submission(s: &SellerRow, documents: &[EvidenceKind]) -> Vec<FieldError> {
    let mut missing: Vec<&str> = Vec::new();
    let mut need = |field: &'static str, present: bool| {
        if !present {
            missing.push(field);
        }
    };
    need("legal_name", s.legal_name.is_some());
    need("trading_name", s.trading_name.is_some());
    need("enterprise_type", s.enterprise_type.is_some());
    need("sectors", !s.sectors.is_empty());
    // Claiming MSME status (a category or a Udyam number) needs both.
    let claims_msme = s.msme_category.is_some() || s.udyam_number.is_some();
    need("msme_category", !claims_msme || s.msme_category.is_some());
    need("year_established", s.year_established.is_some());
    need("employees", s.employees.is_some());
    need("registered_address.line1", s.address_line1.is_some());
    need("registered_address.city", s.address_city.is_some());
    need("registered_address.state", s.address_state.is_some());
    need(
        "registered_address.postal_code",
        s.address_postal_code.is_some(),
    );
    need(
        "contacts",
        s.contacts.as_array().is_some_and(|c| !c.is_empty()),
    );
    need("gstin", s.gstin.is_some());
    need("pan", s.pan.is_some());
    need("iec", s.iec.is_some());
    need("udyam_number", !claims_msme || s.udyam_number.is_some());
    need("payout_account", s.payout_account_ref.is_some());
    let has = |k: EvidenceKind| documents.contains(&k);
    need(
        "documents.gstin_certificate",
        has(EvidenceKind::GstinCertificate),
    );
    need("documents.address_proof", has(EvidenceKind::AddressProof));
    let manufacturer = s.enterprise_type.as_deref() == Some(EnterpriseType::Manufacturer.as_str());
    need(
        "documents.manufacturing_evidence",
        !manufacturer || has(EvidenceKind::ManufacturingEvidence),
    );
    missing
        .into_iter()
        .map(|field| {
            FieldError::new(
                field,
                "required",
                "required before the profile can be submitted",
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

pub(crate) fn parse_stored<T: Vocabulary>(column: &str, value: &str) -> ApiResult<T> {
    T::parse(value)
        .ok_or_else(|| ApiError::internal(format!("unknown {column} {value:?} in the database")))
}

pub(crate) fn parse_stored_opt<T: Vocabulary>(
    column: &str,
    value: Option<&str>,
) -> ApiResult<Option<T>> {
    value.map(|v| parse_stored(column, v)).transpose()
}

pub(crate) fn parse_stored_list<T: Vocabulary>(
    column: &str,
    values: &[String],
) -> ApiResult<Vec<T>> {
    values.iter().map(|v| parse_stored(column, v)).collect()
}

/// The one id that names a seller everywhere in the API: its organisation's id (what estimates,
/// webhooks and the seller's own token carry). Profiles created since are stored under that id
/// too; a route given an older profile's row id still finds it (`named`).
pub fn public_id(row: &SellerRow) -> Uuid {
    row.organisation_id
}

/// `sellers` filtered to one seller by either of its ids.
pub type NamedSeller = diesel::dsl::Filter<
    sellers::table,
    diesel::dsl::Or<
        diesel::dsl::Eq<sellers::id, Uuid>,
        diesel::dsl::Eq<sellers::organisation_id, Uuid>,
    >,
>;

/// Rows of the seller named by `id`: its public (organisation) id, or an older profile's row id.
pub fn named(id: Uuid) -> NamedSeller {
    sellers::table.filter(sellers::id.eq(id).or(sellers::organisation_id.eq(id)))
}

pub fn status_of(row: &SellerRow) -> ApiResult<SellerStatus> {
    parse_stored("status", &row.status)
}

fn state_name(code: Option<&str>) -> Option<String> {
    code.and_then(IndianState::from_code)
        .map(|s| s.name().to_owned())
}

pub(crate) fn badge_of(row: &SellerRow) -> ApiResult<Option<Badge>> {
    match (&row.badge_kind, row.badge_issued_by, row.badge_issued_at) {
        (Some(kind), Some(issued_by), Some(issued_at)) => Ok(Some(Badge {
            kind: parse_stored("badge_kind", kind)?,
            issued_by,
            issued_at,
            valid_until: row.badge_valid_until,
        })),
        _ => Ok(None),
    }
}

pub fn profile_view(row: &SellerRow) -> ApiResult<SellerProfile> {
    let status = status_of(row)?;
    let address_present = [
        &row.address_line1,
        &row.address_line2,
        &row.address_city,
        &row.address_district,
        &row.address_state,
        &row.address_postal_code,
    ]
    .iter()
    .any(|f| f.is_some());
    let payout_account = match (&row.payout_account_ref, &row.payout_last4, &row.payout_ifsc) {
        (Some(reference), Some(last4), Some(ifsc)) => Some(PayoutAccountSummary {
            reference: *reference,
            account_number_masked: format!("XXXX{last4}"),
            last4: last4.clone(),
            ifsc: ifsc.clone(),
            bank_name: row.payout_bank_name.clone(),
        }),
        _ => None,
    };
    Ok(SellerProfile {
        id: public_id(row),
        organisation_id: row.organisation_id,
        status,
        editable: is_editable(status),
        version: row.version,
        legal_name: row.legal_name.clone(),
        trading_name: row.trading_name.clone(),
        enterprise_type: parse_stored_opt("enterprise_type", row.enterprise_type.as_deref())?,
        sectors: parse_stored_list("sector", &row.sectors)?,
        msme_category: parse_stored_opt("msme_category", row.msme_category.as_deref())?,
        year_established: row.year_established,
        employees: row.employees,
        registered_address: address_present.then(|| Address {
            line1: row.address_line1.clone(),
            line2: row.address_line2.clone(),
            city: row.address_city.clone(),
            district: row.address_district.clone(),
            state: row.address_state.clone(),
            state_name: state_name(row.address_state.as_deref()),
            postal_code: row.address_postal_code.clone(),
        }),
        contacts: serde_json::from_value(row.contacts.clone()).map_err(ApiError::internal)?,
        export_markets: row.export_markets.clone(),
        gstin: row.gstin.clone(),
        pan: row.pan.clone(),
        iec: row.iec.clone(),
        udyam_number: row.udyam_number.clone(),
        public_identifiers: parse_stored_list("public identifier", &row.public_identifiers)?,
        payout_account,
        vetting_body_id: row.vetting_body_id,
        submitted_at: row.submitted_at,
        decided_at: row.decided_at,
        valid_until: row.valid_until,
        badge: badge_of(row)?,
        home_jurisdiction: row.home_jurisdiction.clone(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// What storefronts show: only approved sellers, only the public fields, and only the
/// identifiers the seller marked public. A badge shows while it is valid.
pub fn public_view(
    row: &SellerRow,
    now: chrono::DateTime<Utc>,
) -> ApiResult<Option<PublicProfile>> {
    if status_of(row)? != SellerStatus::Approved {
        return Ok(None);
    }
    let public: Vec<PublicIdentifier> =
        parse_stored_list("public identifier", &row.public_identifiers)?;
    let shown = |which: PublicIdentifier, value: &Option<String>| {
        if public.contains(&which) {
            value.clone()
        } else {
            None
        }
    };
    Ok(Some(PublicProfile {
        id: public_id(row),
        trading_name: row.trading_name.clone(),
        state: row.address_state.clone(),
        state_name: state_name(row.address_state.as_deref()),
        sectors: parse_stored_list("sector", &row.sectors)?,
        enterprise_type: parse_stored_opt("enterprise_type", row.enterprise_type.as_deref())?,
        msme_category: parse_stored_opt("msme_category", row.msme_category.as_deref())?,
        year_established: row.year_established,
        badge: badge_of(row)?.filter(|b| b.valid_until.is_none_or(|until| until > now)),
        identifiers: PublicIdentifiers {
            gstin: shown(PublicIdentifier::Gstin, &row.gstin),
            iec: shown(PublicIdentifier::Iec, &row.iec),
            udyam_number: shown(PublicIdentifier::UdyamNumber, &row.udyam_number),
        },
    }))
}

/// A document's metadata; `seller_id` is the seller's public id.
pub fn document_view(seller_id: Uuid, row: &DocumentRow) -> ApiResult<DocumentView> {
    Ok(DocumentView {
        id: row.id,
        seller_id,
        kind: parse_stored("document kind", &row.kind)?,
        media_type: row.media_type.clone(),
        original_filename: row.original_filename.clone(),
        size_bytes: row.size_bytes,
        sha256: row.sha256.clone(),
        uploaded_by: row.uploaded_by,
        created_at: row.created_at,
        content_url: format!("/v1/sellers/{seller_id}/documents/{}/content", row.id),
    })
}

fn audit_view(seller_id: Uuid, row: &AuditRow) -> ApiResult<AuditEntry> {
    Ok(AuditEntry {
        id: row.id,
        seller_id,
        actor_user_id: row.actor_user_id,
        actor_role: row.actor_role.clone(),
        at: row.at,
        action: parse_stored("audit action", &row.action)?,
        from_status: parse_stored_opt("status", row.from_status.as_deref())?,
        to_status: parse_stored("status", &row.to_status)?,
        reason_codes: row.reason_codes.clone(),
        note: row.note.clone(),
        request_id: row.request_id.clone(),
    })
}

// ---------------------------------------------------------------------------------------------
// Database work
// ---------------------------------------------------------------------------------------------

/// Who made a change, for the audit log.
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub role: &'static str,
    pub request_id: Option<String>,
}

impl Actor {
    /// Background work such as expiry.
    pub fn system() -> Self {
        Actor {
            user_id: None,
            role: "system",
            request_id: None,
        }
    }

    pub fn new(principal: &Principal, request_id: String) -> Self {
        Actor {
            user_id: Some(principal.user_id),
            role: principal.role.as_str(),
            request_id: Some(request_id),
        }
    }
}

/// One audit-log entry, written in the caller's transaction.
async fn append_audit(
    conn: &mut AsyncPgConnection,
    seller: &SellerRow,
    actor: &Actor,
    action: AuditAction,
    from: Option<SellerStatus>,
    to: SellerStatus,
) -> ApiResult<()> {
    append_audit_entry(conn, seller, actor, action, from, to, &[], None).await
}

/// One audit-log entry with the reason codes and note of a decision, written in the caller's
/// transaction.
#[allow(clippy::too_many_arguments)]
pub async fn append_audit_entry(
    conn: &mut AsyncPgConnection,
    seller: &SellerRow,
    actor: &Actor,
    action: AuditAction,
    from: Option<SellerStatus>,
    to: SellerStatus,
    reason_codes: &[String],
    note: Option<&str>,
) -> ApiResult<()> {
    diesel::insert_into(seller_audit_log::table)
        .values(&AuditRow {
            id: Uuid::now_v7(),
            seller_id: seller.id,
            actor_user_id: actor.user_id,
            actor_role: actor.role.to_owned(),
            at: Utc::now(),
            action: action.as_str().to_owned(),
            from_status: from.map(|s| s.as_str().to_owned()),
            to_status: to.as_str().to_owned(),
            reason_codes: reason_codes.to_vec(),
            note: note.map(str::to_owned),
            request_id: actor.request_id.clone(),
            home_jurisdiction: seller.home_jurisdiction.clone(),
        })
        .execute(conn)
        .await?;
    Ok(())
}

async fn own_seller(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    lock: bool,
) -> ApiResult<Option<SellerRow>> {
    let query = sellers::table
        .filter(sellers::organisation_id.eq(principal.organisation_id))
        .select(SellerRow::as_select());
    let row = if lock {
        query.for_update().first(conn).await.optional()?
    } else {
        query.first(conn).await.optional()?
    };
    Ok(row)
}

fn no_profile_yet() -> ApiError {
    ApiError::Conflict("create the seller profile first (PUT /v1/sellers/me/profile)".into())
}

async fn seller_by_id(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<SellerRow> {
    Ok(named(id).select(SellerRow::as_select()).first(conn).await?)
}

/// A seller the principal may see, else 404.
async fn visible_seller(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<SellerRow> {
    let row = seller_by_id(conn, id).await?;
    visible(principal, &row)?;
    Ok(row)
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
                    status: SellerStatus::Draft.as_str().to_owned(),
                    version: 1,
                    profile: columns,
                    home_jurisdiction,
                    created_at: now,
                    updated_at: now,
                })
                .returning(SellerRow::as_returning())
                .get_result(conn)
                .await?;
            append_audit(
                conn,
                &row,
                actor,
                AuditAction::Create,
                None,
                SellerStatus::Draft,
            )
            .await?;
            return Ok((profile_view(&row)?, true));
        };
        if_match.require(&etag(current.version))?;
        ensure_editable(status_of(&current)?)?;
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

/// Stores the payout account in the seller's in-country store (never the platform store), then
/// points the platform row at it with a masked summary. If the platform update fails the new
/// in-country row is deleted; the replaced one is deleted after the platform commits.
pub async fn put_payout_account(
    stores: &Stores,
    principal: &Principal,
    if_match: &IfMatch,
    req: PayoutAccountRequest,
) -> ApiResult<PayoutAccountSummary> {
    principal.require(&[Role::Seller])?;
    let account = parse_payout_account(req)?;
    // One connection at a time, each given back before the next is taken: a request holding
    // one while it waits for another (here, of the other store) can stall both pools.
    let seller = own_seller(&mut *stores.platform().await?, principal, false)
        .await?
        .ok_or_else(no_profile_yet)?;
    if_match.check_if_present(&etag(seller.version))?;
    ensure_editable(status_of(&seller)?)?;
    // Fail closed: localised data never falls back to the platform store.
    let local_pool = stores
        .in_country
        .get(&seller.home_jurisdiction)
        .ok_or_else(|| {
            ApiError::Unavailable(format!(
                "no in-country store is configured for {}",
                seller.home_jurisdiction
            ))
        })?;
    let row = PayoutAccountRow {
        id: Uuid::now_v7(),
        seller_id: seller.id,
        account_holder_name: account.account_holder_name,
        account_number: account.account_number.as_str().to_owned(),
        ifsc: account.ifsc.as_str().to_owned(),
        bank_name: account.bank_name,
        created_at: Utc::now(),
        home_jurisdiction: seller.home_jurisdiction.clone(),
    };
    diesel::insert_into(payout_accounts::table)
        .values(&row)
        .execute(&mut *local_pool.get().await?)
        .await?;
    let summary = PayoutAccountSummary {
        reference: row.id,
        account_number_masked: format!("XXXX{}", account.account_number.last4()),
        last4: account.account_number.last4().to_owned(),
        ifsc: row.ifsc.clone(),
        bank_name: row.bank_name.clone(),
    };
    let linked = stores
        .platform()
        .await?
        .transaction(async |conn| {
            let current = sellers::table
                .find(seller.id)
                .select(SellerRow::as_select())
                .for_update()
                .first(conn)
                .await?;
            if_match.check_if_present(&etag(current.version))?;
            ensure_editable(status_of(&current)?)?;
            diesel::update(sellers::table.find(seller.id))
                .set((
                    sellers::payout_account_ref.eq(summary.reference),
                    sellers::payout_last4.eq(&summary.last4),
                    sellers::payout_ifsc.eq(&summary.ifsc),
                    sellers::payout_bank_name.eq(&summary.bank_name),
                    sellers::version.eq(current.version + 1),
                    sellers::updated_at.eq(Utc::now()),
                ))
                .execute(conn)
                .await?;
            Ok::<_, ApiError>(current.payout_account_ref)
        })
        .await;
    let stale = match linked {
        Ok(previous) => previous,
        Err(e) => {
            // The platform does not point at the new row: remove it again.
            delete_payout_row(local_pool, row.id).await;
            return Err(e);
        }
    };
    if let Some(previous) = stale {
        delete_payout_row(local_pool, previous).await;
    }
    Ok(summary)
}

async fn delete_payout_row(pool: &PgPool, id: Uuid) {
    let deleted = match pool.get().await {
        Ok(mut conn) => diesel::delete(payout_accounts::table.find(id))
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = deleted {
        // Left for a reconciliation sweep: a row no seller points at.
        tracing::error!(error = %e, payout_account = %id, "could not delete an unreferenced payout account");
    }
}

/// The caller's profile, which must exist and be editable (checked before an upload is read).
pub async fn editable_own_seller(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
) -> ApiResult<SellerRow> {
    principal.require(&[Role::Seller])?;
    let seller = own_seller(conn, principal, false)
        .await?
        .ok_or_else(no_profile_yet)?;
    ensure_editable(status_of(&seller)?)?;
    Ok(seller)
}

/// Moves a checked upload into place and records it (once per `Idempotency-Key`); the file is
/// removed again if the record is not written or the request was a replay.
pub async fn store_document(
    conn: &mut AsyncPgConnection,
    data_dir: &Path,
    principal: &Principal,
    seller: &SellerRow,
    upload: CheckedUpload,
    key: &IdempotencyKey,
    path: &str,
) -> ApiResult<(Created, bool)> {
    let id = Uuid::now_v7();
    let storage_path = format!(
        "documents/{}/{}.{}",
        seller.id,
        id,
        upload.media.extension()
    );
    let mut fingerprint = Sha256::new();
    fingerprint.update(upload.kind.as_str());
    fingerprint.update([0]);
    fingerprint.update(&upload.filename);
    fingerprint.update([0]);
    fingerprint.update(upload.file.sha256);
    let fingerprint: [u8; 32] = fingerprint.finalize().into();
    let row = DocumentRow {
        id,
        seller_id: seller.id,
        kind: upload.kind.as_str().to_owned(),
        media_type: upload.media.mime().to_owned(),
        original_filename: upload.filename,
        size_bytes: i64::try_from(upload.file.size).map_err(ApiError::internal)?,
        sha256: hex::encode(upload.file.sha256),
        storage_path: storage_path.clone(),
        uploaded_by: principal.user_id,
        created_at: Utc::now(),
        home_jurisdiction: seller.home_jurisdiction.clone(),
    };
    storage::persist(upload.file, data_dir, &storage_path).await?;
    let identity = RequestIdentity::post(principal.user_id, key, path, &fingerprint);
    let result = idempotency::run(conn, identity, async |conn| {
        // Under the seller's row lock, so a concurrent submit sees all or nothing of it.
        let current = sellers::table
            .find(row.seller_id)
            .select(SellerRow::as_select())
            .for_update()
            .first(conn)
            .await?;
        ensure_editable(status_of(&current)?)?;
        let stored: DocumentRow = diesel::insert_into(seller_documents::table)
            .values(&row)
            .returning(DocumentRow::as_returning())
            .get_result(conn)
            .await?;
        let view = document_view(public_id(seller), &stored)?;
        Created::new(
            format!("/v1/sellers/{}/documents/{}", public_id(seller), row.id),
            &view,
        )
    })
    .await;
    match result {
        Ok((created, false)) => Ok((created, false)),
        Ok((created, true)) => {
            storage::remove(data_dir, &storage_path).await;
            Ok((created, true))
        }
        Err(e) => {
            storage::remove(data_dir, &storage_path).await;
            Err(e)
        }
    }
}

pub async fn list_documents(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    seller_id: Uuid,
    page: &PageParams,
) -> ApiResult<Page<DocumentView>> {
    let (limit, cursor) = (page.limit()?, page.cursor()?);
    let seller = visible_seller(conn, principal, seller_id).await?;
    let mut query = seller_documents::table
        .filter(seller_documents::seller_id.eq(seller.id))
        .select(DocumentRow::as_select())
        .order(seller_documents::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = cursor {
        query = query.filter(seller_documents::id.gt(after));
    }
    let rows: Vec<DocumentRow> = query.load(conn).await?;
    let items = rows
        .iter()
        .map(|r| document_view(public_id(&seller), r))
        .collect::<ApiResult<_>>()?;
    Ok(Page::from_rows(items, limit, |d: &DocumentView| d.id))
}

/// A document of a seller the principal may see, else 404.
pub async fn get_document(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    seller_id: Uuid,
    document_id: Uuid,
) -> ApiResult<DocumentRow> {
    let seller = visible_seller(conn, principal, seller_id).await?;
    document_of(conn, &seller, document_id).await
}

/// The metadata of a document of a seller the principal may see, else 404.
pub async fn get_document_view(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    seller_id: Uuid,
    document_id: Uuid,
) -> ApiResult<DocumentView> {
    let seller = visible_seller(conn, principal, seller_id).await?;
    document_view(
        public_id(&seller),
        &document_of(conn, &seller, document_id).await?,
    )
}

async fn document_of(
    conn: &mut AsyncPgConnection,
    seller: &SellerRow,
    document_id: Uuid,
) -> ApiResult<DocumentRow> {
    Ok(seller_documents::table
        .filter(seller_documents::seller_id.eq(seller.id))
        .filter(seller_documents::id.eq(document_id))
        .select(DocumentRow::as_select())
        .first(conn)
        .await?)
}

/// Submits the caller's profile: only from draft or changes_requested, only when complete
/// (one 422 lists everything missing). The audit entry is written in the same transaction.
pub async fn submit(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    actor: &Actor,
    if_match: &IfMatch,
) -> ApiResult<SellerProfile> {
    principal.require(&[Role::Seller])?;
    conn.transaction(async |conn| {
        let current = own_seller(conn, principal, true)
            .await?
            .ok_or_else(no_profile_yet)?;
        if_match.check_if_present(&etag(current.version))?;
        let from = status_of(&current)?;
        let to = transition(from, Action::Submit)?;
        let kinds: Vec<String> = seller_documents::table
            .filter(seller_documents::seller_id.eq(current.id))
            .select(seller_documents::kind)
            .distinct()
            .load(conn)
            .await?;
        let kinds: Vec<EvidenceKind> = kinds
            .iter()
            .filter_map(|k| EvidenceKind::parse(k))
            .collect();
        let missing = missing_for_submission(&current, &kinds);
        if !missing.is_empty() {
            return Err(ApiError::Validation(missing));
        }
        let now = Utc::now();
        // The vetting body of the seller's jurisdiction; none yet: it waits unassigned.
        let body = crate::vetting::service::body_for_submission(conn, &current).await?;
        let row: SellerRow = diesel::update(sellers::table.find(current.id))
            .set((
                sellers::status.eq(to.as_str()),
                sellers::submitted_at.eq(now),
                sellers::vetting_body_id.eq(body),
                sellers::version.eq(current.version + 1),
                sellers::updated_at.eq(now),
            ))
            .returning(SellerRow::as_returning())
            .get_result(conn)
            .await?;
        append_audit(
            conn,
            &row,
            actor,
            Action::Submit.audit_action(),
            Some(from),
            to,
        )
        .await?;
        crate::vetting::service::on_submitted(conn, &row, from).await?;
        profile_view(&row)
    })
    .await
}

pub async fn audit_log(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    seller_id: Uuid,
    page: &PageParams,
) -> ApiResult<Page<AuditEntry>> {
    let (limit, cursor) = (page.limit()?, page.cursor()?);
    let seller = visible_seller(conn, principal, seller_id).await?;
    let mut query = seller_audit_log::table
        .filter(seller_audit_log::seller_id.eq(seller.id))
        .select(AuditRow::as_select())
        .order(seller_audit_log::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = cursor {
        query = query.filter(seller_audit_log::id.gt(after));
    }
    let rows: Vec<AuditRow> = query.load(conn).await?;
    let items = rows
        .iter()
        .map(|r| audit_view(public_id(&seller), r))
        .collect::<ApiResult<_>>()?;
    Ok(Page::from_rows(items, limit, |e: &AuditEntry| e.id))
}

/// The standard base64 of a stored hex SHA-256, for `Repr-Digest` / `Digest`.
pub fn sha256_base64(hex_digest: &str) -> ApiResult<String> {
    use base64::Engine;
    let bytes = hex::decode(hex_digest).map_err(ApiError::internal)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    const YEAR: i32 = 2026;

    fn gstin(first14: &str) -> String {
        Gstin::with_check_char(first14).unwrap()
    }

    fn valid_request() -> ProfileRequest {
        ProfileRequest {
            legal_name: Some(" Tiruppur Knitwear Exports Private Limited ".into()),
            trading_name: Some("Tiruppur Knits".into()),
            enterprise_type: Some("Manufacturer".into()),
            sectors: Some(vec!["textiles".into(), "textiles".into(), "leather".into()]),
            msme_category: Some("small".into()),
            year_established: Some(2009),
            employees: Some(85),
            registered_address: Some(AddressInput {
                line1: Some("14 Kumaran Road".into()),
                city: Some("Tiruppur".into()),
                state: Some("tn".into()),
                postal_code: Some("641 601".into()),
                ..Default::default()
            }),
            contacts: Some(vec![ContactInput {
                name: Some("Lakshmi".into()),
                designation: None,
                email: Some("Exports@Tiruppur.example".into()),
                phone: Some("+91 98765 43210".into()),
            }]),
            export_markets: Some(vec!["ae".into(), "KE".into(), "AE".into()]),
            gstin: Some(gstin("33aapfu0939f1z")),
            pan: Some("aapfu0939f".into()),
            iec: Some("AAPFU0939F".into()),
            udyam_number: Some("udyam-tn-29-0012345".into()),
            public_identifiers: Some(vec!["gstin".into()]),
        }
    }

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
        assert_eq!(c.enterprise_type.as_deref(), Some("manufacturer"));
        assert_eq!(c.sectors, ["textiles", "leather"]);
        assert_eq!(c.address_state.as_deref(), Some("TN"));
        assert_eq!(c.address_postal_code.as_deref(), Some("641601"));
        assert_eq!(c.export_markets, ["AE", "KE"]);
        assert_eq!(c.gstin.as_deref(), Some(gstin("33AAPFU0939F1Z").as_str()));
        assert_eq!(c.pan.as_deref(), Some("AAPFU0939F"));
        assert_eq!(c.udyam_number.as_deref(), Some("UDYAM-TN-29-0012345"));
        assert_eq!(c.contacts[0]["email"], "exports@tiruppur.example");
        assert_eq!(c.contacts[0]["phone"], "+919876543210");
        assert_eq!(c.public_identifiers, ["gstin"]);
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

    #[test]
    fn payout_accounts_are_checked() {
        let ok = parse_payout_account(PayoutAccountRequest {
            account_holder_name: Some("Tiruppur Knits".into()),
            account_number: Some("5010 0123 456789".into()),
            ifsc: Some("hdfc0001234".into()),
            bank_name: None,
        })
        .unwrap();
        assert_eq!(ok.account_number.as_str(), "50100123456789");
        assert_eq!(ok.ifsc.as_str(), "HDFC0001234");
        let err = parse_payout_account(PayoutAccountRequest {
            account_holder_name: None,
            account_number: Some("12AB".into()),
            ifsc: Some("HDFCO001234".into()),
            bank_name: None,
        })
        .err()
        .unwrap();
        let ApiError::Validation(errors) = err else {
            panic!("expected validation")
        };
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["account_holder_name", "account_number", "ifsc"]);
        assert!(errors.iter().all(|e| !e.message.contains("12AB")));
    }

    #[test]
    fn the_lifecycle_allows_exactly_these_transitions() {
        use Action as A;
        use SellerStatus as S;
        let allowed = [
            (S::Draft, A::Submit, S::Submitted),
            (S::ChangesRequested, A::Submit, S::Submitted),
            (S::Expired, A::Submit, S::Submitted),
            (S::Submitted, A::StartReview, S::UnderReview),
            (S::UnderReview, A::RequestChanges, S::ChangesRequested),
            (S::UnderReview, A::Approve, S::Approved),
            (S::UnderReview, A::Reject, S::Rejected),
            (S::Approved, A::Suspend, S::Suspended),
            (S::Suspended, A::Reinstate, S::Approved),
            (S::Approved, A::Expire, S::Expired),
        ];
        for &from in SellerStatus::ALL {
            for action in Action::ALL {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                match (transition(from, action), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from} {action:?}"),
                    (Err(e), None) => assert_eq!(e, TransitionError { from, action }),
                    (got, want) => panic!("{from} {action:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn a_full_lifecycle_walk() {
        use Action::*;
        let mut s = SellerStatus::Draft;
        for action in [
            Submit,
            StartReview,
            RequestChanges,
            Submit,
            StartReview,
            Approve,
            Suspend,
            Reinstate,
            Expire,
        ] {
            s = transition(s, action).unwrap();
        }
        assert_eq!(s, SellerStatus::Expired);
        let e = transition(SellerStatus::Submitted, Submit).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot submit: the seller is already submitted (possible now: start review)"
        );
        assert!(matches!(ApiError::from(e), ApiError::Conflict(_)));
        assert_eq!(
            transition(SellerStatus::Approved, Approve)
                .unwrap_err()
                .to_string(),
            "cannot approve: the seller is already approved (possible now: suspend, expire)"
        );
        assert_eq!(
            transition(SellerStatus::Approved, Reject)
                .unwrap_err()
                .to_string(),
            "cannot reject: the seller is approved, and reject is possible only when it is \
             under review (possible now: suspend, expire)"
        );
        assert_eq!(
            transition(SellerStatus::Rejected, Suspend)
                .unwrap_err()
                .to_string(),
            "cannot suspend: the seller is rejected, and suspend is possible only when it is \
             approved (no further change is possible)"
        );
    }

    #[test]
    fn only_draft_changes_requested_and_expired_are_editable() {
        let editable: Vec<SellerStatus> = SellerStatus::ALL
            .iter()
            .copied()
            .filter(|s| is_editable(*s))
            .collect();
        assert_eq!(
            editable,
            [
                SellerStatus::Draft,
                SellerStatus::ChangesRequested,
                SellerStatus::Expired
            ]
        );
    }

    #[test]
    fn who_may_view_a_seller() {
        let (org, body, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let p = |role, organisation_id| Principal {
            user_id: Uuid::now_v7(),
            organisation_id,
            role,
        };
        assert!(can_view(&p(Role::Seller, org), org, None));
        assert!(!can_view(&p(Role::Seller, other), org, None));
        assert!(!can_view(&p(Role::Buyer, org), org, None));
        assert!(can_view(&p(Role::Admin, other), org, None));
        assert!(can_view(&p(Role::Auditor, other), org, None));
        assert!(can_view(&p(Role::VettingOfficer, body), org, Some(body)));
        assert!(!can_view(&p(Role::VettingOfficer, other), org, Some(body)));
        assert!(!can_view(&p(Role::VettingOfficer, body), org, None));
    }

    fn row(columns: ProfileColumns) -> SellerRow {
        let now = Utc::now();
        SellerRow {
            id: Uuid::now_v7(),
            organisation_id: Uuid::now_v7(),
            status: "draft".into(),
            version: 1,
            legal_name: columns.legal_name,
            trading_name: columns.trading_name,
            enterprise_type: columns.enterprise_type,
            sectors: columns.sectors,
            msme_category: columns.msme_category,
            year_established: columns.year_established,
            employees: columns.employees,
            address_line1: columns.address_line1,
            address_line2: columns.address_line2,
            address_city: columns.address_city,
            address_district: columns.address_district,
            address_state: columns.address_state,
            address_postal_code: columns.address_postal_code,
            contacts: columns.contacts,
            export_markets: columns.export_markets,
            gstin: columns.gstin,
            pan: columns.pan,
            iec: columns.iec,
            udyam_number: columns.udyam_number,
            public_identifiers: columns.public_identifiers,
            payout_account_ref: None,
            payout_last4: None,
            payout_ifsc: None,
            payout_bank_name: None,
            vetting_body_id: None,
            submitted_at: None,
            decided_at: None,
            valid_until: None,
            badge_kind: None,
            badge_issued_by: None,
            badge_issued_at: None,
            badge_valid_until: None,
            home_jurisdiction: "IN".into(),
            created_at: now,
            updated_at: now,
        }
    }

    fn missing(row: &SellerRow, docs: &[EvidenceKind]) -> Vec<String> {
        missing_for_submission(row, docs)
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn an_empty_profile_lacks_everything() {
        let empty = row(ProfileColumns {
            contacts: serde_json::json!([]),
            ..Default::default()
        });
        assert_eq!(
            missing(&empty, &[]),
            [
                "legal_name",
                "trading_name",
                "enterprise_type",
                "sectors",
                "year_established",
                "employees",
                "registered_address.line1",
                "registered_address.city",
                "registered_address.state",
                "registered_address.postal_code",
                "contacts",
                "gstin",
                "pan",
                "iec",
                "payout_account",
                "documents.gstin_certificate",
                "documents.address_proof",
            ]
        );
    }

    #[test]
    fn completeness_depends_on_msme_and_manufacturing() {
        let mut complete = row(parse_profile(valid_request(), YEAR, "IN").unwrap());
        complete.payout_account_ref = Some(Uuid::now_v7());
        let all = [
            EvidenceKind::GstinCertificate,
            EvidenceKind::AddressProof,
            EvidenceKind::ManufacturingEvidence,
        ];
        assert!(missing(&complete, &all).is_empty());
        assert_eq!(
            missing(&complete, &all[..2]),
            ["documents.manufacturing_evidence"]
        );
        let mut merchant = complete.clone();
        merchant.enterprise_type = Some("merchant_exporter".into());
        assert!(missing(&merchant, &all[..2]).is_empty());
        let mut no_udyam = complete.clone();
        no_udyam.udyam_number = None;
        assert_eq!(missing(&no_udyam, &all), ["udyam_number"]);
        let mut no_category = complete.clone();
        no_category.msme_category = None;
        assert_eq!(missing(&no_category, &all), ["msme_category"]);
        let mut not_msme = no_udyam.clone();
        not_msme.msme_category = None;
        assert!(missing(&not_msme, &all).is_empty());
    }

    #[test]
    fn the_public_view_shows_only_public_fields_of_approved_sellers() {
        let mut r = row(parse_profile(valid_request(), YEAR, "IN").unwrap());
        let now = Utc::now();
        assert!(public_view(&r, now).unwrap().is_none());
        r.status = "approved".into();
        r.badge_kind = Some("verified_msme".into());
        r.badge_issued_by = Some(Uuid::now_v7());
        r.badge_issued_at = Some(now);
        r.badge_valid_until = Some(now + chrono::Duration::days(1));
        let p = public_view(&r, now).unwrap().unwrap();
        assert_eq!(p.trading_name.as_deref(), Some("Tiruppur Knits"));
        assert_eq!(p.state_name.as_deref(), Some("Tamil Nadu"));
        assert!(p.badge.is_some());
        assert_eq!(p.identifiers.gstin, r.gstin);
        assert!(p.identifiers.iec.is_none() && p.identifiers.udyam_number.is_none());
        let json = serde_json::to_string(&p).unwrap();
        for secret in ["Lakshmi", "+919876543210", "AAPFU0939F\"", "Kumaran"] {
            assert!(!json.contains(secret), "{secret} in {json}");
        }
        // An expired badge is not shown; a suspended seller is not public.
        assert!(
            public_view(&r, now + chrono::Duration::days(2))
                .unwrap()
                .unwrap()
                .badge
                .is_none()
        );
        r.status = "suspended".into();
        assert!(public_view(&r, now).unwrap().is_none());
    }

    #[test]
    fn file_names_are_sanitised() {
        let pdf = DocumentKind::Pdf;
        assert_eq!(sanitise_filename(Some("GST cert.pdf"), pdf), "GST_cert.pdf");
        assert_eq!(
            sanitise_filename(Some("../../etc/passwd"), pdf),
            "passwd.pdf"
        );
        assert_eq!(
            sanitise_filename(Some("C:\\Users\\a\\scan.PDF"), pdf),
            "scan.PDF"
        );
        assert_eq!(sanitise_filename(Some(".htaccess"), pdf), "htaccess.pdf");
        assert_eq!(sanitise_filename(None, pdf), "document.pdf");
        assert_eq!(
            sanitise_filename(Some(""), DocumentKind::Png),
            "document.png"
        );
        assert_eq!(
            sanitise_filename(Some("photo.jpeg"), DocumentKind::Jpeg),
            "photo.jpeg"
        );
        assert_eq!(
            sanitise_filename(Some("invoice.exe"), DocumentKind::Png),
            "invoice.exe.png"
        );
        assert_eq!(sanitise_filename(Some("प्रमाणपत्र.pdf"), pdf), "प्रमाणपत्र.pdf");
        assert_eq!(
            sanitise_filename(Some("a\"b;c\r\n.pdf"), pdf),
            "a_b_c__.pdf"
        );
        assert_eq!(
            sanitise_filename(Some("invoice\u{202E}fdp.exe"), pdf),
            "invoice_fdp.exe.pdf"
        );
        assert!(
            sanitise_filename(Some(&"x".repeat(500)), pdf)
                .chars()
                .count()
                <= 104
        );
    }
}
