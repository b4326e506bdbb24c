//! Text as residents search it: Vietnamese without its accents ("chung thuc"
//! finds "chứng thực"), case and spacing ignored.

/// Vietnamese letters with their marks, and the letter without them.
const FOLDS: &[(&str, char)] = &[
    ("àáảãạăằắẳẵặâầấẩẫậ", 'a'),
    ("èéẻẽẹêềếểễệ", 'e'),
    ("ìíỉĩị", 'i'),
    ("òóỏõọôồốổỗộơờớởỡợ", 'o'),
    ("ùúủũụưừứửữự", 'u'),
    ("ỳýỷỹỵ", 'y'),
    ("đ", 'd'),
];

/// Lowercase, without Vietnamese marks (precomposed or combining), words
/// separated by single spaces.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if ('\u{0300}'..='\u{036F}').contains(&c) {
            continue;
        }
        let c = FOLDS
            .iter()
            .find(|(marked, _)| marked.contains(c))
            .map_or(c, |(_, plain)| *plain);
        if c.is_whitespace() || matches!(c, ',' | ';' | ':' | '(' | ')' | '/') {
            if !out.ends_with(' ') && !out.is_empty() {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out.trim_end().to_owned()
}

/// Whether every word of `query` is in `text`, accents and case ignored.
pub fn matches(text: &str, query: &str) -> bool {
    let text = fold(text);
    fold(query)
        .split(' ')
        .filter(|w| !w.is_empty())
        .all(|word| text.contains(word))
}

/// How well `query` fits a thing named `name` described by `rest`: 3 when
/// the name holds the whole phrase, 2 when it holds every word, 1 when the
/// words are found in the rest, 0 when not (accents and case ignored).
pub fn score(name: &str, rest: &str, query: &str) -> u8 {
    let phrase = fold(query);
    let name = fold(name);
    if name.contains(&phrase) {
        3
    } else if matches(&name, &phrase) {
        2
    } else if matches(&format!("{name} {rest}"), &phrase) {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_is_found_without_its_accents() {
        assert_eq!(fold("Chứng thực bản sao"), "chung thuc ban sao");
        assert_eq!(fold("ĐĂNG KÝ KHAI SINH"), "dang ky khai sinh");
        // Combining marks (decomposed input) too.
        assert_eq!(fold("chu\u{301}ng thu\u{323}c"), "chung thuc");
        assert!(matches("Chứng thực bản sao từ bản chính", "chung thuc"));
        assert!(matches("Chứng thực bản sao từ bản chính", "BẢN   chính"));
        assert!(!matches("Đăng ký khai sinh", "khai tu"));
        assert!(matches("anything", "  "));
        let query = "chung thuc";
        assert_eq!(score("Chứng thực bản sao", "", query), 3);
        assert_eq!(score("Thực hiện chứng nhận", "", query), 2);
        assert_eq!(score("Khai sinh", "Chứng thực viên thực", query), 1);
        assert_eq!(score("Khai sinh", "Hộ tịch", query), 0);
    }
}
