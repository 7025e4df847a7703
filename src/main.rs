use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

/// A thread-caching allocator: a render or check of a large stream allocates on both cores at
/// once (per-document parser buffers, trees), where the system allocator's arenas cost more.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // kustomize execs the plugin as `…/DrainPolicy CONFIG`.
    let args = meshdrain::integration::kustomize::normalize_args(std::env::args_os().collect());
    let cli = match meshdrain::cli::Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            // Helm 4 hides the plugin's stderr: a mistyped --post-renderer-args must still
            // reach the user (not for --help/--version, which are no errors).
            if e.use_stderr() && meshdrain::integration::helm::is_helm_plugin(&args) {
                meshdrain::integration::helm::report_helm_plugin_error(
                    &meshdrain::relevant_env(),
                    &e.render().to_string(),
                );
            }
            e.exit()
        }
    };
    let stdin = std::io::stdin();
    let stdin_is_terminal = stdin.is_terminal();
    let stdin_size = regular_file_size(&stdin);
    let mut stdin = stdin.lock();
    // Locked stdout is line-buffered; a BufWriter keeps large streams to a few big writes.
    let stdout_is_terminal = std::io::stdout().is_terminal();
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut stderr = std::io::stderr().lock();
    let mut io = meshdrain::Io {
        stdin: &mut stdin,
        stdin_is_terminal,
        stdin_size,
        stdout: &mut stdout,
        stdout_is_terminal,
        stderr: &mut stderr,
        env: meshdrain::relevant_env(),
    };
    ExitCode::from(meshdrain::run(cli, &mut io).code())
}

/// The size of the file stdin is, when it is a regular one.
fn regular_file_size(stdin: &std::io::Stdin) -> Option<u64> {
    use std::os::fd::AsFd;
    let file = std::fs::File::from(stdin.as_fd().try_clone_to_owned().ok()?);
    let meta = file.metadata().ok()?;
    meta.is_file().then_some(meta.len())
}
