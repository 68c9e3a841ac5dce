//! Tests of condition evaluation, one or more per spec rule C1–C8, named after the rule.
//!
//! The cases call the crate-internal [`evaluate`] on a condition block read from a policy, so
//! they exercise the values exactly as the parser types them; the cases that involve whether a
//! condition is evaluated at all (M6) or the request's clock (C8) go through whole decisions,
//! in the integration tests (`tests/it/conditions.rs`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use super::*;
use crate::context::RequestError;
use crate::policy::{Condition, Policy};

/// The moment the cases run at, unless they say otherwise.
const NOW: &str = "2024-05-01T12:00:00Z";

/// The `Condition` of a one-statement policy with this condition block.
fn condition(block: &str) -> Condition {
    let text = format!(
        r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {block}}}]}}"#
    );
    let policy = Policy::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    policy.statements()[0].condition().unwrap().clone()
}

fn context(pairs: &[(&str, &str)]) -> Context {
    let mut context = Context::new();
    for (key, value) in pairs {
        context.insert(key, value).unwrap();
    }
    context
}

fn eval(block: &str, pairs: &[(&str, &str)]) -> Result<ConditionResult, ComparisonError> {
    evaluate(
        &condition(block),
        &context(pairs),
        Instant::parse(NOW).unwrap(),
    )
}

fn met(block: &str, pairs: &[(&str, &str)]) -> bool {
    match eval(block, pairs) {
        Ok(ConditionResult::Met) => true,
        Ok(ConditionResult::NotMet { .. }) => false,
        Err(e) => panic!("unexpected error: {e:?}"),
    }
}

/// `met!(name, block, [(key, value), ...])`: the block is met by that context.
macro_rules! met {
    ($name:ident, $block:expr, [$(($k:expr, $v:expr)),* $(,)?]) => {
        #[test]
        fn $name() {
            assert!(met($block, &[$(($k, $v)),*]), "{} should be met", $block);
        }
    };
}

/// `not_met!(name, block, [(key, value), ...])`: the block is not met by that context.
macro_rules! not_met {
    ($name:ident, $block:expr, [$(($k:expr, $v:expr)),* $(,)?]) => {
        #[test]
        fn $name() {
            assert!(!met($block, &[$(($k, $v)),*]), "{} should not be met", $block);
        }
    };
}

/// `errs!(name, block, [(key, value), ...], "bad value")`: evaluating the block is an error
/// naming that request value (C7).
macro_rules! errs {
    ($name:ident, $block:expr, [$(($k:expr, $v:expr)),* $(,)?], $bad:expr) => {
        #[test]
        fn $name() {
            let e = eval($block, &[$(($k, $v)),*]).expect_err("should be an error");
            assert_eq!(e.value, $bad);
        }
    };
}

/// One line per case.
#[rustfmt::skip]
mod cases {
    use super::*;

    // C1: an empty Condition is met; so is one whose every clause holds.
    met!(c1_empty_condition_is_met, "{}", []);
    met!(c1_empty_condition_is_met_with_context, "{}", [("k", "v")]);

    // C3: the 21 operators, each met and not met.
    met!(c3_string_equals_met, r#"{"StringEquals": {"k": "prod"}}"#, [("k", "prod")]);
    not_met!(c3_string_equals_is_case_sensitive, r#"{"StringEquals": {"k": "prod"}}"#, [("k", "Prod")]);
    met!(c3_string_not_equals_met, r#"{"StringNotEquals": {"k": "prod"}}"#, [("k", "dev")]);
    not_met!(c3_string_not_equals_not_met, r#"{"StringNotEquals": {"k": "prod"}}"#, [("k", "prod")]);
    met!(c3_string_equals_ignore_case_met, r#"{"StringEqualsIgnoreCase": {"k": "prod"}}"#, [("k", "PrOd")]);
    not_met!(c3_string_equals_ignore_case_not_met, r#"{"StringEqualsIgnoreCase": {"k": "prod"}}"#, [("k", "prods")]);
    met!(c3_string_not_equals_ignore_case_met, r#"{"StringNotEqualsIgnoreCase": {"k": "root"}}"#, [("k", "user01")]);
    not_met!(c3_string_not_equals_ignore_case_not_met, r#"{"StringNotEqualsIgnoreCase": {"k": "root"}}"#, [("k", "ROOT")]);
    met!(c3_string_like_met, r#"{"StringLike": {"k": "acs:ecs:*:imagepipeline/ip-?"}}"#, [("k", "acs:ecs:cn-hangzhou:1:imagepipeline/ip-1")]);
    not_met!(c3_string_like_is_case_sensitive, r#"{"StringLike": {"k": "ip-*"}}"#, [("k", "IP-1")]);
    not_met!(c3_string_like_question_is_one_character, r#"{"StringLike": {"k": "ip-?"}}"#, [("k", "ip-12")]);
    met!(c3_string_like_brackets_are_literal, r#"{"StringLike": {"k": "[a]*"}}"#, [("k", "[a]b")]);
    met!(c3_string_not_like_met, r#"{"StringNotLike": {"k": "prod*"}}"#, [("k", "dev")]);
    not_met!(c3_string_not_like_not_met, r#"{"StringNotLike": {"k": "prod*"}}"#, [("k", "production")]);
    met!(c3_numeric_equals_compares_as_decimals, r#"{"NumericEquals": {"k": "10"}}"#, [("k", "10.0")]);
    not_met!(c3_numeric_equals_not_met, r#"{"NumericEquals": {"k": "10"}}"#, [("k", "10.01")]);
    met!(c3_numeric_not_equals_met, r#"{"NumericNotEquals": {"k": "10"}}"#, [("k", "11")]);
    not_met!(c3_numeric_not_equals_not_met, r#"{"NumericNotEquals": {"k": "10"}}"#, [("k", "010.00")]);
    met!(c3_numeric_less_than_met, r#"{"NumericLessThan": {"k": "10"}}"#, [("k", "9.99")]);
    not_met!(c3_numeric_less_than_not_met_when_equal, r#"{"NumericLessThan": {"k": "10"}}"#, [("k", "10")]);
    met!(c3_numeric_less_than_equals_met, r#"{"NumericLessThanEquals": {"k": "10"}}"#, [("k", "10")]);
    not_met!(c3_numeric_less_than_equals_not_met, r#"{"NumericLessThanEquals": {"k": "10"}}"#, [("k", "10.5")]);
    met!(c3_numeric_greater_than_met, r#"{"NumericGreaterThan": {"k": "-2"}}"#, [("k", "-1")]);
    not_met!(c3_numeric_greater_than_not_met_when_equal, r#"{"NumericGreaterThan": {"k": "-2"}}"#, [("k", "-2.0")]);
    met!(c3_numeric_greater_than_equals_met, r#"{"NumericGreaterThanEquals": {"k": "-2.0"}}"#, [("k", "-2")]);
    not_met!(c3_numeric_greater_than_equals_not_met, r#"{"NumericGreaterThanEquals": {"k": "-2"}}"#, [("k", "-3")]);
    met!(c3_numeric_long_decimals_compare_exactly, r#"{"NumericLessThan": {"k": "0.10000000000000000000001"}}"#, [("k", "0.1")]);
    met!(c3_date_equals_compares_instants_across_offsets, r#"{"DateEquals": {"k": "2019-08-12T17:00:00+08:00"}}"#, [("k", "2019-08-12T09:00:00Z")]);
    not_met!(c3_date_equals_not_met, r#"{"DateEquals": {"k": "2019-08-12T17:00:00+08:00"}}"#, [("k", "2019-08-12T17:00:00Z")]);
    met!(c3_date_not_equals_met, r#"{"DateNotEquals": {"k": "2019-08-12T17:00:00+08:00"}}"#, [("k", "2019-08-12T17:00:00Z")]);
    not_met!(c3_date_not_equals_not_met, r#"{"DateNotEquals": {"k": "2019-08-12T17:00:00+08:00"}}"#, [("k", "2019-08-12T09:00:00.000Z")]);
    met!(c3_date_less_than_met, r#"{"DateLessThan": {"k": "2019-08-12T17:00:00+08:00"}}"#, [("k", "2019-08-12T08:59:59.999Z")]);
    not_met!(c3_date_less_than_not_met_when_equal, r#"{"DateLessThan": {"k": "2019-08-12T17:00:00+08:00"}}"#, [("k", "2019-08-12T09:00:00Z")]);
    met!(c3_date_less_than_equals_met, r#"{"DateLessThanEquals": {"k": "2019-08-12T17:00:00+08:00"}}"#, [("k", "2019-08-12T09:00:00Z")]);
    not_met!(c3_date_less_than_equals_not_met, r#"{"DateLessThanEquals": {"k": "2019-08-12T17:00:00+08:00"}}"#, [("k", "2019-08-12T09:00:00.001Z")]);
    met!(c3_date_greater_than_met, r#"{"DateGreaterThan": {"k": "2019-08-12T17:00:00+08:00"}}"#, [("k", "2019-08-12T09:00:00.001Z")]);
    not_met!(c3_date_greater_than_not_met_when_equal, r#"{"DateGreaterThan": {"k": "2019-08-12T17:00:00+08:00"}}"#, [("k", "2019-08-12T09:00:00Z")]);
    met!(c3_date_greater_than_equals_met, r#"{"DateGreaterThanEquals": {"k": "2019-08-12T17:00:00+08:00"}}"#, [("k", "2019-08-12T09:00:00Z")]);
    not_met!(c3_date_greater_than_equals_not_met, r#"{"DateGreaterThanEquals": {"k": "2019-08-12T17:00:00+08:00"}}"#, [("k", "2019-08-12T08:59:59Z")]);
    met!(c3_bool_met_case_insensitively, r#"{"Bool": {"acs:SecureTransport": "true"}}"#, [("acs:SecureTransport", "TRUE")]);
    not_met!(c3_bool_not_met, r#"{"Bool": {"acs:SecureTransport": "true"}}"#, [("acs:SecureTransport", "false")]);
    met!(c3_bool_false_met_by_false, r#"{"Bool": {"acs:MFAPresent": "false"}}"#, [("acs:MFAPresent", "False")]);
    met!(c3_ip_address_met_in_block, r#"{"IpAddress": {"acs:SourceIp": "192.168.0.0/16"}}"#, [("acs:SourceIp", "192.168.3.4")]);
    not_met!(c3_ip_address_not_met_outside_block, r#"{"IpAddress": {"acs:SourceIp": "192.168.0.0/16"}}"#, [("acs:SourceIp", "192.169.0.1")]);
    met!(c3_ip_address_single_address, r#"{"IpAddress": {"acs:SourceIp": "203.0.113.7"}}"#, [("acs:SourceIp", "203.0.113.7")]);
    not_met!(c3_ip_address_single_address_is_a_block_of_one, r#"{"IpAddress": {"acs:SourceIp": "203.0.113.7"}}"#, [("acs:SourceIp", "203.0.113.8")]);
    met!(c3_ip_address_ipv6, r#"{"IpAddress": {"acs:SourceIp": "2001:db8::/32"}}"#, [("acs:SourceIp", "2001:db8:1::5")]);
    not_met!(c3_ipv4_address_is_never_in_ipv6_block, r#"{"IpAddress": {"acs:SourceIp": "::/0"}}"#, [("acs:SourceIp", "10.0.0.1")]);
    not_met!(c3_ipv6_address_is_never_in_ipv4_block, r#"{"IpAddress": {"acs:SourceIp": "0.0.0.0/0"}}"#, [("acs:SourceIp", "2001:db8::1")]);
    met!(c3_block_with_host_bits_means_its_network, r#"{"IpAddress": {"acs:SourceIp": "10.0.0.1/8"}}"#, [("acs:SourceIp", "10.200.3.4")]);
    met!(c3_not_ip_address_met_outside_block, r#"{"NotIpAddress": {"acs:SourceIp": "192.168.0.0/16"}}"#, [("acs:SourceIp", "10.0.0.1")]);
    not_met!(c3_not_ip_address_not_met_inside_block, r#"{"NotIpAddress": {"acs:SourceIp": "192.168.0.0/16"}}"#, [("acs:SourceIp", "192.168.3.4")]);
    met!(c3_json_number_value_compares_as_decimal, r#"{"NumericEquals": {"k": 10}}"#, [("k", "10.000")]);
    met!(c3_json_bool_value_compares_as_bool, r#"{"Bool": {"acs:SecureTransport": true}}"#, [("acs:SecureTransport", "true")]);

    // C2: the values of one key are OR-ed, the keys under one operator AND-ed, the operators
    // of a block AND-ed; several request values of a key are OR-ed.
    met!(c2_listed_values_are_ored, r#"{"StringEquals": {"k": ["a", "b"]}}"#, [("k", "b")]);
    not_met!(c2_listed_values_none_matches, r#"{"StringEquals": {"k": ["a", "b"]}}"#, [("k", "c")]);
    met!(c2_keys_under_one_operator_are_anded_all_hold, r#"{"StringEquals": {"a": "1", "b": "2"}}"#, [("a", "1"), ("b", "2")]);
    not_met!(c2_keys_under_one_operator_are_anded_one_fails, r#"{"StringEquals": {"a": "1", "b": "2"}}"#, [("a", "1"), ("b", "3")]);
    not_met!(c2_keys_under_one_operator_are_anded_one_missing, r#"{"StringEquals": {"a": "1", "b": "2"}}"#, [("a", "1")]);
    met!(c2_operators_are_anded_all_hold, r#"{"StringEquals": {"a": "1"}, "Bool": {"acs:SecureTransport": "true"}}"#, [("a", "1"), ("acs:SecureTransport", "true")]);
    not_met!(c2_operators_are_anded_one_fails, r#"{"StringEquals": {"a": "1"}, "Bool": {"acs:SecureTransport": "true"}}"#, [("a", "1"), ("acs:SecureTransport", "false")]);
    met!(c2_request_values_are_ored, r#"{"StringEquals": {"k": "a"}}"#, [("k", "x"), ("k", "a")]);
    met!(c2_request_ips_are_ored, r#"{"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}"#, [("acs:SourceIp", "192.168.0.1"), ("acs:SourceIp", "10.1.1.1")]);
    #[test] fn c2_not_met_names_the_first_failing_clause() { assert_eq!(eval(r#"{"StringEquals": {"a": "1", "b": "2"}, "Bool": {"c": "true"}}"#, &[("a", "1"), ("b", "0"), ("c", "false")]).unwrap(), ConditionResult::NotMet { clause: 1 }); }

    // C4: a negated operator is met exactly when no request value matches any listed value.
    not_met!(c4_string_not_equals_with_prod_and_dev_is_not_met, r#"{"StringNotEquals": {"k": "prod"}}"#, [("k", "prod"), ("k", "dev")]);
    not_met!(c4_string_not_equals_with_dev_and_prod_is_not_met, r#"{"StringNotEquals": {"k": "prod"}}"#, [("k", "dev"), ("k", "prod")]);
    met!(c4_string_not_equals_with_dev_and_test_is_met, r#"{"StringNotEquals": {"k": "prod"}}"#, [("k", "dev"), ("k", "test")]);
    not_met!(c4_string_not_equals_any_listed_value_matching_fails_it, r#"{"StringNotEquals": {"k": ["prod", "staging"]}}"#, [("k", "staging")]);
    met!(c4_string_not_equals_no_listed_value_matching_meets_it, r#"{"StringNotEquals": {"k": ["prod", "staging"]}}"#, [("k", "dev")]);
    not_met!(c4_string_not_equals_ignore_case_multi_valued, r#"{"StringNotEqualsIgnoreCase": {"k": "root"}}"#, [("k", "user"), ("k", "ROOT")]);
    not_met!(c4_string_not_like_multi_valued, r#"{"StringNotLike": {"k": "prod*"}}"#, [("k", "dev"), ("k", "prod-1")]);
    not_met!(c4_numeric_not_equals_multi_valued, r#"{"NumericNotEquals": {"k": "1"}}"#, [("k", "2"), ("k", "1.0")]);
    not_met!(c4_date_not_equals_multi_valued, r#"{"DateNotEquals": {"k": "2019-08-12T00:00:00Z"}}"#, [("k", "2020-01-01T00:00:00Z"), ("k", "2019-08-12T08:00:00+08:00")]);
    not_met!(c4_not_ip_address_multi_valued, r#"{"NotIpAddress": {"acs:SourceIp": "192.168.0.0/16"}}"#, [("acs:SourceIp", "10.0.0.1"), ("acs:SourceIp", "192.168.1.1")]);
    met!(c4_not_ip_address_all_outside, r#"{"NotIpAddress": {"acs:SourceIp": ["192.168.0.0/16", "203.0.113.0/24"]}}"#, [("acs:SourceIp", "10.0.0.1"), ("acs:SourceIp", "198.51.100.1")]);

    // C5: a missing key fails a positive operator and meets a negated one.
    not_met!(c5_missing_key_fails_string_equals, r#"{"StringEquals": {"k": "v"}}"#, []);
    not_met!(c5_missing_key_fails_string_like_star, r#"{"StringLike": {"k": "*"}}"#, [("other", "v")]);
    not_met!(c5_missing_key_fails_ip_address, r#"{"IpAddress": {"acs:SourceIp": "0.0.0.0/0"}}"#, []);
    not_met!(c5_missing_key_fails_bool, r#"{"Bool": {"acs:MFAPresent": "false"}}"#, []);
    met!(c5_missing_key_meets_string_not_equals, r#"{"StringNotEquals": {"k": "v"}}"#, []);
    met!(c5_missing_key_meets_not_ip_address, r#"{"NotIpAddress": {"acs:SourceIp": "192.168.0.0/16"}}"#, []);
    met!(c5_missing_key_meets_string_not_like, r#"{"StringNotLike": {"k": "*"}}"#, []);
    #[test] fn c5_missing_key_meets_exactly_the_negated_operators() { for op in Operator::ALL { let block = format!(r#"{{"{op}": {{"k": "{}"}}}}"#, op.family().sample()); assert_eq!(met(&block, &[("other", "1")]), op.is_negated(), "{op}"); } }
    #[test] fn c5_negated_operators_are_the_six_of_the_spec() { let negated: Vec<&str> = Operator::ALL.into_iter().filter(|op| op.is_negated()).map(Operator::name).collect(); assert_eq!(negated, ["StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals", "DateNotEquals", "NotIpAddress"]); }

    // C6: condition key names compare case-insensitively; values do not.
    met!(c6_policy_key_case_differs_from_context, r#"{"IpAddress": {"acs:sourceip": "10.0.0.0/8"}}"#, [("acs:SourceIp", "10.0.0.1")]);
    met!(c6_context_key_case_differs_from_policy, r#"{"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}"#, [("ACS:SOURCEIP", "10.0.0.1")]);
    met!(c6_service_key_case_insensitive, r#"{"StringEquals": {"ecs:tag/Env": "prod"}}"#, [("ECS:TAG/env", "prod")]);
    not_met!(c6_values_stay_case_sensitive, r#"{"StringEquals": {"ECS:TAG/ENV": "prod"}}"#, [("ecs:tag/env", "PROD")]);
    met!(c6_negated_key_found_case_insensitively, r#"{"StringNotEquals": {"K": "prod"}}"#, [("k", "dev")]);
    not_met!(c6_negated_key_case_insensitive_is_not_missing, r#"{"StringNotEquals": {"K": "prod"}}"#, [("k", "prod")]);
    #[test] fn c6_context_merges_keys_case_insensitively() { let c = context(&[("ecs:tag/env", "a"), ("ECS:TAG/ENV", "b")]); assert_eq!(c.values("Ecs:Tag/Env").unwrap(), ["a", "b"]); }

    // C7: a request value that does not parse for its comparison is an error, never "not met".
    errs!(c7_numeric_on_text_is_error, r#"{"NumericLessThan": {"k": "10"}}"#, [("k", "abc")], "abc");
    errs!(c7_numeric_negated_on_text_is_error, r#"{"NumericNotEquals": {"k": "10"}}"#, [("k", "ten")], "ten");
    errs!(c7_numeric_exponent_is_error, r#"{"NumericEquals": {"k": "1000"}}"#, [("k", "1e3")], "1e3");
    errs!(c7_date_on_text_is_error, r#"{"DateLessThan": {"k": "2019-08-12T17:00:00+08:00"}}"#, [("k", "yesterday")], "yesterday");
    errs!(c7_date_without_zone_is_error, r#"{"DateLessThan": {"k": "2019-08-12T17:00:00+08:00"}}"#, [("k", "2019-08-12T08:00:00")], "2019-08-12T08:00:00");
    errs!(c7_bool_on_text_is_error, r#"{"Bool": {"k": "true"}}"#, [("k", "yes")], "yes");
    errs!(c7_ip_on_text_is_error, r#"{"IpAddress": {"k": "10.0.0.0/8"}}"#, [("k", "abc")], "abc");
    errs!(c7_not_ip_on_cidr_is_error, r#"{"NotIpAddress": {"k": "10.0.0.0/8"}}"#, [("k", "10.0.0.0/8")], "10.0.0.0/8");
    errs!(c7_bad_value_is_error_even_if_another_matched, r#"{"NumericLessThan": {"k": "10"}}"#, [("k", "5"), ("k", "abc")], "abc");
    errs!(c7_bad_value_is_error_even_after_an_unmet_clause, r#"{"StringEquals": {"a": "x"}, "NumericLessThan": {"k": "10"}}"#, [("a", "y"), ("k", "abc")], "abc");
    met!(c7_string_operators_never_error, r#"{"StringLike": {"k": "*"}}"#, [("k", "\u{0}not a number")]);
    #[test] fn c7_error_names_the_clause() { let e = eval(r#"{"StringEquals": {"a": "x"}, "NumericLessThan": {"k": "10"}}"#, &[("a", "x"), ("k", "abc")]).unwrap_err(); assert_eq!(e.clause, 1); }
    #[test] fn c7_source_ip_abc_is_rejected_by_context_insert() { assert!(matches!(Context::new().insert("acs:SourceIp", "abc"), Err(RequestError::InvalidContextValue { expected: Family::Ip, .. }))); }
    #[test] fn c7_source_ip_key_is_typed_whatever_its_case() { assert!(Context::new().insert("ACS:SOURCEIP", "abc").is_err()); }
    #[test] fn c7_source_ip_cidr_is_rejected() { assert!(Context::new().insert("acs:SourceIp", "10.0.0.0/8").is_err()); }
    #[test] fn c7_current_time_date_alone_is_rejected() { assert!(matches!(Context::new().insert("acs:CurrentTime", "2019-08-12"), Err(RequestError::InvalidContextValue { expected: Family::Date, .. }))); }
    #[test] fn c7_secure_transport_yes_is_rejected() { assert!(matches!(Context::new().insert("acs:SecureTransport", "yes"), Err(RequestError::InvalidContextValue { expected: Family::Bool, .. }))); }
    #[test] fn c7_mfa_present_1_is_rejected() { assert!(Context::new().insert("acs:MFAPresent", "1").is_err()); }
    #[test] fn c7_ordinary_key_is_not_checked_on_insert() { assert!(Context::new().insert("ecs:tag/size", "abc").is_ok()); }
    #[test] fn c7_rejected_value_is_not_inserted() { let mut c = Context::new(); let _ = c.insert("acs:SourceIp", "abc"); assert_eq!(c.values("acs:SourceIp"), None); }
    #[test] fn c7_insert_error_message() { assert_eq!(Context::new().insert("acs:SourceIp", "abc").unwrap_err().to_string(), "invalid context value for `acs:SourceIp`: `abc` is not an IP address: expected an IPv4 address such as `192.168.0.1` or an IPv6 address such as `2001:db8::1`"); }
    #[test] fn c7_insert_pair_checks_the_value() { assert!(Context::new().insert_pair("acs:SourceIp=abc").is_err()); }
    #[test] fn c7_insert_pair_splits_at_the_first_equals() { let mut c = Context::new(); c.insert_pair("k=a=b").unwrap(); assert_eq!(c.values("k").unwrap(), ["a=b"]); }
    #[test] fn c7_insert_pair_without_equals_is_error() { assert!(matches!(Context::new().insert_pair("acs:SourceIp"), Err(RequestError::MalformedContextPair(_)))); }
    #[test] fn c7_empty_key_is_error() { assert!(matches!(Context::new().insert_pair("=v"), Err(RequestError::EmptyContextKey))); }
    #[test] fn c7_typed_global_keys() { assert_eq!(TYPED_GLOBAL_KEYS.map(|(k, _)| k), ["acs:SourceIp", "acs:CurrentTime", "acs:SecureTransport", "acs:MFAPresent"]); }
    #[test] fn c7_fixed_type_of_is_case_insensitive() { assert_eq!((fixed_type_of("acs:sourceip"), fixed_type_of("acs:SourceVpc")), (Some(Family::Ip), None)); }
}

// C8: `acs:CurrentTime` is the request's clock unless the request gives it.

#[test]
fn c8_current_time_default_is_found_case_insensitively() {
    let block = r#"{"DateEquals": {"ACS:currenttime": "2024-05-01T20:00:00+08:00"}}"#;
    assert!(met(block, &[]));
}

#[test]
fn c8_current_time_is_never_missing_for_a_negated_operator() {
    // `DateNotEquals` of the very moment `now` is not met: the key is present (C8), not
    // missing (C5).
    assert!(!met(
        r#"{"DateNotEquals": {"acs:CurrentTime": "2024-05-01T12:00:00Z"}}"#,
        &[]
    ));
}

#[test]
fn c8_principal_arn_is_absent_unless_the_request_gives_it() {
    let block = r#"{"StringLike": {"acs:PrincipalARN": "acs:ram::*:role/deployer"}}"#;
    assert!(!met(block, &[]));
    assert!(met(
        block,
        &[(
            "acs:PrincipalARN",
            "acs:ram::1234567890123456:role/deployer"
        )]
    ));
}

#[test]
fn operator_names_round_trip() {
    for op in Operator::ALL {
        assert_eq!(Operator::from_name(op.name()), Some(op));
        assert_eq!(op.name().parse::<Operator>(), Ok(op));
        assert_eq!(op.to_string(), op.name());
    }
    assert_eq!(Operator::ALL.len(), 21);
    assert!("stringEquals".parse::<Operator>().is_err());
    assert!(Operator::from_name("ArnLike").is_none());
}

#[test]
fn c3_families_of_the_operators() {
    use Family::*;
    let families: Vec<Family> = Operator::ALL.into_iter().map(Operator::family).collect();
    assert_eq!(
        families,
        [
            String, String, String, String, String, String, Numeric, Numeric, Numeric, Numeric,
            Numeric, Numeric, Date, Date, Date, Date, Date, Date, Bool, Ip, Ip
        ]
    );
}
