//! `exportbridge eval-matching`: how good the RFQ matching is, measured on a catalogue whose
//! right answers are known.
//!
//! The generated catalogue (`load_catalogue`, fixed seed) is the background. For each scenario
//! (an RFQ for a product that is not in the generator's vocabulary, in a sector and HS chapter
//! that are) sellers are planted whose relevance is decided here, by what the generator meant,
//! not by the scorer:
//! - grade 3: exactly what the RFQ asks (its words, its HS subheading, MOQ below the quantity,
//!   the certifications, a price within the target after FX, in time, the incoterm offered);
//! - grade 2: good but imperfect in one way (another subheading of the heading, 15% over the
//!   target price, or a lead time 1.5 times the days left);
//! - grade 1: weak (another product sharing some words, in the same heading or chapter);
//! - decoys: the RFQ's own words and HS code, but a hard constraint fails (MOQ above the
//!   quantity, a required certification missing, another unit, a suspended seller): they
//!   must not be ranked at all.
//!
//! Then `matching::find` (the real candidate SQL and scoring) ranks each RFQ, and the ranking
//! is judged: precision@5 (relevant: grade ≥ 2) and NDCG@10 (gain 2^grade − 1; the ideal order
//! is the planted grades sorted; background sellers count as grade 0).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{Days, Utc};
use diesel::sql_types::{Array, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use serde_json::json;
use uuid::Uuid;

use super::catalogue::{self, ListingSeed, SellerSeed, capitalise};
use super::{CatalogueSize, load};
use crate::config::{Config, Mode};
use crate::db::{self, PgConn};
use crate::identifiers::Incoterm;
use crate::listings::api::{Certification, MoqUnit};
use crate::listings::model::{StoredIncoterm, StoredPriceBreak};
use crate::matching::{self, MatchRequest, Weights};
use crate::money::{CurrencyCode, Money};
use crate::sellers::api::Sector;
use crate::settlement::engine::Rates;
use crate::settlement::fx;
use crate::vocabulary::Vocabulary;

/// The planted rows' own generator seed ("evalmtch"), apart from the background's.
const EVAL_SEED: u64 = 0x6576_616c_6d74_6368;
/// Planted sellers per scenario, at most (their index is scenario × this + plant).
const PER_SCENARIO: u64 = 16;
/// NDCG@10 the ranking should reach.
pub const TARGET_NDCG_AT_10: f64 = 0.8;
/// The name of the entry in docs/benchmarks.{json,md}.
const NAME: &str = "matching_quality";
/// Milliseconds a ranking may take (as the service allows).
const TIMEOUT_MS: u64 = 10_000;

// ---------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------

/// Share of the first `k` ranked items with a grade of at least `relevant` (a list shorter than
/// `k` counts the missing places as not relevant).
pub fn precision_at(ranked: &[u8], k: usize, relevant: u8) -> f64 {
    if k == 0 {
        return 0.0;
    }
    ranked.iter().take(k).filter(|g| **g >= relevant).count() as f64 / k as f64
}

/// Discounted cumulative gain of the first `k`: Σ (2^grade − 1) / log2(position + 1).
pub fn dcg_at(ranked: &[u8], k: usize) -> f64 {
    ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, g)| (2f64.powi(i32::from(*g)) - 1.0) / ((i + 2) as f64).log2())
        .sum()
}

/// DCG@k of `ranked` over the DCG@k of the best order of `judged` (every known grade); 0 when
/// nothing is relevant.
pub fn ndcg_at(ranked: &[u8], judged: &[u8], k: usize) -> f64 {
    let mut ideal = judged.to_vec();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let best = dcg_at(&ideal, k);
    if best > 0.0 {
        dcg_at(ranked, k) / best
    } else {
        0.0
    }
}

// ---------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------

/// One RFQ and what its planted listings are made of.
struct Scenario {
    /// The product as the buyer writes it; the grade-3 listings' title.
    product: &'static str,
    /// The RFQ's description, as keywords of the right listings.
    words: &'static [&'static str],
    /// Another product sharing some words (grade 1).
    weak: &'static str,
    /// The HS subheading wanted (not in the generator's vocabulary).
    hs: &'static str,
    /// Another subheading of the same heading.
    sibling: &'static str,
    /// Another heading of the same chapter.
    cousin: &'static str,
    sector: Sector,
    unit: MoqUnit,
    quantity: i64,
    currency: CurrencyCode,
    /// Target unit price in minor units of `currency`.
    target: i64,
    incoterm: Incoterm,
    /// Days until the goods are needed.
    days: u64,
    certs: &'static [Certification],
}

use Certification as C;
const AED: CurrencyCode = CurrencyCode::AED;
const CNY: CurrencyCode = CurrencyCode::CNY;
const EUR: CurrencyCode = CurrencyCode::EUR;
const GBP: CurrencyCode = CurrencyCode::GBP;
const USD: CurrencyCode = CurrencyCode::USD;
use Incoterm::{Cfr, Cif, Dap, Fob};
use MoqUnit::{Kg, Litres, MetricTons, Pairs, Pieces, Sets, SquareMetres};
use Sector::{
    AgriFood, Chemicals, ElectronicsComponents, EngineeringGoods, GemsJewellery, Handicrafts,
    Leather, Others, Textiles,
};

#[rustfmt::skip]
const SCENARIOS: &[Scenario] = &[
    Scenario { product: "organic cotton baby rompers", words: &["romper", "onesie", "infantwear"], weak: "cotton baby bibs", hs: "611120", sibling: "611130", cousin: "611710", sector: Textiles, unit: Pieces, quantity: 3000, currency: EUR, target: 350, incoterm: Fob, days: 60, certs: &[C::Gots] },
    Scenario { product: "linen table napkins", words: &["napkin", "table linen", "hemstitched"], weak: "linen table runners", hs: "630251", sibling: "630291", cousin: "630790", sector: Textiles, unit: Pieces, quantity: 5000, currency: USD, target: 120, incoterm: Cif, days: 45, certs: &[C::OekoTex] },
    Scenario { product: "recycled polyester fleece blankets", words: &["blanket", "throw", "fleece"], weak: "polyester bed covers", hs: "630140", sibling: "630190", cousin: "630790", sector: Textiles, unit: Pieces, quantity: 2000, currency: GBP, target: 650, incoterm: Fob, days: 75, certs: &[] },
    Scenario { product: "hand block printed silk scarves", words: &["scarf", "silk", "block print"], weak: "printed silk cushion covers", hs: "621410", sibling: "621490", cousin: "621710", sector: Textiles, unit: Pieces, quantity: 1000, currency: USD, target: 900, incoterm: Fob, days: 40, certs: &[] },
    Scenario { product: "marble inlay coasters", words: &["coaster", "pietra dura", "tabletop"], weak: "marble candle holders", hs: "680291", sibling: "680299", cousin: "681099", sector: Handicrafts, unit: Sets, quantity: 500, currency: USD, target: 450, incoterm: Fob, days: 50, certs: &[] },
    Scenario { product: "papier mache jewellery boxes", words: &["papier mache", "kashmiri", "trinket box"], weak: "papier mache wall masks", hs: "482370", sibling: "482390", cousin: "481910", sector: Handicrafts, unit: Pieces, quantity: 2000, currency: EUR, target: 280, incoterm: Cif, days: 60, certs: &[] },
    Scenario { product: "sandstone garden statues", words: &["statue", "sandstone", "garden sculpture"], weak: "sandstone wall tiles", hs: "680229", sibling: "680221", cousin: "681091", sector: Handicrafts, unit: Pieces, quantity: 200, currency: USD, target: 4500, incoterm: Fob, days: 90, certs: &[] },
    Scenario { product: "MPPT solar charge controllers", words: &["solar controller", "mppt", "charge regulator"], weak: "solar street light poles", hs: "903289", sibling: "903210", cousin: "903180", sector: ElectronicsComponents, unit: Pieces, quantity: 1000, currency: USD, target: 1800, incoterm: Fob, days: 45, certs: &[C::Ce, C::Rohs] },
    Scenario { product: "RFID proximity access cards", words: &["rfid", "smart card", "proximity card"], weak: "plastic ID badge cards", hs: "852352", sibling: "852359", cousin: "852580", sector: ElectronicsComponents, unit: Pieces, quantity: 20000, currency: USD, target: 125, incoterm: Cif, days: 30, certs: &[C::Rohs] },
    Scenario { product: "piezo electronic buzzers", words: &["buzzer", "piezoelectric", "sounder"], weak: "electronic door chimes", hs: "853180", sibling: "853110", cousin: "853710", sector: ElectronicsComponents, unit: Pieces, quantity: 50000, currency: CNY, target: 150, incoterm: Fob, days: 30, certs: &[C::Rohs] },
    Scenario { product: "character LCD display modules", words: &["lcd", "display module", "16x2"], weak: "LED scrolling display boards", hs: "901380", sibling: "901390", cousin: "902610", sector: ElectronicsComponents, unit: Pieces, quantity: 5000, currency: USD, target: 350, incoterm: Fob, days: 40, certs: &[C::Rohs, C::Reach] },
    Scenario { product: "organic moringa leaf powder", words: &["moringa", "superfood", "drumstick leaf"], weak: "organic curry leaf powder", hs: "121190", sibling: "121120", cousin: "121299", sector: AgriFood, unit: Kg, quantity: 2000, currency: USD, target: 650, incoterm: Cif, days: 40, certs: &[C::Organic, C::Fssai] },
    Scenario { product: "dehydrated garlic flakes", words: &["garlic", "dried garlic", "flakes"], weak: "dehydrated carrot flakes", hs: "071290", sibling: "071220", cousin: "070320", sector: AgriFood, unit: MetricTons, quantity: 20, currency: USD, target: 180_000, incoterm: Fob, days: 50, certs: &[C::Haccp] },
    Scenario { product: "cold pressed virgin coconut oil", words: &["coconut oil", "virgin", "cold pressed"], weak: "refined groundnut oil", hs: "151319", sibling: "151311", cousin: "151221", sector: AgriFood, unit: Litres, quantity: 10_000, currency: AED, target: 1200, incoterm: Cif, days: 35, certs: &[C::Fssai, C::Organic] },
    Scenario { product: "roasted makhana fox nuts", words: &["makhana", "fox nut", "lotus seed"], weak: "roasted salted peanuts", hs: "200819", sibling: "200811", cousin: "200599", sector: AgriFood, unit: Kg, quantity: 3000, currency: GBP, target: 900, incoterm: Dap, days: 40, certs: &[C::Fssai] },
    Scenario { product: "frozen green peas", words: &["peas", "iqf", "frozen vegetables"], weak: "frozen sweet corn", hs: "071021", sibling: "071029", cousin: "071310", sector: AgriFood, unit: MetricTons, quantity: 25, currency: EUR, target: 90_000, incoterm: Cfr, days: 60, certs: &[C::Haccp, C::Iso22000] },
    Scenario { product: "leather passport holders", words: &["passport cover", "travel wallet", "rfid blocking"], weak: "leather luggage tags", hs: "420232", sibling: "420239", cousin: "420500", sector: Leather, unit: Pieces, quantity: 2000, currency: USD, target: 700, incoterm: Fob, days: 45, certs: &[] },
    Scenario { product: "suede leather sneakers", words: &["sneaker", "suede", "casual trainers"], weak: "suede leather loafers", hs: "640391", sibling: "640399", cousin: "640610", sector: Leather, unit: Pairs, quantity: 1000, currency: EUR, target: 1800, incoterm: Fob, days: 60, certs: &[] },
    Scenario { product: "crust goat leather", words: &["goatskin", "crust", "vegetable tanned"], weak: "crust sheep leather", hs: "410621", sibling: "410622", cousin: "411420", sector: Leather, unit: SquareMetres, quantity: 5000, currency: USD, target: 900, incoterm: Cif, days: 45, certs: &[C::Reach] },
    Scenario { product: "freshwater pearl necklaces", words: &["pearl", "necklace", "strand"], weak: "glass bead necklaces", hs: "710122", sibling: "710121", cousin: "711790", sector: GemsJewellery, unit: Pieces, quantity: 500, currency: USD, target: 2500, incoterm: Fob, days: 30, certs: &[] },
    Scenario { product: "gold plated silver cufflinks", words: &["cufflinks", "cuff links", "menswear accessories"], weak: "gold plated tie pins", hs: "711590", sibling: "711510", cousin: "711890", sector: GemsJewellery, unit: Pieces, quantity: 1000, currency: USD, target: 1200, incoterm: Cif, days: 40, certs: &[] },
    Scenario { product: "tumbled amethyst stones", words: &["amethyst", "tumbled", "crystal healing"], weak: "amethyst geode clusters", hs: "710399", sibling: "710310", cousin: "710490", sector: GemsJewellery, unit: Kg, quantity: 100, currency: USD, target: 3500, incoterm: Fob, days: 30, certs: &[] },
    Scenario { product: "ductile iron manhole covers", words: &["manhole cover", "access cover", "en124"], weak: "cast iron drain grates", hs: "732510", sibling: "732591", cousin: "730890", sector: EngineeringGoods, unit: Pieces, quantity: 500, currency: USD, target: 6500, incoterm: Fob, days: 60, certs: &[C::Iso9001] },
    Scenario { product: "disc harrow blades", words: &["harrow", "disc blade", "tillage"], weak: "plough share points", hs: "843221", sibling: "843229", cousin: "843359", sector: EngineeringGoods, unit: Pieces, quantity: 2000, currency: USD, target: 1400, incoterm: Cif, days: 45, certs: &[C::Iso9001] },
    Scenario { product: "hydraulic hose fittings", words: &["hydraulic", "hose ferrule", "crimp fitting"], weak: "garden hose connectors", hs: "730799", sibling: "730792", cousin: "731815", sector: EngineeringGoods, unit: Pieces, quantity: 10_000, currency: EUR, target: 180, incoterm: Fob, days: 40, certs: &[C::Iso9001] },
    Scenario { product: "alloy bicycle rims", words: &["bicycle rim", "wheel rim", "double wall"], weak: "bicycle chain guards", hs: "871492", sibling: "871496", cousin: "871200", sector: EngineeringGoods, unit: Pieces, quantity: 5000, currency: USD, target: 450, incoterm: Fob, days: 50, certs: &[] },
    Scenario { product: "neem oil biopesticide", words: &["neem", "azadirachtin", "botanical insecticide"], weak: "neem cake fertiliser", hs: "380899", sibling: "380894", cousin: "381900", sector: Chemicals, unit: Litres, quantity: 5000, currency: USD, target: 900, incoterm: Cif, days: 45, certs: &[C::Organic] },
    Scenario { product: "food grade sodium bicarbonate", words: &["baking soda", "bicarbonate", "leavening"], weak: "light soda ash", hs: "283636", sibling: "283620", cousin: "281511", sector: Chemicals, unit: MetricTons, quantity: 50, currency: USD, target: 32_000, incoterm: Fob, days: 30, certs: &[C::Iso9001, C::Halal] },
    Scenario { product: "guar gum powder", words: &["guar", "thickener", "hydrocolloid"], weak: "xanthan gum powder", hs: "130232", sibling: "130239", cousin: "130190", sector: Chemicals, unit: Kg, quantity: 20_000, currency: USD, target: 180, incoterm: Fob, days: 35, certs: &[C::Haccp] },
    Scenario { product: "kraft paper mailer bags", words: &["mailer", "paper bag", "kraft"], weak: "kraft paper rolls", hs: "481940", sibling: "481930", cousin: "482010", sector: Others, unit: Pieces, quantity: 50_000, currency: USD, target: 120, incoterm: Fob, days: 30, certs: &[] },
    Scenario { product: "natural rubber yoga mats", words: &["yoga mat", "exercise mat", "non slip"], weak: "rubber floor mats", hs: "401699", sibling: "401691", cousin: "400821", sector: Others, unit: Pieces, quantity: 2000, currency: USD, target: 900, incoterm: Fob, days: 45, certs: &[C::Reach] },
    Scenario { product: "bamboo toothbrushes", words: &["toothbrush", "biodegradable", "oral care"], weak: "bamboo hair combs", hs: "960321", sibling: "960329", cousin: "961511", sector: Others, unit: Pieces, quantity: 20_000, currency: USD, target: 130, incoterm: Fob, days: 40, certs: &[] },
    Scenario { product: "field hockey sticks", words: &["hockey stick", "composite", "field hockey"], weak: "wooden cricket stumps", hs: "950699", sibling: "950691", cousin: "950450", sector: Others, unit: Pieces, quantity: 500, currency: GBP, target: 1500, incoterm: Cif, days: 60, certs: &[] },
    Scenario { product: "handmade glycerine soaps", words: &["soap", "glycerine", "bath bar"], weak: "herbal liquid hand wash", hs: "340111", sibling: "340130", cousin: "340520", sector: Others, unit: Pieces, quantity: 10_000, currency: EUR, target: 120, incoterm: Fob, days: 45, certs: &[] },
];

/// What a planted listing is, and so its grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plant {
    /// Grade 3 (three of them, told apart by the number: title, price and lead time vary).
    Exact(u8),
    /// Grade 2: another subheading of the heading.
    Sibling,
    /// Grade 2: 15% over the target price.
    OverPrice,
    /// Grade 2: lead time 1.5 times the days left.
    Slow,
    /// Grade 1: another product sharing words, another heading of the chapter.
    WeakCousin,
    /// Grade 1: another product sharing words, another subheading of the heading.
    WeakSibling,
    /// Decoy: MOQ twice the quantity.
    DecoyMoq,
    /// Decoy: the first required certification missing (only when one is required).
    DecoyCert,
    /// Decoy: sold in another unit.
    DecoyUnit,
    /// Decoy: the seller is suspended.
    DecoySuspended,
}

const PLANTS: [Plant; 12] = [
    Plant::Exact(0),
    Plant::Exact(1),
    Plant::Exact(2),
    Plant::Sibling,
    Plant::OverPrice,
    Plant::Slow,
    Plant::WeakCousin,
    Plant::WeakSibling,
    Plant::DecoyMoq,
    Plant::DecoyCert,
    Plant::DecoyUnit,
    Plant::DecoySuspended,
];

impl Plant {
    /// The grade; `None` for a decoy.
    fn grade(self) -> Option<u8> {
        match self {
            Plant::Exact(_) => Some(3),
            Plant::Sibling | Plant::OverPrice | Plant::Slow => Some(2),
            Plant::WeakCousin | Plant::WeakSibling => Some(1),
            _ => None,
        }
    }

    fn label(self) -> String {
        match self.grade() {
            Some(g) => format!("g{g} {self:?}"),
            None => format!("DECOY {self:?}"),
        }
    }
}

/// Another unit than `unit`, for the unit decoy.
fn other_unit(unit: MoqUnit) -> MoqUnit {
    match unit {
        Pieces | Pairs => Sets,
        Kg => MetricTons,
        _ => Kg,
    }
}

/// Currencies the planted listings are priced in, in turn (each converted at the same mid
/// rates the ranking uses).
const LISTING_CURRENCIES: [CurrencyCode; 6] = [USD, EUR, CurrencyCode::INR, GBP, AED, CNY];

/// A planted listing: its row, its seller's row and what it is.
struct Planted {
    seller: SellerSeed,
    listing: ListingSeed,
    plant: Plant,
}

/// The planted seller and listing `plant` of scenario `si`; `None` when it does not apply
/// (a certification decoy for an RFQ that requires none).
fn plant(si: usize, pi: usize, plant: Plant, rates: &Rates) -> Result<Option<Planted>, String> {
    let s = &SCENARIOS[si];
    if plant == Plant::DecoyCert && s.certs.is_empty() {
        return Ok(None);
    }
    let j = si as u64 * PER_SCENARIO + pi as u64;
    let mut seller = catalogue::seller(EVAL_SEED, j);
    seller.sector = s.sector;
    seller.sectors = vec![s.sector];
    seller.trading_name = format!("Evaluation {si:02}-{pi:02} {}", seller.trading_name);
    seller.legal_name = format!("{} Private Limited", seller.trading_name);
    let mut l = catalogue::listing(EVAL_SEED, j, std::slice::from_ref(&seller));

    let (title, hs) = match plant {
        Plant::Exact(0) => (capitalise(s.product), s.hs),
        Plant::Exact(1) => (format!("Export quality {}", s.product), s.hs),
        Plant::Sibling => (capitalise(s.product), s.sibling),
        Plant::WeakCousin => (capitalise(s.weak), s.cousin),
        Plant::WeakSibling => (capitalise(s.weak), s.sibling),
        _ => (format!("{}, made to order", capitalise(s.product)), s.hs),
    };
    let weak = matches!(plant, Plant::WeakCousin | Plant::WeakSibling);
    l.keywords = if weak {
        Vec::new()
    } else {
        s.words.iter().map(|w| (*w).to_owned()).collect()
    };
    l.description = format!(
        "{title} from {}, {}. Packed for export.",
        seller.city,
        l.keywords.join(", ")
    );
    l.title = title;
    l.hs_code = hs;
    l.sector = s.sector;
    l.moq_unit = if plant == Plant::DecoyUnit {
        other_unit(s.unit)
    } else {
        s.unit
    };
    l.moq = if plant == Plant::DecoyMoq {
        s.quantity * 2
    } else {
        (s.quantity / 4).max(1)
    };
    // The price at the quantity, as a share of the target in percent.
    let share = match plant {
        Plant::Exact(n) => 88 + 3 * i64::from(n),
        Plant::OverPrice => 115,
        _ => 90,
    };
    l.currency = LISTING_CURRENCIES[(si + pi) % LISTING_CURRENCIES.len()];
    let at_quantity = rates
        .convert(
            Money::from_minor(s.target * share / 100, s.currency),
            l.currency,
        )
        .map_err(|e| format!("converting a planted price: {e:?}"))?
        .minor
        .max(1);
    let second = (l.moq * 2).min(s.quantity).max(l.moq);
    l.price_breaks = if second > l.moq {
        vec![
            StoredPriceBreak {
                min_quantity: l.moq,
                unit_price_minor: at_quantity * 11 / 10,
            },
            StoredPriceBreak {
                min_quantity: second,
                unit_price_minor: at_quantity,
            },
        ]
    } else {
        vec![StoredPriceBreak {
            min_quantity: l.moq,
            unit_price_minor: at_quantity,
        }]
    };
    let days = s.days as i64;
    l.lead_time_days = match plant {
        Plant::Exact(n) => days * (50 + 10 * i64::from(n)) / 100,
        Plant::Slow => days * 3 / 2,
        _ => days / 2,
    } as i32;
    l.monthly_capacity = Some(s.quantity * 2);
    l.incoterms = [s.incoterm, Incoterm::Exw]
        .into_iter()
        .map(|incoterm| StoredIncoterm {
            incoterm,
            named_place: Some(seller.port.to_owned()),
        })
        .collect();
    l.incoterms.dedup_by_key(|o| o.incoterm);
    l.certifications = s.certs.to_vec();
    if plant == Plant::DecoyCert {
        l.certifications.remove(0);
    }
    if plant == Plant::Exact(1) && !l.certifications.contains(&C::Iso9001) {
        l.certifications.push(C::Iso9001);
    }
    Ok(Some(Planted {
        seller,
        listing: l,
        plant,
    }))
}

fn request(s: &Scenario) -> MatchRequest {
    let today = Utc::now().date_naive();
    MatchRequest {
        rfq_id: None,
        product: s.product.to_owned(),
        description: s.words.join(", "),
        hs_code: Some(s.hs.to_owned()),
        sector: Some(s.sector),
        quantity: s.quantity,
        unit: s.unit,
        target_unit_price: Some(Money::from_minor(s.target, s.currency)),
        incoterm: Some(s.incoterm),
        needed_by: today.checked_add_days(Days::new(s.days)),
        certifications: s.certs.to_vec(),
    }
}

// ---------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------

/// What to run.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Background sellers and listings of the generated catalogue (its default seed).
    pub sellers: u64,
    pub listings: u64,
    /// Weight overrides as `EXPORTBRIDGE_MATCHING_WEIGHTS` reads them; `None`: the defaults.
    pub weights: Option<String>,
    /// Record the figures in docs/benchmarks.{json,md} with this script
    /// (scripts/bench.d/record.py).
    pub record: Option<PathBuf>,
    /// The commit the run measures (for the record).
    pub commit: String,
}

/// One scenario's outcome.
struct Outcome {
    ndcg: f64,
    precision: f64,
    decoys: usize,
    /// Rank (1-based, of up to `MAX_MATCHES`) of each planted listing; `None`: not ranked.
    ranks: Vec<(Plant, Option<usize>)>,
}

/// Runs the evaluation (dev mode only); prints the table and returns the mean NDCG@10.
pub async fn run(config: &Config, options: &EvalOptions) -> Result<f64, String> {
    if config.mode == Mode::Production {
        return Err("the matching evaluation is for dev mode only".into());
    }
    let weights = match &options.weights {
        Some(w) => Weights::parse(w)?,
        None => Weights::default(),
    };
    super::load_catalogue(
        config,
        CatalogueSize {
            sellers: options.sellers,
            listings: options.listings,
            seed: catalogue::DEFAULT_SEED,
        },
    )
    .await?;
    let stores = db::Stores::from_config(config)?;
    let mut conn = stores.platform().await.map_err(|e| e.to_string())?;
    super::seed_rates(&mut conn).await?;
    let snapshots = fx::latest(&mut conn).await.map_err(|e| e.to_string())?;
    let (rates, _) = fx::derive(&snapshots, Utc::now(), config.fx_max_age_secs);

    let mut planted = Vec::new();
    for si in 0..SCENARIOS.len() {
        for (pi, p) in PLANTS.iter().enumerate() {
            planted.extend(plant(si, pi, *p, &rates)?.map(|x| (si, x)));
        }
    }
    plant_rows(&mut conn, &planted).await?;

    let mut outcomes = Vec::new();
    for (si, s) in SCENARIOS.iter().enumerate() {
        let mine: Vec<&Planted> = planted
            .iter()
            .filter(|(i, _)| *i == si)
            .map(|(_, p)| p)
            .collect();
        let found = matching::find(
            &mut conn,
            &request(s),
            &rates,
            &weights,
            matching::MAX_MATCHES,
            TIMEOUT_MS,
        )
        .await
        .map_err(|e| format!("ranking scenario {si}: {e}"))?;
        let by_listing: HashMap<Uuid, Plant> =
            mine.iter().map(|p| (p.listing.id, p.plant)).collect();
        let ranked: Vec<Option<Plant>> = found
            .list
            .matches
            .iter()
            .map(|m| by_listing.get(&m.listing_id).copied())
            .collect();
        let grades: Vec<u8> = ranked
            .iter()
            .map(|p| p.and_then(Plant::grade).unwrap_or(0))
            .collect();
        let judged: Vec<u8> = mine.iter().filter_map(|p| p.plant.grade()).collect();
        let outcome = Outcome {
            ndcg: ndcg_at(&grades, &judged, 10),
            precision: precision_at(&grades, 5, 2),
            decoys: ranked
                .iter()
                .take(10)
                .filter(|p| p.is_some_and(|p| p.grade().is_none()))
                .count(),
            ranks: mine
                .iter()
                .map(|p| {
                    let rank = ranked.iter().position(|r| *r == Some(p.plant));
                    (p.plant, rank.map(|r| r + 1))
                })
                .collect(),
        };
        if outcome.ndcg < 0.9 || outcome.decoys > 0 {
            explain(si, &outcome, &found.list.matches, &ranked);
        }
        outcomes.push(outcome);
    }
    let table = table(&outcomes);
    println!("{table}");
    let n = outcomes.len() as f64;
    let ndcg = outcomes.iter().map(|o| o.ndcg).sum::<f64>() / n;
    let precision = outcomes.iter().map(|o| o.precision).sum::<f64>() / n;
    let decoys: usize = outcomes.iter().map(|o| o.decoys).sum();
    println!(
        "mean NDCG@10 {ndcg:.4}, mean precision@5 {precision:.4}, decoys in the top 10: \
         {decoys}, over {} scenarios; target NDCG@10 ≥ {TARGET_NDCG_AT_10}: {}",
        outcomes.len(),
        if ndcg >= TARGET_NDCG_AT_10 {
            "met"
        } else {
            "NOT met"
        }
    );
    if let Some(recorder) = &options.record {
        let dataset = format!(
            "generated catalogue of {} sellers / {} listings (seed {:#x}) + {} planted \
             sellers with one listing each (seed {EVAL_SEED:#x})",
            options.sellers,
            options.listings,
            catalogue::DEFAULT_SEED,
            planted.len()
        );
        let figures = Figures {
            ndcg,
            precision,
            decoys,
            dataset,
            weights: options.weights.clone(),
            commit: options.commit.clone(),
        };
        record(recorder, &figures, &outcomes, &table)?;
    }
    Ok(ndcg)
}

/// Inserts the planted sellers and listings, and suspends the suspended decoys' sellers (the
/// trigger takes their listings out of good standing).
async fn plant_rows(conn: &mut PgConn, planted: &[(usize, Planted)]) -> Result<(), String> {
    let sellers: Vec<SellerSeed> = planted.iter().map(|(_, p)| p.seller.clone()).collect();
    let listings: Vec<ListingSeed> = planted.iter().map(|(_, p)| p.listing.clone()).collect();
    load::insert_rows(conn, &sellers, &listings).await?;
    let suspended: Vec<Uuid> = planted
        .iter()
        .filter(|(_, p)| p.plant == Plant::DecoySuspended)
        .map(|(_, p)| p.seller.id)
        .collect();
    diesel::sql_query("UPDATE sellers SET status = 'suspended' WHERE id = ANY($1)")
        .bind::<Array<SqlUuid>, _>(&suspended)
        .execute(conn)
        .await
        .map_err(|e| format!("suspending the decoys' sellers: {e}"))?;
    // The text source reads its matches in heap order (the first a bitmap meets), and where the
    // planted rows and the rows the suspension rewrote land depends on what autovacuum had
    // freed by then: lay the table out in id order so that every run reads the same.
    diesel::sql_query("CLUSTER listings USING listings_pkey")
        .execute(conn)
        .await
        .map_err(|e| format!("cluster: {e}"))?;
    diesel::sql_query("ANALYZE sellers, listings")
        .execute(conn)
        .await
        .map_err(|e| format!("analyze: {e}"))?;
    Ok(())
}

/// Prints a scenario's top 10 and the planted listings ranked below it, with their factors.
fn explain(
    si: usize,
    outcome: &Outcome,
    matches: &[crate::matching::api::SellerMatch],
    ranked: &[Option<Plant>],
) {
    let s = &SCENARIOS[si];
    eprintln!(
        "scenario {si} ({}, HS {}): NDCG@10 {:.3}, precision@5 {:.2}",
        s.product, s.hs, outcome.ndcg, outcome.precision
    );
    for (i, (m, p)) in matches.iter().zip(ranked).enumerate() {
        if i >= 10 && p.is_none() {
            continue;
        }
        let factors: Vec<String> = m
            .factors
            .iter()
            .map(|f| {
                let name = serde_json::to_value(f.name)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                let value = f.value.map_or("-".to_owned(), |v| format!("{v:.2}"));
                format!("{name} {value}")
            })
            .collect();
        eprintln!(
            "  #{:<2} {:<22} {:.4} {:<44} {}",
            i + 1,
            p.map_or("background".to_owned(), Plant::label),
            m.score,
            m.listing_title.chars().take(44).collect::<String>(),
            factors.join(", ")
        );
    }
    for (p, rank) in &outcome.ranks {
        if rank.is_none() && p.grade().is_some() {
            eprintln!(
                "  not ranked in the first {}: {}",
                matching::MAX_MATCHES,
                p.label()
            );
        }
    }
}

fn rank_text(outcome: &Outcome, grade: Option<u8>) -> String {
    let ranks: Vec<String> = outcome
        .ranks
        .iter()
        .filter(|(p, _)| p.grade() == grade)
        .map(|(_, r)| r.map_or("–".to_owned(), |r| r.to_string()))
        .collect();
    ranks.join(" ")
}

/// The per-scenario table, in Markdown.
fn table(outcomes: &[Outcome]) -> String {
    let mut t = String::from(
        "| # | RFQ product | sector | HS | unit, currency | NDCG@10 | P@5 | ranks of grade 3 | \
         grade 2 | grade 1 | decoys ranked |\n|---:|---|---|---|---|---:|---:|---|---|---|---|\n",
    );
    for (si, (s, o)) in SCENARIOS.iter().zip(outcomes).enumerate() {
        let _ = writeln!(
            t,
            "| {si} | {} | {} | {} | {}, {} | {:.3} | {:.1} | {} | {} | {} | {} |",
            s.product,
            s.sector.as_str(),
            s.hs,
            s.unit.as_str(),
            s.currency.as_str(),
            o.ndcg,
            o.precision,
            rank_text(o, Some(3)),
            rank_text(o, Some(2)),
            rank_text(o, Some(1)),
            rank_text(o, None)
        );
    }
    t
}

// ---------------------------------------------------------------------------
// The record
// ---------------------------------------------------------------------------

struct Figures {
    ndcg: f64,
    precision: f64,
    decoys: usize,
    dataset: String,
    weights: Option<String>,
    commit: String,
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Replaces the `matching_quality` entry of docs/benchmarks.json and its section of
/// docs/benchmarks.md with `recorder` (scripts/bench.d/record.py, as the benchmarks do).
fn record(recorder: &Path, f: &Figures, outcomes: &[Outcome], table: &str) -> Result<(), String> {
    let date = Utc::now().format("%Y-%m-%d").to_string();
    let entry = json!({
        "name": NAME,
        "ndcg_at_10": round4(f.ndcg),
        "precision_at_5": round4(f.precision),
        "target_ndcg_at_10": TARGET_NDCG_AT_10,
        "target_met": f.ndcg >= TARGET_NDCG_AT_10,
        "scenarios": outcomes.len(),
        "decoys_in_top_10": f.decoys,
        "dataset": f.dataset,
        "weights": f.weights.clone().unwrap_or_else(|| "default".to_owned()),
        "per_scenario": SCENARIOS.iter().zip(outcomes).map(|(s, o)| json!({
            "product": s.product,
            "ndcg_at_10": round4(o.ndcg),
            "precision_at_5": round4(o.precision),
            "decoys_in_top_10": o.decoys,
        })).collect::<Vec<_>>(),
        "commit": f.commit,
        "date": date,
    });
    let dir = std::env::temp_dir().join(format!("exportbridge-eval-{}", std::process::id()));
    let files = (dir.join("entry.json"), dir.join("section.md"));
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&files.0, entry.to_string()))
        .and_then(|()| std::fs::write(&files.1, section(f, outcomes, table, &date)))
        .map_err(|e| format!("writing the record to {}: {e}", dir.display()))
        .and_then(|()| {
            std::process::Command::new("python3")
                .arg(recorder)
                .arg(NAME)
                .args([&files.0, &files.1])
                .status()
                .map_err(|e| format!("running {}: {e}", recorder.display()))
        });
    let _ = std::fs::remove_dir_all(&dir);
    match written? {
        status if status.success() => Ok(()),
        status => Err(format!("{} failed: {status}", recorder.display())),
    }
}

/// How many different values `of` takes over the scenarios.
fn distinct(of: fn(&Scenario) -> &'static str) -> usize {
    let mut values: Vec<&str> = SCENARIOS.iter().map(of).collect();
    values.sort_unstable();
    values.dedup();
    values.len()
}

fn section(f: &Figures, outcomes: &[Outcome], table: &str, date: &str) -> String {
    let verdict = if f.ndcg >= TARGET_NDCG_AT_10 {
        "target met"
    } else {
        "target NOT met"
    };
    format!(
        "## {NAME}

How good the RFQ matching is, on a catalogue whose right answers are known
(`scripts/eval-matching`, i.e. `exportbridge eval-matching --record`; deterministic: fixed
seeds). **Target: mean NDCG@10 ≥ {TARGET_NDCG_AT_10}** (reported, not enforced).
This run: mean **NDCG@10 {ndcg:.4}**, mean **precision@5 {precision:.4}**, decoys in a top 10:
**{decoys}**, over {n} RFQ scenarios: {verdict}.

Method. Dataset: {dataset}. Each scenario is an RFQ for a product that is not in the
generator's vocabulary, in a sector and HS chapter that are ({sectors} sectors, {currencies} RFQ
currencies, {units} units), with sellers planted for it whose grade is decided by what the
generator meant, not by the scorer:

- grade 3 (three sellers): the RFQ's product words and keywords, its HS subheading, MOQ a
  quarter of the quantity, every required certification, a price at the quantity 88-94% of
  the target after FX (listing currencies rotate over USD, EUR, INR, GBP, AED, CNY), ready in
  half to 70% of the days left, the incoterm offered;
- grade 2 (three sellers), as grade 3 but one thing imperfect: another subheading of the
  heading; or 15% over the target price; or a lead time 1.5 times the days left;
- grade 1 (two sellers): another product sharing some of the words, in another subheading of
  the heading or another heading of the chapter, otherwise fine;
- decoys (three or four sellers): the RFQ's own words and HS code, but MOQ twice the
  quantity, a required certification missing, sold in another unit, or a suspended seller.
  They must not be ranked; one in a top 10 is counted.

`matching::find` (the service's candidate SQL and scoring, {weights} weights) ranks each RFQ
(50 sellers); background sellers count as grade 0. Precision@5: share of the first 5 with
grade ≥ 2. NDCG@10: DCG = Σ (2^grade − 1) / log2(rank + 1) over the first 10, divided by the
DCG of the planted grades in the best order. Means are over the scenarios. The background
holds nothing of the scenarios' products or subheadings, but it does hold products of the
same headings and chapters sharing words (cotton, leather, iron, ...), which compete.

Per scenario (ranks among the 50 returned; – not ranked):

{table}
- Command: `scripts/eval-matching` (clusters of `scripts/pg`, database `exportbridge_eval`
  recreated, release build); commit `{commit}`, date {date}.
",
        ndcg = f.ndcg,
        precision = f.precision,
        decoys = f.decoys,
        n = outcomes.len(),
        dataset = f.dataset,
        sectors = distinct(|s| s.sector.as_str()),
        currencies = distinct(|s| s.currency.as_str()),
        units = distinct(|s| s.unit.as_str()),
        weights = f
            .weights
            .as_deref()
            .map_or("the default".to_owned(), |w| format!("`{w}`")),
        commit = f.commit,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_counts_relevant_items_of_the_first_k() {
        assert_eq!(precision_at(&[3, 2, 0, 1, 2, 3], 5, 2), 0.6);
        assert_eq!(precision_at(&[3, 3], 5, 2), 0.4);
        assert_eq!(precision_at(&[], 5, 2), 0.0);
        assert_eq!(precision_at(&[1, 1, 1], 3, 1), 1.0);
    }

    #[test]
    fn ndcg_of_known_rankings() {
        // DCG of [3, 2, 0]: 7/log2(2) + 3/log2(3) + 0 = 7 + 1.892789...
        let dcg = 7.0 + 3.0 / 3f64.log2();
        assert!((dcg_at(&[3, 2, 0], 10) - dcg).abs() < 1e-12);
        assert!((ndcg_at(&[3, 2, 1], &[1, 2, 3], 10) - 1.0).abs() < 1e-12);
        // Swapped: [2, 3] against the ideal [3, 2].
        let swapped = (3.0 + 7.0 / 3f64.log2()) / (7.0 + 3.0 / 3f64.log2());
        assert!((ndcg_at(&[2, 3], &[3, 2], 10) - swapped).abs() < 1e-12);
        // Only the first k count, on both sides.
        assert!((ndcg_at(&[0, 3], &[3, 3], 1) - 0.0).abs() < 1e-12);
        assert!((ndcg_at(&[3, 0], &[3, 3], 1) - 1.0).abs() < 1e-12);
        assert_eq!(ndcg_at(&[0, 0], &[0], 10), 0.0);
    }

    #[test]
    fn scenarios_stay_out_of_the_generator_vocabulary() {
        let known: Vec<&str> = super::super::vocab::SECTORS
            .iter()
            .flat_map(|v| v.products.iter().map(|p| p.hs.get(..6).unwrap_or(p.hs)))
            .collect();
        for s in SCENARIOS {
            assert!(
                !known.contains(&s.hs),
                "{} uses a vocabulary subheading",
                s.product
            );
            assert_eq!(s.sibling[..4], s.hs[..4], "{}", s.product);
            assert_ne!(s.sibling, s.hs, "{}", s.product);
            assert_eq!(s.cousin[..2], s.hs[..2], "{}", s.product);
            assert_ne!(s.cousin[..4], s.hs[..4], "{}", s.product);
        }
    }

    #[test]
    fn planted_prices_follow_the_intent() {
        let rates = Rates::new([
            (USD, rust_decimal_macros::dec!(84)),
            (EUR, rust_decimal_macros::dec!(90.5)),
            (GBP, rust_decimal_macros::dec!(106.2)),
            (AED, rust_decimal_macros::dec!(22.87)),
            (CNY, rust_decimal_macros::dec!(11.6667)),
        ])
        .unwrap();
        for (si, s) in SCENARIOS.iter().enumerate() {
            for (pi, p) in PLANTS.iter().enumerate() {
                let Some(x) = plant(si, pi, *p, &rates).unwrap() else {
                    continue;
                };
                let l = &x.listing;
                let price = l
                    .price_breaks
                    .iter()
                    .rfind(|b| b.min_quantity <= s.quantity)
                    .map(|b| Money::from_minor(b.unit_price_minor, l.currency));
                let back = price.map(|m| rates.convert(m, s.currency).unwrap().minor);
                match p {
                    Plant::Exact(_) => assert!(back.unwrap() <= s.target, "{}", s.product),
                    Plant::OverPrice => assert!(back.unwrap() > s.target, "{}", s.product),
                    Plant::DecoyMoq => assert!(l.moq > s.quantity),
                    _ => {}
                }
            }
        }
    }
}
