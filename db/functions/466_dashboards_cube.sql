-- The dashboard cube (ops.dash_cube, migration 0055; docs/dashboards.md "What each tile reads"): every tile figure per
-- local day, for the whole project (dim 0) and for each single filter value (1 account, 2 channel, 3 queue, 4 agent,
-- 5 campaign, 6 flow, 7 AI agent). It is kept by the same passes that keep the rollups and the episode facts, in their
-- transactions: messages and statuses are added as they are counted; an episode's figures are taken out and put back
-- when it is recomputed (identical facts cancel before they are written, so a pass writes only what moved). A read with
-- no filter or one filter sums a few rows a day; two filters or more read the facts (ops.dash_facts_*), as before.
--
-- Metrics (metric, key; n = count; histograms also keep total = the sum of the values, bucket = ops.dash_bucket(value)):
--   m  <channel>:<sender kind>  messages (occurred_at day)     h  <local hour>  customers' messages that hour (heat map)
--   rp <user>  a person's messages                            st <channel>:<status>  statuses;  fl <code|unknown>  failures
--   op, ro, rs <channel>  episodes opened, reopened (opened day), resolved (resolved day)
--   frb, frw  first response, business / wall seconds (first response day); rsb, rsw  resolution (resolved day); key ''
--   frp <user>  first responses by that person (business seconds);  hd <user>  episodes opened in which they wrote
--   ai_ep, bot_ep (opened day), ai_rs, bot_rs, ai_ct, bot_ct (resolved day: resolved, contained); key ''
--   ho <source>:<reason>  handoffs (opened day);  ex  window expiries (the expiry's day, future ones included)
--   sc, sa, si <queue|0>  episodes the customer wrote in, answered, answered within the queue's target (the day of the
--             customer's first message)
--   frc, rsc <channel>  the business-seconds histograms again, by channel (the channels tile, whatever the slice)

-- The histogram bucket of a duration in seconds: the second itself below 120 s, then buckets 2 % wide (about 640 of them up
-- to a year). A percentile is read from the buckets' means (total / n), so it is exact whenever the values that fall in
-- one bucket are equal, and within the bucket's width (2 %) otherwise.
create or replace function ops.dash_bucket(p_seconds int) returns int
language sql immutable parallel safe as $$
    select case when p_seconds < 120 then p_seconds else 120 + floor(ln(p_seconds / 120.0) / ln(1.02))::int end
$$;

create or replace function ops.dash_channel_code(p_channel text) returns bigint
language sql immutable parallel safe as $$
    select case p_channel when 'whatsapp' then 1 when 'messenger' then 2 when 'instagram' then 3 end::bigint
$$;

-- Which slice of the cube a filter reads: (0, 0) without a filter, the filter's dimension and value with one, null with
-- two or more (the facts are read then). An account and a channel together are one filter: an account is on one
-- channel, so naming its own channel narrows nothing (the account's slice), and naming another leaves nothing (a channel
-- slice no fact is counted in: code 0).
create or replace function ops.dash_dim(p_account_id bigint, p_channel text, p_queue_id bigint, p_user_id bigint,
    p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint, out dim smallint, out val bigint)
language sql stable as $$
    select case n when 0 then 0::smallint when 1 then
                case when elsewhere then 2
                     when p_account_id is not null then 1 when p_channel is not null then 2 when p_queue_id is not null then 3
                     when p_user_id is not null then 4 when p_campaign_id is not null then 5 when p_flow_id is not null then 6
                     else 7 end::smallint end,
           case n when 0 then 0::bigint when 1 then
                case when elsewhere then 0::bigint
                     else coalesce(p_account_id, ops.dash_channel_code(p_channel), p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id) end end
    from (select (p_account_id is not null)::int + (p_channel is not null)::int + (p_queue_id is not null)::int
               + (p_user_id is not null)::int + (p_campaign_id is not null)::int + (p_flow_id is not null)::int
               + (p_ai_agent_id is not null)::int
               - (p_account_id is not null and p_channel is not null)::int as n,
                 -- the account is not on the channel named with it (or does not exist)
                 p_account_id is not null and p_channel is not null
                 and not coalesce((select a.channel = p_channel from meta.accounts a where a.id = p_account_id), false) as elsewhere) x
$$;

-- The slices a fact is counted in: the whole project (dim 0) and each single filter value it carries.
create or replace function ops.dash_slices(p_account_id bigint, p_channel text, p_queue_id bigint, p_user_ids bigint[],
    p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (dim smallint, val bigint)
language sql immutable as $$
    select 0::smallint, 0::bigint
    union all select 1, p_account_id union all select 2, ops.dash_channel_code(p_channel)
    union all select 3, p_queue_id where p_queue_id is not null
    union all select 4, u from unnest(p_user_ids) u
    union all select 5, p_campaign_id where p_campaign_id is not null
    union all select 6, p_flow_id where p_flow_id is not null
    union all select 7, p_ai_agent_id where p_ai_agent_id is not null
$$;

-- percentile_cont(p) over a histogram: the values of ranks floor and ceil of p × (N − 1), each its bucket's mean,
-- interpolated as percentile_cont does. p_n and p_total are in bucket order; empty buckets may be there.
create or replace function ops.dash_pct(p_n bigint[], p_total bigint[], p double precision) returns double precision
language plpgsql immutable as $$
declare
    v_count bigint := 0;
    v_pos double precision;
    v_lo bigint;
    v_hi bigint;
    v_seen bigint := 0;
    v_lo_value double precision;
    v_hi_value double precision;
begin
    for i in 1 .. coalesce(cardinality(p_n), 0) loop v_count := v_count + greatest(p_n[i], 0); end loop;
    if v_count = 0 then return null; end if;
    v_pos := p * (v_count - 1);
    v_lo := floor(v_pos)::bigint;
    v_hi := ceil(v_pos)::bigint;
    for i in 1 .. cardinality(p_n) loop
        continue when p_n[i] <= 0;
        if v_lo_value is null and v_lo < v_seen + p_n[i] then v_lo_value := p_total[i]::double precision / p_n[i]; end if;
        if v_hi < v_seen + p_n[i] then v_hi_value := p_total[i]::double precision / p_n[i]; exit; end if;
        v_seen := v_seen + p_n[i];
    end loop;
    return v_lo_value + (v_pos - v_lo) * (v_hi_value - v_lo_value);
end
$$;

-- ── Keeping it ───────────────────────────────────────────────────────────────────────────────────────────────────

-- Adds the rows of p_source (shaped like ops.dash_message_hours: the pass's batch, or the rollup itself when the cube
-- is derived) to the message metrics. p_project_id null: every project in the source.
create or replace function ops.dash_cube_add_messages(p_source text, p_project_id bigint) returns void
language plpgsql as $$
begin
    execute format($q$
        insert into ops.dash_cube as c (project_id, dim, val, metric, day, key, bucket, n, total)
        select h.project_id, d.dim, d.val, x.metric, (h.hour at time zone p.time_zone)::date, x.key, 0, sum(h.messages), 0
        from (select project_id, hour, account_id, channel, queue_id, sender_kind, user_id, ai_agent_id, flow_id, campaign_id,
                     messages from %s) h
        join core.projects p on p.id = h.project_id
        cross join lateral (values ('m', h.channel || ':' || h.sender_kind),
                                   (case when h.sender_kind = 'customer' then 'h' end,
                                    extract(hour from h.hour at time zone p.time_zone)::int::text),
                                   (case when h.sender_kind = 'person' and h.user_id is not null then 'rp' end, h.user_id::text)) x(metric, key)
        cross join lateral (values (0::smallint, 0::bigint), (1, h.account_id), (2, ops.dash_channel_code(h.channel)),
                                   (3, h.queue_id), (4, h.user_id), (5, h.campaign_id), (6, h.flow_id), (7, h.ai_agent_id)) d(dim, val)
        where x.metric is not null and d.val is not null and ($1 is null or h.project_id = $1)
        group by 1, 2, 3, 4, 5, 6
        on conflict (project_id, dim, val, metric, day, key, bucket) do update set n = c.n + excluded.n
        $q$, p_source) using p_project_id;
end
$$;

-- The same for statuses (p_source shaped like ops.dash_status_hours); they filter by account and channel only.
create or replace function ops.dash_cube_add_statuses(p_source text, p_project_id bigint) returns void
language plpgsql as $$
begin
    execute format($q$
        insert into ops.dash_cube as c (project_id, dim, val, metric, day, key, bucket, n, total)
        select h.project_id, d.dim, d.val, x.metric, (h.hour at time zone p.time_zone)::date, x.key, 0, sum(h.n), 0
        from (select project_id, hour, account_id, channel, status, error_code, n from %s) h
        join core.projects p on p.id = h.project_id
        cross join lateral (values ('st', h.channel || ':' || h.status),
                                   (case when h.status = 'failed' then 'fl' end, coalesce(h.error_code::text, 'unknown'))) x(metric, key)
        cross join lateral (values (0::smallint, 0::bigint), (1, h.account_id), (2, ops.dash_channel_code(h.channel))) d(dim, val)
        where x.metric is not null and ($1 is null or h.project_id = $1)
        group by 1, 2, 3, 4, 5, 6
        on conflict (project_id, dim, val, metric, day, key, bucket) do update set n = c.n + excluded.n
        $q$, p_source) using p_project_id;
end
$$;

-- Adds each episode of p_source (a query of ops.dash_episodes-shaped rows with a column sign: +1 to add, −1 to take
-- out) to the episode metrics. The facts of each episode are listed first, with its dimensions as columns; a fact taken
-- out and put back unchanged cancels there, and only what is left is spread over the dimensions and written. The SLA's
-- target is the queue's now: ops.dash_set_queue_sla recounts a queue's si rows when it changes (p_metric: that metric only).
-- (A first version took only p_source: dropped, or a one-argument call would match both.)
drop function if exists ops.dash_cube_add_episodes(text);
create or replace function ops.dash_cube_add_episodes(p_source text, p_metric text default null) returns void
language plpgsql as $$
begin
    execute format($q$
        with e as (select * from (%s) s),
        facts as (
            select e.project_id, e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                   g.metric, f.key, g.day, f.value, e.sign
            from e
            join core.projects p on p.id = e.project_id
            left join core.queues q on q.id = e.queue_id
            cross join lateral (
                select 'op', e.channel, e.opened_at, null::int
                union all select 'ro', e.channel, e.opened_at, null where e.reopened
                union all select 'rs', e.channel, e.resolved_at, null where e.resolved_at is not null
                union all select 'frb', '', e.first_response_at, e.first_response_business_seconds where e.first_response_at is not null
                union all select 'frw', '', e.first_response_at, e.first_response_seconds where e.first_response_at is not null
                union all select 'rsb', '', e.resolved_at, e.resolution_business_seconds where e.resolved_at is not null
                union all select 'rsw', '', e.resolved_at, e.resolution_seconds where e.resolved_at is not null
                union all select 'frc', e.channel, e.first_response_at, e.first_response_business_seconds
                          where e.first_response_at is not null
                union all select 'rsc', e.channel, e.resolved_at, e.resolution_business_seconds where e.resolved_at is not null
                union all select 'frp', e.first_response_user_id::text, e.first_response_at, e.first_response_business_seconds
                          where e.first_response_kind = 'person' and e.first_response_user_id is not null
                union all select 'hd', u::text, e.opened_at, null from unnest(e.user_ids) u
                union all select 'ai_ep', '', e.opened_at, null where e.ai_agent_id is not null
                union all select 'ai_rs', '', e.resolved_at, null where e.ai_agent_id is not null and e.resolved_at is not null
                union all select 'ai_ct', '', e.resolved_at, null where e.ai_agent_id is not null and e.resolved_at is not null
                                                                   and e.person_messages = 0 and e.resolved_by_user_id is null
                union all select 'bot_ep', '', e.opened_at, null where e.flow_id is not null
                union all select 'bot_rs', '', e.resolved_at, null where e.flow_id is not null and e.resolved_at is not null
                union all select 'bot_ct', '', e.resolved_at, null where e.flow_id is not null and e.resolved_at is not null
                                                                   and e.person_messages = 0 and e.resolved_by_user_id is null
                union all select 'ho', e.handoff_source || ':' || e.handoff_reason, e.opened_at, null where e.handoff_reason is not null
                union all select 'ex', '', x, null from unnest(e.window_expiries) x
                union all select 'sc', coalesce(e.queue_id, 0)::text, e.customer_at, null where e.customer_at is not null
                union all select 'sa', coalesce(e.queue_id, 0)::text, e.customer_at, null
                          where e.customer_at is not null and e.first_response_at is not null
                union all select 'si', coalesce(e.queue_id, 0)::text, e.customer_at, null
                          where e.customer_at is not null and e.first_response_at is not null
                            and e.first_response_business_seconds <= coalesce(q.sla_first_response_seconds, 3600)
            ) f(metric, key, at, value)
            -- the histograms read over whole periods (an agent's, a channel's) are kept per month too: a 90-day read
            -- sums two month rows and the days around them per bucket, not 90 day rows (ops.dash_cube_rows)
            cross join lateral (select f.metric, (f.at at time zone p.time_zone)::date
                                union all
                                select f.metric || '.m', date_trunc('month', f.at at time zone p.time_zone)::date
                                where f.metric in ('frp', 'frc', 'rsc')) g(metric, day)
            where $1 is null or f.metric = $1),
        moved as (
            select project_id, account_id, channel, queue_id, user_ids, campaign_id, flow_id, ai_agent_id, metric, key, day, value,
                   sum(sign) as n
            from facts
            group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
            having sum(sign) <> 0),
        spread as (
            select m.project_id, d.dim, d.val, m.metric, m.day, m.key, coalesce(ops.dash_bucket(m.value), 0) as bucket, sum(m.n) as n,
                   coalesce(sum(m.n * m.value), 0) as total
            from moved m
            cross join lateral ops.dash_slices(m.account_id, m.channel, m.queue_id, m.user_ids, m.campaign_id, m.flow_id, m.ai_agent_id) d
            group by 1, 2, 3, 4, 5, 6, 7),
        added as (
            insert into ops.dash_cube as c (project_id, dim, val, metric, day, key, bucket, n, total)
            select * from spread
            on conflict (project_id, dim, val, metric, day, key, bucket) do update set n = c.n + excluded.n, total = c.total + excluded.total),
        -- the day medians and p90s these histograms had are no longer theirs: recomputed once the day is over
        -- (ops.dash_cube_pcts_catch_up)
        moved_days as (select distinct project_id, dim, val, metric, day from spread where metric in ('frb', 'rsb')),
        stale as (delete from ops.dash_cube_pcts x using moved_days k
                  where (x.project_id, x.dim, x.val, x.metric, x.day) = (k.project_id, k.dim, k.val, k.metric, k.day))
        insert into ops.dash_cube_pcts_dirty (project_id, dim, val, metric, day)
        select * from moved_days
        on conflict do nothing
        $q$, p_source) using p_metric;
end
$$;

-- The day medians and p90s of the response-time histograms (ops.dash_cube_pcts), for the days that are over and
-- whose histograms moved: a 90-day response-times series reads 180 kept figures, not ~31 k histogram entries.
create or replace function ops.dash_cube_pcts_catch_up() returns void
language sql as $$
    with due as (
        delete from ops.dash_cube_pcts_dirty d using core.projects p
        where p.id = d.project_id and d.day < (now() at time zone p.time_zone)::date
        returning d.*)
    insert into ops.dash_cube_pcts (project_id, dim, val, metric, day, p50, p90)
    select d.project_id, d.dim, d.val, d.metric, d.day, ops.dash_pct(h.n, h.t, 0.5), ops.dash_pct(h.n, h.t, 0.9)
    from due d
    cross join lateral (select array_agg(c.n order by c.bucket) as n, array_agg(c.total order by c.bucket) as t from ops.dash_cube c
                        where (c.project_id, c.dim, c.val, c.metric, c.day) = (d.project_id, d.dim, d.val, d.metric, d.day) and c.n > 0) h
    where h.n is not null
    on conflict (project_id, dim, val, metric, day) do update set p50 = excluded.p50, p90 = excluded.p90
$$;

-- The funnel's counts (metric 'fu'): each episode of a conversation with a reach, in each slice, keyed by the reach and
-- with bucket = the local day of the conversation's previous episode in that slice (days since 2000-01-01; -1: none).
-- A period counts a conversation once, by its first episode in the period: the one whose previous day is before it.
-- p_source: rows of ops.dash_episodes plus funnel_reach (the conversation's reach), sign and emit. A conversation's rows
-- of one sign are its history up to the rows counted (emit false: earlier episodes that only give the previous days).
create or replace function ops.dash_cube_add_funnel(p_source text) returns void
language plpgsql as $$
begin
    execute format($q$
        with e as (select s.project_id, s.conversation_id, s.seq, s.account_id, s.channel, s.queue_id, s.user_ids, s.campaign_id,
                          s.flow_id, s.ai_agent_id, s.funnel_reach, s.sign, s.emit, (s.opened_at at time zone p.time_zone)::date as day
                   from (%s) s join core.projects p on p.id = s.project_id),
        sliced as (select e.*, d.dim, d.val, lag(e.day) over (partition by e.conversation_id, e.sign, d.dim, d.val order by e.seq) as prev_day
                   from e cross join lateral ops.dash_slices(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id,
                                                             e.ai_agent_id) d)
        insert into ops.dash_cube as c (project_id, dim, val, metric, day, key, bucket, n, total)
        select project_id, dim, val, 'fu', day, funnel_reach::text, coalesce(prev_day - date '2000-01-01', -1), sum(sign), 0
        from sliced
        where emit and funnel_reach > 0
        group by 1, 2, 3, 4, 5, 6, 7
        having sum(sign) <> 0
        on conflict (project_id, dim, val, metric, day, key, bucket) do update set n = c.n + excluded.n
        $q$, p_source);
end
$$;

-- Marks conversations whose reach may have moved, when the project has a funnel (with a stage of p_kind; null: any).
create or replace function ops.dash_funnel_mark(p_project_id bigint, p_conversation_ids bigint[], p_kind text) returns void
language sql as $$
    insert into ops.dash_funnel_dirty as d (project_id, conversation_id)
    select distinct p_project_id, x from unnest(p_conversation_ids) x
    where exists (select 1 from ops.dash_funnels f where f.project_id = p_project_id
                  and (p_kind is null or f.stages @> jsonb_build_array(jsonb_build_object('kind', p_kind))))
    -- an update, not nothing: it waits for a pass taking the row, so the pass that recomputes it sees this change
    on conflict (project_id, conversation_id) do update set marked_at = now()
$$;

create or replace function ops.dash_funnel_fact_changed() returns trigger
language plpgsql as $$
begin
    if tg_table_name = 'conversation_tags' then
        perform ops.dash_funnel_mark(c.project_id, array[c.id], 'tag') from chat.conversations c
        where c.id = case when tg_op = 'DELETE' then old.conversation_id else new.conversation_id end;
    elsif tg_table_name = 'contacts' then
        perform ops.dash_funnel_mark(new.project_id, array(select c.id from chat.conversations c where c.contact_id = new.id), 'attribute');
    elsif tg_table_name = 'recipients' then
        perform ops.dash_funnel_mark(new.project_id, array[new.conversation_id], 'campaign_reply');
    elsif tg_table_name = 'flow_sessions' then
        perform ops.dash_funnel_mark(new.project_id, array[new.conversation_id], 'bot_outcome');
    end if;
    return null;
end
$$;

create or replace trigger conversation_tags_funnel after insert or delete on chat.conversation_tags
    for each row execute function ops.dash_funnel_fact_changed();
create or replace trigger contacts_funnel after update of attributes on chat.contacts
    for each row when (old.attributes is distinct from new.attributes) execute function ops.dash_funnel_fact_changed();
create or replace trigger recipients_funnel after update of replied_at on mass.recipients
    for each row when (new.replied_at is not null and old.replied_at is null and new.conversation_id is not null)
    execute function ops.dash_funnel_fact_changed();
create or replace trigger flow_sessions_funnel after insert or update of status, reason, node_id on bot.flow_sessions
    for each row execute function ops.dash_funnel_fact_changed();

-- The rollup pass's part for the funnel, under the episodes' lock: a funnel saved (or not counted yet) has every reach
-- of its project recomputed and recounted; else the marked conversations whose reach moved move their counts. Returns
-- the projects whose figures moved.
create or replace function ops.dash_funnel_catch_up() returns bigint[]
language plpgsql as $$
declare
    v_funnel record;
    v_projects bigint[] := '{}';
begin
    perform pg_advisory_xact_lock(hashtext('ops.dash_episodes'));
    for v_funnel in select project_id, revision from ops.dash_funnels where revision <> counted_revision order by project_id loop
        -- every conversation of the project at once (505 k: sorts of ~100 MB, on disk with the default)
        perform set_config('work_mem', '256MB', true);
        delete from ops.dash_funnel_dirty where project_id = v_funnel.project_id;
        delete from ops.dash_funnel_reaches where project_id = v_funnel.project_id;
        insert into ops.dash_funnel_reaches (project_id, conversation_id, reach)
        select r.project_id, r.conversation_id, r.reach from ops.dash_funnel_reach(v_funnel.project_id, null) r where r.reach > 0;
        perform ops.dash_cube_derive(v_funnel.project_id, array['funnel']);
        update ops.dash_funnels set counted_revision = v_funnel.revision where project_id = v_funnel.project_id;
        v_projects := v_projects || v_funnel.project_id;
    end loop;

    create temp table if not exists dash_funnel_work (project_id bigint, conversation_id bigint, old_reach int, new_reach int,
                                                      primary key (project_id, conversation_id)) on commit delete rows;
    truncate dash_funnel_work;
    -- taken first, computed in the statements after (each sees what the marking transactions committed)
    with taken as (delete from ops.dash_funnel_dirty returning project_id, conversation_id)
    insert into dash_funnel_work (project_id, conversation_id) select distinct project_id, conversation_id from taken;
    if not found then return v_projects; end if;
    update dash_funnel_work w set old_reach = coalesce(r.reach, 0), new_reach = coalesce(n.reach, 0)
    from dash_funnel_work x
    left join ops.dash_funnel_reaches r on r.project_id = x.project_id and r.conversation_id = x.conversation_id
    left join ops.dash_funnel_reach(null, array(select conversation_id from dash_funnel_work)) n on n.conversation_id = x.conversation_id
    where (w.project_id, w.conversation_id) = (x.project_id, x.conversation_id);
    delete from dash_funnel_work where old_reach = new_reach;
    if not exists (select 1 from dash_funnel_work) then return v_projects; end if;
    perform ops.dash_cube_add_funnel('select e.*, w.old_reach as funnel_reach, -1 as sign, true as emit
                                      from dash_funnel_work w join ops.dash_episodes e on e.conversation_id = w.conversation_id
                                      union all
                                      select e.*, w.new_reach, 1, true
                                      from dash_funnel_work w join ops.dash_episodes e on e.conversation_id = w.conversation_id');
    delete from ops.dash_funnel_reaches r using dash_funnel_work w
    where r.project_id = w.project_id and r.conversation_id = w.conversation_id and w.new_reach = 0;
    insert into ops.dash_funnel_reaches (project_id, conversation_id, reach)
    select project_id, conversation_id, new_reach from dash_funnel_work where new_reach > 0
    on conflict (project_id, conversation_id) do update set reach = excluded.reach;
    return v_projects || array(select distinct project_id from dash_funnel_work);
end
$$;

-- The project's cube from its rollups and episode facts as they are (an upgraded installation's first pass, and the
-- rebuild's start for the episodes; 'funnel': the funnel's counts from the reaches kept, part of 'episodes'). The
-- caller holds the roll lock; the episodes' lock is taken here.
create or replace function ops.dash_cube_derive(p_project_id bigint, p_parts text[]) returns void
language plpgsql as $$
begin
    perform pg_advisory_xact_lock(hashtext('ops.dash_episodes'));
    if 'messages' = any(p_parts) then
        delete from ops.dash_cube c where c.project_id = p_project_id and c.metric in ('m', 'h', 'rp');
        perform ops.dash_cube_add_messages('ops.dash_message_hours', p_project_id);
    end if;
    if 'statuses' = any(p_parts) then
        delete from ops.dash_cube c where c.project_id = p_project_id and c.metric in ('st', 'fl');
        perform ops.dash_cube_add_statuses('ops.dash_status_hours', p_project_id);
    end if;
    if 'episodes' = any(p_parts) or 'funnel' = any(p_parts) then
        delete from ops.dash_cube c where c.project_id = p_project_id and c.metric = 'fu';
        perform ops.dash_cube_add_funnel(format('select e.*, r.reach as funnel_reach, 1 as sign, true as emit from ops.dash_episodes e
                                                 join ops.dash_funnel_reaches r on r.project_id = e.project_id and r.conversation_id = e.conversation_id
                                                 where e.project_id = %s', p_project_id));
    end if;
    if 'episodes' = any(p_parts) then
        delete from ops.dash_cube c where c.project_id = p_project_id and c.metric not in ('m', 'h', 'rp', 'st', 'fl', 'fu');
        -- their day figures too: counted again below, they are marked and recomputed by the next pass
        delete from ops.dash_cube_pcts x where x.project_id = p_project_id;
        perform ops.dash_cube_add_episodes(format('select e.*, 1 as sign from ops.dash_episodes e where e.project_id = %s', p_project_id));
    end if;
end
$$;

-- Projects marked by the migration (history from before the cube): derived once, by the rollup pass that holds the lock.
create or replace function ops.dash_cube_catch_up() returns void
language plpgsql as $$
declare
    v_project_id bigint;
begin
    for v_project_id in select project_id from ops.dash_cube_pending order by project_id loop
        perform ops.dash_cube_derive(v_project_id, array['messages', 'statuses', 'episodes']);
        delete from ops.dash_cube_pending where project_id = v_project_id;
    end loop;
end
$$;

-- The unanswered episodes' due instants (ops.dash_episodes.sla_due_at) of a project, or of one of its queues (a target
-- changed), with the business hours and targets as they are now.
create or replace function ops.dash_sla_due_recount(p_project_id bigint, p_queue_id bigint) returns void
language sql as $$
    update ops.dash_episodes e
    set sla_due_at = core.business_due(p.business_hours, p.time_zone, e.customer_at, coalesce(q.sla_first_response_seconds, 3600))
    from core.projects p
    left join core.queues q on q.id = p_queue_id
    where p.id = p_project_id and e.project_id = p_project_id and e.customer_at is not null and e.first_response_at is null
      and (p_queue_id is null or e.queue_id = p_queue_id)
      and (p_queue_id is not null or e.sla_due_at is null)
$$;

-- Projects upgraded with unanswered episodes from before their due instants were kept: given theirs once.
create or replace function ops.dash_sla_due_catch_up() returns void
language plpgsql as $$
declare
    v_project_id bigint;
begin
    for v_project_id in select project_id from ops.dash_sla_due_pending order by project_id loop
        -- every queue's own target: the episodes by queue, then those without one
        perform ops.dash_sla_due_recount(v_project_id, q.id) from core.queues q where q.project_id = v_project_id;
        perform ops.dash_sla_due_recount(v_project_id, null);
        delete from ops.dash_sla_due_pending where project_id = v_project_id;
    end loop;
end
$$;

-- A queue's SLA target changed: its within-target counts are recounted from the episode facts with the new target.
create or replace function ops.dash_cube_recount_sla(p_queue_id bigint) returns void
language plpgsql as $$
declare
    v_project_id bigint;
begin
    perform pg_advisory_xact_lock(hashtext('ops.dash_episodes'));
    select project_id into v_project_id from core.queues where id = p_queue_id;
    delete from ops.dash_cube c where c.project_id = v_project_id and c.metric = 'si' and c.key = p_queue_id::text;
    perform ops.dash_sla_due_recount(v_project_id, p_queue_id);
    perform ops.dash_cube_add_episodes(
        format('select e.*, 1 as sign from ops.dash_episodes e where e.project_id = %s and e.queue_id = %s', v_project_id, p_queue_id), 'si');
end
$$;

-- ── Reading it ───────────────────────────────────────────────────────────────────────────────────────────────────
-- ops.dash_cube_<tile>(project, from, to, dim, val): the tile's rows from the cube slice, the same rows and columns as
-- ops.dash_facts_<tile> for the same filter (a test holds them equal). ops.dash_tile_<tile> picks one or the other.

create or replace function ops.dash_cube_conversations(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint)
returns table (day text, opened bigint, resolved bigint, reopened bigint)
language sql stable as $$
    with c as (select c.day, c.metric, sum(c.n) as n from ops.dash_cube c
               where c.project_id = p_project_id and c.dim = p_dim and c.val = p_val and c.metric in ('op', 'ro', 'rs')
                 and c.day between p_from and p_to
               group by 1, 2)
    select to_char(g.d, 'YYYY-MM-DD'), coalesce(sum(c.n) filter (where c.metric = 'op'), 0)::bigint,
           coalesce(sum(c.n) filter (where c.metric = 'rs'), 0)::bigint, coalesce(sum(c.n) filter (where c.metric = 'ro'), 0)::bigint
    from generate_series(p_from, p_to, interval '1 day') g(d) left join c on c.day = g.d::date
    group by g.d
    order by g.d
$$;

create or replace function ops.dash_cube_messages(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint)
returns table (day text, channel text, sender_kind text, messages bigint)
language sql stable as $$
    select to_char(c.day, 'YYYY-MM-DD'), split_part(c.key, ':', 1), split_part(c.key, ':', 2), sum(c.n)::bigint
    from ops.dash_cube c
    where c.project_id = p_project_id and c.dim = p_dim and c.val = p_val and c.metric = 'm' and c.day between p_from and p_to
    group by 1, 2, 3
    having sum(c.n) > 0
    order by 1, 2, 3
$$;

create or replace function ops.dash_cube_messages_by_hour(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint)
returns table (weekday int, hour int, messages bigint)
language sql stable as $$
    with m as (select extract(isodow from c.day)::int as wd, c.key::int as hr, sum(c.n)::bigint as n
               from ops.dash_cube c
               where c.project_id = p_project_id and c.dim = p_dim and c.val = p_val and c.metric = 'h' and c.day between p_from and p_to
               group by 1, 2)
    select w.d, hh.h, coalesce(m.n, 0)
    from generate_series(1, 7) w(d) cross join generate_series(0, 23) hh(h)
    left join m on m.wd = w.d and m.hr = hh.h
    order by w.d, hh.h
$$;

-- A histogram metric over the period, merged across days: one row per bucket.
create or replace function ops.dash_cube_histogram(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint,
    p_metric text, p_key text)
returns table (n bigint[], total bigint[], count bigint)
language sql stable as $$
    select array_agg(b.n order by b.bucket), array_agg(b.t order by b.bucket), coalesce(sum(b.n), 0)::bigint
    from (select c.bucket, sum(c.n)::bigint as n, sum(c.total)::bigint as t from ops.dash_cube c
          where c.project_id = p_project_id and c.dim = p_dim and c.val = p_val and c.metric = p_metric and c.day between p_from and p_to
            and c.key = p_key
          group by 1 having sum(c.n) > 0) b
$$;

create or replace function ops.dash_cube_first_response(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint)
returns table (median_seconds double precision, p90_seconds double precision, median_wall_seconds double precision,
               p90_wall_seconds double precision, answered bigint)
language sql stable as $$
    select ops.dash_pct(b.n, b.total, 0.5), ops.dash_pct(b.n, b.total, 0.9), ops.dash_pct(w.n, w.total, 0.5),
           ops.dash_pct(w.n, w.total, 0.9), b.count
    from ops.dash_cube_histogram(p_project_id, p_from, p_to, p_dim, p_val, 'frb', '') b,
         ops.dash_cube_histogram(p_project_id, p_from, p_to, p_dim, p_val, 'frw', '') w
$$;

create or replace function ops.dash_cube_resolution(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint)
returns table (median_seconds double precision, p90_seconds double precision, median_wall_seconds double precision,
               p90_wall_seconds double precision, resolved bigint)
language sql stable as $$
    select ops.dash_pct(b.n, b.total, 0.5), ops.dash_pct(b.n, b.total, 0.9), ops.dash_pct(w.n, w.total, 0.5),
           ops.dash_pct(w.n, w.total, 0.9), b.count
    from ops.dash_cube_histogram(p_project_id, p_from, p_to, p_dim, p_val, 'rsb', '') b,
         ops.dash_cube_histogram(p_project_id, p_from, p_to, p_dim, p_val, 'rsw', '') w
$$;

create or replace function ops.dash_cube_response_times(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint)
returns table (day text, first_response_median double precision, first_response_p90 double precision,
               resolution_median double precision, resolution_p90 double precision)
language sql stable as $$
    -- the days that are over: their kept figures; the others (today, a day whose histogram just moved): the histograms
    with kept as (select x.day, x.metric, x.p50, x.p90 from ops.dash_cube_pcts x
                  where x.project_id = p_project_id and x.dim = p_dim and x.val = p_val and x.metric in ('frb', 'rsb')
                    and x.day between p_from and p_to),
    missing as (select g.d::date as day, m.metric from generate_series(p_from, p_to, interval '1 day') g(d), unnest(array['frb', 'rsb']) m(metric)
                where not exists (select 1 from kept k where k.day = g.d::date and k.metric = m.metric)),
    h as (select x.day, x.metric, ops.dash_pct(b.n, b.t, 0.5) as p50, ops.dash_pct(b.n, b.t, 0.9) as p90
          from missing x
          cross join lateral (select array_agg(c.n order by c.bucket) as n, array_agg(c.total order by c.bucket) as t from ops.dash_cube c
                              where c.project_id = p_project_id and c.dim = p_dim and c.val = p_val and c.metric = x.metric
                                and c.day = x.day and c.n > 0) b
          where b.n is not null),
    f as (select * from kept union all select * from h)
    select to_char(g.d, 'YYYY-MM-DD'), fr.p50, fr.p90, rs.p50, rs.p90
    from generate_series(p_from, p_to, interval '1 day') g(d)
    left join f fr on fr.day = g.d::date and fr.metric = 'frb'
    left join f rs on rs.day = g.d::date and rs.metric = 'rsb'
    order by g.d
$$;

-- Answered and within-target counts from the cube; the unanswered episodes already past the target from the facts
-- (their number depends on now), through the partial index of unanswered episodes.
create or replace function ops.dash_cube_sla(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint,
    p_account_id bigint, p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (queue_id bigint, queue text, target_seconds int, answered bigint, within_target bigint, attainment double precision)
language sql stable as $$
    with c as (select nullif(c.key::bigint, 0) as qid, sum(c.n) filter (where c.metric = 'sc') as sc,
                      coalesce(sum(c.n) filter (where c.metric = 'sa'), 0)::bigint as sa,
                      coalesce(sum(c.n) filter (where c.metric = 'si'), 0)::bigint as si
               from ops.dash_cube c
               where c.project_id = p_project_id and c.dim = p_dim and c.val = p_val and c.metric in ('sa', 'sc', 'si')
                 and c.day between p_from and p_to
               group by 1 having sum(c.n) filter (where c.metric = 'sc') > 0),
    u as (select e.queue_id as qid, count(*) as breached
          from ops.dash_span(p_project_id, p_from, p_to) s
          join core.projects p on p.id = p_project_id
          join ops.dash_episodes e on e.project_id = p_project_id and e.customer_at >= s.from_ts and e.customer_at < s.to_ts
               and e.customer_at is not null and e.first_response_at is null
          left join core.queues q on q.id = e.queue_id
          where ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
            and ops.dash_sla_breached(e.sla_due_at, p.business_hours, p.time_zone, e.customer_at, q.sla_first_response_seconds)
          group by 1)
    select c.qid, q.name, coalesce(q.sla_first_response_seconds, 3600), c.sa, c.si,
           100.0 * c.si / nullif(c.sa + coalesce(u.breached, 0), 0)
    from c left join core.queues q on q.id = c.qid
    left join u on u.qid is not distinct from c.qid
    order by q.name nulls last, c.qid
$$;

-- Days that ended before today from the cube (every expiry in them is past); today and later from the facts.
create or replace function ops.dash_cube_window_expiries(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint,
    p_account_id bigint, p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (day text, expiries bigint)
language sql stable as $$
    with t as (select (now() at time zone p.time_zone)::date as today from core.projects p where p.id = p_project_id),
    c as (select c.day, sum(c.n)::bigint as n from t, ops.dash_cube c
          where c.project_id = p_project_id and c.dim = p_dim and c.val = p_val and c.metric = 'ex'
            and c.day between p_from and least(p_to, t.today - 1)
          group by 1)
    select to_char(g.d, 'YYYY-MM-DD'), coalesce(c.n, 0)
    from t, generate_series(p_from, least(p_to, t.today - 1), interval '1 day') g(d) left join c on c.day = g.d::date
    union all
    select f.* from t, ops.dash_facts_window_expiries(p_project_id, greatest(p_from, t.today), p_to, p_account_id, p_channel,
                                                      p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id) f
    where p_to >= t.today
    order by 1
$$;

-- Filters: account and channel only.
create or replace function ops.dash_cube_delivery(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint)
returns table (channel text, sent bigint, delivered bigint, read bigint, failed bigint, delivered_pct double precision,
               read_pct double precision, failed_pct double precision)
language sql stable as $$
    with o as (select split_part(c.key, ':', 1) as channel, sum(c.n)::bigint as n from ops.dash_cube c
               where c.project_id = p_project_id and c.dim = p_dim and c.val = p_val and c.metric = 'm' and c.day between p_from and p_to
                 and split_part(c.key, ':', 2) <> 'customer'
               group by 1 having sum(c.n) > 0),
    st as (select split_part(c.key, ':', 1) as channel,
                  sum(c.n) filter (where split_part(c.key, ':', 2) = 'delivered')::bigint as delivered,
                  sum(c.n) filter (where split_part(c.key, ':', 2) = 'read')::bigint as read,
                  sum(c.n) filter (where split_part(c.key, ':', 2) = 'failed')::bigint as failed
           from ops.dash_cube c
           where c.project_id = p_project_id and c.dim = p_dim and c.val = p_val and c.metric = 'st' and c.day between p_from and p_to
           group by 1 having sum(c.n) > 0)
    select ch, coalesce(o.n, 0), coalesce(st.delivered, 0), coalesce(st.read, 0), coalesce(st.failed, 0),
           100.0 * coalesce(st.delivered, 0) / nullif(o.n, 0), 100.0 * coalesce(st.read, 0) / nullif(o.n, 0),
           100.0 * coalesce(st.failed, 0) / nullif(o.n, 0)
    from (select channel as ch from o union select channel from st) c
    left join o on o.channel = c.ch left join st on st.channel = c.ch
    order by ch
$$;

create or replace function ops.dash_cube_failures(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint)
returns table (reason text, failed bigint)
language sql stable as $$
    select c.key, sum(c.n)::bigint
    from ops.dash_cube c
    where c.project_id = p_project_id and c.dim = p_dim and c.val = p_val and c.metric = 'fl' and c.day between p_from and p_to
    group by 1 having sum(c.n) > 0
    order by 2 desc, 1
$$;

-- The day ranges [lo, hi) a period's histogram rows are read from (ops.dash_cube_rows), each from the month rows
-- (month) or the day rows, added (sign 1) or taken out (-1). Whole months are read from their month rows. A month the
-- period covers only in part is read from its day rows inside the period, or from its month row less the days outside
-- the period when that reads fewer rows: a month row holds about as many as three days' rows (10 M messages), so a
-- 30-day period ending on 7 December reads November's and December's month rows less 1-7 November, instead of 30
-- days' rows. Days after tomorrow cost nothing to take out (nothing is there yet). Which way is taken only changes
-- what is read: the sums are the same.
create or replace function ops.dash_cube_ranges(p_from date, p_to date)
returns table (month boolean, sign int, lo date, hi date)
language plpgsql stable rows 5 as $$
declare
    v_m1 date := date_trunc('month', p_from::timestamp)::date;
    v_m2 date := date_trunc('month', p_to::timestamp)::date;
    v_part record;
    v_end date;
    v_outside int;
begin
    if p_to < p_from then return; end if;
    for v_part in
        select v_m1 as m, p_from as lo, least(p_to + 1, (v_m1 + interval '1 month')::date) as hi
        union all select v_m2, v_m2, p_to + 1 where v_m2 > v_m1
    loop
        v_end := (v_part.m + interval '1 month')::date;
        v_outside := (v_part.lo - v_part.m) + greatest(0, least(v_end, current_date + 2) - v_part.hi);
        -- a whole month has no day outside: its month row alone
        if v_outside + 3 < v_part.hi - v_part.lo then
            return query select true, 1, v_part.m, v_end;
            return query select false, -1, v_part.m, v_part.lo where v_part.lo > v_part.m;
            return query select false, -1, v_part.hi, v_end where v_part.hi < v_end;
        else
            return query select false, 1, v_part.lo, v_part.hi;
        end if;
    end loop;
    -- the whole months between the first and the last
    if (v_m1 + interval '1 month')::date < v_m2 then
        return query select true, 1, (v_m1 + interval '1 month')::date, v_m2;
    end if;
end
$$;

-- A period's rows of some metrics in a slice, from the metric's month rows (metric.m, day = the month's first day) and
-- its day rows (ops.dash_cube_ranges), the rows taken out with n and total negated: summed per key and bucket, the same
-- sums as the period's day rows alone.
drop function if exists ops.dash_month_lo(date);
drop function if exists ops.dash_month_hi(date);
create or replace function ops.dash_cube_rows(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint, p_metrics text[])
returns table (metric text, key text, bucket int, n bigint, total bigint)
language sql stable as $$
    select case when r.month then left(c.metric, -2) else c.metric end, c.key, c.bucket, r.sign * c.n, r.sign * c.total
    from ops.dash_cube_ranges(p_from, p_to) r
    join ops.dash_cube c on c.project_id = p_project_id and c.dim = p_dim and c.val = p_val
        and c.metric = any(case when r.month then array(select x || '.m' from unnest(p_metrics) x) else p_metrics end)
        and c.day >= r.lo and c.day < r.hi
$$;

-- The slice is the filter other than the agent's; p_user_id narrows the rows to that person (handled, replies and
-- first responses keyed by the person give their own figures).
create or replace function ops.dash_cube_agents(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint, p_user_id bigint)
returns table (user_id bigint, agent text, handled bigint, replies bigint, median_first_response_seconds double precision,
               online_seconds bigint, away_seconds bigint)
language sql stable as $$
    with s as (select * from ops.dash_span(p_project_id, p_from, p_to)),
    k as (select c.metric, c.key::bigint as uid, sum(c.n)::bigint as n from ops.dash_cube c
          where c.project_id = p_project_id and c.dim = p_dim and c.val = p_val and c.metric in ('hd', 'rp') and c.day between p_from and p_to
            and (p_user_id is null or c.key = p_user_id::text)
          group by 1, 2),
    fr as (select b.uid, ops.dash_pct(array_agg(b.n order by b.bucket), array_agg(b.t order by b.bucket), 0.5) as m
           from (select c.key::bigint as uid, c.bucket, sum(c.n)::bigint as n, sum(c.total)::bigint as t
                 from ops.dash_cube_rows(p_project_id, p_from, p_to, p_dim, p_val, array['frp']) c
                 where p_user_id is null or c.key = p_user_id::text
                 group by 1, 2 having sum(c.n) > 0) b
           group by 1),
    pr as (select x.* from s, ops.dash_presence_seconds(p_project_id, s.from_ts, s.to_ts) x)
    select u.id, u.display_name, coalesce(hd.n, 0), coalesce(rp.n, 0), fr.m,
           coalesce(pr.online, 0)::bigint, coalesce(pr.away, 0)::bigint
    from core.project_members pm
    join core.users u on u.id = pm.user_id
    left join k hd on hd.uid = u.id and hd.metric = 'hd' left join k rp on rp.uid = u.id and rp.metric = 'rp'
    left join fr on fr.uid = u.id left join pr on pr.uid = u.id
    where pm.project_id = p_project_id and (p_user_id is null or u.id = p_user_id)
    order by u.display_name, u.id
$$;

create or replace function ops.dash_cube_containment(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint)
returns table (handled_by text, episodes bigint, resolved bigint, contained bigint, containment_pct double precision)
language sql stable as $$
    with c as (select c.metric, sum(c.n)::bigint as n from ops.dash_cube c
               where c.project_id = p_project_id and c.dim = p_dim and c.val = p_val
                 and c.metric in ('ai_ep', 'ai_rs', 'ai_ct', 'bot_ep', 'bot_rs', 'bot_ct') and c.day between p_from and p_to
               group by 1)
    select k.kind, coalesce(sum(c.n) filter (where c.metric = k.kind || '_ep'), 0)::bigint,
           coalesce(sum(c.n) filter (where c.metric = k.kind || '_rs'), 0)::bigint,
           coalesce(sum(c.n) filter (where c.metric = k.kind || '_ct'), 0)::bigint,
           100.0 * coalesce(sum(c.n) filter (where c.metric = k.kind || '_ct'), 0)
               / nullif(sum(c.n) filter (where c.metric = k.kind || '_rs'), 0)
    from (values ('ai'), ('bot')) k(kind) left join c on c.metric like k.kind || '\_%'
    group by k.kind
    order by k.kind
$$;

create or replace function ops.dash_cube_handoff_reasons(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint)
returns table (reason text, handoffs bigint)
language sql stable as $$
    select c.key, sum(c.n)::bigint
    from ops.dash_cube c
    where c.project_id = p_project_id and c.dim = p_dim and c.val = p_val and c.metric = 'ho' and c.day between p_from and p_to
    group by 1 having sum(c.n) > 0
    order by 2 desc, 1
$$;

create or replace function ops.dash_cube_funnel(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint)
returns table (stage_key text, stage text, conversations bigint, conversion_pct double precision, overall_pct double precision)
language sql stable as $$
    with c as (select c.key::int as reach, sum(c.n) as n from ops.dash_cube c
               where c.project_id = p_project_id and c.dim = p_dim and c.val = p_val and c.metric = 'fu'
                 and c.day between p_from and p_to and c.bucket < p_from - date '2000-01-01'
               group by 1)
    select * from ops.dash_funnel_rows(p_project_id,
        (select coalesce(jsonb_object_agg(k, (select coalesce(sum(c.n), 0) from c where c.reach >= k)), '{}')
         from ops.dash_funnels f, generate_series(1, jsonb_array_length(f.stages)) k where f.project_id = p_project_id))
$$;

create or replace function ops.dash_cube_channels(p_project_id bigint, p_from date, p_to date, p_dim smallint, p_val bigint,
    p_account_id bigint, p_channel text)
returns table (channel text, opened bigint, resolved bigint, messages_in bigint, messages_out bigint,
               first_response_median double precision, resolution_median double precision, delivered_pct double precision)
language sql stable as $$
    with k as (select c.metric, case when c.metric = 'm' then split_part(c.key, ':', 1) else c.key end as channel,
                 sum(c.n) filter (where c.metric <> 'm' or split_part(c.key, ':', 2) = 'customer')::bigint as n,
                 sum(c.n) filter (where c.metric = 'm' and split_part(c.key, ':', 2) <> 'customer')::bigint as o
          from ops.dash_cube c
          where c.project_id = p_project_id and c.dim = p_dim and c.val = p_val and c.metric in ('op', 'rs', 'm')
            and c.day between p_from and p_to
          group by 1, 2),
    h as (select b.metric, b.channel, ops.dash_pct(array_agg(b.n order by b.bucket), array_agg(b.t order by b.bucket), 0.5) as m
          from (select c.metric, c.key as channel, c.bucket, sum(c.n)::bigint as n, sum(c.total)::bigint as t
                from ops.dash_cube_rows(p_project_id, p_from, p_to, p_dim, p_val, array['frc', 'rsc']) c
                group by 1, 2, 3 having sum(c.n) > 0) b
          group by 1, 2),
    -- delivered: statuses filter by account only
    dl as (select split_part(c.key, ':', 1) as channel, sum(c.n)::bigint as d from ops.dash_cube c
           where c.project_id = p_project_id and c.dim = case when p_account_id is null then 0 else 1 end
             and c.val = coalesce(p_account_id, 0) and c.metric = 'st' and c.day between p_from and p_to
             and split_part(c.key, ':', 2) = 'delivered'
           group by 1)
    select ch.ch, coalesce(op.n, 0), coalesce(rs.n, 0), coalesce(m.n, 0), coalesce(m.o, 0), fr.m, rm.m,
           100.0 * coalesce(dl.d, 0) / nullif(m.o, 0)
    from unnest(array['whatsapp', 'messenger', 'instagram']) ch(ch)
    left join k op on op.metric = 'op' and op.channel = ch.ch left join k rs on rs.metric = 'rs' and rs.channel = ch.ch
    left join k m on m.metric = 'm' and m.channel = ch.ch left join dl on dl.channel = ch.ch
    left join h fr on fr.metric = 'frc' and fr.channel = ch.ch left join h rm on rm.metric = 'rsc' and rm.channel = ch.ch
    where p_channel is null or ch.ch = p_channel
    order by ch.ch
$$;

-- ── The tiles (TilesApi and the insights call ops.dash_tile_<key>) ─────────────────────────────────────────────────
-- The cube when the filters a tile applies name at most one dimension;
-- else, and for the tiles that read the present (backlog, number health), the facts.

create or replace function ops.dash_tile_conversations(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (day text, opened bigint, resolved bigint, reopened bigint)
language plpgsql stable set jit = off as $$
declare
    v record;
begin
    select * into v from ops.dash_dim(p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    if v.dim is null then
        return query select * from ops.dash_facts_conversations(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    else
        -- planned with the values (the cube's functions are inlined): a generic plan of a slice's read guesses one row
        return query execute 'select * from ops.dash_cube_conversations($1, $2, $3, $4, $5)'
            using p_project_id, p_from, p_to, v.dim, v.val, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id;
    end if;
end
$$;

create or replace function ops.dash_tile_messages(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (day text, channel text, sender_kind text, messages bigint)
language plpgsql stable set jit = off as $$
declare
    v record;
begin
    select * into v from ops.dash_dim(p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    if v.dim is null then
        return query select * from ops.dash_facts_messages(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    else
        -- planned with the values (the cube's functions are inlined): a generic plan of a slice's read guesses one row
        return query execute 'select * from ops.dash_cube_messages($1, $2, $3, $4, $5)'
            using p_project_id, p_from, p_to, v.dim, v.val, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id;
    end if;
end
$$;

create or replace function ops.dash_tile_messages_by_hour(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (weekday int, hour int, messages bigint)
language plpgsql stable set jit = off as $$
declare
    v record;
begin
    select * into v from ops.dash_dim(p_account_id, p_channel, p_queue_id, null, p_campaign_id, p_flow_id, p_ai_agent_id);
    if v.dim is null then
        return query select * from ops.dash_facts_messages_by_hour(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    else
        -- planned with the values (the cube's functions are inlined): a generic plan of a slice's read guesses one row
        return query execute 'select * from ops.dash_cube_messages_by_hour($1, $2, $3, $4, $5)'
            using p_project_id, p_from, p_to, v.dim, v.val, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id;
    end if;
end
$$;

create or replace function ops.dash_tile_backlog(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (queue_id bigint, queue text, open bigint, unassigned bigint, unread bigint, oldest_waiting_seconds int)
language sql stable set jit = off as $$
    select * from ops.dash_facts_backlog(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
$$;

create or replace function ops.dash_tile_first_response(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (median_seconds double precision, p90_seconds double precision, median_wall_seconds double precision, p90_wall_seconds double precision, answered bigint)
language plpgsql stable set jit = off as $$
declare
    v record;
begin
    select * into v from ops.dash_dim(p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    if v.dim is null then
        return query select * from ops.dash_facts_first_response(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    else
        -- planned with the values (the cube's functions are inlined): a generic plan of a slice's read guesses one row
        return query execute 'select * from ops.dash_cube_first_response($1, $2, $3, $4, $5)'
            using p_project_id, p_from, p_to, v.dim, v.val, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id;
    end if;
end
$$;

create or replace function ops.dash_tile_resolution(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (median_seconds double precision, p90_seconds double precision, median_wall_seconds double precision, p90_wall_seconds double precision, resolved bigint)
language plpgsql stable set jit = off as $$
declare
    v record;
begin
    select * into v from ops.dash_dim(p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    if v.dim is null then
        return query select * from ops.dash_facts_resolution(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    else
        -- planned with the values (the cube's functions are inlined): a generic plan of a slice's read guesses one row
        return query execute 'select * from ops.dash_cube_resolution($1, $2, $3, $4, $5)'
            using p_project_id, p_from, p_to, v.dim, v.val, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id;
    end if;
end
$$;

create or replace function ops.dash_tile_response_times(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (day text, first_response_median double precision, first_response_p90 double precision, resolution_median double precision, resolution_p90 double precision)
language plpgsql stable set jit = off as $$
declare
    v record;
begin
    select * into v from ops.dash_dim(p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    if v.dim is null then
        return query select * from ops.dash_facts_response_times(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    else
        -- planned with the values (the cube's functions are inlined): a generic plan of a slice's read guesses one row
        return query execute 'select * from ops.dash_cube_response_times($1, $2, $3, $4, $5)'
            using p_project_id, p_from, p_to, v.dim, v.val, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id;
    end if;
end
$$;

create or replace function ops.dash_tile_sla(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (queue_id bigint, queue text, target_seconds int, answered bigint, within_target bigint, attainment double precision)
language plpgsql stable set jit = off as $$
declare
    v record;
begin
    select * into v from ops.dash_dim(p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    if v.dim is null then
        return query select * from ops.dash_facts_sla(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    else
        -- planned with the values (the cube's functions are inlined): a generic plan of a slice's read guesses one row
        return query execute 'select * from ops.dash_cube_sla($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)'
            using p_project_id, p_from, p_to, v.dim, v.val, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id;
    end if;
end
$$;

create or replace function ops.dash_tile_window_expiries(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (day text, expiries bigint)
language plpgsql stable set jit = off as $$
declare
    v record;
begin
    select * into v from ops.dash_dim(p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    if v.dim is null then
        return query select * from ops.dash_facts_window_expiries(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    else
        -- planned with the values (the cube's functions are inlined): a generic plan of a slice's read guesses one row
        return query execute 'select * from ops.dash_cube_window_expiries($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)'
            using p_project_id, p_from, p_to, v.dim, v.val, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id;
    end if;
end
$$;

create or replace function ops.dash_tile_delivery(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (channel text, sent bigint, delivered bigint, read bigint, failed bigint, delivered_pct double precision, read_pct double precision, failed_pct double precision)
language plpgsql stable set jit = off as $$
declare
    v record;
begin
    select * into v from ops.dash_dim(p_account_id, p_channel, null, null, null, null, null);
    if v.dim is null then
        return query select * from ops.dash_facts_delivery(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    else
        -- planned with the values (the cube's functions are inlined): a generic plan of a slice's read guesses one row
        return query execute 'select * from ops.dash_cube_delivery($1, $2, $3, $4, $5)'
            using p_project_id, p_from, p_to, v.dim, v.val, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id;
    end if;
end
$$;

create or replace function ops.dash_tile_failures(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (reason text, failed bigint)
language plpgsql stable set jit = off as $$
declare
    v record;
begin
    select * into v from ops.dash_dim(p_account_id, p_channel, null, null, null, null, null);
    if v.dim is null then
        return query select * from ops.dash_facts_failures(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    else
        -- planned with the values (the cube's functions are inlined): a generic plan of a slice's read guesses one row
        return query execute 'select * from ops.dash_cube_failures($1, $2, $3, $4, $5)'
            using p_project_id, p_from, p_to, v.dim, v.val, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id;
    end if;
end
$$;

create or replace function ops.dash_tile_agents(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (user_id bigint, agent text, handled bigint, replies bigint, median_first_response_seconds double precision, online_seconds bigint, away_seconds bigint)
language plpgsql stable set jit = off as $$
declare
    v record;
begin
    select * into v from ops.dash_dim(p_account_id, p_channel, p_queue_id, null, p_campaign_id, p_flow_id, p_ai_agent_id);
    if v.dim is null then
        return query select * from ops.dash_facts_agents(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    else
        -- planned with the values (the cube's functions are inlined): a generic plan of a slice's read guesses one row
        return query execute 'select * from ops.dash_cube_agents($1, $2, $3, $4, $5, $9)'
            using p_project_id, p_from, p_to, v.dim, v.val, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id;
    end if;
end
$$;

create or replace function ops.dash_tile_containment(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (handled_by text, episodes bigint, resolved bigint, contained bigint, containment_pct double precision)
language plpgsql stable set jit = off as $$
declare
    v record;
begin
    select * into v from ops.dash_dim(p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    if v.dim is null then
        return query select * from ops.dash_facts_containment(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    else
        -- planned with the values (the cube's functions are inlined): a generic plan of a slice's read guesses one row
        return query execute 'select * from ops.dash_cube_containment($1, $2, $3, $4, $5)'
            using p_project_id, p_from, p_to, v.dim, v.val, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id;
    end if;
end
$$;

create or replace function ops.dash_tile_handoff_reasons(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (reason text, handoffs bigint)
language plpgsql stable set jit = off as $$
declare
    v record;
begin
    select * into v from ops.dash_dim(p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    if v.dim is null then
        return query select * from ops.dash_facts_handoff_reasons(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    else
        -- planned with the values (the cube's functions are inlined): a generic plan of a slice's read guesses one row
        return query execute 'select * from ops.dash_cube_handoff_reasons($1, $2, $3, $4, $5)'
            using p_project_id, p_from, p_to, v.dim, v.val, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id;
    end if;
end
$$;

create or replace function ops.dash_tile_funnel(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (stage_key text, stage text, conversations bigint, conversion_pct double precision, overall_pct double precision)
language plpgsql stable set jit = off as $$
declare
    v record;
begin
    select * into v from ops.dash_dim(p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    -- the cube holds the counts of the funnel's counted revision only
    if v.dim is null or not exists (select 1 from ops.dash_funnels f where f.project_id = p_project_id and f.revision = f.counted_revision) then
        return query select * from ops.dash_facts_funnel(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    else
        return query execute 'select * from ops.dash_cube_funnel($1, $2, $3, $4, $5)' using p_project_id, p_from, p_to, v.dim, v.val;
    end if;
end
$$;

create or replace function ops.dash_tile_channels(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (channel text, opened bigint, resolved bigint, messages_in bigint, messages_out bigint, first_response_median double precision, resolution_median double precision, delivered_pct double precision)
language plpgsql stable set jit = off as $$
declare
    v record;
begin
    select * into v from ops.dash_dim(p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    if v.dim is null then
        return query select * from ops.dash_facts_channels(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    else
        -- planned with the values (the cube's functions are inlined): a generic plan of a slice's read guesses one row
        return query execute 'select * from ops.dash_cube_channels($1, $2, $3, $4, $5, $6, $7)'
            using p_project_id, p_from, p_to, v.dim, v.val, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id;
    end if;
end
$$;

create or replace function ops.dash_tile_number_health(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (day text, account_id bigint, account text, score int, level text)
language sql stable set jit = off as $$
    select * from ops.dash_facts_number_health(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
$$;
