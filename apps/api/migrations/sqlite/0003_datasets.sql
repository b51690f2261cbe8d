-- Datasets (built-in, a folder on the server, or uploaded files) and the evaluations of models on them.

CREATE TABLE datasets (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  -- 'builtin' (location = built-in name), 'path' (location = a folder under CARVE_ALLOWED_PATHS) or 'upload'
  -- (location = a folder in the data directory that the server owns and deletes with the dataset).
  source_kind TEXT NOT NULL CHECK (source_kind IN ('builtin', 'path', 'upload')),
  format TEXT NOT NULL CHECK (format IN ('builtin', 'idx', 'cifar10', 'image-folder')),
  location TEXT NOT NULL,
  -- JSON arrays.
  class_names TEXT NOT NULL,
  image_shape TEXT NOT NULL,
  train_size INTEGER NOT NULL,
  validation_size INTEGER,
  test_size INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
-- A built-in dataset is registered once.
CREATE UNIQUE INDEX datasets_builtin ON datasets (location) WHERE source_kind = 'builtin';

CREATE TABLE model_evaluations (
  id TEXT PRIMARY KEY,
  model_id TEXT NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  dataset_id TEXT NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  split TEXT NOT NULL,
  -- 0 = the whole split, else a seeded class-stratified sample of this many images.
  max_images INTEGER NOT NULL DEFAULT 0,
  seed INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED')),
  images INTEGER,
  accuracy REAL,
  loss REAL,
  -- JSON array of { classIndex, className, count, correct, accuracy }.
  per_class TEXT,
  error_message TEXT,
  created_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE UNIQUE INDEX model_evaluations_sample ON model_evaluations (model_id, dataset_id, split, max_images, seed);
CREATE INDEX model_evaluations_by_dataset ON model_evaluations (dataset_id);

-- The dataset an analysis reads when it is not the model's own: the registered dataset (NULL once deleted)
-- and its location at the time (a built-in name or a folder), which is what the worker loads.
ALTER TABLE analyses ADD COLUMN dataset_id TEXT REFERENCES datasets (id) ON DELETE SET NULL;
ALTER TABLE analyses ADD COLUMN dataset TEXT;
