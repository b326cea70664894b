//! The BTS's SOAP answers: `get_status` and `get_usertag` read from any bytes.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use maintdb::track::{bts, soap};

fuzz_target!(|data: &[u8]| {
    let _ = soap::parse(data);
    if let Ok(map) = soap::response_value(data, "get_status") {
        let asked: Vec<u64> = (0..64)
            .chain([290501, 474955, 486212, 770490, 400012])
            .collect();
        let mut out = BTreeMap::new();
        if bts::statuses(&map, &asked, &mut out).is_ok() {
            for (k, s) in &out {
                assert!(asked.contains(k) && s.bug == *k);
            }
        }
    }
    if let Ok(map) = soap::response_value(data, "get_usertag") {
        for tag in &map.children {
            let _ = tag
                .children
                .iter()
                .filter_map(|i| i.text.trim().parse::<u64>().ok())
                .count();
        }
    }
    let _ = soap::response_value(data, "get_bug_log");
});
