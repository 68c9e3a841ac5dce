//! The strict reading the serve inputs share with every other input of ramcheck: the crate's
//! positioned JSON reader ([`crate::policy::json`]), repeated and unknown keys refused with
//! their line and column, and a did-you-mean for a misspelt key.

use crate::policy::json::{self, member, Member, Node, Value};
use crate::policy::{locate, Position, Source, Span};
use crate::suggest::did_you_mean;

use super::ServeLoadError;

type Result<T, E = ServeLoadError> = std::result::Result<T, E>;

/// One JSON file being read: its name and text, for positions.
pub(crate) struct Doc {
    file: String,
    source: Source,
}

impl Doc {
    /// Parses `bytes`, the content of `file`, as strict JSON.
    pub(crate) fn parse(bytes: &[u8], file: &str) -> Result<(Doc, Node)> {
        match json::parse_bytes_any_size(bytes) {
            Ok((text, root)) => Ok((
                Doc {
                    file: file.to_owned(),
                    source: Source::new(text),
                },
                root,
            )),
            Err(e) => Err(ServeLoadError::Invalid {
                file: file.to_owned(),
                position: locate(&String::from_utf8_lossy(bytes), e.offset, Position::START),
                message: e.message,
                help: e.help,
            }),
        }
    }

    /// The file's name as errors show it.
    pub(crate) fn file(&self) -> &str {
        &self.file
    }

    /// The text of the file.
    pub(crate) fn text(&self) -> &str {
        self.source.text()
    }

    /// The line and column of a byte offset.
    pub(crate) fn position(&self, offset: usize) -> Position {
        self.source.position(offset)
    }

    /// An error at `span`.
    #[cold]
    pub(crate) fn error(
        &self,
        span: Span,
        message: String,
        help: Option<String>,
    ) -> ServeLoadError {
        ServeLoadError::Invalid {
            file: self.file.clone(),
            position: self.source.position(span.start),
            message,
            help,
        }
    }

    /// The members of an object, refusing repeated keys and, when `known` is given, keys not
    /// in it.
    pub(crate) fn object<'a>(
        &self,
        node: &'a Node,
        what: &str,
        known: Option<&[&str]>,
    ) -> Result<&'a [Member]> {
        let Value::Object(members) = &node.value else {
            return Err(self.error(
                node.span,
                format!("{what} must be an object, found {}", node.value.type_name()),
                None,
            ));
        };
        if let Some(&(repeat, _)) = json::repeated_keys(members).first() {
            if let Some(m) = members.get(repeat) {
                return Err(self.error(
                    m.key_span,
                    format!("duplicate key `{}` in {what}", m.key),
                    Some("keep one".into()),
                ));
            }
        }
        if let Some(known) = known {
            if let Some(m) = members.iter().find(|m| !known.contains(&m.key.as_str())) {
                let help = match did_you_mean(&m.key, known.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the keys allowed are `{}`", known.join("`, `")),
                };
                return Err(self.error(
                    m.key_span,
                    format!("unknown key `{}` in {what}", m.key),
                    Some(help),
                ));
            }
        }
        Ok(members)
    }

    /// The member `key` of an object at `span`, which must be there.
    pub(crate) fn required<'a>(
        &self,
        members: &'a [Member],
        span: Span,
        key: &str,
        what: &str,
        help: &str,
    ) -> Result<&'a Node> {
        member(members, key).ok_or_else(|| {
            self.error(
                span,
                format!("{what} has no `{key}`"),
                Some(help.to_owned()),
            )
        })
    }

    /// A string value.
    pub(crate) fn string<'a>(&self, node: &'a Node, what: &str) -> Result<&'a str> {
        match &node.value {
            Value::String(s) => Ok(s),
            other => Err(self.error(
                node.span,
                format!("{what} must be a string, found {}", other.type_name()),
                None,
            )),
        }
    }

    /// An array value.
    pub(crate) fn array<'a>(&self, node: &'a Node, what: &str) -> Result<&'a [Node]> {
        match &node.value {
            Value::Array(items) => Ok(items),
            other => Err(self.error(
                node.span,
                format!("{what} must be an array, found {}", other.type_name()),
                None,
            )),
        }
    }
}
