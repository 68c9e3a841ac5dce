//! Text of `who-can` over a space and of `diff`, for people: one line per principal (or one
//! paragraph per change) first, then the request that shows it and the statements that
//! decided it, with `file:line:column` as `check` prints them. Every text from an input is
//! escaped where it is written.

use std::io::{self, Write};

use super::{
    context_text, granted, granting, literal_account, short, verb, DiffReport, SpaceReport,
};
use crate::analysis::gate::Gate;
use crate::analysis::{Access, Change, Hop, Reached, Witness};
use crate::decision::{Decision, Matched, Outcome};
use crate::output::escape_controls as safe;
use crate::output::text::{describe, location, name};

/// Writes the answer of `who-can` over a space: a summary line, then one line per principal
/// (`ALLOW all   user/alice`, `ALLOW some  user/ci  via role/deployer`, `deny  none  user/bob`)
/// with, under each one with access, its witness, path and granting statements; then, with a
/// gate, its verdict and a `violation:` paragraph per violator.
///
/// ```
/// use ramcheck::analysis::SpaceAnswer;
/// use ramcheck::output::analysis::{text, SpaceReport};
/// # fn demo(answer: &SpaceAnswer) -> std::io::Result<()> {
/// text::write_space(&mut std::io::stdout(), &SpaceReport::new(answer, &[]))?;
/// # Ok(()) }
/// ```
pub fn write_space(out: &mut impl Write, report: &SpaceReport<'_>) -> io::Result<()> {
    let answer = report.answer;
    let home = literal_account(&answer.resource);
    let with_access = answer
        .principals
        .iter()
        .filter(|p| p.access != Access::None)
        .count();
    writeln!(
        out,
        "{with_access} of {} principals can {} {} (classes decided: {})",
        answer.principals.len(),
        safe(&verb(&answer.action)),
        safe(&answer.resource),
        answer.classes
    )?;
    let width = answer
        .principals
        .iter()
        .map(|p| safe(short(&p.principal, home)).chars().count())
        .max()
        .unwrap_or(0);
    for p in &answer.principals {
        let tag = if p.access == Access::None {
            "deny "
        } else {
            "ALLOW"
        };
        let path = p
            .witness
            .as_ref()
            .and_then(|(_, r)| r.via.as_deref())
            .map(|hops| format!("  via {}", path_text(hops, home)))
            .unwrap_or_default();
        let line = format!(
            "  {tag} {:<4}  {:<width$}{path}",
            p.access.name(),
            safe(short(&p.principal, home))
        );
        writeln!(out, "{}", line.trim_end())?;
        if let Some((witness, reached)) = &p.witness {
            write_witness(out, "allowed", witness, reached, home)?;
        }
        if p.access == Access::Some {
            if let Some((witness, outcome)) = &p.denied_witness {
                writeln!(
                    out,
                    "      denied: {} ({})",
                    request_text(witness),
                    verdict(outcome)
                )?;
            }
        }
    }
    if let Some(gate) = report.gate {
        write_gate(out, gate, home)?;
    }
    Ok(())
}

fn write_gate(out: &mut impl Write, gate: &Gate, home: Option<&str>) -> io::Result<()> {
    if gate.passed() {
        return writeln!(
            out,
            "gate: pass: only principals in `--allow-only` (and the resources' owner) reach it"
        );
    }
    writeln!(
        out,
        "gate: fail: {} outside `--allow-only` reach{} it",
        plural(gate.violations.len(), "principal"),
        if gate.violations.len() == 1 { "es" } else { "" }
    )?;
    for v in &gate.violations {
        writeln!(
            out,
            "violation: {}: {}",
            safe(short(&v.principal, home)),
            safe(&v.why)
        )?;
        if let Some((witness, reached)) = &v.witness {
            write_witness(out, "allowed", witness, reached, home)?;
        }
        if let Some(u) = &v.unlisted {
            writeln!(out, "      {}", safe(&u.to_string()))?;
        }
    }
    Ok(())
}

/// `  witness`, the hops and the deciding statements of an allowed request.
fn write_witness(
    out: &mut impl Write,
    label: &str,
    witness: &Witness,
    reached: &Reached,
    home: Option<&str>,
) -> io::Result<()> {
    writeln!(out, "      {label}: {}", request_text(witness))?;
    for hop in reached.via.iter().flatten() {
        write_hop(out, hop, home, "      ")?;
    }
    if reached.outcome.decision() == Decision::Allow && reached.outcome.deciding().is_empty() {
        // Only an account owner is allowed without a statement (E2).
        writeln!(out, "      allowed to the account owner, with no statement")?;
    }
    write_deciding(out, &reached.outcome, "      ")
}

fn write_hop(out: &mut impl Write, hop: &Hop, home: Option<&str>, indent: &str) -> io::Result<()> {
    writeln!(out, "{indent}assumes {}", safe(short(&hop.role, home)))?;
    for (side, statements) in [
        ("caller", &hop.caller_statements),
        ("trust", &hop.trust_statements),
    ] {
        for s in statements {
            writeln!(
                out,
                "{indent}  {side} side: {}: {} allows it: {}",
                location(s),
                name(s),
                describe(s)
            )?;
        }
    }
    Ok(())
}

fn write_deciding(out: &mut impl Write, outcome: &Outcome, indent: &str) -> io::Result<()> {
    let verb = match outcome.decision() {
        Decision::Allow => "allows",
        _ => "denies",
    };
    for s in outcome.deciding() {
        writeln!(
            out,
            "{indent}{}: {} {verb} it: {}",
            location(s),
            name(s),
            describe(s)
        )?;
    }
    Ok(())
}

/// `ARN` or `ARN with KEY=VALUE, ...`, escaped.
fn request_text(witness: &Witness) -> String {
    let context = context_text(witness);
    if context.is_empty() {
        safe(&witness.resource).into_owned()
    } else {
        format!(
            "{} with {}",
            safe(&witness.resource),
            safe(&context).into_owned()
        )
    }
}

fn path_text(hops: &[Hop], home: Option<&str>) -> String {
    hops.iter()
        .map(|h| safe(short(&h.role, home)).into_owned())
        .collect::<Vec<_>>()
        .join(" -> ")
}

fn verdict(outcome: &Outcome) -> String {
    let decision = match outcome.decision() {
        Decision::Allow => "allow",
        Decision::ExplicitDeny => "explicit deny",
        Decision::ImplicitDeny => "implicit deny",
    };
    format!("{decision} at stage {}", outcome.stage().name())
}

fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Writes the answer of `diff`: one paragraph per change, gained ones first
/// (`NEW: role/deployer can cancel ARN (and every pipeline matching PATTERN)`), each with the
/// statements that grant it and the path, then lost ones (`LOST: ...`), then a summary line.
///
/// ```
/// use ramcheck::analysis::DiffAnswer;
/// use ramcheck::output::analysis::{text, DiffReport};
/// # fn demo(answer: &DiffAnswer) -> std::io::Result<()> {
/// text::write_diff(&mut std::io::stdout(), &DiffReport::new(answer, &[]))?;
/// # Ok(()) }
/// ```
pub fn write_diff(out: &mut impl Write, report: &DiffReport<'_>) -> io::Result<()> {
    let answer = report.answer;
    let verb = verb(&answer.action);
    for change in &answer.gained {
        write_change(out, change, "NEW", &verb, true)?;
    }
    for change in &answer.lost {
        write_change(out, change, "LOST", &verb, false)?;
    }
    writeln!(
        out,
        "{} gained, {} lost: who can {} {}",
        answer.gained.len(),
        answer.lost.len(),
        safe(&verb),
        safe(&answer.resource)
    )
}

fn write_change(
    out: &mut impl Write,
    change: &Change,
    label: &str,
    verb: &str,
    gained: bool,
) -> io::Result<()> {
    let home = literal_account(&change.witness.resource);
    let has = granted(change, gained);
    let other = if gained {
        &change.before
    } else {
        &change.after
    };
    let pattern = has
        .and_then(granting)
        .and_then(|s| match s.resource() {
            Matched::Pattern(p) if *p != change.witness.resource => Some(p.as_str()),
            _ => None,
        })
        .map(|p| format!(" (and every pipeline matching `{}`)", safe(p)))
        .unwrap_or_default();
    let can = if gained { "can" } else { "can no longer" };
    writeln!(
        out,
        "{label}: {} {can} {} {}{pattern}",
        safe(short(&change.principal, home)),
        safe(verb),
        safe(&change.witness.resource)
    )?;
    let context = context_text(&change.witness);
    if !context.is_empty() {
        writeln!(out, "  with {}", safe(&context))?;
    }
    let was = if gained { "before" } else { "after" };
    if let Some(reached) = has {
        for hop in reached.via.iter().flatten() {
            write_hop(out, hop, home, "  ")?;
        }
        let what = if gained {
            "granted by"
        } else {
            "was granted by"
        };
        writeln!(out, "  {what}:")?;
        write_deciding(out, &reached.outcome, "    ")?;
    }
    match other {
        None => writeln!(out, "  {was}: no such principal")?,
        Some(reached) => {
            writeln!(out, "  {was}: {}", verdict(&reached.outcome))?;
            if reached.outcome.decision() != Decision::ImplicitDeny {
                write_deciding(out, &reached.outcome, "    ")?;
            }
        }
    }
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::analysis::gate::{Gate, Violation};

    fn space_text(gate: Option<&Gate>) -> String {
        let answer = space();
        let mut report = SpaceReport::new(&answer, &[]);
        if let Some(gate) = gate {
            report = report.with_gate(gate);
        }
        let mut out = Vec::new();
        write_space(&mut out, &report).expect("writes");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn one_aligned_line_per_principal_with_witness_and_statement() {
        let text = space_text(None);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            format!("2 of 3 principals can cancel acs:ecs:*:{ACCOUNT}:imagepipeline/prod-* (classes decided: 6)")
        );
        assert_eq!(lines[1], "  ALLOW some  user/alice");
        assert_eq!(
            lines[2],
            format!(
                "      allowed: {} with acs:SourceIp=10.0.0.1",
                pipeline("prod-7")
            )
        );
        assert!(lines[3].starts_with("      grants/prod.json:1:32: statement 0 of `prod` (Sid `ProdFromOffice`) attached directly allows it"), "{text}");
        assert!(
            text.contains("  ALLOW some  user/ci-runner  via role/deployer\n"),
            "{text}"
        );
        assert!(text.contains("      assumes role/deployer\n"), "{text}");
        assert!(text.contains("  deny  none  user/bob\n"), "{text}");
        assert!(
            text.contains(&format!(
                "      denied: {} (implicit deny at stage",
                pipeline("prod-7")
            )),
            "{text}"
        );
    }

    #[test]
    fn the_gate_prints_each_violation_with_its_witness() {
        let (witness, reached) = allowed("prod-7", None);
        let gate = Gate {
            allowed: Vec::new(),
            violations: vec![Violation {
                principal: format!("acs:ram::{ACCOUNT}:user/alice"),
                why: "not in `--allow-only`".into(),
                witness: Some((witness, reached)),
                unlisted: None,
            }],
        };
        let text = space_text(Some(&gate));
        assert!(text.contains("gate: fail: 1 principal outside `--allow-only` reaches it\nviolation: user/alice: not in `--allow-only`\n      allowed: "), "{text}");
        let pass = Gate {
            allowed: Vec::new(),
            violations: Vec::new(),
        };
        assert!(space_text(Some(&pass)).contains("gate: pass"));
    }

    #[test]
    fn a_diff_leads_with_new_and_the_matching_pattern() {
        let answer = diff();
        let mut out = Vec::new();
        write_diff(&mut out, &DiffReport::new(&answer, &[])).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.starts_with(&format!(
            "NEW: user/ci-runner can cancel {} (and every pipeline matching `acs:ecs:*:*:imagepipeline/prod-*`)\n  with acs:SourceIp=10.0.0.1\n  assumes role/deployer\n  granted by:\n    grants/prod.json:1:32: statement 0 of `prod` (Sid `ProdFromOffice`) attached directly allows it",
            pipeline("prod-7")
        )), "{text}");
        assert!(text.contains("  before: implicit deny at stage"), "{text}");
        assert!(
            text.contains(&format!(
                "LOST: user/old can no longer cancel {}",
                pipeline("prod-7")
            )),
            "{text}"
        );
        assert!(text.contains("  after: no such principal"), "{text}");
        assert!(
            text.ends_with(
                "1 gained, 1 lost: who can cancel acs:ecs:*:1234567890123456:imagepipeline/*\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn control_characters_in_names_are_escaped() {
        let mut answer = space();
        answer.principals[0].principal = format!("acs:ram::{ACCOUNT}:user/a\u{1b}[2J");
        let mut out = Vec::new();
        write_space(&mut out, &SpaceReport::new(&answer, &[])).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.contains("user/a\\u{1b}[2J"), "{text}");
        assert!(!text.contains('\u{1b}'));
    }
}
