//! Policy entries of an account snapshot: the members of `policies` and a role's trust policy,
//! each a path relative to the account file, an inline document, or either as the `document`
//! of `{"document": ..., "origin": {...}}`. Owns reading the named files (in parallel, once per
//! path) and the entry's `origin`; resolving a name to its policy is [`super::resolve`]'s.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use super::{Loader, Result, TOO_LARGE_HELP};
use crate::decision::{NamedPolicy, Origin};
use crate::policy::json::{member, Member, Node, Value};
use crate::policy::{system, Policy, PolicyError, PolicyKind};
use crate::read::{read_file, ReadError};

impl Loader {
    /// Where a policy path of the account file points.
    fn policy_path(&self, path: &str) -> PathBuf {
        match &self.base {
            Some(base) => base.join(path),
            None => PathBuf::from(path),
        }
    }

    pub(super) fn custom_policies(&self, node: &Node) -> Result<Policies> {
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

    /// A role's trust policy (T1), read like a policy of `policies` but as a trust policy; a
    /// fault in it makes the account invalid. `None` after a fault recorded when checking.
    pub(super) fn trust_policy(&self, role: &str, node: &Node) -> Result<Option<NamedPolicy>> {
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
}

/// The custom policies of an account file, and what the resolver needs to know of those it
/// could not read.
#[derive(Default)]
pub(super) struct Policies {
    pub(super) named: HashMap<String, Arc<NamedPolicy>>,
    /// Defined with a fault (checking only).
    pub(super) broken: HashSet<String>,
    /// `policies` itself could not be read (checking only): no name is known to be undefined.
    pub(super) unread: bool,
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
