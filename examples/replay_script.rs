//! Replays the monitored script shipped next to this file, `examples/analysis.py`, the way
//! `jumper replay` does: commands go to the service, code to one persistent python3.
//!
//! ```sh
//! cargo run -p jumper-examples --example replay_script
//! ```

use std::path::Path;

use jumper_core::replay::{replay, ReplayOptions};
use jumper_core::{Output, OutputSink, PerfmonitorService};

/// Prints outputs and counts errors.
#[derive(Default)]
struct Print {
    errors: usize,
}

impl OutputSink for Print {
    fn emit(&mut self, output: Output) {
        print!("{}", output.to_text());
    }
    fn error(&mut self, message: &str) {
        self.errors += 1;
        eprintln!("error: {message}");
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("analysis.py");
    let script = jumper_script::parse(&std::fs::read_to_string(&path)?);
    let interpreter = jumper_script::Interpreter::choose(&path, &script, None)?;
    let mut executor = jumper_script::spawn_executor(&interpreter)?;
    let mut service = PerfmonitorService::builder()
        .root_pid(executor.root_pid())
        .build()?;
    let mut sink = Print::default();
    let opts = ReplayOptions {
        script_name: path.display().to_string(),
        ..Default::default()
    };
    let summary = replay(&mut service, &script, executor.as_mut(), &mut sink, &opts)?;
    executor.shutdown()?;
    println!(
        "replayed {} cells: {} failed, {} command errors",
        summary.cells, summary.failed, summary.command_errors
    );
    if summary.failed > 0 || sink.errors > 0 {
        return Err("the example script did not run cleanly".into());
    }
    Ok(())
}
