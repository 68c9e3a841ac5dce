//! Mapping each alicloud resource type of the plan into the account snapshot: custom and
//! control policies (each document checked and given its origin), users, groups and roles
//! with their memberships, trust policies and attachments, resource groups and the image
//! pipelines they hold. Which account, and its place in the resource directory, is
//! [`super::account`]'s; the snapshot being built is [`super::snapshot`]'s.

use std::collections::HashMap;

use serde_json::{json, Value as Json};

use super::plan::Plan;
use super::snapshot::{Kind, Snapshot};
use crate::policy::json::{member, Node, Value};
use crate::policy::{system, Policy, PolicyKind};
use crate::source::{SourceError, SourceOptions};

impl<'a> Plan<'a> {
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

    pub(super) fn translate(&self, options: &SourceOptions) -> Result<Json, SourceError> {
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
}

/// The RAM name in a Resource Manager `principal_name`: `NAME`, `NAME@ALIAS.onaliyun.com`
/// (a user), `NAME@group.ALIAS.onaliyun.com`, `NAME@role.ALIAS.onaliyun.com`.
pub(super) fn principal_of(principal: &str, kind: Kind) -> Option<&str> {
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
