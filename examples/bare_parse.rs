//! The baseline `meshdrain` is measured against: one single-threaded saphyr-parser event pass
//! over a whole file, building nothing.
//!
//! ```text
//! cargo run --release --example bare_parse -- FILE
//! ```
//!
//! Prints the number of events (StreamStart through StreamEnd).

use std::process::ExitCode;

use saphyr_parser::{Event, Parser};

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: bare_parse FILE");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("bare_parse: cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut parser = Parser::new_from_str(&text);
    let mut events = 0usize;
    while let Some(next) = parser.next_event() {
        match next {
            Ok((event, _span)) => {
                events += 1;
                if matches!(event, Event::StreamEnd) {
                    break;
                }
            }
            Err(e) => {
                eprintln!("bare_parse: {path}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("{events}");
    ExitCode::SUCCESS
}
