//! Reading one commit's objects by path: its root tree, the blob at a path, a tree entry.
//! A path that is not there is `Ok(None)`; an object that cannot be read is an error (the tool
//! failed, exit 2), never "absent".

use gix::objs::tree::EntryKind;

use super::SourceError;

/// Maps a gix failure to a [`SourceError`] about no object in particular.
pub fn git(what: &'static str) -> impl FnOnce(gix::Error) -> SourceError {
    git_at(gix::ObjectId::null(gix::hash::Kind::Sha1), what)
}

/// Like [`git`], naming the object the failure is about.
pub fn git_at(id: gix::ObjectId, what: &'static str) -> impl FnOnce(gix::Error) -> SourceError {
    move |source| SourceError::Object { id, what, source }
}

/// The root tree of a commit.
pub fn root_tree(
    repo: &gix::Repository,
    commit: gix::ObjectId,
) -> Result<gix::ObjectId, SourceError> {
    Ok(repo
        .find_commit(commit)
        .and_then(|c| c.tree_id())
        .map_err(git_at(commit, "reading a commit"))?
        .detach())
}

/// The entry at `path` (relative to the repository root) in the tree `root`.
pub fn entry_at(
    repo: &gix::Repository,
    root: gix::ObjectId,
    path: &str,
) -> Result<Option<(EntryKind, gix::ObjectId)>, SourceError> {
    let tree = repo
        .find_tree(root)
        .map_err(git_at(root, "reading a tree"))?;
    let entry = tree
        .lookup_entry_by_path(path)
        .map_err(|e| git_at(root, "reading a tree on a path")(gix::Error::from_error(e)))?;
    Ok(entry.map(|e| (e.mode().kind(), e.object_id())))
}

/// The bytes of the regular file at `path` in `root` (none for no tree, no such path, or
/// something that is not a file there).
pub fn blob_at(
    repo: &gix::Repository,
    root: Option<gix::ObjectId>,
    path: &str,
) -> Result<Option<Vec<u8>>, SourceError> {
    let Some(root) = root else {
        return Ok(None);
    };
    let Some((kind, id)) = entry_at(repo, root, path)? else {
        return Ok(None);
    };
    if !matches!(kind, EntryKind::Blob | EntryKind::BlobExecutable) {
        return Ok(None);
    }
    let blob = repo.find_blob(id).map_err(git_at(id, "reading a blob"))?;
    Ok(Some(blob.data.clone()))
}

/// The tree at `path` in `root` (none for no such path, or something that is not a tree).
pub fn tree_at(
    repo: &gix::Repository,
    root: gix::ObjectId,
    path: &str,
) -> Result<Option<gix::ObjectId>, SourceError> {
    Ok(entry_at(repo, root, path)?
        .and_then(|(kind, id)| matches!(kind, EntryKind::Tree).then_some(id)))
}

/// The tree object `id`.
pub fn tree(repo: &gix::Repository, id: gix::ObjectId) -> Result<gix::Tree<'_>, SourceError> {
    repo.find_tree(id).map_err(git_at(id, "reading a tree"))
}

/// The bytes of blob `id`.
pub fn blob(repo: &gix::Repository, id: gix::ObjectId) -> Result<Vec<u8>, SourceError> {
    Ok(repo
        .find_blob(id)
        .map_err(git_at(id, "reading a blob"))?
        .data
        .clone())
}
