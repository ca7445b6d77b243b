//! A lobby's life as players live it: the ready check (accept after a short
//! delay, decline, or never answer), dispatch once everyone accepted, the
//! match, its result drawn from true skill, and what the players do next.

use matchforge::ids::{LobbyId, TicketId};
use matchforge::lobby::{Lobby, LobbyPhase, MatchResult};

use super::population::Population;
use super::world::{Action, OpenLobby, World};
use crate::error::Error;

impl World<'_> {
    /// The runner created `lobby`: record its quality and schedule every
    /// player's answer.
    pub(super) fn lobby_opened(&mut self, lobby: &Lobby) {
        let now = self.now();
        let quality = lobby.proposal().quality;
        self.tally.matches += 1;
        self.tally.spreads.push(quality.rating_spread);
        self.tally.imbalances.push(quality.team_imbalance);
        let teams: Vec<Vec<u32>> = lobby
            .teams()
            .iter()
            .map(|team| {
                team.iter()
                    .filter_map(|&p| self.population.index(p))
                    .collect()
            })
            .collect();
        let skill = self.setup.profile.skill;
        let strengths: Vec<f64> = teams
            .iter()
            .map(|team| {
                team.iter()
                    .map(|&p| skill.scaled(self.population.players[p as usize].true_skill))
                    .sum()
            })
            .collect();
        let players: usize = teams.iter().map(Vec::len).sum();
        let first = skill.first_place(&strengths, players);
        self.tally
            .win_deviation
            .push((first[0] - 1.0 / teams.len() as f64).abs());
        for seat in &lobby.proposal().seats {
            if let Some(at) = self.ledger.enqueued_at(seat.ticket) {
                self.tally.waits.push((now - at).as_seconds_f64());
            }
        }
        let timeout_ms = self
            .setup
            .profile
            .settings
            .ready_check()
            .map_or(u64::MAX, |d| d.as_millis() as u64);
        let behaviour = self.setup.profile.behaviour;
        for &p in teams.iter().flatten() {
            self.matched[p as usize] = true;
            let roll = self.behaviour.unit();
            let delay =
                1000 + (self.behaviour.exponential(behaviour.answer_delay_mean) * 1000.0) as u64;
            let delay = delay.min(timeout_ms.saturating_sub(2000));
            if roll < behaviour.accept {
                self.schedule(
                    delay,
                    Action::Answer {
                        lobby: lobby.id(),
                        player: p,
                        accept: true,
                    },
                );
            } else if roll < behaviour.accept + behaviour.decline {
                self.schedule(
                    delay,
                    Action::Answer {
                        lobby: lobby.id(),
                        player: p,
                        accept: false,
                    },
                );
            }
            // Otherwise the player is away: the ready check will run out.
        }
        let server = match &lobby.proposal().region {
            Some(region) => format!("sim-{region}"),
            None => "sim".to_owned(),
        };
        self.lobbies.insert(
            lobby.id(),
            OpenLobby {
                teams,
                tickets: lobby.ticket_ids().collect(),
                server,
                dispatched: false,
                declined: false,
            },
        );
    }

    /// A player answers a ready check, unless the lobby is gone already.
    pub(super) async fn answer(
        &mut self,
        lobby: LobbyId,
        player: u32,
        accept: bool,
    ) -> Result<(), Error> {
        let Some(open) = self.lobbies.get_mut(&lobby).filter(|l| !l.dispatched) else {
            return Ok(());
        };
        let id = Population::id(player);
        if !accept {
            open.declined = true;
            self.forge
                .decline(lobby, id)
                .await
                .map_err(self.failed(format!("player {player} declining lobby {lobby}")))?;
            // The cancellation's requeues and cooldowns, at once.
            return self.drain().await;
        }
        let after = self
            .forge
            .accept(lobby, id)
            .await
            .map_err(self.failed(format!("player {player} accepting lobby {lobby}")))?;
        self.ledger.accepted(lobby, id);
        if after.phase() == LobbyPhase::Ready {
            let server = self.lobbies[&lobby].server.clone();
            self.forge
                .dispatch(lobby, &server)
                .await
                .map_err(self.failed(format!("dispatching lobby {lobby}")))?;
            if let Some(open) = self.lobbies.get_mut(&lobby) {
                open.dispatched = true;
            }
            let (lo, hi) = self.setup.profile.behaviour.match_secs;
            let length = (self.behaviour.uniform(lo, hi) * 1000.0) as u64;
            self.schedule(length, Action::MatchEnd(lobby));
        }
        Ok(())
    }

    /// Teams finish in the order of `strength / c + Gumbel noise` (see
    /// [`SkillModel`](super::scenario::SkillModel)): rank 1 is first.
    fn draw_result(&mut self, teams: &[Vec<u32>]) -> MatchResult {
        let skill = self.setup.profile.skill;
        let players: usize = teams.iter().map(Vec::len).sum();
        let c = skill.temperature(players);
        let scores: Vec<f64> = teams
            .iter()
            .map(|team| {
                let strength: f64 = team
                    .iter()
                    .map(|&p| skill.scaled(self.population.players[p as usize].true_skill))
                    .sum();
                strength / c + self.results.gumbel()
            })
            .collect();
        let mut order: Vec<usize> = (0..teams.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        let mut ranks = vec![0u32; teams.len()];
        for (place, &team) in order.iter().enumerate() {
            ranks[team] = place as u32 + 1;
        }
        MatchResult::ranks(ranks)
    }

    /// The match is over: report the result, then each group takes a break
    /// and queues again, or ends its session.
    pub(super) async fn match_end(&mut self, lobby: LobbyId) -> Result<(), Error> {
        let Some(open) = self.lobbies.remove(&lobby) else {
            return Ok(());
        };
        let result = self.draw_result(&open.teams);
        let reported = self
            .forge
            .report(lobby, result)
            .await
            .map_err(self.failed(format!("reporting lobby {lobby}")))?;
        let changes: Vec<_> = reported
            .record()
            .rating_changes
            .iter()
            .map(|c| (c.player, c.after))
            .collect();
        self.ledger.rated_match(&changes);
        self.tally.matches_completed += 1;
        for ticket in open.tickets {
            self.next_for(ticket).await?;
        }
        Ok(())
    }

    async fn next_for(&mut self, ticket: TicketId) -> Result<(), Error> {
        let Some(group) = self.group_of_ticket.remove(&ticket) else {
            return Ok(());
        };
        let Some(g) = self.groups.get_mut(&group) else {
            return Ok(());
        };
        g.matches_left = g.matches_left.saturating_sub(1);
        if g.matches_left == 0 {
            return self.end_session(group).await;
        }
        let (lo, hi) = self.setup.profile.behaviour.break_secs;
        let pause = (self.behaviour.uniform(lo, hi) * 1000.0) as u64;
        self.schedule(pause, Action::Join(group));
        Ok(())
    }
}
