//! The patterns and condition values that matter to one principal's question (A2).
//!
//! A decision of the question's action can only change where a statement that the procedure
//! may read changes its verdict: where one of its resource patterns, or one of its condition
//! values, judges the request differently. [`Atoms`] gathers those statements for a principal,
//! for the roles it may reach (T5) and for the AssumeRole hops on the way, with the resource
//! groups' patterns and each account's own resources (E3, E4.3). Gathering more than is needed
//! only makes the classes finer; gathering less would make them wrong, so every pool the
//! procedure could read is taken whole.

use std::collections::BTreeMap;

use super::partition::strings::StringAtom;
use super::partition::values;
use super::AnalysisError;
use crate::account::{Account, Principal};
use crate::assume::ASSUME_ROLE;
use crate::condition::{fixed_type_of, Family};
use crate::decision::{matched_action, matched_resource, Context, Matched};
use crate::policy::{Clause, Statement, TypedValue};
use crate::vocabulary::{StringTest, Test};

/// The key whose values the checker always fills in from the principal (E2, C8): never a
/// dimension of the space.
const PRINCIPAL_ARN: &str = "acs:PrincipalARN";
/// The key that is never absent (A1).
const CURRENT_TIME: &str = "acs:CurrentTime";

/// What one question depends on.
#[derive(Debug, Default)]
pub(crate) struct Atoms<'a> {
    /// Statements whose action part matches the question's action, from every pool of every
    /// principal the question may decide for.
    finals: Vec<&'a Statement>,
    /// Those of `finals` with a condition.
    conditional: Vec<&'a Statement>,
    /// Resource patterns that are not statements': resource groups' claims and each account's
    /// own image pipelines.
    patterns: Vec<String>,
    /// Clauses of the statements that decide an AssumeRole on the way: they count whatever the
    /// resource.
    hop_clauses: Vec<&'a Clause>,
    /// The accounts already added.
    accounts: Vec<&'a str>,
}

impl<'a> Atoms<'a> {
    /// Adds what `principal` of `account` reads for `action`: its attachments at every scope,
    /// the control policies above its account, the account's resource groups and its own
    /// resources.
    pub(crate) fn add_principal(
        &mut self,
        account: &'a Account,
        principal: &Principal,
        action: &str,
    ) -> Result<(), AnalysisError> {
        self.add_account(account);
        for statement in pools(account, principal)? {
            if matched_action(statement, action) != Matched::None {
                self.finals.push(statement);
                if statement.condition().is_some() {
                    self.conditional.push(statement);
                }
            }
        }
        Ok(())
    }

    /// Adds what `caller` of `account` assuming `role` of `role_account` reads (T3): the
    /// caller's statements for `sts:AssumeRole` and the role's trust policy.
    pub(crate) fn add_hop(
        &mut self,
        account: &'a Account,
        caller: &Principal,
        role_account: &'a Account,
        role: &str,
    ) -> Result<(), AnalysisError> {
        for statement in pools(account, caller)? {
            if matched_action(statement, ASSUME_ROLE) != Matched::None {
                self.hop_clauses.extend(clauses(statement));
            }
        }
        if let Some(trust) = role_account.trust_policy(role) {
            for statement in trust.policy().statements() {
                self.hop_clauses.extend(clauses(statement));
            }
        }
        Ok(())
    }

    fn add_account(&mut self, account: &'a Account) {
        if self.accounts.contains(&account.id()) {
            return;
        }
        self.accounts.push(account.id());
        self.patterns.push(own_resources(account.id()));
        for group in account.resource_groups().iter() {
            self.patterns
                .extend(group.claims().iter().map(|c| c.pattern().to_owned()));
        }
    }

    /// Every resource pattern: the statements' (Resource and NotResource alike) and the others.
    pub(crate) fn resource_atoms(&self) -> Vec<StringAtom> {
        let mut atoms: Vec<StringAtom> = self
            .finals
            .iter()
            .filter_map(|s| s.resource())
            .flat_map(|r| r.patterns())
            .map(|p| StringAtom::Glob(p.value().clone()))
            .chain(self.patterns.iter().cloned().map(StringAtom::Glob))
            .collect();
        atoms.sort_unstable_by(|a, b| atom_text(a).cmp(&atom_text(b)));
        atoms.dedup();
        atoms
    }

    /// The clauses evaluated for a request on `resource`: those of the statements whose
    /// resource part matches it (M6: the others' conditions are never evaluated), and the
    /// hops'.
    pub(crate) fn clauses_for(&self, resource: &str) -> impl Iterator<Item = &'a Clause> + '_ {
        let resource = resource.to_owned();
        self.conditional
            .iter()
            .filter(move |s| matched_resource(s, &resource) != Matched::None)
            .flat_map(|s| clauses(s))
            .chain(self.hop_clauses.iter().copied())
    }

    /// Every clause that may be evaluated, whatever the resource.
    pub(crate) fn all_clauses(&self) -> impl Iterator<Item = &'a Clause> + '_ {
        self.conditional
            .iter()
            .flat_map(|s| clauses(s))
            .chain(self.hop_clauses.iter().copied())
    }
}

/// `acs:ecs:*:<account>:imagepipeline/*`: the image pipelines of the account, whose principals
/// alone may act on them (E3).
pub(crate) fn own_resources(account: &str) -> String {
    format!("acs:ecs:*:{account}:imagepipeline/*")
}

fn atom_text(atom: &StringAtom) -> (&str, u8) {
    match atom {
        StringAtom::Glob(t) => (t, 0),
        StringAtom::Exact(t) => (t, 1),
        StringAtom::ExactIgnoreCase(t) => (t, 2),
    }
}

fn clauses(statement: &Statement) -> impl Iterator<Item = &Clause> {
    statement.condition().into_iter().flat_map(|c| c.clauses())
}

/// Every statement of every pool the procedure may read for `principal` (E2, E4): its
/// attachments at any scope, and the control policies of its account's directory.
fn pools<'a>(
    account: &'a Account,
    principal: &Principal,
) -> Result<Vec<&'a Statement>, AnalysisError> {
    let attached = account
        .attachments_of(principal)
        .map_err(crate::assume::AssumeError::from)?;
    let mut statements: Vec<&Statement> = attached
        .iter()
        .flat_map(|a| a.policy().policy().statements())
        .collect();
    if let Some(directory) = account.resource_directory() {
        for level in directory.levels() {
            for policy in level.control_policies() {
                statements.extend(policy.policy().statements());
            }
        }
    }
    Ok(statements)
}

/// The clauses that test each key, by lower-cased key (C6), but `acs:PrincipalARN` and the
/// keys `fixed` gives: the key as first written, and its clauses.
pub(crate) fn by_key<'c>(
    clauses: impl Iterator<Item = &'c Clause>,
    fixed: &Context,
) -> BTreeMap<String, (String, Vec<&'c Clause>)> {
    let mut by_key: BTreeMap<String, (String, Vec<&Clause>)> = BTreeMap::new();
    for clause in clauses {
        let key = clause.key();
        if key.eq_ignore_ascii_case(PRINCIPAL_ARN) || fixed.values(key).is_some() {
            continue;
        }
        by_key
            .entry(key.to_ascii_lowercase())
            .or_insert_with(|| (key.to_owned(), Vec::new()))
            .1
            .push(clause);
    }
    by_key
}

/// The values `key` takes (A1): one per class its clauses split its values into, and absent
/// unless it is `acs:CurrentTime`.
///
/// A key with a fixed type (C7) holds values of that type only. Any other key is a String
/// (C8) that each operator compares as its own family: its values are the String classes of
/// its string clauses, and the classes of each other family its clauses compare it as. A
/// value that does not parse for a comparison evaluated on it makes the request an input
/// error, which the engine leaves out of the space (`reach::settle`). A value equal to a
/// listed string gets a second spelling of the same number, instant or address, so that both
/// sides of the string comparison are witnessed. String patterns (`StringLike`) or case-blind
/// comparisons on a key also compared as another type could split that type's values in ways
/// no witness shows: they are refused rather than guessed (A2).
pub(crate) fn key_values(
    key: &str,
    clauses: &[&Clause],
    limit: usize,
) -> Result<Vec<Option<String>>, AnalysisError> {
    let cannot = |reason: String| AnalysisError::Condition {
        key: key.to_owned(),
        reason,
    };
    let mut families: Vec<Family> = clauses
        .iter()
        .map(|c| c.operator().family())
        .filter(|f| *f != Family::String)
        .chain(fixed_type_of(key))
        .collect();
    families.sort_unstable_by_key(|f| *f as u8);
    families.dedup();
    let fixed = fixed_type_of(key);
    let text_clauses: Vec<&Clause> = clauses
        .iter()
        .copied()
        .filter(|c| c.operator().family() == Family::String)
        .collect();
    let listed: Vec<&str> = text_clauses
        .iter()
        .flat_map(|c| c.values())
        .map(|v| v.text())
        .collect();
    let mut out: Vec<String> = Vec::new();
    if fixed.is_none() {
        let atoms: Vec<StringAtom> = text_clauses
            .iter()
            .flat_map(|c| c.values().iter().map(move |v| (c.operator().test(), v)))
            .filter_map(|(test, v)| string_atom(test, v.text()))
            .collect();
        out = super::partition::strings::witnesses(
            &super::partition::strings::StringDomain::Any,
            &atoms,
            limit,
        )
        .map_err(|_| {
            cannot(format!(
                "its string values split it into more than {limit} classes"
            ))
        })?;
    }
    for &family in &families {
        if family != Family::Bool {
            refuse_text_patterns(key, family, &text_clauses)?;
        }
        let typed = clauses
            .iter()
            .filter(|c| c.operator().family() == family)
            .flat_map(|c| c.values())
            .map(|v| v.typed());
        let witnesses = match family {
            Family::String => Vec::new(),
            Family::Numeric => values::numeric(
                &typed
                    .filter_map(|v| match v {
                        TypedValue::Decimal(d) => Some(d.clone()),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            Family::Date => values::date(
                &typed
                    .filter_map(|v| match v {
                        TypedValue::Instant(i) => Some(*i),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            Family::Ip => values::ip(
                &typed
                    .filter_map(|v| match v {
                        TypedValue::IpBlock(b) => Some(*b),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            Family::Bool => values::boolean(),
        };
        for witness in witnesses {
            out.extend(other_spelling(family, &witness, &listed));
            out.push(witness);
        }
        // A listed string of the family's type is a value of its own class.
        out.extend(
            listed
                .iter()
                .filter(|v| crate::vocabulary::validate_request_value(family, v).is_ok())
                .map(|v| (*v).to_owned()),
        );
    }
    if let Some(fixed) = fixed {
        out.retain(|v| crate::vocabulary::validate_request_value(fixed, v).is_ok());
    }
    out.sort();
    out.dedup();
    let mut values: Vec<Option<String>> = Vec::with_capacity(out.len() + 1);
    if !key.eq_ignore_ascii_case(CURRENT_TIME) {
        values.push(None);
    }
    values.extend(out.into_iter().map(Some));
    Ok(values)
}

/// Refuses a `StringLike` pattern, or a case-blind comparison of a value with letters, on a
/// key that `family` also compares: see [`key_values`].
fn refuse_text_patterns(
    key: &str,
    family: Family,
    text_clauses: &[&Clause],
) -> Result<(), AnalysisError> {
    for clause in text_clauses {
        for value in clause.values() {
            let refused = match clause.operator().test() {
                Test::String(StringTest::Like) => crate::matching::has_wildcard(value.text()),
                Test::String(StringTest::EqualsIgnoreCase) => {
                    value.text().chars().any(char::is_alphabetic)
                }
                _ => false,
            };
            if refused {
                return Err(AnalysisError::Condition {
                    key: key.to_owned(),
                    reason: format!(
                        "`{}` compares it with `{}` as text while other statements compare it as {family}; compare it one way, or fix it with `--context`",
                        clause.operator().name(),
                        value.text()
                    ),
                });
            }
        }
    }
    Ok(())
}

/// A spelling of `witness`'s value that no listed string equals, when `witness` is one of
/// them: `10` as `10.0`, an instant with `+00:00` for `Z`, an IPv6 address in capitals, a truth
/// value in other letter cases. `None` when the witness is no listed string, or the value has
/// no other spelling (an IPv4 address).
fn other_spelling(family: Family, witness: &str, listed: &[&str]) -> Option<String> {
    if !listed.contains(&witness) {
        return None;
    }
    let candidates: Vec<String> = match family {
        Family::Numeric => {
            let dot = if witness.contains('.') { "" } else { "." };
            (1..=listed.len() + 1)
                .map(|n| format!("{witness}{dot}{}", "0".repeat(n)))
                .collect()
        }
        Family::Date => witness
            .strip_suffix('Z')
            .map(|t| vec![format!("{t}+00:00"), format!("{t}-00:00")])
            .unwrap_or_default(),
        Family::Ip => vec![witness.to_uppercase()],
        Family::Bool => ["True", "TRUE", "tRUE", "False", "FALSE", "fALSE"]
            .iter()
            .filter(|s| s.eq_ignore_ascii_case(witness))
            .map(|s| (*s).to_owned())
            .collect(),
        Family::String => Vec::new(),
    };
    candidates.into_iter().find(|c| {
        !listed.contains(&c.as_str())
            && crate::vocabulary::validate_request_value(family, c).is_ok()
    })
}

fn string_atom(test: Test, value: &str) -> Option<StringAtom> {
    match test {
        Test::String(StringTest::Equals) => Some(StringAtom::Exact(value.to_owned())),
        Test::String(StringTest::EqualsIgnoreCase) => {
            Some(StringAtom::ExactIgnoreCase(value.to_owned()))
        }
        Test::String(StringTest::Like) => Some(StringAtom::Glob(value.to_owned())),
        _ => None,
    }
}
