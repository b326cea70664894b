//! The history cache as read from disk: any bytes. Only a line exactly as the cache writes
//! it (its checksum over the JSON that follows) is trusted; anything else marks it damaged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maintdb::history::cache;

fuzz_target!(|data: &[u8]| {
    let loaded = cache::read(data);
    let lines = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    assert!(loaded.commits.len() <= lines);
    if !loaded.damaged {
        for c in loaded.commits.values() {
            assert!(!c.id.is_empty() || data.starts_with(b"0"));
        }
    }
});
