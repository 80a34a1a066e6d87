//! One typed configuration, read from `EXPORTBRIDGE_*` environment variables or flags.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// Whether the service runs as a local development instance or in production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Local defaults: a JWT key is generated when none is configured.
    Dev,
    /// Every secret must be configured explicitly.
    Production,
}

/// A secret string that never shows up in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

/// A database URL: the password part is masked when printed.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(pub String);

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // postgres://user:password@host/db -> postgres://user:***@host/db
        match (self.0.find("://"), self.0.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                let creds = &self.0[scheme + 3..at];
                match creds.find(':') {
                    Some(colon) => write!(
                        f,
                        "{}{}:***{}",
                        &self.0[..scheme + 3],
                        &creds[..colon],
                        &self.0[at..]
                    ),
                    None => f.write_str(&self.0),
                }
            }
            _ => f.write_str(&self.0),
        }
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(DatabaseUrl(s.to_owned()))
        } else {
            Err("a database URL starts with postgres:// or postgresql://".into())
        }
    }
}

/// One in-country store: `IN=postgres://…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InCountryStore {
    pub jurisdiction: String,
    pub url: DatabaseUrl,
}

impl std::str::FromStr for InCountryStore {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (code, url) = s
            .split_once('=')
            .ok_or_else(|| "expected JURISDICTION=postgres://…, e.g. IN=postgres://…".to_owned())?;
        let code = code.trim().to_ascii_uppercase();
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(format!(
                "jurisdiction {code:?} is not an ISO 3166 alpha-2 code"
            ));
        }
        Ok(InCountryStore {
            jurisdiction: code,
            url: url.trim().parse()?,
        })
    }
}

/// Everything the service needs to run; shared by `serve` and the other subcommands.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// dev (local defaults) or production (all secrets required).
    #[arg(long, env = "EXPORTBRIDGE_MODE", value_enum, default_value = "dev")]
    pub mode: Mode,

    /// Address to listen on.
    #[arg(long, env = "EXPORTBRIDGE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Platform store (primary PostgreSQL database).
    #[arg(
        long,
        env = "EXPORTBRIDGE_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:55432/exportbridge"
    )]
    pub database_url: DatabaseUrl,

    /// In-country stores, comma separated `JURISDICTION=url` pairs.
    #[arg(
        long = "in-country-database-url",
        env = "EXPORTBRIDGE_IN_COUNTRY_DATABASE_URLS",
        value_delimiter = ',',
        default_value = "IN=postgres://postgres@127.0.0.1:55433/exportbridge"
    )]
    pub in_country: Vec<InCountryStore>,

    /// How the in-country stores' subscriptions reach the platform store, when not by
    /// EXPORTBRIDGE_DATABASE_URL (e.g. another address from the in-country cluster's network).
    #[arg(long, env = "EXPORTBRIDGE_REPLICATION_SOURCE_URL")]
    pub replication_source_url: Option<DatabaseUrl>,

    /// Maximum connections per store pool.
    #[arg(long, env = "EXPORTBRIDGE_DB_POOL_SIZE", default_value_t = 16)]
    pub db_pool_size: usize,

    /// HMAC key for access tokens (at least 32 bytes). Generated per process in dev mode when unset.
    #[arg(long, env = "EXPORTBRIDGE_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,

    /// `iss` claim of issued access tokens.
    #[arg(long, env = "EXPORTBRIDGE_JWT_ISSUER", default_value = "exportbridge")]
    pub jwt_issuer: String,

    /// `aud` claim of issued access tokens.
    #[arg(
        long,
        env = "EXPORTBRIDGE_JWT_AUDIENCE",
        default_value = "exportbridge-api"
    )]
    pub jwt_audience: String,

    /// Access token lifetime in seconds.
    #[arg(long, env = "EXPORTBRIDGE_ACCESS_TOKEN_TTL", default_value_t = 900)]
    pub access_token_ttl_secs: i64,

    /// Refresh token lifetime in seconds.
    #[arg(long, env = "EXPORTBRIDGE_REFRESH_TOKEN_TTL", default_value_t = 30 * 24 * 3600)]
    pub refresh_token_ttl_secs: i64,

    /// Failed logins for one email from one client address within the window before further
    /// attempts from that address are refused (each attempt counts before the password check).
    #[arg(long, env = "EXPORTBRIDGE_LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub login_max_failures: i32,

    /// Failed logins for one email from all addresses together within the window before every
    /// attempt is refused (against guessing from many addresses).
    #[arg(
        long,
        env = "EXPORTBRIDGE_LOGIN_ACCOUNT_MAX_FAILURES",
        default_value_t = 50
    )]
    pub login_account_max_failures: i32,

    /// Length of the failed-login window and of the lock-out, in seconds.
    #[arg(long, env = "EXPORTBRIDGE_LOGIN_WINDOW", default_value_t = 900)]
    pub login_window_secs: i64,

    /// Seconds after a refresh in which presenting the just-rotated refresh token again (a
    /// client retrying) gets a fresh pair of the same session instead of revoking it as reuse.
    #[arg(long, env = "EXPORTBRIDGE_REFRESH_REUSE_GRACE", default_value_t = 30)]
    pub refresh_reuse_grace_secs: i64,

    /// Largest accepted JSON body, in bytes.
    #[arg(long, env = "EXPORTBRIDGE_JSON_LIMIT", default_value_t = 256 * 1024)]
    pub json_limit: usize,

    /// Largest accepted uploaded document (one file of a multipart upload), in bytes.
    #[arg(long, env = "EXPORTBRIDGE_DOCUMENT_LIMIT", default_value_t = 10 * 1024 * 1024)]
    pub document_limit: u64,

    /// Directory for uploaded documents and other local state.
    #[arg(long, env = "EXPORTBRIDGE_DATA_DIR", default_value = ".data/files")]
    pub data_dir: PathBuf,

    /// Log filter (tracing `EnvFilter` syntax).
    #[arg(long, env = "EXPORTBRIDGE_LOG", default_value = "info")]
    pub log: String,

    /// Log format: `text` or `json`.
    #[arg(long, env = "EXPORTBRIDGE_LOG_FORMAT", default_value = "text")]
    pub log_format: String,

    /// URL of the FX rate feed (JSON, see README); unset = rates come only from admins.
    #[arg(long, env = "EXPORTBRIDGE_FX_FEED_URL")]
    pub fx_feed_url: Option<String>,

    /// Seconds between FX feed fetches.
    #[arg(long, env = "EXPORTBRIDGE_FX_FEED_INTERVAL", default_value_t = 3600)]
    pub fx_feed_interval_secs: u64,

    /// Timeout of one FX feed request, in seconds.
    #[arg(long, env = "EXPORTBRIDGE_FX_FEED_TIMEOUT", default_value_t = 10)]
    pub fx_feed_timeout_secs: u64,

    /// Rates older than this (seconds) make estimates carry a staleness warning.
    #[arg(long, env = "EXPORTBRIDGE_FX_MAX_AGE", default_value_t = 24 * 3600)]
    pub fx_max_age_secs: i64,

    /// How long a settlement estimate stays valid, in seconds.
    #[arg(long, env = "EXPORTBRIDGE_ESTIMATE_TTL", default_value_t = 1800)]
    pub estimate_ttl_secs: i64,

    /// Largest amount an estimate accepts, in whole rupees at mid (default ₹1,000 crore).
    #[arg(
        long,
        env = "EXPORTBRIDGE_ESTIMATE_MAX_INR",
        default_value_t = 10_000_000_000
    )]
    pub estimate_max_inr: i64,

    /// How often the webhook worker looks for due deliveries, in milliseconds.
    #[arg(long, env = "EXPORTBRIDGE_WEBHOOK_POLL_MS", default_value_t = 1000)]
    pub webhook_poll_ms: u64,

    /// First retry delay of a failed webhook delivery, in seconds; doubles per attempt, at most 1 h.
    #[arg(long, env = "EXPORTBRIDGE_WEBHOOK_RETRY_BASE", default_value_t = 30)]
    pub webhook_retry_base_secs: u64,

    /// Attempts before a webhook delivery is given up.
    #[arg(long, env = "EXPORTBRIDGE_WEBHOOK_MAX_ATTEMPTS", default_value_t = 10)]
    pub webhook_max_attempts: i32,

    /// Timeout of one webhook request, in seconds.
    #[arg(long, env = "EXPORTBRIDGE_WEBHOOK_TIMEOUT", default_value_t = 10)]
    pub webhook_timeout_secs: u64,

    /// Due webhook deliveries one worker pass claims at a time.
    #[arg(long, env = "EXPORTBRIDGE_WEBHOOK_BATCH", default_value_t = 20)]
    pub webhook_batch: u32,

    /// Webhook requests one worker sends at the same time.
    #[arg(long, env = "EXPORTBRIDGE_WEBHOOK_CONCURRENCY", default_value_t = 8)]
    pub webhook_concurrency: u32,

    /// The address people reach the platform at: the base of the links in mail.
    #[arg(
        long,
        env = "EXPORTBRIDGE_PUBLIC_URL",
        default_value = "http://localhost:8080"
    )]
    pub public_url: String,

    /// The platform's name in mail.
    #[arg(
        long,
        env = "EXPORTBRIDGE_PLATFORM_NAME",
        default_value = "exportbridge"
    )]
    pub platform_name: String,

    /// The sender of mail, `Name <address>`.
    #[arg(
        long,
        env = "EXPORTBRIDGE_MAIL_FROM",
        default_value = "exportbridge <no-reply@exportbridge.localhost>"
    )]
    pub mail_from: String,

    /// SMTP server for mail: `smtps://user:password@host:465` (TLS), `smtp://host:587?tls=required`
    /// (STARTTLS) or `smtp://host:25` (plain, for a relay on the same host). Required in
    /// production mode; unset in dev mode, mail goes to the mailbox directory.
    #[arg(long, env = "EXPORTBRIDGE_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<Secret>,

    /// Dev mode without SMTP: the directory mail is written to, one `.eml` file per message
    /// (default: `mailbox` in the data directory).
    #[arg(long, env = "EXPORTBRIDGE_MAILBOX_DIR")]
    pub mailbox_dir: Option<PathBuf>,

    /// How often the mail worker looks for due messages, in milliseconds.
    #[arg(long, env = "EXPORTBRIDGE_MAIL_POLL_MS", default_value_t = 1000)]
    pub mail_poll_ms: u64,

    /// First retry delay of a failed mail, in seconds; doubles per attempt, at most 1 h.
    #[arg(long, env = "EXPORTBRIDGE_MAIL_RETRY_BASE", default_value_t = 30)]
    pub mail_retry_base_secs: u64,

    /// Attempts before a mail is given up.
    #[arg(long, env = "EXPORTBRIDGE_MAIL_MAX_ATTEMPTS", default_value_t = 8)]
    pub mail_max_attempts: i32,

    /// Timeout of sending one mail, in seconds.
    #[arg(long, env = "EXPORTBRIDGE_MAIL_TIMEOUT", default_value_t = 20)]
    pub mail_timeout_secs: u64,

    /// How long an email verification link works, in hours.
    #[arg(
        long,
        env = "EXPORTBRIDGE_VERIFICATION_TTL_HOURS",
        default_value_t = 48
    )]
    pub verification_ttl_hours: i64,

    /// How long a password reset link works, in minutes.
    #[arg(long, env = "EXPORTBRIDGE_RESET_TTL_MINUTES", default_value_t = 30)]
    pub reset_ttl_minutes: i64,

    /// How long an officer's claim on an application lasts, in seconds (renewable).
    #[arg(long, env = "EXPORTBRIDGE_CLAIM_LEASE", default_value_t = 1800)]
    pub claim_lease_secs: i64,

    /// HTTP worker threads (0 = one per core).
    #[arg(long, env = "EXPORTBRIDGE_WORKERS", default_value_t = 0)]
    pub workers: usize,

    /// Time a client has to send a request body, from the end of its headers, in milliseconds;
    /// a body still incomplete then is answered 408 and the connection closed.
    #[arg(long, env = "EXPORTBRIDGE_BODY_TIMEOUT_MS", default_value_t = 30_000)]
    pub body_timeout_ms: u64,

    /// Time a client has to send the request line and headers of its first request, in
    /// milliseconds (408 after that).
    #[arg(
        long,
        env = "EXPORTBRIDGE_CLIENT_REQUEST_TIMEOUT_MS",
        default_value_t = 5_000
    )]
    pub client_request_timeout_ms: u64,

    /// Time given to a client to acknowledge the closing of its connection, in milliseconds.
    #[arg(
        long,
        env = "EXPORTBRIDGE_CLIENT_DISCONNECT_TIMEOUT_MS",
        default_value_t = 1_000
    )]
    pub client_disconnect_timeout_ms: u64,

    /// Open connections per process (split evenly over the workers); beyond it new connections
    /// wait in the listen backlog until one closes.
    #[arg(long, env = "EXPORTBRIDGE_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,

    /// Requests a minute one client address may make, sustained, to the public
    /// (unauthenticated) routes that are rate-limited; more get 429 with `Retry-After`.
    /// 0 turns the limit off. Default 120.
    #[arg(
        long,
        env = "EXPORTBRIDGE_PUBLIC_RATE_PER_MINUTE",
        default_value_t = 120
    )]
    pub public_rate_per_minute: u32,

    /// Requests one client address may make at once to those routes before the sustained rate
    /// applies. Default 40.
    #[arg(long, env = "EXPORTBRIDGE_PUBLIC_BURST", default_value_t = 40)]
    pub public_burst: u32,

    /// Client addresses the public rate limit tracks at once (memory stays bounded); beyond
    /// that, new addresses pass unlimited until refilled buckets are swept out. Default 100000.
    #[arg(
        long,
        env = "EXPORTBRIDGE_PUBLIC_RATE_MAX_CLIENTS",
        default_value_t = 100_000
    )]
    pub public_rate_max_clients: usize,

    /// Longest a catalogue search may run in the database, in milliseconds; a search that
    /// takes longer is cancelled and answered 503. Default 2000.
    #[arg(long, env = "EXPORTBRIDGE_SEARCH_TIMEOUT_MS", default_value_t = 2000)]
    pub search_timeout_ms: u64,

    /// How often seller analytics counted in memory are added to the database, in seconds.
    /// Default 10.
    #[arg(long, env = "EXPORTBRIDGE_ANALYTICS_FLUSH_SECS", default_value_t = 10)]
    pub analytics_flush_secs: u64,

    /// How often the replication status behind `/readyz` and `/metrics` is refreshed, in
    /// seconds. Default 15.
    #[arg(
        long,
        env = "EXPORTBRIDGE_REPLICATION_MONITOR_SECS",
        default_value_t = 15
    )]
    pub replication_monitor_secs: u64,

    /// A price sort with free text sorts the text matches in memory when there are at most
    /// this many; with more it walks the price indexes, one per currency. Default 5000.
    #[arg(
        long,
        env = "EXPORTBRIDGE_SEARCH_PRICE_TEXT_CAP",
        default_value_t = 5000
    )]
    pub search_price_text_cap: i64,

    /// Weights of the RFQ matching factors that differ from the defaults, e.g.
    /// `text=0.3,price=0.2` (names: text, hs_code, sector, moq, price, lead_time, incoterm,
    /// certifications, verified, responsiveness; docs/matching.md gives the defaults). Checked
    /// at start.
    #[arg(long, env = "EXPORTBRIDGE_MATCHING_WEIGHTS")]
    pub matching_weights: Option<String>,

    /// Bearer token that `/metrics` requires. Unset: in dev mode metrics are served to loopback
    /// clients only; in production mode `/metrics` is disabled (404).
    #[arg(long, env = "EXPORTBRIDGE_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<Secret>,
}

impl Config {
    /// Defaults without reading the environment (tests start from this).
    pub fn local_defaults() -> Self {
        use clap::Parser;
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            config: Config,
        }
        // Parsing an empty argument list cannot fail: every field has a default.
        match Wrapper::try_parse_from(["exportbridge"]) {
            Ok(w) => w.config,
            Err(e) => panic!("config defaults are inconsistent: {e}"),
        }
    }

    /// HTTP worker threads actually started (`workers`, or one per core).
    pub fn worker_count(&self) -> usize {
        if self.workers > 0 {
            self.workers
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
    }

    /// `max_connections` per worker (actix counts per worker), at least one each.
    pub fn max_connections_per_worker(&self) -> usize {
        self.max_connections.div_ceil(self.worker_count()).max(1)
    }

    /// Where mail goes in dev mode without SMTP.
    pub fn mailbox_dir(&self) -> PathBuf {
        self.mailbox_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("mailbox"))
    }

    /// The in-country store URLs by jurisdiction.
    pub fn in_country_map(&self) -> BTreeMap<String, DatabaseUrl> {
        self.in_country
            .iter()
            .map(|s| (s.jurisdiction.clone(), s.url.clone()))
            .collect()
    }

    /// Checks that only make sense once everything is read.
    pub fn validate(&self) -> Result<(), String> {
        if self.mode == Mode::Production {
            match &self.jwt_secret {
                None => return Err("EXPORTBRIDGE_JWT_SECRET is required in production mode".into()),
                Some(s) if s.expose().len() < 32 => {
                    return Err("EXPORTBRIDGE_JWT_SECRET must be at least 32 bytes".into());
                }
                _ => {}
            }
        }
        if self.mode == Mode::Production && self.smtp_url.is_none() {
            return Err("EXPORTBRIDGE_SMTP_URL is required in production mode".into());
        }
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return Err("EXPORTBRIDGE_PUBLIC_URL must be an http:// or https:// address".into());
        }
        if let Err(e) = self.mail_from.parse::<lettre::message::Mailbox>() {
            return Err(format!("EXPORTBRIDGE_MAIL_FROM: {e}"));
        }
        if !(1..=50).contains(&self.mail_max_attempts)
            || !(1..=300).contains(&self.mail_timeout_secs)
        {
            return Err("EXPORTBRIDGE_MAIL_MAX_ATTEMPTS must be 1 to 50 and EXPORTBRIDGE_MAIL_TIMEOUT 1 to 300 seconds".into());
        }
        if !(1..=24 * 30).contains(&self.verification_ttl_hours)
            || !(5..=24 * 60).contains(&self.reset_ttl_minutes)
        {
            return Err("EXPORTBRIDGE_VERIFICATION_TTL_HOURS must be 1 to 720 and EXPORTBRIDGE_RESET_TTL_MINUTES 5 to 1440".into());
        }
        if self.estimate_ttl_secs <= 0 || self.estimate_max_inr <= 0 || self.fx_max_age_secs <= 0 {
            return Err("estimate TTL, estimate cap and FX max age must be positive".into());
        }
        if self.estimate_max_inr > 100_000_000_000_000 {
            return Err(
                "EXPORTBRIDGE_ESTIMATE_MAX_INR is beyond what the arithmetic supports".into(),
            );
        }
        if !(60..=24 * 3600).contains(&self.claim_lease_secs) {
            return Err("EXPORTBRIDGE_CLAIM_LEASE must be between 60 and 86400 seconds".into());
        }
        if self.access_token_ttl_secs <= 0 || self.refresh_token_ttl_secs <= 0 {
            return Err("token lifetimes must be positive".into());
        }
        if self.login_max_failures < 1
            || self.login_account_max_failures < self.login_max_failures
            || self.login_window_secs <= 0
        {
            return Err("EXPORTBRIDGE_LOGIN_MAX_FAILURES must be at least 1, EXPORTBRIDGE_LOGIN_ACCOUNT_MAX_FAILURES at least as large, and EXPORTBRIDGE_LOGIN_WINDOW positive".into());
        }
        if !(0..=300).contains(&self.refresh_reuse_grace_secs) {
            return Err(
                "EXPORTBRIDGE_REFRESH_REUSE_GRACE must be between 0 and 300 seconds".into(),
            );
        }
        if !(1..=300).contains(&self.webhook_timeout_secs) {
            return Err("EXPORTBRIDGE_WEBHOOK_TIMEOUT must be between 1 and 300 seconds".into());
        }
        if !(1..=1000).contains(&self.webhook_batch)
            || !(1..=256).contains(&self.webhook_concurrency)
        {
            return Err("EXPORTBRIDGE_WEBHOOK_BATCH must be 1 to 1000 and EXPORTBRIDGE_WEBHOOK_CONCURRENCY 1 to 256".into());
        }
        if self.document_limit == 0 {
            return Err("EXPORTBRIDGE_DOCUMENT_LIMIT must be positive".into());
        }
        if self.body_timeout_ms == 0 || self.client_request_timeout_ms == 0 {
            return Err(
                "EXPORTBRIDGE_BODY_TIMEOUT_MS and EXPORTBRIDGE_CLIENT_REQUEST_TIMEOUT_MS must be positive"
                    .into(),
            );
        }
        if self.public_rate_per_minute > 0 && !(1..=100_000).contains(&self.public_burst) {
            return Err("EXPORTBRIDGE_PUBLIC_BURST must be between 1 and 100000".into());
        }
        if !(1..=10_000_000).contains(&self.public_rate_max_clients) {
            return Err(
                "EXPORTBRIDGE_PUBLIC_RATE_MAX_CLIENTS must be between 1 and 10000000".into(),
            );
        }
        if !(10..=60_000).contains(&self.search_timeout_ms) {
            return Err("EXPORTBRIDGE_SEARCH_TIMEOUT_MS must be between 10 and 60000".into());
        }
        if !(1..=3600).contains(&self.analytics_flush_secs) {
            return Err("EXPORTBRIDGE_ANALYTICS_FLUSH_SECS must be between 1 and 3600".into());
        }
        if !(1..=3600).contains(&self.replication_monitor_secs) {
            return Err("EXPORTBRIDGE_REPLICATION_MONITOR_SECS must be between 1 and 3600".into());
        }
        if !(1..=100_000).contains(&self.search_price_text_cap) {
            return Err("EXPORTBRIDGE_SEARCH_PRICE_TEXT_CAP must be between 1 and 100000".into());
        }
        if self.max_connections == 0 {
            return Err("EXPORTBRIDGE_MAX_CONNECTIONS must be positive".into());
        }
        if self
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.expose().len() < 16)
        {
            return Err("EXPORTBRIDGE_METRICS_TOKEN must be at least 16 characters".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_masks_password() {
        let url = DatabaseUrl("postgres://app:hunter2@db:5432/x".into());
        assert_eq!(url.to_string(), "postgres://app:***@db:5432/x");
        assert!(!format!("{url:?}").contains("hunter2"));
    }

    #[test]
    fn secret_is_not_debug_printed() {
        assert_eq!(format!("{:?}", Secret::new("abc")), "Secret(***)");
    }

    #[test]
    fn in_country_store_parses() {
        let s: InCountryStore = "in=postgres://a@b/c".parse().unwrap();
        assert_eq!(s.jurisdiction, "IN");
        assert!("IND=postgres://x".parse::<InCountryStore>().is_err());
        assert!("IN=mysql://x".parse::<InCountryStore>().is_err());
    }

    #[test]
    fn the_public_rate_limit_needs_a_burst_unless_it_is_off() {
        let mut c = Config::local_defaults();
        c.public_burst = 0;
        assert!(c.validate().is_err());
        c.public_rate_per_minute = 0;
        assert!(c.validate().is_ok());
        c.public_rate_max_clients = 0;
        assert!(c.validate().is_err());
    }

    #[test]
    fn production_requires_a_long_secret() {
        let mut c = Config::local_defaults();
        assert!(c.validate().is_ok());
        c.mode = Mode::Production;
        assert!(c.validate().is_err());
        c.jwt_secret = Some(Secret::new("x".repeat(32)));
        assert!(c.validate().is_err(), "production mail needs SMTP");
        c.smtp_url = Some(Secret::new("smtps://mail.example.com"));
        assert!(c.validate().is_ok());
    }
}
