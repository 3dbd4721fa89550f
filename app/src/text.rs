//! The one way WardPay words things for people: every user-visible text is a [`Text`], its
//! Vietnamese and English sides written side by side, and a screen shows the side of the
//! reader's [`Lang`]. Named screen texts ([`crate::i18n::K`]), one-off labels
//! ([`crate::i18n::tx`]) and the labels of domain states (`label()` on a state) are all
//! `Text`s. Documents with legal force — the receipt, the treasury slip, the files for the
//! tax authority — are Vietnamese and take the `vi` side.
//!
//! Pure: no framework, so the domain core can name its states for people.

/// The reader's language: Vietnamese unless they chose English.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

/// The cookie that keeps the choice, so the server renders what the browser hydrates.
pub const LANG_COOKIE: &str = "wardpay_lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The language a `Cookie:` header asks for (Vietnamese when it asks for none).
    pub fn from_cookie_header(header: &str) -> Lang {
        header
            .split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == LANG_COOKIE)
            .map(|(_, v)| if v == "en" { Lang::En } else { Lang::Vi })
            .unwrap_or_default()
    }
}

/// A text in both languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    pub vi: &'static str,
    pub en: &'static str,
}

impl Text {
    pub const fn new(vi: &'static str, en: &'static str) -> Text {
        Text { vi, en }
    }

    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Vi => self.vi,
            Lang::En => self.en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_shows_the_side_of_the_readers_language() {
        let t = Text::new("Mở", "Open");
        assert_eq!((t.get(Lang::Vi), t.get(Lang::En)), ("Mở", "Open"));
        assert_eq!(t.get(Lang::default()), "Mở", "Vietnamese unless chosen otherwise");
    }

    #[test]
    fn cookie_header_picks_language() {
        assert_eq!(Lang::from_cookie_header("a=b; wardpay_lang=en"), Lang::En);
        assert_eq!(Lang::from_cookie_header("wardpay_lang=vi"), Lang::Vi);
        assert_eq!(Lang::from_cookie_header(""), Lang::Vi);
        assert_eq!(Lang::from_cookie_header("wardpay_lang=xx"), Lang::Vi);
    }
}
