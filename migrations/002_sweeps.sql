-- Version 2: sweeps, groups of runs over the cartesian product of swept parameters.

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

CREATE INDEX sweeps_by_created ON sweeps (created_at DESC, id);

ALTER TABLE runs ADD COLUMN sweep_id TEXT REFERENCES sweeps (id) ON DELETE CASCADE;
ALTER TABLE runs ADD COLUMN sweep_index INTEGER;
ALTER TABLE runs ADD COLUMN sweep_point_json TEXT CHECK (sweep_point_json IS NULL OR json_valid(sweep_point_json));

CREATE UNIQUE INDEX runs_by_sweep ON runs (sweep_id, sweep_index) WHERE sweep_id IS NOT NULL;
