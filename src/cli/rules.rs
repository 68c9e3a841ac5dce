//! `ramcheck rules`: list the lint rules, or print their documentation.

use std::io::Write;

use clap::{Args, ValueEnum};
use ramcheck::lint::registry::{
    index_markdown, rule, rules, unknown_rule_help, Rule, Status as RuleStatus,
};
use serde_json::{json, Value};

use super::{write_stdout, Failure, Status};

/// Where the rules' pages are published: `HELP_URI_BASE/docs/rules/RULE.md` is a rule's page.
// The SARIF renderer's rule `helpUri` points at the same pages; when it gains its own
// constant in the library, this one goes and `rules` uses that.
const HELP_URI_BASE: &str = "https://github.com/ramcheck/ramcheck/blob/main";

/// Flags of `rules`, as typed.
#[derive(Debug, Args)]
#[command(after_help = super::help::RULES)]
pub(crate) struct RulesArgs {
    /// Show only this rule: its whole documentation page (in `text` and `markdown`).
    #[arg(value_name = "RULE")]
    rule: Option<String>,
    /// `text`: one line per rule (id, level, description), or the page of the rule named;
    /// `markdown`: the full documentation; `json`: every field of each rule.
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    format: RulesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RulesFormat {
    /// One line per rule; the page of the rule named.
    Text,
    /// Every rule's documentation page.
    Markdown,
    /// One JSON object: `{"rules": [{"id", "level", "status", "since", "summary", "doc",
    /// "help_uri", "fixable"}]}` (`fixable`: `no`, `sometimes` or `always`).
    Json,
}

pub(crate) fn run(args: RulesArgs) -> Result<Status, Failure> {
    let selected = match &args.rule {
        Some(id) => vec![rule(id).ok_or_else(|| {
            Failure::new(format!("unknown rule `{id}`")).with_help(unknown_rule_help(id))
        })?],
        None => rules().to_vec(),
    };
    let width = selected.iter().map(|r| r.id.len()).max().unwrap_or(0);
    write_stdout(|out| match args.format {
        RulesFormat::Text if args.rule.is_some() => write_pages(out, &selected),
        RulesFormat::Text => {
            for r in &selected {
                writeln!(
                    out,
                    "{:width$}  {:10}  {}",
                    r.id,
                    r.severity.name(),
                    r.summary
                )?;
            }
            Ok(())
        }
        RulesFormat::Markdown => {
            if args.rule.is_none() {
                writeln!(out, "{}", index_markdown())?;
            }
            write_pages(out, &selected)
        }
        RulesFormat::Json => {
            let rules: Vec<Value> = selected.iter().map(|r| rule_json(r)).collect();
            writeln!(out, "{}", json!({ "rules": rules }))
        }
    })?;
    Ok(Status::Ok)
}

/// Each rule's page, as `docs/rules/RULE.md` holds it.
fn write_pages(out: &mut Vec<u8>, rules: &[&Rule]) -> std::io::Result<()> {
    for r in rules {
        writeln!(out, "{}", r.markdown())?;
    }
    Ok(())
}

/// A rule in `--format json`.
fn rule_json(rule: &Rule) -> Value {
    json!({
        "id": rule.id,
        "level": rule.severity.name(),
        "status": match rule.status {
            RuleStatus::Stable => "stable",
            RuleStatus::Preview => "preview",
            _ => "unknown",
        },
        "since": rule.since,
        "summary": rule.summary,
        "doc": rule.markdown(),
        "help_uri": format!("{HELP_URI_BASE}/docs/rules/{}.md", rule.id),
        "fixable": rule.fixable.name(),
    })
}
