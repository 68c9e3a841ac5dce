//! `condition-never-met`: a condition that can no longer be met.

use super::clause_path;
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};
use crate::vocabulary::{Instant, IpTest, OrderTest, Test};

/// `condition-never-met`
pub(crate) const RULE: Rule = Rule {
    id: "condition-never-met",
    severity: Severity::Warning,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "a condition that can no longer be met (`DateLessThan acs:CurrentTime` in the past; `IpAddress` of an empty set)",
    doc: r#"
## What it does
Reports a condition that no request can meet any more: `DateLessThan`,
`DateLessThanEquals` or `DateEquals` on `acs:CurrentTime` whose every value lies in the past
(checked against the clock when the linter runs), and an `IpAddress` on `acs:SourceIp` whose
every value is the unspecified address `0.0.0.0` or `::` (an empty set of sources).

## Why is this bad?
The statement is dead: an Allow that expired grants nothing (often a temporary grant that
should be removed), a Deny that expired protects nothing.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"DateLessThan": {"acs:CurrentTime": "2019-08-12T17:00:00+08:00"}}}]}
```

## Use instead
Remove the statement, or give it a date in the future.

## References
- Spec C3, C8
"#,
};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    let now = Instant::now();
    for statement in policy.statements() {
        for clause in statement
            .condition()
            .map(|c| c.clauses())
            .unwrap_or_default()
        {
            let key = clause.key();
            // What the operator tests, when it is positive: a negated operator is met by
            // whatever fails its test (C4), so it is never a dead end here.
            let positive =
                Some(clause.operator().test()).filter(|_| !clause.operator().is_negated());
            let message = match positive {
                Some(Test::Date(order)) if key.eq_ignore_ascii_case("acs:CurrentTime") => {
                    // Time only moves on: a test that fails for every instant after the listed
                    // ones fails from now on.
                    let fails_later = match order {
                        OrderTest::Equals | OrderTest::LessThan | OrderTest::LessThanEquals => true,
                        OrderTest::GreaterThan | OrderTest::GreaterThanEquals => false,
                    };
                    let past = fails_later
                        && clause
                            .values()
                            .iter()
                            .all(|v| v.typed().as_instant().is_some_and(|i| *i < now));
                    past.then(|| {
                        format!(
                            "`{} acs:CurrentTime` compares with a time in the past, so the condition is never met",
                            clause.operator()
                        )
                    })
                }
                Some(Test::Ip(IpTest::InBlock)) if key.eq_ignore_ascii_case("acs:SourceIp") => {
                    let empty = clause.values().iter().all(|v| {
                        v.typed().as_ip_block().is_some_and(|b| {
                            b.network().is_unspecified()
                                && u32::from(b.prefix_len())
                                    == if b.network().is_ipv4() { 32 } else { 128 }
                        })
                    });
                    empty.then(|| {
                        format!(
                            "`{} acs:SourceIp` lists only the unspecified address, which no request comes from",
                            clause.operator()
                        )
                    })
                }
                Some(
                    Test::String(_)
                    | Test::Numeric(_)
                    | Test::Date(_)
                    | Test::Bool(_)
                    | Test::Ip(_),
                )
                | None => None,
            };
            if let Some(message) = message {
                ctx.report(
                    &RULE,
                    clause.operator_span(),
                    clause_path(policy, statement, clause),
                    message,
                    Some(
                        "remove the statement, or change the condition so that it can be met"
                            .into(),
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fires;

    #[test]
    fn c3_date_in_the_past_fires() {
        assert!(fires(
            "condition-never-met",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"DateLessThan":{"acs:CurrentTime":"2019-08-12T17:00:00+08:00"}}}"#
        ));
    }
    #[test]
    fn future_date_or_other_operator_passes() {
        assert!(!fires(
            "condition-never-met",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"DateLessThan":{"acs:CurrentTime":"9999-01-01T00:00:00Z"}}}"#
        ));
        assert!(!fires(
            "condition-never-met",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"DateGreaterThan":{"acs:CurrentTime":"2019-08-12T17:00:00Z"}}}"#
        ));
    }
    #[test]
    fn unspecified_source_fires() {
        assert!(fires(
            "condition-never-met",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"0.0.0.0"}}}"#
        ));
        assert!(!fires(
            "condition-never-met",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"0.0.0.0/0"}}}"#
        ));
    }
}
