//! The flags every command takes (`-q`, `-o`, `--color`, `--error-format`), resolved once and
//! read by the commands through [`options`].
//!
//! They are set before a command runs ([`set`]) and never change afterwards, so a `OnceLock`
//! holds them rather than a parameter threaded through every command. When clap refuses the
//! command line there are no parsed flags yet, but its error is still printed as
//! `--color` and `--error-format` say: [`Options::prescan`] reads just those two from the raw
//! arguments.

use std::ffi::{OsStr, OsString};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::OnceLock;

use clap::{Args, ValueEnum};

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour on a terminal, unless `NO_COLOR` is set; `CLICOLOR_FORCE` forces it.
    #[default]
    Auto,
    /// Always colour, whatever the output and the environment.
    Always,
    /// Never colour.
    Never,
}

/// `--error-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum ErrorFormat {
    /// `error: ...` and `help: ...` lines, for people.
    #[default]
    Text,
    /// One JSON object per line: `{"error": {...}}`, `{"warning": {...}}`, `{"note": {...}}`.
    Json,
}

/// The flags every command takes, as typed (clap `global`: before or after the command).
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct GlobalArgs {
    /// Print only what matters: findings and decisions, warnings and errors; no notes, no
    /// summary lines.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// Write what would go to standard output to FILE instead (replaced whole, only when the
    /// command succeeds or finds something: never on exit status 2).
    #[arg(short, long, global = true, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// When to colour the output and the messages on standard error.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
    /// How errors, warnings and notes are written on standard error.
    #[arg(long = "error-format", global = true, value_enum, value_name = "FORMAT",
          default_value_t = ErrorFormat::Text)]
    pub(crate) error_format: ErrorFormat,
}

/// The resolved settings: the flags, and whether each stream is coloured.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    quiet: bool,
    output: Option<PathBuf>,
    error_format: ErrorFormat,
    color_stdout: bool,
    color_stderr: bool,
}

impl Options {
    /// The settings the flags give, in this process's environment.
    pub(crate) fn new(args: GlobalArgs) -> Options {
        let env = Env::read();
        let output = args.output.filter(|o| o.as_os_str() != "-");
        // Written to a file, standard output is no terminal whatever it is connected to.
        let stdout_tty = output.is_none() && std::io::stdout().is_terminal();
        Options {
            color_stdout: colored(args.color, stdout_tty, &env),
            color_stderr: colored(args.color, std::io::stderr().is_terminal(), &env),
            quiet: args.quiet,
            output,
            error_format: args.error_format,
        }
    }

    /// The settings for printing a command line clap refused: `--color` and `--error-format`
    /// read from the raw arguments (the last of each wins, as clap would take it; an invalid
    /// value counts as not given), everything else off.
    pub(crate) fn prescan(args: &[OsString]) -> Options {
        Options::new(prescan(args))
    }

    /// `-q`: notes and summary lines are left out.
    pub(crate) fn quiet(&self) -> bool {
        self.quiet
    }

    /// `-o FILE`, unless it is `-` (standard output).
    pub(crate) fn output(&self) -> Option<&PathBuf> {
        self.output.as_ref()
    }

    /// `--error-format json`.
    pub(crate) fn json_errors(&self) -> bool {
        self.error_format == ErrorFormat::Json
    }

    /// Whether what a command writes on standard output (or to `-o FILE`) is coloured.
    pub(crate) fn color_stdout(&self) -> bool {
        self.color_stdout
    }

    /// Whether errors, warnings and notes on standard error are coloured.
    pub(crate) fn color_stderr(&self) -> bool {
        self.color_stderr
    }
}

/// `--color` and `--error-format` as the raw arguments give them, for [`Options::prescan`].
fn prescan(args: &[OsString]) -> GlobalArgs {
    let mut global = GlobalArgs::default();
    let mut rest = args.iter().skip(1).map(OsString::as_os_str);
    while let Some(arg) = rest.next() {
        if arg == "--" {
            break;
        }
        let Some(arg) = arg.to_str() else { continue };
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value)),
            None => (arg, None),
        };
        if flag != "--color" && flag != "--error-format" {
            continue;
        }
        let value = match inline {
            Some(value) => Some(value),
            None => rest.next().and_then(OsStr::to_str),
        };
        let Some(value) = value else { continue };
        if flag == "--color" {
            global.color = ColorChoice::from_str(value, false).unwrap_or_default();
        } else {
            global.error_format = ErrorFormat::from_str(value, false).unwrap_or_default();
        }
    }
    global
}

static OPTIONS: OnceLock<Options> = OnceLock::new();

/// Sets the settings for the rest of the process; the first call wins.
pub(crate) fn set(options: Options) {
    let _ = OPTIONS.set(options);
}

/// The settings of this run (the defaults, as if no flag were given, before [`set`]).
pub(crate) fn options() -> &'static Options {
    OPTIONS.get_or_init(|| Options::new(GlobalArgs::default()))
}

/// The colour variables of the environment, as read once.
#[derive(Debug, Clone, Copy, Default)]
struct Env {
    /// `NO_COLOR` set and not empty (no-color.org).
    no_color: bool,
    /// `CLICOLOR_FORCE` set, not empty and not `0` (bixense.com/clicolors).
    force: bool,
}

impl Env {
    fn read() -> Env {
        let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        Env {
            no_color: set("NO_COLOR").is_some(),
            force: set("CLICOLOR_FORCE").is_some_and(|v| v != "0"),
        }
    }
}

/// Whether a stream is coloured. `always` and `never` win over the environment; under `auto`,
/// `NO_COLOR` wins over `CLICOLOR_FORCE` (a user's "no" is stronger than a tool's "force", as
/// in Cargo and ripgrep's `anstream`), which wins over what the stream is connected to.
fn colored(choice: ColorChoice, terminal: bool, env: &Env) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if env.no_color => false,
        ColorChoice::Auto => env.force || terminal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: Env = Env {
        no_color: false,
        force: false,
    };
    const NO_COLOR: Env = Env {
        no_color: true,
        force: false,
    };
    const FORCE: Env = Env {
        no_color: false,
        force: true,
    };
    const BOTH: Env = Env {
        no_color: true,
        force: true,
    };

    #[test]
    fn auto_colours_a_terminal_only() {
        assert!(colored(ColorChoice::Auto, true, &NONE));
        assert!(!colored(ColorChoice::Auto, false, &NONE));
    }

    #[test]
    fn no_color_turns_auto_off_and_wins_over_clicolor_force() {
        assert!(!colored(ColorChoice::Auto, true, &NO_COLOR));
        assert!(!colored(ColorChoice::Auto, true, &BOTH));
    }

    #[test]
    fn clicolor_force_colours_auto_off_a_terminal() {
        assert!(colored(ColorChoice::Auto, false, &FORCE));
    }

    #[test]
    fn always_and_never_win_over_the_environment_and_the_stream() {
        for env in [NONE, NO_COLOR, FORCE, BOTH] {
            for terminal in [false, true] {
                assert!(colored(ColorChoice::Always, terminal, &env));
                assert!(!colored(ColorChoice::Never, terminal, &env));
            }
        }
    }

    fn prescanned(args: &[&str]) -> (ColorChoice, ErrorFormat) {
        let args: Vec<OsString> = std::iter::once("ramcheck")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        let global = prescan(&args);
        (global.color, global.error_format)
    }

    #[test]
    fn prescan_reads_both_spellings_the_last_value_and_stops_at_double_dash() {
        assert_eq!(
            prescanned(&["lint", "--error-format", "json", "--bogus"]).1,
            ErrorFormat::Json
        );
        assert_eq!(
            prescanned(&["--error-format=json", "lint", "--error-format=text"]).1,
            ErrorFormat::Text
        );
        assert_eq!(
            prescanned(&["lint", "--", "--error-format=json"]).1,
            ErrorFormat::Text
        );
        assert_eq!(
            prescanned(&["lint", "--error-format=yaml"]).1,
            ErrorFormat::Text
        );
        assert_eq!(
            prescanned(&["--color", "never", "lint", "--color=always"]).0,
            ColorChoice::Always
        );
        assert_eq!(prescanned(&["lint", "--color"]).0, ColorChoice::Auto);
    }
}
