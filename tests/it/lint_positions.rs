//! Findings in documents embedded as JSON strings (Terraform plans, GetPolicy output) are
//! placed in the file, through every escape; the text report, the JSON and the SARIF agree.

use proptest::prelude::*;
use ramcheck::lint::lint_file;
use serde_json::{json, Value};

use crate::util::{locate, ramcheck_stdin};

/// A Terraform plan holding `document` as the policy document of one resource, its string
/// written by `encode`.
fn plan(document: &str, encode: impl Fn(&str) -> String) -> String {
    format!(
        "{{\"format_version\": \"1.2\",\n \"planned_values\": {{\"root_module\": {{\"resources\": [\n  \
         {{\"address\": \"alicloud_ram_policy.p\", \"type\": \"alicloud_ram_policy\",\n   \
         \"values\": {{\"policy_document\": {}}}}}]}}}}}}\n",
        encode(document)
    )
}

/// Every non-ASCII character (and `/`) as `\u` escapes, as some encoders write them.
fn ascii_escaped(text: &str) -> String {
    serde_json::to_string(text)
        .expect("a string encodes")
        .chars()
        .map(|c| match c {
            '/' => "\\/".to_owned(),
            c if c.is_ascii() => c.to_string(),
            c => c
                .encode_utf16(&mut [0; 2])
                .iter()
                .map(|u| format!("\\u{u:04x}"))
                .collect(),
        })
        .collect()
}

const DOCUMENT: &str = "{\"Version\": \"1\", \"Statement\": [\n  {\"Sid\": \"允许 😀 \\\"x\\\"\", \
                        \"Effect\": \"Allow\",\n   \"Action\": \"ecs:cancelimagepipelineexecution\",\n   \
                        \"Resource\": \"acs:ecs:*:*:imagepipeline/*\"}]}";

#[test]
fn text_json_and_sarif_agree_on_the_file_position_of_an_escaped_finding() {
    let file = plan(DOCUMENT, ascii_escaped);
    let (line, column) = locate(&file, "\\\"ecs:cancelimagepipelineexecution\\\"");
    let json = ramcheck_stdin(
        &["lint", "-", "--format", "json", "--fail-on", "never"],
        &file,
    );
    let finding = json.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "action-case")
        .cloned()
        .expect("an action-case finding");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(line as u64), Some(column as u64)),
        "{finding}"
    );
    let sarif = ramcheck_stdin(
        &["lint", "-", "--format", "sarif", "--fail-on", "never"],
        &file,
    );
    let sarif: Value = serde_json::from_str(&sarif.stdout).expect("SARIF is JSON");
    let result = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "action-case")
        .cloned()
        .expect("an action-case result");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(line as u64), Some(column as u64)),
        "{region}"
    );
    let text = ramcheck_stdin(&["lint", "-", "--fail-on", "never"], &file).stdout;
    assert!(
        text.contains(&format!("-:{line}:{column}: suggestion[action-case]"))
            || text.contains(&format!("-:{line}:{column}: warning[action-case]"))
            || text.contains(&format!("-:{line}:{column}: error[action-case]")),
        "{text}"
    );
    // The snippet is the file's line, carets under the escaped action.
    let file_line = file.lines().nth(line - 1).expect("the line");
    assert!(
        text.contains(&format!("{line} | {file_line}")) || text.contains(&format!("{line} | ...")),
        "{text}"
    );
    let carets = "^".repeat("\\\"ecs:cancelimagepipelineexecution\\\"".len());
    assert!(text.contains(&format!(" {carets}\n")), "{text}");
}

/// A ROS template holding a policy as a YAML block scalar (`PolicyDocument: |`): a finding
/// is at the template's line and column of the token, in JSON and SARIF, with its end.
#[test]
fn a_finding_in_a_yaml_block_scalar_is_at_the_templates_line_and_column() {
    let template = "ROSTemplateFormatVersion: '2015-09-01'\nResources:\n  Deployer:\n    \
                    Type: ALIYUN::RAM::ManagedPolicy\n    Properties:\n      PolicyName: deployer\n      \
                    PolicyDocument: |\n        {\n          \"Version\": \"1\",\n          \
                    \"Statement\": [{\"Effect\": \"Allow\",\n            \
                    \"Action\": \"ecs:cancelimagepipelineexecution\",\n            \
                    \"Resource\": \"acs:ecs:*:*:imagepipeline/*\"}]\n        }\n";
    let token = "\"ecs:cancelimagepipelineexecution\"";
    let (line, column) = locate(template, token);
    let json = ramcheck_stdin(
        &["lint", "-", "--format", "json", "--fail-on", "never"],
        template,
    );
    let finding = json.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "action-case")
        .cloned()
        .expect("an action-case finding");
    assert_eq!(
        (
            finding["line"].as_u64(),
            finding["column"].as_u64(),
            finding["end_line"].as_u64(),
            finding["end_column"].as_u64()
        ),
        (
            Some(line as u64),
            Some(column as u64),
            Some(line as u64),
            Some((column + token.len()) as u64)
        ),
        "{finding}"
    );
    let sarif = ramcheck_stdin(
        &["lint", "-", "--format", "sarif", "--fail-on", "never"],
        template,
    );
    let sarif: Value = serde_json::from_str(&sarif.stdout).expect("SARIF is JSON");
    let region = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "action-case")
        .map(|r| r["locations"][0]["physicalLocation"]["region"].clone())
        .expect("an action-case result");
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(line as u64), Some(column as u64)),
        "{region}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// For a document embedded in a plan, each finding's file span holds the escaped text of
    /// the plain document's finding, and its position and end are where that span is in the
    /// file.
    #[test]
    fn every_embedded_finding_points_at_the_plain_documents_token(
        sid in proptest::collection::vec(
            prop_oneof![Just("a"), Just("允"), Just("😀"), Just("\""), Just("\\"), Just("/"), Just("\t")],
            0..8,
        ).prop_map(|parts| parts.concat()),
        action in prop_oneof![
            Just("ecs:cancelimagepipelineexecution"),
            Just("ecs:CancelImagePipelineExecutions"),
            Just("ecs:CancelImagePipelineExecution"),
        ],
        resource in prop_oneof![Just("*"), Just("acs:ecs:*:*:imagepipeline/*"), Just("acs:ecs:cn-hangzhou:1:imagepipeline/ip-1")],
        newlines in any::<bool>(),
        ascii in any::<bool>(),
    ) {
        let statement = json!({"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource});
        let document = if newlines {
            serde_json::to_string_pretty(&json!({"Version": "1", "Statement": [statement]}))
        } else {
            serde_json::to_string(&json!({"Version": "1", "Statement": [statement]}))
        }.expect("encodes");
        let plain = lint_file(document.as_bytes(), "p", None);
        let file = if ascii {
            plan(&document, ascii_escaped)
        } else {
            plan(&document, |d| serde_json::to_string(d).expect("encodes"))
        };
        let embedded = lint_file(file.as_bytes(), "plan", None);
        prop_assert_eq!(embedded.len(), 1);
        let doc = &embedded[0];
        prop_assert!(doc.embedded);
        prop_assert_eq!(doc.source.text(), file.as_str());
        let plain_findings = &plain[0].findings;
        prop_assert_eq!(doc.findings.len(), plain_findings.len());
        for (f, p) in doc.findings.iter().zip(plain_findings) {
            prop_assert_eq!(f.rule, p.rule);
            prop_assert_eq!(f.span, p.span);
            let span = doc.file_span(f.span).expect("a JSON string maps");
            let written = &file[span.start..span.end];
            let decoded: String = serde_json::from_str(&format!("\"{written}\"")).expect("escaped text");
            prop_assert_eq!(decoded.as_str(), &document[p.span.start..p.span.end]);
            let before = &file[..span.start];
            let (line, column) = (
                before.matches('\n').count() + 1,
                before.rsplit('\n').next().unwrap_or_default().chars().count() + 1,
            );
            prop_assert_eq!((f.position.line, f.position.column), (line, column));
            let (end_line, end_column) = (
                file[..span.end].matches('\n').count() + 1,
                file[..span.end].rsplit('\n').next().unwrap_or_default().chars().count() + 1,
            );
            prop_assert_eq!((f.end.line, f.end.column), (end_line, end_column));
        }
    }
}
