-- MatchForge's tables. Run by `PgStore::migrate` (embedded with `sqlx::migrate!`)
-- or by `sqlx migrate run`; either way in the schema first on the search_path.
--
-- Conventions:
-- * `body` columns hold the domain value as JSON, exactly as serde writes it;
--   the other columns are keys and indexes over it, kept in step by the adapter.
-- * Domain times are `timestamptz` (microseconds). Where the adapter compares
--   or orders them, a `*_ns` column keeps the nanoseconds beyond the
--   microsecond (0..=999), so comparisons are as exact as chrono's.
-- * No column defaults to now(): every domain time comes from the caller.

-- Tickets: a row exists exactly while the ticket waits.
CREATE TABLE tickets (
    id          uuid        PRIMARY KEY,
    queue       text        NOT NULL,
    enqueued_at timestamptz NOT NULL,
    body        json        NOT NULL
);
CREATE INDEX tickets_by_queue ON tickets (queue, enqueued_at, id);

-- Lobbies, finished ones included; `deadline` is set while a ready check is open.
CREATE TABLE lobbies (
    id          uuid        PRIMARY KEY,
    queue       text        NOT NULL,
    phase       text        NOT NULL CHECK (phase IN ('forming', 'awaiting_acceptance', 'ready',
                                                      'dispatched', 'completed', 'cancelled')),
    version     bigint      NOT NULL CHECK (version >= 1),
    deadline    timestamptz,
    deadline_ns smallint    CHECK (deadline_ns BETWEEN 0 AND 999),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    body        json        NOT NULL,
    CHECK ((deadline IS NULL) = (deadline_ns IS NULL))
) WITH (toast_tuple_target = 8160); -- a 5v5 lobby (~5 kB) stays inline, uncompressed
CREATE INDEX lobbies_due ON lobbies (deadline, deadline_ns, id) WHERE deadline IS NOT NULL;

-- Where each busy player is: on a waiting ticket or in an unfinished lobby.
-- The primary key is the rule "a player waits on at most one ticket, in any
-- queue, and never while in an unfinished lobby", enforced by the database
-- even between concurrent transactions. It is an index the adapter keeps in
-- step with `tickets` and `lobbies` in the same transactions, so it has no
-- foreign keys: their per-row triggers cost half of a 1000-ticket commit.
CREATE TABLE busy_players (
    player uuid PRIMARY KEY,
    ticket uuid,
    lobby  uuid,
    CHECK (num_nonnulls(ticket, lobby) = 1)
);
CREATE INDEX busy_players_by_ticket ON busy_players (ticket) WHERE ticket IS NOT NULL;
CREATE INDEX busy_players_by_lobby ON busy_players (lobby) WHERE lobby IS NOT NULL;

-- When each player's latest cooldown ends.
CREATE TABLE cooldowns (
    player   uuid        PRIMARY KEY,
    until    timestamptz NOT NULL,
    until_ns smallint    NOT NULL CHECK (until_ns BETWEEN 0 AND 999)
);

-- Ratings per ladder; double precision round-trips an f64 exactly.
CREATE TABLE ratings (
    ladder     text             NOT NULL,
    player     uuid             NOT NULL,
    rating     double precision NOT NULL CHECK (rating > '-infinity' AND rating < 'infinity'),
    deviation  double precision NOT NULL CHECK (deviation >= 0 AND deviation < 'infinity'),
    volatility double precision NOT NULL CHECK (volatility >= 0 AND volatility < 'infinity'),
    games      bigint           NOT NULL CHECK (games BETWEEN 0 AND 4294967295),
    PRIMARY KEY (ladder, player)
);
CREATE INDEX ratings_by_player ON ratings (player);

-- Parties and their members (a player belongs to at most one party).
CREATE TABLE parties (
    id         uuid        PRIMARY KEY,
    leader     uuid        NOT NULL,
    version    bigint      NOT NULL CHECK (version >= 1),
    created_at timestamptz NOT NULL,
    body       json        NOT NULL
);
CREATE TABLE party_members (
    player uuid PRIMARY KEY,
    party  uuid NOT NULL REFERENCES parties (id) ON DELETE CASCADE
);
CREATE INDEX party_members_by_party ON party_members (party);

-- Match history: one record per played lobby (no foreign key to lobbies, so
-- finished lobbies can be pruned while the history stays).
CREATE TABLE match_history (
    lobby        uuid        PRIMARY KEY,
    queue        text        NOT NULL,
    ladder       text        NOT NULL,
    server       text,
    started_at   timestamptz NOT NULL,
    completed_at timestamptz NOT NULL,
    completed_ns smallint    NOT NULL CHECK (completed_ns BETWEEN 0 AND 999),
    body         json        NOT NULL
) WITH (toast_tuple_target = 8160);
CREATE INDEX match_history_by_time ON match_history (completed_at);
-- Who played which match, keyed for "a player's matches in a time range, newest first".
CREATE TABLE match_players (
    player       uuid        NOT NULL,
    completed_at timestamptz NOT NULL,
    completed_ns smallint    NOT NULL,
    lobby        uuid        NOT NULL REFERENCES match_history (lobby) ON DELETE CASCADE,
    team         integer     NOT NULL,
    PRIMARY KEY (player, completed_at, completed_ns, lobby)
);
CREATE INDEX match_players_by_lobby ON match_players (lobby);

-- The event outbox. `seq` is gap-free and in commit order: every writing
-- transaction takes the one row of `event_counter` (a row lock held until it
-- commits) right before appending, so a reader that has seen `seq` n has seen
-- everything below it.
CREATE TABLE events (
    seq  bigint      PRIMARY KEY,
    at   timestamptz NOT NULL,
    kind text        NOT NULL,
    body json        NOT NULL
);
CREATE TABLE event_counter (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    last     bigint  NOT NULL CHECK (last >= 0)
);
INSERT INTO event_counter (only_row, last) VALUES (true, 0);
