//! Listing use cases, one file each: writing a listing (`editing`), moving it through its
//! lifecycle with the listing fee (`publishing`), storefronts (`storefront`); the views built
//! from rows (`views`) and the request parser (`validation`).

mod editing;
mod publishing;
mod storefront;
mod validation;
mod views;

pub use self::editing::{create, get, list_own, replace};
pub use self::publishing::{fee_for, move_listing};
pub use self::storefront::storefront;
pub use self::validation::parse_listing;
pub use self::views::{details, listing_view, public_listing};
