//! The pre-receive hook's standard input: `<old> <new> <ref>` lines as git writes them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maintdb::hook::parse_updates;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    match parse_updates(&input) {
        Ok(updates) => {
            let lines = input.lines().filter(|l| !l.trim().is_empty()).count();
            assert_eq!(updates.len(), lines);
            for u in &updates {
                assert!(!u.refname.is_empty() && !u.refname.contains(char::is_whitespace));
            }
        }
        Err(e) => assert!(e.to_string().starts_with("line "), "{e}"),
    }
});
