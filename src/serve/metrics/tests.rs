//! Metrics tests: the text parsed back, names, labels, histogram buckets.

use std::collections::BTreeMap;

use super::*;

/// Every sample line of the text: `name{labels}` -> value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (name, value) = l.rsplit_once(' ').expect("a sample is `name value`");
            (name.to_owned(), value.parse().expect("a number"))
        })
        .collect()
}

#[test]
fn decisions_are_counted_by_decision_and_stage() {
    let m = Metrics::new();
    m.decision("Allow", "AccountLevelIdentityBasedPolicy", 0.000_010);
    m.decision("Allow", "AccountLevelIdentityBasedPolicy", 0.000_030);
    m.decision("ExplicitDeny", "ControlPolicy", 0.002);
    m.decision("Error", "", 0.000_001);
    let s = samples(&m.encode());
    assert_eq!(
        s.get(
            r#"ramcheck_decisions_total{decision="Allow",stage="AccountLevelIdentityBasedPolicy"}"#
        ),
        Some(&2.0)
    );
    assert_eq!(
        s.get(r#"ramcheck_decisions_total{decision="ExplicitDeny",stage="ControlPolicy"}"#),
        Some(&1.0)
    );
    assert_eq!(
        s.get(r#"ramcheck_decisions_total{decision="Error",stage=""}"#),
        Some(&1.0)
    );
    assert_eq!(s.get("ramcheck_decision_seconds_count"), Some(&4.0));
    let sum = s
        .get("ramcheck_decision_seconds_sum")
        .copied()
        .unwrap_or_default();
    assert!((sum - 0.002_041).abs() < 1e-9, "{sum}");
}

#[test]
fn histogram_buckets_resolve_microseconds() {
    let observed = [3e-6, 8e-6, 15e-6, 4e-3];
    let m = Metrics::new();
    for seconds in observed {
        m.decision("Allow", "", seconds);
    }
    // `le` bound -> cumulative count, as the text gives them.
    let buckets: Vec<(f64, f64)> = samples(&m.encode())
        .into_iter()
        .filter_map(|(k, v)| {
            let le = k.strip_prefix("ramcheck_decision_seconds_bucket{le=\"")?;
            let le = le.strip_suffix("\"}")?;
            Some((
                if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().ok()?
                },
                v,
            ))
        })
        .collect();
    assert_eq!(buckets.len(), DECISION_BUCKETS.len() + 1);
    for bound in DECISION_BUCKETS.into_iter().chain([f64::INFINITY]) {
        let expected = observed.iter().filter(|&&x| x <= bound).count() as f64;
        let found = buckets
            .iter()
            .find(|(b, _)| *b == bound || (bound.is_finite() && (b - bound).abs() <= bound * 1e-9))
            .map(|(_, v)| *v);
        assert_eq!(found, Some(expected), "le={bound}");
    }
    // Microseconds apart land in different buckets.
    let first = DECISION_BUCKETS.first().copied().unwrap_or_default();
    assert!(first <= 5e-6);
}

#[test]
fn signature_failures_reloads_and_generation() {
    let m = Metrics::new();
    let s = samples(&m.encode());
    // Both reload results exist from the start.
    assert_eq!(
        s.get(r#"ramcheck_reloads_total{result="success"}"#),
        Some(&0.0)
    );
    assert_eq!(
        s.get(r#"ramcheck_reloads_total{result="failure"}"#),
        Some(&0.0)
    );
    assert_eq!(s.get("ramcheck_snapshot_generation"), Some(&0.0));
    m.signature_failure("SignatureDoesNotMatch");
    m.signature_failure("SignatureDoesNotMatch");
    m.signature_failure("SomethingNew");
    m.reload(true);
    m.reload(false);
    m.reload(false);
    m.set_generation(5);
    let s = samples(&m.encode());
    assert_eq!(
        s.get(r#"ramcheck_signature_failures_total{code="SignatureDoesNotMatch"}"#),
        Some(&2.0)
    );
    assert_eq!(
        s.get(r#"ramcheck_signature_failures_total{code="SomethingNew"}"#),
        Some(&1.0)
    );
    assert_eq!(
        s.get(r#"ramcheck_reloads_total{result="success"}"#),
        Some(&1.0)
    );
    assert_eq!(
        s.get(r#"ramcheck_reloads_total{result="failure"}"#),
        Some(&2.0)
    );
    assert_eq!(s.get("ramcheck_snapshot_generation"), Some(&5.0));
}

#[test]
fn text_declares_the_types_and_ends_with_eof() {
    let m = Metrics::new();
    m.decision("Allow", "", 1e-5);
    m.signature_failure("SignatureDoesNotMatch");
    let text = m.encode();
    for line in [
        "# TYPE ramcheck_decisions counter",
        "# TYPE ramcheck_decision_seconds histogram",
        "# TYPE ramcheck_signature_failures counter",
        "# TYPE ramcheck_reloads counter",
        "# TYPE ramcheck_snapshot_generation gauge",
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
    assert!(text.ends_with("# EOF\n"));
}

#[test]
fn every_stage_name_is_a_known_label() {
    use crate::decision::Stage;
    for stage in [
        Stage::AccountOwner,
        Stage::CrossAccount,
        Stage::ControlPolicy,
        Stage::SessionPolicy,
        Stage::AccountLevelIdentityBasedPolicy,
        Stage::ResourceGroupLevelIdentityBasedPolicy,
        Stage::AssumeRolePolicy,
    ] {
        assert!(STAGES.contains(&stage.name()), "{}", stage.name());
    }
}
