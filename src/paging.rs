//! Keyset paging of lists: the `cursor`/`limit` query parameters, the page answered, and
//! `Keyset`, which applies the cursor, the order and the probe row to a diesel boxed query.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

/// Cursor paging parameters shared by every list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
}

pub const MAX_PAGE_SIZE: i64 = 200;

impl PageParams {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(50),
            Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::field(
                "limit",
                "out_of_range",
                format!("must be 1 to {MAX_PAGE_SIZE}"),
            )),
        }
    }

    /// The cursor is the last id of the previous page (ids are time-ordered UUID v7).
    pub fn cursor(&self) -> Result<Option<uuid::Uuid>, ApiError> {
        self.cursor
            .as_deref()
            .map(|c| {
                c.parse()
                    .map_err(|_| ApiError::field("cursor", "invalid", "not a cursor from this API"))
            })
            .transpose()
    }
}

/// Which way a list runs through its time-ordered ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    NewestFirst,
    OldestFirst,
}

/// A validated page request: keyset paging over a UUID v7 id column. `apply` adds the cursor
/// filter, the order and `limit + 1` to a boxed query; `page` turns the rows into a `Page`.
#[derive(Debug, Clone, Copy)]
pub struct Keyset {
    limit: i64,
    cursor: Option<uuid::Uuid>,
    direction: Direction,
}

impl PageParams {
    /// The page asked for, running `direction`; 400 on a bad limit (checked first) or cursor.
    pub fn keyset(&self, direction: Direction) -> Result<Keyset, ApiError> {
        Ok(Keyset {
            limit: self.limit()?,
            cursor: self.cursor()?,
            direction,
        })
    }
}

impl Keyset {
    /// `query` past the cursor, ordered by `id` the page's way, one row more than the page.
    pub fn apply<Q, Id>(&self, query: Q, id: Id) -> Q
    where
        Id: diesel::ExpressionMethods
            + diesel::Expression<SqlType = diesel::sql_types::Uuid>
            + Copy,
        Q: diesel::query_dsl::methods::FilterDsl<diesel::dsl::Lt<Id, uuid::Uuid>, Output = Q>
            + diesel::query_dsl::methods::FilterDsl<diesel::dsl::Gt<Id, uuid::Uuid>, Output = Q>
            + diesel::query_dsl::methods::OrderDsl<diesel::dsl::Desc<Id>, Output = Q>
            + diesel::query_dsl::methods::OrderDsl<diesel::dsl::Asc<Id>, Output = Q>
            + diesel::query_dsl::methods::LimitDsl<Output = Q>,
    {
        use diesel::query_dsl::methods;
        let query = match (self.direction, self.cursor) {
            (_, None) => query,
            (Direction::NewestFirst, Some(c)) => methods::FilterDsl::filter(query, id.lt(c)),
            (Direction::OldestFirst, Some(c)) => methods::FilterDsl::filter(query, id.gt(c)),
        };
        let query = match self.direction {
            Direction::NewestFirst => methods::OrderDsl::order(query, id.desc()),
            Direction::OldestFirst => methods::OrderDsl::order(query, id.asc()),
        };
        methods::LimitDsl::limit(query, self.limit + 1)
    }

    /// The page of up to `limit + 1` rows fetched by an `apply`ed query.
    pub fn page<T: ToSchema>(&self, rows: Vec<T>, id: impl Fn(&T) -> uuid::Uuid) -> Page<T> {
        Page::from_rows(rows, self.limit, id)
    }
}

/// One page of a list; `next_cursor` is absent on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched newest first.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> uuid::Uuid) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| id(r).to_string())
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_bounded_and_cursors_checked() {
        let q = |limit: Option<i64>, cursor: Option<&str>| PageParams {
            limit,
            cursor: cursor.map(str::to_owned),
        };
        assert_eq!(q(None, None).limit().unwrap(), 50);
        assert_eq!(q(Some(200), None).limit().unwrap(), 200);
        assert!(q(Some(0), None).limit().is_err());
        assert!(q(Some(201), None).limit().is_err());
        assert!(q(None, Some("nope")).cursor().is_err());
        let id = uuid::Uuid::now_v7();
        assert_eq!(q(None, Some(&id.to_string())).cursor().unwrap(), Some(id));
    }

    #[test]
    fn a_page_trims_the_probe_row_and_points_past_the_last_item() {
        #[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
        struct Item {
            id: uuid::Uuid,
        }
        let items: Vec<Item> = (1..=3)
            .map(|n| Item {
                id: uuid::Uuid::from_u128(n),
            })
            .collect();
        let page = Page::from_rows(items.clone(), 2, |i| i.id);
        assert_eq!(page.items, items[..2]);
        assert_eq!(page.next_cursor, Some(items[1].id.to_string()));
        let last = Page::from_rows(items[..2].to_vec(), 2, |i| i.id);
        assert_eq!(last.next_cursor, None);
    }

    #[test]
    fn keyset_filters_past_the_cursor_orders_and_fetches_one_more() {
        use crate::db::schema::users;
        use diesel::prelude::*;
        let sql = |limit, cursor: Option<&str>, direction| {
            let page = PageParams {
                limit,
                cursor: cursor.map(str::to_owned),
            };
            let keyset = page.keyset(direction).unwrap();
            let query = keyset.apply(users::table.select(users::id).into_boxed(), users::id);
            diesel::debug_query::<diesel::pg::Pg, _>(&query).to_string()
        };
        let id = uuid::Uuid::now_v7();
        let newest = sql(Some(10), Some(&id.to_string()), Direction::NewestFirst);
        assert!(
            newest.contains(r#"WHERE ("users"."id" < $1) ORDER BY "users"."id" DESC LIMIT $2"#),
            "{newest}"
        );
        assert!(newest.contains(&format!("[{id}, 11]")), "{newest}");
        let oldest = sql(None, Some(&id.to_string()), Direction::OldestFirst);
        assert!(
            oldest.contains(r#"WHERE ("users"."id" > $1) ORDER BY "users"."id" ASC LIMIT $2"#),
            "{oldest}"
        );
        let first = sql(None, None, Direction::NewestFirst);
        assert!(
            !first.contains("WHERE") && first.contains("[51]"),
            "{first}"
        );
        let bad = PageParams {
            limit: Some(0),
            cursor: Some("nope".into()),
        };
        let err = bad.keyset(Direction::OldestFirst).unwrap_err();
        assert!(
            format!("{err:?}").contains("limit"),
            "the limit is checked first"
        );
    }
}
