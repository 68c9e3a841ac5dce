//! `deny-bypass-missing-key`: a Deny conditioned by a positive operator on a key that requests
//! may omit, so the Deny does not apply when the key is absent (C5).

use super::clause_path;
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};
use crate::policy::Effect;

/// `deny-bypass-missing-key`
pub(crate) const RULE: Rule = Rule {
    id: "deny-bypass-missing-key",
    severity: Severity::Security,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "a Deny conditioned by a positive operator on a key that requests may omit (`acs:MFAPresent`, `acs:SourceVpc`, tag keys): when the key is absent the Deny does not apply (C5)",
    doc: r#"
## What it does
Reports a `Deny` statement with a positive operator (`Bool`, `StringEquals`, `StringLike`,
`IpAddress`, ...) on a condition key that a request may not carry: `acs:MFAPresent` (absent on
AccessKey calls), `acs:SourceVpc` (absent on calls from the internet), `acs:ResourceTag/...`,
`acs:RequestTag/...` and service tag keys such as `ecs:tag/...` (absent when there are no tags).

## Why is this bad?
When a request has no value for a key, a positive operator on it is not met (spec C5), so the
Deny does not apply. `Deny` + `Bool acs:MFAPresent "false"` looks like "deny without MFA" but
does not stop AccessKey calls, which carry no `acs:MFAPresent` at all.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "ecs:*", "Resource": "*",
  "Condition": {"Bool": {"acs:MFAPresent": "false"}}}]}
```

## Use instead
Make the Allow require the key, since a missing key fails a positive operator:
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"Bool": {"acs:MFAPresent": "true"}}}]}
```
or deny with a negated operator, which a missing key meets
(`"StringNotEquals": {"acs:SourceVpc": "vpc-..."}`).

## References
- Spec C4, C5, C8
"#,
};

/// Whether requests may lack a value for `key` (C8).
pub(crate) fn may_be_absent(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key == "acs:mfapresent"
        || key == "acs:sourcevpc"
        || key.starts_with("acs:resourcetag/")
        || key.starts_with("acs:requesttag/")
        || key
            .split_once(':')
            .is_some_and(|(svc, rest)| svc != "acs" && rest.starts_with("tag/"))
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    for statement in policy.statements() {
        if statement.effect() != Effect::Deny {
            continue;
        }
        for clause in statement
            .condition()
            .map(|c| c.clauses())
            .unwrap_or_default()
        {
            if clause.operator().is_negated() || !may_be_absent(clause.key()) {
                continue;
            }
            let why = match clause.key().to_ascii_lowercase().as_str() {
                "acs:mfapresent" => "AccessKey calls carry no `acs:MFAPresent`",
                "acs:sourcevpc" => "calls from the internet carry no `acs:SourceVpc`",
                _ => "a request or resource without tags carries no tag key",
            };
            ctx.report(
                &RULE,
                clause.key_span(),
                clause_path(policy, statement, clause),
                format!(
                    "this Deny does not apply when `{}` is absent ({why}): `{}` is not met by a missing key",
                    clause.key(),
                    clause.operator()
                ),
                Some("require the key in the Allow instead (a missing key fails a positive operator), or deny with a negated operator, which a missing key meets".into()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fires;

    #[test]
    fn c5_deny_mfa_false_fires() {
        assert!(fires(
            "deny-bypass-missing-key",
            r#"{"Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"Bool":{"acs:MFAPresent":"false"}}}"#
        ));
        assert!(fires(
            "deny-bypass-missing-key",
            r#"{"Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"StringEquals":{"ecs:tag/env":"prod"}}}"#
        ));
    }
    #[test]
    fn c5_negated_or_allow_or_present_key_passes() {
        assert!(!fires(
            "deny-bypass-missing-key",
            r#"{"Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"StringNotEquals":{"acs:SourceVpc":"vpc-1"}}}"#
        ));
        assert!(!fires(
            "deny-bypass-missing-key",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"Bool":{"acs:MFAPresent":"true"}}}"#
        ));
        assert!(!fires(
            "deny-bypass-missing-key",
            r#"{"Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"NotIpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}"#
        ));
    }
}
