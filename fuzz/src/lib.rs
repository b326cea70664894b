//! What the fuzz targets share.

use maintdb::model::Db;

/// The project's sample data (`maintainers/`), checked.
pub fn sample_db() -> Db {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let source = maintdb::source::Source::Worktree(maintdb::source::WorktreeSource::new(root));
    let (db, report) = maintdb::validate::check(&source).expect("the sample data reads");
    assert!(!report.has_errors(), "the sample data is valid");
    db
}
