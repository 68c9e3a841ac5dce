//! Markdown summaries of `who-can` over a space and of `diff`, for a pull-request comment:
//! a heading line and one table, every cell escaped so that a name from an input cannot
//! break the table or inject markup.

use std::io::{self, Write};

use super::{granted, granting, literal_account, short, verb, DiffReport, SpaceReport};
use crate::analysis::{Access, Reached};
use crate::decision::StatementRef;

/// Text in a table cell as code: backticks, pipes and line breaks cannot end it.
fn code(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| match c {
            '`' => '\'',
            '|' => '¦',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    format!("`{clean}`")
}

fn statement_cell(s: Option<&StatementRef>) -> String {
    let Some(s) = s else {
        return "-".to_owned();
    };
    let place = match (s.origin().and_then(|o| o.address()), s.file()) {
        (Some(address), _) => format!("{} ({})", code(address), code(s.policy())),
        (None, Some(file)) => code(&format!("{file}:{}", s.position())),
        (None, None) => code(s.policy()),
    };
    match s.sid() {
        Some(sid) => format!("{place} statement {} {}", s.index(), code(sid)),
        None => format!("{place} statement {}", s.index()),
    }
}

fn via_cell(reached: &Reached, home: Option<&str>) -> String {
    match &reached.via {
        None => "direct".to_owned(),
        Some(hops) => hops
            .iter()
            .map(|h| code(short(&h.role, home)))
            .collect::<Vec<_>>()
            .join(" → "),
    }
}

/// Writes the answer of `who-can` over a space: a line with the question (and the gate's
/// verdict), then `| principal | access | via | witness resource | granting statement |`,
/// one row per principal with access.
///
/// ```
/// use ramcheck::analysis::SpaceAnswer;
/// use ramcheck::output::analysis::{markdown, SpaceReport};
/// # fn demo(answer: &SpaceAnswer) -> std::io::Result<()> {
/// markdown::write_space(&mut std::io::stdout(), &SpaceReport::new(answer, &[]))?;
/// # Ok(()) }
/// ```
pub fn write_space(out: &mut impl Write, report: &SpaceReport<'_>) -> io::Result<()> {
    let answer = report.answer;
    let home = literal_account(&answer.resource);
    let rows: Vec<_> = answer
        .principals
        .iter()
        .filter(|p| p.access != Access::None)
        .filter_map(|p| p.witness.as_ref().map(|w| (p, w)))
        .collect();
    write!(
        out,
        "**Who can {} {}**: {} of {} principals",
        verb(&answer.action),
        code(&answer.resource),
        rows.len(),
        answer.principals.len()
    )?;
    if let Some(gate) = report.gate {
        if gate.passed() {
            write!(out, "; `--allow-only` gate: **pass**")?;
        } else {
            write!(
                out,
                "; `--allow-only` gate: **fail** ({} violation{})",
                gate.violations.len(),
                if gate.violations.len() == 1 { "" } else { "s" }
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out)?;
    writeln!(
        out,
        "| principal | access | via | witness resource | granting statement |"
    )?;
    writeln!(out, "|---|---|---|---|---|")?;
    for (p, (witness, reached)) in rows {
        let flagged = report
            .gate
            .is_some_and(|g| g.violations.iter().any(|v| v.principal == p.principal));
        let principal = code(short(&p.principal, home));
        let principal = if flagged {
            format!("**{principal}** (violation)")
        } else {
            principal
        };
        writeln!(
            out,
            "| {principal} | {} | {} | {} | {} |",
            p.access.name(),
            via_cell(reached, home),
            code(&witness.resource),
            statement_cell(granting(reached))
        )?;
    }
    if let Some(gate) = report.gate {
        for v in gate.violations.iter().filter(|v| v.witness.is_none()) {
            writeln!(
                out,
                "| **{}** (violation) | unknown | - | - | - |",
                code(&v.principal)
            )?;
        }
    }
    if !answer.unlisted.is_empty() {
        writeln!(out)?;
        for u in &answer.unlisted {
            writeln!(
                out,
                "- unlisted principals of {} may assume role {}",
                code(&u.account),
                code(&u.role)
            )?;
        }
    }
    Ok(())
}

/// Writes the answer of `diff`: a line with the counts, then `| change | principal |
/// resource | via | granting statement |`, gained rows first.
///
/// ```
/// use ramcheck::analysis::DiffAnswer;
/// use ramcheck::output::analysis::{markdown, DiffReport};
/// # fn demo(answer: &DiffAnswer) -> std::io::Result<()> {
/// markdown::write_diff(&mut std::io::stdout(), &DiffReport::new(answer, &[]))?;
/// # Ok(()) }
/// ```
pub fn write_diff(out: &mut impl Write, report: &DiffReport<'_>) -> io::Result<()> {
    let answer = report.answer;
    writeln!(
        out,
        "**Who can {} {}**: {} gained, {} lost",
        verb(&answer.action),
        code(&answer.resource),
        answer.gained.len(),
        answer.lost.len()
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| change | principal | resource | via | granting statement |"
    )?;
    writeln!(out, "|---|---|---|---|---|")?;
    for (label, changes, gained) in [
        ("**new**", &answer.gained, true),
        ("lost", &answer.lost, false),
    ] {
        for change in changes {
            let home = literal_account(&change.witness.resource);
            let (via, statement) = match granted(change, gained) {
                Some(reached) => (via_cell(reached, home), statement_cell(granting(reached))),
                None => ("-".to_owned(), "-".to_owned()),
            };
            writeln!(
                out,
                "| {label} | {} | {} | {via} | {statement} |",
                code(short(&change.principal, home)),
                code(&change.witness.resource)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn space_table_has_a_row_per_principal_with_access() {
        let answer = space();
        let mut out = Vec::new();
        write_space(&mut out, &SpaceReport::new(&answer, &[])).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| ")).collect();
        assert_eq!(
            rows[0],
            "| principal | access | via | witness resource | granting statement |"
        );
        assert_eq!(rows.len(), 3, "{text}");
        assert_eq!(
            rows[2],
            format!("| `user/ci-runner` | some | `role/deployer` | `{}` | `grants/prod.json:1:32` statement 0 `ProdFromOffice` |", pipeline("prod-7"))
        );
    }

    #[test]
    fn a_pipe_or_backtick_in_a_name_cannot_break_the_table() {
        let mut answer = space();
        answer.principals[0].principal = format!("acs:ram::{ACCOUNT}:user/a|`b");
        let mut out = Vec::new();
        write_space(&mut out, &SpaceReport::new(&answer, &[])).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        let row = text.lines().find(|l| l.contains("user/a")).expect("row");
        assert_eq!(row.matches('|').count(), 6, "{row}");
    }

    #[test]
    fn diff_table_marks_new_rows() {
        let answer = diff();
        let mut out = Vec::new();
        write_diff(&mut out, &DiffReport::new(&answer, &[])).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.starts_with("**Who can cancel `acs:ecs:*:1234567890123456:imagepipeline/*`**: 1 gained, 1 lost\n"), "{text}");
        assert!(text.contains("| **new** | `user/ci-runner` |"), "{text}");
        assert!(text.contains("| lost | `user/old` |"), "{text}");
    }
}
