//! Data-driven tests of queue definitions: each invalid config is refused with
//! an error naming its problem, whether built in code or read from JSON, and a
//! valid config using every rule survives a round trip.

use chrono::{TimeZone, Utc};
use matchforge_core::Error;
use matchforge_core::ids::{PlayerId, QueueName, TicketId};
use matchforge_core::queue::{
    CustomRule, MatchFormat, QueueConfig, QueueSpec, RegionRule, RoleComposition, Widening,
};
use matchforge_core::rating::{PartyRating, Rating};
use matchforge_core::ticket::{Attributes, Ticket, TicketPlayer};

fn invalid_config(result: Result<QueueConfig, Error>) -> String {
    match result {
        Err(Error::InvalidConfig(msg)) => msg,
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
}

#[test]
fn invalid_specs_are_refused_with_their_problem() {
    let duel = || QueueSpec::new("duel", MatchFormat::one_v_one());
    let duos = || QueueSpec::new("duos", MatchFormat::two_v_two());
    let cases: Vec<(QueueSpec, &str)> = vec![
        (
            duos().with_max_party_size(3),
            "a party of 3 is bigger than the largest team (2)",
        ),
        (
            duos().with_roles(RoleComposition::new([("tank", 1), ("dps", 2)])),
            "the roles need 3 players per team but a team has only 2",
        ),
        // Counts whose sum overflows a u32 are as unfillable as any other.
        (
            duos().with_roles(RoleComposition::new([("tank", u32::MAX), ("dps", 2)])),
            "the roles need 4294967295 players per team but a team has only 2",
        ),
        (
            duel().with_max_wait_secs(0),
            "a max wait of 0 s would expire every ticket at once",
        ),
        (
            duel().with_search_breadth(0),
            "the search breadth is 0 but a match of 2 players",
        ),
        // Refused here, not at the first party's join (and a config built
        // with it would not read back).
        (
            duos().with_party_rating(PartyRating::AverageWithGapPenalty { penalty: -1.0 }),
            "queue duos: invalid party gap penalty: -1",
        ),
        (
            duos().with_party_rating(PartyRating::AverageWithGapPenalty { penalty: f64::NAN }),
            "queue duos: invalid party gap penalty: NaN",
        ),
        (
            duos().with_party_rating(PartyRating::AverageWithGapPenalty {
                penalty: f64::INFINITY,
            }),
            "queue duos: invalid party gap penalty: inf",
        ),
    ];
    for (spec, want) in cases {
        let msg = invalid_config(spec.build());
        assert!(msg.contains(want), "{msg:?} should say {want:?}");
    }
    // A negative window cannot even be made.
    assert!(matches!(
        Widening::linear(-1.0, 5.0, 100.0),
        Err(Error::InvalidConfig(_))
    ));
}

#[test]
fn huge_formats_are_refused_before_anything_is_allocated() {
    for format in [
        MatchFormat::free_for_all(u32::MAX),
        MatchFormat::teams_of(u32::MAX, 3),
        MatchFormat::teams_of(201, 1),
    ] {
        match format {
            Err(Error::InvalidConfig(msg)) => {
                assert!(msg.contains("more than the 200 supported"), "{msg}");
            }
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }
    assert!(MatchFormat::teams_of(u32::MAX, 0).is_err());
    assert_eq!(MatchFormat::free_for_all(200).unwrap().teams(), 200);
    assert_eq!(
        MatchFormat::teams_of(4, 50).unwrap().team_sizes(),
        &[50; 4][..]
    );
}

#[test]
fn json_configs_refuse_unknown_fields_and_invalid_values() {
    let cases = [
        // A misspelt field would otherwise leave the queue without expiry.
        (r#"{"name":"q","format":[1,1],"max_wait":600}"#, "max_wait"),
        (
            r#"{"name":"q","format":[1,1],"rating_window":{"kind":"fixed","value":50,"cap":9}}"#,
            "cap",
        ),
        (
            r#"{"name":"q","format":[1,1],"region":{"kind":"same","latency":5}}"#,
            "latency",
        ),
        (
            r#"{"name":"q","format":[1,1],"region":{"kind":"same","max_latency_ms":{"kind":"fixed","value":5}}}"#,
            "takes no max_latency_ms",
        ),
        (
            r#"{"name":"q","format":[1,1],"region":{"kind":"best_common"}}"#,
            "needs a max_latency_ms",
        ),
        (r#"{"name":"q","format":[2,2],"party":{"max":2}}"#, "max"),
        (
            r#"{"name":"q","format":[2,2],"roles":[{"role":"tank","count":1,"pref":1}]}"#,
            "pref",
        ),
        (
            r#"{"name":"q","format":[1,1],"custom":[{"attribute":"mode","kind":"equal","relax_after":30}]}"#,
            "relax_after",
        ),
        (
            r#"{"name":"q","format":[1,1],"custom":[{"attribute":"level","kind":"numeric_difference"}]}"#,
            "needs a max",
        ),
        (
            r#"{"name":"q","format":[1,1],"custom":[{"attribute":"level","kind":"numeric_difference","max":{"kind":"fixed","value":5},"relax_after_secs":30}]}"#,
            "relaxes through its max",
        ),
        (
            r#"{"name":"q","format":[1,1],"custom":[{"attribute":"mode","kind":"equal","max":{"kind":"fixed","value":5}}]}"#,
            "the equal rule on \"mode\" takes no max",
        ),
        (
            r#"{"name":"q","format":[1,1],"custom":[{"attribute":"maps","kind":"intersect","max":{"kind":"fixed","value":5}}]}"#,
            "the intersect rule on \"maps\" takes no max",
        ),
        (
            r#"{"name":"q","format":[1,1],"party_rating":{"average_with_gap_penalty":{"penalty":1,"cap":9}}}"#,
            "cap",
        ),
        (
            r#"{"name":"q","format":[2,2],"roles":[{"role":"tank","count":4294967295},{"role":"dps","count":2}]}"#,
            "the roles need 4294967295 players per team",
        ),
        (
            r#"{"name":"q","format":[1,1],"max_wait_secs":0}"#,
            "max wait of 0",
        ),
    ];
    for (json, want) in cases {
        let err = serde_json::from_str::<QueueConfig>(json)
            .expect_err(json)
            .to_string();
        assert!(err.contains(want), "{json}: {err:?} should name {want:?}");
    }
}

#[test]
fn a_config_with_every_rule_survives_a_round_trip() {
    let config = QueueSpec::new("everything", MatchFormat::five_v_five())
        .with_rating_window(Widening::steps([(0, 50.0), (30, 150.0)]).unwrap())
        .with_region(RegionRule::BestCommon {
            max_latency_ms: Widening::linear(60.0, 1.0, 120.0).unwrap(),
        })
        .with_roles(RoleComposition::new([("tank", 1), ("healer", 1)]))
        .with_max_party_size(3)
        .with_premade_matching(Widening::fixed(1.0).unwrap())
        .with_custom_rule(CustomRule::numeric_difference(
            "level",
            Widening::fixed(5.0).unwrap(),
        ))
        .with_custom_rule(CustomRule::equal("mode", Some(60)))
        .with_custom_rule(CustomRule::intersect("maps", None))
        .with_max_wait_secs(600)
        .with_search_breadth(40)
        .build()
        .unwrap();
    let json = serde_json::to_string(&config).unwrap();
    let back: QueueConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(back, config, "{json}");
    let same = QueueSpec::new("local", MatchFormat::one_v_one())
        .with_region(RegionRule::Same)
        .build()
        .unwrap();
    let json = serde_json::to_string(&same).unwrap();
    assert!(json.contains(r#""region":{"kind":"same"}"#), "{json}");
    assert_eq!(serde_json::from_str::<QueueConfig>(&json).unwrap(), same);
}

fn solo(rating: f64, attributes: Attributes) -> Result<Ticket, Error> {
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 20, 0, 0).unwrap();
    Ticket::builder(TicketId::from_u128(1), QueueName::new("q"), at)
        .player(TicketPlayer::new(
            PlayerId::from_u128(10),
            Rating::new(rating, 50.0, 0.06).unwrap(),
        ))
        .attributes(attributes)
        .build(&PartyRating::Average)
}

#[test]
fn a_solo_ticket_read_back_must_carry_its_players_rating() {
    let ticket = solo(1500.0, Attributes::new()).unwrap();
    let mut json = serde_json::to_value(&ticket).unwrap();
    assert_eq!(
        serde_json::from_value::<Ticket>(json.clone()).unwrap(),
        ticket
    );
    json["rating"]["rating"] = serde_json::json!(2900.0);
    let err = serde_json::from_value::<Ticket>(json)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("carries the rating Rating { rating: 2900.0")
            && err.contains("not its one player's"),
        "{err}"
    );
}

#[test]
fn regions_need_a_name() {
    for attributes in [
        Attributes::new().with_region(""),
        Attributes::new().with_region(" "),
        Attributes::new()
            .with_latency("eu", 30)
            .with_latency("", 40),
    ] {
        match solo(1500.0, attributes) {
            Err(Error::InvalidTicket(msg)) => assert!(msg.contains("region needs a name")),
            other => panic!("expected InvalidTicket, got {other:?}"),
        }
    }
    assert!(solo(1500.0, Attributes::new().with_region("eu")).is_ok());
}

#[test]
fn an_unchecked_step_table_reads_without_panicking_and_fails_validation() {
    let empty: Widening = serde_json::from_str(r#"{"kind":"steps","steps":[]}"#).unwrap();
    assert_eq!(empty.at(std::time::Duration::from_secs(5)), 0.0);
    assert_eq!(empty.cap(), 0.0);
    assert!(matches!(
        empty.validate("rating window"),
        Err(Error::InvalidConfig(_))
    ));
}
