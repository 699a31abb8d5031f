-- Version 3: runs of kind `measured` (a real tool's result, such as fio's JSON output) stored beside
-- simulated runs, so History lists them and Diff compares measured with simulated.

ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'simulated' CHECK (kind IN ('simulated', 'measured'));
-- What was measured, as the tool reported it (fio version, per-job figures); NULL for simulated runs.
ALTER TABLE runs ADD COLUMN measured_json TEXT CHECK (measured_json IS NULL OR json_valid(measured_json));

CREATE INDEX runs_by_kind ON runs (kind, created_at DESC) WHERE kind <> 'simulated';

-- Per-job and per-group results of fio workloads with several jobs (and of measured fio runs).
ALTER TABLE results ADD COLUMN jobs_json TEXT CHECK (jobs_json IS NULL OR json_valid(jobs_json));
