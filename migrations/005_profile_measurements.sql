-- Version 3: the measurements a user profile was calibrated from (iommu-lab calibrate --save-as),
-- listed by `validate --profile ID` beside the built-in reference rows.

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

-- The cost-term breakdown of a result's mean map and unmap call (StrategyResult.explain), when the
-- engine books one; NULL for results of engines that do not.
ALTER TABLE results ADD COLUMN explain_json TEXT CHECK (explain_json IS NULL OR json_valid(explain_json));
