//! Files as byte sources, and walking the paths given on the command line.

use modelvet_core::source::{ByteSource, ReadError};
use std::fs::File;
use std::io::Read;
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
    /// Where a symbolic link that leads out of the scanned folder points.
    pub outside_link: Option<String>,
}

/// Something found while walking the command-line paths.
pub enum Found {
    /// A file to scan.
    File(Target),
    /// A path that could not be walked or read (unreadable folder, broken
    /// link, device, a stream over its limit), reported so that the report
    /// fails closed on it.
    Problem { path: String, message: String },
}

/// What to do with a symbolic link that leads out of the folder being walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExternalSymlinks {
    /// Follow it, scan its target and report the link (`symlink-outside-root`).
    Follow,
    /// Do not follow it; report an error (nothing unscanned passes).
    Refuse,
}

/// How the paths are walked.
#[derive(Debug, Clone, Copy)]
pub struct WalkOptions {
    pub external_symlinks: ExternalSymlinks,
    /// Most bytes read from a pipe or standard input.
    pub max_stream_bytes: u64,
}

/// Streams read from pipes and standard input, spooled to temporary files
/// that live as long as this value.
#[derive(Default)]
pub struct Spools(Vec<tempfile::NamedTempFile>);

/// Expand the command-line paths into files (folders recursively, in name
/// order), handing each to `found` as soon as it is seen.
///
/// - `-` is standard input; a pipe named on the command line (`<(cmd)`,
///   `/dev/stdin` fed by a pipe) is read as a stream and spooled to a
///   temporary file (at most `max_stream_bytes`), so scanners can read it at
///   any offset.
/// - Devices, sockets, and pipes met inside a folder (reading one could
///   block forever) are errors that say why: never a silent skip.
/// - Links are followed; one that leads out of the folder being walked is
///   reported, or refused (an error), as `external_symlinks` says.
pub fn walk(
    paths: &[PathBuf],
    opts: WalkOptions,
    spools: &mut Spools,
    mut found: impl FnMut(Found),
) {
    for root in paths {
        if root.as_os_str() == "-" {
            found(spool("-", &mut std::io::stdin().lock(), opts, spools));
            continue;
        }
        let display = display_path(root);
        let meta = match std::fs::metadata(root) {
            Ok(meta) => meta,
            Err(e) => {
                found(Found::Problem {
                    path: display,
                    message: e.to_string(),
                });
                continue;
            }
        };
        if !meta.is_dir() && !meta.is_file() {
            found(match special_kind(&meta.file_type()) {
                Special::Pipe => match std::fs::File::open(root) {
                    Ok(mut file) => spool(&display, &mut file, opts, spools),
                    Err(e) => Found::Problem {
                        path: display,
                        message: format!("cannot open the pipe: {e}"),
                    },
                },
                other => not_regular(display, other),
            });
            continue;
        }
        let base = std::fs::canonicalize(root).ok().filter(|_| meta.is_dir());
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name();
        for entry in walker {
            match entry {
                Ok(entry) if entry.file_type().is_dir() => {}
                Ok(entry) => found(listed(&entry, base.as_deref(), opts)),
                Err(e) => found(Found::Problem {
                    path: e.path().map_or_else(|| display_path(root), display_path),
                    message: e.to_string(),
                }),
            }
        }
    }
}

/// A file met while walking a folder (or named on the command line).
fn listed(entry: &walkdir::DirEntry, base: Option<&Path>, opts: WalkOptions) -> Found {
    let display = display_path(entry.path());
    let outside_link = match base {
        Some(base) if entry.path_is_symlink() => match std::fs::canonicalize(entry.path()) {
            Ok(target) if !target.starts_with(base) => Some(target.display().to_string()),
            Ok(_) => None,
            Err(e) => {
                return Found::Problem {
                    path: display,
                    message: format!("cannot resolve the link: {e}"),
                }
            }
        },
        _ => None,
    };
    if let (Some(target), ExternalSymlinks::Refuse) = (&outside_link, opts.external_symlinks) {
        return Found::Problem {
            path: display,
            message: format!(
                "a symbolic link out of the scanned folder (to {target}) was not followed \
                 (--external-symlinks refuse), so it was not scanned"
            ),
        };
    }
    if !entry.file_type().is_file() {
        let kind = special_kind(&entry.file_type());
        return match kind {
            Special::Pipe => Found::Problem {
                path: display,
                message: "a named pipe inside a folder is not read (reading it could block); \
                          name it on the command line to scan what it carries"
                    .into(),
            },
            other => not_regular(display, other),
        };
    }
    match entry.metadata() {
        Ok(meta) => Found::File(Target {
            path: entry.path().to_path_buf(),
            display,
            size: meta.len(),
            outside_link,
        }),
        Err(e) => Found::Problem {
            path: display,
            message: e.to_string(),
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Special {
    Pipe,
    CharDevice,
    BlockDevice,
    Socket,
    Other,
}

#[cfg(unix)]
fn special_kind(t: &std::fs::FileType) -> Special {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        Special::Pipe
    } else if t.is_char_device() {
        Special::CharDevice
    } else if t.is_block_device() {
        Special::BlockDevice
    } else if t.is_socket() {
        Special::Socket
    } else {
        Special::Other
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> Special {
    Special::Other
}

fn not_regular(path: String, kind: Special) -> Found {
    let what = match kind {
        Special::Pipe => "a named pipe",
        Special::CharDevice => "a character device",
        Special::BlockDevice => "a block device",
        Special::Socket => "a socket",
        Special::Other => "not a regular file, folder or pipe",
    };
    Found::Problem {
        path,
        message: format!(
            "{what}: modelvet reads regular files, folders, pipes and standard input (`-`); \
             it was not scanned"
        ),
    }
}

/// Copy a stream to a temporary file (at most `max_stream_bytes`) and list
/// that file under the stream's name.
fn spool(display: &str, reader: &mut dyn Read, opts: WalkOptions, spools: &mut Spools) -> Found {
    let problem = |message: String| Found::Problem {
        path: display.to_owned(),
        message,
    };
    let mut file = match tempfile::NamedTempFile::new() {
        Ok(f) => f,
        Err(e) => {
            return problem(format!(
                "cannot create a file to spool the stream into: {e}"
            ))
        }
    };
    let limit = opts.max_stream_bytes;
    let copied = std::io::copy(
        &mut reader.take(limit.saturating_add(1)),
        file.as_file_mut(),
    );
    let size = match copied {
        Ok(n) if n > limit => {
            return problem(format!(
                "the stream is longer than --max-stream-bytes ({limit}); it was not scanned"
            ))
        }
        Ok(n) => n,
        Err(e) => return problem(format!("cannot read the stream: {e}")),
    };
    let path = file.path().to_path_buf();
    spools.0.push(file);
    Found::File(Target {
        path,
        display: display.to_owned(),
        size,
        outside_link: None,
    })
}

fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_owned).unwrap_or(s)
}
