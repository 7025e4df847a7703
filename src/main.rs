use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // kustomize execs the plugin as `…/DrainPolicy CONFIG`.
    let args = meshdrain::cli::normalize_args(std::env::args_os().collect());
    let cli = meshdrain::cli::Cli::parse_from(args);
    let stdin = std::io::stdin();
    let stdin_is_terminal = stdin.is_terminal();
    let mut stdin = stdin.lock();
    // Locked stdout is line-buffered; a BufWriter keeps large streams to a few big writes.
    let stdout_is_terminal = std::io::stdout().is_terminal();
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut stderr = std::io::stderr().lock();
    let mut io = meshdrain::Io {
        stdin: &mut stdin,
        stdin_is_terminal,
        stdout: &mut stdout,
        stdout_is_terminal,
        stderr: &mut stderr,
        env: meshdrain::relevant_env(),
    };
    ExitCode::from(meshdrain::run(cli, &mut io).code())
}
