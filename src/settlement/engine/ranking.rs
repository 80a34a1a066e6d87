//! The orders in which priced routes are ranked: by net, cheapest for the buyer, fastest.
use std::cmp::{Ordering, Reverse};

use super::estimate::{Pricing, Rankings, RouteEstimate};

fn ineligible_last(a: &RouteEstimate, b: &RouteEstimate) -> Ordering {
    b.usable().cmp(&a.usable())
}

/// Eligible routes first, ordered by `key` of their pricings (lowest first), then by id.
fn by_pricing<K: Ord>(
    a: &RouteEstimate,
    b: &RouteEstimate,
    key: impl Fn(&Pricing) -> K,
) -> Ordering {
    ineligible_last(a, b)
        .then_with(|| match (&a.pricing, &b.pricing) {
            (Some(pa), Some(pb)) => key(pa).cmp(&key(pb)),
            _ => Ordering::Equal,
        })
        .then_with(|| a.id.cmp(&b.id))
}

/// By net INR, highest first; ties by lower total cost, then id.
/// Ineligible routes last (by id).
pub fn by_net(a: &RouteEstimate, b: &RouteEstimate) -> Ordering {
    by_pricing(a, b, |p| (Reverse(p.net_inr.minor), p.total_cost_inr.minor))
}

/// By what the buyer pays (INR at mid), lowest first; ties by lower
/// total cost, then higher net. Ineligible routes last.
pub fn cheapest_for_buyer(a: &RouteEstimate, b: &RouteEstimate) -> Ordering {
    by_pricing(a, b, |p| {
        (
            p.buyer_pays_total_inr_at_mid.minor,
            p.total_cost_inr.minor,
            Reverse(p.net_inr.minor),
        )
    })
}

/// By worst-case then best-case arrival, then higher net. Ineligible
/// routes (and routes without a window) last.
pub fn fastest(a: &RouteEstimate, b: &RouteEstimate) -> Ordering {
    let key = |r: &RouteEstimate| r.arrival.map(|w| (w.max_hours, w.min_hours));
    ineligible_last(a, b)
        .then_with(|| match (key(a), key(b)) {
            (Some(ka), Some(kb)) => ka.cmp(&kb),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then_with(|| b.net_inr().cmp(&a.net_inr()))
        .then_with(|| a.id.cmp(&b.id))
}

type RouteOrder = fn(&RouteEstimate, &RouteEstimate) -> Ordering;

/// The three orders as lists of route ids (routes are compared in place, not copied).
pub fn rankings(routes: &[RouteEstimate]) -> Rankings {
    let ids = |order: RouteOrder| {
        let mut v: Vec<&RouteEstimate> = routes.iter().collect();
        v.sort_by(|a, b| order(a, b));
        v.into_iter().map(|r| r.id.clone()).collect()
    };
    Rankings {
        by_net_inr: ids(by_net),
        cheapest_for_buyer: ids(cheapest_for_buyer),
        fastest: ids(fastest),
    }
}
