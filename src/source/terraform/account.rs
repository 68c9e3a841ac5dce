//! Which account the file describes (`--account-id`, else the provider's account or the one
//! member account created) and, when it is a member account of a resource directory, its
//! path there: the Root folder, the folders down to it, itself, each level with its control
//! policies.

use serde_json::{json, Value as Json};

use super::plan::Plan;
use super::resolve::Target;
use super::snapshot::Snapshot;
use crate::policy::json::{get_str, member};
use crate::policy::{system, PolicyKind};
use crate::source::{SourceError, SourceOptions};

/// The name of the system control policy every directory level carries.
const FULL_ALIYUN_ACCESS: &str = "FullAliyunAccess";

impl<'a> Plan<'a> {
    /// The account ID: `--account-id`, else what the file says.
    pub(super) fn account_id(&self, options: &SourceOptions) -> Result<String, SourceError> {
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
    pub(super) fn directory(
        &self,
        account: &str,
        out: &Snapshot,
    ) -> Result<Option<Json>, SourceError> {
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
