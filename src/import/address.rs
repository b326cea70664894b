//! RFC 822-style address lists as Debian writes them in Maintainer and Uploaders:
//! `Name <addr>`, `"Last, First" <addr>`, or a bare `addr`, separated by commas.

/// One address with its display name (possibly empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub name: String,
    pub email: String,
}

/// Why an address list does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("unbalanced quote in `{0}`")]
    UnbalancedQuote(String),
    #[error("malformed address `{0}`")]
    Malformed(String),
    #[error("`{email}` is not an email address (in `{within}`)")]
    NotAnAddress { email: String, within: String },
}

/// Splits on commas outside quotes and angle brackets, then parses each part.
pub fn parse_list(s: &str) -> Result<Vec<Address>, AddressError> {
    let mut parts = Vec::new();
    let (mut quoted, mut angle, mut start) = (false, false, 0);
    for (i, c) in s.char_indices() {
        match c {
            '"' if !angle => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return Err(AddressError::UnbalancedQuote(s.to_owned()));
    }
    parts.push(&s[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(parse_one)
        .collect()
}

/// Parses one `Name <addr>` or bare `addr`.
pub fn parse_one(s: &str) -> Result<Address, AddressError> {
    let s = s.trim();
    let (name, email) = match (s.rfind('<'), s.ends_with('>')) {
        (Some(i), true) => (s[..i].trim(), s[i + 1..s.len() - 1].trim()),
        (None, false) => ("", s),
        _ => return Err(AddressError::Malformed(s.to_owned())),
    };
    let name = name
        .trim_matches('"')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let valid = email.split_once('@').is_some_and(|(l, d)| {
        !l.is_empty() && d.contains('.') && !email.contains(char::is_whitespace)
    });
    if !valid {
        return Err(AddressError::NotAnAddress {
            email: email.to_owned(),
            within: s.to_owned(),
        });
    }
    Ok(Address {
        name,
        email: email.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_names_with_commas() {
        let l = parse_list(
            "Aurelien Jarno <aurel32@debian.org>, \"Adam C. Powell, IV\" <hazelsct@debian.org>",
        )
        .unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[1].name, "Adam C. Powell, IV");
        assert_eq!(l[1].email, "hazelsct@debian.org");
    }

    #[test]
    fn bad_addresses() {
        assert!(parse_one("Foo <foo>").is_err());
        assert!(parse_one("Foo <foo@bar.org").is_err());
        assert!(parse_list("\"Foo <a@b.c>").is_err());
    }
}
