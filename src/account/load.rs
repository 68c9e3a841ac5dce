//! Reading an account snapshot file: strict, positioned, every reference resolved.
//!
//! One loader serves two callers. [`Account::load`] and its kin stop at the first fault, so
//! `check --account` names exactly one. The linter ([`Account::check_snapshot`]) runs the same
//! checks in the same order but records each fault and goes on where the rest of the file still
//! makes sense (a misspelt key, a dangling reference), so `lint` lists them all; a part it
//! cannot read (a section that is not an object) is one fault, and what depends on it (a
//! reference into it) is not reported again.

mod policies;
mod principals;
mod resolve;
mod resources;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Account, ResourceGroups};
use crate::policy::json::{self, member, Member, Node, Value};
use crate::policy::{locate, PolicyError, Position, Source, Span};
use crate::read::{read_file, ReadError, DEFAULT_MAX_FILE_SIZE};
use crate::suggest::did_you_mean;
use policies::Policies;
use resolve::Resolver;

/// Why an account file could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    /// The file is wrong at this place.
    #[error("{}{position}: {message}", file.as_deref().map(|f| format!("{f}:")).unwrap_or_default())]
    Invalid {
        /// The account file.
        file: Option<String>,
        /// Where.
        position: Position,
        /// The bytes at fault in the account file.
        span: Span,
        /// What is wrong.
        message: String,
        /// How to fix it.
        help: Option<String>,
    },
    /// A policy it names does not parse.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The account file could not be read: missing, too large, or not a regular file.
    #[error(transparent)]
    Read(#[from] ReadError),
}

impl AccountError {
    /// How to fix it, when there is a suggestion.
    pub fn help(&self) -> Option<&str> {
        match self {
            AccountError::Invalid { help, .. } => help.as_deref(),
            AccountError::Policy(e) => e.help(),
            AccountError::Read(ReadError::TooLarge { .. }) => Some(TOO_LARGE_HELP),
            AccountError::Read(_) => None,
        }
    }
}

const TOP_KEYS: [&str; 7] = [
    "account_id",
    "policies",
    "users",
    "groups",
    "roles",
    "resource_groups",
    "resource_directory",
];

/// How to get past a file over the limit.
const TOO_LARGE_HELP: &str = "raise the limit on one input file (`--max-file-size BYTES`)";

impl Account {
    /// Loads an account snapshot file; custom policy paths are relative to its folder. The
    /// file and every policy file it names may hold at most [`DEFAULT_MAX_FILE_SIZE`] bytes.
    pub fn load(path: impl AsRef<Path>) -> Result<Account, AccountError> {
        Account::load_limited(path, DEFAULT_MAX_FILE_SIZE)
    }

    /// [`Account::load`] with another limit on the size of the file and of each policy file
    /// it names.
    ///
    /// ```
    /// use ramcheck::account::{Account, AccountError};
    ///
    /// let err = Account::load_limited("policies/example-account.json", 100).unwrap_err();
    /// assert!(matches!(err, AccountError::Read(_)));
    /// assert!(err.to_string().contains("larger than the limit of 100 bytes"));
    /// ```
    pub fn load_limited(
        path: impl AsRef<Path>,
        max_file_size: u64,
    ) -> Result<Account, AccountError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let bytes = read_file(path, max_file_size)?;
        let base = path.parent().map(Path::to_path_buf);
        Account::from_bytes(&bytes, base.as_deref(), Some(&shown), max_file_size)
    }

    /// Reads an account snapshot from text. `base` is the folder that relative policy paths
    /// start from (`None`: the current directory); `file` names the text in errors.
    pub fn from_json(
        text: &str,
        base: Option<&Path>,
        file: Option<&str>,
    ) -> Result<Account, AccountError> {
        Account::from_bytes(text.as_bytes(), base, file, DEFAULT_MAX_FILE_SIZE)
    }

    pub(crate) fn from_bytes(
        bytes: &[u8],
        base: Option<&Path>,
        file: Option<&str>,
        max_file_size: u64,
    ) -> Result<Account, AccountError> {
        let (text, root) = parse(bytes, file)?;
        let loader = Loader {
            source: Source::new(text),
            file: file.map(str::to_owned),
            base: base.map(Path::to_path_buf),
            max_file_size,
            faults: None,
        };
        loader.account(&root)
    }

    /// Every fault of an account snapshot that [`Account::load`] would stop at, for the
    /// linter, with the account as far as it could be read (`None` when not even its top level
    /// could). The faults are in the order the loader meets them; `base` and `max_file_size`
    /// are as for [`Account::load_limited`].
    pub(crate) fn check_snapshot(
        bytes: &[u8],
        base: Option<&Path>,
        file: Option<&str>,
        max_file_size: u64,
    ) -> (Vec<AccountFault>, Option<Account>) {
        let (text, root) = match parse(bytes, file) {
            Ok(parsed) => parsed,
            Err(error) => {
                let fault = AccountFault {
                    error,
                    inline_policy: false,
                };
                return (vec![fault], None);
            }
        };
        let loader = Loader {
            source: Source::new(text),
            file: file.map(str::to_owned),
            base: base.map(Path::to_path_buf),
            max_file_size,
            faults: Some(RefCell::default()),
        };
        let account = match loader.account(&root) {
            Ok(account) => Some(account),
            Err(error) => {
                // Only a fault nothing can be read past ends the check early.
                let _ = loader.fault(error);
                None
            }
        };
        let faults = loader.faults.map(RefCell::into_inner).unwrap_or_default();
        (faults, account)
    }
}

/// The account file's JSON, or its fault.
fn parse<'b>(bytes: &'b [u8], file: Option<&str>) -> Result<(&'b str, Node)> {
    json::parse_bytes_any_size(bytes).map_err(|e| AccountError::Invalid {
        file: file.map(str::to_owned),
        position: locate(&String::from_utf8_lossy(bytes), e.offset, Position::START),
        span: Span::new(e.offset, e.offset),
        message: e.message,
        help: e.help,
    })
}

/// One fault of an account snapshot, as [`Account::check_snapshot`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccountFault {
    /// What is wrong. Always [`AccountError::Invalid`], positioned in the account file, but for
    /// an inline policy that does not parse (then [`AccountError::Policy`]).
    pub(crate) error: AccountError,
    /// Whether it is an inline policy's parse error: the linter lints those documents with
    /// every rule itself.
    pub(crate) inline_policy: bool,
}

struct Loader {
    source: Source,
    file: Option<String>,
    base: Option<PathBuf>,
    /// The limit on each policy file the account names.
    max_file_size: u64,
    /// `Some` when checking for the linter: the faults met so far, the loader going on past
    /// each. `None` when loading: the first fault is the error.
    faults: Option<RefCell<Vec<AccountFault>>>,
}

type Result<T, E = AccountError> = std::result::Result<T, E>;

impl Loader {
    #[cold]
    fn error(&self, span: Span, message: String, help: Option<String>) -> AccountError {
        AccountError::Invalid {
            file: self.file.clone(),
            position: self.source.position(span.start),
            span,
            message,
            help,
        }
    }

    /// A fault: loading stops at it (`Err`); checking records it and goes on (`Ok`).
    fn fault(&self, error: AccountError) -> Result<()> {
        self.record(error, false)
    }

    fn record(&self, error: AccountError, inline_policy: bool) -> Result<()> {
        match &self.faults {
            Some(faults) => {
                faults.borrow_mut().push(AccountFault {
                    error,
                    inline_policy,
                });
                Ok(())
            }
            None => Err(error),
        }
    }

    /// `result`'s value; its error stops loading, and is recorded when checking (`None`).
    fn recover<T>(&self, result: Result<T>) -> Result<Option<T>> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(error) => self.fault(error).map(|()| None),
        }
    }

    fn is_checking(&self) -> bool {
        self.faults.is_some()
    }

    /// The members of an object, rejecting repeated keys and keys not in `known`.
    fn object<'a>(
        &self,
        node: &'a Node,
        what: &str,
        known: Option<&[&str]>,
    ) -> Result<&'a [Member]> {
        let Value::Object(members) = &node.value else {
            return Err(self.error(
                node.span,
                format!("{what} must be an object, found {}", node.value.type_name()),
                None,
            ));
        };
        // Large objects (users, policies) test repeats with a set instead of the earlier keys.
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let large = members.len() > 16;
        for (i, m) in members.iter().enumerate() {
            let repeated = if large {
                !seen.insert(m.key.as_str())
            } else {
                members.iter().take(i).any(|o| o.key == m.key)
            };
            if repeated {
                self.fault(self.error(
                    m.key_span,
                    format!("duplicate key `{}` in {what}", m.key),
                    Some("keep one".into()),
                ))?;
                continue;
            }
            if let Some(known) = known {
                if !known.contains(&m.key.as_str()) {
                    let help = match did_you_mean(&m.key, known.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("the keys allowed are {}", known.join(", ")),
                    };
                    // Checking goes on: the member is passed over, as if absent.
                    self.fault(self.error(
                        m.key_span,
                        format!("unknown key `{}` in {what}", m.key),
                        Some(help),
                    ))?;
                }
            }
        }
        Ok(members)
    }

    fn string<'a>(&self, node: &'a Node, what: &str) -> Result<&'a str> {
        match &node.value {
            Value::String(s) => Ok(s),
            other => Err(self.error(
                node.span,
                format!("{what} must be a string, found {}", other.type_name()),
                None,
            )),
        }
    }

    fn array<'a>(&self, node: &'a Node, what: &str) -> Result<&'a [Node]> {
        match &node.value {
            Value::Array(items) => Ok(items),
            other => Err(self.error(
                node.span,
                format!("{what} must be an array, found {}", other.type_name()),
                None,
            )),
        }
    }

    /// A member that is `true` or `false`, `false` when absent.
    fn flag(&self, members: &[Member], key: &str) -> Result<bool> {
        match member(members, key) {
            None => Ok(false),
            Some(Node {
                value: Value::Bool(b),
                ..
            }) => Ok(*b),
            Some(node) => Err(self.error(
                node.span,
                format!("`{key}` must be `true` or `false`"),
                None,
            )),
        }
    }

    fn account(&self, root: &Node) -> Result<Account> {
        let members = self.object(root, "the account file", Some(&TOP_KEYS))?;
        let get = |key: &str| member(members, key);
        let id = match get("account_id") {
            None => {
                self.fault(self.error(
                    root.span,
                    "the account file has no `account_id`".into(),
                    Some("add `\"account_id\": \"<16-digit account ID>\"`".into()),
                ))?;
                None
            }
            Some(id_node) => match self.recover(self.string(id_node, "`account_id`"))? {
                Some(id) if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) => {
                    self.fault(self.error(
                        id_node.span,
                        format!("`account_id` must be the numeric account ID, found \"{id}\""),
                        Some(
                            "write the account ID as a string of digits, e.g. \"1234567890123456\""
                                .into(),
                        ),
                    ))?;
                    None
                }
                id => id,
            },
        };

        let custom = match get("policies") {
            Some(node) => self.custom_policies(node)?,
            None => Policies::default(),
        };
        let resource_groups = match get("resource_groups") {
            Some(node) => self.recover(self.resource_groups(node))?,
            None => Some(Vec::new()),
        };
        let resolver = Resolver {
            loader: self,
            custom: &custom,
            resource_groups: resource_groups.as_deref(),
            resource_group_ids: resource_groups
                .iter()
                .flatten()
                .map(|g| g.id.as_str())
                .collect(),
            system: RefCell::default(),
        };

        let (groups, groups_read) = match get("groups") {
            Some(node) => self.groups(node, &resolver)?,
            None => (BTreeMap::new(), true),
        };
        let users = match get("users") {
            Some(node) => self.users(node, &resolver, &groups, groups_read)?,
            None => BTreeMap::new(),
        };
        let roles = match get("roles") {
            Some(node) => self.roles(node, &resolver)?,
            None => BTreeMap::new(),
        };
        let resource_directory = match get("resource_directory") {
            Some(node) => self.recover(resolver.directory(node, id))?,
            None => None,
        };
        Ok(Account {
            id: id.unwrap_or_default().to_owned(),
            users,
            groups,
            roles,
            resource_groups: ResourceGroups {
                groups: resource_groups.unwrap_or_default(),
                file: self.file.clone(),
            },
            resource_directory,
        })
    }

    /// A fault after which there is no value: loading stops, checking goes on with `None`.
    fn none_after<T>(&self, error: AccountError) -> Result<Option<T>> {
        self.fault(error).map(|()| None)
    }
}
