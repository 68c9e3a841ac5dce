//! Reading an account snapshot file: strict, positioned, every reference resolved.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use super::principal::is_valid_name;
use super::{Account, Attachment, DirectoryLevel, Group, ResourceDirectory, Role, Scope, User};
use crate::decision::NamedPolicy;
use crate::policy::json::{self, member, Member, Node, Value};
use crate::policy::{locate, system, Policy, PolicyError, PolicyKind, Position, Source};
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

    fn from_bytes(
        bytes: &[u8],
        base: Option<&Path>,
        file: Option<&str>,
        max_file_size: u64,
    ) -> Result<Account, AccountError> {
        let (text, root) = json::parse_bytes(bytes).map_err(|e| AccountError::Invalid {
            file: file.map(str::to_owned),
            position: locate(&String::from_utf8_lossy(bytes), e.offset, Position::START),
            message: e.message,
            help: e.help,
        })?;
        let loader = Loader {
            source: Source::new(text),
            file: file.map(str::to_owned),
            base: base.map(Path::to_path_buf),
            max_file_size,
        };
        loader.account(&root)
    }
}

struct Loader {
    source: Source,
    file: Option<String>,
    base: Option<PathBuf>,
    /// The limit on each policy file the account names.
    max_file_size: u64,
}

type Result<T, E = AccountError> = std::result::Result<T, E>;

impl Loader {
    #[cold]
    fn error(&self, offset: usize, message: String, help: Option<String>) -> AccountError {
        AccountError::Invalid {
            file: self.file.clone(),
            position: self.source.position(offset),
            message,
            help,
        }
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
                node.span.start,
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
                return Err(self.error(
                    m.key_span.start,
                    format!("duplicate key `{}` in {what}", m.key),
                    Some("keep one".into()),
                ));
            }
            if let Some(known) = known {
                if !known.contains(&m.key.as_str()) {
                    let help = match did_you_mean(&m.key, known.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("the keys allowed are {}", known.join(", ")),
                    };
                    return Err(self.error(
                        m.key_span.start,
                        format!("unknown key `{}` in {what}", m.key),
                        Some(help),
                    ));
                }
            }
        }
        Ok(members)
    }

    fn string<'a>(&self, node: &'a Node, what: &str) -> Result<&'a str> {
        match &node.value {
            Value::String(s) => Ok(s),
            other => Err(self.error(
                node.span.start,
                format!("{what} must be a string, found {}", other.type_name()),
                None,
            )),
        }
    }

    fn array<'a>(&self, node: &'a Node, what: &str) -> Result<&'a [Node]> {
        match &node.value {
            Value::Array(items) => Ok(items),
            other => Err(self.error(
                node.span.start,
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
                node.span.start,
                format!("`{key}` must be `true` or `false`"),
                None,
            )),
        }
    }

    fn account(&self, root: &Node) -> Result<Account> {
        let members = self.object(root, "the account file", Some(&TOP_KEYS))?;
        let get = |key: &str| member(members, key);
        let id_node = get("account_id").ok_or_else(|| {
            self.error(
                root.span.start,
                "the account file has no `account_id`".into(),
                Some("add `\"account_id\": \"<16-digit account ID>\"`".into()),
            )
        })?;
        let id = self.string(id_node, "`account_id`")?;
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.error(
                id_node.span.start,
                format!("`account_id` must be the numeric account ID, found \"{id}\""),
                Some(
                    "write the account ID as a string of digits, e.g. \"1234567890123456\"".into(),
                ),
            ));
        }

        let custom = match get("policies") {
            Some(node) => self.custom_policies(node)?,
            None => HashMap::new(),
        };
        let resource_groups = match get("resource_groups") {
            Some(node) => self.resource_groups(node)?,
            None => Vec::new(),
        };
        let resolver = Resolver {
            loader: self,
            custom: &custom,
            resource_groups: &resource_groups,
            resource_group_ids: resource_groups.iter().map(|(id, _)| id.as_str()).collect(),
            system: std::cell::RefCell::default(),
        };

        let mut groups = BTreeMap::new();
        if let Some(node) = get("groups") {
            for g in self.object(node, "`groups`", None)? {
                self.check_name(g, "group")?;
                let fields =
                    self.object(&g.value, &format!("group `{}`", g.key), Some(&["policies"]))?;
                let attachments = resolver.attachments(fields)?;
                groups.insert(g.key.clone(), Group { attachments });
            }
        }
        let mut users = BTreeMap::new();
        if let Some(node) = get("users") {
            for u in self.object(node, "`users`", None)? {
                self.check_name(u, "user")?;
                let what = format!("user `{}`", u.key);
                let fields = self.object(&u.value, &what, Some(&["groups", "policies"]))?;
                let mut user_groups = Vec::new();
                if let Some(node) = member(fields, "groups") {
                    for g in self.array(node, "`groups`")? {
                        let name = self.string(g, "a group name")?;
                        if !groups.contains_key(name) {
                            let suggestion = did_you_mean(name, groups.keys().map(String::as_str))
                                .map(|s| format!("did you mean `{s}`?"));
                            return Err(self.error(
                                g.span.start,
                                format!("{what} is in group `{name}`, which does not exist"),
                                suggestion.or_else(|| Some("define it under `groups`".into())),
                            ));
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
            for r in self.object(node, "`roles`", None)? {
                self.check_name(r, "role")?;
                let what = format!("role `{}`", r.key);
                let fields = self.object(&r.value, &what, Some(&["policies", "service_linked"]))?;
                let service_linked = self.flag(fields, "service_linked")?;
                let attachments = resolver.attachments(fields)?;
                roles.insert(
                    r.key.clone(),
                    Role {
                        attachments,
                        service_linked,
                    },
                );
            }
        }
        let resource_directory = match get("resource_directory") {
            Some(node) => Some(resolver.directory(node, id)?),
            None => None,
        };
        Ok(Account {
            id: id.to_owned(),
            users,
            groups,
            roles,
            resource_groups,
            resource_directory,
        })
    }

    fn check_name(&self, member: &Member, kind: &str) -> Result<()> {
        if is_valid_name(&member.key) {
            return Ok(());
        }
        Err(self.error(
            member.key_span.start,
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

    fn custom_policies(&self, node: &Node) -> Result<HashMap<String, Arc<NamedPolicy>>> {
        let members = self.object(node, "`policies`", None)?;
        // Every named file is read and parsed up front, in parallel and once per path; the
        // checks below then run in document order, so the first fault reported is the same
        // as when each file was read where it is named.
        let mut paths = Vec::new();
        let mut index: HashMap<PathBuf, usize> = HashMap::new();
        let slots: Vec<Option<usize>> = members
            .iter()
            .map(|m| {
                let Value::String(path) = &m.value.value else {
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
        let mut out = HashMap::with_capacity(members.len());
        for (m, slot) in members.iter().zip(slots) {
            let name = &m.key;
            let valid = (1..=128).contains(&name.len())
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !valid {
                return Err(self.error(
                    m.key_span.start,
                    format!("invalid policy name `{name}`"),
                    Some(
                        "policy names are 1-128 characters of letters, digits and `-` (G10)".into(),
                    ),
                ));
            }
            if system::find(name).is_some() {
                return Err(self.error(
                    m.key_span.start,
                    format!("the custom policy `{name}` has the name of a bundled system policy"),
                    Some(
                        "rename it; system policies are used by name without defining them".into(),
                    ),
                ));
            }
            // `read_policy_files` gives one result per path, so every member whose value is a
            // path finds its file here; the other arms are for the values that are not paths.
            let policy = match (slot.and_then(|i| files.get(i)), &m.value.value) {
                (Some((read, full)), _) => {
                    let shown = full.display().to_string();
                    match read {
                        Ok(policy) => NamedPolicy::new(name.clone(), Some(shown), policy.clone()),
                        Err(FileFault::Read(cause)) => {
                            let help = match cause {
                                ReadError::TooLarge { .. } => TOO_LARGE_HELP,
                                _ => "paths are relative to the account file's folder",
                            };
                            return Err(self.error(
                                m.value.span.start,
                                format!("cannot read policy `{name}`: {cause}"),
                                Some(help.into()),
                            ));
                        }
                        Err(FileFault::Policy(e)) => {
                            return Err(e.clone().with_file(&shown).into())
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
                        .get(m.value.span.start..m.value.span.end)
                        .unwrap_or_default();
                    let origin = self.source.position(m.value.span.start);
                    let policy =
                        Policy::parse_at(text, PolicyKind::Identity, origin).map_err(|e| {
                            match &self.file {
                                Some(f) => e.with_file(f),
                                None => e,
                            }
                        })?;
                    NamedPolicy::new(name.clone(), self.file.clone(), Arc::new(policy))
                }
                (None, other) => {
                    return Err(self.error(
                        m.value.span.start,
                        format!(
                            "policy `{name}` must be a file path or an inline document, found {}",
                            other.type_name()
                        ),
                        None,
                    ))
                }
            };
            out.insert(name.clone(), Arc::new(policy));
        }
        Ok(out)
    }

    fn resource_groups(&self, node: &Node) -> Result<Vec<(String, Vec<String>)>> {
        let mut out = Vec::new();
        for m in self.object(node, "`resource_groups`", None)? {
            if m.key.is_empty() {
                return Err(self.error(m.key_span.start, "empty resource group ID".into(), None));
            }
            let what = format!("resource group `{}`", m.key);
            let mut patterns = Vec::new();
            for item in self.array(&m.value, &what)? {
                let pattern = self.string(item, "a resource ARN pattern")?;
                if !pattern.starts_with("acs:") && pattern != "*" {
                    return Err(self.error(
                        item.span.start,
                        format!("`{pattern}` is not a resource ARN or ARN pattern"),
                        Some("write `acs:<service>:<region>:<account-id>:<relative-id>`, wildcards allowed".into()),
                    ));
                }
                patterns.push(pattern.to_owned());
            }
            out.push((m.key.clone(), patterns));
        }
        Ok(out)
    }
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

fn read_policy_file(path: &Path, limit: u64) -> Result<Arc<Policy>, FileFault> {
    let bytes = read_file(path, limit).map_err(FileFault::Read)?;
    Policy::from_bytes(&bytes, PolicyKind::Identity)
        .map(Arc::new)
        .map_err(FileFault::Policy)
}

/// Reads and parses the files on all cores; the results are in the order of `paths`.
fn read_policy_files(paths: &[PathBuf], limit: u64) -> Vec<Result<Arc<Policy>, FileFault>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(paths.len() / FILES_PER_THREAD);
    if threads <= 1 {
        return paths.iter().map(|p| read_policy_file(p, limit)).collect();
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
        let _ = slot.set(read_policy_file(path, limit));
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
                .unwrap_or_else(|| read_policy_file(path, limit))
        })
        .collect()
}

/// Resolves policy names to policies, and checks resource group references.
struct Resolver<'a> {
    loader: &'a Loader,
    custom: &'a HashMap<String, Arc<NamedPolicy>>,
    resource_groups: &'a [(String, Vec<String>)],
    /// Their IDs, so that an attachment finds its group without a walk through them all.
    resource_group_ids: HashSet<&'a str>,
    /// The bundled system policies named so far, each parsed once and shared like a custom
    /// policy (the compiled authorizer compiles a shared policy once).
    system: std::cell::RefCell<HashMap<&'static str, Arc<NamedPolicy>>>,
}

impl Resolver<'_> {
    fn policy(&self, node: &Node, control: bool) -> Result<Arc<NamedPolicy>> {
        let name = self.loader.string(node, "a policy name")?;
        if let Some(p) = self.custom.get(name) {
            return Ok(p.clone());
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
                    node.span.start,
                    format!("`{name}` is {it} and cannot be attached {here}"),
                    None,
                ));
            }
            if let Some(p) = self.system.borrow().get(sys.name) {
                return Ok(p.clone());
            }
            let policy = Arc::new(NamedPolicy::new(sys.name, None, Arc::new(sys.parse()?)));
            self.system.borrow_mut().insert(sys.name, policy.clone());
            return Ok(policy);
        }
        let candidates = self
            .custom
            .keys()
            .map(String::as_str)
            .chain(system::SYSTEM_POLICIES.iter().map(|p| p.name));
        let help = match did_you_mean(name, candidates) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "define it under `policies`, or use a bundled system policy".to_owned(),
        };
        Err(self.loader.error(
            node.span.start,
            format!("unknown policy `{name}`: not defined under `policies` and not a bundled system policy"),
            Some(help),
        ))
    }

    fn attachments(&self, fields: &[Member]) -> Result<Vec<Attachment>> {
        let Some(policies) = member(fields, "policies") else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for item in self.loader.array(policies, "`policies`")? {
            let attachment = match &item.value {
                Value::String(_) => Attachment {
                    policy: self.policy(item, false)?,
                    scope: Scope::Account,
                },
                Value::Object(_) => {
                    let members = self.loader.object(item, "an attachment", Some(&["policy", "resource_group"]))?;
                    let policy = member(members, "policy").ok_or_else(|| {
                        self.loader.error(item.span.start, "the attachment has no `policy`".into(), None)
                    })?;
                    let scope = match member(members, "resource_group") {
                        None => Scope::Account,
                        Some(g) => {
                            let id = self.loader.string(g, "`resource_group`")?;
                            if !self.resource_group_ids.contains(id) {
                                let suggestion = did_you_mean(id, self.resource_groups.iter().map(|(r, _)| r.as_str()))
                                    .map(|s| format!("did you mean `{s}`?"));
                                return Err(self.loader.error(
                                    g.span.start,
                                    format!("resource group `{id}` does not exist"),
                                    suggestion.or_else(|| Some("define it under `resource_groups`".into())),
                                ));
                            }
                            Scope::ResourceGroup(id.to_owned())
                        }
                    };
                    Attachment {
                        policy: self.policy(policy, false)?,
                        scope,
                    }
                }
                other => {
                    return Err(self.loader.error(
                        item.span.start,
                        format!("an attachment must be a policy name or {{\"policy\": ..., \"resource_group\": ...}}, found {}", other.type_name()),
                        None,
                    ))
                }
            };
            out.push(attachment);
        }
        Ok(out)
    }

    fn directory(&self, node: &Node, account: &str) -> Result<ResourceDirectory> {
        let members = self.loader.object(
            node,
            "`resource_directory`",
            Some(&["management_account", "path"]),
        )?;
        let management_account = self.loader.flag(members, "management_account")?;
        let path_node = member(members, "path").ok_or_else(|| {
            self.loader.error(
                node.span.start,
                "`resource_directory` has no `path`".into(),
                Some("list the levels from the Root folder down to the account".into()),
            )
        })?;
        let items = self.loader.array(path_node, "`path`")?;
        let mut path = Vec::with_capacity(items.len());
        for item in items {
            let fields = self.loader.object(
                item,
                "a directory level",
                Some(&["name", "control_policies"]),
            )?;
            let name = member(fields, "name")
                .ok_or_else(|| {
                    self.loader
                        .error(item.span.start, "the level has no `name`".into(), None)
                })
                .and_then(|node| self.loader.string(node, "`name`"))?;
            let policies = member(fields, "control_policies").ok_or_else(|| {
                self.loader.error(
                    item.span.start,
                    format!("level `{name}` has no `control_policies`"),
                    Some(
                        "give the list of control policies attached there (possibly empty)".into(),
                    ),
                )
            })?;
            let mut control_policies = Vec::new();
            for p in self.loader.array(policies, "`control_policies`")? {
                control_policies.push(self.policy(p, true)?);
            }
            path.push(DirectoryLevel {
                name: name.to_owned(),
                control_policies,
            });
        }
        match path.last() {
            Some(last) if last.name == account => {}
            _ => {
                return Err(self.loader.error(
                    path_node.span.start,
                    format!(
                        "the last level of `path` must be the account itself, named `{account}`"
                    ),
                    Some("list the levels from the Root folder down to the account".into()),
                ))
            }
        }
        Ok(ResourceDirectory {
            management_account,
            path,
        })
    }
}
