use super::*;
use crate::serve::nonce::NonceStore;
use crate::serve::snapshot::Inputs;
use crate::signature::Signer;

const ACCOUNT: &str = "1234567890123456";

/// A server on inputs written to `dir`: the user `net` may cancel only from
/// 192.0.2.0/24 over TLS (C8: the context the front end gives is what conditions read).
fn server(dir: &std::path::Path, nonces: NonceStore, loaded: bool) -> Server {
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    };
    let account = write(
        "account.json",
        &format!(
            r#"{{"account_id": "{ACCOUNT}", "policies": {{"Net": {{"Version": "1",
            "Statement": [{{"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
            "Resource": "*", "Condition": {{"IpAddress": {{"acs:SourceIp": "192.0.2.0/24"}},
            "Bool": {{"acs:SecureTransport": "true"}}}}}}]}}}},
            "users": {{"net": {{"policies": ["Net"]}}}}}}"#
        ),
    );
    let credentials = write(
        "credentials.json",
        r#"{"access_keys": [{"id": "AKNET", "secret": "net-secret", "principal": "user/net"}]}"#,
    );
    let executions = write(
        "executions.json",
        &format!(
            r#"{{"executions": {{"exec-1": {{"pipeline": "ip-1", "region": "cn-hangzhou",
            "account": "{ACCOUNT}", "status": "BUILDING"}}}}}}"#
        ),
    );
    let handle = SnapshotHandle::empty();
    if loaded {
        let inputs = Inputs {
            accounts: vec![account],
            credentials,
            executions,
            ..Inputs::default()
        };
        let (snapshot, _) = Snapshot::load(&inputs, 1).expect("loads");
        handle.publish(snapshot);
    }
    Server {
        snapshot: Arc::new(handle),
        ledger: Ledger::default(),
        nonces,
        metrics: Arc::new(Metrics::new()),
        log: None,
        max_skew: Duration::from_secs(900),
        diagnostics: crate::gateway::Diagnostics::Full,
    }
}

/// A signed cancel of `execution` in `region`, as the front end would hand it over.
struct Signed {
    query: String,
    headers: Vec<(String, String)>,
}

fn signed(nonce: &str, region: &str) -> Signed {
    let signer = Signer {
        access_key_id: "AKNET",
        secret: "net-secret",
        security_token: None,
    };
    let parts = signer.sign_acs3(
        "POST",
        "ecs.aliyuncs.com",
        "/",
        &[("ExecutionId", "exec-1"), ("RegionId", region)],
        b"",
        ACTION,
        VERSION,
        nonce,
        SystemTime::now(),
    );
    Signed {
        query: parts.query.clone(),
        headers: parts.headers.clone(),
    }
}

async fn run(
    server: &Server,
    signed: &Signed,
    source_ip: Option<&str>,
    secure_transport: bool,
) -> Outcome {
    run_in(Scope::Gateway, server, signed, source_ip, secure_transport).await
}

async fn run_in(
    scope: Scope,
    server: &Server,
    signed: &Signed,
    source_ip: Option<&str>,
    secure_transport: bool,
) -> Outcome {
    let headers: Vec<(&str, &str)> = signed
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let call = Call {
        method: "POST",
        path: "/",
        query: &signed.query,
        headers: &headers,
        body: b"",
        source_ip: source_ip.map(|ip| ip.parse().expect("an address")),
        secure_transport,
    };
    server.authorize_in(scope, &call).await
}

fn status(outcome: &Outcome) -> (u16, &str) {
    match outcome {
        Outcome::Allowed(_) => (200, "Allowed"),
        Outcome::Refused(r) => (r.status, r.code.as_str()),
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

#[test]
fn the_context_is_what_the_front_end_saw() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(dir.path(), NonceStore::memory(100), true);
    block_on(async {
        let office = Some("192.0.2.7");
        let ok = run(&server, &signed("n-1", "cn-hangzhou"), office, true).await;
        assert_eq!(status(&ok), (200, "Allowed"));
        for (nonce, ip, tls) in [
            ("n-2", Some("198.51.100.1"), true),
            ("n-3", office, false),
            // No address given: the condition cannot hold (C8).
            ("n-4", None, true),
        ] {
            let denied = run(&server, &signed(nonce, "cn-hangzhou"), ip, tls).await;
            assert_eq!(status(&denied), (403, "Forbidden.RAM"), "{ip:?} {tls}");
        }
        // Another region than the execution's: ECS does not find it there.
        let elsewhere = run(&server, &signed("n-5", "cn-beijing"), office, true).await;
        assert_eq!(
            status(&elsewhere),
            (404, "InvalidImagePipelineExecution.NotFound")
        );
    });
}

#[test]
fn the_action_and_version_are_what_the_signature_covers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(dir.path(), NonceStore::memory(100), true);
    let signer = Signer {
        access_key_id: "AKNET",
        secret: "net-secret",
        security_token: None,
    };
    let office = Some("192.0.2.7");
    block_on(async {
        // An RPC-signed Describe, with an unsigned header naming the cancel.
        let describe = signer.sign_rpc(
            "POST",
            &[
                ("Action", "DescribeImagePipelineExecutions"),
                ("ExecutionId", "exec-1"),
                ("RegionId", "cn-hangzhou"),
                ("Version", VERSION),
            ],
            "n-1",
            SystemTime::now(),
        );
        let header = [("x-acs-action".to_owned(), ACTION.to_owned())];
        let rpc = Signed {
            query: describe,
            headers: header.to_vec(),
        };
        let r = run(&server, &rpc, office, true).await;
        assert_eq!(status(&r), (404, "InvalidAction.NotFound"));
        // ACS3 with a signed `x-acs-action` and another `Action` in the signed query.
        let mut acs3 = signed("n-2", "cn-hangzhou");
        let parts = signer.sign_acs3(
            "POST",
            "ecs.aliyuncs.com",
            "/",
            &[
                ("Action", "DescribeImagePipelineExecutions"),
                ("ExecutionId", "exec-1"),
                ("RegionId", "cn-hangzhou"),
            ],
            b"",
            ACTION,
            VERSION,
            "n-3",
            SystemTime::now(),
        );
        acs3.query = parts.query;
        acs3.headers = parts.headers;
        let r = run(&server, &acs3, office, true).await;
        assert_eq!(status(&r), (404, "InvalidAction.NotFound"));
        // Refused before its nonce was used: the honest call still goes through.
        let ok = run(&server, &signed("n-1", "cn-hangzhou"), office, true).await;
        assert_eq!(status(&ok), (200, "Allowed"));
    });
}

#[test]
fn a_signed_call_is_authorized_once_by_a_gateway_and_carried_out_once_by_the_api() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server(dir.path(), NonceStore::memory(100), true);
    block_on(async {
        let office = Some("192.0.2.7");
        let call = signed("n-1", "cn-hangzhou");
        // Envoy asks, then forwards the call to this server as the API.
        let checked = run_in(Scope::Gateway, &server, &call, office, true).await;
        assert_eq!(status(&checked), (200, "Allowed"));
        let carried = run_in(Scope::Api, &server, &call, office, true).await;
        assert_eq!(status(&carried), (200, "Allowed"));
        // A replay is refused by either.
        for scope in [Scope::Gateway, Scope::Api] {
            let replay = run_in(scope, &server, &call, office, true).await;
            assert_eq!(status(&replay), (400, "SignatureNonceUsed"), "{scope:?}");
        }
    });
}

#[test]
fn no_snapshot_and_a_full_nonce_store_refuse_with_503() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = server(dir.path(), NonceStore::memory(100), false);
    let full = server(dir.path(), NonceStore::memory(1), true);
    block_on(async {
        let office = Some("192.0.2.7");
        let r = run(&empty, &signed("n-1", "cn-hangzhou"), office, true).await;
        assert_eq!(status(&r), (503, "ServiceUnavailable"));
        let first = run(&full, &signed("n-1", "cn-hangzhou"), office, true).await;
        assert_eq!(status(&first), (200, "Allowed"));
        // The one slot holds a live nonce: the next call is refused, never unchecked.
        let second = run(&full, &signed("n-2", "cn-hangzhou"), office, true).await;
        assert_eq!(status(&second), (503, "ServiceUnavailable"));
    });
    assert!(empty
        .metrics
        .encode()
        .contains(r#"ramcheck_decisions_total{decision="Error",stage="none"} 1"#));
}

#[test]
fn a_nonce_is_kept_until_its_date_leaves_the_skew_window() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(10_000);
    let skew = Duration::from_secs(900);
    let secs = Duration::from_secs;
    // A client ahead of the clock: kept for longest.
    assert_eq!(nonce_window(now + secs(900), now, skew), secs(1801));
    assert_eq!(nonce_window(now, now, skew), secs(901));
    assert_eq!(nonce_window(now - secs(899), now, skew), secs(2));
    assert_eq!(nonce_window(now - secs(900), now, skew), secs(1));
}

#[test]
fn parameters_are_form_decoded() {
    let q = "Action=Cancel%49mage&RegionId=cn+hangzhou&Empty";
    assert_eq!(
        raw_parameter(q, "Action"),
        Ok(Some("CancelImage".to_owned()))
    );
    assert_eq!(
        raw_parameter(q, "RegionId"),
        Ok(Some("cn hangzhou".to_owned()))
    );
    assert_eq!(raw_parameter(q, "Empty"), Ok(Some(String::new())));
    assert_eq!(raw_parameter(q, "Missing"), Ok(None));
    assert_eq!(raw_parameter("Action=%4", "Action"), Err(()));
    assert_eq!(raw_parameter("Action=%ff", "Action"), Err(()));
}

#[test]
fn error_bodies_are_alibabas_shape() {
    let r = Refusal::new(400, "InvalidVersion", "bad", "ID", Some("h.example"));
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["RequestId"], "ID");
    assert_eq!(v["HostId"], "h.example");
    assert_eq!(v["Code"], "InvalidVersion");
    assert_eq!(v["Message"], "bad");
    assert_eq!(
        v["Recommend"],
        "https://api.aliyun.com/troubleshoot?q=InvalidVersion&product=Ecs&requestId=ID"
    );
    assert!(v.get("AccessDeniedDetail").is_none());
}

#[test]
fn request_ids_are_upper_case_uuids() {
    let id = request_id();
    assert_eq!(id.len(), 36);
    assert_eq!(id, id.to_ascii_uppercase());
    assert_ne!(id, request_id());
}
