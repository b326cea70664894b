//! What the archive says: the versions a suite's `Sources` index holds (read with the import's
//! deb822 reader), and the uploads waiting in the queue report `new.822`.

use std::collections::BTreeMap;

use crate::import::InputError;
use crate::import::deb822;

/// Source package → the versions an index holds.
#[derive(Debug, Default, Clone)]
pub struct Versions(BTreeMap<String, Vec<String>>);

impl Versions {
    pub fn has(&self, package: &str, version: &str) -> bool {
        self.0
            .get(package)
            .is_some_and(|v| v.iter().any(|x| x == version))
    }

    pub fn of(&self, package: &str) -> &[String] {
        self.0.get(package).map_or(&[], Vec::as_slice)
    }

    pub fn insert(&mut self, package: &str, version: &str) {
        self.0
            .entry(package.to_owned())
            .or_default()
            .push(version.to_owned());
    }
}

fn stanzas(text: &str) -> Result<Vec<deb822::Stanza>, Vec<InputError>> {
    let (stanzas, syntax) = deb822::parse(text);
    if syntax.is_empty() {
        Ok(stanzas)
    } else {
        Err(syntax
            .into_iter()
            .map(|e| InputError {
                line: e.line,
                message: e.message,
            })
            .collect())
    }
}

/// Reads a `Sources` index into the versions it holds.
pub fn versions(text: &str) -> Result<Versions, Vec<InputError>> {
    let mut out = Versions::default();
    let mut errors = Vec::new();
    for s in stanzas(text)? {
        match (s.get("Package"), s.get("Version")) {
            (Some(p), Some(v)) => out.insert(&p.value, &v.value),
            _ => errors.push(InputError {
                line: s.line,
                message: "stanza without Package or Version".into(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// One upload in the archive's queues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub source: String,
    pub versions: Vec<String>,
    pub distribution: String,
    pub queue: String,
    pub closes: Vec<u64>,
}

/// Reads the queue report (`new.822`).
pub fn queue(text: &str) -> Result<Vec<Upload>, Vec<InputError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for s in stanzas(text)? {
        let field = |n: &str| s.get(n).map(|f| f.value.clone()).unwrap_or_default();
        let Some(source) = s.get("Source").filter(|f| !f.value.trim().is_empty()) else {
            errors.push(InputError {
                line: s.line,
                message: "queue entry without Source".into(),
            });
            continue;
        };
        let list = |v: String| -> Vec<String> {
            v.split([' ', ',', '\n'])
                .map(|x| x.trim().trim_start_matches('#').to_owned())
                .filter(|x| !x.is_empty())
                .collect()
        };
        out.push(Upload {
            source: source.value.clone(),
            versions: list(field("Version")),
            distribution: field("Distribution"),
            queue: field("Queue"),
            closes: list(field("Closes"))
                .iter()
                .filter_map(|b| b.parse().ok())
                .collect(),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_and_queue() {
        let v = versions("Package: zlib\nVersion: 1:1.2.13.dfsg-1\n\nPackage: zlib\nVersion: 1:1.2.13.dfsg-1+deb12u1\n").unwrap();
        assert!(v.has("zlib", "1:1.2.13.dfsg-1+deb12u1"));
        assert_eq!(v.of("zlib").len(), 2);
        assert!(versions("Package: a\n").is_err());
        let q = queue(
            "Source: zlib\nVersion: 1:1.2.13.dfsg-1+deb12u1\nDistribution: bookworm\n\
             Queue: stable-new\nCloses: #1070001 1060000\n",
        )
        .unwrap();
        assert_eq!(q[0].closes, [1070001, 1060000]);
        assert_eq!(q[0].queue, "stable-new");
        // Found by fuzzing: an empty Source (field names are case-insensitive) was an upload
        // of no package.
        let e = queue("SourCe:\nCloses: #1\n").unwrap_err();
        assert_eq!(e[0].message, "queue entry without Source");
    }
}
