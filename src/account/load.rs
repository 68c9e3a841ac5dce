//! Reading an account snapshot file: strict, positioned, every reference resolved.
//!
//! One loader serves two callers. [`Account::load`] and its kin stop at the first fault, so
//! `check --account` names exactly one. The linter ([`Account::check_snapshot`]) runs the same
//! checks in the same order but records each fault and goes on where the rest of the file still
//! makes sense (a misspelt key, a dangling reference), so `lint` lists them all; a part it
//! cannot read (a section that is not an object) is one fault, and what depends on it (a
//! reference into it) is not reported again.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use super::principal::is_valid_name;
use super::{
    Account, Attachment, Claim, DirectoryLevel, Group, ResourceDirectory, ResourceGroup,
    ResourceGroups, Role, Scope, User,
};
use crate::decision::{NamedPolicy, Origin};
use crate::policy::json::{self, member, Member, Node, Value};
use crate::policy::{locate, system, Policy, PolicyError, PolicyKind, Position, Source, Span};
use crate::read::{read_file, ReadError, DEFAULT_MAX_FILE_SIZE};
use crate::suggest::did_you_mean;

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

        let mut groups = BTreeMap::new();
        // Whether the groups could be read: a reference into them is checked only then.
        let mut groups_read = true;
        if let Some(node) = get("groups") {
            let list = self.recover(self.object(node, "`groups`", None))?;
            groups_read = list.is_some();
            for g in list.unwrap_or_default() {
                // A group with a fault is still defined: its members are not faults too.
                self.recover(self.check_name(g, "group"))?;
                let what = format!("group `{}`", g.key);
                let attachments =
                    match self.recover(self.object(&g.value, &what, Some(&["policies"])))? {
                        Some(fields) => resolver.attachments(fields)?,
                        None => Vec::new(),
                    };
                groups.insert(g.key.clone(), Group { attachments });
            }
        }
        let mut users = BTreeMap::new();
        if let Some(node) = get("users") {
            for u in self
                .recover(self.object(node, "`users`", None))?
                .unwrap_or_default()
            {
                self.recover(self.check_name(u, "user"))?;
                let what = format!("user `{}`", u.key);
                let Some(fields) =
                    self.recover(self.object(&u.value, &what, Some(&["groups", "policies"])))?
                else {
                    continue;
                };
                let mut user_groups = Vec::new();
                if let Some(node) = member(fields, "groups") {
                    for g in self
                        .recover(self.array(node, "`groups`"))?
                        .unwrap_or_default()
                    {
                        let Some(name) = self.recover(self.string(g, "a group name"))? else {
                            continue;
                        };
                        if !groups.contains_key(name) {
                            if groups_read {
                                let suggestion =
                                    did_you_mean(name, groups.keys().map(String::as_str))
                                        .map(|s| format!("did you mean `{s}`?"));
                                self.fault(self.error(
                                    g.span,
                                    format!("{what} is in group `{name}`, which does not exist"),
                                    suggestion.or_else(|| Some("define it under `groups`".into())),
                                ))?;
                            }
                            continue;
                        }
                        user_groups.push(name.to_owned());
                    }
                }
                let attachments = resolver.attachments(fields)?;
                users.insert(
                    u.key.clone(),
                    User {
                        groups: user_groups,
                        attachments,
                    },
                );
            }
        }
        let mut roles = BTreeMap::new();
        if let Some(node) = get("roles") {
            for r in self
                .recover(self.object(node, "`roles`", None))?
                .unwrap_or_default()
            {
                self.recover(self.check_name(r, "role"))?;
                let what = format!("role `{}`", r.key);
                let Some(fields) = self.recover(self.object(
                    &r.value,
                    &what,
                    Some(&["policies", "service_linked", "service", "trust_policy"]),
                ))?
                else {
                    continue;
                };
                let service_linked = self
                    .recover(self.flag(fields, "service_linked"))?
                    .unwrap_or(false);
                let service = match member(fields, "service") {
                    Some(node) => self.recover(self.service(node, service_linked, fields))?,
                    None => None,
                };
                let trust = match member(fields, "trust_policy") {
                    Some(node) => self.trust_policy(&r.key, node)?.map(Arc::new),
                    None => None,
                };
                let attachments = resolver.attachments(fields)?;
                roles.insert(
                    r.key.clone(),
                    Role {
                        attachments,
                        service_linked: service_linked || service.is_some(),
                        service,
                        trust,
                    },
                );
            }
        }
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

    /// A role's `service` (`<service>.aliyuncs.com`), which makes it service-linked (T3).
    fn service(&self, node: &Node, service_linked: bool, fields: &[Member]) -> Result<String> {
        let service = self.string(node, "`service`")?;
        let valid = service.strip_suffix(".aliyuncs.com").is_some_and(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        });
        if !valid {
            return Err(self.error(
                node.span,
                format!("`service` must be a cloud service's name, found `{service}`"),
                Some("write the service that may assume the role, e.g. `ecs.aliyuncs.com`".into()),
            ));
        }
        if !service_linked && member(fields, "service_linked").is_some() {
            return Err(self.error(
                node.span,
                "a role with a `service` is service-linked, but `service_linked` is `false`".into(),
                Some("drop `service_linked`: `service` implies it".into()),
            ));
        }
        Ok(service.to_owned())
    }

    /// A role's trust policy (T1), read like a policy of `policies` but as a trust policy; a
    /// fault in it makes the account invalid. `None` after a fault recorded when checking.
    fn trust_policy(&self, role: &str, node: &Node) -> Result<Option<NamedPolicy>> {
        let file = match &node.value {
            Value::String(path) => {
                let full = self.policy_path(path);
                let read = read_policy_file(&full, self.max_file_size, PolicyKind::Trust);
                Some((read, full))
            }
            _ => None,
        };
        let document = Document {
            name: format!("role/{role} trust policy"),
            what: format!("the trust policy of role `{role}`"),
            kind: PolicyKind::Trust,
        };
        self.policy_entry(node, file.as_ref(), &document)
    }

    fn check_name(&self, member: &Member, kind: &str) -> Result<()> {
        if is_valid_name(&member.key) {
            return Ok(());
        }
        Err(self.error(
            member.key_span,
            format!("invalid {kind} name `{}`", member.key),
            Some(format!(
                "{kind} names are 1-64 characters of letters, digits and `._@-`"
            )),
        ))
    }

    /// Where a policy path of the account file points.
    fn policy_path(&self, path: &str) -> PathBuf {
        match &self.base {
            Some(base) => base.join(path),
            None => PathBuf::from(path),
        }
    }

    fn custom_policies(&self, node: &Node) -> Result<Policies> {
        let Some(members) = self.recover(self.object(node, "`policies`", None))? else {
            return Ok(Policies {
                unread: true,
                ..Policies::default()
            });
        };
        // Every named file is read and parsed up front, in parallel and once per path; the
        // checks below then run in document order, so the first fault reported is the same
        // as when each file was read where it is named.
        let mut paths = Vec::new();
        let mut index: HashMap<PathBuf, usize> = HashMap::new();
        let slots: Vec<Option<usize>> = members
            .iter()
            .map(|m| {
                let Value::String(path) = &entry_document(&m.value)?.value else {
                    return None;
                };
                let slot = index
                    .entry(self.policy_path(path))
                    .or_insert_with_key(|full| {
                        paths.push(full.clone());
                        paths.len() - 1
                    });
                Some(*slot)
            })
            .collect();
        let files: Vec<_> = read_policy_files(&paths, self.max_file_size)
            .into_iter()
            .zip(paths)
            .collect();
        let mut out = Policies {
            named: HashMap::with_capacity(members.len()),
            ..Policies::default()
        };
        for (m, slot) in members.iter().zip(slots) {
            let name = &m.key;
            let policy = self.custom_policy(m, slot.and_then(|i| files.get(i)))?;
            match policy {
                Some(policy) => {
                    out.named.insert(name.clone(), Arc::new(policy));
                }
                // Defined, but with a fault: an attachment of it is not a fault too.
                None => {
                    out.broken.insert(name.clone());
                }
            }
        }
        Ok(out)
    }

    /// One member of `policies`: the policy, or `None` after a fault recorded when checking.
    /// `file` is the file its path names, read.
    fn custom_policy(
        &self,
        m: &Member,
        file: Option<&(Result<Arc<Policy>, FileFault>, PathBuf)>,
    ) -> Result<Option<NamedPolicy>> {
        let name = &m.key;
        let valid = (1..=128).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid {
            return self.none_after(self.error(
                m.key_span,
                format!("invalid policy name `{name}`"),
                Some("policy names are 1-128 characters of letters, digits and `-` (G10)".into()),
            ));
        }
        if system::find(name).is_some() {
            return self.none_after(self.error(
                m.key_span,
                format!("the custom policy `{name}` has the name of a bundled system policy"),
                Some("rename it; system policies are used by name without defining them".into()),
            ));
        }
        let entry = Document {
            name: name.clone(),
            what: format!("policy `{name}`"),
            kind: PolicyKind::Identity,
        };
        self.policy_entry(&m.value, file, &entry)
    }

    /// One policy entry (a member of `policies`; a role's trust policy): a path relative to
    /// the account file, an inline document, or either as the `document` of
    /// `{"document": ..., "origin": {...}}`, which also says where a translated source (a
    /// Terraform plan, a ROS template) had it. `file` is the file a path names, when it was
    /// read ahead (`custom_policies` reads them in parallel); otherwise it is read here. The
    /// policy, or `None` after a fault recorded when checking.
    fn policy_entry(
        &self,
        node: &Node,
        file: Option<&(Result<Arc<Policy>, FileFault>, PathBuf)>,
        entry: &Document,
    ) -> Result<Option<NamedPolicy>> {
        let Document { name, what, kind } = entry;
        let (document, origin) = if is_wrapped(node) {
            let members = self.object(node, what, Some(&ENTRY_KEYS))?;
            let Some(document) = member(members, "document") else {
                return self.none_after(self.error(
                    node.span,
                    format!("{what} has an `origin` but no `document`"),
                    Some("give the document as `\"document\": <path or inline document>`".into()),
                ));
            };
            let origin = match member(members, "origin") {
                None => None,
                Some(node) => match self.recover(self.origin(node))? {
                    Some(origin) => Some(origin),
                    None => return Ok(None),
                },
            };
            (document, origin)
        } else {
            (node, None)
        };
        let read_here;
        let file = match (file, &document.value) {
            (Some(file), _) => Some(file),
            (None, Value::String(path)) => {
                let full = self.policy_path(path);
                read_here = (read_policy_file(&full, self.max_file_size, *kind), full);
                Some(&read_here)
            }
            (None, _) => None,
        };
        let policy = match (file, &document.value) {
            (Some((read, full)), _) => {
                let shown = full.display().to_string();
                match read {
                    Ok(policy) => NamedPolicy::new(name, Some(shown), policy.clone()),
                    Err(FileFault::Read(cause)) => {
                        let help = match cause {
                            ReadError::TooLarge { .. } => TOO_LARGE_HELP,
                            ReadError::NotRegular { .. } => {
                                "name a regular file holding the policy document"
                            }
                            _ => "paths are relative to the account file's folder",
                        };
                        return self.none_after(self.error(
                            document.span,
                            format!("cannot read {what}: {cause}"),
                            Some(help.into()),
                        ));
                    }
                    Err(FileFault::Policy(e)) => {
                        let e = e.clone().with_file(&shown);
                        if !self.is_checking() {
                            return Err(e.into());
                        }
                        // The linter reports it where the account names the file, which
                        // is the account's fault; the file's own place is in the message.
                        return self.none_after(self.error(
                            document.span,
                            format!("{what} is not a valid policy: {e}"),
                            Some(format!("`ramcheck lint {shown}` lists its faults")),
                        ));
                    }
                }
            }
            (None, Value::Object(_)) => {
                // Parse the inline document where it stands, so positions are the
                // account file's (`Source::with_origin`); only its own text is copied, so
                // loading stays linear in the file.
                let text = self
                    .source
                    .text()
                    .get(document.span.start..document.span.end)
                    .unwrap_or_default();
                let origin = self.source.position(document.span.start);
                let policy = match Policy::parse_at(text, *kind, origin) {
                    Ok(policy) => policy,
                    Err(e) => {
                        let e = match &self.file {
                            Some(f) => e.with_file(f),
                            None => e,
                        };
                        // The linter lints inline identity policies as documents of their own; a
                        // trust policy's fault is reported as the account's.
                        self.record(e.into(), *kind == PolicyKind::Identity)?;
                        return Ok(None);
                    }
                };
                NamedPolicy::new(name, self.file.clone(), Arc::new(policy))
            }
            (None, other) => {
                return self.none_after(self.error(
                    document.span,
                    format!(
                        "{what} must be a file path or an inline document, found {}",
                        other.type_name()
                    ),
                    None,
                ))
            }
        };
        Ok(Some(match origin {
            Some(origin) => policy.with_origin(origin),
            None => policy,
        }))
    }

    /// A policy entry's `origin`: `file`, `address`, `line`, `column`, each optional.
    fn origin(&self, node: &Node) -> Result<Origin> {
        let members = self.object(node, "`origin`", Some(&ORIGIN_KEYS))?;
        let mut origin = Origin::default();
        if let Some(n) = member(members, "file") {
            origin = origin.with_file(self.string(n, "`origin.file`")?);
        }
        if let Some(n) = member(members, "address") {
            origin = origin.with_address(self.string(n, "`origin.address`")?);
        }
        if let Some(n) = member(members, "line") {
            origin = origin.with_line(self.counting_number(n, "`origin.line`")?);
        }
        if let Some(n) = member(members, "column") {
            origin = origin.with_column(self.counting_number(n, "`origin.column`")?);
        }
        Ok(origin)
    }

    /// A whole number from 1, as a line or column is.
    fn counting_number(&self, node: &Node, what: &str) -> Result<usize> {
        let text = self
            .source
            .text()
            .get(node.span.start..node.span.end)
            .unwrap_or_default();
        match (&node.value, text.parse::<usize>()) {
            (Value::Number, Ok(n)) if n > 0 => Ok(n),
            (value, _) => Err(self.error(
                node.span,
                format!(
                    "{what} must be a whole number from 1, found {}",
                    match value {
                        Value::Number => format!("`{text}`"),
                        other => other.type_name().to_owned(),
                    }
                ),
                None,
            )),
        }
    }

    /// A fault after which there is no value: loading stops, checking goes on with `None`.
    fn none_after<T>(&self, error: AccountError) -> Result<Option<T>> {
        self.fault(error).map(|()| None)
    }

    fn resource_groups(&self, node: &Node) -> Result<Vec<ResourceGroup>> {
        let mut out = Vec::new();
        for m in self.object(node, "`resource_groups`", None)? {
            if m.key.is_empty() {
                self.fault(self.error(m.key_span, "empty resource group ID".into(), None))?;
            }
            let what = format!("resource group `{}`", m.key);
            let mut claims = Vec::new();
            for item in self
                .recover(self.array(&m.value, &what))?
                .unwrap_or_default()
            {
                let Some(pattern) = self.recover(self.string(item, "a resource ARN pattern"))?
                else {
                    continue;
                };
                if !pattern.starts_with("acs:") && pattern != "*" {
                    self.fault(self.error(
                        item.span,
                        format!("`{pattern}` is not a resource ARN or ARN pattern"),
                        Some("write `acs:<service>:<region>:<account-id>:<relative-id>`, wildcards allowed".into()),
                    ))?;
                    continue;
                }
                claims.push(Claim {
                    pattern: pattern.to_owned(),
                    span: item.span,
                    position: self.source.position(item.span.start),
                });
            }
            out.push(ResourceGroup {
                id: m.key.clone(),
                claims,
            });
        }
        Ok(out)
    }
}

/// The custom policies of an account file, and what the resolver needs to know of those it
/// could not read.
#[derive(Default)]
struct Policies {
    named: HashMap<String, Arc<NamedPolicy>>,
    /// Defined with a fault (checking only).
    broken: HashSet<String>,
    /// `policies` itself could not be read (checking only): no name is known to be undefined.
    unread: bool,
}

/// The keys of a policy entry given with its origin.
const ENTRY_KEYS: [&str; 2] = ["document", "origin"];

/// The keys of a policy entry's `origin`.
const ORIGIN_KEYS: [&str; 4] = ["file", "address", "line", "column"];

/// Whether a policy entry is `{"document": ..., "origin": ...}`: a policy document has neither
/// key (its own are `Version`, `Statement`), so either one tells the form.
fn is_wrapped(node: &Node) -> bool {
    match &node.value {
        Value::Object(members) => ENTRY_KEYS.iter().any(|k| member(members, k).is_some()),
        _ => false,
    }
}

/// The document of a policy entry: its `document` when it is given with its origin, else the
/// entry itself; `None` for an entry with an `origin` but no `document`.
fn entry_document(node: &Node) -> Option<&Node> {
    match &node.value {
        Value::Object(members) if is_wrapped(node) => member(members, "document"),
        _ => Some(node),
    }
}

/// A policy document the account file gives, and how errors name it.
struct Document {
    /// The name it is explained under.
    name: String,
    /// How a message names it: "policy `P`", "the trust policy of role `R`".
    what: String,
    kind: PolicyKind,
}

/// Why a named policy file did not give a policy; the account's error is made from it where
/// the file is named.
enum FileFault {
    /// The file could not be read.
    Read(ReadError),
    /// The document's first error, without the file name.
    Policy(PolicyError),
}

/// Below this many files per thread, starting threads costs more than it saves.
const FILES_PER_THREAD: usize = 8;

fn read_policy_file(path: &Path, limit: u64, kind: PolicyKind) -> Result<Arc<Policy>, FileFault> {
    let bytes = read_file(path, limit).map_err(FileFault::Read)?;
    Policy::from_bytes(&bytes, kind)
        .map(Arc::new)
        .map_err(FileFault::Policy)
}

/// Reads and parses the files on all cores; the results are in the order of `paths`.
fn read_policy_files(paths: &[PathBuf], limit: u64) -> Vec<Result<Arc<Policy>, FileFault>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(paths.len() / FILES_PER_THREAD);
    if threads <= 1 {
        return paths
            .iter()
            .map(|p| read_policy_file(p, limit, PolicyKind::Identity))
            .collect();
    }
    // Files are handed out one at a time, so that a slow file does not hold up a whole share;
    // each result goes straight into its own slot.
    let next = AtomicUsize::new(0);
    let slots: Vec<OnceLock<Result<Arc<Policy>, FileFault>>> =
        paths.iter().map(|_| OnceLock::new()).collect();
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let (Some(path), Some(slot)) = (paths.get(i), slots.get(i)) else {
            return;
        };
        let _ = slot.set(read_policy_file(path, limit, PolicyKind::Identity));
    };
    std::thread::scope(|scope| {
        // A thread that cannot be started leaves its share to the others.
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        work();
        for helper in helpers {
            // A helper that panicked left its file's slot empty: it is read again below.
            let _ = helper.join();
        }
    });
    slots
        .into_iter()
        .zip(paths)
        .map(|(slot, path)| {
            slot.into_inner()
                .unwrap_or_else(|| read_policy_file(path, limit, PolicyKind::Identity))
        })
        .collect()
}

/// Resolves policy names to policies, and checks resource group references.
struct Resolver<'a> {
    loader: &'a Loader,
    custom: &'a Policies,
    /// `None` when `resource_groups` could not be read (checking only).
    resource_groups: Option<&'a [ResourceGroup]>,
    /// Their IDs, so that an attachment finds its group without a walk through them all.
    resource_group_ids: HashSet<&'a str>,
    /// The bundled system policies named so far, each parsed once and shared like a custom
    /// policy (the compiled authorizer compiles a shared policy once).
    system: RefCell<HashMap<&'static str, Arc<NamedPolicy>>>,
}

impl Resolver<'_> {
    /// The policy a name in an attachment or a control policy list stands for; `None` (when
    /// checking) for a policy whose definition had a fault already recorded.
    fn policy(&self, node: &Node, control: bool) -> Result<Option<Arc<NamedPolicy>>> {
        let name = self.loader.string(node, "a policy name")?;
        if let Some(p) = self.custom.named.get(name) {
            return Ok(Some(p.clone()));
        }
        if self.custom.broken.contains(name) {
            return Ok(None);
        }
        if let Some(sys) = system::find(name) {
            let is_control = sys.kind == PolicyKind::Control;
            if is_control != control {
                let (it, here) = if is_control {
                    ("a control policy", "to a user, group or role")
                } else {
                    ("an identity policy", "as a control policy")
                };
                return Err(self.loader.error(
                    node.span,
                    format!("`{name}` is {it} and cannot be attached {here}"),
                    None,
                ));
            }
            if let Some(p) = self.system.borrow().get(sys.name) {
                return Ok(Some(p.clone()));
            }
            let policy = Arc::new(NamedPolicy::new(sys.name, None, Arc::new(sys.parse()?)));
            self.system.borrow_mut().insert(sys.name, policy.clone());
            return Ok(Some(policy));
        }
        if self.custom.unread {
            return Ok(None);
        }
        let candidates = self
            .custom
            .named
            .keys()
            .map(String::as_str)
            .chain(system::SYSTEM_POLICIES.iter().map(|p| p.name));
        let help = match did_you_mean(name, candidates) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "define it under `policies`, or use a bundled system policy".to_owned(),
        };
        Err(self.loader.error(
            node.span,
            format!("unknown policy `{name}`: not defined under `policies` and not a bundled system policy"),
            Some(help),
        ))
    }

    fn attachments(&self, fields: &[Member]) -> Result<Vec<Attachment>> {
        let Some(policies) = member(fields, "policies") else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let items = self
            .loader
            .recover(self.loader.array(policies, "`policies`"))?;
        for item in items.unwrap_or_default() {
            // An attachment with a fault is left out when checking; the next is checked.
            if let Some(Some(attachment)) = self.loader.recover(self.attachment(item))? {
                out.push(attachment);
            }
        }
        Ok(out)
    }

    /// One item of a `policies` list; `None` (when checking) for a policy whose definition
    /// had a fault.
    fn attachment(&self, item: &Node) -> Result<Option<Attachment>> {
        let (policy, scope) = match &item.value {
            Value::String(_) => (item, Scope::Account),
            Value::Object(_) => {
                let members = self.loader.object(item, "an attachment", Some(&["policy", "resource_group"]))?;
                let policy = member(members, "policy").ok_or_else(|| {
                    self.loader.error(item.span, "the attachment has no `policy`".into(), None)
                })?;
                let scope = match member(members, "resource_group") {
                    None => Scope::Account,
                    Some(g) => {
                        let id = self.loader.string(g, "`resource_group`")?;
                        if let Some(groups) = self.resource_groups {
                            if !self.resource_group_ids.contains(id) {
                                let suggestion = did_you_mean(id, groups.iter().map(|rg| rg.id.as_str()))
                                    .map(|s| format!("did you mean `{s}`?"));
                                return Err(self.loader.error(
                                    g.span,
                                    format!("resource group `{id}` does not exist"),
                                    suggestion.or_else(|| Some("define it under `resource_groups`".into())),
                                ));
                            }
                        }
                        Scope::ResourceGroup(id.to_owned())
                    }
                };
                (policy, scope)
            }
            other => {
                return Err(self.loader.error(
                    item.span,
                    format!("an attachment must be a policy name or {{\"policy\": ..., \"resource_group\": ...}}, found {}", other.type_name()),
                    None,
                ))
            }
        };
        Ok(self
            .policy(policy, false)?
            .map(|policy| Attachment { policy, scope }))
    }

    /// The resource directory; `account` is `None` when the account ID had a fault, and the
    /// last level is then not checked against it.
    fn directory(&self, node: &Node, account: Option<&str>) -> Result<ResourceDirectory> {
        let members = self.loader.object(
            node,
            "`resource_directory`",
            Some(&["management_account", "path"]),
        )?;
        let management_account = self
            .loader
            .recover(self.loader.flag(members, "management_account"))?
            .unwrap_or(false);
        let path_node = member(members, "path").ok_or_else(|| {
            self.loader.error(
                node.span,
                "`resource_directory` has no `path`".into(),
                Some("list the levels from the Root folder down to the account".into()),
            )
        })?;
        let items = self.loader.array(path_node, "`path`")?;
        let mut path = Vec::with_capacity(items.len());
        // Whether every level could be read: which one is last is known only then.
        let mut complete = true;
        for item in items {
            match self.loader.recover(self.level(item))? {
                Some(level) => path.push(level),
                None => complete = false,
            }
        }
        if let (true, Some(account)) = (complete, account) {
            if path.last().is_none_or(|last| last.name != account) {
                return Err(self.loader.error(
                    path_node.span,
                    format!(
                        "the last level of `path` must be the account itself, named `{account}`"
                    ),
                    Some("list the levels from the Root folder down to the account".into()),
                ));
            }
        }
        Ok(ResourceDirectory {
            management_account,
            path,
        })
    }

    fn level(&self, item: &Node) -> Result<DirectoryLevel> {
        let fields = self.loader.object(
            item,
            "a directory level",
            Some(&["name", "control_policies"]),
        )?;
        let name = member(fields, "name")
            .ok_or_else(|| {
                self.loader
                    .error(item.span, "the level has no `name`".into(), None)
            })
            .and_then(|node| self.loader.string(node, "`name`"))?;
        let policies = member(fields, "control_policies").ok_or_else(|| {
            self.loader.error(
                item.span,
                format!("level `{name}` has no `control_policies`"),
                Some("give the list of control policies attached there (possibly empty)".into()),
            )
        })?;
        let mut control_policies = Vec::new();
        for p in self.loader.array(policies, "`control_policies`")? {
            if let Some(Some(policy)) = self.loader.recover(self.policy(p, true))? {
                control_policies.push(policy);
            }
        }
        Ok(DirectoryLevel {
            name: name.to_owned(),
            control_policies,
        })
    }
}
