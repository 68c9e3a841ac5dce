//! Mermaid flowcharts of a [`Graph`]: what GitHub renders in a pull-request comment.

use std::fmt::Write as _;

use super::edge_text;
use super::model::{Graph, NodeKind, Style};
use crate::output::escape_controls;

/// The longest diagram Mermaid renders with its default `maxTextSize`.
pub(super) const MAX_TEXT: usize = 50_000;

/// The flowchart of `graph`, ending in a newline.
pub(super) fn render(graph: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    for (n, node) in graph.nodes.iter().enumerate() {
        let label = escape(&node.label);
        let _ = match node.kind {
            NodeKind::Principal => writeln!(out, "  n{n}[\"{label}\"]"),
            NodeKind::Group => writeln!(out, "  n{n}[[\"{label}\"]]"),
            NodeKind::Role => writeln!(out, "  n{n}([\"{label}\"])"),
            NodeKind::Policy => writeln!(out, "  n{n}{{{{\"{label}\"}}}}"),
            NodeKind::Resource => writeln!(out, "  n{n}[(\"{label}\")]"),
            NodeKind::Note => writeln!(out, "  n{n}>\"{label}\"]"),
        };
    }
    for edge in &graph.edges {
        let _ = writeln!(
            out,
            "  n{} -->|\"{}\"| n{}",
            edge.from,
            escape(&edge_text(edge)),
            edge.to
        );
    }
    let styled = |style: Style| {
        let nodes: Vec<String> = (graph.nodes.iter().enumerate())
            .filter(|(_, node)| node.style == style)
            .map(|(n, _)| format!("n{n}"))
            .collect();
        let edges: Vec<String> = (graph.edges.iter().enumerate())
            .filter(|(_, edge)| edge.style == style)
            .map(|(e, _)| e.to_string())
            .collect();
        (nodes, edges)
    };
    for (style, name, css) in [
        (Style::Gained, "gained", "stroke:#d00,stroke-width:3px"),
        (
            Style::Lost,
            "lost",
            "stroke:#888,stroke-width:2px,stroke-dasharray:5 5",
        ),
    ] {
        let (nodes, edges) = styled(style);
        if !nodes.is_empty() {
            let _ = writeln!(out, "  classDef {name} {css}");
            let _ = writeln!(out, "  class {} {name}", nodes.join(","));
        }
        if !edges.is_empty() {
            let _ = writeln!(out, "  linkStyle {} {css}", edges.join(","));
        }
    }
    out
}

/// `text` as the inside of a quoted Mermaid label: control and bidi characters made visible
/// ([`escape_controls`]), then every ASCII character but letters, digits, space and a few
/// punctuation marks of ARNs written as a `#<code>;` entity, so that no quote, bracket, pipe,
/// backtick (a Markdown string), `<` (HTML), `#`, `;` or `&` (entities) reaches the parser.
pub(super) fn escape(text: &str) -> String {
    let visible = escape_controls(text);
    let mut out = String::with_capacity(visible.len());
    for c in visible.chars() {
        if c.is_ascii_alphanumeric() || " -_.:/*?@=+,'!$%^~()".contains(c) || !c.is_ascii() {
            out.push(c);
        } else {
            let _ = write!(out, "#{};", u32::from(c));
        }
    }
    out
}
