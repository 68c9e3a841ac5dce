//! ROS's intrinsic functions, evaluated where the template alone says their value: `Ref` to
//! a parameter, to `ALIYUN::AccountId` or to a RAM resource (its name), `Fn::GetAtt` of a name
//! attribute, `Fn::Join` and `Fn::Sub`. Any other function is an error naming where it stands.

use serde_json::{Map, Value as Json};

use super::tree::{Node, Value};
use super::{
    json_type, text_of, Place, Resource, Template, CONTROL_POLICY, GROUP, MANAGED_POLICY,
    MAX_REFERENCE_CHAIN, RESOURCE_GROUP, ROLE, USER,
};
use crate::source::SourceError;

impl Template<'_> {
    /// The value of a node with its intrinsic functions evaluated.
    pub(super) fn eval(
        &self,
        node: &Node,
        place: &Place,
        chain: usize,
    ) -> Result<Json, SourceError> {
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

    pub(super) fn function(
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
    pub(super) fn reference(
        &self,
        target: &str,
        place: &Place,
        chain: usize,
    ) -> Result<Json, SourceError> {
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
    pub(super) fn attribute(
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
    pub(super) fn name(
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
    pub(super) fn substitute(
        &self,
        arg: &Node,
        place: &Place,
        chain: usize,
    ) -> Result<String, SourceError> {
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
}
