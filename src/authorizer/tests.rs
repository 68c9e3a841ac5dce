//! The compiled authorizer against the reference evaluator (`Account::decide`), the oracle:
//! same decision, reason, stage, deciding statements (as full `StatementRef`s, in order) and the
//! same errors, on random accounts, policies, principals, session policies and requests.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::handle::{Summary, DECISIONS, STAGES};
use super::*;
use crate::condition::value::Instant;
use crate::condition::Operator;
use crate::decision::{Context, Request, RequestError};
use crate::policy::{Policy, PolicyKind};

const ID: &str = "1234567890123456";

/// A small deterministic generator (SplitMix64), seeded by proptest.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const ACTION_PATTERNS: &[&str] = &[
    "ecs:CancelImagePipelineExecution",
    "ECS:cancelimagepipelineexecution",
    "ecs:Cancel*",
    "ecs:*",
    "*",
    "*:Cancel*",
    "ecs:?ancelImagePipelineExecution",
    "e?s:*",
    "ecs:Describe*",
    "ecs:DescribeImages",
    "vpc:*",
    "vpc:DescribeVpcs",
    "ecs:*Execution",
    "*Pipeline*",
    "ecs:CancelImagePipelineExecution?",
    "ecs*",
    "oss:GetObject",
    "ecs:StartImagePipelineExecution",
];

const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "acs:ecs:*:*:imagepipeline/*",
    "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
    "acs:ecs:cn-*:*:imagepipeline/ip-?",
    "acs:ecs:*:1234567890123456:imagepipeline/ip-dev*",
    "acs:ecs:*:*:imagepipelineexecution/*",
    "*ip-prod*",
    "acs:ecs:cn-hangzhou:*:*",
    "acs:ecs:ap-*:*:*",
    "acs:ecs:cn-beijing:1234567890123456:imagepipeline/ip-2",
    "acs:ecs:*:*:imagepipeline/IP-1",
    "acs:*:*:*:*",
    "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-*",
    // Fields with a star before their end: wildcards, not literals or prefixes.
    "acs:*?:ap-*:*:*",
    "acs:ecs:*n-*u:*:imagepipeline/ip-*-?",
    // Matches no request ARN (it is not `*`).
    "",
];

const KEYS: &[&str] = &[
    "acs:SourceIp",
    "acs:CurrentTime",
    "acs:SecureTransport",
    "acs:MFAPresent",
    "acs:PrincipalARN",
    "ecs:tag/team",
    "ACS:SOURCEIP",
    "custom:num",
    "acs:currenttime",
    "acs:principalarn",
];

const STRING_VALUES: &[&str] = &[
    "prod",
    "dev",
    "Prod",
    "*",
    "pro?",
    "builds",
    "acs:ram::1234567890123456:user/alice",
    "acs:ram::1234567890123456:role/*",
    "acs:ram::1234567890123456:user/*",
    "1",
    "10.0",
    "true",
    "10.1.2.3",
    "2026-01-01T00:00:00Z",
    "2026-01-01T*",
];
const NUMERIC_VALUES: &[&str] = &["1", "10", "10.0", "-2.5", "0", "100", "5"];
const DATE_VALUES: &[&str] = &[
    "2020-01-01T00:00:00Z",
    "2030-01-01T00:00:00+08:00",
    "2026-06-01T12:00:00.5Z",
    "2026-01-01T00:00:00Z",
];
const BOOL_VALUES: &[&str] = &["true", "false", "TRUE"];
const IP_VALUES: &[&str] = &[
    "10.0.0.0/8",
    "192.168.0.0/16",
    "10.1.2.3",
    "2001:db8::/32",
    "0.0.0.0/0",
    "10.0.0.1/8",
];

const CONTEXT_IPS: &[&str] = &["10.1.2.3", "192.168.3.4", "2001:db8::1", "8.8.8.8"];
const CONTEXT_BOOLS: &[&str] = &["true", "false", "True"];
const CONTEXT_OTHER: &[&str] = &[
    "prod",
    "dev",
    "5",
    "10.0",
    "abc",
    "2026-01-01T00:00:00Z",
    "true",
    "10.1.2.3",
    "acs:ram::1234567890123456:user/alice",
];
const BAD_FIXED: &[(&str, &str)] = &[
    ("acs:SourceIp", "abc"),
    ("acs:CurrentTime", "2026-01-01"),
    ("acs:SecureTransport", "yes"),
    ("acs:MFAPresent", "1"),
    ("", "x"),
];

const ACTIONS: &[&str] = &[
    "ecs:CancelImagePipelineExecution",
    "ECS:cancelImagePipelineExecution",
    "ecs:DescribeImages",
    "vpc:DescribeVpcs",
    "ecs:StartImagePipelineExecution",
    "oss:GetObject",
    "ecs:CancelImagePipelineExecutionX",
];
const BAD_ACTIONS: &[&str] = &["ecs:*", "ecs", "ecs:a:b", "ecs:Cancel Image", ":x"];

const RESOURCES: &[&str] = &[
    "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
    "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-dev-7",
    "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-prod-1",
    "acs:ecs:cn-beijing:1234567890123456:imagepipeline/ip-2",
    "acs:ecs:ap-southeast-1:1234567890123456:imagepipeline/ip-dev1",
    "acs:ecs:cn-hangzhou:9999999999999999:imagepipeline/ip-1",
    "acs:ecs:cn-hangzhou:1234567890123456:imagepipelineexecution/exec-1",
    "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/IP-1",
];
const BAD_RESOURCES: &[&str] = &[
    "imagepipeline/ip-1",
    "acs:ecs:cn-hangzhou:123",
    "acs::cn:1:x",
    "acs:ecs:cn:1:",
    "acs:ecs:*:1:x",
];

const RG_PATTERNS: &[&str] = &[
    "acs:ecs:*:1234567890123456:imagepipeline/ip-dev*",
    "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
    "acs:ecs:*:*:imagepipeline/ip-?",
    "acs:ecs:cn-beijing:*:*",
    "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-prod-1",
    // Anchored where `ip-dev*` is, with other bytes or the same ones.
    "acs:ecs:*:*:imagepipeline/ip-pro*",
    "acs:ecs:cn-*:*:imagepipeline/ip-dev-*",
    "acs:ecs:cn-hangzhou:*:imagepipeline/ip-de*",
];

fn one_or_many(g: &mut Gen, pool: &[&str], max: usize) -> Value {
    let n = 1 + g.below(max);
    let items: Vec<Value> = (0..n).map(|_| json!(g.pick(pool))).collect();
    if n == 1 && g.chance(50) {
        items.into_iter().next().unwrap_or(Value::Null)
    } else {
        Value::Array(items)
    }
}

fn condition(g: &mut Gen) -> Value {
    let mut block = Map::new();
    for _ in 0..1 + g.below(3) {
        let op = Operator::ALL[g.below(Operator::ALL.len())];
        let values = match op.family() {
            crate::condition::Family::String => STRING_VALUES,
            crate::condition::Family::Numeric => NUMERIC_VALUES,
            crate::condition::Family::Date => DATE_VALUES,
            crate::condition::Family::Bool => BOOL_VALUES,
            crate::condition::Family::Ip => IP_VALUES,
        };
        let key = g.pick(KEYS);
        let entry = block
            .entry(op.name().to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(keys) = entry {
            keys.insert(key.to_owned(), one_or_many(g, values, 3));
        }
    }
    Value::Object(block)
}

fn statement(g: &mut Gen) -> Value {
    let mut s = Map::new();
    if g.chance(30) {
        s.insert("Sid".into(), json!(format!("S{}", g.below(100))));
    }
    s.insert(
        "Effect".into(),
        json!(if g.chance(35) { "Deny" } else { "Allow" }),
    );
    let action_key = if g.chance(15) { "NotAction" } else { "Action" };
    s.insert(action_key.into(), one_or_many(g, ACTION_PATTERNS, 3));
    let resource_key = if g.chance(12) {
        "NotResource"
    } else {
        "Resource"
    };
    s.insert(resource_key.into(), one_or_many(g, RESOURCE_PATTERNS, 3));
    if g.chance(45) {
        s.insert("Condition".into(), condition(g));
    }
    Value::Object(s)
}

fn policy(g: &mut Gen) -> Value {
    let n = 1 + g.below(4);
    json!({"Version": "1", "Statement": (0..n).map(|_| statement(g)).collect::<Vec<_>>()})
}

/// A random account snapshot as JSON, with its principals' names.
fn account_json(g: &mut Gen) -> (String, Vec<String>, Vec<String>) {
    let n_policies = 1 + g.below(6);
    let custom: Vec<String> = (0..n_policies).map(|i| format!("P{i}")).collect();
    let mut policies = Map::new();
    for name in &custom {
        policies.insert(name.clone(), policy(g));
    }
    let mut identity: Vec<&str> = custom.iter().map(String::as_str).collect();
    identity.extend([
        "AliyunECSFullAccess",
        "AliyunECSReadOnlyAccess",
        "AdministratorAccess",
    ]);
    let rg_names = ["rg-a", "rg-b", "rg-c"];
    let n_rg = g.below(4);
    let mut resource_groups = Map::new();
    for name in rg_names.iter().take(n_rg) {
        let n = 1 + g.below(2);
        let patterns: Vec<&str> = (0..n)
            .map(|_| {
                if g.chance(5) {
                    "*"
                } else {
                    g.pick(RG_PATTERNS)
                }
            })
            .collect();
        resource_groups.insert((*name).into(), json!(patterns));
    }
    let attachments = |g: &mut Gen| -> Value {
        let n = g.below(4);
        Value::Array(
            (0..n)
                .map(|_| {
                    let p = g.pick(&identity);
                    if n_rg > 0 && g.chance(40) {
                        json!({"policy": p, "resource_group": rg_names[g.below(n_rg)]})
                    } else {
                        json!(p)
                    }
                })
                .collect(),
        )
    };
    let group_names: Vec<String> = (0..g.below(4)).map(|i| format!("g{i}")).collect();
    let mut groups = Map::new();
    for name in &group_names {
        groups.insert(name.clone(), json!({"policies": attachments(g)}));
    }
    let user_names: Vec<String> = (0..1 + g.below(4)).map(|i| format!("u{i}")).collect();
    let mut users = Map::new();
    for name in &user_names {
        let mut user = Map::new();
        if !group_names.is_empty() {
            let n = g.below(3);
            let gs: Vec<&str> = (0..n)
                .map(|_| group_names[g.below(group_names.len())].as_str())
                .collect();
            user.insert("groups".into(), json!(gs));
        }
        if g.chance(70) {
            user.insert("policies".into(), attachments(g));
        }
        users.insert(name.clone(), Value::Object(user));
    }
    let role_names: Vec<String> = (0..g.below(4)).map(|i| format!("r{i}")).collect();
    let mut roles = Map::new();
    for name in &role_names {
        let mut role = Map::new();
        role.insert("policies".into(), attachments(g));
        if g.chance(25) {
            role.insert("service_linked".into(), json!(true));
        }
        roles.insert(name.clone(), Value::Object(role));
    }
    let mut account = Map::new();
    account.insert("account_id".into(), json!(ID));
    account.insert("policies".into(), Value::Object(policies));
    account.insert("users".into(), Value::Object(users));
    account.insert("groups".into(), Value::Object(groups));
    account.insert("roles".into(), Value::Object(roles));
    account.insert("resource_groups".into(), Value::Object(resource_groups));
    if g.chance(50) {
        let mut control: Vec<&str> = custom.iter().map(String::as_str).collect();
        control.extend(["FullAliyunAccess", "FullAliyunAccess", "FullAliyunAccess"]);
        let n_levels = 1 + g.below(3);
        let path: Vec<Value> = (0..n_levels)
            .map(|i| {
                let name = if i + 1 == n_levels {
                    ID.to_owned()
                } else {
                    format!("fd-{i}")
                };
                let n = g.below(3);
                let ps: Vec<&str> = (0..n).map(|_| g.pick(&control)).collect();
                json!({"name": name, "control_policies": ps})
            })
            .collect();
        account.insert(
            "resource_directory".into(),
            json!({"management_account": g.chance(20), "path": path}),
        );
    }
    let text = serde_json::to_string_pretty(&Value::Object(account)).unwrap_or_default();
    (text, user_names, role_names)
}

/// A random request: action, resource, context pairs, time.
fn request_parts(g: &mut Gen) -> (String, String, Vec<(String, String)>, Instant) {
    let action = if g.chance(3) {
        g.pick(BAD_ACTIONS)
    } else {
        g.pick(ACTIONS)
    };
    let resource = if g.chance(3) {
        g.pick(BAD_RESOURCES)
    } else {
        g.pick(RESOURCES)
    };
    let mut pairs = Vec::new();
    for _ in 0..g.below(5) {
        let key = g.pick(KEYS);
        let value = match crate::condition::fixed_type_of(key) {
            Some(crate::condition::Family::Ip) => g.pick(CONTEXT_IPS),
            Some(crate::condition::Family::Date) => g.pick(DATE_VALUES),
            Some(crate::condition::Family::Bool) => g.pick(CONTEXT_BOOLS),
            _ => g.pick(CONTEXT_OTHER),
        };
        pairs.push((key.to_owned(), value.to_owned()));
    }
    if g.chance(3) {
        let (k, v) = BAD_FIXED[g.below(BAD_FIXED.len())];
        pairs.push((k.to_owned(), v.to_owned()));
    }
    let now = match g.below(12) {
        0..=2 => Instant::from_unix(1_767_225_600, 0), // 2026-01-01T00:00:00Z
        3..=5 => Instant::from_unix(1_577_836_800, 500_000_000),
        6..=8 => Instant::from_unix(1_900_000_000, 0),
        // Around and past the ends of four-digit years, where `now` does not round-trip.
        9 => Instant::from_unix(
            [
                -62_167_219_201,
                -62_167_219_200,
                253_402_300_799,
                253_402_300_800,
                300_000_000_000,
            ][g.below(5)],
            g.below(2) as u32 * 7,
        ),
        _ => Instant::from_unix(g.next() as i64 % 4_000_000_000, 0),
    };
    (action.to_owned(), resource.to_owned(), pairs, now)
}

fn principal_text(g: &mut Gen, users: &[String], roles: &[String]) -> String {
    match g.below(40) {
        0..=3 => "root".to_owned(),
        4 => "user/nobody".to_owned(),
        5 => "role/ghost".to_owned(),
        6..=21 if !users.is_empty() => format!("user/{}", users[g.below(users.len())]),
        22..=29 if !roles.is_empty() => format!("role/{}", roles[g.below(roles.len())]),
        30..=39 if !roles.is_empty() => {
            format!(
                "assumed-role/{}/s{}",
                roles[g.below(roles.len())],
                g.below(3)
            )
        }
        _ if !users.is_empty() => format!("acs:ram::{ID}:user/{}", users[g.below(users.len())]),
        _ => format!("acs:ram::{ID}:root"),
    }
}

/// One account, many requests: both engines must agree on everything, errors included.
fn check_case(seed: u64, requests: usize) -> Result<usize, TestCaseError> {
    check_case_with(seed, requests, &mut |_| {})
}

/// What one compared request came to, for the coverage test.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Seen {
    Decided(Decision, Stage, bool),
    Failed(String),
    BadRequest,
}

fn check_case_with(
    seed: u64,
    requests: usize,
    seen: &mut dyn FnMut(Seen),
) -> Result<usize, TestCaseError> {
    check_case_tuned(seed, requests, Tuning::Workload, seen)
}

/// [`check_case_with`] for an authorizer compiled with or without the workload tuning.
fn check_case_tuned(
    seed: u64,
    requests: usize,
    tuning: Tuning,
    seen: &mut dyn FnMut(Seen),
) -> Result<usize, TestCaseError> {
    let mut g = Gen(seed);
    let (text, users, roles) = account_json(&mut g);
    let account = match Account::from_json(&text, None, Some("acct.json")) {
        Ok(a) => a,
        Err(e) => {
            return Err(TestCaseError::fail(format!(
                "generator made an invalid account: {e}\n{text}"
            )))
        }
    };
    let authorizer = Authorizer::compile_with(&account, tuning)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut compared = 0;
    for _ in 0..requests {
        let (action, resource, pairs, now) = request_parts(&mut g);
        let principal_text = principal_text(&mut g, &users, &roles);
        let session_chance = if principal_text.starts_with("assumed-role/") {
            60
        } else {
            4
        };
        let session_named = if g.chance(session_chance) {
            let text = serde_json::to_string_pretty(&policy(&mut g)).unwrap_or_default();
            let parsed = Policy::parse_as(&text, PolicyKind::Session)
                .map_err(|e| TestCaseError::fail(format!("session policy: {e}")))?;
            Some(NamedPolicy::new(
                "session",
                Some("session.json".into()),
                Arc::new(parsed),
            ))
        } else {
            None
        };

        // The reference request.
        let reference_request: Result<Request, RequestError> = (|| {
            let mut context = Context::new();
            for (k, v) in &pairs {
                context.insert(k, v)?;
            }
            Ok(Request::new(&action, &resource)?
                .with_context(context)
                .at(now))
        })();
        let compiled_request = AuthRequest::new(&action, &resource)
            .and_then(|r| r.with_owned_context(&pairs))
            .map(|r| r.at(now));
        let (reference_request, compiled_request) = match (reference_request, compiled_request) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(_), Err(_)) => {
                seen(Seen::BadRequest);
                continue;
            }
            (a, b) => {
                return Err(TestCaseError::fail(format!(
                    "request building disagrees for {action} {resource} {pairs:?}: {:?} vs {:?}",
                    a.err(),
                    b.err()
                )))
            }
        };

        let principal = match Principal::parse(&principal_text, account.id()) {
            Ok(p) => p,
            Err(e) => {
                return Err(TestCaseError::fail(format!(
                    "bad principal {principal_text}: {e}"
                )))
            }
        };
        let expected = account.decide(&principal, session_named.as_ref(), &reference_request);
        let session = session_named
            .as_ref()
            .map(SessionPolicy::compile)
            .transpose()
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let resolved = authorizer.principal(&principal);
        prop_assert_eq!(
            resolved.clone().map_err(ResolveError::from),
            authorizer.resolve(&principal_text),
            "resolve disagrees for {}",
            principal_text
        );
        let actual = resolved.and_then(|id| {
            let fast = authorizer.authorize(id, session.as_ref(), &compiled_request)?;
            let all = authorizer.deciding_statements(id, session.as_ref(), &compiled_request)?;
            let outcome = authorizer.outcome(id, session.as_ref(), &compiled_request)?;
            Ok((fast, all, outcome))
        });
        // An authorizer compiled for this principal alone decides exactly as the whole one.
        if g.chance(25) {
            let alone = Authorizer::compile_for(&account, &principal)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let decide = |a: &Authorizer| {
                a.principal(&principal)
                    .and_then(|id| a.outcome(id, session.as_ref(), &compiled_request))
            };
            let (whole, alone) = (decide(&authorizer), decide(&alone));
            match (&whole, &alone) {
                (Ok(w), Ok(a)) => {
                    prop_assert_eq!(w.decision(), a.decision(), "compile_for, seed {}", seed);
                    prop_assert_eq!(w.stage(), a.stage());
                    prop_assert_eq!(w.deciding(), a.deciding());
                }
                (Err(w), Err(a)) => prop_assert_eq!(w, a, "compile_for, seed {}", seed),
                _ => prop_assert!(false, "compile_for disagrees, seed {}", seed),
            }
        }
        let context = || {
            format!(
                "seed {seed}: principal {principal_text}, action {action}, resource {resource}, \
                 context {pairs:?}, now {now}, session {:?}\naccount:\n{text}\nsession policy:\n{}",
                session_named.is_some(),
                session_named
                    .as_ref()
                    .map(|s| s.policy().source().text().to_owned())
                    .unwrap_or_default()
            )
        };
        match (expected, actual) {
            (Err(e), Err(a)) => {
                let kind = format!("{e:?}");
                seen(Seen::Failed(
                    kind.split(['(', ' ', '{'])
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                ));
                prop_assert_eq!(e, a, "{}", context());
            }
            (Ok(expected), Ok((fast, all, outcome))) => {
                seen(Seen::Decided(
                    expected.decision(),
                    expected.stage(),
                    !expected.deciding().is_empty(),
                ));
                prop_assert_eq!(expected.decision(), fast.decision(), "{}", context());
                prop_assert_eq!(expected.decision().reason(), fast.reason());
                prop_assert_eq!(expected.stage(), fast.stage(), "{}", context());
                prop_assert_eq!(expected.deciding(), outcome.deciding(), "{}", context());
                prop_assert_eq!(all.len(), fast.deciding_count());
                prop_assert_eq!(all, fast.deciding().collect::<Vec<_>>());
                prop_assert_eq!(outcome.decision(), fast.decision());
                prop_assert_eq!(outcome.stage(), fast.stage());
            }
            (e, a) => {
                return Err(TestCaseError::fail(format!(
                    "one engine failed: reference {:?}, compiled {:?}\n{}",
                    e.map(|o| o.decision()),
                    a.map(|(f, _, _)| f.decision()),
                    context()
                )))
            }
        }
        compared += 1;
    }
    Ok(compared)
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

static COMPARED: AtomicUsize = AtomicUsize::new(0);

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// E1–E6 through the whole procedure: the differential test (run long with
    /// `PROPTEST_CASES=200000 cargo test --release differential`).
    #[test]
    fn differential_compiled_agrees_with_reference(seed in any::<u64>()) {
        let compared = check_case(seed, 24)?;
        COMPARED.fetch_add(compared, Ordering::Relaxed);
    }

    /// The workload tuning changes no answer: on the same accounts and requests, the authorizer
    /// compiled with [`Tuning::Workload`] and the one compiled with [`Tuning::None`] each decide
    /// as the reference (decision, stage, deciding statements, errors), so as each other.
    #[test]
    fn differential_tuning_off_and_on_agree_with_reference(seed in any::<u64>()) {
        check_case_tuned(seed, 12, Tuning::Workload, &mut |_| {})?;
        check_case_tuned(seed, 12, Tuning::None, &mut |_| {})?;
    }

    /// M4, C7: `AuthRequest` accepts and rejects exactly what `Request` and `Context` do.
    #[test]
    fn m4_c7_auth_request_validates_like_request(
        action in prop_oneof!["[a-z:*? ]{0,8}", "ecs:[A-Za-z]{1,6}"],
        arn in prop_oneof!["(acs:)?[a:/*?é]{0,12}", "acs:[a]{0,2}:[a]{0,2}:[a]{0,2}:[a:/é]{0,6}"],
        key in prop_oneof![Just("acs:SourceIp".to_owned()), Just("acs:CurrentTime".to_owned()), Just("acs:mfapresent".to_owned()), "[a:]{0,3}"],
        value in "[0-9a-z.:TZ-]{0,12}",
    ) {
        let pairs = [(key.as_str(), value.as_str())];
        let compiled = AuthRequest::new(&action, &arn).and_then(|r| r.with_context(&pairs)).map(|_| ());
        let reference = Request::new(&action, &arn).map(|_| ()).and_then(|()| {
            let mut c = Context::new();
            c.insert(&key, &value)
        });
        prop_assert_eq!(compiled, reference);
    }
}

#[test]
fn differential_many_seeds_smoke() {
    // A fixed set of seeds, so a regression shows up even where proptest's draw misses it.
    for seed in 0..40 {
        if let Err(e) = check_case(seed, 24) {
            panic!("{e}");
        }
    }
}

#[test]
fn differential_generator_covers_every_stage_and_error() {
    let mut counts: std::collections::HashMap<Seen, usize> = std::collections::HashMap::new();
    for seed in 1000..1300 {
        if let Err(e) = check_case_with(seed, 24, &mut |s| *counts.entry(s).or_default() += 1) {
            panic!("{e}");
        }
    }
    let mut report: Vec<_> = counts.iter().map(|(k, v)| format!("{k:?}: {v}")).collect();
    report.sort();
    let report = report.join("\n");
    for decision in [Decision::Allow, Decision::ExplicitDeny] {
        for stage in [
            Stage::ControlPolicy,
            Stage::SessionPolicy,
            Stage::AccountLevelIdentityBasedPolicy,
            Stage::ResourceGroupLevelIdentityBasedPolicy,
        ] {
            if decision == Decision::Allow
                && matches!(stage, Stage::ControlPolicy | Stage::SessionPolicy)
            {
                continue;
            }
            assert!(
                counts.contains_key(&Seen::Decided(decision, stage, true)),
                "{decision:?} {stage:?} never seen:\n{report}"
            );
        }
    }
    for failure in [
        "UnknownPrincipal",
        "SessionPolicyWithoutSession",
        "ResourceInTwoGroups",
        "Evaluation",
    ] {
        assert!(
            counts.contains_key(&Seen::Failed(failure.to_owned())),
            "{failure} never seen:\n{report}"
        );
    }
    assert!(counts.contains_key(&Seen::BadRequest), "{report}");
    println!("{report}");
}

fn example() -> (Account, Authorizer) {
    let account = match Account::load("policies/example-account.json") {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    };
    let authorizer = match Authorizer::compile(&account) {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    };
    (account, authorizer)
}

#[test]
fn e4_example_account_agrees_for_every_principal_and_resource() {
    let (account, authorizer) = example();
    for principal in [
        "root",
        "user/alice",
        "user/bob",
        "user/carol",
        "role/deployer",
        "role/AliyunServiceRoleForECSImageBuilder",
    ] {
        for resource in RESOURCES {
            let p = Principal::parse(principal, ID).unwrap();
            let request = Request::new("ecs:CancelImagePipelineExecution", resource).unwrap();
            let expected = account.decide(&p, None, &request).unwrap();
            let auth = AuthRequest::new("ecs:CancelImagePipelineExecution", resource)
                .unwrap()
                .at(request.now());
            let id = authorizer.resolve(principal).unwrap();
            let got = authorizer.outcome(id, None, &auth).unwrap();
            assert_eq!(
                expected.decision(),
                got.decision(),
                "{principal} {resource}"
            );
            assert_eq!(expected.stage(), got.stage(), "{principal} {resource}");
            assert_eq!(
                expected.deciding(),
                got.deciding(),
                "{principal} {resource}"
            );
        }
    }
}

#[test]
fn e5_who_can_matches_reference() {
    let (account, authorizer) = example();
    for resource in RESOURCES {
        let request = Request::new("ecs:CancelImagePipelineExecution", resource).unwrap();
        let auth = AuthRequest::new("ecs:CancelImagePipelineExecution", resource)
            .unwrap()
            .at(request.now());
        let expected = account.who_can(&request).unwrap();
        let got = authorizer.who_can(&auth).unwrap();
        assert_eq!(expected.len(), got.len());
        for (e, g) in expected.iter().zip(&got) {
            assert_eq!(e.principal, g.principal);
            assert_eq!(e.outcome.decision(), g.outcome.decision());
            assert_eq!(e.outcome.stage(), g.outcome.stage());
            assert_eq!(e.outcome.deciding(), g.outcome.deciding());
        }
    }
}

#[test]
fn e6_explain_keeps_reference_near_misses() {
    let (account, authorizer) = example();
    let request = Request::new(
        "ecs:CancelImagePipelineExecution",
        "acs:ecs:cn-beijing:1234567890123456:imagepipeline/ip-2",
    )
    .unwrap();
    for principal in ["user/alice", "user/carol", "role/deployer"] {
        let p = Principal::parse(principal, ID).unwrap();
        assert_eq!(
            account.decide(&p, None, &request).unwrap(),
            authorizer.explain(&account, &p, None, &request).unwrap()
        );
    }
}

#[test]
fn e4_more_than_inline_deciding_statements_are_all_listed() {
    let statements: Vec<Value> = (0..40)
        .map(|_| json!({"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}))
        .collect();
    let text =
        json!({"account_id": ID, "policies": {"Many": {"Version": "1", "Statement": statements}},
        "users": {"u": {"policies": ["Many", "Many"]}}})
        .to_string();
    let authorizer = Authorizer::from_json(&text, None, None).unwrap();
    let request = AuthRequest::new("ecs:CancelImagePipelineExecution", RESOURCES[0]).unwrap();
    let u = authorizer.resolve("user/u").unwrap();
    let decision = authorizer.authorize(u, None, &request).unwrap();
    assert_eq!(decision.deciding_count(), 80);
    assert_eq!(decision.deciding().len(), 80);
    let all = authorizer.deciding_statements(u, None, &request).unwrap();
    assert_eq!(all, decision.deciding().collect::<Vec<_>>());
    // Each of the two attachments of `Many` gives its 40 statements, in order.
    let indexes: Vec<usize> = decision
        .deciding()
        .map(|id| {
            authorizer
                .statement_ref(id, None, &request)
                .unwrap()
                .index()
        })
        .collect();
    assert_eq!(indexes, (0..40).chain(0..40).collect::<Vec<_>>());
}

#[test]
fn hot_reload_failed_reload_keeps_old() {
    let handle = AuthorizerHandle::new(example().1);
    let before = handle.snapshot();
    let err = handle
        .reload_json(r#"{"account_id": "1234567890123456", "users": {"a": {"groups": ["nope"]}}}"#);
    assert!(matches!(err, Err(LoadError::Account(_))));
    assert!(Arc::ptr_eq(&before, &handle.snapshot()));
}

/// Two snapshots that decide the probe differently; readers must only ever see one of the two
/// answers, never an error, and must keep answering while a large account compiles.
#[test]
fn hot_reload_readers_see_whole_snapshots_and_never_wait_for_a_compile() {
    let allow =
        json!({"account_id": ID, "users": {"alice": {"policies": ["AliyunECSFullAccess"]}}})
            .to_string();
    let deny = json!({"account_id": ID, "policies": {"D": {"Version": "1", "Statement": [
        {"Effect": "Deny", "Action": "ecs:*", "Resource": "*"}]}},
        "users": {"alice": {"policies": ["AliyunECSFullAccess", "D"]}}})
    .to_string();
    // A large account: a compile that takes a while, so readers demonstrably run meanwhile.
    let big_policies: Map<String, Value> = (0..300)
        .map(|i| {
            let statements: Vec<Value> = (0..20)
                .map(|j| json!({"Effect": "Allow", "Action": format!("ecs:Action{j}"), "Resource": format!("acs:ecs:*:*:imagepipeline/ip-{i}-*")}))
                .collect();
            (format!("P{i}"), json!({"Version": "1", "Statement": statements}))
        })
        .collect();
    let big_users: Map<String, Value> = (0..300)
        .map(|i| (format!("u{i}"), json!({"policies": (0..20).map(|k| format!("P{}", (i + k) % 300)).collect::<Vec<_>>()})))
        .collect();
    let mut big = json!({"account_id": ID, "policies": big_policies, "users": big_users});
    if let Some(users) = big.get_mut("users").and_then(Value::as_object_mut) {
        users.insert("alice".into(), json!({"policies": ["AliyunECSFullAccess"]}));
    }
    let big = big.to_string();

    let handle = AuthorizerHandle::from_json(&allow).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let compiling = Arc::new(AtomicBool::new(false));
    let during_compile = Arc::new(AtomicUsize::new(0));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (handle, stop) = (handle.clone(), Arc::clone(&stop));
            let (compiling, during_compile) = (Arc::clone(&compiling), Arc::clone(&during_compile));
            std::thread::spawn(move || {
                let mut answers = [0usize; 2];
                while !stop.load(Ordering::Relaxed) {
                    let current = handle.current();
                    let request =
                        AuthRequest::new("ecs:CancelImagePipelineExecution", RESOURCES[0]).unwrap();
                    let alice = current.resolve("user/alice").unwrap();
                    let decision = current.authorize(alice, None, &request).unwrap();
                    match (decision.decision(), decision.deciding_count()) {
                        (Decision::Allow, 1) => answers[0] += 1,
                        (Decision::ExplicitDeny, 1) => answers[1] += 1,
                        other => panic!("torn answer {other:?}"),
                    }
                    if compiling.load(Ordering::Relaxed) {
                        during_compile.fetch_add(1, Ordering::Relaxed);
                    }
                }
                answers
            })
        })
        .collect();
    for round in 0..20 {
        handle
            .reload_json(if round % 2 == 0 { &deny } else { &allow })
            .unwrap();
        std::thread::yield_now();
    }
    // A slow compile: readers keep answering from the old snapshot meanwhile.
    compiling.store(true, Ordering::Relaxed);
    let seen_before = during_compile.load(Ordering::Relaxed);
    let compiled = Authorizer::from_json(&big, None, None).unwrap();
    let seen_after = during_compile.load(Ordering::Relaxed);
    compiling.store(false, Ordering::Relaxed);
    handle.store(compiled);
    stop.store(true, Ordering::Relaxed);
    let mut totals = [0usize; 2];
    for reader in readers {
        let answers = reader.join().unwrap();
        totals[0] += answers[0];
        totals[1] += answers[1];
    }
    assert!(totals[0] + totals[1] > 0);
    assert!(
        seen_after > seen_before,
        "readers answered nothing while a large account compiled"
    );
}

#[test]
fn e4_remembered_results_do_not_cross_from_session_to_account_catalog() {
    // The session policy's resource set and condition are number 0 of its own catalog, as the
    // account's are of the account's: a result the session stage remembered must not answer
    // for the account stage (and the other way round).
    let account = Account::from_json(
        r#"{"account_id": "1234567890123456",
            "policies": {"Own": {"Version": "1", "Statement": [
              {"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
               "Resource": "acs:ecs:*:*:imagepipeline/x-*",
               "Condition": {"StringEquals": {"ecs:tag/team": "a"}}}]}},
            "roles": {"deployer": {"policies": ["Own"]}}}"#,
        None,
        None,
    )
    .expect("valid");
    let authorizer = Authorizer::compile(&account).expect("compiles");
    let text = r#"{"Version": "1", "Statement": [{"Effect": "Allow",
        "Action": "ecs:CancelImagePipelineExecution",
        "Resource": "acs:ecs:*:*:imagepipeline/y-*",
        "Condition": {"StringEquals": {"ecs:tag/team": "b"}}}]}"#;
    let policy = Policy::parse_as(text, PolicyKind::Session).expect("valid");
    let named = NamedPolicy::new("session", None, std::sync::Arc::new(policy));
    let session = SessionPolicy::compile(&named).expect("compiles");
    let principal = Principal::parse("assumed-role/deployer/s", account.id()).expect("valid");
    let id = authorizer.principal(&principal).expect("known");
    for (resource, team) in [("y-1", "b"), ("x-1", "a"), ("y-1", "a"), ("x-1", "b")] {
        let arn = format!("acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/{resource}");
        let pairs = [("ecs:tag/team", team)];
        let fast = AuthRequest::new(crate::decision::CANCEL_IMAGE_PIPELINE_EXECUTION, &arn)
            .and_then(|r| r.with_context(&pairs))
            .expect("valid");
        let mut context = Context::new();
        context.insert("ecs:tag/team", team).expect("valid");
        let reference = Request::new(crate::decision::CANCEL_IMAGE_PIPELINE_EXECUTION, &arn)
            .expect("valid")
            .with_context(context)
            .at(fast.now());
        let expected = account
            .decide(&principal, Some(&named), &reference)
            .expect("decides");
        let got = authorizer
            .authorize(id, Some(&session), &fast)
            .expect("decides");
        assert_eq!(
            (got.decision(), got.stage()),
            (expected.decision(), expected.stage()),
            "{resource} {team}"
        );
    }
}

/// E2: `resolve` finds names by looking them up; a text that is not a valid name is never found
/// and gets the reference parser's own error, a valid unknown name the unknown-principal one.
#[test]
fn e2_resolve_reports_invalid_and_unknown_names_as_the_reference_does() {
    let text =
        json!({"account_id": ID, "users": {"alice": {}}, "roles": {"deployer": {}}}).to_string();
    let authorizer = Authorizer::from_json(&text, None, None).unwrap();
    let account = Account::from_json(&text, None, None).unwrap();
    let long = format!("user/{}", "a".repeat(65));
    for text in [
        "user/alice",
        "user/al ice",
        "user/alicé",
        "user/",
        long.as_str(),
        "user/alice/x",
        "role/deployer",
        "role/deploy*",
        "assumed-role/deployer/ci",
        "assumed-role/deployer/c i",
        "assumed-role/deployer/",
        "user/bob",
    ] {
        let reference = Principal::parse(text, ID)
            .map_err(ResolveError::from)
            .and_then(|p| authorizer.principal(&p).map_err(ResolveError::from));
        let resolved = authorizer.resolve(text);
        assert_eq!(resolved, reference, "{text}");
        let known = Principal::parse(text, ID).is_ok_and(|p| {
            account
                .decide(
                    &p,
                    None,
                    &Request::new("ecs:CancelImagePipelineExecution", RESOURCES[0]).unwrap(),
                )
                .is_ok()
        });
        assert_eq!(resolved.is_ok(), known, "{text}");
    }
    assert!(matches!(
        authorizer.resolve("user/al ice"),
        Err(ResolveError::Invalid(_))
    ));
    assert!(matches!(
        authorizer.resolve("user/bob"),
        Err(ResolveError::Unknown(_))
    ));
}

/// M1, M5: a resource list whose patterns all have their anchor in one place (a region deny
/// list) is ruled in or out by one read of the ARN, exactly as the reference matches it, for
/// `Resource` and `NotResource` alike.
#[test]
fn m1_m5_patterns_anchored_in_one_place_decide_as_the_reference() {
    let regions = ["acs:*:ap-*:*:*", "acs:*:us-*:*:*", "acs:*:eu-*:*:*"];
    for (element, effect) in [
        ("Resource", "Deny"),
        ("NotResource", "Deny"),
        ("Resource", "Allow"),
        ("NotResource", "Allow"),
    ] {
        let text = json!({"account_id": ID,
            "policies": {"Regions": {"Version": "1", "Statement": [
                {"Effect": effect, "Action": "*", element: regions},
                {"Effect": "Allow", "Action": "ecs:*", "Resource": "acs:ecs:*:*:imagepipeline/ip-1"}]}},
            "users": {"u": {"policies": ["Regions"]}}})
        .to_string();
        let account = Account::from_json(&text, None, None).unwrap();
        let authorizer = Authorizer::compile(&account).unwrap();
        let u = authorizer.resolve("user/u").unwrap();
        for region in [
            "ap-southeast-1",
            "us-west-1",
            "eu-central-1",
            "cn-hangzhou",
            "ap",
            "x",
        ] {
            let arn = format!("acs:ecs:{region}:{ID}:imagepipeline/ip-1");
            let request = AuthRequest::new("ecs:CancelImagePipelineExecution", &arn).unwrap();
            let fast = authorizer.authorize(u, None, &request).unwrap();
            let reference = account
                .decide(
                    &Principal::parse("user/u", ID).unwrap(),
                    None,
                    &Request::new("ecs:CancelImagePipelineExecution", &arn).unwrap(),
                )
                .unwrap();
            let context = format!("{effect} {element} on {region}");
            assert_eq!(fast.decision(), reference.decision(), "{context}");
            assert_eq!(
                fast.deciding().len(),
                reference.deciding().len(),
                "{context}"
            );
        }
    }
}

/// What a request decides to, as compared: decision, stage and the deciding statements'
/// indexes in order, or the error's text.
pub(crate) type Outcome = Result<(Decision, Stage, Vec<usize>), String>;

/// The outcomes of `arn` with `context` for `user/<user>`, at `now` if given, with the
/// compiled authorizer and with the reference.
pub(crate) fn both_outcomes(
    account: &Account,
    authorizer: &Authorizer,
    user: &str,
    arn: &str,
    context: &[(&str, &str)],
    now: Option<Instant>,
) -> (Outcome, Outcome) {
    let name = format!("user/{user}");
    let u = authorizer.resolve(&name).expect("known");
    let principal = Principal::parse(&name, ID).expect("valid");
    let mut request = AuthRequest::new("ecs:CancelImagePipelineExecution", arn)
        .and_then(|r| r.with_context(context))
        .expect("valid");
    let mut reference_context = Context::new();
    for &(key, value) in context {
        reference_context.insert(key, value).expect("valid");
    }
    let mut reference_request = Request::new("ecs:CancelImagePipelineExecution", arn)
        .expect("valid")
        .with_context(reference_context);
    if let Some(now) = now {
        request = request.at(now);
        reference_request = reference_request.at(now);
    }
    let fast = authorizer
        .authorize(u, None, &request)
        .and_then(|decision| {
            let all = authorizer.deciding_statements(u, None, &request)?;
            let indexes = all
                .iter()
                .filter_map(|&s| authorizer.statement_ref(s, None, &request).ok())
                .map(|s| s.index())
                .collect();
            Ok((decision.decision(), decision.stage(), indexes))
        })
        .map_err(|e| e.to_string());
    let reference = account
        .decide(&principal, None, &reference_request)
        .map(|d| {
            let indexes = d.deciding().iter().map(|s| s.index()).collect();
            (d.decision(), d.stage(), indexes)
        })
        .map_err(|e| e.to_string());
    (fast, reference)
}

/// C8: `acs:CurrentTime` is the request's time when its context does not give it, and the
/// context's value when it does; compared as an instant by date operators (the compiled form's
/// fast path) and as text by string operators.
#[test]
fn c8_current_time_is_the_request_time_unless_the_context_gives_it() {
    let text = json!({"account_id": ID,
        "policies": {"Hours": {"Version": "1", "Statement": [
            {"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution", "Resource": "*",
             "Condition": {"DateLessThan": {"acs:CurrentTime": "2030-01-01T00:00:00Z"}}},
            {"Effect": "Deny", "Action": "ecs:CancelImagePipelineExecution", "Resource": "*",
             "Condition": {"StringLike": {"acs:CurrentTime": "2031-*"}}}]}},
        "users": {"u": {"policies": ["Hours"]}}})
    .to_string();
    let account = Account::from_json(&text, None, None).unwrap();
    let authorizer = Authorizer::compile(&account).unwrap();
    let arn = format!("acs:ecs:cn-hangzhou:{ID}:imagepipeline/ip-1");
    // The request's time, its context, and the decision.
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], Decision);
    let cases: [Case<'_>; 5] = [
        ("2026-06-01T00:00:00Z", &[], Decision::Allow),
        ("2031-06-01T00:00:00Z", &[], Decision::ExplicitDeny),
        ("2032-06-01T00:00:00Z", &[], Decision::ImplicitDeny),
        (
            "2026-06-01T00:00:00Z",
            &[("acs:CurrentTime", "2031-02-01T00:00:00Z")],
            Decision::ExplicitDeny,
        ),
        (
            "2032-06-01T00:00:00Z",
            &[("acs:currenttime", "2029-12-31T23:59:59Z")],
            Decision::Allow,
        ),
    ];
    for (now, context, expected) in cases {
        let now = Instant::parse(now).unwrap();
        let (fast, reference) = both_outcomes(&account, &authorizer, "u", &arn, context, Some(now));
        let case = format!("at {now} with {context:?}");
        assert_eq!(
            reference.as_ref().map(|(decision, _, _)| *decision),
            Ok(expected),
            "{case}"
        );
        assert_eq!(fast, reference, "{case}");
    }
}

/// E5: a decision's verdict, stage and count of deciding statements come back from the one
/// word they are kept in as they went in, for every verdict and stage and counts at the edges.
#[test]
fn e5_summary_keeps_verdict_stage_and_count() {
    for decision in DECISIONS {
        for stage in STAGES {
            for total in [0, 1, 16, 17, u32::MAX] {
                let summary = Summary::new(decision, stage, total);
                assert_eq!(summary.decision(), decision);
                assert_eq!(summary.is_allowed(), decision.is_allowed());
                assert_eq!(summary.stage(), stage);
                assert_eq!(summary.total(), total);
            }
        }
    }
}

/// A principal id gives back the kind and number it was made of, for every number the id
/// space hands out.
#[test]
fn principal_ids_keep_kind_and_number() {
    for kind in [Kind::Root, Kind::User, Kind::Role, Kind::RoleSession] {
        for number in [0, 1, 7, u64::from(u32::MAX) + 1, stamp::LIMIT - 1] {
            let id = PrincipalId::new(kind, number);
            assert_eq!((id.kind(), id.number()), (kind, number));
        }
    }
    assert_ne!(
        PrincipalId::new(Kind::Role, 3),
        PrincipalId::new(Kind::RoleSession, 3)
    );
}

/// A decision is within a cache line, so that moving one is cheap.
#[test]
fn decisions_and_requests_stay_small() {
    assert_eq!(std::mem::size_of::<AuthDecision>(), 48);
    assert!(std::mem::size_of::<AuthRequest<'_>>() <= 200);
    assert_eq!(std::mem::size_of::<PrincipalId>(), 8);
}

const FOREIGN_PRINCIPAL: DecideError =
    DecideError::Handle(HandleError::PrincipalOfAnotherAuthorizer);

/// Every way of deciding with `id` on `authorizer` is refused as another authorizer's id.
fn assert_refused(authorizer: &Authorizer, id: PrincipalId, session: Option<&SessionPolicy>) {
    for resource in RESOURCES {
        let request = AuthRequest::new("ecs:CancelImagePipelineExecution", resource).unwrap();
        assert_eq!(
            authorizer.authorize(id, session, &request),
            Err(FOREIGN_PRINCIPAL),
            "{resource}"
        );
        assert_eq!(
            authorizer.deciding_statements(id, session, &request),
            Err(FOREIGN_PRINCIPAL)
        );
        assert_eq!(
            authorizer.outcome(id, session, &request),
            Err(FOREIGN_PRINCIPAL)
        );
        let mut out = Vec::new();
        authorizer.authorize_many(&[(id, session, &request)], &mut out);
        assert_eq!(out, [Err(FOREIGN_PRINCIPAL)]);
    }
}

/// A way of putting a new snapshot into a handle.
type Reload<'a> = dyn Fn(&AuthorizerHandle) + 'a;

/// Issue 18: an id resolved on one snapshot, used after a reload that adds a principal sorted
/// before it, must not decide for the principal that now has its place (it was an Allow):
/// whichever way the new snapshot comes in.
#[test]
fn ids_kept_across_a_reload_are_refused_not_decided() {
    let before = json!({"account_id": ID,
        "users": {"mallory": {"policies": ["AliyunECSReadOnlyAccess"]}}})
    .to_string();
    let after = json!({"account_id": ID,
        "users": {"admin": {"policies": ["AdministratorAccess"]},
                  "mallory": {"policies": ["AliyunECSReadOnlyAccess"]}}})
    .to_string();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("account.json");
    std::fs::write(&file, &after).unwrap();
    let account = Account::from_json(&after, None, None).unwrap();
    let reloads: [(&str, &Reload<'_>); 4] = [
        ("reload_json", &|h| h.reload_json(&after).unwrap()),
        ("reload", &|h| h.reload(&account).unwrap()),
        ("reload_file", &|h| h.reload_file(&file).unwrap()),
        ("store", &|h| {
            h.store(Authorizer::compile(&account).unwrap())
        }),
    ];
    let request = AuthRequest::new("ecs:CancelImagePipelineExecution", RESOURCES[0]).unwrap();
    for (how, reload) in reloads {
        let handle = AuthorizerHandle::from_json(&before).unwrap();
        let old = handle.current().resolve("user/mallory").unwrap();
        reload(&handle);
        let current = handle.current();
        assert_refused(&current, old, None);
        // Resolved again, the same name decides as it should.
        let mallory = current.resolve("user/mallory").unwrap();
        let admin = current.resolve("user/admin").unwrap();
        assert_eq!(
            current
                .authorize(mallory, None, &request)
                .map(|d| d.decision()),
            Ok(Decision::ImplicitDeny),
            "{how}"
        );
        assert_eq!(
            current
                .authorize(admin, None, &request)
                .map(|d| d.decision()),
            Ok(Decision::Allow),
            "{how}"
        );
    }
}

/// Issue 18: an id of another authorizer is refused: the same account compiled again (in
/// whole or for one principal), another account, and the root, whose id was once the same
/// everywhere (another account's root then decided as this account's owner: Allow).
#[test]
fn ids_of_another_authorizer_are_refused_not_decided() {
    let (account, authorizer) = example();
    let other = Account::from_json(
        &json!({"account_id": "9999999999999999",
            "users": {"alice": {"policies": ["AdministratorAccess"]}},
            "roles": {"deployer": {"policies": ["AdministratorAccess"]}}})
        .to_string(),
        None,
        None,
    )
    .unwrap();
    let alice = Principal::parse("user/alice", account.id()).unwrap();
    let recompiled = Authorizer::compile(&account).unwrap();
    let alone = Authorizer::compile_for(&account, &alice).unwrap();
    let others = Authorizer::compile(&other).unwrap();
    let session = SessionPolicy::compile(&NamedPolicy::new(
        "session",
        None,
        Arc::new(
            Policy::parse_as(
                r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
                PolicyKind::Session,
            )
            .unwrap(),
        ),
    ))
    .unwrap();
    let texts = [
        "root",
        "user/alice",
        "user/carol",
        "role/deployer",
        "assumed-role/deployer/ci",
    ];
    for (maker, user) in [(&authorizer, &recompiled), (&recompiled, &alone)] {
        for text in texts {
            let Ok(id) = maker.resolve(text) else {
                continue;
            };
            assert_refused(user, id, None);
            // Refused before the session policy is looked at, too.
            assert_refused(user, id, Some(&session));
            assert_refused(&others, id, None);
        }
    }
    for text in ["root", "user/alice", "role/deployer"] {
        assert_refused(&authorizer, others.resolve(text).unwrap(), None);
    }
    // Every id stays with its own authorizer.
    for text in texts {
        let id = authorizer.resolve(text).unwrap();
        let request = AuthRequest::new("ecs:CancelImagePipelineExecution", RESOURCES[0]).unwrap();
        assert!(authorizer.authorize(id, None, &request).is_ok(), "{text}");
        assert_ne!(Some(id), recompiled.resolve(text).ok(), "{text}");
    }
}

/// A clone is the same authorizer, stamp included: same tables, so an id decides the same.
#[test]
fn a_clone_shares_the_stamp_and_decides_the_same() {
    let (_, authorizer) = example();
    let clone = authorizer.clone();
    for text in ["root", "user/alice", "user/bob", "assumed-role/deployer/ci"] {
        let id = authorizer.resolve(text).unwrap();
        assert_eq!(Ok(id), clone.resolve(text));
        for resource in RESOURCES {
            let request = AuthRequest::new("ecs:CancelImagePipelineExecution", resource).unwrap();
            assert_eq!(
                authorizer.authorize(id, None, &request),
                clone.authorize(id, None, &request),
                "{text} {resource}"
            );
        }
    }
}

/// Issue 18: a statement id explains only with the authorizer that decided, and a session
/// policy's only with that session policy.
#[test]
fn statement_ids_are_bound_to_their_authorizer_and_session_policy() {
    let (account, authorizer) = example();
    let recompiled = Authorizer::compile(&account).unwrap();
    let request = AuthRequest::new("ecs:CancelImagePipelineExecution", RESOURCES[0]).unwrap();
    let alice = authorizer.resolve("user/alice").unwrap();
    let decision = authorizer.authorize(alice, None, &request).unwrap();
    let all = authorizer
        .deciding_statements(alice, None, &request)
        .unwrap();
    assert!(!all.is_empty());
    for id in decision.deciding().chain(all) {
        assert!(authorizer.statement_ref(id, None, &request).is_ok());
        assert_eq!(
            recompiled.statement_ref(id, None, &request),
            Err(HandleError::StatementOfAnotherAuthorizer)
        );
    }
    assert_eq!(
        authorizer.statement_ref(StatementId::default(), None, &request),
        Err(HandleError::StatementOfAnotherAuthorizer)
    );

    let named = NamedPolicy::new(
        "session",
        None,
        Arc::new(
            Policy::parse_as(
                r#"{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "ecs:*", "Resource": "*"}]}"#,
                PolicyKind::Session,
            )
            .unwrap(),
        ),
    );
    let session = SessionPolicy::compile(&named).unwrap();
    let again = SessionPolicy::compile(&named).unwrap();
    let deployer = authorizer.resolve("assumed-role/deployer/ci").unwrap();
    let decision = authorizer
        .authorize(deployer, Some(&session), &request)
        .unwrap();
    assert_eq!(
        (decision.decision(), decision.stage()),
        (Decision::ExplicitDeny, Stage::SessionPolicy)
    );
    let all = authorizer
        .deciding_statements(deployer, Some(&session), &request)
        .unwrap();
    for id in decision.deciding().chain(all) {
        assert!(id.is_session());
        let explained = authorizer.statement_ref(id, Some(&session), &request);
        assert_eq!(
            explained.map(|s| s.policy().to_owned()),
            Ok("session".into())
        );
        // Any authorizer explains a session policy's statement with that session policy.
        assert!(recompiled
            .statement_ref(id, Some(&session), &request)
            .is_ok());
        for wrong in [None, Some(&again)] {
            assert_eq!(
                authorizer.statement_ref(id, wrong, &request),
                Err(HandleError::StatementOfAnotherSessionPolicy)
            );
        }
    }
}

/// The handle errors' wording: what is wrong, then the fix.
#[test]
fn handle_errors_say_what_to_do() {
    assert_eq!(
        FOREIGN_PRINCIPAL.to_string(),
        "the principal id was resolved by another authorizer (another account's, or a snapshot \
         a reload replaced); resolve the principal with the authorizer that decides"
    );
    assert_eq!(
        HandleError::StatementOfAnotherAuthorizer.to_string(),
        "the statement id is from another authorizer's decision (another account's, or a \
         snapshot a reload replaced); take it from a decision of this authorizer"
    );
    assert_eq!(
        HandleError::StatementOfAnotherSessionPolicy.to_string(),
        "the statement id is a session policy's, but the session policy given is another one \
         or none; pass the session policy the decision was made with"
    );
}

/// An authorizer loads from a Terraform state as from the snapshot it describes: the same
/// decisions, stages and deciding statements' policies for every principal of the example.
#[test]
fn a_terraform_state_loads_and_decides_as_its_snapshot() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (snapshot, state) = match (
        Authorizer::load(root.join("policies/example-account.json")),
        Authorizer::load(root.join("tests/fixtures/terraform/state.json")),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => panic!("{:?} {:?}", a.err(), b.err()),
    };
    let pipelines = ["ip-1", "ip-prod-7", "ip-dev01"];
    let mut decided = 0;
    for principal in [
        "root",
        "user/alice",
        "user/bob",
        "user/carol",
        "role/deployer",
    ] {
        for id in pipelines {
            let arn = format!("acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/{id}");
            let request = AuthRequest::new(crate::decision::CANCEL_IMAGE_PIPELINE_EXECUTION, &arn)
                .expect("request");
            let decide = |a: &Authorizer| {
                let id = a.resolve(principal).expect("principal");
                let d = a.authorize(id, None, &request).expect("decision");
                let policies: Vec<String> = d
                    .deciding()
                    .map(|s| {
                        a.statement_ref(s, None, &request)
                            .expect("statement")
                            .policy()
                            .to_owned()
                    })
                    .collect();
                (d.decision(), d.stage(), policies)
            };
            assert_eq!(decide(&snapshot), decide(&state), "{principal} {id}");
            decided += 1;
        }
    }
    assert_eq!(decided, 15);
}

/// A ROS template says nothing of its account: loading it without one is the source's
/// error, never an authorizer for some account.
#[test]
fn a_ros_template_without_an_account_id_is_a_source_error() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ros/ci-deployer.yaml");
    assert!(matches!(Authorizer::load(&path), Err(LoadError::Source(_))));
    let options = SourceOptions::default().with_account_id("1234567890123456");
    assert!(Authorizer::load_with(&path, &options).is_ok());
}
