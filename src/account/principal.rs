//! Principals: who is asking, in the short forms the CLI takes and as canonical ARNs (E2).

use std::fmt;

/// Who makes a request: the account itself, a RAM user, a RAM role, or a session of a role.
///
/// ```
/// use ramcheck::account::Principal;
///
/// let p = Principal::parse("assumed-role/deployer/ci-42", "1234567890123456")?;
/// assert_eq!(p.arn("1234567890123456"), "acs:ram::1234567890123456:assumed-role/deployer/ci-42");
/// assert_eq!(p.principal_arn("1234567890123456"), "acs:ram::1234567890123456:role/deployer");
/// assert!(Principal::parse("acs:ram::999:user/alice", "1234567890123456").is_err());
/// # Ok::<(), ramcheck::account::PrincipalError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Principal {
    /// The Alibaba Cloud account itself (`acs:ram::<account>:root`).
    Root,
    /// A RAM user.
    User(String),
    /// A RAM role, acting through a session without a session policy.
    Role(String),
    /// A session of a role (`assumed-role/<role>/<session>`).
    RoleSession {
        /// The role's name.
        role: String,
        /// The session's name.
        session: String,
    },
}

impl Principal {
    /// Reads `root`, `user/NAME`, `role/NAME`, `assumed-role/ROLE/SESSION`, or their full ARNs
    /// (`acs:ram::ACCOUNT:...`; the session form also under `acs:sts::`). A full ARN must name
    /// `account`.
    pub fn parse(text: &str, account: &str) -> Result<Principal, PrincipalError> {
        let bad = |reason: &str| PrincipalError {
            text: text.to_owned(),
            reason: reason.to_owned(),
        };
        let relative = if let Some(rest) = text.strip_prefix("acs:") {
            let mut fields = rest.splitn(4, ':');
            let service = fields.next().unwrap_or_default();
            let region = fields.next().unwrap_or_default();
            let arn_account = fields.next().unwrap_or_default();
            let relative = fields.next().ok_or_else(|| {
                bad("expected `acs:ram::<account-id>:<root|user/NAME|role/NAME|assumed-role/ROLE/SESSION>`")
            })?;
            if !region.is_empty() {
                return Err(bad(
                    "a principal ARN has an empty region field: `acs:ram::<account-id>:...`",
                ));
            }
            let is_session = relative.starts_with("assumed-role/");
            if service != "ram" && !(service == "sts" && is_session) {
                return Err(bad(
                    "expected the `ram` service (or `sts` for an assumed-role session)",
                ));
            }
            if arn_account != account {
                return Err(bad(&format!(
                    "it names account `{arn_account}`, but the account file is for `{account}`; ramcheck decides for principals of the file's account"
                )));
            }
            relative
        } else {
            text
        };
        let parts: Vec<&str> = relative.split('/').collect();
        let principal = match parts.as_slice() {
            ["root"] => Principal::Root,
            ["user", name] => Principal::User((*name).to_owned()),
            ["role", name] => Principal::Role((*name).to_owned()),
            ["assumed-role", role, session] => Principal::RoleSession {
                role: (*role).to_owned(),
                session: (*session).to_owned(),
            },
            _ => {
                return Err(bad(
                    "expected `root`, `user/NAME`, `role/NAME`, `assumed-role/ROLE/SESSION`, or the full `acs:ram::<account-id>:...` ARN",
                ))
            }
        };
        let names_ok = match &principal {
            Principal::Root => true,
            Principal::User(n) | Principal::Role(n) => is_valid_name(n),
            Principal::RoleSession { role, session } => {
                is_valid_name(role) && is_valid_session(session)
            }
        };
        if !names_ok {
            return Err(bad(
                "names are 1-64 characters of letters, digits and `._@-` (session names may also use `=,+`)",
            ));
        }
        Ok(principal)
    }

    /// The canonical ARN, always `acs:ram::<account>:...`, sessions included.
    pub fn arn(&self, account: &str) -> String {
        match self {
            Principal::Root => format!("acs:ram::{account}:root"),
            Principal::User(name) => format!("acs:ram::{account}:user/{name}"),
            Principal::Role(name) => format!("acs:ram::{account}:role/{name}"),
            Principal::RoleSession { role, session } => {
                format!("acs:ram::{account}:assumed-role/{role}/{session}")
            }
        }
    }

    /// The value of `acs:PrincipalARN` for this principal (E2): the user's or role's ARN; for a
    /// role session, the role's. The account itself has its root ARN.
    pub fn principal_arn(&self, account: &str) -> String {
        match self {
            Principal::RoleSession { role, .. } => format!("acs:ram::{account}:role/{role}"),
            other => other.arn(account),
        }
    }

    /// The role's name, for a role or a role session.
    pub fn role(&self) -> Option<&str> {
        match self {
            Principal::Role(role) | Principal::RoleSession { role, .. } => Some(role),
            _ => None,
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Root => f.write_str("root"),
            Principal::User(name) => write!(f, "user/{name}"),
            Principal::Role(name) => write!(f, "role/{name}"),
            Principal::RoleSession { role, session } => write!(f, "assumed-role/{role}/{session}"),
        }
    }
}

/// A principal that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid principal `{text}`: {reason}")]
pub struct PrincipalError {
    text: String,
    reason: String,
}

/// A set of bytes: the ASCII letters and digits, and some others. Checking a name against it is
/// one table load per byte, where a chain of comparisons is a handful of branches; names are
/// checked on every request a gateway resolves.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameBytes([bool; 256]);

impl NameBytes {
    /// The letters and digits, and `extra`.
    pub(crate) const fn alphanumeric_and(extra: &[u8]) -> NameBytes {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 256 {
            table[b] = (b as u8).is_ascii_alphanumeric();
            b += 1;
        }
        let mut i = 0;
        while i < extra.len() {
            table[extra[i] as usize] = true;
            i += 1;
        }
        NameBytes(table)
    }

    /// Whether every byte of `text` is in the set.
    #[inline]
    pub(crate) fn has_all(&self, text: &str) -> bool {
        let has = |b: &u8| self.0.get(usize::from(*b)).copied().unwrap_or(false);
        // Eight bytes at a time, and the rest, with no branch per byte: a valid name is read
        // to its end anyway, and a branch per byte cost twice the loads.
        let mut words = text.as_bytes().chunks_exact(8);
        words
            .by_ref()
            .all(|w| w.iter().fold(true, |all, b| all & has(b)))
            && words.remainder().iter().fold(true, |all, b| all & has(b))
    }
}

/// Users, groups and roles: 1–64 characters of `[A-Za-z0-9._@-]`.
pub(crate) fn is_valid_name(name: &str) -> bool {
    const NAME: NameBytes = NameBytes::alphanumeric_and(b"._@-");
    (1..=64).contains(&name.len()) && NAME.has_all(name)
}

/// Session names: 1–64 characters of `[A-Za-z0-9._@=,+-]`.
pub(crate) fn is_valid_session(name: &str) -> bool {
    const SESSION: NameBytes = NameBytes::alphanumeric_and(b"._@-=,+");
    (1..=64).contains(&name.len()) && SESSION.has_all(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables hold exactly the documented characters, byte for byte.
    #[test]
    fn name_and_session_characters_are_exactly_the_documented_ones() {
        for b in 0..=255u8 {
            let text = [b];
            let Ok(one) = std::str::from_utf8(&text) else {
                // A byte that is not a character alone is never in a name.
                assert!(!b.is_ascii());
                continue;
            };
            let base = b.is_ascii_alphanumeric();
            assert_eq!(
                is_valid_name(one),
                base || b".@_-".contains(&b),
                "{b:#x} in a name"
            );
            assert_eq!(
                is_valid_session(one),
                base || b".@_-=,+".contains(&b),
                "{b:#x} in a session name"
            );
        }
        assert!(is_valid_name("deploy.bot@team-1_x"));
        assert!(!is_valid_name("é"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name(&"a".repeat(65)));
        assert!(is_valid_session("s=1,b+2"));
    }
}
