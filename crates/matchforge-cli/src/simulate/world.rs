//! The event loop: simulated time, arrivals, sessions, and the runner's ticks.
//!
//! Time is kept in whole milliseconds since the start of the day (arrival
//! times are drawn in fractions of a millisecond, and each arrival runs at
//! its time rounded to the millisecond), and never wraps. Actions
//! (an arrival, a join, a ready-check answer, the end of a match) wait in an
//! agenda ordered by time, then by the order they were scheduled. The runner
//! is stepped on its tick grid (every `tick_interval`); at equal times the
//! actions go first, then the step. Steps are skipped while nothing waits and
//! no ready check is open (a step would find nothing to do), which keeps
//! quiet stretches cheap.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::time::Instant;

use chrono::{DateTime, Utc};
use indicatif::ProgressBar;
use matchforge::clock::SimulatedClock;
use matchforge::ids::{LobbyId, PartyId, PlayerId, QueueName, Role, TicketId};
use matchforge::{EventSubscription, MatchForge};

use super::audit::{Ledger, Notice};
use super::population::{OfflinePool, Population};
use super::random::{Draw, Stream};
use super::report::Tally;
use super::scenario::Profile;
use crate::error::Error;

/// Something the world does at a given time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Action {
    /// Players come online (and the next arrival is scheduled).
    Arrival,
    /// A group (re)joins the queue.
    Join(u64),
    /// A player answers a ready check.
    Answer {
        lobby: LobbyId,
        player: u32,
        accept: bool,
    },
    /// A match ends; its result is reported.
    MatchEnd(LobbyId),
}

/// Players who play a session together: one player, or a party.
#[derive(Debug)]
pub(super) struct Group {
    pub(super) members: Vec<u32>,
    pub(super) party: Option<PartyId>,
    pub(super) matches_left: u32,
}

/// A lobby as the world follows it.
#[derive(Debug)]
pub(super) struct OpenLobby {
    pub(super) teams: Vec<Vec<u32>>,
    pub(super) tickets: Vec<TicketId>,
    pub(super) server: String,
    pub(super) dispatched: bool,
    pub(super) declined: bool,
}

/// What a run is given.
#[derive(Debug)]
pub(super) struct Setup {
    pub(super) profile: Profile,
    pub(super) players: u32,
    pub(super) duration_ms: u64,
    /// Players coming online per simulated second.
    pub(super) arrival_rate: f64,
    pub(super) seed: u64,
}

/// The simulation state; see the module docs.
pub(super) struct World<'a> {
    pub(super) forge: &'a MatchForge,
    clock: &'a SimulatedClock,
    t0: DateTime<Utc>,
    pub(super) now_ms: u64,
    pub(super) setup: &'a Setup,
    pub(super) queue: QueueName,
    pub(super) population: Population,
    offline: OfflinePool,
    pub(super) ledger: Ledger,
    events: EventSubscription,
    agenda: BinaryHeap<Reverse<(u64, u64, Action)>>,
    scheduled: u64,
    /// The time of the next arrival in fractional milliseconds: gaps add up
    /// exactly, and each arrival runs at its time rounded to the millisecond,
    /// so arrivals are not capped at one a millisecond nor late by rounding.
    next_arrival_ms: f64,
    pub(super) groups: BTreeMap<u64, Group>,
    next_group: u64,
    pub(super) group_of_ticket: HashMap<TicketId, u64>,
    pub(super) lobbies: HashMap<LobbyId, OpenLobby>,
    cooldown_until_ms: Vec<u64>,
    arrivals: Draw,
    pub(super) behaviour: Draw,
    pub(super) results: Draw,
    pub(super) tally: Tally,
    pub(super) matched: Vec<bool>,
    progress: Option<&'a ProgressBar>,
    shown_minute: u64,
}

impl<'a> World<'a> {
    /// A world at the start of the day, everyone offline.
    pub(super) fn new(
        forge: &'a MatchForge,
        clock: &'a SimulatedClock,
        setup: &'a Setup,
        progress: Option<&'a ProgressBar>,
    ) -> Self {
        let population = Population::generate(&setup.profile, setup.players, setup.seed);
        let settings = &setup.profile.settings;
        let ledger = Ledger::new(
            settings.config().spec().clone(),
            settings.algorithm().initial_rating(),
            population.len(),
        );
        Self {
            forge,
            clock,
            t0: clock_now(clock),
            now_ms: 0,
            setup,
            queue: settings.name().clone(),
            offline: OfflinePool::new(&population),
            cooldown_until_ms: vec![0; population.len()],
            matched: vec![false; population.len()],
            population,
            ledger,
            events: forge.subscribe(None),
            agenda: BinaryHeap::new(),
            scheduled: 0,
            next_arrival_ms: 0.0,
            groups: BTreeMap::new(),
            next_group: 0,
            group_of_ticket: HashMap::new(),
            lobbies: HashMap::new(),
            arrivals: Draw::new(setup.seed, Stream::Arrivals),
            behaviour: Draw::new(setup.seed, Stream::Behaviour),
            results: Draw::new(setup.seed, Stream::Results),
            tally: Tally::default(),
            progress,
            shown_minute: u64::MAX,
        }
    }

    /// The simulated time now.
    pub(super) fn now(&self) -> DateTime<Utc> {
        self.at(self.now_ms)
    }

    fn at(&self, ms: u64) -> DateTime<Utc> {
        self.t0 + chrono::Duration::milliseconds(ms as i64)
    }

    /// Wraps a matchmaking error with the time and what was being done.
    pub(super) fn failed(
        &self,
        action: impl Into<String>,
    ) -> impl FnOnce(matchforge::Error) -> Error {
        let at_secs = self.now_ms as f64 / 1000.0;
        let action = action.into();
        move |source| Error::Simulation {
            at_secs,
            action,
            source,
        }
    }

    /// Schedules `action` `delay_ms` from now.
    pub(super) fn schedule(&mut self, delay_ms: u64, action: Action) {
        self.schedule_at(self.now_ms.saturating_add(delay_ms), action);
    }

    /// Schedules `action` at `at_ms`.
    fn schedule_at(&mut self, at_ms: u64, action: Action) {
        self.scheduled += 1;
        self.agenda.push(Reverse((at_ms, self.scheduled, action)));
    }

    /// Schedules the next arrival an exponential gap after the last one,
    /// unless it falls after the end of the day (a gap can be astronomically
    /// long at a tiny `--arrival-rate`).
    fn schedule_arrival(&mut self) {
        self.next_arrival_ms += self.arrival_gap();
        let at = self.next_arrival_ms.round();
        // False for NaN too.
        if at < self.setup.duration_ms as f64 {
            self.schedule_at(at as u64, Action::Arrival);
        }
    }

    /// Runs the day.
    ///
    /// # Errors
    /// A matchmaking call that failed ([`Error::Simulation`]).
    pub(super) async fn run(&mut self) -> Result<(), Error> {
        let tick = self
            .setup
            .profile
            .settings
            .tick_interval()
            .as_millis()
            .max(1) as u64;
        let end = self.setup.duration_ms;
        let mut next_tick: u64 = 0;
        self.schedule_arrival();
        loop {
            let next_action = self.agenda.peek().map(|Reverse((at, ..))| *at);
            if next_tick < end && next_action.is_none_or(|at| next_tick < at) {
                if self.ledger.has_work() {
                    self.advance(next_tick);
                    self.step().await?;
                    next_tick = next_tick.saturating_add(tick);
                } else if let Some(at) = next_action {
                    next_tick = at.div_ceil(tick).saturating_mul(tick);
                } else {
                    break;
                }
                continue;
            }
            let Some(Reverse((at, _, action))) = self.agenda.pop() else {
                break;
            };
            if at >= end {
                break;
            }
            self.advance(at);
            self.act(action).await?;
        }
        self.advance(end.max(self.now_ms));
        self.drain().await
    }

    fn advance(&mut self, ms: u64) {
        self.now_ms = ms;
        self.clock.set(self.at(ms));
        if let Some(bar) = self.progress {
            bar.set_position(ms / 1000);
            if ms / 60_000 != self.shown_minute {
                self.shown_minute = ms / 60_000;
                bar.set_message(format!("{} matches", self.tally.matches));
            }
        }
    }

    async fn act(&mut self, action: Action) -> Result<(), Error> {
        match action {
            Action::Arrival => self.arrival().await,
            Action::Join(group) => self.join(group).await,
            Action::Answer {
                lobby,
                player,
                accept,
            } => self.answer(lobby, player, accept).await,
            Action::MatchEnd(lobby) => self.match_end(lobby).await,
        }
    }

    /// Milliseconds (fractional) to the next arrival of a group: arrivals of
    /// players are a Poisson process of `arrival_rate`, grouped into parties.
    fn arrival_gap(&mut self) -> f64 {
        let sizes = self.setup.profile.party_sizes;
        let mean_size: f64 = sizes
            .iter()
            .enumerate()
            .map(|(i, w)| (i + 1) as f64 * w)
            .sum();
        let groups_per_sec = self.setup.arrival_rate / mean_size;
        self.arrivals.exponential(1000.0 / groups_per_sec)
    }

    /// An offline player off cooldown near `region` (anywhere: `None`).
    fn pick(&mut self, region: Option<usize>) -> Option<u32> {
        let mut cooling = Vec::new();
        let mut found = None;
        for _ in 0..4 {
            let p = match region {
                Some(r) => self.offline.take_in(r, &mut self.arrivals),
                None => self.offline.take_any(&mut self.arrivals),
            }?;
            if self.cooldown_until_ms[p as usize] > self.now_ms {
                cooling.push(p);
            } else {
                found = Some(p);
                break;
            }
        }
        for p in cooling {
            self.offline.put_back(p);
        }
        found
    }

    async fn arrival(&mut self) -> Result<(), Error> {
        self.schedule_arrival();
        let size = 1 + self.arrivals.weighted(self.setup.profile.party_sizes);
        let Some(leader) = self.pick(None) else {
            self.tally.arrivals_skipped += 1;
            return Ok(());
        };
        let home = self.population.players[leader as usize].home;
        let mut members = vec![leader];
        while members.len() < size {
            match self.pick(Some(home)) {
                Some(friend) => members.push(friend),
                None => break,
            }
        }
        let mut matches = 1;
        while matches < 20
            && self
                .behaviour
                .chance(self.setup.profile.behaviour.keep_playing)
        {
            matches += 1;
        }
        let party = if members.len() > 1 {
            Some(self.form_party(&members).await?)
        } else {
            None
        };
        self.tally.sessions += members.len() as u64;
        let id = self.next_group;
        self.next_group += 1;
        self.groups.insert(
            id,
            Group {
                members,
                party,
                matches_left: matches,
            },
        );
        self.join(id).await
    }

    /// A party through the real services: the leader creates it, invites the
    /// others, and they accept.
    async fn form_party(&mut self, members: &[u32]) -> Result<PartyId, Error> {
        let leader = Population::id(members[0]);
        let party = self
            .forge
            .create_party(leader)
            .await
            .map_err(self.failed(format!("creating a party for player {}", members[0])))?
            .id();
        for &m in &members[1..] {
            let id = Population::id(m);
            self.forge
                .invite(party, leader, id)
                .await
                .map_err(self.failed(format!("inviting player {m}")))?;
            self.forge
                .accept_invite(party, id)
                .await
                .map_err(self.failed(format!("player {m} joining a party")))?;
        }
        Ok(party)
    }

    /// A group queues: solo with `join`, a party with `join_party` by its leader.
    async fn join(&mut self, group: u64) -> Result<(), Error> {
        let Some(g) = self.groups.get(&group) else {
            return Ok(());
        };
        let members = g.members.clone();
        let party = g.party;
        let attributes = self.population.attributes(&self.setup.profile, &members);
        let leader = Population::id(members[0]);
        let joined = match party {
            None => {
                let roles = self.population.roles(members[0]).to_vec();
                self.forge
                    .join(self.queue.clone(), leader, attributes.clone(), &roles)
                    .await
            }
            Some(party) => {
                let roles: BTreeMap<PlayerId, Vec<Role>> = members
                    .iter()
                    .map(|&m| (Population::id(m), self.population.roles(m).to_vec()))
                    .filter(|(_, r)| !r.is_empty())
                    .collect();
                self.forge
                    .join_party(
                        self.queue.clone(),
                        party,
                        leader,
                        attributes.clone(),
                        &roles,
                    )
                    .await
            }
        };
        let ticket =
            joined.map_err(self.failed(format!("queueing player {}'s group", members[0])))?;
        let now = self.now();
        self.ledger.joined(&ticket, &members, attributes, now);
        self.group_of_ticket.insert(ticket.id(), group);
        self.tally.tickets += 1;
        Ok(())
    }

    /// A group's session ends: the party disbands and everyone goes offline.
    pub(super) async fn end_session(&mut self, group: u64) -> Result<(), Error> {
        let Some(g) = self.groups.remove(&group) else {
            return Ok(());
        };
        if let Some(party) = g.party {
            for &m in &g.members {
                self.forge
                    .leave_party(party, Population::id(m))
                    .await
                    .map_err(self.failed(format!("player {m} leaving a party")))?;
            }
        }
        for m in g.members {
            self.offline.put_back(m);
        }
        Ok(())
    }

    /// One runner step at the current time, then the events it caused.
    async fn step(&mut self) -> Result<(), Error> {
        let started = Instant::now();
        let now = self.now();
        let report = self
            .forge
            .step()
            .await
            .map_err(self.failed("stepping the runner"))?;
        self.ledger.swept(now);
        if !report.ticks.is_empty() {
            self.tally
                .tick_ms
                .push(started.elapsed().as_secs_f64() * 1000.0);
        }
        self.ledger
            .step_lobbies(report.ticks.into_iter().flat_map(|(_, t)| t.lobbies));
        self.drain().await
    }

    /// Reads every new event into the ledger and reacts to what it reports.
    pub(super) async fn drain(&mut self) -> Result<(), Error> {
        let now = self.now();
        let mut notices = Vec::new();
        while let Some((_, event)) = self
            .events
            .try_next()
            .await
            .map_err(self.failed("reading events"))?
        {
            self.ledger
                .apply(event, &self.population, now, &mut notices);
        }
        self.ledger.settle();
        for notice in notices {
            match notice {
                Notice::LobbyOpened(lobby) => self.lobby_opened(&lobby),
                Notice::TicketExpired(ticket) => {
                    if let Some(group) = self.group_of_ticket.remove(&ticket) {
                        self.end_session(group).await?;
                    }
                }
                Notice::LobbyCancelled {
                    lobby,
                    dropped,
                    removed,
                    at,
                } => {
                    let declined = self.lobbies.remove(&lobby).is_some_and(|l| l.declined);
                    if declined {
                        self.tally.lobbies_declined += 1;
                    } else {
                        self.tally.lobbies_timed_out += 1;
                    }
                    let cooldown = self.setup.profile.settings_cooldown_ms();
                    let at_ms = u64::try_from((at - self.t0).num_milliseconds()).unwrap_or(0);
                    for p in removed {
                        self.cooldown_until_ms[p as usize] = at_ms.saturating_add(cooldown);
                    }
                    for ticket in dropped {
                        if let Some(group) = self.group_of_ticket.remove(&ticket) {
                            self.end_session(group).await?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The final reconciliation: every player's status in the store against
    /// the ledger's.
    pub(super) async fn reconcile(&mut self) -> Result<(), Error> {
        for p in 0..self.population.len() as u32 {
            let status = self
                .forge
                .status(Population::id(p))
                .await
                .map_err(self.failed(format!("reading player {p}'s status")))?;
            self.ledger.reconcile(p, &status);
        }
        Ok(())
    }
}

fn clock_now(clock: &SimulatedClock) -> DateTime<Utc> {
    use matchforge::clock::Clock;
    clock.now()
}
