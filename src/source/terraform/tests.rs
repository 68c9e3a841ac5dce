//! Terraform translation tests: one per mapping and per error, and the fixtures under
//! `tests/fixtures/terraform/` against the snapshot that describes the same account.

use serde_json::{json, Value as Json};

use super::*;
use crate::account::{Account, Principal};
use crate::condition::value::Instant;
use crate::decision::Request;

const ID: &str = "1234567890123456";

fn options() -> SourceOptions {
    SourceOptions::default().with_account_id(ID)
}

fn snapshot(text: &str) -> Json {
    match to_snapshot(text, Some("plan.json"), &options()) {
        Ok(s) => s,
        Err(e) => panic!("should translate: {e}"),
    }
}

fn error(text: &str) -> SourceError {
    match to_snapshot(text, Some("plan.json"), &options()) {
        Ok(s) => panic!("should not translate, gave {s}"),
        Err(e) => e,
    }
}

/// A state holding `resources` (each `[type, name, values]`) in the root module.
fn state(resources: &[(&str, &str, Json)]) -> String {
    let resources: Vec<Json> = resources
        .iter()
        .map(|(ty, name, values)| {
            json!({"address": format!("{ty}.{name}"), "mode": "managed", "type": ty,
                   "name": name, "values": values})
        })
        .collect();
    serde_json::to_string_pretty(
        &json!({"format_version": "1.0", "terraform_version": "1.6.6",
        "values": {"root_module": {"resources": resources}}}),
    )
    .unwrap_or_default()
}

const ALLOW: &str =
    r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}]}"#;
const TRUST: &str = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1234567890123456:root"]}}]}"#;

#[test]
fn users_groups_and_membership_map() {
    let s = snapshot(&state(&[
        (
            "alicloud_ram_user",
            "a",
            json!({"id": "2001", "name": "alice"}),
        ),
        (
            "alicloud_ram_user",
            "b",
            json!({"id": "2002", "user_name": "bob", "name": null}),
        ),
        (
            "alicloud_ram_group",
            "g",
            json!({"id": "ops", "group_name": "ops"}),
        ),
        (
            "alicloud_ram_group",
            "old",
            json!({"id": "legacy", "name": "legacy"}),
        ),
        (
            "alicloud_ram_group_membership",
            "m",
            json!({"group_name": "ops", "user_names": ["alice", "bob"]}),
        ),
        (
            "alicloud_ram_user_group_attachment",
            "u",
            json!({"group_name": "legacy", "user_name": "bob"}),
        ),
    ]));
    assert_eq!(s["users"]["alice"]["groups"], json!(["ops"]));
    assert_eq!(s["users"]["bob"]["groups"], json!(["ops", "legacy"]));
    assert_eq!(s["groups"]["legacy"], json!({"policies": []}));
    assert_eq!(s["account_id"], json!(ID));
}

#[test]
fn policies_and_attachments_map_with_origin() {
    let text = state(&[
        (
            "alicloud_ram_policy",
            "p",
            json!({"policy_name": "Ops", "policy_document": ALLOW}),
        ),
        (
            "alicloud_ram_policy",
            "old",
            json!({"name": "Old", "document": ALLOW, "policy_name": null}),
        ),
        ("alicloud_ram_user", "a", json!({"name": "alice"})),
        ("alicloud_ram_group", "g", json!({"group_name": "ops"})),
        (
            "alicloud_ram_role",
            "r",
            json!({"role_name": "deployer", "assume_role_policy_document": TRUST}),
        ),
        (
            "alicloud_ram_user_policy_attachment",
            "a",
            json!({"user_name": "alice", "policy_name": "Ops", "policy_type": "Custom"}),
        ),
        (
            "alicloud_ram_group_policy_attachment",
            "g",
            json!({"group_name": "ops", "policy_name": "AliyunECSReadOnlyAccess", "policy_type": "System"}),
        ),
        (
            "alicloud_ram_role_policy_attachment",
            "r",
            json!({"role_name": "deployer", "policy_name": "Old", "policy_type": "Custom"}),
        ),
    ]);
    let s = snapshot(&text);
    assert_eq!(s["users"]["alice"]["policies"], json!(["Ops"]));
    assert_eq!(
        s["groups"]["ops"]["policies"],
        json!(["AliyunECSReadOnlyAccess"])
    );
    assert_eq!(s["roles"]["deployer"]["policies"], json!(["Old"]));
    let ops = &s["policies"]["Ops"];
    assert_eq!(ops["document"]["Statement"][0]["Action"], json!("ecs:*"));
    assert_eq!(ops["origin"]["address"], json!("alicloud_ram_policy.p"));
    assert_eq!(ops["origin"]["file"], json!("plan.json"));
    // The position of the `policy_document` string in the file.
    let line = text
        .lines()
        .position(|l| l.contains("\"policy_document\": \"{"))
        .map(|l| l + 1);
    assert_eq!(ops["origin"]["line"].as_u64(), line.map(|l| l as u64));
    assert_eq!(
        s["policies"]["Old"]["origin"]["address"],
        json!("alicloud_ram_policy.old")
    );
}

#[test]
fn t1_role_trust_policy_is_emitted_from_either_attribute() {
    let s = snapshot(&state(&[
        (
            "alicloud_ram_role",
            "r",
            json!({"role_name": "deployer", "assume_role_policy_document": TRUST}),
        ),
        (
            "alicloud_ram_role",
            "old",
            json!({"name": "legacy", "document": TRUST}),
        ),
    ]));
    let trust = &s["roles"]["deployer"]["trust_policy"];
    assert_eq!(
        trust["document"]["Statement"][0]["Action"],
        json!("sts:AssumeRole")
    );
    assert_eq!(trust["origin"]["address"], json!("alicloud_ram_role.r"));
    assert_eq!(
        s["roles"]["legacy"]["trust_policy"]["origin"]["address"],
        json!("alicloud_ram_role.old")
    );
}

#[test]
fn t1_an_invalid_trust_policy_is_an_error_at_its_attribute() {
    let bad = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#;
    let e = error(&state(&[(
        "alicloud_ram_role",
        "r",
        json!({"role_name": "x", "assume_role_policy_document": bad}),
    )]));
    assert_eq!(e.address.as_deref(), Some("alicloud_ram_role.r"));
    assert_eq!(e.attribute.as_deref(), Some("assume_role_policy_document"));
    assert!(
        e.message
            .starts_with("the trust policy it holds is not valid"),
        "{e}"
    );
    assert_ne!(e.position, Position::START);
}

#[test]
fn resource_manager_attachments_map_principals_and_scopes() {
    let s = snapshot(&state(&[
        (
            "alicloud_resource_manager_resource_group",
            "dev",
            json!({"id": "rg-dev", "resource_group_name": "dev"}),
        ),
        (
            "alicloud_ecs_image_pipeline",
            "p",
            json!({"id": "ip-1", "resource_group_id": "rg-dev"}),
        ),
        (
            "alicloud_resource_manager_policy_attachment",
            "u",
            json!({"policy_name": "AliyunECSFullAccess", "policy_type": "System",
            "principal_name": "alice@build.onaliyun.com", "principal_type": "IMSUser", "resource_group_id": "rg-dev"}),
        ),
        (
            "alicloud_resource_manager_policy_attachment",
            "g",
            json!({"policy_name": "AliyunECSFullAccess", "policy_type": "System",
            "principal_name": "ops@group.build.onaliyun.com", "principal_type": "IMSGroup", "resource_group_id": ID}),
        ),
        (
            "alicloud_resource_manager_policy_attachment",
            "r",
            json!({"policy_name": "AliyunECSFullAccess", "policy_type": "System",
            "principal_name": "deployer", "principal_type": "ServiceRole", "resource_group_id": "rg-prod"}),
        ),
    ]));
    assert_eq!(
        s["users"]["alice"]["policies"],
        json!([{"policy": "AliyunECSFullAccess", "resource_group": "rg-dev"}])
    );
    // The account's ID as `resource_group_id` is account scope.
    assert_eq!(
        s["groups"]["ops"]["policies"],
        json!(["AliyunECSFullAccess"])
    );
    assert_eq!(
        s["roles"]["deployer"]["policies"],
        json!([{"policy": "AliyunECSFullAccess", "resource_group": "rg-prod"}])
    );
    assert_eq!(
        s["resource_groups"],
        json!({"rg-dev": [format!("acs:ecs:*:{ID}:imagepipeline/ip-1")], "rg-prod": []})
    );
}

#[test]
fn principal_names_are_read_by_type() {
    assert_eq!(
        principal_of("alice@1234.onaliyun.com", Kind::User),
        Some("alice")
    );
    assert_eq!(principal_of("alice", Kind::User), Some("alice"));
    assert_eq!(
        principal_of("ops@group.build.onaliyun.com", Kind::Group),
        Some("ops")
    );
    assert_eq!(principal_of("ops@build.onaliyun.com", Kind::Group), None);
    assert_eq!(
        principal_of("ci@role.build.onaliyun.com", Kind::Role),
        Some("ci")
    );
    assert_eq!(principal_of("alice@example.com", Kind::User), None);
    assert_eq!(principal_of("", Kind::User), None);
}

#[test]
fn an_unknown_principal_type_or_name_is_an_error() {
    let e = error(&state(&[(
        "alicloud_resource_manager_policy_attachment",
        "x",
        json!({"policy_name": "AliyunECSFullAccess",
        "policy_type": "System", "principal_name": "a@b.example.com", "principal_type": "IMSUser", "resource_group_id": "rg-1"}),
    )]));
    assert_eq!(e.attribute.as_deref(), Some("principal_name"));
    let e = error(&state(&[(
        "alicloud_resource_manager_policy_attachment",
        "x",
        json!({"policy_name": "AliyunECSFullAccess",
        "policy_type": "System", "principal_name": "a", "principal_type": "Robot", "resource_group_id": "rg-1"}),
    )]));
    assert_eq!(e.to_string(), "plan.json:16:31: `alicloud_resource_manager_policy_attachment.x` attribute `principal_type`: expected `IMSUser`, `IMSGroup` or `ServiceRole`, found `Robot`");
}

#[test]
fn an_undefined_custom_or_unknown_system_policy_is_an_error() {
    let e = error(&state(&[(
        "alicloud_ram_user_policy_attachment",
        "a",
        json!({"user_name": "alice", "policy_name": "Missing", "policy_type": "Custom"}),
    )]));
    assert_eq!(e.attribute.as_deref(), Some("policy_name"));
    assert!(
        e.message
            .contains("`Missing` is not defined by an `alicloud_ram_policy`"),
        "{e}"
    );
    let e = error(&state(&[(
        "alicloud_ram_user_policy_attachment",
        "a",
        json!({"user_name": "alice", "policy_name": "AliyunNoSuchAccess", "policy_type": "System"}),
    )]));
    assert!(e.message.contains("not a system identity policy"), "{e}");
}

#[test]
fn a_policy_defined_twice_is_an_error() {
    let e = error(&state(&[
        (
            "alicloud_ram_policy",
            "a",
            json!({"policy_name": "P", "policy_document": ALLOW}),
        ),
        (
            "alicloud_ram_policy",
            "b",
            json!({"policy_name": "P", "policy_document": ALLOW}),
        ),
    ]));
    assert_eq!(e.address.as_deref(), Some("alicloud_ram_policy.b"));
    assert!(e.message.contains("defined twice"), "{e}");
}

#[test]
fn a_missing_document_or_name_is_an_error() {
    let e = error(&state(&[(
        "alicloud_ram_policy",
        "a",
        json!({"policy_name": "P", "policy_document": null}),
    )]));
    assert_eq!(e.attribute.as_deref(), Some("policy_document"));
    assert_eq!(
        e.message,
        "`alicloud_ram_policy.a` has no `policy_document` or `document`"
    );
    let e = error(&state(&[("alicloud_ram_user", "a", json!({"id": "1"}))]));
    assert_eq!(e.attribute.as_deref(), Some("user_name"));
}

fn directory_state(attach_target: &str) -> String {
    state(&[
        (
            "alicloud_resource_manager_folder",
            "top",
            json!({"id": "fd-top", "folder_name": "top", "parent_folder_id": "r-root"}),
        ),
        (
            "alicloud_resource_manager_folder",
            "prod",
            json!({"id": "fd-prod", "folder_name": "prod", "parent_folder_id": "fd-top"}),
        ),
        (
            "alicloud_resource_manager_folder",
            "other",
            json!({"id": "fd-other", "folder_name": "other", "parent_folder_id": "r-root"}),
        ),
        (
            "alicloud_resource_manager_account",
            "me",
            json!({"id": ID, "folder_id": "fd-prod", "display_name": "me"}),
        ),
        (
            "alicloud_resource_manager_control_policy",
            "cp",
            json!({"id": "cp-1", "control_policy_name": "Guard", "policy_document": ALLOW}),
        ),
        (
            "alicloud_resource_manager_control_policy_attachment",
            "a",
            json!({"policy_id": "cp-1", "target_id": attach_target}),
        ),
        (
            "alicloud_resource_manager_control_policy_attachment",
            "off",
            json!({"policy_id": "cp-1", "target_id": "fd-other"}),
        ),
    ])
}

#[test]
fn e4_directory_path_runs_from_root_and_every_level_has_full_aliyun_access() {
    let s = snapshot(&directory_state("fd-top"));
    assert_eq!(
        s["resource_directory"],
        json!({"management_account": false, "path": [
            {"name": "Root", "control_policies": ["FullAliyunAccess"]},
            {"name": "fd-top", "control_policies": ["FullAliyunAccess", "Guard"]},
            {"name": "fd-prod", "control_policies": ["FullAliyunAccess"]},
            {"name": ID, "control_policies": ["FullAliyunAccess"]}]})
    );
    // The Root is the parent no folder declares; the account is a target too.
    let s = snapshot(&directory_state("r-root"));
    assert_eq!(
        s["resource_directory"]["path"][0]["control_policies"],
        json!(["FullAliyunAccess", "Guard"])
    );
    let s = snapshot(&directory_state(ID));
    assert_eq!(
        s["resource_directory"]["path"][3]["control_policies"],
        json!(["FullAliyunAccess", "Guard"])
    );
}

#[test]
fn e4_a_system_control_policy_is_attached_by_its_id() {
    let s = snapshot(&state(&[
        (
            "alicloud_resource_manager_account",
            "me",
            json!({"id": ID, "folder_id": null}),
        ),
        (
            "alicloud_resource_manager_control_policy_attachment",
            "a",
            json!({"policy_id": "p-FullAliyunAccess", "target_id": ID}),
        ),
    ]));
    assert_eq!(
        s["resource_directory"]["path"],
        json!([{"name": "Root", "control_policies": ["FullAliyunAccess"]},
               {"name": ID, "control_policies": ["FullAliyunAccess"]}])
    );
    let e = error(&state(&[
        ("alicloud_resource_manager_account", "me", json!({"id": ID})),
        (
            "alicloud_resource_manager_control_policy_attachment",
            "a",
            json!({"policy_id": "cp-elsewhere", "target_id": ID}),
        ),
    ]));
    assert_eq!(e.attribute.as_deref(), Some("policy_id"));
}

#[test]
fn an_account_not_among_the_member_accounts_is_an_error() {
    let text = directory_state("fd-top");
    let e = to_snapshot(
        &text,
        None,
        &SourceOptions::default().with_account_id("999"),
    )
    .err();
    assert!(e.is_some_and(|e| e
        .message
        .contains("`999` is not one of the member accounts")));
}

#[test]
fn account_id_comes_from_the_option_else_the_file_else_is_an_error() {
    let text = state(&[(
        "alicloud_resource_manager_account",
        "me",
        json!({"id": "5555", "folder_id": null}),
    )]);
    let s = to_snapshot(&text, None, &SourceOptions::default()).ok();
    assert_eq!(s.map(|s| s["account_id"].clone()), Some(json!("5555")));
    let text = r#"{"format_version": "1.0", "values": {"root_module": {"resources": [
        {"address": "data.alicloud_account.current", "mode": "data", "type": "alicloud_account", "name": "current", "values": {"id": "7777"}}]}}}"#;
    let s = to_snapshot(text, None, &SourceOptions::default()).ok();
    assert_eq!(s.map(|s| s["account_id"].clone()), Some(json!("7777")));
    let e = to_snapshot(&state(&[]), Some("s.json"), &SourceOptions::default()).err();
    assert_eq!(
        e.map(|e| (e.to_string(), e.help)),
        Some((
            "s.json:1:1: the file does not say which account it describes".to_owned(),
            Some("give it with `--account-id ID`".to_owned())
        ))
    );
}

#[test]
fn not_terraform_too_large_or_not_json_is_an_error() {
    assert_eq!(
        snapshot(r#"{"format_version": "1.0"}"#)["users"],
        json!({}),
        "an empty state"
    );
    let e = error(r#"{"account_id": "1"}"#);
    assert!(
        e.message
            .starts_with("expected the output of `terraform show -json`"),
        "{e}"
    );
    let e = error("{\"format_version\": \"1.0\",\n \"values\": }");
    assert_eq!(e.position, Position::new(2, 12));
    let big = state(&[]);
    let e = to_snapshot(&big, None, &options().with_max_file_size(10)).err();
    assert!(e.is_some_and(|e| e.message.contains("larger than the limit of 10 bytes")));
}

/// A plan whose `alicloud_ram_user_policy_attachment.a` has `policy_name` known only after
/// apply, configured with `references`.
fn unknown_plan(references: &str, policy_index: &str) -> String {
    format!(
        r#"{{"format_version": "1.2", "terraform_version": "1.6.6",
 "planned_values": {{"root_module": {{"child_modules": [{{"address": "module.iam", "resources": [
   {{"address": "module.iam.alicloud_ram_policy.p{policy_index}", "mode": "managed", "type": "alicloud_ram_policy", "name": "p", {index}
     "values": {{"policy_name": "Cancel", "policy_document": {doc}}}}},
   {{"address": "module.iam.alicloud_ram_user_policy_attachment.a", "mode": "managed", "type": "alicloud_ram_user_policy_attachment", "name": "a",
     "values": {{"user_name": "alice", "policy_type": "Custom"}}}}]}}]}}}},
 "resource_changes": [{{"address": "module.iam.alicloud_ram_user_policy_attachment.a", "module_address": "module.iam",
   "type": "alicloud_ram_user_policy_attachment", "name": "a",
   "change": {{"actions": ["create"], "after": {{"user_name": "alice", "policy_type": "Custom"}},
     "after_unknown": {{"id": true, "policy_name": true}}}}}}],
 "configuration": {{"root_module": {{"module_calls": {{"iam": {{"module": {{"resources": [
   {{"address": "alicloud_ram_user_policy_attachment.a", "mode": "managed", "type": "alicloud_ram_user_policy_attachment", "name": "a",
     "expressions": {{"policy_name": {{"references": {references}}}}}}}]}}}}}}}}}}}}"#,
        doc = serde_json::to_string(ALLOW).unwrap_or_default(),
        policy_index = policy_index.replace('"', r#"\""#),
        index = if policy_index.is_empty() {
            String::new()
        } else {
            r#""index": "prod","#.to_owned()
        },
    )
}

#[test]
fn an_unknown_value_is_resolved_through_the_configuration() {
    for (references, index) in [
        (
            r#"["alicloud_ram_policy.p.policy_name", "alicloud_ram_policy.p"]"#,
            "",
        ),
        (
            r#"["alicloud_ram_policy.p.name", "alicloud_ram_policy.p"]"#,
            "",
        ),
        (
            r#"["alicloud_ram_policy.p.id", "alicloud_ram_policy.p"]"#,
            "",
        ),
        (
            r#"["alicloud_ram_policy.p[\"prod\"].policy_name", "alicloud_ram_policy.p[\"prod\"]", "alicloud_ram_policy.p"]"#,
            r#"["prod"]"#,
        ),
    ] {
        let s = snapshot(&unknown_plan(references, index));
        assert_eq!(
            s["users"]["alice"]["policies"],
            json!(["Cancel"]),
            "{references}"
        );
    }
}

#[test]
fn an_unresolvable_unknown_value_is_an_error_naming_the_address_and_attribute() {
    for (references, index, why) in [
        (
            r#"["var.policy"]"#,
            "",
            "`var.policy` is not a reference to a resource's attribute",
        ),
        (r#"[]"#, "", "its expression references no other resource"),
        (
            r#"["alicloud_ram_policy.p", "each.key"]"#,
            r#"["prod"]"#,
            "its expression is not one attribute",
        ),
        (
            r#"["alicloud_ram_policy.q.policy_name", "alicloud_ram_policy.q"]"#,
            "",
            "names no single resource instance",
        ),
        (
            r#"["alicloud_ram_policy.p.policy_name", "alicloud_ram_policy.p", "alicloud_ram_user.u.name"]"#,
            "",
            "not one attribute",
        ),
    ] {
        let e = error(&unknown_plan(references, index));
        assert_eq!(
            e.address.as_deref(),
            Some("module.iam.alicloud_ram_user_policy_attachment.a"),
            "{references}"
        );
        assert_eq!(e.attribute.as_deref(), Some("policy_name"), "{references}");
        assert!(e.message.contains(why), "{references}: {e}");
        assert!(e.message.starts_with("known only after apply"), "{e}");
        // Where `after_unknown` says so.
        assert_eq!(
            (e.position.line, e.position.column),
            (10, 51),
            "{references}"
        );
    }
}

#[test]
fn references_are_parsed() {
    let r = parse_reference(r#"data.alicloud_ram_policy_document.d["a\"b"].document"#);
    assert!(r.is_some_and(|r| r.data
        && r.ty == "alicloud_ram_policy_document"
        && r.name == "d"
        && r.key == Some(Key::String("a\"b".into()))
        && r.attribute == "document"));
    let r = parse_reference("alicloud_ram_group.g[3].id");
    assert!(r.is_some_and(|r| r.key == Some(Key::Number("3".into())) && r.attribute == "id"));
    assert!(parse_reference("var.x").is_none());
    assert!(parse_reference("alicloud_ram_group.g").is_none());
    assert!(parse_reference("alicloud_ram_group.g[each.key].id").is_none());
    assert_eq!(
        module_path(r#"module.a["x.y"].module.b[0]"#),
        "module.a.module.b"
    );
    assert_eq!(single_traversal(&["a_b.x.id", "a_b.x"]), Some("a_b.x.id"));
    assert_eq!(single_traversal(&["a_b.x.id", "var.y"]), None);
}

#[test]
fn an_image_pipeline_created_by_the_plan_is_an_error() {
    let plan = r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [
   {"address": "alicloud_ecs_image_pipeline.p", "mode": "managed", "type": "alicloud_ecs_image_pipeline", "name": "p",
    "values": {"resource_group_id": "rg-1", "name": "p"}}]}},
 "resource_changes": [{"address": "alicloud_ecs_image_pipeline.p", "type": "alicloud_ecs_image_pipeline", "name": "p",
   "change": {"actions": ["create"], "after": {"resource_group_id": "rg-1"}, "after_unknown": {"id": true}}}]}"#;
    let e = error(plan);
    assert_eq!(e.address.as_deref(), Some("alicloud_ecs_image_pipeline.p"));
    assert_eq!(e.attribute.as_deref(), Some("id"));
}

#[test]
fn modules_nest_deeply_without_recursion() {
    let depth = 400;
    let leaf = r#"{"resources": [{"address": "module.m.alicloud_ram_user.u", "mode": "managed", "type": "alicloud_ram_user", "name": "u", "values": {"name": "deep"}}]}"#;
    let text = format!(
        r#"{{"format_version": "1.0", "values": {{"root_module": {}{leaf}{}}}}}"#,
        r#"{"child_modules": ["#.repeat(depth),
        "]}".repeat(depth)
    );
    assert!(snapshot(&text)["users"].get("deep").is_some());
}

// The fixtures: one account three ways.

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/terraform/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn translated(name: &str, side: PlanSide) -> Json {
    let options = SourceOptions::default().with_plan_side(side);
    match to_snapshot(&fixture(name), Some(name), &options) {
        Ok(s) => s,
        Err(e) => panic!("{name} should translate: {e}"),
    }
}

fn load(snapshot: &Json) -> Account {
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    match Account::from_json(&snapshot.to_string(), Some(&base), Some("translated.json")) {
        Ok(a) => a,
        Err(e) => panic!("the translated snapshot should load: {e}\n{snapshot:#}"),
    }
}

const PRINCIPALS: [&str; 5] = [
    "root",
    "user/alice",
    "user/bob",
    "user/carol",
    "role/deployer",
];

fn decisions(account: &Account) -> Vec<String> {
    let mut out = Vec::new();
    for principal in PRINCIPALS {
        for action in [
            "ecs:CancelImagePipelineExecution",
            "ecs:DescribeImagePipelines",
            "ecs:DeleteImagePipeline",
        ] {
            for (region, id) in [
                ("cn-hangzhou", "ip-dev01"),
                ("cn-hangzhou", "ip-prod01"),
                ("cn-shanghai", "ip-dev01"),
                ("ap-southeast-1", "ip-dev01"),
                ("cn-hangzhou", "ip-other"),
            ] {
                let arn = format!("acs:ecs:{region}:{ID}:imagepipeline/{id}");
                let request = match Request::new(action, &arn) {
                    Ok(r) => r.at(Instant::from_unix(1_700_000_000, 0)),
                    Err(e) => panic!("request: {e}"),
                };
                let p = Principal::parse(principal, ID).unwrap_or_else(|e| panic!("{e}"));
                let outcome = account
                    .decide(&p, None, &request)
                    .unwrap_or_else(|e| panic!("{e}"));
                out.push(format!(
                    "{principal} {action} {arn}: {:?} at {:?}",
                    outcome.decision(),
                    outcome.stage()
                ));
            }
        }
    }
    out
}

#[test]
fn plan_and_state_decide_as_the_snapshot_of_the_same_account() {
    let base =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/example-account.json");
    let expected = match Account::load(&base) {
        Ok(a) => decisions(&a),
        Err(e) => panic!("{e}"),
    };
    let plan = translated("plan.json", PlanSide::After);
    let state = translated("state.json", PlanSide::After);
    assert_eq!(decisions(&load(&plan)), expected);
    assert_eq!(decisions(&load(&state)), expected);
    // The same snapshot either way, but for where each document was found.
    let strip = |s: &Json| {
        let mut s = s.clone();
        let unwrap = |entry: &mut Json| {
            if let Some(fields) = entry.as_object_mut() {
                fields.remove("origin");
            }
        };
        if let Some(policies) = s["policies"].as_object_mut() {
            policies.values_mut().for_each(unwrap);
        }
        if let Some(roles) = s["roles"].as_object_mut() {
            roles
                .values_mut()
                .filter_map(|r| r.get_mut("trust_policy"))
                .for_each(unwrap);
        }
        s
    };
    assert_eq!(strip(&plan), strip(&state));
    assert_eq!(
        plan["roles"]["deployer"]["trust_policy"]["origin"]["address"],
        json!("module.iam.alicloud_ram_role.deployer")
    );
    assert_eq!(
        plan["policies"]["CancelHangzhou"]["origin"]["address"],
        json!(r#"module.iam.alicloud_ram_policy.this["CancelHangzhou"]"#)
    );
}

#[test]
fn plan_side_before_omits_what_the_plan_creates_and_keeps_what_it_destroys() {
    let after = translated("plan.json", PlanSide::After);
    let before = translated("plan.json", PlanSide::Before);
    assert!(after["users"].get("dave").is_none());
    assert_eq!(before["users"], json!({"dave": {"policies": []}}));
    assert_eq!(before["policies"], json!({}));
    assert_eq!(
        before["resource_groups"],
        json!({"rg-dev": [format!("acs:ecs:*:{ID}:imagepipeline/ip-dev01")]})
    );
    assert_eq!(
        before["resource_directory"]["path"][1],
        json!({"name": "fd-prod", "control_policies": ["FullAliyunAccess"]})
    );
}

/// A plan whose `alicloud_ram_policy.p` takes its document from a reference (`references`),
/// known only after apply, with `extra` resources in the planned values and `data` in the
/// prior state.
fn document_plan(references: &str, extra: &str, data: &str) -> String {
    format!(
        r#"{{"format_version": "1.2", "terraform_version": "1.6.6",
 "planned_values": {{"root_module": {{"resources": [
   {{"address": "alicloud_ram_policy.p", "mode": "managed", "type": "alicloud_ram_policy", "name": "p",
     "values": {{"policy_name": "Cancel"}}}}{extra}]}}}},
 "resource_changes": [{{"address": "alicloud_ram_policy.p", "type": "alicloud_ram_policy", "name": "p",
   "change": {{"actions": ["create"], "after": {{"policy_name": "Cancel"}},
     "after_unknown": {{"policy_document": true}}}}}}],
 "prior_state": {{"values": {{"root_module": {{"resources": [{data}]}}}}}},
 "configuration": {{"root_module": {{"resources": [
   {{"address": "alicloud_ram_policy.p", "mode": "managed", "type": "alicloud_ram_policy", "name": "p",
     "expressions": {{"policy_document": {{"references": {references}}}}}}}]}}}}}}"#
    )
}

#[test]
fn a_document_is_read_from_the_policy_document_data_source() {
    let data = format!(
        r#"{{"address": "data.alicloud_ram_policy_document.d", "mode": "data", "type": "alicloud_ram_policy_document",
            "name": "d", "values": {{"document": {}, "version": "1"}}}}"#,
        serde_json::to_string(ALLOW).unwrap_or_default()
    );
    let plan = document_plan(
        r#"["data.alicloud_ram_policy_document.d.document", "data.alicloud_ram_policy_document.d"]"#,
        "",
        &data,
    );
    let s = snapshot(&plan);
    let cancel = &s["policies"]["Cancel"];
    assert_eq!(cancel["document"]["Statement"][0]["Action"], json!("ecs:*"));
    // The policy's address, at the place in the file the text is: the data source's value.
    assert_eq!(cancel["origin"]["address"], json!("alicloud_ram_policy.p"));
    assert_eq!(cancel["origin"]["line"], json!(9));
}

#[test]
fn a_count_instance_is_referenced_by_its_number() {
    let extra = format!(
        r#",
   {{"address": "alicloud_ram_policy.src[1]", "mode": "managed", "type": "alicloud_ram_policy", "name": "src",
     "index": 1, "values": {{"policy_name": "Src1", "policy_document": {}}}}},
   {{"address": "alicloud_ram_policy.src[0]", "mode": "managed", "type": "alicloud_ram_policy", "name": "src",
     "index": 0, "values": {{"policy_name": "Src0", "policy_document": "not json"}}}}"#,
        serde_json::to_string(ALLOW).unwrap_or_default()
    );
    let plan = document_plan(
        r#"["alicloud_ram_policy.src[1].policy_document", "alicloud_ram_policy.src[1]", "alicloud_ram_policy.src"]"#,
        &extra,
        "",
    );
    // `src[0]` holds no valid document: the error names it, not `p`.
    let e = error(&plan);
    assert_eq!(e.address.as_deref(), Some("alicloud_ram_policy.src[0]"));
    // Once `src[0]` is valid, `p` reads `src[1]`'s document.
    let s = snapshot(&plan.replace(
        r#""not json""#,
        &serde_json::to_string(ALLOW).unwrap_or_default(),
    ));
    assert_eq!(
        s["policies"]["Cancel"]["document"]["Statement"][0]["Action"],
        json!("ecs:*")
    );
    assert_eq!(s["policies"]["Cancel"]["origin"]["line"], json!(6));
}

#[test]
fn references_that_run_in_a_cycle_end_in_an_error() {
    // `p` reads `q`'s document and `q` reads `p`'s: both unknown.
    let plan = r#"{"format_version": "1.2",
 "planned_values": {"root_module": {"resources": [
   {"address": "alicloud_ram_policy.p", "type": "alicloud_ram_policy", "name": "p", "values": {"policy_name": "P"}},
   {"address": "alicloud_ram_policy.q", "type": "alicloud_ram_policy", "name": "q", "values": {"policy_name": "Q"}}]}},
 "resource_changes": [
   {"address": "alicloud_ram_policy.p", "type": "alicloud_ram_policy", "change": {"after_unknown": {"policy_document": true}}},
   {"address": "alicloud_ram_policy.q", "type": "alicloud_ram_policy", "change": {"after_unknown": {"policy_document": true}}}],
 "configuration": {"root_module": {"resources": [
   {"address": "alicloud_ram_policy.p", "expressions": {"policy_document": {"references": ["alicloud_ram_policy.q.policy_document", "alicloud_ram_policy.q"]}}},
   {"address": "alicloud_ram_policy.q", "expressions": {"policy_document": {"references": ["alicloud_ram_policy.p.policy_document", "alicloud_ram_policy.p"]}}}]}}}"#;
    let e = error(plan);
    assert!(e.message.contains("more than 32 resources"), "{e}");
    assert_eq!(e.attribute.as_deref(), Some("policy_document"));
}

#[test]
fn t2_a_service_linked_role_has_its_service() {
    let s = snapshot(&state(&[
        (
            "alicloud_resource_manager_service_linked_role",
            "ib",
            json!({"id": "imagebuilder.ecs.aliyuncs.com:AliyunServiceRoleForECSImageBuilder",
            "service_name": "imagebuilder.ecs.aliyuncs.com", "role_name": "AliyunServiceRoleForECSImageBuilder",
            "role_id": "301234", "arn": format!("acs:ram::{ID}:role/aliyunserviceroleforecsimagebuilder")}),
        ),
        (
            "alicloud_ram_role_policy_attachment",
            "ib",
            json!({"role_name": "AliyunServiceRoleForECSImageBuilder",
            "policy_name": "AliyunECSFullAccess", "policy_type": "System"}),
        ),
    ]));
    assert_eq!(
        s["roles"]["AliyunServiceRoleForECSImageBuilder"],
        json!({"policies": ["AliyunECSFullAccess"], "service": "imagebuilder.ecs.aliyuncs.com"})
    );
    let account = load(&s);
    assert!(account.is_service_linked("AliyunServiceRoleForECSImageBuilder"));
}
