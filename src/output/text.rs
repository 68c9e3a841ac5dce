//! Text renderings for people: the verdict first, then the statements that decided it with
//! `file:line:column` and how each one's policy reached the principal, or for an implicit deny
//! what came closest; under each, what its conditions compared.

use std::io::{self, Write};

use super::{escape_controls as safe, CheckReport};
use crate::decision::{
    ClauseCheck, Decision, Level, Matched, MissReason, Route, Side, Stage, StatementRef,
};

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const GREEN: &str = "\x1b[1;32m";
const RED: &str = "\x1b[1;31m";

/// ANSI colours when the caller asked for them, else nothing.
#[derive(Debug, Clone, Copy)]
struct Paint(bool);

impl Paint {
    /// `text` in `code`, then reset.
    fn paint(self, code: &str, text: &str) -> String {
        if self.0 {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }

    fn bold(self, text: &str) -> String {
        self.paint(BOLD, text)
    }

    /// Green when `good`, red otherwise.
    fn verdict(self, good: bool, text: &str) -> String {
        self.paint(if good { GREEN } else { RED }, text)
    }
}

/// Writes the report for a person; `color` adds ANSI colours (`ALLOW` green, `DENY` red,
/// `file:line:column` bold, each condition's outcome green or red), which the caller decides.
///
/// The first line is the verdict (`ALLOW`, `DENY (explicit deny)`, `DENY (implicit deny)`)
/// with the action and resource; then the stage; then one line per deciding statement, saying
/// how its policy reached the principal, with a line per condition clause under it.
///
/// ```
/// use std::sync::Arc;
/// use ramcheck::decision::{NamedPolicy, PolicySet, Request};
/// use ramcheck::output::{text, CheckReport};
/// use ramcheck::policy::Policy;
///
/// let policy = Policy::parse(r#"{"Version": "1", "Statement": [
///     {"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]}"#)?;
/// let set = PolicySet::new(vec![NamedPolicy::new("p", Some("p.json".into()), Arc::new(policy))]);
/// let request = Request::new("ecs:CancelImagePipelineExecution",
///     "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1")?;
/// let outcome = set.decide(&request)?;
/// let mut out = Vec::new();
/// text::write_check(&mut out, &CheckReport::new(&request, None, &outcome, &[]), false)?;
/// let out = String::from_utf8(out)?;
/// assert!(out.contains(": statement 0 of `p` attached directly allows it: Allow Action `ecs:*`"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_check(out: &mut impl Write, report: &CheckReport<'_>, color: bool) -> io::Result<()> {
    let paint = Paint(color);
    let outcome = report.outcome;
    let verdict = match outcome.decision() {
        Decision::Allow => paint.verdict(true, "ALLOW"),
        Decision::ExplicitDeny => paint.verdict(false, "DENY (explicit deny)"),
        Decision::ImplicitDeny => paint.verdict(false, "DENY (implicit deny)"),
    };
    // Every text that came from an input is escaped where it is written (`safe`), so that a
    // value holding a line break or a terminal escape cannot forge a line of this report.
    write!(
        out,
        "{verdict}: {} on {}",
        safe(report.request.action()),
        safe(report.request.resource().as_str())
    )?;
    if let Some(principal) = report.principal {
        write!(out, " for {}", safe(principal))?;
    }
    writeln!(out)?;
    writeln!(out, "  decided at stage {}", outcome.stage().name())?;
    match outcome.decision() {
        Decision::Allow | Decision::ExplicitDeny => {
            let verb = if outcome.decision() == Decision::Allow {
                "allows"
            } else {
                "denies"
            };
            for s in outcome.deciding() {
                // An AssumeRole's statements say which side they are on (T3a).
                let side = s
                    .side()
                    .map(|side| format!("{} side: ", side.name()))
                    .unwrap_or_default();
                // With the conditions shown clause by clause below, the line does not sum
                // them up too.
                let what = if s.condition_checks().is_empty() {
                    describe(s)
                } else {
                    describe_match(s)
                };
                writeln!(
                    out,
                    "  {side}{}: {} {verb} it: {what}",
                    paint.bold(&location(s)),
                    name(s),
                )?;
                write_condition_checks(out, s, paint)?;
            }
        }
        Decision::ImplicitDeny => write_near_misses(out, report, paint)?,
    }
    Ok(())
}

/// One line per condition clause of `s`: the policy's values, the request's, the outcome.
fn write_condition_checks(out: &mut impl Write, s: &StatementRef, paint: Paint) -> io::Result<()> {
    for check in s.condition_checks() {
        let outcome = if check.is_met() {
            paint.verdict(true, "met")
        } else {
            paint.verdict(false, "not met")
        };
        writeln!(out, "    {} \u{2192} {outcome}", condition_check(check))?;
    }
    Ok(())
}

/// `` condition `OPERATOR KEY`: policy [`V`, ...], request [`V`, ...] `` (`request absent`
/// when the request carried no value).
pub(crate) fn condition_check(check: &ClauseCheck) -> String {
    let request = match check.request_values() {
        Some(values) => format!("request [{}]", quoted(values)),
        None => "request absent".to_owned(),
    };
    format!(
        "condition `{} {}`: policy [{}], {request}",
        check.operator(),
        safe(check.key()),
        quoted(check.policy_values())
    )
}

fn write_near_misses(
    out: &mut impl Write,
    report: &CheckReport<'_>,
    paint: Paint,
) -> io::Result<()> {
    let misses = report.outcome.near_misses();
    match (misses, report.outcome.stage()) {
        (_, Stage::CrossAccount) => writeln!(
            out,
            "  the resource belongs to account `{}`, and image pipelines have no resource-based policy that could let another account in",
            safe(report.request.resource().account())
        ),
        (_, Stage::ControlPolicy) if misses.is_empty() => writeln!(
            out,
            "  a level of the resource directory allows nothing: attach `FullAliyunAccess` or a control policy that allows `{}` there",
            safe(report.request.action())
        ),
        ([], _) => writeln!(out, "  no statement allows `{}`", safe(report.request.action())),
        ([only], _) => {
            writeln!(
                out,
                "  1 statement allows this action, but {}",
                why(only.reason())
            )?;
            let s = only.statement();
            writeln!(out, "  {}: {}", paint.bold(&location(s)), name(s))?;
            write_condition_checks(out, s, paint)
        }
        (many, _) => {
            writeln!(
                out,
                "  {} statements allow this action, but none applies:",
                many.len()
            )?;
            for miss in many {
                let s = miss.statement();
                writeln!(
                    out,
                    "  {}: {}: {}",
                    paint.bold(&location(s)),
                    name(s),
                    why(miss.reason())
                )?;
                write_condition_checks(out, s, paint)?;
            }
            Ok(())
        }
    }
}

fn why(reason: &MissReason) -> String {
    match reason {
        MissReason::Resource {
            patterns,
            negated: false,
        } => format!("its resource {} does not match", quoted(patterns)),
        MissReason::Resource {
            patterns,
            negated: true,
        } => format!("its NotResource {} lists this resource", quoted(patterns)),
        MissReason::Condition {
            operator,
            key,
            absent: false,
        } => format!("its condition `{operator} {}` was not met", safe(key)),
        MissReason::Condition {
            operator,
            key,
            absent: true,
        } => format!(
            "its condition `{operator} {}` was not met: key absent from the request",
            safe(key)
        ),
    }
}

/// `file:line:column` of the statement, and, for a policy translated from Terraform or ROS,
/// the resource it came from: `` (from `ADDRESS` at FILE:LINE:COLUMN) ``.
pub(crate) fn location(s: &StatementRef) -> String {
    let file = match s.file() {
        Some(f) => safe(f).into_owned(),
        None => format!("<{}>", safe(s.policy())),
    };
    match s.origin() {
        Some(origin) => format!(
            "{file}:{} (from {})",
            s.position(),
            safe(&origin.to_string())
        ),
        None => format!("{file}:{}", s.position()),
    }
}

/// `` statement N of `POLICY` (Sid `SID`) ROUTE ``: the statement, and how its policy reached
/// the principal when the explanation says (`via group `readers``, see [`route`]).
pub(crate) fn name(s: &StatementRef) -> String {
    let system = if s.via().is_some_and(|v| v.is_system_policy()) {
        "system policy "
    } else {
        ""
    };
    let mut text = format!("statement {} of {system}`{}`", s.index(), safe(s.policy()));
    if let Some(sid) = s.sid() {
        text.push_str(&format!(" (Sid `{}`)", safe(sid)));
    }
    if let Some(via) = s.via() {
        text.push(' ');
        text.push_str(&route(via.route()));
        if let Some(group) = via.resource_group() {
            text.push_str(&format!(" at resource-group scope `{}`", safe(group)));
        }
    }
    text
}

/// How a policy reached the principal, as a clause: `attached to user `alice``, `via group
/// `readers``, `as a control policy at folder `Prod``, ...
fn route(route: &Route) -> String {
    match route {
        Route::Given => "attached directly".to_owned(),
        Route::User(user) => format!("attached to user `{}`", safe(user)),
        Route::Group(group) => format!("via group `{}`", safe(group)),
        Route::Role(role) => format!("attached to role `{}`", safe(role)),
        Route::SessionPolicy => "as the session policy".to_owned(),
        Route::ControlPolicy(level) => {
            let at = match level {
                Level::Root(_) => "the Root folder",
                Level::Folder(_) => "folder",
                Level::Account(_) => "account",
            };
            format!("as a control policy at {at} `{}`", safe(level.name()))
        }
        Route::TrustPolicy => "as the role's trust policy".to_owned(),
    }
}

/// The statement's effect and what matched, and the condition clauses that held.
pub(crate) fn describe(s: &StatementRef) -> String {
    let mut text = describe_match(s);
    if !s.conditions().is_empty() {
        let held: Vec<String> = s
            .conditions()
            .iter()
            .map(|(op, key)| format!("`{op} {}`", safe(key)))
            .collect();
        text.push_str(&format!(", condition {} held", held.join(" and ")));
    }
    text
}

/// The statement's effect and what matched: `` Allow Action `A` on Resource `R` ``.
fn describe_match(s: &StatementRef) -> String {
    let action = match s.action() {
        Matched::Pattern(p) => format!("Action `{}`", safe(p)),
        Matched::NotListed => "NotAction (does not list it)".to_owned(),
        Matched::None => "no action".to_owned(),
    };
    let resource = match s.resource() {
        // A trust statement applies through the `Principal` value that names the caller (T2).
        Matched::Pattern(p) if s.side() == Some(Side::Trust) => {
            format!("Principal `{}`", safe(p))
        }
        Matched::Pattern(p) => format!("Resource `{}`", safe(p)),
        Matched::NotListed => "NotResource (does not list it)".to_owned(),
        Matched::None => "no resource".to_owned(),
    };
    let on = if s.side() == Some(Side::Trust) {
        "for"
    } else {
        "on"
    };
    format!("{} {action} {on} {resource}", s.effect())
}

fn quoted(patterns: &[String]) -> String {
    patterns
        .iter()
        .map(|p| format!("`{}`", safe(p)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes `who-can`'s answer: one line per principal, allowed ones first.
pub fn write_who_can(
    out: &mut impl Write,
    request: &crate::decision::Request,
    decisions: &[crate::account::PrincipalDecision],
) -> io::Result<()> {
    let allowed = decisions
        .iter()
        .filter(|d| d.outcome.decision().is_allowed())
        .count();
    writeln!(
        out,
        "{allowed} of {} principals may call {} on {}",
        decisions.len(),
        safe(request.action()),
        safe(request.resource().as_str())
    )?;
    let width = decisions
        .iter()
        .map(|d| safe(&d.principal).chars().count())
        .max()
        .unwrap_or(0);
    for d in decisions {
        let verdict = match d.outcome.decision() {
            Decision::Allow => "ALLOW",
            Decision::ExplicitDeny => "DENY (explicit)",
            Decision::ImplicitDeny => "DENY (implicit)",
        };
        let by: Vec<String> = d.outcome.deciding().iter().map(location).collect();
        let by = if by.is_empty() {
            String::new()
        } else {
            format!(" by {}", by.join(", "))
        };
        writeln!(
            out,
            "  {verdict:<15}  {:<width$}  {}{by}",
            safe(&d.principal),
            d.outcome.stage().name()
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::decision::{NamedPolicy, PolicySet, Request};
    use crate::policy::Policy;

    fn render(effect: &str, color: bool) -> String {
        let policy = Policy::parse(&format!(
            r#"{{"Version": "1", "Statement": [{{"Effect": "{effect}", "Action": "ecs:*", "Resource": "*",
                "Condition": {{"Bool": {{"acs:SecureTransport": "true"}}}}}}]}}"#
        ))
        .expect("policy");
        let named = NamedPolicy::new("p", Some("p.json".into()), Arc::new(policy));
        let set = PolicySet::new(vec![named]);
        let mut context = crate::decision::Context::new();
        context
            .insert("acs:SecureTransport", "true")
            .expect("context");
        let request = Request::new(
            "ecs:CancelImagePipelineExecution",
            "acs:ecs:cn-hangzhou:1234567890123456:imagepipeline/ip-1",
        )
        .expect("request")
        .with_context(context);
        let outcome = set.decide(&request).expect("decides");
        let mut out = Vec::new();
        write_check(
            &mut out,
            &CheckReport::new(&request, None, &outcome, &[]),
            color,
        )
        .expect("writes");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn colour_paints_the_verdict_the_location_and_each_outcome() {
        let allow = render("Allow", true);
        assert!(allow.starts_with("\x1b[1;32mALLOW\x1b[0m: "), "{allow}");
        assert!(allow.contains("  \x1b[1mp.json:1:32\x1b[0m: "), "{allow}");
        assert!(
            allow.ends_with("\u{2192} \x1b[1;32mmet\x1b[0m\n"),
            "{allow}"
        );
        let deny = render("Deny", true);
        assert!(
            deny.starts_with("\x1b[1;31mDENY (explicit deny)\x1b[0m: "),
            "{deny}"
        );
    }

    #[test]
    fn no_colour_is_plain_text() {
        let allow = render("Allow", false);
        assert!(!allow.contains('\x1b'), "{allow}");
        assert!(allow.starts_with("ALLOW: "), "{allow}");
    }
}
