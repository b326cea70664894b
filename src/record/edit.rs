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

    /// Makes a list hold exactly `values`, in that order, moving as little as it can: when
    /// the items that stay are already in order, the others are removed and the new ones
    /// appended, so every kept item keeps its comments. Otherwise the list is rewritten.
    pub fn replace_list(&mut self, key: &str, values: &[String]) -> &mut Self {
        let current: Vec<String> = self
            .array(key)
            .iter()
            .filter_map(|v| v.as_str().map(ToOwned::to_owned))
            .collect();
        let kept: Vec<&String> = current.iter().filter(|c| values.contains(c)).collect();
        if !values.iter().take(kept.len()).eq(kept.iter().copied()) {
            return self.set_list(key, values);
        }
        for gone in current.iter().filter(|c| !values.contains(c)) {
            self.remove(key, gone);
        }
        for new in &values[kept.len()..] {
            self.push(key, new);
        }
        self
    }

    /// Appends a string to a list unless it is there. In a list written one item per line, the
    /// new item goes on a line of its own, indented like the one before it, after any comment
    /// that ends that line.
    pub fn push(&mut self, key: &str, value: &str) -> &mut Self {
        let arr = self.array(key);
        if arr.iter().any(|v| v.as_str() == Some(value)) {
            return self;
        }
        let last_prefix = arr
            .iter()
            .last()
            .and_then(|v| v.decor().prefix())
            .and_then(|p| p.as_str())
            .unwrap_or("")
            .to_owned();
        arr.push(value);
        let Some(nl) = last_prefix.rfind('\n') else {
            return self;
        };
        let indent = &last_prefix[nl + 1..];
        let trailing = arr.trailing().as_str().unwrap_or("").to_owned();
        let (prefix, rest) = match trailing.rfind('\n') {
            Some(n) => (
                format!("{}{indent}", &trailing[..=n]),
                format!("\n{}", &trailing[n + 1..]),
            ),
            None => (format!("{trailing}\n{indent}"), String::new()),
        };
        let n = arr.len();
        arr.get_mut(n - 1)
            .expect("just pushed")
            .decor_mut()
            .set_prefix(prefix);
        arr.set_trailing(rest);
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

    /// Sets `key` inside the table `table` (made if missing), keeping the rest as written.
    pub fn set_in_table(&mut self, table: &str, key: &str, value: &str) -> &mut Self {
        let item = &mut self.doc[table];
        if !item.is_table_like() {
            *item = toml_edit::table();
        }
        item[key] = toml_edit::value(value);
        self
    }

    pub fn set_bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.doc[key] = toml_edit::value(value);
        self
    }

    /// Removes a key and its value.
    pub fn remove_key(&mut self, key: &str) -> &mut Self {
        self.doc.remove(key);
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
        let out = Editor::parse("m = [\n  \"a\"]\n")
            .unwrap()
            .push("m", "b")
            .finish();
        assert_eq!(out, "m = [\n  \"a\",\n  \"b\"]\n");
        let out = Editor::parse("m = [\"a\"] # x\n")
            .unwrap()
            .push("m", "b")
            .finish();
        assert_eq!(out, "m = [\"a\", \"b\"] # x\n");
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

    #[test]
    fn replacing_a_list_keeps_the_comments_of_what_stays() {
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let text = "m = [\n  \"a\", # lead\n  \"b\",\n]\n";
        let out = Editor::parse(text)
            .unwrap()
            .replace_list("m", &list(&["a", "c"]))
            .finish();
        assert_eq!(out, "m = [\n  \"a\", # lead\n  \"c\",\n]\n");
        // A new order cannot keep positions: the list is rewritten with the values asked for.
        let out = Editor::parse(text)
            .unwrap()
            .replace_list("m", &list(&["b", "a"]))
            .finish();
        let doc: toml_edit::DocumentMut = out.parse().unwrap();
        let got: Vec<&str> = doc["m"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert_eq!(got, ["b", "a"]);
    }
}
