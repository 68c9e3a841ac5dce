//! A toy API gateway: serves a handful of `CancelImagePipelineExecution` calls through the
//! adapter (`ramcheck::gateway`) with the example account, and prints each outcome as the HTTP
//! status and JSON body the gateway would return.
//!
//! Run it from the repository root: `cargo run --example gateway`.

use std::collections::HashMap;

use ramcheck::authorizer::{Authorizer, AuthorizerHandle};
use ramcheck::condition::value::Instant;
use ramcheck::gateway::{authorize_cancel, CancelRequest, Execution};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let handle = AuthorizerHandle::new(Authorizer::load("policies/example-account.json")?);

    // The gateway's own lookup: execution → pipeline and owning account.
    let mut executions = HashMap::new();
    for (execution, pipeline, account) in [
        ("exec-5fb8facb8ed7427c0001", "ip-1", "1234567890123456"),
        ("exec-5fb8facb8ed7427c0002", "ip-prod-7", "1234567890123456"),
        ("exec-5fb8facb8ed7427c0003", "ip-dev-3", "1234567890123456"),
        ("exec-5fb8facb8ed7427c0004", "ip-1", "9999999999999999"),
    ] {
        executions.insert(execution.to_owned(), Execution::new(pipeline, account));
    }

    let now = Instant::parse("2026-11-28T09:00:00Z")?;
    let office = [("acs:SourceIp", "192.168.3.4")];
    let calls: [(&str, Option<&str>, Option<&str>, &str); 11] = [
        (
            "alice cancels a Hangzhou build",
            Some("cn-hangzhou"),
            Some("exec-5fb8facb8ed7427c0001"),
            "user/alice",
        ),
        (
            "bob cancels a production build",
            Some("cn-hangzhou"),
            Some("exec-5fb8facb8ed7427c0002"),
            "user/bob",
        ),
        (
            "carol (read-only) cancels",
            Some("cn-hangzhou"),
            Some("exec-5fb8facb8ed7427c0001"),
            "user/carol",
        ),
        (
            "carol cancels in her dev resource group",
            Some("cn-hangzhou"),
            Some("exec-5fb8facb8ed7427c0003"),
            "user/carol",
        ),
        (
            "the deployer role cancels in Singapore",
            Some("ap-southeast-1"),
            Some("exec-5fb8facb8ed7427c0001"),
            "assumed-role/deployer/ci-42",
        ),
        (
            "another account's pipeline",
            Some("cn-hangzhou"),
            Some("exec-5fb8facb8ed7427c0004"),
            "user/alice",
        ),
        (
            "a user the snapshot does not know",
            Some("cn-hangzhou"),
            Some("exec-5fb8facb8ed7427c0001"),
            "user/mallory",
        ),
        (
            "another account's user",
            Some("cn-hangzhou"),
            Some("exec-5fb8facb8ed7427c0001"),
            "acs:ram::9999999999999999:user/alice",
        ),
        (
            "no RegionId",
            None,
            Some("exec-5fb8facb8ed7427c0001"),
            "user/alice",
        ),
        (
            "empty ExecutionId",
            Some("cn-hangzhou"),
            Some(""),
            "user/alice",
        ),
        (
            "unknown execution",
            Some("cn-hangzhou"),
            Some("exec-0000"),
            "user/alice",
        ),
    ];
    for (i, (what, region, execution, principal)) in calls.into_iter().enumerate() {
        let request_id = format!("req-{i}");
        let request = CancelRequest::new(region, execution, principal, now)
            .with_context(&office)
            .with_request_id(&request_id);
        let current = handle.current();
        match authorize_cancel(&current, &executions, &request) {
            Ok(granted) => println!(
                "{what}: 200 allowed at stage {}",
                granted.decision.stage().name()
            ),
            Err(error) => println!(
                "{what}: {} {}",
                error.status(),
                serde_json::to_string(error.body())?
            ),
        }
    }
    Ok(())
}
