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
//!    iteratively (however deep they nest), named by its Terraform address; the same address
//!    with the same document in several sections is linted once. A resource whose document is
//!    `null`, not a string or missing is a fault of the file (`invalid-embedded-document`), one
//!    whose document is known only after apply (`after_unknown`) a warning
//!    (`document-unknown-until-apply`), both positioned in the file;
//! 3. the output of `aliyun ram GetPolicy` or `GetPolicyVersion`: the document is the JSON string
//!    `DefaultPolicyVersion.PolicyDocument` or `PolicyVersion.PolicyDocument`;
//! 4. an account snapshot: its inline policies and roles' trust policies, in the file's
//!    positions;
//! 5. a ROS template in JSON or YAML: its roles' `AssumeRolePolicyDocument` (trust policies)
//!    and its other RAM documents, which ROS holds as mappings, in the template's positions. A
//!    YAML template is read by the ROS reader (`source::ros::tree`), and a document
//!    in it is linted as its JSON rendering, whose findings are placed back in the template
//!    (`Placement`). A document that uses an intrinsic function is not linted but reported
//!    (`document-unknown-until-apply`): ROS computes it at deploy time. YAML that is not a
//!    template stays a file that is not a policy (`invalid-json`).
//!
//! An embedded document is linted as its own text (the decoded string), so positions point into
//! it. What to do with the documents is [`crate::lint`]'s job.

use std::collections::HashSet;

pub mod recognise;

use super::frame::Frame;
use super::registry::Rule;
use super::rules::{grammar, wrapper};
use crate::policy::json::{self, get_str, member, object, strings, Limits, Member, Node, Value};
use crate::policy::{PolicyKind, Position, Source, Span};
use crate::source::ros::tree;
use crate::source::terraform::{self, is_terraform};
use placement::Placement;

/// How deep a wrapper format (a Terraform plan, an account snapshot) may nest: modules nest
/// as deep as the configuration does, two levels each, far beyond a policy's own limit; the
/// bound keeps the recursive reader's stack small.
pub(crate) const MAX_WRAPPER_DEPTH: usize = 1024;

/// One document found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
    /// Where the text's tokens stand in the file, when the text is a rendering of part of it
    /// (a document of a YAML template, linted as JSON): the positions of its findings are
    /// mapped back through it.
    pub(crate) placement: Option<Placement>,
    /// How its text maps onto the file's bytes.
    pub(crate) frame: Frame,
}

/// The format a file was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// A policy document (or something that is not JSON).
    Policy,
    /// `terraform show -json` output.
    Terraform,
    /// `aliyun ram GetPolicy` / `GetPolicyVersion` output.
    GetPolicy,
    /// A ramcheck account snapshot (`account_id` at the top level): its inline policies and
    /// trust policies are linted where they stand, with the account file's positions.
    Account,
    /// A ROS template in JSON or YAML (`ROSTemplateFormatVersion`): its RAM documents (a
    /// role's `AssumeRolePolicyDocument` as a trust policy) are linted where they stand, with
    /// the template's positions.
    Ros,
}

/// What [`detect_indexed`] found in a file.
pub(crate) struct Detected {
    pub(crate) format: Format,
    pub(crate) documents: Vec<Document>,
    /// The file's text indexed by line, when positions are the file's: the documents' of an
    /// account snapshot (finding their origins indexed it already), or the faults'.
    pub(crate) source: Option<Source>,
    /// Faults of the wrapper itself, positioned in the file.
    pub(crate) faults: Vec<Fault>,
}

/// A fault of a wrapper format about one of its documents: a Terraform resource whose
/// document is missing, `null`, not a string, or not known until apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fault {
    /// The document it is about (the resource's address).
    pub(crate) document: String,
    /// The kind its resource type gives it.
    pub(crate) kind: PolicyKind,
    pub(crate) rule: &'static Rule,
    /// Where, in the file.
    pub(crate) span: Span,
    /// The JSON path in the file.
    pub(crate) path: String,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
}

/// [`detect`], with the faults of the wrapper and the file's text when positions are the
/// file's.
pub(crate) fn detect_indexed(bytes: &[u8], name: &str, kind: Option<PolicyKind>) -> Detected {
    let plain = |kind| Detected {
        format: Format::Policy,
        documents: vec![Document {
            name: name.to_owned(),
            bytes: bytes.to_vec(),
            kind,
            origin: None,
            placement: None,
            frame: Frame::File,
        }],
        source: None,
        faults: Vec::new(),
    };
    let wrapper = Limits {
        depth: MAX_WRAPPER_DEPTH,
        ..Limits::POLICY
    };
    let parsed = match json::parse_bytes_nested(bytes, wrapper) {
        // More values than a policy may hold: only a wrapper is read whole, and which format
        // the file is in shows in its top-level keys, read without keeping anything below.
        Err(e) if e.too_many_values => {
            let is_wrapper = json::top_level_members(bytes).is_ok_and(|members| {
                is_terraform(&members)
                    || is_account(&members)
                    || member(&members, "ROSTemplateFormatVersion").is_some()
                    || members
                        .iter()
                        .any(|m| GET_POLICY_VERSIONS.contains(&m.key.as_str()))
            });
            if !is_wrapper {
                // The policy reader reports the ceiling.
                return plain(kind);
            }
            let unbounded = Limits {
                values: usize::MAX,
                ..wrapper
            };
            json::parse_bytes_nested(bytes, unbounded)
        }
        parsed => parsed,
    };
    let Ok((text, root)) = parsed else {
        return ros_yaml(bytes, name).unwrap_or_else(|| plain(kind));
    };
    let Value::Object(members) = &root.value else {
        return plain(kind);
    };
    if is_terraform(members) {
        let mut faults = Vec::new();
        let documents = terraform(text, members, &mut faults);
        return Detected {
            format: Format::Terraform,
            documents,
            source: Some(Source::new(text)),
            faults,
        };
    }
    if is_account(members) {
        let (documents, source) = account(text, members);
        return Detected {
            format: Format::Account,
            documents,
            source: Some(source),
            faults: Vec::new(),
        };
    }
    if member(members, "ROSTemplateFormatVersion").is_some() {
        let (documents, source, faults) = ros(text, members);
        return Detected {
            format: Format::Ros,
            documents,
            source: Some(source),
            faults,
        };
    }
    if let Some(documents) = get_policy(text, members, kind) {
        return Detected {
            format: Format::GetPolicy,
            documents,
            source: Some(Source::new(text)),
            faults: Vec::new(),
        };
    }
    // Guessed from the tree already parsed here, not by parsing the text again.
    plain(Some(kind.unwrap_or_else(|| kind_of(members))))
}

/// The documents in a file, with the format it was recognised as. `name` names a plain
/// document; `kind` (when given) is the kind of plain and GetPolicy documents, while Terraform
/// documents take theirs from the resource type; a plain JSON document without one gets the
/// kind guessed from it.
pub fn detect(bytes: &[u8], name: &str, kind: Option<PolicyKind>) -> (Format, Vec<Document>) {
    let detected = detect_indexed(bytes, name, kind);
    (detected.format, detected.documents)
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

/// An account snapshot's top-level keys.
fn is_account(members: &[Member]) -> bool {
    member(members, "account_id").is_some() && member(members, "Statement").is_none()
}

/// The keys under which `aliyun ram GetPolicy` / `GetPolicyVersion` put the document.
const GET_POLICY_VERSIONS: [&str; 2] = ["DefaultPolicyVersion", "PolicyVersion"];

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

fn terraform<'a>(text: &'a str, members: &'a [Member], faults: &mut Vec<Fault>) -> Vec<Document> {
    let mut plan = Plan {
        text,
        documents: Vec::new(),
        faults,
        unknown: HashSet::new(),
        seen: HashSet::new(),
        faulted: HashSet::new(),
    };
    let changes = match member(members, "resource_changes").map(|n| &n.value) {
        Some(Value::Array(changes)) => changes.as_slice(),
        _ => &[],
    };
    // Which documents are known only after apply, from `after_unknown`, first: the planned
    // values leave such a document out, which is not a fault then.
    for change in changes {
        let Value::Object(change) = &change.value else {
            continue;
        };
        let (Some(address), Some(ty)) = (get_str(change, "address"), get_str(change, "type"))
        else {
            continue;
        };
        let Some((attributes, _)) = terraform_type(ty) else {
            continue;
        };
        let unknown = object(member(change, "change"))
            .and_then(|c| object(member(c, "after_unknown")))
            .is_some_and(|u| {
                attributes
                    .iter()
                    .any(|a| matches!(member(u, a).map(|n| &n.value), Some(Value::Bool(true))))
            });
        if unknown {
            plan.unknown.insert(address);
        }
    }
    if let Some(root) =
        object(member(members, "planned_values")).and_then(|v| member(v, "root_module"))
    {
        plan.modules(root, "planned_values.root_module");
    }
    for (i, change) in changes.iter().enumerate() {
        let Value::Object(change) = &change.value else {
            continue;
        };
        let (Some(address), Some(ty)) = (get_str(change, "address"), get_str(change, "type"))
        else {
            continue;
        };
        // No `after`: the resource is destroyed.
        if let Some(after) = object(member(change, "change")).and_then(|c| member(c, "after")) {
            if matches!(after.value, Value::Object(_)) {
                let path = format!("resource_changes[{i}].change.after");
                plan.resource(address, ty, after, &path);
            }
        }
    }
    if let Some(root) = object(member(members, "values")).and_then(|v| member(v, "root_module")) {
        plan.modules(root, "values.root_module");
    }
    plan.documents
}

/// The documents of a Terraform plan or state as they are found, with the faults.
struct Plan<'a, 'f> {
    /// The file's text, which the documents' strings are mapped into.
    text: &'a str,
    documents: Vec<Document>,
    faults: &'f mut Vec<Fault>,
    /// The addresses whose document is known only after apply.
    unknown: HashSet<&'a str>,
    /// The documents taken, by address and text: the same one in several sections is linted
    /// once. Hashed, so a plan with thousands of resources is not compared pairwise.
    seen: HashSet<(&'a str, &'a str)>,
    /// The faults taken, by address and rule, likewise.
    faulted: HashSet<(&'a str, &'static str)>,
}

impl<'a> Plan<'a, '_> {
    /// The resources of a module and of every module below it, in document order. Iterative:
    /// modules nest as deep as the configuration does, and a recursion could run out of stack
    /// on a plan the reader accepts.
    fn modules(&mut self, root: &'a Node, path: &str) {
        terraform::walk_modules(root, path, |resource| {
            let Value::Object(r) = &resource.node.value else {
                return;
            };
            let (Some(address), Some(ty)) = (get_str(r, "address"), get_str(r, "type")) else {
                return;
            };
            // A RAM resource without its attributes has no document either: that is a fault
            // at the resource, not a resource passed over.
            let (values, at) = match member(r, "values") {
                Some(values) => (values, format!("{}.values", resource.path)),
                None => (resource.node, resource.path),
            };
            self.resource(address, ty, values, &at);
        });
    }

    /// One resource's document, or its fault. `values` is its attributes object, at `path`.
    fn resource(&mut self, address: &'a str, ty: &str, values: &'a Node, path: &str) {
        let Some((attributes, kind)) = terraform_type(ty) else {
            return;
        };
        // Attributes that are not an object hold no document.
        let members: &[Member] = match &values.value {
            Value::Object(members) => members,
            _ => &[],
        };
        let document = attributes.iter().find_map(|a| match member(members, a) {
            Some(Node {
                value: Value::String(text),
                span,
            }) => Some((text, *span)),
            _ => None,
        });
        if let Some((text, span)) = document {
            if self.seen.insert((address, text)) {
                self.documents.push(Document {
                    name: address.to_owned(),
                    bytes: text.as_bytes().to_vec(),
                    kind: Some(kind),
                    origin: None,
                    placement: None,
                    frame: Frame::string(self.text, span, text),
                });
            }
            return;
        }
        // The attribute that is there but not a string, else the object that lacks it.
        let present = attributes
            .iter()
            .find_map(|a| member(members, a).map(|node| (*a, node)));
        let (span, at) = match present {
            Some((attribute, node)) => (node.span, format!("{path}.{attribute}")),
            None => (values.span, path.to_owned()),
        };
        let fault = if self.unknown.contains(address) {
            Fault {
                document: address.to_owned(),
                kind,
                rule: &wrapper::DOCUMENT_UNKNOWN_UNTIL_APPLY,
                span,
                path: at,
                message: format!("the policy document of `{address}` is known only after apply"),
                help: Some(
                    "it is computed from values Terraform knows only after apply (often a data \
                     source or another resource's attribute); lint the state after apply, or \
                     build the document from known values"
                        .to_owned(),
                ),
            }
        } else {
            let names = attributes
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(" or ");
            let message = match present {
                Some((attribute, node)) => format!(
                    "the policy document of `{address}` is not a JSON string: `{attribute}` is {}",
                    node.value.type_name()
                ),
                None => format!("`{address}` has no policy document: no {names}"),
            };
            Fault {
                document: address.to_owned(),
                kind,
                rule: &wrapper::INVALID_EMBEDDED_DOCUMENT,
                span,
                path: at,
                message,
                help: Some(format!(
                    "RAM needs a document: set {names} to the policy's JSON text \
                     (`jsonencode(...)` or a heredoc)"
                )),
            }
        };
        if self.faulted.insert((address, fault.rule.id)) {
            self.faults.push(fault);
        }
    }
}

/// The inline policies of an account snapshot, each with its place in the file. A policy
/// named in a `control_policies` list is checked as a control policy. Policies given as paths
/// are files of their own, linted when they are named on the command line. The file's text
/// comes back with them, indexed by line.
fn account(text: &str, members: &[Member]) -> (Vec<Document>, Source) {
    let source = Source::new(text);
    let mut control: Vec<&str> = Vec::new();
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
    let inline = |name: String, entry: &Node, kind: PolicyKind| {
        let document = inline_document(entry)?;
        let slice = text
            .as_bytes()
            .get(document.span.start..document.span.end)?;
        Some(Document {
            name,
            bytes: slice.to_vec(),
            kind: Some(kind),
            origin: Some(source.position(document.span.start)),
            placement: None,
            frame: Frame::Slice(document.span.start),
        })
    };
    let mut documents: Vec<Document> = object(member(members, "policies"))
        .unwrap_or_default()
        .iter()
        .filter_map(|m| {
            let kind = if control.contains(&m.key.as_str()) {
                PolicyKind::Control
            } else {
                PolicyKind::Identity
            };
            inline(m.key.clone(), &m.value, kind)
        })
        .collect();
    // Trust policies (T1), checked as such whatever they hold.
    for role in object(member(members, "roles")).unwrap_or_default() {
        if let Some(trust) = object(Some(&role.value)).and_then(|r| member(r, "trust_policy")) {
            let name = format!("{} (trust policy)", role.key);
            documents.extend(inline(name, trust, PolicyKind::Trust));
        }
    }
    (documents, source)
}

/// The inline document of an account snapshot's policy entry: the entry itself, or the
/// `document` of `{"document": ..., "origin": ...}`; `None` for a path (a file of its own,
/// linted when it is named on the command line).
fn inline_document(entry: &Node) -> Option<&Node> {
    let Value::Object(members) = &entry.value else {
        return None;
    };
    let document = if ["document", "origin"]
        .iter()
        .any(|k| member(members, k).is_some())
    {
        member(members, "document")?
    } else {
        entry
    };
    matches!(document.value, Value::Object(_)).then_some(document)
}

/// The document properties of a ROS resource type: its own document (the properties that may
/// hold it, the first present winning, with the kind it is checked as), and whether it takes
/// inline `Policies` (each with a `PolicyDocument`). Both readers of templates (JSON here,
/// YAML in [`ros_yaml`]) look the same documents up here.
fn ros_type(ty: &str) -> (Option<(&'static [&'static str], PolicyKind)>, bool) {
    match ty {
        "ALIYUN::RAM::Role" => (
            Some((&["AssumeRolePolicyDocument"], PolicyKind::Trust)),
            true,
        ),
        // ROS sends `PolicyDocumentUnchecked` in place of `PolicyDocument` when both are given,
        // as `ramcheck snapshot` reads them.
        "ALIYUN::RAM::ManagedPolicy" => (
            Some((
                &["PolicyDocumentUnchecked", "PolicyDocument"],
                PolicyKind::Identity,
            )),
            false,
        ),
        "ALIYUN::ResourceManager::ControlPolicy" => {
            (Some((&["PolicyDocument"], PolicyKind::Control)), false)
        }
        "ALIYUN::RAM::User" | "ALIYUN::RAM::Group" => (None, true),
        _ => (None, false),
    }
}

/// Whether a mapping's keys are those of a ROS intrinsic function: one key, `Ref` or `Fn::...`.
fn is_function<'k>(mut keys: impl Iterator<Item = &'k str>) -> Option<&'k str> {
    let key = keys.next()?;
    (keys.next().is_none() && (key == "Ref" || key.starts_with("Fn::"))).then_some(key)
}

/// The fault of a template's document that ROS computes at deploy time (an intrinsic function
/// in it or in its place): it is not linted, since its value is not in the template, and
/// linting the function as if it were policy text would give false findings. Resolving the
/// functions is `ramcheck snapshot`'s job, and its output is linted as an account snapshot.
fn ros_computed(name: &str, kind: PolicyKind, function: &str, span: Span, path: String) -> Fault {
    Fault {
        message: format!(
            "the policy document of `{name}` uses `{function}`, which ROS evaluates when it \
             deploys the template: the document is not linted"
        ),
        help: Some(
            "lint the account the template deploys, with its functions evaluated: `ramcheck \
             snapshot --account-id ID TEMPLATE > account.json`, then `ramcheck lint \
             account.json`"
                .to_owned(),
        ),
        ..ros_fault(
            &wrapper::DOCUMENT_UNKNOWN_UNTIL_APPLY,
            name,
            kind,
            span,
            path,
        )
    }
}

/// The fault of a template's document that is neither a mapping nor JSON text.
fn ros_not_document(name: &str, kind: PolicyKind, found: &str, span: Span, path: String) -> Fault {
    Fault {
        message: format!(
            "the policy document of `{name}` is not a mapping or JSON text: found {found}"
        ),
        help: Some("give the document as a mapping, or as its JSON text in a string".to_owned()),
        ..ros_fault(&wrapper::INVALID_EMBEDDED_DOCUMENT, name, kind, span, path)
    }
}

/// A fault of `rule` about a template's document, without its text yet.
fn ros_fault(rule: &'static Rule, name: &str, kind: PolicyKind, span: Span, path: String) -> Fault {
    Fault {
        document: name.to_owned(),
        kind,
        rule,
        span,
        path,
        message: String::new(),
        help: None,
    }
}

/// A document a ROS template gives as JSON text (a control policy's, always): linted as its
/// own text, as Terraform's are.
fn ros_embedded(name: String, text: &str, kind: PolicyKind, frame: Frame) -> Document {
    Document {
        name,
        bytes: text.as_bytes().to_vec(),
        kind: Some(kind),
        origin: None,
        placement: None,
        frame,
    }
}

/// The documents of a ROS template (JSON) that RAM will hold, each in the template's
/// positions, named by its logical id: a role's `AssumeRolePolicyDocument` (a trust policy),
/// a `ManagedPolicy`'s `PolicyDocument`, the `PolicyDocument` of each inline `Policies` item
/// of a user, group or role, and a control policy's `PolicyDocument`; with the faults of those
/// that cannot be linted.
fn ros(text: &str, members: &[Member]) -> (Vec<Document>, Source, Vec<Fault>) {
    let source = Source::new(text);
    let mut documents = Vec::new();
    let mut faults = Vec::new();
    let mut push = |name: String, node: &Node, kind: PolicyKind, path: String| match &node.value {
        Value::String(embedded) => documents.push(ros_embedded(
            name,
            embedded,
            kind,
            Frame::string(text, node.span, embedded),
        )),
        Value::Object(_) => {
            if let Some((function, at)) = json_function(node) {
                faults.push(ros_computed(&name, kind, function, at.span, path));
            } else if let Some(slice) = text.as_bytes().get(node.span.start..node.span.end) {
                documents.push(Document {
                    name,
                    bytes: slice.to_vec(),
                    kind: Some(kind),
                    origin: Some(source.position(node.span.start)),
                    placement: None,
                    frame: Frame::Slice(node.span.start),
                });
            }
        }
        other => faults.push(ros_not_document(
            &name,
            kind,
            other.type_name(),
            node.span,
            path,
        )),
    };
    for resource in object(member(members, "Resources")).unwrap_or_default() {
        let Some(fields) = object(Some(&resource.value)) else {
            continue;
        };
        let (Some(ty), Some(properties)) = (
            get_str(fields, "Type"),
            object(member(fields, "Properties")),
        ) else {
            continue;
        };
        let id = &resource.key;
        let at = format!("Resources.{id}.Properties");
        let (own, inline) = ros_type(ty);
        if let Some((keys, kind)) = own {
            if let Some((key, node)) = keys.iter().find_map(|k| Some((k, member(properties, k)?))) {
                push(id.clone(), node, kind, format!("{at}.{key}"));
            }
        }
        if !inline {
            continue;
        }
        if let Some(Value::Array(items)) = member(properties, "Policies").map(|n| &n.value) {
            for (i, item) in items.iter().enumerate() {
                let Some(policy) = object(Some(item)) else {
                    continue;
                };
                let name = match get_str(policy, "PolicyName") {
                    Some(name) => format!("{id} ({name})"),
                    None => id.clone(),
                };
                if let Some(node) = member(policy, "PolicyDocument") {
                    let path = format!("{at}.Policies[{i}].PolicyDocument");
                    push(name, node, PolicyKind::Identity, path);
                }
            }
        }
    }
    (documents, source, faults)
}

/// The first intrinsic function in a document of a JSON template, or in its place.
fn json_function(node: &Node) -> Option<(&str, &Node)> {
    // Iterative: the wrapper's depth limit is far beyond a small stack's.
    let mut pending = vec![node];
    while let Some(node) = pending.pop() {
        match &node.value {
            Value::Object(members) => {
                if let Some(function) = is_function(members.iter().map(|m| m.key.as_str())) {
                    return Some((function, node));
                }
                pending.extend(members.iter().rev().map(|m| &m.value));
            }
            Value::Array(items) => pending.extend(items.iter().rev()),
            _ => {}
        }
    }
    None
}

/// A ROS template in YAML: a file that is not JSON, with the key `ROSTemplateFormatVersion`
/// at the start of a line, read by the ROS reader ([`crate::source::ros::tree`]). `None` for
/// anything else, which stays what it was: a file that is not a policy (`invalid-json`). A
/// template the reader refuses is one fault, where the reader stopped.
fn ros_yaml(bytes: &[u8], name: &str) -> Option<Detected> {
    let text = std::str::from_utf8(bytes).ok()?;
    // Only a top-level key makes a template: other YAML (a CI configuration, a manifest) is
    // not read as one.
    let keyed = text.lines().any(|line| {
        line.strip_prefix("ROSTemplateFormatVersion")
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    });
    if !keyed {
        return None;
    }
    let source = Source::new(text);
    let mut documents = Vec::new();
    let mut faults = Vec::new();
    match tree::read(text) {
        Ok(root) if root.get("ROSTemplateFormatVersion").is_some() => {
            yaml_documents(&root, &source, &mut documents, &mut faults);
        }
        Ok(_) => return None,
        Err(e) => {
            let start = source.offset(e.at).unwrap_or(0);
            faults.push(Fault {
                document: name.to_owned(),
                kind: PolicyKind::Identity,
                rule: &grammar::INVALID_JSON,
                span: Span::new(start, start),
                path: String::new(),
                message: format!("the ROS template cannot be read: {}", e.message),
                help: e.help,
            });
        }
    }
    Some(Detected {
        format: Format::Ros,
        documents,
        source: Some(source),
        faults,
    })
}

/// The documents of a YAML template, as [`ros`] finds them in a JSON one. A document given as
/// a mapping is rendered as JSON, one line, and linted as that, its findings placed back in
/// the template through the rendering's [`Placement`].
fn yaml_documents(
    root: &tree::Node,
    source: &Source,
    documents: &mut Vec<Document>,
    faults: &mut Vec<Fault>,
) {
    let span_at = |at: Position| {
        let start = source.offset(at).unwrap_or(0);
        Span::new(start, start)
    };
    let mut push =
        |name: String, node: &tree::Node, kind: PolicyKind, path: String| match &node.value {
            tree::Value::String(embedded) => {
                let at = source.offset(node.at).unwrap_or(0);
                let frame = Frame::yaml_string(source.text(), at, embedded);
                documents.push(ros_embedded(name, embedded, kind, frame));
            }
            tree::Value::Object(_) => {
                if let Some((function, at)) = tree_function(node) {
                    faults.push(ros_computed(&name, kind, function, span_at(at), path));
                    return;
                }
                let (text, placement) = placement::render(node, source);
                documents.push(Document {
                    name,
                    bytes: text.into_bytes(),
                    kind: Some(kind),
                    origin: Some(node.at),
                    placement: Some(placement),
                    frame: Frame::Rendered,
                });
            }
            other => faults.push(ros_not_document(
                &name,
                kind,
                other.type_name(),
                span_at(node.at),
                path,
            )),
        };
    let resources = match root.get("Resources").map(|n| &n.value) {
        Some(tree::Value::Object(resources)) => resources.as_slice(),
        _ => &[],
    };
    for resource in resources {
        let (Some(tree::Value::String(ty)), Some(properties)) = (
            resource.value.get("Type").map(|n| &n.value),
            resource.value.get("Properties"),
        ) else {
            continue;
        };
        let id = &resource.key;
        let at = format!("Resources.{id}.Properties");
        let (own, inline) = ros_type(ty);
        if let Some((keys, kind)) = own {
            if let Some((key, node)) = keys.iter().find_map(|k| Some((k, properties.get(k)?))) {
                push(id.clone(), node, kind, format!("{at}.{key}"));
            }
        }
        if !inline {
            continue;
        }
        if let Some(tree::Value::Array(items)) = properties.get("Policies").map(|n| &n.value) {
            for (i, item) in items.iter().enumerate() {
                let name = match item.get("PolicyName").map(|n| &n.value) {
                    Some(tree::Value::String(name)) => format!("{id} ({name})"),
                    _ => id.clone(),
                };
                if let Some(node) = item.get("PolicyDocument") {
                    let path = format!("{at}.Policies[{i}].PolicyDocument");
                    push(name, node, PolicyKind::Identity, path);
                }
            }
        }
    }
}

/// The first intrinsic function in a document of a YAML template (short forms such as `!Sub`
/// are long ones in the tree), with where it stands.
fn tree_function(node: &tree::Node) -> Option<(&str, Position)> {
    let mut pending = vec![node];
    while let Some(node) = pending.pop() {
        match &node.value {
            tree::Value::Object(members) => {
                if let Some(function) = is_function(members.iter().map(|m| m.key.as_str())) {
                    return Some((function, node.at));
                }
                pending.extend(members.iter().rev().map(|m| &m.value));
            }
            tree::Value::Array(items) => pending.extend(items.iter().rev()),
            _ => {}
        }
    }
    None
}

fn get_policy(file: &str, members: &[Member], kind: Option<PolicyKind>) -> Option<Vec<Document>> {
    let version = GET_POLICY_VERSIONS
        .iter()
        .find_map(|k| object(member(members, k)))?;
    let document = member(version, "PolicyDocument")?;
    let Value::String(text) = &document.value else {
        return None;
    };
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
        placement: None,
        frame: Frame::string(file, document.span, text),
    }])
}

mod placement;
#[cfg(test)]
mod tests;
