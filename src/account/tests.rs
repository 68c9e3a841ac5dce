//! Account tests: every stage and E rule of the full procedure, the quirks, and every
//! invalid-account-file error.

use super::*;
use crate::condition::value::Instant;
use crate::decision::{Context, Decision, Request, Route, Stage};

const ID: &str = "1234567890123456";

fn account(json: &str) -> Account {
    match Account::from_json(json, None, Some("account.json")) {
        Ok(a) => a,
        Err(e) => panic!("account should load: {e}"),
    }
}

fn load_err(json: &str) -> AccountError {
    match Account::from_json(json, None, Some("account.json")) {
        Ok(_) => panic!("account should not load"),
        Err(e) => e,
    }
}

fn pipeline(region: &str, id: &str) -> String {
    format!("acs:ecs:{region}:{ID}:imagepipeline/{id}")
}

fn cancel(resource: &str) -> Request {
    match Request::new("ecs:CancelImagePipelineExecution", resource) {
        Ok(r) => r.at(Instant::from_unix(1_700_000_000, 0)),
        Err(e) => panic!("request: {e}"),
    }
}

fn decide(account: &Account, principal: &str, resource: &str) -> (Decision, Stage) {
    let p = Principal::parse(principal, account.id()).expect("principal");
    let outcome = account
        .decide(&p, None, &cancel(resource))
        .expect("decides");
    (outcome.decision(), outcome.stage())
}

const ALLOW_CANCEL: &str = r#"{"Version": "1", "Statement": [{"Effect": "Allow",
    "Action": "ecs:CancelImagePipelineExecution", "Resource": "*"}]}"#;
const DENY_CANCEL: &str = r#"{"Version": "1", "Statement": [{"Effect": "Deny",
    "Action": "ecs:CancelImagePipelineExecution", "Resource": "*"}]}"#;

fn with_policies(rest: &str) -> String {
    format!(
        r#"{{"account_id": "{ID}", "policies": {{"AllowCancel": {ALLOW_CANCEL}, "DenyCancel": {DENY_CANCEL},
        "DenyHongKong": {{"Version": "1", "Statement": [{{"Effect": "Deny", "Action": "*",
            "Resource": "acs:*:cn-hongkong:*:*"}}]}}}}{rest}}}"#
    )
}

#[test]
fn e2_account_owner_is_allowed_without_policies() {
    let a = account(&with_policies(""));
    assert_eq!(
        decide(&a, "root", &pipeline("cn-hangzhou", "ip-1")),
        (Decision::Allow, Stage::AccountOwner)
    );
}

#[test]
fn e2_account_owner_ignores_control_policies() {
    let a = account(&with_policies(&format!(
        r#", "resource_directory": {{"path": [{{"name": "Root", "control_policies": []}}, {{"name": "{ID}", "control_policies": ["DenyHongKong"]}}]}}"#
    )));
    assert_eq!(
        decide(&a, "root", &pipeline("cn-hongkong", "ip-1")),
        (Decision::Allow, Stage::AccountOwner)
    );
}

#[test]
fn e2_user_pools_own_and_group_policies() {
    let a = account(&with_policies(
        r#", "users": {"u": {"groups": ["g"], "policies": ["AllowCancel"]}, "v": {"groups": ["g"]}},
            "groups": {"g": {"policies": ["DenyCancel"]}}"#,
    ));
    // The group's Deny and the user's Allow are one pool (E1): the Deny wins.
    assert_eq!(
        decide(&a, "user/u", &pipeline("cn-hangzhou", "ip-1")).0,
        Decision::ExplicitDeny
    );
    assert_eq!(
        decide(&a, "user/v", &pipeline("cn-hangzhou", "ip-1")).0,
        Decision::ExplicitDeny
    );
}

#[test]
fn e2_user_allowed_through_group() {
    let a = account(&with_policies(
        r#", "users": {"u": {"groups": ["g"]}}, "groups": {"g": {"policies": ["AllowCancel"]}}"#,
    ));
    assert_eq!(
        decide(&a, "user/u", &pipeline("cn-hangzhou", "ip-1")),
        (Decision::Allow, Stage::AccountLevelIdentityBasedPolicy)
    );
}

#[test]
fn e2_role_has_its_own_policies() {
    let a = account(&with_policies(
        r#", "roles": {"r": {"policies": ["AllowCancel"]}, "s": {}}"#,
    ));
    assert_eq!(
        decide(&a, "role/r", &pipeline("cn-hangzhou", "ip-1")).0,
        Decision::Allow
    );
    assert_eq!(
        decide(&a, "assumed-role/r/sess", &pipeline("cn-hangzhou", "ip-1")).0,
        Decision::Allow
    );
    assert_eq!(
        decide(&a, "role/s", &pipeline("cn-hangzhou", "ip-1")).0,
        Decision::ImplicitDeny
    );
}

#[test]
fn e2_principal_arn_comes_from_the_principal() {
    let a = account(&format!(
        r#"{{"account_id": "{ID}", "policies": {{"OnlyDeployer": {{"Version": "1", "Statement": [{{"Effect": "Allow",
            "Action": "ecs:*", "Resource": "*",
            "Condition": {{"StringEquals": {{"acs:PrincipalARN": "acs:ram::{ID}:role/deployer"}}}}}}]}}}},
        "users": {{"mallory": {{"policies": ["OnlyDeployer"]}}}},
        "roles": {{"deployer": {{"policies": ["OnlyDeployer"]}}}}}}"#
    ));
    let resource = pipeline("cn-hangzhou", "ip-1");
    // The session's PrincipalARN is the role's ARN.
    assert_eq!(
        decide(&a, "assumed-role/deployer/x", &resource).0,
        Decision::Allow
    );
    // A user cannot claim to be the role through the context.
    let mut context = Context::new();
    context
        .insert("acs:PrincipalARN", &format!("acs:ram::{ID}:role/deployer"))
        .expect("context");
    let mallory = Principal::parse("user/mallory", ID).expect("principal");
    let outcome = a
        .decide(&mallory, None, &cancel(&resource).with_context(context))
        .expect("decides");
    assert_eq!(outcome.decision(), Decision::ImplicitDeny);
}

#[test]
fn e3_other_accounts_resource_is_cross_account() {
    let a = account(&with_policies(
        r#", "users": {"u": {"policies": ["AllowCancel"]}}"#,
    ));
    let foreign = "acs:ecs:cn-hangzhou:999:imagepipeline/ip-1";
    assert_eq!(
        decide(&a, "user/u", foreign),
        (Decision::ImplicitDeny, Stage::CrossAccount)
    );
    assert_eq!(
        decide(&a, "root", foreign),
        (Decision::ImplicitDeny, Stage::CrossAccount)
    );
}

fn directory(levels: &str, management: bool) -> String {
    with_policies(&format!(
        r#", "users": {{"u": {{"policies": ["AllowCancel"]}}}},
           "roles": {{"slr": {{"policies": ["AllowCancel"], "service_linked": true}}}},
           "resource_directory": {{"management_account": {management}, "path": {levels}}}"#
    ))
}

#[test]
fn e4_control_policy_deny_at_any_level_is_explicit() {
    let a = account(&directory(
        &format!(
            r#"[{{"name": "Root", "control_policies": ["FullAliyunAccess", "DenyHongKong"]}},
               {{"name": "fd", "control_policies": ["FullAliyunAccess"]}},
               {{"name": "{ID}", "control_policies": ["FullAliyunAccess"]}}]"#
        ),
        false,
    ));
    assert_eq!(
        decide(&a, "user/u", &pipeline("cn-hongkong", "ip-1")),
        (Decision::ExplicitDeny, Stage::ControlPolicy)
    );
    assert_eq!(
        decide(&a, "user/u", &pipeline("cn-hangzhou", "ip-1")).0,
        Decision::Allow
    );
}

#[test]
fn e4_control_policy_level_that_allows_nothing_denies() {
    // FullAliyunAccess detached from the folder: that level allows nothing.
    let a = account(&directory(
        &format!(
            r#"[{{"name": "Root", "control_policies": ["FullAliyunAccess"]}},
               {{"name": "fd", "control_policies": []}},
               {{"name": "{ID}", "control_policies": ["FullAliyunAccess"]}}]"#
        ),
        false,
    ));
    assert_eq!(
        decide(&a, "user/u", &pipeline("cn-hangzhou", "ip-1")),
        (Decision::ImplicitDeny, Stage::ControlPolicy)
    );
}

#[test]
fn e4_control_policy_full_access_attached_lets_identity_decide() {
    let a = account(&directory(
        &format!(
            r#"[{{"name": "Root", "control_policies": ["FullAliyunAccess"]}}, {{"name": "{ID}", "control_policies": ["FullAliyunAccess"]}}]"#
        ),
        false,
    ));
    assert_eq!(
        decide(&a, "user/u", &pipeline("cn-hangzhou", "ip-1")),
        (Decision::Allow, Stage::AccountLevelIdentityBasedPolicy)
    );
}

#[test]
fn e4_control_policies_grant_nothing_by_themselves() {
    let a = account(&with_policies(&format!(
        r#", "users": {{"nobody": {{}}}}, "resource_directory": {{"path": [{{"name": "{ID}", "control_policies": ["FullAliyunAccess"]}}]}}"#
    )));
    assert_eq!(
        decide(&a, "user/nobody", &pipeline("cn-hangzhou", "ip-1")),
        (
            Decision::ImplicitDeny,
            Stage::AccountLevelIdentityBasedPolicy
        )
    );
}

#[test]
fn e4_control_policies_do_not_bind_service_linked_roles() {
    let a = account(&directory(
        &format!(r#"[{{"name": "{ID}", "control_policies": ["DenyHongKong"]}}]"#),
        false,
    ));
    assert_eq!(
        decide(&a, "role/slr", &pipeline("cn-hongkong", "ip-1")).0,
        Decision::Allow
    );
    assert_eq!(
        decide(&a, "user/u", &pipeline("cn-hongkong", "ip-1")).1,
        Stage::ControlPolicy
    );
}

#[test]
fn e4_control_policies_do_not_bind_the_management_account() {
    let a = account(&directory(
        &format!(r#"[{{"name": "{ID}", "control_policies": ["DenyHongKong"]}}]"#),
        true,
    ));
    assert_eq!(
        decide(&a, "user/u", &pipeline("cn-hongkong", "ip-1")).0,
        Decision::Allow
    );
}

#[test]
fn e4_session_policy_must_allow() {
    let a = account(&with_policies(
        r#", "roles": {"r": {"policies": ["AllowCancel"]}}"#,
    ));
    let session = crate::policy::Policy::parse_as(
        r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"}]}"#,
        crate::policy::PolicyKind::Session,
    )
    .expect("session policy");
    let session = NamedPolicy::new("session", None, Arc::new(session));
    let p = Principal::parse("assumed-role/r/s", ID).expect("principal");
    let outcome = a
        .decide(
            &p,
            Some(&session),
            &cancel(&pipeline("cn-hangzhou", "ip-1")),
        )
        .expect("decides");
    assert_eq!(
        (outcome.decision(), outcome.stage()),
        (Decision::ImplicitDeny, Stage::SessionPolicy)
    );
    // A session policy that allows does not grant by itself: the role must allow too.
    let broad = crate::policy::Policy::parse_as(ALLOW_CANCEL, crate::policy::PolicyKind::Session)
        .expect("parses");
    let broad = NamedPolicy::new("broad", None, Arc::new(broad));
    let b = account(&with_policies(r#", "roles": {"r": {}}"#));
    let outcome = b
        .decide(&p, Some(&broad), &cancel(&pipeline("cn-hangzhou", "ip-1")))
        .expect("decides");
    assert_eq!(
        (outcome.decision(), outcome.stage()),
        (
            Decision::ImplicitDeny,
            Stage::AccountLevelIdentityBasedPolicy
        )
    );
}

#[test]
fn e4_session_policy_only_for_sessions() {
    let a = account(&with_policies(r#", "roles": {"r": {}}"#));
    let session = NamedPolicy::new(
        "s",
        None,
        Arc::new(crate::policy::Policy::parse(ALLOW_CANCEL).expect("parses")),
    );
    let p = Principal::parse("role/r", ID).expect("principal");
    assert!(matches!(
        a.decide(
            &p,
            Some(&session),
            &cancel(&pipeline("cn-hangzhou", "ip-1"))
        ),
        Err(DecideError::SessionPolicyWithoutSession(_))
    ));
}

fn grouped(user_policies: &str) -> Account {
    account(&with_policies(&format!(
        r#", "users": {{"u": {{"policies": {user_policies}}}}},
           "resource_groups": {{"rg-dev": ["acs:ecs:*:{ID}:imagepipeline/ip-dev*"], "rg-ops": ["acs:ecs:*:{ID}:imagepipeline/ip-ops-1"]}}"#
    )))
}

#[test]
fn e4_resource_group_scope_applies_only_to_its_resources() {
    let a = grouped(r#"[{"policy": "AllowCancel", "resource_group": "rg-dev"}]"#);
    assert_eq!(
        decide(&a, "user/u", &pipeline("cn-hangzhou", "ip-dev-1")),
        (
            Decision::Allow,
            Stage::ResourceGroupLevelIdentityBasedPolicy
        )
    );
    assert_eq!(
        decide(&a, "user/u", &pipeline("cn-hangzhou", "ip-ops-1")),
        (
            Decision::ImplicitDeny,
            Stage::ResourceGroupLevelIdentityBasedPolicy
        )
    );
    assert_eq!(
        decide(&a, "user/u", &pipeline("cn-hangzhou", "ip-9")),
        (
            Decision::ImplicitDeny,
            Stage::AccountLevelIdentityBasedPolicy
        )
    );
}

#[test]
fn e4_resource_group_deny_does_not_override_account_allow() {
    let a = grouped(r#"["AllowCancel", {"policy": "DenyCancel", "resource_group": "rg-dev"}]"#);
    assert_eq!(
        decide(&a, "user/u", &pipeline("cn-hangzhou", "ip-dev-1")),
        (Decision::Allow, Stage::AccountLevelIdentityBasedPolicy)
    );
}

#[test]
fn e4_account_deny_beats_resource_group_allow() {
    let a = grouped(r#"["DenyCancel", {"policy": "AllowCancel", "resource_group": "rg-dev"}]"#);
    assert_eq!(
        decide(&a, "user/u", &pipeline("cn-hangzhou", "ip-dev-1")),
        (
            Decision::ExplicitDeny,
            Stage::AccountLevelIdentityBasedPolicy
        )
    );
}

#[test]
fn e4_resource_claimed_by_two_groups_is_an_error() {
    let a = account(&with_policies(&format!(
        r#", "users": {{"u": {{}}}}, "resource_groups": {{"a": ["acs:ecs:*:{ID}:imagepipeline/*"], "b": ["acs:ecs:*:{ID}:imagepipeline/ip-1"]}}"#
    )));
    let p = Principal::parse("user/u", ID).expect("principal");
    assert!(matches!(
        a.decide(&p, None, &cancel(&pipeline("cn-hangzhou", "ip-1"))),
        Err(DecideError::ResourceInTwoGroups { .. })
    ));
}

#[test]
fn e5_explicit_deny_names_control_policy_statement() {
    let a = account(&directory(
        &format!(
            r#"[{{"name": "{ID}", "control_policies": ["FullAliyunAccess", "DenyHongKong"]}}]"#
        ),
        false,
    ));
    let p = Principal::parse("user/u", ID).expect("principal");
    let outcome = a
        .decide(&p, None, &cancel(&pipeline("cn-hongkong", "ip-1")))
        .expect("decides");
    assert_eq!(outcome.deciding().len(), 1);
    assert_eq!(outcome.deciding()[0].policy(), "DenyHongKong");
    assert_eq!(outcome.deciding()[0].index(), 0);
}

#[test]
fn e6_bad_context_value_is_an_error_not_a_decision() {
    let a = account(&format!(
        r#"{{"account_id": "{ID}", "policies": {{"P": {{"Version": "1", "Statement": [{{"Effect": "Allow",
            "Action": "ecs:*", "Resource": "*", "Condition": {{"NumericLessThan": {{"ecs:Count": "5"}}}}}}]}}}},
        "users": {{"u": {{"policies": ["P"]}}}}}}"#
    ));
    let mut context = Context::new();
    context.insert("ecs:Count", "many").expect("free-form key");
    let p = Principal::parse("user/u", ID).expect("principal");
    let result = a.decide(
        &p,
        None,
        &cancel(&pipeline("cn-hangzhou", "ip-1")).with_context(context),
    );
    assert!(matches!(result, Err(DecideError::Evaluation(_))));
}

#[test]
fn who_can_lists_allowed_first_then_in_principal_order() {
    let a = account(&with_policies(
        r#", "users": {"zed": {"policies": ["AllowCancel"]}, "amy": {}},
            "roles": {"builder": {"policies": ["AllowCancel"]}}"#,
    ));
    let list = a
        .who_can(&cancel(&pipeline("cn-hangzhou", "ip-1")))
        .expect("decides");
    let names: Vec<(&str, bool)> = list
        .iter()
        .map(|d| (d.principal.as_str(), d.outcome.decision().is_allowed()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("acs:ram::1234567890123456:root", true),
            ("acs:ram::1234567890123456:user/zed", true),
            ("acs:ram::1234567890123456:role/builder", true),
            ("acs:ram::1234567890123456:user/amy", false),
        ]
    );
}

#[test]
fn principal_forms() {
    let cases = [
        ("root", Principal::Root),
        ("user/alice", Principal::User("alice".into())),
        ("role/deployer", Principal::Role("deployer".into())),
        (
            "assumed-role/deployer/s1",
            Principal::RoleSession {
                role: "deployer".into(),
                session: "s1".into(),
            },
        ),
        ("acs:ram::1234567890123456:root", Principal::Root),
        (
            "acs:ram::1234567890123456:user/alice",
            Principal::User("alice".into()),
        ),
        (
            "acs:ram::1234567890123456:role/deployer",
            Principal::Role("deployer".into()),
        ),
        (
            "acs:sts::1234567890123456:assumed-role/deployer/s1",
            Principal::RoleSession {
                role: "deployer".into(),
                session: "s1".into(),
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(Principal::parse(text, ID).expect(text), expected, "{text}");
    }
}

#[test]
fn principal_errors() {
    for bad in [
        "acs:ram::999:user/alice",
        "acs:sts::1234567890123456:user/alice",
        "user/",
        "user/a/b",
        "group/ops",
        "acs:ram:cn-hangzhou:1234567890123456:root",
        "user/bad name",
    ] {
        assert!(
            Principal::parse(bad, ID).is_err(),
            "{bad} should be rejected"
        );
    }
}

#[test]
fn unknown_principal_is_an_error_with_suggestion() {
    let a = account(&with_policies(r#", "users": {"alice": {}}"#));
    let p = Principal::parse("user/alcie", ID).expect("well-formed");
    let err = a
        .decide(&p, None, &cancel(&pipeline("cn-hangzhou", "ip-1")))
        .expect_err("unknown");
    assert!(err.to_string().contains("did you mean `alice`"), "{err}");
}

fn assert_load_error(json: &str, line: usize, needle: &str) {
    let err = load_err(json);
    let text = format!("{err}; {}", err.help().unwrap_or_default());
    assert!(text.contains(needle), "expected `{needle}` in `{text}`");
    match err {
        AccountError::Invalid { position, .. } => assert_eq!(position.line, line, "{text}"),
        AccountError::Policy(p) => assert_eq!(p.position().line, line, "{text}"),
        AccountError::Read(_) => panic!("unexpected read error: {text}"),
    }
}

#[test]
fn load_rejects_missing_account_id() {
    assert_load_error("{}", 1, "no `account_id`");
}

#[test]
fn load_rejects_non_numeric_account_id() {
    assert_load_error(r#"{"account_id": "12ab"}"#, 1, "numeric account ID");
    assert_load_error(r#"{"account_id": 123}"#, 1, "must be a string");
}

#[test]
fn load_rejects_unknown_top_level_key() {
    assert_load_error(
        "{\"account_id\": \"1\",\n \"user\": {}}",
        2,
        "did you mean `users`",
    );
}

#[test]
fn load_rejects_unknown_user_key() {
    assert_load_error(
        "{\"account_id\": \"1\",\n \"users\": {\"u\": {\"group\": []}}}",
        2,
        "unknown key `group`",
    );
}

#[test]
fn load_rejects_duplicate_keys() {
    assert_load_error(
        "{\"account_id\": \"1\",\n \"users\": {},\n \"users\": {}}",
        3,
        "duplicate key `users`",
    );
}

#[test]
fn load_rejects_dangling_group() {
    assert_load_error(
        "{\"account_id\": \"1\",\n \"groups\": {\"ops\": {}},\n \"users\": {\"u\": {\"groups\": [\"opz\"]}}}",
        3,
        "did you mean `ops`",
    );
}

#[test]
fn load_rejects_unknown_policy_with_suggestion() {
    assert_load_error(
        "{\"account_id\": \"1\",\n \"users\": {\"u\": {\"policies\": [\"AliyunECSFullAcess\"]}}}",
        2,
        "did you mean `AliyunECSFullAccess`",
    );
}

#[test]
fn load_rejects_dangling_resource_group() {
    assert_load_error(
        "{\"account_id\": \"1\",\n \"users\": {\"u\": {\"policies\": [{\"policy\": \"AdministratorAccess\", \"resource_group\": \"rg-x\"}]}}}",
        2,
        "resource group `rg-x` does not exist",
    );
}

#[test]
fn load_rejects_invalid_names() {
    assert_load_error(
        "{\"account_id\": \"1\",\n \"users\": {\"bad name\": {}}}",
        2,
        "invalid user name",
    );
    assert_load_error(
        "{\"account_id\": \"1\",\n \"policies\": {\"bad_name\": {}}}",
        2,
        "invalid policy name",
    );
}

#[test]
fn load_rejects_control_policy_as_identity_and_back() {
    assert_load_error(
        "{\"account_id\": \"1\",\n \"roles\": {\"r\": {\"policies\": [\"FullAliyunAccess\"]}}}",
        2,
        "is a control policy",
    );
    assert_load_error(
        "{\"account_id\": \"1\",\n \"resource_directory\": {\"path\": [{\"name\": \"1\", \"control_policies\": [\"AliyunECSFullAccess\"]}]}}",
        2,
        "is an identity policy",
    );
}

#[test]
fn load_rejects_flags_that_are_not_booleans() {
    let err =
        load_err("{\"account_id\": \"1\",\n \"roles\": {\"r\": {\"service_linked\": \"yes\"}}}");
    assert_eq!(
        err.to_string(),
        "account.json:2:36: `service_linked` must be `true` or `false`"
    );
    assert_eq!(err.help(), None);
    let err = load_err(
        "{\"account_id\": \"1\",\n \"resource_directory\": {\"management_account\": 1, \"path\": []}}",
    );
    assert_eq!(
        err.to_string(),
        "account.json:2:47: `management_account` must be `true` or `false`"
    );
    assert_eq!(err.help(), None);
}

#[test]
fn load_rejects_directory_path_not_ending_at_the_account() {
    assert_load_error(
        "{\"account_id\": \"1\",\n \"resource_directory\": {\"path\": [{\"name\": \"Root\", \"control_policies\": []}]}}",
        2,
        "must be the account itself",
    );
}

#[test]
fn load_reports_inline_policy_errors_at_account_file_positions() {
    let json = "{\"account_id\": \"1\",\n \"policies\": {\"P\": {\"Version\": \"1\",\n   \"Statement\": [{\"Effect\": \"allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}}}";
    let err = load_err(json);
    let AccountError::Policy(p) = err else {
        panic!("policy error expected")
    };
    assert_eq!((p.position().line, p.position().column), (3, 29));
    assert_eq!(p.file(), Some("account.json"));
}

#[test]
fn load_reports_invalid_json_position() {
    assert_load_error("{\"account_id\": \"1\",\n}", 1, "trailing comma");
}

#[test]
fn load_reports_unreadable_policy_file() {
    let err = load_err("{\"account_id\": \"1\",\n \"policies\": {\"P\": \"no/such/file.json\"}}");
    assert!(err.to_string().contains("cannot read policy `P`"), "{err}");
}

#[test]
fn load_reports_first_faulty_policy_file_in_document_order() {
    // Enough files that they are read on several threads; the faults come late and early in
    // the work list, and an earlier entry's bad name must still win over both.
    let dir = tempfile::tempdir().expect("temp dir");
    let good =
        r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
    let mut entries = Vec::new();
    for i in 0..64 {
        let text = match i {
            40 => "{\"Version\": \"1\",\n \"Statement\": [}",
            50 => "{\"Version\": \"2\", \"Statement\": []}",
            _ => good,
        };
        std::fs::write(dir.path().join(format!("p{i}.json")), text).expect("write");
        entries.push(format!("\"P{i}\": \"p{i}.json\""));
    }
    // The same file named twice is one policy.
    entries.push("\"Again\": \"p1.json\"".to_owned());
    let load = |entries: &[String]| {
        let json = format!(
            "{{\"account_id\": \"1\", \"policies\": {{{}}}}}",
            entries.join(", ")
        );
        Account::from_json(&json, Some(dir.path()), Some("account.json"))
    };
    let err = load(&entries).expect_err("p40 is broken");
    let shown = dir.path().join("p40.json").display().to_string();
    assert!(
        matches!(&err, AccountError::Policy(e) if e.file() == Some(shown.as_str())),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        crate::policy::Policy::parse(
            &std::fs::read_to_string(dir.path().join("p40.json")).expect("read")
        )
        .expect_err("broken")
        .with_file(&shown)
        .to_string()
    );
    entries.insert(30, "\"bad name!\": \"p2.json\"".to_owned());
    let err = load(&entries).expect_err("bad name");
    assert!(
        err.to_string().contains("invalid policy name `bad name!`"),
        "{err}"
    );
}

#[test]
fn example_account_exercises_every_stage() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/example-account.json");
    let a = Account::load(path).expect("example account loads");
    let hz = |id: &str| pipeline("cn-hangzhou", id);
    assert_eq!(decide(&a, "root", &hz("ip-1")).1, Stage::AccountOwner);
    assert_eq!(
        decide(&a, "user/alice", &hz("ip-1")),
        (Decision::Allow, Stage::AccountLevelIdentityBasedPolicy)
    );
    assert_eq!(
        decide(&a, "user/bob", &hz("ip-prod-1")).0,
        Decision::ExplicitDeny
    );
    assert_eq!(
        decide(&a, "user/alice", &pipeline("ap-southeast-1", "ip-1")),
        (Decision::ExplicitDeny, Stage::ControlPolicy)
    );
    assert_eq!(
        decide(&a, "user/carol", &hz("ip-dev-1")),
        (
            Decision::Allow,
            Stage::ResourceGroupLevelIdentityBasedPolicy
        )
    );
    assert_eq!(
        decide(
            &a,
            "user/alice",
            "acs:ecs:cn-hangzhou:999:imagepipeline/ip-1"
        )
        .1,
        Stage::CrossAccount
    );
}

#[test]
fn load_reports_inline_policy_errors_on_the_documents_first_line() {
    let json =
        "{\"account_id\": \"1\", \"policies\": {\"P\": {\"Version\": 1, \"Statement\": []}}}";
    let AccountError::Policy(p) = load_err(json) else {
        panic!("policy error expected")
    };
    assert_eq!((p.position().line, p.position().column), (1, 51));
}

#[test]
fn load_keeps_inline_policy_statement_positions() {
    let json = "{\"account_id\": \"1\",\n  \"policies\": {\"P\": {\"Version\": \"1\", \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}},\n  \"users\": {\"u\": {\"policies\": [\"P\"]}}}";
    let a = account(json);
    let p = Principal::parse("user/u", "1").expect("principal");
    let outcome = a
        .decide(
            &p,
            None,
            &cancel("acs:ecs:cn-hangzhou:1:imagepipeline/ip-1"),
        )
        .expect("decides");
    assert_eq!(outcome.deciding()[0].position().to_string(), "3:5");
}

/// Every fault the linter's check records, in order; the account as far as it was read.
fn check(json: &str) -> (Vec<AccountError>, Option<Account>) {
    let (faults, account) = Account::check_snapshot(
        json.as_bytes(),
        None,
        Some("account.json"),
        crate::read::DEFAULT_MAX_FILE_SIZE,
    );
    (faults.into_iter().map(|f| f.error).collect(), account)
}

/// Files with several faults each: loading stops at the first the check records, with the
/// same error, so `lint` and `check --account` are one validation.
const FAULTY: [&str; 5] = [
    r#"{"account_id": "1234567890123456", "users": {"alice": {"group": ["ops"]}, "bob": {"groups": ["opz"]}}, "groups": {"ops": {}}}"#,
    r#"{"account_id": "x", "users": {"u": {"policies": ["NoSuch", {"policy": "AliyunECSFullAccess", "resource_group": "rg"}]}}}"#,
    r#"{"account_id": "1", "policies": {"bad name": {"Version": "1", "Statement": []}, "Ok": 3}, "roles": {"r": {"service_linked": "yes", "policies": ["bad name", "Ok"]}}}"#,
    r#"{"account_id": "1", "resource_directory": {"path": [{"name": "root", "control_policies": ["AliyunECSFullAccess"]}, {"name": "2", "control_policies": []}]}}"#,
    r#"{"account_id": "1", "resource_groups": {"": ["oss:x", 3]}, "userz": {}, "account_id": "2"}"#,
];

#[test]
fn loading_stops_at_the_first_fault_the_check_records() {
    for json in FAULTY {
        let (faults, _) = check(json);
        assert!(faults.len() >= 2, "{json}: {faults:#?}");
        assert_eq!(faults.first(), Some(&load_err(json)), "{json}");
    }
}

#[test]
fn the_check_goes_on_past_a_fault_without_repeating_what_follows_from_it() {
    let (faults, account) = check(FAULTY[0]);
    let messages: Vec<String> = faults.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "account.json:1:56: unknown key `group` in user `alice`",
            "account.json:1:94: user `bob` is in group `opz`, which does not exist",
        ]
    );
    assert!(account.is_some());
    // A policy defined with a fault is not also an unknown policy where it is attached.
    let (faults, _) = check(FAULTY[2]);
    assert!(
        faults
            .iter()
            .all(|f| !f.to_string().contains("unknown policy")),
        "{faults:#?}"
    );
    // `groups` that cannot be read: a user's group is not reported as missing.
    let (faults, _) =
        check(r#"{"account_id": "1", "groups": [], "users": {"u": {"groups": ["g"]}}}"#);
    assert_eq!(faults.len(), 1, "{faults:#?}");
}

#[test]
fn a_valid_account_has_no_fault_when_checked() {
    let text = std::fs::read_to_string("policies/example-account.json").expect("example");
    let (faults, account) = Account::check_snapshot(
        text.as_bytes(),
        Some(std::path::Path::new("policies")),
        None,
        crate::read::DEFAULT_MAX_FILE_SIZE,
    );
    assert!(faults.is_empty(), "{faults:#?}");
    assert!(account.is_some());
}

#[test]
fn e4_two_groups_error_names_the_second_claim() {
    let a = account(&format!(
        "{{\"account_id\": \"{ID}\", \"users\": {{\"u\": {{}}}},\n \"resource_groups\": {{\"a\": [\"acs:ecs:*:{ID}:imagepipeline/*\"],\n  \"b\": [\"acs:ecs:*:{ID}:instance/*\", \"acs:ecs:*:{ID}:imagepipeline/ip-1\"]}}}}"
    ));
    let p = Principal::parse("user/u", ID).expect("principal");
    let err = a
        .decide(&p, None, &cancel(&pipeline("cn-hangzhou", "ip-1")))
        .expect_err("two groups");
    assert!(
        err.to_string()
            .starts_with("account.json:3:50: the resource `acs:ecs:cn-hangzhou:"),
        "{err}"
    );
    let compiled = crate::authorizer::Authorizer::compile(&a).expect("compiles");
    let resource = pipeline("cn-hangzhou", "ip-1");
    let request =
        crate::authorizer::AuthRequest::new("ecs:CancelImagePipelineExecution", &resource)
            .expect("request");
    let compiled_err = compiled
        .who_can(&request)
        .map(|_| ())
        .expect_err("two groups");
    assert_eq!(compiled_err.to_string(), err.to_string());
}

// How a policy reached the principal (E2, E4), fixed at load time per attachment and level.

fn deciding_via(account: &Account, principal: &str, resource: &str) -> Vec<crate::decision::Via> {
    let p = Principal::parse(principal, account.id()).expect("principal");
    let outcome = account
        .decide(&p, None, &cancel(resource))
        .expect("decides");
    outcome
        .deciding()
        .iter()
        .map(|s| s.via().cloned().expect("the reference evaluator explains"))
        .collect()
}

#[test]
fn e2_a_policy_attached_to_the_user_and_to_its_group_is_named_once_per_route() {
    let a = account(&format!(
        r#"{{"account_id": "{ID}",
            "users": {{"alice": {{"groups": ["ops"], "policies": ["AliyunECSFullAccess"]}}}},
            "groups": {{"ops": {{"policies": ["AliyunECSFullAccess"]}}}}}}"#
    ));
    let routes: Vec<Route> = deciding_via(&a, "user/alice", &pipeline("cn-hangzhou", "ip-1"))
        .into_iter()
        .map(|v| v.route().clone())
        .collect();
    assert_eq!(
        routes,
        [Route::User("alice".into()), Route::Group("ops".into())]
    );
}

#[test]
fn e4_3_a_scoped_attachment_names_its_resource_group() {
    let a = account(&format!(
        r#"{{"account_id": "{ID}",
            "users": {{"carol": {{"policies": [{{"policy": "AliyunECSFullAccess", "resource_group": "rg-dev"}}]}}}},
            "resource_groups": {{"rg-dev": ["acs:ecs:*:*:imagepipeline/ip-dev*"]}}}}"#
    ));
    let via = deciding_via(&a, "user/carol", &pipeline("cn-hangzhou", "ip-dev-1"));
    assert_eq!(via[0].route(), &Route::User("carol".into()));
    assert_eq!(via[0].resource_group(), Some("rg-dev"));
    assert!(via[0].is_system_policy());
}

#[test]
fn e4_1_a_lone_level_is_the_account() {
    let a = account(&format!(
        r#"{{"account_id": "{ID}",
            "policies": {{"NoCancel": {{"Version": "1", "Statement": [
                {{"Effect": "Deny", "Action": "ecs:Cancel*", "Resource": "*"}}]}}}},
            "users": {{"alice": {{"policies": ["AliyunECSFullAccess"]}}}},
            "resource_directory": {{"path": [{{"name": "{ID}", "control_policies": ["FullAliyunAccess", "NoCancel"]}}]}}}}"#
    ));
    let via = deciding_via(&a, "user/alice", &pipeline("cn-hangzhou", "ip-1"));
    assert_eq!(
        via[0].route(),
        &Route::ControlPolicy(crate::decision::Level::Account(ID.into()))
    );
}
