//! The picture as a graph, before any language: nodes with plain-text labels, edges between
//! node numbers. Built from an answer and the accounts; the renderers only print it, and
//! escape every label themselves.

use std::collections::BTreeMap;

use crate::account::Principal;
use crate::analysis::{Change, DiffAnswer, Reached, SpaceAnswer, Witness};
use crate::assume::{Accounts, UnlistedPrincipals};
use crate::decision::{Matched, StatementRef};

/// The most principals drawn by default; the rest are counted in a note node.
pub(super) const MAX_PRINCIPALS: usize = 100;
/// The most edges a picture has (Mermaid refuses more than 500 by default).
const MAX_EDGES: usize = 400;
/// The most characters of one label; longer ones end in `…`.
const MAX_LABEL: usize = 100;

/// What a node stands for; each language gives each kind its own shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum NodeKind {
    /// A user, a role that has access itself, or an account owner.
    Principal,
    /// A user group.
    Group,
    /// A role assumed on a path.
    Role,
    /// A policy whose statement decided.
    Policy,
    /// A resource pattern, or a resource ARN.
    Resource,
    /// A remark: principals not drawn, or an empty answer.
    Note,
}

/// How an element is highlighted in a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Style {
    /// Not part of a change.
    Plain,
    /// On the path of a lost access.
    Lost,
    /// On the path of a gained access; wins over `Lost` when both pass one element, since new
    /// access is what a reviewer must see.
    Gained,
}

/// What an edge means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum EdgeKind {
    /// A user is a member of a group.
    Member,
    /// A principal or group has a policy attached.
    Attach,
    /// A principal assumes a role.
    Assume,
    /// A policy's statement grants the action on a resource pattern.
    Grant,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Node {
    pub(super) kind: NodeKind,
    pub(super) label: String,
    pub(super) style: Style,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Edge {
    pub(super) from: usize,
    pub(super) to: usize,
    pub(super) kind: EdgeKind,
    pub(super) label: Option<String>,
    pub(super) style: Style,
}

/// Nodes and edges, in the order first added, which is deterministic because the answers
/// are walked in sorted order. A node's number is its index; renderers name it `n<index>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Graph {
    pub(super) nodes: Vec<Node>,
    pub(super) edges: Vec<Edge>,
    /// Node by (kind, identity), so that a policy or role met twice is one node.
    index: BTreeMap<(NodeKind, String), usize>,
    /// Edge by its ends, kind and label.
    edge_index: BTreeMap<(usize, usize, EdgeKind, Option<String>), usize>,
}

impl Graph {
    /// The picture of `who-can`'s answer: every principal with access (up to `max_principals`
    /// of them), the path by which its witness was reached, and the unlisted principals (T6).
    pub(super) fn who_can(
        answer: &SpaceAnswer,
        accounts: &Accounts,
        max_principals: usize,
    ) -> Graph {
        let mut graph = Graph::default();
        let mut with_access: Vec<_> = answer
            .principals
            .iter()
            .filter_map(|p| p.witness.as_ref().map(|(w, r)| (p, w, r)))
            .collect();
        with_access.sort_by(|a, b| a.0.principal.cmp(&b.0.principal));
        let mut drawn = 0;
        for (principal, witness, reached) in &with_access {
            if drawn == max_principals || !graph.has_room_for(reached) {
                break;
            }
            let label = format!(
                "{} · access {}",
                principal.principal,
                principal.access.name()
            );
            let node = graph.node(
                NodeKind::Principal,
                &principal.principal,
                label,
                Style::Plain,
            );
            let start = (node, principal.principal.as_str());
            graph.path(Some(accounts), start, witness, reached, Style::Plain);
            drawn += 1;
        }
        graph.unlisted(&answer.unlisted, max_principals);
        graph.remark(with_access.len() - drawn, "principals with access");
        if with_access.is_empty() {
            let text = format!("no principal can {} on {}", answer.action, answer.resource);
            graph.node(NodeKind::Note, "empty", text, Style::Plain);
        }
        graph
    }

    /// The picture of `diff`'s answer: each gained access on its after-side path, highlighted;
    /// each lost access on its before-side path, in the lost style. Groups are looked up in
    /// `after`, so a lost path draws the policy attached to the principal itself.
    pub(super) fn diff(answer: &DiffAnswer, after: &Accounts, max_principals: usize) -> Graph {
        let mut graph = Graph::default();
        let mut changes: Vec<(&Change, &Reached, Style)> = answer
            .gained
            .iter()
            .filter_map(|c| c.after.as_ref().map(|r| (c, r, Style::Gained)))
            .chain(
                answer
                    .lost
                    .iter()
                    .filter_map(|c| c.before.as_ref().map(|r| (c, r, Style::Lost))),
            )
            .collect();
        // Gained first, then by principal; the answer's own order breaks ties.
        changes.sort_by(|a, b| {
            b.2.cmp(&a.2)
                .then_with(|| a.0.principal.cmp(&b.0.principal))
        });
        let mut drawn = 0;
        for (change, reached, style) in &changes {
            if drawn == max_principals || !graph.has_room_for(reached) {
                break;
            }
            let what = match style {
                Style::Gained if change.before.is_none() => "new principal, gained",
                Style::Gained => "gained",
                _ => "lost",
            };
            let label = format!("{} · {what}", change.principal);
            let node = graph.node(NodeKind::Principal, &change.principal, label, *style);
            // The after side resolves groups; a lost path is a before-side path.
            let groups_from = if *style == Style::Gained {
                Some(after)
            } else {
                None
            };
            let start = (node, change.principal.as_str());
            graph.path(groups_from, start, &change.witness, reached, *style);
            drawn += 1;
        }
        // Changes without a path on their side (a principal that exists on one side only is
        // still listed with the side that has it): none are expected, but none are hidden.
        let pathless = answer.gained.len() + answer.lost.len() - changes.len();
        graph.unlisted(&answer.unlisted, max_principals);
        graph.remark(changes.len() - drawn, "changed accesses");
        graph.remark(pathless, "changes without a decision to draw");
        if changes.is_empty() && pathless == 0 {
            let text = format!(
                "no access to {} on {} gained or lost",
                answer.action, answer.resource
            );
            graph.node(NodeKind::Note, "empty", text, Style::Plain);
        }
        graph
    }

    /// Whether one more path fits under the edge limit, counting every edge it could add.
    fn has_room_for(&self, reached: &Reached) -> bool {
        let hops = reached.via.as_ref().map_or(0, Vec::len);
        // Per deciding statement: membership, attachment, grant.
        let cost = hops + 3 * reached.outcome.deciding().len().max(1);
        self.edges.len() + cost <= MAX_EDGES
    }

    /// Draws the path from `start` (a node and its principal's ARN) to the witness: the roles
    /// assumed, then the final principal's deciding statements, each through the group that
    /// attaches its policy when `accounts` says so, each granting its matched resource pattern.
    fn path(
        &mut self,
        accounts: Option<&Accounts>,
        start: (usize, &str),
        witness: &Witness,
        reached: &Reached,
        style: Style,
    ) {
        let (mut current, start_arn) = start;
        let mut current_arn = start_arn.to_owned();
        for hop in reached.via.iter().flatten() {
            let role = self.node(NodeKind::Role, &hop.role, hop.role.clone(), style);
            let label = statements_label("trust", &hop.trust_statements);
            self.edge(current, role, EdgeKind::Assume, label, style);
            current = role;
            current_arn = hop.role.clone();
        }
        let outcome = &reached.outcome;
        if outcome.deciding().is_empty() {
            // The owner, or a stage that decides without statements: straight to the resource.
            let resource = self.node(
                NodeKind::Resource,
                &witness.resource,
                witness.resource.clone(),
                style,
            );
            let label = Some(outcome.stage().name().to_owned());
            self.edge(current, resource, EdgeKind::Grant, label, style);
            return;
        }
        let user = accounts.and_then(|a| user_of(a, &current_arn));
        for statement in outcome.deciding() {
            let key = format!(
                "{}\u{0}{}",
                statement.policy(),
                statement.file().unwrap_or("")
            );
            let policy_label = match statement.file() {
                Some(file) => format!("policy {} ({file})", statement.policy()),
                None => format!("policy {}", statement.policy()),
            };
            let policy = self.node(NodeKind::Policy, &key, policy_label, style);
            let holders = user
                .as_ref()
                .map(|(account, name)| holders_of(accounts, account, name, statement));
            match holders {
                Some(holders) if !holders.is_empty() => {
                    for holder in holders {
                        match holder {
                            None => self.edge(current, policy, EdgeKind::Attach, None, style),
                            Some(group) => {
                                let group_key = format!("{}\u{0}{group}", account_of(&current_arn));
                                let label = format!("group {group}");
                                let group = self.node(NodeKind::Group, &group_key, label, style);
                                self.edge(current, group, EdgeKind::Member, None, style);
                                self.edge(group, policy, EdgeKind::Attach, None, style);
                            }
                        }
                    }
                }
                _ => self.edge(current, policy, EdgeKind::Attach, None, style),
            }
            let label = match statement.resource() {
                Matched::Pattern(pattern) => pattern.clone(),
                // NotResource (M5) names no pattern: the witness stands for what it reaches.
                Matched::NotListed | Matched::None => {
                    format!("{} (NotResource)", witness.resource)
                }
            };
            let resource = self.node(NodeKind::Resource, &label, label.clone(), style);
            let label = Some(statement_name(statement));
            self.edge(policy, resource, EdgeKind::Grant, label, style);
        }
    }

    /// Principals that trust policies name but no snapshot lists (T6), each as a node that
    /// may assume its role: at most `max` of them, the rest counted in a note.
    fn unlisted(&mut self, unlisted: &[UnlistedPrincipals], max: usize) {
        let mut sorted: Vec<&UnlistedPrincipals> = unlisted.iter().collect();
        sorted.sort_by(|a, b| (&a.account, &a.role, a.index).cmp(&(&b.account, &b.role, b.index)));
        let mut drawn = 0;
        for u in &sorted {
            if drawn == max || self.edges.len() >= MAX_EDGES {
                break;
            }
            drawn += 1;
            let label = format!("unlisted principals of {} (no snapshot)", u.account);
            let from = self.node(
                NodeKind::Principal,
                &format!("unlisted\u{0}{}", u.account),
                label,
                Style::Plain,
            );
            // The role is named without its account: join a drawn role of that name if
            // exactly one is drawn, else draw it by name.
            let suffix = format!(":role/{}", u.role);
            let matching: Vec<usize> = self
                .index
                .iter()
                .filter(|((kind, id), _)| {
                    matches!(kind, NodeKind::Role | NodeKind::Principal) && id.ends_with(&suffix)
                })
                .map(|(_, &n)| n)
                .collect();
            let role = match matching.as_slice() {
                [one] => *one,
                _ => self.node(
                    NodeKind::Role,
                    &format!("role/{}", u.role),
                    format!("role/{}", u.role),
                    Style::Plain,
                ),
            };
            let label = Some(format!("trust: {} statement {}", u.policy, u.index));
            self.edge(from, role, EdgeKind::Assume, label, Style::Plain);
        }
        self.remark(
            sorted.len() - drawn,
            "trust statements naming unlisted principals",
        );
    }

    /// A note saying how many `what` are not drawn, when any are not: never a silent cut.
    fn remark(&mut self, count: usize, what: &str) {
        if count > 0 {
            let text = format!("{count} more {what} not drawn");
            self.node(NodeKind::Note, what, text, Style::Plain);
        }
    }

    /// The node of `kind` and `identity`, added with `label` if new; its style is raised to
    /// `style` if that is stronger.
    fn node(&mut self, kind: NodeKind, identity: &str, label: String, style: Style) -> usize {
        let key = (kind, identity.to_owned());
        if let Some(&n) = self.index.get(&key) {
            if let Some(node) = self.nodes.get_mut(n) {
                node.style = node.style.max(style);
            }
            return n;
        }
        let n = self.nodes.len();
        self.nodes.push(Node {
            kind,
            label: truncate(label),
            style,
        });
        self.index.insert(key, n);
        n
    }

    fn edge(
        &mut self,
        from: usize,
        to: usize,
        kind: EdgeKind,
        label: Option<String>,
        style: Style,
    ) {
        let label = label.map(truncate);
        let key = (from, to, kind, label.clone());
        if let Some(&e) = self.edge_index.get(&key) {
            if let Some(edge) = self.edges.get_mut(e) {
                edge.style = edge.style.max(style);
            }
            return;
        }
        self.edge_index.insert(key, self.edges.len());
        self.edges.push(Edge {
            from,
            to,
            kind,
            label,
            style,
        });
    }
}

/// The account and name of the user `arn` names, when `accounts` has it.
fn user_of(accounts: &Accounts, arn: &str) -> Option<(String, String)> {
    match accounts.principal(arn).ok()? {
        (account, Principal::User(name)) => Some((account.id().to_owned(), name)),
        _ => None,
    }
}

/// Where the user's attachment of `statement`'s policy comes from: `None` for its own,
/// `Some(group)` for a group's; empty when the user has no such attachment (a statement of
/// another stage).
fn holders_of<'a>(
    accounts: Option<&'a Accounts>,
    account: &str,
    user: &str,
    statement: &StatementRef,
) -> Vec<Option<&'a str>> {
    let Some(account) = accounts.and_then(|a| a.get(account)) else {
        return Vec::new();
    };
    let mut holders: Vec<Option<&str>> = account
        .user_attachment_sources(user)
        .filter(|(_, a)| {
            a.policy().name() == statement.policy() && a.policy().file() == statement.file()
        })
        .map(|(group, _)| group)
        .collect();
    holders.sort_unstable();
    holders.dedup();
    holders
}

/// The account field of a RAM ARN, `acs:ram::<account>:...`.
fn account_of(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or_default()
}

/// `statement N` or `statement N (Sid)`.
fn statement_name(statement: &StatementRef) -> String {
    match statement.sid() {
        Some(sid) => format!("statement {} ({sid})", statement.index()),
        None => format!("statement {}", statement.index()),
    }
}

/// `side P#N, ...` for the statements of one side of an AssumeRole.
fn statements_label(side: &str, statements: &[StatementRef]) -> Option<String> {
    if statements.is_empty() {
        return None;
    }
    let names: Vec<String> = statements
        .iter()
        .map(|s| format!("{} {}", s.policy(), statement_name(s)))
        .collect();
    Some(format!("{side}: {}", names.join(", ")))
}

/// At most [`MAX_LABEL`] characters, the cut marked with `…`.
fn truncate(label: String) -> String {
    if label.chars().count() <= MAX_LABEL {
        return label;
    }
    let mut cut: String = label.chars().take(MAX_LABEL - 1).collect();
    cut.push('…');
    cut
}
