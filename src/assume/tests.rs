use super::*;
use crate::policy::PolicyErrorKind;

const A: &str = "1111111111111111";
const B: &str = "2222222222222222";

/// Account A: `alice` may assume any role, `bob` may not, `ops` may assume roles but is denied
/// them in B, `chain` (a role) may assume any role.
fn account_a() -> Account {
    account(&format!(
        r#"{{"account_id": "{A}",
  "policies": {{
    "assume": {{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}}]}},
    "no-b": {{"Version": "1", "Statement": [{{"Sid": "NoB", "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "acs:ram::{B}:role/*"}}]}}
  }},
  "users": {{"alice": {{"policies": ["assume"]}}, "bob": {{}}, "ops": {{"policies": ["assume", "no-b"]}}}},
  "roles": {{"chain": {{"policies": ["assume"]}}}}
}}"#
    ))
}

fn trust(statements: &str) -> String {
    format!(r#"{{"Version": "1", "Statement": [{statements}]}}"#)
}

/// Account B with role `deployer` trusting `trust_statements`, plus `linked` (service-linked,
/// trusting all of A) and `bare` (no trust policy).
fn account_b(trust_statements: &str) -> Account {
    account(&format!(
        r#"{{"account_id": "{B}",
  "roles": {{
    "deployer": {{"trust_policy": {}}},
    "linked": {{"service": "ecs.aliyuncs.com", "trust_policy": {}}},
    "bare": {{}}
  }}
}}"#,
        trust(trust_statements),
        trust(&format!(
            r#"{{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {{"RAM": "acs:ram::{A}:root", "Service": "ecs.aliyuncs.com"}}}}"#
        )),
    ))
}

fn account(text: &str) -> Account {
    Account::from_json(text, None, Some("account.json"))
        .unwrap_or_else(|e| panic!("account should load: {e}"))
}

fn allow_root_of_a() -> String {
    format!(
        r#"{{"Sid": "TrustA", "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {{"RAM": ["acs:ram::{A}:root"]}}}}"#
    )
}

fn decide(
    accounts: &Accounts,
    who: &str,
    role_arn: &str,
) -> Result<AssumeRoleDecision, AssumeError> {
    decide_with(accounts, who, role_arn, &[])
}

fn decide_with(
    accounts: &Accounts,
    who: &str,
    role_arn: &str,
    context: &[&str],
) -> Result<AssumeRoleDecision, AssumeError> {
    let (account, principal) = accounts.principal(who)?;
    let mut ctx = crate::decision::Context::new();
    for pair in context {
        ctx.insert_pair(pair).expect("context pair");
    }
    let request = Request::new("sts:AssumeRole", role_arn)
        .expect("request")
        .with_context(ctx);
    accounts.decide_assume_role(account, &principal, None, &request)
}

fn verdict(
    d: &AssumeRoleDecision,
) -> (Decision, &'static str, Vec<(Option<&'static str>, String)>) {
    let o = d.outcome();
    (
        o.decision(),
        o.stage().name(),
        o.deciding()
            .iter()
            .map(|s| (s.side().map(Side::name), s.policy().to_owned()))
            .collect(),
    )
}

fn user(account: &str, name: &str) -> String {
    format!("acs:ram::{account}:user/{name}")
}

fn role(account: &str, name: &str) -> String {
    format!("acs:ram::{account}:role/{name}")
}

fn both(trust_statements: &str) -> Accounts {
    Accounts::new([account_a(), account_b(trust_statements)]).expect("accounts")
}

#[test]
fn t3_cross_account_allowed_on_both_sides_at_assume_role_policy() {
    let accounts = both(&allow_root_of_a());
    let d = decide(&accounts, &user(A, "alice"), &role(B, "deployer")).unwrap();
    assert_eq!(
        verdict(&d),
        (
            Decision::Allow,
            "AssumeRolePolicy",
            vec![
                (Some("caller"), "assume".to_owned()),
                (Some("trust"), "role/deployer trust policy".to_owned())
            ]
        )
    );
    assert!(d.unlisted().is_empty());
}

#[test]
fn t3_e3_does_not_apply_to_the_caller_side() {
    // Without T3's exception, E3 would deny alice at CrossAccount.
    let accounts = both(&allow_root_of_a());
    let d = decide(&accounts, &user(A, "alice"), &role(B, "deployer")).unwrap();
    assert_ne!(d.outcome().stage(), Stage::CrossAccount);
}

#[test]
fn t3a_caller_side_implicit_deny_is_reported_at_the_caller_stage() {
    let accounts = both(&allow_root_of_a());
    let d = decide(&accounts, &user(A, "bob"), &role(B, "deployer")).unwrap();
    assert_eq!(
        verdict(&d),
        (
            Decision::ImplicitDeny,
            "AccountLevelIdentityBasedPolicy",
            vec![]
        )
    );
}

#[test]
fn t3a_caller_side_explicit_deny_names_its_statement_as_caller() {
    let accounts = both(&allow_root_of_a());
    let d = decide(&accounts, &user(A, "ops"), &role(B, "deployer")).unwrap();
    assert_eq!(
        verdict(&d),
        (
            Decision::ExplicitDeny,
            "AccountLevelIdentityBasedPolicy",
            vec![(Some("caller"), "no-b".to_owned())]
        )
    );
}

#[test]
fn t2_trust_not_naming_the_caller_is_implicit_deny_at_assume_role_policy() {
    let accounts = both(&format!(
        r#"{{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {{"RAM": "{}"}}}}"#,
        user(A, "carol")
    ));
    let d = decide(&accounts, &user(A, "alice"), &role(B, "deployer")).unwrap();
    assert_eq!(
        verdict(&d),
        (Decision::ImplicitDeny, "AssumeRolePolicy", vec![])
    );
}

#[test]
fn t2_user_arn_names_that_user() {
    let accounts = both(&format!(
        r#"{{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {{"RAM": "{}"}}}}"#,
        user(A, "alice")
    ));
    let d = decide(&accounts, &user(A, "alice"), &role(B, "deployer")).unwrap();
    assert_eq!(d.outcome().decision(), Decision::Allow);
}

#[test]
fn t2_matching_is_case_sensitive() {
    let accounts = both(&format!(
        r#"{{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {{"RAM": "{}"}}}}"#,
        user(A, "Alice")
    ));
    let d = decide(&accounts, &user(A, "alice"), &role(B, "deployer")).unwrap();
    assert_eq!(d.outcome().decision(), Decision::ImplicitDeny);
}

#[test]
fn t2_service_and_federated_name_no_ram_principal() {
    let accounts = both(
        r#"{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ecs.aliyuncs.com", "Federated": "*"}}"#,
    );
    let d = decide(&accounts, &user(A, "alice"), &role(B, "deployer")).unwrap();
    assert_eq!(d.outcome().decision(), Decision::ImplicitDeny);
}

#[test]
fn t2_trust_action_is_matched_against_sts_assume_role() {
    let accounts = both(&format!(
        r#"{{"Effect": "Allow", "Action": "sts:Get*", "Principal": {{"RAM": "acs:ram::{A}:root"}}}}"#
    ));
    let d = decide(&accounts, &user(A, "alice"), &role(B, "deployer")).unwrap();
    assert_eq!(d.outcome().decision(), Decision::ImplicitDeny);
}

#[test]
fn t2_trust_deny_naming_the_caller_is_explicit_deny() {
    let accounts = both(&format!(
        r#"{},{{"Sid": "NoAlice", "Effect": "Deny", "Action": "sts:AssumeRole", "Principal": {{"RAM": "{}"}}}}"#,
        allow_root_of_a(),
        user(A, "alice")
    ));
    let d = decide(&accounts, &user(A, "alice"), &role(B, "deployer")).unwrap();
    assert_eq!(
        verdict(&d),
        (
            Decision::ExplicitDeny,
            "AssumeRolePolicy",
            vec![(Some("trust"), "role/deployer trust policy".to_owned())]
        )
    );
    assert_eq!(d.outcome().deciding()[0].sid(), Some("NoAlice"));
}

#[test]
fn t2_trust_conditions_hold_or_not() {
    let accounts = both(&format!(
        r#"{{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {{"RAM": "acs:ram::{A}:root"}}, "Condition": {{"IpAddress": {{"acs:SourceIp": "10.0.0.0/8"}}}}}}"#
    ));
    let inside = decide_with(
        &accounts,
        &user(A, "alice"),
        &role(B, "deployer"),
        &["acs:SourceIp=10.1.2.3"],
    )
    .unwrap();
    assert_eq!(inside.outcome().decision(), Decision::Allow);
    let outside = decide_with(
        &accounts,
        &user(A, "alice"),
        &role(B, "deployer"),
        &["acs:SourceIp=192.168.0.1"],
    )
    .unwrap();
    assert_eq!(outside.outcome().decision(), Decision::ImplicitDeny);
}

#[test]
fn t3a_principal_arn_on_the_trust_side_comes_from_the_caller() {
    let accounts = both(&format!(
        r#"{{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {{"RAM": "acs:ram::{A}:root"}}, "Condition": {{"StringEquals": {{"acs:PrincipalARN": "{}"}}}}}}"#,
        role(A, "chain")
    ));
    // The request claims chain's ARN; alice is still alice.
    let alice = decide_with(
        &accounts,
        &user(A, "alice"),
        &role(B, "deployer"),
        &[&format!("acs:PrincipalARN={}", role(A, "chain"))],
    )
    .unwrap();
    assert_eq!(alice.outcome().decision(), Decision::ImplicitDeny);
    // A session of chain has chain's ARN (role chaining).
    let session = decide(
        &accounts,
        &format!("acs:ram::{A}:assumed-role/chain/s1"),
        &role(B, "deployer"),
    )
    .unwrap();
    assert_eq!(session.outcome().decision(), Decision::Allow);
}

#[test]
fn t2_role_arn_names_its_sessions_role_chaining() {
    let accounts = both(&format!(
        r#"{{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {{"RAM": "{}"}}}}"#,
        role(A, "chain")
    ));
    let d = decide(
        &accounts,
        &format!("acs:ram::{A}:assumed-role/chain/s1"),
        &role(B, "deployer"),
    )
    .unwrap();
    assert_eq!(d.outcome().decision(), Decision::Allow);
    let alice = decide(&accounts, &user(A, "alice"), &role(B, "deployer")).unwrap();
    assert_eq!(alice.outcome().decision(), Decision::ImplicitDeny);
}

#[test]
fn t3_owner_side_is_always_allow() {
    let accounts = both(&allow_root_of_a());
    let d = decide(
        &accounts,
        &format!("acs:ram::{A}:root"),
        &role(B, "deployer"),
    )
    .unwrap();
    assert_eq!(
        verdict(&d),
        (
            Decision::Allow,
            "AssumeRolePolicy",
            vec![(Some("trust"), "role/deployer trust policy".to_owned())]
        )
    );
}

#[test]
fn t3_service_linked_role_is_denied_to_every_ram_principal_and_owner() {
    let accounts = both(&allow_root_of_a());
    for who in [
        user(A, "alice"),
        format!("acs:ram::{A}:root"),
        format!("acs:ram::{A}:assumed-role/chain/s"),
    ] {
        let d = decide(&accounts, &who, &role(B, "linked")).unwrap();
        assert_eq!(
            verdict(&d),
            (Decision::ImplicitDeny, "AssumeRolePolicy", vec![]),
            "{who}"
        );
    }
}

#[test]
fn t3a_role_without_trust_policy_is_assumed_by_nobody() {
    let accounts = both(&allow_root_of_a());
    let d = decide(&accounts, &user(A, "alice"), &role(B, "bare")).unwrap();
    assert_eq!(
        verdict(&d),
        (Decision::ImplicitDeny, "AssumeRolePolicy", vec![])
    );
}

#[test]
fn t3_same_account() {
    let a = account(&format!(
        r#"{{"account_id": "{A}",
  "policies": {{"assume": {{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "acs:ram::{A}:role/*"}}]}}}},
  "users": {{"alice": {{"policies": ["assume"]}}}},
  "roles": {{"deployer": {{"trust_policy": {}}}}}
}}"#,
        trust(&allow_root_of_a())
    ));
    let accounts = Accounts::new([a]).unwrap();
    // One account: the short form works.
    let d = decide(&accounts, "user/alice", &role(A, "deployer")).unwrap();
    assert_eq!(d.outcome().decision(), Decision::Allow);
}

#[test]
fn t3a_role_missing_from_its_snapshot_is_an_input_error() {
    let accounts = both(&allow_root_of_a());
    let e = decide(&accounts, &user(A, "alice"), &role(B, "deployr")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "account `2222222222222222` has no role `deployr`; did you mean `deployer`?"
    );
}

#[test]
fn t3a_role_of_an_account_without_snapshot_is_an_input_error() {
    let accounts = Accounts::new([account_a()]).unwrap();
    let e = decide(&accounts, "user/alice", &role(B, "deployer")).unwrap_err();
    assert!(matches!(e, AssumeError::NoSnapshot { .. }), "{e}");
}

#[test]
fn t6_two_snapshots_of_one_account_are_an_input_error() {
    let e = Accounts::new([account_a(), account_a()]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "two snapshots of account `1111111111111111` are given; give each account once"
    );
}

#[test]
fn t6_several_accounts_need_full_arns() {
    let accounts = both(&allow_root_of_a());
    let e = accounts.principal("user/alice").unwrap_err();
    assert!(e.to_string().contains("give the full ARN"), "{e}");
    let e = accounts
        .principal("acs:ram::3333333333333333:user/alice")
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("account `3333333333333333` has no snapshot"),
        "{e}"
    );
}

#[test]
fn t6_trust_naming_an_account_without_snapshot_reports_unlisted_principals() {
    let accounts = both(&format!(
        r#"{},{{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {{"RAM": ["acs:ram::3333333333333333:root", "acs:ram::*:user/ci"]}}}}"#,
        allow_root_of_a()
    ));
    let d = decide(&accounts, &user(A, "alice"), &role(B, "deployer")).unwrap();
    let unlisted: Vec<(String, usize)> = d
        .unlisted()
        .iter()
        .map(|u| (u.account.clone(), u.index))
        .collect();
    assert_eq!(
        unlisted,
        [("3333333333333333".to_owned(), 1), ("*".to_owned(), 1)]
    );
    assert!(d.unlisted()[0]
        .to_string()
        .contains("statement 1 of the trust policy of role `deployer` names unlisted principals of account `3333333333333333`"));
}

#[test]
fn t6_pipeline_of_another_account_is_still_cross_account() {
    let accounts = both(&allow_root_of_a());
    let request = Request::new(
        "ecs:CancelImagePipelineExecution",
        &format!("acs:ecs:cn-hangzhou:{B}:imagepipeline/ip-1"),
    )
    .unwrap();
    let decisions = accounts.who_can(&request).unwrap();
    let alice = decisions
        .iter()
        .find(|d| d.principal == user(A, "alice"))
        .unwrap();
    assert_eq!(alice.outcome.stage(), Stage::CrossAccount);
}

#[test]
fn t6_who_can_assume_lists_principals_of_every_account() {
    let accounts = both(&allow_root_of_a());
    let request = Request::new("sts:AssumeRole", &role(B, "deployer")).unwrap();
    let decisions = accounts.who_can(&request).unwrap();
    let allowed: Vec<&str> = decisions
        .iter()
        .filter(|d| d.outcome.decision().is_allowed())
        .map(|d| d.principal.as_str())
        .collect();
    assert_eq!(
        allowed,
        [
            format!("acs:ram::{A}:root"),
            user(A, "alice"),
            role(A, "chain")
        ]
    );
    // B's owner has its own side, but the trust policy does not name it.
    assert!(decisions
        .iter()
        .any(|d| d.principal == format!("acs:ram::{B}:root")));
}

#[test]
fn t1_malformed_trust_policy_makes_the_account_invalid() {
    for (principal, kind) in [
        (r#""*""#, PolicyErrorKind::InvalidType),
        (r#"{"RAM": []}"#, PolicyErrorKind::EmptyValue),
        (r#"{"Ram": "acs:ram::1:root"}"#, PolicyErrorKind::UnknownKey),
    ] {
        let text = format!(
            r#"{{"account_id": "{B}", "roles": {{"r": {{"trust_policy": {}}}}}}}"#,
            trust(&format!(
                r#"{{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {principal}}}"#
            ))
        );
        let e = Account::from_json(&text, None, Some("b.json")).unwrap_err();
        match e {
            crate::account::AccountError::Policy(p) => {
                assert_eq!(p.kind(), kind, "{principal}");
                assert_eq!(p.file(), Some("b.json"));
                assert_eq!(p.position().line, 1);
            }
            other => panic!("{principal}: {other}"),
        }
    }
}

#[test]
fn t1_trust_policy_with_resource_or_without_principal_is_invalid() {
    for statement in [
        r#"{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*", "Principal": {"RAM": "acs:ram::1:root"}}"#,
        r#"{"Effect": "Allow", "Action": "sts:AssumeRole"}"#,
    ] {
        let text = format!(
            r#"{{"account_id": "{B}", "roles": {{"r": {{"trust_policy": {}}}}}}}"#,
            trust(statement)
        );
        assert!(
            Account::from_json(&text, None, None).is_err(),
            "{statement}"
        );
    }
}

#[test]
fn t1_service_must_be_a_service_name() {
    let text = format!(r#"{{"account_id": "{B}", "roles": {{"r": {{"service": "ecs"}}}}}}"#);
    let e = Account::from_json(&text, None, None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "1:63: `service` must be a cloud service's name, found `ecs`"
    );
    let ok = account(&format!(
        r#"{{"account_id": "{B}", "roles": {{"r": {{"service": "ecs.aliyuncs.com"}}}}}}"#
    ));
    assert!(ok.is_service_linked("r"));
    assert_eq!(ok.service_of("r"), Some("ecs.aliyuncs.com"));
}

#[test]
fn t3_assume_role_needs_a_role_arn() {
    let accounts = both(&allow_root_of_a());
    let e = decide(
        &accounts,
        &user(A, "alice"),
        &format!("acs:ram::{B}:user/x"),
    )
    .unwrap_err();
    assert!(matches!(e, AssumeError::NotARole(_)), "{e}");
}
