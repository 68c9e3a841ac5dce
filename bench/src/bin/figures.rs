//! Figures criterion does not give: decisions per second on two threads, and the memory of the
//! compiled Large account against its JSON size.
//!
//! `cargo run --release -p ramcheck-bench --bin figures`

use std::time::{Duration, Instant as Clock};

use ramcheck::account::Account;
use ramcheck::authorizer::{AuthRequest, Authorizer};
use ramcheck::condition::value::Instant;
use ramcheck_bench::{
    large_account, large_dir, large_requests, PackedRequest, ParsedRequest, CANCEL,
};

/// A line of `/proc/self/status` (`VmRSS`, `VmHWM`), in KiB.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = large_dir();
    let text = large_account(&dir)?;
    let policy_bytes: u64 = std::fs::read_dir(&dir)?
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    let rss_before = status_kib("VmRSS:").unwrap_or(0);
    let started = Clock::now();
    let account = Account::from_json(&text, Some(&dir), None)?;
    let loaded = started.elapsed();
    let rss_account = status_kib("VmRSS:").unwrap_or(0);
    let started = Clock::now();
    let authorizer = Authorizer::compile(&account)?;
    let compiled = started.elapsed();
    let rss_compiled = status_kib("VmRSS:").unwrap_or(0);
    println!(
        "Large account: account file {} KiB + policy files {} KiB = {} KiB of JSON",
        text.len() / 1024,
        policy_bytes / 1024,
        (text.len() as u64 + policy_bytes) / 1024
    );
    println!("load (parse) {loaded:?}, compile {compiled:?}");
    println!(
        "RSS: before {rss_before} KiB, after loading the Account {rss_account} KiB (+{} KiB), after compiling {rss_compiled} KiB (+{} KiB)",
        rss_account.saturating_sub(rss_before),
        rss_compiled.saturating_sub(rss_account)
    );
    println!(
        "compiled index (pools, tables, compiled statements): {} KiB",
        authorizer.index_bytes() / 1024
    );
    drop(account);
    println!("RSS after dropping the Account (the Authorizer keeps the parsed policies it explains with): {} KiB; peak {} KiB",
        status_kib("VmRSS:").unwrap_or(0), status_kib("VmHWM:").unwrap_or(0));

    // As the `large/compiled` benchmark: each request's texts in one buffer, parsed into
    // slices of it before timing, as a gateway holds a request it has just read.
    let packed: Vec<PackedRequest> = large_requests(4096)
        .iter()
        .map(PackedRequest::new)
        .collect();
    let requests: Vec<ParsedRequest<'_>> = packed.iter().map(PackedRequest::parts).collect();
    let now = Instant::from_unix(1_767_225_600, 0);
    for threads in [1usize, 2] {
        let run_for = Duration::from_secs(3);
        let results = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (authorizer, requests) = (&authorizer, &requests);
                    scope.spawn(move || {
                        let started = Clock::now();
                        let mut done = 0u64;
                        let mut allowed = 0u64;
                        let mut i = t * 997;
                        while started.elapsed() < run_for {
                            for _ in 0..1024 {
                                let Some((principal, arn, context)) =
                                    requests.get(i % requests.len())
                                else {
                                    continue;
                                };
                                i += 1;
                                let Ok(id) = authorizer.resolve(principal) else {
                                    continue;
                                };
                                let Ok(request) = AuthRequest::new(CANCEL, arn)
                                    .and_then(|r| r.with_context(context))
                                else {
                                    continue;
                                };
                                if let Ok(d) = authorizer.authorize(id, None, &request.at(now)) {
                                    allowed += u64::from(d.is_allowed());
                                }
                                done += 1;
                            }
                        }
                        (done, allowed, started.elapsed())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join()).collect::<Vec<_>>()
        });
        let mut total = 0u64;
        let mut allowed = 0u64;
        let mut longest = Duration::ZERO;
        for result in results {
            let (done, a, took) = result.map_err(|_| "a worker panicked")?;
            total += done;
            allowed += a;
            longest = longest.max(took);
        }
        println!(
            "{threads} thread(s): {:.1} M decisions/s on the Large account ({:.1}% allowed)",
            total as f64 / longest.as_secs_f64() / 1e6,
            allowed as f64 * 100.0 / total.max(1) as f64
        );
    }
    Ok(())
}
