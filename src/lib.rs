//! exportbridge: a B2B export marketplace backend for Indian SMEs.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod analytics;
pub mod auth;
pub mod background;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod fields;
pub mod http;
pub mod idempotency;
pub mod identifiers;
pub mod listings;
pub mod mail;
pub mod maintenance;
pub mod matching;
pub mod money;
pub mod observability;
pub mod ops;
pub mod paging;
pub mod partner;
pub mod ratelimit;
pub mod residency;
pub mod rfq;
pub mod seed;
pub mod sellers;
pub mod settlement;
pub mod vetting;
pub mod vocabulary;
pub mod webhooks;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::jwt::JwtKeys;
use crate::config::Config;
use crate::db::Stores;
use crate::http::RouteTable;
use crate::observability::{Metrics, WriterGauges};

/// Shared, read-only state of the running service.
pub struct AppState {
    pub config: Config,
    pub stores: Stores,
    pub jwt: JwtKeys,
    /// Schedule and rates for estimates, cached briefly.
    pub pricing: settlement::cache::PricingCache,
    /// Group commit of stored estimates.
    pub estimates: settlement::writer::EstimateWriter,
    /// Recently checked sessions of access tokens.
    pub sessions: auth::sessions::SessionCache,
    /// Requests per client address on the public routes that take `ratelimit::PublicClient`.
    pub public_limit: ratelimit::RateLimiter,
    /// Seller analytics counted since the last flush.
    pub analytics: analytics::Counters,
    /// The latest replication status (refreshed in the background) for `/readyz` and `/metrics`.
    pub replication: residency::Monitor,
    /// Signs catalogue cursors.
    pub cursor_key: [u8; 32],
    /// The weights of RFQ matching (defaults, or `EXPORTBRIDGE_MATCHING_WEIGHTS`).
    pub matching_weights: matching::Weights,
}

impl AppState {
    /// Replication health per configured jurisdiction, from the monitor's last refresh, for
    /// `/metrics` and `/readyz` (which name no domain themselves).
    pub fn replication_gauges(&self) -> Vec<observability::ReplicationGauge> {
        let configured: Vec<String> = self.config.in_country_map().into_keys().collect();
        self.replication
            .health(&configured)
            .into_iter()
            .map(|h| observability::ReplicationGauge {
                jurisdiction: h.jurisdiction,
                healthy: h.healthy,
                lag_bytes: h.lag_bytes,
                lag_seconds: h.lag_seconds,
            })
            .collect()
    }

    /// The estimate writer's gauges, for `/metrics` (which names no domain itself).
    pub fn writer_gauges(&self) -> WriterGauges {
        let health = self.estimates.health();
        WriterGauges {
            running: health.running,
            queued: health.queued,
            panicked_batches: health.panics,
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "exportbridge API",
        description = "B2B export marketplace: vetted Indian SME sellers, buyers abroad, catalogue, RFQs, and transparent cross-border settlement estimates. Errors are application/problem+json (RFC 9457).",
        version = "1.0.0"
    ),
    modifiers(&BearerAuth),
    components(schemas(error::Problem, error::FieldError)),
    tags(
        (name = "auth", description = "Registration, login, token refresh"),
        (name = "admin", description = "Platform administration"),
        (name = "sellers", description = "Seller profiles, evidence documents, payout account, submission for vetting, audit log, public profile"),
        (name = "vetting", description = "Vetting bodies, the officers' queue, claims, checklists, decisions, badges, suspension and expiry"),
        (name = "listings", description = "A seller's wholesale listings: HS code, MOQ, price breaks, incoterms; draft, publish, pause, archive"),
        (name = "catalogue", description = "Public catalogue search: full text with typo correction, filters, facets, prices in the buyer's currency"),
        (name = "residency", description = "Replication of Indian sellers' data to the in-country store: status and drift check, for auditors"),
        (name = "partner", description = "What may leave the country: aggregates with small cells withheld, and the egress log of every such answer"),
        (name = "buyers", description = "A buyer organisation's profile: company, country, business type, private contact"),
        (name = "rfqs", description = "Requests for quotation: post, change, close; matched sellers with every factor of their scores; a seller's leads"),
        (name = "quotes", description = "Sellers' quotes on RFQs with revisions; the buyer compares them by what they cost to pay and accepts one"),
        (name = "trades", description = "Accepted quotes: the trade's terms and settlement, kept in the seller's in-country store"),
        (name = "storefronts", description = "A seller's public storefront: profile, badge, published listings"),
        (name = "settlement", description = "Settlement estimates and fee schedules: what a payment costs, route by route"),
        (name = "fx", description = "Mid-market FX rates"),
        (name = "webhooks", description = "Signed event notifications to your systems"),
        (name = "operations", description = "Health and readiness"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                utoipa::openapi::security::HttpBuilder::from(Http::new(HttpAuthScheme::Bearer))
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Every documented route.
fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(ops::configure)
        .configure(auth::pages::configure)
        .service(
            scope::scope("/v1")
                .configure(auth::routes::configure)
                .configure(sellers::routes::configure)
                .configure(analytics::routes::configure)
                .configure(listings::routes::configure)
                .configure(catalogue::routes::configure)
                .configure(partner::routes::configure)
                .configure(residency::routes::configure)
                .configure(rfq::routes::configure)
                .configure(settlement::routes::configure)
                .configure(vetting::routes::configure)
                .configure(webhooks::routes::configure),
        );
}

/// The OpenAPI document, generated from the routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    document_http_rules(describe_responses(api))
}

/// Every operation of the document.
fn operations_mut(
    api: &mut utoipa::openapi::OpenApi,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    api.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
    })
}

/// Rules enforced by the HTTP layer for every route, written into the document where they
/// apply: the `Idempotency-Key` alphabet and length (`idempotency::IdempotencyKey`), and the 408 of a
/// body that arrives too late (`http::body_deadline`).
fn document_http_rules(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, RefOr, ResponseBuilder, Type};
    for op in operations_mut(&mut api) {
        for param in op.parameters.iter_mut().flatten() {
            let RefOr::T(param) = param else { continue };
            if param.parameter_in == ParameterIn::Header
                && param
                    .name
                    .eq_ignore_ascii_case(idempotency::IDEMPOTENCY_KEY_HEADER)
            {
                param.schema = Some(RefOr::T(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(idempotency::IDEMPOTENCY_KEY_MAX_LEN))
                        .pattern(Some(idempotency::IDEMPOTENCY_KEY_PATTERN))
                        .into(),
                ));
            }
        }
        if op.request_body.is_some() {
            op.responses
                .responses
                .entry("408".to_owned())
                .or_insert_with(|| {
                    ResponseBuilder::new()
                        .description("The body did not arrive in time")
                        .content(
                            error::PROBLEM_JSON,
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("Problem")))
                                .build(),
                        )
                        .build()
                        .into()
                });
        }
    }
    api
}

/// Responses declared without a description get the status's reason phrase: OpenAPI requires
/// one on every response.
fn describe_responses(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    for op in operations_mut(&mut api) {
        for (code, response) in op.responses.responses.iter_mut() {
            if let utoipa::openapi::RefOr::T(r) = response
                && r.description.is_empty()
            {
                r.description = code
                    .parse::<u16>()
                    .ok()
                    .and_then(|c| actix_web::http::StatusCode::from_u16(c).ok())
                    .and_then(|c| c.canonical_reason())
                    .unwrap_or("Response")
                    .to_owned();
            }
        }
    }
    api
}

/// `openapi()` as the pretty JSON committed in `openapi/openapi.json`.
pub fn openapi_json() -> Result<String, String> {
    openapi()
        .to_pretty_json()
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| e.to_string())
}

/// The running HTTP service; shared by `main` and the tests.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    tasks: Tasks,
    /// Tells the periodic loops among `tasks` that the server has stopped.
    shutdown: background::Shutdown,
}

impl Application {
    /// Binds `config.bind` (port 0 picks a free port) and prepares the server.
    pub async fn build(config: Config) -> Result<Self, String> {
        config.validate()?;
        let listener = TcpListener::bind(config.bind)
            .map_err(|e| format!("cannot bind {}: {e}", config.bind))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        // Cursors are signed with a key derived from the token secret (per process without one,
        // as tokens are in dev mode).
        let cursor_secret: Vec<u8> = match &config.jwt_secret {
            Some(s) => s.expose().as_bytes().to_vec(),
            None => rand::random::<[u8; 32]>().to_vec(),
        };
        let state = web::Data::new(AppState {
            stores: Stores::from_config(&config)?,
            jwt: JwtKeys::from_config(&config)?,
            cursor_key: catalogue::cursor_key(&cursor_secret),
            pricing: Default::default(),
            estimates: Default::default(),
            sessions: Default::default(),
            public_limit: ratelimit::RateLimiter::public(&config),
            replication: Default::default(),
            analytics: Default::default(),
            matching_weights: matching::Weights::from_config(config.matching_weights.as_deref())?,
            config,
        });
        start_up(&state).await;
        let shutdown = background::Shutdown::default();
        let tasks = background_tasks(&state, &shutdown);
        let metrics = Arc::new(Metrics::new()?);
        metrics.register_writer(&state.estimates.stats().batch_rows)?;
        let api = openapi();
        let route_table = web::Data::new(RouteTable::from_openapi(&api));
        let config = &state.config;
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .openapi(ApiDoc::openapi())
                .app_data(app_state.clone())
                .app_data(web::Data::from(metrics.clone()))
                .app_data(route_table.clone())
                .app_data(web::PathConfig::default().error_handler(http::path_error))
                .app_data(web::QueryConfig::default().error_handler(http::query_error))
                .configure(routes)
                .split_for_parts();
            app.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api.clone()))
                .route(
                    "/docs",
                    web::get().to(|| async {
                        HttpResponse::PermanentRedirect()
                            .insert_header(("Location", "/docs/"))
                            .finish()
                    }),
                )
                .default_service(web::to(http::fallback))
                // Innermost first: the request metrics see the 408 of a late body; HEAD is
                // routed as GET everywhere, /metrics included.
                .wrap(from_fn(http::body_deadline))
                .wrap(metrics.http.clone())
                .wrap(from_fn(observability::metrics_gate))
                .wrap(from_fn(http::head_as_get))
                .wrap(from_fn(observability::request_id))
        })
        .max_connections(config.max_connections_per_worker())
        .client_request_timeout(Duration::from_millis(config.client_request_timeout_ms))
        .client_disconnect_timeout(Duration::from_millis(config.client_disconnect_timeout_ms))
        // The connection limit is divided by this very count.
        .workers(config.worker_count())
        .listen(listener)
        .map_err(|e| e.to_string())?;
        if config.metrics_token.is_none() && config.mode == config::Mode::Production {
            tracing::warn!("EXPORTBRIDGE_METRICS_TOKEN is unset: /metrics is disabled");
        }
        Ok(Application {
            port,
            server: server.run(),
            state,
            tasks,
            shutdown,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until SIGINT/SIGTERM (graceful) or until the handle stops it; then the periodic
    /// loops finish their current run (within `background::GRACE`) and the tasks end.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.tasks.stop(&self.shutdown).await;
        result
    }
}

/// One-off work at start-up; failures are logged, not fatal (readiness reports the stores).
async fn start_up(state: &web::Data<AppState>) {
    match state.stores.platform().await {
        Ok(mut conn) => {
            if let Err(e) = settlement::schedules::ensure_default(&mut conn).await {
                tracing::warn!(error = %e, "could not ensure the default fee schedule");
            }
        }
        Err(e) => tracing::warn!(error = %e, "platform store unreachable at start-up"),
    }
}

/// Workers that run beside the HTTP server until it stops: those cancelled when it stops, and
/// the periodic loops, which stop between runs on `shutdown`.
fn background_tasks(state: &web::Data<AppState>, shutdown: &background::Shutdown) -> Tasks {
    let cancelled: Vec<_> = state
        .estimates
        .spawn(state.stores.platform.clone())
        .into_iter()
        .collect();
    let periodic = vec![
        tokio::spawn(settlement::run_fx_fetcher(
            state.clone().into_inner(),
            shutdown.signal(),
        )),
        tokio::spawn(mail::worker::run(
            state.clone().into_inner(),
            shutdown.signal(),
        )),
        tokio::spawn(webhooks::worker::run(
            state.clone().into_inner(),
            shutdown.signal(),
        )),
        tokio::spawn(maintenance::run(
            state.clone().into_inner(),
            shutdown.signal(),
        )),
        tokio::spawn(analytics::service::run(
            state.clone().into_inner(),
            shutdown.signal(),
        )),
        tokio::spawn(residency::monitor::run(
            state.clone().into_inner(),
            shutdown.signal(),
        )),
        // Approval expiry: once at start-up, then hourly.
        tokio::spawn(vetting::service::run_expiry(
            state.clone().into_inner(),
            shutdown.signal(),
        )),
    ];
    Tasks {
        cancelled,
        periodic,
    }
}

/// The tasks beside the server.
struct Tasks {
    /// Cancelled when the server stops.
    cancelled: Vec<tokio::task::JoinHandle<()>>,
    /// Periodic loops, told to stop by the application's `shutdown`.
    periodic: Vec<tokio::task::JoinHandle<()>>,
}

impl Tasks {
    /// Cancels the first kind; gives the loops `background::GRACE` to finish their run, then
    /// cancels those still running.
    async fn stop(self, shutdown: &background::Shutdown) {
        for task in self.cancelled {
            task.abort();
        }
        shutdown.stop();
        let grace = tokio::time::sleep(background::GRACE);
        tokio::pin!(grace);
        for mut task in self.periodic {
            tokio::select! {
                _ = &mut task => {}
                () = &mut grace => task.abort(),
            }
        }
    }
}
