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

fn joined<S: AsRef<str>>(items: &[S], conjunction: &'static str) -> String {
    Joined(items, conjunction).to_string()
}

/// [`and_list`] written where it is shown, with no string of its own: a changelog of a
/// hundred thousand events names a list in each.
pub fn and_words<S: AsRef<str>>(items: &[S]) -> Joined<'_, S> {
    Joined(items, "and")
}

/// Items and the conjunction before the last one.
pub struct Joined<'a, S>(&'a [S], &'static str);

impl<S: AsRef<str>> std::fmt::Display for Joined<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Joined(items, conjunction) = self;
        let Some((last, rest)) = items.split_last() else {
            return Ok(());
        };
        for (i, item) in rest.iter().enumerate() {
            f.write_str(if i == 0 { "" } else { ", " })?;
            f.write_str(item.as_ref())?;
        }
        if !rest.is_empty() {
            write!(f, " {conjunction} ")?;
        }
        f.write_str(last.as_ref())
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
