//! The `--allow-only` gate over a [`SpaceAnswer`]: which principals outside an allow list
//! reach the action somewhere in the space, directly or through roles (T5), and why each
//! counts. The owner of the account that holds a resource is exempt for that resource;
//! another account's owner reaching it through a role is not. Principals that trust
//! policies name but no snapshot lists (T6) count as reaching it unless allowed: their own
//! side is unknown, so the gate fails closed.

use std::collections::BTreeMap;

use super::{Access, AnalysisError, Question, Reached, SpaceAnswer, Witness};
use crate::account::Principal;
use crate::assume::{Accounts, UnlistedPrincipals};
use crate::matching::{has_wildcard, wildcard_match};

/// One principal, or one group of unlisted principals, that reaches the action and is not
/// allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// The principal's ARN; for unlisted principals `acs:ram::<account>:*`.
    pub principal: String,
    /// Why it counts, for people.
    pub why: String,
    /// An allowed request of the space and how it was reached; `None` for unlisted
    /// principals, whose side nothing here can decide.
    pub witness: Option<(Witness, Reached)>,
    /// The trust statement that names the unlisted principals.
    pub unlisted: Option<UnlistedPrincipals>,
}

/// The gate's verdict: the violations, in the order of the answer's principals, then the
/// unlisted ones.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Gate {
    /// The allowed principals' ARNs.
    pub allowed: Vec<String>,
    /// Who reaches the action without being allowed.
    pub violations: Vec<Violation>,
}

impl Gate {
    /// Whether nobody outside the list reaches the action.
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

/// The gate of `answer`, the answer of `question` over `accounts`, with `allowed` the ARNs
/// of the principals allowed. `acs:ram::<account>:root` of an account without a snapshot
/// allows every principal of that account, as it names them all in a trust policy (T2).
///
/// # Errors
///
/// An account owner's reach into other accounts' resources is analysed again, one account
/// at a time: as [`who_can`](super::who_can).
///
/// ```
/// use ramcheck::analysis::gate::gate;
/// use ramcheck::analysis::{Question, SpaceAnswer};
/// # fn demo(accounts: &ramcheck::assume::Accounts, answer: &SpaceAnswer) -> Result<(), ramcheck::analysis::AnalysisError> {
/// let question = Question::new("ecs:CancelImagePipelineExecution");
/// let verdict = gate(accounts, &question, answer, &["acs:ram::1234567890123456:user/alice".into()])?;
/// for v in &verdict.violations {
///     println!("{}: {}", v.principal, v.why);
/// }
/// # Ok(()) }
/// ```
pub fn gate(
    accounts: &Accounts,
    question: &Question,
    answer: &SpaceAnswer,
    allowed: &[String],
) -> Result<Gate, AnalysisError> {
    let fields = account_field(question.resource.as_deref());
    let mut slices: BTreeMap<String, SpaceAnswer> = BTreeMap::new();
    let mut violations = Vec::new();
    for p in &answer.principals {
        if p.access == Access::None || allowed.contains(&p.principal) {
            continue;
        }
        let is_owner = p.principal == Principal::Root.arn(&p.account);
        if !is_owner {
            let via = if p.witness.as_ref().is_some_and(|(_, r)| r.via.is_some()) {
                "through roles"
            } else {
                "directly"
            };
            violations.push(Violation {
                principal: p.principal.clone(),
                why: format!("not in `--allow-only`, and reaches the action {via}"),
                witness: p.witness.clone(),
                unlisted: None,
            });
            continue;
        }
        // The owner is exempt for its own account's resources only: look for a resource of
        // another account that it reaches (through roles, as E3 denies it the rest, T6).
        match &fields {
            AccountField::Literal(holder) if *holder == p.account => {}
            AccountField::Literal(_) => violations.push(Violation {
                principal: p.principal.clone(),
                why: "the owner of another account than the resources', reaching them through roles"
                    .to_owned(),
                witness: p.witness.clone(),
                unlisted: None,
            }),
            AccountField::Pattern(pattern) => {
                let others: Vec<&str> = accounts
                    .iter()
                    .map(|a| a.id())
                    .filter(|id| *id != p.account && wildcard_match(pattern.field(), id))
                    .collect();
                for other in others {
                    if !slices.contains_key(other) {
                        let slice = question.clone().with_resource(pattern.with_account(other));
                        slices.insert(other.to_owned(), super::who_can(accounts, &slice)?);
                    }
                    let reach = slices.get(other).and_then(|s| {
                        s.principals
                            .iter()
                            .find(|q| q.principal == p.principal && q.access != Access::None)
                    });
                    if let Some(reach) = reach {
                        violations.push(Violation {
                            principal: p.principal.clone(),
                            why: format!("the owner of account `{}` reaches a resource of account `{other}` through roles", p.account),
                            witness: reach.witness.clone(),
                            unlisted: None,
                        });
                        break;
                    }
                }
            }
            AccountField::Unknown => violations.push(Violation {
                principal: p.principal.clone(),
                why: "an account owner, but the resource pattern does not say which account each resource is of (a wildcard spans the `:` between fields), so its exemption cannot be checked; write the pattern with its five fields, `acs:ecs:REGION:ACCOUNT:imagepipeline/ID`".to_owned(),
                witness: p.witness.clone(),
                unlisted: None,
            }),
        }
    }
    for u in &answer.unlisted {
        if allowed.contains(&Principal::Root.arn(&u.account)) {
            continue;
        }
        violations.push(Violation {
            principal: format!("acs:ram::{}:*", u.account),
            why: format!("unlisted principals of {} may assume role `{}`, which reaches the action; their own policies are unknown, so they count as reaching it (fail closed): give that account's snapshot, or allow `acs:ram::{}:root`", unlisted_account(u), u.role, u.account),
            witness: None,
            unlisted: Some(u.clone()),
        });
    }
    Ok(Gate {
        allowed: allowed.to_vec(),
        violations,
    })
}

fn unlisted_account(u: &UnlistedPrincipals) -> String {
    if has_wildcard(&u.account) {
        format!("any account matching `{}`", u.account)
    } else {
        format!("account `{}`", u.account)
    }
}

/// What the resource pattern says of its resources' account.
enum AccountField {
    /// One account.
    Literal(String),
    /// Several, by this pattern of five fields.
    Pattern(FivePart),
    /// A wildcard spans fields: the account cannot be told apart.
    Unknown,
}

/// A pattern `acs:SERVICE:REGION:ACCOUNT:ID` split at its four colons.
struct FivePart {
    fields: [String; 5],
}

impl FivePart {
    fn field(&self) -> &str {
        &self.fields[3]
    }

    /// The pattern with its account field replaced: the same resources of that account
    /// only, since fields hold no `:` (A1).
    fn with_account(&self, account: &str) -> String {
        let mut fields = self.fields.clone();
        fields[3] = account.to_owned();
        fields.join(":")
    }
}

fn account_field(resource: Option<&str>) -> AccountField {
    let pattern = resource.unwrap_or("acs:ecs:*:*:imagepipeline/*");
    if let Some(account) = resource.and_then(super::literal_account) {
        return AccountField::Literal(account.to_owned());
    }
    let fields: Vec<&str> = pattern.split(':').collect();
    // A `*` in another field could still stand for a `:` only if the fields were fewer.
    let Ok(fields) = <[&str; 5]>::try_from(fields) else {
        return AccountField::Unknown;
    };
    AccountField::Pattern(FivePart {
        fields: fields.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::Account;
    use crate::decision::{Decision, Outcome, Stage};

    const A: &str = "1111111111111111";
    const B: &str = "2222222222222222";

    fn accounts() -> Accounts {
        let a = Account::from_json(&format!(r#"{{"account_id": "{A}"}}"#), None, None)
            .expect("account a");
        let b = Account::from_json(&format!(r#"{{"account_id": "{B}"}}"#), None, None)
            .expect("account b");
        Accounts::new([a, b]).expect("accounts")
    }

    fn reached() -> Reached {
        Reached {
            outcome: Outcome::without_statements(Decision::Allow, Stage::ControlPolicy),
            via: None,
        }
    }

    fn entry(principal: &str, account: &str, access: Access) -> super::super::PrincipalAccess {
        let witness = Witness {
            resource: format!("acs:ecs:cn-hangzhou:{account}:imagepipeline/p"),
            context: Vec::new(),
        };
        super::super::PrincipalAccess {
            principal: principal.to_owned(),
            account: account.to_owned(),
            access,
            witness: (access != Access::None).then(|| (witness, reached())),
            denied_witness: None,
        }
    }

    fn answer(principals: Vec<super::super::PrincipalAccess>) -> SpaceAnswer {
        SpaceAnswer {
            action: "ecs:CancelImagePipelineExecution".into(),
            resource: format!("acs:ecs:*:{A}:imagepipeline/*"),
            principals,
            unlisted: Vec::new(),
            classes: 1,
        }
    }

    #[test]
    fn owner_of_the_resources_account_is_exempt_and_others_are_not() {
        let question = Question::new("ecs:CancelImagePipelineExecution")
            .with_resource(format!("acs:ecs:*:{A}:imagepipeline/*"));
        let answer = answer(vec![
            entry(&format!("acs:ram::{A}:root"), A, Access::All),
            entry(&format!("acs:ram::{B}:root"), B, Access::Some),
            entry(&format!("acs:ram::{A}:user/alice"), A, Access::Some),
            entry(&format!("acs:ram::{A}:user/bob"), A, Access::Some),
            entry(&format!("acs:ram::{A}:user/carol"), A, Access::None),
        ]);
        let verdict = gate(
            &accounts(),
            &question,
            &answer,
            &[format!("acs:ram::{A}:user/alice")],
        )
        .expect("gate");
        let who: Vec<&str> = verdict
            .violations
            .iter()
            .map(|v| v.principal.as_str())
            .collect();
        assert_eq!(
            who,
            [
                format!("acs:ram::{B}:root"),
                format!("acs:ram::{A}:user/bob")
            ]
        );
        assert!(!verdict.passed());
    }

    #[test]
    fn t6_unlisted_principals_fail_the_gate_unless_their_account_is_allowed() {
        let question = Question::new("ecs:CancelImagePipelineExecution")
            .with_resource(format!("acs:ecs:*:{A}:imagepipeline/*"));
        let mut answer = answer(Vec::new());
        answer.unlisted.push(UnlistedPrincipals {
            account: "3333333333333333".into(),
            role: "deployer".into(),
            policy: "trust".into(),
            file: None,
            index: 0,
            position: crate::policy::Position::new(1, 1),
        });
        let verdict = gate(&accounts(), &question, &answer, &[]).expect("gate");
        assert_eq!(verdict.violations.len(), 1);
        assert_eq!(
            verdict.violations[0].principal,
            "acs:ram::3333333333333333:*"
        );
        let allowed = gate(
            &accounts(),
            &question,
            &answer,
            &["acs:ram::3333333333333333:root".into()],
        )
        .expect("gate");
        assert!(allowed.passed());
    }

    #[test]
    fn a_pattern_whose_wildcard_spans_fields_does_not_exempt_owners() {
        let question = Question::new("ecs:CancelImagePipelineExecution")
            .with_resource("acs:ecs:*:imagepipeline/*");
        let answer = answer(vec![entry(&format!("acs:ram::{A}:root"), A, Access::All)]);
        let verdict = gate(&accounts(), &question, &answer, &[]).expect("gate");
        assert_eq!(verdict.violations.len(), 1, "{verdict:?}");
    }

    #[test]
    fn the_account_field_is_split_only_from_five_fields() {
        assert!(matches!(
            account_field(Some("acs:ecs:cn-*:123:imagepipeline/prod-*")),
            AccountField::Literal(a) if a == "123"
        ));
        match account_field(Some("acs:ecs:cn-*:12*:imagepipeline/prod-*")) {
            AccountField::Pattern(p) => assert_eq!(
                p.with_account("129"),
                "acs:ecs:cn-*:129:imagepipeline/prod-*"
            ),
            _ => panic!("a pattern"),
        }
        assert!(matches!(account_field(None), AccountField::Pattern(_)));
        assert!(matches!(account_field(Some("*")), AccountField::Unknown));
    }
}
