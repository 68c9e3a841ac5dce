//! Testing a condition block against a request context (spec rules C1, C2, C4, C5, C8), and the
//! public home of the condition vocabulary: the 21 operators RAM documents ([`Operator`]), their
//! families ([`Family`]) and the typed values they compare ([`value`]).
//!
//! What each operator tests is the crate's vocabulary module's, which this module re-exports;
//! reading the `Condition` element out of JSON is [`crate::policy`]'s job; the request context
//! and its validation (C7) are the context module's, which the decision module re-exports. The
//! compiled authorizer tests the same blocks its own way, through the same tests.

pub mod value;

use crate::context::Context;
use crate::policy::{Clause, Condition};
pub use crate::vocabulary::{fixed_type_of, Family, Operator, UnknownOperator, TYPED_GLOBAL_KEYS};
use crate::vocabulary::{parse_bool, parse_ip, Decimal, Instant, Test, TypedValue, ValueError};

/// The outcome of testing a condition block: met, or the first clause (in document order)
/// that was not met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConditionResult {
    Met,
    NotMet { clause: usize },
}

/// A request value that does not parse for the operator comparing it (C7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ComparisonError {
    pub(crate) clause: usize,
    pub(crate) value: String,
    pub(crate) cause: ValueError,
}

/// Tests a whole condition block (C1, C2). Every clause is evaluated, even after one is not
/// met, so that a malformed request value is reported whatever the clause order (C7, E6).
pub(crate) fn evaluate(
    condition: &Condition,
    context: &Context,
    now: Instant,
) -> Result<ConditionResult, ComparisonError> {
    let mut result = ConditionResult::Met;
    for (index, clause) in condition.clauses().iter().enumerate() {
        let met = clause_met(clause, context, now).map_err(|(value, cause)| ComparisonError {
            clause: index,
            value,
            cause,
        })?;
        if !met && result == ConditionResult::Met {
            result = ConditionResult::NotMet { clause: index };
        }
    }
    Ok(result)
}

/// Tests one `operator: {key: values}` clause (C2–C5).
pub(crate) fn clause_met(
    clause: &Clause,
    context: &Context,
    now: Instant,
) -> Result<bool, (String, ValueError)> {
    let op = clause.operator();
    let now_text;
    let request: Vec<&str> = match context.values(clause.key()) {
        Some(values) => values.iter().map(String::as_str).collect(),
        None if clause.key().eq_ignore_ascii_case("acs:CurrentTime") => {
            now_text = now.to_string();
            vec![now_text.as_str()]
        }
        // C5: a missing key meets a negated operator and fails a positive one.
        None => return Ok(op.is_negated()),
    };
    let mut any = false;
    for text in request {
        // Every request value is typed, so a bad one is an error even if another matched (C7).
        if value_matches(op, text, clause.values().iter().map(|v| v.typed()))
            .map_err(|e| (text.to_owned(), e))?
        {
            any = true;
        }
    }
    // C4: a negated operator is met exactly when no request value matches any listed value.
    Ok(any != op.is_negated())
}

/// Whether one request value passes the operator's test, before its negation, against any
/// listed value (C2, C3). The request value is parsed for the operator's family first, so a bad
/// one is an error (C7).
fn value_matches<'a>(
    op: Operator,
    text: &str,
    mut listed: impl Iterator<Item = &'a TypedValue>,
) -> Result<bool, ValueError> {
    Ok(match op.test() {
        Test::String(test) => listed.any(|v| v.as_str().is_some_and(|p| test.holds(text, p))),
        Test::Numeric(test) => {
            let x = Decimal::parse(text)?;
            listed.any(|v| v.as_decimal().is_some_and(|p| test.holds(&x, p)))
        }
        Test::Date(test) => {
            let x = Instant::parse(text)?;
            listed.any(|v| v.as_instant().is_some_and(|p| test.holds(&x, p)))
        }
        Test::Bool(test) => {
            let x = parse_bool(text)?;
            listed.any(|v| v.as_bool().is_some_and(|p| test.holds(x, p)))
        }
        Test::Ip(test) => {
            let x = parse_ip(text)?;
            listed.any(|v| v.as_ip_block().is_some_and(|b| test.holds(x, b)))
        }
    })
}

#[cfg(test)]
mod tests;
