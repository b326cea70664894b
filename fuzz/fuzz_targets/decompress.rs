//! The fetch layer's front: gzip, xz or plain, recognised by magic bytes, then read as text.
//! Output is bounded here as a mirror's answer is by its size: a bomb must not hang it.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use maintdb::fetch::decode::{Compression, decoder};

fuzz_target!(|data: &[u8]| {
    let (kind, reader) = decoder(data).expect("reading from memory does not fail");
    let mut out = Vec::new();
    let read = reader.take(1 << 22).read_to_end(&mut out);
    if kind == Compression::Plain {
        assert_eq!(out, data);
        assert!(read.is_ok());
    }
    let _ = String::from_utf8(out);
});
