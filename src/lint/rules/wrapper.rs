//! Rules about the file around the documents: a Terraform plan or state whose RAM resource has
//! no readable document, and an account snapshot that `check --account` would refuse. They are
//! reported while the file is read ([`crate::lint::input`], [`crate::lint::lint_file_at`]),
//! positioned in the file, not in a document; this file holds their registry entries.

use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::Severity;

/// `invalid-embedded-document`
pub(crate) const INVALID_EMBEDDED_DOCUMENT: Rule = Rule {
    id: "invalid-embedded-document",
    severity: Severity::Error,
    status: Status::Preview,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "a Terraform or ROS RAM resource whose policy document is missing or of a wrong type",
    doc: r#"
## What it does
Reports an `alicloud_ram_policy`, `alicloud_ram_role` or
`alicloud_resource_manager_control_policy` resource of a `terraform show -json` plan or state
whose document attribute (`policy_document`, `document`, `assume_role_policy_document`) is
`null`, not a JSON string, or absent. The finding names the resource's address and points at the
attribute in the plan. A document string that is not a valid policy is linted as one and gets
the findings of its faults (`invalid-json` and the others).

In a ROS template (JSON or YAML), it reports a RAM resource's document property
(`AssumeRolePolicyDocument`, `PolicyDocument`) that is neither a mapping nor the document's JSON
text.

## Why is this bad?
There is nothing to lint, so a gate that reported no findings would pass a resource it never
saw; RAM refuses the resource when it is applied. A `null` document usually means a template
or a variable did not expand.

## Example
```json
{"format_version": "1.2", "planned_values": {"root_module": {"resources": [
  {"address": "alicloud_ram_policy.ops", "type": "alicloud_ram_policy",
   "values": {"policy_name": "ops", "policy_document": null}}]}}}
```

## Use instead
```json
{"format_version": "1.2", "planned_values": {"root_module": {"resources": [
  {"address": "alicloud_ram_policy.ops", "type": "alicloud_ram_policy",
   "values": {"policy_name": "ops", "policy_document": "{\"Version\": \"1\", \"Statement\": []}"}}]}}}
```

## References
- Terraform, JSON Output Format (`terraform show -json`)
- Alibaba Cloud Terraform provider, `alicloud_ram_policy`
"#,
};

/// `invalid-account`
pub(crate) const INVALID_ACCOUNT: Rule = Rule {
    id: "invalid-account",
    severity: Severity::Error,
    status: Status::Preview,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "an account snapshot that `check --account` refuses, or one a request would fail on",
    doc: r#"
## What it does
Applies the account loader of `check --account` to an account snapshot and reports each fault
it finds, where it is: an unknown or repeated key (`"group"` for `"groups"`), a wrong type, a
user in a group that does not exist, an attachment of a policy that is neither defined nor a
bundled system policy, a resource group that does not exist, a policy file that cannot be read
or is not a valid policy, a resource directory whose last level is not the account. It also
reports two resource groups whose patterns can claim the same resource: `check --account`
refuses every request on such a resource (spec E4.3). The inline policies are linted as
documents of their own, with every rule.

## Why is this bad?
`check --account` and `who-can` refuse the snapshot, so a gate built on them fails, or worse, a
misspelt key is a part of the account that nobody checks.

## Example
```json
{"account_id": "1234567890123456",
 "users": {"alice": {"group": ["ops"], "policies": ["AllowCancel"]}}}
```

## Use instead
```json
{"account_id": "1234567890123456",
 "users": {"alice": {"groups": ["ops"], "policies": ["AliyunECSFullAccess"]}},
 "groups": {"ops": {}}}
```

## References
- The account snapshot format, README "Account snapshots"
- Spec E4.3
"#,
};

/// `document-unknown-until-apply`
pub(crate) const DOCUMENT_UNKNOWN_UNTIL_APPLY: Rule = Rule {
    id: "document-unknown-until-apply",
    severity: Severity::Warning,
    status: Status::Preview,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "a RAM resource whose policy document is known only after apply or deploy",
    doc: r#"
## What it does
Reports a RAM resource of a `terraform show -json` plan whose document attribute the plan marks
as unknown until apply (`after_unknown`), so it is not in the plan to be linted.

In a ROS template (JSON or YAML), it reports a RAM document that uses an intrinsic function
(`Ref`, `Fn::Sub`, `Fn::Join`, ... in long or short form), at the first one: ROS evaluates it
when it deploys the template, so the document is not linted (a function where a string belongs
would otherwise be reported as an invalid document). `ramcheck snapshot TEMPLATE` evaluates
the functions it can, and the account snapshot it prints is linted whole.

## Why is this bad?
The document that will reach RAM was not checked. It is computed from a value known only
after apply, such as another resource's attribute.

## Example
```json
{"format_version": "1.2", "resource_changes": [
  {"address": "alicloud_ram_policy.ops", "type": "alicloud_ram_policy",
   "change": {"actions": ["create"], "after": {"policy_name": "ops"},
              "after_unknown": {"policy_document": true}}}]}
```

## Use instead
Build the document from values known at plan time (`jsonencode` of literals and variables), or
lint the state after apply (`terraform show -json` without a plan file). For a ROS template,
lint its snapshot: `ramcheck snapshot --account-id ID template.yaml > account.json`, then
`ramcheck lint account.json`.

## References
- Terraform, JSON Output Format: `after_unknown`
- ROS, intrinsic functions
"#,
};
