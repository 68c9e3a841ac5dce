//! Reading `terraform show -json` output: which side of a plan (or the state) describes the
//! account, the module walk (shared with the linter's Terraform reader), and the resources of
//! that side indexed by module, mode, type and name, beside the plan's `configuration`.
//! Resolving what apply alone will know is [`super::resolve`]'s; mapping resources into the
//! snapshot is [`super::translate`]'s.

use std::collections::{HashMap, HashSet};

use crate::policy::json::{get_str, member, object, Member, Node, Value};
use crate::policy::{Source, Span};
use crate::source::{PlanSide, SourceError};

/// The top-level keys that make a JSON object `terraform show -json` output.
/// Whether a top-level object says it is `terraform show -json` output, as the account
/// sources tell it: an empty state is `{"format_version": "1.0"}` alone.
pub(crate) fn is_terraform_output(members: &[Member]) -> bool {
    member(members, "format_version").is_some() || member(members, "terraform_version").is_some()
}

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

/// One resource instance of the side read.
pub(super) struct Res<'a> {
    pub(super) address: &'a str,
    pub(super) data: bool,
    pub(super) ty: &'a str,
    pub(super) name: &'a str,
    /// The address of the module instance holding it (`""`: the root module).
    pub(super) module: &'a str,
    pub(super) index: Option<&'a Node>,
    /// Its attributes (empty when it has none).
    pub(super) values: &'a [Member],
    /// Where it is: its `values`, or the resource itself without them.
    pub(super) at: Span,
    /// `after_unknown`: the attributes known only after apply.
    pub(super) unknown: Option<&'a [Member]>,
}

/// A plan or state as read: the resources of one side, indexed, and the configuration.
pub(super) struct Plan<'a> {
    pub(super) source: Source,
    pub(super) file: Option<&'a str>,
    pub(super) resources: Vec<Res<'a>>,
    /// Resource instances by module instance, mode, type and name.
    pub(super) instances: HashMap<(&'a str, bool, &'a str, &'a str), Vec<usize>>,
    /// Each configured resource's `expressions`, by module path (`module.a.module.b`, keys
    /// dropped) and module-relative address.
    pub(super) config: HashMap<(String, String), &'a [Member]>,
    /// The addresses read, so a data source in two sections is taken once.
    pub(super) seen: HashSet<&'a str>,
}

impl<'a> Plan<'a> {
    pub(super) fn error(
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
    pub(super) fn collect(&mut self, members: &'a [Member], side: PlanSide) {
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
    pub(super) fn configuration(&mut self, root: &'a Node) {
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
    pub(super) fn of_type(&self, ty: &'static str) -> impl Iterator<Item = (usize, &Res<'a>)> + '_ {
        self.resources
            .iter()
            .enumerate()
            .filter(move |(_, r)| !r.data && r.ty == ty)
    }

    pub(super) fn res(&self, i: usize) -> &Res<'a> {
        // Indices come from `resources` itself.
        &self.resources[i]
    }
}

fn address_is_data(address: &str) -> bool {
    address.starts_with("data.") || address.contains(".data.")
}

/// The name part of a resource address, for output without `name`.
fn resource_name(address: &str) -> &str {
    let bare = address.split('[').next().unwrap_or(address);
    bare.rsplit('.').next().unwrap_or(bare)
}
