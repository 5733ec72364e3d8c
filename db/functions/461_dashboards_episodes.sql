-- Episode facts (ops.dash_episodes, docs/dashboards.md "Episodes"): recomputed from a conversation's own messages and
-- events, never incremented, so a rebuild writes exactly what the live loop wrote. A conversation's timeline is its
-- messages and its resolved/reopened events in the order the platform recorded them (created_at, then messages before
-- events, then id). An episode ends at a resolve; the next message or reopen starts the next one.
--
-- p_full: recompute every episode of these conversations (the rebuild); else only from the last episode kept, the live
-- loop's case (earlier episodes are closed and their rows cannot change). Messages are found through
-- messages_thread_idx: occurred_at is never later than created_at, and at most 7 days earlier (Meta's redelivery
-- horizon), so the last episode's rows are a short index range even in a long conversation.
--
-- Appending (the live loop, ops.dash_roll): when the last episode is open, none of the pass's events resolves or
-- reopens the conversation, and every message the pass took for it (dash_appended) was created after the episode's last
-- instant (last_at), those messages are added to the kept row instead: the rows the full recompute would read are the
-- kept episode's, then these, in that order. Each figure is the kept one carried forward (a count added to, a first kept,
-- the 24-hour expiry of the last customer message cancelled when the next message came within it: open_expiry_at). A
-- message the episode already holds was created at or before last_at, so it always sends its conversation to the full
-- recompute; so does a message that commits late with an earlier instant. Without this, an open episode of 200
-- messages was read in full for every new message (90 % of the pass under a steady load, bench/RESULTS.md).
create or replace function ops.dash_recompute_episodes(p_conversation_ids bigint[], p_full boolean) returns int
language plpgsql as $$
declare
    v_count int;
begin
    if coalesce(cardinality(p_conversation_ids), 0) = 0 then return 0; end if;
    perform pg_advisory_xact_lock(hashtext('ops.dash_episodes'));
    perform set_config('client_min_messages', 'warning', true);
    -- seq_base and opened_at: where the recompute starts; the rest (the episode found, and the first instants the pass
    -- took for the conversation) decide whether it can append instead
    create temp table if not exists dash_anchor (conversation_id bigint primary key, opened_at timestamptz, seq_base int,
        message_at timestamptz, reshaped_at timestamptz, e_seq int, e_resolved_at timestamptz,
        e_last_at timestamptz, e_customer_at timestamptz, e_first_response_at timestamptz) on commit delete rows;
    truncate dash_anchor;
    perform ops.dash_temp_tables();
    -- From the last episode, or from the one a message or event the pass took belongs to (one that committed late, with
    -- an instant before the last episode opened), or from the start when it is older than every episode.
    insert into dash_anchor
    select c.id, case when not p_full then e.opened_at end, case when p_full then 0 else coalesce(e.seq - 1, 0) end,
           f.message_at, f.reshaped_at, e.seq, e.resolved_at, e.last_at, e.customer_at, e.first_response_at
    from (select distinct unnest(p_conversation_ids) as id) c
    left join lateral (select (select min(x.created_at) from dash_appended x where x.conversation_id = c.id and not x.call) as message_at,
                              (select r.first_at from dash_reshaped r where r.conversation_id = c.id) as reshaped_at
                       where not p_full) f on true
    left join lateral (select x.opened_at, x.seq, x.resolved_at, x.last_at, x.customer_at, x.first_response_at
                       from ops.dash_episodes x where x.conversation_id = c.id
                         and (least(f.message_at, f.reshaped_at) is null or x.opened_at <= least(f.message_at, f.reshaped_at))
                       order by x.seq desc limit 1) e on true;
    create temp table if not exists dash_append (conversation_id bigint primary key, seq int,
        customer_at timestamptz, first_response_at timestamptz, cube_moved boolean, funnel_moved boolean) on commit delete rows;
    truncate dash_append;
    if not p_full then
        -- the episode found is the last one here (an earlier one ended with a resolve)
        insert into dash_append
        select a.conversation_id, a.e_seq, a.e_customer_at, a.e_first_response_at, true, true
        from dash_anchor a
        where a.e_resolved_at is null and a.e_last_at is not null and a.reshaped_at is null and a.message_at > a.e_last_at;
    end if;
    perform ops.dash_count_episode_days(-1);
    -- the episodes as they were, taken out of the cube below with the new ones put back (what did not move cancels)
    create temp table if not exists dash_episodes_old (like ops.dash_episodes) on commit delete rows;
    truncate dash_episodes_old;
    with gone as (delete from ops.dash_episodes e using dash_anchor a where e.conversation_id = a.conversation_id and e.seq > a.seq_base
                    and not exists (select 1 from dash_append p where p.conversation_id = a.conversation_id)
                  returning e.*)
    insert into dash_episodes_old select * from gone;

    insert into ops.dash_episodes (project_id, conversation_id, seq, account_id, channel, queue_id, opened_at, reopened,
        customer_at, first_response_at, first_response_kind, first_response_user_id, first_response_seconds,
        first_response_business_seconds, resolved_at, resolved_by_user_id, resolution_seconds, resolution_business_seconds,
        user_ids, ai_agent_id, flow_id, campaign_id, handoff_reason, handoff_source, messages_in, messages_out, person_messages,
        window_expiries, sla_due_at, last_at, open_expiry_at)
    with anchors as (
        select a.* from dash_anchor a where not exists (select 1 from dash_append p where p.conversation_id = a.conversation_id)
    ),
    timeline as (
        select a.conversation_id, a.seq_base, m.created_at as at, 0 as ord, m.id, 'message' as kind, m.direction,
               ops.dash_sender_kind(m.direction, m.sent_by_ai_agent_id, m.sent_by_flow_id, m.client_message_id) as sender,
               m.sent_by_user_id as user_id, m.sent_by_ai_agent_id as ai_agent_id, m.sent_by_flow_id as flow_id,
               case when m.client_message_id like 'mass:%' then (m.payload ->> 'campaign_id')::bigint end as campaign_id,
               null::bigint as queue_id
        from anchors a
        join chat.messages m on m.conversation_id = a.conversation_id and m.type <> 'call' -- a call is not a reply or a message
        where a.opened_at is null or (m.occurred_at >= a.opened_at - interval '7 days' and m.created_at >= a.opened_at)
        union all
        select a.conversation_id, a.seq_base, e.created_at, 1, e.id, e.action, null, null, e.actor_user_id, null, null, null,
               e.queue_id
        from anchors a
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
                                      and (x.next_at is null or x.next_at > x.at + interval '24 hours')), '{}') as window_expiries,
               max(x.at) as last_at,
               -- the last message that keeps a window open, when it is the customer's: its expiry is still open
               (array_agg(case when x.direction = 'in' then x.at end order by x.at desc, x.id desc)
                    filter (where x.kind = 'message' and (x.direction = 'in' or x.sender <> 'campaign')))[1] as open_expiry_at
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
                then core.business_due(p.business_hours, p.time_zone, e.customer_at, coalesce(sq.sla_first_response_seconds, 3600)) end,
           e.last_at, e.open_expiry_at
    from episodes e
    join chat.conversations c on c.id = e.conversation_id
    join core.projects p on p.id = c.project_id
    left join core.queues sq on sq.id = coalesce(e.resolved_queue_id, c.queue_id)
    left join lateral (select l.reason, l.source from ops.handoff_log l
                       where l.conversation_id = e.conversation_id and l.created_at >= e.opened_at
                         and (e.resolved_at is null or l.created_at <= e.resolved_at)
                       order by l.created_at desc, l.id desc limit 1) h on true;
    get diagnostics v_count = row_count;
    if exists (select 1 from dash_append) then
        -- An appended episode whose cube facts are the same (most of them: a count grew, the last expiry moved within
        -- its day) is left out of the cube's, the funnel's and the day counts' moves below, which would cancel anyway;
        -- the others' rows as they were are in dash_episodes_old.
        v_count := v_count + ops.dash_append_episodes();
        insert into ops.dash_episode_days as d (project_id, day, account_id, channel, queue_id, campaign_id, flow_id, ai_agent_id,
                                                opened, reopened, resolved)
        select e.project_id, (e.opened_at at time zone pr.time_zone)::date, e.account_id, e.channel, e.queue_id, e.campaign_id,
               e.flow_id, e.ai_agent_id, sum(e.sign), sum(e.sign * e.reopened::int), 0
        from (select o.*, -1 as sign from dash_append x join dash_episodes_old o on o.conversation_id = x.conversation_id
              where x.funnel_moved
              union all
              select e.*, 1 from dash_append x join ops.dash_episodes e on e.conversation_id = x.conversation_id and e.seq = x.seq
              where x.funnel_moved) e
        join core.projects pr on pr.id = e.project_id
        group by 1, 2, 3, 4, 5, 6, 7, 8
        on conflict (project_id, day, account_id, channel, queue_id, campaign_id, flow_id, ai_agent_id)
        do update set opened = d.opened + excluded.opened, reopened = d.reopened + excluded.reopened;
    end if;
    perform ops.dash_count_episode_days(1);
    perform ops.dash_cube_add_episodes('select o.*, -1 as sign from dash_episodes_old o
                                        where not exists (select 1 from dash_append p where p.conversation_id = o.conversation_id and not p.cube_moved)
                                        union all
                                        select e.*, 1 from dash_anchor a join ops.dash_episodes e
                                            on e.conversation_id = a.conversation_id and e.seq > a.seq_base
                                        where not exists (select 1 from dash_append p where p.conversation_id = a.conversation_id and not p.cube_moved)');
    -- The funnel's counts of the conversations that have a reach: the replaced episodes' go and the new ones' come, with
    -- the episodes before them giving the days before. The conversations whose reach can move with their episodes are
    -- marked, and the pass recomputes them (ops.dash_funnel_catch_up): those without a reach yet, and those whose first
    -- missed stage is replied or resolved (the other stages read other facts, and these two only become true).
    if exists (select 1 from dash_anchor a join chat.conversations c on c.id = a.conversation_id
               join ops.dash_funnel_reaches r on r.project_id = c.project_id and r.conversation_id = a.conversation_id
               where not exists (select 1 from dash_append p where p.conversation_id = a.conversation_id and not p.funnel_moved)) then
        perform ops.dash_cube_add_funnel('with a as (select a.* from dash_anchor a where not exists (
                                              select 1 from dash_append p where p.conversation_id = a.conversation_id and not p.funnel_moved))
                                          select e.*, r.reach as funnel_reach, -1 as sign, false as emit
                                          from a join ops.dash_episodes e on e.conversation_id = a.conversation_id and e.seq <= a.seq_base
                                          join ops.dash_funnel_reaches r on r.project_id = e.project_id and r.conversation_id = e.conversation_id
                                          union all
                                          select o.*, r.reach, -1, true from a join dash_episodes_old o on o.conversation_id = a.conversation_id
                                          join ops.dash_funnel_reaches r on r.project_id = o.project_id and r.conversation_id = o.conversation_id
                                          union all
                                          select e.*, r.reach, 1, e.seq > a.seq_base
                                          from a join ops.dash_episodes e on e.conversation_id = a.conversation_id
                                          join ops.dash_funnel_reaches r on r.project_id = e.project_id and r.conversation_id = e.conversation_id');
    end if;
    -- An appended episode was not resolved, and one whose customer wrote has met replied already: neither can move.
    insert into ops.dash_funnel_dirty (project_id, conversation_id)
    select c.project_id, a.conversation_id
    from (select a.* from dash_anchor a
          where not exists (select 1 from dash_append x where x.conversation_id = a.conversation_id and x.customer_at is not null)
          offset 0) a
    join chat.conversations c on c.id = a.conversation_id
    join ops.dash_funnels f on f.project_id = c.project_id
    left join ops.dash_funnel_reaches r on r.project_id = c.project_id and r.conversation_id = a.conversation_id
    where p_full or r.reach is null or f.stages -> r.reach ->> 'kind' = 'replied'
       or f.stages -> r.reach ->> 'kind' = 'resolved' and not exists (select 1 from dash_append x where x.conversation_id = a.conversation_id)
    on conflict (project_id, conversation_id) do update set marked_at = now();
    return v_count;
end
$$;

-- The appending case of ops.dash_recompute_episodes: the conversations in dash_append get their new messages
-- (dash_appended) added to their kept last episode, each figure as the full recompute would give it from the kept
-- episode's rows followed by these. Returns the episodes written.
create or replace function ops.dash_append_episodes() returns int
language plpgsql as $$
declare
    v_count int;
begin
    -- One aggregate per conversation over its new messages, then index lookups: temp tables have no statistics, and a
    -- join of two CTEs planned as a nested loop cost seconds for 5,000 conversations.
    with n as (
        select p.conversation_id, p.seq, p.customer_at as kept_customer_at, p.first_response_at as kept_first_response_at,
               x.created_at as at, x.id, x.direction, x.sender, x.user_id, x.ai_agent_id, x.flow_id, x.campaign_id
        from dash_append p
        join dash_appended x on x.conversation_id = p.conversation_id and not x.call
    ),
    w as (
        select n.*,
               coalesce(n.kept_customer_at, min(n.at) filter (where n.direction = 'in') over (partition by n.conversation_id)) as customer_at_now,
               -- the messages that keep a customer's window from closing unanswered: a reply, or their next message
               n.direction = 'in' or n.sender <> 'campaign' as keeps,
               lead(n.at) over (partition by n.conversation_id, n.direction = 'in' or n.sender <> 'campaign' order by n.at, n.id) as next_at
        from n
    ),
    ns as (
        select w.conversation_id, w.seq, min(w.customer_at_now) as customer_at, max(w.at) as last_at,
               count(*) filter (where w.direction = 'in')::int as messages_in,
               count(*) filter (where w.direction = 'out')::int as messages_out,
               count(*) filter (where w.sender = 'person')::int as person_messages,
               coalesce(array_agg(distinct w.user_id) filter (where w.sender = 'person' and w.user_id is not null), '{}') as user_ids,
               (array_agg(w.ai_agent_id order by w.at, w.id) filter (where w.ai_agent_id is not null))[1] as ai_agent_id,
               (array_agg(w.flow_id order by w.at, w.id) filter (where w.flow_id is not null))[1] as flow_id,
               (array_agg(w.campaign_id order by w.at, w.id) filter (where w.campaign_id is not null))[1] as campaign_id,
               -- the first reply to the customer, when the kept episode had none
               min(w.at) filter (where w.kept_first_response_at is null and w.direction = 'out' and w.sender <> 'campaign'
                                   and w.at >= w.customer_at_now) as fr_at,
               (array_agg(w.sender order by w.at, w.id) filter (where w.kept_first_response_at is null and w.direction = 'out'
                                                                  and w.sender <> 'campaign' and w.at >= w.customer_at_now))[1] as fr_kind,
               (array_agg(w.user_id order by w.at, w.id) filter (where w.kept_first_response_at is null and w.direction = 'out'
                                                                   and w.sender <> 'campaign' and w.at >= w.customer_at_now))[1] as fr_user_id,
               min(w.at) filter (where w.keeps) as first_keep_at,
               (array_agg(case when w.direction = 'in' then w.at end order by w.at desc, w.id desc) filter (where w.keeps))[1] as open_expiry_at,
               coalesce(array_agg(w.at + interval '24 hours' order by w.at, w.id)
                            filter (where w.keeps and w.direction = 'in' and (w.next_at is null or w.next_at > w.at + interval '24 hours')), '{}')
                   as expiries
        from w group by w.conversation_id, w.seq
    ),
    v as (
        select k as kept, k.conversation_id, k.seq, c.project_id, c.account_id, c.channel, c.queue_id, ns.customer_at,
               coalesce(k.first_response_at, ns.fr_at) as first_response_at,
               case when k.first_response_at is null then ns.fr_kind else k.first_response_kind end as first_response_kind,
               case when k.first_response_at is null then ns.fr_user_id else k.first_response_user_id end as first_response_user_id,
               case when k.first_response_at is null then extract(epoch from ns.fr_at - ns.customer_at)::int
                    else k.first_response_seconds end as first_response_seconds,
               case when k.first_response_at is null then core.business_seconds(pr.business_hours, pr.time_zone, ns.customer_at, ns.fr_at)
                    else k.first_response_business_seconds end as first_response_business_seconds,
               array(select distinct u from unnest(k.user_ids || ns.user_ids) u order by u) as user_ids,
               coalesce(k.ai_agent_id, ns.ai_agent_id) as ai_agent_id, coalesce(k.flow_id, ns.flow_id) as flow_id,
               coalesce(k.campaign_id, ns.campaign_id) as campaign_id, h.reason as handoff_reason, h.source as handoff_source,
               k.messages_in + ns.messages_in as messages_in, k.messages_out + ns.messages_out as messages_out,
               k.person_messages + ns.person_messages as person_messages,
               -- the kept episode's last customer message is answered (or followed) within its window now: no expiry
               case when k.open_expiry_at is not null and ns.first_keep_at <= k.open_expiry_at + interval '24 hours'
                    then k.window_expiries[1:cardinality(k.window_expiries) - 1] else k.window_expiries end
                   || ns.expiries as window_expiries,
               case when ns.customer_at is not null and coalesce(k.first_response_at, ns.fr_at) is null then
                   case when k.sla_due_at is not null and k.customer_at = ns.customer_at and k.queue_id is not distinct from c.queue_id
                        then k.sla_due_at
                        else core.business_due(pr.business_hours, pr.time_zone, ns.customer_at, coalesce(sq.sla_first_response_seconds, 3600)) end
               end as sla_due_at,
               ns.last_at, case when ns.first_keep_at is not null then ns.open_expiry_at else k.open_expiry_at end as open_expiry_at
        from ns
        join ops.dash_episodes k on k.conversation_id = ns.conversation_id and k.seq = ns.seq
        join chat.conversations c on c.id = k.conversation_id
        join core.projects pr on pr.id = c.project_id
        left join core.queues sq on sq.id = c.queue_id
        left join lateral (select l.reason, l.source from ops.handoff_log l
                           where l.conversation_id = k.conversation_id and l.created_at >= k.opened_at
                           order by l.created_at desc, l.id desc limit 1) h on true
    ),
    -- what the cube and the funnel read of it moved (the cube counts the expiries per local day)
    moved as (
        select v.*,
               ((v.kept).account_id, (v.kept).channel, (v.kept).queue_id, (v.kept).user_ids, (v.kept).campaign_id, (v.kept).flow_id,
                (v.kept).ai_agent_id)
               is distinct from (v.account_id, v.channel, v.queue_id, v.user_ids, v.campaign_id, v.flow_id, v.ai_agent_id) as funnel_moved,
               ((v.kept).account_id, (v.kept).channel, (v.kept).queue_id, (v.kept).user_ids, (v.kept).campaign_id, (v.kept).flow_id,
                (v.kept).ai_agent_id, (v.kept).customer_at, (v.kept).first_response_at, (v.kept).first_response_seconds,
                (v.kept).first_response_business_seconds, (v.kept).first_response_kind, (v.kept).first_response_user_id,
                (v.kept).handoff_source, (v.kept).handoff_reason)
               is distinct from (v.account_id, v.channel, v.queue_id, v.user_ids, v.campaign_id, v.flow_id, v.ai_agent_id,
                v.customer_at, v.first_response_at, v.first_response_seconds, v.first_response_business_seconds,
                v.first_response_kind, v.first_response_user_id, v.handoff_source, v.handoff_reason)
               or array(select (x at time zone pr.time_zone)::date from unnest((v.kept).window_expiries) x order by 1)
                  is distinct from array(select (x at time zone pr.time_zone)::date from unnest(v.window_expiries) x order by 1)
                   as cube_moved
        from v join core.projects pr on pr.id = v.project_id
    ),
    written as (
        update ops.dash_episodes e
        set (project_id, account_id, channel, queue_id, customer_at, first_response_at, first_response_kind, first_response_user_id,
             first_response_seconds, first_response_business_seconds, user_ids, ai_agent_id, flow_id, campaign_id, handoff_reason,
             handoff_source, messages_in, messages_out, person_messages, window_expiries, sla_due_at, last_at, open_expiry_at)
          = (v.project_id, v.account_id, v.channel, v.queue_id, v.customer_at, v.first_response_at, v.first_response_kind,
             v.first_response_user_id, v.first_response_seconds, v.first_response_business_seconds, v.user_ids, v.ai_agent_id, v.flow_id,
             v.campaign_id, v.handoff_reason, v.handoff_source, v.messages_in, v.messages_out, v.person_messages, v.window_expiries,
             v.sla_due_at, v.last_at, v.open_expiry_at)
        from moved v
        where e.conversation_id = v.conversation_id and e.seq = v.seq
        returning v.conversation_id, v.kept, v.funnel_moved, v.cube_moved
    ),
    flagged as (
        update dash_append p set funnel_moved = w.funnel_moved, cube_moved = w.cube_moved
        from written w where p.conversation_id = w.conversation_id
    )
    insert into dash_episodes_old select (w.kept).* from written w where w.cube_moved;
    select count(*) into v_count from dash_append;
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
    -- not the appended episodes: they keep their opening and stay unresolved (ops.dash_recompute_episodes moves the
    -- ones whose queue, campaign, flow or AI agent changed)
    where x.day is not null
      and not exists (select 1 from dash_append d where d.conversation_id = a.conversation_id)
    group by 1, 2, 3, 4, 5, 6, 7, 8
    on conflict (project_id, day, account_id, channel, queue_id, campaign_id, flow_id, ai_agent_id)
    do update set opened = d.opened + excluded.opened, reopened = d.reopened + excluded.reopened, resolved = d.resolved + excluded.resolved;
end
$$;
