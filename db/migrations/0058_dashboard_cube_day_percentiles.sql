-- The response-times tile is a day series of medians and p90s (issue 16: p99 <= 50 ms at 10 M messages; a 90-day
-- series computed them from ~31 k histogram entries, 40 ms at the median). A day that is over keeps its figures per
-- slice (ops.dash_cube_pcts, metrics 'frb' and 'rsb'); when its histogram moves (a late episode, a rebuild) the row goes
-- and the day is marked (ops.dash_cube_pcts_dirty), and the rollup pass computes it again once the day is over.
create table ops.dash_cube_pcts (
    project_id  bigint not null references core.projects,
    dim         smallint not null,
    val         bigint not null,
    metric      text not null,
    day         date not null,
    p50         double precision,
    p90         double precision,
    primary key (project_id, dim, val, metric, day) include (p50, p90)
);

create table ops.dash_cube_pcts_dirty (
    project_id  bigint not null references core.projects,
    dim         smallint not null,
    val         bigint not null,
    metric      text not null,
    day         date not null,
    primary key (project_id, dim, val, metric, day)
);

-- The history already counted: every day with a histogram is computed by the first pass.
insert into ops.dash_cube_pcts_dirty (project_id, dim, val, metric, day)
select distinct project_id, dim, val, metric, day from ops.dash_cube where metric in ('frb', 'rsb');
