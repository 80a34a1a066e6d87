//! The generated catalogue: approved sellers and their published listings, made from the
//! sector vocabulary (`vocab`) by a fixed-seed PRNG. Pure: no I/O, no clock.
//!
//! Seller `j` and listing `i` each have their own PRNG stream, seeded from the catalogue seed and
//! the index, so a row does not depend on how many others are made: seeding 10,000 listings and
//! then 100,000 gives the first 10,000 rows again (only a listing's seller, chosen among the
//! sellers of the run, depends on the number of sellers). Ids are UUID v7 built from the row's
//! own creation time and PRNG bytes, like the ids the services make, but reproducible.
//! Timestamps count back from a fixed anchor (`ANCHOR`), never from the clock.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::vocab::{self, Cluster, SECTORS, SectorVocab};
use crate::identifiers::{Gstin, Incoterm, IndianState};
use crate::listings::api::{Certification, MoqUnit};
use crate::listings::model::{StoredIncoterm, StoredPriceBreak};
use crate::money::CurrencyCode;
use crate::sellers::api::Sector;
use crate::vocabulary::Vocabulary;

/// The default catalogue seed ("exportbr").
pub const DEFAULT_SEED: u64 = 0x6578_706f_7274_6272;

/// 2026-12-01T00:00:00Z: listings are published in the year before it.
const ANCHOR_SECS: i64 = 1_796_083_200;

fn anchor() -> DateTime<Utc> {
    DateTime::from_timestamp(ANCHOR_SECS, 0).unwrap_or_default()
}

const KIND_SELLER: u64 = 1;
const KIND_LISTING: u64 = 2;

/// SplitMix64: tiny, fast and stable across crate versions (rand's `StdRng` may change its
/// algorithm between releases, which would change every generated row).
#[derive(Debug, Clone)]
pub struct Rng(u64);

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// The stream of entity `index` of `kind` in the catalogue `seed`.
    pub fn for_entity(seed: u64, kind: u64, index: u64) -> Rng {
        Rng(mix(
            seed ^ mix(kind.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ mix(index))
        ))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n); 0 when n is 0.
    fn below(&mut self, n: usize) -> usize {
        ((self.unit() * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// Uniform in [lo, hi].
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.unit() * (hi - lo + 1) as f64) as i64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Earlier items much more often (density falls like x^-2/3): a few common words, a long
    /// tail of rare ones.
    fn skewed<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let u = self.unit();
        &items[((u * u * u * items.len() as f64) as usize).min(items.len() - 1)]
    }

    fn bytes10(&mut self) -> [u8; 10] {
        let a = self.next_u64().to_le_bytes();
        let b = self.next_u64().to_le_bytes();
        [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1]]
    }

    /// A UUID v7 of time `at`, its random part from this stream.
    fn uuid_v7(&mut self, at: DateTime<Utc>) -> Uuid {
        let millis = u64::try_from(at.timestamp_millis()).unwrap_or_default();
        uuid::Builder::from_unix_timestamp_millis(millis, &self.bytes10()).into_uuid()
    }

    fn days_before(&mut self, at: DateTime<Utc>, min_days: i64, max_days: i64) -> DateTime<Utc> {
        at - Duration::seconds(self.range(min_days * 86_400, max_days * 86_400))
    }
}

/// An approved seller of the generated catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct SellerSeed {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub sector: Sector,
    /// Index into `vocab::SECTORS`.
    pub vocab: usize,
    pub sectors: Vec<Sector>,
    pub city: &'static str,
    pub pin: &'static str,
    pub port: &'static str,
    pub state: IndianState,
    pub trading_name: String,
    pub legal_name: String,
    pub enterprise_type: &'static str,
    pub msme_category: Option<&'static str>,
    /// Holds a verified-MSME badge (and so lists for free).
    pub verified: bool,
    pub year_established: i32,
    pub employees: i32,
    pub address_line1: String,
    pub pan: String,
    pub gstin: String,
    pub udyam_number: Option<String>,
    pub export_markets: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub submitted_at: DateTime<Utc>,
    pub decided_at: DateTime<Utc>,
}

fn pick_sector(rng: &mut Rng) -> usize {
    let total: u32 = SECTORS.iter().map(|s| s.weight).sum();
    let mut x = rng.below(total as usize) as u32;
    for (i, s) in SECTORS.iter().enumerate() {
        if x < s.weight {
            return i;
        }
        x -= s.weight;
    }
    0
}

fn state_of(cluster: &Cluster) -> IndianState {
    IndianState::from_code(cluster.state).unwrap_or(IndianState::Maharashtra)
}

const STREETS: &[&str] = &[
    "Industrial Estate",
    "SIDCO Industrial Estate",
    "GIDC Estate",
    "MIDC Area",
    "Phase II Industrial Area",
    "Ring Road",
    "Main Road",
    "Export Promotion Industrial Park",
    "Bazaar Street",
];

fn letter(rng: &mut Rng) -> char {
    char::from(b'A' + rng.below(26) as u8)
}

/// Seller `j` of the catalogue `seed`.
pub fn seller(seed: u64, j: u64) -> SellerSeed {
    let rng = &mut Rng::for_entity(seed, KIND_SELLER, j);
    let vocab_index = pick_sector(rng);
    let v = &SECTORS[vocab_index];
    let cluster = rng.pick(v.clusters);
    let state = state_of(cluster);
    let word = rng.pick(v.name_words);
    let suffix = rng.pick(vocab::NAME_SUFFIXES);
    let trading_name = if rng.chance(0.35) {
        format!("{} {word} {suffix}", cluster.city)
    } else {
        format!("{} {word} {suffix}", rng.pick(vocab::NAME_PREFIXES))
    };
    let (legal_name, holder) = match rng.below(10) {
        0..=5 => (format!("{trading_name} Private Limited"), 'C'),
        6..=7 => (format!("{trading_name} LLP"), 'F'),
        _ => (trading_name.clone(), 'F'),
    };
    let initial = trading_name
        .chars()
        .find(char::is_ascii_alphabetic)
        .unwrap_or('X')
        .to_ascii_uppercase();
    let pan = format!(
        "{}{}{}{holder}{initial}{:04}{}",
        letter(rng),
        letter(rng),
        letter(rng),
        rng.range(1, 9999),
        letter(rng)
    );
    let first14 = format!("{:02}{pan}1Z", state.gst_code());
    let gstin = Gstin::with_check_char(&first14).unwrap_or_else(|| format!("{first14}5"));
    let msme_category = match rng.below(20) {
        0..=7 => Some("micro"),
        8..=13 => Some("small"),
        14..=16 => Some("medium"),
        _ => None,
    };
    let employees = match msme_category {
        Some("micro") => rng.range(4, 40),
        Some("small") => rng.range(20, 200),
        Some(_) => rng.range(100, 900),
        None => rng.range(250, 2500),
    } as i32;
    let verified = msme_category.is_some() && rng.chance(0.4);
    let udyam_number = msme_category.map(|_| {
        format!(
            "UDYAM-{}-{:02}-{:07}",
            state.code(),
            rng.range(1, 40),
            rng.range(1, 9_999_999)
        )
    });
    let mut sectors = vec![v.sector];
    if rng.chance(0.15) {
        let other = SECTORS[pick_sector(rng)].sector;
        if other != v.sector {
            sectors.push(other);
        }
    }
    let mut export_markets: Vec<String> = Vec::new();
    for _ in 0..rng.range(1, 5) {
        let m = (*rng.skewed(vocab::EXPORT_MARKETS)).to_owned();
        if !export_markets.contains(&m) {
            export_markets.push(m);
        }
    }
    // Approved 400 to 900 days before the anchor, so before any of its listings was published.
    let decided_at = rng.days_before(anchor(), 400, 900);
    let submitted_at = rng.days_before(decided_at, 2, 20);
    let created_at = rng.days_before(submitted_at, 1, 60);
    let id = rng.uuid_v7(created_at);
    let organisation_id = rng.uuid_v7(created_at);
    SellerSeed {
        id,
        organisation_id,
        sector: v.sector,
        vocab: vocab_index,
        sectors,
        city: cluster.city,
        pin: cluster.pin,
        port: cluster.port,
        state,
        trading_name,
        legal_name,
        enterprise_type: if rng.chance(0.7) {
            "manufacturer"
        } else {
            "merchant_exporter"
        },
        msme_category,
        verified,
        year_established: rng.range(1965, 2022) as i32,
        employees,
        address_line1: format!("{} {}", rng.range(1, 480), rng.pick(STREETS)),
        pan,
        gstin,
        udyam_number,
        export_markets,
        created_at,
        submitted_at,
        decided_at,
    }
}

/// A published listing of the generated catalogue, in the stored shapes.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingSeed {
    pub id: Uuid,
    pub seller_id: Uuid,
    pub version: i32,
    pub title: String,
    pub description: String,
    pub sector: Sector,
    pub hs_code: &'static str,
    pub keywords: Vec<String>,
    pub attributes: BTreeMap<String, String>,
    pub moq: i64,
    pub moq_unit: MoqUnit,
    pub currency: CurrencyCode,
    pub price_breaks: Vec<StoredPriceBreak>,
    pub incoterms: Vec<StoredIncoterm>,
    pub lead_time_days: i32,
    pub monthly_capacity: Option<i64>,
    pub certifications: Vec<Certification>,
    pub origin_state: IndianState,
    pub samples_available: bool,
    pub image_urls: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub first_published_at: DateTime<Utc>,
    pub published_at: DateTime<Utc>,
}

impl ListingSeed {
    /// The unit price at the MOQ.
    pub fn price_minor(&self) -> i64 {
        self.price_breaks
            .first()
            .map(|b| b.unit_price_minor)
            .unwrap_or(1)
    }
}

fn moq_choices(unit: MoqUnit) -> &'static [i64] {
    match unit {
        MoqUnit::Pieces => &[100, 200, 250, 300, 500, 1000, 2000, 5000, 10_000],
        MoqUnit::Kg => &[25, 50, 100, 200, 500, 1000],
        MoqUnit::MetricTons => &[1, 2, 5, 10, 20, 25],
        MoqUnit::Metres => &[500, 1000, 2000, 3000, 5000],
        MoqUnit::SquareMetres => &[20, 50, 100, 200, 500],
        MoqUnit::Litres => &[200, 500, 1000, 5000],
        MoqUnit::Sets => &[20, 50, 100, 200, 500],
        MoqUnit::Pairs => &[100, 200, 300, 500, 1000],
        MoqUnit::Dozens => &[10, 25, 50, 100, 200],
    }
}

/// Currencies of listings, with their weight and the approximate units per US dollar.
const CURRENCIES: &[(CurrencyCode, u32, f64)] = &[
    (CurrencyCode::USD, 68, 1.0),
    (CurrencyCode::INR, 12, 84.0),
    (CurrencyCode::EUR, 9, 0.92),
    (CurrencyCode::GBP, 4, 0.79),
    (CurrencyCode::AED, 4, 3.67),
    (CurrencyCode::CNY, 3, 7.2),
];

/// How often each incoterm is offered.
const INCOTERM_SHARE: &[(Incoterm, f64)] = &[
    (Incoterm::Exw, 0.30),
    (Incoterm::Fca, 0.12),
    (Incoterm::Cpt, 0.04),
    (Incoterm::Cip, 0.04),
    (Incoterm::Dap, 0.08),
    (Incoterm::Dpu, 0.01),
    (Incoterm::Ddp, 0.04),
    (Incoterm::Fas, 0.02),
    (Incoterm::Fob, 0.60),
    (Incoterm::Cfr, 0.12),
    (Incoterm::Cif, 0.30),
];

const LEAD_TIMES: &[i32] = &[
    7, 10, 14, 15, 21, 25, 30, 30, 30, 35, 45, 45, 60, 60, 75, 90, 120,
];

/// A readable price: whole units above 100, multiples of 5 minor units above 10.
fn tidy(minor: i64, per_major: i64) -> i64 {
    let step = if minor >= 100 * per_major && per_major > 1 {
        per_major
    } else if minor >= 10 {
        5
    } else {
        1
    };
    ((minor + step / 2) / step * step).max(1)
}

pub(super) fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// How certificates are written in descriptions.
fn cert_label(cert: Certification) -> &'static str {
    match cert {
        Certification::Iso9001 => "ISO 9001",
        Certification::Iso14001 => "ISO 14001",
        Certification::Iso22000 => "ISO 22000",
        Certification::Haccp => "HACCP",
        Certification::Gots => "GOTS organic",
        Certification::OekoTex => "OEKO-TEX Standard 100",
        Certification::Bis => "BIS",
        Certification::Ce => "CE",
        Certification::Rohs => "RoHS",
        Certification::Reach => "REACH",
        Certification::Ul => "UL",
        Certification::Fssai => "FSSAI",
        Certification::Organic => "organic (NPOP)",
        Certification::FairTrade => "Fairtrade",
        Certification::Halal => "halal",
        Certification::Sa8000 => "SA8000",
    }
}

fn unit_words(unit: MoqUnit) -> String {
    unit.as_str().replace('_', " ")
}

fn push_unique(list: &mut Vec<String>, word: &str) {
    let w = word.to_lowercase();
    if (2..=50).contains(&w.chars().count()) && !list.contains(&w) && list.len() < 20 {
        list.push(w);
    }
}

/// Listing `i` of the catalogue `seed`, of one of `sellers` (which must not be empty).
pub fn listing(seed: u64, i: u64, sellers: &[SellerSeed]) -> ListingSeed {
    let rng = &mut Rng::for_entity(seed, KIND_LISTING, i);
    // Half the listings spread evenly, half crowd onto the first sellers: some sellers have
    // thousands of listings, most a handful.
    let j = if rng.chance(0.5) {
        rng.below(sellers.len())
    } else {
        let u = rng.unit();
        ((u * u * sellers.len() as f64) as usize).min(sellers.len() - 1)
    };
    let s = &sellers[j];
    let v: &SectorVocab = match s.sectors.get(1) {
        Some(second) if rng.chance(0.2) => SECTORS
            .iter()
            .find(|x| x.sector == *second)
            .unwrap_or(&SECTORS[s.vocab]),
        _ => &SECTORS[s.vocab],
    };
    let product = {
        let u = rng.unit();
        &v.products[((u * u * v.products.len() as f64) as usize).min(v.products.len() - 1)]
    };

    // Title: [colour] quality [quality] product[, spec]
    let mut words: Vec<&str> = Vec::new();
    if rng.chance(0.25) {
        words.push(*rng.skewed(vocab::COLOURS));
    }
    for _ in 0..1 + usize::from(rng.chance(0.35)) {
        let q = *rng.skewed(v.qualities);
        // No word twice ("genuine leather leather shoes").
        let taken = |w: &str| {
            words.iter().any(|x| x.split(' ').any(|y| y == w))
                || product.name.split(' ').any(|y| y == w)
        };
        if !q.split(' ').any(taken) {
            words.push(q);
        }
    }
    words.push(product.name);
    let mut title = capitalise(&words.join(" "));
    if rng.chance(0.25) {
        title.push_str(&format!(" ({} series)", rng.skewed(vocab::RANGES)));
    }
    if rng.chance(0.5) {
        title.push_str(", ");
        let spec: &&str = rng.pick(v.specs);
        title.push_str(spec);
    }

    let mut keywords: Vec<String> = Vec::new();
    for k in product.keywords {
        push_unique(&mut keywords, k);
    }
    for w in &words[..words.len() - 1] {
        push_unique(&mut keywords, w);
    }
    if rng.chance(0.3) {
        push_unique(&mut keywords, "made in india");
    }
    if rng.chance(0.3) {
        let trade: &&str = rng.pick(&["wholesale", "bulk", "private label", "oem", "exporter"]);
        push_unique(&mut keywords, trade);
    }

    let mut attributes = BTreeMap::new();
    for (key, values) in v.attributes {
        if rng.chance(0.7) {
            attributes.insert((*key).to_owned(), (*rng.skewed(values)).to_owned());
        }
    }
    if rng.chance(0.4) {
        attributes.insert("colour".into(), (*rng.skewed(vocab::COLOURS)).to_owned());
    }
    if rng.chance(0.5) {
        attributes.insert(
            "style_code".into(),
            format!("{}{}-{:04}", letter(rng), letter(rng), rng.range(1, 9999)),
        );
    }

    let moq_unit = product.unit;
    let moq = *rng.skewed(moq_choices(moq_unit));
    let mut x = rng.below(100) as u32;
    let &(currency, _, per_usd) = CURRENCIES
        .iter()
        .find(|(_, w, _)| {
            let hit = x < *w;
            x = x.saturating_sub(*w);
            hit
        })
        .unwrap_or(&CURRENCIES[0]);
    let per_major = currency.minor_per_major();
    let usd_cents = rng.range(product.usd_cents.0, product.usd_cents.1);
    let mut price = tidy(
        (usd_cents as f64 / 100.0 * per_usd * per_major as f64).round() as i64,
        per_major,
    );
    let mut price_breaks = vec![StoredPriceBreak {
        min_quantity: moq,
        unit_price_minor: price,
    }];
    let breaks = match rng.below(20) {
        0..=4 => 1,
        5..=11 => 2,
        12..=16 => 3,
        _ => 4,
    };
    let mut quantity = moq;
    for _ in 1..breaks {
        quantity *= *rng.pick(&[2, 3, 5, 10]);
        let next = tidy(
            (price as f64 * (0.86 + 0.11 * rng.unit())) as i64,
            per_major,
        )
        .min(price - 1);
        if next < 1 {
            break;
        }
        price = next;
        price_breaks.push(StoredPriceBreak {
            min_quantity: quantity,
            unit_price_minor: price,
        });
    }

    let destination_port = *rng.pick(vocab::DESTINATION_PORTS);
    let destination_city = *rng.pick(vocab::DESTINATION_CITIES);
    let mut incoterms: Vec<StoredIncoterm> = Vec::new();
    for &(term, share) in INCOTERM_SHARE {
        if rng.chance(share) {
            let place = match term {
                Incoterm::Fas | Incoterm::Fob => s.port,
                Incoterm::Cfr | Incoterm::Cif => destination_port,
                Incoterm::Exw | Incoterm::Fca => s.city,
                _ => destination_city,
            };
            incoterms.push(StoredIncoterm {
                incoterm: term,
                named_place: Some(place.to_owned()),
            });
        }
    }
    if incoterms.is_empty() {
        incoterms.push(StoredIncoterm {
            incoterm: Incoterm::Fob,
            named_place: Some(s.port.to_owned()),
        });
    }

    let lead_time_days = *rng.pick(LEAD_TIMES);
    let monthly_capacity = rng.chance(0.8).then(|| moq * rng.range(5, 200));
    let mut certifications: Vec<Certification> = Vec::new();
    let count = match rng.below(20) {
        0..=5 => 0,
        6..=12 => 1,
        13..=17 => 2,
        _ => 3,
    };
    for _ in 0..count {
        let cert = *rng.skewed(v.certifications);
        if !certifications.contains(&cert) {
            certifications.push(cert);
        }
    }
    if rng.chance(0.1) && !certifications.contains(&Certification::Iso9001) {
        certifications.push(Certification::Iso9001);
    }
    let origin_state = if rng.chance(0.9) || v.sector != s.sector {
        s.state
    } else {
        state_of(rng.pick(v.clusters))
    };

    let mut description = format!("{title}. {}", rng.pick(v.making));
    description.push_str(&format!(
        " Made in {}, {}. Packed in {}.",
        s.city,
        origin_state.name(),
        rng.pick(v.packing)
    ));
    description.push_str(&format!(
        " Minimum order {moq} {}; dispatch within {lead_time_days} days of the order.",
        unit_words(moq_unit)
    ));
    if let Some(cert) = certifications.first() {
        description.push_str(&format!(" Certified {}.", cert_label(*cert)));
    }
    if rng.chance(0.3) {
        description.push_str(" Samples and custom packaging on request.");
    }

    let published_at = rng.days_before(anchor(), 0, 365);
    let first_published_at = if rng.chance(0.7) {
        published_at
    } else {
        rng.days_before(published_at, 1, 120).max(s.decided_at)
    };
    let created_at = rng.days_before(first_published_at, 0, 14).max(s.decided_at);
    let id = rng.uuid_v7(created_at);
    let image_urls = (0..rng.below(5))
        .map(|k| format!("https://images.exportbridge.example/listings/{id}/{k}.jpg"))
        .collect();
    ListingSeed {
        id,
        seller_id: s.id,
        version: if first_published_at == published_at {
            2
        } else {
            4
        } + rng.below(3) as i32,
        title,
        description,
        sector: v.sector,
        hs_code: product.hs,
        keywords,
        attributes,
        moq,
        moq_unit,
        currency,
        price_breaks,
        incoterms,
        lead_time_days,
        monthly_capacity,
        certifications,
        origin_state,
        samples_available: rng.chance(0.55),
        image_urls,
        created_at,
        first_published_at,
        published_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifiers::HsCode;

    fn sellers(n: u64) -> Vec<SellerSeed> {
        (0..n).map(|j| seller(DEFAULT_SEED, j)).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_rows() {
        let a = sellers(50);
        assert_eq!(a, sellers(50));
        for i in 0..500 {
            assert_eq!(listing(DEFAULT_SEED, i, &a), listing(DEFAULT_SEED, i, &a));
        }
        // A row depends on its index, not on how many rows are made.
        assert_eq!(seller(DEFAULT_SEED, 7), sellers(8)[7]);
        // Another seed, other rows.
        assert_ne!(seller(DEFAULT_SEED, 0), seller(DEFAULT_SEED + 1, 0));
    }

    #[test]
    fn every_cluster_state_and_hs_code_is_valid() {
        for v in SECTORS {
            for c in v.clusters {
                assert!(IndianState::from_code(c.state).is_some(), "{}", c.state);
                assert!(c.pin.len() == 6, "{}", c.pin);
            }
            for p in v.products {
                let hs = HsCode::parse(p.hs).unwrap();
                assert!(matches!(hs.depth(), 6 | 8), "{}", p.hs);
                assert_eq!(hs.as_str(), p.hs);
                assert!(p.usd_cents.0 >= 1 && p.usd_cents.0 <= p.usd_cents.1);
            }
        }
    }

    #[test]
    fn sellers_are_valid() {
        for s in sellers(2000) {
            assert!(Gstin::parse(&s.gstin).is_ok(), "{}", s.gstin);
            assert!(crate::identifiers::Pan::parse(&s.pan).is_ok(), "{}", s.pan);
            if let Some(u) = &s.udyam_number {
                assert!(crate::identifiers::UdyamNumber::parse(u).is_ok(), "{u}");
            }
            assert!(!s.verified || s.msme_category.is_some());
            assert!((1..=200).contains(&s.trading_name.len()));
            assert!(s.created_at < s.submitted_at && s.submitted_at < s.decided_at);
            assert_eq!(s.id.get_version_num(), 7);
        }
    }

    /// Every generated listing passes the rules a seller's listing must pass.
    #[test]
    fn listings_are_valid() {
        let sellers = sellers(300);
        let mut ids = std::collections::HashSet::new();
        let mut currencies = std::collections::BTreeSet::new();
        for i in 0..20_000 {
            let l = listing(DEFAULT_SEED, i, &sellers);
            assert!(ids.insert(l.id), "duplicate id");
            assert!((3..=200).contains(&l.title.chars().count()), "{}", l.title);
            assert!(l.description.chars().count() <= 5000);
            let hs = HsCode::parse(l.hs_code).unwrap();
            assert!(matches!(hs.depth(), 6 | 8));
            assert!(l.keywords.len() <= 20);
            assert!(
                l.keywords
                    .iter()
                    .all(|k| (2..=50).contains(&k.chars().count()))
            );
            assert!(l.attributes.len() <= 30);
            assert!(
                l.attributes
                    .iter()
                    .all(|(k, v)| k.len() <= 50 && v.len() <= 200)
            );
            assert!(l.moq > 0);
            assert!((1..=10).contains(&l.price_breaks.len()));
            assert_eq!(
                l.price_breaks[0].min_quantity, l.moq,
                "first break at the MOQ"
            );
            for pair in l.price_breaks.windows(2) {
                assert!(pair[0].min_quantity < pair[1].min_quantity, "{l:?}");
                assert!(pair[0].unit_price_minor > pair[1].unit_price_minor, "{l:?}");
            }
            assert!(l.price_minor() > 0);
            assert!((1..=11).contains(&l.incoterms.len()));
            let mut seen = std::collections::HashSet::new();
            for offer in &l.incoterms {
                assert!(seen.insert(offer.incoterm), "incoterm twice");
                if offer.incoterm.sea_only() {
                    let port = offer.named_place.as_deref().unwrap_or_default();
                    assert!(
                        vocab::DESTINATION_PORTS.contains(&port)
                            || SECTORS
                                .iter()
                                .any(|v| v.clusters.iter().any(|c| c.port == port)),
                        "{port}"
                    );
                }
            }
            assert!((7..=120).contains(&l.lead_time_days));
            assert!(l.monthly_capacity.is_none_or(|c| c > 0));
            let distinct: std::collections::HashSet<_> = l.certifications.iter().collect();
            assert_eq!(distinct.len(), l.certifications.len());
            assert!(l.image_urls.len() <= 10);
            assert!(l.image_urls.iter().all(|u| u.starts_with("https://")));
            assert!(l.created_at <= l.first_published_at);
            assert!(l.first_published_at <= l.published_at);
            assert!(l.published_at <= anchor());
            assert!(CurrencyCode::parse(l.currency.as_str()).is_ok());
            currencies.insert(l.currency.as_str());
        }
        assert_eq!(currencies.len(), CURRENCIES.len(), "{currencies:?}");
    }

    #[test]
    fn words_are_skewed_like_a_real_catalogue() {
        let sellers = sellers(300);
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let n = 20_000;
        for i in 0..n {
            let l = listing(DEFAULT_SEED, i, &sellers);
            let mut words: Vec<String> = l
                .title
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() >= 3)
                .map(str::to_lowercase)
                .collect();
            words.sort();
            words.dedup();
            for w in words {
                *counts.entry(w).or_default() += 1;
            }
        }
        let cotton = counts.get("cotton").copied().unwrap_or_default();
        assert!(cotton > n as usize / 50, "cotton in {cotton} titles");
        // A long tail: many words in fewer than 1 title in 1,000.
        let rare = counts.values().filter(|c| **c < n as usize / 1000).count();
        assert!(rare * 20 > counts.len(), "{rare} rare of {}", counts.len());
    }
}
