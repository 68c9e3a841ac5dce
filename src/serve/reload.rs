//! Hot reload: every input is read again on SIGHUP and when any file of the snapshot in force
//! changes, and the new snapshot replaces the old one only when all of it loaded.
//!
//! Files are watched through their folders, not one by one: editors save by writing a new
//! file and renaming it over the old one, and a Kubernetes ConfigMap or Secret volume swaps a
//! symbolic link to a new folder, and a watch on the old file would see neither. Any event in
//! a watched folder starts a 200 ms wait (a save is several events); then the files' identity
//! (device, inode, size, modification time, symbolic links followed) is compared with what it
//! was, and only a change reloads. So a busy file beside the inputs (a decision log, say)
//! costs a few `stat` calls, never a reload.
//!
//! A failed reload keeps the old snapshot in force, logs a warning with the whole error, and
//! counts `ramcheck_reloads_total{result="failure"}`; a successful one logs the new
//! generation and watches the new snapshot's files (an account may name other policy files
//! now).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, watch as watch_channel};

use super::metrics::Metrics;
use super::snapshot::{Inputs, ServeLoadError, Snapshot, SnapshotHandle};

/// How long to wait after the first event before looking at the files: one save is several
/// events.
pub const DEBOUNCE: Duration = Duration::from_millis(200);

/// Loads every input and, when all of it loads, puts it in force as the next generation;
/// counts the reload, sets the generation gauge and logs the outcome (warnings of the load
/// included). Blocking: file reads and compiling.
///
/// # Errors
///
/// The load's error; the snapshot in force is then left as it was.
///
/// ```
/// use ramcheck::serve::metrics::Metrics;
/// use ramcheck::serve::reload::reload_now;
/// use ramcheck::serve::snapshot::{Inputs, SnapshotHandle};
///
/// let inputs = Inputs {
///     accounts: vec!["policies/example-account.json".into()],
///     credentials: "tests/fixtures/serve/credentials.json".into(),
///     executions: "tests/fixtures/serve/executions.json".into(),
///     ..Inputs::default()
/// };
/// let (handle, metrics) = (SnapshotHandle::empty(), Metrics::new());
/// assert_eq!(reload_now(&inputs, &handle, &metrics)?, 1);
/// assert_eq!(reload_now(&inputs, &handle, &metrics)?, 2);
/// assert!(metrics.encode().contains(r#"ramcheck_reloads_total{result="success"} 2"#));
/// # Ok::<(), ramcheck::serve::snapshot::ServeLoadError>(())
/// ```
pub fn reload_now(
    inputs: &Inputs,
    handle: &SnapshotHandle,
    metrics: &Metrics,
) -> Result<u64, ServeLoadError> {
    let previous = handle.generation();
    let generation = previous + 1;
    match Snapshot::load(inputs, generation) {
        Ok((snapshot, warnings)) => {
            for warning in &warnings {
                tracing::warn!("{warning}");
            }
            handle.publish(snapshot);
            metrics.reload(true);
            metrics.set_generation(generation);
            tracing::info!(generation, "inputs loaded");
            Ok(generation)
        }
        Err(error) => {
            metrics.reload(false);
            tracing::warn!(
                error = %error,
                help = error.help().unwrap_or_default(),
                generation = previous,
                "reload failed; the inputs in force stay"
            );
            Err(error)
        }
    }
}

/// Reloads on SIGHUP and on changes of the snapshot's files (see the [module](self) docs)
/// until `shutdown` turns `true` (or its sender is dropped). Runs on a tokio runtime; the
/// loads themselves run on its blocking threads.
///
/// A watcher that cannot be set up (no inotify watches left, say) is logged, and SIGHUP
/// still reloads.
pub async fn watch(
    inputs: Inputs,
    handle: Arc<SnapshotHandle>,
    metrics: Arc<Metrics>,
    mut shutdown: watch_channel::Receiver<bool>,
) {
    let inputs = Arc::new(inputs);
    let mut hangup = hangups();
    let (events, mut changed) = mpsc::channel::<()>(1);
    let again = events.clone();
    let mut watcher = Watcher::new(events);
    let mut files = watched_files(&inputs, &handle);
    watcher.follow(&files);
    let mut seen = fingerprints(&files);
    loop {
        if *shutdown.borrow() {
            return;
        }
        let reason = tokio::select! {
            result = shutdown.changed() => {
                if result.is_err() {
                    return;
                }
                continue;
            }
            Some(()) = next_hangup(&mut hangup) => "SIGHUP",
            Some(()) = changed.recv() => {
                tokio::time::sleep(DEBOUNCE).await;
                while changed.try_recv().is_ok() {}
                let now = fingerprints(&files);
                if now == seen {
                    continue;
                }
                seen = now;
                "a file changed"
            }
        };
        tracing::info!(reason, "reloading the inputs");
        let before = fingerprints(&files);
        let (inputs, handle2, metrics) = (
            Arc::clone(&inputs),
            Arc::clone(&handle),
            Arc::clone(&metrics),
        );
        let loaded =
            tokio::task::spawn_blocking(move || reload_now(&inputs, &handle2, &metrics).is_ok())
                .await
                .unwrap_or(false);
        if loaded {
            // A file saved while the load ran may or may not be in the snapshot: load again.
            let meanwhile = fingerprints(&files) != before;
            files = watched_files_of(&handle);
            watcher.follow(&files);
            seen = fingerprints(&files);
            if meanwhile {
                // Nothing seen yet: the next look finds every file changed.
                seen.clear();
                let _ = again.try_send(());
            }
        }
    }
}

/// The files to watch: the snapshot's, or before the first load the inputs named.
fn watched_files(inputs: &Inputs, handle: &SnapshotHandle) -> Vec<PathBuf> {
    let mut files = watched_files_of(handle);
    if files.is_empty() {
        files.extend(inputs.accounts.iter().cloned());
        files.push(inputs.credentials.clone());
        files.push(inputs.executions.clone());
    }
    files
}

fn watched_files_of(handle: &SnapshotHandle) -> Vec<PathBuf> {
    handle.current().map(|s| s.files()).unwrap_or_default()
}

/// What tells that a file changed: device, inode, size and modification time of what its
/// path leads to; `None` when it cannot be read.
type Fingerprint = Option<(u64, u64, u64, Option<SystemTime>)>;

fn fingerprints(files: &[PathBuf]) -> BTreeMap<PathBuf, Fingerprint> {
    files.iter().map(|f| (f.clone(), fingerprint(f))).collect()
}

fn fingerprint(path: &Path) -> Fingerprint {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let (dev, ino) = {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    };
    #[cfg(not(unix))]
    let (dev, ino) = (0, 0);
    Some((dev, ino, meta.len(), meta.modified().ok()))
}

/// The folders watched, following the snapshot's files.
struct Watcher {
    inner: Option<notify::RecommendedWatcher>,
    folders: BTreeSet<PathBuf>,
}

impl Watcher {
    fn new(events: mpsc::Sender<()>) -> Watcher {
        let handler = move |event: notify::Result<notify::Event>| {
            let relevant = match event {
                Ok(event) => !matches!(event.kind, notify::EventKind::Access(_)),
                // An error (events lost, say) may hide a change: look.
                Err(_) => true,
            };
            if relevant {
                // Full: a look is already due, which will see this change too.
                let _ = events.try_send(());
            }
        };
        let inner = match notify::recommended_watcher(handler) {
            Ok(watcher) => Some(watcher),
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch the input files; reload with SIGHUP");
                None
            }
        };
        Watcher {
            inner,
            folders: BTreeSet::new(),
        }
    }

    /// Watches the folders of `files`, and no others.
    fn follow(&mut self, files: &[PathBuf]) {
        use notify::Watcher as _;
        let Some(inner) = &mut self.inner else { return };
        let wanted: BTreeSet<PathBuf> = files.iter().map(|f| folder(f)).collect();
        for old in self.folders.difference(&wanted) {
            let _ = inner.unwatch(old);
        }
        for new in wanted.difference(&self.folders) {
            if let Err(e) = inner.watch(new, notify::RecursiveMode::NonRecursive) {
                tracing::warn!(folder = %new.display(), error = %e, "cannot watch a folder of the inputs; reload with SIGHUP");
            }
        }
        self.folders = wanted;
    }
}

/// The folder a file is in (`.` for a bare name).
fn folder(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(unix)]
type Hangups = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangups = Option<()>;

#[cfg(unix)]
fn hangups() -> Hangups {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(signal) => Some(signal),
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGHUP; the inputs reload when they change");
            None
        }
    }
}

#[cfg(not(unix))]
fn hangups() -> Hangups {
    None
}

/// The next SIGHUP; never, without a listener.
async fn next_hangup(hangups: &mut Hangups) -> Option<()> {
    #[cfg(unix)]
    if let Some(signal) = hangups {
        return signal.recv().await;
    }
    let _ = hangups;
    std::future::pending().await
}

#[cfg(test)]
mod tests;
