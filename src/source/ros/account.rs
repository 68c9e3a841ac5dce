//! The account a template describes, as it is built: principals, policies, memberships and
//! attachments (checked against what the template declares once all of it is read, since
//! resources come in any order), and the resource directory path.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value as Json};

use super::Place;
use crate::source::SourceError;

/// What a principal of the account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Kind {
    User,
    Group,
    Role,
}

impl Kind {
    pub(super) fn noun(self) -> &'static str {
        match self {
            Kind::User => "RAM user",
            Kind::Group => "RAM group",
            Kind::Role => "RAM role",
        }
    }
}

/// A membership or attachment, checked against what the template declares once all of it
/// has been read (resources may come in any order).
pub(super) enum Link {
    Member {
        user: String,
        group: String,
        place: Place,
    },
    Attach {
        kind: Kind,
        principal: String,
        policy: String,
        /// Whether the policy is a system policy (`PolicyType`), or a custom one.
        system: bool,
        resource_group: Option<String>,
        place: Place,
    },
}

/// A control policy attachment.
pub(super) struct Target {
    pub(super) target: String,
    pub(super) policy: String,
    pub(super) place: Place,
    pub(super) policy_place: Place,
}

/// What a user, group or role has: its groups (a user's) and its attachments.
#[derive(Default)]
pub(super) struct Principal {
    groups: Vec<String>,
    policies: Vec<Json>,
}

/// The account being built.
#[derive(Default)]
pub(super) struct Builder {
    /// Custom policies (identity and control) by name: the document and the logical id that
    /// defines it, and whether it is a control policy.
    policies: BTreeMap<String, (Json, String, bool)>,
    /// Users, groups and roles, each with the logical id that declares it.
    principals: BTreeMap<(Kind, String), (Principal, String)>,
    pub(super) trust: BTreeMap<String, Json>,
    /// Resource groups by name, with the logical id that declares each.
    pub(super) resource_groups: BTreeMap<String, String>,
    pub(super) links: Vec<Link>,
    pub(super) targets: Vec<Target>,
}

fn key(kind: Kind, name: &str) -> (Kind, String) {
    (kind, name.to_owned())
}

impl Builder {
    pub(super) fn declare(
        &mut self,
        kind: Kind,
        name: &str,
        place: &Place,
    ) -> Result<(), SourceError> {
        if let Some((_, first)) = self.principals.get(&key(kind, name)) {
            return Err(place.error(format!(
                "the {} `{name}` is declared twice (first by `{first}`)",
                kind.noun()
            )));
        }
        self.principals
            .insert(key(kind, name), (Principal::default(), place.id.clone()));
        Ok(())
    }

    pub(super) fn define(
        &mut self,
        name: &str,
        document: Json,
        place: &Place,
        control: bool,
    ) -> Result<(), SourceError> {
        if let Some((_, first, _)) = self.policies.get(name) {
            return Err(place.error(format!(
                "a second policy named `{name}` (the first is defined by `{first}`)"
            )));
        }
        self.policies
            .insert(name.to_owned(), (document, place.id.clone(), control));
        Ok(())
    }

    pub(super) fn check_policy(
        &self,
        policy: &str,
        system: bool,
        place: &Place,
    ) -> Result<(), SourceError> {
        let custom = self.policies.get(policy);
        match (system, custom) {
            (true, _) => {
                if crate::policy::system::find(policy).is_none() {
                    return Err(place
                        .error(format!("`{policy}` is not a system policy ramcheck knows"))
                        .with_help(
                            "check the name, or attach it as `Custom` if the template defines it",
                        ));
                }
            }
            (_, Some((_, _, true))) => {
                return Err(place.error(format!(
                    "`{policy}` is a control policy: it attaches to the resource directory, not \
                     to users, groups or roles"
                )))
            }
            (_, Some(_)) => {}
            (_, None) => {
                let mut error = place.error(format!(
                    "the custom policy `{policy}` is not defined in the template"
                ));
                if let Some(near) =
                    crate::suggest::did_you_mean(policy, self.policies.keys().map(String::as_str))
                {
                    error = error.with_help(format!("did you mean `{near}`?"));
                } else {
                    error = error.with_help(
                        "define it with `ALIYUN::RAM::ManagedPolicy`, or attach a system policy \
                         as `System`",
                    );
                }
                return Err(error);
            }
        }
        Ok(())
    }

    /// Changes a declared principal; one the template does not declare is an error.
    fn update(
        &mut self,
        kind: Kind,
        name: &str,
        place: &Place,
        change: impl FnOnce(&mut Principal),
    ) -> Result<(), SourceError> {
        if let Some((principal, _)) = self.principals.get_mut(&key(kind, name)) {
            change(principal);
            return Ok(());
        }
        let names = self
            .principals
            .keys()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| n.as_str());
        let error = place.error(format!(
            "the {} `{name}` is not declared in the template",
            kind.noun()
        ));
        Err(match crate::suggest::did_you_mean(name, names) {
            Some(near) => error.with_help(format!("did you mean `{near}`?")),
            None => error,
        })
    }

    pub(super) fn finish(mut self, account_id: &str) -> Result<Json, SourceError> {
        for link in std::mem::take(&mut self.links) {
            match link {
                Link::Member { user, group, place } => {
                    self.update(Kind::Group, &group, &place, |_| {})?;
                    self.update(Kind::User, &user, &place, |user| {
                        if !user.groups.contains(&group) {
                            user.groups.push(group);
                        }
                    })?;
                }
                Link::Attach {
                    kind,
                    principal,
                    policy,
                    system,
                    resource_group,
                    place,
                } => {
                    self.check_policy(&policy, system, &place)?;
                    let attachment = match resource_group {
                        None => json!(policy),
                        Some(group) => {
                            if !self.resource_groups.contains_key(&group) {
                                return Err(place.error(format!(
                                    "the resource group `{group}` is not declared in the template"
                                )));
                            }
                            json!({"policy": policy, "resource_group": group})
                        }
                    };
                    self.update(kind, &principal, &place, |principal| {
                        if !principal.policies.contains(&attachment) {
                            principal.policies.push(attachment);
                        }
                    })?;
                }
            }
        }
        let directory = self.directory(account_id)?;
        let mut snapshot = Map::new();
        snapshot.insert("account_id".into(), json!(account_id));
        let policies: Map<String, Json> = std::mem::take(&mut self.policies)
            .into_iter()
            .map(|(name, (document, _, _))| (name, document))
            .collect();
        if !policies.is_empty() {
            snapshot.insert("policies".into(), Json::Object(policies));
        }
        let mut users = Map::new();
        let mut groups = Map::new();
        let mut roles = Map::new();
        for ((kind, name), (principal, _)) in std::mem::take(&mut self.principals) {
            if kind == Kind::User {
                let mut user = Map::new();
                if !principal.groups.is_empty() {
                    user.insert("groups".into(), json!(principal.groups));
                }
                user.insert("policies".into(), Json::Array(principal.policies));
                users.insert(name, Json::Object(user));
            } else if kind == Kind::Group {
                groups.insert(name, json!({"policies": principal.policies}));
            } else {
                let mut role = Map::new();
                role.insert("policies".into(), Json::Array(principal.policies));
                if let Some(trust) = self.trust.remove(&name) {
                    role.insert("trust_policy".into(), trust);
                }
                roles.insert(name, Json::Object(role));
            }
        }
        for (section, members) in [("users", users), ("groups", groups), ("roles", roles)] {
            if !members.is_empty() {
                snapshot.insert(section.into(), Json::Object(members));
            }
        }
        if !self.resource_groups.is_empty() {
            let groups: Map<String, Json> = self
                .resource_groups
                .keys()
                .map(|name| (name.clone(), json!([])))
                .collect();
            snapshot.insert("resource_groups".into(), Json::Object(groups));
        }
        if let Some(directory) = directory {
            snapshot.insert("resource_directory".into(), directory);
        }
        Ok(Json::Object(snapshot))
    }

    /// The resource directory path when control policies are attached: the Root folder, at
    /// most one folder, the account; each level carries `FullAliyunAccess`.
    pub(super) fn directory(&self, account_id: &str) -> Result<Option<Json>, SourceError> {
        if self.targets.is_empty() {
            return Ok(None);
        }
        let mut root = vec!["FullAliyunAccess".to_owned()];
        let mut folder: Option<(String, Vec<String>, &Place)> = None;
        let mut account = vec!["FullAliyunAccess".to_owned()];
        for target in &self.targets {
            match self.policies.get(&target.policy) {
                Some((_, _, true)) => {}
                _ if target.policy == "FullAliyunAccess" => {}
                _ => {
                    return Err(target.policy_place.error(format!(
                        "`{}` is not a control policy defined in the template",
                        target.policy
                    )))
                }
            }
            let level = if target.target == account_id {
                &mut account
            } else if target.target.starts_with("r-") {
                &mut root
            } else if target.target.chars().all(|c| c.is_ascii_digit()) {
                // Another member account: its control policies do not bind this one.
                continue;
            } else {
                match &mut folder {
                    Some((name, _, first)) if *name != target.target => {
                        return Err(target.place.error(format!(
                            "control policies are attached to two folders, `{name}` (at {}) and \
                             `{}`, and the template does not say how they nest",
                            first.at, target.target
                        )))
                    }
                    Some((_, policies, _)) => policies,
                    None => {
                        &mut folder
                            .insert((
                                target.target.clone(),
                                vec!["FullAliyunAccess".to_owned()],
                                &target.place,
                            ))
                            .1
                    }
                }
            };
            if !level.contains(&target.policy) {
                level.push(target.policy.clone());
            }
        }
        let mut path = vec![json!({"name": "Root", "control_policies": root})];
        if let Some((name, policies, _)) = folder {
            path.push(json!({"name": name, "control_policies": policies}));
        }
        path.push(json!({"name": account_id, "control_policies": account}));
        Ok(Some(json!({"management_account": false, "path": path})))
    }
}
