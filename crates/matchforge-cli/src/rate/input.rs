//! Reading a match history (JSON Lines or CSV) into a compact, validated log.
//!
//! Player names are interned to indices once; matches, teams and members live in
//! three flat vectors, so a million-line history costs no per-match allocation
//! after parsing.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// The input formats `rate` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum InputFormat {
    /// One JSON object per line: `{"teams": [["a"], ["b"]], "ranks": [1, 2]}`.
    Jsonl,
    /// CSV with the header `team_a,team_b,score_a,score_b` (and optionally `time`,
    /// `period`).
    Csv,
}

impl InputFormat {
    /// Detects the format from the first non-blank line: a JSON object means JSON
    /// Lines; a CSV header naming `team_a` means CSV.
    pub(crate) fn detect(text: &str) -> Result<Self, String> {
        let first = text
            .lines()
            .map(|l| l.trim_start_matches('\u{feff}').trim())
            .find(|l| !l.is_empty())
            .ok_or("the input is empty")?;
        if first.starts_with('{') {
            Ok(Self::Jsonl)
        } else if first
            .split(',')
            .any(|c| c.trim().trim_matches('"') == "team_a")
        {
            Ok(Self::Csv)
        } else {
            Err(format!(
                "cannot tell the input format: the first line is neither a JSON object nor \
                 a CSV header with team_a,team_b,score_a,score_b (got {:?})",
                truncate(first)
            ))
        }
    }
}

/// A fast hash of a player name (the Fx hash of rustc, then MurmurHash3's
/// finaliser so every bit depends on every byte). Names are not attacker-chosen
/// keys of a long-lived server map, and a collision only costs a slower lookup.
fn name_hash(name: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let bytes = name.as_bytes();
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        h = (h.rotate_left(5) ^ word).wrapping_mul(K);
    }
    for &byte in chunks.remainder() {
        h = (h.rotate_left(5) ^ u64::from(byte)).wrapping_mul(K);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Passes a precomputed [`name_hash`] through.
#[derive(Default)]
struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed with this hasher; fold anything else in.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(60) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// One match of the log.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MatchRecord {
    /// The 1-based line of the input it came from.
    pub(crate) line: usize,
    /// Its rating period, if any.
    pub(crate) period: Option<i64>,
    /// Its time (Unix milliseconds), if given.
    pub(crate) time: Option<i64>,
    /// Index of its first team in [`MatchLog::teams`].
    first_team: u32,
    /// How many teams.
    team_count: u32,
}

/// One team of a match.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TeamRecord {
    first_member: u32,
    size: u32,
    /// The team's rank (1 is best).
    pub(crate) rank: u32,
}

/// A validated match history.
#[derive(Debug, Default)]
pub(crate) struct MatchLog {
    /// All names, back to back, and each player's span in it: lookups touch one
    /// compact buffer instead of a heap allocation per name.
    arena: String,
    spans: Vec<(u32, u32)>,
    /// Name hash → the first player with that hash.
    index: HashMap<u64, u32, BuildHasherDefault<PrehashedHasher>>,
    /// Players whose name hash collides with another player's.
    collisions: HashMap<Box<str>, u32>,
    pub(crate) matches: Vec<MatchRecord>,
    teams: Vec<TeamRecord>,
    members: Vec<u32>,
    /// Per player, the last match (+1) it was seen in, to catch duplicates.
    stamp: Vec<u32>,
    last_period: Option<i64>,
}

impl MatchLog {
    /// How many players.
    pub(crate) fn player_count(&self) -> usize {
        self.spans.len()
    }

    /// The name of player `index`.
    pub(crate) fn name(&self, index: usize) -> &str {
        let (start, len) = self.spans[index];
        &self.arena[start as usize..(start + len) as usize]
    }

    /// The index of `name`, interning it if new.
    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        self.intern_hashed(name, name_hash(name))
    }

    fn intern_hashed(&mut self, name: &str, hash: u64) -> u32 {
        match self.index.get(&hash) {
            Some(&i) if self.name(i as usize) == name => i,
            Some(_) => match self.collisions.get(name) {
                Some(&i) => i,
                None => {
                    let i = self.push_name(name);
                    self.collisions.insert(name.into(), i);
                    i
                }
            },
            None => {
                let i = self.push_name(name);
                self.index.insert(hash, i);
                i
            }
        }
    }

    fn push_name(&mut self, name: &str) -> u32 {
        let i = u32::try_from(self.spans.len()).expect("fewer than 2^32 players");
        let start = u32::try_from(self.arena.len()).expect("less than 4 GiB of names");
        let len = u32::try_from(name.len()).expect("names shorter than 4 GiB");
        self.arena.push_str(name);
        self.spans.push((start, len));
        self.stamp.push(0);
        i
    }

    /// The teams of `m`.
    pub(crate) fn teams_of(&self, m: &MatchRecord) -> &[TeamRecord] {
        let start = m.first_team as usize;
        &self.teams[start..start + m.team_count as usize]
    }

    /// The players of `team`.
    pub(crate) fn members_of(&self, team: &TeamRecord) -> &[u32] {
        let start = team.first_member as usize;
        &self.members[start..start + team.size as usize]
    }

    /// Starts a new match at `line`; teams are added with [`Self::add_team`] and
    /// the match is closed by [`Self::finish_match`].
    fn begin_match(
        &mut self,
        line: usize,
        period: Option<i64>,
        time: Option<i64>,
    ) -> Result<(), String> {
        if let (Some(p), Some(last)) = (period, self.last_period)
            && p < last
        {
            return Err(format!(
                "period {p} is lower than the previous period {last}"
            ));
        }
        if period.is_some() {
            self.last_period = period;
        }
        let first_team = u32::try_from(self.teams.len()).map_err(|_| "too many teams")?;
        self.matches.push(MatchRecord {
            line,
            period,
            time,
            first_team,
            team_count: 0,
        });
        Ok(())
    }

    fn add_team<'n>(
        &mut self,
        names: impl Iterator<Item = &'n str>,
        rank: u32,
    ) -> Result<(), String> {
        let match_number = u32::try_from(self.matches.len()).map_err(|_| "too many matches")?;
        let team_number = self.matches.last().map_or(0, |m| m.team_count) + 1;
        let first_member = u32::try_from(self.members.len()).map_err(|_| "too many players")?;
        for name in names {
            if name.trim().is_empty() {
                return Err(format!("team {team_number} has an empty player name"));
            }
            let player = self.intern(name);
            let stamp = &mut self.stamp[player as usize];
            if *stamp == match_number {
                return Err(format!("player {name:?} appears more than once"));
            }
            *stamp = match_number;
            self.members.push(player);
        }
        let size =
            u32::try_from(self.members.len()).map_err(|_| "too many players")? - first_member;
        if size == 0 {
            return Err(format!("team {team_number} is empty"));
        }
        self.teams.push(TeamRecord {
            first_member,
            size,
            rank,
        });
        if let Some(m) = self.matches.last_mut() {
            m.team_count += 1;
        }
        Ok(())
    }

    fn finish_match(&mut self) -> Result<(), String> {
        let teams = self.matches.last().map_or(0, |m| m.team_count);
        if teams < 2 {
            return Err(format!("a match needs at least two teams, got {teams}"));
        }
        Ok(())
    }

    /// Parses `text` in `format` and appends its matches.
    ///
    /// # Errors
    /// `(line, message)` for the first bad line.
    pub(crate) fn read(&mut self, text: &str, format: InputFormat) -> Result<(), (usize, String)> {
        match format {
            InputFormat::Jsonl => self.read_jsonl(text),
            InputFormat::Csv => self.read_csv(text),
        }
    }

    fn read_jsonl(&mut self, text: &str) -> Result<(), (usize, String)> {
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let raw = if line == 1 {
                raw.trim_start_matches('\u{feff}')
            } else {
                raw
            };
            if raw.trim().is_empty() {
                continue;
            }
            self.read_json_line(line, raw).map_err(|e| (line, e))?;
        }
        Ok(())
    }

    fn read_json_line(&mut self, line: usize, raw: &str) -> Result<(), String> {
        let parsed: JsonMatch<'_> = serde_json::from_str(raw).map_err(|e| {
            // serde_json says "at line 1 column N" of the one line it
            // read: the line is the file's, named by the caller.
            let text = e.to_string();
            let position = format!(" at line {} column {}", e.line(), e.column());
            match text.strip_suffix(&position) {
                Some(message) if e.column() > 0 => {
                    format!("invalid match: {message} (column {})", e.column())
                }
                _ => format!("invalid match: {text}"),
            }
        })?;
        if parsed.ranks.len() != parsed.teams.len() {
            return Err(format!(
                "{} ranks for {} teams",
                parsed.ranks.len(),
                parsed.teams.len()
            ));
        }
        let time = match &parsed.time {
            Some(time) => Some(parse_time(&time.0)?),
            None => None,
        };
        self.begin_match(line, parsed.period, time)?;
        for (team, rank) in parsed.teams.iter().zip(&parsed.ranks) {
            self.add_team(team.iter().map(|n| n.0.as_ref()), *rank)?;
        }
        self.finish_match()
    }

    fn read_csv(&mut self, text: &str) -> Result<(), (usize, String)> {
        let text = text.trim_start_matches('\u{feff}');
        let mut lines = LineCounter::new(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| (1, format!("invalid CSV header: {e}")))?
            .clone();
        let header_line = headers.position().map_or(1, |p| lines.line_at(p.byte()));
        let header_line = |e: String| (header_line, e);
        let column = |name: &str| headers.iter().position(|h| h == name);
        let required = |name: &str| {
            column(name).ok_or_else(|| {
                header_line(format!(
                    "the CSV header has no {name} column (expected team_a,team_b,score_a,score_b[,time][,period])"
                ))
            })
        };
        let (team_a, team_b) = (required("team_a")?, required("team_b")?);
        let (score_a, score_b) = (required("score_a")?, required("score_b")?);
        let (time, period) = (column("time"), column("period"));
        if let Some((i, duplicate)) = headers
            .iter()
            .enumerate()
            .find(|&(i, h)| column(h) != Some(i))
        {
            return Err(header_line(format!(
                "duplicate CSV column {duplicate:?} (column {})",
                i + 1
            )));
        }
        if let Some(unknown) = headers.iter().find(|h| {
            !matches!(
                *h,
                "team_a" | "team_b" | "score_a" | "score_b" | "time" | "period"
            )
        }) {
            return Err(header_line(format!("unknown CSV column {unknown:?}")));
        }

        let unclosed = open_quote(text.as_bytes());
        let mut record = csv::StringRecord::new();
        loop {
            // The csv crate's own line numbers miscount CRLF and blank lines:
            // count the file's lines up to the record's first byte instead.
            let before = reader.position().byte();
            let read = reader.read_record(&mut record);
            // The csv crate reads a quote never closed to the end of the
            // input as one field, and reports at most a field count.
            if let Some(at) = unclosed.filter(|&at| reader.position().byte() > at as u64) {
                return Err((
                    lines.line_at(at as u64),
                    "invalid CSV: a quoted field opened on this line is never closed".into(),
                ));
            }
            match read {
                Ok(false) => return Ok(()),
                Ok(true) => {}
                Err(e) => {
                    let at = e.position().map_or(before, csv::Position::byte);
                    // The error's own text carries the miscounted line.
                    let message = match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => {
                            format!("invalid CSV: {len} fields where the header has {expected_len}")
                        }
                        _ => format!("invalid CSV: {e}"),
                    };
                    return Err((lines.line_at(at), message));
                }
            }
            let line = lines.line_at(record.position().map_or(before, csv::Position::byte));
            let field = |i: usize| record.get(i).unwrap_or("");
            let score = |i: usize, name: &str| -> Result<f64, String> {
                let raw = field(i);
                match raw.parse::<f64>() {
                    Ok(s) if s.is_finite() => Ok(s),
                    // `1e400`, `inf`, `NaN`: numbers, but no score.
                    Ok(_) => Err(format!("{name} {raw:?} is not a finite number")),
                    Err(_) => Err(format!("{name} {raw:?} is not a number")),
                }
            };
            let result = (|| {
                let (a, b) = (score(score_a, "score_a")?, score(score_b, "score_b")?);
                let ranks = match a.partial_cmp(&b) {
                    Some(std::cmp::Ordering::Greater) => [1, 2],
                    Some(std::cmp::Ordering::Less) => [2, 1],
                    _ => [1, 1],
                };
                let time = match time.map(field).filter(|t| !t.is_empty()) {
                    Some(t) => Some(parse_time(t)?),
                    None => None,
                };
                let period = match period.map(field).filter(|p| !p.is_empty()) {
                    Some(p) => Some(
                        p.parse::<i64>()
                            .map_err(|_| format!("period {p:?} is not an integer"))?,
                    ),
                    None => None,
                };
                self.begin_match(line, period, time)?;
                self.add_team(field(team_a).split('+').map(str::trim), ranks[0])?;
                self.add_team(field(team_b).split('+').map(str::trim), ranks[1])?;
                self.finish_match()
            })();
            result.map_err(|e| (line, e))?;
        }
    }
}

/// Where the quoted field that CSV `bytes` end inside opened, if they do,
/// read as the csv crate reads them: a quote opens a quoted field only as
/// the field's first byte, `""` inside one is a literal quote, and a lone
/// quote closes it.
fn open_quote(bytes: &[u8]) -> Option<usize> {
    let (mut opened, mut field_start) = (None, true);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if opened.is_some() {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    opened = None;
                }
            }
        } else {
            if b == b'"' && field_start {
                opened = Some(i);
            }
            field_start = matches!(b, b',' | b'\r' | b'\n');
        }
        i += 1;
    }
    opened
}

/// The physical (1-based) line of byte offsets in a text, for offsets that
/// never decrease: each call counts only the newlines since the last one.
struct LineCounter<'t> {
    text: &'t [u8],
    byte: usize,
    line: usize,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text: text.as_bytes(),
            byte: 0,
            line: 1,
        }
    }

    /// The line of the first byte at or after `byte` that is not a line
    /// break: a CSV record's position can point at the blank lines (or the
    /// `\n` of a `\r\n`) before it.
    fn line_at(&mut self, byte: u64) -> usize {
        let len = self.text.len();
        let mut at = usize::try_from(byte).map_or(len, |b| b.min(len));
        while at < len && matches!(self.text[at], b'\r' | b'\n') {
            at += 1;
        }
        if at < self.byte {
            (self.byte, self.line) = (0, 1);
        }
        self.line += self.text[self.byte..at]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.byte = at;
        self.line
    }
}

/// An RFC 3339 timestamp as Unix milliseconds.
pub(crate) fn parse_time(time: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(time)
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("time {time:?} is not an RFC 3339 timestamp ({e})"))
}

/// One line of JSON Lines input.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonMatch<'a> {
    #[serde(borrow)]
    teams: Vec<Vec<Name<'a>>>,
    ranks: Vec<u32>,
    #[serde(default)]
    period: Option<i64>,
    #[serde(default, borrow)]
    time: Option<Name<'a>>,
}

/// A string borrowed from the input when it has no escapes.
struct Name<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Name<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Name(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Name(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(NameVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<MatchLog, (usize, String)> {
        let mut log = MatchLog::default();
        let format = InputFormat::detect(text).map_err(|e| (0, e))?;
        log.read(text, format)?;
        Ok(log)
    }

    #[test]
    fn reads_jsonl_with_teams_periods_and_blank_lines() {
        let log = read(concat!(
            "{\"teams\": [[\"alice\"], [\"bob\"]], \"ranks\": [1, 2], \"period\": 7, \"time\": \"2024-05-01T18:00:00Z\"}\n",
            "\n",
            "{\"teams\": [[\"al\\u0069ce\", \"carol\"], [\"bob\"], [\"dan\"]], \"ranks\": [2, 1, 2]}\n",
        ))
        .unwrap();
        assert_eq!(log.player_count(), 4);
        assert_eq!(log.name(0), "alice");
        assert_eq!(log.matches.len(), 2);
        let second = log.matches[1];
        assert_eq!((second.line, second.period), (3, None));
        let teams = log.teams_of(&second);
        assert_eq!(teams.iter().map(|t| t.rank).collect::<Vec<_>>(), [2, 1, 2]);
        assert_eq!(log.members_of(&teams[0]), [0, 2]); // the escaped "alice" is the same player
    }

    #[test]
    fn hash_collisions_still_intern_distinct_names() {
        let mut log = MatchLog::default();
        let a = log.intern_hashed("ann", 42);
        let b = log.intern_hashed("bob", 42);
        let c = log.intern_hashed("cat", 42);
        assert_eq!((a, b, c), (0, 1, 2));
        assert_eq!(
            (log.intern_hashed("bob", 42), log.intern_hashed("ann", 42)),
            (1, 0)
        );
        assert_eq!((log.name(1), log.player_count()), ("bob", 3));
        assert_eq!(log.intern("dan"), log.intern("dan"));
    }

    #[test]
    fn reads_csv_with_parties_and_draws() {
        let log = read("team_a,team_b,score_a,score_b,time\nann+ben,cat,2,2,2024-01-01T00:00:00Z\ncat,dan,0,1,\n").unwrap();
        let ranks: Vec<Vec<u32>> = log
            .matches
            .iter()
            .map(|m| log.teams_of(m).iter().map(|t| t.rank).collect())
            .collect();
        assert_eq!(ranks, [[1, 1], [2, 1]]);
        assert_eq!(
            log.matches.iter().map(|m| m.line).collect::<Vec<_>>(),
            [2, 3]
        );
        assert_eq!(log.members_of(&log.teams_of(&log.matches[0])[0]).len(), 2);
    }

    #[test]
    fn csv_matches_keep_their_file_lines() {
        for newline in ["\n", "\r\n"] {
            let text = [
                "team_a,team_b,score_a,score_b",
                "",
                "a,b,1,0",
                "",
                "",
                "b,c,0,1",
                "",
            ]
            .join(newline);
            let log = read(&text).unwrap();
            let lines: Vec<usize> = log.matches.iter().map(|m| m.line).collect();
            assert_eq!(lines, [3, 6], "{newline:?}");
        }
    }

    #[test]
    fn bad_lines_are_named() {
        // (input, expected line, expected message fragment)
        let cases = [
            (
                "{\"teams\": [[\"a\"]], \"ranks\": [1]}",
                1,
                "at least two teams",
            ),
            (
                "{\"teams\": [[\"a\"], []], \"ranks\": [1, 2]}",
                1,
                "team 2 is empty",
            ),
            (
                "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1]}",
                1,
                "1 ranks for 2 teams",
            ),
            (
                "{\"teams\": [[\"a\"], [\"a\"]], \"ranks\": [1, 2]}",
                1,
                "appears more than once",
            ),
            (
                "{\"teams\": [[\"a\"], [\"\"]], \"ranks\": [1, 2]}",
                1,
                "empty player name",
            ),
            (
                "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, -2]}",
                1,
                "invalid match",
            ),
            (
                "{\"teams\": [[\"a\"], [\"b\"]], \"rank\": [1, 2]}",
                1,
                "unknown field `rank`",
            ),
            (
                "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2], \"time\": \"yesterday\"}",
                1,
                "RFC 3339",
            ),
            (
                "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2]}\n{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2}",
                2,
                "invalid match",
            ),
            (
                "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2], \"period\": 5}\n\n{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2], \"period\": 4}",
                3,
                "period 4 is lower than the previous period 5",
            ),
            (
                "team_a,team_b,score_a,score_b\na,b,1,x\n",
                2,
                "score_b \"x\" is not a number",
            ),
            (
                "team_a,team_b,score_a,score_b\na,b,1,0\na+,b,1,0\n",
                3,
                "empty player name",
            ),
            (
                "team_a,team_b,score_a,score_b\na,b,1e400,0\n",
                2,
                "score_a \"1e400\" is not a finite number",
            ),
            (
                "team_a,team_b,score_a,score_b\na,b,1,NaN\n",
                2,
                "score_b \"NaN\" is not a finite number",
            ),
            // A quote never closed, whether the record then has too few
            // fields or exactly enough; quotes closed, doubled or inside a
            // field are fine.
            (
                "team_a,team_b,score_a,score_b\na,b,1,0\n\"c,d,1,0\ne,f,1,0\n",
                3,
                "a quoted field opened on this line is never closed",
            ),
            (
                "team_a,team_b,score_a,score_b\na,b,1,0\nc,d,1,\"0\n",
                3,
                "a quoted field opened on this line is never closed",
            ),
            (
                "team_a,team_b,score_a,score_b\n\"a \"\"x\"\"\",b\",1,0\nc,d,1,x\n",
                3,
                "score_b \"x\" is not a number",
            ),
            (
                "team_a,team_b,score_a,score_b,colour\n",
                1,
                "unknown CSV column",
            ),
            ("team_a,team_b,score_a\n", 1, "no score_b column"),
            // Lines are the file's lines, through blank lines and CRLF.
            (
                "team_a,team_b,score_a,score_b\n\na,b,1,0\n\nb,c,x,0\n",
                5,
                "score_a \"x\" is not a number",
            ),
            (
                "team_a,team_b,score_a,score_b\r\na,b,1,0\r\nb,c,1,0\r\nb,c,x,0\r\n",
                4,
                "score_a \"x\" is not a number",
            ),
            (
                "team_a,team_b,score_a,score_b\r\na,b,1,0\r\n\r\nb,c,1\r\n",
                4,
                "invalid CSV: 3 fields where the header has 4",
            ),
            (
                "\r\n\r\nteam_a,team_b,score_a,score_b,colour\r\n",
                3,
                "unknown CSV column",
            ),
            (
                "team_a,team_b,score_a,score_b,team_a\na,b,1,0,c\n",
                1,
                "duplicate CSV column \"team_a\" (column 5)",
            ),
            (
                "{\"teams\": [[\"a\"], [\" \\t\"]], \"ranks\": [1, 2]}",
                1,
                "team 2 has an empty player name",
            ),
            ("name,score\n", 0, "cannot tell the input format"),
        ];
        for (input, line, fragment) in cases {
            let (got_line, message) = read(input).unwrap_err();
            assert_eq!(got_line, line, "{input}: {message}");
            assert!(message.contains(fragment), "{input}: {message}");
            // The only line a message names is the file's.
            assert!(!message.contains("at line"), "{input}: {message}");
        }
        let (line, message) = read(
            "{\"teams\": [[\"a\"], [\"b\"]], \"ranks\": [1, 2]}\n{\"teams\": [[\"a\"], [\"b\"]], \"rank\": [1, 2]}\n",
        )
        .unwrap_err();
        assert_eq!(line, 2);
        assert!(message.ends_with("(column 32)"), "{message}");
    }
}
