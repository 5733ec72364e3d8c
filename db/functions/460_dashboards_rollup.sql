-- Dashboard rollups (issue 16, docs/dashboards.md): the Worker's loop (ops.dash_roll) reads what was written since its
-- watermark in chat.messages, chat.message_status_events and chat.conversation_events and, in the same transaction
-- that moves the watermark, adds it to the hourly rollups and recomputes the episodes of the conversations it touched.
-- Nothing here runs on the ingest path: ingestion only pays the NOTIFY it already sends.

-- Seconds of [p_from, p_to) inside business hours ({"mon": [["09:00","18:00"]], …} in p_tz; a day without entry is
-- closed; null: always open, as core.in_business_hours reads it). Each local day's intervals are turned into instants
-- in the zone, so a DST day counts its real length.
create or replace function core.business_seconds(p_hours jsonb, p_tz text, p_from timestamptz, p_to timestamptz) returns int
language sql stable as $$
    select case
        when p_from is null or p_to is null or p_to < p_from then null
        when p_hours is null then extract(epoch from p_to - p_from)::int
        else coalesce((
            select sum(greatest(0, extract(epoch from least(p_to, (d + (r ->> 1)::time) at time zone p_tz)
                                              - greatest(p_from, (d + (r ->> 0)::time) at time zone p_tz))))
            from generate_series((p_from at time zone p_tz)::date::timestamp, (p_to at time zone p_tz)::date::timestamp,
                                 interval '1 day') d
            cross join lateral jsonb_array_elements(
                p_hours -> (array['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'])[extract(dow from d)::int + 1]) r), 0)::int
    end
$$;

-- The last instant at which [p_from, instant) holds at most p_seconds of business hours (core.business_seconds): past
-- it, an unanswered episode is over its target. Read the hours of the day p_from is in, then each next day, until
-- the seconds are spent; 'infinity' when the hours have no opening in a week.
create or replace function core.business_due(p_hours jsonb, p_tz text, p_from timestamptz, p_seconds int) returns timestamptz
language plpgsql stable as $$
declare
    v_left double precision := p_seconds;
    v_day timestamp := (p_from at time zone p_tz)::date::timestamp;
    v_open timestamptz;
    v_close timestamptz;
    v_range jsonb;
begin
    if p_from is null or p_seconds is null then return null; end if;
    if p_hours is null then return p_from + make_interval(secs => p_seconds); end if;
    for i in 0 .. 7 * 53 loop
        for v_range in select r from jsonb_array_elements(
                p_hours -> (array['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'])[extract(dow from v_day)::int + 1]) r
                order by r ->> 0 loop
            v_open := greatest(p_from, (v_day + (v_range ->> 0)::time) at time zone p_tz);
            v_close := (v_day + (v_range ->> 1)::time) at time zone p_tz;
            continue when v_close <= v_open;
            -- strictly less: spent exactly at a close, the target is only passed once the next opening starts
            if v_left < extract(epoch from v_close - v_open) then return v_open + make_interval(secs => v_left); end if;
            v_left := v_left - extract(epoch from v_close - v_open);
        end loop;
        exit when i >= 7 and v_left = p_seconds;  -- a week without an opening: never
        v_day := v_day + interval '1 day';
    end loop;
    return 'infinity';
end
$$;

-- Whether an unanswered episode is past its queue's target now: its due instant, or before the first pass after the
-- upgrade that keeps them (ops.dash_sla_due_catch_up), the business seconds since the customer wrote.
create or replace function ops.dash_sla_breached(p_due_at timestamptz, p_hours jsonb, p_tz text, p_customer_at timestamptz,
                                                 p_target int) returns boolean
language sql stable as $$
    select case when p_due_at is not null then p_due_at < now()
                else core.business_seconds(p_hours, p_tz, p_customer_at, now()) > coalesce(p_target, 3600) end
$$;

-- Who wrote a message, as the dashboards count it: customer, ai, bot, campaign, or person (an agent in the console,
-- or the business's phone app: an echo).
create or replace function ops.dash_sender_kind(p_direction text, p_ai_agent_id bigint, p_flow_id bigint, p_client_id text) returns text
language sql immutable as $$
    select case when p_direction = 'in' then 'customer'
                when p_ai_agent_id is not null then 'ai'
                when p_flow_id is not null then 'bot'
                when p_client_id like 'mass:%' then 'campaign'
                else 'person' end
$$;

-- The conversation's queue at an instant: its last event naming a queue by then, else its first (a new conversation's
-- first messages are written just before it is routed), else its queue now.
create or replace function chat.queue_at(p_conversation_id bigint, p_at timestamptz) returns bigint
language sql stable as $$
    select coalesce(
        (select e.queue_id from chat.conversation_events e
         where e.conversation_id = p_conversation_id and e.queue_id is not null and e.created_at <= p_at
         order by e.id desc limit 1),
        (select e.queue_id from chat.conversation_events e
         where e.conversation_id = p_conversation_id and e.queue_id is not null order by e.id limit 1),
        (select c.queue_id from chat.conversations c where c.id = p_conversation_id))
$$;

-- The ids a pass works on (temp tables of the session, emptied at commit).
create or replace function ops.dash_temp_tables() returns void
language plpgsql as $$
begin
    -- "already exists, skipping" on every pass is noise in the logs
    perform set_config('client_min_messages', 'warning', true);
    create temp table if not exists dash_ids (id bigint primary key) on commit delete rows;
    create temp table if not exists dash_touched (conversation_id bigint primary key) on commit delete rows;
    create temp table if not exists dash_holes (lo bigint, hi bigint, seen_at timestamptz, horizon xid8) on commit delete rows;
    -- the pass's messages by conversation, and the conversations it saw resolved or reopened: which last episodes can
    -- take their new messages as an append (ops.dash_recompute_episodes)
    create temp table if not exists dash_appended (conversation_id bigint, id bigint, created_at timestamptz, call boolean,
        project_id bigint, account_id bigint, occurred_at timestamptz, direction text, sender text, user_id bigint,
        ai_agent_id bigint, flow_id bigint, campaign_id bigint, primary key (conversation_id, id)) on commit delete rows;
    create temp table if not exists dash_reshaped (conversation_id bigint primary key, first_at timestamptz) on commit delete rows;
end
$$;

-- The messages in dash_ids, read once with what the rollups and the episodes' appends need (dash_appended).
create or replace function ops.dash_take_messages() returns void
language plpgsql as $$
begin
    truncate dash_appended;
    insert into dash_appended
    select m.conversation_id, m.id, m.created_at, m.type = 'call', m.project_id, m.account_id, m.occurred_at, m.direction,
           ops.dash_sender_kind(m.direction, m.sent_by_ai_agent_id, m.sent_by_flow_id, m.client_message_id),
           m.sent_by_user_id, m.sent_by_ai_agent_id, m.sent_by_flow_id,
           case when m.client_message_id like 'mass:%' then (m.payload ->> 'campaign_id')::bigint end
    -- The ids as an array, not a join: dash_ids has no statistics, and joined, the planner guessed it 2,260 rows and
    -- read a young messages table whole to hash it (33 ms a pass at 22,000 messages, against 1 ms by the primary key).
    from chat.messages m where m.id = any(array(select d.id from dash_ids d));
end
$$;

-- Adds the messages in dash_appended (ops.dash_take_messages) to the hourly and daily rollups (the project's local
-- hour and day of occurred_at). plpgsql, not sql: the temp table does not exist when the function is created.
create or replace function ops.dash_apply_messages() returns void
language plpgsql as $$
begin
    create temp table if not exists dash_batch_hours (project_id bigint, hour timestamptz, account_id bigint, channel text,
        queue_id bigint, sender_kind text, user_id bigint, ai_agent_id bigint, flow_id bigint, campaign_id bigint, n bigint)
        on commit delete rows;
    truncate dash_batch_hours;
    insert into dash_batch_hours
    select m.project_id, date_trunc('hour', m.occurred_at at time zone p.time_zone) at time zone p.time_zone, m.account_id,
           c.channel,
           -- chat.queue_at, looked up once per conversation: its last event naming a queue is the answer for every
           -- message after it, and no such event means its queue now
           case when c.queue_event_at is null then c.queue_id
                when c.queue_event_at <= m.created_at then c.queue_event_queue_id
                else chat.queue_at(m.conversation_id, m.created_at) end,
           m.sender,
           case when m.sender = 'person' then m.user_id end,
           case when m.sender = 'ai' then m.ai_agent_id end,
           case when m.sender = 'bot' then m.flow_id end,
           case when m.sender = 'campaign' then m.campaign_id end,
           count(*)
    from dash_appended m
    join (select t.conversation_id, c.channel, c.queue_id, l.queue_id as queue_event_queue_id, l.created_at as queue_event_at
          from (select distinct x.conversation_id from dash_appended x where not x.call) t
          cross join lateral (select x.channel, x.queue_id from chat.conversations x where x.id = t.conversation_id) c
          left join lateral (select e.queue_id, e.created_at from chat.conversation_events e
                             where e.conversation_id = t.conversation_id and e.queue_id is not null
                             order by e.id desc limit 1) l on true) c on c.conversation_id = m.conversation_id
    join core.projects p on p.id = m.project_id
    -- a call's event in the thread (type 'call', docs/calls.md) is a call, not a message
    where not m.call
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
    insert into ops.dash_message_hours as h (project_id, hour, account_id, channel, queue_id, sender_kind, user_id, ai_agent_id,
                                             flow_id, campaign_id, messages)
    select * from dash_batch_hours
    on conflict (project_id, hour, account_id, queue_id, sender_kind, user_id, ai_agent_id, flow_id, campaign_id)
    do update set messages = h.messages + excluded.messages;
    -- and per local day
    insert into ops.dash_message_days as d (project_id, day, account_id, channel, queue_id, sender_kind, user_id, ai_agent_id,
                                            flow_id, campaign_id, messages)
    select h.project_id, (h.hour at time zone p.time_zone)::date, h.account_id, h.channel, h.queue_id, h.sender_kind, h.user_id,
           h.ai_agent_id, h.flow_id, h.campaign_id, sum(h.n)
    from dash_batch_hours h join core.projects p on p.id = h.project_id
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
    on conflict (project_id, day, account_id, queue_id, sender_kind, user_id, ai_agent_id, flow_id, campaign_id)
    do update set messages = d.messages + excluded.messages;
    -- and to the cube (466_dashboards_cube.sql)
    perform ops.dash_cube_add_messages('(select b.*, b.n as messages from dash_batch_hours b) b', null);
end
$$;

-- Adds the status events in dash_ids to the hourly status rollup (error codes kept for failures only).
create or replace function ops.dash_apply_statuses() returns void
language plpgsql as $$
begin
    create temp table if not exists dash_batch_statuses (project_id bigint, hour timestamptz, account_id bigint, channel text,
        status text, error_code int, n bigint) on commit delete rows;
    truncate dash_batch_statuses;
    insert into dash_batch_statuses
    select s.project_id, date_trunc('hour', s.occurred_at at time zone p.time_zone) at time zone p.time_zone, s.account_id,
           a.channel, s.status, case when s.status = 'failed' then s.error_code end, count(*)
    from chat.message_status_events s
    join meta.accounts a on a.id = s.account_id
    join core.projects p on p.id = s.project_id
    where s.id = any(array(select d.id from dash_ids d)) -- as ops.dash_take_messages
    group by 1, 2, 3, 4, 5, 6;
    insert into ops.dash_status_hours as h (project_id, hour, account_id, channel, status, error_code, n)
    select * from dash_batch_statuses
    on conflict (project_id, hour, account_id, status, error_code) do update set n = h.n + excluded.n;
    perform ops.dash_cube_add_statuses('dash_batch_statuses', null);
end
$$;

-- Fills dash_ids with the source's rows to count now: ids above the watermark (at most p_limit) and ids of earlier gaps
-- that have appeared; then records the new gaps, drops the ones that can no longer appear, and moves the watermark.
-- The caller holds the roll lock, so this runs once at a time; it commits with the rollup it feeds, so each row is
-- counted exactly once whatever Worker dies when. A gap (an id not visible when a higher one was) is kept until the
-- oldest transaction still running is newer than every transaction that was running when the gap was seen (horizon),
-- and 10 seconds went by (an insert takes its id a moment before its transaction id): by then an id still missing was
-- rolled back or never used (an insert … on conflict do nothing draws ids it does not keep). Returns the rows found.
create or replace function ops.dash_take(p_source text, p_limit int) returns int
language plpgsql as $$
declare
    v_table text := case p_source when 'messages' then 'chat.messages' when 'statuses' then 'chat.message_status_events'
                                  when 'events' then 'chat.conversation_events' end;
    v_watermark bigint;
    v_xmin xid8;
    v_xmax xid8;
    v_high bigint;
    v_new int;
    v_found int;
begin
    truncate dash_ids, dash_holes;
    select watermark into v_watermark from ops.dash_cursors where source = p_source for update;
    -- Before reading: every transaction older than this has ended, so what it wrote is visible to the reads below.
    v_xmin := pg_snapshot_xmin(pg_current_snapshot());
    execute format('insert into dash_ids select id from %s where id > $1 order by id limit $2', v_table) using v_watermark, p_limit;
    get diagnostics v_new = row_count;
    select coalesce(max(id), v_watermark) into v_high from dash_ids;
    execute format('insert into dash_ids select t.id from ops.dash_gaps g join %s t on t.id between g.lo and g.hi
                    where g.source = $1', v_table) using p_source;
    get diagnostics v_found = row_count;
    v_xmax := pg_snapshot_xmax(pg_current_snapshot());

    -- What is still missing: each old gap and the new span, cut at the ids found.
    insert into dash_holes (lo, hi, seen_at, horizon)
    select h.lo, h.hi, h.seen_at, h.horizon from (
        select x.p + 1 as lo, lead(x.p) over (partition by x.span order by x.p) - 1 as hi, x.seen_at, x.horizon
        from (
            select s.lo as span, s.seen_at, s.horizon, pt.p
            from (select g.lo, g.hi, g.seen_at, g.horizon from ops.dash_gaps g where g.source = p_source
                  union all
                  select v_watermark + 1, v_high, clock_timestamp(), v_xmax where v_high > v_watermark) s
            cross join lateral (select s.lo - 1 as p
                                union all select d.id from dash_ids d where d.id between s.lo and s.hi
                                union all select s.hi + 1) pt) x) h
    where h.hi >= h.lo and not (h.horizon <= v_xmin and h.seen_at < clock_timestamp() - interval '10 seconds');
    delete from ops.dash_gaps where source = p_source;
    insert into ops.dash_gaps (source, lo, hi, seen_at, horizon) select p_source, d.lo, d.hi, d.seen_at, d.horizon from dash_holes d;

    update ops.dash_cursors
    set watermark = v_high, updated_at = now(), fresh_at = case when v_new < p_limit then now() else fresh_at end
    where source = p_source;
    return v_new + v_found;
end
$$;

-- One pass of the Worker's loop: messages, statuses and conversation events since the watermarks, then the episodes of
-- every conversation they touched. Only one pass runs at a time across Workers (a transaction-level advisory lock,
-- released by commit or by a dead Worker's disconnect); another Worker's call returns 0 at once.
create or replace function ops.dash_roll(p_limit int) returns int
language plpgsql as $$
declare
    v_done int := 0;
    v_n int;
    v_funnel bigint[] := '{}';
begin
    if not pg_try_advisory_xact_lock(hashtext('ops.dash_roll')) then return 0; end if;
    -- The pass's temp tables have no statistics, so its plans look costly enough to be compiled: 240 ms of JIT for a
    -- 300 ms statement over 5,000 conversations. Every statement here is index lookups and small sorts.
    perform set_config('jit', 'off', true);
    -- And a pass touches a few thousand conversations of hundreds of thousands, by primary key, in pages the ingest just
    -- used: probing the indexes is cheaper than the seq scans + hash joins the default page costs pick (250 ms of
    -- reading 505 k conversations to join 5,000).
    perform set_config('random_page_cost', '1.1', true);
    perform ops.dash_temp_tables();
    if exists (select 1 from ops.dash_cube_pending) then perform ops.dash_cube_catch_up(); end if;

    v_n := ops.dash_take('messages', p_limit);
    if v_n > 0 then
        perform ops.dash_take_messages();
        perform ops.dash_apply_messages();
        insert into dash_touched select distinct conversation_id from dash_appended on conflict do nothing;
    end if;
    v_done := v_done + v_n;

    v_n := ops.dash_take('statuses', p_limit);
    if v_n > 0 then perform ops.dash_apply_statuses(); end if;
    v_done := v_done + v_n;

    v_n := ops.dash_take('events', p_limit);
    if v_n > 0 then
        -- the ids as an array, as ops.dash_take_messages says why
        insert into dash_touched select distinct e.conversation_id from chat.conversation_events e
        where e.id = any(array(select d.id from dash_ids d)) and e.action in ('resolved', 'reopened', 'routed', 'transferred')
        on conflict do nothing;
        insert into dash_reshaped select e.conversation_id, min(e.created_at) from chat.conversation_events e
        where e.id = any(array(select d.id from dash_ids d)) and e.action in ('resolved', 'reopened') group by 1;
    end if;
    v_done := v_done + v_n;

    perform ops.dash_recompute_episodes(array(select conversation_id from dash_touched), false);
    if exists (select 1 from ops.dash_funnel_dirty) or exists (select 1 from ops.dash_funnels where revision <> counted_revision) then
        v_funnel := ops.dash_funnel_catch_up();
    end if;
    perform ops.dash_cube_pcts_catch_up();
    if exists (select 1 from ops.dash_sla_due_pending) then perform ops.dash_sla_due_catch_up(); end if;
    -- Live dashboards: every console of a project whose figures moved refetches its tiles (one row per project and
    -- pass, so at most one per pass, 5 s apart by default; the NOTIFY it sends wakes this loop once more, to find nothing).
    perform ops.emit_changes(array_agg(x.project_id order by x.project_id), 'dashboards_updated', array_agg(null::bigint))
    from (select c.project_id from dash_touched t
          cross join lateral (select x.project_id from chat.conversations x where x.id = t.conversation_id limit 1) c
          union select unnest(v_funnel)) x;
    return v_done;
end
$$;

-- How current the rollups are: every row committed before this instant is counted (null before the first pass).
create or replace function ops.dash_fresh_at() returns timestamptz
language sql stable as $$
    select case when count(*) filter (where fresh_at is null) > 0 then null else min(fresh_at) end from ops.dash_cursors
$$;
