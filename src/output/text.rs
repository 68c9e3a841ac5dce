//! Text renderings for people: the verdict first, then the statements that decided it with
//! `file:line:column`, or for an implicit deny what came closest.

use std::io::{self, Write};

use super::{escape_controls as safe, CheckReport};
use crate::decision::{Decision, Matched, MissReason, Side, Stage, StatementRef};

/// Writes the report for a person.
///
/// The first line is the verdict (`ALLOW`, `DENY (explicit deny)`, `DENY (implicit deny)`)
/// with the action and resource; then the stage; then one line per deciding statement.
pub fn write_check(out: &mut impl Write, report: &CheckReport<'_>) -> io::Result<()> {
    let outcome = report.outcome;
    let verdict = match outcome.decision() {
        Decision::Allow => "ALLOW",
        Decision::ExplicitDeny => "DENY (explicit deny)",
        Decision::ImplicitDeny => "DENY (implicit deny)",
    };
    // Every text that came from an input is escaped where it is written (`safe`), so that a
    // value holding a line break or a terminal escape cannot forge a line of this report.
    write!(
        out,
        "{verdict}: {} on {}",
        safe(report.request.action()),
        safe(report.request.resource().as_str())
    )?;
    if let Some(principal) = report.principal {
        write!(out, " for {}", safe(principal))?;
    }
    writeln!(out)?;
    writeln!(out, "  decided at stage {}", outcome.stage().name())?;
    match outcome.decision() {
        Decision::Allow | Decision::ExplicitDeny => {
            let verb = if outcome.decision() == Decision::Allow {
                "allows"
            } else {
                "denies"
            };
            for s in outcome.deciding() {
                // An AssumeRole's statements say which side they are on (T3a).
                let side = s
                    .side()
                    .map(|side| format!("{} side: ", side.name()))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "  {side}{}: {} {verb} it: {}",
                    location(s),
                    name(s),
                    describe(s)
                )?;
            }
        }
        Decision::ImplicitDeny => write_near_misses(out, report)?,
    }
    Ok(())
}

fn write_near_misses(out: &mut impl Write, report: &CheckReport<'_>) -> io::Result<()> {
    let misses = report.outcome.near_misses();
    match (misses, report.outcome.stage()) {
        (_, Stage::CrossAccount) => writeln!(
            out,
            "  the resource belongs to account `{}`, and image pipelines have no resource-based policy that could let another account in",
            safe(report.request.resource().account())
        ),
        (_, Stage::ControlPolicy) if misses.is_empty() => writeln!(
            out,
            "  a level of the resource directory allows nothing: attach `FullAliyunAccess` or a control policy that allows `{}` there",
            safe(report.request.action())
        ),
        ([], _) => writeln!(out, "  no statement allows `{}`", safe(report.request.action())),
        ([only], _) => {
            writeln!(
                out,
                "  1 statement allows this action, but {}",
                why(only.reason())
            )?;
            writeln!(out, "  {}: {}", location(only.statement()), name(only.statement()))
        }
        (many, _) => {
            writeln!(
                out,
                "  {} statements allow this action, but none applies:",
                many.len()
            )?;
            for miss in many {
                let s = miss.statement();
                writeln!(out, "  {}: {}: {}", location(s), name(s), why(miss.reason()))?;
            }
            Ok(())
        }
    }
}

fn why(reason: &MissReason) -> String {
    match reason {
        MissReason::Resource {
            patterns,
            negated: false,
        } => format!("its resource {} does not match", quoted(patterns)),
        MissReason::Resource {
            patterns,
            negated: true,
        } => format!("its NotResource {} lists this resource", quoted(patterns)),
        MissReason::Condition {
            operator,
            key,
            absent: false,
        } => format!("its condition `{operator} {}` was not met", safe(key)),
        MissReason::Condition {
            operator,
            key,
            absent: true,
        } => format!(
            "its condition `{operator} {}` was not met: key absent from the request",
            safe(key)
        ),
    }
}

/// `file:line:column` of the statement, and, for a policy translated from Terraform or ROS,
/// the resource it came from: `` (from `ADDRESS` at FILE:LINE:COLUMN) ``.
pub(crate) fn location(s: &StatementRef) -> String {
    let file = match s.file() {
        Some(f) => safe(f).into_owned(),
        None => format!("<{}>", safe(s.policy())),
    };
    match s.origin() {
        Some(origin) => format!(
            "{file}:{} (from {})",
            s.position(),
            safe(&origin.to_string())
        ),
        None => format!("{file}:{}", s.position()),
    }
}

pub(crate) fn name(s: &StatementRef) -> String {
    let mut text = format!("statement {} of `{}`", s.index(), safe(s.policy()));
    if let Some(sid) = s.sid() {
        text.push_str(&format!(" (Sid `{}`)", safe(sid)));
    }
    text
}

pub(crate) fn describe(s: &StatementRef) -> String {
    let action = match s.action() {
        Matched::Pattern(p) => format!("Action `{}`", safe(p)),
        Matched::NotListed => "NotAction (does not list it)".to_owned(),
        Matched::None => "no action".to_owned(),
    };
    let resource = match s.resource() {
        // A trust statement applies through the `Principal` value that names the caller (T2).
        Matched::Pattern(p) if s.side() == Some(Side::Trust) => {
            format!("Principal `{}`", safe(p))
        }
        Matched::Pattern(p) => format!("Resource `{}`", safe(p)),
        Matched::NotListed => "NotResource (does not list it)".to_owned(),
        Matched::None => "no resource".to_owned(),
    };
    let on = if s.side() == Some(Side::Trust) {
        "for"
    } else {
        "on"
    };
    let mut text = format!("{} {action} {on} {resource}", s.effect());
    if !s.conditions().is_empty() {
        let held: Vec<String> = s
            .conditions()
            .iter()
            .map(|(op, key)| format!("`{op} {}`", safe(key)))
            .collect();
        text.push_str(&format!(", condition {} held", held.join(" and ")));
    }
    text
}

fn quoted(patterns: &[String]) -> String {
    patterns
        .iter()
        .map(|p| format!("`{}`", safe(p)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes `who-can`'s answer: one line per principal, allowed ones first.
pub fn write_who_can(
    out: &mut impl Write,
    request: &crate::decision::Request,
    decisions: &[crate::account::PrincipalDecision],
) -> io::Result<()> {
    let allowed = decisions
        .iter()
        .filter(|d| d.outcome.decision().is_allowed())
        .count();
    writeln!(
        out,
        "{allowed} of {} principals may call {} on {}",
        decisions.len(),
        safe(request.action()),
        safe(request.resource().as_str())
    )?;
    let width = decisions
        .iter()
        .map(|d| safe(&d.principal).chars().count())
        .max()
        .unwrap_or(0);
    for d in decisions {
        let verdict = match d.outcome.decision() {
            Decision::Allow => "ALLOW",
            Decision::ExplicitDeny => "DENY (explicit)",
            Decision::ImplicitDeny => "DENY (implicit)",
        };
        let by: Vec<String> = d.outcome.deciding().iter().map(location).collect();
        let by = if by.is_empty() {
            String::new()
        } else {
            format!(" by {}", by.join(", "))
        };
        writeln!(
            out,
            "  {verdict:<15}  {:<width$}  {}{by}",
            safe(&d.principal),
            d.outcome.stage().name()
        )?;
    }
    Ok(())
}
