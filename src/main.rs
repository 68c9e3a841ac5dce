//! The `ramcheck` binary: parses flags, runs one command, prints any error once, and exits with
//! a typed status (0 allowed or clean, 1 denied or findings, 2 invalid input).

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
