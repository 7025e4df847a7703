use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = meshdrain::cli::Cli::parse();
    let stdin = std::io::stdin();
    let stdin_is_terminal = stdin.is_terminal();
    let mut stdin = stdin.lock();
    // Locked stdout is line-buffered; a BufWriter keeps large streams to a few big writes.
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut stderr = std::io::stderr().lock();
    let mut io = meshdrain::Io {
        stdin: &mut stdin,
        stdin_is_terminal,
        stdout: &mut stdout,
        stderr: &mut stderr,
        env: meshdrain::meshdrain_env(),
    };
    ExitCode::from(meshdrain::run(cli, &mut io).code())
}
