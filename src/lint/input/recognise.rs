//! Telling RAM documents from the other JSON and YAML of a repository, before linting.
//!
//! A directory walk meets `package.json`, `tsconfig.json`, CI workflows and build output as
//! well as policies. Linting them gives findings about files that were never meant for RAM, so
//! a walk first asks [`recognise`] what a `*.json`, `*.yaml` or `*.yml` file is, from its top
//! level only: a file of a known kind (a policy or trust policy, an account snapshot, a
//! Terraform plan or state, `GetPolicy` output, a ROS template) is linted, and so is a file
//! that could be a broken RAM document ([`Recognition::Doubtful`]): a gate must not pass a
//! broken policy because it no longer looks like one. Only what is clearly something else
//! ([`Recognition::NotRam`]) is skipped.
//!
//! The kinds are told apart as [`super::detect`] tells them, so a file recognised as a kind is
//! read as that kind. Which files to ask about, and what to do with a skipped one, is the
//! caller's choice: the CLI asks about the files of a walk, and about named files only when
//! told to.

use std::fmt;

use super::{is_account, Format, GET_POLICY_VERSIONS, MAX_WRAPPER_DEPTH};
use crate::policy::json::{self, member, Member};
use crate::source::terraform::is_terraform;
use crate::suggest::did_you_mean;

/// The syntax a file's name promises: the extensions [`recognise`] knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Syntax {
    /// `*.json`.
    Json,
    /// `*.yaml` or `*.yml`.
    Yaml,
}

impl Syntax {
    /// The syntax of a file name's extension (in any case), `None` for any other name: such a
    /// file is not classified, and is linted when a glob or the command line names it.
    ///
    /// ```
    /// use ramcheck::lint::input::recognise::Syntax;
    ///
    /// assert_eq!(Syntax::of("package.json"), Some(Syntax::Json));
    /// assert_eq!(Syntax::of("ci.YML"), Some(Syntax::Yaml));
    /// assert_eq!(Syntax::of("notes.txt"), None);
    /// ```
    pub fn of(file_name: &str) -> Option<Syntax> {
        let (_, extension) = file_name.rsplit_once('.')?;
        if extension.eq_ignore_ascii_case("json") {
            Some(Syntax::Json)
        } else if extension.eq_ignore_ascii_case("yaml") || extension.eq_ignore_ascii_case("yml") {
            Some(Syntax::Yaml)
        } else {
            None
        }
    }
}

/// What [`recognise`] made of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recognition {
    /// A file of a known kind: linted as it.
    Known(Format),
    /// Not clearly a RAM document, but possibly a broken one: linted, whose findings then say
    /// what is wrong.
    Doubtful(Doubt),
    /// Clearly not a RAM document: a walk skips it and counts it.
    NotRam(NotRam),
}

impl Recognition {
    /// Whether the file is linted: everything but [`Recognition::NotRam`].
    pub fn is_linted(&self) -> bool {
        !matches!(self, Recognition::NotRam(_))
    }
}

/// Why a file that is not clearly a RAM document is linted all the same.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Doubt {
    /// An object with a key close to `Statement` (`Statment`, `statement`, `Statements`), or
    /// with `Version` beside keys of a statement: a policy with a fault.
    LooksLikePolicy {
        /// The key that made it look like one.
        key: String,
    },
    /// Text that is not JSON (nor a YAML ROS template) in a `*.json` file: a policy that does
    /// not parse is still a policy, reported as `invalid-json`.
    NotJson,
}

/// Why a file is not a RAM document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotRam {
    /// JSON whose top level is not an object (an array, a string, ...): every RAM document and
    /// wrapper is an object.
    NotAnObject {
        /// What it is instead: `an array`, `a string`, ...
        found: &'static str,
    },
    /// A JSON object with none of the top-level keys of a RAM document or wrapper
    /// (`package.json`, `tsconfig.json`, JSON with comments included).
    OtherObject,
    /// A YAML file that is not a ROS template (a CI workflow, a manifest).
    OtherYaml,
}

impl fmt::Display for NotRam {
    /// Why, in the words of a note: `JSON that is an array, not an object`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotRam::NotAnObject { found } => write!(f, "JSON that is {found}, not an object"),
            NotRam::OtherObject => f.write_str(
                "a JSON object without the keys of a policy (`Statement`), a Terraform plan or \
                 state, `GetPolicy` output, an account snapshot or a ROS template",
            ),
            NotRam::OtherYaml => f.write_str("YAML without a top-level `ROSTemplateFormatVersion`"),
        }
    }
}

/// What a file is, from its top level: a RAM document of a known kind, possibly a broken one,
/// or something else. `syntax` is what the file's name promises ([`Syntax::of`]): text that
/// is not JSON is skipped in a YAML file that is not a ROS template, and linted (as
/// `invalid-json`) in a JSON file.
///
/// JSON with comments and trailing commas (as `tsconfig.json` allows) is read past them, to
/// see its keys; the linter still reports them if the file turns out to be a policy. Costs
/// one pass over the bytes (two for JSON with comments), keeping only the top-level keys: the
/// caller bounds the file's size.
///
/// ```
/// use ramcheck::lint::input::recognise::{recognise, Recognition, Syntax};
/// use ramcheck::lint::input::Format;
///
/// let policy = br#"{"Version": "1", "Statement": []}"#;
/// assert_eq!(recognise(policy, Syntax::Json), Recognition::Known(Format::Policy));
/// let package = br#"{"name": "web", "version": "1.0.0", "scripts": {}}"#;
/// assert!(!recognise(package, Syntax::Json).is_linted());
/// // A misspelt `Statement` is a broken policy, linted.
/// assert!(recognise(br#"{"Version": "1", "Statment": []}"#, Syntax::Json).is_linted());
/// // So is text that is not JSON in a `*.json` file, but not in a YAML one.
/// assert!(recognise(b"Version: 1", Syntax::Json).is_linted());
/// assert!(!recognise(b"on: push", Syntax::Yaml).is_linted());
/// ```
pub fn recognise(bytes: &[u8], syntax: Syntax) -> Recognition {
    let strict = json::top_level_members_within(bytes, MAX_WRAPPER_DEPTH);
    let (text, members) = match strict {
        Ok(members) => (bytes, members),
        Err(_) => {
            if is_ros_yaml(bytes) {
                return Recognition::Known(Format::Ros);
            }
            let lenient = without_comments(bytes);
            match json::top_level_members_within(&lenient, MAX_WRAPPER_DEPTH) {
                Ok(members) => return of_json(&lenient, &members, false),
                Err(_) if syntax == Syntax::Yaml => return Recognition::NotRam(NotRam::OtherYaml),
                Err(_) => return Recognition::Doubtful(Doubt::NotJson),
            }
        }
    };
    of_json(text, &members, true)
}

/// [`recognise`] for text read as JSON, with its top-level members (none unless it is an
/// object). `strict`: read without leaving anything out, so a known kind is read as it.
fn of_json(text: &[u8], members: &[Member], strict: bool) -> Recognition {
    let Some(first) = text.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Recognition::Doubtful(Doubt::NotJson);
    };
    if *first != b'{' {
        return Recognition::NotRam(NotRam::NotAnObject {
            found: type_name(*first),
        });
    }
    let known = if is_terraform(members) {
        Some(Format::Terraform)
    } else if is_account(members) {
        Some(Format::Account)
    } else if member(members, "ROSTemplateFormatVersion").is_some() {
        Some(Format::Ros)
    } else if GET_POLICY_VERSIONS
        .iter()
        .any(|k| member(members, k).is_some())
    {
        Some(Format::GetPolicy)
    } else if member(members, "Statement").is_some() {
        Some(Format::Policy)
    } else {
        None
    };
    match known {
        // Comments or trailing commas in a known kind: the linter reports them.
        Some(format) if strict => Recognition::Known(format),
        Some(format) => Recognition::Doubtful(Doubt::LooksLikePolicy {
            key: format_key(format).to_owned(),
        }),
        None => match policy_like(members) {
            Some(key) => Recognition::Doubtful(Doubt::LooksLikePolicy {
                key: key.to_owned(),
            }),
            None => Recognition::NotRam(NotRam::OtherObject),
        },
    }
}

/// The key a known kind was recognised by, for a doubt.
fn format_key(format: Format) -> &'static str {
    match format {
        Format::Terraform => "format_version",
        Format::Account => "account_id",
        Format::Ros => "ROSTemplateFormatVersion",
        Format::GetPolicy => "PolicyVersion",
        _ => "Statement",
    }
}

/// The keys of a statement, which a policy written without its `Statement` array (a common
/// slip) has at its top level beside `Version`.
/// `Sid` is left out: a short key close to `id` says nothing.
const STATEMENT_KEYS: [&str; 8] = [
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "Principal",
    "NotPrincipal",
];

/// The key that makes an object without `Statement` look like a broken policy: one close to
/// `Statement` (a case variant, a plural, a typo: [`did_you_mean`]'s distance), or a
/// statement's key (or one close to it) beside `Version` spelt as RAM spells it. A lower-case
/// `version` beside `action` is what a browser extension's manifest has, not a policy.
fn policy_like(members: &[Member]) -> Option<&str> {
    if let Some(m) = members
        .iter()
        .find(|m| did_you_mean(&m.key, ["Statement"]).is_some())
    {
        return Some(&m.key);
    }
    member(members, "Version")?;
    members
        .iter()
        .find(|m| {
            STATEMENT_KEYS.contains(&m.key.as_str())
                || did_you_mean(&m.key, STATEMENT_KEYS).is_some()
        })
        .map(|m| m.key.as_str())
}

/// What a JSON value starting with `first` is.
fn type_name(first: u8) -> &'static str {
    match first {
        b'[' => "an array",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => "a number",
    }
}

/// Whether YAML text has `ROSTemplateFormatVersion` as a top-level key, as the ROS reader
/// requires of a template (a nested key does not make one).
fn is_ros_yaml(bytes: &[u8]) -> bool {
    const KEY: &[u8] = b"ROSTemplateFormatVersion";
    bytes.split(|b| *b == b'\n').any(|line| {
        line.strip_prefix(KEY)
            .is_some_and(|rest| rest.trim_ascii_start().starts_with(b":"))
    })
}

/// The text with a leading byte-order mark, `//` and `/* */` comments and trailing commas
/// blanked out (JSON with comments, as `tsconfig.json` and editor settings use): the same
/// length, so nothing else moves. Strings are left as they are.
fn without_comments(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if out.starts_with(&[0xEF, 0xBB, 0xBF]) {
        out[..3].fill(b' ');
    }
    let mut i = 0;
    // The last comma outside strings and comments, until something else than whitespace or a
    // comment follows it.
    let mut comma: Option<usize> = None;
    while let Some(&b) = out.get(i) {
        match b {
            b'"' => {
                comma = None;
                i += 1;
                while let Some(&c) = out.get(i) {
                    i += 1;
                    match c {
                        b'\\' => i += 1,
                        b'"' => break,
                        _ => {}
                    }
                }
                continue;
            }
            b'/' if out.get(i + 1) == Some(&b'/') => {
                while let Some(c) = out.get_mut(i) {
                    if *c == b'\n' {
                        break;
                    }
                    *c = b' ';
                    i += 1;
                }
                continue;
            }
            b'/' if out.get(i + 1) == Some(&b'*') => {
                let end = out
                    .get(i + 2..)
                    .and_then(|rest| rest.windows(2).position(|w| w == b"*/"))
                    .map_or(out.len(), |at| i + 2 + at + 2);
                for c in out.get_mut(i..end).into_iter().flatten() {
                    if *c != b'\n' {
                        *c = b' ';
                    }
                }
                i = end;
                continue;
            }
            b',' => comma = Some(i),
            b'}' | b']' => {
                if let Some(at) = comma.take() {
                    if let Some(c) = out.get_mut(at) {
                        *c = b' ';
                    }
                }
            }
            _ if b.is_ascii_whitespace() => {}
            _ => comma = None,
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> Recognition {
        recognise(text.as_bytes(), Syntax::Json)
    }

    fn skipped(text: &str) -> bool {
        !of(text).is_linted()
    }

    #[test]
    fn known_kinds_are_told_apart_as_detect_tells_them() {
        let cases = [
            (r#"{"Version": "1", "Statement": []}"#, Format::Policy),
            (r#"{"Statement": {"Effect": "Allow"}}"#, Format::Policy),
            (
                r#"{"format_version": "1.2", "planned_values": {}}"#,
                Format::Terraform,
            ),
            (
                r#"{"format_version": "1.0", "values": {}}"#,
                Format::Terraform,
            ),
            (r#"{"account_id": "1", "users": {}}"#, Format::Account),
            (
                r#"{"ROSTemplateFormatVersion": "2015-09-01", "Resources": {}}"#,
                Format::Ros,
            ),
            (
                r#"{"DefaultPolicyVersion": {"PolicyDocument": "{}"}}"#,
                Format::GetPolicy,
            ),
            (
                r#"{"PolicyVersion": {"PolicyDocument": "{}", "VersionId": "v1"}}"#,
                Format::GetPolicy,
            ),
        ];
        for (text, format) in cases {
            assert_eq!(of(text), Recognition::Known(format), "{text}");
            let (detected, _) = super::super::detect(text.as_bytes(), "x", None);
            assert_eq!(detected, format, "detect reads {text} as another kind");
        }
        let yaml = "ROSTemplateFormatVersion: '2015-09-01'\nResources: {}\n";
        assert_eq!(
            recognise(yaml.as_bytes(), Syntax::Yaml),
            Recognition::Known(Format::Ros)
        );
    }

    #[test]
    fn a_broken_policy_that_still_looks_like_one_is_linted() {
        for text in [
            r#"{"Version": "1", "Statment": []}"#,
            r#"{"statement": []}"#,
            r#"{"STATEMENT": []}"#,
            r#"{"Statements": []}"#,
            r#"{"Version": "1", "Effect": "Allow", "Action": "*"}"#,
            r#"{"Version": "1", "Efect": "Allow"}"#,
            // Trailing comma: a policy the linter reports, not a file to pass over.
            r#"{"Version": "1", "Statement": [],}"#,
            // Not JSON at all, in a `*.json` file.
            "Version: 1\nStatement: []\n",
            "",
            "{\"Version\": \"1\", \"Statement\": [",
            "\u{feff}{\"Version\": \"1\", \"Statement\": []}",
        ] {
            assert!(of(text).is_linted(), "skipped: {text}");
        }
        assert_eq!(
            of(r#"{"Version": "1", "Statment": []}"#),
            Recognition::Doubtful(Doubt::LooksLikePolicy {
                key: "Statment".to_owned()
            })
        );
        assert_eq!(of("not json"), Recognition::Doubtful(Doubt::NotJson));
        // `GetPolicy` output without its document: linted (as a policy, which says what is
        // missing), not passed over.
        assert!(of(r#"{"PolicyVersion": {}}"#).is_linted());
    }

    #[test]
    fn other_json_is_not_a_ram_document() {
        let package = r#"{"name": "web", "version": "1.0.0", "private": true,
            "scripts": {"build": "tsc"}, "dependencies": {"react": "^18"}}"#;
        let tsconfig = r#"{
            // Comments and trailing commas, as TypeScript allows.
            "compilerOptions": {"strict": true, /* no emit */ "noEmit": true,},
            "include": ["src/**/*.ts", "http://x//y"],
        }"#;
        let manifest = r#"{"manifest_version": 3, "version": "1.0", "action": {}}"#;
        for text in [package, tsconfig, manifest, "{}", r#"{"Version": "2.0"}"#] {
            assert_eq!(of(text), Recognition::NotRam(NotRam::OtherObject), "{text}");
        }
        assert!(skipped(&format!("\u{feff}{package}")));
        assert_eq!(
            of(r#"[{"Version": "1"}]"#),
            Recognition::NotRam(NotRam::NotAnObject { found: "an array" })
        );
        assert!(skipped("\"text\""));
        assert!(skipped("12"));
    }

    #[test]
    fn yaml_that_is_not_a_template_is_skipped_and_json_in_yaml_is_read_as_json() {
        let workflow = "name: ci\non: push\njobs:\n  ROSTemplateFormatVersion: x\n";
        assert_eq!(
            recognise(workflow.as_bytes(), Syntax::Yaml),
            Recognition::NotRam(NotRam::OtherYaml)
        );
        // In a `*.json` file the same text is a broken policy as far as anyone can tell.
        assert_eq!(of(workflow), Recognition::Doubtful(Doubt::NotJson));
        let policy = br#"{"Version": "1", "Statement": []}"#;
        assert_eq!(
            recognise(policy, Syntax::Yaml),
            Recognition::Known(Format::Policy)
        );
    }

    #[test]
    fn comments_are_blanked_outside_strings_only() {
        let text = br#"{"a": "x // y /* z */", // c
"b": [1, 2,], /* d */ "c": 3,}"#;
        let out = without_comments(text);
        assert_eq!(out.len(), text.len());
        let value: serde_json::Value =
            serde_json::from_slice(&out).expect("JSON once the comments are blanked");
        assert_eq!(value["a"], "x // y /* z */");
        assert_eq!(value["b"], serde_json::json!([1, 2]));
        // An unclosed comment runs to the end, an unclosed string too: nothing panics.
        assert_eq!(without_comments(b"{/* x").len(), 5);
        assert_eq!(without_comments(b"{\"x\\").len(), 4);
    }
}
