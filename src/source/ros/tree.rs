//! A ROS template as a tree of values, each with its line and column in the template.
//!
//! ROS templates come as JSON or YAML. Both are read into this one tree, so the translation
//! ([`super`]) never asks which: JSON through the crate's strict positioned reader
//! ([`crate::policy::json`]), YAML through `yaml-rust2`'s event parser, whose markers give each
//! node's place. YAML's short-form intrinsics (`!Ref Name`, `!GetAtt Role.RoleName`,
//! `!Join [...]`) become the long form (`{"Ref": "Name"}`) here, so the translation sees one
//! form.
//!
//! Both readers are bounded: nesting ([`MAX_DEPTH`]) and the number of values
//! ([`MAX_VALUES`]); YAML aliases are refused outright, since an alias re-uses a whole subtree
//! and a few lines of them expand to billions of nodes (the "billion laughs").

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::policy::json::{self, Limits};
use crate::policy::{Position, Source};

/// How deep arrays and objects may nest. A template nests about ten levels (`Resources`, a
/// resource, `Properties`, a document, `Statement`, a statement, `Condition`, an operator, a
/// key, its values); the bound keeps hostile input from exhausting the stack of the recursive
/// translation.
pub(crate) const MAX_DEPTH: usize = 128;

/// The most values one template may hold: as many as one policy document may
/// ([`json::MAX_POLICY_VALUES`]), far beyond any real template, so that a dense hostile file
/// cannot make the tree take gigabytes.
pub(crate) const MAX_VALUES: usize = json::MAX_POLICY_VALUES;

/// A value of the template with where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) value: Value,
    pub(crate) at: Position,
}

/// A template value. A number keeps its text, which becomes a JSON number as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Node>),
    Object(Vec<Member>),
}

/// One `key: value` member of a mapping, in template order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Member {
    pub(crate) key: String,
    pub(crate) at: Position,
    pub(crate) value: Node,
}

impl Value {
    /// The type's name, as error messages call it.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "a mapping",
        }
    }
}

impl Node {
    /// The value of member `key`, when this is a mapping that has it.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Object(members) => members.iter().find(|m| m.key == key).map(|m| &m.value),
            _ => None,
        }
    }
}

/// Why the template text cannot be read as a tree: the message and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TreeError {
    pub(crate) at: Position,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
}

impl TreeError {
    fn new(at: Position, message: impl Into<String>) -> TreeError {
        TreeError {
            at,
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> TreeError {
        self.help = Some(help.into());
        self
    }
}

/// Reads a template: JSON when its first non-blank character is `{`, YAML otherwise. Repeated
/// keys in any mapping are refused (ROS would take one of them; which one is not documented).
pub(crate) fn read(text: &str) -> Result<Node, TreeError> {
    let node = if text.trim_start().starts_with('{') {
        read_json(text)?
    } else {
        read_yaml(text)?
    };
    check_repeats(&node)?;
    Ok(node)
}

fn check_repeats(node: &Node) -> Result<(), TreeError> {
    // Iterative: the depth is bounded already, but a stack of nodes costs nothing.
    let mut pending = vec![node];
    while let Some(node) = pending.pop() {
        match &node.value {
            Value::Array(items) => pending.extend(items.iter()),
            Value::Object(members) => {
                let keys: Vec<&str> = members.iter().map(|m| m.key.as_str()).collect();
                if let Some((repeat, first)) = crate::repeats::repeats(&keys).next() {
                    if let (Some(r), Some(f)) = (members.get(repeat), members.get(first)) {
                        return Err(TreeError::new(
                            r.at,
                            format!("the key `{}` is repeated (first at {})", r.key, f.at),
                        )
                        .help("keep one of them"));
                    }
                }
                pending.extend(members.iter().map(|m| &m.value));
            }
            _ => {}
        }
    }
    Ok(())
}

fn read_json(text: &str) -> Result<Node, TreeError> {
    let source = Source::new(text);
    let limits = Limits {
        depth: MAX_DEPTH,
        values: MAX_VALUES,
    };
    let (_, root) = json::parse_bytes_nested(text.as_bytes(), limits).map_err(|e| TreeError {
        at: source.position(e.offset),
        message: e.message,
        help: e.help,
    })?;
    Ok(from_json(&root, text, &source))
}

fn from_json(node: &json::Node, text: &str, source: &Source) -> Node {
    let value = match &node.value {
        json::Value::Null => Value::Null,
        json::Value::Bool(b) => Value::Bool(*b),
        json::Value::Number => Value::Number(
            text.get(node.span.start..node.span.end)
                .unwrap_or("0")
                .to_owned(),
        ),
        json::Value::String(s) => Value::String(s.clone()),
        json::Value::Array(items) => {
            Value::Array(items.iter().map(|n| from_json(n, text, source)).collect())
        }
        json::Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|m| Member {
                    key: m.key.clone(),
                    at: source.position(m.key_span.start),
                    value: from_json(&m.value, text, source),
                })
                .collect(),
        ),
    };
    Node {
        value,
        at: source.position(node.span.start),
    }
}

/// Where a YAML marker points: yaml-rust2 counts lines from 1 and columns (in characters)
/// from 0.
fn position(mark: Marker) -> Position {
    Position::new(mark.line().max(1), mark.col() + 1)
}

/// A collection being read, with the tag it was written with and, for a mapping, the key
/// whose value comes next.
enum Open {
    Sequence {
        items: Vec<Node>,
        at: Position,
        tag: Option<Tag>,
    },
    Mapping {
        members: Vec<Member>,
        at: Position,
        tag: Option<Tag>,
        key: Option<(String, Position)>,
    },
}

fn read_yaml(text: &str) -> Result<Node, TreeError> {
    let mut parser = Parser::new_from_str(text);
    let mut open: Vec<Open> = Vec::new();
    let mut root: Option<Node> = None;
    let mut values = 0usize;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            TreeError::new(position(*e.marker()), format!("invalid YAML: {}", e.info()))
        })?;
        let at = position(mark);
        let done = match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => {
                continue
            }
            Event::Alias(_) => {
                return Err(
                    TreeError::new(at, "YAML aliases (`*name`) are not accepted")
                        .help("write the value out where the alias stands"),
                )
            }
            Event::Scalar(text, style, _, tag) => scalar(text, style, tag, at)?,
            Event::SequenceStart(_, tag) => {
                nest(&open, at)?;
                open.push(Open::Sequence {
                    items: Vec::new(),
                    at,
                    tag,
                });
                continue;
            }
            Event::MappingStart(_, tag) => {
                nest(&open, at)?;
                open.push(Open::Mapping {
                    members: Vec::new(),
                    at,
                    tag,
                    key: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match open.pop() {
                Some(Open::Sequence { items, at, tag }) => {
                    tagged(Value::Array(items), at, tag.as_ref())?
                }
                Some(Open::Mapping {
                    members, at, tag, ..
                }) => {
                    // yaml-rust2 marks a block mapping after its first key; the mapping starts
                    // where that key does. (A flow mapping's `{` comes before its first key.)
                    let at = members.first().map_or(at, |m| m.at.min(at));
                    tagged(Value::Object(members), at, tag.as_ref())?
                }
                // The parser balances its events; an unbalanced end is not a value.
                None => continue,
            },
        };
        values += 1;
        if values > MAX_VALUES {
            return Err(TreeError::new(
                at,
                format!("the template holds more than {MAX_VALUES} values"),
            ));
        }
        match open.last_mut() {
            None if root.is_none() => root = Some(done),
            None => {
                return Err(
                    TreeError::new(at, "the file holds more than one YAML document")
                        .help("keep one template per file"),
                )
            }
            Some(Open::Sequence { items, .. }) => items.push(done),
            Some(Open::Mapping { members, key, .. }) => match key.take() {
                Some((key, at)) => members.push(Member {
                    key,
                    at,
                    value: done,
                }),
                None => match done.value {
                    Value::String(k) | Value::Number(k) => *key = Some((k, done.at)),
                    Value::Bool(b) => *key = Some((b.to_string(), done.at)),
                    Value::Null => *key = Some(("null".to_owned(), done.at)),
                    other => {
                        return Err(TreeError::new(
                            done.at,
                            format!(
                                "a mapping key must be a string, found {}",
                                other.type_name()
                            ),
                        ))
                    }
                },
            },
        }
    }
    root.ok_or_else(|| TreeError::new(Position::START, "the template is empty"))
}

/// Refuses a collection nested deeper than [`MAX_DEPTH`].
fn nest(open: &[Open], at: Position) -> Result<(), TreeError> {
    if open.len() >= MAX_DEPTH {
        return Err(TreeError::new(
            at,
            format!("the template nests more than {MAX_DEPTH} levels deep"),
        ));
    }
    Ok(())
}

/// A scalar by the YAML 1.2 core schema: a plain `null`, `true` or number is one; anything
/// quoted, or any other plain text, is a string.
fn scalar(
    text: String,
    style: TScalarStyle,
    tag: Option<Tag>,
    at: Position,
) -> Result<Node, TreeError> {
    let value = if style != TScalarStyle::Plain
        || tag
            .as_ref()
            .is_some_and(|t| t.handle == "tag:yaml.org,2002:" && t.suffix == "str")
    {
        Value::String(text)
    } else {
        match text.as_str() {
            "" | "~" | "null" | "Null" | "NULL" => Value::Null,
            "true" | "True" | "TRUE" => Value::Bool(true),
            "false" | "False" | "FALSE" => Value::Bool(false),
            t if serde_json::from_str::<serde_json::Number>(t).is_ok() => Value::Number(text),
            _ => Value::String(text),
        }
    };
    tagged(value, at, tag.as_ref())
}

/// A value written with a tag: ROS's short-form functions (`!Ref`, `!GetAtt`, `!Join`, ...)
/// become their long form; `!!str` is a plain string; any other tag is refused rather than
/// read as something it may not be.
fn tagged(value: Value, at: Position, tag: Option<&Tag>) -> Result<Node, TreeError> {
    let Some(tag) = tag else {
        return Ok(Node { value, at });
    };
    if tag.handle == "tag:yaml.org,2002:" && tag.suffix == "str" {
        return Ok(Node { value, at });
    }
    if tag.handle != "!" || tag.suffix.is_empty() {
        return Err(TreeError::new(
            at,
            format!("unsupported YAML tag `{}{}`", tag.handle, tag.suffix),
        )
        .help("write ROS functions as `!Ref`, `!GetAtt`, `!Join`, `!Sub` or in long form"));
    }
    let value = match (tag.suffix.as_str(), value) {
        ("Ref", value) => object("Ref", value, at),
        ("GetAtt", Value::String(dotted)) => {
            // `!GetAtt Role.RoleName` is `{"Fn::GetAtt": ["Role", "RoleName"]}`.
            let parts = match dotted.split_once('.') {
                Some((id, attribute)) => vec![id.to_owned(), attribute.to_owned()],
                None => vec![dotted],
            };
            let items = parts
                .into_iter()
                .map(|p| Node {
                    value: Value::String(p),
                    at,
                })
                .collect();
            object("Fn::GetAtt", Value::Array(items), at)
        }
        (function, value) => object(&format!("Fn::{function}"), value, at),
    };
    Ok(Node { value, at })
}

fn object(key: &str, value: Value, at: Position) -> Value {
    Value::Object(vec![Member {
        key: key.to_owned(),
        at,
        value: Node { value, at },
    }])
}
