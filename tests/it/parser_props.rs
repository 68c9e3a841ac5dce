//! Property tests of the parser: it never panics, on random bytes, random text, or random
//! mutations (byte flips, insertions, deletions) of valid policies; every error it reports
//! has a line and column inside the document; and what it accepts has statements that start
//! at a `{` and can be decided.

use std::sync::Arc;

use proptest::prelude::*;
use ramcheck::decision::{Context, NamedPolicy, PolicySet, Request};
use ramcheck::policy::{Policy, PolicyKind};

use crate::util::{check_position, position_inside};

const KINDS: [PolicyKind; 4] = [
    PolicyKind::Identity,
    PolicyKind::Session,
    PolicyKind::Control,
    PolicyKind::Trust,
];

/// A document that uses every part of the grammar, so mutations reach every part of the
/// parser: all operator families, NotAction/NotResource, Sid, numbers and booleans
/// as condition values, escapes, and non-ASCII text.
const RICH: &str = r#"{
  "Version": "1",
  "Statement": [
    {"Sid": "取消构建", "Effect": "Allow", "Action": ["ecs:Cancel*", "ecs:Describe*"],
     "Resource": "acs:ecs:cn-hangzhou:*:imagepipeline/*",
     "Condition": {
       "StringEquals": {"ecs:tag/部门": ["研发", "ops"]},
       "StringLike": {"acs:PrincipalARN": "acs:ram::*:role/\u0064eploy-*"},
       "NumericLessThanEquals": {"ecs:tag/size": 10.5},
       "DateGreaterThan": {"acs:CurrentTime": "2019-08-12T17:00:00+08:00"},
       "Bool": {"acs:SecureTransport": true},
       "IpAddress": {"acs:SourceIp": ["192.168.0.0/16", "2001:db8::/32"]},
       "NotIpAddress": {"acs:SourceIp": "10.0.0.1"}
     }},
    {"Effect": "Deny", "NotAction": "ecs:Describe*", "NotResource": ["acs:ecs:*:*:instance/*"]}
  ]
}"#;

/// A trust policy, written as a single statement object.
const TRUST: &str = r#"{"Version": "1", "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": ["acs:ram::1234567890123456:root"], "Service": "ecs.aliyuncs.com"}}}"#;

/// The valid documents mutations start from.
fn seeds() -> Vec<&'static str> {
    vec![
        RICH,
        include_str!("../../policies/examples/cancel-hangzhou.json"),
        include_str!("../../policies/examples/deny-outside-office.json"),
        include_str!("../../policies/examples/https-only.json"),
        include_str!("../../policies/examples/readonly-operator.json"),
        include_str!("../../policies/system/AliyunECSFullAccess.json"),
        TRUST,
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    /// XOR the byte at this index (modulo the length) with this mask.
    Flip(usize, u8),
    /// Insert this byte at this index.
    Insert(usize, u8),
    /// Delete the byte at this index.
    Delete(usize),
}

/// Bytes that matter to JSON and to the policy grammar, plus any byte at all.
fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        any::<u8>(),
        prop::sample::select(b"{}[]:,\"\\ \n\r\t0-1.eE/*?#tfnuAD\x00\xA0\xC2\xEF\xBB\xBF".to_vec()),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(i, m)| Mutation::Flip(i, m)),
        (any::<usize>(), interesting_byte()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
    ]
}

fn mutate(seed: &str, mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = seed.as_bytes().to_vec();
    for m in mutations {
        match *m {
            Mutation::Flip(i, mask) if !bytes.is_empty() => {
                let i = i % bytes.len();
                bytes[i] ^= mask;
            }
            Mutation::Insert(i, b) => {
                let i = i % (bytes.len() + 1);
                bytes.insert(i, b);
            }
            Mutation::Delete(i) if !bytes.is_empty() => {
                let i = i % bytes.len();
                bytes.remove(i);
            }
            _ => {}
        }
    }
    bytes
}

/// Parses `bytes` as every kind, strictly and leniently, and checks what comes out.
fn check_document(bytes: &[u8]) -> Result<(), TestCaseError> {
    for kind in KINDS {
        match Policy::from_bytes(bytes, kind) {
            Err(e) => {
                if let Err(why) = position_inside(bytes, &e) {
                    return Err(TestCaseError::fail(why));
                }
                prop_assert!(!e.message().is_empty());
            }
            Ok(policy) => check_policy(bytes, &policy)?,
        }
        let (_, errors) = Policy::parse_with_errors(bytes, kind);
        for e in &errors {
            if let Err(why) = position_inside(bytes, e) {
                return Err(TestCaseError::fail(format!("lenient: {why}")));
            }
        }
    }
    Ok(())
}

/// A parsed policy: every statement spans a `{...}` of the text, and deciding it never
/// panics.
fn check_policy(bytes: &[u8], policy: &Policy) -> Result<(), TestCaseError> {
    for statement in policy.statements() {
        let span = statement.span();
        prop_assert_eq!(bytes.get(span.start), Some(&b'{'));
        prop_assert_eq!(bytes.get(span.end.wrapping_sub(1)), Some(&b'}'));
        if let Err(why) = check_position(bytes, policy.position(span)) {
            return Err(TestCaseError::fail(format!(
                "statement {}: {why}",
                statement.index()
            )));
        }
    }
    if policy.kind() == PolicyKind::Identity {
        let mut context = Context::new();
        context
            .insert("acs:SourceIp", "192.168.3.4")
            .expect("valid");
        context
            .insert("ecs:tag/size", "not-a-number")
            .expect("untyped key");
        let request = Request::new(
            "ecs:CancelImagePipelineExecution",
            "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
        )
        .expect("valid")
        .with_context(context);
        let set = PolicySet::new(vec![NamedPolicy::new("p", None, Arc::new(policy.clone()))]);
        // Allowed, denied or an evaluation error (the size is not a number): never a panic.
        let _ = set.decide(&request);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn g11_random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        check_document(&bytes)?;
    }

    #[test]
    fn g11_random_json_like_bytes_never_panic(bytes in prop::collection::vec(interesting_byte(), 0..256)) {
        check_document(&bytes)?;
    }

    #[test]
    fn g11_mutated_policies_never_panic(seed in 0usize..7, mutations in prop::collection::vec(mutation(), 1..8)) {
        let seeds = seeds();
        let bytes = mutate(seeds[seed % seeds.len()], &mutations);
        check_document(&bytes)?;
    }

    #[test]
    fn g11_parse_errors_lie_inside_random_text(text in "\\PC{0,200}") {
        if let Err(e) = Policy::parse(&text) {
            if let Err(why) = position_inside(text.as_bytes(), &e) {
                return Err(TestCaseError::fail(why));
            }
        }
    }

    #[test]
    fn g11_parse_errors_lie_inside_json_like_text(text in "[{}\\[\\]:,\" \n\t\u{A0}\u{3000}\u{FF0C}中文a-zA-Z0-9*?./-]{0,200}") {
        if let Err(e) = Policy::parse(&text) {
            if let Err(why) = position_inside(text.as_bytes(), &e) {
                return Err(TestCaseError::fail(why));
            }
        }
    }
}

#[test]
fn seeds_are_valid_policies() {
    for seed in seeds() {
        let kind = if seed == TRUST {
            PolicyKind::Trust
        } else {
            PolicyKind::Identity
        };
        let result = Policy::parse_as(seed, kind);
        assert!(result.is_ok(), "{seed}: {:?}", result.err());
    }
}
