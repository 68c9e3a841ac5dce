//! `key-case`: a condition key spelled with other case than documented (C6).

use super::clause_path;
use crate::lint::catalog::{catalog, GLOBAL_KEYS, GLOBAL_KEY_PREFIXES};
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};

/// `key-case`
pub(crate) const RULE: Rule = Rule {
    id: "key-case",
    severity: Severity::Suggestion,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "a condition key spelled with other case than documented (C6)",
    doc: r#"
## What it does
Reports a condition key that matches a documented key only when case is ignored: global keys
(`acs:sourceip` for `acs:SourceIp`), tag key prefixes (`acs:resourcetag/` for
`acs:ResourceTag/`), and ECS/VPC keys of the catalogue (spec C6).

## Why is this bad?
ramcheck compares key names case-insensitively, as AWS does, but RAM does not document it: the
documented spelling is the safe one.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"IpAddress": {"acs:sourceip": "10.0.0.0/8"}}}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}]}
```

## References
- Spec C6, C8
"#,
};

/// Key families: the global ones, and the services' tag keys.
const PREFIXES: [&str; 4] = [
    GLOBAL_KEY_PREFIXES[0],
    GLOBAL_KEY_PREFIXES[1],
    "ecs:tag/",
    "vpc:tag/",
];

/// The documented spelling of `key`, when it differs from `key` only in case.
fn documented(key: &str) -> Option<String> {
    for known in GLOBAL_KEYS
        .iter()
        .copied()
        .chain(catalog().condition_keys().iter().map(|(k, _)| k.as_str()))
    {
        if key.eq_ignore_ascii_case(known) {
            return (key != known).then(|| known.to_owned());
        }
    }
    for prefix in PREFIXES {
        let Some(head) = key.get(..prefix.len()) else {
            continue;
        };
        if head.eq_ignore_ascii_case(prefix) {
            let rest = key.get(prefix.len()..).unwrap_or("");
            return (head != prefix).then(|| format!("{prefix}{rest}"));
        }
    }
    None
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    for statement in policy.statements() {
        for clause in statement
            .condition()
            .map(|c| c.clauses())
            .unwrap_or_default()
        {
            if let Some(fixed) = documented(clause.key()) {
                ctx.report(
                    &RULE,
                    clause.key_span(),
                    clause_path(policy, statement, clause),
                    format!(
                        "condition key `{}` is documented as `{fixed}`",
                        clause.key()
                    ),
                    Some(format!("write `{fixed}`")),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::documented;

    #[test]
    fn c6_spellings() {
        assert_eq!(documented("acs:sourceip").as_deref(), Some("acs:SourceIp"));
        assert_eq!(documented("acs:SourceIp"), None);
        assert_eq!(
            documented("ACS:ResourceTag/team").as_deref(),
            Some("acs:ResourceTag/team")
        );
        assert_eq!(
            documented("ecs:instancetype").as_deref(),
            Some("ecs:InstanceType")
        );
        assert_eq!(documented("oss:Prefix"), None);
    }
}
