//! The committed OpenAPI document matches the code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn committed_openapi_json_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = exportbridge::openapi_json().unwrap();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `cargo run -- openapi` and commit the result"
    );
}

#[test]
fn every_operation_is_documented() {
    let spec: serde_json::Value =
        serde_json::from_str(&exportbridge::openapi_json().unwrap()).unwrap();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["summary"].is_string() || op["description"].is_string(),
                "{method} {path} has no description"
            );
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has no responses"
            );
        }
    }
}

#[test]
fn the_cli_check_fails_on_a_stale_file() {
    let dir = std::env::temp_dir().join(format!("eb_openapi_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stale = dir.join("openapi.json");
    std::fs::write(&stale, "{}\n").unwrap();
    let bin = env!("CARGO_BIN_EXE_exportbridge");
    let out = std::process::Command::new(bin)
        .args(["openapi", "--check", "--out"])
        .arg(&stale)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("stale"));
    // Writing it makes the check pass.
    let write = std::process::Command::new(bin)
        .args(["openapi", "--out"])
        .arg(&stale)
        .status()
        .unwrap();
    assert!(write.success());
    let check = std::process::Command::new(bin)
        .args(["openapi", "--check", "--out"])
        .arg(&stale)
        .status()
        .unwrap();
    assert!(check.success());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_operation_documents_its_error_answers() {
    let spec: serde_json::Value =
        serde_json::from_str(&exportbridge::openapi_json().unwrap()).unwrap();
    let mut missing = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let has = |code: &str| responses.contains_key(code);
            if op.get("security").is_some() && !has("401") {
                missing.push(format!("{method} {path}: 401"));
            }
            let json_body = op["requestBody"]["content"]
                .get("application/json")
                .is_some();
            if json_body && !(has("400") && has("415") && has("422")) {
                missing.push(format!("{method} {path}: 400/415/422"));
            }
            for (code, response) in responses {
                if response["description"].as_str().is_none_or(str::is_empty) {
                    missing.push(format!("{method} {path}: {code} has no description"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "undocumented answers: {missing:#?}");
}

fn spec() -> serde_json::Value {
    serde_json::from_str(&exportbridge::openapi_json().unwrap()).unwrap()
}

/// Every operation with its parameters, as `(label, operation)`.
fn operations(spec: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((format!("{method} {path}"), op.clone()));
        }
    }
    out
}

fn params<'a>(op: &'a serde_json::Value, name: &str, place: &str) -> Vec<&'a serde_json::Value> {
    op["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter(|p| {
                    p["in"] == place && p["name"].as_str().unwrap().eq_ignore_ascii_case(name)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The rules the server enforces are in the document, so a client (or a fuzzer) can tell a
/// valid request from an invalid one.
#[test]
fn the_document_states_the_input_rules() {
    let spec = spec();
    let mut wrong = Vec::new();
    let mut seen = (0, 0, 0);
    for (label, op) in operations(&spec) {
        for p in params(&op, "limit", "query") {
            seen.0 += 1;
            // Catalogue pages are at most 100 hits (exportbridge::catalogue::request::MAX_LIMIT);
            // an RFQ's matches at most exportbridge::matching::MAX_MATCHES.
            let max = if label.contains("/v1/catalogue/") {
                100
            } else if label.ends_with("/matches") {
                exportbridge::matching::MAX_MATCHES as i64
            } else {
                200
            };
            if p["schema"]["minimum"] != 1 || p["schema"]["maximum"] != max {
                wrong.push(format!("{label}: limit without its range 1..{max}"));
            }
        }
        for p in params(&op, "Idempotency-Key", "header") {
            seen.1 += 1;
            let s = &p["schema"];
            if s["pattern"] != "^[!-~]+$" || s["minLength"] != 1 || s["maxLength"] != 255 {
                wrong.push(format!(
                    "{label}: Idempotency-Key without its alphabet and length"
                ));
            }
        }
        let responses = op["responses"].as_object().unwrap();
        if !params(&op, "If-Match", "header").is_empty() {
            seen.2 += 1;
            if !responses.contains_key("412") {
                wrong.push(format!("{label}: If-Match without 412"));
            }
        }
        if op.get("requestBody").is_some() && !responses.contains_key("408") {
            wrong.push(format!("{label}: a body without 408"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(seen.0 > 0 && seen.1 > 0 && seen.2 > 0, "{seen:?}");
    // A required If-Match answers 428 when missing.
    let put_profile = &spec["paths"]["/v1/sellers/me/profile"]["put"]["responses"];
    assert!(put_profile["428"].is_object() && put_profile["412"].is_object());
    // Password rules of every request that sets one.
    use exportbridge::auth::password::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN};
    for schema in ["RegisterRequest", "CreateUserRequest"] {
        let password = &spec["components"]["schemas"][schema]["properties"]["password"];
        assert_eq!(password["minLength"], MIN_PASSWORD_LEN, "{schema}");
        assert_eq!(password["maxLength"], MAX_PASSWORD_LEN, "{schema}");
    }
}
