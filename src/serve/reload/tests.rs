//! Reload tests: a failed reload keeps the snapshot in force, and real file changes (written
//! in place, renamed over, in a policy file the account names) are picked up by the watcher
//! within a couple of seconds, while changes beside the inputs are not reloads.

use std::path::Path;
use std::time::{Duration, Instant};

use super::*;

const ID: &str = "1234567890123456";

struct Setup {
    dir: tempfile::TempDir,
    inputs: Inputs,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(name);
    std::fs::write(
        path("account.json"),
        format!(r#"{{"account_id": "{ID}", "policies": {{"P": "p.json"}}, "users": {{"alice": {{"policies": ["P"]}}}}}}"#),
    )
    .expect("write");
    std::fs::write(path("p.json"), POLICY).expect("write");
    std::fs::write(path("credentials.json"), credentials(&["AK1"])).expect("write");
    std::fs::write(
        path("executions.json"),
        format!(r#"{{"executions": {{"exec-1": {{"pipeline": "ip-1", "region": "cn-hangzhou", "account": "{ID}", "status": "BUILDING"}}}}}}"#),
    )
    .expect("write");
    let inputs = Inputs {
        accounts: vec![path("account.json")],
        credentials: path("credentials.json"),
        executions: path("executions.json"),
        ..Inputs::default()
    };
    Setup { dir, inputs }
}

const POLICY: &str =
    r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]}"#;

fn credentials(ids: &[&str]) -> String {
    let keys: Vec<String> = ids
        .iter()
        .map(|id| format!(r#"{{"id": "{id}", "secret": "s", "principal": "user/alice"}}"#))
        .collect();
    format!(r#"{{"access_keys": [{}]}}"#, keys.join(", "))
}

/// The value of a metric line such as `ramcheck_reloads_total{result="failure"}`.
fn metric(metrics: &Metrics, line: &str) -> Option<f64> {
    metrics.encode().lines().find_map(|l| {
        let (name, value) = l.rsplit_once(' ')?;
        (name == line).then(|| value.parse().ok())?
    })
}

#[test]
fn a_failed_reload_keeps_the_snapshot_in_force() {
    let s = setup();
    let (handle, metrics) = (SnapshotHandle::empty(), Metrics::new());
    assert_eq!(reload_now(&s.inputs, &handle, &metrics), Ok(1));
    std::fs::write(&s.inputs.credentials, r#"{"access_keys": [{"id": "AK1"}]}"#).expect("write");
    let e = reload_now(&s.inputs, &handle, &metrics).expect_err("bad edit");
    assert!(
        e.to_string()
            .contains("has neither `secret` nor `secret_env`"),
        "{e}"
    );
    let current = handle.current().expect("still there");
    assert_eq!(current.generation, 1);
    assert!(current.credentials.get("AK1").is_some());
    assert_eq!(
        metric(&metrics, r#"ramcheck_reloads_total{result="failure"}"#),
        Some(1.0)
    );
    assert_eq!(
        metric(&metrics, r#"ramcheck_reloads_total{result="success"}"#),
        Some(1.0)
    );
    assert_eq!(metric(&metrics, "ramcheck_snapshot_generation"), Some(1.0));
    // Fixed, the next reload is the next generation.
    std::fs::write(&s.inputs.credentials, credentials(&["AK1", "AK2"])).expect("write");
    assert_eq!(reload_now(&s.inputs, &handle, &metrics), Ok(2));
    assert_eq!(metric(&metrics, "ramcheck_snapshot_generation"), Some(2.0));
}

/// Waits up to `limit` for `done`, checking every 20 ms.
fn eventually(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

fn has_key(handle: &SnapshotHandle, id: &str) -> bool {
    handle
        .current()
        .is_some_and(|s| s.credentials.get(id).is_some())
}

fn rename_over(path: &Path, content: &str) {
    let tmp = path.with_file_name(".edit.tmp");
    std::fs::write(&tmp, content).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

/// Runs [`watch`] on a runtime of its own; the sender stops it.
fn start_watching(
    inputs: &Inputs,
    handle: &Arc<SnapshotHandle>,
    metrics: &Arc<Metrics>,
) -> (
    tokio::runtime::Runtime,
    tokio::sync::watch::Sender<bool>,
    tokio::task::JoinHandle<()>,
) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = runtime.spawn(watch(
        inputs.clone(),
        Arc::clone(handle),
        Arc::clone(metrics),
        stopped,
    ));
    // The watcher is set up when the task first runs.
    std::thread::sleep(Duration::from_millis(300));
    (runtime, stop, task)
}

#[test]
fn file_changes_are_picked_up_by_the_watcher() {
    let s = setup();
    let handle = Arc::new(SnapshotHandle::empty());
    let metrics = Arc::new(Metrics::new());
    reload_now(&s.inputs, &handle, &metrics).expect("first load");
    let (runtime, stop, task) = start_watching(&s.inputs, &handle, &metrics);
    let limit = Duration::from_secs(3);

    // Written in place.
    std::fs::write(&s.inputs.credentials, credentials(&["AK1", "AK2"])).expect("write");
    assert!(
        eventually(limit, || has_key(&handle, "AK2")),
        "in-place edit not picked up"
    );
    assert_eq!(handle.generation(), 2);

    // Renamed over, as editors and ConfigMaps write.
    rename_over(&s.inputs.credentials, &credentials(&["AK3"]));
    assert!(
        eventually(limit, || has_key(&handle, "AK3")),
        "rename not picked up"
    );
    assert_eq!(handle.generation(), 3);

    // A policy file the account names.
    std::fs::write(
        s.dir.path().join("p.json"),
        POLICY.replace("ecs:*", "ecs:Describe*"),
    )
    .expect("write");
    assert!(
        eventually(limit, || handle.generation() == 4),
        "policy file change not picked up"
    );

    // A file beside the inputs that no input names is no reason to reload.
    std::fs::write(s.dir.path().join("decisions.jsonl"), "{}\n").expect("write");
    std::thread::sleep(DEBOUNCE * 3);
    assert_eq!(handle.generation(), 4);

    // A bad edit is counted and the snapshot in force stays.
    std::fs::write(&s.inputs.executions, "{").expect("write");
    let failed = || metric(&metrics, r#"ramcheck_reloads_total{result="failure"}"#) == Some(1.0);
    assert!(eventually(limit, failed), "bad edit not seen");
    assert_eq!(handle.generation(), 4);
    assert!(has_key(&handle, "AK3"));

    stop.send(true).expect("watcher alive");
    runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(2), task).await })
        .expect("the watcher stops on shutdown")
        .expect("no panic");
}

/// A Kubernetes ConfigMap or Secret volume: each file is a link through `..data`, a link to
/// a folder of the current version; an update writes a new folder and swaps `..data`.
#[cfg(unix)]
#[test]
fn a_configmap_style_swap_is_picked_up() {
    use std::os::unix::fs::symlink;
    let s = setup();
    let volume = s.dir.path().join("volume");
    let version = |n: u32, ids: &[&str]| {
        let folder = volume.join(format!("..v{n}"));
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(folder.join("credentials.json"), credentials(ids)).expect("write");
    };
    version(1, &["AK1"]);
    symlink("..v1", volume.join("..data")).expect("link");
    symlink("..data/credentials.json", volume.join("credentials.json")).expect("link");
    let inputs = Inputs {
        credentials: volume.join("credentials.json"),
        ..s.inputs.clone()
    };
    let handle = Arc::new(SnapshotHandle::empty());
    let metrics = Arc::new(Metrics::new());
    reload_now(&inputs, &handle, &metrics).expect("first load");
    let (_runtime, stop, _task) = start_watching(&inputs, &handle, &metrics);

    version(2, &["AK2"]);
    symlink("..v2", volume.join("..data_tmp")).expect("link");
    std::fs::rename(volume.join("..data_tmp"), volume.join("..data")).expect("swap");
    assert!(
        eventually(Duration::from_secs(3), || has_key(&handle, "AK2")),
        "ConfigMap swap not picked up"
    );
    drop(stop);
}
