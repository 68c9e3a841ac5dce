//! `ramcheck serve`: flags to a [`ServeConfig`], then [`ramcheck::serve::run`].

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use ramcheck::serve::{self, ServeConfig, ServeError};

use super::{Failure, Limits, SourceArgs, Status};

#[derive(Debug, Args)]
#[command(after_help = super::help::SERVE)]
pub(crate) struct ServeArgs {
    /// An account source (snapshot, Terraform plan or state, ROS template), one per account
    /// (repeatable); reloaded with the policy files it names.
    #[arg(long, value_name = "FILE", required = true)]
    account: Vec<String>,
    #[command(flatten)]
    source: SourceArgs,
    /// The access keys the API accepts, with the principal each stands for (JSON).
    #[arg(long, value_name = "FILE")]
    credentials: PathBuf,
    /// The image pipeline executions the gateway knows (JSON).
    #[arg(long, value_name = "FILE")]
    executions: PathBuf,
    /// Where the API, `/ext_authz`, `/auth_request` and the operations routes listen; port 0
    /// picks a free port (the address is printed on standard error).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Where Envoy's gRPC `ext_authz` (`envoy.service.auth.v3.Authorization/Check`) listens.
    #[arg(long = "grpc-listen", value_name = "ADDR")]
    grpc_listen: Option<String>,
    /// Forward allowed API calls, unchanged, to `http://HOST:PORT` (without it the executions
    /// table answers them).
    #[arg(long, value_name = "URL")]
    upstream: Option<String>,
    /// Write one JSON line per decision to FILE (appended), or to standard output for `-`.
    #[arg(long = "decision-log", value_name = "FILE|-")]
    decision_log: Option<String>,
    /// The largest accepted distance between a request's date and the server's clock.
    #[arg(long = "max-clock-skew", value_name = "SECONDS", default_value_t = 900,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    max_clock_skew: u64,
    /// Serve `POST /v1/decide` (JSON decisions for trusted callers) on this address only.
    #[arg(long = "decision-api", value_name = "ADDR")]
    decision_api: Option<String>,
    /// Keep the nonces in Redis (`redis://HOST:PORT`), shared by every replica; without it
    /// they are kept in memory, which protects one replica only.
    #[arg(long = "nonce-store", value_name = "redis://HOST:PORT")]
    nonce_store: Option<String>,
    /// The bound of the in-memory nonce store: a nonce is kept until its date leaves the
    /// clock-skew window, so size it to the signed calls per second times the skew; when it is
    /// full of live nonces, signed calls get 503 (never unchecked).
    #[arg(long = "max-nonces", value_name = "N",
          default_value_t = ramcheck::serve::nonce::DEFAULT_MAX_ENTRIES as u64,
          value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    max_nonces: u64,
    #[command(flatten)]
    limits: Limits,
}

/// Prints where a listener listens, on standard error.
fn announce(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

pub(crate) fn run(args: ServeArgs) -> Result<Status, Failure> {
    if let Some(dash) = args.account.iter().find(|a| *a == "-") {
        return Err(Failure::new(format!(
            "--account: `{dash}` (standard input) cannot be reloaded"
        ))
        .with_help("name the account file, so that it can be read again on reload"));
    }
    let source = args.source.options(args.limits)?;
    let mut config = ServeConfig::new(
        args.account.iter().map(PathBuf::from).collect(),
        args.credentials,
        args.executions,
    );
    config.source = source;
    config.listen = args.listen;
    config.grpc_listen = args.grpc_listen;
    config.upstream = args.upstream;
    config.decision_log = args.decision_log;
    config.max_clock_skew = Duration::from_secs(args.max_clock_skew);
    config.decision_api = args.decision_api;
    config.nonce_store = args.nonce_store;
    config.max_nonces = usize::try_from(args.max_nonces).unwrap_or(usize::MAX);
    config.max_file_size = args.limits.max_file_size;
    config.announce = announce;
    init_logs();
    serve::run(config).map_err(failure)?;
    Ok(Status::Ok)
}

/// Operational logs on standard error, filtered by `RAMCHECK_LOG` (default `info`, `warn`
/// under `-q`).
fn init_logs() {
    let default = if super::options::options().quiet() {
        "warn"
    } else {
        "info"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RAMCHECK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal())
        .try_init();
}

fn failure(e: ServeError) -> Failure {
    let help = e.help();
    let mut failure = Failure::new(e.to_string());
    failure.help = help;
    failure
}
