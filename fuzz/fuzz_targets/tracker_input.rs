//! The tracker's other inputs: the security tracker's JSON, the archive's queue report
//! (`new.822`) and its `Sources` versions. Input: a selector byte, then the document.
#![no_main]

use std::collections::BTreeSet;

use libfuzzer_sys::fuzz_target;
use maintdb::track::{archive, security};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 3 {
        0 => {
            let suites = [
                ("bookworm".to_owned(), "stable".to_owned()),
                ("bullseye".to_owned(), "oldstable".to_owned()),
            ];
            let tracked: BTreeSet<u64> = [1, 2, 1060000].into();
            let criteria = security::Criteria {
                suites: &suites,
                tracked: &tracked,
            };
            if let Ok(found) = security::candidates(rest, &criteria) {
                for c in &found {
                    let _ = format!("{c:?}");
                }
            }
        }
        1 => {
            let text = String::from_utf8_lossy(rest);
            if let Ok(queue) = archive::queue(&text) {
                for u in &queue {
                    assert!(!u.source.trim().is_empty(), "{u:?}");
                }
            }
        }
        _ => {
            let _ = archive::versions(&String::from_utf8_lossy(rest));
        }
    }
});
