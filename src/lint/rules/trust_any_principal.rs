//! `trust-any-principal`: a trust policy that lets any account, or anyone, assume the role.

use super::statement_path;
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};
use crate::policy::{Effect, PolicyKind};

/// `trust-any-principal`
pub(crate) const RULE: Rule = Rule {
    id: "trust-any-principal",
    severity: Severity::Security,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "trust policy that lets any account or `*` assume the role",
    doc: r#"
## What it does
In a trust policy, reports an `Allow` whose `Principal` is `"*"`, has a value `"*"`, or has a
`RAM` principal whose account field is a wildcard (`acs:ram::*:root`), with or without a
condition.

## Why is this bad?
Any Alibaba Cloud account in the world can assume the role and get its permissions. Conditions
such as `sts:ExternalId` narrow it, but a guessable or leaked value opens it again.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
  "Principal": {"RAM": ["acs:ram::*:root"]}}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
  "Principal": {"RAM": ["acs:ram::1234567890123456:root"]}}]}
```

## References
- Spec G4
- Alibaba Cloud RAM documentation, "Edit the trust policy of a RAM role"
"#,
};

/// Whether a principal value stands for anyone or any account. A partly starred account ID
/// (`123456789012****`) is a masked example in documentation, not a wildcard for every account,
/// so only an account field made of wildcards alone counts.
fn is_any(kind: &str, value: &str) -> bool {
    if value == "*" {
        return true;
    }
    kind.eq_ignore_ascii_case("RAM")
        && value
            .split(':')
            .nth(3)
            .is_some_and(|account| !account.is_empty() && account.chars().all(|c| c == '*'))
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    if policy.kind() != PolicyKind::Trust {
        return;
    }
    for statement in policy.statements() {
        if statement.effect() != Effect::Allow {
            continue;
        }
        let Some(principal) = statement.principal() else {
            continue;
        };
        let path = format!("{}.Principal", statement_path(policy, statement));
        if principal.is_wildcard() {
            ctx.report(
                &RULE,
                principal.span(),
                path,
                "`\"Principal\": \"*\"` lets anyone assume the role".into(),
                Some(
                    "name the trusted account: `{\"RAM\": [\"acs:ram::<account-id>:root\"]}`"
                        .into(),
                ),
            );
            continue;
        }
        for (kind, values) in principal.entries() {
            for value in values {
                if is_any(kind.value(), value.value()) {
                    ctx.report(
                        &RULE,
                        value.span(),
                        format!("{path}.{}", kind.value()),
                        format!("`{}` lets any account assume the role", value.value()),
                        Some("name the trusted account id instead of a wildcard".into()),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::lines;
    use crate::policy::PolicyKind;

    fn trust(principal: &str) -> String {
        format!("{{\"Version\":\"1\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Principal\":{principal}}}]}}")
    }
    #[test]
    fn wildcards_fire() {
        for p in [r#""*""#, r#"{"RAM":"acs:ram::*:root"}"#, r#"{"RAM":["*"]}"#] {
            assert_eq!(
                lines("trust-any-principal", &trust(p), Some(PolicyKind::Trust)),
                vec![1],
                "{p}"
            );
        }
    }
    #[test]
    fn named_account_passes() {
        let doc =
            trust(r#"{"RAM":["acs:ram::1234567890123456:root"],"Service":["ecs.aliyuncs.com"]}"#);
        assert!(lines("trust-any-principal", &doc, Some(PolicyKind::Trust)).is_empty());
    }
}
