-- The dashboard tiles' reads (docs/dashboards.md defines each figure). Every tile reads rollups, episode facts, snapshots
-- or (backlog, now) the open conversations' own fields through a partial index: never chat.messages. Each takes the
-- project, a date range in the project's time zone and the filters of Contracts.Dashboards.DashboardFilter (null: any);
-- a filter a tile cannot apply is ignored (the catalog lists which apply). Column names are the tile's column keys.
-- jit = off: the generic estimates of a period's join to its days made PostgreSQL compile each read (0.7 s of JIT for
-- a 0.3 s read of 170 k episodes); the reads are index scans and small aggregates, which JIT does not speed up.

create or replace function ops.dash_span(p_project_id bigint, p_from date, p_to date,
                                         out tz text, out from_ts timestamptz, out to_ts timestamptz)
language sql stable as $$
    select p.time_zone, p_from::timestamp at time zone p.time_zone, (p_to + 1)::timestamp at time zone p.time_zone
    from core.projects p where p.id = p_project_id
$$;

-- The filters as one inlined expression. Columns, not the row, are passed: PostgreSQL does not inline a function that
-- uses a whole-row argument more than once, and the call per row cost 7× the scan (measured on 167 k episodes).
create or replace function ops.dash_filter_match(p_account_id bigint, p_channel text, p_queue_id bigint, p_user_ids bigint[],
    p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint, f_account_id bigint, f_channel text, f_queue_id bigint,
    f_user_id bigint, f_campaign_id bigint, f_flow_id bigint, f_ai_agent_id bigint) returns boolean
language sql immutable as $$
    select (f_account_id is null or p_account_id = f_account_id) and (f_channel is null or p_channel = f_channel)
       and (f_queue_id is null or p_queue_id = f_queue_id) and (f_user_id is null or f_user_id = any(p_user_ids))
       and (f_campaign_id is null or p_campaign_id = f_campaign_id) and (f_flow_id is null or p_flow_id = f_flow_id)
       and (f_ai_agent_id is null or p_ai_agent_id = f_ai_agent_id)
$$;

-- ── Data ─────────────────────────────────────────────────────────────────────────────────────────────────────────

create or replace function ops.dash_facts_conversations(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (day text, opened bigint, resolved bigint, reopened bigint)
language sql stable set jit = off as $$
    with s as (select * from ops.dash_span(p_project_id, p_from, p_to)),
    -- without the agent filter: the day counts (a row per day and dimension, not per episode)
    dd as (select d.day as d, sum(d.opened)::bigint as n, sum(d.resolved)::bigint as c, sum(d.reopened)::bigint as r
           from ops.dash_episode_days d
           where p_user_id is null and d.project_id = p_project_id and d.day between p_from and p_to
             and ops.dash_filter_match(d.account_id, d.channel, d.queue_id, null, d.campaign_id, d.flow_id, d.ai_agent_id,
                                       p_account_id, p_channel, p_queue_id, null, p_campaign_id, p_flow_id, p_ai_agent_id)
           group by 1),
    o as (select (e.opened_at at time zone s.tz)::date as d, count(*) as n, count(*) filter (where e.reopened) as r
          from s, ops.dash_episodes e
          where p_user_id is not null and e.project_id = p_project_id and e.opened_at >= s.from_ts and e.opened_at < s.to_ts
            and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
          group by 1),
    c as (select (e.resolved_at at time zone s.tz)::date as d, count(*) as n
          from s, ops.dash_episodes e
          where p_user_id is not null and e.project_id = p_project_id and e.resolved_at >= s.from_ts and e.resolved_at < s.to_ts
            and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
          group by 1)
    select to_char(g.d, 'YYYY-MM-DD'), coalesce(dd.n, o.n, 0), coalesce(dd.c, c.n, 0), coalesce(dd.r, o.r, 0)
    from generate_series(p_from, p_to, interval '1 day') g(d)
    left join dd on dd.d = g.d::date
    left join o on o.d = g.d::date
    left join c on c.d = g.d::date
    order by g.d
$$;

create or replace function ops.dash_facts_messages(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (day text, channel text, sender_kind text, messages bigint)
language sql stable set jit = off as $$
    select to_char(h.day, 'YYYY-MM-DD'), h.channel, h.sender_kind, sum(h.messages)::bigint
    from ops.dash_span(p_project_id, p_from, p_to) s, ops.dash_message_days h
    where h.project_id = p_project_id and h.day between p_from and p_to
      and ops.dash_filter_match(h.account_id, h.channel, h.queue_id, array[h.user_id], h.campaign_id, h.flow_id, h.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
    group by 1, 2, 3
    order by 1, 2, 3
$$;

create or replace function ops.dash_facts_messages_by_hour(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (weekday int, hour int, messages bigint)
language sql stable set jit = off as $$
    with s as (select * from ops.dash_span(p_project_id, p_from, p_to)),
    m as (select extract(isodow from h.hour at time zone s.tz)::int as wd, extract(hour from h.hour at time zone s.tz)::int as hr,
                 sum(h.messages)::bigint as n
          from s, ops.dash_message_hours h
          where h.project_id = p_project_id and h.hour >= s.from_ts and h.hour < s.to_ts and h.sender_kind = 'customer'
            and ops.dash_filter_match(h.account_id, h.channel, h.queue_id, array[h.user_id], h.campaign_id, h.flow_id, h.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, null, p_campaign_id, p_flow_id, p_ai_agent_id)
          group by 1, 2)
    select w.d, hh.h, coalesce(m.n, 0)
    from generate_series(1, 7) w(d) cross join generate_series(0, 23) hh(h)
    left join m on m.wd = w.d and m.hr = hh.h
    order by w.d, hh.h
$$;

-- Now, whatever the dates: open conversations per queue (a queue with none shows zeros).
create or replace function ops.dash_facts_backlog(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (queue_id bigint, queue text, open bigint, unassigned bigint, unread bigint, oldest_waiting_seconds int)
language sql stable set jit = off as $$
    with b as (
        select c.queue_id as qid, count(*) as open, count(*) filter (where c.assigned_user_id is null) as unassigned,
               count(*) filter (where c.unread_count > 0) as unread,
               extract(epoch from now() - min(c.last_inbound_at) filter (where c.last_message_direction = 'in'))::int as oldest
        from chat.conversations c
        where c.project_id = p_project_id and c.status = 'open'
          and (p_account_id is null or c.account_id = p_account_id) and (p_channel is null or c.channel = p_channel)
          and (p_queue_id is null or c.queue_id = p_queue_id) and (p_user_id is null or c.assigned_user_id = p_user_id)
        group by c.queue_id)
    select q.id, q.name, coalesce(b.open, 0), coalesce(b.unassigned, 0), coalesce(b.unread, 0), b.oldest
    from core.queues q left join b on b.qid = q.id
    where q.project_id = p_project_id and (p_queue_id is null or q.id = p_queue_id)
    union all
    select null, null, b.open, b.unassigned, b.unread, b.oldest from b where b.qid is null
    order by 2 nulls last, 1
$$;

-- ── Information ──────────────────────────────────────────────────────────────────────────────────────────────────

create or replace function ops.dash_facts_first_response(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (median_seconds double precision, p90_seconds double precision, median_wall_seconds double precision,
               p90_wall_seconds double precision, answered bigint)
language sql stable set jit = off as $$
    select percentile_cont(0.5) within group (order by e.first_response_business_seconds),
           percentile_cont(0.9) within group (order by e.first_response_business_seconds),
           percentile_cont(0.5) within group (order by e.first_response_seconds),
           percentile_cont(0.9) within group (order by e.first_response_seconds), count(*)
    from ops.dash_span(p_project_id, p_from, p_to) s, ops.dash_episodes e
    where e.project_id = p_project_id and e.first_response_at >= s.from_ts and e.first_response_at < s.to_ts
      and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
$$;

create or replace function ops.dash_facts_resolution(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (median_seconds double precision, p90_seconds double precision, median_wall_seconds double precision,
               p90_wall_seconds double precision, resolved bigint)
language sql stable set jit = off as $$
    select percentile_cont(0.5) within group (order by e.resolution_business_seconds),
           percentile_cont(0.9) within group (order by e.resolution_business_seconds),
           percentile_cont(0.5) within group (order by e.resolution_seconds),
           percentile_cont(0.9) within group (order by e.resolution_seconds), count(*)
    from ops.dash_span(p_project_id, p_from, p_to) s, ops.dash_episodes e
    where e.project_id = p_project_id and e.resolved_at >= s.from_ts and e.resolved_at < s.to_ts
      and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
$$;

create or replace function ops.dash_facts_response_times(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (day text, first_response_median double precision, first_response_p90 double precision,
               resolution_median double precision, resolution_p90 double precision)
language sql stable set jit = off as $$
    with s as (select * from ops.dash_span(p_project_id, p_from, p_to)),
    f as (select (e.first_response_at at time zone s.tz)::date as d,
                 percentile_cont(0.5) within group (order by e.first_response_business_seconds) as m,
                 percentile_cont(0.9) within group (order by e.first_response_business_seconds) as p
          from s, ops.dash_episodes e
          where e.project_id = p_project_id and e.first_response_at >= s.from_ts and e.first_response_at < s.to_ts
            and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
          group by 1),
    r as (select (e.resolved_at at time zone s.tz)::date as d,
                 percentile_cont(0.5) within group (order by e.resolution_business_seconds) as m,
                 percentile_cont(0.9) within group (order by e.resolution_business_seconds) as p
          from s, ops.dash_episodes e
          where e.project_id = p_project_id and e.resolved_at >= s.from_ts and e.resolved_at < s.to_ts
            and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
          group by 1)
    select to_char(g.d, 'YYYY-MM-DD'), f.m, f.p, r.m, r.p
    from generate_series(p_from, p_to, interval '1 day') g(d)
    left join f on f.d = g.d::date
    left join r on r.d = g.d::date
    order by g.d
$$;

-- Episodes whose customer wrote in the period, per queue: answered within the queue's target (business seconds), of
-- those answered plus those still unanswered past it.
create or replace function ops.dash_facts_sla(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (queue_id bigint, queue text, target_seconds int, answered bigint, within_target bigint, attainment double precision)
language sql stable set jit = off as $$
    with x as (
        select e.queue_id, coalesce(q.sla_first_response_seconds, 3600) as target, e.first_response_business_seconds as frs,
               e.first_response_at is null
                   and ops.dash_sla_breached(e.sla_due_at, p.business_hours, p.time_zone, e.customer_at, q.sla_first_response_seconds)
                   as breached_unanswered
        from ops.dash_span(p_project_id, p_from, p_to) s
        join core.projects p on p.id = p_project_id
        join ops.dash_episodes e on e.project_id = p_project_id and e.customer_at >= s.from_ts and e.customer_at < s.to_ts
        left join core.queues q on q.id = e.queue_id
        where ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id))
    select x.queue_id, q.name, min(x.target), count(*) filter (where x.frs is not null),
           count(*) filter (where x.frs <= x.target),
           100.0 * count(*) filter (where x.frs <= x.target)
               / nullif(count(*) filter (where x.frs is not null or x.breached_unanswered), 0)
    from x left join core.queues q on q.id = x.queue_id
    group by x.queue_id, q.name
    order by q.name nulls last, x.queue_id
$$;

create or replace function ops.dash_facts_window_expiries(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (day text, expiries bigint)
language sql stable set jit = off as $$
    with s as (select * from ops.dash_span(p_project_id, p_from, p_to)),
    x as (select (t.at at time zone s.tz)::date as d, count(*) as n
          from s, ops.dash_episodes e, unnest(e.window_expiries) t(at)
          -- dash_episodes_expiry_day_idx gives the episodes whose last expiry's day (UTC) is the period's first or later
          -- (indexed by the day, not the instant, so an appended message leaves the index as it was: migration 0063).
          -- The bound is a scalar subquery, so it is an index condition: a bound taken from s is only a join filter in
          -- this function's generic plan, which then read every episode with an expiry (20,000 pages, 250-700 ms at
          -- 10 M messages) for today's figure.
          where e.project_id = p_project_id
            and e.last_expiry_day >= (select date_trunc('day', x.from_ts at time zone 'UTC') from ops.dash_span(p_project_id, p_from, p_to) x)
            and e.window_expiries[cardinality(e.window_expiries)] >= s.from_ts
            and t.at >= s.from_ts and t.at < s.to_ts and t.at <= now()
            and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
          group by 1)
    select to_char(g.d, 'YYYY-MM-DD'), coalesce(x.n, 0)
    from generate_series(p_from, p_to, interval '1 day') g(d) left join x on x.d = g.d::date
    order by g.d
$$;

-- Per channel: outbound messages written (person, AI, bot, campaign), and the statuses Meta reported in the period.
create or replace function ops.dash_facts_delivery(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (channel text, sent bigint, delivered bigint, read bigint, failed bigint, delivered_pct double precision,
               read_pct double precision, failed_pct double precision)
language sql stable set jit = off as $$
    with s as (select * from ops.dash_span(p_project_id, p_from, p_to)),
    o as (select h.channel, sum(h.messages)::bigint as n from s, ops.dash_message_days h
          where h.project_id = p_project_id and h.day between p_from and p_to and h.sender_kind <> 'customer'
            and (p_account_id is null or h.account_id = p_account_id) and (p_channel is null or h.channel = p_channel)
          group by 1),
    st as (select h.channel, sum(h.n) filter (where h.status = 'delivered')::bigint as delivered,
                  sum(h.n) filter (where h.status = 'read')::bigint as read, sum(h.n) filter (where h.status = 'failed')::bigint as failed
           from s, ops.dash_status_hours h
           where h.project_id = p_project_id and h.hour >= s.from_ts and h.hour < s.to_ts
             and (p_account_id is null or h.account_id = p_account_id) and (p_channel is null or h.channel = p_channel)
           group by 1)
    select ch, coalesce(o.n, 0), coalesce(st.delivered, 0), coalesce(st.read, 0), coalesce(st.failed, 0),
           100.0 * coalesce(st.delivered, 0) / nullif(o.n, 0), 100.0 * coalesce(st.read, 0) / nullif(o.n, 0),
           100.0 * coalesce(st.failed, 0) / nullif(o.n, 0)
    from (select channel as ch from o union select channel from st) c
    left join o on o.channel = c.ch left join st on st.channel = c.ch
    order by ch
$$;

create or replace function ops.dash_facts_failures(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (reason text, failed bigint)
language sql stable set jit = off as $$
    select coalesce(h.error_code::text, 'unknown'), sum(h.n)::bigint
    from ops.dash_span(p_project_id, p_from, p_to) s, ops.dash_status_hours h
    where h.project_id = p_project_id and h.hour >= s.from_ts and h.hour < s.to_ts and h.status = 'failed'
      and (p_account_id is null or h.account_id = p_account_id) and (p_channel is null or h.channel = p_channel)
    group by 1
    order by 2 desc, 1
$$;

-- Each project member's seconds online and away inside [p_from, p_to) (presence is the person's, not the project's; an
-- open interval of a console unseen for 2 minutes ends there).
create or replace function ops.dash_presence_seconds(p_project_id bigint, p_from timestamptz, p_to timestamptz)
returns table (uid bigint, online numeric, away numeric)
language sql stable as $$
    select i.user_id,
           sum(extract(epoch from least(coalesce(i.ended_at, least(now(), cp.last_seen_at + interval '2 minutes')), p_to)
                                 - greatest(i.started_at, p_from))) filter (where i.status = 'online'),
           sum(extract(epoch from least(coalesce(i.ended_at, least(now(), cp.last_seen_at + interval '2 minutes')), p_to)
                                 - greatest(i.started_at, p_from))) filter (where i.status = 'away')
    from core.project_members pm
    join core.presence_intervals i on i.user_id = pm.user_id and i.started_at < p_to and (i.ended_at is null or i.ended_at > p_from)
    left join core.presence cp on cp.user_id = i.user_id
    where pm.project_id = p_project_id
      and least(coalesce(i.ended_at, least(now(), cp.last_seen_at + interval '2 minutes')), p_to) > greatest(i.started_at, p_from)
    group by 1
$$;

-- Each member of the project: episodes they wrote in (opened in the period), their replies, the median of their first
-- responses (business seconds), and their time online and away in the period (presence is the person's, not the
-- project's; an open interval of a console unseen for 2 minutes ends there).
create or replace function ops.dash_facts_agents(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (user_id bigint, agent text, handled bigint, replies bigint, median_first_response_seconds double precision,
               online_seconds bigint, away_seconds bigint)
language sql stable set jit = off as $$
    with s as (select * from ops.dash_span(p_project_id, p_from, p_to)),
    hd as (select x.uid, count(*) as n from s, ops.dash_episodes e, unnest(e.user_ids) x(uid)
           where e.project_id = p_project_id and e.opened_at >= s.from_ts and e.opened_at < s.to_ts
             and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
           group by 1),
    rp as (select h.user_id as uid, sum(h.messages)::bigint as n from s, ops.dash_message_days h
           where h.project_id = p_project_id and h.day between p_from and p_to and h.sender_kind = 'person'
             and h.user_id is not null
             and ops.dash_filter_match(h.account_id, h.channel, h.queue_id, array[h.user_id], h.campaign_id, h.flow_id, h.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
           group by 1),
    fr as (select e.first_response_user_id as uid, percentile_cont(0.5) within group (order by e.first_response_business_seconds) as m
           from s, ops.dash_episodes e
           where e.project_id = p_project_id and e.first_response_at >= s.from_ts and e.first_response_at < s.to_ts
             and e.first_response_kind = 'person' and e.first_response_user_id is not null
             and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, null, p_campaign_id, p_flow_id, p_ai_agent_id)
           group by 1),
    pr as (select x.* from s, ops.dash_presence_seconds(p_project_id, s.from_ts, s.to_ts) x)
    select u.id, u.display_name, coalesce(hd.n, 0), coalesce(rp.n, 0), fr.m,
           coalesce(pr.online, 0)::bigint, coalesce(pr.away, 0)::bigint
    from core.project_members pm
    join core.users u on u.id = pm.user_id
    left join hd on hd.uid = u.id left join rp on rp.uid = u.id left join fr on fr.uid = u.id left join pr on pr.uid = u.id
    where pm.project_id = p_project_id and (p_user_id is null or u.id = p_user_id)
    order by u.display_name, u.id
$$;

-- AI agents and bots: episodes they took part in (opened in the period), and of those resolved in the period, the ones
-- no person wrote in or resolved (contained).
create or replace function ops.dash_facts_containment(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (handled_by text, episodes bigint, resolved bigint, contained bigint, containment_pct double precision)
language sql stable set jit = off as $$
    with s as (select * from ops.dash_span(p_project_id, p_from, p_to)),
    x as (select k.kind, e.opened_at >= s.from_ts and e.opened_at < s.to_ts as opened,
                 e.resolved_at >= s.from_ts and e.resolved_at < s.to_ts as resolved,
                 e.person_messages = 0 and e.resolved_by_user_id is null as contained
          from s, ops.dash_episodes e
          cross join lateral (values ('ai', e.ai_agent_id is not null), ('bot', e.flow_id is not null)) k(kind, involved)
          where e.project_id = p_project_id and k.involved
            and (e.opened_at >= s.from_ts and e.opened_at < s.to_ts or e.resolved_at >= s.from_ts and e.resolved_at < s.to_ts)
            and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id))
    select k.kind, count(x.kind) filter (where x.opened), count(x.kind) filter (where x.resolved),
           count(x.kind) filter (where x.resolved and x.contained),
           100.0 * count(x.kind) filter (where x.resolved and x.contained) / nullif(count(x.kind) filter (where x.resolved), 0)
    from (values ('ai'), ('bot')) k(kind) left join x on x.kind = k.kind
    group by k.kind
    order by k.kind
$$;

create or replace function ops.dash_facts_handoff_reasons(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (reason text, handoffs bigint)
language sql stable set jit = off as $$
    select e.handoff_source || ':' || e.handoff_reason, count(*)
    from ops.dash_span(p_project_id, p_from, p_to) s, ops.dash_episodes e
    where e.project_id = p_project_id and e.opened_at >= s.from_ts and e.opened_at < s.to_ts and e.handoff_reason is not null
      and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
    group by 1
    order by 2 desc, 1
$$;
