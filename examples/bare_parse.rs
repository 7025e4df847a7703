//! The baseline `meshdrain` is measured against: one single-threaded saphyr-parser event pass
//! over a whole file, building nothing (or over every `*.yaml` file under a directory, one
//! after another).
//!
//! ```text
//! cargo run --release --example bare_parse -- FILE|DIR
//! ```
//!
//! Prints the number of events (StreamStart through StreamEnd).

use std::process::ExitCode;

use saphyr_parser::{Event, Parser};

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: bare_parse FILE|DIR");
        return ExitCode::from(2);
    };
    let mut files = Vec::new();
    walk(std::path::Path::new(&path), &mut files);
    let mut events = 0usize;
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("bare_parse: cannot read {}: {e}", file.display());
                return ExitCode::FAILURE;
            }
        };
        match parse(&text) {
            Ok(n) => events += n,
            Err(e) => {
                eprintln!("bare_parse: {}: {e}", file.display());
                return ExitCode::FAILURE;
            }
        }
    }
    println!("{events}");
    ExitCode::SUCCESS
}

/// `path` itself, or the `*.yaml` files under it, sorted.
fn walk(path: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    if !path.is_dir() {
        out.push(path.to_path_buf());
        return;
    }
    let mut entries: Vec<_> = std::fs::read_dir(path)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            walk(&entry, out);
        } else if entry.extension().is_some_and(|e| e == "yaml") {
            out.push(entry);
        }
    }
}

/// The number of events of one pass over `text`.
fn parse(text: &str) -> Result<usize, saphyr_parser::ScanError> {
    let mut parser = Parser::new_from_str(text);
    let mut events = 0usize;
    while let Some(next) = parser.next_event() {
        let (event, _span) = next?;
        events += 1;
        if matches!(event, Event::StreamEnd) {
            break;
        }
    }
    Ok(events)
}
