-- Teams and sharing (issue 7): accounts, sessions, personal API tokens, one-time sign-in links, workspaces and
-- their members, invites, share links and annotations. Every secret (session, token, link) is stored only as
-- its HMAC-SHA256 under the server's pepper (token_hash), never as the token itself; passwords only as scrypt
-- hashes. Times are ISO-8601 UTC text. Every migration exists in both folders (sqlite/ and postgres/).

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  -- Trimmed and lower-cased by the repository, so the unique index makes e-mail unique case-insensitively.
  email TEXT NOT NULL CHECK (email = lower(email)),
  display_name TEXT NOT NULL DEFAULT '',
  -- scrypt$…: see modules/auth/password.ts; NULL until the user sets a password (the first-start owner signs
  -- in with a one-time link).
  password_hash TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE UNIQUE INDEX sessions_token_hash ON sessions (token_hash);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  -- The token's first characters, shown in lists so a user can tell tokens apart.
  prefix TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE UNIQUE INDEX api_tokens_token_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

-- One-time sign-in links (the first start prints one for the owner of the default workspace).
CREATE TABLE sign_in_links (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT,
  revoked_at TEXT
);
CREATE UNIQUE INDEX sign_in_links_token_hash ON sign_in_links (token_hash);
CREATE INDEX sign_in_links_by_user ON sign_in_links (user_id);

CREATE TABLE workspaces (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE memberships (
  workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('OWNER', 'EDITOR', 'VIEWER')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

-- Invite links: single use, with the role the new member gets.
CREATE TABLE invites (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('OWNER', 'EDITOR', 'VIEWER')),
  created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT,
  used_by TEXT REFERENCES users (id) ON DELETE SET NULL,
  revoked_at TEXT
);
CREATE UNIQUE INDEX invites_token_hash ON invites (token_hash);
CREATE INDEX invites_by_workspace ON invites (workspace_id);

-- Read-only links to a model, a run, or a comparison of runs.
CREATE TABLE share_links (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  target_kind TEXT NOT NULL CHECK (target_kind IN ('MODEL', 'RUN', 'COMPARISON')),
  -- JSON array: [model id], [run id], or the run ids of a comparison (two or more), in order.
  target_ids TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE UNIQUE INDEX share_links_token_hash ON share_links (token_hash);
CREATE INDEX share_links_by_workspace ON share_links (workspace_id);

-- Labels of filters and comments on filters and runs. A filter annotation names its filter (model, layer,
-- index) and goes with it; a run annotation goes with its run.
CREATE TABLE annotations (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('LABEL', 'COMMENT')),
  target_kind TEXT NOT NULL CHECK (target_kind IN ('FILTER', 'RUN')),
  model_id TEXT,
  layer_name TEXT,
  filter_index INTEGER,
  run_id TEXT REFERENCES pruning_runs (id) ON DELETE CASCADE,
  body TEXT NOT NULL,
  author_id TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  FOREIGN KEY (model_id, layer_name, filter_index)
    REFERENCES filters (model_id, layer_name, filter_index) ON DELETE CASCADE,
  CHECK (
    (target_kind = 'FILTER' AND model_id IS NOT NULL AND layer_name IS NOT NULL AND filter_index IS NOT NULL
      AND run_id IS NULL)
    OR (target_kind = 'RUN' AND run_id IS NOT NULL AND model_id IS NULL AND layer_name IS NULL
      AND filter_index IS NULL)
  ),
  -- Labels name filters; runs get comments only.
  CHECK (kind = 'COMMENT' OR target_kind = 'FILTER')
);
CREATE INDEX annotations_by_filter ON annotations (model_id, layer_name, filter_index);
CREATE INDEX annotations_by_run ON annotations (run_id);
CREATE INDEX annotations_by_workspace ON annotations (workspace_id);
