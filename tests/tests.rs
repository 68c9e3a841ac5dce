//! The integration tests: one binary (so the crate and the `ramcheck` binary are linked once),
//! one module per concern, in `tests/it/`.
//!
//! - `account_cli`: `check --account` and `who-can` through the real binary.
//! - `analysis_cli`: access analysis through the real binary (A1–A4, T5, T6): `who-can` over a
//!   pattern, its `--allow-only` gate, `diff` of snapshots, policy documents, plans and ROS
//!   templates, every witness replayed through `check`. Fixtures in `tests/fixtures/analysis/`.
//! - `analysis_props`: the access analysis against brute force (A1–A4, T5): random small
//!   account sets, every request of a bounded universe decided by the single decisions, and
//!   every witness of `who_can` and `diff` replayed hop by hop.
//! - `cases`: the decision corpus `tests/cases/` (format in its `README.md`), each case decided
//!   by the reference and the compiled authorizer and held to its expected decision, stage and
//!   deciding statements, or error kind.
//! - `check_batch`: `check` in batches (repeated `--action`/`--resource`, `--requests`), its
//!   JSON-lines and array outputs, and `check --policy` on GetPolicy output and Terraform plans.
//! - `cli_check`: `ramcheck check` through the real binary: exit statuses, the JSON contract,
//!   text explanations, standard input, bundled policies, and invalid input (status 2, empty
//!   stdout, an informative stderr). Its fixtures are in `tests/fixtures/check/`.
//! - `cli_flags`: the flags every command takes (`-q`, `-o`, `--color` with `NO_COLOR` and
//!   `CLICOLOR_FORCE`, on a terminal too, `--error-format json`), `rules RULE` and
//!   `rules --format json`, and every command's `--help`, whose examples are run.
//! - `explain`: explanations that say where access comes from: each deciding or closest
//!   statement's route to the principal (E2, E4) and its condition clauses' values, in text and
//!   JSON, for `check`, `who-can` and `diff`; every README `check` example with its output.
//! - `conditions`: condition rules seen through whole decisions: comparisons only where the
//!   action and resource match (C7 with M6), and the request's clock (C8).
//! - `corpus`: every real-world document of `../shared/corpus/real/` parses or fails with a
//!   positioned error; the failures are exactly the listed ones, with their reasons.
//! - `hostile_inputs`: what was quadratic or unbounded on hostile input (issue 18): repeated
//!   keys among thousands, one-line files, long lines with many findings, thousands of unknown
//!   actions; positions with LF, CR and CRLF line ends; control characters escaped in lint's
//!   text output.
//! - `lint_positions`: findings in documents embedded as JSON strings are placed in the file,
//!   through every escape, and text, JSON and SARIF agree on where.
//! - `no_silent_pass`: issue 18 for `check` and `who-can`: every mode flag combination,
//!   warnings and `--strict`, special and oversized files, escaped output.
//! - `parser_props`: property tests: the parser never panics on random bytes, random text or
//!   mutated policies, and its errors always lie inside the document.
//! - `integration_files`: the files that put ramcheck into other tools, run by those tools:
//!   the pre-commit hooks through `pre-commit try-repo` (installed by `.ci/e2e/install`), the
//!   GitHub Action's lint step, shell completions, manual pages; and the README's and `docs/`'s
//!   links, which must resolve in a fresh clone.
//! - `lint_cli`: `ramcheck lint` and `ramcheck rules` through the real binary: exit statuses
//!   for each `--fail-on`, the JSON and SARIF outputs, Terraform and GetPolicy inputs,
//!   suppressions.
//! - `lint_inputs`: what `ramcheck lint` reads: directory walks (ignore files, links and their
//!   loops, special and oversized files), globs, paths without documents, the strict sidecar,
//!   Terraform resources without a readable document, account snapshots checked as
//!   `check --account` loads them.
//! - `lint_walk`: what `ramcheck lint` lints in a repository (issue 23): RAM documents found
//!   and other JSON and YAML skipped and counted, nested ignore files, `node_modules`,
//!   `--exclude` and the sidecar's `exclude`, `--ignore RULE:DIR`, and `--skip-non-ram` and
//!   `--force-exclude` for files a pre-commit hook names.
//! - `lint_fix`: `ramcheck lint --fix` through the real binary, and the property that fixing
//!   the fixtures and the corpus never changes a decision and replaces only the bytes at fault.
//! - `lint_fixtures`: every rule's fixtures give exactly the findings listed in
//!   `tests/fixtures/lint/EXPECTED.tsv`; the corpus lints without a crash, non-strict JSON is
//!   located; the SARIF log validates against the SARIF 2.1.0 schema.
//! - `lint_sarif`: `lint` for code scanning and adoption: SARIF regions, help URIs,
//!   fingerprints, invocations and root-relative URIs held to Microsoft's SARIF multitool
//!   (`.ci/sarif/install`); fingerprints across unrelated edits; `--stdin-filename`;
//!   `--baseline` and `--write-baseline`.
//! - `serve_cli`: `ramcheck serve` through the real binary: signed API calls (allow, the
//!   second cancel, RAM denials with `AccessDeniedDetail`, every signature refusal, replays,
//!   STS tokens and session policies, E4), Envoy `ext_authz` and nginx `auth_request`
//!   answers, metrics, the decision log, SIGHUP reloads, SIGTERM with a request in flight,
//!   and the decision API.
//! - `snapshot_cli`: `ramcheck snapshot` and the source flags through the real binary:
//!   canonical, idempotent output that decides as its input does, policy origins in
//!   explanations, trust policies linted in snapshots and ROS templates.
//! - `serve_e2e`: `ramcheck serve` against the real things on loopback: the official Python SDK
//!   (`tests/e2e/sdk_client.py`) on the API, through Envoy (HTTP and gRPC `ext_authz`) and nginx
//!   (`auth_request`) with the shipped `deploy/` configurations, replicas sharing a real Redis
//!   nonce store, reloads under traffic, SIGTERM with calls in flight. Installed by
//!   `.ci/e2e/install`.
//! - `assume_cli`: `check` and `who-can` on `sts:AssumeRole` across accounts (T1-T6).
//! - `graph_render`: `who-can` and `diff` pictures (`--format dot|mermaid`) held to the real
//!   parsers, drawing what the JSON answer of the same question lists; CI's check of the node
//!   that Mermaid's parser needs.
//! - `real_parsers`: Graphviz's `dot` and Mermaid's own parser, for the picture tests (also
//!   used by the unit tests of `src/output/graph`).
//! - `util`: running the binary and reading its output.

#[path = "it/account_cli.rs"]
mod account_cli;
#[path = "it/analysis_cli.rs"]
mod analysis_cli;
#[path = "it/analysis_props.rs"]
mod analysis_props;
#[path = "it/assume_cli.rs"]
mod assume_cli;
#[path = "it/cases.rs"]
mod cases;
#[path = "it/check_batch.rs"]
mod check_batch;
#[path = "it/cli_check.rs"]
mod cli_check;
#[path = "it/cli_flags.rs"]
mod cli_flags;
#[path = "it/conditions.rs"]
mod conditions;
#[path = "it/corpus.rs"]
mod corpus;
#[path = "it/explain.rs"]
mod explain;
#[path = "it/graph_render.rs"]
mod graph_render;
#[path = "it/hostile_inputs.rs"]
mod hostile_inputs;
#[path = "it/integration_files.rs"]
mod integration_files;
#[path = "it/lint_cli.rs"]
mod lint_cli;
#[path = "it/lint_fix.rs"]
mod lint_fix;
#[path = "it/lint_fixtures.rs"]
mod lint_fixtures;
#[path = "it/lint_inputs.rs"]
mod lint_inputs;
#[path = "it/lint_positions.rs"]
mod lint_positions;
#[path = "it/lint_sarif.rs"]
mod lint_sarif;
#[path = "it/lint_walk.rs"]
mod lint_walk;
#[path = "it/no_silent_pass.rs"]
mod no_silent_pass;
#[path = "it/parser_props.rs"]
mod parser_props;
#[path = "it/real_parsers.rs"]
mod real_parsers;
#[cfg(feature = "serve")]
#[path = "it/serve_cli.rs"]
mod serve_cli;
#[cfg(feature = "serve")]
#[path = "it/serve_e2e.rs"]
mod serve_e2e;
#[path = "it/snapshot_cli.rs"]
mod snapshot_cli;
#[path = "it/util.rs"]
mod util;
