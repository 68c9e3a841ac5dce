use super::*;
use crate::account::{Account, Principal};
use crate::assume::Accounts;
use crate::decision::{Decision, Request};

const A: &str = "1111111111111111";
const B: &str = "2222222222222222";
const CANCEL: &str = "ecs:CancelImagePipelineExecution";

fn account(text: &str) -> Account {
    Account::from_json(text, None, Some("account.json"))
        .unwrap_or_else(|e| panic!("account should load: {e}\n{text}"))
}

fn accounts(list: Vec<Account>) -> Accounts {
    Accounts::new(list).unwrap_or_else(|e| panic!("accounts: {e}"))
}

fn policy(statements: &str) -> String {
    format!(r#"{{"Version": "1", "Statement": [{statements}]}}"#)
}

fn cancel(effect: &str, resource: &str, condition: &str) -> String {
    let condition = if condition.is_empty() {
        String::new()
    } else {
        format!(r#", "Condition": {condition}"#)
    };
    format!(
        r#"{{"Effect": "{effect}", "Action": "{CANCEL}", "Resource": "{resource}"{condition}}}"#
    )
}

/// Account A: `alice` may cancel `prod-*` from 10.0.0.0/8, `bob` everything but `prod-*`,
/// `carol` nothing, `dave` everything.
fn account_a() -> Account {
    account(&format!(
        r#"{{"account_id": "{A}",
  "policies": {{
    "prod-from-office": {},
    "not-prod": {},
    "all": {}
  }},
  "users": {{"alice": {{"policies": ["prod-from-office"]}}, "bob": {{"policies": ["not-prod"]}},
             "carol": {{}}, "dave": {{"policies": ["all"]}}}}
}}"#,
        policy(&cancel(
            "Allow",
            "acs:ecs:*:*:imagepipeline/prod-*",
            r#"{"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}"#
        )),
        policy(&format!(
            "{},{}",
            cancel("Allow", "*", ""),
            cancel("Deny", "acs:ecs:*:*:imagepipeline/prod-*", "")
        )),
        policy(&cancel("Allow", "*", "")),
    ))
}

fn entry<'a>(answer: &'a SpaceAnswer, arn: &str) -> &'a PrincipalAccess {
    answer
        .principals
        .iter()
        .find(|p| p.principal == arn)
        .unwrap_or_else(|| panic!("no entry for {arn}: {answer:#?}"))
}

fn arn(account: &str, rest: &str) -> String {
    format!("acs:ram::{account}:{rest}")
}

/// A3: replays a witness through the single decisions: the principal's own, or each hop's
/// AssumeRole and the last role's request.
fn replay(
    accounts: &Accounts,
    principal: &str,
    witness: &Witness,
    via: Option<&[Hop]>,
) -> Decision {
    let mut context = Context::new();
    for (k, v) in &witness.context {
        context
            .insert(k, v)
            .unwrap_or_else(|e| panic!("witness context: {e}"));
    }
    let request = Request::new(CANCEL, &witness.resource)
        .unwrap_or_else(|e| panic!("witness resource: {e}"))
        .with_context(context.clone());
    let (mut account, mut who) = accounts
        .principal(principal)
        .unwrap_or_else(|e| panic!("{e}"));
    for hop in via.unwrap_or_default() {
        let assume = Request::new("sts:AssumeRole", &hop.role)
            .unwrap_or_else(|e| panic!("{e}"))
            .with_context(context.clone());
        let decision = accounts
            .decide_assume_role(account, &who, None, &assume)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            decision.outcome().decision().is_allowed(),
            "hop to {} denied",
            hop.role
        );
        let (next_account, next) = accounts
            .principal(&hop.role)
            .unwrap_or_else(|e| panic!("{e}"));
        account = next_account;
        who = next;
    }
    account
        .decide(&who, None, &request)
        .unwrap_or_else(|e| panic!("{e}"))
        .decision()
}

fn assert_replays(accounts: &Accounts, answer: &SpaceAnswer) {
    for p in &answer.principals {
        if let Some((witness, reached)) = &p.witness {
            let decision = replay(accounts, &p.principal, witness, reached.via.as_deref());
            assert_eq!(
                decision,
                reached.outcome.decision(),
                "{} {witness:?}",
                p.principal
            );
            assert!(decision.is_allowed());
        }
        if let Some((witness, outcome)) = &p.denied_witness {
            assert_eq!(
                replay(accounts, &p.principal, witness, None),
                outcome.decision()
            );
            assert!(!outcome.decision().is_allowed());
        }
        match p.access {
            Access::All => assert!(p.witness.is_some() && p.denied_witness.is_none()),
            Access::Some => assert!(p.witness.is_some() && p.denied_witness.is_some()),
            Access::None => assert!(p.witness.is_none()),
        }
    }
}

#[test]
fn a1_default_space_is_every_pipeline_of_each_account() {
    let accounts = accounts(vec![account_a()]);
    let answer = who_can(&accounts, &Question::new(CANCEL)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.resource, format!("acs:ecs:*:{A}:imagepipeline/*"));
    assert_eq!(entry(&answer, &arn(A, "root")).access, Access::All);
    assert_eq!(entry(&answer, &arn(A, "user/dave")).access, Access::All);
    assert_eq!(entry(&answer, &arn(A, "user/bob")).access, Access::Some);
    assert_eq!(entry(&answer, &arn(A, "user/alice")).access, Access::Some);
    assert_eq!(entry(&answer, &arn(A, "user/carol")).access, Access::None);
    assert_replays(&accounts, &answer);
}

#[test]
fn a1_a_condition_key_ranges_over_its_values_unless_fixed() {
    let accounts = accounts(vec![account_a()]);
    let question =
        Question::new(CANCEL).with_resource(format!("acs:ecs:*:{A}:imagepipeline/prod-*"));
    let answer = who_can(&accounts, &question).unwrap_or_else(|e| panic!("{e}"));
    let alice = entry(&answer, &arn(A, "user/alice"));
    assert_eq!(alice.access, Access::Some);
    let (witness, _) = alice.witness.as_ref().unwrap_or_else(|| panic!("witness"));
    let ip = witness.context.iter().find(|(k, _)| k == "acs:SourceIp");
    assert!(ip.is_some_and(|(_, v)| v.starts_with("10.")), "{witness:?}");
    assert_replays(&accounts, &answer);

    let mut outside = Context::new();
    outside
        .insert("acs:SourceIp", "192.168.0.1")
        .unwrap_or_else(|e| panic!("{e}"));
    let answer =
        who_can(&accounts, &question.with_context(outside)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(entry(&answer, &arn(A, "user/alice")).access, Access::None);
    assert_eq!(entry(&answer, &arn(A, "user/bob")).access, Access::None);
}

#[test]
fn a1_current_time_is_never_absent() {
    let text = format!(
        r#"{{"account_id": "{A}", "policies": {{"until": {}}}, "users": {{"u": {{"policies": ["until"]}}}}}}"#,
        policy(&cancel(
            "Allow",
            "*",
            r#"{"DateLessThan": {"acs:CurrentTime": "2030-01-01T00:00:00Z"}}"#
        ))
    );
    let accounts = accounts(vec![account(&text)]);
    let answer = who_can(&accounts, &Question::new(CANCEL)).unwrap_or_else(|e| panic!("{e}"));
    let u = entry(&answer, &arn(A, "user/u"));
    assert_eq!(u.access, Access::Some);
    for witness in [
        &u.witness.as_ref().map(|w| &w.0),
        &u.denied_witness.as_ref().map(|w| &w.0),
    ] {
        let witness = witness.unwrap_or_else(|| panic!("both witnesses"));
        assert!(
            witness.context.iter().any(|(k, _)| k == "acs:CurrentTime"),
            "{witness:?}"
        );
    }
    assert_replays(&accounts, &answer);
}

#[test]
fn a2_more_classes_than_the_limit_is_an_error_not_a_partial_answer() {
    let accounts = accounts(vec![account_a()]);
    let error = who_can(&accounts, &Question::new(CANCEL).with_max_cases(1))
        .err()
        .unwrap_or_else(|| panic!("should exceed"));
    assert!(
        matches!(error, AnalysisError::TooManyCases { limit: 1, .. }),
        "{error}"
    );
}

#[test]
fn a2_a_pattern_that_matches_no_image_pipeline_is_an_error() {
    let accounts = accounts(vec![account_a()]);
    let error = who_can(
        &accounts,
        &Question::new(CANCEL).with_resource("acs:oss:*:*:bucket/*"),
    )
    .err()
    .unwrap_or_else(|| panic!("should fail"));
    assert!(matches!(error, AnalysisError::Pattern { .. }), "{error}");
}

#[test]
fn e3_principals_never_reach_another_accounts_pipelines_directly() {
    let other = account(&format!(
        r#"{{"account_id": "{B}", "users": {{"eve": {{}}}}}}"#
    ));
    let accounts = accounts(vec![account_a(), other]);
    let question = Question::new(CANCEL).with_resource(format!("acs:ecs:*:{B}:imagepipeline/*"));
    let answer = who_can(&accounts, &question).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(entry(&answer, &arn(A, "user/dave")).access, Access::None);
    assert_eq!(entry(&answer, &arn(A, "root")).access, Access::None);
    assert_eq!(entry(&answer, &arn(B, "root")).access, Access::All);
    assert_replays(&accounts, &answer);
}

/// Account B: role `deployer` may cancel everything of B and trusts `trust`; role `hop`
/// trusts `hop_trust` and may assume any role.
fn account_b(trust: &str, hop_trust: &str) -> Account {
    account(&format!(
        r#"{{"account_id": "{B}",
  "policies": {{"all": {}, "assume": {}}},
  "roles": {{
    "deployer": {{"policies": ["all"], "trust_policy": {}}},
    "hop": {{"policies": ["assume"], "trust_policy": {}}}
  }}
}}"#,
        policy(&cancel("Allow", "*", "")),
        policy(r#"{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}"#),
        policy(trust),
        policy(hop_trust),
    ))
}

fn trust_of(principal: &str, condition: &str) -> String {
    let condition = if condition.is_empty() {
        String::new()
    } else {
        format!(r#", "Condition": {condition}"#)
    };
    format!(
        r#"{{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {{"RAM": "{principal}"}}{condition}}}"#
    )
}

/// Account A with `alice` allowed every AssumeRole and `bob` none.
fn caller_account() -> Account {
    account(&format!(
        r#"{{"account_id": "{A}",
  "policies": {{"assume": {}}},
  "users": {{"alice": {{"policies": ["assume"]}}, "bob": {{}}}}
}}"#,
        policy(r#"{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}"#),
    ))
}

#[test]
fn t5_a_principal_reaches_through_a_role_it_may_assume() {
    let accounts = accounts(vec![
        caller_account(),
        account_b(
            &trust_of(&arn(A, "root"), ""),
            &trust_of(&arn(B, "root"), ""),
        ),
    ]);
    let question = Question::new(CANCEL).with_resource(format!("acs:ecs:*:{B}:imagepipeline/*"));
    let answer = who_can(&accounts, &question).unwrap_or_else(|e| panic!("{e}"));
    let alice = entry(&answer, &arn(A, "user/alice"));
    assert_eq!(alice.access, Access::All);
    let (_, reached) = alice.witness.as_ref().unwrap_or_else(|| panic!("witness"));
    let via = reached.via.as_ref().unwrap_or_else(|| panic!("via"));
    assert_eq!(via.len(), 1);
    assert_eq!(via[0].role, arn(B, "role/deployer"));
    assert!(!via[0].caller_statements.is_empty() && !via[0].trust_statements.is_empty());
    // T3: bob's own side never allows the AssumeRole.
    assert_eq!(entry(&answer, &arn(A, "user/bob")).access, Access::None);
    // T6: A's owner is a caller like any other, with its side always allowing.
    let root = entry(&answer, &arn(A, "root"));
    assert_eq!(root.access, Access::All);
    assert!(root.witness.as_ref().is_some_and(|(_, r)| r
        .via
        .as_ref()
        .is_some_and(|v| v[0].caller_statements.is_empty())));
    assert_replays(&accounts, &answer);
}

#[test]
fn t5_role_chaining_takes_the_shortest_path_and_visits_no_role_twice() {
    // alice may only assume `hop`; `hop` may assume `deployer`, which trusts only `hop`;
    // `deployer` trusts `hop` and `hop` trusts `deployer` too: a cycle.
    let accounts = accounts(vec![
        caller_account(),
        account_b(
            &trust_of(&arn(B, "role/hop"), ""),
            &format!(
                "{},{}",
                trust_of(&arn(A, "user/alice"), ""),
                trust_of(&arn(B, "role/deployer"), "")
            ),
        ),
    ]);
    let question = Question::new(CANCEL).with_resource(format!("acs:ecs:*:{B}:imagepipeline/*"));
    let answer = who_can(&accounts, &question).unwrap_or_else(|e| panic!("{e}"));
    let alice = entry(&answer, &arn(A, "user/alice"));
    assert_eq!(alice.access, Access::All);
    let via = alice
        .witness
        .as_ref()
        .and_then(|(_, r)| r.via.clone())
        .unwrap_or_default();
    let roles: Vec<&str> = via.iter().map(|h| h.role.as_str()).collect();
    assert_eq!(roles, [arn(B, "role/hop"), arn(B, "role/deployer")]);
    assert_eq!(entry(&answer, &arn(A, "root")).access, Access::None);
    assert_replays(&accounts, &answer);
}

#[test]
fn t5_one_context_applies_to_every_step() {
    // The trust side wants 10.0.0.0/8, the role's own policy denies it: no single context
    // passes both, so alice reaches nothing, though each step alone may allow.
    let b = account(&format!(
        r#"{{"account_id": "{B}",
  "policies": {{"outside": {}}},
  "roles": {{"deployer": {{"policies": ["outside"], "trust_policy": {}}}}}
}}"#,
        policy(&cancel(
            "Allow",
            "*",
            r#"{"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}}"#
        )),
        policy(&trust_of(
            &arn(A, "user/alice"),
            r#"{"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}"#
        )),
    ));
    let accounts = accounts(vec![caller_account(), b]);
    let question = Question::new(CANCEL).with_resource(format!("acs:ecs:*:{B}:imagepipeline/*"));
    let answer = who_can(&accounts, &question).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(entry(&answer, &arn(A, "user/alice")).access, Access::None);
    assert_eq!(
        entry(&answer, &arn(B, "role/deployer")).access,
        Access::Some
    );
    assert_replays(&accounts, &answer);
}

#[test]
fn t6_unlisted_principals_of_roles_with_access_are_listed() {
    let accounts = accounts(vec![account_b(
        &trust_of("acs:ram::3333333333333333:root", ""),
        &trust_of(&arn(B, "root"), ""),
    )]);
    let answer = who_can(&accounts, &Question::new(CANCEL)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.unlisted.len(), 1, "{:?}", answer.unlisted);
    assert_eq!(answer.unlisted[0].account, "3333333333333333");
    assert_eq!(answer.unlisted[0].role, "deployer");
}

fn one_user(statements: &str) -> Accounts {
    accounts(vec![account(&format!(
        r#"{{"account_id": "{A}", "policies": {{"p": {}}}, "users": {{"deployer": {{"policies": ["p"]}}, "other": {{}}}}}}"#,
        policy(statements)
    ))])
}

#[test]
fn a4_diff_reports_gained_and_lost_with_witnesses_that_replay() {
    let before = one_user(&cancel("Allow", "acs:ecs:*:*:imagepipeline/dev-*", ""));
    let after = one_user(&cancel("Allow", "acs:ecs:*:*:imagepipeline/prod-*", ""));
    let answer = diff(&before, &after, &Question::new(CANCEL)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.gained.len(), 1, "{answer:#?}");
    assert_eq!(answer.lost.len(), 1, "{answer:#?}");
    let gained = &answer.gained[0];
    assert_eq!(gained.principal, arn(A, "user/deployer"));
    assert!(gained.witness.resource.contains("imagepipeline/prod-"));
    let decided = |accounts: &Accounts| replay(accounts, &gained.principal, &gained.witness, None);
    assert_eq!(decided(&before), Decision::ImplicitDeny);
    assert_eq!(decided(&after), Decision::Allow);
    assert!(answer.lost[0]
        .witness
        .resource
        .contains("imagepipeline/dev-"));
    // The same accounts on both sides change nothing.
    let same = diff(&after, &after, &Question::new(CANCEL)).unwrap_or_else(|e| panic!("{e}"));
    assert!(same.gained.is_empty() && same.lost.is_empty());
}

#[test]
fn a4_one_change_per_distinct_set_of_deciding_statements() {
    let before = one_user(&cancel("Allow", "acs:ecs:*:*:imagepipeline/dev-*", ""));
    let after = one_user(&format!(
        "{},{},{}",
        cancel("Allow", "acs:ecs:*:*:imagepipeline/dev-*", ""),
        cancel("Allow", "acs:ecs:*:*:imagepipeline/prod-*", ""),
        cancel("Allow", "acs:ecs:*:*:imagepipeline/test-*", "")
    ));
    let answer = diff(&before, &after, &Question::new(CANCEL)).unwrap_or_else(|e| panic!("{e}"));
    let indexes: Vec<usize> = answer
        .gained
        .iter()
        .map(|c| {
            c.after
                .as_ref()
                .map_or(99, |r| r.outcome.deciding()[0].index())
        })
        .collect();
    assert_eq!(indexes, [1, 2], "{answer:#?}");
}

#[test]
fn a4_a_principal_only_after_gains_what_it_reaches() {
    let before = accounts(vec![account(&format!(r#"{{"account_id": "{A}"}}"#))]);
    let after = one_user(&cancel("Allow", "*", ""));
    let answer = diff(&before, &after, &Question::new(CANCEL)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.gained.len(), 1, "{answer:#?}");
    assert!(answer.gained[0].before.is_none());
    assert_eq!(answer.gained[0].principal, arn(A, "user/deployer"));
    let _ = Principal::Root;
}

#[test]
fn a2_a_bool_key_compared_as_text_splits_by_spelling() {
    // Bool ignores case, StringEquals does not: only `True` (or another spelling) passes the
    // Allow without meeting the Deny.
    let statements = format!(
        "{},{}",
        cancel("Allow", "*", r#"{"Bool": {"acs:SecureTransport": "true"}}"#),
        cancel(
            "Deny",
            "*",
            r#"{"StringEquals": {"acs:SecureTransport": ["true", "True"]}}"#
        )
    );
    let accounts = one_user(&statements);
    let answer = who_can(&accounts, &Question::new(CANCEL)).unwrap_or_else(|e| panic!("{e}"));
    let deployer = entry(&answer, &arn(A, "user/deployer"));
    assert_eq!(deployer.access, Access::Some);
    let (witness, _) = deployer
        .witness
        .as_ref()
        .unwrap_or_else(|| panic!("witness"));
    assert_eq!(
        witness.context,
        [("acs:SecureTransport".to_owned(), "TRUE".to_owned())]
    );
    assert_replays(&accounts, &answer);
}

#[test]
fn a1_a_numeric_comparison_elsewhere_does_not_hide_a_string_allow() {
    // alice's own Allow compares `ecs:tag/env` as text; a role she may assume compares it as a
    // number. `env=prod` is a request of alice's (the role's Deny is never evaluated for it).
    let text = format!(
        r#"{{"account_id": "{A}",
  "policies": {{"prod": {}, "assume": {}, "huge": {}}},
  "users": {{"alice": {{"policies": ["prod", "assume"]}}}},
  "roles": {{"r": {{"policies": ["huge"], "trust_policy": {}}}}}
}}"#,
        policy(&cancel(
            "Allow",
            "*",
            r#"{"StringEquals": {"ecs:tag/env": "prod"}}"#
        )),
        policy(r#"{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}"#),
        policy(&cancel(
            "Deny",
            "*",
            r#"{"NumericGreaterThan": {"ecs:tag/env": "1000000"}}"#
        )),
        policy(&trust_of(&arn(A, "user/alice"), "")),
    );
    let accounts = accounts(vec![account(&text)]);
    let answer = who_can(&accounts, &Question::new(CANCEL)).unwrap_or_else(|e| panic!("{e}"));
    let alice = entry(&answer, &arn(A, "user/alice"));
    assert_eq!(alice.access, Access::Some);
    let (witness, reached) = alice.witness.as_ref().unwrap_or_else(|| panic!("witness"));
    assert!(reached.via.is_none(), "direct access is reported as direct");
    assert_eq!(
        witness.context,
        [("ecs:tag/env".to_owned(), "prod".to_owned())]
    );
    assert_replays(&accounts, &answer);
}

#[test]
fn a2_a_number_listed_as_text_is_also_witnessed_in_another_spelling() {
    let statements = cancel(
        "Allow",
        "*",
        r#"{"NumericEquals": {"ecs:tag/n": "10"}, "StringNotEquals": {"ecs:tag/n": "10"}}"#,
    );
    let accounts = one_user(&statements);
    let answer = who_can(&accounts, &Question::new(CANCEL)).unwrap_or_else(|e| panic!("{e}"));
    let deployer = entry(&answer, &arn(A, "user/deployer"));
    assert_eq!(deployer.access, Access::Some);
    let (witness, _) = deployer
        .witness
        .as_ref()
        .unwrap_or_else(|| panic!("witness"));
    assert_eq!(
        witness.context,
        [("ecs:tag/n".to_owned(), "10.0".to_owned())]
    );
    assert_replays(&accounts, &answer);
}

#[test]
fn a3_witnesses_carry_the_fixed_context_so_that_they_replay() {
    let accounts = accounts(vec![account_a()]);
    let mut office = Context::new();
    office
        .insert("acs:SourceIp", "10.1.1.1")
        .unwrap_or_else(|e| panic!("{e}"));
    let question = Question::new(CANCEL)
        .with_resource(format!("acs:ecs:*:{A}:imagepipeline/prod-*"))
        .with_context(office);
    let answer = who_can(&accounts, &question).unwrap_or_else(|e| panic!("{e}"));
    let alice = entry(&answer, &arn(A, "user/alice"));
    assert_eq!(alice.access, Access::All);
    let (witness, _) = alice.witness.as_ref().unwrap_or_else(|| panic!("witness"));
    assert_eq!(
        witness.context,
        [("acs:SourceIp".to_owned(), "10.1.1.1".to_owned())]
    );
    assert_replays(&accounts, &answer);
}

#[test]
fn t6_a4_a_trust_policy_naming_a_new_unlisted_account_is_reported_by_diff() {
    let with_trust = |trust: &str| {
        accounts(vec![account(&format!(
            r#"{{"account_id": "{A}", "policies": {{"all": {}}},
  "roles": {{"r": {{"policies": ["all"], "trust_policy": {}}}}}}}"#,
            policy(&cancel("Allow", "*", "")),
            policy(trust),
        ))])
    };
    let before = with_trust(&trust_of(&arn(A, "root"), ""));
    let after = with_trust(&format!(
        "{},{}",
        trust_of(&arn(A, "root"), ""),
        trust_of("acs:ram::9999999999999999:root", "")
    ));
    let answer = diff(&before, &after, &Question::new(CANCEL)).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        answer.gained.is_empty() && answer.lost.is_empty(),
        "{answer:#?}"
    );
    let accounts: Vec<&str> = answer.unlisted.iter().map(|u| u.account.as_str()).collect();
    assert_eq!(accounts, ["9999999999999999"]);
    // Unchanged, it names nobody new.
    let same = diff(&after, &after, &Question::new(CANCEL)).unwrap_or_else(|e| panic!("{e}"));
    assert!(same.unlisted.is_empty());
}
