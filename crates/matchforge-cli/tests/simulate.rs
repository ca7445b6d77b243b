//! End-to-end tests of `matchforge simulate`, running the built binary on
//! small populations.
//!
//! The Redis and Postgres runs need `MATCHFORGE_REDIS_URL` /
//! `MATCHFORGE_POSTGRES_URL`; without them they are skipped politely, and
//! under `MATCHFORGE_REQUIRE_SERVICES=1` they fail instead.
#![allow(clippy::print_stderr, reason = "a skipped test says why on stderr")]

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn simulate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_matchforge"))
        .arg("simulate")
        .args(args)
        .output()
        .unwrap()
}

/// A small hour of `scenario`: busy enough to make matches of every kind.
fn small(scenario: &str) -> Vec<&str> {
    short(scenario, "3600")
}

/// `scenario` on a small population for `secs` simulated seconds.
fn short<'a>(scenario: &'a str, secs: &'a str) -> Vec<&'a str> {
    let (players, rate) = match scenario {
        "party-5v5" => ("400", "0.6"),
        "ffa-8" => ("300", "0.4"),
        _ => ("200", "0.3"),
    };
    vec![
        "--scenario",
        scenario,
        "--players",
        players,
        "--duration",
        secs,
        "--arrival-rate",
        rate,
    ]
}

/// Runs `simulate --json`, expecting success; returns the report.
fn report(args: &[&str]) -> Value {
    let out = simulate(&[args, &["--json"]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The report without its wall-clock measurements.
fn deterministic(mut report: Value) -> Value {
    let fields = report.as_object_mut().unwrap();
    fields.remove("tick_ms").unwrap();
    fields.remove("wall_secs").unwrap();
    report
}

fn audit(report: &Value) -> [u64; 3] {
    ["rule_violations", "double_assigned", "lost_players"].map(|k| report[k].as_u64().unwrap())
}

#[test]
fn the_same_seed_gives_the_same_report() {
    let run = |seed: &str| {
        deterministic(report(
            &[small("party-5v5").as_slice(), &["--seed", seed]].concat(),
        ))
    };
    let first = run("5");
    assert_eq!(first, run("5"));
    assert_ne!(first, run("6"), "another seed, another day");
}

#[test]
fn every_scenario_reports_every_field_and_a_clean_audit() {
    let spreads = [
        ("wait_secs", &["p50", "p90", "p99", "max"][..]),
        ("rating_spread", &["p50", "p90", "max"]),
        ("team_imbalance", &["p50", "p90", "max"]),
        ("win_prob_deviation", &["mean"]),
        ("rating_error", &["start", "end"]),
        ("tick_ms", &["p50", "p99", "max"]),
    ];
    for scenario in ["ranked-1v1", "party-5v5", "ffa-8"] {
        let r = report(&small(scenario));
        assert_eq!(r["scenario"], scenario);
        for key in [
            "players",
            "tickets",
            "matches",
            "players_matched",
            "players_waiting",
            "players_expired",
            "rule_violations",
            "double_assigned",
            "lost_players",
        ] {
            assert!(r[key].is_u64(), "{scenario}: {key} in {r}");
        }
        for (key, fields) in spreads {
            for field in fields {
                assert!(
                    r[key][field].is_number(),
                    "{scenario}: {key}.{field} in {r}"
                );
            }
        }
        assert!(r["wall_secs"].is_number());
        assert_eq!(audit(&r), [0, 0, 0], "{scenario}: {r}");
        assert!(
            r["matches_completed"].as_u64().unwrap() > 10,
            "{scenario} plays: {r}"
        );
        // Ratings learn: the error shrinks over the day.
        let (start, end) = (
            r["rating_error"]["start"].as_f64().unwrap(),
            r["rating_error"]["end"].as_f64().unwrap(),
        );
        assert!(end < start, "{scenario}: rating error {start} -> {end}");
    }
}

#[test]
fn the_table_shows_the_audit() {
    let out = simulate(&small("ranked-1v1"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("ranked-1v1 on memory (seed 1)"), "{table}");
    assert!(
        table.contains("0 rule violations, 0 double assignments, 0 lost players"),
        "{table}"
    );
}

#[test]
fn bad_flags_are_refused() {
    for (args, message) in [
        (&["--players", "0"][..], "--players"),
        (&["--scenario", "chess"], "chess"),
        (&["--arrival-rate", "-1"], "--arrival-rate -1"),
        (&["--arrival-rate", "0"], "--arrival-rate 0"),
        (&["--arrival-rate", "NaN"], "--arrival-rate NaN"),
        // More arrivals than a run can deliver in reasonable time.
        (
            &["--arrival-rate", "1000000", "--duration", "1001"],
            "at most 1000000000 a run",
        ),
        (&["--duration", "0"], "--duration"),
        (&["--store", "ftp://example"], "--store"),
        (&["--seed", "-3"], "-3"),
    ] {
        let out = simulate(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} accepted");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} printed a report");
    }
}

/// Runs `simulate --json`, expecting success within `secs` wall seconds
/// (killed otherwise); returns the report.
fn report_within(secs: u64, args: &[&str]) -> Value {
    let mut child = Command::new(env!("CARGO_BIN_EXE_matchforge"))
        .arg("simulate")
        .args(args)
        .arg("--json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{args:?} still running after {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn tiny_arrival_rates_finish_without_arrivals() {
    // The first gap is far past the end of the run (or beyond any u64
    // number of milliseconds): nobody comes, and the clock never wraps.
    for rate in ["1e-7", "1e-17", "1e-20", "1e-300", "5e-324"] {
        let args = [
            "--players",
            "100",
            "--duration",
            "60",
            "--arrival-rate",
            rate,
        ];
        let r = report_within(60, &args);
        assert_eq!(r["sessions"], 0, "{rate}: {r}");
        assert_eq!(r["matches"], 0, "{rate}: {r}");
        // Reported as given, not rounded to 0.
        assert_eq!(r["arrival_rate"].as_f64(), rate.parse().ok(), "{rate}: {r}");
        // No lobbies: a mean deviation of 0, not -0.
        assert_eq!(r["win_prob_deviation"]["mean"].to_string(), "0.0", "{r}");
    }
}

#[test]
fn high_arrival_rates_are_delivered() {
    // 1,000 solo players a second for 10 s: about 10,000 sessions (sd 100),
    // not a gap of at least 1 ms each, rounded up.
    // The budget only catches a hang: a debug build shares two cores with
    // the other tests of this binary.
    let r = report_within(
        900,
        &[
            "--players",
            "100000",
            "--duration",
            "10",
            "--arrival-rate",
            "1000",
        ],
    );
    let sessions = r["sessions"].as_u64().unwrap();
    assert_eq!(r["arrivals_skipped"], 0, "{r}");
    assert!(
        (9_600..=10_400).contains(&sessions),
        "{sessions} sessions: {r}"
    );
}

#[test]
fn an_unreachable_store_says_so() {
    for url in [
        "redis://127.0.0.1:1",
        "postgres://postgres@127.0.0.1:1/test",
    ] {
        let out = simulate(&["--store", url, "--players", "10", "--duration", "10"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{url} accepted");
        assert!(
            stderr.contains(&format!("cannot use the store {url}")),
            "{url}: {stderr}"
        );
    }
    // Passwords stay hidden, in the user-info or the query.
    for (url, shown) in [
        (
            "postgres://postgres@127.0.0.1:1/test?password=hunter2",
            "postgres://postgres@127.0.0.1:1/test?password=***",
        ),
        (
            "postgres://postgres:hunter2@127.0.0.1:1/test",
            "postgres://postgres:***@127.0.0.1:1/test",
        ),
        ("redis://:hunter2@127.0.0.1:1", "redis://***@127.0.0.1:1"),
        ("redis://me:hun?ter2@127.0.0.1:1", "redis://***@127.0.0.1:1"),
    ] {
        let out = simulate(&["--store", url, "--players", "10", "--duration", "10"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{url} accepted");
        assert!(
            stderr.contains(&format!("cannot use the store {shown}")),
            "{url}: {stderr}"
        );
        assert!(!stderr.contains("hunter2"), "{url}: {stderr}");
    }
}

fn service_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("MATCHFORGE_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("MATCHFORGE_REQUIRE_SERVICES=1 but {var} is not set")
        }
        _ => {
            eprintln!("skipped: {var} is not set");
            None
        }
    }
}

/// Every scenario on a service store for 20 simulated minutes: a clean audit
/// and the memory store's report (the store changes nothing the simulation
/// decides).
fn on_service(url: &str, kind: &str) {
    for scenario in ["ranked-1v1", "party-5v5", "ffa-8"] {
        let args = [short(scenario, "1200").as_slice(), &["--seed", "3"]].concat();
        let remote = report(&[args.as_slice(), &["--store", url]].concat());
        assert_eq!(remote["store"], kind);
        assert_eq!(audit(&remote), [0, 0, 0], "{scenario} on {kind}: {remote}");
        let mut remote = deterministic(remote);
        let mut local = deterministic(report(&args));
        remote.as_object_mut().unwrap().remove("store");
        local.as_object_mut().unwrap().remove("store");
        assert_eq!(remote, local, "{scenario}: {kind} and memory disagree");
    }
}

#[test]
fn every_scenario_runs_on_redis() {
    if let Some(url) = service_url("MATCHFORGE_REDIS_URL") {
        on_service(&url, "redis");
    }
}

#[test]
fn every_scenario_runs_on_postgres() {
    if let Some(url) = service_url("MATCHFORGE_POSTGRES_URL") {
        on_service(&url, "postgres");
    }
}
