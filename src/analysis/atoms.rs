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

/// The values each context key takes in the space (A1): one per class its clauses split it
/// into, `None` standing for the key being absent. Keys compare case-insensitively (C6); keys
/// the caller fixed take their fixed values only.
#[derive(Debug, Default)]
pub(crate) struct KeyValues {
    /// Lower-cased key → (the key as first written, its values).
    keys: BTreeMap<String, (String, Vec<Option<String>>)>,
}

impl KeyValues {
    /// The values of every key `clauses` test, but `acs:PrincipalARN` and the keys `fixed`
    /// gives.
    pub(crate) fn of<'c>(
        clauses: impl Iterator<Item = &'c Clause>,
        fixed: &Context,
    ) -> Result<KeyValues, AnalysisError> {
        let mut keys = BTreeMap::new();
        for (lower, (key, clauses)) in by_key(clauses, fixed) {
            let values = key_values(&key, &clauses)?;
            keys.insert(lower, (key, values));
        }
        Ok(KeyValues { keys })
    }

    /// Every dimension, sorted by key.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &[Option<String>])> {
        self.keys.values().map(|(k, v)| (k.as_str(), v.as_slice()))
    }
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

/// The values `key` takes: its type's classes under its clauses, and absent unless it is
/// `acs:CurrentTime` (A1). The type is the key's fixed type (C7), else the one non-string
/// family its operators compare it as (a value that does not parse for that family would be
/// an input error, C7, so the space holds only values that parse), else String.
pub(crate) fn key_values(
    key: &str,
    clauses: &[&Clause],
) -> Result<Vec<Option<String>>, AnalysisError> {
    let cannot = |reason: String| AnalysisError::Condition {
        key: key.to_owned(),
        reason,
    };
    let mut families: Vec<Family> = clauses.iter().map(|c| c.operator().family()).collect();
    families.sort_unstable_by_key(|f| *f as u8);
    families.dedup();
    let typed: Vec<Family> = families
        .iter()
        .copied()
        .filter(|f| *f != Family::String)
        .collect();
    let family = match (fixed_type_of(key), typed.as_slice()) {
        (Some(fixed), _) => fixed,
        (None, []) => Family::String,
        (None, [one]) => *one,
        (None, _) => {
            return Err(cannot(format!(
                "it is compared as {}; a value cannot be all of them",
                typed
                    .iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>()
                    .join(" and ")
            )))
        }
    };
    let typed_values = clauses
        .iter()
        .filter(|c| c.operator().family() == family)
        .flat_map(|c| c.values())
        .map(|v| v.typed());
    let mut out: Vec<String> = match family {
        Family::String => {
            let atoms: Vec<StringAtom> = clauses
                .iter()
                .flat_map(|c| c.values().iter().map(move |v| (c.operator().test(), v)))
                .filter_map(|(test, v)| string_atom(test, v.text()))
                .collect();
            super::partition::strings::witnesses(
                &super::partition::strings::StringDomain::Any,
                &atoms,
                super::DEFAULT_MAX_CASES,
            )
            .map_err(|_| cannot("its string values split it into too many classes".into()))?
        }
        Family::Numeric => values::numeric(
            &typed_values
                .filter_map(|v| match v {
                    TypedValue::Decimal(d) => Some(d.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        Family::Date => values::date(
            &typed_values
                .filter_map(|v| match v {
                    TypedValue::Instant(i) => Some(*i),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        Family::Ip => values::ip(
            &typed_values
                .filter_map(|v| match v {
                    TypedValue::IpBlock(b) => Some(*b),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
        Family::Bool => values::boolean(),
    };
    if family != Family::String {
        // A string operator on a key of another type: its exact values are more witnesses
        // of the type; a pattern could split the type's values in ways no witness of the type
        // shows, so that is refused rather than guessed (A2).
        for clause in clauses
            .iter()
            .filter(|c| c.operator().family() == Family::String)
        {
            for value in clause.values() {
                match clause.operator().test() {
                    Test::String(StringTest::Like) if crate::matching::has_wildcard(value.text()) => {
                        return Err(cannot(format!(
                            "it is a {family} key that `{}` compares with the pattern `{}`; compare it as {family}, or fix it with `--context`",
                            clause.operator().name(),
                            value.text()
                        )))
                    }
                    Test::String(StringTest::EqualsIgnoreCase)
                        if family != Family::Bool
                            && value.text().chars().any(char::is_alphabetic) =>
                    {
                        return Err(cannot(format!(
                            "it is a {family} key that `{}` compares ignoring case; compare it as {family}, or fix it with `--context`",
                            clause.operator().name()
                        )))
                    }
                    _ => {
                        if crate::vocabulary::validate_request_value(family, value.text()).is_ok()
                        {
                            out.push(value.text().to_owned());
                        }
                    }
                }
            }
        }
        let compared_as_text = clauses
            .iter()
            .any(|c| c.operator().family() == Family::String);
        if family == Family::Bool && compared_as_text {
            // Bool compares ignoring case, a string operator does not: each truth value also
            // needs a spelling that no listed value equals.
            for spellings in [
                ["true", "True", "TRUE", "tRUE", "trUE"],
                ["false", "False", "FALSE", "fALSE", "faLSE"],
            ] {
                let listed: Vec<&str> = clauses
                    .iter()
                    .flat_map(|c| c.values())
                    .map(|v| v.text())
                    .collect();
                if let Some(free) = spellings.iter().find(|s| !listed.contains(s)) {
                    out.push((*free).to_owned());
                }
            }
        }
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
