-- Schema of the run store after every migration (generated; do not edit).
-- PRAGMA user_version = 5

CREATE TABLE profile_measurements (
  profile_id  TEXT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL CHECK (seq >= 0),
  workload    TEXT NOT NULL,
  strategy    TEXT NOT NULL,
  metric      TEXT NOT NULL,
  measured    REAL NOT NULL,
  source      TEXT NOT NULL DEFAULT '',
  base        TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (profile_id, seq)
) STRICT;

CREATE TABLE profiles (
  id          TEXT PRIMARY KEY NOT NULL,
  name        TEXT NOT NULL,
  json        TEXT NOT NULL CHECK (json_valid(json)),
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE results (
  run_id          TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  strategy_index  INTEGER NOT NULL CHECK (strategy_index >= 0),
  replication     INTEGER NOT NULL CHECK (replication >= 0),
  strategy        TEXT NOT NULL,
  seed            INTEGER NOT NULL,
  wall_ms         REAL NOT NULL,
  metrics_json    TEXT NOT NULL CHECK (json_valid(metrics_json)),
  histogram_json  TEXT NOT NULL CHECK (json_valid(histogram_json)),
  series_points   INTEGER NOT NULL CHECK (series_points BETWEEN 0 AND 100000),
  series          BLOB NOT NULL CHECK (length(series) = series_points * 40), jobs_json TEXT CHECK (jobs_json IS NULL OR json_valid(jobs_json)), explain_json TEXT CHECK (explain_json IS NULL OR json_valid(explain_json)),
  PRIMARY KEY (run_id, strategy_index, replication)
) STRICT;

CREATE TABLE run_tags (
  run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  tag     TEXT NOT NULL,
  PRIMARY KEY (run_id, tag)
) STRICT, WITHOUT ROWID;

CREATE TABLE runs (
  id              TEXT PRIMARY KEY NOT NULL,
  name            TEXT NOT NULL DEFAULT '',
  notes           TEXT NOT NULL DEFAULT '',
  saved           INTEGER NOT NULL DEFAULT 0 CHECK (saved IN (0, 1)),
  status          TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled', 'interrupted')),
  profile_id      TEXT NOT NULL,
  profile_name    TEXT NOT NULL,
  -- RunConfig: profile snapshot, strategies, workload, seed, replications, engine version
  config_json     TEXT NOT NULL CHECK (json_valid(config_json)),
  -- canonical strategy texts as ",a,b:k=v," for exact filtering
  strategies_text TEXT NOT NULL,
  workload_text   TEXT NOT NULL,
  seed            INTEGER NOT NULL,
  replications    INTEGER NOT NULL CHECK (replications >= 1),
  engine_version  TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  finished_at     INTEGER,
  wall_ms         REAL,
  error           TEXT,
  -- cached list view: median throughput per strategy, written when the run ends
  summary_json    TEXT CHECK (summary_json IS NULL OR json_valid(summary_json)),
  -- the process running it (a run left running by a dead owner becomes interrupted)
  owner_pid       INTEGER,
  owner_host      TEXT
, sweep_id TEXT REFERENCES sweeps (id) ON DELETE CASCADE, sweep_index INTEGER, sweep_point_json TEXT CHECK (sweep_point_json IS NULL OR json_valid(sweep_point_json)), kind TEXT NOT NULL DEFAULT 'simulated' CHECK (kind IN ('simulated', 'measured')), measured_json TEXT CHECK (measured_json IS NULL OR json_valid(measured_json))) STRICT;

CREATE TABLE sweeps (
  id           TEXT PRIMARY KEY NOT NULL,
  name         TEXT NOT NULL DEFAULT '',
  notes        TEXT NOT NULL DEFAULT '',
  tags_json    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags_json)),
  saved        INTEGER NOT NULL DEFAULT 0 CHECK (saved IN (0, 1)),
  status       TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled', 'interrupted')),
  -- SweepConfig: profiles, strategies, base workload, vary keys and values, seed, replications
  config_json  TEXT NOT NULL CHECK (json_valid(config_json)),
  point_count  INTEGER NOT NULL CHECK (point_count >= 1),
  created_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  error        TEXT,
  owner_pid    INTEGER,
  owner_host   TEXT
) STRICT;

CREATE INDEX run_tags_by_tag ON run_tags (tag, run_id);

CREATE INDEX runs_by_created ON runs (created_at DESC, id);

CREATE INDEX runs_by_kind ON runs (kind, created_at DESC) WHERE kind <> 'simulated';

CREATE INDEX runs_by_name ON runs (name COLLATE NOCASE, id);

CREATE INDEX runs_by_profile ON runs (profile_id, created_at DESC);

CREATE UNIQUE INDEX runs_by_sweep ON runs (sweep_id, sweep_index) WHERE sweep_id IS NOT NULL;

CREATE INDEX runs_running ON runs (status) WHERE status = 'running';

CREATE INDEX runs_saved_by_created ON runs (saved, created_at DESC, id) WHERE sweep_id IS NULL;

CREATE INDEX sweeps_by_created ON sweeps (created_at DESC, id);
