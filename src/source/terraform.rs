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

mod account;
mod plan;
mod resolve;
mod snapshot;
mod translate;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use serde_json::Value as Json;

use self::plan::Plan;
pub(crate) use self::plan::{is_terraform, is_terraform_output, walk_modules};
use super::{SourceError, SourceOptions};
use crate::policy::json::{self, member, object, Limits, Value};
use crate::policy::{Position, Source};

// The unit tests (`tests.rs`, `use super::*`) name these as the module's own.
#[cfg(test)]
use self::{
    resolve::{module_path, parse_reference, single_traversal, Key},
    snapshot::Kind,
    translate::principal_of,
};
#[cfg(test)]
use super::PlanSide;

/// Translates `terraform show -json` output (`text`, named `file` in errors) into an account
/// snapshot (the README's "Account snapshot files"), each document in the form
/// `{"document": ..., "origin": {"file", "address", "line", "column"}}`.
pub(crate) fn to_snapshot(
    text: &str,
    file: Option<&str>,
    options: &SourceOptions,
) -> Result<Json, SourceError> {
    let limit = options.limit();
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
        Value::Object(m) if is_terraform_output(m) => m.as_slice(),
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
