//! Masking personal data for screens that strangers can see (the kiosk faces the room).

/// "Nguyễn Văn An" → "N. V. An": initials, and the given name a citizen recognises.
pub fn mask_name(full: &str) -> String {
    let words: Vec<&str> = full.split_whitespace().collect();
    match words.split_last() {
        None => String::new(),
        Some((given, [])) => given.to_string(),
        Some((given, rest)) => {
            let initials: Vec<String> = rest.iter().filter_map(|w| w.chars().next()).map(|c| format!("{c}.")).collect();
            format!("{} {given}", initials.join(" "))
        }
    }
}

/// "001088012345" → "••••••••2345": enough to tell two people apart, not enough to reuse.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.trim().chars().collect();
    let keep = if chars.len() > 6 { 4 } else { 0 };
    let (hidden, shown) = chars.split_at(chars.len() - keep);
    format!("{}{}", "•".repeat(hidden.len()), shown.iter().collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(mask_name("Nguyễn Văn An"), "N. V. An");
        assert_eq!(mask_name("  Lê   Thị  Bích Ngọc "), "L. T. B. Ngọc");
        assert_eq!(mask_name("An"), "An");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn id_numbers() {
        assert_eq!(mask_id_number("001088012345"), "••••••••2345");
        assert_eq!(mask_id_number("12345678"), "••••5678");
        assert_eq!(mask_id_number("123"), "•••");
    }
}
