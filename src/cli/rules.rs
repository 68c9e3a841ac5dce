//! `ramcheck rules`: list the lint rules, or print their documentation.

use clap::{Args, ValueEnum};
use ramcheck::lint::registry::{index_markdown, rule, rules};

use super::{write_stdout, Failure, Status};

/// Flags of `rules`, as typed.
#[derive(Debug, Args)]
pub(crate) struct RulesArgs {
    /// Show only this rule.
    #[arg(value_name = "RULE")]
    rule: Option<String>,
    /// `text`: one line per rule (id, level, description); `markdown`: the full documentation.
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    format: RulesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RulesFormat {
    /// One line per rule.
    Text,
    /// Every rule's documentation page.
    Markdown,
}

pub(crate) fn run(args: RulesArgs) -> Result<Status, Failure> {
    let selected = match &args.rule {
        Some(id) => vec![rule(id).ok_or_else(|| {
            Failure::new(format!("unknown rule `{id}`"))
                .with_help("`ramcheck rules` lists the rules")
        })?],
        None => rules().to_vec(),
    };
    let width = selected.iter().map(|r| r.id.len()).max().unwrap_or(0);
    write_stdout(|out| {
        use std::io::Write;
        match args.format {
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
            }
            RulesFormat::Markdown => {
                if args.rule.is_none() {
                    writeln!(out, "{}", index_markdown())?;
                }
                for r in &selected {
                    writeln!(out, "{}", r.markdown())?;
                }
            }
        }
        Ok(())
    })?;
    Ok(Status::Ok)
}
