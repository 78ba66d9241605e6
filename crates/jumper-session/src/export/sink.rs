//! Where the files of a session go while it is written: a temporary directory, or a zip
//! being built in a temporary file.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::ZipWriter;

use crate::SessionError;

pub(crate) type Body<'b> = &'b mut dyn FnMut(&mut dyn Write) -> io::Result<()>;

/// Where the files of a session go while it is written.
pub(crate) trait Sink {
    /// Writes file `name` with `body`; the file is complete when this returns `Ok`.
    fn put(&mut self, name: &str, body: Body<'_>) -> Result<(), SessionError>;
}

pub(crate) const BUF: usize = 1 << 16;

pub(crate) struct DirSink<'p> {
    pub(crate) tmp: &'p Path,
    pub(crate) target: &'p Path,
}

impl Sink for DirSink<'_> {
    fn put(&mut self, name: &str, body: Body<'_>) -> Result<(), SessionError> {
        let shown = self.target.join(name);
        let f = File::create(self.tmp.join(name)).map_err(|e| SessionError::io(&shown, e))?;
        let mut w = BufWriter::with_capacity(BUF, f);
        body(&mut w)
            .and_then(|_| w.flush())
            .map_err(|e| SessionError::io(&shown, e))?;
        let f = w
            .into_inner()
            .map_err(|e| SessionError::io(&shown, e.into_error()))?;
        f.sync_all().map_err(|e| SessionError::io(&shown, e))
    }
}

pub(crate) struct ZipSink<'z, W: Write + io::Seek> {
    pub(crate) zw: &'z mut ZipWriter<W>,
    pub(crate) target: &'z Path,
    pub(crate) options: SimpleFileOptions,
}

impl<W: Write + io::Seek> Sink for ZipSink<'_, W> {
    fn put(&mut self, name: &str, body: Body<'_>) -> Result<(), SessionError> {
        self.zw
            .start_file(name, self.options)
            .map_err(|e| SessionError::zip(self.target, e))?;
        let shown = self.target.join(name);
        let mut w = BufWriter::with_capacity(BUF, &mut *self.zw);
        body(&mut w)
            .and_then(|_| w.flush())
            .map_err(|e| SessionError::io(&shown, e))
    }
}
