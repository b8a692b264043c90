-- The page writer's lookups of listed cars by id, read from the index alone: the change check reads each
-- id's hash, and the removal check the ids of a range. From the table, each read unpacked a whole row
-- to reach data_hash, its second-to-last column.
CREATE INDEX IF NOT EXISTS cars_listed_hash_idx ON cars (id) INCLUDE (data_hash) WHERE removed_at IS NULL;
