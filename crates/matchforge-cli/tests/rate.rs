//! End-to-end tests of `matchforge rate`, running the built binary.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A scratch directory unique to one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("matchforge-rate-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        fs::write(&path, contents).unwrap();
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn rate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_matchforge"))
        .arg("rate")
        .args(args)
        .output()
        .unwrap()
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs `rate` expecting success; returns the --json summary.
fn summary(args: &[&str]) -> Value {
    let out = rate(&[args, &["--json"]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs `rate` expecting failure; returns stderr.
fn failure(args: &[&str]) -> String {
    let out = rate(args);
    assert!(
        !out.status.success(),
        "unexpected success: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stdout.is_empty());
    String::from_utf8(out.stderr).unwrap()
}

fn ratings(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn close(value: &Value, expected: f64, tolerance: f64) -> bool {
    (value.as_f64().unwrap() - expected).abs() < tolerance
}

#[test]
fn glicko2_period_reproduces_the_paper() {
    let dir = Scratch::new("paper");
    let input = dir.file(
        "games.jsonl",
        concat!(
            "{\"teams\": [[\"player\"], [\"a\"]], \"ranks\": [1, 2], \"period\": 1}\n",
            "{\"teams\": [[\"b\"], [\"player\"]], \"ranks\": [1, 2], \"period\": 1}\n",
            "{\"teams\": [[\"player\"], [\"c\"]], \"ranks\": [2, 1], \"period\": 1}\n",
        ),
    );
    let initial = dir.file(
        "initial.json",
        r#"{"player": {"rating": 1500, "deviation": 200, "volatility": 0.06},
            "a": {"rating": 1400, "deviation": 30, "volatility": 0.06},
            "b": {"rating": 1550, "deviation": 100, "volatility": 0.06},
            "c": {"rating": 1700, "deviation": 300, "volatility": 0.06}}"#,
    );
    let output = dir.path("out.json");
    let s = summary(&[
        "--algorithm",
        "glicko2",
        "--input",
        arg(&input),
        "--initial",
        arg(&initial),
        "--output",
        arg(&output),
    ]);
    assert_eq!(
        (
            s["algorithm"].as_str(),
            s["matches"].as_u64(),
            s["players"].as_u64()
        ),
        (Some("glicko2"), Some(3), Some(4))
    );
    let player = &ratings(&output)["player"];
    assert!(close(&player["rating"], 1464.0506705, 1e-6), "{player}");
    assert!(close(&player["deviation"], 151.5165241, 1e-6), "{player}");
    assert!(close(&player["volatility"], 0.0599959843, 1e-6), "{player}");
    assert_eq!(player["games"], 3);
}

#[test]
fn idle_periods_grow_glicko2_deviations_once_per_period() {
    let dir = Scratch::new("idle");
    // alice is known from the initial file and never plays; dan plays in
    // periods 1 and 4 and sits out 2 and 3; bob and carol play in 1 and 4.
    let input = dir.file(
        "games.jsonl",
        concat!(
            "{\"teams\": [[\"bob\"], [\"carol\"]], \"ranks\": [1, 2], \"period\": 1}\n",
            "{\"teams\": [[\"dan\"], [\"erin\"]], \"ranks\": [1, 1], \"period\": 1}\n",
            "{\"teams\": [[\"bob\"], [\"dan\"]], \"ranks\": [1, 1], \"period\": 4}\n",
            "{\"teams\": [[\"carol\"], [\"frank\"]], \"ranks\": [1, 1], \"period\": 4}\n",
        ),
    );
    let initial = dir.file(
        "initial.json",
        r#"{"alice": {"rating": 1500, "deviation": 50, "volatility": 0.06}}"#,
    );
    let output = dir.path("out.json");
    summary(&[
        "--algorithm",
        "glicko2",
        "--input",
        arg(&input),
        "--initial",
        arg(&initial),
        "--output",
        arg(&output),
    ]);
    let out = ratings(&output);
    let step = 0.06 * 173.7178;
    // Periods 1, 2, 3 and 4: four idle periods.
    assert!(
        close(
            &out["alice"]["deviation"],
            (50.0_f64.powi(2) + 4.0 * step * step).sqrt(),
            1e-9
        ),
        "{out}"
    );
    // erin played in period 1, then sat out 2, 3 and 4.
    assert_eq!(out["erin"]["games"], 1);
    assert!(out["erin"]["deviation"].as_f64().unwrap() > out["bob"]["deviation"].as_f64().unwrap());
    // The names come out sorted.
    let names: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(names, ["alice", "bob", "carol", "dan", "erin", "frank"]);
}

#[test]
fn elo_rates_a_period_from_its_start_ratings() {
    let dir = Scratch::new("elo-period");
    let two_wins = "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2], \"period\": 1}\n".repeat(2);
    let input = dir.file("games.jsonl", &two_wins);
    let output = dir.path("out.json");
    let s = summary(&[
        "--algorithm",
        "elo",
        "--input",
        arg(&input),
        "--output",
        arg(&output),
    ]);
    // Both games use the period-start ratings (1500 vs 1500), so both predictions
    // are exactly ½ (half right each) and a gains 16 twice.
    assert_eq!(s["predictions"]["decisive"], 2);
    assert_eq!(s["predictions"]["accuracy"], 0.5);
    assert!(close(
        &s["predictions"]["log_loss"],
        std::f64::consts::LN_2,
        1e-12
    ));
    assert!(close(&s["predictions"]["brier"], 0.25, 1e-12));
    let out = ratings(&output);
    assert_eq!(
        (out["a"]["rating"].as_f64(), out["b"]["rating"].as_f64()),
        (Some(1532.0), Some(1468.0))
    );
    assert_eq!(out["a"]["games"], 2);

    // Without periods, games are rated one after the other.
    let sequential = dir.file("sequential.jsonl", &two_wins.replace(", \"period\": 1", ""));
    let s = summary(&[
        "--algorithm",
        "elo",
        "--input",
        arg(&sequential),
        "--output",
        arg(&output),
    ]);
    let p: f64 = 1.0 / (1.0 + 10_f64.powf(-32.0 / 400.0));
    assert!(close(&s["predictions"]["accuracy"], 0.75, 1e-12));
    assert!(close(
        &s["predictions"]["log_loss"],
        (std::f64::consts::LN_2 - p.ln()) / 2.0,
        1e-12
    ));
    assert!(close(
        &ratings(&output)["a"]["rating"],
        1516.0 + 32.0 * (1.0 - p),
        1e-9
    ));
}

#[test]
fn weng_lin_free_for_all_matches_openskill() {
    let dir = Scratch::new("ffa");
    let input = dir.file(
        "games.jsonl",
        "{\"teams\": [[\"a\"], [\"b\"], [\"c\"], [\"d\"]], \"ranks\": [4, 1, 3, 2]}\n",
    );
    let output = dir.path("out.json");
    for model in ["pl", "bt"] {
        let s = summary(&[
            "--algorithm",
            "weng-lin",
            "--model",
            model,
            "--tau",
            "0",
            "--input",
            arg(&input),
            "--output",
            arg(&output),
        ]);
        assert_eq!(s["predictions"]["decisive"], 0);
        assert!(s["predictions"]["accuracy"].is_null());
        let out = ratings(&output);
        if model == "pl" {
            for (name, mu) in [("a", 20.963), ("b", 27.795), ("c", 24.689), ("d", 26.553)] {
                assert!(close(&out[name]["rating"], mu, 5e-4), "{name}: {out}");
            }
        } else {
            assert!(close(&out["b"]["rating"], 32.90569415042095, 1e-9), "{out}");
        }
    }
}

#[test]
fn limit_sigma_keeps_weng_lin_deviations_from_rising() {
    let dir = Scratch::new("limit");
    let input = dir.file(
        "games.jsonl",
        "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2]}\n",
    );
    let output = dir.path("out.json");
    let sigma = |limit: bool| {
        let mut args = vec![
            "--algorithm",
            "weng-lin",
            "--tau",
            "5",
            "--input",
            arg(&input),
            "--output",
            arg(&output),
        ];
        if limit {
            args.push("--limit-sigma");
        }
        summary(&args);
        let out = ratings(&output);
        (out["a"]["deviation"].clone(), out["b"]["deviation"].clone())
    };
    // τ = 5 adds more variance than one even game takes away.
    let (a, b) = sigma(false);
    assert!(a.as_f64().unwrap() > 25.0 / 3.0 && b.as_f64().unwrap() > 25.0 / 3.0);
    let (a, b) = sigma(true);
    assert!(
        close(&a, 25.0 / 3.0, 1e-12) && close(&b, 25.0 / 3.0, 1e-12),
        "{a} {b}"
    );
}

#[test]
fn csv_and_jsonl_give_the_same_ratings() {
    let dir = Scratch::new("csv");
    let csv = dir.file(
        "games.csv",
        "team_a,team_b,score_a,score_b,time\nann+ben,cat+dan,3,1,2024-05-01T18:00:00Z\ncat+dan,ann+ben,2,2,\nann+ben,cat+dan,0,1,2024-05-03T18:00:00Z\n",
    );
    let jsonl = dir.file(
        "games.txt",
        concat!(
            "{\"teams\": [[\"ann\", \"ben\"], [\"cat\", \"dan\"]], \"ranks\": [1, 2]}\n",
            "{\"teams\": [[\"cat\", \"dan\"], [\"ann\", \"ben\"]], \"ranks\": [1, 1]}\n",
            "{\"teams\": [[\"ann\", \"ben\"], [\"cat\", \"dan\"]], \"ranks\": [2, 1]}\n",
        ),
    );
    for algorithm in ["elo", "glicko2", "weng-lin"] {
        let (a, b) = (dir.path("a.json"), dir.path("b.json"));
        let sa = summary(&[
            "--algorithm",
            algorithm,
            "--input",
            arg(&csv),
            "--output",
            arg(&a),
        ]);
        let sb = summary(&[
            "--algorithm",
            algorithm,
            "--input",
            arg(&jsonl),
            "--output",
            arg(&b),
        ]);
        assert_eq!(ratings(&a), ratings(&b), "{algorithm}");
        assert_eq!(sa["predictions"], sb["predictions"], "{algorithm}");
        assert_eq!(sa["predictions"]["decisive"], 2);
    }
}

#[test]
fn output_round_trips_as_initial() {
    let dir = Scratch::new("round-trip");
    let first = dir.file(
        "first.jsonl",
        "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2]}\n",
    );
    let second = dir.file(
        "second.jsonl",
        "{\"teams\": [[\"b\"], [\"a\"]], \"ranks\": [1, 2]}\n",
    );
    let both = dir.file(
        "both.jsonl",
        &format!(
            "{}{}",
            fs::read_to_string(&first).unwrap(),
            fs::read_to_string(&second).unwrap()
        ),
    );
    for algorithm in ["elo", "glicko2", "weng-lin"] {
        let (mid, end, direct) = (
            dir.path("mid.json"),
            dir.path("end.json"),
            dir.path("direct.json"),
        );
        summary(&[
            "--algorithm",
            algorithm,
            "--input",
            arg(&first),
            "--output",
            arg(&mid),
        ]);
        summary(&[
            "--algorithm",
            algorithm,
            "--input",
            arg(&second),
            "--initial",
            arg(&mid),
            "--output",
            arg(&end),
        ]);
        summary(&[
            "--algorithm",
            algorithm,
            "--input",
            arg(&both),
            "--output",
            arg(&direct),
        ]);
        assert_eq!(ratings(&end), ratings(&direct), "{algorithm}");
        assert_eq!(ratings(&end)["a"]["games"], 2);
    }
}

#[test]
fn score_from_only_scores_later_matches() {
    let dir = Scratch::new("score-from");
    let input = dir.file(
        "games.jsonl",
        concat!(
            "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2], \"time\": \"2024-01-01T00:00:00Z\"}\n",
            "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2], \"time\": \"2024-02-01T00:00:00Z\"}\n",
            "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2]}\n",
        ),
    );
    let s = summary(&[
        "--algorithm",
        "elo",
        "--input",
        arg(&input),
        "--score-from",
        "2024-01-15T00:00:00Z",
    ]);
    assert_eq!(
        (s["matches"].as_u64(), s["predictions"]["decisive"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(s["predictions"]["accuracy"], 1.0);
}

#[test]
fn readable_summary_names_the_figures() {
    let dir = Scratch::new("text");
    let input = dir.file(
        "games.jsonl",
        "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2]}\n",
    );
    let out = rate(&["--algorithm", "weng-lin", "--input", arg(&input)]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "algorithm    weng-lin",
        "matches      1",
        "players      2",
        "accuracy   50.00%",
        "log loss   0.6931",
    ] {
        assert!(text.contains(expected), "{expected:?} not in\n{text}");
    }
}

#[test]
fn bad_input_names_the_line_and_writes_nothing() {
    let dir = Scratch::new("bad");
    let good = "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2], \"period\": 2}\n";
    let output = dir.file("out.json", "previous contents");
    // (input, expected message fragments)
    let cases = [
        (
            format!("{good}\n{{\"teams\": [[\"a\"]], \"ranks\": [1]}}\n"),
            vec!["line 3", "at least two teams"],
        ),
        (
            format!("{good}{{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1]}}\n"),
            vec!["line 2", "1 ranks for 2 teams"],
        ),
        (
            format!("{good}{{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2], \"period\": 1}}\n"),
            vec!["line 2", "period 1 is lower than the previous period 2"],
        ),
        (
            format!("{good}{{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2]\n"),
            vec!["line 2", "invalid match"],
        ),
        (
            format!("{good}{{\"teams\": [[\"a\"], []], \"ranks\": [1, 2]}}\n"),
            vec!["line 2", "team 2 is empty"],
        ),
        (
            "team_a,team_b,score_a,score_b\na,b,1,0\na,b,one,0\n".to_string(),
            vec!["line 3", "score_a \"one\" is not a number"],
        ),
    ];
    for (input, fragments) in cases {
        let path = dir.file("games.txt", &input);
        let err = failure(&[
            "--algorithm",
            "glicko2",
            "--input",
            arg(&path),
            "--output",
            arg(&output),
        ]);
        for fragment in fragments {
            assert!(err.contains(fragment), "{fragment:?} not in {err:?}");
        }
        assert_eq!(fs::read_to_string(&output).unwrap(), "previous contents");
    }
    let entries = fs::read_dir(&dir.0).unwrap().count();
    assert_eq!(entries, 2, "a temporary file was left behind");
}

#[test]
fn bad_flags_and_files_are_rejected() {
    let dir = Scratch::new("flags");
    let input = dir.file(
        "games.jsonl",
        "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2]}\n",
    );
    let i = arg(&input);
    let bad_initial = dir.file(
        "initial.json",
        r#"{"a": {"rating": 1500, "deviation": -1}}"#,
    );
    let twice = dir.file(
        "twice.json",
        r#"{"a": {"rating": 1500}, "b": {"rating": 1500}, "a": {"rating": 1600}}"#,
    );
    // (arguments, expected message fragment)
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--algorithm", "elo", "--tau", "0.5"],
            "--tau does not apply to elo",
        ),
        (
            vec!["--algorithm", "glicko2", "--k", "20"],
            "--k does not apply to glicko2",
        ),
        (
            vec!["--algorithm", "weng-lin", "--initial-rating", "25"],
            "use --mu",
        ),
        (
            vec!["--algorithm", "elo", "--model", "bt"],
            "--model does not apply to elo",
        ),
        (
            vec!["--algorithm", "glicko2", "--limit-sigma"],
            "--limit-sigma does not apply to glicko2",
        ),
        (vec!["--algorithm", "elo", "--k", "0"], "Elo K factor"),
        (vec!["--algorithm", "weng-lin", "--tau=-1"], "Weng-Lin tau"),
        (
            vec!["--algorithm", "elo", "--k-schedule", "10:40,5:20"],
            "strictly increasing",
        ),
        (
            vec!["--algorithm", "elo", "--score-from", "last week"],
            "--score-from",
        ),
        (
            vec!["--algorithm", "elo", "--initial", arg(&bad_initial)],
            "player \"a\"",
        ),
        (
            vec!["--algorithm", "elo", "--initial", arg(&twice)],
            "player \"a\" appears more than once",
        ),
    ];
    for (mut args, fragment) in cases {
        args.extend(["--input", i]);
        let err = failure(&args);
        assert!(
            err.contains(fragment),
            "{args:?}: {fragment:?} not in {err:?}"
        );
    }
    let missing = dir.path("missing.jsonl");
    assert!(failure(&["--algorithm", "elo", "--input", arg(&missing)]).contains("cannot read"));
    let unknown = dir.file("x.txt", "hello\n");
    assert!(
        failure(&["--algorithm", "elo", "--input", arg(&unknown)])
            .contains("cannot tell the input format")
    );
    // Negative advantages are numbers, not flags.
    summary(&["--algorithm", "elo", "--advantage", "-30", "--input", i]);
}

#[test]
fn an_input_without_matches_is_refused_whatever_the_format() {
    let dir = Scratch::new("empty");
    let output = dir.file("out.json", "previous contents");
    // (contents, --format)
    let cases = [
        ("", None),
        ("", Some("jsonl")),
        ("", Some("csv")),
        ("\n  \n", Some("jsonl")),
        ("team_a,team_b,score_a,score_b\n", None),
        ("team_a,team_b,score_a,score_b\r\n\r\n", Some("csv")),
    ];
    for (contents, format) in cases {
        let input = dir.file("games.txt", contents);
        let mut args = vec![
            "--algorithm",
            "elo",
            "--input",
            arg(&input),
            "--output",
            arg(&output),
        ];
        if let Some(format) = format {
            args.extend(["--format", format]);
        }
        let err = failure(&args);
        assert!(
            err.contains("line 1: the input is empty"),
            "{contents:?} {format:?}: {err}"
        );
        assert_eq!(fs::read_to_string(&output).unwrap(), "previous contents");
    }
}

#[test]
fn periods_at_the_ends_of_i64_are_periods_like_any_other() {
    let dir = Scratch::new("extreme-periods");
    // a and b play in the first period, c and d join in the next, a and c
    // meet two periods later, and e plays once without a period.
    let run = |base: i64| {
        let input = dir.file(
            "games.jsonl",
            &format!(
                concat!(
                    "{{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2], \"period\": {}}}\n",
                    "{{\"teams\": [[\"c\"], [\"d\"]], \"ranks\": [2, 1], \"period\": {}}}\n",
                    "{{\"teams\": [[\"a\"], [\"c\"]], \"ranks\": [1, 1], \"period\": {}}}\n",
                    "{{\"teams\": [[\"b\"], [\"e\"]], \"ranks\": [1, 2]}}\n",
                ),
                base,
                base + 1,
                base + 3
            ),
        );
        let output = dir.path("out.json");
        summary(&[
            "--algorithm",
            "glicko2",
            "--input",
            arg(&input),
            "--output",
            arg(&output),
        ]);
        ratings(&output)
    };
    let middle = run(0);
    assert_eq!(run(i64::MIN), middle, "from i64::MIN");
    assert_eq!(run(i64::MAX - 3), middle, "up to i64::MAX");
    // The widest gap there is: b sits out 2^64 - 1 periods.
    let input = dir.file(
        "games.jsonl",
        &format!(
            concat!(
                "{{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2], \"period\": {}}}\n",
                "{{\"teams\": [[\"a\"], [\"c\"]], \"ranks\": [1, 2], \"period\": {}}}\n",
            ),
            i64::MIN,
            i64::MAX
        ),
    );
    let output = dir.path("out.json");
    summary(&[
        "--algorithm",
        "glicko2",
        "--input",
        arg(&input),
        "--output",
        arg(&output),
    ]);
    let out = ratings(&output);
    assert!(
        out["b"]["deviation"].as_f64().unwrap() > out["c"]["deviation"].as_f64().unwrap(),
        "{out}"
    );
}

#[test]
fn an_input_that_is_not_utf8_names_the_line() {
    let dir = Scratch::new("utf8");
    let output = dir.file("out.json", "previous contents");
    for (name, input, line) in [
        (
            "games.jsonl",
            &b"{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2]}\n\n{\"teams\": [[\"a\xff\"], [\"b\"]], \"ranks\": [1, 2]}\n"[..],
            "line 3",
        ),
        (
            "games.csv",
            &b"team_a,team_b,score_a,score_b\r\na,b,1,0\r\n\r\nc\xe9,d,1,0\r\n"[..],
            "line 4",
        ),
    ] {
        let path = dir.path(name);
        fs::write(&path, input).unwrap();
        let err = failure(&[
            "--algorithm",
            "elo",
            "--input",
            arg(&path),
            "--output",
            arg(&output),
        ]);
        for fragment in [name, line, "not valid UTF-8"] {
            assert!(err.contains(fragment), "{fragment:?} not in {err:?}");
        }
        assert_eq!(fs::read_to_string(&output).unwrap(), "previous contents");
    }
    let initial = dir.path("initial.json");
    fs::write(&initial, b"{\n\"a\xff\": {\"rating\": 1500}}").unwrap();
    let input = dir.file(
        "ok.jsonl",
        "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2]}\n",
    );
    let err = failure(&[
        "--algorithm",
        "elo",
        "--input",
        arg(&input),
        "--initial",
        arg(&initial),
    ]);
    for fragment in ["initial.json", "line 2", "not valid UTF-8"] {
        assert!(err.contains(fragment), "{fragment:?} not in {err:?}");
    }
}

#[test]
fn an_output_that_is_the_input_is_refused_and_the_input_kept() {
    let dir = Scratch::new("output-is-input");
    let history = "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2]}\n";
    let input = dir.file("games.jsonl", history);
    let mut same = vec![input.clone(), dir.path(".").join("games.jsonl")];
    #[cfg(unix)]
    {
        let link = dir.path("link.jsonl");
        std::os::unix::fs::symlink("games.jsonl", &link).unwrap();
        same.push(link);
    }
    for output in &same {
        let err = failure(&[
            "--algorithm",
            "elo",
            "--input",
            arg(&input),
            "--output",
            arg(output),
        ]);
        assert!(err.contains("is the --input file"), "{err}");
        assert_eq!(fs::read_to_string(&input).unwrap(), history);
    }
}

/// `--output` through a symbolic link writes the file the link points to and
/// keeps the link; a FIFO (like `/dev/stdout` or `/dev/null`) is written to,
/// not replaced by a regular file (as root, `--output /dev/null` replaced the
/// device).
#[cfg(unix)]
#[test]
fn output_through_a_link_or_to_a_fifo_is_written_not_replaced() {
    use std::os::unix::fs::FileTypeExt;

    let dir = Scratch::new("special-output");
    let input = dir.file(
        "games.jsonl",
        "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2]}\n",
    );
    fs::create_dir(dir.path("real")).unwrap();
    let target = dir.file("real/ratings.json", "{}");
    let link = dir.path("link.json");
    std::os::unix::fs::symlink("real/ratings.json", &link).unwrap();
    let rate_to = |output: &Path| {
        summary(&[
            "--algorithm",
            "elo",
            "--input",
            arg(&input),
            "--output",
            arg(output),
        ]);
    };
    let is_link = |path: &Path| fs::symlink_metadata(path).unwrap().is_symlink();
    rate_to(&link);
    assert!(is_link(&link));
    assert_eq!(ratings(&target)["a"]["games"], 1);
    // A dangling link: the file it names is created.
    let dangling = dir.path("dangling.json");
    std::os::unix::fs::symlink("real/new.json", &dangling).unwrap();
    rate_to(&dangling);
    assert!(is_link(&dangling));
    assert_eq!(ratings(&dir.path("real/new.json"))["b"]["games"], 1);
    assert_eq!(
        fs::read_dir(dir.path("real")).unwrap().count(),
        2,
        "a temporary file was left behind"
    );

    let fifo = dir.path("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let mut reader = Command::new("cat")
        .arg(&fifo)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = rate(&[
        "--algorithm",
        "elo",
        "--input",
        arg(&input),
        "--output",
        arg(&fifo),
    ]);
    let still_fifo = fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo();
    if !still_fifo || !out.status.success() {
        // The reader waits for a writer that will never come.
        let _ = reader.kill();
    }
    let read = reader.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(still_fifo, "the FIFO was replaced by a regular file");
    let written: Value = serde_json::from_slice(&read.stdout).unwrap();
    assert_eq!(written["a"]["games"], 1);
}
