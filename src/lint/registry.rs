//! The registry of lint rules: each stable id with its default severity, status, one-line
//! description and documentation. Ids are never reused; a retired rule stays here as
//! deprecated. The list itself is the one in `lint/rules.rs`, which also decides what runs; the
//! `docs/rules/` pages and `ramcheck rules` are generated from it.

use super::rules::{self, ALL};
use super::Severity;
use crate::policy::PolicyErrorKind;
use crate::suggest::did_you_mean;

/// Whether a rule is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// Stable: its id and meaning will not change.
    Stable,
    /// Preview: may still change.
    Preview,
}

/// Whether `ramcheck lint --fix` repairs a rule's findings ([`crate::lint::fix`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fixability {
    /// Never: the fix needs a person's judgement.
    None,
    /// Some of its findings (`invalid-json`: a trailing comma, not a comment).
    Sometimes,
    /// Every finding, where the document is in the file as written (not a YAML template's).
    Always,
}

impl Fixability {
    /// Whether some findings of the rule are fixable.
    pub fn is_fixable(self) -> bool {
        self != Fixability::None
    }

    /// The name the docs and `ramcheck rules --format json` give it: `no`, `sometimes`,
    /// `always`.
    pub fn name(self) -> &'static str {
        match self {
            Fixability::None => "no",
            Fixability::Sometimes => "sometimes",
            Fixability::Always => "always",
        }
    }
}

/// A lint rule: its id, default severity and documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rule {
    /// Stable id in kebab case, named after the problem it finds.
    pub id: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// Stable or preview.
    pub status: Status,
    /// The version of ramcheck that introduced it.
    pub since: &'static str,
    /// Whether `ramcheck lint --fix` repairs its findings; the doc of a fixable rule says how,
    /// under "Fix".
    pub fixable: Fixability,
    /// One line: what it finds.
    pub summary: &'static str,
    /// Markdown with the fixed headings "What it does", "Why is this bad?", "Example",
    /// "Use instead" and "References", and "Fix" before "References" for a fixable rule.
    pub doc: &'static str,
}

impl Rule {
    /// The rule's documentation page in Markdown, as `docs/rules/<id>.md` holds it.
    pub fn markdown(&self) -> String {
        let fixable = match self.fixable {
            Fixability::None => "",
            Fixability::Sometimes => " · sometimes fixable with `ramcheck lint --fix`",
            Fixability::Always => " · fixable with `ramcheck lint --fix`",
        };
        format!(
            "# `{}`\n\nLevel: **{}** · status: {} · since {}{fixable}\n\n{}\n\n{}\n",
            self.id,
            self.severity,
            match self.status {
                Status::Stable => "stable",
                Status::Preview => "preview",
            },
            self.since,
            self.summary,
            self.doc.trim()
        )
    }
}

/// Every rule, in the order of the docs: errors, then security, warnings, suggestions.
pub fn rules() -> &'static [&'static Rule] {
    &ALL
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// How to fix an unknown rule id: the nearest id, and where the ids are listed.
///
/// ```
/// use ramcheck::lint::registry::unknown_rule_help;
///
/// assert_eq!(unknown_rule_help("allow-al"), "did you mean `allow-all`? `ramcheck rules` lists the rules");
/// assert_eq!(unknown_rule_help("zzz"), "`ramcheck rules` lists the rules");
/// ```
pub fn unknown_rule_help(id: &str) -> String {
    match did_you_mean(id, rules().iter().map(|r| r.id)) {
        Some(s) => format!("did you mean `{s}`? `ramcheck rules` lists the rules"),
        None => "`ramcheck rules` lists the rules".to_owned(),
    }
}

/// The rule that reports a grammar fault of this kind.
pub(crate) fn rule_for_kind(kind: PolicyErrorKind) -> &'static Rule {
    rule(kind.rule_id()).unwrap_or(&rules::grammar::INTERNAL_ERROR)
}

/// Where the rule pages are published by default: the project's repository, whose
/// `docs/rules/<id>.md` is each rule's page. `lint --sarif-help-uri` sets another base (a fork,
/// a mirror inside the organisation).
pub const DOCS_BASE: &str = "https://github.com/ramcheck/ramcheck/blob/main";

impl Rule {
    /// The absolute URL of the rule's page under `base` (a URL without the final `/`):
    /// `BASE/docs/rules/<id>.md`.
    ///
    /// ```
    /// use ramcheck::lint::registry::{rule, DOCS_BASE};
    ///
    /// let rule = rule("allow-all").unwrap();
    /// assert_eq!(rule.help_uri("https://example.com/ramcheck/"), "https://example.com/ramcheck/docs/rules/allow-all.md");
    /// assert!(rule.help_uri(DOCS_BASE).starts_with("https://github.com/"));
    /// ```
    pub fn help_uri(&self, base: &str) -> String {
        format!("{}/docs/rules/{}.md", base.trim_end_matches('/'), self.id)
    }
}

/// The index page of `docs/rules/`, listing every rule.
pub fn index_markdown() -> String {
    let mut out = String::from(
        "# ramcheck lint rules\n\nGenerated from the code (`src/lint/rules/`); regenerate with \
         `RAMCHECK_BLESS=1 cargo test`. `--fix`: whether `ramcheck lint --fix` repairs the \
         rule's findings.\n\n| id | level | `--fix` | finds |\n|---|---|---|---|\n",
    );
    for rule in ALL {
        let fix = match rule.fixable {
            Fixability::None => "",
            other => other.name(),
        };
        out.push_str(&format!(
            "| [`{}`]({}.md) | {} | {fix} | {} |\n",
            rule.id, rule.id, rule.severity, rule.summary
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case() {
        let mut ids: Vec<&str> = ALL.iter().map(|r| r.id).collect();
        for id in &ids {
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{id}"
            );
        }
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len());
    }

    #[test]
    fn every_doc_has_the_fixed_headings() {
        for rule in ALL {
            let mut at = 0;
            for heading in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Use instead",
                "## References",
            ] {
                let found = rule.doc.get(at..).and_then(|rest| rest.find(heading));
                assert!(
                    found.is_some(),
                    "{}: missing or misplaced {heading}",
                    rule.id
                );
                at += found.unwrap_or(0) + heading.len();
            }
        }
    }

    #[test]
    fn a_rule_says_how_it_is_fixed_exactly_when_it_is_fixable() {
        for rule in ALL {
            let says = rule.doc.contains("\n## Fix\n");
            assert_eq!(says, rule.fixable.is_fixable(), "{}", rule.id);
            if says {
                let (fix, references) = (rule.doc.find("## Fix"), rule.doc.find("## References"));
                assert!(
                    fix < references,
                    "{}: `## Fix` goes before `## References`",
                    rule.id
                );
            }
        }
    }

    #[test]
    fn every_error_kind_has_a_rule() {
        for kind in [
            PolicyErrorKind::InvalidJson,
            PolicyErrorKind::InvalidVersion,
            PolicyErrorKind::MissingStatement,
            PolicyErrorKind::UnknownKey,
            PolicyErrorKind::DuplicateKey,
            PolicyErrorKind::InvalidEffect,
            PolicyErrorKind::MissingAction,
            PolicyErrorKind::MissingResource,
            PolicyErrorKind::EmptyValue,
            PolicyErrorKind::InvalidType,
            PolicyErrorKind::UnknownOperator,
            PolicyErrorKind::InvalidConditionValue,
            PolicyErrorKind::PrincipalNotAllowed,
            PolicyErrorKind::MissingPrincipal,
            PolicyErrorKind::ResourceInTrustPolicy,
            PolicyErrorKind::Internal,
        ] {
            assert!(rule(kind.rule_id()).is_some(), "{kind:?}");
        }
    }

    /// `docs/rules/` is generated from the registry; `RAMCHECK_BLESS=1 cargo test` rewrites it.
    #[test]
    fn docs_rules_is_up_to_date() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
        let mut expected: Vec<(String, String)> = ALL
            .iter()
            .map(|r| (format!("{}.md", r.id), r.markdown()))
            .collect();
        expected.push(("README.md".to_owned(), index_markdown()));
        if std::env::var_os("RAMCHECK_BLESS").is_some() {
            std::fs::create_dir_all(&dir).expect("create docs/rules");
            for (name, text) in &expected {
                std::fs::write(dir.join(name), text).expect("write doc");
            }
        }
        for (name, text) in &expected {
            let found = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
            assert!(
                found == *text,
                "docs/rules/{name} is out of date; regenerate with `RAMCHECK_BLESS=1 cargo test`"
            );
        }
        let mut stale = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("docs/rules exists") {
            let name = entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            if !expected.iter().any(|(n, _)| *n == name) {
                stale.push(name);
            }
        }
        assert!(stale.is_empty(), "stale pages in docs/rules: {stale:?}");
    }
}
