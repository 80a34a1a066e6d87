//! Validation of a fee-schedule document: every problem as a field error, with its path.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::schedule::{FeeSchedule, FixedFee, Rail, Route, ScheduleProblem, Spread};
use crate::money::{CurrencyCode, Money};

struct Errs(Vec<ScheduleProblem>);

impl Errs {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(ScheduleProblem {
            field: field.into(),
            message: message.into(),
        });
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn is_country(s: &str) -> bool {
    s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase())
}

fn check_fraction(e: &mut Errs, path: &str, rate: Decimal, allow_one: bool) {
    let too_big = if allow_one {
        rate > Decimal::ONE
    } else {
        rate >= Decimal::ONE
    };
    if rate < Decimal::ZERO || too_big {
        e.add(
            path,
            if allow_one {
                "must be a fraction from 0 to 1"
            } else {
                "must be a fraction from 0 up to (not including) 1"
            },
        );
    }
}

fn check_amount_field(e: &mut Errs, path: &str, amount: Decimal, currency: CurrencyCode) {
    if amount < Decimal::ZERO {
        e.add(path, "must not be negative");
    } else if let Err(err) = Money::from_decimal(amount, currency) {
        e.add(path, err.to_string());
    }
}

fn check_fixed(e: &mut Errs, path: &str, fee: &FixedFee) {
    check_amount_field(e, &format!("{path}.amount"), fee.amount, fee.currency);
}

fn check_spread(e: &mut Errs, path: &str, s: &Spread) {
    match s {
        Spread::FractionOfMid { rate } => check_fraction(e, &format!("{path}.rate"), *rate, false),
        Spread::PerUnit { margin } => {
            if *margin < Decimal::ZERO {
                e.add(format!("{path}.margin"), "must not be negative");
            }
        }
    }
}

impl FeeSchedule {
    /// Checks the document; an empty list means it can be used.
    pub fn validate(&self) -> Vec<ScheduleProblem> {
        let mut e = Errs(Vec::new());
        if self.version.trim().is_empty() {
            e.add("version", "must not be empty");
        }
        check_fraction(&mut e, "gst_rate_on_fees", self.gst_rate_on_fees, true);
        check_fraction(
            &mut e,
            "gst_rate_on_conversion",
            self.gst_rate_on_conversion,
            true,
        );
        self.validate_slabs(&mut e);
        check_amount_field(
            &mut e,
            "listing_fee.amount_inr",
            self.listing_fee.amount_inr,
            CurrencyCode::INR,
        );
        if self.corridors.is_empty() {
            e.add("corridors", "at least one corridor is required");
        }
        let mut seen = BTreeSet::new();
        for (ci, c) in self.corridors.iter().enumerate() {
            let p = format!("corridors[{ci}]");
            if !is_country(&c.buyer_country) {
                e.add(
                    format!("{p}.buyer_country"),
                    "must be an ISO 3166-1 alpha-2 code (two upper-case letters)",
                );
            }
            if c.seller_jurisdiction != "IN" {
                e.add(
                    format!("{p}.seller_jurisdiction"),
                    "only \"IN\" (India) is supported",
                );
            }
            if !seen.insert((c.buyer_country.clone(), c.seller_jurisdiction.clone())) {
                e.add(
                    format!("{p}.buyer_country"),
                    format!(
                        "duplicate corridor {} → {}",
                        c.buyer_country, c.seller_jurisdiction
                    ),
                );
            }
            if c.routes.is_empty() {
                e.add(format!("{p}.routes"), "at least one route is required");
            }
            let mut codes = BTreeSet::new();
            for (ri, r) in c.routes.iter().enumerate() {
                let rp = format!("{p}.routes[{ri}]");
                if !codes.insert(r.code.as_str()) {
                    e.add(
                        format!("{rp}.code"),
                        format!("duplicate route code '{}' in this corridor", r.code),
                    );
                }
                validate_route(&mut e, &rp, r);
            }
        }
        e.0
    }

    fn validate_slabs(&self, e: &mut Errs) {
        let s = &self.conversion_gst_slabs;
        let p = "conversion_gst_slabs";
        if s.slabs.is_empty() {
            e.add(format!("{p}.slabs"), "at least one slab is required");
        }
        let mut prev_up: Option<Decimal> = Some(Decimal::ZERO);
        for (i, slab) in s.slabs.iter().enumerate() {
            let sp = format!("{p}.slabs[{i}]");
            match prev_up {
                Some(up) if up == slab.from_inr => {}
                Some(up) => e.add(
                    format!("{sp}.from_inr"),
                    format!("must equal the previous slab's upper bound ({up})"),
                ),
                None => e.add(sp.as_str(), "comes after an unbounded slab"),
            }
            if let Some(up) = slab.up_to_inr
                && up <= slab.from_inr
            {
                e.add(format!("{sp}.up_to_inr"), "must be above from_inr");
            }
            if slab.base_value_inr < Decimal::ZERO {
                e.add(format!("{sp}.base_value_inr"), "must not be negative");
            }
            check_fraction(e, &format!("{sp}.rate"), slab.rate, true);
            prev_up = slab.up_to_inr;
        }
        if prev_up.is_some() && !s.slabs.is_empty() {
            e.add(
                format!("{p}.slabs[{}].up_to_inr", s.slabs.len() - 1),
                "the last slab must have no upper bound",
            );
        }
        if s.minimum_value_inr < Decimal::ZERO {
            e.add(format!("{p}.minimum_value_inr"), "must not be negative");
        }
        if s.maximum_value_inr < s.minimum_value_inr {
            e.add(
                format!("{p}.maximum_value_inr"),
                "must not be below minimum_value_inr",
            );
        }
    }
}

/// Every problem with one route, `rp` being its path in the document.
fn validate_route(e: &mut Errs, rp: &str, r: &Route) {
    check_route_identity(e, rp, r);
    check_route_coverage(e, rp, r);
    check_route_fees(e, rp, r);
}

/// Code, name, eligibility and its reason, arrival window, currencies listed once.
fn check_route_identity(e: &mut Errs, rp: &str, r: &Route) {
    if !is_slug(&r.code) {
        e.add(
            format!("{rp}.code"),
            "must be a slug: lower-case letters and digits separated by single hyphens",
        );
    }
    if r.name.trim().is_empty() {
        e.add(format!("{rp}.name"), "must not be empty");
    }
    let reason_given = r
        .ineligibility_reason
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty());
    if !r.eligible && !reason_given {
        e.add(
            format!("{rp}.ineligibility_reason"),
            "required when the route is not eligible",
        );
    }
    if r.eligible && r.ineligibility_reason.is_some() {
        e.add(
            format!("{rp}.ineligibility_reason"),
            "only for routes that are not eligible",
        );
    }
    if r.rail == Rail::Upi && r.eligible {
        e.add(
            format!("{rp}.eligible"),
            "UPI cannot be eligible: UPI international is person-to-person only, not for B2B export receipts",
        );
    }
    if let Some(w) = r.arrival
        && w.min_hours > w.max_hours
    {
        e.add(
            format!("{rp}.arrival.min_hours"),
            "must not exceed max_hours",
        );
    }
    let mut seen = BTreeSet::new();
    for (i, c) in r.buyer_currencies.iter().enumerate() {
        if !seen.insert(*c) {
            e.add(
                format!("{rp}.buyer_currencies[{i}]"),
                format!("duplicate currency {c}"),
            );
        }
    }
}

/// What an eligible route must say to be priced (arrival, currencies, conversions),
/// and no INR conversion for a route that carries INR.
fn check_route_coverage(e: &mut Errs, rp: &str, r: &Route) {
    if r.eligible {
        if r.arrival.is_none() {
            e.add(format!("{rp}.arrival"), "required for an eligible route");
        }
        if r.buyer_currencies.is_empty() {
            e.add(
                format!("{rp}.buyer_currencies"),
                "an eligible route must accept at least one currency",
            );
        }
        if let Some(t) = r.transit_currency
            && r.conversion_abroad.is_none()
            && let Some(c) = r.buyer_currencies.iter().find(|c| **c != t)
        {
            e.add(
                format!("{rp}.conversion_abroad"),
                format!("required: the route accepts {c} but carries {t}"),
            );
        }
        let reaches_india_foreign = match r.transit_currency {
            Some(t) => t != CurrencyCode::INR,
            None => r.buyer_currencies.iter().any(|c| *c != CurrencyCode::INR),
        };
        if reaches_india_foreign && r.inr_conversion.is_none() {
            e.add(
                format!("{rp}.inr_conversion"),
                "required: foreign currency reaches India and must be converted",
            );
        }
    }
    if r.transit_currency == Some(CurrencyCode::INR) && r.inr_conversion.is_some() {
        e.add(
            format!("{rp}.inr_conversion"),
            "not used: the route carries INR (put the spread in conversion_abroad)",
        );
    }
}

/// Each fee and spread of the route is well formed.
fn check_route_fees(e: &mut Errs, rp: &str, r: &Route) {
    if let Some(f) = &r.sender_fee {
        check_fixed(e, &format!("{rp}.sender_fee"), f);
    }
    if let Some(s) = &r.conversion_abroad {
        check_spread(e, &format!("{rp}.conversion_abroad"), s);
    }
    for (i, h) in r.intermediaries.iter().enumerate() {
        let hp = format!("{rp}.intermediaries[{i}]");
        if h.name.trim().is_empty() {
            e.add(format!("{hp}.name"), "must not be empty");
        }
        check_fixed(e, &format!("{hp}.fee"), &h.fee);
    }
    if let Some(c) = &r.inr_conversion {
        check_spread(e, &format!("{rp}.inr_conversion.spread"), &c.spread);
        if c.converted_by.trim().is_empty() {
            e.add(
                format!("{rp}.inr_conversion.converted_by"),
                "must not be empty",
            );
        }
    }
    for (name, fee) in [
        ("receiving_fee", &r.receiving_fee),
        ("fira_fee", &r.fira_fee),
    ] {
        if let Some(f) = fee {
            check_amount_field(
                e,
                &format!("{rp}.{name}.amount_inr"),
                f.amount_inr,
                CurrencyCode::INR,
            );
        }
    }
    if let Some(p) = &r.psp_fee {
        check_fraction(e, &format!("{rp}.psp_fee.rate"), p.rate, false);
        if let Some(f) = &p.fixed {
            check_fixed(e, &format!("{rp}.psp_fee.fixed"), f);
        }
    }
    if let Some(p) = &r.platform_fee {
        check_fraction(e, &format!("{rp}.platform_fee.rate"), p.rate, false);
        check_amount_field(
            e,
            &format!("{rp}.platform_fee.fixed_inr"),
            p.fixed_inr,
            CurrencyCode::INR,
        );
    }
}

/// Parses a fee-schedule JSON document, reporting every problem as a field
/// error: unknown currency codes (with their paths), shape errors, then
/// [`FeeSchedule::validate`].
pub fn parse_fee_schedule(doc: &serde_json::Value) -> Result<FeeSchedule, Vec<ScheduleProblem>> {
    let mut errs = Vec::new();
    // List lengths first: an over-long list is one problem, and its items are not looked at.
    find_long_lists(doc, "", &mut errs);
    if !errs.is_empty() {
        return Err(errs);
    }
    find_unknown_currencies(doc, "", &mut errs);
    if !errs.is_empty() {
        return Err(errs);
    }
    let schedule: FeeSchedule = serde_path_to_error::deserialize(doc).map_err(|err| {
        let path = err.path().to_string();
        let error = crate::http::data_error(&path, &err.into_inner().to_string());
        vec![ScheduleProblem {
            field: if path == "." {
                String::new()
            } else {
                error.field
            },
            message: error.message,
        }]
    })?;
    let problems = schedule.validate();
    if problems.is_empty() {
        Ok(schedule)
    } else {
        Err(problems)
    }
}

/// Most items of each list of a schedule document (the schema's `max_items`); any other list
/// is capped at [`MAX_OTHER_LIST`].
const LIST_CAPS: &[(&str, usize)] = &[
    ("corridors", 250),
    ("routes", 50),
    ("slabs", 50),
    ("notes", 20),
    ("buyer_currencies", 50),
    ("intermediaries", 10),
];
const MAX_OTHER_LIST: usize = 100;

/// The path of a key of the object at `path`.
fn key_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn find_long_lists(v: &serde_json::Value, path: &str, errs: &mut Vec<ScheduleProblem>) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = key_path(path, k);
                if let Value::Array(items) = child {
                    let max = LIST_CAPS
                        .iter()
                        .find(|(key, _)| key == k)
                        .map_or(MAX_OTHER_LIST, |(_, max)| *max);
                    if items.len() > max {
                        errs.push(ScheduleProblem {
                            field: p,
                            message: format!("at most {max} items (got {})", items.len()),
                        });
                        continue;
                    }
                }
                find_long_lists(child, &p, errs);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                find_long_lists(item, &format!("{path}[{i}]"), errs);
            }
        }
        _ => {}
    }
}

fn find_unknown_currencies(v: &serde_json::Value, path: &str, errs: &mut Vec<ScheduleProblem>) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = key_path(path, k);
                let is_ccy_key = k == "currency" || k.ends_with("_currency");
                let is_ccy_list = k == "currencies" || k.ends_with("_currencies");
                match child {
                    Value::String(s) if is_ccy_key => check_code(s, &p, errs),
                    Value::Array(items) if is_ccy_list => {
                        for (i, item) in items.iter().enumerate() {
                            if let Value::String(s) = item {
                                check_code(s, &format!("{p}[{i}]"), errs);
                            }
                        }
                    }
                    _ => find_unknown_currencies(child, &p, errs),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                find_unknown_currencies(item, &format!("{path}[{i}]"), errs);
            }
        }
        _ => {}
    }
}

fn check_code(s: &str, path: &str, errs: &mut Vec<ScheduleProblem>) {
    if let Err(e) = CurrencyCode::parse(s) {
        errs.push(ScheduleProblem {
            field: path.to_string(),
            message: e.to_string(),
        });
    }
}
