#![allow(clippy::unwrap_used, missing_docs)]
use jumper_data::time::thread_cpu_s;
use jumper_monitor::procfs::ProcFs;
fn main() {
    let me = std::process::id().to_string();
    for f in [
        "stat",
        "meminfo",
        "diskstats",
        "loadavg",
        &format!("{me}/stat"),
        &format!("{me}/io"),
    ] {
        let mut fs = ProcFs::new();
        let (mut w, n) = (0.0, 200);
        for _ in 0..n {
            std::thread::sleep(std::time::Duration::from_millis(10));
            let a = thread_cpu_s();
            fs.read_file(f).unwrap();
            w += thread_cpu_s() - a;
        }
        println!("{f}: {:.1} us", w / n as f64 * 1e6);
    }
}
