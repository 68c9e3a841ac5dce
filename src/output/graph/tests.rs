//! Pictures of hand-built answers whose outcomes are real decisions of a small account, held to
//! the real parsers: every Mermaid text parses with Mermaid's own parser into exactly the
//! nodes, labels and edges of the model, every dot text renders with `dot -Tsvg` into exactly
//! its nodes and edges, whatever the names in the input hold.

use serde_json::json;

use super::model::{EdgeKind, Graph, NodeKind, Style};
use super::*;
use crate::account::{Account, Principal};
use crate::analysis::{Access, Change, Hop, PrincipalAccess, Reached, Witness};
use crate::assume::UnlistedPrincipals;
use crate::decision::{Matched, Outcome, Request};
use crate::output::escape_controls;
use crate::policy::Position;

#[path = "../../../tests/it/real_parsers.rs"]
mod real_parsers;

const ID: &str = "1234567890123456";
const ACTION: &str = "ecs:CancelImagePipelineExecution";
/// Everything that could end a label, open a link, inject HTML or reorder text.
const HOSTILE: &str =
    "p\"\\]];#quot;<script>alert(1)</script> --> n0 |x| `md` &amp; {a} \n\r\u{1b}[31m\u{202e}é中";

fn pipeline(id: &str) -> String {
    format!("acs:ecs:cn-hangzhou:{ID}:imagepipeline/{id}")
}

/// A small account: alice holds `hostile-1` (policy and group names are checked, G10; its Sid
/// is hostile) through group `ops`, bob holds it himself, carol may assume `deployer` (which holds it), dave holds a NotResource policy.
fn account() -> Account {
    let allow = json!({"Version": "1", "Statement": [{"Sid": HOSTILE, "Effect": "Allow",
        "Action": ACTION, "Resource": ["acs:ecs:*:*:imagepipeline/*"]}]});
    let assume = json!({"Version": "1", "Statement": [{"Effect": "Allow",
        "Action": "sts:AssumeRole", "Resource": "*"}]});
    let not_resource = json!({"Version": "1", "Statement": [{"Effect": "Allow",
        "Action": ACTION, "NotResource": "acs:ecs:*:*:imagepipeline/other"}]});
    let trust = json!({"Version": "1", "Statement": [{"Sid": HOSTILE, "Effect": "Allow",
        "Action": "sts:AssumeRole", "Principal": {"RAM": [format!("acs:ram::{ID}:root")]}}]});
    let text = json!({
        "account_id": ID,
        "policies": {"hostile-1": allow, "assume": assume, "nr": not_resource},
        "users": {
            "alice": {"groups": ["ops"]},
            "bob": {"policies": ["hostile-1"]},
            "carol": {"policies": ["assume"]},
            "dave": {"policies": ["nr"]},
        },
        "groups": {"ops": {"policies": ["hostile-1"]}},
        "roles": {"deployer": {"policies": ["hostile-1"], "trust_policy": trust}},
    })
    .to_string();
    match Account::from_json(&text, None, Some("account\"\\.json")) {
        Ok(a) => a,
        Err(e) => panic!("account should load: {e}"),
    }
}

fn accounts() -> Accounts {
    Accounts::new([account()]).expect("one account")
}

fn decide(accounts: &Accounts, principal: &str, resource: &str) -> Outcome {
    let account = accounts.get(ID).expect("account");
    let principal = Principal::parse(principal, ID).expect("principal");
    let request = Request::new(ACTION, resource).expect("request");
    account.decide(&principal, None, &request).expect("decides")
}

fn witness(resource: &str) -> Witness {
    Witness {
        resource: resource.to_owned(),
        context: Vec::new(),
    }
}

fn direct(accounts: &Accounts, name: &str, resource: &str) -> PrincipalAccess {
    let outcome = decide(accounts, name, resource);
    assert!(outcome.decision().is_allowed(), "{name} is allowed");
    PrincipalAccess {
        principal: format!("acs:ram::{ID}:{name}"),
        account: ID.to_owned(),
        access: Access::All,
        witness: Some((witness(resource), Reached { outcome, via: None })),
        denied_witness: None,
    }
}

/// carol reaches through `deployer` (T5): the hop's statements are those of the real
/// AssumeRole decision.
fn through_role(accounts: &Accounts) -> PrincipalAccess {
    let (account, carol) = accounts.principal("user/carol").expect("carol");
    let role = format!("acs:ram::{ID}:role/deployer");
    let request = Request::new("sts:AssumeRole", &role).expect("request");
    let assumed = accounts
        .decide_assume_role(account, &carol, None, &request)
        .expect("decides");
    let (trust, caller): (Vec<_>, Vec<_>) = (assumed.outcome().deciding().iter().cloned())
        .partition(|s| s.side() == Some(crate::decision::Side::Trust));
    assert!(!trust.is_empty(), "the trust policy decided");
    let hop = Hop {
        role: role.clone(),
        caller_statements: caller,
        trust_statements: trust,
    };
    let outcome = decide(accounts, "role/deployer", &pipeline("ip-1"));
    PrincipalAccess {
        principal: format!("acs:ram::{ID}:user/carol"),
        account: ID.to_owned(),
        access: Access::Some,
        witness: Some((
            witness(&pipeline("ip-1")),
            Reached {
                outcome,
                via: Some(vec![hop]),
            },
        )),
        denied_witness: None,
    }
}

/// Every kind of principal and path, with hostile text in every label the input can reach:
/// policy, group and file names, Sids, a principal ARN, a resource pattern, a witness ARN, an
/// unlisted account.
fn space_answer(accounts: &Accounts) -> SpaceAnswer {
    let mut hostile_pattern = direct(accounts, "user/bob", &pipeline("ip-2"));
    hostile_pattern.principal = format!("acs:ram::{ID}:user/{HOSTILE}");
    if let Some((w, reached)) = &mut hostile_pattern.witness {
        w.resource = format!("acs:ecs:cn-hangzhou:{ID}:imagepipeline/{HOSTILE}");
        // A translated source (Terraform, ROS) names policies and files freely.
        for s in &mut reached.outcome.deciding {
            s.resource = Matched::Pattern(format!("acs:ecs:*:*:imagepipeline/{HOSTILE}*"));
            s.policy = HOSTILE.to_owned();
            s.file = Some(HOSTILE.to_owned());
        }
    }
    let mut nobody = direct(accounts, "user/bob", &pipeline("ip-1"));
    nobody.principal = format!("acs:ram::{ID}:user/nobody");
    nobody.access = Access::None;
    nobody.witness = None;
    SpaceAnswer {
        action: ACTION.to_owned(),
        resource: "acs:ecs:*:*:imagepipeline/*".to_owned(),
        principals: vec![
            direct(accounts, "user/dave", &pipeline("ip-1")),
            direct(accounts, "root", &pipeline("ip-1")),
            direct(accounts, "user/alice", &pipeline("ip-1")),
            direct(accounts, "user/bob", &pipeline("ip-1")),
            through_role(accounts),
            hostile_pattern,
            nobody,
        ],
        unlisted: vec![UnlistedPrincipals {
            account: HOSTILE.to_owned(),
            role: "deployer".to_owned(),
            policy: HOSTILE.to_owned(),
            file: None,
            index: 0,
            position: Position::START,
        }],
        classes: 1,
    }
}

/// The accounts, [`space_answer`] and its picture.
fn who_can_fixture() -> (Accounts, SpaceAnswer, Graph) {
    let accounts = accounts();
    let answer = space_answer(&accounts);
    let graph = Graph::who_can(&answer, &accounts, MAX_PRINCIPALS);
    (accounts, answer, graph)
}

fn change(access: PrincipalAccess, gained: bool) -> Change {
    let (witness, reached) = access.witness.expect("a witness");
    let (before, after) = if gained {
        (None, Some(reached))
    } else {
        (Some(reached), None)
    };
    Change {
        principal: access.principal,
        witness,
        before,
        after,
    }
}

fn diff_answer(accounts: &Accounts) -> DiffAnswer {
    DiffAnswer {
        action: ACTION.to_owned(),
        resource: "acs:ecs:*:*:imagepipeline/*".to_owned(),
        gained: vec![
            change(direct(accounts, "user/alice", &pipeline("ip-1")), true),
            change(through_role(accounts), true),
        ],
        lost: vec![
            change(direct(accounts, "user/bob", &pipeline("ip-1")), false),
            change(direct(accounts, "user/dave", &pipeline("ip-1")), false),
        ],
        unlisted: Vec::new(),
    }
}

fn text(write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).expect("writes to memory");
    String::from_utf8(out).expect("UTF-8")
}

/// `(from label, kind, to label)` of every edge of `graph`.
fn edges(graph: &Graph) -> Vec<(String, EdgeKind, String)> {
    let label = |n: usize| {
        graph
            .nodes
            .get(n)
            .map(|n| n.label.clone())
            .unwrap_or_default()
    };
    (graph.edges.iter())
        .map(|e| (label(e.from), e.kind, label(e.to)))
        .collect()
}

fn has_edge(graph: &Graph, from: &str, kind: EdgeKind, to: &str) -> bool {
    edges(graph)
        .iter()
        .any(|(f, k, t)| f.starts_with(from) && *k == kind && t.starts_with(to))
}

/// Reverses [`mermaid::escape`]'s entity codes.
fn decode_entities(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('#') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        let end = tail.find(';').expect("an entity ends with `;`");
        let code: u32 = tail[..end].parse().expect("a numeric entity");
        out.push(char::from_u32(code).expect("a character"));
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Mermaid parses `text` into exactly the nodes and edges of `graph`, in order, each label
/// as escaped, which decodes back to the label (with controls made visible).
fn assert_mermaid_is(graph: &Graph, text: &str) {
    let parsed = real_parsers::mermaid_parse(&[text]).remove(0);
    assert_eq!(parsed.vertices.len(), graph.nodes.len(), "{text}");
    for (n, (vertex, node)) in parsed.vertices.iter().zip(&graph.nodes).enumerate() {
        assert_eq!(vertex.id, format!("n{n}"));
        assert_eq!(vertex.text, mermaid::escape(&node.label));
        assert_eq!(decode_entities(&vertex.text), escape_controls(&node.label));
        let class = match node.style {
            Style::Plain => None,
            Style::Gained => Some("gained"),
            Style::Lost => Some("lost"),
        };
        assert_eq!(vertex.classes.first().map(String::as_str), class, "{n}");
    }
    assert_eq!(parsed.edges.len(), graph.edges.len(), "{text}");
    for (parsed, edge) in parsed.edges.iter().zip(&graph.edges) {
        assert_eq!(parsed.start, format!("n{}", edge.from));
        assert_eq!(parsed.end, format!("n{}", edge.to));
        assert_eq!(
            decode_entities(&parsed.text),
            escape_controls(&edge_text(edge))
        );
    }
}

/// `dot -Tsvg` draws exactly the nodes and edges of `graph`, and no input text becomes markup.
fn assert_dot_is(graph: &Graph, text: &str) {
    let svg = real_parsers::dot_svg(text);
    assert_eq!(
        svg.matches("class=\"node\"").count(),
        graph.nodes.len(),
        "{text}"
    );
    assert_eq!(
        svg.matches("class=\"edge\"").count(),
        graph.edges.len(),
        "{text}"
    );
    assert!(!svg.contains("<script"), "{svg}");
}

#[test]
fn who_can_mermaid_parses_into_the_model_whatever_the_names() {
    let (accounts, answer, graph) = who_can_fixture();
    let text = text(|out| write_who_can_mermaid(out, &answer, &accounts));
    assert_eq!(text, mermaid::render(&graph));
    assert_mermaid_is(&graph, &text);
    assert!(
        !text.contains("<script") && !text.contains('\u{202e}'),
        "{text}"
    );
}

#[test]
fn who_can_dot_renders_the_model_whatever_the_names() {
    let (accounts, answer, graph) = who_can_fixture();
    let text = text(|out| write_who_can_dot(out, &answer, &accounts));
    assert_eq!(text, dot::render(&graph));
    assert_dot_is(&graph, &text);
    assert!(!text.contains('\n') || text.lines().all(|l| !l.contains('\r')));
}

#[test]
fn diff_mermaid_marks_gained_and_lost_and_parses() {
    let accounts = accounts();
    let answer = diff_answer(&accounts);
    let graph = Graph::diff(&answer, &accounts, MAX_PRINCIPALS);
    let text = text(|out| write_diff_mermaid(out, &answer, &accounts));
    assert_mermaid_is(&graph, &text);
    assert!(text.contains("classDef gained") && text.contains("classDef lost"));
    // Every gained edge is in the gained linkStyle, and no other.
    let gained: Vec<String> = (graph.edges.iter().enumerate())
        .filter(|(_, e)| e.style == Style::Gained)
        .map(|(i, _)| i.to_string())
        .collect();
    assert!(!gained.is_empty());
    assert!(
        text.contains(&format!("linkStyle {} stroke:#d00", gained.join(","))),
        "{text}"
    );
}

#[test]
fn diff_dot_marks_gained_red_and_lost_dashed_and_renders() {
    let accounts = accounts();
    let answer = diff_answer(&accounts);
    let graph = Graph::diff(&answer, &accounts, MAX_PRINCIPALS);
    let text = text(|out| write_diff_dot(out, &answer, &accounts));
    assert_dot_is(&graph, &text);
    let styled = |style: &str| text.lines().filter(|l| l.contains(style)).count();
    let count = |style: Style| {
        graph.nodes.iter().filter(|n| n.style == style).count()
            + graph.edges.iter().filter(|e| e.style == style).count()
    };
    assert_eq!(styled("color=red, penwidth=2"), count(Style::Gained));
    assert_eq!(styled("color=gray, style=dashed"), count(Style::Lost));
    assert!(count(Style::Gained) > 0 && count(Style::Lost) > 0);
}

#[test]
fn a_group_s_policy_is_drawn_through_the_group() {
    let (_, _, graph) = who_can_fixture();
    let alice = format!("acs:ram::{ID}:user/alice");
    let group = "group ops";
    let policy = "policy hostile-1";
    assert!(has_edge(&graph, &alice, EdgeKind::Member, group));
    assert!(has_edge(&graph, group, EdgeKind::Attach, policy));
    assert!(!has_edge(&graph, &alice, EdgeKind::Attach, policy));
    // bob holds it himself: no group on his path.
    let bob = format!("acs:ram::{ID}:user/bob");
    assert!(has_edge(&graph, &bob, EdgeKind::Attach, policy));
    assert!(!has_edge(&graph, &bob, EdgeKind::Member, ""));
    assert!(has_edge(
        &graph,
        policy,
        EdgeKind::Grant,
        "acs:ecs:*:*:imagepipeline/*"
    ));
}

#[test]
fn t5_a_role_on_the_path_is_assumed_with_its_trust_statement() {
    let (_, _, graph) = who_can_fixture();
    let carol = format!("acs:ram::{ID}:user/carol");
    let role = format!("acs:ram::{ID}:role/deployer");
    assert!(has_edge(&graph, &carol, EdgeKind::Assume, &role));
    let assume = (graph.edges.iter())
        .find(|e| e.kind == EdgeKind::Assume && graph.nodes[e.from].label.starts_with(&carol))
        .expect("carol assumes");
    let label = assume.label.as_deref().unwrap_or_default();
    assert!(
        label.starts_with("trust: role/deployer trust policy statement 0 (p\"\\]]"),
        "{label}"
    );
    // The role's own policy decides the final request; carol holds only `assume`.
    assert!(has_edge(
        &graph,
        &role,
        EdgeKind::Attach,
        "policy hostile-1"
    ));
    assert!(!has_edge(&graph, &carol, EdgeKind::Attach, ""));
    // The unlisted principals (T6) join the one drawn role of that name.
    assert!(has_edge(
        &graph,
        "unlisted principals of p",
        EdgeKind::Assume,
        &role
    ));
}

#[test]
fn m5_not_resource_grants_the_witness_arn() {
    let (_, _, graph) = who_can_fixture();
    let resource = format!("{} (NotResource)", pipeline("ip-1"));
    assert!(has_edge(&graph, "policy nr", EdgeKind::Grant, &resource));
}

#[test]
fn the_owner_without_statements_reaches_the_witness_by_its_stage() {
    let (_, _, graph) = who_can_fixture();
    let root = format!("acs:ram::{ID}:root");
    assert!(has_edge(&graph, &root, EdgeKind::Grant, &pipeline("ip-1")));
    // Principals without access are not drawn.
    assert!(!edges(&graph).iter().any(|(f, _, _)| f.contains("nobody")));
}

#[test]
fn output_is_the_same_whatever_the_answer_s_order() {
    let accounts = accounts();
    let answer = space_answer(&accounts);
    let mut reversed = answer.clone();
    reversed.principals.reverse();
    let first = text(|out| write_who_can_dot(out, &answer, &accounts));
    let second = text(|out| write_who_can_dot(out, &reversed, &accounts));
    assert_eq!(first, second);
    let mut diff = diff_answer(&accounts);
    let once = text(|out| write_diff_mermaid(out, &diff, &accounts));
    diff.gained.reverse();
    diff.lost.reverse();
    assert_eq!(once, text(|out| write_diff_mermaid(out, &diff, &accounts)));
}

/// Thousands of principals with access, each through its own long hostile policy name: both
/// pictures are capped, say how many are not drawn, and still parse; the Mermaid one stays
/// under Mermaid's text limit.
#[test]
fn a_large_answer_is_capped_and_says_how_many_are_not_drawn() {
    let accounts = accounts();
    let base = direct(&accounts, "user/bob", &pipeline("ip-1"));
    let principals: Vec<PrincipalAccess> = (0..3000)
        .map(|i| {
            let mut p = base.clone();
            p.principal = format!("acs:ram::{ID}:user/u{i:05}");
            if let Some((_, reached)) = &mut p.witness {
                for s in &mut reached.outcome.deciding {
                    s.policy = format!("{i}{}", HOSTILE.repeat(4));
                }
            }
            p
        })
        .collect();
    let answer = SpaceAnswer {
        principals,
        ..space_answer(&accounts)
    };
    let graph = Graph::who_can(&answer, &accounts, MAX_PRINCIPALS);
    let drawn = (graph.nodes.iter())
        .filter(|n| n.kind == NodeKind::Principal && n.label.contains(":user/u"))
        .count();
    assert_eq!(drawn, MAX_PRINCIPALS);
    let note = format!(
        "{} more principals with access not drawn",
        3000 - MAX_PRINCIPALS
    );
    assert!(graph.nodes.iter().any(|n| n.label == note), "{note}");
    let dot = text(|out| write_who_can_dot(out, &answer, &accounts));
    assert_dot_is(&graph, &dot);
    let mermaid = text(|out| write_who_can_mermaid(out, &answer, &accounts));
    assert!(mermaid.len() <= mermaid::MAX_TEXT, "{}", mermaid.len());
    // Fewer principals fit the text limit; the note counts the rest.
    let parsed = real_parsers::mermaid_parse(&[&mermaid]).remove(0);
    let shown = (parsed.vertices.iter())
        .filter(|v| v.text.contains(":user/u"))
        .count();
    let note = format!("{} more principals with access not drawn", 3000 - shown);
    assert!(parsed.vertices.iter().any(|v| v.text == note), "{note}");
    assert!(shown > 0);
}

#[test]
fn t6_unlisted_principals_are_capped_and_counted() {
    let accounts = accounts();
    let mut answer = space_answer(&accounts);
    let one = answer.unlisted.remove(0);
    answer.unlisted = (0..MAX_PRINCIPALS + 7)
        .map(|i| UnlistedPrincipals {
            account: format!("{i:016}"),
            ..one.clone()
        })
        .collect();
    let graph = Graph::who_can(&answer, &accounts, MAX_PRINCIPALS);
    let note = "7 more trust statements naming unlisted principals not drawn";
    assert!(graph.nodes.iter().any(|n| n.label == note));
    assert_mermaid_is(
        &graph,
        &text(|out| write_who_can_mermaid(out, &answer, &accounts)),
    );
}

#[test]
fn an_empty_answer_says_so() {
    let accounts = accounts();
    let answer = SpaceAnswer {
        principals: Vec::new(),
        unlisted: Vec::new(),
        ..space_answer(&accounts)
    };
    let mermaid = text(|out| write_who_can_mermaid(out, &answer, &accounts));
    assert!(mermaid.contains(
        "no principal can ecs:CancelImagePipelineExecution on acs:ecs:*:*:imagepipeline/*"
    ));
    let diff = DiffAnswer {
        gained: Vec::new(),
        lost: Vec::new(),
        ..diff_answer(&accounts)
    };
    let graph = Graph::diff(&diff, &accounts, MAX_PRINCIPALS);
    assert_eq!(graph.nodes.len(), 1);
    assert_dot_is(&graph, &text(|out| write_diff_dot(out, &diff, &accounts)));
    assert_mermaid_is(
        &graph,
        &text(|out| write_diff_mermaid(out, &diff, &accounts)),
    );
}

#[test]
fn mermaid_escape_leaves_no_syntax() {
    assert_eq!(
        mermaid::escape("acs:ecs:*:*:imagepipeline/ip-1"),
        "acs:ecs:*:*:imagepipeline/ip-1"
    );
    assert_eq!(mermaid::escape("a\"b"), "a#34;b");
    assert_eq!(
        mermaid::escape("<b>#;`|&"),
        "#60;b#62;#35;#59;#96;#124;#38;"
    );
    assert_eq!(
        mermaid::escape("a\nb\u{202e}"),
        "a#92;u#123;a#125;b#92;u#123;202e#125;"
    );
    assert_eq!(mermaid::escape("é中"), "é中");
}

#[test]
fn dot_escape_leaves_no_syntax() {
    assert_eq!(dot::escape("a\"b\\N"), "a\\\"b\\\\N");
    assert_eq!(dot::escape("a\nb\u{202e}"), "a\\\\u{a}b\\\\u{202e}");
}
