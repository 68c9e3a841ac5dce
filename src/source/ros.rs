//! ROS templates (`ROSTemplateFormatVersion`, JSON or YAML) translated into an account
//! snapshot.
//!
//! The template is read into a positioned tree ([`tree`]), its parameters are settled
//! (`--parameter K=V` over each `Default`), and every RAM resource becomes part of the
//! snapshot: users, groups and roles with their memberships and attachments, custom policies
//! (each document in the `{"document", "origin"}` form, the origin naming the resource's
//! logical id and the document's line and column in the template), trust policies, resource
//! groups and control policies. Resource types that carry no RAM configuration are skipped.
//!
//! Intrinsic functions are evaluated where they can be from the template alone: `Ref` to a
//! parameter, to `ALIYUN::AccountId` or to a RAM resource of the template (whose `Ref` is its
//! name), `Fn::GetAtt` of a name attribute, `Fn::Join` and `Fn::Sub`. Anything else where it
//! matters (a name, a document, an attachment) is a [`SourceError`] naming the logical id and
//! property: ramcheck does not guess what ROS would compute at deploy time.
//!
//! Mapping choices, so that every reader derives the same account:
//! - inline `Policies` of a user, group or role become a custom policy of that name attached
//!   to it;
//! - a resource group is named by its `Name` (its `rg-...` ID exists only once deployed) and
//!   holds no resource the template places in it;
//! - a control policy attached (`ControlPolicyAttachment`) to the account, to a folder or to
//!   the Root folder binds the account: the directory path is the Root folder, at most one
//!   folder, then the account, each level carrying `FullAliyunAccess`;
//! - a principal, group, policy or resource group that the template uses but does not declare
//!   is an error (a system policy excepted): the account would otherwise be only half known.

mod tree;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde_json::{json, Map, Value as Json};

use self::tree::{Node, Value};
use super::{SourceError, SourceOptions};
use crate::policy::Position;

/// The template format version ROS knows.
const FORMAT_VERSION: &str = "2015-09-01";

/// How many `Ref`s may lead from one name to the next (a role named by a parameter named by
/// ...) before the chain is taken to go round in a circle.
const MAX_REFERENCE_CHAIN: usize = 32;

const USER: &str = "ALIYUN::RAM::User";
const GROUP: &str = "ALIYUN::RAM::Group";
const ROLE: &str = "ALIYUN::RAM::Role";
const MANAGED_POLICY: &str = "ALIYUN::RAM::ManagedPolicy";
const USER_TO_GROUP: &str = "ALIYUN::RAM::UserToGroupAddition";
const ATTACH_TO_USER: &str = "ALIYUN::RAM::AttachPolicyToUser";
const ATTACH_TO_GROUP: &str = "ALIYUN::RAM::AttachPolicyToGroup";
const ATTACH_TO_ROLE: &str = "ALIYUN::RAM::AttachPolicyToRole";
const RESOURCE_GROUP: &str = "ALIYUN::ResourceManager::ResourceGroup";
const CONTROL_POLICY: &str = "ALIYUN::ResourceManager::ControlPolicy";
const CONTROL_ATTACHMENT: &str = "ALIYUN::ResourceManager::ControlPolicyAttachment";
const RG_POLICY_ATTACHMENT: &str = "ALIYUN::ResourceManager::PolicyAttachment";

/// Every resource type read; any other is ignored.
const RAM_TYPES: [&str; 12] = [
    USER,
    GROUP,
    ROLE,
    MANAGED_POLICY,
    USER_TO_GROUP,
    ATTACH_TO_USER,
    ATTACH_TO_GROUP,
    ATTACH_TO_ROLE,
    RESOURCE_GROUP,
    CONTROL_POLICY,
    CONTROL_ATTACHMENT,
    RG_POLICY_ATTACHMENT,
];

/// Translates a ROS template into an account snapshot (a JSON value for
/// [`crate::account::Account`]'s loader). `file` names the template in errors and origins.
///
/// # Errors
///
/// A [`SourceError`] with the position, the logical id and the property: the template is too
/// large, not JSON or YAML, not a ROS template, or something that matters cannot be known
/// from the template and the options.
#[allow(dead_code)] // Called by `load_account` and `snapshot` once they are wired to ROS.
pub(crate) fn to_snapshot(
    text: &str,
    file: Option<&str>,
    options: &SourceOptions,
) -> Result<Json, SourceError> {
    let placed = |e: SourceError| match file {
        Some(f) => e.in_file(f),
        None => e,
    };
    let limit = if options.max_file_size == 0 {
        crate::read::DEFAULT_MAX_FILE_SIZE
    } else {
        options.max_file_size
    };
    if text.len() as u64 > limit {
        return Err(placed(
            SourceError::new(format!(
                "the template is {} bytes, larger than the limit of {limit} bytes",
                text.len()
            ))
            .with_help("raise the limit on one input file (`--max-file-size BYTES`)"),
        ));
    }
    let root = tree::read(text).map_err(|e| {
        let error = SourceError::new(e.message).at(e.at);
        placed(match e.help {
            Some(help) => error.with_help(help),
            None => error,
        })
    })?;
    Template::new(&root, file, options)
        .and_then(|t| t.translate())
        .map_err(placed)
}

/// Where a value came from: the resource's logical id, its property, the position.
#[derive(Debug, Clone)]
struct Place {
    id: String,
    property: String,
    at: Position,
}

impl Place {
    fn error(&self, message: impl Into<String>) -> SourceError {
        SourceError::new(message)
            .at(self.at)
            .of_resource(&self.id, &self.property)
    }

    fn with(&self, property: &str, at: Position) -> Place {
        Place {
            id: self.id.clone(),
            property: property.to_owned(),
            at,
        }
    }
}

/// One resource of the template.
struct Resource<'a> {
    id: &'a str,
    kind: &'a str,
    properties: Option<&'a Node>,
    node: &'a Node,
}

impl<'a> Resource<'a> {
    fn property(&self, name: &str) -> Option<&'a Node> {
        self.properties.and_then(|p| p.get(name))
    }

    fn place(&self, property: &str) -> Place {
        Place {
            id: self.id.to_owned(),
            property: property.to_owned(),
            at: self.property(property).map_or(self.node.at, |n| n.at),
        }
    }
}

/// A template with its parameters settled.
struct Template<'a> {
    file: Option<&'a str>,
    account_id: &'a str,
    parameters: BTreeMap<&'a str, Json>,
    resources: Vec<Resource<'a>>,
}

impl<'a> Template<'a> {
    fn new(
        root: &'a Node,
        file: Option<&'a str>,
        options: &'a SourceOptions,
    ) -> Result<Template<'a>, SourceError> {
        let Value::Object(_) = root.value else {
            return Err(SourceError::new(format!(
                "a ROS template is a mapping, found {}",
                root.value.type_name()
            ))
            .at(root.at));
        };
        match root.get("ROSTemplateFormatVersion") {
            Some(Node {
                value: Value::String(v),
                ..
            }) if v == FORMAT_VERSION => {}
            Some(other) => {
                return Err(SourceError::new(format!(
                    "expected `ROSTemplateFormatVersion: '{FORMAT_VERSION}'`, found {}",
                    describe(other)
                ))
                .at(other.at))
            }
            None => {
                return Err(
                    SourceError::new("the file has no `ROSTemplateFormatVersion`")
                        .at(root.at)
                        .with_help(format!(
                        "a ROS template starts with `ROSTemplateFormatVersion: '{FORMAT_VERSION}'`"
                    )),
                )
            }
        }
        let account_id = options.account_id.as_deref().ok_or_else(|| {
            SourceError::new("a ROS template does not say which account it describes")
                .at(root.at)
                .with_help("give the account's ID with `--account-id ID`")
        })?;
        let parameters = parameters(root, options)?;
        let mut resources = Vec::new();
        if let Some(section) = root.get("Resources") {
            let Value::Object(members) = &section.value else {
                return Err(SourceError::new(format!(
                    "`Resources` must be a mapping of logical ids, found {}",
                    section.value.type_name()
                ))
                .at(section.at));
            };
            for member in members {
                let place = Place {
                    id: member.key.clone(),
                    property: "Type".to_owned(),
                    at: member.value.at,
                };
                let kind = match member.value.get("Type") {
                    Some(Node {
                        value: Value::String(kind),
                        ..
                    }) => kind.as_str(),
                    Some(other) => {
                        return Err(place.with("Type", other.at).error(format!(
                            "expected a resource type, found {}",
                            describe(other)
                        )))
                    }
                    None => return Err(place.error("the resource has no `Type`")),
                };
                let properties = member.value.get("Properties");
                if let Some(p) = properties {
                    if !matches!(p.value, Value::Object(_)) {
                        return Err(place.with("Properties", p.at).error(format!(
                            "`Properties` must be a mapping, found {}",
                            p.value.type_name()
                        )));
                    }
                }
                if RAM_TYPES.contains(&kind) {
                    // A resource created only under a condition, or many times over, is one
                    // ramcheck cannot count without evaluating what ROS evaluates at deploy time.
                    for key in ["Condition", "Count"] {
                        if let Some(n) = member.value.get(key) {
                            return Err(place.with(key, n.at).error(format!(
                                "a `{kind}` with `{key}` is not supported: whether and how often \
                                 it exists is decided at deploy time"
                            )));
                        }
                    }
                }
                resources.push(Resource {
                    id: &member.key,
                    kind,
                    properties,
                    node: &member.value,
                });
            }
        }
        Ok(Template {
            file,
            account_id,
            parameters,
            resources,
        })
    }

    fn resource(&self, id: &str) -> Option<&Resource<'a>> {
        self.resources.iter().find(|r| r.id == id)
    }

    // ---- intrinsic functions ----

    /// The value of a node with its intrinsic functions evaluated.
    fn eval(&self, node: &Node, place: &Place, chain: usize) -> Result<Json, SourceError> {
        match &node.value {
            Value::Null => Ok(Json::Null),
            Value::Bool(b) => Ok(Json::Bool(*b)),
            Value::Number(text) => Ok(serde_json::from_str::<serde_json::Number>(text)
                .map_or_else(|_| Json::String(text.clone()), Json::Number)),
            Value::String(s) => Ok(Json::String(s.clone())),
            Value::Array(items) => items
                .iter()
                .map(|n| self.eval(n, place, chain))
                .collect::<Result<Vec<_>, _>>()
                .map(Json::Array),
            Value::Object(members) => {
                if let [only] = members.as_slice() {
                    if only.key == "Ref" || only.key.starts_with("Fn::") {
                        let here = place.with(&place.property, only.at);
                        return self.function(&only.key, &only.value, &here, chain);
                    }
                }
                let mut out = Map::new();
                for m in members {
                    out.insert(m.key.clone(), self.eval(&m.value, place, chain)?);
                }
                Ok(Json::Object(out))
            }
        }
    }

    fn function(
        &self,
        name: &str,
        arg: &Node,
        place: &Place,
        chain: usize,
    ) -> Result<Json, SourceError> {
        if chain > MAX_REFERENCE_CHAIN {
            return Err(place.error(format!(
                "more than {MAX_REFERENCE_CHAIN} references lead here: they go round in a circle"
            )));
        }
        match name {
            "Ref" => {
                let target = self.eval(arg, place, chain + 1)?;
                let Json::String(target) = target else {
                    return Err(place.error(format!(
                        "`Ref` takes the name of a parameter or resource, found {}",
                        json_type(&target)
                    )));
                };
                self.reference(&target, place, chain + 1)
            }
            "Fn::GetAtt" => {
                let args = self.eval(arg, place, chain + 1)?;
                let (id, attribute) =
                    match &args {
                        Json::Array(items) => match items.as_slice() {
                            [Json::String(id), Json::String(a)] => (id.clone(), a.clone()),
                            _ => return Err(place.error(
                                "`Fn::GetAtt` takes a list of a logical id and an attribute name",
                            )),
                        },
                        Json::String(dotted) => match dotted.split_once('.') {
                            Some((id, a)) => (id.to_owned(), a.to_owned()),
                            None => {
                                return Err(place.error(format!(
                                    "`Fn::GetAtt` takes `LogicalId.Attribute`, found \"{dotted}\""
                                )))
                            }
                        },
                        other => {
                            return Err(place.error(format!(
                                "`Fn::GetAtt` takes a list of a logical id and an attribute name, \
                             found {}",
                                json_type(other)
                            )))
                        }
                    };
                self.attribute(&id, &attribute, place, chain + 1)
                    .map(Json::String)
            }
            "Fn::Join" => {
                let args = self.eval(arg, place, chain + 1)?;
                let Json::Array(args) = args else {
                    return Err(place.error("`Fn::Join` takes a list: a delimiter and a list"));
                };
                let [Json::String(delimiter), Json::Array(items)] = args.as_slice() else {
                    return Err(place.error("`Fn::Join` takes a list: a delimiter and a list"));
                };
                let parts = items
                    .iter()
                    .map(|item| text_of(item, place, "`Fn::Join`"))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Json::String(parts.join(delimiter)))
            }
            "Fn::Sub" => self.substitute(arg, place, chain + 1).map(Json::String),
            other => Err(place
                .error(format!(
                    "`{other}` is not evaluated by ramcheck: its value is known only to ROS"
                ))
                .with_help(
                    "give the value literally, through a parameter, or with `Ref`, \
                     `Fn::GetAtt`, `Fn::Join` or `Fn::Sub`",
                )),
        }
    }

    /// `Ref`: a parameter's value, the account ID, or a RAM resource's name.
    fn reference(&self, target: &str, place: &Place, chain: usize) -> Result<Json, SourceError> {
        if target == "ALIYUN::AccountId" {
            return Ok(Json::String(self.account_id.to_owned()));
        }
        if target.starts_with("ALIYUN::") {
            return Err(place
                .error(format!(
                    "`{target}` is known only when the stack is deployed"
                ))
                .with_help("give the value literally or through a parameter"));
        }
        if let Some(value) = self.parameters.get(target) {
            return Ok(value.clone());
        }
        let Some(resource) = self.resource(target) else {
            return Err(place.error(format!(
                "`Ref` to `{target}`, which is neither a parameter nor a resource of the template"
            )));
        };
        let attribute = match resource.kind {
            USER => "UserName",
            GROUP => "GroupName",
            ROLE => "RoleName",
            MANAGED_POLICY => "PolicyName",
            RESOURCE_GROUP => "Name",
            CONTROL_POLICY => "ControlPolicyName",
            kind => {
                return Err(place.error(format!(
                    "the `Ref` of `{target}` (a `{kind}`) is known only when the stack is deployed"
                )))
            }
        };
        self.name(resource, attribute, chain).map(Json::String)
    }

    /// `Fn::GetAtt` of a resource's name attribute.
    fn attribute(
        &self,
        id: &str,
        attribute: &str,
        place: &Place,
        chain: usize,
    ) -> Result<String, SourceError> {
        let Some(resource) = self.resource(id) else {
            return Err(place.error(format!(
                "`Fn::GetAtt` of `{id}`, which is not a resource of the template"
            )));
        };
        // The name attributes, and the IDs that a translated account names by the same name.
        let property = match (resource.kind, attribute) {
            (USER, "UserName") => "UserName",
            (GROUP, "GroupName") => "GroupName",
            (ROLE, "RoleName") => "RoleName",
            (MANAGED_POLICY, "PolicyName") => "PolicyName",
            (RESOURCE_GROUP, "Name" | "Id" | "ResourceGroupId") => "Name",
            (CONTROL_POLICY, "ControlPolicyName" | "PolicyId") => "ControlPolicyName",
            (kind, _) => {
                return Err(place.error(format!(
                    "`Fn::GetAtt` of `{id}.{attribute}` (a `{kind}`) is known only when the \
                     stack is deployed"
                )))
            }
        };
        self.name(resource, property, chain)
    }

    /// A resource's name property, evaluated.
    fn name(
        &self,
        resource: &Resource<'_>,
        property: &str,
        chain: usize,
    ) -> Result<String, SourceError> {
        let place = resource.place(property);
        let Some(node) = resource.property(property) else {
            return Err(place.error(format!("the `{}` has no `{property}`", resource.kind)));
        };
        let value = self.eval(node, &place, chain + 1)?;
        match value {
            Json::String(s) if !s.is_empty() => Ok(s),
            other => Err(place.error(format!(
                "`{property}` must be a non-empty string, found {}",
                json_type(&other)
            ))),
        }
    }

    /// `Fn::Sub`: `${Name}` is a variable of the second argument, a parameter, the account ID
    /// or a resource's name; `${Id.Attribute}` an attribute; `${!Text}` the text `${Text}`.
    fn substitute(&self, arg: &Node, place: &Place, chain: usize) -> Result<String, SourceError> {
        let (text, variables) = match &arg.value {
            Value::String(s) => (s.as_str(), None),
            Value::Array(items) => match items.as_slice() {
                [Node {
                    value: Value::String(s),
                    ..
                }, vars] => (s.as_str(), Some(vars)),
                _ => return Err(place.error(
                    "`Fn::Sub` takes a string, or a list of a string and a mapping of variables",
                )),
            },
            other => {
                return Err(place.error(format!(
                    "`Fn::Sub` takes a string, found {}",
                    other.type_name()
                )))
            }
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                return Err(place.error(format!("`Fn::Sub`: `${{` without `}}` in \"{text}\"")));
            };
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(value) = variables.and_then(|v| v.get(name)) {
                let value = self.eval(value, place, chain + 1)?;
                out.push_str(&text_of(&value, place, "`Fn::Sub`")?);
            } else if let Some((id, attribute)) = name.split_once('.') {
                out.push_str(&self.attribute(id, attribute, place, chain + 1)?);
            } else {
                let value = self.reference(name, place, chain + 1)?;
                out.push_str(&text_of(&value, place, "`Fn::Sub`")?);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    // ---- values of properties ----

    /// A required string property, evaluated.
    fn string(&self, resource: &Resource<'_>, property: &str) -> Result<String, SourceError> {
        self.name(resource, property, 0)
    }

    /// An optional list of strings, evaluated, each with its position.
    fn strings(
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

    fn string_list(&self, node: &Node, place: &Place) -> Result<Vec<(String, Place)>, SourceError> {
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
    fn document(&self, node: &Node, place: &Place) -> Result<Json, SourceError> {
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

    // ---- translation ----

    fn translate(&self) -> Result<Json, SourceError> {
        let mut account = Builder::default();
        for resource in &self.resources {
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
                _ => {}
            }
        }
        account.finish(self.account_id)
    }

    /// `PolicyType`: `System` (true) or `Custom` (false).
    fn policy_type(&self, resource: &Resource<'_>) -> Result<bool, SourceError> {
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
    fn principal_policies(
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
    fn scoped_attachment(
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

/// The parameters' values: each given one (`--parameter`) over its `Default`.
fn parameters<'a>(
    root: &'a Node,
    options: &SourceOptions,
) -> Result<BTreeMap<&'a str, Json>, SourceError> {
    let mut values = BTreeMap::new();
    let declared: &[tree::Member] = match root.get("Parameters") {
        None => &[],
        Some(Node {
            value: Value::Object(members),
            ..
        }) => members,
        Some(other) => {
            return Err(SourceError::new(format!(
                "`Parameters` must be a mapping, found {}",
                other.value.type_name()
            ))
            .at(other.at))
        }
    };
    for name in options.parameters.keys() {
        if !declared.iter().any(|m| &m.key == name) {
            let mut error = SourceError::new(format!(
                "the parameter `{name}` is given, but the template declares no such parameter"
            ))
            .at(root.get("Parameters").map_or(root.at, |n| n.at));
            if let Some(near) =
                crate::suggest::did_you_mean(name, declared.iter().map(|m| m.key.as_str()))
            {
                error = error.with_help(format!("did you mean `{near}`?"));
            }
            return Err(error);
        }
    }
    for member in declared {
        let kind = match member.value.get("Type") {
            Some(Node {
                value: Value::String(t),
                ..
            }) => t.as_str(),
            _ => "String",
        };
        let value = match options.parameters.get(&member.key) {
            Some(given) if kind == "CommaDelimitedList" => {
                Json::Array(given.split(',').map(|s| json!(s.trim())).collect())
            }
            Some(given) => Json::String(given.clone()),
            None => match member.value.get("Default") {
                Some(default) => plain(default),
                None => {
                    return Err(SourceError::new(format!(
                        "the parameter `{}` has no `Default` and no value is given",
                        member.key
                    ))
                    .at(member.at)
                    .with_help(format!("pass `--parameter {}=VALUE`", member.key)))
                }
            },
        };
        let value = match (&value, kind) {
            (Json::String(s), "CommaDelimitedList") => {
                Json::Array(s.split(',').map(|s| json!(s.trim())).collect())
            }
            _ => value,
        };
        values.insert(member.key.as_str(), value);
    }
    Ok(values)
}

/// A value taken as it is written (a parameter's `Default`).
fn plain(node: &Node) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(text) => serde_json::from_str::<serde_json::Number>(text)
            .map_or_else(|_| Json::String(text.clone()), Json::Number),
        Value::String(s) => Json::String(s.clone()),
        Value::Array(items) => Json::Array(items.iter().map(plain).collect()),
        Value::Object(members) => Json::Object(
            members
                .iter()
                .map(|m| (m.key.clone(), plain(&m.value)))
                .collect(),
        ),
    }
}

fn text_of(value: &Json, place: &Place, function: &str) -> Result<String, SourceError> {
    match value {
        Json::String(s) => Ok(s.clone()),
        Json::Number(n) => Ok(n.to_string()),
        Json::Bool(b) => Ok(b.to_string()),
        other => Err(place.error(format!(
            "{function} joins strings, found {}",
            json_type(other)
        ))),
    }
}

fn json_type(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "a mapping",
    }
}

fn describe(node: &Node) -> String {
    match &node.value {
        Value::String(s) => format!("\"{s}\""),
        other => other.type_name().to_owned(),
    }
}

// ---- the account being built ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    User,
    Group,
    Role,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::User => "RAM user",
            Kind::Group => "RAM group",
            Kind::Role => "RAM role",
        }
    }
}

/// A membership or attachment, checked against what the template declares once all of it
/// has been read (resources may come in any order).
enum Link {
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
struct Target {
    target: String,
    policy: String,
    place: Place,
    policy_place: Place,
}

#[derive(Default)]
struct Principal {
    groups: Vec<String>,
    policies: Vec<Json>,
}

#[derive(Default)]
struct Builder {
    /// Custom policies (identity and control) by name: the document and the logical id that
    /// defines it, and whether it is a control policy.
    policies: BTreeMap<String, (Json, String, bool)>,
    principals: BTreeMap<(u8, String), (Principal, String)>,
    trust: BTreeMap<String, Json>,
    /// Resource groups by name, with the logical id that declares each.
    resource_groups: BTreeMap<String, String>,
    links: Vec<Link>,
    targets: Vec<Target>,
}

fn key(kind: Kind, name: &str) -> (u8, String) {
    (kind as u8, name.to_owned())
}

impl Builder {
    fn declare(&mut self, kind: Kind, name: &str, place: &Place) -> Result<(), SourceError> {
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

    fn define(
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

    fn check_policy(&self, policy: &str, system: bool, place: &Place) -> Result<(), SourceError> {
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

    fn principal(
        &mut self,
        kind: Kind,
        name: &str,
        place: &Place,
    ) -> Result<&mut Principal, SourceError> {
        if !self.principals.contains_key(&key(kind, name)) {
            let names: Vec<&str> = self
                .principals
                .keys()
                .filter(|(k, _)| *k == kind as u8)
                .map(|(_, n)| n.as_str())
                .collect();
            let mut error = place.error(format!(
                "the {} `{name}` is not declared in the template",
                kind.noun()
            ));
            if let Some(near) = crate::suggest::did_you_mean(name, names) {
                error = error.with_help(format!("did you mean `{near}`?"));
            }
            return Err(error);
        }
        match self.principals.get_mut(&key(kind, name)) {
            Some((p, _)) => Ok(p),
            None => Err(place.error("internal: principal vanished")),
        }
    }

    fn finish(mut self, account_id: &str) -> Result<Json, SourceError> {
        for link in std::mem::take(&mut self.links) {
            match link {
                Link::Member { user, group, place } => {
                    self.principal(Kind::Group, &group, &place)?;
                    let user = self.principal(Kind::User, &user, &place)?;
                    if !user.groups.contains(&group) {
                        user.groups.push(group);
                    }
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
                    let principal = self.principal(kind, &principal, &place)?;
                    if !principal.policies.contains(&attachment) {
                        principal.policies.push(attachment);
                    }
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
            if kind == Kind::User as u8 {
                let mut user = Map::new();
                if !principal.groups.is_empty() {
                    user.insert("groups".into(), json!(principal.groups));
                }
                user.insert("policies".into(), Json::Array(principal.policies));
                users.insert(name, Json::Object(user));
            } else if kind == Kind::Group as u8 {
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
    fn directory(&self, account_id: &str) -> Result<Option<Json>, SourceError> {
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
