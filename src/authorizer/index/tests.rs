//! Unit tests of catalogs, pools and the workload tuning.

use std::sync::Arc;

use super::candidate::*;
use super::catalog::Catalog;
use super::refs::{ConditionRef, ResourceRef, ResourceTest, Tagged};
use super::tuning::*;
use crate::authorizer::condition::Fallible;
use crate::authorizer::pattern::anchor::NO_ANCHOR;
use crate::authorizer::pattern::gram::GramPair;
use crate::authorizer::pattern::RequestScratch;
use crate::authorizer::tests::both_outcomes;
use crate::authorizer::{AuthRequest, Authorizer, StatementNumber};
use crate::policy::Effect;

const CANCEL_TWICE: &str = r#"{"Version": "1", "Statement": [
    {"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution", "Resource": "*"},
    {"Effect": "Deny", "Action": "ecs:*", "Resource": "acs:ecs:*:*:imagepipeline/ip-prod*"}]}"#;

fn account(users: &[(&str, &[&str])]) -> Authorizer {
    let users: Vec<String> = users
        .iter()
        .map(|(name, policies)| format!(r#""{name}": {{"policies": {policies:?}}}"#))
        .collect();
    let text = format!(
        r#"{{"account_id": "1234567890123456",
            "policies": {{"A": {CANCEL_TWICE}, "B": {CANCEL_TWICE}}},
            "users": {{{}}}}}"#,
        users.join(",")
    );
    Authorizer::from_json(&text, None, None).expect("a valid account")
}

/// Each pool's candidates are a copy of its policies' (so a request reads one stretch);
/// pools with the same policies in the same order share one copy, so memory grows with
/// the distinct policy lists, not with the principals.
#[test]
fn e1_pools_with_the_same_policies_share_one_copy_of_their_candidates() {
    let one = account(&[("u1", &["A", "B"])]);
    assert_eq!(
        one.catalog.pooled.len(),
        4,
        "two policies of two candidates"
    );
    let same = account(&[
        ("u1", &["A", "B"]),
        ("u2", &["A", "B"]),
        ("u3", &["A", "B"]),
    ]);
    assert_eq!(same.catalog.pooled.len(), 4);
    let other_order = account(&[("u1", &["A", "B"]), ("u2", &["B", "A"])]);
    assert_eq!(other_order.catalog.pooled.len(), 8);
    // Each pool's copy follows its own attachment order (E1 lists deciding statements in it).
    let [u1, u2] = [&other_order.users[0], &other_order.users[1]].map(|u| {
        let (start, end) = u.account_pool.hot[0].candidates;
        let policies: Vec<u32> = (start..end)
            .filter_map(|i| other_order.catalog.pooled.get(i as usize))
            .filter_map(|c| {
                other_order
                    .catalog
                    .statements
                    .get(c.id.statement() as usize)
            })
            .map(|s| s.policy)
            .collect();
        policies
    });
    assert_eq!(u1.iter().rev().copied().collect::<Vec<_>>(), u2);
    assert_ne!(u1, u2);
}

/// E5: a filter compares its words length by length; a matching word adds its candidates,
/// a word longer than the relative id is not compared, and a range outside the tables
/// visits every candidate (visiting more never changes a decision).
#[test]
fn e5_prefix_filter_visits_the_candidates_of_matching_words() {
    let word = |prefix: &str| key_word(prefix_hash(prefix.as_bytes()), prefix.len() as u32);
    let words = [word("ab"), word("ax"), word("abc"), word("abcdefgh")];
    assert_eq!(words.map(|w| w & KEY_LEN), [2, 2, 3, 8]);
    let masks = [0b10, 0b100, 0b1000, 0b1_0000];
    let filter = PrefixFilter {
        any: 0b1,
        covers: 0,
        keys: (0, 4),
        coverings: 0,
    };
    assert_eq!(filter.visits(b"abcd", &words, &masks), 0b1011);
    assert_eq!(filter.visits(b"axe", &words, &masks), 0b101);
    assert_eq!(filter.visits(b"a", &words, &masks), 0b1);
    assert_eq!(filter.visits(b"abcdefghij", &words, &masks), 0b1_1011);
    assert_eq!(filter.visits(b"zzzzzzzzzz", &words, &masks), 0b1);
    let broken = PrefixFilter {
        any: 0,
        covers: 0,
        keys: (2, 9),
        coverings: 0,
    };
    assert_eq!(broken.visits(b"abcd", &words, &masks), u64::MAX);
}

/// M1, E1, E5: a hot list long enough for a [`PrefixFilter`] visits only the
/// candidates whose relative ids a request's can match, and decides (statements, order)
/// exactly as the reference.
#[test]
fn m1_e5_a_prefix_filtered_pool_decides_as_the_reference() {
    use crate::account::Account;

    let resources = [
        "acs:ecs:*:*:imagepipeline/ip-a1",
        "acs:ecs:cn-hangzhou:*:imagepipeline/ip-a*",
        "acs:ecs:*:*:imagepipeline/ip-b?",
        "acs:ecs:*:*:imagepipeline/ip-c*",
        "acs:ecs:*:*:imagepipeline/*",
        "*",
        "acs:ecs:*:*:*",
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-a1-long-name-beyond-kept",
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-a1-long-name-beyond-other",
        "acs:ecs:cn:imagepipeline/*",
        "acs:ecs:cn:1:imagepipeline/ip-a1:x",
        "acs:ecs:*:*:imagepipeline/IP-A1",
        "acs:ecs:*:*:imagepipeline/ip-a",
    ];
    let mut statements: Vec<String> = resources
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let effect = if i % 4 == 3 { "Deny" } else { "Allow" };
            format!(
                r#"{{"Effect": "{effect}", "Action": "ecs:CancelImagePipelineExecution", "Resource": "{r}"}}"#
            )
        })
        .collect();
    statements.push(
        r#"{"Effect": "Allow", "Action": "ecs:*", "NotResource": "acs:ecs:*:*:imagepipeline/ip-a*"}"#
            .to_owned(),
    );
    let text = format!(
        r#"{{"account_id": "1234567890123456",
            "policies": {{"Many": {{"Version": "1", "Statement": [{}]}}}},
            "users": {{"u": {{"policies": ["Many"]}}}}}}"#,
        statements.join(",")
    );
    let account = Account::from_json(&text, None, None).expect("valid");
    let authorizer = Authorizer::compile(&account).expect("compiles");
    let pool = &authorizer.users[0].account_pool;
    assert!(pool.hot[0].filtered, "the test needs a filter");
    for id in [
        "ip-a1",
        "ip-a",
        "ip-a2",
        "ip-b1",
        "ip-bb1",
        "ip-c",
        "ip-cx",
        "IP-A1",
        "ip-a1-long-name-beyond-kept",
        "ip-a1-long-name-beyond-other",
        "ip-a1-long-name-beyond",
        "ip-a1:x",
        "x",
    ] {
        for region in ["cn-hangzhou", "cn"] {
            let arn = format!("acs:ecs:{region}:1234567890123456:imagepipeline/{id}");
            assert_decides_as_the_reference(&account, &authorizer, &arn, &[]);
        }
    }
}

/// M1, C1, E1, E5: in a filtered pool, candidates that cover every pipeline are decided by
/// their conditions alone on a pipeline's ARN, and by their patterns on any other; either
/// way in pool order among the others, exactly as the reference.
#[test]
fn m1_e5_covering_candidates_decide_as_the_reference() {
    use crate::account::Account;

    let resources = [
        "*",
        "acs:ecs:*:*:imagepipeline/ip-a*",
        "acs:ecs:*:*:imagepipeline/*",
        "acs:*:*:*:*",
        "acs:ecs:*:*:imagepipeline/ip-b*",
        "acs:ecs:cn-*:*:*",
        "acs:ecs:*:*:*",
    ];
    let conditions = [
        "",
        r#", "Condition": {"Bool": {"acs:SecureTransport": "true"}}"#,
        r#", "Condition": {"StringEquals": {"ecs:tag/team": "a"}}"#,
    ];
    let statements: Vec<String> = (0..21)
        .map(|i| {
            let effect = if i % 5 == 4 { "Deny" } else { "Allow" };
            let resource = resources[i % resources.len()];
            let condition = conditions[(i / 2) % conditions.len()];
            format!(
                r#"{{"Effect": "{effect}", "Action": "ecs:CancelImagePipelineExecution", "Resource": "{resource}"{condition}}}"#
            )
        })
        .collect();
    let text = format!(
        r#"{{"account_id": "1234567890123456",
            "policies": {{"Many": {{"Version": "1", "Statement": [{}]}}}},
            "users": {{"u": {{"policies": ["Many"]}}}}}}"#,
        statements.join(",")
    );
    let account = Account::from_json(&text, None, None).expect("valid");
    let authorizer = Authorizer::compile(&account).expect("compiles");
    let hot = &authorizer.users[0].account_pool.hot[0];
    let filter = hot.filter().expect("the test needs a filter");
    assert_eq!(
        filter.covers.count_ones(),
        12,
        "the test needs covering candidates"
    );
    assert_eq!(
        filter.any.count_ones(),
        15,
        "and others that ask nothing of the id"
    );
    for arn in [
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-a1",
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-b1",
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/x",
        "acs:ecs:eu-central-1:1234567890123456:imagepipeline/ip-a1",
        "acs:ecs:cn-hangzhou:1234567890123456:instance/ip-a1",
        "acs:oss:cn-hangzhou:1234567890123456:imagepipeline/ip-a1",
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline",
    ] {
        for (secure, team) in [("true", "a"), ("false", "a"), ("true", "b"), ("false", "b")] {
            let context = [("acs:SecureTransport", secure), ("ecs:tag/team", team)];
            assert_decides_as_the_reference(&account, &authorizer, arn, &context);
        }
    }
}

/// E4.1: a control-policy level of `FullAliyunAccess` beside Denies is passed over without
/// being evaluated when no Deny's resource matches (and evaluated in full when one does, or
/// when a condition could fail); either way it decides as the reference.
#[test]
fn e4_1_a_level_that_allows_all_but_its_denies_decides_as_the_reference() {
    use crate::account::Account;

    let text = r#"{"account_id": "1234567890123456",
        "policies": {
            "OutsideChina": {"Version": "1", "Statement": [
                {"Effect": "Deny", "Action": "*",
                 "Resource": ["acs:*:ap-*:*:*", "acs:*:us-*:*:*", "acs:*:eu-*:*:*"]},
                {"Effect": "Deny", "Action": "ecs:*",
                 "Resource": "acs:ecs:*:*:imagepipeline/ip-frozen*"}]},
            "Insecure": {"Version": "1", "Statement": [
                {"Effect": "Deny", "Action": "*", "Resource": "*",
                 "Condition": {"Bool": {"acs:SecureTransport": "false"}}}]},
            "Builds": {"Version": "1", "Statement": [
                {"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
                 "Resource": "*"}]}},
        "users": {"u": {"policies": ["Builds"]}},
        "resource_directory": {"path": [
            {"name": "Root", "control_policies": ["FullAliyunAccess", "Insecure"]},
            {"name": "fd-prod", "control_policies": ["FullAliyunAccess", "OutsideChina"]},
            {"name": "1234567890123456", "control_policies": ["FullAliyunAccess"]}]}}"#;
    let account = Account::from_json(text, None, None).expect("valid");
    let authorizer = Authorizer::compile(&account).expect("compiles");
    let levels = &authorizer.directory.as_ref().expect("a directory").levels;
    let passed_over: Vec<bool> = levels
        .iter()
        .map(|level| level.hot[0].allows_all == AllowsAll::UnlessDenied)
        .collect();
    assert_eq!(
        passed_over,
        [false, true, false],
        "Root's Deny has a condition, fd-prod's have none, the account's level has no Deny"
    );
    assert_eq!(levels[2].hot[0].allows_all, AllowsAll::Always);
    // fd-prod's level is passed over exactly when neither of its Denies matches.
    for (arn, passed) in [
        (
            "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
            true,
        ),
        (
            "acs:ecs:us-east-1:1234567890123456:imagepipeline/ip-1",
            false,
        ),
        (
            "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-frozen",
            false,
        ),
    ] {
        let request = AuthRequest::new("ecs:CancelImagePipelineExecution", arn).expect("valid");
        let mut text = RequestScratch::with_colons(
            request.resource(),
            request.resource_is_ascii(),
            request.resource_colons(),
        );
        let lookup = authorizer.catalog.lookup(&request);
        assert_eq!(
            levels[1].allows_without_deny(&authorizer.catalog, lookup, &mut text),
            passed,
            "{arn}"
        );
    }
    for arn in [
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
        "acs:ecs:ap-southeast-1:1234567890123456:imagepipeline/ip-1",
        "acs:ecs:eu-central-1:1234567890123456:imagepipeline/ip-1",
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-frozen-2",
        "acs:ecs:cn-hangzhou:1234567890123456:instance/i-1",
    ] {
        for secure in ["true", "false"] {
            let context = [("acs:SecureTransport", secure)];
            assert_decides_as_the_reference(&account, &authorizer, arn, &context);
        }
    }
}

/// Decides `arn` with `context` for `user/u` with the compiled authorizer and with the
/// reference, and asserts the same decision, stage and deciding statements, in order.
fn assert_decides_as_the_reference(
    account: &crate::account::Account,
    authorizer: &Authorizer,
    arn: &str,
    context: &[(&str, &str)],
) {
    let (fast, reference) = both_outcomes(account, authorizer, "u", arn, context, None);
    assert!(fast.is_ok(), "{arn} {context:?}: {fast:?}");
    assert_eq!(fast, reference, "{arn} {context:?}");
}

/// E4.3, C7: a list with a Deny that has no condition and covers every image pipeline
/// decides a pipeline by its Denies alone, without testing its Allows, unless one of its
/// conditions could fail (then the reference's first error must still come first).
#[test]
fn e4_3_denies_first_decide_a_pipeline_as_the_reference() {
    use crate::account::Account;
    use crate::condition::value::Instant;

    let text = r#"{"account_id": "1234567890123456",
        "policies": {
            "Denies": {"Version": "1", "Statement": [
                {"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
                 "Resource": "*", "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}},
                {"Effect": "Allow", "Action": "ecs:*",
                 "Resource": "acs:ecs:*:*:imagepipeline/ip-a*",
                 "Condition": {"StringEquals": {"ecs:tag/team": "a"}}},
                {"Effect": "Deny", "Action": "ecs:Cancel*",
                 "Resource": "acs:ecs:*:*:imagepipeline/*"},
                {"Effect": "Deny", "Action": "ecs:*",
                 "Resource": "acs:ecs:*:*:imagepipeline/ip-a*",
                 "Condition": {"Bool": {"acs:SecureTransport": "false"}}},
                {"Effect": "Allow", "Action": "*", "Resource": "*"}]},
            "Fallible": {"Version": "1", "Statement": [
                {"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
                 "Resource": "*", "Condition": {"NumericLessThan": {"ecs:tag/size": "10"}}},
                {"Effect": "Deny", "Action": "ecs:CancelImagePipelineExecution",
                 "Resource": "*"}]},
            "Dated": {"Version": "1", "Statement": [
                {"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
                 "Resource": "*",
                 "Condition": {"DateLessThan": {"acs:CurrentTime": "2030-01-01T00:00:00Z"}}},
                {"Effect": "Deny", "Action": "ecs:CancelImagePipelineExecution",
                 "Resource": "acs:ecs:*:*:imagepipeline/*"}]}},
        "users": {"u1": {"policies": ["Denies"]}, "u2": {"policies": ["Fallible"]},
                  "u3": {"policies": ["Dated"]}}}"#;
    let account = Account::from_json(text, None, None).expect("valid");
    let authorizer = Authorizer::compile(&account).expect("compiles");
    let denies_first =
        |user: usize| -> DeniesFirst { authorizer.users[user].account_pool.hot[0].denies_first };
    assert_eq!(
        (denies_first(0).count, denies_first(0).fallible),
        (2, Fallible::Never)
    );
    assert_eq!(denies_first(1).count, 0, "a condition that can fail");
    assert_eq!(
        (denies_first(2).count, denies_first(2).fallible),
        (1, Fallible::OutsideFourDigitYears)
    );

    let in_2026 = Instant::from_unix(1_767_225_600, 0);
    let past_9999 = Instant::from_unix(253_402_300_800 + 86_400, 0);
    let pipeline = "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-a1";
    let check = |user: &str, arn: &str, context: &[(&str, &str)], now: Instant| {
        let (fast, reference) = both_outcomes(&account, &authorizer, user, arn, context, Some(now));
        assert_eq!(fast, reference, "{user} {arn} {context:?} {now}");
    };
    for arn in [
        pipeline,
        "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-b1",
        "acs:ecs:cn-hangzhou:1234567890123456:instance/i-1",
    ] {
        for (ip, secure, team) in [
            ("10.1.2.3", "true", "a"),
            ("10.1.2.3", "false", "a"),
            ("192.168.0.1", "false", "b"),
        ] {
            let context = [
                ("acs:SourceIp", ip),
                ("acs:SecureTransport", secure),
                ("ecs:tag/team", team),
            ];
            check("u1", arn, &context, in_2026);
        }
        for size in ["5", "abc"] {
            check("u2", arn, &[("ecs:tag/size", size)], in_2026);
        }
        for now in [in_2026, past_9999] {
            check("u3", arn, &[], now);
        }
    }
    // The cases reach each way out: Denies alone, an error before them, the long way.
    let outcome = |user, context: &[(&str, &str)], now| {
        both_outcomes(&account, &authorizer, user, pipeline, context, Some(now)).1
    };
    let denied = outcome("u1", &[("acs:SecureTransport", "false")], in_2026);
    assert!(
        matches!(&denied, Ok((crate::decision::Decision::ExplicitDeny, _, d)) if d.len() == 2),
        "{denied:?}"
    );
    assert!(outcome("u2", &[("ecs:tag/size", "abc")], in_2026).is_err());
    assert!(outcome("u3", &[], past_9999).is_err());
}

/// E6: a candidate whose condition is not in the catalog (never made by compiling) is
/// decided closed: a Deny applies, an Allow does not.
#[test]
fn e6_a_condition_missing_from_the_catalog_fails_closed() {
    let authorizer = account(&[("u1", &["A"])]);
    let catalog = &authorizer.catalog;
    let arn = "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1";
    let request = AuthRequest::new("ecs:CancelImagePipelineExecution", arn).expect("valid");
    let missing = u32::try_from(catalog.conditions.len()).expect("small") + 7;
    let decide = |effect: Effect| {
        let candidate = Candidate {
            id: Tagged::new(0, effect),
            grams: GramPair::NONE,
            anchors: [NO_ANCHOR; 2],
            condition: ConditionRef::new(missing),
            resource: ResourceRef::new(ResourceTest::Any),
        };
        let (mut denies, mut allows) = (Vec::<StatementNumber>::new(), Vec::new());
        let mut text = RequestScratch::new(arn, true);
        let mut eval = Evaluation {
            catalog,
            request: &request,
            scratch: &mut text,
            principal_arn: "",
            tag: 0,
            denies: &mut denies,
            allows: &mut allows,
        };
        candidate.apply(&mut eval).expect("no clause to fail");
        (denies.len(), allows.len())
    };
    assert_eq!(decide(Effect::Allow), (0, 0), "an Allow does not apply");
    assert_eq!(decide(Effect::Deny), (1, 0), "a Deny applies");
}

/// Every resource test comes back out of its packed reference as it went in, at the edges of
/// the id ranges too; a tagged statement keeps its id and its effect; no condition is none.
#[test]
fn packed_references_give_back_what_they_hold() {
    let (p, q, set) = ((1 << 31) - 1, 0, ResourceRef::MAX_SET);
    for test in [
        ResourceTest::Any,
        ResourceTest::Nothing,
        ResourceTest::Pattern(p),
        ResourceTest::Patterns(q, p),
        ResourceTest::Set(0),
        ResourceTest::Set(set),
        ResourceTest::PipelinesOrPattern(p),
        ResourceTest::PipelinesOrSet(set),
    ] {
        assert_eq!(ResourceRef::new(test).test(), test);
    }
    for (id, effect) in [(0, Effect::Allow), ((1 << 31) - 1, Effect::Deny)] {
        let tagged = Tagged::new(id, effect);
        assert_eq!(tagged.statement(), id);
        assert_eq!(tagged.is_deny(), effect == Effect::Deny);
    }
    assert_eq!(ConditionRef::NONE.get(), None);
    assert_eq!(ConditionRef::new(3).get(), Some(3));
}

/// The switch switches: without the workload tuning a pool has no hot list and a catalog no
/// resolved candidates, so the differential test of `Tuning::None` runs the general index.
#[test]
fn tuning_none_builds_no_hot_lists() {
    let policy = crate::policy::Policy::parse(CANCEL_TWICE).expect("a valid policy");
    let named = Arc::new(crate::decision::NamedPolicy::new(
        "A",
        None,
        Arc::new(policy),
    ));
    for (tuning, hot) in [(Tuning::Workload, true), (Tuning::None, false)] {
        let mut catalog = Catalog::with_tuning(tuning);
        let id = catalog.add_policy(&named).expect("compiles");
        let pool = catalog.pool(&[id]).expect("pools");
        assert_eq!(pool.hot.iter().any(|h| h.action != NO_ACTION), hot);
        assert_eq!(catalog.pooled.is_empty(), !hot);
    }
}
