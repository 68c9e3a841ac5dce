//! `cidr-host-bits`: a CIDR block with host bits set (`10.0.0.1/8`).

use super::value_path;
use crate::condition::Family;
use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::{Ctx, Severity};

/// `cidr-host-bits`
pub(crate) const RULE: Rule = Rule {
    id: "cidr-host-bits",
    severity: Severity::Warning,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "`10.0.0.1/8`: host bits set in a CIDR block",
    doc: r#"
## What it does
Reports an `IpAddress`/`NotIpAddress` value whose address has bits set past its prefix length
(`10.0.0.1/8`, `192.168.1.10/16`) (spec C3).

## Why is this bad?
The block means its network (`10.0.0.0/8`), which is usually far wider than the author meant:
`192.168.1.10/16` reads like one office host but admits 65,536 addresses.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"IpAddress": {"acs:SourceIp": "192.168.1.10/16"}}}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"IpAddress": {"acs:SourceIp": "192.168.1.10/32"}}}]}
```

## References
- Spec C3
- RFC 4632, Classless Inter-domain Routing
"#,
};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let policy = ctx.policy;
    for statement in policy.statements() {
        for clause in statement
            .condition()
            .map(|c| c.clauses())
            .unwrap_or_default()
        {
            if clause.operator().family() != Family::Ip {
                continue;
            }
            for (i, v) in clause.values().iter().enumerate() {
                let Some(block) = v.typed().as_ip_block() else {
                    continue;
                };
                if block.has_host_bits() && !ctx.drops(&RULE, v.span()) {
                    ctx.report(
                        &RULE,
                        v.span(),
                        value_path(policy, statement, clause, i),
                        format!(
                            "`{}` has host bits set; it means `{}/{}`",
                            v.text(),
                            block.network(),
                            block.prefix_len()
                        ),
                        Some(format!(
                            "write `{}/{}`, or a longer prefix if you meant a narrower block",
                            block.network(),
                            block.prefix_len()
                        )),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::fires;

    #[test]
    fn c3_host_bits_fire() {
        assert!(fires(
            "cidr-host-bits",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.1/8"}}}"#
        ));
    }
    #[test]
    fn c3_network_and_single_address_pass() {
        assert!(!fires(
            "cidr-host-bits",
            r#"{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","10.1.2.3"]}}}"#
        ));
    }
}
