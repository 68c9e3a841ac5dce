//! Everything a decision of `ramcheck serve` reads, loaded together and swapped in whole.
//!
//! A [`Snapshot`] holds the compiled accounts (one [`Authorizer`] per account ID), the
//! [`Credentials`] and the [`Executions`], all read from the files of one [`Inputs`]. A
//! [`SnapshotHandle`] publishes it: a call takes the current snapshot once and decides with
//! it, so no call ever sees the credentials of one load and the accounts of another. Loading
//! again (`crate::serve::reload`) builds a new snapshot beside the old one and swaps it in
//! only when every input loaded.

mod strict;
#[cfg(test)]
mod tests;

pub(crate) use strict::Doc;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwapOption;

use super::credentials::Credentials;
use super::executions::Executions;
use crate::authorizer::{self, Authorizer};
use crate::policy::{PolicyError, Position};
use crate::read::ReadError;
use crate::source::{Input, SourceOptions};

/// Why the inputs of `ramcheck serve` could not be loaded: what is wrong, in which file, at
/// which line and column, and (through [`help`](ServeLoadError::help)) how to fix it.
///
/// The account errors are those of `check --account`; the credentials and executions files
/// are read as strictly, with the same kind of message.
///
/// ```
/// use ramcheck::policy::Position;
/// use ramcheck::serve::snapshot::ServeLoadError;
///
/// let e = ServeLoadError::Invalid {
///     file: "credentials.json".into(),
///     position: Position::new(3, 7),
///     message: "unknown key `secrett` in an access key".into(),
///     help: Some("did you mean `secret`?".into()),
/// };
/// assert_eq!(e.to_string(), "credentials.json:3:7: unknown key `secrett` in an access key");
/// assert_eq!(e.help(), Some("did you mean `secret`?"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServeLoadError {
    /// A credentials or executions file is wrong at this place.
    #[error("{file}:{position}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// Where in it.
        position: Position,
        /// What is wrong.
        message: String,
        /// How to fix it.
        help: Option<String>,
    },
    /// An account (or a policy file it names) could not be loaded or compiled.
    #[error(transparent)]
    Account(#[from] authorizer::LoadError),
    /// A session policy file named by the credentials file is not a valid policy.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A file could not be read: missing, too large, or not a regular file.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The inputs do not fit together (two account files of one account, say); no one file
    /// is at fault.
    #[error("{message}")]
    Inputs {
        /// What is wrong.
        message: String,
        /// How to fix it.
        help: Option<String>,
    },
}

impl ServeLoadError {
    /// How to fix it, when there is a suggestion.
    ///
    /// ```
    /// use ramcheck::serve::snapshot::ServeLoadError;
    ///
    /// let e = ServeLoadError::Inputs { message: "no account".into(), help: Some("give `--account FILE`".into()) };
    /// assert_eq!(e.help(), Some("give `--account FILE`"));
    /// ```
    pub fn help(&self) -> Option<&str> {
        match self {
            ServeLoadError::Invalid { help, .. } | ServeLoadError::Inputs { help, .. } => {
                help.as_deref()
            }
            ServeLoadError::Account(authorizer::LoadError::Account(e)) => e.help(),
            ServeLoadError::Account(authorizer::LoadError::Source(e)) => e.help.as_deref(),
            ServeLoadError::Account(_) => None,
            ServeLoadError::Policy(e) => e.help(),
            ServeLoadError::Read(ReadError::TooLarge { .. }) => {
                Some("raise the limit on one input file (`--max-file-size BYTES`)")
            }
            ServeLoadError::Read(_) => None,
        }
    }
}

/// The files `ramcheck serve` reads, and how.
///
/// ```
/// use ramcheck::serve::snapshot::Inputs;
/// use ramcheck::source::SourceOptions;
///
/// let inputs = Inputs {
///     accounts: vec!["policies/example-account.json".into()],
///     source: SourceOptions::default(),
///     credentials: "tests/fixtures/serve/credentials.json".into(),
///     executions: "tests/fixtures/serve/executions.json".into(),
///     max_file_size: 0,
/// };
/// assert_eq!(inputs.limit(), ramcheck::read::DEFAULT_MAX_FILE_SIZE);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    /// The account files (`--account`, repeatable): snapshots, Terraform plans or states,
    /// ROS templates.
    pub accounts: Vec<PathBuf>,
    /// How to read them (`--account-id`, `--plan-side`, `--parameter`).
    pub source: SourceOptions,
    /// The credentials file (`--credentials`).
    pub credentials: PathBuf,
    /// The executions file (`--executions`).
    pub executions: PathBuf,
    /// The largest file read, in bytes (0: [`crate::read::DEFAULT_MAX_FILE_SIZE`]); applies
    /// to every file, policy files included.
    pub max_file_size: u64,
}

impl Inputs {
    /// The largest file read, in bytes.
    pub fn limit(&self) -> u64 {
        match self.max_file_size {
            0 => self.source_options().limit(),
            n => n,
        }
    }

    /// The source options with this limit.
    fn source_options(&self) -> SourceOptions {
        let mut options = self.source.clone();
        if self.max_file_size != 0 {
            options.max_file_size = self.max_file_size;
        }
        options
    }
}

/// Everything one decision reads, loaded together: immutable, shared in an `Arc` through a
/// [`SnapshotHandle`].
///
/// ```
/// use ramcheck::serve::snapshot::{Inputs, Snapshot};
///
/// let inputs = Inputs {
///     accounts: vec!["policies/example-account.json".into()],
///     credentials: "tests/fixtures/serve/credentials.json".into(),
///     executions: "tests/fixtures/serve/executions.json".into(),
///     ..Inputs::default()
/// };
/// let (snapshot, _warnings) = Snapshot::load(&inputs, 1)?;
/// assert_eq!(snapshot.generation, 1);
/// assert!(snapshot.authorizer("1234567890123456").is_some());
/// assert!(snapshot.files().contains(&inputs.credentials));
/// # Ok::<(), ramcheck::serve::snapshot::ServeLoadError>(())
/// ```
#[derive(Debug)]
pub struct Snapshot {
    /// Which load this is: 1 for the first, one more for each successful reload.
    pub generation: u64,
    /// The access keys and who they stand for.
    pub credentials: Credentials,
    /// The executions the gateway's resolver knows.
    pub executions: Executions,
    authorizers: HashMap<String, Authorizer>,
    files: Vec<PathBuf>,
}

impl Snapshot {
    /// Loads every input; returns the snapshot and the warnings to print (a credentials file
    /// others may read, a principal the account does not have).
    ///
    /// # Errors
    ///
    /// The first input that cannot be loaded, with its file, line, column and help.
    pub fn load(
        inputs: &Inputs,
        generation: u64,
    ) -> Result<(Snapshot, Vec<String>), ServeLoadError> {
        let options = inputs.source_options();
        let mut authorizers: HashMap<String, Authorizer> = HashMap::new();
        let mut shown: HashMap<String, String> = HashMap::new();
        let mut files = BTreeSet::new();
        if inputs.accounts.is_empty() {
            return Err(ServeLoadError::Inputs {
                message: "no account file given".into(),
                help: Some("give one with `--account FILE` (repeatable)".into()),
            });
        }
        for path in &inputs.accounts {
            let input = Input::read(path, &options).map_err(authorizer::LoadError::from)?;
            let account = input
                .account(&options)
                .map_err(authorizer::LoadError::from)?;
            files.insert(path.clone());
            files.extend(input.policy_files());
            let compiled = Authorizer::compile(&account).map_err(authorizer::LoadError::from)?;
            let id = compiled.account_id().to_owned();
            let name = path.display().to_string();
            if let Some(first) = shown.get(&id) {
                return Err(ServeLoadError::Inputs {
                    message: format!(
                        "`{first}` and `{name}` are both account `{id}`; one account file per account"
                    ),
                    help: Some("give each account once with `--account`".into()),
                });
            }
            shown.insert(id.clone(), name);
            authorizers.insert(id, compiled);
        }
        let accounts: Vec<&Authorizer> = authorizers.values().collect();
        let (credentials, warnings) =
            Credentials::load_checked(&inputs.credentials, &accounts, inputs.limit())?;
        let executions = Executions::load_limited(&inputs.executions, inputs.limit())?
            .for_generation(generation);
        files.insert(inputs.credentials.clone());
        files.extend(credentials.files());
        files.insert(inputs.executions.clone());
        Ok((
            Snapshot {
                generation,
                credentials,
                executions,
                authorizers,
                files: files.into_iter().collect(),
            },
            warnings,
        ))
    }

    /// The compiled account with this ID.
    pub fn authorizer(&self, account_id: &str) -> Option<&Authorizer> {
        self.authorizers.get(account_id)
    }

    /// The IDs of the loaded accounts, sorted.
    pub fn account_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.authorizers.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }

    /// Every file read: the account files, the policy files they name, the credentials file,
    /// the session policy files it names and the executions file; sorted, each once.
    pub fn files(&self) -> Vec<PathBuf> {
        self.files.clone()
    }
}

/// The snapshot in force, swapped whole: readers never wait for a reload, and never see
/// half of one.
///
/// ```
/// use ramcheck::serve::snapshot::{Inputs, Snapshot, SnapshotHandle};
///
/// let handle = SnapshotHandle::empty();
/// assert!(handle.current().is_none());
/// let inputs = Inputs {
///     accounts: vec!["policies/example-account.json".into()],
///     credentials: "tests/fixtures/serve/credentials.json".into(),
///     executions: "tests/fixtures/serve/executions.json".into(),
///     ..Inputs::default()
/// };
/// handle.publish(Snapshot::load(&inputs, 1)?.0);
/// assert_eq!(handle.current().map(|s| s.generation), Some(1));
/// # Ok::<(), ramcheck::serve::snapshot::ServeLoadError>(())
/// ```
#[derive(Debug, Default)]
pub struct SnapshotHandle {
    current: ArcSwapOption<Snapshot>,
}

impl SnapshotHandle {
    /// A handle with no snapshot yet: signed calls get 503 until one is published.
    pub fn empty() -> SnapshotHandle {
        SnapshotHandle::default()
    }

    /// The snapshot in force, if one was published. Take it once per call.
    pub fn current(&self) -> Option<Arc<Snapshot>> {
        self.current.load_full()
    }

    /// Puts `snapshot` in force; calls that hold the old one finish with it.
    pub fn publish(&self, snapshot: Snapshot) {
        self.current.store(Some(Arc::new(snapshot)));
    }

    /// The generation in force, 0 before the first.
    pub fn generation(&self) -> u64 {
        self.current.load().as_ref().map_or(0, |s| s.generation)
    }
}

/// `path` as errors and logs name it.
pub(crate) fn shown(path: &Path) -> String {
    path.display().to_string()
}
