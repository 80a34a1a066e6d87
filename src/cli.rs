//! The command line: `serve`, `migrate`, `seed`, `eval-matching`, `openapi`, `admin create-user`,
//! `residency setup|status|verify`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::config::{Config, Secret};
use crate::{Application, auth, db, observability, residency, seed};

#[derive(Debug, Parser)]
#[command(
    name = "exportbridge",
    version,
    about = "B2B export marketplace backend"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (SIGINT/SIGTERM stop it gracefully).
    Serve,
    /// Apply pending migrations to every configured store.
    Migrate,
    /// Load deterministic demo data (idempotent; dev mode only). With `--sellers` and
    /// `--listings`, load a generated catalogue instead (approved sellers, published listings).
    Seed {
        /// Approved sellers of the generated catalogue.
        #[arg(long, requires = "listings")]
        sellers: Option<u64>,
        /// Published listings of the generated catalogue, spread over the sellers.
        #[arg(long, requires = "sellers")]
        listings: Option<u64>,
        /// The generator's seed: the same seed and sizes give the same rows.
        #[arg(long, default_value_t = seed::catalogue::DEFAULT_SEED)]
        catalogue_seed: u64,
    },
    /// Measure the RFQ matching on a generated catalogue with planted sellers of known
    /// relevance (dev mode only): precision@5 and NDCG@10 per scenario and their means.
    EvalMatching {
        /// Background sellers of the generated catalogue.
        #[arg(long, default_value_t = 2_000)]
        sellers: u64,
        /// Background listings of the generated catalogue.
        #[arg(long, default_value_t = 20_000)]
        listings: u64,
        /// Weight overrides, e.g. "text=0.3, price=0.2" (default: the documented defaults).
        #[arg(long)]
        weights: Option<String>,
        /// Write the figures to docs/benchmarks.json and docs/benchmarks.md (with
        /// `--recorder`, run from the repository).
        #[arg(long)]
        record: bool,
        /// The script that merges a result into docs/benchmarks.{json,md}.
        #[arg(long, default_value = "scripts/bench.d/record.py")]
        recorder: PathBuf,
        /// The commit measured, for the record.
        #[arg(long, default_value = "unknown")]
        commit: String,
    },
    /// Write the OpenAPI document.
    Openapi {
        /// Output file; `-` for standard output.
        #[arg(long, default_value = "openapi/openapi.json")]
        out: PathBuf,
        /// Only check that the file is up to date.
        #[arg(long)]
        check: bool,
    },
    /// Administration tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Logical replication of seller data to the in-country stores.
    #[command(subcommand)]
    Residency(ResidencyCommand),
}

/// Exit status of `residency verify` when a copy drifted.
pub const EXIT_DRIFT: u8 = 3;

#[derive(Debug, Subcommand)]
pub enum ResidencyCommand {
    /// Create or correct the publication (platform) and subscription (in-country store) of
    /// every configured jurisdiction. Idempotent.
    Setup {
        #[arg(long)]
        json: bool,
    },
    /// Per jurisdiction: subscription, apply worker, slot, lag in bytes and seconds.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Compare row counts and digests of every replicated table on both sides, after waiting
    /// for the copy to catch up; exit status 3 on drift.
    Verify {
        /// How long to wait for the copy to catch up, e.g. `30s`.
        #[arg(long, default_value = "30s", value_parser = parse_seconds)]
        wait: Duration,
        #[arg(long)]
        json: bool,
    },
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    s.strip_suffix('s')
        .unwrap_or(s)
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("{s:?} is not a number of seconds such as 30s"))
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin user (the first one, typically). Idempotent on the email.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Platform administrator")]
        full_name: String,
        /// Read from the environment so it does not land in shell history.
        #[arg(long, env = "EXPORTBRIDGE_ADMIN_PASSWORD", hide_env_values = true)]
        password: Secret,
    },
}

pub async fn run(cli: Cli) -> Result<ExitCode, String> {
    observability::init_tracing(&cli.config.log, &cli.config.log_format);
    cli.config.validate()?;
    if let Command::Residency(command) = &cli.command {
        return run_residency(&cli.config, command).await;
    }
    run_other(cli).await.map(|()| ExitCode::SUCCESS)
}

async fn run_other(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve => {
            let app = Application::build(cli.config.clone()).await?;
            tracing::info!(bind = %cli.config.bind, port = app.port(), "serving; Swagger UI at /docs");
            app.run_until_stopped().await.map_err(|e| e.to_string())
        }
        Command::Migrate => migrate_all(&cli.config).await,
        Command::Seed {
            sellers: Some(sellers),
            listings: Some(listings),
            catalogue_seed,
        } => {
            let size = seed::CatalogueSize {
                sellers,
                listings,
                seed: catalogue_seed,
            };
            seed::load_catalogue(&cli.config, size).await.map(|_| ())
        }
        Command::Seed { .. } => seed::run(&cli.config).await,
        Command::EvalMatching {
            sellers,
            listings,
            weights,
            record,
            recorder,
            commit,
        } => {
            let options = seed::eval::EvalOptions {
                sellers,
                listings,
                weights,
                record: record.then_some(recorder),
                commit,
            };
            seed::eval::run(&cli.config, &options).await.map(|_| ())
        }
        Command::Openapi { out, check } => write_openapi(&out, check),
        Command::Admin(AdminCommand::CreateUser {
            email,
            full_name,
            password,
        }) => {
            let stores = db::Stores::from_config(&cli.config)?;
            let mut conn = stores.platform().await.map_err(|e| e.to_string())?;
            let user =
                auth::service::bootstrap_admin(&mut conn, &email, password.expose(), &full_name)
                    .await
                    .map_err(|e| match e {
                        crate::error::ApiError::Validation(errors) => errors
                            .iter()
                            .map(|f| format!("{}: {}", f.field, f.message))
                            .collect::<Vec<_>>()
                            .join("; "),
                        other => other.to_string(),
                    })?;
            println!("created admin {} ({})", user.email, user.id);
            Ok(())
        }
        Command::Residency(_) => Err("handled by run_residency".into()),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string_pretty(value).map_err(|e| e.to_string())
}

async fn run_residency(config: &Config, command: &ResidencyCommand) -> Result<ExitCode, String> {
    match command {
        ResidencyCommand::Setup { json } => {
            let outcomes = residency::setup(config).await?;
            if *json {
                println!("{}", to_json(&outcomes)?);
            } else {
                for o in &outcomes {
                    if o.changes.is_empty() {
                        println!(
                            "{}: publication {}, subscription {}, slot {}: already set up",
                            o.jurisdiction, o.publication, o.subscription, o.slot
                        );
                    }
                    for change in &o.changes {
                        println!("{}: {change}", o.jurisdiction);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ResidencyCommand::Status { json } => {
            let statuses = residency::status(config).await?;
            if *json {
                println!("{}", to_json(&statuses)?);
            } else {
                println!(
                    "{:<4} {:<8} {:<8} {:<8} {:<7} {:<40} {:<7} {:>12} {:>9}",
                    "jur",
                    "healthy",
                    "enabled",
                    "worker",
                    "tables",
                    "slot",
                    "active",
                    "lag bytes",
                    "lag s"
                );
                for s in &statuses {
                    println!(
                        "{:<4} {:<8} {:<8} {:<8} {:<7} {:<40} {:<7} {:>12} {:>9}",
                        s.jurisdiction,
                        s.healthy,
                        s.subscription_enabled,
                        s.worker_pid.map_or("-".to_owned(), |p| p.to_string()),
                        format!("{}/{}", s.tables_ready, s.tables),
                        if s.slot_exists {
                            s.slot.clone()
                        } else {
                            format!("{} (missing)", s.slot)
                        },
                        s.slot_active,
                        s.lag_bytes.map_or("-".to_owned(), |b| b.to_string()),
                        s.lag_seconds.map_or("-".to_owned(), |t| format!("{t:.1}")),
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ResidencyCommand::Verify { wait, json } => {
            let report = residency::verify(config, *wait).await?;
            if *json {
                println!("{}", to_json(&report)?);
            } else {
                for j in &report.jurisdictions {
                    for t in &j.tables {
                        let state = if t.in_sync { "in sync" } else { "DRIFT" };
                        println!(
                            "{} {:<20} platform {:>8} copy {:>8}  {state}",
                            j.jurisdiction, t.table, t.platform_rows, t.copy_rows
                        );
                        for d in &t.drift {
                            println!(
                                "    {} {}..{}: platform {} row(s), copy {} row(s)",
                                d.key, d.from, d.to, d.platform_rows, d.copy_rows
                            );
                        }
                    }
                }
            }
            Ok(if report.drifted() {
                ExitCode::from(EXIT_DRIFT)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

pub async fn migrate_all(config: &Config) -> Result<(), String> {
    let mut targets = vec![("platform".to_owned(), config.database_url.clone())];
    targets.extend(
        config
            .in_country_map()
            .into_iter()
            .map(|(code, url)| (format!("in_country:{code}"), url)),
    );
    for (name, url) in targets {
        let applied = db::migrate(&url).await?;
        tracing::info!(store = %name, applied = applied.len(), "migrated");
    }
    Ok(())
}

fn write_openapi(out: &std::path::Path, check: bool) -> Result<(), String> {
    let json = crate::openapi_json()?;
    if out.as_os_str() == "-" {
        print!("{json}");
        return Ok(());
    }
    if check {
        let current = std::fs::read_to_string(out).unwrap_or_default();
        return if current == json {
            Ok(())
        } else {
            Err(format!(
                "{} is stale: run `exportbridge openapi`",
                out.display()
            ))
        };
    }
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    std::fs::write(out, json).map_err(|e| format!("cannot write {}: {e}", out.display()))
}
