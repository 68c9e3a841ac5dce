//! `malformed-action`: an action that is not `ram-code:name` or `*`.

use super::entry_path;
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};

/// `malformed-action`
pub(crate) const RULE: Rule = Rule {
    id: "malformed-action",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "not `ram-code:name` or `*` (spaces, no colon, two colons)",
    doc: r#"
## What it does
Reports an action (in `Action` or `NotAction`) that is not `*` and not of the form
`<ram-code>:<action-name>` (spec M2): spaces (`"ecs: CreateInstance"`), no colon
(`"DescribeInstances"`), two colons, or characters no action has (`"ecs:[ECS RAM Action]"`, a
template placeholder). Wildcards `*` and `?` are allowed in both parts.

## Why is this bad?
RAM rejects the document, or the pattern matches no action and the statement silently does
nothing.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs: CreateInstance", "Resource": "*"}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:CreateInstance", "Resource": "*"}]}
```

## References
- Spec M2
- Alibaba Cloud RAM documentation, "Policy elements" (Action)
"#,
};

/// Whether `action` is `*` or `<ram-code>:<action-name>` with plausible characters.
pub(crate) fn is_well_formed(action: &str) -> bool {
    if action == "*" {
        return true;
    }
    let Some((code, name)) = action.split_once(':') else {
        return false;
    };
    let code_ok = !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*' | '?'));
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '*' | '?'));
    code_ok && name_ok
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    for statement in policy.statements() {
        let list = statement.action();
        for (i, p) in list.patterns().iter().enumerate() {
            let action = p.value();
            if action.trim().is_empty() || is_well_formed(action) || ctx.drops(&RULE, p.span()) {
                continue;
            }
            let squeezed: String = action.chars().filter(|c| !c.is_whitespace()).collect();
            let (message, help) = if squeezed != *action && is_well_formed(&squeezed) {
                (
                    format!("action `{action}` contains whitespace"),
                    format!("remove the spaces: `{squeezed}`"),
                )
            } else if !action.contains(':') {
                (
                    format!("action `{action}` has no service prefix"),
                    "write `<ram-code>:<action-name>`, e.g. `ecs:DescribeInstances`, or `*`"
                        .to_owned(),
                )
            } else if action.matches(':').count() > 1 {
                (
                    format!("action `{action}` has more than one `:`"),
                    "write `<ram-code>:<action-name>`, e.g. `ecs:DescribeInstances`".to_owned(),
                )
            } else {
                (
                    format!("action `{action}` is not of the form `<ram-code>:<action-name>`"),
                    "an action name has letters, digits and the wildcards `*` and `?` only; replace any placeholder with a real action".to_owned(),
                )
            };
            ctx.report(
                &RULE,
                p.span(),
                entry_path(policy, statement, list, "Action", i),
                message,
                Some(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fires;
    use super::is_well_formed;

    #[test]
    fn m2_forms() {
        assert!(is_well_formed("*"));
        assert!(is_well_formed("ecs:Describe*"));
        assert!(is_well_formed("*:Describe*"));
        assert!(!is_well_formed("ecs: CreateInstance"));
        assert!(!is_well_formed("DescribeInstances"));
        assert!(!is_well_formed("ecs:a:b"));
        assert!(!is_well_formed("ecs:[ECS RAM Action]"));
    }
    #[test]
    fn space_after_colon_fires() {
        assert!(fires(
            "malformed-action",
            r#"{"Effect":"Allow","Action":"ecs: CreateInstance","Resource":"*"}"#
        ));
    }
    #[test]
    fn good_action_passes() {
        assert!(!fires(
            "malformed-action",
            r#"{"Effect":"Allow","Action":"ecs:CreateInstance","Resource":"*"}"#
        ));
    }
}
