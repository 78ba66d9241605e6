//! Interim notebook helpers (replaced by `crate::notebook`).

pub(crate) mod bundle {
    use jumper_core::Output;
    use serde_json::{Map, Value};

    pub(crate) struct Bundle {
        pub(crate) data: Map<String, Value>,
        pub(crate) metadata: Map<String, Value>,
        pub(crate) stream: Option<(&'static str, String)>,
    }

    pub(crate) fn bundle(out: &Output) -> Bundle {
        let mut data = Map::new();
        let stream = match out {
            Output::Message { .. } => Some(("stdout", out.to_text())),
            Output::Html { html, text } => {
                data.insert("text/html".into(), html.clone().into());
                data.insert("text/plain".into(), text.clone().into());
                None
            }
            _ => {
                data.insert("text/plain".into(), out.to_text().into());
                None
            }
        };
        Bundle {
            data,
            metadata: Map::new(),
            stream,
        }
    }
}

pub(crate) mod dataframe {
    use std::path::{Path, PathBuf};

    use jumper_core::DataValue;

    pub(crate) fn write_data(value: &DataValue, dir: &Path, name: &str) -> Result<PathBuf, String> {
        let path = dir.join(format!("{name}.csv"));
        let r = match value {
            DataValue::Perf { frame, cells } => jumper_data::io::export_perf(frame, cells, &path),
            DataValue::History(cells) => jumper_data::io::export_history(cells, &path),
        };
        r.map_err(|e| e.to_string())?;
        Ok(path)
    }

    pub(crate) fn loader_code(language: &str, name: &str, path: &Path) -> Option<String> {
        let p = serde_json::to_string(&path.to_string_lossy()).ok()?;
        match language.to_ascii_lowercase().as_str() {
            "python" => Some(format!(
                "def __jumper_load():\n    try:\n        import pandas\n        return pandas.read_csv({p})\n    except ImportError:\n        pass\n    try:\n        import polars\n        return polars.read_csv({p})\n    except ImportError:\n        raise ImportError('neither pandas nor polars is installed in this kernel; the data is in ' + {p}) from None\n{name} = __jumper_load()\ndel __jumper_load\n"
            )),
            "r" => Some(format!("{name} <- read.csv({p})\n")),
            _ => None,
        }
    }
}

pub(crate) mod kernels {
    use std::path::PathBuf;

    use crate::kernelspec::Catalog;

    pub(crate) fn list_text(catalog: &Catalog, added: &[PathBuf], current: &str) -> String {
        let mut s = String::from("Available Jupyter Kernels:\n");
        s.push_str(&"-".repeat(50));
        s.push('\n');
        for k in catalog.wrappable() {
            s.push_str(&format!(
                "  {}: {} ({})\n",
                k.name, k.spec.display_name, k.spec.language
            ));
        }
        if !added.is_empty() {
            s.push_str("\nAdded kernel search paths:\n");
            for d in added {
                s.push_str(&format!("  {}\n", d.display()));
            }
        }
        s.push_str(&format!("\nCurrently wrapped kernel: {current}\n"));
        s
    }

    pub(crate) fn not_found(name: &str) -> String {
        format!("Kernel '{name}' not found. Use %list_kernels to see available kernels.")
    }

    pub(crate) fn wrapped(name: &str) -> String {
        format!("Successfully wrapped kernel: {name}")
    }
}
