//! The texts diagnostics point into, and byte offset to line/column conversion.

use std::ops::Range;

/// Index of a file in [`Files`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

#[derive(Debug, Default)]
pub struct File {
    path: String,
    /// Shared by every path that holds the same blob.
    text: std::sync::Arc<str>,
}

impl File {
    pub fn new(path: String, text: std::sync::Arc<str>) -> File {
        File { path, text }
    }
}

/// Every file a check looked at: its repository-relative path and (when it was text) its content.
#[derive(Debug, Default)]
pub struct Files {
    files: Vec<File>,
}

/// Files added in order from many threads (a check's hundred thousand): the first gets the
/// next id.
impl rayon::iter::ParallelExtend<File> for Files {
    fn par_extend<I: rayon::iter::IntoParallelIterator<Item = File>>(&mut self, files: I) {
        self.files.par_extend(files);
    }
}

impl Files {
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<std::sync::Arc<str>>) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files.push(File {
            path: path.into(),
            text: text.into(),
        });
        id
    }

    /// Makes room for `n` more files: a check knows how many it will add.
    pub fn reserve(&mut self, n: usize) {
        self.files.reserve(n);
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn path(&self, id: FileId) -> &str {
        &self.files[id.0 as usize].path
    }

    pub fn text(&self, id: FileId) -> &str {
        &self.files[id.0 as usize].text
    }

    /// Byte offsets at which lines start, computed when a diagnostic is shown: most files
    /// never have one, and a check holds a hundred thousand of them.
    fn line_starts(&self, id: FileId) -> Vec<usize> {
        std::iter::once(0)
            .chain(self.text(id).match_indices('\n').map(|(i, _)| i + 1))
            .collect()
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, id: FileId, offset: usize) -> (usize, usize) {
        let starts = self.line_starts(id);
        let line = starts.partition_point(|&s| s <= offset).max(1) - 1;
        let text = self.text(id);
        let start = starts[line];
        let end = offset.min(text.len());
        let col = text.get(start..end).map_or(0, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// Line/column of a span's start, or 1:1 for file-level diagnostics.
    pub fn position(&self, id: FileId, span: Option<&Range<usize>>) -> (usize, usize) {
        span.map_or((1, 1), |s| self.line_col(id, s.start))
    }
}

impl<'a> codespan_reporting::files::Files<'a> for Files {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(self.path(id))
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(self.text(id))
    }

    fn line_index(
        &'a self,
        id: FileId,
        byte_index: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.line_col(id, byte_index).0 - 1)
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        let starts = self.line_starts(id);
        let len = self.text(id).len();
        let start =
            *starts
                .get(line_index)
                .ok_or(codespan_reporting::files::Error::LineTooLarge {
                    given: line_index,
                    max: starts.len() - 1,
                })?;
        let end = starts.get(line_index + 1).copied().unwrap_or(len);
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let mut f = Files::default();
        let id = f.add("a", "ab\ncdé\nx");
        assert_eq!(f.line_col(id, 0), (1, 1));
        assert_eq!(f.line_col(id, 3), (2, 1));
        assert_eq!(f.line_col(id, 7), (2, 4));
        assert_eq!(f.line_col(id, 8), (3, 1));
    }
}
