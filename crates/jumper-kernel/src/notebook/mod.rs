//! The notebook logic of jumper's kernel: what the relay decides about cells, outputs, data,
//! completions and kernels, as pure functions with no sockets.
//!
//! - [`cell`]: which lines of a cell are jumper's ([`cell::CellPlan::parse`]) and the code left
//!   for the wrapped kernel;
//! - [`bundle`]: jumper-core's [`Output`](jumper_core::Output)s as Jupyter MIME bundles and
//!   iopub contents;
//! - [`dataframe`]: data a command hands over, written to a CSV and loaded into the user's
//!   kernel (pandas / polars / R);
//! - [`complete`]: jumper's names in `complete_reply`s;
//! - [`kernels`]: `%list_kernels` and `%wrap_kernel`.

use std::path::PathBuf;

pub mod bundle;
pub mod cell;
pub mod complete;
pub mod dataframe;
pub mod kernels;

/// What can go wrong in the notebook logic; each is one line for the user.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotebookError {
    /// A `--name` that is not a plain variable name of the kernel's language.
    #[error("'{name}' is not a valid variable name in {language}: use letters, digits and _ (not starting with a digit)")]
    InvalidName {
        /// The name given.
        name: String,
        /// The kernel's language.
        language: String,
    },
    /// A path that cannot be written into code as text.
    #[error("the path {} is not valid UTF-8, so it cannot be put into the kernel's code", .0.display())]
    NonUtf8Path(PathBuf),
    /// Writing a file failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A message that should be JSON is not.
    #[error("invalid {what}: {source}")]
    Json {
        /// Which message.
        what: &'static str,
        /// Why.
        source: serde_json::Error,
    },
    /// A kernel problem (not found, cannot install).
    #[error(transparent)]
    KernelSpec(#[from] crate::kernelspec::KernelSpecError),
}
