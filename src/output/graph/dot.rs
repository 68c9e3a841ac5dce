//! Graphviz `dot` graphs of a [`Graph`].

use std::fmt::Write as _;

use super::edge_text;
use super::model::{Graph, NodeKind, Style};
use crate::output::escape_controls;

/// The `digraph` of `graph`, ending in a newline.
pub(super) fn render(graph: &Graph) -> String {
    let mut out = String::from(
        "digraph ramcheck {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\"];\n",
    );
    for (n, node) in graph.nodes.iter().enumerate() {
        let shape = match node.kind {
            NodeKind::Principal => "box",
            NodeKind::Group => "folder",
            NodeKind::Role => "ellipse",
            NodeKind::Policy => "note",
            NodeKind::Resource => "cylinder",
            NodeKind::Note => "plaintext",
        };
        let _ = writeln!(
            out,
            "  n{n} [label=\"{}\", shape={shape}{}];",
            escape(&node.label),
            attributes(node.style)
        );
    }
    for edge in &graph.edges {
        let _ = writeln!(
            out,
            "  n{} -> n{} [label=\"{}\"{}];",
            edge.from,
            edge.to,
            escape(&edge_text(edge)),
            attributes(edge.style)
        );
    }
    out.push_str("}\n");
    out
}

fn attributes(style: Style) -> &'static str {
    match style {
        Style::Plain => "",
        Style::Gained => ", color=red, penwidth=2",
        Style::Lost => ", color=gray, style=dashed",
    }
}

/// `text` as the inside of a quoted Graphviz string: control and bidi characters made visible
/// ([`escape_controls`]), then `\` and `"` escaped, so that no label ends the string early or
/// turns into a Graphviz escape such as `\N` or `\l`.
pub(super) fn escape(text: &str) -> String {
    let visible = escape_controls(text);
    let mut out = String::with_capacity(visible.len());
    for c in visible.chars() {
        if matches!(c, '\\' | '"') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
