//! Condition rules seen through whole decisions: a request value is compared only when the
//! statement's action and resource match (C7 with M6), and `acs:CurrentTime` is the request's
//! clock unless the request gives it (C8). The rules of one condition block alone are tested
//! beside the evaluator, in `src/condition/tests.rs`.

use std::sync::Arc;

use ramcheck::condition::value::Instant;
use ramcheck::decision::{Context, Decision, NamedPolicy, PolicySet, Request};
use ramcheck::policy::Policy;

const ACTION: &str = "ecs:CancelImagePipelineExecution";
const RESOURCE: &str = "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1";

fn context(pairs: &[(&str, &str)]) -> Context {
    let mut context = Context::new();
    for (key, value) in pairs {
        context.insert(key, value).unwrap();
    }
    context
}

/// A pool of one policy named `p` with one Allow statement.
fn allow_set(action: &str, resource: &str, block: &str) -> PolicySet {
    let text = format!(
        r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": "{action}", "Resource": "{resource}", "Condition": {block}}}]}}"#
    );
    let policy = Policy::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    PolicySet::new(vec![NamedPolicy::new("p", None, Arc::new(policy))])
}

fn request(pairs: &[(&str, &str)]) -> Request {
    Request::new(ACTION, RESOURCE)
        .unwrap()
        .with_context(context(pairs))
}

fn at(text: &str) -> Instant {
    Instant::parse(text).unwrap()
}

/// One line per case.
#[rustfmt::skip]
mod cases {
    use super::*;

    // C7 with M6: the comparison is evaluated only when the statement's action and resource match.
    #[test] fn c7_m6_bad_value_is_error_when_action_and_resource_match() { let e = allow_set("ecs:*", "*", r#"{"NumericLessThan": {"k": "10"}}"#).decide(&request(&[("k", "abc")])).unwrap_err(); assert_eq!((e.key(), e.value()), ("k", "abc")); }
    #[test] fn c7_m6_bad_value_is_ignored_when_action_does_not_match() { assert_eq!(allow_set("oss:*", "*", r#"{"NumericLessThan": {"k": "10"}}"#).decide(&request(&[("k", "abc")])).unwrap().decision(), Decision::ImplicitDeny); }
    #[test] fn c7_m6_bad_value_is_ignored_when_resource_does_not_match() { assert_eq!(allow_set("ecs:*", "acs:ecs:cn-beijing:*:imagepipeline/*", r#"{"NumericLessThan": {"k": "10"}}"#).decide(&request(&[("k", "abc")])).unwrap().decision(), Decision::ImplicitDeny); }
    #[test] fn c7_m6_bad_value_is_ignored_when_notaction_lists_the_action() { let text = r#"{"Version": "1", "Statement": [{"Effect": "Deny", "NotAction": "ecs:Cancel*", "Resource": "*", "Condition": {"NumericLessThan": {"k": "10"}}}]}"#; let set = PolicySet::new(vec![NamedPolicy::new("p", None, Arc::new(Policy::parse(text).unwrap()))]); assert_eq!(set.decide(&request(&[("k", "abc")])).unwrap().decision(), Decision::ImplicitDeny); }
    #[test] fn c7_evaluation_error_message_names_place_operator_key_and_value() { let e = allow_set("ecs:*", "*", r#"{"NumericLessThan": {"k": "10"}}"#).decide(&request(&[("k", "abc")])).unwrap_err(); assert_eq!(e.to_string(), "p:1:32: statement 0 of policy `p`: cannot evaluate `NumericLessThan k` against the request value `abc`: `abc` is not a number: expected optional `-`, digits, optional `.` and digits, e.g. `10` or `-2.5`"); }
}

// C8: `acs:CurrentTime` is the request's clock unless the request gives it.

const BEFORE_17_BEIJING: &str =
    r#"{"DateLessThan": {"acs:CurrentTime": "2019-08-12T17:00:00+08:00"}}"#;

#[test]
fn c8_current_time_defaults_to_request_now() {
    let set = allow_set("ecs:*", "*", BEFORE_17_BEIJING);
    let early = request(&[]).at(at("2019-08-12T08:59:59Z"));
    let late = request(&[]).at(at("2019-08-12T09:00:00Z"));
    assert_eq!(set.decide(&early).unwrap().decision(), Decision::Allow);
    assert_eq!(
        set.decide(&late).unwrap().decision(),
        Decision::ImplicitDeny
    );
}

#[test]
fn c8_request_now_is_the_current_time_by_default() {
    let before = Instant::now();
    let r = request(&[]);
    let after = Instant::now();
    assert!(before <= r.now() && r.now() <= after);
    // So a policy that expired in 2019 no longer allows, and one that starts in 2019 does.
    let expired = allow_set("ecs:*", "*", BEFORE_17_BEIJING);
    assert_eq!(
        expired.decide(&r).unwrap().decision(),
        Decision::ImplicitDeny
    );
    let started = allow_set(
        "ecs:*",
        "*",
        r#"{"DateGreaterThan": {"acs:CurrentTime": "2019-08-12T17:00:00+08:00"}}"#,
    );
    assert_eq!(started.decide(&r).unwrap().decision(), Decision::Allow);
}

#[test]
fn c8_request_at_sets_now() {
    let t = at("2030-01-01T00:00:00+08:00");
    assert_eq!(request(&[]).at(t).now(), t);
}

#[test]
fn c8_context_current_time_overrides_now() {
    let set = allow_set("ecs:*", "*", BEFORE_17_BEIJING);
    let r = request(&[("acs:CurrentTime", "2019-08-12T08:00:00Z")]).at(at("2030-01-01T00:00:00Z"));
    assert_eq!(set.decide(&r).unwrap().decision(), Decision::Allow);
}
