//! Several account snapshots, and `sts:AssumeRole` decided across them (spec T3, T3a, T6).
//!
//! [`Accounts`] holds one snapshot per account. Assuming a role needs both sides (T3): the
//! caller's own decision, which is [`Account`]'s decision procedure (E2, E4) without E3, and
//! the role's trust policy, whose statements are matched by [`crate::decision`] next to every
//! other statement and pooled by E1 as any other pool. This module only orders the two sides
//! and reports them (T3a); it matches no statement itself.

use std::collections::BTreeMap;

use crate::account::{Account, DecideError, Principal, PrincipalDecision, PrincipalError};
use crate::decision::{
    evaluate_trust, Caller, Decision, NamedPolicy, Outcome, Request, Side, Stage,
};
use crate::matching::has_wildcard;
use crate::policy::Position;

/// The action that assumes a role.
pub const ASSUME_ROLE: &str = "sts:AssumeRole";

/// Whether a request is `sts:AssumeRole` (actions are case-insensitive, M2).
pub fn is_assume_role(request: &Request) -> bool {
    request.action().eq_ignore_ascii_case(ASSUME_ROLE)
}

/// The snapshots of several accounts, one per account (T6). Immutable, `Send + Sync`.
///
/// ```
/// use ramcheck::account::Account;
/// use ramcheck::assume::Accounts;
/// use ramcheck::decision::{Decision, Request, Stage};
///
/// let a = Account::from_json(r#"{"account_id": "1111111111111111",
///   "policies": {"assume": {"Version": "1", "Statement": [{"Effect": "Allow",
///     "Action": "sts:AssumeRole", "Resource": "*"}]}},
///   "users": {"alice": {"policies": ["assume"]}}}"#, None, None)?;
/// let b = Account::from_json(r#"{"account_id": "2222222222222222",
///   "roles": {"deployer": {"trust_policy": {"Version": "1", "Statement": [{"Effect": "Allow",
///     "Action": "sts:AssumeRole", "Principal": {"RAM": "acs:ram::1111111111111111:root"}}]}}}}"#,
///   None, None)?;
/// let accounts = Accounts::new([a, b])?;
/// let (account, alice) = accounts.principal("acs:ram::1111111111111111:user/alice")?;
/// let request = Request::new("sts:AssumeRole", "acs:ram::2222222222222222:role/deployer")?;
/// let decision = accounts.decide_assume_role(account, &alice, None, &request)?;
/// assert_eq!(decision.outcome().decision(), Decision::Allow);
/// assert_eq!(decision.outcome().stage(), Stage::AssumeRolePolicy);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Accounts {
    accounts: BTreeMap<String, Account>,
}

/// Why an AssumeRole, or a principal among several accounts, could not be decided.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AssumeError {
    /// Two snapshots of one account (T6).
    #[error("two snapshots of account `{0}` are given; give each account once")]
    DuplicateAccount(String),
    /// No snapshot was given.
    #[error("no account snapshot is given")]
    NoAccounts,
    /// The resource of `sts:AssumeRole` is not a role.
    #[error("`sts:AssumeRole` takes a role ARN, `acs:ram::<account-id>:role/<name>`, found `{0}`")]
    NotARole(String),
    /// The role's account has no snapshot (T3a).
    #[error("the role `{role}` belongs to account `{account}`, which has no snapshot; give it with `--account`")]
    NoSnapshot {
        /// The role's ARN.
        role: String,
        /// Its account.
        account: String,
    },
    /// The role's snapshot lacks it (T3a).
    #[error("account `{account}` has no role `{role}`{suggestion}")]
    UnknownRole {
        /// The role's name.
        role: String,
        /// Its account.
        account: String,
        /// A did-you-mean with its leading text, or empty.
        suggestion: String,
    },
    /// A principal named by a short form while several accounts are given, or by the ARN of
    /// an account without a snapshot.
    #[error("invalid principal `{text}`: {reason}")]
    Principal {
        /// The principal as given.
        text: String,
        /// What is wrong with it, and the fix.
        reason: String,
    },
    /// The principal does not parse.
    #[error(transparent)]
    Parse(#[from] PrincipalError),
    /// The caller's side could not be decided.
    #[error(transparent)]
    Decide(#[from] DecideError),
}

/// A trust statement that names principals of an account without a snapshot (T6): they may
/// assume the role, and nothing here can list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnlistedPrincipals {
    /// The account, or the pattern of accounts, the statement names.
    pub account: String,
    /// The role.
    pub role: String,
    /// The trust policy's name and file.
    pub policy: String,
    /// Its file, when it has one of its own or is inline in the account file.
    pub file: Option<String>,
    /// The statement's index.
    pub index: usize,
    /// Where the `RAM` value is.
    pub position: Position,
}

impl std::fmt::Display for UnlistedPrincipals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if has_wildcard(&self.account) {
            format!("any account matching `{}`", self.account)
        } else {
            format!("account `{}`", self.account)
        };
        write!(
            f,
            "{}{}: statement {} of the trust policy of role `{}` names unlisted principals of {what}, which has no snapshot",
            self.file.as_deref().map(|f| format!("{f}:")).unwrap_or_default(),
            self.position,
            self.index,
            self.role
        )
    }
}

/// An AssumeRole decided on both sides (T3a), with the unlisted principals the trust policy
/// names (T6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleDecision {
    outcome: Outcome,
    unlisted: Vec<UnlistedPrincipals>,
}

impl AssumeRoleDecision {
    /// The decision: its stage per T3a, its deciding statements each with its side.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// The trust statements that name principals of accounts without a snapshot (T6).
    pub fn unlisted(&self) -> &[UnlistedPrincipals] {
        &self.unlisted
    }
}

impl Accounts {
    /// The set of `accounts`; two snapshots of one account are an error (T6).
    pub fn new(accounts: impl IntoIterator<Item = Account>) -> Result<Accounts, AssumeError> {
        let mut map = BTreeMap::new();
        for account in accounts {
            let id = account.id().to_owned();
            if map.insert(id.clone(), account).is_some() {
                return Err(AssumeError::DuplicateAccount(id));
            }
        }
        if map.is_empty() {
            return Err(AssumeError::NoAccounts);
        }
        Ok(Accounts { accounts: map })
    }

    /// The snapshot of account `id`.
    pub fn get(&self, id: &str) -> Option<&Account> {
        self.accounts.get(id)
    }

    /// The snapshots, by account ID.
    pub fn iter(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    /// The principal `text` names, and its account's snapshot. With one account, the short
    /// forms (`user/alice`) name its principals; with several, a principal is a full ARN
    /// (`acs:ram::<account-id>:user/alice`) whose account picks the snapshot.
    pub fn principal(&self, text: &str) -> Result<(&Account, Principal), AssumeError> {
        let account = match (self.accounts.len(), text.strip_prefix("acs:")) {
            (1, _) => self.accounts.values().next(),
            (_, Some(rest)) => {
                let id = rest.split(':').nth(2).unwrap_or_default();
                Some(self.accounts.get(id).ok_or_else(|| AssumeError::Principal {
                    text: text.to_owned(),
                    reason: format!(
                        "account `{id}` has no snapshot; give it with `--account`, or name a principal of {}",
                        self.listed()
                    ),
                })?)
            }
            (_, None) => {
                return Err(AssumeError::Principal {
                    text: text.to_owned(),
                    reason: format!(
                        "with several accounts, give the full ARN, e.g. `acs:ram::<account-id>:{text}`, with the account one of {}",
                        self.listed()
                    ),
                })
            }
        };
        let account = account.ok_or(AssumeError::NoAccounts)?;
        Ok((account, Principal::parse(text, account.id())?))
    }

    fn listed(&self) -> String {
        let ids: Vec<String> = self.accounts.keys().map(|k| format!("`{k}`")).collect();
        ids.join(", ")
    }

    /// Decides `sts:AssumeRole` on the role `request` names for `caller` of `account` (T3):
    /// the caller's side (E2, E4 with `session_policy`; not E3), then the role's trust policy
    /// (T2). Reported per T3a: an Allow at `AssumeRolePolicy`; a denial at the caller's stage
    /// when the caller's side denies, else at `AssumeRolePolicy`.
    ///
    /// # Errors
    ///
    /// The role's account has no snapshot, or its snapshot lacks the role (T3a); the caller is
    /// not a principal of `account`; a request value cannot be compared (E6).
    pub fn decide_assume_role(
        &self,
        account: &Account,
        caller: &Principal,
        session_policy: Option<&NamedPolicy>,
        request: &Request,
    ) -> Result<AssumeRoleDecision, AssumeError> {
        let (role_account, role) = self.role_of(request)?;
        let unlisted = self.unlisted(role_account, role);
        let outcome = decide_on_role(role_account, role, account, caller, session_policy, request)?;
        Ok(AssumeRoleDecision { outcome, unlisted })
    }

    /// Decides `request` for every principal of every account (the owner, users, and roles as
    /// sessions without a session policy), listed by ARN: allowed ones first, then by account
    /// and, within one, in the order root, users, roles. An `sts:AssumeRole` is decided on
    /// both sides (T3); any other request by its principal's account, where E3 denies the
    /// principals of other accounts (T6).
    pub fn who_can(&self, request: &Request) -> Result<Vec<PrincipalDecision>, AssumeError> {
        let role = if is_assume_role(request) {
            Some(self.role_of(request)?)
        } else {
            None
        };
        let mut decisions = Vec::new();
        for account in self.accounts.values() {
            let Some((role_account, role)) = role else {
                decisions.extend(account.who_can(request)?);
                continue;
            };
            let principals = std::iter::once(Principal::Root)
                .chain(account.users().map(|u| Principal::User(u.to_owned())))
                .chain(account.roles().map(|r| Principal::Role(r.to_owned())));
            for principal in principals {
                let outcome =
                    decide_on_role(role_account, role, account, &principal, None, request)?;
                decisions.push(PrincipalDecision {
                    principal: principal.arn(account.id()),
                    outcome,
                });
            }
        }
        decisions.sort_by_key(|d| !d.outcome.decision().is_allowed());
        Ok(decisions)
    }

    /// The unlisted principals the trust policy of the role `request` names (T6).
    pub fn unlisted_of(&self, request: &Request) -> Result<Vec<UnlistedPrincipals>, AssumeError> {
        let (account, role) = self.role_of(request)?;
        Ok(self.unlisted(account, role))
    }

    /// The role an `sts:AssumeRole` request names, and its account's snapshot (T3a).
    fn role_of<'s, 'r>(
        &'s self,
        request: &'r Request,
    ) -> Result<(&'s Account, &'r str), AssumeError> {
        let arn = request.resource();
        let role = arn
            .relative_id()
            .strip_prefix("role/")
            .filter(|r| arn.service() == "ram" && arn.region().is_empty() && !r.contains('/'))
            .ok_or_else(|| AssumeError::NotARole(arn.as_str().to_owned()))?;
        let account = self
            .accounts
            .get(arn.account())
            .ok_or_else(|| AssumeError::NoSnapshot {
                role: arn.as_str().to_owned(),
                account: arn.account().to_owned(),
            })?;
        if !account.has_role(role) {
            let suggestion = crate::suggest::did_you_mean(role, account.roles())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(AssumeError::UnknownRole {
                role: role.to_owned(),
                account: account.id().to_owned(),
                suggestion,
            });
        }
        Ok((account, role))
    }

    /// Each `RAM` value of the role's trust policy whose account field names an account
    /// without a snapshot, or a pattern of accounts (T6).
    pub(crate) fn unlisted(&self, account: &Account, role: &str) -> Vec<UnlistedPrincipals> {
        let Some(trust) = account.trust_policy(role) else {
            return Vec::new();
        };
        let policy = trust.policy();
        let mut out = Vec::new();
        for statement in policy.statements() {
            let Some(principal) = statement.principal() else {
                continue;
            };
            let values = principal
                .entries()
                .iter()
                .filter(|(key, _)| key.value() == "RAM")
                .flat_map(|(_, values)| values);
            for value in values {
                let named = value.value().split(':').nth(3).unwrap_or_default();
                let listed = !has_wildcard(named) && self.accounts.contains_key(named);
                if !listed {
                    out.push(UnlistedPrincipals {
                        account: named.to_owned(),
                        role: role.to_owned(),
                        policy: trust.name().to_owned(),
                        file: trust.file().map(str::to_owned),
                        index: statement.index(),
                        position: policy.position(value.span()),
                    });
                }
            }
        }
        out
    }
}

/// Both sides of `sts:AssumeRole` on `role` of `role_account` for `caller` of `account`
/// (T3, T3a): the caller's side, then the role's trust policy.
pub(crate) fn decide_on_role(
    role_account: &Account,
    role: &str,
    account: &Account,
    caller: &Principal,
    session_policy: Option<&NamedPolicy>,
    request: &Request,
) -> Result<Outcome, AssumeError> {
    // T3: an owner's own side is always Allow, which the procedure's E2 gives.
    let mut caller_side = account.decide_caller_side(caller, session_policy, request)?;
    for s in &mut caller_side.deciding {
        s.side = Some(Side::Caller);
    }
    if !caller_side.decision().is_allowed() {
        return Ok(caller_side);
    }
    let trust = match role_account.trust_policy(role) {
        // T3: a service-linked role is assumed by its service only; a role without a trust
        // policy, by nobody.
        Some(trust) if !role_account.is_service_linked(role) => trust,
        _ => {
            return Ok(Outcome::without_statements(
                Decision::ImplicitDeny,
                Stage::AssumeRolePolicy,
            ))
        }
    };
    let principal_arn = caller.principal_arn(account.id());
    let mut trust_request = request.clone();
    // T3a: on the trust side too, acs:PrincipalARN comes from the caller.
    trust_request
        .context_mut()
        .set("acs:PrincipalARN", &principal_arn);
    let who = Caller {
        account: account.id(),
        principal_arn: &principal_arn,
    };
    let pool = evaluate_trust(trust, &who, &trust_request).map_err(DecideError::from)?;
    let mut outcome = pool.into_outcome(Stage::AssumeRolePolicy);
    for s in &mut outcome.deciding {
        s.side = Some(Side::Trust);
    }
    if outcome.decision().is_allowed() {
        // Both sides allowed: the caller's Allow statements explain it too.
        let mut deciding = caller_side.deciding;
        deciding.append(&mut outcome.deciding);
        outcome.deciding = deciding;
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests;
