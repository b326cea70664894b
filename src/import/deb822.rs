//! A deb822 reader (Debian control files, `Sources` indexes): stanzas of `Field: value` lines,
//! continuation lines start with white space, stanzas are separated by blank lines.

/// One field with the line it starts on.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub line: usize,
}

/// One paragraph.
#[derive(Debug, Clone)]
pub struct Stanza {
    pub line: usize,
    pub fields: Vec<Field>,
}

impl Stanza {
    /// A field by name (case-insensitive, as deb822 field names are).
    pub fn get(&self, name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

/// A line that is not part of any field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub message: String,
}

/// Parses `text`; returns every stanza it could read and every malformed line.
pub fn parse(text: &str) -> (Vec<Stanza>, Vec<SyntaxError>) {
    let mut stanzas = Vec::new();
    let mut errors = Vec::new();
    let mut cur: Option<Stanza> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            stanzas.extend(cur.take());
            continue;
        }
        if raw.starts_with('#') {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            match cur.as_mut().and_then(|s| s.fields.last_mut()) {
                Some(f) => {
                    f.value.push('\n');
                    f.value.push_str(raw.trim());
                }
                None => errors.push(SyntaxError {
                    line,
                    message: "continuation line without a field before it".into(),
                }),
            }
            continue;
        }
        match raw.split_once(':') {
            Some((name, value)) if !name.is_empty() && !name.contains(char::is_whitespace) => {
                let s = cur.get_or_insert_with(|| Stanza {
                    line,
                    fields: Vec::new(),
                });
                s.fields.push(Field {
                    name: name.to_owned(),
                    value: value.trim().to_owned(),
                    line,
                });
            }
            _ => errors.push(SyntaxError {
                line,
                message: format!(
                    "expected `Field: value`, found `{}`",
                    raw.chars().take(60).collect::<String>()
                ),
            }),
        }
    }
    stanzas.extend(cur);
    (stanzas, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_and_continuations() {
        let (s, e) = parse("Package: a\nUploaders: x <x@y>,\n y <y@z>\n\nPackage: b\n");
        assert!(e.is_empty());
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].get("uploaders").unwrap().value, "x <x@y>,\ny <y@z>");
        assert_eq!(s[1].line, 5);
    }

    #[test]
    fn malformed_line_is_reported() {
        let (_, e) = parse("Package: a\nthis is wrong\n");
        assert_eq!(e[0].line, 2);
    }
}
