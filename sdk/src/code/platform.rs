//! The few file-system details that differ between unix and other systems: file names as
//! bytes and the executable bit.

use std::fs::Metadata;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A path from the bytes git prints (`-z` output is the raw file name).
#[cfg(unix)]
pub fn path_from_bytes(bytes: &[u8]) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt as _;
    Some(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
}

/// A path from the bytes git prints; elsewhere only UTF-8 names are readable.
#[cfg(not(unix))]
pub fn path_from_bytes(bytes: &[u8]) -> Option<PathBuf> {
    std::str::from_utf8(bytes).ok().map(PathBuf::from)
}

/// Whether a file's mode has any executable bit.
#[cfg(unix)]
pub fn is_executable(metadata: &Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    metadata.permissions().mode() & 0o111 != 0
}

/// Whether a file is executable; without unix modes, never.
#[cfg(not(unix))]
pub fn is_executable(_metadata: &Metadata) -> bool {
    false
}

/// Gives a restored file mode 0755 (executable) or 0644.
#[cfg(unix)]
pub fn set_executable(path: &Path, executable: bool) -> Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = if executable { 0o755 } else { 0o644 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|error| Error::io(path, error))
}

/// Without unix modes there is nothing to set.
#[cfg(not(unix))]
pub fn set_executable(_path: &Path, _executable: bool) -> Result<()> {
    Ok(())
}
