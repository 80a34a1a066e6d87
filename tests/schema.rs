//! Properties of the migrated schema itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::TestApp;
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;

/// Every foreign key has an index whose leading columns are the key's columns (a partial index
/// only if its predicate is `<column> IS NOT NULL`): deleting a referenced row, by cascade or
/// the NO ACTION check, must not scan the referencing table. Covers tables added later too.
#[tokio::test]
async fn every_foreign_key_is_indexed() {
    #[derive(QueryableByName)]
    struct Missing {
        #[diesel(sql_type = diesel::sql_types::Text)]
        foreign_key: String,
    }
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    let missing: Vec<Missing> = diesel::sql_query(
        "SELECT c.conrelid::regclass || '.' || c.conname AS foreign_key
         FROM pg_constraint c
         WHERE c.contype = 'f'
           AND NOT EXISTS (
             SELECT 1 FROM pg_index i
             WHERE i.indrelid = c.conrelid
               AND (SELECT array_agg(k.attnum ORDER BY k.attnum)
                    FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, pos)
                    WHERE k.pos <= cardinality(c.conkey))
                   = (SELECT array_agg(a ORDER BY a) FROM unnest(c.conkey) AS a)
               AND (i.indpred IS NULL
                    OR (cardinality(c.conkey) = 1
                        AND pg_get_expr(i.indpred, i.indrelid) = format('(%I IS NOT NULL)',
                            (SELECT attname FROM pg_attribute
                             WHERE attrelid = c.conrelid AND attnum = c.conkey[1])))))
         ORDER BY 1",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let missing: Vec<String> = missing.into_iter().map(|m| m.foreign_key).collect();
    assert!(
        missing.is_empty(),
        "foreign keys without an index: {missing:#?}"
    );
}

/// The hourly clean-ups and the approval expiry filter on indexed columns.
#[tokio::test]
async fn clean_up_filters_are_indexed() {
    #[derive(QueryableByName)]
    struct Def {
        #[diesel(sql_type = diesel::sql_types::Text)]
        def: String,
    }
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    let defs: Vec<String> = diesel::sql_query(
        "SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index
         WHERE indrelid IN ('refresh_tokens'::regclass, 'sellers'::regclass,
                            'idempotency_keys'::regclass, 'login_throttle'::regclass)",
    )
    .load::<Def>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|d| d.def)
    .collect();
    for wanted in [
        "ON public.refresh_tokens USING btree (expires_at)",
        "ON public.sellers USING btree (status, valid_until)",
        "ON public.idempotency_keys USING btree (created_at)",
        "ON public.login_throttle USING btree (window_started_at)",
    ] {
        assert!(
            defs.iter().any(|d| d.ends_with(wanted)),
            "no index {wanted}: {defs:#?}"
        );
    }
}
