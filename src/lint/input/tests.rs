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

#[test]
fn terraform_modules_are_read_as_deep_as_the_wrapper_limit_allows() {
    // 500 modules: two levels each, just under the wrapper's limit; the reader recurses
    // that deep within a test thread's small stack, and the module walk does not recurse.
    let depth = 500;
    let leaf = r#"{"resources": [{"address": "module.m.alicloud_ram_policy.p", "type": "alicloud_ram_policy", "values": {"policy_document": "{}"}}]}"#;
    let text = format!(
        r#"{{"format_version": "1.2", "planned_values": {{"root_module": {}{leaf}{}}}}}"#,
        r#"{"child_modules": ["#.repeat(depth),
        "]}".repeat(depth)
    );
    let (format, docs) = detect(text.as_bytes(), "plan", None);
    assert_eq!(format, Format::Terraform);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].name, "module.m.alicloud_ram_policy.p");
}

#[test]
fn a_null_document_is_a_fault_and_an_unknown_one_a_warning() {
    let plan = br#"{"format_version": "1.2",
 "planned_values": {"root_module": {"resources": [
   {"address": "alicloud_ram_policy.a", "type": "alicloud_ram_policy", "values": {"policy_document": null}},
   {"address": "alicloud_ram_policy.b", "type": "alicloud_ram_policy", "values": {}}]}},
 "resource_changes": [{"address": "alicloud_ram_policy.b", "type": "alicloud_ram_policy",
   "change": {"after": {}, "after_unknown": {"policy_document": true}}}]}"#;
    let detected = detect_indexed(plan, "plan", None);
    assert!(detected.documents.is_empty());
    let faults: Vec<(&str, &str, &str)> = detected
        .faults
        .iter()
        .map(|f| (f.rule.id, f.document.as_str(), f.path.as_str()))
        .collect();
    assert_eq!(
        faults,
        [
            (
                "invalid-embedded-document",
                "alicloud_ram_policy.a",
                "planned_values.root_module.resources[0].values.policy_document"
            ),
            (
                "document-unknown-until-apply",
                "alicloud_ram_policy.b",
                "planned_values.root_module.resources[1].values"
            ),
        ]
    );
    assert!(detected.source.is_some());
}

#[test]
fn a_ram_resource_without_attributes_or_with_null_ones_is_a_fault_not_passed_over() {
    let plan = br#"{"format_version": "1.2", "terraform_version": "1.6.0",
 "planned_values": {"root_module": {"resources": [
   {"address": "alicloud_ram_policy.a", "type": "alicloud_ram_policy"},
   {"address": "alicloud_ram_policy.b", "type": "alicloud_ram_policy", "values": null},
   {"address": "alicloud_vpc.v", "type": "alicloud_vpc"}]}}}"#;
    let detected = detect_indexed(plan, "plan", None);
    let faults: Vec<(&str, &str, &str)> = detected
        .faults
        .iter()
        .map(|f| (f.rule.id, f.document.as_str(), f.path.as_str()))
        .collect();
    assert_eq!(
        faults,
        [
            (
                "invalid-embedded-document",
                "alicloud_ram_policy.a",
                "planned_values.root_module.resources[0]"
            ),
            (
                "invalid-embedded-document",
                "alicloud_ram_policy.b",
                "planned_values.root_module.resources[1].values"
            ),
        ]
    );
}

#[test]
fn a_yaml_template_places_findings_and_related_places_in_the_template() {
    let text = "ROSTemplateFormatVersion: '2015-09-01'\nResources:\n  P:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties:\n      PolicyName: p\n      PolicyDocument:\n        Version: '1'\n        Statement:\n          - Effect: Allow\n            Action:\n              - ecs:DescribeImagePipelines\n              - ecs:DescribeImagePipelines\n            Resource: acs:ecs:*:1234567890123456:imagepipeline/*\n";
    let detected = detect_indexed(text.as_bytes(), "t", None);
    assert_eq!(detected.format, Format::Ros);
    assert_eq!(detected.documents[0].origin, Some(Position::new(8, 9)));
    let linted = crate::lint::lint_file(text.as_bytes(), "t", None);
    let duplicate = linted[0]
        .findings
        .iter()
        .find(|f| f.rule == "duplicate-entry")
        .expect("a duplicate action");
    assert_eq!(duplicate.position, Position::new(13, 17));
    assert_eq!(duplicate.related, Some(Position::new(12, 17)));
}

#[test]
fn a_managed_policy_is_linted_as_the_document_ros_sends() {
    let text = "ROSTemplateFormatVersion: '2015-09-01'\nResources:\n  P:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties:\n      PolicyName: p\n      PolicyDocument: {Version: '1', Statement: []}\n      PolicyDocumentUnchecked: {Version: '1', Statement: [{Effect: Deny, Action: '*', Resource: '*'}]}\n";
    let detected = detect_indexed(text.as_bytes(), "t", None);
    assert_eq!(detected.documents.len(), 1);
    assert_eq!(detected.documents[0].origin, Some(Position::new(8, 32)));
}
