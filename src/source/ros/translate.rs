//! Each RAM resource of a template, read into the account being built ([`super::account`]).

use serde_json::{json, Map, Value as Json};

use super::account::{Builder, Kind, Link, Target};
use super::tree::{Node, Value};
use super::{
    json_type, Place, Resource, Template, ATTACH_TO_GROUP, ATTACH_TO_ROLE, ATTACH_TO_USER,
    CONTROL_ATTACHMENT, CONTROL_POLICY, GROUP, IMAGE_PIPELINE, MANAGED_POLICY, RESOURCE_GROUP,
    RG_POLICY_ATTACHMENT, ROLE, USER, USER_TO_GROUP,
};
use crate::policy::Position;
use crate::source::SourceError;

impl Template<'_> {
    /// A required string property, evaluated.
    pub(super) fn string(
        &self,
        resource: &Resource<'_>,
        property: &str,
    ) -> Result<String, SourceError> {
        self.name(resource, property, 0)
    }

    /// An optional list of strings, evaluated, each with its position.
    pub(super) fn strings(
        &self,
        resource: &Resource<'_>,
        property: &str,
    ) -> Result<Vec<(String, Place)>, SourceError> {
        let Some(node) = resource.property(property) else {
            return Ok(Vec::new());
        };
        let place = resource.place(property);
        self.string_list(node, &place)
    }

    pub(super) fn string_list(
        &self,
        node: &Node,
        place: &Place,
    ) -> Result<Vec<(String, Place)>, SourceError> {
        // Items keep their own position when the list is written out; a list computed as a
        // whole (a `Ref` to a list parameter) has the position of the computation.
        let items: Vec<(Json, Position)> = match &node.value {
            Value::Array(items) => items
                .iter()
                .map(|n| {
                    self.eval(n, &place.with(&place.property, n.at), 0)
                        .map(|v| (v, n.at))
                })
                .collect::<Result<_, _>>()?,
            _ => match self.eval(node, place, 0)? {
                Json::Array(items) => items.into_iter().map(|v| (v, node.at)).collect(),
                other => {
                    return Err(place.error(format!(
                        "`{}` must be a list of names, found {}",
                        place.property,
                        json_type(&other)
                    )))
                }
            },
        };
        items
            .into_iter()
            .map(|(value, at)| {
                let here = place.with(&place.property, at);
                match value {
                    Json::String(s) if !s.is_empty() => Ok((s, here)),
                    other => Err(here.error(format!(
                        "`{}` must list names, found {}",
                        place.property,
                        json_type(&other)
                    ))),
                }
            })
            .collect()
    }

    /// A policy document (a mapping, or a JSON string) in the snapshot's
    /// `{"document", "origin"}` form.
    pub(super) fn document(&self, node: &Node, place: &Place) -> Result<Json, SourceError> {
        let document = match self.eval(node, place, 0)? {
            Json::Object(members) => Json::Object(members),
            Json::String(text) => match serde_json::from_str::<Json>(&text) {
                Ok(Json::Object(members)) => Json::Object(members),
                Ok(other) => {
                    return Err(place.error(format!(
                        "the policy document must be a JSON object, found {}",
                        json_type(&other)
                    )))
                }
                Err(e) => return Err(place.error(format!("the policy document is not JSON: {e}"))),
            },
            other => {
                return Err(place.error(format!(
                    "a policy document is a mapping or a JSON string, found {}",
                    json_type(&other)
                )))
            }
        };
        let mut origin = Map::new();
        if let Some(file) = self.file {
            origin.insert("file".into(), json!(file));
        }
        origin.insert("address".into(), json!(place.id));
        origin.insert("line".into(), json!(place.at.line));
        origin.insert("column".into(), json!(place.at.column));
        Ok(json!({"document": document, "origin": origin}))
    }

    pub(super) fn translate(&self) -> Result<Json, SourceError> {
        let mut account = Builder::default();
        for resource in &self.resources {
            misspelt(resource)?;
            match resource.kind {
                USER => {
                    let name = self.string(resource, "UserName")?;
                    let place = resource.place("UserName");
                    account.declare(Kind::User, &name, &place)?;
                    for (group, place) in self.strings(resource, "Groups")? {
                        account.links.push(Link::Member {
                            user: name.clone(),
                            group,
                            place,
                        });
                    }
                    self.principal_policies(&mut account, resource, Kind::User, &name)?;
                }
                GROUP => {
                    let name = self.string(resource, "GroupName")?;
                    account.declare(Kind::Group, &name, &resource.place("GroupName"))?;
                    self.principal_policies(&mut account, resource, Kind::Group, &name)?;
                }
                ROLE => {
                    let name = self.string(resource, "RoleName")?;
                    let place = resource.place("RoleName");
                    account.declare(Kind::Role, &name, &place)?;
                    let property = "AssumeRolePolicyDocument";
                    let Some(node) = resource.property(property) else {
                        return Err(resource
                            .place(property)
                            .error("the role has no trust policy (`AssumeRolePolicyDocument`)"));
                    };
                    let trust = self.document(node, &resource.place(property))?;
                    account.trust.insert(name.clone(), trust);
                    self.principal_policies(&mut account, resource, Kind::Role, &name)?;
                }
                MANAGED_POLICY => {
                    let name = self.string(resource, "PolicyName")?;
                    // ROS sends `PolicyDocumentUnchecked` instead of `PolicyDocument` when given.
                    let property = ["PolicyDocumentUnchecked", "PolicyDocument"]
                        .into_iter()
                        .find(|p| resource.property(p).is_some());
                    let (Some(property), Some(node)) =
                        (property, property.and_then(|p| resource.property(p)))
                    else {
                        return Err(resource
                            .place("PolicyDocument")
                            .error("the policy has no `PolicyDocument`"));
                    };
                    let document = self.document(node, &resource.place(property))?;
                    account.define(&name, document, &resource.place("PolicyName"), false)?;
                    for (kind, property) in [
                        (Kind::User, "Users"),
                        (Kind::Group, "Groups"),
                        (Kind::Role, "Roles"),
                    ] {
                        for (principal, place) in self.strings(resource, property)? {
                            account.links.push(Link::Attach {
                                kind,
                                principal,
                                policy: name.clone(),
                                system: false,
                                resource_group: None,
                                place,
                            });
                        }
                    }
                }
                USER_TO_GROUP => {
                    let group = self.string(resource, "GroupName")?;
                    for (user, place) in self.strings(resource, "Users")? {
                        account.links.push(Link::Member {
                            user,
                            group: group.clone(),
                            place,
                        });
                    }
                }
                ATTACH_TO_USER | ATTACH_TO_GROUP | ATTACH_TO_ROLE => {
                    let (kind, property) = match resource.kind {
                        ATTACH_TO_USER => (Kind::User, "UserName"),
                        ATTACH_TO_GROUP => (Kind::Group, "GroupName"),
                        _ => (Kind::Role, "RoleName"),
                    };
                    let principal = self.string(resource, property)?;
                    let policy = self.string(resource, "PolicyName")?;
                    let system = self.policy_type(resource)?;
                    account.links.push(Link::Attach {
                        kind,
                        principal,
                        policy,
                        system,
                        resource_group: None,
                        place: resource.place("PolicyName"),
                    });
                }
                RG_POLICY_ATTACHMENT => self.scoped_attachment(&mut account, resource)?,
                RESOURCE_GROUP => {
                    let name = self.string(resource, "Name")?;
                    if account
                        .resource_groups
                        .insert(name.clone(), resource.id.to_owned())
                        .is_some()
                    {
                        return Err(resource
                            .place("Name")
                            .error(format!("a second resource group named `{name}`")));
                    }
                }
                CONTROL_POLICY => {
                    let name = self.string(resource, "ControlPolicyName")?;
                    let property = "PolicyDocument";
                    let Some(node) = resource.property(property) else {
                        return Err(resource
                            .place(property)
                            .error("the control policy has no `PolicyDocument`"));
                    };
                    let document = self.document(node, &resource.place(property))?;
                    account.define(&name, document, &resource.place("ControlPolicyName"), true)?;
                }
                CONTROL_ATTACHMENT => {
                    let target = self.string(resource, "TargetId")?;
                    let policy = self.string(resource, "PolicyId")?;
                    account.targets.push(Target {
                        target,
                        policy,
                        place: resource.place("TargetId"),
                        policy_place: resource.place("PolicyId"),
                    });
                }
                // The pipeline's ID, and so the resource its group would hold, exists only once
                // deployed: leaving it out of the group could turn an Allow granted in the
                // group's scope into a Deny that a gate would pass.
                IMAGE_PIPELINE if resource.property("ResourceGroupId").is_some() => {
                    return Err(resource
                        .place("ResourceGroupId")
                        .error(
                            "the pipeline's ID is known only when the stack is deployed, so \
                             ramcheck cannot place it in its resource group",
                        )
                        .with_help(
                            "check the deployed account (a snapshot or Terraform state), or \
                             leave `ResourceGroupId` out",
                        ));
                }
                _ => {}
            }
        }
        account.finish(self.account_id)
    }

    /// `PolicyType`: `System` (true) or `Custom` (false).
    pub(super) fn policy_type(&self, resource: &Resource<'_>) -> Result<bool, SourceError> {
        let kind = self.string(resource, "PolicyType")?;
        match kind.as_str() {
            "System" => Ok(true),
            "Custom" => Ok(false),
            other => Err(resource.place("PolicyType").error(format!(
                "expected `PolicyType` `System` or `Custom`, found \"{other}\""
            ))),
        }
    }

    /// The inline `Policies` and the `PolicyAttachments` of a user, group or role.
    pub(super) fn principal_policies(
        &self,
        account: &mut Builder,
        resource: &Resource<'_>,
        kind: Kind,
        name: &str,
    ) -> Result<(), SourceError> {
        if let Some(node) = resource.property("Policies") {
            let place = resource.place("Policies");
            let Value::Array(items) = &node.value else {
                return Err(place.error(format!(
                    "`Policies` must be a list of policies, found {}",
                    node.value.type_name()
                )));
            };
            for item in items {
                let here = place.with("Policies", item.at);
                let Value::Object(_) = item.value else {
                    return Err(here.error(format!(
                        "a policy of `Policies` is a mapping with `PolicyName` and \
                         `PolicyDocument`, found {}",
                        item.value.type_name()
                    )));
                };
                let policy_name = match item.get("PolicyName") {
                    Some(n) => match self.eval(n, &here.with("Policies", n.at), 0)? {
                        Json::String(s) if !s.is_empty() => s,
                        other => {
                            return Err(here.with("Policies", n.at).error(format!(
                                "`PolicyName` must be a non-empty string, found {}",
                                json_type(&other)
                            )))
                        }
                    },
                    None => return Err(here.error("a policy of `Policies` has no `PolicyName`")),
                };
                let Some(document) = item.get("PolicyDocument") else {
                    return Err(here.error(format!(
                        "the policy `{policy_name}` of `Policies` has no `PolicyDocument`"
                    )));
                };
                let document = self.document(document, &here.with("Policies", document.at))?;
                account.define(&policy_name, document, &here, false)?;
                account.links.push(Link::Attach {
                    kind,
                    principal: name.to_owned(),
                    policy: policy_name,
                    system: false,
                    resource_group: None,
                    place: here,
                });
            }
        }
        if let Some(node) = resource.property("PolicyAttachments") {
            let place = resource.place("PolicyAttachments");
            let Value::Object(members) = &node.value else {
                return Err(place.error(format!(
                    "`PolicyAttachments` must be a mapping with `System` and `Custom` lists, \
                     found {}",
                    node.value.type_name()
                )));
            };
            for member in members {
                let system = match member.key.as_str() {
                    "System" => true,
                    "Custom" => false,
                    other => {
                        return Err(place.with("PolicyAttachments", member.at).error(format!(
                            "unknown key `{other}` in `PolicyAttachments`; expected `System` or \
                             `Custom`"
                        )))
                    }
                };
                let here = place.with("PolicyAttachments", member.value.at);
                for (policy, place) in self.string_list(&member.value, &here)? {
                    account.links.push(Link::Attach {
                        kind,
                        principal: name.to_owned(),
                        policy,
                        system,
                        resource_group: None,
                        place,
                    });
                }
            }
        }
        Ok(())
    }

    /// `ALIYUN::ResourceManager::PolicyAttachment`: a policy attached to a principal in a
    /// resource group's scope (or the account's, when the "group" is the account ID).
    pub(super) fn scoped_attachment(
        &self,
        account: &mut Builder,
        resource: &Resource<'_>,
    ) -> Result<(), SourceError> {
        let policy = self.string(resource, "PolicyName")?;
        let system = self.policy_type(resource)?;
        let principal_type = self.string(resource, "PrincipalType")?;
        let kind = match principal_type.as_str() {
            "IMSUser" => Kind::User,
            "IMSGroup" => Kind::Group,
            "ServiceRole" => Kind::Role,
            other => {
                return Err(resource.place("PrincipalType").error(format!(
                    "expected `PrincipalType` `IMSUser`, `IMSGroup` or `ServiceRole`, found \
                     \"{other}\""
                )))
            }
        };
        // `alice@1234567890123456.onaliyun.com` is the RAM user `alice`; roles and groups are
        // written the same way.
        let principal = self.string(resource, "PrincipalName")?;
        let principal = principal
            .split_once('@')
            .map_or(principal.as_str(), |(name, _)| name)
            .to_owned();
        let scope = match resource.property("ResourceGroupId") {
            None => None,
            Some(_) => {
                let id = self.string(resource, "ResourceGroupId")?;
                (id != self.account_id).then_some(id)
            }
        };
        account.links.push(Link::Attach {
            kind,
            principal,
            policy,
            system,
            resource_group: scope,
            place: resource.place("PolicyName"),
        });
        Ok(())
    }
}

/// The properties read from each resource type.
fn read_properties(kind: &str) -> &'static [&'static str] {
    match kind {
        USER => &["UserName", "Groups", "Policies", "PolicyAttachments"],
        GROUP => &["GroupName", "Policies", "PolicyAttachments"],
        ROLE => &[
            "RoleName",
            "AssumeRolePolicyDocument",
            "Policies",
            "PolicyAttachments",
        ],
        MANAGED_POLICY => &[
            "PolicyName",
            "PolicyDocument",
            "PolicyDocumentUnchecked",
            "Users",
            "Groups",
            "Roles",
        ],
        USER_TO_GROUP => &["GroupName", "Users"],
        ATTACH_TO_USER => &["PolicyName", "PolicyType", "UserName"],
        ATTACH_TO_GROUP => &["PolicyName", "PolicyType", "GroupName"],
        ATTACH_TO_ROLE => &["PolicyName", "PolicyType", "RoleName"],
        RG_POLICY_ATTACHMENT => &[
            "PolicyName",
            "PolicyType",
            "PrincipalName",
            "PrincipalType",
            "ResourceGroupId",
        ],
        RESOURCE_GROUP => &["Name"],
        CONTROL_POLICY => &["ControlPolicyName", "PolicyDocument"],
        CONTROL_ATTACHMENT => &["TargetId", "PolicyId"],
        IMAGE_PIPELINE => &["ResourceGroupId"],
        _ => &[],
    }
}

/// A property whose name is a near miss of one that is read (`Polices`, `username`) is an
/// error: ROS would refuse it, and reading the template without it could drop an attachment
/// and turn an Allow into a Deny that a gate would pass. Other properties (`Comments`,
/// `Tags`) carry no RAM configuration and are left alone.
fn misspelt(resource: &Resource<'_>) -> Result<(), SourceError> {
    let read = read_properties(resource.kind);
    let Some(Node {
        value: Value::Object(members),
        ..
    }) = resource.properties
    else {
        return Ok(());
    };
    for member in members {
        if read.contains(&member.key.as_str()) {
            continue;
        }
        if let Some(near) = crate::suggest::did_you_mean(&member.key, read.iter().copied()) {
            return Err(resource
                .place(&member.key)
                .error(format!(
                    "unknown property `{}` of a `{}`",
                    member.key, resource.kind
                ))
                .with_help(format!("did you mean `{near}`?")));
        }
    }
    Ok(())
}
