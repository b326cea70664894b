//! Changing an existing record's text with toml_edit, so comments, order and layout that
//! people wrote survive a command's edit.

use toml_edit::{Array, DocumentMut, Item, Value};

/// A record file being edited.
pub struct Editor {
    doc: DocumentMut,
}

impl Editor {
    /// Parses `text`; fails only for text that is not TOML (the validator reports that).
    pub fn parse(text: &str) -> Result<Self, toml_edit::TomlError> {
        Ok(Editor { doc: text.parse()? })
    }

    fn array(&mut self, key: &str) -> &mut Array {
        let item = &mut self.doc[key];
        if !matches!(item, Item::Value(Value::Array(_))) {
            *item = Item::Value(Value::Array(Array::new()));
        }
        item.as_array_mut().expect("just made an array")
    }

    /// Replaces a list of strings.
    pub fn set_list(&mut self, key: &str, values: &[String]) -> &mut Self {
        let arr = self.array(key);
        arr.clear();
        arr.extend(values.iter().map(String::as_str));
        self
    }

    /// Appends a string to a list unless it is there.
    pub fn push(&mut self, key: &str, value: &str) -> &mut Self {
        let arr = self.array(key);
        if !arr.iter().any(|v| v.as_str() == Some(value)) {
            arr.push(value);
        }
        self
    }

    /// Removes a string from a list, leaving the other items as they were written. A comment
    /// at the end of the previous line sits in the removed item's prefix; it is kept.
    pub fn remove(&mut self, key: &str, value: &str) -> &mut Self {
        let arr = self.array(key);
        loop {
            let Some(i) = arr.iter().position(|v| v.as_str() == Some(value)) else {
                break;
            };
            let removed = arr.remove(i);
            let prefix = removed
                .decor()
                .prefix()
                .and_then(|p| p.as_str())
                .unwrap_or("")
                .to_owned();
            match arr.get_mut(i) {
                Some(next) => next.decor_mut().set_prefix(prefix),
                None => {
                    let head = prefix.rfind('\n').map_or("", |n| &prefix[..=n]).to_owned();
                    let trailing = arr.trailing().as_str().unwrap_or("").to_owned();
                    let rest = match trailing.trim_start_matches([' ', '\t']).strip_prefix('\n') {
                        Some(rest) if !head.is_empty() => rest.to_owned(),
                        _ => trailing.clone(),
                    };
                    arr.set_trailing(format!("{head}{rest}"));
                }
            }
        }
        self
    }

    pub fn set_str(&mut self, key: &str, value: &str) -> &mut Self {
        self.doc[key] = toml_edit::value(value);
        self
    }

    pub fn set_bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.doc[key] = toml_edit::value(value);
        self
    }

    pub fn finish(&self) -> String {
        self.doc.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_comments_and_layout() {
        let text =
            "# who looks after it\nmaintainers = [\n  \"alice\", # since 2020\n  \"bob\",\n]\n";
        let out = Editor::parse(text)
            .unwrap()
            .remove("maintainers", "bob")
            .finish();
        assert!(out.starts_with("# who looks after it\n"), "{out}");
        assert!(out.contains("\"alice\", # since 2020"), "{out}");
        assert!(!out.contains("bob"), "{out}");
        let out = Editor::parse("maintainers = []\n")
            .unwrap()
            .push("maintainers", "carol")
            .finish();
        assert_eq!(out, "maintainers = [\"carol\"]\n");
        let out = Editor::parse("m = [\"bob\", \"carol\"]\n")
            .unwrap()
            .remove("m", "bob")
            .finish();
        assert_eq!(out, "m = [\"carol\"]\n");
        let text = "m = [\n  \"bob\", # main\n  \"carol\",\n]\n";
        let out = Editor::parse(text).unwrap().remove("m", "carol").finish();
        assert_eq!(out, "m = [\n  \"bob\", # main\n]\n");
        let text = "m = [\"a\", # c1\n \"b\", # c2\n \"c\"]\n";
        let out = Editor::parse(text).unwrap().remove("m", "b").finish();
        assert_eq!(out, "m = [\"a\", # c1\n \"c\"]\n");
    }
}
