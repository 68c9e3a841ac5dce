//! Pictures of access for reviews: `who-can` and `diff` answers as Mermaid flowcharts (which
//! GitHub renders in a pull-request comment) and as Graphviz `dot` graphs.
//!
//! One model ([`model::Graph`]) is built from an answer and the accounts: principals with
//! access, the groups through which a user holds a deciding policy, the roles assumed on the
//! way (T5), the policies whose statements decided, and the resource patterns they grant.
//! Edges are membership, attachment, assume (labelled with the trust statements) and grant
//! (labelled with the statement). Each language only prints the model, escaping every label:
//! names and ARNs come from input files. Nodes are numbered (`n0`, `n1`, ...), never named
//! after input. Output is deterministic (sorted by principal) and bounded: at most 100
//! principals, 100 trust statements naming unlisted principals (T6) and 400 edges, labels cut
//! at 100 characters with `…`, and what is not drawn is counted in a note node of the picture.
//! A Mermaid picture also stays under Mermaid's default 50,000 characters by drawing fewer
//! principals.

mod dot;
mod mermaid;
mod model;

use std::io::{self, Write};

use crate::analysis::{DiffAnswer, SpaceAnswer};
use crate::assume::Accounts;
use model::{Edge, EdgeKind, Graph, MAX_PRINCIPALS};

/// Writes `who-can`'s answer over a space as a Mermaid flowchart: each principal with access,
/// the groups, roles and policies by which its witness is allowed, and the resource patterns
/// granted. `accounts` are those the answer was computed on (they say which group attaches a
/// policy to a user).
///
/// ```
/// use ramcheck::account::Account;
/// use ramcheck::analysis::{who_can, Question};
/// use ramcheck::assume::Accounts;
/// use ramcheck::output::graph::write_who_can_mermaid;
///
/// let account = Account::from_json(r#"{
///   "account_id": "1234567890123456",
///   "users": {"alice": {"groups": ["ops"]}},
///   "groups": {"ops": {"policies": ["AliyunECSFullAccess"]}}
/// }"#, None, None)?;
/// let accounts = Accounts::new([account])?;
/// let question = Question::new("ecs:CancelImagePipelineExecution")
///     .with_resource("acs:ecs:*:*:imagepipeline/*");
/// let answer = who_can(&accounts, &question)?;
/// let mut out = Vec::new();
/// write_who_can_mermaid(&mut out, &answer, &accounts)?;
/// assert!(String::from_utf8(out)?.starts_with("flowchart LR\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_who_can_mermaid(
    out: &mut impl Write,
    answer: &SpaceAnswer,
    accounts: &Accounts,
) -> io::Result<()> {
    let text = fitting_mermaid(|max| Graph::who_can(answer, accounts, max));
    out.write_all(text.as_bytes())
}

/// Writes `who-can`'s answer over a space as a Graphviz `digraph`, the same picture as
/// [`write_who_can_mermaid`]; render it with `dot -Tsvg`.
///
/// ```
/// use ramcheck::account::Account;
/// use ramcheck::analysis::{who_can, Question};
/// use ramcheck::assume::Accounts;
/// use ramcheck::output::graph::write_who_can_dot;
///
/// let account = Account::from_json(r#"{"account_id": "1234567890123456",
///   "users": {"alice": {"policies": ["AliyunECSFullAccess"]}}}"#, None, None)?;
/// let accounts = Accounts::new([account])?;
/// let answer = who_can(&accounts, &Question::new("ecs:CancelImagePipelineExecution"))?;
/// let mut out = Vec::new();
/// write_who_can_dot(&mut out, &answer, &accounts)?;
/// assert!(String::from_utf8(out)?.starts_with("digraph ramcheck {\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_who_can_dot(
    out: &mut impl Write,
    answer: &SpaceAnswer,
    accounts: &Accounts,
) -> io::Result<()> {
    let graph = Graph::who_can(answer, accounts, MAX_PRINCIPALS);
    out.write_all(dot::render(&graph).as_bytes())
}

/// Writes `diff`'s answer as a Mermaid flowchart: each gained access on its after-side path,
/// highlighted in red (`classDef gained`, `linkStyle`), each lost access on its before-side
/// path, dashed grey. `after` are the accounts of the after side (they say which group
/// attaches a policy to a user; a lost path draws the policy on the principal itself).
///
/// ```
/// use ramcheck::account::Account;
/// use ramcheck::analysis::{diff, Question};
/// use ramcheck::assume::Accounts;
/// use ramcheck::output::graph::write_diff_mermaid;
///
/// let before = Accounts::new([Account::from_json(r#"{"account_id": "1234567890123456",
///   "users": {"alice": {}}}"#, None, None)?])?;
/// let after = Accounts::new([Account::from_json(r#"{"account_id": "1234567890123456",
///   "users": {"alice": {"policies": ["AliyunECSFullAccess"]}}}"#, None, None)?])?;
/// let answer = diff(&before, &after, &Question::new("ecs:CancelImagePipelineExecution"))?;
/// let mut out = Vec::new();
/// write_diff_mermaid(&mut out, &answer, &after)?;
/// assert!(String::from_utf8(out)?.contains("classDef gained"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_diff_mermaid(
    out: &mut impl Write,
    answer: &DiffAnswer,
    after: &Accounts,
) -> io::Result<()> {
    let text = fitting_mermaid(|max| Graph::diff(answer, after, max));
    out.write_all(text.as_bytes())
}

/// Writes `diff`'s answer as a Graphviz `digraph`, the same picture as
/// [`write_diff_mermaid`]: gained access `color=red, penwidth=2`, lost access
/// `color=gray, style=dashed`.
///
/// ```
/// use ramcheck::account::Account;
/// use ramcheck::analysis::{diff, Question};
/// use ramcheck::assume::Accounts;
/// use ramcheck::output::graph::write_diff_dot;
///
/// let before = Accounts::new([Account::from_json(r#"{"account_id": "1234567890123456",
///   "users": {"alice": {}}}"#, None, None)?])?;
/// let after = Accounts::new([Account::from_json(r#"{"account_id": "1234567890123456",
///   "users": {"alice": {"policies": ["AliyunECSFullAccess"]}}}"#, None, None)?])?;
/// let answer = diff(&before, &after, &Question::new("ecs:CancelImagePipelineExecution"))?;
/// let mut out = Vec::new();
/// write_diff_dot(&mut out, &answer, &after)?;
/// assert!(String::from_utf8(out)?.contains("color=red"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_diff_dot(
    out: &mut impl Write,
    answer: &DiffAnswer,
    after: &Accounts,
) -> io::Result<()> {
    let graph = Graph::diff(answer, after, MAX_PRINCIPALS);
    out.write_all(dot::render(&graph).as_bytes())
}

/// The Mermaid text of the graph `build` makes with as many principals as fit under
/// Mermaid's text limit: halving the number until it fits. The graph counts the principals
/// left out in a note node, so a smaller picture still says what it does not show.
fn fitting_mermaid(build: impl Fn(usize) -> Graph) -> String {
    let mut max = MAX_PRINCIPALS;
    loop {
        let text = mermaid::render(&build(max));
        if text.len() <= mermaid::MAX_TEXT || max == 0 {
            return text;
        }
        max /= 2;
    }
}

/// The text an edge carries in either language: what it means, then its label.
fn edge_text(edge: &Edge) -> String {
    let meaning = match edge.kind {
        EdgeKind::Member => "member of",
        EdgeKind::Attach => "attached",
        EdgeKind::Assume => "assumes",
        EdgeKind::Grant => "grants",
    };
    match &edge.label {
        Some(label) => format!("{meaning} · {label}"),
        None => meaning.to_owned(),
    }
}

#[cfg(test)]
mod tests;
