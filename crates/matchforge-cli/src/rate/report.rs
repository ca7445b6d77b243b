//! What `rate` prints and writes.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use matchforge_core::rating::Rating;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::params::Algorithm;
use super::replay::Predictions;
use crate::error::Error;

/// The result of a replay.
pub(crate) struct Summary<'a> {
    pub(crate) algorithm: &'a Algorithm,
    pub(crate) matches: usize,
    pub(crate) players: usize,
    pub(crate) predictions: Predictions,
    pub(crate) elapsed_secs: f64,
    pub(crate) output: Option<&'a Path>,
}

impl Summary<'_> {
    /// Mean accuracy, log loss and Brier score, if any match was decisive.
    #[allow(clippy::cast_precision_loss)] // counts below 2^53
    fn means(&self) -> Option<(f64, f64, f64)> {
        let p = &self.predictions;
        (p.decisive > 0).then(|| {
            let n = p.decisive as f64;
            (p.correct / n, p.log_loss / n, p.brier / n)
        })
    }

    /// `{"algorithm", "matches", "players", "predictions": {"decisive",
    /// "accuracy", "log_loss", "brier"}}` plus `parameters` and `elapsed_secs`.
    /// The means are `null` when no match was decisive.
    pub(crate) fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        let means = self.means();
        let value = JsonSummary {
            algorithm: self.algorithm.as_dyn().name(),
            matches: self.matches,
            players: self.players,
            predictions: JsonPredictions {
                decisive: self.predictions.decisive,
                accuracy: means.map(|m| m.0),
                log_loss: means.map(|m| m.1),
                brier: means.map(|m| m.2),
            },
            parameters: self.algorithm.parameters(),
            elapsed_secs: self.elapsed_secs,
        };
        serde_json::to_writer(&mut *out, &value)?;
        writeln!(out)
    }

    /// A readable summary.
    pub(crate) fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "algorithm    {}", self.algorithm.as_dyn().name())?;
        writeln!(out, "parameters   {}", self.algorithm.parameters())?;
        writeln!(out, "matches      {}", self.matches)?;
        writeln!(out, "players      {}", self.players)?;
        match self.means() {
            Some((accuracy, log_loss, brier)) => {
                writeln!(
                    out,
                    "predictions  {} decisive two-team matches, predicted before each was rated",
                    self.predictions.decisive
                )?;
                writeln!(out, "  accuracy   {:.2}%", accuracy * 100.0)?;
                writeln!(out, "  log loss   {log_loss:.4}")?;
                writeln!(out, "  brier      {brier:.4}")?;
            }
            None => writeln!(out, "predictions  none (no decisive two-team match)")?,
        }
        writeln!(out, "elapsed      {:.3} s", self.elapsed_secs)?;
        if let Some(path) = self.output {
            writeln!(out, "ratings      written to {}", path.display())?;
        }
        Ok(())
    }
}

/// The `--json` summary, in this key order.
#[derive(Serialize)]
struct JsonSummary<'a> {
    algorithm: &'a str,
    matches: usize,
    players: usize,
    predictions: JsonPredictions,
    parameters: serde_json::Value,
    elapsed_secs: f64,
}

#[derive(Serialize)]
struct JsonPredictions {
    decisive: u64,
    accuracy: Option<f64>,
    log_loss: Option<f64>,
    brier: Option<f64>,
}

/// Writes `players` (sorted by name) as a JSON object to `path`.
///
/// A regular file (or a new one) is written through a temporary file in the
/// same directory that is renamed into place, so a failure never leaves a
/// partial file. A symbolic link is followed first, so the file it points to is
/// replaced and the link kept. Anything else that exists and is not a
/// directory (a device such as `/dev/null` or `/dev/stdout`, a FIFO) is written
/// to directly: renaming onto it would replace it with a regular file.
pub(crate) fn write_ratings(path: &Path, players: &[(&str, Rating)]) -> Result<(), Error> {
    let io_error = |action: &'static str| {
        move |source| Error::Io {
            action,
            path: path.to_owned(),
            source,
        }
    };
    let write = |file: fs::File| -> io::Result<fs::File> {
        let mut writer = BufWriter::new(file);
        let mut serializer = serde_json::Serializer::pretty(&mut writer);
        let mut map = serializer.serialize_map(Some(players.len()))?;
        for (name, rating) in players {
            map.serialize_entry(name, rating)?;
        }
        map.end()?;
        writer.write_all(b"\n")?;
        writer.into_inner().map_err(io::IntoInnerError::into_error)
    };
    if fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(write)
            .map(drop)
            .map_err(io_error("write"));
    }
    let target = resolve_links(path).map_err(io_error("resolve the link"))?;
    let mut temporary = target.as_os_str().to_owned();
    temporary.push(format!(".tmp-{}", std::process::id()));
    let temporary = Path::new(&temporary);
    let result = fs::File::create(temporary)
        .and_then(write)
        .and_then(|file| file.sync_all())
        .and_then(|()| fs::rename(temporary, &target));
    if result.is_err() {
        // Best effort: the temporary file may not exist.
        let _ = fs::remove_file(temporary);
    }
    result.map_err(io_error("write"))
}

/// `path` with symbolic links followed to the file they name, which need not
/// exist yet (a dangling link names the file to create).
fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    if let Ok(real) = fs::canonicalize(path) {
        return Ok(real);
    }
    let mut path = path.to_path_buf();
    // As many links as Linux follows before it gives up with ELOOP.
    for _ in 0..40 {
        match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&path)?;
                path = match path.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}
