//! `netvet __analyse` (hidden): the unpack-and-scan step of one service analysis, run by
//! `netvet serve` in a child process so that a crash, a runaway allocation or a loop in a
//! reader on hostile input ends this process, not the service. The parent sets the limits on
//! the command line; this process applies them to itself (RLIMIT_AS, RLIMIT_CPU) before it
//! reads a byte of the image, runs what `netvet scan` runs, and writes the `netvet.scan/1`
//! report to `--out`. The parent keeps the wall-clock limit.

use std::path::PathBuf;

use anyhow::Context;
use netvet_pipeline::{AnalyseOptions, Analyser};

use super::limits::LimitArgs;

/// Analyse one image for `netvet serve` (internal).
#[derive(clap::Args)]
pub struct Args {
    /// The image.
    #[arg(long, value_name = "FILE")]
    image: PathBuf,
    /// Where the report goes.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Judge certificates and support on this day.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: netvet_model::Date,
    /// Address space limit, bytes (RLIMIT_AS); 0: none.
    #[arg(long, value_name = "BYTES", default_value_t = 0)]
    max_memory: u64,
    /// CPU time limit, seconds (RLIMIT_CPU); 0: none.
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    max_cpu: u64,
    /// The advisory index to match against (the service's imported one); default: the
    /// built-in advisories.
    #[arg(long, value_name = "FILE")]
    index: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Lowers this process's own limits (never raises them).
fn limit_self(memory: u64, cpu: u64) -> anyhow::Result<()> {
    use rustix::process::{Resource, Rlimit, setrlimit};
    for (resource, value, name) in [
        (Resource::As, memory, "address space"),
        (Resource::Cpu, cpu, "CPU time"),
    ] {
        if value > 0 {
            setrlimit(
                resource,
                Rlimit {
                    current: Some(value),
                    maximum: Some(value),
                },
            )
            .with_context(|| format!("cannot limit the {name} to {value}"))?;
        }
    }
    Ok(())
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    limit_self(args.max_memory, args.max_cpu)?;
    let options = AnalyseOptions {
        unpack: args.limits.options(),
        index: args.index,
        ..AnalyseOptions::new(args.as_of)
    };
    let analyser = Analyser::new(options)?;
    let report = analyser
        .analyse(&args.image, &None)
        .with_context(|| format!("cannot analyse {}", args.image.display()))?;
    let text = netvet_model::json::to_canonical_string(&report)?;
    std::fs::write(&args.out, text)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    Ok(crate::EXIT_OK)
}
