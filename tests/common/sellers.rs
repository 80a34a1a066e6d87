//! Seller helpers shared by test files: a complete profile, uploads, submission.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use exportbridge::auth::Role;
use exportbridge::identifiers::Gstin;
use reqwest::Response;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Session, TestApp};

pub const ACCOUNT_NUMBER: &str = "50100123456789";

pub fn pdf() -> Vec<u8> {
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

pub fn png() -> Vec<u8> {
    let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    v.extend_from_slice(b"\0\0\0\rIHDR rest of a tiny png");
    v
}

pub fn jpeg() -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    v.extend_from_slice(b"JFIF\0 and some scan data");
    v
}

pub fn gstin(first14: &str) -> String {
    Gstin::with_check_char(first14).unwrap()
}

/// A complete profile of a Tamil Nadu manufacturer and small MSME.
pub fn complete_profile() -> Value {
    json!({
        "legal_name": "Tiruppur Knitwear Exports Private Limited",
        "trading_name": "Tiruppur Knits",
        "enterprise_type": "manufacturer",
        "sectors": ["textiles"],
        "msme_category": "small",
        "year_established": 2009,
        "employees": 85,
        "registered_address": {"line1": "14 Kumaran Road", "city": "Tiruppur", "district": "Tiruppur", "state": "TN", "postal_code": "641601"},
        "contacts": [{"name": "Lakshmi Narayanan", "designation": "Export manager", "email": "exports@tiruppur-knits.example", "phone": "+919876543210"}],
        "export_markets": ["AE", "KE", "SG"],
        "gstin": gstin("33AAPFU0939F1Z"),
        "pan": "AAPFU0939F",
        "iec": "AAPFU0939F",
        "udyam_number": "UDYAM-TN-29-0012345",
        "public_identifiers": ["gstin"]
    })
}

pub fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

pub async fn put_json(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    body: &Value,
    if_match: Option<&str>,
) -> Response {
    let mut req = app.client.put(app.url(path)).json(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(tag) = if_match {
        req = req.header("If-Match", tag);
    }
    req.send().await.unwrap()
}

pub async fn put_profile(
    app: &TestApp,
    s: &Session,
    body: &Value,
    if_match: Option<&str>,
) -> Response {
    put_json(
        app,
        "/v1/sellers/me/profile",
        Some(&s.token),
        body,
        if_match,
    )
    .await
}

pub async fn put_payout(app: &TestApp, s: &Session, body: &Value) -> Response {
    put_json(
        app,
        "/v1/sellers/me/payout-account",
        Some(&s.token),
        body,
        None,
    )
    .await
}

pub fn payout_body() -> Value {
    json!({"account_holder_name": "Tiruppur Knitwear Exports Private Limited", "account_number": ACCOUNT_NUMBER, "ifsc": "HDFC0001234", "bank_name": "HDFC Bank"})
}

pub fn upload_form(kind: &str, filename: &str, mime: &str, bytes: Vec<u8>) -> Form {
    Form::new().text("kind", kind.to_owned()).part(
        "file",
        Part::bytes(bytes)
            .file_name(filename.to_owned())
            .mime_str(mime)
            .unwrap(),
    )
}

pub async fn upload(
    app: &TestApp,
    s: &Session,
    kind: &str,
    filename: &str,
    bytes: Vec<u8>,
) -> Response {
    app.client
        .post(app.url("/v1/sellers/me/documents"))
        .bearer_auth(&s.token)
        .multipart(upload_form(kind, filename, "application/pdf", bytes))
        .send()
        .await
        .unwrap()
}

pub async fn json_of(res: Response, status: u16) -> Value {
    let code = res.status().as_u16();
    let body = res.text().await.unwrap();
    assert_eq!(code, status, "{body}");
    serde_json::from_str(&body).unwrap()
}

pub fn etag_of(res: &Response) -> String {
    res.headers()["etag"].to_str().unwrap().to_owned()
}

/// A seller with a complete profile, payout account and the three required documents.
pub async fn complete_seller(app: &TestApp) -> (Session, Uuid) {
    complete_seller_with(app, &complete_profile()).await
}

/// A seller with the given complete profile, payout account and the three documents.
pub async fn complete_seller_with(app: &TestApp, profile: &Value) -> (Session, Uuid) {
    let s = app.login_as(Role::Seller).await;
    let res = put_profile(app, &s, profile, None).await;
    let id: Uuid = json_of(res, 201).await["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    json_of(put_payout(app, &s, &payout_body()).await, 200).await;
    for (kind, name, bytes) in [
        ("gstin_certificate", "gst.pdf", pdf()),
        ("address_proof", "electricity bill.png", png()),
        ("manufacturing_evidence", "factory.jpg", jpeg()),
    ] {
        json_of(upload(app, &s, kind, name, bytes).await, 201).await;
    }
    (s, id)
}

pub async fn submit(app: &TestApp, s: &Session) -> Response {
    app.client
        .post(app.url("/v1/sellers/me/submit"))
        .bearer_auth(&s.token)
        .header("X-Request-Id", "req-submit-1")
        .send()
        .await
        .unwrap()
}

/// A complete profile of a business in another state, sector and enterprise type. `gst_code`
/// and `state` must agree (e.g. "27" and "MH"); `n` makes the identifiers unique.
pub fn profile_in(
    gst_code: &str,
    state: &str,
    n: u32,
    sectors: &[&str],
    enterprise_type: &str,
    msme: bool,
) -> Value {
    let letter = (b'A' + (n % 26) as u8) as char;
    let pan = format!("AAPF{letter}{:04}F", 1000 + n % 9000);
    let mut p = complete_profile();
    p["trading_name"] = json!(format!("Exporter {n} of {state}"));
    p["sectors"] = json!(sectors);
    p["enterprise_type"] = json!(enterprise_type);
    p["registered_address"]["state"] = json!(state);
    p["gstin"] = json!(gstin(&format!("{gst_code}{pan}1Z")));
    p["pan"] = json!(pan);
    p["iec"] = json!(pan);
    if msme {
        p["udyam_number"] = json!(format!("UDYAM-{state}-01-{:07}", n));
    } else {
        p["udyam_number"] = Value::Null;
        p["msme_category"] = Value::Null;
    }
    p
}

/// Every string in a JSON value, with its path.
pub fn strings(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((path.to_owned(), s.clone())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strings(item, &format!("{path}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                strings(item, &format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

/// Fails when a public response holds any of the seller's personal or private data.
pub fn assert_no_personal_data(body: &Value, profile: &Value) {
    let contact = &profile["contacts"][0];
    let private = [
        contact["name"].as_str().unwrap(),
        contact["email"].as_str().unwrap(),
        contact["phone"].as_str().unwrap(),
        profile["pan"].as_str().unwrap(),
        profile["legal_name"].as_str().unwrap(),
        ACCOUNT_NUMBER,
        &ACCOUNT_NUMBER[ACCOUNT_NUMBER.len() - 4..],
    ];
    let mut all = Vec::new();
    strings(body, "$", &mut all);
    for (path, value) in &all {
        for p in private {
            // A GSTIN holds its business's PAN by construction; a seller may publish its GSTIN.
            let gstin_holds_pan = path.ends_with(".gstin") && p == profile["pan"];
            // Four digits turn up by chance inside timestamps and ids (…04:03:25.006789Z).
            let stamp_or_id = p.len() == 4
                && (chrono::DateTime::parse_from_rfc3339(value).is_ok()
                    || uuid::Uuid::parse_str(value).is_ok());
            assert!(
                gstin_holds_pan || stamp_or_id || !value.contains(p),
                "{path} = {value:?} holds private data {p:?}"
            );
        }
        assert!(
            !value.contains('@'),
            "{path} = {value:?} looks like an email"
        );
    }
    let text = body.to_string();
    for key in [
        "contacts", "email", "phone", "pan", "payout", "bank", "ifsc", "account",
    ] {
        assert!(
            !text.contains(&format!("\"{key}")),
            "a public response has a {key:?} field"
        );
    }
}
