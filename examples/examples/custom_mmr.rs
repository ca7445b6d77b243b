//! Bring your own rating system and decay: a user-written algorithm plugs into
//! a queue like the built-in ones.
//!
//! `cargo run -p matchforge-examples --example custom_mmr`
#![allow(clippy::print_stdout, reason = "an example shows what happens")]

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use matchforge::id_gen::SeededIds;
use matchforge::prelude::*;
use matchforge::rating::{DecayStrategy, check_result};

/// Elo whose K falls as a player gains experience — experience being the
/// games they have actually rated, which [`Rating::games`] counts.
#[derive(Debug)]
struct ProvisionalElo {
    new_player_k: f64,
    veteran_k: f64,
    veteran_after: u32,
}

impl ProvisionalElo {
    fn k(&self, rating: &Rating) -> f64 {
        if rating.games() < self.veteran_after {
            self.new_player_k
        } else {
            self.veteran_k
        }
    }
}

fn mean(team: &[Rating]) -> f64 {
    team.iter().map(Rating::rating).sum::<f64>() / team.len() as f64
}

impl RatingAlgorithm for ProvisionalElo {
    fn name(&self) -> &str {
        "provisional-elo"
    }

    fn initial_rating(&self) -> Rating {
        Rating::default()
    }

    fn rate(&self, teams: &[&[Rating]], ranks: &[u32]) -> matchforge::Result<Vec<Vec<Rating>>> {
        check_result(teams, ranks)?;
        let means: Vec<f64> = teams.iter().map(|t| mean(t)).collect();
        let n = teams.len() as f64;
        teams
            .iter()
            .enumerate()
            .map(|(i, team)| {
                // Pairwise against every other team, averaged.
                let mut delta = 0.0;
                for (j, other) in means.iter().enumerate().filter(|(j, _)| *j != i) {
                    let expected = 1.0 / (1.0 + 10f64.powf((other - means[i]) / 400.0));
                    let score = match ranks[i].cmp(&ranks[j]) {
                        std::cmp::Ordering::Less => 1.0,
                        std::cmp::Ordering::Equal => 0.5,
                        std::cmp::Ordering::Greater => 0.0,
                    };
                    delta += (score - expected) / (n - 1.0);
                }
                team.iter()
                    .map(|r| {
                        Ok(Rating::new(
                            r.rating() + self.k(r) * delta,
                            r.deviation(),
                            r.volatility(),
                        )?
                        .with_games(r.games() + 1))
                    })
                    .collect()
            })
            .collect()
    }

    fn win_probability(&self, a: &[Rating], b: &[Rating]) -> matchforge::Result<f64> {
        check_result(&[a, b], &[1, 2])?;
        Ok(1.0 / (1.0 + 10f64.powf((mean(b) - mean(a)) / 400.0)))
    }
}

/// Ratings drift 3 points a day after a week away, by at most 150.
#[derive(Debug)]
struct WeeklyDecay;

impl DecayStrategy for WeeklyDecay {
    fn decayed(&self, rating: Rating, last_game: DateTime<Utc>, now: DateTime<Utc>) -> Rating {
        let idle_days = (now - last_game).num_days() - 7;
        if idle_days <= 0 {
            return rating;
        }
        let loss = (3.0 * idle_days as f64).min(150.0);
        Rating::new(
            rating.rating() - loss,
            rating.deviation(),
            rating.volatility(),
        )
        .map_or(rating, |r| r.with_games(rating.games()))
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> matchforge::Result<()> {
    let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 20, 0, 0).unwrap();
    let clock = Arc::new(SimulatedClock::new(t0));
    let algorithm = ProvisionalElo {
        new_player_k: 48.0,
        veteran_k: 16.0,
        veteran_after: 3,
    };
    let queue = QueueSpec::new("duo", MatchFormat::two_v_two())
        .with_rating_window(Widening::fixed(300.0)?)
        .build()?;
    let forge = MatchForge::builder()
        .clock(clock.clone())
        .ids(Arc::new(SeededIds::new(3)))
        .queue_settings(
            QueueSettings::new(queue)
                .with_algorithm(algorithm)
                .without_ready_check(),
        )
        .build()?;
    println!(
        "queue duo rated by {}",
        forge.queues().next().map_or("?", |q| q.algorithm().name())
    );

    let players: Vec<PlayerId> = (1..=4).map(PlayerId::from_u128).collect();
    for round in 1..=4 {
        for &p in &players {
            forge.join("duo", p, Attributes::new(), &[]).await?;
        }
        let step = forge.step().await?;
        let lobby = &step.ticks[0].1.lobbies[0];
        forge.dispatch(lobby.id(), "local").await?;
        // Team 0 wins every time.
        let report = forge.report(lobby.id(), MatchResult::winner(0, 2)).await?;
        let first = report.record().rating_changes[0];
        println!(
            "round {round}: player {} {:.1} -> {:.1} (K {} after {} games)",
            first.player.as_uuid().as_u128(),
            first.before.map_or(1500.0, |r| r.rating()),
            first.after.rating(),
            if first.after.games() <= 3 { 48 } else { 16 },
            first.after.games(),
        );
        clock.advance(Duration::from_secs(60));
    }

    // Decay is a pure function of the rating at the last game and the time.
    let ratings = forge.ratings(&QueueName::new("duo"), &players[..1]).await?;
    let last_game = clock.now();
    for days in [3, 10, 30, 90] {
        let later = last_game + chrono::Duration::days(days);
        let decayed = WeeklyDecay.decayed(ratings[0], last_game, later);
        println!(
            "after {days:>2} days away: {:.1} -> {:.1}",
            ratings[0].rating(),
            decayed.rating()
        );
    }
    Ok(())
}
