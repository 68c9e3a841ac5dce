//! Resolving what the principals and the resource directory name: a policy name to the custom
//! or bundled system policy it stands for, and an attachment's resource group.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::policies::Policies;
use super::{Loader, Result};
use crate::account::{Attachment, ResourceGroup, Scope};
use crate::decision::{NamedPolicy, Route, Via};
use crate::policy::json::{member, Member, Node, Value};
use crate::policy::{system, PolicyKind};
use crate::suggest::did_you_mean;

/// Resolves policy names to policies, and checks resource group references.
pub(super) struct Resolver<'a> {
    pub(super) loader: &'a Loader,
    pub(super) custom: &'a Policies,
    /// `None` when `resource_groups` could not be read (checking only).
    pub(super) resource_groups: Option<&'a [ResourceGroup]>,
    /// Their IDs, so that an attachment finds its group without a walk through them all.
    pub(super) resource_group_ids: HashSet<&'a str>,
    /// The bundled system policies named so far, each parsed once and shared like a custom
    /// policy (the compiled authorizer compiles a shared policy once).
    pub(super) system: RefCell<HashMap<&'static str, Arc<NamedPolicy>>>,
}

impl Resolver<'_> {
    /// The policy a name in an attachment or a control policy list stands for; `None` (when
    /// checking) for a policy whose definition had a fault already recorded.
    pub(super) fn policy(&self, node: &Node, control: bool) -> Result<Option<Arc<NamedPolicy>>> {
        let name = self.loader.string(node, "a policy name")?;
        if let Some(p) = self.custom.named.get(name) {
            return Ok(Some(p.clone()));
        }
        if self.custom.broken.contains(name) {
            return Ok(None);
        }
        if let Some(sys) = system::find(name) {
            let is_control = sys.kind == PolicyKind::Control;
            if is_control != control {
                let (it, here) = if is_control {
                    ("a control policy", "to a user, group or role")
                } else {
                    ("an identity policy", "as a control policy")
                };
                return Err(self.loader.error(
                    node.span,
                    format!("`{name}` is {it} and cannot be attached {here}"),
                    None,
                ));
            }
            if let Some(p) = self.system.borrow().get(sys.name) {
                return Ok(Some(p.clone()));
            }
            let policy = Arc::new(NamedPolicy::new(sys.name, None, Arc::new(sys.parse()?)));
            self.system.borrow_mut().insert(sys.name, policy.clone());
            return Ok(Some(policy));
        }
        if self.custom.unread {
            return Ok(None);
        }
        let candidates = self
            .custom
            .named
            .keys()
            .map(String::as_str)
            .chain(system::SYSTEM_POLICIES.iter().map(|p| p.name));
        let help = match did_you_mean(name, candidates) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "define it under `policies`, or use a bundled system policy".to_owned(),
        };
        Err(self.loader.error(
            node.span,
            format!("unknown policy `{name}`: not defined under `policies` and not a bundled system policy"),
            Some(help),
        ))
    }

    /// The attachments of a `policies` list of `holder` (a user, group or role), each with
    /// its route to a principal fixed once here (E2).
    pub(super) fn attachments(&self, fields: &[Member], holder: &Route) -> Result<Vec<Attachment>> {
        let Some(policies) = member(fields, "policies") else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let items = self
            .loader
            .recover(self.loader.array(policies, "`policies`"))?;
        for item in items.unwrap_or_default() {
            // An attachment with a fault is left out when checking; the next is checked.
            if let Some(Some(attachment)) = self.loader.recover(self.attachment(item, holder))? {
                out.push(attachment);
            }
        }
        Ok(out)
    }

    /// One item of a `policies` list; `None` (when checking) for a policy whose definition
    /// had a fault.
    fn attachment(&self, item: &Node, holder: &Route) -> Result<Option<Attachment>> {
        let (policy, scope) = match &item.value {
            Value::String(_) => (item, Scope::Account),
            Value::Object(_) => {
                let members = self.loader.object(item, "an attachment", Some(&["policy", "resource_group"]))?;
                let policy = member(members, "policy").ok_or_else(|| {
                    self.loader.error(item.span, "the attachment has no `policy`".into(), None)
                })?;
                let scope = match member(members, "resource_group") {
                    None => Scope::Account,
                    Some(g) => {
                        let id = self.loader.string(g, "`resource_group`")?;
                        if let Some(groups) = self.resource_groups {
                            if !self.resource_group_ids.contains(id) {
                                let suggestion = did_you_mean(id, groups.iter().map(|rg| rg.id.as_str()))
                                    .map(|s| format!("did you mean `{s}`?"));
                                return Err(self.loader.error(
                                    g.span,
                                    format!("resource group `{id}` does not exist"),
                                    suggestion.or_else(|| Some("define it under `resource_groups`".into())),
                                ));
                            }
                        }
                        Scope::ResourceGroup(id.to_owned())
                    }
                };
                (policy, scope)
            }
            other => {
                return Err(self.loader.error(
                    item.span,
                    format!("an attachment must be a policy name or {{\"policy\": ..., \"resource_group\": ...}}, found {}", other.type_name()),
                    None,
                ))
            }
        };
        Ok(self.policy(policy, false)?.map(|policy| {
            let group = match &scope {
                Scope::Account => None,
                Scope::ResourceGroup(g) => Some(g.as_str()),
            };
            let via = Via::new(holder.clone(), &policy).at_resource_group(group);
            Attachment {
                policy,
                scope,
                via: Arc::new(via),
            }
        }))
    }
}
