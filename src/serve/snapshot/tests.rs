//! Snapshot tests: what a load reads and reports, several accounts, and the whole-or-nothing
//! swap under readers.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::*;
use crate::gateway::ExecutionResolver;
use crate::signature::AccessKeys;

const ID: &str = "1234567890123456";
const OTHER: &str = "6543210987654321";

fn fixture_inputs() -> Inputs {
    Inputs {
        accounts: vec!["policies/example-account.json".into()],
        credentials: "tests/fixtures/serve/credentials.json".into(),
        executions: "tests/fixtures/serve/executions.json".into(),
        ..Inputs::default()
    }
}

/// Writes `content` to `path` by renaming a new file over it, as editors and ConfigMaps do,
/// so that a reader sees the old file or the new one, never half of one.
fn replace(path: &Path, content: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, content).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

#[test]
fn files_lists_every_input_and_the_files_they_name() {
    let (snapshot, _) = Snapshot::load(&fixture_inputs(), 7).expect("loads");
    assert_eq!(snapshot.generation, 7);
    let files = snapshot.files();
    for expected in [
        "policies/example-account.json",
        "policies/examples/cancel-hangzhou.json",
        "policies/examples/deployer-trust.json",
        "tests/fixtures/serve/credentials.json",
        "tests/fixtures/serve/session-ip-1-only.json",
        "tests/fixtures/serve/executions.json",
    ] {
        assert!(
            files.contains(&PathBuf::from(expected)),
            "{expected} in {files:?}"
        );
    }
    assert_eq!(files.len(), 6, "{files:?}");
}

#[test]
fn the_fixture_decides_through_the_snapshot() {
    let (snapshot, _) = Snapshot::load(&fixture_inputs(), 1).expect("loads");
    let key = snapshot.credentials.get("LTAI5tCiRunner").expect("key");
    let authorizer = snapshot.authorizer(&key.account_id).expect("account");
    assert!(authorizer.resolve(&key.principal).is_ok());
    assert!(snapshot
        .executions
        .in_region("cn-hangzhou")
        .execution("exec-1")
        .expect("infallible")
        .is_some());
    assert_eq!(snapshot.account_ids(), [ID]);
}

#[test]
fn no_account_is_an_error() {
    let inputs = Inputs {
        accounts: Vec::new(),
        ..fixture_inputs()
    };
    let e = Snapshot::load(&inputs, 1).expect_err("no account");
    assert_eq!(e.to_string(), "no account file given");
    assert_eq!(
        e.help(),
        Some("give one with `--account FILE` (repeatable)")
    );
}

#[test]
fn the_same_account_twice_is_an_error() {
    let inputs = Inputs {
        accounts: vec![
            "policies/example-account.json".into(),
            "policies/example-account.json".into(),
        ],
        ..fixture_inputs()
    };
    let e = Snapshot::load(&inputs, 1).expect_err("twice");
    assert!(
        e.to_string().contains(&format!("are both account `{ID}`")),
        "{e}"
    );
    assert!(matches!(e, ServeLoadError::Inputs { .. }));
}

#[test]
fn an_invalid_account_keeps_its_place_and_help() {
    let dir = tempfile::tempdir().expect("temp dir");
    let account = dir.path().join("account.json");
    std::fs::write(
        &account,
        "{\"account_id\": \"1234567890123456\",\n \"user\": {}}",
    )
    .expect("write");
    let inputs = Inputs {
        accounts: vec![account.clone()],
        ..fixture_inputs()
    };
    let e = Snapshot::load(&inputs, 1).expect_err("invalid");
    assert_eq!(
        e.to_string(),
        format!(
            "{}:2:2: unknown key `user` in the account file",
            account.display()
        )
    );
    assert_eq!(e.help(), Some("did you mean `users`?"));
}

#[test]
fn a_missing_input_is_a_read_error() {
    let inputs = Inputs {
        executions: "tests/fixtures/serve/absent.json".into(),
        ..fixture_inputs()
    };
    let e = Snapshot::load(&inputs, 1).expect_err("missing");
    assert!(matches!(e, ServeLoadError::Read(_)), "{e:?}");
}

#[test]
fn the_file_limit_applies_to_every_input() {
    let inputs = Inputs {
        max_file_size: 64,
        ..fixture_inputs()
    };
    let e = Snapshot::load(&inputs, 1).expect_err("too large");
    assert!(
        e.to_string().contains("larger than the limit of 64 bytes"),
        "{e}"
    );
    assert!(e.help().is_some_and(|h| h.contains("--max-file-size")));
}

#[test]
fn several_accounts_each_decide_for_their_principals() {
    let dir = tempfile::tempdir().expect("temp dir");
    let other = dir.path().join("other.json");
    std::fs::write(
        &other,
        format!(r#"{{"account_id": "{OTHER}", "users": {{"ops": {{}}}}}}"#),
    )
    .expect("write");
    let credentials = dir.path().join("credentials.json");
    std::fs::write(
        &credentials,
        format!(
            r#"{{"access_keys": [
            {{"id": "AK1", "secret": "a", "principal": "acs:ram::{ID}:user/alice"}},
            {{"id": "AK2", "secret": "b", "principal": "acs:ram::{OTHER}:user/ops"}}]}}"#
        ),
    )
    .expect("write");
    let inputs = Inputs {
        accounts: vec!["policies/example-account.json".into(), other],
        credentials,
        ..fixture_inputs()
    };
    let (snapshot, warnings) = Snapshot::load(&inputs, 1).expect("loads");
    assert_eq!(snapshot.account_ids(), [ID, OTHER]);
    for id in ["AK1", "AK2"] {
        let key = snapshot.credentials.get(id).expect("key");
        let authorizer = snapshot.authorizer(&key.account_id).expect("its account");
        assert!(authorizer.resolve(&key.principal).is_ok(), "{id}");
    }
    assert!(
        warnings.iter().all(|w| !w.contains("denied")),
        "{warnings:?}"
    );
}

/// Generation `k` of a set of inputs in which each part names `k`: the account has user
/// `u{k}`, the only access key stands for it, and the only execution is `exec-{k}`.
fn write_generation(dir: &Path, k: u32) {
    replace(
        &dir.join("account.json"),
        &format!(r#"{{"account_id": "{ID}", "users": {{"u{k}": {{}}}}}}"#),
    );
    replace(
        &dir.join("credentials.json"),
        &format!(
            r#"{{"access_keys": [{{"id": "AK", "secret": "s{k}", "principal": "user/u{k}"}}]}}"#
        ),
    );
    replace(
        &dir.join("executions.json"),
        &format!(
            r#"{{"executions": {{"exec-{k}": {{"pipeline": "ip-{k}", "region": "cn-hangzhou", "account": "{ID}", "status": "BUILDING"}}}}}}"#
        ),
    );
}

/// What a reader checks: every part of the snapshot is of one generation.
fn consistent(snapshot: &Snapshot) -> Result<u32, String> {
    let key = snapshot.credentials.get("AK").ok_or("no key")?;
    let user = key.principal.rsplit('/').next().ok_or("no user")?;
    let k: u32 = user
        .trim_start_matches('u')
        .parse()
        .map_err(|_| "bad user")?;
    let authorizer = snapshot.authorizer(ID).ok_or("no account")?;
    authorizer
        .resolve(&key.principal)
        .map_err(|e| format!("the key's principal is not in the account: {e}"))?;
    if snapshot.executions.get(&format!("exec-{k}")).is_none() {
        return Err(format!(
            "credentials of generation {k}, executions of another"
        ));
    }
    if snapshot.credentials.access_key("AK").map(|a| a.secret) != Some(format!("s{k}").as_bytes()) {
        return Err(format!("secret of another generation than {k}"));
    }
    Ok(k)
}

#[test]
fn readers_never_see_half_a_reload() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_generation(dir.path(), 0);
    let inputs = Inputs {
        accounts: vec![dir.path().join("account.json")],
        credentials: dir.path().join("credentials.json"),
        executions: dir.path().join("executions.json"),
        ..Inputs::default()
    };
    let handle = SnapshotHandle::empty();
    handle.publish(Snapshot::load(&inputs, 1).expect("loads").0);
    let done = AtomicBool::new(false);
    let seen = std::thread::scope(|scope| {
        let readers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let mut generations = std::collections::BTreeSet::new();
                    while !done.load(Ordering::Relaxed) {
                        let snapshot = handle.current().expect("published");
                        if let Err(e) = consistent(&snapshot) {
                            panic!("generation {}: {e}", snapshot.generation);
                        }
                        generations.insert(snapshot.generation);
                    }
                    generations
                })
            })
            .collect();
        for k in 1..=30 {
            write_generation(dir.path(), k);
            let (snapshot, _) = Snapshot::load(&inputs, u64::from(k) + 1).expect("loads");
            handle.publish(snapshot);
        }
        done.store(true, Ordering::Relaxed);
        readers.into_iter().map(|r| r.join().expect("reader")).fold(
            std::collections::BTreeSet::new(),
            |mut all, g| {
                all.extend(g);
                all
            },
        )
    });
    // The readers ran across reloads, or the test would prove nothing.
    assert!(seen.len() > 1, "readers saw only {seen:?}");
    assert_eq!(handle.generation(), 31);
}
