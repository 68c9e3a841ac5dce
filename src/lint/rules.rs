//! The lint rules, one file each (grammar rules reported by the parser share `grammar.rs`).
//!
//! Every rule file holds the rule's registry entry (`RULE`, with its documentation) and a
//! `check` that looks at the parsed [`Policy`] and reports findings through [`Ctx`]. Rules never
//! format output and never look at files: that is the renderers' and the CLI's job. This module
//! runs them all and holds the helpers they share (JSON paths, pattern subsumption).

pub(crate) mod action_case;
pub(crate) mod action_resource_mismatch;
pub(crate) mod allow_all;
pub(crate) mod allow_notaction;
pub(crate) mod cancel_any_pipeline;
pub(crate) mod cidr_host_bits;
pub(crate) mod condition_key_unsupported;
pub(crate) mod condition_never_met;
pub(crate) mod deny_bypass_missing_key;
pub(crate) mod duplicate_entry;
pub(crate) mod duplicate_sid;
pub(crate) mod empty_statement;
pub(crate) mod empty_value;
pub(crate) mod grammar;
pub(crate) mod key_case;
pub(crate) mod malformed_action;
pub(crate) mod malformed_resource;
pub(crate) mod non_string_value;
pub(crate) mod not_resource;
pub(crate) mod policy_too_large;
pub(crate) mod single_statement_object;
pub(crate) mod trust_any_principal;
pub(crate) mod trust_policy_shape;
pub(crate) mod unknown_action;
pub(crate) mod unreachable_statement;
pub(crate) mod wrapper;

use super::registry::Rule;
use super::{Ctx, Finding};
use crate::policy::{Clause, Condition, PatternList, Policy, PolicyKind, Statement};

/// Expands the one list of rules below into the registry's [`ALL`] and [`check_all`], so a rule
/// cannot be registered without being run, nor run without being registered. An entry `module`
/// is a model rule (its module's `RULE` and `check`); an entry `grammar::CONST` is a rule the
/// parser reports (`wrapper::CONST`: one the reading of the file around the documents reports).
/// The modules are declared above, outside the macro, because rustfmt does not
/// format files of modules declared inside a macro call. A module left out of the list is
/// reported as dead code (an error under `clippy -D warnings`), an entry without its module as
/// an unresolved name.
macro_rules! rules {
    ($($module:ident $(:: $parser_rule:ident)?,)*) => {
        /// Every rule, in the order of the docs: errors, then security, warnings, suggestions.
        pub(crate) static ALL: [&Rule; [$(stringify!($module)),*].len()] =
            [$(rules!(@rule $module $(:: $parser_rule)?)),*];

        /// Runs every model rule on a parsed document, in the order of [`ALL`].
        pub(crate) fn check_all(policy: &Policy, findings: &mut Vec<Finding>) {
            let mut ctx = Ctx::new(policy, findings);
            $(rules!(@check ctx, $module $(:: $parser_rule)?);)*
            ctx.finish();
        }
    };
    (@rule $module:ident) => {
        &$module::RULE
    };
    (@rule $module:ident :: $parser_rule:ident) => {
        &$module::$parser_rule
    };
    (@check $ctx:ident, $module:ident) => {
        $module::check(&mut $ctx)
    };
    (@check $ctx:ident, $module:ident :: $parser_rule:ident) => {};
}

rules! {
    grammar::INVALID_JSON,
    grammar::INVALID_VERSION,
    grammar::MISSING_STATEMENT,
    grammar::UNKNOWN_KEY,
    grammar::DUPLICATE_KEY,
    grammar::INVALID_EFFECT,
    grammar::MISSING_ACTION,
    grammar::MISSING_RESOURCE,
    empty_value,
    grammar::INVALID_TYPE,
    malformed_action,
    malformed_resource,
    grammar::UNKNOWN_OPERATOR,
    grammar::INVALID_CONDITION_VALUE,
    grammar::PRINCIPAL_NOT_ALLOWED,
    trust_policy_shape,
    policy_too_large,
    wrapper::INVALID_EMBEDDED_DOCUMENT,
    wrapper::INVALID_ACCOUNT,
    grammar::INTERNAL_ERROR,
    allow_all,
    allow_notaction,
    cancel_any_pipeline,
    trust_any_principal,
    deny_bypass_missing_key,
    unknown_action,
    action_resource_mismatch,
    condition_key_unsupported,
    condition_never_met,
    wrapper::DOCUMENT_UNKNOWN_UNTIL_APPLY,
    non_string_value,
    single_statement_object,
    not_resource,
    unreachable_statement,
    cidr_host_bits,
    empty_statement,
    key_case,
    action_case,
    duplicate_entry,
    duplicate_sid,
}

/// The JSON path of a statement: `Statement[2]`, or `Statement` when it is a single object.
pub(crate) fn statement_path(policy: &Policy, statement: &Statement) -> String {
    if policy.statement_is_array() {
        format!("Statement[{}]", statement.index())
    } else {
        "Statement".to_owned()
    }
}

/// The JSON path of an `Action`/`Resource` (or `Not...`) entry: `Statement[0].Action[1]`.
pub(crate) fn entry_path(
    policy: &Policy,
    statement: &Statement,
    list: &PatternList,
    key: &str,
    index: usize,
) -> String {
    let key = if list.is_negated() {
        format!("Not{key}")
    } else {
        key.to_owned()
    };
    let base = format!("{}.{key}", statement_path(policy, statement));
    if list.is_array() {
        format!("{base}[{index}]")
    } else {
        base
    }
}

/// The JSON path of a condition clause's key: `Statement[0].Condition.Bool.acs:MFAPresent`.
pub(crate) fn clause_path(policy: &Policy, statement: &Statement, clause: &Clause) -> String {
    format!(
        "{}.Condition.{}.{}",
        statement_path(policy, statement),
        clause.operator(),
        clause.key()
    )
}

/// The JSON path of one value of a clause (indexed when the clause lists several).
pub(crate) fn value_path(
    policy: &Policy,
    statement: &Statement,
    clause: &Clause,
    index: usize,
) -> String {
    let base = clause_path(policy, statement, clause);
    if clause.values().len() > 1 {
        format!("{base}[{index}]")
    } else {
        base
    }
}

/// Whether a statement has no condition that could fail: no `Condition`, or an empty one (C1).
pub(crate) fn is_unconditional(statement: &Statement) -> bool {
    statement
        .condition()
        .is_none_or(|c: &Condition| c.clauses().is_empty())
}

/// Whether a document of this kind grants access by itself (identity and session policies);
/// control policies only bound what others grant, and trust policies say who may assume a role.
pub(crate) fn grants(kind: PolicyKind) -> bool {
    matches!(kind, PolicyKind::Identity | PolicyKind::Session)
}

/// Whether the statement's action part lets `action` through (M2, M5).
pub(crate) fn lets_action_through(list: &PatternList, action: &str) -> bool {
    let matched = list
        .patterns()
        .iter()
        .any(|p| crate::matching::wildcard_match_ignore_case(p.value(), action));
    matched != list.is_negated()
}

/// Whether every text matched by the wildcard pattern `specific` is matched by `general`
/// (M1). Sound but not complete: a `?` in `general` never stands for a `*` of `specific`, so
/// when this says yes it is sure.
pub(crate) fn subsumes(general: &str, specific: &str, ignore_case: bool) -> bool {
    // What `general` has before its first wildcard, `specific` must start with, literally: a
    // test of a few bytes that settles most pairs of a large document (every Allow against
    // every Deny) before the table below is built.
    let literal = general.find(['*', '?']).unwrap_or(general.len());
    let head = general.get(..literal).unwrap_or_default().as_bytes();
    let same = |a: &[u8], b: &[u8]| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    specific
        .as_bytes()
        .get(..head.len())
        .is_some_and(|start| same(start, head) && !start.contains(&b'*') && !start.contains(&b'?'))
        && subsumes_by_table(general, specific, ignore_case)
}

/// [`subsumes`] without its first test: the matching of the two patterns, row by row.
fn subsumes_by_table(general: &str, specific: &str, ignore_case: bool) -> bool {
    let g: Vec<char> = general.chars().collect();
    let s: Vec<char> = specific.chars().collect();
    // reach[j]: whether g[..i] can match s[..j], row by row over i.
    let mut reach = vec![false; s.len() + 1];
    if let Some(first) = reach.first_mut() {
        *first = true;
    }
    for gc in &g {
        let mut next = vec![false; s.len() + 1];
        match gc {
            '*' => {
                let mut any = false;
                for (j, slot) in next.iter_mut().enumerate() {
                    any = any || reach.get(j).copied().unwrap_or(false);
                    *slot = any;
                }
            }
            _ => {
                for (j, sc) in s.iter().enumerate() {
                    let ok = match gc {
                        '?' => *sc != '*',
                        c if *sc == '*' || *sc == '?' => {
                            let _ = c;
                            false
                        }
                        c if ignore_case => c.eq_ignore_ascii_case(sc),
                        c => c == sc,
                    };
                    if ok && reach.get(j).copied().unwrap_or(false) {
                        if let Some(slot) = next.get_mut(j + 1) {
                            *slot = true;
                        }
                    }
                }
            }
        }
        reach = next;
    }
    reach.last().copied().unwrap_or(false)
}

/// Whether some resource ARN matches both resource patterns. Real ARNs have no `:` in their
/// service, region and account fields, so when both patterns have the five fields of an ARN
/// (M4) they are compared field by field; otherwise as whole texts.
pub(crate) fn arn_intersects(a: &str, b: &str) -> bool {
    let fields = |p: &str| -> Option<Vec<String>> {
        let parts: Vec<String> = p.splitn(5, ':').map(str::to_owned).collect();
        (parts.len() == 5).then_some(parts)
    };
    match (fields(a), fields(b)) {
        (Some(x), Some(y)) => x.iter().zip(&y).all(|(x, y)| intersects(x, y)),
        _ => intersects(a, b),
    }
}

/// Whether some text matches both wildcard patterns (M1), case-sensitively.
pub(crate) fn intersects(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    // can[i][j]: a[i..] and b[j..] have a common match; filled from the ends.
    let mut can = vec![false; (a.len() + 1) * width];
    for i in (0..=a.len()).rev() {
        for j in (0..=b.len()).rev() {
            let at = |i: usize, j: usize, can: &Vec<bool>| {
                can.get(i * width + j).copied().unwrap_or(false)
            };
            let ac = a.get(i);
            let bc = b.get(j);
            let value = match (ac, bc) {
                (None, None) => true,
                (Some('*'), _) if at(i + 1, j, &can) => true,
                (Some('*'), Some(_)) => at(i, j + 1, &can),
                (_, Some('*')) if at(i, j + 1, &can) => true,
                (Some(_), Some('*')) => at(i + 1, j, &can),
                (Some(x), Some(y)) => (*x == '?' || *y == '?' || x == y) && at(i + 1, j + 1, &can),
                _ => false,
            };
            if let Some(slot) = can.get_mut(i * width + j) {
                *slot = value;
            }
        }
    }
    can.first().copied().unwrap_or(false)
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::lint::lint_document;
    use crate::policy::PolicyKind;

    /// The lines at which `rule` fires on `text` (checked as `kind`, or guessed).
    pub(crate) fn lines(rule: &str, text: &str, kind: Option<PolicyKind>) -> Vec<usize> {
        lint_document(text.as_bytes(), kind)
            .into_iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.position.line)
            .collect()
    }

    /// Whether `rule` fires on a one-statement identity policy.
    pub(crate) fn fires(rule: &str, statement: &str) -> bool {
        let text = format!("{{\"Version\": \"1\", \"Statement\": [{statement}]}}");
        !lines(rule, &text, Some(PolicyKind::Identity)).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsumes_plain_and_starred() {
        assert!(subsumes("*", "acs:ecs:*:*:imagepipeline/*", false));
        assert!(subsumes(
            "acs:ecs:*:*:*",
            "acs:ecs:*:*:imagepipeline/*",
            false
        ));
        assert!(subsumes(
            "acs:*:*:*:imagepipeline/*",
            "acs:ecs:*:*:imagepipeline/*",
            false
        ));
        assert!(!subsumes(
            "acs:ecs:cn-*:*:imagepipeline/*",
            "acs:ecs:*:*:imagepipeline/*",
            false
        ));
        assert!(!subsumes(
            "acs:ecs:?:*:imagepipeline/*",
            "acs:ecs:*:*:imagepipeline/*",
            false
        ));
        assert!(subsumes("ECS:*", "ecs:Describe*", true));
        assert!(!subsumes("ecs:Describe*", "ecs:*", true));
    }

    proptest::proptest! {
        #[test]
        fn subsumes_settles_pairs_early_as_the_table_would(
            general in "[aA*?:]{0,6}",
            specific in "[aAb*?:]{0,6}",
            ignore_case: bool,
        ) {
            proptest::prop_assert_eq!(
                subsumes(&general, &specific, ignore_case),
                subsumes_by_table(&general, &specific, ignore_case)
            );
        }
    }

    #[test]
    fn intersects_patterns() {
        assert!(intersects(
            "acs:ecs:cn-hangzhou:*:imagepipeline/*",
            "acs:ecs:*:*:imagepipeline/*"
        ));
        assert!(!arn_intersects(
            "acs:ecs:*:*:imagepipelineexecution/*",
            "acs:ecs:*:*:imagepipeline/*"
        ));
        assert!(arn_intersects(
            "acs:ecs:*:*:*",
            "acs:ecs:*:*:imagepipeline/*"
        ));
        assert!(arn_intersects("*", "acs:ecs:*:*:imagepipeline/*"));
        assert!(!arn_intersects(
            "acs:ecs:*:*:instance/*",
            "acs:ecs:*:*:imagepipeline/*"
        ));
        assert!(!arn_intersects(
            "acs:oss:*:*:*",
            "acs:ecs:*:*:imagepipeline/*"
        ));
        assert!(intersects("a?c", "*b*"));
        assert!(!intersects("abc", "abd"));
    }
}
