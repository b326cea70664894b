//! The imports' inputs: a Debian `Sources` index (deb822) and a text list of `pkg:login`
//! lines, planned on top of the shipped sample data's people and groups, and a directory's
//! LDIF (`person sync`). Input: a selector byte, then the text (LDIF: the bytes).
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use maintdb::import::{Registry, deb822, debian, directory, ldif, text};
use maintdb::model::Db;
use maintdb::names::NameRules;

static SAMPLE: LazyLock<Db> = LazyLock::new(maintdb_fuzz::sample_db);

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let input = String::from_utf8_lossy(rest);
    let rules = NameRules::default();
    match which % 4 {
        0 => {
            let (stanzas, errors) = deb822::parse(&input);
            for s in &stanzas {
                assert!(s.line >= 1);
            }
            for e in &errors {
                assert!(e.line >= 1);
            }
        }
        1 => {
            if let Ok(sources) = debian::read(&input, &rules) {
                let mut registry = Registry::from_db(&SAMPLE);
                let plan = debian::plan(sources, &rules, &mut registry);
                let _ = format!("{plan:?}");
            }
        }
        3 => {
            let lines = rest.split(|&b| b == b'\n').count();
            match ldif::parse(rest) {
                Ok(entries) => {
                    for e in &entries {
                        assert!(e.line >= 1 && e.line <= lines);
                    }
                    match directory::people(&entries, &directory::Attributes::default()) {
                        Ok((people, _)) => {
                            for p in &people {
                                assert!(!p.mails.iter().any(String::is_empty), "{p:?}");
                            }
                        }
                        Err(e) => assert!(e.line >= 1 && e.line <= lines, "{e:?}"),
                    }
                }
                Err(e) => assert!(e.line >= 1 && e.line <= lines, "{e:?}"),
            }
        }
        _ => {
            let registry = Registry::from_db(&SAMPLE);
            for email_domain in [None, Some("example.org".to_owned())] {
                let opts = text::Options { email_domain };
                match text::plan(&input, &rules, &registry, &opts) {
                    Ok(plan) => {
                        let _ = format!("{plan:?}");
                    }
                    Err(errors) => {
                        let lines = input.lines().count().max(1);
                        for e in &errors {
                            assert!(e.line >= 1 && e.line <= lines, "{e:?}");
                        }
                    }
                }
            }
        }
    }
});
