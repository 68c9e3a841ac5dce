//! Turns the JSON tree of a document into the typed model, checking the grammar (G1–G10).
//!
//! The parser does not stop at the first fault: it records every fault it can find and leaves
//! faulty statements out of the model, so the linter sees all of them in one run, while
//! [`Policy::parse`](super::Policy::parse) reports the first.

use super::json::{self, Member, Node, Value};
use super::{
    Clause, Condition, ConditionValue, Effect, PatternList, Policy, PolicyError, PolicyErrorKind,
    PolicyKind, Position, Principal, Source, Span, Spanned, Statement, TypedValue,
};
use crate::cap::{dropped_help, Cap};
use crate::suggest::did_you_mean;
use crate::vocabulary::{Family, Operator};

const TOP_LEVEL_KEYS: [&str; 2] = ["Version", "Statement"];
const STATEMENT_KEYS: [&str; 8] = [
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "Principal",
    "Sid",
];

/// Parses a document; see [`Policy::parse_with_errors`](super::Policy::parse_with_errors).
pub(super) fn parse(bytes: &[u8], kind: PolicyKind) -> (Option<Policy>, Vec<PolicyError>) {
    parse_at(bytes, kind, Position::START)
}

/// Parses a document whose text starts at `origin` of the file it is in.
pub(super) fn parse_at(
    bytes: &[u8],
    kind: PolicyKind,
    origin: Position,
) -> (Option<Policy>, Vec<PolicyError>) {
    let (text, mut root) = match json::parse_bytes(bytes) {
        Ok(parsed) => parsed,
        Err(e) => {
            let kind = if e.too_many_values {
                PolicyErrorKind::TooManyValues
            } else {
                PolicyErrorKind::InvalidJson
            };
            let error = PolicyError {
                kind,
                span: Span::new(e.offset, e.offset),
                position: super::locate(&String::from_utf8_lossy(bytes), e.offset, origin),
                path: String::new(),
                message: e.message,
                help: e.help,
                related: None,
                file: None,
            };
            return (None, vec![error]);
        }
    };
    let mut parser = Parser {
        source: Source::with_origin(text, origin),
        kind,
        errors: Vec::new(),
        reported: 0,
        cap: Cap::default(),
    };
    // The parser moves strings out of the tree into the model; the tree is not used after.
    let policy = parser.document(&mut root);
    let Parser {
        source,
        mut errors,
        cap,
        ..
    } = parser;
    for (kind, count, span) in cap.dropped() {
        errors.push(PolicyError {
            kind,
            span,
            position: source.position(span.start),
            path: String::new(),
            message: match count {
                1 => "1 more error like this in the document is not listed".to_owned(),
                n => format!("{n} more errors like this in the document are not listed"),
            },
            help: Some(dropped_help()),
            related: None,
            file: None,
        });
    }
    (policy, errors)
}

struct Parser {
    source: Source,
    kind: PolicyKind,
    errors: Vec<PolicyError>,
    /// Errors found so far, kept or not: a statement with any is left out of the model.
    reported: usize,
    /// Which errors are kept: a hostile document can have one per two bytes.
    cap: Cap<PolicyErrorKind>,
}

impl Parser {
    /// Records an error, unless too many of its kind were (see [`crate::cap`]).
    #[cold]
    fn error(
        &mut self,
        kind: PolicyErrorKind,
        span: Span,
        path: &(impl PathText + ?Sized),
        message: String,
        help: Option<String>,
    ) {
        self.reported += 1;
        if !self.cap.keep(kind, span) {
            return;
        }
        self.errors.push(PolicyError {
            kind,
            span,
            position: self.source.position(span.start),
            path: path.text(),
            message,
            help,
            related: None,
            file: None,
        });
    }

    /// The source text of a span.
    fn text_of(&self, span: Span) -> &str {
        self.source
            .text()
            .get(span.start..span.end)
            .unwrap_or_default()
    }

    /// Reports keys repeated in one object (G8) and returns the members with the first
    /// occurrence of each key.
    fn unique_members<'a>(
        &mut self,
        members: &'a mut [Member],
        path: &JsonPath<'_>,
    ) -> Vec<&'a mut Member> {
        let repeats = json::repeated_keys(members);
        for &(repeat, first) in &repeats {
            let (Some(member), Some(first)) = (members.get(repeat), members.get(first)) else {
                continue;
            };
            let related = (first.key_span, self.source.position(first.key_span.start));
            let kept = self.errors.len();
            self.error(
                PolicyErrorKind::DuplicateKey,
                member.key_span,
                &path.key(&member.key),
                format!(
                    "duplicate key `{}` (first at line {})",
                    member.key, related.1.line
                ),
                Some("keep one; JSON does not say which of two equal keys wins, and a lost block can silently widen access".into()),
            );
            if let Some(last) = self.errors.get_mut(kept) {
                last.related = Some(related);
            }
        }
        let mut repeats = repeats.iter().map(|&(repeat, _)| repeat).peekable();
        members
            .iter_mut()
            .enumerate()
            .filter(|(i, _)| repeats.next_if_eq(i).is_none())
            .map(|(_, m)| m)
            .collect()
    }

    fn unknown_key(&mut self, member: &Member, known: &[&str], path: &JsonPath<'_>, place: &str) {
        let help = match did_you_mean(&member.key, known.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? keys are case-sensitive"),
            None => format!("the keys allowed {place} are {}", list(known)),
        };
        self.error(
            PolicyErrorKind::UnknownKey,
            member.key_span,
            &path.key(&member.key),
            format!("unknown key `{}` {place}", member.key),
            Some(help),
        );
    }

    fn document(&mut self, root: &mut Node) -> Option<Policy> {
        let root_span = root.span;
        let Value::Object(members) = &mut root.value else {
            self.error(
                PolicyErrorKind::InvalidType,
                root.span,
                "",
                format!(
                    "a policy must be a JSON object, found {}",
                    root.value.type_name()
                ),
                Some("write `{\"Version\": \"1\", \"Statement\": [...]}`".into()),
            );
            return None;
        };
        let has = |k: &str| members.iter().any(|m| m.key == k);
        if has("Effect") && !has("Statement") && !has("Version") {
            self.error(
                PolicyErrorKind::MissingStatement,
                root.span,
                "",
                "this is a single statement, not a policy document".into(),
                Some("wrap it: `{\"Version\": \"1\", \"Statement\": [ <this statement> ]}`".into()),
            );
            return None;
        }
        let members = self.unique_members(members, &JsonPath::Root);
        let mut version = None;
        let mut statement = None;
        for member in members {
            match member.key.as_str() {
                "Version" => version = Some(member),
                "Statement" => statement = Some(member),
                _ => self.unknown_key(member, &TOP_LEVEL_KEYS, &JsonPath::Root, "at the top level"),
            }
        }
        let version_span = self.version(version.as_deref(), root_span);
        let Some(statement) = statement else {
            self.error(
                PolicyErrorKind::MissingStatement,
                root.span,
                "",
                "the policy has no `Statement`".into(),
                Some("add `\"Statement\": [...]` with the policy's statements".into()),
            );
            return None;
        };
        let value = &mut statement.value;
        let statement_span = value.span;
        let (nodes, is_array): (Vec<&mut Node>, bool) = match &mut value.value {
            Value::Array(items) => (items.iter_mut().collect(), true),
            Value::Object(_) => (vec![value], false),
            other => {
                self.error(
                    PolicyErrorKind::InvalidType,
                    value.span,
                    "Statement",
                    format!("`Statement` must be an array of statement objects, found {}", other.type_name()),
                    Some("write `\"Statement\": [{\"Effect\": ..., \"Action\": ..., \"Resource\": ...}]`".into()),
                );
                return None;
            }
        };
        let mut statements = Vec::with_capacity(nodes.len());
        let statement_path = JsonPath::Root.key("Statement");
        for (index, node) in nodes.into_iter().enumerate() {
            let path = if is_array {
                statement_path.index(index)
            } else {
                statement_path
            };
            if let Some(s) = self.statement(node, index, &path) {
                statements.push(s);
            }
        }
        Some(Policy {
            source: self.source.clone(),
            kind: self.kind,
            span: root_span,
            version_span,
            statement_span,
            statement_is_array: is_array,
            statements,
        })
    }

    fn version(&mut self, version: Option<&Member>, root: Span) -> Span {
        let Some(member) = version else {
            self.error(
                PolicyErrorKind::InvalidVersion,
                root,
                "",
                "the policy has no `Version`".into(),
                Some("add `\"Version\": \"1\"`".into()),
            );
            return root;
        };
        let node = &member.value;
        match &node.value {
            Value::String(s) if s == "1" => {}
            Value::String(s) => {
                let help = if s.len() == 10 && s.starts_with("20") {
                    "`Version` is `\"1\"` in RAM; a date such as this is an AWS IAM version"
                } else {
                    "write `\"Version\": \"1\"`; it is the only version RAM has"
                };
                self.error(
                    PolicyErrorKind::InvalidVersion,
                    node.span,
                    "Version",
                    format!("`Version` must be \"1\", found \"{s}\""),
                    Some(help.into()),
                );
            }
            other => self.error(
                PolicyErrorKind::InvalidVersion,
                node.span,
                "Version",
                format!(
                    "`Version` must be the string \"1\", found {}",
                    other.type_name()
                ),
                Some("quote it: `\"Version\": \"1\"`".into()),
            ),
        }
        node.span
    }

    fn statement(
        &mut self,
        node: &mut Node,
        index: usize,
        path: &JsonPath<'_>,
    ) -> Option<Statement> {
        let span = node.span;
        let Value::Object(members) = &mut node.value else {
            self.error(
                PolicyErrorKind::InvalidType,
                node.span,
                path,
                format!("a statement must be a JSON object, found {}", node.value.type_name()),
                Some("write each statement as `{\"Effect\": ..., \"Action\": ..., \"Resource\": ...}`".into()),
            );
            return None;
        };
        let errors_before = self.reported;
        // Keys are unique from here on, so each slot takes at most one member.
        let (mut sid, mut effect, mut action, mut not_action) = (None, None, None, None);
        let (mut resource, mut not_resource, mut principal, mut condition) =
            (None, None, None, None);
        // A misspelt `Effect` (`Efect`) is one fault: the unknown key, whose help names
        // `Effect`, says where and how to fix it; a missing `Effect` besides would say it again,
        // at the whole statement.
        let mut misspelt_effect = false;
        for member in self.unique_members(members, path) {
            match member.key.as_str() {
                "Sid" => sid = Some(member),
                "Effect" => effect = Some(member),
                "Action" => action = Some(member),
                "NotAction" => not_action = Some(member),
                "Resource" => resource = Some(member),
                "NotResource" => not_resource = Some(member),
                "Principal" => principal = Some(member),
                "Condition" => condition = Some(member),
                _ => {
                    misspelt_effect |=
                        did_you_mean(&member.key, STATEMENT_KEYS.iter().copied()) == Some("Effect");
                    self.unknown_key(member, &STATEMENT_KEYS, path, "in a statement");
                }
            }
        }

        let sid = sid.and_then(|m| match &mut m.value.value {
            Value::String(s) => Some(Spanned {
                value: std::mem::take(s),
                span: m.value.span,
            }),
            other => {
                self.error(
                    PolicyErrorKind::InvalidType,
                    m.value.span,
                    &path.key("Sid"),
                    format!("`Sid` must be a string, found {}", other.type_name()),
                    Some("quote it".into()),
                );
                None
            }
        });

        let effect = match effect {
            // Reported as the unknown key; the statement is not read.
            None if misspelt_effect => None,
            effect => self.effect(effect.as_deref(), span, path),
        };
        let action = self.pattern_pair(
            action,
            not_action,
            span,
            path,
            ("Action", "NotAction"),
            true,
        );
        let resource_required = self.kind != PolicyKind::Trust;
        let resource = self.pattern_pair(
            resource,
            not_resource,
            span,
            path,
            ("Resource", "NotResource"),
            resource_required,
        );
        let principal = match (principal, self.kind) {
            (Some(m), PolicyKind::Trust) => self.principal(m, path),
            (Some(m), kind) => {
                self.error(
                    PolicyErrorKind::PrincipalNotAllowed,
                    m.key_span,
                    &path.key("Principal"),
                    format!("`Principal` is not allowed in {} policy", article(kind)),
                    Some("`Principal` belongs in a role's trust policy; an identity policy applies to whoever it is attached to, so remove it".into()),
                );
                None
            }
            (None, PolicyKind::Trust) => {
                self.error(
                    PolicyErrorKind::MissingPrincipal,
                    span,
                    path,
                    "a trust policy statement has no `Principal`".into(),
                    Some("add `\"Principal\": {\"RAM\": [\"acs:ram::<account-id>:root\"]}` or a `Service`".into()),
                );
                None
            }
            (None, _) => None,
        };
        let condition = condition.and_then(|m| self.condition(m, path));

        if self.reported > errors_before {
            return None;
        }
        Some(Statement {
            index,
            span,
            sid,
            effect: effect?.0,
            effect_span: effect?.1,
            action: action?,
            resource,
            principal,
            condition,
        })
    }

    fn effect(
        &mut self,
        member: Option<&Member>,
        stmt: Span,
        path: &JsonPath<'_>,
    ) -> Option<(Effect, Span)> {
        let Some(member) = member else {
            self.error(
                PolicyErrorKind::InvalidEffect,
                stmt,
                path,
                "the statement has no `Effect`".into(),
                Some("add `\"Effect\": \"Allow\"` or `\"Effect\": \"Deny\"`".into()),
            );
            return None;
        };
        let node = &member.value;
        let path = path.key("Effect");
        match &node.value {
            Value::String(s) if s == "Allow" => Some((Effect::Allow, node.span)),
            Value::String(s) if s == "Deny" => Some((Effect::Deny, node.span)),
            Value::String(s) => {
                let help = match did_you_mean(s, ["Allow", "Deny"]) {
                    Some(fix) => format!("did you mean `{fix}`? `Effect` is case-sensitive"),
                    None => "write `\"Allow\"` or `\"Deny\"`".to_owned(),
                };
                self.error(
                    PolicyErrorKind::InvalidEffect,
                    node.span,
                    &path,
                    format!("`Effect` must be \"Allow\" or \"Deny\", found \"{s}\""),
                    Some(help),
                );
                None
            }
            other => {
                self.error(
                    PolicyErrorKind::InvalidEffect,
                    node.span,
                    &path,
                    format!(
                        "`Effect` must be the string \"Allow\" or \"Deny\", found {}",
                        other.type_name()
                    ),
                    Some("write `\"Allow\"` or `\"Deny\"`".into()),
                );
                None
            }
        }
    }

    /// Reads `Action`/`NotAction` or `Resource`/`NotResource`: exactly one of the two (G4),
    /// a string or a non-empty array of strings (G7).
    fn pattern_pair(
        &mut self,
        plain: Option<&mut Member>,
        negated: Option<&mut Member>,
        stmt: Span,
        path: &JsonPath<'_>,
        (name, not_name): (&str, &str),
        required: bool,
    ) -> Option<PatternList> {
        let kind = if name == "Action" {
            PolicyErrorKind::MissingAction
        } else {
            PolicyErrorKind::MissingResource
        };
        let (member, is_negated) = match (plain, negated) {
            (Some(_), Some(n)) => {
                self.error(
                    kind,
                    n.key_span,
                    &path.key(not_name),
                    format!("the statement has both `{name}` and `{not_name}`"),
                    Some(format!("keep exactly one of `{name}` and `{not_name}`")),
                );
                return None;
            }
            (Some(m), None) => (m, false),
            (None, Some(m)) => (m, true),
            (None, None) => {
                if required {
                    let message = if name == "Action" {
                        "the statement has neither `Action` nor `NotAction`".to_owned()
                    } else {
                        format!(
                            "the statement has neither `Resource` nor `NotResource`, which {} policy requires",
                            article(self.kind)
                        )
                    };
                    self.error(
                        kind,
                        stmt,
                        path,
                        message,
                        Some(format!(
                            "add `\"{name}\": ...`; use `\"*\"` to mean every {}",
                            name.to_lowercase()
                        )),
                    );
                }
                return None;
            }
        };
        let key = if is_negated { not_name } else { name };
        let path = path.key(key);
        let key_span = member.key_span;
        let node = &mut member.value;
        let (patterns, is_array) = self.strings(node, &path, key)?;
        Some(PatternList {
            negated: is_negated,
            key_span,
            span: node.span,
            is_array,
            patterns,
        })
    }

    /// A string or a non-empty array of strings (G7).
    fn strings(
        &mut self,
        node: &mut Node,
        path: &JsonPath<'_>,
        key: &str,
    ) -> Option<(Vec<Spanned<String>>, bool)> {
        match &mut node.value {
            Value::String(s) => Some((
                vec![Spanned {
                    value: std::mem::take(s),
                    span: node.span,
                }],
                false,
            )),
            Value::Array(items) if items.is_empty() => {
                self.error(
                    PolicyErrorKind::EmptyValue,
                    node.span,
                    path,
                    format!("`{key}` is an empty array"),
                    Some(format!("list at least one value, or use `\"*\"`; an empty `{key}` is rejected by RAM")),
                );
                None
            }
            Value::Array(items) => {
                let mut ok = true;
                // The entries leave the tree by value, so the model's vector is built in the
                // tree's allocation (a node is larger than an entry): a list of millions of
                // entries is not held twice.
                let out: Vec<Spanned<String>> = std::mem::take(items)
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, item)| match item.value {
                        Value::String(value) => Some(Spanned {
                            value,
                            span: item.span,
                        }),
                        other => {
                            ok = false;
                            self.error(
                                PolicyErrorKind::InvalidType,
                                item.span,
                                &path.index(i),
                                format!(
                                    "`{key}` entries must be strings, found {}",
                                    other.type_name()
                                ),
                                Some("quote the value".into()),
                            );
                            None
                        }
                    })
                    .collect();
                ok.then_some((out, true))
            }
            other => {
                self.error(
                    PolicyErrorKind::InvalidType,
                    node.span,
                    path,
                    format!(
                        "`{key}` must be a string or an array of strings, found {}",
                        other.type_name()
                    ),
                    Some(format!(
                        "write `\"{key}\": \"...\"` or `\"{key}\": [\"...\", \"...\"]`"
                    )),
                );
                None
            }
        }
    }

    fn principal(&mut self, member: &mut Member, path: &JsonPath<'_>) -> Option<Principal> {
        let path = path.key("Principal");
        let node = &mut member.value;
        match &mut node.value {
            Value::String(s) if s == "*" => Some(Principal {
                span: node.span,
                entries: Vec::new(),
                is_wildcard: true,
            }),
            Value::Object(members) => {
                let members = self.unique_members(members, &path);
                let mut entries = Vec::with_capacity(members.len());
                for m in members {
                    let entry_path = path.key(&m.key);
                    let (values, _) = self.strings(&mut m.value, &entry_path, &m.key)?;
                    entries.push((
                        Spanned {
                            value: std::mem::take(&mut m.key),
                            span: m.key_span,
                        },
                        values,
                    ));
                }
                Some(Principal {
                    span: node.span,
                    entries,
                    is_wildcard: false,
                })
            }
            other => {
                self.error(
                    PolicyErrorKind::InvalidType,
                    node.span,
                    &path,
                    format!(
                        "`Principal` must be an object or \"*\", found {}",
                        other.type_name()
                    ),
                    Some(
                        "write `\"Principal\": {\"RAM\": [\"acs:ram::<account-id>:root\"]}`".into(),
                    ),
                );
                None
            }
        }
    }

    fn condition(&mut self, member: &mut Member, path: &JsonPath<'_>) -> Option<Condition> {
        let path = path.key("Condition");
        let node = &mut member.value;
        let span = node.span;
        let Value::Object(operators) = &mut node.value else {
            self.error(
                PolicyErrorKind::InvalidType,
                node.span,
                &path,
                format!(
                    "`Condition` must be an object, found {}",
                    node.value.type_name()
                ),
                Some("write `\"Condition\": {\"<Operator>\": {\"<key>\": \"<value>\"}}`".into()),
            );
            return None;
        };
        let mut clauses = Vec::new();
        for op_member in self.unique_members(operators, &path) {
            let op_path = path.key(&op_member.key);
            let Some(operator) = self.operator(op_member, &op_path) else {
                continue;
            };
            let Value::Object(keys) = &mut op_member.value.value else {
                self.error(
                    PolicyErrorKind::InvalidType,
                    op_member.value.span,
                    &op_path,
                    format!(
                        "the value of `{}` must be an object of condition keys, found {}",
                        op_member.key,
                        op_member.value.value.type_name()
                    ),
                    Some(format!(
                        "write `\"{}\": {{\"<key>\": \"<value>\"}}`",
                        op_member.key
                    )),
                );
                continue;
            };
            if keys.is_empty() {
                self.error(
                    PolicyErrorKind::EmptyValue,
                    op_member.value.span,
                    &op_path,
                    format!("`{}` has no condition keys", op_member.key),
                    Some("give at least one key and value, or remove the operator; an empty operator would make the statement unconditional".into()),
                );
                continue;
            }
            for key_member in self.unique_members(keys, &op_path) {
                let key_path = op_path.key(&key_member.key);
                if let Some(values) =
                    self.condition_values(operator, &mut key_member.value, &key_path)
                {
                    clauses.push(Clause {
                        operator,
                        operator_span: op_member.key_span,
                        key: std::mem::take(&mut key_member.key),
                        key_span: key_member.key_span,
                        values,
                    });
                }
            }
        }
        Some(Condition { span, clauses })
    }

    fn operator(&mut self, member: &Member, path: &JsonPath<'_>) -> Option<Operator> {
        let name = member.key.as_str();
        if let Some(op) = Operator::from_name(name) {
            return Some(op);
        }
        let names = Operator::ALL.map(Operator::name);
        let help = if let Some(base) = name.strip_suffix("IfExists") {
            Some(match Operator::from_name(base) {
                Some(op) => format!("`...IfExists` is AWS-only and RAM does not have it; use `{op}` and remember that a missing key fails a positive operator"),
                None => "`...IfExists` operators are AWS-only; RAM does not have them".to_owned(),
            })
        } else if name.starts_with("ForAnyValue:") || name.starts_with("ForAllValues:") {
            Some("set operators (`ForAnyValue:`, `ForAllValues:`) are AWS-only; in RAM the values of one key are always OR-ed".to_owned())
        } else if matches!(
            name,
            "ArnLike" | "ArnNotLike" | "ArnEquals" | "ArnNotEquals"
        ) {
            Some(format!(
                "`{name}` is AWS-only; in RAM use `StringLike`/`StringNotLike` on the ARN"
            ))
        } else if matches!(name, "Null" | "BinaryEquals") {
            Some(format!("`{name}` is AWS-only; RAM has no such operator"))
        } else {
            did_you_mean(name, names)
                .map(|s| format!("did you mean `{s}`? operator names are case-sensitive"))
        };
        self.error(
            PolicyErrorKind::UnknownOperator,
            member.key_span,
            path,
            format!("unknown condition operator `{name}`"),
            help.or_else(|| Some(format!("RAM's operators are {}", list(&names)))),
        );
        None
    }

    /// Condition values: a string, or a non-empty array of strings; bare numbers and booleans
    /// read as their text (G9); each typed for its operator (C3).
    fn condition_values(
        &mut self,
        operator: Operator,
        node: &mut Node,
        path: &JsonPath<'_>,
    ) -> Option<Vec<ConditionValue>> {
        let is_array = matches!(node.value, Value::Array(_));
        let items: &mut [Node] = match &mut node.value {
            Value::Array(items) if items.is_empty() => {
                self.error(
                    PolicyErrorKind::EmptyValue,
                    node.span,
                    path,
                    "the condition key has an empty array of values".into(),
                    Some("list at least one value".into()),
                );
                return None;
            }
            Value::Array(items) => items,
            _ => std::slice::from_mut(node),
        };
        let mut values = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter_mut().enumerate() {
            let item_path = if is_array { path.index(i) } else { *path };
            let (mut text, was_string) = match &mut item.value {
                Value::String(s) => (std::mem::take(s), true),
                Value::Number => (self.text_of(item.span).to_owned(), false),
                Value::Bool(b) => (b.to_string(), false),
                other => {
                    ok = false;
                    self.error(
                        PolicyErrorKind::InvalidType,
                        item.span,
                        &item_path,
                        format!(
                            "a condition value must be a string, found {}",
                            other.type_name()
                        ),
                        Some("write the value as a quoted string, or a list of them".into()),
                    );
                    continue;
                }
            };
            let typed = match operator.family() {
                Family::String => Ok(TypedValue::String(std::mem::take(&mut text))),
                family => TypedValue::parse(family, &text),
            };
            match typed {
                Ok(typed) => values.push(ConditionValue {
                    text,
                    span: item.span,
                    typed,
                    was_string,
                }),
                Err(e) => {
                    ok = false;
                    self.error(
                        PolicyErrorKind::InvalidConditionValue,
                        item.span,
                        &item_path,
                        format!("invalid value for `{operator}`: {e}"),
                        None,
                    );
                }
            }
        }
        ok.then_some(values)
    }
}

/// Where an element is in the document (`Statement[0].Action[1]`). It is built on the stack
/// as the parser descends and turned into text only when an error is recorded, so valid
/// documents cost no allocation for it.
#[derive(Clone, Copy)]
enum JsonPath<'a> {
    Root,
    Key(&'a JsonPath<'a>, &'a str),
    Index(&'a JsonPath<'a>, usize),
}

impl<'a> JsonPath<'a> {
    fn key(&'a self, key: &'a str) -> JsonPath<'a> {
        JsonPath::Key(self, key)
    }

    fn index(&'a self, index: usize) -> JsonPath<'a> {
        JsonPath::Index(self, index)
    }

    fn write(&self, out: &mut String) {
        match *self {
            JsonPath::Root => {}
            JsonPath::Key(parent, key) => {
                parent.write(out);
                // A key directly under the root has no dot, whatever path text came before.
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            JsonPath::Index(parent, index) => {
                parent.write(out);
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
}

/// The text of a path, for an error.
trait PathText {
    fn text(&self) -> String;
}

impl PathText for str {
    fn text(&self) -> String {
        self.to_owned()
    }
}

impl PathText for JsonPath<'_> {
    fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn article(kind: PolicyKind) -> &'static str {
    match kind {
        PolicyKind::Identity => "an identity",
        PolicyKind::Session => "a session",
        PolicyKind::Control => "a control",
        PolicyKind::Trust => "a trust",
    }
}
