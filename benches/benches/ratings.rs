//! Rating benchmarks, each beside the `skillratings` crate in the same run and
//! with the same model and constants:
//!
//! * `glicko2_1v1`: one game as one rating period for both players (τ = 0.5,
//!   ε = 1e-6).
//! * `glicko2_period10`: one player's rating period of ten games.
//! * `weng_lin_5v5`: a 5v5 win. `skillratings::weng_lin::weng_lin_two_teams` is
//!   Bradley-Terry with full pairing, which for two teams is exactly
//!   Plackett-Luce; both run without additive dynamics (τ = 0) and with the same
//!   variance floor (κ = 1e-6, skillratings' `uncertainty_tolerance`).
//!
//! Before timing, each pair is checked to produce the same ratings.
//!
//! Run with `cargo bench -p matchforge-benches --bench ratings`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use matchforge_core::rating::{
    Glicko2, Outcome, Rating, WengLin, glicko2, glicko2_rating_period, weng_lin,
};
use skillratings::Outcomes;
use skillratings::glicko2::{Glicko2Config, Glicko2Rating};
use skillratings::weng_lin::{WengLinConfig, WengLinRating};

fn ours(rating: f64, deviation: f64, volatility: f64) -> Rating {
    Rating::new(rating, deviation, volatility).expect("valid rating")
}

fn theirs_g2(r: &Rating) -> Glicko2Rating {
    Glicko2Rating {
        rating: r.rating(),
        deviation: r.deviation(),
        volatility: r.volatility(),
    }
}

fn theirs_wl(r: &Rating) -> WengLinRating {
    WengLinRating {
        rating: r.rating(),
        uncertainty: r.deviation(),
    }
}

fn outcome_of(score: f64) -> Outcomes {
    match score {
        s if s > 0.5 => Outcomes::WIN,
        s if s < 0.5 => Outcomes::LOSS,
        _ => Outcomes::DRAW,
    }
}

fn same(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * a.abs().max(1.0),
        "{what}: {a} vs {b}"
    );
}

fn ratings(c: &mut Criterion) {
    let mut group = c.benchmark_group("ratings");

    // Glicko-2, one game.
    let config = Glicko2::default();
    let their_config = Glicko2Config::new();
    let (a, b) = (ours(1500.0, 350.0, 0.06), ours(1400.0, 80.0, 0.06));
    let (ta, tb) = (theirs_g2(&a), theirs_g2(&b));
    let (na, _) = glicko2(&a, &b, Outcome::Win, &config);
    let (nta, _) = skillratings::glicko2::glicko2(&ta, &tb, &Outcomes::WIN, &their_config);
    same(na.rating(), nta.rating, "glicko2 1v1 rating");
    same(na.volatility(), nta.volatility, "glicko2 1v1 volatility");
    group.bench_function("glicko2_1v1/matchforge", |bench| {
        bench.iter(|| glicko2(black_box(&a), black_box(&b), Outcome::Win, &config));
    });
    group.bench_function("glicko2_1v1/skillratings", |bench| {
        bench.iter(|| {
            skillratings::glicko2::glicko2(
                black_box(&ta),
                black_box(&tb),
                &Outcomes::WIN,
                &their_config,
            )
        });
    });

    // Glicko-2, a period of ten games.
    let player = ours(1620.0, 120.0, 0.06);
    let games: Vec<(Rating, f64)> = (0..10)
        .map(|i| {
            let i = f64::from(i);
            let opponent = ours(1450.0 + 30.0 * i, 40.0 + 25.0 * i, 0.06);
            (opponent, [1.0, 0.0, 0.5][(i as usize) % 3])
        })
        .collect();
    let their_player = theirs_g2(&player);
    let their_games: Vec<(Glicko2Rating, Outcomes)> = games
        .iter()
        .map(|(r, s)| (theirs_g2(r), outcome_of(*s)))
        .collect();
    let new = glicko2_rating_period(&player, &games, &config).expect("valid scores");
    let their_new =
        skillratings::glicko2::glicko2_rating_period(&their_player, &their_games, &their_config);
    same(new.rating(), their_new.rating, "glicko2 period rating");
    same(
        new.deviation(),
        their_new.deviation,
        "glicko2 period deviation",
    );
    group.bench_function("glicko2_period10/matchforge", |bench| {
        bench.iter(|| glicko2_rating_period(black_box(&player), black_box(&games), &config));
    });
    group.bench_function("glicko2_period10/skillratings", |bench| {
        bench.iter(|| {
            skillratings::glicko2::glicko2_rating_period(
                black_box(&their_player),
                black_box(&their_games),
                &their_config,
            )
        });
    });

    // Weng-Lin, 5v5.
    let wl = WengLin::default()
        .with_tau(0.0)
        .and_then(|w| w.with_kappa(0.000_001))
        .expect("valid config");
    let their_wl = WengLinConfig::new();
    let team = |base: f64| -> Vec<Rating> {
        (0..5)
            .map(|i| ours(base + f64::from(i), 8.333 - f64::from(i), 0.06))
            .collect()
    };
    let (one, two) = (team(24.0), team(26.0));
    let (their_one, their_two): (Vec<WengLinRating>, Vec<WengLinRating>) = (
        one.iter().map(theirs_wl).collect(),
        two.iter().map(theirs_wl).collect(),
    );
    let new = weng_lin(&[&one, &two], &[1, 2], &wl).expect("valid match");
    let (their_new, _) = skillratings::weng_lin::weng_lin_two_teams(
        &their_one,
        &their_two,
        &Outcomes::WIN,
        &their_wl,
    );
    for (x, y) in new[0].iter().zip(&their_new) {
        same(x.rating(), y.rating, "weng-lin rating");
        same(x.deviation(), y.uncertainty, "weng-lin deviation");
    }
    group.bench_function("weng_lin_5v5/matchforge", |bench| {
        bench.iter(|| weng_lin(&[black_box(&one), black_box(&two)], &[1, 2], &wl));
    });
    group.bench_function("weng_lin_5v5/skillratings", |bench| {
        bench.iter(|| {
            skillratings::weng_lin::weng_lin_two_teams(
                black_box(&their_one),
                black_box(&their_two),
                &Outcomes::WIN,
                &their_wl,
            )
        });
    });

    group.finish();
}

criterion_group!(benches, ratings);
criterion_main!(benches);
