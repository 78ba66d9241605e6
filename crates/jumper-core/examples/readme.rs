//! Two monitored cells in a Rust program, and their report.
use jumper_core::{Cells, Level, PerfmonitorService, ServiceError};

fn main() -> Result<(), ServiceError> {
    let mut service = PerfmonitorService::builder().interval(0.05).build()?;
    service.start_monitoring()?;
    let total: u64 = service.cell("sum", || (0..1_000_000u64).sum());
    {
        // A guard: the cell ends when it is dropped.
        let _cell = service.begin("load")?;
        let _data: Vec<u64> = (0..100_000).collect();
    }
    let report = service.report(Cells::All, Level::Process)?;
    println!(
        "sum {total}: {} cells, {:.2} s CPU",
        report.cells.len(),
        report.stats.cpu_time_s
    );
    for out in service.run_command("%perfmonitor_perfreport --cell 0:1 --text")? {
        print!("{}", out.to_text()); // or match Output::{Html, Table, Image, Data, ..}
    }
    Ok(())
}
