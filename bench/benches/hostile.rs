//! Criterion benchmarks of the hostile inputs of issue 18 ("Linear time"), each at two sizes ten
//! times apart, through the library calls the CLI makes. A linear cost shows as a ratio near 10
//! between the two sizes of a case; the quadratic costs the issue found showed as 100.
//!
//! - `condition_keys`: `Policy::from_bytes` of a policy with 20,000 and 200,000 distinct keys
//!   under one condition operator (the duplicate-key check compared each with every earlier one),
//!   and the refusal of one with 2,000,000, over the ceiling of 500,000 values a policy may hold;
//! - `one_line_account`: `Account::from_json` of a one-line account of 1 MB and 10 MB, each
//!   inline policy placed by its line and column (each position counted the characters from the
//!   start of the line; 100 MB would be over the 64 MiB input limit);
//! - `long_line_lint_text`: `lint_file` and `lint_text::write_findings` to a sink for a one-line
//!   policy of 99 KB with 5,000 findings (each finding printed the whole line), then for ten
//!   such files (50,000 findings), and for one line of 990 KB with the same 5,000 findings (a
//!   document keeps at most 10,000 findings of a rule, so one document cannot have 50,000 of
//!   these two rules);
//! - `unknown_actions`: `lint_file` of a policy with 4,000 and 40,000 distinct unknown actions,
//!   each with its did-you-mean against the catalogue (1.6 ms each).
//!
//! `cargo bench -p ramcheck-bench --bench hostile` (about two minutes on two cores).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ramcheck::account::Account;
use ramcheck::lint::{lint_file, LintedFile};
use ramcheck::output::lint_text;
use ramcheck::policy::{Policy, PolicyKind};

/// A policy with `keys` distinct keys under one `StringEquals`, on one line.
fn condition_keys(keys: usize) -> String {
    let keys: Vec<String> = (0..keys).map(|i| format!("\"k{i}\":\"v\"")).collect();
    format!(
        "{{\"Version\":\"1\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"ecs:*\",\"Resource\":\"*\",\"Condition\":{{\"StringEquals\":{{{}}}}}}}]}}",
        keys.join(",")
    )
}

/// A one-line account snapshot of about `bytes` bytes: inline policies, each attached to a
/// user of its own.
fn one_line_account(bytes: usize) -> String {
    let count = bytes / 163;
    let policies: Vec<String> = (0..count)
        .map(|i| {
            format!(
                "\"p{i}\":{{\"Version\":\"1\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"ecs:DescribeInstances\",\"Resource\":\"acs:ecs:*:*:instance/{i}\"}}]}}"
            )
        })
        .collect();
    let users: Vec<String> = (0..count)
        .map(|i| format!("\"u{i}\":{{\"policies\":[\"p{i}\"]}}"))
        .collect();
    format!(
        "{{\"account_id\":\"1234567890123456\",\"policies\":{{{}}},\"users\":{{{}}}}}",
        policies.join(","),
        users.join(",")
    )
}

/// A one-line policy of about `bytes` bytes with `findings` (even, at least 100) findings:
/// `policy-too-large`, and actions that are unknown (51 distinct names) and past the first 51
/// also duplicates, padded with a long `Sid`.
fn long_line(bytes: usize, findings: usize) -> String {
    let actions: Vec<String> = (0..findings / 2 + 25)
        .map(|i| format!("\"ecs:DescribeInstancesX{}\"", i % 51))
        .collect();
    let body = |sid: &str| {
        format!(
            "{{\"Version\":\"1\",\"Statement\":[{{\"Sid\":\"{sid}\",\"Effect\":\"Allow\",\"Action\":[{}],\"Resource\":\"*\"}}]}}",
            actions.join(",")
        )
    };
    let pad = bytes.saturating_sub(body("").len());
    body(&"S".repeat(pad))
}

/// A policy with `count` distinct unknown actions of the ECS catalogue.
fn unknown_actions(count: usize) -> String {
    let actions: Vec<String> = (0..count)
        .map(|i| format!("\"ecs:CancelImagePipelineExecution{i}\""))
        .collect();
    format!(
        "{{\"Version\":\"1\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":[{}],\"Resource\":\"*\"}}]}}",
        actions.join(",")
    )
}

/// Lints each text as a file of its own and renders the findings; returns how many.
fn lint_and_render(texts: &[String]) -> usize {
    let files: Vec<LintedFile> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            LintedFile::new(
                format!("long{i}.json"),
                lint_file(text.as_bytes(), "long", None),
            )
        })
        .collect();
    let mut out = std::io::sink();
    lint_text::write_findings(&mut out, &files, &Default::default(), false).expect("renders");
    files
        .iter()
        .flat_map(|f| &f.documents)
        .map(|d| d.findings.len())
        .sum()
}

fn hostile(c: &mut Criterion) {
    let mut group = c.benchmark_group("condition_keys");
    for keys in [20_000, 200_000] {
        let text = condition_keys(keys);
        group.bench_with_input(BenchmarkId::from_parameter(keys), &text, |b, text| {
            b.iter_with_large_drop(|| {
                Policy::from_bytes(black_box(text.as_bytes()), PolicyKind::Identity).expect("valid")
            })
        });
    }
    // Over the ceiling of values a policy may hold: refused where the ceiling is passed.
    let text = condition_keys(2_000_000);
    group.bench_with_input(
        BenchmarkId::from_parameter("2000000_refused"),
        &text,
        |b, text| {
            b.iter(|| {
                Policy::from_bytes(black_box(text.as_bytes()), PolicyKind::Identity)
                    .expect_err("over the ceiling")
            })
        },
    );
    group.finish();

    let mut group = c.benchmark_group("one_line_account");
    for megabytes in [1, 10] {
        let text = one_line_account(megabytes << 20);
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{megabytes}MB")),
            &text,
            |b, text| {
                b.iter_with_large_drop(|| {
                    Account::from_json(black_box(text), None, None).expect("valid")
                })
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("long_line_lint_text");
    let one = long_line(99_000, 5_000);
    for (name, texts, findings) in [
        ("1x99KB_5000", vec![one.clone()], 5_000),
        ("10x99KB_50000", vec![one; 10], 50_000),
        ("1x990KB_5000", vec![long_line(990_000, 5_000)], 5_000),
    ] {
        assert_eq!(lint_and_render(&texts), findings, "findings of {name}");
        group.bench_with_input(BenchmarkId::from_parameter(name), &texts, |b, texts| {
            b.iter(|| lint_and_render(black_box(texts)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("unknown_actions");
    for count in [4_000, 40_000] {
        let text = unknown_actions(count);
        group.bench_with_input(BenchmarkId::from_parameter(count), &text, |b, text| {
            b.iter_with_large_drop(|| lint_file(black_box(text.as_bytes()), "unknown", None))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sample_size(10);
    targets = hostile
}
criterion_main!(benches);
