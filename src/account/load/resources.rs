//! The resources side of an account snapshot: `resource_groups` (the ARN patterns each group
//! claims) and `resource_directory` (the levels from the Root folder down to the account, with
//! their control policies).

use super::resolve::Resolver;
use super::{Loader, Result};
use std::sync::Arc;

use crate::account::{Claim, DirectoryLevel, ResourceDirectory, ResourceGroup};
use crate::decision::{Level, Route, Via};
use crate::policy::json::{member, Node};

impl Loader {
    pub(super) fn resource_groups(&self, node: &Node) -> Result<Vec<ResourceGroup>> {
        let mut out = Vec::new();
        for m in self.object(node, "`resource_groups`", None)? {
            if m.key.is_empty() {
                self.fault(self.error(m.key_span, "empty resource group ID".into(), None))?;
            }
            let what = format!("resource group `{}`", m.key);
            let mut claims = Vec::new();
            for item in self
                .recover(self.array(&m.value, &what))?
                .unwrap_or_default()
            {
                let Some(pattern) = self.recover(self.string(item, "a resource ARN pattern"))?
                else {
                    continue;
                };
                if !pattern.starts_with("acs:") && pattern != "*" {
                    self.fault(self.error(
                        item.span,
                        format!("`{pattern}` is not a resource ARN or ARN pattern"),
                        Some("write `acs:<service>:<region>:<account-id>:<relative-id>`, wildcards allowed".into()),
                    ))?;
                    continue;
                }
                claims.push(Claim {
                    pattern: pattern.to_owned(),
                    span: item.span,
                    position: self.source.position(item.span.start),
                });
            }
            out.push(ResourceGroup {
                id: m.key.clone(),
                claims,
            });
        }
        Ok(out)
    }
}

impl Resolver<'_> {
    /// The resource directory; `account` is `None` when the account ID had a fault, and the
    /// last level is then not checked against it.
    pub(super) fn directory(
        &self,
        node: &Node,
        account: Option<&str>,
    ) -> Result<ResourceDirectory> {
        let members = self.loader.object(
            node,
            "`resource_directory`",
            Some(&["management_account", "path"]),
        )?;
        let management_account = self
            .loader
            .recover(self.loader.flag(members, "management_account"))?
            .unwrap_or(false);
        let path_node = member(members, "path").ok_or_else(|| {
            self.loader.error(
                node.span,
                "`resource_directory` has no `path`".into(),
                Some("list the levels from the Root folder down to the account".into()),
            )
        })?;
        let items = self.loader.array(path_node, "`path`")?;
        let mut path = Vec::with_capacity(items.len());
        // Whether every level could be read: which one is last is known only then.
        let mut complete = true;
        for item in items {
            match self.loader.recover(self.level(item))? {
                Some(level) => path.push(level),
                None => complete = false,
            }
        }
        if let (true, Some(account)) = (complete, account) {
            if path.last().is_none_or(|last| last.name != account) {
                return Err(self.loader.error(
                    path_node.span,
                    format!(
                        "the last level of `path` must be the account itself, named `{account}`"
                    ),
                    Some("list the levels from the Root folder down to the account".into()),
                ));
            }
        }
        // Each control policy's route names its level, known once the whole path is read.
        let len = path.len();
        for (index, level) in path.iter_mut().enumerate() {
            let route = Route::ControlPolicy(Level::of_path(&level.name, index, len));
            level.vias = level
                .control_policies
                .iter()
                .map(|p| Arc::new(Via::new(route.clone(), p)))
                .collect();
        }
        Ok(ResourceDirectory {
            management_account,
            path,
        })
    }

    fn level(&self, item: &Node) -> Result<DirectoryLevel> {
        let fields = self.loader.object(
            item,
            "a directory level",
            Some(&["name", "control_policies"]),
        )?;
        let name = member(fields, "name")
            .ok_or_else(|| {
                self.loader
                    .error(item.span, "the level has no `name`".into(), None)
            })
            .and_then(|node| self.loader.string(node, "`name`"))?;
        let policies = member(fields, "control_policies").ok_or_else(|| {
            self.loader.error(
                item.span,
                format!("level `{name}` has no `control_policies`"),
                Some("give the list of control policies attached there (possibly empty)".into()),
            )
        })?;
        let mut control_policies = Vec::new();
        for p in self.loader.array(policies, "`control_policies`")? {
            if let Some(Some(policy)) = self.loader.recover(self.policy(p, true))? {
                control_policies.push(policy);
            }
        }
        Ok(DirectoryLevel {
            name: name.to_owned(),
            control_policies,
            vias: Vec::new(),
        })
    }
}
