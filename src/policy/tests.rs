//! Tests of the document grammar, one or more per spec rule G1–G11, named after the rule.
//!
//! Most cases are one line: a document, and either "parses" or "fails with this kind at the
//! first occurrence of this text". Positions are located by searching the text for a needle
//! and counting characters, so a test reads as "the error points at `"allow"`".
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use super::*;
use crate::vocabulary::Operator;

/// A one-statement identity policy whose statement has these members.
fn doc(members: &str) -> String {
    format!(r#"{{"Version": "1", "Statement": [{{{members}}}]}}"#)
}

/// The members of a minimal valid statement.
const BASE: &str = r#""Effect": "Allow", "Action": "ecs:*", "Resource": "*""#;

/// A policy whose only statement is `BASE` plus this `Condition` value.
fn cond(condition: &str) -> String {
    doc(&format!(r#"{BASE}, "Condition": {condition}"#))
}

fn parse_ok(text: &str) -> Policy {
    Policy::parse(text).unwrap_or_else(|e| panic!("should parse, got {e}\n{text}"))
}

fn parse_ok_as(text: &str, kind: PolicyKind) -> Policy {
    Policy::parse_as(text, kind).unwrap_or_else(|e| panic!("should parse, got {e}\n{text}"))
}

fn err(text: &str) -> PolicyError {
    Policy::parse(text).expect_err("should fail")
}

fn err_as(text: &str, kind: PolicyKind) -> PolicyError {
    Policy::parse_as(text, kind).expect_err("should fail")
}

/// The line and column of the `n`th (from 0) occurrence of `needle`, counted independently
/// of [`Source`]: lines from `\n`, columns in characters.
fn locate_nth(text: &str, needle: &str, n: usize) -> Position {
    let (offset, _) = text
        .match_indices(needle)
        .nth(n)
        .unwrap_or_else(|| panic!("`{needle}` occurs fewer than {} times", n + 1));
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Position {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

fn locate(text: &str, needle: &str) -> Position {
    locate_nth(text, needle, 0)
}

fn pos(line: usize, column: usize) -> Position {
    Position { line, column }
}

/// `fails!(name, text, Kind, "needle")`: parsing `text` as an identity policy fails with
/// `PolicyErrorKind::Kind` at the first occurrence of `needle`.
macro_rules! fails {
    ($name:ident, $text:expr, $kind:ident, $needle:expr) => {
        #[test]
        fn $name() {
            let text: String = String::from($text);
            let e = err(&text);
            assert_eq!(e.kind(), PolicyErrorKind::$kind, "{e}");
            assert_eq!(e.position(), locate(&text, $needle), "{e}");
        }
    };
}

/// `parses!(name, text)`: `text` is a valid identity policy.
macro_rules! parses {
    ($name:ident, $text:expr) => {
        #[test]
        fn $name() {
            parse_ok(&String::from($text));
        }
    };
}

/// One line per case.
#[rustfmt::skip]
mod cases {
    use super::*;

    // G1: a JSON object with `Version` and `Statement`, both required.
    parses!(g1_minimal_document_parses, doc(BASE));
    fails!(g1_top_level_array_is_invalid_type, "[]", InvalidType, "[");
    fails!(g1_top_level_string_is_invalid_type, r#"  "policy""#, InvalidType, "\"policy\"");
    fails!(g1_top_level_null_is_invalid_type, "null", InvalidType, "null");
    fails!(g1_empty_text_is_invalid_json, "", InvalidJson, "");
    #[test] fn g1_whitespace_only_is_invalid_json_at_its_end() { let e = err("\n  "); assert_eq!((e.kind(), e.position()), (PolicyErrorKind::InvalidJson, pos(2, 3))); }
    fails!(g1_missing_statement_is_error, r#"{"Version": "1"}"#, MissingStatement, "{");
    fails!(g1_missing_version_is_error, r#"{"Statement": []}"#, InvalidVersion, "{");
    fails!(g1_bare_statement_object_is_missing_statement, r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#, MissingStatement, "{");
    fails!(g1_content_after_the_document_is_invalid_json, format!("{}\n  extra", doc(BASE)), InvalidJson, "extra");
    #[test] fn g1_truncated_document_is_invalid_json_at_its_end() { let text = r#"{"Version": "1", "Statement": [{"Effect": "Allow""#; let e = err(text); assert_eq!((e.kind(), e.position()), (PolicyErrorKind::InvalidJson, pos(1, text.len() + 1))); }
    #[test] fn g1_missing_version_message() { assert_eq!(err(r#"{"Statement": []}"#).message(), "the policy has no `Version`"); }
    #[test] fn g1_missing_statement_message() { assert_eq!(err(r#"{"Version": "1"}"#).message(), "the policy has no `Statement`"); }
    #[test] fn g1_bare_statement_help_says_wrap_it() { assert!(err(r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#).help().unwrap().starts_with("wrap it")); }

    // G2: `Version` is exactly the string "1".
    parses!(g2_version_string_1_parses, r#"{"Version": "1", "Statement": []}"#);
    fails!(g2_version_number_1_is_error, r#"{"Version": 1, "Statement": []}"#, InvalidVersion, "1,");
    fails!(g2_version_2012_10_17_is_error, r#"{"Version": "2012-10-17", "Statement": []}"#, InvalidVersion, "\"2012");
    fails!(g2_version_2_is_error, r#"{"Version": "2", "Statement": []}"#, InvalidVersion, "\"2\"");
    fails!(g2_version_1_0_is_error, r#"{"Version": "1.0", "Statement": []}"#, InvalidVersion, "\"1.0\"");
    fails!(g2_version_with_space_is_error, r#"{"Version": " 1", "Statement": []}"#, InvalidVersion, "\" 1\"");
    fails!(g2_version_null_is_error, r#"{"Version": null, "Statement": []}"#, InvalidVersion, "null");
    fails!(g2_version_array_is_error, r#"{"Version": ["1"], "Statement": []}"#, InvalidVersion, "[");
    #[test] fn g2_version_number_message_and_help() { let e = err(r#"{"Version": 1, "Statement": []}"#); assert_eq!((e.message(), e.help()), ("`Version` must be the string \"1\", found a number", Some("quote it: `\"Version\": \"1\"`"))); }
    #[test] fn g2_version_aws_date_help_names_aws() { let e = err(r#"{"Version": "2012-10-17", "Statement": []}"#); assert_eq!(e.message(), "`Version` must be \"1\", found \"2012-10-17\""); assert!(e.help().unwrap().contains("AWS IAM"), "{e}"); }
    #[test] fn g2_version_error_path_is_version() { assert_eq!(err(r#"{"Version": "2", "Statement": []}"#).path(), "Version"); }

    // G3: `Statement` is an array; a single object is accepted; an empty array is valid.
    #[test] fn g3_single_statement_object_is_accepted() { let p = parse_ok(&format!(r#"{{"Version": "1", "Statement": {{{BASE}}}}}"#)); assert_eq!((p.statements().len(), p.statement_is_array(), p.statements()[0].index()), (1, false, 0)); }
    #[test] fn g3_statement_array_is_the_documented_form() { assert!(parse_ok(&doc(BASE)).statement_is_array()); }
    #[test] fn g3_empty_statement_array_is_valid_and_empty() { assert!(parse_ok(r#"{"Version": "1", "Statement": []}"#).statements().is_empty()); }
    #[test] fn g3_statement_indexes_count_from_0() { let p = parse_ok(&format!(r#"{{"Version": "1", "Statement": [{{{BASE}}}, {{{BASE}}}, {{{BASE}}}]}}"#)); assert_eq!(p.statements().iter().map(Statement::index).collect::<Vec<_>>(), [0, 1, 2]); }
    fails!(g3_statement_string_is_invalid_type, r#"{"Version": "1", "Statement": "Allow"}"#, InvalidType, "\"Allow\"");
    fails!(g3_statement_null_is_invalid_type, r#"{"Version": "1", "Statement": null}"#, InvalidType, "null");
    fails!(g3_statement_element_not_object_is_invalid_type, format!(r#"{{"Version": "1", "Statement": [{{{BASE}}}, "x"]}}"#), InvalidType, "\"x\"");
    #[test] fn g3_statement_element_error_path() { assert_eq!(err(&format!(r#"{{"Version": "1", "Statement": [{{{BASE}}}, 7]}}"#)).path(), "Statement[1]"); }
    #[test] fn g3_single_statement_object_error_path_has_no_index() { assert_eq!(err(r#"{"Version": "1", "Statement": {"Effect": "allow", "Action": "*", "Resource": "*"}}"#).path(), "Statement.Effect"); }

    // G4: Effect, Action/NotAction required; Resource/NotResource required except in trust
    // policies; Principal only in trust policies; Sid and Condition optional.
    fails!(g4_effect_is_required, doc(r#""Action": "ecs:*", "Resource": "*""#), InvalidEffect, "{\"Action");
    fails!(g4_action_is_required, doc(r#""Effect": "Allow", "Resource": "*""#), MissingAction, "{\"Effect");
    fails!(g4_action_and_notaction_together_is_error, doc(r#""Effect": "Allow", "Action": "ecs:*", "NotAction": "ram:*", "Resource": "*""#), MissingAction, "\"NotAction\"");
    fails!(g4_resource_is_required_in_identity_policy, doc(r#""Effect": "Allow", "Action": "ecs:*""#), MissingResource, "{\"Effect");
    fails!(g4_resource_and_notresource_together_is_error, doc(r#""Effect": "Allow", "Action": "ecs:*", "Resource": "*", "NotResource": "acs:ecs:*:*:instance/*""#), MissingResource, "\"NotResource\"");
    fails!(g4_principal_in_identity_policy_is_error, doc(&format!(r#"{BASE}, "Principal": {{"RAM": "acs:ram::1234567890123456:root"}}"#)), PrincipalNotAllowed, "\"Principal\"");
    parses!(g4_notaction_is_accepted, doc(r#""Effect": "Allow", "NotAction": "ram:*", "Resource": "*""#));
    parses!(g4_notresource_is_accepted, doc(r#""Effect": "Allow", "Action": "ecs:*", "NotResource": "acs:ecs:*:*:instance/*""#));
    parses!(g4_sid_and_condition_are_optional, doc(BASE));
    #[test] fn g4_resource_is_required_in_session_policy() { assert_eq!(err_as(&doc(r#""Effect": "Allow", "Action": "ecs:*""#), PolicyKind::Session).kind(), PolicyErrorKind::MissingResource); }
    #[test] fn g4_resource_is_required_in_control_policy() { assert_eq!(err_as(&doc(r#""Effect": "Allow", "Action": "ecs:*""#), PolicyKind::Control).kind(), PolicyErrorKind::MissingResource); }
    #[test] fn g4_missing_resource_message_names_the_kind() { assert!(err_as(&doc(r#""Effect": "Allow", "Action": "ecs:*""#), PolicyKind::Session).message().contains("a session policy requires")); }
    #[test] fn g4_resource_is_not_required_in_trust_policy() { let p = parse_ok_as(&doc(r#""Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": ["acs:ram::1234567890123456:root"]}"#), PolicyKind::Trust); assert!(p.statements()[0].resource().is_none()); }
    #[test] fn g4_principal_in_session_policy_is_error() { assert_eq!(err_as(&doc(&format!(r#"{BASE}, "Principal": "*""#)), PolicyKind::Session).kind(), PolicyErrorKind::PrincipalNotAllowed); }
    #[test] fn g4_principal_in_control_policy_is_error() { assert_eq!(err_as(&doc(&format!(r#"{BASE}, "Principal": "*""#)), PolicyKind::Control).kind(), PolicyErrorKind::PrincipalNotAllowed); }
    #[test] fn g4_principal_message() { assert_eq!(err(&doc(&format!(r#"{BASE}, "Principal": "*""#))).message(), "`Principal` is not allowed in an identity policy"); }
    #[test] fn g4_trust_statement_without_principal_is_error() { assert_eq!(err_as(&doc(r#""Effect": "Allow", "Action": "sts:AssumeRole""#), PolicyKind::Trust).kind(), PolicyErrorKind::MissingPrincipal); }
    #[test] fn g4_trust_principal_wildcard_is_read_leniently_for_the_linter() { let (p, errors) = Policy::parse_with_errors(doc(r#""Effect": "Allow", "Action": "sts:AssumeRole", "Principal": "*""#).as_bytes(), PolicyKind::Trust); assert!(errors.is_empty()); assert!(p.unwrap().statements()[0].principal().unwrap().is_wildcard()); }
    #[test] fn t1_trust_principal_wildcard_is_error() { let e = err_as(&doc(r#""Effect": "Allow", "Action": "sts:AssumeRole", "Principal": "*""#), PolicyKind::Trust); assert_eq!((e.kind(), e.path(), e.message()), (PolicyErrorKind::InvalidType, "Statement[0].Principal", "`Principal` must be an object of `RAM`, `Service` or `Federated`, found \"*\"")); }
    #[test] fn t1_trust_resource_is_error() { let e = err_as(&doc(r#""Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*", "Principal": {"RAM": "acs:ram::1234567890123456:root"}"#), PolicyKind::Trust); assert_eq!((e.kind(), e.path(), e.message(), e.position().column), (PolicyErrorKind::ResourceInTrustPolicy, "Statement[0].Resource", "a trust policy statement has `Resource`", 80)); }
    #[test] fn t1_trust_notresource_is_error() { let e = err_as(&doc(r#""Effect": "Allow", "Action": "sts:AssumeRole", "NotResource": "*", "Principal": {"RAM": "acs:ram::1234567890123456:root"}"#), PolicyKind::Trust); assert_eq!((e.kind(), e.path()), (PolicyErrorKind::ResourceInTrustPolicy, "Statement[0].NotResource")); }
    #[test] fn t1_trust_unknown_principal_key_is_error() { let e = err_as(&doc(r#""Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Ram": "acs:ram::1234567890123456:root"}"#), PolicyKind::Trust); assert_eq!((e.kind(), e.message(), e.help()), (PolicyErrorKind::UnknownKey, "unknown key `Ram` in `Principal`", Some("did you mean `RAM`?"))); }
    #[test] fn t1_trust_aws_principal_key_is_error() { assert_eq!(err_as(&doc(r#""Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::1:root"}"#), PolicyKind::Trust).kind(), PolicyErrorKind::UnknownKey); }
    #[test] fn t1_trust_empty_ram_list_is_error() { let e = err_as(&doc(r#""Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": []}"#), PolicyKind::Trust); assert_eq!((e.kind(), e.path()), (PolicyErrorKind::EmptyValue, "Statement[0].Principal.RAM")); }
    #[test] fn t1_trust_empty_principal_object_is_error() { assert_eq!(err_as(&doc(r#""Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {}"#), PolicyKind::Trust).kind(), PolicyErrorKind::EmptyValue); }
    #[test] fn t1_trust_principal_value_must_be_strings() { assert_eq!(err_as(&doc(r#""Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [1]}"#), PolicyKind::Trust).kind(), PolicyErrorKind::InvalidType); }
    #[test] fn t1_trust_all_three_keys_parse() { let p = parse_ok_as(&doc(r#""Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": "acs:ram::1234567890123456:root", "Service": "ecs.aliyuncs.com", "Federated": "acs:ram::1234567890123456:saml-provider/idp"}"#), PolicyKind::Trust); assert_eq!(p.statements()[0].principal().unwrap().entries().len(), 3); }
    #[test] fn g4_trust_principal_entries() { let p = parse_ok_as(&doc(r#""Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": ["ecs.aliyuncs.com", "fc.aliyuncs.com"]}"#), PolicyKind::Trust); let e = &p.statements()[0].principal().unwrap().entries()[0]; assert_eq!((e.0.value().as_str(), e.1.len()), ("Service", 2)); }
    #[test] fn g4_notaction_is_negated() { assert!(parse_ok(&doc(r#""Effect": "Allow", "NotAction": "ram:*", "Resource": "*""#)).statements()[0].action().is_negated()); }
    #[test] fn g4_notresource_is_negated() { assert!(parse_ok(&doc(r#""Effect": "Allow", "Action": "ecs:*", "NotResource": "acs:ecs:*:*:instance/*""#)).statements()[0].resource().unwrap().is_negated()); }
    #[test] fn g4_sid_is_kept() { let p = parse_ok(&doc(&format!(r#""Sid": "CancelBuilds", {BASE}"#))); assert_eq!(p.statements()[0].sid().unwrap().value(), "CancelBuilds"); }
    fails!(g4_sid_must_be_a_string, doc(&format!(r#""Sid": 1, {BASE}"#)), InvalidType, "1,");

    // G5: keys are case-sensitive; any other key is an error, with a suggestion when close.
    fails!(g5_conditon_is_unknown_key, cond_typo(), UnknownKey, "\"Conditon\"");
    fails!(g5_top_level_id_is_unknown_key, r#"{"Version": "1", "Id": "p1", "Statement": []}"#, UnknownKey, "\"Id\"");
    fails!(g5_top_level_foo_is_unknown_key, r#"{"Version": "1", "Statement": [], "Foo": 1}"#, UnknownKey, "\"Foo\"");
    fails!(g5_statement_foo_is_unknown_key, doc(&format!(r#"{BASE}, "Foo": "bar""#)), UnknownKey, "\"Foo\"");
    fails!(g5_lowercase_condition_is_unknown_key, doc(&format!(r#"{BASE}, "condition": {{}}"#)), UnknownKey, "\"condition\"");
    #[test] fn g5_conditon_message_and_did_you_mean() { let e = err(&cond_typo()); assert_eq!((e.message(), e.help()), ("unknown key `Conditon` in a statement", Some("did you mean `Condition`? keys are case-sensitive"))); }
    #[test] fn g5_conditon_path() { assert_eq!(err(&cond_typo()).path(), "Statement[0].Conditon"); }
    #[test] fn g5_lowercase_condition_suggests_condition() { assert_eq!(err(&doc(&format!(r#"{BASE}, "condition": {{}}"#))).help(), Some("did you mean `Condition`? keys are case-sensitive")); }
    #[test] fn g5_far_key_lists_allowed_keys() { assert_eq!(err(r#"{"Version": "1", "Statement": [], "Foo": 1}"#).help(), Some("the keys allowed at the top level are `Version`, `Statement`")); }
    #[test] fn g5_misspelt_resources_is_the_first_error_not_missing_resource() { let e = err(&doc(r#""Effect": "Allow", "Action": "ecs:*", "Resources": "*""#)); assert_eq!((e.kind(), e.help()), (PolicyErrorKind::UnknownKey, Some("did you mean `Resource`? keys are case-sensitive"))); }
    #[test] fn g4_stray_principal_is_reported_before_missing_resource() { assert_eq!(err(&doc(r#""Effect": "Allow", "Principal": {"RAM": "*"}, "Action": "sts:AssumeRole""#)).kind(), PolicyErrorKind::PrincipalNotAllowed); }
    #[test] fn g5_resources_is_reported_with_suggestion() { assert!(all_errors(&doc(r#""Effect": "Allow", "Action": "ecs:*", "Resources": "*""#)).iter().any(|e| e.kind() == PolicyErrorKind::UnknownKey && e.help() == Some("did you mean `Resource`? keys are case-sensitive"))); }
    #[test] fn g5_actions_is_reported_with_suggestion() { assert!(all_errors(&doc(r#""Effect": "Allow", "Actions": "ecs:*", "Resource": "*""#)).iter().any(|e| e.kind() == PolicyErrorKind::UnknownKey && e.help() == Some("did you mean `Action`? keys are case-sensitive"))); }
    #[test] fn g5_misspelt_condition_never_drops_silently() { assert!(Policy::parse(&cond_typo()).is_err()); }

    // G6: `Effect` is exactly "Allow" or "Deny".
    fails!(g6_lowercase_allow_is_error, doc(r#""Effect": "allow", "Action": "ecs:*", "Resource": "*""#), InvalidEffect, "\"allow\"");
    fails!(g6_uppercase_allow_is_error, doc(r#""Effect": "ALLOW", "Action": "ecs:*", "Resource": "*""#), InvalidEffect, "\"ALLOW\"");
    fails!(g6_alow_is_error, doc(r#""Effect": "Alow", "Action": "ecs:*", "Resource": "*""#), InvalidEffect, "\"Alow\"");
    fails!(g6_lowercase_deny_is_error, doc(r#""Effect": "deny", "Action": "ecs:*", "Resource": "*""#), InvalidEffect, "\"deny\"");
    fails!(g6_effect_with_space_is_error, doc(r#""Effect": "Allow ", "Action": "ecs:*", "Resource": "*""#), InvalidEffect, "\"Allow \"");
    fails!(g6_effect_bool_is_error, doc(r#""Effect": true, "Action": "ecs:*", "Resource": "*""#), InvalidEffect, "true");
    fails!(g6_effect_array_is_error, doc(r#""Effect": ["Allow"], "Action": "ecs:*", "Resource": "*""#), InvalidEffect, "[\"Allow\"]");
    #[test] fn g6_allow_suggests_allow() { let e = err(&doc(r#""Effect": "allow", "Action": "ecs:*", "Resource": "*""#)); assert_eq!((e.message(), e.help()), ("`Effect` must be \"Allow\" or \"Deny\", found \"allow\"", Some("did you mean `Allow`? `Effect` is case-sensitive"))); }
    #[test] fn g6_alow_suggests_allow() { assert_eq!(err(&doc(r#""Effect": "Alow", "Action": "ecs:*", "Resource": "*""#)).help(), Some("did you mean `Allow`? `Effect` is case-sensitive")); }
    #[test] fn g6_deny_suggests_deny() { assert_eq!(err(&doc(r#""Effect": "DENY", "Action": "ecs:*", "Resource": "*""#)).help(), Some("did you mean `Deny`? `Effect` is case-sensitive")); }
    #[test] fn g6_far_effect_gets_plain_help() { assert_eq!(err(&doc(r#""Effect": "Permit", "Action": "ecs:*", "Resource": "*""#)).help(), Some("write `\"Allow\"` or `\"Deny\"`")); }
    #[test] fn g6_allow_and_deny_parse() { assert_eq!(parse_ok(&format!(r#"{{"Version": "1", "Statement": [{{{BASE}}}, {{"Effect": "Deny", "Action": "*", "Resource": "*"}}]}}"#)).statements().iter().map(Statement::effect).collect::<Vec<_>>(), [Effect::Allow, Effect::Deny]); }

    // G7: a string or a non-empty array of strings; "x" and ["x"] mean the same.
    fails!(g7_empty_action_array_is_error, doc(r#""Effect": "Allow", "Action": [], "Resource": "*""#), EmptyValue, "[]");
    fails!(g7_empty_notaction_array_is_error, doc(r#""Effect": "Allow", "NotAction": [], "Resource": "*""#), EmptyValue, "[]");
    fails!(g7_empty_resource_array_is_error, doc(r#""Effect": "Allow", "Action": "ecs:*", "Resource": []"#), EmptyValue, "[]");
    fails!(g7_empty_notresource_array_is_error, doc(r#""Effect": "Allow", "Action": "ecs:*", "NotResource": []"#), EmptyValue, "[]");
    fails!(g7_number_entry_is_invalid_type, doc(r#""Effect": "Allow", "Action": ["ecs:*", 7], "Resource": "*""#), InvalidType, "7]");
    fails!(g7_null_action_is_invalid_type, doc(r#""Effect": "Allow", "Action": null, "Resource": "*""#), InvalidType, "null");
    fails!(g7_object_resource_is_invalid_type, doc(r#""Effect": "Allow", "Action": "ecs:*", "Resource": {"Ref": "Arn"}"#), InvalidType, "{\"Ref\"");
    fails!(g7_nested_array_entry_is_invalid_type, doc(r#""Effect": "Allow", "Action": [["ecs:*"]], "Resource": "*""#), InvalidType, "[\"ecs");
    #[test] fn g7_string_and_one_element_array_mean_the_same() { let (a, b) = (parse_ok(&doc(r#""Effect": "Allow", "Action": "ecs:*", "Resource": "*""#)), parse_ok(&doc(r#""Effect": "Allow", "Action": ["ecs:*"], "Resource": ["*"]"#))); let values = |p: &Policy| (p.statements()[0].action().patterns()[0].value().clone(), p.statements()[0].resource().unwrap().patterns()[0].value().clone()); assert_eq!(values(&a), values(&b)); assert!(!a.statements()[0].action().is_array() && b.statements()[0].action().is_array()); }
    #[test] fn g7_entry_error_path() { assert_eq!(err(&doc(r#""Effect": "Allow", "Action": ["ecs:*", 7], "Resource": "*""#)).path(), "Statement[0].Action[1]"); }
    #[test] fn g7_empty_array_message() { assert_eq!(err(&doc(r#""Effect": "Allow", "Action": [], "Resource": "*""#)).message(), "`Action` is an empty array"); }
    #[test] fn g7_entries_keep_their_positions() { let text = doc(r#""Effect": "Allow", "Action": ["ecs:A", "ecs:B"], "Resource": "*""#); let p = parse_ok(&text); assert_eq!(p.position(p.statements()[0].action().patterns()[1].span()), locate(&text, "\"ecs:B\"")); }

    // G8: a key repeated in one object is an error.
    fails!(g8_duplicate_effect_is_error, doc(r#""Effect": "Allow", "Effect": "Deny", "Action": "ecs:*", "Resource": "*""#), DuplicateKey, "\"Effect\": \"Deny\"");
    fails!(g8_duplicate_string_equals_in_condition_is_error, cond(r#"{"StringEquals": {"a": "1"}, "StringEquals": {"b": "2"}}"#), DuplicateKey, "\"StringEquals\": {\"b\"");
    fails!(g8_duplicate_condition_key_is_error, cond(r#"{"StringEquals": {"a": "1", "a": "2"}}"#), DuplicateKey, "\"a\": \"2\"");
    fails!(g8_duplicate_statement_is_error, r#"{"Version": "1", "Statement": [], "Statement": []}"#, DuplicateKey, "\"Statement\": []}");
    fails!(g8_duplicate_version_is_error, r#"{"Version": "1", "Version": "1", "Statement": []}"#, DuplicateKey, "\"Version\": \"1\", \"Statement\"");
    fails!(g8_duplicate_equal_values_is_still_error, doc(r#""Effect": "Allow", "Action": "ecs:*", "Action": "ecs:*", "Resource": "*""#), DuplicateKey, "\"Action\": \"ecs:*\", \"Resource\"");
    #[test] fn g8_duplicate_message_names_the_first() { let text = "{\"Version\": \"1\", \"Statement\": [{\n  \"Effect\": \"Allow\",\n  \"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\"}]}"; let e = err(text); assert_eq!(e.message(), "duplicate key `Effect` (first at line 2)"); assert_eq!(e.related().map(|(_, p)| p), Some(pos(2, 3))); assert_eq!(e.position(), pos(3, 3)); }
    #[test] fn g8_repeats_among_20000_condition_keys_name_their_first_occurrence() {
        // Keys on lines of their own; `k7` comes back at the end, twice.
        let mut keys: Vec<String> = (0..20_000).map(|i| format!("\"k{i}\": \"v\"")).collect();
        keys.extend(["\"k7\": \"x\"".to_owned(), "\"k7\": \"y\"".to_owned()]);
        let text = cond(&format!("{{\"StringEquals\": {{\n{}}}}}", keys.join(",\n")));
        let (_, errors) = Policy::parse_with_errors(text.as_bytes(), PolicyKind::Identity);
        let found: Vec<(&str, Position, Option<Position>)> = errors.iter().map(|e| (e.message(), e.position(), e.related().map(|(_, p)| p))).collect();
        let first = locate(&text, "\"k7\"");
        let message = format!("duplicate key `k7` (first at line {})", first.line);
        assert_eq!(found, [
            (message.as_str(), locate(&text, "\"k7\": \"x\""), Some(first)),
            (message.as_str(), locate(&text, "\"k7\": \"y\""), Some(first)),
        ]);
    }
    #[test] fn g8_duplicate_operator_path() { assert_eq!(err(&cond(r#"{"StringEquals": {"a": "1"}, "StringEquals": {"b": "2"}}"#)).path(), "Statement[0].Condition.StringEquals"); }

    // G9: condition values are strings or non-empty arrays of strings; numbers and booleans
    // read as their text; null, objects, nested arrays, empty arrays and empty operators are
    // errors.
    #[test] fn g9_number_reads_as_its_text() { let v = value_of(&cond(r#"{"NumericEquals": {"k": 1}}"#)); assert_eq!((v.text(), v.was_string()), ("1", false)); }
    #[test] fn g9_decimal_number_keeps_its_text() { assert_eq!(value_of(&cond(r#"{"StringEquals": {"k": 10.50}}"#)).text(), "10.50"); }
    #[test] fn g9_negative_number_keeps_its_text() { assert_eq!(value_of(&cond(r#"{"NumericLessThan": {"k": -2.5}}"#)).text(), "-2.5"); }
    #[test] fn g9_true_reads_as_its_text() { let v = value_of(&cond(r#"{"Bool": {"acs:SecureTransport": true}}"#)); assert_eq!((v.text(), v.was_string(), v.typed()), ("true", false, &TypedValue::Bool(true))); }
    #[test] fn g9_false_reads_as_string_for_string_operator() { assert_eq!(value_of(&cond(r#"{"StringEquals": {"k": false}}"#)).typed(), &TypedValue::String("false".into())); }
    #[test] fn g9_numbers_in_an_array_read_as_text() { let p = parse_ok(&cond(r#"{"StringEquals": {"k": [1, "2", true]}}"#)); let texts: Vec<&str> = p.statements()[0].condition().unwrap().clauses()[0].values().iter().map(ConditionValue::text).collect(); assert_eq!(texts, ["1", "2", "true"]); }
    #[test] fn g9_string_value_was_string() { assert!(value_of(&cond(r#"{"StringEquals": {"k": "v"}}"#)).was_string()); }
    fails!(g9_null_value_is_error, cond(r#"{"StringEquals": {"k": null}}"#), InvalidType, "null");
    fails!(g9_null_in_array_is_error, cond(r#"{"StringEquals": {"k": ["a", null]}}"#), InvalidType, "null");
    fails!(g9_object_value_is_error, cond(r#"{"StringEquals": {"k": {"v": "1"}}}"#), InvalidType, "{\"v\"");
    fails!(g9_nested_array_value_is_error, cond(r#"{"StringEquals": {"k": [["a"]]}}"#), InvalidType, "[\"a\"]");
    fails!(g9_empty_value_array_is_error, cond(r#"{"StringEquals": {"k": []}}"#), EmptyValue, "[]");
    fails!(g9_operator_without_keys_is_error, cond(r#"{"IpAddress": {}}"#), EmptyValue, "{}}");
    fails!(g9_operator_value_string_is_error, cond(r#"{"StringEquals": "k"}"#), InvalidType, "\"k\"");
    fails!(g9_condition_array_is_error, cond(r#"[{"StringEquals": {"k": "v"}}]"#), InvalidType, "[{\"StringEquals");
    fails!(g9_condition_null_is_error, cond("null"), InvalidType, "null");
    fails!(g9_exponent_number_is_not_a_decimal, cond(r#"{"NumericEquals": {"k": 1e3}}"#), InvalidConditionValue, "1e3");
    #[test] fn g9_empty_operator_message() { assert_eq!(err(&cond(r#"{"IpAddress": {}}"#)).message(), "`IpAddress` has no condition keys"); }
    #[test] fn g9_null_message() { assert_eq!(err(&cond(r#"{"StringEquals": {"k": null}}"#)).message(), "a condition value must be a string, found null"); }
    #[test] fn g9_null_in_array_path() { assert_eq!(err(&cond(r#"{"StringEquals": {"k": ["a", null]}}"#)).path(), "Statement[0].Condition.StringEquals.k[1]"); }
    parses!(c1_empty_condition_object_is_valid, cond("{}"));

    // C3 at parse time: operator names are case-sensitive and exactly RAM's 21; AWS-only
    // operators are errors; a value that does not parse for its operator is an error.
    fails!(c3_arn_like_is_unknown_operator, cond(r#"{"ArnLike": {"acs:PrincipalARN": "acs:ram::*:role/x"}}"#), UnknownOperator, "\"ArnLike\"");
    fails!(c3_if_exists_is_unknown_operator, cond(r#"{"StringEqualsIfExists": {"k": "v"}}"#), UnknownOperator, "\"StringEqualsIfExists\"");
    fails!(c3_for_any_value_is_unknown_operator, cond(r#"{"ForAnyValue:StringEquals": {"k": "v"}}"#), UnknownOperator, "\"ForAnyValue");
    fails!(c3_for_all_values_is_unknown_operator, cond(r#"{"ForAllValues:StringLike": {"k": "v"}}"#), UnknownOperator, "\"ForAllValues");
    fails!(c3_null_operator_is_unknown_operator, cond(r#"{"Null": {"k": "true"}}"#), UnknownOperator, "\"Null\"");
    fails!(c3_string_equal_is_unknown_operator, cond(r#"{"StringEqual": {"k": "v"}}"#), UnknownOperator, "\"StringEqual\"");
    fails!(c3_lowercase_operator_is_unknown_operator, cond(r#"{"stringequals": {"k": "v"}}"#), UnknownOperator, "\"stringequals\"");
    fails!(c3_numeric_less_than_ten_is_invalid_value, cond(r#"{"NumericLessThan": {"k": "ten"}}"#), InvalidConditionValue, "\"ten\"");
    fails!(c3_ip_out_of_range_is_invalid_value, cond(r#"{"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "10.0.0.300/8"]}}"#), InvalidConditionValue, "\"10.0.0.300/8\"");
    fails!(c3_date_alone_is_invalid_value, cond(r#"{"DateLessThan": {"acs:CurrentTime": "2019-08-12"}}"#), InvalidConditionValue, "\"2019-08-12\"");
    fails!(c3_date_without_zone_is_invalid_value, cond(r#"{"DateLessThan": {"acs:CurrentTime": "2019-08-12T17:00:00"}}"#), InvalidConditionValue, "\"2019-08-12T17");
    fails!(c3_bool_yes_is_invalid_value, cond(r#"{"Bool": {"acs:SecureTransport": "yes"}}"#), InvalidConditionValue, "\"yes\"");
    #[test] fn c3_string_equal_suggests_string_equals() { let e = err(&cond(r#"{"StringEqual": {"k": "v"}}"#)); assert_eq!((e.message(), e.help()), ("unknown condition operator `StringEqual`", Some("did you mean `StringEquals`? operator names are case-sensitive"))); }
    #[test] fn c3_lowercase_operator_suggests_the_operator() { assert_eq!(err(&cond(r#"{"stringequals": {"k": "v"}}"#)).help(), Some("did you mean `StringEquals`? operator names are case-sensitive")); }
    #[test] fn c3_if_exists_help_names_the_base_operator() { assert!(err(&cond(r#"{"StringEqualsIfExists": {"k": "v"}}"#)).help().unwrap().contains("use `StringEquals`")); }
    #[test] fn c3_for_any_value_help_says_aws_only() { assert!(err(&cond(r#"{"ForAnyValue:StringEquals": {"k": "v"}}"#)).help().unwrap().contains("AWS-only")); }
    #[test] fn c3_arn_like_help_says_aws_only() { assert!(err(&cond(r#"{"ArnLike": {"k": "v"}}"#)).help().unwrap().contains("AWS-only")); }
    #[test] fn c3_far_operator_lists_the_operators() { assert!(err(&cond(r#"{"Whatever": {"k": "v"}}"#)).help().unwrap().starts_with("RAM's operators are `StringEquals`")); }
    #[test] fn c3_unknown_operator_path() { assert_eq!(err(&cond(r#"{"StringEqual": {"k": "v"}}"#)).path(), "Statement[0].Condition.StringEqual"); }
    #[test] fn c3_invalid_value_message_names_the_operator() { assert!(err(&cond(r#"{"NumericLessThan": {"k": "ten"}}"#)).message().starts_with("invalid value for `NumericLessThan`: `ten` is not a number")); }
    #[test] fn c3_every_operator_name_parses() { for op in Operator::ALL { let text = cond(&format!(r#"{{"{op}": {{"k": "{}"}}}}"#, op.family().sample())); assert_eq!(parse_ok(&text).statements()[0].condition().unwrap().clauses()[0].operator(), op); } }
    #[test] fn c3_clauses_keep_operator_key_and_positions() { let text = cond(r#"{"StringEquals": {"ecs:tag/env": "prod"}}"#); let p = parse_ok(&text); let c = &p.statements()[0].condition().unwrap().clauses()[0]; assert_eq!((c.key(), p.position(c.key_span()), p.position(c.operator_span()), p.position(c.values()[0].span())), ("ecs:tag/env", locate(&text, "\"ecs:tag"), locate(&text, "\"StringEquals\""), locate(&text, "\"prod\""))); }
    #[test] fn c3_one_clause_per_operator_and_key() { let p = parse_ok(&cond(r#"{"StringEquals": {"a": "1", "b": "2"}, "Bool": {"c": "true"}}"#)); let keys: Vec<(Operator, &str)> = p.statements()[0].condition().unwrap().clauses().iter().map(|c| (c.operator(), c.key())).collect(); assert_eq!(keys, [(Operator::StringEquals, "a"), (Operator::StringEquals, "b"), (Operator::Bool, "c")]); }

    // G10: limits are the linter's; evaluation still works on a long document.
    #[test] fn g10_max_length_per_kind() { assert_eq!([PolicyKind::Identity, PolicyKind::Session, PolicyKind::Control, PolicyKind::Trust].map(PolicyKind::max_length), [6144, 2048, 4096, 6144]); }
    #[test] fn g10_document_over_the_limit_still_parses() { let actions: Vec<String> = (0..400).map(|i| format!("\"ecs:Action{i}\"")).collect(); let text = doc(&format!(r#""Effect": "Allow", "Action": [{}], "Resource": "*""#, actions.join(", "))); assert!(text.chars().count() > PolicyKind::Identity.max_length()); assert_eq!(parse_ok(&text).statements()[0].action().patterns().len(), 400); }

    // G11: UTF-8 only; BOM, NUL, comments, trailing commas, NaN/Infinity and non-breaking
    // spaces are errors, each with its line and column.
    fails!(g11_bom_char_is_invalid_json, format!("\u{FEFF}{}", doc(BASE)), InvalidJson, "\u{FEFF}");
    fails!(g11_nul_byte_is_invalid_json, "{\"Version\": \"1\",\0 \"Statement\": []}", InvalidJson, "\0");
    fails!(g11_nul_in_string_is_invalid_json, "{\"Version\": \"1\0\", \"Statement\": []}", InvalidJson, "\0");
    fails!(g11_line_comment_is_invalid_json, "{\"Version\": \"1\", // RAM\n\"Statement\": []}", InvalidJson, "//");
    fails!(g11_block_comment_is_invalid_json, "{\"Version\": \"1\", /* RAM */ \"Statement\": []}", InvalidJson, "/*");
    fails!(g11_hash_comment_is_invalid_json, "{\"Version\": \"1\", # RAM\n\"Statement\": []}", InvalidJson, "#");
    // A trailing comma is reported at the comma, the byte at fault; the message says where the
    // closing bracket is.
    fails!(g11_trailing_comma_in_array_is_invalid_json, doc(r#""Effect": "Allow", "Action": ["ecs:*",], "Resource": "*""#), InvalidJson, ",], \"Resource");
    fails!(g11_trailing_comma_in_object_is_invalid_json, doc(&format!("{BASE},")), InvalidJson, ",}]}");
    fails!(g11_nan_is_invalid_json, cond(r#"{"NumericEquals": {"k": NaN}}"#), InvalidJson, "NaN");
    fails!(g11_infinity_is_invalid_json, cond(r#"{"NumericEquals": {"k": -Infinity}}"#), InvalidJson, "-Infinity");
    fails!(g11_nbsp_indentation_is_invalid_json, "{\n\u{A0}\u{A0}\"Version\": \"1\", \"Statement\": []}", InvalidJson, "\u{A0}");
    fails!(g11_ideographic_space_is_invalid_json, "{\"Version\":\u{3000}\"1\", \"Statement\": []}", InvalidJson, "\u{3000}");
    fails!(g11_full_width_comma_is_invalid_json, "{\"Version\": \"1\"\u{FF0C} \"Statement\": []}", InvalidJson, "\u{FF0C}");
    fails!(g11_single_quotes_are_invalid_json, "{'Version': '1', 'Statement': []}", InvalidJson, "'");
    fails!(g11_unquoted_key_is_invalid_json, "{Version: \"1\", \"Statement\": []}", InvalidJson, "Version");
    fails!(g11_shell_variable_is_invalid_json, doc(r#""Effect": "Allow", "Action": "ecs:*", "Resource": $arn"#), InvalidJson, "$");
    fails!(g11_line_break_in_string_is_invalid_json, "{\"Version\": \"1\n\", \"Statement\": []}", InvalidJson, "\n");
    #[test] fn g11_bom_bytes_are_invalid_json_at_1_1() { let e = Policy::from_bytes(format!("\u{FEFF}{}", doc(BASE)).as_bytes(), PolicyKind::Identity).unwrap_err(); assert_eq!((e.kind(), e.position()), (PolicyErrorKind::InvalidJson, pos(1, 1))); }
    #[test] fn g11_invalid_utf8_is_invalid_json_where_it_starts() { let e = Policy::from_bytes(b"{\"Version\": \"1\",\n \"Statement\": [\xFF]}", PolicyKind::Identity).unwrap_err(); assert_eq!((e.kind(), e.position()), (PolicyErrorKind::InvalidJson, pos(2, 16))); assert!(e.message().contains("not valid UTF-8")); }
    #[test] fn g11_utf16_text_is_invalid_json() { let utf16: Vec<u8> = doc(BASE).encode_utf16().flat_map(u16::to_le_bytes).collect(); assert_eq!(Policy::from_bytes(&utf16, PolicyKind::Identity).unwrap_err().kind(), PolicyErrorKind::InvalidJson); }
    #[test] fn g11_nbsp_message_and_help() { let e = err("{\u{A0}\"Version\": \"1\", \"Statement\": []}"); assert!(e.message().contains("non-breaking space (U+00A0)"), "{e}"); assert!(e.help().unwrap().contains("ordinary space")); }
    #[test] fn g11_trailing_comma_message_names_the_bracket() { let text = doc(&format!("{BASE},")); let comma = locate(&text, ",}"); assert_eq!(err(&text).message(), format!("trailing comma before the closing `}}` (at {})", pos(comma.line, comma.column + 1))); }
    #[test] fn g11_trailing_comma_in_array_message() { let text = "{\"Version\": \"1\",\n \"Statement\": [\n  \"x\",\n]}"; let e = err(text); assert_eq!((e.position(), e.message()), (pos(3, 6), "trailing comma before the closing `]` (at 4:1)")); }
    #[test] fn g11_full_width_comma_help() { assert_eq!(err("{\"Version\": \"1\"\u{FF0C} \"Statement\": []}").help(), Some("replace it with an ASCII comma `,`")); }
    #[test] fn g11_error_display_names_file_line_and_column() { let e = err(&doc(r#""Effect": "allow", "Action": "ecs:*", "Resource": "*""#)).with_file("p.json"); assert_eq!(e.to_string(), "p.json:1:43: `Effect` must be \"Allow\" or \"Deny\", found \"allow\"; did you mean `Allow`? `Effect` is case-sensitive"); }
    #[test] fn g11_error_has_no_file_until_named() { assert_eq!(err("[]").file(), None); }
    #[test] fn g11_deep_nesting_is_an_error_not_a_crash() { assert_eq!(err(&"[".repeat(10_000)).kind(), PolicyErrorKind::InvalidJson); }
    #[test] fn g11_escapes_are_decoded() { let p = parse_ok(&doc(r#""Sid": "\u0041\n", "Effect": "Allow", "Action": "ecs:\u002A", "Resource": "*""#)); assert_eq!((p.statements()[0].sid().unwrap().value().as_str(), p.statements()[0].action().patterns()[0].value().as_str()), ("A\n", "ecs:*")); }
}

fn cond_typo() -> String {
    doc(&format!(
        r#"{BASE}, "Conditon": {{"IpAddress": {{"acs:SourceIp": "10.0.0.0/8"}}}}"#
    ))
}

fn all_errors(text: &str) -> Vec<PolicyError> {
    Policy::parse_with_errors(text.as_bytes(), PolicyKind::Identity).1
}

/// The first value of the first clause of the first statement.
fn value_of(text: &str) -> ConditionValue {
    let policy = parse_ok(text);
    policy.statements()[0].condition().unwrap().clauses()[0].values()[0].clone()
}

// Positions: statements start at their `{`; lines from 1; columns from 1, in characters.

const MULTILINE: &str = r#"{
  "Version": "1",
  "Statement": [
    {
      "Sid": "First",
      "Effect": "Allow",
      "Action": "ecs:*",
      "Resource": "*"
    },
  {"Effect": "Deny", "Action": ["ecs:Delete*", "ecs:Cancel*"], "Resource": "*"}
  ]
}"#;

#[test]
fn e5_statement_spans_start_at_their_brace() {
    let policy = parse_ok(MULTILINE);
    let positions: Vec<Position> = policy
        .statements()
        .iter()
        .map(|s| policy.position(s.span()))
        .collect();
    assert_eq!(positions, [pos(4, 5), pos(10, 3)]);
    let first = policy.statements()[0].span();
    assert_eq!(&MULTILINE[first.start..first.start + 1], "{");
    assert_eq!(&MULTILINE[first.end - 1..first.end], "}");
}

#[test]
fn e5_single_statement_object_span_starts_at_its_brace() {
    let text = "{\"Version\": \"1\",\n \"Statement\":\n   {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}}";
    let policy = parse_ok(text);
    assert_eq!(policy.position(policy.statements()[0].span()), pos(3, 4));
}

#[test]
fn e5_entry_effect_and_version_positions() {
    let policy = parse_ok(MULTILINE);
    let deny = &policy.statements()[1];
    assert_eq!(policy.position(deny.effect_span()), pos(10, 14));
    assert_eq!(policy.position(deny.action().key_span()), pos(10, 22));
    assert_eq!(
        policy.position(deny.action().patterns()[1].span()),
        pos(10, 48)
    );
    assert_eq!(policy.position(policy.version_span()), pos(2, 14));
    assert_eq!(policy.position(policy.statement_span()), pos(3, 16));
    assert_eq!(policy.position(policy.span()), pos(1, 1));
}

#[test]
fn g11_error_in_multiline_document_has_line_and_column() {
    let text = MULTILINE.replace("\"Effect\": \"Deny\"", "\"Effect\": \"deny\"");
    let e = err(&text);
    assert_eq!(
        (e.kind(), e.position()),
        (PolicyErrorKind::InvalidEffect, pos(10, 14))
    );
}

#[test]
fn g11_columns_count_characters_in_chinese_text() {
    // `中文说明` is 4 characters but 12 bytes: the column of `"allow"` counts characters.
    let text = "{\"Version\": \"1\", \"Statement\": [\n  {\"Sid\": \"中文说明\", \"Effect\": \"allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}";
    let e = err(text);
    assert_eq!(
        (e.kind(), e.position()),
        (PolicyErrorKind::InvalidEffect, pos(2, 29))
    );
    assert_eq!(e.position(), locate(text, "\"allow\""));
}

#[test]
fn g11_columns_count_characters_in_chinese_condition_values() {
    let text = "{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"ecs:*\", \"Resource\": \"*\",\n\"Condition\": {\"StringEquals\": {\"ecs:tag/部门\": \"研发\"}, \"NumericLessThan\": {\"k\": \"十\"}}}]}";
    let e = err(text);
    assert_eq!(
        (e.kind(), e.position()),
        (PolicyErrorKind::InvalidConditionValue, pos(2, 78))
    );
}

#[test]
fn g11_chinese_statement_position_counts_characters() {
    let text = "{\"Version\": \"1\", \"Statement\": [{\"Sid\": \"允许\", \"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}, {\"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\"}]}";
    let policy = parse_ok(text);
    assert_eq!(policy.position(policy.statements()[1].span()), pos(1, 98));
}

#[test]
fn g11_crlf_line_endings_count_one_line_each() {
    let text = "{\r\n  \"Version\": 1,\r\n  \"Statement\": []\r\n}";
    assert_eq!(err(text).position(), pos(2, 14));
    assert_eq!(Source::new(text).line_text(2), "  \"Version\": 1,");
}

#[test]
fn g11_tab_counts_as_one_column() {
    let text = "{\n\t\"Version\": \"2\", \"Statement\": []}";
    assert_eq!(err(text).position(), pos(2, 13));
}

#[test]
fn g11_parse_with_errors_reports_every_fault_in_document_order() {
    let text = format!(
        r#"{{"Version": "2", "Statement": [{{"Effect": "allow", "Action": [], "Resource": "*"}}, {{{BASE}}}, {{{BASE}, "Conditon": {{}}}}]}}"#
    );
    let (policy, errors) = Policy::parse_with_errors(text.as_bytes(), PolicyKind::Identity);
    let kinds: Vec<PolicyErrorKind> = errors.iter().map(PolicyError::kind).collect();
    assert_eq!(
        kinds,
        [
            PolicyErrorKind::InvalidVersion,
            PolicyErrorKind::InvalidEffect,
            PolicyErrorKind::EmptyValue,
            PolicyErrorKind::UnknownKey
        ]
    );
    // Wrong statements are left out of the lenient model; the right one is kept.
    let policy = policy.expect("right overall shape");
    assert_eq!(policy.statements().len(), 1);
    assert_eq!(policy.statements()[0].index(), 1);
    // The strict reader reports the first fault in document order.
    assert_eq!(err(&text).kind(), PolicyErrorKind::InvalidVersion);
}

#[test]
fn g11_every_error_position_lies_inside_the_document() {
    let broken = [
        "",
        "{",
        "{\"Version\"",
        "{\"Version\": \"1\", \"Statement\": [",
        "{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"",
        "\"unterminated",
        "{\"a\": \"\\u12\"}",
        "{\"a\": \"\\ud800\"}",
        "\n\n\n",
        "[1, 2,",
        "{\"Version\": \"1\", \"Statement\": []}\n\n\n  x",
    ];
    for text in broken {
        let e = err(text);
        let source = Source::new(text);
        let lines = text.split('\n').count();
        let p = e.position();
        assert!(p.line >= 1 && p.line <= lines, "{text:?}: {e}");
        assert!(
            p.column >= 1 && p.column <= source.line_text(p.line).chars().count() + 1,
            "{text:?}: {e}"
        );
        assert!(e.span().start <= text.len(), "{text:?}: {e}");
    }
}

#[test]
fn policy_kind_names() {
    assert_eq!(
        [
            PolicyKind::Identity,
            PolicyKind::Session,
            PolicyKind::Control,
            PolicyKind::Trust
        ]
        .map(PolicyKind::name),
        ["identity", "session", "control", "trust"]
    );
}

#[test]
fn error_kinds_map_to_rule_ids() {
    assert_eq!(PolicyErrorKind::UnknownKey.rule_id(), "unknown-key");
    assert_eq!(PolicyErrorKind::InvalidJson.rule_id(), "invalid-json");
    assert_eq!(
        PolicyErrorKind::UnknownOperator.rule_id(),
        "unknown-operator"
    );
}

#[test]
fn policies_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Policy>();
    assert_send_sync::<PolicyError>();
}
