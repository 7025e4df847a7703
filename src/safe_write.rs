//! Writes that cannot be redirected: the only files meshdrain writes (the file given to
//! `values -i`, and the Helm 4 error log) are replaced through a temporary file that is
//! created exclusively (`O_CREAT|O_EXCL`, which never follows a symlink), under an
//! unpredictable name, in the directory of the file it replaces, and then renamed over it.
//! A rename replaces whatever is at the final path, a symlink included, and never writes
//! through it. Nothing is ever opened for writing by a name someone else could have chosen.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Random characters in a temporary name (62^12 ≈ 3·10^21 names).
const RANDOM_CHARS: usize = 12;

/// Why a file could not be replaced.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot resolve {}: {source}", path.display())]
    Resolve { path: PathBuf, source: io::Error },
    #[error("{} is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("cannot create a temporary file in {}: {source}", dir.display())]
    Create { dir: PathBuf, source: io::Error },
    #[error("cannot write a temporary file in {}: {source}", dir.display())]
    Write { dir: PathBuf, source: io::Error },
    #[error("cannot rename the temporary file over {}: {source}", path.display())]
    Rename { path: PathBuf, source: io::Error },
}

impl WriteError {
    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            WriteError::Resolve { .. } => {
                "check the path; a symlink must point at an existing file"
            }
            WriteError::NotAFile { .. } => {
                "give the path of a regular file (a symlink to one is fine)"
            }
            WriteError::Create { .. } | WriteError::Rename { .. } => {
                "meshdrain writes the new file beside the old one and renames it over it: the directory must be writable"
            }
            WriteError::Write { .. } => "check the free space and quota of the file system",
        }
    }
}

/// Replaces the file at `path` with `bytes`, keeping its permission bits (and its owner and
/// group when allowed). When `path` is a symlink, the file it points to is replaced and the
/// link stays a link. Returns the path of the file replaced.
///
/// A file with several hard links gets a new inode: the other names keep the old content,
/// as with `sed -i`.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<PathBuf, WriteError> {
    let real = fs::canonicalize(path).map_err(|source| WriteError::Resolve {
        path: path.to_path_buf(),
        source,
    })?;
    let meta = fs::metadata(&real).map_err(|source| WriteError::Resolve {
        path: real.clone(),
        source,
    })?;
    if !meta.is_file() {
        return Err(WriteError::NotAFile { path: real });
    }
    // Set-id and sticky bits are not kept: a values file needs none, and a set-gid bit on a
    // file whose group could not be kept would grant the user's own group.
    let keep = Keep {
        mode: meta.permissions().mode() & 0o777,
        owner: Some((meta.uid(), meta.gid())),
    };
    replace(&real, bytes, &keep, RANDOM_CHARS)?;
    Ok(real)
}

/// Writes a file only its owner can read (mode 0600), replacing whatever is at `path`
/// (a symlink there is replaced, not followed).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let keep = Keep {
        mode: 0o600,
        owner: None,
    };
    replace(path, bytes, &keep, RANDOM_CHARS)
}

/// What the new file takes over from the old one.
struct Keep {
    mode: u32,
    owner: Option<(u32, u32)>,
}

/// The temporary file's name prefix: `.NAME.meshdrain-`, so a file left by a crash says
/// whose it is.
fn prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.meshdrain-")
}

fn replace(path: &Path, bytes: &[u8], keep: &Keep, random: usize) -> Result<(), WriteError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let create = |source| WriteError::Create {
        dir: dir.to_path_buf(),
        source,
    };
    let write = |source| WriteError::Write {
        dir: dir.to_path_buf(),
        source,
    };
    // tempfile creates with O_CREAT|O_EXCL and mode 0600, retrying on a name that exists
    // (and re-seeding from the OS after three misses, so its names cannot be predicted).
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix(path))
        .rand_bytes(random)
        .tempfile_in(dir)
        .map_err(create)?;
    let file = tmp.as_file_mut();
    // Ownership before the mode: a change of owner clears set-id bits.
    if let Some((uid, gid)) = keep.owner {
        let current = file.metadata().map_err(write)?;
        if (current.uid(), current.gid()) != (uid, gid) {
            // Best effort, as `sed -i`: only root may give a file away; a group the user is
            // in is allowed. Failing leaves the file the user's, which grants no one more.
            if std::os::unix::fs::fchown(&*file, Some(uid), Some(gid)).is_err() {
                let _ = std::os::unix::fs::fchown(&*file, None, Some(gid));
            }
        }
    }
    file.set_permissions(fs::Permissions::from_mode(keep.mode))
        .map_err(write)?;
    file.write_all(bytes).map_err(write)?;
    file.sync_all().map_err(write)?;
    // On failure the temporary file is removed when `tmp` drops.
    tmp.persist(path).map_err(|e| WriteError::Rename {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    // The rename itself is durable once the directory is synced (best effort).
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn a_link_at_the_temporary_name_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("values.yaml");
        let victim = dir.path().join("victim");
        fs::write(&target, "old\n").unwrap();
        fs::write(&victim, "victim\n").unwrap();
        // Without random characters the temporary name is exactly the prefix: plant a link
        // there and the exclusive create must fail instead of writing through it.
        symlink(&victim, dir.path().join(".values.yaml.meshdrain-")).unwrap();
        let keep = Keep {
            mode: 0o644,
            owner: None,
        };
        let err = replace(&target, b"new\n", &keep, 0).unwrap_err();
        assert!(
            matches!(&err, WriteError::Create { source, .. } if source.kind() == io::ErrorKind::AlreadyExists),
            "{err}"
        );
        assert_eq!(fs::read_to_string(&victim).unwrap(), "victim\n");
        assert_eq!(fs::read_to_string(&target).unwrap(), "old\n");
        // With random characters the same directory works, and the planted link stays.
        replace(&target, b"new\n", &keep, RANDOM_CHARS).unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new\n");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "victim\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 3);
    }

    #[test]
    fn private_files_replace_a_link_instead_of_following_it() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "victim\n").unwrap();
        let log = dir.path().join("last-error.log");
        symlink(&victim, &log).unwrap();
        write_private(&log, b"report\n").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "victim\n");
        let meta = fs::symlink_metadata(&log).unwrap();
        assert!(meta.is_file());
        assert_eq!(meta.permissions().mode() & 0o7777, 0o600);
        assert_eq!(fs::read_to_string(&log).unwrap(), "report\n");
    }

    #[test]
    fn errors_say_what_and_where() {
        let dir = tempfile::tempdir().unwrap();
        let err = replace_file(&dir.path().join("missing.yaml"), b"").unwrap_err();
        assert!(err.to_string().starts_with("cannot resolve "), "{err}");
        assert!(err.to_string().contains("missing.yaml"), "{err}");
        let err = replace_file(dir.path(), b"").unwrap_err();
        assert!(matches!(err, WriteError::NotAFile { .. }), "{err}");
        assert!(err.hint().contains("regular file"));
        let err = write_private(&dir.path().join("no/such/dir/log"), b"").unwrap_err();
        assert!(matches!(err, WriteError::Create { .. }), "{err}");
    }
}
