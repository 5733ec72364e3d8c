-- The histograms read over whole periods (an agent's median first response, a channel's medians) are kept per month
-- as well as per day in ops.dash_cube (metric 'frp.m', 'frc.m', 'rsc.m'; day = the month's first local day): a 90-day
-- period then sums two month rows and the days around them per bucket (ops.dash_cube_rows), about a third of the
-- index entries of 90 day rows. Issue 16: at 10 M messages these tiles read up to ~100 k entries at 90 days.
-- The month rows of the history already counted, from its day rows (the day is already the project's local day).
insert into ops.dash_cube (project_id, dim, val, metric, day, key, bucket, n, total)
select project_id, dim, val, metric || '.m', date_trunc('month', day::timestamp)::date, key, bucket, sum(n), sum(total)
from ops.dash_cube
where metric in ('frp', 'frc', 'rsc')
group by project_id, dim, val, metric, date_trunc('month', day::timestamp)::date, key, bucket;
