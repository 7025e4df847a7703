//! Helm: meshdrain as a post-renderer (Helm 3's `--post-renderer`, Helm 4's plugin, see
//! `scripts/build-helm-plugin.sh`).
//!
//! Error reporting where stderr is not seen: Helm 4 hides a post-renderer plugin's stderr,
//! even with `--debug`, so in plugin mode errors also go to the terminal (when one is
//! attached) and to `${XDG_STATE_HOME:-$HOME/.local/state}/meshdrain/last-error.log`
//! (private to the user, never written through a symlink, at most 1 MiB).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::safe_write::{self, WriteError};

/// Where the last error is logged.
pub fn log_path(env: &BTreeMap<String, String>) -> Option<PathBuf> {
    let state = match env.get("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env.get("HOME").filter(|v| !v.is_empty())?).join(".local/state"),
    };
    Some(state.join("meshdrain").join("last-error.log"))
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time (civil-from-days, proleptic Gregorian).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The most of a report the log keeps; the terminal and stderr get all of it.
pub const MAX_LOG_BYTES: usize = 1 << 20;

/// Why the log was not written.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("neither XDG_STATE_HOME nor HOME is set")]
    NoStateHome,
    #[error("cannot create the directory {}: {source}", dir.display())]
    Dir { dir: PathBuf, source: io::Error },
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// `text`, cut at a line break to at most [`MAX_LOG_BYTES`] with a note saying so.
fn bounded(text: String) -> String {
    if text.len() <= MAX_LOG_BYTES {
        return text;
    }
    let note = format!(
        "meshdrain: the log stops here at {} KiB; the terminal and stderr got the whole report ({} bytes)\n",
        MAX_LOG_BYTES >> 10,
        text.len()
    );
    let mut cut = MAX_LOG_BYTES.saturating_sub(note.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = text.get(..cut).unwrap_or("");
    let head = head
        .rfind('\n')
        .map_or(head, |i| head.get(..=i).unwrap_or(head));
    format!("{head}{note}")
}

/// Writes `report` to the log file, replacing the previous one. Returns the path written.
///
/// The log is created with mode 0600 in a directory created with mode 0700, under a fresh
/// temporary name renamed over the old log: a symlink planted at the log's path is replaced,
/// never written through (see [`crate::safe_write`]). It holds at most [`MAX_LOG_BYTES`].
pub fn write_log(env: &BTreeMap<String, String>, report: &str) -> Result<PathBuf, LogError> {
    let path = log_path(env).ok_or(LogError::NoStateHome)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| LogError::Dir {
            dir: dir.to_path_buf(),
            source,
        })?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let text = format!(
        "meshdrain failed at {} (pid {})\n{report}",
        rfc3339(now),
        std::process::id()
    );
    safe_write::write_private(&path, bounded(text).as_bytes())?;
    Ok(path)
}

/// Writes `report` to the controlling terminal, when there is one.
pub fn write_tty(report: &str) -> bool {
    match fs::OpenOptions::new().write(true).open("/dev/tty") {
        Ok(mut tty) => tty
            .write_all(report.as_bytes())
            .and_then(|()| tty.flush())
            .is_ok(),
        Err(_) => false,
    }
}

/// Reports an error of a Helm 4 plugin run beyond stderr, which Helm 4 hides: to the log
/// file and to the terminal (when there is one).
pub fn report_helm_plugin_error(env: &BTreeMap<String, String>, report: &str) {
    write_tty(&log_report(env, report));
}

/// Logs `report` (with a closing line) and returns the text for the terminal: the same,
/// plus where the log is.
fn log_report(env: &BTreeMap<String, String>, report: &str) -> String {
    let mut full = report.to_owned();
    full.push_str("meshdrain: nothing was written, so Helm stops here\n");
    match write_log(env, &full) {
        Ok(path) => full.push_str(&format!(
            "meshdrain: this report is also in {}\n",
            path.display()
        )),
        Err(LogError::NoStateHome) => {}
        Err(e) => full.push_str(&format!("meshdrain: the error log was not written: {e}\n")),
    }
    full
}

/// Whether a command line is the Helm 4 plugin's (`--helm-plugin`), so that even its usage
/// errors are reported where Helm 4 users can see them.
pub fn is_helm_plugin(args: &[OsString]) -> bool {
    args.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--helm-plugin")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_plugin_command_lines() {
        let args = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
        assert!(is_helm_plugin(&args(&[
            "meshdrain",
            "--helm-plugin",
            "--polcy=x"
        ])));
        assert!(!is_helm_plugin(&args(&["meshdrain", "--polcy=x"])));
        assert!(!is_helm_plugin(&args(&[
            "meshdrain",
            "--",
            "--helm-plugin"
        ])));
        assert!(!is_helm_plugin(&args(&["--helm-plugin"])));
    }

    #[test]
    fn log_path_follows_xdg() {
        let env = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert_eq!(
            log_path(&env(&[("HOME", "/h")])),
            Some(PathBuf::from("/h/.local/state/meshdrain/last-error.log"))
        );
        assert_eq!(
            log_path(&env(&[("HOME", "/h"), ("XDG_STATE_HOME", "/s")])),
            Some(PathBuf::from("/s/meshdrain/last-error.log"))
        );
        assert_eq!(log_path(&env(&[])), None);
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_478_400 + 3_723), "2026-11-24T01:02:03Z");
    }

    #[test]
    fn plugin_reports_are_logged_and_say_where() {
        let dir = tempfile::tempdir().unwrap();
        let env = [(
            "XDG_STATE_HOME".to_owned(),
            dir.path().display().to_string(),
        )]
        .into();
        let terminal = log_report(&env, "error: unexpected argument\n");
        let path = dir.path().join("meshdrain/last-error.log");
        assert_eq!(
            terminal,
            format!(
                "error: unexpected argument\nmeshdrain: nothing was written, so Helm stops here\nmeshdrain: this report is also in {}\n",
                path.display()
            )
        );
        let log = fs::read_to_string(&path).unwrap();
        assert!(log.ends_with(
            "\nerror: unexpected argument\nmeshdrain: nothing was written, so Helm stops here\n"
        ));
        // Nowhere to log: the terminal still gets the report.
        assert_eq!(
            log_report(&BTreeMap::new(), "e\n"),
            "e\nmeshdrain: nothing was written, so Helm stops here\n"
        );
    }

    #[test]
    fn writes_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let env = [(
            "XDG_STATE_HOME".to_owned(),
            dir.path().display().to_string(),
        )]
        .into();
        let path = write_log(&env, "error[x]: y\n").unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("meshdrain failed at ") && text.ends_with("error[x]: y\n"));
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
    }

    #[test]
    fn the_log_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let env = [(
            "XDG_STATE_HOME".to_owned(),
            dir.path().display().to_string(),
        )]
        .into();
        let line = "error[yaml-syntax]: invalid YAML in a document that goes on and on — ä\n";
        let report = line.repeat(3 * MAX_LOG_BYTES / line.len());
        let path = write_log(&env, &report).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.len() <= MAX_LOG_BYTES, "{}", text.len());
        assert!(text.len() > MAX_LOG_BYTES - 2 * line.len());
        let (head, last) = text.trim_end().rsplit_once('\n').unwrap();
        assert!(head.ends_with("ä"), "cut inside a line");
        assert!(
            last.starts_with("meshdrain: the log stops here at 1024 KiB"),
            "{last}"
        );
        // Short reports are kept whole.
        assert_eq!(bounded("e\n".to_owned()), "e\n");
    }

    #[test]
    fn a_log_that_cannot_be_written_is_said_on_the_terminal() {
        let dir = tempfile::tempdir().unwrap();
        // The state home is a file: no directory can be made in it.
        let state = dir.path().join("state");
        fs::write(&state, "").unwrap();
        let env = [("XDG_STATE_HOME".to_owned(), state.display().to_string())].into();
        let terminal = log_report(&env, "e\n");
        assert!(
            terminal
                .contains("meshdrain: the error log was not written: cannot create the directory"),
            "{terminal}"
        );
    }
}
