//! Tests of matching through decisions (spec rules M1–M6) and of deciding (E1, E5, E6), named
//! after the rule.
//!
//! A case is a pool of policies written as JSON and a request; the assertion is the decision,
//! and for E5 what the outcome says about the statements that decided.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use std::sync::Arc;

use super::*;
use crate::condition::value::Instant;
use crate::matching::ArnErrorKind;
use crate::policy::Policy;

const CANCEL: &str = CANCEL_IMAGE_PIPELINE_EXECUTION;
const PIPELINE: &str = "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1";

/// A policy of these statements (each a JSON object).
fn policy(statements: &[&str]) -> Arc<Policy> {
    let text = format!(
        r#"{{"Version": "1", "Statement": [{}]}}"#,
        statements.join(", ")
    );
    Arc::new(Policy::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}")))
}

/// A statement with this effect, action and resource (JSON values) and no condition.
fn stmt(effect: &str, action: &str, resource: &str) -> String {
    format!(r#"{{"Effect": "{effect}", "Action": {action}, "Resource": {resource}}}"#)
}

fn allow(action: &str, resource: &str) -> String {
    stmt("Allow", action, resource)
}

fn deny(action: &str, resource: &str) -> String {
    stmt("Deny", action, resource)
}

/// One policy `p` of these statements.
fn set(statements: &[&str]) -> PolicySet {
    PolicySet::new(vec![NamedPolicy::new("p", None, policy(statements))])
}

fn request(action: &str, resource: &str) -> Request {
    Request::new(action, resource).unwrap_or_else(|e| panic!("{e}"))
}

/// The decision for `action` on `resource` against one policy of these statements.
fn decide(statements: &[&str], action: &str, resource: &str) -> Decision {
    set(statements)
        .decide(&request(action, resource))
        .unwrap()
        .decision()
}

/// The decision for Cancel on the pipeline of `PIPELINE` against one Allow statement.
fn allows(action: &str, resource: &str) -> bool {
    decide(&[&allow(action, resource)], CANCEL, PIPELINE) == Decision::Allow
}

fn arn_error(arn: &str) -> ArnErrorKind {
    match Request::new(CANCEL, arn) {
        Err(RequestError::InvalidResource(e)) => e.kind(),
        other => panic!("expected an ARN error for {arn}, got {other:?}"),
    }
}

/// One line per case.
#[rustfmt::skip]
mod cases {
    use super::*;

    // M1: `*` any sequence (with `:` and `/`), `?` exactly one character, nothing else
    // special, anchored at both ends.
    #[test] fn m1_star_resource_allows() { assert!(allows(r#""ecs:CancelImagePipelineExecution""#, r#""*""#)); }
    #[test] fn m1_star_spans_colons_and_slashes() { assert!(allows(r#""ecs:*""#, r#""acs:ecs:*""#)); }
    #[test] fn m1_star_in_every_field() { assert!(allows(r#""*""#, r#""acs:ecs:*:*:imagepipeline/*""#)); }
    #[test] fn m1_star_matches_empty() { assert!(allows(r#""ecs:CancelImagePipelineExecution*""#, r#""acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1*""#)); }
    #[test] fn m1_question_matches_one_character() { assert!(allows(r#""ecs:CancelImagePipelineExecutio?""#, r#""acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-?""#)); }
    #[test] fn m1_question_does_not_match_two_characters() { assert!(!allows(r#""ecs:*""#, r#""acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/i?""#)); }
    #[test] fn m1_question_does_not_match_nothing() { assert!(!allows(r#""ecs:*""#, r#""acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1?""#)); }
    #[test] fn m1_brackets_are_literal() { assert!(!allows(r#""ecs:*""#, r#""acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-[0-9]""#)); }
    #[test] fn m1_match_is_anchored_at_the_start() { assert!(!allows(r#""ecs:*""#, r#""ecs:cn-hangzhou:*""#)); }
    #[test] fn m1_match_is_anchored_at_the_end() { assert!(!allows(r#""ecs:*""#, r#""acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip""#)); }
    #[test] fn m1_action_is_anchored() { assert!(!allows(r#""ecs:Cancel""#, r#""*""#)); }
    #[test] fn m1_wildcard_in_service_part() { assert!(allows(r#""*:Cancel*""#, r#""*""#)); }
    #[test] fn m1_wildcard_in_the_middle_of_the_action() { assert!(allows(r#""ecs:*ImagePipeline*""#, r#""*""#)); }
    #[test] fn m1_any_listed_pattern_may_match() { assert!(allows(r#"["oss:*", "ecs:Cancel*"]"#, r#"["acs:ecs:cn-beijing:*", "acs:ecs:cn-hangzhou:*"]"#)); }
    #[test] fn m1_regional_pattern_does_not_match_other_region() { assert!(!allows(r#""ecs:*""#, r#""acs:ecs:cn-beijing:*:imagepipeline/*""#)); }
    #[test] fn m1_pathological_pattern_decides() { assert!(!allows(r#""ecs:*""#, r#""*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b""#)); }

    // M2: actions are `<ram-code>:<name>`, matched case-insensitively.
    #[test] fn m2_action_pattern_case_is_ignored() { assert!(allows(r#""ECS:cancelimagepipelineexecution""#, r#""*""#)); }
    #[test] fn m2_request_action_case_is_ignored() { assert_eq!(decide(&[&allow(r#""ecs:Cancel*""#, r#""*""#)], "ECS:CANCELIMAGEPIPELINEEXECUTION", PIPELINE), Decision::Allow); }
    #[test] fn m2_other_service_does_not_match() { assert!(!allows(r#""oss:CancelImagePipelineExecution""#, r#""*""#)); }
    #[test] fn m2_other_action_does_not_match() { assert!(!allows(r#""ecs:Describe*""#, r#""*""#)); }
    #[test] fn m2_star_alone_matches_every_action() { assert!(allows(r#""*""#, r#""*""#)); }
    #[test] fn m2_request_action_without_service_is_error() { assert!(matches!(Request::new("CancelImagePipelineExecution", PIPELINE), Err(RequestError::InvalidAction { .. }))); }
    #[test] fn m2_request_action_pattern_is_error() { assert!(matches!(Request::new("ecs:Cancel*", PIPELINE), Err(RequestError::InvalidAction { .. }))); }
    #[test] fn m2_request_action_with_space_is_error() { assert!(Request::new("ecs: CancelImagePipelineExecution", PIPELINE).is_err()); }
    #[test] fn m2_request_action_with_empty_name_is_error() { assert!(Request::new("ecs:", PIPELINE).is_err()); }

    // M3: resources are matched case-sensitively.
    #[test] fn m3_resource_match_is_case_sensitive() { assert!(!allows(r#""ecs:*""#, r#""acs:ecs:*:*:ImagePipeline/*""#)); }
    #[test] fn m3_resource_id_case_matters() { assert!(!allows(r#""ecs:*""#, r#""acs:ecs:*:*:imagepipeline/IP-1""#)); }
    #[test] fn m3_region_case_matters() { assert!(!allows(r#""ecs:*""#, r#""acs:ecs:CN-HANGZHOU:*:imagepipeline/*""#)); }

    // M4: request ARNs `acs:<ram-code>:<region>:<account-id>:<relative-id>`.
    #[test] fn m4_request_arn_fields() { let r = request(CANCEL, PIPELINE); assert_eq!((r.resource().service(), r.resource().region(), r.resource().account(), r.resource().relative_id()), ("ecs", "cn-hangzhou", "1234567890123456", "imagepipeline/ip-1")); }
    #[test] fn m4_global_resource_has_empty_region() { assert_eq!(decide(&[&allow(r#""ram:*""#, r#""acs:ram::1234567890123456:role/*""#)], "ram:PassRole", "acs:ram::1234567890123456:role/deployer"), Decision::Allow); }
    #[test] fn m4_relative_id_may_contain_slash_and_colon() { assert_eq!(decide(&[&allow(r#""oss:*""#, r#""acs:oss:*:*:bucket/a:b/*""#)], "oss:GetObject", "acs:oss:cn-hangzhou:1:bucket/a:b/c/d"), Decision::Allow); }
    #[test] fn m4_execution_resource_grants_nothing_for_cancel() { assert!(!allows(r#""ecs:CancelImagePipelineExecution""#, r#""acs:ecs:*:*:imagepipelineexecution/*""#)); }
    #[test] fn m4_arn_without_acs_is_error() { assert_eq!(arn_error("arn:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1"), ArnErrorKind::MissingAcsPrefix); }
    #[test] fn m4_arn_with_four_fields_is_error() { assert_eq!(arn_error("acs:ecs:cn-hangzhou:imagepipeline/ip-1"), ArnErrorKind::TooFewFields); }
    #[test] fn m4_arn_without_service_is_error() { assert_eq!(arn_error("acs::cn-hangzhou:1234567890123456:imagepipeline/ip-1"), ArnErrorKind::EmptyService); }
    #[test] fn m4_arn_without_relative_id_is_error() { assert_eq!(arn_error("acs:ecs:cn-hangzhou:1234567890123456:"), ArnErrorKind::EmptyRelativeId); }
    #[test] fn m4_arn_with_star_is_error() { assert_eq!(arn_error("acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/*"), ArnErrorKind::Wildcard); }
    #[test] fn m4_arn_with_question_is_error() { assert_eq!(arn_error("acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-?"), ArnErrorKind::Wildcard); }
    #[test] fn m4_bare_id_is_error() { assert!(Request::new(CANCEL, "ip-1").is_err()); }
    #[test] fn m4_empty_arn_is_error() { assert!(Request::new(CANCEL, "").is_err()); }

    // M5: NotAction / NotResource apply to what they do not list; Allow+NotAction is not a Deny.
    #[test] fn m5_allow_notaction_allows_unlisted_action() { assert_eq!(decide(&[r#"{"Effect": "Allow", "NotAction": "ecs:Delete*", "Resource": "*"}"#], CANCEL, PIPELINE), Decision::Allow); }
    #[test] fn m5_allow_notaction_listing_the_action_is_implicit_deny() { assert_eq!(decide(&[r#"{"Effect": "Allow", "NotAction": ["ram:*", "ecs:Cancel*"], "Resource": "*"}"#], CANCEL, PIPELINE), Decision::ImplicitDeny); }
    #[test] fn m5_allow_notaction_is_not_a_deny() { assert_eq!(decide(&[r#"{"Effect": "Allow", "NotAction": "ecs:Cancel*", "Resource": "*"}"#, &allow(r#""ecs:*""#, r#""*""#)], CANCEL, PIPELINE), Decision::Allow); }
    #[test] fn m5_deny_notaction_denies_unlisted_action() { assert_eq!(decide(&[&allow(r#""*""#, r#""*""#), r#"{"Effect": "Deny", "NotAction": "ecs:Describe*", "Resource": "*"}"#], CANCEL, PIPELINE), Decision::ExplicitDeny); }
    #[test] fn m5_deny_notaction_spares_listed_action() { assert_eq!(decide(&[&allow(r#""*""#, r#""*""#), r#"{"Effect": "Deny", "NotAction": "ecs:Cancel*", "Resource": "*"}"#], CANCEL, PIPELINE), Decision::Allow); }
    #[test] fn m5_notaction_is_case_insensitive() { assert_eq!(decide(&[r#"{"Effect": "Allow", "NotAction": "ECS:CANCEL*", "Resource": "*"}"#], CANCEL, PIPELINE), Decision::ImplicitDeny); }
    #[test] fn m5_allow_notresource_allows_unlisted_resource() { assert_eq!(decide(&[r#"{"Effect": "Allow", "Action": "ecs:*", "NotResource": "acs:ecs:cn-beijing:*"}"#], CANCEL, PIPELINE), Decision::Allow); }
    #[test] fn m5_allow_notresource_listing_the_resource_is_implicit_deny() { assert_eq!(decide(&[r#"{"Effect": "Allow", "Action": "ecs:*", "NotResource": ["acs:ecs:cn-hangzhou:*"]}"#], CANCEL, PIPELINE), Decision::ImplicitDeny); }
    #[test] fn m5_deny_notresource_denies_unlisted_resource() { assert_eq!(decide(&[&allow(r#""*""#, r#""*""#), r#"{"Effect": "Deny", "Action": "*", "NotResource": "acs:ecs:cn-beijing:*"}"#], CANCEL, PIPELINE), Decision::ExplicitDeny); }
    #[test] fn m5_notresource_is_case_sensitive() { assert_eq!(decide(&[r#"{"Effect": "Allow", "Action": "ecs:*", "NotResource": "acs:ecs:CN-HANGZHOU:*"}"#], CANCEL, PIPELINE), Decision::Allow); }

    // M6: a statement applies when action, resource and condition all match; the condition of a
    // statement whose action or resource does not match is never evaluated.
    #[test] fn m6_unmet_condition_keeps_an_allow_from_applying() { assert_eq!(decide(&[r#"{"Effect": "Allow", "Action": "ecs:*", "Resource": "*", "Condition": {"StringEquals": {"k": "v"}}}"#], CANCEL, PIPELINE), Decision::ImplicitDeny); }
    #[test] fn m6_unmet_condition_keeps_a_deny_from_applying() { assert_eq!(decide(&[&allow(r#""*""#, r#""*""#), r#"{"Effect": "Deny", "Action": "ecs:*", "Resource": "*", "Condition": {"StringEquals": {"k": "v"}}}"#], CANCEL, PIPELINE), Decision::Allow); }
    #[test] fn m6_met_condition_lets_a_deny_apply() { assert_eq!(decide(&[&allow(r#""*""#, r#""*""#), r#"{"Effect": "Deny", "Action": "ecs:*", "Resource": "*", "Condition": {"StringNotEquals": {"k": "v"}}}"#], CANCEL, PIPELINE), Decision::ExplicitDeny); }
    #[test] fn m6_condition_of_unmatched_action_is_not_evaluated() { assert_eq!(decide_with(&[r#"{"Effect": "Deny", "Action": "oss:*", "Resource": "*", "Condition": {"Bool": {"k": "true"}}}"#], &[("k", "not-a-bool")]).unwrap(), Decision::ImplicitDeny); }
    #[test] fn m6_condition_of_unmatched_resource_is_not_evaluated() { assert_eq!(decide_with(&[r#"{"Effect": "Deny", "Action": "ecs:*", "Resource": "acs:ecs:cn-beijing:*", "Condition": {"Bool": {"k": "true"}}}"#], &[("k", "not-a-bool")]).unwrap(), Decision::ImplicitDeny); }
    #[test] fn m6_condition_of_matched_statement_is_evaluated() { assert!(decide_with(&[r#"{"Effect": "Deny", "Action": "ecs:*", "Resource": "*", "Condition": {"Bool": {"k": "true"}}}"#], &[("k", "not-a-bool")]).is_err()); }
    #[test] fn m6_trust_statement_never_applies_to_a_resource() { let trust = Policy::parse_as(r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"RAM": "*"}}]}"#, crate::policy::PolicyKind::Trust).unwrap(); let set = PolicySet::new(vec![NamedPolicy::new("t", None, Arc::new(trust))]); assert_eq!(set.decide(&request(CANCEL, PIPELINE)).unwrap().decision(), Decision::ImplicitDeny); }

    // E1: any Deny wins, then any Allow, else implicit deny; order never matters.
    #[test] fn e1_no_policies_is_implicit_deny() { assert_eq!(PolicySet::new(Vec::new()).decide(&request(CANCEL, PIPELINE)).unwrap().decision(), Decision::ImplicitDeny); }
    #[test] fn e1_empty_statement_list_is_implicit_deny() { assert_eq!(decide(&[], CANCEL, PIPELINE), Decision::ImplicitDeny); }
    #[test] fn e1_allow_alone_allows() { assert_eq!(decide(&[&allow(r#""ecs:*""#, r#""*""#)], CANCEL, PIPELINE), Decision::Allow); }
    #[test] fn e1_deny_after_allow_wins() { assert_eq!(decide(&[&allow(r#""*""#, r#""*""#), &deny(r#""ecs:Cancel*""#, r#""*""#)], CANCEL, PIPELINE), Decision::ExplicitDeny); }
    #[test] fn e1_deny_before_allow_wins() { assert_eq!(decide(&[&deny(r#""ecs:Cancel*""#, r#""*""#), &allow(r#""*""#, r#""*""#)], CANCEL, PIPELINE), Decision::ExplicitDeny); }
    #[test] fn e1_deny_alone_is_explicit_deny() { assert_eq!(decide(&[&deny(r#""*""#, r#""*""#)], CANCEL, PIPELINE), Decision::ExplicitDeny); }
    #[test] fn e1_deny_of_another_action_does_not_deny() { assert_eq!(decide(&[&allow(r#""*""#, r#""*""#), &deny(r#""ecs:Delete*""#, r#""*""#)], CANCEL, PIPELINE), Decision::Allow); }
    #[test] fn e1_decision_reasons() { assert_eq!([Decision::Allow, Decision::ExplicitDeny, Decision::ImplicitDeny].map(Decision::reason), ["allowed", "explicit_deny", "implicit_deny"]); }
    #[test] fn e1_only_allow_is_allowed() { assert_eq!([Decision::Allow, Decision::ExplicitDeny, Decision::ImplicitDeny].map(Decision::is_allowed), [true, false, false]); }
}

fn decide_with(statements: &[&str], pairs: &[(&str, &str)]) -> Result<Decision, EvaluationError> {
    let mut context = Context::new();
    for (k, v) in pairs {
        context.insert(k, v).unwrap();
    }
    set(statements)
        .decide(&request(CANCEL, PIPELINE).with_context(context))
        .map(|o| o.decision())
}

/// Every order of `items`.
fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, first.clone());
            out.push(tail);
        }
    }
    out
}

#[test]
fn e1_statement_order_never_matters() {
    let statements = [
        allow(r#""ecs:*""#, r#""*""#),
        deny(r#""ecs:Cancel*""#, r#""acs:ecs:cn-hangzhou:*""#),
        allow(r#""*""#, r#""acs:ecs:*:*:imagepipeline/*""#),
        deny(r#""oss:*""#, r#""*""#),
    ];
    for order in permutations(&statements) {
        let refs: Vec<&str> = order.iter().map(String::as_str).collect();
        let outcome = set(&refs).decide(&request(CANCEL, PIPELINE)).unwrap();
        assert_eq!(outcome.decision(), Decision::ExplicitDeny, "{refs:?}");
        assert_eq!(outcome.deciding().len(), 1, "{refs:?}");
        assert_eq!(outcome.deciding()[0].effect(), Effect::Deny, "{refs:?}");
        // Without the Deny, both Allow statements decide, in whatever order.
        let allows: Vec<&str> = refs
            .iter()
            .copied()
            .filter(|s| !s.contains("Deny"))
            .collect();
        let outcome = set(&allows).decide(&request(CANCEL, PIPELINE)).unwrap();
        assert_eq!(outcome.decision(), Decision::Allow, "{allows:?}");
        assert_eq!(outcome.deciding().len(), 2, "{allows:?}");
    }
}

#[test]
fn e1_policy_order_never_matters() {
    let policies = [
        NamedPolicy::new("a", None, policy(&[&allow(r#""ecs:*""#, r#""*""#)])),
        NamedPolicy::new(
            "b",
            None,
            policy(&[&deny(r#""ecs:CancelImagePipelineExecution""#, r#""*""#)]),
        ),
        NamedPolicy::new("c", None, policy(&[&allow(r#""*""#, r#""*""#)])),
    ];
    for order in permutations(&policies) {
        let names: Vec<String> = order.iter().map(|p| p.name().to_owned()).collect();
        let outcome = PolicySet::new(order)
            .decide(&request(CANCEL, PIPELINE))
            .unwrap();
        assert_eq!(outcome.decision(), Decision::ExplicitDeny, "{names:?}");
        assert_eq!(outcome.deciding()[0].policy(), "b", "{names:?}");
    }
}

#[test]
fn e1_deny_in_any_policy_of_the_pool_wins() {
    let pool = PolicySet::new(vec![
        NamedPolicy::new("full", None, policy(&[&allow(r#""*""#, r#""*""#)])),
        NamedPolicy::new(
            "guard",
            None,
            policy(&[
                r#"{"Effect": "Deny", "Action": "ecs:*", "Resource": "*", "Condition": {"NotIpAddress": {"acs:SourceIp": "192.168.0.0/16"}}}"#,
            ]),
        ),
    ]);
    let mut outside = Context::new();
    outside.insert("acs:SourceIp", "10.0.0.1").unwrap();
    let mut inside = Context::new();
    inside.insert("acs:SourceIp", "192.168.3.4").unwrap();
    let decide = |context: Context| {
        pool.decide(&request(CANCEL, PIPELINE).with_context(context))
            .unwrap()
            .decision()
    };
    assert_eq!(decide(outside), Decision::ExplicitDeny);
    assert_eq!(decide(inside), Decision::Allow);
    // No address at all: NotIpAddress is met (C5), so the Deny applies.
    assert_eq!(decide(Context::new()), Decision::ExplicitDeny);
}

// E5: the deciding statements are named: policy, index, Sid, effect, file, line and column.

const NAMED: &str = r#"{
  "Version": "1",
  "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"},
    {
      "Sid": "CancelHangzhou",
      "Effect": "Allow",
      "Action": ["ecs:Delete*", "ecs:Cancel*"],
      "Resource": ["acs:ecs:cn-beijing:*", "acs:ecs:cn-hangzhou:*:imagepipeline/*"]
    },
      {"Effect": "Allow", "Action": "ecs:*", "NotResource": "acs:ecs:cn-beijing:*",
       "Condition": {"Bool": {"acs:SecureTransport": "true"}, "StringEquals": {"ecs:tag/env": "dev"}}}
  ]
}"#;

fn named_set() -> PolicySet {
    let policy = Arc::new(Policy::parse(NAMED).unwrap());
    PolicySet::new(vec![NamedPolicy::new(
        "cancel",
        Some("policies/cancel.json".to_owned()),
        policy,
    )])
}

fn with(pairs: &[(&str, &str)]) -> Request {
    let mut context = Context::new();
    for (k, v) in pairs {
        context.insert(k, v).unwrap();
    }
    request(CANCEL, PIPELINE).with_context(context)
}

#[test]
fn e5_allow_names_every_applying_allow_statement() {
    let outcome = named_set()
        .decide(&with(&[
            ("acs:SecureTransport", "true"),
            ("ecs:tag/env", "dev"),
        ]))
        .unwrap();
    assert_eq!(outcome.decision(), Decision::Allow);
    assert_eq!(outcome.stage(), Stage::AccountLevelIdentityBasedPolicy);
    let deciding = outcome.deciding();
    assert_eq!(deciding.len(), 2);
    let first = &deciding[0];
    assert_eq!(
        (
            first.policy(),
            first.file(),
            first.index(),
            first.sid(),
            first.effect()
        ),
        (
            "cancel",
            Some("policies/cancel.json"),
            1,
            Some("CancelHangzhou"),
            Effect::Allow
        )
    );
    assert_eq!((first.position().line, first.position().column), (5, 5));
    assert_eq!(first.action(), &Matched::Pattern("ecs:Cancel*".into()));
    assert_eq!(
        first.resource(),
        &Matched::Pattern("acs:ecs:cn-hangzhou:*:imagepipeline/*".into())
    );
    assert!(first.conditions().is_empty());
    let second = &deciding[1];
    assert_eq!((second.index(), second.sid()), (2, None));
    assert_eq!((second.position().line, second.position().column), (11, 7));
    assert_eq!(second.resource(), &Matched::NotListed);
    assert_eq!(
        second.conditions(),
        [
            (Operator::Bool, "acs:SecureTransport".to_owned()),
            (Operator::StringEquals, "ecs:tag/env".to_owned())
        ]
    );
    assert!(outcome.near_misses().is_empty());
}

#[test]
fn e5_explicit_deny_names_only_the_deny_statements() {
    let deny_policy = policy(&[
        &allow(r#""*""#, r#""*""#),
        r#"{"Sid": "NoCancel", "Effect": "Deny", "NotAction": "ecs:Describe*", "Resource": "*"}"#,
    ]);
    let set = PolicySet::new(vec![
        NamedPolicy::new("cancel", None, Arc::new(Policy::parse(NAMED).unwrap())),
        NamedPolicy::new("guard", Some("-".to_owned()), deny_policy),
    ]);
    let outcome = set
        .decide(&with(&[
            ("acs:SecureTransport", "true"),
            ("ecs:tag/env", "dev"),
        ]))
        .unwrap();
    assert_eq!(outcome.decision(), Decision::ExplicitDeny);
    let deciding = outcome.deciding();
    assert_eq!(deciding.len(), 1);
    let d = &deciding[0];
    assert_eq!(
        (d.policy(), d.file(), d.index(), d.sid(), d.effect()),
        ("guard", Some("-"), 1, Some("NoCancel"), Effect::Deny)
    );
    assert_eq!(d.action(), &Matched::NotListed);
    assert_eq!(d.resource(), &Matched::Pattern("*".into()));
    // `{"Version": "1", "Statement": [` (31) + the first statement (51) + `, `: column 85.
    assert_eq!((d.position().line, d.position().column), (1, 85));
    assert!(outcome.near_misses().is_empty());
}

const SHANGHAI: &str = "acs:ecs:cn-shanghai:1234567890123456:imagepipeline/ip-1";

#[test]
fn e5_implicit_deny_names_no_statement_and_lists_near_misses() {
    let outcome = named_set().decide(&request(CANCEL, SHANGHAI)).unwrap();
    assert_eq!(outcome.decision(), Decision::ImplicitDeny);
    assert!(outcome.deciding().is_empty());
    let misses: Vec<(usize, &MissReason)> = outcome
        .near_misses()
        .iter()
        .map(|m| (m.statement().index(), m.reason()))
        .collect();
    // Statement 0's action does not match, so it is not a near miss; statement 1's resource
    // does not match; statement 2's first condition clause is not met (no context).
    assert_eq!(
        misses,
        [
            (
                1,
                &MissReason::Resource {
                    patterns: vec![
                        "acs:ecs:cn-beijing:*".into(),
                        "acs:ecs:cn-hangzhou:*:imagepipeline/*".into()
                    ],
                    negated: false
                }
            ),
            (
                2,
                &MissReason::Condition {
                    operator: Operator::Bool,
                    key: "acs:SecureTransport".into(),
                    absent: true
                }
            ),
        ]
    );
    let miss = outcome.near_misses()[1].statement();
    assert_eq!(miss.action(), &Matched::Pattern("ecs:*".into()));
    assert_eq!(miss.resource(), &Matched::NotListed);
    assert_eq!((miss.position().line, miss.position().column), (11, 7));
}

#[test]
fn e5_near_miss_names_the_first_unmet_condition() {
    let request = request(CANCEL, SHANGHAI).with_context({
        let mut c = Context::new();
        c.insert("acs:SecureTransport", "true").unwrap();
        c.insert("ecs:tag/env", "prod").unwrap();
        c
    });
    let outcome = named_set().decide(&request).unwrap();
    assert_eq!(outcome.decision(), Decision::ImplicitDeny);
    let reasons: Vec<&MissReason> = outcome.near_misses().iter().map(NearMiss::reason).collect();
    assert_eq!(
        reasons[1],
        &MissReason::Condition {
            operator: Operator::StringEquals,
            key: "ecs:tag/env".into(),
            absent: false
        }
    );
}

#[test]
fn c5_near_miss_on_an_absent_key_says_so_and_current_time_is_never_absent() {
    let outcome = set(&[
        r#"{"Effect": "Allow", "Action": "ecs:*", "Resource": "*", "Condition": {"DateGreaterThan": {"acs:CurrentTime": "2999-01-01T00:00:00Z"}}}"#,
        r#"{"Effect": "Allow", "Action": "ecs:*", "Resource": "*", "Condition": {"StringEquals": {"acs:SourceVpc": "vpc-1"}}}"#,
    ])
    .decide(&request(CANCEL, PIPELINE))
    .unwrap();
    let absent: Vec<bool> = outcome
        .near_misses()
        .iter()
        .map(|m| match m.reason() {
            MissReason::Condition { absent, .. } => *absent,
            MissReason::Resource { .. } => panic!("resource matched"),
        })
        .collect();
    assert_eq!(absent, [false, true]);
}

#[test]
fn e5_notresource_near_miss_says_it_is_negated() {
    let outcome =
        set(&[r#"{"Effect": "Allow", "Action": "ecs:*", "NotResource": "acs:ecs:cn-hangzhou:*"}"#])
            .decide(&request(CANCEL, PIPELINE))
            .unwrap();
    assert_eq!(
        outcome.near_misses()[0].reason(),
        &MissReason::Resource {
            patterns: vec!["acs:ecs:cn-hangzhou:*".into()],
            negated: true
        }
    );
}

#[test]
fn e5_deny_statements_are_never_near_misses() {
    let outcome = set(&[&deny(r#""ecs:*""#, r#""acs:ecs:cn-beijing:*""#)])
        .decide(&request(CANCEL, PIPELINE))
        .unwrap();
    assert_eq!(outcome.decision(), Decision::ImplicitDeny);
    assert!(outcome.near_misses().is_empty());
}

#[test]
fn e5_statements_whose_action_does_not_match_are_not_near_misses() {
    let outcome = set(&[&allow(r#""ecs:Describe*""#, r#""*""#)])
        .decide(&request(CANCEL, PIPELINE))
        .unwrap();
    assert!(outcome.near_misses().is_empty());
}

#[test]
fn e5_single_statement_object_is_index_0_at_its_brace() {
    let text = "{\"Version\": \"1\",\n \"Statement\": {\"Sid\": \"Only\", \"Effect\": \"Allow\", \"Action\": \"ecs:*\", \"Resource\": \"*\"}}";
    let set = PolicySet::new(vec![NamedPolicy::new(
        "one",
        None,
        Arc::new(Policy::parse(text).unwrap()),
    )]);
    let outcome = set.decide(&request(CANCEL, PIPELINE)).unwrap();
    let s = &outcome.deciding()[0];
    assert_eq!(
        (s.index(), s.sid(), s.position().line, s.position().column),
        (0, Some("Only"), 2, 15)
    );
}

#[test]
fn e5_stage_names() {
    assert_eq!(
        [
            Stage::AccountOwner,
            Stage::CrossAccount,
            Stage::ControlPolicy,
            Stage::SessionPolicy,
            Stage::AccountLevelIdentityBasedPolicy,
            Stage::ResourceGroupLevelIdentityBasedPolicy
        ]
        .map(Stage::name),
        [
            "AccountOwner",
            "CrossAccount",
            "ControlPolicy",
            "SessionPolicy",
            "AccountLevelIdentityBasedPolicy",
            "ResourceGroupLevelIdentityBasedPolicy"
        ]
    );
}

// E6: anything that prevents a sure answer is an error, never Allow.

const BAD_NUMBER: &str = r#"{"Effect": "Allow", "Action": "ecs:*", "Resource": "*", "Condition": {"NumericLessThan": {"ecs:tag/size": "10"}}}"#;

fn bad_size() -> Request {
    with(&[("ecs:tag/size", "big")])
}

#[test]
fn e6_bad_value_with_an_unconditional_allow_is_an_error_not_allow() {
    for order in permutations(&[allow(r#""*""#, r#""*""#), BAD_NUMBER.to_owned()]) {
        let refs: Vec<&str> = order.iter().map(String::as_str).collect();
        let result = set(&refs).decide(&bad_size());
        assert!(result.is_err(), "{refs:?}: {result:?}");
    }
}

#[test]
fn e6_bad_value_in_a_deny_is_an_error_not_allow() {
    let guarded_deny = BAD_NUMBER.replace("\"Allow\"", "\"Deny\"");
    for order in permutations(&[allow(r#""*""#, r#""*""#), guarded_deny]) {
        let refs: Vec<&str> = order.iter().map(String::as_str).collect();
        assert!(set(&refs).decide(&bad_size()).is_err(), "{refs:?}");
    }
}

#[test]
fn e6_bad_value_in_another_policy_of_the_pool_is_an_error() {
    let pool = PolicySet::new(vec![
        NamedPolicy::new("admin", None, policy(&[&allow(r#""*""#, r#""*""#)])),
        NamedPolicy::new("sized", Some("sized.json".into()), policy(&[BAD_NUMBER])),
    ]);
    let e = pool.decide(&bad_size()).unwrap_err();
    assert_eq!((e.key(), e.value()), ("ecs:tag/size", "big"));
    assert!(e.to_string().starts_with("sized.json:1:32: statement 0 of policy `sized`: cannot evaluate `NumericLessThan ecs:tag/size` against the request value `big`"), "{e}");
}

#[test]
fn e6_explicit_deny_is_not_an_error_when_no_value_is_bad() {
    let outcome = set(&[BAD_NUMBER, &deny(r#""*""#, r#""*""#)])
        .decide(&with(&[("ecs:tag/size", "5")]))
        .unwrap();
    assert_eq!(outcome.decision(), Decision::ExplicitDeny);
}

#[test]
fn e6_a_request_that_cannot_be_built_never_reaches_decide() {
    assert!(Request::new(
        CANCEL,
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/*"
    )
    .is_err());
    assert!(Context::new().insert("acs:SourceIp", "abc").is_err());
}

#[test]
fn e6_request_defaults() {
    let r = request(CANCEL, PIPELINE);
    assert_eq!(r.action(), CANCEL);
    assert_eq!(r.resource().as_str(), PIPELINE);
    assert_eq!(r.context().entries().count(), 0);
    assert!(r.now() <= Instant::now());
}

#[test]
fn policy_sets_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PolicySet>();
    assert_send_sync::<Request>();
    assert_send_sync::<Outcome>();
    assert_send_sync::<EvaluationError>();
}

#[test]
fn policy_set_is_shared_across_threads() {
    let set = Arc::new(named_set());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let set = Arc::clone(&set);
            std::thread::spawn(move || {
                set.decide(&with(&[
                    ("acs:SecureTransport", "true"),
                    ("ecs:tag/env", "dev"),
                ]))
                .unwrap()
                .decision()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), Decision::Allow);
    }
}

#[test]
fn c6_context_keys_fold_case_below_and_above_the_index_threshold() {
    for n in [3, 17, 40, 1000] {
        let mut c = Context::new();
        for i in 0..n {
            c.insert(&format!("ecs:tag/K{i}"), "a").unwrap();
        }
        for i in 0..n {
            // A second value for every key, under another spelling: one entry, two values (C2).
            c.insert(&format!("ECS:TAG/k{i}"), "b").unwrap();
        }
        assert_eq!(c.entries().count(), n, "n = {n}");
        for i in 0..n {
            let values = c.values(&format!("Ecs:Tag/K{i}")).unwrap();
            assert_eq!(values, ["a", "b"], "n = {n}, key {i}");
        }
        assert_eq!(c.values("ecs:tag/absent"), None);
        // `set` replaces every value of a key, whatever its spelling (C8, E2).
        c.set("ecs:tag/k0", "z");
        assert_eq!(c.values("ECS:TAG/K0").unwrap(), ["z"], "n = {n}");
        assert_eq!(c.entries().count(), n, "n = {n}");
        let last = format!("ecs:tag/k{}", n - 1);
        assert_eq!(c.values(&last).unwrap(), ["a", "b"], "n = {n}");
    }
}

// E5: how a policy given to a pool reached the principal.

/// The route of the one deciding statement of a pool of `named` for a Cancel on `PIPELINE`.
fn given_via(named: NamedPolicy) -> Via {
    let set = PolicySet::new(vec![named]);
    let outcome = set
        .decide(&Request::new(CANCEL, PIPELINE).unwrap())
        .unwrap();
    outcome.deciding()[0].via().cloned().unwrap()
}

#[test]
fn e5_a_policy_given_to_a_pool_is_given() {
    let via = given_via(NamedPolicy::new(
        "p",
        None,
        policy(&[&allow(r#""ecs:*""#, r#""*""#)]),
    ));
    assert_eq!(via.route(), &Route::Given);
    assert_eq!(via.resource_group(), None);
    assert!(!via.is_system_policy());
}

#[test]
fn e5_only_the_bundled_text_under_its_name_is_a_system_policy() {
    let bundled = crate::policy::system::find("AliyunECSFullAccess").unwrap();
    let text = Arc::new(bundled.parse().unwrap());
    assert!(given_via(NamedPolicy::new(bundled.name, None, text.clone())).is_system_policy());
    // The same text from a file, or another text under the name, is the user's own policy.
    let from_file = NamedPolicy::new(bundled.name, Some("full.json".into()), text);
    assert!(!given_via(from_file).is_system_policy());
    let other = policy(&[&allow(r#""ecs:Cancel*""#, r#""*""#)]);
    assert!(!given_via(NamedPolicy::new(bundled.name, None, other)).is_system_policy());
}
