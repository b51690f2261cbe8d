-- Every model and dataset belongs to a workspace (issue 7); analyses, pruning runs, their steps and a model's
-- evaluations belong to the workspace of their model. A built-in dataset has no workspace: every member of
-- every workspace reads it. Rows from before this migration are adopted by the default workspace when the
-- server starts (see modules/access/adopt.ts), since the default workspace is created by code, not SQL.
-- Every migration exists in both folders (sqlite/ and postgres/) with the same number.
ALTER TABLE models ADD COLUMN workspace_id TEXT REFERENCES workspaces (id) ON DELETE CASCADE;
CREATE INDEX models_by_workspace ON models (workspace_id, created_at);
-- A demo is registered once per workspace.
DROP INDEX models_demo_source;
CREATE UNIQUE INDEX models_demo_source ON models (workspace_id, source) WHERE source_kind = 'demo';

ALTER TABLE datasets ADD COLUMN workspace_id TEXT REFERENCES workspaces (id) ON DELETE CASCADE;
CREATE INDEX datasets_by_workspace ON datasets (workspace_id);
