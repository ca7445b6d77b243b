//! The `matchforge` command line.

// A command-line tool talks to its user through stdout and stderr.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod error;
mod rate;
mod simulate;

use std::process::ExitCode;

use clap::Parser;

/// MatchForge: matchmaking and skill ratings.
#[derive(Debug, Parser)]
#[command(name = "matchforge", version, about)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once per run; boxing would buy nothing"
)]
enum Cli {
    /// Replay a match history with a rating algorithm and report its predictions.
    Rate(rate::RateArgs),
    /// Simulate a day of matchmaking through the real services and audit it.
    Simulate(simulate::SimulateArgs),
}

fn main() -> ExitCode {
    let result = match Cli::parse() {
        Cli::Rate(args) => rate::run(&args, &mut std::io::stdout().lock()),
        Cli::Simulate(args) => simulate::run(&args, &mut std::io::stdout().lock()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
