//! A counting global allocator proves that `Authorizer::authorize` does not allocate: for an
//! allow, an explicit deny and an implicit deny, through control policies, a session policy,
//! resource-group scope and conditions of every family; nor does the gateway adapter on an
//! allowed call with an in-memory resolver. (A global allocator is per binary, so this test
//! has a binary of its own.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;

use std::collections::HashMap;

use ramcheck::authorizer::{AuthRequest, Authorizer, PrincipalId, SessionPolicy};
use ramcheck::condition::value::Instant;
use ramcheck::decision::{Decision, NamedPolicy, Stage};
use ramcheck::gateway::{authorize_cancel, CancelRequest, Execution};
use ramcheck::policy::{Policy, PolicyKind};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

const ACCOUNT: &str = r#"{
  "account_id": "1234567890123456",
  "policies": {
    "Cancel": {"Version": "1", "Statement": [
      {"Effect": "Allow", "Action": ["ecs:CancelImagePipelineExecution", "ecs:Describe*"],
       "Resource": "acs:ecs:*:1234567890123456:imagepipeline/*",
       "Condition": {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]},
                     "Bool": {"acs:SecureTransport": "true"},
                     "StringLike": {"acs:PrincipalARN": "acs:ram::1234567890123456:*"},
                     "DateLessThan": {"acs:CurrentTime": "2030-01-01T00:00:00Z"},
                     "NumericLessThan": {"ecs:tag/tier": "10"},
                     "StringNotEquals": {"ecs:tag/env": "frozen"}}},
      {"Effect": "Deny", "NotAction": "ecs:Describe*", "Resource": "acs:ecs:*:*:imagepipeline/ip-prod*",
       "Condition": {"StringEqualsIgnoreCase": {"ecs:tag/env": "PROD"}}}
    ]},
    "Scoped": {"Version": "1", "Statement": [
      {"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]}
  },
  "users": {"alice": {"groups": ["ops"]}},
  "groups": {"ops": {"policies": ["Cancel", {"policy": "Scoped", "resource_group": "rg-dev"}]}},
  "roles": {"deployer": {"policies": ["AliyunECSFullAccess"]}},
  "resource_groups": {"rg-dev": ["acs:ecs:*:1234567890123456:imagepipeline/ip-dev*"]},
  "resource_directory": {"path": [
    {"name": "Root", "control_policies": ["FullAliyunAccess"]},
    {"name": "1234567890123456", "control_policies": ["FullAliyunAccess"]}]}
}"#;

/// Name, principal, session policy, resource, context, expected decision and stage.
type Case<'a> = (
    &'a str,
    PrincipalId,
    Option<&'a SessionPolicy>,
    &'a str,
    &'a [(&'a str, &'a str)],
    Decision,
    Stage,
);

#[test]
fn authorize_does_not_allocate() {
    let authorizer = Authorizer::from_json(ACCOUNT, None, None).expect("valid account");
    let session_text = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:Cancel*",
        "Resource": "*", "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}]}"#;
    let session = SessionPolicy::compile(&NamedPolicy::new(
        "session",
        None,
        Arc::new(Policy::parse_as(session_text, PolicyKind::Session).expect("valid")),
    ))
    .expect("compiles");
    let alice = authorizer.resolve("user/alice").expect("known");
    let deployer = authorizer
        .resolve("assumed-role/deployer/ci")
        .expect("known");
    let now = Instant::parse("2026-01-01T00:00:00Z").expect("valid");
    let cancel = "ecs:CancelImagePipelineExecution";
    let ok_context = [
        ("acs:SourceIp", "10.1.2.3"),
        ("acs:SecureTransport", "true"),
        ("ecs:tag/tier", "3"),
        ("ecs:tag/env", "dev"),
    ];
    let prod_context = [
        ("acs:SourceIp", "10.1.2.3"),
        ("acs:SecureTransport", "true"),
        ("ecs:tag/tier", "3"),
        ("ecs:tag/env", "prod"),
    ];
    let outside = [("acs:SourceIp", "8.8.8.8"), ("acs:SecureTransport", "true")];
    let own = "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1";
    let prod = "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-prod-1";
    let dev = "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-dev-1";

    let cases: [Case<'_>; 6] = [
        (
            "allow",
            alice,
            None,
            own,
            &ok_context,
            Decision::Allow,
            Stage::AccountLevelIdentityBasedPolicy,
        ),
        (
            "explicit deny",
            alice,
            None,
            prod,
            &prod_context,
            Decision::ExplicitDeny,
            Stage::AccountLevelIdentityBasedPolicy,
        ),
        (
            "implicit deny",
            alice,
            None,
            own,
            &outside,
            Decision::ImplicitDeny,
            Stage::AccountLevelIdentityBasedPolicy,
        ),
        (
            "resource group allow",
            alice,
            None,
            dev,
            &outside,
            Decision::Allow,
            Stage::ResourceGroupLevelIdentityBasedPolicy,
        ),
        (
            "session allow",
            deployer,
            Some(&session),
            own,
            &ok_context,
            Decision::Allow,
            Stage::AccountLevelIdentityBasedPolicy,
        ),
        (
            "session implicit deny",
            deployer,
            Some(&session),
            own,
            &outside,
            Decision::ImplicitDeny,
            Stage::SessionPolicy,
        ),
    ];
    for (name, principal, session, resource, context, decision, stage) in cases {
        // Warm up once (lazy statics of the standard library, if any).
        let request = AuthRequest::new(cancel, resource)
            .and_then(|r| r.with_context(context))
            .expect("valid")
            .at(now);
        let warm = authorizer
            .authorize(principal, session, &request)
            .expect("decides");
        assert_eq!((warm.decision(), warm.stage()), (decision, stage), "{name}");

        let before = allocations();
        for _ in 0..1000 {
            let request = AuthRequest::new(cancel, resource)
                .and_then(|r| r.with_context(context))
                .expect("valid")
                .at(now);
            let decision = authorizer
                .authorize(principal, session, &request)
                .expect("decides");
            std::hint::black_box(decision);
        }
        let after = allocations();
        assert_eq!(
            after - before,
            0,
            "{name}: {} allocations in 1000 decisions",
            after - before
        );
    }
}

/// The gateway adapter's allowed path: the execution lent by the table, the ARN on the stack,
/// the principal resolved and the request decided, all without the heap.
#[test]
fn an_allowed_gateway_call_does_not_allocate() {
    let authorizer = Authorizer::from_json(ACCOUNT, None, None).expect("valid account");
    let executions = HashMap::from([(
        "exec-1".to_owned(),
        Execution::new("ip-1", "1234567890123456"),
    )]);
    let context = [
        ("acs:SourceIp", "10.1.2.3"),
        ("acs:SecureTransport", "true"),
        ("ecs:tag/tier", "3"),
        ("ecs:tag/env", "dev"),
    ];
    let now = Instant::parse("2026-01-01T00:00:00Z").expect("valid");
    let call = CancelRequest::new(Some("cn-hangzhou"), Some("exec-1"), "user/alice", now)
        .with_context(&context)
        .with_request_id("req-1");
    assert!(authorize_cancel(&authorizer, &executions, &call).is_ok());
    let before = allocations();
    for _ in 0..1000 {
        std::hint::black_box(authorize_cancel(&authorizer, &executions, &call).is_ok());
    }
    let after = allocations();
    assert_eq!(
        after - before,
        0,
        "{} allocations in 1000 calls",
        after - before
    );
}

#[test]
fn the_counter_counts() {
    let before = allocations();
    let v: Vec<u8> = Vec::with_capacity(10);
    std::hint::black_box(&v);
    assert!(allocations() > before);
}
