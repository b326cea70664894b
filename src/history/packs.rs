//! Objects read the way git reads a history. Successive versions of a tree or a blob are
//! stored as chains of deltas, often 50 deep; gix's pack cache keeps only the object asked
//! for, so each version of a tree resolved its whole chain again (about 25 small zlib
//! streams per object on a 10,000-commit history). Like git's delta base cache, [`Packs`]
//! keeps every base it resolves on the way: it walks the chain down to the first base it
//! holds and decodes upwards from there, one delta per link, each link kept for the next
//! version that shares it.

use std::cell::RefCell;

type Result<T> = std::result::Result<T, gix::Error>;

use gix::odb::pack::cache::DecodeEntry;
use gix::odb::pack::cache::lru::MemoryCappedHashmap;
use gix::odb::pack::data::entry::Header;
use gix::odb::pack::data::{self, decode::entry::ResolvedBase};

/// The bases a worker keeps, as git's `core.deltaBaseCacheLimit` (whose default is 96 MiB
/// for the whole process).
const CACHE_BYTES: usize = 32 * 1024 * 1024;

/// The packs of a repository, opened once and shared by the workers of a history read.
pub struct Bundles(Vec<gix::odb::pack::Bundle>);

impl Bundles {
    /// The packs in `objects/pack/` as they are now. A pack that cannot be opened is left
    /// out: its objects are then read through gix, as are loose objects, objects in packs
    /// written after this, and objects of alternates.
    pub fn open(repo: &gix::Repository) -> Bundles {
        let dir = repo.objects.store_ref().path().join("pack");
        let Ok(list) = std::fs::read_dir(dir) else {
            return Bundles(Vec::new());
        };
        let mut bundles: Vec<_> = list
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "idx"))
            .filter_map(|p| gix::odb::pack::Bundle::at(p, repo.object_hash()).ok())
            .collect();
        // The largest first: it holds most of a history.
        bundles.sort_by_key(|b| std::cmp::Reverse(b.index.num_objects()));
        // The cache knows a pack by its id, which gix derives from a checksum of the path:
        // two packs must never share one.
        for (id, b) in (0..).zip(&mut bundles) {
            b.pack.id = id;
        }
        Bundles(bundles)
    }
}

/// One worker's reader: the shared packs, its own base cache, and gix for what the packs do
/// not hold.
pub struct Packs<'a> {
    bundles: &'a Bundles,
    repo: gix::Repository,
    state: RefCell<State>,
}

struct State {
    bases: MemoryCappedHashmap,
    inflate: gix::zlib::Inflate,
    /// The links of the chain being resolved, top first.
    chain: Vec<data::Entry>,
    scratch: Vec<u8>,
}

impl<'a> Packs<'a> {
    pub fn new(bundles: &'a Bundles, repo: gix::Repository) -> Packs<'a> {
        Packs {
            bundles,
            repo,
            state: RefCell::new(State {
                bases: MemoryCappedHashmap::new(CACHE_BYTES),
                inflate: Default::default(),
                chain: Vec::new(),
                scratch: Vec::new(),
            }),
        }
    }

    /// The repository, for what is not read from packs.
    pub fn repo(&self) -> &gix::Repository {
        &self.repo
    }

    /// Object `idx` of `bundle` into `out`.
    fn decode<'b>(
        &self,
        bundle: &gix::odb::pack::Bundle,
        idx: u32,
        out: &'b mut Vec<u8>,
    ) -> Result<gix::objs::Data<'b>> {
        let pack = &bundle.pack;
        let st = &mut *self.state.borrow_mut();
        let top = pack.entry(bundle.index.pack_offset_at_index(idx))?;
        // Down the chain to the first link the cache holds, or to a full object (or a base
        // named by id, which the decoder finds itself).
        st.chain.clear();
        let mut link = top;
        while let Header::OfsDelta { base_distance } = link.header {
            if st
                .bases
                .get(pack.id, link.data_offset, &mut st.scratch)
                .is_some()
            {
                break;
            }
            let base = link
                .checked_base_pack_offset(base_distance)
                .ok_or_else(|| {
                    gix::Error::from_error(std::io::Error::other(
                        "a delta's base does not lie before it in its pack",
                    ))
                })?;
            st.chain.push(link);
            link = pack.entry(base)?;
        }
        if st.chain.is_empty() {
            st.chain.push(link);
        }
        // Up again: each link has its base in the cache, so costs one delta, and is kept
        // (the decoder puts what it decodes).
        let resolve = |id: &gix::oid, _: &mut Vec<u8>| {
            bundle
                .index
                .lookup(id)
                .map(|i| {
                    pack.entry(bundle.index.pack_offset_at_index(i))
                        .map(ResolvedBase::InPack)
                })
                .transpose()
        };
        let mut kind = None;
        for link in st.chain.drain(..).rev() {
            let done = pack.decode_entry(link, out, &mut st.inflate, &resolve, &mut st.bases)?;
            kind = Some(done.kind);
        }
        Ok(gix::objs::Data {
            kind: kind.expect("a chain has a link"),
            data: out.as_slice(),
            object_hash: pack.object_hash(),
        })
    }
}

impl gix::objs::Find for Packs<'_> {
    fn try_find<'b>(
        &self,
        id: &gix::oid,
        buffer: &'b mut Vec<u8>,
    ) -> Result<Option<gix::objs::Data<'b>>> {
        for bundle in &self.bundles.0 {
            if let Some(idx) = bundle.index.lookup(id) {
                return self.decode(bundle, idx, buffer).map(Some);
            }
        }
        self.repo.objects.try_find(id, buffer)
    }
}
