//! The end of each command's `--help`: its exit statuses and two examples that run as written
//! from the repository's root, against the shipped `policies/` (a test runs every example and
//! holds it to the status its comment names, so they cannot rot).
//!
//! An example is `# ...` comment lines, the last naming its status `(exit N`, then one
//! `ramcheck ...` line, words separated by single spaces and nothing quoted, so that the test
//! can split it as a shell would.

/// `ramcheck --help`.
pub(crate) const RAMCHECK: &str = "\
Flags every command takes: -q/--quiet, -o/--output FILE, --color auto|always|never,
--error-format text|json (see each command's --help).

Exit status:
  0  allowed, clean, nothing gained (each command says which)
  1  denied, a finding at --fail-on, a gate's violation
  2  invalid input or usage: nothing on standard output, the error on standard error

Examples:
  # Is the request allowed? (exit 0)
  ramcheck check --policy policies/examples/cancel-hangzhou.json --resource acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1
  # Lint the example policies; only errors fail the run (exit 0)
  ramcheck lint policies/examples --fail-on error";

/// `ramcheck check --help`.
pub(crate) const CHECK: &str = "\
Exit status:
  0  allowed
  1  denied (explicit or implicit)
  2  invalid input or usage (a policy that does not parse, a malformed ARN, a warning under
     --strict): nothing on standard output

Examples:
  # Allowed by the statement at cancel-hangzhou.json:4:5 (exit 0)
  ramcheck check --policy policies/examples/cancel-hangzhou.json --resource acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1
  # From outside the office: explicitly denied by deny-outside-office.json (exit 1)
  ramcheck check --policy policies/examples/cancel-hangzhou.json --policy policies/examples/deny-outside-office.json --resource acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1 --context acs:SourceIp=10.0.0.1";

/// `ramcheck lint --help`.
pub(crate) const LINT: &str = "\
Exit status:
  0  no finding at the --fail-on level (default security) or above
  1  a finding at the --fail-on level or above
  2  usage error, an unreadable file, or no policy document found: nothing on standard output

Examples:
  # Every document under policies/examples, failing on errors only (exit 0)
  ramcheck lint policies/examples --fail-on error
  # The bundled system policies as SARIF, failing on security findings (exit 1)
  ramcheck lint policies/system --format sarif";

/// `ramcheck rules --help`.
pub(crate) const RULES: &str = "\
Exit status:
  0  printed
  2  an unknown rule (with the nearest rule id): nothing on standard output

Examples:
  # One line per rule (exit 0)
  ramcheck rules
  # The whole page of one rule (exit 0)
  ramcheck rules allow-all";

/// `ramcheck who-can --help`.
pub(crate) const WHO_CAN: &str = "\
Exit status:
  0  answered; with --allow-only, nobody else reaches the action
  1  with --allow-only, someone else reaches the action on some resource
  2  invalid input or usage: nothing on standard output

Examples:
  # Who can cancel builds of the example account's production pipelines (exit 0)
  ramcheck who-can --account policies/example-account.json --resource acs:ecs:*:1234567890123456:imagepipeline/ip-prod-*
  # A gate: only the role deployer may cancel them (exit 1: someone else can)
  ramcheck who-can --account policies/example-account.json --resource acs:ecs:*:1234567890123456:imagepipeline/ip-prod-* --allow-only role/deployer";

/// `ramcheck diff --help`.
pub(crate) const DIFF: &str = "\
Exit status:
  0  no change that --fail-on counts (default: nobody gains access)
  1  a change that --fail-on counts
  2  invalid input or usage: nothing on standard output

Examples:
  # What the next Terraform plan grants (exit 1: release-bot gains access)
  ramcheck diff --before policies/examples/terraform-plan.json --after policies/examples/terraform-plan-after.json
  # The same change, reported but not failing (exit 0)
  ramcheck diff --plan policies/examples/terraform-plan-after.json --fail-on never";

/// `ramcheck snapshot --help`.
pub(crate) const SNAPSHOT: &str = "\
Exit status:
  0  printed
  2  invalid input or usage: nothing on standard output

Examples:
  # The account a Terraform plan describes (exit 0)
  ramcheck snapshot policies/examples/terraform-plan.json
  # The account a ROS template describes, which does not name it (exit 0)
  ramcheck snapshot policies/examples/ros-template.yaml --account-id 1234567890123456";

/// `ramcheck serve --help`.
#[cfg(feature = "serve")]
pub(crate) const SERVE: &str = "\
Exit status:
  0  stopped by SIGTERM or SIGINT
  2  cannot start (a bad flag, an address that cannot be bound, a first snapshot that does
     not load); --color and --error-format apply to these errors only: logs are tracing's
     text, filtered by RAMCHECK_LOG (-q: `warn` instead of `info`)

Examples:
  # The example account on a free port, printed on standard error; the secrets are in the
  # RAMCHECK_SECRET_* variables the credentials name (exit 0 on SIGTERM)
  ramcheck serve --account policies/example-account.json --credentials policies/serve/credentials.json --executions policies/serve/executions.json --listen 127.0.0.1:0
  # Envoy's gRPC ext_authz too, and one JSON line per decision on standard output (exit 0 on SIGTERM)
  ramcheck serve --account policies/example-account.json --credentials policies/serve/credentials.json --executions policies/serve/executions.json --listen 127.0.0.1:0 --grpc-listen 127.0.0.1:0 --decision-log -";

/// `ramcheck completions --help`.
pub(crate) const COMPLETIONS: &str = "\
Exit status:
  0  printed
  2  an unknown shell: nothing on standard output

Examples:
  # Completion for bash, to source from ~/.bashrc or install (exit 0)
  ramcheck completions bash
  # Completion for zsh, for a folder on $fpath as _ramcheck (exit 0)
  ramcheck completions zsh";

/// `ramcheck man --help`.
pub(crate) const MAN: &str = "\
Exit status:
  0  printed or written
  2  DIR cannot be created or written: nothing on standard output

Examples:
  # The page of ramcheck, to read with `man -l -` (exit 0)
  ramcheck man
  # One page per command into target/man (exit 0)
  ramcheck man --dir target/man";
