//! Unit tests of Weng-Lin (a separate file to keep weng_lin.rs readable).

use super::*;

fn r(mu: f64, sigma: f64) -> Rating {
    Rating::new(mu, sigma, 0.06).unwrap()
}

fn no_tau(model: WengLinModel) -> WengLin {
    WengLin::new(model).with_tau(0.0).unwrap()
}

const D: (f64, f64) = (25.0, 25.0 / 3.0);

/// (model, teams as (μ, σ), ranks, expected (μ, σ) per player, tolerance).
/// Expected values: OpenSkill's published vectors where the brief gives them, the
/// rest from an independent transcription of OpenSkill's algorithms (Python).
type Case = (
    WengLinModel,
    Vec<Vec<(f64, f64)>>,
    Vec<u32>,
    Vec<Vec<(f64, f64)>>,
    f64,
);

fn cases() -> Vec<Case> {
    use WengLinModel::{BradleyTerryFull as Bt, PlackettLuce as Pl};
    let win = vec![
        vec![(27.63523138347365, 8.065506316323548)],
        vec![(22.36476861652635, 8.065506316323548)],
    ];
    let w2 = (26.964185503295965, 8.17755635771097);
    let l2 = (23.035814496704035, 8.17755635771097);
    vec![
        (Pl, vec![vec![D], vec![D]], vec![1, 2], win.clone(), 1e-12),
        (Bt, vec![vec![D], vec![D]], vec![1, 2], win, 1e-12),
        (
            Pl,
            vec![vec![D, D], vec![D, D]],
            vec![1, 2],
            vec![vec![w2, w2], vec![l2, l2]],
            1e-12,
        ),
        (
            Bt,
            vec![vec![D, D], vec![D, D]],
            vec![1, 2],
            vec![vec![w2, w2], vec![l2, l2]],
            1e-12,
        ),
        (
            Pl,
            vec![vec![D], vec![D], vec![D], vec![D]],
            vec![4, 1, 3, 2],
            vec![
                vec![(20.963, 8.084)],
                vec![(27.795, 8.263)],
                vec![(24.689, 8.084)],
                vec![(26.553, 8.179)],
            ],
            5e-4,
        ),
        (
            Bt,
            vec![vec![D], vec![D], vec![D], vec![D]],
            vec![4, 1, 3, 2],
            vec![
                vec![(17.09430584957905, 7.5012190693964005)],
                vec![(32.90569415042095, 7.5012190693964005)],
                vec![(22.36476861652635, 7.5012190693964005)],
                vec![(27.63523138347365, 7.5012190693964005)],
            ],
            1e-12,
        ),
        // Ties.
        (
            Pl,
            vec![vec![D], vec![D]],
            vec![1, 1],
            vec![
                vec![(25.0, 8.065506316323548)],
                vec![(25.0, 8.065506316323548)],
            ],
            1e-12,
        ),
        (
            Pl,
            vec![vec![D], vec![D], vec![D]],
            vec![1, 1, 2],
            vec![
                vec![(25.717219138186557, 8.204837030780652)],
                vec![(25.717219138186557, 8.204837030780652)],
                vec![(23.56556172362688, 8.204837030780652)],
            ],
            1e-12,
        ),
        (
            Bt,
            vec![vec![D], vec![D], vec![D]],
            vec![1, 1, 2],
            vec![
                vec![(27.63523138347365, 7.788474807872567)],
                vec![(27.63523138347365, 7.788474807872567)],
                vec![(19.7295372330527, 7.788474807872567)],
            ],
            1e-12,
        ),
        // Uneven teams, three of them.
        (
            Pl,
            vec![
                vec![(30.0, 5.0), (20.0, 3.0)],
                vec![(25.0, 6.0)],
                vec![(22.0, 2.0), (21.0, 1.0), (28.0, 4.0)],
            ],
            vec![2, 1, 3],
            vec![
                vec![
                    (31.47961660111687, 4.946610625093001),
                    (20.532661976402075, 2.988507451094321),
                ],
                vec![(27.955727887199306, 5.99334113530519)],
                vec![
                    (21.43484713413249, 1.9971942123597621),
                    (20.85871178353312, 0.9996494611201009),
                    (25.739388536529958, 3.977506197372078),
                ],
            ],
            1e-12,
        ),
        (
            Bt,
            vec![
                vec![(30.0, 5.0), (20.0, 3.0)],
                vec![(25.0, 6.0)],
                vec![(22.0, 2.0), (21.0, 1.0), (28.0, 4.0)],
            ],
            vec![2, 1, 3],
            vec![
                vec![
                    (30.13238192156575, 4.936596989349187),
                    (20.04765749176367, 2.9863607757015207),
                ],
                vec![(31.964979435088907, 5.949352460466785)],
                vec![
                    (21.204932288650713, 1.9979198932632123),
                    (20.801233072162677, 0.9997400880946784),
                    (24.819729154602854, 3.983333076501407),
                ],
            ],
            1e-12,
        ),
        // Uneven teams with a tie between two of them (the first and third,
        // ranked 2 behind the second): openskill 6.2.0's `rate`, τ = 0.
        (
            Pl,
            vec![
                vec![(30.0, 5.0), (20.0, 3.0)],
                vec![(25.0, 6.0)],
                vec![(22.0, 2.0), (21.0, 1.0), (28.0, 4.0)],
                vec![(26.0, 3.0)],
            ],
            vec![2, 1, 2, 3],
            vec![
                vec![
                    (30.345679981499533, 4.955388237484934),
                    (20.124444793339833, 2.99039146048019),
                ],
                vec![(27.701517470736754, 5.993346937352313)],
                vec![
                    (21.66008181857278, 1.9973713794251946),
                    (20.915020454643194, 0.9996715844261962),
                    (26.64032727429112, 3.97892935820058),
                ],
                vec![(25.964991747187224, 2.9990936768331604)],
            ],
            1e-12,
        ),
        (
            Bt,
            vec![
                vec![(30.0, 5.0), (20.0, 3.0)],
                vec![(25.0, 6.0)],
                vec![(22.0, 2.0), (21.0, 1.0), (28.0, 4.0)],
                vec![(26.0, 3.0)],
            ],
            vec![2, 1, 2, 3],
            vec![
                vec![
                    (28.987606584395607, 4.9053256489976),
                    (19.63553837038242, 2.979675095721629),
                ],
                vec![(34.093717724380255, 5.715969442718583)],
                vec![
                    (21.417920554908456, 1.9977896993945887),
                    (20.854480138727112, 0.9997238269581981),
                    (25.67168221963382, 3.9822881523207165),
                ],
                vec![(25.400710949978496, 2.9820590971534324)],
            ],
            1e-12,
        ),
    ]
}

#[test]
fn reference_vectors() {
    for (model, teams, ranks, expected, tolerance) in cases() {
        let teams: Vec<Vec<Rating>> = teams
            .iter()
            .map(|t| t.iter().map(|&(m, s)| r(m, s)).collect())
            .collect();
        let refs: Vec<&[Rating]> = teams.iter().map(Vec::as_slice).collect();
        let got = no_tau(model).rate(&refs, &ranks).unwrap();
        for (team, (got_team, expected_team)) in got.iter().zip(&expected).enumerate() {
            for (player, (g, &(mu, sigma))) in got_team.iter().zip(expected_team).enumerate() {
                assert!(
                    (g.rating() - mu).abs() < tolerance
                        && (g.deviation() - sigma).abs() < tolerance,
                    "{model:?} {ranks:?} team {team} player {player}: got {g:?}, expected ({mu}, {sigma})"
                );
                assert_eq!(g.games(), 1);
            }
        }
    }
}

#[test]
fn one_v_one_helper_matches_rate() {
    for config in [WengLin::default(), no_tau(WengLinModel::BradleyTerryFull)] {
        let a = r(31.0, 4.0);
        let b = r(24.0, 7.5);
        for outcome in [Outcome::Win, Outcome::Draw, Outcome::Loss] {
            let fast = weng_lin_1v1(&a, &b, outcome, &config);
            let general = weng_lin(&[&[a], &[b]], &outcome.ranks(), &config).unwrap();
            assert_eq!(fast, (general[0][0], general[1][0]));
        }
    }
}

#[test]
fn dynamics_factor_is_added_before_the_update() {
    // OpenSkill with its default τ = 25/300.
    let (a, b) = weng_lin_1v1(
        &r(D.0, D.1),
        &r(D.0, D.1),
        Outcome::Win,
        &WengLin::default(),
    );
    assert!((a.rating() - 27.635389493140497).abs() < 1e-12);
    assert!((a.deviation() - 8.06590141354368).abs() < 1e-12);
    assert!((b.rating() - 22.364610506859503).abs() < 1e-12);
}

#[test]
fn predict_win_matches_openskill() {
    let wl = WengLin::default();
    let p = wl
        .win_probability(&[r(30.0, 5.0)], &[r(25.0, 6.0)])
        .unwrap();
    assert!((p - 0.695342069962909).abs() < 1e-12);
    let p = wl
        .win_probability(&[r(30.0, 5.0), r(20.0, 3.0)], &[r(25.0, 6.0), r(24.0, 2.0)])
        .unwrap();
    assert!((p - 0.5332708450308011).abs() < 1e-12);
    let both = wl
        .win_probabilities(&[&[r(30.0, 5.0)], &[r(25.0, 6.0)]])
        .unwrap();
    assert!((both[0] - 0.695342069962909).abs() < 1e-12 && (both[0] + both[1] - 1.0).abs() < 1e-15);
}

#[test]
fn plackett_luce_first_place_probabilities() {
    let teams = [[r(30.0, 5.0)], [r(25.0, 6.0)], [r(20.0, 2.0)]];
    let refs: Vec<&[Rating]> = teams.iter().map(|t| t.as_slice()).collect();
    let p = WengLin::default().win_probabilities(&refs).unwrap();
    let expected = [0.4933816388839022, 0.31081483765318385, 0.19580352346291402];
    for (got, want) in p.iter().zip(expected) {
        assert!((got - want).abs() < 1e-12, "{p:?}");
    }
    let bt = no_tau(WengLinModel::BradleyTerryFull)
        .win_probabilities(&refs)
        .unwrap();
    assert!((bt.iter().sum::<f64>() - 1.0).abs() < 1e-12 && bt[0] > bt[1] && bt[1] > bt[2]);
}

#[test]
fn advantage_is_added_to_the_first_team() {
    let wl = WengLin::default().with_advantage(5.0).unwrap();
    let p = wl
        .win_probability(&[r(20.0, 5.0)], &[r(25.0, 5.0)])
        .unwrap();
    assert_eq!(p, 0.5);
    let (a, b) = weng_lin_1v1(&r(20.0, 5.0), &r(25.0, 5.0), Outcome::Draw, &wl);
    assert!((a.rating() - 20.0).abs() < 1e-12 && (b.rating() - 25.0).abs() < 1e-12);
}

#[test]
fn degenerate_and_extreme_inputs_stay_finite() {
    let cases: Vec<(WengLin, Vec<Vec<Rating>>)> = vec![
        // σ = 0 everywhere and τ = 0: nothing to learn, nothing changes.
        (
            no_tau(WengLinModel::PlackettLuce),
            vec![vec![r(25.0, 0.0)], vec![r(25.0, 0.0)], vec![r(20.0, 0.0)]],
        ),
        (
            no_tau(WengLinModel::BradleyTerryFull),
            vec![vec![r(25.0, 0.0), r(30.0, 0.0)], vec![r(25.0, 0.0)]],
        ),
        // Huge gaps: exp would overflow without the max shift.
        (
            WengLin::default(),
            vec![
                vec![r(1e300, 8.0)],
                vec![r(-1e300, 8.0)],
                vec![r(0.0, 1e300)],
            ],
        ),
        (
            no_tau(WengLinModel::BradleyTerryFull),
            vec![
                vec![r(f64::MAX, f64::MAX)],
                vec![r(-f64::MAX, 0.0)],
                vec![r(1e6, 1e-300)],
            ],
        ),
        (
            WengLin::default(),
            vec![
                vec![r(f64::MAX, 1.0), r(f64::MAX, 1.0)],
                vec![r(-f64::MAX, 1.0)],
            ],
        ),
    ];
    for (config, teams) in cases {
        let refs: Vec<&[Rating]> = teams.iter().map(Vec::as_slice).collect();
        for ranks in [vec![1, 2, 3], vec![3, 2, 1], vec![1, 1, 1]] {
            let ranks = &ranks[..refs.len()];
            let out = config.rate(&refs, ranks).unwrap();
            for p in out.iter().flatten() {
                assert!(
                    p.rating().is_finite() && p.deviation().is_finite(),
                    "{config:?} {ranks:?} -> {p:?}"
                );
            }
            let probabilities = config.win_probabilities(&refs).unwrap();
            assert!(
                probabilities.iter().all(|p| (0.0..=1.0).contains(p)),
                "{probabilities:?}"
            );
        }
    }
    let zero = no_tau(WengLinModel::PlackettLuce);
    let out = zero
        .rate(&[&[r(25.0, 0.0)], &[r(20.0, 0.0)]], &[2, 1])
        .unwrap();
    assert_eq!((out[0][0].rating(), out[0][0].deviation()), (25.0, 0.0));
}

#[test]
fn extreme_but_valid_parameters_stay_finite() {
    // β whose square is 0 (with σ = τ = 0, c would be 0), τ whose square is ∞,
    // an advantage of f64::MAX: each once gave NaN.
    let configs = [
        no_tau(WengLinModel::PlackettLuce)
            .with_beta(1e-200)
            .unwrap(),
        no_tau(WengLinModel::BradleyTerryFull)
            .with_beta(5e-324)
            .unwrap(),
        WengLin::default().with_tau(1e200).unwrap(),
        WengLin::new(WengLinModel::BradleyTerryFull)
            .with_tau(f64::MAX)
            .unwrap(),
        no_tau(WengLinModel::PlackettLuce)
            .with_beta(0.1)
            .unwrap()
            .with_advantage(f64::MAX)
            .unwrap(),
    ];
    let teams = [
        vec![r(25.0, 0.0), r(20.0, 0.0)],
        vec![r(27.0, 0.0)],
        vec![r(25.0, 0.0)],
    ];
    for config in configs {
        for n in [2, 3] {
            let refs: Vec<&[Rating]> = teams[..n].iter().map(Vec::as_slice).collect();
            let out = config.rate(&refs, &[1, 2, 2][..n]).unwrap();
            assert!(
                out.iter()
                    .flatten()
                    .all(|p| p.rating().is_finite() && p.deviation().is_finite()),
                "{config:?}: {out:?}"
            );
            let p = config.win_probabilities(&refs).unwrap();
            assert!(
                p.iter().all(|x| (0.0..=1.0).contains(x)),
                "{config:?}: {p:?}"
            );
        }
        let p = config.win_probability(&teams[0], &teams[1]).unwrap();
        assert!((0.0..=1.0).contains(&p), "{config:?}: {p}");
    }
}

#[test]
fn rejects_bad_configs() {
    assert!(WengLin::default().with_beta(0.0).is_err());
    assert!(WengLin::default().with_tau(-0.1).is_err());
    assert!(WengLin::default().with_sigma(f64::NAN).is_err());
    assert!(WengLin::default().with_kappa(0.0).is_err());
    assert!(WengLin::default().with_kappa(1.5).is_err());
    assert!("xx".parse::<WengLinModel>().is_err());
    assert_eq!(
        "BT".parse::<WengLinModel>().unwrap(),
        WengLinModel::BradleyTerryFull
    );
    assert_eq!(WengLinModel::PlackettLuce.to_string(), "pl");
    let p = r(25.0, 8.0);
    assert!(weng_lin(&[&[p]], &[1], &WengLin::default()).is_err());
    assert!(weng_lin(&[&[p], &[]], &[1, 2], &WengLin::default()).is_err());
    assert!(weng_lin(&[&[p], &[p]], &[1], &WengLin::default()).is_err());
}

#[test]
fn serde_round_trip_validates() {
    let wl = WengLin::new(WengLinModel::BradleyTerryFull)
        .with_beta(3.0)
        .unwrap();
    let json = serde_json::to_string(&wl).unwrap();
    assert!(json.contains(r#""model":"bradley_terry_full""#), "{json}");
    assert_eq!(serde_json::from_str::<WengLin>(&json).unwrap(), wl);
    assert_eq!(
        serde_json::from_str::<WengLin>("{}").unwrap(),
        WengLin::default()
    );
    assert!(serde_json::from_str::<WengLin>(r#"{"beta": 0}"#).is_err());
    let json = serde_json::to_string(&WengLin::default()).unwrap();
    assert!(!json.contains("limit_sigma"), "off is not written: {json}");
    let limited = WengLin::default().with_limit_sigma(true);
    let json = serde_json::to_string(&limited).unwrap();
    assert!(json.contains(r#""limit_sigma":true"#), "{json}");
    assert_eq!(serde_json::from_str::<WengLin>(&json).unwrap(), limited);
    assert_eq!(
        serde_json::from_str::<WengLin>(r#"{"limit_sigma": true}"#).unwrap(),
        limited
    );
}

#[test]
fn limit_sigma_holds_sigma_to_its_value_before_the_match() {
    // A large τ, so the dynamics outweigh what most results teach: without
    // the limit several players leave these games less certain than they
    // came. With it each σ is min(σ', σ) (OpenSkill's rule) and μ is the same.
    for model in [WengLinModel::PlackettLuce, WengLinModel::BradleyTerryFull] {
        let free = WengLin::new(model).with_tau(3.0).unwrap();
        let limited = free.clone().with_limit_sigma(true);
        assert!(limited.limit_sigma() && !free.limit_sigma());
        let teams: [&[Rating]; 3] = [
            &[r(40.0, 1.0), r(25.0, 8.0)],
            &[r(20.0, 2.0)],
            &[r(10.0, 0.5), r(30.0, 6.0)],
        ];
        let mut raised = 0;
        for ranks in [[1, 2, 3], [3, 2, 1], [1, 1, 2], [2, 1, 2]] {
            let a = weng_lin(&teams, &ranks, &free).unwrap();
            let b = weng_lin(&teams, &ranks, &limited).unwrap();
            for ((team, a), b) in teams.iter().zip(&a).zip(&b) {
                for ((before, a), b) in team.iter().zip(a).zip(b) {
                    assert_eq!(a.rating(), b.rating(), "{model:?} {ranks:?}");
                    assert_eq!(
                        b.deviation(),
                        a.deviation().min(before.deviation()),
                        "{model:?} {ranks:?}"
                    );
                    raised += usize::from(a.deviation() > before.deviation());
                }
            }
        }
        assert!(raised > 0, "{model:?}: the case needs σ that τ raises");
        // 1v1, both the fast path and the general one.
        let (fav, dog) = (r(40.0, 1.0), r(25.0, 8.0));
        let (a, c) = weng_lin_1v1(&fav, &dog, Outcome::Win, &free);
        let (b, d) = weng_lin_1v1(&fav, &dog, Outcome::Win, &limited);
        assert!(a.deviation() > 1.0);
        assert_eq!((b.rating(), b.deviation()), (a.rating(), 1.0));
        assert_eq!(
            (d.rating(), d.deviation()),
            (c.rating(), c.deviation().min(8.0))
        );
        let general = weng_lin(&[&[fav], &[dog]], &[1, 2], &limited).unwrap();
        assert_eq!((general[0][0], general[1][0]), (b, d));
    }
}
