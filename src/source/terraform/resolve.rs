//! Reading a resource's attribute, and resolving one known only after apply through the
//! plan's `configuration`: its expression's references, when they are one traversal of one
//! attribute of one resource instance, are followed (a bounded number of hops); anything else
//! is an error, never a guess.

use super::plan::Plan;
use crate::policy::json::{member, object, strings, Node, Value};
use crate::policy::{Source, Span};
use crate::source::SourceError;

/// How many references one unknown value may be followed through (`a` names `b` names `c`):
/// far more than real configurations chain, and a bound on a cycle.
const MAX_HOPS: usize = 32;

/// A value read from a resource: known, or known only as the resource it is the (not yet
/// known) ID of.
#[derive(Clone)]
pub(super) enum Target<'a> {
    Known(&'a str, Span),
    IdOf(usize),
}

impl<'a> Plan<'a> {
    /// The value of the first of `attributes` that `r` has (not `null`), or, known only after
    /// apply, what its configuration's reference resolves it to; an error naming the first
    /// attribute when there is none.
    pub(super) fn attr(&self, r: usize, attributes: &[&str]) -> Result<Target<'a>, SourceError> {
        self.attr_hops(r, attributes, 0)
    }

    fn attr_hops(
        &self,
        i: usize,
        attributes: &[&str],
        hops: usize,
    ) -> Result<Target<'a>, SourceError> {
        let r = self.res(i);
        for a in attributes {
            match member(r.values, a) {
                Some(Node {
                    value: Value::String(s),
                    span,
                }) => return Ok(Target::Known(s, *span)),
                Some(Node {
                    value: Value::Null, ..
                })
                | None => {}
                Some(node) => {
                    return Err(self.error(
                        node.span,
                        r.address,
                        a,
                        format!("expected a string, found {}", node.value.type_name()),
                        None,
                    ))
                }
            }
        }
        for a in attributes {
            if let Some(node) = r.unknown.and_then(|u| member(u, a)) {
                if matches!(node.value, Value::Bool(true)) {
                    return self.follow(i, a, node.span, hops);
                }
            }
        }
        let first = attributes.first().copied().unwrap_or_default();
        Err(self.error(
            r.at,
            r.address,
            first,
            format!(
                "`{}` has no {}",
                r.address,
                attributes
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            Some(format!("set `{first}` in the configuration")),
        ))
    }

    /// Resolves attribute `attribute` of resource `i`, known only after apply, through the
    /// reference its configuration expression makes. `at` is where `after_unknown` says so.
    fn follow(
        &self,
        i: usize,
        attribute: &str,
        at: Span,
        hops: usize,
    ) -> Result<Target<'a>, SourceError> {
        let r = self.res(i);
        let unresolved = |why: String| {
            self.error(
                at,
                r.address,
                attribute,
                format!("known only after apply, and {why}"),
                Some(
                    "make it a literal value or a plain reference to another resource's \
                     attribute in this configuration, or read the state after apply \
                     (`terraform show -json`), or the prior state (`--plan-side before`)"
                        .into(),
                ),
            )
        };
        if hops >= MAX_HOPS {
            return Err(unresolved(format!(
                "its references run through more than {MAX_HOPS} resources"
            )));
        }
        let config_address = format!("{}{}.{}", if r.data { "data." } else { "" }, r.ty, r.name);
        let Some(&expressions) = self.config.get(&(module_path(r.module), config_address)) else {
            return Err(unresolved(
                "the plan's `configuration` does not have the resource".into(),
            ));
        };
        let references: Vec<&str> = object(member(expressions, attribute))
            .and_then(|e| member(e, "references"))
            .map(strings)
            .unwrap_or_default();
        let Some(reference) = single_traversal(&references) else {
            return Err(unresolved(if references.is_empty() {
                "its expression references no other resource".into()
            } else {
                format!(
                    "its expression is not one attribute of one resource (references {})",
                    references
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }));
        };
        let Some(parsed) = parse_reference(reference) else {
            return Err(unresolved(format!(
                "`{reference}` is not a reference to a resource's attribute"
            )));
        };
        let candidates = self
            .instances
            .get(&(r.module, parsed.data, parsed.ty, parsed.name))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let target = match &parsed.key {
            Some(key) => candidates.iter().copied().find(|&c| {
                self.res(c)
                    .index
                    .is_some_and(|n| key_matches(&self.source, n, key))
            }),
            None => match candidates {
                [only] if self.res(*only).index.is_none() => Some(*only),
                _ => None,
            },
        };
        let Some(target) = target else {
            return Err(unresolved(format!(
                "`{reference}` names no single resource instance of this side of the plan"
            )));
        };
        let t = self.res(target);
        // A RAM name has two attributes (the current one and the deprecated `name`), and
        // the ID of a RAM group, role or policy is its name: read whichever is set.
        if let Some(names) = name_attributes(t.ty) {
            let is_id = parsed.attribute == "id" && t.ty != "alicloud_ram_user";
            if is_id || names.contains(&parsed.attribute) {
                return self.attr_hops(target, names, hops + 1);
            }
        }
        if parsed.attribute == "id" {
            // Other IDs are known only as the resource they belong to.
            return match member(t.values, "id") {
                Some(Node {
                    value: Value::String(s),
                    span,
                }) => Ok(Target::Known(s, *span)),
                _ => Ok(Target::IdOf(target)),
            };
        }
        self.attr_hops(target, &[parsed.attribute], hops + 1)
    }

    /// A name: known, or resolved to a known value.
    pub(super) fn name(
        &self,
        r: usize,
        attributes: &[&str],
    ) -> Result<(&'a str, Span), SourceError> {
        match self.attr(r, attributes)? {
            Target::Known(s, span) => Ok((s, span)),
            Target::IdOf(t) => {
                let res = self.res(r);
                let first = attributes.first().copied().unwrap_or_default();
                Err(self.error(
                    res.at,
                    res.address,
                    first,
                    format!(
                        "known only after apply: the ID of `{}`, which the plan creates",
                        self.res(t).address
                    ),
                    Some(
                        "read the state after apply, or the prior state (`--plan-side before`)"
                            .into(),
                    ),
                ))
            }
        }
    }

    /// An optional string attribute: `None` when absent and not unknown.
    pub(super) fn optional(
        &self,
        r: usize,
        attribute: &str,
    ) -> Result<Option<Target<'a>>, SourceError> {
        let res = self.res(r);
        let present = !matches!(
            member(res.values, attribute).map(|n| &n.value),
            None | Some(Value::Null)
        );
        let unknown = res
            .unknown
            .and_then(|u| member(u, attribute))
            .is_some_and(|n| matches!(n.value, Value::Bool(true)));
        if present || unknown {
            self.attr(r, &[attribute]).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The ID of resource `i`, which must be known.
    pub(super) fn known_id(&self, i: usize, what: &str) -> Result<&'a str, SourceError> {
        let r = self.res(i);
        match member(r.values, "id") {
            Some(Node {
                value: Value::String(s),
                ..
            }) => Ok(s),
            _ => Err(self.error(
                r.at,
                r.address,
                "id",
                format!("the {what} is created by the plan: its ID is known only after apply"),
                Some(
                    "read the state after apply, or the prior state (`--plan-side before`)".into(),
                ),
            )),
        }
    }

    /// A target that must be a known value.
    pub(super) fn known(
        &self,
        i: usize,
        attribute: &str,
        target: Target<'a>,
        what: &str,
    ) -> Result<&'a str, SourceError> {
        match target {
            Target::Known(s, _) => Ok(s),
            Target::IdOf(t) => {
                let r = self.res(i);
                let at = r
                    .unknown
                    .and_then(|u| member(u, attribute))
                    .map_or(r.at, |n| n.span);
                Err(self.error(
                    at,
                    r.address,
                    attribute,
                    format!(
                        "known only after apply: the ID of the {what} `{}`, which the plan creates",
                        self.res(t).address
                    ),
                    Some(
                        "read the state after apply, or the prior state (`--plan-side before`)"
                            .into(),
                    ),
                ))
            }
        }
    }
}

/// The attributes naming a RAM user, group, role or policy, current first; the `.id` of a
/// group, role or policy is its name too.
fn name_attributes(ty: &str) -> Option<&'static [&'static str]> {
    match ty {
        "alicloud_ram_user" => Some(&["user_name", "name"]),
        "alicloud_ram_group" => Some(&["group_name", "name"]),
        "alicloud_ram_role" => Some(&["role_name", "name"]),
        "alicloud_ram_policy" => Some(&["policy_name", "name"]),
        _ => None,
    }
}

/// A reference to one attribute of one resource, as a configuration's `references` list it:
/// `[data.]TYPE.NAME[KEY].ATTRIBUTE`.
pub(super) struct Reference<'r> {
    pub(super) data: bool,
    pub(super) ty: &'r str,
    pub(super) name: &'r str,
    pub(super) key: Option<Key>,
    pub(super) attribute: &'r str,
}

/// A literal instance key.
#[derive(Debug, PartialEq)]
pub(super) enum Key {
    Number(String),
    String(String),
}

/// Terraform lists an expression's references from the longest traversal down to the bare
/// resource (`a.x["k"].name`, `a.x["k"]`, `a.x`): the expression is one attribute of one
/// resource when every reference is a prefix of the longest, which is then that attribute.
pub(super) fn single_traversal<'r>(references: &[&'r str]) -> Option<&'r str> {
    let longest = references.iter().copied().max_by_key(|r| r.len())?;
    references
        .iter()
        .all(|r| longest.starts_with(r))
        .then_some(longest)
}

pub(super) fn parse_reference(text: &str) -> Option<Reference<'_>> {
    let (data, rest) = match text.strip_prefix("data.") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (ty, rest) = rest.split_once('.')?;
    if !ty.contains('_') {
        // `var.`, `local.`, `module.`, `each.`, `count.`, `path.`: not a resource.
        return None;
    }
    let name_end = rest.find(['.', '['])?;
    let (name, mut rest) = rest.split_at(name_end);
    let mut key = None;
    if let Some(after) = rest.strip_prefix('[') {
        let close = if after.starts_with('"') {
            // A quoted key: up to the closing quote not escaped.
            let mut escaped = false;
            let end = after
                .char_indices()
                .skip(1)
                .find(|&(_, c)| {
                    let done = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    done
                })?
                .0;
            key = Some(Key::String(serde_json::from_str(after.get(..=end)?).ok()?));
            end + 1
        } else {
            let end = after.find(']')?;
            let number = after.get(..end)?;
            if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            key = Some(Key::Number(number.to_owned()));
            end
        };
        rest = after.get(close..)?.strip_prefix(']')?;
    }
    let attribute = rest.strip_prefix('.')?;
    if attribute.is_empty()
        || !attribute
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return None;
    }
    Some(Reference {
        data,
        ty,
        name,
        key,
        attribute,
    })
}

fn key_matches(source: &Source, index: &Node, key: &Key) -> bool {
    match (&index.value, key) {
        (Value::String(s), Key::String(k)) => s == k,
        (Value::Number, Key::Number(k)) => {
            source.text().get(index.span.start..index.span.end) == Some(k.as_str())
        }
        _ => false,
    }
}

/// The configuration's module path of a module instance address: instance keys dropped
/// (`module.a["x"].module.b` is `module.a.module.b`).
pub(super) fn module_path(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for c in address.chars() {
        if quoted {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
            continue;
        }
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '"' if depth > 0 => quoted = true,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}
