//! Grammar rules: faults the parser finds while reading a document (spec G1–G11, C3). The
//! parser ([`Policy::parse_with_errors`](crate::policy::Policy::parse_with_errors)) reports them
//! with their [`PolicyErrorKind`](crate::policy::PolicyErrorKind), which maps to these ids; this
//! file holds their registry entries and documentation. `empty-value` and `trust-policy-shape`
//! are also reported by the parser but have checks of their own, in their own files.

use crate::lint::registry::{Fixability, Rule, Status};
use crate::lint::Severity;

/// `invalid-json`
pub(crate) const INVALID_JSON: Rule = Rule {
    id: "invalid-json",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::Sometimes,
    summary: "not JSON; trailing commas, comments, BOM, NUL, non-breaking spaces",
    doc: r#"
## What it does
Reports text that is not strict JSON (RFC 8259): a byte-order mark, NUL bytes, comments (`//`,
`/* */`, `#`), trailing commas, `NaN`/`Infinity`, non-breaking or full-width spaces used as
whitespace, full-width punctuation, unquoted values, or more than one document in a file
(spec G1, G11). The finding points at the first fault.

## Why is this bad?
RAM rejects the document. Many samples copied from web pages and Markdown carry such faults
invisibly (a non-breaking space looks like a space).

## Example
```json
{
  "Version": "1",
  "Statement": [
    {"Effect": "Allow", "Action": "ram:PassRole", "Resource": "*"}, // comment
  ]
}
```

## Use instead
```json
{
  "Version": "1",
  "Statement": [
    {"Effect": "Allow", "Action": "ram:PassRole", "Resource": "*"}
  ]
}
```

## Fix
`ramcheck lint --fix` removes a trailing comma (the comma alone); other faults need a person.
ramcheck reads a document up to its first fault, so a document with several trailing commas
is fixed one comma after another, as each is found.

## References
- Spec G1, G11
- RFC 8259, The JavaScript Object Notation (JSON) Data Interchange Format
"#,
};

/// `invalid-version`
pub(crate) const INVALID_VERSION: Rule = Rule {
    id: "invalid-version",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "`Version` missing or not the string `\"1\"`",
    doc: r#"
## What it does
Reports a document without `Version`, or whose `Version` is not the JSON string `"1"`: a number
`1`, an AWS date such as `"2012-10-17"`, or a legacy `"2016-10-17"` (spec G2).

## Why is this bad?
RAM has exactly one policy language version, `"1"`, and rejects any other value.

## Example
```json
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"}]}
```

## References
- Spec G2
- Alibaba Cloud RAM documentation, "Policy structure and syntax"
"#,
};

/// `missing-statement`
pub(crate) const MISSING_STATEMENT: Rule = Rule {
    id: "missing-statement",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "no `Statement`",
    doc: r#"
## What it does
Reports a document without `Statement`, including a bare statement object pasted without the
`{"Version": "1", "Statement": [...]}` wrapper (spec G1).

## Why is this bad?
RAM rejects the document: `Statement` is required.

## Example
```json
{"Version": "1"}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"}]}
```

## References
- Spec G1
"#,
};

/// `unknown-key`
pub(crate) const UNKNOWN_KEY: Rule = Rule {
    id: "unknown-key",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "a key RAM does not know, top level or statement (with did-you-mean)",
    doc: r#"
## What it does
Reports a key other than `Version` and `Statement` at the top level, or other than `Effect`,
`Action`, `NotAction`, `Resource`, `NotResource`, `Condition`, `Principal` and `Sid` in a
statement, and suggests the nearest known key (spec G5). Keys are case-sensitive.

## Why is this bad?
A misspelt `Condition` (`Conditon`) that were silently ignored would turn a conditional Allow
into an unconditional one. RAM rejects unknown keys.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Conditon": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}]}
```

## References
- Spec G5
"#,
};

/// `duplicate-key`
pub(crate) const DUPLICATE_KEY: Rule = Rule {
    id: "duplicate-key",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "a key repeated in one object",
    doc: r#"
## What it does
Reports a key that appears twice in one JSON object: two `Effect`s in a statement, two
`StringEquals` in one `Condition` (spec G8). The finding points at the second occurrence and
names the line of the first.

## Why is this bad?
JSON does not say which of two equal keys wins; parsers differ. A lost condition block is a
silent privilege grant.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"StringEquals": {"ecs:tag/team": "dev"}, "StringEquals": {"acs:SourceVpc": "vpc-1"}}}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"StringEquals": {"ecs:tag/team": "dev", "acs:SourceVpc": "vpc-1"}}}]}
```

## References
- Spec G8
- RFC 8259 §4 ("The names within an object SHOULD be unique")
"#,
};

/// `invalid-effect`
pub(crate) const INVALID_EFFECT: Rule = Rule {
    id: "invalid-effect",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "`Effect` not exactly `Allow` / `Deny`",
    doc: r#"
## What it does
Reports a statement without `Effect`, or whose `Effect` is not exactly `"Allow"` or `"Deny"`
(`"allow"`, `"ALLOW"`, `"Alow"`) (spec G6).

## Why is this bad?
RAM rejects the document; `Effect` is case-sensitive.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "allow", "Action": "ecs:Describe*", "Resource": "*"}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"}]}
```

## References
- Spec G6
"#,
};

/// `missing-action`
pub(crate) const MISSING_ACTION: Rule = Rule {
    id: "missing-action",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "neither `Action` nor `NotAction`, or both",
    doc: r#"
## What it does
Reports a statement with neither `Action` nor `NotAction`, or with both (spec G4).

## Why is this bad?
RAM rejects the document: every statement names its actions exactly once.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Resource": "*"}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"}]}
```

## References
- Spec G4
"#,
};

/// `missing-resource`
pub(crate) const MISSING_RESOURCE: Rule = Rule {
    id: "missing-resource",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "identity/control/session statement without `Resource`/`NotResource`",
    doc: r#"
## What it does
Reports a statement of an identity, session or control policy with neither `Resource` nor
`NotResource`, or with both (spec G4). Trust policies have no `Resource`.

## Why is this bad?
RAM rejects the document.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*"}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:Describe*", "Resource": "*"}]}
```

## References
- Spec G4
"#,
};

/// `invalid-type`
pub(crate) const INVALID_TYPE: Rule = Rule {
    id: "invalid-type",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary:
        "a JSON value of the wrong type (a number as an action, an object as a statement list)",
    doc: r#"
## What it does
Reports a JSON value of a type RAM does not accept where it stands: a document that is not an
object, a `Statement` that is neither an array nor an object, an action or resource that is not
a string, a `Sid` that is not a string, a `Condition` that is not an object, `null` or an object
as a condition value (spec G3, G7, G9).

## Why is this bad?
RAM rejects the document.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["ecs:Describe*", 42], "Resource": "*"}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["ecs:Describe*"], "Resource": "*"}]}
```

## References
- Spec G3, G7, G9
"#,
};

/// `unknown-operator`
pub(crate) const UNKNOWN_OPERATOR: Rule = Rule {
    id: "unknown-operator",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "an operator RAM does not have (AWS-only ones named as such)",
    doc: r#"
## What it does
Reports a condition operator that is not one of RAM's 21 (spec C3), with the nearest name, and
names AWS-only operators as such: `ArnLike`, `Null`, `...IfExists`, `ForAnyValue:` and
`ForAllValues:`.

## Why is this bad?
RAM rejects the document. An unknown operator must never be skipped: skipping it would make a
conditional statement unconditional.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"StringEqualsIfExists": {"ecs:tag/team": "dev"}}}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"StringEquals": {"ecs:tag/team": "dev"}}}]}
```

## References
- Spec C3
- Alibaba Cloud RAM documentation, "Conditional operators"
"#,
};

/// `invalid-condition-value`
pub(crate) const INVALID_CONDITION_VALUE: Rule = Rule {
    id: "invalid-condition-value",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "a value that does not parse for its operator (date, number, IP, bool)",
    doc: r#"
## What it does
Reports a condition value that does not parse for its operator's type: a `NumericLessThan` of
`"ten"`, a date without a time zone, an `IpAddress` of `"10.0.0.300/8"` or a masked
`"42.120.XX.X/24"`, a `Bool` of `"yes"` (spec C3).

## Why is this bad?
RAM rejects the document, or the condition can never be met.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"DateLessThan": {"acs:CurrentTime": "2030-01-01"}}}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*",
  "Condition": {"DateLessThan": {"acs:CurrentTime": "2030-01-01T00:00:00+08:00"}}}]}
```

## References
- Spec C3
"#,
};

/// `principal-not-allowed`
pub(crate) const PRINCIPAL_NOT_ALLOWED: Rule = Rule {
    id: "principal-not-allowed",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "`Principal` in an identity, session or control policy",
    doc: r#"
## What it does
Reports `Principal` in a statement of an identity, session or control policy (spec G4). With
`--kind auto` a document whose statements have `Principal` and only `sts:` actions (or no
`Resource`) is read as a trust policy instead.

## Why is this bad?
RAM rejects the document: an identity policy applies to whoever it is attached to.

## Example
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecs:*", "Resource": "*"}]}
```

## Use instead
```json
{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]}
```

## References
- Spec G4
"#,
};

/// `internal-error`
pub(crate) const INTERNAL_ERROR: Rule = Rule {
    id: "internal-error",
    severity: Severity::Error,
    status: Status::Stable,
    since: "0.1.0",
    fixable: Fixability::None,
    summary: "ramcheck could not read the document for a reason of its own (a bug)",
    doc: r#"
## What it does
Reports that ramcheck itself failed while reading the document. It should never appear.

## Why is this bad?
The document was not checked. Please report it with the document.

## Example
None: any document that triggers it is a bug in ramcheck.

## Use instead
Report the bug.

## References
- The project's issue tracker
"#,
};
