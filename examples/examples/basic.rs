//! Ranked 1v1: players queue, the matcher pairs the closest ratings, players
//! accept, the match is played and ratings move.
//!
//! `cargo run -p matchforge-examples --example basic` (Glicko-2), or
//! `cargo run -p matchforge-examples --example basic -- elo`.
#![allow(clippy::print_stdout, reason = "an example shows what happens")]

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use matchforge::id_gen::SeededIds;
use matchforge::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> matchforge::Result<()> {
    let use_elo = std::env::args().nth(1).as_deref() == Some("elo");
    let clock = Arc::new(SimulatedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 1, 20, 0, 0).unwrap(),
    ));
    let queue = QueueSpec::new("ranked-1v1", MatchFormat::one_v_one())
        // Start within 50 points, widen by 10 per second of waiting, up to 400.
        .with_rating_window(Widening::linear(50.0, 10.0, 400.0)?)
        .with_max_wait_secs(300)
        .build()?;
    let builder = MatchForge::builder()
        .clock(clock.clone())
        .ids(Arc::new(SeededIds::new(42)));
    let builder = if use_elo {
        builder.algorithm(Elo::default())
    } else {
        builder.algorithm(Glicko2::default())
    };
    // Default queue settings: a tick a second, a 30-second ready check.
    let forge = builder.queue(queue).build()?;
    println!(
        "ranked 1v1 with {}",
        if use_elo { "Elo" } else { "Glicko-2" }
    );

    // Eight players with known ratings on the ladder.
    let players: Vec<(PlayerId, f64)> = [
        1350.0, 1420.0, 1480.0, 1500.0, 1510.0, 1600.0, 1680.0, 1740.0,
    ]
    .iter()
    .enumerate()
    .map(|(i, &r)| (PlayerId::from_u128(i as u128 + 1), r))
    .collect();
    let ladder = Ladder::new("ranked-1v1");
    let start: Vec<(PlayerId, Rating)> = players
        .iter()
        .map(|&(p, r)| Ok((p, Rating::new(r, 120.0, 0.06)?)))
        .collect::<matchforge::Result<_>>()?;
    forge.store().put_ratings(&ladder, &start).await?;

    for &(player, rating) in &players {
        forge
            .join("ranked-1v1", player, Attributes::new(), &[])
            .await?;
        println!("  player {} joins at {rating}", player.as_uuid().as_u128());
    }

    // Tick until everyone has played once: the close pairs at once, the last
    // pair (1350 and 1600) once their windows have widened to 250.
    let mut played = 0;
    for second in 0..120 {
        let step = forge.step().await?;
        for (_, tick) in step.ticks {
            for lobby in tick.lobbies {
                let [a, b] = [lobby.teams()[0][0], lobby.teams()[1][0]];
                println!(
                    "t+{second:>3}s  match {} v {}: spread {:.0}, P(first wins) {:.2}",
                    a.as_uuid().as_u128(),
                    b.as_uuid().as_u128(),
                    lobby.proposal().quality.rating_spread,
                    lobby.proposal().quality.win_probability,
                );
                for p in lobby.players() {
                    forge.accept(lobby.id(), p).await?;
                }
                forge.dispatch(lobby.id(), "eu-west-1").await?;
                // The favourite wins.
                let winner = usize::from(lobby.proposal().quality.win_probability < 0.5);
                let report = forge
                    .report(lobby.id(), MatchResult::winner(winner, 2))
                    .await?;
                for change in &report.record().rating_changes {
                    let before = change.before.map_or(0.0, |r| r.rating());
                    println!(
                        "         player {}: {:.1} -> {:.1}",
                        change.player.as_uuid().as_u128(),
                        before,
                        change.after.rating()
                    );
                }
                played += 2;
            }
        }
        if played == players.len() {
            break;
        }
        clock.advance(Duration::from_secs(1));
    }
    println!("{played} of {} players played; done.", players.len());
    Ok(())
}
