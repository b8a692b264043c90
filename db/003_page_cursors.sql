-- Where each syncPages activity got to, committed in the same transaction as the page it follows:
-- a retry after a lost worker resumes after the last committed page, with that page's counts.
-- Rows live as long as their run; finishRun deletes them.
CREATE TABLE sync_page_cursors (
  run_id   text    NOT NULL,
  activity text    NOT NULL,
  after_id bigint,
  done     boolean NOT NULL,
  counts   jsonb   NOT NULL,
  PRIMARY KEY (run_id, activity)
);
