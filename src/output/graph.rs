//! Pictures of access analysis for reviews: Mermaid and Graphviz. A stub until the
//! pictures land: each writer writes nothing.

use std::io::{self, Write};

use crate::analysis::{DiffAnswer, SpaceAnswer};
use crate::assume::Accounts;

/// Writes `who-can`'s answer as a Mermaid flowchart.
///
/// ```
/// # fn demo(answer: &ramcheck::analysis::SpaceAnswer, accounts: &ramcheck::assume::Accounts) -> std::io::Result<()> {
/// ramcheck::output::graph::write_who_can_mermaid(&mut std::io::stdout(), answer, accounts)?;
/// # Ok(()) }
/// ```
pub fn write_who_can_mermaid(
    out: &mut impl Write,
    answer: &SpaceAnswer,
    accounts: &Accounts,
) -> io::Result<()> {
    let _ = (out, answer, accounts);
    Ok(())
}

/// Writes `who-can`'s answer as a Graphviz graph.
///
/// ```
/// # fn demo(answer: &ramcheck::analysis::SpaceAnswer, accounts: &ramcheck::assume::Accounts) -> std::io::Result<()> {
/// ramcheck::output::graph::write_who_can_dot(&mut std::io::stdout(), answer, accounts)?;
/// # Ok(()) }
/// ```
pub fn write_who_can_dot(
    out: &mut impl Write,
    answer: &SpaceAnswer,
    accounts: &Accounts,
) -> io::Result<()> {
    let _ = (out, answer, accounts);
    Ok(())
}

/// Writes `diff`'s answer as a Mermaid flowchart, over the accounts after the change.
///
/// ```
/// # fn demo(answer: &ramcheck::analysis::DiffAnswer, after: &ramcheck::assume::Accounts) -> std::io::Result<()> {
/// ramcheck::output::graph::write_diff_mermaid(&mut std::io::stdout(), answer, after)?;
/// # Ok(()) }
/// ```
pub fn write_diff_mermaid(
    out: &mut impl Write,
    answer: &DiffAnswer,
    after: &Accounts,
) -> io::Result<()> {
    let _ = (out, answer, after);
    Ok(())
}

/// Writes `diff`'s answer as a Graphviz graph, over the accounts after the change.
///
/// ```
/// # fn demo(answer: &ramcheck::analysis::DiffAnswer, after: &ramcheck::assume::Accounts) -> std::io::Result<()> {
/// ramcheck::output::graph::write_diff_dot(&mut std::io::stdout(), answer, after)?;
/// # Ok(()) }
/// ```
pub fn write_diff_dot(
    out: &mut impl Write,
    answer: &DiffAnswer,
    after: &Accounts,
) -> io::Result<()> {
    let _ = (out, answer, after);
    Ok(())
}
