//! What `/metrics` shows: decisions by outcome and stage, their latency, signature failures by
//! code, reloads by result and the snapshot generation in force, in the Prometheus text
//! format (OpenMetrics, which Prometheus reads; serve it with [`CONTENT_TYPE`]).
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `ramcheck_decisions_total` | counter | `decision` (`Allow`, `ExplicitDeny`, `ImplicitDeny`, `Error`), `stage` |
//! | `ramcheck_decision_seconds` | histogram | |
//! | `ramcheck_signature_failures_total` | counter | `code` |
//! | `ramcheck_reloads_total` | counter | `result` (`success`, `failure`) |
//! | `ramcheck_snapshot_generation` | gauge | |
//!
//! Recording takes no lock but the label family's read lock, and allocates only the first
//! time a label value is seen.

use std::borrow::Cow;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The `Content-Type` of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The upper bounds of `ramcheck_decision_seconds`: from 5 µs to about 1.3 s, doubling, since
/// a decision takes microseconds and a call with its signature and nonce store up to
/// milliseconds.
pub const DECISION_BUCKETS: [f64; 19] = [
    5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5,
    1.0, 2.0, 5.0,
];

type Label = Cow<'static, str>;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    decision: Label,
    stage: Label,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: Label,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: Label,
}

/// The metrics of one server.
///
/// ```
/// use ramcheck::serve::metrics::Metrics;
///
/// let metrics = Metrics::new();
/// metrics.decision("Allow", "AccountLevelIdentityBasedPolicy", 0.000_012);
/// metrics.signature_failure("SignatureDoesNotMatch");
/// metrics.reload(true);
/// metrics.set_generation(2);
/// let text = metrics.encode();
/// assert!(text.contains(r#"ramcheck_decisions_total{decision="Allow",stage="AccountLevelIdentityBasedPolicy"} 1"#));
/// assert!(text.contains("ramcheck_snapshot_generation 2"));
/// ```
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    decisions: Family<DecisionLabels, Counter>,
    decision_seconds: Histogram,
    signature_failures: Family<CodeLabels, Counter>,
    reloads: Family<ResultLabels, Counter>,
    generation: Gauge,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    /// Every metric at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let decisions = Family::<DecisionLabels, Counter>::default();
        let decision_seconds = Histogram::new(DECISION_BUCKETS);
        let signature_failures = Family::<CodeLabels, Counter>::default();
        let reloads = Family::<ResultLabels, Counter>::default();
        let generation = Gauge::default();
        registry.register(
            "ramcheck_decisions",
            "Answered calls by decision and deciding stage",
            decisions.clone(),
        );
        registry.register(
            "ramcheck_decision_seconds",
            "Time from a call's arrival to its decision",
            decision_seconds.clone(),
        );
        registry.register(
            "ramcheck_signature_failures",
            "Calls refused before a decision, by error code",
            signature_failures.clone(),
        );
        registry.register(
            "ramcheck_reloads",
            "Reloads of the inputs by result",
            reloads.clone(),
        );
        registry.register(
            "ramcheck_snapshot_generation",
            "The generation of the inputs in force (0 before the first load)",
            generation.clone(),
        );
        // Both results show from the start, so that a rate over them is defined.
        for result in ["success", "failure"] {
            drop(reloads.get_or_create(&ResultLabels {
                result: Cow::Borrowed(result),
            }));
        }
        Metrics {
            registry,
            decisions,
            decision_seconds,
            signature_failures,
            reloads,
            generation,
        }
    }

    /// Counts a decision (`Allow`, `ExplicitDeny`, `ImplicitDeny`, or `Error` for a call
    /// refused before one) at `stage` (the deciding stage, or empty), taking `seconds`.
    pub fn decision(&self, decision: &str, stage: &str, seconds: f64) {
        let labels = DecisionLabels {
            decision: label(decision, &DECISIONS),
            stage: label(stage, &STAGES),
        };
        self.decisions.get_or_create(&labels).inc();
        self.decision_seconds.observe(seconds);
    }

    /// Counts a call refused with this error code before any decision.
    pub fn signature_failure(&self, code: &str) {
        let labels = CodeLabels {
            code: label(code, &CODES),
        };
        self.signature_failures.get_or_create(&labels).inc();
    }

    /// Counts a reload, successful or not.
    pub fn reload(&self, ok: bool) {
        let result = if ok { "success" } else { "failure" };
        self.reloads
            .get_or_create(&ResultLabels {
                result: Cow::Borrowed(result),
            })
            .inc();
    }

    /// Sets the generation in force.
    pub fn set_generation(&self, generation: u64) {
        self.generation
            .set(i64::try_from(generation).unwrap_or(i64::MAX));
    }

    /// The metrics as OpenMetrics text, ending with `# EOF`.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a `String` cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

const DECISIONS: [&str; 4] = ["Allow", "ExplicitDeny", "ImplicitDeny", "Error"];

/// [`crate::decision::Stage::name`]'s, the empty stage of a call refused before a decision,
/// and `ResourceBasedPolicy` (the gateway's `PolicyType` of a cross-account denial).
const STAGES: [&str; 9] = [
    "",
    "AccountOwner",
    "CrossAccount",
    "ControlPolicy",
    "SessionPolicy",
    "AccountLevelIdentityBasedPolicy",
    "ResourceGroupLevelIdentityBasedPolicy",
    "AssumeRolePolicy",
    "ResourceBasedPolicy",
];

const CODES: [&str; 16] = [
    "IncompleteSignature",
    "SignatureDoesNotMatch",
    "InvalidTimeStamp.Expired",
    "SignatureNonceUsed",
    "InvalidAccessKeyId.NotFound",
    "InvalidSecurityToken.MismatchWithAccessKey",
    "InvalidAction.NotFound",
    "InvalidVersion",
    "InvalidParameter",
    "RequestEntityTooLarge",
    "ServiceUnavailable",
    "MissingRegionId",
    "MissingExecutionId",
    "InvalidImagePipelineExecution.NotFound",
    "InternalError",
    "InvalidStatus.CancelFailed",
];

/// `value` as a label: a known value is borrowed, so that the common case allocates nothing.
fn label(value: &str, known: &[&'static str]) -> Label {
    match known.iter().find(|k| **k == value) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(value.to_owned()),
    }
}

#[cfg(test)]
mod tests;
