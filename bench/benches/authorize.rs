//! Criterion benchmarks of the compiled authorizer (issue 5), with the reference evaluator and a
//! plain `HashMap` lookup as baselines in the same run.
//!
//! `cargo bench -p ramcheck-bench` (about two minutes on two cores).

use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use ramcheck::account::{Account, Principal};
use ramcheck::authorizer::{AuthRequest, Authorizer, PrincipalId};
use ramcheck::condition::value::Instant;
use ramcheck::decision::{Context, Request};
use ramcheck::gateway::{authorize_cancel, CancelRequest};
use ramcheck_bench::{
    large_account, large_dir, large_requests, small_account, small_arn, small_executions,
    wildcard_account, PackedRequest, ParsedRequest, ACCOUNT, CANCEL, SMALL_CONTEXT,
};

fn now() -> Instant {
    Instant::from_unix(1_767_225_600, 0)
}

fn reference_request(arn: &str, context: &[(String, String)]) -> Request {
    let mut c = Context::new();
    for (k, v) in context {
        c.insert(k, v).expect("valid context");
    }
    Request::new(CANCEL, arn)
        .expect("valid request")
        .with_context(c)
        .at(now())
}

/// What a gateway does with the `i`-th parsed request (wrapping around) before deciding it.
fn resolve_and_build<'a>(
    authorizer: &Authorizer,
    parsed: &'a [ParsedRequest<'a>],
    i: usize,
) -> (PrincipalId, AuthRequest<'a>) {
    let (principal, arn, context) = &parsed[i % parsed.len()];
    let id = authorizer.resolve(principal).expect("known");
    let request = AuthRequest::new(CANCEL, arn)
        .and_then(|r| r.with_context(context))
        .expect("valid")
        .at(now());
    (id, request)
}

fn small(c: &mut Criterion) {
    let text = small_account();
    let account = Account::from_json(&text, None, None).expect("valid");
    let authorizer = Authorizer::compile(&account).expect("compiles");
    let arn = small_arn();
    let context = SMALL_CONTEXT;
    let alice = authorizer.resolve("user/alice").expect("known");
    let mut group = c.benchmark_group("small");
    group.bench_function("compiled", |b| {
        b.iter(|| {
            let request = AuthRequest::new(CANCEL, black_box(&arn))
                .and_then(|r| r.with_context(&context))
                .expect("valid")
                .at(now());
            black_box(
                authorizer
                    .authorize(black_box(alice), None, &request)
                    .expect("decides"),
            )
        })
    });
    // The decision alone, for a request built once: what `authorize` itself costs.
    let prebuilt = AuthRequest::new(CANCEL, &arn)
        .and_then(|r| r.with_context(&context))
        .expect("valid")
        .at(now());
    group.bench_function("compiled_prebuilt_request", |b| {
        b.iter(|| {
            black_box(
                authorizer
                    .authorize(black_box(alice), None, black_box(&prebuilt))
                    .expect("decides"),
            )
        })
    });
    group.bench_function("compiled_resolve_principal_text", |b| {
        b.iter(|| {
            let alice = authorizer.resolve(black_box("user/alice")).expect("known");
            let request = AuthRequest::new(CANCEL, black_box(&arn))
                .and_then(|r| r.with_context(&context))
                .expect("valid")
                .at(now());
            black_box(
                authorizer
                    .authorize(alice, None, &request)
                    .expect("decides"),
            )
        })
    });
    // Through the gateway adapter, as a gateway calls it with the raw API request: parameters
    // checked, the execution resolved, the ARN written, the principal resolved, then decided.
    let executions = small_executions();
    group.bench_function("gateway_adapter", |b| {
        b.iter(|| {
            let call = CancelRequest::new(
                Some(black_box("cn-hangzhou")),
                Some(black_box("exec-42")),
                black_box("user/alice"),
                now(),
            )
            .with_context(&context);
            black_box(authorize_cancel(&authorizer, &executions, &call).is_ok())
        })
    });
    let owned: Vec<(String, String)> = context
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let request = reference_request(&arn, &owned);
    let principal = Principal::parse("user/alice", ACCOUNT).expect("valid");
    group.bench_function("reference", |b| {
        b.iter(|| {
            black_box(
                account
                    .decide(&principal, None, black_box(&request))
                    .expect("decides"),
            )
        })
    });
    group.finish();
}

fn large(c: &mut Criterion) {
    let dir = large_dir();
    let text = large_account(&dir).expect("writes the policy files");
    let account = Account::from_json(&text, Some(&dir), None).expect("valid");
    let authorizer = Authorizer::compile(&account).expect("compiles");
    let requests = large_requests(4096);
    let packed: Vec<PackedRequest> = requests.iter().map(PackedRequest::new).collect();
    // What a gateway holds once it has parsed a request: slices of the one buffer it read.
    let parsed: Vec<_> = packed.iter().map(PackedRequest::parts).collect();
    let mut group = c.benchmark_group("large");
    // As a gateway calls it: the request's texts in the one buffer it parsed them into.
    let mut i = 0usize;
    group.bench_function("compiled", |b| {
        b.iter(|| {
            let (id, request) = resolve_and_build(&authorizer, &parsed, i);
            i += 1;
            black_box(authorizer.authorize(id, None, &request).expect("decides"))
        })
    });
    // The same requests with their texts back to back in one buffer, in the order they are
    // decided, as a gateway's receive buffer holds a connection's requests: the processor then
    // fetches the texts ahead, as it would a socket's. How much of `compiled` is the
    // benchmark's own reading of 4,096 scattered buffers.
    let stream = PackedRequest::stream(&requests);
    let streamed: Vec<_> = (0..requests.len()).map(|n| stream.parts_at(n)).collect();
    let mut i = 0usize;
    group.bench_function("compiled_texts_streamed", |b| {
        b.iter(|| {
            let (id, request) = resolve_and_build(&authorizer, &streamed, i);
            i += 1;
            black_box(authorizer.authorize(id, None, &request).expect("decides"))
        })
    });
    // Resolving and building alone, without deciding: what `compiled` spends before the
    // decision, most of it waiting for the request's texts (4,096 requests of ~270 bytes do
    // not stay in a core's cache).
    let mut i = 0usize;
    group.bench_function("resolve_and_build_only", |b| {
        b.iter(|| {
            i += 1;
            black_box(resolve_and_build(&authorizer, &parsed, i - 1))
        })
    });
    // The decision alone, for requests built (and principals resolved) beforehand.
    let prebuilt: Vec<(PrincipalId, AuthRequest<'_>)> = requests
        .iter()
        .map(|(principal, arn, context)| {
            let id = authorizer.resolve(principal).expect("known");
            let request = AuthRequest::new(CANCEL, arn)
                .and_then(|r| r.with_owned_context(context))
                .expect("valid")
                .at(now());
            (id, request)
        })
        .collect();
    let mut i = 0usize;
    group.bench_function("compiled_prebuilt_request", |b| {
        b.iter(|| {
            let (id, request) = &prebuilt[i % prebuilt.len()];
            i += 1;
            black_box(authorizer.authorize(*id, None, request).expect("decides"))
        })
    });
    // The same requests with every text in a heap string of its own, as `Request` holds them:
    // reading them costs a cache miss each.
    let mut i = 0usize;
    group.bench_function("compiled_owned_context", |b| {
        b.iter(|| {
            let (principal, arn, context) = &requests[i % requests.len()];
            i += 1;
            let id = authorizer.resolve(principal).expect("known");
            let request = AuthRequest::new(CANCEL, arn)
                .and_then(|r| r.with_owned_context(context))
                .expect("valid")
                .at(now());
            black_box(authorizer.authorize(id, None, &request).expect("decides"))
        })
    });
    let prepared: Vec<(Principal, Request)> = requests
        .iter()
        .map(|(p, arn, context)| {
            (
                Principal::parse(p, ACCOUNT).expect("valid"),
                reference_request(arn, context),
            )
        })
        .collect();
    let mut i = 0usize;
    group.bench_function("reference", |b| {
        b.iter(|| {
            let (principal, request) = &prepared[i % prepared.len()];
            i += 1;
            black_box(account.decide(principal, None, request).expect("decides"))
        })
    });
    // The floor: one hash lookup per request, keyed by the pipeline ARN of the same packed
    // requests.
    let table: HashMap<String, bool> = requests
        .iter()
        .map(|(_, arn, _)| (arn.clone(), arn.len() % 2 == 0))
        .collect();
    let mut i = 0usize;
    group.bench_function("hashmap_lookup_baseline", |b| {
        b.iter(|| {
            let (_, arn, _) = &parsed[i % parsed.len()];
            i += 1;
            black_box(table.get(*arn).copied())
        })
    });
    group.finish();

    let mut group = c.benchmark_group("compile");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    // Freeing the previous iteration's authorizer (tens of thousands of parsed statements) is
    // not compiling: criterion drops the outputs outside the timed loop.
    group.bench_function("large_from_json_text", |b| {
        b.iter_with_large_drop(|| {
            Authorizer::from_json(black_box(&text), Some(&dir), None).expect("compiles")
        })
    });
    group.bench_function("large_from_loaded_account", |b| {
        b.iter_with_large_drop(|| Authorizer::compile(black_box(&account)).expect("compiles"))
    });
    group.finish();
}

fn wildcard(c: &mut Criterion) {
    let text = wildcard_account();
    let account = Account::from_json(&text, None, None).expect("valid");
    let authorizer = Authorizer::compile(&account).expect("compiles");
    let arn = format!("acs:ecs:cn-hangzhou:{ACCOUNT}:imagepipeline/ip-team999-1");
    let alice = authorizer.resolve("user/alice").expect("known");
    let mut group = c.benchmark_group("wildcard_heavy");
    group.bench_function("compiled", |b| {
        b.iter(|| {
            let request = AuthRequest::new(CANCEL, black_box(&arn))
                .expect("valid")
                .at(now());
            black_box(
                authorizer
                    .authorize(alice, None, &request)
                    .expect("decides"),
            )
        })
    });
    let request = reference_request(&arn, &[]);
    let principal = Principal::parse("user/alice", ACCOUNT).expect("valid");
    group.bench_function("reference", |b| {
        b.iter(|| black_box(account.decide(&principal, None, &request).expect("decides")))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = small, large, wildcard
}
criterion_main!(benches);
