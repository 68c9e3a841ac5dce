//! A driver for profilers (`valgrind --tool=callgrind`, `perf record`): runs one workload of the
//! benchmarks in a loop, without criterion.
//!
//! `cargo build --release -p ramcheck-bench --bin profile`, then
//! `valgrind --tool=callgrind target/release/profile large 20000`
//! (workloads: `small`, `gateway`, `request`, `large`, `wildcard`, `compile`, `load`, `reference`).
//! A third argument `untuned` compiles the Small, gateway and Large accounts without the
//! workload tuning (`Tuning::None`), to see what the tuning saves.
//!
//! The Small, Large and gateway loops are functions of their own, so that callgrind can count their
//! instructions exactly, setup left out:
//! `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*large_loop*'
//! target/release/profile large 20000` (divide the total by the iteration count).

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant as Clock;

use ramcheck::account::{Account, Principal};
use ramcheck::authorizer::{AuthRequest, Authorizer, PrincipalId, Tuning};
use ramcheck::condition::value::Instant;
use ramcheck::decision::{Context, Request};
use ramcheck::gateway::{authorize_cancel, CancelRequest, Execution};
use ramcheck_bench::{
    large_account, large_dir, large_requests, small_account, small_arn, small_executions,
    wildcard_account, PackedRequest, ParsedRequest, ACCOUNT, CANCEL, SMALL_CONTEXT,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let workload = args.next().unwrap_or_else(|| "large".to_owned());
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let tuning = match args.next().as_deref() {
        Some("untuned") => Tuning::None,
        _ => Tuning::Workload,
    };
    let compile =
        |text: &str, dir: Option<&Path>| -> Result<Authorizer, Box<dyn std::error::Error>> {
            Ok(Authorizer::compile_with(
                &Account::from_json(text, dir, None)?,
                tuning,
            )?)
        };
    let now = Instant::from_unix(1_767_225_600, 0);
    let started;
    match workload.as_str() {
        "small" => {
            let authorizer = compile(&small_account(), None)?;
            let arn = small_arn();
            let context = SMALL_CONTEXT;
            let alice = authorizer.resolve("user/alice")?;
            started = Clock::now();
            small_loop(&authorizer, alice, &arn, &context, iterations, now)?;
        }
        "gateway" => {
            // The Small workload through the gateway adapter, from the raw API request.
            let authorizer = compile(&small_account(), None)?;
            let executions = small_executions();
            let context = SMALL_CONTEXT;
            started = Clock::now();
            gateway_loop(&authorizer, &executions, &context, iterations, now);
        }
        "request" => {
            // Building the Small workload's request alone.
            let arn = small_arn();
            let context = SMALL_CONTEXT;
            started = Clock::now();
            for _ in 0..iterations {
                let request = AuthRequest::new(CANCEL, black_box(&arn))?
                    .with_context(black_box(&context))?
                    .at(now);
                black_box(&request);
            }
        }
        "wildcard" => {
            let authorizer = Authorizer::from_json(&wildcard_account(), None, None)?;
            let arn = format!("acs:ecs:cn-hangzhou:{ACCOUNT}:imagepipeline/ip-team999-1");
            let alice = authorizer.resolve("user/alice")?;
            started = Clock::now();
            for _ in 0..iterations {
                let request = AuthRequest::new(CANCEL, black_box(&arn))?.at(now);
                black_box(authorizer.authorize(alice, None, &request)?);
            }
        }
        "compile" => {
            let dir = large_dir();
            let text = large_account(&dir)?;
            started = Clock::now();
            for _ in 0..iterations {
                black_box(Authorizer::from_json(&text, Some(&dir), None)?);
            }
        }
        "load" => {
            // `Account::from_json` alone: the loading half of `compile`.
            let dir = large_dir();
            let text = large_account(&dir)?;
            started = Clock::now();
            for _ in 0..iterations {
                black_box(Account::from_json(&text, Some(&dir), None)?);
            }
        }
        "reference" => {
            let dir = large_dir();
            let text = large_account(&dir)?;
            let account = Account::from_json(&text, Some(&dir), None)?;
            let requests = large_requests(4096);
            let prepared = requests
                .iter()
                .map(|(p, arn, context)| {
                    let mut c = Context::new();
                    for (k, v) in context {
                        c.insert(k, v)?;
                    }
                    Ok((
                        Principal::parse(p, ACCOUNT)?,
                        Request::new(CANCEL, arn)?.with_context(c).at(now),
                    ))
                })
                .collect::<Result<Vec<_>, Box<dyn std::error::Error>>>()?;
            started = Clock::now();
            for i in 0..iterations {
                let Some((principal, request)) = prepared.get(i % prepared.len()) else {
                    continue;
                };
                black_box(account.decide(principal, None, request)?);
            }
        }
        _ => {
            let dir = large_dir();
            let text = large_account(&dir)?;
            let authorizer = compile(&text, Some(&dir))?;
            let requests: Vec<PackedRequest> = large_requests(4096)
                .iter()
                .map(PackedRequest::new)
                .collect();
            // What a gateway holds once it has parsed a request.
            let parsed: Vec<_> = requests.iter().map(PackedRequest::parts).collect();
            started = Clock::now();
            large_loop(&authorizer, &parsed, iterations, now)?;
        }
    }
    let took = started.elapsed();
    println!(
        "{workload}: {iterations} iterations, {:?} each",
        took / u32::try_from(iterations.max(1)).unwrap_or(u32::MAX)
    );
    Ok(())
}

/// The Large workload's timed loop, apart so that a profiler can count it alone
/// (`valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*large_loop*'`).
#[inline(never)]
fn large_loop(
    authorizer: &Authorizer,
    requests: &[ParsedRequest<'_>],
    iterations: usize,
    now: Instant,
) -> Result<(), Box<dyn std::error::Error>> {
    for i in 0..iterations {
        let Some((principal, arn, context)) = requests.get(i % requests.len()) else {
            continue;
        };
        let id = authorizer.resolve(principal)?;
        let request = AuthRequest::new(CANCEL, arn)?
            .with_context(context)?
            .at(now);
        black_box(authorizer.authorize(id, None, &request)?);
    }
    Ok(())
}

/// The gateway workload's timed loop, apart for the same reason as [`large_loop`].
#[inline(never)]
fn gateway_loop(
    authorizer: &Authorizer,
    executions: &HashMap<String, Execution>,
    context: &[(&str, &str)],
    iterations: usize,
    now: Instant,
) {
    for _ in 0..iterations {
        let call = CancelRequest::new(
            Some(black_box("cn-hangzhou")),
            Some(black_box("exec-42")),
            black_box("user/alice"),
            now,
        )
        .with_context(context);
        black_box(authorize_cancel(authorizer, executions, &call).is_ok());
    }
}

/// The Small workload's timed loop, apart for the same reason as [`large_loop`].
#[inline(never)]
fn small_loop(
    authorizer: &Authorizer,
    alice: PrincipalId,
    arn: &str,
    context: &[(&str, &str)],
    iterations: usize,
    now: Instant,
) -> Result<(), Box<dyn std::error::Error>> {
    for _ in 0..iterations {
        let request = AuthRequest::new(CANCEL, black_box(arn))?
            .with_context(context)?
            .at(now);
        black_box(authorizer.authorize(black_box(alice), None, &request)?);
    }
    Ok(())
}
