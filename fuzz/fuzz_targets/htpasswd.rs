//! The htpasswd reader: any text. Reading never hangs on a hash's stated cost, and a user
//! the file holds is checked (or refused) in bounded time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maintdb::serve::htpasswd::Htpasswd;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (users, warnings) = Htpasswd::parse(&text);
    assert!(warnings.len() <= text.lines().count());
    assert!((4..=17).contains(&users.cost()));
    if users.cost() > 6 {
        // Checks at a cost htpasswd makes but this fuzzer cannot afford (seconds each).
        return;
    }
    // The first line's user, with a wrong password, and a user the file does not hold.
    if let Some((user, _)) = text.lines().next().and_then(|l| l.trim().split_once(':')) {
        assert!(!users.check(user, "not the password"));
    }
    assert!(!users.check("\u{0}no such user", ""));
});
