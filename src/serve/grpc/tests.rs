use prost::Message;

use super::proto::{Address, AttributeContext, HeaderMap, Peer, Request, SocketAddress};
use super::*;

/// Checks Envoy 1.40 sent for `curl -X POST 'http://ENVOY/?ExecutionId=exec-1&RegionId=cn-hangzhou'
/// -H 'Host: ecs.aliyuncs.com' -H 'x-acs-action: CancelImagePipelineExecution' -H 'X-Dup: a'
/// -H 'X-Dup: b' --data-binary 'RegionId=cn-hangzhou'`: with `pack_as_bytes` (the
/// `headers` map, `raw_body`), and with `encode_raw_headers` (`header_map`, `body`).
const ENVOY_HEADERS: &[u8] = include_bytes!("../../../tests/fixtures/grpc/check-headers.bin");
const ENVOY_HEADER_MAP: &[u8] = include_bytes!("../../../tests/fixtures/grpc/check-header-map.bin");

fn sorted(parts: &CallParts<'_>) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    headers.sort();
    headers
}

fn pair(name: &str, value: &str) -> (String, String) {
    (name.to_owned(), value.to_owned())
}

/// The call read from a check Envoy sent for the fixtures' curl command: what both
/// encodings agree on, then the headers, sorted.
fn envoy_call(check: &[u8]) -> Vec<(String, String)> {
    let request = CheckRequest::decode(check).unwrap();
    let empty = HttpRequest::default();
    let parts = CallParts::of(&request, &empty);
    assert_eq!(
        (parts.method, parts.path, parts.query),
        ("POST", "/", "ExecutionId=exec-1&RegionId=cn-hangzhou")
    );
    assert_eq!(parts.body, b"RegionId=cn-hangzhou");
    assert!(!parts.partial_body);
    assert_eq!(parts.source_ip, Some(IpAddr::from([127, 0, 0, 1])));
    assert!(!parts.secure_transport);
    let headers = sorted(&parts);
    // Envoy moves `Host` into `:authority`; it is put back, once.
    assert_eq!(
        headers
            .iter()
            .filter(|(n, _)| n == "host")
            .collect::<Vec<_>>(),
        [&pair("host", "ecs.aliyuncs.com")]
    );
    assert!(headers.contains(&pair("x-acs-action", "CancelImagePipelineExecution")));
    assert!(
        headers.iter().all(|(n, _)| !n.starts_with(':')),
        "{headers:?}"
    );
    headers
}

#[test]
fn reads_the_call_from_envoys_headers_map_and_raw_body() {
    let headers = envoy_call(ENVOY_HEADERS);
    // The `headers` map joins repeated headers.
    assert!(headers.contains(&pair("x-dup", "a,b")), "{headers:?}");
}

#[test]
fn reads_the_call_from_envoys_raw_header_map_and_string_body() {
    let headers = envoy_call(ENVOY_HEADER_MAP);
    assert!(headers.contains(&pair("x-dup", "a")) && headers.contains(&pair("x-dup", "b")));
}

fn http_check(http: HttpRequest, source: &str) -> CheckRequest {
    CheckRequest {
        attributes: Some(AttributeContext {
            source: Some(Peer {
                address: Some(Address {
                    socket_address: Some(SocketAddress {
                        address: source.to_owned(),
                        port_value: 50000,
                    }),
                }),
            }),
            request: Some(Request { http: Some(http) }),
        }),
    }
}

#[test]
fn c8_secure_transport_only_when_envoy_says_https() {
    let empty = HttpRequest::default();
    for (scheme, secure) in [
        ("https", true),
        ("HTTPS", true),
        ("http", false),
        ("", false),
    ] {
        let http = HttpRequest {
            scheme: scheme.to_owned(),
            ..HttpRequest::default()
        };
        let request = http_check(http, "10.0.0.1");
        assert_eq!(
            CallParts::of(&request, &empty).secure_transport,
            secure,
            "{scheme}"
        );
    }
}

#[test]
fn c8_source_ip_is_the_downstream_address_or_none() {
    let empty = HttpRequest::default();
    for (address, ip) in [
        ("10.1.2.3", Some(IpAddr::from([10, 1, 2, 3]))),
        ("::1", Some(IpAddr::from([0, 0, 0, 0, 0, 0, 0, 1]))),
        ("not-an-address", None),
        ("", None),
    ] {
        let request = http_check(HttpRequest::default(), address);
        assert_eq!(CallParts::of(&request, &empty).source_ip, ip, "{address}");
    }
    assert_eq!(
        CallParts::of(&CheckRequest::default(), &empty).source_ip,
        None
    );
}

#[test]
fn a_check_without_attributes_is_an_empty_call() {
    let empty = HttpRequest::default();
    let request = CheckRequest::default();
    let parts = CallParts::of(&request, &empty);
    assert_eq!((parts.method, parts.path, parts.query), ("", "", ""));
    assert!(parts.headers.is_empty() && parts.body.is_empty());
}

#[test]
fn the_clients_own_host_header_is_kept_and_not_doubled() {
    let mut headers = std::collections::HashMap::new();
    headers.insert("host".to_owned(), "signed.example".to_owned());
    let http = HttpRequest {
        headers,
        host: "authority.example".to_owned(),
        ..HttpRequest::default()
    };
    assert_eq!(
        call_headers(&http),
        [(Cow::Borrowed("host"), Cow::Borrowed("signed.example"))]
    );
}

#[test]
fn raw_header_values_not_utf8_are_replaced_so_a_signature_over_them_fails() {
    let http = HttpRequest {
        header_map: Some(HeaderMap {
            headers: vec![
                HeaderValue {
                    key: "x-acs-a".to_owned(),
                    value: String::new(),
                    raw_value: b"a\xffb".to_vec(),
                },
                HeaderValue {
                    key: "x-acs-b".to_owned(),
                    value: "text".to_owned(),
                    raw_value: Vec::new(),
                },
            ],
        }),
        ..HttpRequest::default()
    };
    let headers = call_headers(&http);
    assert_eq!(headers[0].1, "a\u{fffd}b");
    assert_eq!(headers[1].1, "text");
}

#[test]
fn raw_body_wins_over_body() {
    let empty = HttpRequest::default();
    let http = HttpRequest {
        body: b"text".to_vec(),
        raw_body: b"raw".to_vec(),
        ..HttpRequest::default()
    };
    let request = http_check(http, "10.0.0.1");
    assert_eq!(CallParts::of(&request, &empty).body, b"raw");
}

#[test]
fn grpc_status_follows_the_http_status_and_code() {
    for (status, code, grpc) in [
        (403, "Forbidden.RAM", code::PERMISSION_DENIED),
        (503, "ServiceUnavailable", code::UNAVAILABLE),
        (500, "InternalError", code::INTERNAL),
        (400, "SignatureDoesNotMatch", code::UNAUTHENTICATED),
        (400, "IncompleteSignature", code::UNAUTHENTICATED),
        (400, "InvalidTimeStamp.Expired", code::UNAUTHENTICATED),
        (404, "InvalidAccessKeyId.NotFound", code::UNAUTHENTICATED),
        (
            400,
            "InvalidSecurityToken.MismatchWithAccessKey",
            code::UNAUTHENTICATED,
        ),
        (400, "SignatureNonceUsed", code::UNAUTHENTICATED),
        (400, "InvalidStatus.CancelFailed", code::INVALID_ARGUMENT),
        (
            404,
            "InvalidImagePipelineExecution.NotFound",
            code::INVALID_ARGUMENT,
        ),
        (404, "InvalidAction.NotFound", code::INVALID_ARGUMENT),
        (413, "RequestEntityTooLarge", code::INVALID_ARGUMENT),
    ] {
        assert_eq!(grpc_code(status, code), grpc, "{status} {code}");
    }
}

#[test]
fn the_signature_codes_are_those_signature_errors_have() {
    use crate::signature::SignatureError;
    let errors = [
        SignatureError::Incomplete(String::new()),
        SignatureError::Mismatch {
            string_to_sign: String::new(),
        },
        SignatureError::Expired {
            max_skew: Duration::ZERO,
        },
        SignatureError::UnknownAccessKey(String::new()),
        SignatureError::TokenMismatch,
    ];
    for error in errors {
        assert!(UNAUTHENTICATED_CODES.contains(&error.code()), "{error:?}");
    }
}

#[test]
fn an_allowed_check_overwrites_the_principal_header() {
    let allowed = Allowed {
        request_id: "REQ-1".to_owned(),
        principal: "acs:ram::1234567890123456:user/ci".to_owned(),
        access_key_id: "AK1".to_owned(),
        execution_id: "exec-1".to_owned(),
        account_id: "1234567890123456".to_owned(),
        region: "cn-hangzhou".to_owned(),
        host: "ecs.aliyuncs.com".to_owned(),
    };
    let response = allow(&allowed);
    assert_eq!(response.status.map(|s| s.code), Some(code::OK));
    let Some(HttpResponse::OkResponse(ok)) = response.http_response else {
        panic!("expected an ok_response");
    };
    let headers: Vec<(String, String, i32)> = ok
        .headers
        .into_iter()
        .map(|o| {
            let h = o.header.unwrap_or_default();
            (h.key, h.value, o.append_action)
        })
        .collect();
    assert_eq!(
        headers,
        [
            (
                "x-ramcheck-principal".to_owned(),
                "acs:ram::1234567890123456:user/ci".to_owned(),
                OVERWRITE_IF_EXISTS_OR_ADD
            ),
            (
                "x-ramcheck-request-id".to_owned(),
                "REQ-1".to_owned(),
                OVERWRITE_IF_EXISTS_OR_ADD
            ),
        ]
    );
}

#[test]
fn a_refused_check_carries_the_apis_status_and_body() {
    let refusal = Refusal {
        status: 403,
        code: "Forbidden.RAM".to_owned(),
        body: r#"{"Code":"Forbidden.RAM"}"#.to_owned(),
        request_id: "REQ-2".to_owned(),
    };
    let response = deny(&refusal);
    assert_eq!(
        response.status.map(|s| s.code),
        Some(code::PERMISSION_DENIED)
    );
    let Some(HttpResponse::DeniedResponse(denied)) = response.http_response else {
        panic!("expected a denied_response");
    };
    assert_eq!(denied.status.map(|s| s.code), Some(403));
    assert_eq!(denied.body, refusal.body);
    let header = denied
        .headers
        .first()
        .and_then(|o| o.header.clone())
        .unwrap_or_default();
    assert_eq!(
        (header.key.as_str(), header.value.as_str()),
        ("content-type", "application/json;charset=utf-8")
    );
}

/// One protobuf field as the wire has it: number, and a varint or the bytes of a
/// length-delimited field. Written from the encoding's spec, apart from prost, so that a
/// wrong tag in [`proto`] fails here.
#[derive(Debug, PartialEq)]
enum Field {
    Varint(u32, u64),
    Bytes(u32, Vec<u8>),
}

fn varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut value = 0;
    for shift in (0..64).step_by(7) {
        let byte = bytes[*at];
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            break;
        }
    }
    value
}

fn fields(bytes: &[u8]) -> Vec<Field> {
    let mut at = 0;
    let mut out = Vec::new();
    while at < bytes.len() {
        let key = varint(bytes, &mut at);
        let number = u32::try_from(key >> 3).unwrap();
        match key & 7 {
            0 => out.push(Field::Varint(number, varint(bytes, &mut at))),
            2 => {
                let len = usize::try_from(varint(bytes, &mut at)).unwrap();
                out.push(Field::Bytes(number, bytes[at..at + len].to_vec()));
                at += len;
            }
            other => panic!("wire type {other} not expected"),
        }
    }
    out
}

fn inner(field: &Field) -> Vec<Field> {
    match field {
        Field::Bytes(_, bytes) => fields(bytes),
        Field::Varint(..) => panic!("{field:?} is not a message"),
    }
}

fn header_option(key: &str, value: &str) -> Field {
    let mut header = vec![0x0a, key.len() as u8];
    header.extend(key.as_bytes());
    header.extend([0x12, value.len() as u8]);
    header.extend(value.as_bytes());
    let mut option = vec![0x0a, header.len() as u8];
    option.extend(header);
    option.extend([0x18, 2]);
    Field::Bytes(2, option)
}

/// `CheckResponse`: status = 1 (`google.rpc.Status`: code = 1, message = 2),
/// denied_response = 2 (status = 1 holding `HttpStatus.code` = 1, headers = 2, body = 3),
/// ok_response = 3 (headers = 2); `HeaderValueOption`: header = 1 (key = 1, value = 2),
/// append_action = 3.
#[test]
fn responses_use_envoys_field_numbers() {
    let refusal = Refusal {
        status: 503,
        code: "ServiceUnavailable".to_owned(),
        body: "B".to_owned(),
        request_id: String::new(),
    };
    let top = fields(&deny(&refusal).encode_to_vec());
    assert_eq!(top.len(), 2);
    assert_eq!(
        inner(&top[0]),
        [
            Field::Varint(1, 14),
            Field::Bytes(2, b"ServiceUnavailable".to_vec())
        ]
    );
    assert!(matches!(top[1], Field::Bytes(2, _)));
    let denied = inner(&top[1]);
    assert_eq!(denied.len(), 3);
    assert_eq!(inner(&denied[0]), [Field::Varint(1, 503)]);
    assert_eq!(
        denied[1],
        header_option("content-type", "application/json;charset=utf-8")
    );
    assert_eq!(denied[2], Field::Bytes(3, b"B".to_vec()));

    let allowed = Allowed {
        request_id: "R".to_owned(),
        principal: "P".to_owned(),
        access_key_id: String::new(),
        execution_id: String::new(),
        account_id: String::new(),
        region: String::new(),
        host: String::new(),
    };
    let top = fields(&allow(&allowed).encode_to_vec());
    assert_eq!(top.len(), 2);
    // code 0 is proto3's default, so the status message is empty on the wire
    assert_eq!(top[0], Field::Bytes(1, Vec::new()));
    assert!(matches!(top[1], Field::Bytes(3, _)));
    assert_eq!(
        inner(&top[1]),
        [
            header_option("x-ramcheck-principal", "P"),
            header_option("x-ramcheck-request-id", "R")
        ]
    );
}

/// A live server on a loopback port and a tonic client to it: the checks go through
/// HTTP/2, the codec and [`Server::authorize`] with the fixtures' account, credentials
/// and executions.
mod live {
    use std::time::SystemTime;

    use tokio::sync::oneshot;

    use super::*;
    use crate::serve::executions::Ledger;
    use crate::serve::metrics::Metrics;
    use crate::serve::nonce::NonceStore;
    use crate::serve::snapshot::{Inputs, Snapshot, SnapshotHandle};
    use crate::signature::Signer;

    const ALICE: Signer<'static> = Signer {
        access_key_id: "LTAI5tCiRunner",
        secret: "secret-of-alice",
        security_token: None,
    };
    const CAROL: Signer<'static> = Signer {
        access_key_id: "LTAI5tCarol",
        secret: "secret-of-carol",
        security_token: None,
    };

    struct Live {
        server: Arc<Server>,
        client: tonic::client::Grpc<tonic::transport::Channel>,
        stop: oneshot::Sender<()>,
        served: tokio::task::JoinHandle<Result<(), GrpcError>>,
    }

    async fn start() -> Live {
        let server = Arc::new(Server {
            snapshot: Arc::new(SnapshotHandle::empty()),
            ledger: Ledger::default(),
            nonces: NonceStore::memory(1000),
            metrics: Arc::new(Metrics::new()),
            log: None,
            max_skew: crate::signature::DEFAULT_MAX_CLOCK_SKEW,
            diagnostics: crate::gateway::Diagnostics::Full,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(serve(listener, Arc::clone(&server), async {
            let _ = stopped.await;
        }));
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
            .unwrap()
            .connect()
            .await
            .unwrap();
        Live {
            server,
            client: tonic::client::Grpc::new(channel),
            stop,
            served,
        }
    }

    fn publish(server: &Server) {
        let inputs = Inputs {
            accounts: vec!["policies/example-account.json".into()],
            credentials: "tests/fixtures/serve/credentials.json".into(),
            executions: "tests/fixtures/serve/executions.json".into(),
            ..Inputs::default()
        };
        server
            .snapshot
            .publish(Snapshot::load(&inputs, 1).unwrap().0);
    }

    /// The check Envoy sends for a cancel `signer` signed, with `nonce`.
    fn signed_check(signer: Signer<'_>, execution: &str, nonce: &str) -> CheckRequest {
        http_check(signed_http(signer, execution, nonce), "10.0.0.1")
    }

    /// The HTTP request of [`signed_check`].
    fn signed_http(signer: Signer<'_>, execution: &str, nonce: &str) -> HttpRequest {
        let query = [("ExecutionId", execution), ("RegionId", "cn-hangzhou")];
        let parts = signer.sign_acs3(
            "POST",
            "ecs.aliyuncs.com",
            "/",
            &query,
            b"",
            "CancelImagePipelineExecution",
            "2014-05-26",
            nonce,
            SystemTime::now(),
        );
        let path = format!("/?{}", parts.query);
        let mut headers: std::collections::HashMap<String, String> = parts
            .headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("host"))
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect();
        headers.insert(":authority".into(), "ecs.aliyuncs.com".into());
        headers.insert(":path".into(), path.clone());
        headers.insert(":method".into(), "POST".into());
        HttpRequest {
            method: "POST".into(),
            headers,
            path,
            host: "ecs.aliyuncs.com".into(),
            scheme: "http".into(),
            ..HttpRequest::default()
        }
    }

    async fn call(live: &mut Live, request: CheckRequest) -> CheckResponse {
        call_at(live, CHECK_PATH, request).await.unwrap()
    }

    async fn call_at(
        live: &mut Live,
        path: &'static str,
        request: CheckRequest,
    ) -> Result<CheckResponse, tonic::Status> {
        live.client.ready().await.unwrap();
        let codec = ProstCodec::<CheckRequest, CheckResponse>::default();
        let path = http::uri::PathAndQuery::from_static(path);
        let response = live
            .client
            .unary(tonic::Request::new(request), path, codec)
            .await?;
        Ok(response.into_inner())
    }

    /// The gRPC code, HTTP status and body `Code` of a denial.
    fn denial(response: &CheckResponse) -> (i32, i32, String) {
        let Some(HttpResponse::DeniedResponse(denied)) = &response.http_response else {
            panic!("expected a denied_response, got {response:?}");
        };
        let body: serde_json::Value = serde_json::from_str(&denied.body).unwrap();
        (
            response.status.as_ref().map_or(-1, |s| s.code),
            denied.status.as_ref().map_or(-1, |s| s.code),
            body["Code"].as_str().unwrap_or_default().to_owned(),
        )
    }

    #[tokio::test]
    async fn checks_over_grpc_allow_deny_and_refuse_as_the_api() {
        let mut live = start().await;

        // Before the first snapshot: 503.
        let before = call(&mut live, signed_check(ALICE, "exec-1", "n-1")).await;
        assert_eq!(
            denial(&before),
            (code::UNAVAILABLE, 503, "ServiceUnavailable".into())
        );

        publish(&live.server);
        let allowed = call(&mut live, signed_check(ALICE, "exec-1", "n-2")).await;
        assert_eq!(allowed.status.as_ref().map(|s| s.code), Some(code::OK));
        let Some(HttpResponse::OkResponse(ok)) = &allowed.http_response else {
            panic!("expected an ok_response, got {allowed:?}");
        };
        let header = ok.headers[0].header.as_ref().unwrap();
        assert_eq!(
            (header.key.as_str(), header.value.as_str()),
            (
                "x-ramcheck-principal",
                "acs:ram::1234567890123456:user/alice"
            )
        );
        // An allowed check cancels nothing: Envoy forwards the call, the upstream cancels.
        let again = call(&mut live, signed_check(ALICE, "exec-1", "n-3")).await;
        assert!(matches!(
            again.http_response,
            Some(HttpResponse::OkResponse(_))
        ));

        // E1: carol has no policy that allows the cancel.
        let denied = call(&mut live, signed_check(CAROL, "exec-1", "n-4")).await;
        assert_eq!(
            denial(&denied),
            (code::PERMISSION_DENIED, 403, "Forbidden.RAM".into())
        );
        let Some(HttpResponse::DeniedResponse(d)) = &denied.http_response else {
            unreachable!()
        };
        assert!(d.body.contains("AccessDeniedDetail"), "{}", d.body);
        let content_type = d.headers[0].header.as_ref().unwrap();
        assert_eq!(content_type.value, "application/json;charset=utf-8");

        let wrong = Signer {
            secret: "not-the-secret",
            ..ALICE
        };
        let forged = call(&mut live, signed_check(wrong, "exec-1", "n-5")).await;
        assert_eq!(
            denial(&forged),
            (code::UNAUTHENTICATED, 400, "SignatureDoesNotMatch".into())
        );

        let replay = call(&mut live, signed_check(ALICE, "exec-1", "n-2")).await;
        assert_eq!(
            denial(&replay),
            (code::UNAUTHENTICATED, 400, "SignatureNonceUsed".into())
        );

        let unknown = call(&mut live, signed_check(ALICE, "exec-nope", "n-6")).await;
        assert_eq!(
            denial(&unknown),
            (
                code::INVALID_ARGUMENT,
                404,
                "InvalidImagePipelineExecution.NotFound".into()
            )
        );

        let _ = live.stop.send(());
        live.served.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_body_past_the_limit_or_cut_short_is_413() {
        let mut live = start().await;
        publish(&live.server);
        let mut big = signed_http(ALICE, "exec-1", "n-1");
        big.raw_body = vec![b'a'; Limits::default().max_body_bytes + 1];
        let response = call(&mut live, http_check(big, "10.0.0.1")).await;
        assert_eq!(
            denial(&response),
            (code::INVALID_ARGUMENT, 413, "RequestEntityTooLarge".into())
        );

        let mut partial = signed_http(ALICE, "exec-1", "n-2");
        partial
            .headers
            .insert("x-envoy-auth-partial-body".into(), "true".into());
        let response = call(&mut live, http_check(partial, "10.0.0.1")).await;
        assert_eq!(denial(&response).1, 413);
    }

    #[tokio::test]
    async fn another_method_is_unimplemented() {
        let mut live = start().await;
        let status = call_at(
            &mut live,
            "/envoy.service.auth.v2.Authorization/Check",
            CheckRequest::default(),
        )
        .await
        .unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unimplemented);
    }
}
