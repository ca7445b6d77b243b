//! 5v5 with parties, roles and regions: premades queue together, every team
//! fields a tank, a healer and three dps, and the match is placed in the region
//! with the best worst latency.
//!
//! `cargo run -p matchforge-examples --example party_matchmaking`
#![allow(clippy::print_stdout, reason = "an example shows what happens")]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use matchforge::PlayerStatus;
use matchforge::id_gen::SeededIds;
use matchforge::prelude::*;

fn latency(eu: u32, us: u32) -> Attributes {
    Attributes::new()
        .with_latency("eu-west", eu)
        .with_latency("us-east", us)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> matchforge::Result<()> {
    let clock = Arc::new(SimulatedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 1, 20, 0, 0).unwrap(),
    ));
    let queue = QueueSpec::new("ranked-5v5", MatchFormat::five_v_five())
        .with_rating_window(Widening::linear(150.0, 10.0, 600.0)?)
        .with_roles(RoleComposition::new([
            ("tank", 1),
            ("healer", 1),
            ("dps", 3),
        ]))
        .with_region(RegionRule::BestCommon {
            max_latency_ms: Widening::linear(80.0, 2.0, 150.0)?,
        })
        .with_party_rating(PartyRating::AverageWithGapPenalty { penalty: 0.1 })
        .build()?;
    let forge = MatchForge::builder()
        .clock(clock.clone())
        .ids(Arc::new(SeededIds::new(7)))
        // Full settings carry their own rating system (the builder's
        // `algorithm` applies to queues added with `queue`).
        .queue_settings(
            QueueSettings::new(queue)
                .with_algorithm(WengLin::default())
                .with_ready_check(Duration::from_secs(20)),
        )
        .build()?;
    let p = |n: u128| PlayerId::from_u128(n);
    let role = |r: &str| Role::new(r);
    // Weng-Lin ratings (mu, sigma) already on the ladder.
    let mus = [31.0, 24.0, 27.0, 22.0, 26.0, 29.0, 25.0, 23.0, 28.0, 21.0];
    let ratings: Vec<(PlayerId, Rating)> = mus
        .iter()
        .enumerate()
        .map(|(i, &mu)| Ok((p(i as u128 + 1), Rating::new(mu, 3.0, 0.0)?)))
        .collect::<matchforge::Result<_>>()?;
    forge
        .store()
        .put_ratings(&Ladder::new("ranked-5v5"), &ratings)
        .await?;

    // A premade of three: tank, healer, dps.
    let trio = forge.create_party(p(1)).await?;
    for member in [p(2), p(3)] {
        forge.invite(trio.id(), p(1), member).await?;
        forge.accept_invite(trio.id(), member).await?;
    }
    let roles: BTreeMap<PlayerId, Vec<Role>> = [
        (p(1), vec![role("tank")]),
        (p(2), vec![role("healer"), role("dps")]),
        (p(3), vec![role("dps")]),
    ]
    .into_iter()
    .collect();
    forge
        .join_party("ranked-5v5", trio.id(), p(1), latency(25, 110), &roles)
        .await?;
    println!("party of 3 (tank, healer, dps) queues");

    // A duo of dps.
    let duo = forge.create_party(p(4)).await?;
    forge.invite(duo.id(), p(4), p(5)).await?;
    forge.accept_invite(duo.id(), p(5)).await?;
    let roles: BTreeMap<PlayerId, Vec<Role>> =
        [(p(4), vec![role("dps")]), (p(5), vec![role("dps")])]
            .into_iter()
            .collect();
    forge
        .join_party("ranked-5v5", duo.id(), p(4), latency(40, 95), &roles)
        .await?;
    println!("party of 2 (dps, dps) queues");

    // Five solos with mixed preferences.
    let solos: [(u128, &[&str], (u32, u32)); 5] = [
        (6, &["tank", "dps"], (30, 100)),
        (7, &["healer"], (60, 70)),
        (8, &["dps"], (35, 120)),
        (9, &["dps", "healer"], (45, 90)),
        (10, &["dps"], (50, 85)),
    ];
    for (n, prefs, (eu, us)) in solos {
        let prefs: Vec<Role> = prefs.iter().map(|r| role(r)).collect();
        forge
            .join("ranked-5v5", p(n), latency(eu, us), &prefs)
            .await?;
        println!("solo {n} queues as {prefs:?}");
    }

    let step = forge.step().await?;
    let lobby = step
        .ticks
        .iter()
        .flat_map(|(_, t)| t.lobbies.iter())
        .next()
        .expect("ten compatible players make a match");
    let quality = &lobby.proposal().quality;
    println!(
        "\nmatch in {}: team imbalance {:.2} (lower bound {:.2}), P(team 0 wins) {:.2}",
        lobby.proposal().region.as_ref().map_or("-", |r| r.as_str()),
        quality.team_imbalance,
        quality.imbalance_lower_bound,
        quality.win_probability
    );
    for team in 0..2u16 {
        let members: Vec<String> = lobby
            .proposal()
            .team(team)
            .map(|s| {
                format!(
                    "{}:{}",
                    s.player.as_uuid().as_u128(),
                    s.role.as_ref().map_or("any", |r| r.as_str())
                )
            })
            .collect();
        println!("  team {team}: {}", members.join(", "));
    }

    // Everyone accepts but player 10, who declines: the lobby is cancelled and
    // the other tickets go back to the queue with their original times.
    for player in lobby.players().filter(|&x| x != p(10)) {
        forge.accept(lobby.id(), player).await?;
    }
    forge.decline(lobby.id(), p(10)).await?;
    println!("\nplayer 10 declines; the others are back in the queue:");
    for n in 1..=10 {
        println!("  player {n}: {}", status_name(forge.status(p(n)).await?));
    }
    Ok(())
}

fn status_name(status: PlayerStatus) -> &'static str {
    match status {
        PlayerStatus::Idle => "idle",
        PlayerStatus::Queued(_) => "queued",
        PlayerStatus::InLobby(_) => "in a lobby",
    }
}
