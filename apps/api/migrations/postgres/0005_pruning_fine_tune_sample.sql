-- Pruning runs may fine-tune on a seeded, class-stratified sample of the training split (NULL: all of it).
-- Every migration exists in both folders (sqlite/ and postgres/) with the same number.
ALTER TABLE pruning_runs ADD COLUMN max_train_images INTEGER;
