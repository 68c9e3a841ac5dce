//! `allow-notaction`: an Allow with `NotAction`.

use super::{grants, statement_path};
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};
use crate::policy::Effect;

/// `allow-notaction`
pub(crate) const RULE: Rule = Rule {
    id: "allow-notaction",
    severity: Severity::Security,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "Allow with `NotAction` (grants every other action, including ones not yet invented)",
    doc: r#"
## What it does
Reports an `Allow` statement of an identity or session policy that uses `NotAction` (spec M5).

## Why is this bad?
`Allow` + `NotAction` is not a Deny of the listed actions: it grants every other action of
every service, including actions added to RAM later. Authors usually mean "everything but
billing" and get "everything but billing, forever, including what does not exist yet".

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "NotAction": "bss:*", "Resource": "*"}]}
```

## Use instead
```json
{"Version": "1", "Statement": [
  {"Effect": "Allow", "Action": ["ecs:*", "vpc:Describe*"], "Resource": "*"},
  {"Effect": "Deny", "Action": "bss:*", "Resource": "*"}]}
```

## References
- Spec M5
"#,
};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    if !grants(policy.kind()) {
        return;
    }
    for statement in policy.statements() {
        if statement.effect() == Effect::Allow && statement.action().is_negated() {
            ctx.report(
                &RULE,
                statement.action().key_span(),
                format!("{}.NotAction", statement_path(policy, statement)),
                "`Allow` with `NotAction` grants every action not listed, including actions added later".into(),
                Some("list the allowed actions in `Action`, and deny what must stay out with a `Deny` statement".into()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fires;

    #[test]
    fn m5_allow_notaction_fires() {
        assert!(fires(
            "allow-notaction",
            r#"{"Effect":"Allow","NotAction":"bss:*","Resource":"*"}"#
        ));
    }
    #[test]
    fn deny_notaction_passes() {
        assert!(!fires(
            "allow-notaction",
            r#"{"Effect":"Deny","NotAction":"ecs:Describe*","Resource":"*"}"#
        ));
    }
}
