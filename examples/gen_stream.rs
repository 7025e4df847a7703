//! Writes a deterministic Helm-3-style manifest stream for benchmarking `meshdrain`.
//!
//! ```text
//! cargo run --release --example gen_stream -- [--mb 20] [OUT]
//! ```
//!
//! `--mb` is the target size in megabytes (10^6 bytes, default 20); the stream goes to `OUT`, or
//! to stdout when no `OUT` is given. See `examples/support/stream_gen.rs` for what it holds.

#[path = "support/stream_gen.rs"]
mod stream_gen;

use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "usage: gen_stream [--mb N] [OUT]";

fn main() -> ExitCode {
    let mut mb = 20.0_f64;
    let mut out_path = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--mb" => match args.next().and_then(|v| v.parse::<f64>().ok()) {
                Some(v) if v > 0.0 => mb = v,
                _ => {
                    eprintln!("gen_stream: --mb needs a positive number\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ if out_path.is_none() && !arg.starts_with("--") => out_path = Some(arg),
            _ => {
                eprintln!("gen_stream: unexpected argument {arg:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let stream = stream_gen::generate((mb * 1e6) as usize);
    let written = match &out_path {
        Some(path) => std::fs::write(path, &stream),
        None => std::io::stdout().lock().write_all(stream.as_bytes()),
    };
    if let Err(e) = written {
        eprintln!("gen_stream: cannot write: {e}");
        return ExitCode::FAILURE;
    }
    let documents = stream.matches("\n---\n").count() + usize::from(stream.starts_with("---\n"));
    eprintln!(
        "gen_stream: {} bytes, {documents} documents ({} install gateways, 1 ControlPlane){}",
        stream.len(),
        stream_gen::GATEWAYS,
        out_path.map(|p| format!(" -> {p}")).unwrap_or_default(),
    );
    ExitCode::SUCCESS
}
