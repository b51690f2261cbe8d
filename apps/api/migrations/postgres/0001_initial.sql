-- The PostgreSQL twin of migrations/sqlite/0001_initial.sql: the same tables, columns, keys and cascades.
-- Models, their layers and filters (static facts read once at registration), CAR analyses and their scores.
-- Times are ISO-8601 UTC strings (TEXT, as on SQLite, so both sort and compare them alike); JSON columns are
-- jsonb; booleans are BOOLEAN (INTEGER 0/1 on SQLite).

CREATE TABLE models (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  -- 'demo' (source = demo name, resolved inside @carve/core) or 'path' (source = absolute path on the server)
  source_kind TEXT NOT NULL CHECK (source_kind IN ('demo', 'path')),
  source TEXT NOT NULL,
  -- The dataset analyses read: a built-in dataset name or a directory; NULL when none was given.
  dataset TEXT,
  topology TEXT NOT NULL,
  input_shape JSONB NOT NULL,
  class_names JSONB NOT NULL,
  params BIGINT NOT NULL,
  flops DOUBLE PRECISION NOT NULL,
  size_bytes BIGINT NOT NULL,
  test_accuracy DOUBLE PRECISION,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
-- A demo is registered once: registerDemoModel and the seeding at start return the existing row.
CREATE UNIQUE INDEX models_demo_source ON models (source) WHERE source_kind = 'demo';

CREATE TABLE layers (
  model_id TEXT NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  class_name TEXT NOT NULL,
  output_shape JSONB NOT NULL,
  filters INTEGER,
  kernel_size JSONB,
  activation TEXT,
  params BIGINT NOT NULL,
  flops DOUBLE PRECISION NOT NULL,
  prunable BOOLEAN NOT NULL,
  -- The filter group (see buildChannelGraph) whose filters are this layer's output channels, if any.
  group_id TEXT,
  PRIMARY KEY (model_id, name)
);
CREATE INDEX layers_by_position ON layers (model_id, position);

-- One row per filter of each layer that produces a filter group.
CREATE TABLE filters (
  model_id TEXT NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  layer_name TEXT NOT NULL,
  group_id TEXT NOT NULL,
  filter_index INTEGER NOT NULL,
  l1_norm DOUBLE PRECISION NOT NULL,
  -- PNG bytes of the kernel (Conv2D only).
  weight_png BYTEA,
  PRIMARY KEY (model_id, layer_name, filter_index)
);
CREATE INDEX filters_by_group ON filters (model_id, group_id, filter_index);

CREATE TABLE analyses (
  id TEXT PRIMARY KEY,
  model_id TEXT NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  status TEXT NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'INTERRUPTED')),
  -- JSON arrays: the layer names asked for and the filter groups they resolve to.
  layers JSONB NOT NULL,
  groups JSONB NOT NULL,
  split TEXT NOT NULL,
  classwise BOOLEAN NOT NULL,
  max_images INTEGER,
  seed BIGINT NOT NULL,
  progress_done INTEGER NOT NULL DEFAULT 0,
  progress_total INTEGER NOT NULL DEFAULT 0,
  phase TEXT,
  eta_seconds DOUBLE PRECISION,
  images INTEGER,
  base_accuracy DOUBLE PRECISION,
  error_code TEXT,
  error_message TEXT,
  -- Bumped on every change, so a subscriber can drop events older than the state it read.
  revision INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
);
CREATE INDEX analyses_by_model ON analyses (model_id, created_at);
CREATE INDEX analyses_by_status ON analyses (status);

CREATE TABLE car_scores (
  analysis_id TEXT NOT NULL REFERENCES analyses (id) ON DELETE CASCADE,
  group_id TEXT NOT NULL,
  filter_index INTEGER NOT NULL,
  -- 1 = least important in its group (pruned first); ties of drop broken by loss increase, then index.
  rank INTEGER NOT NULL,
  -- NULL for a group's last remaining filter, which is never scored by a pass.
  drop_value DOUBLE PRECISION,
  ci95_low DOUBLE PRECISION,
  ci95_high DOUBLE PRECISION,
  right_to_wrong INTEGER,
  wrong_to_right INTEGER,
  loss_increase DOUBLE PRECISION,
  accuracy_without DOUBLE PRECISION,
  -- JSON array: class-wise CAR per class index (null where a class had no image), or NULL.
  classwise JSONB,
  PRIMARY KEY (analysis_id, group_id, filter_index)
);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
