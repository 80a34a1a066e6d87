//! `scripts/pg` starts durable clusters unless asked for fast ones (the test suite only), and
//! switches running clusters without a restart. Uses its own clusters on free ports in a
//! temporary directory, stopped at the end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

struct Clusters {
    dir: PathBuf,
    ports: (u16, u16),
}

impl Clusters {
    fn new() -> Self {
        let free = || {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        };
        let dir = std::env::temp_dir().join(format!("eb_pg_{}", uuid::Uuid::new_v4().simple()));
        Clusters {
            dir,
            ports: (free(), free()),
        }
    }

    /// Runs `scripts/pg <args>` against these clusters only.
    fn pg(&self, args: &[&str], durable_env: Option<&str>) {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/pg");
        let mut cmd = Command::new(script);
        cmd.args(args)
            .env("EXPORTBRIDGE_PG_PORT", self.ports.0.to_string())
            .env("EXPORTBRIDGE_PG_IN_PORT", self.ports.1.to_string())
            .env("EXPORTBRIDGE_PG_DIR", &self.dir)
            .env_remove("EXPORTBRIDGE_PG_DURABLE");
        if let Some(v) = durable_env {
            cmd.env("EXPORTBRIDGE_PG_DURABLE", v);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "scripts/pg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `fsync`, `synchronous_commit`, `full_page_writes` of both clusters.
    async fn settings(&self) -> Vec<String> {
        #[derive(QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::Text)]
            setting: String,
        }
        let mut out = Vec::new();
        for port in [self.ports.0, self.ports.1] {
            let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
            let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
            let rows: Vec<Setting> = diesel::sql_query(
                "SELECT setting FROM pg_settings
                 WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes') ORDER BY name",
            )
            .load(&mut conn)
            .await
            .unwrap();
            out.extend(rows.into_iter().map(|r| r.setting));
        }
        out
    }
}

impl Drop for Clusters {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.pg(&["stop"], None)));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn clusters_are_durable_unless_the_tests_ask_for_speed() {
    let clusters = Clusters::new();
    clusters.pg(&["start"], None);
    assert_eq!(clusters.settings().await, ["on"; 6], "started durable");
    // The test suite's fast mode is applied to running clusters by a reload.
    clusters.pg(&["start", "--fast"], None);
    assert_eq!(clusters.settings().await, ["off"; 6], "switched to fast");
    clusters.pg(&["start"], None);
    assert_eq!(clusters.settings().await, ["on"; 6], "switched back");
    clusters.pg(&["start"], Some("0"));
    assert_eq!(
        clusters.settings().await,
        ["off"; 6],
        "EXPORTBRIDGE_PG_DURABLE=0"
    );
}
