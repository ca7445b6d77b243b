//! `matchforge rate`: replay a match history with a rating algorithm, report how
//! well the ratings predicted each match, and write the final ratings.
//!
//! Everything is read, validated and computed before anything is written, and the
//! ratings file is written to a temporary file that is then renamed (a device
//! or FIFO is written to directly), so a bad input never leaves a partial
//! output behind.

mod input;
mod params;
mod replay;
mod report;

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use matchforge_core::rating::Rating;
use serde::Deserialize;

use crate::error::Error;
use input::{InputFormat, MatchLog};
use params::Algorithm;
use replay::Replay;

/// Replay a match history with a rating algorithm.
///
/// Input: JSON Lines, one match a line, e.g.
/// `{"teams": [["alice"], ["bob"]], "ranks": [1, 2], "period": 7, "time": "2024-05-01T18:00:00Z"}`
/// (`period` and `time` optional; rank 1 is best, equal ranks draw), or CSV with
/// the header `team_a,team_b,score_a,score_b` (optional `time`, `period`
/// columns; players of a team joined by `+`; the higher score wins). The format
/// is detected from the first non-blank line.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Flags that do not apply to the chosen algorithm are rejected. See docs/ratings.md."
)]
pub(crate) struct RateArgs {
    /// The rating algorithm.
    #[arg(long, value_enum)]
    algorithm: AlgorithmName,

    /// The match history (JSON Lines or CSV).
    #[arg(long, value_name = "FILE")]
    input: PathBuf,

    /// Starting ratings: {"alice": {"rating": 1500, "deviation": 200, "volatility": 0.06}};
    /// deviation, volatility and games are optional. Others start at the default.
    #[arg(long, value_name = "FILE")]
    initial: Option<PathBuf>,

    /// Write the final ratings here (same shape as --initial, with games, sorted by
    /// player).
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Print one JSON object instead of a readable summary.
    #[arg(long)]
    json: bool,

    /// Override format detection.
    #[arg(long, value_enum)]
    format: Option<InputFormat>,

    /// Score only the predictions of matches at or after this RFC 3339 time (all
    /// matches are still rated; matches without a time are not scored). For
    /// out-of-sample evaluation.
    #[arg(long, value_name = "TIME")]
    score_from: Option<String>,

    /// All: first-team (home) advantage, in the algorithm's rating units; used in
    /// predictions and updates.
    #[arg(long, allow_negative_numbers = true, help_heading = "Parameters")]
    advantage: Option<f64>,

    /// Elo: K factor (default 32).
    #[arg(long, help_heading = "Parameters")]
    k: Option<f64>,

    /// Elo: Rating difference for ten to one odds (default 400).
    #[arg(long, help_heading = "Parameters")]
    scale: Option<f64>,

    /// Elo: K by games played, e.g. "10:40,30:24": K 40 for the first 10 games, 24
    /// until 30, then --k.
    #[arg(long, value_name = "GAMES:K,...", help_heading = "Parameters")]
    k_schedule: Option<String>,

    /// Elo, Glicko-2: New players' rating (default 1500).
    #[arg(long, allow_negative_numbers = true, help_heading = "Parameters")]
    initial_rating: Option<f64>,

    /// Glicko-2: New players' deviation (default 350).
    #[arg(long, help_heading = "Parameters")]
    initial_deviation: Option<f64>,

    /// Glicko-2: New players' volatility (default 0.06).
    #[arg(long, help_heading = "Parameters")]
    initial_volatility: Option<f64>,

    /// Glicko-2: Cap on deviation growth (default none).
    #[arg(long, help_heading = "Parameters")]
    max_deviation: Option<f64>,

    /// Glicko-2: Convergence tolerance of the volatility iteration (default 1e-6).
    #[arg(long, help_heading = "Parameters")]
    epsilon: Option<f64>,

    /// Glicko-2, Weng-Lin: Glicko-2's system constant τ (default 0.5), or Weng-Lin's additive dynamics
    /// τ (default 25/300).
    #[arg(long, help_heading = "Parameters")]
    tau: Option<f64>,

    /// Weng-Lin: New players' μ (default 25).
    #[arg(long, allow_negative_numbers = true, help_heading = "Parameters")]
    mu: Option<f64>,

    /// Weng-Lin: New players' σ (default 25/3).
    #[arg(long, help_heading = "Parameters")]
    sigma: Option<f64>,

    /// Weng-Lin: Performance noise β (default 25/6).
    #[arg(long, help_heading = "Parameters")]
    beta: Option<f64>,

    /// Weng-Lin: Floor of the variance reduction factor κ (default 0.0001).
    #[arg(long, help_heading = "Parameters")]
    kappa: Option<f64>,

    /// Weng-Lin: ranking model, Plackett-Luce or Bradley-Terry with full pairing
    /// (default pl; identical for two teams).
    #[arg(long, value_enum, help_heading = "Parameters")]
    model: Option<ModelName>,

    /// Weng-Lin: an update never raises a player's σ (OpenSkill's `limit_sigma`;
    /// default off).
    #[arg(long, help_heading = "Parameters")]
    limit_sigma: bool,
}

/// `--algorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AlgorithmName {
    /// Elo.
    Elo,
    /// Glicko-2.
    Glicko2,
    /// Weng-Lin (OpenSkill).
    WengLin,
}

impl AlgorithmName {
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Elo => "elo",
            Self::Glicko2 => "glicko2",
            Self::WengLin => "weng-lin",
        }
    }
}

/// `--model`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ModelName {
    /// Plackett-Luce.
    Pl,
    /// Bradley-Terry with full pairing.
    Bt,
}

/// One entry of the `--initial` file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InitialEntry {
    rating: f64,
    deviation: Option<f64>,
    volatility: Option<f64>,
    #[serde(default)]
    games: u32,
}

/// The `--initial` file: its entries in file order, a player named twice
/// refused (a JSON map would keep the last silently).
struct InitialFile(Vec<(String, InitialEntry)>);

impl<'de> Deserialize<'de> for InitialFile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> serde::de::Visitor<'de> for EntriesVisitor {
            type Value = InitialFile;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of player names to ratings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut seen = HashSet::new();
                let mut entries = Vec::new();
                while let Some((name, entry)) = map.next_entry::<String, InitialEntry>()? {
                    if !seen.insert(name.clone()) {
                        return Err(serde::de::Error::custom(format_args!(
                            "player {name:?} appears more than once"
                        )));
                    }
                    entries.push((name, entry));
                }
                Ok(InitialFile(entries))
            }
        }
        d.deserialize_map(EntriesVisitor)
    }
}

/// Runs `rate`, printing the summary to `out`.
pub(crate) fn run(args: &RateArgs, out: &mut dyn Write) -> Result<(), Error> {
    let started = Instant::now();
    let algorithm = Algorithm::from_args(args)?;
    let score_from = match &args.score_from {
        Some(t) => {
            Some(input::parse_time(t).map_err(|e| Error::Usage(format!("--score-from: {e}")))?)
        }
        None => None,
    };
    let rules = algorithm.as_dyn();
    if let Some(output) = &args.output
        && same_regular_file(&args.input, output)
    {
        return Err(Error::Usage(format!(
            "--output {} is the --input file: writing the ratings there would replace the match history",
            output.display()
        )));
    }

    let mut log = MatchLog::default();
    let mut initial = Vec::new();
    if let Some(path) = &args.initial {
        for (name, rating) in read_initial(path, rules.initial_rating())? {
            let index = log.intern(&name) as usize;
            initial.resize(index + 1, (rules.initial_rating(), false));
            initial[index] = (rating, true);
        }
    }

    let text = read_text(&args.input).map_err(|failure| match failure {
        ReadFailure::Io(source) => Error::Io {
            action: "read",
            path: args.input.clone(),
            source,
        },
        ReadFailure::NotUtf8 { line, message } => Error::Input {
            path: args.input.clone(),
            line,
            message,
        },
    })?;
    let empty = || Error::Input {
        path: args.input.clone(),
        line: 1,
        message: "the input is empty".into(),
    };
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        return Err(empty());
    }
    let format = match args.format {
        Some(f) => f,
        None => InputFormat::detect(&text).map_err(|message| Error::Input {
            path: args.input.clone(),
            line: 1,
            message,
        })?,
    };
    log.read(&text, format)
        .map_err(|(line, message)| Error::Input {
            path: args.input.clone(),
            line,
            message,
        })?;
    drop(text);
    if log.matches.is_empty() {
        // A CSV header alone: no more a history than a blank file.
        return Err(empty());
    }
    initial.resize(log.player_count(), (rules.initial_rating(), false));

    let (ratings, known, predictions) = Replay::new(&algorithm, &log, initial, score_from).run()?;
    let mut players: Vec<(&str, Rating)> = ratings
        .into_iter()
        .zip(known)
        .enumerate()
        .filter(|(_, (_, known))| *known)
        .map(|(i, (rating, _))| (log.name(i), rating))
        .collect();
    players.sort_unstable_by(|a, b| a.0.cmp(b.0));

    if let Some(path) = &args.output {
        report::write_ratings(path, &players)?;
    }
    let summary = report::Summary {
        algorithm: &algorithm,
        matches: log.matches.len(),
        players: players.len(),
        predictions,
        elapsed_secs: started.elapsed().as_secs_f64(),
        output: args.output.as_deref(),
    };
    let written = if args.json {
        summary.write_json(out)
    } else {
        summary.write_text(out)
    };
    written.map_err(|source| Error::Io {
        action: "write the summary to",
        path: "standard output".into(),
        source,
    })
}

/// Whether `a` and `b` are one regular file (through links too). Devices
/// and FIFOs are left out: `/dev/stdin` and `/dev/stdout` may be one
/// terminal, and reading one and writing the other is no mistake.
fn same_regular_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    if !ma.is_file() || !mb.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        )
    }
}

/// Reads and validates the `--initial` file; missing deviation or volatility
/// come from `default`.
fn read_initial(path: &std::path::Path, default: Rating) -> Result<Vec<(String, Rating)>, Error> {
    let bad = |message: String| Error::Initial {
        path: path.to_owned(),
        message,
    };
    let text = read_text(path).map_err(|failure| match failure {
        ReadFailure::Io(source) => Error::Io {
            action: "read",
            path: path.to_owned(),
            source,
        },
        ReadFailure::NotUtf8 { line, message } => bad(format!("line {line}: {message}")),
    })?;
    let InitialFile(entries) = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let mut ratings = Vec::with_capacity(entries.len());
    for (name, e) in entries {
        if name.is_empty() {
            return Err(bad("empty player name".into()));
        }
        let rating = Rating::new(
            e.rating,
            e.deviation.unwrap_or(default.deviation()),
            e.volatility.unwrap_or(default.volatility()),
        )
        .map_err(|err| bad(format!("player {name:?}: {err}")))?
        .with_games(e.games);
        ratings.push((name, rating));
    }
    // Deterministic interning order.
    ratings.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(ratings)
}

/// Why [`read_text`] failed.
enum ReadFailure {
    Io(std::io::Error),
    /// The file is not UTF-8: the 1-based line of the first bad byte, and a
    /// message that says where in the line it is.
    NotUtf8 {
        line: usize,
        message: String,
    },
}

/// Reads a whole file as UTF-8, locating the first invalid byte by line (so
/// the error can name it like any other bad line).
fn read_text(path: &std::path::Path) -> Result<String, ReadFailure> {
    let bytes = std::fs::read(path).map_err(ReadFailure::Io)?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let line_start = bytes[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
        ReadFailure::NotUtf8 {
            line,
            message: format!(
                "not valid UTF-8 (byte {} of the line, 0x{:02x}); the input must be UTF-8",
                at - line_start + 1,
                bytes[at]
            ),
        }
    })
}
