use super::*;

fn fixture() -> (Authorizer, HashMap<String, Execution>) {
    let authorizer = Authorizer::load("policies/example-account.json").unwrap();
    let mut executions = HashMap::new();
    for (exec, pipeline, account) in [
        ("exec-1", "ip-1", "1234567890123456"),
        ("exec-prod", "ip-prod-1", "1234567890123456"),
        ("exec-other", "ip-1", "9999999999999999"),
    ] {
        executions.insert(exec.to_owned(), Execution::new(pipeline, account));
    }
    (authorizer, executions)
}

fn call(principal: &str, region: Option<&str>, exec: Option<&str>) -> Result<Granted, ApiError> {
    let (authorizer, executions) = fixture();
    let request = CancelRequest {
        region_id: region,
        execution_id: exec,
        principal,
        context: &[],
        request_id: Some("r-1"),
        now: Instant::from_unix(1_767_225_600, 0),
        session: None,
        diagnostics: Diagnostics::Full,
    };
    authorize_cancel(&authorizer, &executions, &request)
}

#[test]
fn spec1_missing_or_empty_region_is_400_naming_it() {
    for region in [None, Some("")] {
        let e = call("user/alice", region, Some("exec-1")).unwrap_err();
        assert_eq!((e.status(), e.body().code()), (400, "MissingRegionId"));
        assert_eq!(e.body().message, "RegionId is mandatory for this action.");
    }
}

#[test]
fn spec1_missing_or_empty_execution_is_400_naming_it() {
    for exec in [None, Some("")] {
        let e = call("user/alice", Some("cn-hangzhou"), exec).unwrap_err();
        assert_eq!((e.status(), e.body().code()), (400, "MissingExecutionId"));
    }
    let e = call("user/alice", Some("cn-*"), Some("exec-1")).unwrap_err();
    assert_eq!(
        (e.status(), e.body().code()),
        (400, "InvalidRegionId.Malformed")
    );
}

#[test]
fn spec1_parameters_spliced_into_the_arn_are_letters_digits_dash_underscore_dot() {
    for b in 0..=255u8 {
        let text = [b];
        let Ok(one) = std::str::from_utf8(&text) else {
            continue;
        };
        let expected = b.is_ascii_alphanumeric() || b"-_.".contains(&b);
        assert_eq!(is_arn_safe(one), expected, "{b:#x}");
    }
    assert!(is_arn_safe("cn-hangzhou"));
    assert!(!is_arn_safe("exec:1"));
    assert!(!is_arn_safe("é"));
    // Read eight bytes at a time: a bad byte anywhere, in a word or in the rest.
    let safe = "abc-DEF_123.xyz-456_789";
    for n in 0..=safe.len() {
        assert!(is_arn_safe(&safe[..n]));
        for at in 0..n {
            let bad = format!("{}:{}", &safe[..at], &safe[at + 1..n]);
            assert!(!is_arn_safe(&bad), "{bad}");
        }
    }
}

#[test]
fn account_ids_are_one_or_more_digits_whatever_their_length() {
    for n in 0..=40 {
        let digits = "1234567890".repeat(4);
        let id = &digits[..n];
        assert_eq!(is_account_id(id), n > 0, "{id}");
        for at in 0..n {
            for bad in [b'/', b':', b'0' - 1, b'9' + 1, b'*', b' ', 0x80, b'a'] {
                let mut bytes = id.as_bytes().to_vec();
                bytes[at] = bad;
                let text = String::from_utf8_lossy(&bytes);
                assert!(!is_account_id(&text), "{text:?}");
            }
        }
    }
    for b in 0..=255u8 {
        assert_eq!(
            are_digits(u64::from_le_bytes([
                b'5', b'5', b'5', b, b'5', b'5', b'5', b'5'
            ])),
            b.is_ascii_digit(),
            "{b:#x}"
        );
    }
}

#[test]
fn spec1_the_pipeline_arn_is_written_whole_or_not_at_all() {
    let long = "p".repeat(300);
    for (region, account, pipeline) in [
        ("cn-hangzhou", "1234567890123456", "ip-1"),
        ("cn-beijing", "1", "ip-ünïcode"),
        ("r", "1", long.as_str()),
    ] {
        let expected = format!("acs:ecs:{region}:{account}:imagepipeline/{pipeline}");
        match ArnBuf::pipeline(region, account, pipeline) {
            Some(arn) => assert_eq!(arn.as_str(), Some(expected.as_str())),
            None => assert!(expected.len() > 256, "{expected} fits"),
        }
    }
    // Too long for the buffer: the adapter writes it on the heap and still decides.
    let (authorizer, mut executions) = fixture();
    executions.insert(
        "exec-long".into(),
        Execution::new(long.as_str(), "1234567890123456"),
    );
    let request = CancelRequest {
        region_id: Some("cn-hangzhou"),
        execution_id: Some("exec-long"),
        principal: "user/alice",
        context: &[],
        request_id: None,
        now: Instant::from_unix(1_767_225_600, 0),
        session: None,
        diagnostics: Diagnostics::Full,
    };
    let arn = format!("acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/{long}");
    let alice = authorizer.resolve("user/alice").unwrap();
    let direct_request = AuthRequest::new(CANCEL_IMAGE_PIPELINE_EXECUTION, &arn)
        .unwrap()
        .at(request.now);
    let direct = authorizer.authorize(alice, None, &direct_request).unwrap();
    match authorize_cancel(&authorizer, &executions, &request) {
        Ok(granted) => assert!(direct.is_allowed() && granted.decision == direct),
        Err(e) => assert!(!direct.is_allowed() && e.status() == 403, "{e:?}"),
    }
}

#[test]
fn spec1_unknown_execution_is_404() {
    let e = call("user/alice", Some("cn-hangzhou"), Some("exec-nope")).unwrap_err();
    assert_eq!(e.status(), 404);
    assert_eq!(e.body().code(), "InvalidImagePipelineExecution.NotFound");
    assert_eq!(
        e.body().message,
        "The specified image pipeline execution does not exist!"
    );
}

#[test]
fn e5_denials_are_403_with_access_denied_detail() {
    assert!(call("user/alice", Some("cn-hangzhou"), Some("exec-1")).is_ok());
    let e = call("user/bob", Some("cn-hangzhou"), Some("exec-prod")).unwrap_err();
    assert_eq!((e.status(), e.body().code()), (403, "Forbidden.RAM"));
    let detail = e.body().access_denied_detail.clone().unwrap();
    assert_eq!(detail.no_permission_type, "ExplicitDeny");
    // The Deny that decided it, as the encoded diagnosis lists it, without decoding it.
    assert!(!e.deciding_statements().is_empty());
    assert!(e.deciding_statements().iter().all(|s| s.contains('#')));
    assert_eq!(detail.policy_type, "AccountLevelIdentityBasedPolicy");
    assert_eq!(detail.auth_principal_type, "SubUser");
    assert_eq!(detail.auth_principal_display_name, "bob");
    assert_eq!(detail.auth_action, "ecs:CancelImagePipelineExecution");
    let json = serde_json::to_value(e.body()).unwrap();
    assert_eq!(
        json["AccessDeniedDetail"]["AuthPrincipalOwnerId"],
        "1234567890123456"
    );
    let e = call("user/alice", Some("ap-southeast-1"), Some("exec-1")).unwrap_err();
    let detail = e.body().access_denied_detail.clone().unwrap();
    assert_eq!(
        (
            detail.policy_type.as_str(),
            detail.no_permission_type.as_str()
        ),
        ("ControlPolicy", "ExplicitDeny")
    );
    let e = call("user/alice", Some("cn-hangzhou"), Some("exec-other")).unwrap_err();
    assert_eq!(e.status(), 403);
}

/// The `AccessDeniedDetail` of a 403, as `(PolicyType, NoPermissionType, AuthPrincipalType,
/// AuthPrincipalDisplayName, AuthPrincipalOwnerId)`.
fn denied(result: Result<Granted, ApiError>) -> (String, String, String, String, String) {
    let e = result.expect_err("denied");
    assert_eq!(
        (e.status(), e.body().code()),
        (403, "Forbidden.RAM"),
        "{e:?}"
    );
    assert_eq!(e.body().message, FORBIDDEN_MESSAGE);
    let d = e.body().access_denied_detail.clone().expect("a detail");
    assert_eq!(d.auth_action, CANCEL_IMAGE_PIPELINE_EXECUTION);
    (
        d.policy_type,
        d.no_permission_type,
        d.auth_principal_type,
        d.auth_principal_display_name,
        d.auth_principal_owner_id,
    )
}

fn detail(parts: [&str; 5]) -> (String, String, String, String, String) {
    let [a, b, c, d, e] = parts.map(str::to_owned);
    (a, b, c, d, e)
}

/// Issue 18: a user or role the snapshot lacks has no policy that allows; it is denied as
/// one without policies, not failed as an internal error.
#[test]
fn e4_unknown_principal_is_403_implicit_deny() {
    let own = "1234567890123456";
    for (principal, kind, name) in [
        ("user/mallory", "SubUser", "mallory"),
        (
            "acs:ram::1234567890123456:user/mallory",
            "SubUser",
            "mallory",
        ),
        ("role/nobody", "AssumedRoleUser", "nobody"),
        ("assumed-role/nobody/ci-1", "AssumedRoleUser", "nobody:ci-1"),
    ] {
        assert_eq!(
            denied(call(principal, Some("cn-hangzhou"), Some("exec-1"))),
            detail([
                "AccountLevelIdentityBasedPolicy",
                "ImplicitDeny",
                kind,
                name,
                own
            ]),
            "{principal}"
        );
    }
    // On another account's pipeline, as for a known user: no resource-based policy grants.
    assert_eq!(
        denied(call(
            "user/mallory",
            Some("cn-hangzhou"),
            Some("exec-other")
        ))
        .0,
        "ResourceBasedPolicy"
    );
}

/// Issue 18: a principal of another account is denied as a cross-account request.
#[test]
fn e3_principal_of_another_account_is_403_implicit_deny() {
    let other = "9999999999999999";
    for (principal, kind, name) in [
        ("acs:ram::9999999999999999:user/alice", "SubUser", "alice"),
        ("acs:ram::9999999999999999:root", "Account", other),
        (
            "acs:sts::9999999999999999:assumed-role/deployer/ci-1",
            "AssumedRoleUser",
            "deployer:ci-1",
        ),
    ] {
        assert_eq!(
            denied(call(principal, Some("cn-hangzhou"), Some("exec-1"))),
            detail(["ResourceBasedPolicy", "ImplicitDeny", kind, name, other]),
            "{principal}"
        );
        // Its own account's pipeline: the snapshot holds none of that account's policies.
        assert_eq!(
            denied(call(principal, Some("cn-hangzhou"), Some("exec-other"))),
            detail([
                "AccountLevelIdentityBasedPolicy",
                "ImplicitDeny",
                kind,
                name,
                other
            ]),
            "{principal}"
        );
    }
}

/// Text that is no principal at all is the gateway's fault, not a denial: 500, never allow.
#[test]
fn e6_text_that_is_no_principal_is_500() {
    for principal in [
        "",
        "group/ops",
        "user/al ice",
        "acs:ram::1234567890123456:group/ops",
        "acs:ram::9999999999999999:group/ops",
        "acs:ram:cn-hangzhou:9999999999999999:user/alice",
        "acs:ecs::9999999999999999:user/alice",
        "acs:ram::99x:user/alice",
    ] {
        let e = call(principal, Some("cn-hangzhou"), Some("exec-1")).unwrap_err();
        assert_eq!(
            (e.status(), e.body().code()),
            (500, "InternalError"),
            "{principal}"
        );
        assert!(e.body().access_denied_detail.is_none());
    }
}

/// A resolver backed by a store: owned executions, and failures of its own.
struct Store {
    rows: HashMap<String, Execution>,
    failing: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("connection to postgres://gateway:hunter2@db.internal:5432 refused")]
struct StoreError;

impl ExecutionResolver for Store {
    type Error = StoreError;

    fn execution(&self, id: &str) -> Result<Option<Cow<'_, Execution>>, StoreError> {
        if self.failing {
            return Err(StoreError);
        }
        Ok(self.rows.get(id).cloned().map(Cow::Owned))
    }
}

fn call_with(
    authorizer: &Authorizer,
    resolver: &impl ExecutionResolver,
    principal: &str,
    exec: &str,
) -> Result<Granted, ApiError> {
    let request = CancelRequest {
        region_id: Some("cn-hangzhou"),
        execution_id: Some(exec),
        principal,
        context: &[],
        request_id: Some("r-1"),
        now: Instant::from_unix(1_767_225_600, 0),
        session: None,
        diagnostics: Diagnostics::Full,
    };
    authorize_cancel(authorizer, resolver, &request)
}

const PRINCIPALS: [&str; 6] = [
    "user/alice",
    "user/bob",
    "user/carol",
    "root",
    "user/mallory",
    "assumed-role/deployer/ci-1",
];
const EXECUTIONS: [&str; 4] = ["exec-1", "exec-prod", "exec-other", "exec-nope"];

/// Issue 18: a resolver that returns executions by value decides exactly as one that
/// lends them.
#[test]
fn spec1_a_resolver_returning_owned_executions_decides_as_a_table() {
    let (authorizer, rows) = fixture();
    let store = Store {
        rows: rows.clone(),
        failing: false,
    };
    let mut allowed = 0;
    for principal in PRINCIPALS {
        for exec in EXECUTIONS {
            let owned = call_with(&authorizer, &store, principal, exec);
            let lent = call_with(&authorizer, &rows, principal, exec);
            assert_eq!(owned, lent, "{principal} {exec}");
            allowed += usize::from(owned.is_ok());
        }
    }
    assert!(allowed > 0, "the comparison covers allows");
}

/// Issue 18: a resolver that fails is a 500 `InternalError`: never a 404 (the execution
/// may exist), never an allow, and its error, which may name hosts or credentials, is the
/// source only: not in the body, the message, the cause or the debug output.
#[test]
fn e6_a_resolver_error_is_500_whose_message_stays_out_of_the_answer() {
    let (authorizer, rows) = fixture();
    let store = Store {
        rows,
        failing: true,
    };
    for principal in PRINCIPALS {
        for exec in EXECUTIONS {
            let e = call_with(&authorizer, &store, principal, exec).unwrap_err();
            assert_eq!((e.status(), e.body().code()), (500, "InternalError"));
            assert_eq!(
                e.body().message,
                "The request processing has failed due to some unknown error, exception or failure."
            );
            let shown = [
                serde_json::to_string(e.body()).unwrap(),
                e.to_string(),
                e.cause().unwrap_or_default().to_owned(),
                format!("{e:?}"),
            ];
            for text in shown {
                assert!(!text.contains("hunter2"), "{text}");
                assert!(!text.contains("db.internal"), "{text}");
            }
            let source = std::error::Error::source(&e).map(ToString::to_string);
            assert_eq!(source, Some(StoreError.to_string()));
        }
    }
}

/// An execution whose pipeline id or owner cannot be part of an ARN (a store holds
/// anything) is a 500, never a decision on another ARN.
#[test]
fn e6_an_execution_that_makes_no_pipeline_arn_is_500() {
    let authorizer = fixture().0;
    for (pipeline, owner) in [
        ("", "1234567890123456"),
        ("*", "1234567890123456"),
        ("ip-1/x", "1234567890123456"),
        ("ip:1", "1234567890123456"),
        ("ip-1", ""),
        ("ip-1", "*"),
        ("ip-1", "12ab"),
        ("ip-1", "1234567890123456:imagepipeline/ip-2"),
    ] {
        let rows = HashMap::from([("exec-1".to_owned(), Execution::new(pipeline, owner))]);
        let e = call_with(&authorizer, &rows, "root", "exec-1").unwrap_err();
        assert_eq!(
            (e.status(), e.body().code()),
            (500, "InternalError"),
            "{pipeline} {owner}"
        );
    }
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

/// The 403 of `principal` cancelling `exec` with these diagnostics, and its decoded
/// `EncodedDiagnosticMessage` (`None` when the body has none).
fn diagnosis(
    principal: &str,
    exec: &str,
    diagnostics: Diagnostics,
) -> (ApiError, Option<serde_json::Value>) {
    let (authorizer, executions) = fixture();
    let request = CancelRequest::new(
        Some("cn-hangzhou"),
        Some(exec),
        principal,
        Instant::from_unix(1_767_225_600, 0),
    )
    .with_diagnostics(diagnostics);
    let e = authorize_cancel(&authorizer, &executions, &request).unwrap_err();
    let body = serde_json::to_value(e.body()).unwrap();
    let decoded = body["AccessDeniedDetail"]["EncodedDiagnosticMessage"]
        .as_str()
        .map(|text| serde_json::from_slice(&unbase64(text)).unwrap());
    (e, decoded)
}

#[test]
fn full_diagnostics_name_the_deciding_statements_and_the_resource() {
    let (e, decoded) = diagnosis("user/bob", "exec-prod", Diagnostics::Full);
    let decoded = decoded.unwrap();
    assert_eq!(decoded["ExplicitDeny"], true);
    assert_eq!(
        decoded["AuthResource"],
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-prod-1"
    );
    let listed: Vec<String> = decoded["DecidingStatements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, e.deciding_statements());
    assert!(!listed.is_empty());
}

#[test]
fn redacted_diagnostics_keep_the_decision_and_drop_the_policies() {
    let (e, decoded) = diagnosis("user/bob", "exec-prod", Diagnostics::Redacted);
    let decoded = decoded.unwrap();
    assert_eq!(decoded["AuthAction"], "ecs:CancelImagePipelineExecution");
    assert_eq!(decoded["ExplicitDeny"], true);
    assert_eq!(
        decoded["NoPermissionPolicyType"],
        "AccountLevelIdentityBasedPolicy"
    );
    assert!(decoded.get("DecidingStatements").is_none(), "{decoded}");
    // The caller's own account's pipeline: named, as the caller asked about it.
    assert_eq!(
        decoded["AuthResource"],
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-prod-1"
    );
    // No policy name anywhere in the body, though the gateway's logs still have them.
    let body = serde_json::to_string(e.body()).unwrap();
    for statement in e.deciding_statements() {
        let policy = statement.split('#').next().unwrap();
        assert!(!body.contains(policy), "{body} names {policy}");
    }
    assert!(!e.deciding_statements().is_empty());
}

#[test]
fn redacted_diagnostics_leave_out_another_accounts_resource() {
    let (_, decoded) = diagnosis("user/alice", "exec-other", Diagnostics::Redacted);
    let decoded = decoded.unwrap();
    assert!(decoded.get("AuthResource").is_none(), "{decoded}");
    assert_eq!(decoded["NoPermissionPolicyType"], "ResourceBasedPolicy");
    let (_, full) = diagnosis("user/alice", "exec-other", Diagnostics::Full);
    assert!(full.unwrap()["AuthResource"]
        .as_str()
        .unwrap()
        .contains("9999999999999999"));
}

#[test]
fn diagnostics_off_leave_the_key_out_and_the_rest_of_the_detail_in() {
    let (e, decoded) = diagnosis("user/bob", "exec-prod", Diagnostics::Off);
    assert_eq!(decoded, None);
    let body = serde_json::to_value(e.body()).unwrap();
    let detail = &body["AccessDeniedDetail"];
    assert!(detail.get("EncodedDiagnosticMessage").is_none(), "{body}");
    assert_eq!(detail["NoPermissionType"], "ExplicitDeny");
    assert_eq!(detail["AuthPrincipalDisplayName"], "bob");
    assert!(!e.deciding_statements().is_empty());
}

#[test]
fn unknown_principals_follow_the_diagnostics_too() {
    let (_, off) = diagnosis("user/nobody", "exec-1", Diagnostics::Off);
    assert_eq!(off, None);
    let (_, redacted) = diagnosis("user/nobody", "exec-1", Diagnostics::Redacted);
    assert_eq!(redacted.unwrap()["ExplicitDeny"], false);
}
