//! `jumper`: per-cell performance monitoring from the command line.
//!
//! A thin frontend over `jumper-core`: it parses arguments, runs commands as cells and prints
//! what the service reports. Exit codes are in [`exit`].

mod exit;
mod run;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Per-cell performance monitoring: CPU, memory, I/O and GPU at process, user, system and
/// SLURM-job level.
#[derive(Debug, Parser)]
#[command(name = "jumper", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a command as one monitored cell; its output and exit status pass through.
    Run(run::RunArgs),
    /// Show the hardware: CPUs, affinity, memory and its limits, GPUs.
    Resources {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    let code = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Resources { json } => resources(json),
    };
    ExitCode::from(code.clamp(0, 255) as u8)
}

fn resources(json: bool) -> i32 {
    let service = match jumper_core::PerfmonitorService::builder().build() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("jumper: {e}");
            return exit::JUMPER_FAILED;
        }
    };
    let (gpu, note) = jumper_monitor::gpu::detect();
    let mut r = service.resources();
    r.gpus = gpu.map(|g| g.devices()).unwrap_or_default();
    if json {
        let mut v = serde_json::to_value(&r).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert(
                "memory_limits_gib".into(),
                serde_json::to_value(r.memory_limits_gib()).unwrap_or_default(),
            );
            o.insert("gpu_note".into(), note.into());
        }
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        print!("{}", r.to_text());
        if r.gpus.is_empty() {
            println!("  ({note})");
        }
    }
    0
}
