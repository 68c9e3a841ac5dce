//! Input formats: finding the policy documents in a file.
//!
//! A file is one of
//!
//! 1. a policy document (anything that is not one of the formats below, including text that is
//!    not JSON at all, which the linter reports as `invalid-json`);
//! 2. the output of `terraform show -json`, a plan or a state: every `alicloud_ram_policy`
//!    (`policy_document`, or the older `document`), `alicloud_ram_role`
//!    (`assume_role_policy_document` or `document`: a trust policy) and
//!    `alicloud_resource_manager_control_policy` (`policy_document`: a control policy) in
//!    `planned_values`, `resource_changes[].change.after` or `values`, modules walked
//!    recursively, named by its Terraform address; the same address with the same document in
//!    several sections is linted once;
//! 3. the output of `aliyun ram GetPolicy` or `GetPolicyVersion`: the document is the JSON string
//!    `DefaultPolicyVersion.PolicyDocument` or `PolicyVersion.PolicyDocument`.
//!
//! An embedded document is linted as its own text (the decoded string), so positions point into
//! it. What to do with the documents is [`crate::lint`]'s job.

use std::collections::HashSet;

use crate::policy::json::{self, member, Member, Node, Value};
use crate::policy::{PolicyKind, Position, Source};

/// One document found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Its name: the Terraform address, the RAM policy name, or the name given for the file.
    pub name: String,
    /// Its text.
    pub bytes: Vec<u8>,
    /// The kind to check it as; `None` to guess ([`guess_kind`]). A plain JSON policy comes
    /// with its kind already guessed from the tree `detect` parsed; `None` is left for text
    /// that is not JSON.
    pub kind: Option<PolicyKind>,
    /// Where its text starts in the file, when positions are the file's (an inline policy of
    /// an account snapshot); `None` when positions are the document's own.
    pub origin: Option<Position>,
}

/// The format a file was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A policy document (or something that is not JSON).
    Policy,
    /// `terraform show -json` output.
    Terraform,
    /// `aliyun ram GetPolicy` / `GetPolicyVersion` output.
    GetPolicy,
    /// A ramcheck account snapshot (`account_id` at the top level): its inline policies are
    /// linted where they stand, with the account file's positions.
    Account,
}

/// The documents in a file, with the format it was recognised as. `name` names a plain
/// document; `kind` (when given) is the kind of plain and GetPolicy documents, while Terraform
/// documents take theirs from the resource type; a plain JSON document without one gets the
/// kind guessed from it.
pub fn detect(bytes: &[u8], name: &str, kind: Option<PolicyKind>) -> (Format, Vec<Document>) {
    let (format, documents, _) = detect_indexed(bytes, name, kind);
    (format, documents)
}

/// [`detect`], with the file's text indexed by line when the documents' positions are the
/// file's (an account snapshot): finding their origins indexed it already, and the linter
/// renders their findings with the file's lines.
pub(crate) fn detect_indexed(
    bytes: &[u8],
    name: &str,
    kind: Option<PolicyKind>,
) -> (Format, Vec<Document>, Option<Source>) {
    let plain = |kind| Document {
        name: name.to_owned(),
        bytes: bytes.to_vec(),
        kind,
        origin: None,
    };
    let Ok((_, root)) = json::parse_bytes(bytes) else {
        return (Format::Policy, vec![plain(kind)], None);
    };
    let Value::Object(members) = &root.value else {
        return (Format::Policy, vec![plain(kind)], None);
    };
    if is_terraform(members) {
        return (Format::Terraform, terraform(members), None);
    }
    if member(members, "account_id").is_some() && member(members, "Statement").is_none() {
        let (documents, source) = account(bytes, members);
        return (Format::Account, documents, Some(source));
    }
    if let Some(docs) = get_policy(members, kind) {
        return (Format::GetPolicy, docs, None);
    }
    // Guessed from the tree already parsed here, not by parsing the text again.
    let kind = kind.unwrap_or_else(|| kind_of(members));
    (Format::Policy, vec![plain(Some(kind))], None)
}

/// The documents in a file; see [`detect`].
pub fn documents(bytes: &[u8], name: &str, kind: Option<PolicyKind>) -> Vec<Document> {
    detect(bytes, name, kind).1
}

/// Tells a trust policy from an identity policy: a document is a trust policy when a statement
/// has `Principal`, and either a statement with `Principal` has no `Resource`/`NotResource` or
/// some statement names an `sts:` action. So an identity policy with a stray
/// `Principal` is checked as the identity policy it is (and gets `principal-not-allowed`).
pub fn guess_kind(bytes: &[u8]) -> PolicyKind {
    let Ok((_, root)) = json::parse_bytes(bytes) else {
        return PolicyKind::Identity;
    };
    let Value::Object(members) = &root.value else {
        return PolicyKind::Identity;
    };
    kind_of(members)
}

/// [`guess_kind`] for a document's top-level members.
fn kind_of(members: &[Member]) -> PolicyKind {
    let statements: Vec<&[Member]> = match member(members, "Statement").map(|n| &n.value) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|n| match &n.value {
                Value::Object(m) => Some(m.as_slice()),
                _ => None,
            })
            .collect(),
        Some(Value::Object(m)) => vec![m.as_slice()],
        _ => return PolicyKind::Identity,
    };
    let with_principal: Vec<&[Member]> = statements
        .iter()
        .copied()
        .filter(|s| member(s, "Principal").is_some())
        .collect();
    if with_principal.is_empty() {
        return PolicyKind::Identity;
    }
    let principal_without_resource = with_principal
        .iter()
        .any(|s| member(s, "Resource").is_none() && member(s, "NotResource").is_none());
    let any_sts = statements.iter().any(|s| {
        ["Action", "NotAction"]
            .iter()
            .filter_map(|k| member(s, k))
            .flat_map(strings)
            .any(|a| a.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("sts:")))
    });
    if principal_without_resource || any_sts {
        PolicyKind::Trust
    } else {
        PolicyKind::Identity
    }
}

fn strings(node: &Node) -> Vec<&str> {
    match &node.value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items
            .iter()
            .filter_map(|n| match &n.value {
                Value::String(s) => Some(s.as_str()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn get_str<'a>(members: &'a [Member], key: &str) -> Option<&'a str> {
    match member(members, key).map(|n| &n.value) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

fn object(node: Option<&Node>) -> Option<&[Member]> {
    match node.map(|n| &n.value) {
        Some(Value::Object(m)) => Some(m),
        _ => None,
    }
}

fn is_terraform(members: &[Member]) -> bool {
    member(members, "format_version").is_some()
        && [
            "planned_values",
            "values",
            "resource_changes",
            "terraform_version",
        ]
        .iter()
        .any(|k| member(members, k).is_some())
}

/// The document attributes of each resource type, in order of preference, and its kind.
fn terraform_type(ty: &str) -> Option<(&'static [&'static str], PolicyKind)> {
    match ty {
        "alicloud_ram_policy" => Some((&["policy_document", "document"], PolicyKind::Identity)),
        "alicloud_ram_role" => Some((
            &["assume_role_policy_document", "document"],
            PolicyKind::Trust,
        )),
        "alicloud_resource_manager_control_policy" => {
            Some((&["policy_document"], PolicyKind::Control))
        }
        _ => None,
    }
}

fn terraform(members: &[Member]) -> Vec<Document> {
    let mut out: Vec<Document> = Vec::new();
    if let Some(root) =
        object(member(members, "planned_values")).and_then(|v| member(v, "root_module"))
    {
        walk_module(root, &mut out, 0);
    }
    if let Some(Value::Array(changes)) = member(members, "resource_changes").map(|n| &n.value) {
        for change in changes {
            let Value::Object(change) = &change.value else {
                continue;
            };
            let (Some(address), Some(ty)) = (get_str(change, "address"), get_str(change, "type"))
            else {
                continue;
            };
            if let Some(after) =
                object(member(change, "change")).and_then(|c| object(member(c, "after")))
            {
                resource(address, ty, after, &mut out);
            }
        }
    }
    if let Some(root) = object(member(members, "values")).and_then(|v| member(v, "root_module")) {
        walk_module(root, &mut out, 0);
    }
    // The same address with the same document in several sections is linted once: the first
    // is kept. Hashed, so a plan with thousands of resources is not compared pairwise.
    let mut seen = HashSet::with_capacity(out.len());
    let keep: Vec<bool> = out
        .iter()
        .map(|d| seen.insert((d.name.as_str(), d.bytes.as_slice())))
        .collect();
    drop(seen);
    let mut keep = keep.into_iter();
    out.retain(|_| keep.next().unwrap_or(true));
    out
}

/// Modules nest as deep as the configuration does; the JSON reader already bounds nesting, and
/// this bound keeps the walk from recursing on anything it could not have read.
const MAX_MODULE_DEPTH: usize = 64;

/// The inline policies of an account snapshot, each with its place in the file. A policy
/// named in a `control_policies` list is checked as a control policy. Policies given as paths
/// are files of their own, linted when they are named on the command line. The file's text
/// comes back with them, indexed by line.
fn account(bytes: &[u8], members: &[Member]) -> (Vec<Document>, Source) {
    let source = Source::new(&String::from_utf8_lossy(bytes));
    let mut control: HashSet<&str> = HashSet::new();
    if let Some(path) =
        object(member(members, "resource_directory")).and_then(|d| member(d, "path"))
    {
        if let Value::Array(levels) = &path.value {
            for level in levels {
                if let Some(list) = object(Some(level)).and_then(|l| member(l, "control_policies"))
                {
                    control.extend(strings(list));
                }
            }
        }
    }
    let Some(policies) = object(member(members, "policies")) else {
        return (Vec::new(), source);
    };
    let documents = policies
        .iter()
        .filter(|m| matches!(m.value.value, Value::Object(_)))
        .filter_map(|m| {
            let slice = bytes.get(m.value.span.start..m.value.span.end)?;
            let kind = if control.contains(m.key.as_str()) {
                PolicyKind::Control
            } else {
                PolicyKind::Identity
            };
            Some(Document {
                name: m.key.clone(),
                bytes: slice.to_vec(),
                kind: Some(kind),
                origin: Some(source.position(m.value.span.start)),
            })
        })
        .collect();
    (documents, source)
}

fn walk_module(module: &Node, out: &mut Vec<Document>, depth: usize) {
    let Value::Object(module) = &module.value else {
        return;
    };
    if depth > MAX_MODULE_DEPTH {
        return;
    }
    if let Some(Value::Array(resources)) = member(module, "resources").map(|n| &n.value) {
        for r in resources {
            let Value::Object(r) = &r.value else {
                continue;
            };
            let (Some(address), Some(ty)) = (get_str(r, "address"), get_str(r, "type")) else {
                continue;
            };
            if let Some(values) = object(member(r, "values")) {
                resource(address, ty, values, out);
            }
        }
    }
    if let Some(Value::Array(children)) = member(module, "child_modules").map(|n| &n.value) {
        for child in children {
            walk_module(child, out, depth + 1);
        }
    }
}

fn resource(address: &str, ty: &str, values: &[Member], out: &mut Vec<Document>) {
    let Some((attributes, kind)) = terraform_type(ty) else {
        return;
    };
    let Some(text) = attributes.iter().find_map(|a| get_str(values, a)) else {
        return;
    };
    out.push(Document {
        name: address.to_owned(),
        bytes: text.as_bytes().to_vec(),
        kind: Some(kind),
        origin: None,
    });
}

fn get_policy(members: &[Member], kind: Option<PolicyKind>) -> Option<Vec<Document>> {
    let version = ["DefaultPolicyVersion", "PolicyVersion"]
        .iter()
        .find_map(|k| object(member(members, k)))?;
    let text = get_str(version, "PolicyDocument")?;
    let policy_name = object(member(members, "Policy")).and_then(|p| get_str(p, "PolicyName"));
    let version_id = get_str(version, "VersionId");
    let name = match (policy_name, version_id) {
        (Some(name), Some(v)) => format!("{name}@{v}"),
        (Some(name), None) => name.to_owned(),
        (None, Some(v)) => format!("PolicyVersion {v}"),
        (None, None) => "PolicyDocument".to_owned(),
    };
    Some(vec![Document {
        name,
        bytes: text.as_bytes().to_vec(),
        kind: kind.or(Some(PolicyKind::Identity)),
        origin: None,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_policy_is_guessed() {
        let trust = br#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["ecs.aliyuncs.com"]}}]}"#;
        assert_eq!(guess_kind(trust), PolicyKind::Trust);
    }

    #[test]
    fn identity_policy_with_stray_principal_stays_identity() {
        let doc = br#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*","Principal":"*"}]}"#;
        assert_eq!(guess_kind(doc), PolicyKind::Identity);
    }

    #[test]
    fn get_policy_version_is_unwrapped() {
        let doc = br#"{"RequestId":"x","PolicyVersion":{"VersionId":"v3","PolicyDocument":"{\"Version\":\"1\"}"}}"#;
        let (format, docs) = detect(doc, "file", None);
        assert_eq!(format, Format::GetPolicy);
        assert_eq!(docs[0].name, "PolicyVersion v3");
        assert_eq!(docs[0].bytes, br#"{"Version":"1"}"#);
    }

    #[test]
    fn account_snapshot_yields_its_inline_policies_with_file_positions() {
        let text = "{\"account_id\": \"1\",\n \"policies\": {\"Path\": \"p.json\",\n  \"Guard\": {\"Version\": \"1\", \"Statement\": []}},\n \"resource_directory\": {\"path\": [{\"name\": \"1\", \"control_policies\": [\"Guard\"]}]}}";
        let (format, docs) = detect(text.as_bytes(), "account", None);
        assert_eq!(format, Format::Account);
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].name, "Guard");
        assert_eq!(docs[0].kind, Some(PolicyKind::Control));
        assert_eq!(
            docs[0].origin,
            Some(Position {
                line: 3,
                column: 12
            })
        );
    }

    #[test]
    fn terraform_dedupes_same_address_and_document() {
        let doc = br#"{"format_version":"1.2","planned_values":{"root_module":{"resources":[
            {"address":"alicloud_ram_policy.p","type":"alicloud_ram_policy","values":{"policy_document":"{}"}}]}},
          "resource_changes":[{"address":"alicloud_ram_policy.p","type":"alicloud_ram_policy","change":{"after":{"policy_document":"{}"}}}]}"#;
        let (format, docs) = detect(doc, "plan", None);
        assert_eq!(format, Format::Terraform);
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].kind, Some(PolicyKind::Identity));
    }
}
