//! `ramcheck diff`: who gains or loses access between two versions of the accounts (A4).
//!
//! A side is several account sources (snapshots, Terraform plans or states, ROS
//! templates: one account each), or several policy documents: then it is one account
//! whose user `policy-holder` has exactly those policies, the account being `--account-id`
//! or the one the resource pattern names.

use std::path::Path;

use clap::{Args, ValueEnum};
use ramcheck::analysis::{self, DEFAULT_MAX_CASES};
use ramcheck::assume::Accounts;
use ramcheck::decision::CANCEL_IMAGE_PIPELINE_EXECUTION;
use ramcheck::lint::request::{account_warning, unlisted_warning};
use ramcheck::output::{analysis as render, graph};
use ramcheck::source::{self, Input, PlanSide};
use serde_json::{json, Value};

use super::check::{enforce_strict, print_warnings};
use super::space::{analysis_failure, literal_account, parse_max_cases, question};
use super::{
    read_input, warn_unused, write_stdout_without, Chatter, Failure, Limits, SourceArgs,
    SpaceFormat, Status,
};

/// The user that holds the policy documents of a side given as documents.
pub(crate) const POLICY_HOLDER: &str = "policy-holder";

/// Flags of `diff`, as typed.
#[derive(Debug, Args)]
#[command(after_help = super::help::DIFF)]
pub(crate) struct DiffArgs {
    /// The accounts before the change: account sources (one per account) or policy documents
    /// (of one user); one or more values, repeatable.
    #[arg(long, value_name = "INPUT", num_args = 1..)]
    before: Vec<String>,
    /// The accounts after the change, as `--before`.
    #[arg(long, value_name = "INPUT", num_args = 1..)]
    after: Vec<String>,
    /// A Terraform plan (`terraform show -json`): before is its prior state, after its
    /// planned values.
    #[arg(long, value_name = "PLAN")]
    plan: Option<String>,
    #[command(flatten)]
    source: SourceArgs,
    /// The action.
    #[arg(long, value_name = "ACTION", default_value = CANCEL_IMAGE_PIPELINE_EXECUTION)]
    action: String,
    /// The resource pattern, e.g. `acs:ecs:cn-*:1234567890123456:imagepipeline/prod-*`;
    /// by default every image pipeline of the accounts.
    #[arg(long, value_name = "PATTERN")]
    resource: Option<String>,
    /// A context key fixed to a value (repeatable); the keys not given range over every
    /// value (and absence).
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
    /// Which changes exit 1: `gained` (the default), `changed` (gained or lost), `never`.
    #[arg(long = "fail-on", value_enum, value_name = "CHANGE", default_value_t = FailOn::Gained)]
    fail_on: FailOn,
    /// The most classes one principal's question may split into; more is an error (exit 2),
    /// never a partial answer.
    #[arg(long = "max-cases", value_name = "N", default_value_t = DEFAULT_MAX_CASES, value_parser = parse_max_cases)]
    max_cases: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SpaceFormat::Text)]
    format: SpaceFormat,
    /// Refuse (exit 2) a question that draws a warning (an unknown action, resource type or
    /// context key) instead of answering it: a typo would otherwise gain nothing and pass.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    limits: Limits,
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    /// Exit 1 when some principal gains access.
    Gained,
    /// Exit 1 when some principal gains or loses access.
    Changed,
    /// Exit 0 whatever changed.
    Never,
}

pub(crate) fn run(args: DiffArgs) -> Result<Status, Failure> {
    let asked = question(
        &args.action,
        args.resource.as_deref(),
        &args.context,
        args.max_cases,
    )?;
    let mut warnings = asked.warnings;
    enforce_strict(args.strict, &warnings, "question")?;
    let (before, after) = load_sides(&args)?;
    if let Some(home) = args.resource.as_deref().and_then(literal_account) {
        if before.get(home).is_none() && after.get(home).is_none() {
            let first = after.iter().next().map_or("", |a| a.id());
            warnings.extend(account_warning(&asked.sample, first));
        }
    }
    enforce_strict(args.strict, &warnings, "question")?;
    let answer = analysis::diff(&before, &after, &asked.question).map_err(analysis_failure)?;
    warnings.extend(answer.unlisted.iter().map(unlisted_warning));
    let report = render::DiffReport::new(&answer, &warnings).with_blocking(
        args.fail_on != FailOn::Never,
        args.fail_on == FailOn::Changed,
    );
    if args.format != SpaceFormat::Json {
        print_warnings(&warnings);
    }
    let chatter = match args.format {
        SpaceFormat::Text => Chatter::LastLine,
        _ => Chatter::None,
    };
    write_stdout_without(&chatter, |out| match args.format {
        SpaceFormat::Text => render::text::write_diff(out, &report),
        SpaceFormat::Json => render::json::write_diff(out, &report),
        SpaceFormat::Sarif => render::sarif::write(out, &render::sarif::diff_log(&report)),
        SpaceFormat::Markdown => render::markdown::write_diff(out, &report),
        SpaceFormat::Mermaid => graph::write_diff_mermaid(out, &answer, &after),
        SpaceFormat::Dot => graph::write_diff_dot(out, &answer, &after),
    })?;
    let blocks = match args.fail_on {
        FailOn::Gained => !answer.gained.is_empty() || !answer.unlisted.is_empty(),
        FailOn::Changed => {
            !answer.gained.is_empty() || !answer.unlisted.is_empty() || !answer.lost.is_empty()
        }
        FailOn::Never => false,
    };
    Ok(if blocks { Status::Denied } else { Status::Ok })
}

/// Both sides, from `--plan` or from `--before` and `--after`.
fn load_sides(args: &DiffArgs) -> Result<(Accounts, Accounts), Failure> {
    let options = args.source.options(args.limits)?;
    if let Some(plan) = &args.plan {
        if !args.before.is_empty() || !args.after.is_empty() {
            return Err(Failure::new(
                "`--plan` cannot be combined with `--before` or `--after`: the plan gives both sides",
            )
            .with_help("give `--plan PLAN.json`, or `--before INPUT... --after INPUT...`"));
        }
        if args.source.plan_side.is_some() {
            return Err(Failure::new(
                "`--plan-side` cannot be combined with `--plan`, which reads both sides",
            )
            .with_help("drop `--plan-side`"));
        }
        let input = read(plan, args.limits)?;
        if input.format() != source::Format::Terraform {
            return Err(Failure::new(format!(
                "--plan: `{plan}` is not `terraform show -json` output (no `format_version` or `terraform_version`)"
            ))
            .with_help("give a Terraform plan, or compare inputs with `--before INPUT... --after INPUT...`"));
        }
        warn_unused(plan, &input, &args.source);
        let side = |side: PlanSide| -> Result<Accounts, Failure> {
            let account = input.account(&options.clone().with_plan_side(side))?;
            accounts(vec![account], "--plan")
        };
        return Ok((side(PlanSide::Before)?, side(PlanSide::After)?));
    }
    if args.before.is_empty() || args.after.is_empty() {
        return Err(Failure::new(
            "`diff` needs `--before INPUT... --after INPUT...`, or `--plan PLAN.json`",
        )
        .with_help("INPUT is an account snapshot, a Terraform plan or state, a ROS template, or a policy document"));
    }
    if [&args.before, &args.after]
        .iter()
        .flat_map(|side| side.iter())
        .filter(|f| *f == "-")
        .count()
        > 1
    {
        return Err(Failure::new("`-` is given more than once")
            .with_help("standard input can be read only once"));
    }
    let before = read_side(&args.before, args.limits)?;
    let after = read_side(&args.after, args.limits)?;
    let (before, after) = match (before, after) {
        (before @ Side::Documents(_), after @ Side::Documents(_))
        | (before @ Side::Sources(_), after @ Side::Sources(_)) => (before, after),
        (before, after) => return Err(kinds_disagree(&before, &after, &options)),
    };
    let holder = match (&before, &args.source.account_id) {
        (Side::Documents(_), None) => Some(
            args.resource
                .as_deref()
                .and_then(literal_account)
                .filter(|a| a.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| {
                    Failure::new(
                        "policy documents are the policies of one user of the resources' account, and no account is known",
                    )
                    .with_help("give `--account-id ID`, or a `--resource` pattern that names one account, e.g. `acs:ecs:*:1234567890123456:imagepipeline/*`")
                })?
                .to_owned(),
        ),
        (Side::Documents(_), Some(id)) => Some(id.clone()),
        (Side::Sources(_) | Side::Mixed(..), _) => None,
    };
    if holder.is_some() {
        // `--account-id` names the holder's account; the other source flags are for
        // account sources.
        for unused in args.source.unused(source::Format::Snapshot) {
            if !unused.starts_with("`--account-id`") {
                super::diagnostic::warning(
                    "unused-source-flag",
                    &format!("{unused}; the sides are policy documents, so it is ignored"),
                );
            }
        }
    }
    let load = |side: Side, flag: &str| -> Result<Accounts, Failure> {
        match side {
            Side::Documents(documents) => {
                let id = holder.as_deref().unwrap_or_default();
                let input = Input::from_bytes(
                    holder_snapshot(id, &documents).into_bytes(),
                    Some(flag),
                    None,
                );
                accounts(vec![input.account(&options)?], flag)
            }
            Side::Sources(inputs) => {
                let mut loaded = Vec::with_capacity(inputs.len());
                for Source { file, input, .. } in inputs {
                    warn_unused(&file, &input, &args.source);
                    loaded.push(input.account(&options)?);
                }
                accounts(loaded, flag)
            }
            // Refused above, with the error of the files involved; kept closed here.
            Side::Mixed(..) => Err(kinds_disagree(&side, &side, &options)),
        }
    };
    Ok((load(before, "--before")?, load(after, "--after")?))
}

fn accounts(loaded: Vec<ramcheck::account::Account>, flag: &str) -> Result<Accounts, Failure> {
    Accounts::new(loaded).map_err(|e| {
        Failure::new(format!("{flag}: {e}")).with_help("give each account's source once on a side")
    })
}

/// One side's inputs, read.
enum Side {
    /// Policy documents: (file, document).
    Documents(Vec<(String, Value)>),
    /// Account sources.
    Sources(Vec<Source>),
    /// Both kinds, which cannot be compared: the documents' files, and the sources.
    Mixed(Vec<String>, Vec<Source>),
}

/// One account source of a side: its file, its input, and its bytes when it may have been
/// meant as a policy document (JSON without `account_id` that does not read as one).
struct Source {
    file: String,
    input: Input,
    policy_like: Option<Vec<u8>>,
}

/// The error when the kinds of the inputs disagree (a side mixes them, or one side is
/// documents and the other sources). A policy document that does not parse is taken for an
/// account source: its own error (`file:line:column`, what, how to fix) comes first, then
/// any account source's loader error; failing both, which file is of which kind.
fn kinds_disagree(before: &Side, after: &Side, options: &source::SourceOptions) -> Failure {
    let mut documents = Vec::new();
    let mut sources = Vec::new();
    for side in [before, after] {
        match side {
            Side::Documents(d) => documents.extend(d.iter().map(|(file, _)| file.as_str())),
            Side::Sources(s) => sources.extend(s),
            Side::Mixed(d, s) => {
                documents.extend(d.iter().map(String::as_str));
                sources.extend(s);
            }
        }
    }
    documents.sort_unstable();
    documents.dedup();
    for source in &sources {
        if let Some(bytes) = &source.policy_like {
            if let Err(e) =
                ramcheck::policy::Policy::from_bytes(bytes, ramcheck::policy::PolicyKind::Identity)
            {
                return Failure::from(e.with_file(&source.file));
            }
        }
    }
    for source in &sources {
        if let Err(e) = source.input.account(options) {
            return Failure::from(e);
        }
    }
    let named = |files: &mut dyn Iterator<Item = &str>| {
        files
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Failure::new(format!(
        "policy documents ({}) and account sources ({}) cannot be compared: an account source is not read as a policy document, as it has `account_id` or is a Terraform or ROS file",
        named(&mut documents.iter().copied()),
        named(&mut sources.iter().map(|s| s.file.as_str())),
    ))
    .with_help("give policy documents on both sides, or account sources on both (one per account)")
}

fn read(file: &str, limits: Limits) -> Result<Input, Failure> {
    let bytes = read_input(file, limits.max_file_size)?;
    let base = if file == "-" {
        None
    } else {
        Path::new(file).parent()
    };
    Ok(Input::from_bytes(bytes, Some(file), base))
}

fn read_side(files: &[String], limits: Limits) -> Result<Side, Failure> {
    let mut documents = Vec::new();
    let mut sources = Vec::new();
    for file in files {
        let bytes = read_input(file, limits.max_file_size)?;
        match policy_document(&bytes) {
            Some(document) => documents.push((file.clone(), document)),
            None => {
                let base = if file == "-" {
                    None
                } else {
                    Path::new(file).parent()
                };
                let policy_like = policy_like(&bytes).then(|| bytes.clone());
                sources.push(Source {
                    file: file.clone(),
                    input: Input::from_bytes(bytes, Some(file), base),
                    policy_like,
                });
            }
        }
    }
    Ok(match (documents.is_empty(), sources.is_empty()) {
        (false, true) => Side::Documents(documents),
        (true, _) => Side::Sources(sources),
        (false, false) => Side::Mixed(
            documents.into_iter().map(|(file, _)| file).collect(),
            sources,
        ),
    })
}

/// Whether bytes that are no policy document may have been meant as one: JSON (by
/// [`source::detect`]) that does not parse, is no object, or is an object without
/// `account_id` that is empty or has `Statement` or `Version`.
fn policy_like(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return true;
    };
    if source::detect(text) != source::Format::Snapshot {
        return false;
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(o)) => {
            !o.contains_key("account_id")
                && (o.is_empty() || o.contains_key("Statement") || o.contains_key("Version"))
        }
        _ => true,
    }
}

/// The document, when the bytes are a JSON policy document (a top-level `Statement`, no
/// `account_id`): anything else is an account source, whose loader says what is wrong.
fn policy_document(bytes: &[u8]) -> Option<Value> {
    if std::str::from_utf8(bytes).map_or(true, |t| source::detect(t) != source::Format::Snapshot) {
        return None;
    }
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let object = value.as_object()?;
    (object.contains_key("Statement") && !object.contains_key("account_id")).then_some(value)
}

/// The snapshot of account `id` whose one user `policy-holder` has the documents: a file
/// is named by its path (so statements keep their `file:line:column`), standard input is
/// inlined.
fn holder_snapshot(id: &str, documents: &[(String, Value)]) -> String {
    let mut policies = serde_json::Map::new();
    let mut names = Vec::with_capacity(documents.len());
    for (file, document) in documents {
        let stem = Path::new(file)
            .file_stem()
            .map_or_else(|| "stdin".to_owned(), |s| s.to_string_lossy().into_owned());
        let stem = if file == "-" {
            "stdin".to_owned()
        } else {
            stem
        };
        let mut name = stem.clone();
        let mut n = 2;
        while policies.contains_key(&name) {
            name = format!("{stem}-{n}");
            n += 1;
        }
        let entry = if file == "-" {
            document.clone()
        } else {
            json!(file)
        };
        policies.insert(name.clone(), entry);
        names.push(name);
    }
    json!({
        "account_id": id,
        "policies": policies,
        "users": {POLICY_HOLDER: {"policies": names}},
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_of_one_name_are_told_apart_and_standard_input_is_inlined() {
        let document = json!({"Version": "1", "Statement": []});
        let snapshot: Value = serde_json::from_str(&holder_snapshot(
            "1234567890123456",
            &[
                ("a/p.json".to_owned(), document.clone()),
                ("b/p.json".to_owned(), document.clone()),
                ("-".to_owned(), document.clone()),
            ],
        ))
        .expect("JSON");
        assert_eq!(snapshot["policies"]["p"], "a/p.json");
        assert_eq!(snapshot["policies"]["p-2"], "b/p.json");
        assert_eq!(snapshot["policies"]["stdin"], document);
        assert_eq!(
            snapshot["users"][POLICY_HOLDER]["policies"],
            json!(["p", "p-2", "stdin"])
        );
    }

    #[test]
    fn a_policy_document_is_told_from_account_sources() {
        assert!(policy_document(br#"{"Version": "1", "Statement": []}"#).is_some());
        assert!(policy_document(br#"{"account_id": "1", "Statement": []}"#).is_none());
        assert!(policy_document(br#"{"format_version": "1.2", "Statement": []}"#).is_none());
        assert!(policy_document(b"ROSTemplateFormatVersion: '2015-09-01'\n").is_none());
        assert!(policy_document(b"not json").is_none());
    }

    #[test]
    fn a_broken_document_is_told_from_an_account_source() {
        for maybe in [
            &b"{\"Statement\": ["[..],
            br#"{"Version": "1"}"#,
            b"",
            b"{}",
            b"[]",
            b"\xff",
        ] {
            assert!(policy_like(maybe), "{maybe:?}");
        }
        for source in [
            &br#"{"account_id": "1", "Version": "1"}"#[..],
            br#"{"users": {}}"#,
            br#"{"format_version": "1.2", "terraform_version": "1.6.0"}"#,
            b"ROSTemplateFormatVersion: '2015-09-01'\n",
        ] {
            assert!(!policy_like(source), "{source:?}");
        }
    }
}
