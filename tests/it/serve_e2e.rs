//! `ramcheck serve` against the real things, on loopback only: the official Alibaba Cloud
//! Python SDK (`tests/e2e/sdk_client.py`) calling `CancelImagePipelineExecution` on the server
//! itself, through Envoy's HTTP and gRPC `ext_authz` and through nginx's `auth_request` (with
//! the shipped `deploy/envoy.yaml` and `deploy/nginx.conf`, their addresses rewritten to free
//! ports), two replicas sharing a real Redis nonce store, a reload under traffic and SIGTERM
//! with calls in flight.
//!
//! The servers run on the shipped examples (`policies/example-account.json`,
//! `policies/serve/`), started as the README starts them, with the secrets the README exports.
//! Behind Envoy and nginx, ECS is a second `ramcheck serve` answering from the executions
//! table: it checks each call again with its own nonce store, and cancels.
//!
//! Envoy and the SDK come from `target/ci/venv`, nginx and Redis from Debian; a missing one
//! fails the test and says to run `.ci/e2e/install` (`.ci/run` does): never a skip. Every
//! process is stopped by a guard when its test ends, however it ends.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::util::root;

/// The secrets `policies/serve/credentials.json` reads from the environment (`secret_env`),
/// as the README exports them.
const SECRETS: [(&str, &str, &str); 3] = [
    (
        "RAMCHECK_SECRET_ALICE",
        "LTAI5tExampleAlice000001",
        "alice-example-secret",
    ),
    (
        "RAMCHECK_SECRET_BOB",
        "LTAI5tExampleBob00000001",
        "bob-example-secret",
    ),
    (
        "RAMCHECK_SECRET_DEPLOYER",
        "STS.ExampleDeployerCi42",
        "deployer-example-secret",
    ),
];
const ALICE: usize = 0;
const BOB: usize = 1;
const DEPLOYER: usize = 2;
/// The STS token of the deployer's session in `policies/serve/credentials.json`.
const DEPLOYER_TOKEN: &str = "CAIS.example.session.token.ci-42";
const ACCOUNT: &str = "policies/example-account.json";
const CREDENTIALS: &str = "policies/serve/credentials.json";
const EXECUTIONS: &str = "policies/serve/executions.json";
const HOW_TO_INSTALL: &str = "run `.ci/e2e/install` (`.ci/run` does) to install it";

// ---------------------------------------------------------------------------------------------
// The harness: free ports, processes stopped on drop, readiness.

/// A loopback port free at the time of asking (the OS picks it).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// A child process, stopped when dropped (SIGTERM, then SIGKILL after 5 s: nginx's workers
/// outlive a killed master), with its output in a log file shown when a test fails.
struct Process {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `command` with its stdout and stderr in `log_dir/name.log`; panics with `help`
    /// when it cannot start.
    fn start(name: &str, mut command: Command, log_dir: &Path, help: &str) -> Process {
        let log = log_dir.join(format!("{name}.log"));
        let out = File::create(&log).expect("create a log file");
        let err = out.try_clone().expect("clone the log file");
        command.stdin(Stdio::null()).stdout(out).stderr(err);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({command:?}): {e}; {help}"));
        Process {
            name: name.to_string(),
            child,
            log,
        }
    }

    fn id(&self) -> u32 {
        self.child.id()
    }

    /// What it wrote so far.
    fn log(&self) -> String {
        process_log(&self.log)
    }

    /// Panics, with its log, if it has exited.
    fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{} exited ({status}) early; its log:\n{}",
                self.name,
                self.log()
            );
        }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.id().to_string()])
            .status()
            .expect("`kill` runs");
        assert!(status.success(), "kill {signal} {}", self.name);
    }

    /// Its exit status, waiting at most `limit`.
    fn wait_for_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until `probe` holds, panicking with the log when it exits or `limit` passes.
    fn wait_until(&mut self, what: &str, limit: Duration, mut probe: impl FnMut() -> bool) {
        let deadline = Instant::now() + limit;
        while !probe() {
            self.assert_running();
            assert!(
                Instant::now() < deadline,
                "{} not {what} after {limit:?}; its log:\n{}",
                self.name,
                self.log()
            );
            thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.id().to_string()])
                .status();
            if self.wait_for_exit(Duration::from_secs(5)).is_none() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }
}

/// One HTTP/1.1 exchange on loopback: `(status, body)`, or `None` when nothing answers.
fn http(port: u16, method: &str, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let request =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    Some((status, body))
}

fn connects(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// The virtual environment `.ci/e2e/install` fills.
fn venv() -> PathBuf {
    root().join("target/ci/venv")
}

fn python() -> PathBuf {
    let python = venv().join("bin/python");
    assert!(
        python.exists(),
        "the Python SDK's virtual environment `target/ci/venv` is missing; {HOW_TO_INSTALL}"
    );
    python
}

/// A Debian binary, found on PATH or in the folders Debian installs it to (a user's PATH may
/// lack `/usr/sbin`).
fn debian_binary(name: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!("`{name}` (Debian `{package}`) is not installed; {HOW_TO_INSTALL}")
        })
}

// ---------------------------------------------------------------------------------------------
// ramcheck serve

/// How to start one `ramcheck serve`.
struct Serve<'a> {
    name: &'a str,
    executions: &'a Path,
    grpc: bool,
    upstream: Option<String>,
    nonce_store: Option<String>,
}

impl<'a> Serve<'a> {
    fn new(name: &'a str, executions: &'a Path) -> Serve<'a> {
        Serve {
            name,
            executions,
            grpc: false,
            upstream: None,
            nonce_store: None,
        }
    }
}

/// A running `ramcheck serve`, ready (`/readyz` 200).
struct Server {
    process: Process,
    port: u16,
    grpc_port: u16,
}

impl Server {
    fn endpoint(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// Starts `ramcheck serve` on port 0 (no race for a port: it picks one and says which on
/// stderr) and waits until it is ready.
fn start_serve(serve: Serve<'_>, log_dir: &Path) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ramcheck"));
    command.current_dir(root()).args([
        "serve",
        "--account",
        ACCOUNT,
        "--credentials",
        CREDENTIALS,
        "--executions",
    ]);
    command.arg(serve.executions);
    command.args(["--listen", "127.0.0.1:0"]);
    if serve.grpc {
        command.args(["--grpc-listen", "127.0.0.1:0"]);
    }
    if let Some(upstream) = &serve.upstream {
        command.args(["--upstream", upstream]);
    }
    if let Some(store) = &serve.nonce_store {
        command.args(["--nonce-store", store]);
    }
    for (variable, _, secret) in SECRETS {
        command.env(variable, secret);
    }
    command.env("RAMCHECK_LOG", "info");
    let mut process = Process::start(serve.name, command, log_dir, "the binary is built");
    let (mut port, mut grpc_port) = (None, None);
    process.wait_until("listening", Duration::from_secs(10), || {
        let log = process_log(&log_dir.join(format!("{}.log", serve.name)));
        port = listening_port(&log, "ramcheck serve: listening on http://");
        grpc_port = listening_port(&log, "ramcheck serve: gRPC ext_authz listening on http://");
        port.is_some() && (grpc_port.is_some() || !serve.grpc)
    });
    let port = port.expect("a port");
    process.wait_until("ready", Duration::from_secs(10), || {
        matches!(http(port, "GET", "/readyz"), Some((200, _)))
    });
    Server {
        process,
        port,
        // Without gRPC, a port where nothing listens (for Envoy's unused cluster).
        grpc_port: grpc_port.unwrap_or_else(free_port),
    }
}

fn process_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The port of the line `{prefix}127.0.0.1:PORT` in a log.
fn listening_port(log: &str, prefix: &str) -> Option<u16> {
    log.lines()
        .find_map(|line| line.strip_prefix(prefix))
        .and_then(|address| address.trim().rsplit(':').next())
        .and_then(|port| port.parse().ok())
}

/// The shipped executions with every id prefixed by each of `prefixes`, so that one table
/// serves several front ends without one's cancellations changing another's answers.
fn prefixed_executions(dir: &Path, prefixes: &[&str], extra: &[(String, Value)]) -> PathBuf {
    let shipped: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join(EXECUTIONS)).expect("read the shipped executions"),
    )
    .expect("the shipped executions are JSON");
    let mut table = serde_json::Map::new();
    for prefix in prefixes {
        for (id, execution) in shipped["executions"].as_object().expect("an object") {
            table.insert(format!("{prefix}{id}"), execution.clone());
        }
    }
    for (id, execution) in extra {
        table.insert(id.clone(), execution.clone());
    }
    let path = dir.join("executions.json");
    write_json(&path, &json!({ "executions": table }));
    path
}

fn write_json(path: &Path, value: &Value) {
    // Written whole then renamed, so that a watcher never reads half a file.
    let temporary = path.with_extension("tmp");
    std::fs::write(
        &temporary,
        serde_json::to_string_pretty(value).expect("JSON"),
    )
    .expect("write");
    std::fs::rename(&temporary, path).expect("rename");
}

fn building(pipeline: &str) -> Value {
    json!({"pipeline": pipeline, "region": "cn-hangzhou", "account": "1234567890123456",
           "status": "BUILDING"})
}

// ---------------------------------------------------------------------------------------------
// The SDK

/// One SDK call: who calls, where, about what.
fn call(endpoint: &str, who: usize, execution: &str) -> Value {
    let (_, key_id, secret) = SECRETS[who];
    let mut call = json!({"endpoint": endpoint, "key_id": key_id, "secret": secret,
                          "region": "cn-hangzhou", "execution": execution});
    if who == DEPLOYER {
        call["security_token"] = json!(DEPLOYER_TOKEN);
    }
    call
}

fn with(mut call: Value, key: &str, value: Value) -> Value {
    call[key] = value;
    call
}

/// Starts the SDK driver on `calls` (all at once with `parallel`, else one after another),
/// its answers on a pipe.
fn spawn_driver(calls: &[Value], parallel: bool) -> Child {
    let mut command = Command::new(python());
    command.current_dir(root()).arg("tests/e2e/sdk_client.py");
    for proxy in ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"] {
        command.env_remove(proxy);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run the SDK driver: {e}; {HOW_TO_INSTALL}"));
    let job = json!({"calls": calls, "parallel": parallel});
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(job.to_string().as_bytes())
        .expect("the driver reads its calls");
    child
}

/// The answers a finished driver printed, one per line; panics with its stderr if it failed.
fn driver_answers(child: Child) -> Vec<Value> {
    let output = child.wait_with_output().expect("the driver runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the SDK driver failed ({}); {HOW_TO_INSTALL} if the SDK is missing\n{}\n{stdout}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("the driver prints JSON lines"))
        .collect()
}

/// Runs the calls through the SDK, one after another (or all at once with `parallel`), and
/// returns one answer per line the driver printed.
fn sdk(calls: &[Value], parallel: bool) -> Vec<Value> {
    driver_answers(spawn_driver(calls, parallel))
}

/// Asserts a success: status 200 and an upper-case UUID request id (Alibaba's form).
fn assert_ok(answer: &Value, what: &str) {
    assert_eq!(answer["status"], 200, "{what}: {answer:#}");
    assert_eq!(answer["exception"], Value::Null, "{what}: {answer:#}");
    let id = answer["request_id"].as_str().unwrap_or_default();
    assert!(
        id.len() == 36 && id == id.to_uppercase(),
        "{what}: a request id like Alibaba's: {answer:#}"
    );
}

/// Asserts an error the SDK raised: its status, code and exception class.
fn assert_error(answer: &Value, status: u16, code: &str, what: &str) {
    assert_eq!(answer["status"], status, "{what}: {answer:#}");
    assert_eq!(answer["code"], code, "{what}: {answer:#}");
    let class = if status >= 500 {
        "ServerException"
    } else {
        "ClientException"
    };
    assert_eq!(answer["exception"], class, "{what}: {answer:#}");
    let data = &answer["data"];
    for key in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
        assert!(
            data[key].is_string(),
            "{what}: `{key}` in the error body: {answer:#}"
        );
    }
}

/// The calls every front end must answer as ECS would, and their checks: success, a second
/// cancel, a finished execution, RAM denials with `AccessDeniedDetail`, not found (also in
/// another region), wrong secret, unknown key, STS with its session policy (E4) and a wrong
/// token, and the RPC signature. `prefix` picks the front end's own executions.
fn scenario(endpoint: &str, prefix: &str) {
    let e = |id: &str| format!("{prefix}{id}");
    let wrong_secret = with(
        call(endpoint, ALICE, &e("exec-web-2")),
        "secret",
        json!("wrong"),
    );
    let unknown_key = with(
        call(endpoint, ALICE, &e("exec-web-2")),
        "key_id",
        json!("LTAI5tNobodyKnowsThisKey"),
    );
    let wrong_token = with(
        call(endpoint, DEPLOYER, &e("exec-dev-1")),
        "security_token",
        json!("CAIS.someone.else"),
    );
    let no_token = with(
        call(endpoint, DEPLOYER, &e("exec-dev-1")),
        "security_token",
        Value::Null,
    );
    let v2 = |c: Value| with(c, "signature", json!("v2"));
    let calls = vec![
        /* 0 */ call(endpoint, ALICE, &e("exec-web-1")),
        /* 1 */ call(endpoint, ALICE, &e("exec-web-1")),
        /* 2 */ call(endpoint, ALICE, &e("exec-web-done")),
        /* 3 */ call(endpoint, BOB, &e("exec-prod-1")),
        /* 4 */
        with(
            call(endpoint, ALICE, &e("exec-sh-1")),
            "region",
            json!("cn-shanghai"),
        ),
        /* 5 */ call(endpoint, ALICE, &e("exec-nope")),
        /* 6 */ call(endpoint, ALICE, &e("exec-sh-1")),
        /* 7 */ wrong_secret,
        /* 8 */ unknown_key,
        /* 9 */ wrong_token,
        /* 10 */ no_token,
        /* 11 */ call(endpoint, DEPLOYER, &e("exec-web-2")),
        /* 12 */ call(endpoint, DEPLOYER, &e("exec-dev-1")),
        /* 13 */ v2(call(endpoint, BOB, &e("exec-prod-1"))),
        /* 14 */
        v2(with(
            call(endpoint, ALICE, &e("exec-web-2")),
            "secret",
            json!("wrong"),
        )),
        /* 15 */ v2(call(endpoint, ALICE, &e("exec-web-2"))),
        /* 16 */ v2(call(endpoint, ALICE, &e("exec-web-2"))),
        /* 17 */ v2(call(endpoint, DEPLOYER, &e("exec-dev-1"))),
    ];
    let answers = sdk(&calls, false);
    assert_eq!(answers.len(), calls.len(), "{answers:#?}");
    let a = |i: usize| &answers[i];

    assert_ok(a(0), "alice cancels a hangzhou build");
    assert_error(a(1), 400, "InvalidStatus.CancelFailed", "the second cancel");
    assert_error(
        a(2),
        400,
        "InvalidStatus.CancelFailed",
        "a finished execution",
    );

    assert_error(a(3), 403, "Forbidden.RAM", "bob on a prod pipeline (E1)");
    let detail = &a(3)["access_denied_detail"];
    assert_eq!(detail["NoPermissionType"], "ExplicitDeny", "{detail:#}");
    assert_eq!(
        detail["AuthAction"], "ecs:CancelImagePipelineExecution",
        "{detail:#}"
    );
    assert_eq!(detail["AuthPrincipalType"], "SubUser", "{detail:#}");
    assert_eq!(detail["AuthPrincipalDisplayName"], "bob", "{detail:#}");
    assert_eq!(
        detail["PolicyType"], "AccountLevelIdentityBasedPolicy",
        "{detail:#}"
    );
    assert_error(a(4), 403, "Forbidden.RAM", "alice outside hangzhou");
    assert_eq!(
        a(4)["access_denied_detail"]["NoPermissionType"],
        "ImplicitDeny",
        "{:#}",
        a(4)
    );

    assert_error(
        a(5),
        404,
        "InvalidImagePipelineExecution.NotFound",
        "an unknown execution",
    );
    assert_error(
        a(6),
        404,
        "InvalidImagePipelineExecution.NotFound",
        "an execution of another region",
    );
    assert_error(a(7), 400, "SignatureDoesNotMatch", "a wrong secret");
    assert_error(a(8), 404, "InvalidAccessKeyId.NotFound", "an unknown key");
    assert_error(
        a(9),
        400,
        "InvalidSecurityToken.MismatchWithAccessKey",
        "a wrong STS token",
    );
    assert_error(
        a(10),
        400,
        "InvalidSecurityToken.MismatchWithAccessKey",
        "no STS token",
    );

    // The deployer role may cancel anything (AliyunECSFullAccess); its session only dev
    // pipelines (E4).
    assert_error(
        a(11),
        403,
        "Forbidden.RAM",
        "STS outside its session policy",
    );
    let detail = &a(11)["access_denied_detail"];
    assert_eq!(detail["PolicyType"], "SessionPolicy", "{detail:#}");
    assert_eq!(detail["AuthPrincipalType"], "AssumedRoleUser", "{detail:#}");
    assert_ok(a(12), "STS inside its session policy");

    assert_error(a(13), 403, "Forbidden.RAM", "RPC signature, bob on prod");
    assert_error(
        a(14),
        400,
        "SignatureDoesNotMatch",
        "RPC signature, wrong secret",
    );
    assert_ok(a(15), "RPC signature, alice");
    assert_error(
        a(16),
        400,
        "InvalidStatus.CancelFailed",
        "RPC signature, the second cancel",
    );
    assert_error(
        a(17),
        400,
        "InvalidStatus.CancelFailed",
        "RPC signature with an STS token, already cancelled",
    );
    // Nothing the wrong secret, unknown key or wrong tokens sent cancelled anything: exec-web-2
    // was still cancellable by the RPC call, exec-dev-1 by the right token.
}

// ---------------------------------------------------------------------------------------------
// Gateways

/// Replaces `from` by `to` in `text`, which must hold it: the test fails when a shipped
/// configuration changes shape instead of quietly testing something else.
fn replace(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "the shipped configuration lacks `{from}`"
    );
    text.replace(from, to)
}

/// `deploy/envoy.yaml` as shipped, on free ports: Envoy asks `server` and sends allowed calls
/// to `server` as the ECS API.
fn start_envoy(dir: &Path, server: &Server) -> (Process, u16, u16) {
    let envoy = venv().join("bin/envoy");
    assert!(envoy.exists(), "Envoy is not installed; {HOW_TO_INSTALL}");
    let (admin, http_port, grpc_port) = (free_port(), free_port(), free_port());
    let shipped = std::fs::read_to_string(root().join("deploy/envoy.yaml")).expect("read");
    let mut text = replace(
        &shipped,
        "port_value: 9901}",
        &format!("port_value: {admin}}}"),
    );
    text = replace(
        &text,
        "port_value: 10000}",
        &format!("port_value: {http_port}}}"),
    );
    text = replace(
        &text,
        "port_value: 10001}",
        &format!("port_value: {grpc_port}}}"),
    );
    // The ext_authz cluster and the ECS stand-in, both `ramcheck serve`.
    text = replace(
        &text,
        "port_value: 8080}",
        &format!("port_value: {}}}", server.port),
    );
    text = replace(
        &text,
        "\"http://127.0.0.1:8080\"",
        &format!("\"http://127.0.0.1:{}\"", server.port),
    );
    text = replace(
        &text,
        "port_value: 8081}",
        &format!("port_value: {}}}", server.grpc_port),
    );
    let config = dir.join("envoy.yaml");
    std::fs::write(&config, text).expect("write");
    let mut command = Command::new(envoy);
    command
        .arg("-c")
        .arg(&config)
        // Several Envoys may run at once: none shares memory with another.
        .args(["--log-level", "warn", "--disable-hot-restart"]);
    let mut process = Process::start("envoy", command, dir, HOW_TO_INSTALL);
    process.wait_until("ready", Duration::from_secs(20), || {
        matches!(http(admin, "GET", "/ready"), Some((200, _)))
            && connects(http_port)
            && connects(grpc_port)
    });
    (process, http_port, grpc_port)
}

/// `deploy/nginx.conf` as shipped, on a free port: nginx asks `server` and sends allowed
/// calls to `server` as the ECS API.
fn start_nginx(dir: &Path, server: &Server) -> (Process, u16) {
    let nginx = debian_binary("nginx", "nginx-core");
    let port = free_port();
    let shipped = std::fs::read_to_string(root().join("deploy/nginx.conf")).expect("read");
    let mut text = replace(&shipped, "127.0.0.1:8000", &format!("127.0.0.1:{port}"));
    text = replace(
        &text,
        "127.0.0.1:8080",
        &format!("127.0.0.1:{}", server.port),
    );
    let prefix = dir.join("nginx");
    std::fs::create_dir_all(&prefix).expect("nginx prefix");
    // Run as root, nginx's workers are `nobody`: they must reach their temporary folders.
    let _ = Command::new("chmod")
        .arg("755")
        .arg(dir)
        .arg(&prefix)
        .status();
    let config = prefix.join("nginx.conf");
    std::fs::write(&config, text).expect("write");
    let mut command = Command::new(nginx);
    command
        .args(["-e", "stderr", "-p"])
        .arg(&prefix)
        .arg("-c")
        .arg(&config);
    let mut process = Process::start("nginx", command, dir, HOW_TO_INSTALL);
    process.wait_until("listening", Duration::from_secs(10), || connects(port));
    (process, port)
}

/// The one `ramcheck serve` behind a gateway, as the shipped configurations have it: the
/// authorizer the gateway asks and the ECS API it forwards allowed calls to (each signed call
/// is authorized once and carried out once); with gRPC on when `grpc`.
fn server_behind_gateway(dir: &Path, grpc: bool) -> Server {
    let executions = root().join(EXECUTIONS);
    let mut serve = Serve::new("ramcheck", &executions);
    serve.grpc = grpc;
    start_serve(serve, dir)
}

// ---------------------------------------------------------------------------------------------
// The tests

/// The configurations the README shows are the shipped files, verbatim: what the tests run is
/// what a reader copies.
#[test]
fn serve_e2e_readme_shows_the_shipped_configurations() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("read the README");
    for (file, language) in [
        ("deploy/envoy.yaml", "yaml"),
        ("deploy/nginx.conf", "nginx"),
    ] {
        let summary = format!("<summary><code>{file}</code></summary>\n\n```{language}\n");
        let start = readme
            .find(&summary)
            .unwrap_or_else(|| panic!("the README does not show `{file}`"))
            + summary.len();
        let shown = readme[start..]
            .split("\n```\n")
            .next()
            .expect("a fenced block");
        let shipped = std::fs::read_to_string(root().join(file)).expect("read");
        assert_eq!(
            format!("{shown}\n"),
            shipped,
            "the README's `{file}` differs from the file; copy the file into the README"
        );
    }
}

/// The SDK against `ramcheck serve` itself, started on the shipped examples as the README does.
#[test]
fn serve_e2e_sdk_against_the_api() {
    let dir = tempfile::tempdir().expect("temp dir");
    let executions = root().join(EXECUTIONS);
    let server = start_serve(Serve::new("ramcheck", &executions), dir.path());
    scenario(&server.endpoint(), "");
}

/// The SDK through Envoy, which asks ramcheck's `/ext_authz` (HTTP): allowed calls reach the
/// ECS API (and are cancelled there), refused ones get ramcheck's status and body.
#[test]
fn serve_e2e_sdk_through_envoy_http_ext_authz() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = server_behind_gateway(dir.path(), false);
    let (_envoy, http_port, _) = start_envoy(dir.path(), &server);
    scenario(&format!("127.0.0.1:{http_port}"), "");
}

/// The SDK through Envoy, which asks ramcheck over gRPC (`Authorization/Check`).
#[test]
fn serve_e2e_sdk_through_envoy_grpc_ext_authz() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = server_behind_gateway(dir.path(), true);
    let (_envoy, _, grpc_port) = start_envoy(dir.path(), &server);
    scenario(&format!("127.0.0.1:{grpc_port}"), "");
}

/// The SDK through nginx, which asks ramcheck's `/auth_request` and rebuilds refusals.
#[test]
fn serve_e2e_sdk_through_nginx_auth_request() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = server_behind_gateway(dir.path(), false);
    let (_nginx, port) = start_nginx(dir.path(), &server);
    scenario(&format!("127.0.0.1:{port}"), "");
}

/// Reads the SDK driver's answers as they come, while the test does something else.
struct Traffic {
    child: Child,
    answers: mpsc::Receiver<Value>,
    reader: thread::JoinHandle<()>,
}

fn start_traffic(calls: &[Value]) -> Traffic {
    let mut child = spawn_driver(calls, false);
    let stdout = child.stdout.take().expect("piped");
    let (sender, answers) = mpsc::channel();
    let reader = thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("the driver's output");
            let answer = serde_json::from_str(&line).expect("the driver prints JSON lines");
            if sender.send(answer).is_err() {
                return;
            }
        }
    });
    Traffic {
        child,
        answers,
        reader,
    }
}

impl Traffic {
    fn next(&self) -> Value {
        self.answers
            .recv_timeout(Duration::from_secs(30))
            .expect("the SDK answers")
    }
}

fn metric(port: u16, name_and_labels: &str) -> f64 {
    let (status, text) = http(port, "GET", "/metrics").expect("/metrics answers");
    assert_eq!(status, 200, "{text}");
    text.lines()
        .find(|line| line.starts_with(name_and_labels))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0.0)
}

/// Reloads (SIGHUP, a changed executions file, a broken one) while the SDK keeps calling:
/// every call is answered as the table of its moment says, none fails; a failed reload
/// keeps the old snapshot; cancellations survive reloads.
#[test]
fn serve_e2e_reload_under_traffic_fails_no_request() {
    let dir = tempfile::tempdir().expect("temp dir");
    let load = |i: usize| (format!("load-{i}"), building("ip-load"));
    const CALLS: usize = 120;
    let extra: Vec<(String, Value)> = (0..CALLS).map(load).collect();
    let executions = prefixed_executions(dir.path(), &[""], &extra);
    let mut server = start_serve(Serve::new("ramcheck", &executions), dir.path());
    let endpoint = server.endpoint();
    let calls = vec![with(
        call(&endpoint, ALICE, "load-{i}"),
        "repeat",
        json!(CALLS),
    )];
    let traffic = start_traffic(&calls);
    let mut answered = Vec::new();
    let mut table: Value =
        serde_json::from_str(&std::fs::read_to_string(&executions).expect("read")).expect("JSON");
    let reloads_before = metric(server.port, "ramcheck_reloads_total{result=\"success\"}");
    for step in 0..4 {
        // Let some calls through between reloads.
        for _ in 0..20 {
            answered.push(traffic.next());
        }
        match step {
            // A new execution, in the file the server watches.
            0 => {
                table["executions"]["exec-added"] = building("ip-web");
                write_json(&executions, &table);
            }
            // SIGHUP rereads every input.
            1 => server.process.signal("-HUP"),
            // A broken file: the reload fails, the old snapshot serves on.
            2 => std::fs::write(&executions, "{\"executions\": {").expect("write"),
            // Repaired.
            _ => write_json(&executions, &table),
        }
        thread::sleep(Duration::from_millis(300));
    }
    answered.extend(traffic.answers.iter());
    let Traffic {
        mut child, reader, ..
    } = traffic;
    assert!(child.wait().expect("the driver ends").success());
    reader.join().expect("reader");
    assert_eq!(answered.len(), CALLS);
    for (i, answer) in answered.iter().enumerate() {
        assert_ok(answer, &format!("call {i} under reloads"));
    }
    server.process.assert_running();
    // The reloads happened: the added execution is known; the cancellations survived them.
    let after = sdk(
        &[
            call(&endpoint, ALICE, "exec-added"),
            call(&endpoint, ALICE, "load-0"),
        ],
        false,
    );
    assert_ok(&after[0], "an execution a reload added");
    assert_error(
        &after[1],
        400,
        "InvalidStatus.CancelFailed",
        "a cancellation from before the reloads",
    );
    assert!(
        metric(server.port, "ramcheck_reloads_total{result=\"failure\"}") >= 1.0,
        "the broken file counts as a failed reload"
    );
    assert!(
        metric(server.port, "ramcheck_reloads_total{result=\"success\"}") >= reloads_before + 2.0,
        "the change, SIGHUP and the repair reload"
    );
}

/// An upstream that holds every request until released, counting arrivals, then answers as
/// ECS does.
fn slow_upstream() -> (u16, mpsc::Receiver<()>, mpsc::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let (arrived, arrivals) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    thread::spawn(move || {
        let mut held = Vec::new();
        listener.set_nonblocking(true).expect("nonblocking");
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).expect("blocking");
                    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                    let mut line = String::new();
                    // The request head (the SDK's cancel has no body).
                    while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false)
                        && line != "\r\n"
                    {
                        line.clear();
                    }
                    held.push(stream);
                    let _ = arrived.send(());
                }
                Err(_) => {
                    if released.try_recv().is_ok() {
                        break;
                    }
                    thread::sleep(Duration::from_millis(10));
                }
            }
        }
        for (i, mut stream) in held.into_iter().enumerate() {
            let body = format!("{{\"RequestId\":\"00000000-0000-4000-8000-00000000000{i}\"}}");
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.shutdown(Shutdown::Write);
        }
    });
    (port, arrivals, release)
}

/// SIGTERM while calls are in flight (held by a slow upstream): the server stops accepting,
/// answers every call in flight, and exits 0.
#[test]
fn serve_e2e_sigterm_answers_calls_in_flight() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (upstream_port, arrivals, release) = slow_upstream();
    let executions = root().join(EXECUTIONS);
    let mut serve = Serve::new("ramcheck", &executions);
    serve.upstream = Some(format!("http://127.0.0.1:{upstream_port}"));
    let mut server = start_serve(serve, dir.path());
    let endpoint = server.endpoint();
    let calls = [
        call(&endpoint, ALICE, "exec-web-1"),
        call(&endpoint, ALICE, "exec-web-2"),
        call(&endpoint, DEPLOYER, "exec-dev-1"),
    ];
    let driver = spawn_driver(&calls, true);
    for _ in &calls {
        arrivals
            .recv_timeout(Duration::from_secs(20))
            .expect("every call reaches the upstream");
    }
    server.process.signal("-TERM");
    // Draining: the calls in flight hold it open.
    thread::sleep(Duration::from_millis(500));
    server.process.assert_running();
    release.send(()).expect("release");
    let answers = driver_answers(driver);
    assert_eq!(answers.len(), calls.len(), "{answers:#?}");
    for answer in &answers {
        assert_eq!(answer["status"], 200, "answered while draining: {answer:#}");
    }
    let status = server.process.wait_for_exit(Duration::from_secs(10));
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "exit 0 after draining; log:\n{}",
        server.process.log()
    );
}

/// Two replicas sharing a real Redis nonce store refuse a request replayed from one to the
/// other; two replicas with their own memory stores do not (what the README warns of); with
/// Redis gone, signed calls fail closed (503).
#[test]
fn serve_e2e_replicas_share_a_redis_nonce_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let redis_server = debian_binary("redis-server", "redis-server");
    let redis_port = free_port();
    let mut command = Command::new(redis_server);
    command
        .args(["--bind", "127.0.0.1", "--port", &redis_port.to_string()])
        .args(["--save", "", "--appendonly", "no"])
        .current_dir(dir.path());
    let mut redis = Process::start("redis", command, dir.path(), HOW_TO_INSTALL);
    redis.wait_until("ready", Duration::from_secs(10), || {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", redis_port)) else {
            return false;
        };
        let mut pong = [0; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut pong).is_ok()
            && &pong == b"+PONG\r\n"
    });
    let executions = prefixed_executions(dir.path(), &["a-", "b-"], &[]);
    let store = format!("redis://127.0.0.1:{redis_port}");
    let replica = |name: &'static str, store: Option<&str>| {
        let mut serve = Serve::new(name, &executions);
        serve.nonce_store = store.map(str::to_string);
        start_serve(serve, dir.path())
    };
    let first = replica("replica-1", Some(&store));
    let second = replica("replica-2", Some(&store));
    let lone_1 = replica("memory-1", None);
    let lone_2 = replica("memory-2", None);

    let answers = sdk(
        &[
            with(
                call(&first.endpoint(), ALICE, "a-exec-web-1"),
                "replay_to",
                json!([second.endpoint(), first.endpoint()]),
            ),
            call(&second.endpoint(), ALICE, "a-exec-web-2"),
            with(
                call(&lone_1.endpoint(), ALICE, "b-exec-web-1"),
                "replay_to",
                json!([lone_2.endpoint()]),
            ),
        ],
        false,
    );
    assert_eq!(answers.len(), 6, "{answers:#?}");
    assert_ok(&answers[0], "the first call");
    assert_eq!(answers[1]["replay"], json!(second.endpoint()));
    assert_eq!(
        (answers[1]["status"].clone(), answers[1]["code"].clone()),
        (json!(400), json!("SignatureNonceUsed")),
        "replayed to the other replica: {:#}",
        answers[1]
    );
    assert_eq!(
        answers[2]["code"], "SignatureNonceUsed",
        "replayed to the same replica: {:#}",
        answers[2]
    );
    assert_ok(&answers[3], "a fresh call to the second replica");
    assert_ok(&answers[4], "the first call to a memory replica");
    assert_eq!(
        answers[5]["status"], 200,
        "memory stores are per replica, so the replay passes: {:#}",
        answers[5]
    );

    drop(redis);
    let down = sdk(&[call(&first.endpoint(), ALICE, "a-exec-prod-1")], false);
    assert_error(
        &down[0],
        503,
        "ServiceUnavailable",
        "Redis down fails closed",
    );
}
