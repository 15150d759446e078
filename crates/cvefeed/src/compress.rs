//! The compressed forms of published objects: which content types are
//! worth compressing, and gzip and brotli at the settings every caller
//! shares (`serve` compressing at load, `refresh --precompress` writing
//! `.gz` and `.br` siblings). Pure functions of bytes: the same input gives
//! the same output (gzip without a name or time in its header).

use std::io::Write;

use cvefeed_model::manifest::Coding;

/// Brotli quality: 9 keeps a publish's compression well under a second on
/// a busy core while staying close to quality 11 on text.
const BROTLI_QUALITY: u32 = 9;
/// Brotli window (log2).
const BROTLI_WINDOW: u32 = 22;

/// Whether objects of this content type are text worth compressing (not
/// the zip archive).
pub fn is_compressible(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.starts_with("text/") || essence.ends_with("json") || essence.ends_with("xml")
}

/// `bytes` in `coding`.
pub fn encode(coding: Coding, bytes: &[u8]) -> Vec<u8> {
    match coding {
        Coding::Gzip => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            enc.write_all(bytes).expect("writing to memory");
            enc.finish().expect("writing to memory")
        }
        Coding::Brotli => {
            let mut out = Vec::new();
            {
                let mut enc =
                    brotli::CompressorWriter::new(&mut out, 4096, BROTLI_QUALITY, BROTLI_WINDOW);
                enc.write_all(bytes).expect("writing to memory");
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn both_codings_decode_back_and_are_deterministic() {
        let text = "{\"a\":\"".to_string() + &"x".repeat(5000) + "\"}";
        let gz = encode(Coding::Gzip, text.as_bytes());
        assert_eq!(gz, encode(Coding::Gzip, text.as_bytes()));
        let mut out = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
        let br = encode(Coding::Brotli, text.as_bytes());
        let mut out = String::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
        assert!(gz.len() < 100 && br.len() < 100);
    }

    #[test]
    fn text_types_are_compressible_and_the_zip_is_not() {
        for t in [
            "application/feed+json",
            "application/rss+xml",
            "text/html; charset=utf-8",
            "application/json",
        ] {
            assert!(is_compressible(t), "{t}");
        }
        assert!(!is_compressible("application/zip"));
    }
}
