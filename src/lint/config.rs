//! The linter's configuration file, the sidecar `.ramcheck.json` at a repository's root:
//! `{"exclude": ["<glob>"], "ignore": [{"rule": "<rule-id>", "path": "<glob>"}]}`. Each
//! `exclude` glob names files and directories a walk does not lint (relative to the root), each
//! `ignore` entry suppresses a rule everywhere (no `path`) or in the files its glob names.
//!
//! It is read as strictly as a policy, because a fault in it silently turns a failing gate
//! into a passing one: an unknown or misspelt key (`"pathh"` would drop the path and suppress
//! the rule everywhere), a wrong type (`"path": null`), a repeated key, an unknown rule id and
//! a path the caller's glob syntax refuses are all [`ConfigError`]s, with the line and column
//! and, where a name is close, a did-you-mean. Finding the file and matching the globs is the
//! CLI's job; the library has no glob syntax of its own, so the caller checks each path.

use crate::policy::json::{self, Member, Node, Value};
use crate::policy::{locate, Position, Source, Span};
use crate::suggest::did_you_mean;

use super::registry;

/// The sidecar's name.
pub const SIDECAR: &str = ".ramcheck.json";

/// A parsed sidecar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    excludes: Vec<String>,
    ignores: Vec<IgnoreEntry>,
}

/// One suppression of the sidecar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    rule: &'static str,
    path: Option<String>,
}

impl IgnoreEntry {
    /// The rule suppressed (a known rule id).
    pub fn rule(&self) -> &'static str {
        self.rule
    }

    /// The glob of the files it applies to, relative to the sidecar's folder; `None` for
    /// everywhere.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }
}

/// Why a sidecar was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{position}: {message}", file.as_deref().map(|f| format!("{f}:")).unwrap_or_default())]
pub struct ConfigError {
    file: Option<String>,
    span: Span,
    position: Position,
    message: String,
    help: Option<String>,
}

impl ConfigError {
    /// Where (line and column, from 1).
    pub fn position(&self) -> Position {
        self.position
    }

    /// The byte span at fault.
    pub fn span(&self) -> Span {
        self.span
    }

    /// What is wrong, without the place.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// How to fix it.
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }
}

/// The shape of a sidecar, for help texts.
const SHAPE: &str = "write `{\"exclude\": [\"<glob>\"], \"ignore\": [{\"rule\": \"<rule-id>\", \
                     \"path\": \"<glob>\"}]}`";

impl Config {
    /// Parses a sidecar. `file` names it in errors; `check_path` says why a `path` is not a
    /// valid glob (`Err(reason)`), in the caller's glob syntax.
    ///
    /// ```
    /// use ramcheck::lint::config::Config;
    ///
    /// let ok = |_: &str| Ok(());
    /// let config = Config::parse(br#"{"ignore": [{"rule": "allow-all", "path": "dev/*.json"}]}"#, None, ok)?;
    /// assert_eq!(config.ignores()[0].rule(), "allow-all");
    /// assert_eq!(config.ignores()[0].path(), Some("dev/*.json"));
    ///
    /// let err = Config::parse(br#"{"ignore": [{"rule": "allow-all", "pathh": "x"}]}"#, Some(".ramcheck.json"), ok)
    ///     .unwrap_err();
    /// assert_eq!(err.to_string(), ".ramcheck.json:1:35: unknown key `pathh` in an `ignore` entry");
    /// assert_eq!(err.help(), Some("did you mean `path`?"));
    /// # Ok::<(), ramcheck::lint::config::ConfigError>(())
    /// ```
    pub fn parse(
        bytes: &[u8],
        file: Option<&str>,
        check_path: impl Fn(&str) -> Result<(), String>,
    ) -> Result<Config, ConfigError> {
        let (text, root) = json::parse_bytes(bytes).map_err(|e| ConfigError {
            file: file.map(str::to_owned),
            span: Span {
                start: e.offset,
                end: e.offset,
            },
            position: locate(&String::from_utf8_lossy(bytes), e.offset, Position::START),
            message: e.message,
            help: e.help,
        })?;
        let reader = Reader {
            source: Source::new(text),
            file,
        };
        let top = reader.object(&root, "the sidecar", &["exclude", "ignore"])?;
        let mut excludes = Vec::new();
        if let Some(list) = json::member(top, "exclude") {
            let Value::Array(items) = &list.value else {
                return Err(reader.wrong_type(list, "`exclude`", "an array of globs"));
            };
            for item in items {
                excludes.push(reader.exclude(item, &check_path)?);
            }
        }
        let mut ignores = Vec::new();
        if let Some(list) = json::member(top, "ignore") {
            let Value::Array(items) = &list.value else {
                return Err(reader.wrong_type(list, "`ignore`", "an array"));
            };
            for item in items {
                ignores.push(reader.entry(item, &check_path)?);
            }
        }
        Ok(Config { excludes, ignores })
    }

    /// The globs of the files and directories a walk does not lint, relative to the
    /// sidecar's folder, in file order.
    ///
    /// ```
    /// use ramcheck::lint::config::Config;
    ///
    /// let config = Config::parse(br#"{"exclude": ["generated", "**/*.tfplan.json"]}"#, None, |_| Ok(()))?;
    /// assert_eq!(config.excludes(), ["generated", "**/*.tfplan.json"]);
    /// # Ok::<(), ramcheck::lint::config::ConfigError>(())
    /// ```
    pub fn excludes(&self) -> &[String] {
        &self.excludes
    }

    /// The suppressions, in file order.
    pub fn ignores(&self) -> &[IgnoreEntry] {
        &self.ignores
    }
}

struct Reader<'a> {
    source: Source,
    file: Option<&'a str>,
}

impl Reader<'_> {
    #[cold]
    fn error(&self, span: Span, message: String, help: Option<String>) -> ConfigError {
        ConfigError {
            file: self.file.map(str::to_owned),
            span,
            position: self.source.position(span.start),
            message,
            help,
        }
    }

    #[cold]
    fn wrong_type(&self, node: &Node, what: &str, expected: &str) -> ConfigError {
        self.error(
            node.span,
            format!(
                "{what} must be {expected}, found {}",
                node.value.type_name()
            ),
            Some(SHAPE.to_owned()),
        )
    }

    /// The members of an object, refusing repeated keys and keys not in `known`.
    fn object<'n>(
        &self,
        node: &'n Node,
        what: &str,
        known: &[&str],
    ) -> Result<&'n [Member], ConfigError> {
        let Value::Object(members) = &node.value else {
            return Err(self.wrong_type(node, what, "an object"));
        };
        for (i, m) in members.iter().enumerate() {
            if !known.contains(&m.key.as_str()) {
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
            // At most as many keys as `known`: comparing with the earlier ones is cheap.
            if members.iter().take(i).any(|o| o.key == m.key) {
                return Err(self.error(
                    m.key_span,
                    format!("duplicate key `{}` in {what}", m.key),
                    Some("keep one".to_owned()),
                ));
            }
        }
        Ok(members)
    }

    /// One glob of `exclude`.
    fn exclude(
        &self,
        node: &Node,
        check_path: &impl Fn(&str) -> Result<(), String>,
    ) -> Result<String, ConfigError> {
        let Value::String(glob) = &node.value else {
            return Err(self.wrong_type(node, "an `exclude` entry", "a string (a glob)"));
        };
        if glob.is_empty() {
            return Err(self.error(
                node.span,
                "an `exclude` entry is empty, which names no file".to_owned(),
                Some(
                    "write a glob relative to the repository root, or remove the entry".to_owned(),
                ),
            ));
        }
        self.check_glob(node, glob, check_path)?;
        Ok(glob.clone())
    }

    /// Refuses a glob the caller's syntax refuses, at its place.
    fn check_glob(
        &self,
        node: &Node,
        glob: &str,
        check_path: &impl Fn(&str) -> Result<(), String>,
    ) -> Result<(), ConfigError> {
        check_path(glob).map_err(|why| {
            self.error(
                node.span,
                format!("invalid glob `{glob}`: {why}"),
                Some(
                    "use `*` (within a directory), `**` (across directories), `?`, `[...]` and \
                     `{a,b}`"
                        .to_owned(),
                ),
            )
        })
    }

    fn entry(
        &self,
        node: &Node,
        check_path: &impl Fn(&str) -> Result<(), String>,
    ) -> Result<IgnoreEntry, ConfigError> {
        let what = "an `ignore` entry";
        let members = self.object(node, what, &["rule", "path"])?;
        let Some(rule_node) = json::member(members, "rule") else {
            return Err(self.error(
                node.span,
                format!("{what} has no `rule`"),
                Some(SHAPE.to_owned()),
            ));
        };
        let Value::String(id) = &rule_node.value else {
            return Err(self.wrong_type(rule_node, "`rule`", "a string"));
        };
        let Some(rule) = registry::rule(id) else {
            let help = registry::unknown_rule_help(id);
            return Err(self.error(rule_node.span, format!("unknown rule `{id}`"), Some(help)));
        };
        let path = match json::member(members, "path") {
            None => None,
            Some(node) => {
                let Value::String(path) = &node.value else {
                    return Err(self.error(
                        node.span,
                        format!("`path` must be a string, found {}", node.value.type_name()),
                        Some(
                            "write a glob relative to the repository root, or leave `path` out \
                             to suppress the rule everywhere"
                                .to_owned(),
                        ),
                    ));
                };
                if path.is_empty() {
                    return Err(self.error(
                        node.span,
                        "`path` is empty, which names no file".to_owned(),
                        Some("leave `path` out to suppress the rule everywhere".to_owned()),
                    ));
                }
                self.check_glob(node, path, check_path)?;
                Some(path.clone())
            }
        };
        Ok(IgnoreEntry {
            rule: rule.id,
            path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text.as_bytes(), Some("s.json"), |p| {
            if p.contains("[") && !p.contains(']') {
                Err("unclosed `[`".to_owned())
            } else {
                Ok(())
            }
        })
    }

    fn fails(text: &str) -> String {
        match parse(text) {
            Ok(c) => panic!("accepted: {c:?}"),
            Err(e) => match e.help() {
                Some(help) => format!("{e}; {help}"),
                None => e.to_string(),
            },
        }
    }

    #[test]
    fn a_misspelt_path_is_refused_not_dropped() {
        assert_eq!(
            fails("{\"ignore\": [\n  {\"rule\": \"cancel-any-pipeline\", \"pathh\": \"x\"}]}"),
            "s.json:2:35: unknown key `pathh` in an `ignore` entry; did you mean `path`?"
        );
    }

    #[test]
    fn wrong_types_repeats_unknown_rules_and_bad_globs_are_refused() {
        assert!(fails(r#"{"ignore": {}}"#).contains("`ignore` must be an array, found an object"));
        assert!(fails(r#"{"ignore": [{"rule": 1}]}"#).contains("`rule` must be a string"));
        assert!(
            fails(r#"{"ignore": [{"rule": "allow-all", "path": null}]}"#)
                .contains("`path` must be a string, found null")
        );
        assert!(fails(r#"{"ignore": [{"rule": "allow-all", "path": ""}]}"#).contains("empty"));
        assert!(
            fails(r#"{"ignore": [{"rule": "allow-all", "rule": "allow-all"}]}"#)
                .contains("duplicate key `rule`")
        );
        assert!(fails(r#"{"ignore": [{"path": "x"}]}"#).contains("has no `rule`"));
        assert!(fails(r#"{"ignore": [{"rule": "allow-al"}]}"#)
            .contains("unknown rule `allow-al`; did you mean `allow-all`?"));
        assert!(
            fails(r#"{"ignore": [{"rule": "allow-all", "path": "a[b"}]}"#)
                .contains("1:43: invalid glob `a[b`: unclosed `[`")
        );
        assert!(fails(r#"{"ignores": []}"#).contains("did you mean `ignore`?"));
        assert!(fails(r#"{"excludes": []}"#).contains("did you mean `exclude`?"));
        assert!(fails(r#"{"exclude": "dist"}"#)
            .contains("`exclude` must be an array of globs, found a string"));
        assert!(fails(r#"{"exclude": [1]}"#)
            .contains("an `exclude` entry must be a string (a glob), found a number"));
        assert!(fails(r#"{"exclude": [""]}"#).contains("1:14: an `exclude` entry is empty"));
        assert!(fails(r#"{"exclude": ["a[b"]}"#).contains("1:14: invalid glob `a[b`: unclosed `[`"));
        assert!(fails("{\"ignore\": [],}").contains("trailing comma"));
        assert!(fails("[]").contains("the sidecar must be an object, found an array"));
    }

    #[test]
    fn a_valid_sidecar_is_read_in_order() {
        let config =
            parse(r#"{"ignore": [{"rule": "allow-all"}, {"path": "dev/**", "rule": "key-case"}]}"#)
                .expect("valid");
        let entries: Vec<(&str, Option<&str>)> = config
            .ignores()
            .iter()
            .map(|e| (e.rule(), e.path()))
            .collect();
        assert_eq!(entries, [("allow-all", None), ("key-case", Some("dev/**"))]);
        let config =
            parse(r#"{"exclude": ["dist", "**/*.tfplan.json"], "ignore": []}"#).expect("valid");
        assert_eq!(config.excludes(), ["dist", "**/*.tfplan.json"]);
        assert_eq!(parse("{}").expect("empty"), Config::default());
    }
}
