-- IOMMU Lab run store, version 4: History at 10,000 runs.
-- The History view lists saved runs outside sweeps, newest first, a page at a time, sorted by any
-- column: these indexes serve its default order and the name/profile sorts without a full scan.

CREATE INDEX runs_saved_by_created ON runs (saved, created_at DESC, id) WHERE sweep_id IS NULL;
CREATE INDEX runs_by_name ON runs (name COLLATE NOCASE, id);
CREATE INDEX runs_by_profile ON runs (profile_id, created_at DESC);
