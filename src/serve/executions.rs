//! The executions file of `ramcheck serve`: what the gateway's resolver knows of each image
//! pipeline execution (its pipeline, region, owner and status), and the [`Ledger`] of the
//! cancellations the server made.
//!
//! ```json
//! {"executions": {
//!   "exec-1": {"pipeline": "ip-1", "region": "cn-hangzhou", "account": "1234567890123456", "status": "BUILDING"}
//! }}
//! ```
//!
//! An execution lives in one region: [`Executions::in_region`] is the resolver for a call
//! with that `RegionId`, and an execution of another region is not found there, as ECS
//! scopes its API by region. The file is read as strictly as every input: an unknown key or
//! status, an id that cannot be part of an ARN, is an error with its line and column.

use std::borrow::Cow;
use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use super::snapshot::{shown, Doc, ServeLoadError};
use crate::account::principal::NameBytes;
use crate::gateway::{Execution, ExecutionResolver};
use crate::read::{read_file, DEFAULT_MAX_FILE_SIZE};

type Result<T, E = ServeLoadError> = std::result::Result<T, E>;

const TOP_KEYS: [&str; 1] = ["executions"];
const EXECUTION_KEYS: [&str; 4] = ["pipeline", "region", "account", "status"];

/// The status of an image pipeline execution, as ECS names it.
///
/// ```
/// use ramcheck::serve::executions::Status;
///
/// assert_eq!(Status::parse("BUILDING"), Some(Status::Building));
/// assert!(Status::Building.is_cancellable());
/// assert!(!Status::Success.is_cancellable());
/// assert_eq!(Status::TestFailed.to_string(), "TEST_FAILED");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// `PREPARING`.
    Preparing,
    /// `BUILDING`.
    Building,
    /// `DISTRIBUTING`.
    Distributing,
    /// `RELEASING`.
    Releasing,
    /// `SUCCESS`.
    Success,
    /// `FAILED`.
    Failed,
    /// `TEST_FAILED`.
    TestFailed,
    /// `CANCELLING`.
    Cancelling,
    /// `CANCELLED`.
    Cancelled,
}

impl Status {
    /// Every status, in the order of the execution's life.
    pub const ALL: [Status; 9] = [
        Status::Preparing,
        Status::Building,
        Status::Distributing,
        Status::Releasing,
        Status::Success,
        Status::Failed,
        Status::TestFailed,
        Status::Cancelling,
        Status::Cancelled,
    ];

    /// The status's name in the API, e.g. `TEST_FAILED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Preparing => "PREPARING",
            Status::Building => "BUILDING",
            Status::Distributing => "DISTRIBUTING",
            Status::Releasing => "RELEASING",
            Status::Success => "SUCCESS",
            Status::Failed => "FAILED",
            Status::TestFailed => "TEST_FAILED",
            Status::Cancelling => "CANCELLING",
            Status::Cancelled => "CANCELLED",
        }
    }

    /// The status with this name, exactly as the API writes it.
    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether an execution in this status can be cancelled: one still running
    /// (`PREPARING`, `BUILDING`, `DISTRIBUTING`, `RELEASING`).
    pub fn is_cancellable(self) -> bool {
        matches!(
            self,
            Status::Preparing | Status::Building | Status::Distributing | Status::Releasing
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One execution as the file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExecutionRecord {
    /// The pipeline it runs, e.g. `ip-1`.
    pub pipeline_id: String,
    /// Its region, e.g. `cn-hangzhou`.
    pub region: String,
    /// The account that owns the pipeline.
    pub account_id: String,
    /// Its status in the file.
    pub status: Status,
}

#[derive(Debug)]
struct Entry {
    record: ExecutionRecord,
    /// What the resolver lends: kept ready so that a lookup allocates nothing.
    execution: Execution,
}

/// The executions of the executions file, by id.
///
/// ```
/// use ramcheck::gateway::ExecutionResolver;
/// use ramcheck::serve::executions::{Executions, Status};
///
/// let executions = Executions::load("tests/fixtures/serve/executions.json".as_ref())?;
/// assert_eq!(executions.get("exec-1").map(|e| e.status), Some(Status::Building));
/// assert!(executions.in_region("cn-hangzhou").execution("exec-1")?.is_some());
/// assert!(executions.in_region("cn-beijing").execution("exec-1")?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct Executions {
    entries: HashMap<String, Entry>,
    /// The snapshot generation these were loaded for (0 outside a snapshot): the [`Ledger`]
    /// tells an old snapshot's view from a newer one's by it.
    generation: u64,
}

impl Executions {
    /// Reads an executions file of at most [`DEFAULT_MAX_FILE_SIZE`] bytes.
    ///
    /// # Errors
    ///
    /// A [`ServeLoadError`] at the first fault, with its line and column.
    pub fn load(path: &Path) -> Result<Executions> {
        Executions::load_limited(path, DEFAULT_MAX_FILE_SIZE)
    }

    /// [`Executions::load`] with another limit on the file's size.
    ///
    /// # Errors
    ///
    /// As [`Executions::load`].
    ///
    /// ```
    /// use ramcheck::serve::executions::Executions;
    ///
    /// let err = Executions::load_limited("tests/fixtures/serve/executions.json".as_ref(), 10).unwrap_err();
    /// assert!(err.to_string().contains("larger than the limit of 10 bytes"));
    /// ```
    pub fn load_limited(path: &Path, max_file_size: u64) -> Result<Executions> {
        let bytes = read_file(path, max_file_size)?;
        Executions::from_bytes(&bytes, &shown(path))
    }

    /// Reads an executions file's content; `file` names it in errors.
    ///
    /// # Errors
    ///
    /// As [`Executions::load`].
    ///
    /// ```
    /// use ramcheck::serve::executions::Executions;
    ///
    /// let err = Executions::from_bytes(br#"{"executions": {"exec-1": {"pipeline": "ip-1",
    ///   "region": "cn-hangzhou", "account": "1234567890123456", "status": "RUNNING"}}}"#,
    ///   "executions.json").unwrap_err();
    /// assert!(err.to_string().starts_with("executions.json:2:69: unknown status `RUNNING`"));
    /// ```
    pub fn from_bytes(bytes: &[u8], file: &str) -> Result<Executions> {
        let (doc, root) = Doc::parse(bytes, file)?;
        let top = doc.object(&root, "the executions file", Some(&TOP_KEYS))?;
        let node = doc.required(
            top,
            root.span,
            "executions",
            "the executions file",
            "add `\"executions\": {\"exec-1\": {\"pipeline\": ..., \"region\": ..., \"account\": ..., \"status\": ...}}`",
        )?;
        let members = doc.object(node, "`executions`", None)?;
        let mut entries = HashMap::with_capacity(members.len());
        for m in members {
            if !is_arn_safe(&m.key) {
                return Err(doc.error(
                    m.key_span,
                    format!("invalid execution id `{}`", m.key),
                    Some(ARN_SAFE_HELP.into()),
                ));
            }
            let what = format!("execution `{}`", m.key);
            let fields = doc.object(&m.value, &what, Some(&EXECUTION_KEYS))?;
            let field = |key: &str, example: &str| -> Result<(&str, crate::policy::Span)> {
                let node = doc.required(
                    fields,
                    m.value.span,
                    key,
                    &what,
                    &format!("add `\"{key}\": \"{example}\"`"),
                )?;
                Ok((doc.string(node, &format!("`{key}`"))?, node.span))
            };
            let (pipeline, span) = field("pipeline", "ip-...")?;
            if !is_arn_safe(pipeline) {
                return Err(doc.error(
                    span,
                    format!("invalid pipeline id `{pipeline}`"),
                    Some(ARN_SAFE_HELP.into()),
                ));
            }
            let (region, span) = field("region", "cn-hangzhou")?;
            if !is_arn_safe(region) {
                return Err(doc.error(
                    span,
                    format!("invalid region `{region}`"),
                    Some(ARN_SAFE_HELP.into()),
                ));
            }
            let (account, span) = field("account", "1234567890123456")?;
            if account.is_empty() || !account.bytes().all(|b| b.is_ascii_digit()) {
                return Err(doc.error(
                    span,
                    format!("`account` must be the numeric account ID, found \"{account}\""),
                    Some(
                        "write the account ID as a string of digits, e.g. \"1234567890123456\""
                            .into(),
                    ),
                ));
            }
            let (text, span) = field("status", "BUILDING")?;
            let Some(status) = Status::parse(text) else {
                let names = Status::ALL.map(Status::as_str);
                let help = match crate::suggest::did_you_mean(text, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the statuses are `{}`", names.join("`, `")),
                };
                return Err(doc.error(span, format!("unknown status `{text}`"), Some(help)));
            };
            let record = ExecutionRecord {
                pipeline_id: pipeline.to_owned(),
                region: region.to_owned(),
                account_id: account.to_owned(),
                status,
            };
            let execution = Execution::new(pipeline, account);
            entries.insert(m.key.clone(), Entry { record, execution });
        }
        Ok(Executions {
            entries,
            generation: 0,
        })
    }

    /// The execution with this id, in any region.
    pub fn get(&self, id: &str) -> Option<&ExecutionRecord> {
        self.entries.get(id).map(|e| &e.record)
    }

    /// The same executions, as loaded for snapshot `generation`.
    pub(crate) fn for_generation(mut self, generation: u64) -> Executions {
        self.generation = generation;
        self
    }

    /// How many executions there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The resolver [`crate::gateway::authorize_cancel`] takes for a call in `region`: it
    /// sees only the executions of that region, and lends them without allocating.
    pub fn in_region<'a>(&'a self, region: &'a str) -> InRegion<'a> {
        InRegion {
            executions: self,
            region,
        }
    }
}

/// The executions of one region, as a resolver ([`Executions::in_region`]).
#[derive(Debug, Clone, Copy)]
pub struct InRegion<'a> {
    executions: &'a Executions,
    region: &'a str,
}

impl ExecutionResolver for InRegion<'_> {
    type Error = Infallible;

    fn execution(&self, id: &str) -> Result<Option<Cow<'_, Execution>>, Infallible> {
        Ok(self
            .executions
            .entries
            .get(id)
            .filter(|e| e.record.region == self.region)
            .map(|e| Cow::Borrowed(&e.execution)))
    }
}

/// Why [`Ledger::cancel`] did not cancel.
///
/// ```
/// use ramcheck::serve::executions::{CancelError, Status};
///
/// let e = CancelError::InvalidStatus(Status::Success);
/// assert_eq!(e.to_string(), "the execution is `SUCCESS` and cannot be cancelled");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CancelError {
    /// No such execution.
    #[error("the execution does not exist")]
    NotFound,
    /// The execution is not running (it finished, or was cancelled).
    #[error("the execution is `{0}` and cannot be cancelled")]
    InvalidStatus(Status),
}

/// The cancellations this server made, shared by every snapshot so that they survive a
/// reload: an execution is `CANCELLED` while the file still gives the status it had when it
/// was cancelled; once the file gives it another status, the file is right again.
///
/// ```
/// use ramcheck::serve::executions::{CancelError, Executions, Ledger, Status};
///
/// let executions = Executions::load("tests/fixtures/serve/executions.json".as_ref())?;
/// let ledger = Ledger::default();
/// ledger.cancel(&executions, "exec-1")?;
/// assert_eq!(ledger.status(&executions, "exec-1"), Some(Status::Cancelled));
/// assert_eq!(ledger.cancel(&executions, "exec-1"), Err(CancelError::InvalidStatus(Status::Cancelled)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct Ledger {
    /// Execution id -> the status the file gave when it was cancelled.
    cancelled: Mutex<HashMap<String, Cancelled>>,
}

impl Ledger {
    /// The effective status of an execution: `CANCELLED` if this server cancelled it and the
    /// file has not changed its status since, else the file's. `None` when the file does not
    /// have it.
    pub fn status(&self, executions: &Executions, id: &str) -> Option<Status> {
        let mut cancelled = self.lock();
        effective(&mut cancelled, executions, id)
    }

    /// Marks a running execution cancelled.
    ///
    /// # Errors
    ///
    /// [`CancelError::NotFound`] when the file does not have it,
    /// [`CancelError::InvalidStatus`] with its effective status when it is not running.
    pub fn cancel(&self, executions: &Executions, id: &str) -> Result<(), CancelError> {
        let mut cancelled = self.lock();
        let status = effective(&mut cancelled, executions, id).ok_or(CancelError::NotFound)?;
        if !status.is_cancellable() {
            return Err(CancelError::InvalidStatus(status));
        }
        cancelled.insert(
            id.to_owned(),
            Cancelled {
                file_status: status,
                generation: executions.generation,
            },
        );
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cancelled>> {
        // The map stays consistent whatever a panicking holder did: each change is one insert
        // or one remove.
        self.cancelled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The effective status, forgetting a cancellation the file has moved past. A caller still
/// holding a snapshot older than the cancellation's changes nothing: what its file says is not
/// news, and forgetting would let the execution be cancelled twice.
fn effective(
    cancelled: &mut HashMap<String, Cancelled>,
    executions: &Executions,
    id: &str,
) -> Option<Status> {
    let entry = cancelled.get(id).copied();
    let older = entry.is_some_and(|c| executions.generation < c.generation);
    let Some(file) = executions.get(id).map(|r| r.status) else {
        if !older {
            cancelled.remove(id);
        }
        return None;
    };
    match entry {
        Some(c) if c.file_status == file || older => Some(Status::Cancelled),
        Some(_) => {
            cancelled.remove(id);
            Some(file)
        }
        None => Some(file),
    }
}

/// A cancellation: the status the file gave, in the snapshot generation that cancelled it.
#[derive(Debug, Clone, Copy)]
struct Cancelled {
    file_status: Status,
    generation: u64,
}

const ARN_SAFE_HELP: &str =
    "ids and regions are letters, digits and `-_.`, as they appear in a pipeline's ARN";

/// Whether `text` can be part of an ARN, as the gateway adapter checks its parameters.
fn is_arn_safe(text: &str) -> bool {
    const SAFE: NameBytes = NameBytes::alphanumeric_and(b"-_.");
    !text.is_empty() && SAFE.has_all(text)
}

#[cfg(test)]
mod tests;
