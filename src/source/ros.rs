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
//! - an `ALIYUN::ECS::ImagePipeline` placed in a resource group is an error: its ID, and so
//!   what the group holds, exists only once deployed;
//! - a principal, group, policy or resource group that the template uses but does not declare
//!   is an error (a system policy excepted): the account would otherwise be only half known.

mod account;
mod intrinsics;
mod translate;
pub(crate) mod tree;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

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
/// Not a RAM resource, but its `ResourceGroupId` would place a pipeline in a group.
const IMAGE_PIPELINE: &str = "ALIYUN::ECS::ImagePipeline";

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
pub(crate) fn to_snapshot(
    text: &str,
    file: Option<&str>,
    options: &SourceOptions,
) -> Result<Json, SourceError> {
    let placed = |e: SourceError| match file {
        Some(f) => e.in_file(f),
        None => e,
    };
    let limit = options.limit();
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
            .of_property(&self.id, &self.property)
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
            Some(given) if kind == "Json" => serde_json::from_str(given).map_err(|e| {
                SourceError::new(format!(
                    "the parameter `{}` is of type `Json`, and its value is not JSON: {e}",
                    member.key
                ))
                .at(member.at)
            })?,
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
        // ROS refuses a value its parameter does not allow; so does the translation.
        if let Some(Node {
            value: Value::Array(allowed),
            at,
        }) = member.value.get("AllowedValues")
        {
            if !allowed.iter().any(|a| plain(a) == value) {
                return Err(SourceError::new(format!(
                    "the parameter `{}` is {value}, which its `AllowedValues` do not list",
                    member.key
                ))
                .at(*at));
            }
        }
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
