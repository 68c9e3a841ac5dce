//! The real-world corpus (`../shared/corpus/real/`, described by its `SOURCES.md`): every
//! document either parses or fails with an error whose line and column lie inside it, and the
//! documents that fail are exactly the ones listed here, each with its kind and the reason, so
//! a change of behaviour on real documents is noticed.
//!
//! Every document is read as an identity policy; those with a `Principal` are also read as a
//! trust policy. The corpus lives outside the repository: when it is absent the test says so
//! and passes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ramcheck::decision::{Context, NamedPolicy, PolicySet, Request};
use ramcheck::policy::{Policy, PolicyErrorKind, PolicyKind};

use crate::util::position_inside;

use PolicyErrorKind::*;

/// The documents that fail as identity policies: file, kind of the first error, why.
const IDENTITY_FAILURES: &[(&str, PolicyErrorKind, &str)] = &[
    ("022-ram-vpc-nbsp-whitespace.json", InvalidJson, "non-breaking spaces (U+00A0) as indentation"),
    ("023-ram-vpc-empty-condition-nbsp.json", InvalidJson, "non-breaking spaces (U+00A0) as indentation"),
    ("027-ram-passrole-line-comment.json", InvalidJson, "a `//` comment after a value"),
    ("029-ram-actiontrail-masked-ip.json", InvalidConditionValue, "the masked address `42.120.XX.X/24` is no IP block"),
    ("030-ram-sts-session-md-escaped.json", InvalidJson, "Markdown escapes `\\[`, `\\*`, `\\{` left in the text"),
    ("031-trust-ram-root.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource): the stray `Principal` is the fault reported"),
    ("032-trust-service-ecs.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource): the stray `Principal` is the fault reported"),
    ("033-trust-saml-intl.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource): the stray `Principal` is the fault reported"),
    ("034-trust-ram-user.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource): the stray `Principal` is the fault reported"),
    ("035-trust-ram-root-string-compact.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource): the stray `Principal` is the fault reported"),
    ("037-ecs-instance-role-version-2016.json", InvalidVersion, "`Version` \"2016-10-17\""),
    ("050-ecs-slr-create-account-placeholder.json", InvalidJson, "non-breaking spaces (U+00A0) as indentation"),
    ("053-ecs-exportimage-trust-ecs.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource): the stray `Principal` is the fault reported"),
    ("063-tf-trust-saml-doc.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource): the stray `Principal` is the fault reported"),
    ("064-tf-trust-ram-root-interp.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource): the stray `Principal` is the fault reported"),
    ("065-tf-trust-emr-ecs.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource): the stray `Principal` is the fault reported"),
    ("066-tf-identity-with-principal.json", PrincipalNotAllowed, "Principal in an identity statement that also has no Resource (the `Principal` explains the missing Resource)"),
    ("072-tf-oss-bucket-policy-principal.json", PrincipalNotAllowed, "an OSS bucket policy: Principal in an identity policy"),
    ("073-tf-vpc-endpoint-policy.json", PrincipalNotAllowed, "a VPC endpoint policy: Principal \"*\" in an identity policy"),
    ("074-tf-ros-stack-policy.json", InvalidVersion, "a ROS stack policy without `Version`"),
    ("077-mod-ecs-reboot-templated.json", InvalidJson, "an unrendered Terraform `${jsonencode(...)}` in place of a value"),
    ("079-mod-poweruser-notaction.json", UnknownOperator, "the AWS-only set operator `ForAllValues:StringEquals`"),
    ("087-ros-trust-saml-interp.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource): the stray `Principal` is the fault reported"),
    ("088-ros-trust-log-uid-service.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource): the stray `Principal` is the fault reported"),
    ("089-rosdoc-version-number.json", InvalidVersion, "`Version` 1, a number"),
    ("090-rosdoc-trust-version-number.json", InvalidVersion, "`Version` 1, a number"),
    ("091-rosdoc-ref-templated.json", InvalidType, "ROS `{\"Ref\": ...}` objects as Action/Resource/Effect"),
    ("096-csi-nas-trailing-comma.json", InvalidJson, "a trailing comma after the last statement"),
    ("098-csi-trust-shell-vars.json", InvalidJson, "unquoted shell variables `$arn`, `$externalID`"),
    ("099-ack-rrsa-trust-oidc.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource): the stray `Principal` is the fault reported"),
    ("100-ack-rrsa-trust-stray-brace.json", InvalidJson, "a stray `},` between statements"),
    ("101-ack-trust-unknown-keys.json", UnknownKey, "the unknown top-level key `Foo`"),
    ("113-sls-fullwidth-comma.json", InvalidJson, "a full-width comma `，` between statements"),
    ("114-sls-trailing-comma-md-escape.json", InvalidJson, "a trailing comma in an array (and Markdown-escaped underscores)"),
    ("115-sls-hash-comment.json", InvalidJson, "a `#` comment after a value"),
    ("117-sls-trust-account-at-service.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource): the stray `Principal` is the fault reported"),
    ("118-sls-trust-cross-account-ram.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource): the stray `Principal` is the fault reported"),
    ("120-equiv-invalid-truncated.json", InvalidJson, "truncated: an unclosed statement (and Version \"2\")"),
    ("121-equiv-action-and-notaction.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource; also Action and NotAction)"),
    ("122-equiv-version-2.json", InvalidVersion, "`Version` \"2\""),
    ("123-equiv-two-operators-notaction.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource): the stray `Principal` is the fault reported"),
    ("124-equiv-unknown-stmt-key.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource; also the unknown key `fortest`)"),
    ("125-equiv-only-version.json", MissingStatement, "only `Version`, no `Statement`"),
    ("126-equiv-mixed-case-principal-keys.json", PrincipalNotAllowed, "a trust policy (Principal, no Resource): the stray `Principal` is the fault reported"),
    ("131-user-two-policies-shell-comments.json", InvalidJson, "two documents with `#` comment lines (a shell file)"),
    ("134-rd-control-deny-fragment.json", MissingStatement, "a bare statement object, not a policy document"),
];

/// The documents with a `Principal` that fail as trust policies.
const TRUST_FAILURES: &[(&str, PolicyErrorKind, &str)] = &[
    (
        "073-tf-vpc-endpoint-policy.json",
        ResourceInTrustPolicy,
        "a VPC endpoint policy: `Resource` has no place in a trust policy (T1)",
    ),
    (
        "126-equiv-mixed-case-principal-keys.json",
        UnknownKey,
        "`Principal` keys are case-sensitive: `rAm` is not `RAM` (T1, G5)",
    ),
    (
        "072-tf-oss-bucket-policy-principal.json",
        InvalidType,
        "`Principal` is an array of account ids, not an object",
    ),
    (
        "074-tf-ros-stack-policy.json",
        InvalidVersion,
        "a ROS stack policy without `Version`",
    ),
    (
        "090-rosdoc-trust-version-number.json",
        InvalidVersion,
        "`Version` 1, a number",
    ),
    (
        "098-csi-trust-shell-vars.json",
        InvalidJson,
        "unquoted shell variables `$arn`, `$externalID`",
    ),
    (
        "100-ack-rrsa-trust-stray-brace.json",
        InvalidJson,
        "a stray `},` between statements",
    ),
    (
        "101-ack-trust-unknown-keys.json",
        UnknownKey,
        "the unknown top-level key `Foo`",
    ),
    (
        "121-equiv-action-and-notaction.json",
        MissingAction,
        "both `Action` and `NotAction`",
    ),
    (
        "122-equiv-version-2.json",
        InvalidVersion,
        "`Version` \"2\"",
    ),
    (
        "124-equiv-unknown-stmt-key.json",
        UnknownKey,
        "the unknown statement key `fortest`",
    ),
];

/// The documents `SOURCES.md` marks "NOT strict JSON": each must fail with `InvalidJson`.
const NOT_STRICT_JSON: &[&str] = &[
    "022-ram-vpc-nbsp-whitespace.json",
    "023-ram-vpc-empty-condition-nbsp.json",
    "027-ram-passrole-line-comment.json",
    "030-ram-sts-session-md-escaped.json",
    "050-ecs-slr-create-account-placeholder.json",
    "077-mod-ecs-reboot-templated.json",
    "096-csi-nas-trailing-comma.json",
    "098-csi-trust-shell-vars.json",
    "100-ack-rrsa-trust-stray-brace.json",
    "113-sls-fullwidth-comma.json",
    "114-sls-trailing-comma-md-escape.json",
    "115-sls-hash-comment.json",
    "120-equiv-invalid-truncated.json",
    "131-user-two-policies-shell-comments.json",
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real")
}

/// The corpus documents, sorted by name, or `None` (with a message) when it is absent.
fn documents() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = corpus_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        super::util::skip(&format!(
            "no corpus at `{}` (the `shared` folder beside the repository)",
            dir.display()
        ));
        return None;
    };
    let mut docs: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let bytes = std::fs::read(&p).expect("readable corpus file");
            (name, bytes)
        })
        .collect();
    docs.sort();
    Some(docs)
}

fn has_principal(bytes: &[u8]) -> bool {
    String::from_utf8_lossy(bytes).contains("\"Principal\"")
}

/// Parses every document as `kind` (only those with a `Principal` when `only_principal`),
/// checks every error's position, and returns the failures as file → kind.
fn failures(
    docs: &[(String, Vec<u8>)],
    kind: PolicyKind,
    only_principal: bool,
) -> BTreeMap<String, PolicyErrorKind> {
    let mut failed = BTreeMap::new();
    for (name, bytes) in docs {
        if only_principal && !has_principal(bytes) {
            continue;
        }
        if let Err(e) = Policy::from_bytes(bytes, kind) {
            if let Err(why) = position_inside(bytes, &e) {
                panic!("{name} as {}: {why}", kind.name());
            }
            failed.insert(name.clone(), e.kind());
        }
    }
    failed
}

fn expected(list: &[(&str, PolicyErrorKind, &str)]) -> BTreeMap<String, PolicyErrorKind> {
    list.iter()
        .map(|(name, kind, _)| ((*name).to_owned(), *kind))
        .collect()
}

/// Asserts that exactly the listed documents fail, with the listed kinds; lists every
/// difference at once.
fn assert_same(
    kind: PolicyKind,
    actual: &BTreeMap<String, PolicyErrorKind>,
    list: &[(&str, PolicyErrorKind, &str)],
) {
    let expected = expected(list);
    let mut differences = Vec::new();
    for (name, kind) in &expected {
        match actual.get(name) {
            None => differences.push(format!(
                "{name}: expected {kind:?}, but it parses (or is missing)"
            )),
            Some(k) if k != kind => {
                differences.push(format!("{name}: expected {kind:?}, got {k:?}"))
            }
            Some(_) => {}
        }
    }
    for (name, kind) in actual {
        if !expected.contains_key(name) {
            differences.push(format!(
                "{name}: fails with {kind:?}, but is not listed as failing"
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "as {} policies:\n  {}",
        kind.name(),
        differences.join("\n  ")
    );
}

#[test]
fn corpus_identity_failures_are_exactly_the_listed_ones() {
    let Some(docs) = documents() else { return };
    assert!(
        docs.len() >= 100,
        "the corpus has only {} documents",
        docs.len()
    );
    let actual = failures(&docs, PolicyKind::Identity, false);
    assert_same(PolicyKind::Identity, &actual, IDENTITY_FAILURES);
}

#[test]
fn corpus_trust_failures_are_exactly_the_listed_ones() {
    let Some(docs) = documents() else { return };
    let actual = failures(&docs, PolicyKind::Trust, true);
    assert_same(PolicyKind::Trust, &actual, TRUST_FAILURES);
}

#[test]
fn corpus_documents_that_are_not_strict_json_fail_as_invalid_json() {
    let Some(docs) = documents() else { return };
    for (name, bytes) in &docs {
        let listed = NOT_STRICT_JSON.contains(&name.as_str());
        // The list agrees with an independent strict reader...
        let strict = serde_json::from_slice::<serde_json::Value>(bytes).is_ok();
        assert_eq!(
            listed, !strict,
            "{name}: listed as not strict JSON: {listed}, serde_json accepts it: {strict}"
        );
        // ...and ours says InvalidJson exactly for those, whatever the policy kind.
        for kind in [PolicyKind::Identity, PolicyKind::Trust] {
            let result = Policy::from_bytes(bytes, kind);
            let invalid_json = matches!(&result, Err(e) if e.kind() == InvalidJson);
            assert_eq!(
                invalid_json,
                listed,
                "{name} as {}: {:?}",
                kind.name(),
                result.err()
            );
        }
    }
}

#[test]
fn corpus_lists_name_existing_documents_and_give_reasons() {
    let Some(docs) = documents() else { return };
    let names: Vec<&str> = docs.iter().map(|(n, _)| n.as_str()).collect();
    let listed = IDENTITY_FAILURES
        .iter()
        .chain(TRUST_FAILURES)
        .map(|(n, _, why)| (*n, *why))
        .chain(NOT_STRICT_JSON.iter().map(|n| (*n, "not strict JSON")));
    for (name, why) in listed {
        assert!(
            names.contains(&name),
            "{name} is listed but not in the corpus"
        );
        assert!(!why.is_empty(), "{name} has no reason");
    }
}

#[test]
fn corpus_documents_that_parse_can_be_decided() {
    let Some(docs) = documents() else { return };
    let mut context = Context::new();
    context
        .insert("acs:SourceIp", "192.168.3.4")
        .expect("valid");
    context
        .insert("acs:SecureTransport", "true")
        .expect("valid");
    let request = Request::new(
        "ecs:CancelImagePipelineExecution",
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
    )
    .expect("valid request")
    .with_context(context);
    let mut decided = 0;
    for (name, bytes) in &docs {
        let Ok(policy) = Policy::from_bytes(bytes, PolicyKind::Identity) else {
            continue;
        };
        let set = PolicySet::new(vec![NamedPolicy::new(name.clone(), None, Arc::new(policy))]);
        if let Err(e) = set.decide(&request) {
            panic!("{name}: {e}");
        }
        decided += 1;
    }
    assert_eq!(decided, docs.len() - IDENTITY_FAILURES.len());
}
