//! The decision corpus: every `tests/cases/*.json` decided by both engines, the reference
//! (`Account::decide`, `PolicySet::decide`) and the compiled authorizer (`Authorizer::compile`,
//! `authorize`, `statement_ref`), each held to the case's expected decision, stage and deciding
//! statements, or error kind. The format is in `tests/cases/README.md`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ramcheck::account::{Account, DecideError, Principal};
use ramcheck::authorizer::{AuthRequest, Authorizer, SessionPolicy};
use ramcheck::condition::value::Instant;
use ramcheck::decision::{Context, NamedPolicy, Outcome, PolicySet, Request, RequestError};
use ramcheck::policy::{Policy, PolicyKind};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// One case file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// What the case shows, citing the spec.
    description: String,
    /// An account snapshot, as `Account::from_json` reads it.
    #[serde(default)]
    account: Option<Value>,
    /// Or a pool of policies, as `PolicySet::new` takes them.
    #[serde(default)]
    policies: Option<Vec<CasePolicy>>,
    request: CaseRequest,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CasePolicy {
    name: String,
    document: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseRequest {
    #[serde(default)]
    principal: Option<String>,
    action: String,
    resource: String,
    #[serde(default)]
    context: Vec<(String, String)>,
    #[serde(default)]
    session_policy: Option<Value>,
    #[serde(default)]
    time: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    #[serde(default)]
    decision: Option<String>,
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    deciding: Option<Vec<(String, usize)>>,
    #[serde(default)]
    error: Option<String>,
}

/// What an engine answered: a decision, or the kind of error it stopped with.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    Decided {
        decision: String,
        stage: String,
        deciding: Vec<(String, usize)>,
    },
    Failed {
        kind: &'static str,
        message: String,
    },
}

impl Answer {
    fn of(outcome: &Outcome) -> Answer {
        Answer::Decided {
            decision: format!("{:?}", outcome.decision()),
            stage: outcome.stage().name().to_owned(),
            deciding: outcome
                .deciding()
                .iter()
                .map(|s| (s.policy().to_owned(), s.index()))
                .collect(),
        }
    }

    fn failed(kind: &'static str, error: impl std::fmt::Display) -> Answer {
        Answer::Failed {
            kind,
            message: error.to_string(),
        }
    }

    fn decide_error(error: DecideError) -> Answer {
        let kind = match &error {
            DecideError::UnknownPrincipal { .. } => "unknown_principal",
            DecideError::SessionPolicyWithoutSession(_) => "session_policy_without_session",
            DecideError::ResourceInTwoGroups { .. } => "resource_in_two_groups",
            DecideError::Evaluation(_) => "evaluation",
            _ => "other",
        };
        Answer::failed(kind, error)
    }
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

/// The case files, sorted; never none.
fn case_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/cases is readable")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "tests/cases holds no case: nothing was checked"
    );
    files
}

/// The session policy of a case, named `session`.
fn session_policy(document: &Value) -> Result<NamedPolicy, String> {
    let policy = Policy::parse_as(&document.to_string(), PolicyKind::Session)
        .map_err(|e| format!("session_policy does not parse: {e}"))?;
    Ok(NamedPolicy::new("session", None, Arc::new(policy)))
}

fn instant(case: &Case) -> Result<Option<Instant>, String> {
    case.request
        .time
        .as_deref()
        .map(|t| Instant::parse(t).map_err(|e| format!("request.time: {e}")))
        .transpose()
}

fn reference_request(case: &Case) -> Result<Request, RequestError> {
    let r = &case.request;
    let mut context = Context::new();
    for (key, value) in &r.context {
        context.insert(key, value)?;
    }
    let request = Request::new(&r.action, &r.resource)?.with_context(context);
    // `validate` has read the time.
    Ok(match instant(case).ok().flatten() {
        Some(now) => request.at(now),
        None => request,
    })
}

/// The reference engine's answer.
fn reference(case: &Case, account: Option<&Account>) -> Result<Answer, String> {
    let request = match reference_request(case) {
        Ok(request) => request,
        Err(e) => return Ok(Answer::failed("request", e)),
    };
    let Some(account) = account else {
        let set = PolicySet::new(named_policies(case)?);
        return Ok(match set.decide(&request) {
            Ok(outcome) => Answer::of(&outcome),
            Err(e) => Answer::failed("evaluation", e),
        });
    };
    let principal = match principal_of(case, account) {
        Ok(p) => p,
        Err(e) => return Ok(Answer::failed("principal", e)),
    };
    let session = case
        .request
        .session_policy
        .as_ref()
        .map(session_policy)
        .transpose()?;
    Ok(
        match account.decide(&principal, session.as_ref(), &request) {
            Ok(outcome) => Answer::of(&outcome),
            Err(e) => Answer::decide_error(e),
        },
    )
}

fn principal_of(case: &Case, account: &Account) -> Result<Principal, String> {
    let text = case
        .request
        .principal
        .as_deref()
        .ok_or("request.principal is required with an account")?;
    Principal::parse(text, account.id()).map_err(|e| e.to_string())
}

fn named_policies(case: &Case) -> Result<Vec<NamedPolicy>, String> {
    let policies = case.policies.as_deref().unwrap_or_default();
    policies
        .iter()
        .map(|p| {
            let policy = Policy::parse(&p.document.to_string())
                .map_err(|e| format!("policy `{}` does not parse: {e}", p.name))?;
            Ok(NamedPolicy::new(p.name.clone(), None, Arc::new(policy)))
        })
        .collect()
}

/// A pool of policies as the compiled authorizer takes it: attached at account scope to the
/// user `case` of the resource's account, which is what `PolicySet::decide` stands for.
fn account_of_policies(case: &Case, resource_account: &str) -> Result<Account, String> {
    let policies = case.policies.as_deref().unwrap_or_default();
    let documents: Map<String, Value> = policies
        .iter()
        .map(|p| (p.name.clone(), p.document.clone()))
        .collect();
    let names: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
    let account = json!({
        "account_id": resource_account,
        "policies": documents,
        "users": {"case": {"policies": names}},
    });
    Account::from_json(&account.to_string(), None, None)
        .map_err(|e| format!("the policies do not load as an account: {e}"))
}

/// The compiled authorizer's answer.
fn compiled(case: &Case, account: Option<&Account>) -> Result<Answer, String> {
    let r = &case.request;
    let pairs: Vec<(&str, &str)> = r
        .context
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let request = match AuthRequest::new(&r.action, &r.resource)
        .and_then(|request| request.with_context(&pairs))
    {
        Ok(request) => request,
        Err(e) => return Ok(Answer::failed("request", e)),
    };
    let request = match instant(case)? {
        Some(now) => request.at(now),
        None => request,
    };
    let synthesized;
    let (account, principal) = match account {
        Some(account) => match principal_of(case, account) {
            Ok(principal) => (account, principal),
            Err(e) => return Ok(Answer::failed("principal", e)),
        },
        None => {
            synthesized = account_of_policies(case, request.account())?;
            let principal = Principal::parse("user/case", synthesized.id())
                .map_err(|e| format!("the user of the policies: {e}"))?;
            (&synthesized, principal)
        }
    };
    let authorizer =
        Authorizer::compile(account).map_err(|e| format!("the account does not compile: {e}"))?;
    let session = match &r.session_policy {
        Some(document) => Some(
            SessionPolicy::compile(&session_policy(document)?)
                .map_err(|e| format!("the session policy does not compile: {e}"))?,
        ),
        None => None,
    };
    let id = match authorizer.principal(&principal) {
        Ok(id) => id,
        Err(e) => return Ok(Answer::decide_error(e)),
    };
    let decision = match authorizer.authorize(id, session.as_ref(), &request) {
        Ok(decision) => decision,
        Err(e) => return Ok(Answer::decide_error(e)),
    };
    let deciding = decision
        .deciding()
        .map(|id| {
            authorizer
                .statement_ref(id, session.as_ref(), &request)
                .map(|s| (s.policy().to_owned(), s.index()))
                .map_err(|e| format!("statement_ref: {e}"))
        })
        .collect::<Result<_, String>>()?;
    Ok(Answer::Decided {
        decision: format!("{:?}", decision.decision()),
        stage: decision.stage().name().to_owned(),
        deciding,
    })
}

/// Checks the case's own shape: what the runner refuses rather than guess.
fn validate(case: &Case) -> Result<(), String> {
    if case.description.trim().is_empty() {
        return Err("description is empty".into());
    }
    instant(case)?;
    match (&case.account, &case.policies) {
        (Some(_), Some(_)) | (None, None) => {
            return Err("give exactly one of `account` and `policies`".into())
        }
        (None, Some(policies)) => {
            if case.request.principal.is_some() || case.request.session_policy.is_some() {
                return Err("`principal` and `session_policy` need an `account`".into());
            }
            // The reference takes `acs:PrincipalARN` from the context, the user the compiled
            // engine decides for has its own: such a case needs an account.
            let text: String = policies.iter().map(|p| p.document.to_string()).collect();
            let in_context = case.request.context.iter().map(|(k, _)| k.as_str());
            if text.to_ascii_lowercase().contains("acs:principalarn")
                || in_context
                    .clone()
                    .any(|k| k.eq_ignore_ascii_case("acs:PrincipalARN"))
            {
                return Err("a case on `acs:PrincipalARN` needs an `account`".into());
            }
        }
        (Some(_), None) => {}
    }
    let e = &case.expect;
    match (&e.error, &e.decision, &e.stage, &e.deciding) {
        (Some(_), None, None, None) | (None, Some(_), Some(_), Some(_)) => Ok(()),
        _ => {
            Err("`expect` needs either `error` alone or `decision`, `stage` and `deciding`".into())
        }
    }
}

/// Where an answer differs from the expectation, one line per field.
fn differences(engine: &str, expect: &Expect, answer: &Answer) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |field: &str, expected: String, found: String| {
        if expected != found {
            out.push(format!(
                "{engine}: `{field}`: expected {expected}, found {found}"
            ));
        }
    };
    match (answer, &expect.error) {
        (Answer::Failed { kind, message }, Some(expected)) => {
            check("error", expected.clone(), format!("{kind} ({message})"));
            if expected == kind {
                out.clear();
            }
        }
        (Answer::Failed { kind, message }, None) => {
            check("error", "no error".into(), format!("{kind} ({message})"));
        }
        (Answer::Decided { decision, .. }, Some(expected)) => {
            check(
                "error",
                expected.clone(),
                format!("a decision ({decision})"),
            );
        }
        (
            Answer::Decided {
                decision,
                stage,
                deciding,
            },
            None,
        ) => {
            check(
                "decision",
                expect.decision.clone().unwrap_or_default(),
                decision.clone(),
            );
            check(
                "stage",
                expect.stage.clone().unwrap_or_default(),
                stage.clone(),
            );
            check(
                "deciding",
                format!("{:?}", expect.deciding.as_deref().unwrap_or_default()),
                format!("{deciding:?}"),
            );
        }
    }
    out
}

/// Every difference of one case file, each line naming the file.
fn run(path: &Path) -> Vec<String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let fail = |why: String| vec![format!("{name}: {why}")];
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => return fail(format!("unreadable: {e}")),
    };
    let case: Case = match serde_json::from_str(&text) {
        Ok(case) => case,
        Err(e) => return fail(format!("does not parse as a case: {e}")),
    };
    if let Err(e) = validate(&case) {
        return fail(e);
    }
    let account = match &case.account {
        Some(account) => match Account::from_json(&account.to_string(), None, Some(&name)) {
            Ok(account) => Some(account),
            Err(e) => return fail(format!("`account` does not load: {e}")),
        },
        None => None,
    };
    let mut out = Vec::new();
    let answers = [
        ("reference", reference(&case, account.as_ref())),
        ("compiled", compiled(&case, account.as_ref())),
    ];
    for (engine, answer) in &answers {
        match answer {
            Ok(answer) => out.extend(differences(engine, &case.expect, answer)),
            Err(e) => out.push(format!("{engine}: {e}")),
        }
    }
    // Both engines fail with the same error, word for word (E6), not only the same kind. (A
    // pool of policies is read as documents of their own by the reference and inside an
    // account by the compiled engine, so positions differ there.)
    if let [(_, Ok(Answer::Failed { message: r, .. })), (_, Ok(Answer::Failed { message: c, .. }))] =
        &answers
    {
        if r != c && account.is_some() {
            out.push(format!(
                "the engines' errors differ: reference `{r}`, compiled `{c}`"
            ));
        }
    }
    out.into_iter()
        .map(|line| format!("{name}: {line}"))
        .collect()
}

#[test]
fn every_case_decides_as_expected_on_both_engines() {
    let files = case_files();
    let failures: Vec<String> = files.iter().flat_map(|path| run(path)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn the_runner_refuses_a_case_it_cannot_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = [
        ("not-json.json", "{"),
        (
            "unknown-field.json",
            r#"{"description": "x", "policies": [], "request": {"action": "ecs:A", "resource": "acs:ecs:r:1:x/y"}, "expect": {"error": "request"}, "extra": 1}"#,
        ),
        (
            "no-engine-input.json",
            r#"{"description": "x", "request": {"action": "ecs:A", "resource": "acs:ecs:r:1:x/y"}, "expect": {"error": "request"}}"#,
        ),
        (
            "half-expectation.json",
            r#"{"description": "x", "policies": [], "request": {"action": "ecs:A", "resource": "acs:ecs:r:1:x/y"}, "expect": {"decision": "Allow"}}"#,
        ),
        (
            "wrong-decision.json",
            r#"{"description": "x", "policies": [], "request": {"action": "ecs:A", "resource": "acs:ecs:r:1234567890123456:x/y"}, "expect": {"decision": "Allow", "stage": "AccountLevelIdentityBasedPolicy", "deciding": []}}"#,
        ),
    ];
    for (name, text) in broken {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let failures = run(&path);
        assert!(!failures.is_empty(), "{name} passed");
        assert!(failures.iter().all(|f| f.starts_with(name)), "{failures:?}");
    }
    let wrong = run(&dir.path().join("wrong-decision.json"));
    assert_eq!(
        wrong,
        [
            "wrong-decision.json: reference: `decision`: expected Allow, found ImplicitDeny",
            "wrong-decision.json: compiled: `decision`: expected Allow, found ImplicitDeny",
        ]
    );
}
