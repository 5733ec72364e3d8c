-- Knowledge tiles: the configured funnel, channels side by side, number health over time (docs/dashboards.md).

-- Whether a conversation reached one funnel stage (Contracts.Dashboards.FunnelStage kinds). The facts that stages read
-- are the conversation's own (tags, the contact's attributes, campaign replies, flow sessions), each through an index on
-- conversation_id.
create or replace function ops.dash_stage_met(p_conversation_id bigint, p_kind text, p_value text, p_replied boolean,
                                              p_resolved boolean) returns boolean
language sql stable as $$
    select case p_kind
        when 'contacted' then true
        when 'replied' then p_replied
        when 'resolved' then p_resolved
        when 'tag' then exists (select 1 from chat.conversation_tags t
                                where t.conversation_id = p_conversation_id and t.tag_id::text = p_value)
        when 'attribute' then exists (
            select 1 from chat.conversations c join chat.contacts k on k.id = c.contact_id
            where c.id = p_conversation_id
              and case when position('=' in p_value) > 0
                       then k.attributes ->> split_part(p_value, '=', 1) = substr(p_value, position('=' in p_value) + 1)
                       else k.attributes ? p_value end)
        when 'campaign_reply' then exists (
            select 1 from mass.recipients r
            where r.conversation_id = p_conversation_id and r.replied_at is not null
              and (p_value is null or r.campaign_id::text = p_value))
        when 'bot_outcome' then exists (
            select 1 from bot.flow_sessions f
            where f.conversation_id = p_conversation_id and (f.status = p_value or f.reason = p_value or f.node_id = p_value))
        else false end
$$;

-- Conversations with an episode opened in the period, counted at each stage they reached in order (a conversation
-- counts at a stage only if it reached every stage before it).
create or replace function ops.dash_facts_funnel(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (stage_key text, stage text, conversations bigint, conversion_pct double precision, overall_pct double precision)
language sql stable set jit = off as $$
    with s as (select * from ops.dash_span(p_project_id, p_from, p_to)),
    conv as (select e.conversation_id, bool_or(e.customer_at is not null) as replied, bool_or(e.resolved_at is not null) as resolved
             from s, ops.dash_episodes e
             where e.project_id = p_project_id and e.opened_at >= s.from_ts and e.opened_at < s.to_ts
               and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
             group by 1),
    st as (select x.ord, x.stage ->> 'key' as key, x.stage ->> 'label' as label, x.stage ->> 'kind' as kind, x.stage ->> 'value' as value
           from ops.dash_funnels f, jsonb_array_elements(f.stages) with ordinality x(stage, ord)
           where f.project_id = p_project_id),
    -- Each stage's conversations, set-based: one join per kind over the period's conversations (a hash join at
    -- 10 M messages), not a lookup per conversation and stage (ops.dash_stage_met says the same for one conversation).
    met as (select st.ord, c.conversation_id from st join conv c
                on st.kind = 'contacted' or (st.kind = 'replied' and c.replied) or (st.kind = 'resolved' and c.resolved)
            union
            select st.ord, t.conversation_id from st join chat.conversation_tags t on st.kind = 'tag' and t.tag_id::text = st.value
            join conv c on c.conversation_id = t.conversation_id
            union
            select st.ord, c.conversation_id from st join conv c on st.kind = 'attribute'
            join chat.conversations cv on cv.id = c.conversation_id join chat.contacts k on k.id = cv.contact_id
            where case when position('=' in st.value) > 0
                       then k.attributes ->> split_part(st.value, '=', 1) = substr(st.value, position('=' in st.value) + 1)
                       else k.attributes ? st.value end
            union
            select st.ord, r.conversation_id from st join mass.recipients r on st.kind = 'campaign_reply' and r.replied_at is not null
                and (st.value is null or r.campaign_id::text = st.value)
            join conv c on c.conversation_id = r.conversation_id
            union
            select st.ord, f.conversation_id from st join bot.flow_sessions f
                on st.kind = 'bot_outcome' and (f.status = st.value or f.reason = st.value or f.node_id = st.value)
            join conv c on c.conversation_id = f.conversation_id),
    -- How far each conversation went: the stages before its first missed one (in order, as the funnel counts).
    reach as (select c.conversation_id, coalesce(min(st.ord) filter (where m.conversation_id is null), 1000000) as first_missed
              from conv c cross join st
              left join met m on m.conversation_id = c.conversation_id and m.ord = st.ord
              group by c.conversation_id),
    counts as (select st.ord, st.key, st.label, count(r.conversation_id) as n
               from st left join reach r on r.first_missed > st.ord
               group by st.ord, st.key, st.label)
    select key, label, n, 100.0 * n / nullif(lag(n) over (order by ord), 0), 100.0 * n / nullif(first_value(n) over (order by ord), 0)
    from counts
    order by ord
$$;

create or replace function ops.dash_facts_channels(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (channel text, opened bigint, resolved bigint, messages_in bigint, messages_out bigint,
               first_response_median double precision, resolution_median double precision, delivered_pct double precision)
language sql stable set jit = off as $$
    with s as (select * from ops.dash_span(p_project_id, p_from, p_to)),
    ch as (select unnest(array['whatsapp', 'messenger', 'instagram']) as ch),
    op as (select e.channel, count(*) as n from s, ops.dash_episodes e
           where e.project_id = p_project_id and e.opened_at >= s.from_ts and e.opened_at < s.to_ts
             and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
           group by 1),
    rs as (select e.channel, count(*) as n, percentile_cont(0.5) within group (order by e.resolution_business_seconds) as m
           from s, ops.dash_episodes e
           where e.project_id = p_project_id and e.resolved_at >= s.from_ts and e.resolved_at < s.to_ts
             and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
           group by 1),
    fr as (select e.channel, percentile_cont(0.5) within group (order by e.first_response_business_seconds) as m
           from s, ops.dash_episodes e
           where e.project_id = p_project_id and e.first_response_at >= s.from_ts and e.first_response_at < s.to_ts
             and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
           group by 1),
    ms as (select h.channel, sum(h.messages) filter (where h.sender_kind = 'customer')::bigint as i,
                  sum(h.messages) filter (where h.sender_kind <> 'customer')::bigint as o
           from s, ops.dash_message_days h
           where h.project_id = p_project_id and h.day between p_from and p_to
             and ops.dash_filter_match(h.account_id, h.channel, h.queue_id, array[h.user_id], h.campaign_id, h.flow_id, h.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
           group by 1),
    dl as (select h.channel, sum(h.n) filter (where h.status = 'delivered')::bigint as d from s, ops.dash_status_hours h
           where h.project_id = p_project_id and h.hour >= s.from_ts and h.hour < s.to_ts
             and (p_account_id is null or h.account_id = p_account_id)
           group by 1)
    select ch.ch, coalesce(op.n, 0), coalesce(rs.n, 0), coalesce(ms.i, 0), coalesce(ms.o, 0), fr.m, rs.m,
           100.0 * coalesce(dl.d, 0) / nullif(ms.o, 0)
    from ch left join op on op.channel = ch.ch left join rs on rs.channel = ch.ch left join fr on fr.channel = ch.ch
    left join ms on ms.channel = ch.ch left join dl on dl.channel = ch.ch
    where p_channel is null or ch.ch = p_channel
    order by ch.ch
$$;

-- Each number's score and level at the end of each day (its day's last snapshot).
create or replace function ops.dash_facts_number_health(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (day text, account_id bigint, account text, score int, level text)
language sql stable set jit = off as $$
    select distinct on ((n.taken_at at time zone s.tz)::date, n.account_id)
           to_char((n.taken_at at time zone s.tz)::date, 'YYYY-MM-DD'), n.account_id, a.name, n.score, n.level
    from ops.dash_span(p_project_id, p_from, p_to) s
    join ops.number_health_snapshots n on n.project_id = p_project_id and n.taken_at >= s.from_ts and n.taken_at < s.to_ts
    join meta.accounts a on a.id = n.account_id
    where (p_account_id is null or n.account_id = p_account_id) and (p_channel is null or a.channel = p_channel)
    order by (n.taken_at at time zone s.tz)::date, n.account_id, n.taken_at desc, n.id desc
$$;
