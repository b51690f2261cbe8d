-- Pruning runs (greedy structural pruning jobs) and every step they made, persisted as it happens, so a run a
-- server stop interrupted can be resumed from its last step. JSON columns hold what the repository writes.
-- Every migration exists in both folders (sqlite/ and postgres/) with the same number.

CREATE TABLE pruning_runs (
  id TEXT PRIMARY KEY,
  model_id TEXT NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  status TEXT NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'INTERRUPTED')),
  -- A core criterion name: car, l1, mean-activation, apoz, taylor, random.
  criterion TEXT NOT NULL,
  scope TEXT NOT NULL CHECK (scope IN ('LAYER', 'SEQUENTIAL', 'GLOBAL')),
  -- JSON arrays: the layer names asked for and the filter groups they resolve to, in order.
  layers TEXT NOT NULL,
  groups TEXT NOT NULL,
  target_keep INTEGER,
  target_remove_fraction REAL,
  target_min_accuracy REAL,
  step_size INTEGER NOT NULL,
  fine_tune TEXT NOT NULL CHECK (fine_tune IN ('NONE', 'EACH_STEP', 'END')),
  fine_tune_epochs INTEGER NOT NULL,
  fine_tune_learning_rate REAL,
  -- JSON array of class indices whose accuracy may fall at most protect_max_drop; NULL when none.
  protect_classes TEXT,
  protect_max_drop REAL,
  selection_split TEXT NOT NULL,
  max_selection_images INTEGER,
  max_test_images INTEGER,
  seed INTEGER NOT NULL,
  -- JSON array: the model's class names when the run was started (labels of per-class accuracies).
  class_names TEXT NOT NULL,
  -- Steps the target allows at most (an upper bound for an accuracy floor).
  planned_steps INTEGER NOT NULL,
  steps_done INTEGER NOT NULL DEFAULT 0,
  phase TEXT,
  eta_seconds REAL,
  -- JSON: accuracy (selection, test) and size of the unpruned and of the final network.
  original_summary TEXT,
  final_summary TEXT,
  stop_reason TEXT,
  -- The compressed model, registered as a model of its own when the run succeeded.
  result_model_id TEXT REFERENCES models (id) ON DELETE SET NULL,
  -- JSON: model and data hashes, seed, options, library versions, backend.
  reproducibility TEXT,
  error_code TEXT,
  error_message TEXT,
  -- How often the run was resumed after an interruption.
  resumes INTEGER NOT NULL DEFAULT 0,
  -- Bumped on every change, so a subscriber can drop events older than the state it read.
  revision INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
);
CREATE INDEX pruning_runs_by_model ON pruning_runs (model_id, created_at);
CREATE INDEX pruning_runs_by_status ON pruning_runs (status);
CREATE INDEX pruning_runs_by_result ON pruning_runs (result_model_id);

CREATE TABLE pruning_steps (
  run_id TEXT NOT NULL REFERENCES pruning_runs (id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  -- JSON: core's PruneStep as reported (removed filters with their scores at decision time, accuracies after,
  -- filters left, parameters, FLOPs, time); replayed verbatim when the run is resumed.
  details TEXT NOT NULL,
  selection_accuracy REAL NOT NULL,
  test_accuracy REAL,
  params INTEGER NOT NULL,
  flops REAL NOT NULL,
  elapsed_seconds REAL NOT NULL,
  -- With fine-tuning after each step: the folder of the network saved after this step (until the next one).
  checkpoint TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (run_id, step)
);
