//! Replaying a match log: rating periods, idle periods, and scoring the
//! predictions made before each match.
//!
//! Period semantics (see docs/ratings.md):
//! * Consecutive matches with the same `period` form one batch. **Glicko-2**
//!   rates the batch as one rating period (every game against the ratings at the
//!   period's start). **Elo** does the same, FIDE-style: every game's change is
//!   computed from the period-start ratings and the changes are added at the end
//!   of the period, so the order of games inside a period does not matter.
//!   **Weng-Lin** is an online Bayesian filter with no batch form: it applies a
//!   period's games in order.
//! * Every known player who sits out a period, including period numbers skipped
//!   between two periods, gets [`RatingAlgorithm::idle`] once per period (only
//!   Glicko-2's changes anything). Idle periods are applied lazily, when the
//!   player next plays and at the end, in closed form.
//! * A match without `period` is rated on its own and affects only its players.

use matchforge_core::rating::{
    Outcome, Rating, RatingAlgorithm, elo, glicko2_rating_period, weng_lin_1v1,
};

use super::input::{MatchLog, MatchRecord};
use super::params::Algorithm;
use crate::error::Error;

/// Scores of the predictions made before two-team matches that had a winner.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Predictions {
    /// How many such matches.
    pub(crate) decisive: u64,
    /// Correct predictions; a probability of exactly ½ counts as half right.
    pub(crate) correct: f64,
    /// Σ −ln P(actual winner), with P clamped to [1e-15, 1 − 1e-15].
    pub(crate) log_loss: f64,
    /// Σ (P(first team wins) − [first team won])².
    pub(crate) brier: f64,
}

impl Predictions {
    fn record(&mut self, p_first: f64, first_won: bool) {
        self.decisive += 1;
        let p_winner = if first_won { p_first } else { 1.0 - p_first };
        if p_first == 0.5 {
            self.correct += 0.5;
        } else if p_winner > 0.5 {
            self.correct += 1.0;
        }
        self.log_loss -= p_winner.clamp(1e-15, 1.0 - 1e-15).ln();
        let y = if first_won { 1.0 } else { 0.0 };
        self.brier += (p_first - y) * (p_first - y);
    }
}

/// The state of a replay.
pub(crate) struct Replay<'a> {
    algorithm: &'a Algorithm,
    log: &'a MatchLog,
    ratings: Vec<Rating>,
    /// Whether the player is known (has played, or came from the initial file).
    known: Vec<bool>,
    /// The last period whose idle/update is accounted for in `ratings`; `None`
    /// for a player known since before the first period (no sentinel: every
    /// `i64` is a valid period).
    synced: Vec<Option<i64>>,
    first_period: Option<i64>,
    latest_period: Option<i64>,
    /// `Some(period)` while a batch is open (`Some(None)` for a period-less match).
    batch: Option<Option<i64>>,
    batch_players: Vec<u32>,
    /// Elo: rating changes waiting for the end of the period.
    pending_changes: Vec<(u32, f64)>,
    /// Glicko-2: (player, opponent, score, first game of its match) waiting for
    /// the end of the period.
    pending_games: Vec<(u32, Rating, f64, bool)>,
    games_buffer: Vec<(Rating, f64)>,
    predictions: Predictions,
    /// Only matches at or after this time (Unix milliseconds) are scored.
    score_from: Option<i64>,
    /// Whether the current match is scored.
    scored: bool,
}

impl<'a> Replay<'a> {
    /// A replay of `log`; `initial` holds each player's starting rating and
    /// whether the player is known from the start (the initial file).
    pub(crate) fn new(
        algorithm: &'a Algorithm,
        log: &'a MatchLog,
        initial: Vec<(Rating, bool)>,
        score_from: Option<i64>,
    ) -> Self {
        let n = initial.len();
        let (ratings, known) = initial.into_iter().unzip();
        Self {
            algorithm,
            log,
            ratings,
            known,
            synced: vec![None; n],
            first_period: None,
            latest_period: None,
            batch: None,
            batch_players: Vec::new(),
            pending_changes: Vec::new(),
            pending_games: Vec::new(),
            games_buffer: Vec::new(),
            predictions: Predictions::default(),
            score_from,
            scored: true,
        }
    }

    /// Replays every match, then brings every known player up to the last period.
    pub(crate) fn run(mut self) -> Result<(Vec<Rating>, Vec<bool>, Predictions), Error> {
        for m in &self.log.matches {
            self.play(m).map_err(|e| Error::Replay {
                line: m.line,
                message: e.to_string(),
            })?;
        }
        self.flush()?;
        if let Some(last) = self.latest_period {
            for p in 0..self.ratings.len() {
                if self.known[p] {
                    self.catch_up(p, last);
                }
            }
        }
        Ok((self.ratings, self.known, self.predictions))
    }

    fn rules(&self) -> &'a dyn RatingAlgorithm {
        self.algorithm.as_dyn()
    }

    fn play(&mut self, m: &MatchRecord) -> Result<(), Error> {
        if self.batch.is_some_and(|b| b != m.period || b.is_none()) {
            self.flush()?;
        }
        self.batch = Some(m.period);
        self.scored = match self.score_from {
            Some(from) => m.time.is_some_and(|t| t >= from),
            None => true,
        };
        if let Some(p) = m.period {
            self.first_period.get_or_insert(p);
            self.latest_period = Some(self.latest_period.map_or(p, |l| l.max(p)));
        }
        let log = self.log;
        let teams = log.teams_of(m);
        for team in teams {
            for &player in log.members_of(team) {
                self.prepare(player as usize, m.period);
            }
        }

        let one_v_one = match teams {
            [a, b] => match (log.members_of(a), log.members_of(b)) {
                (&[x], &[y]) => Some((x as usize, y as usize, outcome(a.rank, b.rank))),
                _ => None,
            },
            _ => None,
        };
        if let Some((x, y, result)) = one_v_one {
            self.predict_1v1(x, y, result)?;
            self.rate_1v1(x, y, result)?;
        } else {
            self.rate_teams(m)?;
        }
        if m.period.is_none() {
            self.flush()?;
        }
        Ok(())
    }

    /// Makes `player` known and applies the idle periods it sat out before this
    /// match.
    fn prepare(&mut self, player: usize, period: Option<i64>) {
        if !self.known[player] {
            self.known[player] = true;
            // New in period `i64::MIN`: no period before it, so none to account.
            self.synced[player] = match period {
                Some(p) => p.checked_sub(1),
                None => self.latest_period,
            };
        }
        let through = match period {
            Some(p) => p.checked_sub(1),
            None => self.latest_period,
        };
        if let Some(through) = through {
            self.catch_up(player, through);
        }
        self.batch_players.push(player as u32);
    }

    /// Applies the idle periods after `synced` up to and including `through`.
    fn catch_up(&mut self, player: usize, through: i64) {
        // In i128: the period before `i64::MIN`, and the distance between any
        // two periods, fit.
        let from = match (self.synced[player], self.first_period) {
            (Some(synced), _) => i128::from(synced),
            (None, Some(first)) => i128::from(first) - 1,
            (None, None) => return,
        };
        if i128::from(through) > from {
            let periods = u64::try_from(i128::from(through) - from).unwrap_or(u64::MAX);
            self.ratings[player] = self.rules().idle_periods(self.ratings[player], periods);
            self.synced[player] = Some(through);
        }
    }

    fn predict_1v1(&mut self, x: usize, y: usize, result: Outcome) -> Result<(), Error> {
        if result != Outcome::Draw && self.scored {
            let p = self.rules().win_probability(
                std::slice::from_ref(&self.ratings[x]),
                std::slice::from_ref(&self.ratings[y]),
            )?;
            self.predictions.record(p, result == Outcome::Win);
        }
        Ok(())
    }

    fn rate_1v1(&mut self, x: usize, y: usize, result: Outcome) -> Result<(), Error> {
        let (a, b) = (self.ratings[x], self.ratings[y]);
        match self.algorithm {
            Algorithm::Elo(config) => {
                let (na, nb) = elo(&a, &b, result, config);
                self.pending_changes
                    .push((x as u32, na.rating() - a.rating()));
                self.pending_changes
                    .push((y as u32, nb.rating() - b.rating()));
            }
            Algorithm::Glicko2(config) => {
                let games = config.composite_games(&[&[a], &[b]], &result.ranks())?;
                self.pending_games
                    .push((x as u32, games[0][0].0, games[0][0].1, true));
                self.pending_games
                    .push((y as u32, games[1][0].0, games[1][0].1, true));
            }
            Algorithm::WengLin(config) => {
                let (na, nb) = weng_lin_1v1(&a, &b, result, config);
                self.ratings[x] = na;
                self.ratings[y] = nb;
            }
        }
        Ok(())
    }

    fn rate_teams(&mut self, m: &MatchRecord) -> Result<(), Error> {
        let log = self.log;
        let teams = log.teams_of(m);
        let rated: Vec<Vec<Rating>> = teams
            .iter()
            .map(|t| {
                log.members_of(t)
                    .iter()
                    .map(|&p| self.ratings[p as usize])
                    .collect()
            })
            .collect();
        let refs: Vec<&[Rating]> = rated.iter().map(Vec::as_slice).collect();
        let ranks: Vec<u32> = teams.iter().map(|t| t.rank).collect();
        if let (&[a, b], &[ra, rb]) = (refs.as_slice(), ranks.as_slice())
            && ra != rb
            && self.scored
        {
            let p = self.rules().win_probability(a, b)?;
            self.predictions.record(p, ra < rb);
        }
        match self.algorithm {
            Algorithm::Glicko2(config) => {
                let games = config.composite_games(&refs, &ranks)?;
                for (team, team_games) in teams.iter().zip(&games) {
                    for &p in log.members_of(team) {
                        for (i, &(opponent, score)) in team_games.iter().enumerate() {
                            self.pending_games.push((p, opponent, score, i == 0));
                        }
                    }
                }
            }
            Algorithm::Elo(_) | Algorithm::WengLin(_) => {
                let new = self.rules().rate(&refs, &ranks)?;
                for ((team, before), after) in teams.iter().zip(&rated).zip(&new) {
                    for ((&p, old), new) in log.members_of(team).iter().zip(before).zip(after) {
                        if matches!(self.algorithm, Algorithm::Elo(_)) {
                            self.pending_changes.push((p, new.rating() - old.rating()));
                        } else {
                            self.ratings[p as usize] = *new;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Closes the open batch: applies pending changes and marks its players as
    /// accounted for through its period.
    fn flush(&mut self) -> Result<(), Error> {
        let Some(period) = self.batch.take() else {
            return Ok(());
        };
        for (p, change) in self.pending_changes.drain(..) {
            let r = self.ratings[p as usize];
            self.ratings[p as usize] =
                Rating::new(r.rating() + change, r.deviation(), r.volatility())?
                    .with_games(r.games().saturating_add(1));
        }
        if let Algorithm::Glicko2(config) = self.algorithm {
            self.pending_games.sort_by_key(|g| g.0);
            let mut start = 0;
            while start < self.pending_games.len() {
                let player = self.pending_games[start].0;
                let end = start
                    + self.pending_games[start..]
                        .iter()
                        .take_while(|g| g.0 == player)
                        .count();
                self.games_buffer.clear();
                self.games_buffer
                    .extend(self.pending_games[start..end].iter().map(|g| (g.1, g.2)));
                let matches = self.pending_games[start..end]
                    .iter()
                    .filter(|g| g.3)
                    .count();
                let before = self.ratings[player as usize];
                let after = glicko2_rating_period(&before, &self.games_buffer, config)?;
                let games = before
                    .games()
                    .saturating_add(u32::try_from(matches).unwrap_or(u32::MAX));
                self.ratings[player as usize] = after.with_games(games);
                start = end;
            }
            self.pending_games.clear();
        }
        if let Some(period) = period {
            for p in self.batch_players.drain(..) {
                self.synced[p as usize] = Some(period);
            }
        }
        self.batch_players.clear();
        Ok(())
    }
}

/// The outcome for the first of two teams ranked `a` and `b`.
fn outcome(a: u32, b: u32) -> Outcome {
    match a.cmp(&b) {
        std::cmp::Ordering::Less => Outcome::Win,
        std::cmp::Ordering::Equal => Outcome::Draw,
        std::cmp::Ordering::Greater => Outcome::Loss,
    }
}
