//! Generates the translation table from `locales/*.json`, so that every key the UI
//! uses is checked at compile time and every language has every key.

use std::{collections::BTreeMap, env, fmt::Write as _, fs, path::PathBuf};

const LANGS: [&str; 2] = ["vi", "en"];

fn main() {
    // The UI's wasm is split into chunks after linking (`cargo xtask
    // build-ui`, `wasm_split_cli_support`), which reads the linker's
    // relocations: only the wasm build keeps them.
    if env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo::rustc-link-arg=--emit-relocs");
    }
    let locales = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"))
        .join("..")
        .join("locales");
    let mut tables: Vec<BTreeMap<String, String>> = Vec::new();
    for lang in LANGS {
        let path = locales.join(format!("{lang}.json"));
        println!("cargo::rerun-if-changed={}", path.display());
        let text = fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
        let table: BTreeMap<String, String> = serde_json::from_str(&text).unwrap_or_else(|err| {
            panic!(
                "{} is not a flat JSON object of strings: {err}",
                path.display()
            )
        });
        for (key, value) in &table {
            assert!(
                key.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'),
                "{lang}: key {key:?} may hold only a-z, 0-9, '_' and '.'"
            );
            assert!(!value.trim().is_empty(), "{lang}: {key} is empty");
        }
        tables.push(table);
    }
    // `notify.*` texts are the shell's (system notifications) and `package.*`
    // the Debian package's desktop entry (`cargo xtask package`), not the UI's.
    let keys: Vec<&String> = tables[0]
        .keys()
        .filter(|key| !key.starts_with("notify.") && !key.starts_with("package."))
        .collect();
    for (lang, table) in LANGS.iter().zip(&tables).skip(1) {
        let other: Vec<&String> = table.keys().collect();
        let missing: Vec<_> = keys.iter().filter(|k| !table.contains_key(**k)).collect();
        let extra: Vec<_> = other
            .iter()
            .filter(|k| !tables[0].contains_key(**k))
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "locales/{lang}.json differs from vi.json: missing {missing:?}, extra {extra:?}"
        );
    }

    let mut out = String::from(
        "/// A user-visible string, by key in `locales/*.json`.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq)]\npub enum Key {\n",
    );
    for key in &keys {
        let _ = writeln!(out, "    /// `{key}`\n    {},", variant(key));
    }
    out.push_str("}\n\n/// The text of `key` in `lang`.\npub fn text(lang: cds_domain::Lang, key: Key) -> &'static str {\n    match lang {\n");
    for (lang, table) in LANGS.iter().zip(&tables) {
        let variant_lang = if *lang == "vi" { "Vi" } else { "En" };
        let _ = writeln!(
            out,
            "        cds_domain::Lang::{variant_lang} => match key {{"
        );
        for (key, value) in table
            .iter()
            .filter(|(key, _)| !key.starts_with("notify.") && !key.starts_with("package."))
        {
            let _ = writeln!(out, "            Key::{} => {:?},", variant(key), value);
        }
        out.push_str("        },\n");
    }
    out.push_str("    }\n}\n");
    let dest = PathBuf::from(env::var("OUT_DIR").expect("cargo sets it")).join("i18n_table.rs");
    fs::write(dest, out).expect("OUT_DIR is writable");
}

/// `home.offline_notice` → `HomeOfflineNotice`.
fn variant(key: &str) -> String {
    key.split(['.', '_'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}
