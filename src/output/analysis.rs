//! Renderings of access analysis (spec §8): `who-can` over a space with its `--allow-only`
//! gate, and `diff` between two versions of the accounts, as JSON, text, SARIF and Markdown.
//! The pictures (Mermaid, Graphviz) are [`super::graph`]'s.
//!
//! The renderers take what [`crate::analysis`] returns and decide nothing: the exit status,
//! and which changes block, are the caller's.

pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

use crate::analysis::gate::Gate;
use crate::analysis::{Change, DiffAnswer, Reached, SpaceAnswer, Witness};
use crate::decision::{Decision, StatementRef};
use crate::lint::request::RequestWarning;

/// What `who-can` over a space reports: the answer, the question's warnings and, with
/// `--allow-only`, the gate.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct SpaceReport<'a> {
    /// The answer.
    pub answer: &'a SpaceAnswer,
    /// Why the question may not be the one its author meant.
    pub warnings: &'a [RequestWarning],
    /// The gate's verdict, when an allow list was given.
    pub gate: Option<&'a Gate>,
}

impl<'a> SpaceReport<'a> {
    /// The report of `answer` with its `warnings`, without a gate.
    ///
    /// ```
    /// use ramcheck::analysis::SpaceAnswer;
    /// use ramcheck::output::analysis::SpaceReport;
    /// # fn demo(answer: &SpaceAnswer) {
    /// let report = SpaceReport::new(answer, &[]);
    /// assert!(report.gate.is_none());
    /// # }
    /// ```
    pub fn new(answer: &'a SpaceAnswer, warnings: &'a [RequestWarning]) -> SpaceReport<'a> {
        SpaceReport {
            answer,
            warnings,
            gate: None,
        }
    }

    /// With the gate's verdict.
    pub fn with_gate(mut self, gate: &'a Gate) -> SpaceReport<'a> {
        self.gate = Some(gate);
        self
    }
}

/// What `diff` reports: the answer, the question's warnings, and which kinds of change
/// block (`--fail-on`), which SARIF shows as errors.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct DiffReport<'a> {
    /// The answer.
    pub answer: &'a DiffAnswer,
    /// Why the question may not be the one its author meant.
    pub warnings: &'a [RequestWarning],
    /// Whether a gained access blocks.
    pub gained_blocks: bool,
    /// Whether a lost access blocks.
    pub lost_blocks: bool,
}

impl<'a> DiffReport<'a> {
    /// The report of `answer` with its `warnings`; gained access blocks, lost does not
    /// (`--fail-on gained`).
    ///
    /// ```
    /// use ramcheck::analysis::DiffAnswer;
    /// use ramcheck::output::analysis::DiffReport;
    /// # fn demo(answer: &DiffAnswer) {
    /// let report = DiffReport::new(answer, &[]).with_blocking(true, true);
    /// assert!(report.lost_blocks);
    /// # }
    /// ```
    pub fn new(answer: &'a DiffAnswer, warnings: &'a [RequestWarning]) -> DiffReport<'a> {
        DiffReport {
            answer,
            warnings,
            gained_blocks: true,
            lost_blocks: false,
        }
    }

    /// With which kinds of change block.
    pub fn with_blocking(mut self, gained: bool, lost: bool) -> DiffReport<'a> {
        self.gained_blocks = gained;
        self.lost_blocks = lost;
        self
    }
}

/// How the action reads in a sentence: `cancel` for `CancelImagePipelineExecution`, else
/// `call ACTION on`.
pub(crate) fn verb(action: &str) -> String {
    if action.eq_ignore_ascii_case(crate::decision::CANCEL_IMAGE_PIPELINE_EXECUTION) {
        "cancel".to_owned()
    } else {
        format!("call {action} on")
    }
}

pub(crate) use crate::analysis::literal_account;

/// `root`, `user/NAME`, `role/NAME` for a principal of `account`, else the ARN.
pub(crate) fn short<'p>(principal: &'p str, account: Option<&str>) -> &'p str {
    account
        .and_then(|a| {
            principal
                .strip_prefix("acs:ram::")?
                .strip_prefix(a)?
                .strip_prefix(':')
        })
        .unwrap_or(principal)
}

/// The statement that grants an allowed decision: its first deciding statement.
pub(crate) fn granting(reached: &Reached) -> Option<&StatementRef> {
    (reached.outcome.decision() == Decision::Allow)
        .then(|| reached.outcome.deciding().first())
        .flatten()
}

/// The side of a change that has the access: after for a gained one, before for a lost one.
pub(crate) fn granted(change: &Change, gained: bool) -> Option<&Reached> {
    if gained {
        change.after.as_ref()
    } else {
        change.before.as_ref()
    }
}

/// `KEY=VALUE, ...` of a witness's context; empty when it has none.
pub(crate) fn context_text(witness: &Witness) -> String {
    witness
        .context
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Answers built by hand, with outcomes decided by real policies, for the renderers'
    //! tests.

    use std::sync::Arc;

    use crate::analysis::{
        Access, Change, DiffAnswer, Hop, PrincipalAccess, Reached, SpaceAnswer, Witness,
    };
    use crate::assume::UnlistedPrincipals;
    use crate::decision::{Context, NamedPolicy, Outcome, PolicySet, Request};
    use crate::policy::{Policy, Position};

    pub const ACCOUNT: &str = "1234567890123456";
    pub const CANCEL: &str = "ecs:CancelImagePipelineExecution";

    pub fn pipeline(id: &str) -> String {
        format!("acs:ecs:cn-hangzhou:{ACCOUNT}:imagepipeline/{id}")
    }

    /// The outcome of `resource` (with `acs:SourceIp` = `ip` when given) against a policy
    /// that allows `prod-*` from `10.0.0.0/8`, in file `grants/prod.json`.
    pub fn outcome(resource: &str, ip: Option<&str>) -> Outcome {
        let policy = Policy::parse(
            r#"{"Version": "1", "Statement": [{"Sid": "ProdFromOffice", "Effect": "Allow",
              "Action": "ecs:CancelImagePipelineExecution",
              "Resource": "acs:ecs:*:*:imagepipeline/prod-*",
              "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}]}"#,
        )
        .expect("policy");
        let set = PolicySet::new(vec![NamedPolicy::new(
            "prod",
            Some("grants/prod.json".into()),
            Arc::new(policy),
        )]);
        let mut context = Context::new();
        if let Some(ip) = ip {
            context
                .insert_pair(&format!("acs:SourceIp={ip}"))
                .expect("pair");
        }
        let request = Request::new(CANCEL, resource)
            .expect("request")
            .with_context(context);
        set.decide(&request).expect("decides")
    }

    pub fn witness(id: &str, ip: Option<&str>) -> Witness {
        Witness {
            resource: pipeline(id),
            context: ip
                .map(|ip| vec![("acs:SourceIp".to_owned(), ip.to_owned())])
                .unwrap_or_default(),
        }
    }

    pub fn allowed(id: &str, via: Option<Vec<Hop>>) -> (Witness, Reached) {
        let w = witness(id, Some("10.0.0.1"));
        let outcome = outcome(&w.resource, Some("10.0.0.1"));
        assert!(outcome.decision().is_allowed());
        (w, Reached { outcome, via })
    }

    pub fn denied(id: &str) -> (Witness, Outcome) {
        let w = witness(id, None);
        let outcome = outcome(&w.resource, None);
        assert!(!outcome.decision().is_allowed());
        (w, outcome)
    }

    pub fn hop() -> Hop {
        Hop {
            role: format!("acs:ram::{ACCOUNT}:role/deployer"),
            caller_statements: Vec::new(),
            trust_statements: Vec::new(),
        }
    }

    pub fn principal(name: &str, access: Access, via: bool) -> PrincipalAccess {
        let via = via.then(|| vec![hop()]);
        PrincipalAccess {
            principal: format!("acs:ram::{ACCOUNT}:{name}"),
            account: ACCOUNT.to_owned(),
            access,
            witness: (access != Access::None).then(|| allowed("prod-7", via)),
            denied_witness: (access != Access::All).then(|| denied("prod-7")),
        }
    }

    pub fn unlisted() -> UnlistedPrincipals {
        UnlistedPrincipals {
            account: "9999999999999999".into(),
            role: "deployer".into(),
            policy: "deployer-trust".into(),
            file: Some("trust.json".into()),
            index: 0,
            position: Position::new(3, 5),
        }
    }

    pub fn space() -> SpaceAnswer {
        SpaceAnswer {
            action: CANCEL.into(),
            resource: format!("acs:ecs:*:{ACCOUNT}:imagepipeline/prod-*"),
            principals: vec![
                principal("user/alice", Access::Some, false),
                principal("user/ci-runner", Access::Some, true),
                principal("user/bob", Access::None, false),
            ],
            unlisted: vec![unlisted()],
            classes: 6,
        }
    }

    pub fn diff() -> DiffAnswer {
        let (w, after) = allowed("prod-7", Some(vec![hop()]));
        let (_, before) = denied("prod-7");
        DiffAnswer {
            action: CANCEL.into(),
            resource: format!("acs:ecs:*:{ACCOUNT}:imagepipeline/*"),
            gained: vec![Change {
                principal: format!("acs:ram::{ACCOUNT}:user/ci-runner"),
                witness: w.clone(),
                before: Some(Reached {
                    outcome: before,
                    via: None,
                }),
                after: Some(after.clone()),
            }],
            lost: vec![Change {
                principal: format!("acs:ram::{ACCOUNT}:user/old"),
                witness: w,
                before: Some(after),
                after: None,
            }],
            unlisted: Vec::new(),
        }
    }
}
