//! How counts and lists of names read in English, for every message and page: "1 file",
//! "2 files"; "alice", "alice and dave", "alice, bob and dave".

/// `n` followed by the noun in the number that agrees with it.
pub fn count<N>(n: N, one: &str, many: &str) -> String
where
    N: Copy + std::fmt::Display + PartialEq + From<u8>,
{
    format!("{n} {}", noun(n, one, many))
}

/// The noun that agrees with `n`.
pub fn noun<'a, N>(n: N, one: &'a str, many: &'a str) -> &'a str
where
    N: PartialEq + From<u8>,
{
    if n == N::from(1) { one } else { many }
}

/// The items joined as a sentence lists them: "a", "a and b", "a, b and c".
pub fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    joined(items, "and")
}

/// The items as alternatives: "a", "a or b", "a, b or c".
pub fn or_list<S: AsRef<str>>(items: &[S]) -> String {
    joined(items, "or")
}

fn joined<S: AsRef<str>>(items: &[S], conjunction: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [rest @ .., last] => {
            let head: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} {conjunction} {}", head.join(", "), last.as_ref())
        }
    }
}

/// `word` with the indefinite article its spelling asks for: "a pu", "an opu". (By the first
/// letter: right for the short names maintdb uses, not for every English word.)
pub fn with_article(word: &str) -> String {
    let vowel = word
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {word}", if vowel { "an" } else { "a" })
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
        assert_eq!(or_list(&["alice", "dave"]), "alice or dave");
    }

    #[test]
    fn articles_follow_the_first_letter() {
        assert_eq!(with_article("pu"), "a pu");
        assert_eq!(with_article("opu"), "an opu");
    }
}
