//! GPUs behind a trait: NVIDIA through NVML (feature `nvml`, library loaded at run time) and a
//! fake device for tests. A machine without a GPU is normal: detection returns no backend.
//!
//! GPU drivers can stall, so the sampler never calls a backend itself: a [`GpuPoller`] thread
//! polls it and the sampler reads the latest reading.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A GPU as discovered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GpuDevice {
    /// Product name.
    pub name: String,
    /// Total memory in bytes.
    pub memory_total: u64,
    /// The driver's UUID (`GPU-8f6e...`, DCGM's `UUID` label); empty where unknown.
    pub uuid: String,
}

/// A compute process on a GPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GpuProcess {
    /// Process id.
    pub pid: u32,
    /// GPU memory it uses, in bytes.
    pub used_memory: u64,
}

/// One reading of one GPU.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GpuDeviceSample {
    /// Compute utilisation, percent.
    pub util: f64,
    /// Memory-bandwidth utilisation, percent.
    pub mem_util: f64,
    /// Used memory, bytes.
    pub used_memory: u64,
    /// Compute processes running on it.
    pub processes: Vec<GpuProcess>,
}

/// A source of GPU readings.
pub trait GpuBackend: Send {
    /// The devices, in a fixed order.
    fn devices(&self) -> Vec<GpuDevice>;
    /// One reading per device, in the order of [`GpuBackend::devices`]. A device that fails
    /// to answer reads as zeros rather than failing the whole sample.
    fn sample(&mut self) -> Vec<GpuDeviceSample>;
}

/// A fake GPU backend whose readings a test sets.
#[derive(Debug, Clone, Default)]
pub struct FakeGpu {
    devices: Vec<GpuDevice>,
    readings: Arc<Mutex<Vec<GpuDeviceSample>>>,
}

impl FakeGpu {
    /// Fake devices with zero readings.
    pub fn new(devices: Vec<GpuDevice>) -> Self {
        let n = devices.len();
        FakeGpu {
            devices,
            readings: Arc::new(Mutex::new(vec![GpuDeviceSample::default(); n])),
        }
    }

    /// Sets what the next samples return (shared by clones).
    pub fn set(&self, readings: Vec<GpuDeviceSample>) {
        *self.readings.lock().unwrap_or_else(|e| e.into_inner()) = readings;
    }
}

impl GpuBackend for FakeGpu {
    fn devices(&self) -> Vec<GpuDevice> {
        self.devices.clone()
    }
    fn sample(&mut self) -> Vec<GpuDeviceSample> {
        self.readings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// NVIDIA GPUs through NVML.
#[cfg(feature = "nvml")]
pub struct NvmlGpu {
    nvml: nvml_wrapper::Nvml,
    devices: Vec<GpuDevice>,
}

#[cfg(feature = "nvml")]
impl NvmlGpu {
    /// Loads `libnvidia-ml.so.1` and lists the devices. Fails (never panics) without a
    /// driver; the error text says why.
    pub fn init() -> Result<Self, String> {
        let nvml = nvml_wrapper::Nvml::init().map_err(|e| e.to_string())?;
        let n = nvml.device_count().map_err(|e| e.to_string())?;
        let mut devices = Vec::new();
        for i in 0..n {
            let d = nvml.device_by_index(i).map_err(|e| e.to_string())?;
            devices.push(GpuDevice {
                name: d.name().unwrap_or_else(|_| format!("GPU {i}")),
                memory_total: d.memory_info().map(|m| m.total).unwrap_or(0),
                uuid: d.uuid().unwrap_or_default(),
            });
        }
        Ok(NvmlGpu { nvml, devices })
    }
}

#[cfg(feature = "nvml")]
impl GpuBackend for NvmlGpu {
    fn devices(&self) -> Vec<GpuDevice> {
        self.devices.clone()
    }

    fn sample(&mut self) -> Vec<GpuDeviceSample> {
        use nvml_wrapper::enums::device::UsedGpuMemory;
        (0..self.devices.len() as u32)
            .map(|i| {
                let Ok(d) = self.nvml.device_by_index(i) else {
                    return GpuDeviceSample::default();
                };
                let (util, mem_util) = d
                    .utilization_rates()
                    .map(|u| (u.gpu as f64, u.memory as f64))
                    .unwrap_or((0.0, 0.0));
                let used_memory = d.memory_info().map(|m| m.used).unwrap_or(0);
                let processes = d
                    .running_compute_processes()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| GpuProcess {
                        pid: p.pid,
                        used_memory: match p.used_gpu_memory {
                            UsedGpuMemory::Used(b) => b,
                            UsedGpuMemory::Unavailable => 0,
                        },
                    })
                    .collect();
                GpuDeviceSample {
                    util,
                    mem_util,
                    used_memory,
                    processes,
                }
            })
            .collect()
    }
}

/// Finds the machine's GPUs. Returns the backend, or `None` with the reason in the message
/// (no driver, no GPU, or built without the `nvml` feature).
pub fn detect() -> (Option<Box<dyn GpuBackend>>, String) {
    #[cfg(feature = "nvml")]
    {
        match NvmlGpu::init() {
            Ok(g) if !g.devices.is_empty() => {
                let n = g.devices.len();
                (Some(Box::new(g)), format!("NVML: {n} NVIDIA GPU(s)"))
            }
            Ok(_) => (None, "NVML: no NVIDIA GPU".into()),
            Err(e) if e.contains("libnvidia-ml") => (
                None,
                "no NVIDIA driver (libnvidia-ml.so.1 not found): GPU monitoring off".into(),
            ),
            Err(e) => (None, format!("NVIDIA GPU monitoring off: {e}")),
        }
    }
    #[cfg(not(feature = "nvml"))]
    {
        (
            None,
            "built without the `nvml` feature: no GPU monitoring".into(),
        )
    }
}

/// Polls a backend on its own thread and keeps the latest reading.
pub struct GpuPoller {
    latest: Arc<Mutex<Vec<GpuDeviceSample>>>,
    stop: Arc<AtomicBool>,
    cpu_ns: Arc<AtomicU64>,
    handle: Option<JoinHandle<()>>,
}

impl GpuPoller {
    /// Starts polling every `interval`.
    pub fn start(mut backend: Box<dyn GpuBackend>, interval: Duration) -> std::io::Result<Self> {
        let latest = Arc::new(Mutex::new(backend.sample()));
        let stop = Arc::new(AtomicBool::new(false));
        let cpu_ns = Arc::new(AtomicU64::new(0));
        let (l, s, c) = (latest.clone(), stop.clone(), cpu_ns.clone());
        let handle = std::thread::Builder::new()
            .name("jumper-gpu".into())
            .spawn(move || {
                while !s.load(Ordering::Relaxed) {
                    let r = backend.sample();
                    *l.lock().unwrap_or_else(|e| e.into_inner()) = r;
                    c.store(
                        (jumper_data::time::thread_cpu_s() * 1e9) as u64,
                        Ordering::Relaxed,
                    );
                    std::thread::park_timeout(interval);
                }
            })?;
        Ok(GpuPoller {
            latest,
            stop,
            cpu_ns,
            handle: Some(handle),
        })
    }

    /// The latest reading.
    pub fn latest(&self) -> Vec<GpuDeviceSample> {
        self.latest
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// CPU seconds the polling thread has used.
    pub fn cpu_s(&self) -> f64 {
        self.cpu_ns.load(Ordering::Relaxed) as f64 * 1e-9
    }
}

impl Drop for GpuPoller {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            h.thread().unpark();
            let _ = h.join();
        }
    }
}
