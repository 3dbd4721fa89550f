//! The exact strings Casso and payOS sign, as their JavaScript code builds them.
//!
//! Written out by hand rather than through `serde_json::to_string` because the result must not
//! depend on Cargo feature unification: if any crate in the final binary enables serde_json's
//! `preserve_order`, `Value` objects stop being sorted and every Casso signature would fail.

use std::cmp::Ordering;
use std::fmt::Write as _;

use serde_json::{Map, Number, Value};

use crate::error::IntakeError;

/// JavaScript's default sort compares UTF-16 code units, not bytes or code points.
fn js_key_order(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

pub(crate) fn sorted_entries(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| js_key_order(a.0, b.0));
    entries
}

/// How a string is escaped beyond what JSON requires.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escape {
    /// `JSON.stringify`: non-ASCII raw.
    JavaScript,
    /// Python's `ensure_ascii`: non-ASCII as lowercase `\uXXXX` (UTF-16 units), `/` raw.
    Ascii,
}

/// Compact JSON with object keys sorted recursively (Casso's canonical form).
pub(crate) fn sorted_json(value: &Value, escape: Escape) -> String {
    let mut out = String::new();
    write_value(&mut out, value, escape);
    out
}

fn write_value(out: &mut String, value: &Value, escape: Escape) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&js_number(n)),
        Value::String(s) => write_string(out, s, escape),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, escape);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in sorted_entries(map).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k, escape);
                out.push(':');
                write_value(out, v, escape);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, s: &str, escape: Escape) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if escape == Escape::Ascii && !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as JavaScript prints it. Integers (the only numbers these providers send) are
/// exact; integral floats lose their `.0`; other floats use the shortest round-trip form,
/// which matches JavaScript except for exponent spelling of very large or small values.
pub(crate) fn js_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    match n.as_f64() {
        // Float patterns compare with ==, so this also catches -0.0, which JavaScript prints as 0.
        Some(0.0) => "0".to_owned(),
        Some(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
        _ => n.to_string(),
    }
}

/// payOS's signed string: `key=value` for every key of `data`, sorted, joined with `&`,
/// values unescaped (payOS signs them so; see tests/payos.rs).
pub(crate) fn payos_query(data: &Map<String, Value>) -> Result<String, IntakeError> {
    let mut out = String::new();
    for (i, (k, v)) in sorted_entries(data).into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        match v {
            Value::Null => {}
            Value::String(s) if s == "null" || s == "undefined" => {}
            Value::String(s) => out.push_str(s),
            Value::Number(n) => out.push_str(&js_number(n)),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            // The SDK sorts the keys of each object element; deeper levels keep their order,
            // which serde_json does not retain, so they come out sorted too (never sent).
            Value::Array(_) => out.push_str(&sorted_json(v, Escape::JavaScript)),
            Value::Object(_) => {
                return Err(IntakeError::Unsupported(format!(
                    "payOS data.{k} is an object, which payOS never signs (its SDK would sign \"[object Object]\")"
                )))
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn js_form_matches_json_stringify_rules() {
        let v = json!({"b": [1, 2.0, -0.0, 1.5], "a": "Tiền / \"x\"\n\u{1}", "B": null, "c": {"z": true, "y": false}});
        assert_eq!(
            sorted_json(&v, Escape::JavaScript),
            r#"{"B":null,"a":"Tiền / \"x\"\n\u0001","b":[1,2,0,1.5],"c":{"y":false,"z":true}}"#
        );
        assert_eq!(sorted_json(&json!({"d": "Tiền 😀"}), Escape::Ascii), r#"{"d":"Ti\u1ec1n \ud83d\ude00"}"#);
    }

    #[test]
    fn keys_sort_by_utf16_units() {
        // Byte order would put U+FF5E first; in UTF-16 U+1F600 starts with 0xD83D < 0xFF5E.
        let mut keys = ["\u{1F600}", "\u{FF5E}", "a"];
        keys.sort_by(|a, b| js_key_order(a, b));
        assert_eq!(keys, ["a", "\u{1F600}", "\u{FF5E}"]);
    }

    #[test]
    fn payos_values() {
        let v = json!({"n": null, "s": "null", "u": "undefined", "t": "a b&c=d", "i": 5, "f": 5.0, "b": true,
                       "arr": [{"y": 1, "x": 2}, "s"]});
        let Value::Object(m) = v else { unreachable!() };
        assert_eq!(payos_query(&m).expect("flat"), r#"arr=[{"x":2,"y":1},"s"]&b=true&f=5&i=5&n=&s=&t=a b&c=d&u="#);
        let Value::Object(m) = json!({"o": {"x": 1}}) else { unreachable!() };
        assert!(matches!(payos_query(&m), Err(IntakeError::Unsupported(_))));
    }
}
