-- Dashboard tiles in a few hundred rows whatever the period (issue 16: every request p99 <= 50 ms at 10 M messages).
-- The day rollups and the episode facts are keyed by every dimension at once, so a 90-day period still reads 100-600 k
-- rows (one per episode, or per day x account x queue x sender x agent x campaign). ops.dash_cube keeps each figure per
-- local day for the whole project (dim 0) and for each single filter value (dim 1 account, 2 channel, 3 queue, 4 agent,
-- 5 campaign, 6 flow, 7 AI agent): a tile read with no filter or one filter sums at most a few rows a day. Durations are
-- histograms (bucket = the second below 2 minutes, 2 % wide above; total = the sum of the values in it), so a percentile
-- reads a few hundred buckets, not every episode. Reads with two filters or more keep reading the facts
-- (docs/dashboards.md "What each tile reads").
create table ops.dash_cube (
    project_id  bigint not null references core.projects,
    dim         smallint not null,
    val         bigint not null,
    metric      text not null,
    day         date not null,
    key         text not null,
    bucket      int not null,
    n           bigint not null,
    total       bigint not null,
    -- The counts ride in the key's index: a period's read is an index-only scan of adjacent entries. In the heap a
    -- day's rows of one metric are spread over its pages, and touching ~14 k pages for a 90-day histogram cost a fresh
    -- connection ~130 ms (measured at 10 M messages) against ~12 ms from the index.
    primary key (project_id, dim, val, metric, day, key, bucket) include (n, total)
);

-- Projects whose cube is to be derived from the rollups and facts already there (an installation upgraded with
-- history): the Worker's rollup pass does it once, under its lock.
create table ops.dash_cube_pending (project_id bigint primary key references core.projects);
insert into ops.dash_cube_pending select id from core.projects;

-- The SLA tile's unanswered episodes (first_response_at null) past their queue's target are counted at read time, since
-- the answer depends on now.
create index dash_episodes_unanswered_idx on ops.dash_episodes (project_id, customer_at)
    where customer_at is not null and first_response_at is null;
