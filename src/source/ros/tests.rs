//! ROS translation tests: each resource type, each intrinsic function, each error, YAML
//! positions, and the fixtures that describe the same account as a snapshot.

use serde_json::{json, Value as Json};

use super::to_snapshot;
use crate::account::principal::Principal;
use crate::account::Account;
use crate::condition::value::Instant;
use crate::decision::Request;
use crate::source::{SourceError, SourceOptions};

const ID: &str = "1234567890123456";

fn options() -> SourceOptions {
    SourceOptions::default().with_account_id(ID)
}

fn template(resources: &str) -> String {
    format!("ROSTemplateFormatVersion: '2015-09-01'\nResources:\n{resources}")
}

fn snapshot_with(text: &str, options: &SourceOptions) -> Json {
    match to_snapshot(text, Some("stack.yaml"), options) {
        Ok(s) => s,
        Err(e) => panic!("template should translate: {e}"),
    }
}

fn snapshot(resources: &str) -> Json {
    snapshot_with(&template(resources), &options())
}

fn error_with(text: &str, options: &SourceOptions) -> SourceError {
    match to_snapshot(text, Some("stack.yaml"), options) {
        Ok(s) => panic!("template should not translate: {s}"),
        Err(e) => e,
    }
}

fn error(resources: &str) -> SourceError {
    error_with(&template(resources), &options())
}

/// The inline document of a `{"document", "origin"}` entry.
fn document(entry: &Json) -> &Json {
    &entry["document"]
}

fn account(snapshot: &Json) -> Account {
    match Account::from_json(&snapshot.to_string(), None, Some("snapshot.json")) {
        Ok(a) => a,
        Err(e) => panic!("snapshot should load: {e}"),
    }
}

// ---- resources ----

#[test]
fn user_with_groups_inline_policies_and_attachments() {
    let s = snapshot(
        "  Ops:\n    Type: ALIYUN::RAM::Group\n    Properties:\n      GroupName: ops\n\
         \x20 Alice:\n    Type: ALIYUN::RAM::User\n    Properties:\n      UserName: alice\n      Groups: [ops]\n\
         \x20     Policies:\n        - PolicyName: AliceCancel\n          PolicyDocument:\n            Version: '1'\n\
         \x20           Statement: [{Effect: Allow, Action: 'ecs:CancelImagePipelineExecution', Resource: '*'}]\n\
         \x20     PolicyAttachments:\n        System: [AliyunECSReadOnlyAccess]\n",
    );
    assert_eq!(
        s["users"]["alice"],
        json!({"groups": ["ops"], "policies": ["AliceCancel", "AliyunECSReadOnlyAccess"]})
    );
    let entry = &s["policies"]["AliceCancel"];
    assert_eq!(document(entry)["Statement"][0]["Effect"], "Allow");
    assert_eq!(entry["origin"]["address"], "Alice");
    assert_eq!(entry["origin"]["file"], "stack.yaml");
    assert_eq!(s["groups"]["ops"], json!({"policies": []}));
}

#[test]
fn group_inline_policy_and_custom_attachment() {
    let s = snapshot(
        "  Builders:\n    Type: ALIYUN::RAM::Group\n    Properties:\n      GroupName: builders\n\
         \x20     Policies:\n        - PolicyName: Build\n          PolicyDocument: '{\"Version\": \"1\", \"Statement\": []}'\n\
         \x20     PolicyAttachments:\n        Custom: [Extra]\n\
         \x20 ExtraPolicy:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties:\n      PolicyName: Extra\n\
         \x20     PolicyDocument: {Version: '1', Statement: []}\n",
    );
    assert_eq!(
        s["groups"]["builders"]["policies"],
        json!(["Build", "Extra"])
    );
    // A document given as a JSON string is read into the snapshot inline.
    assert_eq!(
        document(&s["policies"]["Build"]),
        &json!({"Version": "1", "Statement": []})
    );
    assert_eq!(s["policies"]["Extra"]["origin"]["address"], "ExtraPolicy");
}

#[test]
fn role_trust_policy_has_its_template_position() {
    let s = snapshot(
        "  Deployer:\n    Type: ALIYUN::RAM::Role\n    Properties:\n      RoleName: deployer\n\
         \x20     AssumeRolePolicyDocument:\n        Version: '1'\n\
         \x20       Statement: [{Effect: Allow, Action: 'sts:AssumeRole', Principal: {Service: [ecs.aliyuncs.com]}}]\n\
         \x20     PolicyAttachments:\n        System: [AliyunECSFullAccess]\n",
    );
    let role = &s["roles"]["deployer"];
    assert_eq!(role["policies"], json!(["AliyunECSFullAccess"]));
    assert_eq!(
        document(&role["trust_policy"])["Statement"][0]["Principal"]["Service"],
        json!(["ecs.aliyuncs.com"])
    );
    // Line 8 of the template, where the block mapping of the document starts (`Version`).
    assert_eq!(
        role["trust_policy"]["origin"],
        json!({"file": "stack.yaml", "address": "Deployer", "line": 8, "column": 9})
    );
}

#[test]
fn role_without_trust_policy_is_an_error() {
    let e = error("  R:\n    Type: ALIYUN::RAM::Role\n    Properties:\n      RoleName: r\n");
    assert_eq!(e.address.as_deref(), Some("R"));
    assert_eq!(e.attribute.as_deref(), Some("AssumeRolePolicyDocument"));
}

const USERS_GROUP_ROLE: &str = "  U:\n    Type: ALIYUN::RAM::User\n    Properties: {UserName: u}\n\
     \x20 G:\n    Type: ALIYUN::RAM::Group\n    Properties: {GroupName: g}\n\
     \x20 R:\n    Type: ALIYUN::RAM::Role\n    Properties:\n      RoleName: r\n\
     \x20     AssumeRolePolicyDocument: {Version: '1', Statement: []}\n";

#[test]
fn managed_policy_attaches_to_users_groups_and_roles() {
    let s = snapshot(&format!(
        "{USERS_GROUP_ROLE}  P:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties:\n      PolicyName: Shared\n\
         \x20     PolicyDocument: {{Version: '1', Statement: []}}\n\
         \x20     PolicyDocumentUnchecked: {{Version: '1', Statement: [{{Effect: Deny, Action: '*', Resource: '*'}}]}}\n\
         \x20     Users: [!Ref U]\n      Groups: [g]\n      Roles: [!GetAtt R.RoleName]\n"
    ));
    assert_eq!(s["users"]["u"]["policies"], json!(["Shared"]));
    assert_eq!(s["groups"]["g"]["policies"], json!(["Shared"]));
    assert_eq!(s["roles"]["r"]["policies"], json!(["Shared"]));
    // ROS sends `PolicyDocumentUnchecked` in place of `PolicyDocument` when both are given.
    assert_eq!(
        document(&s["policies"]["Shared"])["Statement"][0]["Effect"],
        "Deny"
    );
}

#[test]
fn user_to_group_addition_adds_each_user_once() {
    let s = snapshot(&format!(
        "{USERS_GROUP_ROLE}  Add:\n    Type: ALIYUN::RAM::UserToGroupAddition\n    Properties:\n\
         \x20     GroupName: !Ref G\n      Users: [u, u]\n"
    ));
    assert_eq!(s["users"]["u"]["groups"], json!(["g"]));
}

#[test]
fn attach_policy_to_user_group_and_role() {
    let s = snapshot(&format!(
        "{USERS_GROUP_ROLE}  P:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties:\n      PolicyName: Mine\n\
         \x20     PolicyDocument: {{Version: '1', Statement: []}}\n\
         \x20 A1:\n    Type: ALIYUN::RAM::AttachPolicyToUser\n    Properties: {{PolicyName: Mine, PolicyType: Custom, UserName: u}}\n\
         \x20 A2:\n    Type: ALIYUN::RAM::AttachPolicyToGroup\n    Properties: {{PolicyName: AliyunECSReadOnlyAccess, PolicyType: System, GroupName: g}}\n\
         \x20 A3:\n    Type: ALIYUN::RAM::AttachPolicyToRole\n    Properties: {{PolicyName: !Ref P, PolicyType: Custom, RoleName: r}}\n"
    ));
    assert_eq!(s["users"]["u"]["policies"], json!(["Mine"]));
    assert_eq!(
        s["groups"]["g"]["policies"],
        json!(["AliyunECSReadOnlyAccess"])
    );
    assert_eq!(s["roles"]["r"]["policies"], json!(["Mine"]));
}

#[test]
fn attach_policy_type_must_be_system_or_custom() {
    let e = error(&format!(
        "{USERS_GROUP_ROLE}  A:\n    Type: ALIYUN::RAM::AttachPolicyToUser\n    Properties: {{PolicyName: X, PolicyType: system, UserName: u}}\n"
    ));
    assert_eq!(e.address.as_deref(), Some("A"));
    assert_eq!(e.attribute.as_deref(), Some("PolicyType"));
    assert!(e.message.contains("found \"system\""), "{e}");
}

#[test]
fn resource_group_scoped_attachment() {
    let s = snapshot(&format!(
        "{USERS_GROUP_ROLE}  RG:\n    Type: ALIYUN::ResourceManager::ResourceGroup\n    Properties: {{Name: prod, DisplayName: Prod}}\n\
         \x20 A:\n    Type: ALIYUN::ResourceManager::PolicyAttachment\n    Properties:\n\
         \x20     PolicyName: AliyunECSFullAccess\n      PolicyType: System\n      PrincipalType: IMSUser\n\
         \x20     PrincipalName: !Sub 'u@${{ALIYUN::AccountId}}.onaliyun.com'\n      ResourceGroupId: !Ref RG\n\
         \x20 B:\n    Type: ALIYUN::ResourceManager::PolicyAttachment\n    Properties:\n\
         \x20     PolicyName: AliyunECSReadOnlyAccess\n      PolicyType: System\n      PrincipalType: ServiceRole\n\
         \x20     PrincipalName: r\n      ResourceGroupId: !Ref ALIYUN::AccountId\n"
    ));
    assert_eq!(s["resource_groups"], json!({"prod": []}));
    assert_eq!(
        s["users"]["u"]["policies"],
        json!([{"policy": "AliyunECSFullAccess", "resource_group": "prod"}])
    );
    // The account ID as the "resource group" is the account's scope.
    assert_eq!(
        s["roles"]["r"]["policies"],
        json!(["AliyunECSReadOnlyAccess"])
    );
}

const CONTROL: &str = "  CP:\n    Type: ALIYUN::ResourceManager::ControlPolicy\n    Properties:\n\
     \x20     ControlPolicyName: NoDelete\n      EffectScope: RAM\n\
     \x20     PolicyDocument: '{\"Version\": \"1\", \"Statement\": [{\"Effect\": \"Deny\", \"Action\": \"ecs:Delete*\", \"Resource\": \"*\"}]}'\n";

fn attach_control(target: &str) -> String {
    format!(
        "{CONTROL}  At:\n    Type: ALIYUN::ResourceManager::ControlPolicyAttachment\n    Properties:\n\
         \x20     PolicyId: !GetAtt CP.PolicyId\n      TargetId: {target}\n"
    )
}

#[test]
fn control_policy_on_the_account() {
    let s = snapshot(&attach_control("!Ref ALIYUN::AccountId"));
    assert_eq!(
        document(&s["policies"]["NoDelete"])["Statement"][0]["Effect"],
        "Deny"
    );
    assert_eq!(
        s["resource_directory"],
        json!({"management_account": false, "path": [
            {"name": "Root", "control_policies": ["FullAliyunAccess"]},
            {"name": ID, "control_policies": ["FullAliyunAccess", "NoDelete"]}]})
    );
}

#[test]
fn control_policy_on_a_folder_and_on_the_root() {
    let s = snapshot(&attach_control("fd-prod"));
    assert_eq!(
        s["resource_directory"]["path"][1],
        json!({"name": "fd-prod", "control_policies": ["FullAliyunAccess", "NoDelete"]})
    );
    assert_eq!(
        s["resource_directory"]["path"][2],
        json!({"name": ID, "control_policies": ["FullAliyunAccess"]})
    );
    let s = snapshot(&attach_control("r-abc123"));
    assert_eq!(
        s["resource_directory"]["path"][0],
        json!({"name": "Root", "control_policies": ["FullAliyunAccess", "NoDelete"]})
    );
}

#[test]
fn control_policies_on_two_folders_are_an_error() {
    let e = error(&format!(
        "{}  At2:\n    Type: ALIYUN::ResourceManager::ControlPolicyAttachment\n    Properties: {{PolicyId: NoDelete, TargetId: fd-other}}\n",
        attach_control("fd-prod")
    ));
    assert_eq!(e.address.as_deref(), Some("At2"));
    assert!(e.message.contains("two folders"), "{e}");
}

#[test]
fn control_policy_attached_to_a_user_is_an_error() {
    let e = error(&format!(
        "{CONTROL}{USERS_GROUP_ROLE}  A:\n    Type: ALIYUN::RAM::AttachPolicyToUser\n    Properties: {{PolicyName: NoDelete, PolicyType: Custom, UserName: u}}\n"
    ));
    assert!(e.message.contains("is a control policy"), "{e}");
}

#[test]
fn resource_types_without_ram_configuration_are_ignored() {
    let s = snapshot(
        "  Vpc:\n    Type: ALIYUN::ECS::VPC\n    Properties: {CidrBlock: 10.0.0.0/8, VpcName: !Ref ALIYUN::StackName}\n\
         \x20 Wait:\n    Type: ALIYUN::ROS::WaitConditionHandle\n    Condition: Never\n",
    );
    assert_eq!(s, json!({"account_id": ID}));
}

#[test]
fn an_image_pipeline_placed_in_a_resource_group_is_an_error() {
    let pipeline = "  RG:\n    Type: ALIYUN::ResourceManager::ResourceGroup\n    Properties: {Name: prod, DisplayName: Prod}\n\
         \x20 Pipe:\n    Type: ALIYUN::ECS::ImagePipeline\n    Properties:\n      BaseImageType: IMAGE\n      BaseImage: m-1\n";
    assert!(snapshot(pipeline)["resource_groups"]["prod"].is_array());
    let e = error(&format!("{pipeline}      ResourceGroupId: !Ref RG\n"));
    assert_eq!(
        (e.address.as_deref(), e.attribute.as_deref()),
        (Some("Pipe"), Some("ResourceGroupId"))
    );
    assert_eq!(e.position.line, 11);
}

// ---- intrinsic functions and parameters ----

const PARAMETER_USER: &str = "ROSTemplateFormatVersion: '2015-09-01'\nParameters:\n  Name:\n    Type: String\n    Default: alice\n\
     Resources:\n  U:\n    Type: ALIYUN::RAM::User\n    Properties:\n      UserName: !Ref Name\n";

#[test]
fn ref_to_a_parameter_takes_its_default_or_the_given_value() {
    let s = snapshot_with(PARAMETER_USER, &options());
    assert!(s["users"]["alice"].is_object());
    let s = snapshot_with(PARAMETER_USER, &options().with_parameter("Name", "bob"));
    assert!(s["users"]["bob"].is_object());
    assert!(s["users"].get("alice").is_none());
}

#[test]
fn parameters_of_list_and_json_types_and_allowed_values() {
    let text = "ROSTemplateFormatVersion: '2015-09-01'\nParameters:\n\
         \x20 Names: {Type: CommaDelimitedList, Default: 'a, b'}\n\
         \x20 Doc: {Type: Json, Default: {Version: '1', Statement: []}}\n\
         \x20 Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}\n\
         Resources:\n  G:\n    Type: ALIYUN::RAM::Group\n    Properties: {GroupName: !Sub 'g-${Env}'}\n\
         \x20 Add:\n    Type: ALIYUN::RAM::UserToGroupAddition\n    Properties: {GroupName: !Ref G, Users: !Ref Names}\n\
         \x20 A:\n    Type: ALIYUN::RAM::User\n    Properties: {UserName: a}\n\
         \x20 B:\n    Type: ALIYUN::RAM::User\n    Properties: {UserName: b}\n\
         \x20 P:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties: {PolicyName: P, PolicyDocument: !Ref Doc, Groups: [!Ref G]}\n";
    let s = snapshot_with(text, &options());
    assert_eq!(s["users"]["b"]["groups"], json!(["g-dev"]));
    assert_eq!(
        document(&s["policies"]["P"]),
        &json!({"Version": "1", "Statement": []})
    );
    let given = options()
        .with_parameter("Names", "b")
        .with_parameter("Env", "prod")
        .with_parameter("Doc", r#"{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}"#);
    let s = snapshot_with(text, &given);
    assert!(s["users"]["a"].get("groups").is_none());
    assert_eq!(s["users"]["b"]["groups"], json!(["g-prod"]));
    assert_eq!(
        document(&s["policies"]["P"])["Statement"][0]["Effect"],
        "Deny"
    );
    let e = error_with(text, &options().with_parameter("Env", "staging"));
    assert!(e.message.contains("`AllowedValues` do not list"), "{e}");
    let e = error_with(text, &options().with_parameter("Doc", "{"));
    assert!(e.message.contains("not JSON"), "{e}");
}

#[test]
fn a_parameter_the_template_does_not_declare_is_an_error() {
    let e = error_with(PARAMETER_USER, &options().with_parameter("Nmae", "bob"));
    assert!(e.message.contains("`Nmae`"), "{e}");
    assert_eq!(e.help.as_deref(), Some("did you mean `Name`?"));
}

#[test]
fn a_parameter_without_default_or_value_is_an_error() {
    let text = PARAMETER_USER.replace("    Default: alice\n", "");
    let e = error_with(&text, &options());
    assert!(e.message.contains("`Name` has no `Default`"), "{e}");
    assert_eq!(e.position.line, 3);
    assert_eq!(e.help.as_deref(), Some("pass `--parameter Name=VALUE`"));
}

#[test]
fn account_id_resolves_to_the_option_and_is_required() {
    let text = template(
        "  P:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties:\n      PolicyName: P\n\
         \x20     PolicyDocument: {Version: '1', Statement: [{Effect: Allow, Action: 'ecs:*', Resource: !Sub 'acs:ecs:*:${ALIYUN::AccountId}:*'}]}\n",
    );
    let s = snapshot_with(&text, &options());
    assert_eq!(
        document(&s["policies"]["P"])["Statement"][0]["Resource"],
        format!("acs:ecs:*:{ID}:*")
    );
    let e = error_with(&text, &SourceOptions::default());
    assert_eq!(
        e.help.as_deref(),
        Some("give the account's ID with `--account-id ID`")
    );
}

#[test]
fn other_pseudo_parameters_are_errors() {
    let e = error(
        "  U:\n    Type: ALIYUN::RAM::User\n    Properties: {UserName: !Ref ALIYUN::Region}\n",
    );
    assert_eq!(
        (e.address.as_deref(), e.attribute.as_deref()),
        (Some("U"), Some("UserName"))
    );
    assert!(
        e.message
            .contains("`ALIYUN::Region` is known only when the stack is deployed"),
        "{e}"
    );
}

#[test]
fn ref_to_a_resource_without_a_name_is_an_error() {
    let e = error(
        "  Vpc:\n    Type: ALIYUN::ECS::VPC\n\
         \x20 U:\n    Type: ALIYUN::RAM::User\n    Properties: {UserName: !Ref Vpc}\n",
    );
    assert!(e.message.contains("`Vpc` (a `ALIYUN::ECS::VPC`)"), "{e}");
    let e = error("  U:\n    Type: ALIYUN::RAM::User\n    Properties: {UserName: !Ref Nobody}\n");
    assert!(
        e.message.contains("neither a parameter nor a resource"),
        "{e}"
    );
}

#[test]
fn getatt_of_a_name_attribute_and_of_anything_else() {
    let s = snapshot(&format!(
        "{USERS_GROUP_ROLE}  Add:\n    Type: ALIYUN::RAM::UserToGroupAddition\n\
         \x20   Properties:\n      GroupName: {{'Fn::GetAtt': [G, GroupName]}}\n      Users: [!GetAtt U.UserName]\n"
    ));
    assert_eq!(s["users"]["u"]["groups"], json!(["g"]));
    let e = error(&format!(
        "{USERS_GROUP_ROLE}  A:\n    Type: ALIYUN::RAM::AttachPolicyToRole\n    Properties: {{PolicyName: AliyunECSFullAccess, PolicyType: System, RoleName: !GetAtt R.Arn}}\n"
    ));
    assert_eq!(
        (e.address.as_deref(), e.attribute.as_deref()),
        (Some("A"), Some("RoleName"))
    );
    assert!(e.message.contains("`R.Arn`"), "{e}");
}

#[test]
fn join_and_sub_over_static_values() {
    let s = snapshot(
        "  U:\n    Type: ALIYUN::RAM::User\n    Properties:\n      UserName: !Join ['-', [ci, !Ref ALIYUN::AccountId]]\n\
         \x20 G:\n    Type: ALIYUN::RAM::Group\n    Properties:\n      GroupName: !Sub ['${Team}-${U.UserName}${!x}', {Team: ops}]\n",
    );
    assert!(s["users"][format!("ci-{ID}")].is_object());
    assert!(s["groups"][format!("ops-ci-{ID}${{x}}")].is_object());
}

#[test]
fn other_functions_are_errors_naming_the_logical_id_and_property() {
    let e = error(
        "  P:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties:\n      PolicyName: P\n\
         \x20     PolicyDocument: {Version: '1', Statement: [{Effect: Allow, Action: '*', Resource: !If [Prod, '*', 'x']}]}\n",
    );
    assert_eq!(
        (e.address.as_deref(), e.attribute.as_deref()),
        (Some("P"), Some("PolicyDocument"))
    );
    assert!(e.message.starts_with("`Fn::If` is not evaluated"), "{e}");
    assert_eq!(e.position.line, 7);
    assert_eq!(e.file.as_deref(), Some("stack.yaml"));
}

#[test]
fn a_reference_cycle_is_an_error_not_a_hang() {
    let e = error(
        "  A:\n    Type: ALIYUN::RAM::User\n    Properties: {UserName: !GetAtt B.UserName}\n\
         \x20 B:\n    Type: ALIYUN::RAM::User\n    Properties: {UserName: !Ref A}\n",
    );
    assert!(e.message.contains("go round in a circle"), "{e}");
}

// ---- what the template must declare ----

#[test]
fn undeclared_principals_groups_and_policies_are_errors() {
    let e = error(&format!(
        "{USERS_GROUP_ROLE}  Add:\n    Type: ALIYUN::RAM::UserToGroupAddition\n    Properties: {{GroupName: gg, Users: [u]}}\n"
    ));
    assert_eq!(e.address.as_deref(), Some("Add"));
    assert!(e.message.contains("RAM group `gg` is not declared"), "{e}");
    assert_eq!(e.help.as_deref(), Some("did you mean `g`?"));
    let e = error(&format!(
        "{USERS_GROUP_ROLE}  A:\n    Type: ALIYUN::RAM::AttachPolicyToUser\n    Properties: {{PolicyName: Missing, PolicyType: Custom, UserName: u}}\n"
    ));
    assert!(
        e.message.contains("custom policy `Missing` is not defined"),
        "{e}"
    );
    let e = error(&format!(
        "{USERS_GROUP_ROLE}  A:\n    Type: ALIYUN::RAM::AttachPolicyToUser\n    Properties: {{PolicyName: AliyunNoSuch, PolicyType: System, UserName: u}}\n"
    ));
    assert!(e.message.contains("not a system policy"), "{e}");
}

#[test]
fn two_policies_of_one_name_are_an_error() {
    let e = error(
        "  P1:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties: {PolicyName: P, PolicyDocument: {Version: '1', Statement: []}}\n\
         \x20 P2:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties: {PolicyName: P, PolicyDocument: {Version: '1', Statement: []}}\n",
    );
    assert_eq!(e.address.as_deref(), Some("P2"));
    assert!(e.message.contains("first is defined by `P1`"), "{e}");
}

#[test]
fn misspelt_properties_are_errors_and_others_are_left_alone() {
    let e = error(&format!(
        "{USERS_GROUP_ROLE}  P:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties:\n      PolicyName: P\n\
         \x20     PolicyDocument: {{Version: '1', Statement: []}}\n      users: [u]\n"
    ));
    assert_eq!(
        (e.address.as_deref(), e.attribute.as_deref()),
        (Some("P"), Some("users"))
    );
    assert_eq!(e.help.as_deref(), Some("did you mean `Users`?"));
    let e =
        error("  U:\n    Type: ALIYUN::RAM::User\n    Properties: {UserName: u, Polices: []}\n");
    assert_eq!(e.help.as_deref(), Some("did you mean `Policies`?"));
    let s = snapshot("  U:\n    Type: ALIYUN::RAM::User\n    Properties: {UserName: u, Comments: x, Email: a@b.c, DisplayName: U}\n");
    assert!(s["users"]["u"].is_object());
}

#[test]
fn conditional_ram_resources_are_errors() {
    let e = error(
        "  U:\n    Type: ALIYUN::RAM::User\n    Condition: IsProd\n    Properties: {UserName: u}\n",
    );
    assert_eq!(
        (e.address.as_deref(), e.attribute.as_deref()),
        (Some("U"), Some("Condition"))
    );
}

#[test]
fn bad_documents_are_errors() {
    let e = error(
        "  P:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties: {PolicyName: P, PolicyDocument: '{\"Version\": '}\n",
    );
    assert!(e.message.contains("not JSON"), "{e}");
    let e = error("  P:\n    Type: ALIYUN::RAM::ManagedPolicy\n    Properties: {PolicyName: P}\n");
    assert!(e.message.contains("no `PolicyDocument`"), "{e}");
}

// ---- the file itself ----

#[test]
fn template_header_is_checked() {
    let e = error_with("Resources: {}\n", &options());
    assert!(e.message.contains("no `ROSTemplateFormatVersion`"), "{e}");
    let e = error_with("ROSTemplateFormatVersion: '2010-09-09'\n", &options());
    assert!(e.message.contains("found \"2010-09-09\""), "{e}");
    let e = error_with("[1, 2]\n", &options());
    assert!(e.message.contains("found a list"), "{e}");
}

#[test]
fn yaml_aliases_are_refused() {
    let text = template(
        "  U:\n    Type: ALIYUN::RAM::User\n    Properties: &p {UserName: u}\n\
         \x20 V:\n    Type: ALIYUN::RAM::User\n    Properties: *p\n",
    );
    let e = error_with(&text, &options());
    assert!(e.message.contains("aliases"), "{e}");
    assert_eq!((e.position.line, e.position.column), (8, 17));
}

#[test]
fn nesting_and_size_are_bounded() {
    let deep = format!(
        "ROSTemplateFormatVersion: '2015-09-01'\nX: {}{}\n",
        "[".repeat(200),
        "]".repeat(200)
    );
    assert!(error_with(&deep, &options())
        .message
        .contains("nests more than 128"));
    let deep_json = format!(
        "{{\"ROSTemplateFormatVersion\": \"2015-09-01\", \"X\": {}{}}}",
        "[".repeat(200),
        "]".repeat(200)
    );
    match to_snapshot(&deep_json, None, &options()) {
        Ok(s) => panic!("should not translate: {s}"),
        Err(e) => assert!(e.message.contains("nest more than 128"), "{e}"),
    }
    let e = error_with(PARAMETER_USER, &options().with_max_file_size(20));
    assert!(
        e.message.contains("larger than the limit of 20 bytes"),
        "{e}"
    );
}

#[test]
fn repeated_keys_and_many_documents_are_errors() {
    let e =
        error("  U:\n    Type: ALIYUN::RAM::User\n    Properties: {UserName: a, UserName: b}\n");
    assert!(e.message.contains("`UserName` is repeated"), "{e}");
    let e = error_with(
        "ROSTemplateFormatVersion: '2015-09-01'\n---\nfoo: 1\n",
        &options(),
    );
    assert!(e.message.contains("more than one YAML document"), "{e}");
}

#[test]
fn yaml_errors_have_positions() {
    let e = error_with(
        "ROSTemplateFormatVersion: '2015-09-01'\nResources: [\n",
        &options(),
    );
    assert!(e.message.starts_with("invalid YAML"), "{e}");
    assert_eq!(e.file.as_deref(), Some("stack.yaml"));
    assert_eq!(
        e.to_string(),
        "stack.yaml:3:1: invalid YAML: while parsing a node, did not find expected node content"
    );
}

#[test]
fn json_templates_have_positions_too() {
    let text = "{\"ROSTemplateFormatVersion\": \"2015-09-01\",\n \"Resources\": {\"U\": {\"Type\": \"ALIYUN::RAM::User\", \
                \"Properties\": {\"UserName\": {\"Fn::Select\": [0, [\"a\"]]}}}}}";
    let e = match to_snapshot(text, Some("t.json"), &options()) {
        Ok(s) => panic!("should not translate: {s}"),
        Err(e) => e,
    };
    assert_eq!(
        e.to_string(),
        "t.json:2:79: `U` property `UserName`: `Fn::Select` is not evaluated by ramcheck: its value is known only to ROS"
    );
}

// ---- fixtures ----

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/ros/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Drops every `origin`, which differs between the JSON and the YAML form of one template.
fn without_origins(value: &Json) -> Json {
    match value {
        Json::Object(members) => Json::Object(
            members
                .iter()
                .filter(|(k, _)| k.as_str() != "origin")
                .map(|(k, v)| (k.clone(), without_origins(v)))
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.iter().map(without_origins).collect()),
        other => other.clone(),
    }
}

#[test]
fn json_and_yaml_fixtures_give_the_same_snapshot() {
    let yaml = snapshot_with(&fixture("ci-deployer.yaml"), &options());
    let json = snapshot_with(&fixture("ci-deployer.json"), &options());
    assert_eq!(without_origins(&yaml), without_origins(&json));
    // Positions are the template's own: the YAML trust policy starts at `Version` on line 58.
    let origin = &yaml["roles"]["pipeline-deployer"]["trust_policy"]["origin"];
    assert_eq!(
        (&origin["line"], &origin["column"]),
        (&json!(58), &json!(9))
    );
    let origin = &json["roles"]["pipeline-deployer"]["trust_policy"]["origin"];
    assert_eq!(origin["file"], "stack.yaml");
    assert!(origin["line"].as_u64() > Some(40), "{origin}");
    assert_eq!(
        yaml["policies"]["DenyOutsideChina"]["origin"]["address"],
        "MainlandOnly"
    );
}

#[test]
fn fixture_describes_the_same_account_as_its_snapshot() {
    let text = fixture("ci-deployer.snapshot.json");
    let expected: Json = serde_json::from_str(&text).unwrap_or_default();
    for source in ["ci-deployer.yaml", "ci-deployer.json"] {
        let translated = snapshot_with(&fixture(source), &options());
        // Documents aside (origin form), the translation is the hand-written snapshot.
        let inline = {
            let mut s = translated.clone();
            if let Some(policies) = s.get_mut("policies").and_then(Json::as_object_mut) {
                for entry in policies.values_mut() {
                    *entry = entry["document"].clone();
                }
            }
            if let Some(role) = s.pointer_mut("/roles/pipeline-deployer/trust_policy") {
                *role = role["document"].clone();
            }
            s
        };
        assert_eq!(inline, expected, "{source}");

        let from_template = account(&translated);
        let from_snapshot = account(&expected);
        let principals = [
            "root",
            "user/ci-runner",
            "user/auditor",
            "role/pipeline-deployer",
        ];
        let requests = [
            (
                "ecs:CancelImagePipelineExecution",
                format!("acs:ecs:cn-hangzhou:{ID}:imagepipeline/ip-prod1"),
            ),
            (
                "ecs:CancelImagePipelineExecution",
                format!("acs:ecs:ap-southeast-1:{ID}:imagepipeline/ip-1"),
            ),
            (
                "ecs:CancelImagePipelineExecution",
                "acs:ecs:cn-hangzhou:9999999999999999:imagepipeline/ip-1".to_owned(),
            ),
            (
                "ecs:DescribeImagePipelineExecutions",
                format!("acs:ecs:cn-beijing:{ID}:imagepipeline/ip-1"),
            ),
            (
                "sts:AssumeRole",
                format!("acs:ram::{ID}:role/pipeline-deployer"),
            ),
        ];
        let mut allowed = 0;
        for principal in principals {
            let p = Principal::parse(principal, ID).unwrap_or_else(|e| panic!("{e}"));
            for (action, resource) in &requests {
                let request = Request::new(action, resource)
                    .unwrap_or_else(|e| panic!("{e}"))
                    .at(Instant::from_unix(1_700_000_000, 0));
                let a = from_template
                    .decide(&p, None, &request)
                    .unwrap_or_else(|e| panic!("{e}"));
                let b = from_snapshot
                    .decide(&p, None, &request)
                    .unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(
                    (a.decision(), a.stage()),
                    (b.decision(), b.stage()),
                    "{principal} {action} {resource}"
                );
                allowed += usize::from(a.decision() == crate::decision::Decision::Allow);
            }
        }
        // Not a vacuous comparison: some requests are allowed, others denied.
        assert!(allowed > 3 && allowed < 20, "{allowed}");
    }
}
