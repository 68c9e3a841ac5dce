//! The account snapshot as the translation builds it: policies, users, groups and roles
//! with their memberships and attachments, resource groups, and its JSON form.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

/// Users, groups and roles.
#[derive(Clone, Copy)]
pub(super) enum Kind {
    User,
    Group,
    Role,
}

impl Kind {
    pub(super) fn noun(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
            Kind::Role => "role",
        }
    }

    pub(super) fn example(self) -> &'static str {
        match self {
            Kind::User => "NAME@ALIAS.onaliyun.com",
            Kind::Group => "NAME@group.ALIAS.onaliyun.com",
            Kind::Role => "NAME@role.ALIAS.onaliyun.com",
        }
    }
}

/// A user, group or role as the snapshot lists it.
#[derive(Default)]
pub(super) struct Principal {
    groups: Vec<String>,
    policies: Vec<Json>,
    pub(super) trust: Option<Json>,
    /// The service of a service-linked role.
    pub(super) service: Option<String>,
}

impl Principal {
    pub(super) fn add_group(&mut self, group: &str) {
        if !self.groups.iter().any(|g| g == group) {
            self.groups.push(group.to_owned());
        }
    }

    pub(super) fn attach(&mut self, attachment: Json) {
        if !self.policies.contains(&attachment) {
            self.policies.push(attachment);
        }
    }
}

#[derive(Default)]
pub(super) struct Snapshot {
    pub(super) policies: BTreeMap<String, Json>,
    /// The control policies among them, with their resource.
    pub(super) control: BTreeMap<String, usize>,
    pub(super) users: BTreeMap<String, Principal>,
    pub(super) groups: BTreeMap<String, Principal>,
    pub(super) roles: BTreeMap<String, Principal>,
    pub(super) resource_groups: BTreeMap<String, Vec<String>>,
}

impl Snapshot {
    pub(super) fn principal(&mut self, kind: Kind, name: &str) -> &mut Principal {
        let map = match kind {
            Kind::User => &mut self.users,
            Kind::Group => &mut self.groups,
            Kind::Role => &mut self.roles,
        };
        map.entry(name.to_owned()).or_default()
    }

    pub(super) fn into_json(self, account: String, directory: Option<Json>) -> Json {
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
