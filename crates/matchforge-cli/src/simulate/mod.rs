//! `matchforge simulate`: a simulated day of matchmaking through the real
//! services, checked by an independent audit.
//!
//! # The model
//!
//! * **Population** ([`population`]): `--players` players, each with a hidden
//!   true skill drawn from N(1500, 300) on the Elo/Glicko scale; in
//!   party-5v5 also a home region (eu 45 %, na 35 %, asia 20 %) with a
//!   latency to every region, and role preferences (most want dps); in
//!   ranked-1v1 an input device (keyboard and mouse 70 %, controller 30 %).
//! * **Time** ([`world`]): a discrete-event loop over simulated milliseconds
//!   on a [`SimulatedClock`]; the runner
//!   is stepped on its tick grid with [`Runner::step`](matchforge::Runner::step).
//! * **Sessions**: players come online as a Poisson process of
//!   `--arrival-rate` players per second (default: each player starts 2
//!   sessions a day — 1.5 in party-5v5). An arrival is an offline player off
//!   cooldown, drawn uniformly; in party-5v5 friends from the same region
//!   may come along (party sizes 1–5), forming a party through the party
//!   services, and the leader queues it. A session is one match, then another
//!   with a fixed probability each time (at most 20), with a short break
//!   between matches.
//! * **Ready checks** ([`flow`]): each player accepts (about 97 %) after
//!   1 s + an exponential delay, declines (1.5 %), or never answers (the ready
//!   check times out). Players of a cancelled lobby whose whole ticket
//!   accepted wait again (the runner requeues them); the others' session
//!   ends, and those who declined or never answered sit out the cooldown.
//! * **Matches**: a ready lobby is dispatched at once, lasts a random time,
//!   and its result is drawn from true skill with the rating system's own
//!   model ([`scenario::SkillModel`]) and reported, which updates ratings.
//! * **Expiry**: a ticket waiting longer than the queue's maximum wait
//!   expires, and its players' session ends.
//! * **The end**: at `--duration` everything stops where it is; players still
//!   waiting are `players_waiting` (likewise in a lobby, playing).
//!
//! # The audit
//!
//! See [`audit`] and [`rules`]: the simulator keeps its own account of every
//! player from the event log and what it did, checks every lobby against the
//! queue's rules recomputed from the spec, and at the end compares every
//! player's status in the store with its account (and counts as lost anyone
//! whose ready check was due by the last step but is still open). The command fails (exit
//! status 1, after printing the report) unless `rule_violations`,
//! `double_assigned` and `lost_players` are all zero.
//!
//! # Determinism
//!
//! One master seed: the population, arrivals, behaviour and results each
//! draw from their own ChaCha8 stream of it, ids come from
//! [`SeededIds`], and every decision iterates
//! ordered collections. On the memory store the same seed gives the same
//! report, but for `tick_ms` and `wall_secs` (wall-clock measurements).
//!
//! See docs/simulate.md for the scenarios in numbers and measured reports.

mod audit;
mod flow;
mod population;
mod random;
mod report;
mod rules;
mod scenario;
mod store;
mod world;

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use matchforge::MatchForge;
use matchforge::clock::SimulatedClock;
use matchforge::id_gen::SeededIds;

use crate::error::Error;
use report::{RatingError, Report};
pub(crate) use scenario::Scenario;
use world::{Setup, World};

/// Run a simulated day of matchmaking and audit it.
///
/// Every match goes through the real services on the chosen store: queueing
/// (solo and parties), the runner's ticks on a simulated clock, ready checks,
/// dispatch and results. Exits with status 1 if the audit finds a rule
/// violation, a double assignment or a lost player.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "See docs/simulate.md for the scenarios, the model and the report's fields."
)]
pub(crate) struct SimulateArgs {
    /// The scenario.
    #[arg(long, value_enum, default_value_t = Scenario::Ranked1v1)]
    scenario: Scenario,

    /// The population [default: 10000; party-5v5: 20000].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    players: Option<u32>,

    /// Simulated seconds (86400: a day).
    #[arg(long, value_name = "SECS", default_value_t = 86_400,
          value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    duration: u64,

    /// Players coming online per simulated second [default: players × 2 ÷ 86400;
    /// party-5v5: players × 1.5 ÷ 86400].
    #[arg(long, value_name = "R", allow_negative_numbers = true)]
    arrival_rate: Option<f64>,

    /// The master seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,

    /// Where the state lives: memory, redis://HOST:PORT or
    /// postgres://USER@HOST:PORT/DB (a fresh namespace or schema, removed
    /// afterwards).
    #[arg(long, value_name = "URL", default_value = "memory")]
    store: String,

    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// The most arrivals (`--arrival-rate` × `--duration`) a run may expect.
const MAX_ARRIVALS: f64 = 1e9;

/// Runs `matchforge simulate` and writes the report to `out`.
///
/// # Errors
/// [`Error::Usage`] for bad flags, [`Error::Store`] if the store cannot be
/// reached, [`Error::Simulation`] if a matchmaking call fails, and
/// [`Error::AuditFailed`] (after the report is written) if the audit found
/// problems.
pub(crate) fn run(args: &SimulateArgs, out: &mut dyn Write) -> Result<(), Error> {
    let started = Instant::now();
    let profile = args.scenario.profile();
    let players = args.players.unwrap_or(profile.default_players);
    let arrival_rate = match args.arrival_rate {
        None => f64::from(players) * profile.sessions_per_day / 86_400.0,
        Some(rate) if rate.is_finite() && rate > 0.0 && rate <= 1e6 => rate,
        Some(rate) => {
            return Err(Error::Usage(format!(
                "--arrival-rate {rate}: give a positive number of players per second (at most 1000000)"
            )));
        }
    };
    // Every arrival is an event, even one that finds nobody offline: beyond
    // this many a run would take hours.
    let arrivals = arrival_rate * args.duration as f64;
    if arrivals > MAX_ARRIVALS {
        return Err(Error::Usage(format!(
            "--arrival-rate {arrival_rate} for {} s is {arrivals:.0} arrivals: at most {MAX_ARRIVALS:.0} a run (lower the rate or the duration)",
            args.duration
        )));
    }
    store::kind(&args.store)?;
    let setup = Setup {
        profile,
        players,
        duration_ms: args.duration * 1000,
        arrival_rate,
        seed: args.seed,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    let report = runtime.block_on(simulate(&setup, &args.store, started))?;
    report.write(args.json, out).map_err(|source| Error::Io {
        action: "write the report to",
        path: "stdout".into(),
        source,
    })?;
    if report.audit_clean() {
        Ok(())
    } else {
        Err(Error::AuditFailed {
            rule_violations: report.rule_violations,
            double_assigned: report.double_assigned,
            lost_players: report.lost_players,
        })
    }
}

/// Opens the store, runs the day, closes the store (also after a failure).
async fn simulate(setup: &Setup, url: &str, started: Instant) -> Result<Report, Error> {
    let store = store::open(url, setup.seed).await?;
    let kind = store.kind;
    let result = day(setup, store.store.clone(), kind, started).await;
    let closed = store.close().await;
    let report = result?;
    closed?;
    Ok(report)
}

async fn day(
    setup: &Setup,
    store: Arc<matchforge::ports::DynStore>,
    kind: &'static str,
    started: Instant,
) -> Result<Report, Error> {
    let start = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let clock = Arc::new(SimulatedClock::new(start));
    let forge = MatchForge::builder()
        .shared_store(store)
        .clock(clock.clone())
        .ids(Arc::new(SeededIds::new(setup.seed)))
        .queue_settings(setup.profile.settings.clone())
        .build()?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(setup.duration_ms / 1000);
        if let Ok(style) = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} simulated s, {msg} ({elapsed})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(setup.profile.name);
        bar
    });
    let mut world = World::new(&forge, &clock, setup, bar.as_ref());
    world.run().await?;
    world.reconcile().await?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    Ok(summarise(&world, kind, started))
}

fn summarise(world: &World<'_>, kind: &'static str, started: Instant) -> Report {
    let setup = world.setup;
    let profile = &setup.profile;
    let summary = world.tally.summary();
    let (waiting, in_lobby, playing) = world.ledger.census();
    let ledger = &world.ledger;
    for problem in &ledger.problems {
        eprintln!("audit: {problem}");
    }
    Report {
        scenario: profile.name,
        store: kind.to_owned(),
        seed: setup.seed,
        players: u64::from(setup.players),
        duration_secs: setup.duration_ms / 1000,
        arrival_rate: significant(setup.arrival_rate, 6),
        algorithm: profile.algorithm,
        rating_scale: profile.rating_scale,
        sessions: world.tally.sessions,
        arrivals_skipped: world.tally.arrivals_skipped,
        tickets: world.tally.tickets,
        matches: world.tally.matches,
        matches_completed: world.tally.matches_completed,
        lobbies_declined: world.tally.lobbies_declined,
        lobbies_timed_out: world.tally.lobbies_timed_out,
        players_matched: world.matched.iter().filter(|&&m| m).count() as u64,
        players_waiting: waiting,
        players_in_lobby: in_lobby,
        players_playing: playing,
        players_expired: ledger.players_expired(),
        wait_secs: summary.wait_secs,
        rating_spread: summary.rating_spread,
        team_imbalance: summary.team_imbalance,
        win_prob_deviation: summary.win_prob_deviation,
        rating_error: rating_error(world),
        rule_violations: ledger.rule_violations,
        double_assigned: ledger.double_assigned,
        lost_players: ledger.lost_players(),
        tick_ms: summary.tick_ms,
        wall_secs: (started.elapsed().as_secs_f64() * 100.0).round() / 100.0,
    }
}

/// `x` rounded to `digits` significant digits (rounding to decimals would
/// turn a rate of 1e-7 into 0).
fn significant(x: f64, digits: usize) -> f64 {
    format!("{x:.*e}", digits.saturating_sub(1))
        .parse()
        .unwrap_or(x)
}

/// RMS distance from true skill (on the rating scale) of the players who
/// played a rated match: with their initial rating, and now.
fn rating_error(world: &World<'_>) -> RatingError {
    let profile = &world.setup.profile;
    let initial = profile.settings.algorithm().initial_rating().rating();
    let (mut start, mut end, mut n) = (0.0, 0.0, 0u64);
    for (p, player) in world.population.players.iter().enumerate() {
        if !world.ledger.rated(p as u32) {
            continue;
        }
        let truth = profile.skill.scaled(player.true_skill);
        start += (initial - truth).powi(2);
        end += (world.ledger.rating(p as u32).rating() - truth).powi(2);
        n += 1;
    }
    let rms = |sum: f64| {
        let value = if n == 0 { 0.0 } else { (sum / n as f64).sqrt() };
        (value * 1000.0).round() / 1000.0
    };
    RatingError {
        start: rms(start),
        end: rms(end),
        players: n,
    }
}
