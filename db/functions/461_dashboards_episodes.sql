-- Episode facts (ops.dash_episodes, docs/dashboards.md "Episodes"): recomputed from a conversation's own messages and
-- events, never incremented, so a rebuild writes exactly what the live loop wrote. A conversation's timeline is its
-- messages and its resolved/reopened events in the order the platform recorded them (created_at, then messages before
-- events, then id). An episode ends at a resolve; the next message or reopen starts the next one.
--
-- p_full: recompute every episode of these conversations (the rebuild); else only from the last episode kept, the live
-- loop's case (earlier episodes are closed and their rows cannot change). Messages are found through
-- messages_thread_idx: occurred_at is never later than created_at, and at most 7 days earlier (Meta's redelivery
-- horizon), so the last episode's rows are a short index range even in a long conversation.
create or replace function ops.dash_recompute_episodes(p_conversation_ids bigint[], p_full boolean) returns int
language plpgsql as $$
declare
    v_count int;
begin
    if coalesce(cardinality(p_conversation_ids), 0) = 0 then return 0; end if;
    perform pg_advisory_xact_lock(hashtext('ops.dash_episodes'));
    perform set_config('client_min_messages', 'warning', true);
    create temp table if not exists dash_anchor (conversation_id bigint primary key, opened_at timestamptz, seq_base int)
        on commit delete rows;
    truncate dash_anchor;
    insert into dash_anchor
    select c.id, case when not p_full then e.opened_at end, case when p_full then 0 else coalesce(e.seq - 1, 0) end
    from (select distinct unnest(p_conversation_ids) as id) c
    left join lateral (select x.opened_at, x.seq from ops.dash_episodes x where x.conversation_id = c.id
                       order by x.seq desc limit 1) e on true;
    perform ops.dash_count_episode_days(-1);
    -- the episodes as they were, taken out of the cube below with the new ones put back (what did not move cancels)
    create temp table if not exists dash_episodes_old (like ops.dash_episodes) on commit delete rows;
    truncate dash_episodes_old;
    with gone as (delete from ops.dash_episodes e using dash_anchor a where e.conversation_id = a.conversation_id and e.seq > a.seq_base
                  returning e.*)
    insert into dash_episodes_old select * from gone;

    insert into ops.dash_episodes (project_id, conversation_id, seq, account_id, channel, queue_id, opened_at, reopened,
        customer_at, first_response_at, first_response_kind, first_response_user_id, first_response_seconds,
        first_response_business_seconds, resolved_at, resolved_by_user_id, resolution_seconds, resolution_business_seconds,
        user_ids, ai_agent_id, flow_id, campaign_id, handoff_reason, handoff_source, messages_in, messages_out, person_messages,
        window_expiries, sla_due_at)
    with timeline as (
        select a.conversation_id, a.seq_base, m.created_at as at, 0 as ord, m.id, 'message' as kind, m.direction,
               ops.dash_sender_kind(m.direction, m.sent_by_ai_agent_id, m.sent_by_flow_id, m.client_message_id) as sender,
               m.sent_by_user_id as user_id, m.sent_by_ai_agent_id as ai_agent_id, m.sent_by_flow_id as flow_id,
               case when m.client_message_id like 'mass:%' then (m.payload ->> 'campaign_id')::bigint end as campaign_id,
               null::bigint as queue_id
        from dash_anchor a
        join chat.messages m on m.conversation_id = a.conversation_id and m.type <> 'call' -- a call is not a reply or a message
        where a.opened_at is null or (m.occurred_at >= a.opened_at - interval '7 days' and m.created_at >= a.opened_at)
        union all
        select a.conversation_id, a.seq_base, e.created_at, 1, e.id, e.action, null, null, e.actor_user_id, null, null, null,
               e.queue_id
        from dash_anchor a
        join chat.conversation_events e on e.conversation_id = a.conversation_id
        where e.action in ('resolved', 'reopened') and (a.opened_at is null or e.created_at >= a.opened_at)
    ),
    grouped as (
        -- the group is the number of resolves before the row: a resolve closes its own group
        select t.*, coalesce(sum((t.kind = 'resolved')::int) over (partition by t.conversation_id order by t.at, t.ord, t.id
                                                                   rows between unbounded preceding and 1 preceding), 0) as grp
        from timeline t
    ),
    marked as (
        select g.*, min(g.at) filter (where g.kind = 'message' and g.direction = 'in')
                        over (partition by g.conversation_id, g.grp) as customer_at,
               -- the next message that keeps a customer's window from closing unanswered: a reply or their next message
               case when g.kind = 'message' and (g.direction = 'in' or g.sender <> 'campaign') then
                   lead(g.at) over (partition by g.conversation_id, g.grp,
                                                 g.kind = 'message' and (g.direction = 'in' or g.sender <> 'campaign')
                                    order by g.at, g.id) end as next_at
        from grouped g
    ),
    episodes as (
        select x.conversation_id, x.seq_base, x.grp,
               min(x.at) filter (where x.kind <> 'resolved') as opened_at,
               min(x.customer_at) as customer_at,
               min(x.at) filter (where x.kind = 'message' and x.direction = 'out' and x.sender <> 'campaign' and x.at >= x.customer_at)
                   as first_response_at,
               (array_agg(x.sender order by x.at, x.id) filter (where x.kind = 'message' and x.direction = 'out'
                                                                  and x.sender <> 'campaign' and x.at >= x.customer_at))[1]
                   as first_response_kind,
               (array_agg(x.user_id order by x.at, x.id) filter (where x.kind = 'message' and x.direction = 'out'
                                                                   and x.sender <> 'campaign' and x.at >= x.customer_at))[1]
                   as first_response_user_id,
               max(x.at) filter (where x.kind = 'resolved') as resolved_at,
               (array_agg(x.user_id order by x.at desc, x.id desc) filter (where x.kind = 'resolved'))[1] as resolved_by_user_id,
               (array_agg(x.queue_id order by x.at desc, x.id desc) filter (where x.kind = 'resolved'))[1] as resolved_queue_id,
               coalesce(array_agg(distinct x.user_id) filter (where x.kind = 'message' and x.sender = 'person' and x.user_id is not null),
                        '{}') as user_ids,
               (array_agg(x.ai_agent_id order by x.at, x.id) filter (where x.ai_agent_id is not null))[1] as ai_agent_id,
               (array_agg(x.flow_id order by x.at, x.id) filter (where x.kind = 'message' and x.flow_id is not null))[1] as flow_id,
               (array_agg(x.campaign_id order by x.at, x.id) filter (where x.campaign_id is not null))[1] as campaign_id,
               count(*) filter (where x.kind = 'message' and x.direction = 'in')::int as messages_in,
               count(*) filter (where x.kind = 'message' and x.direction = 'out')::int as messages_out,
               count(*) filter (where x.kind = 'message' and x.sender = 'person')::int as person_messages,
               coalesce(array_agg(x.at + interval '24 hours' order by x.at, x.id)
                            filter (where x.kind = 'message' and x.direction = 'in'
                                      and (x.next_at is null or x.next_at > x.at + interval '24 hours')), '{}') as window_expiries
        from marked x
        group by x.conversation_id, x.seq_base, x.grp
        having count(*) filter (where x.kind <> 'resolved') > 0
    )
    select c.project_id, e.conversation_id, e.seq_base + row_number() over (partition by e.conversation_id order by e.grp),
           c.account_id, c.channel, coalesce(e.resolved_queue_id, c.queue_id), e.opened_at,
           e.seq_base + row_number() over (partition by e.conversation_id order by e.grp) > 1,
           e.customer_at, e.first_response_at, e.first_response_kind, e.first_response_user_id,
           extract(epoch from e.first_response_at - e.customer_at)::int,
           core.business_seconds(p.business_hours, p.time_zone, e.customer_at, e.first_response_at),
           e.resolved_at, e.resolved_by_user_id,
           extract(epoch from e.resolved_at - e.opened_at)::int,
           core.business_seconds(p.business_hours, p.time_zone, e.opened_at, e.resolved_at),
           e.user_ids, e.ai_agent_id, e.flow_id, e.campaign_id, h.reason, h.source,
           e.messages_in, e.messages_out, e.person_messages, e.window_expiries,
           -- unanswered: when it passes its queue's target (the SLA tile compares it with now)
           case when e.customer_at is not null and e.first_response_at is null
                then core.business_due(p.business_hours, p.time_zone, e.customer_at, coalesce(sq.sla_first_response_seconds, 3600)) end
    from episodes e
    join chat.conversations c on c.id = e.conversation_id
    join core.projects p on p.id = c.project_id
    left join core.queues sq on sq.id = coalesce(e.resolved_queue_id, c.queue_id)
    left join lateral (select l.reason, l.source from ops.handoff_log l
                       where l.conversation_id = e.conversation_id and l.created_at >= e.opened_at
                         and (e.resolved_at is null or l.created_at <= e.resolved_at)
                       order by l.created_at desc, l.id desc limit 1) h on true;
    get diagnostics v_count = row_count;
    perform ops.dash_count_episode_days(1);
    perform ops.dash_cube_add_episodes('select o.*, -1 as sign from dash_episodes_old o
                                        union all
                                        select e.*, 1 from dash_anchor a join ops.dash_episodes e
                                            on e.conversation_id = a.conversation_id and e.seq > a.seq_base');
    -- The funnel's counts of the conversations that have a reach: the replaced episodes' go and the new ones' come, with
    -- the episodes before them giving the days before. The conversations whose reach can move with their episodes are
    -- marked, and the pass recomputes them (ops.dash_funnel_catch_up): those without a reach yet, and those whose first
    -- missed stage is replied or resolved (the other stages read other facts, and these two only become true).
    if exists (select 1 from dash_anchor a join chat.conversations c on c.id = a.conversation_id
               join ops.dash_funnel_reaches r on r.project_id = c.project_id and r.conversation_id = a.conversation_id) then
        perform ops.dash_cube_add_funnel('select e.*, r.reach as funnel_reach, -1 as sign, false as emit
                                          from dash_anchor a join ops.dash_episodes e on e.conversation_id = a.conversation_id and e.seq <= a.seq_base
                                          join ops.dash_funnel_reaches r on r.project_id = e.project_id and r.conversation_id = e.conversation_id
                                          union all
                                          select o.*, r.reach, -1, true from dash_episodes_old o
                                          join ops.dash_funnel_reaches r on r.project_id = o.project_id and r.conversation_id = o.conversation_id
                                          union all
                                          select e.*, r.reach, 1, e.seq > a.seq_base
                                          from dash_anchor a join ops.dash_episodes e on e.conversation_id = a.conversation_id
                                          join ops.dash_funnel_reaches r on r.project_id = e.project_id and r.conversation_id = e.conversation_id');
    end if;
    insert into ops.dash_funnel_dirty (project_id, conversation_id)
    select c.project_id, a.conversation_id
    from dash_anchor a join chat.conversations c on c.id = a.conversation_id
    join ops.dash_funnels f on f.project_id = c.project_id
    left join ops.dash_funnel_reaches r on r.project_id = c.project_id and r.conversation_id = a.conversation_id
    where p_full or r.reach is null or f.stages -> r.reach ->> 'kind' in ('replied', 'resolved')
    on conflict (project_id, conversation_id) do update set marked_at = now();
    return v_count;
end
$$;

-- Adds (p_sign 1) or takes out (-1) the day counts of the episodes being recomputed (those after each anchor): opened
-- and reopened on the local day of opened_at, resolved on the local day of resolved_at.
create or replace function ops.dash_count_episode_days(p_sign int) returns void
language plpgsql as $$
begin
    insert into ops.dash_episode_days as d (project_id, day, account_id, channel, queue_id, campaign_id, flow_id, ai_agent_id,
                                            opened, reopened, resolved)
    select e.project_id, x.day, e.account_id, e.channel, e.queue_id, e.campaign_id, e.flow_id, e.ai_agent_id,
           p_sign * sum(x.opened), p_sign * sum(x.reopened), p_sign * sum(x.resolved)
    from dash_anchor a
    join ops.dash_episodes e on e.conversation_id = a.conversation_id and e.seq > a.seq_base
    join core.projects p on p.id = e.project_id
    cross join lateral (values ((e.opened_at at time zone p.time_zone)::date, 1, e.reopened::int, 0),
                               ((e.resolved_at at time zone p.time_zone)::date, 0, 0, 1)) x(day, opened, reopened, resolved)
    where x.day is not null
    group by 1, 2, 3, 4, 5, 6, 7, 8
    on conflict (project_id, day, account_id, channel, queue_id, campaign_id, flow_id, ai_agent_id)
    do update set opened = d.opened + excluded.opened, reopened = d.reopened + excluded.reopened, resolved = d.resolved + excluded.resolved;
end
$$;
