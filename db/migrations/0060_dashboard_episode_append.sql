-- The rollup pass recomputed the last episode of every conversation it touched from all of that episode's messages: an
-- open episode of 200 messages was read again for each new message, 90 % of the pass's time under a steady load. It
-- now adds the new messages to the kept episode when they all come after it (ops.dash_recompute_episodes), which needs
-- two facts of the episode's timeline: its last instant, and whether its last message that keeps a window open was the
-- customer's (that message's 24-hour expiry is the one the next message can cancel).
-- Null on the episodes already kept: their conversation's next pass recomputes them in full, which fills both.
alter table ops.dash_episodes add column last_at timestamptz, add column open_expiry_at timestamptz;
