//! The integration tests: one binary (so the crate and the `ramcheck` binary are linked once),
//! one module per concern, in `tests/it/`.
//!
//! - `account_cli`: `check --account` and `who-can` through the real binary.
//! - `cli_check`: `ramcheck check` through the real binary: exit statuses, the JSON contract,
//!   text explanations, standard input, bundled policies, and invalid input (status 2, empty
//!   stdout, an informative stderr). Its fixtures are in `tests/fixtures/check/`.
//! - `corpus`: every real-world document of `../shared/corpus/real/` parses or fails with a
//!   positioned error; the failures are exactly the listed ones, with their reasons.
//! - `parser_props`: property tests: the parser never panics on random bytes, random text or
//!   mutated policies, and its errors always lie inside the document.
//! - `util`: running the binary and reading its output.

#[path = "it/account_cli.rs"]
mod account_cli;
#[path = "it/cli_check.rs"]
mod cli_check;
#[path = "it/corpus.rs"]
mod corpus;
#[path = "it/parser_props.rs"]
mod parser_props;
#[path = "it/util.rs"]
mod util;
