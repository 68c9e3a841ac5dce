//! A load generator for `ramcheck serve`: every request signed as the official SDK signs it
//! (ACS3-HMAC-SHA256, a fresh `x-acs-signature-nonce` each), sent over keep-alive connections,
//! and the answers counted and timed.
//!
//! ```text
//! loadgen --mode api|ext_authz|grpc --addr HOST:PORT --access-key-id ID --secret-env VAR
//!         [--connections 16] [--streams 1] [--duration 10] [--warmup 2] [--rate 0]
//!         [--region cn-hangzhou] [--execution exec-1]... [--host ecs.aliyuncs.com]
//!         [--threads 1] [--json FILE|-]
//! ```
//!
//! Modes:
//! - `api`: `POST /?ExecutionId=...&RegionId=...`, the request the SDK's
//!   `cancel_image_pipeline_execution` sends, over HTTP/1.1.
//! - `ext_authz`: the check Envoy's HTTP `ext_authz` filter sends for that request: the same
//!   method, `/ext_authz` followed by the original path and query, the signed headers, and
//!   the `x-forwarded-*` and `x-envoy-*` headers Envoy adds.
//! - `grpc`: Envoy's gRPC `Authorization/Check` for that request, over HTTP/2 (`--streams`
//!   checks in flight on each connection).
//!
//! `--rate 0` (the default) is closed-loop: each connection sends its next request when the
//! answer to the last has arrived, which measures the most the server answers. `--rate R` is
//! open-loop at R requests per second in all: each connection sends on a fixed schedule, and a
//! latency counts from the scheduled time, so a server that falls behind shows it in the
//! latencies rather than in a lower rate (no coordinated omission).
//!
//! What the server answers depends on its inputs: an allowed cancel through the API marks the
//! execution cancelled, so the next are 400 `InvalidStatus.CancelFailed`, still after the
//! signature, the nonce and the RAM decision; `ext_authz` and gRPC checks do not cancel, so an
//! allowed one stays 200. The status counts say which mix was measured.
//!
//! The secret is read from the environment variable `--secret-env` names (default
//! `LOADGEN_SECRET`), never from the command line, where other users of the machine can read
//! it.

use std::collections::BTreeMap;
use std::error::Error;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::TokioIo;
use ramcheck::serve::grpc::proto;
use ramcheck::signature::{SignedParts, Signer};
use tokio::net::TcpStream;
use tokio::time::Instant;

type BoxError = Box<dyn Error + Send + Sync>;

const USAGE: &str = "usage: loadgen --mode api|ext_authz|grpc --addr HOST:PORT --access-key-id ID \
[--secret-env VAR] [--security-token-env VAR] [--connections N] [--streams N] [--duration SECONDS] \
[--warmup SECONDS] [--rate PER_SECOND] [--region ID] [--execution ID]... [--host HOST] \
[--threads N] [--json FILE|-]";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Api,
    ExtAuthz,
    Grpc,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Api => "api",
            Mode::ExtAuthz => "ext_authz",
            Mode::Grpc => "grpc",
        }
    }
}

#[derive(Debug)]
struct Config {
    mode: Mode,
    addr: SocketAddr,
    access_key_id: String,
    secret: String,
    security_token: Option<String>,
    connections: usize,
    streams: usize,
    duration: Duration,
    warmup: Duration,
    rate: f64,
    region: String,
    executions: Vec<String>,
    host: String,
    threads: usize,
    json: Option<String>,
    /// Makes nonces unique across runs against the same server, whose nonce window outlives
    /// a run.
    run_id: u128,
}

fn parse_args() -> Result<Config, BoxError> {
    let mut args = std::env::args().skip(1);
    let mut mode = None;
    let mut addr = None;
    let mut access_key_id = None;
    let mut secret_env = "LOADGEN_SECRET".to_owned();
    let mut token_env = None;
    let mut connections = 16;
    let mut streams = 1;
    let mut duration = 10.0;
    let mut warmup = 2.0;
    let mut rate = 0.0;
    let mut region = "cn-hangzhou".to_owned();
    let mut executions = Vec::new();
    let mut host = "ecs.aliyuncs.com".to_owned();
    let mut threads = 1;
    let mut json = None;
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("`{flag}` needs a value; {USAGE}"))
        };
        match flag.as_str() {
            "--mode" => {
                mode = Some(match value()?.as_str() {
                    "api" => Mode::Api,
                    "ext_authz" => Mode::ExtAuthz,
                    "grpc" => Mode::Grpc,
                    other => {
                        return Err(format!(
                            "unknown mode `{other}`; expected `api`, `ext_authz` or `grpc`"
                        )
                        .into())
                    }
                })
            }
            "--addr" => addr = Some(value()?.parse::<SocketAddr>()?),
            "--access-key-id" => access_key_id = Some(value()?),
            "--secret-env" => secret_env = value()?,
            "--security-token-env" => token_env = Some(value()?),
            "--connections" => connections = value()?.parse()?,
            "--streams" => streams = value()?.parse()?,
            "--duration" => duration = value()?.parse()?,
            "--warmup" => warmup = value()?.parse()?,
            "--rate" => rate = value()?.parse()?,
            "--region" => region = value()?,
            "--execution" => executions.push(value()?),
            "--host" => host = value()?,
            "--threads" => threads = value()?.parse()?,
            "--json" => json = Some(value()?),
            "--help" | "-h" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument `{other}`; {USAGE}").into()),
        }
    }
    let secret = std::env::var(&secret_env).map_err(|_| {
        format!("the secret is read from `{secret_env}`, which is not set; set it or name another variable with `--secret-env`")
    })?;
    let security_token = match token_env {
        Some(name) => Some(
            std::env::var(&name)
                .map_err(|_| format!("`{name}` (the security token) is not set"))?,
        ),
        None => None,
    };
    if executions.is_empty() {
        executions.push("exec-1".to_owned());
    }
    if connections == 0 || streams == 0 || threads == 0 {
        return Err("`--connections`, `--streams` and `--threads` must be at least 1".into());
    }
    if !(duration > 0.0 && warmup >= 0.0 && rate >= 0.0) {
        return Err("`--duration` must be positive, `--warmup` and `--rate` not negative".into());
    }
    let run_id = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)?
        .as_nanos()
        ^ (u128::from(std::process::id()) << 96);
    Ok(Config {
        mode: mode.ok_or(format!("`--mode` is required; {USAGE}"))?,
        addr: addr.ok_or(format!("`--addr` is required; {USAGE}"))?,
        access_key_id: access_key_id.ok_or(format!("`--access-key-id` is required; {USAGE}"))?,
        secret,
        security_token,
        connections,
        streams,
        duration: Duration::from_secs_f64(duration),
        warmup: Duration::from_secs_f64(warmup),
        rate,
        region,
        executions,
        host,
        threads,
        json,
        run_id,
    })
}

/// One signed cancel, as the SDK would send it.
fn sign(config: &Config, worker: usize, seq: u64) -> SignedParts {
    let signer = Signer {
        access_key_id: &config.access_key_id,
        secret: &config.secret,
        security_token: config.security_token.as_deref(),
    };
    let nonce = format!("{:032x}-{worker}-{seq}", config.run_id);
    let index = (seq as usize).wrapping_add(worker) % config.executions.len();
    let execution = config
        .executions
        .get(index)
        .map_or("exec-1", |e| e.as_str());
    let query = [
        ("ExecutionId", execution),
        ("RegionId", config.region.as_str()),
    ];
    signer.sign_acs3(
        "POST",
        &config.host,
        "/",
        &query,
        b"",
        "CancelImagePipelineExecution",
        "2014-05-26",
        &nonce,
        SystemTime::now(),
    )
}

/// What one worker saw during the measured window.
#[derive(Default)]
struct Tally {
    /// From when a request was due (open loop; sent, closed loop) to its answer.
    latencies_us: Vec<u32>,
    /// From when it was sent: without the time it waited for tokio's timer (1 ms ticks) or
    /// for the connection's previous answer.
    service_us: Vec<u32>,
    statuses: BTreeMap<String, u64>,
    errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.latencies_us.extend(other.latencies_us);
        self.service_us.extend(other.service_us);
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }

    /// One answer: counted when it was sent in the measured window; its latency from when it
    /// was due (open loop) or sent (closed loop).
    fn answer(&mut self, schedule: &Schedule, sent: Instant, due: Option<Instant>, status: String) {
        if sent >= schedule.measure_from {
            let now = Instant::now();
            self.latencies_us.push(micros(now - due.unwrap_or(sent)));
            self.service_us.push(micros(now - sent));
            *self.statuses.entry(status).or_default() += 1;
        }
    }

    fn error(&mut self, e: &dyn std::fmt::Display) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(e.to_string());
        }
    }
}

/// When each worker sends: closed-loop (at once) or on its share of the open-loop schedule.
#[derive(Clone, Copy)]
struct Schedule {
    start: Instant,
    measure_from: Instant,
    end: Instant,
    /// Time between two sends of one worker; `None`: closed loop.
    interval: Option<Duration>,
    offset: Duration,
}

impl Schedule {
    /// Waits until request `seq` is due; returns when it is sent and when it was due (open
    /// loop), or `None` once the run is over.
    async fn wait(&self, seq: u64) -> Option<(Instant, Option<Instant>)> {
        let due = self
            .interval
            .map(|i| self.start + self.offset + i.mul_f64(seq as f64));
        if let Some(due) = due {
            tokio::time::sleep_until(due).await;
        }
        let sent = Instant::now();
        (sent < self.end).then_some((sent, due))
    }
}

async fn http_worker(config: Arc<Config>, worker: usize, schedule: Schedule) -> Tally {
    let mut tally = Tally::default();
    let stream = match TcpStream::connect(config.addr).await {
        Ok(s) => s,
        Err(e) => {
            tally.error(&e);
            return tally;
        }
    };
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) =
        match hyper::client::conn::http1::handshake(TokioIo::new(stream)).await {
            Ok(pair) => pair,
            Err(e) => {
                tally.error(&e);
                return tally;
            }
        };
    tokio::spawn(connection);
    let prefix = if config.mode == Mode::ExtAuthz {
        "/ext_authz/"
    } else {
        "/"
    };
    for seq in 0.. {
        let Some((sent, due)) = schedule.wait(seq).await else {
            break;
        };
        let signed = sign(&config, worker, seq);
        let mut request = Request::builder()
            .method("POST")
            .uri(format!("{prefix}?{}", signed.query));
        for (name, value) in &signed.headers {
            request = request.header(name, value);
        }
        if !signed
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("host"))
        {
            request = request.header("host", &config.host);
        }
        request = request.header("content-length", "0");
        if config.mode == Mode::ExtAuthz {
            // As Envoy 1.40 sends them with `use_remote_address: true` and these headers in
            // `allowed_headers`, and `with_request_body` on.
            request = request
                .header("x-forwarded-proto", "http")
                .header("x-forwarded-for", "127.0.0.1")
                .header("x-envoy-external-address", "127.0.0.1")
                .header("x-envoy-auth-partial-body", "false")
                .header("x-envoy-internal", "true")
                .header("x-envoy-expected-rq-timeout-ms", "2000");
        }
        let request = match request.body(Empty::<Bytes>::new()) {
            Ok(r) => r,
            Err(e) => {
                tally.error(&e);
                break;
            }
        };
        let outcome = async {
            sender.ready().await?;
            let response = sender.send_request(request).await?;
            let status = response.status().as_u16();
            response.into_body().collect().await?;
            Ok::<u16, hyper::Error>(status)
        }
        .await;
        match outcome {
            Ok(status) => tally.answer(&schedule, sent, due, status.to_string()),
            Err(e) => {
                tally.error(&e);
                break;
            }
        }
    }
    tally
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// Envoy's check for one signed cancel: what its gRPC `ext_authz` filter sends with
/// `encode_raw_headers` off, its default.
fn check_request(config: &Config, signed: &SignedParts) -> proto::CheckRequest {
    let path = format!("/?{}", signed.query);
    let mut headers: std::collections::HashMap<String, String> = signed
        .headers
        .iter()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("host"))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect();
    headers.insert(":authority".to_owned(), config.host.clone());
    headers.insert(":method".to_owned(), "POST".to_owned());
    headers.insert(":path".to_owned(), path.clone());
    headers.insert(":scheme".to_owned(), "http".to_owned());
    headers.insert("x-forwarded-proto".to_owned(), "http".to_owned());
    headers.insert("content-length".to_owned(), "0".to_owned());
    proto::CheckRequest {
        attributes: Some(proto::AttributeContext {
            source: Some(proto::Peer {
                address: Some(proto::Address {
                    socket_address: Some(proto::SocketAddress {
                        address: "127.0.0.1".to_owned(),
                        port_value: 40000,
                    }),
                }),
            }),
            request: Some(proto::Request {
                http: Some(proto::HttpRequest {
                    method: "POST".to_owned(),
                    headers,
                    path,
                    host: config.host.clone(),
                    scheme: "http".to_owned(),
                    protocol: "HTTP/1.1".to_owned(),
                    ..proto::HttpRequest::default()
                }),
            }),
        }),
    }
}

async fn grpc_worker(
    config: Arc<Config>,
    channel: tonic::transport::Channel,
    worker: usize,
    schedule: Schedule,
) -> Tally {
    let mut tally = Tally::default();
    let mut client = tonic::client::Grpc::new(channel);
    let path =
        tonic::codegen::http::uri::PathAndQuery::from_static(ramcheck::serve::grpc::CHECK_PATH);
    for seq in 0.. {
        let Some((sent, due)) = schedule.wait(seq).await else {
            break;
        };
        let request = check_request(&config, &sign(&config, worker, seq));
        let outcome = async {
            client
                .ready()
                .await
                .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
            let codec =
                tonic_prost::ProstCodec::<proto::CheckRequest, proto::CheckResponse>::default();
            client
                .unary(tonic::Request::new(request), path.clone(), codec)
                .await
        }
        .await;
        match outcome {
            Ok(response) => {
                let status = match response.into_inner().http_response {
                    Some(proto::HttpResponse::OkResponse(_)) => "ok".to_owned(),
                    Some(proto::HttpResponse::DeniedResponse(d)) => {
                        format!("denied {}", d.status.map_or(0, |s| s.code))
                    }
                    None => "none".to_owned(),
                };
                tally.answer(&schedule, sent, due, status);
            }
            Err(e) => {
                tally.error(&e);
                break;
            }
        }
    }
    tally
}

async fn run(config: Arc<Config>) -> Result<Tally, BoxError> {
    let workers = config.connections * config.streams;
    let start = Instant::now() + Duration::from_millis(200);
    let measure_from = start + config.warmup;
    let end = measure_from + config.duration;
    let interval =
        (config.rate > 0.0).then(|| Duration::from_secs_f64(workers as f64 / config.rate));
    let mut handles = Vec::with_capacity(workers);
    for connection in 0..config.connections {
        let channel = if config.mode == Mode::Grpc {
            let endpoint =
                tonic::transport::Endpoint::from_shared(format!("http://{}", config.addr))?
                    .tcp_nodelay(true);
            Some(endpoint.connect().await?)
        } else {
            None
        };
        for stream in 0..config.streams {
            let worker = connection * config.streams + stream;
            let schedule = Schedule {
                start,
                measure_from,
                end,
                interval,
                offset: interval.map_or(Duration::ZERO, |i| {
                    i.mul_f64(worker as f64 / workers as f64)
                }),
            };
            let config = Arc::clone(&config);
            handles.push(match &channel {
                Some(channel) => {
                    tokio::spawn(grpc_worker(config, channel.clone(), worker, schedule))
                }
                None => tokio::spawn(http_worker(config, worker, schedule)),
            });
        }
    }
    let mut tally = Tally::default();
    for handle in handles {
        tally.merge(handle.await?);
    }
    Ok(tally)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    sorted.get(index).map_or(0.0, |&us| f64::from(us) / 1000.0)
}

fn main() -> Result<(), BoxError> {
    let config = Arc::new(parse_args()?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.threads)
        .enable_all()
        .build()?;
    let mut tally = runtime.block_on(run(Arc::clone(&config)))?;
    tally.latencies_us.sort_unstable();
    tally.service_us.sort_unstable();
    let service = (
        percentile(&tally.service_us, 50.0),
        percentile(&tally.service_us, 99.0),
    );
    let requests = tally.latencies_us.len();
    let seconds = config.duration.as_secs_f64();
    let per_second = requests as f64 / seconds;
    let (p50, p90, p99) = (
        percentile(&tally.latencies_us, 50.0),
        percentile(&tally.latencies_us, 90.0),
        percentile(&tally.latencies_us, 99.0),
    );
    let max = percentile(&tally.latencies_us, 100.0);
    let mut text = String::new();
    let target = if config.rate > 0.0 {
        format!("open loop at {} requests/s", config.rate)
    } else {
        "closed loop".to_owned()
    };
    writeln!(
        text,
        "mode {}, {} connections x {} streams, {target}, {seconds:.1} s measured",
        config.mode.name(),
        config.connections,
        config.streams
    )?;
    writeln!(
        text,
        "requests {requests} ({per_second:.0}/s), errors {}",
        tally.errors
    )?;
    writeln!(
        text,
        "latency ms: p50 {p50:.3}, p90 {p90:.3}, p99 {p99:.3}, max {max:.3}"
    )?;
    writeln!(
        text,
        "from send (without schedule lag) ms: p50 {:.3}, p99 {:.3}",
        service.0, service.1
    )?;
    let statuses: Vec<String> = tally
        .statuses
        .iter()
        .map(|(status, n)| format!("{status}: {n}"))
        .collect();
    writeln!(text, "statuses: {}", statuses.join(", "))?;
    if let Some(e) = &tally.first_error {
        writeln!(text, "first error: {e}")?;
    }
    eprint!("{text}");
    if let Some(target) = &config.json {
        let value = serde_json::json!({
            "mode": config.mode.name(),
            "connections": config.connections,
            "streams": config.streams,
            "rate_target": config.rate,
            "duration_s": seconds,
            "requests": requests,
            "requests_per_second": per_second,
            "errors": tally.errors,
            "latency_ms": {"p50": p50, "p90": p90, "p99": p99, "max": max},
            "from_send_ms": {"p50": service.0, "p99": service.1},
            "statuses": tally.statuses,
        });
        let out = serde_json::to_string_pretty(&value)?;
        if target == "-" {
            println!("{out}");
        } else {
            std::fs::write(target, out + "\n")?;
        }
    }
    Ok(())
}
