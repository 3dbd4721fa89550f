//! Purpose text (62/08): the transfer message the payer's bank passes on to the beneficiary.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Longest purpose NAPAS allows in 62/08 (and vietqr.io's `addInfo` limit).
pub const PURPOSE_MAX_CHARS: usize = 25;

/// Turns typed text into the form bank apps carry as a transfer message.
///
/// The rule, in order:
/// 1. Unicode NFD, then drop every combining mark: `ạ` → `a`, `Ế` → `E`.
/// 2. `đ` → `d`, `Đ` → `D` (they have no decomposition, so step 1 leaves them).
/// 3. Keep ASCII letters and digits as typed (case is kept: it is the payer's message).
/// 4. Drop other letters and digits (`ø`, `日`): without a mapping there is nothing faithful to
///    put there, and a space would split a word.
/// 5. Every other character — spaces, tabs, line breaks, **all punctuation** and symbols —
///    becomes a word break; runs of breaks collapse to one space; leading and trailing ones go.
///
/// Why no punctuation: WardPay matches incoming transfers to bills by this message, so it must
/// reach the ward's statement unchanged whatever bank the payer uses. Which punctuation each bank
/// app keeps is not documented (see "Rules worth knowing" in the crate README); vietqr.io and api.vietqr.vn both ask for "no special
/// characters", and a bank that silently strips `/` or `-` would turn `HD-12` into `HD12` on one
/// statement and leave it on another. Letters, digits and single spaces survive every app. Mapping
/// punctuation to a space rather than deleting it keeps `T7/2024` readable as `T7 2024`.
///
/// This function does not shorten: the encoder enforces [`PURPOSE_MAX_CHARS`] after
/// normalising, with an error unless truncation was asked for ([`crate::EncodeOptions`]); use
/// [`truncate_purpose`] to apply the same cut yourself. The function is idempotent.
///
/// ```
/// assert_eq!(vietqr::normalize_purpose("  Thanh toán hóa đơn T7 "), "Thanh toan hoa don T7");
/// assert_eq!(vietqr::normalize_purpose("Phí vệ sinh: tháng 7/2024!"), "Phi ve sinh thang 7 2024");
/// assert_eq!(vietqr::normalize_purpose("ĐÓNG GÓP\tQUỸ"), "DONG GOP QUY");
/// ```
pub fn normalize_purpose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let mut push = |c: char| {
        if c.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        } else if c.is_ascii() {
            pending_space = true;
        } else if c == 'đ' || c == 'Đ' {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(if c == 'đ' { 'd' } else { 'D' });
        } else if is_combining_mark(c) || c.is_alphanumeric() {
            // Steps 1 and 4: nothing to write, and not a word break either.
        } else {
            pending_space = true;
        }
    };
    // NFD is the identity on ASCII, and most purposes typed on a server are ASCII already.
    if text.is_ascii() {
        text.chars().for_each(&mut push);
    } else {
        text.nfd().for_each(&mut push);
    }
    out
}

/// Whether `text` is already what [`normalize_purpose`] would return: ASCII letters and digits
/// in words separated by single spaces. Lets the encoder skip the allocation for such text.
pub(crate) fn is_normalized(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().all(|&b| b.is_ascii_alphanumeric() || b == b' ')
        && bytes.first() != Some(&b' ')
        && bytes.last() != Some(&b' ')
        && !bytes.windows(2).any(|w| w == b"  ")
}

/// The normalised purpose cut to [`PURPOSE_MAX_CHARS`] characters, without a trailing space.
pub fn truncate_purpose(text: &str) -> String {
    let normalized = normalize_purpose(text);
    // Normalised text is ASCII, so byte and character positions agree.
    let cut = normalized.get(..PURPOSE_MAX_CHARS).unwrap_or(&normalized);
    cut.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_text() {
        assert_eq!(normalize_purpose("Thanh toán hóa đơn T7"), "Thanh toan hoa don T7");
        assert_eq!(normalize_purpose("Nạp tiền điện thoại"), "Nap tien dien thoai");
        assert_eq!(normalize_purpose("ĐẶNG THỊ HƯỜNG đóng phí"), "DANG THI HUONG dong phi");
        assert_eq!(normalize_purpose("ỹ ử ậ ờ ợ"), "y u a o o");
    }

    #[test]
    fn precomposed_and_decomposed_input_agree() {
        let composed = "Hóa đơn tháng 7";
        let decomposed: String = composed.nfd().collect();
        assert_ne!(composed, decomposed);
        assert_eq!(normalize_purpose(composed), normalize_purpose(&decomposed));
    }

    #[test]
    fn punctuation_and_spaces() {
        assert_eq!(normalize_purpose("HD-12/2024, ward #3"), "HD 12 2024 ward 3");
        assert_eq!(normalize_purpose("  a \t\n b  "), "a b");
        assert_eq!(normalize_purpose("!!!"), "");
        assert_eq!(normalize_purpose(""), "");
        assert_eq!(normalize_purpose("Søren 日本 x"), "Sren x");
        assert_eq!(normalize_purpose("phí 💧 nước"), "phi nuoc");
    }

    #[test]
    fn idempotent() {
        for s in ["Thanh toán hóa đơn T7", "a--b", "  ", "Ứng hộ Quỹ Vắc-xin"] {
            let once = normalize_purpose(s);
            assert_eq!(normalize_purpose(&once), once);
            assert!(is_normalized(&once));
        }
    }

    #[test]
    fn fast_path_agrees_with_the_rule() {
        for s in ["", "a", "a b", " a", "a ", "a  b", "a-b", "ạ", "Mua hang", "T7 2024"] {
            assert_eq!(is_normalized(s), normalize_purpose(s) == s, "{s:?}");
        }
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate_purpose("Thanh toán hóa đơn tiền nước tháng 7"), "Thanh toan hoa don tien n");
        assert_eq!(truncate_purpose("Thanh toán hóa đơn tiền  x"), "Thanh toan hoa don tien x");
        // The cut lands just after a space: no trailing space.
        assert_eq!(truncate_purpose("aaaaaaaaaaaaaaaaaaaaaaaa bbbb"), "aaaaaaaaaaaaaaaaaaaaaaaa");
        assert_eq!(truncate_purpose("short"), "short");
    }
}
