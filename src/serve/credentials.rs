//! The credentials file of `ramcheck serve`: which access keys the gateway accepts, their
//! secrets, and the principal each stands for.
//!
//! ```json
//! {"access_keys": [
//!   {"id": "LTAI-ci", "secret_env": "CI_SECRET", "principal": "user/ci"},
//!   {"id": "STS.deployer", "secret": "...", "security_token": "...",
//!    "principal": "assumed-role/deployer/ci-42", "session_policy": "session.json"}
//! ]}
//! ```
//!
//! Read as strictly as every input of ramcheck: an unknown or repeated key, a value of the
//! wrong type, a principal that is not one, an access key given twice, is an error with its
//! line and column. A principal is kept as its full ARN (`acs:ram::ACCOUNT:user/ci`), which
//! the authorizer of its account resolves. A secret is never shown: not in `Debug`, not in an
//! error, not in a log.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::snapshot::{shown, Doc, ServeLoadError};
use crate::account::principal::NameBytes;
use crate::account::Principal;
use crate::authorizer::{Authorizer, ResolveError, SessionPolicy};
use crate::decision::NamedPolicy;
use crate::policy::json::{member, Node, Value};
use crate::policy::{Policy, PolicyKind};
use crate::read::{read_file, DEFAULT_MAX_FILE_SIZE};
use crate::signature::{AccessKey, AccessKeys};

type Result<T, E = ServeLoadError> = std::result::Result<T, E>;

const TOP_KEYS: [&str; 1] = ["access_keys"];
const KEY_KEYS: [&str; 6] = [
    "id",
    "secret",
    "secret_env",
    "principal",
    "security_token",
    "session_policy",
];

/// The access keys the gateway accepts, by id (see the [module](self) docs).
///
/// ```
/// use ramcheck::serve::credentials::Credentials;
/// use ramcheck::signature::AccessKeys;
///
/// let (credentials, _warnings) =
///     Credentials::load("tests/fixtures/serve/credentials.json".as_ref(), &["1234567890123456"])?;
/// let ci = credentials.get("LTAI5tCiRunner").expect("in the fixture");
/// assert_eq!(ci.principal, "acs:ram::1234567890123456:user/alice");
/// assert!(credentials.access_key("LTAI5tCiRunner").is_some());
/// assert!(!format!("{ci:?}").contains("secret-of-alice"));
/// # Ok::<(), ramcheck::serve::snapshot::ServeLoadError>(())
/// ```
#[derive(Debug, Default)]
pub struct Credentials {
    keys: HashMap<String, Credential>,
    files: Vec<PathBuf>,
}

/// One access key: who it stands for, and for an STS credential its token and session
/// policy. Its `Debug` shows neither the secret nor the token.
///
/// ```
/// # use ramcheck::serve::credentials::Credentials;
/// # let (credentials, _) = Credentials::load("tests/fixtures/serve/credentials.json".as_ref(), &["1234567890123456"])?;
/// let sts = credentials.get("STS.deployer").expect("in the fixture");
/// assert_eq!(sts.principal, "acs:ram::1234567890123456:assumed-role/deployer/ci-42");
/// assert!(sts.security_token.is_some() && sts.session_policy.is_some());
/// assert!(!format!("{sts:?}").contains(sts.security_token.as_deref().unwrap_or("?")));
/// # Ok::<(), ramcheck::serve::snapshot::ServeLoadError>(())
/// ```
#[non_exhaustive]
pub struct Credential {
    /// The AccessKey id.
    pub access_key_id: String,
    /// The principal it stands for, as its full ARN.
    pub principal: String,
    /// The principal's account.
    pub account_id: String,
    /// For an STS credential, the token its requests carry.
    pub security_token: Option<String>,
    /// For an STS credential of a role session, its session policy (E4).
    pub session_policy: Option<Arc<SessionPolicy>>,
    secret: Secret,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("access_key_id", &self.access_key_id)
            .field("principal", &self.principal)
            .field("account_id", &self.account_id)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "session_policy",
                &self.session_policy.as_ref().map(|p| p.policy().name()),
            )
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// A secret's bytes, overwritten when dropped so that a reload leaves no copy behind in
/// freed memory.
struct Secret(Box<[u8]>);

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.fill(0);
        // Keeps the compiler from removing stores to memory about to be freed.
        std::hint::black_box(&self.0);
    }
}

impl Credentials {
    /// Reads a credentials file whose principals belong to the accounts `accounts` (their
    /// IDs). A principal in a short form (`user/ci`) needs exactly one account.
    ///
    /// # Errors
    ///
    /// A [`ServeLoadError`] at the first fault, with its line and column; see the
    /// [module](self) docs.
    pub fn load(path: &Path, accounts: &[&str]) -> Result<(Credentials, Vec<String>)> {
        Loader::new(path, accounts, &[], DEFAULT_MAX_FILE_SIZE)?.run()
    }

    /// [`Credentials::load`] against compiled accounts, with a limit on the size of each file
    /// it reads: a principal the account does not have is a warning (RAM would deny its
    /// calls: an access key of a deleted user), as is a file with secrets that its group or
    /// others may read.
    ///
    /// # Errors
    ///
    /// As [`Credentials::load`].
    ///
    /// ```
    /// use ramcheck::authorizer::Authorizer;
    /// use ramcheck::serve::credentials::Credentials;
    ///
    /// let account = Authorizer::load("policies/example-account.json")?;
    /// let (credentials, _warnings) = Credentials::load_checked(
    ///     "tests/fixtures/serve/credentials.json".as_ref(), &[&account], 1 << 20)?;
    /// assert!(credentials.get("LTAI5tCiRunner").is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load_checked(
        path: &Path,
        accounts: &[&Authorizer],
        max_file_size: u64,
    ) -> Result<(Credentials, Vec<String>)> {
        let ids: Vec<&str> = accounts.iter().map(|a| a.account_id()).collect();
        Loader::new(path, &ids, accounts, max_file_size)?.run()
    }

    /// The credential with this access key id.
    pub fn get(&self, access_key_id: &str) -> Option<&Credential> {
        self.keys.get(access_key_id)
    }

    /// How many access keys there are.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The session policy files it read, for the watcher of the inputs.
    pub fn files(&self) -> Vec<PathBuf> {
        self.files.clone()
    }
}

impl AccessKeys for Credentials {
    fn access_key(&self, access_key_id: &str) -> Option<AccessKey<'_>> {
        self.keys.get(access_key_id).map(|c| AccessKey {
            secret: &c.secret.0,
            security_token: c.security_token.as_deref(),
        })
    }
}

/// Reading one credentials file.
struct Loader<'a> {
    path: &'a Path,
    base: PathBuf,
    bytes: Vec<u8>,
    accounts: &'a [&'a str],
    authorizers: &'a [&'a Authorizer],
    limit: u64,
}

impl<'a> Loader<'a> {
    fn new(
        path: &'a Path,
        accounts: &'a [&'a str],
        authorizers: &'a [&'a Authorizer],
        limit: u64,
    ) -> Result<Loader<'a>> {
        let bytes = read_file(path, limit)?;
        Ok(Loader {
            path,
            base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            bytes,
            accounts,
            authorizers,
            limit,
        })
    }

    fn run(self) -> Result<(Credentials, Vec<String>)> {
        let (doc, root) = Doc::parse(&self.bytes, &shown(self.path))?;
        let top = doc.object(&root, "the credentials file", Some(&TOP_KEYS))?;
        let list = doc.required(
            top,
            root.span,
            "access_keys",
            "the credentials file",
            "add `\"access_keys\": [{\"id\": ..., \"secret_env\": ..., \"principal\": ...}]`",
        )?;
        let items = doc.array(list, "`access_keys`")?;
        let mut out = Credentials::default();
        let mut warnings = Vec::new();
        let mut first_seen: HashMap<String, usize> = HashMap::new();
        let mut literal_secrets = false;
        for item in items {
            let (credential, literal) =
                self.credential(&doc, item, &mut out.files, &mut warnings)?;
            literal_secrets |= literal;
            if let Some(first) = first_seen.get(&credential.access_key_id) {
                return Err(doc.error(
                    item.span,
                    format!(
                        "the access key `{}` is given twice (first at line {first})",
                        credential.access_key_id
                    ),
                    Some("give each access key id once".into()),
                ));
            }
            first_seen.insert(
                credential.access_key_id.clone(),
                doc.position(item.span.start).line,
            );
            out.keys
                .insert(credential.access_key_id.clone(), credential);
        }
        if literal_secrets {
            warnings.extend(readable_by_others(self.path));
        }
        Ok((out, warnings))
    }

    /// One member of `access_keys`, and whether its secret is written in the file.
    fn credential(
        &self,
        doc: &Doc,
        node: &Node,
        files: &mut Vec<PathBuf>,
        warnings: &mut Vec<String>,
    ) -> Result<(Credential, bool)> {
        let members = doc.object(node, "an access key", Some(&KEY_KEYS))?;
        let id_node = doc.required(
            members,
            node.span,
            "id",
            "an access key",
            "add `\"id\": \"<AccessKey id>\"`",
        )?;
        let id = doc.string(id_node, "`id`")?;
        const ID: NameBytes = NameBytes::alphanumeric_and(b"._-");
        if !(1..=128).contains(&id.len()) || !ID.has_all(id) {
            return Err(doc.error(
                id_node.span,
                format!("invalid access key id `{id}`"),
                Some("an access key id is 1-128 characters of letters, digits and `._-`".into()),
            ));
        }
        let (secret, literal) = self.secret(doc, node, members)?;
        let principal_node = doc.required(
            members,
            node.span,
            "principal",
            "an access key",
            "add `\"principal\": \"user/NAME\"` (any form `check --principal` takes)",
        )?;
        let (principal, account_id, parsed) = self.principal(doc, principal_node)?;
        if let Some(warning) = self.unknown_principal(doc, principal_node, &principal, &account_id)
        {
            warnings.push(warning);
        }
        let security_token = match member(members, "security_token") {
            None => None,
            Some(n) => {
                let token = doc.string(n, "`security_token`")?;
                if token.is_empty() {
                    return Err(doc.error(
                        n.span,
                        "`security_token` is empty".into(),
                        Some("give the STS credential's token, or leave the key out for a long-term access key".into()),
                    ));
                }
                Some(token.to_owned())
            }
        };
        let session_policy = match member(members, "session_policy") {
            None => None,
            Some(n) => {
                if security_token.is_none() {
                    return Err(doc.error(
                        n.span,
                        "a `session_policy` needs a `security_token`: only an STS credential has a session".into(),
                        Some("add the credential's `security_token`, or remove `session_policy`".into()),
                    ));
                }
                if !matches!(parsed, Principal::RoleSession { .. }) {
                    return Err(doc.error(
                        n.span,
                        format!("a `session_policy` needs a role session principal, found `{principal}`"),
                        Some("write the principal as `assumed-role/ROLE/SESSION`".into()),
                    ));
                }
                Some(Arc::new(self.session_policy(doc, n, id, files)?))
            }
        };
        // A security token is a secret too: written in the file, the file must be private.
        let literal = literal || security_token.is_some();
        Ok((
            Credential {
                access_key_id: id.to_owned(),
                principal,
                account_id,
                security_token,
                session_policy,
                secret,
            },
            literal,
        ))
    }

    /// The secret, from `secret` or the variable `secret_env` names; whether it is written
    /// in the file.
    fn secret(
        &self,
        doc: &Doc,
        node: &Node,
        members: &[crate::policy::json::Member],
    ) -> Result<(Secret, bool)> {
        match (member(members, "secret"), member(members, "secret_env")) {
            (Some(n), None) => {
                let secret = doc.string(n, "`secret`")?;
                if secret.is_empty() {
                    return Err(doc.error(
                        n.span,
                        "`secret` is empty".into(),
                        Some("give the AccessKey secret".into()),
                    ));
                }
                Ok((Secret(secret.as_bytes().into()), true))
            }
            (None, Some(n)) => {
                let name = doc.string(n, "`secret_env`")?;
                if name.is_empty() || name.contains(['=', '\0']) {
                    return Err(doc.error(
                        n.span,
                        format!("`secret_env` must name an environment variable, found \"{name}\""),
                        None,
                    ));
                }
                match std::env::var_os(name) {
                    Some(value) if !value.is_empty() => {
                        let value = value.into_string().map_err(|_| {
                            doc.error(
                                n.span,
                                format!("the environment variable `{name}` is not UTF-8 text"),
                                Some("set it to the AccessKey secret".into()),
                            )
                        })?;
                        Ok((Secret(value.into_bytes().into()), false))
                    }
                    Some(_) => Err(doc.error(
                        n.span,
                        format!("the environment variable `{name}` is empty"),
                        Some(format!(
                            "set `{name}` to the AccessKey secret before starting ramcheck"
                        )),
                    )),
                    None => Err(doc.error(
                        n.span,
                        format!("the environment variable `{name}` is not set"),
                        Some(format!(
                            "set `{name}` to the AccessKey secret before starting ramcheck"
                        )),
                    )),
                }
            }
            (Some(_), Some(n)) => Err(doc.error(
                n.span,
                "an access key has both `secret` and `secret_env`".into(),
                Some("keep one: `secret_env` keeps the secret out of the file".into()),
            )),
            (None, None) => Err(doc.error(
                node.span,
                "an access key has neither `secret` nor `secret_env`".into(),
                Some(
                    "add `\"secret_env\": \"VARIABLE\"` naming the variable that holds the secret"
                        .into(),
                ),
            )),
        }
    }

    /// The principal's full ARN, its account, and its parsed form.
    fn principal(&self, doc: &Doc, node: &Node) -> Result<(String, String, Principal)> {
        let text = doc.string(node, "`principal`")?;
        let account = match arn_account(text) {
            Some(account) => {
                if !self.accounts.contains(&account) {
                    return Err(doc.error(
                        node.span,
                        format!("the principal `{text}` is of account `{account}`, which no `--account` file is for"),
                        Some(format!("load account `{account}` with `--account FILE`, or fix the account ID")),
                    ));
                }
                account
            }
            None => match self.accounts {
                [only] => only,
                [] => {
                    return Err(doc.error(
                        node.span,
                        "no account is loaded for the principal".into(),
                        Some("give an account with `--account FILE`".into()),
                    ))
                }
                _ => {
                    return Err(doc.error(
                        node.span,
                        format!("the principal `{text}` does not say its account, and {} accounts are loaded", self.accounts.len()),
                        Some(format!("give the full ARN, e.g. `acs:ram::{}:{text}`", self.accounts.first().copied().unwrap_or("ACCOUNT"))),
                    ))
                }
            },
        };
        let parsed = Principal::parse(text, account).map_err(|e| {
            doc.error(node.span, e.to_string(), Some(
                "write `user/NAME`, `role/NAME`, `assumed-role/ROLE/SESSION`, `root`, or the full `acs:ram::ACCOUNT:...` ARN".into(),
            ))
        })?;
        Ok((parsed.arn(account), account.to_owned(), parsed))
    }

    /// A warning when a loaded account does not have the principal.
    fn unknown_principal(
        &self,
        doc: &Doc,
        node: &Node,
        arn: &str,
        account: &str,
    ) -> Option<String> {
        let authorizer = self
            .authorizers
            .iter()
            .find(|a| a.account_id() == account)?;
        match authorizer.resolve(arn) {
            Err(ResolveError::Unknown(e)) => {
                let at = doc.position(node.span.start);
                Some(format!(
                    "{}:{at}: {e}; every call with this access key will be denied (ImplicitDeny), as RAM denies a principal it does not have",
                    doc.file()
                ))
            }
            _ => None,
        }
    }

    /// A session policy: a path relative to the credentials file's folder, or an inline
    /// document.
    fn session_policy(
        &self,
        doc: &Doc,
        node: &Node,
        id: &str,
        files: &mut Vec<PathBuf>,
    ) -> Result<SessionPolicy> {
        let name = format!("session policy of `{id}`");
        let named = match &node.value {
            Value::String(path) => {
                let full = self.base.join(path);
                let file = shown(&full);
                let bytes = read_file(&full, self.limit)?;
                files.push(full);
                let policy = Policy::from_bytes(&bytes, PolicyKind::Session)
                    .map_err(|e| e.with_file(&file))?;
                NamedPolicy::new(name, Some(file), Arc::new(policy))
            }
            Value::Object(_) => {
                let text = doc
                    .text()
                    .get(node.span.start..node.span.end)
                    .unwrap_or_default();
                let origin = doc.position(node.span.start);
                let policy = Policy::parse_at(text, PolicyKind::Session, origin)
                    .map_err(|e| e.with_file(doc.file()))?;
                NamedPolicy::new(name, Some(doc.file().to_owned()), Arc::new(policy))
            }
            other => {
                return Err(doc.error(
                    node.span,
                    format!(
                    "`session_policy` must be a file path or an inline policy document, found {}",
                    other.type_name()
                ),
                    None,
                ))
            }
        };
        SessionPolicy::compile(&named)
            .map_err(|e| ServeLoadError::Account(crate::authorizer::LoadError::Compile(e)))
    }
}

/// The account of a principal given as a full ARN (`acs:ram::ACCOUNT:...`, `acs:sts::...`);
/// `None` for a short form.
fn arn_account(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("acs:")?;
    rest.split(':').nth(2)
}

/// A warning when the group or others may read a file that holds secrets.
#[cfg(unix)]
fn readable_by_others(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o044 != 0).then(|| {
        format!(
            "`{}` holds secrets and its group or others may read it (mode {:o}); `chmod 600` it, or give the secrets with `secret_env`",
            shown(path),
            mode & 0o777
        )
    })
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> Option<String> {
    None
}

#[cfg(test)]
mod tests;
