//! FNV-1a, 64 bits: a fast checksum for short ETags. Not for anything an attacker chooses to
//! collide.

pub fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
