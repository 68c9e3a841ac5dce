//! Terraform as an account source: `terraform show -json` output (a plan or a state of the
//! alicloud provider) translated into the account snapshot format.
//!
//! This module owns reading the plan or state: which side of a plan describes the account,
//! the module walk (shared with the linter's Terraform reader), the mapping of each alicloud
//! resource type to the snapshot's users, groups, roles, policies, resource groups and
//! resource directory, and resolving a value known only after apply through the plan's
//! `configuration` references. The snapshot loader ([`crate::account::Account::from_json`])
//! checks what comes out; what cannot be translated is a [`SourceError`] naming the resource
//! address and attribute, with its place in the file.
//!
//! Mapping choices, so that every reader derives the same account:
//!
//! - every resource-directory level carries `FullAliyunAccess` (Terraform cannot detach it);
//!   the Root folder is the `parent_folder_id` (or an account's `folder_id`) that no
//!   `alicloud_resource_manager_folder` declares; an `alicloud_resource_manager_account` is a
//!   member account; the directory is described only when the account is one of them;
//! - `NAME@<alias>.onaliyun.com` in `principal_name` is RAM user `NAME` (and
//!   `NAME@group.<alias>...` group `NAME`, `NAME@role.<alias>...` role `NAME`);
//! - the `.id` of a RAM group, role or policy is its name;
//! - a value unknown until apply is read through its configuration expression only when that
//!   expression's references are one traversal of one attribute of one resource instance (a
//!   literal `["key"]`, or a resource with a single instance): `alicloud_ram_policy.x.name`,
//!   `alicloud_ram_group.g.id`; anything else (`[each.key]`, a `var.`, two resources) is an
//!   error, never guessed.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{json, Value as Json};

use super::{PlanSide, SourceError, SourceOptions};
use crate::policy::json::{self, get_str, member, object, strings, Limits, Member, Node, Value};
use crate::policy::{system, Policy, PolicyKind, Position, Source, Span};

/// How many references one unknown value may be followed through (`a` names `b` names `c`):
/// far more than real configurations chain, and a bound on a cycle.
const MAX_HOPS: usize = 32;

/// The name of the system control policy every directory level carries.
const FULL_ALIYUN_ACCESS: &str = "FullAliyunAccess";

/// The top-level keys that make a JSON object `terraform show -json` output.
pub(crate) fn is_terraform(members: &[Member]) -> bool {
    member(members, "format_version").is_some()
        && [
            "planned_values",
            "values",
            "resource_changes",
            "terraform_version",
        ]
        .iter()
        .any(|k| member(members, k).is_some())
}

/// One resource met in a module walk.
pub(crate) struct Walked<'a> {
    /// The resource's object (`address`, `type`, `values`, ...).
    pub(crate) node: &'a Node,
    /// The address of the module holding it (`""` for the root module).
    pub(crate) module: &'a str,
    /// Its JSON path in the file (`planned_values.root_module.resources[3]`).
    pub(crate) path: String,
}

/// Visits the resources of a module (`root_module` of `planned_values`, `prior_state.values`
/// or a state's `values`) and of every module below it, in document order. Iterative:
/// modules nest as deep as the configuration does, and a recursion could run out of stack on
/// a file the reader accepts.
pub(crate) fn walk_modules<'a>(root: &'a Node, path: &str, mut visit: impl FnMut(Walked<'a>)) {
    let mut stack: Vec<(&Node, &str, String)> = vec![(root, "", path.to_owned())];
    while let Some((module, address, path)) = stack.pop() {
        let Value::Object(members) = &module.value else {
            continue;
        };
        if let Some(Value::Array(resources)) = member(members, "resources").map(|n| &n.value) {
            for (i, node) in resources.iter().enumerate() {
                visit(Walked {
                    node,
                    module: address,
                    path: format!("{path}.resources[{i}]"),
                });
            }
        }
        if let Some(Value::Array(children)) = member(members, "child_modules").map(|n| &n.value) {
            stack.extend(children.iter().enumerate().rev().map(|(i, child)| {
                let address = match &child.value {
                    Value::Object(m) => get_str(m, "address").unwrap_or(""),
                    _ => "",
                };
                (child, address, format!("{path}.child_modules[{i}]"))
            }));
        }
    }
}

/// Translates `terraform show -json` output (`text`, named `file` in errors) into an account
/// snapshot (the README's "Account snapshot files"), each document in the form
/// `{"document": ..., "origin": {"file", "address", "line", "column"}}`.
pub(crate) fn to_snapshot(
    text: &str,
    file: Option<&str>,
    options: &SourceOptions,
) -> Result<Json, SourceError> {
    let limit = if options.max_file_size == 0 {
        crate::read::DEFAULT_MAX_FILE_SIZE
    } else {
        options.max_file_size
    };
    let fail = |message: String, help: Option<&str>, position: Position| {
        let mut e = SourceError::new(message).at(position);
        if let Some(file) = file {
            e = e.in_file(file);
        }
        if let Some(help) = help {
            e = e.with_help(help);
        }
        e
    };
    if text.len() as u64 > limit {
        return Err(fail(
            format!("the file is larger than the limit of {limit} bytes"),
            Some("raise the limit on one input file (`--max-file-size BYTES`)"),
            Position::START,
        ));
    }
    // A plan holds many documents: read whole, as the linter reads wrappers, with the
    // wrapper's bound on nesting; the size is bounded above.
    let limits = Limits {
        depth: crate::lint::input::MAX_WRAPPER_DEPTH,
        values: usize::MAX,
    };
    let source = Source::new(text);
    let (_, root) = json::parse_bytes_nested(text.as_bytes(), limits).map_err(|e| {
        fail(
            format!("not valid JSON: {}", e.message),
            e.help.as_deref(),
            source.position(e.offset),
        )
    })?;
    let members = match &root.value {
        // As `detect` tells Terraform: an empty state is `{"format_version": "1.0"}` alone.
        Value::Object(m)
            if member(m, "format_version").is_some() || member(m, "terraform_version").is_some() =>
        {
            m.as_slice()
        }
        _ => {
            return Err(fail(
                "expected the output of `terraform show -json` (an object with \
                 `format_version`), found something else"
                    .into(),
                Some("run `terraform show -json PLANFILE > plan.json` (or without a plan file for the state)"),
                Position::START,
            ))
        }
    };
    let mut plan = Plan {
        source,
        file,
        resources: Vec::new(),
        instances: HashMap::new(),
        config: HashMap::new(),
        seen: HashSet::new(),
    };
    plan.collect(members, options.plan_side);
    if let Some(root) =
        object(member(members, "configuration")).and_then(|c| member(c, "root_module"))
    {
        plan.configuration(root);
    }
    plan.translate(options)
}

/// One resource instance of the side read.
struct Res<'a> {
    address: &'a str,
    data: bool,
    ty: &'a str,
    name: &'a str,
    /// The address of the module instance holding it (`""`: the root module).
    module: &'a str,
    index: Option<&'a Node>,
    /// Its attributes (empty when it has none).
    values: &'a [Member],
    /// Where it is: its `values`, or the resource itself without them.
    at: Span,
    /// `after_unknown`: the attributes known only after apply.
    unknown: Option<&'a [Member]>,
}

/// A value read from a resource: known, or known only as the resource it is the (not yet
/// known) ID of.
#[derive(Clone)]
enum Target<'a> {
    Known(&'a str, Span),
    IdOf(usize),
}

/// A plan or state as read: the resources of one side, indexed, and the configuration.
struct Plan<'a> {
    source: Source,
    file: Option<&'a str>,
    resources: Vec<Res<'a>>,
    /// Resource instances by module instance, mode, type and name.
    instances: HashMap<(&'a str, bool, &'a str, &'a str), Vec<usize>>,
    /// Each configured resource's `expressions`, by module path (`module.a.module.b`, keys
    /// dropped) and module-relative address.
    config: HashMap<(String, String), &'a [Member]>,
    /// The addresses read, so a data source in two sections is taken once.
    seen: HashSet<&'a str>,
}

impl<'a> Plan<'a> {
    fn error(
        &self,
        span: Span,
        address: &str,
        attribute: &str,
        message: String,
        help: Option<String>,
    ) -> SourceError {
        let mut e = SourceError::new(message)
            .at(self.source.position(span.start))
            .of_resource(address, attribute);
        if let Some(file) = self.file {
            e = e.in_file(file);
        }
        if let Some(help) = help {
            e = e.with_help(help);
        }
        e
    }

    /// The resources of the side `side` reads, with what apply alone will know.
    fn collect(&mut self, members: &'a [Member], side: PlanSide) {
        let is_plan = member(members, "planned_values").is_some()
            || member(members, "resource_changes").is_some();
        let changes: &'a [Node] = match member(members, "resource_changes").map(|n| &n.value) {
            Some(Value::Array(c)) => c,
            _ => &[],
        };
        let prior = object(member(members, "prior_state"))
            .and_then(|p| object(member(p, "values")))
            .and_then(|v| member(v, "root_module"));
        if !is_plan {
            if let Some(root) =
                object(member(members, "values")).and_then(|v| member(v, "root_module"))
            {
                walk_modules(root, "values.root_module", |w| self.walked(w, false));
            }
        } else if side == PlanSide::Before {
            // The prior state holds what exists now: what the plan creates is not there, what
            // it destroys is.
            match prior {
                Some(root) => walk_modules(root, "prior_state.values.root_module", |w| {
                    self.walked(w, false)
                }),
                None => self.changes(changes, "before"),
            }
        } else {
            match object(member(members, "planned_values")).and_then(|v| member(v, "root_module")) {
                Some(root) => walk_modules(root, "planned_values.root_module", |w| {
                    self.walked(w, false)
                }),
                None => self.changes(changes, "after"),
            }
            // Data sources read while planning are in the prior state only.
            if let Some(root) = prior {
                walk_modules(root, "prior_state.values.root_module", |w| {
                    self.walked(w, true)
                });
            }
            let unknown: HashMap<&str, &[Member]> = changes
                .iter()
                .filter_map(|c| {
                    let c = object(Some(c))?;
                    let u = object(member(c, "change"))
                        .and_then(|ch| object(member(ch, "after_unknown")))?;
                    Some((get_str(c, "address")?, u))
                })
                .collect();
            for r in &mut self.resources {
                r.unknown = unknown.get(r.address).copied();
            }
        }
    }

    /// A resource of a module walk; `data_only` takes only data sources not already read.
    fn walked(&mut self, w: Walked<'a>, data_only: bool) {
        let Value::Object(r) = &w.node.value else {
            return;
        };
        let (Some(address), Some(ty)) = (get_str(r, "address"), get_str(r, "type")) else {
            return;
        };
        let data = get_str(r, "mode") == Some("data") || address_is_data(address);
        if data_only && (!data || self.seen.contains(address)) {
            return;
        }
        let (values, at) = match member(r, "values") {
            Some(
                v @ Node {
                    value: Value::Object(m),
                    ..
                },
            ) => (m.as_slice(), v.span),
            Some(v) => (&[][..], v.span),
            None => (&[][..], w.node.span),
        };
        let name = get_str(r, "name").unwrap_or_else(|| resource_name(address));
        self.push(Res {
            address,
            data,
            ty,
            name,
            module: w.module,
            index: member(r, "index"),
            values,
            at,
            unknown: None,
        });
    }

    /// The resources of `resource_changes`, side `side` (`before` or `after`), for a plan
    /// without `planned_values` or `prior_state`.
    fn changes(&mut self, changes: &'a [Node], side: &str) {
        for c in changes {
            let Some(c) = object(Some(c)) else { continue };
            let (Some(address), Some(ty)) = (get_str(c, "address"), get_str(c, "type")) else {
                continue;
            };
            let Some(values) = object(member(c, "change")).and_then(|ch| member(ch, side)) else {
                continue;
            };
            let Value::Object(m) = &values.value else {
                continue; // `null`: not on this side (created, or destroyed).
            };
            self.push(Res {
                address,
                data: get_str(c, "mode") == Some("data") || address_is_data(address),
                ty,
                name: get_str(c, "name").unwrap_or_else(|| resource_name(address)),
                module: get_str(c, "module_address").unwrap_or(""),
                index: member(c, "index"),
                values: m,
                at: values.span,
                unknown: None,
            });
        }
    }

    fn push(&mut self, r: Res<'a>) {
        self.seen.insert(r.address);
        let key = (r.module, r.data, r.ty, r.name);
        self.instances
            .entry(key)
            .or_default()
            .push(self.resources.len());
        self.resources.push(r);
    }

    /// Indexes the configuration's resources by module path and address.
    fn configuration(&mut self, root: &'a Node) {
        let mut stack: Vec<(&Node, String)> = vec![(root, String::new())];
        while let Some((module, path)) = stack.pop() {
            let Some(m) = object(Some(module)) else {
                continue;
            };
            if let Some(Value::Array(resources)) = member(m, "resources").map(|n| &n.value) {
                for r in resources.iter().filter_map(|r| object(Some(r))) {
                    if let (Some(address), Some(expressions)) =
                        (get_str(r, "address"), object(member(r, "expressions")))
                    {
                        self.config
                            .insert((path.clone(), address.to_owned()), expressions);
                    }
                }
            }
            for call in object(member(m, "module_calls")).unwrap_or_default() {
                if let Some(child) = object(Some(&call.value)).and_then(|c| member(c, "module")) {
                    let sep = if path.is_empty() { "" } else { "." };
                    stack.push((child, format!("{path}{sep}module.{}", call.key)));
                }
            }
        }
    }

    /// The managed resources of one type.
    fn of_type(&self, ty: &'static str) -> impl Iterator<Item = (usize, &Res<'a>)> + '_ {
        self.resources
            .iter()
            .enumerate()
            .filter(move |(_, r)| !r.data && r.ty == ty)
    }

    /// The value of the first of `attributes` that `r` has (not `null`), or, known only after
    /// apply, what its configuration's reference resolves it to; an error naming the first
    /// attribute when there is none.
    fn attr(&self, r: usize, attributes: &[&str]) -> Result<Target<'a>, SourceError> {
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

    fn res(&self, i: usize) -> &Res<'a> {
        // Indices come from `resources` itself.
        &self.resources[i]
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
    fn name(&self, r: usize, attributes: &[&str]) -> Result<(&'a str, Span), SourceError> {
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
    fn optional(&self, r: usize, attribute: &str) -> Result<Option<Target<'a>>, SourceError> {
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

    /// A policy document: checked strictly as RAM would, in the snapshot's origin form.
    fn document(
        &self,
        r: usize,
        attributes: &[&str],
        kind: PolicyKind,
    ) -> Result<Json, SourceError> {
        let res = self.res(r);
        let (text, span) = self.name(r, attributes)?;
        let first = attributes.first().copied().unwrap_or_default();
        if let Err(e) = Policy::from_bytes(text.as_bytes(), kind) {
            return Err(self.error(
                span,
                res.address,
                first,
                format!(
                    "the {} policy it holds is not valid: at its {e}",
                    kind.name()
                ),
                Some("fix the document in the configuration".into()),
            ));
        }
        let document: Json = serde_json::from_str(text).map_err(|e| {
            self.error(
                span,
                res.address,
                first,
                format!("the policy it holds is not JSON: {e}"),
                None,
            )
        })?;
        let position = self.source.position(span.start);
        let mut origin = serde_json::Map::new();
        if let Some(file) = self.file {
            origin.insert("file".into(), json!(file));
        }
        origin.insert("address".into(), json!(res.address));
        origin.insert("line".into(), json!(position.line));
        origin.insert("column".into(), json!(position.column));
        Ok(json!({"document": document, "origin": origin}))
    }

    fn translate(&self, options: &SourceOptions) -> Result<Json, SourceError> {
        let account = self.account_id(options)?;
        let mut out = Snapshot::default();

        // Policies: RAM custom policies (also through Resource Manager) and control policies.
        let mut defined: HashMap<String, &str> = HashMap::new();
        for (ty, names, documents, kind) in [
            (
                "alicloud_ram_policy",
                &["policy_name", "name"][..],
                &["policy_document", "document"][..],
                PolicyKind::Identity,
            ),
            (
                "alicloud_resource_manager_policy",
                &["policy_name"][..],
                &["policy_document"][..],
                PolicyKind::Identity,
            ),
            (
                "alicloud_resource_manager_control_policy",
                &["control_policy_name"][..],
                &["policy_document"][..],
                PolicyKind::Control,
            ),
        ] {
            for (i, r) in self.of_type(ty) {
                let (name, span) = self.name(i, names)?;
                if let Some(other) = defined.get(name) {
                    return Err(self.error(
                        span,
                        r.address,
                        names.first().copied().unwrap_or_default(),
                        format!("policy `{name}` is defined twice, here and by `{other}`"),
                        Some("give each policy its own name".into()),
                    ));
                }
                defined.insert(name.to_owned(), r.address);
                let document = self.document(i, documents, kind)?;
                if kind == PolicyKind::Control {
                    out.control.insert(name.to_owned(), i);
                }
                out.policies.insert(name.to_owned(), document);
            }
        }

        for (i, _) in self.of_type("alicloud_ram_user") {
            let (name, _) = self.name(i, &["user_name", "name"])?;
            out.users.entry(name.to_owned()).or_default();
        }
        for (i, _) in self.of_type("alicloud_ram_group") {
            let (name, _) = self.name(i, &["group_name", "name"])?;
            out.groups.entry(name.to_owned()).or_default();
        }
        for (i, _) in self.of_type("alicloud_ram_role") {
            let (name, _) = self.name(i, &["role_name", "name"])?;
            let trust = self.document(
                i,
                &["assume_role_policy_document", "document"],
                PolicyKind::Trust,
            )?;
            out.roles.entry(name.to_owned()).or_default().trust = Some(trust);
        }

        // A service-linked role: its name and service come from RAM, known once it exists.
        for (i, _) in self.of_type("alicloud_resource_manager_service_linked_role") {
            let (name, _) = self.name(i, &["role_name"])?;
            let (service, _) = self.name(i, &["service_name"])?;
            out.roles.entry(name.to_owned()).or_default().service = Some(service.to_owned());
        }

        // Group membership.
        for (i, r) in self.of_type("alicloud_ram_group_membership") {
            let (group, _) = self.name(i, &["group_name"])?;
            out.groups.entry(group.to_owned()).or_default();
            let users = match member(r.values, "user_names") {
                Some(Node {
                    value: Value::Array(items),
                    ..
                }) => items,
                _ => {
                    let at = r
                        .unknown
                        .and_then(|u| member(u, "user_names"))
                        .map_or(r.at, |n| n.span);
                    return Err(self.error(
                        at,
                        r.address,
                        "user_names",
                        "expected the list of user names, known when planning".into(),
                        Some("list the users by name, or read the state after apply".into()),
                    ));
                }
            };
            for item in users {
                let Value::String(user) = &item.value else {
                    return Err(self.error(
                        item.span,
                        r.address,
                        "user_names",
                        format!("expected a user name, found {}", item.value.type_name()),
                        Some("read the state after apply, when every name is known".into()),
                    ));
                };
                if let Some(Value::Array(flags)) = r
                    .unknown
                    .and_then(|u| member(u, "user_names"))
                    .map(|n| &n.value)
                {
                    if flags.iter().any(|f| matches!(f.value, Value::Bool(true))) {
                        return Err(self.error(
                            item.span,
                            r.address,
                            "user_names",
                            "some user names are known only after apply".into(),
                            Some("read the state after apply".into()),
                        ));
                    }
                }
                out.users.entry(user.clone()).or_default().add_group(group);
            }
        }
        for (i, _) in self.of_type("alicloud_ram_user_group_attachment") {
            let (group, _) = self.name(i, &["group_name"])?;
            let (user, _) = self.name(i, &["user_name"])?;
            out.groups.entry(group.to_owned()).or_default();
            out.users
                .entry(user.to_owned())
                .or_default()
                .add_group(group);
        }

        // Resource groups and the image pipelines they hold.
        for (i, _) in self.of_type("alicloud_resource_manager_resource_group") {
            let id = self.known_id(i, "resource group")?;
            out.resource_groups.entry(id.to_owned()).or_default();
        }
        for (i, _) in self.of_type("alicloud_ecs_image_pipeline") {
            let Some(group) = self.optional(i, "resource_group_id")? else {
                // In the account's default resource group, which the plan does not name.
                continue;
            };
            let group = self.known(i, "resource_group_id", group, "resource group")?;
            let id = self.known_id(i, "image pipeline")?;
            out.resource_groups
                .entry(group.to_owned())
                .or_default()
                .push(format!("acs:ecs:*:{account}:imagepipeline/{id}"));
        }

        // Identity policy attachments.
        for (ty, principal, kind) in [
            (
                "alicloud_ram_user_policy_attachment",
                "user_name",
                Kind::User,
            ),
            (
                "alicloud_ram_group_policy_attachment",
                "group_name",
                Kind::Group,
            ),
            (
                "alicloud_ram_role_policy_attachment",
                "role_name",
                Kind::Role,
            ),
        ] {
            for (i, _) in self.of_type(ty) {
                let (who, _) = self.name(i, &[principal])?;
                let policy = self.attached_policy(i, &out, &defined)?;
                out.principal(kind, who).attach(json!(policy));
            }
        }
        for (i, r) in self.of_type("alicloud_resource_manager_policy_attachment") {
            let (principal, span) = self.name(i, &["principal_name"])?;
            let (principal_type, type_span) = self.name(i, &["principal_type"])?;
            let kind = match principal_type {
                "IMSUser" => Kind::User,
                "IMSGroup" => Kind::Group,
                "ServiceRole" => Kind::Role,
                other => {
                    return Err(self.error(
                        type_span,
                        r.address,
                        "principal_type",
                        format!("expected `IMSUser`, `IMSGroup` or `ServiceRole`, found `{other}`"),
                        None,
                    ))
                }
            };
            let who = principal_of(principal, kind).ok_or_else(|| {
                self.error(
                    span,
                    r.address,
                    "principal_name",
                    format!("`{principal}` is not a RAM {} name", kind.noun()),
                    Some(format!("write `NAME` or `{}`", kind.example())),
                )
            })?;
            let policy = self.attached_policy(i, &out, &defined)?;
            let group = self.name(i, &["resource_group_id"])?.0;
            let attachment = if group == account {
                json!(policy)
            } else {
                out.resource_groups.entry(group.to_owned()).or_default();
                json!({"policy": policy, "resource_group": group})
            };
            out.principal(kind, who).attach(attachment);
        }

        let directory = self.directory(&account, &out)?;
        Ok(out.into_json(account, directory))
    }

    /// The ID of resource `i`, which must be known.
    fn known_id(&self, i: usize, what: &str) -> Result<&'a str, SourceError> {
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
    fn known(
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

    /// The policy an attachment names (`policy_name`, `policy_type`), checked to exist.
    fn attached_policy(
        &self,
        i: usize,
        out: &Snapshot,
        defined: &HashMap<String, &str>,
    ) -> Result<&'a str, SourceError> {
        let r = self.res(i);
        let (policy, span) = self.name(i, &["policy_name"])?;
        let policy_type = match self.optional(i, "policy_type")? {
            Some(t) => Some(self.known(i, "policy_type", t, "policy")?),
            None => None,
        };
        let custom = defined.contains_key(policy) && !out.control.contains_key(policy);
        let system = system::find(policy).is_some_and(|p| p.kind == PolicyKind::Identity);
        let ok = match policy_type {
            Some("Custom") => custom,
            Some("System") => system,
            Some(other) => {
                return Err(self.error(
                    span,
                    r.address,
                    "policy_type",
                    format!("expected `System` or `Custom`, found `{other}`"),
                    None,
                ))
            }
            None => custom || system,
        };
        if ok {
            return Ok(policy);
        }
        let (what, help) = match policy_type {
            Some("System") => (
                "not a system identity policy ramcheck bundles",
                "check the name (`ramcheck` lists the bundled system policies under `policies/system`)",
            ),
            _ => (
                "not defined by an `alicloud_ram_policy` of this file",
                "manage the policy in the same configuration, so its document is known",
            ),
        };
        Err(self.error(
            span,
            r.address,
            "policy_name",
            format!("policy `{policy}` is {what}"),
            Some(help.into()),
        ))
    }

    /// The account ID: `--account-id`, else what the file says.
    fn account_id(&self, options: &SourceOptions) -> Result<String, SourceError> {
        if let Some(id) = &options.account_id {
            return Ok(id.clone());
        }
        // The provider's own account (`data "alicloud_account"`) is where the RAM resources
        // are; without it, the one member account the file creates.
        let mut found: Vec<&str> = self
            .resources
            .iter()
            .filter(|r| r.data && r.ty == "alicloud_account")
            .filter_map(|r| get_str(r.values, "id"))
            .collect();
        if found.is_empty() {
            found = self
                .of_type("alicloud_resource_manager_account")
                .filter_map(|(_, r)| get_str(r.values, "id"))
                .collect();
        }
        found.sort_unstable();
        found.dedup();
        match found.as_slice() {
            [one] => Ok((*one).to_owned()),
            [] => Err(self.top_error(
                "the file does not say which account it describes".into(),
                "give it with `--account-id ID`",
            )),
            many => Err(self.top_error(
                format!(
                    "the file describes several accounts ({})",
                    many.iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "say which one with `--account-id ID`",
            )),
        }
    }

    fn top_error(&self, message: String, help: &str) -> SourceError {
        let mut e = SourceError::new(message).with_help(help);
        if let Some(file) = self.file {
            e = e.in_file(file);
        }
        e
    }

    /// The account's path in the resource directory, when the file makes it a member
    /// account: Root, the folders down to it, itself, each with its control policies.
    fn directory(&self, account: &str, out: &Snapshot) -> Result<Option<Json>, SourceError> {
        let accounts: Vec<usize> = self
            .of_type("alicloud_resource_manager_account")
            .map(|(i, _)| i)
            .collect();
        if accounts.is_empty() {
            return Ok(None);
        }
        let Some(&me) = accounts
            .iter()
            .find(|&&i| get_str(self.res(i).values, "id") == Some(account))
        else {
            let r = self.res(accounts.first().copied().unwrap_or_default());
            return Err(self.error(
                r.at,
                r.address,
                "id",
                format!("account `{account}` is not one of the member accounts the file describes"),
                Some("give `--account-id` of a member account whose ID the file holds".into()),
            ));
        };
        let folders: Vec<usize> = self
            .of_type("alicloud_resource_manager_folder")
            .map(|(i, _)| i)
            .collect();
        // From the account up to the Root: each folder by its ID or, created by the plan, by
        // the resource its ID belongs to.
        let mut chain: Vec<usize> = Vec::new();
        let mut parent = (me, self.optional(me, "folder_id")?, "folder_id");
        let root_id = loop {
            let (from, target, attribute) = parent;
            let next = match &target {
                None => None,
                Some(Target::IdOf(t)) if folders.contains(t) => Some(*t),
                Some(Target::IdOf(t)) => {
                    let r = self.res(from);
                    return Err(self.error(
                        r.at,
                        r.address,
                        attribute,
                        format!(
                            "expected a folder, found the ID of `{}`",
                            self.res(*t).address
                        ),
                        None,
                    ));
                }
                Some(Target::Known(id, _)) => folders
                    .iter()
                    .copied()
                    .find(|&f| get_str(self.res(f).values, "id") == Some(id)),
            };
            let Some(folder) = next else {
                break match target {
                    Some(Target::Known(id, _)) => Some(id),
                    _ => None,
                };
            };
            if chain.contains(&folder) {
                let r = self.res(folder);
                return Err(self.error(
                    r.at,
                    r.address,
                    "parent_folder_id",
                    "the folders' parents form a cycle".into(),
                    None,
                ));
            }
            chain.push(folder);
            parent = (
                folder,
                self.optional(folder, "parent_folder_id")?,
                "parent_folder_id",
            );
        };
        chain.reverse();

        // Levels: Root, the folders, the account; control policies by target.
        let mut levels: Vec<(String, Vec<String>)> = Vec::new();
        levels.push(("Root".into(), vec![FULL_ALIYUN_ACCESS.into()]));
        for &f in &chain {
            let name = match get_str(self.res(f).values, "id") {
                Some(id) => id.to_owned(),
                None => self.name(f, &["folder_name"])?.0.to_owned(),
            };
            levels.push((name, vec![FULL_ALIYUN_ACCESS.into()]));
        }
        levels.push((account.to_owned(), vec![FULL_ALIYUN_ACCESS.into()]));
        for (i, r) in self.of_type("alicloud_resource_manager_control_policy_attachment") {
            let level = match self.attr(i, &["target_id"])? {
                Target::IdOf(t) if t == me => Some(chain.len() + 1),
                Target::IdOf(t) => chain.iter().position(|&f| f == t).map(|p| p + 1),
                Target::Known(id, _) if id == account => Some(chain.len() + 1),
                Target::Known(id, _) if Some(id) == root_id => Some(0),
                Target::Known(id, _) => chain
                    .iter()
                    .position(|&f| get_str(self.res(f).values, "id") == Some(id))
                    .map(|p| p + 1),
            };
            // A target off the account's path binds other accounts only.
            let Some(level) = level else { continue };
            let policy = match self.attr(i, &["policy_id"])? {
                Target::IdOf(t) => out
                    .control
                    .iter()
                    .find(|(_, &c)| c == t)
                    .map(|(name, _)| name.clone()),
                Target::Known(id, _) => out
                    .control
                    .iter()
                    .find(|(_, &c)| get_str(self.res(c).values, "id") == Some(id))
                    .map(|(name, _)| name.clone())
                    .or_else(|| {
                        // A system control policy's ID is `p-` and its name.
                        id.strip_prefix("p-")
                            .and_then(system::find)
                            .filter(|p| p.kind == PolicyKind::Control)
                            .map(|p| p.name.to_owned())
                    }),
            };
            let Some(policy) = policy else {
                let at = member(r.values, "policy_id").map_or(r.at, |n| n.span);
                return Err(self.error(
                    at,
                    r.address,
                    "policy_id",
                    "names no control policy of this file and no system control policy".into(),
                    Some("manage the control policy in the same configuration, so its document is known".into()),
                ));
            };
            if let Some((_, list)) = levels.get_mut(level) {
                if !list.contains(&policy) {
                    list.push(policy);
                }
            }
        }
        let path: Vec<Json> = levels
            .into_iter()
            .map(|(name, policies)| json!({"name": name, "control_policies": policies}))
            .collect();
        Ok(Some(json!({"management_account": false, "path": path})))
    }
}

/// Users, groups and roles.
#[derive(Clone, Copy)]
enum Kind {
    User,
    Group,
    Role,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
            Kind::Role => "role",
        }
    }

    fn example(self) -> &'static str {
        match self {
            Kind::User => "NAME@ALIAS.onaliyun.com",
            Kind::Group => "NAME@group.ALIAS.onaliyun.com",
            Kind::Role => "NAME@role.ALIAS.onaliyun.com",
        }
    }
}

/// The RAM name in a Resource Manager `principal_name`: `NAME`, `NAME@ALIAS.onaliyun.com`
/// (a user), `NAME@group.ALIAS.onaliyun.com`, `NAME@role.ALIAS.onaliyun.com`.
fn principal_of(principal: &str, kind: Kind) -> Option<&str> {
    let (name, domain) = match principal.split_once('@') {
        None => return (!principal.is_empty()).then_some(principal),
        Some(parts) => parts,
    };
    let alias = domain.strip_suffix(".onaliyun.com")?;
    let alias = match kind {
        Kind::User => alias,
        Kind::Group => alias.strip_prefix("group.")?,
        Kind::Role => alias.strip_prefix("role.")?,
    };
    (!name.is_empty() && !alias.is_empty() && !alias.contains('.')).then_some(name)
}

/// A user, group or role as the snapshot lists it.
#[derive(Default)]
struct Principal {
    groups: Vec<String>,
    policies: Vec<Json>,
    trust: Option<Json>,
    /// The service of a service-linked role.
    service: Option<String>,
}

impl Principal {
    fn add_group(&mut self, group: &str) {
        if !self.groups.iter().any(|g| g == group) {
            self.groups.push(group.to_owned());
        }
    }

    fn attach(&mut self, attachment: Json) {
        if !self.policies.contains(&attachment) {
            self.policies.push(attachment);
        }
    }
}

#[derive(Default)]
struct Snapshot {
    policies: BTreeMap<String, Json>,
    /// The control policies among them, with their resource.
    control: BTreeMap<String, usize>,
    users: BTreeMap<String, Principal>,
    groups: BTreeMap<String, Principal>,
    roles: BTreeMap<String, Principal>,
    resource_groups: BTreeMap<String, Vec<String>>,
}

impl Snapshot {
    fn principal(&mut self, kind: Kind, name: &str) -> &mut Principal {
        let map = match kind {
            Kind::User => &mut self.users,
            Kind::Group => &mut self.groups,
            Kind::Role => &mut self.roles,
        };
        map.entry(name.to_owned()).or_default()
    }

    fn into_json(self, account: String, directory: Option<Json>) -> Json {
        let principals = |map: BTreeMap<String, Principal>, kind: Kind| -> Json {
            map.into_iter()
                .map(|(name, p)| {
                    let mut fields = serde_json::Map::new();
                    if matches!(kind, Kind::User) && !p.groups.is_empty() {
                        fields.insert("groups".into(), json!(p.groups));
                    }
                    fields.insert("policies".into(), Json::Array(p.policies));
                    if let Some(trust) = p.trust {
                        fields.insert("trust_policy".into(), trust);
                    }
                    if let Some(service) = p.service {
                        fields.insert("service".into(), json!(service));
                    }
                    (name, Json::Object(fields))
                })
                .collect::<serde_json::Map<_, _>>()
                .into()
        };
        let mut out = serde_json::Map::new();
        out.insert("account_id".into(), json!(account));
        out.insert("policies".into(), json!(self.policies));
        out.insert("users".into(), principals(self.users, Kind::User));
        out.insert("groups".into(), principals(self.groups, Kind::Group));
        out.insert("roles".into(), principals(self.roles, Kind::Role));
        out.insert("resource_groups".into(), json!(self.resource_groups));
        if let Some(directory) = directory {
            out.insert("resource_directory".into(), directory);
        }
        Json::Object(out)
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
struct Reference<'r> {
    data: bool,
    ty: &'r str,
    name: &'r str,
    key: Option<Key>,
    attribute: &'r str,
}

/// A literal instance key.
#[derive(Debug, PartialEq)]
enum Key {
    Number(String),
    String(String),
}

/// Terraform lists an expression's references from the longest traversal down to the bare
/// resource (`a.x["k"].name`, `a.x["k"]`, `a.x`): the expression is one attribute of one
/// resource when every reference is a prefix of the longest, which is then that attribute.
fn single_traversal<'r>(references: &[&'r str]) -> Option<&'r str> {
    let longest = references.iter().copied().max_by_key(|r| r.len())?;
    references
        .iter()
        .all(|r| longest.starts_with(r))
        .then_some(longest)
}

fn parse_reference(text: &str) -> Option<Reference<'_>> {
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
fn module_path(address: &str) -> String {
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

fn address_is_data(address: &str) -> bool {
    address.starts_with("data.") || address.contains(".data.")
}

/// The name part of a resource address, for output without `name`.
fn resource_name(address: &str) -> &str {
    let bare = address.split('[').next().unwrap_or(address);
    bare.rsplit('.').next().unwrap_or(bare)
}

#[cfg(test)]
mod tests;
