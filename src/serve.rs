//! `ramcheck serve`: the authorizer in front of real gateways and real SDK clients.
//!
//! One process answers the ECS API itself (`/`, RPC style, signatures verified as Alibaba
//! Cloud verifies them), Envoy's HTTP and gRPC `ext_authz`, nginx's `auth_request`, and, when
//! asked, a plain JSON decision API; with `/healthz`, `/readyz`, `/metrics`, a JSON-lines
//! decision log and hot reload of every input.
//!
//! The layout follows one call:
//! - [`snapshot`]: everything a decision reads (the compiled accounts, [`credentials`],
//!   [`executions`]), loaded together and swapped in whole, so that no call ever sees half
//!   of a reload; [`reload`] watches the inputs and takes SIGHUP.
//! - [`api`]: one signed call from the wire to an answer: the action, the signature
//!   ([`crate::signature`]), the nonce ([`nonce`]), then [`crate::gateway::authorize_cancel`].
//!   Every front end (HTTP, `ext_authz`, `auth_request`, gRPC) goes through it.
//! - [`http`] and [`grpc`]: the listeners; [`upstream`] forwards an allowed call.
//! - [`metrics`] and [`decision_log`]: what operations see.
//!
//! Built on tokio, hyper and tonic, behind the `serve` cargo feature: the library proper
//! embeds without an async runtime.

pub mod api;
pub mod credentials;
pub mod decision_log;
pub mod executions;
pub mod grpc;
pub mod http;
pub mod metrics;
pub mod nonce;
pub mod reload;
pub mod snapshot;
pub mod upstream;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::source::SourceOptions;

/// Everything `ramcheck serve` is started with: one field per flag.
///
/// ```no_run
/// use std::time::Duration;
/// use ramcheck::serve::{run, ServeConfig};
///
/// let mut config = ServeConfig::new(
///     vec!["account.json".into()],
///     "credentials.json".into(),
///     "executions.json".into(),
/// );
/// config.listen = "127.0.0.1:9000".to_owned();
/// config.max_clock_skew = Duration::from_secs(300);
/// run(config)?; // until SIGTERM or SIGINT
/// # Ok::<(), ramcheck::serve::ServeError>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServeConfig {
    /// `--account FILE...`: the account sources, one per account.
    pub accounts: Vec<PathBuf>,
    /// The account-source flags (`--account-id`, `--plan-side`, `--parameter`).
    pub source: SourceOptions,
    /// `--credentials FILE`.
    pub credentials: PathBuf,
    /// `--executions FILE`.
    pub executions: PathBuf,
    /// `--listen ADDR` (default `127.0.0.1:8080`; port 0 picks a free port).
    pub listen: String,
    /// `--grpc-listen ADDR`: Envoy's gRPC `ext_authz`.
    pub grpc_listen: Option<String>,
    /// `--upstream http://HOST:PORT`: where allowed API calls go.
    pub upstream: Option<String>,
    /// `--decision-log FILE|-`.
    pub decision_log: Option<String>,
    /// `--max-clock-skew SECONDS` (default 900 s).
    pub max_clock_skew: Duration,
    /// `--decision-api ADDR`: the listener of `POST /v1/decide`.
    pub decision_api: Option<String>,
    /// `--nonce-store redis://HOST:PORT`; the nonces are kept in memory without it.
    pub nonce_store: Option<String>,
    /// `--max-file-size BYTES`: the most bytes read from one input.
    pub max_file_size: u64,
    /// The bounds of every HTTP request.
    pub limits: http::Limits,
    /// The most nonces the in-memory store keeps.
    pub max_nonces: usize,
    /// `--diagnostics full|redacted|off`: how much a 403's `EncodedDiagnosticMessage` tells
    /// the caller (default [`Diagnostics::Full`](crate::gateway::Diagnostics::Full)).
    pub diagnostics: crate::gateway::Diagnostics,
    /// Called once per listener, once it is bound, with a line saying where it listens
    /// (the CLI prints it on standard error; the library prints nothing).
    pub announce: fn(&str),
}

impl ServeConfig {
    /// A configuration with the defaults of every optional flag.
    pub fn new(accounts: Vec<PathBuf>, credentials: PathBuf, executions: PathBuf) -> ServeConfig {
        ServeConfig {
            accounts,
            source: SourceOptions::default(),
            credentials,
            executions,
            listen: "127.0.0.1:8080".to_owned(),
            grpc_listen: None,
            upstream: None,
            decision_log: None,
            max_clock_skew: crate::signature::DEFAULT_MAX_CLOCK_SKEW,
            decision_api: None,
            nonce_store: None,
            max_file_size: crate::read::DEFAULT_MAX_FILE_SIZE,
            limits: http::Limits::default(),
            max_nonces: nonce::DEFAULT_MAX_ENTRIES,
            diagnostics: crate::gateway::Diagnostics::Full,
            announce: |_| {},
        }
    }
}

/// Why `ramcheck serve` could not start, or stopped on its own.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// A listener could not be bound.
    #[error("{flag}: cannot listen on `{address}`: {source}")]
    Bind {
        /// The flag that named the address.
        flag: &'static str,
        /// The address as given.
        address: String,
        /// Why.
        source: std::io::Error,
    },
    /// The first snapshot could not be loaded.
    #[error(transparent)]
    Load(#[from] snapshot::ServeLoadError),
    /// `--upstream` is not a URL to forward to.
    #[error(transparent)]
    Upstream(#[from] upstream::UpstreamUrlError),
    /// `--decision-log` cannot be opened.
    #[error("--decision-log: cannot open `{target}`: {source}")]
    DecisionLog {
        /// The file named.
        target: String,
        /// Why.
        source: std::io::Error,
    },
    /// `--nonce-store` cannot be used.
    #[error("--nonce-store: {0}")]
    NonceStore(#[from] nonce::NonceError),
    /// The runtime, a signal handler or a listener failed.
    #[error("{0}")]
    Runtime(String),
}

impl ServeError {
    /// How to fix it, when there is something to say.
    pub fn help(&self) -> Option<String> {
        match self {
            ServeError::Bind { .. } => Some(
                "give a free local address, e.g. `127.0.0.1:8080`; port 0 picks a free port"
                    .to_owned(),
            ),
            ServeError::Upstream(_) => {
                Some("give the upstream as `http://HOST:PORT`, without a path".to_owned())
            }
            ServeError::NonceStore(_) => Some(
                "give the Redis server as `redis://HOST:PORT`, and check it is running".to_owned(),
            ),
            ServeError::Load(e) => e.help().map(str::to_owned),
            _ => None,
        }
    }
}

/// The inputs a snapshot is loaded from.
fn inputs(config: &ServeConfig) -> snapshot::Inputs {
    snapshot::Inputs {
        accounts: config.accounts.clone(),
        source: config.source.clone(),
        credentials: config.credentials.clone(),
        executions: config.executions.clone(),
        max_file_size: config.max_file_size,
    }
}

/// Binds a listener, and announces where it listens.
async fn bind(
    flag: &'static str,
    address: &str,
    what: &str,
    announce: fn(&str),
) -> Result<TcpListener, ServeError> {
    let listener = TcpListener::bind(address)
        .await
        .map_err(|source| ServeError::Bind {
            flag,
            address: address.to_owned(),
            source,
        })?;
    let bound = listener.local_addr().map_err(|source| ServeError::Bind {
        flag,
        address: address.to_owned(),
        source,
    })?;
    announce(&format!("ramcheck serve: {what} on {}", url(bound)));
    Ok(listener)
}

fn url(address: SocketAddr) -> String {
    format!("http://{address}")
}

/// Runs `ramcheck serve` until SIGTERM or SIGINT: binds the listeners, loads the first
/// snapshot in the background (signed calls get 503 until then), reloads on SIGHUP and on
/// change of any input, and on a signal stops accepting, lets in-flight requests finish and
/// returns.
///
/// # Errors
///
/// A [`ServeError`] when a listener cannot be bound, a flag's value cannot be used, or the
/// first snapshot cannot be loaded (a failed reload later keeps the old snapshot).
pub fn run(config: ServeConfig) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ServeError::Runtime(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(serve(config))
}

async fn serve(config: ServeConfig) -> Result<(), ServeError> {
    let upstream = config
        .upstream
        .as_deref()
        .map(|url| {
            upstream::Upstream::new(
                url,
                config.limits.request_timeout,
                config.limits.max_body_bytes.saturating_mul(16),
            )
        })
        .transpose()?;
    let log = config
        .decision_log
        .as_deref()
        .map(|target| {
            decision_log::DecisionLog::open(target).map_err(|source| ServeError::DecisionLog {
                target: target.to_owned(),
                source,
            })
        })
        .transpose()?;
    let nonces = match &config.nonce_store {
        Some(url) => nonce::NonceStore::redis(url).await?,
        None => nonce::NonceStore::memory(config.max_nonces),
    };
    // Signals are taken before the first load, so that a SIGTERM during it is a clean stop.
    let mut terminate = signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut interrupt = signal(tokio::signal::unix::SignalKind::interrupt())?;

    let main = bind("--listen", &config.listen, "listening", config.announce).await?;
    let decide = match &config.decision_api {
        Some(address) => Some(
            bind(
                "--decision-api",
                address,
                "decision API (POST /v1/decide) listening",
                config.announce,
            )
            .await?,
        ),
        None => None,
    };
    let grpc = match &config.grpc_listen {
        Some(address) => Some(
            bind(
                "--grpc-listen",
                address,
                "gRPC ext_authz listening",
                config.announce,
            )
            .await?,
        ),
        None => None,
    };

    let handle = Arc::new(snapshot::SnapshotHandle::empty());
    let metrics = Arc::new(metrics::Metrics::new());
    let server = Arc::new(api::Server {
        snapshot: Arc::clone(&handle),
        ledger: executions::Ledger::default(),
        nonces,
        metrics: Arc::clone(&metrics),
        log,
        max_skew: config.max_clock_skew,
        diagnostics: config.diagnostics,
    });
    let (stop, stopped) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    let app = Arc::new(http::App {
        server: Arc::clone(&server),
        upstream,
        limits: config.limits,
    });
    tasks.spawn(http::serve(main, app, stopped.clone()));
    if let Some(listener) = decide {
        tasks.spawn(http::serve_decide(
            listener,
            Arc::clone(&server),
            config.limits,
            stopped.clone(),
        ));
    }
    if let Some(listener) = grpc {
        // The gRPC `ext_authz` listener (Envoy's `envoy.service.auth.v3.Authorization/Check`).
        let server = Arc::clone(&server);
        let mut stopped = stopped.clone();
        tasks.spawn(async move {
            let shutdown = async move { http::stopping(&mut stopped).await };
            if let Err(e) = grpc::serve(listener, server, shutdown).await {
                tracing::error!(error = %e, "the gRPC listener failed");
            }
        });
    }

    let inputs = inputs(&config);
    // Every listener stops within its grace; this bounds the wait for all of them (the gRPC
    // listener has no grace of its own), so that a signal always ends the process in time.
    let grace = config.limits.shutdown_grace + Duration::from_millis(500);
    let first = {
        let inputs = inputs.clone();
        tokio::task::spawn_blocking(move || snapshot::Snapshot::load(&inputs, 1))
    };
    tokio::pin!(first);
    let loaded = tokio::select! {
        loaded = &mut first => Some(loaded),
        _ = terminate.recv() => None,
        _ = interrupt.recv() => None,
    };
    let result = match loaded {
        Some(Ok(Ok((snapshot, warnings)))) => {
            for warning in warnings {
                tracing::warn!("{warning}");
            }
            let generation = snapshot.generation;
            handle.publish(snapshot);
            metrics.set_generation(generation);
            tracing::info!(generation, "snapshot loaded: ready");
            tasks.spawn(reload::watch(
                inputs,
                Arc::clone(&handle),
                Arc::clone(&metrics),
                stopped.clone(),
            ));
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
            Ok(())
        }
        Some(Ok(Err(e))) => Err(ServeError::Load(e)),
        Some(Err(e)) => Err(ServeError::Runtime(format!("the first load failed: {e}"))),
        None => Ok(()),
    };
    tracing::info!("stopping: no new connections, finishing the requests in flight");
    let _ = stop.send(true);
    let drained = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(grace, drained).await.is_err() {
        tracing::warn!("listeners still busy after the grace period: closing them");
        tasks.abort_all();
    }
    if let Some(log) = &server.log {
        log.flush();
    }
    result
}

fn signal(
    kind: tokio::signal::unix::SignalKind,
) -> Result<tokio::signal::unix::Signal, ServeError> {
    tokio::signal::unix::signal(kind)
        .map_err(|e| ServeError::Runtime(format!("cannot handle signals: {e}")))
}
