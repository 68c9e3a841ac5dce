//! What a change grants and takes away (A4).
//!
//! Each principal's question is split by the atoms of both sides at once, so that one witness
//! per class decides the class on either side; the classes denied before and allowed after are
//! gained, the reverse lost. A principal whose every input is the same on both sides cannot
//! change, and is not analysed.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::atoms::Atoms;
use super::reach::{principals_of, spaces, Class, Reachability, Space, Subject};
use super::{AnalysisError, Change, DiffAnswer, Question, Reached};
use crate::account::{Account, Principal, Scope};
use crate::assume::Accounts;

/// The requests of `question`'s space that each principal gains or loses from `before` to
/// `after` (A4): one change per principal and per distinct set of deciding statements (and
/// path) on the after side, each with the first witness found. Principals are matched by ARN;
/// one that exists on one side only is denied everything on the other.
///
/// ```
/// use ramcheck::account::Account;
/// use ramcheck::analysis::{diff, Question};
/// use ramcheck::assume::Accounts;
///
/// let snapshot = |resource: &str| format!(r#"{{"account_id": "1234567890123456",
///   "policies": {{"cancel": {{"Version": "1", "Statement": [{{"Effect": "Allow",
///     "Action": "ecs:CancelImagePipelineExecution", "Resource": "{resource}"}}]}}}},
///   "users": {{"deployer": {{"policies": ["cancel"]}}}}}}"#);
/// let before = Accounts::new([Account::from_json(&snapshot("acs:ecs:*:*:imagepipeline/dev-*"), None, None)?])?;
/// let after = Accounts::new([Account::from_json(&snapshot("acs:ecs:*:*:imagepipeline/*"), None, None)?])?;
/// let answer = diff(&before, &after, &Question::new("ecs:CancelImagePipelineExecution"))?;
/// assert_eq!(answer.gained.len(), 1);
/// assert_eq!(answer.gained[0].principal, "acs:ram::1234567890123456:user/deployer");
/// assert!(answer.lost.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`who_can`](super::who_can), on either side.
pub fn diff(
    before: &Accounts,
    after: &Accounts,
    question: &Question,
) -> Result<DiffAnswer, AnalysisError> {
    let spaces = spaces(before.iter().chain(after.iter()).map(Account::id), question)?;
    let before = Reachability::new(before, question)?;
    let after = Reachability::new(after, question)?;
    let mut arns: BTreeSet<(String, usize, String)> = BTreeSet::new();
    for side in [&before, &after] {
        for account in side.accounts.iter() {
            for (order, principal) in principals_of(account).enumerate() {
                arns.insert((
                    account.id().to_owned(),
                    order.min(1),
                    principal.arn(account.id()),
                ));
            }
        }
    }
    let mut gained = Vec::new();
    let mut lost = Vec::new();
    let mut unlisted = Vec::new();
    for (account, _, arn) in &arns {
        let old = before.subject_named(account, arn);
        let new = after.subject_named(account, arn);
        if let (Some(old), Some(new)) = (&old, &new) {
            if before.fingerprint(old, question)? == after.fingerprint(new, question)? {
                continue;
            }
        }
        let mut atoms = Atoms::default();
        let mut roles = [false, false];
        if let Some(old) = &old {
            roles[0] = !before.gather(old, question, &mut atoms)?.is_empty();
        }
        if let Some(new) = &new {
            roles[1] = !after.gather(new, question, &mut atoms)?.is_empty();
        }
        let space = Space::new(&atoms, &spaces, question, arn)?;
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut reaches_after = false;
        space.for_each(|class| {
            let was_allowed = allowed(&before, old.as_ref(), roles[0], class, question)?;
            let is_allowed = allowed(&after, new.as_ref(), roles[1], class, question)?;
            // A class one side cannot decide (C7) is no request there: nothing to compare.
            reaches_after |= is_allowed == Some(true);
            let (Some(was_allowed), Some(is_allowed)) = (was_allowed, is_allowed) else {
                return Ok(false);
            };
            if was_allowed == is_allowed {
                return Ok(false);
            }
            let sides = (
                decide(&before, old.as_ref(), roles[0], class, question),
                decide(&after, new.as_ref(), roles[1], class, question),
            );
            let (was, is) = match sides {
                (Ok(was), Ok(is)) => (was, is),
                (Err(AnalysisError::Undecidable), _) | (_, Err(AnalysisError::Undecidable)) => {
                    return Ok(false)
                }
                (Err(e), _) | (_, Err(e)) => return Err(e),
            };
            if !seen.insert(group_key(is_allowed, &is)) {
                return Ok(false);
            }
            let change = Change {
                principal: arn.clone(),
                witness: class.witness(question),
                before: was,
                after: is,
            };
            if is_allowed {
                gained.push(change);
            } else {
                lost.push(change);
            }
            Ok(false)
        })?;
        // T6: principals no snapshot lists that the role's trust policy names after and not
        // before gain whatever the role reaches.
        if let Some(Subject {
            account,
            principal: Principal::Role(role),
            ..
        }) = &new
        {
            if reaches_after {
                let was: Vec<String> = old.as_ref().map_or_else(Vec::new, |old| {
                    before
                        .accounts
                        .unlisted(old.account, role)
                        .into_iter()
                        .map(|u| u.account)
                        .collect()
                });
                unlisted.extend(
                    after
                        .accounts
                        .unlisted(account, role)
                        .into_iter()
                        .filter(|u| !was.contains(&u.account)),
                );
            }
        }
    }
    Ok(DiffAnswer {
        action: question.action.clone(),
        resource: spaces.join(", "),
        gained,
        lost,
        unlisted,
    })
}

/// Whether `subject` reaches `class` on one side, directly or through roles (T5); never when
/// the principal does not exist there; `None` when its own request cannot be decided (C7).
fn allowed(
    side: &Reachability<'_>,
    subject: Option<&Subject<'_>>,
    roles: bool,
    class: &Class<'_>,
    question: &Question,
) -> Result<Option<bool>, AnalysisError> {
    let Some(subject) = subject else {
        return Ok(Some(false));
    };
    // A class the principal's own request cannot be decided in (C7) is no request of its.
    let Some(direct) = side.verdict(subject, class, question)? else {
        return Ok(None);
    };
    if direct {
        return Ok(Some(true));
    }
    let request = side.request(class, question)?;
    Ok(Some(roles && side.via(subject, &request)?.is_some()))
}

/// One side's decision of `class` for `subject`, through roles when its own does not allow
/// (T5); `None` when the principal does not exist on that side. Called only for classes both
/// sides decide.
fn decide(
    side: &Reachability<'_>,
    subject: Option<&Subject<'_>>,
    roles: bool,
    class: &Class<'_>,
    question: &Question,
) -> Result<Option<Reached>, AnalysisError> {
    let Some(subject) = subject else {
        return Ok(None);
    };
    let request = side.request(class, question)?;
    let direct = subject.decide(&request)?;
    if let Some(outcome) = &direct {
        if outcome.decision().is_allowed() || !roles {
            return Ok(Some(Reached {
                outcome: outcome.clone(),
                via: None,
            }));
        }
    }
    match (side.via(subject, &request)?, direct) {
        (Some(reached), _) => Ok(Some(reached)),
        (None, Some(outcome)) => Ok(Some(Reached { outcome, via: None })),
        // The compiled verdict decided it and the reference evaluator, which tests every
        // statement, finds a value it cannot compare (C7): no decision, so no change.
        (None, None) => Err(AnalysisError::Undecidable),
    }
}

/// What makes two changes of one principal one entry: which way, and the deciding statements
/// and path on the after side.
fn group_key(gained: bool, after: &Option<Reached>) -> String {
    let mut key = String::from(if gained { "+" } else { "-" });
    if let Some(reached) = after {
        for hop in reached.via.iter().flatten() {
            let _ = write!(key, "|{}", hop.role);
        }
        for s in reached.outcome.deciding() {
            let _ = write!(
                key,
                "|{}#{}@{}:{:?}",
                s.policy(),
                s.index(),
                s.file().unwrap_or_default(),
                s.side()
            );
        }
    }
    key
}

impl<'a> Reachability<'a> {
    /// The principal of `account` named `arn` on this side, if it exists.
    fn subject_named(&self, account: &str, arn: &str) -> Option<Subject<'a>> {
        let account = self.accounts.get(account)?;
        principals_of(account)
            .find(|p| p.arn(account.id()) == arn)
            .map(|p| self.subject(account, p))
    }

    /// Everything the procedure may read for `subject`'s question on this side, as text: its
    /// pools with their scopes, the control policies above its account, the account's
    /// resource groups, and the same for every role it may reach with their trust policies.
    /// Equal texts on both sides mean equal decisions of every request.
    fn fingerprint(
        &self,
        subject: &Subject<'_>,
        question: &Question,
    ) -> Result<String, AnalysisError> {
        let mut atoms = Atoms::default();
        let roles = self.gather(subject, question, &mut atoms)?;
        let mut text = String::new();
        describe(&mut text, subject.account, &subject.principal)?;
        for role in &roles {
            let Some(account) = self.accounts.get(&role.account) else {
                continue;
            };
            let _ = write!(text, "\nrole {}", role.arn());
            describe(&mut text, account, &Principal::Role(role.role.clone()))?;
            if let Some(trust) = account.trust_policy(&role.role) {
                let _ = write!(text, "\ntrust {}", trust.policy().source().text());
            }
            let _ = write!(
                text,
                "\nservice-linked {}",
                account.is_service_linked(&role.role)
            );
        }
        Ok(text)
    }
}

/// The pools of `principal` of `account`, as text (see `fingerprint`).
fn describe(
    text: &mut String,
    account: &Account,
    principal: &Principal,
) -> Result<(), AnalysisError> {
    let _ = write!(text, "\naccount {}", account.id());
    if let Principal::Role(role) = principal {
        // Who may assume it (T6: unlisted principals gain what it reaches), and whether control
        // policies bind it (E4.1).
        if let Some(trust) = account.trust_policy(role) {
            let _ = write!(text, "\ntrust {}", trust.policy().source().text());
        }
        let _ = write!(text, "\nservice-linked {}", account.is_service_linked(role));
    }
    let attached = account
        .attachments_of(principal)
        .map_err(crate::assume::AssumeError::from)?;
    for a in attached {
        let scope = match a.scope() {
            Scope::Account => "",
            Scope::ResourceGroup(g) => g,
        };
        let _ = write!(
            text,
            "\npolicy {} {} {}",
            a.policy().name(),
            scope,
            a.policy().policy().source().text()
        );
    }
    if let Some(directory) = account.resource_directory() {
        let _ = write!(text, "\nmanagement {}", directory.is_management_account());
        for level in directory.levels() {
            for p in level.control_policies() {
                let _ = write!(
                    text,
                    "\ncontrol {} {}",
                    p.name(),
                    p.policy().source().text()
                );
            }
            text.push_str("\nlevel");
        }
    }
    for group in account.resource_groups().iter() {
        let _ = write!(text, "\ngroup {}", group.id());
        for claim in group.claims() {
            let _ = write!(text, " {}", claim.pattern());
        }
    }
    Ok(())
}
