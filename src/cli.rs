//! The command line: `serve`, `migrate`, `seed`, `openapi`, `admin create-user`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{Config, Secret};
use crate::{Application, auth, db, observability, seed};

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

pub async fn run(cli: Cli) -> Result<(), String> {
    observability::init_tracing(&cli.config.log, &cli.config.log_format);
    cli.config.validate()?;
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
