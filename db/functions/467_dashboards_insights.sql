-- Insights (issue 16's "Wisdom", docs/dashboards.md § Insights): what changed between the period and the previous one
-- of equal length, where, and what to do. Each rule is one function over the tiles' own reads (rollups, episode facts,
-- snapshots; the backlog rule reads the open conversations now, as the backlog tile does): never chat.messages, so an
-- insight costs a handful of tile reads. A rule returns ops.dash_insight rows: a stable kind, a severity (critical,
-- warning, info), a suggested action code, the tile that shows it, codes (text: channel, queue name, reason…) and
-- figures (numbers only: the console words them in English or Spanish), and the caller's filter narrowed to the
-- account, channel or queue the insight is about. Thresholds are named here once and documented in docs/dashboards.md.

create or replace function ops.dash_previous(p_from date, p_to date, out prev_from date, out prev_to date)
language sql immutable as $$
    select p_from - (p_to - p_from + 1), p_from - 1
$$;

create or replace function ops.dash_change_pct(p_current double precision, p_previous double precision) returns double precision
language sql immutable as $$
    select case when p_previous is null or p_previous = 0 then null else round((100 * (p_current - p_previous) / p_previous)::numeric, 1)::float8 end
$$;

-- A filter's identity for caching the AI's insights (null parts are empty).
create or replace function ops.dash_filter_key(p_account_id bigint, p_channel text, p_queue_id bigint, p_user_id bigint,
    p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint) returns text
language sql immutable as $$
    select concat_ws(';', 'a=' || coalesce(p_account_id::text, ''), 'c=' || coalesce(p_channel, ''), 'q=' || coalesce(p_queue_id::text, ''),
                     'u=' || coalesce(p_user_id::text, ''), 'm=' || coalesce(p_campaign_id::text, ''), 'f=' || coalesce(p_flow_id::text, ''),
                     'i=' || coalesce(p_ai_agent_id::text, ''))
$$;

-- First response p90 (business seconds) per channel and per queue: up or down by half or more, and by at least a
-- minute, with at least 5 first responses in each period.
create or replace function ops.dash_insight_first_response(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns setof ops.dash_insight
language sql stable set jit = off as $$
    with pp as (select * from ops.dash_previous(p_from, p_to)),
    periods as (select 'cur' as period, s.from_ts, s.to_ts from ops.dash_span(p_project_id, p_from, p_to) s
                union all select 'prev', s.from_ts, s.to_ts from pp, ops.dash_span(p_project_id, pp.prev_from, pp.prev_to) s),
    g as (select p.period, grouping(e.channel) = 0 as by_channel, e.channel, e.queue_id,
                 percentile_cont(0.9) within group (order by e.first_response_business_seconds) as p90, count(*) as n
          from periods p join ops.dash_episodes e on e.project_id = p_project_id and e.first_response_at >= p.from_ts
               and e.first_response_at < p.to_ts
          where ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                      p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
          group by grouping sets ((p.period, e.channel), (p.period, e.queue_id))),
    x as (select c.by_channel, c.channel, c.queue_id, c.p90 as cur, v.p90 as prev, c.n as cur_n, v.n as prev_n
          from g c join g v on v.period = 'prev' and v.by_channel = c.by_channel
               and v.channel is not distinct from c.channel and v.queue_id is not distinct from c.queue_id
          where c.period = 'cur' and c.n >= 5 and v.n >= 5 and (c.by_channel or c.queue_id is not null)
            and abs(c.p90 - v.p90) >= 60 and v.p90 > 0 and (c.p90 >= 1.5 * v.p90 or c.p90 <= 0.5 * v.p90))
    select row(case when x.cur > x.prev then 'first_response_p90_up' else 'first_response_p90_down' end,
               case when x.cur < x.prev then 'info' when x.cur >= 2 * x.prev then 'critical' else 'warning' end,
               case when x.cur < x.prev then 'none' when x.by_channel then 'review_staffing' else 'add_agents_to_queue' end,
               'response_times',
               case when x.by_channel then jsonb_build_object('channel', x.channel) else jsonb_build_object('queue', q.name) end,
               jsonb_build_object('p90_seconds', round(x.cur::numeric), 'previous_p90_seconds', round(x.prev::numeric),
                                  'change_pct', ops.dash_change_pct(x.cur, x.prev), 'answered', x.cur_n, 'previous_answered', x.prev_n),
               p_account_id, case when x.by_channel then x.channel else p_channel end,
               case when x.by_channel then p_queue_id else x.queue_id end,
               abs(ops.dash_change_pct(x.cur, x.prev)))::ops.dash_insight
    from x left join core.queues q on q.id = x.queue_id
$$;

-- SLA attainment per queue under the goal (90 % of first responses within the queue's target), at least 5 answered.
create or replace function ops.dash_insight_sla(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns setof ops.dash_insight
language sql stable set jit = off as $$
    with pp as (select * from ops.dash_previous(p_from, p_to)),
    c as (select * from ops.dash_tile_sla(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id,
                                          p_flow_id, p_ai_agent_id)),
    v as (select t.* from pp, ops.dash_tile_sla(p_project_id, pp.prev_from, pp.prev_to, p_account_id, p_channel, p_queue_id, p_user_id,
                                                p_campaign_id, p_flow_id, p_ai_agent_id) t)
    select row('sla_below_goal', case when c.attainment < 70 then 'critical' else 'warning' end,
               case when c.target_seconds < 300 then 'review_sla_target' else 'add_agents_to_queue' end, 'sla',
               jsonb_build_object('queue', c.queue),
               jsonb_build_object('attainment_pct', round(c.attainment::numeric, 1), 'previous_attainment_pct', round(v.attainment::numeric, 1),
                                  'goal_pct', 90, 'target_seconds', c.target_seconds, 'answered', c.answered, 'within_target', c.within_target),
               p_account_id, p_channel, c.queue_id, 90 - c.attainment)::ops.dash_insight
    from c left join v on v.queue_id = c.queue_id
    where c.queue_id is not null and c.answered >= 5 and c.attainment < 90
$$;

-- Failure rate per channel (failed statuses per outbound message) up by half or more and by at least 2 points, with at
-- least 5 failures; the period's most frequent failure reason on that channel names the action.
create or replace function ops.dash_insight_failures(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns setof ops.dash_insight
language sql stable set jit = off as $$
    with pp as (select * from ops.dash_previous(p_from, p_to)),
    c as (select * from ops.dash_tile_delivery(p_project_id, p_from, p_to, p_account_id, p_channel, null, null, null, null, null)),
    v as (select t.* from pp, ops.dash_tile_delivery(p_project_id, pp.prev_from, pp.prev_to, p_account_id, p_channel, null, null, null, null, null) t),
    x as (select c.channel, c.failed, c.failed_pct as cur, coalesce(v.failed_pct, 0) as prev, c.sent
          from c left join v on v.channel = c.channel
          where c.failed >= 5 and c.failed_pct is not null and c.failed_pct >= 1.5 * coalesce(v.failed_pct, 0)
            and c.failed_pct - coalesce(v.failed_pct, 0) >= 2)
    select row('failure_rate_up', case when x.cur >= 10 then 'critical' else 'warning' end,
               case r.reason when '131047' then 'use_template_outside_window'
                             when '131056' then 'slow_down_sending' when '130429' then 'slow_down_sending'
                             when '131048' then 'slow_down_sending' when '131026' then 'check_recipients'
                             else 'check_failure_reasons' end,
               'failures', jsonb_build_object('channel', x.channel, 'reason', r.reason),
               jsonb_build_object('failed_pct', round(x.cur::numeric, 1), 'previous_failed_pct', round(x.prev::numeric, 1),
                                  'failed', x.failed, 'sent', x.sent, 'reason_failed', r.failed,
                                  'reason_share_pct', round(100.0 * r.failed / nullif(x.failed, 0), 1)),
               p_account_id, x.channel, null::bigint, x.cur - x.prev)::ops.dash_insight
    from x cross join lateral (select * from ops.dash_tile_failures(p_project_id, p_from, p_to, p_account_id, x.channel,
                                                                    null, null, null, null, null) limit 1) r
$$;

-- Now (the backlog tile's figures, so only when the period reaches today): per queue with at least 10 open
-- conversations, none of its people online, or 15 or more open per person online. Its people: the queue's members, or
-- the project's members when the queue has none; online: presence online and seen in the last 2 minutes.
create or replace function ops.dash_insight_backlog(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns setof ops.dash_insight
language sql stable set jit = off as $$
    with b as (select t.* from core.projects p,
                    ops.dash_tile_backlog(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, null, null, null, null) t
               where p.id = p_project_id and p_to >= (now() at time zone p.time_zone)::date and t.queue_id is not null and t.open >= 10),
    x as (select b.*, (select count(*) from core.presence pr
                       where pr.status = 'online' and pr.last_seen_at > now() - interval '2 minutes'
                         and pr.user_id in (select m.user_id from core.queue_members m where m.queue_id = b.queue_id
                                            union all
                                            select pm.user_id from core.project_members pm
                                            where pm.project_id = p_project_id
                                              and not exists (select 1 from core.queue_members m where m.queue_id = b.queue_id))) as online
          from b)
    select row('backlog_per_agent_high', case when x.online = 0 then 'critical' else 'warning' end,
               case when x.online = 0 then 'bring_agents_online' else 'add_agents_to_queue' end, 'backlog',
               jsonb_build_object('queue', x.queue),
               jsonb_build_object('open', x.open, 'unassigned', x.unassigned, 'online_agents', x.online,
                                  'open_per_online_agent', case when x.online > 0 then round(x.open::numeric / x.online, 1) end,
                                  'oldest_waiting_seconds', x.oldest_waiting_seconds),
               p_account_id, p_channel, x.queue_id, x.open::float8 / greatest(x.online, 1) * case when x.online = 0 then 10 else 1 end)::ops.dash_insight
    from x
    where x.online = 0 or x.open >= 15 * x.online
$$;

-- 24-hour windows closed on an unanswered customer: at least 5 in the period and half again as many as before.
create or replace function ops.dash_insight_window_expiries(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns setof ops.dash_insight
language sql stable set jit = off as $$
    with pp as (select * from ops.dash_previous(p_from, p_to)),
    x as (select (select coalesce(sum(t.expiries), 0) from ops.dash_tile_window_expiries(p_project_id, p_from, p_to, p_account_id, p_channel,
                      p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id) t)::float8 as cur,
                 (select coalesce(sum(t.expiries), 0) from pp, ops.dash_tile_window_expiries(p_project_id, pp.prev_from, pp.prev_to,
                      p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id) t)::float8 as prev)
    select row('window_expiries_up', case when x.cur >= 3 * greatest(x.prev, 1) and x.cur >= 20 then 'critical' else 'warning' end,
               'answer_before_window_closes', 'window_expiries', '{}'::jsonb,
               jsonb_build_object('expiries', x.cur, 'previous_expiries', x.prev, 'change_pct', ops.dash_change_pct(x.cur, x.prev)),
               p_account_id, p_channel, p_queue_id, x.cur - x.prev)::ops.dash_insight
    from x
    where x.cur >= 5 and x.cur >= 1.5 * x.prev
$$;

-- AI and bot containment (resolved without a person): a change of 15 points or more, at least 5 resolved in each period.
create or replace function ops.dash_insight_containment(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns setof ops.dash_insight
language sql stable set jit = off as $$
    with pp as (select * from ops.dash_previous(p_from, p_to)),
    c as (select * from ops.dash_tile_containment(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id,
                                                  p_campaign_id, p_flow_id, p_ai_agent_id)),
    v as (select t.* from pp, ops.dash_tile_containment(p_project_id, pp.prev_from, pp.prev_to, p_account_id, p_channel, p_queue_id,
                                                        p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id) t)
    select row(case when c.containment_pct < v.containment_pct then 'containment_down' else 'containment_up' end,
               case when c.containment_pct < v.containment_pct then 'warning' else 'info' end,
               case when c.containment_pct >= v.containment_pct then 'none' when c.handled_by = 'ai' then 'review_ai_agent'
                    else 'review_bot_flow' end,
               'containment', jsonb_build_object('handled_by', c.handled_by),
               jsonb_build_object('containment_pct', round(c.containment_pct::numeric, 1), 'previous_containment_pct',
                                  round(v.containment_pct::numeric, 1), 'resolved', c.resolved, 'contained', c.contained,
                                  'previous_resolved', v.resolved),
               p_account_id, p_channel, p_queue_id, abs(c.containment_pct - v.containment_pct))::ops.dash_insight
    from c join v on v.handled_by = c.handled_by
    where c.resolved >= 5 and v.resolved >= 5 and abs(c.containment_pct - v.containment_pct) >= 15
$$;

-- The funnel: a stage's conversion from the stage before fell by 10 points or more, with at least 10 conversations at
-- the stage before in each period.
create or replace function ops.dash_insight_funnel(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns setof ops.dash_insight
language sql stable set jit = off as $$
    with pp as (select * from ops.dash_previous(p_from, p_to)),
    c as (select t.*, lag(t.conversations) over (order by t.ord) as before
          from ops.dash_tile_funnel(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id,
                                    p_flow_id, p_ai_agent_id) with ordinality t(stage_key, stage, conversations, conversion_pct, overall_pct, ord)),
    v as (select t.*, lag(t.conversations) over (order by t.ord) as before
          from pp, ops.dash_tile_funnel(p_project_id, pp.prev_from, pp.prev_to, p_account_id, p_channel, p_queue_id, p_user_id,
                                        p_campaign_id, p_flow_id, p_ai_agent_id) with ordinality t(stage_key, stage, conversations, conversion_pct, overall_pct, ord))
    select row('funnel_conversion_down', case when v.conversion_pct - c.conversion_pct >= 25 then 'critical' else 'warning' end,
               'review_funnel_stage', 'funnel', jsonb_build_object('stage_key', c.stage_key, 'stage', c.stage),
               jsonb_build_object('conversion_pct', round(c.conversion_pct::numeric, 1), 'previous_conversion_pct',
                                  round(v.conversion_pct::numeric, 1), 'conversations', c.conversations, 'previous_stage_conversations', c.before),
               p_account_id, p_channel, p_queue_id, v.conversion_pct - c.conversion_pct)::ops.dash_insight
    from c join v on v.stage_key = c.stage_key
    where c.before >= 10 and v.before >= 10 and v.conversion_pct - c.conversion_pct >= 10
$$;

-- A number's health level at the end of the period is worse than at the end of the previous one (healthy → at_risk →
-- critical), from the daily health snapshots.
create or replace function ops.dash_insight_number_health(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns setof ops.dash_insight
language sql stable set jit = off as $$
    with pp as (select * from ops.dash_previous(p_from, p_to)),
    c as (select distinct on (t.account_id) t.* from ops.dash_tile_number_health(p_project_id, p_from, p_to, p_account_id, p_channel,
              null, null, null, null, null) t order by t.account_id, t.day desc),
    v as (select distinct on (t.account_id) t.* from pp, ops.dash_tile_number_health(p_project_id, pp.prev_from, pp.prev_to, p_account_id,
              p_channel, null, null, null, null, null) t order by t.account_id, t.day desc),
    x as (select c.*, v.level as prev_level, v.score as prev_score,
                 array_position(array['healthy', 'at_risk', 'critical'], c.level) as rank,
                 array_position(array['healthy', 'at_risk', 'critical'], v.level) as prev_rank
          from c join v on v.account_id = c.account_id)
    select row('number_health_worse', case when x.level = 'critical' then 'critical' else 'warning' end, 'protect_number',
               'number_health', jsonb_build_object('account', x.account, 'level', x.level, 'previous_level', x.prev_level),
               jsonb_build_object('score', x.score, 'previous_score', x.prev_score),
               x.account_id, p_channel, p_queue_id, (x.rank - x.prev_rank) * 10 + (x.prev_score - x.score) / 10.0)::ops.dash_insight
    from x
    where x.rank > x.prev_rank
$$;

-- Every rule's insights, the most severe and the largest change first.
create or replace function ops.dash_insights(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns setof ops.dash_insight
language sql stable set jit = off as $$
    select i.* from (
        select * from ops.dash_insight_first_response(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
        union all select * from ops.dash_insight_sla(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
        union all select * from ops.dash_insight_failures(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
        union all select * from ops.dash_insight_backlog(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
        union all select * from ops.dash_insight_window_expiries(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
        union all select * from ops.dash_insight_containment(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
        union all select * from ops.dash_insight_funnel(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
        union all select * from ops.dash_insight_number_health(p_project_id, p_from, p_to, p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
    ) i
    order by array_position(array['critical', 'warning', 'info'], i.severity), i.score desc nulls last, i.kind
$$;

-- ── AI insights: requested by the console, worked by the Worker under a lease ────────────────────────────────────

-- Asks (again) for the AI's insights on one period and filter. A run already pending stays as it is; a finished one is
-- asked again. Returns the run.
create or replace function ops.dash_request_insights(p_project_id bigint, p_from date, p_to date, p_account_id bigint, p_channel text,
    p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint, p_requested_by bigint)
returns ops.dash_insight_runs
language plpgsql as $$
declare
    v ops.dash_insight_runs;
begin
    insert into ops.dash_insight_runs as r (project_id, day_from, day_to, filter_key, filter, requested_by)
    values (p_project_id, p_from, p_to,
            ops.dash_filter_key(p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id),
            jsonb_strip_nulls(jsonb_build_object('accountId', p_account_id, 'channel', p_channel, 'queueId', p_queue_id, 'userId', p_user_id,
                                                 'campaignId', p_campaign_id, 'flowId', p_flow_id, 'aiAgentId', p_ai_agent_id)),
            p_requested_by)
    on conflict (project_id, day_from, day_to, filter_key) do update
        set status = 'pending', requested_by = excluded.requested_by, requested_at = now(), attempt_count = 0,
            next_attempt_at = now(), last_error = null
        where r.status <> 'pending'
    returning * into v;
    if v.id is null then
        select * into v from ops.dash_insight_runs r
        where r.project_id = p_project_id and r.day_from = p_from and r.day_to = p_to
          and r.filter_key = ops.dash_filter_key(p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id);
    end if;
    perform pg_notify('ai', '');
    return v;
end
$$;

create or replace function ops.dash_insight_run(p_project_id bigint, p_from date, p_to date, p_account_id bigint, p_channel text,
    p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns setof ops.dash_insight_runs
language sql stable as $$
    select * from ops.dash_insight_runs r
    where r.project_id = p_project_id and r.day_from = p_from and r.day_to = p_to
      and r.filter_key = ops.dash_filter_key(p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
$$;

-- The next due run, leased to the Worker. A run whose Worker died past its last attempt is failed here.
create or replace function ops.dash_claim_insight_run(p_worker text, p_lease_seconds int, p_max_attempts int)
returns setof ops.dash_insight_runs
language plpgsql as $$
begin
    update ops.dash_insight_runs r
    set status = 'failed', last_error = coalesce(r.last_error, 'worker_lost'), locked_by = null, locked_until = null
    where r.status = 'pending' and r.attempt_count >= p_max_attempts and r.locked_until < now();
    return query
    update ops.dash_insight_runs r
    set locked_by = p_worker, locked_until = now() + make_interval(secs => p_lease_seconds), attempt_count = r.attempt_count + 1
    where r.id = (select x.id from ops.dash_insight_runs x
                  where x.status = 'pending' and x.next_attempt_at <= now() and (x.locked_until is null or x.locked_until < now())
                  order by x.next_attempt_at, x.id limit 1 for update skip locked)
    returning r.*;
end
$$;

-- Ends (or postpones, p_status pending with p_retry_ms) a run this Worker still holds; false when the lease was lost.
-- A finished run tells the project's consoles (change insights_updated) so the panel refetches.
create or replace function ops.dash_finish_insight_run(p_id bigint, p_worker text, p_status text, p_insights jsonb, p_turn_id bigint,
                                                       p_error text, p_retry_ms int)
returns boolean
language plpgsql as $$
declare
    v ops.dash_insight_runs;
begin
    update ops.dash_insight_runs r
    set status = p_status, insights = coalesce(p_insights, r.insights), turn_id = coalesce(p_turn_id, r.turn_id), last_error = p_error,
        generated_at = case when p_status = 'done' then now() else r.generated_at end, locked_by = null, locked_until = null,
        next_attempt_at = now() + make_interval(secs => coalesce(p_retry_ms, 0) / 1000.0)
    where r.id = p_id and r.locked_by = p_worker and r.status = 'pending'
    returning * into v;
    if v.id is null then return false; end if;
    if p_status <> 'pending' then
        perform ops.emit_change(v.project_id, 'insights_updated', null, null,
                                jsonb_build_object('from', v.day_from, 'to', v.day_to, 'filter', v.filter, 'status', v.status));
    end if;
    return true;
end
$$;
