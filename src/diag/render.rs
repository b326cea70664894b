//! Writing a [`Report`] in the four output formats of `maintdb check`.

use std::io::{self, Write};

use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;

use super::{Diagnostic, Report, Severity};
use crate::words::count;

/// Output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per problem plus a help line: for logs and scripts.
    Short,
    /// Source excerpts with labels: for a terminal.
    Rich,
    /// One JSON document.
    Json,
    /// GitHub Actions workflow annotations.
    Github,
}

/// Writes `report` to `out`. `color` applies to the rich format only.
pub fn write_report(
    report: &Report,
    format: Format,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Short => short(report, out),
        Format::Rich => rich(report, color, out),
        Format::Json => json(report, out),
        Format::Github => github(report, out),
    }
}

fn summary(report: &Report) -> String {
    format!(
        "{}, {} in {}",
        count(report.errors(), "error", "errors"),
        count(report.warnings(), "warning", "warnings"),
        count(report.files.len(), "file", "files"),
    )
}

fn short(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for d in &report.diagnostics {
        let (line, col) = report.files.position(d.file, d.span.as_ref());
        writeln!(
            out,
            "{}:{line}:{col}: {}[{}]: {}",
            report.files.path(d.file),
            d.severity().as_str(),
            d.code,
            d.message
        )?;
        if let Some(r) = &d.related {
            let (rl, rc) = report.files.position(r.file, r.span.as_ref());
            writeln!(
                out,
                "    note: {}:{rl}:{rc}: {}",
                report.files.path(r.file),
                r.message
            )?;
        }
        writeln!(out, "    help: {}", d.help)?;
    }
    writeln!(out, "{}", summary(report))
}

fn to_codespan(d: &Diagnostic, files: &super::Files) -> cs::Diagnostic<super::FileId> {
    let sev = match d.severity() {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let mut labels = Vec::new();
    if let Some(span) = &d.span {
        labels.push(cs::Label::primary(d.file, span.clone()));
    }
    let mut notes = Vec::new();
    if let Some(r) = &d.related {
        match &r.span {
            Some(span) => {
                labels.push(cs::Label::secondary(r.file, span.clone()).with_message(&r.message))
            }
            None => notes.push(r.message.clone()),
        }
    }
    if d.span.is_none() {
        // File-level problem: name the file, as there is no excerpt to show.
        notes.insert(0, format!("file: {}", files.path(d.file)));
    }
    notes.push(format!("help: {}", d.help));
    cs::Diagnostic::new(sev)
        .with_code(d.code.as_str())
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

fn rich(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let config = term::Config::default();
    for d in &report.diagnostics {
        let diag = to_codespan(d, &report.files);
        let res = if color {
            let mut w = term::termcolor::Ansi::new(&mut *out);
            term::emit_to_write_style(&mut w, &config, &report.files, &diag)
        } else {
            term::emit_to_io_write(&mut *out, &config, &report.files, &diag)
        };
        res.map_err(|e| match e {
            codespan_reporting::files::Error::Io(e) => e,
            other => io::Error::other(other.to_string()),
        })?;
    }
    writeln!(out, "{}", summary(report))
}

fn json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let diagnostics: Vec<_> = report
        .diagnostics
        .iter()
        .map(|d| {
            let (line, column) = report.files.position(d.file, d.span.as_ref());
            serde_json::json!({
                "code": d.code.as_str(),
                "severity": d.severity().as_str(),
                "path": report.files.path(d.file),
                "line": line,
                "column": column,
                "message": d.message,
                "help": d.help,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "diagnostics": diagnostics,
        "summary": {
            "errors": report.errors(),
            "warnings": report.warnings(),
            "files": report.files.len(),
        }
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// Escapes a value for a workflow command (GitHub's `%`, CR, LF, and `:`/`,` in properties).
fn gh_escape(s: &str, property: bool) -> String {
    let mut o = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        o = o.replace(':', "%3A").replace(',', "%2C");
    }
    o
}

fn github(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for d in &report.diagnostics {
        let (line, col) = report.files.position(d.file, d.span.as_ref());
        writeln!(
            out,
            "::{} file={},line={line},col={col},title={}::{}",
            d.severity().as_str(),
            gh_escape(report.files.path(d.file), true),
            gh_escape(d.code.as_str(), true),
            gh_escape(&format!("{}\nhelp: {}", d.message, d.help), false),
        )?;
    }
    writeln!(out, "{}", summary(report))
}
