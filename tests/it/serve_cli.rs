//! `ramcheck serve` through the real binary: signed calls at `/` (signatures made as the SDK
//! makes them, by `ramcheck::signature::Signer`), Envoy HTTP `ext_authz` and nginx
//! `auth_request` answers, operations routes, the decision log, reload on SIGHUP, graceful
//! shutdown, and the decision API. Each test starts its own server on a free port (port 0:
//! the server prints where it listens) and kills it when done.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use ramcheck::signature::Signer;
use serde_json::Value;

use crate::util::write_file;

const ACCOUNT: &str = "1234567890123456";
const HOST: &str = "ecs.aliyuncs.com";
const ACTION: &str = "CancelImagePipelineExecution";
const VERSION: &str = "2014-05-26";
/// SHA-256 of `""`.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const CI: Signer<'static> = Signer {
    access_key_id: "AKCI",
    secret: "ci-secret",
    security_token: None,
};
const CAROL: Signer<'static> = Signer {
    access_key_id: "AKCAROL",
    secret: "carol-secret",
    security_token: None,
};
const STS: Signer<'static> = Signer {
    access_key_id: "STSDEPLOY",
    secret: "sts-secret",
    security_token: Some("token-1"),
};

/// The inputs of one server, in a folder of their own.
struct Inputs {
    dir: tempfile::TempDir,
}

impl Inputs {
    /// `ci` may cancel in cn-hangzhou except production pipelines (denied explicitly);
    /// `carol` has no policy; the role `deployer` has `AliyunECSFullAccess`, and the STS
    /// credential's session policy bounds its session to `ip-2`.
    fn new() -> Inputs {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        write_file(
            d,
            "cancel.json",
            r#"{"Version": "1", "Statement": [{"Effect": "Allow",
                "Action": "ecs:CancelImagePipelineExecution",
                "Resource": "acs:ecs:cn-hangzhou:*:imagepipeline/*"}]}"#,
        );
        write_file(
            d,
            "account.json",
            &format!(
                r#"{{"account_id": "{ACCOUNT}",
                "policies": {{"Cancel": "cancel.json",
                  "DenyProd": {{"Version": "1", "Statement": [{{"Effect": "Deny",
                    "Action": "ecs:CancelImagePipelineExecution",
                    "Resource": "acs:ecs:*:*:imagepipeline/ip-prod*"}}]}}}},
                "users": {{"ci": {{"policies": ["Cancel", "DenyProd"]}}, "carol": {{}}}},
                "roles": {{"deployer": {{"policies": ["AliyunECSFullAccess"]}}}}}}"#
            ),
        );
        write_file(
            d,
            "session.json",
            r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*",
                "Resource": "acs:ecs:*:*:imagepipeline/ip-2"}]}"#,
        );
        let credentials = write_file(
            d,
            "credentials.json",
            r#"{"access_keys": [
                {"id": "AKCI", "secret": "ci-secret", "principal": "user/ci"},
                {"id": "AKCAROL", "secret": "carol-secret", "principal": "user/carol"},
                {"id": "STSDEPLOY", "secret": "sts-secret",
                 "principal": "assumed-role/deployer/ci-42", "security_token": "token-1",
                 "session_policy": "session.json"}]}"#,
        );
        restrict(&credentials);
        let executions: Vec<String> = [
            ("exec-1", "ip-1", "BUILDING"),
            ("exec-2", "ip-2", "BUILDING"),
            ("exec-3", "ip-1", "BUILDING"),
            ("exec-4", "ip-1", "PREPARING"),
            ("exec-5", "ip-2", "BUILDING"),
            ("exec-6", "ip-1", "BUILDING"),
            ("exec-done", "ip-1", "SUCCESS"),
            ("exec-prod", "ip-prod-1", "BUILDING"),
        ]
        .iter()
        .map(|(id, pipeline, status)| {
            format!(
                r#""{id}": {{"pipeline": "{pipeline}", "region": "cn-hangzhou", "account": "{ACCOUNT}", "status": "{status}"}}"#
            )
        })
        .collect();
        write_file(
            d,
            "executions.json",
            &format!(r#"{{"executions": {{{}}}}}"#, executions.join(", ")),
        );
        Inputs { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn args(&self) -> Vec<String> {
        [
            "--account",
            "account.json",
            "--credentials",
            "credentials.json",
            "--executions",
            "executions.json",
        ]
        .iter()
        .map(|a| {
            if a.ends_with(".json") {
                self.path(a).display().to_string()
            } else {
                (*a).to_owned()
            }
        })
        .collect()
    }
}

/// The credentials file readable by its owner only: no warning about it.
fn restrict(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

/// A running `ramcheck serve`, killed when dropped.
struct Serve {
    child: Child,
    /// The main listener's address.
    addr: String,
    /// Every line of its standard error so far.
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    /// Starts the server on a free port with these extra flags, and waits until it is ready.
    fn start(inputs: &Inputs, extra: &[&str]) -> Serve {
        let serve = Serve::spawn(inputs, extra);
        serve.wait_ready();
        serve
    }

    /// Starts the server and waits for its listening line only.
    fn spawn(inputs: &Inputs, extra: &[&str]) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ramcheck"))
            .arg("serve")
            .args(inputs.args())
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .env("RAMCHECK_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ramcheck serve starts");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let pipe = child.stderr.take().expect("stderr piped");
        let lines = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if let Some(addr) = line
                    .strip_prefix("ramcheck serve: listening on http://")
                    .map(str::to_owned)
                {
                    let _ = tx.send(addr);
                }
                lines.lock().expect("lock").push(line);
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "no listening line; stderr: {:?}",
                    stderr.lock().expect("lock")
                );
            }
        };
        Serve {
            child,
            addr,
            stderr,
        }
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if get(&self.addr, "/readyz").status == 200 {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("not ready: {:?}", self.stderr());
    }

    fn stderr(&self) -> Vec<String> {
        self.stderr.lock().expect("lock").clone()
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// SIGTERM, and the exit status once it has exited (at most 10 s later).
    fn stop(&mut self) -> std::process::ExitStatus {
        self.signal("TERM");
        self.wait_exit()
    }

    /// The exit status, waiting at most 10 s.
    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "still running 10 s after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A cancel signed by `signer` (ACS3, as the SDK signs by default), sent to `/`.
    fn cancel(&self, signer: &Signer<'_>, execution: &str) -> Answer {
        send(&self.addr, &signed(signer, execution, &nonce()))
    }

    /// The value of a metric line starting with `prefix` (0 when absent).
    fn metric(&self, prefix: &str) -> f64 {
        let text = get(&self.addr, "/metrics").body;
        text.lines()
            .filter(|l| l.starts_with(prefix))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

/// A fresh nonce.
fn nonce() -> String {
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("nonce-{}-{n}-{}", std::process::id(), now_nanos())
}

fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// An HTTP request to send.
#[derive(Clone)]
struct Message {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A signed `POST /?RegionId=cn-hangzhou&ExecutionId=...`.
fn signed(signer: &Signer<'_>, execution: &str, nonce: &str) -> Message {
    signed_at(signer, execution, nonce, SystemTime::now(), b"")
}

fn signed_at(
    signer: &Signer<'_>,
    execution: &str,
    nonce: &str,
    date: SystemTime,
    body: &[u8],
) -> Message {
    let query = [("ExecutionId", execution), ("RegionId", "cn-hangzhou")];
    let parts = signer.sign_acs3(
        "POST", HOST, "/", &query, body, ACTION, VERSION, nonce, date,
    );
    Message {
        method: "POST".to_owned(),
        target: format!("/?{}", parts.query),
        headers: parts.headers.clone(),
        body: body.to_vec(),
    }
}

/// What came back.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }

    fn code(&self) -> String {
        self.json()["Code"].as_str().unwrap_or_default().to_owned()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn get(addr: &str, target: &str) -> Answer {
    send(
        addr,
        &Message {
            method: "GET".to_owned(),
            target: target.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        },
    )
}

/// One HTTP/1.1 exchange on a new connection.
fn send(addr: &str, message: &Message) -> Answer {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream.write_all(&head(message)).expect("write head");
    stream.write_all(&message.body).expect("write body");
    read_answer(&mut stream)
}

fn head(message: &Message) -> Vec<u8> {
    let mut head = format!("{} {} HTTP/1.1\r\n", message.method, message.target);
    let mut has_host = false;
    for (name, value) in &message.headers {
        has_host |= name.eq_ignore_ascii_case("host");
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !has_host {
        head.push_str("host: 127.0.0.1\r\n");
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        message.body.len()
    ));
    head.into_bytes()
}

fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read answer");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

#[test]
fn api_allows_cancels_once_and_refuses_as_alibaba_does() {
    let inputs = Inputs::new();
    let log = inputs.path("decisions.jsonl");
    let mut serve = Serve::start(&inputs, &["--decision-log", log.to_str().expect("utf-8")]);

    // Allowed (E2): the execution is cancelled; a second cancel is refused by its status.
    let first = serve.cancel(&CI, "exec-1");
    assert_eq!(first.status, 200, "{first:?}");
    let id = first.json()["RequestId"]
        .as_str()
        .expect("RequestId")
        .to_owned();
    assert_eq!(id.len(), 36);
    assert_eq!(id, id.to_ascii_uppercase());
    let second = serve.cancel(&CI, "exec-1");
    assert_eq!(
        (second.status, second.code().as_str()),
        (400, "InvalidStatus.CancelFailed"),
        "{second:?}"
    );
    let done = serve.cancel(&CI, "exec-done");
    assert_eq!(
        (done.status, done.code().as_str()),
        (400, "InvalidStatus.CancelFailed")
    );

    // Explicit deny (E2) and implicit deny: 403 with AccessDeniedDetail.
    let prod = serve.cancel(&CI, "exec-prod");
    assert_eq!(
        (prod.status, prod.code().as_str()),
        (403, "Forbidden.RAM"),
        "{prod:?}"
    );
    let detail = &prod.json()["AccessDeniedDetail"];
    assert_eq!(detail["NoPermissionType"], "ExplicitDeny");
    assert_eq!(detail["AuthPrincipalDisplayName"], "ci");
    let carol = serve.cancel(&CAROL, "exec-3");
    assert_eq!(
        (carol.status, carol.code().as_str()),
        (403, "Forbidden.RAM")
    );
    assert_eq!(
        carol.json()["AccessDeniedDetail"]["NoPermissionType"],
        "ImplicitDeny"
    );
    assert!(carol.header("x-acs-retry-after").is_none());
    // The body is Alibaba's shape.
    let body = carol.json();
    assert_eq!(body["HostId"], HOST);
    assert!(body["Recommend"]
        .as_str()
        .is_some_and(|r| r.contains("q=Forbidden.RAM")));

    let missing = serve.cancel(&CI, "exec-missing");
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (404, "InvalidImagePipelineExecution.NotFound")
    );

    // Signatures.
    let wrong = Signer {
        secret: "not-it",
        ..CI
    };
    let r = serve.cancel(&wrong, "exec-3");
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "SignatureDoesNotMatch"),
        "{r:?}"
    );
    let unknown = Signer {
        access_key_id: "AKNOBODY",
        ..CI
    };
    let r = serve.cancel(&unknown, "exec-3");
    assert_eq!(
        (r.status, r.code().as_str()),
        (404, "InvalidAccessKeyId.NotFound")
    );
    let old = SystemTime::now() - Duration::from_secs(2000);
    let r = send(&serve.addr, &signed_at(&CI, "exec-3", &nonce(), old, b""));
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "InvalidTimeStamp.Expired")
    );

    // The same signed request twice: the second is a replay.
    let request = signed(&CI, "exec-missing", &nonce());
    assert_eq!(send(&serve.addr, &request).status, 404);
    let replay = send(&serve.addr, &request);
    assert_eq!(
        (replay.status, replay.code().as_str()),
        (400, "SignatureNonceUsed")
    );

    // A body changed after signing.
    let mut changed = signed_at(&CI, "exec-3", &nonce(), SystemTime::now(), b"a=1");
    changed.body = b"a=2".to_vec();
    let r = send(&serve.addr, &changed);
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "SignatureDoesNotMatch"),
        "{r:?}"
    );

    // The STS credential: its token is required, and its session policy bounds it (E4).
    let stolen = Signer {
        security_token: Some("token-2"),
        ..STS
    };
    let r = serve.cancel(&stolen, "exec-2");
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "InvalidSecurityToken.MismatchWithAccessKey")
    );
    let bare = Signer {
        security_token: None,
        ..STS
    };
    let r = serve.cancel(&bare, "exec-2");
    assert_eq!(r.code(), "InvalidSecurityToken.MismatchWithAccessKey");
    let bounded = serve.cancel(&STS, "exec-1");
    assert_eq!(
        (bounded.status, bounded.code().as_str()),
        (403, "Forbidden.RAM")
    );
    assert_eq!(
        bounded.json()["AccessDeniedDetail"]["PolicyType"],
        "SessionPolicy"
    );
    assert_eq!(serve.cancel(&STS, "exec-2").status, 200);

    // Not the API: unknown action, version, method.
    let mut other = signed(&CI, "exec-3", &nonce());
    other.headers.retain(|(n, _)| n != "x-acs-action");
    other
        .headers
        .push(("x-acs-action".to_owned(), "DeleteImage".to_owned()));
    assert_eq!(send(&serve.addr, &other).code(), "InvalidAction.NotFound");
    let mut version = signed(&CI, "exec-3", &nonce());
    version.headers.retain(|(n, _)| n != "x-acs-version");
    version
        .headers
        .push(("x-acs-version".to_owned(), "2099-01-01".to_owned()));
    let r = send(&serve.addr, &version);
    assert_eq!((r.status, r.code().as_str()), (400, "InvalidVersion"));
    let mut put = signed(&CI, "exec-3", &nonce());
    put.method = "PUT".to_owned();
    let r = send(&serve.addr, &put);
    assert_eq!(
        (r.status, r.code().as_str()),
        (404, "InvalidAction.NotFound")
    );

    // Metrics moved.
    assert!(serve.metric("ramcheck_decisions_total{decision=\"Allow\"") >= 2.0);
    assert!(serve.metric("ramcheck_decisions_total{decision=\"ExplicitDeny\"") >= 1.0);
    assert!(
        serve.metric("ramcheck_signature_failures_total{code=\"SignatureDoesNotMatch\"") >= 2.0
    );
    assert!(serve.metric("ramcheck_signature_failures_total{code=\"SignatureNonceUsed\"") >= 1.0);

    // The decision log: one line per answer, never a secret or a token.
    assert_eq!(serve.stop().code(), Some(0));
    let text = std::fs::read_to_string(&log).expect("decision log");
    assert!(
        !text.contains("ci-secret") && !text.contains("token-1"),
        "{text}"
    );
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let allowed = lines
        .iter()
        .find(|l| l["decision"] == "Allow")
        .expect("an allowed line");
    assert_eq!(allowed["principal"], format!("acs:ram::{ACCOUNT}:user/ci"));
    assert_eq!(
        allowed["resource"],
        format!("acs:ecs:cn-hangzhou:{ACCOUNT}:imagepipeline/ip-1")
    );
    assert_eq!(allowed["access_key_id"], "AKCI");
    assert_eq!(allowed["request_id"].as_str(), Some(id.as_str()));
    assert!(allowed["statements"]
        .as_array()
        .is_some_and(|s| s.iter().any(|s| s == "Cancel#0")));
    for key in ["time", "action", "reason", "stage", "latency_us"] {
        assert!(allowed.get(key).is_some(), "{key}: {allowed}");
    }
    let explicit = lines
        .iter()
        .find(|l| l["decision"] == "ExplicitDeny")
        .expect("an explicit deny line");
    assert!(explicit["statements"]
        .as_array()
        .is_some_and(|s| s.iter().any(|s| s == "DenyProd#0")));
    let replayed = lines
        .iter()
        .find(|l| l["reason"] == "SignatureNonceUsed")
        .expect("a replay line");
    assert_eq!(replayed["decision"], "Error");
}

/// Envoy's HTTP `ext_authz` check: the original method, path and query after the prefix.
fn ext_authz(message: &Message) -> Message {
    let mut check = message.clone();
    check.target = format!("/ext_authz{}", message.target);
    check
}

/// nginx's `auth_request` subrequest: a GET without body, the original in headers.
fn auth_request(message: &Message) -> Message {
    let mut headers = message.headers.clone();
    headers.push(("X-Original-Method".to_owned(), message.method.clone()));
    headers.push(("X-Original-URI".to_owned(), message.target.clone()));
    headers.push(("X-Real-IP".to_owned(), "192.0.2.10".to_owned()));
    Message {
        method: "GET".to_owned(),
        target: "/auth_request".to_owned(),
        headers,
        body: Vec::new(),
    }
}

#[test]
fn ext_authz_and_auth_request_answer_for_gateways() {
    let inputs = Inputs::new();
    let serve = Serve::start(&inputs, &[]);

    let ok = send(&serve.addr, &ext_authz(&signed(&CI, "exec-3", &nonce())));
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(
        ok.header("x-ramcheck-principal"),
        Some(format!("acs:ram::{ACCOUNT}:user/ci").as_str())
    );
    assert!(ok
        .header("x-ramcheck-request-id")
        .is_some_and(|id| id.len() == 36));
    // Deciding is not cancelling: the gateway's upstream does that.
    assert_eq!(serve.cancel(&CI, "exec-3").status, 200);

    let denied = send(&serve.addr, &ext_authz(&signed(&CAROL, "exec-4", &nonce())));
    assert_eq!(
        (denied.status, denied.code().as_str()),
        (403, "Forbidden.RAM")
    );
    assert_eq!(
        denied.header("content-type"),
        Some("application/json;charset=utf-8")
    );
    assert!(denied.json()["AccessDeniedDetail"].is_object());
    let wrong = Signer { secret: "x", ..CI };
    let r = send(&serve.addr, &ext_authz(&signed(&wrong, "exec-4", &nonce())));
    assert_eq!(
        (r.status, r.code().as_str()),
        (400, "SignatureDoesNotMatch")
    );

    let ok = send(&serve.addr, &auth_request(&signed(&CI, "exec-4", &nonce())));
    assert_eq!(ok.status, 200, "{ok:?}");
    assert!(ok.header("x-ramcheck-principal").is_some());
    let denied = send(
        &serve.addr,
        &auth_request(&signed(&CAROL, "exec-4", &nonce())),
    );
    assert_eq!(denied.status, 403);
    assert_eq!(denied.header("x-ramcheck-status"), Some("403"));
    assert_eq!(denied.header("x-ramcheck-code"), Some("Forbidden.RAM"));
    let body: Value = serde_json::from_str(denied.header("x-ramcheck-body").expect("body header"))
        .expect("JSON in the header");
    assert_eq!(body["Code"], "Forbidden.RAM");
    let unsigned = send(
        &serve.addr,
        &auth_request(&signed(&wrong, "exec-4", &nonce())),
    );
    assert_eq!(unsigned.status, 401);
    assert_eq!(unsigned.header("x-ramcheck-status"), Some("400"));
    assert_eq!(
        unsigned.header("x-ramcheck-code"),
        Some("SignatureDoesNotMatch")
    );
    // A call signed over a body nginx does not pass on is not decided on the query alone.
    let with_body = signed_at(
        &CI,
        "exec-4",
        &nonce(),
        SystemTime::now(),
        b"ExecutionId=exec-prod",
    );
    assert!(with_body
        .headers
        .iter()
        .any(|(n, v)| n == "x-acs-content-sha256" && v != EMPTY_SHA256));
    let r = send(&serve.addr, &auth_request(&with_body));
    assert_eq!(r.status, 403);
    assert_eq!(r.header("x-ramcheck-code"), Some("InvalidParameter"));
    // A subrequest without the original method and URI is a configuration error, refused.
    let bare = send(
        &serve.addr,
        &get_with(&[("X-Original-URI", "/")], "/auth_request"),
    );
    assert_eq!(bare.status, 403);

    // Bounded bodies.
    // (The head says how large the body is; the server answers without waiting for it.)
    let mut stream = TcpStream::connect(&serve.addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
        .write_all(
            b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 1048577\r\nconnection: close\r\n\r\n",
        )
        .expect("head");
    let r = read_answer(&mut stream);
    assert_eq!(
        (r.status, r.code().as_str()),
        (413, "RequestEntityTooLarge")
    );

    // Operations.
    assert_eq!(get(&serve.addr, "/healthz").status, 200);
    assert_eq!(get(&serve.addr, "/readyz").status, 200);
    let metrics = get(&serve.addr, "/metrics");
    assert_eq!(metrics.status, 200);
    assert!(metrics.body.contains("ramcheck_snapshot_generation"));
    // The decision API is off unless asked for: `/v1/decide` is then no route of its own.
    let decide = post_json(&serve.addr, "/v1/decide", "{}");
    assert_eq!(
        (decide.status, decide.code().as_str()),
        (404, "InvalidAction.NotFound")
    );
}

fn get_with(headers: &[(&str, &str)], target: &str) -> Message {
    Message {
        method: "GET".to_owned(),
        target: target.to_owned(),
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        body: Vec::new(),
    }
}

fn post_json(addr: &str, target: &str, body: &str) -> Answer {
    send(
        addr,
        &Message {
            method: "POST".to_owned(),
            target: target.to_owned(),
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: body.as_bytes().to_vec(),
        },
    )
}

#[test]
fn decision_api_answers_only_where_told() {
    let inputs = Inputs::new();
    let port = free_port();
    let decide_addr = format!("127.0.0.1:{port}");
    let serve = Serve::start(
        &inputs,
        &[
            "--decision-api",
            &decide_addr,
            "--grpc-listen",
            "127.0.0.1:0",
        ],
    );
    let stderr = serve.stderr();
    assert!(
        stderr
            .iter()
            .any(|l| l.contains(&format!("http://{decide_addr}"))),
        "{stderr:?}"
    );
    assert!(
        stderr
            .iter()
            .any(|l| l.starts_with("ramcheck serve: gRPC ext_authz listening on http://127.0.0.1:")),
        "{stderr:?}"
    );
    let resource = format!("acs:ecs:cn-hangzhou:{ACCOUNT}:imagepipeline/ip-prod-1");
    let r = post_json(
        &decide_addr,
        "/v1/decide",
        &format!(
            r#"{{"principal": "user/ci", "action": "ecs:CancelImagePipelineExecution", "resource": "{resource}", "context": {{"acs:SourceIp": "10.0.0.1"}}}}"#
        ),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let v = r.json();
    // The `check --format json` object.
    assert_eq!(
        (v["decision"].as_str(), v["reason"].as_str()),
        (Some("deny"), Some("explicit_deny")),
        "{v}"
    );
    assert_eq!(v["principal"], format!("acs:ram::{ACCOUNT}:user/ci"));
    assert_eq!(v["resource"], resource.as_str());
    let allowed = post_json(
        &decide_addr,
        "/v1/decide",
        &format!(
            r#"{{"principal": "acs:ram::{ACCOUNT}:user/ci", "action": "ecs:CancelImagePipelineExecution", "resource": "acs:ecs:cn-hangzhou:{ACCOUNT}:imagepipeline/ip-1"}}"#
        ),
    );
    assert_eq!(allowed.json()["reason"], "allowed");
    let bad = post_json(&decide_addr, "/v1/decide", r#"{"principal": "user/ci""#);
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"]
        .as_str()
        .is_some_and(|e| e.contains("not a decision request")));
    let unknown = post_json(
        &decide_addr,
        "/v1/decide",
        r#"{"principal": "user/ci", "action": "ecs:X", "resource": "r", "extra": 1}"#,
    );
    assert_eq!(unknown.status, 400);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[test]
fn sighup_reloads_and_a_failed_reload_keeps_the_old_snapshot() {
    let inputs = Inputs::new();
    let serve = Serve::start(&inputs, &[]);
    assert_eq!(serve.cancel(&CAROL, "exec-5").status, 403);

    // carol gets the cancel policy: after SIGHUP she is allowed.
    let account = std::fs::read_to_string(inputs.path("account.json")).expect("read");
    let granted = account.replace(r#""carol": {}"#, r#""carol": {"policies": ["Cancel"]}"#);
    assert_ne!(granted, account);
    std::fs::write(inputs.path("account.json"), &granted).expect("write");
    serve.signal("HUP");
    wait_for(
        || serve.metric("ramcheck_snapshot_generation") >= 2.0,
        &serve,
    );
    assert_eq!(serve.cancel(&CAROL, "exec-5").status, 200);

    // A broken policy file: the reload fails, the old snapshot keeps answering.
    std::fs::write(inputs.path("cancel.json"), "{ not json").expect("write");
    serve.signal("HUP");
    wait_for(
        || serve.metric("ramcheck_reloads_total{result=\"failure\"") >= 1.0,
        &serve,
    );
    assert_eq!(serve.cancel(&CAROL, "exec-6").status, 200);
    assert_eq!(get(&serve.addr, "/readyz").status, 200);
    assert!(
        serve.stderr().iter().any(|l| l.contains("cancel.json")),
        "{:?}",
        serve.stderr()
    );
}

fn wait_for(mut condition: impl FnMut() -> bool, serve: &Serve) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if condition() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out; stderr: {:?}", serve.stderr());
}

#[test]
fn sigterm_finishes_the_request_in_flight_and_exits_0() {
    let inputs = Inputs::new();
    let mut serve = Serve::start(&inputs, &[]);
    // Half a request: the head and part of the body are in, the rest comes after SIGTERM.
    let message = signed_at(&CI, "exec-missing", &nonce(), SystemTime::now(), b"a=1&b=2");
    let mut stream = TcpStream::connect(&serve.addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream.write_all(&head(&message)).expect("head");
    stream.write_all(b"a=1").expect("part of the body");
    std::thread::sleep(Duration::from_millis(200));
    serve.signal("TERM");
    std::thread::sleep(Duration::from_millis(200));
    // New connections are refused once it stops accepting.
    assert!(TcpStream::connect(&serve.addr).is_err() || get_fails(&serve.addr));
    stream.write_all(b"&b=2").expect("rest of the body");
    let answer = read_answer(&mut stream);
    assert_eq!(
        answer.code(),
        "InvalidImagePipelineExecution.NotFound",
        "{answer:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = serve.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{:?}", serve.stderr());
}

/// Whether a request on a new connection gets no answer (the listener is closed but the
/// kernel accepted the connection before it was).
fn get_fails(addr: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return true;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    raw.is_empty()
}

#[test]
fn bad_flags_and_a_bad_first_load_exit_2() {
    let inputs = Inputs::new();
    let run = |extra: &[&str]| {
        let listen = if extra.contains(&"--listen") {
            &[][..]
        } else {
            &["--listen", "127.0.0.1:0"][..]
        };
        Command::new(env!("CARGO_BIN_EXE_ramcheck"))
            .arg("serve")
            .args(inputs.args())
            .args(listen)
            .args(extra)
            .output()
            .expect("runs")
    };
    let out = run(&["--max-clock-skew", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["--upstream", "https://ecs.aliyuncs.com/x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--upstream"));
    let out = run(&["--listen", "256.0.0.1:1"]);
    assert_eq!(out.status.code(), Some(2));

    std::fs::write(
        inputs.path("executions.json"),
        "{\n  \"executions\": {\"e\": 1}\n}",
    )
    .expect("write");
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("executions.json:2:"), "{stderr}");
}

/// Decodes standard base64 (with padding), as a caller of the API would.
fn unbase64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut bits, mut count) = (0u32, 0);
    for c in text.bytes().filter(|&c| c != b'=') {
        let value = ALPHABET.iter().position(|&a| a == c).expect("base64 digit");
        bits = (bits << 6) | u32::try_from(value).expect("small");
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push(u8::try_from((bits >> count) & 0xff).expect("byte"));
        }
    }
    out
}

/// `--diagnostics`: what a denied caller reads in `EncodedDiagnosticMessage` (`None`: the key
/// is absent), for `ci` cancelling a production execution (denied by `DenyProd`).
fn diagnosis_with(extra: &[&str]) -> Option<Value> {
    let inputs = Inputs::new();
    let serve = Serve::start(&inputs, extra);
    let prod = serve.cancel(&CI, "exec-prod");
    assert_eq!(
        (prod.status, prod.code().as_str()),
        (403, "Forbidden.RAM"),
        "{prod:?}"
    );
    let detail = &prod.json()["AccessDeniedDetail"];
    // The rest of the detail is there in every mode.
    assert_eq!(detail["NoPermissionType"], "ExplicitDeny");
    assert_eq!(detail["AuthPrincipalDisplayName"], "ci");
    detail["EncodedDiagnosticMessage"]
        .as_str()
        .map(|text| serde_json::from_slice(&unbase64(text)).expect("JSON diagnosis"))
}

#[test]
fn diagnostics_are_full_by_default_redacted_or_off_on_request() {
    let full = diagnosis_with(&[]).expect("a diagnosis by default");
    assert_eq!(
        full["DecidingStatements"],
        serde_json::json!(["DenyProd#0"])
    );
    assert_eq!(
        diagnosis_with(&["--diagnostics", "full"]),
        Some(full.clone())
    );

    let redacted = diagnosis_with(&["--diagnostics", "redacted"]).expect("a diagnosis");
    assert!(redacted.get("DecidingStatements").is_none(), "{redacted}");
    assert!(!redacted.to_string().contains("DenyProd"), "{redacted}");
    for key in [
        "AuthAction",
        "NoPermissionPolicyType",
        "ExplicitDeny",
        "AuthResource",
    ] {
        assert_eq!(redacted[key], full[key], "{key}");
    }

    assert_eq!(diagnosis_with(&["--diagnostics", "off"]), None);
}

#[test]
fn an_unknown_diagnostics_level_is_bad_usage() {
    let inputs = Inputs::new();
    let run = Command::new(env!("CARGO_BIN_EXE_ramcheck"))
        .arg("serve")
        .args(inputs.args())
        .args(["--listen", "127.0.0.1:0", "--diagnostics", "some"])
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(2));
    assert!(run.stdout.is_empty());
    assert!(String::from_utf8_lossy(&run.stderr).contains("redacted"));
}
