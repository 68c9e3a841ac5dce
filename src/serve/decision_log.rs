//! The decision log: one JSON line per answered call, for audit and for replaying what the
//! server decided, written apart from the operational logs.
//!
//! Each line has exactly the keys `time` (RFC 3339, UTC), `request_id`, `access_key_id`,
//! `principal`, `action`, `resource`, `decision` (`Allow`, `ExplicitDeny`, `ImplicitDeny`, or
//! `Error` for a call refused before a decision), `reason` (the decision's reason, or the
//! error code), `stage`, `statements` (the deciding statements) and `latency_us`; a value
//! the call did not get to is `null`. Never a secret, a signature or a token.
//!
//! A call never waits for the log: [`DecisionLog::record`] hands the line to a writer thread
//! through a bounded queue, and when the queue is full (the disk cannot keep up) the line is
//! dropped and counted ([`DecisionLog::dropped`]), and the writer warns about it through
//! `tracing`.

use std::fs::OpenOptions;
use std::io::{self, BufWriter, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// How many lines may wait for the writer before new ones are dropped.
pub const QUEUE_CAPACITY: usize = 64 * 1024;

/// How long [`DecisionLog::flush`] waits for the writer.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// One answered call, as the decision log records it.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use ramcheck::serve::decision_log::DecisionRecord;
///
/// let record = DecisionRecord {
///     time: SystemTime::UNIX_EPOCH + Duration::from_secs(1_765_000_000),
///     request_id: "5B1C3A2E-0000-4000-8000-000000000001",
///     access_key_id: Some("LTAI5tCiRunner"),
///     principal: Some("acs:ram::1234567890123456:user/alice"),
///     action: Some("ecs:CancelImagePipelineExecution"),
///     resource: Some("acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1"),
///     decision: "Allow",
///     reason: "allowed by an identity-based policy",
///     stage: Some("AccountLevelIdentityBasedPolicy"),
///     statements: vec!["CancelHangzhou#0".into()],
///     latency_us: 42,
/// };
/// let line = record.to_json();
/// assert!(line.starts_with(r#"{"time":"2025-12-06T05:46:40Z","request_id":"5B1C3A2E"#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRecord<'a> {
    /// When the call arrived.
    pub time: SystemTime,
    /// The request id the answer carries.
    pub request_id: &'a str,
    /// The access key that signed it, once known.
    pub access_key_id: Option<&'a str>,
    /// The principal's ARN, once known.
    pub principal: Option<&'a str>,
    /// The action asked for, once known.
    pub action: Option<&'a str>,
    /// The resource's ARN, once known.
    pub resource: Option<&'a str>,
    /// `Allow`, `ExplicitDeny`, `ImplicitDeny` or `Error`.
    pub decision: &'a str,
    /// The decision's reason, or the error code of a refused call.
    pub reason: &'a str,
    /// The deciding stage, when a decision was made.
    pub stage: Option<&'a str>,
    /// The deciding statements (`policy#index`).
    pub statements: Vec<String>,
    /// The time from arrival to answer, in microseconds.
    pub latency_us: u64,
}

#[derive(Serialize)]
struct Line<'r> {
    time: String,
    request_id: &'r str,
    access_key_id: Option<&'r str>,
    principal: Option<&'r str>,
    action: Option<&'r str>,
    resource: Option<&'r str>,
    decision: &'r str,
    reason: &'r str,
    stage: Option<&'r str>,
    statements: &'r [String],
    latency_us: u64,
}

impl DecisionRecord<'_> {
    /// The record as one line of JSON, without the newline.
    pub fn to_json(&self) -> String {
        let line = Line {
            time: rfc3339(self.time),
            request_id: self.request_id,
            access_key_id: self.access_key_id,
            principal: self.principal,
            action: self.action,
            resource: self.resource,
            decision: self.decision,
            reason: self.reason,
            stage: self.stage,
            statements: &self.statements,
            latency_us: self.latency_us,
        };
        // Strings and numbers always serialize.
        serde_json::to_string(&line).unwrap_or_default()
    }
}

/// `time` in RFC 3339, UTC, to the microsecond.
fn rfc3339(time: SystemTime) -> String {
    let instant = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => crate::condition::value::Instant::from_unix(
            i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            after.subsec_micros() * 1000,
        ),
        Err(_) => crate::condition::value::Instant::from_unix(0, 0),
    };
    instant.to_string()
}

enum Message {
    Line(String),
    Flush(SyncSender<()>),
}

/// The decision log of one server: a writer thread fed through a bounded queue.
///
/// ```
/// use std::time::SystemTime;
/// use ramcheck::serve::decision_log::{DecisionLog, DecisionRecord};
///
/// let dir = std::env::temp_dir().join(format!("ramcheck-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("decisions.jsonl");
/// let log = DecisionLog::open(path.to_str().unwrap_or_default())?;
/// log.record(&DecisionRecord {
///     time: SystemTime::now(), request_id: "R-1", access_key_id: None, principal: None,
///     action: None, resource: None, decision: "Error", reason: "SignatureDoesNotMatch",
///     stage: None, statements: Vec::new(), latency_us: 7,
/// });
/// log.flush();
/// let text = std::fs::read_to_string(&path)?;
/// assert!(text.contains(r#""decision":"Error","reason":"SignatureDoesNotMatch""#));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct DecisionLog {
    queue: Option<SyncSender<Message>>,
    dropped: Arc<AtomicU64>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl DecisionLog {
    /// Opens the log: `-` is standard output; any other target is a file, created if
    /// missing and appended to.
    ///
    /// # Errors
    ///
    /// The file cannot be opened, or the writer thread cannot be started.
    pub fn open(target: &str) -> io::Result<DecisionLog> {
        if target == "-" {
            return DecisionLog::to_writer(Box::new(io::stdout()));
        }
        let file = OpenOptions::new().create(true).append(true).open(target)?;
        DecisionLog::to_writer(Box::new(file))
    }

    /// A log written to `out` (any writer: a file, a socket, a buffer in a test).
    ///
    /// # Errors
    ///
    /// The writer thread cannot be started.
    pub fn to_writer(out: Box<dyn Write + Send>) -> io::Result<DecisionLog> {
        DecisionLog::with_capacity(out, QUEUE_CAPACITY)
    }

    /// [`DecisionLog::to_writer`] with a queue of `capacity` lines.
    fn with_capacity(out: Box<dyn Write + Send>, capacity: usize) -> io::Result<DecisionLog> {
        let (queue, lines) = mpsc::sync_channel(capacity);
        let dropped = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&dropped);
        let writer = std::thread::Builder::new()
            .name("ramcheck-decision-log".into())
            .spawn(move || write_lines(lines, out, &counted))?;
        Ok(DecisionLog {
            queue: Some(queue),
            dropped,
            writer: Mutex::new(Some(writer)),
        })
    }

    /// Queues a record; never waits. A full queue drops it and counts it.
    pub fn record(&self, record: &DecisionRecord<'_>) {
        let Some(queue) = &self.queue else { return };
        match queue.try_send(Message::Line(record.to_json())) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// How many records were dropped because the writer could not keep up.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Waits (up to 5 s) until every record queued so far is written and flushed: call it at
    /// shutdown.
    pub fn flush(&self) {
        let Some(queue) = &self.queue else { return };
        let (done, wait) = mpsc::sync_channel(1);
        if queue.send(Message::Flush(done)).is_ok() {
            let _ = wait.recv_timeout(FLUSH_TIMEOUT);
        }
    }
}

impl Drop for DecisionLog {
    fn drop(&mut self) {
        // Closing the queue ends the writer once it has written what is queued.
        self.queue = None;
        let writer = self
            .writer
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(writer) = writer {
            let _ = writer.join();
        }
    }
}

/// The writer thread: writes lines as they come, flushing whenever the queue runs dry, and
/// warns at most once a second about dropped lines and write errors.
fn write_lines(lines: Receiver<Message>, out: Box<dyn Write + Send>, dropped: &AtomicU64) {
    let mut out = BufWriter::new(out);
    let mut warned_drops = 0;
    let mut last_warning: Option<Instant> = None;
    let mut failed: Option<io::Error> = None;
    while let Ok(first) = lines.recv() {
        let mut next = Some(first);
        let mut flushes = Vec::new();
        while let Some(message) = next {
            match message {
                Message::Line(line) => {
                    let written = out
                        .write_all(line.as_bytes())
                        .and_then(|()| out.write_all(b"\n"));
                    if let Err(e) = written {
                        failed = Some(e);
                    }
                }
                Message::Flush(done) => flushes.push(done),
            }
            next = lines.try_recv().ok();
        }
        if let Err(e) = out.flush() {
            failed = Some(e);
        }
        for done in flushes {
            let _ = done.try_send(());
        }
        let now_dropped = dropped.load(Ordering::Relaxed);
        let due = last_warning.is_none_or(|at| at.elapsed() >= Duration::from_secs(1));
        if due && (now_dropped > warned_drops || failed.is_some()) {
            if now_dropped > warned_drops {
                tracing::warn!(
                    dropped = now_dropped - warned_drops,
                    total = now_dropped,
                    "decision log: records dropped, the writer could not keep up"
                );
                warned_drops = now_dropped;
            }
            if let Some(e) = failed.take() {
                tracing::warn!(error = %e, "decision log: cannot write");
            }
            last_warning = Some(Instant::now());
        }
    }
    let _ = out.flush();
}

#[cfg(test)]
mod tests;
