//! `netvet`: vet 5G network equipment and vendors. This binary only parses arguments and calls
//! the library crates; each subcommand is one module under `cmd/`.

mod cmd;
mod config;
mod output;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Vet 5G network equipment and its vendors against security requirements.
#[derive(Parser)]
#[command(name = "netvet", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// Show the library's logs at this level and above on stderr (error, warn, info, debug,
    /// trace); default: warn, or what RUST_LOG says.
    #[arg(long, global = true, value_name = "LEVEL", value_parser = parse_level)]
    log_level: Option<tracing_subscriber::filter::LevelFilter>,
    /// Log lines as text for people, or one JSON object per line (time, level, target,
    /// message, fields, request id) for collectors [env: NETVET_LOG_FORMAT; default: text].
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    log_format: Option<config::LogFormat>,
    /// Colour severities in tables: auto (on a terminal, unless NO_COLOR is set), always or
    /// never.
    #[arg(long, global = true, value_enum, value_name = "WHEN")]
    color: Option<output::ColorChoice>,
    /// Read defaults from this configuration file instead of
    /// $XDG_CONFIG_HOME/netvet/config.toml (~/.config/netvet/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

fn parse_level(s: &str) -> Result<tracing_subscriber::filter::LevelFilter, String> {
    s.parse()
        .map_err(|_| format!("{s:?} is not a log level (error, warn, info, debug, trace)"))
}

/// Logs go to stderr: the level given, else `RUST_LOG`, else warnings only (for `serve`,
/// also the service's information: starts, requests, jobs). The format: the flag, else
/// `NETVET_LOG_FORMAT`, else the configuration file's `log_format`, else text.
fn init_logs(
    level: Option<tracing_subscriber::filter::LevelFilter>,
    format: Option<config::LogFormat>,
    serving: bool,
) -> anyhow::Result<()> {
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let fallback = if serving {
        "warn,netvet_server=info,netvet_store=info,netvet=info"
    } else {
        "warn"
    };
    let filter = match level {
        Some(l) => EnvFilter::new(l.to_string()),
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(fallback)),
    };
    let format = match (
        format,
        std::env::var("NETVET_LOG_FORMAT")
            .ok()
            .filter(|v| !v.is_empty()),
    ) {
        (Some(f), _) => f,
        (None, Some(v)) => <config::LogFormat as clap::ValueEnum>::from_str(&v, true)
            .map_err(|_| anyhow::anyhow!("NETVET_LOG_FORMAT={v:?}: text or json"))?,
        (None, None) => config::get().log_format.unwrap_or_default(),
    };
    let _ = match format {
        config::LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(output::stderr_is_tty())
            .try_init()
            .is_ok(),
        config::LogFormat::Json => tracing_subscriber::registry()
            .with(filter)
            .with(netvet_server::logs::JsonLines::new(std::io::stderr))
            .try_init()
            .is_ok(),
    };
    Ok(())
}

#[derive(Subcommand)]
enum Command {
    Demo(cmd::demo::Args),
    Identify(cmd::identify::Args),
    Unpack(cmd::unpack::Args),
    Scan(cmd::scan::Args),
    Sbom(cmd::sbom::Args),
    Vulns(cmd::vulns::Args),
    #[command(subcommand)]
    Db(cmd::db::Command),
    Assess(cmd::assess::Args),
    Impact(cmd::impact::Args),
    Network(cmd::network::Args),
    Dossier(cmd::dossier::Args),
    Product(cmd::product::Args),
    Catalogue(cmd::catalogue::Args),
    Diff(cmd::diff::DiffArgs),
    Equivalence(cmd::diff::EquivalenceArgs),
    Serve(cmd::serve::Args),
    #[command(name = "__analyse", hide = true)]
    AnalyseChild(cmd::analyse_child::Args),
    Completions(CompletionsArgs),
    Man(ManArgs),
}

/// Print a shell completion script (install it where your shell loads completions).
#[derive(clap::Args)]
struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Print the manual page (roff), e.g. `netvet man > /usr/local/share/man/man1/netvet.1`.
#[derive(clap::Args)]
struct ManArgs {}

/// Writes the completion script or the man page, generated from the CLI definition.
fn generate(command: &Command) -> anyhow::Result<u8> {
    use clap::CommandFactory;
    let mut cli = Cli::command();
    let mut out = Vec::new();
    match command {
        Command::Completions(a) => clap_complete::generate(a.shell, &mut cli, "netvet", &mut out),
        _ => clap_mangen::Man::new(cli).render(&mut out)?,
    }
    output::emit(&String::from_utf8_lossy(&out), None)?;
    Ok(EXIT_OK)
}

/// Exit code when the command ran and nothing reached `--fail-on`.
pub const EXIT_OK: u8 = 0;
/// Exit code when findings or a verdict reached `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code for usage and input errors.
pub const EXIT_ERROR: u8 = 2;
/// Exit code when a gate (`--fail-on`) was asked for but an input could not be read at all:
/// no findings there means nothing, so the gate cannot pass.
pub const EXIT_UNREADABLE: u8 = 3;

fn main() -> ExitCode {
    // Transparent huge pages off for this process: files are read into buffers of their size,
    // and the kernel zeroing 2 MiB pages for them and mimalloc's purged spans cost a scan
    // 0.6 s of system time and 80 MB of memory on bench/scan.sh's image (scan 5% faster,
    // assess no slower). Where the kernel refuses, nothing changes.
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let cli = Cli::parse();
    let serving = matches!(cli.command, Command::Serve(_));
    if let Err(e) = config::load(cli.config.as_deref())
        .and_then(|()| init_logs(cli.log_level, cli.log_format, serving))
    {
        eprintln!("netvet: error: {e:#}");
        return ExitCode::from(EXIT_ERROR);
    }
    output::set_style(cli.color.or(config::get().color).unwrap_or_default());
    let result = match cli.command {
        Command::Demo(a) => cmd::demo::run(a),
        Command::Identify(a) => cmd::identify::run(a),
        Command::Unpack(a) => cmd::unpack::run(a),
        Command::Scan(a) => cmd::scan::run(a),
        Command::Sbom(a) => cmd::sbom::run(a),
        Command::Vulns(a) => cmd::vulns::run(a),
        Command::Db(c) => cmd::db::run(c),
        Command::Assess(a) => cmd::assess::run(a),
        Command::Impact(a) => cmd::impact::run(a),
        Command::Network(a) => cmd::network::run(a),
        Command::Dossier(a) => cmd::dossier::run(a),
        Command::Product(a) => cmd::product::run(a),
        Command::Catalogue(a) => cmd::catalogue::run(a),
        Command::Diff(a) => cmd::diff::run_diff(a),
        Command::Equivalence(a) => cmd::diff::run_equivalence(a),
        Command::Serve(a) => cmd::serve::run(a),
        Command::AnalyseChild(a) => cmd::analyse_child::run(a),
        c @ (Command::Completions(_) | Command::Man(_)) => generate(&c),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if output::is_broken_pipe(&e) {
                return ExitCode::from(EXIT_OK);
            }
            eprintln!("netvet: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
