//! The `%perfmonitor_help` text, derived from the command table.

use super::table::{ArgKind, COMMANDS};

/// The help text: every command with its usage, summary and options, then levels, cell
/// ranges and metrics. `slurm`: list the slurm level (inside a SLURM job).
pub fn help(slurm: bool) -> String {
    let mut s =
        String::from("jumper commands (write them with a leading % in scripts and notebooks):\n");
    for c in COMMANDS {
        s.push_str(&format!("  %{}\n      {}", c.usage(), c.summary));
        if !c.aliases.is_empty() {
            s.push_str(&format!(
                " (alias {})",
                c.aliases
                    .iter()
                    .map(|a| format!("%{a}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        s.push('\n');
        for o in c.options.iter().filter(|o| !o.hidden) {
            let head = match o.arg {
                ArgKind::Flag => format!("--{}", o.name),
                ArgKind::Value(k) => format!("--{} {}", o.name, k.metavar()),
                ArgKind::Values(k) => format!("--{} [{}...]", o.name, k.metavar()),
            };
            let default = o
                .default
                .map(|d| format!(" (default: {d})"))
                .unwrap_or_default();
            s.push_str(&format!("        {head:<14} {}{default}\n", o.help));
        }
    }
    s.push_str(
        "\nMonitoring levels:\n  process  the monitored process and all its descendants\n  user     all processes of the user\n  system   the whole machine\n",
    );
    if slurm {
        s.push_str("  slurm    the processes of this SLURM job\n");
    }
    s.push_str(
        "\nCell ranges (inclusive): N, A:B, :B, A:; negative indices count from the end (-3: = the last three cells)\n",
    );
    s.push_str(
        "\nMetrics (--metrics, keys or subsets):\n  cpu: cpu_summary   cpu_all: cpu (per core)   mem: memory\n  io: io_read, io_write, io_read_count, io_write_count\n  gpu: gpu_util_summary, gpu_band_summary, gpu_mem_summary   gpu_all: gpu_util, gpu_band, gpu_mem\n",
    );
    s
}
