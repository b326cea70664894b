//! LDIF content records (RFC 2849), as `ldapsearch -LLL` prints them: folded lines, base64
//! (`attr::`) values, comments, several entries separated by blank lines. Change records and
//! values given by URL (`attr:<`) are refused: a directory's search output has neither.

use base64::Engine;

use super::InputError;

/// One entry: its DN and its attribute values, in the order the input gave them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The line the entry's `dn:` is on.
    pub line: usize,
    pub dn: String,
    pub attrs: Vec<Attr>,
}

/// One attribute value. The name is the attribute type in lower case, without options
/// (`cn;lang-fr` is `cn`): attribute types are case-insensitive in LDAP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    pub name: String,
    pub value: Vec<u8>,
    pub line: usize,
}

impl Entry {
    /// Every value of attribute `name` (case-insensitive).
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Attr> + 'a {
        self.attrs
            .iter()
            .filter(move |a| a.name.eq_ignore_ascii_case(name))
    }
}

impl Attr {
    /// The value as text; an error naming the line when it is not UTF-8.
    pub fn text(&self) -> Result<&str, InputError> {
        std::str::from_utf8(&self.value).map_err(|_| InputError {
            line: self.line,
            message: format!("the value of `{}` is not UTF-8 text", self.name),
        })
    }
}

/// Parses a whole LDIF document.
pub fn parse(input: &[u8]) -> Result<Vec<Entry>, InputError> {
    let text = std::str::from_utf8(input).map_err(|e| {
        let line = 1 + input[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        InputError {
            line,
            message: "not UTF-8: LDIF carries other bytes in base64 (`attr:: ...`)".into(),
        }
    })?;
    let mut entries = Vec::new();
    let mut current: Option<Entry> = None;
    let mut first = true;
    for (line, logical) in unfold(text) {
        if logical.is_empty() {
            entries.extend(current.take());
            continue;
        }
        if logical.starts_with('#') {
            continue;
        }
        let (name, value) = attr_value(&logical, line)?;
        if first && current.is_none() && name.eq_ignore_ascii_case("version") {
            first = false;
            if value != b"1" {
                return Err(InputError {
                    line,
                    message: "only LDIF version 1 is understood".into(),
                });
            }
            continue;
        }
        first = false;
        match &mut current {
            None => {
                if !name.eq_ignore_ascii_case("dn") {
                    return Err(InputError {
                        line,
                        message: format!("an entry starts with `dn:`, not `{name}:`"),
                    });
                }
                let dn = String::from_utf8(value).map_err(|_| InputError {
                    line,
                    message: "the DN is not UTF-8 text".into(),
                })?;
                current = Some(Entry {
                    line,
                    dn,
                    attrs: Vec::new(),
                });
            }
            Some(e) => {
                if name.eq_ignore_ascii_case("changetype") {
                    return Err(InputError {
                        line,
                        message: "this is an LDIF change record; pass the directory's search \
                                  output (`ldapsearch -LLL ...`)"
                            .into(),
                    });
                }
                let name = name.split(';').next().unwrap_or(name).to_ascii_lowercase();
                e.attrs.push(Attr { name, value, line });
            }
        }
    }
    entries.extend(current);
    Ok(entries)
}

/// The logical lines, with the number of the physical line each starts on: a line that begins
/// with one space continues the one before it (the space is dropped).
fn unfold(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix(' '), out.last_mut()) {
            (Some(rest), Some((_, last))) if !last.is_empty() => last.push_str(rest),
            _ => out.push((i + 1, raw.to_owned())),
        }
    }
    out
}

/// `name: value`, `name:: base64` or `name:< url`.
fn attr_value(logical: &str, line: usize) -> Result<(&str, Vec<u8>), InputError> {
    let Some((name, rest)) = logical.split_once(':') else {
        return Err(InputError {
            line,
            message: format!("expected `attribute: value`, found `{}`", short(logical)),
        });
    };
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b';' || b == b'.');
    if !valid {
        return Err(InputError {
            line,
            message: format!("`{}` is not an attribute name", short(name)),
        });
    }
    if let Some(b64) = rest.strip_prefix(':') {
        let value = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| InputError {
                line,
                message: format!("the base64 value of `{name}` does not decode: {e}"),
            })?;
        return Ok((name, value));
    }
    if rest.starts_with('<') {
        return Err(InputError {
            line,
            message: format!(
                "the value of `{name}` is given by URL; pass values inline (ldapsearch without -t)"
            ),
        });
    }
    Ok((name, rest.trim_start_matches(' ').as_bytes().to_vec()))
}

fn short(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_lines_base64_and_several_entries() {
        let input = "version: 1\n\n# a comment\ndn: uid=alice,ou=people,dc=example,dc=org\nuid: alice\ncn:: w4lsb2Rp\n ZQ==\nmail: alice@example.org\nmail: a@e\n xample.org\n\n\ndn: uid=bob,ou=people,dc=example,dc=org\r\nuid: bob\r\ncn;lang-fr: Bob\r\n";
        let e = parse(input.as_bytes()).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].dn, "uid=alice,ou=people,dc=example,dc=org");
        assert_eq!(e[0].line, 4);
        assert_eq!(e[0].values("CN").next().unwrap().text().unwrap(), "Élodie");
        let mails: Vec<&str> = e[0].values("mail").map(|a| a.text().unwrap()).collect();
        assert_eq!(mails, ["alice@example.org", "a@example.org"]);
        assert_eq!(e[1].values("cn").next().unwrap().text().unwrap(), "Bob");
    }

    #[test]
    fn refusals_name_the_line() {
        let cases: [(&str, usize, &str); 6] = [
            ("uid: alice\n", 1, "starts with `dn:`"),
            ("dn: x\ncn:: ***\n", 2, "does not decode"),
            ("dn: x\njpegPhoto:< file:///tmp/a\n", 2, "by URL"),
            ("dn: x\nchangetype: add\n", 2, "change record"),
            ("dn: x\nno colon here\n", 2, "expected `attribute: value`"),
            ("version: 2\n", 1, "version 1"),
        ];
        for (input, line, what) in cases {
            let e = parse(input.as_bytes()).unwrap_err();
            assert_eq!(e.line, line, "{input:?}");
            assert!(e.message.contains(what), "{input:?}: {}", e.message);
        }
        let e = parse(b"dn: x\ncn: \xff\n").unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn binary_values_stay_bytes() {
        let e = parse(b"dn: x\njpegPhoto:: /9j/\n").unwrap();
        assert_eq!(e[0].attrs[0].value, [0xff, 0xd8, 0xff]);
        assert!(e[0].attrs[0].text().is_err());
    }
}
