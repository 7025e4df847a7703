//! What `meshdrain check` reads: files named on the command line (whatever their extension),
//! directories (recursively, `*.yaml` and `*.yml`, skipping hidden ones such as `.git`), and
//! stdin (`-`).

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Origin};

/// How an input is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Treat {
    /// Detect: a stream of manifests, a KRM ResourceList, or control plane Helm values.
    #[default]
    Detect,
    /// A TSB control plane Helm values file (`--values`).
    Values,
}

/// One input: a file or stdin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// As shown in findings: the path as given or found, or `<stdin>`.
    pub name: String,
    pub bytes: Vec<u8>,
    pub treat: Treat,
}

/// The name findings use for stdin.
pub const STDIN: &str = "<stdin>";

fn unreadable(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(
        "unreadable-path",
        format!("cannot read {}: {e}", path.display()),
    )
    .with_origin(Origin {
        file: Some(path.display().to_string()),
        ..Origin::default()
    })
    .with_hint("check the path and its permissions")
}

fn is_yaml(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') && n != "." && n != "..")
}

/// The YAML files under `dir`, sorted, recursively; symlinked directories are not followed.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Diagnostic> {
    let mut entries: Vec<fs::DirEntry> = fs::read_dir(dir)
        .map_err(|e| unreadable(dir, &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| unreadable(dir, &e))?;
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        if is_hidden(&path) {
            continue;
        }
        let kind = entry.file_type().map_err(|e| unreadable(&path, &e))?;
        if kind.is_dir() {
            walk(&path, out)?;
        } else if is_yaml(&path) && (kind.is_file() || path.is_file()) {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads every input. `values` are checked as control plane Helm values (and are read even
/// when not among `paths`). Stdin is named `stdin_name` (`--stdin-filename`), else
/// [`STDIN`]. An unreadable path is an error (exit 2).
pub fn collect(
    paths: &[PathBuf],
    values: &[PathBuf],
    stdin: &mut dyn Read,
    stdin_name: Option<&Path>,
    max_bytes: usize,
) -> Result<Vec<Source>, Diagnostic> {
    // The same file named twice (`.` and `./values.yaml`) is read once: compare real paths.
    let real = |p: &Path| fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let forced: BTreeSet<PathBuf> = values.iter().map(|p| real(p)).collect();
    let stdin_values = values.iter().any(|p| p.as_os_str() == "-");
    let mut files: Vec<PathBuf> = Vec::new();
    let mut read_stdin = false;
    for path in paths.iter().chain(values.iter()) {
        if path.as_os_str() == "-" {
            read_stdin = true;
            continue;
        }
        let meta = fs::metadata(path).map_err(|e| unreadable(path, &e))?;
        if meta.is_dir() {
            let before = files.len();
            walk(path, &mut files)?;
            // A wrong path must not pass CI with "no findings".
            if files.len() == before {
                return Err(Diagnostic::error(
                    "nothing-to-check",
                    format!("{} holds no *.yaml or *.yml file to check", path.display()),
                )
                .with_origin(Origin {
                    file: Some(path.display().to_string()),
                    ..Origin::default()
                })
                .with_hint("check the path; name files of other extensions one by one"));
            }
        } else {
            files.push(path.clone());
        }
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    if read_stdin {
        let mut bytes = Vec::new();
        stdin
            .take(max_bytes as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| unreadable(Path::new(STDIN), &e))?;
        out.push(Source {
            name: stdin_name.map_or_else(|| STDIN.to_owned(), |p| p.display().to_string()),
            bytes,
            treat: if stdin_values {
                Treat::Values
            } else {
                Treat::Detect
            },
        });
    }
    for file in files {
        let key = real(&file);
        if !seen.insert(key.clone()) {
            continue;
        }
        let mut bytes = Vec::new();
        fs::File::open(&file)
            .and_then(|f| f.take(max_bytes as u64 + 1).read_to_end(&mut bytes))
            .map_err(|e| unreadable(&file, &e))?;
        let treat = if forced.contains(&key) {
            Treat::Values
        } else {
            Treat::Detect
        };
        out.push(Source {
            name: file.display().to_string(),
            bytes,
            treat,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_yaml_files_and_skips_hidden_ones() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("a/b")).unwrap();
        fs::create_dir_all(d.join(".git")).unwrap();
        fs::write(d.join("a/b/x.yml"), "a: 1\n").unwrap();
        fs::write(d.join("a/y.YAML"), "a: 1\n").unwrap();
        fs::write(d.join("a/notes.txt"), "x").unwrap();
        fs::write(d.join(".git/z.yaml"), "a: 1\n").unwrap();
        fs::write(d.join("explicit.tmpl"), "a: 1\n").unwrap();
        let mut stdin: &[u8] = b"kind: A\n";
        let got = collect(
            &[d.join("a"), d.join("explicit.tmpl"), PathBuf::from("-")],
            &[],
            &mut stdin,
            None,
            1 << 20,
        )
        .unwrap();
        let names: Vec<String> = got
            .iter()
            .map(|s| s.name.replace(&d.display().to_string(), ""))
            .collect();
        assert_eq!(
            names,
            ["<stdin>", "/a/b/x.yml", "/a/y.YAML", "/explicit.tmpl"]
        );
        // Named twice, read once; `--values` wins.
        let twice = collect(
            &[d.join("a"), d.join("a/./y.YAML")],
            &[d.join("a/y.YAML")],
            &mut &b""[..],
            None,
            1 << 20,
        )
        .unwrap();
        assert_eq!(twice.len(), 2);
        assert!(twice.iter().any(|s| s.treat == Treat::Values));
        let from_stdin = collect(
            &[],
            &[PathBuf::from("-")],
            &mut &b"spec: {}"[..],
            Some(Path::new("charts/cp/values.yaml")),
            100,
        )
        .unwrap();
        assert_eq!(from_stdin[0].treat, Treat::Values);
        assert_eq!(from_stdin[0].name, "charts/cp/values.yaml");
        let err = collect(&[d.join("missing")], &[], &mut stdin, None, 10).unwrap_err();
        assert_eq!(err.code, "unreadable-path");
    }
}
