//! Test fixtures shared by the engine's unit and property tests.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::money::CurrencyCode;

/// Mid rates (INR per unit) that both test suites start from; each adds its own extras.
pub(super) const SHARED_RATES: [(CurrencyCode, Decimal); 15] = [
    (CurrencyCode::USD, dec!(84)),
    (CurrencyCode::EUR, dec!(91)),
    (CurrencyCode::GBP, dec!(106)),
    (CurrencyCode::CNY, dec!(11.6)),
    (CurrencyCode::SGD, dec!(62.5)),
    (CurrencyCode::MYR, dec!(18.8)),
    (CurrencyCode::IDR, dec!(0.0052)),
    (CurrencyCode::VND, dec!(0.0033)),
    (CurrencyCode::THB, dec!(2.35)),
    (CurrencyCode::AED, dec!(22.87)),
    (CurrencyCode::SAR, dec!(22.4)),
    (CurrencyCode::KES, dec!(0.65)),
    (CurrencyCode::NGN, dec!(0.054)),
    (CurrencyCode::ZAR, dec!(4.6)),
    (CurrencyCode::JPY, dec!(0.56)),
];
