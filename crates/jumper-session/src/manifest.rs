//! `manifest.json`: the description of a session, in JUmPER 0.4.1's layout plus a `jumper`
//! block that names the writer and the schema version.
//!
//! A manifest written by jumper looks like JUmPER's key for key (JUmPER imports it without
//! noticing the difference) and adds:
//!
//! ```json
//! "jumper": { "schema": "jumper.session.v1", "writer": "jumper 0.1.0" }
//! ```
//!
//! This module is the manifest's shape and its parsing only; reading it from a session is
//! [`read_manifest`](crate::read_manifest)'s job (in `source.rs`).
//!
//! Reading checks the version before anything else: a manifest with a `jumper` block must carry
//! a schema listed in [`SUPPORTED_SCHEMAS`]; one without it (JUmPER's own) must carry a
//! `version` listed in [`SUPPORTED_MANIFEST_VERSIONS`]. Anything else is refused with
//! [`SessionError::UnsupportedSchema`] or [`SessionError::UnsupportedVersion`].

use std::fmt;
use std::path::{Path, PathBuf};

use jumper_data::{Level, MonitorInfo, Thresholds};
use serde::de::{Error as _, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::SessionError;

/// File name of the manifest inside a session.
pub const MANIFEST_FILE: &str = "manifest.json";
/// File name of the cell history inside a session.
pub const CELL_HISTORY_FILE: &str = "cell_history.csv";
/// The manifest `version` jumper writes: JUmPER 0.4.1's, so JUmPER reads our sessions.
pub const MANIFEST_VERSION: &str = "1.0";
/// Manifest versions accepted from manifests without a `jumper` block (written by JUmPER).
pub const SUPPORTED_MANIFEST_VERSIONS: &[&str] = &[MANIFEST_VERSION];
/// The schema of the sessions this build writes (`jumper.schema` in the manifest).
pub const SESSION_SCHEMA: &str = "jumper.session.v1";
/// Schemas accepted from manifests written by jumper.
pub const SUPPORTED_SCHEMAS: &[&str] = &[SESSION_SCHEMA];
/// `app.name` in manifests jumper writes.
pub const APP_NAME: &str = "jumper";
/// `time_origin` jumper writes: `time` columns are `CLOCK_MONOTONIC` seconds.
///
/// JUmPER writes `"perf_counter"`; on Linux Python's `perf_counter` *is* `CLOCK_MONOTONIC`,
/// and JUmPER 0.4.1's samplers stamp rows with `CLOCK_MONOTONIC` too, so both values name the
/// same clock. JUmPER 0.4.1 never reads this key (its importer only uses `monitor`,
/// `reporter.thresholds` and `visualizer`), so writing the accurate name costs no
/// compatibility.
pub const TIME_ORIGIN: &str = "monotonic";

/// File name of a level's perf data inside a session: `perf_<level>.csv`.
pub fn perf_file_name(level: Level) -> String {
    format!("perf_{}.csv", level.as_str())
}

/// The whole `manifest.json`.
///
/// Field order is JUmPER's order; `jumper` comes last and is absent in JUmPER's manifests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Manifest {
    /// Manifest layout version (`"1.0"`, as JUmPER 0.4.1).
    pub version: String,
    /// The program that wrote the session.
    pub app: AppInfo,
    /// Monitor settings and hardware (JUmPER's keys, then jumper's additions).
    pub monitor: MonitorInfo,
    /// The levels that were monitored (a level may have no perf file if it has no rows).
    /// Names of levels this build does not know are skipped when reading.
    #[serde(deserialize_with = "known_levels")]
    pub levels: Vec<Level>,
    /// The columns of every file written.
    pub schemas: Schemas,
    /// Plot settings.
    pub visualizer: VisualizerSettings,
    /// Report settings.
    pub reporter: ReporterSettings,
    /// The clock of every `time`, `start_time` and `end_time` value; see [`TIME_ORIGIN`].
    pub time_origin: String,
    /// The time zone of the machine that wrote the session (informational).
    pub timezone: String,
    /// Writer and schema version; present only in manifests written by jumper.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jumper: Option<JumperBlock>,
}

/// `app`: who wrote the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct AppInfo {
    /// `"jumper"` or `"JUmPER"`.
    pub name: String,
    /// The writer's version (JUmPER installed from a wheel writes `"unknown"`).
    pub version: String,
}

/// `jumper`: the block by which jumper recognises its own sessions and their schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct JumperBlock {
    /// Schema version of the session, e.g. [`SESSION_SCHEMA`].
    pub schema: String,
    /// Program and version that wrote it, e.g. `"jumper 0.1.0"`.
    pub writer: String,
}

/// `schemas`: the columns of every file, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Schemas {
    /// Columns of each `perf_<level>.csv`, in the order of the levels.
    pub perf: PerfSchemas,
    /// Columns of `cell_history.csv`.
    pub cell_history: Vec<String>,
}

/// Perf columns by level, kept in document order (a JSON object keyed by level name).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PerfSchemas(pub Vec<(Level, Vec<String>)>);

impl PerfSchemas {
    /// The columns recorded for `level`, if it has a perf file.
    pub fn get(&self, level: Level) -> Option<&[String]> {
        self.0
            .iter()
            .find(|(l, _)| *l == level)
            .map(|(_, c)| c.as_slice())
    }
}

impl Serialize for PerfSchemas {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (level, cols) in &self.0 {
            m.serialize_entry(level.as_str(), cols)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for PerfSchemas {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PerfSchemas;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object mapping level names to lists of column names")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<PerfSchemas, A::Error> {
                let mut out = Vec::new();
                while let Some((name, cols)) = a.next_entry::<String, Value>()? {
                    // Levels this build does not know are skipped, as their files are.
                    let Ok(level) = name.parse::<Level>() else {
                        continue;
                    };
                    let cols = Vec::<String>::deserialize(cols).map_err(A::Error::custom)?;
                    out.push((level, cols));
                }
                Ok(PerfSchemas(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A list of level names, without the names this build does not know (a newer JUmPER's).
fn known_levels<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Level>, D::Error> {
    let names = Vec::<Value>::deserialize(d)?;
    Ok(names
        .iter()
        .filter_map(|v| v.as_str()?.parse().ok())
        .collect())
}

/// A level name; an unknown one reads as `process`, JUmPER's default report level.
fn level_or_process<'de, D: Deserializer<'de>>(d: D) -> Result<Level, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(Level::Process))
}

/// `visualizer`: JUmPER's plot settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VisualizerSettings {
    /// Metric subsets plotted by default: `cpu, mem, io`, plus `gpu, gpu_all` with GPUs.
    pub default_metric_subsets: Vec<String>,
    /// Figure size in inches, `[5, 3]` by default.
    #[serde(serialize_with = "ser_figsize")]
    pub figsize: [f64; 2],
    /// Window (in samples) of the I/O plots' smoothing.
    pub io_window: u32,
    /// Interactive plot state; always `{}`.
    pub last_state: Value,
}

impl VisualizerSettings {
    /// JUmPER's defaults for a machine with `num_gpus` GPUs.
    pub fn for_gpus(num_gpus: usize) -> Self {
        let mut subsets = vec!["cpu".to_string(), "mem".into(), "io".into()];
        if num_gpus > 0 {
            subsets.extend(["gpu".to_string(), "gpu_all".into()]);
        }
        VisualizerSettings {
            default_metric_subsets: subsets,
            ..Default::default()
        }
    }
}

impl Default for VisualizerSettings {
    fn default() -> Self {
        VisualizerSettings {
            default_metric_subsets: vec!["cpu".into(), "mem".into(), "io".into()],
            figsize: [5.0, 3.0],
            io_window: 10,
            last_state: Value::Object(Default::default()),
        }
    }
}

/// Whole numbers are written without a fraction (`[5, 3]`), as JUmPER writes them.
fn ser_figsize<S: Serializer>(v: &[f64; 2], s: S) -> Result<S::Ok, S::Error> {
    let num = |x: f64| -> Value {
        if x.fract() == 0.0 && x.abs() < 1e9 {
            Value::from(x as i64)
        } else {
            Value::from(x)
        }
    };
    [num(v[0]), num(v[1])].serialize(s)
}

/// `reporter`: JUmPER's report settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReporterSettings {
    /// Default report level (an unknown name reads as `process`).
    #[serde(deserialize_with = "level_or_process")]
    pub level: Level,
    /// Report format; JUmPER hard-codes `"text"`.
    pub format: String,
    /// Analyzer thresholds.
    pub thresholds: Thresholds,
}

impl Default for ReporterSettings {
    fn default() -> Self {
        ReporterSettings {
            level: Level::Process,
            format: "text".into(),
            thresholds: Thresholds::default(),
        }
    }
}

impl Manifest {
    /// Whether jumper wrote this manifest (it has a `jumper` block).
    pub fn written_by_jumper(&self) -> bool {
        self.jumper.is_some()
    }

    /// Who wrote the session, for messages: `"jumper 0.1.0"` or `"JUmPER unknown"`.
    pub fn writer(&self) -> String {
        match &self.jumper {
            Some(j) if !j.writer.is_empty() => j.writer.clone(),
            _ => format!("{} {}", self.app.name, self.app.version),
        }
    }
}

fn quoted(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "<missing>".into(),
        Some(Value::String(s)) => format!("'{s}'"),
        Some(other) => other.to_string(),
    }
}

/// Drops `null` members of objects, so that a missing value and a `null` (JUmPER writes
/// `getattr(..., None)`) both take the field's default.
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// Checks that a manifest's version is one this build reads (see the module docs).
fn check_version(path: &Path, obj: &serde_json::Map<String, Value>) -> Result<(), SessionError> {
    match obj.get("jumper") {
        Some(block) => {
            let schema = block.get("schema");
            match schema.and_then(Value::as_str) {
                Some(s) if SUPPORTED_SCHEMAS.contains(&s) => Ok(()),
                _ => Err(SessionError::UnsupportedSchema {
                    path: path.to_path_buf(),
                    found: quoted(schema),
                    supported: SUPPORTED_SCHEMAS.join(", "),
                    writer: block
                        .get("writer")
                        .and_then(Value::as_str)
                        .map_or_else(|| "an unknown program".to_string(), str::to_string),
                }),
            }
        }
        None => {
            let version = obj.get("version");
            match version.and_then(Value::as_str) {
                Some(v) if SUPPORTED_MANIFEST_VERSIONS.contains(&v) => Ok(()),
                _ => Err(SessionError::UnsupportedVersion {
                    path: path.to_path_buf(),
                    found: quoted(version),
                    supported: SUPPORTED_MANIFEST_VERSIONS.join(", "),
                }),
            }
        }
    }
}

/// Parses and checks the text of a `manifest.json`; `path` is only used in errors.
///
/// Accepts manifests written by jumper (with a supported `jumper.schema`) and by JUmPER
/// (no `jumper` block, `version` `"1.0"`). Missing or `null` members take their defaults.
///
/// ```
/// use std::path::Path;
/// use jumper_session::{parse_manifest, SessionError};
///
/// let m = parse_manifest(Path::new("m.json"), r#"{"version": "1.0", "levels": ["process"]}"#)
///     .unwrap();
/// assert!(!m.written_by_jumper());
///
/// let e = parse_manifest(
///     Path::new("m.json"),
///     r#"{"version": "1.0", "jumper": {"schema": "jumper.session.v9", "writer": "jumper 9.0.0"}}"#,
/// )
/// .unwrap_err();
/// assert!(matches!(e, SessionError::UnsupportedSchema { .. }));
/// ```
pub fn parse_manifest(path: &Path, text: &str) -> Result<Manifest, SessionError> {
    parse_manifest_raw(path, text).map(|(m, _)| m)
}

/// [`parse_manifest`], also returning the manifest as JSON, as written (nulls included).
pub(crate) fn parse_manifest_raw(
    path: &Path,
    text: &str,
) -> Result<(Manifest, Value), SessionError> {
    let json_err = |source| SessionError::Manifest {
        path: path.to_path_buf(),
        source,
    };
    let mut v: Value = serde_json::from_str(text).map_err(json_err)?;
    let obj = v
        .as_object()
        .ok_or_else(|| SessionError::ManifestNotAnObject {
            path: path.to_path_buf(),
        })?;
    check_version(path, obj)?;
    let raw = v.clone();
    strip_nulls(&mut v);
    let mut m: Manifest = serde_json::from_value(v).map_err(json_err)?;
    // A JSON value keeps object members sorted; JUmPER and jumper write the perf schemas in
    // the order of `levels`, so that order is restored here.
    let rank = |l: &Level| m.levels.iter().position(|x| x == l).unwrap_or(usize::MAX);
    let mut perf = std::mem::take(&mut m.schemas.perf.0);
    perf.sort_by_key(|(l, _)| rank(l));
    m.schemas.perf.0 = perf;
    Ok((m, raw))
}

/// The time zone of this machine, best effort: `$TZ`, `/etc/timezone`, the target of
/// `/etc/localtime`, else `UTC`. Informational only (JUmPER writes `time.tzname[0]`).
pub fn local_timezone() -> String {
    if let Ok(tz) = std::env::var("TZ") {
        let tz = tz.trim().trim_start_matches(':');
        if !tz.is_empty() {
            return tz.to_string();
        }
    }
    if let Ok(s) = std::fs::read_to_string("/etc/timezone") {
        let s = s.trim();
        if !s.is_empty() {
            return s.to_string();
        }
    }
    if let Ok(target) = std::fs::read_link("/etc/localtime") {
        let t: PathBuf = target;
        let s = t.to_string_lossy();
        if let Some((_, zone)) = s.split_once("zoneinfo/") {
            if !zone.is_empty() {
                return zone.to_string();
            }
        }
    }
    "UTC".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("s/manifest.json")
    }

    #[test]
    fn refuses_unknown_jumper_schema_and_names_the_writer() {
        let e = parse_manifest(
            p(),
            r#"{"version":"1.0","jumper":{"schema":"jumper.session.v2","writer":"jumper 2.0.0"}}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "s/manifest.json: unsupported jumper session schema 'jumper.session.v2' \
             (supported: jumper.session.v1); it was written by jumper 2.0.0, upgrade jumper to \
             read it"
        );
        let e = parse_manifest(p(), r#"{"version":"1.0","jumper":{}}"#).unwrap_err();
        assert!(
            matches!(&e, SessionError::UnsupportedSchema { found, writer, .. }
                if found == "<missing>" && writer == "an unknown program"),
            "{e}"
        );
    }

    #[test]
    fn refuses_unknown_jumper_py_version() {
        let e = parse_manifest(p(), r#"{"version":"2.0"}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "s/manifest.json: unsupported session manifest version '2.0' (supported: 1.0); it \
             was written by a newer or unknown program"
        );
        let e = parse_manifest(p(), r#"{"levels":[]}"#).unwrap_err();
        assert!(
            matches!(&e, SessionError::UnsupportedVersion { found, .. } if found == "<missing>")
        );
        let e = parse_manifest(p(), r#"{"version":1.0}"#).unwrap_err();
        assert!(matches!(&e, SessionError::UnsupportedVersion { found, .. } if found == "1.0"));
    }

    #[test]
    fn rejects_non_objects_and_bad_json() {
        assert!(matches!(
            parse_manifest(p(), "[1,2]").unwrap_err(),
            SessionError::ManifestNotAnObject { .. }
        ));
        let e = parse_manifest(p(), "{").unwrap_err();
        assert!(matches!(e, SessionError::Manifest { .. }));
        assert_eq!(e.to_string(), "s/manifest.json: invalid session manifest");
        let cause = std::error::Error::source(&e).unwrap().to_string();
        assert!(cause.contains("EOF while parsing"), "{cause}");
    }

    #[test]
    fn nulls_take_defaults() {
        let m = parse_manifest(
            p(),
            r#"{"version":"1.0","monitor":{"interval":null,"pid":null,"num_cpus":4},
               "visualizer":{"io_window":null},"reporter":{"level":"user"}}"#,
        )
        .unwrap();
        assert_eq!(m.monitor.interval, 1.0);
        assert_eq!(m.monitor.pid, 0);
        assert_eq!(m.monitor.num_cpus, 4);
        assert_eq!(m.visualizer.io_window, 10);
        assert_eq!(m.reporter.level, Level::User);
        assert_eq!(m.reporter.thresholds, Thresholds::default());
        assert_eq!(m.writer(), " ");
    }

    #[test]
    fn perf_schemas_follow_the_order_of_levels() {
        let m = parse_manifest(
            p(),
            r#"{"version":"1.0","levels":["user","process","system"],
               "schemas":{"perf":{"user":["a"],"process":["b"],"system":[]}}}"#,
        )
        .unwrap();
        let order: Vec<Level> = m.schemas.perf.0.iter().map(|(l, _)| *l).collect();
        assert_eq!(order, [Level::User, Level::Process, Level::System]);
        assert_eq!(m.schemas.perf.get(Level::Process).unwrap(), ["b"]);
        let back = serde_json::to_string(&m.schemas.perf).unwrap();
        assert_eq!(back, r#"{"user":["a"],"process":["b"],"system":[]}"#);
    }

    #[test]
    fn unknown_level_names_are_skipped() {
        let m = parse_manifest(
            p(),
            r#"{"version":"1.0","levels":["node3","process",7,"slurm"],
               "schemas":{"perf":{"node3":["time"],"process":["a"]}},
               "reporter":{"level":"node3"}}"#,
        )
        .unwrap();
        assert_eq!(m.levels, [Level::Process, Level::Slurm]);
        assert_eq!(m.schemas.perf.0.len(), 1);
        assert_eq!(m.schemas.perf.get(Level::Process).unwrap(), ["a"]);
        assert_eq!(m.reporter.level, Level::Process);
        // A known level's schema must still be a list of names.
        let e =
            parse_manifest(p(), r#"{"version":"1.0","schemas":{"perf":{"user":3}}}"#).unwrap_err();
        assert!(matches!(e, SessionError::Manifest { .. }), "{e}");
    }

    #[test]
    fn figsize_whole_numbers_have_no_fraction() {
        let v = serde_json::to_value(VisualizerSettings::for_gpus(1)).unwrap();
        assert_eq!(v["figsize"].to_string(), "[5,3]");
        assert_eq!(
            v["default_metric_subsets"],
            serde_json::json!(["cpu", "mem", "io", "gpu", "gpu_all"])
        );
        let s = VisualizerSettings {
            figsize: [6.4, 4.8],
            ..Default::default()
        };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["figsize"].to_string(), "[6.4,4.8]");
    }
}
