//! Exactness of the access analysis against brute force (A1–A4, T5): random small account
//! sets, every request of a bounded universe decided by nothing but the single decisions
//! (`Account::decide` for a principal's own request, `Accounts::decide_assume_role` for each
//! hop, one context everywhere, breadth first over roles, never a role twice), compared with
//! `who_can` and `diff` both ways.
//!
//! The analysis ranges over every string and value (A1); the universe is a subset of that
//! space. So the universe can only refute: a request the brute force allows means access is not
//! none, a request it denies means access is not all, a change it finds must be reported. The
//! reverse directions go through the witnesses: each is replayed hop by hop and must decide as
//! reported, and a denied witness must be out of reach by the brute force too.
//!
//! `RAMCHECK_PROP_CASES` sets the number of cases of each property (default [`DEFAULT_CASES`]),
//! for a long run: `RAMCHECK_PROP_CASES=100000 cargo test --release --test tests analysis_props`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use proptest::strategy::ValueTree;
use proptest::test_runner::TestCaseError;
use ramcheck::account::{Account, DecideError, Principal};
use ramcheck::analysis::{diff, who_can, Access, Hop, Question, Reached, Witness};
use ramcheck::assume::{Accounts, AssumeError};
use ramcheck::decision::{Context, Decision, Outcome, Request, Side, StatementRef};
use serde_json::{json, Map, Value};

/// Cases of each property in a plain `cargo test`: enough for thousands of random accounts in
/// all, within about twenty seconds per property in the test profile.
const DEFAULT_CASES: u32 = 1200;

const ACTION: &str = "ecs:CancelImagePipelineExecution";
const ASSUME: &str = "sts:AssumeRole";

/// The accounts a case may have a snapshot of, and one that never has one.
const IDS: [&str; 2] = ["1111111111111111", "2222222222222222"];
const OTHER: &str = "3333333333333333";

/// The universe's resources: every region and id of this alphabet, in each account.
const REGIONS: [&str; 3] = ["r1", "r2", "r3"];
const PIPELINES: [&str; 4] = ["a", "b", "ab", "c"];

/// Resource groups' claims: pairwise disjoint over the universe, so no resource is claimed
/// twice (E4.3 makes that an input error, which is not what this test is about).
const GROUP_CLAIMS: [&str; 3] = [
    "acs:ecs:*:*:imagepipeline/a*",
    "acs:ecs:r2:*:imagepipeline/b",
    "acs:ecs:r1:*:imagepipeline/c",
];

const DATE_1: &str = "2024-01-01T00:00:00Z";
const DATE_2: &str = "2025-06-01T00:00:00Z";

/// A condition key a case may use, the values its conditions draw from, and the universe's
/// values of it: one of each class those values can make (absent added unless the key is
/// `acs:CurrentTime`, which is never absent, A1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    SourceIp,
    Team,
    Secure,
    Time,
    Size,
}

const KEYS: [Key; 5] = [Key::SourceIp, Key::Team, Key::Secure, Key::Time, Key::Size];

impl Key {
    fn name(self) -> &'static str {
        match self {
            Key::SourceIp => "acs:SourceIp",
            Key::Team => "ecs:tag/team",
            Key::Secure => "acs:SecureTransport",
            Key::Time => "acs:CurrentTime",
            Key::Size => "ecs:tag/size",
        }
    }

    fn operators(self) -> &'static [&'static str] {
        match self {
            Key::SourceIp => &["IpAddress", "NotIpAddress"],
            Key::Team => &["StringEquals", "StringLike", "StringNotEquals"],
            Key::Secure => &["Bool"],
            Key::Time => &["DateLessThan", "DateGreaterThan"],
            Key::Size => &[
                "NumericLessThan",
                "NumericEquals",
                "NumericGreaterThanEquals",
            ],
        }
    }

    fn policy_values(self) -> &'static [&'static str] {
        match self {
            Key::SourceIp => &["10.0.0.0/8", "10.1.0.0/16"],
            Key::Team => &["x", "y*"],
            Key::Secure => &["true", "false"],
            Key::Time => &[DATE_1, DATE_2],
            Key::Size => &["10", "20"],
        }
    }

    fn universe(self) -> &'static [&'static str] {
        match self {
            Key::SourceIp => &["10.0.0.1", "10.1.0.1", "192.168.0.1", "::1"],
            // `y*` as a literal: what StringEquals on the pattern's text matches.
            Key::Team => &["x", "y", "yz", "X", "z", "y*"],
            Key::Secure => &["true", "false"],
            Key::Time => &[
                "2023-06-01T00:00:00Z",
                DATE_1,
                "2024-09-01T00:00:00Z",
                DATE_2,
                "2026-01-01T00:00:00Z",
            ],
            Key::Size => &["5", "10", "15", "20", "25"],
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The model of a case, and its snapshot files.

#[derive(Debug, Clone)]
struct Cond {
    operator: &'static str,
    key: Key,
    values: Vec<&'static str>,
}

impl Cond {
    fn json(conditions: &[Cond]) -> Value {
        let mut block = Map::new();
        for c in conditions {
            let entry = block
                .entry(c.operator)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(keys) = entry {
                keys.insert(c.key.name().to_owned(), json!(c.values));
            }
        }
        Value::Object(block)
    }
}

#[derive(Debug, Clone)]
struct Statement {
    deny: bool,
    not_action: bool,
    actions: Vec<&'static str>,
    not_resource: bool,
    /// Patterns with `{A}` for an account ID, filled in by `account`.
    resources: Vec<(&'static str, usize)>,
    conditions: Vec<Cond>,
}

impl Statement {
    fn json(&self, accounts: usize) -> Value {
        let mut s = Map::new();
        s.insert("Effect".into(), json!(effect(self.deny)));
        let action = if self.not_action {
            "NotAction"
        } else {
            "Action"
        };
        s.insert(action.into(), json!(self.actions));
        let resource = if self.not_resource {
            "NotResource"
        } else {
            "Resource"
        };
        let resources: Vec<String> = self
            .resources
            .iter()
            .map(|(pattern, account)| pattern.replace("{A}", account_id(account % accounts)))
            .collect();
        s.insert(resource.into(), json!(resources));
        if !self.conditions.is_empty() {
            s.insert("Condition".into(), Cond::json(&self.conditions));
        }
        Value::Object(s)
    }
}

#[derive(Debug, Clone)]
struct TrustStatement {
    deny: bool,
    action: &'static str,
    /// `(pattern, account)`, `{A}` filled in by `account`.
    principals: Vec<(&'static str, usize)>,
    conditions: Vec<Cond>,
}

impl TrustStatement {
    fn json(&self, accounts: usize) -> Value {
        let principals: Vec<String> = self
            .principals
            .iter()
            .map(|(pattern, account)| pattern.replace("{A}", account_id(account % accounts)))
            .collect();
        let mut s = Map::new();
        s.insert("Effect".into(), json!(effect(self.deny)));
        s.insert("Action".into(), json!(self.action));
        s.insert("Principal".into(), json!({ "RAM": principals }));
        if !self.conditions.is_empty() {
            s.insert("Condition".into(), Cond::json(&self.conditions));
        }
        Value::Object(s)
    }
}

/// A policy attachment: the policy's number and, maybe, a resource group's (both taken modulo
/// what the account has).
#[derive(Debug, Clone, Copy)]
struct Attach {
    policy: usize,
    group: Option<usize>,
}

#[derive(Debug, Clone)]
struct RoleModel {
    attach: Vec<Attach>,
    trust: Option<Vec<TrustStatement>>,
    service_linked: bool,
}

#[derive(Debug, Clone)]
struct AccountModel {
    policies: Vec<Vec<Statement>>,
    users: Vec<(Vec<usize>, Vec<Attach>)>,
    groups: Vec<Vec<Attach>>,
    roles: Vec<RoleModel>,
    resource_groups: usize,
}

fn effect(deny: bool) -> &'static str {
    if deny {
        "Deny"
    } else {
        "Allow"
    }
}

fn account_id(n: usize) -> &'static str {
    match n {
        0 => IDS[0],
        1 => IDS[1],
        _ => OTHER,
    }
}

impl AccountModel {
    /// The snapshot file of account number `n` of `accounts`.
    fn json(&self, n: usize, accounts: usize) -> String {
        let policies: Map<String, Value> = self
            .policies
            .iter()
            .enumerate()
            .map(|(i, statements)| {
                let statements: Vec<Value> = statements.iter().map(|s| s.json(accounts)).collect();
                (
                    format!("P{i}"),
                    json!({"Version": "1", "Statement": statements}),
                )
            })
            .collect();
        let attachments = |attach: &[Attach]| -> Value {
            attach
                .iter()
                .map(|a| {
                    let policy = format!("P{}", a.policy % self.policies.len());
                    match a.group {
                        Some(g) if self.resource_groups > 0 => {
                            json!({"policy": policy, "resource_group": format!("rg{}", g % self.resource_groups)})
                        }
                        _ => json!(policy),
                    }
                })
                .collect()
        };
        let groups: Map<String, Value> = self
            .groups
            .iter()
            .enumerate()
            .map(|(i, attach)| (format!("g{i}"), json!({"policies": attachments(attach)})))
            .collect();
        let users: Map<String, Value> = self
            .users
            .iter()
            .enumerate()
            .map(|(i, (member_of, attach))| {
                let member_of: BTreeSet<String> = if self.groups.is_empty() {
                    BTreeSet::new()
                } else {
                    member_of
                        .iter()
                        .map(|g| format!("g{}", g % self.groups.len()))
                        .collect()
                };
                (
                    format!("u{i}"),
                    json!({"groups": member_of, "policies": attachments(attach)}),
                )
            })
            .collect();
        let roles: Map<String, Value> = self
            .roles
            .iter()
            .enumerate()
            .map(|(i, role)| {
                let mut r = Map::new();
                r.insert("policies".into(), attachments(&role.attach));
                if let Some(trust) = &role.trust {
                    let statements: Vec<Value> = trust.iter().map(|s| s.json(accounts)).collect();
                    r.insert(
                        "trust_policy".into(),
                        json!({"Version": "1", "Statement": statements}),
                    );
                }
                if role.service_linked {
                    r.insert("service_linked".into(), json!(true));
                }
                (format!("r{i}"), Value::Object(r))
            })
            .collect();
        let resource_groups: Map<String, Value> = GROUP_CLAIMS
            .iter()
            .take(self.resource_groups)
            .enumerate()
            .map(|(i, claim)| (format!("rg{i}"), json!([claim])))
            .collect();
        json!({
            "account_id": account_id(n),
            "policies": policies,
            "users": users,
            "groups": groups,
            "roles": roles,
            "resource_groups": resource_groups,
        })
        .to_string()
    }
}

/// One case: one or two accounts, and the condition keys they use.
#[derive(Debug, Clone)]
struct Case {
    keys: Vec<Key>,
    accounts: Vec<AccountModel>,
}

impl Case {
    fn snapshots(&self) -> Result<Accounts, TestCaseError> {
        let mut loaded = Vec::new();
        for (n, model) in self.accounts.iter().enumerate() {
            let text = model.json(n, self.accounts.len());
            let account = Account::from_json(&text, None, None)
                .map_err(|e| TestCaseError::fail(format!("generated snapshot: {e}\n{text}")))?;
            loaded.push(account);
        }
        Accounts::new(loaded).map_err(|e| TestCaseError::fail(e.to_string()))
    }
}

/// A change to a case (A4): a statement added to, removed from, or flipped in one policy, or
/// one trust statement flipped.
#[derive(Debug, Clone)]
enum Mutation {
    Add(usize, usize, Statement),
    Remove(usize, usize, usize),
    Flip(usize, usize, usize),
    FlipTrust(usize, usize, usize),
}

impl Mutation {
    fn apply(&self, case: &Case) -> Case {
        let mut case = case.clone();
        let count = case.accounts.len();
        match self {
            Mutation::Add(a, p, statement) => {
                if let Some(policy) = policy_mut(&mut case, a % count, *p) {
                    policy.push(statement.clone());
                }
            }
            Mutation::Remove(a, p, s) => {
                if let Some(policy) = policy_mut(&mut case, a % count, *p) {
                    // A policy keeps one statement at least: an empty one is another kind of
                    // input than this test draws.
                    if policy.len() > 1 {
                        policy.remove(s % policy.len());
                    } else if let Some(only) = policy.first_mut() {
                        only.deny = !only.deny;
                    }
                }
            }
            Mutation::Flip(a, p, s) => {
                if let Some(policy) = policy_mut(&mut case, a % count, *p) {
                    let len = policy.len();
                    if let Some(statement) = policy.get_mut(s % len.max(1)) {
                        statement.deny = !statement.deny;
                    }
                }
            }
            Mutation::FlipTrust(a, r, s) => {
                let roles = case.accounts.get_mut(a % count).map(|m| &mut m.roles);
                let trust = roles.and_then(|roles| {
                    let len = roles.len().max(1);
                    roles.get_mut(r % len)?.trust.as_mut()
                });
                if let Some(trust) = trust {
                    let len = trust.len().max(1);
                    if let Some(statement) = trust.get_mut(s % len) {
                        statement.deny = !statement.deny;
                    }
                }
            }
        }
        case
    }
}

fn policy_mut(case: &mut Case, account: usize, policy: usize) -> Option<&mut Vec<Statement>> {
    let policies = &mut case.accounts.get_mut(account)?.policies;
    let len = policies.len().max(1);
    policies.get_mut(policy % len)
}

// ---------------------------------------------------------------------------------------------
// Strategies.

const ACTIONS: [&str; 4] = [ACTION, "ecs:*", "*", ASSUME];

/// Resource patterns: pipelines of the universe, and roles for AssumeRole.
const RESOURCES: [&str; 12] = [
    "*",
    "acs:ecs:*:*:imagepipeline/*",
    "acs:ecs:r1:*:imagepipeline/a*",
    "acs:ecs:*:*:imagepipeline/?",
    "acs:ecs:r2:{A}:imagepipeline/ab",
    "acs:ecs:*:{A}:imagepipeline/b",
    "acs:ecs:r?:*:imagepipeline/*b",
    "acs:ecs:*:{A}:imagepipeline/*",
    "acs:ram::*:role/*",
    "acs:ram::{A}:role/r0",
    "acs:ram::{A}:role/r1",
    "acs:ram::*:role/r?",
];

/// Role patterns, for statements about assuming roles.
const ROLES: [&str; 5] = [
    "*",
    "acs:ram::*:role/*",
    "acs:ram::{A}:role/r0",
    "acs:ram::{A}:role/r1",
    "acs:ram::*:role/r?",
];

/// Who a trust statement names: an account's root (every principal of it), a user, a role
/// (role chaining), and an account without a snapshot.
const TRUSTED: [&str; 5] = [
    "acs:ram::{A}:root",
    "acs:ram::{A}:user/u0",
    "acs:ram::{A}:role/r0",
    "acs:ram::{A}:role/r1",
    "acs:ram::3333333333333333:root",
];

fn condition(keys: Vec<Key>) -> BoxedStrategy<Cond> {
    select(keys)
        .prop_flat_map(|key| {
            (
                select(key.operators()),
                subsequence(key.policy_values(), 1..=key.policy_values().len()),
            )
                .prop_map(move |(operator, values)| Cond {
                    operator,
                    key,
                    // Bool and Date compare one value; a list of them is valid but adds nothing.
                    values: if matches!(key, Key::Secure | Key::Time) {
                        values.into_iter().take(1).collect()
                    } else {
                        values
                    },
                })
        })
        .boxed()
}

fn conditions(keys: &[Key]) -> BoxedStrategy<Vec<Cond>> {
    if keys.is_empty() {
        Just(Vec::new()).boxed()
    } else {
        prop_oneof![
            2 => Just(Vec::new()),
            1 => prop::collection::vec(condition(keys.to_vec()), 1..=2),
        ]
        .boxed()
    }
}

/// A statement about pipelines, or one about assuming roles (a third of them, so that paths
/// through roles are frequent); each may still use any action and resource of the alphabet.
fn statement(keys: &[Key]) -> BoxedStrategy<Statement> {
    let resources = prop_oneof![
        2 => prop::collection::vec((select(&RESOURCES[..]), 0..IDS.len()), 1..=2),
        1 => prop::collection::vec((select(&ROLES[..]), 0..IDS.len()), 1..=2),
    ];
    (
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.1),
        subsequence(&ACTIONS[..], 1..=2),
        prop::bool::weighted(0.1),
        resources,
        conditions(keys),
    )
        .prop_map(
            |(deny, not_action, actions, not_resource, resources, conditions)| Statement {
                deny,
                not_action,
                actions,
                not_resource,
                resources,
                conditions,
            },
        )
        .boxed()
}

fn trust_statement(keys: &[Key]) -> BoxedStrategy<TrustStatement> {
    (
        prop::bool::weighted(0.15),
        select(vec![ASSUME, ASSUME, "sts:*", "ecs:*"]),
        prop::collection::vec((select(&TRUSTED[..]), 0..IDS.len()), 1..=2),
        conditions(keys),
    )
        .prop_map(|(deny, action, principals, conditions)| TrustStatement {
            deny,
            action,
            principals,
            conditions,
        })
        .boxed()
}

/// Between `min` and two attachments.
fn attachments(min: usize) -> impl Strategy<Value = Vec<Attach>> {
    prop::collection::vec(
        (0..3usize, prop::option::weighted(0.25, 0..3usize))
            .prop_map(|(policy, group)| Attach { policy, group }),
        min..=2,
    )
}

fn account(keys: &[Key]) -> BoxedStrategy<AccountModel> {
    let role = (
        attachments(1),
        prop::option::weighted(0.8, prop::collection::vec(trust_statement(keys), 1..=2)),
        prop::bool::weighted(0.08),
    )
        .prop_map(|(attach, trust, service_linked)| RoleModel {
            attach,
            trust,
            service_linked,
        });
    (
        prop::collection::vec(prop::collection::vec(statement(keys), 1..=3), 1..=3),
        prop::collection::vec(
            (prop::collection::vec(0..2usize, 0..=1), attachments(0)),
            1..=2,
        ),
        prop::collection::vec(attachments(0), 0..=2),
        prop::collection::vec(role, 1..=2),
        0..=2usize,
    )
        .prop_map(
            |(policies, users, groups, roles, resource_groups)| AccountModel {
                policies,
                users,
                groups,
                roles,
                resource_groups,
            },
        )
        .boxed()
}

/// At most two condition keys per case, so the universe's contexts stay few.
fn case() -> impl Strategy<Value = Case> {
    subsequence(&KEYS[..], 0..=2).prop_flat_map(|keys| {
        let accounts = prop::collection::vec(account(&keys), 1..=IDS.len());
        accounts.prop_map(move |accounts| Case {
            keys: keys.clone(),
            accounts,
        })
    })
}

fn mutation(keys: &[Key]) -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0..2usize, 0..3usize, statement(keys)).prop_map(|(a, p, s)| Mutation::Add(a, p, s)),
        (0..2usize, 0..3usize, 0..3usize).prop_map(|(a, p, s)| Mutation::Remove(a, p, s)),
        (0..2usize, 0..3usize, 0..3usize).prop_map(|(a, p, s)| Mutation::Flip(a, p, s)),
        (0..2usize, 0..2usize, 0..2usize).prop_map(|(a, r, s)| Mutation::FlipTrust(a, r, s)),
    ]
}

// ---------------------------------------------------------------------------------------------
// The brute force.

/// A principal of a side: its account, itself, and its canonical ARN.
#[derive(Debug, Clone)]
struct Node {
    account: String,
    principal: Principal,
    arn: String,
}

/// One side: its snapshots and every principal of them.
struct Brute {
    accounts: Accounts,
    nodes: Vec<Node>,
    /// The nodes that are roles, by number.
    roles: Vec<usize>,
}

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

impl Brute {
    fn new(accounts: Accounts) -> Brute {
        let mut nodes = Vec::new();
        for account in accounts.iter() {
            let id = account.id().to_owned();
            let principals = std::iter::once(Principal::Root)
                .chain(account.users().map(|u| Principal::User(u.to_owned())))
                .chain(account.roles().map(|r| Principal::Role(r.to_owned())));
            for principal in principals {
                nodes.push(Node {
                    account: id.clone(),
                    arn: principal.arn(&id),
                    principal,
                });
            }
        }
        let roles = (0..nodes.len())
            .filter(|&i| matches!(nodes[i].principal, Principal::Role(_)))
            .collect();
        Brute {
            accounts,
            nodes,
            roles,
        }
    }

    fn node(&self, arn: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.arn == arn)
    }

    /// The principal's own decision of the action on `resource` (E).
    fn direct(
        &self,
        node: usize,
        resource: &str,
        context: &Context,
    ) -> Result<Option<Outcome>, TestCaseError> {
        let n = &self.nodes[node];
        let account = self
            .accounts
            .get(&n.account)
            .ok_or_else(|| fail("no account"))?;
        let request = Request::new(ACTION, resource)
            .map_err(fail)?
            .with_context(context.clone());
        // C7: a value a condition cannot compare makes the request an input error, no
        // decision.
        match account.decide(&n.principal, None, &request) {
            Ok(outcome) => Ok(Some(outcome)),
            Err(DecideError::Evaluation(_)) => Ok(None),
            Err(e) => Err(fail(e)),
        }
    }

    /// Whether `caller` may assume the role `role` (T3), with that decision.
    fn assume(
        &self,
        caller: usize,
        role: &str,
        context: &Context,
    ) -> Result<Option<Outcome>, TestCaseError> {
        let n = &self.nodes[caller];
        let account = self
            .accounts
            .get(&n.account)
            .ok_or_else(|| fail("no account"))?;
        let request = Request::new(ASSUME, role)
            .map_err(fail)?
            .with_context(context.clone());
        match self
            .accounts
            .decide_assume_role(account, &n.principal, None, &request)
        {
            Ok(decision) => Ok(Some(decision.outcome().clone())),
            Err(AssumeError::Decide(DecideError::Evaluation(_))) => Ok(None),
            Err(e) => Err(fail(e)),
        }
    }

    /// The roles `start` reaches under `context` (T5), breadth first, each with its distance
    /// in hops; never a role twice, the start included when it is a role.
    fn reach(&self, start: usize, context: &Context) -> Result<Vec<(usize, usize)>, TestCaseError> {
        let mut seen = BTreeSet::from([start]);
        let mut queue = VecDeque::from([(start, 0)]);
        let mut reached = Vec::new();
        while let Some((caller, depth)) = queue.pop_front() {
            for &role in &self.roles {
                if seen.contains(&role) {
                    continue;
                }
                let arn = self.nodes[role].arn.clone();
                if allows(&self.assume(caller, &arn, context)?) {
                    seen.insert(role);
                    reached.push((role, depth + 1));
                    queue.push_back((role, depth + 1));
                }
            }
        }
        Ok(reached)
    }

    /// Whether `start` reaches the action on `resource` under `context`, directly or through
    /// roles (T5); with the fewest hops of a path that does (0: directly).
    fn reaches(
        &self,
        start: usize,
        resource: &str,
        context: &Context,
    ) -> Result<Option<usize>, TestCaseError> {
        if allows(&self.direct(start, resource, context)?) {
            return Ok(Some(0));
        }
        for (role, depth) in self.reach(start, context)? {
            if allows(&self.direct(role, resource, context)?) {
                return Ok(Some(depth));
            }
        }
        Ok(None)
    }
}

/// Every resource of the universe (A1's resources, bounded): each region and id of the
/// alphabet in each account with a snapshot and one without.
fn universe_resources() -> Vec<String> {
    let mut out = Vec::new();
    for account in IDS.iter().chain([&OTHER]) {
        for region in REGIONS {
            for id in PIPELINES {
                out.push(format!("acs:ecs:{region}:{account}:imagepipeline/{id}"));
            }
        }
    }
    out
}

/// Every context of the universe for these keys: each absent or one of its values, but
/// `acs:CurrentTime`, which is always given.
fn universe_contexts(keys: &[Key]) -> Result<Vec<Context>, TestCaseError> {
    let mut contexts = vec![Vec::<(&str, &str)>::new()];
    for key in keys {
        let mut next = Vec::new();
        for c in &contexts {
            if *key != Key::Time {
                next.push(c.clone());
            }
            for value in key.universe() {
                let mut c = c.clone();
                c.push((key.name(), value));
                next.push(c);
            }
        }
        contexts = next;
    }
    contexts
        .into_iter()
        .map(|pairs| {
            let mut context = Context::new();
            for (k, v) in pairs {
                context.insert(k, v).map_err(fail)?;
            }
            Ok(context)
        })
        .collect()
}

/// Whether a decision allows; a request that cannot be decided (C7) allows nothing.
fn allows(outcome: &Option<Outcome>) -> bool {
    outcome
        .as_ref()
        .is_some_and(|o| o.decision() == Decision::Allow)
}

/// What brute force finds for one principal over the universe's part of one space.
#[derive(Debug, Default, Clone, Copy)]
struct Found {
    /// Some request is allowed, directly or through roles.
    reached: bool,
    /// Some request is allowed directly.
    direct: bool,
    /// Some request is not reached.
    missed: bool,
}

/// For every node, for every universe request: (direct allow, reach allow), by context, then
/// resource.
struct Table {
    resources: Vec<String>,
    /// `[context][node][resource] = (direct, reached)`.
    cells: Vec<Vec<Vec<(bool, bool)>>>,
}

impl Table {
    fn new(brute: &Brute, contexts: &[Context]) -> Result<Table, TestCaseError> {
        let resources = universe_resources();
        let mut cells = Vec::new();
        for context in contexts {
            let mut direct = Vec::new();
            for node in 0..brute.nodes.len() {
                let mut row = Vec::new();
                for r in &resources {
                    row.push(allows(&brute.direct(node, r, context)?));
                }
                direct.push(row);
            }
            let mut by_node = Vec::new();
            for node in 0..brute.nodes.len() {
                let reach = brute.reach(node, context)?;
                let row: Vec<(bool, bool)> = (0..resources.len())
                    .map(|r| {
                        let own = direct[node][r];
                        let through = reach.iter().any(|&(role, _)| direct[role][r]);
                        (own, own || through)
                    })
                    .collect();
                by_node.push(row);
            }
            cells.push(by_node);
        }
        Ok(Table { resources, cells })
    }

    /// For each node, what it reaches among the universe's resources matching `space`.
    fn found(&self, space: &Space, nodes: usize) -> Vec<Found> {
        let mut found = vec![Found::default(); nodes];
        for by_node in &self.cells {
            for (node, row) in by_node.iter().enumerate() {
                for (r, &(direct, reached)) in row.iter().enumerate() {
                    if !space.contains(&self.resources[r]) {
                        continue;
                    }
                    let f = &mut found[node];
                    f.direct |= direct;
                    f.reached |= reached;
                    f.missed |= !reached;
                }
            }
        }
        found
    }
}

/// M1: `*` any sequence, `?` any one character; the test's own, to place witnesses in spaces.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

// ---------------------------------------------------------------------------------------------
// Replaying witnesses (A3).

fn witness_context(witness: &Witness) -> Result<Context, TestCaseError> {
    let mut context = Context::new();
    for (k, v) in &witness.context {
        prop_assert!(
            context.values(k).is_none(),
            "A1: witness gives `{k}` twice: {witness:?}"
        );
        context.insert(k, v).map_err(fail)?;
    }
    Ok(context)
}

/// What identifies a deciding statement across two decisions of it.
fn statement_keys<'s>(
    statements: impl IntoIterator<Item = &'s StatementRef>,
) -> Vec<(String, Option<String>, usize)> {
    let mut keys: Vec<_> = statements
        .into_iter()
        .map(|s| {
            (
                s.policy().to_owned(),
                s.file().map(str::to_owned),
                s.index(),
            )
        })
        .collect();
    keys.sort();
    keys
}

fn same_outcome(replayed: &Outcome, reported: &Outcome, what: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        replayed.decision(),
        reported.decision(),
        "A3: {} decision",
        what
    );
    prop_assert_eq!(replayed.stage(), reported.stage(), "A3: {} stage", what);
    prop_assert_eq!(
        statement_keys(replayed.deciding()),
        statement_keys(reported.deciding()),
        "A3: {} deciding statements",
        what
    );
    Ok(())
}

/// Replays `reached` for `principal` on `side` (A3, T5): each hop's AssumeRole under the
/// witness's context must be allowed by the statements reported, and the final role's (or the
/// principal's own) request must decide as reported.
fn replay(
    side: &Brute,
    principal: &str,
    witness: &Witness,
    outcome: &Outcome,
    via: Option<&[Hop]>,
) -> Result<(), TestCaseError> {
    let context = witness_context(witness)?;
    let mut caller = side
        .node(principal)
        .ok_or_else(|| fail(format!("`{principal}` is no principal of the side")))?;
    let hops: &[Hop] = via.unwrap_or_default();
    if via.is_some() {
        prop_assert!(!hops.is_empty(), "T5: a path of no hops: {:?}", witness);
    }
    let mut visited = BTreeSet::from([caller]);
    for hop in hops {
        let outcome = side
            .assume(caller, &hop.role, &context)?
            .ok_or_else(|| fail("a hop of a witness cannot be decided (C7)"))?;
        prop_assert_eq!(
            outcome.decision(),
            Decision::Allow,
            "T5: hop to `{}` from `{}` under {:?} is not allowed: {:?}",
            &hop.role,
            &side.nodes[caller].arn,
            witness,
            outcome
        );
        let on = |side: Side| {
            outcome
                .deciding()
                .iter()
                .filter(move |s| s.side() == Some(side))
        };
        prop_assert_eq!(
            statement_keys(on(Side::Caller)),
            statement_keys(&hop.caller_statements),
            "T5: caller statements of the hop to `{}`",
            &hop.role
        );
        prop_assert_eq!(
            statement_keys(on(Side::Trust)),
            statement_keys(&hop.trust_statements),
            "T5: trust statements of the hop to `{}`",
            &hop.role
        );
        caller = side
            .node(&hop.role)
            .ok_or_else(|| fail(format!("hop to unknown role `{}`", hop.role)))?;
        prop_assert!(visited.insert(caller), "T5: `{}` visited twice", &hop.role);
    }
    let replayed = side
        .direct(caller, &witness.resource, &context)?
        .ok_or_else(|| fail("a witness cannot be decided (C7)"))?;
    same_outcome(&replayed, outcome, &format!("`{principal}` on {witness:?}"))
}

// ---------------------------------------------------------------------------------------------
// The properties.

/// A space of requests (A1): the question's pattern, or none for every image pipeline of each
/// account with a snapshot.
#[derive(Debug, Clone)]
struct Space {
    pattern: Option<String>,
    /// The ARNs it holds are those these patterns match.
    patterns: Vec<String>,
}

impl Space {
    fn contains(&self, arn: &str) -> bool {
        self.patterns.iter().any(|p| glob(p, arn))
    }

    fn question(&self) -> Question {
        let question = Question::new(ACTION);
        match &self.pattern {
            Some(pattern) => question.with_resource(pattern.clone()),
            None => question,
        }
    }
}

impl std::fmt::Display for Space {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.patterns.join(", "))
    }
}

/// The spaces a case of `accounts` accounts asks about: everything, one account's, a narrow
/// pattern, and the default.
fn spaces(accounts: usize) -> Vec<Space> {
    let pattern = |p: String| Space {
        pattern: Some(p.clone()),
        patterns: vec![p],
    };
    vec![
        pattern("acs:ecs:*:*:imagepipeline/*".to_owned()),
        pattern(format!("acs:ecs:*:{}:imagepipeline/*", IDS[0])),
        pattern("acs:ecs:r1:*:imagepipeline/a*".to_owned()),
        Space {
            pattern: None,
            patterns: IDS
                .iter()
                .take(accounts)
                .map(|id| format!("acs:ecs:*:{id}:imagepipeline/*"))
                .collect(),
        },
    ]
}

fn config() -> ProptestConfig {
    let cases = std::env::var("RAMCHECK_PROP_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    ProptestConfig::with_cases(cases)
}

/// A2, A3, T5: `who_can` over a space against brute force over the universe.
fn check_who_can(case: &Case) -> Result<(), TestCaseError> {
    let brute = Brute::new(case.snapshots()?);
    let contexts = universe_contexts(&case.keys)?;
    let table = Table::new(&brute, &contexts)?;
    for space in spaces(case.accounts.len()) {
        let question = space.question();
        let answer = who_can(&brute.accounts, &question)
            .map_err(|e| fail(format!("who_can over `{space}`: {e}")))?;
        let listed: BTreeMap<&str, _> = answer
            .principals
            .iter()
            .map(|p| (p.principal.as_str(), p))
            .collect();
        let expected: BTreeSet<&str> = brute.nodes.iter().map(|n| n.arn.as_str()).collect();
        prop_assert_eq!(
            listed.keys().copied().collect::<BTreeSet<_>>(),
            expected,
            "every principal of every account is listed once"
        );
        prop_assert_eq!(
            listed.len(),
            answer.principals.len(),
            "a principal listed twice"
        );
        let found = table.found(&space, brute.nodes.len());
        for (node, f) in brute.nodes.iter().zip(found) {
            let Some(entry) = listed.get(node.arn.as_str()) else {
                continue;
            };
            let at = format!(
                "`{}` over `{space}`: {:?}, brute force {:?}",
                node.arn, entry, f
            );
            prop_assert_eq!(&entry.account, &node.account, "{}", at);
            // Forward: what the universe shows bounds the access.
            if f.reached {
                prop_assert_ne!(entry.access, Access::None, "A2: {}", at);
            }
            if f.missed {
                prop_assert_ne!(entry.access, Access::All, "A2: {}", at);
            }
            // Backward: through the witnesses.
            match &entry.witness {
                Some((witness, reached)) => {
                    prop_assert_ne!(
                        entry.access,
                        Access::None,
                        "witness with access none: {}",
                        at
                    );
                    prop_assert!(
                        space.contains(&witness.resource),
                        "A3: witness outside the space: {}",
                        at
                    );
                    prop_assert_eq!(reached.outcome.decision(), Decision::Allow, "A3: {}", at);
                    replay(
                        &brute,
                        &node.arn,
                        witness,
                        &reached.outcome,
                        reached.via.as_deref(),
                    )?;
                    if f.direct {
                        prop_assert!(
                            reached.via.is_none(),
                            "a direct witness whenever there is direct access: {}",
                            at
                        );
                    }
                    // The path is a shortest one for the witness's request (T5).
                    let context = witness_context(witness)?;
                    let index = brute.node(&node.arn).unwrap_or_default();
                    let hops = brute.reaches(index, &witness.resource, &context)?;
                    let reported = reached.via.as_ref().map_or(0, Vec::len);
                    prop_assert_eq!(hops, Some(reported), "T5: shortest path: {}", at);
                }
                None => prop_assert_eq!(
                    entry.access,
                    Access::None,
                    "A3: access without a witness: {}",
                    at
                ),
            }
            match &entry.denied_witness {
                Some((witness, outcome)) => {
                    prop_assert_ne!(
                        entry.access,
                        Access::All,
                        "denied witness with access all: {}",
                        at
                    );
                    prop_assert!(
                        space.contains(&witness.resource),
                        "A3: denied witness outside the space: {}",
                        at
                    );
                    prop_assert_ne!(outcome.decision(), Decision::Allow, "A3: {}", at);
                    replay(&brute, &node.arn, witness, outcome, None)?;
                    let context = witness_context(witness)?;
                    let index = brute.node(&node.arn).unwrap_or_default();
                    let reaches = brute.reaches(index, &witness.resource, &context)?;
                    prop_assert_eq!(reaches, None, "T5: the denied witness is reached: {}", at);
                }
                None => prop_assert_eq!(
                    entry.access,
                    Access::All,
                    "A3: access below all without a denied witness: {}",
                    at
                ),
            }
        }
    }
    Ok(())
}

/// One side of a change replays as reported, and agrees with brute force on reaching it.
fn check_side(
    side: &Brute,
    principal: &str,
    witness: &Witness,
    decision: &Option<Reached>,
    allowed: bool,
    what: &str,
) -> Result<(), TestCaseError> {
    let Some(reached) = decision else {
        prop_assert!(
            side.node(principal).is_none(),
            "A4: `{}` exists {}, yet the change says not",
            principal,
            what
        );
        prop_assert!(
            !allowed,
            "A4: `{}` cannot reach anything {}, where it does not exist",
            principal,
            what
        );
        return Ok(());
    };
    replay(
        side,
        principal,
        witness,
        &reached.outcome,
        reached.via.as_deref(),
    )?;
    let context = witness_context(witness)?;
    let index = side.node(principal).unwrap_or_default();
    let reaches = side.reaches(index, &witness.resource, &context)?.is_some();
    prop_assert_eq!(
        reaches,
        allowed,
        "A4: `{}` {} on {:?}: reported {:?}",
        principal,
        what,
        witness,
        reached
    );
    Ok(())
}

/// A4: `diff` against brute force over the universe, before and after one change.
fn check_diff(case: &Case, mutation: &Mutation, space: usize) -> Result<(), TestCaseError> {
    let after_case = mutation.apply(case);
    let before = Brute::new(case.snapshots()?);
    let after = Brute::new(after_case.snapshots()?);
    let contexts = universe_contexts(&case.keys)?;
    let space = spaces(case.accounts.len())
        .into_iter()
        .nth(space)
        .ok_or_else(|| fail("no such space"))?;
    let question = space.question();
    let answer = diff(&before.accounts, &after.accounts, &question)
        .map_err(|e| fail(format!("diff over `{space}`: {e}")))?;
    let gained: BTreeSet<&str> = answer.gained.iter().map(|c| c.principal.as_str()).collect();
    let lost: BTreeSet<&str> = answer.lost.iter().map(|c| c.principal.as_str()).collect();
    let before_table = Table::new(&before, &contexts)?;
    let after_table = Table::new(&after, &contexts)?;
    let resources = universe_resources();
    // Forward: every change of the universe is reported, by principal.
    for (a, node) in after.nodes.iter().enumerate() {
        let b = before.node(&node.arn);
        for (c, _) in contexts.iter().enumerate() {
            for (r, resource) in resources.iter().enumerate() {
                if !space.contains(resource) {
                    continue;
                }
                let now = after_table.cells[c][a][r].1;
                let then = b.is_some_and(|b| before_table.cells[c][b][r].1);
                if now && !then {
                    prop_assert!(
                        gained.contains(node.arn.as_str()),
                        "A4: `{}` gains {} under {:?}, unreported: {:?}",
                        node.arn,
                        resource,
                        contexts[c],
                        answer.gained
                    );
                }
                if then && !now {
                    prop_assert!(
                        lost.contains(node.arn.as_str()),
                        "A4: `{}` loses {} under {:?}, unreported: {:?}",
                        node.arn,
                        resource,
                        contexts[c],
                        answer.lost
                    );
                }
            }
        }
    }
    // Backward: every change's witness replays on both sides.
    for (changes, was, is) in [(&answer.gained, false, true), (&answer.lost, true, false)] {
        // One change per principal and per set of deciding statements on the after side.
        let mut entries = BTreeSet::new();
        for change in changes {
            let deciding = change.after.as_ref().map(|r| {
                let roles: Vec<&str> = r.via.iter().flatten().map(|h| h.role.as_str()).collect();
                (statement_keys(r.outcome.deciding()), roles)
            });
            prop_assert!(
                entries.insert((change.principal.as_str(), deciding)),
                "A4: two changes of `{}` with the same deciding statements after: {:?}",
                &change.principal,
                changes
            );
            prop_assert!(
                space.contains(&change.witness.resource),
                "A4: witness outside the space: {:?}",
                change
            );
            check_side(
                &before,
                &change.principal,
                &change.witness,
                &change.before,
                was,
                "before",
            )?;
            check_side(
                &after,
                &change.principal,
                &change.witness,
                &change.after,
                is,
                "after",
            )?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// A2, A3, T5: who can reach the action over a space, exactly.
    #[test]
    fn a2_a3_t5_who_can_matches_brute_force(case in case()) {
        check_who_can(&case)?;
    }

    /// A4: what a change grants and takes away, exactly.
    #[test]
    fn a4_diff_matches_brute_force(
        (case, mutation) in case().prop_flat_map(|case| {
            let keys = case.keys.clone();
            (Just(case), mutation(&keys))
        }),
        space in 0..4usize,
    ) {
        check_diff(&case, &mutation, space)?;
    }
}

/// The generator and the brute force are worth their time: over a fixed sample of cases, every
/// snapshot loads, and the universe holds what the properties above must be exact about:
/// access through one role and through a chain of two (T5), access to part of a space only
/// (A2), and changes that grant and take away (A4).
#[test]
fn t5_a4_generated_cases_reach_through_roles_and_change() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = case().prop_flat_map(|case| {
        let keys = case.keys.clone();
        (Just(case), mutation(&keys))
    });
    let space = spaces(IDS.len()).swap_remove(0);
    let (mut through_role, mut chained, mut part, mut gained, mut lost) = (0, 0, 0, 0, 0);
    for _ in 0..200 {
        let (case, mutation) = strategy.new_tree(&mut runner).expect("a case").current();
        let contexts = universe_contexts(&case.keys).expect("universe contexts");
        let before = Brute::new(case.snapshots().expect("generated snapshots load"));
        let after = Brute::new(
            mutation
                .apply(&case)
                .snapshots()
                .expect("mutated snapshots load"),
        );
        let table = Table::new(&before, &contexts).expect("decides");
        let found = table.found(&space, before.nodes.len());
        through_role += found.iter().filter(|f| f.reached && !f.direct).count();
        part += found.iter().filter(|f| f.reached && f.missed).count();
        for (node, context) in (0..before.nodes.len()).zip(contexts.iter().cycle()) {
            let reach = before.reach(node, context).expect("decides");
            chained += reach.iter().filter(|&&(_, depth)| depth >= 2).count();
        }
        let later = Table::new(&after, &contexts).expect("decides");
        for (b, a) in table
            .cells
            .iter()
            .flatten()
            .flatten()
            .zip(later.cells.iter().flatten().flatten())
        {
            gained += usize::from(!b.1 && a.1);
            lost += usize::from(b.1 && !a.1);
        }
    }
    let counts = [through_role, chained, part, gained, lost];
    assert!(
        counts.iter().all(|&n| n > 0),
        "through a role, chained, part of the space, gained, lost: {counts:?}"
    );
}
