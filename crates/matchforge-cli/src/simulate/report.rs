//! The report: what a simulated day produced, as one JSON object or a table.

use std::io::Write;

use serde::Serialize;

/// Raw numbers the world collects while it runs.
#[derive(Debug, Default)]
pub(super) struct Tally {
    /// Player sessions started (a party of three is three sessions).
    pub(super) sessions: u64,
    /// Arrivals that found nobody offline (and off cooldown) to bring online.
    pub(super) arrivals_skipped: u64,
    /// Tickets queued (requeues keep their ticket).
    pub(super) tickets: u64,
    /// Lobbies the runner created.
    pub(super) matches: u64,
    /// Lobbies played to the end and reported.
    pub(super) matches_completed: u64,
    /// Lobbies cancelled because a player declined.
    pub(super) lobbies_declined: u64,
    /// Lobbies cancelled because the ready check ran out.
    pub(super) lobbies_timed_out: u64,
    /// Each seat's wait, enqueue to lobby, in seconds.
    pub(super) waits: Vec<f64>,
    /// Each lobby's rating spread (the matcher's figure).
    pub(super) spreads: Vec<f64>,
    /// Each lobby's team imbalance (the matcher's figure).
    pub(super) imbalances: Vec<f64>,
    /// Each lobby's |P(team 0 first) − 1/teams| under true skill.
    pub(super) win_deviation: Vec<f64>,
    /// Wall time of each runner step that ticked the queue, in ms.
    pub(super) tick_ms: Vec<f64>,
}

/// Percentiles of a sample.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub(crate) struct Spread {
    /// Median.
    pub(crate) p50: f64,
    /// 90th percentile.
    pub(crate) p90: f64,
    /// 99th percentile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) p99: Option<f64>,
    /// Largest value.
    pub(crate) max: f64,
}

/// Nearest-rank percentile of an ascending sample (0 when empty).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Rounds to 3 decimals, so reports stay readable.
fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

impl Spread {
    /// p50, p90, p99 (if `with_p99`) and max of `xs`.
    pub(super) fn of(xs: &[f64], with_p99: bool) -> Self {
        let mut sorted = xs.to_vec();
        sorted.sort_by(f64::total_cmp);
        Self {
            p50: round(percentile(&sorted, 0.5)),
            p90: round(percentile(&sorted, 0.9)),
            p99: with_p99.then(|| round(percentile(&sorted, 0.99))),
            max: round(sorted.last().copied().unwrap_or(0.0)),
        }
    }
}

/// Tick wall times: p50, p99, max.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct TickSpread {
    p50: f64,
    p99: f64,
    max: f64,
}

/// A mean.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Mean {
    mean: f64,
}

/// Rating error before and after.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct RatingError {
    /// RMS distance from true skill of the players' starting ratings.
    pub(crate) start: f64,
    /// The same at the end.
    pub(crate) end: f64,
    /// Players measured: those who played at least one rated match.
    pub(crate) players: u64,
}

/// The report of one run; `--json` prints it as one object.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) scenario: &'static str,
    pub(crate) store: String,
    pub(crate) seed: u64,
    pub(crate) players: u64,
    pub(crate) duration_secs: u64,
    pub(crate) arrival_rate: f64,
    pub(crate) algorithm: &'static str,
    pub(crate) rating_scale: &'static str,
    pub(crate) sessions: u64,
    pub(crate) arrivals_skipped: u64,
    pub(crate) tickets: u64,
    pub(crate) matches: u64,
    pub(crate) matches_completed: u64,
    pub(crate) lobbies_declined: u64,
    pub(crate) lobbies_timed_out: u64,
    pub(crate) players_matched: u64,
    pub(crate) players_waiting: u64,
    pub(crate) players_in_lobby: u64,
    pub(crate) players_playing: u64,
    pub(crate) players_expired: u64,
    pub(crate) wait_secs: Spread,
    pub(crate) rating_spread: Spread,
    pub(crate) team_imbalance: Spread,
    pub(crate) win_prob_deviation: Mean,
    pub(crate) rating_error: RatingError,
    pub(crate) rule_violations: u64,
    pub(crate) double_assigned: u64,
    pub(crate) lost_players: u64,
    pub(crate) tick_ms: TickSpread,
    pub(crate) wall_secs: f64,
}

/// The parts of a report that come from the tally.
pub(super) struct TallySummary {
    pub(super) wait_secs: Spread,
    pub(super) rating_spread: Spread,
    pub(super) team_imbalance: Spread,
    pub(super) win_prob_deviation: Mean,
    pub(super) tick_ms: TickSpread,
}

impl Tally {
    /// Percentiles and means of the samples.
    pub(super) fn summary(&self) -> TallySummary {
        let ticks = Spread::of(&self.tick_ms, true);
        // An empty sum is -0.0: no lobbies means a mean of 0.
        let win_deviation = if self.win_deviation.is_empty() {
            0.0
        } else {
            self.win_deviation.iter().sum::<f64>() / self.win_deviation.len() as f64
        };
        TallySummary {
            wait_secs: Spread::of(&self.waits, true),
            rating_spread: Spread::of(&self.spreads, false),
            team_imbalance: Spread::of(&self.imbalances, false),
            win_prob_deviation: Mean {
                mean: round(win_deviation),
            },
            tick_ms: TickSpread {
                p50: ticks.p50,
                p99: ticks.p99.unwrap_or(0.0),
                max: ticks.max,
            },
        }
    }
}

/// `x` to 3 decimals, or to 3 significant digits below 0.001 (so a tiny
/// rate does not read as 0).
fn readable_rate(x: f64) -> String {
    if x != 0.0 && x.abs() < 0.001 {
        format!("{x:.2e}")
    } else {
        format!("{x:.3}")
    }
}

impl Report {
    /// Whether the audit found nothing.
    pub(crate) fn audit_clean(&self) -> bool {
        self.rule_violations == 0 && self.double_assigned == 0 && self.lost_players == 0
    }

    /// Writes the report: one JSON line, or a table.
    pub(crate) fn write(&self, json: bool, out: &mut dyn Write) -> std::io::Result<()> {
        if json {
            serde_json::to_writer(&mut *out, self)?;
            return writeln!(out);
        }
        let spread = |s: &Spread| match s.p99 {
            Some(p99) => format!(
                "p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}",
                s.p50, s.p90, p99, s.max
            ),
            None => format!("p50 {:.2}  p90 {:.2}  max {:.2}", s.p50, s.p90, s.max),
        };
        let rows: Vec<(&str, String)> = vec![
            (
                "scenario",
                format!("{} on {} (seed {})", self.scenario, self.store, self.seed),
            ),
            (
                "population",
                format!(
                    "{} players, {} arriving per second",
                    self.players,
                    readable_rate(self.arrival_rate)
                ),
            ),
            (
                "simulated",
                format!(
                    "{} s ({:.1} h)",
                    self.duration_secs,
                    self.duration_secs as f64 / 3600.0
                ),
            ),
            (
                "ratings",
                format!("{} on {}", self.algorithm, self.rating_scale),
            ),
            (
                "sessions",
                format!(
                    "{} ({} arrivals found nobody offline)",
                    self.sessions, self.arrivals_skipped
                ),
            ),
            ("tickets", self.tickets.to_string()),
            (
                "matches",
                format!(
                    "{} made, {} played, {} declined, {} timed out",
                    self.matches,
                    self.matches_completed,
                    self.lobbies_declined,
                    self.lobbies_timed_out
                ),
            ),
            (
                "players",
                format!(
                    "{} matched, {} expired; at the end {} waiting, {} in a lobby, {} playing",
                    self.players_matched,
                    self.players_expired,
                    self.players_waiting,
                    self.players_in_lobby,
                    self.players_playing
                ),
            ),
            ("wait (s)", spread(&self.wait_secs)),
            ("rating spread", spread(&self.rating_spread)),
            ("team imbalance", spread(&self.team_imbalance)),
            (
                "win prob deviation",
                format!("mean {:.3}", self.win_prob_deviation.mean),
            ),
            (
                "rating error",
                format!(
                    "{:.2} at the start, {:.2} at the end ({} rated players)",
                    self.rating_error.start, self.rating_error.end, self.rating_error.players
                ),
            ),
            (
                "audit",
                format!(
                    "{} rule violations, {} double assignments, {} lost players",
                    self.rule_violations, self.double_assigned, self.lost_players
                ),
            ),
            (
                "tick (ms)",
                format!(
                    "p50 {:.3}  p99 {:.3}  max {:.3}",
                    self.tick_ms.p50, self.tick_ms.p99, self.tick_ms.max
                ),
            ),
            ("wall time", format!("{:.1} s", self.wall_secs)),
        ];
        let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (key, value) in rows {
            writeln!(out, "{key:<width$}  {value}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let check = |xs: &[f64], expected: (f64, f64, f64, f64)| {
            let s = Spread::of(xs, true);
            assert_eq!((s.p50, s.p90, s.p99.unwrap(), s.max), expected, "{xs:?}");
        };
        check(&[], (0.0, 0.0, 0.0, 0.0));
        check(&[7.0], (7.0, 7.0, 7.0, 7.0));
        check(&[4.0, 1.0, 3.0, 2.0], (2.0, 4.0, 4.0, 4.0));
        let hundred: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        check(&hundred, (50.0, 90.0, 99.0, 100.0));
    }

    #[test]
    fn no_lobbies_mean_a_positive_zero_deviation() {
        let mean = Tally::default().summary().win_prob_deviation.mean;
        assert!(mean == 0.0 && mean.is_sign_positive(), "{mean:?}");
        let tally = Tally {
            win_deviation: vec![0.1, 0.3],
            ..Tally::default()
        };
        assert!((tally.summary().win_prob_deviation.mean - 0.2).abs() < 1e-12);
    }

    #[test]
    fn tiny_rates_do_not_read_as_zero() {
        assert_eq!(readable_rate(0.231_481), "0.231");
        assert_eq!(readable_rate(12.0), "12.000");
        assert_eq!(readable_rate(1e-7), "1.00e-7");
    }
}
