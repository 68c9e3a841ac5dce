//! `unknown-action`: an action of a catalogued service that does not exist.

use std::collections::HashMap;

use super::entry_path;
use super::malformed_action::is_well_formed;
use crate::lint::catalog::catalog;
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};
use crate::matching::{has_wildcard, wildcard_match_ignore_case};
use crate::suggest::did_you_mean;

/// `unknown-action`
pub(crate) const RULE: Rule = Rule {
    id: "unknown-action",
    severity: Severity::Warning,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "an action of a known service that does not exist (did-you-mean: `ecs:CancelImagePipelineExecutions`)",
    doc: r#"
## What it does
Reports an action of a service in ramcheck's action catalogue (ECS) that the service does not
have, with the nearest real action; and a wildcard pattern of such a service that matches no
action at all (`ecs:Descibe*`). Actions of other services are not checked. Operations whose
authorization details are not published are known actions too.

## Why is this bad?
RAM accepts the name, but it matches nothing: the Allow silently grants nothing, or the Deny
silently denies nothing.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecutions",
  "Resource": "acs:ecs:cn-hangzhou:*:imagepipeline/*"}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution",
  "Resource": "acs:ecs:cn-hangzhou:*:imagepipeline/*"}]}
```

## References
- ECS API reference, "RAM authorization"
- ramcheck's catalogue, `data/catalog/ecs-actions.tsv`
"#,
};

/// What the rule says about one action name of a catalogued service.
#[derive(Clone, Copy)]
enum Verdict {
    /// A real action, or a pattern that matches one.
    Known,
    /// A pattern that matches no action.
    MatchesNothing,
    /// An unknown name, with the nearest real action if one is close.
    Unknown(Option<&'static str>),
}

fn verdict(action: &str) -> Verdict {
    let catalog = catalog();
    if has_wildcard(action) {
        return if catalog
            .actions()
            .iter()
            .any(|a| wildcard_match_ignore_case(action, &a.name))
        {
            Verdict::Known
        } else {
            Verdict::MatchesNothing
        };
    }
    if catalog.action(action).is_some() {
        return Verdict::Known;
    }
    Verdict::Unknown(did_you_mean(
        action,
        catalog.actions().iter().map(|a| a.name.as_str()),
    ))
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    let catalog = catalog();
    // A name repeated through the document is looked up in the catalogue once.
    let mut verdicts: HashMap<&str, Verdict> = HashMap::new();
    for statement in policy.statements() {
        let list = statement.action();
        for (i, p) in list.patterns().iter().enumerate() {
            let action = p.value();
            if !is_well_formed(action) || !catalog.covers(action) {
                continue;
            }
            let (message, help) = match *verdicts
                .entry(action.as_str())
                .or_insert_with(|| verdict(action))
            {
                Verdict::Known => continue,
                _ if ctx.drops(&RULE, p.span()) => continue,
                Verdict::MatchesNothing => (
                    format!("`{action}` matches no ECS action"),
                    "check the spelling; the ECS API reference lists the actions".to_owned(),
                ),
                Verdict::Unknown(Some(name)) => (
                    format!("unknown action `{action}`"),
                    format!("did you mean `{name}`?"),
                ),
                Verdict::Unknown(None) => (
                    format!("unknown action `{action}`"),
                    "check the spelling; the ECS API reference lists the actions".to_owned(),
                ),
            };
            let path = entry_path(policy, statement, list, "Action", i);
            ctx.report(&RULE, p.span(), path, message, Some(help));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fires;
    use crate::lint::lint_document;

    #[test]
    fn plural_typo_suggests_singular() {
        let doc = br#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:CancelImagePipelineExecutions","Resource":"*"}]}"#;
        let f = lint_document(doc, None);
        let f = f
            .iter()
            .find(|f| f.rule == "unknown-action")
            .expect("fires");
        assert_eq!(
            f.help.as_deref(),
            Some("did you mean `ecs:CancelImagePipelineExecution`?")
        );
    }
    #[test]
    fn known_wildcard_other_service_and_api_list_only_pass() {
        for a in [
            "ecs:Describe*",
            "oss:NoSuchThing",
            "ecs:AddTags",
            "ecs:describeinstances",
        ] {
            assert!(
                !fires(
                    "unknown-action",
                    &format!(r#"{{"Effect":"Allow","Action":"{a}","Resource":"*"}}"#)
                ),
                "{a}"
            );
        }
    }
    #[test]
    fn wildcard_matching_nothing_fires() {
        assert!(fires(
            "unknown-action",
            r#"{"Effect":"Allow","Action":"ecs:Descibe*","Resource":"*"}"#
        ));
    }
}
