-- The upstream's request budget, shared by every worker: each request reserves the next free slot.
CREATE TABLE rate_limit_slots (
  name      text PRIMARY KEY,
  next_slot timestamptz NOT NULL
);
