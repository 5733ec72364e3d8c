-- The rollup pass appends each new message to its open episode (0060), and under a steady load it rewrites the same
-- ~5,000 rows every second. None of those updates was HOT: every inbound message moves the episode's last 24-hour
-- expiry, and dash_episodes_expiry_idx indexed that instant (window_expiries' last element), so each update inserted
-- a new entry in all eight indexes (three of them covering, with their INCLUDE lists) and left eight dead ones:
-- 3.4 M updates, 862 of them HOT, in the bench database.
-- The expiry read only needs a lower bound to start from: the day (UTC) of the last expiry, which moves at most once a
-- day for an active conversation. A generated column keeps it for every writer (the pass, the recompute, a rebuild).
-- With no indexed column moving, an update stays on its page (HOT) when the page has room: fillfactor 80, set before
-- the column's rewrite of the table so the rewrite already leaves it, and kept by every page written after.
alter table ops.dash_episodes set (fillfactor = 80);
alter table ops.dash_episodes
    add column last_expiry_day timestamp
        generated always as (date_trunc('day', window_expiries[cardinality(window_expiries)] at time zone 'UTC')) stored;
drop index ops.dash_episodes_expiry_idx;
create index dash_episodes_expiry_day_idx on ops.dash_episodes (project_id, last_expiry_day) where last_expiry_day is not null;
