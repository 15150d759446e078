//! Reading a local file that may be larger than anything reasonable (a
//! feed, an ignore file, a key file, an object of a local store): never
//! more than a limit of it, and a file past the limit is refused rather
//! than cut. Each caller names the file and the limit in its own error.

use std::io::Read;
use std::path::Path;

/// Why a file could not be read within its limit.
#[derive(Debug, thiserror::Error)]
pub enum CappedError {
    /// The file cannot be opened or read (or, as text, is not UTF-8).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The file holds more than the limit: no more than one byte past it
    /// was read.
    #[error("larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
}

/// The bytes of the file at `path`, if it holds at most `limit` bytes. A
/// regular file over the limit is refused on its size, unread; any other
/// (a FIFO, a device, a file that grows) is read no further than one byte
/// past the limit.
pub fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, CappedError> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() > limit {
        return Err(CappedError::TooLarge { limit });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(CappedError::TooLarge { limit });
    }
    Ok(bytes)
}

/// [`read_capped`] as UTF-8 text; other bytes are an
/// [`std::io::ErrorKind::InvalidData`] error, as from
/// [`Read::read_to_string`].
pub fn read_capped_text(path: &Path, limit: u64) -> Result<String, CappedError> {
    let bytes = read_capped(path, limit)?;
    String::from_utf8(bytes)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_up_to_the_limit_is_read_and_one_past_it_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read_capped(&path, 5).unwrap(), b"12345");
        assert_eq!(read_capped_text(&path, 6).unwrap(), "12345");
        assert!(matches!(
            read_capped(&path, 4),
            Err(CappedError::TooLarge { limit: 4 })
        ));
        assert!(matches!(
            read_capped_text(&path, 0),
            Err(CappedError::TooLarge { limit: 0 })
        ));
        assert_eq!(read_capped(&path, u64::MAX).unwrap(), b"12345");
    }

    #[test]
    fn a_missing_file_and_bytes_that_are_not_text_are_io_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        assert!(matches!(
            read_capped(&missing, 10),
            Err(CappedError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound
        ));
        let binary = dir.path().join("binary");
        std::fs::write(&binary, [0xff, 0xfe]).unwrap();
        assert!(matches!(
            read_capped_text(&binary, 10),
            Err(CappedError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidData
        ));
    }
}
