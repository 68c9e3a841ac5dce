//! Executions file and ledger tests: every fault with its place, the region scoping of the
//! resolver, and the cancel rules of every status, across reloads.

use super::*;

/// `executions.json:LINE:COLUMN` of the first `needle` in `text` (ASCII).
fn at(text: &str, needle: &str) -> String {
    at_offset(text, text.find(needle).expect("needle in text"))
}

fn at_offset(text: &str, offset: usize) -> String {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = offset - before.rfind('\n').map_or(0, |n| n + 1) + 1;
    format!("executions.json:{line}:{column}")
}

fn one(fields: &str) -> String {
    format!("{{\"executions\": {{\n  \"exec-1\": {{{fields}}}}}}}")
}

const GOOD: &str = r#""pipeline": "ip-1", "region": "cn-hangzhou", "account": "1234567890123456", "status": "BUILDING""#;

fn load(text: &str) -> Executions {
    Executions::from_bytes(text.as_bytes(), "executions.json").expect("loads")
}

fn load_err(text: &str) -> (String, Option<String>) {
    let e = Executions::from_bytes(text.as_bytes(), "executions.json").expect_err("refused");
    (e.to_string(), e.help().map(str::to_owned))
}

fn with_status(status: Status) -> Executions {
    load(&one(&GOOD.replace("BUILDING", status.as_str())))
}

#[test]
fn every_status_reads_by_its_api_name() {
    for status in Status::ALL {
        let e = with_status(status);
        assert_eq!(e.get("exec-1").map(|r| r.status), Some(status));
        assert_eq!(Status::parse(&status.to_string()), Some(status));
    }
    assert_eq!(Status::parse("building"), None);
}

#[test]
fn record_keeps_every_field() {
    let e = load(&one(GOOD));
    let r = e.get("exec-1").expect("present");
    assert_eq!(
        (
            r.pipeline_id.as_str(),
            r.region.as_str(),
            r.account_id.as_str()
        ),
        ("ip-1", "cn-hangzhou", "1234567890123456")
    );
    assert_eq!(e.len(), 1);
}

#[test]
fn unknown_status_is_positioned_with_did_you_mean() {
    let text = one(&GOOD.replace("BUILDING", "BUILDNG"));
    let (e, help) = load_err(&text);
    assert_eq!(
        e,
        format!("{}: unknown status `BUILDNG`", at(&text, "\"BUILDNG"))
    );
    assert_eq!(help.as_deref(), Some("did you mean `BUILDING`?"));
}

#[test]
fn unknown_key_is_an_error() {
    let text = one(&format!("{GOOD}, \"stauts\": \"x\""));
    let (e, help) = load_err(&text);
    assert_eq!(
        e,
        format!(
            "{}: unknown key `stauts` in execution `exec-1`",
            at(&text, "\"stauts")
        )
    );
    assert_eq!(help.as_deref(), Some("did you mean `status`?"));
}

#[test]
fn unknown_top_level_key_is_an_error() {
    let text = r#"{"executoins": {}}"#;
    let (e, help) = load_err(text);
    assert_eq!(
        e,
        format!(
            "{}: unknown key `executoins` in the executions file",
            at(text, "\"executoins")
        )
    );
    assert_eq!(help.as_deref(), Some("did you mean `executions`?"));
}

#[test]
fn every_field_is_required() {
    for key in EXECUTION_KEYS {
        let fields: Vec<&str> = GOOD
            .split(", ")
            .filter(|f| !f.starts_with(&format!("\"{key}\"")))
            .collect();
        let text = one(&fields.join(", "));
        let (e, help) = load_err(&text);
        let object = text.find("\"exec-1\": ").expect("id") + "\"exec-1\": ".len();
        let place = at_offset(&text, object);
        assert_eq!(e, format!("{place}: execution `exec-1` has no `{key}`"));
        assert!(help.is_some_and(|h| h.starts_with(&format!("add `\"{key}\""))));
    }
}

#[test]
fn repeated_execution_id_is_an_error() {
    let text = format!("{{\"executions\": {{\"exec-1\": {{{GOOD}}},\n \"exec-1\": {{{GOOD}}}}}}}");
    let (e, _) = load_err(&text);
    assert_eq!(e, format!("{}: duplicate key `exec-1` in `executions`", at(&text, "\"exec-1\": {\"pipeline\": \"ip-1\", \"region\": \"cn-hangzhou\", \"account\": \"1234567890123456\", \"status\": \"BUILDING\"}}}")));
}

#[test]
fn ids_and_regions_must_be_arn_safe() {
    for (bad, needle, what) in [
        (
            one(GOOD).replace("exec-1", "exec/1"),
            "\"exec/1",
            "invalid execution id `exec/1`",
        ),
        (
            one(&GOOD.replace("ip-1", "ip:1")),
            "\"ip:1",
            "invalid pipeline id `ip:1`",
        ),
        (
            one(&GOOD.replace("cn-hangzhou", "")),
            "\"\"",
            "invalid region ``",
        ),
        (
            one(&GOOD.replace("cn-hangzhou", "cn hangzhou")),
            "\"cn hangzhou",
            "invalid region `cn hangzhou`",
        ),
    ] {
        let (e, help) = load_err(&bad);
        assert_eq!(e, format!("{}: {what}", at(&bad, needle)));
        assert!(help.is_some_and(|h| h.contains("letters, digits and `-_.`")));
    }
}

#[test]
fn account_must_be_digits() {
    for account in ["", "12345678901234ab", "-1"] {
        let text = one(&GOOD.replace("1234567890123456", account));
        let (e, _) = load_err(&text);
        let needle = format!("\"{account}\"");
        assert_eq!(
            e,
            format!(
                "{}: `account` must be the numeric account ID, found \"{account}\"",
                at(&text, &needle)
            )
        );
    }
}

#[test]
fn values_must_be_strings() {
    let text = one(&GOOD.replace("\"BUILDING\"", "3"));
    let (e, _) = load_err(&text);
    assert_eq!(
        e,
        format!(
            "{}: `status` must be a string, found a number",
            at(&text, "3}")
        )
    );
}

#[test]
fn in_region_sees_only_that_region() {
    let text = format!(
        "{{\"executions\": {{\"exec-1\": {{{GOOD}}}, \"exec-2\": {{{}}}}}}}",
        GOOD.replace("cn-hangzhou", "cn-beijing")
    );
    let e = load(&text);
    let found = |region: &str, id: &str| {
        e.in_region(region)
            .execution(id)
            .expect("infallible")
            .map(|x| x.pipeline_id.clone())
    };
    assert_eq!(found("cn-hangzhou", "exec-1").as_deref(), Some("ip-1"));
    assert_eq!(found("cn-beijing", "exec-1"), None);
    assert_eq!(found("cn-beijing", "exec-2").as_deref(), Some("ip-1"));
    assert_eq!(found("cn-hangzhou", "exec-2"), None);
    assert_eq!(found("cn-hangzhou", "exec-3"), None);
}

#[test]
fn in_region_lends_without_copying() {
    let e = load(&one(GOOD));
    let resolver = e.in_region("cn-hangzhou");
    let found = resolver.execution("exec-1").expect("infallible");
    assert!(matches!(found, Some(Cow::Borrowed(_))));
}

#[test]
fn cancel_follows_the_status_rules() {
    // Every status: the running ones cancel and become CANCELLED; the others are refused
    // with their status, and stay as they were.
    for status in Status::ALL {
        let e = with_status(status);
        let ledger = Ledger::default();
        let result = ledger.cancel(&e, "exec-1");
        if status.is_cancellable() {
            assert_eq!(result, Ok(()), "{status}");
            assert_eq!(ledger.status(&e, "exec-1"), Some(Status::Cancelled));
            assert_eq!(
                ledger.cancel(&e, "exec-1"),
                Err(CancelError::InvalidStatus(Status::Cancelled)),
                "a second cancel of {status}"
            );
        } else {
            assert_eq!(result, Err(CancelError::InvalidStatus(status)));
            assert_eq!(ledger.status(&e, "exec-1"), Some(status));
        }
    }
    let cancellable: Vec<_> = Status::ALL
        .into_iter()
        .filter(|s| s.is_cancellable())
        .collect();
    assert_eq!(
        cancellable,
        [
            Status::Preparing,
            Status::Building,
            Status::Distributing,
            Status::Releasing
        ]
    );
}

#[test]
fn cancel_of_an_unknown_execution_is_not_found() {
    let e = load(&one(GOOD));
    let ledger = Ledger::default();
    assert_eq!(ledger.cancel(&e, "exec-9"), Err(CancelError::NotFound));
    assert_eq!(ledger.status(&e, "exec-9"), None);
}

#[test]
fn cancellation_survives_a_reload_with_the_same_status() {
    let ledger = Ledger::default();
    let first = with_status(Status::Building);
    ledger.cancel(&first, "exec-1").expect("cancels");
    let reloaded = with_status(Status::Building);
    assert_eq!(ledger.status(&reloaded, "exec-1"), Some(Status::Cancelled));
    assert_eq!(
        ledger.cancel(&reloaded, "exec-1"),
        Err(CancelError::InvalidStatus(Status::Cancelled))
    );
}

#[test]
fn the_file_wins_once_it_changes_the_status() {
    let ledger = Ledger::default();
    ledger
        .cancel(&with_status(Status::Building), "exec-1")
        .expect("cancels");
    // The file moves on: its status is the truth again, even when it returns to the status
    // it had when cancelled (a new run of the execution).
    assert_eq!(
        ledger.status(&with_status(Status::Success), "exec-1"),
        Some(Status::Success)
    );
    let rerun = with_status(Status::Building);
    assert_eq!(ledger.status(&rerun, "exec-1"), Some(Status::Building));
    assert_eq!(ledger.cancel(&rerun, "exec-1"), Ok(()));
}

#[test]
fn an_execution_gone_from_the_file_is_forgotten() {
    let ledger = Ledger::default();
    ledger
        .cancel(&with_status(Status::Building), "exec-1")
        .expect("cancels");
    let gone = load(r#"{"executions": {}}"#);
    assert_eq!(ledger.status(&gone, "exec-1"), None);
    assert_eq!(
        ledger.status(&with_status(Status::Building), "exec-1"),
        Some(Status::Building)
    );
}

#[test]
fn the_fixture_loads() {
    let e = Executions::load(Path::new("tests/fixtures/serve/executions.json")).expect("loads");
    assert!(e.get("exec-1").is_some());
    assert!(e
        .get("exec-done")
        .is_some_and(|r| !r.status.is_cancellable()));
}

#[test]
fn a_call_on_an_older_snapshot_does_not_cancel_twice() {
    // A reload moved exec-1 from BUILDING (generation 1) to DISTRIBUTING (generation 2); a
    // call on generation 2 cancels it while another still holds generation 1.
    let ledger = Ledger::default();
    let old = with_status(Status::Building).for_generation(1);
    let new = with_status(Status::Distributing).for_generation(2);
    assert_eq!(ledger.cancel(&new, "exec-1"), Ok(()));
    assert_eq!(
        ledger.cancel(&old, "exec-1"),
        Err(CancelError::InvalidStatus(Status::Cancelled))
    );
    assert_eq!(ledger.status(&old, "exec-1"), Some(Status::Cancelled));
    // The old view changed nothing: the newer snapshot still sees it cancelled.
    assert_eq!(ledger.status(&new, "exec-1"), Some(Status::Cancelled));
    // Nor does an older snapshot in which the execution is missing forget it.
    let gone = load(r#"{"executions": {}}"#).for_generation(1);
    assert_eq!(ledger.status(&gone, "exec-1"), None);
    assert_eq!(ledger.status(&new, "exec-1"), Some(Status::Cancelled));
}
