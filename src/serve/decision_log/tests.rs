//! Decision log tests: exactly the design's keys, one line per record, drops counted and
//! never a wait when the writer is stuck.

use std::io::Write;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use super::*;

const KEYS: [&str; 11] = [
    "time",
    "request_id",
    "access_key_id",
    "principal",
    "action",
    "resource",
    "decision",
    "reason",
    "stage",
    "statements",
    "latency_us",
];

fn record(request_id: &str) -> DecisionRecord<'_> {
    DecisionRecord {
        time: UNIX_EPOCH + Duration::from_micros(1_765_000_000_123_456),
        request_id,
        access_key_id: Some("AK1"),
        principal: Some("acs:ram::1234567890123456:user/alice"),
        action: Some("ecs:CancelImagePipelineExecution"),
        resource: None,
        decision: "ExplicitDeny",
        reason: "denied",
        stage: Some("ControlPolicy"),
        statements: vec!["P#0".into(), "Q#1".into()],
        latency_us: 17,
    }
}

/// A writer that hands each write to a channel.
struct Sink(mpsc::Sender<Vec<u8>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = self.0.send(buf.to_vec());
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn collect(rx: &Receiver<Vec<u8>>) -> String {
    String::from_utf8(rx.try_iter().flatten().collect()).expect("UTF-8")
}

#[test]
fn each_record_is_one_line_with_exactly_the_keys() {
    let (tx, rx) = mpsc::channel();
    let log = DecisionLog::to_writer(Box::new(Sink(tx))).expect("writer");
    log.record(&record("R-1"));
    log.record(&record("R-2"));
    log.flush();
    let text = collect(&rx);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    for (line, id) in lines.iter().zip(["R-1", "R-2"]) {
        let value: serde_json::Value = serde_json::from_str(line).expect("JSON");
        let object = value.as_object().expect("object");
        let keys: Vec<&str> = object.keys().map(String::as_str).collect();
        let mut expected = KEYS.to_vec();
        expected.sort_unstable();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, expected);
        assert_eq!(value["request_id"], id);
        assert_eq!(value["time"], "2025-12-06T05:46:40.123456Z");
        assert_eq!(value["resource"], serde_json::Value::Null);
        assert_eq!(value["statements"], serde_json::json!(["P#0", "Q#1"]));
        assert_eq!(value["latency_us"], 17);
    }
    assert_eq!(log.dropped(), 0);
}

/// A writer that blocks until told to go on.
struct Stuck(Receiver<()>);

impl Write for Stuck {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = self.0.recv();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_stuck_writer_drops_and_counts_never_waits() {
    let (go, wait) = mpsc::channel();
    let log = DecisionLog::with_capacity(Box::new(Stuck(wait)), 4).expect("writer");
    let started = std::time::Instant::now();
    for i in 0..1000 {
        log.record(&record(&format!("R-{i}")));
    }
    let (elapsed, dropped) = (started.elapsed(), log.dropped());
    // The writer is let go before anything is asserted: a failed assertion would otherwise
    // drop the log first, whose writer thread it joins is stuck on `go`, and hang the run.
    drop(go);
    assert!(
        elapsed < Duration::from_secs(2),
        "record waited {elapsed:?}"
    );
    // Through got the queue and what the writer took before it blocked: on an idle machine it
    // runs beside the loop and fills its buffer (8 KiB, a few dozen lines) first.
    assert!(dropped >= 1000 - 4 - 64, "dropped {dropped}");
}
