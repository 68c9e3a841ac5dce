//! Criterion benchmarks of the access analysis (issue 21): `who_can` over a space and `diff` on
//! the Large account, as library calls, and the small examples as whole `ramcheck` processes,
//! with the spawn of `ramcheck --version` as the baseline of the same run.
//!
//! `cargo build --release && cargo bench -p ramcheck-bench --bench analysis` (a few minutes on
//! two cores). The process benchmarks run `target/release/ramcheck` from the repository's
//! root, so build it first.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use ramcheck::account::Account;
use ramcheck::analysis::{diff, who_can, Question};
use ramcheck::assume::Accounts;
use ramcheck_bench::{large_account, large_dir, ACCOUNT, CANCEL};
use serde_json::{json, Value};

/// The space of the target: every image pipeline of the Large account.
fn large_space() -> String {
    format!("acs:ecs:*:{ACCOUNT}:imagepipeline/*")
}

fn load(text: &str, dir: &Path) -> Accounts {
    let account = Account::from_json(text, Some(dir), None).expect("valid");
    Accounts::new([account]).expect("one account")
}

/// The Large account with one policy changed: the first policy a group attaches at account
/// scope gains a Deny of the action on one region's pipelines, which its members could cancel
/// before (nearly every principal of the Large mix can). The changed copy is written into a
/// folder of its own, and the account text points that one policy at it.
fn changed_large(text: &str, dir: &Path) -> String {
    let mut account: Value = serde_json::from_str(text).expect("the Large account is JSON");
    let name = account["groups"]
        .as_object()
        .into_iter()
        .flat_map(|groups| groups.values())
        .flat_map(|group| group["policies"].as_array().into_iter().flatten())
        .find_map(Value::as_str)
        .expect("a group attaches a policy at account scope")
        .to_owned();
    let file = account["policies"][&name]
        .as_str()
        .expect("a policy file")
        .to_owned();
    let mut policy: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(&file)).expect("the policy file is there"),
    )
    .expect("the policy is JSON");
    policy["Statement"]
        .as_array_mut()
        .expect("a statement list")
        .push(json!({"Effect": "Deny", "Action": CANCEL,
            "Resource": format!("acs:ecs:cn-shanghai:{ACCOUNT}:imagepipeline/*")}));
    let changed_dir = std::env::temp_dir().join("ramcheck-bench-large-changed");
    std::fs::create_dir_all(&changed_dir).expect("a folder for the changed policy");
    let changed = changed_dir.join(&file);
    std::fs::write(&changed, policy.to_string()).expect("writes the changed policy");
    account["policies"][&name] = json!(changed.to_string_lossy());
    account.to_string()
}

fn large(c: &mut Criterion) {
    let dir = large_dir();
    let text = large_account(&dir).expect("writes the policy files");
    let accounts = load(&text, &dir);
    let question = Question::new(CANCEL).with_resource(large_space());
    let mut group = c.benchmark_group("analysis_large");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(30));
    group.bench_function("who_can_loaded", |b| {
        b.iter_with_large_drop(|| who_can(black_box(&accounts), &question).expect("answers"))
    });
    group.bench_function("who_can_with_loading", |b| {
        b.iter_with_large_drop(|| {
            let accounts = load(black_box(&text), &dir);
            who_can(&accounts, &question).expect("answers")
        })
    });
    let after = load(&changed_large(&text, &dir), &dir);
    let answer = diff(&accounts, &after, &question).expect("answers");
    // A diff that finds nothing measures nothing worth having.
    assert!(
        !answer.lost.is_empty(),
        "the changed policy takes something away"
    );
    group.bench_function("diff_one_policy_changed", |b| {
        b.iter_with_large_drop(|| diff(black_box(&accounts), &after, &question).expect("answers"))
    });
    group.finish();
}

/// The repository's root, where the README's commands run.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the bench crate is inside the repository")
        .to_path_buf()
}

/// The release binary (`cargo build --release` first).
fn binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    target.join("release").join("ramcheck")
}

/// Runs the binary with `args` from the repository's root; its exit status must be one of
/// `ok` (a benchmark of a failing command measures its error path).
fn run(binary: &Path, args: &[&str], ok: &[i32]) {
    let output = Command::new(binary)
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "`{}` does not run ({e}): run `cargo build --release` first",
                binary.display()
            )
        });
    let code = output.status.code().unwrap_or(-1);
    assert!(
        ok.contains(&code),
        "`ramcheck {}` exited {code}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    black_box(output.stdout);
}

fn processes(c: &mut Criterion) {
    let binary = binary();
    let mut group = c.benchmark_group("analysis_process");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("version_baseline", |b| {
        b.iter(|| run(&binary, &["--version"], &[0]))
    });
    let who_can = [
        "who-can",
        "--account",
        "policies/example-account.json",
        "--resource",
        "acs:ecs:*:*:imagepipeline/*",
    ];
    group.bench_function("who_can_example_account", |b| {
        b.iter(|| run(&binary, &who_can, &[0]))
    });
    // The README's first `diff`: the shipped Terraform plan before and after a change.
    let diff = [
        "diff",
        "--before",
        "policies/examples/terraform-plan.json",
        "--after",
        "policies/examples/terraform-plan-after.json",
    ];
    // 1: something is gained, which is what the example shows.
    group.bench_function("diff_terraform_example", |b| {
        b.iter(|| run(&binary, &diff, &[1]))
    });
    group.finish();
}

criterion_group!(benches, large, processes);
criterion_main!(benches);
