//! How counts and lists of names read in English, for every message and page: "1 file",
//! "2 files"; "alice", "alice and dave", "alice, bob and dave".

/// `n` followed by the noun in the number that agrees with it.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", noun(n, one, many))
}

/// The noun that agrees with `n`.
pub fn noun<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// The items joined as a sentence lists them: "a", "a and b", "a, b and c".
pub fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [rest @ .., last] => {
            let head: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", head.join(", "), last.as_ref())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_in_number() {
        assert_eq!(count(0, "bug", "bugs"), "0 bugs");
        assert_eq!(count(1, "bug", "bugs"), "1 bug");
        assert_eq!(count(2, "bug", "bugs"), "2 bugs");
    }

    #[test]
    fn lists_read_as_a_sentence() {
        assert_eq!(and_list::<&str>(&[]), "");
        assert_eq!(and_list(&["alice"]), "alice");
        assert_eq!(and_list(&["alice", "dave"]), "alice and dave");
        assert_eq!(and_list(&["alice", "bob", "dave"]), "alice, bob and dave");
    }
}
