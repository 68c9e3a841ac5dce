//! Workloads for the benchmarks: the Small, Large and Wildcard-heavy accounts of issue 5,
//! generated with a fixed seed, and the requests made against them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

/// The account every workload uses.
pub const ACCOUNT: &str = "1234567890123456";

/// The action the benchmarks decide.
pub const CANCEL: &str = "ecs:CancelImagePipelineExecution";

/// A small deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator with this seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// One of the items.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items
            .get(self.below(items.len()))
            .copied()
            .unwrap_or_default()
    }
}

const ECS_ACTIONS: &[&str] = &[
    "ecs:CancelImagePipelineExecution",
    "ecs:StartImagePipelineExecution",
    "ecs:CreateImagePipeline",
    "ecs:DeleteImagePipeline",
    "ecs:DescribeImagePipelines",
    "ecs:DescribeImagePipelineExecutions",
    "ecs:DescribeInstances",
    "ecs:DescribeImages",
    "ecs:CreateImage",
    "ecs:DeleteImage",
    "ecs:StartInstance",
    "ecs:StopInstance",
    "ecs:RebootInstance",
    "ecs:RunInstances",
    "ecs:DescribeDisks",
    "ecs:CreateSnapshot",
    "ecs:DescribeSnapshots",
    "ecs:ModifyInstanceAttribute",
    "ecs:DescribeSecurityGroups",
    "ecs:AuthorizeSecurityGroup",
    "ecs:ListTagResources",
    "ecs:TagResources",
    "ecs:DescribeRegions",
    "ecs:DescribeZones",
    "ecs:CreateLaunchTemplate",
    "ecs:DescribeLaunchTemplates",
    "ecs:DescribeImageComponents",
    "ecs:CreateImageComponent",
    "ecs:DescribeImageBuilder",
    "ecs:ModifyImageAttribute",
];
const OTHER_ACTIONS: &[&str] = &[
    "vpc:DescribeVpcs",
    "vpc:DescribeVSwitches",
    "oss:GetObject",
    "oss:PutObject",
    "ram:ListUsers",
    "kms:Decrypt",
    "log:GetLogStore",
];
const ECS_WILDCARDS: &[&str] = &[
    "ecs:Describe*",
    "ecs:List*",
    "ecs:*Image*",
    "ecs:Get*",
    "ecs:*",
];
const REGIONS: &[&str] = &["cn-hangzhou", "cn-beijing", "cn-shanghai", "cn-shenzhen"];

/// A resource pattern of the realistic mix.
fn resource_pattern(rng: &mut Rng, team: usize) -> String {
    match rng.below(10) {
        0..=2 => format!(
            "acs:ecs:{}:{ACCOUNT}:imagepipeline/ip-team{team}-{}",
            rng.pick(REGIONS),
            rng.below(50)
        ),
        3..=4 => format!(
            "acs:ecs:{}:{ACCOUNT}:imagepipeline/ip-team{team}-*",
            rng.pick(REGIONS)
        ),
        5..=6 => format!("acs:ecs:*:{ACCOUNT}:imagepipeline/ip-team{team}-*"),
        7 => "acs:ecs:*:*:imagepipeline/*".to_owned(),
        8 => format!("acs:ecs:cn-*:*:imagepipeline/ip-team{team}-?*"),
        _ => "*".to_owned(),
    }
}

fn condition(rng: &mut Rng, team: usize) -> Value {
    match rng.below(4) {
        0 => {
            json!({"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", format!("192.168.{}.0/24", rng.below(256))]}})
        }
        1 => json!({"StringEquals": {"ecs:tag/team": format!("team{team}")}}),
        2 => json!({"Bool": {"acs:SecureTransport": "true"}}),
        _ => json!({"DateLessThan": {"acs:CurrentTime": "2030-01-01T00:00:00Z"}}),
    }
}

/// One statement of the Large mix.
fn statement(rng: &mut Rng, team: usize) -> Value {
    let mut s = Map::new();
    let deny = rng.chance(10);
    s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
    match rng.below(20) {
        // Exact ECS actions.
        0..=10 => {
            let n = 1 + rng.below(3);
            let actions: Vec<&str> = (0..n).map(|_| rng.pick(ECS_ACTIONS)).collect();
            s.insert("Action".into(), json!(actions));
        }
        // ECS wildcards.
        11..=14 => {
            s.insert("Action".into(), json!(rng.pick(ECS_WILDCARDS)));
        }
        // Other services.
        15..=17 => {
            let n = 1 + rng.below(2);
            let actions: Vec<&str> = (0..n).map(|_| rng.pick(OTHER_ACTIONS)).collect();
            s.insert("Action".into(), json!(actions));
        }
        // NotAction.
        _ => {
            s.insert("NotAction".into(), json!(["ram:*", "ecs:Delete*"]));
        }
    }
    let n = 1 + rng.below(2);
    let resources: Vec<String> = (0..n).map(|_| resource_pattern(rng, team)).collect();
    s.insert("Resource".into(), json!(resources));
    if rng.chance(30) {
        s.insert("Condition".into(), condition(rng, team));
    }
    Value::Object(s)
}

/// The Large account of issue 5: 2,000 users, 200 groups, 500 roles, 5,000 custom policies
/// (~50,000 statements), 16 resource groups and a three-level resource directory, with a fixed
/// seed. The custom policies are written as files into `dir`, as an account snapshot names
/// them; the returned text is the account file (policy paths relative to `dir`).
pub fn large_account(dir: &Path) -> std::io::Result<String> {
    let mut rng = Rng::new(0x5eed_1a26e);
    std::fs::create_dir_all(dir)?;
    let mut policies = Map::new();
    for i in 0..5000 {
        let team = i % 100;
        let statements: Vec<Value> = (0..10).map(|_| statement(&mut rng, team)).collect();
        let text = serde_json::to_string_pretty(&json!({"Version": "1", "Statement": statements}))
            .unwrap_or_default();
        let file = format!("p{i}.json");
        write_atomically(&dir.join(&file), text.as_bytes())?;
        policies.insert(format!("Policy-{i}"), json!(file));
    }
    policies.insert("DenyOutsideChina".into(), json!("deny-outside-china.json"));
    write_atomically(
        &dir.join("deny-outside-china.json"),
        br#"{"Version": "1", "Statement": [{"Effect": "Deny", "Action": "*",
            "Resource": ["acs:*:ap-*:*:*", "acs:*:us-*:*:*", "acs:*:eu-*:*:*"]}]}"#,
    )?;
    let mut resource_groups = Map::new();
    for rg in 0..16 {
        resource_groups.insert(
            format!("rg-{rg}"),
            json!([format!(
                "acs:ecs:*:{ACCOUNT}:imagepipeline/ip-team{}-*",
                rg * 6
            )]),
        );
    }
    let attach = |rng: &mut Rng, n: usize| -> Value {
        Value::Array(
            (0..n)
                .map(|_| {
                    let p = format!("Policy-{}", rng.below(5000));
                    if rng.chance(10) {
                        json!({"policy": p, "resource_group": format!("rg-{}", rng.below(16))})
                    } else {
                        json!(p)
                    }
                })
                .collect(),
        )
    };
    let mut groups = Map::new();
    for g in 0..200 {
        let n = 3 + rng.below(6);
        groups.insert(
            format!("group{g}"),
            json!({"policies": attach(&mut rng, n)}),
        );
    }
    let mut users = Map::new();
    for u in 0..2000 {
        let n_groups = 1 + rng.below(3);
        let gs: Vec<String> = (0..n_groups)
            .map(|_| format!("group{}", rng.below(200)))
            .collect();
        let n = rng.below(6);
        users.insert(
            format!("user{u}"),
            json!({"groups": gs, "policies": attach(&mut rng, n)}),
        );
    }
    let mut roles = Map::new();
    for r in 0..500 {
        let n = 2 + rng.below(7);
        roles.insert(format!("role{r}"), json!({"policies": attach(&mut rng, n)}));
    }
    let account = json!({
        "account_id": ACCOUNT,
        "policies": policies,
        "users": users,
        "groups": groups,
        "roles": roles,
        "resource_groups": resource_groups,
        "resource_directory": {"path": [
            {"name": "Root", "control_policies": ["FullAliyunAccess"]},
            {"name": "fd-prod", "control_policies": ["FullAliyunAccess", "DenyOutsideChina"]},
            {"name": ACCOUNT, "control_policies": ["FullAliyunAccess"]}
        ]}
    });
    Ok(serde_json::to_string_pretty(&account).unwrap_or_default())
}

/// Writes a file whole or not at all (a file of its own, then renamed over the target): every
/// benchmark process writes the same files into the same folder, and one must never read
/// another's half-written file.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(format!(".partial-{}", std::process::id()));
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, path)
}

/// Where the Large account's policy files go.
pub fn large_dir() -> PathBuf {
    std::env::temp_dir().join("ramcheck-bench-large")
}

/// A request of the Large workload: principal, pipeline ARN, context entries.
pub type LargeRequest = (String, String, Vec<(String, String)>);

/// `count` random `(principal, pipeline ARN, context)` requests against the Large account.
pub fn large_requests(count: usize) -> Vec<LargeRequest> {
    let mut rng = Rng::new(42);
    (0..count)
        .map(|_| {
            let principal = if rng.chance(80) {
                format!("user/user{}", rng.below(2000))
            } else {
                format!("assumed-role/role{}/s", rng.below(500))
            };
            let team = rng.below(100);
            let arn = format!(
                "acs:ecs:{}:{ACCOUNT}:imagepipeline/ip-team{team}-{}",
                rng.pick(REGIONS),
                rng.below(50)
            );
            let context = vec![
                (
                    "acs:SourceIp".to_owned(),
                    format!(
                        "10.{}.{}.{}",
                        rng.below(256),
                        rng.below(256),
                        rng.below(256)
                    ),
                ),
                ("acs:SecureTransport".to_owned(), "true".to_owned()),
                ("ecs:tag/team".to_owned(), format!("team{team}")),
            ];
            (principal, arn, context)
        })
        .collect()
}

/// A Large request as a gateway holds one it has just parsed: every text in one buffer (the
/// principal, the pipeline ARN, then each context key and value), borrowed per call.
#[derive(Debug, Clone)]
pub struct PackedRequest {
    text: String,
    /// The end of each field in `text`: principal, ARN, then key and value of each entry.
    ends: Vec<usize>,
}

/// How many context entries a [`PackedRequest`] lends at once.
pub const PACKED_CONTEXT: usize = 3;

/// A request as a gateway holds it once parsed: the principal, the pipeline ARN and the context
/// entries, borrowed from the buffer it read them into.
pub type ParsedRequest<'a> = (&'a str, &'a str, [(&'a str, &'a str); PACKED_CONTEXT]);

impl PackedRequest {
    /// Packs a request.
    pub fn new((principal, arn, context): &LargeRequest) -> PackedRequest {
        let mut text = String::new();
        let mut ends = Vec::new();
        for field in [principal, arn]
            .into_iter()
            .chain(context.iter().flat_map(|(k, v)| [k, v]))
        {
            text.push_str(field);
            ends.push(text.len());
        }
        PackedRequest { text, ends }
    }

    /// Every request's texts back to back in one buffer, in order, as a gateway's receive
    /// buffer holds a connection's requests; [`parts_at`](PackedRequest::parts_at) lends each.
    pub fn stream(requests: &[LargeRequest]) -> PackedRequest {
        let mut stream = PackedRequest {
            text: String::new(),
            ends: Vec::new(),
        };
        for request in requests {
            let packed = PackedRequest::new(request);
            let base = stream.text.len();
            stream.text.push_str(&packed.text);
            stream.ends.extend(packed.ends.iter().map(|end| base + end));
        }
        stream
    }

    fn field(&self, n: usize) -> &str {
        let start = match n.checked_sub(1) {
            Some(previous) => self.ends.get(previous).copied().unwrap_or_default(),
            None => 0,
        };
        let end = self.ends.get(n).copied().unwrap_or(start);
        self.text.get(start..end).unwrap_or_default()
    }

    /// The principal, the ARN and the first [`PACKED_CONTEXT`] context entries (missing ones
    /// are empty pairs: a request of [`large_requests`] has exactly that many).
    pub fn parts(&self) -> ParsedRequest<'_> {
        self.parts_at(0)
    }

    /// The parts of the `n`-th request of a [`stream`](PackedRequest::stream).
    pub fn parts_at(&self, n: usize) -> ParsedRequest<'_> {
        let first = n * (2 + 2 * PACKED_CONTEXT);
        let mut context = [("", ""); PACKED_CONTEXT];
        for (i, entry) in context.iter_mut().enumerate() {
            *entry = (self.field(first + 2 + 2 * i), self.field(first + 3 + 2 * i));
        }
        (self.field(first), self.field(first + 1), context)
    }
}

/// The Small workload's request context: an address inside the allowed block, over TLS.
pub const SMALL_CONTEXT: [(&str, &str); 2] = [
    ("acs:SourceIp", "192.168.3.4"),
    ("acs:SecureTransport", "true"),
];

/// The pipeline the Small workload's requests name.
pub fn small_arn() -> String {
    format!("acs:ecs:cn-hangzhou:{ACCOUNT}:imagepipeline/ip-42")
}

/// The gateway's execution table for the Small workload: `exec-42` runs `ip-42`.
pub fn small_executions() -> std::collections::HashMap<String, ramcheck::gateway::Execution> {
    std::collections::HashMap::from([(
        "exec-42".to_owned(),
        ramcheck::gateway::Execution::new("ip-42", ACCOUNT),
    )])
}

/// The Small account: one user in two groups, five policies, twenty statements with conditions.
pub fn small_account() -> String {
    let mut policies = Map::new();
    let mut rng = Rng::new(7);
    for (i, name) in ["Builds", "ReadOnly", "Network", "Guard", "Ops"]
        .iter()
        .enumerate()
    {
        let statements: Vec<Value> = (0..4)
            .map(|j| {
                if i == 0 && j == 0 {
                    json!({"Effect": "Allow", "Action": CANCEL,
                        "Resource": format!("acs:ecs:cn-hangzhou:{ACCOUNT}:imagepipeline/*"),
                        "Condition": {"IpAddress": {"acs:SourceIp": "192.168.0.0/16"},
                                      "Bool": {"acs:SecureTransport": "true"}}})
                } else if i == 3 && j == 0 {
                    json!({"Effect": "Deny", "Action": "ecs:*",
                        "Resource": "acs:ecs:*:*:imagepipeline/ip-prod*",
                        "Condition": {"StringNotEquals": {"ecs:tag/team": "release"}}})
                } else {
                    statement(&mut rng, 1)
                }
            })
            .collect();
        policies.insert(
            (*name).to_owned(),
            json!({"Version": "1", "Statement": statements}),
        );
    }
    json!({
        "account_id": ACCOUNT,
        "policies": policies,
        "users": {"alice": {"groups": ["builders", "readers"], "policies": ["Guard"]}},
        "groups": {"builders": {"policies": ["Builds", "Ops"]}, "readers": {"policies": ["ReadOnly", "Network"]}}
    })
    .to_string()
}

/// The Wildcard-heavy account: one user whose pool holds 1,000 statements for the Cancel
/// action, each with a wildcard resource pattern (none of them a plain prefix).
pub fn wildcard_account() -> String {
    let mut statements = String::new();
    for i in 0..1000 {
        if i > 0 {
            statements.push(',');
        }
        let pattern = match i % 3 {
            0 => format!("acs:ecs:*:{ACCOUNT}:imagepipeline/ip-team{i}-*"),
            1 => format!("acs:ecs:cn-*:*:imagepipeline/ip-?{i}*"),
            _ => format!("*:imagepipeline/build-{i}-*"),
        };
        let _ = write!(
            statements,
            r#"{{"Effect": "Allow", "Action": "ecs:CancelImagePipelineExecution", "Resource": "{pattern}"}}"#
        );
    }
    format!(
        r#"{{"account_id": "{ACCOUNT}",
  "policies": {{"Many": {{"Version": "1", "Statement": [{statements}]}}}},
  "users": {{"alice": {{"policies": ["Many"]}}}}}}"#
    )
}
