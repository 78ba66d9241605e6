//! A Rust program that measures its own work, cell by cell, and asks jumper for reports.
//!
//! ```sh
//! cargo run -p jumper-examples --example embed
//! ```

use jumper_core::{Output, PerfmonitorService};
use jumper_data::{CellStatus, Level};
use jumper_examples::{burn_cpu, touch_memory, write_file};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::temp_dir().join(format!("jumper-embed-{}", std::process::id()));
    std::fs::create_dir_all(&out)?;

    let mut service = PerfmonitorService::builder().interval(0.05).build()?;
    service.start_monitoring()?;

    // A closure as a cell.
    let checksum = service.cell("compute", || burn_cpu(0.5));
    // A cell that keeps its result.
    let block = service.cell("allocate 256 MiB", || touch_memory(256));
    // A guard: the cell ends when the guard finishes (or is dropped).
    let guard = service.begin("write 32 MiB")?;
    let written = write_file(&out.join("data.bin"), 32);
    guard.finish(
        if written.is_ok() {
            CellStatus::Ok
        } else {
            CellStatus::Failed
        },
        written.as_ref().err().map(|e| e.to_string()),
    )?;
    drop(block);

    // The command language, as in a notebook.
    for line in [
        "%perfmonitor_perfreport --cell 0:2 --level process --text",
        "%show_cell_history",
        "%perfmonitor_export_perfdata --level process",
    ] {
        for o in service.run_command(line)? {
            match o {
                #[cfg(feature = "polars")]
                Output::Data { name, value } => {
                    let df = value.to_dataframe()?;
                    println!("{name}: a polars DataFrame of shape {:?}", df.shape());
                }
                other => print!("{}", other.to_text()),
            }
        }
    }

    // The numbers are exact: the compute cell's CPU time is the counter difference.
    let r = service.report("0".parse()?, Level::Process)?;
    println!(
        "compute: {:.2} s CPU time (checksum {checksum:x}); allocate: peak {:.2} GiB",
        r.stats.cpu_time_s,
        service
            .report("1".parse()?, Level::Process)?
            .stats
            .memory_gib
            .max
    );
    service.stop_monitoring()?;
    let session = service.export_session(&out.join("session"))?;
    println!("session written to {}", session.path.display());
    if r.stats.cpu_time_s < 0.3 {
        return Err(format!("compute cell shows only {:.2} s of CPU", r.stats.cpu_time_s).into());
    }
    std::fs::remove_dir_all(&out)?;
    Ok(())
}
