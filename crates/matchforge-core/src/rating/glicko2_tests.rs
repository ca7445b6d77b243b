//! Unit tests of Glicko-2 (a separate file to keep glicko2.rs readable).

use super::*;

fn r(rating: f64, deviation: f64, volatility: f64) -> Rating {
    Rating::new(rating, deviation, volatility).unwrap()
}

fn assert_close(got: Rating, expected: (f64, f64, f64), tolerance: f64, what: &str) {
    assert!(
        (got.rating() - expected.0).abs() < tolerance
            && (got.deviation() - expected.1).abs() < tolerance
            && (got.volatility() - expected.2).abs() < tolerance,
        "{what}: got {got:?}, expected {expected:?}"
    );
}

#[test]
fn paper_worked_example() {
    let player = r(1500.0, 200.0, 0.06);
    let games = [
        (r(1400.0, 30.0, 0.06), 1.0),
        (r(1550.0, 100.0, 0.06), 0.0),
        (r(1700.0, 300.0, 0.06), 0.0),
    ];
    let new = glicko2_rating_period(&player, &games, &Glicko2::default()).unwrap();
    assert_close(
        new,
        (1464.0506705, 151.5165241, 0.0599959843),
        1e-6,
        "paper",
    );
    assert_eq!(new.games(), 3);
}

/// Periods checked against an independent transcription of the paper
/// (Python, same ε = 1e-6): (player, games, τ, expected).
#[test]
fn periods_match_reference() {
    type Case = (
        (f64, f64, f64),
        &'static [(f64, f64, f64)],
        f64,
        (f64, f64, f64),
    );
    let paper: &[(f64, f64, f64)] = &[
        (1400.0, 30.0, 1.0),
        (1550.0, 100.0, 0.0),
        (1700.0, 300.0, 0.0),
    ];
    let cases: &[Case] = &[
        (
            (1500.0, 350.0, 0.06),
            &[(1500.0, 350.0, 1.0)],
            0.5,
            (1662.3108939062977, 290.31896371798047, 0.05999967537233814),
        ),
        (
            (1520.0, 350.0, 0.06),
            &[(1420.0, 350.0, 1.0)],
            0.5,
            (1652.9384672251656, 291.9748928608564, 0.059999466487748024),
        ),
        (
            (1420.0, 350.0, 0.06),
            &[(1520.0, 350.0, 0.0)],
            0.5,
            (1287.0615327748344, 291.9748928608564, 0.059999466487748024),
        ),
        (
            (1600.0, 350.0, 0.06),
            &[(1500.0, 50.0, 0.5)],
            0.5,
            (1549.6082697140596, 253.04363453298132, 0.05999848140528536),
        ),
        (
            (1500.0, 50.0, 0.06),
            &[(1600.0, 350.0, 0.5)],
            0.5,
            (1500.9467906004045, 50.83834395660728, 0.05999861102510097),
        ),
        (
            (1500.0, 200.0, 0.06),
            paper,
            0.3,
            (1464.0506657650287, 151.5165341849791, 0.05999855422011787),
        ),
        (
            (1500.0, 200.0, 0.06),
            paper,
            1.2,
            (1464.050706021675, 151.51644934962155, 0.059976881116227405),
        ),
        // A big upset: the volatility rises.
        (
            (2000.0, 80.0, 0.09),
            &[(1500.0, 100.0, 0.0)],
            0.5,
            (1966.131630796936, 81.0553347802294, 0.0900334287305949),
        ),
    ];
    for &((pr, pd, pv), games, tau, expected) in cases {
        let games: Vec<(Rating, f64)> = games.iter().map(|&(a, b, s)| (r(a, b, 0.06), s)).collect();
        let config = Glicko2::new(tau).unwrap();
        let got = glicko2_rating_period(&r(pr, pd, pv), &games, &config).unwrap();
        assert_close(got, expected, 1e-7, &format!("{pr}/{pd}/{pv} τ={tau}"));
    }
}

#[test]
fn one_game_helper_equals_a_one_game_period() {
    let config = Glicko2::default();
    let a = r(1620.0, 120.0, 0.05);
    let b = r(1480.0, 260.0, 0.07);
    for outcome in [Outcome::Win, Outcome::Draw, Outcome::Loss] {
        let (na, nb) = glicko2(&a, &b, outcome, &config);
        let pa = glicko2_rating_period(&a, &[(b, outcome.score())], &config).unwrap();
        let pb = glicko2_rating_period(&b, &[(a, outcome.reversed().score())], &config).unwrap();
        assert_eq!((na, nb), (pa, pb));
        let via_trait = config.rate_teams(&[a], &[b], outcome).unwrap();
        assert_eq!((via_trait.0[0], via_trait.1[0]), (na, nb));
    }
}

#[test]
fn idle_grows_the_deviation_step_6() {
    let config = Glicko2::default();
    let player = r(1500.0, 50.0, 0.06);
    let once = config.idle(player);
    assert!((once.deviation() - 51.07485043083948).abs() < 1e-9);
    assert_eq!(
        (once.rating(), once.volatility(), once.games()),
        (1500.0, 0.06, 0)
    );
    let mut stepwise = player;
    for _ in 0..25 {
        stepwise = config.idle(stepwise);
    }
    let closed = config.idle_periods(player, 25);
    assert!((stepwise.deviation() - closed.deviation()).abs() < 1e-9);
    assert_eq!(config.idle_periods(player, 0), player);
    // An empty period is an idle period.
    assert_eq!(glicko2_rating_period(&player, &[], &config).unwrap(), once);
}

#[test]
fn deviation_cap_stops_growth_but_never_lowers() {
    let config = Glicko2::default().with_max_deviation(350.0).unwrap();
    assert_eq!(
        config
            .idle_periods(r(1500.0, 340.0, 0.06), 1000)
            .deviation(),
        350.0
    );
    assert_eq!(config.idle(r(1500.0, 400.0, 0.06)).deviation(), 400.0);
    // Without a cap, deviation keeps growing (the paper has no cap).
    assert!(
        Glicko2::default()
            .idle_periods(r(1500.0, 340.0, 0.06), 1000)
            .deviation()
            > 400.0
    );
}

#[test]
fn tau_zero_keeps_volatility() {
    let config = Glicko2::new(0.0).unwrap();
    let (a, b) = glicko2(
        &r(2000.0, 80.0, 0.09),
        &r(1500.0, 100.0, 0.06),
        Outcome::Loss,
        &config,
    );
    assert_eq!((a.volatility(), b.volatility()), (0.09, 0.06));
    assert!(a.rating() < 2000.0 && b.rating() > 1500.0);
}

#[test]
fn tau_zero_keeps_even_a_huge_volatility_finite() {
    // τ = 0 returns σ as it is; Step 6 must still not square 1e300.
    let config = Glicko2::new(0.0).unwrap();
    let wild = r(1500.0, 100.0, 1e300);
    let (a, b) = glicko2(&wild, &r(1500.0, 100.0, 0.06), Outcome::Win, &config);
    assert_eq!(a.volatility(), 1e300);
    assert!(a.rating().is_finite() && a.deviation().is_finite() && a.rating() > 1500.0);
    assert!(b.rating() < 1500.0);
}

#[test]
fn team_games_use_the_composite_opponent() {
    // Team a = [1400/50, 1600/350] beats b = [1500/100]. Every player of a plays
    // 1500/100; b plays the composite 1500/RMS(50, 350) = 1500/250.
    let a = [r(1400.0, 50.0, 0.06), r(1600.0, 350.0, 0.06)];
    let b = [r(1500.0, 100.0, 0.06)];
    let out = Glicko2::default().rate(&[&a, &b], &[1, 2]).unwrap();
    assert_close(
        out[0][0],
        (1408.9096203809622, 50.61572753442944, 0.060001956977539156),
        1e-7,
        "a0",
    );
    assert_close(
        out[0][1],
        (1732.6749239098783, 256.9768045564848, 0.05999894395400741),
        1e-7,
        "a1",
    );
    assert_close(
        out[1][0],
        (1478.3217681358055, 98.05377861171816, 0.059999903713293376),
        1e-7,
        "b",
    );
}

#[test]
fn free_for_all_plays_one_game_per_other_team() {
    let config = Glicko2::default();
    let p = [Rating::default()];
    let out = config.rate(&[&p, &p, &p], &[1, 2, 3]).unwrap();
    let winner = glicko2_rating_period(&p[0], &[(p[0], 1.0), (p[0], 1.0)], &config).unwrap();
    assert_eq!(out[0][0], winner.with_games(1));
    assert!((out[1][0].rating() - 1500.0).abs() < 1e-9);
    assert_eq!(out[2][0].games(), 1); // one match, however many teams
    let probabilities = config.win_probabilities(&[&p, &p, &p]).unwrap();
    assert!(probabilities.iter().all(|q| (q - 1.0 / 3.0).abs() < 1e-12));
}

#[test]
fn advantage_shifts_predictions_and_updates() {
    let config = Glicko2::default().with_advantage(100.0).unwrap();
    let a = r(1500.0, 100.0, 0.06);
    let b = r(1600.0, 100.0, 0.06);
    // With 100 points of advantage, equal strength.
    assert_eq!(config.win_probability(&[a], &[b]).unwrap(), 0.5);
    let p = config.win_probabilities(&[&[a], &[b]]).unwrap();
    assert!((p[0] - 0.5).abs() < 1e-12);
    // Same as a 1600 playing a 1600 without advantage.
    let (na, _) = glicko2(&a, &b, Outcome::Win, &config);
    let (reference, _) = glicko2(
        &r(1600.0, 100.0, 0.06),
        &b,
        Outcome::Win,
        &Glicko2::default(),
    );
    assert!((na.rating() - (reference.rating() - 100.0)).abs() < 1e-9);
}

#[test]
fn extreme_inputs_stay_finite() {
    let config = Glicko2::default();
    let cases = [
        (r(1e12, 350.0, 0.06), r(-1e12, 350.0, 0.06)),
        (r(f64::MAX, f64::MAX, f64::MAX), r(-f64::MAX, 0.0, 0.0)),
        (r(1500.0, 0.0, 0.0), r(1500.0, 0.0, 0.0)),
        (r(1500.0, 1e300, 1e-300), r(1400.0, 1e-300, 1e300)),
    ];
    for (a, b) in cases {
        for outcome in [Outcome::Win, Outcome::Draw, Outcome::Loss] {
            let (na, nb) = glicko2(&a, &b, outcome, &config);
            for x in [na, nb] {
                assert!(
                    x.rating().is_finite()
                        && x.deviation().is_finite()
                        && x.volatility().is_finite(),
                    "{a:?} {b:?} {outcome:?} -> {x:?}"
                );
            }
            let p = config.win_probability(&[a], &[b]).unwrap();
            assert!((0.0..=1.0).contains(&p));
        }
    }
}

#[test]
fn rejects_bad_configs_and_scores() {
    assert!(Glicko2::new(-0.1).is_err());
    assert!(Glicko2::new(f64::NAN).is_err());
    assert!(Glicko2::default().with_convergence_tolerance(0.0).is_err());
    assert!(Glicko2::default().with_max_deviation(-1.0).is_err());
    assert!(
        Glicko2::default()
            .with_advantage(f64::NEG_INFINITY)
            .is_err()
    );
    let p = Rating::default();
    for bad in [1.5, -0.1, f64::NAN] {
        assert!(glicko2_rating_period(&p, &[(p, bad)], &Glicko2::default()).is_err());
    }
    assert!(Glicko2::default().rate(&[&[p], &[]], &[1, 2]).is_err());
    assert!(Glicko2::default().rate(&[&[p], &[p]], &[1, 2, 3]).is_err());
}

#[test]
fn serde_round_trip_validates() {
    let config = Glicko2::new(0.3)
        .unwrap()
        .with_max_deviation(350.0)
        .unwrap();
    let json = serde_json::to_string(&config).unwrap();
    assert_eq!(serde_json::from_str::<Glicko2>(&json).unwrap(), config);
    assert_eq!(
        serde_json::from_str::<Glicko2>("{}").unwrap(),
        Glicko2::default()
    );
    assert!(serde_json::from_str::<Glicko2>(r#"{"tau": -1}"#).is_err());
    assert!(serde_json::from_str::<Glicko2>(r#"{"tua": 1}"#).is_err());
}

#[test]
fn two_teams_first_place_is_exactly_the_win_probability() {
    let g = Glicko2::default();
    for (a, b) in [(9000.0, 1000.0), (1500.0, 1400.0), (1000.0, 9000.0)] {
        let a = [Rating::new(a, 30.0, 0.06).unwrap()];
        let b = [Rating::new(b, 30.0, 0.06).unwrap()];
        let p = g.win_probability(&a, &b).unwrap();
        let first = g.win_probabilities(&[&a, &b]).unwrap();
        assert_eq!(first, [p, 1.0 - p]);
    }
}
