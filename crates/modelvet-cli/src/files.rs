//! Files as byte sources, and walking the paths given on the command line.

use modelvet_core::source::{ByteSource, ReadError};
use std::fs::File;
use std::path::{Path, PathBuf};

/// A file read at offsets (positional reads; no shared cursor).
pub struct FileSource {
    file: File,
    len: u64,
}

impl FileSource {
    pub fn open(path: &Path) -> std::io::Result<FileSource> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(FileSource { file, len })
    }
}

impl ByteSource for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, ReadError> {
        let mut filled = 0;
        while filled < buf.len() {
            let Some(rest) = buf.get_mut(filled..) else {
                break;
            };
            let at = offset.saturating_add(filled as u64);
            match positional_read(&self.file, rest, at) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ReadError::new(e.to_string())),
            }
        }
        Ok(filled)
    }
}

#[cfg(unix)]
fn positional_read(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn positional_read(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

/// One file to scan: where it is and how the report names it.
#[derive(Debug, Clone)]
pub struct Target {
    pub path: PathBuf,
    pub display: String,
    pub size: u64,
}

/// Something found while walking the command-line paths.
pub enum Found {
    /// A file to scan.
    File(Target),
    /// A path that could not be walked (unreadable folder, broken link),
    /// reported so that the report fails closed on it.
    Problem { path: String, message: String },
}

/// Expand the command-line paths into files (folders recursively, in name
/// order), handing each to `found` as soon as it is seen.
pub fn walk(paths: &[PathBuf], mut found: impl FnMut(Found)) {
    for root in paths {
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name();
        for entry in walker {
            match entry {
                Ok(entry) if entry.file_type().is_file() => {
                    let display = display_path(entry.path());
                    found(match entry.metadata() {
                        Ok(meta) => Found::File(Target {
                            path: entry.path().to_path_buf(),
                            display,
                            size: meta.len(),
                        }),
                        Err(e) => Found::Problem {
                            path: display,
                            message: e.to_string(),
                        },
                    });
                }
                Ok(_) => {}
                Err(e) => found(Found::Problem {
                    path: e.path().map_or_else(|| display_path(root), display_path),
                    message: e.to_string(),
                }),
            }
        }
    }
}

fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_owned).unwrap_or(s)
}
