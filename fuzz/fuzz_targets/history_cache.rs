//! The history cache as read from disk: any bytes. Only a record exactly as the cache writes
//! it (its checksum over the bytes it holds) is trusted; anything else marks it damaged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maintdb::history::cache;

fuzz_target!(|data: &[u8]| {
    let mut loaded = cache::read(data.to_vec());
    // Each record is at least its length, a 20-byte id and its checksum.
    assert!(loaded.len() <= data.len() / 29);
    for id in loaded.ids() {
        // A record either decodes to a commit of its own id or marks the cache damaged.
        match loaded.get(&id) {
            Some(c) => {
                assert_eq!(c.id, id.to_string());
                assert!(c.parent.as_ref().is_none_or(|p| p.len() == 40 || p.len() == 64));
            }
            None => assert!(loaded.damaged),
        }
    }
});
