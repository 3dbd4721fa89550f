//! QR symbols for a payload: SVG for screens, PNG for print.
//!
//! Error correction is level M (about 15 % of codewords recoverable) with a 4-module quiet zone.
//! A resident scans the ward's screen or printed notice with a phone held at arm's length: what
//! limits that scan is how many camera pixels one module gets, not damage to the symbol. Measured
//! with this crate's encoder, transfer payloads of 95–170 characters need 33–45 modules a side at
//! M, 37–53 at Q and 41–57 at H, so at the same displayed size M's modules are 10–20 % larger
//! than Q's and about 25 % larger than H's, while M still absorbs a glare spot, moiré from the
//! screen's pixel grid or a thumb over an edge. L would save at most one version (often none) and
//! leaves little margin for glare. The 4-module quiet zone is the ISO/IEC 18004 minimum; phone
//! decoders find the finder patterns less reliably with less, above all on a busy page.

use std::fmt::Write as _;

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::types::QrError;
use qrcode::{bits, ec, Color, EcLevel};

/// See the module documentation for why M.
pub const EC_LEVEL: EcLevel = EcLevel::M;
/// Modules of light margin around the symbol (ISO/IEC 18004 minimum).
pub const QUIET_ZONE: u32 = 4;
/// Largest PNG side in pixels: far beyond any print need, small enough that a bad scale cannot
/// ask for gigabytes.
pub const PNG_MAX_SIDE: u32 = 8192;

/// Why a payload could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    #[error("payload of {length} bytes does not fit in a QR code at error-correction level M")]
    TooLong { length: usize },
    #[error("QR encoding failed: {0}")]
    Qr(String),
    #[error("PNG scale {scale} must be at least 1 and keep the image within {max} pixels a side")]
    InvalidScale { scale: u32, max: u32 },
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// How the SVG looks. Colours are CSS colour values.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct SvgOptions {
    pub dark: String,
    /// Background including the quiet zone; `None` leaves it transparent, which only scans when
    /// the page behind is light.
    pub light: Option<String>,
    pub quiet_zone: u32,
    /// Accessible name (`<title>`), e.g. "VietQR: Vietcombank 0123456789, 150000 VND".
    pub title: Option<String>,
}

impl Default for SvgOptions {
    fn default() -> Self {
        SvgOptions { dark: "#000".to_owned(), light: Some("#fff".to_owned()), quiet_zone: QUIET_ZONE, title: None }
    }
}

fn qr_error(payload: &str) -> impl Fn(QrError) -> RenderError + '_ {
    move |e| match e {
        QrError::DataTooLong => RenderError::TooLong { length: payload.len() },
        other => RenderError::Qr(other.to_string()),
    }
}

/// Mask patterns in the order `qrcode` tries them; ties go to the first, as there.
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// The symbol's modules row by row (`true` is dark) and its width in modules.
///
/// This is `QrCode::with_error_correction_level` with the mask chosen here: `qrcode` scores
/// the eight masks with a boxed closure per module and pattern position, which made mask choice
/// over 95 % of rendering time (about 0.75 ms a code). [`penalty`] computes the same ISO/IEC
/// 18004 scores on a plain bitmap, so the chosen mask, and hence every module, is identical (the
/// tests compare against `qrcode` itself).
pub(crate) fn symbol(payload: &str) -> Result<(usize, Vec<bool>), RenderError> {
    let bits = bits::encode_auto(payload.as_bytes(), EC_LEVEL).map_err(qr_error(payload))?;
    let version = bits.version();
    let data = bits.into_bytes();
    let (data_codewords, ec_codewords) = ec::construct_codewords(&data, version, EC_LEVEL).map_err(qr_error(payload))?;
    let mut canvas = Canvas::new(version, EC_LEVEL);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data_codewords, &ec_codewords);
    let width = usize::try_from(version.width()).unwrap_or(0);

    let mut best: Option<(u32, Vec<bool>)> = None;
    for mask in MASKS {
        let mut masked = canvas.clone();
        masked.apply_mask(mask);
        let dark: Vec<bool> = masked.into_colors().into_iter().map(|c| c == Color::Dark).collect();
        let score = penalty(&dark, width);
        if best.as_ref().is_none_or(|(lowest, _)| score < *lowest) {
            best = Some((score, dark));
        }
    }
    match best {
        Some((_, dark)) if width > 0 && dark.len() == width * width => Ok((width, dark)),
        _ => Err(RenderError::Qr("no mask could be applied".to_owned())),
    }
}

/// Mask penalty as `qrcode` 0.14 computes it (ISO/IEC 18004 §7.8.3, N1–N4, with its unrounded
/// balance term): runs of 5+ same-coloured modules, 2×2 blocks, finder-like 1:1:3:1:1 patterns
/// without 4 light modules on one side (less the 9 real finder rows each way), dark/light balance.
fn penalty(dark: &[bool], width: usize) -> u32 {
    let w = width;
    if w < 11 || dark.len() != w * w {
        return u32::MAX;
    }
    // Columns as rows, so that both directions scan contiguous slices.
    let mut transposed = vec![false; w * w];
    for (y, row) in dark.chunks_exact(w).enumerate() {
        for (x, &d) in row.iter().enumerate() {
            transposed[x * w + y] = d;
        }
    }
    let mut score = 0u32;
    for lines in [dark, &transposed[..]] {
        let mut finder = 0u32;
        for line in lines.chunks_exact(w) {
            score += run_penalty(line);
            finder += finder_penalty(line);
        }
        score += finder.saturating_sub(360);
    }
    for pair in dark.chunks_exact(w).collect::<Vec<_>>().windows(2) {
        let (top, bottom) = (pair[0], pair[1]);
        for x in 0..w - 1 {
            let c = top[x];
            if top[x + 1] == c && bottom[x] == c && bottom[x + 1] == c {
                score += 3;
            }
        }
    }
    let dark_count = dark.iter().filter(|&&d| d).count();
    let ratio = dark_count * 200 / dark.len();
    score + ratio.abs_diff(100) as u32
}

/// N1: each run of 5 or more same-coloured modules costs its length less 2.
fn run_penalty(line: &[bool]) -> u32 {
    let mut score = 0;
    let mut run = 0u32;
    let mut last = None;
    for &color in line {
        if Some(color) == last {
            run += 1;
        } else {
            if run >= 5 {
                score += run - 2;
            }
            run = 1;
            last = Some(color);
        }
    }
    if run >= 5 {
        score += run - 2;
    }
    score
}

/// N3: 40 for each dark-light-dark×3-light-dark run without a dark module among the 4 before it
/// or among the 4 after it (beyond the edge counts as light).
fn finder_penalty(line: &[bool]) -> u32 {
    const PATTERN: [bool; 7] = [true, false, true, true, true, false, true];
    let mut score = 0;
    for (j, window) in line.windows(7).enumerate() {
        if window != PATTERN {
            continue;
        }
        let before = &line[j.saturating_sub(4)..j];
        let after = &line[j + 7..(j + 11).min(line.len())];
        if !before.contains(&true) || !after.contains(&true) {
            score += 40;
        }
    }
    score
}

/// The symbol's modules without a quiet zone: its width and, row by row, whether each module
/// is dark. For drawing the code in another medium (a PDF) exactly as the SVG and PNG do.
pub fn modules(payload: &str) -> Result<(usize, Vec<bool>), RenderError> {
    symbol(payload)
}

/// Renders the symbol as a scalable SVG: a `viewBox` in module units and no fixed size (the page
/// sizes it), `shape-rendering="crispEdges"` so module edges stay sharp, and each row's runs of
/// dark modules merged into one path.
pub fn render_svg(payload: &str, options: &SvgOptions) -> Result<String, RenderError> {
    let (width, dark) = symbol(payload)?;
    let quiet = options.quiet_zone.min(64) as usize;
    let side = width + 2 * quiet;

    let mut svg = String::with_capacity(512 + width * width * 3);
    let _ = write!(svg, r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" shape-rendering="crispEdges" role="img">"#);
    if let Some(title) = &options.title {
        svg.push_str("<title>");
        escape_into(&mut svg, title);
        svg.push_str("</title>");
    }
    if let Some(light) = &options.light {
        svg.push_str(r#"<rect width="100%" height="100%" fill=""#);
        escape_into(&mut svg, light);
        svg.push_str(r#""/>"#);
    }
    svg.push_str(r#"<path fill=""#);
    escape_into(&mut svg, &options.dark);
    svg.push_str(r#"" d=""#);
    for (y, row) in dark.chunks(width).enumerate() {
        let mut x = 0;
        while x < row.len() {
            if !row[x] {
                x += 1;
                continue;
            }
            let start = x;
            while x < row.len() && row[x] {
                x += 1;
            }
            let run = x - start;
            let _ = write!(svg, "M{} {}h{run}v1h-{run}z", start + quiet, y + quiet);
        }
    }
    svg.push_str(r#""/></svg>"#);
    Ok(svg)
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// Renders a 1-bit greyscale PNG, `scale` pixels per module, with the 4-module quiet zone. For a
/// notice printed at 300 dpi, scale 8–12 gives a 3–5 cm code.
pub fn render_png(payload: &str, scale: u32) -> Result<Vec<u8>, RenderError> {
    let (width, dark) = symbol(payload)?;
    let modules = width as u32 + 2 * QUIET_ZONE;
    let side = modules.checked_mul(scale).filter(|&s| scale > 0 && s <= PNG_MAX_SIDE);
    let Some(side) = side else {
        return Err(RenderError::InvalidScale { scale, max: PNG_MAX_SIDE });
    };

    // 1 bit per pixel, rows padded to whole bytes; in greyscale 1 is white.
    let stride = (side as usize).div_ceil(8);
    let mut pixels = vec![0xFFu8; stride * side as usize];
    let quiet = QUIET_ZONE as usize;
    let scale = scale as usize;
    for (my, row) in dark.chunks(width).enumerate() {
        for (mx, &is_dark) in row.iter().enumerate() {
            if !is_dark {
                continue;
            }
            let (px, py) = ((mx + quiet) * scale, (my + quiet) * scale);
            for y in py..py + scale {
                let line = &mut pixels[y * stride..(y + 1) * stride];
                for x in px..px + scale {
                    line[x / 8] &= !(0x80 >> (x % 8));
                }
            }
        }
    }

    let mut png_bytes = Vec::with_capacity(pixels.len() / 4 + 128);
    let mut encoder = png::Encoder::new(&mut png_bytes, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    let mut writer = encoder.write_header().map_err(|e| RenderError::Png(e.to_string()))?;
    writer.write_image_data(&pixels).map_err(|e| RenderError::Png(e.to_string()))?;
    writer.finish().map_err(|e| RenderError::Png(e.to_string()))?;
    Ok(png_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EX4: &str =
        "00020101021238560010A0000007270126000697041501121133666688880208QRIBFTTA53037045405790005802VN62220818Ung Ho Quy Vac Xin63043ACF";

    #[test]
    fn svg_is_scalable_and_compact() {
        let svg = render_svg(EX4, &SvgOptions::default()).unwrap();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "));
        assert!(svg.contains("shape-rendering=\"crispEdges\""));
        assert!(!svg.contains("width=\"") || svg.contains("width=\"100%\""));
        assert!(!svg.contains("px"));
        assert_eq!(svg.matches("<path").count(), 1);
        assert!(svg.len() < 20_000, "{} bytes", svg.len());
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn svg_escapes_options() {
        let options = SvgOptions { dark: "red\"/><script>".into(), light: None, quiet_zone: 2, title: Some("A & B <c>".into()) };
        let svg = render_svg("hello", &options).unwrap();
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("<title>A &amp; B &lt;c&gt;</title>"));
        assert!(!svg.contains("<rect"));
    }

    #[test]
    fn png_has_expected_size() {
        let png = render_png(EX4, 4).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        let modules = symbol(EX4).unwrap().0 as u32 + 2 * QUIET_ZONE;
        assert_eq!((info.width, info.height), (modules * 4, modules * 4));
        assert_eq!(info.bit_depth, png::BitDepth::One);
    }

    /// The faster mask choice must pick exactly what `qrcode` picks.
    #[test]
    fn symbol_matches_qrcode() {
        let mut payloads = vec![EX4.to_owned(), String::new(), "x".to_owned()];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for len in (0..700).step_by(7) {
            let text: String = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    char::from(b' ' + (seed % 95) as u8)
                })
                .collect();
            payloads.push(text);
        }
        for payload in &payloads {
            let reference = qrcode::QrCode::with_error_correction_level(payload, EC_LEVEL).unwrap();
            let want: Vec<bool> = reference.to_colors().iter().map(|c| *c == Color::Dark).collect();
            let (width, dark) = symbol(payload).unwrap();
            assert_eq!(width, reference.width());
            assert!(dark == want, "different symbol for {payload:?}");
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(render_png(EX4, 0), Err(RenderError::InvalidScale { .. })));
        assert!(matches!(render_png(EX4, u32::MAX), Err(RenderError::InvalidScale { .. })));
        let huge = "x".repeat(5000);
        assert!(matches!(render_svg(&huge, &SvgOptions::default()), Err(RenderError::TooLong { .. })));
        assert!(matches!(render_png(&huge, 1), Err(RenderError::TooLong { .. })));
    }
}
