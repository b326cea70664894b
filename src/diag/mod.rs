//! Problems found in the data: one [`Diagnostic`] each, collected into a [`Report`]. These are
//! results, not errors: `Err` is reserved for failures of the tool itself.

mod code;
mod files;
mod render;
mod user;

use std::ops::Range;

pub use code::{Code, Severity};
pub use files::{File, FileId, Files};
pub use render::{Format, write_report};
pub use user::{ApiCode, OpCode, Rule, UserCode};

/// A second place a diagnostic points at (the other side of a conflict).
#[derive(Debug, Clone)]
pub struct Related {
    pub file: FileId,
    pub span: Option<Range<usize>>,
    pub message: String,
}

/// One problem in one file.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: Code,
    pub file: FileId,
    /// Byte range in the file's text; `None` for file-level problems.
    pub span: Option<Range<usize>>,
    pub message: String,
    pub help: String,
    pub related: Option<Related>,
}

impl Diagnostic {
    /// A diagnostic whose help is the code's standard fix.
    pub fn new(
        code: Code,
        file: FileId,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            file,
            span,
            message: message.into(),
            help: code.fix().to_owned(),
            related: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }

    pub fn related(
        mut self,
        file: FileId,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        self.related = Some(Related {
            file,
            span,
            message: message.into(),
        });
        self
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

/// Everything a check found, with the files it read.
#[derive(Debug, Default)]
pub struct Report {
    pub files: Files,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity() == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    /// Sorts diagnostics by file path, then position, then code, so output is stable.
    pub fn sort(&mut self) {
        let files = &self.files;
        self.diagnostics.sort_by(|a, b| {
            (files.path(a.file), a.span.as_ref().map(|s| s.start), a.code).cmp(&(
                files.path(b.file),
                b.span.as_ref().map(|s| s.start),
                b.code,
            ))
        });
    }

    /// The codes present, for tests and summaries.
    pub fn codes(&self) -> Vec<Code> {
        self.diagnostics.iter().map(|d| d.code).collect()
    }
}
