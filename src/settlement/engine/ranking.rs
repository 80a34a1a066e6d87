//! The orders in which priced routes are ranked: by net, cheapest for the buyer, fastest.
use super::estimate::{Rankings, RouteEstimate};

fn ineligible_last(a: &RouteEstimate, b: &RouteEstimate) -> std::cmp::Ordering {
    b.usable().cmp(&a.usable())
}

/// By net INR, highest first; ties by lower total cost, then id.
/// Ineligible routes last (by id).
pub fn by_net(a: &RouteEstimate, b: &RouteEstimate) -> std::cmp::Ordering {
    ineligible_last(a, b)
        .then_with(|| match (&a.pricing, &b.pricing) {
            (Some(pa), Some(pb)) => pb
                .net_inr
                .minor
                .cmp(&pa.net_inr.minor)
                .then(pa.total_cost_inr.minor.cmp(&pb.total_cost_inr.minor)),
            _ => std::cmp::Ordering::Equal,
        })
        .then_with(|| a.id.cmp(&b.id))
}

/// By what the buyer pays (INR at mid), lowest first; ties by lower
/// total cost, then higher net. Ineligible routes last.
pub fn cheapest_for_buyer(a: &RouteEstimate, b: &RouteEstimate) -> std::cmp::Ordering {
    ineligible_last(a, b)
        .then_with(|| match (&a.pricing, &b.pricing) {
            (Some(pa), Some(pb)) => pa
                .buyer_pays_total_inr_at_mid
                .minor
                .cmp(&pb.buyer_pays_total_inr_at_mid.minor)
                .then(pa.total_cost_inr.minor.cmp(&pb.total_cost_inr.minor))
                .then(pb.net_inr.minor.cmp(&pa.net_inr.minor)),
            _ => std::cmp::Ordering::Equal,
        })
        .then_with(|| a.id.cmp(&b.id))
}

/// By worst-case then best-case arrival, then higher net. Ineligible
/// routes (and routes without a window) last.
pub fn fastest(a: &RouteEstimate, b: &RouteEstimate) -> std::cmp::Ordering {
    let key = |r: &RouteEstimate| r.arrival.map(|w| (w.max_hours, w.min_hours));
    ineligible_last(a, b)
        .then_with(|| match (key(a), key(b)) {
            (Some(ka), Some(kb)) => ka.cmp(&kb),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        })
        .then_with(|| b.net_inr().cmp(&a.net_inr()))
        .then_with(|| a.id.cmp(&b.id))
}

type RouteOrder = fn(&RouteEstimate, &RouteEstimate) -> std::cmp::Ordering;

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
